//! What a manager logs: 1:1 sessions and team meetings. One `/coach` line
//! (or one form) stores one or more entries together, and `undo` takes the
//! line back whole.

use std::fmt;

use chrono::NaiveDate;

use super::types::{Activity, Minutes, SlackUserId, Topic, OLDEST_DAYS_BACK};

/// What the manager wrote about an entry: trimmed, at most
/// [`Note::MAX_CHARS`] characters, possibly empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(text: &str) -> Result<Self, NoteTooLong> {
        let text = text.trim();
        let length = text.chars().count();
        if length > Self::MAX_CHARS {
            return Err(NoteTooLong(length));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a day cannot hold an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOutOfRange {
    Future,
    /// More than [`OLDEST_DAYS_BACK`] days before today.
    TooFarBack,
}

/// The one rule for an entry's day, typed or picked in a form: not in the
/// future, at most [`OLDEST_DAYS_BACK`] days back.
pub fn entry_day(day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, DayOutOfRange> {
    let days_back = (today - day).num_days();
    if days_back < 0 {
        Err(DayOutOfRange::Future)
    } else if days_back > OLDEST_DAYS_BACK {
        Err(DayOutOfRange::TooFarBack)
    } else {
        Ok(day)
    }
}

/// Lets tests and callers compare a note with the text they expect.
impl PartialEq<&str> for Note {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// How long a note was, in characters, when it was over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a note of {0} characters is longer than {max}", max = Note::MAX_CHARS)]
pub struct NoteTooLong(pub usize);

/// One 1:1 coaching session, with one or more reps, each getting the full
/// minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    /// Never empty; each rep once, in the order given.
    pub reps: Vec<SlackUserId>,
    pub minutes: Minutes,
    pub activity: Activity,
    pub note: Note,
    pub held_on: NaiveDate,
}

/// A team meeting, which counts for every rep on the team that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingEntry {
    pub minutes: Minutes,
    /// Sorted, each once; may be empty.
    pub topics: Vec<Topic>,
    pub note: Note,
    pub held_on: NaiveDate,
}

/// The two kinds of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Session,
    Meeting,
}

impl EntryKind {
    /// Its name in the export.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Session => "session",
            EntryKind::Meeting => "meeting",
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Session(SessionEntry),
    Meeting(MeetingEntry),
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        match self {
            Entry::Session(_) => EntryKind::Session,
            Entry::Meeting(_) => EntryKind::Meeting,
        }
    }

    pub fn minutes(&self) -> Minutes {
        match self {
            Entry::Session(session) => session.minutes,
            Entry::Meeting(meeting) => meeting.minutes,
        }
    }

    pub fn held_on(&self) -> NaiveDate {
        match self {
            Entry::Session(session) => session.held_on,
            Entry::Meeting(meeting) => meeting.held_on,
        }
    }

    pub fn note(&self) -> &Note {
        match self {
            Entry::Session(session) => &session.note,
            Entry::Meeting(meeting) => &meeting.note,
        }
    }
}

impl Entry {
    /// Whether `self` is probably `other` logged a second time: the same
    /// kind, day and minutes, and the same reps.
    pub fn looks_like(&self, other: &Entry) -> bool {
        match (self, other) {
            (Entry::Session(a), Entry::Session(b)) => {
                let mut reps_a = a.reps.clone();
                let mut reps_b = b.reps.clone();
                reps_a.sort();
                reps_b.sort();
                a.held_on == b.held_on && a.minutes == b.minutes && reps_a == reps_b
            }
            (Entry::Meeting(a), Entry::Meeting(b)) => {
                a.held_on == b.held_on && a.minutes == b.minutes
            }
            _ => false,
        }
    }
}

/// An entry as stored, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: EntryId,
    pub line: LineId,
    /// How many times it was edited: a rep's answer about an earlier
    /// revision is about a session that no longer reads that way.
    pub revision: u32,
    pub entry: Entry,
}

/// A rep's word on a 1:1 they were in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confirmation {
    /// Nobody asked: reps are not asked to confirm in this workspace.
    NotAsked,
    Asked,
    /// "It helped."
    Helped,
    /// "That didn't happen": the session stops counting toward the rep's
    /// pace until the manager keeps it or deletes it.
    Disputed,
    /// Disputed, then kept by the manager: it counts again.
    Kept,
}

