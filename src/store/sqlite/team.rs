//! Team membership: who is on whose team, from which day to which day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::SqliteConnection;

use super::{date_text, instant_text, parse_date, parse_user, SqliteStore, StoreError};
use crate::domain::{
    join_change, leave, JoinChange, JoinMove, Manager, Membership, RemoveOutcome, SlackUserId,
    TeamTakenBack, TeamUndoRefused,
};

/// A stint as read; [`membership_from_row`] reads it as a membership.
#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    manager_id: String,
    rep_id: String,
    #[sqlx(flatten)]
    span: SpanRow,
}

pub(super) fn membership_from_row(row: MembershipRow) -> Result<Membership, StoreError> {
    let span = row.span.read()?;
    Ok(Membership {
        manager: parse_user(row.manager_id)?,
        rep: parse_user(row.rep_id)?,
        joined_on: span.joined_on,
        left_on: span.left_on,
    })
}

/// A stint's days as read.
#[derive(sqlx::FromRow)]
struct SpanRow {
    joined_on: String,
    left_on: Option<String>,
}

impl SpanRow {
    fn read(&self) -> Result<Span, StoreError> {
        Ok(Span {
            joined_on: parse_date(&self.joined_on)?,
            left_on: self.left_on.as_deref().map(parse_date).transpose()?,
        })
    }
}

/// A stint's days as read, with its ID.
#[derive(sqlx::FromRow)]
struct IdSpanRow {
    id: i64,
    #[sqlx(flatten)]
    span: SpanRow,
}

