//! The Slack Web API, through slack-morphism, at the base URL from
//! `SLACK_API_URL`. Its default connector is https-only; ours also allows
//! `http://` so that tests can point it at a fake Slack on loopback.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::clock::Clock;
use crate::domain::{SlackChannelId, SlackUserId, WorkspaceId};
use crate::telemetry;

/// The HTTP connector slack-morphism's client (and its Socket Mode
/// listener) runs on.
pub type Connector = SlackClientHyperConnector<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
>;

/// Why a Slack call failed, sorted by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// 429: wait `retry_after`, then try again.
    #[error("Slack asked us to slow down")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, broken connections, a call that timed out before it was
    /// sent: worth retrying later.
    #[error("Slack could not be reached: {0}")]
    Unavailable(String),
    /// A post that timed out: Slack may or may not have taken it, so it
    /// is never simply posted again.
    #[error("Slack did not answer in time; it may have taken the post")]
    Unknown,
    /// Slack answered with an error (`channel_not_found`, `invalid_auth`…):
    /// retrying will not help.
    #[error("Slack refused the call: {0}")]
    Rejected(String),
    /// A conversation's history since a post holds more than one page, and
    /// the page read does not hold the post: whether Slack took it is
    /// still unknown.
    #[error("the conversation has more messages since the post than one page shows")]
    HistoryTooLong,
    #[error("could not set up the Slack client: {0}")]
    Setup(String),
    /// coachbot holds no token for the workspace: no call was made.
    #[error(transparent)]
    NotInstalled(#[from] super::tokens::NotInstalled),
}

impl SlackError {
    /// The outcome label of a call that failed so, for the metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            SlackError::RateLimited { .. } => "rate_limited",
            SlackError::Unavailable(_) => "unavailable",
            SlackError::Unknown => "timed_out",
            SlackError::Rejected(_) => "rejected",
            SlackError::HistoryTooLong => "incomplete",
            SlackError::Setup(_) => "setup",
            SlackError::NotInstalled(_) => "not_installed",
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SlackError::RateLimited { .. } | SlackError::Unavailable(_) | SlackError::Unknown
        )
    }
}

impl From<SlackClientError> for SlackError {
    fn from(error: SlackClientError) -> Self {
        match error {
            SlackClientError::RateLimitError(e) => SlackError::RateLimited {
                retry_after: e.retry_after,
            },
            SlackClientError::ApiError(e) => SlackError::Rejected(e.code),
            SlackClientError::HttpError(e) if e.status_code.is_client_error() => {
                SlackError::Rejected(format!("HTTP {}", e.status_code))
            }
            SlackClientError::HttpError(e) => {
                SlackError::Unavailable(format!("HTTP {}", e.status_code))
            }
            other => SlackError::Unavailable(other.to_string()),
        }
    }
}

/// Counts a call's outcome by method, and hands it on.
fn counted<T>(method: &'static str, result: Result<T, SlackError>) -> Result<T, SlackError> {
    let outcome = match &result {
        Ok(_) => "ok",
        Err(error) => error.outcome(),
    };
    telemetry::slack_call(method, outcome);
    result
}

/// What became of a Home tab handed to Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Shown; the next publish hands Slack this `hash`.
    Shown { hash: String },
    /// The tab changed since the hash given was Slack's: another publish
    /// came first.
    HashConflict,
}

/// How long one Web API call may take before it counts as unavailable
/// (for a post: as unknown), unless set otherwise.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Where Slack put a message it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The conversation: a DM's `D…` ID for a message to a user.
    pub channel: String,
    pub ts: String,
}
/// How often, and how long at most, a first-use `users.info` lookup waits
/// out Slack's rate limit before giving up.
const USERS_INFO_RATE_LIMIT_WAITS: u32 = 3;
const MAX_USERS_INFO_WAIT: Duration = Duration::from_secs(20);

