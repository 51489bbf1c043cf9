//! Lengths of time as managers type them: `45m`, `1h30`, `1.5 hours`, `1h 30m`, `1:30`, `90`,
//! and in words: `an hour`, `half an hour`, `an hour and a half`, `forty-five minutes`.

use super::token::Token;

/// A length of time found in the text, rounded to whole minutes but not yet range-checked.
#[derive(Debug)]
pub(super) struct Spoken {
    pub(super) minutes: u64,
    pub(super) shape: Shape,
    /// How many tokens it spans.
    pub(super) len: usize,
    /// Why it cannot be logged as typed, though it is plainly meant as the length.
    pub(super) flaw: Option<Flaw>,
}

/// A length written so that storing any one number would store something else than was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flaw {
    /// `-30m`, `+1h`, `1h-`: coaching time is never negative, and a sign is a slip.
    Signed,
    /// `30-45m`: two lengths, and an entry holds one.
    Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `90`: only a duration where nothing else could be meant.
    Bare,
    /// `1:30`
    Clock,
    /// `45m`, `1.5 hours`: unmistakably a duration wherever it stands.
    WithUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hours,
    Minutes,
}

impl Unit {
    fn named(word: &str) -> Option<Unit> {
        match word {
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(Unit::Hours),
            "m" | "min" | "mins" | "minute" | "minutes" => Some(Unit::Minutes),
            _ => None,
        }
    }

    fn minutes(self, amount: f64) -> f64 {
        match self {
            Unit::Hours => amount * 60.0,
            Unit::Minutes => amount,
        }
    }
}

/// A duration starting at the first token. `bare` says whether a lone number counts.
pub(super) fn at_start(tokens: &[Token], bare: bool) -> Option<Spoken> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    let first = key(0)?;
    if let Some(len) = range(first, key(1), bare) {
        return Some(Spoken {
            minutes: 0,
            shape: Shape::WithUnit,
            len,
            flaw: Some(Flaw::Range),
        });
    }
    let (mut minutes, mut len, shape, only) = match amount_and_unit(tokens) {
        Some(spelled) => (spelled.minutes, spelled.len, Shape::WithUnit, spelled.only),
        None => {
            let compact = compact(first)?;
            (compact.minutes, 1, compact.shape, compact.only)
        }
    };
    if shape == Shape::Bare && !bare {
        return None;
    }
    // `1h 30m`, `1 hour and 30 minutes`: the minutes part is a separate word or two.
    if only == Some(Unit::Hours) {
        let and = usize::from(key(len) == Some("and"));
        if let Some((extra, extra_len)) = minutes_part(&tokens[len + and..]) {
            minutes += extra;
            len += and + extra_len;
        }
    }
    let signed = tokens[..len].iter().any(Token::has_glued_sign);
    Some(Spoken {
        minutes: round(minutes),
        shape,
        len,
        flaw: signed.then_some(Flaw::Signed),
    })
}

/// `30-45m`, `1-2h`, `30–45 minutes` (and, where a bare number is a length, `30-45`): how many
/// tokens a range of lengths takes. `1-1` is a one-on-one, not a range.
fn range(first: &str, next: Option<&str>, bare: bool) -> Option<usize> {
    let (low, high) = first.split_once(['-', '–', '—', '~'])?;
    let plain = |part: &str| number(part).is_some();
    let low_is_length = plain(low) || compact(low).is_some_and(|low| low.shape == Shape::WithUnit);
    if !low_is_length || first == "1-1" {
        return None;
    }
    if compact(high).is_some_and(|high| high.shape == Shape::WithUnit) {
        return Some(1);
    }
    if plain(high) && next.and_then(Unit::named).is_some() {
        return Some(2);
    }
    (bare && plain(low) && plain(high)).then_some(1)
}

