//! Starts the real application on a free port, with a fresh database (a
//! SQLite file, or a PostgreSQL database: `databases.rs`) and a fake Slack
//! Web API (wiremock) on loopback, and signs requests exactly as Slack does.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use coachbot::app::delivery::DeliveryPolicy;
use coachbot::app::AppContext;
use coachbot::clock::Clock;
use coachbot::config::{Environment, Settings};
use coachbot::domain::WorkspaceId;
use coachbot::inbound::socket_mode::SocketModeOptions;
use coachbot::slack::{BotTokens, SingleToken, SlackApi, Workspaces};
use coachbot::startup::Application;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::oneshot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::databases::Records;

pub const SIGNING_SECRET: &str = "test-signing-secret";
/// Set as `SLACK_APP_TOKEN` by the Socket Mode tests.
pub const APP_TOKEN: &str = "xapp-1-A0APP-1-test-app-token";
pub const WORKSPACE: &str = "T0TEAM";
pub const BOSS: &str = "U0BOSS";
pub const OTHER_BOSS: &str = "U0OTHER";

/// Friday 27 November 2026, 10:00 UTC (11:00 in Berlin).
pub fn friday_morning() -> DateTime<Utc> {
    "2026-11-27T10:00:00Z".parse().expect("test instant")
}

pub struct TestApp {
    pub address: String,
    /// Where the app serves `/metrics`, apart from `address`.
    pub metrics_address: String,
    /// The scheduler's finished ticks, when it runs.
    pub ticks: tokio::sync::watch::Receiver<u64>,
    /// The running app's shared context, for driving jobs step by step.
    pub ctx: AppContext,
    /// The app's `DATABASE_URL`: the SQLite file `db_path`, or a PostgreSQL
    /// database.
    pub database_url: String,
    /// The SQLite file, when the app keeps its records in SQLite.
    pub db_path: PathBuf,
    pub slack: MockServer,
    pub clock: Clock,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Kept so the database outlives a restart and is removed at the end.
    dir: std::sync::Arc<tempfile::TempDir>,
}

/// A fake Slack whose `auth.test` says the bot token is [`WORKSPACE`]'s,
/// as `serve` and `run-job` ask at start.
pub async fn fake_slack() -> MockServer {
    let slack = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(auth_test_answer(WORKSPACE)))
        .mount(&slack)
        .await;
    slack
}

/// The Web API at `api_url`, as the bot of [`WORKSPACE`] only, waiting by
/// `clock`: for a test that points a running app's jobs at another fake.
pub fn slack_at(api_url: &str, clock: Clock) -> Workspaces {
    let api = SlackApi::new(api_url).expect("client").with_clock(clock);
    let workspace = WorkspaceId::parse(WORKSPACE).expect("workspace");
    let token = secrecy::SecretString::from("xoxb-test-token".to_string());
    Workspaces::new(api, Arc::new(SingleToken::new(workspace, token)))
}

/// `auth.test`'s answer for a bot token of `workspace`.
pub fn auth_test_answer(workspace: &str) -> serde_json::Value {
    serde_json::json!({
        "ok": true,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "coachbot",
        "team_id": workspace,
        "user_id": "U0BOT",
        "bot_id": "B0BOT"
    })
}

/// `apps.connections.open` answering as Slack does for a bad app token;
/// mount it (once, or for good).
pub fn socket_refused() -> Mock {
    Mock::given(method("POST"))
        .and(path("/api/apps.connections.open"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "ok": false, "error": "invalid_auth" })),
        )
}

pub async fn mount_default_slack(slack: &MockServer) {
    mount_users_info(slack).await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(posted_ok()))
        .mount(slack)
        .await;
}

/// A fake Slack method that holds each answer until the test releases it,
/// so the app can be caught in the middle of a call.
pub struct Held {
    arrived: Arc<tokio::sync::Notify>,
    release: std::sync::mpsc::SyncSender<()>,
}