impl Confirmation {
    /// Whether the session counts toward the rep's pace.
    pub fn counts(self) -> bool {
        self != Confirmation::Disputed
    }
}

/// What a rep answers when asked about a 1:1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepAnswer {
    Helped,
    DidNotHappen,
}

/// What a manager does about a session a rep disputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeDecision {
    Keep,
    Delete,
}

/// Where a rep's answer leaves their row: the answer to an open question
/// is their word, whatever it was (a session disputed, then edited, is
/// asked about again); with none open, the first word stands.
pub fn answer_rep(
    question_open: bool,
    current: Confirmation,
    answer: RepAnswer,
) -> Result<Confirmation, Confirmation> {
    match (question_open, answer) {
        (true, RepAnswer::Helped) => Ok(Confirmation::Helped),
        (true, RepAnswer::DidNotHappen) => Ok(Confirmation::Disputed),
        // Answered before (or decided by the manager): the first word stands.
        (false, _) => Err(current),
    }
}

/// The stored line (a command or a form) that entries came from. Never
/// reused, so a button that names one can never reach a later line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId(i64);

impl LineId {
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One stored entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(i64);

impl EntryId {
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An entry with each of its reps' word on it (none for a meeting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEntry {
    pub stored: StoredEntry,
    /// Aligned with the session's reps.
    pub confirmations: Vec<Confirmation>,
}

/// One of a rep's 1:1s, as the rep sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepSession {
    pub entry: EntryId,
    pub revision: u32,
    pub manager: SlackUserId,
    pub minutes: u32,
    pub activity: Activity,
    pub held_on: NaiveDate,
    pub confirmation: Confirmation,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(reps: &[&str], minutes: u32, day: u32, activity: Activity) -> Entry {
        Entry::Session(SessionEntry {
            reps: reps
                .iter()
                .map(|r| SlackUserId::parse(r).expect("id"))
                .collect(),
            minutes: Minutes::new(minutes).expect("minutes"),
            activity,
            note: Note::default(),
            held_on: NaiveDate::from_ymd_opt(2026, 11, day).expect("day"),
        })
    }

    #[test]
    fn the_same_reps_day_and_minutes_look_like_a_duplicate_whatever_the_note_or_kind() {
        let first = session(&["U0ANA", "U0BEN"], 45, 20, Activity::Pipeline);
        assert!(first.looks_like(&session(&["U0BEN", "U0ANA"], 45, 20, Activity::Deal)));
        assert!(!first.looks_like(&session(&["U0ANA"], 45, 20, Activity::Pipeline)));
        assert!(!first.looks_like(&session(&["U0ANA", "U0BEN"], 30, 20, Activity::Pipeline)));
        assert!(!first.looks_like(&session(&["U0ANA", "U0BEN"], 45, 21, Activity::Pipeline)));
    }

    #[test]
    fn an_open_question_takes_the_reps_answer_whatever_their_word_and_otherwise_the_word_stands() {
        use Confirmation::*;
        for word in [Asked, Disputed, Kept] {
            assert_eq!(answer_rep(true, word, RepAnswer::Helped), Ok(Helped));
            assert_eq!(
                answer_rep(true, word, RepAnswer::DidNotHappen),
                Ok(Disputed)
            );
        }
        for word in [Helped, Disputed, Kept, NotAsked] {
            assert_eq!(answer_rep(false, word, RepAnswer::DidNotHappen), Err(word));
        }
    }

    #[test]
    fn notes_are_trimmed_and_capped_in_characters_not_bytes() {
        assert_eq!(
            Note::parse("  pipeline  ").map(|n| n.0),
            Ok("pipeline".into())
        );
        assert!(Note::parse(&"é".repeat(Note::MAX_CHARS)).is_ok());
        assert_eq!(
            Note::parse(&"é".repeat(Note::MAX_CHARS + 1)),
            Err(NoteTooLong(Note::MAX_CHARS + 1))
        );
    }
}