/// A duration with a unit that ends exactly at the last token, as in `pipeline review 45m`.
pub(super) fn at_end(tokens: &[Token]) -> Option<Spoken> {
    let end = tokens.len();
    // The longest spelled-out forms, like `two hours and forty five minutes`, are six or
    // seven words; starting from the earliest candidate finds the longest reading.
    (end.saturating_sub(LONGEST_IN_WORDS)..end).find_map(|start| {
        at_start(&tokens[start..], false)
            .filter(|spoken| spoken.shape == Shape::WithUnit && spoken.len == end - start)
    })
}

/// The most words a duration can take, as in `two hours and forty five minutes`.
const LONGEST_IN_WORDS: usize = 7;

fn minutes_part(tokens: &[Token]) -> Option<(f64, usize)> {
    if let Some(spelled) = amount_and_unit(tokens).filter(|s| s.only == Some(Unit::Minutes)) {
        return Some((spelled.minutes, spelled.len));
    }
    let compact = compact(tokens.first().and_then(Token::key)?)?;
    (compact.only == Some(Unit::Minutes)).then_some((compact.minutes, 1))
}

/// A duration of separate words: an amount, then a unit.
struct Spelled {
    minutes: f64,
    len: usize,
    /// The unit when the phrase was a single amount of it, so that `1 hour` may go on with
    /// `30 minutes`; `None` after `and a half`.
    only: Option<Unit>,
}

/// `45 minutes`, `1.5 hours`, `an hour`, `forty-five minutes`, `one and a half hours`,
/// `an hour and a half`, `half an hour`, `a quarter of an hour`, `three quarters of an hour`.
fn amount_and_unit(tokens: &[Token]) -> Option<Spelled> {
    let keys: Vec<&str> = tokens
        .iter()
        .take(LONGEST_IN_WORDS)
        .map_while(Token::key)
        .collect();
    let key = |at: usize| keys.get(at).copied();
    if let Some(spelled) = part_of_an_hour(&keys) {
        return Some(spelled);
    }
    let (amount, mut len) = amount(&keys)?;
    let (half, half_len) = and_a_half(&keys[len..]);
    len += half_len;
    let unit = key(len).and_then(Unit::named)?;
    len += 1;
    let mut minutes = unit.minutes(amount + half);
    let mut only = (half_len == 0).then_some(unit);
    // `an hour and a half`
    if unit == Unit::Hours && half_len == 0 {
        let (half, half_len) = and_a_half(&keys[len..]);
        if half_len > 0 {
            minutes += unit.minutes(half);
            len += half_len;
            only = None;
        }
    }
    Some(Spelled { minutes, len, only })
}

/// `half an hour`, `a half hour`, `half-hour`, `a quarter of an hour`, `quarter hour`,
/// `three quarters of an hour`.
fn part_of_an_hour(keys: &[&str]) -> Option<Spelled> {
    let key = |at: usize| keys.get(at).copied();
    let mut at = 0;
    let (count, fraction) = match key(0)? {
        "half-hour" => {
            return Some(Spelled {
                minutes: 30.0,
                len: 1,
                only: None,
            })
        }
        "quarter-hour" => {
            return Some(Spelled {
                minutes: 15.0,
                len: 1,
                only: None,
            })
        }
        "a" | "an" | "one" => {
            at = 1;
            (1.0, key(1)?)
        }
        word => match number(word).or_else(|| number_word(word)) {
            Some(count) if matches!(key(1), Some("quarters" | "halves")) => {
                at = 1;
                (count, key(1)?)
            }
            _ => (1.0, word),
        },
    };
    let part = match fraction {
        "half" | "halves" => 30.0,
        "quarter" | "quarters" => 15.0,
        _ => return None,
    };
    at += 1;
    if key(at) == Some("of") {
        at += 1;
    }
    if matches!(key(at), Some("a" | "an" | "one")) {
        at += 1;
    }
    (key(at).and_then(Unit::named) == Some(Unit::Hours)).then_some(Spelled {
        minutes: count * part,
        len: at + 1,
        only: None,
    })
}

/// `and a half`, `and half`: half a unit more; `(0.0, 0)` when not there.
fn and_a_half(keys: &[&str]) -> (f64, usize) {
    match keys {
        ["and", "a", "half", ..] => (0.5, 3),
        ["and", "half", ..] => (0.5, 2),
        _ => (0.0, 0),
    }
}

