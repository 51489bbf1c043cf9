//! Random sequences of `/coach` lines from several managers, in different
//! time zones and across a month end, played through the command layer
//! against real SQLite: sessions (back-dated too, and after a rep left),
//! meetings, team adds, removes (today or on an earlier day), re-adds and
//! moves between teams on the same day, edits, deletes, reps' answers to
//! the question about a 1:1 (`coaching.ask_reps_to_confirm` is on), the
//! manager's Keep or Delete on a dispute, and the undo of what undo takes
//! back. After every step each manager's `status` and `report` (with each
//! rep's word), every rep's month, every stint, the export, each team's
//! digest and the leaders' digest are compared with a plain model of the
//! product's rules written here; at the end `check` must find nothing.
//!
//! With `COACHBOT_TEST_POSTGRES_URL` set, each sequence is played on a
//! SQLite file and on a PostgreSQL database side by side: each is compared
//! with the model, and after every step the two must give the same answers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use coachbot::app::forms::Submission;
use coachbot::app::jobs::{decide, RunAt, Say, Trigger};
use coachbot::app::{AppContext, Invocation, Pressed, Reply, Surface};
use coachbot::clock::Clock;
use coachbot::config::Settings;
use coachbot::domain::{
    Confirmation, DisputeDecision, EntryId, EntryKind, Job, MeetingState, RepAnswer, RepProgress,
    SlackChannelId, SlackUserId, Standing, WorkspaceId, YearMonth,
};
use coachbot::messages;
use coachbot::slack::{NoTokens, SlackApi, Workspaces};
use coachbot::store::Store;
use proptest::prelude::*;

use crate::databases::{each_database, Records, TestDatabase};

const WORKSPACE: &str = "T0MODEL";
const MANAGERS: [(&str, Tz); 2] = [("U0MGRA", Tz::UTC), ("U0MGRB", Tz::Pacific__Auckland)];
const REPS: [&str; 5] = ["U0REP1", "U0REP2", "U0REP3", "U0REP4", "U0REP5"];
/// Sunday 25 October 2026, 10:00 UTC: a week before a month ends.
const START: &str = "2026-10-25T10:00:00Z";
const TARGET: i64 = 180;
/// Where the leaders' digest goes.
const LEADERS: &str = "C0LEADERS";
const OLDEST_DAYS_BACK: i64 = 62;

/// How a length is typed, and the minutes it means.
const DURATIONS: [(&str, u32); 13] = [
    ("45m", 45),
    ("1h30m", 90),
    ("1:30", 90),
    ("20 minutes", 20),
    ("2h", 120),
    ("8h", 480),
    ("1.5h", 90),
    ("an hour", 60),
    ("half an hour", 30),
    ("an hour and a half", 90),
    ("forty-five minutes", 45),
    ("0m", 0),
    ("9h", 540),
];

/// What managers type before the time that is not the note.
const FILLER: [&str; 3] = ["", "forgot to log ", "just "];

/// Notes, and the kind of coaching they are read as.
const NOTES: [(&str, &str); 5] = [
    ("pipeline review", "pipeline"),
    ("deal strategy", "deal"),
    ("role play", "skill"),
    ("observed a call", "observation"),
    ("", "other"),
];

#[derive(Debug, Clone)]
enum When {
    Today,
    Yesterday,
    DaysAgo(i64),
}

#[derive(Debug, Clone)]
struct SessionSpec {
    reps: Vec<usize>,
    duration: usize,
    note: usize,
    when: When,
}

#[derive(Debug, Clone)]
enum Step {
    /// The clock moves on this many hours.
    Wait(i64),
    /// `team add …`, with `since` that many days back when given.
    TeamAdd(usize, Vec<usize>, Option<i64>),
    /// `team remove …`, `on` a day that many days back when given.
    TeamRemove(usize, Vec<usize>, Option<i64>),
    /// One line of one or two 1:1 entries.
    Sessions {
        manager: usize,
        entries: Vec<SessionSpec>,
        mentions_first: bool,
        filler: usize,
    },
    Meeting {
        manager: usize,
        duration: usize,
        when: When,
    },
    Undo(usize),
    /// The manager's `pick`th entry (counted round their entries, oldest
    /// first) changed through the edit form to this length and day.
    Edit {
        manager: usize,
        pick: usize,
        duration: usize,
        when: When,
    },
    /// The manager's `pick`th entry deleted, as the Home tab's Delete does.
    Delete {
        manager: usize,
        pick: usize,
    },
    /// A rep answers the question about the manager's `pick`th entry: its
    /// `rep`th rep, or past its reps someone else; `stale`: a question about
    /// the revision before the entry's last edit.
    Answer {
        manager: usize,
        pick: usize,
        rep: usize,
        helped: bool,
        stale: bool,
    },
    /// Manager `by` presses Keep it (or Delete it) on the notice that the
    /// `rep`th rep of the manager's `pick`th entry says it didn't happen.
    Settle {
        manager: usize,
        by: usize,
        pick: usize,
        rep: usize,
        keep: bool,
    },
}

fn reps() -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..REPS.len()).collect::<Vec<_>>(), 1..=4).prop_shuffle()
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        3 => Just(When::Today),
        1 => Just(When::Yesterday),
        1 => (0..70i64).prop_map(When::DaysAgo),
    ]
}

fn session_spec() -> impl Strategy<Value = SessionSpec> {
    (reps(), 0..DURATIONS.len(), 0..NOTES.len(), when()).prop_map(|(reps, duration, note, when)| {
        SessionSpec {
            reps,
            duration,
            note,
            when,
        }
    })
}

fn step() -> impl Strategy<Value = Step> {
    let manager = 0..MANAGERS.len();
    // A join day may be any past day: recent ones, and some from long ago.
    let since = prop_oneof![3 => Just(None), 2 => (0..70i64).prop_map(Some), 1 => (0..800i64).prop_map(Some)];
    let line = prop_oneof![
        3 => proptest::collection::vec(session_spec(), 1..=1),
        1 => proptest::collection::vec(session_spec(), 2..=2),
    ];
    prop_oneof![
        2 => (1..40i64).prop_map(Step::Wait),
        3 => (manager.clone(), reps(), since).prop_map(|(m, r, s)| Step::TeamAdd(m, r, s)),
        2 => (manager.clone(), reps(), prop_oneof![2 => Just(None), 1 => (0..70i64).prop_map(Some)])
            .prop_map(|(m, r, on)| Step::TeamRemove(m, r, on)),
        6 => (manager.clone(), line, any::<bool>(), 0..FILLER.len()).prop_map(
            |(manager, entries, mentions_first, filler)| Step::Sessions {
                manager,
                entries,
                mentions_first,
                filler,
            }
        ),
        2 => (manager.clone(), 0..DURATIONS.len(), when())
            .prop_map(|(manager, duration, when)| Step::Meeting { manager, duration, when }),
        2 => manager.clone().prop_map(Step::Undo),
        1 => (manager.clone(), 0..8usize, 0..DURATIONS.len(), when()).prop_map(
            |(manager, pick, duration, when)| Step::Edit { manager, pick, duration, when }
        ),
        2 => (manager.clone(), 0..8usize).prop_map(|(manager, pick)| Step::Delete { manager, pick }),
        3 => (manager.clone(), 0..8usize, 0..6usize, any::<bool>(), prop::bool::weighted(0.2)).prop_map(
            |(manager, pick, rep, helped, stale)| Step::Answer { manager, pick, rep, helped, stale }
        ),
        2 => (manager.clone(), prop::bool::weighted(0.85), 0..8usize, 0..6usize, any::<bool>()).prop_map(
            |(manager, own, pick, rep, keep)| Step::Settle {
                manager,
                by: if own { manager } else { 1 - manager },
                pick,
                rep,
                keep,
            }
        ),
    ]
}

