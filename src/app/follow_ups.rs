//! Work that goes on after Slack has been answered: a late answer to a slow
//! command, a message updated once a button has done its work, a form
//! filled in once a new manager's time zone has come. Each is counted as it
//! finishes, so that whoever must know (a test) awaits the count instead of
//! sleeping.

use std::future::Future;

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct FollowUps {
    finished: watch::Sender<u64>,
}

impl Default for FollowUps {
    fn default() -> Self {
        Self {
            finished: watch::channel(0).0,
        }
    }
}

impl FollowUps {
    /// Runs `work` on its own task and counts it once it is done.
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let finished = self.finished.clone();
        tokio::spawn(async move {
            work.await;
            finished.send_modify(|count| *count += 1);
        });
    }

    /// How many follow-ups have finished, as they finish.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }
}
