//! `tz Europe/Berlin`, `tz`, `tz reset`: the manager's own time zone override.

use chrono_tz::{Tz, TZ_VARIANTS};

use super::error::CommandError;
use super::token::Token;
use super::TimeZoneChange;

/// The words after `tz`. Zone names match whatever their case; words typed with a space
/// instead of an underscore (`America/New York`) are joined back.
pub(super) fn parse(tokens: &[Token]) -> Result<TimeZoneChange, CommandError> {
    let keys: Vec<&str> = tokens
        .iter()
        .map(|token| token.key().unwrap_or(""))
        .collect();
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

#[cfg(test)]
mod tests {
    use super::super::token::tokens;
    use super::*;

    fn tz(text: &str) -> Result<TimeZoneChange, CommandError> {
        parse(&tokens(text))
    }

    #[test]
    fn tz_alone_shows_the_time_zone() {
        assert_eq!(tz(""), Ok(TimeZoneChange::Show));
    }

    #[test]
    fn tz_sets_an_iana_zone_whatever_its_case() {
        assert_eq!(
            tz("Europe/Berlin"),
            Ok(TimeZoneChange::Set(Tz::Europe__Berlin))
        );
        assert_eq!(
            tz("europe/berlin"),
            Ok(TimeZoneChange::Set(Tz::Europe__Berlin))
        );
        assert_eq!(tz("UTC"), Ok(TimeZoneChange::Set(Tz::UTC)));
        assert_eq!(tz("etc/gmt+5"), Ok(TimeZoneChange::Set(Tz::Etc__GMTPlus5)));
    }

    #[test]
    fn tz_joins_a_name_typed_with_spaces() {
        assert_eq!(
            tz("America/New York"),
            Ok(TimeZoneChange::Set(Tz::America__New_York))
        );
    }

    #[test]
    fn tz_reset_and_auto_go_back_to_slack() {
        assert_eq!(tz("reset"), Ok(TimeZoneChange::Reset));
        assert_eq!(tz("Auto"), Ok(TimeZoneChange::Reset));
    }

    #[test]
    fn tz_unknown_names_the_zone() {
        assert_eq!(
            tz("Mars/Olympus"),
            Err(CommandError::UnknownTimeZone("Mars/Olympus".into()))
        );
        assert_eq!(
            tz("Berlin time"),
            Err(CommandError::UnknownTimeZone("Berlin time".into()))
        );
    }
}
