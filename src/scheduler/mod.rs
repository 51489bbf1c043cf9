//! The scheduler inside `serve`: a plain loop that wakes every few seconds
//! and decides what the jobs say ([`plan`]), beside per-workspace delivery
//! workers that send what is due as soon as it is stored, at the pace
//! Slack allows, so a tick never waits on posts; and [`tick`], one whole
//! step (decide, store the notices, deliver), which tests call directly at
//! chosen instants. The reminder jobs ([`jobs`]) run through `run-job` too.

pub mod jobs;
mod notices;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::delivery::{deliver_due, deliver_next, DeliveryPolicy, DeliveryReport};
use crate::app::jobs::{RunAt, Trigger};
use crate::app::AppContext;
use crate::domain::{Job, WorkspaceId};
use crate::store::Pruned;
use jobs::{persist, render, JobError};

/// How often the scheduler looks; the contract asks for at least once a minute.
pub const TICK_EVERY: Duration = Duration::from_secs(20);
/// Bookkeeping is pruned at most this many rows of a kind per transaction,
/// so a pass never holds the writer long.
pub const PRUNE_BATCH: u32 = 500;
/// How often an idle delivery worker looks again unwoken, for a claim that
/// lapsed or a post in doubt whose lookup is due.
const WORKER_LOOKS_EVERY: Duration = Duration::from_secs(2);

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
    plan(ctx, now).await;
    store_notices(ctx, now).await;
    Ok(deliver_due(ctx, now, policy).await?)
}

/// Decides and stores every job for whoever it fires for at `now`; a job
/// that fails is logged and the others still run.
pub async fn plan(ctx: &AppContext, now: DateTime<Utc>) {
    for job in Job::ALL {
        if let Err(error) = store_scheduled(ctx, job, now).await {
            step_failed(job.name(), &error);
        }
    }
}

/// Turns the notices changes left (questions to reps, dispute notices)
/// into messages to deliver; a failure is logged.
async fn store_notices(ctx: &AppContext, now: DateTime<Utc>) {
    if let Err(error) = notices::store_notices(ctx, now).await {
        step_failed("notices", &error);
    }
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

/// Deletes the bookkeeping (sent reminders, Home tab marks, lines taken
/// back) older than `retention.bookkeeping_days` at `now`, in small
/// batches; a failure is logged. `serve` runs it once a day.
pub async fn prune(ctx: &AppContext, now: DateTime<Utc>) {
    let days = ctx.settings.retention.bookkeeping_days;
    let before = now - chrono::Duration::days(days.into());
    match ctx.store.prune_bookkeeping(before, PRUNE_BATCH).await {
        Ok(pruned) if pruned == Pruned::default() => {
            tracing::debug!(days, "no bookkeeping old enough to prune")
        }
        Ok(pruned) => tracing::info!(
            days,
            reminders = pruned.reminders,
            home_tabs = pruned.home_tabs,
            taken_back_lines = pruned.lines,
            "pruned the bookkeeping older than the retention"
        ),
        Err(error) => step_failed("pruning", &error.into()),
    }
}

fn step_failed(step: &str, error: &JobError) {
    tracing::error!(step, error = %crate::causes::one_line(error), "a step of a scheduler tick failed; the others go on");
}

/// Runs [`plan`] every `every`, and [`prune`] at the first tick of each
/// day, until `shutdown` turns true, counting each finished tick in
/// `ticks` (so a test can wait for ticks to have happened instead of
/// sleeping) and waking delivery after each; delivery runs beside it
/// ([`deliver_continuously`]) and is awaited at shutdown.
pub async fn run(
    ctx: AppContext,
    every: Duration,
    policy: DeliveryPolicy,
    mut shutdown: watch::Receiver<bool>,
    ticks: watch::Sender<u64>,
) {
    let delivery = tokio::spawn(deliver_continuously(ctx.clone(), policy, shutdown.clone()));
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Pruned at the first tick, then at the first tick of each day.
    let mut pruned_on = None;
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let now = ctx.clock.now();
                plan(&ctx, now).await;
                if pruned_on != Some(now.date_naive()) {
                    prune(&ctx, now).await;
                    pruned_on = Some(now.date_naive());
                }
                ctx.deliveries.wake();
                ticks.send_modify(|count| *count += 1);
                tracing::debug!(tick = *ticks.borrow(), "scheduler tick done");
            }
            _ = stop_asked(&mut shutdown) => break,
        }
    }
    let _ = delivery.await;
}

/// Until `shutdown` turns true (or its sender is gone).
async fn stop_asked(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// `serve`'s delivery. Each time something may be due (a tick stored
/// reminders, a change committed a notice), it turns the notices into
/// messages and wakes each workspace's worker, starting one for a
/// workspace that has none yet.
async fn deliver_continuously(
    ctx: AppContext,
    policy: DeliveryPolicy,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut wanted = ctx.deliveries.wanted();
    let work = watch::channel(0u64).0;
    let mut workers: HashMap<WorkspaceId, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        wanted.borrow_and_update();
        store_notices(&ctx, ctx.clock.now()).await;
        match ctx.store.workspaces_with_pending_reminders().await {
            Ok(workspaces) => {
                for workspace in workspaces {
                    workers.entry(workspace.clone()).or_insert_with(|| {
                        tokio::spawn(deliver_in(
                            ctx.clone(),
                            workspace,
                            policy.clone(),
                            work.subscribe(),
                            shutdown.clone(),
                        ))
                    });
                }
            }
            Err(error) => {
                tracing::error!(error = %crate::causes::one_line(&error), "could not read which workspaces have reminders pending");
            }
        }
        work.send_modify(|count| *count += 1);
        tokio::select! {
            changed = wanted.changed() => if changed.is_err() { break },
            _ = stop_asked(&mut shutdown) => break,
        }
    }
    for worker in workers.into_values() {
        let _ = worker.await;
    }
}

/// One workspace's delivery worker: a batch at a time while anything is
/// due (so a notice stored meanwhile goes ahead of the rest), then waits
/// until woken, or a little while.
async fn deliver_in(
    ctx: AppContext,
    workspace: WorkspaceId,
    policy: DeliveryPolicy,
    mut work: watch::Receiver<u64>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        work.borrow_and_update();
        let more = match deliver_next(&ctx, &workspace, ctx.clock.now(), &policy).await {
            Ok((report, more)) => {
                if report != DeliveryReport::default() {
                    tracing::info!(workspace = %workspace, ?report, "delivery pass done");
                }
                more
            }
            Err(error) => {
                tracing::error!(workspace = %workspace, error = %crate::causes::one_line(&error), "a delivery pass failed");
                false
            }
        };
        ctx.deliveries.pass_done();
        if *shutdown.borrow() {
            break;
        }
        if !more {
            tokio::select! {
                changed = work.changed() => if changed.is_err() { break },
                // A polling cadence, not a domain wait: the tokio timer.
                () = tokio::time::sleep(WORKER_LOOKS_EVERY) => {}
                _ = stop_asked(&mut shutdown) => break,
            }
        }
    }
}
