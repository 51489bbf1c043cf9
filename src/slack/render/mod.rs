//! Replies and reminders as Block Kit messages, each with a plain-text
//! fallback for notifications. Kept within Slack's limits: at most 50
//! blocks, section text under 3000 characters. `answers` renders what
//! `/coach` says back; `reminders` what the jobs send.

mod answers;
mod reminders;
mod text;

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::coach::RepProgress;
use crate::domain::{
    format_minutes, plural, CountedFrom, MeetingState, ShownDay, SlackUserId, Topic, YearMonth,
};

pub use answers::reply;
pub use reminders::{digest, meeting_nudge, pace_nudge};
pub use text::as_text;

/// Section text is capped at 3000 characters; leave room for safety.
const SECTION_LIMIT: usize = 2900;
const MAX_BLOCKS: usize = 50;

/// A message being built: blocks plus the fallback text.
#[derive(Default)]
pub struct Message {
    fallback: String,
    blocks: Vec<SlackBlock>,
}

impl Message {
    pub fn new(fallback: impl Into<String>) -> Self {
        Self {
            fallback: fallback.into(),
            blocks: Vec::new(),
        }
    }

    pub fn header(mut self, text: &str) -> Self {
        let text: String = text.chars().take(150).collect();
        self.blocks.push(SlackHeaderBlock::new(pt!(text)).into());
        self
    }

    /// Adds mrkdwn text, split across sections at line ends when long.
    pub fn text(mut self, text: &str) -> Self {
        let mut chunk = String::new();
        for line in text.lines() {
            if !chunk.is_empty() && chunk.len() + line.len() + 1 > SECTION_LIMIT {
                self.push_section(std::mem::take(&mut chunk));
            }
            if !chunk.is_empty() {
                chunk.push('\n');
            }
            chunk.push_str(&truncate(line, SECTION_LIMIT));
        }
        if !chunk.is_empty() {
            self.push_section(chunk);
        }
        self
    }

    fn push_section(&mut self, text: String) {
        self.blocks
            .push(SlackSectionBlock::new().with_text(md!(text)).into());
    }

    pub fn context(mut self, text: &str) -> Self {
        self.blocks.push(
            SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                SlackBlockMarkDownText::new(truncate(text, SECTION_LIMIT)),
            )])
            .into(),
        );
        self
    }

    pub fn into_content(mut self) -> SlackMessageContent {
        self.blocks.truncate(MAX_BLOCKS);
        SlackMessageContent::new()
            .with_text(truncate(&self.fallback, SECTION_LIMIT))
            .with_blocks(self.blocks)
    }
}

fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut cut = limit - 1;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// Slack's mrkdwn needs these three escaped in anything a person typed.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A day in the one style every message uses.
pub fn day(date: NaiveDate, today: NaiveDate) -> String {
    ShownDay::new(date, today).to_string()
}

fn mentions(reps: &[SlackUserId]) -> String {
    let names: Vec<String> = reps.iter().map(SlackUserId::mention).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

fn topics(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn minutes(count: u32) -> String {
    format_minutes(i64::from(count))
}

/// Which month a progress line is about.
#[derive(Clone, Copy)]
pub enum Period {
    /// The month in progress: today's pace matters.
    ThisMonth,
    /// A month that is over: only the target does.
    Finished(YearMonth),
}

/// One rep's month in plain words: the minutes, the target (since joining,
/// when that was mid-month), today's pace and where they stand.
/// `@rep — 45m this month · target 3h · today's pace 2h 36m · ⚠ 1h 51m behind`.
pub fn progress_line(p: &RepProgress, today: NaiveDate, period: Period) -> String {
    let pace = p.pace;
    let detail = if p.minutes.meetings > 0 {
        format!(
            " ({} 1:1, {} meetings)",
            minutes(p.minutes.one_on_one),
            minutes(p.minutes.meetings)
        )
    } else {
        String::new()
    };
    let since = p
        .joined_mid_month
        .map(|joined| format!(" since joining {}", day(joined, today)))
        .unwrap_or_default();
    let target = format!("target {}{since}", minutes(pace.month_target));
    match period {
        Period::ThisMonth => {
            let state = if pace.behind {
                format!(":warning: {} behind", minutes(pace.gap()))
            } else {
                ":white_check_mark: on pace".to_string()
            };
            format!(
                "{} — {} this month{detail} · {target} · today's pace {} · {state}",
                p.rep.mention(),
                minutes(pace.minutes),
                minutes(pace.expected),
            )
        }
        Period::Finished(month) => {
            let state = if pace.minutes >= pace.month_target {
                ":white_check_mark: reached".to_string()
            } else {
                format!(
                    ":warning: {} short",
                    minutes(pace.month_target - pace.minutes)
                )
            };
            format!(
                "{} — {} in {}{detail} · {target} · {state}",
                p.rep.mention(),
                minutes(pace.minutes),
                month.first_day().format("%B"),
            )
        }
    }
}

pub fn meeting_line(state: MeetingState) -> String {
    match state {
        MeetingState::NoTeam => "No team yet, so no meeting due.".to_string(),
        MeetingState::OnTrack {
            days_since,
            from: CountedFrom::LastMeeting,
        } => format!(":white_check_mark: Last team meeting {}.", ago(days_since)),
        MeetingState::OnTrack { days_since, from } => format!(
            "No team meeting logged yet; {} {}.",
            started(from),
            ago(days_since)
        ),
        MeetingState::Due { days_since, from } => format!(
            ":calendar: A team meeting is due: {} {}.",
            days(days_since),
            since(from)
        ),
        MeetingState::Overdue { days_since, from } => format!(
            ":rotating_light: Your team meeting is overdue: {} {}.",
            days(days_since),
            since(from)
        ),
    }
}

/// What a count without meetings started from, as in "your team started".
fn started(from: CountedFrom) -> &'static str {
    match from {
        CountedFrom::LastMeeting => "your last meeting was",
        CountedFrom::TeamStart => "your team started",
        CountedFrom::FirstUse => "you started with coachbot",
    }
}

fn since(from: CountedFrom) -> &'static str {
    match from {
        CountedFrom::LastMeeting => "since the last one",
        CountedFrom::TeamStart => "since your team started, with none logged",
        CountedFrom::FirstUse => "since you started with coachbot, with none logged",
    }
}

/// `today`, `yesterday`, `3 days ago`.
fn ago(n: u32) -> String {
    match n {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        n => format!("{} ago", days(n)),
    }
}

fn days(n: u32) -> String {
    plural(n as usize, "day", "days")
}
