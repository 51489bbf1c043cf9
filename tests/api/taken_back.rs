//! Entry IDs are never used twice: after "log, undo, log" every button and
//! question that named the entry taken back says so and changes nothing,
//! and the new entry gets questions of its own.

use std::borrow::Cow;

use chrono::NaiveDate;
use coachbot::domain::{
    Activity, Confirmation, Entry, Minutes, Note, SessionEntry, SlackUserId, WorkspaceId,
};
use coachbot::store::Store;
use serde_json::Value;
use sqlx::migrate::Migrator;

use crate::confirmations::{ana_this_month, pass, press_in_dm, spawn_asking_app, to};
use crate::edits::entry_menu;
use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::{button, text_of};

const TAKEN_BACK: &str =
    "That entry is no longer there: it was deleted or taken back, so nothing changed.";

/// What the last message update said.
pub(crate) async fn last_update(app: &TestApp) -> String {
    app.follow_ups_settled().await;
    let updated = app.slack_bodies("/api/chat.update").await;
    text_of(&updated.last().expect("a message updated")["blocks"])
}

/// What the last view opened said.
pub(crate) async fn last_view(app: &TestApp) -> Value {
    app.follow_ups_settled().await;
    app.slack_bodies("/api/views.open")
        .await
        .last()
        .expect("a view")["view"]
        .clone()
}

/// The rep's row on the session logged last: its word and whether a
/// message about it is still to go.
async fn newest_row(app: &TestApp) -> (String, Option<String>) {
    let records = app.db().await;
    let row = records
        .row(
            "SELECT confirmation, notify FROM log_reps WHERE log_id = (SELECT MAX(id) FROM logs)",
            &[],
        )
        .await;
    records.close().await;
    row
}

#[tokio::test]
async fn after_log_undo_log_the_rep_is_asked_about_the_new_session_and_the_old_answer_changes_nothing(
) {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    pass(&app, 1).await;
    app.coach("undo").await;

    app.coach("30m <@U0ANA> deal review").await;
    pass(&app, 2).await;

    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 2, "asked about both sessions: {asked:#?}");
    assert!(
        asked[1]
            .text()
            .contains("30m of help with a deal on Fri 27 Nov"),
        "{}",
        asked[1].text()
    );
    assert_ne!(
        button(&asked[0].body["blocks"], "It helped").1,
        button(&asked[1].body["blocks"], "It helped").1,
        "the two questions name two entries"
    );

    // The answer to the question about the session taken back says so, and
    // the new session still counts, its question still open.
    app.interact(&press_in_dm("U0ANA", &asked[0], "That didn't happen"))
        .await;
    assert!(
        last_update(&app).await.contains(TAKEN_BACK),
        "{}",
        last_update(&app).await
    );
    assert!(
        ana_this_month(&app).await.contains("30m this month"),
        "{}",
        ana_this_month(&app).await
    );
    assert_eq!(newest_row(&app).await, ("asked".to_string(), None));
    pass(&app, 3).await;
    assert!(to(&posts, BOSS).is_empty(), "nobody disputed anything");
}

/// Every button that names a session: Undo on the answer it was logged
/// with, the rep's question, the notice of their dispute, and Edit and
/// Delete on the Home tab.
pub(crate) struct EveryButton {
    pub(crate) undo: (String, Option<String>),
    pub(crate) question: PostCall,
    pub(crate) notice: PostCall,
    pub(crate) edit: (String, String),
    pub(crate) delete: (String, String),
}

/// The boss logs 45 minutes with Ana, and Ana says it didn't happen.
pub(crate) async fn a_disputed_session(app: &TestApp, posts: &FakePosts) -> EveryButton {
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    let logged = app.coach("45m <@U0ANA> pipeline review").await;
    let undo = button(&logged.json["blocks"], "Undo");
    pass(app, 1).await;
    let question = to(posts, "U0ANA")[0].clone();
    app.interact(&press_in_dm("U0ANA", &question, "That didn't happen"))
        .await;
    pass(app, 2).await;
    let entry = "45m of pipeline review with <@U0ANA>";
    EveryButton {
        undo,
        question,
        notice: to(posts, BOSS)[0].clone(),
        edit: entry_menu(app, entry, "Edit").await,
        delete: entry_menu(app, entry, "Delete").await,
    }
}