impl Held {
    /// Mounts `http_method` at `at`, answering with `answer` once released.
    pub async fn mount(
        slack: &MockServer,
        http_method: &str,
        at: &str,
        answer: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Self {
        let arrived = Arc::new(tokio::sync::Notify::new());
        let (release, released) = std::sync::mpsc::sync_channel::<()>(1);
        let released = Mutex::new(released);
        let arriving = arrived.clone();
        // The fake answers on a thread of its own, so holding it there
        // holds only the fake.
        Mock::given(method(http_method))
            .and(path(at))
            .respond_with(move |request: &Request| {
                arriving.notify_one();
                let _ = released
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .recv_timeout(std::time::Duration::from_secs(30));
                answer(request)
            })
            .mount(slack)
            .await;
        Self { arrived, release }
    }

    /// Until a call is being held.
    pub async fn arrived(&self) {
        tokio::time::timeout(std::time::Duration::from_secs(30), self.arrived.notified())
            .await
            .expect("the held method is called");
    }

    pub fn release(&self) {
        let _ = self.release.try_send(());
    }
}

/// A `users.info` that holds its answer until the test releases it, so a
/// command can be caught in the middle of its first-use lookup; and
/// `/respond/1`, which takes the late answer.
pub struct HeldUsersInfo(Held);

impl HeldUsersInfo {
    pub async fn mount(slack: &MockServer) -> Self {
        let held = Held::mount(slack, "GET", "/api/users.info", |_| {
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"ok": true, "user": {"id": BOSS, "tz": "Europe/Berlin"}}),
            )
        })
        .await;
        Mock::given(method("POST"))
            .and(path("/respond/1"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(slack)
            .await;
        Self(held)
    }

    /// Until the app is waiting for `users.info`.
    pub async fn asked(&self) {
        self.0.arrived().await;
    }

    pub fn release(&self) {
        self.0.release();
    }
}

/// `users.info` answers Europe/Berlin for anyone.
pub async fn mount_users_info(slack: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "ok": true,
            "user": { "id": BOSS, "tz": "Europe/Berlin", "tz_offset": 3600 }
        })))
        .mount(slack)
        .await;
}

/// `chat.postMessage`'s answer when Slack takes a message: Slack echoes
/// the message back, and the client reads it.
fn posted_ok() -> serde_json::Value {
    posted_ok_echoing(&serde_json::json!({ "text": "posted" }))
}

fn posted_ok_echoing(request: &serde_json::Value) -> serde_json::Value {
    let ts = "1700000000.000100";
    let mut message = serde_json::json!({ "type": "message", "ts": ts, "bot_id": "B0BOT" });
    for key in ["text", "blocks"] {
        if let Some(value) = request.get(key) {
            message[key] = value.clone();
        }
    }
    serde_json::json!({ "ok": true, "channel": "D0DM", "ts": ts, "message": message })
}

/// How the fake `chat.postMessage` answers one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostAnswer {
    Ok,
    /// HTTP 500: Slack is down.
    ServerError,
    /// HTTP 429 with `Retry-After`.
    RateLimited {
        retry_after_secs: u64,
    },
    /// HTTP 200 with `"ok": false`: the bot is not in the channel.
    NotInChannel,
    /// HTTP 200, `"ok": true`, but without the fields the client expects.
    OkButTerse,
}

/// One `chat.postMessage` call the fake received, with what it answered.
#[derive(Debug, Clone)]
pub struct PostCall {
    pub body: serde_json::Value,
    pub answer: PostAnswer,
}

impl PostCall {
    /// A user ID for a DM, or a channel ID.
    pub fn channel(&self) -> String {
        self.body["channel"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The fallback text and every text in the blocks, joined.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        collect_text(&self.body, &mut out);
        out.join("\n")
    }
}

/// A fake `chat.postMessage` that answers from a script, then with its
/// fallback answer (OK until changed), and remembers every call with its
/// answer, so tests can count the posts Slack actually took.
#[derive(Clone, Default)]
pub struct FakePosts {
    state: Arc<Mutex<PostsState>>,
}

#[derive(Default)]
struct PostsState {
    script: VecDeque<PostAnswer>,
    fallback: Option<PostAnswer>,
    calls: Vec<PostCall>,
}

impl FakePosts {
    pub async fn mount(slack: &MockServer) -> Self {
        let posts = FakePosts::default();
        Mock::given(method("POST"))
            .and(path("/api/chat.postMessage"))
            .respond_with(posts.clone())
            .mount(slack)
            .await;
        posts
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PostsState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next calls get these answers, in order.
    pub fn script(&self, answers: &[PostAnswer]) {
        self.state().script.extend(answers.iter().copied());
    }

    /// What every call after the script gets.
    pub fn answer_from_now_on(&self, answer: PostAnswer) {
        self.state().fallback = Some(answer);
    }

    pub fn calls(&self) -> Vec<PostCall> {
        self.state().calls.clone()
    }

    /// The calls Slack took (answered OK).
    pub fn delivered(&self) -> Vec<PostCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.answer == PostAnswer::Ok)
            .collect()
    }

