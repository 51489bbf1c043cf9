//! The reminder jobs end to end: managers set up through `/coach`, jobs
//! driven at chosen instants (the scheduler's `tick`, or plan + persist +
//! deliver as `run-job` does), and assertions on what the fake Slack took
//! and what the reminders table holds.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use coachbot::app::delivery::{deliver_next, Deliveries, DeliveryPolicy, DeliveryReport};
use coachbot::app::jobs::RunAt;
use coachbot::app::AppContext;
use coachbot::domain::{Job, WorkspaceId};
use coachbot::scheduler::jobs::run_now;
use coachbot::scheduler::tick;

use crate::helpers::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

/// Monday 30 November 2026: meeting-check's day.
const MONDAY_9_BERLIN: &str = "2026-11-30T08:00:00Z";

/// Delivery without the production pauses; Slack's Retry-After is still
/// honoured because it is under `max_wait`.
pub(crate) fn fast() -> DeliveryPolicy {
    DeliveryPolicy {
        attempts_per_pass: 4,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
        channel_spacing: Duration::ZERO,
        retry_later: chrono::Duration::minutes(1),
        retry_after_refusal: chrono::Duration::minutes(15),
        batch: 20,
        posts_in_flight: 16,
    }
}

/// The app on Friday 27 November with a fake `chat.postMessage` that
/// remembers what it took.
async fn spawn_jobs_app(extra_env: &[(&str, &str)]) -> (TestApp, FakePosts) {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), extra_env).await;
    (app, posts)
}

/// Runs `/coach <text>` as `user` with the clock at `when`, then puts the
/// clock back.
pub(crate) async fn coach_at(app: &TestApp, when: &str, user: &str, text: &str) -> Answer {
    let now = app.clock.now();
    app.clock.set(at(when));
    let answer = app.coach_as(user, text).await;
    app.clock.set(now);
    assert_eq!(answer.status, 200, "{text}: {answer:?}");
    answer
}

/// `user` sets their time zone and, on 1 November, takes on `reps`.
pub(crate) async fn manager(app: &TestApp, user: &str, tz: &str, reps: &[&str]) {
    let when = "2026-11-01T12:00:00Z";
    let answer = coach_at(app, when, user, &format!("tz {tz}")).await;
    assert!(answer.text().contains(tz), "{answer:?}");
    if reps.is_empty() {
        return;
    }
    let mentions: Vec<String> = reps.iter().map(|r| format!("<@{r}>")).collect();
    let answer = coach_at(app, when, user, &format!("team add {}", mentions.join(" "))).await;
    for rep in reps {
        assert!(
            answer
                .text()
                .contains(&format!("<@{rep}> joined your team")),
            "{answer:?}"
        );
    }
}

/// `user` logs `text` on Friday 27 November.
async fn log(app: &TestApp, user: &str, text: &str) {
    let answer = coach_at(app, "2026-11-27T10:00:00Z", user, text).await;
    assert!(answer.text().contains("Logged"), "{text}: {answer:?}");
}

/// `run-job`: every manager now, whatever the schedule.
pub(crate) async fn run_job(
    app: &TestApp,
    job: Job,
    now: &str,
    policy: &DeliveryPolicy,
) -> DeliveryReport {
    run_now(&app.ctx, job, RunAt::Instant(at(now)), None, false, policy)
        .await
        .expect("runs")
        .delivery
        .expect("not a dry run")
}

async fn tick_at(app: &TestApp, now: &str) -> DeliveryReport {
    tick(&app.ctx, at(now), &fast()).await.expect("ticks")
}

/// Reminder rows as `job recipient local_date status`, in key order.
async fn reminders(app: &TestApp) -> Vec<String> {
    let records = app.db().await;
    let rows: Vec<(String, String, String, String)> = records
        .rows(
            "SELECT job, recipient, CAST(local_date AS TEXT), status FROM reminders
             ORDER BY job, recipient, local_date",
            &[],
        )
        .await;
    records.close().await;
    rows.into_iter()
        .map(|(job, recipient, day, status)| format!("{job} {recipient} {day} {status}"))
        .collect()
}

fn one_to<'a>(posts: &'a [PostCall], channel: &str) -> &'a PostCall {
    let to: Vec<&PostCall> = posts.iter().filter(|p| p.channel() == channel).collect();
    assert_eq!(to.len(), 1, "posts to {channel}: {posts:#?}");
    to[0]
}

const AGENDA: [&str; 6] = [
    "Stuck deals",
    "Pipeline cadence",
    "New products",
    "Company announcements",
    "Market changes",
    "Customer wins or losses",
];

#[tokio::test]
async fn meeting_check_dms_due_and_overdue_managers_the_agenda_and_skips_one_not_due() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, "U0DUE", "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, "U0LATE", "Europe/Berlin", &["U0BEN"]).await;
    manager(&app, "U0FINE", "Europe/Berlin", &["U0CY"]).await;
    log(&app, "U0DUE", "meeting 60m stuck deals on 2026-11-23").await;
    log(&app, "U0LATE", "meeting 60m stuck deals on 2026-11-16").await;
    log(&app, "U0FINE", "meeting 60m stuck deals on 2026-11-27").await;

    let report = tick_at(&app, MONDAY_9_BERLIN).await;

    assert_eq!(report.sent, 2);
    let delivered = posts.delivered();
    assert_eq!(posts.delivered_to(), ["U0DUE", "U0LATE"]);
    let due = one_to(&delivered, "U0DUE").text();
    assert!(
        due.contains("Time for this week's team meeting: the last one was 7 days ago."),
        "{due}"
    );
    assert!(!due.contains("overdue"), "{due}");
    let late = one_to(&delivered, "U0LATE").text();
    assert!(
        late.contains("Your team meeting is overdue: it has been 14 days since the last one."),
        "{late}"
    );
    for text in [&due, &late] {
        for topic in AGENDA {
            assert!(text.contains(&format!("• {topic}")), "{topic}: {text}");
        }
        assert!(
            text.contains("log it here, or in one line: `/coach meeting 60m"),
            "{text}"
        );
        assert!(
            text.contains("Log the meeting") && text.contains("Snooze a week"),
            "{text}"
        );
    }
    assert_eq!(
        reminders(&app).await,
        [
            "meeting-check U0DUE 2026-11-30 sent",
            "meeting-check U0FINE 2026-11-30 skipped",
            "meeting-check U0LATE 2026-11-30 sent",
        ]
    );
}

