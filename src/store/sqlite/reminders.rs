//! Reminder rows: decided, then delivered, once per key (job, recipient,
//! local day). A worker claims a row for one attempt before posting it,
//! under a token its outcome is marked with; a post whose outcome is
//! unknown (a timeout, a process that died mid-post) stays in doubt until
//! the conversation's history says whether Slack took it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqliteConnection;

use super::{
    date_text, instant_text, parse_date, parse_instant, parse_workspace, placeholders, SqliteStore,
    StoreError,
};
use crate::domain::{Job, WorkspaceId};
use crate::store::{
    Claim, ExpiredReminder, MessageKind, NewReminder, PendingReminder, PostedAt, ReminderKey, Retry,
};

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
    in_doubt: bool,
}

impl TryFrom<ExpiredRow> for ExpiredReminder {
    type Error = StoreError;

    fn try_from(row: ExpiredRow) -> Result<Self, StoreError> {
        Ok(ExpiredReminder {
            kind: row.job.into(),
            recipient: row.recipient,
            local_date: parse_date(&row.local_date)?,
            last_error: row.last_error,
            in_doubt: row.in_doubt,
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
        .fetch_all(&mut *self.readers.acquire().await?)
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

    /// Up to `limit` reminders of `workspace` due at `now`, the notices
    /// that changes called for first.
    #[tracing::instrument(skip(self))]
    pub async fn due_reminders(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingReminder>, StoreError> {
        let now = instant_text(now);
        let rows: Vec<PendingRow> = sqlx::query_as(&format!(
            "SELECT {PENDING_COLUMNS} FROM reminders
             WHERE status = 'pending' AND team_id = ? AND expires_at > ?
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
               AND (lease_until IS NULL OR lease_until <= ?)
             ORDER BY job IN ('confirm-ask', 'dispute-notice') DESC, id
             LIMIT ?"
        ))
        .bind(workspace.as_str())
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .bind(limit)
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    #[tracing::instrument(skip(self))]
    pub async fn workspaces_with_pending_reminders(&self) -> Result<Vec<WorkspaceId>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT team_id FROM reminders WHERE status = 'pending' ORDER BY team_id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        rows.into_iter().map(parse_workspace).collect()
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
        let rows = query.fetch_all(&mut *self.readers.acquire().await?).await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    /// Gives up on pending reminders whose day has passed, leaving any a
    /// live claim holds to the worker posting it.
    #[tracing::instrument(skip(self))]
    pub async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError> {
        let now = instant_text(now);
        let mut tx = self.write().await?;
        let rows: Vec<ExpiredRow> = sqlx::query_as(
            "UPDATE reminders SET status = 'expired', claim_token = NULL, lease_until = NULL
             WHERE status = 'pending' AND expires_at <= ?
               AND (lease_until IS NULL OR lease_until <= ?)
             RETURNING job, recipient, local_date, last_error, in_doubt_since IS NOT NULL AS in_doubt",
        )
        .bind(&now)
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter().map(ExpiredReminder::try_from).collect()
    }

    /// Takes a pending reminder for one attempt until `lease_until`, unless
    /// a live claim holds it; from then on a post of it is in doubt until
    /// an outcome is marked.
    #[tracing::instrument(skip(self))]
    pub async fn claim_reminder(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        let now = instant_text(now);
        let token = claim_token();
        let mut tx = self.write().await?;
        // The doubt as it stood before this claim: an earlier attempt's.
        let before: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT in_doubt_since, channel FROM reminders
             WHERE id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)",
        )
        .bind(id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((in_doubt_since, channel)) = before else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE reminders SET attempts = attempts + 1, claim_token = ?, lease_until = ?,
                                  in_doubt_since = COALESCE(in_doubt_since, ?)
             WHERE id = ?",
        )
        .bind(&token)
        .bind(instant_text(lease_until))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(Claim {
            token,
            in_doubt_since: in_doubt_since.as_deref().map(parse_instant).transpose()?,
            channel,
        }))
    }

    #[tracing::instrument(skip(self, token))]
    pub async fn renew_claim(
        &self,
        id: i64,
        token: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET lease_until = ?, attempts = attempts + 1
                 WHERE id = ? AND claim_token = ? AND status = 'pending'",
            )
            .bind(instant_text(lease_until))
            .bind(id)
            .bind(token),
        )
        .await
    }

