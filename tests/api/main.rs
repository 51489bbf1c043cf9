//! End-to-end tests: the real application, real SQLite, a fake Slack.

mod binary;
mod commands;
mod helpers;
mod jobs;
mod store;
mod verification;
