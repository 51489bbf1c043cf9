//! Storage: every operation the application asks of it ([`Storage`], in
//! `interface.rs`), the values those operations speak (`types.rs`), and
//! [`Store`], the handle the application holds, opened on the database
//! `DATABASE_URL` names: SQLite (`sqlite/`), the embedded default, or
//! PostgreSQL (`postgres/`), for a database server and several replicas.
//! All of coachbot's SQL is in those two folders.

mod budget_slots;
mod copy;
mod interface;
mod postgres;
mod sqlite;
#[cfg(test)]
mod test_databases;
mod types;

use std::ops::Deref;
use std::sync::Arc;

use crate::domain::{plural, Membership};

pub use copy::Copied;
pub use interface::Storage;
pub use sqlite::ServeLock;
pub use types::{
    Checked, Claim, DisputeSettled, Edited, ExpiredReminder, ExportRow, Finding, FormOrigin,
    HomeTab, Installation, LineContext, MeetingsAsOf, MessageKind, NewReminder, NoticeKind, Owned,
    PendingNotice, PendingReminder, PerManager, PostedAt, Pruned, ReminderKey, RepAnswered, Retry,
    Stint, StintsSeen, StoredLine, TeamRule, UndoTarget, Undone, UnreadableManager, Usual,
    ZoneNames,
};

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
    #[error("coachbot stores its records in SQLite or PostgreSQL, not in {engine}. Use one of those, for example DATABASE_URL=sqlite://coachbot.db or DATABASE_URL=postgres://coachbot@db.example.com/coachbot")]
    UnknownDatabase { engine: String },
    #[error("the database was migrated by a newer coachbot (migration {found}; this version knows up to {known}), so this version must not write to it. Run the newer version, or restore a backup taken before it migrated")]
    NewerSchema { found: i64, known: i64 },
    #[error("coachbot backup copies a SQLite database; back up PostgreSQL with its own tools, for example pg_dump --format=custom --file=coachbot.dump \"$DATABASE_URL\"")]
    BackupNeedsSqlite,
    #[error("the database at {path} was written by an older coachbot and needs `coachbot migrate` (or a start of `coachbot serve`) before it can be read")]
    NeedsMigration { path: String },
    #[error("{path} exists already, and a backup never writes over a file. Name a new one, for example coachbot backup coachbot-2026-12-01.db")]
    BackupExists { path: String },
    #[error("the folder {folder} does not exist, so the backup cannot be written in it. Create the folder first, or name a file in a folder that exists, for example coachbot backup coachbot-2026-12-01.db")]
    NoBackupFolder { folder: String },
    #[error("another coachbot serve {holder} is using the database {database}, and a SQLite database takes one serve at a time: stop that one first, for example with {stop}")]
    ServedAlready {
        holder: String,
        database: String,
        stop: String,
    },
    #[error(
        "could not lock {path}, the file beside the database that keeps a second serve off it"
    )]
    ServeLock {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("coachbot copy moves the records of a SQLite database file into PostgreSQL; point DATABASE_URL at that file, for example DATABASE_URL=sqlite:///srv/coachbot/coachbot.db coachbot copy --to postgres://coachbot@db.example.com/coachbot")]
    CopyFromSqlite,
    #[error("coachbot copy writes into a PostgreSQL database; name one with --to, for example coachbot copy --to postgres://coachbot@db.example.com/coachbot")]
    CopyToPostgres,
    #[error("the database {url} holds records already ({table} has rows), so nothing was copied into it: copy into a new, empty database, for example createdb coachbot_2 && coachbot copy --to postgres://coachbot@db.example.com/coachbot_2")]
    CopyIntoRecords { url: String, table: String },
    #[error("the SQLite table {table} has columns that PostgreSQL's has not ({columns}), so nothing was copied: copying would lose them")]
    CopyWouldLose { table: String, columns: String },
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    /// A stored Slack time zone this build's `chrono-tz` does not know
    /// (an update can drop one): Slack is asked again.
    #[error("the stored time zone {0:?} is unknown to this version")]
    UnknownTimeZone(String),
    /// A stored bot token that does not open with the keys given.
    #[error(transparent)]
    Unopenable(#[from] crate::sealing::OpenError),
    #[error("the line writer has stopped")]
    WriterStopped,
    /// A change's team rule refused it on these stints, read in the
    /// transaction that would have stored it: where the caller checked
    /// first, a team change committed after that check. Nothing of the
    /// change was stored.
    #[error("the team rule refused the change on the team as it stood when it was to be stored")]
    TeamChanged(Vec<Membership>),
}

