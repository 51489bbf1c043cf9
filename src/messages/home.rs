//! The App Home tab: a manager's month at a glance with what they can do
//! about it, a rep's own month, or what coachbot is for. At most 100
//! blocks whatever the team's size: long lists are cut, and say so.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::answers::entry_summary;
use super::buttons::Button;
use super::{bar, bar_line, day, furthest_behind_first, meeting_line, minutes, plural, Message};
use crate::app::forms::Preset;
use crate::app::home::{Home, ManagerHome, RepHome};
use crate::domain::{
    share_on_pace, Confirmation, Job, ListedEntry, RepProgress, YearMonth, STUDY_MINUTES,
};

/// A Home tab holds at most this many blocks.
const MAX_HOME_BLOCKS: usize = 100;
/// Reps listed with their bar; the rest are summed up.
const REPS_WITH_A_BAR: usize = 30;
/// Reps listed with their join day and a menu.
const REPS_IN_THE_TEAM_LIST: usize = 20;
/// A rep's own sessions listed.
const SESSIONS_LISTED: usize = 30;

/// The Home tab's view.
pub fn home(home: &Home) -> SlackView {
    let message = match home {
        Home::Newcomer { target } => newcomer(*target),
        Home::Manager(manager) => manager_home(manager),
        Home::Rep(rep) => rep_home(rep),
    };
    SlackView::Home(SlackHomeView::new(message.into_blocks(MAX_HOME_BLOCKS)))
}

fn month_name(month: YearMonth) -> String {
    month.first_day().format("%B %Y").to_string()
}

/// Two lines on what coachbot is for, and the one button to start.
fn newcomer(target: u32) -> Message {
    Message::new("coachbot")
            .header("Coaching that sells")
            .text(&format!(
                "Sales teams whose reps get about {} a month of one-on-one coaching and team meetings reach 107% of target.\nYour target: {} per rep per month. coachbot keeps the count and reminds you when it slips.",
                minutes(STUDY_MINUTES),
                minutes(target)
            ))
            .buttons(vec![Button::AddReps.element("Add your reps", 0)])
            .context("Or type `/coach team add @dana @lee`. `/coach help` shows everything.")
}

fn manager_home(home: &ManagerHome) -> Message {
    let today = home.today;
    let (on_pace, on_team) = share_on_pace(&home.reps);
    let expected = home
        .reps
        .iter()
        .filter_map(RepProgress::pace)
        .map(|pace| pace.expected)
        .max()
        .unwrap_or(0);
    let mut message = Message::new("coachbot")
        .header(&format!("Your coaching — {}", month_name(home.month)))
        .text(&format!(
            "Target {} per rep per month · today's pace {} · *{on_pace} of {} on pace*",
            minutes(home.target),
            minutes(expected),
            plural(on_team, "rep", "reps"),
        ))
        .buttons(vec![
            Button::LogCoaching(Preset::default()).element("Log coaching", 0),
            Button::LogMeeting.element("Log a team meeting", 1),
        ])
        .divider();

    let reps = furthest_behind_first(&home.reps);
    let lines: Vec<String> = reps
        .iter()
        .take(REPS_WITH_A_BAR)
        .map(|p| bar_line(p, today))
        .collect();
    message = message.text(&format!("*This month*\n{}", lines.join("\n")));
    if reps.len() > REPS_WITH_A_BAR {
        let rest = &reps[REPS_WITH_A_BAR..];
        let on_team = rest.iter().filter(|p| p.on_team()).count();
        let behind = rest.iter().filter(|p| p.behind()).count();
        let left = match rest.len() - on_team {
            0 => String::new(),
            left => format!(", {left} left the team"),
        };
        message = message.context(&format!(
            "…and {} more: {} on pace, {behind} behind{left}. `/coach status` lists everyone.",
            rest.len(),
            on_team - behind
        ));
    }
    let due = home
        .next_meeting_due
        .filter(|due| *due > today)
        .map(|due| format!(" Next one due {}.", day(due, today)))
        .unwrap_or_default();
    message = message.text(&format!("{}{due}", meeting_line(home.meeting)));
    message = message.context(&next_reminders(home));
    if home.reps_confirm {
        message = message.context(&reps_word(&home.confirmations));
    }

    message = message.divider().text("*Latest entries*");
    if home.latest.is_empty() {
        message = message.context("Nothing logged yet. Log your first 1:1 with the button above, or `/coach 45m @dana pipeline review`.");
    }
    for (index, listed) in home.latest.iter().enumerate() {
        let menu = Button::menu(
            &[
                ("Edit", Button::EditEntry(listed.stored.id)),
                ("Delete", Button::DeleteEntry(listed.stored.id)),
            ],
            index,
        );
        message = message.text_with_menu(&entry_line(listed, today), menu);
    }

    message = message.divider().text_with_button(
        &format!("*Your team* · {}", plural(home.team.len(), "rep", "reps")),
        Button::AddReps.element("Add reps", 0),
    );
    for (index, member) in home.team.iter().take(REPS_IN_THE_TEAM_LIST).enumerate() {
        let menu = Button::menu(
            &[
                ("Change join day", Button::ChangeJoinDay(member.rep.clone())),
                ("Remove from team", Button::RemoveRep(member.rep.clone())),
            ],
            index,
        );
        message = message.text_with_menu(
            &format!(
                "{} — on your team since {}",
                member.rep.mention(),
                day(member.joined_on, today)
            ),
            menu,
        );
    }
    if home.team.len() > REPS_IN_THE_TEAM_LIST {
        message = message.context(&format!(
            "…and {} more. `/coach team` lists everyone; `/coach team remove @rep` takes one off.",
            home.team.len() - REPS_IN_THE_TEAM_LIST
        ));
    }

    let zone = if home.tz_overridden {
        "you set it"
    } else {
        "from your Slack profile"
    };
    let reminders = match home.snoozed_until {
        Some(until) => format!(
            ":zzz: Reminders: paused; they start again on {}",
            day(until, today)
        ),
        None => ":bell: Reminders: on".to_string(),
    };
    let digest = match &home.digest_channel {
        Some(channel) => format!(":mega: Team digest: {} every week", channel.mention()),
        None => ":mega: Team digest: off".to_string(),
    };
    message
        .divider()
        .text("*Settings*")
        .text_with_button(
            &format!(
                ":globe_with_meridians: Time zone: {} ({zone})",
                home.tz.name()
            ),
            Button::ChangeTimeZone.element("Change", 0),
        )
        .text_with_button(&reminders, Button::ChangeSnooze.element("Snooze", 0))
        .text_with_button(&digest, Button::ChangeDigest.element("Change", 0))
}

