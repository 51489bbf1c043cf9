//! Logged coaching: 1:1 sessions and team meetings, read back, totalled,
//! exported and undone a line at a time.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

use super::confirmations::StoredWord;
use super::team::{is_team_change, take_back_join_moves, take_back_team_change};
use super::{
    date_text, decode_json, instant_text, parse_date, parse_topics, parse_user, parse_workspace,
    JsonQuery, SqliteStore, StoreError,
};
use crate::domain::{
    Activity, Confirmation, Entry, EntryId, EntryKind, LineId, ListedEntry, Manager, MeetingEntry,
    Minutes, Note, SessionEntry, SlackUserId, StoredEntry, WorkspaceId, YearMonth,
};
use crate::store::{ExportRow, NoticeKind, UndoTarget, Undone, Usual};

/// An entry's kind, as `logs.kind` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub(super) enum StoredKind {
    Session,
    Meeting,
}

impl From<EntryKind> for StoredKind {
    fn from(kind: EntryKind) -> Self {
        match kind {
            EntryKind::Session => StoredKind::Session,
            EntryKind::Meeting => StoredKind::Meeting,
        }
    }
}

impl From<StoredKind> for EntryKind {
    fn from(kind: StoredKind) -> Self {
        match kind {
            StoredKind::Session => EntryKind::Session,
            StoredKind::Meeting => EntryKind::Meeting,
        }
    }
}

/// One row of the one way entries are read: an entry, who logged it, and
/// one of its reps with their word (none, for a meeting). Every reader of
/// entries selects [`entries_with_reps`] with its own filter and order, and
/// [`gather`] folds the rows into entries.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(in crate::store) struct EntryRepRow {
    id: i64,
    team_id: String,
    manager_id: String,
    line_id: i64,
    revision: u32,
    kind: StoredKind,
    minutes: u32,
    activity: Option<String>,
    topics: Option<String>,
    note: String,
    held_on: String,
    rep_id: Option<String>,
    confirmation: Option<StoredWord>,
    notify: Option<NoticeKind>,
    asked_revision: Option<u32>,
}

/// The entries of the manager's that look like one of `new` by
/// [`Entry::looks_like`], in one row: [`entries_with_reps`]'s rows as a
/// JSON array of arrays in [`EntryRepRow`]'s order of fields, bound by
/// [`bind_lookalikes`].
pub(super) fn lookalikes_json_sql(new: &[Entry]) -> String {
    if new.is_empty() {
        return "SELECT json_array()".to_string();
    }
    // Each kind written out, never bound: SQLite prepares a statement
    // again whenever a parameter compared with the column of a partial
    // index's condition (`logs.kind`, in `logs_meetings_by_manager_and_day`)
    // is bound, so a bound kind cost a fresh parse of the whole read per log.
    let alike = new
        .iter()
        .map(|entry| match entry {
            Entry::Session(_) => {
                "SELECT id FROM (
                   SELECT id FROM logs
                   WHERE team_id = ? AND manager_id = ? AND held_on = ? AND minutes = ?
                     AND kind = 'session'
                     AND (SELECT group_concat(rep_id, ',' ORDER BY rep_id) FROM log_reps
                          WHERE log_id = logs.id) = ?
                   ORDER BY id DESC LIMIT ?)"
            }
            Entry::Meeting(_) => {
                "SELECT id FROM (
                   SELECT id FROM logs
                   WHERE team_id = ? AND manager_id = ? AND held_on = ? AND minutes = ?
                     AND kind = 'meeting' AND ? IS NULL
                   ORDER BY id DESC LIMIT ?)"
            }
        })
        .collect::<Vec<_>>()
        .join(" UNION ");
    let filter = format!("l.id IN (SELECT id FROM ({alike}) ORDER BY id DESC LIMIT ?)");
    format!(
        "SELECT json_group_array(json_array(id, team_id, manager_id, line_id, revision, kind,
                                            minutes, activity, topics, note, held_on, rep_id,
                                            confirmation, notify, asked_revision)
                                 ORDER BY id, rep_position)
         FROM ({})",
        entries_with_reps(&filter, "l.id")
    )
}

