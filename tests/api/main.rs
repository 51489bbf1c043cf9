//! End-to-end tests: the real application, real SQLite, a fake Slack.

mod binary;
mod check;
mod commands;
mod helpers;
mod interactions;
mod jobs;
mod model;
mod repair;
mod socket_mode;
mod store;
mod verification;
