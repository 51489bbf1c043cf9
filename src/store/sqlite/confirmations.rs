//! Reps' word on their 1:1s: an answer recorded once, a dispute settled by
//! the manager, and the messages these changes call for, handed out once
//! each (a question to a rep, a notice to the manager).

use chrono::{DateTime, Utc};

use super::entries::owned_entry;
use super::logs::{entries_with_reps, gather, read_entry, EntryRead};
use super::reminders::insert_reminder_row;
use super::team::take_back_join_moves;
use super::{SqliteStore, StoreError};
use crate::domain::{
    answer_rep, Confirmation, DisputeDecision, Entry, EntryId, Manager, RepAnswer, SlackUserId,
    StoredEntry, WorkspaceId,
};
use crate::store::{DisputeSettled, NewReminder, NoticeKind, Owned, PendingNotice, RepAnswered};

/// A rep's word, as `log_reps.confirmation` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub(in crate::store) enum StoredWord {
    None,
    Asked,
    Helped,
    Disputed,
    Kept,
}

impl From<Confirmation> for StoredWord {
    fn from(word: Confirmation) -> Self {
        match word {
            Confirmation::NotAsked => StoredWord::None,
            Confirmation::Asked => StoredWord::Asked,
            Confirmation::Helped => StoredWord::Helped,
            Confirmation::Disputed => StoredWord::Disputed,
            Confirmation::Kept => StoredWord::Kept,
        }
    }
}

impl From<StoredWord> for Confirmation {
    fn from(word: StoredWord) -> Self {
        match word {
            StoredWord::None => Confirmation::NotAsked,
            StoredWord::Asked => Confirmation::Asked,
            StoredWord::Helped => Confirmation::Helped,
            StoredWord::Disputed => Confirmation::Disputed,
            StoredWord::Kept => Confirmation::Kept,
        }
    }
}

