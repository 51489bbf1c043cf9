//! `coachbot backup` through the real binary, while the app serves.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::helpers::*;

/// The number after "ref " at the end of each stored note.
async fn refs_stored(database: &std::path::Path) -> BTreeSet<u64> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("copy opens");
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM logs")
        .fetch_all(&pool)
        .await
        .expect("notes");
    pool.close().await;
    notes
        .iter()
        .filter_map(|note| note.rsplit_once("ref ")?.1.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_passes_check_and_holds_every_log_acknowledged_before_it_began() {
    let app = Arc::new(spawn_app().await);
    app.coach("team add <@U0ANA|ana>").await;
    let next = Arc::new(AtomicU64::new(0));
    let acknowledged: Arc<Mutex<Vec<u64>>> = Arc::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (count, mut counted) = tokio::sync::watch::channel(0usize);
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let (app, next, acknowledged, mut stopped, count) = (
                app.clone(),
                next.clone(),
                acknowledged.clone(),
                stopped.clone(),
                count.clone(),
            );
            tokio::spawn(async move {
                while !*stopped.borrow_and_update() {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let answer = app
                        .coach(&format!("15m <@U0ANA|ana> pipeline review ref {n}"))
                        .await;
                    assert_eq!(answer.status, 200, "{answer:?}");
                    assert!(answer.text().starts_with("Logged"), "{answer:?}");
                    acknowledged
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(n);
                    count.send_modify(|count| *count += 1);
                }
            })
        })
        .collect();
    counted.wait_for(|count| *count >= 40).await.expect("logs");
    let before: Vec<u64> = acknowledged
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let copy = app.db_path.with_file_name("copy.db");

    let backup = run_binary(&app, &["backup", &copy.display().to_string()]).await;
    let _ = stop.send(true);
    for sender in senders {
        sender.await.expect("every log answered");
    }

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
    let stored = refs_stored(&copy).await;
    let missing: Vec<&u64> = before.iter().filter(|n| !stored.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the copy: {missing:?}"
    );
}

#[tokio::test]
async fn a_backup_never_writes_over_a_file_and_says_so() {
    let app = spawn_app().await;
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
