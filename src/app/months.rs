//! Each rep's month against pace, the manager's dashboard and a month's
//! report, and how long since the last team meeting.

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppContext, Dashboard, Failure, MonthReport};
use crate::domain::{
    manager_month_time, meeting_state, reps_month, team_month, Confirmation, Counting, Manager,
    ManagerTime, MeetingState, MonthActivity, RepProgress, SlackUserId, YearMonth,
};
use crate::store::StoreError;

impl AppContext {
    /// Everyone on the manager's team in `month` (those who left too), each
    /// rep's month by the one rule on `today`, counting the entries held on
    /// or before `held_by` (every one stored, when `None`); with the records
    /// it came from.
    pub async fn team_month(
        &self,
        manager: &Manager,
        month: YearMonth,
        today: NaiveDate,
        held_by: Option<NaiveDate>,
    ) -> Result<(Vec<RepProgress>, MonthActivity), StoreError> {
        let activity = self.store.team_month_activity(manager, month).await?;
        let counting = self.counting(month, today, held_by);
        Ok((team_month(&manager.id, counting, &activity), activity))
    }

    /// How a month is counted on `today`: the entries held on or before
    /// `held_by` (every one stored, when `None`), against the target.
    pub(super) fn counting(
        &self,
        month: YearMonth,
        today: NaiveDate,
        held_by: Option<NaiveDate>,
    ) -> Counting {
        Counting {
            month,
            today,
            held_by,
            target: self.target(),
        }
    }

    /// These reps' months as the manager's team sees them, from records
    /// already read; reps never on the team that month are left out.
    pub(super) fn reps_progress(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        month: YearMonth,
        activity: &MonthActivity,
        today: NaiveDate,
    ) -> Vec<RepProgress> {
        reps_month(
            &manager.id,
            reps,
            self.counting(month, today, None),
            activity,
        )
    }

    /// The manager's own coaching time in `month`, each 1:1 and each team
    /// meeting once, of the entries held on or before `held_by` (every one
    /// stored, when `None`).
    pub async fn manager_time(
        &self,
        manager: &Manager,
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> Result<ManagerTime, StoreError> {
        let days = self.store.manager_days(manager, month).await?;
        Ok(manager_month_time(&days, month, held_by))
    }

    /// How long since the manager's last team meeting held by `today`.
    pub async fn meeting_state(
        &self,
        manager: &Manager,
        today: NaiveDate,
    ) -> Result<MeetingState, StoreError> {
        Ok(self.meeting_state_of(
            manager,
            self.store.last_meeting(manager, today).await?,
            self.store.team_since(manager).await?,
            today,
        ))
    }

    /// How long since the manager's last team meeting, from records
    /// already read: the day of that meeting and the day the team began.
    pub(super) fn meeting_state_of(
        &self,
        manager: &Manager,
        last_meeting: Option<NaiveDate>,
        team_since: Option<NaiveDate>,
        today: NaiveDate,
    ) -> MeetingState {
        meeting_state(
            self.meeting_policy(),
            last_meeting,
            team_since,
            manager.today(manager.first_used),
            today,
        )
    }

    pub(super) async fn dashboard(
        &self,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, StoreError> {
        let today = manager.today(now);
        let month = YearMonth::of(today);
        let (reps, _) = self.team_month(manager, month, today, None).await?;
        Ok(Dashboard {
            today,
            month,
            target: self.target(),
            reps,
            meeting: self.meeting_state(manager, today).await?,
            snoozed_until: manager.snoozed_on(today),
        })
    }

    pub(super) async fn report(
        &self,
        manager: &Manager,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<MonthReport, Failure> {
        let today = manager.today(now);
        let (reps, _) = self.team_month(manager, month, today, None).await?;
        let meetings = self
            .store
            .meetings_between(manager, month.first_day(), month.next().first_day())
            .await?;
        let rep_ids: Vec<SlackUserId> = reps.iter().map(|p| p.rep.clone()).collect();
        let words = self
            .store
            .month_confirmations(&manager.workspace, month, &rep_ids)
            .await?
            .into_iter()
            .filter(|(_, word, _)| *word != Confirmation::NotAsked)
            .collect();
        Ok(MonthReport {
            month,
            finished: today >= month.next().first_day(),
            target: self.target(),
            reps,
            meetings,
            manager_time: self.manager_time(manager, month, None).await?,
            words,
        })
    }
}
