//! Events from the Events API, over HTTP or Socket Mode alike. Slack
//! delivers an event again when it did not hear back in time (and a Socket
//! Mode envelope can come twice): each event ID is handled once.
//! `app_home_opened` draws the Home tab for whoever opened it;
//! `app_uninstalled`, and `tokens_revoked` naming coachbot's bot, remove
//! the workspace's installation (its records stay).

use slack_morphism::prelude::*;
use tracing::Instrument;

use super::home;
use crate::app::installs::{self, Removal};
use crate::app::AppContext;
use crate::domain;

/// Handles one event callback, unless its ID was seen before.
pub async fn handle(ctx: &AppContext, callback: SlackPushEventCallback) {
    let user = match &callback.event {
        SlackEventCallbackBody::AppHomeOpened(opened) => Some(opened.user.value().clone()),
        _ => None,
    };
    let span = super::request_span("event", Some(callback.team_id.value()), user.as_deref());
    handle_in_span(ctx, callback).instrument(span).await
}

async fn handle_in_span(ctx: &AppContext, callback: SlackPushEventCallback) {
    if let Ok(workspace) = domain::WorkspaceId::parse(callback.team_id.value()) {
        if !super::served(ctx, &workspace).await {
            return;
        }
    }
    let event_id = callback.event_id.to_string();
    match ctx.store.first_sighting(&event_id, ctx.clock.now()).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(%event_id, "an event Slack delivered again was handled already");
            return;
        }
        Err(error) => {
            tracing::error!(%error, %event_id, "could not record an event; handling it anyway");
        }
    }
    match callback.event {
        SlackEventCallbackBody::AppHomeOpened(opened)
            if opened.tab.as_deref().is_none_or(|tab| tab == "home") =>
        {
            match (
                domain::WorkspaceId::parse(callback.team_id.value()),
                domain::SlackUserId::parse(opened.user.value()),
            ) {
                (Ok(workspace), Ok(user)) => home::opened(ctx, &workspace, &user),
                _ => {
                    tracing::warn!(%event_id, "refused an event with a malformed workspace or user ID")
                }
            }
        }
        SlackEventCallbackBody::AppUninstalled(_) => {
            removed(ctx, callback.team_id.value(), Removal::Uninstalled).await
        }
        SlackEventCallbackBody::Unknown(event)
            if event["type"].as_str() == Some("tokens_revoked") =>
        {
            let bots = event["tokens"]["bot"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|bot| bot.as_str())
                .filter_map(|bot| domain::SlackUserId::parse(bot).ok())
                .collect();
            removed(
                ctx,
                callback.team_id.value(),
                Removal::TokensRevoked { bots },
            )
            .await
        }
        _ => {
            tracing::debug!(%event_id, workspace = %callback.team_id, "an event coachbot does not use")
        }
    }
}

/// Removes the installation of `workspace` for `removal`, and says so.
async fn removed(ctx: &AppContext, workspace: &str, removal: Removal) {
    let Ok(workspace) = domain::WorkspaceId::parse(workspace) else {
        tracing::warn!("refused an event with a malformed workspace ID");
        return;
    };
    match installs::remove(ctx, &workspace, &removal).await {
        Ok(true) => {
            tracing::info!(%workspace, ?removal, "removed a workspace's installation; its records stay")
        }
        Ok(false) => tracing::debug!(%workspace, ?removal, "no installation of this bot to remove"),
        Err(error) => {
            tracing::error!(%workspace, error = %crate::causes::one_line(&error), "could not remove a workspace's installation")
        }
    }
}
