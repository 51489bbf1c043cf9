//! Fixing entries after the fact, end to end: Edit and Delete pressed on
//! the Home tab in signed payloads, the forms they open submitted, and the
//! month's totals, `status`, the export and `coachbot check` all following.

use serde_json::{json, Value};

use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::text_of;

async fn spawn_edit_app() -> TestApp {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    FakePosts::mount(&slack).await;
    spawn_app_with(slack, friday_morning(), &[]).await
}

/// The Home tab's menu value for `label` beside the entry reading `text`.
pub(crate) async fn entry_menu(app: &TestApp, text: &str, label: &str) -> (String, String) {
    app.follow_ups_settled().await;
    app.event(
        &app_home_opened(BOSS, &format!("Ev{label}{}", text.len())),
        None,
    )
    .await;
    app.follow_ups_settled().await;
    let published = app.slack_bodies("/api/views.publish").await;
    let view = &published.last().expect("a Home tab")["view"];
    let block = view["blocks"]
        .as_array()
        .and_then(|blocks| {
            blocks.iter().find(|b| {
                b["text"]["text"].as_str().is_some_and(|t| t.contains(text))
                    && b["accessory"]["type"] == "overflow"
            })
        })
        .unwrap_or_else(|| panic!("no entry {text:?} in {view}"))
        .clone();
    let value = block["accessory"]["options"]
        .as_array()
        .and_then(|options| options.iter().find(|o| o["text"]["text"] == label))
        .and_then(|o| o["value"].as_str())
        .expect("the option")
        .to_string();
    (
        block["accessory"]["action_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        value,
    )
}

/// Chooses `label` in the entry's menu; returns the form it opened.
pub(crate) async fn choose(app: &TestApp, text: &str, label: &str) -> Value {
    let (menu, value) = entry_menu(app, text, label).await;
    let response = app
        .interact(&press_on_home(BOSS, &menu, None, Some(&value)))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    app.slack_bodies("/api/views.open")
        .await
        .last()
        .expect("a form")["view"]
        .clone()
}

pub(crate) async fn submit(app: &TestApp, form: &Value, values: Value) -> Value {
    let view_id = format!("V0VIEW{}", app.slack_bodies("/api/views.open").await.len());
    app.interact(&submission(form, &view_id, values))
        .await
        .json()
        .await
        .expect("json")
}

async fn check_is_green(app: &TestApp) {
    let run = run_binary(app, &["check"]).await;
    assert!(run.success, "coachbot check: {}{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn an_edited_session_changes_everywhere_it_counts_and_check_stays_green() {
    let app = spawn_edit_app().await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    app.coach("45m <@U0ANA> pipeline review, Acme").await;

    let form = choose(&app, "45m of pipeline review with <@U0ANA>", "Edit").await;

    // The form opens as the entry is.
    assert_eq!(form["callback_id"], "log_coaching");
    assert_eq!(form["title"]["text"], "Edit coaching");
    let field = |id: &str| {
        form["blocks"]
            .as_array()
            .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == id))
            .map(|b| b["element"].clone())
            .unwrap_or_default()
    };
    assert_eq!(field("reps")["initial_users"], json!(["U0ANA"]));
    assert_eq!(field("minutes")["initial_value"], "45");
    assert_eq!(field("kind")["initial_option"]["value"], "pipeline");
    assert_eq!(field("note")["initial_value"], "pipeline review, Acme");

    // A future day is refused like a typed one, and nothing changes.
    let refused = submit(
        &app,
        &form,
        session_values(&["U0ANA", "U0BEN"], "90", "deal", "2026-11-28", "Acme"),
    )
    .await;
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE minutes = 45")
            .await,
        1
    );

    // Saved: 90 minutes of deal help with Ana and Ben, the day before.
    let saved = submit(
        &app,
        &form,
        session_values(&["U0ANA", "U0BEN"], "90", "deal", "2026-11-26", "Acme"),
    )
    .await;
    assert_eq!(saved["response_action"], "update", "{saved}");
    assert!(
        text_of(&saved["view"]).contains("Changed 45m of pipeline review with <@U0ANA> on Fri 27 Nov to 1h 30m of help with a deal with <@U0ANA> and <@U0BEN> on Thu 26 Nov."),
        "{saved}"
    );
    let status = app.coach("status").await.blocks_text();
    assert!(status.contains("<@U0ANA> — 1h 30m this month"), "{status}");
    assert!(status.contains("<@U0BEN> — 1h 30m this month"), "{status}");
    let export = run_binary(&app, &["export", "--month", "2026-11"]).await;
    assert!(
        export
            .stdout
            .contains("2026-11-26,session,U0BOSS,U0ANA,90,deal"),
        "{}",
        export.stdout
    );
    assert!(
        export
            .stdout
            .contains("2026-11-26,session,U0BOSS,U0BEN,90,deal"),
        "{}",
        export.stdout
    );
    assert!(!export.stdout.contains(",45,"), "{}", export.stdout);
    check_is_green(&app).await;
}

#[tokio::test]
async fn a_deleted_entry_asks_once_then_stops_counting_everywhere() {
    let app = spawn_edit_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    app.coach("30m <@U0ANA> deal review").await;

    let question = choose(&app, "45m of pipeline review with <@U0ANA>", "Delete").await;

    assert_eq!(question["callback_id"], "delete_entry");
    assert!(
        text_of(&question).contains("Delete 45m of pipeline review with <@U0ANA> on Fri 27 Nov?"),
        "{question}"
    );
    // Asking deletes nothing; the answer does.
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 2);
    let deleted = submit(&app, &question, json!({})).await;
    assert!(
        text_of(&deleted["view"]).contains("Deleted 45m of pipeline review"),
        "{deleted}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 1);
    let status = app.coach("status").await.blocks_text();
    assert!(status.contains("<@U0ANA> — 30m this month"), "{status}");
    let export = run_binary(&app, &["export", "--month", "2026-11"]).await;
    assert!(!export.stdout.contains("pipeline"), "{}", export.stdout);
    check_is_green(&app).await;

    // The same question answered again (a double tap) changes nothing.
    let again = submit(&app, &question, json!({})).await;
    assert!(
        text_of(&again["view"]).contains("That entry is no longer there"),
        "{again}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 1);
    // And /coach undo no longer finds the deleted line, only the other.
    let undone = app.coach("undo").await.text();
    assert!(
        undone.contains("Removed 30m of help with a deal"),
        "{undone}"
    );
}

#[tokio::test]
async fn an_edited_meeting_keeps_counting_for_the_team_with_its_new_length() {
    let app = spawn_edit_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("meeting 30m stuck deals on 2026-11-23").await;

    let form = choose(&app, "30m team meeting", "Edit").await;

    assert_eq!(form["callback_id"], "log_meeting");
    let saved = submit(
        &app,
        &form,
        json!({
            "minutes": { "minutes": { "type": "number_input", "value": "60" } },
            "day": { "day": { "type": "datepicker", "selected_date": "2026-11-23" } },
            "topics": { "topics": { "type": "checkboxes", "selected_options": [
                { "text": { "type": "plain_text", "text": "Stuck deals" }, "value": "stuck_deals" }
            ] } },
            "note": { "note": { "type": "plain_text_input", "value": null } }
        }),
    )
    .await;
    assert_eq!(saved["response_action"], "update", "{saved}");
    let status = app.coach("status").await.blocks_text();
    assert!(status.contains("<@U0ANA> — 1h this month"), "{status}");
    check_is_green(&app).await;
}
