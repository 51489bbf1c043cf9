//! Slack's OAuth v2 for installing coachbot in a workspace: the bot scopes
//! it asks for (the manifest lists the same, `tests/manifest.rs` checks),
//! where the browser is sent to approve them, and the exchange of the code
//! Slack hands back for the workspace's bot token (`oauth.v2.access`).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use slack_morphism::prelude::*;

use super::{SlackApi, SlackError};
use crate::domain::{EnterpriseId, SlackUserId, WorkspaceId};

/// The bot scopes coachbot asks a workspace for, in the manifest's order.
pub const BOT_SCOPES: &[&str] = &[
    "commands",
    "users:read",
    "chat:write",
    "channels:read",
    "groups:read",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
];

/// Slack's page where a workspace's admin approves an install.
pub const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";

/// What a workspace's install gave, as coachbot keeps it.
#[derive(Debug)]
pub struct OAuthAccess {
    pub workspace: WorkspaceId,
    pub enterprise: Option<EnterpriseId>,
    pub bot_token: SecretString,
    pub bot_user: SlackUserId,
    /// As Slack lists them, comma-separated.
    pub scopes: String,
    pub installer: SlackUserId,
}

/// The fields of `oauth.v2.access`'s answer coachbot reads.
#[derive(Deserialize)]
struct AccessAnswer {
    access_token: String,
    scope: String,
    bot_user_id: Option<String>,
    team: Option<Named>,
    enterprise: Option<Named>,
    authed_user: Named,
}

#[derive(Deserialize)]
struct Named {
    id: String,
}

impl AccessAnswer {
    fn read(self) -> Result<OAuthAccess, SlackError> {
        let unreadable = |what: &str| SlackError::Rejected(format!("oauth.v2.access: {what}"));
        let workspace = self
            .team
            .and_then(|team| WorkspaceId::parse(&team.id).ok())
            .ok_or_else(|| unreadable("no workspace (an org-wide install?)"))?;
        let bot_user = self
            .bot_user_id
            .and_then(|id| SlackUserId::parse(&id).ok())
            .ok_or_else(|| unreadable("no bot user"))?;
        if !self.access_token.starts_with("xoxb-") {
            return Err(unreadable("not a bot token"));
        }
        Ok(OAuthAccess {
            workspace,
            enterprise: self
                .enterprise
                .and_then(|enterprise| EnterpriseId::parse(&enterprise.id).ok()),
            bot_token: SecretString::from(self.access_token),
            bot_user,
            scopes: self.scope,
            installer: SlackUserId::parse(&self.authed_user.id)
                .map_err(|_| unreadable("no installer"))?,
        })
    }
}

impl SlackApi {
    /// Exchanges an install's `code` for the workspace's bot token, with
    /// the app's client ID and secret (HTTP basic authentication, as Slack
    /// documents). Read by hand rather than with slack-morphism's
    /// `oauth2_access`, whose answer has no Enterprise Grid organisation.
    #[tracing::instrument(skip_all)]
    pub async fn oauth_v2_access(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        code: &str,
    ) -> Result<OAuthAccess, SlackError> {
        let client = self.client();
        let connector = &client.http_api.connector;
        let client_id = SlackClientId::new(client_id.to_string());
        let client_secret = SlackClientSecret::new(client_secret.expose_secret().to_string());
        let exchange = async {
            let url = SlackClientHttpApiUri::create_url_with_params(
                connector.create_method_uri_path("oauth.v2.access")?,
                &[("code", Some(code))],
            )?;
            connector
                .http_get_with_client_secret::<AccessAnswer>(url, &client_id, &client_secret)
                .await
        };
        self.timed("oauth.v2.access", exchange).await?.read()
    }
}
