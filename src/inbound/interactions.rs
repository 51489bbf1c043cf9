//! Buttons, forms and the "Log coaching" shortcut, over HTTP or Socket
//! Mode alike. Each press or submission calls its use case in the
//! application, then shows what came back where it belongs: the message the
//! button sat on, the modal, or the answer to a submission.

use slack_morphism::prelude::*;

use crate::app::forms::{Preset, Submitted};
use crate::app::{Answer, AppContext, Pressed, Reply};
use crate::domain::{EntryKind, SlackTeamId, SlackUserId};
use crate::messages::buttons::Button;
use crate::messages::{self, forms};
use crate::store::FormOrigin;

/// The `callback_id` of the global shortcut, as in the app's manifest.
pub const LOG_SHORTCUT: &str = "log_coaching";

/// Handles one interaction and returns Slack's acknowledgement: the answer
/// to a form submission, or nothing. Work that can wait (updating the
/// message a button sat on) goes on after it.
pub async fn handle(ctx: &AppContext, event: SlackInteractionEvent) -> SlackInteractionResponse {
    match event {
        SlackInteractionEvent::BlockActions(event) => {
            block_actions(ctx, event).await;
            SlackInteractionResponse::Empty
        }
        SlackInteractionEvent::Shortcut(event) => {
            if event.callback_id.value() == LOG_SHORTCUT {
                if let Some((team, user)) = who(&event.team.id, &event.user.id) {
                    open_form(
                        ctx,
                        &team,
                        &user,
                        event.trigger_id.value(),
                        EntryKind::Session,
                        Preset::default(),
                        None,
                    )
                    .await;
                }
            }
            SlackInteractionResponse::Empty
        }
        SlackInteractionEvent::ViewSubmission(event) => view_submission(ctx, event).await,
        SlackInteractionEvent::ViewClosed(event) => {
            // A form closed without logging: its origin is no longer needed.
            if let Err(error) = ctx
                .store
                .take_form_origin(event.view.state_params.id.value())
                .await
            {
                tracing::warn!(%error, "could not forget a closed form's origin");
            }
            SlackInteractionResponse::Empty
        }
        _ => SlackInteractionResponse::Empty,
    }
}

/// The workspace and user of an interaction, as domain IDs.
fn who(
    team: &slack_morphism::SlackTeamId,
    user: &slack_morphism::SlackUserId,
) -> Option<(SlackTeamId, SlackUserId)> {
    match (
        SlackTeamId::parse(team.value()),
        SlackUserId::parse(user.value()),
    ) {
        (Ok(team), Ok(user)) => Some((team, user)),
        _ => {
            tracing::warn!("refused an interaction with a malformed team or user ID");
            None
        }
    }
}

async fn block_actions(ctx: &AppContext, event: SlackInteractionBlockActionsEvent) {
    let Some(user) = &event.user else {
        return;
    };
    let Some((team, user)) = who(&event.team.id, &user.id) else {
        return;
    };
    for action in event.actions.iter().flatten() {
        let action_id = action.action_id.value();
        let button = Button::read(action_id, action.value.as_deref());
        tracing::info!(%team, %user, action = action_id, "a button was pressed");
        let answer = match button {
            Some(Button::Undo(line)) => ctx.press(&team, &user, Pressed::Undo(line)).await,
            Some(Button::SnoozeWeek) => ctx.press(&team, &user, Pressed::SnoozeWeek).await,
            Some(Button::LogCoaching(preset)) => {
                let form = (EntryKind::Session, preset);
                open_form_from(ctx, &event, action_id, &team, &user, form).await;
                continue;
            }
            Some(Button::LogMeeting) => {
                let form = (EntryKind::Meeting, Preset::default());
                open_form_from(ctx, &event, action_id, &team, &user, form).await;
                continue;
            }
            None => Answer {
                reply: Reply::ButtonGone,
                today: ctx.clock.now().date_naive(),
            },
        };
        show_outcome(ctx, &event, action_id, &answer);
    }
}

/// A button that opens a form, remembering the message it sat on.
async fn open_form_from(
    ctx: &AppContext,
    event: &SlackInteractionBlockActionsEvent,
    action_id: &str,
    team: &SlackTeamId,
    user: &SlackUserId,
    (kind, preset): (EntryKind, Preset),
) {
    let origin = origin(event, action_id);
    let trigger = event.trigger_id.value();
    open_form(ctx, team, user, trigger, kind, preset, origin).await;
}

/// The bot message a button sits on, to update once its form is submitted;
/// `None` for an ephemeral message or a view, which are updated otherwise.
fn origin(event: &SlackInteractionBlockActionsEvent, action_id: &str) -> Option<FormOrigin> {
    let SlackInteractionActionContainer::Message(container) = &event.container else {
        return None;
    };
    if container.is_ephemeral == Some(true) {
        return None;
    }
    let message = event.message.as_ref()?;
    Some(FormOrigin {
        channel: container.channel_id.as_ref()?.to_string(),
        message_ts: container.message_ts.to_string(),
        blocks: serde_json::to_string(&message.content.blocks).ok()?,
        action_id: action_id.to_string(),
    })
}

