//! The jobs' set reads against a real SQLite file: for a generated
//! organisation, each manager's records read for many managers at once are
//! those read for that manager alone, and a row that cannot be read marks
//! only the managers it belongs to.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use coachbot::domain::{
    reminders, team_month, Activity, BehindRep, Confirmation, Counting, Entry, Job, Manager,
    MeetingEntry, Minutes, MonthActivity, Note, RepProgress, SessionEntry, SkipReason, SlackUserId,
    WorkspaceId, YearMonth,
};
use coachbot::store::{
    MeetingsAsOf, MessageKind, NewReminder, ReminderKey, Store, StoreError, UnreadableManager,
    ZoneNames,
};

use crate::helpers::friday_morning;

const WORKSPACES: [&str; 2] = ["T0ONE", "T0TWO"];
const MANAGERS_PER_WORKSPACE: usize = 6;
const REPS_PER_MANAGER: usize = 4;

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).expect("test id")
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).expect("date")
}

fn november() -> YearMonth {
    YearMonth::of(day(11, 1))
}

fn session(rep: &SlackUserId, minutes: u32, activity: Activity, held_on: NaiveDate) -> Entry {
    Entry::Session(SessionEntry {
        reps: vec![rep.clone()],
        minutes: Minutes::new(minutes).expect("minutes"),
        activity,
        note: Note::parse("pipeline review").expect("note"),
        held_on,
    })
}

fn meeting(held_on: NaiveDate) -> Entry {
    Entry::Meeting(MeetingEntry {
        minutes: Minutes::new(45).expect("minutes"),
        topics: vec![],
        note: Note::default(),
        held_on,
    })
}

/// Two workspaces with the same user IDs in each; reps who joined on
/// different days, some who moved to the next manager's team in November,
/// one who left and one who left and came back; sessions in October and
/// November, some disputed, two on one day; meetings every few days, for
/// every other manager, two on one day.
async fn generated_organisation() -> (Store, Vec<Manager>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&database_url(&dir)).await.expect("store");
    let now = friday_morning();
    let today = day(11, 27);
    let activities = Activity::ALL;
    let mut managers = Vec::new();
    for workspace in WORKSPACES {
        let workspace = WorkspaceId::parse(workspace).expect("workspace");
        for m in 0..MANAGERS_PER_WORKSPACE {
            let manager = store
                .add_manager(&workspace, &user(&format!("U0M{m}")), Tz::UTC, now)
                .await
                .expect("manager");
            let reps: Vec<SlackUserId> = (0..REPS_PER_MANAGER)
                .map(|r| user(&format!("U0R{m}X{r}")))
                .collect();
            for (r, rep) in reps.iter().enumerate() {
                let since = day(10, 1) + Duration::days((m * 7 + r * 11) as i64 % 40);
                store
                    .add_reps(&manager, std::slice::from_ref(rep), Some(since), today, now)
                    .await
                    .expect("add");
                for s in 0..(m + r) % 5 + 1 {
                    let held_on = since + Duration::days((s * 5 + r) as i64);
                    if held_on > today {
                        continue;
                    }
                    let activity = activities[(m + r + s) % activities.len()];
                    let entry = session(rep, 15 * (1 + (m + s) as u32 % 4), activity, held_on);
                    store
                        .insert_line(&manager, &[entry], None, Confirmation::NotAsked, now)
                        .await
                        .expect("session");
                }
            }
            if m % 2 == 0 {
                for week in 0..8 {
                    let entry = meeting(day(10, 2) + Duration::days(week * 4 + m as i64));
                    store
                        .insert_line(&manager, &[entry], None, Confirmation::NotAsked, now)
                        .await
                        .expect("meeting");
                }
            }
            managers.push(manager);
        }
        // Each manager's first rep moves to the next manager's team; the
        // last manager's second rep leaves for good.
        for m in 0..MANAGERS_PER_WORKSPACE - 1 {
            let rep = user(&format!("U0R{m}X0"));
            let (from, to) = (
                &managers[managers.len() - 6 + m],
                &managers[managers.len() - 5 + m],
            );
            store
                .remove_reps(from, std::slice::from_ref(&rep), day(11, 10), now)
                .await
                .expect("remove");
            store
                .add_reps(to, &[rep], Some(day(11, 12)), today, now)
                .await
                .expect("add again");
        }
        // U0M3's third rep leaves and comes back to the same team within
        // November: two stints of one rep on one team in the month.
        let (again, rep) = (&managers[managers.len() - 3], user("U0R3X2"));
        store
            .remove_reps(again, std::slice::from_ref(&rep), day(11, 5), now)
            .await
            .expect("remove");
        store
            .add_reps(again, &[rep], Some(day(11, 8)), today, now)
            .await
            .expect("back on the team");
        // U0M0 holds two meetings on one day, and logs a second 1:1 of the
        // same kind with a rep on a day they already had one.
        let first = &managers[managers.len() - MANAGERS_PER_WORKSPACE];
        let rep = user("U0R0X1");
        let twice = session(&rep, 20, activities[1], day(11, 16));
        for entry in [
            meeting(day(11, 11)),
            meeting(day(11, 11)),
            twice.clone(),
            twice,
        ] {
            store
                .insert_line(first, &[entry], None, Confirmation::NotAsked, now)
                .await
                .expect("again on one day");
        }
        let last = managers.last().expect("a manager");
        store
            .remove_reps(
                last,
                &[user(&format!("U0R{}X1", MANAGERS_PER_WORKSPACE - 1))],
                day(11, 20),
                now,
            )
            .await
            .expect("leave");
    }
    execute(
        &dir,
        "UPDATE log_reps SET confirmation = 'disputed' WHERE log_id % 4 = 0",
    )
    .await;
    (store, managers, dir)
}