    /// The channels of the delivered posts, sorted.
    pub fn delivered_to(&self) -> Vec<String> {
        let mut channels: Vec<String> = self.delivered().iter().map(PostCall::channel).collect();
        channels.sort();
        channels
    }
}

impl Respond for FakePosts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state();
        let answer = state
            .script
            .pop_front()
            .or(state.fallback)
            .unwrap_or(PostAnswer::Ok);
        let body: serde_json::Value =
            serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null);
        let ok = posted_ok_echoing(&body);
        state.calls.push(PostCall { body, answer });
        match answer {
            PostAnswer::Ok => ResponseTemplate::new(200).set_body_json(ok),
            PostAnswer::ServerError => ResponseTemplate::new(500).set_body_string("upstream down"),
            PostAnswer::RateLimited { retry_after_secs } => ResponseTemplate::new(429)
                .insert_header("Retry-After", retry_after_secs.to_string().as_str())
                .set_body_json(serde_json::json!({ "ok": false, "error": "ratelimited" })),
            PostAnswer::OkButTerse => {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "ok": true }))
            }
            PostAnswer::NotInChannel => ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "ok": false, "error": "not_in_channel" })),
        }
    }
}

pub async fn spawn_app() -> TestApp {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    spawn_app_with(slack, friday_morning(), &[]).await
}

pub async fn spawn_app_with(
    slack: MockServer,
    at: DateTime<Utc>,
    extra_env: &[(&str, &str)],
) -> TestApp {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    start(slack, Clock::fixed(at), dir, extra_env, None, None, None).await
}

/// The app serving the workspaces `tokens` holds a token for, in place of
/// `SLACK_BOT_TOKEN`'s one, on Friday morning (plus `extra_env`).
pub async fn spawn_app_serving(
    slack: MockServer,
    extra_env: &[(&str, &str)],
    tokens: Arc<dyn BotTokens>,
) -> TestApp {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    let clock = Clock::fixed(friday_morning());
    start(slack, clock, dir, extra_env, None, None, Some(tokens)).await
}

/// The app with `SLACK_APP_TOKEN` set (plus `extra_env`; an empty value
/// unsets a variable), connecting over Socket Mode with `options`.
pub async fn spawn_socket_mode_app(
    slack: MockServer,
    extra_env: &[(&str, &str)],
    options: SocketModeOptions,
) -> TestApp {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut env = vec![("SLACK_APP_TOKEN", APP_TOKEN)];
    env.extend_from_slice(extra_env);
    start(
        slack,
        Clock::fixed(friday_morning()),
        dir,
        &env,
        Some(options),
        None,
        None,
    )
    .await
}

/// The app with its scheduler running, ticking every `every` (a first tick
/// at once), on a fixed clock.
pub async fn spawn_app_with_scheduler(every: std::time::Duration) -> TestApp {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    start(
        slack,
        Clock::fixed(friday_morning()),
        dir,
        &[],
        None,
        Some(every),
        None,
    )
    .await
}

pub(crate) async fn start(
    slack: MockServer,
    clock: Clock,
    dir: std::sync::Arc<tempfile::TempDir>,
    extra_env: &[(&str, &str)],
    socket_mode: Option<SocketModeOptions>,
    scheduler: Option<std::time::Duration>,
    tokens: Option<Arc<dyn BotTokens>>,
) -> TestApp {
    let db_path = dir.path().join("coachbot.db");
    let database_url = crate::databases::app_database_url(dir.path(), &db_path).await;
    let mut vars: HashMap<String, String> = HashMap::from([
        ("SLACK_BOT_TOKEN".into(), "xoxb-test-token".into()),
        ("SLACK_SIGNING_SECRET".into(), SIGNING_SECRET.into()),
        ("SLACK_API_URL".into(), format!("{}/api/", slack.uri())),
        ("DATABASE_URL".into(), database_url.clone()),
        ("COACHBOT_LISTEN".into(), "127.0.0.1:0".into()),
        ("COACHBOT_METRICS_LISTEN".into(), "127.0.0.1:0".into()),
    ]);
    for (k, v) in extra_env {
        vars.insert(k.to_string(), v.to_string());
    }
    let environment = Environment::read(&vars).expect("test environment");
    let settings = Settings::load(None, &vars).expect("test settings");
    let mut app = Application::build(settings, &environment, clock.clone())
        .await
        .expect("app builds");
    if let Some(options) = socket_mode {
        app = app.with_socket_mode_options(options);
    }
    if let Some(every) = scheduler {
        app = app.with_scheduler(every, DeliveryPolicy::default());
    }
    if let Some(tokens) = tokens {
        app = app.with_bot_tokens(tokens);
    }
    let ticks = app.scheduler_ticks();
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port());
    let ctx = app.context().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        address,
        metrics_address,
        ticks,
        ctx,
        database_url,
        db_path,
        slack,
        clock,
        http: reqwest::Client::new(),
        shutdown: Some(tx),
        server: Some(server),
        dir,
    }
}

