//! Publishing someone's App Home tab: when they open it, and again after
//! anything they do from any surface changes their records, so a tab left
//! open never shows an old month.

use crate::app::{AppContext, Reply};
use crate::domain::{SlackTeamId, SlackUserId};
use crate::messages::home;

/// Draws and publishes `user`'s Home tab after Slack has been answered.
pub fn publish(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId) {
    let (publishing, team, user) = (ctx.clone(), team.clone(), user.clone());
    ctx.follow_ups.spawn(async move {
        let ctx = publishing;
        let view = match ctx.home(&team, &user).await {
            Ok(tab) => home::home(&tab),
            Err(error) => {
                tracing::error!(error = %crate::causes::one_line(&error), "could not draw a Home tab");
                return;
            }
        };
        if let Err(error) = ctx.slack.publish_home(&user, view).await {
            tracing::warn!(%error, "could not publish a Home tab");
        }
    });
}

/// Publishes the Home tab again if `reply` changed the records.
pub fn publish_if_changed(ctx: &AppContext, team: &SlackTeamId, user: &SlackUserId, reply: &Reply) {
    if reply.changed_records() {
        publish(ctx, team, user);
    }
}
