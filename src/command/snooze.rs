//! `snooze 1w`, `snooze 3 days`, `snooze until 2026-12-24`, `snooze off`: pausing reminders.

use chrono::{Days, Months, NaiveDate};

use super::error::CommandError;
use super::token::Token;
use super::when;
use super::SnoozeChange;
use crate::domain::ShownDay;

/// The words after `snooze`. `Until` is the first day reminders come back: after today and at
/// most a year ahead.
pub(super) fn parse(tokens: &[Token], today: NaiveDate) -> Result<SnoozeChange, CommandError> {
    let keys: Vec<&str> = tokens
        .iter()
        .map(|token| token.key().unwrap_or(""))
        .collect();
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
        Some(date) if date <= today => Err(CommandError::SnoozeNotAfterToday(ShownDay::new(
            date, today,
        ))),
        Some(date) if latest.is_some_and(|latest| date <= latest) => Ok(SnoozeChange::Until(date)),
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{date, today};
    use super::super::token::tokens;
    use super::*;

    fn snooze(text: &str) -> Result<SnoozeChange, CommandError> {
        parse(&tokens(text), today())
    }

    fn until(year: i32, month: u32, day: u32) -> Result<SnoozeChange, CommandError> {
        Ok(SnoozeChange::Until(date(year, month, day)))
    }

    #[test]
    fn snooze_alone_shows_the_snooze() {
        assert_eq!(snooze(""), Ok(SnoozeChange::Show));
    }

    #[test]
    fn snooze_off_ends_it() {
        assert_eq!(snooze("off"), Ok(SnoozeChange::Off));
        assert_eq!(snooze("Cancel"), Ok(SnoozeChange::Off));
    }

    #[test]
    fn snooze_for_weeks_brings_reminders_back_that_many_weeks_later() {
        assert_eq!(snooze("1w"), until(2026, 12, 4));
        assert_eq!(snooze("2 weeks"), until(2026, 12, 11));
        assert_eq!(snooze("1 week"), until(2026, 12, 4));
        assert_eq!(snooze("for 2wks"), until(2026, 12, 11));
    }

    #[test]
    fn snooze_for_days() {
        assert_eq!(snooze("10d"), until(2026, 12, 7));
        assert_eq!(snooze("3 days"), until(2026, 11, 30));
        assert_eq!(snooze("1 day"), until(2026, 11, 28));
    }

    #[test]
    fn snooze_for_months() {
        assert_eq!(snooze("1 month"), until(2026, 12, 27));
        assert_eq!(snooze("3mo"), until(2027, 2, 27));
    }

    #[test]
    fn snooze_until_a_date_is_the_day_reminders_come_back() {
        assert_eq!(snooze("until 2026-12-24"), until(2026, 12, 24));
        assert_eq!(snooze("2026-12-24"), until(2026, 12, 24));
        assert_eq!(snooze("till tomorrow"), until(2026, 11, 28));
    }

    #[test]
    fn snooze_until_a_weekday_is_the_next_one_after_today() {
        assert_eq!(snooze("until monday"), until(2026, 11, 30));
        assert_eq!(snooze("until fri"), until(2026, 12, 4));
    }

    #[test]
    fn snooze_that_would_not_end_after_today_is_refused() {
        assert_eq!(
            snooze("until 2026-11-27"),
            Err(CommandError::SnoozeNotAfterToday(ShownDay::new(
                today(),
                today()
            )))
        );
        assert_eq!(
            snooze("until today"),
            Err(CommandError::SnoozeNotAfterToday(ShownDay::new(
                today(),
                today()
            )))
        );
        assert_eq!(
            snooze("until 2026-11-01"),
            Err(CommandError::SnoozeNotAfterToday(ShownDay::new(
                date(2026, 11, 1),
                today()
            )))
        );
        assert_eq!(
            snooze("0d"),
            Err(CommandError::SnoozeNotAfterToday(ShownDay::new(
                today(),
                today()
            )))
        );
    }

    #[test]
    fn snooze_of_up_to_a_year_is_kept_and_longer_refused() {
        assert_eq!(snooze("until 2027-11-27"), until(2027, 11, 27));
        assert_eq!(snooze("52w"), until(2027, 11, 26));
        assert_eq!(snooze("12 months"), until(2027, 11, 27));
        assert_eq!(
            snooze("until 2027-11-28"),
            Err(CommandError::SnoozeTooLong("until 2027-11-28".into()))
        );
        assert_eq!(
            snooze("53w"),
            Err(CommandError::SnoozeTooLong("53w".into()))
        );
        assert_eq!(
            snooze("99999999999999999999999 weeks"),
            Err(CommandError::SnoozeTooLong(
                "99999999999999999999999 weeks".into()
            ))
        );
    }

    #[test]
    fn snooze_until_an_impossible_date_names_it() {
        assert_eq!(
            snooze("until 2026-02-30"),
            Err(CommandError::ImpossibleSnoozeDate("2026-02-30".into()))
        );
    }

    #[test]
    fn snooze_that_cannot_be_read_names_it() {
        for typed in ["forever", "3", "2 fortnights", "until later", "1w 2d", "w"] {
            assert_eq!(
                snooze(typed),
                Err(CommandError::BadSnooze(typed.into())),
                "{typed}"
            );
        }
    }
}
