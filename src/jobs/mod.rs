//! The three reminder jobs. Each run is: decide who gets what at an instant
//! ([`plan`], reading only), store those decisions as reminder rows keyed by
//! job, recipient and local date ([`persist`]), then deliver whatever is
//! pending ([`deliver::deliver_due`]). The scheduler in `serve` and the
//! `run-job` command are thin loops over these steps.

pub mod decide;
pub mod deliver;
pub mod schedule;
pub mod scheduler;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::SlackMessageContent;

use crate::coach::AppContext;
use crate::domain::{local_date, Manager, SlackTeamId, YearMonth};
use crate::slack::render;
use crate::store::{NewReminder, StoreError};

use deliver::{DeliveryPolicy, DeliveryReport};

pub use schedule::{scheduled_on, start_of_day, todays_firing, Job, UnknownJob};

/// Whether a run honours the cron schedule (the scheduler) or runs now
/// regardless (`run-job`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Now,
}

/// When a run happens: one instant for everyone, or a day, which each
/// recipient reaches at the job's scheduled time in their own zone
/// (`run-job --at 2026-12-02`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAt {
    Instant(DateTime<Utc>),
    Day(NaiveDate),
}

impl RunAt {
    /// The instant this run is for a recipient in `tz`.
    pub fn instant_in(self, tz: Tz, schedule: &cron::Schedule) -> DateTime<Utc> {
        match self {
            RunAt::Instant(at) => at,
            RunAt::Day(day) => scheduled_on(schedule, tz, day),
        }
    }
}

impl std::fmt::Display for RunAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunAt::Instant(at) => {
                write!(
                    f,
                    "{}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )
            }
            RunAt::Day(day) => write!(f, "{day}, at the job's time in each recipient's zone"),
        }
    }
}

/// One decision of one job for one recipient.
#[derive(Debug, Clone)]
pub struct Planned {
    pub team: SlackTeamId,
    pub job: Job,
    pub recipient: String,
    /// The instant the decision was made for.
    pub at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub expires_at: DateTime<Utc>,
    /// `None` when there is nothing to send today.
    pub message: Option<SlackMessageContent>,
    pub summary: String,
}

impl Planned {
    fn new(team: SlackTeamId, job: Job, recipient: String, tz: Tz, now: DateTime<Utc>) -> Self {
        let local_date = local_date(now, tz);
        Self {
            team,
            job,
            recipient,
            at: now,
            local_date,
            expires_at: start_of_day(tz, local_date + Duration::days(1)),
            message: None,
            summary: String::new(),
        }
    }

    fn send(mut self, message: SlackMessageContent, summary: String) -> Self {
        self.message = Some(message);
        self.summary = summary;
        self
    }

    fn skip(mut self, summary: String) -> Self {
        self.summary = summary;
        self
    }

