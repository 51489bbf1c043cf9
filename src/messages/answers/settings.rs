//! Answers about a manager's settings: reminders paused, the time zone,
//! and where the team's digest goes.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::plain;
use crate::domain::SlackChannelId;
use crate::messages::day;

pub(super) fn snooze_state(until: Option<NaiveDate>, today: NaiveDate) -> SlackMessageContent {
    plain(&match until {
        None => "Reminders are on. To pause them, try `/coach snooze 1w` or `/coach snooze until 2026-12-24`.".to_string(),
        Some(until) => format!("Reminders are paused; they start again on {}. Turn them back on now with `/coach snooze off`.", day(until, today)),
    })
}

pub(super) fn snoozed(until: NaiveDate, today: NaiveDate) -> SlackMessageContent {
    plain(&format!(
        ":zzz: Reminders paused; they start again on {}. Changed your mind? `/coach snooze off`.",
        day(until, today)
    ))
}

/// "Snooze a week" when reminders were already paused.
pub(super) fn already_snoozed(until: NaiveDate, today: NaiveDate) -> SlackMessageContent {
    plain(&format!(":zzz: Reminders were already paused until {}; that stays as it was. `/coach snooze off` turns them back on.", day(until, today)))
}

pub(super) fn time_zone(
    tz: Tz,
    overridden: bool,
    local_now: NaiveDateTime,
    today: NaiveDate,
) -> SlackMessageContent {
    let source = if overridden {
        "you set it; `/coach tz reset` goes back to your Slack time zone".to_string()
    } else {
        format!(
            "from your Slack profile; change it with `/coach tz {}`",
            another_zone(tz)
        )
    };
    plain(&format!(
        "Your time zone is {} ({source}). It's {} {} there now; reminders arrive in this zone.",
        tz.name(),
        day(local_now.date(), today),
        local_now.format("%H:%M")
    ))
}

pub(super) fn digest_channel(channel: Option<&SlackChannelId>) -> SlackMessageContent {
    plain(&match channel {
        None => "Your team has no digest channel. To post a weekly digest of your team's coaching, invite me to a channel (`/invite @coachbot`), then `/coach digest #team-sales`.".to_string(),
        Some(channel) => format!(":mega: Your team's digest goes to {} every week. `/coach digest off` stops it.", channel.mention()),
    })
}

pub(super) fn digest_set(channel: &SlackChannelId) -> SlackMessageContent {
    plain(&format!(":mega: Your team's digest will go to {} every week: each rep's month against pace and your meetings, never notes. `/coach digest off` stops it.", channel.mention()))
}

/// The bot is not in the channel, so the digest cannot go there yet.
pub(super) fn digest_needs_invite(channel: &SlackChannelId) -> SlackMessageContent {
    plain(&format!("I'm not in {} yet, so I can't post your digest there. Invite me first: type `/invite @coachbot` in that channel, then set it again. Nothing changed.", channel.mention()))
}

/// Slack could not be asked whether the bot is in the channel.
pub(super) fn digest_unchecked(channel: &SlackChannelId) -> SlackMessageContent {
    plain(&format!("I couldn't reach Slack to check that I'm in {}, so nothing changed. Please try again in a minute.", channel.mention()))
}

/// An example zone that is not the manager's own, so that copying it changes something.
pub(super) fn another_zone(tz: Tz) -> &'static str {
    if tz == Tz::Europe__Berlin {
        "America/New_York"
    } else {
        "Europe/Berlin"
    }
}
