//! Answers that say what they show: a back-dated entry's totals are its
//! month's, named; a line or an edit that spans two months shows each; the
//! report and the leaders' digest give the manager's own time, each 1:1 and
//! meeting once, apart from the reps' credit.

use coachbot::domain::Job;

use crate::confirmations::{pass, press_in_dm, spawn_asking_app, to};
use crate::edits::{choose, submit};
use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::text_of;
use crate::jobs::{fast, run_job};

/// The app at `now`, with forms, views and posts on the fake Slack.
async fn spawn_answers_app(now: &str, extra_env: &[(&str, &str)]) -> (TestApp, FakePosts) {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let at = now.parse().expect("test instant");
    (spawn_app_with(slack, at, extra_env).await, posts)
}

const FRIDAY: &str = "2026-11-27T10:00:00Z";

#[tokio::test]
async fn a_back_dated_session_is_answered_with_its_months_totals_under_the_months_name() {
    let (app, _posts) = spawn_answers_app(FRIDAY, &[]).await;
    app.coach("team add <@U0ANA> since 2026-10-01").await;
    let november = app.coach("30m <@U0ANA> pipeline review").await;
    assert!(
        november.blocks_text().contains(
            "<@U0ANA> — 30m this month · target 3h · today's pace 2h 36m · :warning: 2h 6m behind"
        ),
        "{}",
        november.blocks_text()
    );
    app.coach("45m <@U0ANA> Oct 5 deal review").await;

    let october = app.coach("1h <@U0ANA> Oct 30 pipeline review").await;

    let text = october.blocks_text();
    assert!(
        text.contains("<@U0ANA> — 1h 45m in October · target 3h · :warning: 1h 15m short"),
        "{text}"
    );
    assert!(!text.contains("this month"), "{text}");
}

#[tokio::test]
async fn a_line_whose_sessions_fall_in_two_months_shows_each_months_totals() {
    let (app, _posts) = spawn_answers_app(FRIDAY, &[]).await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-10-01")
        .await;

    let answer = app
        .coach("30m <@U0ANA> Oct 31 pipeline review, 45m <@U0ANA> <@U0BEN> Nov 2 deal review")
        .await;

    let text = answer.blocks_text();
    let october = "<@U0ANA> — 30m in October · target 3h · :warning: 2h 30m short";
    let november =
        "<@U0ANA> — 45m this month · target 3h · today's pace 2h 36m · :warning: 1h 51m behind";
    let ben =
        "<@U0BEN> — 45m this month · target 3h · today's pace 2h 36m · :warning: 1h 51m behind";
    for line in [october, november, ben] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(!text.contains("<@U0BEN> — 0m in October"), "{text}");
    assert!(text.find(october) < text.find(november), "{text}");
}

#[tokio::test]
async fn a_month_of_another_year_is_named_with_its_year() {
    let (app, _posts) = spawn_answers_app("2027-01-10T10:00:00Z", &[]).await;
    app.coach("team add <@U0ANA> since 2026-12-01").await;

    let answer = app.coach("1h <@U0ANA> Dec 30 deal review").await;

    let text = answer.blocks_text();
    assert!(
        text.contains("<@U0ANA> — 1h in December 2026 · target 3h · :warning: 2h short"),
        "{text}"
    );
}

