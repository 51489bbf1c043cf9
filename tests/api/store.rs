//! The store against a real SQLite file, and against a real PostgreSQL
//! database when `COACHBOT_TEST_POSTGRES_URL` names a server (each test
//! runs on each, in turn): group commit of logged lines, every rep row on
//! its own entry, and writes that cannot race.

use chrono::NaiveDate;
use chrono_tz::Tz;
use coachbot::domain::{
    session_day, Activity, Confirmation, Entry, EntryId, Manager, MeetingEntry, Membership,
    Minutes, Note, SessionDay, SessionEntry, SlackChannelId, SlackUserId, WorkspaceId, YearMonth,
};
use coachbot::store::{Store, StoreError, StoredLine, TeamRule, UndoTarget, Undone};

use crate::databases::{each_database, sqlite_database, Records, TestDatabase};
use crate::helpers::friday_morning;

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).expect("test id")
}

fn session_with(reps: &[&str], minutes: u32, activity: Activity) -> Entry {
    Entry::Session(SessionEntry {
        reps: reps.iter().map(|r| user(r)).collect(),
        minutes: Minutes::new(minutes).expect("minutes"),
        activity,
        note: Note::parse("pipeline review").expect("note"),
        held_on: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
    })
}

fn session(rep: &str, minutes: u32) -> Entry {
    session_with(&[rep], minutes, Activity::Pipeline)
}

fn meeting(minutes: u32) -> Entry {
    Entry::Meeting(MeetingEntry {
        minutes: Minutes::new(minutes).expect("minutes"),
        topics: vec![],
        note: Note::default(),
        held_on: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
    })
}

/// A store on `db` with one manager, and the records it keeps.
async fn store_with_manager(db: &TestDatabase) -> (Store, Manager, Records) {
    let store = Store::connect(&db.url).await.expect("store");
    let workspace = WorkspaceId::parse("T0TEAM").expect("team");
    let manager = store
        .add_manager(&workspace, &user("U0BOSS"), Tz::UTC, friday_morning())
        .await
        .expect("manager");
    (store, manager, Records::open(&db.url).await)
}

/// Stores each of `logs` as a line of its own, all at once.
async fn each_its_own_line(
    store: &Store,
    manager: &Manager,
    logs: &[Entry],
) -> Vec<Result<StoredLine, StoreError>> {
    futures::future::join_all(logs.iter().map(|log| {
        store.insert_line(
            manager,
            std::slice::from_ref(log),
            None,
            Confirmation::NotAsked,
            friday_morning(),
        )
    }))
    .await
}

#[tokio::test]
async fn many_sessions_logged_at_once_are_all_stored_each_with_its_rep() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let logs: Vec<Entry> = (0..200)
            .map(|i| session(&format!("U0REP{}", i % 7), 1 + i % 60))
            .collect();
        let results = each_its_own_line(&store, &manager, &logs).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 200);
        assert_eq!(records.count("SELECT COUNT(*) FROM log_reps").await, 200);
        let expected: u32 = (0..200).map(|i| 1 + i % 60).sum();
        assert_eq!(
            records.count("SELECT SUM(minutes) FROM log_reps").await,
            i64::from(expected)
        );
        // Every rep row carries its own log's minutes.
        assert_eq!(
        records.count("SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id WHERE r.minutes = l.minutes AND r.held_on = l.held_on").await,
        200
    );
    }
}

#[tokio::test]
async fn closing_the_store_first_stores_every_line_already_queued_and_refuses_later_ones() {
    // About SQLite's own writer and file: PostgreSQL has neither.
    let db = sqlite_database();
    let (store, manager, records) = store_with_manager(&db).await;
    let logs: Vec<Entry> = (0..300).map(|i| session("U0ANA", 1 + i % 60)).collect();
    // One poll puts every line in the queue (tokio's budget would stop
    // the sends after 128); the writer has not run yet.
    let mut queued = std::pin::pin!(tokio::task::unconstrained(each_its_own_line(
        &store, &manager, &logs
    )));
    assert!(futures::poll!(&mut queued).is_pending());

    let (results, ()) = tokio::join!(queued, store.close());

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 300);
    let later = store
        .insert_line(
            &manager,
            &[session("U0ANA", 30)],
            None,
            Confirmation::NotAsked,
            friday_morning(),
        )
        .await;
    assert!(matches!(later, Err(StoreError::WriterStopped)), "{later:?}");
}

