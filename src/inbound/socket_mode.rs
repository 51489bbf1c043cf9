//! Socket Mode: Slack delivers slash commands, interactions and events over
//! WebSockets that coachbot opens itself (`apps.connections.open` with the
//! app-level token, through `SLACK_API_URL`), so no public HTTPS endpoint
//! is needed. slack-morphism's listener owns the sockets: it reconnects when
//! Slack asks or a socket breaks, and retries a connection Slack refused.
//! It is started once Slack accepts a first connection, which coachbot asks
//! for itself, retrying on the injected clock (slack-morphism's own retries
//! wait on tokio's), so a test's fixed clock takes those waits at once.
//! Slash commands are answered through [`answer_within_budget`], exactly as
//! over HTTP; the answer travels in the envelope's acknowledgement.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::listener::{HttpStatusCode, SlackClientEventsUserState};
use slack_morphism::prelude::{
    SlackClientEventsListenerEnvironment, SlackClientSocketModeConfig,
    SlackClientSocketModeListener, SlackCommandEvent, SlackCommandEventResponse,
    SlackInteractionEvent, SlackInteractionResponse, SlackMessageResponseType,
    SlackPushEventCallback, SlackSocketModeListenerCallbacks, ValueStruct,
};
use slack_morphism::{SlackApiToken, SlackApiTokenValue, SlackClient, UserCallbackResult};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::answer::{answer_slash_command, SlashCommand};
use super::{events, interactions};
use crate::app::AppContext;
use crate::clock::Clock;
use crate::messages;
use crate::slack::client::Connector;
use crate::slack::{SlackApi, SlackError};
use crate::telemetry::{self, Health};

/// How the listener connects; the defaults suit production, and tests
/// keep them (the waits run on the app's clock).
#[derive(Debug, Clone)]
pub struct SocketModeOptions {
    /// Sockets kept open at once. Slack spreads envelopes over them, so a
    /// second one keeps commands flowing while the other reconnects (Slack
    /// asks every few hours).
    pub connections: u32,
    /// How long to wait before trying again after Slack refused a
    /// connection or it could not be reached. The listener's own retries
    /// (a socket reopened later) take it in whole seconds, at least one.
    pub retry_after: Duration,
    /// If no socket is up this long after start, say so once, with the
    /// usual causes: each failed attempt is logged, but not what to do
    /// about it.
    pub warn_if_not_connected_after: Duration,
}

impl Default for SocketModeOptions {
    fn default() -> Self {
        Self {
            connections: 2,
            retry_after: Duration::from_secs(30),
            warn_if_not_connected_after: Duration::from_secs(15),
        }
    }
}

/// What the listener's callbacks share. slack-morphism takes plain `fn`
/// callbacks, so they find it in the listener's user state.
#[derive(Clone)]
struct ListenerState {
    ctx: AppContext,
    /// Set by the first `hello`: a socket is up.
    connected: Arc<AtomicBool>,
    /// Told of each greeting and each broken socket, for `/readyz` and
    /// the metrics.
    health: Health,
}

/// What slack-morphism hands its error handler.
type ListenerError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
enum SocketModeError {
    #[error("the Socket Mode listener lost its state")]
    NoState,
}

/// The running Socket Mode listener. The app token lives inside
/// slack-morphism's listener, and this `Debug` never prints it.
pub struct SocketMode {
    listener: Arc<SlackClientSocketModeListener<Connector>>,
    /// Asks Slack for a first connection until it accepts, then starts the
    /// listener.
    connecting: JoinHandle<()>,
    watchdog: JoinHandle<()>,
}

impl std::fmt::Debug for SocketMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SocketMode { app_token: [redacted] }")
    }
}

impl SocketMode {
    /// Starts connecting in the background and returns at once: a refused
    /// or broken connection is logged and retried, never fatal.
    pub async fn start(
        ctx: AppContext,
        app_token: &SecretString,
        options: &SocketModeOptions,
        health: Health,
    ) -> Result<Self, SlackError> {
        health.socket_mode_configured();
        let client: Arc<SlackClient<Connector>> = ctx.slack.api().client();
        let (slack, clock) = (ctx.slack.api().clone(), ctx.clock.clone());
        let connected = Arc::new(AtomicBool::new(false));
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client)
                .with_error_handler(on_error)
                .with_user_state(ListenerState {
                    ctx,
                    connected: connected.clone(),
                    health,
                }),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            // A closure, because the hello event's type is not exported
            // under a usable path (two glob re-exports of `socket_mode` clash).
            .with_hello_events(|hello, _client, states| async move {
                on_hello(
                    hello.connection_info.app_id.to_string(),
                    hello.num_connections,
                    states,
                )
                .await
            })
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push_event);
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(options.connections.max(1))
            .with_reconnect_timeout_in_seconds(options.retry_after.as_secs().max(1));
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let token = SlackApiToken::new(SlackApiTokenValue::new(
            app_token.expose_secret().to_string(),
        ));
        listener
            .listen_for(&token)
            .await
            .map_err(|e| SlackError::Setup(format!("Socket Mode: {e}")))?;
        tracing::info!(
            connections = config.max_connections_count,
            "Socket Mode: connecting to Slack"
        );
        let listener = Arc::new(listener);
        let connecting = tokio::spawn(start_once_slack_accepts(
            listener.clone(),
            slack,
            app_token.clone(),
            clock.clone(),
            options.retry_after,
        ));
        let watchdog = tokio::spawn(warn_if_not_connected(
            connected,
            clock.deadline(options.warn_if_not_connected_after),
            options.warn_if_not_connected_after,
            options.retry_after,
        ));
        Ok(Self {
            listener,
            connecting,
            watchdog,
        })
    }

    /// Closes the sockets. A command still being carried out on one loses
    /// its acknowledgement (Slack shows the manager a timeout); its work
    /// and any late answer through `response_url` still happen.
    pub async fn shutdown(self) {
        self.watchdog.abort();
        self.connecting.abort();
        self.listener.shutdown().await;
        tracing::info!("Socket Mode: disconnected");
    }
}

