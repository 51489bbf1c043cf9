//! The ways requests come in: Slack's HTTP routes, Socket Mode, and the
//! terminal of `coachbot try`; and what Slack sends through the first two
//! (slash commands, [`interactions`], [`events`]), handled the same way
//! whichever carried it. Each turns what arrives into a use case of
//! the application and renders what that returns; a slash command is
//! answered within Slack's 3 seconds the same way over both Slack transports
//! ([`answer`]).

pub mod answer;
pub mod events;
pub mod home;
pub mod http;
pub mod interactions;
pub mod socket_mode;
pub mod terminal;
