//! `report`, `report 2026-11`, `report nov`, `report last month`: which month to summarise.

use chrono::NaiveDate;

use crate::domain::YearMonth;

use super::error::CommandError;
use super::token::Token;
use super::when::month_named;

/// The words after `report`; `None` is the current month.
pub(super) fn parse(tokens: &[Token], today: NaiveDate) -> Result<Option<YearMonth>, CommandError> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let current = YearMonth::of(today);
    let keys: Vec<&str> = tokens
        .iter()
        .map(|token| token.key().unwrap_or(""))
        .collect();
    let month = match keys.as_slice() {
        ["this", "month"] => Some(current),
        ["last", "month"] => Some(current.previous()),
        [name] => month_named(name)
            .map(|month| most_recent(month, current))
            .or_else(|| name.parse().ok()),
        [name, year] => {
            month_named(name).and_then(|month| YearMonth::new(year_number(year)?, month))
        }
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::date;
    use super::super::token::tokens;
    use super::*;

    fn month(year: i32, month: u32) -> YearMonth {
        YearMonth::new(year, month).unwrap()
    }

    fn report_on(text: &str, today: NaiveDate) -> Result<Option<YearMonth>, CommandError> {
        parse(&tokens(text), today)
    }

    fn report(text: &str) -> Result<Option<YearMonth>, CommandError> {
        report_on(text, date(2026, 11, 27))
    }

    #[test]
    fn report_alone_is_the_current_month() {
        assert_eq!(report(""), Ok(None));
    }

    #[test]
    fn report_of_a_year_month() {
        assert_eq!(report("2026-11"), Ok(Some(month(2026, 11))));
        assert_eq!(report("2026-10"), Ok(Some(month(2026, 10))));
        assert_eq!(report("2025-3"), Ok(Some(month(2025, 3))));
    }

    #[test]
    fn report_of_a_month_name_is_the_most_recent_one_this_month_included() {
        assert_eq!(report("nov"), Ok(Some(month(2026, 11))));
        assert_eq!(report("November"), Ok(Some(month(2026, 11))));
        assert_eq!(report("oct"), Ok(Some(month(2026, 10))));
        assert_eq!(report("dec"), Ok(Some(month(2025, 12))));
        assert_eq!(report("sept"), Ok(Some(month(2026, 9))));
        assert_eq!(report("may"), Ok(Some(month(2026, 5))));
    }

    #[test]
    fn report_of_a_month_name_with_a_year() {
        assert_eq!(report("nov 2025"), Ok(Some(month(2025, 11))));
        assert_eq!(
            report("dec 2026"),
            Err(CommandError::FutureMonth(month(2026, 12)))
        );
    }

    #[test]
    fn report_last_month_and_this_month() {
        assert_eq!(report("last month"), Ok(Some(month(2026, 10))));
        assert_eq!(report("this month"), Ok(Some(month(2026, 11))));
    }

    #[test]
    fn report_months_cross_the_year_boundary() {
        let new_year = date(2027, 1, 15);
        assert_eq!(report_on("last month", new_year), Ok(Some(month(2026, 12))));
        assert_eq!(report_on("jan", new_year), Ok(Some(month(2027, 1))));
        assert_eq!(report_on("december", new_year), Ok(Some(month(2026, 12))));
    }

    #[test]
    fn report_of_a_future_month_is_refused() {
        assert_eq!(
            report("2026-12"),
            Err(CommandError::FutureMonth(month(2026, 12)))
        );
        assert_eq!(
            report("2030-01"),
            Err(CommandError::FutureMonth(month(2030, 1)))
        );
    }

    #[test]
    fn report_of_a_malformed_month_names_it() {
        for typed in [
            "2026-13",
            "2026-00",
            "26-11",
            "2026-11-05",
            "11",
            "foo",
            "last week",
            "nov 26",
            "novembre",
        ] {
            assert_eq!(
                report(typed),
                Err(CommandError::BadMonth(typed.into())),
                "{typed}"
            );
        }
    }
}
