//! Slack's side of the wire, as a leaf: the Web API client (through
//! slack-morphism, at `SLACK_API_URL`) and the check that a request really
//! came from Slack. It knows nothing of commands or messages.

pub mod client;
pub mod oauth;
pub mod verify;

pub use client::{Posted, Published, SlackApi, SlackError};
pub use oauth::{OAuthAccess, AUTHORIZE_URL, BOT_SCOPES};
