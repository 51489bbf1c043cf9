//! A fake Slack Web API for coachbot under load: it answers every method
//! as Slack does when all goes well, and counts the calls, so that the
//! Home-tab shape can report how many `views.publish` a burst of logs cost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::{any, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};

/// The calls coachbot made, as they arrived.
#[derive(Default)]
pub struct Calls {
    /// How many calls each Web API method got.
    pub by_method: BTreeMap<String, u64>,
    /// When each `views.publish` arrived, and for whom.
    pub publishes: Vec<(Instant, String)>,
}

/// What the Home-tab shape reports of the `views.publish` calls.
pub struct Publishes {
    pub total: usize,
    /// The most in any 60 seconds of the run.
    pub peak_per_minute: usize,
    /// The most for one user.
    pub most_for_one_user: usize,
}

impl Calls {
    pub fn publishes(&self) -> Publishes {
        let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, user) in &self.publishes {
            *per_user.entry(user).or_default() += 1;
        }
        let at: Vec<Instant> = self.publishes.iter().map(|(at, _)| *at).collect();
        let mut peak_per_minute = 0;
        let mut first = 0;
        for (last, instant) in at.iter().enumerate() {
            while instant.duration_since(at[first]) >= Duration::from_secs(60) {
                first += 1;
            }
            peak_per_minute = peak_per_minute.max(last + 1 - first);
        }
        Publishes {
            total: at.len(),
            peak_per_minute,
            most_for_one_user: per_user.values().copied().max().unwrap_or(0),
        }
    }
}

pub struct FakeSlack {
    /// Where coachbot's `SLACK_API_URL` points.
    pub api_url: String,
    /// Where the slash commands' `response_url` points, for late answers.
    pub response_url: String,
    pub calls: Arc<Mutex<Calls>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let calls = Arc::new(Mutex::new(Calls::default()));
        let router = Router::new()
            .route("/api/{method}", any(method))
            .route("/respond", post(|| async { "ok" }))
            .with_state(calls.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Slack has a port");
        let address = listener.local_addr().expect("the fake Slack's address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the fake Slack serves");
        });
        FakeSlack {
            api_url: format!("http://{address}/api/"),
            response_url: format!("http://{address}/respond"),
            calls,
            server,
        }
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn method(
    State(calls): State<Arc<Mutex<Calls>>>,
    Path(method): Path<String>,
    body: Bytes,
) -> Json<Value> {
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut calls = calls
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *calls.by_method.entry(method.clone()).or_default() += 1;
    Json(match method.as_str() {
        "users.info" => json!({
            "ok": true,
            "user": { "id": "U0BENCH", "tz": "Europe/Berlin", "tz_offset": 3600 }
        }),
        "chat.postMessage" => json!({
            "ok": true, "channel": "D0BENCH", "ts": "1700000000.000100",
            "message": { "type": "message", "ts": "1700000000.000100", "bot_id": "B0BENCH", "text": "posted" }
        }),
        "views.publish" => {
            let user = request["user_id"].as_str().unwrap_or_default().to_string();
            calls.publishes.push((Instant::now(), user));
            let mut view = request["view"].clone();
            view["id"] = json!("V0HOME");
            view["team_id"] = json!("T0BENCH");
            view["hash"] = json!(format!("{}.bench", calls.publishes.len()));
            view["state"] = json!({ "values": {} });
            json!({ "ok": true, "view": view })
        }
        _ => json!({ "ok": true }),
    })
}