#[tokio::test]
async fn a_session_that_cannot_be_stored_fails_alone_and_the_rest_of_its_batch_is_stored() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        // Not in the managers table: the foreign key refuses this one.
        let stranger = Manager {
            id: user("U0NOBODY"),
            ..manager.clone()
        };
        let good = session("U0ANA", 45);
        let mut calls = Vec::new();
        for i in 0..20 {
            let who = if i == 7 { &stranger } else { &manager };
            calls.push(store.insert_line(
                who,
                std::slice::from_ref(&good),
                None,
                Confirmation::NotAsked,
                friday_morning(),
            ));
        }
        let results = futures::future::join_all(calls).await;
        assert!(
            matches!(results[7], Err(StoreError::Database(_))),
            "{:?}",
            results[7]
        );
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 19);
        assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 19);
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM logs WHERE manager_id = 'U0NOBODY'")
                .await,
            0
        );
    }
}

#[tokio::test]
async fn committed_logs_reach_the_database_file_without_waiting_for_a_commit_to_checkpoint() {
    // About SQLite's own writer and file: PostgreSQL has neither.
    let db = sqlite_database();
    let (store, manager, _records) = store_with_manager(&db).await;
    let file = db.sqlite_file().expect("a SQLite file");
    let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let mut checkpoints = store.checkpoints();
    // A checkpoint after the setup has copied the schema into the file.
    let setup = *checkpoints.borrow();
    checkpoints_done(&mut checkpoints, setup + 1).await;
    let before = size();
    let logs: Vec<Entry> = (0..300)
        .map(|i| session(&format!("U0REP{}", i % 9), 30))
        .collect();
    for log in &logs {
        store
            .insert_line(
                &manager,
                std::slice::from_ref(log),
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("stored");
    }
    // Far fewer pages than SQLite's own checkpoint threshold (1,000): only
    // the background checkpoint moves them into the file. One may have been
    // under way as the last commit landed; the one after it has not.
    let committed = *checkpoints.borrow();
    checkpoints_done(&mut checkpoints, committed + 2).await;
    assert!(
        size() > before,
        "the database file stayed at {before} bytes"
    );
}

/// Until the store has finished `count` background checkpoints.
async fn checkpoints_done(checkpoints: &mut tokio::sync::watch::Receiver<u64>, count: u64) {
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        checkpoints.wait_for(|done| *done >= count),
    )
    .await
    .expect("the store checkpoints")
    .expect("the checkpointer runs");
}

/// Rep rows whose copies (day, minutes, kind, workspace) differ from the
/// entry they hang on.
const MISPLACED_REP_ROWS: &str = "SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id
     WHERE l.kind <> 'session' OR l.held_on <> r.held_on OR l.minutes <> r.minutes
        OR l.activity <> r.activity OR l.team_id <> r.team_id";

