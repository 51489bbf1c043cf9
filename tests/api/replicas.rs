//! Several replicas on one PostgreSQL database act as one process (issue
//! 19): a burst spread over three `serve` processes, one killed in the
//! middle, stores every acknowledged log once; meeting-check firing on
//! three `serve` processes sends one reminder per manager, and a snooze set
//! through one of them while the others fire silences what they plan. The
//! same again with three apps in this process on a fixed clock, at the
//! job's own hour (09:00 in the manager's zone on a Monday), which a child
//! process's real clock cannot be moved to. PostgreSQL only (`.ci/run`
//! starts one): SQLite runs one `serve` per file.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use coachbot::clock::Clock;
use sqlx::PgPool;

use chrono::Datelike;

use crate::binary::{serve, Served};
use crate::databases::fresh_postgres;
use crate::helpers::{
    command_body, fake_slack, friday_morning, mount_default_slack, mount_users_info, sign, start,
    FakePosts, TestApp, SIGNING_SECRET,
};
use crate::jobs::{coach_at, fast, manager};

/// What replicas share: a new PostgreSQL database, a fake Slack taking
/// posts, and a SQLite file `serve` is given but does not use.
struct Shared {
    url: String,
    slack: wiremock::MockServer,
    unused: std::path::PathBuf,
    /// Kept so the folder outlives the replicas.
    _dir: tempfile::TempDir,
}

/// `None` without a test server.
async fn shared() -> Option<Shared> {
    let url = fresh_postgres().await?;
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let dir = tempfile::tempdir().expect("dir");
    Some(Shared {
        url,
        slack,
        unused: dir.path().join("unused.db"),
        _dir: dir,
    })
}

const MANAGERS: usize = 10;
const LOGS: usize = 90;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_three_replicas_with_one_killed_stores_each_acknowledged_log_once() {
    let Some(shared) = shared().await else {
        return;
    };
    let (url, slack, unused) = (&shared.url, &shared.slack, &shared.unused);
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(serve(slack, unused, &[("DATABASE_URL", url.as_str())]).await);
    }
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let http = reqwest::Client::new();
    let response_url = format!("{}/respond/1", slack.uri());
    let coach = |base: String, user: String, text: String| {
        let (http, response_url) = (http.clone(), response_url.clone());
        async move { coach(&http, &base, &response_url, &user, &text).await }
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
        match said {
            // A loaded replica holds the answer past Slack's 3 seconds and
            // sends it later: the log is not acknowledged yet, and a
            // replica killed meanwhile may never store it.
            Some(said) if said.contains("Working on it") => {}
            Some(said) => {
                assert!(said.starts_with("Logged "), "{said}");
                acknowledged.push((format!("U0MGR{m}"), minutes as i64));
            }
            None => {}
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

    let pool = PgPool::connect(url).await.expect("the database");
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

/// `/coach <text>` as `user` to the replica at `base`, signed now; the
/// answer's text, or `None` when the replica did not answer with one.
async fn coach(
    http: &reqwest::Client,
    base: &str,
    response_url: &str,
    user: &str,
    text: &str,
) -> Option<String> {
    let body = command_body(user, text, response_url);
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

/// Until one of `replicas` has logged what `logged` looks for in all it
/// has logged so far; `what` names it if that never happens.
async fn until_logged(replicas: &[&Served], what: &str, logged: impl Fn(&str) -> bool) {
    let mut lines: Vec<_> = replicas.iter().map(|r| r.logs.lines()).collect();
    let found = tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            for lines in &mut lines {
                lines.borrow_and_update();
            }
            if replicas.iter().any(|r| logged(&r.logs.text())) {
                return;
            }
            let changed = lines.iter_mut().map(|l| Box::pin(l.changed()));
            let _ = futures::future::select_all(changed).await;
        }
    })
    .await;
    if found.is_err() {
        let logs: Vec<String> = replicas.iter().map(|r| r.logs.text()).collect();
        panic!("never logged {what}:\n{}", logs.join("\n----\n"));
    }
}

/// How many scheduler ticks `replica` has finished.
fn ticks(replica: &Served) -> usize {
    replica.logs.text().matches("scheduler tick done").count()
}

/// A cron schedule that fires on no day this test may see, in any zone:
/// two days from now.
fn not_today() -> String {
    let weekday = (chrono::Utc::now() + chrono::Duration::days(2)).weekday();
    format!("0 0 9 * * {weekday}")
}

/// meeting-check's schedule: fires at every tick.
const EVERY_SECOND: &str = "* * * * * *";

/// `coachbot serve` on the PostgreSQL database `url` (the SQLite file
/// `unused` it is given is not), meeting-check firing on `schedule`, its
/// log showing its ticks and decisions.
async fn replica(
    slack: &wiremock::MockServer,
    unused: &std::path::Path,
    url: &str,
    schedule: &str,
) -> Served {
    let env = [
        ("DATABASE_URL", url),
        ("COACHBOT__JOBS__MEETING_CHECK", schedule),
        ("RUST_LOG", "info,coachbot=debug,sqlx=warn"),
    ];
    serve(slack, unused, &env).await
}

