//! The scheduler inside `serve`: a plain loop that wakes every few seconds
//! and runs one [`tick`], which tests call directly at chosen instants.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::deliver::{deliver_due, DeliveryPolicy, DeliveryReport};
use super::{persist, plan, Job, JobError, RunAt, Trigger};
use crate::coach::AppContext;

/// How often the scheduler looks; the contract asks for at least once a minute.
pub const TICK_EVERY: Duration = Duration::from_secs(20);

/// Everything due at `now`: each job for each recipient whose local firing
/// has passed today and who has no reminder for today yet; then delivery of
/// whatever is pending, including reminders `run-job` could not deliver.
pub async fn tick(
    ctx: &AppContext,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, JobError> {
    for job in Job::ALL {
        let planned = plan(ctx, job, RunAt::Instant(now), Trigger::Schedule).await?;
        for p in &planned {
            tracing::debug!(decision = %p.describe(), "scheduled job decided");
        }
        persist(ctx, &planned, now).await?;
    }
    Ok(deliver_due(ctx, now, policy).await?)
}

/// Runs [`tick`] every `every` until `shutdown` turns true.
pub async fn run(
    ctx: AppContext,
    every: Duration,
    policy: DeliveryPolicy,
    mut shutdown: watch::Receiver<bool>,
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
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}
