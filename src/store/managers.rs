//! Managers: who has used the bot, their time zone and their snooze.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{
    date_text, instant_text, parse_date, parse_instant, parse_team, parse_user, Store, StoreError,
};
use crate::domain::{Manager, SlackChannelId, SlackTeamId, SlackUserId};

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

fn manager_from_row(row: ManagerRow) -> Result<Manager, StoreError> {
    let (team, id, slack_tz, tz_override, snoozed_until, created_at, digest_channel) = row;
    let tz = |raw: &str| {
        Tz::from_str(raw).map_err(|_| StoreError::Corrupt(format!("time zone {raw:?}")))
    };
    Ok(Manager {
        team: parse_team(team)?,
        id: parse_user(id)?,
        slack_tz: tz(&slack_tz)?,
        tz_override: tz_override.as_deref().map(tz).transpose()?,
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

    /// Every manager with at least one rep on their team, in every workspace.
    pub async fn managers_with_reps(&self) -> Result<Vec<Manager>, StoreError> {
        let rows: Vec<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM managers m
             WHERE EXISTS (SELECT 1 FROM memberships ms
                           WHERE ms.team_id = m.team_id AND ms.manager_id = m.user_id
                             AND ms.left_on IS NULL)
             ORDER BY team_id, user_id"
        ))
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(manager_from_row).collect()
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