fn mention(rep: usize) -> String {
    format!("<@{}>", REPS[rep])
}

/// The product's rules, kept as plainly as possible.
#[derive(Default)]
struct Model {
    now: Option<DateTime<Utc>>,
    /// Every stint on a team, in the order it began.
    stints: Vec<Stint>,
    lines: Vec<Line>,
}

#[derive(Debug, Clone)]
struct Stint {
    manager: usize,
    rep: usize,
    joined: NaiveDate,
    left: Option<NaiveDate>,
    /// Erased by a remove the day it began (kept here so changes can name
    /// it by position, and an undo can bring it back).
    gone: bool,
}

impl Stint {
    fn covers(&self, day: NaiveDate) -> bool {
        !self.gone && self.joined <= day && self.left.is_none_or(|left| day < left)
    }

    /// Whether the stint holds a day in `[from, until)`; one left on the
    /// day it began holds none.
    fn shares_a_day(&self, from: NaiveDate, until: NaiveDate) -> bool {
        let empty = self.gone || self.left.is_some_and(|left| left <= self.joined);
        !empty && self.joined < until && self.left.is_none_or(|left| left > from)
    }

    fn span(&self) -> (NaiveDate, Option<NaiveDate>) {
        (self.joined, self.left)
    }
}

/// One of a manager's changes, in the order they made them: a logged line
/// (its entries, and the join days they moved), or a team command (the
/// stints it changed).
#[derive(Debug, Clone)]
struct Line {
    manager: usize,
    entries: Vec<ModelEntry>,
    /// Join days this line's sessions moved: the stint, and its day before.
    moves: Vec<(usize, NaiveDate)>,
    /// For a team command: each stint it changed, before and after (`None`:
    /// not there).
    team: Vec<StintChange>,
    undone: bool,
}

#[derive(Debug, Clone)]
struct StintChange {
    stint: usize,
    before: Option<(NaiveDate, Option<NaiveDate>)>,
    after: Option<(NaiveDate, Option<NaiveDate>)>,
}

impl Line {
    fn logged(manager: usize, entries: Vec<ModelEntry>) -> Self {
        Line {
            manager,
            entries,
            moves: Vec::new(),
            team: Vec::new(),
            undone: false,
        }
    }
}

/// A rep's word on a 1:1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Asked,
    Helped,
    Disputed,
    Kept,
}

