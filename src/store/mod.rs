//! All of coachbot's SQL, and nothing else. SQLite in WAL mode: readers
//! share a pool, and every write goes through a single connection so writers
//! queue in-process instead of spinning on SQLite's busy lock; logged lines,
//! the hot path, are also group-committed (`lines`).

mod confirmations;
mod entries;
mod integrity;
mod interactions;
mod lines;
mod logs;
mod managers;
mod months;
mod reminders;
mod team;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::watch;

use crate::domain::{plural, Membership, SlackTeamId, SlackUserId, Topic};

pub use confirmations::{DisputeSettled, NoticeKind, PendingNotice, RepAnswered};
pub use entries::{Edited, Owned};
pub use integrity::{Checked, Finding, Stint};
pub use interactions::FormOrigin;
pub use lines::{StoredLine, TeamRule};
pub use logs::{ExportRow, UndoTarget, Undone};
pub use managers::UnreadableManager;
pub use reminders::{ExpiredReminder, MessageKind, NewReminder, PendingReminder};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("could not apply the database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("there is no database at {path} (DATABASE_URL, by default sqlite://coachbot.db in the folder coachbot runs from). Run coachbot from the folder that holds it, or point DATABASE_URL at it, for example DATABASE_URL=sqlite:///srv/coachbot/coachbot.db")]
    NoDatabase { path: String },
    #[error("the folder {folder} does not exist, so the database cannot be created in it. Create the folder first, or point DATABASE_URL at a file in a folder that exists, for example DATABASE_URL=sqlite://coachbot.db")]
    NoFolder { folder: String },
    #[error("coachbot stores its records in SQLite; this build does not support {engine} yet. Use a SQLite database, for example DATABASE_URL=sqlite://coachbot.db")]
    NotSqlite { engine: String },
    #[error("the database at {path} was written by an older coachbot and needs `coachbot migrate` (or a start of `coachbot serve`) before it can be read")]
    NeedsMigration { path: String },
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    /// A stored Slack time zone this build's `chrono-tz` does not know
    /// (an update can drop one): Slack is asked again.
    #[error("the stored time zone {0:?} is unknown to this version")]
    UnknownTimeZone(String),
    #[error("the line writer has stopped")]
    WriterStopped,
    /// A change's team rule refused it on these stints, read in the
    /// transaction that would have stored it: where the caller checked
    /// first, a team change committed after that check. Nothing of the
    /// change was stored.
    #[error("the team rule refused the change on the team as it stood when it was to be stored")]
    TeamChanged(Vec<Membership>),
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads run here, several at once.
    readers: SqlitePool,
    /// Writes run here, one at a time.
    writer: SqlitePool,
    /// Logged lines, the hot-path write, go through group commit.
    lines: lines::LineQueue,
    /// Managers by workspace and user, read on every command; never goes
    /// back to an older row.
    managers: managers::ManagerCache,
    /// Copies the write-ahead log into the database in the background;
    /// `None` for an in-memory database, which has no log.
    checkpointer: Option<SqlitePool>,
    /// Counts finished background checkpoints, for whoever needs to know
    /// that one happened.
    checkpoints: watch::Sender<u64>,
}

/// How a command opens the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// `serve` and `migrate`: create the file if needed and migrate it.
    CreateAndMigrate,
    /// `check`, `export`, `run-job`: the database must exist (a typo in
    /// DATABASE_URL, or the wrong folder, must not report on an empty new
    /// file); it is migrated like at any start.
    ExistingAndMigrate,
    /// `run-job --dry-run`: reads an existing, migrated database and
    /// changes no file.
    ExistingReadOnly,
}

/// What opening the database did to it, for `migrate` to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// There was no file, and one was created.
    pub created: bool,
    /// How many migrations were applied now; none when it was up to date.
    pub migrations_applied: usize,
    /// How many migrations this version has in all.
    pub migrations: usize,
}

impl Opened {
    /// What `coachbot migrate` did to the database at `url`, in one sentence.
    pub fn describe(&self, url: &str) -> String {
        let applied = plural(self.migrations_applied, "migration", "migrations");
        if self.created {
            format!("Created the database {url} and applied {applied}.")
        } else if self.migrations_applied > 0 {
            format!("Applied {applied} to the database {url}; it is up to date now.")
        } else {
            format!(
                "The database {url} was up to date already ({} applied before).",
                plural(self.migrations, "migration", "migrations")
            )
        }
    }
}

