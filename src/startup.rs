//! Builds the application from settings: database, Slack client, HTTP
//! listener, and Socket Mode when an app token is set. Tests build it the
//! same way on port 0.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::delivery::DeliveryPolicy;
use crate::app::{AppContext, Deliveries, FollowUps, HomeTabs};
use crate::clock::Clock;
use crate::config::{Environment, InstallSettings, Settings};
use crate::inbound::http::{metrics_router, router, AppState};
use crate::inbound::socket_mode::{SocketMode, SocketModeOptions};
use crate::inbound::terminal::TRY_DATABASE;
use crate::scheduler;
use crate::slack::{BotTokens, NoTokens, SingleToken, SlackApi, SlackError, Workspaces};
use crate::store::{Open, Opened, Store, StoreError};
use crate::telemetry::{self, Health};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Environment(#[from] crate::config::EnvironmentError),
    #[error("could not open the database {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error("could not learn from Slack (auth.test) which workspace SLACK_BOT_TOKEN belongs to; check the token, or that Slack is reachable at SLACK_API_URL")]
    TokenWorkspace(#[source] SlackError),
    #[error("could not seal the installed workspaces' bot tokens under the current key")]
    Reseal(#[source] StoreError),
    #[error("could not listen on {address}")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Two sockets for one process, so commands flow while one reconnects; one
/// per replica on PostgreSQL, where several replicas share the app's
/// sockets and Slack allows an app about ten.
fn socket_mode_options(database_url: &str) -> SocketModeOptions {
    let defaults = SocketModeOptions::default();
    match crate::store::engine(database_url) {
        Ok(crate::store::Engine::Postgres) => SocketModeOptions {
            connections: 1,
            ..defaults
        },
        _ => defaults,
    }
}

/// Why `serve` stopped other than by its shutdown signal.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the HTTP server stopped")]
    Http(#[source] std::io::Error),
    #[error("could not start Socket Mode")]
    SocketMode(#[source] SlackError),
}

/// Opens the database named by `DATABASE_URL`; errors name it.
pub async fn open_store(environment: &Environment, how: Open) -> Result<Store, StartupError> {
    Ok(open_store_reporting(environment, how).await?.0)
}

/// Opens the database like [`open_store`], and says what that did to it.
pub async fn open_store_reporting(
    environment: &Environment,
    how: Open,
) -> Result<(Store, Opened), StartupError> {
    Store::open_reporting(&environment.database_url, how)
        .await
        .map_err(|source| StartupError::Store {
            url: crate::store::printable_url(&environment.database_url),
            source,
        })
}

/// The context of `coachbot try`: its own database in the current folder,
/// never `DATABASE_URL`, and a Slack client it never calls (the manager is
/// set up without Slack).
pub async fn try_context(settings: Settings) -> Result<AppContext, StartupError> {
    let url = format!("sqlite://{TRY_DATABASE}");
    Ok(AppContext {
        store: Store::open(&url, Open::CreateAndMigrate)
            .await
            .map_err(|source| StartupError::Store { url, source })?,
        slack: Workspaces::new(
            SlackApi::new("http://127.0.0.1:9/api/")?,
            Arc::new(NoTokens),
        ),
        settings: Arc::new(settings),
        clock: Clock::System,
        follow_ups: FollowUps::default(),
        home_tabs: HomeTabs::default(),
        deliveries: Deliveries::default(),
    })
}

/// The context jobs and handlers share, without the HTTP side. With a bot
/// token, Slack is asked once (`auth.test`) which workspace it belongs to,
/// and only that workspace is served; without one (a dry run), none is.
pub async fn context(
    settings: Settings,
    environment: &Environment,
    bot_token: Option<&SecretString>,
    clock: Clock,
    open: Open,
) -> Result<AppContext, StartupError> {
    let store = open_store(environment, open).await?;
    let call_timeout = Duration::from_secs(settings.delivery.call_timeout_seconds.into());
    let api = SlackApi::new(&environment.slack_api_url)?
        .with_clock(clock.clone())
        .with_call_timeout(call_timeout);
    let tokens: Arc<dyn BotTokens> = match bot_token {
        Some(token) => match api.token_workspace(token).await {
            Ok(workspace) => {
                tracing::info!(%workspace, "SLACK_BOT_TOKEN serves this workspace only");
                Arc::new(SingleToken::new(workspace, token.clone()))
            }
            Err(error) => {
                store.close().await;
                return Err(StartupError::TokenWorkspace(error));
            }
        },
        None => Arc::new(NoTokens),
    };
    Ok(AppContext {
        store,
        slack: Workspaces::new(api, tokens),
        settings: Arc::new(settings),
        clock,
        follow_ups: FollowUps::default(),
        home_tabs: HomeTabs::default(),
        deliveries: Deliveries::default(),
    })
}

/// Seals again under `COACHBOT_TOKEN_KEY` every installed workspace's token
/// that only `COACHBOT_TOKEN_KEY_PREVIOUS` opens, so that the previous key
/// can be dropped once every replica has started with the new one.
async fn reseal_installations(
    store: &Store,
    installs: &InstallSettings,
) -> Result<(), StartupError> {
    let resealed = store
        .reseal_installations(&installs.keys)
        .await
        .map_err(StartupError::Reseal)?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "sealed installed workspaces' bot tokens again under COACHBOT_TOKEN_KEY"
        );
    }
    Ok(())
}

/// `serve`: the HTTP server, Socket Mode when an app token is set, and,
/// when enabled, the reminder scheduler.
pub struct Application {
    listener: TcpListener,
    /// Serves `/metrics` only, apart from the public listener.
    metrics_listener: TcpListener,
    state: AppState,
    /// How often the scheduler wakes, and how it delivers; `None` serves
    /// HTTP only (tests drive the scheduler step by step).
    scheduler: Option<(Duration, DeliveryPolicy)>,
    /// The app-level token and how to connect, when `SLACK_APP_TOKEN` is set.
    socket_mode: Option<(SecretString, SocketModeOptions)>,
    /// Counts the scheduler's finished ticks, for whoever waits on them.
    ticks: watch::Sender<u64>,
}

impl Application {
    /// Checks the secrets, opens the database and binds the listen address
    /// (port 0 picks a free one). The signing secret may be missing when an
    /// app token is set: Slack's traffic then comes over Socket Mode, and
    /// the HTTP `/slack/*` routes refuse everything.
    pub async fn build(
        settings: Settings,
        environment: &Environment,
        clock: Clock,
    ) -> Result<Self, StartupError> {
        let bot_token = environment.bot_token()?;
        let app_token = environment.app_token()?;
        let installs = environment.installs()?;
        let signing_secret = match environment.signing_secret() {
            Ok(secret) => Some(secret),
            Err(_) if app_token.is_some() => {
                tracing::info!("SLACK_SIGNING_SECRET is not set: Slack's traffic comes over Socket Mode only, and the HTTP /slack/* routes refuse every request");
                None
            }
            Err(missing) => return Err(missing.into()),
        };
        let ctx = context(
            settings,
            environment,
            Some(&bot_token),
            clock,
            Open::CreateAndMigrate,
        )
        .await?;
        if let Some(installs) = &installs {
            reseal_installations(&ctx.store, installs).await?;
        }
        let listener = bind(environment.listen).await?;
        let metrics_listener = bind(environment.metrics_listen).await?;
        // Installed once per process; a second app in a test shares it.
        telemetry::prometheus();
        Ok(Self {
            listener,
            metrics_listener,
            state: AppState {
                ctx,
                signing_secret,
                health: Health::default(),
                installs: installs.map(Arc::new),
            },
            scheduler: None,
            socket_mode: app_token
                .map(|token| (token, socket_mode_options(&environment.database_url))),
            ticks: watch::channel(0).0,
        })
    }

    /// How Socket Mode connects; nothing changes without an app token.
    pub fn with_socket_mode_options(mut self, options: SocketModeOptions) -> Self {
        if let Some((_, current)) = &mut self.socket_mode {
            *current = options;
        }
        self
    }

    /// Serves the workspaces `tokens` holds a token for, in place of
    /// `SLACK_BOT_TOKEN`'s one.
    pub fn with_bot_tokens(mut self, tokens: Arc<dyn BotTokens>) -> Self {
        self.state.ctx.slack = self.state.ctx.slack.with_tokens(tokens);
        self
    }

    pub fn with_scheduler(mut self, every: Duration, policy: DeliveryPolicy) -> Self {
        self.scheduler = Some((every, policy));
        self
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port `/metrics` is served on.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(0)
    }

    pub fn context(&self) -> &AppContext {
        &self.state.ctx
    }

    /// How many scheduler ticks have finished, as they happen.
    pub fn scheduler_ticks(&self) -> watch::Receiver<u64> {
        self.ticks.subscribe()
    }

    /// Serves until `shutdown` completes; then takes no new request,
    /// finishes those in flight, closes the Socket Mode connections, stops
    /// the scheduler, waits up to [`SHUTDOWN_GRACE`] for the work requests
    /// started after answering Slack (naming in the log what it gives up
    /// on), and stores every line already queued before closing the
    /// database: whatever was acknowledged is committed.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let health = self.state.health.clone();
        let socket_mode = match &self.socket_mode {
            Some((app_token, options)) => Some(
                SocketMode::start(self.state.ctx.clone(), app_token, options, health.clone())
                    .await
                    .map_err(ServeError::SocketMode)?,
            ),
            None => None,
        };
        let ctx = self.state.ctx.clone();
        let (stop_tx, stop_rx) = watch::channel(false);
        let scheduler = self.scheduler.map(|(every, policy)| {
            tokio::spawn(scheduler::run(
                ctx.clone(),
                every,
                policy,
                stop_rx.clone(),
                self.ticks,
                health.clone(),
            ))
        });
        let metrics = tokio::spawn(serve_metrics(
            self.metrics_listener,
            metrics_router(self.state.clone()),
            stop_rx,
        ));
        // Each request's span names its path, never its query: Slack sends
        // an install's code back in the query of `/slack/oauth_redirect`.
        let app = router(self.state).layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ));
        health.started();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(socket_mode) = socket_mode {
            socket_mode.shutdown().await;
        }
        let _ = stop_tx.send(true);
        let all_finished = finish_follow_ups(&ctx).await;
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await;
        }
        let _ = metrics.await;
        ctx.store.close().await;
        if all_finished {
            tracing::info!("coachbot stopped; every acknowledged change is stored");
        } else {
            tracing::warn!("coachbot stopped; what the abandoned work had not stored yet is lost");
        }
        served.map_err(ServeError::Http)
    }
}

