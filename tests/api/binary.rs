//! The real `coachbot` binary, as an admin runs it.

use std::process::Command;
use std::time::Duration;

use crate::helpers::*;

fn coachbot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coachbot"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn serve_without_the_signing_secret_stops_with_one_line_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let output = coachbot()
        .args(["serve"])
        .env("SLACK_BOT_TOKEN", "xoxb-1")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("c.db").display()),
        )
        .env("COACHBOT_LISTEN", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("SLACK_SIGNING_SECRET is not set"),
        "{stderr}"
    );
    assert!(lines[0].contains("Basic Information"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn serve_without_the_bot_token_stops_with_one_line_naming_it() {
    let output = coachbot()
        .args(["serve"])
        .env("SLACK_SIGNING_SECRET", "s")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SLACK_BOT_TOKEN is not set"), "{stderr}");
}

#[test]
fn migrate_creates_the_database() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("fresh.db");
    let output = coachbot()
        .args(["migrate"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(db.exists());
}

#[tokio::test]
async fn the_binary_serves_signed_commands_and_never_logs_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        listener.local_addr().expect("addr").port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_coachbot"))
        .args(["serve"])
        .env_clear()
        .env("SLACK_BOT_TOKEN", "xoxb-super-secret-token")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_API_URL", format!("{}/api/", slack.uri()))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("c.db").display()),
        )
        .env("COACHBOT_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starts");
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the server came up");
    let body = command_body(BOSS, "team add <@U0ANA|ana>", "http://127.0.0.1:1/unused");
    let ts = chrono::Utc::now().timestamp().to_string();
    let response = http
        .post(format!("{base}/slack/commands"))
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value = response.json().await.expect("json");
    assert!(
        json["text"]
            .as_str()
            .unwrap_or_default()
            .contains("joined your team"),
        "{json}"
    );
    child.start_kill().expect("kill");
    let output = child.wait_with_output().await.expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("xoxb-super-secret-token"),
        "token leaked: {stderr}"
    );
    assert!(!stderr.contains(SIGNING_SECRET), "secret leaked: {stderr}");
}
