//! The SQLite implementation of [`Storage`]: all of coachbot's SQL, and
//! nothing else. SQLite in WAL mode: readers share a pool, and every write
//! goes through a single connection so writers queue in-process instead of
//! spinning on SQLite's busy lock; logged lines, the hot path, are also
//! group-committed (`lines`).

mod confirmations;
mod entries;
mod integrity;
mod interactions;
mod lines;
mod logs;
mod managers;
mod months;
mod reminders;
mod team;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::watch;

use super::types::{
    Checked, DisputeSettled, Edited, ExpiredReminder, ExportRow, Finding, FormOrigin, NewReminder,
    Owned, PendingNotice, PendingReminder, RepAnswered, StoredLine, TeamRule, UndoTarget, Undone,
    UnreadableManager, Usual,
};
use super::{Open, Opened, Storage, StoreError};
use crate::domain::{
    Confirmation, DayOfCoaching, DisputeDecision, Entry, EntryId, EntryKind, Job, JoinChange,
    ListedEntry, Manager, Membership, Minutes, MonthActivity, RemoveOutcome, RepAnswer, RepSession,
    SlackChannelId, SlackTeamId, SlackUserId, StoredEntry, Topic, YearMonth,
};

/// A handle on a SQLite database; cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct SqliteStore {
    /// Reads run here, several at once.
    readers: SqlitePool,
    /// Writes run here, one at a time.
    writer: SqlitePool,
    /// Logged lines, the hot-path write, go through group commit.
    lines: lines::LineQueue,
    /// Managers by workspace and user, read on every command; never goes
    /// back to an older row.
    managers: managers::ManagerCache,
    /// Copies the write-ahead log into the database in the background;
    /// `None` for an in-memory database, which has no log.
    checkpointer: Option<SqlitePool>,
    /// Counts finished background checkpoints, for whoever needs to know
    /// that one happened.
    checkpoints: watch::Sender<u64>,
}

const READERS: u32 = 4;
/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl SqliteStore {
    /// Opens the database at `url` as `how` says, and says what that did to
    /// it.
    pub(super) async fn open_reporting(url: &str, how: Open) -> Result<(Self, Opened), StoreError> {
        let options = SqliteConnectOptions::from_str(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let file = options.get_filename();
        let path = file.display().to_string();
        let existed = !in_memory && file.exists();
        if how != Open::CreateAndMigrate && !in_memory && !existed {
            return Err(StoreError::NoDatabase { path });
        }
        // SQLite creates the file but not its folder, and says only that it
        // cannot open the file.
        if let Some(folder) = file
            .parent()
            .filter(|folder| !in_memory && !folder.as_os_str().is_empty() && !folder.exists())
        {
            return Err(StoreError::NoFolder {
                folder: folder.display().to_string(),
            });
        }
        let options = options
            .create_if_missing(how == Open::CreateAndMigrate)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let options = if how == Open::ExistingReadOnly {
            // Reads the file as it is: setting the journal mode would write.
            // Without a write-ahead log beside it nobody is writing, so it is
            // read as immutable, which creates no lock files either; with
            // one, `serve` is running and the reader shares its files.
            let wal = PathBuf::from(format!("{path}-wal"));
            options.read_only(true).immutable(!wal.exists())
        } else {
            options
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL is durable against application crashes
                // and avoids an fsync per commit.
                .synchronous(SqliteSynchronous::Normal)
        };
        // SQLite would otherwise checkpoint inside a commit, stalling the
        // group commit every request waits on; a background connection
        // does it instead (measured: p99 14.8 ms → 8.2 ms at 100,000 logs).
        let options = if in_memory || how == Open::ExistingReadOnly {
            options
        } else {
            options.pragma("wal_autocheckpoint", "0")
        };
        // A connection to a local file cannot go stale, so the pool's
        // ping before each use would only add a round trip per query.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            // An in-memory database lives and dies with its one connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        let migrations = sqlx::migrate!("./migrations");
        // A database never migrated has no table of them: none applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&writer)
                .await
                .unwrap_or_default();
        let pending = migrations
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        if how == Open::ExistingReadOnly {
            if pending > 0 {
                return Err(StoreError::NeedsMigration { path });
            }
        } else {
            migrations.run(&writer).await?;
        }
        let opened = Opened {
            created: !existed,
            migrations_applied: pending,
            migrations: migrations.iter().count(),
        };
        let checkpoints = watch::channel(0).0;
        let (readers, checkpointer) = if in_memory || how == Open::ExistingReadOnly {
            (writer.clone(), None)
        } else {
            let readers = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(READERS)
                .connect_with(options.clone().read_only(true))
                .await?;
            let checkpointer = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .connect_with(options)
                .await?;
            tokio::spawn(checkpoint_loop(checkpointer.clone(), checkpoints.clone()));
            (readers, Some(checkpointer))
        };
        let store = Self {
            readers,
            lines: lines::start_writer(writer.clone()),
            writer,
            managers: Arc::default(),
            checkpointer,
            checkpoints,
        };
        Ok((store, opened))
    }

    /// A write transaction that takes SQLite's write lock at once, so it
    /// never fails half-way when another process (`run-job`) writes too.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// How many background checkpoints have finished, as they happen.
    pub fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints.subscribe()
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
        self.readers.close().await;
        self.writer.close().await;
    }
}

