//! Entries after the fact: the latest ones listed, one read back to edit,
//! an edit or a delete applied to the entry and every row derived from it
//! in one transaction, and a rep's own month.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::confirmations::StoredWord;
use super::lines::{insert_rep_rows, judged, NewRepRows};
use super::logs::{entries_with_reps, gather, read_entry, EntryRead};
use super::team::{move_join_days, reps_stints, take_back_join_moves};
use super::{
    date_text, instant_text, parse_user, placeholders, topics_text, SqliteStore, StoreError,
};
use crate::domain::{
    Confirmation, Entry, EntryId, ListedEntry, Manager, RepSession, SessionEntry, SlackUserId,
    StoredEntry, WorkspaceId, YearMonth,
};
use crate::store::{Edited, NoticeKind, Owned, TeamRule};

/// Entry `id`, with its reps, as it stands for `user` of workspace `workspace`.
pub(super) async fn owned_entry(
    conn: &mut SqliteConnection,
    workspace: &WorkspaceId,
    user: &SlackUserId,
    id: EntryId,
) -> Result<Owned<EntryRead>, StoreError> {
    Ok(match read_entry(conn, workspace, id).await? {
        None => Owned::Gone,
        Some(read) if &read.manager == user => Owned::Yours(read),
        Some(read) => Owned::NotYours {
            manager: read.manager,
        },
    })
}

