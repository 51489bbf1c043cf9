//! The values the store interface ([`super::Storage`]) takes and returns:
//! what a use case hands to storage and what it gets back, whichever
//! database holds the records.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::StoreError;
use crate::domain::{
    plural, Activity, Confirmation, EnterpriseId, EntryKind, Job, JoinMove, LineId, Membership,
    Minutes, MonthActivity, SlackUserId, StoredEntry, TeamTakenBack, TeamUndoRefused, WorkspaceId,
    YearMonth,
};
use crate::sealing::SealedToken;

// Installations

/// A workspace that installed coachbot from its link: what Slack's
/// `oauth.v2.access` answered, the bot token sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub workspace: WorkspaceId,
    /// The Enterprise Grid organisation the workspace belongs to, if any.
    pub enterprise: Option<EnterpriseId>,
    /// Sealed for `workspace` (see `crate::sealing`); never the token.
    pub bot_token: SealedToken,
    /// coachbot's own user in the workspace.
    pub bot_user: SlackUserId,
    /// The bot scopes granted, as Slack lists them (comma-separated).
    pub scopes: String,
    /// Who installed it, when known: a token an admin set rather than an
    /// install from the link has none.
    pub installer: Option<SlackUserId>,
    pub installed_at: DateTime<Utc>,
}

// Managers

/// A manager's row this build cannot read, named by its raw IDs.
#[derive(Debug, thiserror::Error)]
#[error("manager {user} in workspace {workspace} cannot be read")]
pub struct UnreadableManager {
    pub workspace: String,
    pub user: String,
    #[source]
    pub error: StoreError,
}

/// A pair of time zone names managers have (Slack's, and their override)
/// and the zone it puts them in, read as a manager is read: the override
/// when this build knows it, else Slack's; none when this build cannot read
/// Slack's, which makes those managers unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneNames {
    pub slack_tz: String,
    pub tz_override: Option<String>,
    pub zone: Option<Tz>,
}

// Lines and entries

/// The team rule a change is stored under. Given the stints it judges,
/// read in the transaction that stores the change (for 1:1 sessions, every
/// stint their reps have had in the workspace; for a team meeting, every
/// stint on the manager's team), it returns the join days the change moves
/// back (stored with it), or `None` when the change may not be stored.
pub type TeamRule = Box<dyn Fn(&[Membership]) -> Option<Vec<JoinMove>> + Send + Sync>;

/// How many changes a workspace's stints had seen when they were read. A
/// line judged on those stints can be stored without reading them again
/// while the count has not moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StintsSeen(pub(in crate::store) i64);

/// What storing a new line of 1:1s and answering it need to know, read at
/// once: its reps' stints as of `seen`, their months, and the manager's
/// entries it looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineContext {
    pub seen: StintsSeen,
    /// For each month asked, the reps' records in it (every stint they
    /// have had, on any team, in each).
    pub months: Vec<(YearMonth, MonthActivity)>,
    /// The latest stored entries the line looks like, oldest first.
    pub lookalikes: Vec<StoredEntry>,
}

/// A line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub line: LineId,
    /// The join days its team rule moved back, in the same transaction.
    pub moves: Vec<JoinMove>,
    /// The stints its team rule judged, as that transaction read them (none
    /// without a rule, nor for a line judged by the caller and stored at
    /// once): the team the line was stored against.
    pub stints: Vec<Membership>,
    /// When the line's manager and reps last opened their Home tab, those
    /// who ever did, read in the transaction that stored the line: a tab
    /// opened after it is drawn with the line already in it.
    pub home_tabs_opened: Vec<(SlackUserId, DateTime<Utc>)>,
}

/// Which line `undo` takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoTarget {
    /// The manager's latest change not yet taken back (`/coach undo`): a
    /// line that still has entries, or a team command.
    Latest,
    /// The line a confirmation showed (its Undo button).
    Line(LineId),
}

/// What `undo` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// These entries were removed, every rep row with them, and these join
    /// days they had moved went forward again.
    Removed(LineId, Vec<StoredEntry>, Vec<JoinMove>),
    /// A `team add` or `team remove` was taken back, for each rep it changed.
    Team(Vec<(SlackUserId, TeamTakenBack)>),
    /// Taking back the latest team command would break a rule; nothing
    /// changed.
    Refused(TeamUndoRefused),
    /// The line was taken back before; nothing changed.
    AlreadyUndone,
    /// The line is another manager's; nothing changed.
    NotYours { manager: SlackUserId },
    /// The manager has nothing (left) to take back.
    Nothing,
}

/// What a manager logs most often, to open a form with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usual {
    pub minutes: Option<Minutes>,
    /// For 1:1 sessions only.
    pub activity: Option<Activity>,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edited {
    /// The entry as it was, and as it is now.
    Changed {
        before: StoredEntry,
        after: StoredEntry,
    },
    /// Another manager's entry: nothing changed.
    NotYours { manager: SlackUserId },
    /// Deleted, or taken back.
    Gone,
}

