//! Sends pending reminders. Timeouts and 5xx are retried with backoff,
//! 429s after Slack's Retry-After, and posts are spaced under Slack's limits
//! (chat.postMessage: about one per second per channel, plus a
//! workspace-wide budget). What still fails stays pending for a later pass
//! until its day is over; only then is it given up, and logged.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use slack_morphism::prelude::SlackMessageContent;
use tokio::time::Instant;

use super::AppContext;
use crate::causes;
use crate::slack::SlackError;
use crate::store::{PendingReminder, StoreError};

/// How hard one delivery pass tries.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    /// Tries per reminder within one pass.
    pub attempts_per_pass: u32,
    /// First wait after a timeout or 5xx; doubled each time.
    pub backoff: Duration,
    /// The longest wait inside a pass; a longer Retry-After moves the
    /// reminder to a later pass instead.
    pub max_wait: Duration,
    /// Between any two posts in a workspace.
    pub workspace_spacing: Duration,
    /// Between two posts to the same channel.
    pub channel_spacing: Duration,
    /// When a reminder that used up its tries is tried again.
    pub retry_later: chrono::Duration,
    /// When a reminder Slack refused is tried again.
    pub retry_after_refusal: chrono::Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            attempts_per_pass: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            workspace_spacing: Duration::from_millis(250),
            channel_spacing: Duration::from_millis(1100),
            retry_later: chrono::Duration::minutes(1),
            retry_after_refusal: chrono::Duration::minutes(15),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub pending: usize,
    pub failed: usize,
    pub expired: usize,
}

/// Keeps posts apart, per workspace and per channel.
#[derive(Default)]
struct Pacer {
    last_in_workspace: HashMap<String, Instant>,
    last_in_channel: HashMap<String, Instant>,
}