#[tokio::test]
async fn coaching_pace_names_each_rep_behind_with_minutes_gap_and_a_suggestion_and_not_those_on_pace(
) {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA", "U0BEN", "U0CY"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0DEE"]).await;
    let friday_before = "2026-11-20T10:00:00Z";
    coach_at(&app, friday_before, BOSS, "30m <@U0ANA> pipeline review").await;
    coach_at(&app, friday_before, BOSS, "2h30m <@U0BEN> deal strategy").await;
    coach_at(&app, friday_before, OTHER_BOSS, "3h <@U0DEE> deal strategy").await;

    // Wednesday 25 November, 09:00 in Berlin: 24 of 30 days have passed,
    // so 144 minutes are expected of each rep.
    let report = tick_at(&app, "2026-11-25T08:00:00Z").await;

    assert_eq!(report.sent, 1);
    assert_eq!(posts.delivered_to(), [BOSS]);
    let text = posts.delivered()[0].text();
    assert!(
        text.contains("2 reps are behind this month's coaching pace."),
        "{text}"
    );
    assert!(
        text.contains("<@U0ANA> — 30m this month, 1h 54m short of today's pace. Try: sit in on one of their calls"),
        "{text}"
    );
    assert!(
        text.contains("<@U0CY> — 0m this month, 2h 24m short of today's pace. Try: review their pipeline together"),
        "{text}"
    );
    assert!(!text.contains("U0BEN"), "a rep on pace is listed: {text}");
    assert_eq!(
        reminders(&app).await,
        [
            "coaching-pace U0BOSS 2026-11-25 sent",
            "coaching-pace U0OTHER 2026-11-25 skipped",
        ]
    );
}

#[tokio::test]
async fn the_digest_posts_each_managers_numbers_and_team_totals_to_the_channel_and_never_a_note() {
    let (app, posts) = spawn_jobs_app(&[("COACHBOT__DIGEST__CHANNEL", "C0DIGEST")]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA", "U0BEN"]).await;
    manager(&app, OTHER_BOSS, "Asia/Tokyo", &["U0CY"]).await;
    log(
        &app,
        BOSS,
        "meeting 60m stuck deals secret margin numbers on 2026-11-23",
    )
    .await;
    log(
        &app,
        BOSS,
        "45m <@U0ANA> pipeline review secret margin numbers",
    )
    .await;
    log(&app, BOSS, "3h <@U0BEN> deal strategy").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs WHERE note LIKE '%secret margin numbers%'")
            .await,
        2
    );

    // The digest fires Fridays at 16:00 in digest.timezone (UTC).
    tick_at(&app, "2026-11-27T15:59:59Z").await;
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    let report = tick_at(&app, "2026-11-27T16:00:00Z").await;

    assert_eq!(report.sent, 1);
    assert_eq!(posts.delivered_to(), ["C0DIGEST"]);
    let post = &posts.delivered()[0];
    let text = post.text();
    // Ana: 45m + the 1h meeting, behind 2h 36m; Ben: 3h + 1h, on pace; the
    // manager's own time counts the meeting once.
    assert!(
        text.contains("<@U0BOSS> — 1 meeting in 7 days · 1 of 2 reps on pace · 4h 45m of coaching this month (5h 45m credited to reps)"),
        "{text}"
    );
    assert!(
        text.contains("<@U0OTHER> — 0 meetings in 7 days · 0 of 1 rep on pace · 0m of coaching this month (0m credited to reps)"),
        "{text}"
    );
    assert!(
        text.contains("*Team totals:* 1 team meeting in the last 7 days · 1 of 3 reps on pace · 4h 45m of coaching this month (5h 45m credited to reps)"),
        "{text}"
    );
    let raw = post.body.to_string();
    assert!(
        !raw.contains("secret") && !raw.contains("margin"),
        "a note leaked into the digest: {raw}"
    );
    assert_eq!(reminders(&app).await, ["digest C0DIGEST 2026-11-27 sent"]);
}

#[tokio::test]
async fn a_digest_slack_refuses_is_retried_that_day_once_the_bot_is_invited() {
    let (app, posts) = spawn_jobs_app(&[("COACHBOT__DIGEST__CHANNEL", "C0DIGEST")]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    posts.answer_from_now_on(PostAnswer::NotInChannel);

    tick_at(&app, "2026-11-27T16:00:00Z").await;
    // A refusal is not retried within the pass, nor 10 minutes later...
    tick_at(&app, "2026-11-27T16:10:00Z").await;
    assert_eq!(posts.calls().len(), 1);
    assert_eq!(
        reminders(&app).await,
        ["digest C0DIGEST 2026-11-27 pending"]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE last_error LIKE '%not_in_channel%'")
            .await,
        1
    );

    // ...but once someone invites the bot, the next try that day posts it.
    posts.answer_from_now_on(PostAnswer::Ok);
    tick_at(&app, "2026-11-27T16:16:00Z").await;
    assert_eq!(posts.delivered_to(), ["C0DIGEST"]);
    assert_eq!(reminders(&app).await, ["digest C0DIGEST 2026-11-27 sent"]);
}

#[tokio::test]
async fn without_a_digest_channel_no_digest_is_posted_or_stored() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    log(&app, BOSS, "45m <@U0ANA> pipeline review").await;

    tick_at(&app, "2026-11-27T16:00:00Z").await;
    run_job(&app, Job::Digest, "2026-11-27T16:00:00Z", &fast()).await;

    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE job = 'digest'")
            .await,
        0
    );
}

#[tokio::test]
async fn snoozed_managers_and_managers_without_reps_get_nothing_but_a_snooze_ending_today_does() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, "U0AWAY", "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, "U0BACK", "Europe/Berlin", &["U0BEN"]).await;
    manager(&app, "U0ALONE", "Europe/Berlin", &[]).await;
    manager(&app, "U0LEFT", "Europe/Berlin", &["U0CY"]).await;
    coach_at(
        &app,
        "2026-11-20T10:00:00Z",
        "U0LEFT",
        "team remove <@U0CY>",
    )
    .await;
    coach_at(
        &app,
        "2026-11-27T10:00:00Z",
        "U0AWAY",
        "snooze until 2026-12-07",
    )
    .await;
    coach_at(
        &app,
        "2026-11-27T10:00:00Z",
        "U0BACK",
        "snooze until 2026-11-30",
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until IS NOT NULL")
            .await,
        2
    );

    // Every team is overdue a meeting and every rep is behind pace.
    tick_at(&app, MONDAY_9_BERLIN).await;
    run_job(&app, Job::CoachingPace, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!(posts.delivered_to(), ["U0BACK", "U0BACK"]);
    assert_eq!(posts.calls().len(), 2);
    assert_eq!(
        reminders(&app).await,
        [
            "coaching-pace U0AWAY 2026-11-30 skipped",
            "coaching-pace U0BACK 2026-11-30 sent",
            "meeting-check U0AWAY 2026-11-30 skipped",
            "meeting-check U0BACK 2026-11-30 sent",
        ]
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reminders WHERE recipient = 'U0AWAY' AND summary = 'snoozed until 2026-12-07'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn one_utc_instant_reaches_only_managers_whose_local_monday_nine_has_passed_each_once() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, "U0TOKYO", "Asia/Tokyo", &["U0ANA"]).await;
    manager(&app, "U0BERLIN", "Europe/Berlin", &["U0BEN"]).await;
    manager(&app, "U0NY", "America/New_York", &["U0CY"]).await;

    // 09:00 in Tokyo, 01:00 in Berlin, Sunday 19:00 in New York.
    tick_at(&app, "2026-11-30T00:00:00Z").await;
    assert_eq!(posts.delivered_to(), ["U0TOKYO"]);
    // 08:00 in Berlin.
    tick_at(&app, "2026-11-30T07:59:59Z").await;
    assert_eq!(posts.delivered_to(), ["U0TOKYO"]);
    // 09:00 in Berlin, 03:00 in New York.
    tick_at(&app, "2026-11-30T08:00:00Z").await;
    assert_eq!(posts.delivered_to(), ["U0BERLIN", "U0TOKYO"]);
    // 08:59 in New York.
    tick_at(&app, "2026-11-30T13:59:00Z").await;
    assert_eq!(posts.delivered_to(), ["U0BERLIN", "U0TOKYO"]);
    // 09:00 in New York (EST).
    tick_at(&app, "2026-11-30T14:00:00Z").await;
    tick_at(&app, "2026-11-30T14:00:20Z").await;
    assert_eq!(posts.delivered_to(), ["U0BERLIN", "U0NY", "U0TOKYO"]);
    assert_eq!(posts.calls().len(), 3);
    assert_eq!(
        reminders(&app).await,
        [
            "meeting-check U0BERLIN 2026-11-30 sent",
            "meeting-check U0NY 2026-11-30 sent",
            "meeting-check U0TOKYO 2026-11-30 sent",
        ]
    );
}

