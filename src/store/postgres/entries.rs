//! Entries after the fact: the latest ones listed, one read back to edit,
//! an edit or a delete applied to the entry and every row derived from it
//! in one transaction, and a rep's own month. An edit or a delete locks
//! the entry's row first, so of two replicas changing one entry the second
//! reads it as the first left it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::confirmations::stored_word;
pub(super) use super::team::{move_join_days, take_back_join_moves};
use super::{whole_seconds, PgStore};
use crate::domain::{
    Confirmation, Entry, EntryId, ListedEntry, Manager, Membership, RepSession, SessionEntry,
    SlackUserId, StoredEntry, WorkspaceId, YearMonth,
};
use crate::store::sqlite::confirmations::StoredWord;
use crate::store::sqlite::entries::rep_session;
use crate::store::sqlite::lines::{judged, NewRepRows};
use crate::store::sqlite::logs::{gather, EntryRead, EntryRepRow};
use crate::store::sqlite::{decode_json, from_json_value, parse_user, topics_text};
use crate::store::{Edited, Owned, StoreError, TeamRule};

/// The SQL of the one way entries are read, for the entries of `logs l`
/// that `filter` picks, in `order`, each entry's reps in the order they
/// were given: one JSON array of the rows SQLite reads ([`EntryRepRow`]'s
/// fields in order), so that entries from either database are put
/// together by the one [`gather`].
pub(super) fn entries_with_reps(filter: &str, order: &str) -> String {
    format!(
        "SELECT COALESCE(json_agg(json_build_array(
                    l.id, l.team_id, l.manager_id, l.line_id, l.revision, l.kind, l.minutes,
                    l.activity, l.topics, l.note, l.held_on, r.rep_id, r.confirmation, r.notify,
                    r.asked_revision)
                  ORDER BY {order}, r.position), '[]')::text
         FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
         WHERE {filter}"
    )
}

/// The entries a read of [`entries_with_reps`] returned.
pub(super) fn entries_read(read: &str) -> Result<Vec<EntryRead>, StoreError> {
    gather(decode_json::<Vec<EntryRepRow>>(read)?)
}

/// Entry `id` of workspace `workspace`, whoever logged it.
pub(super) async fn read_entry(
    conn: &mut PgConnection,
    workspace: &WorkspaceId,
    id: EntryId,
) -> Result<Option<EntryRead>, StoreError> {
    let read: String =
        sqlx::query_scalar(&entries_with_reps("l.id = $1 AND l.team_id = $2", "l.id"))
            .bind(id.get())
            .bind(workspace.as_str())
            .fetch_one(&mut *conn)
            .await?;
    Ok(entries_read(&read)?.pop())
}

/// Entry `id`, with its reps, as it stands for `user` of workspace
/// `workspace`; its row stays locked until the transaction ends, so what
/// is decided on it holds.
pub(super) async fn owned_entry(
    tx: &mut PgConnection,
    workspace: &WorkspaceId,
    user: &SlackUserId,
    id: EntryId,
) -> Result<Owned<EntryRead>, StoreError> {
    lock_entry(tx, workspace, id).await?;
    Ok(owned(read_entry(tx, workspace, id).await?, user))
}

