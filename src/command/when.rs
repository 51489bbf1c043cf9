//! Days as managers name them: `today`, `yesterday`, `fri`, `last friday`, `on 2026-11-20`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::error::CommandError;
use super::token::Token;

/// A day found in the text, not yet range-checked.
#[derive(Debug, Clone, PartialEq)]
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
    let one = |date: NaiveDate| Ok(Some(Spoken { date, len: 1 }));
    let two = |date: NaiveDate| Ok(Some(Spoken { date, len: 2 }));
    match first {
        "today" => return one(today),
        "yesterday" => return one(days_before(today, 1)),
        "tomorrow" => return one(days_after(today, 1)),
        "last" => {
            return match key(1).and_then(weekday_named) {
                Some(weekday) => two(most_recent(weekday, days_before(today, 1))),
                None => Ok(None),
            };
        }
        "on" => {
            if let Some(weekday) = key(1).and_then(weekday_named) {
                return two(most_recent(weekday, today));
            }
            if let Some(date) = key(1).map(iso_date).transpose()?.flatten() {
                return two(date);
            }
            return Ok(None);
        }
        // "sat in on a call" is observing, not Saturday.
        "sat" if key(1).is_some_and(|next| SAT_AS_VERB.contains(&next)) => return Ok(None),
        _ => {}
    }
    if let Some(weekday) = weekday_named(first) {
        return one(most_recent(weekday, today));
    }
    Ok(iso_date(first)?.map(|date| Spoken { date, len: 1 }))
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
    "in", "on", "with", "through", "down", "together", "beside", "next", "alongside", "during",
    "at", "behind",
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
    match (year.parse::<i32>(), month.parse::<u32>(), day.parse::<u32>()) {
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
    date.checked_sub_days(Days::new(days.into())).unwrap_or(date)
}

fn days_after(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(days.into())).unwrap_or(date)
}
