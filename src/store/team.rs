//! Team membership: who is on whose team, from which day to which day.

use chrono::NaiveDate;

use super::{date_text, parse_date, parse_user, Store, StoreError};
use crate::domain::{Manager, Membership, SlackUserId};

/// What `team add` did for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    AlreadyOnTeam,
    OnAnotherTeam(SlackUserId),
}

/// What `team remove` did for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed,
    NotOnTeam,
}

type MembershipRow = (String, String, String, Option<String>);

fn membership_from_row(row: MembershipRow) -> Result<Membership, StoreError> {
    let (manager, rep, joined_on, left_on) = row;
    Ok(Membership {
        manager: parse_user(manager)?,
        rep: parse_user(rep)?,
        joined_on: parse_date(&joined_on)?,
        left_on: left_on.as_deref().map(parse_date).transpose()?,
    })
}

impl Store {
    /// The reps on a manager's team now, in the order they joined.
    pub async fn current_team(&self, manager: &Manager) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
             WHERE team_id = ? AND manager_id = ? AND left_on IS NULL
             ORDER BY joined_on, id",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(membership_from_row).collect()
    }

    /// The day the manager's team got its first rep, ever.
    pub async fn team_since(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError> {
        let first: Option<String> = sqlx::query_scalar(
            "SELECT MIN(joined_on) FROM memberships WHERE team_id = ? AND manager_id = ?",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&self.readers)
        .await?;
        first.as_deref().map(parse_date).transpose()
    }

    /// Adds reps from `today`, refusing any who are on another manager's team.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id))]
    pub async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        today: NaiveDate,
    ) -> Result<Vec<(SlackUserId, AddOutcome)>, StoreError> {
        let mut tx = self.write().await?;
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let current: Option<String> = sqlx::query_scalar(
                "SELECT manager_id FROM memberships
                 WHERE team_id = ? AND rep_id = ? AND left_on IS NULL",
            )
            .bind(manager.team.as_str())
            .bind(rep.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match current {
                Some(id) if id == manager.id.as_str() => AddOutcome::AlreadyOnTeam,
                Some(other) => AddOutcome::OnAnotherTeam(parse_user(other)?),
                None => {
                    sqlx::query(
                        "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
                         VALUES (?, ?, ?, ?)",
                    )
                    .bind(manager.team.as_str())
                    .bind(manager.id.as_str())
                    .bind(rep.as_str())
                    .bind(date_text(today))
                    .execute(&mut *tx)
                    .await?;
                    AddOutcome::Added
                }
            };
            outcomes.push((rep.clone(), outcome));
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Ends reps' membership on `today`; their history stays.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id))]
    pub async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        today: NaiveDate,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError> {
        let mut tx = self.write().await?;
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            // A rep added in the manager's future (after a time zone change)
            // leaves on the day they joined, never before it.
            let changed = sqlx::query(
                "UPDATE memberships SET left_on = MAX(joined_on, ?)
                 WHERE team_id = ? AND manager_id = ? AND rep_id = ? AND left_on IS NULL",
            )
            .bind(date_text(today))
            .bind(manager.team.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let outcome = if changed > 0 {
                RemoveOutcome::Removed
            } else {
                RemoveOutcome::NotOnTeam
            };
            outcomes.push((rep.clone(), outcome));
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

impl Store {
    /// Everyone who was on the manager's team on any day of the month, one
    /// row per rep: their first join that month-span and, if they left, the
    /// last leave.
    pub async fn team_during(
        &self,
        manager: &Manager,
        month: crate::domain::YearMonth,
    ) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT manager_id, rep_id, MIN(joined_on),
                    CASE WHEN COUNT(*) > COUNT(left_on) THEN NULL ELSE MAX(left_on) END
             FROM memberships
             WHERE team_id = ? AND manager_id = ? AND joined_on < ?
               AND (left_on IS NULL OR left_on > ?)
             GROUP BY rep_id ORDER BY MIN(joined_on), MIN(id)",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(month.next().first_day()))
        .bind(date_text(month.first_day()))
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(membership_from_row).collect()
    }
}