#[tokio::test]
async fn an_edit_that_moves_a_session_to_another_month_shows_both_months() {
    let (app, _posts) = spawn_answers_app(FRIDAY, &[]).await;
    app.coach("team add <@U0ANA> since 2026-10-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    let form = choose(&app, "45m of pipeline review with <@U0ANA>", "Edit").await;

    let saved = submit(
        &app,
        &form,
        session_values(
            &["U0ANA"],
            "45",
            "pipeline",
            "2026-10-30",
            "pipeline review",
        ),
    )
    .await;

    assert_eq!(saved["response_action"], "update", "{saved}");
    let text = text_of(&saved["view"]);
    let october = "<@U0ANA> — 45m in October · target 3h · :warning: 2h 15m short";
    let november =
        "<@U0ANA> — 0m this month · target 3h · today's pace 2h 36m · :warning: 2h 36m behind";
    for line in [october, november] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[tokio::test]
async fn an_edit_that_takes_a_rep_out_of_a_session_shows_their_month_too() {
    let (app, _posts) = spawn_answers_app(FRIDAY, &[]).await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    app.coach("45m <@U0ANA> <@U0BEN> pipeline review").await;
    let form = choose(&app, "45m of pipeline review with <@U0ANA>", "Edit").await;

    let saved = submit(
        &app,
        &form,
        session_values(
            &["U0ANA"],
            "45",
            "pipeline",
            "2026-11-27",
            "pipeline review",
        ),
    )
    .await;

    let text = text_of(&saved["view"]);
    let ana = "<@U0ANA> — 45m this month · target 3h";
    let ben = "<@U0BEN> — 0m this month · target 3h";
    for line in [ana, ben] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[tokio::test]
async fn the_report_gives_the_managers_own_time_apart_from_the_reps_credit() {
    let (app, _posts) = spawn_answers_app(FRIDAY, &[]).await;
    app.coach("team add <@U0ANA> <@U0BEN> <@U0CAL> <@U0DAN> since 2026-11-01")
        .await;
    app.coach("meeting 60m stuck deals").await;
    app.coach("30m <@U0ANA> <@U0BEN> deal strategy").await;

    let report = app.coach("report").await.blocks_text();

    // The meeting counts for four reps and the 1:1 for two; the manager
    // spent an hour and a half.
    assert!(
        report.contains(
            "1 team meeting · 1h 30m of your time coaching · 5h credited across 4 reps · 0 of 4 reached the month's target."
        ),
        "{report}"
    );
    assert!(
        report.contains("Your time counts each 1:1 and each team meeting once"),
        "{report}"
    );
}

#[tokio::test]
async fn a_1_1_every_rep_in_it_disputed_is_not_the_managers_time() {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    app.coach("45m <@U0ANA> pipeline review").await;
    app.coach("1h <@U0BEN> deal review").await;
    pass(&app, 1).await;
    let question = to(&posts, "U0ANA")[0].clone();
    app.interact(&press_in_dm("U0ANA", &question, "That didn't happen"))
        .await;

    let report = app.coach("report").await.blocks_text();

    assert!(
        report.contains("0 team meetings · 1h of your time coaching · 1h credited across 2 reps"),
        "{report}"
    );
}

#[tokio::test]
async fn the_leaders_digest_gives_each_managers_own_time_apart_from_the_reps_credit() {
    let (app, posts) =
        spawn_answers_app(FRIDAY, &[("COACHBOT__DIGEST__CHANNEL", "C0DIGEST")]).await;
    app.coach("team add <@U0ANA> <@U0BEN> <@U0CAL> <@U0DAN> since 2026-11-01")
        .await;
    app.coach("meeting 60m stuck deals on 2026-11-18").await;
    // Held after the day the digest is run for: it does not count yet.
    app.coach("meeting 30m customer wins on 2026-11-23").await;

    run_job(&app, Job::Digest, "2026-11-20T16:00:00Z", &fast()).await;

    let digest = posts
        .delivered()
        .iter()
        .find(|post| post.channel() == "C0DIGEST")
        .map(PostCall::text)
        .expect("a digest");
    let time = "1h of coaching this month (4h credited to reps)";
    assert!(
        digest.contains(&format!(
            "<@U0BOSS> — 1 meeting in 7 days · 0 of 4 reps on pace · {time}"
        )),
        "{digest}"
    );
    assert!(
        digest.contains(&format!(
            "*Team totals:* 1 team meeting in the last 7 days · 0 of 4 reps on pace · {time}"
        )),
        "{digest}"
    );
}
