//! Days as managers name them: `today`, `yesterday`, `fri`, `last friday`, `on 2026-11-20`,
//! `Nov 27`, `27 Nov`, `November 27th`, `the 27th`, `11/27`, `2 days ago`; and the vague ones
//! (`last week`, `the other day`) that name no day and are refused rather than guessed.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::domain::{entry_day, ShownDay};

use super::error::CommandError;
use super::token::{typed, Token};

/// A day found in the text, not yet range-checked.
#[derive(Debug)]
pub(super) struct Spoken {
    pub(super) date: NaiveDate,
    /// How many tokens it spans.
    pub(super) len: usize,
}

/// What a run of words starting a slice says about the day, and how many words it took. The
/// error waits until the caller knows the words stand where a day is read, so that
/// "2026-02-30 review" in the middle of a note never refuses the line.
struct Reading {
    day: Result<NaiveDate, CommandError>,
    len: usize,
}

/// A day starting at the first token. A day that cannot be (`2026-02-30`, `Nov 31`), one that
/// reads two ways (`11/5`) and words that name no day (`last week`) are errors.
pub(super) fn at_start(tokens: &[Token], today: NaiveDate) -> Result<Option<Spoken>, CommandError> {
    read(tokens, today)
        .map(|reading| {
            reading.day.map(|date| Spoken {
                date,
                len: reading.len,
            })
        })
        .transpose()
}

/// A day that ends exactly at the last token, as in `pipeline review last friday`.
pub(super) fn at_end(tokens: &[Token], today: NaiveDate) -> Result<Option<Spoken>, CommandError> {
    let end = tokens.len();
    for start in end.saturating_sub(LONGEST_IN_WORDS)..end {
        if let Some(reading) = read(&tokens[start..], today) {
            if reading.len == end - start {
                return reading.day.map(|date| {
                    Some(Spoken {
                        date,
                        len: reading.len,
                    })
                });
            }
        }
    }
    Ok(None)
}

/// The most words a day takes, as in `on the 27th of november 2026`.
const LONGEST_IN_WORDS: usize = 6;

fn read(tokens: &[Token], today: NaiveDate) -> Option<Reading> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    let first = key(0)?;
    if let Some(len) = vague(tokens) {
        return Some(Reading {
            day: Err(CommandError::VagueDay(typed(&tokens[..len]))),
            len,
        });
    }
    let found = |date: NaiveDate, len: usize| Some(Reading { day: Ok(date), len });
    match first {
        "today" => found(today, 1),
        "yesterday" => found(days_before(today, 1), 1),
        "tomorrow" => found(days_after(today, 1), 1),
        "this" | "earlier" if matches!(key(1), Some("morning" | "afternoon" | "today")) => {
            found(today, 2)
        }
        "last" => {
            let weekday = key(1).and_then(weekday_named)?;
            found(most_recent(weekday, days_before(today, 1)), 2)
        }
        "on" => {
            let rest = &tokens[1..];
            let reading = read(rest, today).or_else(|| {
                let day = key(1).and_then(ordinal)?;
                Some(Reading {
                    day: the_nth(day, today, key(1).unwrap_or_default()),
                    len: 1,
                })
            })?;
            Some(Reading {
                len: reading.len + 1,
                ..reading
            })
        }
        // "sat in on a call" is observing, not Saturday.
        "sat" if key(1).is_some_and(|next| SAT_AS_VERB.contains(&next)) => None,
        "the" if (key(1), key(2), key(3)) == (Some("day"), Some("before"), Some("yesterday")) => {
            found(days_before(today, 2), 4)
        }
        "the" => {
            let day = key(1).and_then(ordinal)?;
            match month_after_of(tokens, 2) {
                Some((month, len)) => Some(month_and_day(tokens, 2 + len, month, day, today)),
                None => Some(Reading {
                    day: the_nth(day, today, &typed(&tokens[..2])),
                    len: 2,
                }),
            }
        }
        word => {
            if let Some(weekday) = weekday_named(word) {
                return found(most_recent(weekday, today), 1);
            }
            if let Some(day) = iso_date(word).transpose() {
                return Some(Reading { day, len: 1 });
            }
            if let Some(reading) = days_ago(tokens, today) {
                return Some(reading);
            }
            if let Some(day) = numeric_date(word, today) {
                return Some(Reading { day, len: 1 });
            }
            if let Some(month) = month_named(word) {
                let day = key(1).and_then(day_of_month)?;
                return Some(month_and_day(tokens, 2, month, day, today));
            }
            let day = day_of_month(word)?;
            let (month, len) = month_after_of(tokens, 1)?;
            Some(month_and_day(tokens, 1 + len, month, day, today))
        }
    }
}

