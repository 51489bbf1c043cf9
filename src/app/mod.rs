//! The application: the context every request and job shares, and one
//! function per use case, whether a typed command, a button, a form or a
//! job triggers it. A command is carried out for a manager (looked up, and
//! asked of Slack for their time zone the first time), at their local date,
//! and answered with a [`Reply`] as data; `messages` decides how it looks.

mod confirmations;
pub mod delivery;
pub mod export;
mod follow_ups;
pub mod forms;
pub mod home;
mod home_tabs;
pub mod installs;
pub mod jobs;
mod logging;
mod months;
mod preferences;
mod reply;
pub mod settings;
mod team;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::causes;
use crate::clock::Clock;
use crate::command::{self, Command, CommandError, DigestChange};
use crate::config::Settings;
use crate::domain::{
    DisputeDecision, EntryId, EntryKind, InvalidId, LineId, Manager, MeetingPolicy, SlackUserId,
    WorkspaceId, YearMonth,
};
use crate::slack::{SlackError, Workspaces};
use crate::store::{Store, StoreError, UndoTarget};
use crate::telemetry;

pub use delivery::Deliveries;
pub use follow_ups::FollowUps;
pub use home_tabs::HomeTabs;
pub use reply::*;

/// What every request handler and job shares.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub store: Store,
    /// The Web API, as the bot of each workspace coachbot holds a token for.
    pub slack: Workspaces,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub follow_ups: FollowUps,
    /// The Home tabs this process is publishing, and each workspace's pace.
    pub home_tabs: HomeTabs,
    /// Delivery's pace per workspace, and what wakes it.
    pub deliveries: Deliveries,
}

/// A button a manager pressed, carried out by the same use case as the
/// command it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    /// Undo, on a confirmation: takes back the line it was shown with.
    Undo(LineId),
    /// Snooze a week, on a reminder; a pause already running stays as it is.
    SnoozeWeek,
    /// Delete, confirmed: the whole entry.
    Delete(EntryId),
    /// Keep or Delete on the notice of a session a rep disputed.
    SettleDispute {
        entry: EntryId,
        rep: SlackUserId,
        decision: DisputeDecision,
    },
}

/// One `/coach` call, already verified and parsed from Slack's payload.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub workspace: WorkspaceId,
    pub user: SlackUserId,
    pub text: String,
    /// Where it was typed, which decides what can be done from there.
    pub surface: Surface,
}

/// Where a `/coach` line was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Slack, with its channels, forms and Home tab.
    Slack,
    /// The terminal of `coachbot try`: typed lines and their answers only,
    /// with no Slack to post to or to ask.
    Terminal,
}

impl Invocation {
    /// A slash command as any transport receives it: the workspace and user
    /// IDs as Slack wrote them, and the text typed after `/coach`.
    pub fn from_slash_command(
        workspace_id: &str,
        user_id: &str,
        text: String,
    ) -> Result<Self, InvalidId> {
        Ok(Self {
            workspace: WorkspaceId::parse(workspace_id)?,
            user: SlackUserId::parse(user_id)?,
            text,
            surface: Surface::Slack,
        })
    }

