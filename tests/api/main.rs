//! End-to-end tests: the real application, real SQLite (or PostgreSQL:
//! `databases.rs`), a fake Slack.

mod answers;
mod backup;
mod binary;
mod bodies;
mod check;
mod commands;
mod confirmations;
mod copy;
mod databases;
mod delivery;
mod edits;
mod health;
mod helpers;
mod home;
mod home_publishing;
mod installations;
mod installing;
mod interactions;
mod jobs;
mod model;
mod months;
mod plans;
mod repair;
mod replicas;
mod retention;
mod second_user;
mod serve_lock;
mod shutdown;
mod slack_fake;
mod socket_mode;
mod store;
mod taken_back;
mod team_changes;
mod typed_lines;
mod verification;