/// An amount in digits or words, and how many words it took: `45`, `1.5`, `an`, `forty five`,
/// `forty-five`.
fn amount(keys: &[&str]) -> Option<(f64, usize)> {
    let first = *keys.first()?;
    if let Some(amount) = number(first) {
        return Some((amount, 1));
    }
    if matches!(first, "a" | "an") {
        return Some((1.0, 1));
    }
    if let Some((tens, ones)) = first.split_once('-') {
        return Some((tens_word(tens)? + ones_word(ones)?, 1));
    }
    if let Some(tens) = tens_word(first) {
        return Some(match keys.get(1).and_then(|next| ones_word(next)) {
            Some(ones) => (tens + ones, 2),
            None => (tens, 1),
        });
    }
    number_word(first).map(|amount| (amount, 1))
}

/// `one` to `nineteen`, and the tens.
fn number_word(word: &str) -> Option<f64> {
    ones_word(word).or_else(|| tens_word(word)).or_else(|| {
        let teens = [
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        teens
            .iter()
            .position(|teen| *teen == word)
            .map(|at| 10.0 + at as f64)
    })
}

fn ones_word(word: &str) -> Option<f64> {
    let ones = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    ones.iter()
        .position(|one| *one == word)
        .map(|at| 1.0 + at as f64)
}

fn tens_word(word: &str) -> Option<f64> {
    let tens = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    tens.iter()
        .position(|ten| *ten == word)
        .map(|at| 20.0 + 10.0 * at as f64)
}

struct Compact {
    minutes: f64,
    shape: Shape,
    /// The unit of a word that is a single amount, like `45m` or `1.5h`, but not `1h30m`.
    only: Option<Unit>,
}

/// One word holding a whole duration: `90`, `1:30`, `45min`, `1.5h`, `1h30m`, `1h30`.
fn compact(word: &str) -> Option<Compact> {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Compact {
            minutes: number(word)?,
            shape: Shape::Bare,
            only: None,
        });
    }
    if let Some((hours, minutes)) = word.split_once(':') {
        let whole = |part: &str| part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty();
        // Two-digit minutes, so that `1:1` (a one-on-one) is not read as a time.
        if !whole(hours) || !whole(minutes) || minutes.len() != 2 {
            return None;
        }
        let (hours, minutes) = (number(hours)?, number(minutes)?);
        return (minutes < 60.0).then_some(Compact {
            minutes: hours * 60.0 + minutes,
            shape: Shape::Clock,
            only: None,
        });
    }
    let parts = unit_parts(word)?;
    let (minutes, only) = match parts.as_slice() {
        [(amount, Some(unit))] => (unit.minutes(*amount), Some(*unit)),
        [(hours, Some(Unit::Hours)), (minutes, Some(Unit::Minutes) | None)] => {
            (hours * 60.0 + minutes, None)
        }
        _ => return None,
    };
    Some(Compact {
        minutes,
        shape: Shape::WithUnit,
        only,
    })
}

/// `1h30m` → `[(1, hours), (30, minutes)]`; a trailing number without a unit (`1h30`) has none.
fn unit_parts(word: &str) -> Option<Vec<(f64, Option<Unit>)>> {
    let mut parts = Vec::new();
    let mut rest = word;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        let amount = number(&rest[..number_end])?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_end] {
            "" if rest.is_empty() => None,
            name => Some(Unit::named(name)?),
        };
        // Only the last part may go without a unit, and only as whole minutes.
        if unit.is_none() && (parts.is_empty() || amount.fract() != 0.0) {
            return None;
        }
        parts.push((amount, unit));
        rest = &rest[unit_end..];
    }
    Some(parts)
}

