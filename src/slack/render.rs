//! Replies and reminders as Block Kit messages, each with a plain-text
//! fallback for notifications. Kept within Slack's limits: at most 50
//! blocks, section text under 3000 characters.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::coach::{Dashboard, MonthReport, RepProgress, Reply};
use crate::domain::{format_minutes, MeetingState, SlackUserId, Topic};
use crate::store::{AddOutcome, LoggedEntry, LoggedEntryKind, RemoveOutcome};

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

pub fn day(date: NaiveDate) -> String {
    date.format("%a %-d %b").to_string()
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

/// `@rep — 1h 30m of 3h · on pace` for status, logs and reports.
pub fn progress_line(p: &RepProgress) -> String {
    let pace = p.pace;
    let state = if pace.behind {
        format!(
            ":warning: {} behind today's pace of {}",
            format_minutes(i64::from(pace.gap())),
            format_minutes(i64::from(pace.expected))
        )
    } else {
        ":white_check_mark: on pace".to_string()
    };
    let detail = if p.minutes.meetings > 0 {
        format!(
            " ({} 1:1, {} meetings)",
            format_minutes(i64::from(p.minutes.one_on_one)),
            format_minutes(i64::from(p.minutes.meetings))
        )
    } else {
        String::new()
    };
    format!(
        "{} — {} of {} this month{} · {}",
        p.rep.mention(),
        format_minutes(i64::from(pace.minutes)),
        format_minutes(i64::from(pace.month_target)),
        detail,
        state
    )
}

/// The message for a `/coach` answer.
pub fn reply(answer: &Reply) -> SlackMessageContent {
    match answer {
        Reply::Logged { log, progress } => {
            let what = format!(
                "Logged {} of {} with {} on {}.",
                log.minutes,
                log.activity.label(),
                mentions(&log.reps),
                day(log.held_on)
            );
            let lines: Vec<String> = progress.iter().map(progress_line).collect();
            let mut message = Message::new(what.clone()).text(&format!(":white_check_mark: {what}"));
            if !log.note.is_empty() {
                message = message.context(&format!("Note: {}", escape(&log.note)));
            }
            message.text(&lines.join("\n")).into_content()
        }
        Reply::MeetingLogged { log, reps_counted } => {
            let what = format!(
                "Logged a {} team meeting on {}; it counts for {} rep{}.",
                log.minutes,
                day(log.held_on),
                reps_counted,
                if *reps_counted == 1 { "" } else { "s" }
            );
            let covered = if log.topics.is_empty() {
                "No agenda topics recognised. Next time name them: stuck deals, pipeline, new products, announcements, market changes, wins and losses.".to_string()
            } else {
                format!("Covered: {}.", topics(&log.topics))
            };
            let mut message = Message::new(what.clone())
                .text(&format!(":white_check_mark: {what}"))
                .context(&covered);
            if !log.note.is_empty() {
                message = message.context(&format!("Note: {}", escape(&log.note)));
            }
            message.into_content()
        }
        Reply::NotOnTeam { reps, manager_is_one } => {
            let text = if *manager_is_one {
                "You can't log coaching with yourself. Mention the rep you coached, like `/coach 45m @dana pipeline review`.".to_string()
            } else {
                let who = mentions(reps);
                let (verb, them) = if reps.len() == 1 { ("isn't", "them") } else { ("aren't", "them all") };
                format!(
                    "{who} {verb} on your team yet, so nothing was logged. Add {them} with `/coach team add @name` (type @ and pick each from Slack's list), then log again."
                )
            };
            Message::new(text.clone()).text(&text).into_content()
        }
        Reply::NoTeamYet => plain("A team meeting counts for everyone on your team, and your team is empty, so nothing was logged. Add your reps first: `/coach team add @dana @lee`."),
        Reply::Team(reps) if reps.is_empty() => plain("Your team is empty. Add your reps with `/coach team add @dana @lee`."),
        Reply::Team(reps) => {
            let text = format!("Your team ({}): {}", reps.len(), mentions(reps));
            Message::new(text.clone())
                .text(&text)
                .context("Change it with `/coach team add @name` or `/coach team remove @name`.")
                .into_content()
        }
        Reply::TeamAdded(outcomes) => {
            let lines: Vec<String> = outcomes
                .iter()
                .map(|(rep, outcome)| match outcome {
                    AddOutcome::Added => format!(":white_check_mark: {} joined your team today.", rep.mention()),
                    AddOutcome::AlreadyOnTeam => format!("{} is already on your team.", rep.mention()),
                    AddOutcome::OnAnotherTeam(other) => format!(
                        ":no_entry: {} is on {}'s team. A rep is on one team at a time: ask {} to remove them first (`/coach team remove @name`).",
                        rep.mention(), other.mention(), other.mention()
                    ),
                })
                .collect();
            let text = lines.join("\n");
            Message::new(text.clone()).text(&text).into_content()
        }
        Reply::TeamRemoved(outcomes) => {
            let lines: Vec<String> = outcomes
                .iter()
                .map(|(rep, outcome)| match outcome {
                    RemoveOutcome::Removed => format!("{} left your team today; their past coaching stays in the records.", rep.mention()),
                    RemoveOutcome::NotOnTeam => format!("{} isn't on your team.", rep.mention()),
                })
                .collect();
            let text = lines.join("\n");
            Message::new(text.clone()).text(&text).into_content()
        }
        Reply::CannotCoachSelf => plain("You can't be on your own team. Add the reps you coach, like `/coach team add @dana`."),
        Reply::Status(dashboard) => status(dashboard),
        Reply::Report(report) => month_report(report),
        Reply::Undone(entry) => {
            let text = format!("Removed your last entry: {}.", entry_summary(entry));
            Message::new(text.clone()).text(&format!(":leftwards_arrow_with_hook: {text}")).into_content()
        }
        Reply::NothingToUndo => plain("There's nothing to undo: you haven't logged anything yet."),
        Reply::SnoozeState(None) => plain("Reminders are on. To pause them, try `/coach snooze 1w` or `/coach snooze until 2026-12-24`."),
        Reply::SnoozeState(Some(until)) => plain(&format!("Reminders are paused; they start again on {}. Turn them back on now with `/coach snooze off`.", day(*until))),
        Reply::Snoozed(until) => plain(&format!(":zzz: Reminders paused; they start again on {}. Changed your mind? `/coach snooze off`.", day(*until))),
        Reply::SnoozeOff => plain(":bell: Reminders are back on."),
        Reply::TimeZone { tz, overridden, local_now } => {
            let source = if *overridden {
                "you set it; `/coach tz reset` goes back to your Slack time zone"
            } else {
                "from your Slack profile; change it with `/coach tz Europe/Berlin`"
            };
            plain(&format!(
                "Your time zone is {} ({source}). It's {} there now; reminders arrive in this zone.",
                tz.name(),
                local_now.format("%a %-d %b %H:%M")
            ))
        }
        Reply::Help => help(),
        Reply::Welcome { tz, then } => {
            let mut content = reply(then);
            let welcome = format!(
                ":wave: Welcome to coachbot! Your reminders will come on {} time, from your Slack profile (change it with `/coach tz Europe/Berlin`). `/coach help` shows everything.",
                tz.name()
            );
            let mut blocks = content.blocks.take().unwrap_or_default();
            blocks.truncate(MAX_BLOCKS - 1);
            blocks.push(
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                    SlackBlockMarkDownText::new(welcome),
                )])
                .into(),
            );
            content.blocks = Some(blocks);
            content
        }
        Reply::Mistake(text) => plain(text),
        Reply::SlackUnavailable => plain("Sorry, I couldn't reach Slack to set you up just now. Nothing was saved; please try again in a minute."),
        Reply::Apology => plain("Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."),
    }
}

