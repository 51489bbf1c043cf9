//! The jobs' set reads on PostgreSQL: what each of many managers'
//! decisions needs, in a few queries over all of them, for the domain's
//! rules to apply per manager in memory. The managers go in as two arrays
//! (`due(i, team_id, manager_id)`, `i` their position in the caller's
//! list); each query answers rows tagged with `i`, already summed and in
//! the order SQLite's answers have. A read of several queries runs in one
//! snapshot, so the stints, 1:1s and meetings it hands over are of one
//! moment. A row that cannot be read marks only the managers it belongs to.

use chrono::{Days, NaiveDate};
use sqlx::{PgConnection, Postgres, Transaction};

use super::team::{membership_from_row, MembershipRow};
use super::{PgStore, StoreError};
use crate::domain::{
    Activity, DayOfCoaching, Manager, ManagerTime, MeetingRecord, Membership, MonthActivity,
    SessionRecord, YearMonth,
};
use crate::store::sqlite::parse_user;
use crate::store::sqlite::plans::{empty, fill, Due};
use crate::store::{MeetingsAsOf, PerManager};

/// The managers a set read is for, bound as `$1` (workspaces) and `$2`
/// (user IDs).
const DUE: &str = "due(i, team_id, manager_id) AS (
    SELECT d.i - 1, d.team_id, d.manager_id
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS d(team_id, manager_id, i))";

/// The managers' workspaces and user IDs, as [`DUE`] takes them.
fn due_arrays(managers: &[Manager]) -> (Vec<&str>, Vec<&str>) {
    managers
        .iter()
        .map(|manager| (manager.workspace.as_str(), manager.id.as_str()))
        .unzip()
}

/// A rep's 1:1 minutes of one kind, summed per day or over the read.
#[derive(sqlx::FromRow)]
struct SessionRow {
    rep_id: String,
    activity: String,
    minutes: i64,
    held_on: NaiveDate,
}

/// A manager's team meetings on one day, summed.
#[derive(sqlx::FromRow)]
struct MeetingRow {
    manager_id: String,
    minutes: i64,
    held_on: NaiveDate,
}

/// A manager's own minutes on one day: all their entries', their
/// meetings' (which also count apart) and their wholly disputed 1:1s'.
#[derive(sqlx::FromRow)]
struct DayRow {
    held_on: NaiveDate,
    entries: i64,
    meetings: i64,
    disputed: i64,
}

#[derive(sqlx::FromRow)]
struct MeetingsRow {
    last_held: Option<NaiveDate>,
    held_since: i64,
}

fn minutes(summed: i64) -> Result<u32, StoreError> {
    u32::try_from(summed).map_err(|_| StoreError::Corrupt(format!("minutes {summed}")))
}

impl DayRow {
    /// The day as the manager's own time, none when nothing of it is left:
    /// its entries less its meetings (which count apart) and its wholly
    /// disputed 1:1s.
    fn read(self) -> Result<Option<DayOfCoaching>, StoreError> {
        let one_on_one = self.entries - self.meetings - self.disputed;
        if one_on_one + self.meetings <= 0 {
            return Ok(None);
        }
        Ok(Some(DayOfCoaching {
            held_on: self.held_on,
            time: ManagerTime {
                one_on_one: u32::try_from(one_on_one.max(0)).unwrap_or(u32::MAX),
                meetings: minutes(self.meetings)?,
            },
        }))
    }
}

