//! The `/coach` slash-command language: turns what a manager typed into a [`Command`].
//!
//! Pure: no I/O and no clock; "today" (in the manager's time zone) is passed in.

mod digest;
mod duration;
mod entry;
mod error;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod properties;
mod recognise;
mod report;
mod snooze;
mod team;
mod timezone;
mod token;
mod when;

use chrono::NaiveDate;

use crate::domain::{
    EntryKind, MeetingEntry, SessionEntry, SlackChannelId, SlackUserId, YearMonth,
};

pub use error::{CommandError, MentionContext};

use token::Token;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// One or more 1:1 sessions typed on one line.
    Log(Vec<SessionEntry>),
    Meeting(MeetingEntry),
    Team(TeamChange),
    /// `log` or `log meeting`: open the logging form for that kind of entry.
    OpenForm(EntryKind),
    /// `status`, or no text at all.
    Status,
    /// `None` is the current month.
    Report(Option<YearMonth>),
    Undo,
    Snooze(SnoozeChange),
    TimeZone(TimeZoneChange),
    /// Where the team's digest goes.
    Digest(DigestChange),
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DigestChange {
    Show,
    Set(SlackChannelId),
    Off,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TeamChange {
    Show,
    /// `reps`: never empty; each rep once, in the order mentioned. `since`:
    /// the day they joined, when named (otherwise today).
    Add {
        reps: Vec<SlackUserId>,
        since: Option<NaiveDate>,
    },
    /// `reps`: never empty. `on`: the day they left, when named (otherwise
    /// today); at most 62 days back.
    Remove {
        reps: Vec<SlackUserId>,
        on: Option<NaiveDate>,
    },
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

impl Command {
    /// What kind of command it is, for logs (never the text typed).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Log(_) => "log",
            Command::OpenForm(_) => "form",
            Command::Meeting(_) => "meeting",
            Command::Team(_) => "team",
            Command::Status => "status",
            Command::Report(_) => "report",
            Command::Undo => "undo",
            Command::Snooze(_) => "snooze",
            Command::TimeZone(_) => "tz",
            Command::Digest(_) => "digest",
            Command::Help => "help",
        }
    }
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
        // `log` alone opens the form; `log 30m @dana …` is a line like any other.
        Some("log") if form_of(rest).is_some() => Ok(Command::OpenForm(
            form_of(rest).unwrap_or(EntryKind::Session),
        )),
        Some("status") => nothing_after(rest, Command::Status),
        Some("undo") => match rest {
            [last] if last.key() == Some("last") => Ok(Command::Undo),
            rest => nothing_after(rest, Command::Undo),
        },
        Some("report") => report::parse(rest, today).map(Command::Report),
        Some("snooze") => snooze::parse(rest, today).map(Command::Snooze),
        Some("tz" | "timezone") => timezone::parse(rest).map(Command::TimeZone),
        Some("digest") => digest::parse(rest).map(Command::Digest),
        Some("meeting" | "mtg") => entry::meeting(rest, today).map(Command::Meeting),
        Some("team" | "sales") if matches!(second, Some("meeting" | "mtg")) => {
            entry::meeting(&rest[1..], today).map(Command::Meeting)
        }
        Some("team") => team::parse(rest, today).map(Command::Team),
        _ => entry::sessions(&tokens, today).map(Command::Log),
    }
}

/// The form `/coach log` or `/coach log meeting` asks for, if the text is
/// one of those: a transport opens it at once, while Slack's trigger lives.
pub fn form_request(text: &str) -> Option<EntryKind> {
    let tokens = token::tokens(text);
    match tokens.split_first() {
        Some((first, rest)) if first.key() == Some("log") => form_of(rest),
        _ => None,
    }
}

/// `log` alone is the 1:1 form; `log meeting` the meeting form.
fn form_of(rest: &[Token]) -> Option<EntryKind> {
    match rest {
        [] => Some(EntryKind::Session),
        [only] if matches!(only.key(), Some("meeting" | "mtg")) => Some(EntryKind::Meeting),
        _ => None,
    }
}

