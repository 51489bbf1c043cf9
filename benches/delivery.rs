//! Delivery at the rate Slack allows, in real time: `coachbot serve` in
//! process (HTTP, scheduler and delivery workers, a real SQLite file)
//! against a fake Slack that enforces Slack's limits, one post per second
//! per channel and `BENCH_SLACK_PER_SECOND` (default 50) in the workspace,
//! answering 429 with `Retry-After: 1` beyond them. `BENCH_REMINDERS`
//! (default 1,000) managers' reminders are due at once; halfway through, a
//! manager logs a 1:1 and their rep is asked to confirm it; meanwhile a
//! `/coach status` goes every 50 ms. Run with `cargo bench --bench
//! delivery`; it prints the rate reached, the time to the last post, the
//! question's wait and `/coach`'s latency.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coachbot::app::delivery::DeliveryPolicy;
use coachbot::clock::Clock;
use coachbot::config::{Environment, Settings};
use coachbot::domain::{Job, WorkspaceId};
use coachbot::scheduler::TICK_EVERY;
use coachbot::slack::verify::sign;
use coachbot::startup::Application;
use coachbot::store::{MessageKind, NewReminder};
use secrecy::SecretString;

const SECRET: &str = "bench-signing-secret";
const MANAGER: &str = "U0MANAGER";
const REP: &str = "U0REP";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fake Slack's records: when each post was taken, to whom; the 429s.
#[derive(Default)]
struct Slack {
    per_second: usize,
    taken: Vec<(Instant, String)>,
    refused: usize,
}

type Shared = Arc<Mutex<Slack>>;

async fn post_message(State(slack): State<Shared>, body: axum::body::Bytes) -> Response {
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let channel = request["channel"].as_str().unwrap_or_default().to_string();
    let now = Instant::now();
    let mut slack = slack.lock().unwrap_or_else(|p| p.into_inner());
    let recent = slack
        .taken
        .iter()
        .rev()
        .take_while(|(at, _)| now.duration_since(*at) < Duration::from_secs(1));
    let (mut in_workspace, mut in_channel) = (0, 0);
    for (_, to) in recent {
        in_workspace += 1;
        in_channel += usize::from(*to == channel);
    }
    if in_workspace >= slack.per_second || in_channel >= 1 {
        slack.refused += 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", "1")],
            axum::Json(serde_json::json!({ "ok": false, "error": "ratelimited" })),
        )
            .into_response();
    }
    slack.taken.push((now, channel.clone()));
    let ts = format!("1700000000.{:06}", slack.taken.len());
    axum::Json(serde_json::json!({
        "ok": true, "channel": format!("D{channel}"), "ts": ts,
        "message": { "type": "message", "ts": ts, "text": request["text"] },
    }))
    .into_response()
}

async fn users_info() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"ok": true, "user": {"id": MANAGER, "tz": "UTC"}}))
}

/// `/coach text` from the manager, signed as Slack signs it; how long the
/// answer took.
async fn coach(http: &reqwest::Client, url: &str, text: &str) -> Duration {
    let body = serde_urlencoded::to_string([
        ("team_id", "T0BENCH"),
        ("channel_id", "C0BENCH"),
        ("user_id", MANAGER),
        ("command", "/coach"),
        ("text", text),
        ("response_url", "http://127.0.0.1:9/unused"),
        ("trigger_id", "1.2.3"),
    ])
    .expect("form");
    let ts = chrono::Utc::now().timestamp().to_string();
    let signature = sign(&SecretString::from(SECRET), &ts, body.as_bytes());
    let started = Instant::now();
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("body");
    started.elapsed()
}