const READERS: u32 = 4;
/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl Store {
    /// Opens (creating the file if needed) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, Open::CreateAndMigrate).await
    }

    pub async fn open(url: &str, how: Open) -> Result<Self, StoreError> {
        Ok(Self::open_reporting(url, how).await?.0)
    }

    /// Opens the database like [`Store::open`], and says what that did to it.
    pub async fn open_reporting(url: &str, how: Open) -> Result<(Self, Opened), StoreError> {
        refuse_other_databases(url)?;
        let options = SqliteConnectOptions::from_str(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let file = options.get_filename();
        let path = file.display().to_string();
        let existed = !in_memory && file.exists();
        if how != Open::CreateAndMigrate && !in_memory && !existed {
            return Err(StoreError::NoDatabase { path });
        }
        // SQLite creates the file but not its folder, and says only that it
        // cannot open the file.
        if let Some(folder) = file
            .parent()
            .filter(|folder| !in_memory && !folder.as_os_str().is_empty() && !folder.exists())
        {
            return Err(StoreError::NoFolder {
                folder: folder.display().to_string(),
            });
        }
        let options = options
            .create_if_missing(how == Open::CreateAndMigrate)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let options = if how == Open::ExistingReadOnly {
            // Reads the file as it is: setting the journal mode would write.
            // Without a write-ahead log beside it nobody is writing, so it is
            // read as immutable, which creates no lock files either; with
            // one, `serve` is running and the reader shares its files.
            let wal = PathBuf::from(format!("{path}-wal"));
            options.read_only(true).immutable(!wal.exists())
        } else {
            options
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL is durable against application crashes
                // and avoids an fsync per commit.
                .synchronous(SqliteSynchronous::Normal)
        };
        // SQLite would otherwise checkpoint inside a commit, stalling the
        // group commit every request waits on; a background connection
        // does it instead (measured: p99 14.8 ms → 8.2 ms at 100,000 logs).
        let options = if in_memory || how == Open::ExistingReadOnly {
            options
        } else {
            options.pragma("wal_autocheckpoint", "0")
        };
        // A connection to a local file cannot go stale, so the pool's
        // ping before each use would only add a round trip per query.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            // An in-memory database lives and dies with its one connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        let migrations = sqlx::migrate!("./migrations");
        // A database never migrated has no table of them: none applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&writer)
                .await
                .unwrap_or_default();
        let pending = migrations
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        if how == Open::ExistingReadOnly {
            if pending > 0 {
                return Err(StoreError::NeedsMigration { path });
            }
        } else {
            migrations.run(&writer).await?;
        }
        let opened = Opened {
            created: !existed,
            migrations_applied: pending,
            migrations: migrations.iter().count(),
        };
        let checkpoints = watch::channel(0).0;
        let (readers, checkpointer) = if in_memory || how == Open::ExistingReadOnly {
            (writer.clone(), None)
        } else {
            let readers = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(READERS)
                .connect_with(options.clone().read_only(true))
                .await?;
            let checkpointer = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .connect_with(options)
                .await?;
            tokio::spawn(checkpoint_loop(checkpointer.clone(), checkpoints.clone()));
            (readers, Some(checkpointer))
        };
        let store = Self {
            readers,
            lines: lines::start_writer(writer.clone()),
            writer,
            managers: Arc::default(),
            checkpointer,
            checkpoints,
        };
        Ok((store, opened))
    }

    /// A write transaction that takes SQLite's write lock at once, so it
    /// never fails half-way when another process (`run-job`) writes too.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// How many background checkpoints have finished, as they happen.
    pub fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints.subscribe()
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
        self.readers.close().await;
        self.writer.close().await;
    }
}

/// Copies committed pages from the write-ahead log into the database, every
/// [`CHECKPOINT_EVERY`], until the store is closed. PASSIVE never waits for
/// (or blocks) readers and the writer; whatever it cannot copy now, it copies
/// next time.
async fn checkpoint_loop(checkpointer: SqlitePool, done: watch::Sender<u64>) {
    let mut interval = tokio::time::interval(CHECKPOINT_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if checkpointer.is_closed() {
            break;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&checkpointer)
            .await
        {
            if checkpointer.is_closed() {
                break;
            }
            tracing::warn!(%error, "background checkpoint failed; will try again");
            continue;
        }
        done.send_modify(|count| *count += 1);
    }
}

/// SQLite would read any other URL as a file name and fail with "unable to
/// open database file"; this says what is wrong instead.
fn refuse_other_databases(url: &str) -> Result<(), StoreError> {
    let Some((scheme, _)) = url.split_once("://") else {
        return Ok(());
    };
    let engine = match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => return Ok(()),
        "postgres" | "postgresql" => "PostgreSQL".to_string(),
        other => format!("{other}:// databases"),
    };
    Err(StoreError::NotSqlite { engine })
}

fn parse_user(raw: String) -> Result<SlackUserId, StoreError> {
    SlackUserId::parse(&raw).map_err(|_| StoreError::Corrupt(format!("user id {raw:?}")))
}

fn parse_team(raw: String) -> Result<SlackTeamId, StoreError> {
    SlackTeamId::parse(&raw).map_err(|_| StoreError::Corrupt(format!("team id {raw:?}")))
}

fn parse_date(raw: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("date {raw:?}")))
}

fn parse_instant(raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("instant {raw:?}")))
}

/// `?, ?, ?` for an `IN (…)` list of `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Instants are stored in one fixed format (UTC, whole seconds), so SQL can
/// compare them as text and a spreadsheet can read them.
fn instant_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Meeting topics as stored: codes joined by commas.
fn topics_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_topics(raw: &str) -> Result<Vec<Topic>, StoreError> {
    raw.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            Topic::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("topic {code:?}")))
        })
        .collect()
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_migrate_did_reads_as_one_sentence_with_its_counts() {
        let url = "sqlite://coachbot.db";
        let said = |created, migrations_applied| {
            Opened {
                created,
                migrations_applied,
                migrations: 8,
            }
            .describe(url)
        };
        assert_eq!(
            said(true, 8),
            "Created the database sqlite://coachbot.db and applied 8 migrations."
        );
        assert_eq!(
            said(false, 1),
            "Applied 1 migration to the database sqlite://coachbot.db; it is up to date now."
        );
        assert_eq!(
            said(false, 0),
            "The database sqlite://coachbot.db was up to date already (8 migrations applied before)."
        );
    }
}
