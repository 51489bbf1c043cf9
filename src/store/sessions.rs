//! Group commit for 1:1 session logs, the one write on the hot path. Callers
//! queue their session and wait; a single writer task takes everything that
//! has queued up, stores it in one transaction, and only then answers each
//! caller. Under load many sessions share one commit; alone, a session is
//! committed at once.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::{date_text, instant_text, Store, StoreError};
use crate::command::SessionLog;
use crate::domain::Manager;

/// Sessions waiting beyond this make callers wait to queue (back-pressure).
const QUEUE: usize = 4096;
/// The most sessions one transaction stores.
const MAX_BATCH: usize = 256;

/// A session waiting to be stored, and who to tell when it is.
pub(super) struct QueuedSession {
    team: String,
    manager: String,
    log: SessionLog,
    logged_at: String,
    stored: oneshot::Sender<Result<(), StoreError>>,
}

pub(super) type SessionQueue = mpsc::Sender<QueuedSession>;

/// Starts the writer task; it ends when every queue handle is dropped.
pub(super) fn start_writer(writer: SqlitePool) -> SessionQueue {
    let (queue, waiting) = mpsc::channel(QUEUE);
    tokio::spawn(write_loop(writer, waiting));
    queue
}

async fn write_loop(writer: SqlitePool, mut waiting: mpsc::Receiver<QueuedSession>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match store_batch(&writer, &batch).await {
            Ok(()) => {
                for session in batch.drain(..) {
                    let _ = session.stored.send(Ok(()));
                }
            }
            // One bad session must not fail the others: store each alone.
            Err(_) => {
                for session in batch.drain(..) {
                    let result = store_batch(&writer, std::slice::from_ref(&session)).await;
                    let _ = session.stored.send(result);
                }
            }
        }
    }
}

async fn store_batch(writer: &SqlitePool, batch: &[QueuedSession]) -> Result<(), StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    for session in batch {
        let reps: Vec<&str> = session.log.reps.iter().map(|r| r.as_str()).collect();
        let held_on = date_text(session.log.held_on);
        // Both statements in one round trip to SQLite's thread; the second
        // reads the first's row ID.
        sqlx::query(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, note, held_on, logged_at)
             VALUES (?, ?, 'session', ?, ?, ?, ?, ?);
             INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity)
             SELECT last_insert_rowid(), value, ?, ?, ?, ? FROM json_each(?);",
        )
        .bind(&session.team)
        .bind(&session.manager)
        .bind(session.log.minutes.get())
        .bind(session.log.activity.code())
        .bind(&session.log.note)
        .bind(&held_on)
        .bind(&session.logged_at)
        .bind(&session.team)
        .bind(&held_on)
        .bind(session.log.minutes.get())
        .bind(session.log.activity.code())
        .bind(serde_json::to_string(&reps).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Store {
    /// Stores one session with each rep; returns once it is committed.
    #[tracing::instrument(skip(self, manager, log), fields(team = %manager.team, user = %manager.id))]
    pub async fn insert_session(
        &self,
        manager: &Manager,
        log: &SessionLog,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (stored, done) = oneshot::channel();
        let queued = QueuedSession {
            team: manager.team.as_str().to_string(),
            manager: manager.id.as_str().to_string(),
            log: log.clone(),
            logged_at: instant_text(now),
            stored,
        };
        self.sessions
            .send(queued)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        done.await.map_err(|_| StoreError::WriterStopped)?
    }
}