/// Locks entry `id`'s row, if there is one, until the transaction ends.
/// Whatever locks an entry and its rep rows locks the entry first.
pub(super) async fn lock_entry(
    tx: &mut PgConnection,
    workspace: &WorkspaceId,
    id: EntryId,
) -> Result<(), StoreError> {
    sqlx::query("SELECT id FROM logs WHERE id = $1 AND team_id = $2 FOR UPDATE")
        .bind(id.get())
        .bind(workspace.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(())
}

/// An entry as `user` may see it.
fn owned(read: Option<EntryRead>, user: &SlackUserId) -> Owned<EntryRead> {
    match read {
        None => Owned::Gone,
        Some(read) if &read.manager == user => Owned::Yours(read),
        Some(read) => Owned::NotYours {
            manager: read.manager,
        },
    }
}

/// A session's rows for these reps, in the order given, each with a copy
/// of the session's day, minutes and kind; a rep asked to confirm gets a
/// question to send.
pub(super) async fn insert_rep_rows(
    tx: &mut PgConnection,
    rows: &NewRepRows,
    workspace: &str,
    session: &SessionEntry,
    reps: &[&str],
) -> Result<(), StoreError> {
    let asked = rows.confirmation == Confirmation::Asked;
    sqlx::query(
        "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity, confirmation,
                               notify, asked_revision)
         SELECT $1, given.rep, $2, $3, $4, $5, $6, $7, $8
         FROM unnest($9::text[]) WITH ORDINALITY AS given(rep, n)
         ORDER BY given.n",
    )
    .bind(rows.entry)
    .bind(workspace)
    .bind(session.held_on)
    .bind(i64::from(session.minutes.get()))
    .bind(session.activity.code())
    .bind(stored_word(rows.confirmation))
    .bind(asked.then_some("ask"))
    .bind(asked.then_some(i64::from(rows.revision)))
    .bind(reps)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A session's rep rows after an edit to revision `rows.revision`: each
/// copy follows the entry, reps no longer in it leave, new ones get rows,
/// and every rep's word is asked again where reps are asked (`rows`). A
/// dispute stays, out of the count, until the rep answers the new question
/// or the manager decides, and a notice of it still to go out still goes.
async fn edit_rep_rows(
    tx: &mut PgConnection,
    before: &StoredEntry,
    session: &SessionEntry,
    rows: &NewRepRows,
    workspace: &str,
) -> Result<(), StoreError> {
    let reps: Vec<&str> = session.reps.iter().map(SlackUserId::as_str).collect();
    sqlx::query("DELETE FROM log_reps WHERE log_id = $1 AND rep_id <> ALL($2)")
        .bind(rows.entry)
        .bind(&reps)
        .execute(&mut *tx)
        .await?;
    let asked = rows.confirmation == Confirmation::Asked;
    sqlx::query(
        "UPDATE log_reps SET held_on = $1, minutes = $2, activity = $3,
             confirmation = CASE WHEN confirmation = 'disputed' THEN 'disputed' ELSE $4 END,
             asked_revision = $5,
             notify = CASE WHEN notify = 'dispute' THEN 'dispute' ELSE $6 END
         WHERE log_id = $7",
    )
    .bind(session.held_on)
    .bind(i64::from(session.minutes.get()))
    .bind(session.activity.code())
    .bind(stored_word(rows.confirmation))
    .bind(asked.then_some(i64::from(rows.revision)))
    .bind(asked.then_some("ask"))
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

/// A stint as read.
#[derive(sqlx::FromRow)]
struct StintRow {
    manager_id: String,
    rep_id: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

/// Every stint these reps have had in workspace `workspace`, on any team,
/// locked until the transaction ends, so the rule judged on them holds.
pub(super) async fn reps_stints(
    tx: &mut PgConnection,
    workspace: &str,
    reps: &[&SlackUserId],
) -> Result<Vec<Membership>, StoreError> {
    let reps: Vec<&str> = reps.iter().map(|rep| rep.as_str()).collect();
    let rows: Vec<StintRow> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE team_id = $1 AND rep_id = ANY($2)
         ORDER BY joined_on, id
         FOR UPDATE",
    )
    .bind(workspace)
    .bind(&reps)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Membership {
                manager: parse_user(row.manager_id)?,
                rep: parse_user(row.rep_id)?,
                joined_on: row.joined_on,
                left_on: row.left_on,
            })
        })
        .collect()
}

/// How many of a rep's 1:1s stand at a word, as read.
#[derive(sqlx::FromRow)]
struct WordCount {
    rep_id: String,
    confirmation: String,
    count: i64,
}

impl PgStore {
    /// Entry `id` as it stands for `user`, to open the edit form with or
    /// to ask about before deleting it.
    pub(super) async fn entry(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        let read = read_entry(&mut *self.pool.acquire().await?, workspace, id).await?;
        Ok(match owned(read, user) {
            Owned::Yours(read) => Owned::Yours(read.stored),
            Owned::NotYours { manager } => Owned::NotYours { manager },
            Owned::Gone => Owned::Gone,
        })
    }