#[tokio::test]
async fn a_firing_missed_while_down_is_caught_up_later_the_same_local_day() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;

    // The service was down at 09:00 and comes back at 13:00 Berlin time.
    tick_at(&app, "2026-11-30T12:00:00Z").await;

    assert_eq!(posts.delivered_to(), [BOSS]);
    assert!(
        posts.delivered()[0].text().contains("overdue"),
        "{}",
        posts.delivered()[0].text()
    );
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn a_firing_missed_while_down_is_not_caught_up_the_next_day() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;

    // Down all Monday; back on Tuesday at 00:00 and at 13:00 Berlin time.
    tick_at(&app, "2026-11-30T23:00:00Z").await;
    tick_at(&app, "2026-12-01T12:00:00Z").await;

    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    assert!(reminders(&app).await.is_empty());
}

#[tokio::test]
async fn delivery_waits_out_a_429_retries_a_500_and_sends_exactly_once() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    posts.script(&[
        PostAnswer::RateLimited {
            retry_after_secs: 1,
        },
        PostAnswer::ServerError,
    ]);

    let before = app.clock.now();

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!(
        report,
        DeliveryReport {
            sent: 1,
            ..DeliveryReport::default()
        }
    );
    // The second of Retry-After, then the halved rate's half second
    // between posts (the 10 ms backoff falls within it), taken on the
    // app's clock (a fixed one here, moved by each wait at once).
    assert_eq!(
        app.clock.now() - before,
        chrono::Duration::milliseconds(1500),
        "Retry-After was not honoured"
    );
    assert_eq!(
        app.ctx
            .deliveries
            .posts_per_second(&WorkspaceId::parse("T0TEAM").expect("workspace")),
        Some(2),
        "the 429 halves the 5 posts a second delivery starts at"
    );
    let calls = posts.calls();
    let answers: Vec<PostAnswer> = calls.iter().map(|c| c.answer).collect();
    assert_eq!(
        answers,
        [
            PostAnswer::RateLimited {
                retry_after_secs: 1
            },
            PostAnswer::ServerError,
            PostAnswer::Ok
        ]
    );
    assert!(calls.iter().all(|c| c.channel() == BOSS));
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE sent_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_run_while_slack_is_down_stays_pending_and_a_later_tick_that_day_delivers_it_once() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    posts.answer_from_now_on(PostAnswer::ServerError);

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!(report.pending, 1);
    assert_eq!(posts.calls().len(), fast().attempts_per_pass as usize);
    assert!(posts.delivered().is_empty());
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 pending"]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE last_error LIKE '%500%'")
            .await,
        1
    );

    posts.answer_from_now_on(PostAnswer::Ok);
    tick_at(&app, "2026-11-30T08:30:00Z").await;
    tick_at(&app, "2026-11-30T12:00:00Z").await;

    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn a_post_slack_took_is_not_posted_again_even_if_its_answer_is_unreadable() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    posts.answer_from_now_on(PostAnswer::OkButTerse);

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    tick_at(&app, "2026-11-30T12:00:00Z").await;

    assert_eq!(report.sent, 1);
    assert_eq!(posts.calls().len(), 1);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn while_slack_is_down_one_pass_gives_up_after_one_reminders_tries_and_the_next_sends_all() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    manager(&app, "U0THIRD", "Europe/Berlin", &["U0CY"]).await;
    posts.answer_from_now_on(PostAnswer::ServerError);

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    // Those already in flight use their tries; no other is started.
    assert_eq!(report.pending, 3);
    let tries = posts.calls().len();
    let attempts = fast().attempts_per_pass as usize;
    assert!((attempts..=3 * attempts).contains(&tries), "{tries} tries");
    posts.answer_from_now_on(PostAnswer::Ok);
    tick_at(&app, "2026-11-30T08:30:00Z").await;
    assert_eq!(posts.delivered_to(), [BOSS, OTHER_BOSS, "U0THIRD"]);
}

#[tokio::test]
async fn a_reminder_slack_did_not_take_before_its_day_ended_expires_unsent() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    posts.answer_from_now_on(PostAnswer::ServerError);
    run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    let failed_calls = posts.calls().len();

    posts.answer_from_now_on(PostAnswer::Ok);
    // Midnight in Berlin: Monday's reminder is over.
    let report = tick_at(&app, "2026-11-30T23:00:00Z").await;

    assert_eq!(report.expired, 1);
    assert_eq!(posts.calls().len(), failed_calls);
    assert!(posts.delivered().is_empty());
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 expired"]
    );
}

