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
