//! The HTTP routes Slack calls. Every `/slack/*` request passes the
//! signature check before anything else reads it (without a signing secret,
//! when only Socket Mode is configured, every one is refused), and slash
//! commands are answered through [`answer_within_budget`], as over Socket
//! Mode. The two exceptions come from a browser, not from Slack: the
//! "Add to Slack" link (`/slack/install`) and Slack's way back from it
//! (`/slack/oauth_redirect`), served only with a client ID and secret and
//! guarded by the install link's one-time state instead.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::{
    SlackInteractionEvent, SlackInteractionResponse, SlackMessageContent, SlackPushEvent,
};

use super::answer::{answer_slash_command, SlashCommand};
use super::{events, interactions};
use crate::app::installs::{self, InstallError};
use crate::app::AppContext;
use crate::config::InstallSettings;
use crate::messages::install_pages;
use crate::slack::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::telemetry::{self, Health};

/// Slack never sends more; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub ctx: AppContext,
    /// `None` when coachbot runs with Socket Mode only: nothing can be
    /// verified, so every `/slack/*` request is refused.
    pub signing_secret: Option<SecretString>,
    /// What the health checks and `/metrics` read besides the database.
    pub health: Health,
    /// Set with `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`: workspaces
    /// install coachbot from `/slack/install`. `None`: those routes are 404.
    pub installs: Option<std::sync::Arc<InstallSettings>>,
}

/// The public listener's routes (as [`router`] writes them), the values
/// of the metrics' `route` label; every other path is counted as `other`.
/// Never `/metrics`: that has its own listener ([`metrics_router`]).
const ROUTES: [&str; 7] = [
    "/slack/commands",
    "/slack/interactions",
    "/slack/events",
    "/slack/install",
    "/slack/oauth_redirect",
    "/healthz",
    "/readyz",
];

pub fn router(state: AppState) -> Router {
    let slack = Router::new()
        .route("/slack/commands", post(command))
        .route("/slack/interactions", post(interaction))
        .route("/slack/events", post(event))
        .route_layer(middleware::from_fn_with_state(state.clone(), verified));
    // From a browser, so outside signature verification.
    let browser = match state.installs {
        Some(_) => Router::new()
            .route("/slack/install", get(install))
            .route("/slack/oauth_redirect", get(oauth_redirect)),
        None => Router::new(),
    };
    Router::new()
        .merge(slack)
        .merge(browser)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(middleware::from_fn(counted))
        .with_state(state)
}

/// `GET /metrics` in Prometheus text, for the metrics listener only.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry::render(&state.health, state.ctx.clock.now()),
    )
        .into_response()
}

/// Counts every request by route and outcome, and times it.
async fn counted(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let route = ROUTES
        .iter()
        .find(|route| **route == path)
        .copied()
        .unwrap_or("other");
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    telemetry::request(
        route,
        telemetry::outcome_of_status(response.status().as_u16()),
        started.elapsed(),
    );
    response
}

/// The "Add to Slack" link: to Slack's authorize page, with a new state.
async fn install(State(state): State<AppState>) -> Response {
    let Some(settings) = &state.installs else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match installs::authorize_url(&state.ctx, settings).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => {
            tracing::error!(error = %crate::causes::one_line(&error), "could not start an install");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not start the install; try again in a minute",
            )
                .into_response()
        }
    }
}

/// What Slack sends the browser back with; never logged (the code is
/// worth a token until it is exchanged).
#[derive(Deserialize)]
struct BackFromSlack {
    code: Option<String>,
    state: Option<String>,
}

/// Slack's way back from the authorize page: the install completed, or a
/// page saying why not and where to start again.
async fn oauth_redirect(
    State(state): State<AppState>,
    Query(back): Query<BackFromSlack>,
) -> Response {
    let Some(settings) = &state.installs else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match installs::complete(
        &state.ctx,
        settings,
        back.code.as_deref(),
        back.state.as_deref(),
    )
    .await
    {
        Ok(workspace) => {
            tracing::info!(%workspace, "coachbot installed in a workspace");
            Html(install_pages::installed()).into_response()
        }
        Err(error) => {
            let status = match &error {
                InstallError::LinkExpired | InstallError::Cancelled => {
                    tracing::warn!(error = %error, "refused an install");
                    StatusCode::BAD_REQUEST
                }
                InstallError::Slack(_) => StatusCode::BAD_GATEWAY,
                InstallError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status.is_server_error() {
                tracing::error!(error = %crate::causes::one_line(&error), "an install failed");
            }
            (status, Html(install_pages::not_installed(&error))).into_response()
        }
    }
}

/// Liveness: the database answers reads and the writer can commit. A
/// process answering 503 here should be restarted.
async fn healthz(State(state): State<AppState>) -> Response {
    match alive(&state).await {
        Ok(()) => "ok".into_response(),
        Err(reason) => unavailable(reason),
    }
}

/// Readiness: alive, started, the scheduler ticking, and a Socket Mode
/// socket up when Socket Mode is configured. A process answering 503 here
/// should get no traffic until it answers 200.
async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(reason) = alive(&state).await {
        return unavailable(reason);
    }
    match state.health.readiness(state.ctx.clock.now()) {
        Ok(()) => "ready".into_response(),
        Err(reason) => unavailable(reason.to_string()),
    }
}

