//! Buttons, forms and the shortcut end to end: signed payloads in the shape
//! Slack sends them, the real app, real SQLite, and a fake Slack that
//! records the views it opened and the messages it was asked to change.

use chrono::{DateTime, Utc};
use coachbot::scheduler::tick;
use serde_json::{json, Value};

use crate::helpers::payloads::*;
use crate::helpers::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

/// Wednesday 25 November, 09:00 in Berlin: coaching-pace's time.
const WEDNESDAY_9_BERLIN: &str = "2026-11-25T08:00:00Z";

/// The app with views, updates and a `chat.postMessage` that remembers.
pub(crate) async fn spawn_interactive_app() -> (TestApp, FakePosts) {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let app = spawn_app_with(slack, at(WEDNESDAY_9_BERLIN), &[]).await;
    (app, posts)
}

/// The boss's team, Ana and Ben, since 1 November.
pub(crate) async fn team(app: &TestApp) {
    let answer = app
        .coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    assert!(answer.text().contains("on your team since"), "{answer:?}");
}

/// Every button in a message's or view's blocks: (action ID, value, label).
pub(crate) fn buttons(blocks: &Value) -> Vec<(String, Option<String>, String)> {
    let mut found = Vec::new();
    for block in blocks.as_array().into_iter().flatten() {
        let elements: Vec<&Value> = match block["type"].as_str() {
            Some("actions") => block["elements"].as_array().into_iter().flatten().collect(),
            Some("section") if block["accessory"]["type"] == "button" => vec![&block["accessory"]],
            _ => vec![],
        };
        for element in elements {
            found.push((
                element["action_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                element["value"].as_str().map(str::to_string),
                element["text"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
        }
    }
    found
}

pub(crate) fn button(blocks: &Value, label_or_id: &str) -> (String, Option<String>) {
    buttons(blocks)
        .into_iter()
        .find(|(id, _, label)| label == label_or_id || id.starts_with(label_or_id))
        .map(|(id, value, _)| (id, value))
        .unwrap_or_else(|| panic!("no button {label_or_id} in {blocks}"))
}

pub(crate) fn text_of(value: &Value) -> String {
    let mut out = Vec::new();
    collect(value, &mut out);
    out.join("\n")
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("text", Value::String(s)) => out.push(s.clone()),
                    _ => collect(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// The pace reminder the boss gets on Wednesday: Ana and Ben are behind.
pub(crate) async fn pace_reminder(app: &TestApp, posts: &FakePosts) -> Value {
    tick(&app.ctx, at(WEDNESDAY_9_BERLIN), &Default::default())
        .await
        .expect("ticks");
    let delivered = posts.delivered();
    let reminder = delivered
        .iter()
        .find(|post| post.text().contains("behind this month's coaching pace"))
        .expect("a pace reminder");
    reminder.body["blocks"].clone()
}

#[tokio::test]
async fn from_a_pace_reminder_to_a_stored_session_takes_two_taps() {
    let (app, posts) = spawn_interactive_app().await;
    team(&app).await;
    let reminder = pace_reminder(&app, &posts).await;
    let (action_id, value) = button(&reminder, "log_coaching:0");

    // Tap one: the reminder's button opens the form with Ana and the
    // suggested kind chosen, 30 minutes and today.
    let pressed = app
        .interact(&press_on_bot_message(
            BOSS,
            &action_id,
            value.as_deref(),
            &reminder,
        ))
        .await;
    assert_eq!(pressed.status().as_u16(), 200);
    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["trigger_id"], "trigger-from-button");
    let form = &opened[0]["view"];
    assert_eq!(form["callback_id"], "log_coaching");
    let block = |id: &str| {
        form["blocks"]
            .as_array()
            .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {form}"))
    };
    assert_eq!(block("reps")["element"]["initial_users"], json!(["U0ANA"]));
    assert_eq!(block("minutes")["element"]["initial_value"], "30");
    let kind = block("kind")["element"]["initial_option"]["value"].clone();
    assert_eq!(
        kind, "pipeline",
        "no kind yet: the first suggestion, a pipeline review"
    );
    assert_eq!(block("day")["element"]["initial_date"], "2026-11-25");

    // Tap two: submit the form as it opened.
    let answer = app
        .interact(&submission(
            form,
            "V0VIEW1",
            session_values(&["U0ANA"], "30", "pipeline", "2026-11-25", ""),
        ))
        .await;
    assert_eq!(answer.status().as_u16(), 200);
    let answer: Value = answer.json().await.expect("json");
    assert_eq!(answer["response_action"], "update");
    let result = text_of(&answer["view"]["blocks"]);
    assert!(
        result.contains("Logged 30m of pipeline review with <@U0ANA> on Wed 25 Nov."),
        "{result}"
    );
    assert!(result.contains("<@U0ANA> — 30m this month"), "{result}");
    let (undo, _) = button(&answer["view"]["blocks"], "Undo");
    assert_eq!(undo, "undo:0");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0ANA' AND minutes = 30 AND activity = 'pipeline'")
            .await,
        1
    );

    // The reminder says what was done and drops the pressed button.
    let updated = reminder_updated(
        &app,
        1,
        "Logged 30m of pipeline review with <@U0ANA>",
        &action_id,
    )
    .await;
    assert!(
        buttons(&updated["blocks"])
            .iter()
            .any(|(id, _, _)| id.starts_with("log_coaching:1")),
        "Ben's button stays"
    );
}

/// The reminder as the `count`th `chat.update` left it: it says `says`
/// and the button pressed is gone.
async fn reminder_updated(app: &TestApp, count: usize, says: &str, pressed: &str) -> Value {
    let updated = bodies_after(app, "/api/chat.update", count).await;
    let reminder = updated[count - 1].clone();
    assert_eq!(reminder["channel"], "D0DM");
    assert_eq!(reminder["ts"], "1700000000.000100");
    assert!(text_of(&reminder["blocks"]).contains(says), "{reminder}");
    let left = buttons(&reminder["blocks"]);
    assert!(!left.iter().any(|(id, _, _)| id == pressed), "{left:?}");
    reminder
}

/// The fake Slack's bodies at `method` once the work after the
/// acknowledgement is done (updates happen then): at least `count`.
async fn bodies_after(app: &TestApp, method: &str, count: usize) -> Vec<Value> {
    app.follow_ups_settled().await;
    let bodies = app.slack_bodies(method).await;
    assert!(
        bodies.len() >= count,
        "{method} was called {} times",
        bodies.len()
    );
    bodies
}

/// The form the shortcut opens, for the submissions below.
async fn open_session_form(app: &TestApp) -> Value {
    let opened = app.interact(&shortcut(BOSS, "log_coaching")).await;
    assert_eq!(opened.status().as_u16(), 200);
    let views = app.slack_bodies("/api/views.open").await;
    assert_eq!(
        views.last().expect("a view")["trigger_id"],
        "trigger-from-shortcut"
    );
    views.last().expect("a view")["view"].clone()
}

#[tokio::test]
async fn a_wrong_form_comes_back_with_each_mistake_next_to_its_field_and_stores_nothing() {
    let (app, _posts) = spawn_interactive_app().await;
    team(&app).await;
    let form = open_session_form(&app).await;
    let cases = [
        (
            session_values(&["U0ANA"], "0", "pipeline", "2026-11-25", ""),
            "minutes",
            "Less than a minute is nothing to log",
        ),
        (
            session_values(&["U0ANA"], "481", "pipeline", "2026-11-25", ""),
            "minutes",
            "longer than 8h",
        ),
        (
            session_values(&["U0ANA"], "30", "pipeline", "2026-11-26", ""),
            "day",
            "Thu 26 Nov hasn't happened yet",
        ),
        (
            session_values(&["U0ANA"], "30", "pipeline", "2026-09-01", ""),
            "day",
            "more than 62 days ago",
        ),
        (
            session_values(&["U0CAL"], "30", "pipeline", "2026-11-25", ""),
            "reps",
            "The rep you picked isn't on your team yet. Add them with /coach team add",
        ),
        (
            session_values(&["U0ANA", "U0CAL"], "30", "pipeline", "2026-11-25", ""),
            "reps",
            "1 rep you picked (2nd) isn't on your team yet",
        ),
        (
            session_values(&["U0ANA"], "30", "deal", "2026-11-25", "ride-along to Acme"),
            "note",
            "Riding along on a joint call is selling together",
        ),
        (
            session_values(&[], "30", "deal", "2026-11-25", ""),
            "reps",
            "Pick at least one rep",
        ),
    ];
    for (values, field, says) in cases {
        let answer: Value = app
            .interact(&submission(&form, "V0VIEW1", values.clone()))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(answer["response_action"], "errors", "{values}");
        let error = answer["errors"][field].as_str().unwrap_or_default();
        assert!(error.contains(says), "{field}: {error:?} lacks {says:?}");
    }
    // Two mistakes at once come back at once.
    let answer: Value = app
        .interact(&submission(
            &form,
            "V0VIEW1",
            session_values(&["U0ANA"], "0", "pipeline", "2026-11-26", ""),
        ))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        answer["errors"]["minutes"].is_string() && answer["errors"]["day"].is_string(),
        "{answer}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn undo_on_a_typed_confirmation_takes_the_line_back_and_a_second_press_changes_nothing() {
    let (app, _posts) = spawn_interactive_app().await;
    team(&app).await;
    let logged = app.coach("45m <@U0ANA> <@U0BEN> pipeline review").await;
    let (undo, line) = button(&logged.json["blocks"], "Undo");
    let response_url = format!("{}/actions/1", app.slack.uri());

    app.interact(&press_on_ephemeral(&undo, line.as_deref(), &response_url))
        .await;

    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM log_reps").await, 0);
    let replaced = bodies_after(&app, "/actions/1", 1).await;
    assert_eq!(replaced[0]["replace_original"], true);
    assert!(
        text_of(&replaced[0]).contains("Removed 45m of pipeline review with <@U0ANA> and <@U0BEN>"),
        "{}",
        replaced[0]
    );

    app.coach("20m <@U0ANA> deal review").await;
    app.interact(&press_on_ephemeral(&undo, line.as_deref(), &response_url))
        .await;

    let replaced = bodies_after(&app, "/actions/1", 2).await;
    assert!(
        text_of(&replaced[1]).contains("That was taken back already; nothing changed."),
        "{}",
        replaced[1]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs").await,
        1,
        "the later entry stays"
    );
}

#[tokio::test]
async fn undo_in_the_view_a_form_closed_with_takes_the_session_back_there() {
    let (app, _posts) = spawn_interactive_app().await;
    team(&app).await;
    let form = open_session_form(&app).await;
    let answer: Value = app
        .interact(&submission(
            &form,
            "V0VIEW1",
            session_values(
                &["U0BEN"],
                "25",
                "skill",
                "2026-11-24",
                "objection handling",
            ),
        ))
        .await
        .json()
        .await
        .expect("json");
    let (undo, line) = button(&answer["view"]["blocks"], "Undo");

    app.interact(&press_in_view(&undo, line.as_deref(), "V0VIEW1"))
        .await;

    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    let updated = bodies_after(&app, "/api/views.update", 1).await;
    assert_eq!(updated[0]["view_id"], "V0VIEW1");
    assert!(
        text_of(&updated[0]["view"]).contains("Removed 25m of learning a skill with <@U0BEN>"),
        "{}",
        updated[0]
    );
}

#[tokio::test]
async fn snooze_a_week_from_a_reminder_silences_the_next_one_and_a_second_press_keeps_it() {
    let (app, posts) = spawn_interactive_app().await;
    team(&app).await;
    let reminder = pace_reminder(&app, &posts).await;
    let (snooze, _) = button(&reminder, "Snooze a week");

    app.interact(&press_on_bot_message(BOSS, &snooze, None, &reminder))
        .await;

    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-02'")
            .await,
        1
    );
    reminder_updated(
        &app,
        1,
        "Reminders paused; they start again on Wed 2 Dec.",
        &snooze,
    )
    .await;

    // Pressed again on the old message, two days later: nothing changes.
    app.clock.set(at("2026-11-27T08:00:00Z"));
    app.interact(&press_on_bot_message(BOSS, &snooze, None, &reminder))
        .await;
    let updated = bodies_after(&app, "/api/chat.update", 2).await;
    assert!(
        text_of(&updated[1]["blocks"]).contains("Reminders were already paused until Wed 2 Dec"),
        "{}",
        updated[1]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-02'")
            .await,
        1
    );

    // Monday's meeting reminder does not come; the one after the snooze does.
    let before = posts.delivered().len();
    tick(&app.ctx, at("2026-11-30T08:00:00Z"), &Default::default())
        .await
        .expect("ticks");
    assert_eq!(posts.delivered().len(), before);
    tick(&app.ctx, at("2026-12-07T08:00:00Z"), &Default::default())
        .await
        .expect("ticks");
    let delivered = posts.delivered();
    assert_eq!(delivered.len(), before + 1);
    assert!(
        delivered[before].text().contains("team meeting"),
        "{}",
        delivered[before].text()
    );
}

#[tokio::test]
async fn coach_log_meeting_opens_the_meeting_form_and_it_logs_a_meeting() {
    let (app, _posts) = spawn_interactive_app().await;
    team(&app).await;

    let answer = app.coach("log meeting").await;

    assert!(answer.text().contains("The form is open."), "{answer:?}");
    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["trigger_id"], "123.456.abc");
    let form = &opened[0]["view"];
    assert_eq!(form["callback_id"], "log_meeting");
    let answer: Value = app
        .interact(&submission(
            form,
            "V0VIEW1",
            json!({
                "minutes": { "minutes": { "type": "number_input", "value": "45" } },
                "day": { "day": { "type": "datepicker", "selected_date": "2026-11-23" } },
                "topics": { "topics": { "type": "checkboxes", "selected_options": [
                    { "text": { "type": "plain_text", "text": "Stuck deals" }, "value": "stuck_deals" },
                    { "text": { "type": "plain_text", "text": "Customer wins or losses" }, "value": "customer_wins_losses" }
                ] } },
                "note": { "note": { "type": "plain_text_input", "value": null } }
            }),
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert!(
        text_of(&answer["view"])
            .contains("Logged a 45m team meeting on Mon 23 Nov; it counts for 2 reps."),
        "{answer}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs WHERE kind = 'meeting' AND topics = 'stuck_deals,customer_wins_losses'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_new_manager_gets_a_holding_view_at_once_then_their_form() {
    let (app, _posts) = spawn_interactive_app().await;

    app.interact(&shortcut("U0NEWBIE", "log_coaching")).await;

    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), 1);
    assert!(
        text_of(&opened[0]["view"]).contains("Getting your form ready"),
        "{}",
        opened[0]
    );
    let updated = bodies_after(&app, "/api/views.update", 1).await;
    assert_eq!(updated[0]["view_id"], "V0VIEW1");
    assert_eq!(updated[0]["view"]["callback_id"], "log_coaching");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE user_id = 'U0NEWBIE' AND slack_tz = 'Europe/Berlin'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_button_from_an_older_version_says_plainly_it_no_longer_works() {
    let (app, _posts) = spawn_interactive_app().await;
    team(&app).await;
    let response_url = format!("{}/actions/1", app.slack.uri());

    app.interact(&press_on_ephemeral(
        "reticulate:0",
        Some("x"),
        &response_url,
    ))
    .await;

    let replaced = bodies_after(&app, "/actions/1", 1).await;
    assert!(
        text_of(&replaced[0]).contains("That button no longer does anything."),
        "{}",
        replaced[0]
    );
}

#[tokio::test]
async fn interactions_are_verified_like_commands() {
    let (app, _posts) = spawn_interactive_app().await;
    let body =
        serde_urlencoded::to_string([("payload", shortcut(BOSS, "log_coaching").to_string())])
            .expect("form");
    let ts = app.now_timestamp();
    let forged = sign("not-the-secret", &ts, &body);

    let response = app
        .post_signed("/slack/interactions", body, &ts, &forged)
        .await;

    assert_eq!(response.status().as_u16(), 401);
    assert!(app.slack_calls("/api/views.open").await.is_empty());
}

#[tokio::test]
async fn log_the_meeting_on_the_meeting_reminder_opens_the_meeting_form_and_the_reminder_says_it_was_logged(
) {
    let (app, posts) = spawn_interactive_app().await;
    team(&app).await;
    // Two Mondays on (the boss started on Wednesday 25 November), the
    // meeting is due.
    app.clock.set(at("2026-12-07T08:00:00Z"));
    tick(&app.ctx, at("2026-12-07T08:00:00Z"), &Default::default())
        .await
        .expect("ticks");
    let delivered = posts.delivered();
    let reminder = delivered
        .iter()
        .find(|post| post.text().contains("team meeting"))
        .expect("a meeting reminder")
        .body["blocks"]
        .clone();
    let (log_meeting, value) = button(&reminder, "Log the meeting");

    app.interact(&press_on_bot_message(
        BOSS,
        &log_meeting,
        value.as_deref(),
        &reminder,
    ))
    .await;

    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), 1);
    let form = &opened[0]["view"];
    assert_eq!(form["callback_id"], "log_meeting");
    let answer: Value = app
        .interact(&submission(
            form,
            "V0VIEW1",
            json!({
                "minutes": { "minutes": { "type": "number_input", "value": "60" } },
                "day": { "day": { "type": "datepicker", "selected_date": "2026-12-07" } },
                "topics": { "topics": { "type": "checkboxes", "selected_options": [] } },
                "note": { "note": { "type": "plain_text_input", "value": null } }
            }),
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs WHERE kind = 'meeting' AND minutes = 60")
            .await,
        1
    );
    reminder_updated(
        &app,
        1,
        "Logged a 1h team meeting on Mon 7 Dec",
        &log_meeting,
    )
    .await;
}
