//! Work that goes on after Slack has been answered: a late answer to a slow
//! command, a message updated once a button has done its work, a form
//! filled in once a new manager's time zone has come, a Home tab drawn
//! again. Each is counted as it starts and as it finishes, so that whoever
//! must know (a test) awaits the moment all have finished instead of
//! sleeping.

use std::future::Future;

use tokio::sync::watch;

/// How many follow-ups have started, and how many have finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub started: u64,
    pub finished: u64,
}

impl Counts {
    /// Nothing started is still running.
    pub fn settled(self) -> bool {
        self.started == self.finished
    }
}

#[derive(Clone, Debug)]
pub struct FollowUps {
    counts: watch::Sender<Counts>,
}

impl Default for FollowUps {
    fn default() -> Self {
        Self {
            counts: watch::channel(Counts::default()).0,
        }
    }
}

impl FollowUps {
    /// Runs `work` on its own task, counted from now until it is done. A
    /// follow-up that starts another counts it before it finishes itself.
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        self.counts.send_modify(|counts| counts.started += 1);
        let counts = self.counts.clone();
        tokio::spawn(async move {
            work.await;
            counts.send_modify(|counts| counts.finished += 1);
        });
    }

    /// The counts, as they change.
    pub fn counts(&self) -> watch::Receiver<Counts> {
        self.counts.subscribe()
    }
}
