//! A fake Slack for delivery: `chat.postMessage` that keeps each message
//! it takes (with its metadata) in its conversation, limits posts as Slack
//! does (one per second per channel, `per_second` in the workspace, then
//! 429 with `Retry-After`), can answer scripted 429s or hold a post, and
//! `conversations.open` and `conversations.history` over what it took. It
//! is a real HTTP server, so the `coachbot` binary can use it too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use coachbot::clock::Clock;

/// A message Slack took.
#[derive(Debug, Clone)]
pub struct Taken {
    /// The conversation: a DM's `D…` ID for a post to a user.
    pub channel: String,
    pub ts: String,
    /// The `reminder_id` in its metadata.
    pub reminder_id: Option<String>,
    pub text: String,
    /// When it was taken, by the clock the fake was given.
    pub at: DateTime<Utc>,
}

/// How the fake treats the next post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Answer,
    /// HTTP 429 with this `Retry-After`.
    RateLimited(u64),
    /// Take it, and never answer.
    TakeAndHold,
    /// Take it, and answer once released.
    TakeAndAnswerWhenReleased,
    /// Never answer, nor take it (it never reached Slack's records).
    HoldUntaken,
}

#[derive(Default)]
struct Fake {
    taken: Vec<Taken>,
    script: VecDeque<Next>,
    /// Every post received, in order: (channel as posted, answered 429).
    received: Vec<(String, bool)>,
    history_calls: usize,
    /// The history holds more than one page since any `oldest`.
    history_has_more: bool,
    open_calls: usize,
    /// Posts a second the workspace takes; none: no limit.
    per_second: Option<usize>,
    next_ts: u64,
}

#[derive(Clone)]
pub struct SlackFake {
    pub api_url: String,
    state: Arc<Mutex<Fake>>,
    clock: Clock,
    /// Counts the posts received, as they arrive.
    arrived: tokio::sync::watch::Sender<usize>,
    release: Arc<tokio::sync::Notify>,
}

/// The DM conversation the fake gives a user.
pub fn dm(user: &str) -> String {
    format!("D{}", user.get(1..).unwrap_or_default())
}

impl SlackFake {
    /// A fake that reads `clock` for the times it keeps and its limits.
    pub async fn start(clock: Clock, per_second: Option<usize>) -> Self {
        let fake = SlackFake {
            api_url: String::new(),
            state: Arc::new(Mutex::new(Fake {
                per_second,
                ..Fake::default()
            })),
            clock,
            arrived: tokio::sync::watch::channel(0).0,
            release: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/api/chat.postMessage", axum::routing::post(post))
            .route("/api/conversations.open", axum::routing::post(open))
            .route("/api/conversations.history", axum::routing::get(history))
            .with_state(fake.clone());
        SlackFake {
            api_url: crate::helpers::serve_fake_slack(app).await,
            ..fake
        }
    }

    fn state(&self) -> MutexGuard<'_, Fake> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next posts are treated so, in order.
    pub fn script(&self, next: &[Next]) {
        self.state().script.extend(next.iter().copied());
    }

    /// Until `count` posts have arrived.
    pub async fn posts_arrived(&self, count: usize) {
        let mut arrived = self.arrived.subscribe();
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            arrived.wait_for(|n| *n >= count),
        )
        .await
        .expect("posts arrive")
        .expect("the fake runs");
    }

    /// Lets a post held by [`Next::TakeAndAnswerWhenReleased`] be answered.
    pub fn release(&self) {
        self.release.notify_one();
    }

    pub fn taken(&self) -> Vec<Taken> {
        self.state().taken.clone()
    }

    /// The channels posted to, in order, each with whether it got a 429.
    pub fn received(&self) -> Vec<(String, bool)> {
        self.state().received.clone()
    }

    /// From now on, every conversation's history says it has more than
    /// the page it answers with.
    pub fn fill_history(&self) {
        self.state().history_has_more = true;
    }

    pub fn history_calls(&self) -> usize {
        self.state().history_calls
    }

    pub fn open_calls(&self) -> usize {
        self.state().open_calls
    }
}

