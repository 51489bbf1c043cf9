//! Delivery against a fake Slack that keeps its conversations: exactly
//! once when a post's outcome is unknown, the rate learned from 429s,
//! notices ahead of bulk reminders and out as soon as they are stored.

use std::time::Duration;

use chrono::{DateTime, Utc};
use coachbot::app::delivery::{DeliveryPolicy, DeliveryReport};
use coachbot::app::AppContext;
use coachbot::domain::{Job, WorkspaceId};
use coachbot::scheduler::tick;
use coachbot::store::{MessageKind, NewReminder};

use crate::helpers::*;
use crate::jobs::manager;
use crate::slack_fake::{dm, Next, SlackFake};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

/// Monday 30 November 2026, 09:00 in Berlin: meeting-check's time.
fn monday_9() -> DateTime<Utc> {
    at("2026-11-30T08:00:00Z")
}

fn seconds(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// The production policy, one post in flight at a time so that each post's
/// instant on the fixed clock is exact.
fn one_at_a_time() -> DeliveryPolicy {
    DeliveryPolicy {
        posts_in_flight: 1,
        ..DeliveryPolicy::default()
    }
}

/// The app (with `env`), and a context whose Slack is a [`SlackFake`]
/// taking `per_second` posts a second, on the app's clock.
async fn delivering_app(
    per_second: Option<usize>,
    env: &[(&str, &str)],
) -> (TestApp, SlackFake, AppContext) {
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), env).await;
    let fake = SlackFake::start(app.clock.clone(), per_second).await;
    let ctx = AppContext {
        slack: slack_at(&fake.api_url, app.clock.clone()),
        ..app.ctx.clone()
    };
    (app, fake, ctx)
}

async fn tick_at(ctx: &AppContext, now: DateTime<Utc>) -> DeliveryReport {
    tick(ctx, now, &one_at_a_time()).await.expect("ticks")
}

/// Each reminder row as `status channel ts`.
async fn rows(app: &TestApp) -> Vec<String> {
    let records = app.db().await;
    let rows: Vec<(String, Option<String>, Option<String>)> = records
        .rows("SELECT status, channel, ts FROM reminders ORDER BY id", &[])
        .await;
    records.close().await;
    rows.into_iter()
        .map(|(status, channel, ts)| {
            format!(
                "{status} {} {}",
                channel.unwrap_or_default(),
                ts.unwrap_or_default()
            )
        })
        .collect()
}

/// Starts the first delivery of `BOSS`'s Monday reminder with the next
/// post treated as `next`, and lets the call time out (Slack never
/// answers it): the pass leaves it in doubt.
async fn a_post_in_doubt(app: &TestApp, fake: &SlackFake, ctx: &AppContext, next: Next) {
    manager(app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    fake.script(&[next]);
    app.clock.set(monday_9());
    let ticking = tokio::spawn({
        let ctx = ctx.clone();
        async move { tick(&ctx, monday_9(), &one_at_a_time()).await }
    });
    fake.posts_arrived(1).await;
    app.clock.set(monday_9() + seconds(11));
    let report = ticking.await.expect("joins").expect("ticks");
    assert_eq!(
        report,
        DeliveryReport {
            pending: 1,
            in_doubt: 1,
            ..DeliveryReport::default()
        }
    );
    // Before the call has surely ended, nothing is looked up or posted.
    let early = tick_at(ctx, monday_9() + seconds(12)).await;
    assert_eq!(early, DeliveryReport::default());
    assert_eq!(fake.history_calls(), 0);
    assert_eq!(fake.received().len(), 1);
}

#[tokio::test]
async fn a_post_slack_took_without_answering_in_time_is_found_in_its_dm_and_never_posted_again() {
    let (app, fake, ctx) = delivering_app(None, &[]).await;
    a_post_in_doubt(&app, &fake, &ctx, Next::TakeAndHold).await;

    let report = tick_at(&ctx, monday_9() + seconds(20)).await;

    assert_eq!(report.sent, 1);
    let taken = fake.taken();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(fake.received().len(), 1, "posted again");
    assert_eq!((fake.open_calls(), fake.history_calls()), (1, 1));
    assert_eq!(rows(&app).await, [format!("sent D0BOSS {}", taken[0].ts)]);
}

#[tokio::test]
async fn a_post_in_doubt_that_slack_never_took_is_posted_once_after_the_lookup() {
    let (app, fake, ctx) = delivering_app(None, &[]).await;
    a_post_in_doubt(&app, &fake, &ctx, Next::HoldUntaken).await;

    let report = tick_at(&ctx, monday_9() + seconds(20)).await;

    assert_eq!(report.sent, 1);
    let taken = fake.taken();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0].channel, dm(BOSS));
    assert_eq!(fake.history_calls(), 1);
    assert_eq!(rows(&app).await, [format!("sent D0BOSS {}", taken[0].ts)]);
    // The post carries the reminder's ID for any later lookup.
    assert_eq!(taken[0].reminder_id.as_deref(), Some("1"));
}

