//! The organisations the load runs against, written straight into
//! coachbot's migrated schema: every row is what the log and team commands
//! would have stored.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use sqlx::{Connection, PgConnection, SqliteConnection};

pub const WORKSPACE: &str = "T0BENCH";

pub struct Shape {
    /// What `cargo bench --bench log_load -- NAME` picks.
    pub name: &'static str,
    /// The table's first column.
    pub title: &'static str,
    pub managers: usize,
    pub reps_per_manager: usize,
    /// Sessions per rep before this month, spread over `history_days`
    /// before its first day.
    pub history_sessions: usize,
    pub history_days: usize,
    /// Sessions per rep this month, spread over its days so far.
    pub month_sessions: usize,
    /// Every manager and rep opened their Home tab just before the run.
    pub home_tabs_open: bool,
}

pub const SHAPES: [Shape; 3] = [
    Shape {
        name: "500",
        title: "500 managers",
        managers: 500,
        reps_per_manager: 6,
        history_sessions: 20,
        history_days: 61,
        month_sessions: 4,
        home_tabs_open: false,
    },
    Shape {
        name: "long",
        title: "50 managers, long months",
        managers: 50,
        reps_per_manager: 8,
        history_sessions: 240,
        history_days: 365,
        month_sessions: 60,
        home_tabs_open: false,
    },
    Shape {
        name: "home",
        title: "500 managers, every Home tab open",
        managers: 500,
        reps_per_manager: 6,
        history_sessions: 20,
        history_days: 61,
        month_sessions: 4,
        home_tabs_open: true,
    },
];

/// Manager `index`'s Slack user ID.
pub fn manager_id(index: usize) -> String {
    format!("U0M{index:04}")
}

/// The Slack user ID of rep `index` (counted over all managers; manager
/// `index / reps_per_manager` has them).
pub fn rep_id(index: usize) -> String {
    format!("U0R{index:05}")
}

/// Managers and their time zones (all at or east of UTC, so that "today"
/// in UTC is never in a manager's future).
const TEAMS: &str = "
WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i + 1 < :managers)
INSERT INTO managers (team_id, user_id, slack_tz, created_at)
SELECT :workspace, printf('U0M%04d', i),
       CASE i % 4 WHEN 0 THEN 'Europe/London' WHEN 1 THEN 'Europe/Berlin'
                  WHEN 2 THEN 'Europe/Madrid' ELSE 'Europe/Helsinki' END,
       :joined || 'T00:00:00Z'
FROM m;
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i + 1 < :managers * :reps)
INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
SELECT :workspace, printf('U0M%04d', i / :reps), printf('U0R%05d', i), :joined FROM r;
";

/// `:per_rep` sessions for every rep, entry IDs from `:first`, the `:k`th
/// of a rep's (from 0) held on `:held_on`.
const SESSIONS: &str = "
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :managers * :reps * :per_rep)
INSERT INTO log_lines (id, team_id, manager_id, logged_at)
SELECT :first + i, :workspace, printf('U0M%04d', i / (:reps * :per_rep)), :now FROM s;
INSERT INTO logs (id, team_id, manager_id, kind, minutes, activity, note, held_on, logged_at, line_id)
SELECT id, team_id, manager_id, 'session', 30 + (id % 4) * 15, 'pipeline', '',
       :held_on, logged_at, id
FROM log_lines WHERE id >= :first;
INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity, confirmation)
SELECT id, printf('U0R%05d', (id - :first) / :per_rep), team_id, held_on, minutes, 'pipeline', 'none'
FROM logs WHERE id >= :first;
";

/// A weekly team meeting for every manager over the history, entry IDs
/// from `:first`.
const MEETINGS: &str = "
WITH RECURSIVE w(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM w WHERE i + 1 < :managers * :weeks)
INSERT INTO log_lines (id, team_id, manager_id, logged_at)
SELECT :first + i, :workspace, printf('U0M%04d', i / :weeks), :now FROM w;
INSERT INTO logs (id, team_id, manager_id, kind, minutes, topics, note, held_on, logged_at, line_id)
SELECT id, team_id, manager_id, 'meeting', 60, 'pipeline,wins', '',
       date(:month_start, '-' || (1 + ((id - :first) % :weeks) * 7) || ' days'), logged_at, id