/// Words that say "some day back then" without saying which: refused with an example rather
/// than logged today with the words in the note. Returns how many words they take.
fn vague(tokens: &[Token]) -> Option<usize> {
    const VAGUE: &[&[&str]] = &[
        &["last", "week"],
        &["last", "weekend"],
        &["last", "month"],
        &["last", "year"],
        &["the", "other", "day"],
        &["other", "day"],
        &["earlier", "this", "week"],
        &["earlier", "this", "month"],
        &["earlier", "in", "the", "week"],
        &["this", "week"],
        &["this", "month"],
        &["a", "few", "days", "ago"],
        &["few", "days", "ago"],
        &["some", "days", "ago"],
        &["a", "while", "ago"],
        &["recently"],
    ];
    VAGUE
        .iter()
        .find(|phrase| {
            phrase.len() <= tokens.len()
                && phrase
                    .iter()
                    .zip(tokens)
                    .all(|(word, token)| token.key() == Some(word))
        })
        .map(|phrase| phrase.len())
}

/// `2 days ago`, `three days ago`, `a week ago`, `2 weeks ago`.
fn days_ago(tokens: &[Token], today: NaiveDate) -> Option<Reading> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    let count = match key(0)? {
        "a" | "one" => 1,
        word => small_number(word)?,
    };
    let days = match key(1)? {
        "day" | "days" => count,
        "week" | "weeks" => count * 7,
        _ => return None,
    };
    (key(2)? == "ago").then(|| Reading {
        day: Ok(days_before(today, days)),
        len: 3,
    })
}

fn small_number(word: &str) -> Option<u32> {
    const WORDS: &[&str] = &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    if let Some(at) = WORDS.iter().position(|number| *number == word) {
        return u32::try_from(at + 1).ok();
    }
    (word.len() <= 3 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

/// `Nov 27` and `27 Nov` (`len` words read so far), with a year after them if one is typed;
/// without one, the most recent such day, today included.
fn month_and_day(tokens: &[Token], len: usize, month: u32, day: u32, today: NaiveDate) -> Reading {
    let year = tokens.get(len).and_then(Token::key).and_then(year_named);
    let len = len + usize::from(year.is_some());
    let shown = typed(&tokens[..len]);
    let day = match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => most_recent_date(month, day, today),
    }
    .ok_or(CommandError::ImpossibleDate(shown));
    Reading { day, len }
}

/// `nov`, or `of nov`, at `at`: the month and how many words it took.
fn month_after_of(tokens: &[Token], at: usize) -> Option<(u32, usize)> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    match key(at)? {
        "of" => key(at + 1).and_then(month_named).map(|month| (month, 2)),
        word => month_named(word).map(|month| (month, 1)),
    }
}

/// The latest day on or before `today` that is `day` `month` in some year (Feb 29 looks back
/// to the last leap year); `None` when no year has it.
fn most_recent_date(month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    (today.year() - 8..=today.year())
        .rev()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| *date <= today)
}

/// `the 27th`: the latest 27th on or before today (the 31st looks back to a month that has one).
fn the_nth(day: u32, today: NaiveDate, shown: &str) -> Result<NaiveDate, CommandError> {
    (0..12)
        .filter_map(|back| today.checked_sub_months(Months::new(back)))
        .filter_map(|month| month.with_day(day))
        .find(|date| *date <= today)
        .ok_or_else(|| CommandError::ImpossibleDate(shown.to_string()))
}