#[tokio::test]
async fn a_post_in_doubt_beyond_one_page_of_history_stays_in_doubt_and_is_not_posted_blind() {
    let (app, fake, ctx) = delivering_app(None, &[]).await;
    a_post_in_doubt(&app, &fake, &ctx, Next::HoldUntaken).await;
    fake.fill_history();

    let report = tick_at(&ctx, monday_9() + seconds(20)).await;

    assert_eq!((report.sent, report.in_doubt), (0, 1));
    assert_eq!(fake.history_calls(), 1);
    assert!(fake.taken().is_empty(), "posted blind: {:?}", fake.taken());
    assert_eq!(fake.received().len(), 1, "posted again");
}

#[tokio::test]
async fn posts_in_doubt_are_looked_up_one_a_minute_and_the_rest_wait_their_turn() {
    let (app, fake, ctx) = delivering_app(None, &[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    fake.script(&[Next::HoldUntaken, Next::HoldUntaken]);
    app.clock.set(monday_9());
    let ticking = tokio::spawn({
        let ctx = ctx.clone();
        async move { tick(&ctx, monday_9(), &DeliveryPolicy::default()).await }
    });
    fake.posts_arrived(2).await;
    app.clock.set(monday_9() + seconds(11));
    let report = ticking.await.expect("joins").expect("ticks");
    assert_eq!(report.in_doubt, 2);

    let first = tick_at(&ctx, monday_9() + seconds(20)).await;
    assert_eq!((first.sent, first.in_doubt), (1, 1));
    assert_eq!(fake.history_calls(), 1);
    let still = tick_at(&ctx, monday_9() + seconds(70)).await;
    assert_eq!((still.sent, fake.history_calls()), (0, 1));

    let second = tick_at(&ctx, monday_9() + seconds(81)).await;
    assert_eq!(second.sent, 1);
    assert_eq!(fake.history_calls(), 2);
    let mut channels: Vec<String> = fake.taken().into_iter().map(|t| t.channel).collect();
    channels.sort();
    assert_eq!(channels, [dm(BOSS), dm(OTHER_BOSS)]);
}

#[tokio::test]
async fn a_429_halves_the_rate_its_wait_is_kept_and_nothing_is_lost_or_doubled() {
    let (app, fake, ctx) = delivering_app(None, &[]).await;
    let bosses: Vec<String> = (0..30).map(|i| format!("U0BOSS{i:02}")).collect();
    for (i, boss) in bosses.iter().enumerate() {
        manager(&app, boss, "Europe/Berlin", &[&format!("U0REP{i:02}")]).await;
    }
    let mut script = vec![Next::Answer; 9];
    script.push(Next::RateLimited(2));
    fake.script(&script);
    app.clock.set(monday_9());

    let report = tick_at(&ctx, monday_9()).await;

    assert_eq!(report.sent, 30);
    let received = fake.received();
    assert_eq!(received.len(), 31);
    assert_eq!(received.iter().filter(|(_, limited)| *limited).count(), 1);
    let taken = fake.taken();
    let mut channels: Vec<String> = taken.iter().map(|t| t.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    assert_eq!(channels.len(), 30, "each manager exactly once");
    // Five a second at first, six from the second second: the tenth post
    // at 1.67 s is refused; its retry waits the 2 s of Retry-After, and the
    // next goes a third of a second later, at half of six a second.
    let refused_at = monday_9() + chrono::Duration::milliseconds(1666);
    assert!(taken[9].at - refused_at >= seconds(2), "{:?}", taken[9].at);
    let gap = taken[10].at - taken[9].at;
    assert_eq!(gap.num_milliseconds(), 333, "{gap:?}");
}

#[tokio::test]
async fn a_reps_question_goes_out_ahead_of_the_bulk_reminders_due_with_it() {
    let (app, fake, ctx) =
        delivering_app(None, &[("COACHBOT__COACHING__ASK_REPS_TO_CONFIRM", "true")]).await;
    for i in 0..25 {
        manager(
            &app,
            &format!("U0BOSS{i:02}"),
            "Europe/Berlin",
            &[&format!("U0REP{i:02}")],
        )
        .await;
    }
    crate::jobs::coach_at(
        &app,
        "2026-11-30T07:30:00Z",
        "U0BOSS07",
        "30m <@U0REP07> pipeline review",
    )
    .await;

    let report = tick_at(&ctx, monday_9()).await;

    assert_eq!(report.sent, 26);
    assert_eq!(fake.received()[0].0, "U0REP07");
}

#[tokio::test]
async fn a_reps_question_goes_out_when_the_log_is_stored_without_waiting_for_a_tick() {
    let (app, fake, ctx) =
        delivering_app(None, &[("COACHBOT__COACHING__ASK_REPS_TO_CONFIRM", "true")]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (ticked, mut ticks) = tokio::sync::watch::channel(0u64);
    let scheduler = tokio::spawn(coachbot::scheduler::run(
        ctx.clone(),
        Duration::from_secs(3600),
        DeliveryPolicy::default(),
        stopped,
        ticked,
        coachbot::telemetry::Health::default(),
    ));
    ticks.wait_for(|done| *done >= 1).await.expect("first tick");

    let answer = app.coach("30m <@U0ANA> pipeline review").await;
    assert!(answer.text().contains("Logged"), "{answer:?}");
    fake.posts_arrived(1).await;

    assert_eq!(*ticks.borrow(), 1, "no tick since the log");
    stop.send(true).expect("scheduler listening");
    scheduler.await.expect("scheduler stops");
    assert_eq!(fake.taken()[0].channel, dm("U0ANA"));
}

/// Stores `count` reminders due now, one per recipient.
async fn bulk(ctx: &AppContext, count: usize, now: DateTime<Utc>) {
    for i in 0..count {
        let reminder = NewReminder {
            workspace: WorkspaceId::parse(WORKSPACE).expect("workspace"),
            kind: MessageKind::Job(Job::MeetingCheck),
            recipient: format!("U9{i:05}"),
            local_date: now.date_naive(),
            subject: String::new(),
            message: Some(serde_json::json!({ "text": format!("reminder {i}") }).to_string()),
            summary: "bulk".into(),
            expires_at: now + chrono::Duration::days(1),
        };
        ctx.store
            .insert_reminder(&reminder, now)
            .await
            .expect("stores")
            .expect("new");
    }
}

#[tokio::test]
async fn a_thousand_reminders_leave_once_each_at_the_learned_rate_and_a_question_overtakes_them() {
    let (app, fake, ctx) = delivering_app(
        Some(50),
        &[("COACHBOT__COACHING__ASK_REPS_TO_CONFIRM", "true")],
    )
    .await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    // Tuesday, when no job fires: only these reminders are due.
    let start = at("2026-12-01T08:00:00Z");
    app.clock.set(start);
    bulk(&ctx, 1000, start).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(coachbot::scheduler::run(
        ctx.clone(),
        Duration::from_secs(3600),
        DeliveryPolicy::default(),
        stopped,
        tokio::sync::watch::channel(0).0,
        coachbot::telemetry::Health::default(),
    ));

    fake.posts_arrived(300).await;
    let asked_at = app.clock.now();
    let answer = app.coach("30m <@U0ANA> pipeline review").await;
    assert!(answer.text().contains("Logged"), "{answer:?}");
    fake.posts_arrived(1001).await;
    stop.send(true).expect("scheduler listening");
    scheduler.await.expect("scheduler stops");

    let taken = fake.taken();
    assert_eq!(taken.len(), 1001);
    let mut channels: Vec<&str> = taken.iter().map(|t| t.channel.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    assert_eq!(channels.len(), 1001, "each exactly once");
    assert!(
        fake.received().iter().all(|(_, limited)| !limited),
        "no 429"
    );
    let question = taken
        .iter()
        .find(|t| t.channel == dm("U0ANA"))
        .expect("the question");
    assert!(
        question.at - asked_at <= seconds(15),
        "the question went {:?} after the log",
        question.at - asked_at
    );
    let last = taken.iter().map(|t| t.at).max().expect("posts");
    let per_second = 1000.0 / ((last - start).num_milliseconds() as f64 / 1000.0);
    assert!(per_second >= 15.0, "{per_second:.1} posts a second");
    assert_eq!(
        ctx.deliveries
            .posts_per_second(&WorkspaceId::parse(WORKSPACE).expect("workspace")),
        Some(20),
        "the rate rose to its ceiling"
    );
}
