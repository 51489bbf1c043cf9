//! A database written by earlier versions, whose multi-rep sessions hung
//! rep rows on the wrong entry, is repaired when the new version opens it:
//! each misplaced row goes back to the entry its copies name, and a row no
//! entry matches is set aside for `coachbot check` to name.

use std::borrow::Cow;
use std::str::FromStr;

use coachbot::store::Store;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;

/// The schema as the versions with the bug left it (migrations 0001–0003).
const OLD_MIGRATIONS: usize = 3;
const MANAGERS: [&str; 2] = ["U0BOSS", "U0OTHER"];

/// Writes the way those versions did, statement for statement.
struct OldVersion {
    pool: SqlitePool,
    url: String,
    _dir: tempfile::TempDir,
}

impl OldVersion {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        // One connection, with a rollback journal: closing it leaves no
        // write-ahead log to fold in while the new version opens the file.
        let options = SqliteConnectOptions::from_str(&url)
            .expect("url")
            .journal_mode(SqliteJournalMode::Delete)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("pool");
        let every = sqlx::migrate!("./migrations");
        let old = Migrator {
            migrations: Cow::Owned(every.migrations[..OLD_MIGRATIONS].to_vec()),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        old.run(&pool).await.expect("old schema");
        for manager in MANAGERS {
            sqlx::query("INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES ('T0TEAM', ?, 'UTC', '2026-11-01T00:00:00Z')")
                .bind(manager)
                .execute(&pool)
                .await
                .expect("manager");
        }
        for rep in ["U0ANN", "U0BEN", "U0CY", "U0DEE"] {
            sqlx::query("INSERT INTO memberships (team_id, manager_id, rep_id, joined_on) VALUES ('T0TEAM', 'U0BOSS', ?, '2026-11-01')")
                .bind(rep)
                .execute(&pool)
                .await
                .expect("member");
        }
        Self {
            pool,
            url,
            _dir: dir,
        }
    }

    /// The old group-commit statement, in its own transaction as it ran.
    async fn session(
        &self,
        reps: &[&str],
        minutes: u32,
        activity: &str,
        day: &str,
        note: &str,
    ) -> bool {
        self.session_by("U0BOSS", reps, minutes, activity, day, note)
            .await
    }

    async fn session_by(
        &self,
        manager: &str,
        reps: &[&str],
        minutes: u32,
        activity: &str,
        day: &str,
        note: &str,
    ) -> bool {
        let mut tx = self.pool.begin().await.expect("tx");
        let stored = sqlx::query(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, note, held_on, logged_at)
             VALUES ('T0TEAM', ?, 'session', ?, ?, ?, ?, '2026-11-27T10:00:00Z');
             INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity)
             SELECT last_insert_rowid(), value, 'T0TEAM', ?, ?, ? FROM json_each(?);",
        )
        .bind(manager)
        .bind(minutes)
        .bind(activity)
        .bind(note)
        .bind(day)
        .bind(day)
        .bind(minutes)
        .bind(activity)
        .bind(serde_json::to_string(reps).expect("json"))
        .execute(&mut *tx)
        .await
        .is_ok();
        if stored {
            tx.commit().await.expect("commit");
        }
        stored
    }

    async fn meeting(&self, minutes: u32, day: &str) {
        sqlx::query(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, topics, note, held_on, logged_at)
             VALUES ('T0TEAM', 'U0BOSS', 'meeting', ?, 'customer_wins_losses', 'wins', ?, '2026-11-27T10:00:00Z')",
        )
        .bind(minutes)
        .bind(day)
        .execute(&self.pool)
        .await
        .expect("meeting");
    }

    /// The old `undo`: delete the manager's latest entry, and with it every
    /// rep row hanging on it.
    async fn undo(&self) {
        self.undo_by("U0BOSS").await;
    }

    async fn undo_by(&self, manager: &str) {
        sqlx::query("DELETE FROM logs WHERE id = (SELECT MAX(id) FROM logs WHERE manager_id = ?)")
            .bind(manager)
            .execute(&self.pool)
            .await
            .expect("undo");
    }

    /// Opens the database with this version, which migrates and repairs it.
    async fn upgrade(self) -> Upgraded {
        self.pool.close().await;
        let store = Store::connect(&self.url)
            .await
            .expect("the new version opens it");
        store.close().await;
        let pool = SqlitePool::connect(&self.url).await.expect("pool");
        Upgraded {
            pool,
            _dir: self._dir,
        }
    }
}

