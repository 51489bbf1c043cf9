//! Reminder rows: decided, then delivered, once per key (job, recipient,
//! local day, subject), however many schedulers and delivery workers run
//! on the database. The unique key decides each reminder once; a worker
//! claims a row for one attempt (`FOR UPDATE SKIP LOCKED`, so a claim
//! another replica is making is passed over, never waited on) before
//! posting it, under a token its outcome is marked with; a post whose
//! outcome is unknown stays in doubt until the conversation's history
//! says whether Slack took it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::{whole_seconds, PgStore};
use crate::domain::{Job, WorkspaceId};
use crate::store::sqlite::parse_workspace;
use crate::store::sqlite::reminders::claim_token;
use crate::store::{
    Claim, ExpiredReminder, MessageKind, NewReminder, PendingReminder, PostedAt, ReminderKey,
    Retry, StoreError,
};

/// The kind a reminder row's `job` names.
fn message_kind(raw: &str) -> Result<MessageKind, StoreError> {
    Job::ALL
        .into_iter()
        .map(MessageKind::Job)
        .chain([MessageKind::ConfirmAsk, MessageKind::DisputeNotice])
        .find(|kind| kind.name() == raw)
        .ok_or_else(|| StoreError::Corrupt(format!("reminder job {raw:?}")))
}

/// A reminder waiting for Slack, as read.
#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    team_id: String,
    job: String,
    recipient: String,
    message: String,
    summary: String,
    attempts: i64,
}

const PENDING_COLUMNS: &str = "id, team_id, job, recipient, message, summary, attempts";

impl TryFrom<PendingRow> for PendingReminder {
    type Error = StoreError;

    fn try_from(row: PendingRow) -> Result<Self, StoreError> {
        Ok(PendingReminder {
            id: row.id,
            workspace: parse_workspace(row.team_id)?,
            kind: message_kind(&row.job)?,
            recipient: row.recipient,
            message: row.message,
            summary: row.summary,
            attempts: u32::try_from(row.attempts)
                .map_err(|_| StoreError::Corrupt(format!("attempts {}", row.attempts)))?,
        })
    }
}

/// A reminder given up on, as read.
#[derive(sqlx::FromRow)]
struct ExpiredRow {
    job: String,
    recipient: String,
    local_date: NaiveDate,
    last_error: Option<String>,
    in_doubt: bool,
}

impl TryFrom<ExpiredRow> for ExpiredReminder {
    type Error = StoreError;

    fn try_from(row: ExpiredRow) -> Result<Self, StoreError> {
        Ok(ExpiredReminder {
            kind: message_kind(&row.job)?,
            recipient: row.recipient,
            local_date: row.local_date,
            last_error: row.last_error,
            in_doubt: row.in_doubt,
        })
    }
}