/// A session's rep rows after an edit to revision `rows.revision`: each
/// copy follows the entry, reps no longer in it leave, new ones get rows,
/// and every rep's word is asked again where reps are asked (`rows`). A
/// dispute stays, out of the count, until the rep answers the new question
/// or the manager decides, and a notice of it still to go out still goes.
async fn edit_rep_rows(
    tx: &mut SqliteConnection,
    before: &StoredEntry,
    session: &SessionEntry,
    rows: &NewRepRows,
    workspace: &str,
) -> Result<(), StoreError> {
    let reps: Vec<&str> = session.reps.iter().map(SlackUserId::as_str).collect();
    let every = serde_json::Value::from(reps.clone()).to_string();
    sqlx::query(
        "DELETE FROM log_reps WHERE log_id = ? AND rep_id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(rows.entry)
    .bind(&every)
    .execute(&mut *tx)
    .await?;
    let asked = rows.confirmation == Confirmation::Asked;
    sqlx::query(
        "UPDATE log_reps SET held_on = ?, minutes = ?, activity = ?,
             confirmation = CASE WHEN confirmation = 'disputed' THEN 'disputed' ELSE ? END,
             asked_revision = ?,
             notify = CASE WHEN notify = 'dispute' THEN 'dispute' ELSE ? END
         WHERE log_id = ?",
    )
    .bind(date_text(session.held_on))
    .bind(session.minutes.get())
    .bind(session.activity.code())
    .bind(StoredWord::from(rows.confirmation))
    .bind(asked.then_some(rows.revision))
    .bind(asked.then_some(NoticeKind::Ask))
    .bind(rows.entry)
    .execute(&mut *tx)
    .await?;
    let had: &[SlackUserId] = match &before.entry {
        Entry::Session(before) => &before.reps,
        Entry::Meeting(_) => &[],
    };
    let new: Vec<&str> = session
        .reps
        .iter()
        .filter(|rep| !had.contains(rep))
        .map(SlackUserId::as_str)
        .collect();
    insert_rep_rows(tx, rows, workspace, session, &new).await
}

/// A 1:1 of `rep`'s as the rep's month lists it.
pub(in crate::store) fn rep_session(
    read: &EntryRead,
    rep: &SlackUserId,
) -> Result<RepSession, StoreError> {
    let Entry::Session(session) = &read.stored.entry else {
        return Err(StoreError::Corrupt(format!(
            "rep row on meeting {}",
            read.stored.id
        )));
    };
    let word = read
        .rep(rep)
        .map(|row| row.word)
        .ok_or_else(|| StoreError::Corrupt(format!("rep of entry {}", read.stored.id)))?;
    Ok(RepSession {
        entry: read.stored.id,
        revision: read.stored.revision,
        manager: read.manager.clone(),
        minutes: session.minutes.get(),
        activity: session.activity,
        held_on: session.held_on,
        confirmation: word,
    })
}

/// How many of a rep's 1:1s stand at a word, as read.
#[derive(sqlx::FromRow)]
struct WordCount {
    rep_id: String,
    confirmation: StoredWord,
    count: u32,
}

impl SqliteStore {
    /// Entry `id` as it stands for `user`, to open the edit form with or
    /// to ask about before deleting it.
    pub async fn entry(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        let mut reader = self.readers.acquire().await?;
        Ok(match owned_entry(&mut reader, workspace, user, id).await? {
            Owned::Yours(read) => Owned::Yours(read.stored),
            Owned::NotYours { manager } => Owned::NotYours { manager },
            Owned::Gone => Owned::Gone,
        })
    }

    /// The manager's latest entries by day held (then by when they were
    /// logged), newest first, each with its reps' word.
    pub async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT id FROM logs WHERE team_id = ? AND manager_id = ?
                      ORDER BY held_on DESC, id DESC LIMIT ?)",
            "l.held_on DESC, l.id DESC",
        );
        let rows = sqlx::query_as(&sql)
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(limit)
            .fetch_all(&mut *self.readers.acquire().await?)
            .await?;
        Ok(gather(rows)?.into_iter().map(EntryRead::listed).collect())
    }

    /// Changes the manager's entry `id` to `entry` (of the same kind), and
    /// with it every rep row that copies its day, minutes and kind: rows of
    /// reps no longer in it go, new reps get rows, and every rep's word is
    /// asked again (`confirmation`), a dispute staying until it is settled.
    /// A 1:1's team `rule` runs on its reps' stints as this transaction
    /// reads them, before anything changes: the join days it moves back
    /// move with the entry, and an edit it refuses is not stored
    /// ([`StoreError::TeamChanged`] carries the stints it saw).
    #[tracing::instrument(skip(self, manager, entry, rule), fields(workspace = %manager.workspace, user = %manager.id, entry = %id))]
    pub async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: &Entry,
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<Edited, StoreError> {
        let mut tx = self.write().await?;
        let before = match owned_entry(&mut tx, &manager.workspace, &manager.id, id).await? {
            Owned::Yours(read) => read.stored,
            Owned::NotYours { manager } => return Ok(Edited::NotYours { manager }),
            Owned::Gone => return Ok(Edited::Gone),
        };
        if before.entry.kind() != entry.kind() {
            return Ok(Edited::Gone);
        }
        let moves = match (&rule, entry) {
            (Some(rule), Entry::Session(session)) => {
                let reps: Vec<&SlackUserId> = session.reps.iter().collect();
                let stints = reps_stints(&mut tx, manager.workspace.as_str(), &reps).await?;
                judged(rule, stints)?.0
            }
            _ => Vec::new(),
        };
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
            let rows = NewRepRows {
                entry: id.get(),
                revision: before.revision + 1,
                confirmation,
            };
            edit_rep_rows(&mut tx, &before, session, &rows, manager.workspace.as_str()).await?;
        }
        // The join days the entry moved follow it to its new day; then it
        // moves any it now comes before.
        // What moved shows in the reps' months the answer gives.
        take_back_join_moves(&mut tx, before.line.get()).await?;
        move_join_days(
            &mut tx,
            manager.workspace.as_str(),
            manager.id.as_str(),
            before.line.get(),
            &moves,
        )
        .await?;
        let after = read_entry(&mut tx, &manager.workspace, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("entry {id} vanished in its edit")))?
            .stored;
        tx.commit().await?;
        Ok(Edited::Changed { before, after })
    }

    /// Deletes the manager's entry `id` whole, every rep row with it, and
    /// gives it as it was.
    #[tracing::instrument(skip(self, manager), fields(workspace = %manager.workspace, user = %manager.id, entry = %id))]
    pub async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        let mut tx = self.write().await?;
        let entry = match owned_entry(&mut tx, &manager.workspace, &manager.id, id).await? {
            Owned::Yours(read) => read.stored,
            Owned::NotYours { manager } => return Ok(Owned::NotYours { manager }),
            Owned::Gone => return Ok(Owned::Gone),
        };
        sqlx::query("DELETE FROM logs WHERE id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        take_back_join_moves(&mut tx, entry.line.get()).await?;
        tx.commit().await?;
        Ok(Owned::Yours(entry))
    }

    /// A rep's 1:1s in the month, with any manager, oldest first.
    pub async fn rep_sessions(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT log_id FROM log_reps
                      WHERE team_id = ? AND rep_id = ? AND held_on >= ? AND held_on < ?)",
            "l.held_on, l.id",
        );
        let rows = sqlx::query_as(&sql)
            .bind(workspace.as_str())
            .bind(rep.as_str())
            .bind(date_text(month.first_day()))
            .bind(date_text(month.next().first_day()))
            .fetch_all(&mut *self.readers.acquire().await?)
            .await?;
        gather(rows)?
            .iter()
            .map(|read| rep_session(read, rep))
            .collect()
    }

    /// How many of each rep's 1:1s in the month stand at each word, in one
    /// read however many reps.
    pub async fn month_confirmations(
        &self,
        workspace: &WorkspaceId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError> {
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT rep_id, confirmation, COUNT(*) AS count FROM log_reps
             WHERE team_id = ? AND rep_id IN ({}) AND held_on >= ? AND held_on < ?
             GROUP BY rep_id, confirmation ORDER BY rep_id",
            placeholders(reps.len())
        );
        let mut query = sqlx::query_as::<_, WordCount>(&sql).bind(workspace.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        let rows = query
            .bind(date_text(month.first_day()))
            .bind(date_text(month.next().first_day()))
            .fetch_all(&mut *self.readers.acquire().await?)
            .await?;
        rows.into_iter()
            .map(|row| Ok((parse_user(row.rep_id)?, row.confirmation.into(), row.count)))
            .collect()
    }
}
