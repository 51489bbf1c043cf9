//! What a manager sets about themselves: a snooze, a time zone and where
//! their team's digest goes.

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppContext, Failure, Reply};
use crate::command::{DigestChange, SnoozeChange, TimeZoneChange};
use crate::domain::{Manager, SlackChannelId};
use crate::slack::SlackError;

impl AppContext {
    pub(super) async fn snooze(
        &self,
        manager: &Manager,
        change: SnoozeChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        Ok(match change {
            SnoozeChange::Show => Reply::SnoozeState(manager.snoozed_on(today)),
            SnoozeChange::Until(until) => self.pause_until(manager, until, now, false).await?,
            SnoozeChange::Off => {
                self.store.set_snooze(manager, None).await?;
                Reply::SnoozeOff
            }
        })
    }

    /// Pauses reminders until `until` (the day they come back). With
    /// `keep_current`, a pause already running stays as it was, so pressing
    /// "Snooze a week" twice, or again on an old message, changes nothing;
    /// the store judges what is running, since `manager` may be a copy from
    /// before a pause was typed.
    pub(super) async fn pause_until(
        &self,
        manager: &Manager,
        until: NaiveDate,
        now: DateTime<Utc>,
        keep_current: bool,
    ) -> Result<Reply, Failure> {
        if !keep_current {
            self.store.set_snooze(manager, Some(until)).await?;
            return Ok(Reply::Snoozed(until));
        }
        let today = manager.today(now);
        Ok(
            match self
                .store
                .snooze_unless_snoozed(manager, until, today)
                .await?
            {
                Some(current) => Reply::AlreadySnoozed(current),
                None => Reply::Snoozed(until),
            },
        )
    }

    pub(super) async fn time_zone(
        &self,
        manager: &Manager,
        change: TimeZoneChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let (tz, overridden) = match change {
            TimeZoneChange::Show => (manager.tz(), manager.tz_override.is_some()),
            TimeZoneChange::Set(tz) => {
                self.store.set_time_zone_override(manager, Some(tz)).await?;
                (tz, true)
            }
            TimeZoneChange::Reset => {
                self.store.set_time_zone_override(manager, None).await?;
                (manager.slack_tz, false)
            }
        };
        Ok(Reply::TimeZone {
            tz,
            overridden,
            local_now: now.with_timezone(&tz).naive_local(),
        })
    }

    /// Sets, shows or stops the team's digest channel. A channel is set only
    /// once Slack says the bot is in it: it is never given the right to
    /// post where nobody invited it.
    pub(super) async fn digest_channel(
        &self,
        manager: &Manager,
        change: DigestChange,
    ) -> Result<Reply, Failure> {
        Ok(match change {
            DigestChange::Show => Reply::DigestChannel(manager.digest_channel.clone()),
            DigestChange::Off if manager.digest_channel.is_none() => Reply::NoDigestToStop,
            DigestChange::Off => {
                self.store.set_digest_channel(manager, None).await?;
                Reply::DigestOff
            }
            DigestChange::Set(channel) => match self.channel_if_member(manager, &channel).await {
                Err(error) if error.is_retryable() => Reply::DigestUnchecked(channel),
                Err(error) => return Err(error.into()),
                Ok(Some(_)) => {
                    self.store
                        .set_digest_channel(manager, Some(channel.clone()))
                        .await?;
                    Reply::DigestSet(channel)
                }
                Ok(None) => Reply::DigestNeedsInvite(channel),
            },
        })
    }

    /// The channel's name if coachbot is in it, asked as the manager's
    /// workspace's bot.
    async fn channel_if_member(
        &self,
        manager: &Manager,
        channel: &SlackChannelId,
    ) -> Result<Option<String>, SlackError> {
        self.slack
            .client_for(&manager.workspace)
            .await?
            .channel_if_member(channel)
            .await
    }
}
