//! `/coach` over Socket Mode: the real app connects to a fake Slack whose
//! `apps.connections.open` points at a WebSocket server in the test, which
//! greets it with `hello`, sends envelopes and collects the acknowledgements.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use coachbot::inbound::socket_mode::SocketModeOptions;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

/// Every wait in these tests is bounded by this.
const PATIENCE: Duration = Duration::from_secs(30);

/// Slack's Socket Mode endpoint, faked on loopback: each connection gets
/// `hello`, then the frames the test queues; what the app sends back is
/// collected.
struct FakeSocket {
    url: String,
    outgoing: mpsc::UnboundedSender<String>,
    acks: mpsc::UnboundedReceiver<serde_json::Value>,
    connections: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSocket {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSocket {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (outgoing, frames) = mpsc::unbounded_channel();
        let (acked, acks) = mpsc::unbounded_channel();
        let connections = Arc::new(AtomicUsize::new(0));
        let server = tokio::spawn(serve_sockets(listener, frames, acked, connections.clone()));
        Self {
            url: format!("ws://{address}/socket"),
            outgoing,
            acks,
            connections,
            server,
        }
    }

    /// Queues a frame for the connected app (or the next one to connect).
    fn send(&self, frame: serde_json::Value) {
        self.outgoing
            .send(frame.to_string())
            .expect("fake socket running");
    }

    /// The app's next frame.
    async fn next_ack(&mut self) -> serde_json::Value {
        tokio::time::timeout(PATIENCE, self.acks.recv())
            .await
            .expect("the app acknowledged in time")
            .expect("fake socket running")
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Until the app has connected and been greeted.
    async fn wait_for_connection(&self) {
        for _ in 0..600 {
            if self.connections() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the app did not connect");
    }
}

/// One connection at a time, as the app opens them (the tests ask for one).
async fn serve_sockets(
    listener: TcpListener,
    mut frames: mpsc::UnboundedReceiver<String>,
    acked: mpsc::UnboundedSender<serde_json::Value>,
    connections: Arc<AtomicUsize>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else {
            continue;
        };
        connections.fetch_add(1, Ordering::SeqCst);
        if socket
            .send(Message::text(hello().to_string()))
            .await
            .is_err()
        {
            continue;
        }
        loop {
            tokio::select! {
                frame = frames.recv() => match frame {
                    Some(frame) => {
                        if socket.send(Message::text(frame)).await.is_err() {
                            break;
                        }
                    }
                    None => return,
                },
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(json) = serde_json::from_str(text.as_str()) {
                            let _ = acked.send(json);
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
            }
        }
    }
}

/// What Slack sends first on every new socket.
fn hello() -> serde_json::Value {
    serde_json::json!({
        "type": "hello",
        "num_connections": 1,
        "debug_info": {
            "host": "applink-test",
            "build_number": 1,
            "approximate_connection_time": 18060
        },
        "connection_info": { "app_id": "A0APP" }
    })
}

/// A `/coach` envelope as Slack sends it over the socket.
fn slash_command(envelope_id: &str, text: &str, response_url: &str) -> serde_json::Value {
    serde_json::json!({
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "acme",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": BOSS,
            "user_name": "boss",
            "command": "/coach",
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "123.456.abc"
        }
    })
}

/// Waits in tests are seconds, not Slack's half-minutes.
fn quick() -> SocketModeOptions {
    SocketModeOptions {
        connections: 1,
        retry_after: Duration::from_secs(1),
        warn_if_not_connected_after: Duration::from_secs(5),
    }
}

/// `apps.connections.open`, called with the app token, hands out `url`.
async fn mount_connections_open(slack: &MockServer, url: &str) {
    Mock::given(method("POST"))
        .and(path("/api/apps.connections.open"))
        .and(header(
            "authorization",
            format!("Bearer {APP_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "ok": true, "url": url })),
        )
        .mount(slack)
        .await;
}

/// A fake Slack with `users.info`, `chat.postMessage` and a socket.
async fn slack_with_socket() -> (MockServer, FakeSocket) {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    (slack, socket)
}

fn payload_text(ack: &serde_json::Value) -> String {
    ack["payload"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_slash_command_over_the_socket_is_carried_out_and_answered_in_the_acknowledgement() {
    let (slack, mut socket) = slack_with_socket().await;
    let app = spawn_socket_mode_app(slack, &[], quick()).await;
    socket.send(slash_command(
        "env-team-add",
        "team add <@U0ANA|ana>",
        &app.response_url(),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-team-add", "{ack}");
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(
        payload_text(&ack).contains("<@U0ANA> joined your team"),
        "{ack}"
    );
    let pool = app.db().await;
    let members: Vec<(String, String, String)> =
        sqlx::query_as("SELECT team_id, manager_id, rep_id FROM memberships")
            .fetch_all(&pool)
            .await
            .expect("memberships");
    assert_eq!(
        members,
        vec![("T0TEAM".into(), "U0BOSS".into(), "U0ANA".into())]
    );
    // Both transports share one answer: the same command reads the same.
    let over_http = app.coach("team").await;
    socket.send(slash_command("env-team", "team", &app.response_url()));
    let over_socket = socket.next_ack().await;
    assert_eq!(over_socket["envelope_id"], "env-team");
    assert_eq!(over_socket["payload"]["text"], over_http.json["text"]);
    assert_eq!(over_socket["payload"]["blocks"], over_http.json["blocks"]);
}

#[tokio::test]
async fn a_command_that_does_not_parse_over_the_socket_gets_the_parsers_sentence_and_stores_nothing(
) {
    let (slack, mut socket) = slack_with_socket().await;
    let app = spawn_socket_mode_app(slack, &[], quick()).await;
    let text = "team add @ana";
    socket.send(slash_command("env-mistake", text, &app.response_url()));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-mistake", "{ack}");
    // Friday 27 November in Berlin, the manager's zone.
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let sentence = coachbot::command::parse(text, today)
        .expect_err("a plain @name is a mistake")
        .to_string();
    assert_eq!(payload_text(&ack), sentence);
    assert!(sentence.contains("`/coach "), "{sentence}");
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn a_slow_command_over_the_socket_is_acknowledged_in_time_and_answered_through_response_url()
{
    let slack = fake_slack().await;
    mount_slow_users_info_and_response_url(&slack).await;
    let mut socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    let app = spawn_socket_mode_app(slack, &[], quick()).await;
    // `users.info` takes 4 s: the acknowledgement carries the holding
    // answer (the budget itself is proven on paused time in
    // `inbound::answer`).
    socket.wait_for_connection().await;
    socket.send(slash_command("env-slow", "help", &app.response_url()));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-slow");
    assert!(payload_text(&ack).contains("Working on it"), "{ack}");
    let body = app.late_answer().await;
    assert_eq!(body["text"], "How to use /coach");
    assert_eq!(body["replace_original"], true);
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_slack_accepts_it() {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    // The first attempt is refused, as Slack does for a bad token.
    Mock::given(method("POST"))
        .and(path("/api/apps.connections.open"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "ok": false, "error": "invalid_auth" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    let mut socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    let app = spawn_socket_mode_app(slack, &[], quick()).await;
    socket.send(slash_command(
        "env-after-retry",
        "team",
        &app.response_url(),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-after-retry");
    assert!(payload_text(&ack).contains("Your team is empty"), "{ack}");
    assert_eq!(app.slack_calls("/api/apps.connections.open").await.len(), 2);
    assert_eq!(socket.connections(), 1);
}

#[tokio::test]
async fn interactions_and_events_over_the_socket_are_acknowledged() {
    let (slack, mut socket) = slack_with_socket().await;
    let _app = spawn_socket_mode_app(slack, &[], quick()).await;
    socket.send(serde_json::json!({
        "envelope_id": "env-event",
        "type": "events_api",
        "accepts_response_payload": false,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0APP",
            "event": { "type": "app_mention", "user": BOSS, "text": "<@U0BOT> hi", "ts": "1700000000.000100", "channel": "C0GENERAL", "event_ts": "1700000000.000100" },
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1700000000
        }
    }));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-event", "{ack}");
    socket.send(serde_json::json!({
        "envelope_id": "env-unknown",
        "type": "interactive",
        "accepts_response_payload": false,
        "payload": { "type": "something_coachbot_never_sends" }
    }));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-unknown", "{ack}");
}

#[tokio::test]
async fn with_only_the_app_token_http_slack_requests_are_refused_and_healthz_answers() {
    let (slack, mut socket) = slack_with_socket().await;
    let app = spawn_socket_mode_app(slack, &[("SLACK_SIGNING_SECRET", "")], quick()).await;
    // Signed as Slack would with the secret the other tests use: there is
    // no secret to check it against, so it is refused all the same.
    let body = command_body(BOSS, "team add <@U0ANA|ana>", &app.response_url());
    let ts = app.now_timestamp();
    let signature = sign(SIGNING_SECRET, &ts, &body);
    let response = app
        .post_signed("/slack/commands", body, &ts, &signature)
        .await;
    assert_eq!(response.status().as_u16(), 401);
    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 0);
    // Socket Mode carries the commands instead.
    socket.send(slash_command(
        "env-socket-only",
        "team add <@U0ANA|ana>",
        &app.response_url(),
    ));
    let ack = socket.next_ack().await;
    assert!(
        payload_text(&ack).contains("<@U0ANA> joined your team"),
        "{ack}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 1);
}