impl PgStore {
    /// A read-only transaction that sees one snapshot throughout, for a
    /// read of several queries.
    pub(super) async fn snapshot(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// The month of each of these managers' teams, as SQLite's
    /// `team_month_activities` answers it: the stints of every rep on the
    /// team on some day of the read (or now), on any team; their 1:1s not
    /// disputed; and the meetings of every manager whose team they were
    /// ever on. With a day (`held_by`), only the entries held by then, and
    /// the sessions summed per rep and kind of coaching, dated the last of
    /// them: all a job's decision asks of them.
    pub(super) async fn team_month_activities(
        &self,
        managers: &[Manager],
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> Result<PerManager<MonthActivity>, StoreError> {
        let from = month.first_day();
        let next_month = month.next().first_day();
        let until = held_by.map_or(next_month, |day| (day + Days::new(1)).min(next_month));
        let by_month = held_by.is_some();
        let mut tx = self.snapshot().await?;
        let mut activities = empty(managers);
        let stints = month_read::<MembershipRow>(&mut tx, managers, from, until, by_month, STINTS);
        for row in stints.await? {
            fill(&mut activities, row, |activity: &mut MonthActivity, row| {
                activity.memberships.push(membership_from_row(row)?);
                Ok(())
            });
        }
        let sessions = month_read::<SessionRow>(&mut tx, managers, from, until, by_month, SESSIONS);
        for row in sessions.await? {
            fill(&mut activities, row, |activity: &mut MonthActivity, row| {
                activity.sessions.push(SessionRecord {
                    rep: parse_user(row.rep_id)?,
                    minutes: minutes(row.minutes)?,
                    activity: Activity::from_code(&row.activity).unwrap_or(Activity::Other),
                    held_on: row.held_on,
                });
                Ok(())
            });
        }
        let meetings = month_read::<MeetingRow>(&mut tx, managers, from, until, by_month, MEETINGS);
        for row in meetings.await? {
            fill(&mut activities, row, |activity: &mut MonthActivity, row| {
                activity.meetings.push(MeetingRecord {
                    manager: parse_user(row.manager_id)?,
                    minutes: minutes(row.minutes)?,
                    held_on: row.held_on,
                });
                Ok(())
            });
        }
        tx.commit().await?;
        Ok(activities)
    }

    /// SQLite's `manager_days` for each of these managers, in one query:
    /// per manager and day, every entry's minutes, the meetings' and those
    /// of the 1:1s every rep disputed.
    pub(super) async fn managers_days(
        &self,
        managers: &[Manager],
        month: YearMonth,
    ) -> Result<PerManager<Vec<DayOfCoaching>>, StoreError> {
        let (workspaces, users) = due_arrays(managers);
        let rows: Vec<Due<DayRow>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i, l.held_on,
                    SUM(l.minutes)::bigint AS entries,
                    COALESCE(SUM(l.minutes) FILTER (WHERE l.kind = 'meeting'), 0)::bigint
                      AS meetings,
                    COALESCE(SUM(l.minutes) FILTER (
                        WHERE l.kind = 'session'
                          AND EXISTS (SELECT 1 FROM log_reps r
                                      WHERE r.log_id = l.id AND r.confirmation = 'disputed')
                          AND NOT EXISTS (SELECT 1 FROM log_reps r
                                          WHERE r.log_id = l.id
                                            AND r.confirmation <> 'disputed')), 0)::bigint
                      AS disputed
             FROM due JOIN logs l ON l.team_id = due.team_id AND l.manager_id = due.manager_id
             WHERE l.held_on >= $3 AND l.held_on < $4
             GROUP BY due.i, l.held_on
             ORDER BY due.i, l.held_on"
        ))
        .bind(&workspaces)
        .bind(&users)
        .bind(month.first_day())
        .bind(month.next().first_day())
        .fetch_all(&self.pool)
        .await?;
        let mut days = empty(managers);
        for row in rows {
            fill(&mut days, row, |days: &mut Vec<DayOfCoaching>, row| {
                days.extend(row.read()?);
                Ok(())
            });
        }
        Ok(days)
    }