#[tokio::test]
async fn a_session_with_many_reps_after_ids_have_drifted_puts_every_rep_on_it() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        // The sequence that exposed the bug: a meeting and a 1:1 move entry IDs
        // and rep-row IDs apart before a session with several reps.
        store
            .insert_line(
                &manager,
                &[meeting(30)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("meeting");
        store
            .insert_line(
                &manager,
                &[session("U0ANN", 30)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("one rep");
        store
            .insert_line(
                &manager,
                &[session_with(&["U0ANN", "U0BEN"], 30, Activity::Skill)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("two reps");
        let reps: Vec<String> = (0..12).map(|i| format!("U0REP{i:02}")).collect();
        let reps: Vec<&str> = reps.iter().map(String::as_str).collect();
        store
            .insert_line(
                &manager,
                &[session_with(&reps, 45, Activity::Deal)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("twelve reps");

        assert_eq!(records.count(MISPLACED_REP_ROWS).await, 0);
        assert_eq!(records.count("SELECT COUNT(*) FROM log_reps").await, 15);
        let role_play: Vec<String> = records
            .column(
                "SELECT r.rep_id FROM log_reps r JOIN logs l ON l.id = r.log_id
             WHERE l.activity = 'skill' ORDER BY r.rep_id",
                &[],
            )
            .await;
        assert_eq!(role_play, ["U0ANN", "U0BEN"]);
        let per_entry: Vec<i64> = records
            .column(
                "SELECT COUNT(*) FROM log_reps GROUP BY log_id ORDER BY log_id",
                &[],
            )
            .await;
        assert_eq!(per_entry, [1, 2, 12]);
    }
}

#[tokio::test]
async fn undo_takes_a_session_back_for_every_rep_and_a_second_undo_of_it_changes_nothing() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        store
            .insert_line(
                &manager,
                &[meeting(30)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("meeting");
        store
            .insert_line(
                &manager,
                &[session("U0ANN", 30)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("one rep");
        let line = store
            .insert_line(
                &manager,
                &[session_with(&["U0ANN", "U0BEN"], 30, Activity::Skill)],
                None,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
            .expect("two reps")
            .line;

        let undone = store
            .undo(&manager, UndoTarget::Line(line), friday_morning())
            .await
            .expect("undo");
        let Undone::Removed(removed, entries, _) = undone else {
            panic!("nothing removed: {undone:?}");
        };
        assert_eq!(removed, line);
        assert_eq!(entries.len(), 1);
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0BEN'")
                .await,
            0
        );
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0ANN'")
                .await,
            1
        );
        assert_eq!(
            store
                .undo(&manager, UndoTarget::Line(line), friday_morning())
                .await
                .expect("second undo"),
            Undone::AlreadyUndone
        );
        assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 2);
    }
}

/// The day every session here is held on: `friday_morning`'s.
fn held_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

#[tokio::test]
async fn a_snooze_a_time_zone_and_a_digest_channel_set_from_one_stale_copy_all_stay() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let back_on = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        let channel = SlackChannelId::parse("C0DIGEST").expect("channel");
        // Each change starts from the copy read before any of them, as when
        // "Snooze a week" is pressed while `/coach tz …` is being answered.
        store
            .set_snooze(&manager, Some(back_on))
            .await
            .expect("snooze");
        store
            .set_time_zone_override(&manager, Some(Tz::America__New_York))
            .await
            .expect("time zone");
        store
            .set_digest_channel(&manager, Some(channel.clone()))
            .await
            .expect("digest channel");

        let now = store
            .manager(&manager.workspace, &manager.id)
            .await
            .expect("read")
            .expect("manager");
        assert_eq!(now.snoozed_until, Some(back_on));
        assert_eq!(now.tz_override, Some(Tz::America__New_York));
        assert_eq!(now.digest_channel, Some(channel));
        assert_eq!(
            records
                .count(
                    "SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-04'
               AND tz_override = 'America/New_York' AND digest_channel = 'C0DIGEST'"
                )
                .await,
            1
        );
    }
}

#[tokio::test]
async fn snooze_a_week_pressed_from_a_copy_older_than_a_typed_snooze_keeps_the_typed_one() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let typed = NaiveDate::from_ymd_opt(2026, 12, 20).expect("date");
        let a_week_on = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        store
            .set_snooze(&manager, Some(typed))
            .await
            .expect("typed snooze");
        // `manager` still says reminders are on.
        let kept = store
            .snooze_unless_snoozed(&manager, a_week_on, held_on())
            .await
            .expect("button");
        assert_eq!(kept, Some(typed));
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-20'")
                .await,
            1
        );
    }
}

/// The app's rule for a line of one rep's session, in short: the rep is on
/// the manager's team that day.
/// When the team changes of these tests are recorded as made.
fn change_instant() -> chrono::DateTime<chrono::Utc> {
    "2026-11-27T10:00:00Z".parse().expect("instant")
}

fn on_the_team_that_day(manager: &Manager, rep: &str) -> TeamRule {
    let (boss, rep) = (manager.id.clone(), user(rep));
    Box::new(move |stints| {
        (session_day(stints, &boss, &rep, held_on()) == SessionDay::OnTeam).then(Vec::new)
    })
}

/// Ana, on the team since 2 November.
async fn ana_joins_on_the_2nd(store: &Store, manager: &Manager) -> SlackUserId {
    let ana = user("U0ANA");
    let joined = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    store
        .add_reps(
            manager,
            std::slice::from_ref(&ana),
            Some(joined),
            held_on(),
            change_instant(),
        )
        .await
        .expect("added");
    ana
}

/// A check as the app makes it, on its own read: `rep` is on the team on
/// the day the tests log for.
async fn check_on_the_team(store: &Store, manager: &Manager, rep: &SlackUserId) {
    let read = store
        .month_activity(
            &manager.workspace,
            std::slice::from_ref(rep),
            YearMonth::of(held_on()),
        )
        .await
        .expect("read");
    assert_eq!(
        session_day(&read.memberships, &manager.id, rep, held_on()),
        SessionDay::OnTeam
    );
}

/// The stints a change's team rule refused it on; fails if it was stored.
fn refused<T: std::fmt::Debug>(stored: Result<T, StoreError>) -> Vec<Membership> {
    match stored {
        Err(StoreError::TeamChanged(stints)) => stints,
        other => panic!("the change was not refused: {other:?}"),
    }
}

/// `team remove @rep`, ending their stint on `day`.
async fn remove(store: &Store, manager: &Manager, rep: &SlackUserId, day: NaiveDate) {
    store
        .remove_reps(manager, std::slice::from_ref(rep), day, change_instant())
        .await
        .expect("removed");
}

#[tokio::test]
async fn a_team_remove_committed_between_a_logs_check_and_its_insert_refuses_the_line() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let ana = ana_joins_on_the_2nd(&store, &manager).await;
        // The log's check, on what it read: Ana is on the team today.
        check_on_the_team(&store, &manager, &ana).await;
        // `team remove @ana` commits before the line reaches the writer.
        remove(&store, &manager, &ana, held_on()).await;
        // Team commands are lines too (undo takes them back in order).
        let lines_before = records.count("SELECT COUNT(*) FROM log_lines").await;

        let stored = store
            .insert_line(
                &manager,
                &[session("U0ANA", 45)],
                Some(on_the_team_that_day(&manager, "U0ANA")),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await;
        refused_after_ana_left(stored, &records, lines_before).await;
    }
}