/// `45`, `1.5`, `1,5` (a decimal comma).
fn number(word: &str) -> Option<f64> {
    let (whole, fraction) = match word.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (word, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    // `.5` has no whole part, but a point alone is no number.
    let whole_ok = digits(whole) || (whole.is_empty() && fraction.is_some());
    if !whole_ok || !fraction.is_none_or(digits) {
        return None;
    }
    format!("0{whole}.{}", fraction.unwrap_or("0")).parse().ok()
}

/// To the nearest minute, halves up; absurdly large values saturate and are refused later.
fn round(minutes: f64) -> u64 {
    minutes.round() as u64
}

#[cfg(test)]
mod tests {
    use super::super::token::tokens;
    use super::*;

    fn start(text: &str) -> Option<(u64, Shape, usize)> {
        at_start(&tokens(text), true).map(|spoken| (spoken.minutes, spoken.shape, spoken.len))
    }

    fn end(text: &str) -> Option<(u64, usize)> {
        at_end(&tokens(text)).map(|spoken| (spoken.minutes, spoken.len))
    }

    #[test]
    fn every_listed_form_is_read_with_its_length_in_words() {
        let forms = [
            ("45m", 45, 1),
            ("45min", 45, 1),
            ("45mins", 45, 1),
            ("45 minutes", 45, 2),
            ("45 min", 45, 2),
            ("1h", 60, 1),
            ("1hr", 60, 1),
            ("2hrs", 120, 1),
            ("1 hour", 60, 2),
            ("2 hours", 120, 2),
            ("1.5h", 90, 1),
            ("1,5h", 90, 1),
            ("1.5 hours", 90, 2),
            ("1h30m", 90, 1),
            ("1h30min", 90, 1),
            ("1h30", 90, 1),
            ("1h 30m", 90, 2),
            ("1 hour 30 minutes", 90, 4),
            ("1 hour and 30 minutes", 90, 5),
            ("1h 30 min", 90, 3),
            ("1 hour 30m", 90, 3),
        ];
        for (typed, minutes, len) in forms {
            assert_eq!(
                start(&format!("{typed} pipeline")),
                Some((minutes, Shape::WithUnit, len)),
                "{typed}"
            );
        }
    }

    #[test]
    fn durations_in_words_are_read_with_their_length_in_words() {
        let forms = [
            ("an hour", 60, 2),
            ("a hour", 60, 2),
            ("one hour", 60, 2),
            ("two hours", 120, 2),
            ("1 hr", 60, 2),
            ("2 hrs", 120, 2),
            ("90 mins", 90, 2),
            ("half an hour", 30, 3),
            ("half a hour", 30, 3),
            ("a half hour", 30, 3),
            ("half hour", 30, 2),
            ("half-hour", 30, 1),
            ("an hour and a half", 90, 5),
            ("an hour and half", 90, 4),
            ("one and a half hours", 90, 5),
            ("1 and a half hours", 90, 5),
            ("two and a half hours", 150, 5),
            ("quarter of an hour", 15, 4),
            ("a quarter of an hour", 15, 5),
            ("a quarter hour", 15, 3),
            ("quarter-hour", 15, 1),
            ("three quarters of an hour", 45, 5),
            ("forty-five minutes", 45, 2),
            ("forty five minutes", 45, 3),
            ("thirty minutes", 30, 2),
            ("fifteen mins", 15, 2),
            ("an hour and 15 minutes", 75, 5),
            ("an hour 15 minutes", 75, 4),
            ("two hours and forty five minutes", 165, 6),
        ];
        for (typed, minutes, len) in forms {
            assert_eq!(
                start(&format!("{typed} pipeline")),
                Some((minutes, Shape::WithUnit, len)),
                "{typed}"
            );
        }
    }

    #[test]
    fn words_that_are_not_durations_are_left_alone() {
        for typed in [
            "a deal",
            "an opportunity",
            "half the pipeline",
            "a quarter of the deals",
            "forty deals",
            "one on one",
            "and a half",
        ] {
            assert_eq!(start(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_duration_in_words_ending_the_text_is_found_whole() {
        assert_eq!(end("objection handling an hour and a half"), Some((90, 5)));
        assert_eq!(end("pipeline review half an hour"), Some((30, 3)));
        assert_eq!(
            end("pipeline two hours and forty five minutes"),
            Some((165, 6))
        );
    }

    fn flaw(text: &str) -> Option<Flaw> {
        at_start(&tokens(text), true).and_then(|spoken| spoken.flaw)
    }

    #[test]
    fn a_sign_glued_to_a_length_is_a_flaw() {
        for typed in [
            "-30m",
            "+1h",
            "1h-",
            "–30m",
            "—45 minutes",
            "-1:30",
            "-90",
            "2+ hours",
        ] {
            assert_eq!(flaw(typed), Some(Flaw::Signed), "{typed}");
        }
        assert_eq!(flaw("30m"), None);
        assert_eq!(start("- 30m"), None);
    }

    #[test]
    fn a_range_of_lengths_is_a_flaw_spanning_the_whole_range() {
        for (typed, len) in [
            ("30-45m", 1),
            ("1-2h", 1),
            ("30–45 minutes", 2),
            ("1h-1h30m", 1),
            ("30-45", 1),
        ] {
            let spoken = at_start(&tokens(typed), true).expect(typed);
            assert_eq!(
                (spoken.flaw, spoken.len),
                (Some(Flaw::Range), len),
                "{typed}"
            );
        }
        assert!(at_start(&tokens("30-45"), false).is_none());
        assert!(at_start(&tokens("1-1"), true).is_none());
        assert_eq!(end("pipeline 30-45 min").map(|(_, len)| len), Some(2));
    }

    #[test]
    fn a_clock_time_is_hours_and_minutes() {
        assert_eq!(start("1:30"), Some((90, Shape::Clock, 1)));
        assert_eq!(start("0:45"), Some((45, Shape::Clock, 1)));
    }

    #[test]
    fn a_bare_number_is_minutes_only_where_allowed() {
        assert_eq!(start("90"), Some((90, Shape::Bare, 1)));
        assert!(at_start(&tokens("90"), false).is_none());
    }

    #[test]
    fn fractions_round_to_the_nearest_minute_halves_up() {
        assert_eq!(start("0.5m"), Some((1, Shape::WithUnit, 1)));
        assert_eq!(start("0.49m"), Some((0, Shape::WithUnit, 1)));
        assert_eq!(start("1.01h"), Some((61, Shape::WithUnit, 1)));
        assert_eq!(start("0.25 hours"), Some((15, Shape::WithUnit, 2)));
        assert_eq!(start(".5h"), Some((30, Shape::WithUnit, 1)));
    }

    #[test]
    fn huge_numbers_saturate_instead_of_wrapping() {
        assert_eq!(
            start("99999999999999999999999h"),
            Some((u64::MAX, Shape::WithUnit, 1))
        );
    }

    #[test]
    fn a_bare_hours_part_does_not_swallow_a_following_number() {
        assert_eq!(start("1h 3 deals"), Some((60, Shape::WithUnit, 1)));
        assert_eq!(start("1h and more"), Some((60, Shape::WithUnit, 1)));
    }

    #[test]
    fn things_that_only_look_like_durations_are_not() {
        for typed in [
            "1:1",
            "1:75",
            "1:3",
            "1.5",
            ".",
            ".h",
            "1.h",
            "30m1h",
            "1h30m15",
            "1h-30",
            "5x",
            "h",
            "",
            "2026-11-20",
            "q4",
        ] {
            assert_eq!(start(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_duration_ending_the_text_is_found_whole() {
        assert_eq!(end("pipeline review 45m"), Some((45, 1)));
        assert_eq!(end("pipeline review 1h 30m"), Some((90, 2)));
        assert_eq!(end("pipeline review 1 hour and 30 minutes"), Some((90, 5)));
        assert_eq!(end("reviewed 2 deals 30 minutes"), Some((30, 2)));
    }

    #[test]
    fn a_duration_ending_the_text_needs_a_unit() {
        assert_eq!(end("reviewed deals 3"), None);
        assert_eq!(end("call at 1:30"), None);
        assert_eq!(end("45m pipeline"), None);
        assert_eq!(end(""), None);
    }
}