fn plain(text: &str) -> SlackMessageContent {
    Message::new(text).text(text).into_content()
}

fn entry_summary(entry: &LoggedEntry) -> String {
    match &entry.kind {
        LoggedEntryKind::Session { reps, activity } => format!(
            "{} of {} with {} on {}",
            format_minutes(i64::from(entry.minutes)),
            activity.label(),
            mentions(reps),
            day(entry.held_on)
        ),
        LoggedEntryKind::Meeting { .. } => format!(
            "the {} team meeting on {}",
            format_minutes(i64::from(entry.minutes)),
            day(entry.held_on)
        ),
    }
}

pub fn meeting_line(state: MeetingState) -> String {
    match state {
        MeetingState::NoTeam => "No team yet, so no meeting due.".to_string(),
        MeetingState::OnTrack {
            days_since,
            since_last_meeting: true,
        } => {
            format!(
                ":white_check_mark: Last team meeting {} ago.",
                days(days_since)
            )
        }
        MeetingState::OnTrack {
            days_since,
            since_last_meeting: false,
        } => format!(
            "No team meeting logged yet; your team started {} ago.",
            days(days_since)
        ),
        MeetingState::Due {
            days_since,
            since_last_meeting,
        } => format!(
            ":calendar: A team meeting is due: {} {}.",
            days(days_since),
            since(since_last_meeting)
        ),
        MeetingState::Overdue {
            days_since,
            since_last_meeting,
        } => format!(
            ":rotating_light: Your team meeting is overdue: {} {}.",
            days(days_since),
            since(since_last_meeting)
        ),
    }
}

fn since(since_last_meeting: bool) -> &'static str {
    if since_last_meeting {
        "since the last one"
    } else {
        "since your team started, with none logged"
    }
}

