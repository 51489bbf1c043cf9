//! Every Slack call is made with the token of the workspace it concerns,
//! and a request from a workspace coachbot holds no token for is answered
//! (a command) or acknowledged (an event, a press) and touches nothing.

use std::sync::Arc;

use coachbot::app::jobs::RunAt;
use coachbot::domain::{Job, WorkspaceId};
use coachbot::scheduler::jobs::run_now;
use coachbot::slack::{BotTokens, NotInstalled};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::jobs::fast;

/// The second workspace, its manager and rep.
const ELSEWHERE: &str = "T0ELSE";
const ELSEWHERE_BOSS: &str = "U0BEES";
/// A workspace coachbot holds no token for.
const NOT_INSTALLED: &str = "T0NONE";
const LEADERS: &str = "C0LEADERS";

/// Each workspace's token, as an installation source holds them.
#[derive(Debug)]
struct TwoWorkspaces;

fn token_of(workspace: &str) -> Option<&'static str> {
    match workspace {
        WORKSPACE => Some("xoxb-token-of-t0team"),
        ELSEWHERE => Some("xoxb-token-of-t0else"),
        _ => None,
    }
}

#[async_trait::async_trait]
impl BotTokens for TwoWorkspaces {
    async fn token(&self, workspace: &WorkspaceId) -> Result<SecretString, NotInstalled> {
        token_of(workspace.as_str())
            .map(|token| SecretString::from(token.to_string()))
            .ok_or_else(|| NotInstalled(workspace.clone()))
    }
}