impl Word {
    fn text(self) -> &'static str {
        match self {
            Word::Asked => "asked",
            Word::Helped => "helped",
            Word::Disputed => "disputed",
            Word::Kept => "kept",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RepWord {
    word: Word,
    /// A question about the entry's current revision waits for an answer.
    open: bool,
}

const ASKED: RepWord = RepWord {
    word: Word::Asked,
    open: true,
};

#[derive(Debug, Clone)]
struct ModelEntry {
    /// Empty for a meeting.
    reps: Vec<usize>,
    /// Each rep's word, beside `reps`.
    words: Vec<RepWord>,
    /// How many times it was edited: the question a rep answers is about one.
    revision: u32,
    minutes: u32,
    held_on: NaiveDate,
    /// The kind of coaching; `None` for a meeting.
    activity: Option<&'static str>,
}

impl Model {
    fn now(&self) -> DateTime<Utc> {
        self.now.expect("clock set")
    }

    fn today(&self, manager: usize) -> NaiveDate {
        self.now().with_timezone(&MANAGERS[manager].1).date_naive()
    }

    fn day(&self, manager: usize, when: &When) -> NaiveDate {
        let today = self.today(manager);
        match when {
            When::Today => today,
            When::Yesterday => today - Duration::days(1),
            When::DaysAgo(n) => today - Duration::days(*n),
        }
    }

    fn current(&self, manager: usize, rep: usize) -> Option<usize> {
        self.stints
            .iter()
            .position(|s| s.rep == rep && s.manager == manager && s.left.is_none() && !s.gone)
    }

    /// `team add`: a new stint from `day`, or, for a rep already on the
    /// team and a day named, the join day moved there; never two teams at
    /// once, never past coaching already logged. With no day named, a rep
    /// who left this team today is back as if they had not left, and one
    /// whose time on another team ends today joins tomorrow.
    fn join(
        &mut self,
        manager: usize,
        rep: usize,
        day: NaiveDate,
        named: bool,
    ) -> Option<StintChange> {
        let today = self.today(manager);
        let current = self
            .stints
            .iter()
            .position(|s| s.rep == rep && s.left.is_none() && !s.gone);
        let overlapping = |model: &Model, except: Option<usize>, from: NaiveDate| {
            model
                .stints
                .iter()
                .enumerate()
                .filter(|(at, s)| {
                    Some(*at) != except && s.rep == rep && s.shares_a_day(from, NaiveDate::MAX)
                })
                .map(|(_, s)| s.left)
                .collect::<Vec<_>>()
        };
        match current {
            Some(at) if self.stints[at].manager != manager => None,
            Some(at) if !named || self.stints[at].joined == day => None,
            Some(at) => {
                let joined = self.stints[at].joined;
                let coached_before = self.entries().any(|(m, e)| {
                    m == manager && e.reps.contains(&rep) && e.held_on >= joined && e.held_on < day
                });
                if coached_before || !overlapping(self, Some(at), day).is_empty() {
                    return None;
                }
                let before = self.stints[at].span();
                self.stints[at].joined = day;
                Some(StintChange {
                    stint: at,
                    before: Some(before),
                    after: Some(self.stints[at].span()),
                })
            }
            None => {
                if !named {
                    let left_today = self.stints.iter().rposition(|s| {
                        s.rep == rep
                            && s.manager == manager
                            && !s.gone
                            && s.left.is_some_and(|left| left >= today)
                    });
                    if let Some(at) = left_today {
                        let left = self.stints[at].left.expect("left");
                        if overlapping(self, Some(at), left).is_empty() {
                            let before = self.stints[at].span();
                            self.stints[at].left = None;
                            return Some(StintChange {
                                stint: at,
                                before: Some(before),
                                after: Some(self.stints[at].span()),
                            });
                        }
                    }
                }
                let blocking = overlapping(self, None, day);
                let tomorrow = today + Duration::days(1);
                let from = match blocking.iter().max() {
                    None => day,
                    Some(Some(left)) if !named && *left == tomorrow => tomorrow,
                    Some(_) => return None,
                };
                self.stints.push(Stint {
                    manager,
                    rep,
                    joined: from,
                    left: None,
                    gone: false,
                });
                Some(StintChange {
                    stint: self.stints.len() - 1,
                    before: None,
                    after: Some((from, None)),
                })
            }
        }
    }

    /// `team remove`: the stint ends at the end of `day` when something of
    /// that day counts for the rep on the team, at its start otherwise;
    /// never before the end of their last 1:1 on it; erased when it would
    /// hold no day.
    fn remove(&mut self, manager: usize, rep: usize, day: NaiveDate) -> Option<StintChange> {
        let at = self.current(manager, rep)?;
        let joined = self.stints[at].joined;
        let counts = self.entries().any(|(m, e)| {
            m == manager && e.held_on == day && (e.activity.is_none() || e.reps.contains(&rep))
        });
        let after_last = self
            .entries()
            .filter(|(m, e)| *m == manager && e.reps.contains(&rep) && e.held_on >= joined)
            .map(|(_, e)| e.held_on + Duration::days(1))
            .max();
        let named = if counts && day >= joined {
            day + Duration::days(1)
        } else {
            day
        };
        let left = named.max(joined).max(after_last.unwrap_or(joined));
        let before = self.stints[at].span();
        let after = if left == joined {
            self.stints[at].gone = true;
            None
        } else {
            self.stints[at].left = Some(left);
            Some(self.stints[at].span())
        };
        Some(StintChange {
            stint: at,
            before: Some(before),
            after,
        })
    }

    /// The first and last day of the manager's 1:1s with the rep within
    /// a span.
    fn sessions_in(
        &self,
        manager: usize,
        rep: usize,
        (joined, left): (NaiveDate, Option<NaiveDate>),
    ) -> Option<(NaiveDate, NaiveDate)> {
        let days: Vec<NaiveDate> = self
            .entries()
            .filter(|(m, e)| {
                *m == manager
                    && e.reps.contains(&rep)
                    && e.held_on >= joined
                    && left.is_none_or(|left| e.held_on < left)
            })
            .map(|(_, e)| e.held_on)
            .collect();
        Some((*days.iter().min()?, *days.iter().max()?))
    }

    /// `undo` of a team command: every stint back as it was, in reverse
    /// order, clamped to keep each 1:1 in its stint; nothing at all when a
    /// stint put back would share a day with another of the rep's, or one
    /// taken away holds coaching.
    fn undo_team(&mut self, line: usize) -> bool {
        let manager = self.lines[line].manager;
        let mut stints = self.stints.clone();
        for change in self.lines[line].team.iter().rev() {
            let stint = &stints[change.stint];
            let rep = stint.rep;
            let now = (!stint.gone).then(|| stint.span());
            let Some(before) = change.before else {
                if let Some(now) = now {
                    if self.sessions_in(manager, rep, now).is_some() {
                        return false;
                    }
                }
                stints[change.stint].gone = true;
                continue;
            };
            let current = now.unwrap_or(before);
            let sessions = self.sessions_in(manager, rep, current);
            let joined_changed = change.after.is_none_or(|after| after.0 != before.0);
            let left_changed = change.after.is_none_or(|after| after.1 != before.1);
            let mut restored = current;
            if joined_changed {
                restored.0 = sessions.map_or(before.0, |(first, _)| first.min(before.0));
            }
            if left_changed {
                restored.1 = before.1.map(|left| {
                    sessions.map_or(left, |(_, last)| left.max(last + Duration::days(1)))
                });
            }
            let probe = Stint {
                manager,
                rep,
                joined: restored.0,
                left: restored.1,
                gone: false,
            };
            let end = restored.1.unwrap_or(NaiveDate::MAX);
            let clash = stints.iter().enumerate().any(|(at, s)| {
                at != change.stint
                    && s.rep == rep
                    && restored.0 < end
                    && s.shares_a_day(probe.joined, end)
            });
            if clash {
                return false;
            }
            let stint = &mut stints[change.stint];
            stint.joined = restored.0;
            stint.left = restored.1;
            stint.gone = false;
        }
        self.stints = stints;
        true
    }

    /// After entries of `line` were taken back: each join day it moved goes
    /// to the earliest 1:1 left in its stint before the day it was moved
    /// from, or to that day; not when a later `team add … since` set it.
    fn take_back_moves(&mut self, line: usize) {
        for (stint, from) in self.lines[line].moves.clone() {
            let set_later = self.lines[line + 1..].iter().any(|later| {
                !later.undone
                    && later
                        .team
                        .iter()
                        .any(|c| c.stint == stint && c.before.map(|b| b.0) != c.after.map(|a| a.0))
            });
            let s = &self.stints[stint];
            if s.gone || set_later {
                continue;
            }
            let first = self
                .sessions_in(s.manager, s.rep, s.span())
                .map(|(first, _)| first);
            let to = first.map_or(from, |first| first.min(from));
            if s.left.is_some_and(|left| to >= left) {
                self.stints[stint].gone = true;
            } else if to > s.joined {
                self.stints[stint].joined = to;
            }
        }
    }

    /// A line of 1:1s: stored whole or not at all. Every rep must be on the
    /// team now, and on it on each entry's day, or on no team then (their
    /// join day moves back to the earliest such entry).
    fn log(&mut self, manager: usize, entries: &[SessionSpec]) {
        let today = self.today(manager);
        let mut line = Vec::new();
        for spec in entries {
            let minutes = DURATIONS[spec.duration].1;
            let held_on = self.day(manager, &spec.when);
            let back = (today - held_on).num_days();
            if !(1..=480).contains(&minutes) || back > OLDEST_DAYS_BACK {
                return;
            }
            line.push(ModelEntry {
                reps: spec.reps.clone(),
                words: vec![ASKED; spec.reps.len()],
                revision: 0,
                minutes,
                held_on,
                activity: Some(NOTES[spec.note].1),
            });
        }
        if let Some(moves) = self.admit(manager, &line) {
            self.lines.push(Line::logged(manager, line));
            let at = self.lines.len() - 1;
            self.move_join_days(at, manager, moves);
        }
    }

    /// Whether these 1:1s may be stored: every rep on the team on each
    /// entry's day (now or before they left), or on it now and on no team
    /// then; if so, the join days they move back.
    fn admit(&self, manager: usize, line: &[ModelEntry]) -> Option<Vec<(usize, NaiveDate)>> {
        let mut moves: Vec<(usize, NaiveDate)> = Vec::new();
        for entry in line {
            for &rep in &entry.reps {
                let covered = self
                    .stints
                    .iter()
                    .any(|s| s.rep == rep && s.manager == manager && s.covers(entry.held_on));
                if covered {
                    continue;
                }
                let current = self.current(manager, rep)?;
                let joined = self.stints[current].joined;
                let blocked = self.stints.iter().enumerate().any(|(at, s)| {
                    at != current && s.rep == rep && s.shares_a_day(entry.held_on, joined)
                });
                if blocked {
                    return None;
                }
                match moves.iter_mut().find(|(r, _)| *r == rep) {
                    Some((_, to)) => *to = (*to).min(entry.held_on),
                    None => moves.push((rep, entry.held_on)),
                }
            }
        }
        Some(moves)
    }

    /// Moves join days back, kept with the line that moved them.
    fn move_join_days(&mut self, line: usize, manager: usize, moves: Vec<(usize, NaiveDate)>) {
        for (rep, to) in moves {
            if let Some(at) = self.current(manager, rep) {
                if self.stints[at].joined > to {
                    self.lines[line].moves.push((at, self.stints[at].joined));
                    self.stints[at].joined = to;
                }
            }
        }
    }

    /// The manager's entries, oldest first, as (line, entry) positions.
    fn positions(&self, manager: usize) -> Vec<(usize, usize)> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.manager == manager && !l.undone)
            .flat_map(|(at, l)| (0..l.entries.len()).map(move |e| (at, e)))
            .collect()
    }

    /// An edit: the same rules as a new entry, for its new length and day.
    fn edit(&mut self, manager: usize, pick: usize, duration: usize, when: &When) {
        let positions = self.positions(manager);
        let Some(&(line, at)) = positions.get(pick % positions.len().max(1)) else {
            return;
        };
        let minutes = DURATIONS[duration].1;
        let held_on = self.day(manager, when);
        let back = (self.today(manager) - held_on).num_days();
        if !(1..=480).contains(&minutes) || back > OLDEST_DAYS_BACK {
            return;
        }
        // Every rep is asked again; a dispute stays until it is answered
        // or settled.
        let before = &self.lines[line].entries[at];
        let edited = ModelEntry {
            minutes,
            held_on,
            revision: before.revision + 1,
            words: before
                .words
                .iter()
                .map(|w| match w.word {
                    Word::Disputed => RepWord { open: true, ..*w },
                    _ => ASKED,
                })
                .collect(),
            ..before.clone()
        };
        let moves = if edited.activity.is_none() {
            Some(Vec::new())
        } else {
            self.admit(manager, std::slice::from_ref(&edited))
        };
        if let Some(moves) = moves {
            self.lines[line].entries[at] = edited;
            self.take_back_moves(line);
            self.move_join_days(line, manager, moves);
        }
    }

