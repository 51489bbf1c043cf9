//! Replies and reminders as Block Kit messages, each with a plain-text
//! fallback for notifications. Kept within Slack's limits: at most 50
//! blocks, section text under 3000 characters. `answers` renders what
//! `/coach` says back; `reminders` what the jobs send.

mod answers;
pub mod buttons;
pub mod forms;
pub mod home;
pub mod install_pages;
mod reminders;
pub mod settings;
mod text;

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::domain::{
    format_minutes, plural, CountedFrom, MeetingState, RepProgress, ShownDay, SlackUserId,
    Standing, Topic,
};

pub use answers::reply;
pub use reminders::{confirm_ask, digest, dispute_notice, meeting_nudge, pace_nudge, team_digest};
pub use text::as_text;

/// Section text is capped at 3000 characters; leave room for safety.
const SECTION_LIMIT: usize = 2900;
const HEADER_LIMIT: usize = 150;
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
        let text: String = text.chars().take(HEADER_LIMIT).collect();
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

    /// mrkdwn text with a button beside it.
    pub fn text_with_button(mut self, text: &str, button: SlackBlockButtonElement) -> Self {
        self.blocks.push(
            SlackSectionBlock::new()
                .with_text(md!(truncate(text, SECTION_LIMIT)))
                .with_accessory(button.into())
                .into(),
        );
        self
    }

    /// mrkdwn text with a "⋯" menu beside it.
    pub fn text_with_menu(mut self, text: &str, menu: SlackBlockOverflowElement) -> Self {
        self.blocks.push(
            SlackSectionBlock::new()
                .with_text(md!(truncate(text, SECTION_LIMIT)))
                .with_accessory(menu.into())
                .into(),
        );
        self
    }

    pub fn divider(mut self) -> Self {
        self.blocks.push(SlackDividerBlock::new().into());
        self
    }

    /// The blocks alone, for a view, which holds up to `max`; past that,
    /// the last says that some are cut.
    pub fn into_blocks(mut self, max: usize) -> Vec<SlackBlock> {
        if self.blocks.len() > max {
            self.blocks.truncate(max - 1);
            self = self.context("… and more than fits here.");
        }
        self.blocks
    }

    /// A row of buttons.
    pub fn buttons(mut self, buttons: Vec<SlackBlockButtonElement>) -> Self {
        if !buttons.is_empty() {
            self.blocks
                .push(SlackActionsBlock::new(buttons.into_iter().map(Into::into).collect()).into());
        }
        self
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
        if self.blocks.len() > MAX_BLOCKS {
            // Slack refuses a longer message outright; say that some is cut.
            self.blocks.truncate(MAX_BLOCKS - 1);
            self = self.context("… and more than fits in one Slack message.");
        }
        SlackMessageContent::new()
            .with_text(truncate(&self.fallback, SECTION_LIMIT))
            .with_blocks(self.blocks)
    }
}

