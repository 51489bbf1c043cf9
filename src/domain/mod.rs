//! The rules of the article as pure functions of records and an instant:
//! pace against the monthly target, when a meeting is due, who is on whose
//! team, what each reminder job has to say, when a job fires in a time zone,
//! and the values everything else is built from. No I/O and no clock in
//! here; every layer above builds on it.

pub mod entries;
#[cfg(test)]
mod fixtures;
pub mod manager_time;
pub mod meetings;
pub mod pace;
pub mod records;
pub mod reminders;
pub mod schedule;
pub mod slack_budgets;
pub mod team;
pub mod types;

pub use entries::{
    answer_rep, entry_day, Confirmation, DayOutOfRange, DisputeDecision, Entry, EntryId, EntryKind,
    LineId, ListedEntry, MeetingEntry, Note, NoteTooLong, RepAnswer, RepSession, SessionEntry,
    StoredEntry,
};
pub use manager_time::{manager_month_time, DayOfCoaching, ManagerTime};
pub use meetings::{meeting_state, CountedFrom, MeetingPolicy, MeetingState};
pub use pace::{
    pace, rep_month_minutes, reps_month, share_on_pace, team_month, Counting, Pace, RepMinutes,
    RepProgress, Standing,
};
pub use records::{
    local_date, JoinMove, Manager, MeetingRecord, Membership, MonthActivity, SessionRecord,
};
pub use reminders::{BehindRep, ManagerDigest, SkipReason, TeamDigest};
pub use schedule::{next_firing, scheduled_on, start_of_day, todays_firing, Job, UnknownJob};
pub use slack_budgets::{DeliveryTurn, PublishBudget};
pub use team::{
    join_change, leave, session_day, JoinChange, RemoveOutcome, SessionDay, TeamTakenBack,
    TeamUndoRefused,
};
pub use types::*;
