//! The ways requests come in: Slack's HTTP routes, Socket Mode, and the
//! terminal of `coachbot try`; and what Slack sends through the first two
//! (slash commands, [`interactions`], [`events`]), handled the same way
//! whichever carried it. Each turns what arrives into a use case of
//! the application and renders what that returns; a slash command is
//! answered within Slack's 3 seconds the same way over both Slack transports
//! ([`answer`]).

pub mod answer;
pub mod events;
pub mod home;
pub mod http;
pub mod interactions;
pub mod socket_mode;
pub mod terminal;

/// Whether coachbot serves the workspace a request came from. One it holds
/// no token for is acknowledged and left alone: nothing is stored, and
/// Slack is not called with another workspace's token. Logged here, once
/// per request.
pub async fn served(ctx: &crate::app::AppContext, workspace: &crate::domain::WorkspaceId) -> bool {
    let serves = ctx.slack.serves(workspace).await;
    if !serves {
        tracing::info!(%workspace, "a request from a workspace coachbot is not installed in was refused");
    }
    serves
}

/// The span every log line about one request from Slack sits in: what
/// kind it is, and the workspace and user it came from, as Slack sent
/// them (empty when it names none). The same over HTTP and Socket Mode.
pub fn request_span(
    kind: &'static str,
    workspace: Option<&str>,
    user: Option<&str>,
) -> tracing::Span {
    tracing::info_span!(
        "slack_request",
        kind,
        workspace = workspace.unwrap_or_default(),
        user = user.unwrap_or_default()
    )
}
