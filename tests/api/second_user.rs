//! Another user pressing the buttons of a manager's entry or reminder, or
//! submitting its forms with the manager's values: nothing of the
//! manager's changes, and each press gets a plain answer.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::confirmations::{ana_this_month, pass, press_in_dm, spawn_asking_app, to};
use crate::edits::entry_menu;
use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::{button, pace_reminder, spawn_interactive_app, team, text_of};
use crate::taken_back::{a_disputed_session, last_update, last_view};

const NOT_YOURS: &str = "<@U0BOSS> logged that, so only they can change it; nothing changed.";
const NOT_IN_IT: &str =
    "That 1:1 isn't logged with you (any more), so only the reps in it can answer; nothing changed.";

/// Everything stored about the boss's entry and the rep's word on it.
async fn the_boss_entry(
    app: &TestApp,
) -> Vec<(String, i64, String, String, Option<DateTime<Utc>>)> {
    let records = app.db().await;
    let rows = records
        .rows(
            "SELECT l.manager_id, l.minutes, l.activity, r.confirmation, k.undone_at
             FROM logs l JOIN log_reps r ON r.log_id = l.id JOIN log_lines k ON k.id = l.line_id",
            &[],
        )
        .await;
    records.close().await;
    rows
}

#[tokio::test]
async fn another_user_pressing_every_button_of_an_entry_changes_nothing_and_is_told_why() {
    let (app, posts) = spawn_asking_app().await;
    let pressed = a_disputed_session(&app, &posts).await;
    let (undo, line) = &pressed.undo;
    let before = the_boss_entry(&app).await;
    assert_eq!(
        before,
        [(
            BOSS.to_string(),
            45,
            "pipeline".to_string(),
            "disputed".to_string(),
            None
        )]
    );

    // Undo, on the answer the line was logged with.
    let response_url = format!("{}/actions/1", app.slack.uri());
    let mut press = press_on_ephemeral(undo, line.as_deref(), &response_url);
    press["user"]["id"] = json!(OTHER_BOSS);
    app.interact(&press).await;
    app.follow_ups_settled().await;
    let replaced = app.slack_bodies("/actions/1").await;
    assert!(text_of(&replaced[0]).contains(NOT_YOURS), "{}", replaced[0]);

    // Edit and Delete, from the boss's Home tab.
    for (menu, value) in [&pressed.edit, &pressed.delete] {
        app.interact(&press_on_home(OTHER_BOSS, menu, None, Some(value)))
            .await;
        let shown = last_view(&app).await;
        assert!(text_of(&shown).contains(NOT_YOURS), "{value}: {shown}");
    }

    // Keep and Delete on the dispute notice; the rep's two answers.
    for (message, label, said) in [
        (&pressed.notice, "Keep it", NOT_YOURS),
        (&pressed.notice, "Delete it", NOT_YOURS),
        (&pressed.question, "It helped", NOT_IN_IT),
        (&pressed.question, "That didn't happen", NOT_IN_IT),
    ] {
        app.interact(&press_in_dm(OTHER_BOSS, message, label)).await;
        let shown = last_update(&app).await;
        assert!(shown.contains(said), "{label}: {shown}");
    }

    assert_eq!(the_boss_entry(&app).await, before);
    assert!(ana_this_month(&app).await.contains("0m this month"));
    pass(&app, 3).await;
    assert_eq!(to(&posts, BOSS).len(), 1, "the boss was told once");
}

