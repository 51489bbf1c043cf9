//! What the jobs send: the meeting and pace nudges, and the channel digest.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::{day, days, Message};
use crate::domain::{format_minutes, Activity, MeetingState, Topic};
use crate::jobs::decide::{BehindRep, ManagerDigest};

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

/// `meeting-check`: a DM to a manager whose team meeting is due.
pub fn meeting_nudge(state: MeetingState) -> SlackMessageContent {
    let headline = match state {
        MeetingState::Overdue {
            days_since,
            since_last_meeting: true,
        } => format!(
            "Your team meeting is overdue: it has been {} since the last one.",
            days(days_since)
        ),
        MeetingState::Overdue {
            days_since,
            since_last_meeting: false,
        } => format!(
            "Your team meeting is overdue: your team started {} ago and hasn't met yet.",
            days(days_since)
        ),
        MeetingState::Due {
            days_since,
            since_last_meeting: true,
        } => format!(
            "Time for this week's team meeting: the last one was {} ago.",
            days(days_since)
        ),
        MeetingState::Due {
            days_since,
            since_last_meeting: false,
        } => format!(
            "Time for your first team meeting: your team started {} ago.",
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
        .text(&format!("{emoji} *{headline}*\nTeams that meet every week (every other week at the least) sell more. A suggested agenda:"))
        .text(&agenda())
        .context("Afterwards, log it in one line: `/coach meeting 60m stuck deals, pipeline, wins`. On holiday? `/coach snooze 1w`.")
        .into_content()
}

/// `coaching-pace`: a DM listing each rep behind pace and what to try.
pub fn pace_nudge(behind: &[BehindRep], target: u32) -> SlackMessageContent {
    let count = behind.len();
    let headline = format!(
        "{count} rep{} behind this month's coaching pace.",
        if count == 1 { " is" } else { "s are" }
    );
    let lines: Vec<String> = behind
        .iter()
        .map(|b| {
            let p = &b.progress;
            format!(
                "• {} — {} this month, {} short of today's pace. Try: {}, then `/coach 30m @name {}`.",
                p.rep.mention(),
                format_minutes(i64::from(p.pace.minutes)),
                format_minutes(i64::from(p.pace.gap())),
                suggestion(b.suggestion),
                log_words(b.suggestion)
            )
        })
        .collect();
    Message::new(headline.clone())
        .text(&format!(":hourglass_flowing_sand: *{headline}*"))
        .text(&lines.join("\n"))
        .context(&format!(
            "The target is {} of one-on-one coaching and team meetings per rep per month. Log with `/coach 45m @rep pipeline review`; pause reminders with `/coach snooze 1w`.",
            format_minutes(i64::from(target))
        ))
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
pub fn digest(managers: &[ManagerDigest], today: NaiveDate) -> SlackMessageContent {
    let title = format!("Coaching digest — week to {}", day(today));
    let reps: usize = managers.iter().map(|m| m.reps).sum();
    let on_pace: usize = managers.iter().map(|m| m.reps_on_pace).sum();
    let minutes: u32 = managers.iter().map(|m| m.minutes_this_month).sum();
    let meetings: u32 = managers.iter().map(|m| m.meetings_last_7_days).sum();
    let totals = format!(
        "*Team totals:* {meetings} team meeting{} in the last 7 days · {on_pace} of {reps} reps on pace · {} of coaching this month",
        if meetings == 1 { "" } else { "s" },
        format_minutes(i64::from(minutes))
    );
    let lines: Vec<String> = managers
        .iter()
        .map(|m| {
            let holiday = m
                .snoozed_until
                .map(|until| format!(" · :palm_tree: away until {}", day(until)))
                .unwrap_or_default();
            format!(
                "• {} — {} meeting{} in 7 days · {} of {} reps on pace · {} this month{holiday}",
                m.manager.mention(),
                m.meetings_last_7_days,
                if m.meetings_last_7_days == 1 { "" } else { "s" },
                m.reps_on_pace,
                m.reps,
                format_minutes(i64::from(m.minutes_this_month))
            )
        })
        .collect();
    Message::new(format!("{title}. {on_pace} of {reps} reps on pace."))
        .header(&title)
        .text(&totals)
        .text(&lines.join("\n"))
        .context("3 hours of coaching per rep per month, from 1:1s, weekly sales meetings and observing deals, is what top teams do. Log yours with `/coach`.")
        .into_content()
}
