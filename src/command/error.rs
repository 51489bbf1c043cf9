//! Everything that can be wrong with `/coach` text, worded for the manager who typed it.

use chrono::NaiveDate;

use crate::domain::{format_minutes, Minutes, Note, ShownDay, YearMonth, OLDEST_DAYS_BACK};

/// Where a mention was expected, so an error about mentions shows an example of the right shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionContext {
    Log,
    TeamAdd,
    TeamRemove,
}

impl MentionContext {
    fn example(self) -> &'static str {
        match self {
            MentionContext::Log => "/coach 45m @dana pipeline review",
            MentionContext::TeamAdd => "/coach team add @dana @sam",
            MentionContext::TeamRemove => "/coach team remove @dana",
        }
    }
}

/// Each message is one or two short sentences and exactly one correct example in backticks.
/// Words the manager typed are echoed in quotes, made safe by [`shown`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("I don't know what “{}” means here. Type `/coach help` to see everything I understand.", shown(.0))]
    UnknownWord(String),

    #[error("Who was the coaching with? Mention the rep after the time, like `/coach 45m @dana pipeline review`.")]
    MissingRep,

    #[error("How long did you coach? Put the time before the note, like `/coach 45m @dana pipeline review`.")]
    MissingDuration,

    #[error("How long was the meeting? Put the time after the word meeting, like `/coach meeting 60m stuck deals, customer wins`.")]
    MeetingWithoutDuration,

    #[error("“{}” is less than a minute, so there is nothing to log. Give the time in minutes or hours, like `/coach 45m @dana pipeline review`.", shown(.0))]
    DurationTooShort(String),

    #[error("“{}” is longer than {}, the most one entry can hold. Log the time you actually spent, like `/coach 2h @dana field visits`.", shown(.0), format_minutes(i64::from(Minutes::MAX)))]
    DurationTooLong(String),

    #[error("“{}” has a plus or minus sign, and a length of coaching has none. Give the time you spent, like `/coach 30m @dana pipeline review`.", shown(.0))]
    SignedDuration(String),

    #[error("“{}” is a range, and an entry holds one length. Give the time you spent, like `/coach 45m @dana pipeline review`.", shown(.0))]
    DurationRange(String),

    #[error("I found two times, “{}” and “{}”, and one entry has one. For two sessions, put a rep after each time, like `/coach 45m @dana pipeline review, 30m @sam deal review`.", shown(.0), shown(.1))]
    TwoDurations(String, String),

    #[error("I found two days, “{}” and “{}”, and can log only one. Give the day once, like `/coach 45m @dana pipeline review yesterday`.", shown(.0), shown(.1))]
    TwoDates(String, String),

    #[error("There is no such day as “{}”. Check the date, or name the day instead, like `/coach 45m @dana pipeline review on friday`.", shown(.0))]
    ImpossibleDate(String),

    #[error("“{}” could be {} or {}. Write the month as a word, like `/coach 45m @dana pipeline review on {}`.", shown(.typed), .month_first, .day_first, .example.format("%b %-d"))]
    AmbiguousDate {
        typed: String,
        /// Read as month/day, as in the US.
        month_first: ShownDay,
        /// Read as day/month, as in most of the world.
        day_first: ShownDay,
        /// A day for the example that can itself be logged: a reading that can, or yesterday.
        example: NaiveDate,
    },

    #[error("“{}” doesn't say which day. Name the day, like `/coach 45m @dana pipeline review on monday`.", shown(.0))]
    VagueDay(String),

    #[error("{0} hasn't happened yet, so I can't log it. Log coaching once it's done, like `/coach 45m @dana pipeline review today`.")]
    FutureDate(ShownDay),

    #[error("{0} is more than {OLDEST_DAYS_BACK} days ago, too far back to log. Log coaching while it's recent, like `/coach 45m @dana pipeline review yesterday`.")]
    TooFarBack(ShownDay),

    #[error("That note is {0} characters long, and notes can have at most {max}. Keep it short, like `/coach 45m @dana pipeline review, Q4 commits`.", max = Note::MAX_CHARS)]
    NoteTooLong(usize),

    #[error("Riding along on a joint call is selling together with the rep, not coaching, so I don't log it. If you only watched the rep sell, log it as an observation, like `/coach 45m @dana observed discovery call`.")]
    RideAlong,

    #[error("“{}” is plain text, not a Slack mention. Pick the person from Slack's autocomplete list as you type @ so it becomes a real mention, like `{}`.", shown(.name), .context.example())]
    PlainAtName {
        name: String,
        context: MentionContext,
    },

    #[error("“{}” reaches a group or a channel, not one rep. Mention each rep on their own, like `{}`.", shown(.group), .context.example())]
    GroupMention {
        group: String,
        context: MentionContext,
    },

    #[error("A team meeting counts for everyone on your team, so there's no need to mention anyone. Log it like `/coach meeting 60m stuck deals, customer wins`.")]
    MentionInMeeting,

    #[error("Who should I add to your team? Mention each rep, like `/coach team add @dana @sam`.")]
    TeamAddWithoutMention,

    #[error("I couldn't read “{}” as a day. Give the day they joined your team, like `/coach team add @dana since monday`.", shown(.0))]
    BadJoinDay(String),

    #[error("{0} hasn't come yet, and a join day is today or earlier. Give the day they joined, like `/coach team add @dana since monday`.")]
    JoinDayInFuture(ShownDay),

    #[error("Who should I take off your team? Mention the rep, like `/coach team remove @dana`.")]
    TeamRemoveWithoutMention,

    #[error("I couldn't read “{}” as a day. Give the day they left your team, like `/coach team remove @dana on friday`.", shown(.0))]
    BadLeaveDay(String),

    #[error("{0} hasn't come yet. To take someone off your team from today, leave out the day, like `/coach team remove @dana`.")]
    LeaveDayInFuture(ShownDay),

    #[error("{0} is more than {OLDEST_DAYS_BACK} days ago, too far back to record a leave. Name a recent day, like `/coach team remove @dana on friday`.")]
    LeaveDayTooFarBack(ShownDay),

    #[error("I couldn't read “{}” as a month. Give a month name or year-month, like `/coach report november`.", shown(.0))]
    BadMonth(String),

    #[error("{0} hasn't happened yet, so there is nothing to report. Ask for this month or an earlier one, like `/coach report last month`.")]
    FutureMonth(YearMonth),

    #[error("I couldn't read “{}” as a snooze. Give days or weeks, or the day reminders should come back, like `/coach snooze 2w`.", shown(.0))]
    BadSnooze(String),

    #[error("There is no such day as “{}”. Give the day reminders should come back, like `/coach snooze until monday`.", shown(.0))]
    ImpossibleSnoozeDate(String),

    #[error("Reminders would come back on {0}, which isn't after today. Pick a later day, like `/coach snooze 1w`.")]
    SnoozeNotAfterToday(ShownDay),

    #[error("“{}” goes past a year from today, the longest I can snooze reminders. Pick a shorter break, like `/coach snooze 2w`.", shown(.0))]
    SnoozeTooLong(String),

    #[error("I don't know the time zone “{}”. Use a name from the IANA time zone list, like `/coach tz Europe/Berlin`.", shown(.0))]
    UnknownTimeZone(String),

    #[error("“{}” isn't one channel picked from Slack's list. Type # and pick the channel, like `/coach digest #team-sales`.", shown(.0))]
    BadDigestChannel(String),
}