/// An entry a button or a form names, as it stands for the user who named
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owned<T> {
    /// Theirs.
    Yours(T),
    /// Another manager's, which only they can change.
    NotYours { manager: SlackUserId },
    /// Deleted, or taken back. IDs are never used twice, so nothing else
    /// answers to it.
    Gone,
}

// Reps' word on their 1:1s

/// What a rep's answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepAnswered {
    /// Recorded: the session, its manager, and the rep's word now.
    Recorded {
        entry: StoredEntry,
        manager: SlackUserId,
        word: Confirmation,
    },
    /// Answered before, or settled by the manager: the first word stands.
    Settled(Confirmation),
    /// The session was edited after the question; the rep was asked again.
    Changed,
    /// Whoever answered is not (or no longer) in the session.
    NotInIt,
    /// The session is gone.
    Gone,
}

/// What the manager's decision on a dispute did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisputeSettled {
    /// It counts again for the rep.
    Kept(StoredEntry),
    /// The rep is out of the session (`whole`: it was their session alone,
    /// so the entry is gone).
    Deleted { entry: StoredEntry, whole: bool },
    /// There is no dispute to settle: the rep's word is this.
    NotDisputed(Confirmation),
    /// Another manager's session: nothing changed.
    NotYours { manager: SlackUserId },
    /// The session is gone, or the rep is no longer in it.
    Gone,
}

/// A message a change calls for, as `log_reps.notify` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// Ask the rep to confirm a 1:1.
    Ask,
    /// Tell the manager the rep says it did not happen.
    Dispute,
}

/// A message still to be sent about a rep's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    pub kind: NoticeKind,
    pub workspace: WorkspaceId,
    pub manager: SlackUserId,
    pub rep: SlackUserId,
    pub entry: StoredEntry,
}

// Reminders and notices

/// What a reminder row carries: a job's message, or a notice that a change
/// caused (a rep asked to confirm a 1:1, a manager told of a dispute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Job(Job),
    ConfirmAsk,
    DisputeNotice,
}

impl MessageKind {
    /// Its name in logs, and in the records.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Job(job) => job.name(),
            MessageKind::ConfirmAsk => "confirm-ask",
            MessageKind::DisputeNotice => "dispute-notice",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A reminder as a job (or a change) decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReminder {
    pub workspace: WorkspaceId,
    pub kind: MessageKind,
    /// A user ID (a DM) or a channel ID.
    pub recipient: String,
    pub local_date: NaiveDate,
    /// What it is about beyond recipient and day (the manager of a team
    /// digest, the session a question is about); empty when nothing.
    pub subject: String,
    /// The chat.postMessage content as JSON, or `None` when there is
    /// nothing to send today.
    pub message: Option<String>,
    pub summary: String,
    pub expires_at: DateTime<Utc>,
}

/// A reminder waiting for Slack.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingReminder {
    pub id: i64,
    pub workspace: WorkspaceId,
    pub kind: MessageKind,
    pub recipient: String,
    pub message: String,
    pub summary: String,
    pub attempts: u32,
}

/// A reminder whose day ended before Slack took it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiredReminder {
    pub kind: MessageKind,
    pub recipient: String,
    pub local_date: NaiveDate,
    pub last_error: Option<String>,
    /// A post of it was in doubt (Slack may have taken it) and could not
    /// be looked up in time: it was never posted blind.
    pub in_doubt: bool,
}

/// A reminder held for one attempt, as the claim handed it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Marking the outcome needs it: a worker whose lease ran out and
    /// another took the reminder cannot overwrite that one's outcome.
    pub token: String,
    /// Since when an earlier post's outcome is unknown (Slack may have
    /// taken it): look it up before posting. `None`: no post in doubt.
    pub in_doubt_since: Option<DateTime<Utc>>,
    /// The conversation Slack put an earlier post in, when its answer said.
    pub channel: Option<String>,
}

/// Where Slack put a post: the conversation (a DM's `D…` ID for a user)
/// and the message's timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedAt {
    pub channel: String,
    pub ts: String,
}

/// A claimed reminder handed back for a later attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    pub next_attempt_at: DateTime<Utc>,
    pub error: String,
    /// Whether a post of it may have been taken (a timeout, an unfinished
    /// lookup): it stays in doubt. `false` when Slack surely did not take
    /// it (a 429, a refusal, an error answer).
    pub in_doubt: bool,
    /// The conversation it goes to, once known (a DM opened for a lookup).
    pub channel: Option<String>,
}

// Slack's interactions

/// The message a button sat on when it opened a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormOrigin {
    pub channel: String,
    pub message_ts: String,
    /// The message's blocks, as Slack showed them (JSON).
    pub blocks: String,
    /// The action ID of the button pressed.
    pub action_id: String,
}

/// Someone's Home tab as coachbot last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeTab {
    /// When they last opened it: a tab is kept fresh only while they may be
    /// looking at it.
    pub opened_at: DateTime<Utc>,
    /// The hash of the view last published, which the next publish hands
    /// Slack so that it never replaces a newer one.
    pub hash: Option<String>,
    /// When it was last published, which spaces the next publish.
    pub published_at: Option<DateTime<Utc>>,
}

// Integrity and export

