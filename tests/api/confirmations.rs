//! Reps confirm their 1:1s (`coaching.ask_reps_to_confirm`): the question
//! DM'd to the rep, a dispute that stops the minutes counting, the manager
//! told once, Keep restoring them, and an edit asking again.

use chrono::{DateTime, Utc};
use coachbot::scheduler::tick;
use coachbot::store::{MessageKind, NewReminder};
use serde_json::{json, Value};

use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::{button, text_of};
use crate::taken_back::{last_update, last_view};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

pub(crate) async fn spawn_asking_app() -> (TestApp, FakePosts) {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let app = spawn_app_with(
        slack,
        friday_morning(),
        &[("COACHBOT__COACHING__ASK_REPS_TO_CONFIRM", "true")],
    )
    .await;
    (app, posts)
}

/// A scheduler pass a minute after `minute` past 10:00 UTC on Friday.
pub(crate) async fn pass(app: &TestApp, minute: u32) {
    tick(
        &app.ctx,
        at(&format!("2026-11-27T10:{minute:02}:00Z")),
        &Default::default(),
    )
    .await
    .expect("ticks");
}

/// The messages delivered to `who` so far.
pub(crate) fn to(posts: &FakePosts, who: &str) -> Vec<PostCall> {
    posts
        .delivered()
        .into_iter()
        .filter(|post| post.channel() == who)
        .collect()
}

pub(crate) async fn ana_this_month(app: &TestApp) -> String {
    let status = app.coach("status").await.blocks_text();
    status
        .lines()
        .find(|line| line.contains("<@U0ANA>"))
        .unwrap_or_default()
        .to_string()
}

/// A press by `user` on a DM the bot sent them.
pub(crate) fn press_in_dm(user: &str, post: &PostCall, label: &str) -> Value {
    let blocks = post.body["blocks"].clone();
    let (action_id, value) = button(&blocks, label);
    let mut payload = press_on_bot_message(user, &action_id, value.as_deref(), &blocks);
    payload["container"]["channel_id"] = json!(user);
    payload
}

/// The boss edits the one session to an hour, from the Home tab's menu.
async fn edit_to_an_hour(app: &TestApp) {
    let entry: i64 = app.count("SELECT id FROM logs").await;
    app.interact(&press_on_home(
        BOSS,
        "menu:0",
        None,
        Some(&format!("edit_entry={entry}")),
    ))
    .await;
    let form = last_view(app).await;
    let saved: Value = app
        .interact(&submission(
            &form,
            "V0VIEW1",
            session_values(&["U0ANA"], "60", "pipeline", "2026-11-27", ""),
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(saved["response_action"], "update", "{saved}");
}

/// The boss logs 45 minutes with Ana, Ana says it didn't happen, and the
/// boss is told: the question and the notice.
async fn a_dispute(app: &TestApp, posts: &FakePosts) -> (PostCall, PostCall) {
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    pass(app, 1).await;
    let question = to(posts, "U0ANA")[0].clone();
    app.interact(&press_in_dm("U0ANA", &question, "That didn't happen"))
        .await;
    pass(app, 2).await;
    (question, to(posts, BOSS)[0].clone())
}

#[tokio::test]
async fn a_dispute_stops_the_minutes_counting_the_manager_is_told_once_and_keep_restores_them() {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review, secret margin numbers")
        .await;

    // The rep is asked: who, what, how long, which day; never the note.
    pass(&app, 1).await;
    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 1);
    let question = asked[0].text();
    assert!(question.contains("<@U0BOSS> logged a 1:1 with you: 45m of pipeline review on Fri 27 Nov. Did it happen, and did it help?"), "{question}");
    assert!(
        !asked[0].body.to_string().contains("secret"),
        "the note reached the rep"
    );
    assert!(ana_this_month(&app).await.contains("45m this month"));

    // "That didn't happen": the minutes stop counting at once.
    app.interact(&press_in_dm("U0ANA", &asked[0], "That didn't happen"))
        .await;
    assert!(
        ana_this_month(&app).await.contains("0m this month"),
        "{}",
        ana_this_month(&app).await
    );
    app.follow_ups_settled().await;
    let updated = app.slack_bodies("/api/chat.update").await;
    assert!(
        text_of(&updated[0]["blocks"]).contains("It no longer counts toward your month"),
        "{}",
        updated[0]
    );
    assert!(
        crate::interactions::buttons(&updated[0]["blocks"]).is_empty(),
        "both answers are gone"
    );

    // The manager is told, once, however many passes and presses follow.
    pass(&app, 2).await;
    pass(&app, 3).await;
    app.interact(&press_in_dm("U0ANA", &asked[0], "That didn't happen"))
        .await;
    pass(&app, 4).await;
    let told = to(&posts, "U0BOSS");
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0].text().contains("<@U0ANA> says this 1:1 didn't happen: 45m of pipeline review with <@U0ANA> on Fri 27 Nov."),
        "{}",
        told[0].text()
    );
    let report = app.coach("report").await.blocks_text();
    assert!(
        report.contains("<@U0ANA> — 0 confirmed · 1 disputed, not counted"),
        "{report}"
    );

    // Keep: it counts again, and a second Keep changes nothing.
    app.interact(&press_in_dm(BOSS, &told[0], "Keep it")).await;
    assert!(ana_this_month(&app).await.contains("45m this month"));
    app.interact(&press_in_dm(BOSS, &told[0], "Keep it")).await;
    app.follow_ups_settled().await;
    let updated = app.slack_bodies("/api/chat.update").await;
    assert!(text_of(updated.last().expect("an update")).contains("You kept this session already"));
    let export = run_binary(&app, &["export", "--month", "2026-11"]).await;
    assert!(
        export.stdout.trim_end().ends_with(",kept"),
        "{}",
        export.stdout
    );
    let run = run_binary(&app, &["check"]).await;
    assert!(run.success, "{}{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn it_helped_is_recorded_once_and_an_edit_asks_again() {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    pass(&app, 1).await;
    let asked = to(&posts, "U0ANA");

    app.interact(&press_in_dm("U0ANA", &asked[0], "It helped"))
        .await;
    app.interact(&press_in_dm("U0ANA", &asked[0], "That didn't happen"))
        .await;

    // The first word stands: still counted, nobody disputed anything.
    assert!(ana_this_month(&app).await.contains("45m this month"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE confirmation = 'helped'")
            .await,
        1
    );
    pass(&app, 2).await;
    assert!(to(&posts, "U0BOSS").is_empty());

    // Edited to 60 minutes: the rep is asked again about the new session,
    // and the old question says it is out of date.
    edit_to_an_hour(&app).await;
    pass(&app, 3).await;
    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 2);
    assert!(
        asked[1].text().contains("1h of pipeline review"),
        "{}",
        asked[1].text()
    );
    app.interact(&press_in_dm("U0ANA", &asked[0], "It helped"))
        .await;
    app.follow_ups_settled().await;
    let updated = app.slack_bodies("/api/chat.update").await;
    assert!(text_of(updated.last().expect("an update")).contains("this question is out of date"));
}

