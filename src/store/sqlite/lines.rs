//! Group commit for logged lines, the one write on the hot path. A line is
//! what one `/coach` command (or one form) stores: one or more sessions and
//! meetings. Callers queue their line and wait; a single writer task takes
//! everything that has queued up, stores it in one transaction, and only
//! then answers each caller. Under load many lines share one commit; alone,
//! a line is committed at once. A line carries its team rule, which runs
//! on the stints as read inside that transaction (the reps' for 1:1s, the
//! manager's team's for a meeting), so a team change cannot commit between
//! the check and the insert.

use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot, watch};

use super::confirmations::StoredWord;
use super::logs::StoredKind;
use super::team::{membership_from_row, move_join_days, reps_stints, MembershipRow};
use super::{
    date_text, decode_json, instant_text, parse_instant, parse_user, topics_text, SqliteStore,
    StoreError,
};
use crate::domain::{
    Confirmation, Entry, JoinMove, LineId, Manager, Membership, SessionEntry, SlackUserId,
};
use crate::store::{NoticeKind, StintsSeen, StoredLine, TeamRule};
use crate::telemetry;

/// Lines waiting beyond this make callers wait to queue (back-pressure).
const QUEUE: usize = 4096;
/// The most lines one transaction stores.
const MAX_BATCH: usize = 256;

/// A line waiting to be stored, and who to tell when it is.
pub(super) struct QueuedLine {
    workspace: String,
    manager: String,
    entries: Vec<Entry>,
    check: Check,
    /// Each session rep's word as the line is stored: asked, or not.
    confirmation: Confirmation,
    logged_at: String,
    stored: oneshot::Sender<Result<StoredLine, StoreError>>,
}

/// How a queued line's team rule is kept.
enum Check {
    /// Stored as it is.
    Nothing,
    /// Run inside the storing transaction, on the stints it reads.
    Rule(TeamRule),
    /// Judged by the caller on stints read when the workspace's count of
    /// stint changes stood at `seen`, moving no join day: stored without
    /// reading them again while the count stands; otherwise as `Rule`.
    Judged { seen: i64, rule: TeamRule },
}

/// Where lines queue for the writer task, and how it is stopped.
#[derive(Clone, Debug)]
pub(super) struct LineQueue {
    queue: mpsc::Sender<QueuedLine>,
    /// Set to ask the writer to store what has queued and stop.
    closing: watch::Sender<bool>,
    /// Turns true once the writer has stored everything queued and stopped.
    closed: watch::Receiver<bool>,
}

impl LineQueue {
    /// Whether the writer has stopped taking lines.
    pub(super) fn is_closed(&self) -> bool {
        self.queue.is_closed() || *self.closed.borrow()
    }

    /// Stops taking lines, stores every line already queued (each caller
    /// gets its answer), and returns once the writer has stopped; a line
    /// queued after this is refused with [`StoreError::WriterStopped`].
    pub(super) async fn drain(&self) {
        self.closing.send_replace(true);
        let mut closed = self.closed.clone();
        let _ = closed.wait_for(|closed| *closed).await;
    }
}

/// Starts the writer task; it ends when the queue is drained, or when
/// every queue handle is dropped.
pub(super) fn start_writer(writer: SqlitePool) -> LineQueue {
    let (queue, waiting) = mpsc::channel(QUEUE);
    let closing = watch::channel(false).0;
    let (stopped, closed) = watch::channel(false);
    tokio::spawn(write_loop(writer, waiting, closing.subscribe(), stopped));
    LineQueue {
        queue,
        closing,
        closed,
    }
}

async fn write_loop(
    writer: SqlitePool,
    mut waiting: mpsc::Receiver<QueuedLine>,
    mut closing: watch::Receiver<bool>,
    stopped: watch::Sender<bool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            received = waiting.recv_many(&mut batch, MAX_BATCH) => {
                if received == 0 {
                    break;
                }
                telemetry::writer_batch(batch.len());
                telemetry::writer_queue(waiting.len());
                store_and_answer(&writer, &mut batch).await;
            }
            () = asked_to_close(&mut closing) => {
                // Nothing new comes in; what has queued is stored.
                waiting.close();
                while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
                    store_and_answer(&writer, &mut batch).await;
                }
                break;
            }
        }
    }
    stopped.send_replace(true);
}

