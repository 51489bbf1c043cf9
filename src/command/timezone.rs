//! `tz Europe/Berlin`, `tz`, `tz reset`: the manager's own time zone override.

use chrono_tz::{Tz, TZ_VARIANTS};

use super::error::CommandError;
use super::token::Token;
use super::TimeZoneChange;

/// The words after `tz`. Zone names match whatever their case; words typed with a space
/// instead of an underscore (`America/New York`) are joined back.
pub(super) fn parse(tokens: &[Token]) -> Result<TimeZoneChange, CommandError> {
    let keys: Vec<&str> = tokens.iter().map(|token| token.key().unwrap_or("")).collect();
    match keys.as_slice() {
        [] => Ok(TimeZoneChange::Show),
        ["reset" | "auto"] => Ok(TimeZoneChange::Reset),
        keys => zone_named(&keys.join("_"))
            .map(TimeZoneChange::Set)
            .ok_or_else(|| {
                let typed: Vec<&str> = tokens.iter().map(Token::shown).collect();
                CommandError::UnknownTimeZone(typed.join(" "))
            }),
    }
}

fn zone_named(name: &str) -> Option<Tz> {
    TZ_VARIANTS
        .iter()
        .copied()
        .find(|zone| zone.name().eq_ignore_ascii_case(name))
}
