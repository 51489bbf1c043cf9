//! coachbot: a Slack app that gets sales managers to coach.
//!
//! The modules are layers, and each uses only those listed before it
//! (`tests/architecture.rs` keeps it so):
//!
//! - [`clock`], [`causes`]: the one place time is read; an error and its
//!   causes on one line.
//! - [`telemetry`]: the metrics every layer records, by name, and what
//!   `/healthz` and `/readyz` read besides the database.
//! - [`domain`]: the article's rules as pure functions of records and an
//!   instant: pace, meetings, join days, what each reminder job decides,
//!   when a job fires in a time zone.
//! - [`sealing`]: bot tokens sealed at rest with `COACHBOT_TOKEN_KEY`,
//!   for their workspace only.
//! - [`command`]: the `/coach` language, a pure parser from text to a typed
//!   command.
//! - [`config`]: the settings, in layers, and the environment.
//! - [`store`]: all SQL (SQLite through sqlx), speaking domain types.
//! - [`slack`]: the Slack Web API client and request verification; knows
//!   nothing of commands.
//! - [`app`]: the shared context and one function per use case that a
//!   command, a button or a job triggers; returns data, never Block Kit.
//! - [`messages`]: what the bot says, as Block Kit (and as terminal text).
//! - [`inbound`]: the ways in: HTTP routes, Socket Mode, the terminal of
//!   `coachbot try`.
//! - [`scheduler`]: the reminder jobs in time: renders and stores what the
//!   application decides, and `run-job`.
//! - [`startup`]: builds the application from settings.

pub mod app;
pub mod causes;
pub mod clock;
pub mod command;
pub mod config;
pub mod domain;
pub mod inbound;
pub mod messages;
pub mod scheduler;
pub mod sealing;
pub mod slack;
pub mod startup;
pub mod store;
pub mod telemetry;