/// The line was refused on stints where Ana had left, and nothing of it
/// (no entry, no line) was stored.
async fn refused_after_ana_left(
    stored: Result<StoredLine, StoreError>,
    records: &Records,
    lines_before: i64,
) {
    let stints = refused(stored);
    assert!(
        stints.iter().all(|stint| stint.left_on.is_some()),
        "the rule saw Ana still on the team: {stints:?}"
    );
    assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 0);
    assert_eq!(
        records.count("SELECT COUNT(*) FROM log_lines").await,
        lines_before
    );
}

#[tokio::test]
async fn a_line_its_team_rule_refuses_fails_alone_and_the_rest_of_its_batch_is_stored() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let ana = user("U0ANA");
        store
            .add_reps(
                &manager,
                std::slice::from_ref(&ana),
                None,
                held_on(),
                change_instant(),
            )
            .await
            .expect("added");
        // Ben was never on the team.
        let reps: Vec<&str> = (0..20)
            .map(|i| if i == 7 { "U0BEN" } else { "U0ANA" })
            .collect();
        let lines: Vec<Entry> = reps.iter().map(|rep| session(rep, 30)).collect();
        let calls = reps.iter().zip(&lines).map(|(rep, line)| {
            store.insert_line(
                &manager,
                std::slice::from_ref(line),
                Some(on_the_team_that_day(&manager, rep)),
                Confirmation::NotAsked,
                friday_morning(),
            )
        });
        let results = futures::future::join_all(calls).await;
        assert!(
            matches!(results[7], Err(StoreError::TeamChanged(_))),
            "{:?}",
            results[7]
        );
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 19);
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0ANA'")
                .await,
            19
        );
        assert_eq!(records.count("SELECT COUNT(*) FROM log_reps").await, 19);
    }
}