    /// The manager's latest entries by day held (then by when they were
    /// logged), newest first, each with its reps' word.
    pub(super) async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT id FROM logs WHERE team_id = $1 AND manager_id = $2
                      ORDER BY held_on DESC, id DESC LIMIT $3)",
            "l.held_on DESC, l.id DESC",
        );
        let read: String = sqlx::query_scalar(&sql)
            .bind(manager.workspace.as_str())
            .bind(manager.id.as_str())
            .bind(i64::from(limit))
            .fetch_one(&self.pool)
            .await?;
        Ok(entries_read(&read)?
            .into_iter()
            .map(EntryRead::listed)
            .collect())
    }

    /// Changes the manager's entry `id` to `entry` (of the same kind), and
    /// with it every rep row that copies its day, minutes and kind: rows of
    /// reps no longer in it go, new reps get rows, and every rep's word is
    /// asked again (`confirmation`), a dispute staying until it is settled.
    /// A 1:1's team `rule` runs on its reps' stints as this transaction
    /// reads (and locks) them, before anything changes: the join days it
    /// moves back move with the entry, and an edit it refuses is not stored
    /// ([`StoreError::TeamChanged`] carries the stints it saw).
    #[tracing::instrument(skip(self, manager, entry, rule), fields(workspace = %manager.workspace, user = %manager.id, entry = %id))]
    pub(super) async fn edit_entry(
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
            "UPDATE logs SET minutes = $1, activity = $2, topics = $3, note = $4, held_on = $5,
                             revision = revision + 1, edited_at = $6
             WHERE id = $7",
        )
        .bind(i64::from(entry.minutes().get()))
        .bind(activity)
        .bind(topics)
        .bind(entry.note().as_str())
        .bind(entry.held_on())
        .bind(whole_seconds(now))
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
    pub(super) async fn delete_entry(
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
        sqlx::query("DELETE FROM logs WHERE id = $1")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        take_back_join_moves(&mut tx, entry.line.get()).await?;
        tx.commit().await?;
        Ok(Owned::Yours(entry))
    }

    /// A rep's 1:1s in the month, with any manager, oldest first.
    pub(super) async fn rep_sessions(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError> {
        let sql = entries_with_reps(
            "l.id IN (SELECT log_id FROM log_reps
                      WHERE team_id = $1 AND rep_id = $2 AND held_on >= $3 AND held_on < $4)",
            "l.held_on, l.id",
        );
        let read: String = sqlx::query_scalar(&sql)
            .bind(workspace.as_str())
            .bind(rep.as_str())
            .bind(month.first_day())
            .bind(month.next().first_day())
            .fetch_one(&self.pool)
            .await?;
        entries_read(&read)?
            .iter()
            .map(|read| rep_session(read, rep))
            .collect()
    }

    /// How many of each rep's 1:1s in the month stand at each word, in one
    /// read however many reps.
    pub(super) async fn month_confirmations(
        &self,
        workspace: &WorkspaceId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError> {
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let reps: Vec<&str> = reps.iter().map(SlackUserId::as_str).collect();
        let rows: Vec<WordCount> = sqlx::query_as(
            "SELECT rep_id, confirmation, COUNT(*) AS count FROM log_reps
             WHERE team_id = $1 AND rep_id = ANY($2) AND held_on >= $3 AND held_on < $4
             GROUP BY rep_id, confirmation ORDER BY rep_id COLLATE \"C\", confirmation",
        )
        .bind(workspace.as_str())
        .bind(&reps)
        .bind(month.first_day())
        .bind(month.next().first_day())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let word: StoredWord =
                    from_json_value(serde_json::Value::String(row.confirmation))?;
                let count = u32::try_from(row.count)
                    .map_err(|_| StoreError::Corrupt(format!("count {}", row.count)))?;
                Ok((parse_user(row.rep_id)?, word.into(), count))
            })
            .collect()
    }
}

/// Records written as the store keeps them, for the tests of the reads
/// and changes here; the operations that write them are tested elsewhere.
#[cfg(test)]
pub(super) mod fixtures {
    use chrono::NaiveDate;

    use super::super::PgStore;
    use crate::domain::{
        Activity, Entry, EntryId, Manager, Minutes, Note, SessionEntry, SlackUserId, WorkspaceId,
        YearMonth,
    };