impl PgStore {
    /// Of these reminders of `job` for `local_date`, which are stored
    /// already, in the order given; one read however many there are.
    pub(super) async fn stored_reminders(
        &self,
        job: Job,
        local_date: NaiveDate,
        keys: &[ReminderKey],
    ) -> Result<Vec<bool>, StoreError> {
        let column = |of: fn(&ReminderKey) -> &str| keys.iter().map(of).collect::<Vec<_>>();
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT asked.n FROM unnest($1::text[], $2::text[], $3::text[])
                 WITH ORDINALITY AS asked(team_id, recipient, subject, n)
             WHERE EXISTS (SELECT 1 FROM reminders r
                           WHERE r.team_id = asked.team_id AND r.job = $4
                             AND r.recipient = asked.recipient AND r.local_date = $5
                             AND r.subject = asked.subject)",
        )
        .bind(column(|key| key.workspace.as_str()))
        .bind(column(|key| key.recipient.as_str()))
        .bind(column(|key| key.subject.as_str()))
        .bind(job.name())
        .bind(local_date)
        .fetch_all(&self.pool)
        .await?;
        let mut stored = vec![false; keys.len()];
        for n in found {
            // Ordinals count from one.
            if let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| stored.get_mut(i)) {
                *slot = true;
            }
        }
        Ok(stored)
    }

    /// Stores a decided reminder; its ID, or `None` when one with the same
    /// key exists already (another run, on any replica, got there first).
    #[tracing::instrument(skip(self, reminder), fields(workspace = %reminder.workspace, job = reminder.kind.name(), recipient = %reminder.recipient, day = %reminder.local_date))]
    pub(super) async fn insert_reminder(
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
    /// that changes called for first. Read without a lock: each is claimed
    /// before it is posted.
    #[tracing::instrument(skip(self))]
    pub(super) async fn due_reminders(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingReminder>, StoreError> {
        let rows: Vec<PendingRow> = sqlx::query_as(&format!(
            "SELECT {PENDING_COLUMNS} FROM reminders
             WHERE status = 'pending' AND team_id = $1 AND expires_at > $2
               AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
               AND (lease_until IS NULL OR lease_until <= $2)
             ORDER BY job IN ('confirm-ask', 'dispute-notice') DESC, id
             LIMIT $3"
        ))
        .bind(workspace.as_str())
        .bind(whole_seconds(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    #[tracing::instrument(skip(self))]
    pub(super) async fn workspaces_with_pending_reminders(
        &self,
    ) -> Result<Vec<WorkspaceId>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT team_id FROM reminders WHERE status = 'pending' ORDER BY team_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(parse_workspace).collect()
    }

    /// Of the reminders `ids`, those still pending, whatever their day.
    #[tracing::instrument(skip(self, ids), fields(reminders = ids.len()))]
    pub(super) async fn pending_reminders(
        &self,
        ids: &[i64],
    ) -> Result<Vec<PendingReminder>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<PendingRow> = sqlx::query_as(&format!(
            "SELECT {PENDING_COLUMNS} FROM reminders
             WHERE status = 'pending' AND id = ANY($1)
             ORDER BY id"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PendingReminder::try_from).collect()
    }

    /// Gives up on pending reminders whose day has passed, leaving any a
    /// live claim holds to the worker posting it. Each row is given up
    /// once: a replica expiring it at the same moment finds it no longer
    /// pending.
    #[tracing::instrument(skip(self))]
    pub(super) async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError> {
        let rows: Vec<ExpiredRow> = sqlx::query_as(
            "UPDATE reminders SET status = 'expired', claim_token = NULL, lease_until = NULL
             WHERE status = 'pending' AND expires_at <= $1
               AND (lease_until IS NULL OR lease_until <= $1)
             RETURNING job, recipient, local_date, last_error, in_doubt_since IS NOT NULL AS in_doubt",
        )
        .bind(whole_seconds(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ExpiredReminder::try_from).collect()
    }

    /// Takes a pending reminder for one attempt until `lease_until`, unless
    /// a live claim holds it, or another worker (on any replica) is taking
    /// it this moment: the row is locked with `SKIP LOCKED`, so of two
    /// claims at once one gets it and the other passes. From then on a
    /// post of it is in doubt until an outcome is marked.
    #[tracing::instrument(skip(self))]
    pub(super) async fn claim_reminder(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        let now = whole_seconds(now);
        let token = claim_token();
        // The doubt as it stood before this claim: an earlier attempt's.
        let before: Option<(Option<DateTime<Utc>>, Option<String>)> = sqlx::query_as(
            "WITH free AS (
                 SELECT id, in_doubt_since, channel FROM reminders
                 WHERE id = $1 AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $2)
                 FOR UPDATE SKIP LOCKED)
             UPDATE reminders r
             SET attempts = r.attempts + 1, claim_token = $3, lease_until = $4,
                 in_doubt_since = COALESCE(r.in_doubt_since, $2)
             FROM free WHERE r.id = free.id
             RETURNING free.in_doubt_since, free.channel",
        )
        .bind(id)
        .bind(now)
        .bind(&token)
        .bind(whole_seconds(lease_until))
        .fetch_optional(&self.pool)
        .await?;
        Ok(before.map(|(in_doubt_since, channel)| Claim {
            token,
            in_doubt_since,
            channel,
        }))
    }

    #[tracing::instrument(skip(self, token))]
    pub(super) async fn renew_claim(
        &self,
        id: i64,
        token: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET lease_until = $1, attempts = attempts + 1
                 WHERE id = $2 AND claim_token = $3 AND status = 'pending'",
            )
            .bind(whole_seconds(lease_until))
            .bind(id)
            .bind(token),
        )
        .await
    }

    /// Slack took the reminder: it is sent whoever holds it now (the post
    /// is out), and `true` only when the claim was still `token`'s. The
    /// holder is read under the row's lock, so no claim slips in between.
    #[tracing::instrument(skip(self, token, posted))]
    pub(super) async fn mark_reminder_sent(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
        posted: Option<&PostedAt>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let holder: Option<Option<String>> =
            sqlx::query_scalar("SELECT claim_token FROM reminders WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE reminders SET status = 'sent', sent_at = COALESCE(sent_at, $1),
                    channel = COALESCE($2, channel), ts = COALESCE($3, ts),
                    in_doubt_since = NULL, claim_token = NULL, lease_until = NULL
             WHERE id = $4",
        )
        .bind(whole_seconds(now))
        .bind(posted.map(|p| p.channel.as_str()))
        .bind(posted.map(|p| p.ts.as_str()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(holder.flatten().as_deref() == Some(token))
    }

    #[tracing::instrument(skip(self, token, retry), fields(in_doubt = retry.in_doubt))]
    pub(super) async fn mark_reminder_retry(
        &self,
        id: i64,
        token: &str,
        retry: &Retry,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET next_attempt_at = $1, last_error = $2,
                        in_doubt_since = CASE WHEN $3 THEN in_doubt_since END,
                        channel = COALESCE($4, channel), claim_token = NULL, lease_until = NULL
                 WHERE id = $5 AND claim_token = $6 AND status = 'pending'",
            )
            .bind(whole_seconds(retry.next_attempt_at))
            .bind(&retry.error)
            .bind(retry.in_doubt)
            .bind(retry.channel.as_deref())
            .bind(id)
            .bind(token),
        )
        .await
    }

    #[tracing::instrument(skip(self, token, error))]
    pub(super) async fn mark_reminder_failed(
        &self,
        id: i64,
        token: &str,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.update_claimed(
            sqlx::query(
                "UPDATE reminders SET status = 'failed', last_error = $1, in_doubt_since = NULL,
                        claim_token = NULL, lease_until = NULL
                 WHERE id = $2 AND claim_token = $3 AND status = 'pending'",
            )
            .bind(error)
            .bind(id)
            .bind(token),
        )
        .await
    }

    /// Runs `update`, which changes a row only while the caller's claim
    /// holds it (one statement: PostgreSQL re-reads the row it waited on,
    /// so a claim taken meanwhile is seen); whether it changed the row.
    async fn update_claimed<'q>(
        &self,
        update: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<bool, StoreError> {
        Ok(update.execute(&self.pool).await?.rows_affected() == 1)
    }
}

/// Inserts a reminder row unless one with its key exists; its ID if new.
/// Of two inserts of one key at once, the second waits for the first and
/// then inserts nothing.
pub(super) async fn insert_reminder_row(
    tx: &mut PgConnection,
    reminder: &NewReminder,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let status = if reminder.message.is_some() {
        "pending"
    } else {
        // The job found nothing to say; kept so the day's run is not repeated.
        "skipped"
    };
    let inserted = sqlx::query_scalar(
        "INSERT INTO reminders (team_id, job, recipient, local_date, subject, status, message, summary, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (team_id, job, recipient, local_date, subject) DO NOTHING
         RETURNING id",
    )
    .bind(reminder.workspace.as_str())
    .bind(reminder.kind.name())
    .bind(&reminder.recipient)
    .bind(reminder.local_date)
    .bind(&reminder.subject)
    .bind(status)
    .bind(&reminder.message)
    .bind(&reminder.summary)
    .bind(whole_seconds(reminder.expires_at))
    .bind(whole_seconds(now))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        "2026-11-30T08:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("instant")
            + chrono::Duration::seconds(seconds)
    }

    fn workspace() -> WorkspaceId {
        WorkspaceId::parse("T0TEAM").expect("workspace")
    }

    fn due(kind: MessageKind, recipient: &str) -> NewReminder {
        NewReminder {
            workspace: workspace(),
            kind,
            recipient: recipient.into(),
            local_date: at(0).date_naive(),
            subject: String::new(),
            message: Some("{\"text\":\"hi\"}".into()),
            summary: "due".into(),
            expires_at: at(3600),
        }
    }

    /// A store holding one pending meeting-check for U0BOSS; its ID.
    async fn one_pending() -> Option<(PgStore, i64)> {
        let store = super::super::test_store().await?;
        let id = store
            .insert_reminder(&due(MessageKind::Job(Job::MeetingCheck), "U0BOSS"), at(0))
            .await
            .expect("insert")
            .expect("new");
        Some((store, id))
    }

    async fn row(
        store: &PgStore,
        id: i64,
    ) -> (
        String,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<String>,
    ) {
        sqlx::query_as("SELECT status, in_doubt_since, channel, ts FROM reminders WHERE id = $1")
            .bind(id)
            .fetch_one(&store.pool)
            .await
            .expect("row")
    }

    #[tokio::test]
    async fn a_claim_holds_its_reminder_until_its_lease_lapses_and_then_its_token_marks_nothing() {
        let Some((store, id)) = one_pending().await else {
            return;
        };
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
            .due_reminders(&workspace(), at(10), 10)
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
        assert!(!store
            .renew_claim(id, &first.token, at(40))
            .await
            .expect("renews"));
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
        let Some((store, id)) = one_pending().await else {
            return;
        };
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
        let Some((store, id)) = one_pending().await else {
            return;
        };
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
        assert_eq!(expired[0].local_date, at(0).date_naive());
        assert_eq!(row(&store, id).await.0, "expired");
    }

    #[tokio::test]
    async fn every_message_kind_is_stored_under_its_name_and_read_back_as_itself() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let kinds: Vec<MessageKind> = Job::ALL
            .into_iter()
            .map(MessageKind::Job)
            .chain([MessageKind::ConfirmAsk, MessageKind::DisputeNotice])
            .collect();
        let mut ids = Vec::new();
        for kind in &kinds {
            ids.push(
                store
                    .insert_reminder(&due(*kind, "U0BOSS"), at(0))
                    .await
                    .expect("insert")
                    .expect("new"),
            );
        }
        let stored: Vec<String> = sqlx::query_scalar("SELECT job FROM reminders ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .expect("read");
        let read = store.pending_reminders(&ids).await.expect("read");
        for ((kind, stored), read) in kinds.iter().zip(stored).zip(read) {
            assert_eq!(stored, kind.name());
            assert_eq!(read.kind, *kind);
        }
        // The notices come first.
        let order: Vec<MessageKind> = store
            .due_reminders(&workspace(), at(0), 10)
            .await
            .expect("due")
            .into_iter()
            .map(|due| due.kind)
            .collect();
        assert_eq!(
            order[..2],
            [MessageKind::ConfirmAsk, MessageKind::DisputeNotice]
        );
    }

    #[tokio::test]
    async fn a_key_is_stored_once_and_answered_in_the_order_asked() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let kind = MessageKind::Job(Job::CoachingPace);
        assert!(store
            .insert_reminder(&due(kind, "U0ANN"), at(0))
            .await
            .expect("insert")
            .is_some());
        assert_eq!(
            store
                .insert_reminder(&due(kind, "U0ANN"), at(1))
                .await
                .expect("insert"),
            None
        );
        let key = |recipient: &str| ReminderKey {
            workspace: "T0TEAM".into(),
            recipient: recipient.into(),
            subject: String::new(),
        };
        let stored = store
            .stored_reminders(
                Job::CoachingPace,
                at(0).date_naive(),
                &[key("U0BOB"), key("U0ANN"), key("U0CAT")],
            )
            .await
            .expect("reads");
        assert_eq!(stored, [false, true, false]);
        assert_eq!(
            store
                .workspaces_with_pending_reminders()
                .await
                .expect("reads"),
            [workspace()]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_schedulers_deciding_one_reminder_at_once_store_it_once() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        for round in 0..20 {
            let reminder = due(MessageKind::Job(Job::Digest), &format!("U0REP{round}"));
            let (a, b) = tokio::join!(
                store.insert_reminder(&reminder, at(0)),
                store.insert_reminder(&reminder, at(0)),
            );
            let ids = [a.expect("a"), b.expect("b")];
            assert_eq!(ids.iter().flatten().count(), 1, "round {round}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_workers_claiming_the_same_due_reminders_never_both_get_one() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let mut all = HashSet::new();
        for n in 0..50 {
            let reminder = due(MessageKind::Job(Job::MeetingCheck), &format!("U0REP{n}"));
            all.insert(
                store
                    .insert_reminder(&reminder, at(0))
                    .await
                    .expect("insert")
                    .expect("new"),
            );
        }
        // Each worker reads what is due and claims it all, as delivery does.
        let worker = |store: PgStore| async move {
            let mut claimed = Vec::new();
            for reminder in store
                .due_reminders(&workspace(), at(0), 100)
                .await
                .expect("due")
            {
                if let Some(claim) = store
                    .claim_reminder(reminder.id, at(0), at(15))
                    .await
                    .expect("claims")
                {
                    claimed.push((reminder.id, claim.token));
                }
            }
            claimed
        };
        let (a, b) = tokio::join!(
            tokio::spawn(worker(store.clone())),
            tokio::spawn(worker(store.clone()))
        );
        let (a, b) = (a.expect("a"), b.expect("b"));
        let a_ids: HashSet<i64> = a.iter().map(|(id, _)| *id).collect();
        let b_ids: HashSet<i64> = b.iter().map(|(id, _)| *id).collect();
        assert!(
            a_ids.is_disjoint(&b_ids),
            "claimed twice: {:?}",
            a_ids.intersection(&b_ids)
        );
        assert_eq!(&a_ids | &b_ids, all, "every due reminder claimed once");
        let attempts: i64 = sqlx::query_scalar("SELECT SUM(attempts)::BIGINT FROM reminders")
            .fetch_one(&store.pool)
            .await
            .expect("attempts");
        assert_eq!(attempts, 50, "one attempt counted per reminder");
    }
}
