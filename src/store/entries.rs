//! Entries after the fact: the latest ones listed, one read back to edit,
//! an edit or a delete applied to the entry and every row derived from it
//! in one transaction, and a rep's own month.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::lines::insert_rep_rows;
use super::logs::{entry_reps, EntryRow, ENTRY_COLUMNS};
use super::team::{move_join_days, take_back_join_moves};
use super::{
    date_text, instant_text, parse_date, parse_user, placeholders, topics_text, Store, StoreError,
};
use crate::domain::{
    Activity, Confirmation, Entry, EntryId, JoinMove, ListedEntry, Manager, RepSession,
    SlackTeamId, SlackUserId, StoredEntry, YearMonth,
};

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edited {
    /// The entry as it was, and as it is now.
    Changed {
        before: StoredEntry,
        after: StoredEntry,
    },
    /// No such entry of this manager's (deleted, or taken back).
    Gone,
}

pub(super) fn parse_confirmation(code: &str) -> Result<Confirmation, StoreError> {
    Confirmation::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("confirmation {code:?}")))
}

/// The manager's entry `id`, with its reps, inside a transaction.
pub(super) async fn owned_entry(
    tx: &mut SqliteConnection,
    manager: &Manager,
    id: EntryId,
) -> Result<Option<StoredEntry>, StoreError> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM logs WHERE id = ? AND team_id = ? AND manager_id = ?"
    ))
    .bind(id.get())
    .bind(manager.team.as_str())
    .bind(manager.id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        Some(row) => {
            let reps = entry_reps(tx, id.get()).await?;
            Ok(Some(row.into_stored(reps)?))
        }
        None => Ok(None),
    }
}

impl Store {
    /// The manager's entry `id`, to open the edit form with; `None` once it
    /// is gone.
    pub async fn entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Option<StoredEntry>, StoreError> {
        let mut reader = self.readers.acquire().await?;
        owned_entry(&mut reader, manager, id).await
    }