async fn post(State(fake): State<SlackFake>, body: axum::body::Bytes) -> Response {
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let posted_to = request["channel"].as_str().unwrap_or_default().to_string();
    let channel = if posted_to.starts_with(['U', 'W']) {
        dm(&posted_to)
    } else {
        posted_to.clone()
    };
    let now = fake.clock.now();
    let (next, taken) = {
        let mut state = fake.state();
        let mut next = state.script.pop_front().unwrap_or(Next::Answer);
        let second_ago = now - chrono::Duration::seconds(1);
        let recent = |state: &Fake, in_channel: bool| {
            state
                .taken
                .iter()
                .rev()
                .take_while(|t| t.at > second_ago)
                .filter(|t| !in_channel || t.channel == channel)
                .count()
        };
        let over = state
            .per_second
            .is_some_and(|limit| recent(&state, false) >= limit)
            || recent(&state, true) >= 1;
        let taking = matches!(
            next,
            Next::Answer | Next::TakeAndHold | Next::TakeAndAnswerWhenReleased
        );
        if over && taking {
            next = Next::RateLimited(1);
        }
        state
            .received
            .push((posted_to.clone(), matches!(next, Next::RateLimited(_))));
        let taken = (taking && !over).then(|| {
            state.next_ts += 1;
            let taken = Taken {
                channel: channel.clone(),
                ts: format!("{}.{:06}", now.timestamp(), state.next_ts),
                reminder_id: request["metadata"]["event_payload"]["reminder_id"]
                    .as_str()
                    .map(str::to_string),
                text: request["text"].as_str().unwrap_or_default().to_string(),
                at: now,
            };
            state.taken.push(taken.clone());
            taken
        });
        (next, taken)
    };
    fake.arrived.send_modify(|n| *n += 1);
    match next {
        Next::TakeAndHold | Next::HoldUntaken => std::future::pending::<()>().await,
        Next::TakeAndAnswerWhenReleased => fake.release.notified().await,
        Next::Answer | Next::RateLimited(_) => {}
    }
    match (next, taken) {
        (Next::RateLimited(seconds), _) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", seconds.to_string())],
            axum::Json(serde_json::json!({ "ok": false, "error": "ratelimited" })),
        )
            .into_response(),
        (_, Some(taken)) => axum::Json(serde_json::json!({
            "ok": true,
            "channel": taken.channel,
            "ts": taken.ts,
            "message": { "type": "message", "ts": taken.ts, "text": taken.text, "bot_id": "B0BOT" },
        }))
        .into_response(),
        (_, None) => unreachable!("a post that is neither taken nor refused is held"),
    }
}

async fn open(State(fake): State<SlackFake>, body: axum::body::Bytes) -> Response {
    fake.state().open_calls += 1;
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let user = match &request["users"] {
        serde_json::Value::Array(users) => users
            .first()
            .and_then(|u| u.as_str())
            .unwrap_or_default()
            .to_string(),
        other => other
            .as_str()
            .unwrap_or_default()
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    axum::Json(serde_json::json!({ "ok": true, "channel": { "id": dm(&user) } })).into_response()
}

#[derive(serde::Deserialize)]
struct HistoryQuery {
    channel: String,
    oldest: Option<String>,
    include_all_metadata: Option<bool>,
}

async fn history(State(fake): State<SlackFake>, Query(query): Query<HistoryQuery>) -> Response {
    let mut state = fake.state();
    state.history_calls += 1;
    let oldest: f64 = query
        .oldest
        .as_deref()
        .and_then(|o| o.parse().ok())
        .unwrap_or(0.0);
    let with_metadata = query.include_all_metadata.unwrap_or(false);
    let messages: Vec<serde_json::Value> = state
        .taken
        .iter()
        .rev()
        .filter(|t| t.channel == query.channel)
        .filter(|t| t.at.timestamp() as f64 >= oldest.floor())
        .take(15)
        .map(|t| {
            let mut message = serde_json::json!({ "type": "message", "ts": t.ts, "text": t.text, "bot_id": "B0BOT" });
            if let (true, Some(id)) = (with_metadata, &t.reminder_id) {
                message["metadata"] = serde_json::json!({
                    "event_type": "coachbot_reminder",
                    "event_payload": { "reminder_id": id },
                });
            }
            message
        })
        .collect();
    let has_more = state.history_has_more;
    axum::Json(serde_json::json!({ "ok": true, "messages": messages, "has_more": has_more }))
        .into_response()
}