/// Each operation is the inherent method of the same name, in the file of
/// its records, which holds the SQL (inherent methods come first in method
/// resolution, so `self.name(…)` below is never this impl calling itself).
#[async_trait::async_trait]
impl Storage for SqliteStore {
    async fn manager(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError> {
        self.manager(team, user).await
    }

    async fn add_manager(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError> {
        self.add_manager(team, user, slack_tz, now).await
    }

    async fn managers_with_reps(
        &self,
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        self.managers_with_reps().await
    }

    async fn set_slack_time_zone(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError> {
        self.set_slack_time_zone(team, user, slack_tz).await
    }

    async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError> {
        self.set_time_zone_override(manager, tz).await
    }

    async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError> {
        self.set_snooze(manager, until).await
    }

    async fn snooze_unless_snoozed(
        &self,
        manager: &Manager,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        self.snooze_unless_snoozed(manager, until, today).await
    }

    async fn set_digest_channel(
        &self,
        manager: &Manager,
        channel: Option<SlackChannelId>,
    ) -> Result<(), StoreError> {
        self.set_digest_channel(manager, channel).await
    }

    async fn insert_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        self.insert_line(manager, entries, rule, confirmation, now)
            .await
    }

    async fn entry(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        self.entry(team, user, id).await
    }

    async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        self.latest_entries(manager, limit).await
    }

    async fn lookalike_candidates(
        &self,
        manager: &Manager,
        days: &[NaiveDate],
        minutes: &[Minutes],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        self.lookalike_candidates(manager, days, minutes, limit)
            .await
    }

    async fn usual_entry(&self, manager: &Manager, kind: EntryKind) -> Result<Usual, StoreError> {
        self.usual_entry(manager, kind).await
    }

    async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: &Entry,
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<Edited, StoreError> {
        self.edit_entry(manager, id, entry, rule, confirmation, now)
            .await
    }

    async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        self.delete_entry(manager, id).await
    }

