//! Everything that talks to Slack: verifying its requests, the HTTP routes
//! it calls, answering slash commands in time, the Web API client, and
//! turning replies into Block Kit.

pub mod answer;
pub mod client;
pub mod render;
pub mod routes;
pub mod verify;

pub use client::{SlackApi, SlackError};
