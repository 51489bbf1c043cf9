//! Managers: who has used the bot, their time zone and their snooze.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::SqliteExecutor;

use super::reminders::StoredJob;
use super::{
    date_text, instant_text, parse_date, parse_instant, parse_user, parse_workspace, SqliteStore,
    StoreError,
};
use crate::domain::Job;
use crate::domain::{Manager, SlackChannelId, SlackUserId, WorkspaceId};
use crate::store::{MessageKind, UnreadableManager, ZoneNames};

/// A manager's row as read, its date and instant as the database hands
/// them (SQLite: text; PostgreSQL: `D` and `I` decoded already);
/// [`manager_from_row`] reads it as a manager.
#[derive(sqlx::FromRow)]
pub(in crate::store) struct ManagerRow<D = String, I = String> {
    team_id: String,
    user_id: String,
    slack_tz: String,
    tz_override: Option<String>,
    snoozed_until: Option<D>,
    created_at: I,
    digest_channel: Option<String>,
    version: i64,
}

pub(in crate::store) const MANAGER_COLUMNS: &str =
    "team_id, user_id, slack_tz, tz_override, snoozed_until, created_at, \
     digest_channel, version";

/// Managers by workspace and user, read on every command. Only this
/// process changes them (`run-job` reads them but never writes), and every
/// change goes through the store, which updates this copy.
pub(super) type ManagerCache = Arc<RwLock<HashMap<(WorkspaceId, SlackUserId), Versioned>>>;

/// A manager as read, and how many changes their row had seen then.
#[derive(Debug, Clone)]
pub(in crate::store) struct Versioned {
    /// Every change to the row adds one, in the statement that makes it, so
    /// of two reads the one with the higher count is the newer.
    version: i64,
    pub(in crate::store) manager: Manager,
}

/// A zone name a `chrono-tz` update can drop: an override this build cannot
/// read is ignored (Slack's zone is used); Slack's own zone, which nothing
/// can stand in for, makes the manager unreadable until Slack is asked again.
fn manager_from_row(row: ManagerRow) -> Result<Versioned, StoreError> {
    manager_from_stored(row, |raw| parse_date(&raw), |raw| parse_instant(&raw))
}

/// [`manager_from_row`] for a row whose date and instant `date` and
/// `instant` read, whichever database it came from.
pub(in crate::store) fn manager_from_stored<D, I>(
    row: ManagerRow<D, I>,
    date: impl FnOnce(D) -> Result<NaiveDate, StoreError>,
    instant: impl FnOnce(I) -> Result<DateTime<Utc>, StoreError>,
) -> Result<Versioned, StoreError> {
    let tz_override = row.tz_override.and_then(|raw| match Tz::from_str(&raw) {
        Ok(tz) => Some(tz),
        Err(_) => {
            tracing::warn!(workspace = %row.team_id, user = %row.user_id, zone = %raw, "ignoring a time zone override this version does not know");
            None
        }
    });
    let manager = Manager {
        slack_tz: Tz::from_str(&row.slack_tz)
            .map_err(|_| StoreError::UnknownTimeZone(row.slack_tz))?,
        workspace: parse_workspace(row.team_id)?,
        id: parse_user(row.user_id)?,
        tz_override,
        snoozed_until: row.snoozed_until.map(date).transpose()?,
        first_used: instant(row.created_at)?,
        digest_channel: row
            .digest_channel
            .map(|raw| {
                SlackChannelId::parse(&raw)
                    .map_err(|_| StoreError::Corrupt(format!("digest channel {raw:?}")))
            })
            .transpose()?,
    };
    Ok(Versioned {
        version: row.version,
        manager,
    })
}

/// A pair of zone names managers have, with the zone it puts them in.
pub(in crate::store) fn zone_names(slack_tz: String, tz_override: Option<String>) -> ZoneNames {
    let zone = Tz::from_str(&slack_tz).ok().map(|slack| {
        tz_override
            .as_deref()
            .and_then(|name| Tz::from_str(name).ok())
            .unwrap_or(slack)
    });
    ZoneNames {
        slack_tz,
        tz_override,
        zone,
    }
}

/// Managers as read, each unreadable one as an error of its own.
fn managers_from_rows(rows: Vec<ManagerRow>) -> Vec<Result<Manager, UnreadableManager>> {
    managers_from_stored(rows, manager_from_row)
}

/// [`managers_from_rows`] for rows that `read` reads, whichever database
/// they came from.
pub(in crate::store) fn managers_from_stored<D, I>(
    rows: Vec<ManagerRow<D, I>>,
    read: impl Fn(ManagerRow<D, I>) -> Result<Versioned, StoreError>,
) -> Vec<Result<Manager, UnreadableManager>> {
    rows.into_iter()
        .map(|row| {
            let (workspace, user) = (row.team_id.clone(), row.user_id.clone());
            read(row)
                .map(|read| read.manager)
                .map_err(|error| UnreadableManager {
                    workspace,
                    user,
                    error,
                })
        })
        .collect()
}

