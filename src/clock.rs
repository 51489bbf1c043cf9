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
    /// for a deadline when it moves.
    Fixed(Arc<watch::Sender<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock::Fixed(Arc::new(watch::Sender::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at.borrow(),
        }
    }

    /// Waits `wait` out. A fixed clock is moved on by `wait` at once, so a
    /// test sees the wait happen (a `Retry-After` honoured, a backoff
    /// taken) without sitting through it.
    pub async fn sleep(&self, wait: Duration) {
        match self {
            Clock::System => tokio::time::sleep(wait).await,
            Clock::Fixed(_) => {
                self.set(self.now() + to_chrono(wait));
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
            Clock::Fixed(now) => {
                now.send_modify(|now| *now = (*now).max(at));
                tokio::task::yield_now().await;
            }
        }
    }

    /// Done once `budget` has passed from now, a time limit on other work:
    /// on a fixed clock, once the test has moved it that far, so a test can
    /// let a budget run out exactly when it chooses.
    pub fn deadline(&self, budget: Duration) -> impl Future<Output = ()> + Send + 'static {
        let clock = self.clone();
        let until = self.now() + to_chrono(budget);
        let system_until = tokio::time::Instant::now() + budget;
        async move {
            match clock {
                Clock::System => tokio::time::sleep_until(system_until).await,
                Clock::Fixed(at) => {
                    // The sender lives in `at`, so the wait ends only when
                    // the clock has moved far enough.
                    let _ = at.subscribe().wait_for(|now| *now >= until).await;
                }
            }
        }
    }

    /// Moves a fixed clock; a system clock ignores it.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Clock::Fixed(at) = self {
            at.send_replace(to);
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
        clock.sleep_until(start + chrono::Duration::seconds(30)).await;
        clock.sleep_until(start + chrono::Duration::seconds(5)).await;
        assert_eq!(clock.now(), start + chrono::Duration::seconds(30));
    }
}