/// Binds the parameters of [`lookalikes_json_sql`]: each new entry's day,
/// length, kind and reps, and at most `limit` found.
pub(super) fn bind_lookalikes<'q>(
    mut query: JsonQuery<'q>,
    manager: &Manager,
    new: &[Entry],
    limit: u32,
) -> JsonQuery<'q> {
    if new.is_empty() {
        return query;
    }
    for entry in new {
        let reps = match entry {
            Entry::Session(session) => {
                let mut reps: Vec<&str> = session.reps.iter().map(|r| r.as_str()).collect();
                reps.sort_unstable();
                Some(reps.join(","))
            }
            Entry::Meeting(_) => None,
        };
        query = query
            .bind(manager.workspace.as_str().to_string())
            .bind(manager.id.as_str().to_string())
            .bind(date_text(entry.held_on()))
            .bind(entry.minutes().get())
            .bind(reps)
            .bind(limit);
    }
    query.bind(limit)
}

/// The entries these rows hold, as stored.
pub(in crate::store) fn stored_entries(
    rows: Vec<EntryRepRow>,
) -> Result<Vec<StoredEntry>, StoreError> {
    Ok(gather(rows)?.into_iter().map(|read| read.stored).collect())
}

/// The SQL of the one way entries are read, for the entries of `logs l`
/// that `filter` picks, in `order`; each entry's reps come in the order
/// they were given.
pub(super) fn entries_with_reps(filter: &str, order: &str) -> String {
    format!(
        "SELECT l.id, l.team_id, l.manager_id, l.line_id, l.revision, l.kind, l.minutes,
                l.activity, l.topics, l.note, l.held_on, r.rep_id, r.confirmation, r.notify,
                r.asked_revision, r.rowid AS rep_position
         FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
         WHERE {filter}
         ORDER BY {order}, r.rowid"
    )
}

/// An entry as read: who logged it, the entry, and each rep's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::store) struct EntryRead {
    pub(in crate::store) workspace: WorkspaceId,
    pub(in crate::store) manager: SlackUserId,
    pub(in crate::store) stored: StoredEntry,
    /// In the order of the session's reps; none for a meeting.
    pub(in crate::store) reps: Vec<RepRow>,
}

/// A rep's row on a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::store) struct RepRow {
    pub(in crate::store) rep: SlackUserId,
    pub(in crate::store) word: Confirmation,
    /// A message about the row still to be sent.
    pub(in crate::store) notify: Option<NoticeKind>,
    /// The revision the rep's open question is about, if one is open.
    pub(in crate::store) asked_revision: Option<u32>,
}

impl EntryRead {
    /// The row of `rep`, if they are in the session.
    pub(in crate::store) fn rep(&self, rep: &SlackUserId) -> Option<&RepRow> {
        self.reps.iter().find(|row| &row.rep == rep)
    }

    pub(in crate::store) fn listed(self) -> ListedEntry {
        ListedEntry {
            confirmations: self.reps.iter().map(|row| row.word).collect(),
            stored: self.stored,
        }
    }
}

/// Folds rows of [`entries_with_reps`] into entries, in the order read.
pub(in crate::store) fn gather(rows: Vec<EntryRepRow>) -> Result<Vec<EntryRead>, StoreError> {
    let mut entries: Vec<(EntryRepRow, Vec<RepRow>)> = Vec::new();
    for mut row in rows {
        let rep = match (row.rep_id.take(), row.confirmation) {
            (Some(rep), Some(word)) => Some(RepRow {
                rep: parse_user(rep)?,
                word: word.into(),
                notify: row.notify,
                asked_revision: row.asked_revision,
            }),
            _ => None,
        };
        match entries.last_mut() {
            Some((entry, reps)) if entry.id == row.id => reps.extend(rep),
            _ => entries.push((row, rep.into_iter().collect())),
        }
    }
    entries
        .into_iter()
        .map(|(row, reps)| row.into_read(reps))
        .collect()
}

