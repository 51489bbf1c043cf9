//! Carries out a `/coach` command for a manager: looks them up (asking Slack
//! for their time zone the first time), parses the text at their local
//! date, applies it through the store, and answers with a [`Reply`] that
//! `slack::render` turns into a message.

pub mod delivery;
pub mod export;
pub mod jobs;
mod reply;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::causes;
use crate::clock::Clock;
use crate::command::{self, Command, SnoozeChange, TeamChange, TimeZoneChange};
use crate::config::Settings;
use crate::domain::{
    meeting_state, pace, rep_month_minutes, session_day, Entry, InvalidId, JoinMove, Manager,
    MeetingEntry, MeetingPolicy, MeetingState, Membership, MonthActivity, RepProgress, SessionDay,
    SessionEntry, SessionRecord, SlackTeamId, SlackUserId, StoredEntry, YearMonth,
};
use crate::slack::{SlackApi, SlackError};
use crate::store::{Store, StoreError, UndoTarget, Undone};

pub use reply::*;

/// What every request handler and job shares.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub store: Store,
    pub slack: SlackApi,
    pub settings: Arc<Settings>,
    pub clock: Clock,
}

/// One `/coach` call, already verified and parsed from Slack's payload.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub team: SlackTeamId,
    pub user: SlackUserId,
    pub text: String,
}

impl Invocation {
    /// A slash command as any transport receives it: the workspace and user
    /// IDs as Slack wrote them, and the text typed after `/coach`.
    pub fn from_slash_command(
        team_id: &str,
        user_id: &str,
        text: String,
    ) -> Result<Self, InvalidId> {
        Ok(Self {
            team: SlackTeamId::parse(team_id)?,
            user: SlackUserId::parse(user_id)?,
            text,
        })
    }
}

