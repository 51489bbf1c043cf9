//! What the bot answers, as data; `slack::render` decides how it looks.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::Surface;
use crate::domain::{
    Confirmation, Entry, EntryKind, JoinChange, JoinMove, LineId, ManagerTime, MeetingEntry,
    MeetingState, Membership, RemoveOutcome, RepProgress, SessionEntry, SlackChannelId,
    SlackUserId, StoredEntry, TeamTakenBack, TeamUndoRefused, YearMonth,
};

/// `status`: the manager's team this month.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub month: YearMonth,
    pub target: u32,
    pub reps: Vec<RepProgress>,
    pub meeting: MeetingState,
    pub snoozed_until: Option<NaiveDate>,
}

/// `report`: a month's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthReport {
    pub month: YearMonth,
    /// The month is over, so its numbers are final.
    pub finished: bool,
    pub target: u32,
    pub reps: Vec<RepProgress>,
    pub meetings: u32,
    /// The manager's own time, each 1:1 and meeting once, apart from the
    /// reps' credit, which counts a meeting for every rep in it.
    pub manager_time: ManagerTime,
    /// How many of each rep's 1:1s stand at each word (none where reps
    /// are not asked).
    pub words: Vec<(SlackUserId, Confirmation, u32)>,
}

/// Some reps' month, as an answer about entries shows each month the
/// entries fall in.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthProgress {
    pub month: YearMonth,
    pub reps: Vec<RepProgress>,
}

/// A reply with the manager's local date, so that every day in it reads
/// the same way (`Fri 27 Nov`, with the year only when it is another).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub reply: Reply,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A line of 1:1 sessions was stored.
    Logged {
        line: LineId,
        entries: Vec<SessionEntry>,
        /// Each rep's month, with the line counted, for each month the
        /// line's sessions fall in.
        progress: Vec<MonthProgress>,
        /// Join days that moved back to a session in the line.
        moved: Vec<JoinMove>,
        /// Entries stored before that these look like.
        duplicates: Vec<StoredEntry>,
        /// As [`StoredLine::home_tabs_opened`](crate::store::StoredLine).
        home_tabs_opened: Vec<(SlackUserId, DateTime<Utc>)>,
    },
    MeetingLogged {
        line: LineId,
        log: MeetingEntry,
        reps_counted: usize,
        duplicates: Vec<StoredEntry>,
        /// As [`StoredLine::home_tabs_opened`](crate::store::StoredLine).
        home_tabs_opened: Vec<(SlackUserId, DateTime<Utc>)>,
    },
    /// Sessions are only for reps on the manager's team.
    NotOnTeam {
        reps: Vec<SlackUserId>,
        manager_is_one: bool,
    },
    /// The rep was on another manager's team on the session's day.
    OnAnotherTeamThatDay {
        rep: SlackUserId,
        manager: SlackUserId,
        day: NaiveDate,
    },
    /// The rep left the team and came back, and the session's day is
    /// before their earlier stint began.
    BeforeEarlierStint {
        rep: SlackUserId,
        joined: NaiveDate,
    },
    NoTeamYet,
    /// The current team, in the order they joined.
    Team(Vec<Membership>),
    TeamAdded(Vec<(SlackUserId, JoinChange)>),
    TeamRemoved(Vec<(SlackUserId, RemoveOutcome)>),
    CannotCoachSelf,
    Status(Dashboard),
    Report(MonthReport),
    /// The entries of the line `undo` took back, and the join days they
    /// had moved, now forward again.
    Undone {
        entries: Vec<StoredEntry>,
        join_days: Vec<JoinMove>,
    },
    /// The team command `undo` took back, for each rep it changed.
    TeamUndone(Vec<(SlackUserId, TeamTakenBack)>),
    /// Why `undo` could not take back the latest team command.
    TeamUndoRefused(TeamUndoRefused),
    NothingToUndo,
    /// An entry changed after the fact: as it was, as it is, and its reps'
    /// months now, in the month it was in and the month it is in.
    Edited {
        before: StoredEntry,
        after: StoredEntry,
        progress: Vec<MonthProgress>,
    },
    Deleted(StoredEntry),
    /// An entry to edit or delete is no longer there.
    EntryGone,
    /// An entry (or a line) another manager logged, which only they can
    /// change.
    NotYours {
        manager: SlackUserId,
    },
    /// An answer to a question about a 1:1 the one answering is not (or no
    /// longer) in.
    NotInSession,
    /// A rep's word on a 1:1, recorded.
    RepAnswered {
        entry: StoredEntry,
        manager: SlackUserId,
        word: Confirmation,
    },
    /// The rep (or their manager) had settled it already.
    RepAnsweredBefore(Confirmation),
    /// The session was changed after the question; a new one was sent.
    RepQuestionChanged,
    /// The manager kept a session the rep disputed: it counts again.
    DisputeKept {
        entry: StoredEntry,
        rep: SlackUserId,
    },
    /// The manager deleted a disputed session for the rep (`whole`: the
    /// entry, which was theirs alone).
    DisputeDeleted {
        entry: StoredEntry,
        rep: SlackUserId,
        whole: bool,
    },
    /// Keep or Delete on a session that is not (or no longer) disputed.
    NotDisputed {
        rep: SlackUserId,
        word: Confirmation,
    },
    /// An Undo button on a line taken back before.
    AlreadyUndone,
    /// An Undo button on a line whose entries are gone.
    NoLongerThere,
    SnoozeState(Option<NaiveDate>),
    Snoozed(NaiveDate),
    /// "Snooze a week" when reminders were already paused.
    AlreadySnoozed(NaiveDate),
    SnoozeOff,
    TimeZone {
        tz: Tz,
        overridden: bool,
        local_now: NaiveDateTime,
    },
    /// Where the team's digest goes, if anywhere.
    DigestChannel(Option<SlackChannelId>),
    DigestSet(SlackChannelId),
    DigestOff,
    /// `digest off` with no digest channel set.
    NoDigestToStop,
    /// A digest set or shown where there is no Slack (`coachbot try`).
    DigestNeedsSlack,
    /// The bot is not in the channel, so the digest cannot go there yet.
    DigestNeedsInvite(SlackChannelId),
    /// Slack could not be asked whether the bot is in the channel.
    DigestUnchecked(SlackChannelId),
    /// A button this version does not know, on an old message.
    ButtonGone,
    /// `/coach log`: whether Slack opened the form.
    FormOpening {
        kind: EntryKind,
        opened: bool,
    },
    /// `/coach log` where no form can open (`coachbot try`).
    FormNeedsSlack(EntryKind),
    Help {
        /// The manager's monthly target per rep, from the settings.
        target: u32,
        /// Where it was asked for: a terminal gets only what works there.
        surface: Surface,
    },
    /// The text did not parse: the parser's sentence and example.
    Mistake(String),
    /// The first answer a manager gets: who coachbot thinks they are, then
    /// the answer itself.
    Welcome {
        tz: Tz,
        then: Box<Reply>,
    },
    /// Slack could not be reached for the first-use time zone lookup.
    SlackUnavailable,
    /// A command from a workspace coachbot holds no token for: nothing was
    /// done there.
    NotInstalled,
    Apology,
}