    async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        self.undo(manager, target, now).await
    }

    async fn last_meeting(
        &self,
        manager: &Manager,
        day: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        self.last_meeting(manager, day).await
    }

    async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError> {
        self.meetings_between(manager, from, until).await
    }

    async fn current_team(&self, manager: &Manager) -> Result<Vec<Membership>, StoreError> {
        self.current_team(manager).await
    }

    async fn team_since(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError> {
        self.team_since(manager).await
    }

    async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        self.add_reps(manager, reps, since, today, now).await
    }

    async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError> {
        self.remove_reps(manager, reps, day, now).await
    }

    async fn month_activity(
        &self,
        team: &SlackTeamId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        self.month_activity(team, reps, month).await
    }

    async fn team_month_activity(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        self.team_month_activity(manager, month).await
    }

    async fn manager_days(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<Vec<DayOfCoaching>, StoreError> {
        self.manager_days(manager, month).await
    }

    async fn rep_sessions(
        &self,
        team: &SlackTeamId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError> {
        self.rep_sessions(team, rep, month).await
    }

    async fn month_confirmations(
        &self,
        team: &SlackTeamId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError> {
        self.month_confirmations(team, month, reps).await
    }

    async fn answer_as_rep(
        &self,
        team: &SlackTeamId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError> {
        self.answer_as_rep(team, rep, entry, revision, answer).await
    }

    async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError> {
        self.settle_dispute(manager, entry, rep, decision).await
    }

    async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError> {
        self.pending_notices(limit).await
    }

    async fn store_notice(
        &self,
        notice: &PendingNotice,
        message: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store_notice(notice, message, now).await
    }

    async fn reminder_exists(
        &self,
        team: &SlackTeamId,
        job: Job,
        recipient: &str,
        local_date: NaiveDate,
        subject: &str,
    ) -> Result<bool, StoreError> {
        self.reminder_exists(team, job, recipient, local_date, subject)
            .await
    }

    async fn insert_reminder(
        &self,
        reminder: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.insert_reminder(reminder, now).await
    }

    async fn due_reminders(&self, now: DateTime<Utc>) -> Result<Vec<PendingReminder>, StoreError> {
        self.due_reminders(now).await
    }

    async fn pending_reminders(&self, ids: &[i64]) -> Result<Vec<PendingReminder>, StoreError> {
        self.pending_reminders(ids).await
    }

    async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError> {
        self.expire_reminders(now).await
    }

    async fn claim_reminder(
        &self,
        reminder: &PendingReminder,
        held_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.claim_reminder(reminder, held_until).await
    }

    async fn mark_reminder_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.mark_reminder_sent(id, now).await
    }

    async fn mark_reminder_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.mark_reminder_retry(id, next_attempt_at, error).await
    }

    async fn mark_reminder_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.mark_reminder_failed(id, error).await
    }

    async fn first_sighting(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.first_sighting(event_id, now).await
    }

    async fn remember_form_origin(
        &self,
        view_id: &str,
        team: &SlackTeamId,
        origin: &FormOrigin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.remember_form_origin(view_id, team, origin, now).await
    }

    async fn take_form_origin(&self, view_id: &str) -> Result<Option<FormOrigin>, StoreError> {
        self.take_form_origin(view_id).await
    }

    async fn take_form_origin_replacing_blocks<'a>(
        &'a self,
        view_id: &'a str,
        update: Box<dyn for<'o> FnOnce(&'o FormOrigin) -> String + Send + 'a>,
    ) -> Result<Option<FormOrigin>, StoreError> {
        let taken = self
            .take_form_origin_updating(view_id, |origin: &FormOrigin| ((), update(origin)))
            .await?;
        Ok(taken.map(|(origin, ())| origin))
    }

    async fn remember_home_tab(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.remember_home_tab(team, user, now).await
    }

    async fn has_home_tab(
        &self,
        team: &SlackTeamId,
        user: &SlackUserId,
    ) -> Result<bool, StoreError> {
        self.has_home_tab(team, user).await
    }

    async fn check(&self) -> Result<(Checked, Vec<Finding>), StoreError> {
        self.check().await
    }

    async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError> {
        self.month_export(month).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping().await
    }

    fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints()
    }

    async fn close(&self) {
        self.close().await
    }
}

/// Copies committed pages from the write-ahead log into the database, every
/// [`CHECKPOINT_EVERY`], until the store is closed. PASSIVE never waits for
/// (or blocks) readers and the writer; whatever it cannot copy now, it copies
/// next time.
async fn checkpoint_loop(checkpointer: SqlitePool, done: watch::Sender<u64>) {
    let mut interval = tokio::time::interval(CHECKPOINT_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if checkpointer.is_closed() {
            break;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&checkpointer)
            .await
        {
            if checkpointer.is_closed() {
                break;
            }
            tracing::warn!(%error, "background checkpoint failed; will try again");
            continue;
        }
        done.send_modify(|count| *count += 1);
    }
}

fn parse_user(raw: String) -> Result<SlackUserId, StoreError> {
    SlackUserId::parse(&raw).map_err(|_| StoreError::Corrupt(format!("user id {raw:?}")))
}

fn parse_team(raw: String) -> Result<SlackTeamId, StoreError> {
    SlackTeamId::parse(&raw).map_err(|_| StoreError::Corrupt(format!("team id {raw:?}")))
}

fn parse_date(raw: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("date {raw:?}")))
}

fn parse_instant(raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("instant {raw:?}")))
}

/// `?, ?, ?` for an `IN (…)` list of `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Instants are stored in one fixed format (UTC, whole seconds), so SQL can
/// compare them as text and a spreadsheet can read them.
fn instant_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Meeting topics as stored: codes joined by commas.
fn topics_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_topics(raw: &str) -> Result<Vec<Topic>, StoreError> {
    raw.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            Topic::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("topic {code:?}")))
        })
        .collect()
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