/// Echoes typed text without letting it break the message: no Slack markup, no stray code
/// spans, and nothing so long that it buries the example.
fn shown(typed: &str) -> String {
    const LONGEST: usize = 40;
    let safe: String = typed
        .chars()
        .map(|c| match c {
            '<' => '‹',
            '>' => '›',
            '`' => '\'',
            other => other,
        })
        .collect();
    if safe.chars().count() > LONGEST {
        format!("{}…", safe.chars().take(LONGEST).collect::<String>())
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backtick_spans(message: &str) -> usize {
        message.matches('`').count() / 2
    }

    #[test]
    fn echoed_words_cannot_open_markup_or_code_spans() {
        let message = CommandError::UnknownWord("<!channel>`x`".into()).to_string();
        assert_eq!(
            message,
            "I don't know what “‹!channel›'x'” means here. Type `/coach help` to see everything I understand."
        );
    }

    #[test]
    fn long_echoed_words_are_cut_short() {
        let message = CommandError::UnknownWord("a".repeat(60)).to_string();
        assert!(message.contains(&format!("“{}…”", "a".repeat(40))));
    }

    #[test]
    fn dates_are_shown_with_their_weekday_like_every_answer() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            CommandError::FutureDate(ShownDay::new(date, today)).to_string(),
            "Mon 30 Nov hasn't happened yet, so I can't log it. Log coaching once it's done, like `/coach 45m @dana pipeline review today`."
        );
    }

    #[test]
    fn limits_in_messages_come_from_the_limits_themselves() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let far = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(CommandError::TooFarBack(ShownDay::new(far, today))
            .to_string()
            .contains(&format!("more than {OLDEST_DAYS_BACK} days ago")));
        assert!(CommandError::DurationTooLong("9h".into())
            .to_string()
            .contains("longer than 8h,"));
        assert!(CommandError::NoteTooLong(501)
            .to_string()
            .contains(&format!("at most {}.", Note::MAX_CHARS)));
    }

    #[test]
    fn mention_errors_show_an_example_for_where_the_mention_was_wanted() {
        let plain = CommandError::PlainAtName {
            name: "@dana".into(),
            context: MentionContext::TeamAdd,
        };
        assert_eq!(
            plain.to_string(),
            "“@dana” is plain text, not a Slack mention. Pick the person from Slack's autocomplete list as you type @ so it becomes a real mention, like `/coach team add @dana @sam`."
        );
        let group = CommandError::GroupMention {
            group: "@sales".into(),
            context: MentionContext::TeamRemove,
        };
        assert_eq!(
            group.to_string(),
            "“@sales” reaches a group or a channel, not one rep. Mention each rep on their own, like `/coach team remove @dana`."
        );
    }

    fn every_error() -> Vec<CommandError> {
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let day = ShownDay::new(date, date);
        vec![
            CommandError::UnknownWord("foo".into()),
            CommandError::MissingRep,
            CommandError::MissingDuration,
            CommandError::MeetingWithoutDuration,
            CommandError::DurationTooShort("0m".into()),
            CommandError::DurationTooLong("9h".into()),
            CommandError::SignedDuration("-30m".into()),
            CommandError::DurationRange("30-45m".into()),
            CommandError::TwoDurations("45m".into(), "30m".into()),
            CommandError::TwoDates("friday".into(), "yesterday".into()),
            CommandError::ImpossibleDate("2026-02-30".into()),
            CommandError::AmbiguousDate {
                typed: "11/5".into(),
                month_first: ShownDay::new(NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), date),
                day_first: ShownDay::new(NaiveDate::from_ymd_opt(2026, 5, 11).unwrap(), date),
                example: NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
            },
            CommandError::VagueDay("last week".into()),
            CommandError::FutureDate(day),
            CommandError::TooFarBack(day),
            CommandError::NoteTooLong(501),
            CommandError::RideAlong,
            CommandError::PlainAtName {
                name: "@dana".into(),
                context: MentionContext::Log,
            },
            CommandError::GroupMention {
                group: "@sales".into(),
                context: MentionContext::Log,
            },
            CommandError::PlainAtName {
                name: "@dana".into(),
                context: MentionContext::TeamAdd,
            },
            CommandError::GroupMention {
                group: "@sales".into(),
                context: MentionContext::TeamRemove,
            },
            CommandError::MentionInMeeting,
            CommandError::TeamAddWithoutMention,
            CommandError::BadJoinDay("soon".into()),
            CommandError::JoinDayInFuture(day),
            CommandError::TeamRemoveWithoutMention,
            CommandError::BadLeaveDay("soon".into()),
            CommandError::LeaveDayInFuture(day),
            CommandError::LeaveDayTooFarBack(day),
            CommandError::BadMonth("2026-13".into()),
            CommandError::FutureMonth(YearMonth::of(date)),
            CommandError::BadSnooze("forever".into()),
            CommandError::ImpossibleSnoozeDate("2026-02-30".into()),
            CommandError::SnoozeNotAfterToday(day),
            CommandError::SnoozeTooLong("53w".into()),
            CommandError::UnknownTimeZone("Mars/Olympus".into()),
            CommandError::BadDigestChannel("#sales".into()),
        ]
    }

    #[test]
    fn every_message_carries_exactly_one_example() {
        for error in every_error() {
            let message = error.to_string();
            assert_eq!(backtick_spans(&message), 1, "{message}");
            assert!(message.contains("`/coach "), "{message}");
        }
    }

    #[test]
    fn every_example_is_a_command_that_works() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        for error in every_error() {
            let message = error.to_string();
            let example = message.split('`').nth(1).unwrap_or_default();
            let text = example
                .strip_prefix("/coach ")
                .unwrap_or_else(|| panic!("{message}"))
                .replace("@dana", "<@U0DANA001|dana>")
                .replace("@sam", "<@U0SAM0002|sam>")
                .replace("#team-sales", "<#C0SALES01|team-sales>");
            assert!(super::super::parse(&text, today).is_ok(), "{example}");
        }
    }
}
