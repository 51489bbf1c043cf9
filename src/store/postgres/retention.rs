//! Pruning what coachbot keeps only for its own bookkeeping, in small
//! batches: reminders once their day is long past, Home tab marks, and
//! lines taken back. Coaching records are never touched here. Each batch
//! locks the rows it picks with `SKIP LOCKED`, so replicas pruning at the
//! same time share the work instead of waiting on each other.

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use sqlx::PgConnection;

use super::{whole_seconds, PgStore};
use crate::store::{Pruned, StoreError};

/// What is older than this goes: a local date, or an instant.
#[derive(Clone, Copy)]
enum Cutoff {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
}

impl PgStore {
    /// Deletes the bookkeeping older than `before`, at most `batch` rows of
    /// a kind per transaction, and says how many of each went.
    #[tracing::instrument(skip(self))]
    pub(super) async fn prune_bookkeeping(
        &self,
        before: DateTime<Utc>,
        batch: u32,
    ) -> Result<Pruned, StoreError> {
        let before = whole_seconds(before);
        // A reminder still pending is delivery's, whatever its day.
        let reminders = self
            .delete_in_batches(
                "DELETE FROM reminders WHERE id IN (
                     SELECT id FROM reminders
                     WHERE local_date < $1 AND status <> 'pending'
                     LIMIT $2 FOR UPDATE SKIP LOCKED)",
                Cutoff::Day(before.date_naive()),
                batch,
            )
            .await?;
        let home_tabs = self
            .delete_in_batches(
                "DELETE FROM home_tabs WHERE (team_id, user_id) IN (
                     SELECT team_id, user_id FROM home_tabs WHERE opened_at < $1
                     LIMIT $2 FOR UPDATE SKIP LOCKED)",
                Cutoff::Instant(before),
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
                         WHERE undone_at < $1
                           AND NOT EXISTS (SELECT 1 FROM logs WHERE logs.line_id = log_lines.id)
                         LIMIT $2 FOR UPDATE SKIP LOCKED",
                    )
                    .bind(before)
                    .bind(batch)
                    .fetch_all(&mut *tx)
                    .await?;
                    for sql in [
                        "DELETE FROM team_changes WHERE line_id = ANY($1)",
                        "DELETE FROM join_moves WHERE line_id = ANY($1)",
                    ] {
                        sqlx::query(sql).bind(&ids).execute(&mut *tx).await?;
                    }
                    Ok(sqlx::query("DELETE FROM log_lines WHERE id = ANY($1)")
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
        cutoff: Cutoff,
        batch: u32,
    ) -> Result<u64, StoreError> {
        self.in_batches(batch, |tx, batch| {
            Box::pin(async move {
                let query = match cutoff {
                    Cutoff::Day(day) => sqlx::query(delete).bind(day),
                    Cutoff::Instant(at) => sqlx::query(delete).bind(at),
                };
                Ok(query.bind(batch).execute(tx).await?.rows_affected())
            })
        })
        .await
    }

    /// Runs `delete` (which deletes at most `batch` rows and says how many
    /// it did), each time in a transaction of its own, until a run deletes
    /// fewer than `batch`; how many went in all.
    async fn in_batches<F>(&self, batch: u32, mut delete: F) -> Result<u64, StoreError>
    where
        F: for<'t> FnMut(&'t mut PgConnection, i64) -> BoxFuture<'t, Result<u64, StoreError>>,
    {
        let mut deleted = 0;
        loop {
            let mut tx = self.write().await?;
            let now_deleted = delete(&mut tx, i64::from(batch)).await?;
            tx.commit().await?;
            deleted += now_deleted;
            if now_deleted < u64::from(batch) {
                return Ok(deleted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .expect("date")
            .and_hms_opt(12, 0, 0)
            .expect("time")
            .and_utc()
    }

    /// Runs `sql` with `$1` the instant `at`.
    async fn exec(store: &PgStore, sql: &str, at: DateTime<Utc>) {
        sqlx::query(sql)
            .bind(at)
            .execute(&store.pool)
            .await
            .expect("inserted");
    }

    #[tokio::test]
    async fn what_is_older_than_the_cutoff_goes_in_batches_and_nothing_pending_or_standing() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        exec(
            &store,
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
             VALUES ('T0TEAM', 'U0BOSS', 'UTC', $1)",
            at(1),
        )
        .await;
        for (day, status) in [
            (1, "sent"),
            (2, "skipped"),
            (3, "failed"),
            (4, "pending"),
            (20, "sent"),
        ] {
            exec(
                &store,
                &format!(
                    "INSERT INTO reminders (team_id, job, recipient, local_date, subject, status, summary, expires_at, created_at)
                     VALUES ('T0TEAM', 'digest', 'U0BOSS', DATE '2026-11-{day:02}', '', '{status}', 's', $1, $1)"
                ),
                at(day),
            )
            .await;
        }
        for (user, day) in [("U0ANN", 1), ("U0BOB", 2), ("U0CAT", 20)] {
            exec(
                &store,
                &format!("INSERT INTO home_tabs (team_id, user_id, opened_at) VALUES ('T0TEAM', '{user}', $1)"),
                at(day),
            )
            .await;
        }
        // Lines: 1 and 2 taken back long ago (2 keeps an entry), 3 standing,
        // 4 taken back after the cutoff.
        for undone in [Some(at(1)), Some(at(1)), None, Some(at(20))] {
            sqlx::query(
                "INSERT INTO log_lines (team_id, manager_id, logged_at, undone_at)
                 VALUES ('T0TEAM', 'U0BOSS', $1, $2)",
            )
            .bind(at(1))
            .bind(undone)
            .execute(&store.pool)
            .await
            .expect("line");
        }
        exec(
            &store,
            "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, held_on, logged_at, line_id)
             VALUES ('T0TEAM', 'U0BOSS', 'session', 30, 'deal', DATE '2026-11-01', $1, 2)",
            at(1),
        )
        .await;
        exec(
            &store,
            "INSERT INTO join_moves (line_id, membership_id, moved_from) VALUES (1, 1, DATE '2026-11-01')",
            at(1),
        )
        .await;

        let pruned = store
            .prune_bookkeeping(at(10) - Duration::hours(1), 2)
            .await
            .expect("prunes");

        assert_eq!(
            pruned,
            Pruned {
                reminders: 3,
                home_tabs: 2,
                lines: 1
            }
        );
        let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM log_lines ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .expect("lines");
        assert_eq!(left, [2, 3, 4]);
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM reminders ORDER BY local_date")
                .fetch_all(&store.pool)
                .await
                .expect("reminders");
        assert_eq!(statuses, ["pending", "sent"]);
        let moves: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM join_moves")
            .fetch_one(&store.pool)
            .await
            .expect("moves");
        assert_eq!(moves, 0);
    }
}
