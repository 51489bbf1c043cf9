//! Team membership on PostgreSQL: who is on whose team, from which day to
//! which day. The rules are SQLite's (`sqlite/team.rs`); what is added
//! here is for several replicas on one database. A team change locks the
//! stints of the reps it names (`FOR UPDATE`) before it reads them to
//! decide, so two changes to one rep run one after the other, each on what
//! the other committed. A rep with no stint yet has nothing to lock: two
//! changes that both put them on a team then both insert a current stint,
//! which the partial unique index ("one current team per rep") refuses to
//! the second, and that change is decided again on what the first
//! committed.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;

use super::{whole_seconds, PgStore, StoreError};
use crate::domain::{
    join_change, leave, JoinChange, JoinMove, Manager, Membership, RemoveOutcome, SlackUserId,
    TeamTakenBack, TeamUndoRefused,
};
use crate::store::sqlite::parse_user;
use crate::store::sqlite::team::Span;

/// The index that keeps one current team per rep.
const ONE_CURRENT_TEAM: &str = "memberships_one_current_team_per_rep";
/// How many times a team change is decided again after another replica
/// put one of its reps on a team first: once is enough for any one rep,
/// so more than a few means something else is wrong.
const ATTEMPTS: usize = 4;

/// A stint as read; [`membership_from_row`] reads it as a membership.
#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    manager_id: String,
    rep_id: String,
    #[sqlx(flatten)]
    span: SpanRow,
}

pub(super) fn membership_from_row(row: MembershipRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        manager: parse_user(row.manager_id)?,
        rep: parse_user(row.rep_id)?,
        joined_on: row.span.joined_on,
        left_on: row.span.left_on,
    })
}

/// A stint's days as read.
#[derive(sqlx::FromRow, Clone, Copy)]
struct SpanRow {
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

impl From<SpanRow> for Span {
    fn from(row: SpanRow) -> Self {
        Span {
            joined_on: row.joined_on,
            left_on: row.left_on,
        }
    }
}

/// One stint, by its ID.
#[derive(sqlx::FromRow)]
struct StintRow {
    id: i64,
    #[sqlx(flatten)]
    span: SpanRow,
}

impl PgStore {
    /// The reps on a manager's team now, in the order they joined.
    pub(super) async fn current_team(
        &self,
        manager: &Manager,
    ) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
             WHERE team_id = $1 AND manager_id = $2 AND left_on IS NULL
             ORDER BY joined_on, id",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(membership_from_row).collect()
    }