/// Until the queue is asked to close (or its handles are gone).
async fn asked_to_close(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// Stores `batch` in one transaction and answers each caller, emptying it.
async fn store_and_answer(writer: &SqlitePool, batch: &mut Vec<QueuedLine>) {
    match store_batch(writer, batch).await {
        Ok(outcomes) => {
            for (line, outcome) in batch.drain(..).zip(outcomes) {
                let _ = line.stored.send(outcome);
            }
        }
        // One bad line must not fail the others: store each alone.
        Err(_) => {
            for line in batch.drain(..) {
                let result = store_batch(writer, std::slice::from_ref(&line))
                    .await
                    .and_then(|mut outcomes| outcomes.swap_remove(0));
                let _ = line.stored.send(result);
            }
        }
    }
}

/// Each line's answer; a line its team rule refuses is answered with
/// [`StoreError::TeamChanged`] and does not fail the others.
type Outcomes = Vec<Result<StoredLine, StoreError>>;

async fn store_batch(writer: &SqlitePool, batch: &[QueuedLine]) -> Result<Outcomes, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let together = store_together(&mut tx, batch).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for (line, stored) in batch.iter().zip(together) {
        outcomes.push(match stored {
            Some(line_id) => Ok(StoredLine {
                line: LineId::new(line_id),
                moves: Vec::new(),
                stints: Vec::new(),
                home_tabs_opened: Vec::new(),
            }),
            None => store_line(&mut tx, line).await?,
        });
    }
    home_tabs_opened(&mut tx, batch, &mut outcomes).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Fills in, for each stored line, when its manager and reps last opened
/// their Home tabs: one read for the whole batch, in its transaction, so a
/// log costs no read of its own to learn whose tab to draw again.
async fn home_tabs_opened(
    tx: &mut SqliteConnection,
    batch: &[QueuedLine],
    outcomes: &mut Outcomes,
) -> Result<(), StoreError> {
    let people: Vec<[&str; 2]> = batch
        .iter()
        .zip(outcomes.iter())
        .filter(|(_, outcome)| outcome.is_ok())
        .flat_map(|(line, _)| line_people(line).map(move |user| [line.workspace.as_str(), user]))
        .collect();
    if people.is_empty() {
        return Ok(());
    }
    let read: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(h.team_id, h.user_id, h.opened_at))
         FROM home_tabs h
         JOIN (SELECT DISTINCT p.value ->> 0 AS team_id, p.value ->> 1 AS user_id
               FROM json_each(?) p) w ON h.team_id = w.team_id AND h.user_id = w.user_id",
    )
    .bind(json(&people)?)
    .fetch_one(&mut *tx)
    .await?;
    let opened: Vec<(String, String, String)> = decode_json(&read)?;
    if opened.is_empty() {
        return Ok(());
    }
    for (line, outcome) in batch.iter().zip(outcomes.iter_mut()) {
        let Ok(stored) = outcome else { continue };
        for user in line_people(line) {
            if let Some((_, _, at)) = opened
                .iter()
                .find(|(workspace, who, _)| *workspace == line.workspace && who == user)
            {
                stored
                    .home_tabs_opened
                    .push((parse_user(user.to_string())?, parse_instant(at)?));
            }
        }
    }
    Ok(())
}

/// The line's manager, then each rep of its sessions once.
fn line_people(line: &QueuedLine) -> impl Iterator<Item = &str> {
    let mut people = vec![line.manager.as_str()];
    for entry in &line.entries {
        if let Entry::Session(session) = entry {
            for rep in &session.reps {
                if !people.contains(&rep.as_str()) {
                    people.push(rep.as_str());
                }
            }
        }
    }
    people.into_iter()
}

