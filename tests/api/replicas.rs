//! Several replicas on one PostgreSQL database act as one process (issue
//! 19): a burst spread over three `serve` processes, one killed in the
//! middle, stores every acknowledged log once; a job firing on three
//! schedulers sends one reminder per manager; a snooze set through one
//! replica silences what the others plan. PostgreSQL only (`.ci/run`
//! starts one): SQLite runs one `serve` per file.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use coachbot::clock::Clock;
use sqlx::PgPool;

use crate::binary::serve;
use crate::databases::fresh_postgres;
use crate::helpers::{
    command_body, fake_slack, friday_morning, mount_default_slack, mount_users_info, sign, start,
    FakePosts, TestApp, SIGNING_SECRET,
};
use crate::jobs::{coach_at, fast, manager};

const MANAGERS: usize = 10;
const LOGS: usize = 90;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_three_replicas_with_one_killed_stores_each_acknowledged_log_once() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let dir = tempfile::tempdir().expect("dir");
    let unused = dir.path().join("unused.db");
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(serve(&slack, &unused, &[("DATABASE_URL", url.as_str())]).await);
    }
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let http = reqwest::Client::new();
    let response_url = format!("{}/respond/1", slack.uri());
    let coach = |base: String, user: String, text: String| {
        let (http, response_url) = (http.clone(), response_url.clone());
        async move {
            let body = command_body(&user, &text, &response_url);
            let ts = chrono::Utc::now().timestamp().to_string();
            let signature = sign(SIGNING_SECRET, &ts, &body);
            let response = http
                .post(format!("{base}/slack/commands"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", &ts)
                .header("x-slack-signature", signature)
                .body(body)
                .send()
                .await
                .ok()?;
            if response.status() != 200 {
                return None;
            }
            let json: serde_json::Value = response.json().await.ok()?;
            Some(json["text"].as_str().unwrap_or_default().to_string())
        }
    };
    // Each manager's team, through a different replica each.
    for m in 0..MANAGERS {
        let said = coach(
            bases[m % 3].clone(),
            format!("U0MGR{m}"),
            format!("team add <@U0REP{m}>"),
        )
        .await
        .expect("the team is set up");
        assert!(said.contains("joined your team"), "{said}");
    }

    // The burst: each log a different length, so each is told apart; one
    // replica is killed once a third of the answers are in.
    let (answered, mut answers) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..LOGS {
        let (m, minutes) = (i % MANAGERS, 5 + i);
        let sent = coach(
            bases[i % 3].clone(),
            format!("U0MGR{m}"),
            format!("{minutes}m <@U0REP{m}> pipeline review"),
        );
        let answered = answered.clone();
        tokio::spawn(async move {
            let said = sent.await;
            let _ = answered.send((m, minutes, said));
        });
    }
    drop(answered);
    let mut acknowledged = Vec::new();
    let mut killed = None;
    let mut count = 0;
    while let Some((m, minutes, said)) = answers.recv().await {
        count += 1;
        if let Some(said) = said {
            assert!(said.starts_with("Logged "), "{said}");
            acknowledged.push((format!("U0MGR{m}"), minutes as i64));
        }
        if count == LOGS / 3 {
            let mut victim = replicas.remove(1);
            victim.child.start_kill().expect("killed");
            let _ = victim.child.wait().await;
            killed = Some(victim);
        }
    }
    assert!(killed.is_some());
    assert!(
        acknowledged.len() >= LOGS / 2,
        "most logs reach a live replica: {}",
        acknowledged.len()
    );

    let pool = PgPool::connect(&url).await.expect("the database");
    let stored: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT manager_id, minutes, COUNT(*) FROM logs GROUP BY manager_id, minutes",
    )
    .fetch_all(&pool)
    .await
    .expect("logs read");
    let stored: HashMap<(String, i64), i64> = stored
        .into_iter()
        .map(|(manager, minutes, count)| ((manager, minutes), count))
        .collect();
    assert!(
        stored.values().all(|count| *count == 1),
        "no log stored twice: {stored:?}"
    );
    for key in &acknowledged {
        assert_eq!(stored.get(key), Some(&1), "acknowledged {key:?} is stored");
    }
    pool.close().await;
    for replica in replicas {
        replica.stop().await;
    }
}