    /// Every stint each of these managers' teams has had, in the order
    /// they began (those ended too).
    pub(super) async fn managers_stints(
        &self,
        managers: &[Manager],
    ) -> Result<PerManager<Vec<Membership>>, StoreError> {
        let (workspaces, users) = due_arrays(managers);
        let rows: Vec<Due<MembershipRow>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i, ms.manager_id, ms.rep_id, ms.joined_on, ms.left_on
             FROM due JOIN memberships ms
               ON ms.team_id = due.team_id AND ms.manager_id = due.manager_id
             ORDER BY due.i, ms.joined_on, ms.id"
        ))
        .bind(&workspaces)
        .bind(&users)
        .fetch_all(&self.pool)
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
    pub(super) async fn managers_meetings(
        &self,
        managers: &[Manager],
        from: NaiveDate,
        day: NaiveDate,
    ) -> Result<PerManager<MeetingsAsOf>, StoreError> {
        let (workspaces, users) = due_arrays(managers);
        let rows: Vec<Due<MeetingsRow>> = sqlx::query_as(&format!(
            "WITH {DUE}
             SELECT due.i, MAX(l.held_on) AS last_held,
                    COUNT(*) FILTER (WHERE l.held_on >= $4) AS held_since
             FROM due JOIN logs l ON l.team_id = due.team_id AND l.manager_id = due.manager_id
             WHERE l.kind = 'meeting' AND l.held_on <= $3
             GROUP BY due.i"
        ))
        .bind(&workspaces)
        .bind(&users)
        .bind(day)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        let mut meetings = empty(managers);
        for row in rows {
            fill(&mut meetings, row, |meetings: &mut MeetingsAsOf, row| {
                *meetings = MeetingsAsOf {
                    last_held: row.last_held,
                    held_since: u32::try_from(row.held_since)
                        .map_err(|_| StoreError::Corrupt(format!("{} meetings", row.held_since)))?,
                };
                Ok(())
            });
        }
        Ok(meetings)
    }
}

/// The reps on each manager's team on some day of a month read (from `$4`
/// up to, not including, `$3`), or now.
const TEAM: &str = "team(i, team_id, rep_id) AS (
    SELECT DISTINCT due.i, due.team_id, t.rep_id
    FROM due JOIN memberships t ON t.team_id = due.team_id AND t.manager_id = due.manager_id
    WHERE t.left_on IS NULL OR (t.joined_on < $3 AND t.left_on > $4))";

/// Every stint the team's reps have had, on any team, in the order they
/// began, and by ID on the same day, so reps who joined on the same day
/// keep the order they were added in.
const STINTS: &str = "SELECT team.i, s.manager_id, s.rep_id, s.joined_on, s.left_on
    FROM team JOIN memberships s ON s.team_id = team.team_id AND s.rep_id = team.rep_id
    ORDER BY team.i, s.joined_on, s.id";

/// The team's reps' 1:1 minutes not disputed, summed per rep, kind and
/// day, or with `$5` per rep and kind over the read (dated the last day),
/// in the order SQLite sorts them (by bytes, not the server's collation).
const SESSIONS: &str = "SELECT team.i, lr.rep_id, lr.activity,
           SUM(lr.minutes)::bigint AS minutes, MAX(lr.held_on) AS held_on
    FROM team JOIN log_reps lr ON lr.team_id = team.team_id AND lr.rep_id = team.rep_id
    WHERE lr.held_on >= $4 AND lr.held_on < $3 AND lr.confirmation <> 'disputed'
    GROUP BY team.i, lr.rep_id, lr.activity, CASE WHEN $5 THEN NULL ELSE lr.held_on END
    ORDER BY team.i, lr.rep_id COLLATE \"C\", lr.activity COLLATE \"C\", MAX(lr.held_on)";

/// The meetings, summed per manager and day, of every manager whose team
/// one of the team's reps was ever on.
const MEETINGS: &str = "SELECT due.i, l.manager_id, SUM(l.minutes)::bigint AS minutes, l.held_on
    FROM due JOIN logs l ON l.team_id = due.team_id
    WHERE l.kind = 'meeting' AND l.held_on >= $4 AND l.held_on < $3
      AND l.manager_id IN (SELECT met.manager_id
                           FROM team JOIN memberships met
                             ON met.team_id = team.team_id AND met.rep_id = team.rep_id
                           WHERE team.i = due.i)
    GROUP BY due.i, l.manager_id, l.held_on
    ORDER BY due.i, l.manager_id COLLATE \"C\", l.held_on";