#[tokio::test]
async fn a_job_run_twice_at_the_same_instant_and_again_later_that_day_sends_one_message() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;

    run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    tick_at(&app, MONDAY_9_BERLIN).await;
    run_job(&app, Job::MeetingCheck, "2026-11-30T18:00:00Z", &fast()).await;
    // 23:59 in Berlin.
    tick_at(&app, "2026-11-30T22:59:00Z").await;

    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(posts.calls().len(), 1);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn a_tick_and_a_run_job_overlapping_send_each_reminder_once() {
    let (app, _posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    let held = HeldFirstPost::start().await;
    let ctx = AppContext {
        slack: slack_at(&held.api_url, app.clock.clone()),
        ..app.ctx.clone()
    };

    // The scheduler's pass stores both reminders and is held in its first post...
    let ticking = tokio::spawn({
        let ctx = ctx.clone();
        async move { tick(&ctx, at(MONDAY_9_BERLIN), &fast()).await }
    });
    held.first_post_held().await;
    // ...while a whole `run-job` pass runs: both reminders are the tick's,
    // so it stores and sends nothing of its own.
    let ran = run_now(
        &ctx,
        Job::MeetingCheck,
        RunAt::Instant(at(MONDAY_9_BERLIN)),
        None,
        false,
        &fast(),
    )
    .await
    .expect("runs")
    .delivery
    .expect("not a dry run");
    assert_eq!(ran, DeliveryReport::default());
    held.release_first_post();
    let ticked = ticking.await.expect("joins").expect("ticks");

    assert_eq!(ticked.sent, 2);
    let mut channels = held.channels();
    channels.sort();
    assert_eq!(channels, [BOSS, OTHER_BOSS]);
    assert_eq!(
        reminders(&app).await,
        [
            "meeting-check U0BOSS 2026-11-30 sent",
            "meeting-check U0OTHER 2026-11-30 sent",
        ]
    );
}

/// The workspace's delivery turn, taken by another process from the app's
/// clock until `seconds` later.
async fn turn_held_elsewhere(app: &TestApp, seconds: i64) -> DateTime<Utc> {
    let now = app.clock.now();
    let until = now + chrono::Duration::seconds(seconds);
    let workspace = WorkspaceId::parse(WORKSPACE).expect("workspace");
    let taken = app
        .ctx
        .store
        .take_delivery_turn(&workspace, "another process", now, until)
        .await
        .expect("stored");
    assert!(taken.is_some(), "the turn was free");
    until
}

/// A fake `chat.postMessage` that remembers the app's clock at each post.
async fn posts_timed_by(app: &TestApp) -> Arc<Mutex<Vec<DateTime<Utc>>>> {
    let posted = Arc::new(Mutex::new(Vec::new()));
    let (clock, times) = (app.clock.clone(), posted.clone());
    wiremock::Mock::given(wiremock::matchers::path("/api/chat.postMessage"))
        .respond_with(move |_: &wiremock::Request| {
            times.lock().expect("times").push(clock.now());
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "ok": true, "channel": "D0BOSS", "ts": "1700000000.000100"
            }))
        })
        .mount(&app.slack)
        .await;
    posted
}

/// Who holds the workspace's delivery turn.
async fn turn_holder(app: &TestApp) -> String {
    let records = app.db().await;
    let holder: String = records
        .value(
            "SELECT holder FROM delivery_turns WHERE team_id = $1",
            &[WORKSPACE.into()],
        )
        .await;
    records.close().await;
    holder
}

#[tokio::test]
async fn run_job_waits_for_the_delivery_turn_another_process_holds_and_posts_once_it_ends() {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    let posted = posts_timed_by(&app).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    // Shorter than the wait (a turn's length: with `fast`, one claim's lease).
    let other_turn_ends = turn_held_elsewhere(&app, 10).await;

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!((report.sent, report.pending), (1, 0), "{report:?}");
    // The run's clock moved by its looks at the turn only.
    let posted = posted.lock().expect("times").clone();
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0] >= other_turn_ends,
        "posted at {} in the other's turn, which ran until {other_turn_ends}",
        posted[0]
    );
    assert_eq!(turn_holder(&app).await, app.ctx.deliveries.holder());
}

#[tokio::test]
async fn run_job_leaves_its_reminders_to_a_process_that_keeps_the_turn_and_that_one_delivers_them()
{
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    let started = app.clock.now();
    turn_held_elsewhere(&app, 3600).await;

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!(
        (report.sent, report.pending, report.left_to_others),
        (0, 1, 1),
        "{report:?}"
    );
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    // It waited a turn's length, not the other's whole hour.
    assert!(app.clock.now() < started + chrono::Duration::minutes(1));
    assert_eq!(turn_holder(&app).await, "another process");
    // The holder's delivery (here `serve`'s tick, once that turn ended)
    // posts what was left.
    tick_at(&app, MONDAY_9_BERLIN).await;
    assert_eq!(posts.delivered_to(), [BOSS]);
}

#[tokio::test]
async fn a_process_with_nothing_due_leaves_the_turn_to_a_run_job_that_has() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    let workspace = WorkspaceId::parse(WORKSPACE).expect("workspace");
    // Another replica's worker looks at the workspace with nothing due.
    let other = AppContext {
        deliveries: Deliveries::default(),
        ..app.ctx.clone()
    };
    let started = app.clock.now();
    let (looked, more) = deliver_next(&other, &workspace, started, &fast())
        .await
        .expect("looks");
    assert_eq!((looked, more), (DeliveryReport::default(), false));

    let report = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!((report.sent, report.left_to_others), (1, 0), "{report:?}");
    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(app.clock.now(), started, "it did not wait");
}

/// Until the scheduler has finished `count` ticks.
async fn ticks_done(ticks: &mut tokio::sync::watch::Receiver<u64>, count: u64) {
    tokio::time::timeout(
        Duration::from_secs(30),
        ticks.wait_for(|done| *done >= count),
    )
    .await
    .expect("the scheduler ticks")
    .expect("the scheduler runs");
}

