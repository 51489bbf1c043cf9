//! The PostgreSQL implementation of [`Storage`](crate::store::Storage), for
//! a deployment on a database server and for several replicas on one
//! database. Every operation is one transaction on a pooled connection;
//! a read-then-write step locks what it read (`FOR UPDATE`), and a unique
//! key guards everything that must happen once, so that any number of
//! processes act as one. Nothing is cached in the process: each request
//! reads what another replica may have changed.

#[cfg(test)]
mod both;
mod budgets;
mod confirmations;
mod copy;
mod entries;
mod installations;
mod integrity;
mod interactions;
mod lines;
mod logs;
mod managers;
mod months;
mod plans;
mod reminders;
mod retention;
mod storage;
mod team;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::watch;

use super::{Open, Opened, StoreError};

/// A handle on a PostgreSQL database; cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct PgStore {
    pool: PgPool,
    /// PostgreSQL checkpoints on its own; this never changes, and is here
    /// for callers that wait on SQLite's.
    checkpoints: watch::Sender<u64>,
}

/// Connections per process: enough for requests, jobs and delivery side
/// by side, few enough that several replicas stay within a server's
/// default of 100.
const MAX_CONNECTIONS: u32 = 16;
/// How long a request waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl PgStore {
    /// Opens the database at `url` (its `sslmode` honoured) as `how` says,
    /// and says what that did to it.
    pub(super) async fn open_reporting(url: &str, how: Open) -> Result<(Self, Opened), StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("coachbot");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let migrations = sqlx::migrate!("./migrations/postgres");
        // A database never migrated has no table of them: none applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        super::refuse_newer_schema(&migrations, &applied)?;
        let pending = migrations
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        if how == Open::ExistingReadOnly {
            if pending > 0 {
                return Err(StoreError::NeedsMigration {
                    path: redacted(url),
                });
            }
        } else {
            // sqlx holds an advisory lock while it migrates, so replicas
            // starting together apply each migration once.
            migrations.run(&pool).await?;
        }
        let opened = Opened {
            created: applied.is_empty(),
            migrations_applied: pending,
            migrations: migrations.iter().count(),
        };
        let store = Self {
            pool,
            checkpoints: watch::channel(0).0,
        };
        Ok((store, opened))
    }

    /// A transaction; what it reads to decide a write it locks with
    /// `FOR UPDATE`.
    async fn write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Never changes: PostgreSQL checkpoints on its own.
    pub fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints.subscribe()
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether a write can commit: a transaction that writes nothing is
    /// begun and committed, so a server in recovery (read-only) fails it.
    pub async fn writable(&self) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION READ WRITE")
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Instants are stored to the whole second, as SQLite stores them, so both
/// databases hold and answer the same values.
fn whole_seconds(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(at, 0)
}

/// `url` without its password, for messages.
pub(super) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// For the tests of each file here: a store on a new, migrated database
/// on the server `COACHBOT_TEST_POSTGRES_URL` names, or `None` (said once)
/// when it names none, so `cargo test` alone runs SQLite only.
#[cfg(test)]
pub(super) async fn test_store() -> Option<PgStore> {
    let url = crate::store::test_databases::fresh_postgres().await?;
    let (store, _) = PgStore::open_reporting(&url, Open::CreateAndMigrate)
        .await
        .expect("a new PostgreSQL database opens and migrates");
    Some(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_migrated_by_a_newer_version_is_refused_and_named_so() {
        let Some(store) = test_store().await else {
            return;
        };
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99990101, 'from a newer coachbot', TRUE, '\\x00', 0)",
        )
        .execute(&store.pool)
        .await
        .expect("a newer migration recorded");
        let url = store
            .pool
            .connect_options()
            .get_database()
            .map(|name| name.to_string())
            .expect("a database name");
        store.close().await;
        let server = std::env::var(crate::store::test_databases::POSTGRES_VAR).expect("set");
        let mut at = url::Url::parse(&server).expect("URL");
        at.set_path(&url);
        let refused = PgStore::open_reporting(at.as_str(), Open::CreateAndMigrate)
            .await
            .expect_err("a newer schema is refused");
        let known = sqlx::migrate!("./migrations/postgres")
            .iter()
            .map(|migration| migration.version)
            .max()
            .expect("migrations");
        let said = format!(
            "the database was migrated by a newer coachbot (migration 99990101; this version knows up to {known})"
        );
        assert!(refused.to_string().starts_with(&said), "{refused}");
    }
}