/// How long `serve` waits at shutdown for the work requests started after
/// answering Slack (late answers, messages updated, Home tabs drawn again).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Waits up to [`SHUTDOWN_GRACE`] for the follow-ups still running, and
/// logs what it gave up on; `true` when every one finished.
async fn finish_follow_ups(ctx: &AppContext) -> bool {
    let running = ctx.follow_ups.counts().borrow().running();
    if running.is_empty() {
        return true;
    }
    tracing::info!(
        %running,
        grace_seconds = SHUTDOWN_GRACE.as_secs(),
        "shutting down: waiting for the work started after answering Slack"
    );
    let abandoned = ctx
        .follow_ups
        .finish(ctx.clock.deadline(SHUTDOWN_GRACE))
        .await;
    if abandoned.is_empty() {
        return true;
    }
    tracing::warn!(
        %abandoned,
        grace_seconds = SHUTDOWN_GRACE.as_secs(),
        "shutting down: abandoned work started after answering Slack that did not finish in time"
    );
    false
}

async fn bind(address: std::net::SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartupError::Listen { address, source })
}

/// How often histogram samples are folded into their buckets when nobody
/// scrapes.
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(10);

/// Serves `/metrics` until `stop` turns true, keeping the recorder's
/// memory bounded meanwhile; a failure is logged, and `serve` goes on.
async fn serve_metrics(listener: TcpListener, app: axum::Router, mut stop: watch::Receiver<bool>) {
    let mut upkeep_stop = stop.clone();
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(METRICS_UPKEEP_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => telemetry::upkeep(),
                _ = upkeep_stop.wait_for(|stop| *stop) => break,
            }
        }
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stop| *stop).await;
        })
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "the metrics listener stopped");
    }
    let _ = upkeep.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_on_postgres_opens_one_socket_and_a_single_serve_two() {
        assert_eq!(
            socket_mode_options("postgres://coachbot@db/coachbot").connections,
            1
        );
        assert_eq!(socket_mode_options("sqlite://coachbot.db").connections, 2);
    }
}
