//! Runs the reminder jobs: takes the application's decisions, renders each
//! as the message it will be, stores it under its key (job, recipient, local
//! day) and has what is pending delivered. The scheduler's tick and
//! `run-job` both run through here.

use chrono::{DateTime, Utc};
use slack_morphism::prelude::SlackMessageContent;

use crate::app::delivery::{deliver_these, DeliveryPolicy, DeliveryReport};
use crate::app::jobs::{decide, Decision, RunAt, Say, Trigger};
use crate::app::AppContext;
use crate::domain::{plural, share_on_pace, Job, WorkspaceId};
use crate::messages;
use crate::store::{MessageKind, NewReminder, StoreError};
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not encode a message")]
    Encode(#[from] serde_json::Error),
}

/// A decision with the message it becomes (none when there is nothing to
/// say) and a one-line summary for `run-job` and the logs.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub decision: Decision,
    pub message: Option<SlackMessageContent>,
    pub summary: String,
}

impl Rendered {
    fn new(ctx: &AppContext, decision: Decision) -> Self {
        let (message, summary) = match &decision.say {
            Say::MeetingDue(state) => (
                Some(messages::meeting_nudge(*state, ctx.meeting_policy())),
                messages::meeting_line(*state),
            ),
            Say::Behind(behind) => {
                let names: Vec<String> = behind
                    .iter()
                    .map(|b| format!("{} short {}m", b.progress.rep, b.progress.gap()))
                    .collect();
                (
                    Some(messages::pace_nudge(behind, ctx.target())),
                    format!(
                        "{} behind pace: {}",
                        plural(behind.len(), "rep", "reps"),
                        names.join(", ")
                    ),
                )
            }
            Say::Digest(managers) => {
                let on_pace: usize = managers.iter().map(|m| m.reps_on_pace).sum();
                let reps: usize = managers.iter().map(|m| m.reps).sum();
                (
                    Some(messages::digest(
                        managers,
                        decision.local_date,
                        ctx.target(),
                    )),
                    format!(
                        "{}, {on_pace} of {} on pace",
                        plural(managers.len(), "manager", "managers"),
                        plural(reps, "rep", "reps")
                    ),
                )
            }
            Say::TeamDigest(team) => {
                let (on_pace, reps) = share_on_pace(&team.reps);
                (
                    Some(messages::team_digest(
                        team,
                        decision.local_date,
                        ctx.target(),
                    )),
                    format!(
                        "{}'s team, {on_pace} of {} on pace",
                        team.manager,
                        plural(reps, "rep", "reps")
                    ),
                )
            }
            Say::Nothing(reason) => (None, reason.describe()),
        };
        Self {
            decision,
            message,
            summary,
        }
    }

    /// One line for `run-job --dry-run` and the logs.
    pub fn describe(&self) -> String {
        let d = &self.decision;
        let target = if d.recipient.starts_with(['U', 'W']) {
            format!("DM {}", d.recipient)
        } else {
            format!("post to {}", d.recipient)
        };
        let key = format!("[{} {} {}]", d.job, d.workspace, d.local_date);
        match self.message {
            Some(_) => format!("{target} {key}: {}", self.summary),
            None => format!("send nothing to {} {key}: {}", d.recipient, self.summary),
        }
    }
}

/// Decides and renders `job` at `at`.
pub async fn render(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    trigger: Trigger,
) -> Result<Vec<Rendered>, JobError> {
    Ok(decide(ctx, job, at, trigger)
        .await?
        .into_iter()
        .map(|decision| Rendered::new(ctx, decision))
        .collect())
}

/// Stores rendered decisions as reminder rows; returns the IDs of those that
/// were new (a concurrent run may have stored the same key first, which is
/// fine).
#[tracing::instrument(skip(ctx, rendered), fields(reminders = rendered.len()))]
pub async fn persist(
    ctx: &AppContext,
    rendered: &[Rendered],
    now: DateTime<Utc>,
) -> Result<Vec<i64>, JobError> {
    let mut stored = Vec::new();
    for r in rendered {
        let d = &r.decision;
        let reminder = NewReminder {
            workspace: d.workspace.clone(),
            kind: MessageKind::Job(d.job),
            recipient: d.recipient.clone(),
            local_date: d.local_date,
            subject: d.subject.clone(),
            message: r.message.as_ref().map(serde_json::to_string).transpose()?,
            summary: r.summary.clone(),
            expires_at: d.expires_at,
        };
        if let Some(id) = ctx.store.insert_reminder(&reminder, now).await? {
            telemetry::reminders(d.job.name(), "stored", 1);
            stored.push(id);
        }
    }
    Ok(stored)
}

/// What one run of a job did: its reminders and, unless it was a dry run,
/// what delivery made of them.
#[derive(Debug)]
pub struct JobRun {
    pub reminders: Vec<Rendered>,
    pub delivery: Option<DeliveryReport>,
}

/// `run-job`: runs `job` once for every recipient (of the workspace `only`,
/// when given), whatever the schedule, as if the clock read `at`; a dry run
/// decides and stores nothing. Only
/// what `at` decides is stored and delivered: other reminders are left to
/// `serve`, and claims and retries are timed by the real clock, never `at`.
#[tracing::instrument(skip(ctx, policy), fields(job = %job, at = %at))]
pub async fn run_now(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    only: Option<&WorkspaceId>,
    dry_run: bool,
    policy: &DeliveryPolicy,
) -> Result<JobRun, JobError> {
    let mut reminders = render(ctx, job, at, Trigger::Now).await?;
    if let Some(workspace) = only {
        reminders.retain(|reminder| reminder.decision.workspace == *workspace);
    }
    if dry_run {
        return Ok(JobRun {
            reminders,
            delivery: None,
        });
    }
    let now = ctx.clock.now();
    let stored = persist(ctx, &reminders, now).await?;
    let delivery = deliver_these(ctx, &stored, now, policy).await?;
    Ok(JobRun {
        reminders,
        delivery: Some(delivery),
    })
}