/// The connection to Slack's Web API, holding no bot token: calls that
/// need one go through [`SlackApi::bot`], the client of one workspace.
/// Cheap to clone.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackClient<Connector>>,
    /// Waits out Slack's `Retry-After`; a test's fixed clock takes the wait
    /// at once.
    clock: Clock,
    /// How long one call may take.
    call_timeout: Duration,
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackApi")
    }
}

/// The Web API as one workspace's bot: every call carries that
/// workspace's token, and slack-morphism's rate control (when on) keys on
/// the workspace. Cheap to clone.
#[derive(Clone)]
pub struct WorkspaceSlack {
    api: SlackApi,
    token: SlackApiToken,
}

impl std::fmt::Debug for WorkspaceSlack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkspaceSlack { token: [redacted] }")
    }
}

impl SlackApi {
    pub fn new(api_url: &str) -> Result<Self, SlackError> {
        // Several TLS backends end up linked in; rustls needs to be told
        // which one to use. A second call finds it already chosen.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| SlackError::Setup(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        // slack-morphism builds URLs as `{base}/{method}`.
        let base = api_url.trim_end_matches('/');
        let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(base);
        Ok(Self {
            client: Arc::new(SlackClient::new(connector)),
            clock: Clock::System,
            call_timeout: CALL_TIMEOUT,
        })
    }

    /// The client, waiting by `clock`.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// The client, giving each call `call_timeout`.
    pub fn with_call_timeout(self, call_timeout: Duration) -> Self {
        Self {
            call_timeout,
            ..self
        }
    }

    /// How long one call may take before it counts as unavailable (a post:
    /// unknown).
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// The underlying client, for the Socket Mode listener: it opens its
    /// connections (`apps.connections.open`) through the same API URL.
    pub fn client(&self) -> Arc<SlackClient<Connector>> {
        self.client.clone()
    }

    /// Whether Slack opens a Socket Mode connection for the app-level
    /// token (`apps.connections.open`). The URL it hands out is left unused
    /// (it expires): the Socket Mode listener opens its own.
    #[tracing::instrument(skip_all)]
    pub async fn socket_mode_accepted(&self, app_token: &SecretString) -> Result<(), SlackError> {
        let token = SlackApiToken::new(SlackApiTokenValue::new(
            app_token.expose_secret().to_string(),
        ));
        let session = self.client.open_session(&token);
        self.timed(
            "apps.connections.open",
            session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()),
        )
        .await
        .map(|_| ())
    }

    /// The client of `workspace`'s bot, whose token is `bot_token`.
    pub fn bot(&self, workspace: &WorkspaceId, bot_token: &SecretString) -> WorkspaceSlack {
        WorkspaceSlack {
            api: self.clone(),
            token: SlackApiToken::new(SlackApiTokenValue::new(
                bot_token.expose_secret().to_string(),
            ))
            .with_team_id(workspace.as_str().into()),
        }
    }

    /// The workspace a bot token belongs to (`auth.test`).
    #[tracing::instrument(skip_all)]
    pub async fn token_workspace(
        &self,
        bot_token: &SecretString,
    ) -> Result<WorkspaceId, SlackError> {
        let token = SlackApiToken::new(SlackApiTokenValue::new(
            bot_token.expose_secret().to_string(),
        ));
        let session = self.client.open_session(&token);
        let identity = self.timed("auth.test", session.auth_test()).await?;
        WorkspaceId::parse(identity.team_id.value()).map_err(|invalid| {
            SlackError::Rejected(format!(
                "auth.test named no workspace Slack would send: {invalid}"
            ))
        })
    }

    /// Calls `method`, giving it the call timeout, and counts its outcome.
    pub(super) async fn timed<T>(
        &self,
        method: &'static str,
        call: impl std::future::Future<Output = ClientResult<T>>,
    ) -> Result<T, SlackError> {
        let result = match tokio::time::timeout(self.call_timeout, call).await {
            Ok(result) => result.map_err(SlackError::from),
            Err(_) => Err(SlackError::Unavailable("timed out".into())),
        };
        counted(method, result)
    }

    /// Answers a slash command later through its `response_url`.
    pub async fn respond(
        &self,
        response_url: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackError> {
        let url = url::Url::parse(response_url).map_err(|e| SlackError::Rejected(e.to_string()))?;
        let request = SlackApiPostWebhookMessageRequest::new(content).with_replace_original(true);
        self.timed(
            "response_url",
            self.client
                .respond_to_event(&SlackResponseUrl(url), &request),
        )
        .await?;
        Ok(())
    }
}

