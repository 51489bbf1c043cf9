//! For tests: the same records in a new PostgreSQL database and a new
//! SQLite one, written by the same SQL, so that a test asks both stores
//! the same question and compares their answers.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::SqlitePool;

use super::PgStore;
use crate::domain::{Manager, SlackUserId, WorkspaceId};
use crate::store::sqlite::SqliteStore;
use crate::store::Open;

/// The workspace every record here is in.
pub(super) const WORKSPACE: &str = "T0TEAM";

pub(super) struct Both {
    pub(super) pg: PgStore,
    pub(super) sqlite: SqliteStore,
    /// Writes the SQLite side's records beside the store.
    seeder: SqlitePool,
    /// Holds the SQLite file.
    _dir: tempfile::TempDir,
}

impl Both {
    /// Both databases, new and migrated; `None` when no PostgreSQL server
    /// is named for the tests.
    pub(super) async fn new() -> Option<Both> {
        let pg = super::test_store().await?;
        let dir = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite://{}", dir.path().join("both.db").display());
        let (sqlite, _) = SqliteStore::open_reporting(&url, Open::CreateAndMigrate)
            .await
            .expect("SQLite opens");
        let seeder = SqlitePoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("SQLite opens again");
        Some(Both {
            pg,
            sqlite,
            seeder,
            _dir: dir,
        })
    }

    /// Runs `sql` on both.
    pub(super) async fn run(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.pg.pool)
            .await
            .unwrap_or_else(|error| panic!("PostgreSQL runs {sql}: {error}"));
        sqlx::raw_sql(sql)
            .execute(&self.seeder)
            .await
            .unwrap_or_else(|error| panic!("SQLite runs {sql}: {error}"));
    }

    /// Runs an `INSERT … RETURNING id` on both, which hand out the same ID.
    pub(super) async fn insert(&self, sql: &str) -> i64 {
        let on_pg: i64 = sqlx::query_scalar(sql)
            .fetch_one(&self.pg.pool)
            .await
            .unwrap_or_else(|error| panic!("PostgreSQL runs {sql}: {error}"));
        let on_sqlite: i64 = sqlx::query_scalar(sql)
            .fetch_one(&self.seeder)
            .await
            .unwrap_or_else(|error| panic!("SQLite runs {sql}: {error}"));
        assert_eq!(on_pg, on_sqlite, "both hand out the same ID for {sql}");
        on_pg
    }

    /// Rows read as text by the same query on both, which must agree;
    /// each column is cast to text in the query.
    pub(super) async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Row;
        let on_pg: Vec<Vec<Option<String>>> = sqlx::query(sql)
            .fetch_all(&self.pg.pool)
            .await
            .unwrap_or_else(|error| panic!("PostgreSQL runs {sql}: {error}"))
            .iter()
            .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
            .collect();
        let on_sqlite: Vec<Vec<Option<String>>> = sqlx::query(sql)
            .fetch_all(&self.seeder)
            .await
            .unwrap_or_else(|error| panic!("SQLite runs {sql}: {error}"))
            .iter()
            .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
            .collect();
        assert_eq!(on_pg, on_sqlite, "both hold the same rows for {sql}");
        on_pg
    }

    /// A manager, stored on both.
    pub(super) async fn manager(&self, user: &str) -> Manager {
        self.run(&format!(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
             VALUES ('{WORKSPACE}', '{user}', 'UTC', '2026-01-05T09:00:00Z')"
        ))
        .await;
        let first_used: DateTime<Utc> = "2026-01-05T09:00:00Z".parse().expect("an instant");
        Manager {
            workspace: WorkspaceId::parse(WORKSPACE).expect("a workspace"),
            id: SlackUserId::parse(user).expect("a user"),
            slack_tz: chrono_tz::UTC,
            tz_override: None,
            snoozed_until: None,
            first_used,
            digest_channel: None,
        }
    }

    /// A stint, stored on both; `left` is the day they left, if they did.
    pub(super) async fn stint(
        &self,
        manager: &Manager,
        rep: &str,
        joined: &str,
        left: Option<&str>,
    ) -> i64 {
        let left = left.map_or("NULL".to_string(), |day| format!("'{day}'"));
        self.insert(&format!(
            "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on, left_on)
             VALUES ('{WORKSPACE}', '{}', '{rep}', '{joined}', {left}) RETURNING id",
            manager.id
        ))
        .await
    }

    /// A 1:1 of `minutes` with each of `reps` on `day`, on a line of its
    /// own; its entry's ID.
    pub(super) async fn session(
        &self,
        manager: &Manager,
        reps: &[&str],
        day: &str,
        minutes: u32,
        activity: &str,
    ) -> i64 {
        let line = self.line(manager).await;
        let entry = self
            .insert(&format!(
                "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, held_on,
                                   logged_at, line_id)
                 VALUES ('{WORKSPACE}', '{}', 'session', {minutes}, '{activity}', '{day}',
                         '{day}T12:00:00Z', {line}) RETURNING id",
                manager.id
            ))
            .await;
        for rep in reps {
            self.run(&format!(
                "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity)
                 VALUES ({entry}, '{rep}', '{WORKSPACE}', '{day}', {minutes}, '{activity}')"
            ))
            .await;
        }
        entry
    }

    /// A team meeting of `minutes` on `day`, on a line of its own; its
    /// entry's ID.
    pub(super) async fn meeting(&self, manager: &Manager, day: &str, minutes: u32) -> i64 {
        let line = self.line(manager).await;
        self.insert(&format!(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, topics, held_on, logged_at,
                               line_id)
             VALUES ('{WORKSPACE}', '{}', 'meeting', {minutes}, '', '{day}', '{day}T12:00:00Z',
                     {line}) RETURNING id",
            manager.id
        ))
        .await
    }

    async fn line(&self, manager: &Manager) -> i64 {
        self.insert(&format!(
            "INSERT INTO log_lines (team_id, manager_id, logged_at)
             VALUES ('{WORKSPACE}', '{}', '2026-01-05T09:00:00Z') RETURNING id",
            manager.id
        ))
        .await
    }
}