    /// The day the manager's team got its first rep, ever.
    pub(super) async fn team_since(
        &self,
        manager: &Manager,
    ) -> Result<Option<NaiveDate>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(joined_on) FROM memberships WHERE team_id = $1 AND manager_id = $2",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Adds reps from `since` (or `today`), moves the join day of reps
    /// already on the team to `since`, or puts back a rep who left today,
    /// as [`join_change`] decides from the rep's stints, all in one
    /// transaction, kept as one change `undo` can take back.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id))]
    pub(super) async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.try_add_reps(manager, reps, since, today, now).await {
                Err(error) if attempt < ATTEMPTS && is_second_current_team(&error) => {
                    tracing::debug!(attempt, "a rep was put on a team meanwhile; deciding again");
                    attempt += 1;
                }
                decided => return decided,
            }
        }
    }

    async fn try_add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        let mut tx = self.write().await?;
        lock_stints(&mut tx, manager.workspace.as_str(), reps).await?;
        let mut change = ChangeLine::new(manager, now);
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let stints = reps_stints(&mut tx, manager.workspace.as_str(), &[rep]).await?;
            let current = stint_where(&mut tx, manager, rep, Holding::Current).await?;
            let first_session = match &current {
                Some(current) => {
                    first_session_since(&mut tx, manager, rep, current.span.joined_on).await?
                }
                None => None,
            };
            let decided = join_change(&stints, &manager.id, rep, since, today, first_session);
            match (&decided, &current) {
                (JoinChange::Joins(day) | JoinChange::JoinsAfter { day, .. }, _) => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(manager.workspace.as_str())
                    .bind(manager.id.as_str())
                    .bind(rep.as_str())
                    .bind(*day)
                    .fetch_one(&mut *tx)
                    .await?;
                    let after = Span::open(*day);
                    change.record(&mut tx, id, rep, None, Some(after)).await?;
                }
                (JoinChange::Moves { to, .. }, Some(current)) => {
                    let after = Span::open(*to);
                    set_span(&mut tx, current.id, after).await?;
                    let before = current.span.into();
                    change
                        .record(&mut tx, current.id, rep, Some(before), Some(after))
                        .await?;
                }
                (JoinChange::Back(_), _) => {
                    let left = stint_where(&mut tx, manager, rep, Holding::LeftOnOrAfter(today))
                        .await?
                        .ok_or_else(|| StoreError::Corrupt(format!("{rep}'s stint left today")))?;
                    let after = Span::open(left.span.joined_on);
                    set_span(&mut tx, left.id, after).await?;
                    let before = left.span.into();
                    change
                        .record(&mut tx, left.id, rep, Some(before), Some(after))
                        .await?;
                }
                _ => {}
            }
            outcomes.push((rep.clone(), decided));
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Ends reps' stints on `day` (today, or the day they left), as
    /// [`leave`] decides; their history stays. Kept as one change `undo`
    /// can take back.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id))]
    pub(super) async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError> {
        let mut tx = self.write().await?;
        lock_stints(&mut tx, manager.workspace.as_str(), reps).await?;
        let mut change = ChangeLine::new(manager, now);
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let Some(current) = stint_where(&mut tx, manager, rep, Holding::Current).await? else {
                outcomes.push((rep.clone(), RemoveOutcome::NotOnTeam));
                continue;
            };
            let before: Span = current.span.into();
            let counts_on_day: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM logs l JOIN log_reps r ON r.log_id = l.id
                                WHERE l.team_id = $1 AND l.manager_id = $2 AND r.rep_id = $3
                                  AND l.held_on = $4)
                     OR EXISTS (SELECT 1 FROM logs WHERE team_id = $1 AND manager_id = $2
                                  AND kind = 'meeting' AND held_on = $4)",
            )
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .bind(day)
            .fetch_one(&mut *tx)
            .await?;
            let last_session = sessions_in(&mut tx, manager, rep, before)
                .await?
                .map(|(_, last)| last);
            let outcome = leave(before.joined_on, day, counts_on_day, last_session);
            match &outcome {
                RemoveOutcome::Leaves { left_on, .. } => {
                    let after = Span {
                        joined_on: before.joined_on,
                        left_on: Some(*left_on),
                    };
                    set_span(&mut tx, current.id, after).await?;
                    change
                        .record(&mut tx, current.id, rep, Some(before), Some(after))
                        .await?;
                }
                RemoveOutcome::Erased => {
                    sqlx::query("DELETE FROM memberships WHERE id = $1")
                        .bind(current.id)
                        .execute(&mut *tx)
                        .await?;
                    change
                        .record(&mut tx, current.id, rep, Some(before), None)
                        .await?;
                }
                RemoveOutcome::NotOnTeam => {}
            }
            outcomes.push((rep.clone(), outcome));
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// Whether a change failed because another transaction put one of its reps
/// on a team first.
fn is_second_current_team(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Database(sqlx::Error::Database(refused))
            if refused.constraint() == Some(ONE_CURRENT_TEAM)
    )
}

