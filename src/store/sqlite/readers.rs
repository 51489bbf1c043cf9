//! The connections reads run on, several at once. A database file's
//! readers are held here and lent out directly rather than through sqlx's
//! pool: the pool pings a SQLite connection as it takes it back (a trip to
//! that connection's thread and back, and a task spawned for it), which
//! doubled the trips a one-statement read makes. A connection to a local
//! file cannot go stale, so nothing is lost by not pinging it.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::StoreError;

/// Where reads run: connections of their own, or, for an in-memory
/// database that lives in one connection, the writer's pool.
#[derive(Clone)]
pub(super) enum Readers {
    Own(Arc<Lent>),
    Shared(SqlitePool),
}

/// Connections not in use, and a permit for each.
pub(super) struct Lent {
    idle: Mutex<Vec<SqliteConnection>>,
    free: Arc<Semaphore>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Readers::Own(lent) => write!(
                f,
                "Readers::Own({} available)",
                lent.free.available_permits()
            ),
            Readers::Shared(pool) => write!(f, "Readers::Shared({pool:?})"),
        }
    }
}

impl Readers {
    /// `count` connections of their own, opened now.
    pub(super) async fn open(
        options: &SqliteConnectOptions,
        count: usize,
    ) -> Result<Self, StoreError> {
        let mut idle = Vec::with_capacity(count);
        for _ in 0..count {
            idle.push(options.connect().await?);
        }
        Ok(Readers::Own(Arc::new(Lent {
            idle: Mutex::new(idle),
            free: Arc::new(Semaphore::new(count)),
        })))
    }

    /// A connection to read on, once one is free; it goes back when dropped.
    pub(super) async fn acquire(&self) -> Result<Reader, StoreError> {
        match self {
            Readers::Shared(pool) => Ok(Reader::Pooled(pool.acquire().await?)),
            Readers::Own(lent) => {
                let permit = Arc::clone(&lent.free)
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let connection = lent
                    .idle
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop()
                    .ok_or(sqlx::Error::PoolClosed)?;
                Ok(Reader::Lent {
                    connection: Some(connection),
                    from: Arc::clone(lent),
                    _permit: permit,
                })
            }
        }
    }

    /// Closes the connections not in use, and lends none from now on.
    pub(super) async fn close(&self) {
        match self {
            Readers::Shared(pool) => pool.close().await,
            Readers::Own(lent) => {
                lent.free.close();
                let idle =
                    std::mem::take(&mut *lent.idle.lock().unwrap_or_else(PoisonError::into_inner));
                for connection in idle {
                    let _ = connection.close().await;
                }
            }
        }
    }
}

/// A connection lent for reads.
pub(super) enum Reader {
    Lent {
        connection: Option<SqliteConnection>,
        from: Arc<Lent>,
        /// Released after the connection is back among the idle ones.
        _permit: OwnedSemaphorePermit,
    },
    Pooled(PoolConnection<Sqlite>),
}

impl Deref for Reader {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Reader::Lent { connection, .. } => connection.as_ref().expect("lent until dropped"),
            Reader::Pooled(connection) => connection,
        }
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Reader::Lent { connection, .. } => connection.as_mut().expect("lent until dropped"),
            Reader::Pooled(connection) => connection,
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Reader::Lent {
            connection, from, ..
        } = self
        {
            if let Some(connection) = connection.take() {
                from.idle
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(connection);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use futures::StreamExt;

    use super::*;

    async fn one_reader(folder: &tempfile::TempDir) -> Readers {
        let path = folder.path().join("readers.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .expect("options")
            .create_if_missing(true);
        let mut setup = options.connect().await.expect("connects");
        sqlx::query("CREATE TABLE numbers (n INTEGER); INSERT INTO numbers VALUES (1), (2), (3)")
            .execute(&mut setup)
            .await
            .expect("set up");
        Readers::open(&options, 1).await.expect("opens")
    }

    #[tokio::test]
    async fn a_reader_waits_for_the_one_lent_and_gets_it_back() {
        let folder = tempfile::tempdir().expect("folder");
        let readers = one_reader(&folder).await;
        let first = readers.acquire().await.expect("lent");
        let waiting = tokio::spawn({
            let readers = readers.clone();
            async move {
                let mut reader = readers.acquire().await.expect("lent after the first");
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM numbers")
                    .fetch_one(&mut *reader)
                    .await
                    .expect("reads")
            }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the only connection is lent");
        drop(first);
        assert_eq!(waiting.await.expect("joins"), 3);
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_leaves_the_connection_answering_the_next() {
        let folder = tempfile::tempdir().expect("folder");
        let readers = one_reader(&folder).await;
        {
            let mut reader = readers.acquire().await.expect("lent");
            let mut rows = sqlx::query_scalar::<_, i64>("SELECT n FROM numbers ORDER BY n")
                .fetch(&mut *reader);
            assert_eq!(rows.next().await.transpose().expect("a row"), Some(1));
        }
        let mut reader = readers.acquire().await.expect("lent again");
        let all: Vec<i64> = sqlx::query_scalar("SELECT n FROM numbers ORDER BY n DESC")
            .fetch_all(&mut *reader)
            .await
            .expect("reads");
        assert_eq!(all, vec![3, 2, 1]);
    }

    #[tokio::test]
    async fn closed_readers_lend_nothing() {
        let folder = tempfile::tempdir().expect("folder");
        let readers = one_reader(&folder).await;
        readers.close().await;
        assert!(readers.acquire().await.is_err());
    }
}
