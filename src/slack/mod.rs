//! Slack's side of the wire, as a leaf: the Web API client (through
//! slack-morphism, at `SLACK_API_URL`), the bot token of each workspace,
//! and the check that a request really came from Slack. It knows nothing
//! of commands or messages.

pub mod client;
pub mod oauth;
pub mod tokens;
pub mod verify;

pub use client::{Posted, Published, SlackApi, SlackError, WorkspaceSlack};
pub use oauth::{OAuthAccess, AUTHORIZE_URL, BOT_SCOPES};
pub use tokens::{BotTokens, NoTokens, NotInstalled, SingleToken, Workspaces};