/// Locks every stint these reps have had in the workspace until the
/// transaction ends, in one order (by ID), so that two changes naming the
/// same reps in another order wait for each other instead of deadlocking.
async fn lock_stints(
    tx: &mut PgConnection,
    workspace: &str,
    reps: &[SlackUserId],
) -> Result<(), StoreError> {
    let reps: Vec<&str> = reps.iter().map(|rep| rep.as_str()).collect();
    sqlx::query(
        "SELECT id FROM memberships WHERE team_id = $1 AND rep_id = ANY($2)
         ORDER BY id FOR UPDATE",
    )
    .bind(workspace)
    .bind(&reps)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Which of the manager's stints with a rep [`stint_where`] looks for.
#[derive(Clone, Copy)]
enum Holding {
    /// The one not ended.
    Current,
    /// One ended on or after this day.
    LeftOnOrAfter(NaiveDate),
}

/// The manager's stint with the rep that `holding` names, the latest if
/// several.
async fn stint_where(
    tx: &mut PgConnection,
    manager: &Manager,
    rep: &SlackUserId,
    holding: Holding,
) -> Result<Option<StintRow>, StoreError> {
    let (condition, day) = match holding {
        Holding::Current => ("left_on IS NULL", None),
        Holding::LeftOnOrAfter(day) => ("left_on >= $4", Some(day)),
    };
    let sql = format!(
        "SELECT id, joined_on, left_on FROM memberships
         WHERE team_id = $1 AND manager_id = $2 AND rep_id = $3 AND {condition}
         ORDER BY joined_on DESC LIMIT 1"
    );
    let mut query = sqlx::query_as::<_, StintRow>(&sql)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(rep.as_str());
    if let Some(day) = day {
        query = query.bind(day);
    }
    Ok(query.fetch_optional(&mut *tx).await?)
}

async fn set_span(tx: &mut PgConnection, id: i64, span: Span) -> Result<(), StoreError> {
    sqlx::query("UPDATE memberships SET joined_on = $1, left_on = $2 WHERE id = $3")
        .bind(span.joined_on)
        .bind(span.left_on)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The first and last day of 1:1s, as read; none when there are none.
#[derive(sqlx::FromRow)]
struct SessionDays {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

/// The first and last day of the manager's 1:1s with the rep within a span.
async fn sessions_in(
    tx: &mut PgConnection,
    manager: &Manager,
    rep: &SlackUserId,
    span: Span,
) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
    sessions_of(
        tx,
        manager.workspace.as_str(),
        manager.id.as_str(),
        rep.as_str(),
        span,
    )
    .await
}

async fn sessions_of(
    tx: &mut PgConnection,
    workspace: &str,
    manager: &str,
    rep: &str,
    span: Span,
) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
    let days: SessionDays = sqlx::query_as(
        "SELECT MIN(l.held_on) AS first, MAX(l.held_on) AS last
         FROM logs l JOIN log_reps r ON r.log_id = l.id
         WHERE l.team_id = $1 AND l.manager_id = $2 AND r.rep_id = $3
           AND l.held_on >= $4 AND ($5::date IS NULL OR l.held_on < $5)",
    )
    .bind(workspace)
    .bind(manager)
    .bind(rep)
    .bind(span.joined_on)
    .bind(span.left_on)
    .fetch_one(&mut *tx)
    .await?;
    Ok(days.first.zip(days.last))
}

/// The change a team command makes, as one entry in the manager's
/// sequence of changes (a row of `log_lines` without entries), created at
/// its first stint changed: a command that changes nothing leaves nothing
/// for `undo`.
struct ChangeLine<'m> {
    manager: &'m Manager,
    made_at: DateTime<Utc>,
    id: Option<i64>,
}

impl<'m> ChangeLine<'m> {
    fn new(manager: &'m Manager, now: DateTime<Utc>) -> Self {
        ChangeLine {
            manager,
            made_at: whole_seconds(now),
            id: None,
        }
    }

    async fn record(
        &mut self,
        tx: &mut PgConnection,
        membership: i64,
        rep: &SlackUserId,
        before: Option<Span>,
        after: Option<Span>,
    ) -> Result<(), StoreError> {
        let line = match self.id {
            Some(line) => line,
            None => {
                let line: i64 = sqlx::query_scalar(
                    "INSERT INTO log_lines (team_id, manager_id, logged_at) VALUES ($1, $2, $3)
                     RETURNING id",
                )
                .bind(self.manager.workspace.as_str())
                .bind(self.manager.id.as_str())
                .bind(self.made_at)
                .fetch_one(&mut *tx)
                .await?;
                *self.id.insert(line)
            }
        };
        sqlx::query(
            "INSERT INTO team_changes (line_id, membership_id, team_id, rep_id,
                                       joined_before, left_before, joined_after, left_after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(line)
        .bind(membership)
        .bind(self.manager.workspace.as_str())
        .bind(rep.as_str())
        .bind(before.map(|s| s.joined_on))
        .bind(before.and_then(|s| s.left_on))
        .bind(after.map(|s| s.joined_on))
        .bind(after.and_then(|s| s.left_on))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// Every stint these reps have had in workspace `workspace`, on any team.
pub(super) async fn reps_stints(
    tx: &mut PgConnection,
    workspace: &str,
    reps: &[&SlackUserId],
) -> Result<Vec<Membership>, StoreError> {
    let reps: Vec<&str> = reps.iter().map(|rep| rep.as_str()).collect();
    let rows: Vec<MembershipRow> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE team_id = $1 AND rep_id = ANY($2)
         ORDER BY joined_on, id",
    )
    .bind(workspace)
    .bind(&reps)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter().map(membership_from_row).collect()
}

/// The rep's earliest 1:1 with the manager on or after `from`.
async fn first_session_since(
    tx: &mut PgConnection,
    manager: &Manager,
    rep: &SlackUserId,
    from: NaiveDate,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(l.held_on) FROM logs l JOIN log_reps r ON r.log_id = l.id
         WHERE l.team_id = $1 AND l.manager_id = $2 AND r.rep_id = $3 AND l.held_on >= $4",
    )
    .bind(manager.workspace.as_str())
    .bind(manager.id.as_str())
    .bind(rep.as_str())
    .bind(from)
    .fetch_one(&mut *tx)
    .await?)
}

