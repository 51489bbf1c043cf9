//! The `/coach` slash-command language: turns what a manager typed into a [`Command`].
//!
//! Pure: no I/O and no clock; "today" (in the manager's time zone) is passed in.

mod duration;
mod entry;
mod error;
mod recognise;
mod report;
mod snooze;
mod team;
mod timezone;
mod token;
mod when;

use chrono::NaiveDate;

use crate::domain::{Activity, Minutes, SlackUserId, Topic, YearMonth};

pub use error::{CommandError, MentionContext};

use token::Token;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Log(SessionLog),
    Meeting(MeetingLog),
    Team(TeamChange),
    /// `status`, or no text at all.
    Status,
    /// `None` is the current month.
    Report(Option<YearMonth>),
    Undo,
    Snooze(SnoozeChange),
    TimeZone(TimeZoneChange),
    Help,
}

/// One 1:1 coaching session per rep, each of the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLog {
    /// Never empty; each rep once, in the order mentioned.
    pub reps: Vec<SlackUserId>,
    pub minutes: Minutes,
    pub activity: Activity,
    /// Trimmed, unescaped, without mentions; at most 500 characters.
    pub note: String,
    pub held_on: NaiveDate,
}

/// A team meeting, which counts for every rep on the team that day.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingLog {
    pub minutes: Minutes,
    /// Sorted, each once; may be empty.
    pub topics: Vec<Topic>,
    pub note: String,
    pub held_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TeamChange {
    Show,
    /// Never empty; each rep once, in the order mentioned.
    Add(Vec<SlackUserId>),
    Remove(Vec<SlackUserId>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SnoozeChange {
    Show,
    /// The first day reminders come back; always after today.
    Until(NaiveDate),
    Off,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TimeZoneChange {
    Show,
    Set(chrono_tz::Tz),
    /// Back to the time zone Slack reports.
    Reset,
}

/// Reads `/coach` text. Case and extra spaces do not matter.
pub fn parse(text: &str, today: NaiveDate) -> Result<Command, CommandError> {
    let tokens = token::tokens(text);
    let Some((first, rest)) = tokens.split_first() else {
        return Ok(Command::Status);
    };
    if first.text() == Some("?") {
        return Ok(Command::Help);
    }
    let second = rest.first().and_then(Token::key);
    match first.key() {
        Some("help") => Ok(Command::Help),
        Some("status") => nothing_after(rest, Command::Status),
        Some("undo") => match rest {
            [last] if last.key() == Some("last") => Ok(Command::Undo),
            rest => nothing_after(rest, Command::Undo),
        },
        Some("report") => report::parse(rest, today).map(Command::Report),
        Some("snooze") => snooze::parse(rest, today).map(Command::Snooze),
        Some("tz" | "timezone") => timezone::parse(rest).map(Command::TimeZone),
        Some("meeting" | "mtg") => entry::meeting(rest, today).map(Command::Meeting),
        Some("team" | "sales") if matches!(second, Some("meeting" | "mtg")) => {
            entry::meeting(&rest[1..], today).map(Command::Meeting)
        }
        Some("team") => team::parse(rest).map(Command::Team),
        _ => entry::session(&tokens, today).map(Command::Log),
    }
}

fn nothing_after(rest: &[Token], command: Command) -> Result<Command, CommandError> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(CommandError::UnknownWord(extra.shown().to_string())),
    }
}
