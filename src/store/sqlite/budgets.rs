//! Slack's limits per workspace, shared with every process on the file:
//! each change reads and writes its workspace's row in one write
//! transaction, which SQLite's write lock makes whole.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{parse_instant, SqliteStore};
use crate::domain::{DeliveryTurn, PublishBudget, WorkspaceId};
use crate::store::budget_slots::{parse_slots, slots_text};
use crate::store::StoreError;

/// To the millisecond: publishes and posts are a fraction of a second apart.
fn instant_millis(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_optional(raw: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    raw.as_deref().map(parse_instant).transpose()
}

impl SqliteStore {
    pub async fn reserve_publish(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<DateTime<Utc>, StoreError> {
        self.change_publish_budget(workspace, |budget| budget.reserve(now, per_minute))
            .await
    }

    pub async fn hold_publishes(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.change_publish_budget(workspace, |budget| budget.hold(until))
            .await
    }

    async fn change_publish_budget<T>(
        &self,
        workspace: &WorkspaceId,
        change: impl FnOnce(&mut PublishBudget) -> T,
    ) -> Result<T, StoreError> {
        let mut tx = self.write().await?;
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT slots, held_until FROM publish_budgets WHERE team_id = ?")
                .bind(workspace.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let mut budget = match row {
            Some((slots, held_until)) => PublishBudget {
                slots: parse_slots(&slots)?,
                held_until: parse_optional(held_until)?,
            },
            None => PublishBudget::default(),
        };
        let made = change(&mut budget);
        sqlx::query(
            "INSERT INTO publish_budgets (team_id, slots, held_until) VALUES (?, ?, ?)
             ON CONFLICT (team_id) DO UPDATE SET slots = excluded.slots,
                                                 held_until = excluded.held_until",
        )
        .bind(workspace.as_str())
        .bind(slots_text(&budget.slots))
        .bind(budget.held_until.map(instant_millis))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn take_delivery_turn(
        &self,
        workspace: &WorkspaceId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryTurn>, StoreError> {
        let mut tx = self.write().await?;
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT holder, until, held_until FROM delivery_turns WHERE team_id = ?",
        )
        .bind(workspace.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let current = match row {
            Some((holder, until, held_until)) => Some(DeliveryTurn {
                holder,
                until: parse_instant(&until)?,
                held_until: parse_optional(held_until)?,
            }),
            None => None,
        };
        let Some(turn) = DeliveryTurn::taken_by(current.as_ref(), holder, now, until) else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO delivery_turns (team_id, holder, until, held_until) VALUES (?, ?, ?, ?)
             ON CONFLICT (team_id) DO UPDATE SET holder = excluded.holder, until = excluded.until,
                                                 held_until = excluded.held_until",
        )
        .bind(workspace.as_str())
        .bind(&turn.holder)
        .bind(instant_millis(turn.until))
        .bind(turn.held_until.map(instant_millis))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(turn))
    }

    pub async fn hold_deliveries(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE delivery_turns SET held_until = MAX(COALESCE(held_until, ''), ?)
             WHERE team_id = ?",
        )
        .bind(instant_millis(until))
        .bind(workspace.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
