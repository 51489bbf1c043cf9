//! Team changes that keep the past, end to end: `team remove` (today or on
//! an earlier day), adding back and moving a rep on the same day, sessions
//! after a rep left, and `undo`, Delete and Edit taking back team changes
//! and the join days a session moved.

use coachbot::app::forms::Submission;
use coachbot::app::Pressed;
use coachbot::domain::{EntryId, EntryKind, SlackUserId, WorkspaceId};

use crate::helpers::*;

/// Ana and Ben join on 1 November; the clock then goes back to Friday 27.
async fn with_team(app: &TestApp) {
    let now = app.clock.now();
    app.clock
        .set("2026-11-01T09:00:00Z".parse().expect("instant"));
    app.coach("team add <@U0ANA> <@U0BEN>").await;
    app.clock.set(now);
}

/// The rep's stints: (manager, joined, left), oldest first.
async fn stints(app: &TestApp, rep: &str) -> Vec<(String, String, Option<String>)> {
    app.db()
        .await
        .rows(
            "SELECT manager_id, CAST(joined_on AS TEXT), CAST(left_on AS TEXT) FROM memberships
             WHERE rep_id = $1 ORDER BY joined_on",
            &[rep.into()],
        )
        .await
}

fn stint(manager: &str, joined: &str, left: Option<&str>) -> (String, String, Option<String>) {
    (manager.into(), joined.into(), left.map(String::from))
}

/// The report's line for a rep.
async fn report_line(app: &TestApp, rep: &str) -> String {
    let text = app.coach("report").await.blocks_text();
    text.lines()
        .find(|line| line.contains(rep))
        .unwrap_or_else(|| panic!("no {rep} in {text}"))
        .to_string()
}

async fn check_is_green(app: &TestApp) {
    let run = run_binary(app, &["check"]).await;
    assert!(run.success, "coachbot check: {}{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn removing_a_rep_on_a_day_with_a_team_meeting_keeps_that_meeting_for_them() {
    let app = spawn_app().await;
    with_team(&app).await;
    let logged = app.coach("meeting 1h stuck deals").await;
    assert!(
        logged.text().contains("counts for 2 reps"),
        "{}",
        logged.text()
    );

    let answer = app.coach("team remove <@U0BEN>").await;

    assert!(
        answer
            .text()
            .contains("<@U0BEN> leaves your team at the end of today"),
        "{}",
        answer.text()
    );
    assert_eq!(
        stints(&app, "U0BEN").await,
        [stint(BOSS, "2026-11-01", Some("2026-11-28"))]
    );
    let line = report_line(&app, "<@U0BEN>").await;
    assert!(line.contains("1h meetings"), "{line}");
    check_is_green(&app).await;
}

#[tokio::test]
async fn a_mistaken_remove_is_taken_back_by_undo_and_not_the_line_before_it() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("meeting 1h stuck deals").await;
    app.coach("team remove <@U0BEN>").await;

    let answer = app.coach("undo").await;

    assert_eq!(
        answer.text(),
        "Took back removing <@U0BEN>: they are on your team again, since Sun 1 Nov."
    );
    assert_eq!(
        stints(&app, "U0BEN").await,
        [stint(BOSS, "2026-11-01", None)]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 1);
    // The next undo takes back the meeting.
    let answer = app.coach("undo").await;
    assert!(answer.text().contains("Removed"), "{}", answer.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
}

#[tokio::test]
async fn adding_a_rep_back_the_day_they_were_removed_keeps_their_month() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0BEN> pipeline review").await;
    app.coach("team remove <@U0BEN>").await;

    let answer = app.coach("team add <@U0BEN>").await;

    assert!(
        answer
            .text()
            .contains("<@U0BEN> is back on your team, as if they had not left: since Sun 1 Nov."),
        "{}",
        answer.text()
    );
    assert_eq!(
        stints(&app, "U0BEN").await,
        [stint(BOSS, "2026-11-01", None)]
    );
    let status = app.coach("status").await.blocks_text();
    assert!(!status.contains("since joining"), "{status}");
    check_is_green(&app).await;
}

#[tokio::test]
async fn a_session_for_a_day_a_rep_was_on_the_team_is_logged_after_they_left() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("team remove <@U0BEN> on 2026-11-20").await;

    let answer = app.coach("30m <@U0BEN> deal review on 2026-11-10").await;

    assert!(answer.text().contains("Logged"), "{}", answer.text());
    let text = answer.blocks_text();
    assert!(text.contains("<@U0BEN> — 30m this month"), "{text}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM log_reps WHERE rep_id = 'U0BEN'")
            .await,
        1
    );
    // A day after they left is still refused.
    let answer = app.coach("30m <@U0BEN> deal review on 2026-11-21").await;
    assert!(!answer.text().contains("Logged"), "{}", answer.text());
    check_is_green(&app).await;
}