impl Pacer {
    async fn wait_turn(&mut self, workspace: &str, channel: &str, policy: &DeliveryPolicy) {
        let now = Instant::now();
        let ready_at = [
            self.last_in_workspace
                .get(workspace)
                .map(|t| *t + policy.workspace_spacing),
            self.last_in_channel
                .get(channel)
                .map(|t| *t + policy.channel_spacing),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(ready_at) = ready_at.filter(|t| *t > now) {
            tokio::time::sleep_until(ready_at).await;
        }
        let posted = Instant::now();
        self.last_in_workspace.insert(workspace.to_string(), posted);
        self.last_in_channel.insert(channel.to_string(), posted);
    }
}

/// How long a pass holds a reminder it took: longer than one pass spends
/// on a reminder, so no other pass posts it meanwhile; if the pass dies,
/// the reminder is tried again after this.
const HOLD: chrono::Duration = chrono::Duration::minutes(5);

enum Attempts {
    Sent,
    /// Slack was busy or unreachable: another pass from this instant.
    Later(DateTime<Utc>, String),
    /// Slack refused it (say, the bot is not in the digest channel). That
    /// needs someone to act, which may well happen the same day, so it is
    /// tried again from this instant until its day ends.
    Refused(DateTime<Utc>, String),
    /// The stored message cannot be read back: no retry can help.
    Unreadable(String),
}

/// One delivery pass over every reminder due at `now`, after giving up
/// those whose day is over (a failure there is logged, and delivery goes on).
#[tracing::instrument(skip(ctx, policy))]
pub async fn deliver_due(
    ctx: &AppContext,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    match ctx.store.expire_reminders(now).await {
        Ok(expired) => {
            for expired in expired {
                report.expired += 1;
                tracing::error!(
                    job = %expired.kind, recipient = %expired.recipient, day = %expired.local_date,
                    last_error = expired.last_error.as_deref().unwrap_or("none"),
                    "gave up on a reminder: its day ended before Slack took it"
                );
            }
        }
        Err(error) => {
            tracing::error!(error = %causes::one_line(&error), "could not give up reminders whose day is over; delivering the rest");
        }
    }
    let due = ctx.store.due_reminders(now).await?;
    deliver(ctx, due, now, policy, report).await
}

/// A delivery pass over the reminders `ids` only (those a `run-job` stored),
/// whichever are still pending; `now` is the real clock's, for the claims.
#[tracing::instrument(skip(ctx, ids, policy), fields(reminders = ids.len()))]
pub async fn deliver_these(
    ctx: &AppContext,
    ids: &[i64],
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, StoreError> {
    let pending = ctx.store.pending_reminders(ids).await?;
    deliver(ctx, pending, now, policy, DeliveryReport::default()).await
}

async fn deliver(
    ctx: &AppContext,
    due: Vec<PendingReminder>,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
    mut report: DeliveryReport,
) -> Result<DeliveryReport, StoreError> {
    let mut pacer = Pacer::default();
    let total = due.len();
    for (index, reminder) in due.into_iter().enumerate() {
        // Another pass (`run-job` beside `serve`) may have taken it since.
        if !ctx.store.claim_reminder(&reminder, now + HOLD).await? {
            continue;
        }
        match attempt(ctx, &reminder, now, policy, &mut pacer).await {
            Attempts::Sent => {
                ctx.store.mark_reminder_sent(reminder.id, now).await?;
                report.sent += 1;
                tracing::info!(job = %reminder.kind, recipient = %reminder.recipient, workspace = %reminder.workspace, summary = %reminder.summary, "reminder sent");
            }
            Attempts::Later(next, error) => {
                ctx.store
                    .mark_reminder_retry(reminder.id, next, &error)
                    .await?;
                tracing::warn!(job = %reminder.kind, recipient = %reminder.recipient, %error, "reminder not delivered yet; will retry");
                // Slack is down or throttling us: the rest would only wait
                // out the same errors, so they wait for the next pass.
                report.pending += total - index;
                break;
            }
            Attempts::Refused(next, error) => {
                ctx.store
                    .mark_reminder_retry(reminder.id, next, &error)
                    .await?;
                report.pending += 1;
                tracing::error!(job = %reminder.kind, recipient = %reminder.recipient, %error, "Slack refused a reminder; will try again until its day ends");
            }
            Attempts::Unreadable(error) => {
                ctx.store.mark_reminder_failed(reminder.id, &error).await?;
                report.failed += 1;
                tracing::error!(job = %reminder.kind, recipient = %reminder.recipient, %error, "gave up on a reminder whose stored message cannot be read");
            }
        }
    }
    Ok(report)
}

async fn attempt(
    ctx: &AppContext,
    reminder: &PendingReminder,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
    pacer: &mut Pacer,
) -> Attempts {
    let content: SlackMessageContent = match serde_json::from_str(&reminder.message) {
        Ok(content) => content,
        Err(error) => return Attempts::Unreadable(format!("stored message unreadable: {error}")),
    };
    let mut backoff = policy.backoff;
    let mut last_error = String::new();
    for attempt in 1..=policy.attempts_per_pass {
        pacer
            .wait_turn(reminder.workspace.as_str(), &reminder.recipient, policy)
            .await;
        let error = match ctx
            .slack
            .post_message(&reminder.recipient, content.clone())
            .await
        {
            Ok(()) => return Attempts::Sent,
            Err(error) if !error.is_retryable() => {
                return Attempts::Refused(now + policy.retry_after_refusal, error.to_string())
            }
            Err(error) => error,
        };
        last_error = error.to_string();
        let wait = match error {
            SlackError::RateLimited { retry_after } => {
                retry_after.unwrap_or(Duration::from_secs(1))
            }
            _ => {
                let wait = backoff;
                backoff *= 2;
                wait
            }
        };
        if wait > policy.max_wait {
            let later = chrono::Duration::from_std(wait).unwrap_or(policy.retry_later);
            return Attempts::Later(now + later, last_error);
        }
        if attempt < policy.attempts_per_pass {
            ctx.clock.sleep(wait).await;
        }
    }
    Attempts::Later(now + policy.retry_later, last_error)
}
