//! The logging forms: what they open with, and what a submitted form stores.
//! A submission is checked by the rules of the typed command (the same
//! minutes, day and note rules, no ride-alongs, reps on the team) from local
//! reads only, because its answer must be Slack's acknowledgement itself,
//! and stored by the same use case as a typed line.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Answer, AppContext, Failure, Reply};
use crate::command::is_ride_along;
use crate::domain::{
    entry_day, format_minutes, plural, Activity, DayOutOfRange, Entry, EntryId, EntryKind, Manager,
    MeetingEntry, Minutes, Note, SessionEntry, ShownDay, SlackUserId, StoredEntry, Topic,
    WorkspaceId, OLDEST_DAYS_BACK,
};
use crate::store::Owned;

/// A form's minutes when nothing better is known: a typical 1:1.
const DEFAULT_SESSION_MINUTES: u32 = 30;
const DEFAULT_MEETING_MINUTES: u32 = 60;

/// What a button opens a form with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preset {
    pub reps: Vec<SlackUserId>,
    pub activity: Option<Activity>,
    pub minutes: Option<Minutes>,
}

/// A form as it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSpec {
    pub kind: EntryKind,
    pub reps: Vec<SlackUserId>,
    pub minutes: Option<Minutes>,
    pub activity: Activity,
    /// The day the form opens on: the manager's today for a new entry.
    pub day: NaiveDate,
    pub topics: Vec<Topic>,
    pub note: Option<Note>,
    /// The entry an edit form changes; `None` for a new one.
    pub editing: Option<EntryId>,
}

impl FormSpec {
    /// The form for changing `stored`, filled in as it is.
    pub fn editing(stored: &StoredEntry) -> Self {
        let (reps, activity, topics) = match &stored.entry {
            Entry::Session(session) => (session.reps.clone(), session.activity, Vec::new()),
            Entry::Meeting(meeting) => (Vec::new(), Activity::Pipeline, meeting.topics.clone()),
        };
        let note = stored.entry.note();
        Self {
            kind: stored.entry.kind(),
            reps,
            minutes: Some(stored.entry.minutes()),
            activity,
            day: stored.entry.held_on(),
            topics,
            note: (!note.is_empty()).then(|| note.clone()),
            editing: Some(stored.id),
        }
    }
}

/// A submitted form's values, as Slack sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub kind: EntryKind,
    /// The entry an edit form changes.
    pub editing: Option<EntryId>,
    pub reps: Vec<String>,
    pub minutes: Option<String>,
    pub activity: Option<String>,
    pub day: Option<String>,
    pub topics: Vec<String>,
    pub note: Option<String>,
}

/// A form's fields, each of which an error can stand next to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Reps,
    Minutes,
    Kind,
    Day,
    Topics,
    Note,
    /// Settings forms: a channel, a time zone.
    Channel,
    TimeZone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// Nothing stored: each mistake, next to its field.
    Errors(Vec<FieldError>),
    /// Stored, or refused for a reason no field holds: the answer to show.
    Answered(Answer),
}

impl AppContext {
    /// The form `kind` for this user, opened with `preset`. With `ask_slack`
    /// false it reads only what is stored and gives `None` for someone
    /// coachbot does not know yet (their time zone must first come from
    /// Slack, too slow for a trigger that lives 3 seconds).
    pub async fn form(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        kind: EntryKind,
        preset: Preset,
        ask_slack: bool,
    ) -> Result<Option<FormSpec>, Failure> {
        let now = self.clock.now();
        let manager = match self.store.manager(workspace, user).await? {
            Some(manager) => manager,
            None if ask_slack => self.manager(workspace, user, now).await?.0,
            None => return Ok(None),
        };
        let usual = self.store.usual_entry(&manager, kind).await?;
        let fallback = match kind {
            EntryKind::Session => DEFAULT_SESSION_MINUTES,
            EntryKind::Meeting => DEFAULT_MEETING_MINUTES,
        };
        let minutes = preset
            .minutes
            .or(usual.minutes)
            .or(Minutes::new(fallback).ok());
        Ok(Some(FormSpec {
            kind,
            reps: preset.reps,
            minutes,
            activity: preset
                .activity
                .or(usual.activity)
                .unwrap_or(Activity::Pipeline),
            day: manager.today(now),
            topics: Vec::new(),
            note: None,
            editing: None,
        }))
    }

