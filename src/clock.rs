//! The one place the time is read. Handlers and jobs read it once and pass
//! the instant down; tests use a fixed clock they move by hand.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A test's clock: it reads what was last set, and tells whoever waits
    /// for a deadline when the test moves it.
    Fixed(Arc<FixedClock>),
}

#[derive(Debug)]
pub struct FixedClock {
    now: watch::Sender<DateTime<Utc>>,
    /// Where the test last put the clock. Deadlines run out only by it: a
    /// wait the app takes in the background (a `Retry-After`, a Home tab's
    /// spacing) moves `now` but must not end another request's budget.
    set_by_test: watch::Sender<DateTime<Utc>>,
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock::Fixed(Arc::new(FixedClock {
            now: watch::Sender::new(at),
            set_by_test: watch::Sender::new(at),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(fixed) => *fixed.now.borrow(),
        }
    }

    /// Waits `wait` out. A fixed clock is moved on by `wait` at once, so a
    /// test sees the wait happen (a `Retry-After` honoured, a backoff
    /// taken) without sitting through it.
    pub async fn sleep(&self, wait: Duration) {
        match self {
            Clock::System => tokio::time::sleep(wait).await,
            Clock::Fixed(fixed) => {
                fixed.now.send_modify(|now| *now += to_chrono(wait));
                tokio::task::yield_now().await;
            }
        }
    }

    /// Waits until `at`. A fixed clock is moved on to `at` at once, like
    /// [`Clock::sleep`], and never back: waits taken side by side end at
    /// the latest of them, not at their sum.
    pub async fn sleep_until(&self, at: DateTime<Utc>) {
        match self {
            Clock::System => {
                tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default()).await
            }
            Clock::Fixed(fixed) => {
                fixed.now.send_modify(|now| *now = (*now).max(at));
                tokio::task::yield_now().await;
            }
        }
    }

    /// Done once `budget` has passed from now, a time limit on other work:
    /// on a fixed clock, once the test itself has moved it that far, so a
    /// test can let a budget run out exactly when it chooses, and the app's
    /// own waits never do.
    pub fn deadline(&self, budget: Duration) -> impl Future<Output = ()> + Send + 'static {
        let clock = self.clone();
        let until = self.now() + to_chrono(budget);
        let system_until = tokio::time::Instant::now() + budget;
        async move {
            match clock {
                Clock::System => tokio::time::sleep_until(system_until).await,
                Clock::Fixed(fixed) => {
                    // The sender lives in `fixed`, so the wait ends only
                    // when the test has moved the clock far enough.
                    let _ = fixed
                        .set_by_test
                        .subscribe()
                        .wait_for(|set| *set >= until)
                        .await;
                }
            }
        }
    }

    /// Moves a fixed clock; a system clock ignores it.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Clock::Fixed(fixed) = self {
            fixed.now.send_replace(to);
            fixed.set_by_test.send_replace(to);
        }
    }
}

fn to_chrono(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fixed_clock_waits_until_the_latest_instant_asked_and_never_goes_back() {
        let start: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().expect("instant");
        let clock = Clock::fixed(start);
        clock
            .sleep_until(start + chrono::Duration::seconds(30))
            .await;
        clock
            .sleep_until(start + chrono::Duration::seconds(5))
            .await;
        assert_eq!(clock.now(), start + chrono::Duration::seconds(30));
    }

    #[tokio::test]
    async fn a_deadline_runs_out_when_the_test_moves_the_clock_never_by_the_apps_own_waits() {
        let start: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().expect("instant");
        let clock = Clock::fixed(start);
        let mut budget = std::pin::pin!(clock.deadline(Duration::from_secs(5)));
        clock.sleep(Duration::from_secs(30)).await;
        clock
            .sleep_until(start + chrono::Duration::seconds(60))
            .await;
        assert!(futures::poll!(&mut budget).is_pending());
        clock.set(start + chrono::Duration::seconds(5));
        assert!(futures::poll!(&mut budget).is_ready());
    }
}
