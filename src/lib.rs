//! coachbot: a Slack app that gets sales managers to coach.
//!
//! - [`command`]: the `/coach` language, a pure parser from text to a typed command.
//! - [`domain`]: the article's rules (pace, meetings) as pure functions of records and an instant.
//! - [`store`]: all SQL (SQLite through sqlx).
//! - [`slack`]: all Slack I/O: request verification, routes, Web API client, Block Kit rendering.
//! - [`jobs`]: the reminder jobs: what is due when, reminder rows, delivery, the scheduler.
//! - [`coach`]: carries out a command for a manager, between store, domain and Slack.
//! - [`export`]: a month of records as CSV.
//! - [`terminal`]: `coachbot try`, `/coach` typed in a terminal.
//! - [`config`], [`startup`], [`clock`]: settings, wiring, and the one place time is read.
//! - [`causes`]: an error and its causes on one line, for logs and the command line.

pub mod causes;
pub mod clock;
pub mod coach;
pub mod command;
pub mod config;
pub mod domain;
pub mod export;
pub mod jobs;
pub mod slack;
pub mod startup;
pub mod store;
pub mod terminal;
