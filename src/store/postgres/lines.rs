//! Logged lines on PostgreSQL, the one write on the hot path. A line is
//! what one `/coach` command (or one form) stores: one or more sessions and
//! meetings, in one transaction of its own (no group commit: PostgreSQL
//! takes many writers at once). The rules are SQLite's (`sqlite/lines.rs`);
//! what is added here is for several replicas on one database.
//!
//! A line's team rule runs on the stints it judges (the reps' for 1:1s,
//! the manager's team's for a meeting), locked `FOR SHARE` as they are read
//! and held until the line commits: a team change locks the stints it
//! changes `FOR UPDATE` before it decides, so it waits for the line, or
//! the line for it, and neither decides on what the other is changing. A
//! line that moves a join day locks that stint `FOR UPDATE` too; two lines
//! doing so at once can deadlock, which PostgreSQL breaks by failing one,
//! and that one is stored again from the start.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::entries::insert_rep_rows;
use super::team::{membership_from_row, move_join_days, MembershipRow};
use super::{whole_seconds, PgStore, StoreError};
use crate::domain::{Confirmation, Entry, LineId, Manager, Membership, SlackUserId};
use crate::store::sqlite::lines::{judged, NewRepRows};
use crate::store::sqlite::{parse_user, topics_text};
use crate::store::{StintsSeen, StoredLine, TeamRule};

/// How many times a transaction is tried when PostgreSQL fails it to
/// break a deadlock.
const ATTEMPTS: usize = 4;

/// A line to store.
struct NewLine<'a> {
    manager: &'a Manager,
    entries: &'a [Entry],
    check: Check,
    /// Each session rep's word as the line is stored: asked, or not.
    confirmation: Confirmation,
    logged_at: DateTime<Utc>,
}

/// How a line's team rule is kept.
enum Check {
    /// Stored as it is.
    Nothing,
    /// Run on the stints as the storing transaction reads them.
    Rule(TeamRule),
    /// Judged by the caller on stints read when the workspace's count of
    /// stint changes stood at `seen`, moving no join day: stored without
    /// running the rule while the count stands; otherwise as `Rule`.
    Judged { seen: i64, rule: TeamRule },
}