#[derive(Debug, thiserror::Error)]
enum Failure {
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
    #[tracing::instrument(skip(self, invocation), fields(team = %invocation.team, user = %invocation.user))]
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
                    },
                    _ => Reply::SlackUnavailable,
                };
                Answer { reply, today }
            }
            Err(error) => {
                // The whole cause chain on one line: "database error: …: FOREIGN KEY constraint failed".
                tracing::error!(error = %causes::one_line(&error), "a /coach command failed");
                Answer {
                    reply: Reply::Apology,
                    today: now.date_naive(),
                }
            }
        }
    }

    async fn try_handle(
        &self,
        invocation: &Invocation,
        now: DateTime<Utc>,
    ) -> Result<Answer, Failure> {
        let (manager, first_use) = self
            .manager(&invocation.team, &invocation.user, now)
            .await?;
        let reply = self.carry_out(&manager, &invocation.text, now).await?;
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
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        let command = match command::parse(text, today) {
            Ok(command) => command,
            Err(mistake) => {
                tracing::info!(command = "mistake", "answered /coach");
                return Ok(Reply::Mistake(mistake.to_string()));
            }
        };
        tracing::info!(command = command.name(), "answered /coach");
        Ok(match command {
            Command::Log(entries) => self.log_sessions(manager, entries, now).await?,
            Command::Meeting(log) => self.log_meeting(manager, log, now).await?,
            Command::Team(change) => self.change_team(manager, change, now).await?,
            Command::Status => Reply::Status(self.dashboard(manager, now).await?),
            Command::Report(month) => {
                let month = month.unwrap_or_else(|| YearMonth::of(today));
                Reply::Report(self.report(manager, month, now).await?)
            }
            Command::Undo => match self.store.undo(manager, UndoTarget::Latest, now).await? {
                Undone::Removed(_, entries) => Reply::Undone(entries),
                Undone::AlreadyUndone | Undone::Nothing => Reply::NothingToUndo,
            },
            Command::Snooze(change) => self.snooze(manager, change, now).await?,
            Command::TimeZone(change) => self.time_zone(manager, change, now).await?,
            Command::Help => Reply::Help {
                target: self.target(),
            },
        })
    }

    /// The stored manager, or a new one with the time zone Slack reports;
    /// `true` when new.
    async fn manager(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(Manager, bool), Failure> {
        if let Some(manager) = self.store.manager(team, user).await? {
            return Ok((manager, false));
        }
        let tz = match self.slack.user_time_zone(team, user).await {
            Ok(tz) => tz.unwrap_or(Tz::UTC),
            // A refusal (say, a missing users:read scope) will not heal by
            // retrying: start in UTC and let the manager set `tz`.
            Err(SlackError::Rejected(code)) => {
                tracing::warn!(%code, "users.info refused; using UTC until the manager sets `/coach tz`");
                Tz::UTC
            }
            Err(error) => return Err(error.into()),
        };
        Ok((self.store.add_manager(team, user, tz, now).await?, true))
    }

    /// Stores a line of 1:1 sessions if every rep may have them on their
    /// days (moving join days back where a session comes before one), and
    /// answers with each rep's month.
    async fn log_sessions(
        &self,
        manager: &Manager,
        entries: Vec<SessionEntry>,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let mut reps: Vec<SlackUserId> = Vec::new();
        for rep in entries.iter().flat_map(|e| &e.reps) {
            if !reps.contains(rep) {
                reps.push(rep.clone());
            }
        }
        // One read answers both "may they have these sessions?" and, with
        // the line added once it is stored, "where does their month stand?".
        let month = YearMonth::of(entries[0].held_on);
        let mut activity = self
            .store
            .month_activity(&manager.team, &reps, month)
            .await?;
        let mut moves: Vec<JoinMove> = Vec::new();
        let mut not_on_team: Vec<SlackUserId> = Vec::new();
        for entry in &entries {
            for rep in &entry.reps {
                match session_day(&activity.memberships, &manager.id, rep, entry.held_on) {
                    SessionDay::OnTeam => {}
                    SessionDay::NotOnTeam => {
                        if !not_on_team.contains(rep) {
                            not_on_team.push(rep.clone());
                        }
                    }
                    SessionDay::OnAnotherTeam { manager: other } => {
                        return Ok(Reply::OnAnotherTeamThatDay {
                            rep: rep.clone(),
                            manager: other,
                            day: entry.held_on,
                        })
                    }
                    SessionDay::BeforeEarlierStint { joined } => {
                        return Ok(Reply::BeforeEarlierStint {
                            rep: rep.clone(),
                            joined,
                        })
                    }
                    SessionDay::JoinDayMovesBack { from, to } => {
                        match moves.iter_mut().find(|m| &m.rep == rep) {
                            Some(earlier) => earlier.to = earlier.to.min(to),
                            None => moves.push(JoinMove {
                                rep: rep.clone(),
                                from,
                                to,
                            }),
                        }
                    }
                }
            }
        }
        if !not_on_team.is_empty() {
            return Ok(Reply::NotOnTeam {
                manager_is_one: not_on_team.contains(&manager.id),
                reps: not_on_team,
            });
        }
        let days: Vec<_> = entries.iter().map(|e| e.held_on).collect();
        let earlier = self.store.entries_on(manager, &days).await?;
        let stored: Vec<Entry> = entries.iter().cloned().map(Entry::Session).collect();
        let duplicates = duplicates_of(&stored, earlier);
        let line = self
            .store
            .insert_line(manager, &stored, &moves, now)
            .await?;
        for moved in &moves {
            if let Some(current) = activity
                .memberships
                .iter_mut()
                .find(|m| m.rep == moved.rep && m.manager == manager.id && m.left_on.is_none())
            {
                current.joined_on = moved.to;
            }
        }
        for entry in &entries {
            activity
                .sessions
                .extend(entry.reps.iter().map(|rep| SessionRecord {
                    rep: rep.clone(),
                    minutes: entry.minutes.get(),
                    activity: entry.activity,
                    held_on: entry.held_on,
                }));
        }
        let members: Vec<Membership> = reps
            .iter()
            .filter_map(|rep| {
                activity
                    .memberships
                    .iter()
                    .find(|m| &m.rep == rep && m.manager == manager.id && m.left_on.is_none())
                    .cloned()
            })
            .collect();
        let progress = self.rep_progress(&members, month, &activity, manager.today(now));
        Ok(Reply::Logged {
            line,
            entries,
            progress,
            moved: moves,
            duplicates,
        })
    }

    async fn log_meeting(
        &self,
        manager: &Manager,
        log: MeetingEntry,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        if self.store.current_team(manager).await?.is_empty() {
            return Ok(Reply::NoTeamYet);
        }
        let team = self
            .store
            .team_during(manager, YearMonth::of(log.held_on))
            .await?;
        let present = team.iter().filter(|m| m.covers(log.held_on)).count();
        let earlier = self.store.entries_on(manager, &[log.held_on]).await?;
        let stored = [Entry::Meeting(log.clone())];
        let duplicates = duplicates_of(&stored, earlier);
        let line = self.store.insert_line(manager, &stored, &[], now).await?;
        Ok(Reply::MeetingLogged {
            line,
            log,
            reps_counted: present,
            duplicates,
        })
    }

    async fn change_team(
        &self,
        manager: &Manager,
        change: TeamChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        Ok(match change {
            TeamChange::Show => Reply::Team(self.store.current_team(manager).await?),
            TeamChange::Add { reps, since } => {
                if reps.contains(&manager.id) {
                    return Ok(Reply::CannotCoachSelf);
                }
                Reply::TeamAdded(self.store.add_reps(manager, &reps, since, today).await?)
            }
            TeamChange::Remove(reps) => {
                Reply::TeamRemoved(self.store.remove_reps(manager, &reps, today).await?)
            }
        })
    }

    /// Each member's month so far against pace.
    async fn progress(
        &self,
        manager: &Manager,
        members: &[Membership],
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<Vec<RepProgress>, StoreError> {
        Ok(self.team_month(manager, members, month, now).await?.0)
    }

    /// Each member's month against pace, with the records it came from.
    pub async fn team_month(
        &self,
        manager: &Manager,
        members: &[Membership],
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RepProgress>, MonthActivity), StoreError> {
        let reps: Vec<SlackUserId> = members.iter().map(|m| m.rep.clone()).collect();
        let activity = self
            .store
            .month_activity(&manager.team, &reps, month)
            .await?;
        let progress = self.rep_progress(members, month, &activity, manager.today(now));
        Ok((progress, activity))
    }

    fn rep_progress(
        &self,
        members: &[Membership],
        month: YearMonth,
        activity: &MonthActivity,
        today: NaiveDate,
    ) -> Vec<RepProgress> {
        members
            .iter()
            .map(|member| {
                let minutes = rep_month_minutes(&member.rep, month, activity);
                RepProgress {
                    rep: member.rep.clone(),
                    minutes,
                    pace: pace(
                        self.target(),
                        month,
                        today,
                        member.joined_on,
                        minutes.total(),
                    ),
                    joined_mid_month: Some(member.joined_on)
                        .filter(|joined| *joined > month.first_day()),
                }
            })
            .collect()
    }

    /// How long since the manager's last team meeting, on `today`.
    pub async fn meeting_state(
        &self,
        manager: &Manager,
        today: NaiveDate,
    ) -> Result<MeetingState, StoreError> {
        Ok(meeting_state(
            self.meeting_policy(),
            self.store.last_meeting(manager).await?,
            self.store.team_since(manager).await?,
            manager.today(manager.first_used),
            today,
        ))
    }

    async fn dashboard(
        &self,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, StoreError> {
        let today = manager.today(now);
        let month = YearMonth::of(today);
        let team = self.store.current_team(manager).await?;
        let progress = self.progress(manager, &team, month, now).await?;
        Ok(Dashboard {
            today,
            month,
            target: self.target(),
            reps: progress,
            meeting: self.meeting_state(manager, today).await?,
            snoozed_until: manager.snoozed_on(today),
        })
    }

    async fn report(
        &self,
        manager: &Manager,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<MonthReport, Failure> {
        let team = self.store.team_during(manager, month).await?;
        let reps = self.progress(manager, &team, month, now).await?;
        let meetings = self
            .store
            .meetings_between(manager, month.first_day(), month.next().first_day())
            .await?;
        let today = manager.today(now);
        Ok(MonthReport {
            month,
            finished: today >= month.next().first_day(),
            target: self.target(),
            reps,
            meetings,
        })
    }

    async fn snooze(
        &self,
        manager: &Manager,
        change: SnoozeChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        Ok(match change {
            SnoozeChange::Show => Reply::SnoozeState(manager.snoozed_on(today)),
            SnoozeChange::Until(until) => {
                self.store.set_snooze(manager, Some(until)).await?;
                Reply::Snoozed(until)
            }
            SnoozeChange::Off => {
                self.store.set_snooze(manager, None).await?;
                Reply::SnoozeOff
            }
        })
    }

    async fn time_zone(
        &self,
        manager: &Manager,
        change: TimeZoneChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let (tz, overridden) = match change {
            TimeZoneChange::Show => (manager.tz(), manager.tz_override.is_some()),
            TimeZoneChange::Set(tz) => {
                self.store.set_time_zone_override(manager, Some(tz)).await?;
                (tz, true)
            }
            TimeZoneChange::Reset => {
                self.store.set_time_zone_override(manager, None).await?;
                (manager.slack_tz, false)
            }
        };
        Ok(Reply::TimeZone {
            tz,
            overridden,
            local_now: now.with_timezone(&tz).naive_local(),
        })
    }
}

/// The stored entries each new entry looks like.
fn duplicates_of(new: &[Entry], earlier: Vec<StoredEntry>) -> Vec<StoredEntry> {
    earlier
        .into_iter()
        .filter(|stored| new.iter().any(|entry| entry.looks_like(&stored.entry)))
        .collect()
}