    /// The form `/coach log` or `/coach log meeting` asks for, which must
    /// open before anything else: its trigger lives 3 seconds.
    pub fn form_request(&self) -> Option<EntryKind> {
        command::form_request(&self.text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not look up the manager's time zone")]
    Slack(#[from] SlackError),
}

impl AppContext {
    pub fn meeting_policy(&self) -> MeetingPolicy {
        MeetingPolicy {
            due_after_days: self.settings.meetings.due_after_days,
            overdue_after_days: self.settings.meetings.overdue_after_days,
        }
    }

    pub fn target(&self) -> u32 {
        self.settings.coaching.target_minutes_per_rep_per_month
    }

    /// Runs one command; unexpected failures are logged here, once, and the
    /// manager gets an apology.
    #[tracing::instrument(skip(self, invocation), fields(workspace = %invocation.workspace, user = %invocation.user))]
    pub async fn handle(&self, invocation: Invocation) -> Answer {
        let now = self.clock.now();
        match self.try_handle(&invocation, now).await {
            Ok(answer) => answer,
            Err(Failure::Slack(error)) => {
                tracing::warn!(error = %error, "first-use time zone lookup failed");
                // Help needs no time zone, so a newcomer still gets it.
                let today = now.date_naive();
                let reply = match command::parse(&invocation.text, today) {
                    Ok(Command::Help) => Reply::Help {
                        target: self.target(),
                        surface: invocation.surface,
                    },
                    _ => Reply::SlackUnavailable,
                };
                Answer { reply, today }
            }
            Err(error) => self.failed(error, now),
        }
    }

    /// A button press: looked up like a command's manager, then carried out.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, user = %user))]
    pub async fn press(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        pressed: Pressed,
    ) -> Answer {
        let now = self.clock.now();
        let pressing = async {
            let (manager, _) = self.manager(workspace, user, now).await?;
            let reply = match pressed {
                Pressed::Undo(line) => self.undo(&manager, UndoTarget::Line(line), now).await?,
                Pressed::SnoozeWeek => {
                    let week_on = manager.today(now) + chrono::Duration::days(7);
                    self.pause_until(&manager, week_on, now, true).await?
                }
                Pressed::Delete(entry) => self.delete_entry(&manager, entry).await?,
                Pressed::SettleDispute {
                    entry,
                    rep,
                    decision,
                } => self.settle_dispute(&manager, entry, &rep, decision).await?,
            };
            Ok::<_, Failure>(Answer {
                reply,
                today: manager.today(now),
            })
        };
        match pressing.await {
            Ok(answer) => answer,
            Err(error) => self.failed(error, now),
        }
    }

    /// An unexpected failure, logged here once with its whole cause chain on
    /// one line ("database error: …: FOREIGN KEY constraint failed"); the
    /// manager gets an apology.
    fn failed(&self, error: Failure, now: DateTime<Utc>) -> Answer {
        tracing::error!(error = %causes::one_line(&error), "a /coach request failed");
        Answer {
            reply: Reply::Apology,
            today: now.date_naive(),
        }
    }

    async fn try_handle(
        &self,
        invocation: &Invocation,
        now: DateTime<Utc>,
    ) -> Result<Answer, Failure> {
        let (manager, first_use) = self
            .manager(&invocation.workspace, &invocation.user, now)
            .await?;
        let reply = self
            .carry_out(&manager, &invocation.text, invocation.surface, now)
            .await?;
        let reply = if first_use {
            Reply::Welcome {
                tz: manager.tz(),
                then: Box::new(reply),
            }
        } else {
            reply
        };
        Ok(Answer {
            reply,
            today: manager.today(now),
        })
    }

    async fn carry_out(
        &self,
        manager: &Manager,
        text: &str,
        surface: Surface,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        let command = match command::parse(text, today) {
            // A terminal has no channels to pick, so a channel typed there
            // is no mistake to correct: a digest is set in Slack.
            Err(CommandError::BadDigestChannel(_)) if surface == Surface::Terminal => {
                tracing::info!(command = "digest", "answered /coach");
                telemetry::command("digest");
                return Ok(Reply::DigestNeedsSlack);
            }
            Ok(command) => command,
            Err(mistake) => {
                tracing::info!(command = "mistake", "answered /coach");
                telemetry::command("mistake");
                return Ok(Reply::Mistake(mistake.to_string()));
            }
        };
        tracing::info!(command = command.name(), "answered /coach");
        telemetry::command(command.name());
        Ok(match command {
            Command::Log(entries) => self.log_sessions(manager, entries, now).await?,
            Command::Meeting(log) => self.log_meeting(manager, log, now).await?,
            Command::Team(change) => self.change_team(manager, change, now).await?,
            Command::Status => Reply::Status(self.dashboard(manager, now).await?),
            Command::Report(month) => {
                let month = month.unwrap_or_else(|| YearMonth::of(today));
                Reply::Report(self.report(manager, month, now).await?)
            }
            Command::Undo => self.undo(manager, UndoTarget::Latest, now).await?,
            Command::OpenForm(kind) => Reply::FormNeedsSlack(kind),
            Command::Snooze(change) => self.snooze(manager, change, now).await?,
            Command::TimeZone(change) => self.time_zone(manager, change, now).await?,
            Command::Digest(DigestChange::Show | DigestChange::Set(_))
                if surface == Surface::Terminal =>
            {
                Reply::DigestNeedsSlack
            }
            Command::Digest(change) => self.digest_channel(manager, change).await?,
            Command::Help => Reply::Help {
                target: self.target(),
                surface,
            },
        })
    }

    /// The stored manager, or a new one with the time zone Slack reports;
    /// `true` when new.
    async fn manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(Manager, bool), Failure> {
        if let Some(manager) = self.known_manager(workspace, user).await? {
            return Ok((manager, false));
        }
        let tz = self.slack_time_zone(workspace, user).await?;
        Ok((
            self.store.add_manager(workspace, user, tz, now).await?,
            true,
        ))
    }

    /// The stored manager, if coachbot knows them. A stored Slack zone this
    /// version cannot read (a `chrono-tz` update can drop one) is asked of
    /// Slack again and stored, so the manager is readable from now on.
    async fn known_manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, Failure> {
        match self.store.manager(workspace, user).await {
            Err(StoreError::UnknownTimeZone(zone)) => {
                tracing::warn!(%zone, "the stored Slack time zone is unknown to this version; asking Slack again");
                let tz = self.slack_time_zone(workspace, user).await?;
                Ok(Some(
                    self.store.set_slack_time_zone(workspace, user, tz).await?,
                ))
            }
            known => Ok(known?),
        }
    }

    /// The zone Slack reports for `user`; UTC when it has none this version
    /// knows.
    async fn slack_time_zone(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Tz, Failure> {
        let slack = self
            .slack
            .client_for(workspace)
            .await
            .map_err(SlackError::from)?;
        match slack.user_time_zone(user).await {
            Ok(tz) => Ok(tz.unwrap_or(Tz::UTC)),
            // A refusal (say, a missing users:read scope) will not heal by
            // retrying: start in UTC and let the manager set `tz`.
            Err(SlackError::Rejected(code)) => {
                tracing::warn!(%code, "users.info refused; using UTC until the manager sets `/coach tz`");
                Ok(Tz::UTC)
            }
            Err(error) => Err(error.into()),
        }
    }
}
