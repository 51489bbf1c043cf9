//! The one place the time is read. Handlers and jobs read it once and pass
//! the instant down; tests use a fixed clock they move by hand.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock::Fixed(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Waits `wait` out. A fixed clock is moved on by `wait` at once, so a
    /// test sees the wait happen (a `Retry-After` honoured, a backoff
    /// taken) without sitting through it.
    pub async fn sleep(&self, wait: Duration) {
        match self {
            Clock::System => tokio::time::sleep(wait).await,
            Clock::Fixed(_) => {
                let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                self.set(self.now() + wait);
                tokio::task::yield_now().await;
            }
        }
    }

    /// Moves a fixed clock; a system clock ignores it.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Clock::Fixed(at) = self {
            *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        }
    }
}