impl WorkspaceSlack {
    async fn timed<T>(
        &self,
        method: &'static str,
        call: impl std::future::Future<Output = ClientResult<T>>,
    ) -> Result<T, SlackError> {
        self.api.timed(method, call).await
    }

    /// The user's time zone from `users.info`, or `None` if Slack has none
    /// or one chrono-tz does not know.
    #[tracing::instrument(skip(self), fields(user = %user))]
    pub async fn user_time_zone(&self, user: &SlackUserId) -> Result<Option<Tz>, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.as_str().into());
        let mut waits_left = USERS_INFO_RATE_LIMIT_WAITS;
        loop {
            match self.timed("users.info", session.users_info(&request)).await {
                Ok(response) => {
                    return Ok(response
                        .user
                        .tz
                        .as_deref()
                        .and_then(|tz| Tz::from_str(tz).ok()))
                }
                // Many managers trying the bot at once (a Monday roll-out)
                // can exceed users.info's limit; a short wait beats an
                // apology, and a slow answer still reaches the manager
                // through response_url.
                Err(SlackError::RateLimited { retry_after })
                    if waits_left > 0 && retry_after.unwrap_or_default() <= MAX_USERS_INFO_WAIT =>
                {
                    waits_left -= 1;
                    self.api
                        .clock
                        .sleep(retry_after.unwrap_or(Duration::from_secs(1)))
                        .await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Posts a message to a channel, or to a user's DM when given a user ID;
    /// where Slack put it, when its answer says. A post that times out is
    /// [`SlackError::Unknown`]: Slack may have taken it.
    #[tracing::instrument(skip(self, content), fields(channel = %channel))]
    pub async fn post_message(
        &self,
        channel: &str,
        content: SlackMessageContent,
    ) -> Result<Option<Posted>, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiChatPostMessageRequest::new(channel.into(), content);
        // On the injected clock: whether Slack took a post it has not
        // answered is what delivery must get right, so tests decide when
        // the call times out.
        let answered = tokio::select! {
            answered = session.chat_post_message(&request) => Ok(answered),
            () = self.api.clock.deadline(self.api.call_timeout) => Err(()),
        };
        let result = match answered {
            Ok(Ok(posted)) => Ok(Some(Posted {
                channel: posted.channel.to_string(),
                ts: posted.ts.to_string(),
            })),
            // A 200 without an `error` field that slack-morphism cannot
            // decode still means Slack took the message: posting it again
            // would send it twice.
            Ok(Err(SlackClientError::ProtocolError(error))) => {
                tracing::warn!(%error, "Slack accepted a message but its answer could not be read");
                Ok(None)
            }
            Ok(Err(error)) => Err(error.into()),
            Err(_) => Err(SlackError::Unknown),
        };
        counted("chat.postMessage", result)
    }

    /// The DM conversation with `user` (its `D…` ID), opened if need be.
    #[tracing::instrument(skip(self), fields(user = %user))]
    pub async fn open_dm(&self, user: &str) -> Result<String, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiConversationsOpenRequest::new().with_users(vec![user.into()]);
        let opened = self
            .timed("conversations.open", session.conversations_open(&request))
            .await?;
        Ok(opened.channel.id.to_string())
    }

    /// The timestamp of a message in `channel` since `oldest` whose
    /// metadata is of `event_type` with `key` = `value` in its payload, if
    /// Slack's recent history (one page) holds one;
    /// [`SlackError::HistoryTooLong`] when that page holds none and there
    /// are more.
    #[tracing::instrument(skip(self), fields(channel = %channel))]
    pub async fn find_by_metadata(
        &self,
        channel: &str,
        oldest: chrono::DateTime<chrono::Utc>,
        event_type: &str,
        key: &str,
        value: &str,
    ) -> Result<Option<String>, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiConversationsHistoryRequest::new()
            .with_channel(channel.into())
            .with_oldest(SlackTs(format!(
                "{}.{:06}",
                oldest.timestamp(),
                oldest.timestamp_subsec_micros()
            )))
            .with_include_all_metadata(true);
        let history = self
            .timed(
                "conversations.history",
                session.conversations_history(&request),
            )
            .await?;
        let more = history.has_more == Some(true)
            || history
                .response_metadata
                .as_ref()
                .and_then(|metadata| metadata.next_cursor.as_ref())
                .is_some_and(|cursor| !cursor.0.is_empty());
        let found = history
            .messages
            .into_iter()
            .find(|message| {
                message.content.metadata.as_ref().is_some_and(|metadata| {
                    metadata.event_type == event_type
                        && metadata
                            .event_payload
                            .as_ref()
                            .and_then(|payload| payload.get(key))
                            .is_some_and(|found| found == value)
                })
            })
            .map(|message| message.origin.ts.to_string());
        // Apps outside Slack's Marketplace get one short page a minute: a
        // post beyond it is neither found nor known to be missing.
        match found {
            None if more => Err(SlackError::HistoryTooLong),
            found => Ok(found),
        }
    }

    /// Opens a modal with a trigger (which Slack honours for 3 seconds);
    /// returns the view's ID, to update it later.
    #[tracing::instrument(skip(self, trigger_id, view))]
    pub async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<String, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        let opened = self
            .timed("views.open", session.views_open(&request))
            .await?;
        Ok(opened.view.state_params.id.to_string())
    }

    /// Replaces an open view, as a button in it or a slow lookup needs.
    #[tracing::instrument(skip(self, view))]
    pub async fn update_view(&self, view_id: &str, view: SlackView) -> Result<(), SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiViewsUpdateRequest::new(view).with_view_id(view_id.into());
        self.timed("views.update", session.views_update(&request))
            .await?;
        Ok(())
    }

    /// Shows `view` as the user's App Home tab, in place of the view whose
    /// `hash` is given (any view, without one).
    #[tracing::instrument(skip(self, view, hash), fields(user = %user))]
    pub async fn publish_home(
        &self,
        user: &SlackUserId,
        view: SlackView,
        hash: Option<&str>,
    ) -> Result<Published, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiViewsPublishRequest::new(user.as_str().into(), view)
            .opt_hash(hash.map(str::to_string));
        match self
            .timed("views.publish", session.views_publish(&request))
            .await
        {
            Ok(published) => Ok(Published::Shown {
                hash: published.view.state_params.hash,
            }),
            Err(SlackError::Rejected(code)) if code == "hash_conflict" => {
                Ok(Published::HashConflict)
            }
            Err(error) => Err(error),
        }
    }

    /// The channel's name, if the bot is in it (it can post there); `None`
    /// if it is not, or cannot see it at all (a private channel it was not
    /// invited to).
    #[tracing::instrument(skip(self), fields(channel = %channel))]
    pub async fn channel_if_member(
        &self,
        channel: &SlackChannelId,
    ) -> Result<Option<String>, SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiConversationsInfoRequest::new(channel.as_str().into());
        match self
            .timed("conversations.info", session.conversations_info(&request))
            .await
        {
            Ok(info) if info.channel.flags.is_member == Some(true) => Ok(Some(
                info.channel.name.unwrap_or_else(|| channel.to_string()),
            )),
            Ok(_) => Ok(None),
            Err(SlackError::Rejected(code)) if code == "channel_not_found" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Replaces a message the bot posted (a reminder a button sits on).
    #[tracing::instrument(skip(self, content))]
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackError> {
        let session = self.api.client.open_session(&self.token);
        let request = SlackApiChatUpdateRequest::new(channel.into(), content, ts.into());
        self.timed("chat.update", session.chat_update(&request))
            .await?;
        Ok(())
    }
}
