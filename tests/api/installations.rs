//! Installations and install links' states in the store, on SQLite and
//! (with a server named) PostgreSQL: saved, replaced, removed alone; a
//! state taken once, before it expires, by one of several racing takers;
//! tokens sealed again under a rotated key.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use coachbot::domain::{EnterpriseId, SlackUserId, WorkspaceId};
use coachbot::sealing::{TokenKey, TokenKeys};
use coachbot::store::{Installation, Store};
use secrecy::{ExposeSecret, SecretString};

use crate::databases::each_database;
use crate::helpers::friday_morning;

fn workspace(id: &str) -> WorkspaceId {
    WorkspaceId::parse(id).expect("workspace")
}

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).expect("user")
}

fn keys(byte: u8) -> TokenKeys {
    TokenKeys::new(TokenKey::from_bytes([byte; 32]), None)
}

fn installation(keys: &TokenKeys, id: &str, token: &str, at: DateTime<Utc>) -> Installation {
    let ws = workspace(id);
    Installation {
        bot_token: keys.seal(&ws, &SecretString::from(token.to_string())),
        workspace: ws,
        enterprise: None,
        bot_user: user("U0BOT"),
        scopes: "commands,chat:write".to_string(),
        installer: Some(user("U0ADMIN")),
        installed_at: at,
    }
}

fn token_of(keys: &TokenKeys, installation: &Installation) -> String {
    keys.open(&installation.workspace, &installation.bot_token)
        .expect("opens")
        .token
        .expose_secret()
        .to_string()
}

#[tokio::test]
async fn an_installation_is_saved_replaced_by_a_reinstall_and_removed_alone() {
    for db in each_database().await {
        eprintln!("on {db}");
        let store = Store::connect(&db.url).await.expect("store");
        let keys = keys(1);
        let at = friday_morning();
        let mut first = installation(&keys, "T0ONE", "xoxb-one-1", at);
        first.enterprise = Some(EnterpriseId::parse("E0GRID").expect("enterprise"));
        store.save_installation(&first).await.expect("saved");
        store
            .save_installation(&installation(&keys, "T0TWO", "xoxb-two", at))
            .await
            .expect("saved");
        assert_eq!(
            store.installation(&workspace("T0ONE")).await.expect("read"),
            Some(first.clone())
        );

        let mut again = installation(&keys, "T0ONE", "xoxb-one-2", at + Duration::days(1));
        again.installer = None;
        store.save_installation(&again).await.expect("replaced");
        let read = store
            .installation(&workspace("T0ONE"))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(read, again);
        assert_eq!(token_of(&keys, &read), "xoxb-one-2");

        store
            .add_manager(&workspace("T0ONE"), &user("U0BOSS"), Tz::UTC, at)
            .await
            .expect("manager");
        assert!(store
            .remove_installation(&workspace("T0ONE"))
            .await
            .expect("removed"));
        assert!(!store
            .remove_installation(&workspace("T0ONE"))
            .await
            .expect("nothing left to remove"));
        let left: Vec<WorkspaceId> = store
            .installations()
            .await
            .expect("listed")
            .into_iter()
            .map(|i| i.workspace)
            .collect();
        assert_eq!(left, vec![workspace("T0TWO")]);
        assert!(store
            .manager(&workspace("T0ONE"), &user("U0BOSS"))
            .await
            .expect("read")
            .is_some());
        store.close().await;
    }
}

#[tokio::test]
async fn a_state_is_taken_once_and_only_before_it_expires() {
    for db in each_database().await {
        eprintln!("on {db}");
        let store = Store::connect(&db.url).await.expect("store");
        let now = friday_morning();
        let expires = now + Duration::minutes(10);
        store
            .issue_oauth_state("first", expires, now)
            .await
            .expect("issued");
        store
            .issue_oauth_state("late", expires, now)
            .await
            .expect("issued");
        assert!(!store.take_oauth_state("forged", now).await.expect("taken"));
        assert!(store.take_oauth_state("first", now).await.expect("taken"));
        assert!(!store.take_oauth_state("first", now).await.expect("taken"));
        assert!(!store
            .take_oauth_state("late", expires)
            .await
            .expect("taken"));
        store.close().await;
    }
}

#[tokio::test]
async fn of_takes_racing_for_one_state_exactly_one_wins() {
    for db in each_database().await {
        eprintln!("on {db}");
        let store = Store::connect(&db.url).await.expect("store");
        let now = friday_morning();
        store
            .issue_oauth_state("raced", now + Duration::minutes(10), now)
            .await
            .expect("issued");
        let takes: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.take_oauth_state("raced", now).await })
            })
            .collect();
        let mut won = 0;
        for take in takes {
            if take.await.expect("joined").expect("taken") {
                won += 1;
            }
        }
        assert_eq!(won, 1);
        store.close().await;
    }
}

#[tokio::test]
async fn after_a_key_rotation_every_token_is_sealed_again_and_still_opens() {
    for db in each_database().await {
        eprintln!("on {db}");
        let store = Store::connect(&db.url).await.expect("store");
        let old = keys(1);
        for (id, token) in [("T0ONE", "xoxb-one"), ("T0TWO", "xoxb-two")] {
            store
                .save_installation(&installation(&old, id, token, friday_morning()))
                .await
                .expect("saved");
        }
        let rotated = TokenKeys::new(
            TokenKey::from_bytes([2; 32]),
            Some(TokenKey::from_bytes([1; 32])),
        );
        assert_eq!(
            store
                .reseal_installations(&rotated)
                .await
                .expect("resealed"),
            2
        );
        assert_eq!(
            store
                .reseal_installations(&rotated)
                .await
                .expect("resealed"),
            0
        );
        let new_only = keys(2);
        let tokens: Vec<String> = store
            .installations()
            .await
            .expect("listed")
            .iter()
            .map(|i| token_of(&new_only, i))
            .collect();
        assert_eq!(tokens, ["xoxb-one", "xoxb-two"]);
        store.close().await;
    }
}

#[tokio::test]
async fn a_token_no_key_opens_stops_the_rotation_and_changes_nothing() {
    for db in each_database().await {
        eprintln!("on {db}");
        let store = Store::connect(&db.url).await.expect("store");
        let sealed_by_one = installation(&keys(1), "T0ONE", "xoxb-one", friday_morning());
        store
            .save_installation(&sealed_by_one)
            .await
            .expect("saved");
        let forgot_previous = keys(2);
        let error = store
            .reseal_installations(&forgot_previous)
            .await
            .expect_err("the previous key is not given");
        assert!(
            error
                .to_string()
                .starts_with("the bot token stored for workspace T0ONE does not open"),
            "{error}"
        );
        assert_eq!(
            store.installation(&workspace("T0ONE")).await.expect("read"),
            Some(sealed_by_one)
        );
        store.close().await;
    }
}
