//! The ways requests come in: Slack's HTTP routes, Socket Mode, and the
//! terminal of `coachbot try`. Each turns what arrives into a use case of
//! the application and renders what that returns; a slash command is
//! answered within Slack's 3 seconds the same way over both Slack transports
//! ([`answer`]).

pub mod answer;
pub mod http;
pub mod socket_mode;
pub mod terminal;