    fn apply(&mut self, step: &Step) {
        match step {
            Step::Wait(hours) => self.now = Some(self.now() + Duration::hours(*hours)),
            Step::TeamAdd(manager, reps, since) => {
                let today = self.today(*manager);
                let day = since.map_or(today, |back| today - Duration::days(back));
                let changes: Vec<StintChange> = reps
                    .iter()
                    .filter_map(|&rep| self.join(*manager, rep, day, since.is_some()))
                    .collect();
                self.team_line(*manager, changes);
            }
            Step::TeamRemove(manager, reps, on) => {
                let today = self.today(*manager);
                if on.is_some_and(|back| back > OLDEST_DAYS_BACK) {
                    return;
                }
                let day = on.map_or(today, |back| today - Duration::days(back));
                let changes: Vec<StintChange> = reps
                    .iter()
                    .filter_map(|&rep| self.remove(*manager, rep, day))
                    .collect();
                self.team_line(*manager, changes);
            }
            Step::Sessions {
                manager, entries, ..
            } => self.log(*manager, entries),
            Step::Meeting {
                manager,
                duration,
                when,
            } => {
                let minutes = DURATIONS[*duration].1;
                let held_on = self.day(*manager, when);
                let back = (self.today(*manager) - held_on).num_days();
                let valid = (1..=480).contains(&minutes) && back <= OLDEST_DAYS_BACK;
                if valid && self.has_team(*manager) {
                    let meeting = ModelEntry {
                        reps: vec![],
                        words: vec![],
                        revision: 0,
                        minutes,
                        held_on,
                        activity: None,
                    };
                    self.lines.push(Line::logged(*manager, vec![meeting]));
                }
            }
            Step::Undo(manager) => {
                let latest = self.lines.iter().rposition(|l| {
                    l.manager == *manager
                        && !l.undone
                        && (!l.entries.is_empty() || !l.team.is_empty())
                });
                if let Some(line) = latest {
                    if self.lines[line].team.is_empty() {
                        self.lines[line].undone = true;
                        self.take_back_moves(line);
                    } else if self.undo_team(line) {
                        self.lines[line].undone = true;
                    }
                }
            }
            Step::Edit {
                manager,
                pick,
                duration,
                when,
            } => self.edit(*manager, *pick, *duration, when),
            Step::Delete { manager, pick } => {
                let positions = self.positions(*manager);
                if let Some(&(line, at)) = positions.get(pick % positions.len().max(1)) {
                    self.lines[line].entries.remove(at);
                    self.take_back_moves(line);
                }
            }
            Step::Answer {
                manager,
                pick,
                rep,
                helped,
                stale,
            } => {
                let Some((line, at, i)) = self.chosen_in_entry(*manager, *pick, *rep) else {
                    return;
                };
                let entry = &mut self.lines[line].entries[at];
                // A question about an earlier revision changes nothing; the
                // first answer to the open one stands.
                if (*stale && entry.revision > 0) || !entry.words[i].open {
                    return;
                }
                let word = if *helped {
                    Word::Helped
                } else {
                    Word::Disputed
                };
                entry.words[i] = RepWord { word, open: false };
            }
            Step::Settle {
                manager,
                by,
                pick,
                rep,
                keep,
            } => {
                let Some((line, at, i)) = self.chosen_in_entry(*manager, *pick, *rep) else {
                    return;
                };
                let entry = &mut self.lines[line].entries[at];
                if by != manager || entry.words[i].word != Word::Disputed {
                    return;
                }
                if *keep {
                    entry.words[i].word = Word::Kept;
                    return;
                }
                // Delete it: the rep leaves the session (the entry goes when
                // it was theirs alone), which takes their 1:1 back.
                entry.reps.remove(i);
                entry.words.remove(i);
                if entry.reps.is_empty() {
                    self.lines[line].entries.remove(at);
                }
                self.take_back_moves(line);
            }
        }
    }

    /// The manager's `pick`th entry, and who of it `rep` names: its `rep`th
    /// rep, or past its reps someone who may not be in it.
    fn chosen(&self, manager: usize, pick: usize, rep: usize) -> Option<(usize, usize, usize)> {
        let positions = self.positions(manager);
        let &(line, at) = positions.get(pick % positions.len().max(1))?;
        let reps = &self.lines[line].entries[at].reps;
        Some((line, at, reps.get(rep).copied().unwrap_or(rep % REPS.len())))
    }

    /// The entry [`Model::chosen`] picks and where its rep stands among its
    /// reps; `None` when there is no entry or the rep is not in it.
    fn chosen_in_entry(
        &self,
        manager: usize,
        pick: usize,
        rep: usize,
    ) -> Option<(usize, usize, usize)> {
        let (line, at, rep) = self.chosen(manager, pick, rep)?;
        let i = self.lines[line].entries[at]
            .reps
            .iter()
            .position(|r| *r == rep)?;
        Some((line, at, i))
    }

    /// A team command that changed something: one change for `undo`.
    fn team_line(&mut self, manager: usize, changes: Vec<StintChange>) {
        if !changes.is_empty() {
            self.lines.push(Line {
                team: changes,
                ..Line::logged(manager, Vec::new())
            });
        }
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &ModelEntry)> {
        self.lines
            .iter()
            .filter(|l| !l.undone)
            .flat_map(|l| l.entries.iter().map(move |e| (l.manager, e)))
    }