struct Upgraded {
    pool: SqlitePool,
    _dir: tempfile::TempDir,
}

impl Upgraded {
    /// `note rep` for every rep row, in the order they were written.
    async fn rep_rows(&self) -> Vec<String> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT l.note, r.rep_id FROM log_reps r JOIN logs l ON l.id = r.log_id ORDER BY r.rowid",
        )
        .fetch_all(&self.pool)
        .await
        .expect("rows");
        rows.into_iter()
            .map(|(note, rep)| format!("{note} {rep}"))
            .collect()
    }

    /// `rep day minutes activity candidates` for every row set aside.
    async fn undecided(&self) -> Vec<String> {
        let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT rep_id, held_on, minutes, activity, candidates FROM log_reps_undecided ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .expect("rows");
        rows.into_iter()
            .map(|(rep, day, minutes, activity, candidates)| {
                format!("{rep} {day} {minutes} {activity} {candidates}")
            })
            .collect()
    }

    async fn misplaced(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id
             WHERE l.kind <> 'session' OR l.held_on <> r.held_on OR l.minutes <> r.minutes
                OR l.activity <> r.activity OR l.team_id <> r.team_id",
        )
        .fetch_one(&self.pool)
        .await
        .expect("count")
    }
}

#[tokio::test]
async fn the_second_reps_row_goes_back_to_the_session_it_was_logged_with() {
    let old = OldVersion::start().await;
    // The reported sequence: `meeting 30m wins`, `30m @ann pipeline review`,
    // `30m @ann @ben role play`.
    old.meeting(30, "2026-11-20").await;
    assert!(
        old.session(&["U0ANN"], 30, "pipeline", "2026-11-20", "pipeline review")
            .await
    );
    assert!(
        old.session(&["U0ANN", "U0BEN"], 30, "skill", "2026-11-20", "role play")
            .await
    );
    let before: Vec<(i64, String)> =
        sqlx::query_as("SELECT log_id, rep_id FROM log_reps ORDER BY rowid")
            .fetch_all(&old.pool)
            .await
            .expect("rows");
    assert_eq!(
        before,
        [
            (2, "U0ANN".into()),
            (3, "U0ANN".into()),
            (2, "U0BEN".into())
        ],
        "the old version's bug, reproduced"
    );

    let new = old.upgrade().await;

    assert_eq!(
        new.rep_rows().await,
        [
            "pipeline review U0ANN",
            "role play U0ANN",
            "role play U0BEN"
        ]
    );
    assert!(new.undecided().await.is_empty());
    assert_eq!(new.misplaced().await, 0);
}

#[tokio::test]
async fn a_row_whose_own_session_was_undone_is_set_aside_not_left_on_another() {
    let old = OldVersion::start().await;
    old.meeting(30, "2026-11-20").await;
    assert!(
        old.session(&["U0ANN"], 30, "pipeline", "2026-11-20", "pipeline review")
            .await
    );
    assert!(
        old.session(&["U0ANN", "U0BEN"], 45, "skill", "2026-11-20", "role play")
            .await
    );
    // The old undo removed the role play for Ann only: Ben's row hung on
    // the pipeline review and kept the credit.
    old.undo().await;

    let new = old.upgrade().await;

    assert_eq!(new.rep_rows().await, ["pipeline review U0ANN"]);
    assert_eq!(new.undecided().await, ["U0BEN 2026-11-20 45 skill 0"]);
    assert_eq!(new.misplaced().await, 0);
}