fn database_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("c.db").display())
}

async fn execute(dir: &tempfile::TempDir, sql: &str) {
    let pool = sqlx::SqlitePool::connect(&database_url(dir))
        .await
        .expect("pool");
    sqlx::query(sql).execute(&pool).await.expect("execute");
    pool.close().await;
}

/// A month's records in one order, since records on the same day may come
/// in any order.
fn sorted(mut activity: MonthActivity) -> MonthActivity {
    activity
        .sessions
        .sort_by_key(|s| (s.rep.clone(), s.held_on, s.activity.code(), s.minutes));
    activity
        .meetings
        .sort_by_key(|m| (m.manager.clone(), m.held_on, m.minutes));
    activity
}

#[tokio::test]
async fn each_managers_month_read_for_all_at_once_is_their_month_read_alone() {
    let (store, managers, _dir) = generated_organisation().await;

    let months = store
        .team_month_activities(&managers, november(), None)
        .await
        .expect("set read");
    let days = store
        .managers_days(&managers, november())
        .await
        .expect("set read");

    assert_eq!(months.len(), managers.len());
    let mut sessions_seen = 0;
    for ((manager, month), days) in managers.iter().zip(months).zip(days) {
        let alone = store
            .team_month_activity(manager, november())
            .await
            .expect("read");
        let month = month.expect("readable");
        sessions_seen += month.sessions.len();
        assert_eq!(
            sorted(month),
            sorted(alone),
            "{}/{}",
            manager.workspace,
            manager.id
        );
        let days_alone = store.manager_days(manager, november()).await.expect("read");
        assert_eq!(days.expect("readable"), days_alone, "{}", manager.id);
    }
    assert!(sessions_seen > 20, "the organisation has a month to read");
}