    /// The form to change entry `id`, filled in as it is, or the reply that
    /// says why it does not open.
    pub async fn edit_form(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<FormSpec, Reply> {
        let (_, stored) = self.own_entry(workspace, user, id).await?;
        Ok(FormSpec::editing(&stored))
    }

    /// Entry `id` to ask about before deleting it, with the manager's
    /// today, or the reply that says why it cannot be deleted.
    pub async fn entry_to_delete(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<(StoredEntry, NaiveDate), Reply> {
        let (manager, stored) = self.own_entry(workspace, user, id).await?;
        Ok((stored, manager.today(self.clock.now())))
    }

    /// The user's entry `id`, with the manager they are, or the reply that
    /// says why it is not theirs to change: another manager's, or gone.
    async fn own_entry(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<(Manager, StoredEntry), Reply> {
        let found = async {
            let manager = self.store.manager(workspace, user).await?;
            let entry = self.store.entry(workspace, user, id).await?;
            Ok::<_, Failure>((manager, entry))
        };
        match found.await {
            Ok((Some(manager), Owned::Yours(stored))) => Ok((manager, stored)),
            Ok((_, Owned::NotYours { manager })) => Err(Reply::NotYours { manager }),
            // An entry's manager is always stored (a foreign key), so an
            // entry without one is as good as gone.
            Ok((None, Owned::Yours(_)) | (_, Owned::Gone)) => Err(Reply::EntryGone),
            Err(error) => Err(self.failed(error, self.clock.now()).reply),
        }
    }

    /// Checks a submitted form and, if it is right, stores it exactly as the
    /// typed line would be stored.
    #[tracing::instrument(skip(self, submission), fields(workspace = %workspace, user = %user))]
    pub async fn submit(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        submission: Submission,
    ) -> Submitted {
        let now = self.clock.now();
        match self.try_submit(workspace, user, submission, now).await {
            Ok(submitted) => submitted,
            Err(error) => Submitted::Answered(self.failed(error, now)),
        }
    }

    async fn try_submit(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        submission: Submission,
        now: DateTime<Utc>,
    ) -> Result<Submitted, Failure> {
        let answered = |reply| {
            Ok(Submitted::Answered(Answer {
                reply,
                today: now.date_naive(),
            }))
        };
        let manager = match submission.editing {
            // Checked before anything else: nobody else's entry is changed,
            // nor held to their team's rules.
            Some(id) => match self.own_entry(workspace, user, id).await {
                Ok((manager, _)) => manager,
                Err(reply) => return answered(reply),
            },
            None => match self.store.manager(workspace, user).await? {
                Some(manager) => manager,
                // A form is only opened for someone coachbot knows.
                None => return answered(Reply::Apology),
            },
        };
        let today = manager.today(now);
        let checked = match submission.kind {
            EntryKind::Session => check_session(&manager, &submission, today),
            EntryKind::Meeting => check_meeting(&submission, today),
        };
        let entry = match checked {
            Ok(entry) => entry,
            Err(errors) => return Ok(Submitted::Errors(errors)),
        };
        let reply = match (submission.editing, entry) {
            (Some(id), Checked::Session(entry)) => {
                self.edit_entry(&manager, id, Entry::Session(entry), now)
                    .await?
            }
            (Some(id), Checked::Meeting(entry)) => {
                self.edit_entry(&manager, id, Entry::Meeting(entry), now)
                    .await?
            }
            (None, Checked::Session(entry)) => {
                self.log_sessions(&manager, vec![entry], now).await?
            }
            (None, Checked::Meeting(entry)) => self.log_meeting(&manager, entry, now).await?,
        };
        Ok(match refusal(&reply, &submission, today) {
            Some(error) => Submitted::Errors(vec![error]),
            None => Submitted::Answered(Answer { reply, today }),
        })
    }
}

enum Checked {
    Session(SessionEntry),
    Meeting(MeetingEntry),
}

/// Every mistake in a 1:1 form at once, or the entry it describes.
fn check_session(
    manager: &Manager,
    submission: &Submission,
    today: NaiveDate,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reps: Vec<SlackUserId> = submission
        .reps
        .iter()
        .filter_map(|rep| SlackUserId::parse(rep).ok())
        .collect();
    if reps.is_empty() {
        errors.push(FieldError::new(
            Field::Reps,
            "Pick at least one rep you coached.",
        ));
    } else if reps.contains(&manager.id) {
        errors.push(FieldError::new(
            Field::Reps,
            "You can't log coaching with yourself: pick the reps you coached.",
        ));
    }
    let activity = submission.activity.as_deref().and_then(Activity::from_code);
    if activity.is_none() {
        errors.push(FieldError::new(Field::Kind, "Pick the kind of coaching."));
    }
    let note = check_note(submission, &mut errors);
    if note
        .as_ref()
        .is_some_and(|note| is_ride_along(note.as_str()))
    {
        errors.push(FieldError::new(
            Field::Note,
            "Riding along on a joint call is selling together with the rep, not coaching, so it isn't logged. If you only watched the rep sell, choose observing in the field.",
        ));
    }
    let minutes = check_minutes(submission, &mut errors);
    let day = check_day(submission, today, &mut errors);
    match (minutes, day, activity, note) {
        (Some(minutes), Some(held_on), Some(activity), Some(note)) if errors.is_empty() => {
            Ok(Checked::Session(SessionEntry {
                reps,
                minutes,
                activity,
                note,
                held_on,
            }))
        }
        _ => Err(errors),
    }
}

/// Every mistake in a meeting form at once, or the meeting it describes.
fn check_meeting(submission: &Submission, today: NaiveDate) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut topics: Vec<Topic> = submission
        .topics
        .iter()
        .filter_map(|code| Topic::from_code(code))
        .collect();
    topics.sort();
    topics.dedup();
    let note = check_note(submission, &mut errors);
    let minutes = check_minutes(submission, &mut errors);
    let day = check_day(submission, today, &mut errors);
    match (minutes, day, note) {
        (Some(minutes), Some(held_on), Some(note)) if errors.is_empty() => {
            Ok(Checked::Meeting(MeetingEntry {
                minutes,
                topics,
                note,
                held_on,
            }))
        }
        _ => Err(errors),
    }
}

fn check_minutes(submission: &Submission, errors: &mut Vec<FieldError>) -> Option<Minutes> {
    let typed = submission
        .minutes
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let Ok(count) = typed.parse::<u32>() else {
        errors.push(FieldError::new(
            Field::Minutes,
            "Give the time in whole minutes, like 45.",
        ));
        return None;
    };
    match Minutes::new(count) {
        Ok(minutes) => Some(minutes),
        Err(_) if count < Minutes::MIN => {
            errors.push(FieldError::new(
                Field::Minutes,
                "Less than a minute is nothing to log: give the minutes you spent, like 45.",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                Field::Minutes,
                format!(
                    "{} is longer than {}, the most one entry can hold: log the time you actually spent.",
                    format_minutes(i64::from(count)),
                    format_minutes(i64::from(Minutes::MAX))
                ),
            ));
            None
        }
    }
}

fn check_day(
    submission: &Submission,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let Some(day) = submission
        .day
        .as_deref()
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
    else {
        errors.push(FieldError::new(Field::Day, "Pick the day it happened."));
        return None;
    };
    let shown = ShownDay::new(day, today);
    match entry_day(day, today) {
        Ok(day) => Some(day),
        Err(DayOutOfRange::Future) => {
            errors.push(FieldError::new(
                Field::Day,
                format!("{shown} hasn't happened yet: log coaching once it's done."),
            ));
            None
        }
        Err(DayOutOfRange::TooFarBack) => {
            errors.push(FieldError::new(
                Field::Day,
                format!("{shown} is more than {OLDEST_DAYS_BACK} days ago, too far back to log."),
            ));
            None
        }
    }
}

fn check_note(submission: &Submission, errors: &mut Vec<FieldError>) -> Option<Note> {
    match Note::parse(submission.note.as_deref().unwrap_or_default()) {
        Ok(note) => Some(note),
        Err(too_long) => {
            errors.push(FieldError::new(
                Field::Note,
                format!(
                    "That note is {} characters long, and notes can have at most {}.",
                    too_long.0,
                    Note::MAX_CHARS
                ),
            ));
            None
        }
    }
}

/// The field that a reply refusing the entry belongs next to. Slack shows
/// field errors as plain text, where a mention is no name, so reps are
/// counted by where they stand in the picker.
fn refusal(reply: &Reply, submission: &Submission, today: NaiveDate) -> Option<FieldError> {
    let picked = |rep: &SlackUserId| {
        submission
            .reps
            .iter()
            .position(|typed| typed.eq_ignore_ascii_case(rep.as_str()))
            .map_or(0, |at| at + 1)
    };
    match reply {
        Reply::NotOnTeam { reps, .. } => {
            let which: Vec<String> = reps.iter().map(|rep| ordinal(picked(rep))).collect();
            let who = if submission.reps.len() == 1 {
                "The rep you picked isn't".to_string()
            } else {
                format!(
                    "{} you picked ({}) {}",
                    plural(reps.len(), "rep", "reps"),
                    which.join(", "),
                    if reps.len() == 1 { "isn't" } else { "aren't" }
                )
            };
            Some(FieldError::new(
                Field::Reps,
                format!("{who} on your team yet. Add them with /coach team add (type @ and pick each from Slack's list), then submit again."),
            ))
        }
        Reply::OnAnotherTeamThatDay { day, .. } => Some(FieldError::new(
            Field::Day,
            format!(
                "On {}, a rep you picked was on another manager's team, so a session that day can't count for yours.",
                ShownDay::new(*day, today)
            ),
        )),
        Reply::BeforeEarlierStint { joined, .. } => Some(FieldError::new(
            Field::Day,
            format!(
                "A rep you picked first joined your team on {}: pick a day from then on.",
                ShownDay::new(*joined, today)
            ),
        )),
        Reply::NoTeamYet => Some(FieldError::new(
            Field::Minutes,
            "A team meeting counts for everyone on your team, and your team is empty. Add your reps first with /coach team add.",
        )),
        _ => None,
    }
}

/// `1st`, `2nd`, `3rd`, `4th`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_as_ordinals() {
        let read: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal).to_vec();
        assert_eq!(
            read,
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
        );
    }
}
