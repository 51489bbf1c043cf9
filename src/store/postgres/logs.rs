//! Logged coaching on PostgreSQL: 1:1 sessions and team meetings, read
//! back, totalled, exported and undone a line at a time. The rules are
//! SQLite's (`sqlite/logs.rs`), and entries are read into the same rows
//! ([`EntryRepRow`], [`ExportRecord`]), as JSON, so both databases fold
//! them into entries the one same way. Undo locks the
//! line it takes back (`FOR UPDATE`), so two replicas pressing Undo at once
//! take it back once: the second waits, then finds it taken back.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::entries::entries_with_reps;
use super::lines::{again_after_deadlock, lock_judged_stints, Locking};
use super::team::{is_team_change, take_back_join_moves, take_back_team_change};
use super::{whole_seconds, PgStore, StoreError};
use crate::domain::{Activity, Entry, EntryKind, LineId, Manager, Minutes, StoredEntry, YearMonth};
use crate::store::sqlite::logs::{stored_entries, EntryRepRow, ExportRecord};
use crate::store::sqlite::{decode_json, parse_user};
use crate::store::{ExportRow, UndoTarget, Undone, Usual};

/// The entries a read of [`entries_with_reps`] returned, as stored.
fn entries_read(read: &str) -> Result<Vec<StoredEntry>, StoreError> {
    stored_entries(decode_json::<Vec<EntryRepRow>>(read)?)
}

/// A line's entries, each with its reps.
async fn line_entries(tx: &mut PgConnection, line: LineId) -> Result<Vec<StoredEntry>, StoreError> {
    let read: String = sqlx::query_scalar(&entries_with_reps("l.line_id = $1", "l.id"))
        .bind(line.get())
        .fetch_one(&mut *tx)
        .await?;
    entries_read(&read)
}

/// A logged line as `undo` reads it.
#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    undone_at: Option<DateTime<Utc>>,
    manager_id: String,
}