/// Ana, on the team since 2 November, coached on 10 November: her entry.
async fn ana_coached_on_the_10th(store: &Store, manager: &Manager) -> EntryId {
    ana_joins_on_the_2nd(store, manager).await;
    let Entry::Session(mut earlier) = session("U0ANA", 45) else {
        unreachable!("a session")
    };
    earlier.held_on = NaiveDate::from_ymd_opt(2026, 11, 10).expect("date");
    store
        .insert_line(
            manager,
            &[Entry::Session(earlier)],
            Some(on_the_team_that_day(manager, "U0ANA")),
            Confirmation::NotAsked,
            friday_morning(),
        )
        .await
        .expect("stored");
    let latest = store.latest_entries(manager, 1).await.expect("entries");
    latest[0].stored.id
}

#[tokio::test]
async fn a_team_remove_committed_between_an_edits_check_and_its_store_refuses_the_edit() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let id = ana_coached_on_the_10th(&store, &manager).await;
        let ana = user("U0ANA");
        // The edit's check, on what it read: Ana is on the team on the 27th,
        // the day the entry moves to.
        check_on_the_team(&store, &manager, &ana).await;
        // `team remove @ana on the 20th` commits before the edit is stored.
        remove(
            &store,
            &manager,
            &ana,
            NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        )
        .await;

        let edited = store
            .edit_entry(
                &manager,
                id,
                &session("U0ANA", 30),
                Some(on_the_team_that_day(&manager, "U0ANA")),
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await;
        let stints = refused(edited);
        assert!(
            !stints.is_empty() && stints.iter().all(|stint| stint.left_on.is_some()),
            "the rule did not see Ana's stint ended: {stints:?}"
        );
        assert_eq!(
        records.count(
            "SELECT COUNT(*) FROM logs WHERE held_on = '2026-11-10' AND minutes = 45 AND revision = 0"
        )
        .await,
        1
    );
        assert_eq!(
            records
                .count("SELECT COUNT(*) FROM log_reps WHERE held_on = '2026-11-10'")
                .await,
            1
        );
    }
}

/// The app's rule for a team meeting, in short: the manager has a team.
fn there_is_a_team(manager: &Manager) -> TeamRule {
    let boss = manager.id.clone();
    Box::new(move |stints| {
        stints
            .iter()
            .any(|stint| stint.manager == boss && stint.left_on.is_none())
            .then(Vec::new)
    })
}

/// A team meeting stored under the app's rule for it.
async fn log_a_meeting(store: &Store, manager: &Manager) -> Result<StoredLine, StoreError> {
    store
        .insert_line(
            manager,
            &[meeting(60)],
            Some(there_is_a_team(manager)),
            Confirmation::NotAsked,
            friday_morning(),
        )
        .await
}

#[tokio::test]
async fn a_meetings_team_rule_judges_the_managers_team_as_the_storing_transaction_reads_it() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, _records) = store_with_manager(&db).await;
        let (ana, ben) = (user("U0ANA"), user("U0BEN"));
        store
            .add_reps(
                &manager,
                &[ana.clone(), ben.clone()],
                None,
                held_on(),
                change_instant(),
            )
            .await
            .expect("added");

        let stored = log_a_meeting(&store, &manager).await.expect("stored");
        let reps: Vec<&SlackUserId> = stored.stints.iter().map(|stint| &stint.rep).collect();
        assert_eq!(reps, vec![&ana, &ben]);
    }
}

