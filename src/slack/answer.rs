//! Answering a slash command inside Slack's 3 seconds, whichever way it
//! arrived (an HTTP request or a Socket Mode envelope). Both transports
//! call [`answer_within_budget`] and only differ in how they wrap what it
//! returns.

use std::time::Duration;

use slack_morphism::prelude::SlackMessageContent;

use super::render;
use crate::coach::{Answer, AppContext, Invocation, Reply};

/// Slack waits 3000 ms for the acknowledgement; answer well inside that.
pub const ANSWER_BUDGET: Duration = Duration::from_millis(2500);

/// Runs the command and returns what to answer now: the real answer if it
/// is ready within [`ANSWER_BUDGET`], otherwise a holding answer, with the
/// real one sent later through `response_url` (Slack takes up to five
/// answers there within 30 minutes).
pub async fn answer_within_budget(
    ctx: &AppContext,
    invocation: Invocation,
    response_url: String,
) -> SlackMessageContent {
    let team = invocation.team.clone();
    let user = invocation.user.clone();
    let worker = ctx.clone();
    // Spawned, so that the work goes on after the budget runs out.
    let mut work = tokio::spawn(async move { worker.handle(invocation).await });
    match tokio::time::timeout(ANSWER_BUDGET, &mut work).await {
        Ok(Ok(answer)) => render::reply(&answer),
        Ok(Err(panic)) => {
            tracing::error!(%team, %user, error = %panic, "a /coach command panicked");
            render::reply(&apology(ctx))
        }
        Err(_) => {
            tracing::info!(%team, %user, budget_ms = ANSWER_BUDGET.as_millis() as u64, "a /coach command is slow; answering through response_url");
            let slack = ctx.slack.clone();
            let sorry = apology(ctx);
            tokio::spawn(async move {
                let answer = match work.await {
                    Ok(answer) => answer,
                    Err(panic) => {
                        tracing::error!(%team, %user, error = %panic, "a /coach command panicked");
                        sorry
                    }
                };
                if let Err(error) = slack.respond(&response_url, render::reply(&answer)).await {
                    tracing::error!(%team, %user, %error, "could not deliver a late /coach answer");
                }
            });
            working_on_it()
        }
    }
}

/// The holding answer; the real one replaces it (`replace_original`).
fn working_on_it() -> SlackMessageContent {
    render::Message::new("Working on it…")
        .text(":hourglass_flowing_sand: Working on it…")
        .into_content()
}

/// The apology, for a command that failed before it knew the manager.
pub fn apology(ctx: &AppContext) -> Answer {
    Answer {
        reply: Reply::Apology,
        today: ctx.clock.now().date_naive(),
    }
}
