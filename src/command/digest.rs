//! `digest #team-sales`, `digest off`, `digest`: where the team's digest goes.

use super::error::CommandError;
use super::token::Token;
use super::DigestChange;

/// The words after `digest`. Slack sends a channel picked from its list as
/// `<#C123|team-sales>`; a `#name` typed without picking it is plain text.
pub(super) fn parse(tokens: &[Token]) -> Result<DigestChange, CommandError> {
    match tokens {
        [] => Ok(DigestChange::Show),
        [only] if matches!(only.key(), Some("off" | "none" | "stop")) => Ok(DigestChange::Off),
        [Token::Channel { channel, .. }] => Ok(DigestChange::Set(channel.clone())),
        tokens => {
            let typed: Vec<&str> = tokens.iter().map(Token::shown).collect();
            Err(CommandError::BadDigestChannel(typed.join(" ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::token::tokens;
    use super::*;
    use crate::domain::SlackChannelId;

    fn digest(text: &str) -> Result<DigestChange, CommandError> {
        parse(&tokens(text))
    }

    #[test]
    fn a_channel_picked_from_slacks_list_is_where_the_digest_goes() {
        let sales = SlackChannelId::parse("C0SALES").expect("channel");
        assert_eq!(
            digest("<#C0SALES|team-sales>"),
            Ok(DigestChange::Set(sales.clone()))
        );
        assert_eq!(digest("<#C0SALES>"), Ok(DigestChange::Set(sales)));
    }

    #[test]
    fn off_stops_it_and_nothing_shows_it() {
        assert_eq!(digest("off"), Ok(DigestChange::Off));
        assert_eq!(digest("OFF"), Ok(DigestChange::Off));
        assert_eq!(digest(""), Ok(DigestChange::Show));
    }

    #[test]
    fn a_channel_name_typed_as_text_or_two_channels_are_refused_with_the_fix() {
        for text in ["#team-sales", "<#C0A|a> <#C0B|b>", "team sales"] {
            let error = digest(text).expect_err(text);
            assert!(matches!(error, CommandError::BadDigestChannel(_)), "{text}");
            assert!(
                error.to_string().contains("`/coach digest #team-sales`"),
                "{error}"
            );
        }
    }
}