#[tokio::test]
async fn a_team_remove_committed_between_a_meetings_check_and_its_insert_refuses_the_meeting() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, records) = store_with_manager(&db).await;
        let ana = ana_joins_on_the_2nd(&store, &manager).await;
        // What the app saw: a team.
        assert_eq!(store.current_team(&manager).await.expect("team").len(), 1);
        // `team remove @ana` commits before the meeting reaches the writer.
        remove(&store, &manager, &ana, held_on()).await;
        let lines_before = records.count("SELECT COUNT(*) FROM log_lines").await;

        let stored = log_a_meeting(&store, &manager).await;
        let stints = refused(stored);
        assert!(
            stints
                .iter()
                .any(|stint| stint.rep == ana && stint.left_on.is_some()),
            "the rule did not see Ana's stint ended: {stints:?}"
        );
        assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 0);
        assert_eq!(
            records.count("SELECT COUNT(*) FROM log_lines").await,
            lines_before
        );
    }
}

mod lookalikes {
    //! The store finds lookalikes in SQL; `Entry::looks_like` is the rule
    //! it must agree with, whatever has been stored.

    use super::*;
    use proptest::prelude::*;

    const REPS: [&str; 3] = ["U0ANA", "U0BEN", "U0CAT"];

    fn entry() -> impl Strategy<Value = Entry> {
        let reps = proptest::sample::subsequence(REPS.to_vec(), 1..=3).prop_shuffle();
        let held_on = (26u32..=27).prop_map(|d| NaiveDate::from_ymd_opt(2026, 11, d).expect("day"));
        let minutes = prop_oneof![Just(30u32), Just(45)];
        prop_oneof![
            3 => (reps, minutes.clone(), held_on.clone()).prop_map(|(reps, minutes, held_on)| {
                Entry::Session(SessionEntry {
                    reps: reps.into_iter().map(user).collect(),
                    minutes: Minutes::new(minutes).expect("minutes"),
                    activity: Activity::Pipeline,
                    note: Note::default(),
                    held_on,
                })
            }),
            1 => (minutes, held_on).prop_map(|(minutes, held_on)| Entry::Meeting(MeetingEntry {
                minutes: Minutes::new(minutes).expect("minutes"),
                topics: vec![],
                note: Note::default(),
                held_on,
            })),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn the_store_names_the_latest_three_entries_the_rule_calls_lookalikes(
            stored in proptest::collection::vec(entry(), 0..12),
            new in proptest::collection::vec(entry(), 1..=2),
        ) {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    for db in each_database().await {
                    let (store, manager, _records) = store_with_manager(&db).await;
                    for entry in &stored {
                        store
                            .insert_line(
                                &manager,
                                std::slice::from_ref(entry),
                                None,
                                Confirmation::NotAsked,
                                friday_morning(),
                            )
                            .await
                            .expect("stored");
                    }
                    let found: Vec<Entry> = store
                        .lookalikes(&manager, &new, 3)
                        .await
                        .expect("read")
                        .into_iter()
                        .map(|lookalike| lookalike.entry)
                        .collect();
                    let alike: Vec<Entry> = stored
                        .iter()
                        .filter(|old| new.iter().any(|entry| entry.looks_like(old)))
                        .cloned()
                        .collect();
                    let latest = alike[alike.len().saturating_sub(3)..].to_vec();
                    assert_eq!(found, latest, "on {db}");
                    }
                });
        }
    }
}

mod judged_lines {
    //! A line the app judged on its own read is stored without reading the
    //! stints again only while no stint in the workspace has changed since;
    //! any change (added, ended, taken back) sends it through its rule.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use coachbot::store::StintsSeen;

    /// The count of stint changes as the app reads it before judging a
    /// line for Ana.
    async fn read_for_a_line(store: &Store, manager: &Manager) -> StintsSeen {
        store
            .line_context(
                manager,
                &[user("U0ANA")],
                &[YearMonth::of(held_on())],
                &[session("U0ANA", 45)],
                3,
            )
            .await
            .expect("read")
            .seen
    }

    /// `on_the_team_that_day` for Ana, counting how often it runs.
    fn counted_rule(manager: &Manager, runs: &Arc<AtomicUsize>) -> TeamRule {
        let (rule, runs) = (on_the_team_that_day(manager, "U0ANA"), runs.clone());
        Box::new(move |stints| {
            runs.fetch_add(1, Ordering::SeqCst);
            rule(stints)
        })
    }

