//! `coachbot copy --to postgres://…`: a SQLite deployment's records moved
//! into an empty PostgreSQL database, for the admin who outgrows one box.
//!
//! The two schemas have the same tables and column names; SQLite keeps
//! dates as `YYYY-MM-DD` text and instants as RFC 3339 text, where
//! PostgreSQL has `DATE` and `TIMESTAMPTZ`, so each value is converted by
//! the type of its PostgreSQL column. Everything is read in one SQLite read
//! transaction (one snapshot, however long `serve` goes on writing beside
//! it) and written in one PostgreSQL transaction (all of it or nothing), a
//! batch of rows at a time, so a deployment of millions of rows never sits
//! in memory. Then each identity sequence is moved past the highest ID
//! SQLite ever handed out, deleted rows included, so no ID is used twice.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Row, SqliteConnection, Transaction};

use super::postgres::PgStore;
use super::sqlite;
use super::{engine, Engine, Open, StoreError};

/// Every table with records, parents before the tables that refer to
/// them. Not copied: each database's own migrations table; SQLite's
/// `entry_ids` and `sqlite_sequence`, which become the identity sequences;
/// and Slack's limits as they stood a moment ago (`delivery_turns`,
/// `publish_budgets`), not records: PostgreSQL starts them afresh; and the
/// states of install links handed out (`oauth_states`), which live minutes.
pub(super) const TABLES: [&str; 14] = [
    "managers",
    "log_lines",
    "logs",
    "log_reps",
    "log_reps_undecided",
    "memberships",
    "team_changes",
    "join_moves",
    "stint_versions",
    "reminders",
    "home_tabs",
    "seen_events",
    "form_origins",
    "installations",
];

/// Rows written per statement: a few thousand values bound at once, far
/// under PostgreSQL's 65,535.
const BATCH: usize = 1_000;

/// One table copied, for the admin to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub rows: usize,
}

/// Copies the records of the SQLite database `from` into the PostgreSQL
/// database `to`, migrated first; refused when `to` holds records already.
pub(super) async fn copy(from: &str, to: &str) -> Result<Vec<Copied>, StoreError> {
    if engine(from)? != Engine::Sqlite || sqlite::in_memory(from) {
        return Err(StoreError::CopyFromSqlite);
    }
    if engine(to)? != Engine::Postgres {
        return Err(StoreError::CopyToPostgres);
    }
    let mut source = sqlite::snapshot(from).await?;
    let (target, _) = PgStore::open_reporting(to, Open::CreateAndMigrate).await?;
    let copied = copy_into(&mut source, &target, to).await;
    target.close().await;
    copied
}

async fn copy_into(
    source: &mut SqliteConnection,
    target: &PgStore,
    to: &str,
) -> Result<Vec<Copied>, StoreError> {
    let mut into = target.empty_for_copy(&TABLES, to).await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let columns = columns(&mut into, source, table).await?;
        if table == "stint_versions" {
            // PostgreSQL's trigger counted each membership copied; the
            // counts are SQLite's, copied next.
            sqlx::query("DELETE FROM stint_versions")
                .execute(&mut *into)
                .await?;
        }
        let rows = copy_table(source, &mut into, table, &columns).await?;
        copied.push(Copied { table, rows });
    }
    move_sequences(source, &mut into).await?;
    into.commit().await?;
    target.analyze(&TABLES).await?;
    Ok(copied)
}

/// How a column's values are stored in PostgreSQL, and so read from
/// SQLite's text or integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Date,
    Instant,
}

impl Kind {
    fn of(data_type: &str) -> Option<Kind> {
        match data_type {
            "text" => Some(Kind::Text),
            "bigint" => Some(Kind::Integer),
            "date" => Some(Kind::Date),
            "timestamp with time zone" => Some(Kind::Instant),
            _ => None,
        }
    }

    fn array(self) -> &'static str {
        match self {
            Kind::Text => "text[]",
            Kind::Integer => "bigint[]",
            Kind::Date => "date[]",
            Kind::Instant => "timestamptz[]",
        }
    }
}

