//! `team`, `team add @a @b`, `team add @a since 2026-11-02`, `team remove @a`,
//! `team remove @a on friday`: showing and changing who the manager coaches,
//! and since when.

use chrono::NaiveDate;

use crate::domain::{entry_day, DayOutOfRange, ShownDay, SlackUserId};

use super::error::{CommandError, MentionContext};
use super::token::{self, Token};
use super::when;
use super::TeamChange;

/// The words after `team`.
pub(super) fn parse(tokens: &[Token], today: NaiveDate) -> Result<TeamChange, CommandError> {
    let Some((action, rest)) = tokens.split_first() else {
        return Ok(TeamChange::Show);
    };
    match action.key() {
        Some("show" | "list") => match rest.first() {
            None => Ok(TeamChange::Show),
            Some(extra) => Err(CommandError::UnknownWord(extra.shown().to_string())),
        },
        Some("add") => add(rest, today),
        Some("remove" | "rm" | "delete" | "del") => remove(rest, today),
        _ => Err(CommandError::UnknownWord(action.shown().to_string())),
    }
}

/// `@a @b`, then optionally `since DAY` (or `from DAY`): the day they joined.
fn add(tokens: &[Token], today: NaiveDate) -> Result<TeamChange, CommandError> {
    let (who, since) = split_at(tokens, &["since", "from"]);
    let reps = reps(
        who,
        MentionContext::TeamAdd,
        CommandError::TeamAddWithoutMention,
    )?;
    let since = since.map(|words| join_day(words, today)).transpose()?;
    Ok(TeamChange::Add { reps, since })
}

/// `@a @b`, then optionally `on DAY`: the day they left, named as a log
/// names its day (today or up to 62 days back).
fn remove(tokens: &[Token], today: NaiveDate) -> Result<TeamChange, CommandError> {
    let (who, on) = split_at(tokens, &["on"]);
    let reps = reps(
        who,
        MentionContext::TeamRemove,
        CommandError::TeamRemoveWithoutMention,
    )?;
    let on = on.map(|words| leave_day(words, today)).transpose()?;
    Ok(TeamChange::Remove { reps, on })
}

/// The words before the first of `words`, and those after it when it is
/// there.
fn split_at<'t>(tokens: &'t [Token], words: &[&str]) -> (&'t [Token], Option<&'t [Token]>) {
    let at = tokens
        .iter()
        .position(|token| token.key().is_some_and(|key| words.contains(&key)));
    match at {
        Some(at) => (&tokens[..at], Some(&tokens[at + 1..])),
        None => (tokens, None),
    }
}

/// A day named by all of `tokens`, in the forms a log's day takes;
/// `unreadable` is the error for words that name no day.
fn whole_day(
    tokens: &[Token],
    today: NaiveDate,
    unreadable: fn(String) -> CommandError,
) -> Result<NaiveDate, CommandError> {
    match when::at_start(tokens, today)? {
        Some(spoken) if spoken.len == tokens.len() => Ok(spoken.date),
        _ => {
            let typed: Vec<&str> = tokens.iter().map(Token::shown).collect();
            Err(unreadable(typed.join(" ")))
        }
    }
}

/// The day after `on` in `team remove`: like a log's day, today or up to
/// 62 days back.
fn leave_day(tokens: &[Token], today: NaiveDate) -> Result<NaiveDate, CommandError> {
    let day = whole_day(tokens, today, CommandError::BadLeaveDay)?;
    let shown = ShownDay::new(day, today);
    entry_day(day, today).map_err(|out| match out {
        DayOutOfRange::Future => CommandError::LeaveDayInFuture(shown),
        DayOutOfRange::TooFarBack => CommandError::LeaveDayTooFarBack(shown),
    })
}

