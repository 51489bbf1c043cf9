//! The jobs' set reads: what each of many managers' decisions needs, in a
//! few queries over all of them, for the domain's rules to apply per
//! manager in memory. Each returns the managers' records in the order the
//! managers were given (`due.i`); a row that cannot be read marks only the
//! managers it belongs to.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use serde::Deserialize;

use super::{date_text, parse_date, parse_user, SqliteStore, StoreError};
use crate::domain::{
    Activity, DayOfCoaching, Manager, ManagerTime, MeetingRecord, Membership, MonthActivity,
    SessionRecord, YearMonth,
};
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
pub(in crate::store) struct Due<Fields> {
    i: i64,
    #[sqlx(flatten)]
    row: Fields,
}

/// One empty record per manager, for the rows to fill.
pub(in crate::store) fn empty<T: Default>(managers: &[Manager]) -> PerManager<T> {
    managers.iter().map(|_| Ok(T::default())).collect()
}

/// Adds a row to the records of the manager at `i`; a row that cannot be
/// read leaves that manager with the error.
pub(in crate::store) fn fill<T, R>(
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

/// A month read's JSON columns, each an array of arrays.
#[derive(sqlx::FromRow)]
struct MonthJson {
    stints: String,
    sessions: String,
    meetings: String,
}

/// A manager's stints, as a JSON array of arrays.
#[derive(sqlx::FromRow)]
struct StintsJson {
    stints: String,
}

/// A manager's own days, as JSON arrays of `[day, minutes]`: all their
/// entries', their meetings' and their wholly disputed 1:1s'.
#[derive(sqlx::FromRow)]
struct DaysJson {
    entries: String,
    meetings: String,
    disputed: String,
}

/// A stint in a JSON array: `[manager, rep, joined_on, left_on, id]`.
#[derive(Deserialize)]
struct StintJson<'a> {
    manager: &'a str,
    rep: &'a str,
    joined_on: &'a str,
    #[serde(borrow)]
    left_on: Option<&'a str>,
    id: i64,
}

/// A rep's 1:1 in a JSON array: `[rep, activity, minutes, held_on]`.
#[derive(Deserialize)]
struct SessionJson<'a> {
    rep: &'a str,
    activity: &'a str,
    minutes: u32,
    held_on: &'a str,
}

/// A team meeting in a JSON array: `[manager, minutes, held_on]`.
#[derive(Deserialize)]
struct MeetingJson<'a> {
    manager: &'a str,
    minutes: u32,
    held_on: &'a str,
}

/// Minutes on a day, in a JSON array: `[held_on, minutes]`.
#[derive(Deserialize)]
struct MinutesJson<'a> {
    held_on: &'a str,
    minutes: u32,
}

/// The records of a JSON array; one that cannot be read makes the whole
/// column unreadable, as a row that cannot be read does.
fn from_json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("set read: {error}")))
}

