//! Lengths of time as managers type them: `45m`, `1h30`, `1.5 hours`, `1h 30m`, `1:30`, `90`.

use super::token::Token;

/// A length of time found in the text, rounded to whole minutes but not yet range-checked.
#[derive(Debug, Clone, PartialEq)]
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
    let (mut minutes, mut len, shape, hours_only) =
        match (number(first), key(1).and_then(Unit::named)) {
            (Some(amount), Some(unit)) => (
                unit.minutes(amount),
                2,
                Shape::WithUnit,
                unit == Unit::Hours,
            ),
            _ => {
                let compact = compact(first)?;
                (compact.minutes, 1, compact.shape, compact.hours_only)
            }
        };
    if shape == Shape::Bare && !bare {
        return None;
    }
    // `1h 30m`, `1 hour and 30 minutes`: the minutes part is a separate word or two.
    if hours_only {
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
    (compact.shape == Shape::WithUnit && compact.minutes_only).then_some((compact.minutes, 1))
}

struct Compact {
    minutes: f64,
    shape: Shape,
    hours_only: bool,
    minutes_only: bool,
}

/// One word holding a whole duration: `90`, `1:30`, `45min`, `1.5h`, `1h30m`, `1h30`.
fn compact(word: &str) -> Option<Compact> {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Compact {
            minutes: number(word)?,
            shape: Shape::Bare,
            hours_only: false,
            minutes_only: false,
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
            hours_only: false,
            minutes_only: false,
        });
    }
    let parts = unit_parts(word)?;
    let (minutes, hours_only, minutes_only) = match parts.as_slice() {
        [(amount, Some(unit))] => (
            unit.minutes(*amount),
            *unit == Unit::Hours,
            *unit == Unit::Minutes,
        ),
        [(hours, Some(Unit::Hours)), (minutes, Some(Unit::Minutes) | None)] => {
            (hours * 60.0 + minutes, false, false)
        }
        _ => return None,
    };
    Some(Compact {
        minutes,
        shape: Shape::WithUnit,
        hours_only,
        minutes_only,
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
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    format!("{whole}.{}", fraction.unwrap_or("0")).parse().ok()
}

/// To the nearest minute, halves up; absurdly large values saturate and are refused later.
fn round(minutes: f64) -> u64 {
    minutes.round() as u64
}
