//! What the reminder jobs have to say, to whom, at an instant: the records
//! gathered, the domain's rules applied, the outcome returned as data. The
//! scheduler renders these decisions, stores them as reminder rows and
//! has them delivered.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, StreamExt};

use super::AppContext;
use crate::causes;
use crate::domain::reminders;
use crate::domain::{
    local_date, manager_month_time, scheduled_on, start_of_day, team_month, todays_firing,
    BehindRep, Job, Manager, ManagerDigest, MeetingState, SkipReason, TeamDigest, WorkspaceId,
    YearMonth,
};
use crate::store::{PerManager, ReminderKey, StoreError, UnreadableManager, ZoneNames};

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

/// How many managers one set read covers: a job over 100,000 reps is a
/// few dozen reads, and what one read holds stays small.
const MANAGERS_PER_READ: usize = 1_000;

/// How many of those reads a job has in flight: SQLite runs each on its
/// connection's own thread, so two keep both cores of a small machine busy
/// and leave the other readers to commands.
const READS_AT_ONCE: usize = 2;

/// Who gets what from `job` at `at`. With [`Trigger::Schedule`], only
/// recipients whose local firing has passed today; either way, none who
/// already have that day's reminder. The records are read for all due
/// managers at once, grouped by their local day, and the domain's rules
/// applied per manager. A manager whose records cannot be read is logged
/// and left out; the others still get theirs.
#[tracing::instrument(skip(ctx), fields(job = %job, at = %at))]
pub async fn decide(
    ctx: &AppContext,
    job: Job,
    at: RunAt,
    trigger: Trigger,
) -> Result<Vec<Decision>, StoreError> {
    let schedule = ctx.settings.jobs.of(job);
    let fired = |tz: Tz, now| trigger == Trigger::Now || todays_firing(schedule, tz, now).is_some();
    match job {
        Job::MeetingCheck | Job::CoachingPace | Job::TeamDigest => {
            // Zone by zone: the day the job is due there, if it has fired.
            let mut zones: Vec<(ZoneNames, Option<NaiveDate>)> = Vec::new();
            for names in ctx.store.managers_zones().await? {
                match names.zone {
                    Some(tz) => {
                        let now = at.instant_in(tz, schedule);
                        if fired(tz, now) {
                            zones.push((names, Some(local_date(now, tz))));
                        }
                    }
                    None => zones.push((names, None)),
                }
            }
            let mut decisions = Vec::new();
            let mut managers = Vec::new();
            for read in ctx.store.undecided_managers(job, &zones).await? {
                let manager = match read {
                    Ok(manager) => manager,
                    Err(unreadable) => {
                        skipped(job, &unreadable);
                        continue;
                    }
                };
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
                let mut decision =
                    Decision::new(manager.workspace.clone(), job, recipient, manager.tz(), now);
                decision.subject = subject;
                decisions.push(decision);
                managers.push(manager);
            }
            let days: Vec<NaiveDate> = decisions.iter().map(|d| d.local_date).collect();
            let says = by_day(&managers, &days, |group, today| {
                async move { plan(ctx, job, &group, today).await }.boxed()
            })
            .await?;
            Ok(decisions
                .into_iter()
                .zip(managers)
                .zip(says)
                .filter_map(|((mut decision, manager), say)| match say {
                    Ok(say) => {
                        decision.say = say;
                        Some(decision)
                    }
                    Err(error) => {
                        skipped(job, &manager_error(&manager, error));
                        None
                    }
                })
                .collect())
        }
        Job::Digest => {
            let Some(channel) = ctx.settings.digest.channel.clone() else {
                return Ok(Vec::new());
            };
            let tz = ctx.settings.digest.timezone;
            let now = at.instant_in(tz, schedule);
            if !fired(tz, now) {
                return Ok(Vec::new());
            }
            // Once every workspace has the day's digest, no manager is read.
            let workspaces = ctx.store.workspaces_with_reps().await?;
            let waiting: Vec<(Decision, ())> = workspaces
                .into_iter()
                .map(|workspace| {
                    let recipient = channel.as_str().to_string();
                    (Decision::new(workspace, job, recipient, tz, now), ())
                })
                .collect();
            if undecided(ctx, job, waiting).await?.is_empty() {
                return Ok(Vec::new());
            }
            let mut managers = Vec::new();
            for read in ctx.store.managers_with_reps().await? {
                match read {
                    Ok(manager) => managers.push(manager),
                    Err(unreadable) => skipped(job, &unreadable),
                }
            }
            let mut by_workspace: BTreeMap<WorkspaceId, Vec<Manager>> = BTreeMap::new();
            for manager in managers {
                by_workspace
                    .entry(manager.workspace.clone())
                    .or_default()
                    .push(manager);
            }
            let due = by_workspace
                .into_iter()
                .map(|(workspace, managers)| {
                    let recipient = channel.as_str().to_string();
                    (Decision::new(workspace, job, recipient, tz, now), managers)
                })
                .collect();
            let due = undecided(ctx, job, due).await?;
            let managers: Vec<Manager> = due.iter().flat_map(|(_, m)| m.iter().cloned()).collect();
            let days: Vec<NaiveDate> = managers.iter().map(|m| m.today(now)).collect();
            let mut lines = by_day(&managers, &days, |group, today| {
                async move { manager_digests(ctx, &group, today).await }.boxed()
            })
            .await?
            .into_iter()
            .zip(&managers);
            Ok(due
                .into_iter()
                .map(|(mut decision, in_workspace)| {
                    let digests = lines
                        .by_ref()
                        .take(in_workspace.len())
                        .filter_map(|(line, manager)| match line {
                            Ok(line) => Some(line),
                            Err(error) => {
                                skipped(job, &manager_error(manager, error));
                                None
                            }
                        })
                        .collect();
                    decision.say = Say::Digest(digests);
                    decision
                })
                .collect())
        }
    }
}