    #[tracing::instrument(skip(self, token, posted))]
    pub async fn mark_reminder_sent(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
        posted: Option<&PostedAt>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let holder: Option<Option<String>> =
            sqlx::query_scalar("SELECT claim_token FROM reminders WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE reminders SET status = 'sent', sent_at = COALESCE(sent_at, ?),
                    channel = COALESCE(?, channel), ts = COALESCE(?, ts),
                    in_doubt_since = NULL, claim_token = NULL, lease_until = NULL
             WHERE id = ?",
        )
        .bind(instant_text(now))
        .bind(posted.map(|p| p.channel.as_str()))
        .bind(posted.map(|p| p.ts.as_str()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(holder.flatten().as_deref() == Some(token))
    }

    #[tracing::instrument(skip(self, token, retry), fields(in_doubt = retry.in_doubt))]
    pub async fn mark_reminder_retry(
        &self,
        id: i64,
        token: &str,
        retry: &Retry,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET next_attempt_at = ?, last_error = ?,
                        in_doubt_since = CASE WHEN ? THEN in_doubt_since END,
                        channel = COALESCE(?, channel), claim_token = NULL, lease_until = NULL
                 WHERE id = ? AND claim_token = ? AND status = 'pending'",
            )
            .bind(instant_text(retry.next_attempt_at))
            .bind(&retry.error)
            .bind(retry.in_doubt)
            .bind(retry.channel.as_deref())
            .bind(id)
            .bind(token),
        )
        .await
    }

    #[tracing::instrument(skip(self, token, error))]
    pub async fn mark_reminder_failed(
        &self,
        id: i64,
        token: &str,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET status = 'failed', last_error = ?, in_doubt_since = NULL,
                        claim_token = NULL, lease_until = NULL
                 WHERE id = ? AND claim_token = ? AND status = 'pending'",
            )
            .bind(error)
            .bind(id)
            .bind(token),
        )
        .await
    }

    /// Runs `update`, which changes a row only while the caller's claim
    /// holds it, in a transaction of its own; whether it changed the row.
    async fn update_claimed<'q>(
        &self,
        update: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let changed = update.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(changed == 1)
    }
}