#[tokio::test]
async fn every_button_on_an_entry_taken_back_says_so_and_the_next_entry_stays_as_it_is() {
    let (app, posts) = spawn_asking_app().await;
    let pressed = a_disputed_session(&app, &posts).await;
    let (undo, line) = &pressed.undo;

    app.coach("undo").await;
    app.coach("30m <@U0ANA> deal review").await;

    // Edit and Delete on the Home tab drawn before the undo.
    for (menu, value) in [&pressed.edit, &pressed.delete] {
        app.interact(&press_on_home(BOSS, menu, None, Some(value)))
            .await;
        let shown = last_view(&app).await;
        assert!(text_of(&shown).contains(TAKEN_BACK), "{shown}");
    }
    // Keep and Delete on the dispute notice, and both of the rep's answers.
    for (who, message, label) in [
        (BOSS, &pressed.notice, "Keep it"),
        (BOSS, &pressed.notice, "Delete it"),
        ("U0ANA", &pressed.question, "It helped"),
        ("U0ANA", &pressed.question, "That didn't happen"),
    ] {
        app.interact(&press_in_dm(who, message, label)).await;
        let said = last_update(&app).await;
        assert!(said.contains(TAKEN_BACK), "{label}: {said}");
    }
    // Undo on the answer the line was logged with.
    let response_url = format!("{}/actions/1", app.slack.uri());
    app.interact(&press_on_ephemeral(undo, line.as_deref(), &response_url))
        .await;
    app.follow_ups_settled().await;
    let replaced = app.slack_bodies("/actions/1").await;
    assert!(
        text_of(&replaced[0]).contains("That was taken back already; nothing changed."),
        "{}",
        replaced[0]
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs WHERE minutes = 30 AND activity = 'deal'")
            .await,
        1
    );
    assert_eq!(
        newest_row(&app).await,
        ("asked".to_string(), Some("ask".to_string()))
    );
    assert!(ana_this_month(&app).await.contains("30m this month"));
}

#[tokio::test]
async fn a_database_from_before_takes_new_entry_ids_above_every_id_a_stored_question_names() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
    let every = sqlx::migrate!("./migrations");
    let before = Migrator {
        migrations: Cow::Owned(every.migrations[..8].to_vec()),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };
    before.run(&pool).await.expect("the schema before 0009");
    // Entry 3 is there; entries up to 7 were logged, a question about 7
    // was stored, and 4 to 7 were taken back.
    sqlx::query(
        "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
             VALUES ('T0TEAM', 'U0BOSS', 'UTC', '2026-11-01T00:00:00Z');
         INSERT INTO log_lines (id, team_id, manager_id, logged_at)
             VALUES (3, 'T0TEAM', 'U0BOSS', '2026-11-27T10:00:00Z');
         INSERT INTO logs (id, team_id, manager_id, kind, minutes, topics, held_on, logged_at, line_id)
             VALUES (3, 'T0TEAM', 'U0BOSS', 'meeting', 30, '', '2026-11-27', '2026-11-27T10:00:00Z', 3);
         INSERT INTO reminders (team_id, job, recipient, local_date, subject, status, summary,
                                expires_at, created_at)
             VALUES ('T0TEAM', 'confirm-ask', 'U0ANA', '2026-11-27', '7.0.U0ANA', 'sent',
                     'asked U0ANA about entry 7', '2026-11-29T10:00:00Z', '2026-11-27T10:00:00Z');",
    )
    .execute(&pool)
    .await
    .expect("old records");
    pool.close().await;

    let store = Store::connect(&url).await.expect("migrated");
    let workspace = WorkspaceId::parse("T0TEAM").expect("team");
    let boss = SlackUserId::parse(BOSS).expect("boss");
    let manager = store
        .manager(&workspace, &boss)
        .await
        .expect("read")
        .expect("the manager is there");
    let session = Entry::Session(SessionEntry {
        reps: vec![SlackUserId::parse("U0ANA").expect("rep")],
        minutes: Minutes::new(45).expect("minutes"),
        activity: Activity::Pipeline,
        note: Note::default(),
        held_on: NaiveDate::from_ymd_opt(2026, 11, 27).expect("day"),
    });
    store
        .insert_line(
            &manager,
            &[session],
            None,
            Confirmation::Asked,
            friday_morning(),
        )
        .await
        .expect("stored");
    store.close().await;

    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM logs ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("ids");
    assert_eq!(ids, [3, 8]);
}