impl PgStore {
    /// Stores a line's entries, and the join days its team `rule` moves
    /// back, together; returns once they are committed. A line its rule
    /// refuses is not stored: [`StoreError::TeamChanged`] carries the stints
    /// the rule saw.
    /// `confirmation` is each session rep's word to begin with: asked (a
    /// question goes out to them) or not.
    #[tracing::instrument(skip(self, manager, entries, rule), fields(workspace = %manager.workspace, user = %manager.id, entries = entries.len()))]
    pub(super) async fn insert_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        let check = rule.map_or(Check::Nothing, Check::Rule);
        self.store_line(NewLine {
            manager,
            entries,
            check,
            confirmation,
            logged_at: whole_seconds(now),
        })
        .await
    }

    /// Stores a line judged by `rule` on stints read at `seen`, moving no
    /// join day: without running `rule` while the workspace's stints stand
    /// as they were, otherwise by `rule` on them as they now are.
    #[tracing::instrument(skip(self, manager, entries, rule), fields(workspace = %manager.workspace, user = %manager.id, entries = entries.len()))]
    pub(super) async fn insert_judged_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        seen: StintsSeen,
        rule: TeamRule,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        let check = Check::Judged { seen: seen.0, rule };
        self.store_line(NewLine {
            manager,
            entries,
            check,
            confirmation,
            logged_at: whole_seconds(now),
        })
        .await
    }

    /// Stores `line` in a transaction of its own.
    async fn store_line(&self, line: NewLine<'_>) -> Result<StoredLine, StoreError> {
        again_after_deadlock(|| self.try_store_line(&line)).await
    }

    async fn try_store_line(&self, line: &NewLine<'_>) -> Result<StoredLine, StoreError> {
        let mut tx = self.write().await?;
        let (moves, stints) = match &line.check {
            Check::Nothing => (Vec::new(), Vec::new()),
            Check::Judged { seen, rule } => {
                let stints = line_stints(&mut tx, line).await?;
                if stints_seen(&mut tx, line.manager).await? == *seen {
                    (Vec::new(), Vec::new())
                } else {
                    judged(rule, stints)?
                }
            }
            Check::Rule(rule) => judged(rule, line_stints(&mut tx, line).await?)?,
        };
        let workspace = line.manager.workspace.as_str();
        let manager = line.manager.id.as_str();
        let line_id: i64 = sqlx::query_scalar(
            "INSERT INTO log_lines (team_id, manager_id, logged_at) VALUES ($1, $2, $3)
             RETURNING id",
        )
        .bind(workspace)
        .bind(manager)
        .bind(line.logged_at)
        .fetch_one(&mut *tx)
        .await?;
        for entry in line.entries {
            let (kind, activity, topics) = match entry {
                Entry::Session(session) => ("session", Some(session.activity.code()), None),
                Entry::Meeting(meeting) => ("meeting", None, Some(topics_text(&meeting.topics))),
            };
            let entry_id: i64 = sqlx::query_scalar(
                "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, topics, note,
                                   held_on, logged_at, line_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 RETURNING id",
            )
            .bind(workspace)
            .bind(manager)
            .bind(kind)
            .bind(i64::from(entry.minutes().get()))
            .bind(activity)
            .bind(topics)
            .bind(entry.note().as_str())
            .bind(entry.held_on())
            .bind(line.logged_at)
            .bind(line_id)
            .fetch_one(&mut *tx)
            .await?;
            if let Entry::Session(session) = entry {
                let reps: Vec<&str> = session.reps.iter().map(|r| r.as_str()).collect();
                let rows = NewRepRows {
                    entry: entry_id,
                    revision: 0,
                    confirmation: line.confirmation,
                };
                insert_rep_rows(&mut tx, &rows, workspace, session, &reps).await?;
            }
        }
        move_join_days(&mut tx, workspace, manager, line_id, &moves).await?;
        let home_tabs_opened = home_tabs_opened(&mut tx, line).await?;
        tx.commit().await?;
        Ok(StoredLine {
            line: LineId::new(line_id),
            moves,
            stints,
            home_tabs_opened,
        })
    }
}

/// Whether PostgreSQL failed the transaction to break a deadlock.
fn is_deadlock(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Database(sqlx::Error::Database(failed))
            if failed.code().as_deref() == Some(DEADLOCK_DETECTED)
    )
}

/// PostgreSQL's SQLSTATE for a transaction failed to break a deadlock.
const DEADLOCK_DETECTED: &str = "40P01";

/// The workspace's count of stint changes, as committed.
async fn stints_seen(tx: &mut PgConnection, manager: &Manager) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE((SELECT version FROM stint_versions WHERE team_id = $1), 0)",
    )
    .bind(manager.workspace.as_str())
    .fetch_one(&mut *tx)
    .await?)
}

/// When the line's manager and reps last opened their Home tabs, those who
/// ever did, in the order of [`line_people`], read in the line's
/// transaction.
async fn home_tabs_opened(
    tx: &mut PgConnection,
    line: &NewLine<'_>,
) -> Result<Vec<(SlackUserId, DateTime<Utc>)>, StoreError> {
    let people = line_people(line);
    let opened: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT user_id, opened_at FROM home_tabs WHERE team_id = $1 AND user_id = ANY($2)",
    )
    .bind(line.manager.workspace.as_str())
    .bind(&people)
    .fetch_all(&mut *tx)
    .await?;
    people
        .iter()
        .filter_map(|user| opened.iter().find(|(who, _)| who == user))
        .map(|(user, at)| Ok((parse_user(user.clone())?, *at)))
        .collect()
}

/// The line's manager, then each rep of its sessions once.
fn line_people<'a>(line: &NewLine<'a>) -> Vec<&'a str> {
    let mut people = vec![line.manager.id.as_str()];
    for entry in line.entries {
        if let Entry::Session(session) = entry {
            for rep in &session.reps {
                if !people.contains(&rep.as_str()) {
                    people.push(rep.as_str());
                }
            }
        }
    }
    people
}

