//! The bare server: what a team would write in an afternoon to take a
//! signed `/coach 30m @rep note` and store it, on the same stack (axum,
//! sqlx, SQLite in WAL mode with `synchronous = NORMAL`, one connection).
//! It verifies the signature and the timestamp, reads the form and the
//! length, rep and note, inserts one row, and answers an ephemeral line:
//! the limit coachbot's log path is measured against. It runs as the bench
//! binary itself (`bare-server ADDR DBFILE`), in a process of its own.

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// The one table: a session per row.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sessions (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    rep_id     TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    note       TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    logged_at  TEXT NOT NULL
)";

/// How many rows the bare server stored in `database`.
pub const COUNT: &str = "SELECT COUNT(*) FROM sessions";

struct Bare {
    pool: SqlitePool,
    secret: String,
}

#[derive(Deserialize)]
struct SlashCommand {
    team_id: String,
    user_id: String,
    text: String,
}

/// Serves until killed.
pub async fn serve(address: &str, database: &Path, secret: String) {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("the bare server's database opens");
    sqlx::query(SCHEMA)
        .execute(&pool)
        .await
        .expect("the bare server's table");
    let router = Router::new()
        .route("/slack/commands", post(command))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(Arc::new(Bare { pool, secret }));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("the bare server's address is free");
    axum::serve(listener, router)
        .await
        .expect("the bare server serves");
}

async fn command(
    State(bare): State<Arc<Bare>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, StatusCode> {
    if !verified(&bare.secret, &headers, &body) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let command: SlashCommand =
        serde_urlencoded::from_bytes(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let Some((minutes, rep, note)) = session(&command.text) else {
        return Ok(ephemeral(
            "Say how long and with whom, for example `/coach 30m @dana pipeline review`.".into(),
        ));
    };
    let now = chrono::Utc::now();
    sqlx::query(
        "INSERT INTO sessions (team_id, manager_id, rep_id, minutes, note, held_on, logged_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&command.team_id)
    .bind(&command.user_id)
    .bind(rep)
    .bind(minutes)
    .bind(note)
    .bind(now.date_naive().to_string())
    .bind(now.to_rfc3339())
    .execute(&bare.pool)
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(ephemeral(format!(
        ":white_check_mark: Logged {minutes}m with <@{rep}>."
    )))
}

fn ephemeral(text: String) -> Json<Value> {
    Json(json!({ "response_type": "ephemeral", "text": text }))
}

/// Slack's signature over `v0:timestamp:body`, with a timestamp at most
/// five minutes off.
fn verified(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let (Some(timestamp), Some(signature)) = (
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
    ) else {
        return false;
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|at| (chrono::Utc::now().timestamp() - at).abs() <= 300);
    let Some(expected) = signature.strip_prefix("v0=").and_then(hex) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    fresh && mac.verify_slice(&expected).is_ok()
}

fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `30m <@U123|name> the note`: the minutes, the rep, the note.
fn session(text: &str) -> Option<(i64, &str, &str)> {
    let text = text.trim();
    let (length, rest) = text.split_once(' ')?;
    let minutes: i64 = length.strip_suffix('m')?.parse().ok()?;
    let (mention, note) = rest.trim_start().split_once('>').unwrap_or((rest, ""));
    let rep = mention.strip_prefix("<@")?.split('|').next()?;
    ((1..=480).contains(&minutes) && !rep.is_empty()).then_some((minutes, rep, note.trim()))
}
