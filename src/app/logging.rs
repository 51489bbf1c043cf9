//! Logging coaching: a line of 1:1 sessions or a team meeting, whether it
//! was typed or came from a form, checked against who was on the team on
//! each day and stored with any join days it moves; and an entry changed or
//! deleted after the fact, by the same rules.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppContext, Failure, MonthProgress, Reply};
use crate::domain::{
    session_day, Confirmation, Entry, EntryId, JoinMove, Manager, MeetingEntry, Membership,
    SessionDay, SessionEntry, SessionRecord, SlackUserId, StoredEntry, YearMonth,
};
use crate::store::{
    Edited, LineContext, Owned, StintsSeen, StoreError, StoredLine, TeamRule, UndoTarget, Undone,
};

impl AppContext {
    /// A new 1:1's reps' word to begin with: asked, where the workspace asks
    /// reps to confirm.
    pub(super) fn asking(&self) -> Confirmation {
        if self.settings.coaching.ask_reps_to_confirm {
            Confirmation::Asked
        } else {
            Confirmation::NotAsked
        }
    }

    /// Takes back a line: the manager's latest (`/coach undo`) or the one a
    /// confirmation showed (its Undo button). One function for both; a
    /// second undo of the same line changes nothing and says so.
    pub(super) async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        Ok(match self.store.undo(manager, target, now).await? {
            Undone::Removed(_, entries, join_days) => Reply::Undone { entries, join_days },
            Undone::Team(taken_back) => Reply::TeamUndone(taken_back),
            Undone::Refused(refused) => Reply::TeamUndoRefused(refused),
            Undone::AlreadyUndone => Reply::AlreadyUndone,
            Undone::NotYours { manager } => Reply::NotYours { manager },
            Undone::Nothing if target == UndoTarget::Latest => Reply::NothingToUndo,
            Undone::Nothing => Reply::NoLongerThere,
        })
    }

    /// Stores a line of 1:1 sessions if every rep may have them on their
    /// days (moving join days back where a session comes before one), and
    /// answers with each rep's month, for each month the line falls in.
    pub(super) async fn log_sessions(
        &self,
        manager: &Manager,
        entries: Vec<SessionEntry>,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let reps = distinct(entries.iter().flat_map(|e| e.reps.iter().cloned()));
        let stored: Vec<Entry> = entries.iter().cloned().map(Entry::Session).collect();
        // One read answers "may they have these sessions?" (every month
        // read holds all the reps' stints), "does it repeat an entry?" and,
        // with the line added once it is stored, "where does their month
        // stand?".
        let LineContext {
            seen,
            months,
            lookalikes: duplicates,
        } = self
            .store
            .line_context(
                manager,
                &reps,
                &months_of(entries.iter().map(|e| e.held_on)),
                &stored,
                LOOKALIKES_NAMED,
            )
            .await?;
        let mut stints = months
            .first()
            .map(|(_, activity)| activity.memberships.clone())
            .unwrap_or_default();
        let store = |rule, judged: Option<StintsSeen>| match judged {
            Some(seen) => {
                self.store
                    .insert_judged_line(manager, &stored, seen, rule, self.asking(), now)
            }
            None => self
                .store
                .insert_line(manager, &stored, Some(rule), self.asking(), now),
        };
        let StoredLine {
            line,
            moves,
            home_tabs_opened,
            ..
        } = match under_session_rules(manager, &entries, &mut stints, Some(seen), store).await? {
            Ok(stored) => stored,
            Err(refusal) => return Ok(*refusal),
        };
        self.questions_stored();
        for moved in &moves {
            if let Some(current) = stints
                .iter_mut()
                .find(|m| m.rep == moved.rep && m.manager == manager.id && m.left_on.is_none())
            {
                current.joined_on = moved.to;
            }
        }
        let today = manager.today(now);
        let progress = months
            .into_iter()
            .map(|(month, mut activity)| {
                activity.memberships = stints.clone();
                let held = entries.iter().filter(|e| month.contains(e.held_on));
                activity.sessions.extend(held.clone().flat_map(|entry| {
                    entry.reps.iter().map(|rep| SessionRecord {
                        rep: rep.clone(),
                        minutes: entry.minutes.get(),
                        activity: entry.activity,
                        held_on: entry.held_on,
                    })
                }));
                let reps = distinct(held.flat_map(|e| e.reps.iter().cloned()));
                MonthProgress {
                    month,
                    reps: self.reps_progress(manager, &reps, month, &activity, today),
                }
            })
            .collect();
        Ok(Reply::Logged {
            line,
            entries,
            progress,
            moved: moves,
            duplicates,
            home_tabs_opened,
        })
    }

    /// Changes the manager's entry `id` to `entry`, by the same rules as a
    /// new one, and answers with the reps' months as they now stand. Every
    /// rep is asked again, where reps are asked.
    pub(super) async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: Entry,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let store = |rule| {
            self.store
                .edit_entry(manager, id, &entry, rule, self.asking(), now)
        };
        let edited = match &entry {
            Entry::Session(session) => {
                let month = YearMonth::of(session.held_on);
                let mut stints = self
                    .store
                    .month_activity(&manager.workspace, &session.reps, month)
                    .await?
                    .memberships;
                let sessions = std::slice::from_ref(session);
                match under_session_rules(manager, sessions, &mut stints, None, |rule, _| {
                    store(Some(rule))
                })
                .await?
                {
                    Ok(edited) => edited,
                    Err(refusal) => return Ok(*refusal),
                }
            }
            Entry::Meeting(_) => store(None).await?,
        };
        let (before, after) = match edited {
            Edited::Changed { before, after } => {
                self.questions_stored();
                (before, after)
            }
            Edited::NotYours { manager } => return Ok(Reply::NotYours { manager }),
            Edited::Gone => return Ok(Reply::EntryGone),
        };
        let progress = self
            .sessions_months(manager, [&after.entry, &before.entry], now)
            .await?;
        Ok(Reply::Edited {
            before,
            after,
            progress,
        })
    }

    /// Deletes the manager's entry `id` whole.
    pub(super) async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Reply, Failure> {
        Ok(match self.store.delete_entry(manager, id).await? {
            Owned::Yours(entry) => Reply::Deleted(entry),
            Owned::NotYours { manager } => Reply::NotYours { manager },
            Owned::Gone => Reply::EntryGone,
        })
    }

    /// The latest stored entries the new ones look like (the same day,
    /// length and reps), a few at most.
    async fn duplicates(
        &self,
        manager: &Manager,
        new: &[Entry],
    ) -> Result<Vec<StoredEntry>, Failure> {
        Ok(self
            .store
            .lookalikes(manager, new, LOOKALIKES_NAMED)
            .await?)
    }

    /// The months these entries' sessions fall in, each with the months of
    /// the reps in them there, as they stand on the manager's team.
    async fn sessions_months(
        &self,
        manager: &Manager,
        entries: [&Entry; 2],
        now: DateTime<Utc>,
    ) -> Result<Vec<MonthProgress>, Failure> {
        let sessions: Vec<&SessionEntry> = entries
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Session(session) => Some(session),
                Entry::Meeting(_) => None,
            })
            .collect();
        let mut progress = Vec::new();
        for month in months_of(sessions.iter().map(|s| s.held_on)) {
            let reps = distinct(
                sessions
                    .iter()
                    .filter(|s| month.contains(s.held_on))
                    .flat_map(|s| s.reps.iter().cloned()),
            );
            let activity = self
                .store
                .month_activity(&manager.workspace, &reps, month)
                .await?;
            progress.push(MonthProgress {
                month,
                reps: self.reps_progress(manager, &reps, month, &activity, manager.today(now)),
            });
        }
        Ok(progress)
    }

    /// Stores a team meeting if the manager has a team, and answers with how
    /// many reps it counts for. Both are judged on the team as the storing
    /// transaction reads it, so a team change cannot commit in between.
    pub(super) async fn log_meeting(
        &self,
        manager: &Manager,
        log: MeetingEntry,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let stored = [Entry::Meeting(log.clone())];
        let duplicates = self.duplicates(manager, &stored).await?;
        let has_a_team: TeamRule = {
            let manager = manager.id.clone();
            Box::new(move |stints| {
                stints
                    .iter()
                    .any(|stint| stint.manager == manager && stint.left_on.is_none())
                    .then(Vec::new)
            })
        };
        let StoredLine {
            line,
            stints,
            home_tabs_opened,
            ..
        } = match self
            .store
            .insert_line(
                manager,
                &stored,
                Some(has_a_team),
                Confirmation::NotAsked,
                now,
            )
            .await
        {
            Err(StoreError::TeamChanged(_)) => return Ok(Reply::NoTeamYet),
            stored => stored?,
        };
        let mut present: Vec<&SlackUserId> = stints
            .iter()
            .filter(|stint| stint.manager == manager.id && stint.covers(log.held_on))
            .map(|stint| &stint.rep)
            .collect();
        present.sort();
        present.dedup();
        Ok(Reply::MeetingLogged {
            line,
            log,
            reps_counted: present.len(),
            duplicates,
            home_tabs_opened,
        })
    }
}

