//! Answering a slash command inside Slack's 3 seconds, whichever way it
//! arrived (an HTTP request or a Socket Mode envelope). Both transports
//! call [`answer_slash_command`] and only differ in how they wrap what it
//! returns. The rule itself, [`in_time`], knows nothing of Slack, so it is
//! tested on tokio's paused clock.

use std::future::Future;
use std::time::Duration;

use slack_morphism::prelude::SlackMessageContent;
use tokio::task::{JoinError, JoinHandle};
use tracing::Instrument;

use super::{home, interactions};
use crate::app::forms::Preset;
use crate::app::{Answer, AppContext, Invocation, Reply};
use crate::messages;

/// Slack waits 3000 ms for the acknowledgement; answer well inside that.
pub const ANSWER_BUDGET: Duration = Duration::from_millis(2500);

/// Work given a budget: done within it, or still going.
pub enum InTime<T> {
    /// Finished; a panic in the work is its result too.
    Done(Result<T, JoinError>),
    /// Still running, to be awaited by whoever answers late.
    Late(JoinHandle<T>),
}

/// Runs `work` and returns its result if it is ready before `deadline`;
/// otherwise returns then and lets the work go on.
pub async fn in_time<T: Send + 'static>(
    deadline: impl Future<Output = ()>,
    work: impl Future<Output = T> + Send + 'static,
) -> InTime<T> {
    // Spawned, so that the work goes on after the budget runs out.
    let mut work = tokio::spawn(work);
    tokio::select! {
        biased;
        done = &mut work => InTime::Done(done),
        () = deadline => InTime::Late(work),
    }
}

/// The fields of a slash command both transports carry, as Slack sent them.
#[derive(Debug, Clone)]
pub struct SlashCommand {
    pub team_id: String,
    pub user_id: String,
    pub text: String,
    pub response_url: String,
    /// Opens a form within 3 seconds of the command (`/coach log`).
    pub trigger_id: String,
}

/// Carries out a slash command and returns what to answer now: the real
/// answer if it is ready within [`ANSWER_BUDGET`], otherwise a holding
/// answer, with the real one sent later through `response_url` (Slack takes
/// up to five answers there within 30 minutes). `None` when the command's
/// team or user ID is not one Slack would send.
pub async fn answer_slash_command(
    ctx: &AppContext,
    command: SlashCommand,
) -> Option<SlackMessageContent> {
    let span = super::request_span("command", Some(&command.team_id), Some(&command.user_id));
    answer_in_span(ctx, command).instrument(span).await
}

async fn answer_in_span(ctx: &AppContext, command: SlashCommand) -> Option<SlackMessageContent> {
    let invocation = Invocation::from_slash_command(&command.team_id, &command.user_id, command.text)
        .map_err(|invalid| tracing::warn!(%invalid, "refused a slash command with a malformed workspace or user ID"))
        .ok()?;
    let (workspace, user) = (invocation.workspace.clone(), invocation.user.clone());
    if !super::served(ctx, &workspace).await {
        return Some(messages::reply(&Answer {
            reply: Reply::NotInstalled,
            today: ctx.clock.now().date_naive(),
        }));
    }
    if let Some(kind) = invocation.form_request() {
        // The trigger lives 3 seconds: the form opens before anything else.
        let form = (kind, Preset::default());
        let opened =
            interactions::open_form(ctx, &workspace, &user, &command.trigger_id, form, None).await;
        return Some(messages::reply(&Answer {
            reply: Reply::FormOpening { kind, opened },
            today: ctx.clock.now().date_naive(),
        }));
    }
    let worker = ctx.clone();
    let sorry = apology(ctx);
    let answer = match in_time(ctx.clock.deadline(ANSWER_BUDGET), async move {
        worker.handle(invocation).await
    })
    .await
    {
        InTime::Done(done) => done,
        InTime::Late(work) => {
            tracing::info!(%workspace, %user, budget_ms = ANSWER_BUDGET.as_millis() as u64, "a /coach command is slow; answering through response_url");
            let (answering, sorry) = (ctx.clone(), sorry.clone());
            ctx.follow_ups.spawn("a late answer to /coach", async move {
                let ctx = answering;
                let answer = work.await.unwrap_or_else(|panic| {
                    tracing::error!(%workspace, %user, error = %panic, "a /coach command panicked");
                    sorry
                });
                if let Err(error) = ctx
                    .slack
                    .api()
                    .respond(&command.response_url, messages::reply(&answer))
                    .await
                {
                    tracing::error!(%workspace, %user, %error, "could not deliver a late /coach answer");
                }
                home::publish_if_changed(&ctx, &workspace, &user, &answer.reply);
            }.instrument(tracing::Span::current()));
            return Some(working_on_it());
        }
    };
    let answer = answer.unwrap_or_else(|panic| {
        tracing::error!(%workspace, %user, error = %panic, "a /coach command panicked");
        sorry
    });
    home::publish_if_changed(ctx, &workspace, &user, &answer.reply);
    Some(messages::reply(&answer))
}

/// The holding answer; the real one replaces it (`replace_original`).
fn working_on_it() -> SlackMessageContent {
    messages::Message::new("Working on it…")
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{sleep, Instant};

    #[tokio::test(start_paused = true)]
    async fn work_done_within_the_budget_is_the_answer() {
        let started = Instant::now();
        let answer = in_time(sleep(ANSWER_BUDGET), async {
            sleep(Duration::from_millis(2400)).await;
            "done"
        })
        .await;
        assert!(matches!(answer, InTime::Done(Ok("done"))));
        assert_eq!(started.elapsed(), Duration::from_millis(2400));
    }

    #[tokio::test(start_paused = true)]
    async fn slow_work_is_answered_at_the_budget_and_its_result_comes_later() {
        let started = Instant::now();
        let answer = in_time(sleep(ANSWER_BUDGET), async {
            sleep(Duration::from_secs(4)).await;
            "done"
        })
        .await;
        assert_eq!(started.elapsed(), ANSWER_BUDGET);
        let InTime::Late(work) = answer else {
            panic!("slow work is not done at the budget");
        };
        assert_eq!(work.await.expect("finishes"), "done");
        assert_eq!(started.elapsed(), Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_the_work_is_its_result_not_a_crash() {
        let answer =
            in_time::<()>(sleep(ANSWER_BUDGET), async { panic!("the command broke") }).await;
        assert!(matches!(answer, InTime::Done(Err(error)) if error.is_panic()));
    }
}
