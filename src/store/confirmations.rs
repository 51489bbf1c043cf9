//! Reps' word on their 1:1s: an answer recorded once, a dispute settled by
//! the manager, and the messages these changes call for, handed out once
//! each (a question to a rep, a notice to the manager).

use chrono::{DateTime, Utc};

use super::entries::{owned_entry, parse_confirmation};
use super::logs::{entry_reps, EntryRow, ENTRY_COLUMNS};
use super::reminders::{insert_reminder_row, NewReminder};
use super::{parse_team, parse_user, Store, StoreError};
use crate::domain::{
    answer_rep, Confirmation, DisputeDecision, Entry, EntryId, Manager, RepAnswer, SlackTeamId,
    SlackUserId, StoredEntry,
};

/// What a rep's answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepAnswered {
    /// Recorded: the session, its manager, and the rep's word now.
    Recorded {
        entry: StoredEntry,
        manager: SlackUserId,
        word: Confirmation,
    },
    /// Answered before, or settled by the manager: the first word stands.
    Settled(Confirmation),
    /// The session was edited after the question; the rep was asked again.
    Changed,
    /// The session is gone, or the rep is no longer in it.
    Gone,
}

/// What the manager's decision on a dispute did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisputeSettled {
    /// It counts again for the rep.
    Kept(StoredEntry),
    /// The rep is out of the session (`whole`: it was their session alone,
    /// so the entry is gone).
    Deleted { entry: StoredEntry, whole: bool },
    /// There is no dispute to settle: the rep's word is this.
    NotDisputed(Confirmation),
    /// The session is gone, or the rep is no longer in it.
    Gone,
}

/// A message a change calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Ask the rep to confirm a 1:1.
    Ask,
    /// Tell the manager the rep says it did not happen.
    Dispute,
}

impl NoticeKind {
    fn code(self) -> &'static str {
        match self {
            NoticeKind::Ask => "ask",
            NoticeKind::Dispute => "dispute",
        }
    }
}

/// A message still to be sent about a rep's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    pub kind: NoticeKind,
    pub team: SlackTeamId,
    pub manager: SlackUserId,
    pub rep: SlackUserId,
    pub entry: StoredEntry,
}

impl Store {
    /// Records a rep's answer to the question about revision `revision` of
    /// 1:1 `entry`. A dispute leaves a notice for the manager.
    #[tracing::instrument(skip(self), fields(team = %team, rep = %rep, entry = %entry))]
    pub async fn answer_as_rep(
        &self,
        team: &SlackTeamId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError> {
        let mut tx = self.write().await?;
        let row: Option<(u32, String, String)> = sqlx::query_as(
            "SELECT l.revision, l.manager_id, r.confirmation
             FROM logs l JOIN log_reps r ON r.log_id = l.id
             WHERE l.id = ? AND l.team_id = ? AND r.rep_id = ?",
        )
        .bind(entry.get())
        .bind(team.as_str())
        .bind(rep.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current_revision, manager, word)) = row else {
            return Ok(RepAnswered::Gone);
        };
        if current_revision != revision {
            return Ok(RepAnswered::Changed);
        }
        let word = match answer_rep(parse_confirmation(&word)?, answer) {
            Ok(word) => word,
            Err(settled) => return Ok(RepAnswered::Settled(settled)),
        };
        let notify = (word == Confirmation::Disputed).then_some(NoticeKind::Dispute.code());
        sqlx::query(
            "UPDATE log_reps SET confirmation = ?, notify = ? WHERE log_id = ? AND rep_id = ?",
        )
        .bind(word.code())
        .bind(notify)
        .bind(entry.get())
        .bind(rep.as_str())
        .execute(&mut *tx)
        .await?;
        let row: EntryRow =
            sqlx::query_as(&format!("SELECT {ENTRY_COLUMNS} FROM logs WHERE id = ?"))
                .bind(entry.get())
                .fetch_one(&mut *tx)
                .await?;
        let reps = entry_reps(&mut tx, entry.get()).await?;
        let stored = row.into_stored(reps)?;
        tx.commit().await?;
        Ok(RepAnswered::Recorded {
            entry: stored,
            manager: parse_user(manager)?,
            word,
        })
    }

    /// The manager keeps a session `rep` disputed (it counts again) or
    /// deletes it for them (the whole entry, if it was theirs alone).
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id, entry = %entry, rep = %rep))]
    pub async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError> {
        let mut tx = self.write().await?;
        let Some(stored) = owned_entry(&mut tx, manager, entry).await? else {
            return Ok(DisputeSettled::Gone);
        };
        let word: Option<String> =
            sqlx::query_scalar("SELECT confirmation FROM log_reps WHERE log_id = ? AND rep_id = ?")
                .bind(entry.get())
                .bind(rep.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(word) = word else {
            return Ok(DisputeSettled::Gone);
        };
        let word = parse_confirmation(&word)?;
        if word != Confirmation::Disputed {
            return Ok(DisputeSettled::NotDisputed(word));
        }
        let settled = match decision {
            DisputeDecision::Keep => {
                sqlx::query(
                    "UPDATE log_reps SET confirmation = 'kept', notify = NULL
                     WHERE log_id = ? AND rep_id = ?",
                )
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
                DisputeSettled::Deleted {
                    entry: stored,
                    whole,
                }
            }
        };
        tx.commit().await?;
        Ok(settled)
    }

    /// Messages that changes call for and that have not gone out yet. Read
    /// through the index of those alone, in no particular order: the rest of
    /// log_reps is never scanned.
    pub async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT r.log_id, r.rep_id, r.notify, l.team_id, l.manager_id
             FROM log_reps r JOIN logs l ON l.id = r.log_id
             WHERE r.notify IS NOT NULL
             LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        let mut reader = self.readers.acquire().await?;
        let mut notices = Vec::with_capacity(rows.len());
        for (entry, rep, notify, team, manager) in rows {
            let row: EntryRow =
                sqlx::query_as(&format!("SELECT {ENTRY_COLUMNS} FROM logs WHERE id = ?"))
                    .bind(entry)
                    .fetch_one(&mut *reader)
                    .await?;
            let reps = entry_reps(&mut reader, entry).await?;
            notices.push(PendingNotice {
                kind: if notify == NoticeKind::Dispute.code() {
                    NoticeKind::Dispute
                } else {
                    NoticeKind::Ask
                },
                team: parse_team(team)?,
                manager: parse_user(manager)?,
                rep: parse_user(rep)?,
                entry: row.into_stored(reps)?,
            });
        }
        Ok(notices)
    }

    /// Stores the message a notice became and marks the notice done, in one
    /// transaction, so each goes out once.
    pub async fn store_notice(
        &self,
        notice: &PendingNotice,
        message: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        insert_reminder_row(&mut tx, message, now).await?;
        sqlx::query(
            "UPDATE log_reps SET notify = NULL WHERE log_id = ? AND rep_id = ? AND notify = ?",
        )
        .bind(notice.entry.id.get())
        .bind(notice.rep.as_str())
        .bind(notice.kind.code())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn stored_reps(entry: &StoredEntry) -> usize {
    match &entry.entry {
        Entry::Session(session) => session.reps.len(),
        Entry::Meeting(_) => 0,
    }
}
