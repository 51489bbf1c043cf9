//! Answers about entries: a line of 1:1s or a meeting logged, an entry
//! changed, deleted or taken back, a line the team rules refuse, and each
//! rep's month for every month the entries fall in.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::months::{progress_line, Period};
use super::plain;
use crate::app::MonthProgress;
use crate::domain::{
    plural, Entry, EntryKind, JoinMove, LineId, MeetingEntry, SessionEntry, SlackUserId,
    StoredEntry, YearMonth,
};
use crate::messages::buttons::Button;
use crate::messages::{day, escape, mentions, topics, Message};

/// A line of 1:1s stored: what it holds, the join days it moved, any
/// lookalikes, and each rep's month.
pub(super) fn logged(
    line: LineId,
    entries: &[SessionEntry],
    progress: &[MonthProgress],
    moved: &[JoinMove],
    duplicates: &[StoredEntry],
    today: NaiveDate,
) -> SlackMessageContent {
    let what = match entries {
        [one] => format!("Logged {}.", session_summary(one, today)),
        many => format!("Logged {}:", plural(many.len(), "entry", "entries")),
    };
    let mut message = Message::new(what.clone()).text(&format!(":white_check_mark: {what}"));
    match entries {
        [one] if !one.note.is_empty() => {
            message = message.context(&format!("Note: {}", escape(one.note.as_str())));
        }
        [_] => {}
        many => {
            let lines: Vec<String> = many
                .iter()
                .map(|entry| {
                    let note = if entry.note.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", escape(entry.note.as_str()))
                    };
                    format!("• {}{note}", session_summary(entry, today))
                })
                .collect();
            message = message.text(&lines.join("\n"));
        }
    }
    for moved in moved {
        message = message.context(&format!(
            ":calendar: {}'s join day moved back from {} to {}, the day of this session; their pace counts from then.",
            moved.rep.mention(),
            day(moved.from, today),
            day(moved.to, today)
        ));
    }
    if !duplicates.is_empty() {
        message = message.text(&duplicate_warning(duplicates, today));
    }
    message
        .text(&months_progress(progress, today))
        .buttons(vec![Button::Undo(line).element("Undo", 0)])
        .into_content()
}

