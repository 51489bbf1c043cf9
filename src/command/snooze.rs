//! `snooze 1w`, `snooze 3 days`, `snooze until 2026-12-24`, `snooze off`: pausing reminders.

use chrono::{Days, Months, NaiveDate};

use super::error::CommandError;
use super::token::Token;
use super::when;
use super::SnoozeChange;

/// The words after `snooze`. `Until` is the first day reminders come back: after today and at
/// most a year ahead.
pub(super) fn parse(tokens: &[Token], today: NaiveDate) -> Result<SnoozeChange, CommandError> {
    let keys: Vec<&str> = tokens.iter().map(|token| token.key().unwrap_or("")).collect();
    let keys = match keys.as_slice() {
        ["for", rest @ ..] => rest,
        keys => keys,
    };
    let typed = || {
        let typed: Vec<&str> = tokens.iter().map(Token::shown).collect();
        typed.join(" ")
    };
    let back_on = match keys {
        [] => return Ok(SnoozeChange::Show),
        ["off" | "cancel" | "end" | "resume" | "none"] => return Ok(SnoozeChange::Off),
        _ => match asked(keys, today)? {
            Some(Asked::Day(date)) => Some(date),
            Some(Asked::Length(count, length)) => length.after(today, count),
            None => return Err(CommandError::BadSnooze(typed())),
        },
    };
    let latest = today.checked_add_months(Months::new(12));
    match back_on {
        Some(date) if date <= today => Err(CommandError::SnoozeNotAfterToday(date)),
        Some(date) if latest.is_some_and(|latest| date <= latest) => {
            Ok(SnoozeChange::Until(date))
        }
        // Past a year, or so far that the calendar ends first.
        _ => Err(CommandError::SnoozeTooLong(typed())),
    }
}

/// What the manager asked for, before it is checked against today.
enum Asked {
    Day(NaiveDate),
    Length(u64, Length),
}

fn asked(keys: &[&str], today: NaiveDate) -> Result<Option<Asked>, CommandError> {
    Ok(match keys {
        ["until" | "till" | "til" | "to", word] => day(word, today)?.map(Asked::Day),
        [word] => match day(word, today)? {
            Some(date) => Some(Asked::Day(date)),
            None => split_length(word).map(|(count, length)| Asked::Length(count, length)),
        },
        [count, length] => count_of(count)
            .zip(Length::named(length))
            .map(|(count, length)| Asked::Length(count, length)),
        _ => None,
    })
}

/// `2026-12-24`, `tomorrow`, or a weekday meaning the next one after today.
fn day(word: &str, today: NaiveDate) -> Result<Option<NaiveDate>, CommandError> {
    if let Some(weekday) = when::weekday_named(word) {
        return Ok(Some(when::next_after(weekday, today)));
    }
    Ok(match word {
        "today" => Some(today),
        "tomorrow" => today.succ_opt(),
        _ => when::iso_date(word)
            .map_err(|_| CommandError::ImpossibleSnoozeDate(word.to_string()))?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Days,
    Weeks,
    Months,
}

impl Length {
    fn named(word: &str) -> Option<Length> {
        match word {
            "d" | "day" | "days" => Some(Length::Days),
            "w" | "wk" | "wks" | "week" | "weeks" => Some(Length::Weeks),
            "mo" | "mos" | "month" | "months" => Some(Length::Months),
            _ => None,
        }
    }

    /// `None` when the result would fall off the calendar.
    fn after(self, today: NaiveDate, count: u64) -> Option<NaiveDate> {
        match self {
            Length::Days => today.checked_add_days(Days::new(count)),
            Length::Weeks => today.checked_add_days(Days::new(count.checked_mul(7)?)),
            Length::Months => today.checked_add_months(Months::new(u32::try_from(count).ok()?)),
        }
    }
}

/// `10d` → (10, days).
fn split_length(word: &str) -> Option<(u64, Length)> {
    let digits_end = word.find(|c: char| !c.is_ascii_digit())?;
    let count = count_of(&word[..digits_end])?;
    Length::named(&word[digits_end..]).map(|length| (count, length))
}

/// A whole number; one too large to hold is still a number, and far too long a snooze.
fn count_of(word: &str) -> Option<u64> {
    let digits = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| word.parse().unwrap_or(u64::MAX))
}
