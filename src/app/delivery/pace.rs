//! How fast this process posts to each workspace, learned from Slack's
//! answers and kept across delivery passes: `chat.postMessage` at a rate
//! that starts at `delivery.posts_per_second`, rises by one each second of
//! posting without a 429 up to `delivery.max_posts_per_second`, and halves
//! on a 429, whose `Retry-After` holds every post; one post per second per
//! channel; and `conversations.history`, which Slack allows apps outside
//! its Marketplace once a minute, kept for the few posts in doubt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::config::DeliverySettings;
use crate::domain::WorkspaceId;

/// Between two `conversations.history` calls in one workspace.
const HISTORY_EVERY: chrono::Duration = chrono::Duration::minutes(1);
/// A channel's next free turn is forgotten once it is this far past.
const CHANNELS_KEPT: usize = 4096;

/// What delivery shares across passes and workers in this process: each
/// workspace's pace, and the signals that wake delivery and count its
/// passes. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Deliveries {
    paces: Arc<Mutex<HashMap<WorkspaceId, Arc<Mutex<WorkspacePace>>>>>,
    /// Bumped when something may be due at once: a change stored a notice,
    /// the scheduler stored reminders.
    wanted: watch::Sender<u64>,
    /// Counts the delivery passes the workers finished, for whoever waits.
    passes: watch::Sender<u64>,
    /// This process's name in the turns to deliver each workspace.
    holder: Arc<str>,
}

impl Default for Deliveries {
    fn default() -> Self {
        Self {
            paces: Arc::default(),
            wanted: watch::channel(0).0,
            passes: watch::channel(0).0,
            holder: holder_name().into(),
        }
    }
}

/// A name no other process has: the host, the process ID and a random
/// number (the standard library's hasher keys are random per process).
fn holder_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("{}:{}:{random:016x}", host.trim(), std::process::id())
}

impl Deliveries {
    /// Something may be due now: delivery looks at once, not at the next
    /// scheduler tick.
    pub fn wake(&self) {
        self.wanted.send_modify(|count| *count += 1);
    }

    /// Changes each time [`Deliveries::wake`] is called.
    pub fn wanted(&self) -> watch::Receiver<u64> {
        self.wanted.subscribe()
    }

    /// A delivery pass finished.
    pub fn pass_done(&self) {
        self.passes.send_modify(|count| *count += 1);
    }

    /// How many delivery passes have finished, as they happen.
    pub fn passes(&self) -> watch::Receiver<u64> {
        self.passes.subscribe()
    }

    /// This process's name in the turns to deliver each workspace.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// `workspace`'s pace, begun at `now` with `settings` the first time.
    pub fn pace(
        &self,
        workspace: &WorkspaceId,
        settings: DeliverySettings,
        now: DateTime<Utc>,
    ) -> Pace {
        let mut paces = lock(&self.paces);
        Pace(
            paces
                .entry(workspace.clone())
                .or_insert_with(|| Arc::new(Mutex::new(WorkspacePace::new(settings, now))))
                .clone(),
        )
    }

    /// The posts per second delivery has learned for `workspace`, if it
    /// has posted there.
    pub fn posts_per_second(&self, workspace: &WorkspaceId) -> Option<u32> {
        lock(&self.paces)
            .get(workspace)
            .map(|pace| lock(pace).per_second)
    }
}

/// One workspace's pace, shared by its attempts.
#[derive(Clone, Debug)]
pub struct Pace(Arc<Mutex<WorkspacePace>>);

impl Pace {
    /// The instant a post to `channel` may leave, asked at `now`; that
    /// turn is taken.
    pub fn turn(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        channel_spacing: Duration,
    ) -> DateTime<Utc> {
        lock(&self.0).turn(channel, now, to_chrono(channel_spacing))
    }

    /// Nothing leaves before `until`: a 429 another process met.
    pub fn hold_until(&self, until: DateTime<Utc>) {
        let mut pace = lock(&self.0);
        pace.held_until = pace.held_until.max(until);
    }