FROM log_lines WHERE id >= :first;
";

/// Everyone's Home tab, opened now.
const HOME_TABS: &str = "
INSERT INTO home_tabs (team_id, user_id, opened_at)
SELECT team_id, user_id, :now FROM managers
UNION ALL SELECT team_id, rep_id, :now FROM memberships;
";

impl Shape {
    pub fn reps(&self) -> usize {
        self.managers * self.reps_per_manager
    }

    /// Writes the organisation into `database`, which `coachbot migrate`
    /// has just created; the history ends today, `now`. Returns how many
    /// entries it holds.
    pub async fn generate(&self, database: &std::path::Path, now: DateTime<Utc>) -> i64 {
        let today = now.date_naive();
        let month_start = today.with_day(1).expect("every month has a first day");
        let joined = month_start - chrono::Days::new(self.history_days as u64 + 1);
        let weeks = self.history_days / 7;
        let history = self.reps() * self.history_sessions;
        let this_month = self.reps() * self.month_sessions;
        let history_day = "date(:month_start, '-' || (1 + :k * :days / :per_rep) || ' days')";
        let month_day = format!(
            "date(:month_start, '+' || (:k % {}) || ' days')",
            today.day()
        );
        let script = [
            "BEGIN;".to_string(),
            TEAMS.to_string(),
            sessions(history_day, self.history_sessions, 1),
            sessions(&month_day, self.month_sessions, history + 1),
            MEETINGS.replace(":first", &(history + this_month + 1).to_string()),
            if self.home_tabs_open {
                HOME_TABS.to_string()
            } else {
                String::new()
            },
            "UPDATE entry_ids SET last_handed_out = (SELECT MAX(id) FROM logs);".to_string(),
            "COMMIT;".to_string(),
        ]
        .concat()
        .replace(":managers", &self.managers.to_string())
        .replace(":reps", &self.reps_per_manager.to_string())
        .replace(":weeks", &weeks.to_string())
        .replace(":days", &self.history_days.to_string())
        .replace(":workspace", &format!("'{WORKSPACE}'"))
        .replace(":month_start", &quoted(month_start))
        .replace(":joined", &quoted(joined))
        .replace(
            ":now",
            &format!("'{}'", now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
        let mut connection = open(database).await;
        sqlx::raw_sql(&script)
            .execute(&mut connection)
            .await
            .expect("the organisation is written");
        sqlx::query_scalar(COUNT_ENTRIES)
            .fetch_one(&mut connection)
            .await
            .expect("entries counted")
    }
}

fn sessions(held_on: &str, per_rep: usize, first: usize) -> String {
    SESSIONS
        .replace(":held_on", held_on)
        .replace(":k", "((id - :first) % :per_rep)")
        .replace(":per_rep", &per_rep.to_string())
        .replace(":first", &first.to_string())
}

fn quoted(day: NaiveDate) -> String {
    format!("'{day}'")
}

pub async fn open(database: &std::path::Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("the database opens")
}

const COUNT_ENTRIES: &str = "SELECT COUNT(*) FROM logs";

/// How many entries coachbot's database at `url` holds, on either engine.
pub async fn entries(url: &str) -> i64 {
    let counted = if url.starts_with("postgres") {
        let mut connection = PgConnection::connect(url)
            .await
            .expect("the database opens");
        sqlx::query_scalar(COUNT_ENTRIES)
            .fetch_one(&mut connection)
            .await
    } else {
        let mut connection = SqliteConnection::connect(url)
            .await
            .expect("the database opens");
        sqlx::query_scalar(COUNT_ENTRIES)
            .fetch_one(&mut connection)
            .await
    };
    counted.expect("entries counted")
}

/// A new, empty database for `shape` on the PostgreSQL server at
/// `server` (replacing one a previous run left): its URL.
pub async fn fresh_postgres(server: &str, shape: &Shape) -> String {
    let name = format!("coachbot_bench_{}", shape.name);
    let mut admin = PgConnection::connect(server)
        .await
        .expect("BENCH_POSTGRES_URL opens");
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(&statement)
            .execute(&mut admin)
            .await
            .expect("the bench's PostgreSQL database is made afresh");
    }
    let mut url = url::Url::parse(server).expect("BENCH_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}
