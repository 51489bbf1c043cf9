//! The one read a rep's month is made from: every stint the reps have had,
//! on any team, their 1:1 minutes in the month and the meetings of every
//! manager they were with, for the domain's one rule to total; and the
//! manager's own time in the month, each entry once.

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::entries::entries_with_reps;
use super::PgStore;
use crate::domain::{
    DayOfCoaching, Entry, Manager, ManagerTime, MonthActivity, SlackUserId, StoredEntry,
    WorkspaceId, YearMonth,
};
use crate::store::sqlite::decode_json;
use crate::store::sqlite::logs::stored_entries;
use crate::store::sqlite::months::{push_activity, ActivityRow};
use crate::store::{LineContext, StintsSeen, StoreError};

/// One day of a manager's own coaching: the minutes of their 1:1s and of
/// their team meetings held that day.
#[derive(sqlx::FromRow)]
struct DayRow {
    held_on: NaiveDate,
    one_on_one: i64,
    meetings: i64,
}

/// Whose month is read.
#[derive(Clone, Copy)]
enum Reps<'a> {
    These(&'a [SlackUserId]),
    /// Everyone on the manager's team on some day of the month, or on it now.
    TeamOf(&'a Manager),
}

/// How finely the month's union reads 1:1 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sessions {
    /// Summed per rep, day and kind of coaching: enough for any day's
    /// count (`run-job --at`).
    ByDay,
    /// Summed per rep and kind over the whole month, each sum dated the
    /// last day in it: enough for the month as it stands, which is all a
    /// new line's answer shows.
    ByMonth,
}

impl PgStore {
    /// The manager's own coaching in the month, day by day: each of their
    /// 1:1s once, however many reps were in it (leaving out one that every
    /// rep in it disputed), and each of their team meetings once.
    pub(super) async fn manager_days(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<Vec<DayOfCoaching>, StoreError> {
        let rows: Vec<DayRow> = sqlx::query_as(
            "SELECT held_on,
                    SUM(CASE WHEN kind = 'session' THEN minutes ELSE 0 END)::bigint AS one_on_one,
                    SUM(CASE WHEN kind = 'meeting' THEN minutes ELSE 0 END)::bigint AS meetings
             FROM logs
             WHERE team_id = $1 AND manager_id = $2 AND held_on >= $3 AND held_on < $4
               AND (kind = 'meeting'
                    OR EXISTS (SELECT 1 FROM log_reps
                               WHERE log_reps.log_id = logs.id
                                 AND log_reps.confirmation <> 'disputed'))
             GROUP BY held_on
             ORDER BY held_on",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(month.first_day())
        .bind(month.next().first_day())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(DayOfCoaching {
                    held_on: row.held_on,
                    time: ManagerTime {
                        one_on_one: minutes(row.one_on_one)?,
                        meetings: minutes(row.meetings)?,
                    },
                })
            })
            .collect()
    }

    /// The records needed to total these reps' month, in one read: every
    /// membership they have had, their 1:1 minutes in the month (summed per
    /// day and kind, leaving out sessions they disputed), and the meetings
    /// of every manager they were with.
    pub(super) async fn month_activity(
        &self,
        workspace: &WorkspaceId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        if reps.is_empty() {
            return Ok(MonthActivity::default());
        }
        let mut conn = self.pool.acquire().await?;
        activity(
            &mut conn,
            workspace,
            Reps::These(reps),
            month,
            Sessions::ByDay,
        )
        .await
    }

    /// The month of everyone on the manager's team on some day of it, or on
    /// it now, as [`PgStore::month_activity`] reads it for a list of reps.
    pub(super) async fn team_month_activity(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        let mut conn = self.pool.acquire().await?;
        activity(
            &mut conn,
            &manager.workspace,
            Reps::TeamOf(manager),
            month,
            Sessions::ByDay,
        )
        .await
    }