    async fn store_judged(
        store: &Store,
        manager: &Manager,
        seen: StintsSeen,
        rule: TeamRule,
    ) -> Result<StoredLine, StoreError> {
        store
            .insert_judged_line(
                manager,
                &[session("U0ANA", 45)],
                seen,
                rule,
                Confirmation::NotAsked,
                friday_morning(),
            )
            .await
    }

    #[tokio::test]
    async fn a_line_judged_on_stints_that_still_stand_is_stored_without_its_rule() {
        for db in each_database().await {
            eprintln!("on {db}");
            let (store, manager, records) = store_with_manager(&db).await;
            ana_joins_on_the_2nd(&store, &manager).await;
            let seen = read_for_a_line(&store, &manager).await;
            let runs = Arc::new(AtomicUsize::new(0));

            store_judged(&store, &manager, seen, counted_rule(&manager, &runs))
                .await
                .expect("stored");

            assert_eq!(runs.load(Ordering::SeqCst), 0);
            assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 1);
            assert_eq!(records.count("SELECT COUNT(*) FROM log_reps").await, 1);
        }
    }

    #[tokio::test]
    async fn a_batch_mixing_stale_judged_lines_and_others_stores_each_on_its_own_ids() {
        for db in each_database().await {
            eprintln!("on {db}");
            let (store, manager, records) = store_with_manager(&db).await;
            ana_joins_on_the_2nd(&store, &manager).await;
            let stale = read_for_a_line(&store, &manager).await;
            store
                .add_reps(
                    &manager,
                    &[user("U0BEN")],
                    None,
                    held_on(),
                    change_instant(),
                )
                .await
                .expect("added");
            let fresh = read_for_a_line(&store, &manager).await;
            let runs = Arc::new(AtomicUsize::new(0));

            let judged = (0..6).map(|i| {
                let seen = if i % 2 == 0 { stale } else { fresh };
                store_judged(&store, &manager, seen, counted_rule(&manager, &runs))
            });
            let plain_lines: Vec<[Entry; 2]> = (0..6)
                .map(|i| {
                    [
                        session_with(&["U0ANA", "U0BEN"], 10 + i, Activity::Deal),
                        meeting(20),
                    ]
                })
                .collect();
            let plain = plain_lines.iter().map(|line| {
                store.insert_line(&manager, line, None, Confirmation::Asked, friday_morning())
            });
            let (judged, plain) = futures::future::join(
                futures::future::join_all(judged),
                futures::future::join_all(plain),
            )
            .await;

            let mut lines: Vec<i64> = judged
                .into_iter()
                .chain(plain)
                .map(|stored| stored.expect("stored").line.get())
                .collect();
            lines.sort_unstable();
            lines.dedup();
            assert_eq!(lines.len(), 12, "each line has its own ID");
            assert_eq!(
                runs.load(Ordering::SeqCst),
                3,
                "only the stale ones ran their rule"
            );
            assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 6 + 12);
            assert_eq!(records.count(MISPLACED_REP_ROWS).await, 0);
            assert_eq!(
            records.count("SELECT COUNT(*) FROM log_reps WHERE confirmation = 'asked' AND notify = 'ask' AND asked_revision = 0").await,
            12
        );
            assert_eq!(
                records
                    .count("SELECT COUNT(*) FROM logs l JOIN log_lines n ON n.id = l.line_id")
                    .await,
                18
            );
        }
    }

    #[tokio::test]
    async fn a_team_remove_committed_after_a_judged_lines_read_refuses_the_line() {
        for db in each_database().await {
            eprintln!("on {db}");
            let (store, manager, records) = store_with_manager(&db).await;
            let ana = ana_joins_on_the_2nd(&store, &manager).await;
            let seen = read_for_a_line(&store, &manager).await;
            remove(&store, &manager, &ana, held_on()).await;
            let lines_before = records.count("SELECT COUNT(*) FROM log_lines").await;

            let stored = store_judged(
                &store,
                &manager,
                seen,
                on_the_team_that_day(&manager, "U0ANA"),
            )
            .await;

            refused_after_ana_left(stored, &records, lines_before).await;
        }
    }

    #[tokio::test]
    async fn a_stint_added_or_taken_back_after_the_read_sends_the_line_through_its_rule() {
        for db in each_database().await {
            eprintln!("on {db}");
            let (store, manager, records) = store_with_manager(&db).await;
            ana_joins_on_the_2nd(&store, &manager).await;
            let runs = Arc::new(AtomicUsize::new(0));

            // Added: another rep joins after the read.
            let seen = read_for_a_line(&store, &manager).await;
            store
                .add_reps(
                    &manager,
                    &[user("U0BEN")],
                    None,
                    held_on(),
                    change_instant(),
                )
                .await
                .expect("added");
            store_judged(&store, &manager, seen, counted_rule(&manager, &runs))
                .await
                .expect("stored");
            assert_eq!(runs.load(Ordering::SeqCst), 1);

            // Taken back: undoing a `team add` deletes Cat's stint.
            store
                .add_reps(
                    &manager,
                    &[user("U0CAT")],
                    None,
                    held_on(),
                    change_instant(),
                )
                .await
                .expect("added");
            let seen = read_for_a_line(&store, &manager).await;
            let undone = store
                .undo(&manager, UndoTarget::Latest, change_instant())
                .await
                .expect("undone");
            assert!(matches!(undone, Undone::Team(_)), "{undone:?}");
            store_judged(&store, &manager, seen, counted_rule(&manager, &runs))
                .await
                .expect("stored");
            assert_eq!(runs.load(Ordering::SeqCst), 2);
            assert_eq!(records.count("SELECT COUNT(*) FROM logs").await, 2);
        }
    }
}