/// Stores, in three inserts however many there are, the lines of the batch
/// that need no stints read: those without a team rule, and those judged
/// by their caller whose workspace's stints stand as they were read. Each
/// line's ID where it was stored, in the batch's order; `None` for the
/// others, left to [`store_line`].
///
/// IDs are handed out here, one past the highest ever given (the counter
/// of `log_lines`' AUTOINCREMENT and `entry_ids`), so that each entry and
/// rep row is written straight onto its own line and entry.
async fn store_together(
    tx: &mut SqliteConnection,
    batch: &[QueuedLine],
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut stored = vec![None; batch.len()];
    let candidates: Vec<usize> = (0..batch.len())
        .filter(|&i| matches!(batch[i].check, Check::Nothing | Check::Judged { .. }))
        .collect();
    if candidates.is_empty() {
        return Ok(stored);
    }
    let next: NextIds = sqlx::query_as(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log_lines'), 0),
                    COALESCE((SELECT MAX(id) FROM log_lines), 0)) AS line,
                (SELECT last_handed_out FROM entry_ids) AS entry",
    )
    .fetch_one(&mut *tx)
    .await?;
    let lines: Vec<LineRow> = candidates
        .iter()
        .zip(next.line + 1..)
        .map(|(&i, id)| {
            let line = &batch[i];
            LineRow {
                id,
                workspace: &line.workspace,
                manager: &line.manager,
                logged_at: &line.logged_at,
                seen: match line.check {
                    Check::Judged { seen, .. } => Some(seen),
                    Check::Nothing | Check::Rule(_) => None,
                },
            }
        })
        .collect();
    sqlx::query(
        "INSERT INTO log_lines (id, team_id, manager_id, logged_at)
         SELECT l.value ->> 'id', l.value ->> 'workspace', l.value ->> 'manager',
                l.value ->> 'logged_at'
         FROM json_each(?) l
         WHERE l.value ->> 'seen' IS NULL
            OR l.value ->> 'seen' = COALESCE((SELECT version FROM stint_versions
                                              WHERE team_id = l.value ->> 'workspace'), 0)",
    )
    .bind(json(&lines)?)
    .execute(&mut *tx)
    .await?;
    // Read back in one row rather than with RETURNING, a row (and a trip
    // from SQLite's thread) per line: the IDs handed out above are this
    // transaction's alone.
    let added: String =
        sqlx::query_scalar("SELECT json_group_array(id) FROM log_lines WHERE id BETWEEN ? AND ?")
            .bind(next.line + 1)
            .bind(next.line + lines.len() as i64)
            .fetch_one(&mut *tx)
            .await?;
    let added: Vec<i64> = decode_json(&added)?;
    let mut entries = Vec::new();
    let mut reps = Vec::new();
    let mut entry_ids = next.entry + 1..;
    for (&i, row) in candidates.iter().zip(&lines) {
        if !added.contains(&row.id) {
            continue;
        }
        stored[i] = Some(row.id);
        let line = &batch[i];
        for (entry, id) in line.entries.iter().zip(&mut entry_ids) {
            let (activity, topics) = match entry {
                Entry::Session(session) => (Some(session.activity.code()), None),
                Entry::Meeting(meeting) => (None, Some(topics_text(&meeting.topics))),
            };
            let held_on = date_text(entry.held_on());
            if let Entry::Session(session) = entry {
                reps.extend(session.reps.iter().map(|rep| RepJson {
                    entry: id,
                    rep: rep.as_str(),
                    workspace: &line.workspace,
                    held_on: held_on.clone(),
                    minutes: session.minutes.get(),
                    activity: session.activity.code(),
                    asked: line.confirmation == Confirmation::Asked,
                }));
            }
            entries.push(EntryJson {
                id,
                line: row.id,
                workspace: &line.workspace,
                manager: &line.manager,
                kind: match entry {
                    Entry::Session(_) => "session",
                    Entry::Meeting(_) => "meeting",
                },
                minutes: entry.minutes().get(),
                activity,
                topics,
                note: entry.note().as_str(),
                held_on,
                logged_at: &line.logged_at,
            });
        }
    }
    if entries.is_empty() {
        return Ok(stored);
    }
    sqlx::query(
        "INSERT INTO logs (id, team_id, manager_id, kind, minutes, activity, topics, note, held_on,
                           logged_at, line_id)
         SELECT e.value ->> 'id', e.value ->> 'workspace', e.value ->> 'manager',
                e.value ->> 'kind', e.value ->> 'minutes', e.value ->> 'activity',
                e.value ->> 'topics', e.value ->> 'note', e.value ->> 'held_on',
                e.value ->> 'logged_at', e.value ->> 'line'
         FROM json_each(?) e",
    )
    .bind(json(&entries)?)
    .execute(&mut *tx)
    .await?;
    if !reps.is_empty() {
        // A rep asked to confirm gets a question to send about revision 0.
        sqlx::query(
            "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity,
                                   confirmation, notify, asked_revision)
             SELECT r.value ->> 'entry', r.value ->> 'rep', r.value ->> 'workspace',
                    r.value ->> 'held_on', r.value ->> 'minutes', r.value ->> 'activity',
                    CASE WHEN r.value ->> 'asked' THEN 'asked' ELSE 'none' END,
                    CASE WHEN r.value ->> 'asked' THEN 'ask' END,
                    CASE WHEN r.value ->> 'asked' THEN 0 END
             FROM json_each(?) r",
        )
        .bind(json(&reps)?)
        .execute(&mut *tx)
        .await?;
    }
    Ok(stored)
}

