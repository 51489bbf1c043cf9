//! `team`, `team add @a @b`, `team remove @a`: showing and changing who the manager coaches.

use crate::domain::SlackUserId;

use super::error::{CommandError, MentionContext};
use super::token::{self, Token};
use super::TeamChange;

/// The words after `team`.
pub(super) fn parse(tokens: &[Token]) -> Result<TeamChange, CommandError> {
    let Some((action, rest)) = tokens.split_first() else {
        return Ok(TeamChange::Show);
    };
    match action.key() {
        Some("show" | "list") => match rest.first() {
            None => Ok(TeamChange::Show),
            Some(extra) => Err(CommandError::UnknownWord(extra.shown().to_string())),
        },
        Some("add") => reps(
            rest,
            MentionContext::TeamAdd,
            CommandError::TeamAddWithoutMention,
        )
        .map(TeamChange::Add),
        Some("remove" | "rm" | "delete" | "del") => reps(
            rest,
            MentionContext::TeamRemove,
            CommandError::TeamRemoveWithoutMention,
        )
        .map(TeamChange::Remove),
        _ => Err(CommandError::UnknownWord(action.shown().to_string())),
    }
}

/// Mentions, optionally separated by `,` or `and`; nothing else.
fn reps(
    tokens: &[Token],
    context: MentionContext,
    without_mention: CommandError,
) -> Result<Vec<SlackUserId>, CommandError> {
    token::refuse_unusable_mentions(tokens, context)?;
    let reps = token::unique_reps(tokens);
    if reps.is_empty() {
        return Err(without_mention);
    }
    match tokens
        .iter()
        .find(|token| !token.is_mention() && !token.is_connector())
    {
        Some(stray) => Err(CommandError::UnknownWord(stray.shown().to_string())),
        None => Ok(reps),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{dana, sam, DANA, SAM};
    use super::super::token::tokens;
    use super::*;

    fn team(text: &str) -> Result<TeamChange, CommandError> {
        parse(&tokens(text))
    }

    #[test]
    fn team_alone_shows_the_team() {
        assert_eq!(team(""), Ok(TeamChange::Show));
        assert_eq!(team("show"), Ok(TeamChange::Show));
        assert_eq!(team("List"), Ok(TeamChange::Show));
    }

    #[test]
    fn team_add_takes_every_mention_in_order() {
        assert_eq!(
            team(&format!("add {SAM} {DANA}")),
            Ok(TeamChange::Add(vec![sam(), dana()]))
        );
    }

    #[test]
    fn team_add_accepts_commas_and_and_and_ignores_repeats() {
        assert_eq!(
            team(&format!("ADD {DANA}, {SAM} and {DANA}")),
            Ok(TeamChange::Add(vec![dana(), sam()]))
        );
    }

    #[test]
    fn team_remove_and_rm_take_mentions() {
        assert_eq!(
            team(&format!("remove {DANA}")),
            Ok(TeamChange::Remove(vec![dana()]))
        );
        assert_eq!(
            team(&format!("rm {DANA} {SAM}")),
            Ok(TeamChange::Remove(vec![dana(), sam()]))
        );
    }

    #[test]
    fn team_add_without_a_mention_asks_who() {
        assert_eq!(team("add"), Err(CommandError::TeamAddWithoutMention));
        assert_eq!(team("add dana"), Err(CommandError::TeamAddWithoutMention));
    }

    #[test]
    fn team_remove_without_a_mention_asks_who() {
        assert_eq!(team("remove"), Err(CommandError::TeamRemoveWithoutMention));
        assert_eq!(team("rm"), Err(CommandError::TeamRemoveWithoutMention));
    }

    #[test]
    fn team_add_with_plain_at_name_explains_autocomplete() {
        assert_eq!(
            team(&format!("add {DANA} @sam")),
            Err(CommandError::PlainAtName {
                name: "@sam".into(),
                context: MentionContext::TeamAdd
            })
        );
    }

    #[test]
    fn team_remove_with_a_group_asks_for_each_rep() {
        assert_eq!(
            team("remove <!subteam^S0SALES1|@sales>"),
            Err(CommandError::GroupMention {
                group: "@sales".into(),
                context: MentionContext::TeamRemove
            })
        );
    }

    #[test]
    fn team_with_a_stray_word_names_it() {
        assert_eq!(
            team(&format!("add {DANA} please")),
            Err(CommandError::UnknownWord("please".into()))
        );
        assert_eq!(
            team("invite"),
            Err(CommandError::UnknownWord("invite".into()))
        );
        assert_eq!(
            team("show all"),
            Err(CommandError::UnknownWord("all".into()))
        );
    }
}
