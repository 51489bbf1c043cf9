//! Reminder rows: decided, then delivered, once per key (job, recipient,
//! local day). A delivery pass claims a row before posting it; a crash after
//! Slack took a post and before the row says so sends it again once the
//! claim lapses, the one known gap.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

use super::{
    date_text, instant_text, parse_date, parse_workspace, placeholders, SqliteStore, StoreError,
};
use crate::domain::Job;
use crate::store::{ExpiredReminder, MessageKind, NewReminder, PendingReminder, ReminderKey};

/// What a reminder row carries, as `reminders.job` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "kebab-case")]
pub(super) enum StoredJob {
    MeetingCheck,
    CoachingPace,
    Digest,
    TeamDigest,
    ConfirmAsk,
    DisputeNotice,
}

impl From<MessageKind> for StoredJob {
    fn from(kind: MessageKind) -> Self {
        match kind {
            MessageKind::Job(Job::MeetingCheck) => StoredJob::MeetingCheck,
            MessageKind::Job(Job::CoachingPace) => StoredJob::CoachingPace,
            MessageKind::Job(Job::Digest) => StoredJob::Digest,
            MessageKind::Job(Job::TeamDigest) => StoredJob::TeamDigest,
            MessageKind::ConfirmAsk => StoredJob::ConfirmAsk,
            MessageKind::DisputeNotice => StoredJob::DisputeNotice,
        }
    }
}

impl From<StoredJob> for MessageKind {
    fn from(job: StoredJob) -> Self {
        match job {
            StoredJob::MeetingCheck => MessageKind::Job(Job::MeetingCheck),
            StoredJob::CoachingPace => MessageKind::Job(Job::CoachingPace),
            StoredJob::Digest => MessageKind::Job(Job::Digest),
            StoredJob::TeamDigest => MessageKind::Job(Job::TeamDigest),
            StoredJob::ConfirmAsk => MessageKind::ConfirmAsk,
            StoredJob::DisputeNotice => MessageKind::DisputeNotice,
        }
    }
}

/// Where a reminder stands, as `reminders.status` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
enum ReminderStatus {
    /// Waiting for Slack.
    Pending,
    /// The job found nothing to say; kept so the day's run is not repeated.
    Skipped,
}

/// A reminder waiting for Slack, as read.
#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    team_id: String,
    job: StoredJob,
    recipient: String,
    message: String,
    summary: String,
    attempts: u32,
}

const PENDING_COLUMNS: &str = "id, team_id, job, recipient, message, summary, attempts";

impl TryFrom<PendingRow> for PendingReminder {
    type Error = StoreError;

    fn try_from(row: PendingRow) -> Result<Self, StoreError> {
        Ok(PendingReminder {
            id: row.id,
            workspace: parse_workspace(row.team_id)?,
            kind: row.job.into(),
            recipient: row.recipient,
            message: row.message,
            summary: row.summary,
            attempts: row.attempts,
        })
    }
}

/// A reminder given up on, as read.
#[derive(sqlx::FromRow)]
struct ExpiredRow {
    job: StoredJob,
    recipient: String,
    local_date: String,
    last_error: Option<String>,
}

impl TryFrom<ExpiredRow> for ExpiredReminder {
    type Error = StoreError;

    fn try_from(row: ExpiredRow) -> Result<Self, StoreError> {
        Ok(ExpiredReminder {
            kind: row.job.into(),
            recipient: row.recipient,
            local_date: parse_date(&row.local_date)?,
            last_error: row.last_error,
        })
    }
}

