//! Managers: who has used the bot, their time zone and their snooze. Read
//! through on every call: another replica may have changed a manager a
//! moment ago, so nothing here is kept in the process.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgExecutor;

use super::{whole_seconds, PgStore};
use crate::domain::{Job, Manager, SlackChannelId, SlackUserId, WorkspaceId};
use crate::store::sqlite::managers::{
    manager_from_stored, managers_from_stored, zone_names, ManagerRow, Versioned, MANAGER_COLUMNS,
};
use crate::store::sqlite::parse_workspace;
use crate::store::{StoreError, UnreadableManager, ZoneNames};

/// A manager's row as PostgreSQL hands it: the snooze a date, the first
/// use an instant.
type PgManagerRow = ManagerRow<NaiveDate, DateTime<Utc>>;

fn manager_from_row(row: PgManagerRow) -> Result<Versioned, StoreError> {
    manager_from_stored(row, Ok, Ok)
}

fn managers_from_rows(rows: Vec<PgManagerRow>) -> Vec<Result<Manager, UnreadableManager>> {
    managers_from_stored(rows, manager_from_row)
}

/// The manager's row as it is in the database.
async fn fetch_manager<'e>(
    executor: impl PgExecutor<'e>,
    workspace: &WorkspaceId,
    user: &SlackUserId,
) -> Result<Option<Manager>, StoreError> {
    let row: Option<PgManagerRow> = sqlx::query_as(&format!(
        "SELECT {MANAGER_COLUMNS} FROM managers WHERE team_id = $1 AND user_id = $2"
    ))
    .bind(workspace.as_str())
    .bind(user.as_str())
    .fetch_optional(executor)
    .await?;
    Ok(row
        .map(manager_from_row)
        .transpose()?
        .map(|read| read.manager))
}

impl PgStore {
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub(super) async fn manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError> {
        fetch_manager(&self.pool, workspace, user).await
    }

    /// Every manager with at least one rep on their team, in every workspace;
    /// one whose row this build cannot read comes as an error of its own.
    pub(super) async fn managers_with_reps(
        &self,
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        let rows: Vec<PgManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM managers m
             WHERE EXISTS (SELECT 1 FROM memberships ms
                           WHERE ms.team_id = m.team_id AND ms.manager_id = m.user_id
                             AND ms.left_on IS NULL)
             ORDER BY team_id, user_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(managers_from_rows(rows))
    }