impl SqliteStore {
    /// Records a rep's answer to the question about revision `revision` of
    /// 1:1 `entry`. A dispute leaves a notice for the manager.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, rep = %rep, entry = %entry))]
    pub async fn answer_as_rep(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError> {
        let mut tx = self.write().await?;
        let Some(read) = read_entry(&mut tx, workspace, entry).await? else {
            return Ok(RepAnswered::Gone);
        };
        let Some(row) = read.rep(rep) else {
            return Ok(RepAnswered::NotInIt);
        };
        if read.stored.revision != revision {
            return Ok(RepAnswered::Changed);
        }
        let open = row.asked_revision == Some(revision);
        let word = match answer_rep(open, row.word, answer) {
            Ok(word) => word,
            Err(settled) => return Ok(RepAnswered::Settled(settled)),
        };
        let notify = (word == Confirmation::Disputed).then_some(NoticeKind::Dispute);
        sqlx::query(
            "UPDATE log_reps SET confirmation = ?, notify = ?, asked_revision = NULL
             WHERE log_id = ? AND rep_id = ?",
        )
        .bind(StoredWord::from(word))
        .bind(notify)
        .bind(entry.get())
        .bind(rep.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RepAnswered::Recorded {
            entry: read.stored,
            manager: read.manager,
            word,
        })
    }

    /// The manager keeps a session `rep` disputed (it counts again) or
    /// deletes it for them (the whole entry, if it was theirs alone).
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id, entry = %entry, rep = %rep))]
    pub async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError> {
        let mut tx = self.write().await?;
        let read = match owned_entry(&mut tx, &manager.workspace, &manager.id, entry).await? {
            Owned::Yours(read) => read,
            Owned::NotYours { manager } => return Ok(DisputeSettled::NotYours { manager }),
            Owned::Gone => return Ok(DisputeSettled::Gone),
        };
        let Some(word) = read.rep(rep).map(|row| row.word) else {
            return Ok(DisputeSettled::Gone);
        };
        let stored = read.stored;
        if word != Confirmation::Disputed {
            return Ok(DisputeSettled::NotDisputed(word));
        }
        let settled = match decision {
            DisputeDecision::Keep => {
                sqlx::query(&format!(
                    "UPDATE log_reps SET confirmation = 'kept',
                         notify = CASE WHEN notify = 'dispute' THEN {AFTER_DISPUTE_NOTICE}
                                       ELSE notify END
                     WHERE log_id = ? AND rep_id = ?"
                ))
                .bind(entry.get())
                .bind(rep.as_str())
                .execute(&mut *tx)
                .await?;
                DisputeSettled::Kept(stored)
            }
            DisputeDecision::Delete => {
                let whole = stored_reps(&stored) <= 1;
                if whole {
                    sqlx::query("DELETE FROM logs WHERE id = ?")
                        .bind(entry.get())
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query("DELETE FROM log_reps WHERE log_id = ? AND rep_id = ?")
                        .bind(entry.get())
                        .bind(rep.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                // The rep's 1:1 is taken back, so a join day it moved back
                // goes forward again, as after any other delete.
                take_back_join_moves(&mut tx, stored.line.get()).await?;
                DisputeSettled::Deleted {
                    entry: stored,
                    whole,
                }
            }
        };
        tx.commit().await?;
        Ok(settled)
    }

    /// Messages that changes call for and that have not gone out yet, oldest
    /// entry first. The entries are found through the index of those rows
    /// alone: the rest of log_reps is never scanned.
    pub async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT log_id FROM log_reps WHERE notify IS NOT NULL LIMIT ?)",
            "l.id",
        );
        let rows = sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&mut *self.readers.acquire().await?)
            .await?;
        Ok(notices(gather(rows)?))
    }

    /// Stores the message a notice became and marks the notice done, in one
    /// transaction, so each goes out once; a notice the records moved past
    /// since it was read stores nothing.
    pub async fn store_notice(
        &self,
        notice: &PendingNotice,
        message: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        // A question goes out only about the revision the rep is still to
        // be asked about: one read before an edit is dropped, and the next
        // pass asks about the entry as it is now. A dispute notice tells of
        // the answer given, whatever was edited since.
        let dispute_sent = format!(
            "UPDATE log_reps SET notify = {AFTER_DISPUTE_NOTICE}
             WHERE log_id = ? AND rep_id = ? AND notify = 'dispute'"
        );
        let done = match notice.kind {
            NoticeKind::Ask => sqlx::query(
                "UPDATE log_reps SET notify = NULL
                 WHERE log_id = ? AND rep_id = ? AND notify = 'ask' AND asked_revision = ?",
            )
            .bind(notice.entry.id.get())
            .bind(notice.rep.as_str())
            .bind(notice.entry.revision),
            NoticeKind::Dispute => sqlx::query(&dispute_sent)
                .bind(notice.entry.id.get())
                .bind(notice.rep.as_str()),
        }
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            insert_reminder_row(&mut tx, message, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// What a rep row's `notify` becomes once its dispute notice is no longer
/// to be sent: the question about an edit made while the notice waited
/// (an open question whose message never went out, since `notify` held the
/// notice), or nothing.
pub(in crate::store) const AFTER_DISPUTE_NOTICE: &str =
    "CASE WHEN asked_revision IS NULL THEN NULL ELSE 'ask' END";

/// The messages these entries' rep rows are still to send, in the order
/// read.
pub(in crate::store) fn notices(reads: Vec<EntryRead>) -> Vec<PendingNotice> {
    let mut notices = Vec::new();
    for read in reads {
        for row in &read.reps {
            if let Some(kind) = row.notify {
                notices.push(PendingNotice {
                    kind,
                    workspace: read.workspace.clone(),
                    manager: read.manager.clone(),
                    rep: row.rep.clone(),
                    entry: read.stored.clone(),
                });
            }
        }
    }
    notices
}

pub(in crate::store) fn stored_reps(entry: &StoredEntry) -> usize {
    match &entry.entry {
        Entry::Session(session) => session.reps.len(),
        Entry::Meeting(_) => 0,
    }
}
