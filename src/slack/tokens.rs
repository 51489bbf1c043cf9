//! Where each workspace's bot token comes from, looked up in one place:
//! every Web API call is made with the token of the workspace it concerns
//! ([`Workspaces::client_for`]), and a workspace with no token is not
//! served at all. A deployment with one `SLACK_BOT_TOKEN` knows one
//! workspace ([`SingleToken`]); another source (installations kept in the
//! database) implements [`BotTokens`] beside it.

use std::sync::Arc;

use secrecy::SecretString;

use super::client::{SlackApi, WorkspaceSlack};
use crate::domain::WorkspaceId;

/// coachbot holds no bot token for the workspace: it is not installed there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("coachbot is not installed in the workspace {0}")]
pub struct NotInstalled(pub WorkspaceId);

/// A source of bot tokens, one per workspace.
#[async_trait::async_trait]
pub trait BotTokens: Send + Sync + std::fmt::Debug {
    /// The bot token of `workspace`.
    async fn token(&self, workspace: &WorkspaceId) -> Result<SecretString, NotInstalled>;
}

/// One `SLACK_BOT_TOKEN`, for the one workspace it belongs to (as
/// `auth.test` names it); every other workspace is refused.
#[derive(Debug)]
pub struct SingleToken {
    workspace: WorkspaceId,
    token: SecretString,
}

impl SingleToken {
    pub fn new(workspace: WorkspaceId, token: SecretString) -> Self {
        Self { workspace, token }
    }
}

#[async_trait::async_trait]
impl BotTokens for SingleToken {
    async fn token(&self, workspace: &WorkspaceId) -> Result<SecretString, NotInstalled> {
        if *workspace == self.workspace {
            Ok(self.token.clone())
        } else {
            Err(NotInstalled(workspace.clone()))
        }
    }
}

/// No token for any workspace: a dry run and `coachbot try`, which talk to
/// no one.
#[derive(Debug)]
pub struct NoTokens;

#[async_trait::async_trait]
impl BotTokens for NoTokens {
    async fn token(&self, workspace: &WorkspaceId) -> Result<SecretString, NotInstalled> {
        Err(NotInstalled(workspace.clone()))
    }
}

/// The Web API, and the workspaces coachbot has a token for. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Workspaces {
    api: SlackApi,
    tokens: Arc<dyn BotTokens>,
}

impl Workspaces {
    pub fn new(api: SlackApi, tokens: Arc<dyn BotTokens>) -> Self {
        Self { api, tokens }
    }

    /// The connection, for what needs no bot token: a `response_url`,
    /// Socket Mode.
    pub fn api(&self) -> &SlackApi {
        &self.api
    }

    /// The same connection, with tokens from `tokens`.
    pub fn with_tokens(self, tokens: Arc<dyn BotTokens>) -> Self {
        Self { tokens, ..self }
    }

    /// The Web API as `workspace`'s bot.
    pub async fn client_for(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<WorkspaceSlack, NotInstalled> {
        let token = self.tokens.token(workspace).await?;
        Ok(self.api.bot(workspace, &token))
    }

    /// Whether coachbot serves `workspace` (holds its token).
    pub async fn serves(&self, workspace: &WorkspaceId) -> bool {
        self.tokens.token(workspace).await.is_ok()
    }
}
