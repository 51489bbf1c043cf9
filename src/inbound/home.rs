//! Publishing App Home tabs: when someone opens theirs, and again after a
//! change alters it (the manager's, and a rep's own), for as long as they
//! may be looking (opened within `home.opened_within_minutes`; the next
//! opening draws it anyway). One publish at a time per user, drawn as
//! things stand when it is sent, at most one per
//! `home.seconds_between_publishes`, and within the workspace's
//! `home.publishes_per_minute`: a burst of changes costs one drawing, not
//! one each.

use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::app::{AppContext, Reply};
use crate::domain::{SlackUserId, WorkspaceId};
use crate::messages::home;
use crate::slack::{Published, SlackError};

/// How often one drawing is tried when Slack asks to slow down or another
/// publish came first.
const ATTEMPTS: u32 = 3;
/// The wait when Slack asks to slow down without saying how long, and the
/// longest wait taken for a tab (a later opening draws it anyway).
const DEFAULT_RETRY_AFTER: StdDuration = StdDuration::from_secs(1);
const MAX_RETRY_AFTER: Duration = Duration::minutes(5);

/// `user` opened the Home tab: it is drawn, and kept fresh from now on.
pub fn opened(ctx: &AppContext, workspace: &WorkspaceId, user: &SlackUserId) {
    let (opening, workspace, user) = (ctx.clone(), workspace.clone(), user.clone());
    ctx.follow_ups
        .spawn("an opened Home tab recorded and drawn", async move {
            let ctx = opening;
            if let Err(error) = ctx
                .store
                .remember_home_tab(&workspace, &user, ctx.clock.now())
                .await
            {
                tracing::warn!(%error, "could not record an opened Home tab");
            }
            request(&ctx, &workspace, &user);
        });
}

/// Draws again the Home tabs `reply` altered, of those who may be looking:
/// a logged line knows them from the transaction that stored it; for other
/// changes one read finds them, after Slack has been answered, so a change
/// whose tabs nobody has open costs nothing more.
pub fn publish_if_changed(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    user: &SlackUserId,
    reply: &Reply,
) {
    let altered = reply.tabs_altered(user);
    if altered.is_empty() {
        return;
    }
    let minutes = ctx.settings.home.opened_within_minutes;
    let since = ctx.clock.now() - Duration::minutes(minutes.into());
    if let Some(opened) = reply.home_tabs_opened() {
        for (who, _) in opened
            .iter()
            .filter(|(who, at)| *at >= since && altered.contains(who))
        {
            request(ctx, workspace, who);
        }
        return;
    }
    let (checking, workspace) = (ctx.clone(), workspace.clone());
    ctx.follow_ups
        .spawn("a check for Home tabs to draw again", async move {
            let ctx = checking;
            match ctx
                .store
                .home_tabs_opened_since(&workspace, &altered, since)
                .await
            {
                Ok(looking) => {
                    for user in &looking {
                        request(&ctx, &workspace, user);
                    }
                }
                Err(error) => tracing::warn!(%error, "could not read who has a Home tab open"),
            }
        });
}

/// Asks for `user`'s tab to be drawn, after Slack has been answered. A
/// publish already under way for them draws it once more instead.
fn request(ctx: &AppContext, workspace: &WorkspaceId, user: &SlackUserId) {
    if !ctx.home_tabs.request(workspace, user) {
        return;
    }
    let (publishing, workspace, user) = (ctx.clone(), workspace.clone(), user.clone());
    ctx.follow_ups.spawn("a Home tab drawn again", async move {
        let ctx = publishing;
        loop {
            publish(&ctx, &workspace, &user).await;
            if !ctx.home_tabs.finished(&workspace, &user) {
                break;
            }
        }
    });
}

/// Publishes `user`'s tab as things stand, if they opened it recently
/// enough, once their spacing and the workspace's pace allow.
async fn publish(ctx: &AppContext, workspace: &WorkspaceId, user: &SlackUserId) {
    let settings = ctx.settings.home;
    let tab = match ctx.store.home_tab(workspace, user).await {
        Ok(Some(tab)) => tab,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "could not read a Home tab's state");
            return;
        }
    };
    let now = ctx.clock.now();
    if tab.opened_at < now - Duration::minutes(settings.opened_within_minutes.into()) {
        return;
    }
    let spaced = tab.published_at.map_or(now, |at| {
        at + Duration::seconds(settings.seconds_between_publishes.into())
    });
    let mut hash = tab.hash;
    let mut earliest = now.max(spaced);
    for _ in 0..ATTEMPTS {
        ctx.clock.sleep_until(earliest).await;
        let slot = match ctx
            .store
            .reserve_publish(workspace, ctx.clock.now(), settings.publishes_per_minute)
            .await
        {
            Ok(slot) => slot,
            Err(error) => {
                tracing::warn!(%error, "could not take a turn in the workspace's publish budget");
                return;
            }
        };
        ctx.clock.sleep_until(slot).await;
        ctx.home_tabs.drawing(workspace, user);
        let Some(view) = draw(ctx, workspace, user).await else {
            return;
        };
        let publishing = async {
            ctx.slack
                .client_for(workspace)
                .await?
                .publish_home(user, view, hash.as_deref())
                .await
        };
        match publishing.await {
            Ok(Published::Shown { hash }) => {
                let at = ctx.clock.now();
                if let Err(error) = ctx
                    .store
                    .home_tab_published(workspace, user, &hash, at)
                    .await
                {
                    tracing::warn!(%error, "could not record a published Home tab");
                }
                return;
            }
            // Another publish came first, and Slack's view is newer than
            // the hash we held: this drawing is newer still, so it replaces
            // whichever view Slack holds.
            Ok(Published::HashConflict) => {
                tracing::info!(%user, "a Home tab changed under us; drawing it again");
                hash = None;
                earliest = ctx.clock.now();
            }
            Err(SlackError::RateLimited { retry_after }) => {
                let wait = Duration::from_std(retry_after.unwrap_or(DEFAULT_RETRY_AFTER))
                    .map_or(MAX_RETRY_AFTER, |wait| wait.min(MAX_RETRY_AFTER));
                let until = ctx.clock.now() + wait;
                if let Err(error) = ctx.store.hold_publishes(workspace, until).await {
                    tracing::warn!(%error, "could not hold the workspace's Home tab publishes");
                }
                earliest = until;
            }
            Err(error) => {
                tracing::warn!(%error, "could not publish a Home tab");
                return;
            }
        }
    }
    tracing::warn!(%user, "gave up publishing a Home tab after {ATTEMPTS} tries");
}

/// `user`'s Home tab as things stand.
async fn draw(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    user: &SlackUserId,
) -> Option<slack_morphism::prelude::SlackView> {
    match ctx.home(workspace, user).await {
        Ok(tab) => Some(home::home(&tab)),
        Err(error) => {
            tracing::error!(error = %crate::causes::one_line(&error), "could not draw a Home tab");
            None
        }
    }
}