/// One disagreement in the records, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A rep row's copy of its session differs from the session itself.
    RepRowDisagrees {
        workspace: String,
        entry: i64,
        rep: String,
        field: &'static str,
        row_has: String,
        entry_has: String,
    },
    /// A session with no rep on it.
    SessionWithoutReps { workspace: String, entry: i64 },
    /// A session's rep was not on the manager's team on the session's day.
    RepNotOnTeam {
        workspace: String,
        entry: i64,
        manager: String,
        rep: String,
        day: String,
    },
    /// A rep on two teams at once.
    TwoTeamsAtOnce {
        workspace: String,
        rep: String,
        first: Stint,
        second: Stint,
    },
    /// A rep row the repair of earlier versions' records could not place.
    Undecided {
        workspace: String,
        rep: String,
        day: String,
        minutes: u32,
        activity: String,
        was_entry: i64,
        candidates: u32,
    },
    /// An entry that belongs to no logged line, so `undo` cannot reach it.
    EntryWithoutLine { workspace: String, entry: i64 },
}

/// A rep's time on one manager's team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stint {
    pub manager: String,
    pub joined_on: String,
    pub left_on: Option<String>,
}

impl fmt::Display for Stint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.left_on {
            Some(left) => write!(
                f,
                "{}'s team from {} to {}",
                self.manager, self.joined_on, left
            ),
            None => write!(f, "{}'s team from {}", self.manager, self.joined_on),
        }
    }
}

impl Finding {
    /// The workspace whose records disagree.
    pub fn workspace(&self) -> &str {
        match self {
            Finding::RepRowDisagrees { workspace, .. }
            | Finding::SessionWithoutReps { workspace, .. }
            | Finding::RepNotOnTeam { workspace, .. }
            | Finding::TwoTeamsAtOnce { workspace, .. }
            | Finding::Undecided { workspace, .. }
            | Finding::EntryWithoutLine { workspace, .. } => workspace,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::RepRowDisagrees { workspace, entry, rep, field, row_has, entry_has } => write!(
                f,
                "workspace {workspace}, entry {entry}: the row for rep {rep} says {field} {row_has}, the entry says {entry_has}"
            ),
            Finding::SessionWithoutReps { workspace, entry } => {
                write!(f, "workspace {workspace}, entry {entry}: a 1:1 session with no rep on it")
            }
            Finding::RepNotOnTeam { workspace, entry, manager, rep, day } => write!(
                f,
                "workspace {workspace}, entry {entry}: rep {rep} was not on {manager}'s team on {day}, the session's day"
            ),
            Finding::TwoTeamsAtOnce { workspace, rep, first, second } => write!(
                f,
                "workspace {workspace}: rep {rep} is on two teams at once: {first}, and {second}"
            ),
            Finding::Undecided { workspace, rep, day, minutes, activity, was_entry, candidates } => write!(
                f,
                "workspace {workspace}: a {minutes}-minute {activity} session with rep {rep} on {day} could not be placed when earlier versions' records were repaired (it hung on entry {was_entry}; {} like it). It counts nowhere until it is logged again",
                plural(*candidates as usize, "session looks", "sessions look")
            ),
            Finding::EntryWithoutLine { workspace, entry } => {
                write!(f, "workspace {workspace}, entry {entry}: belongs to no logged line, so undo cannot reach it")
            }
        }
    }
}

/// How many rows of each kind of bookkeeping a pruning pass deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Reminders, questions to reps and dispute notices, by local date.
    pub reminders: u64,
    /// Marks of who opened a Home tab and what was published to it.
    pub home_tabs: u64,
    /// Lines taken back, with what they had changed.
    pub lines: u64,
}

/// What `check` looked at, for its all-clear line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checked {
    pub entries: usize,
    pub rep_rows: usize,
    pub memberships: usize,
}

/// One row of `coachbot export`: a session with one rep, or a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub workspace_id: WorkspaceId,
    pub held_on: NaiveDate,
    pub kind: EntryKind,
    pub manager_id: SlackUserId,
    /// The rep the row counts for; empty for a meeting no rep was on the
    /// team for.
    pub rep_id: String,
    pub minutes: u32,
    /// The activity's code; empty for a meeting.
    pub activity: String,
    /// Topic codes separated by `;`.
    pub topics: String,
    pub note: String,
    /// When it was logged, as stored.
    pub logged_at: String,
    /// A session rep's word; `NotAsked` for a meeting.
    pub confirmation: Confirmation,
}

// What the jobs read of many managers at once

/// Each of a set read's managers' records, in the order the managers were
/// given; a manager whose rows cannot be read has the error instead, and
/// the others still have theirs.
pub type PerManager<T> = Vec<Result<T, StoreError>>;

/// A manager's team meetings as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeetingsAsOf {
    /// The day of the latest meeting held on or before it.
    pub last_held: Option<NaiveDate>,
    /// How many were held from the day the read was asked for through it.
    pub held_since: u32,
}

/// The key a job's reminder is stored under for one day, beyond the job
/// and the day: who it goes to, in which workspace, about what.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReminderKey {
    pub workspace: String,
    pub recipient: String,
    pub subject: String,
}
