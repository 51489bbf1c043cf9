//! Logged coaching: 1:1 sessions and team meetings, read back, totalled,
//! exported and undone a line at a time.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

use super::{
    date_text, instant_text, parse_date, parse_topics, parse_user, placeholders, Store, StoreError,
};
use crate::domain::{
    Activity, Entry, EntryId, EntryKind, LineId, Manager, MeetingEntry, MeetingRecord, Membership,
    Minutes, MonthActivity, Note, SessionEntry, SessionRecord, SlackTeamId, SlackUserId,
    StoredEntry, YearMonth,
};

/// Which line `undo` takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoTarget {
    /// The manager's latest line that still has entries (`/coach undo`).
    Latest,
    /// The line a confirmation showed (its Undo button).
    Line(LineId),
}

/// What `undo` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// These entries were removed, every rep row with them.
    Removed(LineId, Vec<StoredEntry>),
    /// The line was taken back before; nothing changed.
    AlreadyUndone,
    /// The manager has nothing (left) to take back.
    Nothing,
}

/// One row of [`Store::month_activity`]'s union: a kind, then its fields.
type ActivityRow = (
    String,
    String,
    Option<String>,
    Option<u32>,
    String,
    Option<String>,
);

/// A stored entry's row, before its reps are attached.
#[derive(sqlx::FromRow)]
pub(super) struct EntryRow {
    pub(super) id: i64,
    line_id: i64,
    revision: u32,
    kind: String,
    minutes: u32,
    activity: Option<String>,
    topics: Option<String>,
    note: String,
    held_on: String,
}

/// The columns of an [`EntryRow`], in its order, from `logs`.
pub(super) const ENTRY_COLUMNS: &str =
    "id, line_id, revision, kind, minutes, activity, topics, note, held_on";

impl EntryRow {
    pub(super) fn into_stored(self, reps: Vec<SlackUserId>) -> Result<StoredEntry, StoreError> {
        let minutes = Minutes::new(self.minutes)
            .map_err(|_| StoreError::Corrupt(format!("minutes {}", self.minutes)))?;
        let note = Note::parse(&self.note)
            .map_err(|_| StoreError::Corrupt(format!("note of entry {}", self.id)))?;
        let held_on = parse_date(&self.held_on)?;
        let entry = if self.kind == "session" {
            Entry::Session(SessionEntry {
                reps,
                minutes,
                activity: self
                    .activity
                    .as_deref()
                    .and_then(Activity::from_code)
                    .unwrap_or(Activity::Other),
                note,
                held_on,
            })
        } else {
            Entry::Meeting(MeetingEntry {
                minutes,
                topics: parse_topics(self.topics.as_deref().unwrap_or(""))?,
                note,
                held_on,
            })
        };
        Ok(StoredEntry {
            id: EntryId::new(self.id),
            line: LineId::new(self.line_id),
            revision: self.revision,
            entry,
        })
    }
}

/// A line's entries, each with its reps in the order they were given.
async fn line_entries(
    tx: &mut SqliteConnection,
    line: LineId,
) -> Result<Vec<StoredEntry>, StoreError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM logs WHERE line_id = ? ORDER BY id"
    ))
    .bind(line.get())
    .fetch_all(&mut *tx)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let reps = entry_reps(tx, row.id).await?;
        entries.push(row.into_stored(reps)?);
    }
    Ok(entries)
}

/// An entry's reps, in the order they were given.
pub(super) async fn entry_reps(
    tx: &mut SqliteConnection,
    entry: i64,
) -> Result<Vec<SlackUserId>, StoreError> {
    let reps: Vec<String> =
        sqlx::query_scalar("SELECT rep_id FROM log_reps WHERE log_id = ? ORDER BY rowid")
            .bind(entry)
            .fetch_all(&mut *tx)
            .await?;
    reps.into_iter().map(parse_user).collect()
}

/// What a manager logs most often, to open a form with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usual {
    pub minutes: Option<Minutes>,
    /// For 1:1 sessions only.
    pub activity: Option<Activity>,
}

