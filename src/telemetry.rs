//! What an operator sees of a running `serve`: the metrics it records, by
//! name, in one place, and whether it is alive and ready ([`Health`]).
//! Every layer records through the functions here, so the names, their
//! labels and what each means live in one file (the README lists them).
//!
//! Metrics go to the `metrics` facade's global recorder, a Prometheus one,
//! installed once per process by [`prometheus`] and rendered by `serve`'s
//! own `/metrics` route. Global, because the events happen in every layer
//! and in spawned tasks on any thread, where a thread-local recorder
//! (`metrics::with_local_recorder`) would not follow them. Before it is
//! installed (`run-job`, `check`, `try`) recording does nothing. Tests run
//! many apps in one process, so they assert exact values only on a real
//! binary (a process of its own) and, in process, only on labels unique to
//! the test.
//!
//! Label values are bounded: routes, outcomes, kinds of command, jobs,
//! states and Slack methods are fixed sets; the one open label is the
//! workspace of the delivery rate, a handful per installation. No user ID
//! or text ever becomes a label.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests, by `route` and `outcome`.
pub const REQUESTS: &str = "coachbot_requests_total";
/// How long requests took, by `route`.
pub const REQUEST_SECONDS: &str = "coachbot_request_duration_seconds";
/// `/coach` commands answered, by `kind`.
pub const COMMANDS: &str = "coachbot_commands_total";
/// Reminders, by `job` and `state`.
pub const REMINDERS: &str = "coachbot_reminders_total";
/// Slack Web API calls, by `method` and `outcome`.
pub const SLACK_CALLS: &str = "coachbot_slack_calls_total";
/// Logged lines waiting for the writer.
pub const WRITER_QUEUE: &str = "coachbot_writer_queue_depth";
/// Lines per group commit.
pub const WRITER_BATCH: &str = "coachbot_writer_batch_lines";
/// Posts Slack took, by `workspace`.
pub const DELIVERED: &str = "coachbot_delivery_posts_total";
/// The learned post rate, by `workspace`.
pub const DELIVERY_RATE: &str = "coachbot_delivery_posts_per_second";
/// Seconds since the scheduler's last tick.
pub const TICK_AGE: &str = "coachbot_scheduler_last_tick_age_seconds";
/// Socket Mode connections open.
pub const SOCKETS: &str = "coachbot_socket_mode_connections";

/// Latency buckets: Slack's budget is 3 s, most answers take milliseconds.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process's Prometheus recorder, installed the first time it is
/// asked for; later calls (a second app in a test process) share it.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), SECONDS_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(WRITER_BATCH.into()), BATCH_BUCKETS)
            })
            .map(PrometheusBuilder::build_recorder)
            // The buckets are constants and not empty, the one way this fails.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Another recorder set first (none is, in this crate) keeps its place.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(REQUESTS, "Requests by route and outcome: HTTP routes, and Socket Mode envelopes as socket_mode/<kind>");
    describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "How long requests took to answer, by route"
    );
    describe_counter!(
        COMMANDS,
        "/coach commands answered, by kind (mistake: refused with an example)"
    );
    describe_counter!(
        REMINDERS,
        "Reminders by job and state: stored, sent, retry, refused, in_doubt, expired, failed"
    );
    describe_counter!(
        SLACK_CALLS,
        "Slack Web API calls by method and outcome (rate_limited is a 429)"
    );
    describe_gauge!(
        WRITER_QUEUE,
        "Logged lines waiting for the writer's next group commit"
    );
    describe_histogram!(WRITER_BATCH, "Lines stored per group commit");
    describe_counter!(DELIVERED, "Reminder posts Slack took, by workspace");
    describe_gauge!(
        DELIVERY_RATE,
        "The post rate delivery has learned for each workspace, per second"
    );
    describe_gauge!(
        TICK_AGE,
        metrics::Unit::Seconds,
        "Seconds since the scheduler last ticked"
    );
    describe_gauge!(SOCKETS, "Socket Mode connections Slack counted at its latest greeting; 0 after a socket error until the next");
}

/// The metrics as Prometheus text, with the scheduler's tick age as of `now`.
pub fn render(health: &Health, now: DateTime<Utc>) -> String {
    if let Some(age) = health.tick_age(now) {
        gauge!(TICK_AGE).set(age.as_secs_f64());
    }
    let handle = prometheus();
    handle.run_upkeep();
    handle.render()
}

/// Folds recorded histogram samples into their buckets, as rendering does;
/// run now and then so an unscraped process does not keep every sample.
pub fn upkeep() {
    prometheus().run_upkeep();
}

/// One request answered: counted by route and outcome, timed by route.
pub fn request(route: &'static str, outcome: &'static str, took: Duration) {
    counter!(REQUESTS, "route" => route, "outcome" => outcome).increment(1);
    histogram!(REQUEST_SECONDS, "route" => route).record(took.as_secs_f64());
}

/// The outcome label of an HTTP status.
pub fn outcome_of_status(status: u16) -> &'static str {
    match status {
        200..=299 => "ok",
        400 => "bad_request",
        401 => "refused",
        404 => "not_found",
        413 => "too_large",
        500..=599 => "error",
        _ => "other",
    }
}

pub fn command(kind: &'static str) {
    counter!(COMMANDS, "kind" => kind).increment(1);
}

pub fn reminders(job: &'static str, state: &'static str, count: u64) {
    counter!(REMINDERS, "job" => job, "state" => state).increment(count);
}

pub fn slack_call(method: &'static str, outcome: &'static str) {
    counter!(SLACK_CALLS, "method" => method, "outcome" => outcome).increment(1);
}

/// Lines waiting for the writer, as it takes a batch or a line is queued.
pub fn writer_queue(depth: usize) {
    gauge!(WRITER_QUEUE).set(depth as f64);
}