// What undo, edits and logging (`logs.rs`, `entries.rs`, `lines.rs`) call,
// so that every change to a stint is made in this file.

/// A stint as a team command changed it, as read: before (none when the
/// command made it) and after (none when it erased it).
#[derive(sqlx::FromRow)]
struct TeamChangeRow {
    membership_id: i64,
    rep_id: String,
    joined_before: Option<NaiveDate>,
    left_before: Option<NaiveDate>,
    joined_after: Option<NaiveDate>,
    left_after: Option<NaiveDate>,
}

impl TeamChangeRow {
    fn before(&self) -> Option<Span> {
        span_of(self.joined_before, self.left_before)
    }

    fn after(&self) -> Option<Span> {
        span_of(self.joined_after, self.left_after)
    }
}

fn span_of(joined: Option<NaiveDate>, left: Option<NaiveDate>) -> Option<Span> {
    joined.map(|joined_on| Span {
        joined_on,
        left_on: left,
    })
}

/// A join day a line moved, with the stint it moved.
#[derive(sqlx::FromRow)]
struct JoinMoveRow {
    membership_id: i64,
    moved_from: NaiveDate,
    team_id: String,
    manager_id: String,
    rep_id: String,
}

/// Whether a line of the manager's is a team change.
pub(super) async fn is_team_change(tx: &mut PgConnection, line: i64) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM team_changes WHERE line_id = $1)")
            .bind(line)
            .fetch_one(&mut *tx)
            .await?,
    )
}

