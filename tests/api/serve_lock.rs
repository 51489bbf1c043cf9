//! One `serve` per SQLite file (issue 19, item 4): the real binary, twice
//! on one file, and the commands that still run beside it. These are about
//! SQLite's file: `serve` takes no such lock on PostgreSQL.

use crate::binary::{coachbot, serve};
use crate::helpers::*;

/// `serve` on the SQLite file `db` whichever database the other tests'
/// apps use: the lock is about that file.
async fn serve_on_file(
    slack: &wiremock::MockServer,
    db: &std::path::Path,
) -> crate::binary::Served {
    let url = format!("sqlite://{}", db.display());
    serve(slack, db, &[("DATABASE_URL", url.as_str())]).await
}

/// A second `serve` on `db`, which must stop at once: its stderr.
fn second_serve_fails(db: &std::path::Path) -> String {
    let output = coachbot()
        .args(["serve"])
        .env("SLACK_BOT_TOKEN", "xoxb-1")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("COACHBOT_LISTEN", "127.0.0.1:0")
        .env("COACHBOT_METRICS_LISTEN", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!output.status.success(), "a second serve started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_second_serve_on_the_same_file_is_refused_naming_the_first_and_one_starts_once_it_is_gone(
) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let first = serve_on_file(&slack, &db).await;
    let pid = first.child.id().expect("running");

    let stderr = second_serve_fails(&db);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("coachbot: another coachbot serve (pid {pid} on ")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "is using the database {}, and a SQLite database takes one serve at a time: stop that one first, for example with kill {pid} on ",
            db.display()
        )),
        "{stderr}"
    );
    let started = stderr
        .split(", started ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("when it started");
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).is_ok(),
        "{stderr}"
    );
    // The first goes on serving.
    let health = reqwest::get(format!("{}/healthz", first.base))
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);

    // Killed, as a crash would: the OS lets the lock go, and the file it
    // leaves is taken over.
    first.stop().await;
    let next = serve_on_file(&slack, &db).await;
    let written = std::fs::read_to_string(dir.path().join("c.db.serve-lock")).expect("lock file");
    assert!(
        written.starts_with(&format!("pid={}\n", next.child.id().expect("running"))),
        "{written}"
    );
    next.stop().await;
}

#[tokio::test]
async fn jobs_checks_exports_backups_and_migrations_run_beside_serve() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let mut served = serve_on_file(&slack, &db).await;
    let backup = dir.path().join("backup.db");
    let backup = backup.display().to_string();
    for args in [
        &["run-job", "meeting-check", "--dry-run"][..],
        &["check"],
        &["export", "--month", "2026-11"],
        &["backup", &backup],
        &["migrate"],
    ] {
        let output = coachbot()
            .args(args)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{args:?} beside serve: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        served.child.try_wait().expect("status").is_none(),
        "serve exited"
    );
    served.stop().await;
}
