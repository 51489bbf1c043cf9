//! The jobs' set reads: what each of many managers' decisions needs, in a
//! few queries over all of them, for the domain's rules to apply per
//! manager in memory. Each returns the managers' records in the order the
//! managers were given (`due.i`); a row that cannot be read marks only the
//! managers it belongs to.

use chrono::{Days, NaiveDate};

use super::months::{day_from_row, push_activity, ActivityRow, DayRow};
use super::team::{membership_from_row, MembershipRow};
use super::{date_text, parse_date, SqliteStore, StoreError};
use crate::domain::{DayOfCoaching, Manager, Membership, MonthActivity, YearMonth};
use crate::store::{MeetingsAsOf, PerManager};

/// The managers a set read is for, as `due(i, team_id, manager_id)`: their
/// position in the caller's list, their workspace and their user ID, bound
/// as one JSON parameter.
const DUE: &str = "due(i, team_id, manager_id) AS (
    SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))";

fn due_json(managers: &[Manager]) -> String {
    serde_json::json!(managers
        .iter()
        .map(|manager| [manager.workspace.as_str(), manager.id.as_str()])
        .collect::<Vec<_>>())
    .to_string()
}

/// A row of a set read: the position of the manager it belongs to, then
/// its fields.
#[derive(sqlx::FromRow)]
struct Due<Fields> {
    i: i64,
    #[sqlx(flatten)]
    row: Fields,
}

/// One empty record per manager, for the rows to fill.
fn empty<T: Default>(managers: &[Manager]) -> PerManager<T> {
    managers.iter().map(|_| Ok(T::default())).collect()
}

/// Adds a row to the records of the manager at `i`; a row that cannot be
/// read leaves that manager with the error.
fn fill<T, R>(
    records: &mut PerManager<T>,
    row: Due<R>,
    add: impl FnOnce(&mut T, R) -> Result<(), StoreError>,
) {
    let Some(slot) = usize::try_from(row.i).ok().and_then(|i| records.get_mut(i)) else {
        return;
    };
    if let Ok(record) = slot {
        if let Err(error) = add(record, row.row) {
            *slot = Err(error);
        }
    }
}

#[derive(sqlx::FromRow)]
struct MeetingsRow {
    last_held: Option<String>,
    held_since: u32,
}