    /// 1:1 minutes with the rep (from any manager) and the minutes of every
    /// meeting held by a manager whose team the rep was on that day; held on
    /// or before `held_by`, when given (a job's day).
    fn month_minutes(
        &self,
        rep: usize,
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> (u32, u32) {
        let mut one_on_one = 0;
        let mut meetings = 0;
        for (manager, entry) in self.entries() {
            if !month.contains(entry.held_on) || held_by.is_some_and(|last| entry.held_on > last) {
                continue;
            }
            if entry.activity.is_some() {
                // A 1:1 the rep says did not happen counts for nothing.
                let counted = entry
                    .reps
                    .iter()
                    .zip(&entry.words)
                    .any(|(r, w)| *r == rep && w.word != Word::Disputed);
                if counted {
                    one_on_one += entry.minutes;
                }
            } else if self
                .stints
                .iter()
                .any(|s| s.rep == rep && s.manager == manager && s.covers(entry.held_on))
            {
                meetings += entry.minutes;
            }
        }
        (one_on_one, meetings)
    }

    /// Everyone on the manager's team on some day of the month, or on it
    /// now while the month runs, in the order they joined it: each rep
    /// with the last day they were on the team, if they left.
    fn month_team(
        &self,
        manager: usize,
        month: YearMonth,
        today: NaiveDate,
    ) -> Vec<(usize, Option<NaiveDate>)> {
        let first = month.first_day();
        let next = month.next().first_day();
        let mut shown: Vec<(usize, &Stint)> = self
            .stints
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.manager == manager
                    && (s.shares_a_day(first, next)
                        || (s.left.is_none() && !s.gone && month.contains(today)))
            })
            .collect();
        shown.sort_by_key(|(order, s)| (s.joined, *order));
        let mut team: Vec<(usize, Option<NaiveDate>)> = Vec::new();
        for (_, stint) in &shown {
            if team.iter().any(|(rep, _)| *rep == stint.rep) {
                continue;
            }
            let latest = shown
                .iter()
                .filter(|(_, s)| s.rep == stint.rep)
                .map(|(_, s)| *s)
                .max_by_key(|s| s.joined)
                .expect("the rep's stint");
            let last_day = latest
                .left
                .filter(|left| *left <= next)
                .map(|left| left - Duration::days(1));
            team.push((stint.rep, last_day));
        }
        team
    }

    /// The first day of the month the rep was on any team: their pace
    /// counts from it.
    fn first_day_on_a_team(&self, rep: usize, month: YearMonth) -> NaiveDate {
        let first = month.first_day();
        self.stints
            .iter()
            .filter(|s| s.rep == rep && s.shares_a_day(first, month.next().first_day()))
            .map(|s| s.joined.max(first))
            .min()
            .unwrap_or(first)
    }

    /// Days since the last meeting (or since the later of the team's first
    /// join day and the manager's first use, with none), as the dashboard
    /// shows it: `None` without a team, else `(days, due, overdue)`.
    fn meeting(&self, manager: usize) -> Option<(u32, bool, bool)> {
        let team_since = self
            .stints
            .iter()
            .filter(|s| s.manager == manager && !s.gone)
            .map(|s| s.joined)
            .min()?;
        let first_use = START
            .parse::<DateTime<Utc>>()
            .expect("start")
            .with_timezone(&MANAGERS[manager].1)
            .date_naive();
        let last = self
            .entries()
            .filter(|(m, e)| *m == manager && e.activity.is_none())
            .map(|(_, e)| e.held_on)
            .max();
        let from = last.unwrap_or(team_since.max(first_use));
        let days = (self.today(manager) - from).num_days().max(0) as u32;
        Some((days, days >= 7, days >= 14))
    }

    /// Each rep of the manager's month today, as `status` shows them (or
    /// a job, counting what was held by the manager's today: a team in a
    /// zone ahead may have logged a day later already).
    fn progress(&self, manager: usize, job: bool) -> Vec<RepLine> {
        let today = self.today(manager);
        let month = YearMonth::of(today);
        let held_by = job.then_some(today);
        self.month_team(manager, month, today)
            .into_iter()
            .map(|(rep, left)| {
                let (one_on_one, meetings) = self.month_minutes(rep, month, held_by);
                let from = self.first_day_on_a_team(rep, month);
                let standing = match left {
                    Some(last_day) => Err(last_day),
                    None => Ok(Model::pace(month, today, from, one_on_one + meetings)),
                };
                (REPS[rep].to_string(), one_on_one, meetings, standing)
            })
            .collect()
    }

    /// Of the reps on the team today, as the digests count them: how many
    /// are on pace, how many there are, and their minutes this month.
    fn share_on_pace(&self, manager: usize) -> (usize, usize, u32) {
        let on_team: Vec<RepLine> = self
            .progress(manager, true)
            .into_iter()
            .filter(|line| line.3.is_ok())
            .collect();
        let on_pace = on_team
            .iter()
            .filter(|line| matches!(line.3, Ok((_, _, false))))
            .count();
        let minutes = on_team.iter().map(|line| line.1 + line.2).sum();
        (on_pace, on_team.len(), minutes)
    }

    /// The manager's own time this month to today: each meeting and each
    /// 1:1 once, however many reps were in it, but a 1:1 every rep in it
    /// disputed.
    fn own_time(&self, manager: usize) -> u32 {
        let today = self.today(manager);
        let month = YearMonth::of(today);
        self.entries()
            .filter(|(m, e)| *m == manager && month.contains(e.held_on) && e.held_on <= today)
            .filter(|(_, e)| e.words.is_empty() || e.words.iter().any(|w| w.word != Word::Disputed))
            .map(|(_, e)| e.minutes)
            .sum()
    }

    /// The summary line of the manager's team digest.
    fn team_summary(&self, manager: usize) -> String {
        let (on_pace, reps, _) = self.share_on_pace(manager);
        let meetings = self.meetings_last_7_days(manager) as usize;
        format!(
            "*<@{}>'s team:* {} in the last 7 days · {on_pace} of {} on pace",
            MANAGERS[manager].0,
            plural(meetings, "team meeting", "team meetings"),
            plural(reps, "rep", "reps"),
        )
    }

    /// Whether a rep is on the manager's team with no day set to leave:
    /// the digests are for such teams.
    fn has_team(&self, manager: usize) -> bool {
        self.stints
            .iter()
            .any(|s| s.manager == manager && s.left.is_none() && !s.gone)
    }

    /// The manager's meetings held in the 7 days to today.
    fn meetings_last_7_days(&self, manager: usize) -> u32 {
        let today = self.today(manager);
        self.entries()
            .filter(|(m, e)| {
                *m == manager && e.activity.is_none() && e.held_on > today - Duration::days(7)
            })
            .count() as u32
    }

    /// How many of each rep's 1:1s in the month (with any manager) stand
    /// at each word, for the reps of the manager's report, sorted.
    fn words(
        &self,
        manager: usize,
        month: YearMonth,
        today: NaiveDate,
    ) -> Vec<(String, &'static str, u32)> {
        let mut counts: std::collections::BTreeMap<(String, &'static str), u32> =
            Default::default();
        for (rep, _) in self.month_team(manager, month, today) {
            for (_, entry) in self.entries() {
                if !month.contains(entry.held_on) {
                    continue;
                }
                for (r, word) in entry.reps.iter().zip(&entry.words) {
                    if *r == rep {
                        *counts
                            .entry((REPS[rep].to_string(), word.word.text()))
                            .or_default() += 1;
                    }
                }
            }
        }
        counts
            .into_iter()
            .map(|((rep, word), count)| (rep, word, count))
            .collect()
    }

    fn meetings_in(&self, manager: usize, month: YearMonth) -> u32 {
        self.entries()
            .filter(|(m, e)| *m == manager && e.activity.is_none() && month.contains(e.held_on))
            .count() as u32
    }

    /// `(expected, month target, behind)` on `today`.
    fn pace(
        month: YearMonth,
        today: NaiveDate,
        joined: NaiveDate,
        minutes: u32,
    ) -> (u32, u32, bool) {
        let days = i64::from(month.days());
        let start = joined.max(month.first_day());
        let end = month.next().first_day();
        let past = (today.min(end) - start).num_days().max(0);
        let counted = (end - start).num_days().max(0);
        (
            (TARGET * past / days) as u32,
            (TARGET * counted / days) as u32,
            i64::from(minutes) * days < TARGET * past,
        )
    }

    /// The export's rows for a month, sorted.
    fn export(&self, month: YearMonth) -> Vec<String> {
        let mut rows = Vec::new();
        for (manager, entry) in self.entries() {
            if !month.contains(entry.held_on) {
                continue;
            }
            let manager = MANAGERS[manager].0;
            match entry.activity {
                Some(activity) => {
                    rows.extend(entry.reps.iter().zip(&entry.words).map(|(rep, word)| {
                        format!(
                            "{} session {manager} {} {} {activity} {}",
                            entry.held_on,
                            REPS[*rep],
                            entry.minutes,
                            word.word.text()
                        )
                    }))
                }
                None => {
                    // One row per rep the meeting counts for, so that the
                    // rows add up to each rep's month.
                    let reps: Vec<&str> = self
                        .stints
                        .iter()
                        .filter(|s| MANAGERS[s.manager].0 == manager && s.covers(entry.held_on))
                        .map(|s| REPS[s.rep])
                        .collect();
                    let reps = if reps.is_empty() { vec![""] } else { reps };
                    rows.extend(reps.into_iter().map(|rep| {
                        format!(
                            "{} meeting {manager} {rep} {}  ",
                            entry.held_on, entry.minutes
                        )
                    }));
                }
            }
        }
        rows.sort();
        rows
    }
}