impl EntryRepRow {
    fn into_read(self, reps: Vec<RepRow>) -> Result<EntryRead, StoreError> {
        let minutes = Minutes::new(self.minutes)
            .map_err(|_| StoreError::Corrupt(format!("minutes {}", self.minutes)))?;
        let note = Note::parse(&self.note)
            .map_err(|_| StoreError::Corrupt(format!("note of entry {}", self.id)))?;
        let held_on = parse_date(&self.held_on)?;
        let entry = match self.kind {
            StoredKind::Session => Entry::Session(SessionEntry {
                reps: reps.iter().map(|row| row.rep.clone()).collect(),
                minutes,
                activity: self
                    .activity
                    .as_deref()
                    .and_then(Activity::from_code)
                    .unwrap_or(Activity::Other),
                note,
                held_on,
            }),
            StoredKind::Meeting => Entry::Meeting(MeetingEntry {
                minutes,
                topics: parse_topics(self.topics.as_deref().unwrap_or(""))?,
                note,
                held_on,
            }),
        };
        Ok(EntryRead {
            workspace: parse_workspace(self.team_id)?,
            manager: parse_user(self.manager_id)?,
            stored: StoredEntry {
                id: EntryId::new(self.id),
                line: LineId::new(self.line_id),
                revision: self.revision,
                entry,
            },
            reps,
        })
    }
}

/// Entry `id` of workspace `workspace`, whoever logged it.
pub(super) async fn read_entry(
    conn: &mut SqliteConnection,
    workspace: &WorkspaceId,
    id: EntryId,
) -> Result<Option<EntryRead>, StoreError> {
    let rows = sqlx::query_as(&entries_with_reps("l.id = ? AND l.team_id = ?", "l.id"))
        .bind(id.get())
        .bind(workspace.as_str())
        .fetch_all(&mut *conn)
        .await?;
    Ok(gather(rows)?.pop())
}

/// A line's entries, each with its reps.
async fn line_entries(
    conn: &mut SqliteConnection,
    line: LineId,
) -> Result<Vec<StoredEntry>, StoreError> {
    let rows = sqlx::query_as(&entries_with_reps("l.line_id = ?", "l.id"))
        .bind(line.get())
        .fetch_all(&mut *conn)
        .await?;
    Ok(gather(rows)?.into_iter().map(|read| read.stored).collect())
}

/// A logged line as `undo` reads it.
#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    undone_at: Option<String>,
    manager_id: String,
}

impl SqliteStore {
    /// The length (and, for sessions, the kind) the manager logs most often,
    /// the latest winning a tie.
    pub async fn usual_entry(
        &self,
        manager: &Manager,
        kind: EntryKind,
    ) -> Result<Usual, StoreError> {
        // The kind written out, never bound: see `lookalikes_json_sql`.
        let minutes: Option<u32> = sqlx::query_scalar(match kind {
            EntryKind::Session => {
                "SELECT minutes FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'session'
                 GROUP BY minutes ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1"
            }
            EntryKind::Meeting => {
                "SELECT minutes FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'meeting'
                 GROUP BY minutes ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1"
            }
        })
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_optional(&mut *self.readers.acquire().await?)
        .await?;
        let activity: Option<String> = sqlx::query_scalar(
            "SELECT activity FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'session'
             GROUP BY activity ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT 1",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_optional(&mut *self.readers.acquire().await?)
        .await?;
        Ok(Usual {
            minutes: minutes.and_then(|m| Minutes::new(m).ok()),
            activity: activity
                .as_deref()
                .and_then(Activity::from_code)
                .filter(|_| kind == EntryKind::Session),
        })
    }

    /// The manager's latest stored entries (at most `limit`, oldest first)
    /// that look like one of `new` by [`Entry::looks_like`]: the same kind,
    /// day and length, and for a 1:1 the same reps. Compared in SQL, one
    /// index range per new entry walked from its latest end until `limit`
    /// are found, so only the lookalikes themselves are read, however long
    /// the manager's history.
    pub async fn lookalikes(
        &self,
        manager: &Manager,
        new: &[Entry],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let sql = lookalikes_json_sql(new);
        let read: String = bind_lookalikes(sqlx::query_scalar(&sql), manager, new, limit)
            .fetch_one(&mut *self.readers.acquire().await?)
            .await?;
        stored_entries(decode_json(&read)?)
    }

    /// Takes a line back whole: its entries and every rep row with them,
    /// and the join days they moved; or, for a team command, every stint it
    /// changed. A line taken back before, or one that is not the manager's,
    /// changes nothing, so pressing Undo twice is safe.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id))]
    pub async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        let mut tx = self.write().await?;
        let line: Option<LineRow> = match target {
            UndoTarget::Latest => sqlx::query_as(
                "SELECT id, undone_at, manager_id FROM log_lines
                 WHERE team_id = ? AND manager_id = ? AND undone_at IS NULL
                   AND (EXISTS (SELECT 1 FROM logs WHERE logs.line_id = log_lines.id)
                        OR EXISTS (SELECT 1 FROM team_changes t WHERE t.line_id = log_lines.id))
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str()),
            UndoTarget::Line(line) => sqlx::query_as(
                "SELECT id, undone_at, manager_id FROM log_lines WHERE id = ? AND team_id = ?",
            )
            .bind(line.get())
            .bind(manager.workspace.as_str()),
        }
        .fetch_optional(&mut *tx)
        .await?;
        let line = match line {
            None => return Ok(Undone::Nothing),
            Some(line) if line.manager_id != manager.id.as_str() => {
                return Ok(Undone::NotYours {
                    manager: parse_user(line.manager_id)?,
                })
            }
            Some(LineRow {
                undone_at: Some(_), ..
            }) => return Ok(Undone::AlreadyUndone),
            Some(LineRow { id, .. }) => LineId::new(id),
        };
        let undone = if target == UndoTarget::Latest && is_team_change(&mut tx, line.get()).await? {
            match take_back_team_change(&mut tx, manager, line.get()).await? {
                Ok(taken_back) => Undone::Team(taken_back),
                Err(refused) => return Ok(Undone::Refused(refused)),
            }
        } else {
            let entries = line_entries(&mut tx, line).await?;
            if entries.is_empty() {
                return Ok(Undone::Nothing);
            }
            sqlx::query("DELETE FROM logs WHERE line_id = ?")
                .bind(line.get())
                .execute(&mut *tx)
                .await?;
            let join_days = take_back_join_moves(&mut tx, line.get()).await?;
            Undone::Removed(line, entries, join_days)
        };
        sqlx::query("UPDATE log_lines SET undone_at = ? WHERE id = ?")
            .bind(instant_text(now))
            .bind(line.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(undone)
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
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(day))
        .fetch_one(&mut *self.readers.acquire().await?)
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
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(from))
        .bind(date_text(until))
        .fetch_one(&mut *self.readers.acquire().await?)
        .await?;
        Ok(count)
    }
}

