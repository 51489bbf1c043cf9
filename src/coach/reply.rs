//! What the bot answers, as data; `slack::render` decides how it looks.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::domain::{
    MeetingEntry, MeetingState, Pace, RepMinutes, SessionEntry, SlackUserId, YearMonth,
};
use crate::store::{AddOutcome, RemoveOutcome, StoredEntry};

/// One rep's month against the target.
#[derive(Debug, Clone, PartialEq)]
pub struct RepProgress {
    pub rep: SlackUserId,
    pub minutes: RepMinutes,
    pub pace: Pace,
    /// The day they joined, when that was after the month began: their
    /// target is prorated from then, and the answer says so.
    pub joined_mid_month: Option<NaiveDate>,
}

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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Logged {
        log: SessionEntry,
        progress: Vec<RepProgress>,
    },
    MeetingLogged {
        log: MeetingEntry,
        reps_counted: usize,
    },
    /// Sessions are only for reps on the manager's team.
    NotOnTeam {
        reps: Vec<SlackUserId>,
        manager_is_one: bool,
    },
    NoTeamYet,
    Team(Vec<SlackUserId>),
    TeamAdded(Vec<(SlackUserId, AddOutcome)>),
    TeamRemoved(Vec<(SlackUserId, RemoveOutcome)>),
    CannotCoachSelf,
    Status(Dashboard),
    Report(MonthReport),
    /// The entries of the line `undo` took back.
    Undone(Vec<StoredEntry>),
    NothingToUndo,
    SnoozeState(Option<NaiveDate>),
    Snoozed(NaiveDate),
    SnoozeOff,
    TimeZone {
        tz: Tz,
        overridden: bool,
        local_now: NaiveDateTime,
    },
    Help,
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
    Apology,
}
