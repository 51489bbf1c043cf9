//! Managers: who has used the bot, their time zone and their snooze.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{
    date_text, instant_text, parse_date, parse_instant, parse_team, parse_user, Store, StoreError,
};
use crate::domain::{Manager, SlackChannelId, SlackTeamId, SlackUserId};

/// A manager's row this build cannot read, named by its raw IDs.
#[derive(Debug, thiserror::Error)]
#[error("manager {user} in workspace {team} cannot be read")]
pub struct UnreadableManager {
    pub team: String,
    pub user: String,
    #[source]
    pub error: StoreError,
}

type ManagerRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

const MANAGER_COLUMNS: &str =
    "team_id, user_id, slack_tz, tz_override, snoozed_until, created_at, digest_channel";

/// A zone name a `chrono-tz` update can drop: an override this build cannot
/// read is ignored (Slack's zone is used); Slack's own zone, which nothing
/// can stand in for, makes the manager unreadable until Slack is asked again.
fn manager_from_row(row: ManagerRow) -> Result<Manager, StoreError> {
    let (team, id, slack_tz, tz_override, snoozed_until, created_at, digest_channel) = row;
    let tz_override = tz_override.and_then(|raw| match Tz::from_str(&raw) {
        Ok(tz) => Some(tz),
        Err(_) => {
            tracing::warn!(team = %team, user = %id, zone = %raw, "ignoring a time zone override this version does not know");
            None
        }
    });
    Ok(Manager {
        slack_tz: Tz::from_str(&slack_tz).map_err(|_| StoreError::UnknownTimeZone(slack_tz))?,
        team: parse_team(team)?,
        id: parse_user(id)?,
        tz_override,
        snoozed_until: snoozed_until.as_deref().map(parse_date).transpose()?,
        first_used: parse_instant(&created_at)?,
        digest_channel: digest_channel
            .map(|raw| {
                SlackChannelId::parse(&raw)
                    .map_err(|_| StoreError::Corrupt(format!("digest channel {raw:?}")))
            })
            .transpose()?,
    })
}

impl Store {
    #[tracing::instrument(skip(self), fields(team = %team, user = %user))]
    pub async fn manager(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError> {
        let key = (team.clone(), user.clone());
        if let Some(known) = self.cached_managers().get(&key) {
            return Ok(Some(known.clone()));
        }
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM managers WHERE team_id = ? AND user_id = ?"
        ))
        .bind(team.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.readers)
        .await?;
        let manager = row.map(manager_from_row).transpose()?;
        if let Some(manager) = &manager {
            self.remember(manager.clone());
        }
        Ok(manager)
    }

    fn cached_managers(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<(SlackTeamId, SlackUserId), Manager>> {
        self.managers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, manager: Manager) {
        self.managers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert((manager.team.clone(), manager.id.clone()), manager);
    }

    /// Every manager with at least one rep on their team, in every workspace;
    /// one whose row this build cannot read comes as an error of its own,
    /// so that a job can skip them and go on with the others.
    pub async fn managers_with_reps(
        &self,
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        let rows: Vec<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM managers m
             WHERE EXISTS (SELECT 1 FROM memberships ms
                           WHERE ms.team_id = m.team_id AND ms.manager_id = m.user_id
                             AND ms.left_on IS NULL)
             ORDER BY team_id, user_id"
        ))
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let (team, user) = (row.0.clone(), row.1.clone());
                manager_from_row(row).map_err(|error| UnreadableManager { team, user, error })
            })
            .collect())
    }

    /// Stores the zone Slack reports for a manager whose stored one this
    /// build could not read; the manager as they now read.
    #[tracing::instrument(skip(self), fields(team = %team, user = %user))]
    pub async fn set_slack_time_zone(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError> {
        let mut tx = self.write().await?;
        let row: ManagerRow = sqlx::query_as(&format!(
            "UPDATE managers SET slack_tz = ? WHERE team_id = ? AND user_id = ?
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(slack_tz.name())
        .bind(team.as_str())
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let manager = manager_from_row(row)?;
        self.remember(manager.clone());
        Ok(manager)
    }

    /// Records a manager the first time they use the bot; a second insert
    /// (two first requests racing) keeps the first.
    #[tracing::instrument(skip(self), fields(team = %team, user = %user))]
    pub async fn add_manager(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(team.as_str())
        .bind(user.as_str())
        .bind(slack_tz.name())
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?;
        let row: ManagerRow = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM managers WHERE team_id = ? AND user_id = ?"
        ))
        .bind(team.as_str())
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let manager = manager_from_row(row)?;
        self.remember(manager.clone());
        Ok(manager)
    }

    pub async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError> {
        self.save_preferences(Manager {
            tz_override: tz,
            ..manager.clone()
        })
        .await
    }

    pub async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError> {
        self.save_preferences(Manager {
            snoozed_until: until,
            ..manager.clone()
        })
        .await
    }

    /// The channel the manager's team digest goes to, or none.
    pub async fn set_digest_channel(
        &self,
        manager: &Manager,
        channel: Option<SlackChannelId>,
    ) -> Result<(), StoreError> {
        self.save_preferences(Manager {
            digest_channel: channel,
            ..manager.clone()
        })
        .await
    }

    /// Stores what a manager can change about themselves: time zone,
    /// snooze and digest channel.
    async fn save_preferences(&self, manager: Manager) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE managers SET tz_override = ?, snoozed_until = ?, digest_channel = ?
             WHERE team_id = ? AND user_id = ?",
        )
        .bind(manager.tz_override.map(|tz| tz.name()))
        .bind(manager.snoozed_until.map(date_text))
        .bind(manager.digest_channel.as_ref().map(SlackChannelId::as_str))
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.remember(manager);
        Ok(())
    }
}
