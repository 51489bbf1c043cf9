//! Events from the Events API, over HTTP or Socket Mode alike. Slack
//! delivers an event again when it did not hear back in time (and a Socket
//! Mode envelope can come twice): each event ID is handled once.

use slack_morphism::prelude::*;

use crate::app::AppContext;

/// Handles one event callback, unless its ID was seen before.
pub async fn handle(ctx: &AppContext, callback: SlackPushEventCallback) {
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
    tracing::debug!(%event_id, team = %callback.team_id, "an event arrived");
}
