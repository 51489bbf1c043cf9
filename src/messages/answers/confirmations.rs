//! Answers about reps' word on their 1:1s: a rep's answer to the question,
//! and the manager keeping or deleting a session a rep disputed.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::logging::entry_summary;
use super::plain;
use crate::domain::{Confirmation, Entry, SlackUserId, StoredEntry};
use crate::messages::day;

/// A rep's word on a 1:1, recorded.
pub(super) fn rep_answered(
    entry: &StoredEntry,
    manager: &SlackUserId,
    word: Confirmation,
    today: NaiveDate,
) -> SlackMessageContent {
    let what = rep_summary(entry, manager, today);
    plain(&match word {
        Confirmation::Disputed => format!(":warning: Noted: the {what} didn't happen. It no longer counts toward your month, and {} will be asked to keep it or delete it.", manager.mention()),
        _ => format!(":white_check_mark: Thanks! You confirmed the {what}."),
    })
}

/// The rep (or their manager) had settled it already.
pub(super) fn rep_answered_before(word: Confirmation) -> SlackMessageContent {
    plain(match word {
        Confirmation::Helped => "You confirmed this session already; that stands.",
        Confirmation::Disputed => "You said this session didn't happen; your manager has been asked to keep it or delete it.",
        Confirmation::Kept => "You said this session didn't happen, and your manager kept it after that.",
        Confirmation::Asked | Confirmation::NotAsked => "Nothing changed.",
    })
}

pub(super) fn dispute_kept(
    entry: &StoredEntry,
    rep: &SlackUserId,
    today: NaiveDate,
) -> SlackMessageContent {
    plain(&format!(
        ":white_check_mark: Kept {}: it counts for {} again.",
        entry_summary(entry, today),
        rep.mention()
    ))
}

/// A disputed session deleted for the rep: the whole entry, when it was
/// theirs alone.
pub(super) fn dispute_deleted(
    entry: &StoredEntry,
    rep: &SlackUserId,
    whole: bool,
    today: NaiveDate,
) -> SlackMessageContent {
    plain(&if whole {
        format!(
            ":wastebasket: Deleted {}, as {} said it didn't happen.",
            entry_summary(entry, today),
            rep.mention()
        )
    } else {
        format!(
            ":wastebasket: Took {} out of {}; it still counts for the others in it.",
            rep.mention(),
            entry_summary(entry, today)
        )
    })
}

pub(super) fn not_disputed(rep: &SlackUserId, word: Confirmation) -> SlackMessageContent {
    plain(&match word {
        Confirmation::Kept => format!(
            "You kept this session already; it counts for {}.",
            rep.mention()
        ),
        _ => format!(
            "There's nothing to settle: {} doesn't dispute this session (any more).",
            rep.mention()
        ),
    })
}

/// A 1:1 as its rep reads it: `45m of pipeline review with @boss on Fri 27 Nov`.
pub(super) fn rep_summary(stored: &StoredEntry, manager: &SlackUserId, today: NaiveDate) -> String {
    format!(
        "{} of {} with {} on {}",
        stored.entry.minutes(),
        match &stored.entry {
            Entry::Session(session) => session.activity.label(),
            Entry::Meeting(_) => "team meeting",
        },
        manager.mention(),
        day(stored.entry.held_on(), today)
    )
}
