//! The small forms the Home tab's buttons open, how their submissions read
//! back as a [`Setting`], and the time zones an `external_select` offers as
//! the manager types (Slack's static menus hold 100 options; there are
//! hundreds of zones).

use chrono::NaiveDate;
use chrono_tz::{Tz, TZ_VARIANTS};
use slack_morphism::prelude::*;

use super::day;
use super::forms::block;
use crate::app::forms::Field;
use crate::app::settings::Setting;
use crate::domain::{SlackChannelId, SlackUserId};

/// Each settings form's `callback_id`.
pub const ADD_REPS_FORM: &str = "add_reps";
pub const JOIN_DAY_FORM: &str = "join_day";
pub const REMOVE_REP_FORM: &str = "remove_rep";
pub const TIME_ZONE_FORM: &str = "time_zone";
pub const SNOOZE_FORM: &str = "snooze";
pub const DIGEST_FORM: &str = "digest";

/// The option that goes back to the zone in the manager's Slack profile.
const SLACK_ZONE: &str = "slack";
/// A search lists at most this many zones (Slack's limit is 100).
const ZONES_OFFERED: usize = 50;

fn modal(title: &str, submit: &str, callback: &str, blocks: Vec<SlackBlock>) -> SlackModalView {
    SlackModalView::new(pt!(title), blocks)
        .with_submit(pt!(submit))
        .with_close(pt!("Cancel"))
        .with_callback_id(callback.into())
}

fn date_input(label: &str, initial: Option<NaiveDate>, optional: bool, hint: &str) -> SlackBlock {
    let picker = SlackBlockDatePickerElement::new().with_action_id(block(Field::Day).into());
    let picker = match initial {
        Some(day) => picker.with_initial_date(day.format("%Y-%m-%d").to_string()),
        None => picker,
    };
    SlackInputBlock::new(pt!(label), picker.into())
        .with_block_id(block(Field::Day).into())
        .with_optional(optional)
        .with_hint(pt!(hint))
        .into()
}

fn text(text: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!(text)).into()
}

fn rep_metadata(rep: &SlackUserId) -> String {
    format!("rep={rep}")
}

/// "Add reps": who, and since when.
pub fn add_reps(today: NaiveDate) -> SlackView {
    let reps = SlackBlockMultiUsersSelectElement::new()
        .with_action_id(block(Field::Reps).into())
        .with_placeholder(pt!("Pick the reps you coach"));
    SlackView::Modal(modal(
        "Add reps",
        "Add",
        ADD_REPS_FORM,
        vec![
            SlackInputBlock::new(pt!("Reps"), reps.into())
                .with_block_id(block(Field::Reps).into())
                .into(),
            date_input(
                "On your team since",
                Some(today),
                true,
                "Pace counts from this day. Today, unless they joined earlier.",
            ),
        ],
    ))
}

/// A rep's join day, to change.
pub fn join_day(rep: &SlackUserId, joined_on: NaiveDate) -> SlackView {
    SlackView::Modal(
        modal(
            "Change join day",
            "Save",
            JOIN_DAY_FORM,
            vec![
                text(&format!("When did {} join your team?", rep.mention())),
                date_input(
                    "Joined on",
                    Some(joined_on),
                    false,
                    "Their pace counts from this day.",
                ),
            ],
        )
        .with_private_metadata(rep_metadata(rep)),
    )
}

/// Asks once before a rep leaves the team.
pub fn remove_rep(rep: &SlackUserId) -> SlackView {
    SlackView::Modal(
        modal(
            "Remove from team",
            "Remove",
            REMOVE_REP_FORM,
            vec![text(&format!(
                "Take {} off your team? Their coaching so far stays on record.",
                rep.mention()
            ))],
        )
        .with_private_metadata(rep_metadata(rep)),
    )
}

fn zone_option(tz: Tz) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(pt!(tz.name().replace('_', " ")), tz.name().to_string())
}

fn slack_zone_option() -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(pt!("The zone in my Slack profile"), SLACK_ZONE.to_string())
}

/// The time zone, searched by name.
pub fn time_zone(current: Tz) -> SlackView {
    let search = SlackBlockExternalSelectElement::new()
        .with_action_id(block(Field::TimeZone).into())
        .with_placeholder(pt!("Type a city, like Berlin"))
        .with_min_query_length(2)
        .with_initial_option(zone_option(current));
    SlackView::Modal(modal(
        "Time zone",
        "Save",
        TIME_ZONE_FORM,
        vec![SlackInputBlock::new(pt!("Your time zone"), search.into())
            .with_block_id(block(Field::TimeZone).into())
            .with_hint(pt!(
                "Reminders come at 09:00 in this zone. Type a city or region."
            ))
            .into()],
    ))
}