impl SqliteStore {
    /// Every session and meeting held in the month, in every workspace,
    /// oldest first: one row per rep the entry counts for (a meeting, for
    /// each rep on the team that day, as `Membership::covers` has it), so
    /// that each rep's rows add up to their month; a meeting that counted
    /// for nobody still has its row.
    pub async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError> {
        let rows: Vec<ExportRecord> = sqlx::query_as(
            "SELECT l.team_id, l.held_on, l.kind, l.manager_id,
                    COALESCE(r.rep_id, m.rep_id, '') AS rep_id, l.minutes,
                    COALESCE(l.activity, '') AS activity,
                    REPLACE(COALESCE(l.topics, ''), ',', ';') AS topics,
                    l.note, l.logged_at, r.confirmation
             FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
             LEFT JOIN memberships m
               ON l.kind = 'meeting' AND m.team_id = l.team_id AND m.manager_id = l.manager_id
              AND m.joined_on <= l.held_on AND (m.left_on IS NULL OR l.held_on < m.left_on)
             WHERE l.held_on >= ? AND l.held_on < ?
             ORDER BY l.held_on, l.id, r.rowid, m.joined_on, m.id",
        )
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        rows.into_iter().map(ExportRow::try_from).collect()
    }
}

/// A row of the export as read.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(in crate::store) struct ExportRecord {
    team_id: String,
    held_on: String,
    kind: StoredKind,
    manager_id: String,
    rep_id: String,
    minutes: u32,
    activity: String,
    topics: String,
    note: String,
    logged_at: String,
    /// None for a meeting.
    confirmation: Option<StoredWord>,
}

impl TryFrom<ExportRecord> for ExportRow {
    type Error = StoreError;

    fn try_from(row: ExportRecord) -> Result<Self, StoreError> {
        Ok(ExportRow {
            workspace_id: parse_workspace(row.team_id)?,
            held_on: parse_date(&row.held_on)?,
            kind: row.kind.into(),
            manager_id: parse_user(row.manager_id)?,
            rep_id: row.rep_id,
            minutes: row.minutes,
            activity: row.activity,
            topics: row.topics,
            note: row.note,
            logged_at: row.logged_at,
            confirmation: row
                .confirmation
                .map_or(Confirmation::NotAsked, Confirmation::from),
        })
    }
}
