//! Lengths of time as managers type them: `45m`, `1h30`, `1.5 hours`, `1h 30m`, `1:30`, `90`.

use super::token::Token;

/// A length of time found in the text, rounded to whole minutes but not yet range-checked.
#[derive(Debug)]
pub(super) struct Spoken {
    pub(super) minutes: u64,
    pub(super) shape: Shape,
    /// How many tokens it spans.
    pub(super) len: usize,
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
    let (mut minutes, mut len, shape, only) = match (number(first), key(1).and_then(Unit::named)) {
        (Some(amount), Some(unit)) => (unit.minutes(amount), 2, Shape::WithUnit, Some(unit)),
        _ => {
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
    Some(Spoken {
        minutes: round(minutes),
        shape,
        len,
    })
}

/// A duration with a unit that ends exactly at the last token, as in `pipeline review 45m`.
pub(super) fn at_end(tokens: &[Token]) -> Option<Spoken> {
    let end = tokens.len();
    // The longest spelled-out form, `1 hour and 30 minutes`, is five words; starting
    // from the earliest candidate finds the longest reading.
    (end.saturating_sub(5)..end).find_map(|start| {
        at_start(&tokens[start..], false)
            .filter(|spoken| spoken.shape == Shape::WithUnit && spoken.len == end - start)
    })
}

fn minutes_part(tokens: &[Token]) -> Option<(f64, usize)> {
    let key = |at: usize| tokens.get(at).and_then(Token::key);
    let first = key(0)?;
    if let (Some(amount), Some(Unit::Minutes)) = (number(first), key(1).and_then(Unit::named)) {
        return Some((amount, 2));
    }
    let compact = compact(first)?;
    (compact.only == Some(Unit::Minutes)).then_some((compact.minutes, 1))
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