/// Whether words describe riding along on a joint sales call, which is not
/// coaching: the same test for a typed note and a form's.
pub fn is_ride_along(text: &str) -> bool {
    recognise::mentions_ride_along(&recognise::words(text))
}

fn nothing_after(rest: &[Token], command: Command) -> Result<Command, CommandError> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(CommandError::UnknownWord(extra.shown().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{dana, date, minutes, note, sam, today, DANA, SAM};
    use super::*;
    use crate::domain::{Activity, Topic};

    fn command(text: &str) -> Result<Command, CommandError> {
        parse(text, today())
    }

    fn message(text: &str) -> String {
        command(text).expect_err(text).to_string()
    }

    #[test]
    fn empty_text_is_status() {
        assert_eq!(command(""), Ok(Command::Status));
        assert_eq!(command("   "), Ok(Command::Status));
    }

    #[test]
    fn status_is_status() {
        assert_eq!(command("status"), Ok(Command::Status));
        assert_eq!(command(" Status "), Ok(Command::Status));
    }

    #[test]
    fn status_with_more_words_names_the_first_extra() {
        assert_eq!(
            command("status please"),
            Err(CommandError::UnknownWord("please".into()))
        );
    }

    #[test]
    fn help_and_question_mark_are_help() {
        assert_eq!(command("help"), Ok(Command::Help));
        assert_eq!(command("HELP meeting"), Ok(Command::Help));
        assert_eq!(command("?"), Ok(Command::Help));
    }

    #[test]
    fn log_alone_opens_a_form_and_log_with_words_is_a_line() {
        assert_eq!(command("log"), Ok(Command::OpenForm(EntryKind::Session)));
        assert_eq!(
            command("Log meeting"),
            Ok(Command::OpenForm(EntryKind::Meeting))
        );
        assert!(matches!(
            command(&format!("log 30m {DANA} pipeline")),
            Ok(Command::Log(entries)) if entries[0].minutes == minutes(30)
        ));
        assert_eq!(form_request(" LOG "), Some(EntryKind::Session));
        assert_eq!(form_request("log mtg"), Some(EntryKind::Meeting));
        assert_eq!(form_request("log 30m"), None);
        assert_eq!(form_request("status"), None);
    }

    #[test]
    fn undo_is_undo() {
        assert_eq!(command("undo"), Ok(Command::Undo));
        assert_eq!(command("undo last"), Ok(Command::Undo));
        assert_eq!(
            command("undo everything"),
            Err(CommandError::UnknownWord("everything".into()))
        );
    }

    #[test]
    fn log_is_read_from_the_whole_text() {
        assert_eq!(
            command(&format!("1h30m {DANA} {SAM} deal strategy yesterday")),
            Ok(Command::Log(vec![SessionEntry {
                reps: vec![dana(), sam()],
                minutes: minutes(90),
                activity: Activity::Deal,
                note: note("deal strategy"),
                held_on: date(2026, 11, 26),
            }]))
        );
    }

    #[test]
    fn meeting_mtg_team_meeting_and_sales_meeting_log_a_meeting() {
        let expected = Ok(Command::Meeting(MeetingEntry {
            minutes: minutes(60),
            topics: vec![Topic::StuckDeals, Topic::CustomerWinsLosses],
            note: note("stuck deals, wins"),
            held_on: today(),
        }));
        for keyword in [
            "meeting",
            "Meeting",
            "mtg",
            "team meeting",
            "team mtg",
            "sales meeting",
        ] {
            assert_eq!(
                command(&format!("{keyword} 60m stuck deals, wins")),
                expected,
                "{keyword}"
            );
        }
    }

    #[test]
    fn team_without_meeting_changes_the_team() {
        assert_eq!(command("team"), Ok(Command::Team(TeamChange::Show)));
        assert_eq!(
            command(&format!("team add {DANA}")),
            Ok(Command::Team(TeamChange::Add {
                reps: vec![dana()],
                since: None
            }))
        );
        assert_eq!(
            command(&format!("team remove {DANA}")),
            Ok(Command::Team(TeamChange::Remove {
                reps: vec![dana()],
                on: None
            }))
        );
    }

    #[test]
    fn report_snooze_and_tz_are_dispatched() {
        assert_eq!(command("report"), Ok(Command::Report(None)));
        assert_eq!(
            command("report 2026-11"),
            Ok(Command::Report(YearMonth::new(2026, 11)))
        );
        assert_eq!(
            command("snooze 1w"),
            Ok(Command::Snooze(SnoozeChange::Until(date(2026, 12, 4))))
        );
        assert_eq!(command("snooze"), Ok(Command::Snooze(SnoozeChange::Show)));
        assert_eq!(
            command("tz Europe/Berlin"),
            Ok(Command::TimeZone(TimeZoneChange::Set(
                chrono_tz::Tz::Europe__Berlin
            )))
        );
        assert_eq!(
            command("timezone"),
            Ok(Command::TimeZone(TimeZoneChange::Show))
        );
    }

    #[test]
    fn unrecognised_text_names_the_unknown_word_and_points_at_help() {
        assert_eq!(
            message("foo bar"),
            "I don't know what “foo” means here. Type `/coach help` to see everything I understand."
        );
    }

    #[test]
    fn a_log_without_a_time_says_how_to_give_one() {
        assert_eq!(
            message(&format!("{DANA} pipeline review")),
            "How long did you coach? Put the time before the note, like `/coach 45m @dana pipeline review`."
        );
    }

    #[test]
    fn a_log_without_a_mention_asks_who_it_was_with() {
        assert_eq!(
            message("45m pipeline review"),
            "Who was the coaching with? Mention the rep after the time, like `/coach 45m @dana pipeline review`."
        );
    }

    #[test]
    fn a_ride_along_is_explained_with_how_to_log_observing() {
        assert_eq!(
            message(&format!("2h {DANA} ride-along to Acme")),
            "Riding along on a joint call is selling together with the rep, not coaching, so I don't log it. If you only watched the rep sell, log it as an observation, like `/coach 45m @dana observed discovery call`."
        );
    }

    #[test]
    fn a_plain_at_name_explains_autocomplete() {
        assert_eq!(
            message("45m @dana pipeline review"),
            "“@dana” is plain text, not a Slack mention. Pick the person from Slack's autocomplete list as you type @ so it becomes a real mention, like `/coach 45m @dana pipeline review`."
        );
    }

    #[test]
    fn a_group_mention_asks_for_each_rep() {
        assert_eq!(
            message("45m <!subteam^S0SALES1|@sales> pipeline review"),
            "“@sales” reaches a group or a channel, not one rep. Mention each rep on their own, like `/coach 45m @dana pipeline review`."
        );
    }

    #[test]
    fn a_mention_in_a_meeting_says_the_meeting_counts_for_everyone() {
        assert_eq!(
            message(&format!("meeting 60m pipeline with {DANA}")),
            "A team meeting counts for everyone on your team, so there's no need to mention anyone. Log it like `/coach meeting 60m stuck deals, customer wins`."
        );
    }

    #[test]
    fn out_of_range_durations_say_what_was_typed() {
        assert_eq!(
            message(&format!("0m {DANA}")),
            "“0m” is less than a minute, so there is nothing to log. Give the time in minutes or hours, like `/coach 45m @dana pipeline review`."
        );
        assert_eq!(
            message(&format!("9h {DANA}")),
            "“9h” is longer than 8h, the most one entry can hold. Log the time you actually spent, like `/coach 2h @dana field visits`."
        );
    }

    #[test]
    fn day_errors_say_which_day_was_understood() {
        assert_eq!(
            message(&format!("45m {DANA} pipeline 2026-02-30")),
            "There is no such day as “2026-02-30”. Check the date, or name the day instead, like `/coach 45m @dana pipeline review on friday`."
        );
        assert_eq!(
            message(&format!("45m {DANA} pipeline 2026-09-25")),
            "Fri 25 Sep is more than 62 days ago, too far back to log. Log coaching while it's recent, like `/coach 45m @dana pipeline review yesterday`."
        );
    }
}