/// The `Authorization` a call carried.
fn bearer(request: &wiremock::Request) -> String {
    request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn bearer_of(workspace: &str) -> String {
    format!(
        "Bearer {}",
        token_of(workspace).expect("a workspace with a token")
    )
}

/// `user` of `workspace` sets their zone on 1 November (their first use)
/// and takes on `rep`.
async fn manager_in(app: &TestApp, workspace: &str, user: &str, rep: &str) {
    let now = app.clock.now();
    app.clock
        .set("2026-11-01T12:00:00Z".parse().expect("instant"));
    for text in ["tz Europe/Berlin".to_string(), format!("team add <@{rep}>")] {
        let answer = app.coach_in(workspace, user, &text).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(!answer.text().contains("Sorry"), "{text}: {answer:?}");
    }
    app.clock.set(now);
}

async fn run(app: &TestApp, job: Job, at: &str) {
    let at = RunAt::Instant(at.parse().expect("instant"));
    run_now(&app.ctx, job, at, None, false, &fast())
        .await
        .expect("runs");
}

/// The calls the fake received at `method_path`, each as the user or
/// channel it was about, with the token it carried, sorted; `about` reads
/// the first from the request.
async fn calls(
    app: &TestApp,
    method_path: &str,
    about: impl Fn(&wiremock::Request) -> String,
) -> Vec<(String, String)> {
    let mut calls: Vec<(String, String)> = app
        .slack_calls(method_path)
        .await
        .iter()
        .map(|request| (about(request), bearer(request)))
        .collect();
    calls.sort();
    calls
}

fn body(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or_default()
}

#[tokio::test]
async fn every_call_about_a_workspace_carries_that_workspaces_token() {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    mount_views_and_updates(&slack).await;
    let app = spawn_app_serving(
        slack,
        &[("COACHBOT__DIGEST__CHANNEL", LEADERS)],
        Arc::new(TwoWorkspaces),
    )
    .await;
    manager_in(&app, WORKSPACE, BOSS, "U0ANA").await;
    manager_in(&app, ELSEWHERE, ELSEWHERE_BOSS, "U0BEN").await;

    // The first-use lookup of each manager's time zone.
    let users_info = calls(&app, "/api/users.info", |request| {
        request
            .url
            .query_pairs()
            .find(|(key, _)| key == "user")
            .map(|(_, user)| user.to_string())
            .unwrap_or_default()
    })
    .await;
    assert_eq!(
        users_info,
        [
            (ELSEWHERE_BOSS.to_string(), bearer_of(ELSEWHERE)),
            (BOSS.to_string(), bearer_of(WORKSPACE)),
        ]
    );

    // Each Home tab, published as its own workspace's bot.
    app.event(&app_home_opened(BOSS, "Ev0A"), None).await;
    let mut opened = app_home_opened(ELSEWHERE_BOSS, "Ev0B");
    opened["team_id"] = json!(ELSEWHERE);
    app.event(&opened, None).await;
    app.follow_ups_settled().await;
    let published = calls(&app, "/api/views.publish", |request| {
        body(request)["user_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    })
    .await;
    assert_eq!(
        published,
        [
            (ELSEWHERE_BOSS.to_string(), bearer_of(ELSEWHERE)),
            (BOSS.to_string(), bearer_of(WORKSPACE)),
        ]
    );

    // The leaders' digest of each workspace, then each manager's
    // meeting reminder.
    run(&app, Job::Digest, "2026-11-27T16:00:00Z").await;
    run(&app, Job::MeetingCheck, "2026-11-30T08:00:00Z").await;
    let posts = calls(&app, "/api/chat.postMessage", |request| {
        let body = body(request);
        let channel = body["channel"].as_str().unwrap_or_default().to_string();
        if channel != LEADERS {
            return channel;
        }
        let text = body.to_string();
        match (text.contains(BOSS), text.contains(ELSEWHERE_BOSS)) {
            (true, false) => format!("{LEADERS} of {WORKSPACE}"),
            (false, true) => format!("{LEADERS} of {ELSEWHERE}"),
            _ => format!("{LEADERS} of both or neither: {text}"),
        }
    })
    .await;
    assert_eq!(
        posts,
        [
            (format!("{LEADERS} of {ELSEWHERE}"), bearer_of(ELSEWHERE)),
            (format!("{LEADERS} of {WORKSPACE}"), bearer_of(WORKSPACE)),
            (ELSEWHERE_BOSS.to_string(), bearer_of(ELSEWHERE)),
            (BOSS.to_string(), bearer_of(WORKSPACE)),
        ]
    );
}

/// Whether the fake Slack was called since the start's `auth.test`.
async fn slack_called(app: &TestApp) -> Vec<String> {
    app.slack
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| request.url.path().to_string())
        .filter(|path| path != "/api/auth.test")
        .collect()
}

#[tokio::test]
async fn a_workspace_without_a_token_gets_a_sentence_and_nothing_is_stored_or_called() {
    let app = spawn_app().await;

    let answer = app
        .coach_in(NOT_INSTALLED, BOSS, "45m <@U0ANA> pipeline review")
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .text()
            .contains("coachbot is not installed in this Slack workspace"),
        "{answer:?}"
    );
    let form = app.coach_in(NOT_INSTALLED, BOSS, "log").await;
    assert!(form.text().contains("not installed"), "{form:?}");

    let mut opened = app_home_opened(BOSS, "Ev0NONE");
    opened["team_id"] = json!(NOT_INSTALLED);
    assert_eq!(app.event(&opened, None).await.status().as_u16(), 200);
    let mut pressed = press_on_home(BOSS, "log_session", None, None);
    pressed["team"]["id"] = json!(NOT_INSTALLED);
    assert_eq!(app.interact(&pressed).await.status().as_u16(), 200);
    app.follow_ups_settled().await;

    for table in [
        "managers",
        "logs",
        "seen_events",
        "home_tabs",
        "publish_budgets",
    ] {
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(slack_called(&app).await, Vec::<String>::new());
}

#[tokio::test]
async fn the_bot_token_serves_the_workspace_auth_test_names_and_no_other() {
    let slack = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(auth_test_answer(ELSEWHERE)))
        .mount(&slack)
        .await;
    mount_default_slack(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;

    let refused = app.coach_in(WORKSPACE, BOSS, "tz Europe/Berlin").await;
    assert!(refused.text().contains("not installed"), "{refused:?}");
    let served = app.coach_in(ELSEWHERE, BOSS, "tz Europe/Berlin").await;
    assert!(served.text().contains("Europe/Berlin"), "{served:?}");

    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 1);
    let users_info = app.slack_calls("/api/users.info").await;
    assert_eq!(users_info.len(), 1);
    assert_eq!(bearer(&users_info[0]), "Bearer xoxb-test-token");
}

/// Two workspaces' managers, each with a rep and a 1:1 logged on Friday
/// 27 November, in the app that holds both workspaces' tokens.
async fn two_workspaces() -> TestApp {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let app = spawn_app_serving(slack, &[], Arc::new(TwoWorkspaces)).await;
    for (workspace, user, rep) in [
        (WORKSPACE, BOSS, "U0ANA"),
        (ELSEWHERE, ELSEWHERE_BOSS, "U0BEN"),
    ] {
        manager_in(&app, workspace, user, rep).await;
        let logged = app
            .coach_in(workspace, user, &format!("45m <@{rep}> pipeline review"))
            .await;
        assert!(logged.text().contains("Logged"), "{logged:?}");
    }
    app
}

#[tokio::test]
async fn run_job_for_one_workspace_decides_only_that_workspaces_reminders() {
    let app = two_workspaces().await;

    let dry = run_binary(
        &app,
        &[
            "run-job",
            "meeting-check",
            "--at",
            "2026-11-30",
            "--dry-run",
            "--workspace",
            ELSEWHERE,
        ],
    )
    .await;
    assert!(dry.success, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("DM {ELSEWHERE_BOSS} [meeting-check {ELSEWHERE}")),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains(BOSS), "{}", dry.stdout);

    // The binary's token is T0TEAM's (the fake's auth.test says so).
    let ran = run_binary(
        &app,
        &[
            "run-job",
            "meeting-check",
            "--at",
            "2026-11-30T08:00:00Z",
            "--workspace",
            WORKSPACE,
        ],
    )
    .await;
    assert!(ran.success, "{}", ran.stderr);
    let records = app.db().await;
    let reminders: Vec<(String, String)> = records
        .rows("SELECT team_id, recipient FROM reminders ORDER BY id", &[])
        .await;
    records.close().await;
    assert_eq!(reminders, [(WORKSPACE.to_string(), BOSS.to_string())]);
    let posted: Vec<String> = app
        .slack_bodies("/api/chat.postMessage")
        .await
        .iter()
        .map(|post| post["channel"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(posted, [BOSS]);
}

#[tokio::test]
async fn export_for_one_workspace_prints_only_that_workspaces_rows() {
    let app = two_workspaces().await;

    let all = run_binary(&app, &["export", "--month", "2026-11"]).await;
    assert!(all.success, "{}", all.stderr);
    let one = run_binary(
        &app,
        &["export", "--month", "2026-11", "--workspace", ELSEWHERE],
    )
    .await;
    assert!(one.success, "{}", one.stderr);

    let workspaces = |csv: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|row| row.split(',').next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(workspaces(&all.stdout), [WORKSPACE, ELSEWHERE]);
    assert_eq!(workspaces(&one.stdout), [ELSEWHERE]);
    assert!(
        one.stdout.contains("U0BEN") && !one.stdout.contains("U0ANA"),
        "{}",
        one.stdout
    );
}

#[tokio::test]
async fn check_for_one_workspace_reads_it_and_a_workspace_id_is_checked_once_at_the_edge() {
    let app = two_workspaces().await;

    let checked = run_binary(&app, &["check", "--workspace", ELSEWHERE]).await;
    assert!(checked.success, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("All records agree"),
        "{}",
        checked.stdout
    );

    let refused = run_binary(
        &app,
        &["export", "--month", "2026-11", "--workspace", "acme"],
    )
    .await;
    assert!(!refused.success);
    assert!(
        refused.stderr.contains(
            "\"acme\" is not a Slack workspace ID; those start with T, for example T0123ABCD"
        ),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn serve_stops_with_a_sentence_when_slack_refuses_the_token_at_start() {
    let slack = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": false, "error": "invalid_auth" })),
        )
        .mount(&slack)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}", dir.path().join("coachbot.db").display());
    let api_url = format!("{}/api/", slack.uri());
    let stderr = tokio::task::spawn_blocking(move || {
        crate::binary::serve_fails_with(&[
            ("SLACK_BOT_TOKEN", "xoxb-revoked-token"),
            ("SLACK_SIGNING_SECRET", "s"),
            ("SLACK_API_URL", &api_url),
            ("DATABASE_URL", &database_url),
        ])
    })
    .await
    .expect("runs");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "could not learn from Slack (auth.test) which workspace SLACK_BOT_TOKEN belongs to"
        ) && stderr.contains("invalid_auth"),
        "{stderr}"
    );
    assert!(!stderr.contains("xoxb-revoked-token"), "{stderr}");
}
