//! Buttons, forms, menus and the "Log coaching" shortcut, over HTTP or
//! Socket Mode alike. Each press or submission calls its use case in the
//! application, then shows what came back where it belongs: the message
//! the button sat on, the modal, or the answer to a submission; and draws
//! the Home tab again when the records changed.

use chrono::NaiveDate;
use slack_morphism::prelude::*;
use tracing::Instrument;

use super::home;
use crate::app::forms::{Preset, Submitted};
use crate::app::{Answer, AppContext, Pressed, Reply};
use crate::domain::{DisputeDecision, EntryKind, Manager, SlackUserId, WorkspaceId};
use crate::messages::buttons::Button;
use crate::messages::{self, forms, settings};
use crate::store::FormOrigin;

/// The `callback_id` of the global shortcut, as in the app's manifest.
pub const LOG_SHORTCUT: &str = "log_coaching";

/// Handles one interaction and returns Slack's acknowledgement: the answer
/// to a form submission or a search, or nothing. Work that can wait
/// (updating the message a button sat on) goes on after it.
pub async fn handle(ctx: &AppContext, event: SlackInteractionEvent) -> SlackInteractionResponse {
    let (workspace, user) = origin(&event);
    let span = super::request_span("interaction", workspace, user);
    // A malformed ID is refused further on, and an interaction coachbot
    // does not read names no workspace: both are handled as before.
    let workspace = workspace.and_then(|workspace| WorkspaceId::parse(workspace).ok());
    async {
        match workspace {
            Some(workspace) if !super::served(ctx, &workspace).await => {
                SlackInteractionResponse::Empty
            }
            _ => handle_in_span(ctx, event).await,
        }
    }
    .instrument(span)
    .await
}

/// The workspace and user an interaction came from, as Slack sent them.
fn origin(event: &SlackInteractionEvent) -> (Option<&str>, Option<&str>) {
    let (team, user) = match event {
        SlackInteractionEvent::BlockActions(e) => (&e.team, e.user.as_ref()),
        SlackInteractionEvent::BlockSuggestion(e) => (&e.team, Some(&e.user)),
        SlackInteractionEvent::MessageAction(e) => (&e.team, Some(&e.user)),
        SlackInteractionEvent::Shortcut(e) => (&e.team, Some(&e.user)),
        SlackInteractionEvent::ViewSubmission(e) => (&e.team, Some(&e.user)),
        SlackInteractionEvent::ViewClosed(e) => (&e.team, Some(&e.user)),
        _ => return (None, None),
    };
    (
        Some(team.id.value()),
        user.map(|user| user.id.value().as_str()),
    )
}

