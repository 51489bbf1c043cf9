//! The rules of the article as pure functions of records and an instant:
//! pace against the monthly target, when a meeting is due, and the values
//! everything else is built from. No I/O and no clock in here.

pub mod entries;
pub mod meetings;
pub mod pace;
pub mod records;
pub mod team;
pub mod types;

pub use entries::{Entry, EntryId, LineId, MeetingEntry, Note, NoteTooLong, SessionEntry};
pub use meetings::{meeting_state, CountedFrom, MeetingPolicy, MeetingState};
pub use pace::{pace, rep_month_minutes, Pace, RepMinutes};
pub use records::{
    local_date, JoinMove, Manager, MeetingRecord, Membership, MonthActivity, SessionRecord,
};
pub use team::{join_change, session_day, JoinChange, SessionDay};
pub use types::*;
