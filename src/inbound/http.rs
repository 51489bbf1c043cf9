//! The HTTP routes Slack calls. Every `/slack/*` request passes the
//! signature check before anything else reads it (without a signing secret,
//! when only Socket Mode is configured, every one is refused), and slash
//! commands are answered through [`answer_within_budget`], as over Socket
//! Mode.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::{
    SlackInteractionEvent, SlackInteractionResponse, SlackMessageContent, SlackPushEvent,
};

use super::answer::{answer_slash_command, SlashCommand};
use super::{events, interactions};
use crate::app::AppContext;
use crate::slack::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Slack never sends more; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub ctx: AppContext,
    /// `None` when coachbot runs with Socket Mode only: nothing can be
    /// verified, so every `/slack/*` request is refused.
    pub signing_secret: Option<SecretString>,
}

pub fn router(state: AppState) -> Router {
    let slack = Router::new()
        .route("/slack/commands", post(command))
        .route("/slack/interactions", post(interaction))
        .route("/slack/events", post(event))
        .route_layer(middleware::from_fn_with_state(state.clone(), verified));
    Router::new()
        .merge(slack)
        .route("/healthz", get(healthz))
        .with_state(state)
}

/// For load balancers and uptime checks: healthy when the database answers.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.ctx.store.ping().await {
        Ok(()) => "ok".into_response(),
        Err(error) => {
            tracing::error!(error = %crate::causes::one_line(&error), "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
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
