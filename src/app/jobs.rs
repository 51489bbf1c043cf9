//! What the reminder jobs have to say, to whom, at an instant: the records
//! gathered, the domain's rules applied, the outcome returned as data. The
//! scheduler renders these decisions, stores them as reminder rows and
//! has them delivered.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::AppContext;
use crate::causes;
use crate::domain::reminders;
use crate::domain::{
    local_date, scheduled_on, start_of_day, todays_firing, BehindRep, Job, Manager, ManagerDigest,
    MeetingState, SkipReason, TeamDigest, WorkspaceId, YearMonth,
};
use crate::store::{StoreError, UnreadableManager};

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

/// What a job has for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub enum Say {
    /// `meeting-check`: the team meeting is due or overdue.
    MeetingDue(MeetingState),
    /// `coaching-pace`: these reps are far enough behind pace.
    Behind(Vec<BehindRep>),
    /// `digest`: each manager's numbers.
    Digest(Vec<ManagerDigest>),
    /// `team-digest`: one team's numbers, for its channel.
    TeamDigest(TeamDigest),
    /// Nothing today, and why.
    Nothing(SkipReason),
}

/// One decision of one job for one recipient, keyed like the reminder row
/// it becomes.
#[derive(Debug, Clone)]
pub struct Decision {
    pub workspace: WorkspaceId,
    pub job: Job,
    /// A user ID (a DM) or a channel ID.
    pub recipient: String,
    /// What it is about beyond recipient and day: the manager of a team
    /// digest, so that two teams sharing a channel each get theirs.
    pub subject: String,
    /// The instant the decision was made for.
    pub at: DateTime<Utc>,
    /// The recipient's day: the reminder goes out at most once on it.
    pub local_date: NaiveDate,
    /// The end of that day, when an undelivered reminder is given up.
    pub expires_at: DateTime<Utc>,
    pub say: Say,
}

impl Decision {
    fn new(workspace: WorkspaceId, job: Job, recipient: String, tz: Tz, at: DateTime<Utc>) -> Self {
        let local_date = local_date(at, tz);
        Self {
            workspace,
            job,
            recipient,
            subject: String::new(),
            at,
            local_date,
            expires_at: start_of_day(tz, local_date + Duration::days(1)),
            say: Say::Nothing(SkipReason::NoReps),
        }
    }
}

/// Who gets what from `job` at `at`. With [`Trigger::Schedule`], only
/// recipients whose local firing has passed today; either way, none who
/// already have that day's reminder. A manager whose records cannot be read
/// is logged and left out; the others still get theirs.
#[tracing::instrument(skip(ctx), fields(job = %job, at = %at))]
pub async fn decide(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    trigger: Trigger,
) -> Result<Vec<Decision>, StoreError> {
    let schedule = ctx.settings.jobs.of(job);
    let fired = |tz: Tz, now| trigger == Trigger::Now || todays_firing(schedule, tz, now).is_some();
    let mut managers = Vec::new();
    for read in ctx.store.managers_with_reps().await? {
        match read {
            Ok(manager) => managers.push(manager),
            Err(unreadable) => skipped(job, &unreadable),
        }
    }
    let mut decisions = Vec::new();
    match job {
        Job::MeetingCheck | Job::CoachingPace | Job::TeamDigest => {
            for manager in managers {
                // A DM to the manager, or their team's digest to its channel,
                // keyed by the manager so teams sharing a channel each get one.
                let (recipient, subject) = match (job, &manager.digest_channel) {
                    (Job::TeamDigest, Some(channel)) => (
                        channel.as_str().to_string(),
                        manager.id.as_str().to_string(),
                    ),
                    (Job::TeamDigest, None) => continue,
                    _ => (manager.id.as_str().to_string(), String::new()),
                };
                let now = at.instant_in(manager.tz(), schedule);
                if !fired(manager.tz(), now) {
                    continue;
                }
                let mut decision =
                    Decision::new(manager.workspace.clone(), job, recipient, manager.tz(), now);
                decision.subject = subject;
                match decide_for(ctx, &manager, decision).await {
                    Ok(Some(decision)) => decisions.push(decision),
                    Ok(None) => {}
                    Err(error) => skipped(job, &manager_error(&manager, error)),
                }
            }
        }
        Job::Digest => {
            let Some(channel) = ctx.settings.digest.channel.clone() else {
                return Ok(decisions);
            };
            let tz = ctx.settings.digest.timezone;
            let now = at.instant_in(tz, schedule);
            if !fired(tz, now) {
                return Ok(decisions);
            }
            let mut by_workspace: BTreeMap<WorkspaceId, Vec<Manager>> = BTreeMap::new();
            for manager in managers {
                by_workspace
                    .entry(manager.workspace.clone())
                    .or_default()
                    .push(manager);
            }
            for (workspace, managers) in by_workspace {
                let mut decision =
                    Decision::new(workspace, job, channel.as_str().to_string(), tz, now);
                if already_decided(ctx, &decision).await? {
                    continue;
                }
                decision.say = Say::Digest(digest(ctx, &managers, now).await);
                decisions.push(decision);
            }
        }
    }
    Ok(decisions)
}

