//! Everything that talks to Slack: verifying its requests, the HTTP routes
//! it calls, the Socket Mode listener, answering slash commands in time
//! (for both), the Web API client, and turning replies into Block Kit.

pub mod answer;
pub mod client;
pub mod render;
pub mod routes;
pub mod socket_mode;
pub mod verify;

pub use client::{SlackApi, SlackError};