#[tokio::test]
async fn another_user_submitting_the_edit_or_delete_form_with_the_managers_values_changes_nothing()
{
    let (app, _posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    let mut forms = Vec::new();
    for (label, values) in [
        (
            "Edit",
            session_values(&["U0ANA"], "90", "deal", "2026-11-26", "Acme"),
        ),
        ("Delete", json!({})),
    ] {
        let (menu, value) = entry_menu(&app, "45m of pipeline review with <@U0ANA>", label).await;
        app.interact(&press_on_home(BOSS, &menu, None, Some(&value)))
            .await;
        forms.push((last_view(&app).await, values));
    }
    let before = the_boss_entry(&app).await;

    for (form, values) in &forms {
        for user in [OTHER_BOSS, "U0ANA"] {
            let answer: Value = app
                .interact(&submission_by(user, form, "V0VIEW1", values.clone()))
                .await
                .json()
                .await
                .expect("json");
            assert_eq!(answer["response_action"], "update", "{answer}");
            assert!(text_of(&answer["view"]).contains(NOT_YOURS), "{answer}");
        }
    }

    assert_eq!(the_boss_entry(&app).await, before);
    assert!(ana_this_month(&app).await.contains("45m this month"));
}

/// The boss's records and settings: entries with their reps, stints, and
/// when their reminders come back.
async fn the_boss_records(app: &TestApp) -> (Vec<(i64, String, i64)>, Vec<String>, Option<String>) {
    let records = app.db().await;
    let entries = records
        .rows(
            "SELECT l.id, r.rep_id, l.minutes FROM logs l JOIN log_reps r ON r.log_id = l.id
             WHERE l.manager_id = $1 ORDER BY l.id, r.rep_id",
            &[BOSS.into()],
        )
        .await;
    let stints = records
        .column(
            "SELECT rep_id || ' ' || CAST(joined_on AS TEXT) || ' ' || COALESCE(CAST(left_on AS TEXT), '-')
             FROM memberships WHERE manager_id = $1 ORDER BY id",
            &[BOSS.into()],
        )
        .await;
    let snoozed = records
        .value(
            "SELECT CAST(snoozed_until AS TEXT) FROM managers WHERE user_id = $1",
            &[BOSS.into()],
        )
        .await;
    records.close().await;
    (entries, stints, snoozed)
}

#[tokio::test]
async fn another_user_submitting_a_log_coaching_form_with_the_managers_values_logs_nothing_for_them(
) {
    let (app, posts) = spawn_interactive_app().await;
    team(&app).await;
    app.coach_as(OTHER_BOSS, "status").await;
    let reminder = pace_reminder(&app, &posts).await;
    let (log_ana, preset) = button(&reminder, "log_coaching:0");
    let before = the_boss_records(&app).await;

    // The form the reminder's button opens for the other user, and the one
    // it opened for the boss: both submitted by the other user with the
    // boss's values.
    let mut forms = Vec::new();
    for user in [OTHER_BOSS, BOSS] {
        app.interact(&press_on_bot_message(
            user,
            &log_ana,
            preset.as_deref(),
            &reminder,
        ))
        .await;
        let opened = app.slack_bodies("/api/views.open").await;
        forms.push(opened.last().expect("a form")["view"].clone());
    }
    for form in &forms {
        let answer: Value = app
            .interact(&submission_by(
                OTHER_BOSS,
                form,
                "V0VIEW1",
                session_values(&["U0ANA"], "30", "pipeline", "2026-11-25", ""),
            ))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(answer["response_action"], "errors", "{answer}");
        assert_eq!(
            answer["errors"]["reps"],
            "The rep you picked isn't on your team yet. Add them with /coach team add (type @ and pick each from Slack's list), then submit again.",
            "{answer}"
        );
    }

    assert_eq!(the_boss_records(&app).await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    app.follow_ups_settled().await;
    assert!(
        app.slack_bodies("/api/chat.update").await.is_empty(),
        "the boss's reminder still offers the button"
    );
}

#[tokio::test]
async fn another_user_pressing_snooze_a_week_on_a_managers_reminder_leaves_the_managers_reminders_on(
) {
    let (app, posts) = spawn_interactive_app().await;
    team(&app).await;
    app.coach_as(OTHER_BOSS, "status").await;
    let reminder = pace_reminder(&app, &posts).await;
    let (snooze, _) = button(&reminder, "Snooze a week");
    let before = the_boss_records(&app).await;

    app.interact(&press_on_bot_message(OTHER_BOSS, &snooze, None, &reminder))
        .await;

    // The press pauses the presser's own reminders, and says so.
    assert_eq!(the_boss_records(&app).await, before);
    assert_eq!(before.2, None, "the boss's reminders are on");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE user_id = 'U0OTHER' AND snoozed_until = '2026-12-02'")
            .await,
        1
    );
    app.follow_ups_settled().await;
    let updated = app.slack_bodies("/api/chat.update").await;
    let shown = text_of(&updated.last().expect("an answer")["blocks"]);
    assert!(
        shown.contains("Reminders paused; they start again on Wed 2 Dec."),
        "{shown}"
    );
}