impl Store {
    /// The length (and, for sessions, the kind) the manager logs most often,
    /// the latest winning a tie.
    pub async fn usual_entry(
        &self,
        manager: &Manager,
        kind: EntryKind,
    ) -> Result<Usual, StoreError> {
        let kind = match kind {
            EntryKind::Session => "session",
            EntryKind::Meeting => "meeting",
        };
        let minutes: Option<u32> = sqlx::query_scalar(
            "SELECT minutes FROM logs WHERE team_id = ? AND manager_id = ? AND kind = ?
             GROUP BY minutes ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(kind)
        .fetch_optional(&self.readers)
        .await?;
        let activity: Option<String> = sqlx::query_scalar(
            "SELECT activity FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'session'
             GROUP BY activity ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .fetch_optional(&self.readers)
        .await?;
        Ok(Usual {
            minutes: minutes.and_then(|m| Minutes::new(m).ok()),
            activity: activity
                .as_deref()
                .and_then(Activity::from_code)
                .filter(|_| kind == "session"),
        })
    }

    /// The manager's latest entries (at most `limit`) held on these days
    /// and this long, each with its reps: what a new entry could repeat.
    /// Bounded, so a manager who logs the same thing all day long still
    /// pays for a handful of rows.
    pub async fn lookalike_candidates(
        &self,
        manager: &Manager,
        days: &[NaiveDate],
        minutes: &[Minutes],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        if days.is_empty() || minutes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT l.id, l.line_id, l.revision, l.kind, l.minutes, l.activity, l.topics, l.note,
                    l.held_on, r.rep_id
             FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
             WHERE l.id IN (SELECT id FROM logs
                            WHERE team_id = ? AND manager_id = ? AND held_on IN ({})
                              AND minutes IN ({})
                            ORDER BY id DESC LIMIT ?)
             ORDER BY l.id, r.rowid",
            placeholders(days.len()),
            placeholders(minutes.len())
        );
        let mut query = sqlx::query_as::<
            _,
            (
                i64,
                i64,
                u32,
                String,
                u32,
                Option<String>,
                Option<String>,
                String,
                String,
                Option<String>,
            ),
        >(&sql)
        .bind(manager.team.as_str())
        .bind(manager.id.as_str());
        for day in days {
            query = query.bind(date_text(*day));
        }
        for length in minutes {
            query = query.bind(length.get());
        }
        query = query.bind(limit);
        let mut entries: Vec<(EntryRow, Vec<SlackUserId>)> = Vec::new();
        for (id, line_id, revision, kind, minutes, activity, topics, note, held_on, rep) in
            query.fetch_all(&self.readers).await?
        {
            if entries.last().is_none_or(|(row, _)| row.id != id) {
                let row = EntryRow {
                    id,
                    line_id,
                    revision,
                    kind,
                    minutes,
                    activity,
                    topics,
                    note,
                    held_on,
                };
                entries.push((row, Vec::new()));
            }
            if let (Some(rep), Some((_, reps))) = (rep, entries.last_mut()) {
                reps.push(parse_user(rep)?);
            }
        }
        entries
            .into_iter()
            .map(|(row, reps)| row.into_stored(reps))
            .collect()
    }

    /// Takes a line back whole: its entries and every rep row with them. A
    /// line taken back before, or one that is not the manager's, changes
    /// nothing, so pressing Undo twice is safe.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id))]
    pub async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        let mut tx = self.write().await?;
        let line: Option<(i64, Option<String>)> = match target {
            UndoTarget::Latest => sqlx::query_as(
                "SELECT id, undone_at FROM log_lines
                 WHERE team_id = ? AND manager_id = ? AND undone_at IS NULL
                   AND EXISTS (SELECT 1 FROM logs WHERE logs.line_id = log_lines.id)
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(manager.team.as_str())
            .bind(manager.id.as_str()),
            UndoTarget::Line(line) => sqlx::query_as(
                "SELECT id, undone_at FROM log_lines WHERE id = ? AND team_id = ? AND manager_id = ?",
            )
            .bind(line.get())
            .bind(manager.team.as_str())
            .bind(manager.id.as_str()),
        }
        .fetch_optional(&mut *tx)
        .await?;
        let line = match line {
            None => return Ok(Undone::Nothing),
            Some((_, Some(_))) => return Ok(Undone::AlreadyUndone),
            Some((id, None)) => LineId::new(id),
        };
        let entries = line_entries(&mut tx, line).await?;
        if entries.is_empty() {
            return Ok(Undone::Nothing);
        }
        sqlx::query("DELETE FROM logs WHERE line_id = ?")
            .bind(line.get())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE log_lines SET undone_at = ? WHERE id = ?")
            .bind(instant_text(now))
            .bind(line.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Undone::Removed(line, entries))
    }

    /// The records needed to total these reps' month, in one read: every
    /// membership they have had, their 1:1 minutes in the month (summed per
    /// day and kind, leaving out sessions they disputed), and the meetings
    /// of every manager they were with.
    pub async fn month_activity(
        &self,
        team: &SlackTeamId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        if reps.is_empty() {
            return Ok(MonthActivity::default());
        }
        let from = date_text(month.first_day());
        let until = date_text(month.next().first_day());
        let reps_list = placeholders(reps.len());
        let sql = format!(
            "SELECT 'membership', manager_id, rep_id, NULL, joined_on, left_on FROM memberships
             WHERE team_id = ? AND rep_id IN ({reps_list})
             UNION ALL
             SELECT 'session', rep_id, activity, SUM(minutes), held_on, NULL FROM log_reps
             WHERE team_id = ? AND rep_id IN ({reps_list}) AND held_on >= ? AND held_on < ?
               AND confirmation <> 'disputed'
             GROUP BY rep_id, held_on, activity
             UNION ALL
             SELECT 'meeting', manager_id, NULL, SUM(minutes), held_on, NULL FROM logs
             WHERE team_id = ? AND kind = 'meeting' AND held_on >= ? AND held_on < ?
               AND manager_id IN (SELECT manager_id FROM memberships
                                  WHERE team_id = ? AND rep_id IN ({reps_list}))
             GROUP BY manager_id, held_on"
        );
        let mut query = sqlx::query_as::<_, ActivityRow>(&sql).bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        query = query.bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        query = query
            .bind(&from)
            .bind(&until)
            .bind(team.as_str())
            .bind(&from)
            .bind(&until)
            .bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        let mut activity = MonthActivity::default();
        for (kind, who, what, minutes, day, until) in query.fetch_all(&self.readers).await? {
            match kind.as_str() {
                "membership" => activity.memberships.push(Membership {
                    manager: parse_user(who)?,
                    rep: parse_user(what.unwrap_or_default())?,
                    joined_on: parse_date(&day)?,
                    left_on: until.as_deref().map(parse_date).transpose()?,
                }),
                "session" => activity.sessions.push(SessionRecord {
                    rep: parse_user(who)?,
                    minutes: minutes.unwrap_or(0),
                    activity: what
                        .as_deref()
                        .and_then(Activity::from_code)
                        .unwrap_or(Activity::Other),
                    held_on: parse_date(&day)?,
                }),
                _ => activity.meetings.push(MeetingRecord {
                    manager: parse_user(who)?,
                    minutes: minutes.unwrap_or(0),
                    held_on: parse_date(&day)?,
                }),
            }
        }
        Ok(activity)
    }

    /// The day of the manager's latest team meeting held on or before `day`.
    pub async fn last_meeting(
        &self,
        manager: &Manager,
        day: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(held_on) FROM logs
             WHERE team_id = ? AND manager_id = ? AND kind = 'meeting' AND held_on <= ?",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(day))
        .fetch_one(&self.readers)
        .await?;
        last.as_deref().map(parse_date).transpose()
    }

    /// How many team meetings the manager held on days in `[from, until)`.
    pub async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError> {
        let count: u32 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'meeting'
               AND held_on >= ? AND held_on < ?",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(from))
        .bind(date_text(until))
        .fetch_one(&self.readers)
        .await?;
        Ok(count)
    }
}

/// One row of `coachbot export`: a session with one rep, or a meeting.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRow {
    pub team_id: String,
    pub held_on: String,
    pub kind: String,
    pub manager_id: String,
    /// Empty for a meeting, which counts for the whole team.
    pub rep_id: String,
    pub minutes: u32,
    pub activity: String,
    /// Topic codes separated by `;`.
    pub topics: String,
    pub note: String,
    pub logged_at: String,
    /// A session rep's word: empty when nobody asked (and for a meeting),
    /// else `asked`, `helped`, `disputed` (not counted) or `kept`.
    pub confirmation: String,
}

impl Store {
    /// Every session (one row per rep) and meeting held in the month, in
    /// every workspace, oldest first.
    pub async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT l.team_id, l.held_on, l.kind, l.manager_id,
                    COALESCE(r.rep_id, '') AS rep_id, l.minutes,
                    COALESCE(l.activity, '') AS activity,
                    REPLACE(COALESCE(l.topics, ''), ',', ';') AS topics,
                    l.note, l.logged_at,
                    CASE WHEN r.confirmation IS NULL OR r.confirmation = 'none' THEN ''
                         ELSE r.confirmation END AS confirmation
             FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
             WHERE l.held_on >= ? AND l.held_on < ?
             ORDER BY l.held_on, l.id, r.rowid",
        )
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&self.readers)
        .await?)
    }
}