    /// Slack answered a post with 429: half the rate, and nothing before
    /// `retry_after` has passed.
    pub fn throttled(&self, now: DateTime<Utc>, retry_after: Duration) {
        lock(&self.0).throttled(now, to_chrono(retry_after));
    }

    /// Takes the workspace's `conversations.history` call at `now`, or
    /// says from when one is free.
    pub fn history_call(&self, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut pace = lock(&self.0);
        match pace.history_free_at {
            Some(free_at) if free_at > now => Err(free_at),
            _ => {
                pace.history_free_at = Some(now + HISTORY_EVERY);
                Ok(())
            }
        }
    }

    /// `conversations.history` answered 429: no call before `retry_after`.
    pub fn history_throttled(&self, now: DateTime<Utc>, retry_after: Duration) {
        let mut pace = lock(&self.0);
        let until = now + to_chrono(retry_after).max(HISTORY_EVERY);
        pace.history_free_at = pace.history_free_at.max(Some(until));
    }
}

#[derive(Debug)]
struct WorkspacePace {
    /// Posts a second now.
    per_second: u32,
    /// The ceiling the rate rises to.
    max_per_second: u32,
    /// Since when posts have gone without a 429: each whole second of it
    /// adds one post a second.
    rising_since: DateTime<Utc>,
    /// The last turn handed out, to tell sending from idling (idle
    /// seconds do not raise the rate).
    last_turn: Option<DateTime<Utc>>,
    /// The earliest the next post in the workspace may leave.
    next_turn: DateTime<Utc>,
    /// Nothing leaves before this: a 429's `Retry-After`.
    held_until: DateTime<Utc>,
    /// Each channel's next free turn (one post per second per channel).
    channels: HashMap<String, DateTime<Utc>>,
    /// When `conversations.history` may be called again.
    history_free_at: Option<DateTime<Utc>>,
}

impl WorkspacePace {
    fn new(settings: DeliverySettings, now: DateTime<Utc>) -> Self {
        Self {
            per_second: settings.posts_per_second.max(1),
            max_per_second: settings.max_posts_per_second.max(1),
            rising_since: now,
            last_turn: None,
            next_turn: now,
            held_until: now,
            channels: HashMap::new(),
            history_free_at: None,
        }
    }

    fn turn(
        &mut self,
        channel: &str,
        now: DateTime<Utc>,
        channel_spacing: chrono::Duration,
    ) -> DateTime<Utc> {
        self.learn(now);
        let workspace_turn = now.max(self.next_turn).max(self.held_until);
        let turn = self
            .channels
            .get(channel)
            .map_or(workspace_turn, |free| workspace_turn.max(*free));
        self.next_turn = workspace_turn
            + chrono::Duration::nanoseconds(1_000_000_000 / i64::from(self.per_second));
        if self.channels.len() >= CHANNELS_KEPT {
            self.channels.retain(|_, free| *free > now);
        }
        self.channels
            .insert(channel.to_string(), turn + channel_spacing);
        self.last_turn = Some(turn);
        turn
    }

    /// Each whole second of posting without a 429 since `rising_since`
    /// adds one post a second, up to the ceiling; a pause in posting
    /// starts the count again.
    fn learn(&mut self, now: DateTime<Utc>) {
        let posting = self
            .last_turn
            .is_some_and(|last| now - last <= chrono::Duration::seconds(1));
        if !posting {
            self.rising_since = self.rising_since.max(now);
            return;
        }
        let seconds = (now - self.rising_since).num_seconds();
        if seconds > 0 {
            let raised = u64::from(self.per_second) + seconds.unsigned_abs();
            self.per_second = u32::try_from(raised)
                .unwrap_or(u32::MAX)
                .min(self.max_per_second);
            self.rising_since += chrono::Duration::seconds(seconds);
        }
    }