#[tokio::test]
async fn the_scheduler_loop_fires_at_nine_in_the_managers_zone_not_the_servers() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, "U0AKL", "Pacific/Auckland", &["U0ANA"]).await;
    manager(&app, "U0BERLIN", "Europe/Berlin", &["U0BEN"]).await;
    // Sunday 19:30 UTC: 08:30 on Monday in Auckland (NZDT, UTC+13).
    app.clock.set(at("2026-11-29T19:30:00Z"));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (ticked, mut ticks) = tokio::sync::watch::channel(0u64);
    let scheduler = tokio::spawn(coachbot::scheduler::run(
        app.ctx.clone(),
        Duration::from_millis(20),
        fast(),
        stopped,
        ticked,
        coachbot::telemetry::Health::default(),
    ));

    // Two whole ticks at 08:30 in Auckland: nothing is due yet.
    ticks_done(&mut ticks, 2).await;
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());

    // Sunday 20:05 UTC, and in Berlin: 09:05 on Monday in Auckland. A tick
    // under way may have read the clock before it moved; the one after it
    // has not.
    app.clock.set(at("2026-11-29T20:05:00Z"));
    let moved_at = *ticks.borrow();
    ticks_done(&mut ticks, moved_at + 2).await;
    // Its delivery worker starts once the reminder is stored, and its
    // first pass delivers it.
    let mut passes = app.ctx.deliveries.passes();
    tokio::time::timeout(Duration::from_secs(30), passes.wait_for(|done| *done >= 1))
        .await
        .expect("delivery passes")
        .expect("delivery runs");
    assert_eq!(posts.delivered_to(), ["U0AKL"]);
    // More ticks at the same time change nothing.
    ticks_done(&mut ticks, moved_at + 5).await;
    stop.send(true).expect("scheduler listening");
    scheduler.await.expect("scheduler stops");

    assert_eq!(posts.delivered_to(), ["U0AKL"]);
    assert_eq!(posts.calls().len(), 1);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0AKL 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn run_job_dry_run_prints_a_line_per_manager_and_sends_nothing_then_a_real_run_sends_one_dm()
{
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    log(&app, OTHER_BOSS, "meeting 60m stuck deals on 2026-11-27").await;
    let monday = "2026-11-30T09:00:00+01:00";

    let dry = run_binary(
        &app,
        &["run-job", "meeting-check", "--at", monday, "--dry-run"],
    )
    .await;

    assert!(dry.success, "{}", dry.stderr);
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", dry.stdout);
    assert!(
        lines[0].starts_with("would DM U0BOSS [meeting-check T0TEAM 2026-11-30]:"),
        "{}",
        dry.stdout
    );
    assert!(lines[0].contains("overdue"), "{}", dry.stdout);
    assert!(
        lines[1].starts_with("would send nothing to U0OTHER"),
        "{}",
        dry.stdout
    );
    assert!(lines[1].contains("meeting not due"), "{}", dry.stdout);
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    assert!(reminders(&app).await.is_empty());

    let real = run_binary(&app, &["run-job", "meeting-check", "--at", monday]).await;
    assert!(real.success, "{}", real.stderr);
    assert!(real.stdout.contains("1 sent"), "{}", real.stdout);
    // Run again: the reminder is already stored for the day.
    let again = run_binary(&app, &["run-job", "meeting-check", "--at", monday]).await;
    assert!(again.success, "{}", again.stderr);

    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(posts.calls().len(), 1);
    assert!(
        posts.delivered()[0].text().contains("• Stuck deals"),
        "{}",
        posts.delivered()[0].text()
    );
    assert_eq!(
        reminders(&app).await,
        [
            "meeting-check U0BOSS 2026-11-30 sent",
            "meeting-check U0OTHER 2026-11-30 skipped",
        ]
    );
}

#[tokio::test]
async fn the_digest_dry_run_counts_one_manager_and_one_rep_in_the_singular() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;

    let output = coachbot(&app)
        .env("COACHBOT__DIGEST__CHANNEL", "C0DIGEST")
        .args(["run-job", "digest", "--at", "2026-11-27", "--dry-run"])
        .output()
        .await
        .expect("runs");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(": 1 manager, 0 of 1 rep on pace (at "),
        "{stdout}"
    );
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
}

#[tokio::test]
async fn run_job_with_an_unknown_job_fails_naming_the_jobs_there_are() {
    let (app, posts) = spawn_jobs_app(&[]).await;

    let run = run_binary(&app, &["run-job", "nonsense"]).await;

    assert!(!run.success);
    assert!(
        run.stderr
            .contains("there is no job called \"nonsense\"; the jobs are meeting-check, coaching-pace, digest and team-digest"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(posts.calls().is_empty());
}

#[tokio::test]
async fn export_prints_csv_with_a_row_per_rep_of_each_session_and_meeting_of_the_month() {
    let (app, _posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA", "U0BEN"]).await;
    log(
        &app,
        BOSS,
        "1h <@U0ANA> <@U0BEN> deal strategy on 2026-11-20",
    )
    .await;
    log(&app, BOSS, "meeting 45m stuck deals, wins on 2026-11-23").await;
    log(&app, BOSS, "30m <@U0ANA> pipeline review on 2026-10-30").await;

    let run = run_binary(&app, &["export", "--month", "2026-11"]).await;

    assert!(run.success, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "workspace,date,kind,manager,rep,minutes,activity,topics,note,logged_at,confirmation"
    );
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|l| l.split(',').take(8).collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "T0TEAM",
                "2026-11-20",
                "session",
                "U0BOSS",
                "U0ANA",
                "60",
                "deal",
                ""
            ],
            vec![
                "T0TEAM",
                "2026-11-20",
                "session",
                "U0BOSS",
                "U0BEN",
                "60",
                "deal",
                ""
            ],
            vec![
                "T0TEAM",
                "2026-11-23",
                "meeting",
                "U0BOSS",
                "U0ANA",
                "45",
                "",
                "stuck_deals;customer_wins_losses"
            ],
            vec![
                "T0TEAM",
                "2026-11-23",
                "meeting",
                "U0BOSS",
                "U0BEN",
                "45",
                "",
                "stuck_deals;customer_wins_losses"
            ],
        ],
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_rep_a_few_minutes_short_is_no_reason_for_a_pace_dm_unless_the_threshold_says_so() {
    for (threshold, dms) in [(None, 0), (Some("5"), 1)] {
        let env: Vec<(&str, &str)> = threshold
            .map(|t| ("COACHBOT__COACHING__NUDGE_WHEN_BEHIND_MINUTES", t))
            .into_iter()
            .collect();
        let (app, posts) = spawn_jobs_app(&env).await;
        manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
        // 144 minutes are expected on Wednesday the 25th; Ana has 139.
        coach_at(
            &app,
            "2026-11-20T10:00:00Z",
            BOSS,
            "2h19m <@U0ANA> pipeline review",
        )
        .await;

        tick_at(&app, "2026-11-25T08:00:00Z").await;

        assert_eq!(posts.delivered().len(), dms, "threshold {threshold:?}");
        let status = if dms == 0 { "skipped" } else { "sent" };
        assert_eq!(
            reminders(&app).await,
            [format!("coaching-pace U0BOSS 2026-11-25 {status}")]
        );
        // status keeps the strict pace either way.
        let answer = coach_at(&app, "2026-11-25T08:00:00Z", BOSS, "status").await;
        assert!(
            answer.blocks_text().contains(":warning: 5m behind"),
            "{}",
            answer.blocks_text()
        );
    }
}

#[tokio::test]
async fn run_job_at_a_day_reaches_each_manager_at_the_jobs_time_in_their_own_zone() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, "U0TOKYO", "Asia/Tokyo", &["U0ANA"]).await;
    manager(&app, "U0NY", "America/New_York", &["U0BEN"]).await;

    let dry = run_binary(
        &app,
        &[
            "run-job",
            "meeting-check",
            "--at",
            "2026-11-30",
            "--dry-run",
        ],
    )
    .await;

    assert!(dry.success, "{}", dry.stderr);
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", dry.stdout);
    assert!(
        lines[0].starts_with("would DM U0NY [meeting-check T0TEAM 2026-11-30]:")
            && lines[0].ends_with("(at 2026-11-30T14:00:00Z)"),
        "{}",
        dry.stdout
    );
    assert!(
        lines[1].starts_with("would DM U0TOKYO [meeting-check T0TEAM 2026-11-30]:")
            && lines[1].ends_with("(at 2026-11-30T00:00:00Z)"),
        "{}",
        dry.stdout
    );
    assert!(posts.calls().is_empty());
}