/// Of the decisions due, those whose reminder is not stored yet: one read
/// per local day.
async fn undecided<T>(
    ctx: &AppContext,
    job: Job,
    due: Vec<(Decision, T)>,
) -> Result<Vec<(Decision, T)>, StoreError> {
    let mut stored = vec![false; due.len()];
    for (day, positions) in positions_by_day(due.iter().map(|(d, _)| d.local_date)) {
        let keys: Vec<ReminderKey> = positions
            .iter()
            .map(|&i| {
                let decision = &due[i].0;
                ReminderKey {
                    workspace: decision.workspace.as_str().to_string(),
                    recipient: decision.recipient.clone(),
                    subject: decision.subject.clone(),
                }
            })
            .collect();
        let found = ctx.store.stored_reminders(job, day, &keys).await?;
        for (i, found) in positions.into_iter().zip(found) {
            stored[i] = found;
        }
    }
    Ok(due
        .into_iter()
        .zip(stored)
        .filter_map(|(due, stored)| (!stored).then_some(due))
        .collect())
}

/// `plan`'s result for each manager, in their order: the managers are
/// grouped by their local day (`days`, one each), and `plan` is given a
/// group at most [`MANAGERS_PER_READ`] at a time, [`READS_AT_ONCE`] groups
/// in flight.
async fn by_day<'a, T>(
    managers: &[Manager],
    days: &[NaiveDate],
    plan: impl Fn(Vec<Manager>, NaiveDate) -> BoxFuture<'a, Result<PerManager<T>, StoreError>>,
) -> Result<PerManager<T>, StoreError> {
    let groups: Vec<(NaiveDate, Vec<usize>)> = positions_by_day(days.iter().copied())
        .into_iter()
        .flat_map(|(day, positions)| {
            positions
                .chunks(MANAGERS_PER_READ)
                .map(|chunk| (day, chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut reads = stream::iter(groups.into_iter().map(|(day, chunk)| {
        let group = chunk.iter().map(|&i| managers[i].clone()).collect();
        plan(group, day).map(move |planned| planned.map(|planned| (chunk, planned)))
    }))
    .buffered(READS_AT_ONCE);
    let mut planned = Vec::with_capacity(managers.len());
    while let Some(read) = reads.next().await {
        let (chunk, results) = read?;
        planned.extend(chunk.into_iter().zip(results));
    }
    planned.sort_by_key(|(i, _)| *i);
    Ok(planned.into_iter().map(|(_, result)| result).collect())
}

/// The positions of the days given, grouped by day.
fn positions_by_day(days: impl Iterator<Item = NaiveDate>) -> BTreeMap<NaiveDate, Vec<usize>> {
    let mut by_day: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for (i, day) in days.enumerate() {
        by_day.entry(day).or_default().push(i);
    }
    by_day
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

/// What `job` has for each of these managers, all on local day `today`.
async fn plan(
    ctx: &AppContext,
    job: Job,
    managers: &[Manager],
    today: NaiveDate,
) -> Result<PerManager<Say>, StoreError> {
    Ok(match job {
        Job::MeetingCheck => meeting_checks(ctx, managers, today).await?,
        Job::CoachingPace => coaching_paces(ctx, managers, today).await?,
        _ => team_digests(ctx, managers, today)
            .await?
            .into_iter()
            .map(|team| team.map(Say::TeamDigest))
            .collect(),
    })
}

async fn meeting_checks(
    ctx: &AppContext,
    managers: &[Manager],
    today: NaiveDate,
) -> Result<PerManager<Say>, StoreError> {
    let stints = ctx.store.managers_stints(managers).await?;
    let meetings = ctx.store.managers_meetings(managers, today, today).await?;
    Ok(managers
        .iter()
        .zip(stints)
        .zip(meetings)
        .map(|((manager, stints), meetings)| {
            let stints = stints?;
            let on_team_now = stints.iter().filter(|s| s.left_on.is_none()).count();
            let team_since = stints.iter().map(|s| s.joined_on).min();
            let state = ctx.meeting_state_of(manager, meetings?.last_held, team_since, today);
            Ok(
                match reminders::meeting_check(manager, on_team_now, state, today) {
                    Ok(state) => Say::MeetingDue(state),
                    Err(reason) => Say::Nothing(reason),
                },
            )
        })
        .collect())
}

async fn coaching_paces(
    ctx: &AppContext,
    managers: &[Manager],
    today: NaiveDate,
) -> Result<PerManager<Say>, StoreError> {
    let month = YearMonth::of(today);
    let counting = ctx.counting(month, today, Some(today));
    let activities = ctx
        .store
        .team_month_activities(managers, month, Some(today))
        .await?;
    Ok(managers
        .iter()
        .zip(activities)
        .map(|(manager, activity)| {
            let activity = activity?;
            let progress = team_month(&manager.id, counting, &activity);
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
        })
        .collect())
}

/// Each manager's team this month, and their meetings in the last 7 days.
async fn team_digests(
    ctx: &AppContext,
    managers: &[Manager],
    today: NaiveDate,
) -> Result<PerManager<TeamDigest>, StoreError> {
    let month = YearMonth::of(today);
    let counting = ctx.counting(month, today, Some(today));
    let activities = ctx
        .store
        .team_month_activities(managers, month, Some(today))
        .await?;
    let meetings = ctx
        .store
        .managers_meetings(managers, today - Duration::days(6), today)
        .await?;
    Ok(managers
        .iter()
        .zip(activities)
        .zip(meetings)
        .map(|((manager, activity), meetings)| {
            Ok(TeamDigest {
                manager: manager.id.clone(),
                meetings_last_7_days: meetings?.held_since,
                reps: team_month(&manager.id, counting, &activity?),
            })
        })
        .collect())
}

/// Each manager's line: their team's month and their own time in it, both
/// as of today.
async fn manager_digests(
    ctx: &AppContext,
    managers: &[Manager],
    today: NaiveDate,
) -> Result<PerManager<ManagerDigest>, StoreError> {
    let month = YearMonth::of(today);
    let teams = team_digests(ctx, managers, today).await?;
    let days = ctx.store.managers_days(managers, month).await?;
    Ok(managers
        .iter()
        .zip(teams)
        .zip(days)
        .map(|((manager, team), days)| {
            let team = team?;
            let coached = manager_month_time(&days?, month, Some(today));
            Ok(reminders::manager_digest(
                manager,
                &team.reps,
                coached,
                team.meetings_last_7_days,
                today,
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::domain::SlackUserId;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("test day")
    }

    fn manager(i: usize) -> Manager {
        Manager {
            workspace: WorkspaceId::parse("T0TEAM").expect("workspace"),
            id: SlackUserId::parse(&format!("U0M{i:05}")).expect("user"),
            slack_tz: Tz::UTC,
            tz_override: None,
            snoozed_until: None,
            first_used: DateTime::<Utc>::UNIX_EPOCH,
            digest_channel: None,
        }
    }

    #[tokio::test]
    async fn a_job_keeps_two_set_reads_in_flight_and_no_more() {
        let managers: Vec<Manager> = (0..5 * MANAGERS_PER_READ).map(manager).collect();
        let days = vec![day("2026-11-30"); managers.len()];
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);

        by_day(&managers, &days, |group, _| {
            let (in_flight, most) = (&in_flight, &most);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(group.into_iter().map(|_| Ok(())).collect())
            }
            .boxed()
        })
        .await
        .expect("planned");

        assert_eq!(most.into_inner(), READS_AT_ONCE);
    }

    #[tokio::test]
    async fn each_manager_gets_its_own_days_result_in_order_from_reads_of_one_day_and_a_bounded_size(
    ) {
        let managers: Vec<Manager> = (0..4_000).map(manager).collect();
        let days: Vec<NaiveDate> = (0..managers.len())
            .map(|i| day(["2026-11-29", "2026-11-30", "2026-12-01"][i % 3]))
            .collect();
        let reads = Mutex::new(Vec::new());

        let planned = by_day(&managers, &days, |group, today| {
            reads.lock().expect("reads").push((today, group.len()));
            async move {
                Ok(group
                    .into_iter()
                    .map(|manager| Ok((manager.id, today)))
                    .collect())
            }
            .boxed()
        })
        .await
        .expect("planned");

        let planned: Vec<(SlackUserId, NaiveDate)> = planned
            .into_iter()
            .map(|result| result.expect("planned"))
            .collect();
        let expected: Vec<(SlackUserId, NaiveDate)> = managers
            .iter()
            .zip(&days)
            .map(|(manager, day)| (manager.id.clone(), *day))
            .collect();
        assert_eq!(planned, expected);
        let reads = reads.into_inner().expect("reads");
        assert_eq!(reads.len(), 6, "{reads:?}");
        assert!(reads.iter().all(|(_, size)| *size <= MANAGERS_PER_READ));
    }
}