/// Stores 1:1 sessions with `store` under the rules of who was on whose
/// team: checked first on `stints`, the caller's own read, to refuse at
/// once, and again inside the transaction that stores them, so a team
/// change that commits in between cannot slip a session past the check.
/// Sessions that move no join day, judged on stints read at `seen`, are
/// handed to `store` with it, to be stored without reading the stints
/// again while they stand. Refused in the transaction, they are checked
/// again on the stints it saw (which replace `stints`), so the answer
/// says why from those.
async fn under_session_rules<T, Stored>(
    manager: &Manager,
    sessions: &[SessionEntry],
    stints: &mut Vec<Membership>,
    mut seen: Option<StintsSeen>,
    store: impl Fn(TeamRule, Option<StintsSeen>) -> Stored,
) -> Result<Result<T, Box<Reply>>, Failure>
where
    Stored: Future<Output = Result<T, StoreError>>,
{
    loop {
        let moves = match session_rules(manager, sessions, stints) {
            Ok(moves) => moves,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let rule: TeamRule = {
            let (manager, sessions) = (manager.clone(), sessions.to_vec());
            Box::new(move |stints| session_rules(&manager, &sessions, stints).ok())
        };
        let judged = seen.take().filter(|_| moves.is_empty());
        match store(rule, judged).await {
            Err(StoreError::TeamChanged(seen)) => *stints = seen,
            stored => return Ok(Ok(stored?)),
        }
    }
}

/// Whether every rep may have these sessions on their days, by the rules
/// of who was on whose team: the join days the sessions move back, or the
/// reply that refuses them.
fn session_rules(
    manager: &Manager,
    entries: &[SessionEntry],
    stints: &[Membership],
) -> Result<Vec<JoinMove>, Box<Reply>> {
    let mut moves: Vec<JoinMove> = Vec::new();
    let mut not_on_team: Vec<SlackUserId> = Vec::new();
    for entry in entries {
        for rep in &entry.reps {
            match session_day(stints, &manager.id, rep, entry.held_on) {
                SessionDay::OnTeam => {}
                SessionDay::NotOnTeam => {
                    if !not_on_team.contains(rep) {
                        not_on_team.push(rep.clone());
                    }
                }
                SessionDay::OnAnotherTeam { manager: other } => {
                    return Err(Box::new(Reply::OnAnotherTeamThatDay {
                        rep: rep.clone(),
                        manager: other,
                        day: entry.held_on,
                    }))
                }
                SessionDay::BeforeEarlierStint { joined } => {
                    return Err(Box::new(Reply::BeforeEarlierStint {
                        rep: rep.clone(),
                        joined,
                    }))
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
        return Err(Box::new(Reply::NotOnTeam {
            manager_is_one: not_on_team.contains(&manager.id),
            reps: not_on_team,
        }));
    }
    Ok(moves)
}

/// Each item once, in the order first seen.
fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The months these days fall in, earliest first, each once.
fn months_of(days: impl Iterator<Item = NaiveDate>) -> Vec<YearMonth> {
    let mut months = distinct(days.map(YearMonth::of));
    months.sort();
    months
}

/// How many lookalikes a warning names.
const LOOKALIKES_NAMED: u32 = 3;