/// One of a manager's stored entries, as an edit or an answer names it.
struct Picked {
    id: EntryId,
    kind: String,
    /// By ID.
    reps: Vec<String>,
    activity: String,
    revision: u32,
}

/// The real thing: the command layer over a real database.
struct Real {
    ctx: AppContext,
    /// A reader of its own, to find the entries an edit or delete picks.
    db: Records,
}

impl Real {
    async fn start(now: DateTime<Utc>, database: &TestDatabase) -> Self {
        let store = Store::connect(&database.url).await.expect("store");
        let db = Records::open(&database.url).await;
        let workspace = WorkspaceId::parse(WORKSPACE).expect("team");
        for (at, (id, tz)) in MANAGERS.into_iter().enumerate() {
            let manager = store
                .add_manager(&workspace, &SlackUserId::parse(id).expect("id"), tz, now)
                .await
                .expect("manager");
            let channel = SlackChannelId::parse(&format!("C0TEAM{at}")).expect("channel");
            store
                .set_digest_channel(&manager, Some(channel))
                .await
                .expect("digest channel");
        }
        let slack = Workspaces::new(
            SlackApi::new("http://127.0.0.1:9/api/").expect("client"),
            Arc::new(NoTokens),
        );
        let environment = HashMap::from([
            (
                "COACHBOT__COACHING__ASK_REPS_TO_CONFIRM".to_string(),
                "true".to_string(),
            ),
            ("COACHBOT__DIGEST__CHANNEL".to_string(), LEADERS.to_string()),
        ]);
        let settings = Settings::load(None, &environment).expect("settings");
        let ctx = AppContext {
            store,
            slack,
            settings: Arc::new(settings),
            clock: Clock::fixed(now),
            follow_ups: Default::default(),
            home_tabs: Default::default(),
            deliveries: Default::default(),
        };
        Self { ctx, db }
    }

    async fn coach(&self, manager: usize, text: &str) -> Reply {
        self.ctx
            .handle(Invocation {
                workspace: WorkspaceId::parse(WORKSPACE).expect("team"),
                user: SlackUserId::parse(MANAGERS[manager].0).expect("id"),
                text: text.to_string(),
                surface: Surface::Slack,
            })
            .await
            .reply
    }

    /// The manager's `pick`th entry (oldest first, round the count).
    async fn pick(&self, manager: usize, pick: usize) -> Option<Picked> {
        let entries: Vec<(i64, String, Option<String>, i64)> = self
            .db
            .rows(
                "SELECT id, kind, activity, revision FROM logs WHERE manager_id = $1 ORDER BY id",
                &[MANAGERS[manager].0.into()],
            )
            .await;
        let (id, kind, activity, revision) = entries.get(pick % entries.len().max(1))?.clone();
        // By ID: PostgreSQL keeps no order of insertion to read them in.
        let reps: Vec<String> = self
            .db
            .column(
                "SELECT rep_id FROM log_reps WHERE log_id = $1 ORDER BY rep_id",
                &[id.into()],
            )
            .await;
        Some(Picked {
            id: EntryId::new(id),
            kind,
            reps,
            activity: activity.unwrap_or_default(),
            revision: u32::try_from(revision).expect("a revision"),
        })
    }

    /// The edit form submitted for the manager's `pick`th entry.
    async fn edit(&self, model: &Model, manager: usize, pick: usize, duration: usize, when: &When) {
        let Some(Picked {
            id,
            kind,
            reps,
            activity,
            ..
        }) = self.pick(manager, pick).await
        else {
            return;
        };
        let kind = if kind == "session" {
            EntryKind::Session
        } else {
            EntryKind::Meeting
        };
        let submission = Submission {
            kind,
            editing: Some(id),
            reps,
            minutes: Some(DURATIONS[duration].1.to_string()),
            activity: Some(activity),
            day: Some(model.day(manager, when).format("%Y-%m-%d").to_string()),
            topics: Vec::new(),
            note: None,
        };
        let (workspace, user) = self.who(manager);
        self.ctx.submit(&workspace, &user, submission).await;
    }

    /// The Home tab's Delete, confirmed, on the manager's `pick`th entry.
    async fn delete(&self, manager: usize, pick: usize) {
        if let Some(picked) = self.pick(manager, pick).await {
            let (workspace, user) = self.who(manager);
            self.ctx
                .press(&workspace, &user, Pressed::Delete(picked.id))
                .await;
        }
    }

    /// `rep` answers the question about the manager's `pick`th entry (or
    /// about its revision before the last edit, when `stale`).
    async fn answer(&self, manager: usize, pick: usize, rep: usize, helped: bool, stale: bool) {
        let Some(picked) = self.pick(manager, pick).await else {
            return;
        };
        let revision = if stale {
            picked.revision.saturating_sub(1)
        } else {
            picked.revision
        };
        let answer = if helped {
            RepAnswer::Helped
        } else {
            RepAnswer::DidNotHappen
        };
        let (team, _) = self.who(manager);
        let rep = SlackUserId::parse(REPS[rep]).expect("rep");
        self.ctx
            .answer_as_rep(&team, &rep, picked.id, revision, answer)
            .await;
    }

    /// Manager `by` presses Keep it or Delete it on the notice about `rep`
    /// and the manager's `pick`th entry.
    async fn settle(&self, manager: usize, by: usize, pick: usize, rep: usize, keep: bool) {
        let Some(picked) = self.pick(manager, pick).await else {
            return;
        };
        let decision = if keep {
            DisputeDecision::Keep
        } else {
            DisputeDecision::Delete
        };
        let (workspace, user) = self.who(by);
        let pressed = Pressed::SettleDispute {
            entry: picked.id,
            rep: SlackUserId::parse(REPS[rep]).expect("rep"),
            decision,
        };
        self.ctx.press(&workspace, &user, pressed).await;
    }

    fn who(&self, manager: usize) -> (WorkspaceId, SlackUserId) {
        (
            WorkspaceId::parse(WORKSPACE).expect("team"),
            SlackUserId::parse(MANAGERS[manager].0).expect("id"),
        )
    }

    /// Every stint: manager, rep, joined and left, oldest first.
    async fn stints(&self) -> Vec<(String, String, String, Option<String>)> {
        self.db
            .rows(
                "SELECT manager_id, rep_id, CAST(joined_on AS TEXT), CAST(left_on AS TEXT)
                 FROM memberships ORDER BY id",
                &[],
            )
            .await
    }

    /// Everything the app answers about the records now, whole: each
    /// manager's `status` and `report` of last and this month, what the
    /// digest jobs would send, every stint and the exports. Nothing in it
    /// depends on which database answers, so both must give the same.
    async fn answers(&self, model: &Model) -> Vec<String> {
        let mut answers = Vec::new();
        for manager in 0..MANAGERS.len() {
            let month = YearMonth::of(model.today(manager));
            answers.push(format!("{:?}", self.coach(manager, "status").await));
            for month in [month.previous(), month] {
                let report = self.coach(manager, &format!("report {month}")).await;
                answers.push(format!("{report:?}"));
            }
        }
        for job in [Job::TeamDigest, Job::Digest] {
            let decided = decide(&self.ctx, job, RunAt::Instant(model.now()), Trigger::Now)
                .await
                .expect("digests");
            answers.extend(decided.iter().map(|decision| {
                format!(
                    "{} {} {} {:?}",
                    decision.recipient, decision.subject, decision.local_date, decision.say
                )
            }));
        }
        answers.extend(self.stints().await.iter().map(|stint| format!("{stint:?}")));
        let this_month = YearMonth::of(model.now().date_naive());
        for month in [this_month.previous(), this_month, this_month.next()] {
            answers.extend(self.export(month).await);
        }
        answers
    }