#[tokio::test]
async fn team_remove_on_an_earlier_day_records_when_the_rep_left() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0ANA> pipeline review on 2026-11-16")
        .await;
    app.coach("meeting 1h stuck deals on 2026-11-20").await;

    let answer = app
        .coach("team remove <@U0ANA> <@U0BEN> on 2026-11-20")
        .await;

    assert_eq!(
        answer.text(),
        "<@U0ANA> left your team; their last day on it was Fri 20 Nov; their past coaching stays in the records.\n<@U0BEN> left your team; their last day on it was Fri 20 Nov; their past coaching stays in the records."
    );
    assert_eq!(
        stints(&app, "U0ANA").await,
        [stint(BOSS, "2026-11-01", Some("2026-11-21"))]
    );
    check_is_green(&app).await;
}

#[tokio::test]
async fn another_manager_adding_a_rep_whose_stint_ends_today_gets_them_from_tomorrow() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("45m <@U0BEN> pipeline review").await;
    app.coach("team remove <@U0BEN>").await;

    let answer = app.coach_as(OTHER_BOSS, "team add <@U0BEN>").await;

    assert!(
        answer.text().contains(
            "<@U0BEN>'s time on <@U0BOSS>'s team ends today, so they join your team tomorrow, Sat 28 Nov."
        ),
        "{}",
        answer.text()
    );
    assert_eq!(
        stints(&app, "U0BEN").await,
        [
            stint(BOSS, "2026-11-01", Some("2026-11-28")),
            stint(OTHER_BOSS, "2026-11-28", None)
        ]
    );
    // Taking back the remove now would put Ben on two teams.
    app.coach("undo").await;
    let answer = app.coach("undo").await;
    assert!(
        answer
            .text()
            .contains("<@U0BEN> on your team while they are on <@U0OTHER>'s"),
        "{}",
        answer.text()
    );
    check_is_green(&app).await;
}

#[tokio::test]
async fn undo_takes_back_a_team_add_since_and_a_remove_that_erased_a_stint() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("team add <@U0ANA> since 2026-10-15").await;
    app.coach("team add <@U0CY>").await;
    let answer = app.coach("team remove <@U0CY>").await;
    assert!(
        answer.text().contains("leaves no trace"),
        "{}",
        answer.text()
    );
    assert!(stints(&app, "U0CY").await.is_empty());

    let answer = app.coach("undo").await;
    assert_eq!(
        answer.text(),
        "Took back removing <@U0CY>: they are on your team again, since Fri 27 Nov."
    );
    app.coach("undo").await;
    assert!(stints(&app, "U0CY").await.is_empty());
    let answer = app.coach("undo").await;
    assert_eq!(
        answer.text(),
        "Took back <@U0ANA>'s join day change: it is Sun 1 Nov again."
    );
    assert_eq!(
        stints(&app, "U0ANA").await,
        [stint(BOSS, "2026-11-01", None)]
    );
}

fn boss() -> (WorkspaceId, SlackUserId) {
    (
        WorkspaceId::parse(WORKSPACE).expect("team"),
        SlackUserId::parse(BOSS).expect("boss"),
    )
}

/// The edit form of a 30-minute deal review with `rep`, submitted with
/// another day.
fn deal_review_moved(entry: EntryId, rep: &str, day: &str) -> Submission {
    Submission {
        kind: EntryKind::Session,
        editing: Some(entry),
        reps: vec![rep.into()],
        minutes: Some("30".into()),
        activity: Some("deal".into()),
        day: Some(day.into()),
        topics: Vec::new(),
        note: None,
    }
}

async fn entry_id(app: &TestApp, day: &str) -> EntryId {
    let id: i64 = app
        .db()
        .await
        .value(
            "SELECT id FROM logs WHERE CAST(held_on AS TEXT) = $1",
            &[day.into()],
        )
        .await;
    EntryId::new(id)
}

