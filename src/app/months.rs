//! Each rep's month against pace, the manager's dashboard and a month's
//! report, and how long since the last team meeting.

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppContext, Dashboard, Failure, MonthReport};
use crate::domain::{
    meeting_state, pace, rep_month_minutes, Confirmation, Manager, MeetingState, Membership,
    MonthActivity, RepProgress, SlackUserId, YearMonth,
};
use crate::store::StoreError;

impl AppContext {
    /// Each member's month so far against pace.
    pub(super) async fn progress(
        &self,
        manager: &Manager,
        members: &[Membership],
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<Vec<RepProgress>, StoreError> {
        Ok(self.team_month(manager, members, month, now).await?.0)
    }

    /// Each member's month against pace, with the records it came from.
    pub async fn team_month(
        &self,
        manager: &Manager,
        members: &[Membership],
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RepProgress>, MonthActivity), StoreError> {
        let reps: Vec<SlackUserId> = members.iter().map(|m| m.rep.clone()).collect();
        let today = manager.today(now);
        let activity = self
            .store
            .month_activity(&manager.team, &reps, month)
            .await?
            .held_by(today);
        let progress = self.rep_progress(members, month, &activity, today);
        Ok((progress, activity))
    }

    pub(super) fn rep_progress(
        &self,
        members: &[Membership],
        month: YearMonth,
        activity: &MonthActivity,
        today: NaiveDate,
    ) -> Vec<RepProgress> {
        members
            .iter()
            .map(|member| {
                let minutes = rep_month_minutes(&member.rep, month, activity);
                RepProgress {
                    rep: member.rep.clone(),
                    minutes,
                    pace: pace(
                        self.target(),
                        month,
                        today,
                        member.joined_on,
                        minutes.total(),
                    ),
                    joined_mid_month: Some(member.joined_on)
                        .filter(|joined| *joined > month.first_day()),
                }
            })
            .collect()
    }

    /// How long since the manager's last team meeting held by `today`.
    pub async fn meeting_state(
        &self,
        manager: &Manager,
        today: NaiveDate,
    ) -> Result<MeetingState, StoreError> {
        Ok(meeting_state(
            self.meeting_policy(),
            self.store.last_meeting(manager, today).await?,
            self.store.team_since(manager).await?,
            manager.today(manager.first_used),
            today,
        ))
    }

    pub(super) async fn dashboard(
        &self,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, StoreError> {
        let today = manager.today(now);
        let month = YearMonth::of(today);
        let team = self.store.current_team(manager).await?;
        let progress = self.progress(manager, &team, month, now).await?;
        Ok(Dashboard {
            today,
            month,
            target: self.target(),
            reps: progress,
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
        let team = self.store.team_during(manager, month).await?;
        let reps = self.progress(manager, &team, month, now).await?;
        let meetings = self
            .store
            .meetings_between(manager, month.first_day(), month.next().first_day())
            .await?;
        let today = manager.today(now);
        let rep_ids: Vec<SlackUserId> = reps.iter().map(|p| p.rep.clone()).collect();
        let words = self
            .store
            .month_confirmations(&manager.team, month, &rep_ids)
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
            words,
        })
    }
}
