//! The App Home tab end to end: `app_home_opened` in, the view published to
//! the fake Slack, and every button the tab shows pressed as a new manager
//! would.

use serde_json::{json, Value};

use crate::helpers::payloads::*;
use crate::helpers::*;
use crate::interactions::{buttons, text_of};

/// The app with views, posts and channels on the fake Slack.
async fn spawn_home_app() -> TestApp {
    let slack = fake_slack().await;
    mount_users_info(&slack).await;
    mount_views_and_updates(&slack).await;
    mount_channels(&slack).await;
    FakePosts::mount(&slack).await;
    spawn_app_with(slack, friday_morning(), &[]).await
}

/// Opens the Home tab as `user` and returns the view published for them.
pub(crate) async fn open_home(app: &TestApp, user: &str, event_id: &str) -> Value {
    app.follow_ups_settled().await;
    let before = app.slack_bodies("/api/views.publish").await.len();
    let response = app.event(&app_home_opened(user, event_id), None).await;
    assert_eq!(response.status().as_u16(), 200);
    app.follow_ups_settled().await;
    let published = app.slack_bodies("/api/views.publish").await;
    assert_eq!(published.len(), before + 1, "one view published");
    let last = published.last().expect("a view").clone();
    assert_eq!(last["user_id"], user);
    assert_eq!(last["view"]["type"], "home");
    within_limits(&last["view"]);
    last["view"].clone()
}