impl SqliteStore {
    /// [`SqliteStore::team_month_activity`] for each of these managers:
    /// the same union, keyed by the manager it is read for. With a day
    /// (`held_by`), only the entries held by then, and the sessions summed
    /// per rep and kind of coaching, dated the last of them: all a job's
    /// decision asks of them, in a tenth of the rows.
    pub async fn team_month_activities(
        &self,
        managers: &[Manager],
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> Result<PerManager<MonthActivity>, StoreError> {
        let from = date_text(month.first_day());
        let next_month = month.next().first_day();
        let until =
            date_text(held_by.map_or(next_month, |day| (day + Days::new(1)).min(next_month)));
        let session_days = match held_by {
            Some(_) => "",
            None => ", lr.held_on",
        };
        let sql = format!(
            "WITH {DUE},
             reps(i, team_id, rep_id) AS (
                 SELECT DISTINCT due.i, ms.team_id, ms.rep_id
                 FROM due JOIN memberships ms
                   ON ms.team_id = due.team_id AND ms.manager_id = due.manager_id
                 WHERE ms.left_on IS NULL OR (ms.joined_on < ? AND ms.left_on > ?)),
             managers_met(i, team_id, manager_id) AS (
                 SELECT DISTINCT reps.i, ms.team_id, ms.manager_id
                 FROM reps JOIN memberships ms
                   ON ms.team_id = reps.team_id AND ms.rep_id = reps.rep_id)
             SELECT reps.i, 'membership' AS kind, ms.manager_id AS who, ms.rep_id AS what,
                    NULL AS minutes, ms.joined_on AS day, ms.left_on, ms.id AS position
             FROM reps JOIN memberships ms
               ON ms.team_id = reps.team_id AND ms.rep_id = reps.rep_id
             UNION ALL
             SELECT reps.i, 'session', lr.rep_id, lr.activity, SUM(lr.minutes),
                    MAX(lr.held_on), NULL, 0
             FROM reps JOIN log_reps lr
               ON lr.team_id = reps.team_id AND lr.rep_id = reps.rep_id
             WHERE lr.held_on >= ? AND lr.held_on < ? AND lr.confirmation <> 'disputed'
             GROUP BY reps.i, lr.rep_id, lr.activity{session_days}
             UNION ALL
             SELECT managers_met.i, 'meeting', l.manager_id, NULL, SUM(l.minutes), l.held_on,
                    NULL, 0
             FROM managers_met JOIN logs l
               ON l.team_id = managers_met.team_id AND l.manager_id = managers_met.manager_id
             WHERE l.kind = 'meeting' AND l.held_on >= ? AND l.held_on < ?
             GROUP BY managers_met.i, l.manager_id, l.held_on"
        );
        let rows: Vec<Due<ActivityRow>> = sqlx::query_as(&sql)
            .bind(due_json(managers))
            .bind(&until)
            .bind(&from)
            .bind(&from)
            .bind(&until)
            .bind(&from)
            .bind(&until)
            .fetch_all(&mut *self.readers.acquire().await?)
            .await?;
        // Ordered here rather than in SQL: a few rows per manager sort
        // faster than all of them at once.
        let mut rows_of: Vec<Vec<ActivityRow>> = managers.iter().map(|_| Vec::new()).collect();
        for Due { i, row } in rows {
            if let Some(rows) = usize::try_from(i).ok().and_then(|i| rows_of.get_mut(i)) {
                rows.push(row);
            }
        }
        Ok(rows_of
            .into_iter()
            .map(|mut rows| {
                rows.sort_by(|a, b| a.order().cmp(&b.order()));
                let mut activity = MonthActivity::default();
                for row in rows {
                    push_activity(&mut activity, row)?;
                }
                Ok(activity)
            })
            .collect())
    }

    /// [`SqliteStore::manager_days`] for each of these managers, from
    /// covering indexes: every entry's minutes, less the meetings' (which
    /// also count apart) and less the 1:1s every rep disputed, found from
    /// the few disputed rows rather than by visiting each session's reps.
    pub async fn managers_days(
        &self,
        managers: &[Manager],
        month: YearMonth,
    ) -> Result<PerManager<Vec<DayOfCoaching>>, StoreError> {
        let rows: Vec<Due<DayRow>> = sqlx::query_as(&format!(
            "WITH {DUE},
             disputed(team_id, manager_id, held_on, minutes) AS (
                 SELECT l.team_id, l.manager_id, l.held_on, SUM(l.minutes)
                 FROM logs l
                 WHERE l.id IN (SELECT log_id FROM log_reps WHERE confirmation = 'disputed')
                   AND l.kind = 'session' AND l.held_on >= ?2 AND l.held_on < ?3
                   AND NOT EXISTS (SELECT 1 FROM log_reps
                                   WHERE log_id = l.id AND confirmation <> 'disputed')
                 GROUP BY l.team_id, l.manager_id, l.held_on),
             parts(i, held_on, one_on_one, meetings) AS (
                 SELECT due.i, l.held_on, l.minutes, 0
                 FROM due JOIN logs l ON l.team_id = due.team_id AND l.manager_id = due.manager_id
                 WHERE l.held_on >= ?2 AND l.held_on < ?3
                 UNION ALL
                 SELECT due.i, l.held_on, -l.minutes, l.minutes
                 FROM due JOIN logs l ON l.team_id = due.team_id AND l.manager_id = due.manager_id
                 WHERE l.kind = 'meeting' AND l.held_on >= ?2 AND l.held_on < ?3
                 UNION ALL
                 SELECT due.i, disputed.held_on, -disputed.minutes, 0
                 FROM due JOIN disputed
                   ON disputed.team_id = due.team_id AND disputed.manager_id = due.manager_id)
             SELECT i, held_on, SUM(one_on_one) AS one_on_one, SUM(meetings) AS meetings
             FROM parts
             GROUP BY i, held_on
             HAVING SUM(one_on_one) + SUM(meetings) > 0
             ORDER BY i, held_on"
        ))
        .bind(due_json(managers))
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut days = empty(managers);
        for row in rows {
            fill(&mut days, row, |days: &mut Vec<DayOfCoaching>, row| {
                days.push(day_from_row(row)?);
                Ok(())
            });
        }
        Ok(days)
    }

    /// Every stint each of these managers' teams has had, in the order
    /// they began (those ended too).
    pub async fn managers_stints(
        &self,
        managers: &[Manager],
    ) -> Result<PerManager<Vec<Membership>>, StoreError> {
        let rows: Vec<Due<MembershipRow>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i, ms.manager_id, ms.rep_id, ms.joined_on, ms.left_on
             FROM due JOIN memberships ms
               ON ms.team_id = due.team_id AND ms.manager_id = due.manager_id
             ORDER BY due.i, ms.joined_on, ms.id"
        ))
        .bind(due_json(managers))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut stints = empty(managers);
        for row in rows {
            fill(&mut stints, row, |stints: &mut Vec<Membership>, row| {
                stints.push(membership_from_row(row)?);
                Ok(())
            });
        }
        Ok(stints)
    }

    /// Each of these managers' team meetings as of `day`: the latest held
    /// on or before it, and how many were held from `from` through it.
    pub async fn managers_meetings(
        &self,
        managers: &[Manager],
        from: NaiveDate,
        day: NaiveDate,
    ) -> Result<PerManager<MeetingsAsOf>, StoreError> {
        let rows: Vec<Due<MeetingsRow>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i,
                    (SELECT MAX(held_on) FROM logs
                     WHERE team_id = due.team_id AND manager_id = due.manager_id
                       AND kind = 'meeting' AND held_on <= ?2) AS last_held,
                    (SELECT COUNT(*) FROM logs
                     WHERE team_id = due.team_id AND manager_id = due.manager_id
                       AND kind = 'meeting' AND held_on >= ?3 AND held_on <= ?2) AS held_since
             FROM due"
        ))
        .bind(due_json(managers))
        .bind(date_text(day))
        .bind(date_text(from))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut meetings = empty(managers);
        for row in rows {
            fill(&mut meetings, row, |meetings: &mut MeetingsAsOf, row| {
                *meetings = MeetingsAsOf {
                    last_held: row.last_held.as_deref().map(parse_date).transpose()?,
                    held_since: row.held_since,
                };
                Ok(())
            });
        }
        Ok(meetings)
    }
}