struct Column {
    name: String,
    kind: Kind,
}

/// The columns of `table` that both databases have, as PostgreSQL types
/// them, once none of SQLite's is missing from PostgreSQL (it would be
/// lost). A column only PostgreSQL has is filled by its default: the order
/// numbers of reps and team changes, numbered as the rows are copied in
/// SQLite's order.
async fn columns(
    into: &mut Transaction<'static, Postgres>,
    source: &mut SqliteConnection,
    table: &str,
) -> Result<Vec<Column>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1
          ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut **into)
    .await?;
    let columns = rows
        .into_iter()
        .map(|(name, data_type)| {
            let kind = Kind::of(&data_type).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "PostgreSQL column {table}.{name} of type {data_type}"
                ))
            })?;
            Ok(Column { name, kind })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let in_sqlite: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
        .bind(table)
        .fetch_all(&mut *source)
        .await?
        .into_iter()
        .collect();
    let in_postgres: BTreeSet<String> = columns.iter().map(|c| c.name.clone()).collect();
    let lost: Vec<&str> = in_sqlite
        .difference(&in_postgres)
        .map(String::as_str)
        .collect();
    if !lost.is_empty() {
        return Err(StoreError::CopyWouldLose {
            table: table.to_string(),
            columns: lost.join(", "),
        });
    }
    Ok(columns
        .into_iter()
        .filter(|column| in_sqlite.contains(&column.name))
        .collect())
}

/// A batch of one column's values, converted for PostgreSQL.
enum Values {
    Text(Vec<Option<String>>),
    Integer(Vec<Option<i64>>),
    Date(Vec<Option<NaiveDate>>),
    Instant(Vec<Option<DateTime<Utc>>>),
}

impl Values {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Text => Values::Text(Vec::with_capacity(BATCH)),
            Kind::Integer => Values::Integer(Vec::with_capacity(BATCH)),
            Kind::Date => Values::Date(Vec::with_capacity(BATCH)),
            Kind::Instant => Values::Instant(Vec::with_capacity(BATCH)),
        }
    }

    /// Adds column `index` of `row`, read as SQLite stores it.
    fn push(&mut self, row: &SqliteRow, index: usize) -> Result<(), StoreError> {
        match self {
            Values::Text(values) => values.push(row.try_get(index)?),
            Values::Integer(values) => values.push(row.try_get(index)?),
            Values::Date(values) => values.push(
                row.try_get::<Option<String>, _>(index)?
                    .map(|raw| sqlite::parse_date(&raw))
                    .transpose()?,
            ),
            Values::Instant(values) => values.push(
                row.try_get::<Option<String>, _>(index)?
                    .map(|raw| sqlite::parse_instant(&raw))
                    .transpose()?,
            ),
        }
        Ok(())
    }

    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        match self {
            Values::Text(values) => query.bind(values),
            Values::Integer(values) => query.bind(values),
            Values::Date(values) => query.bind(values),
            Values::Instant(values) => query.bind(values),
        }
    }

    fn clear(&mut self) {
        match self {
            Values::Text(values) => values.clear(),
            Values::Integer(values) => values.clear(),
            Values::Date(values) => values.clear(),
            Values::Instant(values) => values.clear(),
        }
    }
}