    /// Each workspace with a manager who has reps; one whose ID this build
    /// cannot read is left out, as its managers are.
    pub(super) async fn workspaces_with_reps(&self) -> Result<Vec<WorkspaceId>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT team_id FROM memberships WHERE left_on IS NULL ORDER BY team_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|raw| parse_workspace(raw).ok())
            .collect())
    }

    /// Each pair of zone names managers have, with the zone it puts them in.
    pub(super) async fn managers_zones(&self) -> Result<Vec<ZoneNames>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT DISTINCT slack_tz, tz_override FROM managers")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(slack_tz, tz_override)| zone_names(slack_tz, tz_override))
            .collect())
    }

    /// See [`crate::store::Storage::undecided_managers`]: the reminders'
    /// unique key answers for each manager, so a tick with nothing due
    /// decodes no manager.
    pub(super) async fn undecided_managers(
        &self,
        job: Job,
        zones: &[(ZoneNames, Option<NaiveDate>)],
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        if zones.is_empty() {
            return Ok(Vec::new());
        }
        let slack: Vec<&str> = zones.iter().map(|(n, _)| n.slack_tz.as_str()).collect();
        let overrides: Vec<Option<&str>> = zones
            .iter()
            .map(|(n, _)| n.tz_override.as_deref())
            .collect();
        let days: Vec<Option<NaiveDate>> = zones.iter().map(|(_, day)| *day).collect();
        let rows: Vec<PgManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS}
             FROM unnest($1::text[], $2::text[], $3::date[])
                  AS zones(zone_slack, zone_override, local_date)
             JOIN managers m
               ON m.slack_tz = zones.zone_slack
              AND m.tz_override IS NOT DISTINCT FROM zones.zone_override
             WHERE EXISTS (SELECT 1 FROM memberships ms
                           WHERE ms.team_id = m.team_id AND ms.manager_id = m.user_id
                             AND ms.left_on IS NULL)
               AND (NOT $5 OR m.digest_channel IS NOT NULL)
               AND (zones.local_date IS NULL
                    OR NOT EXISTS (
                        SELECT 1 FROM reminders r
                        WHERE r.team_id = m.team_id AND r.job = $4
                          AND r.recipient = CASE WHEN $5 THEN m.digest_channel ELSE m.user_id END
                          AND r.local_date = zones.local_date
                          AND r.subject = CASE WHEN $5 THEN m.user_id ELSE '' END))
             ORDER BY team_id, user_id"
        ))
        .bind(slack)
        .bind(overrides)
        .bind(days)
        .bind(job.name())
        .bind(job == Job::TeamDigest)
        .fetch_all(&self.pool)
        .await?;
        Ok(managers_from_rows(rows))
    }

    /// Stores the zone Slack reports for a manager whose stored one this
    /// build could not read; the manager as they now read.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub(super) async fn set_slack_time_zone(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError> {
        let row: PgManagerRow = sqlx::query_as(&format!(
            "UPDATE managers SET slack_tz = $1, version = version + 1
             WHERE team_id = $2 AND user_id = $3
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(slack_tz.name())
        .bind(workspace.as_str())
        .bind(user.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(manager_from_row(row)?.manager)
    }

    /// Records a manager the first time they use the bot. Of two first
    /// requests racing, on this replica or another, the second waits for
    /// the first's row, keeps it, and reads it: both get the same manager.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub(super) async fn add_manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .bind(slack_tz.name())
        .bind(whole_seconds(now))
        .execute(&mut *tx)
        .await?;
        // A statement of its own, so it sees the row a racing insert
        // committed while this one waited on it.
        let stored = fetch_manager(&mut *tx, workspace, user)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        tx.commit().await?;
        Ok(stored)
    }

    pub(super) async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError> {
        self.set_preference(manager, "tz_override", tz.map(|tz| tz.name().to_string()))
            .await
    }

    pub(super) async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError> {
        self.set_preference(manager, "snoozed_until", until).await
    }

    /// Pauses reminders until `until` unless a pause is running on `today`,
    /// and returns the pause kept, if any. The running pause is judged in
    /// the statement that stores the new one (which PostgreSQL re-reads
    /// when another transaction changed the row meanwhile), not from the
    /// caller's copy.
    pub(super) async fn snooze_unless_snoozed(
        &self,
        manager: &Manager,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let mut tx = self.write().await?;
        let paused = sqlx::query(
            "UPDATE managers SET snoozed_until = $1, version = version + 1
             WHERE team_id = $2 AND user_id = $3 AND (snoozed_until IS NULL OR snoozed_until <= $4)",
        )
        .bind(until)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(today)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let kept = if paused == 1 {
            None
        } else {
            fetch_manager(&mut *tx, &manager.workspace, &manager.id)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?
                .snoozed_on(today)
        };
        tx.commit().await?;
        Ok(kept)
    }

    /// The channel the manager's team digest goes to, or none.
    pub(super) async fn set_digest_channel(
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
    /// of the manager, on one replica or two, both stay.
    async fn set_preference<T>(
        &self,
        manager: &Manager,
        column: &'static str,
        value: Option<T>,
    ) -> Result<(), StoreError>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
    {
        sqlx::query(&format!(
            "UPDATE managers SET {column} = $1, version = version + 1
             WHERE team_id = $2 AND user_id = $3"
        ))
        .bind(value)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another replica's handle on the same database: a pool of its own.
    async fn replica(store: &PgStore) -> PgStore {
        let options = (*store.pool.connect_options()).clone();
        PgStore {
            pool: sqlx::PgPool::connect_with(options).await.expect("connects"),
            checkpoints: tokio::sync::watch::channel(0).0,
        }
    }

    fn boss() -> (WorkspaceId, SlackUserId, DateTime<Utc>) {
        (
            WorkspaceId::parse("T0TEAM").expect("team"),
            SlackUserId::parse("U0BOSS").expect("user"),
            DateTime::from_timestamp(1_795_000_000, 0).expect("instant"),
        )
    }

    #[tokio::test]
    async fn a_change_made_through_one_replica_is_what_another_reads_next() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let other = replica(&store).await;
        let (workspace, user, first_use) = boss();
        let manager = store
            .add_manager(&workspace, &user, Tz::UTC, first_use)
            .await
            .expect("manager");
        let before = other.manager(&workspace, &user).await.expect("read");
        assert_eq!(before.as_ref(), Some(&manager));

        let back_on = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        store
            .set_snooze(&manager, Some(back_on))
            .await
            .expect("snooze");
        store
            .set_time_zone_override(&manager, Some(Tz::Europe__Paris))
            .await
            .expect("tz");

        let read = other
            .manager(&workspace, &user)
            .await
            .expect("read")
            .expect("row");
        assert_eq!(read.snoozed_until, Some(back_on));
        assert_eq!(read.tz_override, Some(Tz::Europe__Paris));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_replicas_adding_the_same_manager_at_once_both_get_the_first_row() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let other = replica(&store).await;
        let (workspace, _, first_use) = boss();
        for round in 0..20 {
            let user = SlackUserId::parse(&format!("U0BOSS{round}")).expect("user");
            let (a, b) = tokio::join!(
                store.add_manager(&workspace, &user, Tz::UTC, first_use),
                other.add_manager(&workspace, &user, Tz::Europe__Paris, first_use),
            );
            assert_eq!(a.expect("first"), b.expect("second"));
        }
    }

    #[tokio::test]
    async fn a_running_pause_is_kept_and_named_and_a_lapsed_one_replaced() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let (workspace, user, first_use) = boss();
        let manager = store
            .add_manager(&workspace, &user, Tz::UTC, first_use)
            .await
            .expect("manager");
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        assert_eq!(
            store
                .snooze_unless_snoozed(&manager, day(10), day(1))
                .await
                .expect("snoozes"),
            None
        );
        // The caller's copy knows no pause: the database's is kept.
        assert_eq!(
            store
                .snooze_unless_snoozed(&manager, day(20), day(2))
                .await
                .expect("keeps"),
            Some(day(10))
        );
        assert_eq!(
            store
                .snooze_unless_snoozed(&manager, day(20), day(10))
                .await
                .expect("replaces"),
            None
        );
        let read = store.manager(&workspace, &user).await.expect("read");
        assert_eq!(read.and_then(|m| m.snoozed_until), Some(day(20)));
        let version: i64 = sqlx::query_scalar("SELECT version FROM managers")
            .fetch_one(&store.pool)
            .await
            .expect("version");
        assert_eq!(version, 2, "each change counts once");
    }
}
