//! Builds the application from settings: database, Slack client, HTTP
//! listener. Tests build it the same way on port 0.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::coach::AppContext;
use crate::config::{Environment, Settings};
use crate::jobs::deliver::DeliveryPolicy;
use crate::jobs::scheduler;
use crate::slack::routes::{router, AppState};
use crate::slack::{SlackApi, SlackError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Environment(#[from] crate::config::EnvironmentError),
    #[error("could not open the database")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error("could not listen on {address}")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The context jobs and handlers share, without the HTTP side.
pub async fn context(
    settings: Settings,
    environment: &Environment,
    bot_token: &SecretString,
    clock: Clock,
) -> Result<AppContext, StartupError> {
    Ok(AppContext {
        store: Store::connect(&environment.database_url).await?,
        slack: SlackApi::new(&environment.slack_api_url, bot_token)?,
        settings: Arc::new(settings),
        clock,
    })
}

/// `serve`: the HTTP server and, when enabled, the reminder scheduler.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// How often the scheduler wakes, and how it delivers; `None` serves
    /// HTTP only (tests drive the scheduler step by step).
    scheduler: Option<(Duration, DeliveryPolicy)>,
}

impl Application {
    /// Checks the secrets, opens the database and binds the listen address
    /// (port 0 picks a free one).
    pub async fn build(
        settings: Settings,
        environment: &Environment,
        clock: Clock,
    ) -> Result<Self, StartupError> {
        let bot_token = environment.bot_token()?;
        let signing_secret = environment.signing_secret()?;
        let ctx = context(settings, environment, &bot_token, clock).await?;
        let listener = TcpListener::bind(environment.listen)
            .await
            .map_err(|source| StartupError::Listen {
                address: environment.listen,
                source,
            })?;
        Ok(Self {
            listener,
            state: AppState {
                ctx,
                signing_secret,
            },
            scheduler: None,
        })
    }

    pub fn with_scheduler(mut self, every: Duration, policy: DeliveryPolicy) -> Self {
        self.scheduler = Some((every, policy));
        self
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn context(&self) -> &AppContext {
        &self.state.ctx
    }

    /// Serves until `shutdown` completes, then finishes requests in flight
    /// and stops the scheduler.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let scheduler = self.scheduler.map(|(every, policy)| {
            tokio::spawn(scheduler::run(
                self.state.ctx.clone(),
                every,
                policy,
                stop_rx,
            ))
        });
        let app = router(self.state).layer(tower_http::trace::TraceLayer::new_for_http());
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_tx.send(true);
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await;
        }
        served
    }
}