/// Slack's signature of `body` (any bytes) sent at `timestamp`.
pub fn sign(secret: &str, timestamp: &str, body: impl AsRef<[u8]>) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body.as_ref());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

/// A slash-command body as Slack sends it.
pub fn command_body(user: &str, text: &str, response_url: &str) -> String {
    command_body_in(WORKSPACE, user, text, response_url)
}

/// A slash-command body from `workspace`.
pub fn command_body_in(workspace: &str, user: &str, text: &str, response_url: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "legacy-verification-token"),
        ("team_id", workspace),
        ("team_domain", "acme"),
        ("channel_id", "C0GENERAL"),
        ("channel_name", "general"),
        ("user_id", user),
        ("user_name", "boss"),
        ("command", "/coach"),
        ("text", text),
        ("api_app_id", "A0APP"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", "123.456.abc"),
    ])
    .expect("form body")
}

/// What `/coach` answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
}

impl Answer {
    /// The fallback text, which carries the gist of every answer.
    pub fn text(&self) -> String {
        self.json["text"].as_str().unwrap_or_default().to_string()
    }

    /// Every piece of text in the blocks, joined.
    pub fn blocks_text(&self) -> String {
        let mut out = Vec::new();
        collect_text(&self.json["blocks"], &mut out);
        out.join("\n")
    }
}

fn collect_text(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("text", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => collect_text(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

impl TestApp {
    pub fn now_timestamp(&self) -> String {
        self.clock.now().timestamp().to_string()
    }

    pub fn response_url(&self) -> String {
        format!("{}/respond/1", self.slack.uri())
    }

    pub async fn post_signed(
        &self,
        route: &str,
        body: String,
        timestamp: &str,
        signature: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{route}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `/coach <text>` from `user`, signed now.
    pub async fn coach_as(&self, user: &str, text: &str) -> Answer {
        self.coach_in(WORKSPACE, user, text).await
    }

    /// `/coach <text>` from `user` of `workspace`, signed now.
    pub async fn coach_in(&self, workspace: &str, user: &str, text: &str) -> Answer {
        let body = command_body_in(workspace, user, text, &self.response_url());
        let ts = self.now_timestamp();
        let signature = sign(SIGNING_SECRET, &ts, &body);
        let response = self
            .post_signed("/slack/commands", body, &ts, &signature)
            .await;
        let status = response.status().as_u16();
        let json = response.json().await.unwrap_or(serde_json::Value::Null);
        Answer { status, json }
    }

    pub async fn coach(&self, text: &str) -> Answer {
        self.coach_as(BOSS, text).await
    }

    /// Each of `texts` in turn, none of them failing on coachbot's side.
    pub async fn coach_each(&self, texts: &[&str]) {
        for text in texts {
            let answer = self.coach(text).await;
            assert!(!answer.text().contains("Sorry"), "{text}: {answer:?}");
        }
    }

    /// The app's records, on whichever database it keeps them.
    pub async fn db(&self) -> Records {
        Records::open(&self.database_url).await
    }

    /// The number `sql` selects from the app's records.
    pub async fn count(&self, sql: &str) -> i64 {
        let records = self.db().await;
        let n = records.count(sql).await;
        records.close().await;
        n
    }

    /// Whether the app keeps its records in PostgreSQL: a test about SQLite
    /// itself (its file, lock, WAL or backup) returns early then.
    pub fn on_postgres(&self) -> bool {
        crate::databases::on_postgres(&self.database_url)
    }

    /// Once every piece of work started after an acknowledgement (a late
    /// answer, a message updated after a press, a Home tab drawn again) has
    /// finished.
    pub async fn follow_ups_settled(&self) {
        let mut counts = self.ctx.follow_ups.counts();
        let settled = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            counts.wait_for(|counts| counts.settled()),
        )
        .await
        .map(|settled| settled.map(|_| ()));
        match settled {
            Ok(running) => running.expect("the app is running"),
            Err(_) => panic!("follow-ups did not finish: {}", counts.borrow().running()),
        }
    }

    /// The one late answer posted to `response_url`, once it is sent.
    pub async fn late_answer(&self) -> serde_json::Value {
        self.follow_ups_settled().await;
        let late = self.slack_calls("/respond/1").await;
        assert_eq!(late.len(), 1, "expected one late answer");
        serde_json::from_slice(&late[0].body).expect("json")
    }

    /// `GET` a path of the running app.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("sent")
    }

    /// Requests the fake Slack received at a Web API method.
    pub async fn slack_calls(&self, method_path: &str) -> Vec<wiremock::Request> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == method_path)
            .collect()
    }

    /// Stops the app and starts it again on the same database and the
    /// same fake Slack.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let slack = std::mem::replace(&mut self.slack, MockServer::start().await);
        let dir = self.dir.clone();
        start(slack, self.clock.clone(), dir, &[], None, None, None).await
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// The real binary, as an admin runs it against the app's database and fake Slack.
pub fn coachbot(app: &TestApp) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_coachbot"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_URL", format!("{}/api/", app.slack.uri()))
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn");
    command
}

pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run_binary(app: &TestApp, args: &[&str]) -> Run {
    let output = coachbot(app).args(args).output().await.expect("runs");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Serves `app`, a fake Slack Web API, on a free loopback port, with an
/// `auth.test` naming [`WORKSPACE`]; its `SLACK_API_URL`.
pub async fn serve_fake_slack(app: axum::Router) -> String {
    let app = app.route(
        "/api/auth.test",
        axum::routing::get(|| async { axum::Json(auth_test_answer(WORKSPACE)) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}/api/")
}

/// A fake `chat.postMessage` that holds the first post it receives until
/// the test releases it, so that a test can act while a delivery pass is
/// provably in the middle of a post. Every later post is answered at once.
pub struct HeldFirstPost {
    pub api_url: String,
    arrived: Arc<tokio::sync::Notify>,
    release: Arc<tokio::sync::Notify>,
    channels: Arc<Mutex<Vec<String>>>,
}

impl HeldFirstPost {
    pub async fn start() -> Self {
        let arrived = Arc::new(tokio::sync::Notify::new());
        let release = Arc::new(tokio::sync::Notify::new());
        let channels: Arc<Mutex<Vec<String>>> = Arc::default();
        let app = axum::Router::new().route(
            "/api/chat.postMessage",
            axum::routing::post({
                let (arrived, release, channels) =
                    (arrived.clone(), release.clone(), channels.clone());
                move |body: axum::body::Bytes| async move {
                    let request: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    let first = {
                        let mut channels = channels
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner());
                        channels.push(request["channel"].as_str().unwrap_or_default().to_string());
                        channels.len() == 1
                    };
                    if first {
                        arrived.notify_one();
                        release.notified().await;
                    }
                    axum::Json(posted_ok_echoing(&request))
                }
            }),
        );
        Self {
            api_url: serve_fake_slack(app).await,
            arrived,
            release,
            channels,
        }
    }

    /// Until the first post is being held.
    pub async fn first_post_held(&self) {
        tokio::time::timeout(std::time::Duration::from_secs(30), self.arrived.notified())
            .await
            .expect("a first post arrives");
    }

    pub fn release_first_post(&self) {
        self.release.notify_one();
    }

    /// The channels posted to, in the order the posts arrived.
    pub fn channels(&self) -> Vec<String> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// `views.open`, `views.update` and `chat.update` on the fake Slack: each
/// answers as Slack does, echoing what it was sent (a view comes back with
/// its ID, `V0VIEW1`, `V0VIEW2`… in order of opening).
pub async fn mount_views_and_updates(slack: &MockServer) {
    let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/api/views.open"))
        .respond_with(move |request: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let n = opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true,
                "view": stateful_view(&body["view"], &format!("V0VIEW{n}")),
            }))
        })
        .mount(slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/views.update"))
        .respond_with(|request: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let id = body["view_id"].as_str().unwrap_or("V0VIEW1").to_string();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true,
                "view": stateful_view(&body["view"], &id),
            }))
        })
        .mount(slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(|request: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true,
                "channel": body["channel"],
                "ts": body["ts"],
                "text": body["text"],
                "message": { "text": body["text"], "blocks": body["blocks"], "bot_id": "B0BOT" },
            }))
        })
        .mount(slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/actions/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "ok": true })))
        .mount(slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/views.publish"))
        .respond_with(|request: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true,
                "view": stateful_view(&body["view"], "V0HOME"),
            }))
        })
        .mount(slack)
        .await;
}

