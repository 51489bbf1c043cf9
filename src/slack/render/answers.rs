//! What `/coach` answers: logs, team changes, status, reports, help.

use slack_morphism::prelude::*;

use super::{day, escape, meeting_line, mentions, progress_line, topics, Message, MAX_BLOCKS};
use crate::coach::{Dashboard, MonthReport, Reply};
use crate::domain::{format_minutes, Entry};
use crate::store::{AddOutcome, RemoveOutcome, StoredEntry};

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
                message = message.context(&format!("Note: {}", escape(log.note.as_str())));
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
                message = message.context(&format!("Note: {}", escape(log.note.as_str())));
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
        Reply::Undone(entries) => {
            let what: Vec<String> = entries.iter().map(entry_summary).collect();
            let text = format!("Removed your last entry: {}.", what.join("; "));
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

fn entry_summary(stored: &StoredEntry) -> String {
    match &stored.entry {
        Entry::Session(session) => format!(
            "{} of {} with {} on {}",
            session.minutes,
            session.activity.label(),
            mentions(&session.reps),
            day(session.held_on)
        ),
        Entry::Meeting(meeting) => format!(
            "the {} team meeting on {}",
            meeting.minutes,
            day(meeting.held_on)
        ),
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
