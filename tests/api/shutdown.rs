//! `coachbot serve` stopped by SIGTERM, as a service manager stops it: no
//! acknowledged log is lost, the work started after answering Slack is
//! waited for, and the process exits 0.

use wiremock::ResponseTemplate;

use crate::binary::{serve, Served};
use crate::helpers::*;

/// A body signed now, as Slack signs it, to a route of the running binary;
/// `Err` once the binary no longer takes requests.
async fn signed_now(
    http: &reqwest::Client,
    base: &str,
    route: &str,
    content_type: &str,
    body: String,
) -> reqwest::Result<reqwest::Response> {
    let ts = chrono::Utc::now().timestamp().to_string();
    http.post(format!("{base}{route}"))
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
}

/// `/coach <text>` to the running binary; its status and answer text.
async fn coach(http: &reqwest::Client, base: &str, text: &str) -> reqwest::Result<(u16, String)> {
    let body = command_body(BOSS, text, "http://127.0.0.1:1/unused");
    let response = signed_now(
        http,
        base,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        body,
    )
    .await?;
    let status = response.status().as_u16();
    let json: serde_json::Value = response.json().await?;
    Ok((
        status,
        json["text"].as_str().unwrap_or_default().to_string(),
    ))
}

/// Sends SIGTERM to the binary, as systemd or Kubernetes stop a service.
fn terminate(served: &Served) {
    let pid = served.child.id().expect("running");
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_in_the_middle_of_a_burst_exits_0_and_every_acknowledged_log_is_stored() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let mut served = serve(&slack, &db, &[("RUST_LOG", "info")]).await;
    let http = reqwest::Client::new();
    let (status, text) = coach(&http, &served.base, "team add <@U0ANA|ana>")
        .await
        .expect("answered");
    assert_eq!(status, 200, "{text}");
    // Each sender logs until the binary stops taking requests.
    let base = served.base.clone();
    let mut burst = Burst::start(16, move |text| {
        let (http, base) = (http.clone(), base.clone());
        async move { coach(&http, &base, &text).await.ok() }
    });
    burst.acknowledged_at_least(100).await;

    terminate(&served);
    let exit = served.child.wait().await.expect("exits");
    let acknowledged = burst.finished().await;

    let logged = served.logs.until_closed().await;
    assert_eq!(exit.code(), Some(0), "{logged}");
    assert!(
        logged.contains("coachbot stopped; every acknowledged change is stored"),
        "{logged}"
    );
    assert!(
        !logged.contains(" ERROR ") && !logged.contains(" WARN "),
        "{logged}"
    );
    let stored = refs_stored(&served.database_url).await;
    let missing: Vec<&u64> = acknowledged
        .iter()
        .filter(|n| !stored.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged, not stored: {missing:?}",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_waits_for_a_home_tab_being_drawn_after_slack_was_answered() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let publish = Held::mount(&slack, "POST", "/api/views.publish", |request| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "ok": true,
            "view": stateful_view(&body["view"], "V0HOME"),
        }))
    })
    .await;
    let mut served = serve(&slack, &db, &[("RUST_LOG", "info")]).await;
    let opened = signed_now(
        &reqwest::Client::new(),
        &served.base,
        "/slack/events",
        "application/json",
        payloads::app_home_opened(BOSS, "Ev0OPENED").to_string(),
    )
    .await
    .expect("answered");
    assert_eq!(opened.status().as_u16(), 200);
    publish.arrived().await;

    terminate(&served);
    served
        .logs
        .wait_for("shutting down: waiting for the work started after answering Slack")
        .await;
    publish.release();
    let exit = served.child.wait().await.expect("exits");

    let logged = served.logs.until_closed().await;
    assert_eq!(exit.code(), Some(0), "{logged}");
    assert!(
        logged.contains("1 × an opened Home tab recorded and drawn")
            || logged.contains("1 × a Home tab drawn again"),
        "{logged}"
    );
    assert!(!logged.contains("abandoned"), "{logged}");
    assert!(
        logged.contains("coachbot stopped; every acknowledged change is stored"),
        "{logged}"
    );
    let records = crate::databases::Records::open(&served.database_url).await;
    let published: Option<chrono::DateTime<chrono::Utc>> = records
        .value(
            "SELECT published_at FROM home_tabs WHERE user_id = $1",
            &[BOSS.into()],
        )
        .await;
    assert!(
        published.is_some(),
        "the publish was not recorded: {logged}"
    );
}