/// Shows what a press did where the button sat, after the acknowledgement:
/// a modal is updated in place; an ephemeral message (a typed
/// confirmation) is replaced through its `response_url`; a bot message (a
/// reminder) keeps its other buttons and says what was done.
fn show_outcome(
    ctx: &AppContext,
    event: &SlackInteractionBlockActionsEvent,
    action_id: &str,
    answer: &Answer,
) {
    let slack = ctx.slack.clone();
    let content = messages::reply(answer);
    let view = forms::result(answer);
    let container = event.container.clone();
    let response_url = event.response_url.clone();
    let blocks = event
        .message
        .as_ref()
        .and_then(|message| serde_json::to_value(&message.content.blocks).ok());
    let action_id = action_id.to_string();
    ctx.follow_ups.spawn(async move {
        let shown = match container {
            SlackInteractionActionContainer::View(view_container) => {
                slack
                    .update_view(view_container.view_id.value(), view)
                    .await
            }
            SlackInteractionActionContainer::Message(message)
                if message.is_ephemeral == Some(true) =>
            {
                match response_url {
                    Some(url) => slack.respond(url.0.as_ref(), content).await,
                    None => Ok(()),
                }
            }
            SlackInteractionActionContainer::Message(message) => {
                match (message.channel_id, blocks) {
                    (Some(channel), Some(blocks)) => {
                        let updated = messages::after_press(&blocks, &action_id, &content);
                        slack
                            .update_message(channel.value(), message.message_ts.value(), updated)
                            .await
                    }
                    _ => Ok(()),
                }
            }
            SlackInteractionActionContainer::MessageAttachment(_) => Ok(()),
        };
        if let Err(error) = shown {
            tracing::warn!(%error, "could not show what a button did on its message");
        }
    });
}

/// Opens a logging form for a trigger, which Slack honours for 3 seconds:
/// at once for a known manager; for a new one, a holding view first, filled
/// in once their time zone has come from Slack.
pub async fn open_form(
    ctx: &AppContext,
    team: &SlackTeamId,
    user: &SlackUserId,
    trigger_id: &str,
    kind: EntryKind,
    preset: Preset,
    origin: Option<FormOrigin>,
) -> bool {
    let opened = match ctx.form(team, user, kind, preset.clone(), false).await {
        Ok(Some(spec)) => ctx.slack.open_view(trigger_id, forms::form(&spec)).await,
        Ok(None) => {
            let opened = ctx.slack.open_view(trigger_id, forms::loading(kind)).await;
            if let Ok(view_id) = &opened {
                let (filling, team, user, view_id) =
                    (ctx.clone(), team.clone(), user.clone(), view_id.clone());
                ctx.follow_ups.spawn(async move {
                    let ctx = filling;
                    let view = match ctx.form(&team, &user, kind, preset, true).await {
                        Ok(Some(spec)) => forms::form(&spec),
                        _ => forms::result(&Answer {
                            reply: Reply::SlackUnavailable,
                            today: ctx.clock.now().date_naive(),
                        }),
                    };
                    if let Err(error) = ctx.slack.update_view(&view_id, view).await {
                        tracing::warn!(%error, "could not fill in a form opened for a new manager");
                    }
                });
            }
            opened
        }
        Err(error) => {
            tracing::error!(error = %crate::causes::one_line(&error), "could not prepare a form");
            return false;
        }
    };
    match opened {
        Ok(view_id) => {
            if let Some(origin) = origin {
                if let Err(error) = ctx
                    .store
                    .remember_form_origin(&view_id, team, &origin, ctx.clock.now())
                    .await
                {
                    tracing::warn!(%error, "could not remember where a form was opened from");
                }
            }
            true
        }
        Err(error) => {
            tracing::warn!(%error, "Slack did not open a form");
            false
        }
    }
}

/// A submitted form: each mistake next to its field, or what was stored, in
/// the view the form closes with (and on the message it was opened from).
async fn view_submission(
    ctx: &AppContext,
    event: SlackInteractionViewSubmissionEvent,
) -> SlackInteractionResponse {
    let callback = match &event.view.view {
        SlackView::Modal(modal) => modal.callback_id.as_ref().map(|id| id.to_string()),
        SlackView::Home(_) => None,
    };
    let Some(kind) = callback.as_deref().and_then(forms::form_kind) else {
        return SlackInteractionResponse::Empty;
    };
    let Some((team, user)) = who(&event.team.id, &event.user.id) else {
        return SlackInteractionResponse::Empty;
    };
    let submission = forms::submission(kind, event.view.state_params.state.as_ref());
    match ctx.submit(&team, &user, submission).await {
        Submitted::Errors(errors) => forms::field_errors(&errors).into(),
        Submitted::Answered(answer) => {
            if matches!(
                answer.reply,
                Reply::Logged { .. } | Reply::MeetingLogged { .. }
            ) {
                update_origin(ctx, event.view.state_params.id.value(), &answer);
            }
            SlackViewSubmissionResponse::Update(SlackViewSubmissionUpdateResponse::new(
                forms::result(&answer),
            ))
            .into()
        }
    }
}

/// Once a form opened from a reminder's button has stored something, the
/// reminder says so and drops that button.
fn update_origin(ctx: &AppContext, view_id: &str, answer: &Answer) {
    let (updating, view_id, content) = (ctx.clone(), view_id.to_string(), messages::reply(answer));
    ctx.follow_ups.spawn(async move {
        let ctx = updating;
        let origin = match ctx.store.take_form_origin(&view_id).await {
            Ok(Some(origin)) => origin,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "could not read where a form was opened from");
                return;
            }
        };
        let blocks = serde_json::from_str(&origin.blocks).unwrap_or_default();
        let updated = messages::after_press(&blocks, &origin.action_id, &content);
        if let Err(error) = ctx
            .slack
            .update_message(&origin.channel, &origin.message_ts, updated)
            .await
        {
            tracing::warn!(%error, "could not show on a reminder what its form stored");
        }
    });
}