/// Monday 30 November 2026, 09:00 in Berlin: meeting-check's hour.
const MONDAY_9_BERLIN: &str = "2026-11-30T08:00:00Z";

/// `n` apps on one new PostgreSQL database, each with its own fake Slack
/// recording the posts it took; `None` without a test server.
async fn replicas_on_one_database(n: usize) -> Option<Vec<(TestApp, FakePosts)>> {
    let url = fresh_postgres().await?;
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    // Every app started in `dir` keeps its records in this database.
    std::fs::write(dir.path().join("postgres-url"), &url).expect("kept");
    let mut apps = Vec::new();
    for _ in 0..n {
        let slack = fake_slack().await;
        mount_users_info(&slack).await;
        let posts = FakePosts::mount(&slack).await;
        let app = start(
            slack,
            Clock::fixed(friday_morning()),
            dir.clone(),
            &[],
            None,
            None,
            None,
        )
        .await;
        apps.push((app, posts));
    }
    Some(apps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_firing_on_three_schedulers_sends_one_reminder_per_manager_and_a_snooze_holds_on_all()
{
    let Some(replicas) = replicas_on_one_database(3).await else {
        return;
    };
    let (first, second, third) = (&replicas[0].0, &replicas[1].0, &replicas[2].0);
    manager(first, "U0MA", "Europe/Berlin", &["U0RA"]).await;
    manager(second, "U0MB", "Europe/Berlin", &["U0RB"]).await;
    manager(third, "U0MC", "Europe/Berlin", &["U0RC"]).await;
    // Snoozed through the first replica; the others plan without reading
    // anything it may have kept.
    coach_at(
        first,
        "2026-11-27T10:00:00Z",
        "U0MC",
        "snooze until 2026-12-07",
    )
    .await;

    let monday: chrono::DateTime<chrono::Utc> = MONDAY_9_BERLIN.parse().expect("instant");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut schedulers = Vec::new();
    let mut ticks = Vec::new();
    for (app, _) in &replicas {
        app.clock.set(monday);
        let (ticked, ticked_rx) = tokio::sync::watch::channel(0u64);
        ticks.push(ticked_rx);
        schedulers.push(tokio::spawn(coachbot::scheduler::run(
            app.ctx.clone(),
            Duration::from_millis(20),
            fast(),
            stopped.clone(),
            ticked,
            coachbot::telemetry::Health::default(),
        )));
    }
    let delivered = || {
        let mut all: Vec<String> = replicas
            .iter()
            .flat_map(|(_, posts)| posts.delivered_to())
            .collect();
        all.sort();
        all
    };
    // Every scheduler ticks several times at 09:00 and every delivery
    // worker passes after the reminders are stored.
    for ticks in &mut ticks {
        tokio::time::timeout(Duration::from_secs(30), ticks.wait_for(|done| *done >= 3))
            .await
            .expect("the scheduler ticks")
            .expect("the scheduler runs");
    }
    let mut passes: Vec<_> = replicas
        .iter()
        .map(|(app, _)| app.ctx.deliveries.passes())
        .collect();
    let seen: Vec<u64> = passes.iter_mut().map(|p| *p.borrow_and_update()).collect();
    for (ticks, _) in ticks.iter_mut().zip(&seen) {
        let now = *ticks.borrow();
        tokio::time::timeout(
            Duration::from_secs(30),
            ticks.wait_for(|done| *done >= now + 3),
        )
        .await
        .expect("the scheduler ticks")
        .expect("the scheduler runs");
    }
    for (passes, seen) in passes.iter_mut().zip(seen) {
        tokio::time::timeout(
            Duration::from_secs(30),
            passes.wait_for(|done| *done > seen),
        )
        .await
        .expect("delivery passes")
        .expect("delivery runs");
    }
    stop.send(true).expect("schedulers listening");
    for scheduler in schedulers {
        scheduler.await.expect("scheduler stops");
    }
    assert_eq!(
        delivered(),
        ["U0MA", "U0MB"],
        "one each; none to the snoozed"
    );
}
