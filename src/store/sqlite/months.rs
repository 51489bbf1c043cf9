//! The one read a rep's month is made from: every stint the reps have had,
//! on any team, their 1:1 minutes in the month and the meetings of every
//! manager they were with, for the domain's one rule to total; and the
//! manager's own time in the month, each entry once.

use super::{date_text, parse_date, parse_user, SqliteStore, StoreError};
use crate::domain::{
    Activity, DayOfCoaching, Manager, ManagerTime, MeetingRecord, Membership, MonthActivity,
    SessionRecord, SlackUserId, WorkspaceId, YearMonth,
};

/// What a row of the month's union is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
enum ActivityKind {
    Membership,
    Session,
    Meeting,
}

/// One row of the month's union: what it is, then its fields.
#[derive(sqlx::FromRow)]
pub(super) struct ActivityRow {
    kind: ActivityKind,
    /// The manager of a stint or a meeting; the rep of a session.
    who: String,
    /// The rep of a stint; the kind of coaching of a session.
    what: Option<String>,
    minutes: Option<u32>,
    /// The join day of a stint; the day a session or meeting was held.
    day: String,
    left_on: Option<String>,
    /// A stint's ID, so that stints that began on the same day keep the
    /// order they were added in; 0 for the others.
    position: i64,
}

impl ActivityRow {
    /// The order the rows of each kind are read in: by day, then position.
    pub(super) fn order(&self) -> (&str, i64) {
        (&self.day, self.position)
    }
}

/// One day of a manager's own coaching: the minutes of their 1:1s and of
/// their team meetings held that day.
#[derive(sqlx::FromRow)]
pub(super) struct DayRow {
    held_on: String,
    one_on_one: u32,
    meetings: u32,
}

impl SqliteStore {
    /// The manager's own coaching in the month, day by day: each of their
    /// 1:1s once, however many reps were in it (leaving out one that every
    /// rep in it disputed), and each of their team meetings once.
    pub async fn manager_days(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<Vec<DayOfCoaching>, StoreError> {
        let rows: Vec<DayRow> = sqlx::query_as(
            "SELECT held_on,
                    SUM(CASE WHEN kind = 'session' THEN minutes ELSE 0 END) AS one_on_one,
                    SUM(CASE WHEN kind = 'meeting' THEN minutes ELSE 0 END) AS meetings
             FROM logs
             WHERE team_id = ? AND manager_id = ? AND held_on >= ? AND held_on < ?
               AND (kind = 'meeting'
                    OR EXISTS (SELECT 1 FROM log_reps
                               WHERE log_reps.log_id = logs.id
                                 AND log_reps.confirmation <> 'disputed'))
             GROUP BY held_on
             ORDER BY held_on",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(day_from_row).collect()
    }

    /// The records needed to total these reps' month, in one read: every
    /// membership they have had, their 1:1 minutes in the month (summed per
    /// day and kind, leaving out sessions they disputed), and the meetings
    /// of every manager they were with.
    pub async fn month_activity(
        &self,
        workspace: &WorkspaceId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        if reps.is_empty() {
            return Ok(MonthActivity::default());
        }
        let reps_sql = format!("VALUES {}", vec!["(?)"; reps.len()].join(", "));
        let binds: Vec<String> = reps.iter().map(|rep| rep.as_str().to_string()).collect();
        self.activity(workspace, &reps_sql, &binds, month).await
    }

    /// The month of everyone on the manager's team on some day of it, or on
    /// it now, as [`SqliteStore::month_activity`] reads it for a list of reps.
    pub async fn team_month_activity(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        let reps_sql = "SELECT rep_id FROM memberships
                        WHERE team_id = ? AND manager_id = ?
                          AND (left_on IS NULL OR (joined_on < ? AND left_on > ?))";
        let binds = [
            manager.workspace.as_str().to_string(),
            manager.id.as_str().to_string(),
            date_text(month.next().first_day()),
            date_text(month.first_day()),
        ];
        self.activity(&manager.workspace, reps_sql, &binds, month)
            .await
    }

    /// The union behind both reads; `reps_sql` selects the reps' IDs with
    /// `binds` as its parameters.
    async fn activity(
        &self,
        workspace: &WorkspaceId,
        reps_sql: &str,
        binds: &[String],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        let from = date_text(month.first_day());
        let until = date_text(month.next().first_day());
        // Stints come first, in the order they began, so that reps who
        // joined on the same day are listed in the order they were added.
        let sql = format!(
            "WITH reps(rep_id) AS ({reps_sql})
             SELECT 'membership' AS kind, manager_id AS who, rep_id AS what, NULL AS minutes,
                    joined_on AS day, left_on, id AS position
             FROM memberships
             WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps)
             UNION ALL
             SELECT 'session', rep_id, activity, SUM(minutes), held_on, NULL, 0 FROM log_reps
             WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps)
               AND held_on >= ? AND held_on < ? AND confirmation <> 'disputed'
             GROUP BY rep_id, held_on, activity
             UNION ALL
             SELECT 'meeting', manager_id, NULL, SUM(minutes), held_on, NULL, 0 FROM logs
             WHERE team_id = ? AND kind = 'meeting' AND held_on >= ? AND held_on < ?
               AND manager_id IN (SELECT manager_id FROM memberships
                                  WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps))
             GROUP BY manager_id, held_on
             ORDER BY kind, day, position"
        );
        let mut query = sqlx::query_as::<_, ActivityRow>(&sql);
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query
            .bind(workspace.as_str())
            .bind(workspace.as_str())
            .bind(&from)
            .bind(&until)
            .bind(workspace.as_str())
            .bind(&from)
            .bind(&until)
            .bind(workspace.as_str())
            .fetch_all(&self.readers)
            .await?;
        let mut activity = MonthActivity::default();
        for row in rows {
            push_activity(&mut activity, row)?;
        }
        Ok(activity)
    }
}

/// Adds one row of the month's union to the records it belongs to.
pub(super) fn push_activity(
    activity: &mut MonthActivity,
    row: ActivityRow,
) -> Result<(), StoreError> {
    match row.kind {
        ActivityKind::Membership => activity.memberships.push(Membership {
            manager: parse_user(row.who)?,
            rep: parse_user(row.what.unwrap_or_default())?,
            joined_on: parse_date(&row.day)?,
            left_on: row.left_on.as_deref().map(parse_date).transpose()?,
        }),
        ActivityKind::Session => activity.sessions.push(SessionRecord {
            rep: parse_user(row.who)?,
            minutes: row.minutes.unwrap_or(0),
            activity: row
                .what
                .as_deref()
                .and_then(Activity::from_code)
                .unwrap_or(Activity::Other),
            held_on: parse_date(&row.day)?,
        }),
        ActivityKind::Meeting => activity.meetings.push(MeetingRecord {
            manager: parse_user(row.who)?,
            minutes: row.minutes.unwrap_or(0),
            held_on: parse_date(&row.day)?,
        }),
    }
    Ok(())
}

pub(super) fn day_from_row(row: DayRow) -> Result<DayOfCoaching, StoreError> {
    Ok(DayOfCoaching {
        held_on: parse_date(&row.held_on)?,
        time: ManagerTime {
            one_on_one: row.one_on_one,
            meetings: row.meetings,
        },
    })
}
