//! Days as managers name them: `today`, `yesterday`, `fri`, `last friday`, `on 2026-11-20`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::error::CommandError;
use super::token::Token;

/// A day found in the text, not yet range-checked.
#[derive(Debug)]
pub(super) struct Spoken {
    pub(super) date: NaiveDate,
    /// How many tokens it spans.
    pub(super) len: usize,
}

/// A day starting at the first token. An ISO-shaped date that does not exist is an error.
pub(super) fn at_start(tokens: &[Token], today: NaiveDate) -> Result<Option<Spoken>, CommandError> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    let Some(first) = key(0) else {
        return Ok(None);
    };
    let (date, len) = match first {
        "today" => (today, 1),
        "yesterday" => (days_before(today, 1), 1),
        "tomorrow" => (days_after(today, 1), 1),
        "last" => match key(1).and_then(weekday_named) {
            Some(weekday) => (most_recent(weekday, days_before(today, 1)), 2),
            None => return Ok(None),
        },
        "on" => match key(1) {
            Some(next) => match weekday_or_date(next, today)? {
                Some(date) => (date, 2),
                None => return Ok(None),
            },
            None => return Ok(None),
        },
        // "sat in on a call" is observing, not Saturday.
        "sat" if key(1).is_some_and(|next| SAT_AS_VERB.contains(&next)) => return Ok(None),
        word => match weekday_or_date(word, today)? {
            Some(date) => (date, 1),
            None => return Ok(None),
        },
    };
    Ok(Some(Spoken { date, len }))
}

/// `friday` (the most recent, today included) or `2026-11-20`.
fn weekday_or_date(word: &str, today: NaiveDate) -> Result<Option<NaiveDate>, CommandError> {
    match weekday_named(word) {
        Some(weekday) => Ok(Some(most_recent(weekday, today))),
        None => iso_date(word),
    }
}

/// A day that ends exactly at the last token, as in `pipeline review last friday`.
pub(super) fn at_end(tokens: &[Token], today: NaiveDate) -> Result<Option<Spoken>, CommandError> {
    let end = tokens.len();
    for start in end.saturating_sub(2)..end {
        if let Some(spoken) = at_start(&tokens[start..], today)? {
            if spoken.len == end - start {
                return Ok(Some(spoken));
            }
        }
    }
    Ok(None)
}

const SAT_AS_VERB: &[&str] = &[
    "in",
    "on",
    "with",
    "through",
    "down",
    "together",
    "beside",
    "next",
    "alongside",
    "during",
    "at",
    "behind",
];

