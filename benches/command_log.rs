//! Throughput and latency of the signed `/coach` log path: the real app
//! over loopback HTTP, a real SQLite file, a fake Slack. Run with
//! `cargo bench --bench command_log`; it prints logs/s and latency
//! percentiles. The load generator shares the machine's cores with the app.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coachbot::clock::Clock;
use coachbot::config::{Environment, Settings};
use coachbot::startup::Application;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "bench-signing-secret";
const MANAGERS: usize = 50;
const REPS_PER_MANAGER: usize = 6;
const WARMUP: usize = 2_000;

/// `BENCH_REQUESTS` and `BENCH_CONCURRENCY` override the defaults.
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sign(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

fn body(manager: usize, text: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", "T0BENCH"),
        ("team_domain", "bench"),
        ("channel_id", "C0BENCH"),
        ("channel_name", "bench"),
        ("user_id", &format!("U0M{manager:04}")),
        ("user_name", "manager"),
        ("command", "/coach"),
        ("text", text),
        ("api_app_id", "A0BENCH"),
        ("response_url", "http://127.0.0.1:9/unused"),
        ("trigger_id", "1.2.3"),
    ])
    .expect("form")
}

async fn post(http: &reqwest::Client, url: &str, body: String) -> Duration {
    let ts = chrono::Utc::now().timestamp().to_string();
    let started = Instant::now();
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(&ts, &body))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("body");
    assert!(
        text.contains("Logged") || text.contains("joined") || text.contains("Working on it"),
        "{text}"
    );
    started.elapsed()
}

async fn run(
    http: &reqwest::Client,
    url: &str,
    count: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, url, next) = (http.clone(), url.to_string(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        break latencies;
                    }
                    let manager = i % MANAGERS;
                    let rep = (i / MANAGERS) % REPS_PER_MANAGER;
                    let text = format!("45m <@U0R{manager:04}{rep}|rep> pipeline review");
                    latencies.push(post(&http, &url, body(manager, &text)).await);
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(count);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    (started.elapsed(), latencies)
}

/// Peak resident memory of this process (app and load generator together),
/// from Linux's /proc; `None` elsewhere.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let slack = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"ok": true, "user": {"id": "U0", "tz": "Europe/Berlin"}}),
        ))
        .mount(&slack)
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let vars: HashMap<String, String> = HashMap::from([
        ("SLACK_BOT_TOKEN".into(), "xoxb-bench".into()),
        ("SLACK_SIGNING_SECRET".into(), SECRET.into()),
        ("SLACK_API_URL".into(), format!("{}/api/", slack.uri())),
        (
            "DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ),
        ("COACHBOT_LISTEN".into(), "127.0.0.1:0".into()),
        ("COACHBOT_METRICS_LISTEN".into(), "127.0.0.1:0".into()),
    ]);
    let environment = Environment::read(&vars).expect("env");
    let settings = Settings::load(None, &vars).expect("settings");
    let app = Application::build(settings, &environment, Clock::System)
        .await
        .expect("app");
    let url = format!("http://127.0.0.1:{}/slack/commands", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let requests = setting("BENCH_REQUESTS", 40_000);
    let concurrency = setting("BENCH_CONCURRENCY", 64);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    for manager in 0..MANAGERS {
        let reps: Vec<String> = (0..REPS_PER_MANAGER)
            .map(|rep| format!("<@U0R{manager:04}{rep}>"))
            .collect();
        post(
            &http,
            &url,
            body(manager, &format!("team add {}", reps.join(" "))),
        )
        .await;
    }
    run(&http, &url, WARMUP, concurrency).await;
    let (elapsed, mut latencies) = run(&http, &url, requests, concurrency).await;
    latencies.sort();
    println!(
        "{requests} signed /coach logs, {concurrency} concurrent, {MANAGERS} managers × {REPS_PER_MANAGER} reps: {:.0} logs/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        requests as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak memory (app and load generator together): {mib:.0} MiB");
    }
}