/// What a job decides from a manager's month as of `today`: each rep's
/// month and, with no threshold, every rep behind with the kind of coaching
/// to suggest.
fn decided(
    manager: &Manager,
    activity: &MonthActivity,
    today: NaiveDate,
) -> (Vec<RepProgress>, Result<Vec<BehindRep>, SkipReason>) {
    let counting = Counting {
        month: november(),
        today,
        held_by: Some(today),
        target: 180,
    };
    let progress = team_month(&manager.id, counting, activity);
    let behind = reminders::coaching_pace(manager, &progress, activity, november(), today, 0);
    (progress, behind)
}

#[tokio::test]
async fn each_managers_month_read_through_a_day_for_all_at_once_decides_as_their_month_alone() {
    let (store, managers, _dir) = generated_organisation().await;

    for today in [day(11, 4), day(11, 15), day(11, 27)] {
        let months = store
            .team_month_activities(&managers, november(), Some(today))
            .await
            .expect("set read");

        let mut behind_seen = 0;
        for (manager, month) in managers.iter().zip(months) {
            let month = month.expect("readable");
            assert!(month.sessions.iter().all(|s| s.held_on <= today));
            let alone = store
                .team_month_activity(manager, november())
                .await
                .expect("read");
            let expected = decided(manager, &alone, today);
            behind_seen += expected.1.as_ref().map_or(0, Vec::len);
            assert_eq!(
                decided(manager, &month, today),
                expected,
                "{}/{} on {today}",
                manager.workspace,
                manager.id
            );
        }
        assert!(behind_seen > 10, "reps behind to suggest coaching for");
    }
}

#[tokio::test]
async fn each_managers_team_and_meetings_read_for_all_at_once_are_theirs_read_alone() {
    let (store, managers, _dir) = generated_organisation().await;
    let today = day(11, 27);
    let from = today - Duration::days(6);

    let stints = store.managers_stints(&managers).await.expect("set read");
    let meetings = store
        .managers_meetings(&managers, from, today)
        .await
        .expect("set read");

    for ((manager, stints), meetings) in managers.iter().zip(stints).zip(meetings) {
        let stints = stints.expect("readable");
        let current: Vec<_> = stints
            .iter()
            .filter(|s| s.left_on.is_none())
            .cloned()
            .collect();
        assert_eq!(current, store.current_team(manager).await.expect("read"));
        assert_eq!(
            stints.iter().map(|s| s.joined_on).min(),
            store.team_since(manager).await.expect("read")
        );
        let alone = MeetingsAsOf {
            last_held: store.last_meeting(manager, today).await.expect("read"),
            held_since: store
                .meetings_between(manager, from, today + Duration::days(1))
                .await
                .expect("read"),
        };
        assert_eq!(meetings.expect("readable"), alone, "{}", manager.id);
    }
}

#[tokio::test]
async fn a_row_that_cannot_be_read_marks_only_the_managers_it_belongs_to() {
    let (store, managers, dir) = generated_organisation().await;
    // A current stint on U0M2's team in the second workspace, and a
    // session of a rep on U0M4's team in the first.
    execute(
        &dir,
        "UPDATE memberships SET joined_on = 'someday'
         WHERE team_id = 'T0TWO' AND manager_id = 'U0M2' AND rep_id = 'U0R2X3'",
    )
    .await;
    execute(
        &dir,
        "UPDATE log_reps SET held_on = '2026-11-3x'
         WHERE team_id = 'T0ONE' AND rep_id = 'U0R4X2'",
    )
    .await;
    let name = |manager: &Manager| format!("{}/{}", manager.workspace, manager.id);

    let months = store
        .team_month_activities(&managers, november(), None)
        .await
        .expect("set read");
    let stints = store.managers_stints(&managers).await.expect("set read");

    let mut unreadable_months = Vec::new();
    for ((manager, month), stints) in managers.iter().zip(months).zip(stints) {
        let alone = store.team_month_activity(manager, november()).await;
        match (month, alone) {
            (Ok(month), Ok(alone)) => assert_eq!(sorted(month), sorted(alone), "{}", name(manager)),
            (Err(StoreError::Corrupt(_)), Err(StoreError::Corrupt(_))) => {
                unreadable_months.push(name(manager))
            }
            (month, alone) => panic!("{}: {month:?} but alone {alone:?}", name(manager)),
        }
        assert_eq!(
            stints.is_err(),
            name(manager) == "T0TWO/U0M2",
            "{}",
            name(manager)
        );
    }
    assert_eq!(unreadable_months, ["T0ONE/U0M4", "T0TWO/U0M2"]);
}