impl SqliteStore {
    /// The reps on a manager's team now, in the order they joined.
    pub async fn current_team(&self, manager: &Manager) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
             WHERE team_id = ? AND manager_id = ? AND left_on IS NULL
             ORDER BY joined_on, id",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        rows.into_iter().map(membership_from_row).collect()
    }

    /// The day the manager's team got its first rep, ever.
    pub async fn team_since(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError> {
        let first: Option<String> = sqlx::query_scalar(
            "SELECT MIN(joined_on) FROM memberships WHERE team_id = ? AND manager_id = ?",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&mut *self.readers.acquire().await?)
        .await?;
        first.as_deref().map(parse_date).transpose()
    }

    /// Adds reps from `since` (or `today`), moves the join day of reps
    /// already on the team to `since`, or puts back a rep who left today,
    /// as [`join_change`] decides from the rep's stints, all in one
    /// transaction, kept as one change `undo` can take back.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id))]
    pub async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        let mut tx = self.write().await?;
        let mut change = ChangeLine::new(manager, now);
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let stints = reps_stints(&mut tx, manager.workspace.as_str(), &[rep]).await?;
            let current = stint_where(&mut tx, manager, rep, "left_on IS NULL", None).await?;
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
                         VALUES (?, ?, ?, ?) RETURNING id",
                    )
                    .bind(manager.workspace.as_str())
                    .bind(manager.id.as_str())
                    .bind(rep.as_str())
                    .bind(date_text(*day))
                    .fetch_one(&mut *tx)
                    .await?;
                    let after = Span::open(*day);
                    change.record(&mut tx, id, rep, None, Some(after)).await?;
                }
                (JoinChange::Moves { to, .. }, Some(current)) => {
                    let after = Span::open(*to);
                    set_span(&mut tx, current.id, after).await?;
                    change
                        .record(&mut tx, current.id, rep, Some(current.span), Some(after))
                        .await?;
                }
                (JoinChange::Back(_), _) => {
                    let left = stint_where(&mut tx, manager, rep, "left_on >= ?", Some(today))
                        .await?
                        .ok_or_else(|| StoreError::Corrupt(format!("{rep}'s stint left today")))?;
                    let after = Span::open(left.span.joined_on);
                    set_span(&mut tx, left.id, after).await?;
                    change
                        .record(&mut tx, left.id, rep, Some(left.span), Some(after))
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
    pub async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError> {
        let mut tx = self.write().await?;
        let mut change = ChangeLine::new(manager, now);
        let mut outcomes = Vec::with_capacity(reps.len());
        for rep in reps {
            let Some(current) = stint_where(&mut tx, manager, rep, "left_on IS NULL", None).await?
            else {
                outcomes.push((rep.clone(), RemoveOutcome::NotOnTeam));
                continue;
            };
            let joined = current.span.joined_on;
            let counts_on_day: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM logs l JOIN log_reps r ON r.log_id = l.id
                                WHERE l.team_id = ?1 AND l.manager_id = ?2 AND r.rep_id = ?3
                                  AND l.held_on = ?4)
                     OR EXISTS (SELECT 1 FROM logs WHERE team_id = ?1 AND manager_id = ?2
                                  AND kind = 'meeting' AND held_on = ?4)",
            )
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .bind(date_text(day))
            .fetch_one(&mut *tx)
            .await?;
            let last_session = sessions_in(&mut tx, manager, rep, current.span)
                .await?
                .map(|(_, last)| last);
            let outcome = leave(joined, day, counts_on_day, last_session);
            match &outcome {
                RemoveOutcome::Leaves { left_on, .. } => {
                    let after = Span {
                        joined_on: joined,
                        left_on: Some(*left_on),
                    };
                    set_span(&mut tx, current.id, after).await?;
                    change
                        .record(&mut tx, current.id, rep, Some(current.span), Some(after))
                        .await?;
                }
                RemoveOutcome::Erased => {
                    sqlx::query("DELETE FROM memberships WHERE id = ?")
                        .bind(current.id)
                        .execute(&mut *tx)
                        .await?;
                    change
                        .record(&mut tx, current.id, rep, Some(current.span), None)
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

/// A stint's days: from `joined_on` up to, not including, `left_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) struct Span {
    pub(in crate::store) joined_on: NaiveDate,
    pub(in crate::store) left_on: Option<NaiveDate>,
}

impl Span {
    pub(in crate::store) fn open(joined_on: NaiveDate) -> Self {
        Span {
            joined_on,
            left_on: None,
        }
    }

    /// Whether it shares a day with `other`; an empty span holds none.
    pub(in crate::store) fn shares_a_day(&self, other: &Span) -> bool {
        let end = |span: &Span| span.left_on.unwrap_or(NaiveDate::MAX);
        self.joined_on < end(self)
            && other.joined_on < end(other)
            && self.joined_on < end(other)
            && other.joined_on < end(self)
    }
}

/// The first and last day of 1:1s, as read; none when there are none.
#[derive(sqlx::FromRow)]
struct SessionDays {
    first: Option<String>,
    last: Option<String>,
}

/// One stint, by its ID.
struct StintRow {
    id: i64,
    span: Span,
}

/// The manager's stint with the rep that matches `condition` (on
/// `left_on`, with `day` bound when it takes one), the latest if several.
async fn stint_where(
    tx: &mut SqliteConnection,
    manager: &Manager,
    rep: &SlackUserId,
    condition: &str,
    day: Option<NaiveDate>,
) -> Result<Option<StintRow>, StoreError> {
    let sql = format!(
        "SELECT id, joined_on, left_on FROM memberships
         WHERE team_id = ? AND manager_id = ? AND rep_id = ? AND {condition}
         ORDER BY joined_on DESC LIMIT 1"
    );
    let mut query = sqlx::query_as::<_, IdSpanRow>(&sql)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(rep.as_str());
    if let Some(day) = day {
        query = query.bind(date_text(day));
    }
    match query.fetch_optional(&mut *tx).await? {
        Some(row) => Ok(Some(StintRow {
            id: row.id,
            span: row.span.read()?,
        })),
        None => Ok(None),
    }
}

async fn set_span(tx: &mut SqliteConnection, id: i64, span: Span) -> Result<(), StoreError> {
    sqlx::query("UPDATE memberships SET joined_on = ?, left_on = ? WHERE id = ?")
        .bind(date_text(span.joined_on))
        .bind(span.left_on.map(date_text))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The first and last day of the manager's 1:1s with the rep within a span.
async fn sessions_in(
    tx: &mut SqliteConnection,
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
    tx: &mut SqliteConnection,
    workspace: &str,
    manager: &str,
    rep: &str,
    span: Span,
) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
    let days: SessionDays = sqlx::query_as(
        "SELECT MIN(l.held_on) AS first, MAX(l.held_on) AS last FROM logs l JOIN log_reps r ON r.log_id = l.id
         WHERE l.team_id = ? AND l.manager_id = ? AND r.rep_id = ?
           AND l.held_on >= ? AND (? IS NULL OR l.held_on < ?)",
    )
    .bind(workspace)
    .bind(manager)
    .bind(rep)
    .bind(date_text(span.joined_on))
    .bind(span.left_on.map(date_text))
    .bind(span.left_on.map(date_text))
    .fetch_one(&mut *tx)
    .await?;
    match (days.first, days.last) {
        (Some(first), Some(last)) => Ok(Some((parse_date(&first)?, parse_date(&last)?))),
        _ => Ok(None),
    }
}

/// The change a team command makes, as one entry in the manager's
/// sequence of changes (a row of `log_lines` without entries), created at
/// its first stint changed: a command that changes nothing leaves nothing
/// for `undo`.
struct ChangeLine<'m> {
    manager: &'m Manager,
    made_at: String,
    id: Option<i64>,
}

impl<'m> ChangeLine<'m> {
    fn new(manager: &'m Manager, now: DateTime<Utc>) -> Self {
        ChangeLine {
            manager,
            made_at: instant_text(now),
            id: None,
        }
    }

    async fn record(
        &mut self,
        tx: &mut SqliteConnection,
        membership: i64,
        rep: &SlackUserId,
        before: Option<Span>,
        after: Option<Span>,
    ) -> Result<(), StoreError> {
        let line = match self.id {
            Some(line) => line,
            None => {
                let line: i64 = sqlx::query_scalar(
                    "INSERT INTO log_lines (team_id, manager_id, logged_at) VALUES (?, ?, ?)
                     RETURNING id",
                )
                .bind(self.manager.workspace.as_str())
                .bind(self.manager.id.as_str())
                .bind(&self.made_at)
                .fetch_one(&mut *tx)
                .await?;
                *self.id.insert(line)
            }
        };
        sqlx::query(
            "INSERT INTO team_changes (line_id, membership_id, team_id, rep_id,
                                       joined_before, left_before, joined_after, left_after)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(line)
        .bind(membership)
        .bind(self.manager.workspace.as_str())
        .bind(rep.as_str())
        .bind(before.map(|s| date_text(s.joined_on)))
        .bind(before.and_then(|s| s.left_on).map(date_text))
        .bind(after.map(|s| date_text(s.joined_on)))
        .bind(after.and_then(|s| s.left_on).map(date_text))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// A stint as a team command changed it, as read: before (none when the
/// command made it) and after (none when it erased it).
#[derive(sqlx::FromRow)]
struct TeamChangeRow {
    membership_id: i64,
    rep_id: String,
    joined_before: Option<String>,
    left_before: Option<String>,
    joined_after: Option<String>,
    left_after: Option<String>,
}

impl TeamChangeRow {
    fn before(&self) -> Result<Option<Span>, StoreError> {
        span_of(self.joined_before.as_deref(), self.left_before.as_deref())
    }

    fn after(&self) -> Result<Option<Span>, StoreError> {
        span_of(self.joined_after.as_deref(), self.left_after.as_deref())
    }
}

fn span_of(joined: Option<&str>, left: Option<&str>) -> Result<Option<Span>, StoreError> {
    joined
        .map(|joined| {
            Ok(Span {
                joined_on: parse_date(joined)?,
                left_on: left.map(parse_date).transpose()?,
            })
        })
        .transpose()
}

/// An open stint's join day, with the stint's ID.
#[derive(sqlx::FromRow)]
struct JoinedRow {
    id: i64,
    joined_on: String,
}

/// A join day a line moved, with the stint it moved.
#[derive(sqlx::FromRow)]
struct JoinMoveRow {
    membership_id: i64,
    moved_from: String,
    team_id: String,
    manager_id: String,
    rep_id: String,
}

/// Whether a line of the manager's is a team change.
pub(super) async fn is_team_change(
    tx: &mut SqliteConnection,
    line: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM team_changes WHERE line_id = ?)")
            .bind(line)
            .fetch_one(&mut *tx)
            .await?,
    )
}

/// Takes back a team command: every stint it changed goes back to what it
/// was, in reverse order, clamped so that every 1:1 stays inside its stint.
/// Refused, changing nothing (the caller drops the transaction), when a
/// stint put back would share days with another of the rep's stints, or
/// taking one away would leave coaching outside any.
pub(super) async fn take_back_team_change(
    tx: &mut SqliteConnection,
    manager: &Manager,
    line: i64,
) -> Result<Result<Vec<(SlackUserId, TeamTakenBack)>, TeamUndoRefused>, StoreError> {
    let rows: Vec<TeamChangeRow> = sqlx::query_as(
        "SELECT membership_id, rep_id, joined_before, left_before, joined_after, left_after
         FROM team_changes WHERE line_id = ? ORDER BY rowid DESC",
    )
    .bind(line)
    .fetch_all(&mut *tx)
    .await?;
    let mut taken_back = Vec::with_capacity(rows.len());
    for row in rows {
        let membership = row.membership_id;
        let rep = parse_user(row.rep_id.clone())?;
        let now: Option<SpanRow> =
            sqlx::query_as("SELECT joined_on, left_on FROM memberships WHERE id = ?")
                .bind(membership)
                .fetch_optional(&mut *tx)
                .await?;
        let now = now.map(|now| now.read()).transpose()?;
        let Some(before) = row.before()? else {
            // The command made the stint: it goes, unless coaching is in it.
            if let Some(now) = now {
                if let Some((first, _)) = sessions_in(tx, manager, &rep, now).await? {
                    return Ok(Err(TeamUndoRefused::CoachedInIt { rep, day: first }));
                }
                sqlx::query("DELETE FROM memberships WHERE id = ?")
                    .bind(membership)
                    .execute(&mut *tx)
                    .await?;
            }
            taken_back.push((rep, TeamTakenBack::OffTheTeam));
            continue;
        };
        let after = row.after()?;
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
             WHERE team_id = ? AND rep_id = ? AND id <> ? ORDER BY joined_on",
        )
        .bind(manager.workspace.as_str())
        .bind(rep.as_str())
        .bind(membership)
        .fetch_all(&mut *tx)
        .await?;
        for other in others {
            if other.span.read()?.shares_a_day(&restored) {
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
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(membership)
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(rep.as_str())
            .bind(date_text(restored.joined_on))
            .bind(restored.left_on.map(date_text))
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
/// entry back can move the day again.
pub(super) async fn move_join_days(
    tx: &mut SqliteConnection,
    workspace: &str,
    manager: &str,
    line: i64,
    moves: &[JoinMove],
) -> Result<(), StoreError> {
    for moved in moves {
        let stint: Option<JoinedRow> = sqlx::query_as(
            "SELECT id, joined_on FROM memberships
             WHERE team_id = ? AND manager_id = ? AND rep_id = ? AND left_on IS NULL AND joined_on > ?",
        )
        .bind(workspace)
        .bind(manager)
        .bind(moved.rep.as_str())
        .bind(date_text(moved.to))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(JoinedRow {
            id,
            joined_on: from,
        }) = stint
        else {
            continue;
        };
        sqlx::query("UPDATE memberships SET joined_on = ? WHERE id = ?")
            .bind(date_text(moved.to))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO join_moves (line_id, membership_id, moved_from) VALUES (?, ?, ?)")
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
/// that moved.
pub(super) async fn take_back_join_moves(
    tx: &mut SqliteConnection,
    line: i64,
) -> Result<Vec<JoinMove>, StoreError> {
    let moves: Vec<JoinMoveRow> = sqlx::query_as(
        "SELECT m.id AS membership_id, jm.moved_from, m.team_id, m.manager_id, m.rep_id
         FROM join_moves jm JOIN memberships m ON m.id = jm.membership_id
         WHERE jm.line_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM team_changes tc JOIN log_lines ll ON ll.id = tc.line_id
             WHERE tc.membership_id = jm.membership_id AND tc.line_id > ?1
               AND ll.undone_at IS NULL AND tc.joined_before IS NOT tc.joined_after)",
    )
    .bind(line)
    .fetch_all(&mut *tx)
    .await?;
    let mut moved = Vec::new();
    for JoinMoveRow {
        membership_id: id,
        moved_from,
        team_id: workspace,
        manager_id: manager,
        rep_id: rep,
    } in moves
    {
        let from = parse_date(&moved_from)?;
        let span =
            sqlx::query_as::<_, SpanRow>("SELECT joined_on, left_on FROM memberships WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .read()?;
        let first = sessions_of(tx, &workspace, &manager, &rep, span)
            .await?
            .map(|(first, _)| first);
        let to = first.map_or(from, |first| first.min(from));
        // Left before that day: without the 1:1 the stint holds no day, so
        // it goes, as a rep removed the day they joined with nothing logged.
        if span.left_on.is_some_and(|left| to >= left) {
            sqlx::query("DELETE FROM memberships WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            continue;
        }
        if to > span.joined_on {
            sqlx::query("UPDATE memberships SET joined_on = ? WHERE id = ?")
                .bind(date_text(to))
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

/// Every stint these reps have had in workspace `workspace`, on any team.
pub(super) async fn reps_stints(
    tx: &mut SqliteConnection,
    workspace: &str,
    reps: &[&SlackUserId],
) -> Result<Vec<Membership>, StoreError> {
    let reps: Vec<&str> = reps.iter().map(|rep| rep.as_str()).collect();
    let rows: Vec<MembershipRow> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE team_id = ? AND rep_id IN (SELECT value FROM json_each(?))
         ORDER BY joined_on, id",
    )
    .bind(workspace)
    .bind(serde_json::Value::from(reps).to_string())
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
    .bind(manager.workspace.as_str())
    .bind(manager.id.as_str())
    .bind(rep.as_str())
    .bind(date_text(from))
    .fetch_one(&mut *tx)
    .await?;
    first.as_deref().map(parse_date).transpose()
}
