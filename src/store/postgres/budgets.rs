//! Slack's limits per workspace, shared by every replica: each change
//! locks its workspace's row (`FOR UPDATE`) for the transaction that reads
//! and writes it.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::domain::{DeliveryTurn, PublishBudget, WorkspaceId};
use crate::store::budget_slots::{parse_slots, slots_text};
use crate::store::StoreError;

impl PgStore {
    pub(super) async fn reserve_publish(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<DateTime<Utc>, StoreError> {
        self.change_publish_budget(workspace, |budget| budget.reserve(now, per_minute))
            .await
    }

    pub(super) async fn hold_publishes(
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
        let mut tx = self.pool.begin().await?;
        // The row exists before it is locked, so two replicas meeting a
        // new workspace queue on one row instead of both inserting.
        sqlx::query(
            "INSERT INTO publish_budgets (team_id, slots) VALUES ($1, '[]')
             ON CONFLICT (team_id) DO NOTHING",
        )
        .bind(workspace.as_str())
        .execute(&mut *tx)
        .await?;
        let (slots, held_until): (String, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT slots, held_until FROM publish_budgets WHERE team_id = $1 FOR UPDATE",
        )
        .bind(workspace.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let mut budget = PublishBudget {
            slots: parse_slots(&slots)?,
            held_until,
        };
        let made = change(&mut budget);
        sqlx::query("UPDATE publish_budgets SET slots = $2, held_until = $3 WHERE team_id = $1")
            .bind(workspace.as_str())
            .bind(slots_text(&budget.slots))
            .bind(budget.held_until)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub(super) async fn take_delivery_turn(
        &self,
        workspace: &WorkspaceId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryTurn>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = locked_turn(&mut tx, workspace).await?;
        let Some(turn) = DeliveryTurn::taken_by(Some(&current), holder, now, until) else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE delivery_turns SET holder = $2, until = $3, held_until = $4 WHERE team_id = $1",
        )
        .bind(workspace.as_str())
        .bind(&turn.holder)
        .bind(turn.until)
        .bind(turn.held_until)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(turn))
    }

    pub(super) async fn hold_deliveries(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE delivery_turns SET held_until = GREATEST(held_until, $2) WHERE team_id = $1",
        )
        .bind(workspace.as_str())
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// The workspace's delivery turn, locked for the transaction. The row is
/// made first (held by nobody, run out long ago), so two replicas meeting a
/// new workspace queue on one row instead of both taking it.
async fn locked_turn(
    tx: &mut Transaction<'static, Postgres>,
    workspace: &WorkspaceId,
) -> Result<DeliveryTurn, StoreError> {
    sqlx::query(
        "INSERT INTO delivery_turns (team_id, holder, until) VALUES ($1, '', '1970-01-01T00:00:00Z')
         ON CONFLICT (team_id) DO NOTHING",
    )
    .bind(workspace.as_str())
    .execute(&mut **tx)
    .await?;
    let (holder, until, held_until): (String, DateTime<Utc>, Option<DateTime<Utc>>) =
        sqlx::query_as(
            "SELECT holder, until, held_until FROM delivery_turns WHERE team_id = $1 FOR UPDATE",
        )
        .bind(workspace.as_str())
        .fetch_one(&mut **tx)
        .await?;
    Ok(DeliveryTurn {
        holder,
        until,
        held_until,
    })
}