#[tokio::test]
async fn undo_delete_and_an_edit_to_a_later_day_take_back_a_join_day_move() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    let joined = || async { stints(&app, "U0ANA").await[0].1.clone() };

    // Undo.
    app.coach("45m <@U0ANA> pipeline review on 2026-11-20")
        .await;
    assert_eq!(joined().await, "2026-11-20");
    let answer = app.coach("undo").await;
    assert!(
        answer
            .text()
            .ends_with("<@U0ANA>'s join day is Fri 27 Nov again."),
        "{}",
        answer.text()
    );
    assert_eq!(joined().await, "2026-11-27");

    // Delete: to the earliest session left before the original day.
    app.coach("45m <@U0ANA> pipeline review on 2026-11-20, 30m <@U0ANA> deal review on 2026-11-24")
        .await;
    assert_eq!(joined().await, "2026-11-20");
    let (workspace, user) = boss();
    let first = entry_id(&app, "2026-11-20").await;
    app.ctx
        .press(&workspace, &user, Pressed::Delete(first))
        .await;
    assert_eq!(joined().await, "2026-11-24");

    // An edit to a later day.
    let second = entry_id(&app, "2026-11-24").await;
    let edit = deal_review_moved(second, "U0ANA", "2026-11-27");
    app.ctx.submit(&workspace, &user, edit).await;
    assert_eq!(joined().await, "2026-11-27");
    check_is_green(&app).await;
}

#[tokio::test]
async fn a_join_day_set_with_team_add_since_after_the_move_is_left_alone() {
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    app.coach("45m <@U0ANA> pipeline review on 2026-11-20")
        .await;
    app.coach("team add <@U0ANA> since 2026-11-02").await;
    let (workspace, user) = boss();
    let entry = entry_id(&app, "2026-11-20").await;

    app.ctx
        .press(&workspace, &user, Pressed::Delete(entry))
        .await;

    assert_eq!(
        stints(&app, "U0ANA").await,
        [stint(BOSS, "2026-11-02", None)]
    );
}

#[tokio::test]
async fn undo_of_a_team_add_is_refused_while_coaching_is_logged_in_that_stint() {
    let app = spawn_app().await;
    app.coach("team add <@U0CY> since 2026-11-01").await;
    app.coach("30m <@U0CY> deal review on 2026-11-05").await;
    app.coach("team remove <@U0CY> on 2026-11-10").await;
    app.coach("team add <@U0CY>").await;
    // An edit, which undo never takes back, moves the session into the new stint.
    let (workspace, user) = boss();
    let edit = deal_review_moved(entry_id(&app, "2026-11-05").await, "U0CY", "2026-11-27");
    app.ctx.submit(&workspace, &user, edit).await;

    let answer = app.coach("undo").await;

    assert_eq!(
        answer.text(),
        ":no_entry: I can't take back adding <@U0CY>: you have coaching with them logged on Fri 27 Nov. Delete that entry first; nothing changed."
    );
    assert_eq!(
        stints(&app, "U0CY").await,
        [
            stint(BOSS, "2026-11-01", Some("2026-11-10")),
            stint(BOSS, "2026-11-27", None)
        ]
    );
    check_is_green(&app).await;
}

#[tokio::test]
async fn a_team_meeting_held_while_a_rep_was_away_from_the_team_does_not_count_for_them() {
    let app = spawn_app().await;
    with_team(&app).await;
    app.coach("team remove <@U0BEN> on 2026-11-10").await;
    app.coach("team add <@U0BEN>").await;
    assert_eq!(stints(&app, "U0BEN").await.len(), 2);

    let logged = app.coach("meeting 1h stuck deals on 2026-11-15").await;

    assert!(
        logged.text().contains("it counts for 1 rep."),
        "{}",
        logged.text()
    );
    let line = report_line(&app, "<@U0BEN>").await;
    assert!(!line.contains("meetings"), "{line}");
    let line = report_line(&app, "<@U0ANA>").await;
    assert!(line.contains("1h meetings"), "{line}");
}

#[tokio::test]
async fn deleting_the_one_session_of_a_rep_who_left_before_their_first_join_day_erases_their_stint()
{
    let app = spawn_app().await;
    app.coach("team add <@U0ANA>").await;
    app.coach("45m <@U0ANA> pipeline review on 2026-11-20")
        .await;
    app.coach("team remove <@U0ANA> on 2026-11-24").await;
    assert_eq!(
        stints(&app, "U0ANA").await,
        [stint(BOSS, "2026-11-20", Some("2026-11-24"))]
    );
    let (workspace, user) = boss();
    let entry = entry_id(&app, "2026-11-20").await;

    let answer = app
        .ctx
        .press(&workspace, &user, Pressed::Delete(entry))
        .await;

    // Without the session she was on the team no day at all: added today,
    // and left before it.
    assert!(
        matches!(answer.reply, coachbot::app::Reply::Deleted(_)),
        "{answer:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM logs").await, 0);
    assert_eq!(stints(&app, "U0ANA").await, []);
    check_is_green(&app).await;
}
