//! Installing coachbot from its "Add to Slack" link (issue 20, item 1),
//! end to end: the real app on its database (SQLite, or PostgreSQL with
//! `COACHBOT_TEST_APP_DATABASE=postgres`), a browser's requests without
//! Slack's signature, and a fake `oauth.v2.access`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use coachbot::domain::WorkspaceId;
use coachbot::sealing::{TokenKey, TokenKeys};
use coachbot::slack::BOT_SCOPES;
use secrecy::ExposeSecret;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::binary::serve;
use crate::helpers::*;

const CLIENT_ID: &str = "1234.5678";
const CLIENT_SECRET: &str = "test-client-secret";
/// 32 bytes of 7, in base64.
const TOKEN_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

fn keys() -> TokenKeys {
    TokenKeys::new(TokenKey::from_bytes([7; 32]), None)
}

/// What installs need besides the usual environment.
const INSTALL_ENV: [(&str, &str); 3] = [
    ("SLACK_CLIENT_ID", CLIENT_ID),
    ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
    ("COACHBOT_TOKEN_KEY", TOKEN_KEY),
];

/// The app with installs on, and Slack exchanging `code` for `token` in
/// workspace `T0NEW`.
async fn installing_app(codes: &[(&str, &str)]) -> TestApp {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    mount_exchanges(&slack, codes).await;
    spawn_app_with(slack, friday_morning(), &INSTALL_ENV).await
}

/// Slack's `oauth.v2.access`, exchanging each `code` for its `token` in
/// workspace `T0NEW`.
async fn mount_exchanges(slack: &wiremock::MockServer, codes: &[(&str, &str)]) {
    for (code, token) in codes {
        Mock::given(method("GET"))
            .and(path("/api/oauth.v2.access"))
            .and(query_param("code", *code))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true,
                "app_id": "A0COACH",
                "access_token": token,
                "token_type": "bot",
                "scope": BOT_SCOPES.join(","),
                "bot_user_id": "U0BOT",
                "team": { "id": "T0NEW", "name": "New Co" },
                "enterprise": null,
                "authed_user": { "id": "U0ADMIN" },
                "is_enterprise_install": false
            })))
            .mount(slack)
            .await;
    }
}

