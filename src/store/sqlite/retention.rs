//! Pruning what coachbot keeps only for its own bookkeeping, in small
//! batches: reminders once their day is long past, Home tab marks, and
//! lines taken back. Coaching records (entries, sessions, meetings, the
//! lines that stand, team stints) are never touched here. Events and form
//! origins are kept a day and pruned as new ones come (`interactions`).

use chrono::{DateTime, Utc};

use super::{date_text, instant_text, SqliteStore, StoreError};
use crate::store::Pruned;

impl SqliteStore {
    /// Deletes the bookkeeping older than `before`, at most `batch` rows of
    /// a kind per transaction, and says how many of each went.
    #[tracing::instrument(skip(self))]
    pub async fn prune_bookkeeping(
        &self,
        before: DateTime<Utc>,
        batch: u32,
    ) -> Result<Pruned, StoreError> {
        // A reminder still pending is delivery's, whatever its day.
        let reminders = self
            .delete_in_batches(
                "DELETE FROM reminders WHERE id IN (
                     SELECT id FROM reminders
                     WHERE local_date < ? AND status <> 'pending' LIMIT ?)",
                date_text(before.date_naive()),
                batch,
            )
            .await?;
        let home_tabs = self
            .delete_in_batches(
                "DELETE FROM home_tabs WHERE rowid IN (
                     SELECT rowid FROM home_tabs WHERE opened_at < ? LIMIT ?)",
                instant_text(before),
                batch,
            )
            .await?;
        // What a taken-back line changed (its team changes, the join days
        // it moved) is read only while the line stands, so it goes with
        // the line. A line with an entry left is kept, whatever it says:
        // every entry must stay on its line.
        let lines = self
            .in_batches(batch, |tx, batch| {
                Box::pin(async move {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM log_lines
                         WHERE undone_at < ?
                           AND NOT EXISTS (SELECT 1 FROM logs WHERE logs.line_id = log_lines.id)
                         LIMIT ?",
                    )
                    .bind(instant_text(before))
                    .bind(batch)
                    .fetch_all(&mut *tx)
                    .await?;
                    let ids = serde_json::to_string(&ids)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    for sql in [
                        "DELETE FROM team_changes WHERE line_id IN (SELECT value FROM json_each(?))",
                        "DELETE FROM join_moves WHERE line_id IN (SELECT value FROM json_each(?))",
                    ] {
                        sqlx::query(sql).bind(&ids).execute(&mut *tx).await?;
                    }
                    Ok(sqlx::query(
                        "DELETE FROM log_lines WHERE id IN (SELECT value FROM json_each(?))",
                    )
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected())
                })
            })
            .await?;
        Ok(Pruned {
            reminders,
            home_tabs,
            lines,
        })
    }

    /// Runs `delete`, one statement that takes the cutoff and the batch
    /// size, in batches; how many rows went in all.
    async fn delete_in_batches(
        &self,
        delete: &'static str,
        cutoff: String,
        batch: u32,
    ) -> Result<u64, StoreError> {
        self.in_batches(batch, |tx, batch| {
            let cutoff = cutoff.clone();
            Box::pin(async move {
                Ok(sqlx::query(delete)
                    .bind(cutoff)
                    .bind(batch)
                    .execute(tx)
                    .await?
                    .rows_affected())
            })
        })
        .await
    }

    /// Runs `delete` (which deletes at most `batch` rows and says how many
    /// it did), each time in a transaction of its own, until a run deletes
    /// fewer than `batch`; how many went in all. Other writes take turns
    /// with the batches.
    async fn in_batches<F>(&self, batch: u32, mut delete: F) -> Result<u64, StoreError>
    where
        F: for<'t> FnMut(
            &'t mut sqlx::SqliteConnection,
            u32,
        ) -> futures::future::BoxFuture<'t, Result<u64, StoreError>>,
    {
        let mut deleted = 0;
        loop {
            let mut tx = self.write().await?;
            let now_deleted = delete(&mut tx, batch).await?;
            tx.commit().await?;
            deleted += now_deleted;
            if now_deleted < u64::from(batch) {
                return Ok(deleted);
            }
        }
    }
}