/// Takes back a team command: every stint it changed goes back to what it
/// was, in reverse order, clamped so that every 1:1 stays inside its stint.
/// Refused, changing nothing (the caller drops the transaction), when a
/// stint put back would share days with another of the rep's stints, or
/// taking one away would leave coaching outside any. The reps' stints are
/// locked first, as a team change locks them, so neither decides on
/// stints the other is changing.
pub(super) async fn take_back_team_change(
    tx: &mut PgConnection,
    manager: &Manager,
    line: i64,
) -> Result<Result<Vec<(SlackUserId, TeamTakenBack)>, TeamUndoRefused>, StoreError> {
    let rows: Vec<TeamChangeRow> = sqlx::query_as(
        "SELECT membership_id, rep_id, joined_before, left_before, joined_after, left_after
         FROM team_changes WHERE line_id = $1 ORDER BY id DESC",
    )
    .bind(line)
    .fetch_all(&mut *tx)
    .await?;
    let reps = rows
        .iter()
        .map(|row| parse_user(row.rep_id.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    lock_stints(tx, manager.workspace.as_str(), &reps).await?;
    let mut taken_back = Vec::with_capacity(rows.len());
    for (row, rep) in rows.into_iter().zip(reps) {
        let membership = row.membership_id;
        let now: Option<SpanRow> =
            sqlx::query_as("SELECT joined_on, left_on FROM memberships WHERE id = $1")
                .bind(membership)
                .fetch_optional(&mut *tx)
                .await?;
        let now: Option<Span> = now.map(Span::from);
        let Some(before) = row.before() else {
            // The command made the stint: it goes, unless coaching is in it.
            if let Some(now) = now {
                if let Some((first, _)) = sessions_in(tx, manager, &rep, now).await? {
                    return Ok(Err(TeamUndoRefused::CoachedInIt { rep, day: first }));
                }
                sqlx::query("DELETE FROM memberships WHERE id = $1")
                    .bind(membership)
                    .execute(&mut *tx)
                    .await?;
            }
            taken_back.push((rep, TeamTakenBack::OffTheTeam));
            continue;
        };
        let after = row.after();
        let current = now.unwrap_or(before);
        let sessions = sessions_in(tx, manager, &rep, current).await?;
        // Only what the command changed goes back; what changed since stays.
        let joined_changed = after.is_none_or(|after| after.joined_on != before.joined_on);
        let left_changed = after.is_none_or(|after| after.left_on != before.left_on);
        let mut restored = current;
        if joined_changed {
            restored.joined_on =
                sessions.map_or(before.joined_on, |(first, _)| first.min(before.joined_on));
        }
        if left_changed {
            restored.left_on = before
                .left_on
                .map(|left| sessions.map_or(left, |(_, last)| left.max(last + Duration::days(1))));
        }
        let others: Vec<MembershipRow> = sqlx::query_as(
            "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
             WHERE team_id = $1 AND rep_id = $2 AND id <> $3 ORDER BY joined_on",
        )
        .bind(manager.workspace.as_str())
        .bind(rep.as_str())
        .bind(membership)
        .fetch_all(&mut *tx)
        .await?;
        for other in others {
            if Span::from(other.span).shares_a_day(&restored) {
                return Ok(Err(TeamUndoRefused::OnAnotherTeam {
                    rep,
                    manager: parse_user(other.manager_id)?,
                }));
            }
        }
        if now.is_some() {
            set_span(tx, membership, restored).await?;
        } else {
            sqlx::query(
                "INSERT INTO memberships (id, team_id, manager_id, rep_id, joined_on, left_on)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(membership)
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .bind(restored.joined_on)
            .bind(restored.left_on)
            .execute(&mut *tx)
            .await?;
        }
        let what = if left_changed {
            TeamTakenBack::Stint {
                joined_on: restored.joined_on,
                left_on: restored.left_on,
            }
        } else {
            TeamTakenBack::JoinDay(restored.joined_on)
        };
        taken_back.push((rep, what));
    }
    taken_back.reverse();
    Ok(Ok(taken_back))
}

/// Moves join days back to sessions stored with a line (or an edit of one
/// of its entries), keeping each move with the line so that taking the
/// entry back can move the day again. The stint moved is locked as it is
/// read, so a team change on it waits, or is waited for.
pub(super) async fn move_join_days(
    tx: &mut PgConnection,
    workspace: &str,
    manager: &str,
    line: i64,
    moves: &[JoinMove],
) -> Result<(), StoreError> {
    for moved in moves {
        let stint: Option<(i64, NaiveDate)> = sqlx::query_as(
            "SELECT id, joined_on FROM memberships
             WHERE team_id = $1 AND manager_id = $2 AND rep_id = $3 AND left_on IS NULL
               AND joined_on > $4
             FOR UPDATE",
        )
        .bind(workspace)
        .bind(manager)
        .bind(moved.rep.as_str())
        .bind(moved.to)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, from)) = stint else {
            continue;
        };
        sqlx::query("UPDATE memberships SET joined_on = $1 WHERE id = $2")
            .bind(moved.to)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO join_moves (line_id, membership_id, moved_from) VALUES ($1, $2, $3)",
        )
        .bind(line)
        .bind(id)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// After entries of `line` were taken back (undo, Delete, an Edit to a
/// later day), each join day the line moved goes to the earliest 1:1 left
/// in its stint before the day it was moved from, or to that day; a join
/// day a later `team add … since` set is left alone. Returns the join days
/// that moved. The stints are locked as they are read.
pub(super) async fn take_back_join_moves(
    tx: &mut PgConnection,
    line: i64,
) -> Result<Vec<JoinMove>, StoreError> {
    let moves: Vec<JoinMoveRow> = sqlx::query_as(
        "SELECT m.id AS membership_id, jm.moved_from, m.team_id, m.manager_id, m.rep_id
         FROM join_moves jm JOIN memberships m ON m.id = jm.membership_id
         WHERE jm.line_id = $1 AND NOT EXISTS (
             SELECT 1 FROM team_changes tc JOIN log_lines ll ON ll.id = tc.line_id
             WHERE tc.membership_id = jm.membership_id AND tc.line_id > $1
               AND ll.undone_at IS NULL
               AND tc.joined_before IS DISTINCT FROM tc.joined_after)
         ORDER BY m.id
         FOR UPDATE OF m",
    )
    .bind(line)
    .fetch_all(&mut *tx)
    .await?;
    let mut moved = Vec::new();
    for JoinMoveRow {
        membership_id: id,
        moved_from: from,
        team_id: workspace,
        manager_id: manager,
        rep_id: rep,
    } in moves
    {
        let span: Span = sqlx::query_as::<_, SpanRow>(
            "SELECT joined_on, left_on FROM memberships WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .into();
        let first = sessions_of(tx, &workspace, &manager, &rep, span)
            .await?
            .map(|(first, _)| first);
        let to = first.map_or(from, |first| first.min(from));
        // Left before that day: without the 1:1 the stint holds no day, so
        // it goes, as a rep removed the day they joined with nothing logged.
        if span.left_on.is_some_and(|left| to >= left) {
            sqlx::query("DELETE FROM memberships WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            continue;
        }
        if to > span.joined_on {
            sqlx::query("UPDATE memberships SET joined_on = $1 WHERE id = $2")
                .bind(to)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            moved.push(JoinMove {
                rep: parse_user(rep)?,
                from: span.joined_on,
                to,
            });
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::super::both::Both;
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a day")
    }

    fn user(id: &str) -> SlackUserId {
        SlackUserId::parse(id).expect("a user")
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an instant")
    }

    const NOW: &str = "2026-11-20T10:00:00.750Z";

    /// Adds on both databases; both must answer alike.
    async fn add(
        both: &Both,
        manager: &Manager,
        reps: &[&str],
        since: Option<&str>,
    ) -> Vec<(SlackUserId, JoinChange)> {
        let reps: Vec<SlackUserId> = reps.iter().map(|rep| user(rep)).collect();
        let since = since.map(day);
        let today = day("2026-11-20");
        let on_pg = both
            .pg
            .add_reps(manager, &reps, since, today, at(NOW))
            .await
            .expect("PostgreSQL adds");
        let on_sqlite = both
            .sqlite
            .add_reps(manager, &reps, since, today, at(NOW))
            .await
            .expect("SQLite adds");
        assert_eq!(on_pg, on_sqlite);
        on_pg
    }

    /// Removes on both databases; both must answer alike.
    async fn remove(
        both: &Both,
        manager: &Manager,
        reps: &[&str],
        on: &str,
    ) -> Vec<(SlackUserId, RemoveOutcome)> {
        let reps: Vec<SlackUserId> = reps.iter().map(|rep| user(rep)).collect();
        let on_pg = both
            .pg
            .remove_reps(manager, &reps, day(on), at(NOW))
            .await
            .expect("PostgreSQL removes");
        let on_sqlite = both
            .sqlite
            .remove_reps(manager, &reps, day(on), at(NOW))
            .await
            .expect("SQLite removes");
        assert_eq!(on_pg, on_sqlite);
        on_pg
    }

    /// The stints and the changes recorded, which both must hold alike.
    async fn records(both: &Both) -> (Vec<Vec<Option<String>>>, Vec<Vec<Option<String>>>) {
        let stints = both
            .rows(
                "SELECT CAST(id AS TEXT), manager_id, rep_id, CAST(joined_on AS TEXT),
                        CAST(left_on AS TEXT)
                 FROM memberships ORDER BY id",
            )
            .await;
        let changes = both
            .rows(
                "SELECT CAST(line_id AS TEXT), CAST(membership_id AS TEXT), rep_id,
                        CAST(joined_before AS TEXT), CAST(left_before AS TEXT),
                        CAST(joined_after AS TEXT), CAST(left_after AS TEXT)
                 FROM team_changes ORDER BY line_id, membership_id",
            )
            .await;
        (stints, changes)
    }

    #[tokio::test]
    async fn every_kind_of_team_change_answers_and_is_recorded_as_on_sqlite() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let kim = both.manager("U0KIM").await;
        assert_eq!(
            add(&both, &lee, &["U0ANN", "U0BEN"], Some("2026-11-02")).await,
            vec![
                (user("U0ANN"), JoinChange::Joins(day("2026-11-02"))),
                (user("U0BEN"), JoinChange::Joins(day("2026-11-02"))),
            ]
        );
        assert_eq!(
            add(&both, &lee, &["U0ANN"], Some("2026-10-15")).await,
            vec![(
                user("U0ANN"),
                JoinChange::Moves {
                    from: day("2026-11-02"),
                    to: day("2026-10-15")
                }
            )]
        );
        both.session(&lee, &["U0BEN"], "2026-11-20", 30, "deal")
            .await;
        assert_eq!(
            remove(&both, &lee, &["U0BEN", "U0ANN"], "2026-11-20").await,
            vec![
                (
                    user("U0BEN"),
                    RemoveOutcome::Leaves {
                        left_on: day("2026-11-21"),
                        coached_after: false
                    }
                ),
                (
                    user("U0ANN"),
                    RemoveOutcome::Leaves {
                        left_on: day("2026-11-20"),
                        coached_after: false
                    }
                ),
            ]
        );
        assert_eq!(
            add(&both, &kim, &["U0BEN"], None).await,
            vec![(
                user("U0BEN"),
                JoinChange::JoinsAfter {
                    manager: user("U0LEE"),
                    day: day("2026-11-21")
                }
            )]
        );
        assert_eq!(
            add(&both, &lee, &["U0ANN"], None).await,
            vec![(user("U0ANN"), JoinChange::Back(day("2026-10-15")))]
        );
        add(&both, &lee, &["U0CAL"], None).await;
        assert_eq!(
            remove(&both, &lee, &["U0CAL", "U0ZED"], "2026-11-20").await,
            vec![
                (user("U0CAL"), RemoveOutcome::Erased),
                (user("U0ZED"), RemoveOutcome::NotOnTeam),
            ]
        );
        assert_eq!(
            add(&both, &kim, &["U0ANN"], None).await,
            vec![(user("U0ANN"), JoinChange::OnAnotherTeam(user("U0LEE")))]
        );
        for manager in [&lee, &kim] {
            let on_pg = both.pg.current_team(manager).await.expect("read");
            assert_eq!(
                on_pg,
                both.sqlite.current_team(manager).await.expect("read")
            );
            let since = both.pg.team_since(manager).await.expect("read");
            assert_eq!(since, both.sqlite.team_since(manager).await.expect("read"));
        }
        assert_eq!(
            both.pg.current_team(&lee).await.expect("read"),
            vec![Membership {
                manager: user("U0LEE"),
                rep: user("U0ANN"),
                joined_on: day("2026-10-15"),
                left_on: None,
            }]
        );
        assert_eq!(
            both.pg.team_since(&lee).await.expect("read"),
            Some(day("2026-10-15"))
        );
        let (stints, changes) = records(&both).await;
        assert_eq!(stints.len(), 3, "{stints:?}");
        assert_eq!(changes.len(), 9, "{changes:?}");
        let lines = both
            .rows("SELECT CAST(COUNT(*) AS TEXT) FROM log_lines WHERE team_id = 'T0TEAM'")
            .await;
        // One line for the session, one per command that changed a stint.
        assert_eq!(lines, vec![vec![Some("8".to_string())]]);
        let logged_at: DateTime<Utc> = sqlx::query_scalar("SELECT MAX(logged_at) FROM log_lines")
            .fetch_one(&both.pg.pool)
            .await
            .expect("read");
        assert_eq!(logged_at, at("2026-11-20T10:00:00Z"), "to the whole second");
    }

    /// Waits until some connection to the test database waits for a lock.
    async fn until_one_waits_for_a_lock(store: &PgStore) {
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&store.pool)
            .await
            .expect("read");
            if waiting > 0 {
                return;
            }
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_remove_waits_for_a_change_to_the_rep_under_way_and_records_what_it_committed() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let stint = both.stint(&lee, "U0ANN", "2026-11-02", None).await;
        // Another replica moving Ann's join day, not yet committed.
        let mut other = both.pg.pool.acquire().await.expect("a connection");
        let mut moving = other.begin().await.expect("a transaction");
        sqlx::query("SELECT id FROM memberships WHERE id = $1 FOR UPDATE")
            .bind(stint)
            .execute(&mut *moving)
            .await
            .expect("locked");
        sqlx::query("UPDATE memberships SET joined_on = '2026-10-15' WHERE id = $1")
            .bind(stint)
            .execute(&mut *moving)
            .await
            .expect("moved");
        let store = both.pg.clone();
        let manager = lee.clone();
        let removing = tokio::spawn(async move {
            store
                .remove_reps(&manager, &[user("U0ANN")], day("2026-11-20"), at(NOW))
                .await
        });
        until_one_waits_for_a_lock(&both.pg).await;
        moving.commit().await.expect("committed");
        let removed = removing.await.expect("ran").expect("removes");
        assert_eq!(
            removed,
            vec![(
                user("U0ANN"),
                RemoveOutcome::Leaves {
                    left_on: day("2026-11-20"),
                    coached_after: false
                }
            )]
        );
        let stint: (NaiveDate, Option<NaiveDate>, NaiveDate) = sqlx::query_as(
            "SELECT m.joined_on, m.left_on, tc.joined_before
             FROM memberships m JOIN team_changes tc ON tc.membership_id = m.id",
        )
        .fetch_one(&both.pg.pool)
        .await
        .expect("read");
        assert_eq!(
            stint,
            (
                day("2026-10-15"),
                Some(day("2026-11-20")),
                day("2026-10-15")
            ),
            "the join day the other change committed is kept, and undo would put it back"
        );
    }

    #[tokio::test]
    async fn two_managers_adding_one_new_rep_at_once_put_them_on_one_team_with_one_change() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let kim = both.manager("U0KIM").await;
        // Kim's replica has put Ben on Kim's team, not yet committed: Ben
        // has no stint for Lee's replica to lock.
        let mut other = both.pg.pool.acquire().await.expect("a connection");
        let mut kims = other.begin().await.expect("a transaction");
        sqlx::query(
            "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
             VALUES ('T0TEAM', 'U0KIM', 'U0BEN', '2026-11-20')",
        )
        .execute(&mut *kims)
        .await
        .expect("Kim's stint");
        let store = both.pg.clone();
        let manager = lee.clone();
        let adding = tokio::spawn(async move {
            store
                .add_reps(&manager, &[user("U0BEN")], None, day("2026-11-20"), at(NOW))
                .await
        });
        until_one_waits_for_a_lock(&both.pg).await;
        kims.commit().await.expect("committed");
        let added = adding
            .await
            .expect("ran")
            .expect("decided again, not failed");
        assert_eq!(
            added,
            vec![(user("U0BEN"), JoinChange::OnAnotherTeam(user("U0KIM")))]
        );
        assert_eq!(
            both.pg.current_team(&kim).await.expect("read").len(),
            1,
            "Ben is on Kim's team"
        );
        assert!(both.pg.current_team(&lee).await.expect("read").is_empty());
        let recorded: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM team_changes) + (SELECT COUNT(*) FROM log_lines)",
        )
        .fetch_one(&both.pg.pool)
        .await
        .expect("read");
        assert_eq!(recorded, 0, "the change that lost left nothing to undo");
    }

    #[tokio::test]
    async fn taking_back_a_team_change_restores_each_stint_and_names_the_reps_as_the_command_did() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        both.stint(&lee, "U0ANN", "2026-11-02", None).await;
        add(&both, &lee, &["U0BEN", "U0ANN"], Some("2026-10-26")).await;
        let line: i64 = sqlx::query_scalar("SELECT MAX(line_id) FROM team_changes")
            .fetch_one(&both.pg.pool)
            .await
            .expect("read");
        let mut tx = both.pg.write().await.expect("a transaction");
        assert!(is_team_change(&mut tx, line).await.expect("read"));
        let taken_back = take_back_team_change(&mut tx, &lee, line)
            .await
            .expect("runs")
            .expect("taken back");
        tx.commit().await.expect("committed");
        assert_eq!(
            taken_back,
            vec![
                (user("U0BEN"), TeamTakenBack::OffTheTeam),
                (user("U0ANN"), TeamTakenBack::JoinDay(day("2026-11-02"))),
            ]
        );
        assert_eq!(
            both.pg.current_team(&lee).await.expect("read"),
            vec![Membership {
                manager: user("U0LEE"),
                rep: user("U0ANN"),
                joined_on: day("2026-11-02"),
                left_on: None,
            }]
        );
    }

    #[tokio::test]
    async fn taking_back_a_remove_is_refused_while_the_rep_is_on_another_team() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let kim = both.manager("U0KIM").await;
        both.stint(&lee, "U0ANN", "2026-11-02", None).await;
        remove(&both, &lee, &["U0ANN"], "2026-11-10").await;
        add(&both, &kim, &["U0ANN"], Some("2026-11-12")).await;
        let line: i64 = sqlx::query_scalar("SELECT MIN(line_id) FROM team_changes")
            .fetch_one(&both.pg.pool)
            .await
            .expect("read");
        let mut tx = both.pg.write().await.expect("a transaction");
        let refused = take_back_team_change(&mut tx, &lee, line)
            .await
            .expect("runs");
        assert_eq!(
            refused,
            Err(TeamUndoRefused::OnAnotherTeam {
                rep: user("U0ANN"),
                manager: user("U0KIM"),
            })
        );
    }

    #[tokio::test]
    async fn a_join_day_moved_to_a_session_goes_back_when_the_session_is_taken_back() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let stint = both.stint(&lee, "U0ANN", "2026-11-10", None).await;
        let entry = both
            .session(&lee, &["U0ANN"], "2026-11-03", 30, "skill")
            .await;
        let line: i64 = sqlx::query_scalar("SELECT line_id FROM logs WHERE id = $1")
            .bind(entry)
            .fetch_one(&both.pg.pool)
            .await
            .expect("read");
        let moved = JoinMove {
            rep: user("U0ANN"),
            from: day("2026-11-10"),
            to: day("2026-11-03"),
        };
        let mut tx = both.pg.write().await.expect("a transaction");
        move_join_days(&mut tx, "T0TEAM", "U0LEE", line, &[moved])
            .await
            .expect("moved");
        sqlx::query("DELETE FROM logs WHERE id = $1")
            .bind(entry)
            .execute(&mut *tx)
            .await
            .expect("the session taken back");
        let back = take_back_join_moves(&mut tx, line)
            .await
            .expect("moved back");
        tx.commit().await.expect("committed");
        assert_eq!(
            back,
            vec![JoinMove {
                rep: user("U0ANN"),
                from: day("2026-11-03"),
                to: day("2026-11-10"),
            }]
        );
        let joined: NaiveDate =
            sqlx::query_scalar("SELECT joined_on FROM memberships WHERE id = $1")
                .bind(stint)
                .fetch_one(&both.pg.pool)
                .await
                .expect("read");
        assert_eq!(joined, day("2026-11-10"));
    }
}
