//! Bookkeeping pruned after `retention.bookkeeping_days` (90 by default):
//! sent reminders by their local date, Home tab marks and lines taken
//! back go; coaching records stay, and `coachbot check` still agrees.

use coachbot::scheduler;

use crate::binary::{migrated, serve};
use crate::helpers::*;

fn at(instant: &str) -> chrono::DateTime<chrono::Utc> {
    instant.parse().expect("instant")
}

/// On 3 August: Ana joins (since 10 July); a 1:1 on 5 July that moved her
/// join day back, taken back; Ben added, taken back; a 1:1 that stands.
/// On 27 November (the test's today): a 1:1 taken back. Reminders, one of
/// each age, one old one still pending; a Home tab opened in August and
/// one this week.
async fn app_with_old_bookkeeping() -> TestApp {
    let app = spawn_app().await;
    let today = app.clock.now();
    app.clock.set(at("2026-08-03T09:00:00Z"));
    app.coach_each(&[
        "team add <@U0ANA> since 2026-07-10",
        "30m <@U0ANA> pipeline review 2026-07-05",
        "undo",
        "team add <@U0BEN>",
        "undo",
        "45m <@U0ANA> deal review",
    ])
    .await;
    app.clock.set(today);
    app.coach_each(&["20m <@U0ANA> observed a call", "undo"])
        .await;
    let records = app.db().await;
    records
        .execute(
        "INSERT INTO reminders (team_id, job, recipient, local_date, status, summary, expires_at, created_at)
         VALUES ('T0TEAM', 'meeting-check', 'U0BOSS', '2026-08-03', 'sent', 'old', '2026-08-04T00:00:00Z', '2026-08-03T09:00:00Z'),
                ('T0TEAM', 'coaching-pace', 'U0BOSS', '2026-08-05', 'pending', 'old, pending', '2026-08-06T00:00:00Z', '2026-08-05T09:00:00Z'),
                ('T0TEAM', 'meeting-check', 'U0BOSS', '2026-11-23', 'sent', 'this week', '2026-11-24T00:00:00Z', '2026-11-23T09:00:00Z');
         INSERT INTO home_tabs (team_id, user_id, opened_at, hash, published_at)
         VALUES ('T0TEAM', 'U0OLD', '2026-08-03T09:00:00Z', 'h1', '2026-08-03T09:00:01.000Z'),
                ('T0TEAM', 'U0NEW', '2026-11-26T09:00:00Z', 'h2', '2026-11-26T09:00:01.000Z');",
        )
        .await;
    records.close().await;
    app
}

/// What coachbot keeps of the coaching itself, as one comparable value.
async fn coaching_records(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM logs",
        "SELECT COUNT(*) FROM log_reps",
        "SELECT COUNT(*) FROM memberships",
        "SELECT COUNT(*) FROM log_lines WHERE undone_at IS NULL",
        "SELECT COUNT(*) FROM team_changes t JOIN log_lines l ON l.id = t.line_id WHERE l.undone_at IS NULL",
    ] {
        counts.push(app.count(sql).await);
    }
    counts
}

#[tokio::test]
async fn bookkeeping_older_than_the_retention_goes_and_coaching_records_stay() {
    let app = app_with_old_bookkeeping().await;
    let records = coaching_records(&app).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM join_moves").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_lines WHERE undone_at IS NOT NULL")
            .await,
        3
    );

    scheduler::prune(&app.ctx, app.clock.now()).await;

    let db = app.db().await;
    let reminders: Vec<String> = db
        .column("SELECT summary FROM reminders ORDER BY id", &[])
        .await;
    assert_eq!(reminders, ["old, pending", "this week"]);
    let tabs: Vec<String> = db
        .column("SELECT user_id FROM home_tabs ORDER BY user_id", &[])
        .await;
    assert_eq!(tabs, ["U0NEW"]);
    let taken_back: Vec<chrono::DateTime<chrono::Utc>> = db
        .column(
            "SELECT undone_at FROM log_lines WHERE undone_at IS NOT NULL ORDER BY id",
            &[],
        )
        .await;
    assert_eq!(taken_back, [friday_morning()]);
    db.close().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM join_moves").await, 0);
    assert_eq!(coaching_records(&app).await, records);
    let check = run_binary(&app, &["check"]).await;
    assert!(check.success, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.starts_with("All records agree"),
        "{}",
        check.stdout
    );
}

#[tokio::test]
async fn pruning_in_batches_of_one_takes_every_old_row_and_a_pruned_lines_id_is_never_given_again()
{
    let app = app_with_old_bookkeeping().await;
    let records = coaching_records(&app).await;
    let highest: i64 = app.count("SELECT MAX(id) FROM log_lines").await;

    // A day ahead: every taken-back line is old enough, the latest too.
    let pruned = app
        .ctx
        .store
        .prune_bookkeeping(app.clock.now() + chrono::Duration::days(1), 1)
        .await
        .expect("pruned");

    assert_eq!(
        (pruned.reminders, pruned.home_tabs, pruned.lines),
        (2, 2, 3)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_lines WHERE undone_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE status = 'pending'")
            .await,
        1
    );
    assert_eq!(coaching_records(&app).await, records);
    let answer = app.coach("30m <@U0ANA> role play").await;
    assert!(answer.text().starts_with("Logged"), "{answer:?}");
    assert_eq!(
        app.count("SELECT MAX(id) FROM log_lines").await,
        highest + 1
    );
    // Undo still finds the latest line that stands.
    let undo = app.coach("undo").await;
    assert!(!undo.text().contains("Sorry"), "{undo:?}");
    assert_eq!(coaching_records(&app).await, records);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prunes_the_bookkeeping_when_it_starts() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let records = migrated(&db).await;
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(120)).format("%Y-%m-%dT%H:%M:%SZ");
    records
        .execute(&format!(
            "INSERT INTO home_tabs (team_id, user_id, opened_at) VALUES ('T0TEAM', 'U0OLD', '{long_ago}')"
        ))
        .await;
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;

    let served = serve(&slack, &db, &[("RUST_LOG", "info")]).await;
    served
        .logs
        .wait_for("pruned the bookkeeping older than the retention")
        .await;
    let logged = served.stop().await;

    assert!(logged.contains("home_tabs=1"), "{logged}");
    assert_eq!(records.count("SELECT COUNT(*) FROM home_tabs").await, 0);
}
