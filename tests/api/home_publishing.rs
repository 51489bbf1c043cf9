//! How often Home tabs are published: only for whoever opened theirs in
//! the last 10 minutes, one publish at a time per user and at most one
//! every 5 seconds, within the workspace's budget, with Slack's hash passed
//! and its 429s honoured. Every instant is the app's own clock, as the fake
//! Slack read it when each publish arrived.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, Utc};
use coachbot::clock::Clock;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::payloads::app_home_opened;
use crate::helpers::*;
use crate::interactions::text_of;

/// How the fake `views.publish` answers one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PublishAnswer {
    /// Shown, with a new hash (`H1`, `H2`… by call).
    Shown,
    /// `hash_conflict`: the tab changed since the hash given.
    HashConflict,
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// Shown, but only once the test releases it: a publish in flight.
    Held,
}

/// One `views.publish` the fake received.
#[derive(Debug, Clone)]
struct PublishCall {
    body: Value,
    /// The app's clock when it arrived.
    at: DateTime<Utc>,
}

impl PublishCall {
    fn user(&self) -> &str {
        self.body["user_id"].as_str().unwrap_or_default()
    }

    fn text(&self) -> String {
        text_of(&self.body["view"])
    }
}

/// A fake `views.publish` answering from a script (then `Shown`), that
/// remembers each call and when, by the app's clock, it came.
#[derive(Clone, Default)]
struct FakePublishes {
    state: Arc<Mutex<PublishState>>,
    clock: Arc<OnceLock<Clock>>,
    arrived: Arc<tokio::sync::Notify>,
    release: Arc<Mutex<Option<std::sync::mpsc::Receiver<()>>>>,
    releaser: Arc<Mutex<Option<std::sync::mpsc::SyncSender<()>>>>,
}

#[derive(Default)]
struct PublishState {
    script: VecDeque<PublishAnswer>,
    calls: Vec<PublishCall>,
}

impl FakePublishes {
    async fn mount(slack: &MockServer) -> Self {
        let publishes = FakePublishes::default();
        let (releaser, release) = std::sync::mpsc::sync_channel(1);
        *lock(&publishes.release) = Some(release);
        *lock(&publishes.releaser) = Some(releaser);
        Mock::given(method("POST"))
            .and(path("/api/views.publish"))
            .respond_with(publishes.clone())
            .mount(slack)
            .await;
        publishes
    }

    fn script(&self, answers: &[PublishAnswer]) {
        lock(&self.state).script.extend(answers.iter().copied());
    }

    fn calls(&self) -> Vec<PublishCall> {
        lock(&self.state).calls.clone()
    }

    /// Until the held publish has arrived.
    async fn held_arrived(&self) {
        tokio::time::timeout(std::time::Duration::from_secs(30), self.arrived.notified())
            .await
            .expect("the held publish arrives");
    }

    fn release(&self) {
        if let Some(releaser) = lock(&self.releaser).as_ref() {
            let _ = releaser.try_send(());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Respond for FakePublishes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let at = self.clock.get().map(Clock::now).expect("the app's clock");
        let (answer, n) = {
            let mut state = lock(&self.state);
            state.calls.push(PublishCall {
                body: body.clone(),
                at,
            });
            let answer = state.script.pop_front().unwrap_or(PublishAnswer::Shown);
            (answer, state.calls.len())
        };
        let shown = || {
            let mut view = stateful_view(&body["view"], "V0HOME");
            view["hash"] = json!(format!("H{n}"));
            ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "view": view }))
        };
        match answer {
            PublishAnswer::Shown => shown(),
            PublishAnswer::HashConflict => ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": false, "error": "hash_conflict" })),
            PublishAnswer::RateLimited { retry_after_secs } => ResponseTemplate::new(429)
                .insert_header("Retry-After", retry_after_secs.to_string().as_str())
                .set_body_json(json!({ "ok": false, "error": "ratelimited" })),
            PublishAnswer::Held => {
                self.arrived.notify_one();
                // The fake answers on a thread of its own: holding it here
                // holds only this publish.
                if let Some(release) = lock(&self.release).as_ref() {
                    let _ = release.recv_timeout(std::time::Duration::from_secs(30));
                }
                shown()
            }
        }
    }
}

async fn spawn_publishing_app(env: &[(&str, &str)]) -> (TestApp, FakePublishes) {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let publishes = FakePublishes::mount(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), env).await;
    let _ = publishes.clock.set(app.clock.clone());
    (app, publishes)
}

/// `user` opens their Home tab, and whatever it sets off is done.
async fn open(app: &TestApp, user: &str, event_id: &str) {
    let response = app.event(&app_home_opened(user, event_id), None).await;
    assert_eq!(response.status().as_u16(), 200);
    app.follow_ups_settled().await;
}