/// A handle on the records, whichever database holds them; cheap to
/// clone. Every operation of [`Storage`] is called through it.
#[derive(Clone, Debug)]
pub struct Store(Arc<dyn Storage>);

impl Deref for Store {
    type Target = dyn Storage;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

impl Store {
    /// Opens (creating the file if needed) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, Open::CreateAndMigrate).await
    }

    pub async fn open(url: &str, how: Open) -> Result<Self, StoreError> {
        Ok(Self::open_reporting(url, how).await?.0)
    }

    /// Opens the database `url` names, with the implementation for it, and
    /// says what that did to it.
    pub async fn open_reporting(url: &str, how: Open) -> Result<(Self, Opened), StoreError> {
        Ok(match engine(url)? {
            Engine::Sqlite => {
                let (store, opened) = sqlite::SqliteStore::open_reporting(url, how).await?;
                (Store(Arc::new(store)), opened)
            }
            Engine::Postgres => {
                let (store, opened) = postgres::PgStore::open_reporting(url, how).await?;
                (Store(Arc::new(store)), opened)
            }
        })
    }

    /// Copies the database `url` names, as it stands now, into the new file
    /// `into`, while other processes go on writing to it; the copy's size
    /// in bytes.
    pub async fn backup(url: &str, into: &std::path::Path) -> Result<u64, StoreError> {
        match engine(url)? {
            Engine::Sqlite => sqlite::backup(url, into).await,
            Engine::Postgres => Err(StoreError::BackupNeedsSqlite),
        }
    }

    /// What `serve` holds while it runs on the database `url` names, so
    /// that a second `serve` on the same SQLite file refuses to start and
    /// names it (`started` is written in for that). `None` where several
    /// may run: PostgreSQL, an in-memory database.
    pub fn hold_serve_lock(
        url: &str,
        started: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<ServeLock>, StoreError> {
        match engine(url)? {
            Engine::Sqlite => sqlite::hold_serve_lock(url, started),
            Engine::Postgres => Ok(None),
        }
    }

    /// Copies every record of the SQLite database `from` into the empty
    /// PostgreSQL database `to`, in one transaction; each table's count.
    pub async fn copy(from: &str, to: &str) -> Result<Vec<Copied>, StoreError> {
        copy::copy(from, to).await
    }

    /// The message a form was opened from, forgotten as it is read, and
    /// what `update` makes of it: the message as it will show now, and its
    /// blocks as JSON. Every other form still open from that message is
    /// given those blocks in the same transaction, so its own update starts
    /// from this one and a button used here never comes back.
    pub async fn take_form_origin_updating<T: Send>(
        &self,
        view_id: &str,
        update: impl FnOnce(&FormOrigin) -> (T, String) + Send,
    ) -> Result<Option<(FormOrigin, T)>, StoreError> {
        let mut updated = None;
        let origin = self
            .0
            .take_form_origin_replacing_blocks(
                view_id,
                Box::new(|origin| {
                    let (made, blocks) = update(origin);
                    updated = Some(made);
                    blocks
                }),
            )
            .await?;
        Ok(origin.zip(updated))
    }
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

/// The databases coachbot can keep its records in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Which database `url` names. A URL with no scheme is a SQLite file;
/// SQLite would read any other scheme as a file name and fail with
/// "unable to open database file", so this says what is wrong instead.
pub fn engine(url: &str) -> Result<Engine, StoreError> {
    let Some((scheme, _)) = url.split_once("://") else {
        return Ok(Engine::Sqlite);
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => Ok(Engine::Sqlite),
        "postgres" | "postgresql" => Ok(Engine::Postgres),
        other => Err(StoreError::UnknownDatabase {
            engine: format!("{other}:// databases"),
        }),
    }
}

/// `url` as it may be shown: without its password.
pub fn printable_url(url: &str) -> String {
    postgres::redacted(url)
}

/// A database migrated further than this version knows was written by a
/// newer release: writing to it could break what that release relies on.
fn refuse_newer_schema(
    migrations: &sqlx::migrate::Migrator,
    applied: &[i64],
) -> Result<(), StoreError> {
    let known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    match applied.iter().copied().max() {
        Some(found) if found > known => Err(StoreError::NewerSchema { found, known }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_and_in_memory_databases_take_no_serve_lock() {
        let at = "2026-12-01T13:00:00Z".parse().expect("instant");
        for url in [
            "postgres://coachbot@127.0.0.1:1/coachbot",
            "sqlite::memory:",
        ] {
            assert!(
                Store::hold_serve_lock(url, at).expect(url).is_none(),
                "{url}"
            );
        }
    }

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