/// The manager's row as it is in the database, never from the cache.
async fn fetch_manager<'e>(
    executor: impl SqliteExecutor<'e>,
    workspace: &WorkspaceId,
    user: &SlackUserId,
) -> Result<Option<Versioned>, StoreError> {
    let row: Option<ManagerRow> = sqlx::query_as(&format!(
        "SELECT {MANAGER_COLUMNS} FROM managers WHERE team_id = ? AND user_id = ?"
    ))
    .bind(workspace.as_str())
    .bind(user.as_str())
    .fetch_optional(executor)
    .await?;
    row.map(manager_from_row).transpose()
}

impl SqliteStore {
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub async fn manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError> {
        let key = (workspace.clone(), user.clone());
        if let Some(known) = self.cached_managers().get(&key) {
            return Ok(Some(known.manager.clone()));
        }
        let read = fetch_manager(&mut *self.readers.acquire().await?, workspace, user).await?;
        Ok(read.map(|read| self.remember(read)))
    }

    fn cached_managers(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<(WorkspaceId, SlackUserId), Versioned>> {
        self.managers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `read` in the cache unless the cache holds a row that has seen
    /// more changes, and returns the manager the cache holds now. A reader
    /// that fetched the row just before a change committed gets here after
    /// the change did, so the order callers arrive in says nothing; the
    /// row's own count does, and a count only grows.
    fn remember(&self, read: Versioned) -> Manager {
        let mut cache = self
            .managers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (read.manager.workspace.clone(), read.manager.id.clone());
        let held = cache.entry(key).or_insert_with(|| read.clone());
        if held.version < read.version {
            *held = read;
        }
        held.manager.clone()
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
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        Ok(managers_from_rows(rows))
    }

    /// Each workspace with a manager who has reps, from the index of
    /// current stints; one whose ID this build cannot read is left out, as
    /// its managers are.
    pub async fn workspaces_with_reps(&self) -> Result<Vec<WorkspaceId>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT team_id FROM memberships WHERE left_on IS NULL ORDER BY team_id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|raw| parse_workspace(raw).ok())
            .collect())
    }

    /// Each pair of zone names managers have, with the zone it puts them
    /// in: a few rows however many managers there are.
    pub async fn managers_zones(&self) -> Result<Vec<ZoneNames>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT DISTINCT slack_tz, tz_override FROM managers")
                .fetch_all(&mut *self.readers.acquire().await?)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(slack_tz, tz_override)| zone_names(slack_tz, tz_override))
            .collect())
    }

    /// See [`crate::store::Storage::undecided_managers`]: the reminders'
    /// unique index answers for each manager, so a tick with nothing due
    /// decodes no manager.
    pub async fn undecided_managers(
        &self,
        job: Job,
        zones: &[(ZoneNames, Option<NaiveDate>)],
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        if zones.is_empty() {
            return Ok(Vec::new());
        }
        let zones_json = serde_json::json!(zones
            .iter()
            .map(|(names, day)| serde_json::json!([
                names.slack_tz,
                names.tz_override,
                day.map(date_text)
            ]))
            .collect::<Vec<_>>())
        .to_string();
        let rows: Vec<ManagerRow> = sqlx::query_as(&format!(
            "WITH zones(zone_slack, zone_override, local_date) AS (
                 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                        json_extract(value, '$[2]')
                 FROM json_each(?1))
             SELECT {MANAGER_COLUMNS}
             FROM zones JOIN managers m
               ON m.slack_tz = zones.zone_slack AND m.tz_override IS zones.zone_override
             WHERE EXISTS (SELECT 1 FROM memberships ms
                           WHERE ms.team_id = m.team_id AND ms.manager_id = m.user_id
                             AND ms.left_on IS NULL)
               AND (NOT ?3 OR m.digest_channel IS NOT NULL)
               AND (zones.local_date IS NULL
                    OR NOT EXISTS (
                        SELECT 1 FROM reminders r
                        WHERE r.team_id = m.team_id AND r.job = ?2
                          AND r.recipient = CASE WHEN ?3 THEN m.digest_channel ELSE m.user_id END
                          AND r.local_date = zones.local_date
                          AND r.subject = CASE WHEN ?3 THEN m.user_id ELSE '' END))
             ORDER BY team_id, user_id"
        ))
        .bind(zones_json)
        .bind(StoredJob::from(MessageKind::Job(job)))
        .bind(job == Job::TeamDigest)
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        Ok(managers_from_rows(rows))
    }

    /// Stores the zone Slack reports for a manager whose stored one this
    /// build could not read; the manager as they now read.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub async fn set_slack_time_zone(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError> {
        let mut tx = self.write().await?;
        let row: ManagerRow = sqlx::query_as(&format!(
            "UPDATE managers SET slack_tz = ?, version = version + 1 WHERE team_id = ? AND user_id = ?
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(slack_tz.name())
        .bind(workspace.as_str())
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let read = manager_from_row(row)?;
        Ok(self.remember(read))
    }

    /// Records a manager the first time they use the bot; a second insert
    /// (two first requests racing) keeps the first.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub async fn add_manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .bind(slack_tz.name())
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?;
        let stored = fetch_manager(&mut *tx, workspace, user)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        tx.commit().await?;
        Ok(self.remember(stored))
    }

    pub async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError> {
        self.set_preference(manager, "tz_override", tz.map(|tz| tz.name().to_string()))
            .await
    }

    pub async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError> {
        self.set_preference(manager, "snoozed_until", until.map(date_text))
            .await
    }

    /// Pauses reminders until `until` unless a pause is running on `today`,
    /// and returns the pause kept, if any. The running pause is judged in
    /// the statement that stores the new one, not from the caller's copy:
    /// "Snooze a week" pressed as `/coach snooze until …` commits never
    /// overwrites the pause just typed.
    pub async fn snooze_unless_snoozed(
        &self,
        manager: &Manager,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let mut tx = self.write().await?;
        let paused: Option<ManagerRow> = sqlx::query_as(&format!(
            "UPDATE managers SET snoozed_until = ?, version = version + 1
             WHERE team_id = ? AND user_id = ? AND (snoozed_until IS NULL OR snoozed_until <= ?)
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(date_text(until))
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(today))
        .fetch_optional(&mut *tx)
        .await?;
        let (stored, kept) = match paused {
            Some(row) => (manager_from_row(row)?, None),
            None => {
                let stored = fetch_manager(&mut *tx, &manager.workspace, &manager.id)
                    .await?
                    .ok_or(sqlx::Error::RowNotFound)?;
                let kept = stored.manager.snoozed_on(today);
                (stored, kept)
            }
        };
        tx.commit().await?;
        self.remember(stored);
        Ok(kept)
    }

    /// The channel the manager's team digest goes to, or none.
    pub async fn set_digest_channel(
        &self,
        manager: &Manager,
        channel: Option<SlackChannelId>,
    ) -> Result<(), StoreError> {
        let channel = channel.map(|channel| channel.as_str().to_string());
        self.set_preference(manager, "digest_channel", channel)
            .await
    }

    /// Stores one thing a manager can change about themselves (`column`:
    /// time zone, snooze or digest channel) and leaves the rest of the row
    /// as it is in the database: two changes made from the same stale copy
    /// of the manager, a snooze and a `tz` racing, both stay.
    async fn set_preference(
        &self,
        manager: &Manager,
        column: &'static str,
        value: Option<String>,
    ) -> Result<(), StoreError> {
        let row: ManagerRow = sqlx::query_as(&format!(
            "UPDATE managers SET {column} = ?, version = version + 1
             WHERE team_id = ? AND user_id = ?
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(value)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&self.writer)
        .await?;
        self.remember(manager_from_row(row)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Open;

    #[tokio::test]
    async fn a_row_read_before_a_change_never_puts_the_older_row_back_in_the_cache() {
        let (store, _) = SqliteStore::open_reporting("sqlite::memory:", Open::CreateAndMigrate)
            .await
            .expect("store");
        let workspace = WorkspaceId::parse("T0TEAM").expect("team");
        let boss = SlackUserId::parse("U0BOSS").expect("user");
        let first_use = DateTime::from_timestamp(1_795_000_000, 0).expect("instant");
        let manager = store
            .add_manager(&workspace, &boss, Tz::UTC, first_use)
            .await
            .expect("manager");
        // A command that found nothing in the cache reads the row…
        let stale = fetch_manager(
            &mut *store.readers.acquire().await.expect("a reader"),
            &workspace,
            &boss,
        )
        .await
        .expect("read")
        .expect("row");
        // …a snooze commits and is remembered…
        let back_on = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        store
            .set_snooze(&manager, Some(back_on))
            .await
            .expect("snooze");
        // …and only then does the first command fill the cache.
        let kept = store.remember(stale);

        assert_eq!(kept.snoozed_until, Some(back_on));
        let cached = store.manager(&workspace, &boss).await.expect("read");
        assert_eq!(cached.and_then(|m| m.snoozed_until), Some(back_on));
    }
}
