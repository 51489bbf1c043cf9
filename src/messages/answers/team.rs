//! Answers about the team: who is on it, reps added or removed, and a team
//! change taken back.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::{first_of_month, plain};
use crate::domain::{
    plural, JoinChange, Membership, RemoveOutcome, SlackUserId, TeamTakenBack, TeamUndoRefused,
};
use crate::messages::{day, Message};

/// The current team, in the order they joined.
pub(super) fn team(team: &[Membership], today: NaiveDate) -> SlackMessageContent {
    if team.is_empty() {
        return plain("Your team is empty. Add your reps with `/coach team add @dana @lee`, or `/coach team add @dana since 2026-11-02` if they joined before today.");
    }
    let names: Vec<String> = team
        .iter()
        .map(|m| format!("{} (since {})", m.rep.mention(), day(m.joined_on, today)))
        .collect();
    let text = format!(
        "Your team ({}): {}",
        plural(team.len(), "rep", "reps"),
        names.join(", ")
    );
    Message::new(text.clone())
        .text(&text)
        .context(&format!(
            "Change it with `/coach team add @name` or `/coach team remove @name`; set when someone joined with `/coach team add @name since {}`.",
            first_of_month(today)
        ))
        .into_content()
}

pub(super) fn team_added(
    outcomes: &[(SlackUserId, JoinChange)],
    today: NaiveDate,
) -> SlackMessageContent {
    let mut joined_today = Vec::new();
    let lines: Vec<String> = outcomes
        .iter()
        .map(|(rep, outcome)| match outcome {
            JoinChange::Joins(on) if *on == today => {
                joined_today.push(rep.clone());
                format!(":white_check_mark: {} joined your team today.", rep.mention())
            }
            JoinChange::Joins(on) => format!(
                ":white_check_mark: {} is on your team since {}.",
                rep.mention(),
                day(*on, today)
            ),
            JoinChange::JoinsAfter { manager, day: on } => format!(
                ":white_check_mark: {}'s time on {}'s team ends today, so they join your team tomorrow, {}.",
                rep.mention(),
                manager.mention(),
                day(*on, today)
            ),
            JoinChange::Back(since) => format!(
                ":white_check_mark: {} is back on your team, as if they had not left: since {}.",
                rep.mention(),
                day(*since, today)
            ),
            JoinChange::Moves { from, to } => format!(
                ":calendar: {}'s join day moved from {} to {}; their pace counts from then.",
                rep.mention(),
                day(*from, today),
                day(*to, today)
            ),
            JoinChange::Unchanged(since) => format!(
                "{} is already on your team (since {}).",
                rep.mention(),
                day(*since, today)
            ),
            JoinChange::OnAnotherTeam(other) => format!(
                ":no_entry: {} is on {}'s team. A rep is on one team at a time: ask {} to remove them first (`/coach team remove @name`).",
                rep.mention(),
                other.mention(),
                other.mention()
            ),
            JoinChange::Overlaps { manager, earliest } => format!(
                ":no_entry: {} was on {}'s team until {}, and a rep is on one team at a time: the earliest join day is {}.",
                rep.mention(),
                manager.mention(),
                day(*earliest, today),
                day(*earliest, today)
            ),
            JoinChange::OverlapsEarlierStint { earliest } => format!(
                ":no_entry: {} was on your team before, until {}, and a join day can't reach back into that time: the earliest join day is {}.",
                rep.mention(),
                day(*earliest, today),
                day(*earliest, today)
            ),
            JoinChange::CoachedBefore { first } => format!(
                ":no_entry: {} has coaching with you logged on {}, so their join day can't be later than that.",
                rep.mention(),
                day(*first, today)
            ),
        })
        .collect();
    let text = lines.join("\n");
    let mut message = Message::new(text.clone()).text(&text);
    if !joined_today.is_empty() {
        message = message.context(&format!(
            "Pace counts from the day a rep joined. If they were on your team before today, say since when: `/coach team add {} since {}`.",
            joined_today[0].mention(),
            first_of_month(today)
        ));
    }
    message.into_content()
}

pub(super) fn team_removed(
    outcomes: &[(SlackUserId, RemoveOutcome)],
    today: NaiveDate,
) -> SlackMessageContent {
    const KEPT: &str = "their past coaching stays in the records";
    let lines: Vec<String> = outcomes
        .iter()
        .map(|(rep, outcome)| {
            let rep = rep.mention();
            match outcome {
                RemoveOutcome::Leaves { left_on, .. } if *left_on == today => {
                    format!("{rep} left your team today; {KEPT}.")
                }
                RemoveOutcome::Leaves { left_on, .. } if *left_on > today => format!(
                    "{rep} leaves your team at the end of today, a day that counts for them on your team; {KEPT}."
                ),
                RemoveOutcome::Leaves {
                    left_on,
                    coached_after,
                } => {
                    let last = day(*left_on - chrono::Duration::days(1), today);
                    let why = if *coached_after {
                        ", the last day you coached them"
                    } else {
                        ""
                    };
                    format!("{rep} left your team; their last day on it was {last}{why}; {KEPT}.")
                }
                RemoveOutcome::Erased => format!(
                    "{rep} is off your team. They joined today and nothing was logged for them, so that leaves no trace."
                ),
                RemoveOutcome::NotOnTeam => format!("{rep} isn't on your team."),
            }
        })
        .collect();
    let text = lines.join("\n");
    let mut message = Message::new(text.clone()).text(&text);
    if outcomes
        .iter()
        .any(|(_, outcome)| *outcome != RemoveOutcome::NotOnTeam)
    {
        message = message.context("Changed your mind? `/coach undo` takes this back.");
    }
    message.into_content()
}

pub(super) fn team_undone(
    taken_back: &[(SlackUserId, TeamTakenBack)],
    today: NaiveDate,
) -> SlackMessageContent {
    let lines: Vec<String> = taken_back
        .iter()
        .map(|(rep, what)| {
            let rep = rep.mention();
            match what {
                TeamTakenBack::OffTheTeam => {
                    format!("Took back adding {rep}: they are off your team again.")
                }
                TeamTakenBack::JoinDay(joined) => format!(
                    "Took back {rep}'s join day change: it is {} again.",
                    day(*joined, today)
                ),
                TeamTakenBack::Stint {
                    joined_on,
                    left_on: None,
                } => format!(
                    "Took back removing {rep}: they are on your team again, since {}.",
                    day(*joined_on, today)
                ),
                TeamTakenBack::Stint {
                    left_on: Some(left),
                    ..
                } => format!(
                    "Took back adding {rep} again: their last day on your team is {} again.",
                    day(*left - chrono::Duration::days(1), today)
                ),
            }
        })
        .collect();
    let text = lines.join("\n");
    Message::new(text.clone())
        .text(&format!(":leftwards_arrow_with_hook: {text}"))
        .into_content()
}

pub(super) fn team_undo_refused(
    refused: &TeamUndoRefused,
    today: NaiveDate,
) -> SlackMessageContent {
    plain(&match refused {
        TeamUndoRefused::OnAnotherTeam { rep, manager } => format!(
            ":no_entry: I can't take back your last team change: it would put {} on your team while they are on {}'s, and a rep is on one team at a time. Nothing changed.",
            rep.mention(),
            manager.mention()
        ),
        TeamUndoRefused::CoachedInIt { rep, day: on } => format!(
            ":no_entry: I can't take back adding {}: you have coaching with them logged on {}. Delete that entry first; nothing changed.",
            rep.mention(),
            day(*on, today)
        ),
    })
}
