//! Which database the tests' apps keep their records in: a SQLite file in
//! the test's folder, or, with `COACHBOT_TEST_APP_DATABASE=postgres`, a new
//! database on the PostgreSQL server `COACHBOT_TEST_POSTGRES_URL` names;
//! and [`Records`], the tests' one way to read (or set up) those records
//! with SQL, on either.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Sqlite, SqlitePool};

pub const POSTGRES_VAR: &str = "COACHBOT_TEST_POSTGRES_URL";
pub const APP_DATABASE_VAR: &str = "COACHBOT_TEST_APP_DATABASE";

/// The `DATABASE_URL` of the app started in `dir`: the same on a restart.
pub async fn app_database_url(dir: &Path, sqlite_file: &Path) -> String {
    let kept = dir.join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&kept) {
        return url;
    }
    if std::env::var(APP_DATABASE_VAR).as_deref() != Ok("postgres") {
        return format!("sqlite://{}", sqlite_file.display());
    }
    let url = fresh_postgres()
        .await
        .unwrap_or_else(|| panic!("{APP_DATABASE_VAR}=postgres needs {POSTGRES_VAR}"));
    std::fs::write(&kept, &url).expect("the database URL is kept beside the test");
    url
}

/// The `DATABASE_URL` for a `coachbot` the test runs itself on the SQLite
/// file `file`: that file, or (as for the apps) a PostgreSQL database kept
/// for the file's folder.
pub async fn database_beside(file: &Path) -> String {
    app_database_url(file.parent().expect("a file in a folder"), file).await
}

/// The URL of a new database on the test server, created now; `None` when
/// no server is named, said once per test run.
pub async fn fresh_postgres() -> Option<String> {
    static SKIPPED: Once = Once::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Ok(server) = std::env::var(POSTGRES_VAR) else {
        SKIPPED.call_once(|| {
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "PostgreSQL skipped: set {POSTGRES_VAR} (see the README, \"Test it\") to run the store and model tests on it too"
            );
        });
        return None;
    };
    let name = format!(
        "coachbot_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    );
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("the test PostgreSQL server answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("a test database is created");
    admin.close().await.ok();
    let mut url = url::Url::parse(&server).expect("a PostgreSQL URL");
    url.set_path(&name);
    Some(url.to_string())
}

/// A database for a store test: a new SQLite file, and a new PostgreSQL
/// database when the server is named.
pub struct TestDatabase {
    pub url: String,
    /// Holds the SQLite file until the test ends.
    dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn on_postgres(&self) -> bool {
        on_postgres(&self.url)
    }

    /// The SQLite file, for a test about SQLite's own files.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|dir| dir.path().join("c.db"))
    }
}

impl std::fmt::Display for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.on_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        })
    }
}

/// A new SQLite database, for a test about SQLite itself.
pub fn sqlite_database() -> TestDatabase {
    let dir = tempfile::tempdir().expect("dir");
    TestDatabase {
        url: format!("sqlite://{}", dir.path().join("c.db").display()),
        dir: Some(dir),
    }
}

/// A new SQLite database, then (with the server named) a new PostgreSQL
/// one: a test that runs on each runs on both in one `cargo test`.
pub async fn each_database() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite_database()];
    if let Some(url) = fresh_postgres().await {
        databases.push(TestDatabase { url, dir: None });
    }
    databases
}

pub fn on_postgres(url: &str) -> bool {
    matches!(
        coachbot::store::engine(url),
        Ok(coachbot::store::Engine::Postgres)
    )
}

/// A value bound to a `$1`-style placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

/// The records of a test's database, on SQLite or PostgreSQL, read with SQL
/// both accept: `$1` placeholders, `COALESCE`, `CAST(... AS TEXT)` for a
/// day read as text (SQLite keeps days as text, PostgreSQL as `DATE`), and
/// instants read as `DateTime<Utc>`.
#[derive(Clone)]
pub enum Records {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A row type both databases decode.
pub trait Row:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single column's type both databases decode.
pub trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

macro_rules! bound {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(text) => query.bind(text.clone()),
                Arg::Int(n) => query.bind(*n),
            };
        }
        query
    }};
}