/// The highest line and entry IDs handed out so far.
#[derive(sqlx::FromRow)]
struct NextIds {
    line: i64,
    entry: i64,
}

#[derive(serde::Serialize)]
struct LineRow<'a> {
    id: i64,
    workspace: &'a str,
    manager: &'a str,
    logged_at: &'a str,
    seen: Option<i64>,
}

#[derive(serde::Serialize)]
struct EntryJson<'a> {
    id: i64,
    line: i64,
    workspace: &'a str,
    manager: &'a str,
    kind: &'static str,
    minutes: u32,
    activity: Option<&'static str>,
    topics: Option<String>,
    note: &'a str,
    held_on: String,
    logged_at: &'a str,
}

#[derive(serde::Serialize)]
struct RepJson<'a> {
    entry: i64,
    rep: &'a str,
    workspace: &'a str,
    held_on: String,
    minutes: u32,
    activity: &'static str,
    asked: bool,
}

fn json(rows: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(rows)
        .map_err(|error| StoreError::Corrupt(format!("rows not written as JSON: {error}")))
}

/// Every ID is read back from the statement that created its row, so each
/// rep row hangs on its own entry however many rows a statement adds. An
/// entry takes the ID after the highest ever handed out (`entry_ids`), so a
/// button or a reminder that names an entry taken back never reaches a new
/// one.
async fn store_line(
    tx: &mut SqliteConnection,
    line: &QueuedLine,
) -> Result<Result<StoredLine, StoreError>, StoreError> {
    let (line_id, moves, stints) = match &line.check {
        Check::Nothing => (insert_line_row(tx, line).await?, Vec::new(), Vec::new()),
        Check::Rule(rule) | Check::Judged { rule, .. } => {
            let (moves, stints) = match judged(rule, line_stints(tx, line).await?) {
                Ok(judged) => judged,
                Err(refused) => return Ok(Err(refused)),
            };
            (insert_line_row(tx, line).await?, moves, stints)
        }
    };
    for entry in &line.entries {
        let held_on = date_text(entry.held_on());
        let (activity, topics) = match entry {
            Entry::Session(session) => (Some(session.activity.code()), None),
            Entry::Meeting(meeting) => (None, Some(topics_text(&meeting.topics))),
        };
        let entry_id: i64 = sqlx::query_scalar(
            "INSERT INTO logs (id, team_id, manager_id, kind, minutes, activity, topics, note, held_on, logged_at, line_id)
             VALUES ((SELECT last_handed_out + 1 FROM entry_ids), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(&line.workspace)
        .bind(&line.manager)
        .bind(StoredKind::from(entry.kind()))
        .bind(entry.minutes().get())
        .bind(activity)
        .bind(topics)
        .bind(entry.note().as_str())
        .bind(&held_on)
        .bind(&line.logged_at)
        .bind(line_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Entry::Session(session) = entry {
            let reps: Vec<&str> = session.reps.iter().map(|r| r.as_str()).collect();
            let rows = NewRepRows {
                entry: entry_id,
                revision: 0,
                confirmation: line.confirmation,
            };
            insert_rep_rows(tx, &rows, &line.workspace, session, &reps).await?;
        }
    }
    move_join_days(tx, &line.workspace, &line.manager, line_id, &moves).await?;
    Ok(Ok(StoredLine {
        line: LineId::new(line_id),
        moves,
        stints,
        home_tabs_opened: Vec::new(),
    }))
}

/// Adds the line's row and returns its ID.
async fn insert_line_row(tx: &mut SqliteConnection, line: &QueuedLine) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO log_lines (team_id, manager_id, logged_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(&line.workspace)
    .bind(&line.manager)
    .bind(&line.logged_at)
    .fetch_one(&mut *tx)
    .await?)
}

/// The join days `rule` moves back on `stints`, with the stints; or
/// [`StoreError::TeamChanged`] with them when it refuses the change.
pub(in crate::store) fn judged(
    rule: &TeamRule,
    stints: Vec<Membership>,
) -> Result<(Vec<JoinMove>, Vec<Membership>), StoreError> {
    match rule(&stints) {
        Some(moves) => Ok((moves, stints)),
        None => Err(StoreError::TeamChanged(stints)),
    }
}

/// The stints a line's team rule judges, as the storing transaction sees
/// them: every stint its 1:1 reps have had in the workspace, on any team;
/// for a line without 1:1s (a team meeting), every stint on the manager's
/// team.
async fn line_stints(
    tx: &mut SqliteConnection,
    line: &QueuedLine,
) -> Result<Vec<Membership>, StoreError> {
    let reps: Vec<&SlackUserId> = line
        .entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Session(session) => Some(&session.reps),
            Entry::Meeting(_) => None,
        })
        .flatten()
        .collect();
    if reps.is_empty() {
        return team_stints(tx, &line.workspace, &line.manager).await;
    }
    reps_stints(tx, &line.workspace, &reps).await
}