/// `Fri 27 Nov · 45m of pipeline review with @dana — it helped`.
fn entry_line(listed: &ListedEntry, today: NaiveDate) -> String {
    let words: Vec<&str> = listed
        .confirmations
        .iter()
        .filter_map(|word| word_label(*word))
        .collect();
    let word = if words.is_empty() {
        String::new()
    } else {
        format!(" · {}", words.join(", "))
    };
    format!(
        "{}{word}",
        capitalised(&entry_summary(&listed.stored, today))
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a rep said, as the manager's list shows it; nothing when nobody
/// was asked.
fn word_label(word: Confirmation) -> Option<&'static str> {
    match word {
        Confirmation::NotAsked => None,
        Confirmation::Asked => Some(":hourglass: waiting for the rep"),
        Confirmation::Helped => Some(":white_check_mark: confirmed"),
        Confirmation::Disputed => Some(":warning: disputed, not counted"),
        Confirmation::Kept => Some(":white_check_mark: disputed, kept"),
    }
}

/// `Reps' word on this month's 1:1s: 5 confirmed · 1 disputed … · 2 waiting`.
fn reps_word(counts: &[(Confirmation, u32)]) -> String {
    let count = |word: Confirmation| {
        counts
            .iter()
            .filter(|(seen, _)| *seen == word)
            .map(|(_, n)| *n)
            .sum::<u32>()
    };
    format!(
        "Reps' word on this month's 1:1s: {} confirmed · {} disputed (not counted until you keep them) · {} kept after a dispute · {} waiting",
        count(Confirmation::Helped),
        count(Confirmation::Disputed),
        count(Confirmation::Kept),
        count(Confirmation::Asked)
    )
}

/// When the next checks run, in the manager's own time.
fn next_reminders(home: &ManagerHome) -> String {
    let checks: Vec<String> = home
        .next_reminders
        .iter()
        .map(|(job, at)| {
            let what = match job {
                Job::MeetingCheck => "meeting check",
                _ => "pace check",
            };
            format!(
                "{what} {} at {}",
                day(at.date_naive(), home.today),
                at.format("%H:%M")
            )
        })
        .collect();
    let paused = home
        .snoozed_until
        .map(|until| format!(" (paused until {})", day(until, home.today)))
        .unwrap_or_default();
    format!(
        ":alarm_clock: Next {}{paused}, {} time.",
        checks.join(" · "),
        home.tz.name()
    )
}

fn rep_home(home: &RepHome) -> Message {
    let today = home.today;
    let mut message =
        Message::new("coachbot").header(&format!("Your coaching — {}", month_name(home.month)));
    let pace = home.progress.as_ref().and_then(RepProgress::pace);
    message = match (pace, &home.manager) {
        (Some(pace), Some(manager)) => message.text(&format!(
            "{} *{}* of {} this month, with {}'s team · today's pace {}",
            bar(pace.minutes, pace.month_target),
            minutes(pace.minutes),
            minutes(pace.month_target),
            manager.mention(),
            minutes(pace.expected)
        )),
        _ => message.text("You are on no team right now."),
    };
    let mut managers: Vec<_> = home.sessions.iter().map(|s| s.manager.clone()).collect();
    managers.dedup();
    for manager in managers {
        let lines: Vec<String> = home
            .sessions
            .iter()
            .filter(|s| s.manager == manager)
            .take(SESSIONS_LISTED)
            .map(|s| {
                let word = match s.confirmation {
                    Confirmation::NotAsked => String::new(),
                    Confirmation::Asked => {
                        " · :hourglass: waiting for your word (in your DMs)".into()
                    }
                    Confirmation::Helped => " · :white_check_mark: you said it helped".into(),
                    Confirmation::Disputed => {
                        " · :warning: you said it didn't happen; not counted".into()
                    }
                    Confirmation::Kept => {
                        " · you said it didn't happen; your manager kept it".into()
                    }
                };
                format!(
                    "• {} — {} of {}{word}",
                    day(s.held_on, today),
                    minutes(s.minutes),
                    s.activity.label()
                )
            })
            .collect();
        message = message.text(&format!(
            "*1:1s with {}*\n{}",
            manager.mention(),
            lines.join("\n")
        ));
    }
    if home.sessions.is_empty() {
        message = message.context("No 1:1s logged with you this month yet.");
    }
    message.context(&format!(
        "Team meetings count too. The target is {} per rep per month: the study behind coachbot found about {} takes a team to 107% of target.",
        minutes(home.target),
        minutes(STUDY_MINUTES)
    ))
}