#[tokio::test]
async fn identical_sessions_each_get_their_own_reps_back() {
    let old = OldVersion::start().await;
    old.meeting(60, "2026-11-19").await;
    old.meeting(60, "2026-11-19").await;
    // Two sessions alike in day, length and kind: only the order in which
    // the rows were written tells whose is whose.
    assert!(
        old.session(&["U0ANN", "U0BEN"], 30, "deal", "2026-11-20", "acme deal")
            .await
    );
    assert!(
        old.session(&["U0CY", "U0DEE"], 30, "deal", "2026-11-20", "globex deal")
            .await
    );
    assert!(
        old.session(
            &["U0ANN", "U0BEN"],
            30,
            "deal",
            "2026-11-20",
            "initech deal"
        )
        .await
    );

    let new = old.upgrade().await;

    assert_eq!(
        new.rep_rows().await,
        [
            "acme deal U0ANN",
            "acme deal U0BEN",
            "globex deal U0CY",
            "globex deal U0DEE",
            "initech deal U0ANN",
            "initech deal U0BEN"
        ]
    );
    assert!(new.undecided().await.is_empty());
}

#[tokio::test]
async fn old_entries_each_become_a_line_of_their_own() {
    let old = OldVersion::start().await;
    old.meeting(30, "2026-11-20").await;
    assert!(
        old.session(&["U0ANN"], 30, "pipeline", "2026-11-20", "pipeline review")
            .await
    );

    let new = old.upgrade().await;

    let lines: Vec<(i64, i64)> = sqlx::query_as("SELECT id, line_id FROM logs ORDER BY id")
        .fetch_all(&new.pool)
        .await
        .expect("logs");
    assert_eq!(lines, [(1, 1), (2, 2)]);
}

#[tokio::test]
async fn old_sessions_outside_their_reps_stints_move_the_stint_where_no_other_team_is_in_the_way() {
    let old = OldVersion::start().await;
    for sql in [
        // Ann was added on the 27th, after a session on the 20th.
        "UPDATE memberships SET joined_on = '2026-11-27' WHERE rep_id = 'U0ANN'",
        // Ben was on another team until the 15th, and a session is dated the 10th.
        "UPDATE memberships SET joined_on = '2026-11-15' WHERE rep_id = 'U0BEN'",
        "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on, left_on) VALUES ('T0TEAM', 'U0OTHER', 'U0BEN', '2026-10-01', '2026-11-15')",
        // Cy was removed on the day of a session.
        "UPDATE memberships SET left_on = '2026-11-20' WHERE rep_id = 'U0CY'",
    ] {
        sqlx::query(sql).execute(&old.pool).await.expect(sql);
    }
    assert!(
        old.session(&["U0ANN"], 30, "deal", "2026-11-20", "early")
            .await
    );
    assert!(
        old.session(&["U0BEN"], 30, "deal", "2026-11-10", "blocked")
            .await
    );
    assert!(
        old.session(&["U0CY"], 30, "deal", "2026-11-20", "last day")
            .await
    );

    let new = old.upgrade().await;

    let stints: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE rep_id IN ('U0ANN', 'U0BEN', 'U0CY') ORDER BY rep_id, joined_on",
    )
    .fetch_all(&new.pool)
    .await
    .expect("stints");
    let stint = |manager: &str, rep: &str, joined: &str, left: Option<&str>| {
        (
            manager.to_string(),
            rep.to_string(),
            joined.to_string(),
            left.map(str::to_string),
        )
    };
    assert_eq!(
        stints,
        [
            stint("U0BOSS", "U0ANN", "2026-11-20", None),
            stint("U0OTHER", "U0BEN", "2026-10-01", Some("2026-11-15")),
            stint("U0BOSS", "U0BEN", "2026-11-15", None),
            stint("U0BOSS", "U0CY", "2026-11-01", Some("2026-11-21")),
        ]
    );
}

/// Random histories written by the old version, then repaired.
mod random_histories {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::{OldVersion, MANAGERS};

    const REPS: [&str; 4] = ["U0ANN", "U0BEN", "U0CY", "U0DEE"];
    const DAYS: [&str; 2] = ["2026-11-20", "2026-11-21"];
    const KINDS: [&str; 2] = ["deal", "skill"];

