//! Reps' word on their 1:1s: an answer recorded once, a dispute settled by
//! the manager, and the messages these changes call for, handed out once
//! each (a question to a rep, a notice to the manager). The rep's row is
//! locked before it is read, so an answer or a settlement pressed on two
//! replicas at once takes effect once; a notice is marked done by an
//! update that only one of several schedulers can make.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::entries::{
    entries_read, entries_with_reps, lock_entry, owned_entry, read_entry, take_back_join_moves,
};
use super::reminders::insert_reminder_row;
use super::PgStore;
use crate::domain::{
    answer_rep, Confirmation, DisputeDecision, EntryId, Manager, RepAnswer, SlackUserId,
    WorkspaceId,
};
use crate::store::sqlite::confirmations::{notices, stored_reps, StoredWord, AFTER_DISPUTE_NOTICE};
use crate::store::{
    DisputeSettled, NewReminder, NoticeKind, Owned, PendingNotice, RepAnswered, StoreError,
};

/// A rep's word as `log_reps.confirmation` stores it.
pub(super) fn stored_word(word: Confirmation) -> &'static str {
    match StoredWord::from(word) {
        StoredWord::None => "none",
        StoredWord::Asked => "asked",
        StoredWord::Helped => "helped",
        StoredWord::Disputed => "disputed",
        StoredWord::Kept => "kept",
    }
}