#[tokio::test]
async fn one_read_names_those_of_a_changes_users_who_opened_their_home_tab_lately() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, _records) = store_with_manager(&db).await;
        let now = friday_morning();
        let minutes = chrono::Duration::minutes;
        store
            .remember_home_tab(&manager.workspace, &user("U0ANA"), now - minutes(10))
            .await
            .expect("ana");
        store
            .remember_home_tab(&manager.workspace, &user("U0BEN"), now - minutes(11))
            .await
            .expect("ben");
        let elsewhere = WorkspaceId::parse("T0ELSE").expect("workspace");
        store
            .remember_home_tab(&elsewhere, &user("U0CAT"), now)
            .await
            .expect("cat elsewhere");

        let looking = store
            .home_tabs_opened_since(
                &manager.workspace,
                &[user("U0CAT"), user("U0BEN"), user("U0ANA"), user("U0DAN")],
                now - minutes(10),
            )
            .await
            .expect("read");

        assert_eq!(looking, [user("U0ANA")]);
    }
}

#[tokio::test]
async fn a_stored_line_says_when_its_manager_and_reps_last_opened_their_home_tabs() {
    for db in each_database().await {
        eprintln!("on {db}");
        let (store, manager, _records) = store_with_manager(&db).await;
        let now = friday_morning();
        let minutes = chrono::Duration::minutes;
        for (who, ago) in [("U0ANA", 3), ("U0BEN", 30), (manager.id.as_str(), 1)] {
            store
                .remember_home_tab(&manager.workspace, &user(who), now - minutes(ago))
                .await
                .expect("opened");
        }
        let elsewhere = WorkspaceId::parse("T0ELSE").expect("workspace");
        store
            .remember_home_tab(&elsewhere, &user("U0CAT"), now)
            .await
            .expect("cat elsewhere");

        let stored = store
            .insert_line(
                &manager,
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

        // Ben opened his tab but is not in the line; Cat opened hers in
        // another workspace.
        assert_eq!(
            stored.home_tabs_opened,
            [
                (manager.id.clone(), now - minutes(1)),
                (user("U0ANA"), now - minutes(3)),
            ]
        );
    }
}
