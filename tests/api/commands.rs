//! `/coach` through the real app: answers, database rows, Slack calls.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

/// Ana and Ben join on 1 November; the clock then goes back to where it was.
async fn with_team(app: &TestApp) {
    let now = app.clock.now();
    app.clock
        .set("2026-11-01T09:00:00Z".parse().expect("instant"));
    let answer = app.coach("team add <@U0ANA|ana> <@U0BEN>").await;
    app.clock.set(now);
    assert_eq!(answer.status, 200);
    assert!(
        answer.text().contains("<@U0ANA> joined your team"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn logging_a_session_stores_it_and_shows_the_month_against_target() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app.coach("45m <@U0ANA|ana> pipeline review").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["response_type"], "ephemeral");
    assert!(
        answer
            .text()
            .contains("Logged 45m of pipeline review with <@U0ANA> on Fri 27 Nov"),
        "{}",
        answer.text()
    );
    let blocks = answer.blocks_text();
    // 26 of 30 days have passed: 156 minutes expected.
    assert!(
        blocks.contains(
            "<@U0ANA> — 45m this month · target 3h · today's pace 2h 36m · :warning: 1h 51m behind"
        ),
        "{blocks}"
    );
    let records = app.db().await;
    let row: (String, String, String, i64, String, String, String) = records
        .row(
            "SELECT team_id, manager_id, kind, minutes, activity, note, CAST(held_on AS TEXT) FROM logs",
            &[],
        )
        .await;
    assert_eq!(
        row,
        (
            "T0TEAM".into(),
            "U0BOSS".into(),
            "session".into(),
            45,
            "pipeline".into(),
            "pipeline review".into(),
            "2026-11-27".into()
        )
    );
    let reps: Vec<String> = records.column("SELECT rep_id FROM log_reps", &[]).await;
    assert_eq!(reps, vec!["U0ANA".to_string()]);
}

#[tokio::test]
async fn one_log_with_two_reps_counts_the_full_time_for_each() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app
        .coach("1h30m <@U0ANA|ana> <@U0BEN|ben> deal strategy yesterday")
        .await;
    assert!(
        answer
            .text()
            .contains("1h 30m of help with a deal with <@U0ANA> and <@U0BEN> on Thu 26 Nov"),
        "{}",
        answer.text()
    );
    assert!(
        answer
            .blocks_text()
            .contains("<@U0BEN> — 1h 30m this month · target 3h"),
        "{}",
        answer.blocks_text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM log_reps").await, 2);
}

#[tokio::test]
async fn the_manager_time_zone_comes_from_slack_once_and_is_stored() {
    let app = spawn_app().await;
    app.coach("status").await;
    app.coach("team").await;
    let lookups = app.slack_calls("/api/users.info").await;
    assert_eq!(lookups.len(), 1);
    assert!(lookups[0]
        .url
        .query()
        .unwrap_or_default()
        .contains("user=U0BOSS"));
    let tz: String = app
        .db()
        .await
        .value(
            "SELECT slack_tz FROM managers WHERE user_id = 'U0BOSS'",
            &[],
        )
        .await;
    assert_eq!(tz, "Europe/Berlin");
}

#[tokio::test]
async fn the_first_answer_welcomes_the_manager_and_names_their_time_zone() {
    let app = spawn_app().await;
    let first = app.coach("team").await.blocks_text();
    assert!(first.contains("Welcome to coachbot"), "{first}");
    assert!(first.contains("Europe/Berlin time"), "{first}");
    assert!(first.contains("Your team is empty"), "{first}");
    let second = app.coach("team").await.blocks_text();
    assert!(!second.contains("Welcome"), "{second}");
}

#[tokio::test]
async fn dates_are_the_managers_local_dates() {
    // 23:30 UTC on Friday is already Saturday in Berlin.
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let app = spawn_app_with(slack, "2026-11-27T23:30:00Z".parse().expect("instant"), &[]).await;
    with_team(&app).await;
    let answer = app.coach("30m <@U0ANA> observed a discovery call").await;
    assert!(answer.text().contains("on Sat 28 Nov"), "{}", answer.text());
    let answer = app.coach("tz America/New_York").await;
    assert!(
        answer.text().contains("America/New_York"),
        "{}",
        answer.text()
    );
    let answer = app.coach("30m <@U0ANA> observed a discovery call").await;
    assert!(answer.text().contains("on Fri 27 Nov"), "{}", answer.text());
}

#[tokio::test]
async fn a_session_with_someone_not_on_the_team_stores_nothing_and_says_how_to_add_them() {
    let app = spawn_app().await;
    let answer = app.coach("45m <@U0ANA|ana> pipeline review").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.text().contains("<@U0ANA> isn't on your team yet"),
        "{}",
        answer.text()
    );
    assert!(
        answer.text().contains("/coach team add @name"),
        "{}",
        answer.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn bad_input_stores_nothing_and_answers_with_an_example() {
    let app = spawn_app().await;
    with_team(&app).await;
    for text in [
        "45m @ana pipeline review",
        "0m <@U0ANA>",
        "9h <@U0ANA>",
        "45m <@U0ANA> rode along on a joint sales call",
        "frobnicate",
    ] {
        let answer = app.coach(text).await;
        assert_eq!(answer.status, 200, "{text}");
        assert!(
            answer.text().contains("`/coach "),
            "{text}: {}",
            answer.text()
        );
        assert!(
            !answer.text().contains("Error"),
            "{text}: {}",
            answer.text()
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn a_meeting_counts_for_every_rep_on_the_team() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app.coach("meeting 60m stuck deals, wins").await;
    assert!(
        answer
            .text()
            .contains("Logged a 1h team meeting on Fri 27 Nov; it counts for 2 reps."),
        "{}",
        answer.text()
    );
    assert!(
        answer
            .blocks_text()
            .contains("stuck deals, customer wins or losses"),
        "{}",
        answer.blocks_text()
    );
    let status = app.coach("status").await.blocks_text();
    assert!(
        status.contains("<@U0ANA> — 1h this month (0m 1:1, 1h meetings) · target 3h"),
        "{status}"
    );
    assert!(
        status.contains("<@U0BEN> — 1h this month (0m 1:1, 1h meetings) · target 3h"),
        "{status}"
    );
    assert!(status.contains("Last team meeting today."), "{status}");
}

#[tokio::test]
async fn a_meeting_with_no_team_is_refused() {
    let app = spawn_app().await;
    let answer = app.coach("meeting 60m stuck deals").await;
    assert!(
        answer.text().contains("your team is empty"),
        "{}",
        answer.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn status_shows_every_rep_against_pace_and_the_meeting_gap() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("3h <@U0ANA> field observation").await;
    let answer = app.coach("").await;
    let text = answer.blocks_text();
    assert!(text.contains("Coaching in November 2026"), "{text}");
    assert!(text.contains("1 of 2 reps on pace"), "{text}");
    assert!(
        text.contains("<@U0ANA> — 3h this month · target 3h"),
        "{text}"
    );
    assert!(
        text.contains(
            "<@U0BEN> — 0m this month · target 3h · today's pace 2h 36m · :warning: 2h 36m behind"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "Your team meeting is overdue: 26 days since your team started, with none logged."
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_rep_who_joined_today_owes_nothing_yet() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    let text = app.coach("status").await.blocks_text();
    // 4 of November's 30 days remain: a prorated 24 minutes, none due yet.
    assert!(
        text.contains("<@U0ANA> — 0m this month · target 24m since joining Fri 27 Nov · today's pace 0m · :white_check_mark: on pace"),
        "{text}"
    );
    assert!(
        text.contains("Pace counts from each rep's join day. If someone was on your team before they were added, set the day: `/coach team add @name since 2026-11-01`."),
        "{text}"
    );
    assert!(
        text.contains("No team meeting logged yet; your team started today."),
        "{text}"
    );
}

#[tokio::test]
async fn a_rep_on_another_managers_team_is_refused_with_that_managers_name() {
    let app = spawn_app().await;
    app.coach_as(OTHER_BOSS, "team add <@U0ANA|ana>").await;
    let answer = app.coach("team add <@U0ANA|ana>").await;
    assert!(
        answer.text().contains("<@U0ANA> is on <@U0OTHER>'s team"),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE manager_id = 'U0BOSS'")
            .await,
        0
    );
    app.coach_as(OTHER_BOSS, "team remove <@U0ANA>").await;
    let answer = app.coach("team add <@U0ANA|ana>").await;
    assert!(
        answer.text().contains("joined your team"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn team_shows_and_removes_reps_keeping_their_history() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0BEN> skill practice").await;
    let answer = app.coach("team remove <@U0BEN>").await;
    assert!(
        answer
            .text()
            .contains("<@U0BEN> leaves your team at the end of today, a day that counts for them on your team"),
        "{}",
        answer.text()
    );
    let answer = app.coach("team").await;
    assert!(
        answer
            .text()
            .contains("Your team (1 rep): <@U0ANA> (since Sun 1 Nov)"),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0BEN'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0BEN' AND left_on = '2026-11-28'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn undo_removes_only_the_latest_entry() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0ANA> pipeline").await;
    app.coach("30m <@U0ANA> <@U0BEN> deal review").await;
    let answer = app.coach("undo").await;
    assert!(
        answer
            .text()
            .contains("Removed 30m of help with a deal with <@U0ANA> and <@U0BEN> on Fri 27 Nov"),
        "{}",
        answer.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM log_reps").await, 1);
    app.coach("undo").await;
    // Then the team add before the two lines.
    let answer = app.coach("undo").await;
    assert_eq!(
        answer.text(),
        "Took back adding <@U0ANA>: they are off your team again.\nTook back adding <@U0BEN>: they are off your team again."
    );
    let answer = app.coach("undo").await;
    assert!(
        answer.text().contains("nothing to undo"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn snooze_pauses_until_a_day_and_off_resumes() {
    let app = spawn_app().await;
    let answer = app.coach("snooze 1w").await;
    assert!(
        answer.text().contains("start again on Fri 4 Dec"),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-04'")
            .await,
        1
    );
    let answer = app.coach("snooze off").await;
    assert!(answer.text().contains("back on"), "{}", answer.text());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn report_summarises_a_month() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("meeting 30m pipeline cadence").await;
    app.coach("1h <@U0ANA> deal review").await;
    let answer = app.coach("report 2026-11").await;
    let text = answer.blocks_text();
    assert!(
        text.contains("Coaching report: November 2026 so far"),
        "{text}"
    );
    assert!(
        text.contains("1 team meeting · 1h 30m of your time coaching · 2h credited across 2 reps"),
        "{text}"
    );
    let answer = app.coach("report 2026-10").await;
    assert!(
        answer
            .blocks_text()
            .contains("0 team meetings · 0m of your time coaching · 0m credited across 0 reps"),
        "{}",
        answer.blocks_text()
    );
}

#[tokio::test]
async fn help_lists_the_forms_with_examples() {
    let app = spawn_app().await;
    let text = app.coach("help").await.blocks_text();
    for form in [
        "/coach 45m @dana pipeline review",
        "/coach meeting 60m",
        "/coach team add",
        "/coach status",
        "/coach report",
        "/coach undo",
        "/coach snooze 1w",
        "/coach tz Europe/Berlin",
    ] {
        assert!(text.contains(form), "{form} missing from {text}");
    }
}

#[tokio::test]
async fn help_in_slack_also_names_the_home_tab_the_forms_and_the_team_digest() {
    let app = spawn_app().await;
    let text = app.coach("help").await.blocks_text();
    for slack_only in [
        "the Home tab edits or deletes any entry",
        "/coach log",
        "/coach digest #team-sales",
    ] {
        assert!(
            text.contains(slack_only),
            "{slack_only} missing from {text}"
        );
    }
}

#[tokio::test]
async fn digest_off_with_no_digest_set_says_there_was_none_to_turn_off() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app.coach("digest off").await;
    assert_eq!(
        answer.text(),
        "Your team has no digest channel set, so there was no digest to turn off. Nothing changed."
    );
}

#[tokio::test]
async fn a_restart_keeps_everything() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0ANA> pipeline review").await;
    app.coach("tz Asia/Tokyo").await;
    let app = app.restart().await;
    let text = app.coach("status").await.blocks_text();
    assert!(
        text.contains("<@U0ANA> — 45m this month · target 3h"),
        "{text}"
    );
    // The same fake Slack serves both runs: one lookup in all, from the first.
    assert_eq!(
        app.slack_calls("/api/users.info").await.len(),
        1,
        "time zone is remembered"
    );
    let answer = app.coach("tz").await;
    assert!(answer.text().contains("Asia/Tokyo"), "{}", answer.text());
}

#[tokio::test]
async fn a_slow_slack_still_gets_an_answer_in_time_and_the_real_one_follows() {
    let slack = fake_slack().await;
    let users_info = HeldUsersInfo::mount(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    // `users.info` is held while the answer's budget runs out on the app's
    // clock: the holding answer comes first (the budget itself is proven
    // on paused time in `inbound::answer`).
    let (answer, ()) = tokio::join!(app.coach("help"), async {
        users_info.asked().await;
        app.clock
            .set(friday_morning() + chrono::Duration::milliseconds(2500));
    });
    assert!(answer.text().contains("Working on it"), "{}", answer.text());
    users_info.release();
    let body = app.late_answer().await;
    assert_eq!(body["text"], "How to use /coach");
    assert_eq!(body["replace_original"], true);
}

#[tokio::test]
async fn a_rate_limited_time_zone_lookup_waits_out_retry_after_instead_of_failing() {
    let slack = fake_slack().await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(serde_json::json!({"ok": false, "error": "ratelimited"})),
        )
        .up_to_n_times(1)
        .mount(&slack)
        .await;
    mount_default_slack(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    let answer = app.coach("team add <@U0ANA>").await;
    assert!(
        answer.text().contains("<@U0ANA> joined your team"),
        "{}",
        answer.text()
    );
    assert_eq!(app.slack_calls("/api/users.info").await.len(), 2);
    // The second Slack asked for, waited on the app's (fixed) clock.
    assert_eq!(
        app.clock.now() - friday_morning(),
        chrono::Duration::seconds(1)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE slack_tz = 'Europe/Berlin'")
            .await,
        1
    );
}

#[tokio::test]
async fn slack_down_on_first_use_stores_nothing_and_apologises() {
    let slack = fake_slack().await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&slack)
        .await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    let answer = app.coach("team add <@U0ANA>").await;
    assert!(
        answer.text().contains("couldn't reach Slack"),
        "{}",
        answer.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 0);
    let help = app.coach("help").await;
    assert_eq!(help.text(), "How to use /coach");
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 0);
}

#[tokio::test]
async fn team_add_since_sets_the_join_day_so_a_new_manager_sees_the_whole_month() {
    let app = spawn_app().await;
    let answer = app.coach("team add <@U0ANA> since 2026-11-01").await;
    assert!(
        answer
            .text()
            .contains("<@U0ANA> is on your team since Sun 1 Nov."),
        "{}",
        answer.text()
    );
    app.coach("3h55m <@U0ANA> field observation").await;
    let status = app.coach("status").await.blocks_text();
    assert!(
        status.contains("<@U0ANA> — 3h 55m this month · target 3h · today's pace 2h 36m · :white_check_mark: on pace"),
        "{status}"
    );
    let team = app.coach("team").await.text();
    assert!(
        team.contains("Your team (1 rep): <@U0ANA> (since Sun 1 Nov)"),
        "{team}"
    );
    // The team started on the 1st but the manager only on the 27th: their
    // first day is not an overdue meeting.
    assert!(
        status.contains("No team meeting logged yet; you started with coachbot today."),
        "{status}"
    );
}

#[tokio::test]
async fn team_add_since_moves_the_join_day_of_a_rep_already_on_the_team() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    let answer = app.coach("team add <@U0ANA> since monday").await;
    assert!(
        answer
            .text()
            .contains("<@U0ANA>'s join day moved from Fri 27 Nov to Mon 23 Nov"),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0ANA' AND joined_on = '2026-11-23'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn team_add_since_takes_a_join_day_long_ago() {
    let app = spawn_app().await;
    let answer = app.coach("team add <@U0ANA> since 2025-01-01").await;
    assert!(
        answer
            .text()
            .contains("<@U0ANA> is on your team since Wed 1 Jan 2025."),
        "{}",
        answer.text()
    );
    let answer = app.coach("team add <@U0ANA> since 2024-06-03").await;
    assert!(
        answer
            .text()
            .contains("<@U0ANA>'s join day moved from Wed 1 Jan 2025 to Mon 3 Jun 2024"),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0ANA' AND joined_on = '2024-06-03'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_join_day_long_ago_still_never_overlaps_the_reps_time_on_another_team() {
    let app = spawn_app().await;
    app.coach_as(OTHER_BOSS, "team add <@U0ANA> since 2025-06-02")
        .await;
    app.coach_as(OTHER_BOSS, "team remove <@U0ANA>").await;

    let answer = app.coach("team add <@U0ANA> since 2025-01-01").await;

    assert!(
        answer.text().contains("<@U0ANA> was on <@U0OTHER>'s team until Fri 27 Nov, and a rep is on one team at a time: the earliest join day is Fri 27 Nov."),
        "{}",
        answer.text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE manager_id = 'U0BOSS'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_join_day_over_the_reps_earlier_time_on_your_own_team_calls_it_your_team() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA> since 2025-06-02").await;
    app.coach("team remove <@U0ANA>").await;

    let answer = app.coach("team add <@U0ANA> since 2025-01-01").await;

    assert_eq!(
        answer.text(),
        ":no_entry: <@U0ANA> was on your team before, until Fri 27 Nov, and a join day can't reach back into that time: the earliest join day is Fri 27 Nov."
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0ANA'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_session_before_a_reps_join_day_moves_it_back_and_says_so() {
    let app = spawn_app().await;
    let first = app.coach("team add <@U0ANA>").await.blocks_text();
    assert!(
        first.contains("If they were on your team before today, say since when: `/coach team add <@U0ANA> since 2026-11-01`."),
        "{first}"
    );
    let answer = app
        .coach("45m <@U0ANA> pipeline review on 2026-11-20")
        .await;
    let text = answer.blocks_text();
    assert!(
        text.contains(
            "<@U0ANA>'s join day moved back from Fri 27 Nov to Fri 20 Nov, the day of this session"
        ),
        "{text}"
    );
    assert!(
        text.contains("<@U0ANA> — 45m this month · target 1h 6m since joining Fri 20 Nov"),
        "{text}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0ANA' AND joined_on = '2026-11-20'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_session_on_a_day_the_rep_was_on_another_team_is_refused_naming_that_manager() {
    let app = spawn_app().await;
    let now = app.clock.now();
    app.clock
        .set("2026-11-02T09:00:00Z".parse().expect("instant"));
    app.coach_as(OTHER_BOSS, "team add <@U0ANA>").await;
    app.clock
        .set("2026-11-10T09:00:00Z".parse().expect("instant"));
    app.coach_as(OTHER_BOSS, "team remove <@U0ANA>").await;
    app.clock.set(now);
    app.coach("team add <@U0ANA>").await;

    let answer = app.coach("30m <@U0ANA> deal review on 2026-11-05").await;

    assert!(
        answer.text().contains("<@U0ANA> was on <@U0OTHER>'s team on Thu 5 Nov, so a session that day can't count for your team, and nothing was logged."),
        "{}",
        answer.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    // After the other stint ended, the join day can move back to it.
    let answer = app.coach("30m <@U0ANA> deal review on 2026-11-10").await;
    assert!(answer.text().contains("Logged"), "{}", answer.text());
}

#[tokio::test]
async fn two_entries_on_one_line_are_stored_as_two_answered_together_and_undone_together() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app
        .coach("45m <@U0ANA> pipeline review, 30m <@U0BEN> deal review")
        .await;
    let text = answer.blocks_text();
    assert!(text.contains("Logged 2 entries:"), "{text}");
    assert!(
        text.contains("• 45m of pipeline review with <@U0ANA> on Fri 27 Nov"),
        "{text}"
    );
    assert!(
        text.contains("• 30m of help with a deal with <@U0BEN> on Fri 27 Nov"),
        "{text}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM logs WHERE kind = 'session'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps r JOIN logs l ON l.id = r.log_id WHERE (r.rep_id = 'U0ANA' AND l.minutes = 45) OR (r.rep_id = 'U0BEN' AND l.minutes = 30)").await,
        2
    );
    let undone = app.coach("undo").await.text();
    assert!(
        undone.contains("Removed 2 entries: 45m of pipeline review with <@U0ANA> on Fri 27 Nov; 30m of help with a deal with <@U0BEN> on Fri 27 Nov"),
        "{undone}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn the_same_session_typed_twice_is_stored_with_a_warning_and_how_to_undo_it() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0ANA> pipeline review last friday").await;
    let answer = app.coach("45m <@U0ANA> forecast on 2026-11-20").await;
    let text = answer.blocks_text();
    assert!(
        text.contains(":warning: This looks like something you logged already: 45m of pipeline review with <@U0ANA> on Fri 20 Nov. If it's a repeat, `/coach undo` takes this one back."),
        "{text}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 2);
    let other = app.coach("30m <@U0ANA> forecast on 2026-11-20").await;
    assert!(!other.blocks_text().contains("looks like"), "{other:?}");
}

#[tokio::test]
async fn a_session_repeated_all_day_is_warned_about_naming_the_latest_three_only() {
    let app = spawn_app().await;
    with_team(&app).await;
    for note in ["one", "two", "three", "four", "five"] {
        app.coach(&format!("45m <@U0ANA> pipeline review {note}"))
            .await;
    }
    let answer = app
        .coach("45m <@U0ANA> pipeline review six")
        .await
        .blocks_text();
    let warning = answer
        .lines()
        .find(|line| line.contains("looks like something you logged already"))
        .unwrap_or_else(|| panic!("no warning in {answer}"));
    assert_eq!(
        warning
            .matches("45m of pipeline review with <@U0ANA>")
            .count(),
        3,
        "{warning}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 6);
}

#[tokio::test]
async fn the_time_zone_example_is_never_the_managers_own_zone() {
    let app = spawn_app().await;
    let answer = app.coach("tz").await.blocks_text();
    assert!(
        answer.contains("Your time zone is Europe/Berlin"),
        "{answer}"
    );
    assert!(answer.contains("`/coach tz America/New_York`"), "{answer}");
    assert!(!answer.contains("`/coach tz Europe/Berlin`"), "{answer}");
}

#[tokio::test]
async fn spoken_times_and_filler_are_understood_end_to_end() {
    let app = spawn_app().await;
    with_team(&app).await;
    let answer = app
        .coach("forgot to log monday an hour and a half <@U0ANA> objection handling")
        .await;
    assert!(
        answer
            .text()
            .contains("Logged 1h 30m of learning a skill with <@U0ANA> on Mon 23 Nov."),
        "{}",
        answer.text()
    );
    let note: String = app.db().await.value("SELECT note FROM logs", &[]).await;
    assert_eq!(note, "objection handling");
}
