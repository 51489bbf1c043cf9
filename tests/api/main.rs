//! End-to-end tests: the real application, real SQLite, a fake Slack.

mod binary;
mod commands;
mod helpers;
mod jobs;
mod socket_mode;
mod store;
mod verification;
