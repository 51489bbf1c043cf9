//! A rep's month, one rule for every surface: `status`, `report`, the Home
//! tab, both digests, `coaching-pace` and the export agree on what counts
//! for a rep and against which target, whatever team changes came first.

use std::collections::BTreeMap;

use coachbot::domain::{format_minutes, Job};

use crate::helpers::*;
use crate::home::open_home;
use crate::interactions::text_of;
use crate::jobs::{coach_at, fast, run_job};

/// The app on Friday 27 November (Berlin), with views, posts and channels
/// on the fake Slack.
async fn spawn_month_app(extra_env: &[(&str, &str)]) -> (TestApp, FakePosts) {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    mount_channels(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    (
        spawn_app_with(slack, friday_morning(), extra_env).await,
        posts,
    )
}

/// What the fake Slack took for `channel`, one text per post.
fn posted_to(posts: &FakePosts, channel: &str) -> Vec<String> {
    posts
        .delivered()
        .iter()
        .filter(|post| post.channel() == channel)
        .map(|post| post.text())
        .collect()
}

/// Ana and Ben on the team since 1 November; on Friday 20 November Cal,
/// there since the 1st too, has a 30-minute 1:1 and leaves at the end of
/// that day.
async fn with_a_rep_who_left(app: &TestApp) {
    app.coach("team add <@U0ANA> <@U0BEN> <@U0CAL> since 2026-11-01")
        .await;
    let friday = "2026-11-20T10:00:00Z";
    coach_at(app, friday, BOSS, "30m <@U0CAL> pipeline review").await;
    let removed = coach_at(app, friday, BOSS, "team remove <@U0CAL>").await;
    assert!(
        removed.text().contains("<@U0CAL> leaves your team"),
        "{removed:?}"
    );
}

#[tokio::test]
async fn status_and_report_agree_for_a_rep_removed_and_added_again_on_the_same_day() {
    let (app, _posts) = spawn_month_app(&[]).await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    app.coach("team remove <@U0BEN>").await;
    let added = app.coach("team add <@U0BEN>").await;
    assert!(added.text().contains("<@U0BEN>"), "{added:?}");

    // On the team since the 1st, whatever the stints: 26 of 30 days gone.
    let line =
        "<@U0BEN> — 0m this month · target 3h · today's pace 2h 36m · :warning: 2h 36m behind";
    let status = app.coach("status").await.blocks_text();
    assert!(status.contains(line), "{status}");
    assert!(status.contains("0 of 2 reps on pace"), "{status}");
    let report = app.coach("report").await.blocks_text();
    assert!(report.contains(line), "{report}");
}

#[tokio::test]
async fn a_rep_who_left_reads_left_on_their_last_day_everywhere_and_is_never_nudged() {
    let (app, posts) = spawn_month_app(&[]).await;
    with_a_rep_who_left(&app).await;
    app.coach("3h <@U0BEN> field observation").await;

    let line = "<@U0CAL> — 30m this month · left on Fri 20 Nov";
    let status = app.coach("status").await.blocks_text();
    assert!(status.contains(line), "{status}");
    assert!(status.contains("1 of 2 reps on pace"), "{status}");
    let report = app.coach("report").await.blocks_text();
    assert!(report.contains(line), "{report}");
    assert!(
        report.contains("3 reps · 1 of 2 reached the month's target"),
        "{report}"
    );
    let home = text_of(&open_home(&app, BOSS, "Ev0LEFT").await["blocks"]);
    assert!(home.contains(line), "{home}");
    assert!(home.contains("*1 of 2 reps on pace*"), "{home}");
    for text in [&status, &report, &home] {
        let cal = text
            .lines()
            .find(|l| l.contains("<@U0CAL>"))
            .expect("a line for Cal");
        assert!(!cal.contains("behind"), "{cal}");
    }

    // Wednesday 25 November, 09:00 in Berlin: Ana is behind, Cal is gone.
    run_job(&app, Job::CoachingPace, "2026-11-25T08:00:00Z", &fast()).await;
    let nudges = posted_to(&posts, BOSS);
    assert_eq!(nudges.len(), 1, "{nudges:?}");
    assert!(nudges[0].contains("<@U0ANA>"), "{}", nudges[0]);
    assert!(!nudges[0].contains("<@U0CAL>"), "{}", nudges[0]);
}

#[tokio::test]
async fn a_rep_who_moved_teams_mid_month_keeps_all_their_credit_and_a_target_from_their_first_day_on_a_team(
) {
    let (app, _posts) = spawn_month_app(&[]).await;
    app.coach_as(OTHER_BOSS, "team add <@U0DAN> since 2026-11-03")
        .await;
    app.coach_as(OTHER_BOSS, "1h <@U0DAN> deal review on 2026-11-06")
        .await;
    app.coach_as(OTHER_BOSS, "meeting 30m stuck deals on 2026-11-06")
        .await;
    let tuesday = "2026-11-10T10:00:00Z";
    coach_at(&app, tuesday, OTHER_BOSS, "team remove <@U0DAN>").await;
    let joined = coach_at(&app, tuesday, BOSS, "team add <@U0DAN>").await;
    assert!(
        joined.text().contains("<@U0DAN> joined your team"),
        "{joined:?}"
    );

    // From Tuesday 3 November: 28 of 30 days to go (2h 48m), 24 gone (2h 24m).
    let status = app.coach("status").await.blocks_text();
    assert!(
        status.contains("<@U0DAN> — 1h 30m this month (1h 1:1, 30m meetings) · target 2h 48m since joining Tue 3 Nov · today's pace 2h 24m · :warning: 54m behind"),
        "{status}"
    );
    let report = app.coach_as(OTHER_BOSS, "report").await.blocks_text();
    assert!(
        report.contains("<@U0DAN> — 1h 30m this month (1h 1:1, 30m meetings) · left on Mon 9 Nov"),
        "{report}"
    );
}

#[tokio::test]
async fn the_digests_share_on_pace_counts_only_the_reps_on_the_team_today() {
    let (app, posts) = spawn_month_app(&[("COACHBOT__DIGEST__CHANNEL", "C0DIGEST")]).await;
    with_a_rep_who_left(&app).await;
    app.coach("3h <@U0ANA> field observation").await;
    // Ben leaves and comes back today: his month still runs from the 1st.
    app.coach("team remove <@U0BEN>").await;
    app.coach("team add <@U0BEN>").await;
    let set = app.coach("digest <#C0SALES|team-sales>").await;
    assert!(set.text().contains("<#C0SALES>"), "{set:?}");

    run_job(&app, Job::TeamDigest, "2026-11-27T15:00:00Z", &fast()).await;
    run_job(&app, Job::Digest, "2026-11-27T16:00:00Z", &fast()).await;

    let team = posted_to(&posts, "C0SALES");
    assert_eq!(team.len(), 1, "{team:?}");
    assert!(team[0].contains("1 of 2 reps on pace"), "{}", team[0]);
    assert!(
        team[0].contains("<@U0CAL> — 30m this month · left on Fri 20 Nov"),
        "{}",
        team[0]
    );
    let leaders = posted_to(&posts, "C0DIGEST");
    assert_eq!(leaders.len(), 1, "{leaders:?}");
    assert!(
        leaders[0].contains("<@U0BOSS> — 0 meetings in 7 days · 1 of 2 reps on pace"),
        "{}",
        leaders[0]
    );
}

#[tokio::test]
async fn the_exports_rows_add_up_to_each_reps_month_in_the_report() {
    let (app, _posts) = spawn_month_app(&[]).await;
    with_a_rep_who_left(&app).await;
    app.coach("1h <@U0ANA> <@U0BEN> deal strategy on 2026-11-18")
        .await;
    app.coach("meeting 45m stuck deals on 2026-11-19").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    // After Cal left: counts for Ana and Ben only.
    app.coach("meeting 30m customer wins on 2026-11-23").await;

    let export = run_binary(&app, &["export", "--month", "2026-11"]).await;
    assert!(export.success, "{}", export.stderr);
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for row in export.stdout.lines().skip(1) {
        let fields: Vec<&str> = row.split(',').collect();
        let (rep, minutes, confirmation) = (fields[4], fields[5], fields[10]);
        if !rep.is_empty() && confirmation != "disputed" {
            *totals.entry(rep.to_string()).or_default() += minutes.parse::<i64>().expect("minutes");
        }
    }
    assert_eq!(
        totals,
        BTreeMap::from([
            ("U0ANA".to_string(), 60 + 45 + 45 + 30),
            ("U0BEN".to_string(), 60 + 45 + 30),
            ("U0CAL".to_string(), 30 + 45),
        ])
    );
    let report = app.coach("report 2026-11").await.blocks_text();
    for (rep, minutes) in totals {
        let line = format!("<@{rep}> — {} this month", format_minutes(minutes));
        assert!(report.contains(&line), "{line} in {report}");
    }
}
