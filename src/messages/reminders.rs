//! What the jobs send: the meeting and pace nudges and the digests; and
//! the notices changes call for: a rep asked to confirm a 1:1, a manager
//! told of a dispute.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::answers::entry_summary;
use super::buttons::Button;
use super::{bar_line, day, days, furthest_behind_first, minutes, started, Message};
use crate::app::forms::Preset;
use crate::domain::{
    format_minutes, plural, share_on_pace, Activity, CountedFrom, MeetingPolicy, MeetingState,
    Minutes, Topic, STUDY_MINUTES,
};
use crate::domain::{
    BehindRep, Entry, ManagerDigest, RepAnswer, SlackUserId, StoredEntry, TeamDigest,
};

/// The article's sales-meeting agenda, as a reminder lists it.
fn agenda() -> String {
    Topic::ALL
        .iter()
        .map(|t| format!("• {}", capitalise(t.label())))
        .collect::<Vec<_>>()
        .join("\n")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How often the team should meet, from the settings: `every week (every
/// other week at the least)` for the defaults.
fn cadence(policy: MeetingPolicy) -> String {
    let every = |days: u32| match days {
        7 => "every week".to_string(),
        14 => "every other week".to_string(),
        1 => "every day".to_string(),
        n => format!("every {n} days"),
    };
    format!(
        "{} ({} at the least)",
        every(policy.due_after_days),
        every(policy.overdue_after_days)
    )
}

/// `meeting-check`: a DM to a manager whose team meeting is due.
pub fn meeting_nudge(state: MeetingState, policy: MeetingPolicy) -> SlackMessageContent {
    let headline = match state {
        MeetingState::Overdue {
            days_since,
            from: CountedFrom::LastMeeting,
        } => format!(
            "Your team meeting is overdue: it has been {} since the last one.",
            days(days_since)
        ),
        MeetingState::Overdue { days_since, from } => format!(
            "Your team meeting is overdue: {} {} ago and your team hasn't met yet.",
            started(from),
            days(days_since)
        ),
        MeetingState::Due {
            days_since,
            from: CountedFrom::LastMeeting,
        } => format!(
            "Time for this week's team meeting: the last one was {} ago.",
            days(days_since)
        ),
        MeetingState::Due { days_since, from } => format!(
            "Time for your first team meeting: {} {} ago.",
            started(from),
            days(days_since)
        ),
        MeetingState::OnTrack { .. } | MeetingState::NoTeam => {
            "Your next team meeting is coming up.".to_string()
        }
    };
    let emoji = if matches!(state, MeetingState::Overdue { .. }) {
        ":rotating_light:"
    } else {
        ":calendar:"
    };
    Message::new(headline.clone())
        .text(&format!(
            "{emoji} *{headline}*\nTeams that meet {} sell more. A suggested agenda:",
            cadence(policy)
        ))
        .text(&agenda())
        .context("Afterwards, log it here, or in one line: `/coach meeting 60m stuck deals, pipeline, wins`.")
        .buttons(vec![
            Button::LogMeeting.element("Log the meeting", 0),
            Button::SnoozeWeek.element("Snooze a week", 1),
        ])
        .into_content()
}

/// How many reps behind pace get a button of their own; the rest share one.
const REPS_WITH_A_BUTTON: usize = 5;
/// A form opened from a pace reminder starts at this length.
const SUGGESTED_MINUTES: u32 = 30;

/// `coaching-pace`: a DM listing each rep behind pace and what to try.
pub fn pace_nudge(behind: &[BehindRep], target: u32) -> SlackMessageContent {
    let headline = format!(
        "{} {} behind this month's coaching pace.",
        plural(behind.len(), "rep", "reps"),
        if behind.len() == 1 { "is" } else { "are" }
    );
    let mut message =
        Message::new(headline.clone()).text(&format!(":hourglass_flowing_sand: *{headline}*"));
    let minutes = Minutes::new(SUGGESTED_MINUTES).ok();
    for (index, b) in behind.iter().take(REPS_WITH_A_BUTTON).enumerate() {
        let p = &b.progress;
        let line = format!(
            "{} — {} this month, {} short of today's pace. Try: {}.",
            p.rep.mention(),
            format_minutes(i64::from(p.minutes.total())),
            format_minutes(i64::from(p.gap())),
            suggestion(b.suggestion)
        );
        let button = Button::LogCoaching(Preset {
            reps: vec![p.rep.clone()],
            activity: Some(b.suggestion),
            minutes,
        });
        message = message.text_with_button(&line, button.element("Log coaching", index));
    }
    let rest: Vec<&BehindRep> = behind.iter().skip(REPS_WITH_A_BUTTON).collect();
    if !rest.is_empty() {
        let names: Vec<String> = rest.iter().map(|b| b.progress.rep.mention()).collect();
        let button = Button::LogCoaching(Preset {
            reps: rest.iter().map(|b| b.progress.rep.clone()).collect(),
            activity: None,
            minutes,
        });
        message = message.text_with_button(
            &format!("…and {} more: {}", rest.len(), names.join(", ")),
            button.element("Log coaching", REPS_WITH_A_BUTTON),
        );
    }
    message
        .context(&format!(
            "The target is {} of one-on-one coaching and team meetings per rep per month. Or type it: `/coach 30m @rep {}`.",
            format_minutes(i64::from(target)),
            behind.first().map_or("pipeline review", |b| log_words(b.suggestion))
        ))
        .buttons(vec![Button::SnoozeWeek.element("Snooze a week", 0)])
        .into_content()
}

fn suggestion(activity: Activity) -> &'static str {
    match activity {
        Activity::Observation => "sit in on one of their calls and give feedback right after",
        Activity::Pipeline => {
            "review their pipeline together: what is stuck, and the next step for each deal"
        }
        Activity::Deal => "pick their biggest open deal and plan the next move with them",
        Activity::Skill | Activity::Other => {
            "practise one skill with them, such as objection handling or discovery questions"
        }
    }
}