impl SqliteStore {
    /// Of these reminders of `job` for `local_date`, which are stored
    /// already, in the order given; one read however many there are.
    pub async fn stored_reminders(
        &self,
        job: Job,
        local_date: NaiveDate,
        keys: &[ReminderKey],
    ) -> Result<Vec<bool>, StoreError> {
        let keys_json = serde_json::json!(keys
            .iter()
            .map(|key| [&key.workspace, &key.recipient, &key.subject])
            .collect::<Vec<_>>())
        .to_string();
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT asked.key FROM json_each(?) AS asked
             WHERE EXISTS (SELECT 1 FROM reminders
                           WHERE team_id = json_extract(asked.value, '$[0]') AND job = ?
                             AND recipient = json_extract(asked.value, '$[1]')
                             AND local_date = ?
                             AND subject = json_extract(asked.value, '$[2]'))",
        )
        .bind(keys_json)
        .bind(StoredJob::from(MessageKind::Job(job)))
        .bind(date_text(local_date))
        .fetch_all(&self.readers)
        .await?;
        let mut stored = vec![false; keys.len()];
        for i in found {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| stored.get_mut(i)) {
                *slot = true;
            }
        }
        Ok(stored)
    }

    /// Stores a decided reminder; its ID, or `None` when one with the same
    /// key exists already (another run got there first).
    #[tracing::instrument(skip(self, reminder), fields(workspace = %reminder.workspace, job = reminder.kind.name(), recipient = %reminder.recipient, day = %reminder.local_date))]
    pub async fn insert_reminder(
        &self,
        reminder: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write().await?;
        let inserted = insert_reminder_row(&mut tx, reminder, now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Pending reminders whose day is not over and whose next try is due.
    #[tracing::instrument(skip(self))]
    pub async fn due_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingReminder>, StoreError> {
        let now = instant_text(now);
        let rows: Vec<PendingRow> = sqlx::query_as(&format!(
            "SELECT {PENDING_COLUMNS} FROM reminders
             WHERE status = 'pending' AND expires_at > ?
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
             ORDER BY id"
        ))
        .bind(&now)
        .bind(&now)
        .fetch_all(&self.readers)
        .await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    /// Of the reminders `ids`, those still pending, whatever their day: a
    /// `run-job` delivers what it stored itself, and only that.
    #[tracing::instrument(skip(self, ids), fields(reminders = ids.len()))]
    pub async fn pending_reminders(&self, ids: &[i64]) -> Result<Vec<PendingReminder>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PENDING_COLUMNS} FROM reminders
             WHERE status = 'pending' AND id IN ({})
             ORDER BY id",
            placeholders(ids.len())
        );
        let mut query = sqlx::query_as::<_, PendingRow>(&sql);
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&self.readers).await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    /// Gives up on pending reminders whose day has passed.
    #[tracing::instrument(skip(self))]
    pub async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError> {
        let mut tx = self.write().await?;
        let rows: Vec<ExpiredRow> = sqlx::query_as(
            "UPDATE reminders SET status = 'expired'
             WHERE status = 'pending' AND expires_at <= ?
             RETURNING job, recipient, local_date, last_error",
        )
        .bind(instant_text(now))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter().map(ExpiredReminder::try_from).collect()
    }

    /// Takes a pending reminder for one delivery pass, counting the try and
    /// keeping other passes (`run-job` in another process, another `serve`)
    /// off it until `held_until`. `false` when another pass took it since
    /// it was read: that pass delivers it.
    #[tracing::instrument(skip(self, reminder), fields(id = reminder.id, job = %reminder.kind, recipient = %reminder.recipient))]
    pub async fn claim_reminder(
        &self,
        reminder: &PendingReminder,
        held_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let claimed = sqlx::query(
            "UPDATE reminders SET attempts = attempts + 1, next_attempt_at = ?
             WHERE id = ? AND status = 'pending' AND attempts = ?",
        )
        .bind(instant_text(held_until))
        .bind(reminder.id)
        .bind(reminder.attempts)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(claimed == 1)
    }

    #[tracing::instrument(skip(self))]
    pub async fn mark_reminder_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_reminder(
            "UPDATE reminders SET status = 'sent', sent_at = ? WHERE id = ?",
            instant_text(now),
            id,
        )
        .await
    }

    /// Leaves a reminder pending, to be tried again from `next_attempt_at`.
    #[tracing::instrument(skip(self, error))]
    pub async fn mark_reminder_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE reminders SET next_attempt_at = ?, last_error = ? WHERE id = ?")
            .bind(instant_text(next_attempt_at))
            .bind(error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, error))]
    pub async fn mark_reminder_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.update_reminder(
            "UPDATE reminders SET status = 'failed', last_error = ? WHERE id = ?",
            error.to_string(),
            id,
        )
        .await
    }

    async fn update_reminder(&self, sql: &str, value: String, id: i64) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(sql)
            .bind(value)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Inserts a reminder row unless one with its key exists; its ID if new.
pub(super) async fn insert_reminder_row(
    tx: &mut SqliteConnection,
    reminder: &NewReminder,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let status = if reminder.message.is_some() {
        ReminderStatus::Pending
    } else {
        ReminderStatus::Skipped
    };
    let inserted = sqlx::query_scalar(
        "INSERT INTO reminders (team_id, job, recipient, local_date, subject, status, message, summary, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (team_id, job, recipient, local_date, subject) DO NOTHING
         RETURNING id",
    )
    .bind(reminder.workspace.as_str())
    .bind(StoredJob::from(reminder.kind))
    .bind(&reminder.recipient)
    .bind(date_text(reminder.local_date))
    .bind(&reminder.subject)
    .bind(status)
    .bind(&reminder.message)
    .bind(&reminder.summary)
    .bind(instant_text(reminder.expires_at))
    .bind(instant_text(now))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Open;

    #[tokio::test]
    async fn every_message_kind_is_stored_under_its_name_and_read_back_as_itself() {
        let (store, _) = SqliteStore::open_reporting("sqlite::memory:", Open::CreateAndMigrate)
            .await
            .expect("store");
        let kinds = Job::ALL
            .into_iter()
            .map(MessageKind::Job)
            .chain([MessageKind::ConfirmAsk, MessageKind::DisputeNotice]);
        for kind in kinds {
            let (stored, read): (String, StoredJob) = sqlx::query_as("SELECT ?1, ?1")
                .bind(StoredJob::from(kind))
                .fetch_one(&store.readers)
                .await
                .expect("read");
            assert_eq!(stored, kind.name());
            assert_eq!(MessageKind::from(read), kind);
        }
    }
}