pub(super) fn meeting_logged(
    line: LineId,
    log: &MeetingEntry,
    reps_counted: usize,
    duplicates: &[StoredEntry],
    today: NaiveDate,
) -> SlackMessageContent {
    let what = format!(
        "Logged a {} team meeting on {}; it counts for {}.",
        log.minutes,
        day(log.held_on, today),
        plural(reps_counted, "rep", "reps")
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
    if !duplicates.is_empty() {
        message = message.text(&duplicate_warning(duplicates, today));
    }
    message
        .buttons(vec![Button::Undo(line).element("Undo", 0)])
        .into_content()
}

pub(super) fn edited(
    before: &StoredEntry,
    after: &StoredEntry,
    progress: &[MonthProgress],
    today: NaiveDate,
) -> SlackMessageContent {
    let what = format!(
        "Changed {} to {}.",
        entry_summary(before, today),
        entry_summary(after, today)
    );
    Message::new(what.clone())
        .text(&format!(":pencil2: {what}"))
        .text(&months_progress(progress, today))
        .into_content()
}

pub(super) fn deleted(entry: &StoredEntry, today: NaiveDate) -> SlackMessageContent {
    plain(&format!(
        ":wastebasket: Deleted {}.",
        entry_summary(entry, today)
    ))
}

/// The entries of the line `undo` took back, and the join days they had
/// moved, now forward again.
pub(super) fn undone(
    entries: &[StoredEntry],
    join_days: &[JoinMove],
    today: NaiveDate,
) -> SlackMessageContent {
    let what: Vec<String> = entries.iter().map(|e| entry_summary(e, today)).collect();
    let mut text = match what.len() {
        1 => format!("Removed {}.", what.join("")),
        n => format!("Removed {n} entries: {}.", what.join("; ")),
    };
    for moved in join_days {
        text.push_str(&format!(
            " {}'s join day is {} again.",
            moved.rep.mention(),
            day(moved.to, today)
        ));
    }
    Message::new(text.clone())
        .text(&format!(":leftwards_arrow_with_hook: {text}"))
        .into_content()
}

pub(super) fn not_on_team(reps: &[SlackUserId], manager_is_one: bool) -> SlackMessageContent {
    let text = if manager_is_one {
        "You can't log coaching with yourself. Mention the rep you coached, like `/coach 45m @dana pipeline review`.".to_string()
    } else {
        let who = mentions(reps);
        let (verb, them) = if reps.len() == 1 {
            ("isn't", "them")
        } else {
            ("aren't", "them all")
        };
        format!(
            "{who} {verb} on your team yet, so nothing was logged. Add {them} with `/coach team add @name` (type @ and pick each from Slack's list), then log again."
        )
    };
    plain(&text)
}

pub(super) fn on_another_team_that_day(
    rep: &SlackUserId,
    manager: &SlackUserId,
    on: NaiveDate,
    today: NaiveDate,
) -> SlackMessageContent {
    plain(&format!(
        "{} was on {}'s team on {}, so a session that day can't count for your team, and nothing was logged. Log coaching from the day they joined yours, like `/coach 45m @dana pipeline review today`.",
        rep.mention(),
        manager.mention(),
        day(on, today)
    ))
}

pub(super) fn before_earlier_stint(
    rep: &SlackUserId,
    joined: NaiveDate,
    today: NaiveDate,
) -> SlackMessageContent {
    plain(&format!(
        "{} first joined your team on {}, and a session before that can't count for your team, so nothing was logged. Log coaching from then on, like `/coach 45m @dana pipeline review today`.",
        rep.mention(),
        day(joined, today)
    ))
}

/// `/coach log`: whether Slack opened the form.
pub(super) fn form_opening(kind: EntryKind, opened: bool) -> SlackMessageContent {
    plain(match (opened, kind) {
        (true, _) => ":pencil2: The form is open.",
        (false, EntryKind::Session) => "Slack didn't open the form just now. Type the entry instead, like `/coach 45m @dana pipeline review`.",
        (false, EntryKind::Meeting) => "Slack didn't open the form just now. Type the meeting instead, like `/coach meeting 60m stuck deals, wins`.",
    })
}

/// `/coach log` where no form can open (`coachbot try`).
pub(super) fn form_needs_slack(kind: EntryKind) -> SlackMessageContent {
    plain(match kind {
        EntryKind::Session => "The logging form opens in Slack. Here, type the entry instead, like `45m @dana pipeline review`.",
        EntryKind::Meeting => "The meeting form opens in Slack. Here, type the meeting instead, like `meeting 60m stuck deals, wins`.",
    })
}

fn session_summary(entry: &SessionEntry, today: NaiveDate) -> String {
    format!(
        "{} of {} with {} on {}",
        entry.minutes,
        entry.activity.label(),
        mentions(&entry.reps),
        day(entry.held_on, today)
    )
}

pub(in crate::messages) fn entry_summary(stored: &StoredEntry, today: NaiveDate) -> String {
    match &stored.entry {
        Entry::Session(session) => session_summary(session, today),
        Entry::Meeting(meeting) => format!(
            "the {} team meeting on {}",
            meeting.minutes,
            day(meeting.held_on, today)
        ),
    }
}

/// Each rep's month, for every month an answer's entries fall in: the
/// month in progress against today's pace, an earlier one by its name.
fn months_progress(progress: &[MonthProgress], today: NaiveDate) -> String {
    let lines: Vec<String> = progress
        .iter()
        .flat_map(|month| {
            let period = if month.month == YearMonth::of(today) {
                Period::ThisMonth
            } else {
                Period::Finished(month.month)
            };
            month
                .reps
                .iter()
                .map(move |p| progress_line(p, today, period))
        })
        .collect();
    lines.join("\n")
}

fn duplicate_warning(duplicates: &[StoredEntry], today: NaiveDate) -> String {
    let earlier: Vec<String> = duplicates.iter().map(|e| entry_summary(e, today)).collect();
    format!(
        ":warning: This looks like something you logged already: {}. If it's a repeat, `/coach undo` takes this one back.",
        earlier.join("; ")
    )
}