/// One manager's decision, or `None` when they have that day's already.
async fn decide_for(
    ctx: &AppContext,
    manager: &Manager,
    mut decision: Decision,
) -> Result<Option<Decision>, StoreError> {
    if already_decided(ctx, &decision).await? {
        return Ok(None);
    }
    let now = decision.at;
    decision.say = match decision.job {
        Job::MeetingCheck => meeting_check(ctx, manager, now).await?,
        Job::CoachingPace => coaching_pace(ctx, manager, now).await?,
        _ => Say::TeamDigest(team_digest(ctx, manager, now).await?),
    };
    Ok(Some(decision))
}

fn manager_error(manager: &Manager, error: StoreError) -> UnreadableManager {
    UnreadableManager {
        workspace: manager.workspace.as_str().to_string(),
        user: manager.id.as_str().to_string(),
        error,
    }
}

/// Logs a manager a job leaves out because their records cannot be read.
fn skipped(job: Job, unreadable: &UnreadableManager) {
    tracing::error!(
        %job, workspace = %unreadable.workspace, user = %unreadable.user,
        error = %causes::one_line(unreadable),
        "skipped a manager whose records cannot be read; the others go on"
    );
}

async fn already_decided(ctx: &AppContext, decision: &Decision) -> Result<bool, StoreError> {
    ctx.store
        .reminder_exists(
            &decision.workspace,
            decision.job,
            &decision.recipient,
            decision.local_date,
            &decision.subject,
        )
        .await
}

async fn meeting_check(
    ctx: &AppContext,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<Say, StoreError> {
    let today = manager.today(now);
    let team = ctx.store.current_team(manager).await?;
    let state = ctx.meeting_state(manager, today).await?;
    Ok(
        match reminders::meeting_check(manager, team.len(), state, today) {
            Ok(state) => Say::MeetingDue(state),
            Err(reason) => Say::Nothing(reason),
        },
    )
}

async fn coaching_pace(
    ctx: &AppContext,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<Say, StoreError> {
    let today = manager.today(now);
    let month = YearMonth::of(today);
    let (progress, activity) = ctx.team_month(manager, month, today, Some(today)).await?;
    Ok(
        match reminders::coaching_pace(
            manager,
            &progress,
            &activity,
            month,
            today,
            ctx.settings.coaching.nudge_when_behind_minutes,
        ) {
            Ok(behind) => Say::Behind(behind),
            Err(reason) => Say::Nothing(reason),
        },
    )
}

/// Each manager's line; one whose records cannot be read is logged and left
/// out.
async fn digest(ctx: &AppContext, managers: &[Manager], now: DateTime<Utc>) -> Vec<ManagerDigest> {
    let mut lines = Vec::with_capacity(managers.len());
    for manager in managers {
        match manager_digest(ctx, manager, now).await {
            Ok(line) => lines.push(line),
            Err(error) => skipped(Job::Digest, &manager_error(manager, error)),
        }
    }
    lines
}

/// A manager's line: their team's month and their own time in it, both as
/// of today.
async fn manager_digest(
    ctx: &AppContext,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<ManagerDigest, StoreError> {
    let today = manager.today(now);
    let team = team_digest(ctx, manager, now).await?;
    let coached = ctx
        .manager_time(manager, YearMonth::of(today), Some(today))
        .await?;
    Ok(reminders::manager_digest(
        manager,
        &team.reps,
        coached,
        team.meetings_last_7_days,
        today,
    ))
}

/// A manager's team this month, and their meetings in the last 7 days.
async fn team_digest(
    ctx: &AppContext,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<TeamDigest, StoreError> {
    let today = manager.today(now);
    let reps = ctx
        .team_month(manager, YearMonth::of(today), today, Some(today))
        .await?
        .0;
    let meetings_last_7_days = ctx
        .store
        .meetings_between(
            manager,
            today - Duration::days(6),
            today + Duration::days(1),
        )
        .await?;
    Ok(TeamDigest {
        manager: manager.id.clone(),
        meetings_last_7_days,
        reps,
    })
}