/// The day after `since`: today or any day before. Unlike a log's day it
/// may be long ago, since it only sets from when pace counts.
fn join_day(tokens: &[Token], today: NaiveDate) -> Result<NaiveDate, CommandError> {
    let day = whole_day(tokens, today, CommandError::BadJoinDay)?;
    if day > today {
        Err(CommandError::JoinDayInFuture(ShownDay::new(day, today)))
    } else {
        Ok(day)
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
    use super::super::fixtures::{dana, date, sam, today, DANA, SAM};
    use super::super::token::tokens;
    use super::*;

    fn team(text: &str) -> Result<TeamChange, CommandError> {
        parse(&tokens(text), today())
    }

    fn added(reps: Vec<SlackUserId>) -> Result<TeamChange, CommandError> {
        Ok(TeamChange::Add { reps, since: None })
    }

    #[test]
    fn team_add_since_a_day_sets_when_they_joined() {
        for (typed, day) in [
            ("since 2026-11-01", date(2026, 11, 1)),
            ("since monday", date(2026, 11, 23)),
            ("since last friday", date(2026, 11, 20)),
            ("from yesterday", date(2026, 11, 26)),
            ("since today", today()),
        ] {
            assert_eq!(
                team(&format!("add {DANA} {SAM} {typed}")),
                Ok(TeamChange::Add {
                    reps: vec![dana(), sam()],
                    since: Some(day)
                }),
                "{typed}"
            );
        }
    }

    #[test]
    fn team_add_since_takes_any_past_day_however_long_ago() {
        for (typed, day) in [
            ("since 2026-09-25", date(2026, 9, 25)),
            ("since 2025-01-01", date(2025, 1, 1)),
        ] {
            assert_eq!(
                team(&format!("add {DANA} {typed}")),
                Ok(TeamChange::Add {
                    reps: vec![dana()],
                    since: Some(day)
                }),
                "{typed}"
            );
        }
    }

    #[test]
    fn team_add_since_refuses_a_future_day_and_words_that_are_no_day() {
        assert_eq!(
            team(&format!("add {DANA} since 2026-11-28")),
            Err(CommandError::JoinDayInFuture(ShownDay::new(
                date(2026, 11, 28),
                today()
            )))
        );
        assert_eq!(
            team(&format!("add {DANA} since forever")),
            Err(CommandError::BadJoinDay("forever".into()))
        );
        assert_eq!(
            team(&format!("add {DANA} since")),
            Err(CommandError::BadJoinDay(String::new()))
        );
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
            added(vec![sam(), dana()])
        );
    }

    #[test]
    fn team_add_accepts_commas_and_and_and_ignores_repeats() {
        assert_eq!(
            team(&format!("ADD {DANA}, {SAM} and {DANA}")),
            added(vec![dana(), sam()])
        );
    }

    #[test]
    fn team_remove_and_rm_take_mentions() {
        assert_eq!(
            team(&format!("remove {DANA}")),
            Ok(TeamChange::Remove {
                reps: vec![dana()],
                on: None
            })
        );
        assert_eq!(
            team(&format!("rm {DANA} {SAM}")),
            Ok(TeamChange::Remove {
                reps: vec![dana(), sam()],
                on: None
            })
        );
    }

    #[test]
    fn team_remove_on_a_day_records_that_the_rep_left_then() {
        for (typed, day) in [
            ("on 2026-11-20", date(2026, 11, 20)),
            ("on monday", date(2026, 11, 23)),
            ("on last friday", date(2026, 11, 20)),
            ("on yesterday", date(2026, 11, 26)),
            ("on Nov 2", date(2026, 11, 2)),
            ("on the 3rd", date(2026, 11, 3)),
        ] {
            assert_eq!(
                team(&format!("remove {DANA} {SAM} {typed}")),
                Ok(TeamChange::Remove {
                    reps: vec![dana(), sam()],
                    on: Some(day)
                }),
                "{typed}"
            );
        }
    }

    #[test]
    fn team_remove_on_refuses_the_future_more_than_62_days_back_and_no_day() {
        assert_eq!(
            team(&format!("remove {DANA} on 2026-11-28")),
            Err(CommandError::LeaveDayInFuture(ShownDay::new(
                date(2026, 11, 28),
                today()
            )))
        );
        assert_eq!(
            team(&format!("remove {DANA} on 2026-09-25")),
            Err(CommandError::LeaveDayTooFarBack(ShownDay::new(
                date(2026, 9, 25),
                today()
            )))
        );
        assert_eq!(
            team(&format!("remove {DANA} on someday")),
            Err(CommandError::BadLeaveDay("someday".into()))
        );
        assert_eq!(
            team(&format!("remove {DANA} on")),
            Err(CommandError::BadLeaveDay(String::new()))
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