/// A browser that does not follow redirects, so the test sees them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Follows the install link of the app at `base`: the state Slack's
/// authorize page was given.
async fn install_link_state(base: &str) -> String {
    let answer = browser()
        .get(format!("{base}/slack/install"))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 303);
    let location = answer
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .expect("text")
        .to_string();
    let url = url::Url::parse(&location).expect("a URL");
    assert_eq!(
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        "https://slack.com/oauth/v2/authorize"
    );
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    assert_eq!(param("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(param("scope"), Some(BOT_SCOPES.join(",")));
    param("state").expect("a state")
}

/// Slack sending the browser back to the app at `base` with `query`: the
/// status and page.
async fn back_from_slack(base: &str, query: &str) -> (u16, String) {
    let answer = browser()
        .get(format!("{base}/slack/oauth_redirect?{query}"))
        .send()
        .await
        .expect("sent");
    (
        answer.status().as_u16(),
        answer.text().await.expect("a page"),
    )
}

async fn token_of_new_workspace(app: &TestApp) -> Option<String> {
    let installation = app
        .ctx
        .store
        .installation(&WorkspaceId::parse("T0NEW").expect("id"))
        .await
        .expect("read")?;
    Some(
        keys()
            .open(&installation.workspace, &installation.bot_token)
            .expect("opens with the key")
            .token
            .expose_secret()
            .to_string(),
    )
}

fn assert_link_expired((status, page): &(u16, String)) {
    assert_eq!(*status, 400, "{page}");
    assert!(
        page.contains("This install link has expired") && page.contains("/slack/install"),
        "{page}"
    );
}

#[tokio::test]
async fn a_good_code_installs_the_workspace_with_its_token_sealed() {
    let app = installing_app(&[("good-code", "xoxb-new-workspace")]).await;
    let state = install_link_state(&app.address).await;
    let (status, page) =
        back_from_slack(&app.address, &format!("code=good-code&state={state}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Home") && page.contains("/coach help"),
        "{page}"
    );
    assert_eq!(
        token_of_new_workspace(&app).await.as_deref(),
        Some("xoxb-new-workspace")
    );
    let stored: i64 = app
        .count("SELECT COUNT(*) FROM installations WHERE bot_token LIKE '%xoxb%'")
        .await;
    assert_eq!(stored, 0, "the token is stored sealed");
    let exchanges = app.slack_calls("/api/oauth.v2.access").await;
    assert_eq!(exchanges.len(), 1);
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    assert_eq!(
        exchanges[0]
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(basic.as_str())
    );
}

#[tokio::test]
async fn missing_forged_reused_and_expired_states_install_nothing() {
    let app = installing_app(&[("good-code", "xoxb-new-workspace")]).await;
    assert_link_expired(&back_from_slack(&app.address, "code=good-code").await);
    assert_link_expired(&back_from_slack(&app.address, "code=good-code&state=forged").await);

    let expiring = install_link_state(&app.address).await;
    app.clock.set(friday_morning() + Duration::minutes(10));
    assert_link_expired(
        &back_from_slack(&app.address, &format!("code=good-code&state={expiring}")).await,
    );
    assert!(app.slack_calls("/api/oauth.v2.access").await.is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 0);

    let state = install_link_state(&app.address).await;
    let (status, _) = back_from_slack(&app.address, &format!("code=good-code&state={state}")).await;
    assert_eq!(status, 200);
    app.ctx
        .store
        .remove_installation(&WorkspaceId::parse("T0NEW").expect("id"))
        .await
        .expect("removed");
    assert_link_expired(
        &back_from_slack(&app.address, &format!("code=good-code&state={state}")).await,
    );
    assert_eq!(app.slack_calls("/api/oauth.v2.access").await.len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 0);
}

#[tokio::test]
async fn a_reinstall_replaces_the_workspace_token() {
    let app = installing_app(&[("first", "xoxb-first"), ("second", "xoxb-second")]).await;
    for code in ["first", "second"] {
        let state = install_link_state(&app.address).await;
        let (status, page) =
            back_from_slack(&app.address, &format!("code={code}&state={state}")).await;
        assert_eq!(status, 200, "{page}");
    }
    assert_eq!(
        token_of_new_workspace(&app).await.as_deref(),
        Some("xoxb-second")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 1);
}

#[tokio::test]
async fn without_a_client_id_the_install_routes_are_not_there() {
    let app = spawn_app().await;
    assert_eq!(app.get("/slack/install").await.status().as_u16(), 404);
    assert_eq!(
        app.get("/slack/oauth_redirect?code=c&state=s")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn an_install_logs_and_counts_neither_its_code_nor_a_secret_even_at_debug() {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    mount_exchanges(&slack, &[("code-4f9a2e", "xoxb-installed-secret")]).await;
    let dir = tempfile::tempdir().expect("dir");
    let served = serve(&slack, &dir.path().join("coachbot.db"), &INSTALL_ENV).await;
    let state = install_link_state(&served.base).await;
    let (status, page) =
        back_from_slack(&served.base, &format!("code=code-4f9a2e&state={state}")).await;
    assert_eq!(status, 200, "{page}");
    let metrics = reqwest::get(&served.metrics)
        .await
        .expect("scraped")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("oauth.v2.access"), "{metrics}");
    let logs = served.stop().await;
    assert!(logs.contains("coachbot installed in a workspace"), "{logs}");
    for secret in [
        "code-4f9a2e",
        "xoxb-installed-secret",
        CLIENT_SECRET,
        TOKEN_KEY,
        state.as_str(),
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} is in the logs: {}",
            logs.lines()
                .filter(|l| l.contains(secret))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(!metrics.contains(secret), "{secret} is in the metrics");
    }
}

/// An event callback from `WORKSPACE` carrying `event`.
fn event_callback(event: serde_json::Value, event_id: &str) -> serde_json::Value {
    serde_json::json!({
        "token": "legacy-verification-token",
        "team_id": WORKSPACE,
        "api_app_id": "A0APP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000
    })
}

/// `WORKSPACE` installed, with bot user `U0BOT`, and a manager there.
async fn installed_workspace_with_a_manager() -> TestApp {
    let app = installing_app(&[]).await;
    let workspace = WorkspaceId::parse(WORKSPACE).expect("id");
    app.ctx
        .store
        .save_installation(&coachbot::store::Installation {
            bot_token: keys().seal(&workspace, &"xoxb-team".to_string().into()),
            workspace,
            enterprise: None,
            bot_user: coachbot::domain::SlackUserId::parse("U0BOT").expect("id"),
            scopes: BOT_SCOPES.join(","),
            installer: None,
            installed_at: friday_morning(),
        })
        .await
        .expect("installed");
    app.coach("team add <@U0ANA>").await;
    app
}

#[tokio::test]
async fn an_uninstall_removes_the_installation_and_keeps_the_records() {
    let app = installed_workspace_with_a_manager().await;
    let answer = app
        .event(
            &event_callback(serde_json::json!({ "type": "app_uninstalled" }), "Ev0GONE"),
            None,
        )
        .await;
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 1);
}

#[tokio::test]
async fn a_revocation_removes_the_installation_only_when_it_names_the_bot() {
    let app = installed_workspace_with_a_manager().await;
    let revoked = |bots: &[&str], id: &str| {
        event_callback(
            serde_json::json!({
                "type": "tokens_revoked",
                "tokens": { "oauth": ["U0ADMIN"], "bot": bots }
            }),
            id,
        )
    };
    app.event(&revoked(&[], "Ev0USERS"), None).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 1);
    app.event(&revoked(&["U0BOT"], "Ev0BOT"), None).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM installations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 1);
}