    /// What a new line needs before it is stored and answered: for each
    /// month, the reps' stints and month (1:1 minutes summed per rep and
    /// kind), the count of stint changes the stints were read at, and the
    /// lookalikes. One snapshot (a repeatable read), so the count is the
    /// one of the stints read with it, whatever other replicas commit
    /// meanwhile.
    pub(super) async fn line_context(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        months: &[YearMonth],
        new: &[Entry],
        lookalikes: u32,
    ) -> Result<LineContext, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let seen: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT version FROM stint_versions WHERE team_id = $1), 0)",
        )
        .bind(manager.workspace.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let mut read_months = Vec::with_capacity(months.len());
        for &month in months {
            let read = activity(
                &mut tx,
                &manager.workspace,
                Reps::These(reps),
                month,
                Sessions::ByMonth,
            )
            .await?;
            read_months.push((month, read));
        }
        let lookalikes = lookalike_entries(&mut tx, manager, new, lookalikes).await?;
        tx.commit().await?;
        Ok(LineContext {
            seen: StintsSeen(seen),
            months: read_months,
            lookalikes,
        })
    }
}

/// Minutes summed in the database, as the domain counts them.
fn minutes(sum: i64) -> Result<u32, StoreError> {
    u32::try_from(sum).map_err(|_| StoreError::Corrupt(format!("minutes {sum}")))
}

/// The month's union for `reps`: their stints first, in the order they
/// began (so that reps who joined on the same day are listed in the order
/// they were added), then their 1:1 minutes and their managers' meetings,
/// as one JSON array of the rows SQLite reads ([`ActivityRow`]'s fields in
/// order), so that both databases' months are put together by the one
/// [`push_activity`].
async fn activity(
    conn: &mut PgConnection,
    workspace: &WorkspaceId,
    reps: Reps<'_>,
    month: YearMonth,
    sessions: Sessions,
) -> Result<MonthActivity, StoreError> {
    // The reps as one array that every part matches with `= ANY`, so that
    // the generic plan PostgreSQL settles on for a prepared statement still
    // walks each rep's own index range instead of the workspace's month.
    let reps_array = match reps {
        Reps::These(_) => "$4::text[]",
        Reps::TeamOf(_) => {
            "ARRAY(SELECT rep_id FROM memberships
                   WHERE team_id = $1 AND manager_id = $4
                     AND (left_on IS NULL OR (joined_on < $3 AND left_on > $2)))"
        }
    };
    let (sessions_day, sessions_grouping) = match sessions {
        Sessions::ByDay => ("held_on", "rep_id, held_on, activity"),
        Sessions::ByMonth => ("MAX(held_on)", "rep_id, activity"),
    };
    let sql = format!(
        "WITH reps(ids) AS (SELECT {reps_array}),
         month(kind, who, what, minutes, day, left_on, position) AS (
             SELECT 'membership', manager_id, rep_id, NULL::bigint, joined_on, left_on, id
             FROM memberships
             WHERE team_id = $1 AND rep_id = ANY((SELECT ids FROM reps)::text[])
             UNION ALL
             SELECT 'session', rep_id, activity, SUM(minutes)::bigint, {sessions_day}, NULL, 0
             FROM log_reps
             WHERE team_id = $1 AND rep_id = ANY((SELECT ids FROM reps)::text[])
               AND held_on >= $2 AND held_on < $3 AND confirmation <> 'disputed'
             GROUP BY {sessions_grouping}
             UNION ALL
             SELECT 'meeting', manager_id, NULL, SUM(minutes)::bigint, held_on, NULL, 0
             FROM logs
             WHERE team_id = $1 AND kind = 'meeting' AND held_on >= $2 AND held_on < $3
               AND manager_id = ANY(ARRAY(SELECT manager_id FROM memberships
                                          WHERE team_id = $1
                                            AND rep_id = ANY((SELECT ids FROM reps)::text[])))
             GROUP BY manager_id, held_on)
         SELECT COALESCE(json_agg(json_build_array(kind, who, what, minutes, day, left_on,
                                                   position)
                                  ORDER BY kind, day, position, who, what), '[]')::text
         FROM month"
    );
    let query = sqlx::query_scalar(&sql)
        .bind(workspace.as_str())
        .bind(month.first_day())
        .bind(month.next().first_day());
    let query = match reps {
        Reps::These(reps) => query.bind(reps.iter().map(SlackUserId::as_str).collect::<Vec<_>>()),
        Reps::TeamOf(manager) => query.bind(manager.id.as_str()),
    };
    let read: String = query.fetch_one(&mut *conn).await?;
    let mut activity = MonthActivity::default();
    for row in decode_json::<Vec<ActivityRow>>(&read)? {
        push_activity(&mut activity, row)?;
    }
    Ok(activity)
}

