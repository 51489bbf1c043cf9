//! The App Home tab as data: a manager's month at a glance, a rep's own
//! month, or, for someone with neither, what coachbot is for.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{AppContext, Failure};
use crate::domain::{
    next_firing, reps_month, Confirmation, Counting, Job, ListedEntry, Manager, MeetingState,
    Membership, RepProgress, RepSession, SlackChannelId, SlackUserId, WorkspaceId, YearMonth,
};

/// How many of the latest entries the tab lists.
const LATEST_ENTRIES: u32 = 8;

/// What someone sees on coachbot's Home tab.
#[derive(Debug, Clone, PartialEq)]
pub enum Home {
    /// Neither a team of their own nor on anyone's: what coachbot is for.
    Newcomer {
        target: u32,
    },
    Manager(Box<ManagerHome>),
    Rep(RepHome),
}

/// A manager's month at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerHome {
    pub today: NaiveDate,
    pub month: YearMonth,
    pub target: u32,
    /// Each rep on the team this month, their month against pace (or the
    /// day they left).
    pub reps: Vec<RepProgress>,
    /// The team with each rep's join day, in the order they joined.
    pub team: Vec<Membership>,
    pub meeting: MeetingState,
    /// The day the next team meeting is due, counted like the reminder.
    pub next_meeting_due: Option<NaiveDate>,
    /// The next meeting and pace checks, in the manager's zone.
    pub next_reminders: Vec<(Job, DateTime<Tz>)>,
    pub snoozed_until: Option<NaiveDate>,
    pub latest: Vec<ListedEntry>,
    /// How many 1:1s this month stand at each rep's word, over the team.
    pub confirmations: Vec<(Confirmation, u32)>,
    pub tz: Tz,
    pub tz_overridden: bool,
    pub digest_channel: Option<SlackChannelId>,
    /// Reps are asked to confirm their 1:1s in this workspace.
    pub reps_confirm: bool,
}

/// A rep's own month: their minutes against pace on their current team,
/// and each 1:1 with whichever manager held it.
#[derive(Debug, Clone, PartialEq)]
pub struct RepHome {
    pub today: NaiveDate,
    pub month: YearMonth,
    pub target: u32,
    /// `None` when they are on no team today.
    pub progress: Option<RepProgress>,
    pub manager: Option<SlackUserId>,
    pub sessions: Vec<RepSession>,
}

impl AppContext {
    /// The Home tab for `user` at this moment.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub async fn home(&self, workspace: &WorkspaceId, user: &SlackUserId) -> Result<Home, Failure> {
        let now = self.clock.now();
        let manager = self.known_manager(workspace, user).await?;
        if let Some(manager) = &manager {
            let members = self.store.current_team(manager).await?;
            if !members.is_empty() {
                return Ok(Home::Manager(Box::new(
                    self.manager_home(manager, members, now).await?,
                )));
            }
        }
        // Someone coachbot has not met has no zone of their own yet.
        let tz = manager.as_ref().map_or(Tz::UTC, Manager::tz);
        let today = now.with_timezone(&tz).date_naive();
        let month = YearMonth::of(today);
        let activity = self
            .store
            .month_activity(workspace, std::slice::from_ref(user), month)
            .await?;
        let sessions = self.store.rep_sessions(workspace, user, month).await?;
        if activity.memberships.is_empty() && sessions.is_empty() {
            return Ok(Home::Newcomer {
                target: self.target(),
            });
        }
        let current = activity
            .memberships
            .iter()
            .find(|m| m.left_on.is_none())
            .map(|m| m.manager.clone());
        let progress = current.as_ref().and_then(|manager| {
            let counting = Counting {
                month,
                today,
                held_by: None,
                target: self.target(),
            };
            reps_month(manager, std::slice::from_ref(user), counting, &activity)
                .into_iter()
                .next()
        });
        Ok(Home::Rep(RepHome {
            today,
            month,
            target: self.target(),
            progress,
            manager: current,
            sessions,
        }))
    }

    async fn manager_home(
        &self,
        manager: &Manager,
        team: Vec<Membership>,
        now: DateTime<Utc>,
    ) -> Result<ManagerHome, Failure> {
        let today = manager.today(now);
        let month = YearMonth::of(today);
        let (reps, _) = self.team_month(manager, month, today, None).await?;
        let meeting = self.meeting_state(manager, today).await?;
        let snoozed_until = manager.snoozed_on(today);
        let next_reminders = [Job::MeetingCheck, Job::CoachingPace]
            .into_iter()
            .filter_map(|job| {
                next_firing(self.settings.jobs.of(job), manager.tz(), now, snoozed_until)
                    .map(|at| (job, at.with_timezone(&manager.tz())))
            })
            .collect();
        let rep_ids: Vec<SlackUserId> = team.iter().map(|m| m.rep.clone()).collect();
        let mut confirmations: Vec<(Confirmation, u32)> = Vec::new();
        for (_, word, count) in self
            .store
            .month_confirmations(&manager.workspace, month, &rep_ids)
            .await?
        {
            match confirmations.iter_mut().find(|(seen, _)| *seen == word) {
                Some((_, total)) => *total += count,
                None => confirmations.push((word, count)),
            }
        }
        Ok(ManagerHome {
            today,
            month,
            target: self.target(),
            reps,
            next_meeting_due: next_meeting_due(
                meeting,
                self.meeting_policy().due_after_days,
                today,
            ),
            meeting,
            next_reminders,
            snoozed_until,
            latest: self.store.latest_entries(manager, LATEST_ENTRIES).await?,
            confirmations,
            team,
            tz: manager.tz(),
            tz_overridden: manager.tz_override.is_some(),
            digest_channel: manager.digest_channel.clone(),
            reps_confirm: self.settings.coaching.ask_reps_to_confirm,
        })
    }
}

/// The day the team meeting falls due: `due_after_days` after the day the
/// days are counted from (today, when it is due already).
fn next_meeting_due(
    state: MeetingState,
    due_after_days: u32,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match state {
        MeetingState::NoTeam => None,
        MeetingState::OnTrack { days_since, .. } => Some(
            today
                + chrono::Duration::days(i64::from(
                    due_after_days - days_since.min(due_after_days),
                )),
        ),
        MeetingState::Due { .. } | MeetingState::Overdue { .. } => Some(today),
    }
}