/// Every stint on `manager`'s team, past and present.
async fn team_stints(
    tx: &mut SqliteConnection,
    workspace: &str,
    manager: &str,
) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<MembershipRow> = sqlx::query_as(
        "SELECT manager_id, rep_id, joined_on, left_on FROM memberships
         WHERE team_id = ? AND manager_id = ?
         ORDER BY joined_on, id",
    )
    .bind(workspace)
    .bind(manager)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter().map(membership_from_row).collect()
}

/// What a session's new rep rows start with.
pub(in crate::store) struct NewRepRows {
    pub(in crate::store) entry: i64,
    /// The session's revision, which a question to the reps is about.
    pub(in crate::store) revision: u32,
    /// Each rep's word to begin with: asked (a question goes out to them)
    /// or not.
    pub(in crate::store) confirmation: Confirmation,
}

/// A session's rows for these reps, each with a copy of the session's day,
/// minutes and kind; a rep asked to confirm gets a question to send.
pub(super) async fn insert_rep_rows(
    tx: &mut SqliteConnection,
    rows: &NewRepRows,
    workspace: &str,
    session: &SessionEntry,
    reps: &[&str],
) -> Result<(), StoreError> {
    let asked = rows.confirmation == Confirmation::Asked;
    sqlx::query(
        "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity, confirmation,
                               notify, asked_revision)
         SELECT ?, value, ?, ?, ?, ?, ?, ?, ? FROM json_each(?)",
    )
    .bind(rows.entry)
    .bind(workspace)
    .bind(date_text(session.held_on))
    .bind(session.minutes.get())
    .bind(session.activity.code())
    .bind(StoredWord::from(rows.confirmation))
    .bind(asked.then_some(NoticeKind::Ask))
    .bind(asked.then_some(rows.revision))
    .bind(serde_json::Value::from(reps.to_vec()).to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl SqliteStore {
    /// Stores a line's entries, and the join days its team `rule` moves
    /// back, together; returns once they are committed. A line its rule
    /// refuses is not stored: [`StoreError::TeamChanged`] carries the stints
    /// the rule saw.
    /// `confirmation` is each session rep's word to begin with: asked (a
    /// question goes out to them) or not.
    #[tracing::instrument(skip(self, manager, entries, rule), fields(workspace = %manager.workspace, user = %manager.id, entries = entries.len()))]
    pub async fn insert_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        let check = rule.map_or(Check::Nothing, Check::Rule);
        self.queue_line(manager, entries, check, confirmation, now)
            .await
    }

    /// Stores a line judged by `rule` on stints read at `seen`, moving no
    /// join day: at once while the workspace's stints stand as they were,
    /// otherwise by `rule` on them as they now are.
    #[tracing::instrument(skip(self, manager, entries, rule), fields(workspace = %manager.workspace, user = %manager.id, entries = entries.len()))]
    pub async fn insert_judged_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        seen: StintsSeen,
        rule: TeamRule,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        let check = Check::Judged { seen: seen.0, rule };
        self.queue_line(manager, entries, check, confirmation, now)
            .await
    }

    async fn queue_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        check: Check,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        let (stored, done) = oneshot::channel();
        let queued = QueuedLine {
            workspace: manager.workspace.as_str().to_string(),
            manager: manager.id.as_str().to_string(),
            entries: entries.to_vec(),
            check,
            confirmation,
            logged_at: instant_text(now),
            stored,
        };
        self.lines
            .queue
            .send(queued)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        telemetry::writer_queue(QUEUE - self.lines.queue.capacity());
        done.await.map_err(|_| StoreError::WriterStopped)?
    }
}
