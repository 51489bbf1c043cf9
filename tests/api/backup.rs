//! `coachbot backup` through the real binary, while the app serves. It
//! copies a SQLite file (PostgreSQL is backed up with its own tools), so
//! these tests run on SQLite only.

use std::sync::Arc;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_passes_check_and_holds_every_log_acknowledged_before_it_began() {
    let app = Arc::new(spawn_app().await);
    if app.on_postgres() {
        return;
    }
    app.coach("team add <@U0ANA|ana>").await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sending = app.clone();
    let mut burst = Burst::start(8, move |text| {
        let (app, stopped) = (sending.clone(), stopped.clone());
        async move {
            if *stopped.borrow() {
                return None;
            }
            let answer = app.coach(&text).await;
            Some((answer.status, answer.text()))
        }
    });
    burst.acknowledged_at_least(40).await;
    let before = burst.acknowledged();
    let copy = app.db_path.with_file_name("copy.db");

    let backup = run_binary(&app, &["backup", &copy.display().to_string()]).await;
    let _ = stop.send(true);
    burst.finished().await;

    assert!(backup.success, "{}{}", backup.stdout, backup.stderr);
    assert!(
        backup.stdout.starts_with(&format!(
            "Backed up the database sqlite://{} into {} (",
            app.db_path.display(),
            copy.display()
        )),
        "{}",
        backup.stdout
    );
    let check = coachbot(&app)
        .env("DATABASE_URL", format!("sqlite://{}", copy.display()))
        .arg("check")
        .output()
        .await
        .expect("runs");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{said}");
    assert!(said.starts_with("All records agree"), "{said}");
    let stored = refs_stored(&format!("sqlite://{}", copy.display())).await;
    let missing: Vec<&u64> = before.iter().filter(|n| !stored.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the copy: {missing:?}"
    );
}

#[tokio::test]
async fn a_backup_never_writes_over_a_file_and_says_so() {
    let app = spawn_app().await;
    if app.on_postgres() {
        return;
    }
    let existing = app.db_path.with_file_name("yesterday.db");
    std::fs::write(&existing, "an older backup").expect("file");

    let backup = run_binary(&app, &["backup", &existing.display().to_string()]).await;

    assert!(!backup.success);
    assert_eq!(
        backup.stderr.trim(),
        format!(
            "coachbot: could not back up the database sqlite://{}: {} exists already, and a backup never writes over a file. Name a new one, for example coachbot backup coachbot-2026-12-01.db",
            app.db_path.display(),
            existing.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&existing).expect("still there"),
        "an older backup"
    );
}

#[tokio::test]
async fn a_backup_into_a_folder_that_does_not_exist_names_the_folder() {
    let app = spawn_app().await;
    if app.on_postgres() {
        return;
    }
    let folder = app.db_path.with_file_name("no-such-folder");

    let backup = run_binary(
        &app,
        &["backup", &folder.join("copy.db").display().to_string()],
    )
    .await;

    assert!(!backup.success);
    assert!(
        backup.stderr.contains(&format!(
            "the folder {} does not exist, so the backup cannot be written in it.",
            folder.display()
        )),
        "{}",
        backup.stderr
    );
}