/// No two publishes to one user closer than 5 seconds.
fn spaced_five_seconds_per_user(calls: &[PublishCall]) {
    for (i, earlier) in calls.iter().enumerate() {
        for later in calls[i + 1..].iter().filter(|c| c.user() == earlier.user()) {
            assert!(
                later.at - earlier.at >= Duration::seconds(5),
                "{} published at {} and {}",
                earlier.user(),
                earlier.at,
                later.at
            );
        }
    }
}

#[tokio::test]
async fn a_burst_of_changes_while_the_tab_is_published_is_drawn_once_more_showing_the_last() {
    let (app, publishes) = spawn_publishing_app(&[]).await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    open(&app, BOSS, "Ev0BURST").await;

    publishes.script(&[PublishAnswer::Held]);
    app.coach("10m <@U0ANA> deal review").await;
    publishes.held_arrived().await;
    for minutes in 11..=14 {
        let answer = app.coach(&format!("{minutes}m <@U0ANA> deal review")).await;
        assert!(answer.text().contains("Logged"), "{answer:?}");
    }
    publishes.release();
    app.follow_ups_settled().await;

    let calls = publishes.calls();
    assert_eq!(
        calls.len(),
        3,
        "the opening, the first change, then the rest at once"
    );
    spaced_five_seconds_per_user(&calls);
    assert!(
        calls[2]
            .text()
            .contains("14m of help with a deal with <@U0ANA>"),
        "{}",
        calls[2].text()
    );
}

#[tokio::test]
async fn a_tab_not_opened_in_the_last_ten_minutes_is_not_drawn_after_a_change() {
    let (app, publishes) = spawn_publishing_app(&[]).await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    open(&app, BOSS, "Ev0EARLY").await;

    app.clock.set(friday_morning() + Duration::minutes(11));
    app.coach("10m <@U0ANA> deal review").await;
    app.follow_ups_settled().await;
    assert_eq!(publishes.calls().len(), 1, "nobody is looking");

    // Opening it again draws it, and keeps it fresh for ten minutes.
    open(&app, BOSS, "Ev0AGAIN").await;
    app.clock.set(friday_morning() + Duration::minutes(20));
    app.coach("20m <@U0ANA> deal review").await;
    app.follow_ups_settled().await;
    let calls = publishes.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        calls[2].text().contains("20m of help with a deal"),
        "{}",
        calls[2].text()
    );
}

#[tokio::test]
async fn each_publish_passes_the_last_hash_and_a_hash_conflict_is_drawn_again() {
    let (app, publishes) = spawn_publishing_app(&[]).await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    open(&app, BOSS, "Ev0HASH").await;

    publishes.script(&[PublishAnswer::HashConflict]);
    app.coach("10m <@U0ANA> deal review").await;
    app.follow_ups_settled().await;

    let calls = publishes.calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_eq!(calls[1].body["hash"], "H1", "the hash Slack gave the first");
    assert!(calls[2].body["hash"].is_null(), "{}", calls[2].body);
    assert!(
        calls[2].text().contains("10m of help with a deal"),
        "{}",
        calls[2].text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM home_tabs WHERE user_id = 'U0BOSS' AND hash = 'H3'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_429_is_waited_out_before_the_tab_is_published_again() {
    let (app, publishes) = spawn_publishing_app(&[]).await;
    publishes.script(&[PublishAnswer::RateLimited {
        retry_after_secs: 30,
    }]);

    open(&app, BOSS, "Ev0SLOW").await;

    let calls = publishes.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert!(calls[1].at - calls[0].at >= Duration::seconds(30));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM home_tabs WHERE user_id = 'U0BOSS' AND hash = 'H2'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_workspace_gets_no_more_publishes_a_minute_than_its_budget() {
    let (app, publishes) =
        spawn_publishing_app(&[("COACHBOT__HOME__PUBLISHES_PER_MINUTE", "2")]).await;

    for (user, event) in [(BOSS, "Ev0ONE"), ("U0ANA", "Ev0TWO"), ("U0BEN", "Ev0THREE")] {
        open(&app, user, event).await;
    }

    let calls = publishes.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        calls[2].at - calls[0].at >= Duration::minutes(1),
        "three publishes within a minute: {} and {}",
        calls[0].at,
        calls[2].at
    );
}

#[tokio::test]
async fn a_logged_session_draws_the_reps_own_open_tab_too() {
    let (app, publishes) = spawn_publishing_app(&[]).await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    open(&app, "U0ANA", "Ev0ANA").await;
    open(&app, "U0BEN", "Ev0BEN").await;

    app.coach("45m <@U0ANA> pipeline review").await;
    app.follow_ups_settled().await;

    let calls = publishes.calls();
    let drawn: Vec<&str> = calls[2..].iter().map(PublishCall::user).collect();
    assert_eq!(
        drawn,
        ["U0ANA"],
        "Ben's month did not change; the boss has no tab"
    );
    assert!(
        calls[2].text().contains("*45m* of 3h this month"),
        "{}",
        calls[2].text()
    );
}