/// The latency at or below which `percent` of the sorted `latencies` fall.
fn percentile(latencies: &[Duration], percent: usize) -> Duration {
    let rank = (latencies.len() * percent).div_ceil(100).max(1);
    latencies.get(rank - 1).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let reminders = setting("BENCH_REMINDERS", 1_000);
    let slack: Shared = Arc::new(Mutex::new(Slack {
        per_second: setting("BENCH_SLACK_PER_SECOND", 50),
        ..Slack::default()
    }));
    let fake = axum::Router::new()
        .route("/api/chat.postMessage", axum::routing::post(post_message))
        .route("/api/users.info", axum::routing::get(users_info))
        .with_state(slack.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let slack_url = format!("http://{}/api/", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, fake).await });

    let dir = tempfile::tempdir().expect("dir");
    let vars: HashMap<String, String> = HashMap::from([
        ("SLACK_BOT_TOKEN".into(), "xoxb-bench".into()),
        ("SLACK_SIGNING_SECRET".into(), SECRET.into()),
        ("SLACK_API_URL".into(), slack_url),
        (
            "DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ),
        ("COACHBOT_LISTEN".into(), "127.0.0.1:0".into()),
        ("COACHBOT_METRICS_LISTEN".into(), "127.0.0.1:0".into()),
        (
            "COACHBOT__COACHING__ASK_REPS_TO_CONFIRM".into(),
            "true".into(),
        ),
    ]);
    let environment = Environment::read(&vars).expect("env");
    let settings = Settings::load(None, &vars).expect("settings");
    let app = Application::build(settings, &environment, Clock::System)
        .await
        .expect("app")
        .with_scheduler(TICK_EVERY, DeliveryPolicy::default());
    let url = format!("http://127.0.0.1:{}/slack/commands", app.port());
    let ctx = app.context().clone();
    let http = reqwest::Client::new();

    let now = chrono::Utc::now();
    for i in 0..reminders {
        let reminder = NewReminder {
            workspace: WorkspaceId::parse("T0BENCH").expect("workspace"),
            kind: MessageKind::Job(Job::MeetingCheck),
            recipient: format!("U9{i:06}"),
            local_date: now.date_naive(),
            subject: String::new(),
            message: Some(serde_json::json!({ "text": format!("reminder {i}") }).to_string()),
            summary: "bench".into(),
            expires_at: now + chrono::Duration::days(1),
        };
        ctx.store
            .insert_reminder(&reminder, now)
            .await
            .expect("stores");
    }
    let started = Instant::now();
    tokio::spawn(app.run_until(std::future::pending()));
    coach(&http, &url, &format!("team add <@{REP}>")).await;

    let taken = || slack.lock().unwrap_or_else(|p| p.into_inner()).taken.len();
    let mut latencies = Vec::new();
    let mut asked: Option<Instant> = None;
    while taken() < reminders + 1 {
        latencies.push(coach(&http, &url, "status").await);
        if asked.is_none() && taken() >= reminders / 2 {
            asked = Some(Instant::now());
            coach(&http, &url, &format!("30m <@{REP}> pipeline review")).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(started.elapsed() < Duration::from_secs(600), "stalled");
    }
    let slack = slack.lock().unwrap_or_else(|p| p.into_inner());
    let question_after = slack
        .taken
        .iter()
        .find(|(_, to)| to == REP)
        .zip(asked)
        .map(|((when, _), at)| when.duration_since(at));
    let last = slack.taken.last().map(|(at, _)| at.duration_since(started));
    let last = last.unwrap_or_default().as_secs_f64();
    let mut channels: Vec<&str> = slack.taken.iter().map(|(_, to)| to.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    latencies.sort();
    println!(
        "{reminders} reminders due at once, Slack taking {} a second: {} posts to {} channels, {} refused with 429; last post after {last:.1} s, {:.1} posts/s on average; rate reached {} posts/s",
        slack.per_second,
        slack.taken.len(),
        channels.len(),
        slack.refused,
        slack.taken.len() as f64 / last,
        ctx.deliveries
            .posts_per_second(&WorkspaceId::parse("T0BENCH").expect("workspace"))
            .unwrap_or_default(),
    );
    if let Some(after) = question_after {
        println!(
            "the rep's question, logged halfway, went {:.2} s after the log",
            after.as_secs_f64()
        );
    }
    println!(
        "/coach status during delivery ({} requests): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 50).as_secs_f64() * 1e3,
        percentile(&latencies, 95).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
