//! What the store hands the domain: plain records with typed fields.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::types::{Activity, SlackChannelId, SlackUserId, WorkspaceId};

/// A manager as the bot knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    pub workspace: WorkspaceId,
    pub id: SlackUserId,
    /// The zone Slack reported, used unless `tz_override` is set.
    pub slack_tz: Tz,
    pub tz_override: Option<Tz>,
    /// The first local day reminders come back.
    pub snoozed_until: Option<NaiveDate>,
    /// When they first used coachbot: a team that never met is not counted
    /// as overdue from before then.
    pub first_used: DateTime<Utc>,
    /// Where their team's digest goes, if anywhere.
    pub digest_channel: Option<SlackChannelId>,
}

impl Manager {
    pub fn tz(&self) -> Tz {
        self.tz_override.unwrap_or(self.slack_tz)
    }

    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        local_date(now, self.tz())
    }

    /// The day reminders come back, if they are paused on `day`: the one
    /// snooze rule every job and answer uses.
    pub fn snoozed_on(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.snoozed_until.filter(|until| day < *until)
    }
}

/// A rep's join day moving back to an earlier 1:1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinMove {
    pub rep: SlackUserId,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The calendar date an instant falls on in a time zone.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// A rep's time on one manager's team: from `joined_on` up to, not
/// including, `left_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub manager: SlackUserId,
    pub rep: SlackUserId,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl Membership {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|left| day < left)
    }
}

/// One rep's share of a 1:1 session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub rep: SlackUserId,
    pub minutes: u32,
    pub activity: Activity,
    pub held_on: NaiveDate,
}

/// A team meeting, which counts for every rep on the team that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub manager: SlackUserId,
    pub minutes: u32,
    pub held_on: NaiveDate,
}

/// Everything needed to total some reps' coaching in one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthActivity {
    pub memberships: Vec<Membership>,
    pub sessions: Vec<SessionRecord>,
    pub meetings: Vec<MeetingRecord>,
}