fn log_words(activity: Activity) -> &'static str {
    match activity {
        Activity::Observation => "observed a call",
        Activity::Pipeline => "pipeline review",
        Activity::Deal => "deal strategy",
        Activity::Skill | Activity::Other => "objection handling practice",
    }
}

/// `digest`: the team's coaching in numbers, for a channel. Never notes.
pub fn digest(managers: &[ManagerDigest], today: NaiveDate, target: u32) -> SlackMessageContent {
    let title = format!("Coaching digest — week to {}", day(today, today));
    let reps: usize = managers.iter().map(|m| m.reps).sum();
    let on_pace: usize = managers.iter().map(|m| m.reps_on_pace).sum();
    let coached: u32 = managers.iter().map(|m| m.coached_this_month).sum();
    let credited: u32 = managers.iter().map(|m| m.credited_this_month).sum();
    let meetings: u32 = managers.iter().map(|m| m.meetings_last_7_days).sum();
    let totals = format!(
        "*Team totals:* {} in the last 7 days · {on_pace} of {} on pace · {}",
        plural(meetings as usize, "team meeting", "team meetings"),
        plural(reps, "rep", "reps"),
        month_time(coached, credited)
    );
    let lines: Vec<String> = managers
        .iter()
        .map(|m| {
            let holiday = m
                .snoozed_until
                .map(|until| format!(" · :palm_tree: away until {}", day(until, today)))
                .unwrap_or_default();
            format!(
                "• {} — {} in 7 days · {} of {} on pace · {}{holiday}",
                m.manager.mention(),
                plural(m.meetings_last_7_days as usize, "meeting", "meetings"),
                m.reps_on_pace,
                plural(m.reps, "rep", "reps"),
                month_time(m.coached_this_month, m.credited_this_month)
            )
        })
        .collect();
    Message::new(format!(
        "{title}. {on_pace} of {} on pace.",
        plural(reps, "rep", "reps")
    ))
        .header(&title)
        .text(&totals)
        .text(&lines.join("\n"))
        .context(&format!(
            "The study behind coachbot: about {} per rep per month of 1:1s, sales meetings and observing deals takes a team to 107% of target. Our target: {} per rep per month. Log yours with `/coach`.",
            minutes(STUDY_MINUTES),
            minutes(target)
        ))
        .into_content()
}

