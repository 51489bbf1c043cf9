//! Publishing someone's App Home tab: when they open it, and again after
//! anything they do from any surface changes their records, so a tab left
//! open never shows an old month. Only someone who has opened the tab has
//! one to keep fresh; for everyone else a change costs one read.

use crate::app::{AppContext, Reply};
use crate::domain::{SlackTeamId, SlackUserId};
use crate::messages::home;

/// `user` opened the Home tab: it is drawn, and kept fresh from now on.
pub fn opened(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId) {
    let (publishing, team, user) = (ctx.clone(), team.clone(), user.clone());
    ctx.follow_ups.spawn(async move {
        let ctx = publishing;
        if let Err(error) = ctx
            .store
            .remember_home_tab(&team, &user, ctx.clock.now())
            .await
        {
            tracing::warn!(%error, "could not record an opened Home tab");
        }
        draw(&ctx, &team, &user).await;
    });
}

/// Draws `user`'s Home tab again, after Slack has been answered, if they
/// have one.
fn publish(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId) {
    let (publishing, team, user) = (ctx.clone(), team.clone(), user.clone());
    ctx.follow_ups.spawn(async move {
        let ctx = publishing;
        match ctx.store.has_home_tab(&team, &user).await {
            Ok(true) => draw(&ctx, &team, &user).await,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not tell whether a Home tab is open"),
        }
    });
}

/// Draws `user`'s Home tab as things stand and publishes it.
async fn draw(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId) {
    let view = match ctx.home(team, user).await {
        Ok(tab) => home::home(&tab),
        Err(error) => {
            tracing::error!(error = %crate::causes::one_line(&error), "could not draw a Home tab");
            return;
        }
    };
    if let Err(error) = ctx.slack.publish_home(user, view).await {
        tracing::warn!(%error, "could not publish a Home tab");
    }
}

/// Publishes the Home tab again if `reply` changed the records.
pub fn publish_if_changed(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId, reply: &Reply) {
    if reply.changed_records() {
        publish(ctx, team, user);
    }
}