/// Streams `table` out of SQLite and into PostgreSQL, [`BATCH`] rows a
/// statement; how many rows it copied.
async fn copy_table(
    source: &mut SqliteConnection,
    into: &mut Transaction<'static, Postgres>,
    table: &str,
    columns: &[Column],
) -> Result<usize, StoreError> {
    let names = columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let arrays = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.kind.array()))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!("INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})");
    // In the order SQLite keeps (its rowid), which PostgreSQL's order
    // numbers follow; `stint_versions` has no rowid, nor any order.
    let order = if table == "stint_versions" {
        ""
    } else {
        " ORDER BY rowid"
    };
    let read = format!("SELECT {names} FROM {table}{order}");
    let mut batch: Vec<Values> = columns.iter().map(|c| Values::new(c.kind)).collect();
    let mut in_batch = 0;
    let mut rows = 0;
    let mut stream = sqlx::query(&read).fetch(&mut *source);
    while let Some(row) = stream.try_next().await? {
        for (index, values) in batch.iter_mut().enumerate() {
            values.push(&row, index).map_err(|error| match error {
                StoreError::Corrupt(what) => {
                    StoreError::Corrupt(format!("{table}.{}: {what}", columns[index].name))
                }
                other => other,
            })?;
        }
        in_batch += 1;
        if in_batch == BATCH {
            write_batch(into, &insert, &mut batch).await?;
            rows += in_batch;
            in_batch = 0;
        }
    }
    if in_batch > 0 {
        write_batch(into, &insert, &mut batch).await?;
        rows += in_batch;
    }
    Ok(rows)
}

async fn write_batch(
    into: &mut Transaction<'static, Postgres>,
    insert: &str,
    batch: &mut [Values],
) -> Result<(), StoreError> {
    let query = batch
        .iter()
        .fold(sqlx::query(insert), |query, values| values.bind(query));
    query.execute(&mut **into).await?;
    batch.iter_mut().for_each(Values::clear);
    Ok(())
}

/// Moves each identity sequence past the highest ID SQLite handed out:
/// the highest copied, or higher where SQLite remembers more (a line or a
/// stint deleted since, in `sqlite_sequence`; an entry, in `entry_ids`).
async fn move_sequences(
    source: &mut SqliteConnection,
    into: &mut Transaction<'static, Postgres>,
) -> Result<(), StoreError> {
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut **into)
    .await?;
    for (table, column) in identities {
        let remembered: i64 = sqlx::query_scalar(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0),
                        CASE ?1 WHEN 'logs'
                            THEN COALESCE((SELECT last_handed_out FROM entry_ids), 0)
                            ELSE 0 END)",
        )
        .bind(&table)
        .fetch_one(&mut *source)
        .await?;
        let copied: i64 =
            sqlx::query_scalar(&format!("SELECT COALESCE(MAX({column}), 0) FROM {table}"))
                .fetch_one(&mut **into)
                .await?;
        let highest = remembered.max(copied);
        // A sequence starts at 1: with nothing handed out, the next is 1.
        sqlx::query("SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)")
            .bind(&table)
            .bind(&column)
            .bind(highest.max(1))
            .bind(highest > 0)
            .execute(&mut **into)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's limits and install links' states, which are not copied
    /// (see [`TABLES`]).
    const SLACK_BUDGETS: [&str; 3] = ["delivery_turns", "publish_budgets", "oauth_states"];

    #[tokio::test]
    async fn every_sqlite_table_with_records_is_copied() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let (store, _) = sqlite::SqliteStore::open_reporting(&url, Open::CreateAndMigrate)
            .await
            .expect("opens");
        store.close().await;
        let mut source = sqlite::snapshot(&url).await.expect("snapshot");
        let tables: BTreeSet<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut source)
                .await
                .expect("tables")
                .into_iter()
                .filter(|t: &String| {
                    !["_sqlx_migrations", "sqlite_sequence", "entry_ids"].contains(&t.as_str())
                        && !SLACK_BUDGETS.contains(&t.as_str())
                })
                .collect();
        assert_eq!(tables, TABLES.iter().map(|t| t.to_string()).collect());
    }

    #[tokio::test]
    async fn every_postgres_table_is_written() {
        let Some(store) = crate::store::postgres::test_store().await else {
            return;
        };
        let mut into = store
            .empty_for_copy(&TABLES, "postgres://test")
            .await
            .expect("a new database is empty");
        let tables: BTreeSet<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut *into)
        .await
        .expect("tables")
        .into_iter()
        .filter(|t: &String| !SLACK_BUDGETS.contains(&t.as_str()))
        .collect();
        assert_eq!(tables, TABLES.iter().map(|t| t.to_string()).collect());
    }
}