impl Records {
    pub async fn open(url: &str) -> Self {
        if on_postgres(url) {
            Records::Postgres(PgPool::connect(url).await.expect("the test database opens"))
        } else {
            Records::Sqlite(
                SqlitePool::connect(url)
                    .await
                    .expect("the test database opens"),
            )
        }
    }

    /// Every row `sql` selects, with `args` bound to `$1`, `$2`…
    pub async fn rows<T: Row>(&self, sql: &str, args: &[Arg]) -> Vec<T> {
        match self {
            Records::Sqlite(pool) => {
                bound!(sqlx::query_as::<Sqlite, T>(sql), args)
                    .fetch_all(pool)
                    .await
            }
            Records::Postgres(pool) => {
                bound!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch_all(pool)
                    .await
            }
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// The one row `sql` selects.
    pub async fn row<T: Row>(&self, sql: &str, args: &[Arg]) -> T {
        let mut rows = self.rows(sql, args).await;
        assert_eq!(rows.len(), 1, "{sql}: not one row");
        rows.remove(0)
    }

    /// The first column of every row `sql` selects.
    pub async fn column<T: Column>(&self, sql: &str, args: &[Arg]) -> Vec<T> {
        match self {
            Records::Sqlite(pool) => {
                bound!(sqlx::query_scalar::<Sqlite, T>(sql), args)
                    .fetch_all(pool)
                    .await
            }
            Records::Postgres(pool) => {
                bound!(sqlx::query_scalar::<Postgres, T>(sql), args)
                    .fetch_all(pool)
                    .await
            }
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// The one value `sql` selects.
    pub async fn value<T: Column>(&self, sql: &str, args: &[Arg]) -> T {
        let mut values = self.column(sql, args).await;
        assert_eq!(values.len(), 1, "{sql}: not one row");
        values.remove(0)
    }

    /// A number `sql` selects (`COUNT(*)`, `MAX(id)`, `SUM(...)`), read as
    /// an integer on both (PostgreSQL's `SUM` of `BIGINT` is `NUMERIC`).
    pub async fn count(&self, sql: &str) -> i64 {
        let wrapped = format!("SELECT CAST(({sql}) AS BIGINT)");
        self.value(&wrapped, &[]).await
    }

    /// Runs `sql`, which may hold several statements, to set up a case.
    pub async fn execute(&self, sql: &str) {
        match self {
            Records::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
            Records::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    }

    /// Holds off every write to `table` until released: SQLite's write
    /// lock (the whole database), or a lock on the table in PostgreSQL.
    pub async fn hold_writes(&self, table: &str) -> WritesHeld {
        match self {
            Records::Sqlite(pool) => {
                let mut connection = pool.acquire().await.expect("a connection");
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut *connection)
                    .await
                    .expect("the write lock");
                WritesHeld::Sqlite(connection)
            }
            Records::Postgres(pool) => {
                let mut connection = pool.acquire().await.expect("a connection");
                sqlx::raw_sql(&format!("BEGIN; LOCK TABLE {table} IN SHARE MODE"))
                    .execute(&mut *connection)
                    .await
                    .expect("the table lock");
                WritesHeld::Postgres(connection)
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Records::Sqlite(pool) => pool.close().await,
            Records::Postgres(pool) => pool.close().await,
        }
    }
}

/// Writes held off by [`Records::hold_writes`], until released.
pub enum WritesHeld {
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
}

impl WritesHeld {
    pub async fn release(self) {
        match self {
            WritesHeld::Sqlite(mut connection) => sqlx::raw_sql("ROLLBACK")
                .execute(&mut *connection)
                .await
                .map(|_| ()),
            WritesHeld::Postgres(mut connection) => sqlx::raw_sql("ROLLBACK")
                .execute(&mut *connection)
                .await
                .map(|_| ()),
        }
        .expect("released");
    }
}

/// The tests' SQL reads the same values from both databases: days as text,
/// instants as instants, numbers (a `SUM` too), bound text and integers,
/// and setup of several statements at once.
#[tokio::test]
async fn records_read_the_same_values_on_each_database() {
    for database in each_database().await {
        coachbot::store::Store::connect(&database.url)
            .await
            .expect("a new, migrated database")
            .close()
            .await;
        let records = Records::open(&database.url).await;
        records
            .execute(
                "INSERT INTO managers (team_id, user_id, slack_tz, created_at, snoozed_until)
                     VALUES ('T0TEAM', 'U0BOSS', 'UTC', '2026-11-27T10:00:00Z', '2026-12-04');
                 INSERT INTO memberships (team_id, manager_id, rep_id, joined_on, left_on)
                     VALUES ('T0TEAM', 'U0BOSS', 'U0ANA', '2026-11-02', NULL),
                            ('T0TEAM', 'U0BOSS', 'U0BEN', '2026-11-03', '2026-11-20');",
            )
            .await;

        let stints: Vec<(String, String, Option<String>)> = records
            .rows(
                "SELECT rep_id, CAST(joined_on AS TEXT), CAST(left_on AS TEXT) FROM memberships
                 WHERE manager_id = $1 ORDER BY id",
                &["U0BOSS".into()],
            )
            .await;
        let created: chrono::DateTime<chrono::Utc> =
            records.value("SELECT created_at FROM managers", &[]).await;
        let later: Vec<String> = records
            .column(
                "SELECT rep_id FROM memberships WHERE CAST(joined_on AS TEXT) > $1 AND id >= $2",
                &["2026-11-02".into(), 1.into()],
            )
            .await;

        assert_eq!(
            stints,
            [
                ("U0ANA".into(), "2026-11-02".into(), None),
                (
                    "U0BEN".into(),
                    "2026-11-03".into(),
                    Some("2026-11-20".into())
                ),
            ],
            "on {database}"
        );
        assert_eq!(
            created,
            "2026-11-27T10:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .expect("instant"),
            "on {database}"
        );
        assert_eq!(later, ["U0BEN"], "on {database}");
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-04'")
                .await,
            1,
            "on {database}"
        );
        assert_eq!(
            records.count("SELECT SUM(id) FROM memberships").await,
            3,
            "on {database}"
        );
        records.close().await;
    }
}

/// A write to a held table waits until the hold is released: tried here
/// by a writer that gives up at once instead of waiting.
#[tokio::test]
async fn held_writes_keep_a_write_out_until_released() {
    for database in each_database().await {
        coachbot::store::Store::connect(&database.url)
            .await
            .expect("a new, migrated database")
            .close()
            .await;
        let insert = "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
                      VALUES ('T0TEAM', 'U0BOSS', 'UTC', '2026-11-27T10:00:00Z')";
        // Not waiting: SQLite's busy timeout, PostgreSQL's lock timeout.
        let impatient = |url: String| async move {
            match Records::open(&url).await {
                Records::Sqlite(pool) => {
                    let mut connection = pool.acquire().await.expect("a connection");
                    sqlx::raw_sql(&format!("PRAGMA busy_timeout = 0; {insert}"))
                        .execute(&mut *connection)
                        .await
                        .map(|_| ())
                }
                Records::Postgres(pool) => {
                    let mut connection = pool.acquire().await.expect("a connection");
                    sqlx::raw_sql(&format!("SET lock_timeout = '1ms'; {insert}"))
                        .execute(&mut *connection)
                        .await
                        .map(|_| ())
                }
            }
        };
        let records = Records::open(&database.url).await;

        let held = records.hold_writes("managers").await;
        let refused = impatient(database.url.clone()).await;
        held.release().await;
        let after = impatient(database.url.clone()).await;

        let refused = refused.expect_err("written while held").to_string();
        assert!(refused.contains("lock"), "on {database}: {refused}");
        assert!(after.is_ok(), "on {database}: {after:?}");
        assert_eq!(
            records.count("SELECT COUNT(*) FROM managers").await,
            1,
            "on {database}"
        );
        records.close().await;
    }
}