/// `conversations.info`: the bot is in C0SALES and C0SHARED, not in
/// C0OUTSIDE, and cannot see any other channel (a private one it was not
/// invited to).
pub async fn mount_channels(slack: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/conversations.info"))
        .respond_with(|request: &Request| {
            let channel = request
                .url
                .query_pairs()
                .find(|(key, _)| key == "channel")
                .map(|(_, value)| value.to_string())
                .unwrap_or_default();
            let info = |is_member: bool| {
                serde_json::json!({ "ok": true, "channel": {
                    "id": channel, "name": channel.to_lowercase(), "created": 1700000000,
                    "is_channel": true, "is_member": is_member
                } })
            };
            ResponseTemplate::new(200).set_body_json(match channel.as_str() {
                "C0SALES" | "C0SHARED" => info(true),
                "C0OUTSIDE" => info(false),
                _ => serde_json::json!({ "ok": false, "error": "channel_not_found" }),
            })
        })
        .mount(slack)
        .await;
}

/// A view as Slack returns it once open: what was sent, with its ID, hash
/// and workspace.
pub fn stateful_view(view: &serde_json::Value, id: &str) -> serde_json::Value {
    let mut view = view.clone();
    view["id"] = serde_json::json!(id);
    view["team_id"] = serde_json::json!(WORKSPACE);
    view["hash"] = serde_json::json!("1700000000.abcd");
    view["state"] = serde_json::json!({ "values": {} });
    view
}

impl TestApp {
    /// A button, form or shortcut payload, signed and posted as Slack does.
    pub async fn interact(&self, payload: &serde_json::Value) -> reqwest::Response {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
        let ts = self.now_timestamp();
        let signature = sign(SIGNING_SECRET, &ts, &body);
        self.post_signed("/slack/interactions", body, &ts, &signature)
            .await
    }

    /// An Events API callback, signed and posted as Slack does; `retry` is
    /// Slack's `X-Slack-Retry-Num` when it delivers the event again.
    pub async fn event(
        &self,
        payload: &serde_json::Value,
        retry: Option<u32>,
    ) -> reqwest::Response {
        let body = payload.to_string();
        let ts = self.now_timestamp();
        let signature = sign(SIGNING_SECRET, &ts, &body);
        let mut request = self
            .http
            .post(format!("{}/slack/events", self.address))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", signature)
            .body(body);
        if let Some(retry) = retry {
            request = request
                .header("x-slack-retry-num", retry.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        request.send().await.expect("sent")
    }

    /// The bodies the fake Slack received at a method, oldest first.
    pub async fn slack_bodies(&self, method_path: &str) -> Vec<serde_json::Value> {
        self.slack_calls(method_path)
            .await
            .iter()
            .filter_map(|request| {
                serde_json::from_slice(&request.body).ok().or_else(|| {
                    // response_url answers may be form-encoded; views and chat are JSON.
                    let form: HashMap<String, String> =
                        serde_urlencoded::from_bytes(&request.body).ok()?;
                    form.get("payload")
                        .and_then(|p| serde_json::from_str(p).ok())
                })
            })
            .collect()
    }
}

/// Slack's payloads for interactions, in the shape Slack sends them.
pub mod payloads {
    use super::{BOSS, WORKSPACE};
    use serde_json::{json, Value};

    fn user(id: &str) -> Value {
        json!({ "id": id, "username": "boss", "name": "boss", "team_id": WORKSPACE })
    }

    fn team() -> Value {
        json!({ "id": WORKSPACE, "domain": "acme" })
    }

    /// A press of the button `action_id` (with `value`) on a message the
    /// bot posted in a DM, with that message's blocks.
    pub fn press_on_bot_message(
        user_id: &str,
        action_id: &str,
        value: Option<&str>,
        message_blocks: &Value,
    ) -> Value {
        json!({
            "type": "block_actions",
            "user": user(user_id),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": "D0DM",
                "is_ephemeral": false
            },
            "trigger_id": "trigger-from-button",
            "team": team(),
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": { "id": "D0DM", "name": "directmessage" },
            "message": {
                "type": "message",
                "user": "U0BOT",
                "ts": "1700000000.000100",
                "bot_id": "B0BOT",
                "text": "a reminder",
                "blocks": message_blocks
            },
            "state": { "values": {} },
            "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
            "actions": [press(action_id, value)]
        })
    }

    /// A press on an ephemeral message (a typed confirmation), whose only
    /// way to be changed is its `response_url`.
    pub fn press_on_ephemeral(action_id: &str, value: Option<&str>, response_url: &str) -> Value {
        json!({
            "type": "block_actions",
            "user": user(BOSS),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": "1700000000.000200",
                "channel_id": "C0GENERAL",
                "is_ephemeral": true
            },
            "trigger_id": "trigger-from-ephemeral",
            "team": team(),
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": { "id": "C0GENERAL", "name": "general" },
            "state": { "values": {} },
            "response_url": response_url,
            "actions": [press(action_id, value)]
        })
    }

