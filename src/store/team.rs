//! Team membership: who is on whose team, from which day to which day.

use chrono::NaiveDate;
use sqlx::SqliteConnection;

use super::{date_text, parse_date, parse_user, Store, StoreError};
use crate::domain::{join_change, JoinChange, Manager, Membership, RemoveOutcome, SlackUserId};

pub(super) type MembershipRow = (String, String, String, Option<String>);

pub(super) fn membership_from_row(row: MembershipRow) -> Result<Membership, StoreError> {
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

    /// Adds reps from `since` (or `today`), or moves the join day of reps
    /// already on the team to `since`, as [`join_change`] decides from the
    /// rep's stints, all in one transaction.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id))]
    pub async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        let mut tx = self.write().await?;
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let stints = rep_stints(&mut tx, manager, rep).await?;
            let first_session = match stints
                .iter()
                .find(|s| s.manager == manager.id && s.left_on.is_none())
            {
                Some(current) => {
                    first_session_since(&mut tx, manager, rep, current.joined_on).await?
                }
                None => None,
            };
            let change = join_change(&stints, &manager.id, rep, since, today, first_session);
            match &change {
                JoinChange::Joins(day) => {
                    sqlx::query(
                        "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
                         VALUES (?, ?, ?, ?)",
                    )
                    .bind(manager.team.as_str())
                    .bind(manager.id.as_str())
                    .bind(rep.as_str())
                    .bind(date_text(*day))
                    .execute(&mut *tx)
                    .await?;
                }
                JoinChange::Moves { to, .. } => {
                    sqlx::query(
                        "UPDATE memberships SET joined_on = ?
                         WHERE team_id = ? AND manager_id = ? AND rep_id = ? AND left_on IS NULL",
                    )
                    .bind(date_text(*to))
                    .bind(manager.team.as_str())
                    .bind(manager.id.as_str())
                    .bind(rep.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                JoinChange::Unchanged(_)
                | JoinChange::OnAnotherTeam(_)
                | JoinChange::Overlaps { .. }
                | JoinChange::OverlapsEarlierStint { .. }
                | JoinChange::CoachedBefore { .. } => {}
            }
            outcomes.push((rep.clone(), change));
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
            // A rep leaves today, but never before the end of a day they
            // were coached on this team (their sessions stay on the team),
            // nor before the day they joined.
            let left: Option<String> = sqlx::query_scalar(
                "UPDATE memberships SET left_on = MAX(joined_on, ?, COALESCE(
                     (SELECT date(MAX(l.held_on), '+1 day') FROM logs l
                      JOIN log_reps r ON r.log_id = l.id
                      WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
                        AND r.rep_id = memberships.rep_id AND l.held_on >= memberships.joined_on),
                     ''))
                 WHERE team_id = ? AND manager_id = ? AND rep_id = ? AND left_on IS NULL
                 RETURNING left_on",
            )
            .bind(date_text(today))
            .bind(manager.team.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match left {
                Some(left) => RemoveOutcome::Leaves(parse_date(&left)?),
                None => RemoveOutcome::NotOnTeam,
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

/// Every stint the rep has had in the workspace, on any team.
async fn rep_stints(
    tx: &mut SqliteConnection,
    manager: &Manager,
    rep: &SlackUserId,
) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<MembershipRow> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE team_id = ? AND rep_id = ? ORDER BY joined_on, id",
    )
    .bind(manager.team.as_str())
    .bind(rep.as_str())
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter().map(membership_from_row).collect()
}

/// The rep's earliest 1:1 with the manager on or after `from`.
async fn first_session_since(
    tx: &mut SqliteConnection,
    manager: &Manager,
    rep: &SlackUserId,
    from: NaiveDate,
) -> Result<Option<NaiveDate>, StoreError> {
    let first: Option<String> = sqlx::query_scalar(
        "SELECT MIN(l.held_on) FROM logs l JOIN log_reps r ON r.log_id = l.id
         WHERE l.team_id = ? AND l.manager_id = ? AND r.rep_id = ? AND l.held_on >= ?",
    )
    .bind(manager.team.as_str())
    .bind(manager.id.as_str())
    .bind(rep.as_str())
    .bind(date_text(from))
    .fetch_one(&mut *tx)
    .await?;
    first.as_deref().map(parse_date).transpose()
}