/// A token no other claim, in this process or another, is handed: the
/// process's random hasher key and a count.
pub(in crate::store) fn claim_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    format!("{process:016x}-{}", COUNT.fetch_add(1, Ordering::Relaxed))
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

    fn at(seconds: i64) -> DateTime<Utc> {
        "2026-11-30T08:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("instant")
            + chrono::Duration::seconds(seconds)
    }

    /// A store holding one pending meeting-check for U0BOSS; its ID.
    async fn one_pending() -> (SqliteStore, i64) {
        let (store, _) = SqliteStore::open_reporting("sqlite::memory:", Open::CreateAndMigrate)
            .await
            .expect("store");
        let reminder = NewReminder {
            workspace: WorkspaceId::parse("T0TEAM").expect("workspace"),
            kind: MessageKind::Job(Job::MeetingCheck),
            recipient: "U0BOSS".into(),
            local_date: at(0).date_naive(),
            subject: String::new(),
            message: Some("{\"text\":\"hi\"}".into()),
            summary: "due".into(),
            expires_at: at(3600),
        };
        let id = store
            .insert_reminder(&reminder, at(0))
            .await
            .expect("insert")
            .expect("new");
        (store, id)
    }

    async fn row(
        store: &SqliteStore,
        id: i64,
    ) -> (String, Option<String>, Option<String>, Option<String>) {
        sqlx::query_as("SELECT status, in_doubt_since, channel, ts FROM reminders WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *store.readers.acquire().await.expect("a reader"))
            .await
            .expect("row")
    }

    #[tokio::test]
    async fn a_claim_holds_its_reminder_until_its_lease_lapses_and_then_its_token_marks_nothing() {
        let (store, id) = one_pending().await;
        let first = store
            .claim_reminder(id, at(0), at(15))
            .await
            .expect("claims")
            .expect("free");
        assert_eq!(first.in_doubt_since, None);
        assert_eq!(
            store
                .claim_reminder(id, at(10), at(25))
                .await
                .expect("reads"),
            None
        );
        assert!(store
            .due_reminders(
                &WorkspaceId::parse("T0TEAM").expect("workspace"),
                at(10),
                10
            )
            .await
            .expect("reads")
            .is_empty());

        // The first worker's post is in doubt once its lease lapsed unmarked.
        let second = store
            .claim_reminder(id, at(16), at(31))
            .await
            .expect("claims")
            .expect("lapsed");
        assert_eq!(second.in_doubt_since, Some(at(0)));
        assert_ne!(second.token, first.token);
        let retry = Retry {
            next_attempt_at: at(60),
            error: "late".into(),
            in_doubt: false,
            channel: None,
        };
        assert!(!store
            .mark_reminder_retry(id, &first.token, &retry)
            .await
            .expect("marks"));
        assert!(!store
            .mark_reminder_failed(id, &first.token, "late")
            .await
            .expect("marks"));
        assert_eq!(row(&store, id).await.0, "pending");

        let posted = PostedAt {
            channel: "D0DM".into(),
            ts: "1700000000.000100".into(),
        };
        assert!(store
            .mark_reminder_sent(id, &second.token, at(17), Some(&posted))
            .await
            .expect("marks"));
        assert_eq!(
            row(&store, id).await,
            (
                "sent".into(),
                None,
                Some("D0DM".into()),
                Some("1700000000.000100".into())
            )
        );
    }

    #[tokio::test]
    async fn a_post_slack_surely_did_not_take_clears_the_doubt_and_one_it_may_have_keeps_it() {
        let (store, id) = one_pending().await;
        let claim = store
            .claim_reminder(id, at(0), at(15))
            .await
            .expect("claims")
            .expect("free");
        let refused = Retry {
            next_attempt_at: at(1),
            error: "429".into(),
            in_doubt: false,
            channel: None,
        };
        assert!(store
            .mark_reminder_retry(id, &claim.token, &refused)
            .await
            .expect("marks"));
        assert_eq!(row(&store, id).await.1, None);

        let claim = store
            .claim_reminder(id, at(1), at(16))
            .await
            .expect("claims")
            .expect("free");
        assert_eq!(claim.in_doubt_since, None);
        let timed_out = Retry {
            next_attempt_at: at(16),
            error: "timed out".into(),
            in_doubt: true,
            channel: Some("D0DM".into()),
        };
        assert!(store
            .mark_reminder_retry(id, &claim.token, &timed_out)
            .await
            .expect("marks"));
        let claim = store
            .claim_reminder(id, at(16), at(31))
            .await
            .expect("claims")
            .expect("free");
        assert_eq!(claim.in_doubt_since, Some(at(1)));
        assert_eq!(claim.channel.as_deref(), Some("D0DM"));
    }

    #[tokio::test]
    async fn a_doubt_its_day_outlives_is_given_up_as_in_doubt_but_never_under_a_live_claim() {
        let (store, id) = one_pending().await;
        let claim = store
            .claim_reminder(id, at(3590), at(3605))
            .await
            .expect("claims")
            .expect("free");
        assert!(store
            .expire_reminders(at(3600))
            .await
            .expect("expires")
            .is_empty());
        let timed_out = Retry {
            next_attempt_at: at(3605),
            error: "timed out".into(),
            in_doubt: true,
            channel: None,
        };
        store
            .mark_reminder_retry(id, &claim.token, &timed_out)
            .await
            .expect("marks");
        let expired = store.expire_reminders(at(3601)).await.expect("expires");
        assert_eq!(expired.len(), 1);
        assert!(expired[0].in_doubt);
        assert_eq!(row(&store, id).await.0, "expired");
    }

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
                .fetch_one(&mut *store.readers.acquire().await.expect("a reader"))
                .await
                .expect("read");
            assert_eq!(stored, kind.name());
            assert_eq!(MessageKind::from(read), kind);
        }
    }
}