/// Stints in the order they began, and by ID on the same day, so reps who
/// joined on the same day keep the order they were added in.
fn stints_from_json(text: &str) -> Result<Vec<Membership>, StoreError> {
    let mut stints = from_json::<StintJson>(text)?
        .into_iter()
        .map(|stint| {
            let membership = Membership {
                manager: parse_user(stint.manager.to_string())?,
                rep: parse_user(stint.rep.to_string())?,
                joined_on: parse_date(stint.joined_on)?,
                left_on: stint.left_on.map(parse_date).transpose()?,
            };
            Ok((membership, stint.id))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    stints.sort_by_key(|(stint, id)| (stint.joined_on, *id));
    Ok(stints.into_iter().map(|(stint, _)| stint).collect())
}

/// A month as [`SqliteStore::team_month_activity`] reads it: 1:1 minutes
/// summed per rep, kind of coaching and day, or with `by_month` per rep and
/// kind over the whole read (dated the last day in it); meetings summed per
/// manager and day.
fn month_from_json(row: &MonthJson, by_month: bool) -> Result<MonthActivity, StoreError> {
    let mut sessions = from_json::<SessionJson>(&row.sessions)?;
    sessions.sort_unstable_by(|a, b| {
        (a.rep, a.activity, a.held_on).cmp(&(b.rep, b.activity, b.held_on))
    });
    let same_sum = |a: &SessionJson, b: &SessionJson| {
        a.rep == b.rep && a.activity == b.activity && (by_month || a.held_on == b.held_on)
    };
    let mut summed: Vec<SessionRecord> = Vec::new();
    for group in sessions.chunk_by(same_sum) {
        let last = &group[group.len() - 1];
        summed.push(SessionRecord {
            rep: parse_user(last.rep.to_string())?,
            minutes: group.iter().map(|s| s.minutes).sum(),
            activity: Activity::from_code(last.activity).unwrap_or(Activity::Other),
            held_on: parse_date(last.held_on)?,
        });
    }
    let mut meetings = from_json::<MeetingJson>(&row.meetings)?;
    meetings.sort_unstable_by(|a, b| (a.manager, a.held_on).cmp(&(b.manager, b.held_on)));
    let mut meetings_summed: Vec<MeetingRecord> = Vec::new();
    for group in meetings.chunk_by(|a, b| a.manager == b.manager && a.held_on == b.held_on) {
        meetings_summed.push(MeetingRecord {
            manager: parse_user(group[0].manager.to_string())?,
            minutes: group.iter().map(|m| m.minutes).sum(),
            held_on: parse_date(group[0].held_on)?,
        });
    }
    Ok(MonthActivity {
        memberships: stints_from_json(&row.stints)?,
        sessions: summed,
        meetings: meetings_summed,
    })
}

/// The manager's own days: each day's entries less its meetings (which
/// count apart) and its wholly disputed 1:1s, the days with any time left.
fn days_from_json(row: &DaysJson) -> Result<Vec<DayOfCoaching>, StoreError> {
    let mut days: BTreeMap<&str, (i64, u32)> = BTreeMap::new();
    for entry in from_json::<MinutesJson>(&row.entries)? {
        days.entry(entry.held_on).or_default().0 += i64::from(entry.minutes);
    }
    for meeting in from_json::<MinutesJson>(&row.meetings)? {
        let day = days.entry(meeting.held_on).or_default();
        day.0 -= i64::from(meeting.minutes);
        day.1 += meeting.minutes;
    }
    for disputed in from_json::<MinutesJson>(&row.disputed)? {
        days.entry(disputed.held_on).or_default().0 -= i64::from(disputed.minutes);
    }
    days.into_iter()
        .filter(|(_, (one_on_one, meetings))| one_on_one + i64::from(*meetings) > 0)
        .map(|(held_on, (one_on_one, meetings))| {
            Ok(DayOfCoaching {
                held_on: parse_date(held_on)?,
                time: ManagerTime {
                    one_on_one: u32::try_from(one_on_one.max(0)).unwrap_or(u32::MAX),
                    meetings,
                },
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct MeetingsRow {
    last_held: Option<String>,
    held_since: u32,
}

impl SqliteStore {
    /// [`SqliteStore::team_month_activity`] for each of these managers, in
    /// one row per manager: the stints, 1:1s and meetings of their month as
    /// JSON arrays built by correlated subqueries, so SQLite sorts nothing
    /// and hands over a row per manager rather than one per record. With a
    /// day (`held_by`), only the entries held by then, and the sessions
    /// summed per rep and kind of coaching, dated the last of them: all a
    /// job's decision asks of them.
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
        // The reps on the manager's team on some day of the read, or now.
        let team = "SELECT t.rep_id FROM memberships t
                    WHERE t.team_id = due.team_id AND t.manager_id = due.manager_id
                      AND (t.left_on IS NULL OR (t.joined_on < ?2 AND t.left_on > ?3))";
        let rows: Vec<Due<MonthJson>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i,
                    (SELECT json_group_array(json_array(s.manager_id, s.rep_id, s.joined_on,
                                                        s.left_on, s.id))
                     FROM memberships s
                     WHERE s.team_id = due.team_id AND s.rep_id IN ({team})) AS stints,
                    (SELECT json_group_array(json_array(lr.rep_id, lr.activity, lr.minutes,
                                                        lr.held_on))
                     FROM log_reps lr
                     WHERE lr.team_id = due.team_id AND lr.rep_id IN ({team})
                       AND lr.held_on >= ?3 AND lr.held_on < ?2
                       AND lr.confirmation <> 'disputed') AS sessions,
                    (SELECT json_group_array(json_array(l.manager_id, l.minutes, l.held_on))
                     FROM logs l
                     WHERE l.team_id = due.team_id AND l.kind = 'meeting'
                       AND l.held_on >= ?3 AND l.held_on < ?2
                       AND l.manager_id IN (SELECT met.manager_id FROM memberships met
                                            WHERE met.team_id = due.team_id
                                              AND met.rep_id IN ({team}))) AS meetings
             FROM due"
        ))
        .bind(due_json(managers))
        .bind(&until)
        .bind(&from)
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut activities = empty(managers);
        for row in rows {
            fill(&mut activities, row, |activity: &mut MonthActivity, row| {
                *activity = month_from_json(&row, held_by.is_some())?;
                Ok(())
            });
        }
        Ok(activities)
    }

    /// [`SqliteStore::manager_days`] for each of these managers, in one row
    /// per manager, from covering indexes read in day order: every entry's
    /// minutes per day, the meetings' (which also count apart) and those of
    /// the 1:1s every rep disputed, found from the few disputed rows rather
    /// than by visiting each session's reps.
    pub async fn managers_days(
        &self,
        managers: &[Manager],
        month: YearMonth,
    ) -> Result<PerManager<Vec<DayOfCoaching>>, StoreError> {
        let rows: Vec<Due<DaysJson>> = sqlx::query_as(&format!(
            "WITH {DUE},
             disputed(team_id, manager_id, held_on, minutes) AS MATERIALIZED (
                 SELECT l.team_id, l.manager_id, l.held_on, l.minutes
                 FROM logs l
                 WHERE l.id IN (SELECT log_id FROM log_reps WHERE confirmation = 'disputed')
                   AND l.kind = 'session' AND l.held_on >= ?2 AND l.held_on < ?3
                   AND NOT EXISTS (SELECT 1 FROM log_reps
                                   WHERE log_id = l.id AND confirmation <> 'disputed'))
             SELECT due.i,
                    (SELECT json_group_array(json_array(held_on, minutes))
                     FROM (SELECT l.held_on, SUM(l.minutes) AS minutes FROM logs l
                           WHERE l.team_id = due.team_id AND l.manager_id = due.manager_id
                             AND l.held_on >= ?2 AND l.held_on < ?3
                           GROUP BY l.held_on)) AS entries,
                    (SELECT json_group_array(json_array(l.held_on, l.minutes)) FROM logs l
                     WHERE l.team_id = due.team_id AND l.manager_id = due.manager_id
                       AND l.kind = 'meeting' AND l.held_on >= ?2 AND l.held_on < ?3)
                      AS meetings,
                    (SELECT json_group_array(json_array(d.held_on, d.minutes)) FROM disputed d
                     WHERE d.team_id = due.team_id AND d.manager_id = due.manager_id)
                      AS disputed
             FROM due"
        ))
        .bind(due_json(managers))
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut days = empty(managers);
        for row in rows {
            fill(&mut days, row, |days: &mut Vec<DayOfCoaching>, row| {
                *days = days_from_json(&row)?;
                Ok(())
            });
        }
        Ok(days)
    }

    /// Every stint each of these managers' teams has had, in the order
    /// they began (those ended too), in one row per manager.
    pub async fn managers_stints(
        &self,
        managers: &[Manager],
    ) -> Result<PerManager<Vec<Membership>>, StoreError> {
        let rows: Vec<Due<StintsJson>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i,
                    (SELECT json_group_array(json_array(ms.manager_id, ms.rep_id, ms.joined_on,
                                                        ms.left_on, ms.id))
                     FROM memberships ms
                     WHERE ms.team_id = due.team_id AND ms.manager_id = due.manager_id)
                      AS stints
             FROM due"
        ))
        .bind(due_json(managers))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        let mut stints = empty(managers);
        for row in rows {
            fill(&mut stints, row, |stints: &mut Vec<Membership>, row| {
                *stints = stints_from_json(&row.stints)?;
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
