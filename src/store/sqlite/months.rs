//! The one read a rep's month is made from: every stint the reps have had,
//! on any team, their 1:1 minutes in the month and the meetings of every
//! manager they were with, for the domain's one rule to total; and the
//! manager's own time in the month, each entry once.

use super::logs::{bind_lookalikes, lookalikes_json_sql, stored_entries, EntryRepRow};
use super::{
    date_text, decode_json, from_json_value, parse_date, parse_user, JsonQuery, SqliteStore,
    StoreError,
};
use crate::domain::{
    Activity, DayOfCoaching, Entry, Manager, ManagerTime, MeetingRecord, Membership, MonthActivity,
    SessionRecord, SlackUserId, WorkspaceId, YearMonth,
};
use crate::store::{LineContext, StintsSeen};

/// What a row of the month's union is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActivityKind {
    Membership,
    Session,
    Meeting,
    /// The count of stint changes in the workspace, in `position`; read
    /// with a new line's months alone ([`SqliteStore::line_context`]).
    Version,
}

/// One row of the month's union: what it is, then its fields.
#[derive(serde::Deserialize)]
pub(in crate::store) struct ActivityRow {
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
        .fetch_all(&mut *self.readers.acquire().await?)
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
        let binds: Vec<String> = reps.iter().map(|rep| rep.as_str().to_string()).collect();
        self.activity(workspace, &reps_values(reps.len()), &binds, month)
            .await
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

    /// What a new line needs before it is stored and answered: for each
    /// month, the reps' stints and month (1:1 minutes summed per rep and
    /// kind) with the count of stint changes, and the lookalikes; all in
    /// one statement that answers in one row, so a log costs one trip to a
    /// reader and back however many rows its months hold.
    pub async fn line_context(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        months: &[YearMonth],
        new: &[Entry],
        lookalikes: u32,
    ) -> Result<LineContext, StoreError> {
        let month_sql = month_json_sql(&reps_values(reps.len()), Sessions::ByMonthWithVersion);
        let binds: Vec<String> = reps.iter().map(|rep| rep.as_str().to_string()).collect();
        let columns: Vec<String> = months
            .iter()
            .map(|_| format!("({month_sql})"))
            .chain([format!("({})", lookalikes_json_sql(new))])
            .collect();
        let sql = format!("SELECT json_array({})", columns.join(", "));
        let mut query = sqlx::query_scalar(&sql);
        for &month in months {
            query = bind_activity(
                query,
                &manager.workspace,
                &binds,
                month,
                Sessions::ByMonthWithVersion,
            );
        }
        let query = bind_lookalikes(query, manager, new, lookalikes);
        let read: String = query.fetch_one(&mut *self.readers.acquire().await?).await?;
        let (month_rows, lookalike_rows) = decode_line_context(&read, months.len())?;
        let mut seen = None;
        let mut read_months = Vec::with_capacity(months.len());
        for (&month, rows) in months.iter().zip(month_rows) {
            let mut activity = MonthActivity::default();
            for row in rows {
                if row.kind == ActivityKind::Version {
                    // The stints a caller judges are the first month's, so
                    // the count is the one read with them.
                    seen.get_or_insert(row.position);
                } else {
                    push_activity(&mut activity, row)?;
                }
            }
            read_months.push((month, activity));
        }
        Ok(LineContext {
            seen: StintsSeen(seen.unwrap_or(0)),
            months: read_months,
            lookalikes: stored_entries(lookalike_rows)?,
        })
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
        let sql = month_json_sql(reps_sql, Sessions::ByDay);
        let read: String = bind_activity(
            sqlx::query_scalar(&sql),
            workspace,
            binds,
            month,
            Sessions::ByDay,
        )
        .fetch_one(&mut *self.readers.acquire().await?)
        .await?;
        let mut activity = MonthActivity::default();
        for row in decode_json::<Vec<ActivityRow>>(&read)? {
            push_activity(&mut activity, row)?;
        }
        Ok(activity)
    }
}

/// A month's rows and a line's lookalikes' rows, as [`SqliteStore::line_context`]
/// reads them: one JSON array, the months first.
fn decode_line_context(
    read: &str,
    months: usize,
) -> Result<(Vec<Vec<ActivityRow>>, Vec<EntryRepRow>), StoreError> {
    let mut columns: Vec<serde_json::Value> = decode_json(read)?;
    if columns.len() != months + 1 {
        return Err(StoreError::Corrupt(format!(
            "a line's context read {} parts for {months} months",
            columns.len()
        )));
    }
    let lookalikes = from_json_value(columns.pop().unwrap_or_default())?;
    let months = columns
        .into_iter()
        .map(from_json_value)
        .collect::<Result<_, _>>()?;
    Ok((months, lookalikes))
}