/// One of the month read's queries (`select`, after [`DUE`] and [`TEAM`]).
async fn month_read<R>(
    tx: &mut PgConnection,
    managers: &[Manager],
    from: NaiveDate,
    until: NaiveDate,
    by_month: bool,
    select: &str,
) -> Result<Vec<Due<R>>, StoreError>
where
    R: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let (workspaces, users) = due_arrays(managers);
    Ok(sqlx::query_as(&format!("WITH {DUE}, {TEAM} {select}"))
        .bind(&workspaces)
        .bind(&users)
        .bind(until)
        .bind(from)
        .bind(by_month)
        .fetch_all(&mut *tx)
        .await?)
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use chrono::Datelike;

    use super::super::both::Both;
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a day")
    }

    /// Both databases' answers agree, manager by manager: the same records,
    /// or both unreadable. Returns PostgreSQL's.
    fn same<T: PartialEq + Debug>(
        on_pg: PerManager<T>,
        on_sqlite: PerManager<T>,
    ) -> Vec<Option<T>> {
        let on_pg: Vec<Option<T>> = on_pg.into_iter().map(Result::ok).collect();
        let on_sqlite: Vec<Option<T>> = on_sqlite.into_iter().map(Result::ok).collect();
        assert_eq!(on_pg, on_sqlite);
        on_pg
    }

    /// Two teams' records across October and November 2026: stints begun
    /// and ended, a rep who moved teams, 1:1s summed by day and kind, with
    /// several reps, disputed wholly and in part, and meetings.
    async fn two_teams() -> Option<(Both, Vec<Manager>)> {
        let both = Both::new().await?;
        let lee = both.manager("U0LEE").await;
        let kim = both.manager("U0KIM").await;
        let max = both.manager("U0MAX").await;
        both.stint(&lee, "U0ANN", "2026-10-01", None).await;
        both.stint(&lee, "U0BEN", "2026-10-01", Some("2026-11-15"))
            .await;
        both.stint(&lee, "U0DAN", "2026-11-03", None).await;
        both.stint(&lee, "U0CAL", "2026-11-03", None).await;
        both.stint(&kim, "U0BEN", "2026-11-15", None).await;
        both.stint(&kim, "U0EVE", "2026-09-01", Some("2026-10-20"))
            .await;
        both.session(&lee, &["U0ANN"], "2026-10-20", 10, "deal")
            .await;
        both.session(&lee, &["U0ANN"], "2026-11-02", 30, "deal")
            .await;
        both.session(&lee, &["U0ANN"], "2026-11-02", 15, "deal")
            .await;
        both.session(&lee, &["U0ANN"], "2026-11-05", 20, "skill")
            .await;
        both.session(&lee, &["U0BEN"], "2026-11-10", 25, "pipeline")
            .await;
        both.session(&kim, &["U0BEN"], "2026-11-16", 40, "other")
            .await;
        both.session(&lee, &["U0CAL", "U0ANN"], "2026-11-12", 60, "observation")
            .await;
        let disputed = both
            .session(&lee, &["U0ANN"], "2026-11-13", 45, "deal")
            .await;
        let in_part = both
            .session(&lee, &["U0ANN", "U0CAL"], "2026-11-14", 30, "skill")
            .await;
        both.run(&format!(
            "UPDATE log_reps SET confirmation = 'disputed'
             WHERE log_id = {disputed} OR (log_id = {in_part} AND rep_id = 'U0ANN')"
        ))
        .await;
        both.meeting(&lee, "2026-11-04", 60).await;
        both.meeting(&lee, "2026-11-04", 30).await;
        both.meeting(&lee, "2026-11-18", 45).await;
        both.meeting(&kim, "2026-11-17", 50).await;
        both.meeting(&kim, "2026-10-28", 20).await;
        Some((both, vec![kim, lee.clone(), max, lee]))
    }

    fn november() -> YearMonth {
        YearMonth::new(2026, 11).expect("a month")
    }

    #[tokio::test]
    async fn each_managers_month_is_read_as_on_sqlite_whole_and_through_a_day() {
        let Some((both, managers)) = two_teams().await else {
            return;
        };
        for held_by in [None, Some(day("2026-11-14")), Some(day("2026-10-31"))] {
            let on_pg = both
                .pg
                .team_month_activities(&managers, november(), held_by)
                .await
                .expect("read");
            let on_sqlite = both
                .sqlite
                .team_month_activities(&managers, november(), held_by)
                .await
                .expect("read");
            let months = same(on_pg, on_sqlite);
            assert_eq!(months.len(), 4);
            assert_eq!(months[1], months[3], "a manager named twice reads alike");
            let lees = months[1].clone().expect("readable");
            match held_by {
                None => {
                    assert_eq!(lees.memberships.len(), 5, "{lees:?}");
                    assert!(lees.sessions.contains(&SessionRecord {
                        rep: parse_user("U0ANN".into()).expect("a user"),
                        minutes: 45,
                        activity: Activity::Deal,
                        held_on: day("2026-11-02"),
                    }));
                    assert_eq!(lees.meetings.len(), 3, "{lees:?}");
                }
                Some(by) if by.month() == 10 => assert_eq!(
                    (lees.sessions.len(), lees.meetings.len()),
                    (0, 0),
                    "{lees:?}"
                ),
                Some(_) => assert!(lees.sessions.iter().all(|s| s.held_on <= day("2026-11-14"))),
            }
            assert_eq!(months[2], Some(MonthActivity::default()));
        }
    }

    #[tokio::test]
    async fn each_managers_days_stints_and_meetings_are_read_as_on_sqlite() {
        let Some((both, managers)) = two_teams().await else {
            return;
        };
        let days = same(
            both.pg
                .managers_days(&managers, november())
                .await
                .expect("read"),
            both.sqlite
                .managers_days(&managers, november())
                .await
                .expect("read"),
        );
        let lees = days[1].clone().expect("readable");
        assert!(
            !lees.iter().any(|d| d.held_on == day("2026-11-13")),
            "a wholly disputed 1:1 is not the manager's time: {lees:?}"
        );
        assert_eq!(
            lees.iter()
                .find(|d| d.held_on == day("2026-11-04"))
                .map(|d| d.time),
            Some(ManagerTime {
                one_on_one: 0,
                meetings: 90
            })
        );
        same(
            both.pg.managers_stints(&managers).await.expect("read"),
            both.sqlite.managers_stints(&managers).await.expect("read"),
        );
        for (from, through) in [("2026-11-01", "2026-11-18"), ("2026-11-05", "2026-11-10")] {
            let meetings = same(
                both.pg
                    .managers_meetings(&managers, day(from), day(through))
                    .await
                    .expect("read"),
                both.sqlite
                    .managers_meetings(&managers, day(from), day(through))
                    .await
                    .expect("read"),
            );
            assert_eq!(meetings[2], Some(MeetingsAsOf::default()));
        }
        let meetings = both
            .pg
            .managers_meetings(&managers, day("2026-11-01"), day("2026-11-18"))
            .await
            .expect("read");
        assert_eq!(
            meetings[1].as_ref().ok(),
            Some(&MeetingsAsOf {
                last_held: Some(day("2026-11-18")),
                held_since: 3,
            })
        );
    }

    #[tokio::test]
    async fn a_row_that_cannot_be_read_marks_only_the_managers_it_belongs_to() {
        let Some((both, managers)) = two_teams().await else {
            return;
        };
        both.run(
            "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
             VALUES ('T0TEAM', 'U0KIM', 'not a user', '2026-11-02')",
        )
        .await;
        let stints = same(
            both.pg.managers_stints(&managers).await.expect("read"),
            both.sqlite.managers_stints(&managers).await.expect("read"),
        );
        assert!(stints[0].is_none(), "Kim's stints cannot be read");
        assert!(stints[1].is_some() && stints[2].is_some());
        let months = same(
            both.pg
                .team_month_activities(&managers, november(), None)
                .await
                .expect("read"),
            both.sqlite
                .team_month_activities(&managers, november(), None)
                .await
                .expect("read"),
        );
        assert!(months[0].is_none() && months[1].is_some());
    }
}