/// The stints a line's team rule judges, as the storing transaction reads
/// them, locked against change until it ends.
async fn line_stints(
    tx: &mut PgConnection,
    line: &NewLine<'_>,
) -> Result<Vec<Membership>, StoreError> {
    lock_judged_stints(tx, line.manager, line.entries, Locking::ForShare).await
}

/// How [`lock_judged_stints`] locks the stints it reads.
#[derive(Clone, Copy)]
pub(super) enum Locking {
    /// Against change: a line judged on them.
    ForShare,
    /// Against change and against others judging on them: a line taken
    /// back.
    ForUpdate,
}

/// The stints a team rule judges `entries` of the manager's on, locked
/// until the transaction ends: every stint their 1:1 reps have had in the
/// workspace, on any team; for entries without 1:1s (a team meeting),
/// every stint on the manager's team. Locked in one order (by ID), as team
/// changes lock them, so they wait for each other instead of deadlocking.
pub(super) async fn lock_judged_stints(
    tx: &mut PgConnection,
    manager: &Manager,
    entries: &[Entry],
    locking: Locking,
) -> Result<Vec<Membership>, StoreError> {
    let reps: Vec<&str> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Session(session) => Some(&session.reps),
            Entry::Meeting(_) => None,
        })
        .flatten()
        .map(|rep| rep.as_str())
        .collect();
    let (whose, who) = if reps.is_empty() {
        ("manager_id", vec![manager.id.as_str()])
    } else {
        ("rep_id", reps)
    };
    let lock = match locking {
        Locking::ForShare => "FOR SHARE",
        Locking::ForUpdate => "FOR UPDATE",
    };
    let rows: Vec<MembershipRow> = sqlx::query_as(&format!(
        "SELECT manager_id, rep_id, joined_on, left_on FROM (
             SELECT id, manager_id, rep_id, joined_on, left_on FROM memberships
             WHERE team_id = $1 AND {whose} = ANY($2)
             ORDER BY id {lock}) stints
         ORDER BY joined_on, id"
    ))
    .bind(manager.workspace.as_str())
    .bind(&who)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter().map(membership_from_row).collect()
}

