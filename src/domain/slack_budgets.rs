//! Slack's limits per workspace, as pure rules over what was taken before,
//! so that the store can keep them where every process shares them: a
//! workspace's `views.publish` budget, and whose turn it is to deliver its
//! reminders.

use chrono::{DateTime, Duration, Utc};

/// The window a workspace's publish budget counts publishes in.
const WINDOW: Duration = Duration::minutes(1);

/// A workspace's `views.publish` budget: the instants its latest publishes
/// went (or will go) at, oldest first, and until when Slack asked it to
/// wait.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishBudget {
    pub slots: Vec<DateTime<Utc>>,
    pub held_until: Option<DateTime<Utc>>,
}

impl PublishBudget {
    /// Takes a publish at `now` or later, so that no minute holds more than
    /// `per_minute` of them, and returns when it may go. Each publish goes
    /// after the one taken before it.
    pub fn reserve(&mut self, now: DateTime<Utc>, per_minute: u32) -> DateTime<Utc> {
        let per_minute = usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX);
        let mut slot = now;
        if let Some(held) = self.held_until {
            slot = slot.max(held);
        }
        if let Some(last) = self.slots.last() {
            slot = slot.max(*last);
        }
        if self.slots.len() >= per_minute {
            if let Some(oldest) = self.slots.get(self.slots.len() - per_minute) {
                slot = slot.max(*oldest + WINDOW);
            }
        }
        self.slots.push(slot);
        let over = self.slots.len().saturating_sub(per_minute);
        self.slots.drain(..over);
        slot
    }

    /// Slack asked to slow down: nothing more is published before `until`.
    pub fn hold(&mut self, until: DateTime<Utc>) {
        self.held_until = Some(self.held_until.map_or(until, |held| held.max(until)));
    }
}

/// Who delivers a workspace's reminders, until when: one process at a
/// time, so the pace it learns from Slack's answers is the workspace's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryTurn {
    pub holder: String,
    pub until: DateTime<Utc>,
    /// Nothing is posted before this: a 429's `Retry-After`, whoever got it.
    pub held_until: Option<DateTime<Utc>>,
}

impl DeliveryTurn {
    /// Whether `holder` may deliver at `now` (its own turn, or a turn
    /// that has run out), and the turn as it stands then, lasting until
    /// `until`.
    pub fn taken_by(
        current: Option<&DeliveryTurn>,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<DeliveryTurn> {
        match current {
            Some(turn) if turn.holder != holder && turn.until > now => None,
            _ => Some(DeliveryTurn {
                holder: holder.to_string(),
                until,
                held_until: current
                    .and_then(|turn| turn.held_until)
                    .filter(|held| *held > now),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("instant")
    }

    #[test]
    fn a_workspace_publishes_at_most_its_budget_in_any_minute_and_waits_when_held() {
        let mut budget = PublishBudget::default();
        assert_eq!(budget.reserve(at(0), 2), at(0));
        assert_eq!(budget.reserve(at(10), 2), at(10));
        assert_eq!(budget.reserve(at(20), 2), at(60));
        assert_eq!(budget.reserve(at(20), 2), at(70));
        assert_eq!(
            budget.slots,
            vec![at(60), at(70)],
            "only a minute's worth kept"
        );
        budget.hold(at(200));
        budget.hold(at(150));
        assert_eq!(budget.reserve(at(150), 2), at(200));
    }

    #[test]
    fn a_delivery_turn_is_one_holders_until_it_runs_out() {
        let turn = DeliveryTurn::taken_by(None, "a", at(0), at(30)).expect("free");
        assert_eq!(turn.holder, "a");
        assert_eq!(
            DeliveryTurn::taken_by(Some(&turn), "b", at(10), at(40)),
            None
        );
        let renewed = DeliveryTurn::taken_by(Some(&turn), "a", at(10), at(40)).expect("its own");
        assert_eq!(renewed.until, at(40));
        let taken_over =
            DeliveryTurn::taken_by(Some(&renewed), "b", at(41), at(71)).expect("run out");
        assert_eq!(taken_over.holder, "b");
    }

    #[test]
    fn a_hold_outlives_the_turn_that_met_it_until_it_is_over() {
        let mut turn = DeliveryTurn::taken_by(None, "a", at(0), at(30)).expect("free");
        turn.held_until = Some(at(100));
        let next = DeliveryTurn::taken_by(Some(&turn), "b", at(50), at(80)).expect("run out");
        assert_eq!(next.held_until, Some(at(100)));
        let later = DeliveryTurn::taken_by(Some(&next), "b", at(120), at(150)).expect("its own");
        assert_eq!(later.held_until, None);
    }
}