#[tokio::test]
async fn the_reminders_stored_for_a_day_are_found_in_one_read_and_no_others() {
    let (store, managers, _dir) = generated_organisation().await;
    let today = day(11, 27);
    let reminder = |manager: &Manager, job: Job, local_date: NaiveDate| NewReminder {
        workspace: manager.workspace.clone(),
        kind: MessageKind::Job(job),
        recipient: manager.id.as_str().to_string(),
        local_date,
        subject: String::new(),
        message: None,
        summary: "nothing today".into(),
        expires_at: friday_morning() + Duration::days(1),
    };
    // The first workspace's U0M1 has today's; its U0M2 yesterday's; the
    // second workspace's U0M1 another job's.
    let (one_m1, one_m2, two_m1) = (&managers[1], &managers[2], &managers[7]);
    for stored in [
        reminder(one_m1, Job::CoachingPace, today),
        reminder(one_m2, Job::CoachingPace, today - Duration::days(1)),
        reminder(two_m1, Job::MeetingCheck, today),
    ] {
        store
            .insert_reminder(&stored, friday_morning())
            .await
            .expect("insert");
    }
    let keys: Vec<ReminderKey> = managers
        .iter()
        .map(|manager| ReminderKey {
            workspace: manager.workspace.as_str().to_string(),
            recipient: manager.id.as_str().to_string(),
            subject: String::new(),
        })
        .collect();

    let stored = store
        .stored_reminders(Job::CoachingPace, today, &keys)
        .await
        .expect("read");

    let expected: Vec<bool> = (0..managers.len()).map(|i| i == 1).collect();
    assert_eq!(stored, expected);
}

fn name(manager: &Result<Manager, UnreadableManager>) -> String {
    match manager {
        Ok(manager) => format!("{}/{}", manager.workspace, manager.id),
        Err(unreadable) => format!("unreadable {}/{}", unreadable.workspace, unreadable.user),
    }
}