/// Runs `attempt` (a transaction) again from the start when PostgreSQL
/// failed it to break a deadlock, a few times at most: each try waits for
/// the other transaction, so a few are plenty.
pub(super) async fn again_after_deadlock<T, Attempt>(
    attempt: impl Fn() -> Attempt,
) -> Result<T, StoreError>
where
    Attempt: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(error) if tries < ATTEMPTS && is_deadlock(&error) => tries += 1,
            done => return done,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    //! The rules of `tests/api/store.rs` for lines, on PostgreSQL, and what
    //! PostgreSQL adds for several replicas: a line waits for a team
    //! change in progress and judges the stints it committed.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Tz;

    use super::*;
    use crate::domain::SessionEntry;
    use crate::domain::{
        session_day, Activity, MeetingEntry, Minutes, Note, SessionDay, Topic, WorkspaceId,
    };

    pub(in crate::store::postgres) fn user(id: &str) -> SlackUserId {
        SlackUserId::parse(id).expect("test id")
    }

    /// The day every entry here is held on.
    pub(in crate::store::postgres) fn held_on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
    }

    /// When the lines here are logged.
    pub(in crate::store::postgres) fn friday_morning() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
            .single()
            .expect("instant")
    }

    pub(in crate::store::postgres) fn session_with(
        reps: &[&str],
        minutes: u32,
        activity: Activity,
    ) -> Entry {
        Entry::Session(SessionEntry {
            reps: reps.iter().map(|r| user(r)).collect(),
            minutes: Minutes::new(minutes).expect("minutes"),
            activity,
            note: Note::parse("pipeline review").expect("note"),
            held_on: held_on(),
        })
    }

    pub(in crate::store::postgres) fn session(rep: &str, minutes: u32) -> Entry {
        session_with(&[rep], minutes, Activity::Pipeline)
    }

    pub(in crate::store::postgres) fn meeting(minutes: u32) -> Entry {
        Entry::Meeting(MeetingEntry {
            minutes: Minutes::new(minutes).expect("minutes"),
            topics: vec![Topic::StuckDeals, Topic::NewProducts],
            note: Note::default(),
            held_on: held_on(),
        })
    }

    /// Manager `id` of workspace T0TEAM, stored as `add_manager` stores one.
    pub(in crate::store::postgres) async fn manager(store: &PgStore, id: &str) -> Manager {
        let manager = Manager {
            workspace: WorkspaceId::parse("T0TEAM").expect("workspace"),
            id: user(id),
            slack_tz: Tz::UTC,
            tz_override: None,
            snoozed_until: None,
            first_used: friday_morning(),
            digest_channel: None,
        };
        sqlx::query(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
             VALUES ($1, $2, 'UTC', $3)",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(friday_morning())
        .execute(&store.pool)
        .await
        .expect("manager");
        manager
    }

    pub(in crate::store::postgres) async fn count(store: &PgStore, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&store.pool)
            .await
            .expect("count")
    }

    /// Ana, on the manager's team since 2 November.
    pub(in crate::store::postgres) async fn ana_joins_on_the_2nd(
        store: &PgStore,
        manager: &Manager,
    ) -> SlackUserId {
        let ana = user("U0ANA");
        let joined = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        store
            .add_reps(
                manager,
                std::slice::from_ref(&ana),
                Some(joined),
                held_on(),
                friday_morning(),
            )
            .await
            .expect("added");
        ana
    }

    fn on_the_team_that_day(manager: &Manager, rep: &str) -> TeamRule {
        let (boss, rep) = (manager.id.clone(), user(rep));
        Box::new(move |stints| {
            (session_day(stints, &boss, &rep, held_on()) == SessionDay::OnTeam).then(Vec::new)
        })
    }

    /// `on_the_team_that_day` for Ana, counting how often it runs.
    fn counted_rule(manager: &Manager, runs: &Arc<AtomicUsize>) -> TeamRule {
        let (rule, runs) = (on_the_team_that_day(manager, "U0ANA"), runs.clone());
        Box::new(move |stints| {
            runs.fetch_add(1, Ordering::SeqCst);
            rule(stints)
        })
    }

    /// The stints a line's team rule refused it on; fails if it was stored.
    fn refused(stored: Result<StoredLine, StoreError>) -> Vec<Membership> {
        match stored {
            Err(StoreError::TeamChanged(stints)) => stints,
            other => panic!("the line was not refused: {other:?}"),
        }
    }

    /// Rep rows not on an entry of their own line's sessions.
    const MISPLACED_REP_ROWS: &str =
        "SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id
         WHERE l.kind <> 'session' OR r.held_on <> l.held_on OR r.minutes <> l.minutes";

    #[tokio::test]
    async fn many_lines_stored_at_once_each_get_their_own_ids_with_every_rep_on_its_own_entry() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let lines: Vec<[Entry; 2]> = (0..24)
            .map(|i| {
                [
                    session_with(&["U0ANA", "U0BEN"], 10 + i, Activity::Deal),
                    meeting(20 + i),
                ]
            })
            .collect();
        let stored = futures::future::join_all(lines.iter().map(|line| {
            store.insert_line(&boss, line, None, Confirmation::Asked, friday_morning())
        }))
        .await;

        let mut ids: Vec<i64> = stored
            .into_iter()
            .map(|stored| stored.expect("stored").line.get())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 24, "each line has its own ID");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 48);
        assert_eq!(count(&store, MISPLACED_REP_ROWS).await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM log_reps
                 WHERE confirmation = 'asked' AND notify = 'ask' AND asked_revision = 0"
            )
            .await,
            48
        );
    }

    #[tokio::test]
    async fn a_sessions_reps_are_kept_in_the_order_given() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        store
            .insert_line(
                &boss,
                &[session_with(
                    &["U0CAT", "U0ANA", "U0BEN"],
                    30,
                    Activity::Skill,
                )],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");
        // An answer updates a row, which PostgreSQL may move.
        sqlx::query("UPDATE log_reps SET confirmation = 'helped' WHERE rep_id = 'U0CAT'")
            .execute(&store.pool)
            .await
            .expect("answered");

        let read: Vec<String> = sqlx::query_scalar("SELECT rep_id FROM log_reps ORDER BY position")
            .fetch_all(&store.pool)
            .await
            .expect("read");
        assert_eq!(read, ["U0CAT", "U0ANA", "U0BEN"]);
    }

    #[tokio::test]
    async fn a_team_remove_committed_before_a_line_is_stored_refuses_the_line() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let ana = ana_joins_on_the_2nd(&store, &boss).await;
        store
            .remove_reps(
                &boss,
                std::slice::from_ref(&ana),
                held_on(),
                friday_morning(),
            )
            .await
            .expect("removed");
        let lines_before = count(&store, "SELECT COUNT(*) FROM log_lines").await;

        let stints = refused(
            store
                .insert_line(
                    &boss,
                    &[session("U0ANA", 45)],
                    Some(on_the_team_that_day(&boss, "U0ANA")),
                    Confirmation::NotAsked,
                    friday_morning(),
                )
                .await,
        );

        assert!(
            stints.iter().all(|stint| stint.left_on.is_some()),
            "{stints:?}"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 0);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM log_lines").await,
            lines_before
        );
    }

    /// How many of this database's connections wait for a lock.
    async fn waiting_for_locks(store: &PgStore) -> i64 {
        count(
            store,
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await
    }

    /// Returns once `n` of the database's connections wait for a lock.
    pub(in crate::store::postgres) async fn until_waiting(store: &PgStore, n: i64) {
        while waiting_for_locks(store).await < n {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_line_waits_for_a_team_change_in_progress_and_judges_the_stints_it_committed() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        ana_joins_on_the_2nd(&store, &boss).await;
        // Another replica's `team remove @ana`, locked as team changes
        // lock, under way.
        let mut change = store.pool.begin().await.expect("change");
        sqlx::query("SELECT id FROM memberships WHERE rep_id = 'U0ANA' FOR UPDATE")
            .execute(&mut *change)
            .await
            .expect("locked");
        sqlx::query("UPDATE memberships SET left_on = $1 WHERE rep_id = 'U0ANA'")
            .bind(held_on())
            .execute(&mut *change)
            .await
            .expect("left");

        let mut line = tokio::spawn({
            let (store, boss) = (store.clone(), boss.clone());
            async move {
                store
                    .insert_line(
                        &boss,
                        &[session("U0ANA", 45)],
                        Some(on_the_team_that_day(&boss, "U0ANA")),
                        Confirmation::NotAsked,
                        friday_morning(),
                    )
                    .await
            }
        });
        tokio::select! {
            () = until_waiting(&store, 1) => {}
            stored = &mut line => panic!("stored while the change was under way: {stored:?}"),
        }
        change.commit().await.expect("committed");

        let stints = refused(line.await.expect("line"));
        assert!(
            stints.iter().all(|stint| stint.left_on.is_some()),
            "{stints:?}"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM logs").await, 0);
    }

    #[tokio::test]
    async fn a_line_judged_on_stints_that_still_stand_is_stored_without_its_rule() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        ana_joins_on_the_2nd(&store, &boss).await;
        let seen = StintsSeen(count(&store, "SELECT version FROM stint_versions").await);
        let runs = Arc::new(AtomicUsize::new(0));

        let stored = store
            .insert_judged_line(
                &boss,
                &[session("U0ANA", 45)],
                seen,
                counted_rule(&boss, &runs),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");

        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert!(stored.stints.is_empty());
        assert_eq!(count(&store, "SELECT COUNT(*) FROM log_reps").await, 1);
    }

    #[tokio::test]
    async fn a_line_judged_before_a_team_change_goes_through_its_rule_on_the_stints_now() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let ana = ana_joins_on_the_2nd(&store, &boss).await;
        let seen = StintsSeen(count(&store, "SELECT version FROM stint_versions").await);
        let runs = Arc::new(AtomicUsize::new(0));
        store
            .add_reps(&boss, &[user("U0BEN")], None, held_on(), friday_morning())
            .await
            .expect("added");

        let stored = store
            .insert_judged_line(
                &boss,
                &[session("U0ANA", 45)],
                seen,
                counted_rule(&boss, &runs),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(stored.stints.iter().all(|stint| stint.rep == ana));

        // Cat, coached on no day, leaves after the read.
        let cat = user("U0CAT");
        store
            .add_reps(
                &boss,
                std::slice::from_ref(&cat),
                None,
                held_on(),
                friday_morning(),
            )
            .await
            .expect("added");
        let seen = StintsSeen(count(&store, "SELECT version FROM stint_versions").await);
        store
            .remove_reps(
                &boss,
                std::slice::from_ref(&cat),
                held_on(),
                friday_morning(),
            )
            .await
            .expect("removed");
        let stints = refused(
            store
                .insert_judged_line(
                    &boss,
                    &[session("U0CAT", 45)],
                    seen,
                    on_the_team_that_day(&boss, "U0CAT"),
                    Confirmation::NotAsked,
                    friday_morning(),
                )
                .await,
        );
        assert!(stints.iter().all(|stint| stint.rep == cat), "{stints:?}");
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0CAT'"
            )
            .await,
            0
        );
    }

    #[tokio::test]
    async fn a_meetings_team_rule_judges_the_managers_team_as_the_storing_transaction_reads_it() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let (ana, ben) = (user("U0ANA"), user("U0BEN"));
        store
            .add_reps(
                &boss,
                &[ana.clone(), ben.clone()],
                None,
                held_on(),
                friday_morning(),
            )
            .await
            .expect("added");
        let there_is_a_team: TeamRule = {
            let boss = boss.id.clone();
            Box::new(move |stints| {
                stints
                    .iter()
                    .any(|stint| stint.manager == boss && stint.left_on.is_none())
                    .then(Vec::new)
            })
        };

        let stored = store
            .insert_line(
                &boss,
                &[meeting(60)],
                Some(there_is_a_team),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");

        let reps: Vec<&SlackUserId> = stored.stints.iter().map(|stint| &stint.rep).collect();
        assert_eq!(reps, vec![&ana, &ben]);
    }

    #[tokio::test]
    async fn a_session_before_the_join_day_moves_it_back_with_the_line() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let ana = user("U0ANA");
        store
            .add_reps(
                &boss,
                std::slice::from_ref(&ana),
                None,
                held_on(),
                friday_morning(),
            )
            .await
            .expect("added today");
        let before = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        let moves_back: TeamRule = {
            let ana = ana.clone();
            Box::new(move |_| {
                Some(vec![crate::domain::JoinMove {
                    rep: ana.clone(),
                    from: held_on(),
                    to: before,
                }])
            })
        };
        let mut early = session("U0ANA", 30);
        if let Entry::Session(session) = &mut early {
            session.held_on = before;
        }

        let stored = store
            .insert_line(
                &boss,
                &[early],
                Some(moves_back),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");

        assert_eq!(stored.moves.len(), 1);
        let joined: NaiveDate = sqlx::query_scalar("SELECT joined_on FROM memberships")
            .fetch_one(&store.pool)
            .await
            .expect("read");
        assert_eq!(joined, before);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM join_moves").await, 1);
    }

    #[tokio::test]
    async fn a_stored_line_says_when_its_manager_and_reps_last_opened_their_home_tabs() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let boss = manager(&store, "U0BOSS").await;
        let now = friday_morning();
        let minutes = chrono::Duration::minutes;
        for (workspace, who, ago) in [
            ("T0TEAM", "U0ANA", 3),
            ("T0TEAM", "U0BEN", 30),
            ("T0TEAM", "U0BOSS", 1),
            ("T0ELSE", "U0CAT", 0),
        ] {
            sqlx::query("INSERT INTO home_tabs (team_id, user_id, opened_at) VALUES ($1, $2, $3)")
                .bind(workspace)
                .bind(who)
                .bind(now - minutes(ago))
                .execute(&store.pool)
                .await
                .expect("opened");
        }

        let stored = store
            .insert_line(
                &boss,
                &[
                    session_with(&["U0ANA", "U0CAT"], 30, Activity::Pipeline),
                    meeting(45),
                ],
                None,
                Confirmation::NotAsked,
                now,
            )
            .await
            .expect("stored");

        assert_eq!(
            stored.home_tabs_opened,
            vec![
                (user("U0BOSS"), now - minutes(1)),
                (user("U0ANA"), now - minutes(3)),
            ]
        );
    }
}