/// The managers' own time this month and, apart, the reps' credit, which
/// counts a meeting for every rep in it: `4h of coaching this month (7h
/// credited to reps)`.
fn month_time(coached: u32, credited: u32) -> String {
    format!(
        "{} of coaching this month ({} credited to reps)",
        minutes(coached),
        minutes(credited)
    )
}

/// A team digest lists at most this many reps, furthest behind first.
const REPS_IN_A_DIGEST: usize = 40;

/// `team-digest`: one team's week and month, for the channel its manager
/// chose. Numbers only, never notes.
pub fn team_digest(team: &TeamDigest, today: NaiveDate, target: u32) -> SlackMessageContent {
    let title = format!("Team coaching digest — week to {}", day(today, today));
    let (on_pace, on_team) = share_on_pace(&team.reps);
    let summary = format!(
        "*{}'s team:* {} in the last 7 days · {on_pace} of {} on pace",
        team.manager.mention(),
        plural(
            team.meetings_last_7_days as usize,
            "team meeting",
            "team meetings"
        ),
        plural(on_team, "rep", "reps"),
    );
    let reps = furthest_behind_first(&team.reps);
    let mut lines: Vec<String> = reps
        .iter()
        .take(REPS_IN_A_DIGEST)
        .map(|p| bar_line(p, today))
        .collect();
    if reps.len() > REPS_IN_A_DIGEST {
        lines.push(format!(
            "…and {} more on the team.",
            reps.len() - REPS_IN_A_DIGEST
        ));
    }
    Message::new(format!(
        "{title}. {on_pace} of {} on pace.",
        plural(on_team, "rep", "reps")
    ))
    .header(&title)
    .text(&summary)
    .text(&lines.join("\n"))
    .context(&format!(
        "The target is {} of one-on-one coaching and team meetings per rep per month. Log yours with `/coach`.",
        minutes(target)
    ))
    .into_content()
}

/// A DM to a rep about a 1:1 just logged with them: who, what kind, how
/// long, which day, never the manager's note; and the two answers.
pub fn confirm_ask(
    entry: &StoredEntry,
    manager: &SlackUserId,
    today: NaiveDate,
) -> SlackMessageContent {
    let kind = match &entry.entry {
        Entry::Session(session) => session.activity.label(),
        Entry::Meeting(_) => "team meeting",
    };
    let question = format!(
        "{} logged a 1:1 with you: {} of {kind} on {}. Did it happen, and did it help?",
        manager.mention(),
        entry.entry.minutes(),
        day(entry.entry.held_on(), today)
    );
    let answer = |answer| Button::Confirm {
        entry: entry.id,
        revision: entry.revision,
        answer,
    };
    Message::new(question.clone())
        .text(&format!(":speech_balloon: {question}"))
        .buttons(vec![
            answer(RepAnswer::Helped).element("It helped", 0),
            answer(RepAnswer::DidNotHappen).element("That didn't happen", 1),
        ])
        .context("Your answer goes to your manager's records, so the coaching hours stay honest. A session you say didn't happen stops counting until your manager keeps it or deletes it.")
        .into_content()
}

/// A DM to a manager: a rep says a 1:1 did not happen.
pub fn dispute_notice(
    entry: &StoredEntry,
    rep: &SlackUserId,
    today: NaiveDate,
) -> SlackMessageContent {
    let what = entry_summary(entry, today);
    let notice = format!(
        "{} says this 1:1 didn't happen: {what}. It no longer counts toward their pace until you keep it or delete it.",
        rep.mention()
    );
    Message::new(notice.clone())
        .text(&format!(":warning: {notice}"))
        .buttons(vec![
            Button::KeepDisputed {
                entry: entry.id,
                rep: rep.clone(),
            }
            .element("Keep it", 0),
            Button::DeleteDisputed {
                entry: entry.id,
                rep: rep.clone(),
            }
            .element("Delete it", 1),
        ])
        .into_content()
}
