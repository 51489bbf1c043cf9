//! Sends pending reminders, each exactly once if Slack takes it before its
//! day ends. Posts leave at the pace learned per workspace ([`pace`]),
//! several in flight at once. Each attempt claims its row for one call
//! (the call timeout plus a margin, from the claim) under a token its
//! outcome is marked with, and carries the reminder's ID in the message's
//! metadata. A post whose outcome is unknown (it timed out, or the process
//! died mid-post) is in doubt: once its call has surely ended it is looked
//! up in its conversation's history, marked sent if Slack has it and posted
//! only if not; a doubt its day outlives is given up and logged, never
//! posted blind. 429s are waited out (and slow the pace), timeouts and 5xx
//! retried with backoff; what still fails stays pending for a later pass
//! until its day is over.

pub mod pace;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use slack_morphism::prelude::{SlackMessageContent, SlackMessageMetadata};
use tokio::task::JoinSet;

use super::AppContext;
use crate::causes;
use crate::clock::Clock;
use crate::domain::WorkspaceId;
use crate::slack::{Posted, SlackError};
use crate::store::{Claim, PendingReminder, PostedAt, Retry, StoreError};
use crate::telemetry;
use pace::Pace;

pub use pace::Deliveries;

/// The metadata every reminder is posted with, so that a post in doubt
/// can be found in its conversation: `event_type` and the payload key
/// holding the reminder's ID.
pub const METADATA_EVENT_TYPE: &str = "coachbot_reminder";
pub const METADATA_REMINDER_ID: &str = "reminder_id";

/// A claim holds its reminder for the call timeout plus half of it, and at
/// least this more: long enough that the call has surely ended when the
/// lease lapses (leases are stored to the second).
const LEASE_MARGIN: Duration = Duration::from_secs(2);
/// How often a `run-job` waiting for a workspace's delivery turn looks
/// again.
const TURN_LOOKS_EVERY: Duration = Duration::from_secs(1);
/// The history is read from a little before the claim, in case Slack's
/// clock is behind ours.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(2);

/// How hard one delivery pass tries.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    /// Tries per reminder within one pass.
    pub attempts_per_pass: u32,
    /// First wait after a 5xx; doubled each time.
    pub backoff: Duration,
    /// The longest wait inside a pass; a longer Retry-After moves the
    /// reminder to a later pass instead.
    pub max_wait: Duration,
    /// Between two posts to the same channel.
    pub channel_spacing: Duration,
    /// When a reminder that used up its tries is tried again.
    pub retry_later: chrono::Duration,
    /// When a reminder Slack refused is tried again.
    pub retry_after_refusal: chrono::Duration,
    /// Reminders a worker reads at a time: a notice stored meanwhile waits
    /// at most this many posts.
    pub batch: u32,
    /// Posts under way at once in a pass, so that Slack's answer time
    /// does not cap the rate.
    pub posts_in_flight: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            attempts_per_pass: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            channel_spacing: Duration::from_millis(1100),
            retry_later: chrono::Duration::minutes(1),
            retry_after_refusal: chrono::Duration::minutes(15),
            batch: 20,
            posts_in_flight: 16,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub pending: usize,
    pub failed: usize,
    pub expired: usize,
    /// Of those pending, posts whose outcome is unknown until looked up.
    pub in_doubt: usize,
    /// Of those pending, reminders left to the process that kept the
    /// workspace's delivery turn while this one waited for it.
    pub left_to_others: usize,
    /// Reminders the process holding the workspace's delivery turn took
    /// over (delivered, or gave up on) while this one waited for it.
    pub taken_by_others: usize,
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.sent += other.sent;
        self.pending += other.pending;
        self.failed += other.failed;
        self.expired += other.expired;
        self.in_doubt += other.in_doubt;
        self.left_to_others += other.left_to_others;
        self.taken_by_others += other.taken_by_others;
    }
}

/// The time of one pass: it reads `from` when the pass begins and runs on
/// as the app's clock moves (a test's fixed clock is moved by the pass's
/// own waits), so leases count from each claim.
#[derive(Debug, Clone)]
pub struct PassClock {
    from: DateTime<Utc>,
    clock_at_start: DateTime<Utc>,
    clock: Clock,
}

