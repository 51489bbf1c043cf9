//! Only requests Slack signed, recently, and of sane size get through.

use crate::helpers::*;

async fn nothing_stored_and_slack_untouched(app: &TestApp) {
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    // Only the start's `auth.test`, which learns the token's workspace.
    let calls = app.slack.received_requests().await.unwrap_or_default();
    assert!(
        calls.iter().all(|call| call.url.path() == "/api/auth.test"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn a_forged_signature_is_refused_with_401_and_stores_nothing() {
    let app = spawn_app().await;
    let body = command_body(BOSS, "team add <@U0ANA|ana>", &app.response_url());
    let ts = app.now_timestamp();
    let forged = sign("not-the-secret", &ts, &body);
    let response = app.post_signed("/slack/commands", body, &ts, &forged).await;
    assert_eq!(response.status().as_u16(), 401);
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused() {
    let app = spawn_app().await;
    let ts = app.now_timestamp();
    let signature = sign(
        SIGNING_SECRET,
        &ts,
        command_body(BOSS, "status", &app.response_url()),
    );
    let tampered = command_body(BOSS, "team add <@U0ANA|ana>", &app.response_url());
    let response = app
        .post_signed("/slack/commands", tampered, &ts, &signature)
        .await;
    assert_eq!(response.status().as_u16(), 401);
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn a_timestamp_over_five_minutes_old_or_ahead_is_refused() {
    let app = spawn_app().await;
    for offset in [-301_i64, 301] {
        let body = command_body(BOSS, "team add <@U0ANA|ana>", &app.response_url());
        let ts = (app.clock.now().timestamp() + offset).to_string();
        let signature = sign(SIGNING_SECRET, &ts, &body);
        let response = app
            .post_signed("/slack/commands", body, &ts, &signature)
            .await;
        assert_eq!(response.status().as_u16(), 401, "offset {offset}");
    }
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn a_timestamp_within_five_minutes_is_accepted() {
    let app = spawn_app().await;
    for offset in [-299_i64, 299] {
        let body = command_body(BOSS, "help", &app.response_url());
        let ts = (app.clock.now().timestamp() + offset).to_string();
        let signature = sign(SIGNING_SECRET, &ts, &body);
        let response = app
            .post_signed("/slack/commands", body, &ts, &signature)
            .await;
        assert_eq!(response.status().as_u16(), 200, "offset {offset}");
    }
}

#[tokio::test]
async fn a_timestamp_that_is_not_a_number_is_refused() {
    let app = spawn_app().await;
    let body = command_body(BOSS, "status", &app.response_url());
    let signature = sign(SIGNING_SECRET, "soon", &body);
    let response = app
        .post_signed("/slack/commands", body, "soon", &signature)
        .await;
    assert_eq!(response.status().as_u16(), 401);
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn a_request_without_signature_headers_is_refused() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/slack/commands", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(command_body(BOSS, "status", &app.response_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    let response = app
        .post_signed(
            "/slack/commands",
            command_body(BOSS, "status", ""),
            &app.now_timestamp(),
            "garbage",
        )
        .await;
    assert_eq!(response.status().as_u16(), 401);
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let text = format!("45m <@U0ANA|ana> {}", "x".repeat(70 * 1024));
    let body = command_body(BOSS, &text, &app.response_url());
    let ts = app.now_timestamp();
    let signature = sign(SIGNING_SECRET, &ts, &body);
    let response = app
        .post_signed("/slack/commands", body, &ts, &signature)
        .await;
    assert_eq!(response.status().as_u16(), 413);
    nothing_stored_and_slack_untouched(&app).await;
}

#[tokio::test]
async fn events_and_interactions_are_verified_too() {
    let app = spawn_app().await;
    let body = r#"{"type":"url_verification","challenge":"abc123","token":"x"}"#.to_string();
    let ts = app.now_timestamp();
    let forged = sign("wrong", &ts, &body);
    let response = app
        .post_signed("/slack/events", body.clone(), &ts, &forged)
        .await;
    assert_eq!(response.status().as_u16(), 401);
    let signature = sign(SIGNING_SECRET, &ts, &body);
    let response = app
        .post_signed("/slack/events", body, &ts, &signature)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value = response.json().await.expect("json");
    assert_eq!(json["challenge"], "abc123");
    let response = app
        .post_signed("/slack/interactions", "payload=%7B%7D".into(), &ts, &forged)
        .await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn health_needs_no_signature() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn health_reports_a_database_that_does_not_answer() {
    let app = spawn_app().await;
    app.ctx.store.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 503);
}
