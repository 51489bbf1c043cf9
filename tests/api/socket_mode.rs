//! `/coach` over Socket Mode: the real app connects to a fake Slack whose
//! `apps.connections.open` points at a WebSocket server in the test, which
//! greets it with `hello`, sends envelopes and collects the acknowledgements.

use std::time::Duration;

use chrono::NaiveDate;
use coachbot::inbound::socket_mode::SocketModeOptions;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
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
    connections: watch::Receiver<usize>,
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
        let (connected, connections) = watch::channel(0);
        let server = tokio::spawn(serve_sockets(listener, frames, acked, connected));
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
        *self.connections.borrow()
    }

    /// Until the app has connected and been greeted.
    async fn wait_for_connection(&self) {
        tokio::time::timeout(PATIENCE, self.connections.clone().wait_for(|n| *n > 0))
            .await
            .expect("the app connected in time")
            .expect("fake socket running");
    }
}

/// One connection at a time, as the app opens them (the tests ask for one).
async fn serve_sockets(
    listener: TcpListener,
    mut frames: mpsc::UnboundedReceiver<String>,
    acked: mpsc::UnboundedSender<serde_json::Value>,
    connected: watch::Sender<usize>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else {
            continue;
        };
        if socket
            .send(Message::text(hello().to_string()))
            .await
            .is_err()
        {
            continue;
        }
        connected.send_modify(|n| *n += 1);
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
            "team_id": WORKSPACE,
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

/// One socket, so that every envelope reaches the fake's one connection;
/// the waits are production's, taken on the app's clock.
fn one_socket() -> SocketModeOptions {
    SocketModeOptions {
        connections: 1,
        ..SocketModeOptions::default()
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
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
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
    let members: Vec<(String, String, String)> = app
        .db()
        .await
        .rows("SELECT team_id, manager_id, rep_id FROM memberships", &[])
        .await;
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
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
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
    let users_info = HeldUsersInfo::mount(&slack).await;
    let mut socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    // `users.info` is held while the answer's budget runs out on the app's
    // clock: the acknowledgement carries the holding answer (the budget
    // itself is proven on paused time in `inbound::answer`).
    socket.wait_for_connection().await;
    socket.send(slash_command("env-slow", "help", &app.response_url()));
    users_info.asked().await;
    app.clock
        .set(app.clock.now() + chrono::Duration::milliseconds(2500));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-slow");
    assert!(payload_text(&ack).contains("Working on it"), "{ack}");
    users_info.release();
    let body = app.late_answer().await;
    assert_eq!(body["text"], "How to use /coach");
    assert_eq!(body["replace_original"], true);
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_slack_accepts_it() {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    // The first attempt is refused, as Slack does for a bad token.
    socket_refused()
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    let mut socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    socket.send(slash_command(
        "env-after-retry",
        "team",
        &app.response_url(),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-after-retry");
    assert!(payload_text(&ack).contains("Your team is empty"), "{ack}");
    // Refused, accepted, then the listener's own: it started only once
    // Slack accepted, after waiting the retry out on the app's clock.
    assert_eq!(app.slack_calls("/api/apps.connections.open").await.len(), 3);
    assert_eq!(socket.connections(), 1);
    assert_eq!(
        app.clock.now() - friday_morning(),
        chrono::Duration::from_std(SocketModeOptions::default().retry_after).expect("wait")
    );
}

#[tokio::test]
async fn interactions_and_events_over_the_socket_are_acknowledged() {
    let (slack, mut socket) = slack_with_socket().await;
    let _app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    socket.send(event_envelope("env-event", "Ev0001", 0));
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
    let app = spawn_socket_mode_app(slack, &[("SLACK_SIGNING_SECRET", "")], one_socket()).await;
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

/// An interaction envelope, carrying `payload` as Slack does.
fn interactive(envelope_id: &str, payload: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": true,
        "payload": payload
    })
}

#[tokio::test]
async fn a_reminder_button_and_its_form_work_over_the_socket_answered_in_the_acknowledgements() {
    use crate::helpers::payloads::*;
    use crate::interactions::{button, pace_reminder, team, text_of};

    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let mut socket = FakeSocket::start().await;
    mount_connections_open(&slack, &socket.url).await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    socket.wait_for_connection().await;
    team(&app).await;
    let reminder = pace_reminder(&app, &posts).await;
    let (action_id, value) = button(&reminder, "log_coaching:0");

    // The button opens the form with Ana chosen; the envelope is acknowledged.
    socket.send(interactive(
        "env-press",
        press_on_bot_message(BOSS, &action_id, value.as_deref(), &reminder),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-press", "{ack}");
    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["trigger_id"], "trigger-from-button");
    let form = opened[0]["view"].clone();
    let reps = form["blocks"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == "reps"))
        .map(|block| block["element"]["initial_users"].clone());
    assert_eq!(reps, Some(serde_json::json!(["U0ANA"])));

    // A mistake comes back next to its field in the acknowledgement.
    socket.send(interactive(
        "env-wrong",
        submission(
            &form,
            "V0VIEW1",
            session_values(&["U0ANA"], "0", "pipeline", "2026-11-27", ""),
        ),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-wrong", "{ack}");
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["minutes"].is_string(), "{ack}");
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);

    // The right form stores the session and closes with the result view.
    socket.send(interactive(
        "env-right",
        submission(
            &form,
            "V0VIEW1",
            session_values(&["U0ANA"], "30", "pipeline", "2026-11-27", ""),
        ),
    ));
    let ack = socket.next_ack().await;
    assert_eq!(ack["envelope_id"], "env-right", "{ack}");
    assert_eq!(ack["payload"]["response_action"], "update", "{ack}");
    let result = text_of(&ack["payload"]["view"]["blocks"]);
    assert!(
        result.contains("Logged 30m of pipeline review with <@U0ANA> on Fri 27 Nov."),
        "{result}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0ANA' AND minutes = 30")
            .await,
        1
    );
}

#[tokio::test]
async fn the_home_tab_opened_over_the_socket_is_published_once_however_often_slack_delivers_it() {
    let (slack, mut socket) = slack_with_socket().await;
    mount_views_and_updates(&slack).await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    for (envelope, attempt) in [("env-first", 0), ("env-again", 1)] {
        let mut delivered = event_envelope(envelope, "Ev0AGAIN", attempt);
        delivered["payload"] = crate::helpers::payloads::app_home_opened(BOSS, "Ev0AGAIN");
        socket.send(delivered);
        let ack = socket.next_ack().await;
        assert_eq!(ack["envelope_id"], envelope, "{ack}");
    }
    app.follow_ups_settled().await;
    let published = app.slack_bodies("/api/views.publish").await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["user_id"], BOSS);
}

/// An Events API envelope; `attempt` above 0 is Slack delivering it again.
fn event_envelope(envelope_id: &str, event_id: &str, attempt: u32) -> serde_json::Value {
    serde_json::json!({
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": false,
        "retry_attempt": attempt,
        "retry_reason": if attempt == 0 { "" } else { "timeout" },
        "payload": {
            "token": "legacy-verification-token",
            "team_id": WORKSPACE,
            "api_app_id": "A0APP",
            "event": { "type": "app_mention", "user": BOSS, "text": "<@U0BOT> hi", "ts": "1700000000.000100", "channel": "C0GENERAL", "event_ts": "1700000000.000100" },
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000
        }
    })
}

#[tokio::test]
async fn not_ready_while_slack_refuses_every_socket_yet_alive() {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    socket_refused().mount(&slack).await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status().as_u16(), 503);
    assert_eq!(
        ready.text().await.expect("body"),
        "Socket Mode is configured and no socket to Slack is up"
    );
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn ready_once_slack_has_greeted_a_socket() {
    let (slack, mut socket) = slack_with_socket().await;
    let app = spawn_socket_mode_app(slack, &[], one_socket()).await;
    // Envelopes are read in order: once one is acknowledged, the greeting
    // before it has been taken in.
    socket.send(slash_command("env-ready", "team", &app.response_url()));
    assert_eq!(socket.next_ack().await["envelope_id"], "env-ready");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status().as_u16(), 200);
}