const UNSNOOZED: [&str; 4] = ["U0MGR0", "U0MGR1", "U0MGR2", "U0MGR3"];
const SNOOZED: &str = "U0MGRS";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn meeting_check_firing_on_three_serve_replicas_sends_one_dm_per_manager_and_a_snooze_through_one_holds_on_all(
) {
    let Some(shared) = shared().await else {
        return;
    };
    let (url, slack, unused) = (&shared.url, &shared.slack, &shared.unused);
    let http = reqwest::Client::new();
    let response_url = format!("{}/respond/1", slack.uri());
    let day = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%d");
    let said = |said: Option<String>, expected: &str| {
        let said = said.expect("answered");
        assert!(said.contains(expected), "{said}");
    };

    // Set-up through a replica whose meeting-check fires on no day of this
    // test: each manager's team has met ten days ago, so a meeting is due;
    // the one to be snoozed has no rep now, so no job decides for them.
    let never = not_today();
    let setting_up = replica(slack, unused, url, &never).await;
    for (i, manager) in UNSNOOZED.iter().chain([&SNOOZED]).enumerate() {
        let base = &setting_up.base;
        let add = format!("team add <@U0REP{i}> since {}", day(-20));
        let added = coach(&http, base, &response_url, manager, &add).await;
        said(added, "is on your team since");
        let meeting = format!("meeting 30m stuck deals on {}", day(-10));
        let logged = coach(&http, base, &response_url, manager, &meeting).await;
        said(logged, "Logged");
    }
    let removed = coach(
        &http,
        &setting_up.base,
        &response_url,
        SNOOZED,
        "team remove <@U0REP4>",
    )
    .await;
    said(removed, "left your team");
    setting_up.stop().await;

    // Three replicas whose meeting-check fires at every tick: each
    // un-snoozed manager's reminder is decided and posted once.
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(replica(slack, unused, url, EVERY_SECOND).await);
    }
    let all: Vec<&Served> = replicas.iter().collect();
    for manager in UNSNOOZED {
        let recipient = format!("recipient={manager}");
        until_logged(&all, &format!("a reminder sent to {manager}"), |text| {
            text.lines()
                .any(|line| line.contains("reminder sent") && line.contains(&recipient))
        })
        .await;
    }
    for replica in &replicas {
        until_logged(&[replica], "a tick", |text| {
            text.contains("scheduler tick done")
        })
        .await;
    }

    // The second and third read the last manager's records; the first is
    // started again without the every-second schedule, and the snooze and
    // then the manager's first rep go through it while the others fire, so
    // only they plan for the manager, and only after the snooze is stored.
    for replica in &replicas[1..] {
        let shown = coach(&http, &replica.base, &response_url, SNOOZED, "team").await;
        assert!(shown.is_some());
    }
    replicas.remove(0).stop().await;
    let first = replica(slack, unused, url, &never).await;
    let snooze = format!("snooze until {}", day(7));
    let snoozed = coach(&http, &first.base, &response_url, SNOOZED, &snooze).await;
    said(snoozed, "Reminders paused");
    let add = "team add <@U0REP5>";
    let added = coach(&http, &first.base, &response_url, SNOOZED, add).await;
    said(added, "joined your team");
    let firing: Vec<&Served> = replicas.iter().collect();
    let decided = format!("send nothing to {SNOOZED} [meeting-check");
    until_logged(&firing, "the snoozed manager's day decided", |text| {
        text.lines()
            .any(|line| line.contains(&decided) && line.contains("snoozed until"))
    })
    .await;
    // Each ticks twice more, so each has planned and delivered from the
    // day's records as they stand.
    for replica in &replicas {
        let after = ticks(replica) + 2;
        until_logged(&[replica], "two more ticks", |text| {
            text.matches("scheduler tick done").count() >= after
        })
        .await;
    }

    let mut reminded: Vec<String> = slack
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
        .filter(|post| {
            post["text"]
                .as_str()
                .is_some_and(|text| text.contains("team meeting"))
        })
        .map(|post| post["channel"].as_str().unwrap_or_default().to_string())
        .collect();
    reminded.sort();
    assert_eq!(reminded, UNSNOOZED, "one each; none to the snoozed");
    let pool = PgPool::connect(url).await.expect("the database");
    let snoozed_day: String = sqlx::query_scalar(
        "SELECT status FROM reminders WHERE job = 'meeting-check' AND recipient = $1",
    )
    .bind(SNOOZED)
    .fetch_one(&pool)
    .await
    .expect("the snoozed manager's day is stored");
    assert_eq!(snoozed_day, "skipped");
    pool.close().await;
    for replica in replicas.into_iter().chain([first]) {
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