    fn throttled(&mut self, now: DateTime<Utc>, retry_after: chrono::Duration) {
        self.per_second = (self.per_second / 2).max(1);
        let until = now + retry_after;
        self.held_until = self.held_until.max(until);
        self.rising_since = self.rising_since.max(until);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn to_chrono(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DeliverySettings {
        DeliverySettings {
            posts_per_second: 5,
            max_posts_per_second: 20,
            call_timeout_seconds: 10,
        }
    }

    fn start() -> DateTime<Utc> {
        "2026-11-30T08:00:00Z".parse().expect("instant")
    }

    fn pace() -> Pace {
        Deliveries::default().pace(
            &WorkspaceId::parse("T0TEAM").expect("id"),
            settings(),
            start(),
        )
    }

    /// Takes turns for posts to distinct channels, each as soon as it is
    /// given, until `until`; the last turn taken.
    fn post_until(
        pace: &Pace,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> (DateTime<Utc>, usize) {
        let mut now = from;
        let mut posts = 0;
        while now < until {
            now = pace.turn(&format!("U{posts}"), now, Duration::from_secs(1));
            posts += 1;
        }
        (now, posts)
    }

    /// The rate as a post asked for at `now` finds it.
    fn rate_at(pace: &Pace, now: DateTime<Utc>) -> u32 {
        pace.turn("U0PROBE", now, Duration::ZERO);
        lock(&pace.0).per_second
    }

    #[test]
    fn the_rate_starts_at_the_setting_and_rises_by_one_each_second_of_posting_to_the_ceiling() {
        let pace = pace();
        let (now, posts) = post_until(&pace, start(), start() + chrono::Duration::seconds(1));
        assert_eq!(
            posts, 6,
            "five in the first second, then the next second's first"
        );
        assert_eq!(rate_at(&pace, now), 6);
        let (now, _) = post_until(&pace, now, start() + chrono::Duration::seconds(30));
        assert_eq!(rate_at(&pace, now), 20);
    }

    #[test]
    fn a_429_halves_the_rate_and_holds_every_post_for_its_retry_after() {
        let pace = pace();
        let (now, _) = post_until(&pace, start(), start() + chrono::Duration::seconds(10));
        assert_eq!(rate_at(&pace, now), 15);
        pace.throttled(now, Duration::from_secs(3));
        let next = pace.turn("U0NEW", now, Duration::from_secs(1));
        assert_eq!(next, now + chrono::Duration::seconds(3));
        // Halved, and the held seconds raise nothing; posting after them does.
        assert_eq!(rate_at(&pace, next), 7);
        let (now, _) = post_until(&pace, next, next + chrono::Duration::seconds(2));
        assert_eq!(rate_at(&pace, now), 9);
    }

    #[test]
    fn one_channel_gets_one_post_a_second_while_others_go_on_at_the_workspace_rate() {
        let pace = pace();
        let first = pace.turn("U0SAME", start(), Duration::from_secs(1));
        let second = pace.turn("U0SAME", start(), Duration::from_secs(1));
        let other = pace.turn("U0OTHER", start(), Duration::from_secs(1));
        assert_eq!(first, start());
        assert_eq!(second, start() + chrono::Duration::seconds(1));
        assert_eq!(other, start() + chrono::Duration::milliseconds(400));
    }

    #[test]
    fn idle_seconds_do_not_raise_the_rate() {
        let pace = pace();
        pace.turn("U0A", start(), Duration::from_secs(1));
        assert_eq!(rate_at(&pace, start() + chrono::Duration::minutes(5)), 5);
    }

    #[test]
    fn conversations_history_is_called_at_most_once_a_minute_and_a_429_holds_it_longer() {
        let pace = pace();
        assert_eq!(pace.history_call(start()), Ok(()));
        assert_eq!(
            pace.history_call(start() + chrono::Duration::seconds(59)),
            Err(start() + chrono::Duration::minutes(1))
        );
        let later = start() + chrono::Duration::minutes(1);
        assert_eq!(pace.history_call(later), Ok(()));
        pace.history_throttled(later, Duration::from_secs(300));
        assert_eq!(
            pace.history_call(later + chrono::Duration::minutes(2)),
            Err(later + chrono::Duration::minutes(5))
        );
    }
}
