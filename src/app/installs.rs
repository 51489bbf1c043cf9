//! Installing coachbot in a workspace from its "Add to Slack" link: the
//! link hands the browser to Slack with a state that is random, stored
//! (any replica can check it), good for one use within ten minutes; Slack
//! sends the browser back with a code, exchanged for the workspace's bot
//! token, which is sealed before it is stored.

use chrono::Duration;
use sha2::{Digest, Sha256};

use super::AppContext;
use crate::config::InstallSettings;
use crate::domain::{SlackUserId, WorkspaceId};
use crate::sealing::unguessable;
use crate::slack::{SlackError, AUTHORIZE_URL, BOT_SCOPES};
use crate::store::{Installation, StoreError};

/// How long an install link's state can be used.
pub const STATE_LIFETIME: Duration = Duration::minutes(10);

/// Why an install came to nothing. Nothing is stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// No state, or one never handed out, used already or expired.
    #[error("the install link's state is missing, unknown, used or expired")]
    LinkExpired,
    /// Slack sent the browser back without a code: the install was
    /// cancelled on Slack's page.
    #[error("Slack sent no code: the install was cancelled")]
    Cancelled,
    #[error("Slack did not exchange the code")]
    Slack(#[from] SlackError),
    #[error("could not store the installation")]
    Store(#[from] StoreError),
}

/// The state as stored: its SHA-256, so that the database never holds a
/// value a link could be made from.
fn state_hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Where `GET /slack/install` sends the browser: Slack's authorize page
/// with the client ID, the bot scopes and a new state, stored first.
pub async fn authorize_url(
    ctx: &AppContext,
    install: &InstallSettings,
) -> Result<String, StoreError> {
    let state = unguessable();
    let now = ctx.clock.now();
    ctx.store
        .issue_oauth_state(&state_hash(&state), now + STATE_LIFETIME, now)
        .await?;
    let mut url = url::Url::parse(AUTHORIZE_URL).expect("Slack's authorize URL parses");
    url.query_pairs_mut()
        .append_pair("client_id", &install.client_id)
        .append_pair("scope", &BOT_SCOPES.join(","))
        .append_pair("state", &state);
    Ok(url.into())
}

/// Completes an install from what Slack sent the browser back with: the
/// state is taken (once), the code exchanged, the token sealed and the
/// installation stored (replacing the workspace's earlier one). The
/// workspace installed.
pub async fn complete(
    ctx: &AppContext,
    install: &InstallSettings,
    code: Option<&str>,
    state: Option<&str>,
) -> Result<WorkspaceId, InstallError> {
    let now = ctx.clock.now();
    let Some(state) = state.filter(|state| !state.is_empty()) else {
        return Err(InstallError::LinkExpired);
    };
    if !ctx.store.take_oauth_state(&state_hash(state), now).await? {
        return Err(InstallError::LinkExpired);
    }
    let Some(code) = code.filter(|code| !code.is_empty()) else {
        return Err(InstallError::Cancelled);
    };
    let access = ctx
        .slack
        .api()
        .oauth_v2_access(&install.client_id, &install.client_secret, code)
        .await?;
    let installation = Installation {
        bot_token: install.keys.seal(&access.workspace, &access.bot_token),
        workspace: access.workspace,
        enterprise: access.enterprise,
        bot_user: access.bot_user,
        scopes: access.scopes,
        installer: Some(access.installer),
        installed_at: now,
    };
    ctx.store.save_installation(&installation).await?;
    Ok(installation.workspace)
}

/// Why a workspace's installation goes: coachbot was uninstalled there,
/// or Slack revoked tokens, among them those of these bot users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Uninstalled,
    TokensRevoked { bots: Vec<SlackUserId> },
}

/// Removes `workspace`'s installation when `removal` concerns its bot
/// token (a revocation of other tokens leaves it); every other record of
/// the workspace stays. Whether one was removed.
pub async fn remove(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    removal: &Removal,
) -> Result<bool, StoreError> {
    if let Removal::TokensRevoked { bots } = removal {
        let Some(installation) = ctx.store.installation(workspace).await? else {
            return Ok(false);
        };
        if !bots.contains(&installation.bot_user) {
            return Ok(false);
        }
    }
    ctx.store.remove_installation(workspace).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_stored_as_its_sha256() {
        assert_eq!(
            state_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