    async fn export(&self, month: YearMonth) -> Vec<String> {
        let mut rows: Vec<String> = self
            .ctx
            .store
            .month_export(month)
            .await
            .expect("export")
            .into_iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {} {} {}",
                    r.held_on,
                    r.kind,
                    r.manager_id,
                    r.rep_id,
                    r.minutes,
                    r.activity,
                    coachbot::app::export::confirmation_column(r.confirmation)
                )
            })
            .collect();
        rows.sort();
        rows
    }
}

fn when_text(model: &Model, manager: usize, when: &When) -> String {
    match when {
        When::Today => String::new(),
        When::Yesterday => " yesterday".into(),
        When::DaysAgo(_) => format!(" on {}", model.day(manager, when).format("%Y-%m-%d")),
    }
}

/// ` since 2026-10-01` (`word` and the day that many days back), or nothing.
fn days_back(model: &Model, manager: usize, word: &str, back: Option<i64>) -> String {
    back.map(|back| {
        let day = model.today(manager) - Duration::days(back);
        format!(" {word} {}", day.format("%Y-%m-%d"))
    })
    .unwrap_or_default()
}

/// What the manager types for a step, if anything.
fn text(model: &Model, step: &Step) -> Option<(usize, String)> {
    let mentions = |reps: &[usize]| {
        reps.iter()
            .map(|r| mention(*r))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(match step {
        Step::Wait(_) => return None,
        Step::TeamAdd(manager, reps, since) => {
            let since = days_back(model, *manager, "since", *since);
            (*manager, format!("team add {}{since}", mentions(reps)))
        }
        Step::TeamRemove(manager, reps, on) => {
            let on = days_back(model, *manager, "on", *on);
            (*manager, format!("team remove {}{on}", mentions(reps)))
        }
        Step::Sessions {
            manager,
            entries,
            mentions_first,
            filler,
        } => {
            let typed: Vec<String> = entries
                .iter()
                .map(|spec| {
                    let duration = DURATIONS[spec.duration].0;
                    let note = NOTES[spec.note].0;
                    let when = when_text(model, *manager, &spec.when);
                    if *mentions_first {
                        format!("{} {duration} {note}{when}", mentions(&spec.reps))
                    } else {
                        format!("{duration} {} {note}{when}", mentions(&spec.reps))
                    }
                })
                .collect();
            (*manager, format!("{}{}", FILLER[*filler], typed.join(", ")))
        }
        Step::Meeting {
            manager,
            duration,
            when,
        } => (
            *manager,
            format!(
                "meeting {} stuck deals{}",
                DURATIONS[*duration].0,
                when_text(model, *manager, when)
            ),
        ),
        Step::Undo(manager) => (*manager, "undo".into()),
        Step::Edit { .. } | Step::Delete { .. } | Step::Answer { .. } | Step::Settle { .. } => {
            return None
        }
    })
}

/// A rep's line in `status` or a team digest: their minutes of 1:1s and of
/// meetings, and their pace (expected, month target, behind) or the last
/// day they were on the team.
type RepLine = (String, u32, u32, Result<(u32, u32, bool), NaiveDate>);

fn rep_lines(reps: &[RepProgress]) -> Vec<RepLine> {
    reps.iter()
        .map(|p| {
            let standing = match p.standing {
                Standing::OnTeam { pace, .. } => {
                    Ok((pace.expected, pace.month_target, pace.behind))
                }
                Standing::Left { last_day } => Err(last_day),
            };
            (
                p.rep.to_string(),
                p.minutes.one_on_one,
                p.minutes.meetings,
                standing,
            )
        })
        .collect()
}

fn word_text(word: Confirmation) -> &'static str {
    match word {
        Confirmation::NotAsked => "none",
        Confirmation::Asked => Word::Asked.text(),
        Confirmation::Helped => Word::Helped.text(),
        Confirmation::Disputed => Word::Disputed.text(),
        Confirmation::Kept => Word::Kept.text(),
    }
}

/// Each team's digest, as the job would send it now: its numbers, and the
/// summary it is rendered with.
async fn compare_team_digests(model: &Model, real: &Real, context: &str) {
    let decided = decide(
        &real.ctx,
        Job::TeamDigest,
        RunAt::Instant(model.now()),
        Trigger::Now,
    )
    .await
    .expect("team digests");
    let mut actual = Vec::new();
    for decision in &decided {
        let Say::TeamDigest(team) = &decision.say else {
            panic!("{context}: a team digest said {:?}", decision.say);
        };
        let rendered = messages::team_digest(team, decision.local_date, TARGET as u32);
        let blocks = serde_json::to_string(&rendered.blocks).expect("blocks");
        let manager = team.manager.to_string();
        let summary = MANAGERS
            .iter()
            .position(|(id, _)| *id == manager)
            .map(|m| model.team_summary(m))
            .filter(|summary| blocks.contains(summary));
        actual.push((
            decision.recipient.clone(),
            manager,
            team.meetings_last_7_days,
            rep_lines(&team.reps),
            summary,
        ));
    }
    let expected: Vec<_> = (0..MANAGERS.len())
        .filter(|m| model.has_team(*m))
        .map(|m| {
            (
                format!("C0TEAM{m}"),
                MANAGERS[m].0.to_string(),
                model.meetings_last_7_days(m),
                model.progress(m, true),
                Some(model.team_summary(m)),
            )
        })
        .collect();
    assert_eq!(actual, expected, "{context}: team digests");
}

/// The leaders' digest, as the job would send it now: each manager's
/// numbers, and the totals it is rendered with.
async fn compare_leaders_digest(model: &Model, real: &Real, context: &str) {
    let decided = decide(
        &real.ctx,
        Job::Digest,
        RunAt::Instant(model.now()),
        Trigger::Now,
    )
    .await
    .expect("leaders' digest");
    let actual: Vec<_> = decided
        .iter()
        .map(|decision| {
            let Say::Digest(lines) = &decision.say else {
                panic!("{context}: the leaders' digest said {:?}", decision.say);
            };
            let rendered = messages::digest(lines, decision.local_date, TARGET as u32);
            let blocks = serde_json::to_string(&rendered.blocks).expect("blocks");
            let lines: Vec<DigestLine> = lines
                .iter()
                .map(|l| {
                    (
                        l.manager.to_string(),
                        l.meetings_last_7_days,
                        l.reps_on_pace,
                        l.reps,
                        l.credited_this_month,
                        l.coached_this_month,
                    )
                })
                .collect();
            let totals = Some(totals(&lines)).filter(|totals| blocks.contains(totals));
            (decision.recipient.clone(), lines, totals)
        })
        .collect();
    let lines: Vec<DigestLine> = (0..MANAGERS.len())
        .filter(|m| model.has_team(*m))
        .map(|m| {
            let (on_pace, reps, minutes) = model.share_on_pace(m);
            let meetings = model.meetings_last_7_days(m);
            let coached = model.own_time(m);
            (
                MANAGERS[m].0.to_string(),
                meetings,
                on_pace,
                reps,
                minutes,
                coached,
            )
        })
        .collect();
    let expected: Vec<_> = Some(lines)
        .filter(|lines| !lines.is_empty())
        .map(|lines| (LEADERS.to_string(), lines.clone(), Some(totals(&lines))))
        .into_iter()
        .collect();
    assert_eq!(actual, expected, "{context}: the leaders' digest");
}