/// The zones whose names hold what the manager typed, spaces read as `_`,
/// and the way back to the Slack profile's zone.
pub fn time_zones_matching(typed: &str) -> SlackBlockSuggestionResponse {
    let wanted = typed.trim().replace(' ', "_").to_lowercase();
    let mut options = vec![slack_zone_option()];
    options.extend(
        TZ_VARIANTS
            .iter()
            .filter(|tz| tz.name().to_lowercase().contains(&wanted))
            .take(ZONES_OFFERED)
            .map(|tz| zone_option(*tz)),
    );
    SlackBlockSuggestionResponse::Options(SlackBlockSuggestionOptions::new(options))
}

/// When reminders come back.
pub fn snooze(today: NaiveDate, snoozed_until: Option<NaiveDate>) -> SlackView {
    let now = match snoozed_until {
        Some(until) => format!("Reminders are paused until {}.", day(until, today)),
        None => "Reminders are on.".to_string(),
    };
    SlackView::Modal(modal(
        "Snooze reminders",
        "Save",
        SNOOZE_FORM,
        vec![
            text(&now),
            date_input(
                "Reminders come back on",
                snoozed_until.or(Some(today + chrono::Duration::days(7))),
                true,
                "Leave it empty to turn reminders back on now.",
            ),
        ],
    ))
}

/// The channel the team's digest goes to.
pub fn digest(current: Option<&SlackChannelId>) -> SlackView {
    let picker = SlackBlockConversationsSelectElement::new()
        .with_action_id(block(Field::Channel).into())
        .with_placeholder(pt!("Pick a channel"))
        .with_filter(
            SlackBlockConversationFilter::new()
                .with_include(vec![
                    SlackConversationFilterInclude::Public,
                    SlackConversationFilterInclude::Private,
                ])
                .with_exclude_bot_users(true),
        );
    let picker = match current {
        Some(channel) => picker.with_initial_conversation(channel.as_str().into()),
        None => picker,
    };
    SlackView::Modal(modal(
        "Team digest",
        "Save",
        DIGEST_FORM,
        vec![
            text("Every week, coachbot posts your team's coaching there: each rep's month against pace and your meetings, never notes. Invite @coachbot to the channel first."),
            SlackInputBlock::new(pt!("Channel"), picker.into())
                .with_block_id(block(Field::Channel).into())
                .with_optional(true)
                .with_hint(pt!("Leave it empty to turn the team digest off."))
                .into(),
        ],
    ))
}

/// A settings form's submission as the setting it asks for; `None` for a
/// form this version does not know.
pub fn setting(
    callback_id: &str,
    metadata: Option<&str>,
    state: Option<&SlackViewState>,
) -> Option<Setting> {
    let value = |field: Field| {
        state
            .and_then(|state| state.values.get(&block(field).into()))
            .and_then(|actions| actions.get(&block(field).into()))
    };
    let date = || {
        value(Field::Day)
            .and_then(|v| v.selected_date.as_deref())
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
    };
    let rep = || {
        metadata
            .and_then(|m| m.strip_prefix("rep="))
            .and_then(|rep| SlackUserId::parse(rep).ok())
    };
    match callback_id {
        ADD_REPS_FORM => Some(Setting::AddReps {
            reps: value(Field::Reps)
                .and_then(|v| v.selected_users.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|user| SlackUserId::parse(user.value()).ok())
                .collect(),
            since: date(),
        }),
        JOIN_DAY_FORM => Some(Setting::JoinDay {
            rep: rep()?,
            day: date(),
        }),
        REMOVE_REP_FORM => Some(Setting::RemoveRep(rep()?)),
        TIME_ZONE_FORM => {
            let chosen = value(Field::TimeZone)?
                .selected_option
                .as_ref()?
                .value
                .clone();
            Some(Setting::TimeZone(if chosen == SLACK_ZONE {
                None
            } else {
                Some(chosen.parse().ok()?)
            }))
        }
        SNOOZE_FORM => Some(Setting::SnoozeUntil(date())),
        DIGEST_FORM => Some(Setting::DigestChannel(
            value(Field::Channel)
                .and_then(|v| v.selected_conversation.as_ref())
                .and_then(|channel| SlackChannelId::parse(channel.value()).ok()),
        )),
        _ => None,
    }
}