/// Every file in the database's folder, with its size and modification time.
fn files(dir: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|entry| {
            let entry = entry.expect("entry");
            let meta = entry.metadata().expect("metadata");
            (
                entry.file_name().to_string_lossy().into_owned(),
                meta.len(),
                meta.modified().expect("mtime"),
            )
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn run_job_dry_run_changes_no_file() {
    let (app, _posts) = spawn_jobs_app(&[]).await;
    // About SQLite's files (the database, its WAL and shared memory):
    // PostgreSQL has none of its own here.
    if app.on_postgres() {
        return;
    }
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    // A copy the running app does not hold open, as an admin's would be:
    // once as a plain file, once in write-ahead mode as coachbot leaves it.
    let dir = tempfile::tempdir().expect("dir");
    let records = app.db().await;
    for name in ["plain.db", "wal.db"] {
        records
            .execute(&format!(
                "VACUUM INTO '{}'",
                dir.path().join(name).display()
            ))
            .await;
    }
    records.close().await;
    let wal = coachbot::store::Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("wal.db").display()
    ))
    .await
    .expect("opens");
    wal.close().await;
    let before = files(dir.path());

    for name in ["plain.db", "wal.db"] {
        let output = coachbot(&app)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join(name).display()),
            )
            // The test's own instant, never the wall clock: on the first of a month
            // nobody is behind pace yet.
            .args(["run-job", "coaching-pace", "--dry-run", "--at"])
            .arg(app.clock.now().to_rfc3339())
            .output()
            .await
            .expect("runs");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("would DM U0BOSS"),
            "{name}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    assert_eq!(files(dir.path()), before);
}

#[tokio::test]
async fn each_team_digest_lands_in_its_own_channel_and_two_teams_sharing_one_each_get_theirs() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    mount_channels(&app.slack).await;
    const THIRD_BOSS: &str = "U0THIRD";
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    manager(&app, THIRD_BOSS, "Europe/Berlin", &["U0CY"]).await;
    log(
        &app,
        BOSS,
        "45m <@U0ANA> pipeline review secret margin numbers",
    )
    .await;

    let set = app.coach_as(BOSS, "digest <#C0SALES|team-sales>").await;
    assert!(
        set.text()
            .contains("Your team's digest will go to <#C0SALES> every week"),
        "{set:?}"
    );
    for boss in [OTHER_BOSS, THIRD_BOSS] {
        let set = app.coach_as(boss, "digest <#C0SHARED|leaders>").await;
        assert!(set.text().contains("<#C0SHARED>"), "{set:?}");
    }

    // Fridays at 16:00 in each manager's zone (Berlin: 15:00 UTC).
    tick_at(&app, "2026-11-27T14:59:59Z").await;
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    tick_at(&app, "2026-11-27T15:00:00Z").await;
    tick_at(&app, "2026-11-27T15:30:00Z").await;

    let mut to = posts.delivered_to();
    to.sort();
    assert_eq!(to, ["C0SALES", "C0SHARED", "C0SHARED"]);
    let sales = one_to(&posts.delivered(), "C0SALES").text();
    assert!(sales.contains("<@U0BOSS>'s team:"), "{sales}");
    assert!(sales.contains("<@U0ANA> — 45m of 3h"), "{sales}");
    assert!(
        !sales.contains("secret"),
        "a note leaked into the digest: {sales}"
    );
    let shared: Vec<String> = posts
        .delivered()
        .iter()
        .filter(|post| post.channel() == "C0SHARED")
        .map(|post| post.text())
        .collect();
    assert!(shared
        .iter()
        .any(|text| text.contains("<@U0OTHER>'s team:") && text.contains("<@U0BEN>")));
    assert!(shared
        .iter()
        .any(|text| text.contains("<@U0THIRD>'s team:") && text.contains("<@U0CY>")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reminders WHERE job = 'team-digest' AND status = 'sent'")
            .await,
        3
    );
}

#[tokio::test]
async fn a_digest_channel_the_bot_is_not_in_is_refused_with_the_fix_and_nothing_changes() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    mount_channels(&app.slack).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    app.coach_as(BOSS, "digest <#C0SALES|team-sales>").await;

    for channel in ["<#C0OUTSIDE|random>", "<#G0SECRET|secret>"] {
        let refused = app.coach_as(BOSS, &format!("digest {channel}")).await;
        assert!(
            refused
                .text()
                .contains("yet, so I can't post your digest there"),
            "{refused:?}"
        );
        assert!(
            refused.text().contains("`/invite @coachbot`"),
            "{refused:?}"
        );
    }
    let shown = app.coach_as(BOSS, "digest").await;
    assert!(shown.text().contains("goes to <#C0SALES>"), "{shown:?}");

    let off = app.coach_as(BOSS, "digest off").await;
    assert!(off.text().contains("digest is off"), "{off:?}");
    tick_at(&app, "2026-11-27T15:00:00Z").await;
    assert!(
        !posts
            .delivered_to()
            .iter()
            .any(|channel| channel.starts_with('C')),
        "{:?}",
        posts.delivered_to()
    );
}

/// Runs one SQL statement on the app's database, as a damaged or older
/// database would hold it.
async fn execute(app: &TestApp, sql: &str) {
    let records = app.db().await;
    records.execute(sql).await;
    records.close().await;
}

#[tokio::test]
async fn a_slack_time_zone_this_version_cannot_read_skips_only_that_manager() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    // A zone a `chrono-tz` update dropped, and no override to stand in.
    execute(
        &app,
        "UPDATE managers SET slack_tz = 'Mars/Olympus', tz_override = NULL WHERE user_id = 'U0BOSS'",
    )
    .await;

    let ticked = tick_at(&app, MONDAY_9_BERLIN).await;
    let ran = run_job(&app, Job::CoachingPace, MONDAY_9_BERLIN, &fast()).await;

    assert_eq!(ticked.sent, 1);
    assert_eq!(ran.sent, 1);
    assert_eq!(posts.delivered_to(), [OTHER_BOSS, OTHER_BOSS]);
    assert_eq!(
        reminders(&app).await,
        [
            "coaching-pace U0OTHER 2026-11-30 sent",
            "meeting-check U0OTHER 2026-11-30 sent",
        ]
    );
}

#[tokio::test]
async fn a_manager_whose_team_cannot_be_read_is_skipped_and_the_others_get_theirs() {
    let (app, posts) = spawn_jobs_app(&[("COACHBOT__DIGEST__CHANNEL", "C0SALES")]).await;
    // A day no version can read is possible only where days are text:
    // SQLite. PostgreSQL's DATE refuses it, so this runs on SQLite only.
    if app.on_postgres() {
        return;
    }
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    execute(
        &app,
        "UPDATE memberships SET joined_on = 'someday' WHERE manager_id = 'U0BOSS'",
    )
    .await;

    let meeting = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    let digest = run_job(&app, Job::Digest, "2026-11-27T15:00:00Z", &fast()).await;

    assert_eq!((meeting.sent, digest.sent), (1, 1));
    assert_eq!(posts.delivered_to(), ["C0SALES", OTHER_BOSS]);
    let digest = one_to(&posts.delivered(), "C0SALES").text();
    assert!(digest.contains("<@U0OTHER>"), "{digest}");
    assert!(!digest.contains("<@U0BOSS>"), "{digest}");
}