    /// A press of a button inside a modal.
    pub fn press_in_view(action_id: &str, value: Option<&str>, view_id: &str) -> Value {
        json!({
            "type": "block_actions",
            "user": user(BOSS),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": { "type": "view", "view_id": view_id },
            "trigger_id": "trigger-from-view",
            "team": team(),
            "enterprise": null,
            "is_enterprise_install": false,
            "view": {
                "id": view_id, "team_id": WORKSPACE, "type": "modal", "hash": "1.a",
                "title": { "type": "plain_text", "text": "coachbot" }, "blocks": []
            },
            "actions": [press(action_id, value)]
        })
    }

    fn press(action_id: &str, value: Option<&str>) -> Value {
        let mut action = json!({
            "action_id": action_id,
            "block_id": "b1",
            "text": { "type": "plain_text", "text": "Press", "emoji": true },
            "type": "button",
            "action_ts": "1700000001.000300"
        });
        if let Some(value) = value {
            action["value"] = json!(value);
        }
        action
    }

    /// A press on the Home tab: of a button (`value`), or of an option in
    /// a "⋯" menu (`option`, its value).
    pub fn press_on_home(
        user_id: &str,
        action_id: &str,
        value: Option<&str>,
        option: Option<&str>,
    ) -> Value {
        let mut action = press(action_id, value);
        if let Some(option) = option {
            action["type"] = json!("overflow");
            action["selected_option"] =
                json!({ "text": { "type": "plain_text", "text": "Choose" }, "value": option });
        }
        json!({
            "type": "block_actions",
            "user": user(user_id),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": { "type": "view", "view_id": "V0HOME" },
            "trigger_id": "trigger-from-home",
            "team": team(),
            "enterprise": null,
            "is_enterprise_install": false,
            "view": {
                "id": "V0HOME", "team_id": WORKSPACE, "type": "home", "hash": "1.a",
                "blocks": []
            },
            "actions": [action]
        })
    }

    /// `app_home_opened`, as an event callback.
    pub fn app_home_opened(user_id: &str, event_id: &str) -> Value {
        json!({
            "token": "legacy-verification-token",
            "team_id": WORKSPACE,
            "api_app_id": "A0APP",
            "event": {
                "type": "app_home_opened", "user": user_id, "channel": "D0HOME",
                "tab": "home", "event_ts": "1700000000.000100"
            },
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000
        })
    }

    /// A search typed into an `external_select` (the time zone).
    pub fn suggestion(user_id: &str, action_id: &str, typed: &str) -> Value {
        json!({
            "type": "block_suggestion",
            "user": user(user_id),
            "team": team(),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "container": { "type": "view", "view_id": "V0VIEW1" },
            "block_id": action_id,
            "action_id": action_id,
            "value": typed
        })
    }