#[tokio::test]
async fn only_managers_in_due_zones_without_the_days_reminder_are_read_and_none_once_all_have_it() {
    let (store, managers, dir) = generated_organisation().await;
    execute(
        &dir,
        "UPDATE managers SET slack_tz = 'Asia/Tokyo' WHERE user_id = 'U0M1';
         UPDATE managers SET tz_override = 'Europe/Berlin' WHERE user_id = 'U0M2';
         UPDATE managers SET slack_tz = 'Mars/Olympus' WHERE team_id = 'T0TWO' AND user_id = 'U0M5';
         UPDATE managers SET digest_channel = 'C0TEAM' WHERE user_id IN ('U0M0', 'U0M1');",
    )
    .await;
    let today = day(11, 30);
    let workspaces = store.workspaces_with_reps().await.expect("workspaces");
    assert_eq!(
        workspaces
            .iter()
            .map(WorkspaceId::as_str)
            .collect::<Vec<_>>(),
        WORKSPACES
    );
    let mut zones = store.managers_zones().await.expect("zones");
    zones.sort_by(|a, b| a.slack_tz.cmp(&b.slack_tz));
    let zone = |names: &ZoneNames| {
        (
            names.slack_tz.clone(),
            names.tz_override.clone(),
            names.zone,
        )
    };
    assert_eq!(
        zones.iter().map(zone).collect::<Vec<_>>(),
        [
            ("Asia/Tokyo".into(), None, Some(Tz::Asia__Tokyo)),
            ("Mars/Olympus".into(), None, None),
            ("UTC".into(), None, Some(Tz::UTC)),
            (
                "UTC".into(),
                Some("Europe/Berlin".into()),
                Some(Tz::Europe__Berlin)
            ),
        ]
    );
    // The job is due in Tokyo and UTC today, not yet in Berlin; Mars
    // cannot be read.
    let due: Vec<(ZoneNames, Option<NaiveDate>)> = zones
        .into_iter()
        .filter(|names| names.tz_override.is_none())
        .map(|names| {
            let day = names.zone.map(|_| today);
            (names, day)
        })
        .collect();
    let reminder = |manager: &Manager, job: Job, local_date: NaiveDate| NewReminder {
        workspace: manager.workspace.clone(),
        kind: MessageKind::Job(job),
        recipient: match job {
            Job::TeamDigest => "C0TEAM".into(),
            _ => manager.id.as_str().to_string(),
        },
        local_date,
        subject: match job {
            Job::TeamDigest => manager.id.as_str().to_string(),
            _ => String::new(),
        },
        message: None,
        summary: "nothing today".into(),
        expires_at: friday_morning() + Duration::days(4),
    };
    let store_reminders = |reminders: Vec<NewReminder>| {
        let store = store.clone();
        async move {
            for stored in reminders {
                store
                    .insert_reminder(&stored, friday_morning())
                    .await
                    .expect("insert");
            }
        }
    };
    // The first workspace's U0M0 has today's; its U0M3 yesterday's; the
    // second workspace's U0M0 another job's.
    store_reminders(vec![
        reminder(&managers[0], Job::MeetingCheck, today),
        reminder(&managers[3], Job::MeetingCheck, today - Duration::days(1)),
        reminder(&managers[6], Job::CoachingPace, today),
    ])
    .await;

    let read = store
        .undecided_managers(Job::MeetingCheck, &due)
        .await
        .expect("read");

    assert_eq!(
        read.iter().map(name).collect::<Vec<_>>(),
        [
            "T0ONE/U0M1",
            "T0ONE/U0M3",
            "T0ONE/U0M4",
            "T0ONE/U0M5",
            "T0TWO/U0M0",
            "T0TWO/U0M1",
            "T0TWO/U0M3",
            "T0TWO/U0M4",
            "unreadable T0TWO/U0M5",
        ]
    );
    let team_digests = store
        .undecided_managers(Job::TeamDigest, &due)
        .await
        .expect("read");
    assert_eq!(
        team_digests.iter().map(name).collect::<Vec<_>>(),
        ["T0ONE/U0M0", "T0ONE/U0M1", "T0TWO/U0M0", "T0TWO/U0M1"]
    );

    let decided: Vec<NewReminder> = read
        .iter()
        .filter_map(|manager| manager.as_ref().ok())
        .map(|manager| reminder(manager, Job::MeetingCheck, today))
        .chain(
            team_digests
                .iter()
                .filter_map(|manager| manager.as_ref().ok())
                .map(|manager| reminder(manager, Job::TeamDigest, today)),
        )
        .collect();
    store_reminders(decided).await;
    let readable_zones: Vec<(ZoneNames, Option<NaiveDate>)> = due
        .iter()
        .filter(|(names, _)| names.zone.is_some())
        .cloned()
        .collect();
    for job in [Job::MeetingCheck, Job::TeamDigest] {
        let read = store
            .undecided_managers(job, &readable_zones)
            .await
            .expect("read");
        assert!(
            read.is_empty(),
            "{job}: {:?}",
            read.iter().map(name).collect::<Vec<_>>()
        );
    }
    let read = store
        .undecided_managers(Job::MeetingCheck, &due)
        .await
        .expect("read");
    assert_eq!(
        read.iter().map(name).collect::<Vec<_>>(),
        ["unreadable T0TWO/U0M5"]
    );
}
