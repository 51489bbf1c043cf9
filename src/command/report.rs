//! `report`, `report 2026-11`, `report nov`, `report last month`: which month to summarise.

use chrono::NaiveDate;

use crate::domain::YearMonth;

use super::error::CommandError;
use super::token::Token;

/// The words after `report`; `None` is the current month.
pub(super) fn parse(tokens: &[Token], today: NaiveDate) -> Result<Option<YearMonth>, CommandError> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let current = YearMonth::of(today);
    let keys: Vec<&str> = tokens.iter().map(|token| token.key().unwrap_or("")).collect();
    let month = match keys.as_slice() {
        ["this", "month"] => Some(current),
        ["last", "month"] => Some(current.previous()),
        [name] => month_named(name)
            .map(|month| most_recent(month, current))
            .or_else(|| year_month(name)),
        [name, year] => month_named(name).and_then(|month| YearMonth::new(year_number(year)?, month)),
        _ => None,
    };
    let Some(month) = month else {
        let typed: Vec<&str> = tokens.iter().map(Token::shown).collect();
        return Err(CommandError::BadMonth(typed.join(" ")));
    };
    if month > current {
        return Err(CommandError::FutureMonth(month));
    }
    Ok(Some(month))
}

/// `2026-11` or `2026-1`.
fn year_month(word: &str) -> Option<YearMonth> {
    let (year, month) = word.split_once('-')?;
    let month_digits = (1..=2).contains(&month.len()) && month.bytes().all(|b| b.is_ascii_digit());
    if !month_digits {
        return None;
    }
    YearMonth::new(year_number(year)?, month.parse().ok()?)
}

fn year_number(word: &str) -> Option<i32> {
    let four_digits = word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit());
    four_digits.then(|| word.parse().ok()).flatten()
}

/// The latest month with this number, the current one included.
fn most_recent(month: u32, current: YearMonth) -> YearMonth {
    let year = if month <= current.month() {
        current.year()
    } else {
        current.year() - 1
    };
    YearMonth::new(year, month).unwrap_or(current)
}

fn month_named(word: &str) -> Option<u32> {
    Some(match word {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}