/// The SQL that lists `n` reps given as parameters.
pub(super) fn reps_values(n: usize) -> String {
    format!("VALUES {}", vec!["(?)"; n].join(", "))
}

/// How finely the month's union reads 1:1 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sessions {
    /// Summed per rep, day and kind of coaching: enough for any day's
    /// count (`run-job --at`).
    ByDay,
    /// Summed per rep and kind over the whole month, each sum dated the
    /// last day in it; with the count of stint changes beside. Enough for
    /// the month as it stands, which is all a new line's answer shows, in
    /// one row per rep however long their month.
    ByMonthWithVersion,
}

/// The SQL of the month's union for the reps `reps_sql` selects; its
/// parameters are bound by [`bind_activity`].
pub(super) fn activity_sql(reps_sql: &str, sessions: Sessions) -> String {
    let (sessions_day, sessions_grouping, version) = match sessions {
        Sessions::ByDay => ("held_on", "rep_id, held_on, activity", ""),
        Sessions::ByMonthWithVersion => (
            "MAX(held_on)",
            "rep_id, activity",
            "UNION ALL
             SELECT 'version', '', NULL, NULL, '', NULL,
                    COALESCE((SELECT version FROM stint_versions WHERE team_id = ?), 0)",
        ),
    };
    // Stints come first, in the order they began, so that reps who
    // joined on the same day are listed in the order they were added.
    format!(
        "WITH reps(rep_id) AS ({reps_sql})
         SELECT 'membership' AS kind, manager_id AS who, rep_id AS what, NULL AS minutes,
                joined_on AS day, left_on, id AS position
         FROM memberships
         WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps)
         UNION ALL
         SELECT 'session', rep_id, activity, SUM(minutes), {sessions_day}, NULL, 0 FROM log_reps
         WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps)
           AND held_on >= ? AND held_on < ? AND confirmation <> 'disputed'
         GROUP BY {sessions_grouping}
         UNION ALL
         SELECT 'meeting', manager_id, NULL, SUM(minutes), held_on, NULL, 0 FROM logs
         WHERE team_id = ? AND kind = 'meeting' AND held_on >= ? AND held_on < ?
           AND manager_id IN (SELECT manager_id FROM memberships
                              WHERE team_id = ? AND rep_id IN (SELECT rep_id FROM reps))
         GROUP BY manager_id, held_on
         {version}
         ORDER BY kind, day, position"
    )
}

/// [`activity_sql`] in one row: its rows as a JSON array of arrays, in
/// [`ActivityRow`]'s order of fields, each kind by day and position. sqlx
/// hands each row of a result from SQLite's thread to the caller's task on
/// its own, so a month of many rows costs many hand-offs; one row costs one.
pub(super) fn month_json_sql(reps_sql: &str, sessions: Sessions) -> String {
    format!(
        "SELECT json_group_array(json_array(kind, who, what, minutes, day, left_on, position)
                                ORDER BY kind, day, position)
         FROM ({})",
        activity_sql(reps_sql, sessions)
    )
}

/// Binds the parameters of [`activity_sql`]: the reps' `binds` first.
pub(super) fn bind_activity<'q>(
    mut query: JsonQuery<'q>,
    workspace: &WorkspaceId,
    binds: &[String],
    month: YearMonth,
    sessions: Sessions,
) -> JsonQuery<'q> {
    let from = date_text(month.first_day());
    let until = date_text(month.next().first_day());
    for bind in binds {
        query = query.bind(bind.clone());
    }
    let query = query
        .bind(workspace.as_str().to_string())
        .bind(workspace.as_str().to_string())
        .bind(from.clone())
        .bind(until.clone())
        .bind(workspace.as_str().to_string())
        .bind(from)
        .bind(until)
        .bind(workspace.as_str().to_string());
    match sessions {
        Sessions::ByDay => query,
        Sessions::ByMonthWithVersion => query.bind(workspace.as_str().to_string()),
    }
}

/// Adds one row of the month's union to the records it belongs to.
pub(in crate::store) fn push_activity(
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
        ActivityKind::Version => {}
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