impl Reply {
    /// Whose Home tabs what `user` did altered: none when it changed no
    /// records; otherwise `user`'s, and that of each rep (or manager) whose
    /// own month or sessions it changed. A team meeting's reps are not
    /// named in its reply: their tabs show it when next opened.
    pub fn tabs_altered(&self, user: &SlackUserId) -> Vec<SlackUserId> {
        let others: Vec<SlackUserId> = match self {
            Reply::Welcome { then, .. } => return then.tabs_altered(user),
            Reply::Logged { entries, .. } => entries
                .iter()
                .flat_map(|entry| entry.reps.iter().cloned())
                .collect(),
            Reply::Undone { entries, .. } => entries.iter().flat_map(reps_of).collect(),
            Reply::Edited { before, after, .. } => {
                reps_of(before).into_iter().chain(reps_of(after)).collect()
            }
            Reply::Deleted(entry) => reps_of(entry),
            Reply::TeamAdded(reps) => reps.iter().map(|(rep, _)| rep.clone()).collect(),
            Reply::TeamRemoved(reps) => reps.iter().map(|(rep, _)| rep.clone()).collect(),
            Reply::TeamUndone(reps) => reps.iter().map(|(rep, _)| rep.clone()).collect(),
            Reply::DisputeKept { rep, .. } | Reply::DisputeDeleted { rep, .. } => vec![rep.clone()],
            Reply::RepAnswered { manager, .. } => vec![manager.clone()],
            Reply::MeetingLogged { .. }
            | Reply::Snoozed(_)
            | Reply::SnoozeOff
            | Reply::TimeZone { .. }
            | Reply::DigestSet(_)
            | Reply::DigestOff => Vec::new(),
            _ => return Vec::new(),
        };
        let mut altered = vec![user.clone()];
        for other in others {
            if !altered.contains(&other) {
                altered.push(other);
            }
        }
        altered
    }

    /// When those whose tabs a stored line altered last opened them, as
    /// the line's transaction read it; `None` for other replies, whose
    /// tabs' openings are read after the answer.
    pub fn home_tabs_opened(&self) -> Option<&[(SlackUserId, DateTime<Utc>)]> {
        match self {
            Reply::Welcome { then, .. } => then.home_tabs_opened(),
            Reply::Logged {
                home_tabs_opened, ..
            }
            | Reply::MeetingLogged {
                home_tabs_opened, ..
            } => Some(home_tabs_opened),
            _ => None,
        }
    }
}

/// The reps of a stored 1:1 (none for a meeting).
fn reps_of(stored: &StoredEntry) -> Vec<SlackUserId> {
    match &stored.entry {
        Entry::Session(session) => session.reps.clone(),
        Entry::Meeting(_) => Vec::new(),
    }
}