    /// One line for `run-job --dry-run` and the logs.
    pub fn describe(&self) -> String {
        let target = if self.recipient.starts_with(['U', 'W']) {
            format!("DM {}", self.recipient)
        } else {
            format!("post to {}", self.recipient)
        };
        let key = format!("[{} {} {}]", self.job, self.team, self.local_date);
        match self.message {
            Some(_) => format!("{target} {key}: {}", self.summary),
            None => format!("send nothing to {} {key}: {}", self.recipient, self.summary),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not encode a message")]
    Encode(#[from] serde_json::Error),
}

/// Who gets what from `job` at `at`. With [`Trigger::Schedule`], only
/// recipients whose local firing has passed today; either way, none who
/// already have that day's reminder.
pub async fn plan(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    trigger: Trigger,
) -> Result<Vec<Planned>, JobError> {
    let schedule = job.schedule(&ctx.settings.jobs);
    let fired = |tz: Tz, now| trigger == Trigger::Now || todays_firing(schedule, tz, now).is_some();
    let managers = ctx.store.managers_with_reps().await?;
    let mut planned = Vec::new();
    match job {
        Job::MeetingCheck | Job::CoachingPace => {
            for manager in managers {
                let now = at.instant_in(manager.tz(), schedule);
                if !fired(manager.tz(), now) {
                    continue;
                }
                let draft = Planned::new(
                    manager.team.clone(),
                    job,
                    manager.id.as_str().to_string(),
                    manager.tz(),
                    now,
                );
                if ctx
                    .store
                    .reminder_exists(&draft.team, job, &draft.recipient, draft.local_date)
                    .await?
                {
                    continue;
                }
                let decided = if job == Job::MeetingCheck {
                    meeting_check(ctx, &manager, draft, now).await?
                } else {
                    coaching_pace(ctx, &manager, draft, now).await?
                };
                planned.push(decided);
            }
        }
        Job::Digest => {
            let Some(channel) = ctx.settings.digest.channel.clone() else {
                return Ok(planned);
            };
            let tz = ctx.settings.digest.timezone;
            let now = at.instant_in(tz, schedule);
            if !fired(tz, now) {
                return Ok(planned);
            }
            let mut by_team: BTreeMap<SlackTeamId, Vec<Manager>> = BTreeMap::new();
            for manager in managers {
                by_team
                    .entry(manager.team.clone())
                    .or_default()
                    .push(manager);
            }
            for (team, managers) in by_team {
                let draft = Planned::new(team, job, channel.as_str().to_string(), tz, now);
                if ctx
                    .store
                    .reminder_exists(&draft.team, job, &draft.recipient, draft.local_date)
                    .await?
                {
                    continue;
                }
                planned.push(digest(ctx, &managers, draft, now).await?);
            }
        }
    }
    Ok(planned)
}

async fn meeting_check(
    ctx: &AppContext,
    manager: &Manager,
    draft: Planned,
    now: DateTime<Utc>,
) -> Result<Planned, JobError> {
    let today = manager.today(now);
    let team = ctx.store.current_team(manager).await?;
    let state = ctx.meeting_state(manager, today).await?;
    Ok(
        match decide::meeting_check(manager, team.len(), state, today) {
            Ok(state) => draft.send(
                render::meeting_nudge(state, ctx.meeting_policy()),
                render::meeting_line(state),
            ),
            Err(reason) => draft.skip(reason.describe()),
        },
    )
}

async fn coaching_pace(
    ctx: &AppContext,
    manager: &Manager,
    draft: Planned,
    now: DateTime<Utc>,
) -> Result<Planned, JobError> {
    let today = manager.today(now);
    let month = YearMonth::of(today);
    let team = ctx.store.current_team(manager).await?;
    let (progress, activity) = ctx.team_month(manager, &team, month, now).await?;
    Ok(
        match decide::coaching_pace(
            manager,
            &progress,
            &activity,
            month,
            today,
            ctx.settings.coaching.nudge_when_behind_minutes,
        ) {
            Ok(behind) => {
                let names: Vec<String> = behind
                    .iter()
                    .map(|b| format!("{} short {}m", b.progress.rep, b.progress.pace.gap()))
                    .collect();
                draft.send(
                    render::pace_nudge(&behind, ctx.target()),
                    format!("{} behind pace: {}", behind.len(), names.join(", ")),
                )
            }
            Err(reason) => draft.skip(reason.describe()),
        },
    )
}

async fn digest(
    ctx: &AppContext,
    managers: &[Manager],
    draft: Planned,
    now: DateTime<Utc>,
) -> Result<Planned, JobError> {
    let mut lines = Vec::with_capacity(managers.len());
    for manager in managers {
        let today = manager.today(now);
        let team = ctx.store.current_team(manager).await?;
        let progress = ctx
            .team_month(manager, &team, YearMonth::of(today), now)
            .await?
            .0;
        let meetings = ctx
            .store
            .meetings_between(
                manager,
                today - Duration::days(6),
                today + Duration::days(1),
            )
            .await?;
        lines.push(decide::manager_digest(manager, &progress, meetings, today));
    }
    let on_pace: usize = lines.iter().map(|l| l.reps_on_pace).sum();
    let reps: usize = lines.iter().map(|l| l.reps).sum();
    let summary = format!("{} managers, {on_pace} of {reps} reps on pace", lines.len());
    let message = render::digest(&lines, draft.local_date, ctx.target());
    Ok(draft.send(message, summary))
}

/// Stores decisions; returns how many were new (a concurrent run may have
/// stored the same key first, which is fine).
pub async fn persist(
    ctx: &AppContext,
    planned: &[Planned],
    now: DateTime<Utc>,
) -> Result<usize, JobError> {
    let mut stored = 0;
    for p in planned {
        let reminder = NewReminder {
            team: p.team.clone(),
            job: p.job,
            recipient: p.recipient.clone(),
            local_date: p.local_date,
            message: p.message.as_ref().map(serde_json::to_string).transpose()?,
            summary: p.summary.clone(),
            expires_at: p.expires_at,
        };
        if ctx.store.insert_reminder(&reminder, now).await? {
            stored += 1;
        }
    }
    Ok(stored)
}

/// What one run of a job did: its decisions and, unless it was a dry run,
/// what delivery made of them.
#[derive(Debug)]
pub struct JobRun {
    pub planned: Vec<Planned>,
    pub delivery: Option<DeliveryReport>,
}

/// `run-job`: runs `job` once for every recipient, whatever the schedule,
/// as if the clock read `at`; a dry run decides and stores nothing.
#[tracing::instrument(skip(ctx, policy), fields(job = %job, at = %at))]
pub async fn run_now(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    dry_run: bool,
    policy: &DeliveryPolicy,
) -> Result<JobRun, JobError> {
    let planned = plan(ctx, job, at, Trigger::Now).await?;
    if dry_run {
        return Ok(JobRun {
            planned,
            delivery: None,
        });
    }
    // Every reminder of a day is due from the earliest recipient's time on.
    let now = planned
        .iter()
        .map(|p| p.at)
        .min()
        .unwrap_or_else(|| at.instant_in(Tz::UTC, job.schedule(&ctx.settings.jobs)));
    persist(ctx, &planned, now).await?;
    let delivery = deliver::deliver_due(ctx, now, policy).await?;
    Ok(JobRun {
        planned,
        delivery: Some(delivery),
    })
}