/// Asks Slack for a connection until it accepts one, waiting `retry_after`
/// (or Slack's `Retry-After`, if longer) between tries on `clock`, then
/// starts the listener. slack-morphism would retry a refused first
/// connection too, but its wait runs on tokio's timer, which a test can
/// only skip by pausing all of tokio's time, HTTP and database timeouts
/// included.
async fn start_once_slack_accepts(
    listener: Arc<SlackClientSocketModeListener<Connector>>,
    slack: SlackApi,
    app_token: SecretString,
    clock: Clock,
    retry_after: Duration,
) {
    while let Err(error) = slack.socket_mode_accepted(&app_token).await {
        let wait = match error {
            SlackError::RateLimited {
                retry_after: Some(asked),
            } => asked.max(retry_after),
            _ => retry_after,
        };
        tracing::warn!(
            %error,
            retry_in_secs = wait.as_secs(),
            "Socket Mode: Slack did not open a connection; trying again"
        );
        clock.sleep(wait).await;
    }
    listener.start().await;
}

async fn warn_if_not_connected(
    connected: Arc<AtomicBool>,
    deadline: impl Future<Output = ()>,
    after: Duration,
    retry_after: Duration,
) {
    deadline.await;
    if !connected.load(Ordering::Relaxed) {
        tracing::warn!(
            waited_secs = after.as_secs(),
            retry_every_secs = retry_after.as_secs(),
            "Socket Mode is not connected yet; the errors above say why. If Slack \
             answered invalid_auth, SLACK_APP_TOKEN is wrong or revoked; missing_scope, it lacks \
             connections:write; not_allowed_token_type, it is not an app-level token (xapp-…). \
             Check too that Socket Mode is enabled in the app's settings. coachbot keeps retrying"
        );
    }
}

async fn listener_state(states: &SlackClientEventsUserState) -> Option<ListenerState> {
    states
        .read()
        .await
        .get_user_state::<ListenerState>()
        .cloned()
}

/// An envelope's handling, counted and timed as a request on `route`.
async fn counted<T>(route: &'static str, handling: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let done = handling.await;
    telemetry::request(route, "ok", started.elapsed());
    done
}

/// Slack's greeting on a new socket: from here on envelopes arrive.
async fn on_hello(app: String, connections: u32, states: SlackClientEventsUserState) {
    if let Some(state) = listener_state(&states).await {
        state.connected.store(true, Ordering::Relaxed);
        state.health.sockets_up(connections);
    }
    tracing::info!(%app, connections, "Socket Mode: connected");
}

/// A `/coach` command over the socket: the same work and answer as over
/// HTTP, sent back in the acknowledgement.
async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let Some(state) = listener_state(&states).await else {
        return Err(Box::new(SocketModeError::NoState));
    };
    let command = SlashCommand {
        team_id: event.team_id.value().to_string(),
        user_id: event.user_id.value().to_string(),
        text: event.text.unwrap_or_default(),
        response_url: event.response_url.value().to_string(),
        trigger_id: event.trigger_id.value().to_string(),
    };
    let answered = counted(
        "socket_mode/commands",
        answer_slash_command(&state.ctx, command),
    );
    let content = match answered.await {
        Some(content) => content,
        None => messages::reply(&super::answer::apology(&state.ctx)),
    };
    Ok(SlackCommandEventResponse::new(content)
        .with_response_type(SlackMessageResponseType::Ephemeral))
}

/// Buttons, forms and shortcuts over the socket: the same handling as over
/// HTTP; a form submission's answer travels in the acknowledgement.
async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let Some(state) = listener_state(&states).await else {
        return Err(Box::new(SocketModeError::NoState));
    };
    Ok(counted(
        "socket_mode/interactions",
        interactions::handle(&state.ctx, event),
    )
    .await)
}

/// Events over the socket: the same handling as over HTTP, each event once.
async fn on_push_event(
    event: SlackPushEventCallback,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let Some(state) = listener_state(&states).await else {
        return Err(Box::new(SocketModeError::NoState));
    };
    counted("socket_mode/events", events::handle(&state.ctx, event)).await;
    Ok(())
}

/// Errors inside the listener: a message it could not read, a socket that
/// broke (it reconnects by itself). Logged without the message body, which
/// carries the manager's text and the command's `response_url`. Answering
/// OK makes the listener acknowledge what failed, so Slack does not
/// deliver it again.
fn on_error(
    error: ListenerError,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> HttpStatusCode {
    if let Some(SlackClientError::SocketModeProtocolError(_)) = error.downcast_ref() {
        // A socket failed (the listener reports nothing else this way) and
        // is being reopened: down until Slack greets the next one. The
        // state's lock is held only for a moment, by the callbacks.
        if let Ok(states) = states.try_read() {
            if let Some(state) = states.get_user_state::<ListenerState>() {
                state.health.socket_broke();
            }
        }
    }
    match error.downcast_ref::<SlackClientError>() {
        Some(SlackClientError::ProtocolError(unreadable)) => tracing::warn!(
            error = %unreadable.json_error,
            "Socket Mode: could not read a message from Slack; acknowledged it"
        ),
        _ => tracing::warn!(%error, "Socket Mode: the listener reported an error"),
    }
    HttpStatusCode::OK
}