/// `11/27`, `27/11`, `11/27/2026`, `27/11/26`. Read the only way it can be when one part is over
/// 12; when both could be the month (and differ), refused naming both readings.
fn numeric_date(word: &str, today: NaiveDate) -> Option<Result<NaiveDate, CommandError>> {
    let parts: Vec<&str> = word.split('/').collect();
    let digits = |part: &str, most: usize| {
        (1..=most).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    let (first, second, year) = match parts.as_slice() {
        [first, second] => (*first, *second, None),
        [first, second, year] if matches!(year.len(), 2 | 4) && digits(year, 4) => {
            let year: i32 = year.parse().ok()?;
            (
                *first,
                *second,
                Some(if year < 100 { 2000 + year } else { year }),
            )
        }
        _ => return None,
    };
    if !digits(first, 2) || !digits(second, 2) {
        return None;
    }
    let (first, second): (u32, u32) = (first.parse().ok()?, second.parse().ok()?);
    let on = |month: u32, day: u32| match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => most_recent_date(month, day, today),
    };
    let impossible = || CommandError::ImpossibleDate(word.to_string());
    Some(match (first <= 12, second <= 12) {
        (true, true) if first != second => {
            let (Some(month_first), Some(day_first)) = (on(first, second), on(second, first))
            else {
                return Some(Err(impossible()));
            };
            Err(CommandError::AmbiguousDate {
                typed: word.to_string(),
                month_first: ShownDay::new(month_first, today),
                day_first: ShownDay::new(day_first, today),
                example: [month_first, day_first]
                    .into_iter()
                    .find(|date| entry_day(*date, today).is_ok())
                    .unwrap_or_else(|| days_before(today, 1)),
            })
        }
        (true, _) => on(first, second).ok_or_else(impossible),
        (false, true) => on(second, first).ok_or_else(impossible),
        (false, false) => Err(impossible()),
    })
}

/// `nov`, `november`, `sept`: a month by its name or its first three letters.
pub(super) fn month_named(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let at = MONTHS
        .iter()
        .position(|month| *month == word || (word.len() == 3 && month.starts_with(word)))
        .or((word == "sept").then_some(8))?;
    u32::try_from(at + 1).ok()
}