pub fn writer_batch(lines: usize) {
    histogram!(WRITER_BATCH).record(lines as f64);
}

/// A post Slack took in `workspace`, which delivers at `per_second` now.
pub fn delivered(workspace: &str, per_second: Option<u32>) {
    counter!(DELIVERED, "workspace" => workspace.to_string()).increment(1);
    if let Some(rate) = per_second {
        gauge!(DELIVERY_RATE, "workspace" => workspace.to_string()).set(f64::from(rate));
    }
}

/// What `/healthz` and `/readyz` read besides the database: set by startup,
/// the scheduler and Socket Mode; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Health(Arc<HealthState>);

#[derive(Debug, Default)]
struct HealthState {
    /// Everything `serve` starts is running.
    started: AtomicBool,
    /// The scheduler's interval and its last tick (or its start), when it runs.
    scheduler: Mutex<Option<(Duration, DateTime<Utc>)>>,
    /// Set when Socket Mode is configured: the sockets open.
    socket_mode: Mutex<Option<u32>>,
}

/// Why `/readyz` says not ready; `Display` is the body it answers with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotReady {
    #[error(
        "starting: the database is migrated, the scheduler and Socket Mode are not running yet"
    )]
    Starting,
    #[error("the scheduler has not ticked for {}s (it ticks every {}s)", .since.as_secs(), .every.as_secs())]
    SchedulerStalled { since: Duration, every: Duration },
    #[error("Socket Mode is configured and no socket to Slack is up")]
    NoSocket,
}

/// The scheduler is stalled after this many of its intervals without a tick.
const STALLED_AFTER_TICKS: u32 = 3;

impl Health {
    /// `serve` has started everything it runs.
    pub fn started(&self) {
        self.0.started.store(true, Ordering::Relaxed);
    }

    /// The scheduler starts at `now`, ticking every `every`.
    pub fn scheduler_runs(&self, every: Duration, now: DateTime<Utc>) {
        *lock(&self.0.scheduler) = Some((every, now));
    }

    /// The scheduler finished a tick at `now`.
    pub fn ticked(&self, now: DateTime<Utc>) {
        if let Some((_, last)) = lock(&self.0.scheduler).as_mut() {
            *last = now;
        }
    }

    /// Socket Mode is configured; no socket is up yet.
    pub fn socket_mode_configured(&self) {
        *lock(&self.0.socket_mode) = Some(0);
        gauge!(SOCKETS).set(0.0);
    }

    /// Slack greeted a socket and counts `open` connections of this app.
    pub fn sockets_up(&self, open: u32) {
        *lock(&self.0.socket_mode) = Some(open.max(1));
        gauge!(SOCKETS).set(f64::from(open.max(1)));
    }

    /// A socket broke; the listener reconnects, and the next greeting
    /// counts again.
    pub fn socket_broke(&self) {
        if lock(&self.0.socket_mode).is_some() {
            *lock(&self.0.socket_mode) = Some(0);
            gauge!(SOCKETS).set(0.0);
        }
    }

    fn tick_age(&self, now: DateTime<Utc>) -> Option<Duration> {
        lock(&self.0.scheduler).map(|(_, last)| (now - last).to_std().unwrap_or_default())
    }

    /// Ready to serve at `now`, or the first reason it is not.
    pub fn readiness(&self, now: DateTime<Utc>) -> Result<(), NotReady> {
        if !self.0.started.load(Ordering::Relaxed) {
            return Err(NotReady::Starting);
        }
        if let Some((every, last)) = *lock(&self.0.scheduler) {
            let since = (now - last).to_std().unwrap_or_default();
            if since > every * STALLED_AFTER_TICKS {
                return Err(NotReady::SchedulerStalled { since, every });
            }
        }
        if *lock(&self.0.socket_mode) == Some(0) {
            return Err(NotReady::NoSocket);
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        "2026-12-01T10:00:00Z".parse().expect("instant")
    }

    #[test]
    fn not_ready_until_started() {
        let health = Health::default();
        assert_eq!(health.readiness(start()), Err(NotReady::Starting));
        health.started();
        assert_eq!(health.readiness(start()), Ok(()));
    }

    #[test]
    fn the_scheduler_is_stalled_after_three_intervals_without_a_tick() {
        let health = Health::default();
        health.started();
        let every = Duration::from_secs(20);
        health.scheduler_runs(every, start());
        assert_eq!(
            health.readiness(start() + chrono::Duration::seconds(60)),
            Ok(())
        );
        let late = start() + chrono::Duration::seconds(61);
        assert_eq!(
            health.readiness(late),
            Err(NotReady::SchedulerStalled {
                since: Duration::from_secs(61),
                every
            })
        );
        health.ticked(late);
        assert_eq!(health.readiness(late), Ok(()));
    }

    #[test]
    fn socket_mode_is_ready_while_a_socket_is_up() {
        let health = Health::default();
        health.started();
        health.socket_broke();
        assert_eq!(health.readiness(start()), Ok(()), "not configured");
        health.socket_mode_configured();
        assert_eq!(health.readiness(start()), Err(NotReady::NoSocket));
        health.sockets_up(2);
        assert_eq!(health.readiness(start()), Ok(()));
        health.socket_broke();
        assert_eq!(health.readiness(start()), Err(NotReady::NoSocket));
    }

    #[test]
    fn every_status_has_a_bounded_outcome() {
        assert_eq!(outcome_of_status(200), "ok");
        assert_eq!(outcome_of_status(401), "refused");
        assert_eq!(outcome_of_status(413), "too_large");
        assert_eq!(outcome_of_status(503), "error");
        assert_eq!(outcome_of_status(302), "other");
    }
}