/// A manager's line in the leaders' digest: meetings in the last 7 days,
/// reps on pace, reps on the team, the reps' credit this month and the
/// manager's own time this month.
type DigestLine = (String, u32, usize, usize, u32, u32);

/// The start of the leaders' digest's totals, from its lines.
fn totals(lines: &[DigestLine]) -> String {
    let meetings: u32 = lines.iter().map(|l| l.1).sum();
    let on_pace: usize = lines.iter().map(|l| l.2).sum();
    let reps: usize = lines.iter().map(|l| l.3).sum();
    format!(
        "*Team totals:* {} in the last 7 days · {on_pace} of {} on pace",
        plural(meetings as usize, "team meeting", "team meetings"),
        plural(reps, "rep", "reps"),
    )
}

fn plural(count: usize, one: &str, many: &str) -> String {
    match count {
        1 => format!("1 {one}"),
        count => format!("{count} {many}"),
    }
}

async fn compare(model: &Model, real: &Real, context: &str) {
    for (manager, _) in MANAGERS.iter().enumerate() {
        let today = model.today(manager);
        let month = YearMonth::of(today);
        let Reply::Status(dashboard) = real.coach(manager, "status").await else {
            panic!("{context}: status did not answer with the dashboard");
        };
        assert_eq!(
            rep_lines(&dashboard.reps),
            model.progress(manager, false),
            "{context}: status of {}",
            MANAGERS[manager].0
        );
        let meeting = match dashboard.meeting {
            MeetingState::NoTeam => None,
            MeetingState::OnTrack { days_since, .. } => Some((days_since, false, false)),
            MeetingState::Due { days_since, .. } => Some((days_since, true, false)),
            MeetingState::Overdue { days_since, .. } => Some((days_since, true, true)),
        };
        assert_eq!(
            meeting,
            model.meeting(manager),
            "{context}: meeting of {}",
            MANAGERS[manager].0
        );
        for month in [month.previous(), month] {
            let Reply::Report(report) = real.coach(manager, &format!("report {month}")).await
            else {
                panic!("{context}: report {month} did not answer with a report");
            };
            let expected: Vec<(String, u32)> = model
                .month_team(manager, month, today)
                .into_iter()
                .map(|(rep, _)| {
                    let (one_on_one, meetings) = model.month_minutes(rep, month, None);
                    (REPS[rep].to_string(), one_on_one + meetings)
                })
                .collect();
            let actual: Vec<(String, u32)> = report
                .reps
                .iter()
                .map(|p| (p.rep.to_string(), p.minutes.total()))
                .collect();
            assert_eq!(
                actual, expected,
                "{context}: report {month} of {}",
                MANAGERS[manager].0
            );
            assert_eq!(
                report.meetings,
                model.meetings_in(manager, month),
                "{context}: meetings in {month}"
            );
            let mut words: Vec<(String, &str, u32)> = report
                .words
                .iter()
                .map(|(rep, word, count)| (rep.to_string(), word_text(*word), *count))
                .collect();
            words.sort();
            assert_eq!(
                words,
                model.words(manager, month, today),
                "{context}: reps' words in the report {month} of {}",
                MANAGERS[manager].0
            );
        }
    }
    compare_team_digests(model, real, context).await;
    compare_leaders_digest(model, real, context).await;
    let stints = real.stints().await;
    let expected: Vec<(String, String, String, Option<String>)> = model
        .stints
        .iter()
        .filter(|s| !s.gone)
        .map(|s| {
            let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
            (
                MANAGERS[s.manager].0.to_string(),
                REPS[s.rep].to_string(),
                day(s.joined),
                s.left.map(day),
            )
        })
        .collect();
    assert_eq!(stints, expected, "{context}: every stint");
    let this_month = YearMonth::of(model.now().date_naive());
    for month in [this_month.previous(), this_month, this_month.next()] {
        assert_eq!(
            real.export(month).await,
            model.export(month),
            "{context}: export {month}"
        );
    }
}

/// Plays `step` on each of `reals`, as the model stands before it, and
/// says what it did in `history`, shown when a comparison fails.
async fn act(model: &Model, reals: &[Real], step: &Step, history: &mut Vec<String>) {
    if let Some((manager, text)) = text(model, step) {
        history.push(format!(
            "{} on {}: /coach {text}",
            MANAGERS[manager].0,
            model.today(manager)
        ));
        for real in reals {
            real.coach(manager, &text).await;
        }
    }
    match step {
        Step::Edit {
            manager,
            pick,
            duration,
            when,
        } => {
            history.push(format!(
                "{} edits entry {pick} to {} on {}",
                MANAGERS[*manager].0,
                DURATIONS[*duration].0,
                model.day(*manager, when)
            ));
            for real in reals {
                real.edit(model, *manager, *pick, *duration, when).await;
            }
        }
        Step::Delete { manager, pick } => {
            history.push(format!("{} deletes entry {pick}", MANAGERS[*manager].0));
            for real in reals {
                real.delete(*manager, *pick).await;
            }
        }
        Step::Answer {
            manager,
            pick,
            rep,
            helped,
            stale,
        } => {
            if let Some((_, _, rep)) = model.chosen(*manager, *pick, *rep) {
                let said = if *helped {
                    "It helped"
                } else {
                    "That didn't happen"
                };
                let about = if *stale {
                    " (a question before its last edit)"
                } else {
                    ""
                };
                history.push(format!(
                    "{} answers \"{said}\" about entry {pick} of {}{about}",
                    REPS[rep], MANAGERS[*manager].0
                ));
                for real in reals {
                    real.answer(*manager, *pick, rep, *helped, *stale).await;
                }
            }
        }
        Step::Settle {
            manager,
            by,
            pick,
            rep,
            keep,
        } => {
            if let Some((_, _, rep)) = model.chosen(*manager, *pick, *rep) {
                let pressed = if *keep { "Keep it" } else { "Delete it" };
                history.push(format!(
                    "{} presses {pressed} for {} on entry {pick} of {}",
                    MANAGERS[*by].0, REPS[rep], MANAGERS[*manager].0
                ));
                for real in reals {
                    real.settle(*manager, *by, *pick, rep, *keep).await;
                }
            }
        }
        _ => {}
    }
}

/// Plays `steps` on each database side by side, comparing each with the
/// model, and the databases with each other, after every step.
async fn play(steps: Vec<Step>) {
    let start: DateTime<Utc> = START.parse().expect("start");
    let databases = each_database().await;
    let mut reals = Vec::new();
    for database in &databases {
        reals.push(Real::start(start, database).await);
    }
    let mut model = Model {
        now: Some(start),
        ..Model::default()
    };
    let mut history = Vec::new();
    for step in &steps {
        act(&model, &reals, step, &mut history).await;
        model.apply(step);
        let context = history.join("\n");
        for (real, database) in reals.iter().zip(&databases) {
            real.ctx.clock.set(model.now());
            compare(&model, real, &format!("on {database}:\n{context}")).await;
        }
        if let [sqlite, postgres] = &reals[..] {
            assert_eq!(
                postgres.answers(&model).await,
                sqlite.answers(&model).await,
                "PostgreSQL (left) answered otherwise than SQLite (right) after:\n{context}"
            );
        }
    }
    for (real, database) in reals.iter().zip(&databases) {
        let (_, findings) = real.ctx.store.check().await.expect("check");
        assert!(
            findings.is_empty(),
            "on {database}: {findings:?}\n{}",
            history.join("\n")
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_sequence_of_commands_leaves_the_records_as_typed(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(play(steps));
    }
}