    /// The manager's latest entries by day held (then by when they were
    /// logged), newest first, each with its reps' word.
    pub async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        let mut reader = self.readers.acquire().await?;
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM logs WHERE team_id = ? AND manager_id = ?
             ORDER BY held_on DESC, id DESC LIMIT ?"
        ))
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(limit)
        .fetch_all(&mut *reader)
        .await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in rows {
            let words: Vec<(String, String)> = sqlx::query_as(
                "SELECT rep_id, confirmation FROM log_reps WHERE log_id = ? ORDER BY rowid",
            )
            .bind(row.id)
            .fetch_all(&mut *reader)
            .await?;
            let mut reps = Vec::with_capacity(words.len());
            let mut confirmations = Vec::with_capacity(words.len());
            for (rep, word) in words {
                reps.push(parse_user(rep)?);
                confirmations.push(parse_confirmation(&word)?);
            }
            listed.push(ListedEntry {
                stored: row.into_stored(reps)?,
                confirmations,
            });
        }
        Ok(listed)
    }

    /// Changes the manager's entry `id` to `entry` (of the same kind), and
    /// with it every rep row that copies its day, minutes and kind: rows of
    /// reps no longer in it go, new reps get rows, and every rep's word is
    /// asked again (`confirmation`). Join days in `moves` move back with it.
    #[tracing::instrument(skip(self, manager, entry, moves), fields(team = %manager.team, user = %manager.id, entry = %id))]
    pub async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: &Entry,
        moves: &[JoinMove],
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<Edited, StoreError> {
        let mut tx = self.write().await?;
        let Some(before) = owned_entry(&mut tx, manager, id).await? else {
            return Ok(Edited::Gone);
        };
        if before.entry.kind() != entry.kind() {
            return Ok(Edited::Gone);
        }
        let (activity, topics) = match entry {
            Entry::Session(session) => (Some(session.activity.code()), None),
            Entry::Meeting(meeting) => (None, Some(topics_text(&meeting.topics))),
        };
        sqlx::query(
            "UPDATE logs SET minutes = ?, activity = ?, topics = ?, note = ?, held_on = ?,
                             revision = revision + 1, edited_at = ?
             WHERE id = ?",
        )
        .bind(entry.minutes().get())
        .bind(activity)
        .bind(topics)
        .bind(entry.note().as_str())
        .bind(date_text(entry.held_on()))
        .bind(instant_text(now))
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
        if let Entry::Session(session) = entry {
            // The rows are written again whole: every copy follows the entry.
            sqlx::query("DELETE FROM log_reps WHERE log_id = ?")
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
            let reps: Vec<&str> = session.reps.iter().map(SlackUserId::as_str).collect();
            insert_rep_rows(
                &mut tx,
                id.get(),
                manager.team.as_str(),
                session,
                &reps,
                confirmation,
            )
            .await?;
        }
        // The join days the entry moved follow it to its new day; then it
        // moves any it now comes before.
        // What moved shows in the reps' months the answer gives.
        take_back_join_moves(&mut tx, before.line.get()).await?;
        move_join_days(
            &mut tx,
            manager.team.as_str(),
            manager.id.as_str(),
            before.line.get(),
            moves,
        )
        .await?;
        let after = owned_entry(&mut tx, manager, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("entry {id} vanished in its edit")))?;
        tx.commit().await?;
        Ok(Edited::Changed { before, after })
    }

    /// Deletes the manager's entry `id` whole, every rep row with it;
    /// `None` when it is gone already.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id, entry = %id))]
    pub async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Option<StoredEntry>, StoreError> {
        let mut tx = self.write().await?;
        let Some(entry) = owned_entry(&mut tx, manager, id).await? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM logs WHERE id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        take_back_join_moves(&mut tx, entry.line.get()).await?;
        tx.commit().await?;
        Ok(Some(entry))
    }

    /// A rep's 1:1s in the month, with any manager, oldest first.
    pub async fn rep_sessions(
        &self,
        team: &SlackTeamId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError> {
        let rows: Vec<(i64, u32, String, u32, String, String, String)> = sqlx::query_as(
            "SELECT l.id, l.revision, l.manager_id, r.minutes, r.activity, r.held_on, r.confirmation
             FROM log_reps r JOIN logs l ON l.id = r.log_id
             WHERE r.team_id = ? AND r.rep_id = ? AND r.held_on >= ? AND r.held_on < ?
             ORDER BY r.held_on, l.id",
        )
        .bind(team.as_str())
        .bind(rep.as_str())
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter()
            .map(
                |(entry, revision, manager, minutes, activity, held_on, confirmation)| {
                    Ok(RepSession {
                        entry: EntryId::new(entry),
                        revision,
                        manager: parse_user(manager)?,
                        minutes,
                        activity: Activity::from_code(&activity).unwrap_or(Activity::Other),
                        held_on: parse_date(&held_on)?,
                        confirmation: parse_confirmation(&confirmation)?,
                    })
                },
            )
            .collect()
    }

    /// How many of each rep's 1:1s in the month stand at each word, in one
    /// read however many reps.
    pub async fn month_confirmations(
        &self,
        team: &SlackTeamId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError> {
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT rep_id, confirmation, COUNT(*) FROM log_reps
             WHERE team_id = ? AND rep_id IN ({}) AND held_on >= ? AND held_on < ?
             GROUP BY rep_id, confirmation ORDER BY rep_id",
            placeholders(reps.len())
        );
        let mut query = sqlx::query_as::<_, (String, String, u32)>(&sql).bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        let rows = query
            .bind(date_text(month.first_day()))
            .bind(date_text(month.next().first_day()))
            .fetch_all(&self.readers)
            .await?;
        rows.into_iter()
            .map(|(rep, word, count)| Ok((parse_user(rep)?, parse_confirmation(&word)?, count)))
            .collect()
    }
}