/// The latest `limit` entries of the manager's that look like one of `new`
/// by [`Entry::looks_like`]: the same kind, day and length, and for a 1:1
/// the same reps. Each new entry walks its own index range from its
/// latest end, so only the lookalikes themselves are read.
async fn lookalike_entries(
    conn: &mut PgConnection,
    manager: &Manager,
    new: &[Entry],
    limit: u32,
) -> Result<Vec<StoredEntry>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let days: Vec<NaiveDate> = new.iter().map(Entry::held_on).collect();
    let lengths: Vec<i64> = new
        .iter()
        .map(|entry| i64::from(entry.minutes().get()))
        .collect();
    // A 1:1's reps sorted and joined, as compared; none for a meeting.
    let reps: Vec<Option<String>> = new
        .iter()
        .map(|entry| match entry {
            Entry::Session(session) => {
                let mut reps: Vec<&str> = session.reps.iter().map(|r| r.as_str()).collect();
                reps.sort_unstable();
                Some(reps.join(","))
            }
            Entry::Meeting(_) => None,
        })
        .collect();
    let sql = entries_with_reps(
        "l.id IN (
           SELECT id FROM (
             SELECT DISTINCT alike.id
             FROM unnest($3::date[], $4::bigint[], $5::text[]) AS new(held_on, minutes, reps)
             CROSS JOIN LATERAL (
               SELECT id FROM logs
               WHERE team_id = $1 AND manager_id = $2 AND held_on = new.held_on
                 AND minutes = new.minutes
                 AND kind = CASE WHEN new.reps IS NULL THEN 'meeting' ELSE 'session' END
                 AND (new.reps IS NULL
                      OR (SELECT string_agg(rep_id, ',' ORDER BY rep_id COLLATE \"C\")
                          FROM log_reps WHERE log_id = logs.id) = new.reps)
               ORDER BY id DESC LIMIT $6) alike
           ) found
           ORDER BY id DESC LIMIT $6)",
        "l.id",
    );
    let read: String = sqlx::query_scalar(&sql)
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(days)
        .bind(lengths)
        .bind(reps)
        .bind(i64::from(limit))
        .fetch_one(&mut *conn)
        .await?;
    stored_entries(decode_json(&read)?)
}

#[cfg(test)]
mod tests {
    use super::super::entries::fixtures::{
        day, edited_session, manager, meeting, november, session, stint, user,
    };
    use super::*;
    use crate::domain::{Activity, MeetingRecord, Membership, SessionRecord};