/// What Slack checks of a Home tab: 100 blocks, and every text, button and
/// menu within Block Kit's limits.
fn within_limits(view: &Value) {
    let blocks = view["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= 100, "{} blocks", blocks.len());
    let chars = |v: &Value| v.as_str().map_or(0, |t| t.chars().count());
    for block in blocks {
        assert!(chars(&block["text"]["text"]) <= 3000, "{block}");
        if block["type"] == "header" {
            assert!(chars(&block["text"]["text"]) <= 150, "{block}");
        }
        let elements: Vec<&Value> = block["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(block.get("accessory"))
            .collect();
        assert!(elements.len() <= 25, "{block}");
        for element in elements {
            assert!(
                chars(&element["text"]["text"]) <= 75 || element["type"] != "button",
                "{element}"
            );
            assert!(chars(&element["value"]) <= 2000, "{element}");
            assert!(chars(&element["action_id"]) <= 255, "{element}");
            for option in element["options"].as_array().into_iter().flatten() {
                assert!(chars(&option["value"]) <= 150, "{option}");
                assert!(chars(&option["text"]["text"]) <= 75, "{option}");
            }
        }
    }
}

/// The "⋯" menu options of the block whose text holds `text`.
fn menu_of(view: &Value, text: &str) -> (String, Vec<(String, String)>) {
    let block = view["blocks"]
        .as_array()
        .and_then(|blocks| {
            blocks.iter().find(|b| {
                b["text"]["text"].as_str().is_some_and(|t| t.contains(text))
                    && b["accessory"]["type"] == "overflow"
            })
        })
        .unwrap_or_else(|| panic!("no menu beside {text:?} in {view}"));
    let menu = &block["accessory"];
    let options = menu["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["text"]["text"].as_str().unwrap_or_default().to_string(),
                o["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (
        menu["action_id"].as_str().unwrap_or_default().to_string(),
        options,
    )
}

fn option<'a>(options: &'a [(String, String)], label: &str) -> &'a str {
    &options
        .iter()
        .find(|(shown, _)| shown == label)
        .unwrap_or_else(|| panic!("no {label} in {options:?}"))
        .1
}

/// The button labelled `label` anywhere in the view.
fn home_button(view: &Value, label: &str) -> (String, Option<String>) {
    buttons(&view["blocks"])
        .into_iter()
        .find(|(_, _, shown)| shown == label)
        .map(|(id, value, _)| (id, value))
        .unwrap_or_else(|| panic!("no {label} button in {view}"))
}

/// Presses a Home button and returns the modal it opened.
async fn press(app: &TestApp, action: &(String, Option<String>)) -> Value {
    let before = app.slack_bodies("/api/views.open").await.len();
    let response = app
        .interact(&press_on_home(BOSS, &action.0, action.1.as_deref(), None))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let opened = app.slack_bodies("/api/views.open").await;
    assert_eq!(opened.len(), before + 1, "the button opened a form");
    assert_eq!(opened[before]["trigger_id"], "trigger-from-home");
    opened[before]["view"].clone()
}

#[tokio::test]
async fn someone_new_sees_what_coachbot_is_for_and_one_button_that_adds_their_reps() {
    let app = spawn_home_app().await;

    let view = open_home(&app, "U0NEWBIE", "Ev0NEW").await;

    let text = text_of(&view["blocks"]);
    assert!(
        text.contains(
            "about 3h a month of one-on-one coaching and team meetings reach 107% of target"
        ),
        "{text}"
    );
    assert!(text.contains("Your target: 3h per rep per month"), "{text}");
    let add = home_button(&view, "Add your reps");
    let form = press(&app, &add).await;
    assert_eq!(form["callback_id"], "add_reps");
    // Opening the tab set nobody up: no manager row until they act.
    assert_eq!(app.count("SELECT COUNT(*) FROM managers").await, 0);

    // They add two reps from the form; the tab shows the new team.
    let answer: Value = app
        .interact(&submission_by(
            "U0NEWBIE",
            &form,
            "V0VIEW1",
            json!({
                "reps": { "reps": { "type": "multi_users_select", "selected_users": ["U0ANA", "U0BEN"] } },
                "day": { "day": { "type": "datepicker", "selected_date": "2026-11-02" } }
            }),
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert!(
        text_of(&answer["view"]).contains("<@U0ANA> is on your team since Mon 2 Nov"),
        "{answer}"
    );
    app.follow_ups_settled().await;
    let republished = app.slack_bodies("/api/views.publish").await;
    let tab = &republished.last().expect("the tab again")["view"];
    assert!(
        text_of(&tab["blocks"]).contains("*Your team* · 2 reps"),
        "{tab}"
    );
}

#[tokio::test]
async fn a_team_of_three_sees_their_month_meeting_reminders_entries_team_and_settings() {
    let app = spawn_home_app().await;
    app.coach("team add <@U0ANA> <@U0BEN> <@U0CAL> since 2026-11-01")
        .await;
    app.coach("2h <@U0ANA> pipeline review").await;
    app.coach("meeting 30m stuck deals on 2026-11-23").await;

    let view = open_home(&app, BOSS, "Ev0THREE").await;

    let text = text_of(&view["blocks"]);
    assert!(text.contains("Your coaching — November 2026"), "{text}");
    // 26 of 30 days gone: today's pace is 2h 36m.
    assert!(
        text.contains("`▓▓▓▓▓▓▓▓░░` <@U0ANA> — 2h 30m of 3h"),
        "{text}"
    );
    assert!(
        text.contains("`▓░░░░░░░░░` <@U0BEN> — 30m of 3h · :warning: 2h 6m behind today's pace"),
        "{text}"
    );
    assert!(
        text.contains("Last team meeting 4 days ago. Next one due Mon 30 Nov."),
        "{text}"
    );
    assert!(text.contains("Next meeting check Mon 30 Nov at 09:00 · pace check Wed 2 Dec at 09:00, Europe/Berlin time."), "{text}");
    let (_, entry) = menu_of(&view, "2h of pipeline review with <@U0ANA>");
    assert_eq!(
        entry
            .iter()
            .map(|(label, _)| label.as_str())
            .collect::<Vec<_>>(),
        ["Edit", "Delete"]
    );
    let (_, rep) = menu_of(&view, "<@U0CAL> — on your team since Sun 1 Nov");
    assert_eq!(
        rep.iter()
            .map(|(label, _)| label.as_str())
            .collect::<Vec<_>>(),
        ["Change join day", "Remove from team"]
    );
    assert!(
        text.contains("Time zone: Europe/Berlin (from your Slack profile)"),
        "{text}"
    );
    assert!(text.contains("Reminders: on"), "{text}");
    assert!(text.contains("Team digest: off"), "{text}");
}

#[tokio::test]
async fn a_team_of_sixty_fits_in_a_hundred_blocks_and_says_who_is_left_out() {
    let app = spawn_home_app().await;
    let reps: Vec<String> = (0..60).map(|i| format!("<@U0REP{i:03}>")).collect();
    let answer = app
        .coach(&format!("team add {} since 2026-11-01", reps.join(" ")))
        .await;
    assert!(answer.text().contains("on your team since"), "{answer:?}");
    for i in 0..10 {
        app.coach(&format!("30m <@U0REP{i:03}> deal review")).await;
    }

    let view = open_home(&app, BOSS, "Ev0SIXTY").await;

    let text = text_of(&view["blocks"]);
    assert!(text.contains("0 of 60 reps on pace"), "{text}");
    assert!(
        text.contains("…and 30 more: 0 on pace, 30 behind. `/coach status` lists everyone."),
        "{text}"
    );
    assert!(
        text.contains("…and 40 more. `/coach team` lists everyone"),
        "{text}"
    );
}

#[tokio::test]
async fn a_rep_sees_their_own_month_with_each_managers_sessions() {
    let app = spawn_home_app().await;
    app.coach("team add <@U0ANA> since 2026-11-01").await;
    app.coach("45m <@U0ANA> pipeline review, secret numbers")
        .await;

    let view = open_home(&app, "U0ANA", "Ev0REP").await;

    let text = text_of(&view["blocks"]);
    assert!(
        text.contains("*45m* of 3h this month, with <@U0BOSS>'s team"),
        "{text}"
    );
    assert!(
        text.contains("*1:1s with <@U0BOSS>*\n• Fri 27 Nov — 45m of pipeline review"),
        "{text}"
    );
    assert!(
        !text.contains("secret"),
        "a manager's note leaked to the rep: {text}"
    );
}

#[tokio::test]
async fn an_event_delivered_again_publishes_the_tab_once() {
    let app = spawn_home_app().await;

    open_home(&app, BOSS, "Ev0TWICE").await;
    let again = app.event(&app_home_opened(BOSS, "Ev0TWICE"), Some(1)).await;

    assert_eq!(again.status().as_u16(), 200);
    app.follow_ups_settled().await;
    assert_eq!(app.slack_bodies("/api/views.publish").await.len(), 1);
}

#[tokio::test]
async fn a_typed_change_draws_an_opened_tab_again_and_a_read_does_not() {
    let app = spawn_home_app().await;
    // Someone who never opened the tab has none to keep fresh.
    app.coach("team add <@U0ANA>").await;
    app.follow_ups_settled().await;
    assert!(app.slack_bodies("/api/views.publish").await.is_empty());

    open_home(&app, BOSS, "Ev0OPEN").await;
    app.coach("status").await;
    app.follow_ups_settled().await;
    assert_eq!(app.slack_bodies("/api/views.publish").await.len(), 1);

    app.coach("45m <@U0ANA> deal review").await;
    app.follow_ups_settled().await;
    let published = app.slack_bodies("/api/views.publish").await;
    assert_eq!(published.len(), 2);
    assert!(text_of(&published[1]["view"]).contains("45m of help with a deal with <@U0ANA>"));
}

#[tokio::test]
async fn every_settings_button_opens_its_form_and_each_form_refuses_what_the_command_refuses() {
    let app = spawn_home_app().await;
    app.coach("team add <@U0ANA> <@U0BEN> since 2026-11-01")
        .await;
    let view = open_home(&app, BOSS, "Ev0SET").await;

    // Time zone: a search, and the zone chosen.
    let form = press(&app, &home_button(&view, "Change")).await;
    assert_eq!(form["callback_id"], "time_zone");
    let found: Value = app
        .interact(&suggestion(BOSS, "tz", "new york"))
        .await
        .json()
        .await
        .expect("json");
    let zones: Vec<&str> = found["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert!(zones.contains(&"America/New_York"), "{found}");
    let answer = submit(&app, &form, json!({ "tz": { "tz": { "type": "external_select",
        "selected_option": { "text": { "type": "plain_text", "text": "America/New York" }, "value": "America/New_York" } } } })).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE tz_override = 'America/New_York'")
            .await,
        1
    );

    // Snooze: a day that is not after today is refused next to the field.
    let form = press(&app, &home_button(&view, "Snooze")).await;
    assert_eq!(form["callback_id"], "snooze");
    let refused = submit(&app, &form, date("2026-11-20")).await;
    assert_eq!(refused["response_action"], "errors", "{refused}");
    assert!(
        refused["errors"]["day"]
            .as_str()
            .is_some_and(|e| e.contains("isn't after today")),
        "{refused}"
    );
    let answer = submit(&app, &form, date("2026-12-07")).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE snoozed_until = '2026-12-07'")
            .await,
        1
    );

    // Digest: a channel coachbot is not in is refused with the fix.
    let (digest, _) = buttons(&view["blocks"])
        .into_iter()
        .filter(|(_, _, label)| label == "Change")
        .map(|(id, value, _)| (id, value))
        .nth(1)
        .expect("the digest's Change");
    assert!(digest.starts_with("digest:"), "{digest}");
    let form = press(&app, &(digest, None)).await;
    assert_eq!(form["callback_id"], "digest");
    let refused = submit(&app, &form, channel("C0OUTSIDE")).await;
    assert!(
        refused["errors"]["channel"]
            .as_str()
            .is_some_and(|e| e.contains("/invite @coachbot")),
        "{refused}"
    );
    submit(&app, &form, channel("C0SALES")).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM managers WHERE digest_channel = 'C0SALES'")
            .await,
        1
    );

    // A rep's join day: a future day is refused; an earlier one is set,
    // however long ago.
    let (menu, options) = menu_of(&view, "<@U0BEN> — on your team since");
    let opened = app
        .interact(&press_on_home(
            BOSS,
            &menu,
            None,
            Some(option(&options, "Change join day")),
        ))
        .await;
    assert_eq!(opened.status().as_u16(), 200);
    let form = app
        .slack_bodies("/api/views.open")
        .await
        .last()
        .expect("a form")["view"]
        .clone();
    assert_eq!(form["callback_id"], "join_day");
    let refused = submit(&app, &form, date("2026-12-01")).await;
    assert!(
        refused["errors"]["day"]
            .as_str()
            .is_some_and(|e| e.contains("hasn't come yet")),
        "{refused}"
    );
    submit(&app, &form, date("2025-01-06")).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0BEN' AND joined_on = '2025-01-06'"
        )
        .await,
        1
    );

    // Removing a rep asks once.
    app.interact(&press_on_home(
        BOSS,
        &menu,
        None,
        Some(option(&options, "Remove from team")),
    ))
    .await;
    let form = app
        .slack_bodies("/api/views.open")
        .await
        .last()
        .expect("a form")["view"]
        .clone();
    assert_eq!(form["callback_id"], "remove_rep");
    assert!(
        text_of(&form).contains("Take <@U0BEN> off your team?"),
        "{form}"
    );
    let answer = submit(&app, &form, json!({})).await;
    assert!(text_of(&answer["view"]).contains("<@U0BEN>"), "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE rep_id = 'U0BEN' AND left_on IS NULL")
            .await,
        0
    );

    // Log buttons open the logging forms.
    let form = press(&app, &home_button(&view, "Log coaching")).await;
    assert_eq!(form["callback_id"], "log_coaching");
    let form = press(&app, &home_button(&view, "Log a team meeting")).await;
    assert_eq!(form["callback_id"], "log_meeting");
}

fn date(day: &str) -> Value {
    json!({ "day": { "day": { "type": "datepicker", "selected_date": day } } })
}

fn channel(id: &str) -> Value {
    json!({ "channel": { "channel": { "type": "conversations_select", "selected_conversation": id } } })
}

/// Submits `form` (the last opened, `V0VIEWn`) with `values`.
async fn submit(app: &TestApp, form: &Value, values: Value) -> Value {
    let opened = app.slack_bodies("/api/views.open").await;
    let view_id = format!("V0VIEW{}", opened.len());
    app.interact(&submission(form, &view_id, values))
        .await
        .json()
        .await
        .expect("json")
}