/// Why the process is not alive, as the body to answer with.
async fn alive(state: &AppState) -> Result<(), String> {
    if let Err(error) = state.ctx.store.ping().await {
        tracing::error!(error = %crate::causes::one_line(&error), "health check: the database does not answer");
        return Err("the database does not answer".into());
    }
    if let Err(error) = state.ctx.store.writable().await {
        let error = crate::causes::one_line(&error);
        tracing::error!(%error, "health check: the database writer cannot commit");
        return Err(format!("the database writer cannot commit: {error}"));
    }
    Ok(())
}

fn unavailable(reason: String) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
}

/// Lets a request through only if Slack signed it, recently. The timestamp
/// is checked before the body is read, and the body is read only up to
/// [`MAX_BODY_BYTES`].
async fn verified(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(signing_secret) = &state.signing_secret else {
        tracing::warn!("refused a Slack HTTP request: SLACK_SIGNING_SECRET is not set, so only Socket Mode is served");
        return (StatusCode::UNAUTHORIZED, "Slack HTTP requests are off").into_response();
    };
    let now = state.ctx.clock.now().timestamp();
    let (parts, body) = request.into_parts();
    let (Some(timestamp), Some(signature)) = (
        header_text(&parts.headers, TIMESTAMP_HEADER),
        header_text(&parts.headers, SIGNATURE_HEADER),
    ) else {
        return unauthorized(verify::VerifyError::Missing);
    };
    if let Err(error) = verify::check_timestamp(&timestamp, now) {
        return unauthorized(error);
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return too_large();
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    if let Err(error) = verify::verify(signing_secret, &timestamp, &signature, &bytes, now) {
        return unauthorized(error);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn unauthorized(error: verify::VerifyError) -> Response {
    tracing::warn!(%error, "refused an unverified Slack request");
    (StatusCode::UNAUTHORIZED, "invalid Slack signature").into_response()
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response()
}

/// The fields of Slack's slash-command form we use; the rest are ignored.
#[derive(Deserialize)]
struct CommandForm {
    team_id: String,
    user_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    response_url: String,
    #[serde(default)]
    trigger_id: String,
}

/// An answer only the manager sees.
#[derive(Serialize)]
struct CommandAnswer {
    response_type: &'static str,
    #[serde(flatten)]
    content: SlackMessageContent,
}

fn ephemeral(content: SlackMessageContent) -> Response {
    Json(CommandAnswer {
        response_type: "ephemeral",
        content,
    })
    .into_response()
}

async fn command(State(state): State<AppState>, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<CommandForm>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a slash command").into_response();
    };
    let command = SlashCommand {
        team_id: form.team_id,
        user_id: form.user_id,
        text: form.text,
        response_url: form.response_url,
        trigger_id: form.trigger_id,
    };
    match answer_slash_command(&state.ctx, command).await {
        Some(content) => ephemeral(content),
        None => (StatusCode::BAD_REQUEST, "not a slash command").into_response(),
    }
}

/// A button, form or shortcut: Slack sends it form-encoded as `payload`.
#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

/// Interactions, answered with what a form submission needs (its errors or
/// the view it closes with), or an empty 200.
async fn interaction(State(state): State<AppState>, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<InteractionForm>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a Slack interaction").into_response();
    };
    let event = match serde_json::from_str::<SlackInteractionEvent>(&form.payload) {
        Ok(event) => event,
        // Slack's payloads are JSON; anything else came from no Slack.
        Err(error) if error.is_syntax() || error.is_eof() => {
            return (StatusCode::BAD_REQUEST, "not a Slack interaction").into_response();
        }
        Err(error) => {
            // A kind of interaction coachbot offers nothing for.
            tracing::info!(%error, "acknowledged an interaction it cannot read");
            return StatusCode::OK.into_response();
        }
    };
    match interactions::handle(&state.ctx, event).await {
        SlackInteractionResponse::Empty => StatusCode::OK.into_response(),
        answer => Json(answer).into_response(),
    }
}

/// Answers Slack's URL check; event callbacks are handled once each.
async fn event(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match serde_json::from_slice::<SlackPushEvent>(&body) {
        Ok(SlackPushEvent::UrlVerification(check)) => {
            Json(serde_json::json!({ "challenge": check.challenge })).into_response()
        }
        Ok(SlackPushEvent::EventCallback(callback)) => {
            if let Some(retry) = header_text(&headers, "x-slack-retry-num") {
                tracing::info!(%retry, reason = header_text(&headers, "x-slack-retry-reason").unwrap_or_default(), "Slack delivered an event again");
            }
            events::handle(&state.ctx, callback).await;
            StatusCode::OK.into_response()
        }
        Ok(SlackPushEvent::AppRateLimited(_)) => StatusCode::OK.into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "not a Slack event").into_response(),
    }
}