    #[tokio::test]
    async fn a_managers_days_count_each_1_1_once_and_leave_out_one_every_rep_disputed() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        session(
            &store,
            &dana,
            &[("UABE", "none"), ("UBEA", "helped")],
            30,
            10,
        )
        .await;
        session(
            &store,
            &dana,
            &[("UABE", "disputed"), ("UBEA", "none")],
            20,
            10,
        )
        .await;
        session(&store, &dana, &[("UABE", "disputed")], 45, 10).await;
        meeting(&store, &dana, 60, 10).await;
        meeting(&store, &dana, 15, 12).await;
        let october = YearMonth::new(2026, 10).expect("a month");
        assert!(store
            .manager_days(&dana, october)
            .await
            .expect("read")
            .is_empty());
        assert_eq!(
            store.manager_days(&dana, november()).await.expect("read"),
            vec![
                DayOfCoaching {
                    held_on: day(10),
                    time: ManagerTime {
                        one_on_one: 50,
                        meetings: 60
                    },
                },
                DayOfCoaching {
                    held_on: day(12),
                    time: ManagerTime {
                        one_on_one: 0,
                        meetings: 15
                    },
                },
            ]
        );
    }

    #[tokio::test]
    async fn a_reps_month_holds_every_stint_their_minutes_by_day_and_kind_and_their_managers_meetings(
    ) {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        stint(&store, &lee, "UABE", 1, Some(5)).await;
        stint(&store, &dana, "UABE", 5, None).await;
        stint(&store, &dana, "UCY", 5, None).await;
        session(&store, &dana, &[("UABE", "none")], 30, 10).await;
        session(
            &store,
            &dana,
            &[("UABE", "helped"), ("UCY", "none")],
            15,
            10,
        )
        .await;
        session(&store, &dana, &[("UABE", "disputed")], 45, 11).await;
        meeting(&store, &lee, 60, 2).await;
        meeting(&store, &dana, 20, 9).await;
        meeting(&store, &dana, 10, 9).await;
        let month = store
            .month_activity(&dana.workspace, &[user("UABE")], november())
            .await
            .expect("read");
        assert_eq!(
            month.memberships,
            vec![
                Membership {
                    manager: lee.id.clone(),
                    rep: user("UABE"),
                    joined_on: day(1),
                    left_on: Some(day(5))
                },
                Membership {
                    manager: dana.id.clone(),
                    rep: user("UABE"),
                    joined_on: day(5),
                    left_on: None
                },
            ]
        );
        assert_eq!(
            month.sessions,
            vec![SessionRecord {
                rep: user("UABE"),
                minutes: 45,
                activity: Activity::Pipeline,
                held_on: day(10)
            }]
        );
        assert_eq!(
            month.meetings,
            vec![
                MeetingRecord {
                    manager: lee.id.clone(),
                    minutes: 60,
                    held_on: day(2)
                },
                MeetingRecord {
                    manager: dana.id.clone(),
                    minutes: 30,
                    held_on: day(9)
                },
            ]
        );
        assert_eq!(
            store
                .month_activity(&dana.workspace, &[], november())
                .await
                .expect("read"),
            MonthActivity::default()
        );
    }

    #[tokio::test]
    async fn a_teams_month_is_of_everyone_on_it_some_day_of_the_month() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        stint(&store, &dana, "UABE", 1, None).await;
        stint(&store, &dana, "UBEA", 3, Some(9)).await;
        sqlx::query(
            "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on, left_on)
             VALUES ('T0TEAM', 'UDANA', 'UCY', '2026-09-01', '2026-10-15')",
        )
        .execute(&store.pool)
        .await
        .expect("a stint that ended in October");
        session(&store, &dana, &[("UCY", "none")], 30, 10).await;
        let month = store
            .team_month_activity(&dana, november())
            .await
            .expect("read");
        let reps: Vec<&str> = month.memberships.iter().map(|m| m.rep.as_str()).collect();
        assert_eq!(reps, vec!["UABE", "UBEA"]);
        assert!(month.sessions.is_empty(), "Cy left in October");
    }

    #[tokio::test]
    async fn a_lines_context_sums_the_month_per_kind_counts_stint_changes_and_finds_lookalikes() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        stint(&store, &dana, "UABE", 1, None).await;
        stint(&store, &dana, "UBEA", 1, None).await;
        let alike = session(&store, &dana, &[("UBEA", "none"), ("UABE", "none")], 30, 10).await;
        session(&store, &dana, &[("UABE", "none")], 30, 10).await;
        session(&store, &dana, &[("UABE", "none")], 15, 12).await;
        let alike_meeting = meeting(&store, &dana, 60, 10).await;
        let new = vec![
            edited_session(&["UABE", "UBEA"], 30, 10),
            Entry::Meeting(crate::domain::MeetingEntry {
                minutes: crate::domain::Minutes::new(60).expect("minutes"),
                topics: Vec::new(),
                note: crate::domain::Note::parse("").expect("a note"),
                held_on: day(10),
            }),
        ];
        let context = store
            .line_context(&dana, &[user("UABE")], &[november()], &new, 3)
            .await
            .expect("read");
        assert_eq!(context.seen, StintsSeen(2), "two stints added");
        let (month, activity) = &context.months[0];
        assert_eq!(*month, november());
        assert_eq!(
            activity.sessions,
            vec![SessionRecord {
                rep: user("UABE"),
                minutes: 75,
                activity: Activity::Pipeline,
                held_on: day(12)
            }]
        );
        let found: Vec<_> = context.lookalikes.iter().map(|e| e.id).collect();
        assert_eq!(found, vec![alike, alike_meeting]);
        let one = store
            .line_context(&dana, &[user("UABE")], &[november()], &new, 1)
            .await
            .expect("read");
        let found: Vec<_> = one.lookalikes.iter().map(|e| e.id).collect();
        assert_eq!(found, vec![alike_meeting], "the latest one only");
    }
}