impl PassClock {
    pub fn starting(clock: &Clock, from: DateTime<Utc>) -> Self {
        Self {
            from,
            clock_at_start: clock.now(),
            clock: clock.clone(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.from + (self.clock.now() - self.clock_at_start)
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        if at > self.now() {
            self.clock
                .sleep_until(self.clock_at_start + (at - self.from))
                .await;
        }
    }

    async fn sleep(&self, wait: Duration) {
        self.clock.sleep(wait).await;
    }
}

/// What one attempt at a reminder came to.
enum Outcome {
    Sent,
    /// Slack is down or throttling hard: pending, and the pass stops.
    Later,
    /// Slack refused it; pending, tried again until its day ends.
    Refused,
    /// Slack may have taken it: pending until looked up.
    InDoubt,
    /// The stored message cannot be read back: no retry can help.
    Unreadable,
    /// Another worker holds it.
    Held,
}

impl Outcome {
    /// The reminder's state it leaves, for the metrics; `None` when
    /// another worker has it.
    fn state(&self) -> Option<&'static str> {
        match self {
            Outcome::Sent => Some("sent"),
            Outcome::Later => Some("retry"),
            Outcome::Refused => Some("refused"),
            Outcome::InDoubt => Some("in_doubt"),
            Outcome::Unreadable => Some("failed"),
            Outcome::Held => None,
        }
    }
}

/// Gives up on reminders whose day is over, logging each (a failure there
/// is logged, and delivery goes on).
async fn expire(ctx: &AppContext, now: DateTime<Utc>) -> usize {
    match ctx.store.expire_reminders(now).await {
        Ok(expired) => {
            for expired in &expired {
                telemetry::reminders(expired.kind.name(), "expired", 1);
                let last_error = expired.last_error.as_deref().unwrap_or("none");
                if expired.in_doubt {
                    tracing::error!(
                        job = %expired.kind, recipient = %expired.recipient, day = %expired.local_date, last_error,
                        "gave up on a reminder in doubt: Slack may have taken it, and its conversation could not be looked up before its day ended; it was not posted again"
                    );
                } else {
                    tracing::error!(
                        job = %expired.kind, recipient = %expired.recipient, day = %expired.local_date, last_error,
                        "gave up on a reminder: its day ended before Slack took it"
                    );
                }
            }
            expired.len()
        }
        Err(error) => {
            tracing::error!(error = %causes::one_line(&error), "could not give up reminders whose day is over; delivering the rest");
            0
        }
    }
}

/// One delivery step for `workspace` at `now`: gives up what is over, then
/// delivers one batch of what is due, notices first, in this process's
/// turn; `true` with it when more may be due at once. The turn is taken
/// only when something is due, so a process with nothing to deliver lets
/// its turn run out for one that has (a `run-job`, another replica).
#[tracing::instrument(skip(ctx, policy), fields(workspace = %workspace))]
pub async fn deliver_next(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<(DeliveryReport, bool), StoreError> {
    let report = DeliveryReport {
        expired: expire(ctx, now).await,
        ..DeliveryReport::default()
    };
    let due = ctx
        .store
        .due_reminders(workspace, now, policy.batch)
        .await?;
    // Another process delivers this workspace now, at the pace it has
    // learned; if it stops, its turn runs out and this one takes over.
    if due.is_empty() || !take_turn(ctx, workspace, now, policy).await? {
        return Ok((report, false));
    }
    let full = due.len() == policy.batch as usize;
    let pass = PassClock::starting(&ctx.clock, now);
    let (report, stopped) = deliver(ctx, due, &pass, policy, report).await?;
    Ok((report, full && !stopped))
}

/// Takes (or keeps) this process's turn to deliver `workspace` at `now`,
/// for a batch, and holds its pace until a `Retry-After` whoever posted
/// last met; `false` while another process's turn runs.
async fn take_turn(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<bool, StoreError> {
    let Some(turn) = ctx
        .store
        .take_delivery_turn(
            workspace,
            ctx.deliveries.holder(),
            now,
            now + turn_length(ctx, policy),
        )
        .await?
    else {
        return Ok(false);
    };
    if let Some(held_until) = turn.held_until {
        ctx.deliveries
            .pace(workspace, ctx.settings.delivery, now)
            .hold_until(held_until);
    }
    Ok(true)
}

/// Everything due at `now` in every workspace, batch after batch, after
/// giving up what is over: the scheduler's [`crate::scheduler::tick`],
/// which tests drive.
#[tracing::instrument(skip(ctx, policy))]
pub async fn deliver_due(
    ctx: &AppContext,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    for workspace in ctx.store.workspaces_with_pending_reminders().await? {
        loop {
            let (step, more) = deliver_next(ctx, &workspace, now, policy).await?;
            report.add(step);
            if !more {
                break;
            }
        }
    }
    Ok(report)
}

/// A delivery pass over the reminders `ids` only (those a `run-job` stored),
/// whichever are still pending; `now` is the real clock's, for the claims
/// and turns. Each workspace's batch is posted in this process's turn, as
/// `serve` posts: while another process holds the turn, it waits up to a
/// turn's length (a holder with nothing more to post lets it run out by
/// then) and leaves what is left to that process.
#[tracing::instrument(skip(ctx, ids, policy), fields(reminders = ids.len()))]
pub async fn deliver_these(
    ctx: &AppContext,
    ids: &[i64],
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<DeliveryReport, StoreError> {
    let pass = PassClock::starting(&ctx.clock, now);
    let mut by_workspace: BTreeMap<WorkspaceId, Vec<PendingReminder>> = BTreeMap::new();
    for reminder in ctx.store.pending_reminders(ids).await? {
        by_workspace
            .entry(reminder.workspace.clone())
            .or_default()
            .push(reminder);
    }
    let mut report = DeliveryReport::default();
    for (workspace, pending) in by_workspace {
        report = deliver_in_turn(ctx, &workspace, pending, &pass, policy, report).await?;
    }
    Ok(report)
}

/// Delivers `pending`, all in `workspace`, a batch per turn taken; see
/// [`deliver_these`].
#[tracing::instrument(skip(ctx, pending, pass, policy, report), fields(workspace = %workspace))]
async fn deliver_in_turn(
    ctx: &AppContext,
    workspace: &WorkspaceId,
    mut pending: Vec<PendingReminder>,
    pass: &PassClock,
    policy: &DeliveryPolicy,
    mut report: DeliveryReport,
) -> Result<DeliveryReport, StoreError> {
    let mut waiting_since = None;
    while !pending.is_empty() {
        let now = pass.now();
        if take_turn(ctx, workspace, now, policy).await? {
            waiting_since = None;
            let rest = pending.split_off(pending.len().min(policy.batch.max(1) as usize));
            let stopped;
            (report, stopped) = deliver(ctx, pending, pass, policy, report).await?;
            pending = rest;
            if stopped {
                report.pending += pending.len();
                break;
            }
            continue;
        }
        let since = *waiting_since.get_or_insert_with(|| {
            tracing::info!(
                reminders = pending.len(),
                "another process is delivering this workspace's reminders; waiting for its turn to end"
            );
            now
        });
        let wait = turn_length(ctx, policy);
        if now - since >= wait {
            tracing::warn!(
                reminders = pending.len(),
                waited_seconds = wait.num_seconds(),
                "another process kept this workspace's delivery turn for the whole wait; its reminders are left pending for that process to deliver"
            );
            report.pending += pending.len();
            report.left_to_others += pending.len();
            break;
        }
        pass.sleep(TURN_LOOKS_EVERY).await;
        // The holder delivers whatever is due in the workspace, these too.
        let ids: Vec<i64> = pending.iter().map(|reminder| reminder.id).collect();
        let still = ctx.store.pending_reminders(&ids).await?;
        report.taken_by_others += pending.len() - still.len();
        pending = still;
    }
    Ok(report)
}

/// Sends `due` in order, each post leaving at its turn in its workspace's
/// pace, several in flight; `true` with the report when Slack looked down
/// and the rest were left for a later pass.
async fn deliver(
    ctx: &AppContext,
    due: Vec<PendingReminder>,
    pass: &PassClock,
    policy: &DeliveryPolicy,
    mut report: DeliveryReport,
) -> Result<(DeliveryReport, bool), StoreError> {
    let in_flight_at_most = policy.posts_in_flight.max(1);
    let mut paces: HashMap<WorkspaceId, Pace> = HashMap::new();
    let mut in_flight = JoinSet::new();
    let mut stopped = false;
    for reminder in due {
        while let Some(done) = in_flight.try_join_next() {
            stopped |= tally(done, &mut report)?;
        }
        if !stopped && in_flight.len() >= in_flight_at_most {
            if let Some(done) = in_flight.join_next().await {
                stopped |= tally(done, &mut report)?;
            }
        }
        if stopped {
            report.pending += 1;
            continue;
        }
        let pace = paces
            .entry(reminder.workspace.clone())
            .or_insert_with(|| {
                ctx.deliveries
                    .pace(&reminder.workspace, ctx.settings.delivery, pass.now())
            })
            .clone();
        let turn = pace.turn(&reminder.recipient, pass.now(), policy.channel_spacing);
        pass.sleep_until(turn).await;
        in_flight.spawn(attempt(
            ctx.clone(),
            reminder,
            pace,
            pass.clone(),
            policy.clone(),
        ));
    }
    while let Some(done) = in_flight.join_next().await {
        stopped |= tally(done, &mut report)?;
    }
    Ok((report, stopped))
}

/// Counts an attempt's outcome; `true` when the pass should stop.
fn tally(
    done: Result<Result<Outcome, StoreError>, tokio::task::JoinError>,
    report: &mut DeliveryReport,
) -> Result<bool, StoreError> {
    let outcome = match done {
        Ok(outcome) => outcome?,
        Err(error) => {
            tracing::error!(%error, "a delivery attempt stopped unexpectedly; its reminder is tried again once its claim lapses");
            return Ok(false);
        }
    };
    match outcome {
        Outcome::Sent => report.sent += 1,
        Outcome::Later => {
            report.pending += 1;
            return Ok(true);
        }
        Outcome::Refused => report.pending += 1,
        Outcome::InDoubt => {
            report.pending += 1;
            report.in_doubt += 1;
        }
        Outcome::Unreadable => report.failed += 1,
        Outcome::Held => {}
    }
    Ok(false)
}

/// How long a turn to deliver a workspace lasts: a batch, each post to
/// one channel at the slowest, and a claim's lease for the last one. It is
/// taken again before each batch.
fn turn_length(ctx: &AppContext, policy: &DeliveryPolicy) -> chrono::Duration {
    let batch = policy.channel_spacing * policy.batch;
    lease(ctx) + chrono::Duration::from_std(batch).unwrap_or(chrono::Duration::minutes(5))
}

/// How long a claim holds its reminder: one call and a margin.
fn lease(ctx: &AppContext) -> chrono::Duration {
    let call = ctx.slack.api().call_timeout();
    chrono::Duration::from_std(call + (call / 2).max(LEASE_MARGIN))
        .unwrap_or(chrono::Duration::minutes(5))
}

/// One reminder, its turn taken: claimed, looked up first if an earlier
/// post of it is in doubt, then posted (with retries, each renewing the
/// claim) and its outcome marked under the claim's token.
#[tracing::instrument(skip_all, fields(id = reminder.id, job = %reminder.kind, recipient = %reminder.recipient, workspace = %reminder.workspace))]
async fn attempt(
    ctx: AppContext,
    reminder: PendingReminder,
    pace: Pace,
    pass: PassClock,
    policy: DeliveryPolicy,
) -> Result<Outcome, StoreError> {
    let (job, workspace) = (reminder.kind.name(), reminder.workspace.clone());
    let summary = reminder.summary.clone();
    let outcome = attempt_once(ctx.clone(), reminder, pace, pass, policy).await?;
    if let Some(state) = outcome.state() {
        telemetry::reminders(job, state, 1);
    }
    if let Outcome::Sent = outcome {
        telemetry::delivered(
            workspace.as_str(),
            ctx.deliveries.posts_per_second(&workspace),
        );
        // Logged once it is counted, so whoever reads the line finds the
        // metrics agree.
        tracing::info!(%summary, "reminder sent");
    }
    Ok(outcome)
}

async fn attempt_once(
    ctx: AppContext,
    reminder: PendingReminder,
    pace: Pace,
    pass: PassClock,
    policy: DeliveryPolicy,
) -> Result<Outcome, StoreError> {
    let claimed_at = pass.now();
    let Some(claim) = ctx
        .store
        .claim_reminder(reminder.id, claimed_at, claimed_at + lease(&ctx))
        .await?
    else {
        return Ok(Outcome::Held);
    };
    let mut content: SlackMessageContent = match serde_json::from_str(&reminder.message) {
        Ok(content) => content,
        Err(error) => {
            let error = format!("stored message unreadable: {error}");
            ctx.store
                .mark_reminder_failed(reminder.id, &claim.token, &error)
                .await?;
            tracing::error!(%error, "gave up on a reminder whose stored message cannot be read");
            return Ok(Outcome::Unreadable);
        }
    };
    if let Some(since) = claim.in_doubt_since {
        match look_up(&ctx, &reminder, &claim, since, &pace, &pass, &policy).await {
            LookedUp::Found(posted) => {
                return sent(&ctx, &reminder, &claim, &pass, Some(posted)).await
            }
            LookedUp::NotFound => {
                tracing::info!("a post in doubt is not in its conversation: posting it");
                // The lookup's calls took time of the lease: the post gets a whole one.
                let now = pass.now();
                if !ctx
                    .store
                    .renew_claim(reminder.id, &claim.token, now + lease(&ctx))
                    .await?
                {
                    return Ok(Outcome::Held);
                }
            }
            LookedUp::NotYet(retry) => {
                hand_back(&ctx, &reminder, &claim, &retry).await?;
                return Ok(Outcome::InDoubt);
            }
        }
    }
    content.metadata = Some(SlackMessageMetadata {
        event_type: METADATA_EVENT_TYPE.to_string(),
        event_payload: Some(std::collections::HashMap::from([(
            METADATA_REMINDER_ID.to_string(),
            reminder.id.to_string(),
        )])),
    });
    post(&ctx, &reminder, content, &claim, &pace, &pass, &policy).await
}

/// Posts, retrying within the pass; the first post's turn is already taken.
async fn post(
    ctx: &AppContext,
    reminder: &PendingReminder,
    content: SlackMessageContent,
    claim: &Claim,
    pace: &Pace,
    pass: &PassClock,
    policy: &DeliveryPolicy,
) -> Result<Outcome, StoreError> {
    let mut backoff = policy.backoff;
    let mut last_error = String::new();
    for attempt in 1..=policy.attempts_per_pass {
        if attempt > 1 {
            let turn = pace.turn(&reminder.recipient, pass.now(), policy.channel_spacing);
            pass.sleep_until(turn).await;
            let now = pass.now();
            if !ctx
                .store
                .renew_claim(reminder.id, &claim.token, now + lease(ctx))
                .await?
            {
                tracing::warn!(
                    "lost the claim on a reminder between retries; its holder delivers it"
                );
                return Ok(Outcome::Held);
            }
        }
        let posted_at = pass.now();
        let posting = async {
            ctx.slack
                .client_for(&reminder.workspace)
                .await?
                .post_message(&reminder.recipient, content.clone())
                .await
        };
        let error = match posting.await {
            Ok(posted) => {
                tracing::debug!("Slack took the reminder; marking it sent");
                return sent(ctx, reminder, claim, pass, posted.map(posted_here)).await;
            }
            Err(SlackError::Unknown) => {
                // Slack may have it: looked up once the call has surely
                // ended, never posted blind.
                let retry = Retry {
                    next_attempt_at: posted_at + lease(ctx),
                    error: SlackError::Unknown.to_string(),
                    in_doubt: true,
                    channel: None,
                };
                hand_back(ctx, reminder, claim, &retry).await?;
                tracing::warn!("a post timed out; it is looked up in its conversation before it is ever posted again");
                return Ok(Outcome::InDoubt);
            }
            Err(error) if !error.is_retryable() => {
                let retry = Retry {
                    next_attempt_at: pass.now() + policy.retry_after_refusal,
                    error: error.to_string(),
                    in_doubt: false,
                    channel: None,
                };
                hand_back(ctx, reminder, claim, &retry).await?;
                tracing::error!(%error, "Slack refused a reminder; will try again until its day ends");
                return Ok(Outcome::Refused);
            }
            Err(error) => error,
        };
        last_error = error.to_string();
        let wait = match error {
            SlackError::RateLimited { retry_after } => {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                pace.throttled(pass.now(), wait);
                let until = pass.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                ctx.store
                    .hold_deliveries(&reminder.workspace, until)
                    .await?;
                wait
            }
            _ => {
                let wait = backoff;
                backoff *= 2;
                wait
            }
        };
        if wait > policy.max_wait {
            let later = chrono::Duration::from_std(wait).unwrap_or(policy.retry_later);
            return later_pass(ctx, reminder, claim, pass.now() + later, last_error).await;
        }
        if attempt < policy.attempts_per_pass {
            pass.sleep(wait).await;
        }
    }
    later_pass(
        ctx,
        reminder,
        claim,
        pass.now() + policy.retry_later,
        last_error,
    )
    .await
}

/// Slack was busy or unreachable: pending for a pass from `next`.
async fn later_pass(
    ctx: &AppContext,
    reminder: &PendingReminder,
    claim: &Claim,
    next: DateTime<Utc>,
    error: String,
) -> Result<Outcome, StoreError> {
    tracing::warn!(%error, "reminder not delivered yet; will retry");
    let retry = Retry {
        next_attempt_at: next,
        error,
        in_doubt: false,
        channel: None,
    };
    hand_back(ctx, reminder, claim, &retry).await?;
    Ok(Outcome::Later)
}

fn posted_here(posted: Posted) -> PostedAt {
    PostedAt {
        channel: posted.channel,
        ts: posted.ts,
    }
}

async fn sent(
    ctx: &AppContext,
    reminder: &PendingReminder,
    claim: &Claim,
    pass: &PassClock,
    posted: Option<PostedAt>,
) -> Result<Outcome, StoreError> {
    let held = ctx
        .store
        .mark_reminder_sent(reminder.id, &claim.token, pass.now(), posted.as_ref())
        .await?;
    if !held {
        tracing::warn!("a reminder's claim lapsed before Slack's answer came; marked sent all the same, as Slack took it");
    }
    Ok(Outcome::Sent)
}

async fn hand_back(
    ctx: &AppContext,
    reminder: &PendingReminder,
    claim: &Claim,
    retry: &Retry,
) -> Result<(), StoreError> {
    if !ctx
        .store
        .mark_reminder_retry(reminder.id, &claim.token, retry)
        .await?
    {
        tracing::warn!(
            "a reminder's claim lapsed before its outcome was marked; its new holder decides"
        );
    }
    Ok(())
}

/// What the conversation's history says of a post in doubt.
enum LookedUp {
    Found(PostedAt),
    NotFound,
    /// It cannot be told yet: handed back, still in doubt.
    NotYet(Retry),
}

/// Looks a post in doubt since `since` up in its conversation, within the
/// workspace's one `conversations.history` call a minute.
async fn look_up(
    ctx: &AppContext,
    reminder: &PendingReminder,
    claim: &Claim,
    since: DateTime<Utc>,
    pace: &Pace,
    pass: &PassClock,
    policy: &DeliveryPolicy,
) -> LookedUp {
    let now = pass.now();
    let not_yet = |next_attempt_at, error: String, channel: Option<String>| {
        LookedUp::NotYet(Retry {
            next_attempt_at,
            error,
            in_doubt: true,
            channel,
        })
    };
    if let Err(free_at) = pace.history_call(now) {
        return not_yet(
            free_at,
            "in doubt: waiting for the workspace's next history lookup".into(),
            None,
        );
    }
    let slack = match ctx.slack.client_for(&reminder.workspace).await {
        Ok(slack) => slack,
        Err(error) => return not_yet(now + policy.retry_later, format!("in doubt: {error}"), None),
    };
    let channel = match &claim.channel {
        Some(channel) => channel.clone(),
        // A DM's history is read by its D… ID, which only Slack knows.
        None if reminder.recipient.starts_with(['U', 'W']) => {
            match slack.open_dm(&reminder.recipient).await {
                Ok(channel) => channel,
                Err(error) => {
                    return not_yet(now + policy.retry_later, format!("in doubt: {error}"), None)
                }
            }
        }
        None => reminder.recipient.clone(),
    };
    match slack
        .find_by_metadata(
            &channel,
            since - CLOCK_SKEW,
            METADATA_EVENT_TYPE,
            METADATA_REMINDER_ID,
            &reminder.id.to_string(),
        )
        .await
    {
        Ok(Some(ts)) => {
            tracing::info!("a post in doubt is in its conversation: Slack took it");
            LookedUp::Found(PostedAt { channel, ts })
        }
        Ok(None) => LookedUp::NotFound,
        Err(SlackError::RateLimited { retry_after }) => {
            let wait = retry_after.unwrap_or(Duration::from_secs(60));
            pace.history_throttled(now, wait);
            not_yet(
                now + chrono::Duration::from_std(wait).unwrap_or(policy.retry_later),
                "in doubt: the history lookup was rate limited".into(),
                Some(channel),
            )
        }
        Err(error) => not_yet(
            now + policy.retry_later,
            format!("in doubt: {error}"),
            Some(channel),
        ),
    }
}