impl PgStore {
    /// The length (and, for sessions, the kind) the manager logs most often,
    /// the latest winning a tie.
    pub(super) async fn usual_entry(
        &self,
        manager: &Manager,
        kind: EntryKind,
    ) -> Result<Usual, StoreError> {
        let minutes: Option<i64> = sqlx::query_scalar(
            "SELECT minutes FROM logs WHERE team_id = $1 AND manager_id = $2 AND kind = $3
             GROUP BY minutes ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(match kind {
            EntryKind::Session => "session",
            EntryKind::Meeting => "meeting",
        })
        .fetch_optional(&self.pool)
        .await?;
        let activity: Option<String> = sqlx::query_scalar(
            "SELECT activity FROM logs WHERE team_id = $1 AND manager_id = $2 AND kind = 'session'
             GROUP BY activity ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(Usual {
            minutes: minutes
                .and_then(|m| u32::try_from(m).ok())
                .and_then(|m| Minutes::new(m).ok()),
            activity: activity
                .as_deref()
                .and_then(Activity::from_code)
                .filter(|_| kind == EntryKind::Session),
        })
    }

    /// The manager's latest stored entries (at most `limit`, oldest first)
    /// that look like one of `new` by [`Entry::looks_like`]: the same kind,
    /// day and length, and for a 1:1 the same reps. Compared in SQL, the
    /// latest `limit` per new entry walked from its latest end, so only the
    /// lookalikes themselves are read, however long the manager's history.
    pub(super) async fn lookalikes(
        &self,
        manager: &Manager,
        new: &[Entry],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        let days: Vec<NaiveDate> = new.iter().map(Entry::held_on).collect();
        let minutes: Vec<i64> = new.iter().map(|e| i64::from(e.minutes().get())).collect();
        let kinds: Vec<&str> = new
            .iter()
            .map(|entry| match entry {
                Entry::Session(_) => "session",
                Entry::Meeting(_) => "meeting",
            })
            .collect();
        // A session's reps as `string_agg` joins them below: sorted byte by
        // byte (collation "C"), joined by commas.
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
        let filter = "l.id IN (
            SELECT id FROM (
                SELECT DISTINCT found.id
                FROM unnest($3::date[], $4::bigint[], $5::text[], $6::text[])
                         AS n (held_on, minutes, kind, reps),
                     LATERAL (
                         SELECT o.id FROM logs o
                         WHERE o.team_id = $1 AND o.manager_id = $2 AND o.held_on = n.held_on
                           AND o.minutes = n.minutes AND o.kind = n.kind
                           AND (n.reps IS NULL
                                OR (SELECT string_agg(rep_id, ',' ORDER BY rep_id COLLATE \"C\")
                                    FROM log_reps WHERE log_id = o.id) = n.reps)
                         ORDER BY o.id DESC LIMIT $7) found) alike
            ORDER BY id DESC LIMIT $7)";
        let read: String = sqlx::query_scalar(&entries_with_reps(filter, "l.id"))
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(&days)
            .bind(&minutes)
            .bind(&kinds)
            .bind(&reps)
            .bind(i64::from(limit))
            .fetch_one(&self.pool)
            .await?;
        entries_read(&read)
    }

    /// Takes a line back whole: its entries and every rep row with them,
    /// and the join days they moved; or, for a team command, every stint it
    /// changed. A line taken back before, or one that is not the manager's,
    /// changes nothing, so pressing Undo twice is safe, on one replica or
    /// on two at once.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id))]
    pub(super) async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        again_after_deadlock(|| self.try_undo(manager, target, now)).await
    }

    async fn try_undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        let mut tx = self.write().await?;
        // Locked as it is read: another Undo of it waits for this one, and
        // then reads it taken back (or, for the latest, the line before).
        let line: Option<LineRow> = match target {
            UndoTarget::Latest => sqlx::query_as(
                "SELECT id, undone_at, manager_id FROM log_lines
                 WHERE team_id = $1 AND manager_id = $2 AND undone_at IS NULL
                   AND (EXISTS (SELECT 1 FROM logs WHERE logs.line_id = log_lines.id)
                        OR EXISTS (SELECT 1 FROM team_changes t WHERE t.line_id = log_lines.id))
                 ORDER BY id DESC LIMIT 1
                 FOR UPDATE",
            )
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str()),
            UndoTarget::Line(line) => sqlx::query_as(
                "SELECT id, undone_at, manager_id FROM log_lines WHERE id = $1 AND team_id = $2
                 FOR UPDATE",
            )
            .bind(line.get())
            .bind(manager.workspace.as_str()),
        }
        .fetch_optional(&mut *tx)
        .await?;
        let line = match line {
            None => return Ok(Undone::Nothing),
            Some(line) if line.manager_id != manager.id.as_str() => {
                return Ok(Undone::NotYours {
                    manager: parse_user(line.manager_id)?,
                })
            }
            Some(LineRow {
                undone_at: Some(_), ..
            }) => return Ok(Undone::AlreadyUndone),
            Some(LineRow { id, .. }) => LineId::new(id),
        };
        let undone = if target == UndoTarget::Latest && is_team_change(&mut tx, line.get()).await? {
            match take_back_team_change(&mut tx, manager, line.get()).await? {
                Ok(taken_back) => Undone::Team(taken_back),
                Err(refused) => return Ok(Undone::Refused(refused)),
            }
        } else {
            let entries = line_entries(&mut tx, line).await?;
            if entries.is_empty() {
                return Ok(Undone::Nothing);
            }
            // A team change deciding on these stints from the coaching in
            // them waits until the entries are gone, or this for it.
            let taken: Vec<Entry> = entries.iter().map(|e| e.entry.clone()).collect();
            lock_judged_stints(&mut tx, manager, &taken, Locking::ForUpdate).await?;
            sqlx::query("DELETE FROM logs WHERE line_id = $1")
                .bind(line.get())
                .execute(&mut *tx)
                .await?;
            let join_days = take_back_join_moves(&mut tx, line.get()).await?;
            Undone::Removed(line, entries, join_days)
        };
        sqlx::query("UPDATE log_lines SET undone_at = $1 WHERE id = $2")
            .bind(whole_seconds(now))
            .bind(line.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(undone)
    }