fn days(n: u32) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

fn status(d: &Dashboard) -> SlackMessageContent {
    let title = format!("Coaching in {}", d.month_name());
    let mut message = Message::new(format!("{title}: {} reps.", d.reps.len())).header(&title);
    if d.reps.is_empty() {
        message =
            message.text("Your team is empty. Add your reps with `/coach team add @dana @lee`.");
    } else {
        let behind = d.reps.iter().filter(|p| p.pace.behind).count();
        let lines: Vec<String> = d.reps.iter().map(progress_line).collect();
        message = message
            .text(&format!(
                "*{} of {} reps on pace* — the target is {} per rep per month.",
                d.reps.len() - behind,
                d.reps.len(),
                format_minutes(i64::from(d.target))
            ))
            .text(&lines.join("\n"));
    }
    message = message.text(&meeting_line(d.meeting));
    if let Some(until) = d.snoozed_until {
        message = message.context(&format!(":zzz: Reminders paused until {}.", day(until)));
    }
    message
        .context("Log coaching with `/coach 45m @rep pipeline review`, a meeting with `/coach meeting 60m stuck deals, wins`.")
        .into_content()
}

impl Dashboard {
    fn month_name(&self) -> String {
        self.month.first_day().format("%B %Y").to_string()
    }
}

fn month_report(r: &MonthReport) -> SlackMessageContent {
    let name = r.month.first_day().format("%B %Y").to_string();
    let title = if r.finished {
        format!("Coaching report: {name}")
    } else {
        format!("Coaching report: {name} so far")
    };
    let total: u32 = r.reps.iter().map(|p| p.pace.minutes).sum();
    let on_target = r
        .reps
        .iter()
        .filter(|p| p.pace.minutes >= p.pace.month_target)
        .count();
    let summary = format!(
        "{} team meeting{} · {} of coaching across {} rep{} · {} of {} reached the month's target.",
        r.meetings,
        if r.meetings == 1 { "" } else { "s" },
        format_minutes(i64::from(total)),
        r.reps.len(),
        if r.reps.len() == 1 { "" } else { "s" },
        on_target,
        r.reps.len()
    );
    let mut message = Message::new(format!("{title}. {summary}"))
        .header(&title)
        .text(&summary);
    if !r.reps.is_empty() {
        let lines: Vec<String> = r.reps.iter().map(progress_line).collect();
        message = message.text(&lines.join("\n"));
    }
    message
        .context(&format!(
            "Target: {} per rep per month, prorated for reps who joined mid-month.",
            format_minutes(i64::from(r.target))
        ))
        .into_content()
}

const HELP: &str = "*Log 1:1 coaching* — time, rep(s), what you did:
• `/coach 45m @dana pipeline review`
• `/coach 1h30m @dana @lee deal strategy yesterday`
• `/coach 30 @dana observed discovery call on 2026-11-20`
Times: `45m`, `1h`, `1.5h`, `1h30m`, `1:30` or just `90`. Dates: `today`, `yesterday`, a weekday, or `2026-11-20`.
*Log a team meeting* (counts for everyone on your team): `/coach meeting 60m stuck deals, wins`
*Your team*: `/coach team` · `/coach team add @dana @lee` · `/coach team remove @lee`
*See where you stand*: `/coach status` · `/coach report` · `/coach report 2026-10`
*Fix a mistake*: `/coach undo` removes your last entry.
*Holidays*: `/coach snooze 1w` · `/coach snooze until 2026-12-24` · `/coach snooze off`
*Time zone*: `/coach tz Europe/Berlin` · `/coach tz reset`";

fn help() -> SlackMessageContent {
    Message::new("How to use /coach")
        .header("coachbot: 3 hours per rep per month")
        .text(HELP)
        .context("Coaching is one-on-one time: observing in the field, reviewing pipelines, helping with a deal, learning a skill. Riding along on a joint sales call is not coaching.")
        .into_content()
}

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
pub fn pace_nudge(behind: &[crate::jobs::decide::BehindRep], target: u32) -> SlackMessageContent {
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

fn suggestion(activity: crate::domain::Activity) -> &'static str {
    use crate::domain::Activity;
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

fn log_words(activity: crate::domain::Activity) -> &'static str {
    use crate::domain::Activity;
    match activity {
        Activity::Observation => "observed a call",
        Activity::Pipeline => "pipeline review",
        Activity::Deal => "deal strategy",
        Activity::Skill | Activity::Other => "objection handling practice",
    }
}

/// `digest`: the team's coaching in numbers, for a channel. Never notes.
pub fn digest(
    managers: &[crate::jobs::decide::ManagerDigest],
    today: NaiveDate,
) -> SlackMessageContent {
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
