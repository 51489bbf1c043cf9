//! The Slack app manifest matches the code: every Web API method the client
//! calls has its scope in the manifest and no scope is there without a
//! method (or the slash command) that needs it; every request URL is a
//! route the server has; the shortcut's callback ID is the one handled.

use std::collections::BTreeSet;

use yaml_rust2::{Yaml, YamlLoader};

/// The bot scopes each slack-morphism method the client calls needs
/// (none for views).
const SCOPES: &[(&str, &[&str])] = &[
    ("users_info", &["users:read"]),
    ("chat_post_message", &["chat:write"]),
    ("chat_update", &["chat:write"]),
    ("views_open", &[]),
    ("views_update", &[]),
    ("views_publish", &[]),
    // Public and private channels alike, to check the bot is in a digest
    // channel before it is set.
    ("conversations_info", &["channels:read", "groups:read"]),
    // A reminder in doubt is looked up in its conversation: a DM (found
    // by opening it), or a public or private digest channel.
    ("conversations_open", &["im:write"]),
    (
        "conversations_history",
        &["im:history", "channels:history", "groups:history"],
    ),
    // At start, the workspace the bot token belongs to: any token may ask.
    ("auth_test", &[]),
    // Socket Mode, with the app-level token: its `connections:write` is
    // given when the token is generated, not in the manifest.
    ("apps_connections_open", &[]),
];

fn manifest() -> Yaml {
    let text = std::fs::read_to_string("config/slack-app-manifest.yml").expect("manifest");
    YamlLoader::load_from_str(&text)
        .expect("the manifest is YAML")
        .remove(0)
}

/// The manifest's bot scopes, in its order.
fn bot_scopes() -> Vec<String> {
    manifest()["oauth_config"]["scopes"]["bot"]
        .as_vec()
        .expect("bot scopes")
        .iter()
        .filter_map(|scope| scope.as_str().map(str::to_string))
        .collect()
}

fn source(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|_| panic!("{path}"))
}

/// The slack-morphism methods `src/slack/client.rs` calls on a session.
fn methods_called() -> BTreeSet<String> {
    let client = source("src/slack/client.rs");
    client
        .split("session.")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_manifest_asks_for_every_scope_the_app_uses_and_no_other() {
    let mut needed = BTreeSet::from(["commands".to_string()]);
    for method in methods_called() {
        let scope = SCOPES
            .iter()
            .find(|(name, _)| *name == method)
            .unwrap_or_else(|| {
                panic!("the client calls {method}: add the scope it needs to SCOPES")
            })
            .1;
        needed.extend(scope.iter().map(|scope| scope.to_string()));
    }
    let asked: BTreeSet<String> = bot_scopes().into_iter().collect();
    assert_eq!(asked, needed);
}

#[test]
fn the_install_link_asks_for_the_manifests_scopes_in_its_order() {
    assert_eq!(bot_scopes(), coachbot::slack::BOT_SCOPES);
}

#[test]
fn every_request_url_in_the_manifest_is_a_route_of_the_server() {
    let manifest = manifest();
    let routes = source("src/inbound/http.rs");
    let features = &manifest["features"];
    let settings = &manifest["settings"];
    let urls = [
        &features["slash_commands"][0]["url"],
        &settings["interactivity"]["request_url"],
        &settings["interactivity"]["message_menu_options_url"],
        &settings["event_subscriptions"]["request_url"],
        &manifest["oauth_config"]["redirect_urls"][0],
    ];
    for url in urls {
        let url = url.as_str().expect("a request URL");
        let path = url
            .strip_prefix("https://coachbot.example.com")
            .unwrap_or_else(|| panic!("{url} is not on the placeholder host"));
        assert!(
            routes.contains(&format!(".route(\"{path}\"")),
            "{path} is not routed"
        );
    }
    assert_eq!(
        settings["interactivity"]["is_enabled"].as_bool(),
        Some(true)
    );
    assert_eq!(
        features["slash_commands"][0]["command"].as_str(),
        Some("/coach")
    );
}

#[test]
fn the_shortcut_in_the_manifest_is_the_one_the_app_handles() {
    let shortcut = &manifest()["features"]["shortcuts"][0];
    assert_eq!(shortcut["type"].as_str(), Some("global"));
    assert_eq!(
        shortcut["callback_id"].as_str(),
        Some(coachbot::inbound::interactions::LOG_SHORTCUT)
    );
}