async fn handle_in_span(
    ctx: &AppContext,
    event: SlackInteractionEvent,
) -> SlackInteractionResponse {
    match event {
        SlackInteractionEvent::BlockActions(event) => {
            block_actions(ctx, event).await;
            SlackInteractionResponse::Empty
        }
        SlackInteractionEvent::BlockSuggestion(event) => {
            // The one search coachbot offers: time zones, by name.
            settings::time_zones_matching(&event.value).into()
        }
        SlackInteractionEvent::Shortcut(event) => {
            if event.callback_id.value() == LOG_SHORTCUT {
                if let Some((workspace, user)) = who(&event.team.id, &event.user.id) {
                    let trigger = event.trigger_id.value();
                    let form = (EntryKind::Session, Preset::default());
                    open_form(ctx, &workspace, &user, trigger, form, None).await;
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
    workspace: &slack_morphism::SlackTeamId,
    user: &slack_morphism::SlackUserId,
) -> Option<(WorkspaceId, SlackUserId)> {
    match (
        WorkspaceId::parse(workspace.value()),
        SlackUserId::parse(user.value()),
    ) {
        (Ok(workspace), Ok(user)) => Some((workspace, user)),
        _ => {
            tracing::warn!("refused an interaction with a malformed workspace or user ID");
            None
        }
    }
}

/// One press, with what it needs to answer where it happened.
struct Press<'a> {
    ctx: &'a AppContext,
    event: &'a SlackInteractionBlockActionsEvent,
    workspace: WorkspaceId,
    user: SlackUserId,
    action_id: &'a str,
}

async fn block_actions(ctx: &AppContext, event: SlackInteractionBlockActionsEvent) {
    let Some(user) = &event.user else {
        return;
    };
    let Some((workspace, user)) = who(&event.team.id, &user.id) else {
        return;
    };
    for action in event.actions.iter().flatten() {
        let action_id = action.action_id.value();
        // A menu's choice carries its button in the chosen option.
        let value = action
            .value
            .as_deref()
            .or(action.selected_option.as_ref().map(|o| o.value.as_str()));
        let press = Press {
            ctx,
            event: &event,
            workspace: workspace.clone(),
            user: user.clone(),
            action_id,
        };
        tracing::info!(%workspace, %user, action = action_id, "a button was pressed");
        match Button::read(action_id, value) {
            Some(button) => press.carry_out(button).await,
            None => press.show(
                &Answer {
                    reply: Reply::ButtonGone,
                    today: ctx.clock.now().date_naive(),
                },
                false,
            ),
        }
    }
}

impl Press<'_> {
    async fn carry_out(&self, button: Button) {
        let ctx = self.ctx;
        let (workspace, user) = (&self.workspace, &self.user);
        let pressed = match button {
            Button::Undo(line) => Pressed::Undo(line),
            Button::SnoozeWeek => Pressed::SnoozeWeek,
            Button::KeepDisputed { entry, rep } => Pressed::SettleDispute {
                entry,
                rep,
                decision: DisputeDecision::Keep,
            },
            Button::DeleteDisputed { entry, rep } => Pressed::SettleDispute {
                entry,
                rep,
                decision: DisputeDecision::Delete,
            },
            Button::Confirm {
                entry,
                revision,
                answer,
            } => {
                let answer = ctx
                    .answer_as_rep(workspace, user, entry, revision, answer)
                    .await;
                self.show(&answer, true);
                return;
            }
            Button::LogCoaching(preset) => {
                let origin = self.origin();
                let form = (EntryKind::Session, preset);
                open_form(ctx, workspace, user, self.trigger(), form, origin).await;
                return;
            }
            Button::LogMeeting => {
                let origin = self.origin();
                let form = (EntryKind::Meeting, Preset::default());
                open_form(ctx, workspace, user, self.trigger(), form, origin).await;
                return;
            }
            Button::EditEntry(entry) => {
                let view = match ctx.edit_form(workspace, user, entry).await {
                    Ok(spec) => forms::form(&spec),
                    Err(reply) => self.result(reply),
                };
                self.open(view).await;
                return;
            }
            Button::DeleteEntry(entry) => {
                let view = match ctx.entry_to_delete(workspace, user, entry).await {
                    Ok((stored, today)) => forms::confirm_delete(&stored, today),
                    Err(reply) => self.result(reply),
                };
                self.open(view).await;
                return;
            }
            settings => {
                let view = self.settings_form(settings).await;
                self.open(view).await;
                return;
            }
        };
        let answers_a_question = matches!(pressed, Pressed::SettleDispute { .. });
        let answer = ctx.press(workspace, user, pressed).await;
        self.show(&answer, answers_a_question);
        home::publish_if_changed(ctx, workspace, user, &answer.reply);
    }

    fn trigger(&self) -> &str {
        self.event.trigger_id.value()
    }

    fn result(&self, reply: Reply) -> SlackView {
        forms::result(&Answer {
            reply,
            today: self.ctx.clock.now().date_naive(),
        })
    }

    async fn open(&self, view: SlackView) {
        let opening = async {
            self.ctx
                .slack
                .client_for(&self.workspace)
                .await?
                .open_view(self.trigger(), view)
                .await
        };
        if let Err(error) = opening.await {
            tracing::warn!(%error, "Slack did not open a form");
        }
    }

    /// The small form a Home tab setting opens, filled in as things stand.
    async fn settings_form(&self, button: Button) -> SlackView {
        let manager = match self.ctx.store.manager(&self.workspace, &self.user).await {
            Ok(manager) => manager,
            Err(_) => return self.result(Reply::Apology),
        };
        let now = self.ctx.clock.now();
        let today = manager
            .as_ref()
            .map_or(now.date_naive(), |m: &Manager| m.today(now));
        match (button, manager) {
            (Button::AddReps, _) => settings::add_reps(today),
            (Button::ChangeTimeZone, Some(manager)) => settings::time_zone(manager.tz()),
            (Button::ChangeSnooze, Some(manager)) => {
                settings::snooze(today, manager.snoozed_on(today))
            }
            (Button::ChangeDigest, Some(manager)) => {
                settings::digest(manager.digest_channel.as_ref())
            }
            (Button::RemoveRep(rep), Some(_)) => settings::remove_rep(&rep),
            (Button::ChangeJoinDay(rep), Some(manager)) => {
                match self.join_day(&manager, &rep).await {
                    Some(joined) => settings::join_day(&rep, joined),
                    None => self.result(Reply::NotOnTeam {
                        reps: vec![rep],
                        manager_is_one: false,
                    }),
                }
            }
            _ => self.result(Reply::NoTeamYet),
        }
    }

    async fn join_day(&self, manager: &Manager, rep: &SlackUserId) -> Option<NaiveDate> {
        let team = self.ctx.store.current_team(manager).await.ok()?;
        team.iter()
            .find(|member| &member.rep == rep)
            .map(|member| member.joined_on)
    }

    /// The bot message the button sits on, to update once its form is
    /// submitted; `None` for an ephemeral message or a view, which are
    /// updated otherwise.
    fn origin(&self) -> Option<FormOrigin> {
        let SlackInteractionActionContainer::Message(container) = &self.event.container else {
            return None;
        };
        if container.is_ephemeral == Some(true) {
            return None;
        }
        let message = self.event.message.as_ref()?;
        Some(FormOrigin {
            channel: container.channel_id.as_ref()?.to_string(),
            message_ts: container.message_ts.to_string(),
            blocks: serde_json::to_string(&message.content.blocks).ok()?,
            action_id: self.action_id.to_string(),
        })
    }

    /// Shows what a press did where the button sat, after the
    /// acknowledgement: a modal is updated in place; an ephemeral message
    /// (a typed confirmation) is replaced through its `response_url`; a bot
    /// message (a reminder, a question) keeps its other buttons, or loses
    /// the whole row for an answered question, and says what was done.
    fn show(&self, answer: &Answer, answers_a_question: bool) {
        let (slack, workspace) = (self.ctx.slack.clone(), self.workspace.clone());
        let content = messages::reply(answer);
        let view = forms::result(answer);
        let container = self.event.container.clone();
        let response_url = self.event.response_url.clone();
        let blocks = self
            .event
            .message
            .as_ref()
            .and_then(|message| serde_json::to_value(&message.content.blocks).ok());
        let action_id = self.action_id.to_string();
        // A button on the Home tab answers in a modal of its own, not over
        // the tab.
        let on_home = matches!(self.event.view, Some(SlackView::Home(_)));
        let trigger = self.trigger().to_string();
        self.ctx
            .follow_ups
            .spawn("a message or form updated after a press", async move {
                let bot = match slack.client_for(&workspace).await {
                    Ok(bot) => bot,
                    Err(error) => {
                        tracing::warn!(%error, "could not show what a button did on its message");
                        return;
                    }
                };
                let shown = match container {
                    SlackInteractionActionContainer::View(_) if on_home => {
                        bot.open_view(&trigger, view).await.map(|_| ())
                    }
                    SlackInteractionActionContainer::View(view_container) => {
                        bot.update_view(view_container.view_id.value(), view).await
                    }
                    SlackInteractionActionContainer::Message(message)
                        if message.is_ephemeral == Some(true) =>
                    {
                        match response_url {
                            Some(url) => slack.api().respond(url.0.as_ref(), content).await,
                            None => Ok(()),
                        }
                    }
                    SlackInteractionActionContainer::Message(message) => {
                        match (message.channel_id, blocks) {
                            (Some(channel), Some(blocks)) => {
                                let updated = messages::after_press(
                                    &blocks,
                                    &action_id,
                                    &content,
                                    answers_a_question,
                                );
                                bot.update_message(
                                    channel.value(),
                                    message.message_ts.value(),
                                    updated,
                                )
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
}

/// Opens a logging form for a trigger, which Slack honours for 3 seconds:
/// at once for a known manager; for a new one, a holding view first, filled
/// in once their time zone has come from Slack.
pub async fn open_form(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    user: &SlackUserId,
    trigger_id: &str,
    (kind, preset): (EntryKind, Preset),
    origin: Option<FormOrigin>,
) -> bool {
    let slack = match ctx.slack.client_for(workspace).await {
        Ok(slack) => slack,
        Err(error) => {
            tracing::warn!(%error, "Slack did not open a form");
            return false;
        }
    };
    let opened = match ctx.form(workspace, user, kind, preset.clone(), false).await {
        Ok(Some(spec)) => slack.open_view(trigger_id, forms::form(&spec)).await,
        Ok(None) => {
            let opened = slack.open_view(trigger_id, forms::loading(kind)).await;
            if let Ok(view_id) = &opened {
                fill_in_later(ctx, workspace, user, view_id, kind, preset);
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
                    .remember_form_origin(&view_id, workspace, &origin, ctx.clock.now())
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

/// Fills in a holding view once a new manager's time zone has come.
fn fill_in_later(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    user: &SlackUserId,
    view_id: &str,
    kind: EntryKind,
    preset: Preset,
) {
    let (filling, workspace, user, view_id) = (
        ctx.clone(),
        workspace.clone(),
        user.clone(),
        view_id.to_string(),
    );
    ctx.follow_ups
        .spawn("a form filled in once the time zone came", async move {
            let ctx = filling;
            let view = match ctx.form(&workspace, &user, kind, preset, true).await {
                Ok(Some(spec)) => forms::form(&spec),
                _ => forms::result(&Answer {
                    reply: Reply::SlackUnavailable,
                    today: ctx.clock.now().date_naive(),
                }),
            };
            let updating = async {
                ctx.slack
                    .client_for(&workspace)
                    .await?
                    .update_view(&view_id, view)
                    .await
            };
            if let Err(error) = updating.await {
                tracing::warn!(%error, "could not fill in a form opened for a new manager");
            }
        });
}

/// A submitted form: each mistake next to its field, or what was done, in
/// the view the form closes with (and on the message it was opened from).
async fn view_submission(
    ctx: &AppContext,
    event: SlackInteractionViewSubmissionEvent,
) -> SlackInteractionResponse {
    let (callback, metadata) = match &event.view.view {
        SlackView::Modal(modal) => (
            modal.callback_id.as_ref().map(|id| id.to_string()),
            modal.private_metadata.clone(),
        ),
        SlackView::Home(_) => (None, None),
    };
    let Some(callback) = callback else {
        return SlackInteractionResponse::Empty;
    };
    let Some((workspace, user)) = who(&event.team.id, &event.user.id) else {
        return SlackInteractionResponse::Empty;
    };
    let state = event.view.state_params.state.as_ref();
    let submitted = if let Some(kind) = forms::form_kind(&callback) {
        let submission = forms::submission(kind, forms::entry_of(metadata.as_deref()), state);
        ctx.submit(&workspace, &user, submission).await
    } else if callback == forms::DELETE_FORM {
        match forms::entry_of(metadata.as_deref()) {
            Some(entry) => {
                Submitted::Answered(ctx.press(&workspace, &user, Pressed::Delete(entry)).await)
            }
            None => return SlackInteractionResponse::Empty,
        }
    } else if let Some(setting) = settings::setting(&callback, metadata.as_deref(), state) {
        ctx.apply_setting(&workspace, &user, setting).await
    } else {
        return SlackInteractionResponse::Empty;
    };
    match submitted {
        Submitted::Errors(errors) => forms::field_errors(&errors).into(),
        Submitted::Answered(answer) => {
            if matches!(
                answer.reply,
                Reply::Logged { .. } | Reply::MeetingLogged { .. }
            ) {
                update_origin(ctx, &workspace, event.view.state_params.id.value(), &answer);
            }
            home::publish_if_changed(ctx, &workspace, &user, &answer.reply);
            SlackViewSubmissionResponse::Update(SlackViewSubmissionUpdateResponse::new(
                forms::result(&answer),
            ))
            .into()
        }
    }
}

/// Once a form opened from a reminder's button has stored something, the
/// reminder says so and drops that button. It is rebuilt from the message
/// as the last such update left it, not from the copy this form was opened
/// with, so the buttons other forms used stay gone.
fn update_origin(ctx: &AppContext, workspace: &WorkspaceId, view_id: &str, answer: &Answer) {
    let (updating, workspace, view_id, content) = (
        ctx.clone(),
        workspace.clone(),
        view_id.to_string(),
        messages::reply(answer),
    );
    ctx.follow_ups
        .spawn("a reminder updated after its form was used", async move {
            let ctx = updating;
            let taken = ctx
                .store
                .take_form_origin_updating(&view_id, |origin| {
                    let blocks = serde_json::from_str(&origin.blocks).unwrap_or_default();
                    let updated =
                        messages::after_press(&blocks, &origin.action_id, &content, false);
                    let shown = serde_json::to_string(&updated.blocks)
                        .unwrap_or_else(|_| origin.blocks.clone());
                    (updated, shown)
                })
                .await;
            let (origin, updated) = match taken {
                Ok(Some(taken)) => taken,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "could not read where a form was opened from");
                    return;
                }
            };
            let updating = async {
                ctx.slack
                    .client_for(&workspace)
                    .await?
                    .update_message(&origin.channel, &origin.message_ts, updated)
                    .await
            };
            if let Err(error) = updating.await {
                tracing::warn!(%error, "could not show on a reminder what its form stored");
            }
        });
}