#[tokio::test]
async fn a_time_zone_override_this_version_cannot_read_is_ignored_for_slacks_zone() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    // Slack says Europe/Berlin; the override is a zone this build lacks.
    manager(&app, BOSS, "Asia/Tokyo", &["U0ANA"]).await;
    execute(
        &app,
        "UPDATE managers SET tz_override = 'Mars/Olympus' WHERE user_id = 'U0BOSS'",
    )
    .await;

    // 08:59 in Berlin (17:59 in Tokyo): not yet; 09:00 in Berlin: the DM.
    tick_at(&app, "2026-11-30T07:59:00Z").await;
    assert!(posts.calls().is_empty(), "{:#?}", posts.calls());
    tick_at(&app, MONDAY_9_BERLIN).await;

    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn an_unreadable_slack_time_zone_is_asked_of_slack_again_at_the_next_command() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    coach_at(&app, "2026-11-01T12:00:00Z", BOSS, "tz reset").await;
    execute(
        &app,
        "UPDATE managers SET slack_tz = 'Mars/Olympus' WHERE user_id = 'U0BOSS'",
    )
    .await;
    // A new process, with nothing of the manager in memory.
    let app = app.restart().await;
    let asked_before = app.slack_calls("/api/users.info").await.len();

    let answer = app.coach("tz").await;

    assert_eq!(answer.status, 200);
    assert!(answer.text().contains("Europe/Berlin"), "{answer:?}");
    assert_eq!(
        app.slack_calls("/api/users.info").await.len(),
        asked_before + 1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM managers WHERE user_id = 'U0BOSS' AND slack_tz = 'Europe/Berlin'"
        )
        .await,
        1
    );
    tick_at(&app, MONDAY_9_BERLIN).await;
    assert_eq!(posts.delivered_to(), [BOSS]);
}

#[tokio::test]
async fn an_unreadable_slack_time_zone_is_asked_of_slack_again_when_the_home_tab_opens() {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    FakePosts::mount(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    assert_eq!(app.coach("team add <@U0ANA>").await.status, 200);
    execute(
        &app,
        "UPDATE managers SET slack_tz = 'Mars/Olympus' WHERE user_id = 'U0BOSS'",
    )
    .await;
    let app = app.restart().await;

    let opened = app
        .event(&payloads::app_home_opened(BOSS, "Ev0HOME1"), None)
        .await;
    assert_eq!(opened.status().as_u16(), 200);
    app.follow_ups_settled().await;

    let published = app.slack_bodies("/api/views.publish").await;
    assert_eq!(published.len(), 1, "{published:#?}");
    assert!(
        crate::interactions::text_of(&published[0]["view"]).contains("<@U0ANA>"),
        "{}",
        published[0]["view"]
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM managers WHERE user_id = 'U0BOSS' AND slack_tz = 'Europe/Berlin'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_failing_step_of_a_tick_does_not_keep_the_others_from_running() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    // A day no version can read is possible only where days are text:
    // SQLite. PostgreSQL's DATE refuses it, so this runs on SQLite only.
    if app.on_postgres() {
        return;
    }
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    log(&app, BOSS, "45m <@U0ANA> pipeline review").await;
    // A question to a rep whose session this version cannot read: storing
    // the notices fails on every tick.
    execute(
        &app,
        "UPDATE log_reps SET notify = 'ask' WHERE rep_id = 'U0ANA'",
    )
    .await;
    execute(
        &app,
        "UPDATE logs SET held_on = 'someday' WHERE kind = 'session'",
    )
    .await;

    let ticked = tick_at(&app, MONDAY_9_BERLIN).await;

    assert_eq!(ticked.sent, 1);
    assert_eq!(posts.delivered_to(), [BOSS]);
    assert_eq!(
        reminders(&app).await,
        ["meeting-check U0BOSS 2026-11-30 sent"]
    );
}

#[tokio::test]
async fn run_job_at_an_earlier_day_counts_only_the_coaching_held_by_then() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    // Friday 27 November: three hours with Ana, her whole month's target.
    log(&app, BOSS, "3h <@U0ANA> pipeline review").await;

    // Wednesday the 25th, 09:00 in Berlin: she had had nothing yet.
    let ran = run_job(&app, Job::CoachingPace, "2026-11-25T08:00:00Z", &fast()).await;

    assert_eq!(ran.sent, 1);
    let dm = one_to(&posts.delivered(), BOSS).text();
    assert!(dm.contains("<@U0ANA>"), "{dm}");
    assert!(dm.contains("0m this month"), "{dm}");
}

#[tokio::test]
async fn run_job_at_an_earlier_monday_does_not_count_a_meeting_held_after_it() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    log(&app, BOSS, "meeting 60m stuck deals").await;

    // Monday the 23rd: no meeting since the team began on the 1st.
    let ran = run_job(&app, Job::MeetingCheck, "2026-11-23T08:00:00Z", &fast()).await;

    assert_eq!(ran.sent, 1);
    assert!(
        one_to(&posts.delivered(), BOSS).text().contains("overdue"),
        "{:#?}",
        posts.delivered()
    );
}

#[tokio::test]
async fn run_job_at_a_later_instant_neither_expires_nor_sends_reminders_it_did_not_decide() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    manager(&app, OTHER_BOSS, "Europe/Berlin", &["U0BEN"]).await;
    // Monday's meeting reminders are stored while Slack is down.
    posts.answer_from_now_on(PostAnswer::ServerError);
    tick_at(&app, MONDAY_9_BERLIN).await;
    posts.answer_from_now_on(PostAnswer::Ok);
    let failed_posts = posts.calls().len();

    // Wednesday 30 December, 09:00 in Berlin.
    let ran = run_job(&app, Job::CoachingPace, "2026-12-30T08:00:00Z", &fast()).await;

    assert_eq!(ran.sent, 2);
    let sent: Vec<String> = posts.calls()[failed_posts..]
        .iter()
        .map(|call| call.text())
        .collect();
    assert!(
        sent.iter()
            .all(|text| text.contains("behind this month's coaching pace")),
        "{sent:#?}"
    );
    assert_eq!(
        reminders(&app).await,
        [
            "coaching-pace U0BOSS 2026-12-30 sent",
            "coaching-pace U0OTHER 2026-12-30 sent",
            "meeting-check U0BOSS 2026-11-30 pending",
            "meeting-check U0OTHER 2026-11-30 pending",
        ]
    );
    // `serve` still delivers them that Monday.
    let ticked = tick_at(&app, "2026-11-30T12:00:00Z").await;
    assert_eq!(ticked.sent, 2);
}

