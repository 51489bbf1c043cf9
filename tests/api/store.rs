//! The store against a real SQLite file: group commit of session logs.

use chrono::NaiveDate;
use chrono_tz::Tz;
use coachbot::command::SessionLog;
use coachbot::domain::{Activity, Manager, Minutes, SlackTeamId, SlackUserId};
use coachbot::store::{Store, StoreError};

use crate::helpers::friday_morning;

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).expect("test id")
}

fn session(rep: &str, minutes: u32) -> SessionLog {
    SessionLog {
        reps: vec![user(rep)],
        minutes: Minutes::new(minutes).expect("minutes"),
        activity: Activity::Pipeline,
        note: "pipeline review".into(),
        held_on: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
    }
}

async fn store_with_manager() -> (Store, Manager, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .expect("store");
    let team = SlackTeamId::parse("T0TEAM").expect("team");
    let manager = store
        .add_manager(&team, &user("U0BOSS"), Tz::UTC, friday_morning())
        .await
        .expect("manager");
    (store, manager, dir)
}

async fn count(store_dir: &tempfile::TempDir, sql: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        store_dir.path().join("c.db").display()
    ))
    .await
    .expect("pool");
    let n = sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test]
async fn many_sessions_logged_at_once_are_all_stored_each_with_its_rep() {
    let (store, manager, dir) = store_with_manager().await;
    let logs: Vec<SessionLog> = (0..200)
        .map(|i| session(&format!("U0REP{}", i % 7), 1 + i % 60))
        .collect();
    let results = futures::future::join_all(
        logs.iter()
            .map(|log| store.insert_session(&manager, log, friday_morning())),
    )
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM logs").await, 200);
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM log_reps").await, 200);
    let expected: u32 = (0..200).map(|i| 1 + i % 60).sum();
    assert_eq!(
        count(&dir, "SELECT SUM(minutes) FROM log_reps").await,
        i64::from(expected)
    );
    // Every rep row carries its own log's minutes.
    assert_eq!(
        count(&dir, "SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id WHERE r.minutes = l.minutes AND r.held_on = l.held_on").await,
        200
    );
}

#[tokio::test]
async fn a_session_that_cannot_be_stored_fails_alone_and_the_rest_of_its_batch_is_stored() {
    let (store, manager, dir) = store_with_manager().await;
    // Not in the managers table: the foreign key refuses this one.
    let stranger = Manager {
        id: user("U0NOBODY"),
        ..manager.clone()
    };
    let good = session("U0ANA", 45);
    let mut calls = Vec::new();
    for i in 0..20 {
        let who = if i == 7 { &stranger } else { &manager };
        calls.push(store.insert_session(who, &good, friday_morning()));
    }
    let results = futures::future::join_all(calls).await;
    assert!(
        matches!(results[7], Err(StoreError::Database(_))),
        "{:?}",
        results[7]
    );
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 19);
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM logs").await, 19);
    assert_eq!(
        count(
            &dir,
            "SELECT COUNT(*) FROM logs WHERE manager_id = 'U0NOBODY'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn committed_logs_reach_the_database_file_without_waiting_for_a_commit_to_checkpoint() {
    let (store, manager, dir) = store_with_manager().await;
    let file = dir.path().join("c.db");
    let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    // Let the background checkpoint copy the schema, then note the size.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let before = size();
    let logs: Vec<SessionLog> = (0..300)
        .map(|i| session(&format!("U0REP{}", i % 9), 30))
        .collect();
    for log in &logs {
        store
            .insert_session(&manager, log, friday_morning())
            .await
            .expect("stored");
    }
    // Far fewer pages than SQLite's own checkpoint threshold (1,000): only
    // the background checkpoint moves them into the file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while size() <= before && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        size() > before,
        "the database file stayed at {before} bytes"
    );
}