    /// The day of the manager's latest team meeting held on or before `day`.
    pub(super) async fn last_meeting(
        &self,
        manager: &Manager,
        day: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(held_on) FROM logs
             WHERE team_id = $1 AND manager_id = $2 AND kind = 'meeting' AND held_on <= $3",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(day)
        .fetch_one(&self.pool)
        .await?)
    }

    /// How many team meetings the manager held on days in `[from, until)`.
    pub(super) async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM logs
             WHERE team_id = $1 AND manager_id = $2 AND kind = 'meeting'
               AND held_on >= $3 AND held_on < $4",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(from)
        .bind(until)
        .fetch_one(&self.pool)
        .await?;
        u32::try_from(count).map_err(|_| StoreError::Corrupt(format!("{count} meetings")))
    }

    /// Every session and meeting held in the month, in every workspace,
    /// oldest first: one row per rep the entry counts for (a meeting, for
    /// each rep on the team that day, as `Membership::covers` has it), so
    /// that each rep's rows add up to their month; a meeting that counted
    /// for nobody still has its row. `logged_at` as SQLite stores it (UTC,
    /// whole seconds, RFC 3339), so both databases export the same text.
    pub(super) async fn month_export(
        &self,
        month: YearMonth,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let read: Vec<String> = sqlx::query_scalar(
            r#"SELECT to_json(x)::text FROM (
                   SELECT l.team_id, l.held_on, l.kind, l.manager_id,
                          COALESCE(r.rep_id, m.rep_id, '') AS rep_id, l.minutes,
                          COALESCE(l.activity, '') AS activity,
                          REPLACE(COALESCE(l.topics, ''), ',', ';') AS topics,
                          l.note,
                          to_char(l.logged_at AT TIME ZONE 'UTC',
                                  'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS logged_at,
                          r.confirmation,
                          l.id, r.position AS rep_position, m.joined_on, m.id AS stint
                   FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
                   LEFT JOIN memberships m
                     ON l.kind = 'meeting' AND m.team_id = l.team_id
                    AND m.manager_id = l.manager_id AND m.joined_on <= l.held_on
                    AND (m.left_on IS NULL OR l.held_on < m.left_on)
                   WHERE l.held_on >= $1 AND l.held_on < $2) x
               ORDER BY x.held_on, x.id, x.rep_position, x.joined_on, x.stint"#,
        )
        .bind(month.first_day())
        .bind(month.next().first_day())
        .fetch_all(&self.pool)
        .await?;
        read.iter()
            .map(|row| ExportRow::try_from(decode_json::<ExportRecord>(row)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! Reading, totalling, exporting and undoing lines on PostgreSQL, and
    //! undo pressed on two replicas at once.

    use chrono::Duration;

    use super::super::lines::tests::{
        ana_joins_on_the_2nd, count, friday_morning, held_on, manager, meeting, session,
        session_with, until_waiting, user,
    };
    use super::*;
    use crate::domain::{Confirmation, SessionEntry, TeamTakenBack};

    async fn store_line(store: &PgStore, boss: &Manager, entries: &[Entry]) -> LineId {
        store
            .insert_line(
                boss,
                entries,
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored")
            .line
    }

    fn on(entry: Entry, day: NaiveDate) -> Entry {
        match entry {
            Entry::Session(session) => Entry::Session(SessionEntry {
                held_on: day,
                ..session
            }),
            Entry::Meeting(meeting) => Entry::Meeting(crate::domain::MeetingEntry {
                held_on: day,
                ..meeting
            }),
        }
    }

    #[tokio::test]
    async fn the_usual_entry_is_the_length_and_kind_logged_most_often_the_latest_winning_a_tie() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        assert_eq!(
            store
                .usual_entry(&boss, EntryKind::Session)
                .await
                .expect("none"),
            Usual::default()
        );
        for (minutes, activity) in [
            (30, Activity::Deal),
            (45, Activity::Skill),
            (30, Activity::Skill),
            (45, Activity::Deal),
        ] {
            store_line(
                &store,
                &boss,
                &[session_with(&["U0ANA"], minutes, activity)],
            )
            .await;
        }
        store_line(&store, &boss, &[meeting(60)]).await;

        let usual = store
            .usual_entry(&boss, EntryKind::Session)
            .await
            .expect("read");
        assert_eq!(usual.minutes, Minutes::new(45).ok());
        assert_eq!(usual.activity, Some(Activity::Deal));
        let usual = store
            .usual_entry(&boss, EntryKind::Meeting)
            .await
            .expect("read");
        assert_eq!(usual.minutes, Minutes::new(60).ok());
        assert_eq!(usual.activity, None);
    }

    #[tokio::test]
    async fn lookalikes_are_the_latest_entries_of_the_same_kind_day_length_and_reps_oldest_first() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let other = manager(&store, "U0OTHER").await;
        let pair = session_with(&["U0BEN", "U0ANA"], 30, Activity::Deal);
        for _ in 0..4 {
            store_line(&store, &boss, std::slice::from_ref(&pair)).await;
        }
        store_line(
            &store,
            &boss,
            &[session_with(&["U0ANA"], 30, Activity::Deal)],
        )
        .await;
        store_line(
            &store,
            &boss,
            &[on(pair.clone(), held_on() - Duration::days(1))],
        )
        .await;
        store_line(&store, &other, std::slice::from_ref(&pair)).await;
        store_line(&store, &boss, &[meeting(30)]).await;

        let new = session_with(&["U0ANA", "U0BEN"], 30, Activity::Skill);
        let found = store
            .lookalikes(&boss, &[new.clone(), meeting(30)], 3)
            .await
            .expect("read");

        assert_eq!(found.len(), 3);
        assert!(found
            .windows(2)
            .all(|two| two[0].id.get() < two[1].id.get()));
        assert!(found
            .iter()
            .all(|stored| stored.entry.looks_like(&new) || stored.entry.looks_like(&meeting(30))));
        assert!(matches!(found[2].entry, Entry::Meeting(_)));
        let Entry::Session(first) = &found[0].entry else {
            panic!("not a session: {found:?}");
        };
        assert_eq!(first.reps, vec![user("U0BEN"), user("U0ANA")], "as given");
        assert!(store
            .lookalikes(&boss, &[], 3)
            .await
            .expect("none")
            .is_empty());
    }

    #[tokio::test]
    async fn undo_takes_a_session_back_for_every_rep_and_a_second_undo_of_it_changes_nothing() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        store_line(&store, &boss, &[meeting(30)]).await;
        store_line(&store, &boss, &[session("U0ANN", 30)]).await;
        let line = store_line(
            &store,
            &boss,
            &[session_with(&["U0ANN", "U0BEN"], 30, Activity::Skill)],
        )
        .await;

        let undone = store
            .undo(&boss, UndoTarget::Line(line), friday_morning())
            .await
            .expect("undo");
        let Undone::Removed(removed, entries, _) = undone else {
            panic!("nothing removed: {undone:?}");
        };
        assert_eq!(removed, line);
        assert_eq!(entries.len(), 1);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0BEN'"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0ANN'"
            )
            .await,
            1
        );
        assert_eq!(
            store
                .undo(&boss, UndoTarget::Line(line), friday_morning())
                .await
                .expect("second undo"),
            Undone::AlreadyUndone
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 2);
    }

    #[tokio::test]
    async fn undo_refuses_another_managers_line_and_has_nothing_to_take_back_at_first() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let other = manager(&store, "U0OTHER").await;
        assert_eq!(
            store
                .undo(&boss, UndoTarget::Latest, friday_morning())
                .await
                .expect("undo"),
            Undone::Nothing
        );
        let theirs = store_line(&store, &other, &[meeting(30)]).await;

        assert_eq!(
            store
                .undo(&boss, UndoTarget::Line(theirs), friday_morning())
                .await
                .expect("undo"),
            Undone::NotYours {
                manager: other.id.clone()
            }
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 1);
    }

    #[tokio::test]
    async fn undoing_the_latest_takes_back_a_team_command_and_the_entries_before_it_in_turn() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let line = store_line(&store, &boss, &[meeting(30)]).await;
        let ana = ana_joins_on_the_2nd(&store, &boss).await;

        let undone = store
            .undo(&boss, UndoTarget::Latest, friday_morning())
            .await
            .expect("undo");
        assert_eq!(undone, Undone::Team(vec![(ana, TeamTakenBack::OffTheTeam)]));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM memberships").await, 0);
        let undone = store
            .undo(&boss, UndoTarget::Latest, friday_morning())
            .await
            .expect("undo");
        assert!(
            matches!(&undone, Undone::Removed(removed, _, _) if *removed == line),
            "{undone:?}"
        );
        let undone_at: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT undone_at FROM log_lines WHERE id = $1")
                .bind(line.get())
                .fetch_one(&store.pool)
                .await
                .expect("read");
        assert_eq!(undone_at, Some(friday_morning()));
    }

    #[tokio::test]
    async fn an_entry_logged_after_an_undo_never_takes_an_id_handed_out_before() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let line = store_line(&store, &boss, &[meeting(30), meeting(45)]).await;
        let Undone::Removed(_, taken_back, _) = store
            .undo(&boss, UndoTarget::Line(line), friday_morning())
            .await
            .expect("undo")
        else {
            panic!("nothing taken back");
        };

        let again = store_line(&store, &boss, &[meeting(30)]).await;

        assert!(again.get() > line.get());
        let entry: i64 = sqlx::query_scalar("SELECT id FROM logs")
            .fetch_one(&store.pool)
            .await
            .expect("read");
        assert!(taken_back.iter().all(|stored| stored.id.get() < entry));
    }

    /// Holds the lock an Undo of `line` takes until the returned
    /// transaction ends, as another replica's Undo under way would.
    async fn undo_under_way(
        store: &PgStore,
        line: LineId,
    ) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut elsewhere = store.pool.begin().await.expect("begin");
        sqlx::query("SELECT id FROM log_lines WHERE id = $1 FOR UPDATE")
            .bind(line.get())
            .execute(&mut *elsewhere)
            .await
            .expect("locked");
        elsewhere
    }

    #[tokio::test]
    async fn undo_of_one_line_pressed_on_two_replicas_at_once_takes_it_back_once() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let line = store_line(
            &store,
            &boss,
            &[session_with(&["U0ANA", "U0BEN"], 30, Activity::Deal)],
        )
        .await;
        let elsewhere = undo_under_way(&store, line).await;
        let press = || {
            let (store, boss) = (store.clone(), boss.clone());
            tokio::spawn(async move {
                store
                    .undo(&boss, UndoTarget::Line(line), friday_morning())
                    .await
                    .expect("undo")
            })
        };
        let (first, second) = (press(), press());
        until_waiting(&store, 2).await;
        elsewhere.rollback().await.expect("released");

        let mut answers = vec![first.await.expect("first"), second.await.expect("second")];
        answers.sort_by_key(|undone| matches!(undone, Undone::AlreadyUndone));
        assert!(matches!(answers[0], Undone::Removed(..)), "{answers:?}");
        assert_eq!(answers[1], Undone::AlreadyUndone);
    }

    #[tokio::test]
    async fn undo_latest_pressed_on_two_replicas_at_once_takes_back_the_two_latest_lines_once_each()
    {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let lines = [
            store_line(&store, &boss, &[meeting(30)]).await,
            store_line(&store, &boss, &[meeting(45)]).await,
            store_line(&store, &boss, &[meeting(60)]).await,
        ];
        let elsewhere = undo_under_way(&store, lines[2]).await;
        let press = || {
            let (store, boss) = (store.clone(), boss.clone());
            tokio::spawn(async move {
                store
                    .undo(&boss, UndoTarget::Latest, friday_morning())
                    .await
                    .expect("undo")
            })
        };
        let (first, second) = (press(), press());
        until_waiting(&store, 2).await;
        elsewhere.rollback().await.expect("released");

        let mut taken_back: Vec<LineId> =
            [first.await.expect("first"), second.await.expect("second")]
                .into_iter()
                .map(|undone| match undone {
                    Undone::Removed(line, _, _) => line,
                    other => panic!("not removed: {other:?}"),
                })
                .collect();
        taken_back.sort_by_key(|line| line.get());
        assert_eq!(taken_back, lines[1..]);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 1);
    }

    #[tokio::test]
    async fn meetings_are_counted_and_the_last_found_by_their_days() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let other = manager(&store, "U0OTHER").await;
        let day = |n| held_on() - Duration::days(n);
        for n in [9, 7, 2] {
            store_line(&store, &boss, &[on(meeting(30), day(n))]).await;
        }
        store_line(&store, &boss, &[on(session("U0ANA", 30), day(1))]).await;
        store_line(&store, &other, &[on(meeting(30), day(1))]).await;

        assert_eq!(
            store.last_meeting(&boss, day(0)).await.expect("read"),
            Some(day(2))
        );
        assert_eq!(
            store.last_meeting(&boss, day(3)).await.expect("read"),
            Some(day(7))
        );
        assert_eq!(
            store.last_meeting(&boss, day(10)).await.expect("read"),
            None
        );
        assert_eq!(
            store
                .meetings_between(&boss, day(9), day(2))
                .await
                .expect("read"),
            2
        );
        assert_eq!(
            store
                .meetings_between(&boss, day(8), day(0))
                .await
                .expect("read"),
            2
        );
    }

    #[tokio::test]
    async fn the_month_export_has_a_row_per_rep_an_entry_counts_for_in_sqlites_text() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let ana = ana_joins_on_the_2nd(&store, &boss).await;
        let first_of_month = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        store_line(&store, &boss, &[on(meeting(45), first_of_month)]).await;
        store_line(
            &store,
            &boss,
            &[session_with(&["U0BEN", "U0ANA"], 30, Activity::Deal)],
        )
        .await;
        store_line(&store, &boss, &[meeting(60)]).await;
        store_line(
            &store,
            &boss,
            &[on(meeting(60), first_of_month - Duration::days(1))],
        )
        .await;

        let rows = store
            .month_export(YearMonth::of(held_on()))
            .await
            .expect("export");

        let read: Vec<(NaiveDate, &str, u32, &str, &str)> = rows
            .iter()
            .map(|row| {
                (
                    row.held_on,
                    row.rep_id.as_str(),
                    row.minutes,
                    row.activity.as_str(),
                    row.topics.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (first_of_month, "", 45, "", "stuck_deals;new_products"),
                (held_on(), "U0BEN", 30, "deal", ""),
                (held_on(), "U0ANA", 30, "deal", ""),
                (held_on(), ana.as_str(), 60, "", "stuck_deals;new_products"),
            ]
        );
        assert!(rows
            .iter()
            .all(|row| row.logged_at == "2026-11-27T09:00:00Z"));
        assert!(rows
            .iter()
            .all(|row| row.confirmation == Confirmation::NotAsked));
        assert_eq!(rows[1].kind, EntryKind::Session);
        assert_eq!(rows[0].kind, EntryKind::Meeting);
    }
}