    pub(in crate::store::postgres) fn user(id: &str) -> SlackUserId {
        SlackUserId::parse(id).expect("a user ID")
    }

    /// A day of November 2026.
    pub(in crate::store::postgres) fn day(of: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, of).expect("a day")
    }

    pub(in crate::store::postgres) fn november() -> YearMonth {
        YearMonth::new(2026, 11).expect("a month")
    }

    /// A manager of workspace T0TEAM, stored.
    pub(in crate::store::postgres) async fn manager(store: &PgStore, id: &str) -> Manager {
        let manager = Manager {
            workspace: WorkspaceId::parse("T0TEAM").expect("a workspace"),
            id: user(id),
            slack_tz: chrono_tz::Tz::UTC,
            tz_override: None,
            snoozed_until: None,
            first_used: "2026-11-01T00:00:00Z".parse().expect("an instant"),
            digest_channel: None,
        };
        sqlx::query(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at)
             VALUES ($1, $2, 'UTC', $3)",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(manager.first_used)
        .execute(&store.pool)
        .await
        .expect("a manager stored");
        manager
    }

    /// What a `SELECT COUNT(*)` counts.
    pub(in crate::store::postgres) async fn count(store: &PgStore, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&store.pool)
            .await
            .expect("a count")
    }

    /// A line of the manager's, stored.
    async fn line(store: &PgStore, manager: &Manager) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO log_lines (team_id, manager_id, logged_at)
             VALUES ($1, $2, now()) RETURNING id",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&store.pool)
        .await
        .expect("a line stored")
    }

    /// A 1:1 of `minutes` with `reps`, each at their word (as stored:
    /// `none`, `asked`, …), on day `held_on` of November; a rep `asked`
    /// has a question about revision 0 to send.
    pub(in crate::store::postgres) async fn session(
        store: &PgStore,
        manager: &Manager,
        reps: &[(&str, &str)],
        minutes: i64,
        held_on: u32,
    ) -> EntryId {
        let line = line(store, manager).await;
        let entry: i64 = sqlx::query_scalar(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, activity, note, held_on,
                               logged_at, line_id)
             VALUES ($1, $2, 'session', $3, 'pipeline', 'pipeline review', $4, now(), $5)
             RETURNING id",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(minutes)
        .bind(day(held_on))
        .bind(line)
        .fetch_one(&store.pool)
        .await
        .expect("an entry stored");
        for (rep, word) in reps {
            let asked = *word == "asked";
            sqlx::query(
                "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity,
                                       confirmation, notify, asked_revision)
                 VALUES ($1, $2, $3, $4, $5, 'pipeline', $6, $7, $8)",
            )
            .bind(entry)
            .bind(rep)
            .bind(manager.workspace.as_str())
            .bind(day(held_on))
            .bind(minutes)
            .bind(word)
            .bind(asked.then_some("ask"))
            .bind(asked.then_some(0_i64))
            .execute(&store.pool)
            .await
            .expect("a rep row stored");
        }
        EntryId::new(entry)
    }

    /// A team meeting of `minutes` on day `held_on` of November.
    pub(in crate::store::postgres) async fn meeting(
        store: &PgStore,
        manager: &Manager,
        minutes: i64,
        held_on: u32,
    ) -> EntryId {
        let line = line(store, manager).await;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, topics, held_on, logged_at,
                               line_id)
             VALUES ($1, $2, 'meeting', $3, '', $4, now(), $5) RETURNING id",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(minutes)
        .bind(day(held_on))
        .bind(line)
        .fetch_one(&store.pool)
        .await
        .expect("a meeting stored");
        EntryId::new(id)
    }

    /// A stint of `rep` on the manager's team from day `joined` of
    /// November, to day `left` if given.
    pub(in crate::store::postgres) async fn stint(
        store: &PgStore,
        manager: &Manager,
        rep: &str,
        joined: u32,
        left: Option<u32>,
    ) {
        sqlx::query(
            "INSERT INTO memberships (team_id, manager_id, rep_id, joined_on, left_on)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(manager.workspace.as_str())
        .bind(manager.id.as_str())
        .bind(rep)
        .bind(day(joined))
        .bind(left.map(day))
        .execute(&store.pool)
        .await
        .expect("a stint stored");
    }

    /// A 1:1 with `reps` as an edit gives it.
    pub(in crate::store::postgres) fn edited_session(
        reps: &[&str],
        minutes: u32,
        held_on: u32,
    ) -> Entry {
        Entry::Session(SessionEntry {
            reps: reps.iter().map(|rep| user(rep)).collect(),
            minutes: Minutes::new(minutes).expect("minutes"),
            activity: Activity::Deal,
            note: Note::parse("deal review").expect("a note"),
            held_on: day(held_on),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{
        count, day, edited_session, manager, meeting, november, session, stint, user,
    };
    use super::*;
    use crate::domain::Activity;
    use crate::domain::JoinMove;

    fn now() -> DateTime<Utc> {
        "2026-11-20T10:00:00.700Z".parse().expect("an instant")
    }

    #[tokio::test]
    async fn an_entry_is_yours_another_managers_or_gone() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        let id = session(
            &store,
            &dana,
            &[("UREP1", "none"), ("UREP2", "asked")],
            45,
            10,
        )
        .await;
        let Owned::Yours(entry) = store
            .entry(&dana.workspace, &dana.id, id)
            .await
            .expect("read")
        else {
            panic!("Dana's own entry");
        };
        assert_eq!(entry.id, id);
        let Entry::Session(read) = &entry.entry else {
            panic!("a 1:1");
        };
        assert_eq!(read.reps, vec![user("UREP1"), user("UREP2")]);
        assert_eq!((read.minutes.get(), read.held_on), (45, day(10)));
        assert_eq!(
            store
                .entry(&lee.workspace, &lee.id, id)
                .await
                .expect("read"),
            Owned::NotYours {
                manager: dana.id.clone()
            }
        );
        let elsewhere = WorkspaceId::parse("T0OTHER").expect("a workspace");
        assert_eq!(
            store.entry(&elsewhere, &dana.id, id).await.expect("read"),
            Owned::Gone
        );
    }

    #[tokio::test]
    async fn the_latest_entries_come_newest_day_first_with_each_reps_word_in_the_order_given() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        // Given Zoe before Abe: the order given, not the alphabet's.
        let first = session(
            &store,
            &dana,
            &[("UZOE", "helped"), ("UABE", "disputed")],
            30,
            12,
        )
        .await;
        let older = meeting(&store, &dana, 60, 3).await;
        let latest = session(&store, &dana, &[("UABE", "none")], 20, 12).await;
        let listed = store.latest_entries(&dana, 2).await.expect("listed");
        let ids: Vec<EntryId> = listed.iter().map(|e| e.stored.id).collect();
        assert_eq!(
            ids,
            vec![latest, first],
            "older {older} left out by the limit"
        );
        let Entry::Session(zoe_and_abe) = &listed[1].stored.entry else {
            panic!("a 1:1");
        };
        assert_eq!(zoe_and_abe.reps, vec![user("UZOE"), user("UABE")]);
        assert_eq!(
            listed[1].confirmations,
            vec![Confirmation::Helped, Confirmation::Disputed]
        );
        let all = store.latest_entries(&dana, 10).await.expect("listed");
        assert_eq!(all.last().map(|e| e.stored.id), Some(older));
    }

    /// A rep row's copy of its entry and its word, as stored.
    type RepRowRead = (
        String,
        NaiveDate,
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
    );

    #[tokio::test]
    async fn an_edit_moves_every_rep_row_asks_again_keeps_a_dispute_and_stores_the_second_whole() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(
            &store,
            &dana,
            &[("UABE", "helped"), ("UBEA", "disputed"), ("UCY", "none")],
            30,
            10,
        )
        .await;
        let edited = edited_session(&["UABE", "UBEA", "UDOT"], 50, 11);
        let Edited::Changed { before, after } = store
            .edit_entry(&dana, id, &edited, None, Confirmation::Asked, now())
            .await
            .expect("edited")
        else {
            panic!("Dana's entry changes");
        };
        assert_eq!((before.revision, after.revision), (0, 1));
        assert_eq!(after.entry, edited);
        let rows: Vec<RepRowRead> = sqlx::query_as(
            "SELECT rep_id, held_on, minutes, activity, confirmation, notify, asked_revision
                 FROM log_reps WHERE log_id = $1 ORDER BY position",
        )
        .bind(id.get())
        .fetch_all(&store.pool)
        .await
        .expect("rows");
        let asked = |rep: &str, word: &str| {
            (
                rep.to_string(),
                day(11),
                50,
                "deal".to_string(),
                word.to_string(),
                Some("ask".to_string()),
                Some(1),
            )
        };
        assert_eq!(
            rows,
            vec![
                asked("UABE", "asked"),
                asked("UBEA", "disputed"),
                asked("UDOT", "asked")
            ]
        );
        let edited_at: DateTime<Utc> =
            sqlx::query_scalar("SELECT edited_at FROM logs WHERE id = $1")
                .bind(id.get())
                .fetch_one(&store.pool)
                .await
                .expect("edited_at");
        assert_eq!(edited_at, whole_seconds(now()));
        let listed = store.latest_entries(&dana, 1).await.expect("listed");
        assert_eq!(listed[0].stored, after);
    }

    #[tokio::test]
    async fn an_edit_of_another_kind_of_entry_or_of_someone_elses_changes_nothing() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        let id = meeting(&store, &dana, 60, 3).await;
        let edited = edited_session(&["UABE"], 50, 11);
        assert_eq!(
            store
                .edit_entry(&dana, id, &edited, None, Confirmation::NotAsked, now())
                .await
                .expect("answered"),
            Edited::Gone
        );
        assert_eq!(
            store
                .edit_entry(&lee, id, &edited, None, Confirmation::NotAsked, now())
                .await
                .expect("answered"),
            Edited::NotYours {
                manager: dana.id.clone()
            }
        );
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM logs WHERE id = $1")
            .bind(id.get())
            .fetch_one(&store.pool)
            .await
            .expect("revision");
        assert_eq!(revision, 0);
    }

    #[tokio::test]
    async fn an_edit_its_team_rule_refuses_stores_nothing_and_names_the_stints_it_saw() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        stint(&store, &dana, "UABE", 2, Some(8)).await;
        let id = session(&store, &dana, &[("UABE", "none")], 30, 5).await;
        let refuse: TeamRule = Box::new(|_| None);
        let edited = edited_session(&["UABE"], 50, 11);
        let refused = store
            .edit_entry(
                &dana,
                id,
                &edited,
                Some(refuse),
                Confirmation::NotAsked,
                now(),
            )
            .await
            .expect_err("refused");
        let StoreError::TeamChanged(stints) = refused else {
            panic!("a team change, not {refused:?}");
        };
        assert_eq!(
            stints,
            vec![Membership {
                manager: dana.id.clone(),
                rep: user("UABE"),
                joined_on: day(2),
                left_on: Some(day(8)),
            }]
        );
        let Owned::Yours(entry) = store
            .entry(&dana.workspace, &dana.id, id)
            .await
            .expect("read")
        else {
            panic!("still there");
        };
        assert_eq!((entry.revision, entry.entry.held_on()), (0, day(5)));
    }

    #[tokio::test]
    async fn an_edit_to_an_earlier_day_moves_the_join_day_back_and_a_delete_moves_it_forward_again()
    {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        stint(&store, &dana, "UABE", 10, None).await;
        let id = session(&store, &dana, &[("UABE", "none")], 30, 12).await;
        let rep = user("UABE");
        let back: TeamRule = Box::new(move |_| {
            Some(vec![JoinMove {
                rep: rep.clone(),
                from: day(10),
                to: day(4),
            }])
        });
        let edited = edited_session(&["UABE"], 30, 4);
        store
            .edit_entry(
                &dana,
                id,
                &edited,
                Some(back),
                Confirmation::NotAsked,
                now(),
            )
            .await
            .expect("edited");
        let joined = || async {
            let joined: NaiveDate =
                sqlx::query_scalar("SELECT joined_on FROM memberships WHERE rep_id = 'UABE'")
                    .fetch_one(&store.pool)
                    .await
                    .expect("joined");
            joined
        };
        assert_eq!(joined().await, day(4));
        let deleted = store.delete_entry(&dana, id).await.expect("deleted");
        assert!(matches!(deleted, Owned::Yours(entry) if entry.id == id));
        assert_eq!(joined().await, day(10));
        assert_eq!(
            store
                .entry(&dana.workspace, &dana.id, id)
                .await
                .expect("read"),
            Owned::Gone
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM log_reps").await, 0);
        assert_eq!(
            store.delete_entry(&dana, id).await.expect("answered"),
            Owned::Gone
        );
    }

    #[tokio::test]
    async fn someone_elses_entry_is_not_deleted() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        let id = session(&store, &dana, &[("UABE", "none")], 30, 12).await;
        assert_eq!(
            store.delete_entry(&lee, id).await.expect("answered"),
            Owned::NotYours {
                manager: dana.id.clone()
            }
        );
        assert!(matches!(
            store
                .entry(&dana.workspace, &dana.id, id)
                .await
                .expect("read"),
            Owned::Yours(_)
        ));
    }

    #[tokio::test]
    async fn two_edits_of_one_entry_at_once_are_both_applied_one_after_the_other() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let id = session(&store, &dana, &[("UABE", "none")], 30, 12).await;
        let edit = |minutes| {
            let (store, dana) = (store.clone(), dana.clone());
            tokio::spawn(async move {
                let edited = edited_session(&["UABE", "UBEA"], minutes, 12);
                store
                    .edit_entry(&dana, id, &edited, None, Confirmation::Asked, now())
                    .await
                    .expect("edited")
            })
        };
        let (one, two) = (edit(40), edit(50));
        let (
            Edited::Changed {
                before: a,
                after: b,
            },
            Edited::Changed {
                before: c,
                after: d,
            },
        ) = (one.await.expect("ran"), two.await.expect("ran"))
        else {
            panic!("both change it");
        };
        // Each edit read the entry as the other left it: no edit is lost.
        let mut revisions = vec![(a.revision, b.revision), (c.revision, d.revision)];
        revisions.sort_unstable();
        assert_eq!(revisions, vec![(0, 1), (1, 2)]);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM log_reps").await,
            2,
            "Bea got one row, not one per edit"
        );
    }

    #[tokio::test]
    async fn a_reps_month_lists_their_sessions_with_any_manager_and_counts_each_word() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let dana = manager(&store, "UDANA").await;
        let lee = manager(&store, "ULEE").await;
        let later = session(
            &store,
            &dana,
            &[("UABE", "helped"), ("UBEA", "none")],
            30,
            20,
        )
        .await;
        let earlier = session(&store, &lee, &[("UABE", "disputed")], 45, 3).await;
        session(&store, &dana, &[("UBEA", "helped")], 15, 4).await;
        sqlx::query("UPDATE logs SET held_on = '2026-10-31' WHERE id = (SELECT MAX(id) FROM logs)")
            .execute(&store.pool)
            .await
            .expect("moved to October");
        sqlx::query(
            "UPDATE log_reps SET held_on = '2026-10-31' WHERE rep_id = 'UBEA' AND minutes = 15",
        )
        .execute(&store.pool)
        .await
        .expect("moved to October");
        let sessions = store
            .rep_sessions(&dana.workspace, &user("UABE"), november())
            .await
            .expect("read");
        assert_eq!(
            sessions,
            vec![
                RepSession {
                    entry: earlier,
                    revision: 0,
                    manager: lee.id.clone(),
                    minutes: 45,
                    activity: Activity::Pipeline,
                    held_on: day(3),
                    confirmation: Confirmation::Disputed,
                },
                RepSession {
                    entry: later,
                    revision: 0,
                    manager: dana.id.clone(),
                    minutes: 30,
                    activity: Activity::Pipeline,
                    held_on: day(20),
                    confirmation: Confirmation::Helped,
                },
            ]
        );
        let words = store
            .month_confirmations(&dana.workspace, november(), &[user("UBEA"), user("UABE")])
            .await
            .expect("read");
        assert_eq!(
            words,
            vec![
                (user("UABE"), Confirmation::Disputed, 1),
                (user("UABE"), Confirmation::Helped, 1),
                (user("UBEA"), Confirmation::NotAsked, 1),
            ]
        );
        assert!(store
            .month_confirmations(&dana.workspace, november(), &[])
            .await
            .expect("read")
            .is_empty());
    }
}