    #[derive(Debug, Clone)]
    enum OldStep {
        Session {
            manager: usize,
            reps: Vec<usize>,
            minutes: u32,
            kind: usize,
            day: usize,
        },
        Meeting {
            minutes: u32,
            day: usize,
        },
        Undo {
            manager: usize,
        },
    }

    fn step() -> impl Strategy<Value = OldStep> {
        prop_oneof![
            6 => (
                0..MANAGERS.len(),
                proptest::sample::subsequence((0..REPS.len()).collect::<Vec<_>>(), 1..=3)
                    .prop_shuffle(),
                prop_oneof![Just(30u32), Just(45)],
                0..KINDS.len(),
                0..DAYS.len()
            )
                .prop_map(|(manager, reps, minutes, kind, day)| OldStep::Session { manager, reps, minutes, kind, day }),
            2 => (prop_oneof![Just(30u32), Just(60)], 0..DAYS.len())
                .prop_map(|(minutes, day)| OldStep::Meeting { minutes, day }),
            1 => (0..MANAGERS.len()).prop_map(|manager| OldStep::Undo { manager }),
        ]
    }

    /// What actually happened: each stored session's note and reps, and
    /// whether an undo took it back.
    #[derive(Default)]
    struct Truth {
        sessions: Vec<(String, Vec<&'static str>, bool)>,
        undos: usize,
    }

    impl Truth {
        fn pairs(&self) -> BTreeSet<String> {
            self.sessions
                .iter()
                .filter(|(_, _, undone)| !undone)
                .flat_map(|(note, reps, _)| reps.iter().map(move |rep| format!("{note} {rep}")))
                .collect()
        }
    }

    async fn play(steps: &[OldStep]) -> (Truth, i64, super::Upgraded) {
        let old = OldVersion::start().await;
        let mut truth = Truth::default();
        for (i, step) in steps.iter().enumerate() {
            match step {
                OldStep::Session {
                    manager,
                    reps,
                    minutes,
                    kind,
                    day,
                } => {
                    let note = format!("s{i}");
                    let names: Vec<&'static str> = reps.iter().map(|r| REPS[*r]).collect();
                    let manager = MANAGERS[*manager];
                    if old
                        .session_by(manager, &names, *minutes, KINDS[*kind], DAYS[*day], &note)
                        .await
                    {
                        truth.sessions.push((note, names, false));
                    }
                }
                OldStep::Meeting { minutes, day } => old.meeting(*minutes, DAYS[*day]).await,
                OldStep::Undo { manager } => {
                    let manager = MANAGERS[*manager];
                    let latest: Option<String> = sqlx::query_scalar(
                        "SELECT note FROM logs WHERE id = (SELECT MAX(id) FROM logs WHERE manager_id = ?)",
                    )
                    .bind(manager)
                    .fetch_optional(&old.pool)
                    .await
                    .expect("latest");
                    if let Some(note) = latest {
                        for session in &mut truth.sessions {
                            if session.0 == note {
                                session.2 = true;
                            }
                        }
                        truth.undos += 1;
                    }
                    old.undo_by(manager).await;
                }
            }
        }
        let rows_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM log_reps")
            .fetch_one(&old.pool)
            .await
            .expect("count");
        (truth, rows_before, old.upgrade().await)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// No row is ever left on (or moved to) a session its rep was not
        /// in; nothing is lost or doubled; and without undos in the
        /// history, every rep row is back on its own session.
        #[test]
        fn repair_puts_rows_on_their_own_sessions_or_sets_them_aside(
            steps in proptest::collection::vec(step(), 1..24)
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let (truth, rows_before, new) = play(&steps).await;
                let rows: BTreeSet<String> = new.rep_rows().await.into_iter().collect();
                let undecided = new.undecided().await;
                let expected = truth.pairs();
                for row in &rows {
                    assert!(expected.contains(row), "{row} is on a session its rep was not in");
                }
                assert_eq!(rows.len() + undecided.len(), rows_before as usize);
                assert_eq!(new.misplaced().await, 0);
                if truth.undos == 0 {
                    assert_eq!(rows, expected);
                    assert!(undecided.is_empty(), "{undecided:?}");
                }
            });
        }
    }
}
