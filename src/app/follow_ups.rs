//! Work that goes on after Slack has been answered: a late answer to a slow
//! command, a message updated once a button has done its work, a form
//! filled in once a new manager's time zone has come, a Home tab drawn
//! again. Each is counted, by what it is, as it starts and as it finishes,
//! so that whoever must know awaits the moment all have finished instead of
//! sleeping: a test, and `serve` at shutdown, which waits for them a while
//! and names what it gives up on.

use std::collections::BTreeMap;
use std::future::Future;

use tokio::sync::watch;

/// How many follow-ups have started, how many have finished, and what
/// those still running are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub started: u64,
    pub finished: u64,
    /// What each running follow-up is ("a late answer"), and how many.
    running: BTreeMap<&'static str, u64>,
}

impl Counts {
    /// Nothing started is still running.
    pub fn settled(&self) -> bool {
        self.started == self.finished
    }

    /// What is still running, e.g. "2 × a Home tab drawn again, 1 × a late
    /// answer"; empty when nothing is.
    pub fn running(&self) -> String {
        self.running
            .iter()
            .map(|(what, n)| format!("{n} × {what}"))
            .collect::<Vec<_>>()
            .join(", ")
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
    /// Runs `work` on its own task, counted as `what` from now until it is
    /// done. A follow-up that starts another counts it before it finishes
    /// itself.
    pub fn spawn(&self, what: &'static str, work: impl Future<Output = ()> + Send + 'static) {
        self.counts.send_modify(|counts| {
            counts.started += 1;
            *counts.running.entry(what).or_default() += 1;
        });
        let counts = self.counts.clone();
        tokio::spawn(async move {
            work.await;
            counts.send_modify(|counts| {
                counts.finished += 1;
                if let Some(n) = counts.running.get_mut(what) {
                    *n -= 1;
                    if *n == 0 {
                        counts.running.remove(what);
                    }
                }
            });
        });
    }

    /// The counts, as they change.
    pub fn counts(&self) -> watch::Receiver<Counts> {
        self.counts.subscribe()
    }

    /// Waits until every follow-up has finished, or `deadline` comes first;
    /// what was still running then, which is given up on (empty when all
    /// finished).
    pub async fn finish(&self, deadline: impl Future<Output = ()>) -> String {
        let mut counts = self.counts();
        tokio::select! {
            _ = counts.wait_for(Counts::settled) => String::new(),
            () = deadline => self.counts.borrow().running(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finishing_waits_for_every_follow_up_and_names_none_given_up() {
        let follow_ups = FollowUps::default();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        follow_ups.spawn("a late answer", async {
            let _ = released.await;
        });
        let mut finishing = std::pin::pin!(follow_ups.finish(std::future::pending()));
        assert!(futures::poll!(&mut finishing).is_pending());
        let _ = release.send(());
        assert_eq!(finishing.await, "");
        assert!(follow_ups.counts().borrow().settled());
    }

    #[tokio::test]
    async fn at_the_deadline_finishing_names_what_is_still_running() {
        let follow_ups = FollowUps::default();
        follow_ups.spawn("a late answer", std::future::pending());
        follow_ups.spawn("a Home tab drawn again", std::future::pending());
        follow_ups.spawn("a Home tab drawn again", std::future::pending());
        follow_ups.spawn("a message updated", async {});
        let abandoned = follow_ups.finish(std::future::ready(())).await;
        assert!(
            abandoned.contains("2 × a Home tab drawn again"),
            "{abandoned}"
        );
        assert!(abandoned.contains("1 × a late answer"), "{abandoned}");
    }
}