/// Locks the row of `rep` on 1:1 `entry`, if there is one, until the
/// transaction ends.
async fn lock_rep_row(
    tx: &mut PgConnection,
    entry: EntryId,
    rep: &SlackUserId,
) -> Result<(), StoreError> {
    sqlx::query("SELECT log_id FROM log_reps WHERE log_id = $1 AND rep_id = $2 FOR UPDATE")
        .bind(entry.get())
        .bind(rep.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(())
}

impl PgStore {
    /// Records a rep's answer to the question about revision `revision` of
    /// 1:1 `entry`. A dispute leaves a notice for the manager.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, rep = %rep, entry = %entry))]
    pub(super) async fn answer_as_rep(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError> {
        let mut tx = self.write().await?;
        lock_rep_row(&mut tx, entry, rep).await?;
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
        let notify = (word == Confirmation::Disputed).then_some("dispute");
        sqlx::query(
            "UPDATE log_reps SET confirmation = $1, notify = $2, asked_revision = NULL
             WHERE log_id = $3 AND rep_id = $4",
        )
        .bind(stored_word(word))
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
    /// deletes it for them (the whole entry, if it was theirs alone). The
    /// entry's row and the rep's are locked before the dispute is read.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id, entry = %entry, rep = %rep))]
    pub(super) async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError> {
        let mut tx = self.write().await?;
        lock_entry(&mut tx, &manager.workspace, entry).await?;
        lock_rep_row(&mut tx, entry, rep).await?;
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
                     WHERE log_id = $1 AND rep_id = $2"
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
                    sqlx::query("DELETE FROM logs WHERE id = $1")
                        .bind(entry.get())
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query("DELETE FROM log_reps WHERE log_id = $1 AND rep_id = $2")
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
    pub(super) async fn pending_notices(
        &self,
        limit: u32,
    ) -> Result<Vec<PendingNotice>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT log_id FROM log_reps WHERE notify IS NOT NULL
                      ORDER BY log_id LIMIT $1)",
            "l.id",
        );
        let read: String = sqlx::query_scalar(&sql)
            .bind(i64::from(limit))
            .fetch_one(&self.pool)
            .await?;
        Ok(notices(entries_read(&read)?))
    }

    /// Stores the message a notice became and marks the notice done, in one
    /// transaction, so each goes out once: of several schedulers storing the
    /// same notice, the first to mark it holds its row until it commits,
    /// and the others then find it done and store nothing. A notice the
    /// records moved past since it was read stores nothing.
    pub(super) async fn store_notice(
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
             WHERE log_id = $1 AND rep_id = $2 AND notify = 'dispute'"
        );
        let done = match notice.kind {
            NoticeKind::Ask => sqlx::query(
                "UPDATE log_reps SET notify = NULL
                 WHERE log_id = $1 AND rep_id = $2 AND notify = 'ask' AND asked_revision = $3",
            )
            .bind(notice.entry.id.get())
            .bind(notice.rep.as_str())
            .bind(i64::from(notice.entry.revision)),
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

#[cfg(test)]
mod tests {
    use super::super::entries::fixtures::{count, day, manager, session, user};
    use super::*;
    use crate::domain::StoredEntry;
    use crate::store::MessageKind;

    fn now() -> DateTime<Utc> {
        "2026-11-20T10:00:00.700Z".parse().expect("an instant")
    }

    async fn row(
        store: &PgStore,
        entry: EntryId,
        rep: &str,
    ) -> (String, Option<String>, Option<i64>) {
        sqlx::query_as(
            "SELECT confirmation, notify, asked_revision FROM log_reps
             WHERE log_id = $1 AND rep_id = $2",
        )
        .bind(entry.get())
        .bind(rep)
        .fetch_one(&store.pool)
        .await
        .expect("a rep row")
    }

    fn notice_message(notice: &PendingNotice) -> NewReminder {
        NewReminder {
            workspace: notice.workspace.clone(),
            kind: match notice.kind {
                NoticeKind::Ask => MessageKind::ConfirmAsk,
                NoticeKind::Dispute => MessageKind::DisputeNotice,
            },
            recipient: notice.rep.as_str().to_string(),
            local_date: day(20),
            subject: notice.entry.id.to_string(),
            message: Some("did it help?".to_string()),
            summary: "a question".to_string(),
            expires_at: now() + chrono::Duration::days(1),
        }
    }

    async fn reminders(store: &PgStore) -> i64 {
        count(store, "SELECT COUNT(*) FROM reminders").await
    }

    #[tokio::test]
    async fn a_reps_answer_is_recorded_once_and_a_dispute_leaves_a_notice() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(
            &store,
            &dana,
            &[("UABE", "asked"), ("UBEA", "asked")],
            30,
            10,
        )
        .await;
        let ws = dana.workspace.clone();
        let answered = store
            .answer_as_rep(&ws, &user("UABE"), id, 0, RepAnswer::Helped)
            .await
            .expect("answered");
        assert!(matches!(
            answered,
            RepAnswered::Recorded { word: Confirmation::Helped, ref manager, .. } if *manager == dana.id
        ));
        assert_eq!(
            row(&store, id, "UABE").await,
            ("helped".to_string(), None, None)
        );
        assert_eq!(
            store
                .answer_as_rep(&ws, &user("UABE"), id, 0, RepAnswer::DidNotHappen)
                .await
                .expect("answered"),
            RepAnswered::Settled(Confirmation::Helped),
            "the first word stands"
        );
        store
            .answer_as_rep(&ws, &user("UBEA"), id, 0, RepAnswer::DidNotHappen)
            .await
            .expect("answered");
        assert_eq!(
            row(&store, id, "UBEA").await,
            ("disputed".to_string(), Some("dispute".to_string()), None)
        );
        assert_eq!(
            store
                .answer_as_rep(&ws, &user("UCY"), id, 0, RepAnswer::Helped)
                .await
                .expect("answered"),
            RepAnswered::NotInIt
        );
        assert_eq!(
            store
                .answer_as_rep(&ws, &user("UABE"), id, 1, RepAnswer::Helped)
                .await
                .expect("answered"),
            RepAnswered::Changed
        );
        assert_eq!(
            store
                .answer_as_rep(
                    &ws,
                    &user("UABE"),
                    EntryId::new(id.get() + 100),
                    0,
                    RepAnswer::Helped
                )
                .await
                .expect("answered"),
            RepAnswered::Gone
        );
    }

    #[tokio::test]
    async fn a_rep_answering_on_two_replicas_at_once_is_recorded_once() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(&store, &dana, &[("UABE", "asked")], 30, 10).await;
        let answer = |answer| {
            let (store, ws) = (store.clone(), dana.workspace.clone());
            tokio::spawn(async move {
                store
                    .answer_as_rep(&ws, &user("UABE"), id, 0, answer)
                    .await
                    .expect("answered")
            })
        };
        let (one, two) = (answer(RepAnswer::Helped), answer(RepAnswer::DidNotHappen));
        let answers = [one.await.expect("ran"), two.await.expect("ran")];
        let recorded: Vec<Confirmation> = answers
            .iter()
            .filter_map(|a| match a {
                RepAnswered::Recorded { word, .. } => Some(*word),
                _ => None,
            })
            .collect();
        assert_eq!(recorded.len(), 1, "{answers:?}");
        assert!(
            answers.contains(&RepAnswered::Settled(recorded[0])),
            "the other finds the first word: {answers:?}"
        );
        assert_eq!(row(&store, id, "UABE").await.0, stored_word(recorded[0]));
    }

    #[tokio::test]
    async fn a_dispute_kept_counts_again_and_one_deleted_takes_the_rep_or_the_whole_entry() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        let shared = session(
            &store,
            &dana,
            &[("UABE", "disputed"), ("UBEA", "helped")],
            30,
            10,
        )
        .await;
        let alone = session(&store, &dana, &[("UABE", "disputed")], 20, 11).await;
        let (abe, bea) = (user("UABE"), user("UBEA"));
        assert_eq!(
            store
                .settle_dispute(&lee, shared, &abe, DisputeDecision::Keep)
                .await
                .expect("answered"),
            DisputeSettled::NotYours {
                manager: dana.id.clone()
            }
        );
        assert_eq!(
            store
                .settle_dispute(&dana, shared, &bea, DisputeDecision::Keep)
                .await
                .expect("answered"),
            DisputeSettled::NotDisputed(Confirmation::Helped)
        );
        let DisputeSettled::Deleted {
            entry,
            whole: false,
        } = store
            .settle_dispute(&dana, shared, &abe, DisputeDecision::Delete)
            .await
            .expect("settled")
        else {
            panic!("Abe's part deleted");
        };
        assert_eq!(entry.id, shared);
        let Owned::Yours(left) = store
            .entry(&dana.workspace, &dana.id, shared)
            .await
            .expect("read")
        else {
            panic!("Bea's part stays");
        };
        assert!(
            matches!(&left.entry, crate::domain::Entry::Session(s) if s.reps == vec![bea.clone()])
        );
        assert!(matches!(
            store.settle_dispute(&dana, alone, &abe, DisputeDecision::Keep).await.expect("settled"),
            DisputeSettled::Kept(StoredEntry { id, .. }) if id == alone
        ));
        assert_eq!(row(&store, alone, "UABE").await.0, "kept");
        sqlx::query("UPDATE log_reps SET confirmation = 'disputed'")
            .execute(&store.pool)
            .await
            .expect("disputed again");
        assert!(matches!(
            store
                .settle_dispute(&dana, alone, &abe, DisputeDecision::Delete)
                .await
                .expect("settled"),
            DisputeSettled::Deleted { whole: true, .. }
        ));
        assert_eq!(
            store
                .entry(&dana.workspace, &dana.id, alone)
                .await
                .expect("read"),
            Owned::Gone
        );
        assert_eq!(
            store
                .settle_dispute(&dana, alone, &abe, DisputeDecision::Keep)
                .await
                .expect("answered"),
            DisputeSettled::Gone
        );
    }

    #[tokio::test]
    async fn a_dispute_settled_on_two_replicas_at_once_is_settled_once() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(
            &store,
            &dana,
            &[("UABE", "disputed"), ("UBEA", "none")],
            30,
            10,
        )
        .await;
        let settle = |decision| {
            let (store, dana) = (store.clone(), dana.clone());
            tokio::spawn(async move {
                store
                    .settle_dispute(&dana, id, &user("UABE"), decision)
                    .await
                    .expect("answered")
            })
        };
        let (one, two) = (
            settle(DisputeDecision::Delete),
            settle(DisputeDecision::Keep),
        );
        let settled = [one.await.expect("ran"), two.await.expect("ran")];
        let deleted = settled
            .iter()
            .any(|s| matches!(s, DisputeSettled::Deleted { whole: false, .. }));
        let kept = settled.iter().any(|s| matches!(s, DisputeSettled::Kept(_)));
        assert!(deleted != kept, "one decision took effect: {settled:?}");
        assert!(
            settled.contains(&DisputeSettled::Gone)
                || settled.contains(&DisputeSettled::NotDisputed(Confirmation::Kept)),
            "the other found it settled: {settled:?}"
        );
    }

    #[tokio::test]
    async fn each_notice_is_stored_once_however_many_schedulers_store_it() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(
            &store,
            &dana,
            &[("UABE", "asked"), ("UBEA", "none")],
            30,
            10,
        )
        .await;
        let other = session(&store, &dana, &[("UBEA", "disputed")], 30, 11).await;
        sqlx::query("UPDATE log_reps SET notify = 'dispute' WHERE log_id = $1")
            .bind(other.get())
            .execute(&store.pool)
            .await
            .expect("a dispute to tell of");
        let pending = store.pending_notices(10).await.expect("read");
        let found: Vec<(EntryId, &str, NoticeKind)> = pending
            .iter()
            .map(|n| (n.entry.id, n.rep.as_str(), n.kind))
            .collect();
        assert_eq!(
            found,
            vec![
                (id, "UABE", NoticeKind::Ask),
                (other, "UBEA", NoticeKind::Dispute)
            ]
        );
        assert_eq!(store.pending_notices(1).await.expect("read").len(), 1);
        let stores: Vec<_> = (0..3)
            .flat_map(|_| pending.clone())
            .map(|notice| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .store_notice(&notice, &notice_message(&notice), now())
                        .await
                        .expect("stored")
                })
            })
            .collect();
        for stored in stores {
            stored.await.expect("ran");
        }
        assert_eq!(reminders(&store).await, 2);
        assert!(store.pending_notices(10).await.expect("read").is_empty());
        assert_eq!(
            row(&store, id, "UABE").await,
            ("asked".to_string(), None, Some(0))
        );
    }

    #[tokio::test]
    async fn a_question_read_before_an_edit_is_dropped_and_a_dispute_kept_meanwhile_is_not_told() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(&store, &dana, &[("UABE", "asked")], 30, 10).await;
        let read = store.pending_notices(10).await.expect("read");
        sqlx::query("UPDATE logs SET revision = 1 WHERE id = $1")
            .bind(id.get())
            .execute(&store.pool)
            .await
            .expect("edited");
        sqlx::query("UPDATE log_reps SET asked_revision = 1")
            .execute(&store.pool)
            .await
            .expect("asked again");
        store
            .store_notice(&read[0], &notice_message(&read[0]), now())
            .await
            .expect("stored");
        assert_eq!(reminders(&store).await, 0);
        assert_eq!(row(&store, id, "UABE").await.1.as_deref(), Some("ask"));
    }
}