#[tokio::test]
async fn without_the_setting_nobody_is_asked() {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    let posts = FakePosts::mount(&slack).await;
    let app = spawn_app_with(slack, friday_morning(), &[]).await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;

    pass(&app, 1).await;

    assert!(to(&posts, "U0ANA").is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE confirmation = 'none' AND notify IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn an_edited_disputed_session_stays_out_of_the_count_until_the_rep_answers_the_new_question()
{
    let (app, posts) = spawn_asking_app().await;
    a_dispute(&app, &posts).await;

    edit_to_an_hour(&app).await;

    assert!(
        ana_this_month(&app).await.contains("0m this month"),
        "{}",
        ana_this_month(&app).await
    );
    pass(&app, 3).await;
    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 2, "asked about the edit: {asked:#?}");
    assert!(
        asked[1].text().contains("1h of pipeline review"),
        "{}",
        asked[1].text()
    );
    let report = app.coach("report").await.blocks_text();
    assert!(report.contains("1 disputed, not counted"), "{report}");

    app.interact(&press_in_dm("U0ANA", &asked[1], "It helped"))
        .await;

    assert!(
        ana_this_month(&app).await.contains("1h this month"),
        "{}",
        ana_this_month(&app).await
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE confirmation = 'helped'")
            .await,
        1
    );
}

#[tokio::test]
async fn keep_and_delete_on_the_notice_from_before_an_edit_still_act_on_the_entry() {
    let (app, posts) = spawn_asking_app().await;
    let (_, notice) = a_dispute(&app, &posts).await;
    edit_to_an_hour(&app).await;
    pass(&app, 3).await;

    // Keep: it counts again, and the question about the edit stays open.
    app.interact(&press_in_dm(BOSS, &notice, "Keep it")).await;
    assert!(last_update(&app)
        .await
        .contains("Kept 1h of pipeline review"));
    assert!(ana_this_month(&app).await.contains("1h this month"));

    // Ana says the edited session didn't happen either: the boss is told
    // again, and Delete on the first notice takes the session away.
    let asked = to(&posts, "U0ANA");
    app.interact(&press_in_dm("U0ANA", &asked[1], "That didn't happen"))
        .await;
    assert!(ana_this_month(&app).await.contains("0m this month"));
    pass(&app, 4).await;
    assert_eq!(to(&posts, BOSS).len(), 2, "told of both disputes");
    app.interact(&press_in_dm(BOSS, &notice, "Delete it")).await;
    assert!(
        last_update(&app).await.contains("Deleted"),
        "{}",
        last_update(&app).await
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn with_confirmations_since_turned_off_an_edited_dispute_waits_for_the_managers_keep() {
    let (app, posts) = spawn_asking_app().await;
    let (_, notice) = a_dispute(&app, &posts).await;
    // Restarted without the setting: reps are no longer asked.
    let app = app.restart().await;

    edit_to_an_hour(&app).await;
    pass(&app, 3).await;

    assert!(ana_this_month(&app).await.contains("0m this month"));
    assert_eq!(to(&posts, "U0ANA").len(), 1, "nobody asked again");
    app.interact(&press_in_dm(BOSS, &notice, "Keep it")).await;
    assert!(ana_this_month(&app).await.contains("1h this month"));
}

#[tokio::test]
async fn a_dispute_notice_still_to_go_out_when_the_session_is_edited_still_goes_then_the_question()
{
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    pass(&app, 1).await;
    let question = to(&posts, "U0ANA")[0].clone();
    app.interact(&press_in_dm("U0ANA", &question, "That didn't happen"))
        .await;

    // Edited before a pass turned the dispute into a notice.
    edit_to_an_hour(&app).await;
    pass(&app, 2).await;
    pass(&app, 3).await;

    let told = to(&posts, BOSS);
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(told[0].text().contains("says this 1:1 didn't happen"));
    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 2, "{asked:#?}");
    assert!(asked[1].text().contains("1h of pipeline review"));
    assert!(ana_this_month(&app).await.contains("0m this month"));
}

#[tokio::test]
async fn a_question_read_before_an_edit_is_not_stored_and_the_edit_is_asked_about() {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review").await;
    let read = app.ctx.store.pending_notices(10).await.expect("notices");
    assert_eq!(read.len(), 1);

    // The edit lands between a pass's read and its write.
    edit_to_an_hour(&app).await;
    let stale = NewReminder {
        workspace: read[0].workspace.clone(),
        kind: MessageKind::ConfirmAsk,
        recipient: "U0ANA".to_string(),
        local_date: at("2026-11-27T10:00:00Z").date_naive(),
        subject: format!("{}.0.U0ANA", read[0].entry.id),
        message: Some(json!({ "channel": "U0ANA", "text": "45m?" }).to_string()),
        summary: "asked about revision 0".to_string(),
        expires_at: at("2026-11-29T10:00:00Z"),
    };
    app.ctx
        .store
        .store_notice(&read[0], &stale, at("2026-11-27T10:00:30Z"))
        .await
        .expect("stored");
    pass(&app, 1).await;

    let asked = to(&posts, "U0ANA");
    assert_eq!(asked.len(), 1, "{asked:#?}");
    assert!(
        asked[0].text().contains("1h of pipeline review"),
        "{}",
        asked[0].text()
    );
}

#[tokio::test]
async fn deleting_a_disputed_session_that_moved_the_join_day_back_moves_it_forward_again() {
    let (app, posts) = spawn_asking_app().await;
    app.coach("team add <@U0ANA>").await;
    let logged = app
        .coach("45m <@U0ANA> pipeline review on 2026-11-20")
        .await;
    assert!(logged.text().contains("Logged"), "{logged:?}");
    let joined = || async {
        let records = app.db().await;
        let day: String = records
            .value(
                "SELECT CAST(joined_on AS TEXT) FROM memberships WHERE rep_id = 'U0ANA'",
                &[],
            )
            .await;
        records.close().await;
        day
    };
    assert_eq!(
        joined().await,
        "2026-11-20",
        "the 1:1 moved the join day back"
    );
    pass(&app, 1).await;
    let question = to(&posts, "U0ANA")[0].clone();
    app.interact(&press_in_dm("U0ANA", &question, "That didn't happen"))
        .await;
    pass(&app, 2).await;
    let notice = to(&posts, BOSS)[0].clone();

    app.interact(&press_in_dm(BOSS, &notice, "Delete it")).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    assert_eq!(
        joined().await,
        "2026-11-27",
        "as if it had never been logged"
    );
    let run = run_binary(&app, &["check"]).await;
    assert!(run.success, "{}{}", run.stdout, run.stderr);
}