#[tokio::test]
async fn a_reminder_run_job_could_not_deliver_is_retried_by_the_real_clock_not_the_at_instant() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    manager(&app, BOSS, "Europe/Berlin", &["U0ANA"]).await;
    // Monday 11:00 in Berlin, with Slack down: a run for 09:00.
    app.clock.set(at("2026-11-30T10:00:00Z"));
    posts.answer_from_now_on(PostAnswer::ServerError);
    let ran = run_job(&app, Job::MeetingCheck, MONDAY_9_BERLIN, &fast()).await;
    assert_eq!(ran.pending, 1);
    posts.answer_from_now_on(PostAnswer::Ok);

    // Half a minute later by the clock, the retry is not due yet...
    let early = tick_at(&app, "2026-11-30T10:00:30Z").await;
    assert_eq!(early.sent, 0);
    assert!(posts.delivered().is_empty());
    // ...a minute later it is.
    let due = tick_at(&app, "2026-11-30T10:01:00Z").await;
    assert_eq!(due.sent, 1);
    assert_eq!(posts.delivered_to(), [BOSS]);
}

#[tokio::test]
async fn a_used_log_coaching_button_stays_gone_when_another_form_from_the_reminder_is_submitted() {
    use crate::interactions::{button, buttons, pace_reminder, team, text_of};
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let app = spawn_app_with(slack, at("2026-11-25T08:00:00Z"), &[]).await;
    team(&app).await;
    let reminder = pace_reminder(&app, &posts).await;

    // Both forms are opened from the reminder as it was first posted...
    let mut forms = Vec::new();
    for (rep, pressed) in [("U0ANA", "log_coaching:0"), ("U0BEN", "log_coaching:1")] {
        let (action_id, value) = button(&reminder, pressed);
        let press = payloads::press_on_bot_message(BOSS, &action_id, value.as_deref(), &reminder);
        assert_eq!(app.interact(&press).await.status().as_u16(), 200);
        let opened = app.slack_bodies("/api/views.open").await;
        forms.push((
            rep,
            action_id,
            opened.last().expect("a form")["view"].clone(),
        ));
    }
    // ...then submitted one after the other.
    for (n, (rep, _, form)) in forms.iter().enumerate() {
        let values = payloads::session_values(&[rep], "30", "pipeline", "2026-11-25", "");
        let view_id = format!("V0VIEW{}", n + 1);
        let submitted = app
            .interact(&payloads::submission(form, &view_id, values))
            .await;
        assert_eq!(submitted.status().as_u16(), 200);
        app.follow_ups_settled().await;
    }

    let updates = app.slack_bodies("/api/chat.update").await;
    assert_eq!(updates.len(), 2, "{updates:#?}");
    let last = &updates[1]["blocks"];
    let left: Vec<String> = buttons(last).into_iter().map(|(id, _, _)| id).collect();
    for (_, used, _) in &forms {
        assert!(!left.contains(used), "{used} came back: {left:?}");
    }
    let says = text_of(last);
    assert!(
        says.contains("Logged 30m of pipeline review with <@U0ANA>")
            && says.contains("Logged 30m of pipeline review with <@U0BEN>"),
        "{says}"
    );
}

#[tokio::test]
async fn many_managers_in_many_zones_are_planned_together_and_one_unreadable_is_skipped_alone() {
    let (app, posts) = spawn_jobs_app(&[]).await;
    // A day no version can read is possible only where days are text:
    // SQLite. PostgreSQL's DATE refuses it, so this runs on SQLite only.
    if app.on_postgres() {
        return;
    }
    let zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York"];
    let managers: Vec<String> = (0..12).map(|i| format!("U0M{i:02}")).collect();
    for (i, boss) in managers.iter().enumerate() {
        let rep = format!("U0R{i:02}");
        manager(&app, boss, zones[i % zones.len()], &[rep.as_str()]).await;
        if i % 2 == 0 {
            log(
                &app,
                boss,
                &format!("3h <@{rep}> pipeline review on 2026-11-20"),
            )
            .await;
        }
    }
    execute(
        &app,
        "UPDATE memberships SET joined_on = 'someday' WHERE manager_id = 'U0M05'",
    )
    .await;

    for job in ["coaching-pace", "meeting-check"] {
        let dry = run_binary(&app, &["run-job", job, "--at", "2026-11-25", "--dry-run"]).await;

        assert!(dry.success, "{}", dry.stderr);
        let recipients: Vec<&str> = dry
            .stdout
            .lines()
            .filter_map(|line| recipient(line))
            .collect();
        let readable: Vec<&str> = managers
            .iter()
            .map(String::as_str)
            .filter(|boss| *boss != "U0M05")
            .collect();
        assert_eq!(recipients, readable, "{}", dry.stdout);
        assert!(
            dry.stdout
                .lines()
                .all(|line| line.contains(&format!("[{job} T0TEAM 2026-11-25]"))),
            "{}",
            dry.stdout
        );
        assert!(
            dry.stderr.contains("U0M05") && dry.stderr.contains("skipped a manager"),
            "{}",
            dry.stderr
        );
    }
    let pace = run_binary(
        &app,
        &[
            "run-job",
            "coaching-pace",
            "--at",
            "2026-11-25",
            "--dry-run",
        ],
    )
    .await;
    for line in pace.stdout.lines() {
        // Managers whose rep has 3h this month are not behind; the others are.
        let boss: usize = recipient(line)
            .and_then(|boss| boss["U0M".len()..].parse().ok())
            .unwrap_or_default();
        assert_eq!(
            line.starts_with("would send nothing"),
            boss.is_multiple_of(2),
            "{line}"
        );
    }
    // One instant: Tokyo is already in December, the others in November.
    let instant = "2026-11-30T16:00:00Z";
    let pace = run_binary(
        &app,
        &["run-job", "coaching-pace", "--at", instant, "--dry-run"],
    )
    .await;
    let lines: Vec<&str> = pace.stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{}", pace.stdout);
    for line in lines {
        let boss: usize = recipient(line)
            .and_then(|boss| boss["U0M".len()..].parse().ok())
            .unwrap_or_default();
        let (day, behind) = match boss % 3 {
            0 => ("2026-12-01", false),
            _ => ("2026-11-30", boss % 2 == 1),
        };
        assert!(
            line.contains(&format!("[coaching-pace T0TEAM {day}]")),
            "{line}"
        );
        assert_eq!(line.starts_with("would DM"), behind, "{line}");
    }
    assert!(posts.calls().is_empty());
}

/// The manager a dry run's line is for.
fn recipient(line: &str) -> Option<&str> {
    line.split_whitespace().find(|word| word.starts_with("U0M"))
}
