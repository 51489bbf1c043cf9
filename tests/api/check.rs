//! `coachbot check` through the real binary: silent agreement on records the
//! bot wrote, and every kind of disagreement named with where it is.

use crate::helpers::*;

/// A manager whose team (Ana, Ben, Cy) joined on 1 November, with sessions
/// for several reps, a meeting and an undo behind them.
async fn app_with_history() -> TestApp {
    let app = spawn_app().await;
    let now = app.clock.now();
    app.clock
        .set("2026-11-01T09:00:00Z".parse().expect("instant"));
    app.coach("team add <@U0ANA> <@U0BEN> <@U0CY>").await;
    app.clock.set(now);
    app.coach_each(&[
        "meeting 30m wins",
        "30m <@U0ANA> pipeline review",
        "30m <@U0ANA> <@U0BEN> role play",
        "45m <@U0ANA> <@U0BEN> <@U0CY> deal review",
        "20m <@U0CY> observed a call",
        "undo",
    ])
    .await;
    app
}

#[tokio::test]
async fn check_finds_nothing_wrong_in_records_the_bot_wrote() {
    let app = app_with_history().await;

    let run = run_binary(&app, &["check"]).await;

    assert!(run.success, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "All records agree: 4 entries, 6 rep rows and 3 team memberships checked."
    );
}

#[tokio::test]
async fn check_counts_one_of_each_in_the_singular() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    app.coach("30m <@U0ANA> pipeline review").await;

    let run = run_binary(&app, &["check"]).await;

    assert!(run.success, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "All records agree: 1 entry, 1 rep row and 1 team membership checked."
    );
}

#[tokio::test]
async fn check_names_every_disagreement_and_where_it_is_and_exits_non_zero() {
    let app = app_with_history().await;
    let records = app.db().await;
    for sql in [
        // A rep row whose copy of its session's minutes is wrong.
        "UPDATE log_reps SET minutes = 31 WHERE rep_id = 'U0ANA' AND log_id = 2",
        // Ben joins another team while still on this one.
        "INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES ('T0TEAM', 'U0OTHER', 'UTC', '2026-11-01T00:00:00Z')",
        "UPDATE memberships SET left_on = '2026-11-30' WHERE rep_id = 'U0BEN'",
        "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on) VALUES ('T0TEAM', 'U0OTHER', 'U0BEN', '2026-11-05')",
        // Cy's membership starts after the session logged with him.
        "UPDATE memberships SET joined_on = '2026-11-28' WHERE rep_id = 'U0CY'",
        // A row the repair of an old database set aside.
        "INSERT INTO log_reps_undecided (team_id, rep_id, held_on, minutes, activity, was_log_id, candidates) VALUES ('T0TEAM', 'U0DEE', '2026-11-20', 45, 'skill', 2, 0)",
    ] {
        records.execute(sql).await;
    }
    records.close().await;

    let run = run_binary(&app, &["check"]).await;

    assert!(!run.success);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0], "4 disagreements in the records:",
        "{}",
        run.stdout
    );
    for expected in [
        "- workspace T0TEAM, entry 2: the row for rep U0ANA says minutes 31, the entry says 30",
        "- workspace T0TEAM, entry 4: rep U0CY was not on U0BOSS's team on 2026-11-27, the session's day",
        "- workspace T0TEAM: rep U0BEN is on two teams at once: U0BOSS's team from 2026-11-01 to 2026-11-30, and U0OTHER's team from 2026-11-05",
        "- workspace T0TEAM: a 45-minute skill session with rep U0DEE on 2026-11-20 could not be placed",
    ] {
        assert!(
            lines.iter().any(|line| line.starts_with(expected)),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
    assert!(
        run.stderr.contains("the records disagree"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn commands_on_a_database_that_does_not_exist_say_so_and_create_nothing() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("typo.db");
    for args in [
        &["check"][..],
        &["export", "--month", "2026-11"],
        &["run-job", "meeting-check"],
        &["run-job", "meeting-check", "--dry-run"],
    ] {
        let output = coachbot(&app)
            .env("DATABASE_URL", format!("sqlite://{}", missing.display()))
            .args(args)
            .output()
            .await
            .expect("runs");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("there is no database at {}", missing.display())),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}