    /// The global shortcut "Log coaching".
    pub fn shortcut(user_id: &str, callback_id: &str) -> Value {
        json!({
            "type": "shortcut",
            "token": "legacy-verification-token",
            "action_ts": "1700000002.000400",
            "team": team(),
            "user": user(user_id),
            "is_enterprise_install": false,
            "enterprise": null,
            "callback_id": callback_id,
            "trigger_id": "trigger-from-shortcut"
        })
    }

    /// A form submitted with these `values` (block → action → value), as
    /// its `view` (what views.open was given, with its ID) shows it.
    pub fn submission(view: &Value, view_id: &str, values: Value) -> Value {
        submission_by(BOSS, view, view_id, values)
    }

    /// The same, by `user_id`.
    pub fn submission_by(user_id: &str, view: &Value, view_id: &str, values: Value) -> Value {
        let mut view = super::stateful_view(view, view_id);
        view["state"] = json!({ "values": values });
        view["root_view_id"] = json!(view_id);
        view["app_id"] = json!("A0APP");
        view["bot_id"] = json!("B0BOT");
        json!({
            "type": "view_submission",
            "team": team(),
            "user": user(user_id),
            "api_app_id": "A0APP",
            "token": "legacy-verification-token",
            "trigger_id": "trigger-from-submission",
            "view": view,
            "response_urls": [],
            "is_enterprise_install": false,
            "enterprise": null
        })
    }

    /// A 1:1 form's values.
    pub fn session_values(
        reps: &[&str],
        minutes: &str,
        kind: &str,
        day: &str,
        note: &str,
    ) -> Value {
        json!({
            "reps": { "reps": { "type": "multi_users_select", "selected_users": reps } },
            "minutes": { "minutes": { "type": "number_input", "value": minutes } },
            "kind": { "kind": { "type": "static_select", "selected_option": {
                "text": { "type": "plain_text", "text": kind }, "value": kind } } },
            "day": { "day": { "type": "datepicker", "selected_date": day } },
            "note": { "note": { "type": "plain_text_input", "value": note } }
        })
    }
}

/// Logs sent side by side, each `15m <@U0ANA|ana> pipeline review ref N`
/// with an N of its own, remembering the Ns answered with a 2xx.
pub struct Burst {
    acknowledged: Arc<Mutex<Vec<u64>>>,
    count: tokio::sync::watch::Receiver<usize>,
    senders: Vec<tokio::task::JoinHandle<()>>,
}

impl Burst {
    /// Starts `senders` tasks, each sending one log after another with
    /// `send` (the status and answer text, or `None` to stop).
    pub fn start<F, Fut>(senders: usize, send: F) -> Self
    where
        F: Fn(String) -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = Option<(u16, String)>> + Send,
    {
        let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let acknowledged: Arc<Mutex<Vec<u64>>> = Arc::default();
        let (counter, count) = tokio::sync::watch::channel(0);
        let senders = (0..senders)
            .map(|_| {
                let (send, next, acknowledged, counter) = (
                    send.clone(),
                    next.clone(),
                    acknowledged.clone(),
                    counter.clone(),
                );
                tokio::spawn(async move {
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let text = format!("15m <@U0ANA|ana> pipeline review ref {n}");
                        let Some((status, answer)) = send(text).await else {
                            break;
                        };
                        if (200..300).contains(&status) {
                            assert!(answer.starts_with("Logged"), "{status}: {answer}");
                            acknowledged
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .push(n);
                            counter.send_modify(|count| *count += 1);
                        }
                    }
                })
            })
            .collect();
        Self {
            acknowledged,
            count,
            senders,
        }
    }

    /// Once `n` logs have been acknowledged.
    pub async fn acknowledged_at_least(&mut self, n: usize) {
        self.count
            .wait_for(|count| *count >= n)
            .await
            .expect("senders running");
    }

    /// The logs acknowledged so far.
    pub fn acknowledged(&self) -> Vec<u64> {
        self.acknowledged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Once every sender has stopped: every log acknowledged.
    pub async fn finished(self) -> Vec<u64> {
        for sender in self.senders {
            sender.await.expect("a sender failed");
        }
        self.acknowledged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// The N of each stored note ending `ref N`, in the database at `url`.
pub async fn refs_stored(url: &str) -> std::collections::BTreeSet<u64> {
    let records = Records::open(url).await;
    let notes: Vec<String> = records.column("SELECT note FROM logs", &[]).await;
    records.close().await;
    notes
        .iter()
        .filter_map(|note| note.rsplit_once("ref ")?.1.parse().ok())
        .collect()
}
