//! This process's share in keeping Home tabs fresh: whose tab it is
//! publishing now (one publish at a time per user, and one more when a
//! change comes meanwhile). That is per process; what must outlive it or
//! be shared (who opened a tab and when, the last hash and publish, each
//! workspace's publish budget) is in the database. Two replicas may draw
//! one user's tab at once: Slack's `hash` makes the older drawing lose.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::{SlackUserId, WorkspaceId};

/// Cheap to clone: every clone shares the same bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct HomeTabs {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The tabs being published, each with whether a change came since its
    /// drawing began, so that one more drawing must follow.
    publishing: HashMap<(WorkspaceId, SlackUserId), bool>,
}

impl HomeTabs {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        // The map holds no invariant a panic could break halfway.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks for `user`'s tab to be drawn: `true` when the caller is to
    /// publish it; `false` when a publish is under way, which then draws
    /// it once more.
    pub fn request(&self, workspace: &WorkspaceId, user: &SlackUserId) -> bool {
        let mut inner = self.inner();
        match inner.publishing.get_mut(&(workspace.clone(), user.clone())) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                inner
                    .publishing
                    .insert((workspace.clone(), user.clone()), false);
                true
            }
        }
    }

    /// The tab is about to be drawn, as things stand: it shows every
    /// change asked for until now.
    pub fn drawing(&self, workspace: &WorkspaceId, user: &SlackUserId) {
        if let Some(again) = self
            .inner()
            .publishing
            .get_mut(&(workspace.clone(), user.clone()))
        {
            *again = false;
        }
    }

    /// The publish is over: `true` when a change came since its drawing,
    /// so the caller publishes once more; otherwise the tab is no longer
    /// being published.
    pub fn finished(&self, workspace: &WorkspaceId, user: &SlackUserId) -> bool {
        let mut inner = self.inner();
        let key = (workspace.clone(), user.clone());
        match inner.publishing.get_mut(&key) {
            // The next publish covers that change, whether it draws the
            // tab or finds nobody looking.
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                inner.publishing.remove(&key);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (WorkspaceId, SlackUserId) {
        (
            WorkspaceId::parse("T0TEAM").expect("team"),
            SlackUserId::parse("U0BOSS").expect("user"),
        )
    }

    #[test]
    fn changes_during_a_publish_ask_for_one_more_drawing_and_none_after_it() {
        let tabs = HomeTabs::default();
        let (workspace, user) = ids();
        assert!(tabs.request(&workspace, &user));
        tabs.drawing(&workspace, &user);
        assert!(!tabs.request(&workspace, &user));
        assert!(!tabs.request(&workspace, &user));
        assert!(tabs.finished(&workspace, &user), "one more drawing");
        // That publish finds nobody looking, and draws nothing: it is over.
        assert!(!tabs.finished(&workspace, &user));
        assert!(tabs.request(&workspace, &user), "a new publish starts");
    }

    #[test]
    fn a_change_before_the_drawing_is_in_it() {
        let tabs = HomeTabs::default();
        let (workspace, user) = ids();
        assert!(tabs.request(&workspace, &user));
        assert!(!tabs.request(&workspace, &user));
        tabs.drawing(&workspace, &user);
        assert!(!tabs.finished(&workspace, &user));
    }
}