/// A message a button sat on, after the press: that button gone (and a row
/// or accessory it leaves empty), and `outcome` (what was done) added as a
/// line at the end. `blocks` are the message's blocks as Slack sent them.
/// For a question, whose answers exclude each other, `whole_row` takes the
/// pressed button's row of buttons away with it.
pub fn after_press(
    blocks: &serde_json::Value,
    pressed: &str,
    outcome: &SlackMessageContent,
    whole_row: bool,
) -> SlackMessageContent {
    let mut kept = Vec::new();
    for block in blocks.as_array().into_iter().flatten() {
        let mut block = block.clone();
        if block["type"] == "actions" {
            if let Some(elements) = block["elements"].as_array_mut() {
                let held = elements
                    .iter()
                    .any(|element| element["action_id"] == pressed);
                elements.retain(|element| element["action_id"] != pressed);
                if elements.is_empty() || (held && whole_row) {
                    continue;
                }
            }
        }
        if block["accessory"]["action_id"] == pressed {
            if let Some(section) = block.as_object_mut() {
                section.remove("accessory");
            }
        }
        if let Ok(block) = serde_json::from_value::<SlackBlock>(block) {
            kept.push(block);
        }
    }
    let said = outcome.text.clone().unwrap_or_default();
    let mut message = Message {
        fallback: said.clone(),
        blocks: kept,
    };
    message.blocks.truncate(MAX_BLOCKS - 1);
    message.context(&said).into_content()
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

/// How many cells a progress bar has.
const BAR_CELLS: u32 = 10;

/// A month's minutes against its target as a text bar that reads at a
/// glance, `▓▓▓▓░░░░░░`, full at the target.
pub fn bar(minutes: u32, target: u32) -> String {
    let filled = minutes
        .saturating_mul(BAR_CELLS)
        .checked_div(target)
        .map_or(BAR_CELLS, |cells| cells.min(BAR_CELLS));
    format!(
        "`{}{}`",
        "▓".repeat(filled as usize),
        "░".repeat((BAR_CELLS - filled) as usize)
    )
}

/// One rep's month with its bar, short enough for a list:
/// `▓▓▓▓░░░░░░ @dana — 1h 12m of 3h · 1h 24m behind today's pace`; a rep
/// who left has no target to fill: `@cal — 45m this month · left on Mon 9 Nov`.
pub fn bar_line(p: &RepProgress, today: NaiveDate) -> String {
    let pace = match p.standing {
        Standing::OnTeam { pace, .. } => pace,
        Standing::Left { last_day } => {
            return format!(
                "{} — {} this month · {}",
                p.rep.mention(),
                minutes(p.minutes.total()),
                left_on(last_day, today)
            )
        }
    };
    let state = if pace.behind {
        format!(":warning: {} behind today's pace", minutes(pace.gap()))
    } else {
        ":white_check_mark: on pace".to_string()
    };
    format!(
        "{} {} — {} of {} · {state}",
        bar(pace.minutes, pace.month_target),
        p.rep.mention(),
        minutes(pace.minutes),
        minutes(pace.month_target),
    )
}

/// The reps to list, those furthest behind first and those who left last.
pub fn furthest_behind_first(reps: &[RepProgress]) -> Vec<&RepProgress> {
    let mut reps: Vec<&RepProgress> = reps.iter().collect();
    reps.sort_by_key(|p| (!p.on_team(), std::cmp::Reverse(p.gap())));
    reps
}

pub(super) fn left_on(last_day: NaiveDate, today: NaiveDate) -> String {
    format!("left on {}", day(last_day, today))
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

#[cfg(test)]
pub(crate) mod limits {
    //! Block Kit's limits, checked on what the app renders.

    use serde_json::Value;
    use slack_morphism::prelude::{SlackMessageContent, SlackView};

    fn chars(value: &Value) -> usize {
        value.as_str().map_or(0, |t| t.chars().count())
    }

    /// Why a message would be refused by Slack, if it would.
    pub fn check(content: &SlackMessageContent) -> Result<(), String> {
        if content.text.as_deref().map_or(0, |t| t.chars().count()) > 3000 {
            return Err("fallback text over 3000 characters".into());
        }
        let blocks = serde_json::to_value(&content.blocks).map_err(|e| e.to_string())?;
        check_blocks(&blocks, 50)
    }

    /// Why a modal or Home tab would be refused by Slack, if it would.
    pub fn check_view(view: &SlackView) -> Result<(), String> {
        let view = serde_json::to_value(view).map_err(|e| e.to_string())?;
        for field in ["title", "submit", "close"] {
            if chars(&view[field]["text"]) > 24 {
                return Err(format!("{field} over 24 characters"));
            }
        }
        if chars(&view["private_metadata"]) > 3000 || chars(&view["callback_id"]) > 255 {
            return Err("metadata or callback ID over its limit".into());
        }
        check_blocks(&view["blocks"], 100)
    }

    fn check_blocks(blocks: &Value, max: usize) -> Result<(), String> {
        let blocks = blocks.as_array().cloned().unwrap_or_default();
        if blocks.len() > max {
            return Err(format!("{} blocks", blocks.len()));
        }
        for block in &blocks {
            if chars(&block["block_id"]) > 255 {
                return Err("block ID over 255 characters".into());
            }
            match block["type"].as_str() {
                Some("header") if chars(&block["text"]["text"]) > 150 => {
                    return Err("header over 150 characters".into())
                }
                Some("section") => {
                    let fields = block["fields"].as_array().cloned().unwrap_or_default();
                    if chars(&block["text"]["text"]) > 3000
                        || fields.len() > 10
                        || fields.iter().any(|f| chars(&f["text"]) > 2000)
                    {
                        return Err("section over its limits".into());
                    }
                    check_element(&block["accessory"])?;
                }
                Some("context") => {
                    let elements = block["elements"].as_array().cloned().unwrap_or_default();
                    if elements.len() > 10 || elements.iter().any(|e| chars(&e["text"]) > 3000) {
                        return Err("context over its limits".into());
                    }
                }
                Some("actions") => {
                    let elements = block["elements"].as_array().cloned().unwrap_or_default();
                    if elements.len() > 25 {
                        return Err("actions block over 25 elements".into());
                    }
                    elements.iter().try_for_each(check_element)?;
                }
                Some("input") => {
                    if chars(&block["label"]["text"]) > 2000 || chars(&block["hint"]["text"]) > 2000
                    {
                        return Err("input label or hint over 2000 characters".into());
                    }
                    check_element(&block["element"])?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A button, select or input inside a block.
    fn check_element(element: &Value) -> Result<(), String> {
        if chars(&element["action_id"]) > 255 {
            return Err(format!("action ID over 255 characters: {element}"));
        }
        if element["type"] == "button"
            && (chars(&element["text"]["text"]) > 75 || chars(&element["value"]) > 2000)
        {
            return Err(format!("button over its limits: {element}"));
        }
        let options = element["options"].as_array().cloned().unwrap_or_default();
        if options.len() > 100 || options.iter().any(|o| chars(&o["text"]["text"]) > 75) {
            return Err("options over their limits".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::YearMonth;

    fn blocks(content: &SlackMessageContent) -> Vec<serde_json::Value> {
        serde_json::to_value(&content.blocks)
            .expect("json")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_message_never_has_more_than_fifty_blocks_and_says_when_some_are_cut() {
        let mut message = Message::new("many");
        for i in 0..80 {
            message = message.context(&format!("line {i}"));
        }
        let content = message.into_content();
        let blocks = blocks(&content);
        assert_eq!(blocks.len(), MAX_BLOCKS);
        assert_eq!(
            blocks[MAX_BLOCKS - 1]["elements"][0]["text"],
            "… and more than fits in one Slack message."
        );
        assert_eq!(limits::check(&content), Ok(()));
    }

    #[test]
    fn long_text_is_split_into_sections_at_line_ends_each_within_the_limit() {
        let line = "é".repeat(1000);
        let text = [line.as_str(); 7].join("\n");
        let content = Message::new("long").text(&text).into_content();
        let sections = blocks(&content);
        assert!(sections.len() > 1);
        for section in &sections {
            let body = section["text"]["text"].as_str().expect("text");
            assert!(body.len() <= SECTION_LIMIT, "{} bytes", body.len());
            assert!(body.split('\n').all(|l| l == line), "a line was split");
        }
        assert_eq!(limits::check(&content), Ok(()));
    }

    #[test]
    fn a_line_longer_than_a_section_is_cut_at_a_character_boundary() {
        let long = "ü".repeat(2000);
        let content = Message::new(long.clone())
            .text(&long)
            .context(&long)
            .into_content();
        let blocks = blocks(&content);
        for text in [
            blocks[0]["text"]["text"].as_str().expect("section"),
            blocks[1]["elements"][0]["text"].as_str().expect("context"),
            content.text.as_deref().expect("fallback"),
        ] {
            assert!(text.ends_with('…'), "not marked as cut");
            assert!(text.len() <= SECTION_LIMIT + '…'.len_utf8());
            assert!(text.trim_end_matches('…').chars().all(|c| c == 'ü'));
        }
        assert_eq!(limits::check(&content), Ok(()));
    }

    fn progress(i: usize) -> RepProgress {
        let month = YearMonth::new(2026, 11).expect("month");
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("day");
        RepProgress {
            rep: SlackUserId::parse(&format!("U0REP{i:05}")).expect("id"),
            minutes: crate::domain::RepMinutes {
                one_on_one: 30,
                meetings: 60,
            },
            standing: Standing::OnTeam {
                pace: crate::domain::pace(180, month, today, month.first_day(), 90),
                counted_from: Some(NaiveDate::from_ymd_opt(2026, 11, 2).expect("day")),
            },
        }
    }

    #[test]
    fn answers_and_reminders_for_very_large_teams_stay_within_slacks_limits() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("day");
        let reps: Vec<RepProgress> = (0..600).map(progress).collect();
        let status = crate::app::Answer {
            reply: crate::app::Reply::Status(crate::app::Dashboard {
                today,
                month: YearMonth::of(today),
                target: 180,
                reps: reps.clone(),
                meeting: MeetingState::NoTeam,
                snoozed_until: Some(today),
            }),
            today,
        };
        assert_eq!(limits::check(&reply(&status)), Ok(()));
        let behind: Vec<crate::domain::BehindRep> = reps
            .iter()
            .map(|p| crate::domain::BehindRep {
                progress: p.clone(),
                suggestion: crate::domain::Activity::Deal,
            })
            .collect();
        let nudge = pace_nudge(&behind, 180);
        assert_eq!(limits::check(&nudge), Ok(()));
        let nudge = serde_json::to_value(&nudge.blocks).expect("json");
        let log_buttons = nudge
            .as_array()
            .expect("blocks")
            .iter()
            .filter(|b| {
                b["accessory"]["action_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("log_coaching"))
            })
            .count();
        assert_eq!(log_buttons, 6, "five reps, then one button for the rest");
        assert!(nudge.to_string().contains("…and 595 more"));
        let managers: Vec<crate::domain::ManagerDigest> = (0..900)
            .map(|i| crate::domain::ManagerDigest {
                manager: SlackUserId::parse(&format!("U0MGR{i:05}")).expect("id"),
                meetings_last_7_days: 1,
                reps_on_pace: 3,
                reps: 7,
                coached_this_month: 900,
                credited_this_month: 2700,
                snoozed_until: None,
            })
            .collect();
        assert_eq!(limits::check(&digest(&managers, today, 180)), Ok(()));
    }

    #[test]
    fn a_pressed_button_leaves_its_message_and_what_was_done_is_added() {
        use super::buttons::Button;
        let reminder = Message::new("Two reps are behind.")
            .text_with_button(
                "<@U0ANA> is behind",
                Button::SnoozeWeek.element("Log coaching", 0),
            )
            .buttons(vec![
                Button::LogMeeting.element("Log the meeting", 1),
                Button::SnoozeWeek.element("Snooze a week", 2),
            ])
            .into_content();
        let blocks = serde_json::to_value(&reminder.blocks).expect("json");
        let outcome = Message::new("Reminders paused until Fri 4 Dec.").into_content();

        let after = serde_json::to_value(after_press(&blocks, "snooze_week:2", &outcome, false))
            .expect("json");

        assert_eq!(
            after["blocks"][0]["accessory"]["action_id"],
            "snooze_week:0"
        );
        assert_eq!(
            after["blocks"][1]["elements"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(
            after["blocks"][2]["elements"][0]["text"],
            "Reminders paused until Fri 4 Dec."
        );
        let alone = serde_json::to_value(after_press(&blocks, "snooze_week:0", &outcome, false))
            .expect("json");
        assert!(alone["blocks"][0].get("accessory").is_none());
        // An answer to a question takes its whole row of answers away.
        let answered = serde_json::to_value(after_press(&blocks, "snooze_week:2", &outcome, true))
            .expect("json");
        assert_eq!(answered["blocks"].as_array().map(Vec::len), Some(2));
        assert_eq!(answered["blocks"][1]["type"], "context");
    }

    #[test]
    fn a_header_is_cut_to_150_characters() {
        let content = Message::new("h").header(&"ß".repeat(400)).into_content();
        let header = blocks(&content)[0]["text"]["text"]
            .as_str()
            .expect("header")
            .chars()
            .count();
        assert_eq!(header, HEADER_LIMIT);
    }
}
