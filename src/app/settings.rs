//! The small forms behind the Home tab's buttons: add reps, a rep's join
//! day, removing a rep, the time zone, a snooze, the team's digest channel.
//! Each is checked by the rules of the typed command it stands for and
//! carried out by the same use case.

use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;

use super::forms::{Field, FieldError, Submitted};
use super::{Answer, AppContext, Failure, Reply};
use crate::command::{DigestChange, SnoozeChange, TeamChange, TimeZoneChange};
use crate::domain::{ShownDay, SlackChannelId, SlackUserId, WorkspaceId};

/// What a settings form asks for, as Slack sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Reps to add, and the day they joined (today when none).
    AddReps {
        reps: Vec<SlackUserId>,
        since: Option<NaiveDate>,
    },
    /// The day a rep joined the team.
    JoinDay {
        rep: SlackUserId,
        day: Option<NaiveDate>,
    },
    RemoveRep(SlackUserId),
    /// `None`: back to the zone Slack reports.
    TimeZone(Option<Tz>),
    /// The day reminders come back; `None` turns them back on now.
    SnoozeUntil(Option<NaiveDate>),
    /// `None` turns the team digest off.
    DigestChannel(Option<SlackChannelId>),
}

impl AppContext {
    /// Checks a settings form and carries it out like the typed command.
    #[tracing::instrument(skip(self, setting), fields(workspace = %workspace, user = %user))]
    pub async fn apply_setting(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        setting: Setting,
    ) -> Submitted {
        let now = self.clock.now();
        match self.try_apply(workspace, user, setting, now).await {
            Ok(submitted) => submitted,
            Err(error) => Submitted::Answered(self.failed(error, now)),
        }
    }

    async fn try_apply(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        setting: Setting,
        now: DateTime<Utc>,
    ) -> Result<Submitted, Failure> {
        let (manager, _) = self.manager(workspace, user, now).await?;
        let today = manager.today(now);
        let reply = match setting {
            Setting::AddReps { reps, since } => {
                if reps.is_empty() {
                    return Ok(errors(Field::Reps, "Pick at least one rep to add."));
                }
                if let Some(error) = since.and_then(|day| join_day_error(day, today)) {
                    return Ok(errors(Field::Day, &error));
                }
                self.change_team(&manager, TeamChange::Add { reps, since }, now)
                    .await?
            }
            Setting::JoinDay { rep, day } => {
                let Some(day) = day else {
                    return Ok(errors(Field::Day, "Pick the day they joined your team."));
                };
                if let Some(error) = join_day_error(day, today) {
                    return Ok(errors(Field::Day, &error));
                }
                let change = TeamChange::Add {
                    reps: vec![rep],
                    since: Some(day),
                };
                self.change_team(&manager, change, now).await?
            }
            Setting::RemoveRep(rep) => {
                let change = TeamChange::Remove {
                    reps: vec![rep],
                    on: None,
                };
                self.change_team(&manager, change, now).await?
            }
            Setting::TimeZone(tz) => {
                let change = tz.map_or(TimeZoneChange::Reset, TimeZoneChange::Set);
                self.time_zone(&manager, change, now).await?
            }
            Setting::SnoozeUntil(None) => self.snooze(&manager, SnoozeChange::Off, now).await?,
            Setting::SnoozeUntil(Some(day)) => {
                if let Some(error) = snooze_error(day, today) {
                    return Ok(errors(Field::Day, &error));
                }
                self.snooze(&manager, SnoozeChange::Until(day), now).await?
            }
            Setting::DigestChannel(channel) => {
                let change = channel.map_or(DigestChange::Off, DigestChange::Set);
                match self.digest_channel(&manager, change).await? {
                    Reply::DigestNeedsInvite(channel) => {
                        return Ok(errors(
                            Field::Channel,
                            &format!("I'm not in that channel yet. Type /invite @coachbot in it, then pick it again (it is {channel})."),
                        ))
                    }
                    reply => reply,
                }
            }
        };
        Ok(Submitted::Answered(Answer { reply, today }))
    }
}

fn errors(field: Field, message: &str) -> Submitted {
    Submitted::Errors(vec![FieldError {
        field,
        message: message.to_string(),
    }])
}

/// The typed command's rule for a join day: today or any day before.
fn join_day_error(day: NaiveDate, today: NaiveDate) -> Option<String> {
    (day > today).then(|| {
        format!(
            "{} hasn't come yet, and a join day is today or earlier.",
            ShownDay::new(day, today)
        )
    })
}

/// The typed command's rule for a snooze: back after today, within a year.
fn snooze_error(day: NaiveDate, today: NaiveDate) -> Option<String> {
    let shown = ShownDay::new(day, today);
    if day <= today {
        Some(format!(
            "Reminders would come back on {shown}, which isn't after today. Pick a later day."
        ))
    } else if today
        .checked_add_months(Months::new(12))
        .is_none_or(|latest| day > latest)
    {
        Some(format!(
            "{shown} is more than a year away, the longest reminders can be paused."
        ))
    } else {
        None
    }
}