/// `27`, `27th`, `1st`: a day of the month as it stands beside a month's name.
fn day_of_month(word: &str) -> Option<u32> {
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .unwrap_or(word);
    (digits.len() <= 2 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// `27th`, `1st`: a day of the month standing without a month, which needs its suffix.
fn ordinal(word: &str) -> Option<u32> {
    ["st", "nd", "rd", "th"]
        .iter()
        .any(|suffix| word.ends_with(suffix))
        .then(|| day_of_month(word))
        .flatten()
}

/// `2026` after a month and day.
fn year_named(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
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
    fn a_month_and_day_in_either_order_is_the_most_recent_such_day() {
        for typed in [
            "nov 27",
            "Nov 27",
            "27 nov",
            "November 27th",
            "27th November",
            "27th of November",
            "Nov. 27,",
            "on nov 27",
        ] {
            assert_eq!(
                start(typed).map(|found| found.map(|(date, _)| date)),
                Ok(Some(today())),
                "{typed}"
            );
        }
        assert_eq!(start("nov 20"), Ok(Some((date(2026, 11, 20), 2))));
        assert_eq!(start("on 27th of nov"), Ok(Some((today(), 4))));
        // Later in the year than today: last year's.
        assert_eq!(start("dec 24"), Ok(Some((date(2025, 12, 24), 2))));
        assert_eq!(start("Nov 28"), Ok(Some((date(2025, 11, 28), 2))));
        assert_eq!(start("sept 3"), Ok(Some((date(2026, 9, 3), 2))));
    }

    #[test]
    fn a_month_and_day_may_carry_its_year() {
        assert_eq!(start("nov 20 2026"), Ok(Some((date(2026, 11, 20), 3))));
        assert_eq!(start("20 November 2025"), Ok(Some((date(2025, 11, 20), 3))));
        assert_eq!(start("dec 24 2026"), Ok(Some((date(2026, 12, 24), 3))));
    }

    #[test]
    fn a_month_and_day_that_no_year_has_is_named() {
        assert_eq!(
            start("nov 31"),
            Err(CommandError::ImpossibleDate("nov 31".into()))
        );
        assert_eq!(
            start("30 feb"),
            Err(CommandError::ImpossibleDate("30 feb".into()))
        );
        assert_eq!(
            start("feb 29 2026"),
            Err(CommandError::ImpossibleDate("feb 29 2026".into()))
        );
        // The most recent 29 February is in the last leap year.
        assert_eq!(start("feb 29"), Ok(Some((date(2024, 2, 29), 2))));
    }

    #[test]
    fn the_nth_is_the_most_recent_day_of_that_number() {
        assert_eq!(start("the 27th"), Ok(Some((today(), 2))));
        assert_eq!(start("on the 27th"), Ok(Some((today(), 3))));
        assert_eq!(start("on the 1st"), Ok(Some((date(2026, 11, 1), 3))));
        assert_eq!(start("the 28th"), Ok(Some((date(2026, 10, 28), 2))));
        assert_eq!(start("the 31st"), Ok(Some((date(2026, 10, 31), 2))));
        assert_eq!(start("on 3rd"), Ok(Some((date(2026, 11, 3), 2))));
        assert_eq!(
            start("the 32nd"),
            Err(CommandError::ImpossibleDate("the 32nd".into()))
        );
        assert_eq!(start("the 27"), Ok(None));
        assert_eq!(start("the deal"), Ok(None));
    }

    #[test]
    fn a_numeric_date_is_read_the_only_way_it_can_be() {
        assert_eq!(start("11/27"), Ok(Some((today(), 1))));
        assert_eq!(start("27/11"), Ok(Some((today(), 1))));
        assert_eq!(start("27/11/2026"), Ok(Some((today(), 1))));
        assert_eq!(start("11/27/26"), Ok(Some((today(), 1))));
        assert_eq!(start("11/11"), Ok(Some((date(2026, 11, 11), 1))));
        assert_eq!(
            start("31/11"),
            Err(CommandError::ImpossibleDate("31/11".into()))
        );
        assert_eq!(
            start("13/13"),
            Err(CommandError::ImpossibleDate("13/13".into()))
        );
        assert_eq!(start("11/270"), Ok(None));
    }

    #[test]
    fn a_numeric_date_that_reads_two_ways_is_refused_naming_both() {
        assert_eq!(
            start("11/5"),
            Err(CommandError::AmbiguousDate {
                typed: "11/5".into(),
                month_first: ShownDay::new(date(2026, 11, 5), today()),
                day_first: ShownDay::new(date(2026, 5, 11), today()),
                example: date(2026, 11, 5),
            })
        );
        let message = start("5/11").expect_err("ambiguous").to_string();
        assert_eq!(
            message,
            "“5/11” could be Mon 11 May or Thu 5 Nov. Write the month as a word, like `/coach 45m @dana pipeline review on Nov 5`."
        );
        // Neither reading can be logged: the example falls back to yesterday.
        let message = start("3/4").expect_err("ambiguous").to_string();
        assert!(message.ends_with("on Nov 26`."), "{message}");
    }

    #[test]
    fn counted_days_back_are_days() {
        assert_eq!(start("2 days ago"), Ok(Some((date(2026, 11, 25), 3))));
        assert_eq!(start("three days ago"), Ok(Some((date(2026, 11, 24), 3))));
        assert_eq!(start("a week ago"), Ok(Some((date(2026, 11, 20), 3))));
        assert_eq!(
            start("the day before yesterday"),
            Ok(Some((date(2026, 11, 25), 4)))
        );
        assert_eq!(start("this morning"), Ok(Some((today(), 2))));
        assert_eq!(start("2 days"), Ok(None));
    }

    #[test]
    fn words_that_name_no_day_are_refused_where_a_day_is_read() {
        for typed in [
            "last week",
            "last month",
            "the other day",
            "earlier this week",
            "a few days ago",
            "on last week",
        ] {
            let phrase = typed.trim_start_matches("on ");
            assert_eq!(
                start(typed),
                Err(CommandError::VagueDay(phrase.into())),
                "{typed}"
            );
            assert_eq!(
                end(&format!("pipeline review {typed}")),
                Err(CommandError::VagueDay(phrase.into())),
                "{typed}"
            );
        }
        // Not at the end, they are words of the note.
        assert_eq!(end("last week's numbers"), Ok(None));
        assert_eq!(end("recap of last week call"), Ok(None));
    }

    #[test]
    fn a_doubtful_day_in_the_middle_is_not_an_error_at_the_end() {
        assert_eq!(end("2026-02-30 review"), Ok(None));
        assert_eq!(end("11/5 deck"), Ok(None));
        assert_eq!(end("pipeline on nov 20"), Ok(Some((date(2026, 11, 20), 3))));
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
