//! The scheduler inside `serve`: a plain loop that wakes every few seconds
//! and runs one [`tick`], which tests call directly at chosen instants; and
//! the reminder jobs it runs ([`jobs`]), which `run-job` runs too.

pub mod jobs;
mod notices;

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::delivery::{deliver_due, DeliveryPolicy, DeliveryReport};
use crate::app::jobs::{RunAt, Trigger};
use crate::app::AppContext;
use crate::domain::Job;
use jobs::{persist, render, JobError};

/// How often the scheduler looks; the contract asks for at least once a minute.
pub const TICK_EVERY: Duration = Duration::from_secs(20);

/// Everything due at `now`: each job for each recipient whose local firing
/// has passed today and who has no reminder for today yet, and the notices
/// changes call for; then delivery of whatever is pending, including
/// reminders `run-job` could not deliver. A step that fails is logged and
/// the others still run, delivery included; the result is delivery's.
#[tracing::instrument(skip(ctx, policy))]
pub async fn tick(
    ctx: &AppContext,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, JobError> {
    for job in Job::ALL {
        if let Err(error) = store_scheduled(ctx, job, now).await {
            step_failed(job.name(), &error);
        }
    }
    if let Err(error) = notices::store_notices(ctx, now).await {
        step_failed("notices", &error);
    }
    Ok(deliver_due(ctx, now, policy).await?)
}

/// Decides and stores `job` for whoever it fires for at `now`.
async fn store_scheduled(ctx: &AppContext, job: Job, now: DateTime<Utc>) -> Result<(), JobError> {
    let reminders = render(ctx, job, RunAt::Instant(now), Trigger::Schedule).await?;
    for r in &reminders {
        tracing::debug!(decision = %r.describe(), "scheduled job decided");
    }
    persist(ctx, &reminders, now).await?;
    Ok(())
}

fn step_failed(step: &str, error: &JobError) {
    tracing::error!(step, error = %crate::causes::one_line(error), "a step of a scheduler tick failed; the others go on");
}

/// Runs [`tick`] every `every` until `shutdown` turns true, counting each
/// finished tick in `ticks` (so a test can wait for ticks to have happened
/// instead of sleeping).
pub async fn run(
    ctx: AppContext,
    every: Duration,
    policy: DeliveryPolicy,
    mut shutdown: watch::Receiver<bool>,
    ticks: watch::Sender<u64>,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let now = ctx.clock.now();
                if let Err(error) = tick(&ctx, now, &policy).await {
                    tracing::error!(error = %crate::causes::one_line(&error), "a scheduler tick failed");
                }
                ticks.send_modify(|count| *count += 1);
                tracing::debug!(tick = *ticks.borrow(), "scheduler tick done");
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}
