//! End-to-end tests: the real application, real SQLite, a fake Slack.

mod binary;
mod check;
mod commands;
mod confirmations;
mod edits;
mod helpers;
mod home;
mod interactions;
mod jobs;
mod model;
mod repair;
mod socket_mode;
mod store;
mod team_changes;
mod typed_lines;
mod verification;
