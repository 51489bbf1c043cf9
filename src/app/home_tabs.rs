//! This process's share in keeping Home tabs fresh: whose tab it is
//! publishing now (one publish at a time per user, and one more when a
//! change comes meanwhile), and when each workspace may next have a tab
//! published, so that a burst of changes stays within Slack's
//! `views.publish` limit. Both are per process; what must outlive it (who
//! opened a tab and when, the last hash and publish) is in the database.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

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
    /// Per workspace, its latest publishes (as many as a minute allows),
    /// oldest first, and the instant Slack asked it to wait until.
    workspaces: HashMap<WorkspaceId, Budget>,
}

#[derive(Debug, Default)]
struct Budget {
    /// The instants the latest publishes went (or will go) at, in order.
    slots: VecDeque<DateTime<Utc>>,
    held_until: Option<DateTime<Utc>>,
}

/// The window a workspace's budget counts publishes in.
const WINDOW: Duration = Duration::minutes(1);

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

    /// Takes a publish in `workspace` at `now` or later, so that no minute
    /// holds more than `per_minute` of them, and returns when it may go.
    /// Each publish goes after the one taken before it.
    pub fn reserve(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        per_minute: u32,
    ) -> DateTime<Utc> {
        let per_minute = usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX);
        let mut inner = self.inner();
        let budget = inner.workspaces.entry(workspace.clone()).or_default();
        let mut slot = now;
        if let Some(held) = budget.held_until {
            slot = slot.max(held);
        }
        if let Some(last) = budget.slots.back() {
            slot = slot.max(*last);
        }
        if budget.slots.len() >= per_minute {
            if let Some(oldest) = budget.slots.get(budget.slots.len() - per_minute) {
                slot = slot.max(*oldest + WINDOW);
            }
        }
        budget.slots.push_back(slot);
        while budget.slots.len() > per_minute {
            budget.slots.pop_front();
        }
        slot
    }

    /// Slack asked to slow down: nothing more is published in the
    /// workspace before `until`.
    pub fn hold(&self, workspace: &WorkspaceId, until: DateTime<Utc>) {
        let mut inner = self.inner();
        let budget = inner.workspaces.entry(workspace.clone()).or_default();
        budget.held_until = Some(budget.held_until.map_or(until, |held| held.max(until)));
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

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("instant")
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

    #[test]
    fn a_workspace_publishes_at_most_its_budget_in_any_minute_and_waits_when_held() {
        let tabs = HomeTabs::default();
        let (workspace, _) = ids();
        let other = WorkspaceId::parse("T0OTHER").expect("team");
        assert_eq!(tabs.reserve(&workspace, at(0), 2), at(0));
        assert_eq!(tabs.reserve(&workspace, at(10), 2), at(10));
        assert_eq!(tabs.reserve(&workspace, at(20), 2), at(60));
        assert_eq!(tabs.reserve(&workspace, at(20), 2), at(70));
        assert_eq!(tabs.reserve(&other, at(20), 2), at(20), "its own budget");
        tabs.hold(&workspace, at(200));
        assert_eq!(tabs.reserve(&workspace, at(150), 2), at(200));
    }
}