pub(super) fn weekday_named(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "weds" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// `2026-11-20`. `Ok(None)` when the word is not shaped like a date at all.
pub(super) fn iso_date(word: &str) -> Result<Option<NaiveDate>, CommandError> {
    let mut parts = word.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let digits = |part: &str, most: usize| {
        (1..=most).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if year.len() != 4 || !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return Ok(None);
    }
    match (
        year.parse::<i32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) {
        (Ok(year), Ok(month), Ok(day)) => NaiveDate::from_ymd_opt(year, month, day)
            .map(Some)
            .ok_or_else(|| CommandError::ImpossibleDate(word.to_string())),
        _ => Ok(None),
    }
}

/// The latest `weekday` on or before `latest`.
pub(super) fn most_recent(weekday: Weekday, latest: NaiveDate) -> NaiveDate {
    let back = (7 + latest.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    days_before(latest, back)
}

/// The first `weekday` strictly after `today`.
pub(super) fn next_after(weekday: Weekday, today: NaiveDate) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    days_after(today, if ahead == 0 { 7 } else { ahead })
}

/// Dates this close to today never leave chrono's range, so falling back to `date` is unreachable.
fn days_before(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_sub_days(Days::new(days.into()))
        .unwrap_or(date)
}

fn days_after(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(days.into()))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{date, today};
    use super::super::token::tokens;
    use super::*;

    fn start(text: &str) -> Result<Option<(NaiveDate, usize)>, CommandError> {
        at_start(&tokens(text), today()).map(|found| found.map(|spoken| (spoken.date, spoken.len)))
    }

    fn end(text: &str) -> Result<Option<(NaiveDate, usize)>, CommandError> {
        at_end(&tokens(text), today()).map(|found| found.map(|spoken| (spoken.date, spoken.len)))
    }

    #[test]
    fn relative_days() {
        assert_eq!(start("today"), Ok(Some((today(), 1))));
        assert_eq!(start("Yesterday"), Ok(Some((date(2026, 11, 26), 1))));
        assert_eq!(start("tomorrow"), Ok(Some((date(2026, 11, 28), 1))));
    }

    #[test]
    fn weekdays_with_last_and_on() {
        assert_eq!(start("fri"), Ok(Some((today(), 1))));
        assert_eq!(start("on fri"), Ok(Some((today(), 2))));
        assert_eq!(start("last fri"), Ok(Some((date(2026, 11, 20), 2))));
        assert_eq!(start("last monday"), Ok(Some((date(2026, 11, 23), 2))));
    }

    #[test]
    fn iso_dates_with_and_without_on() {
        assert_eq!(start("2026-11-20"), Ok(Some((date(2026, 11, 20), 1))));
        assert_eq!(start("on 2026-11-20"), Ok(Some((date(2026, 11, 20), 2))));
        assert_eq!(start("2026-1-5"), Ok(Some((date(2026, 1, 5), 1))));
    }

    #[test]
    fn impossible_iso_dates_are_errors_that_name_them() {
        assert_eq!(
            start("2026-02-30"),
            Err(CommandError::ImpossibleDate("2026-02-30".into()))
        );
        assert_eq!(
            start("on 2026-00-10"),
            Err(CommandError::ImpossibleDate("2026-00-10".into()))
        );
    }

    #[test]
    fn words_that_are_not_days_are_left_alone() {
        for typed in [
            "on the call",
            "last call",
            "last",
            "on",
            "pipeline",
            "26-11-20",
            "2026-11",
            "2026-11-20-1",
            "2026-111-2",
            "sat in",
            "sat with dana",
        ] {
            assert_eq!(start(typed), Ok(None), "{typed}");
        }
    }

    #[test]
    fn sat_alone_is_saturday() {
        assert_eq!(start("sat"), Ok(Some((date(2026, 11, 21), 1))));
        assert_eq!(start("sat pipeline"), Ok(Some((date(2026, 11, 21), 1))));
    }

    #[test]
    fn a_day_ending_the_text_is_found_whole() {
        assert_eq!(end("pipeline last fri"), Ok(Some((date(2026, 11, 20), 2))));
        assert_eq!(
            end("pipeline on 2026-11-20"),
            Ok(Some((date(2026, 11, 20), 2)))
        );
        assert_eq!(end("pipeline yesterday"), Ok(Some((date(2026, 11, 26), 1))));
        assert_eq!(end("we sat in"), Ok(None));
        assert_eq!(end("friday prep"), Ok(None));
        assert_eq!(end(""), Ok(None));
    }

    #[test]
    fn most_recent_weekday_includes_the_day_itself() {
        assert_eq!(most_recent(Weekday::Fri, today()), today());
        assert_eq!(most_recent(Weekday::Sat, today()), date(2026, 11, 21));
        assert_eq!(
            most_recent(Weekday::Mon, date(2026, 12, 1)),
            date(2026, 11, 30)
        );
    }

    #[test]
    fn next_weekday_is_strictly_after_today() {
        assert_eq!(next_after(Weekday::Fri, today()), date(2026, 12, 4));
        assert_eq!(next_after(Weekday::Sat, today()), date(2026, 11, 28));
        assert_eq!(
            next_after(Weekday::Thu, date(2026, 12, 31)),
            date(2027, 1, 7)
        );
    }
}
