//! A rep's coaching minutes in a month and whether they are on pace.
//!
//! The target accrues evenly over the month: on a day, the expected minutes
//! are `target × whole days already past ÷ days in the month`, counted from
//! the day the rep joined if that is later.

use chrono::NaiveDate;

use super::records::MonthActivity;
use super::types::{SlackUserId, YearMonth};

/// Where a rep's minutes this month came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepMinutes {
    pub one_on_one: u32,
    pub meetings: u32,
}

impl RepMinutes {
    pub fn total(self) -> u32 {
        self.one_on_one + self.meetings
    }
}

/// 1:1 minutes with the rep, plus the minutes of every meeting held by a
/// manager while the rep was on that manager's team.
pub fn rep_month_minutes(
    rep: &SlackUserId,
    month: YearMonth,
    activity: &MonthActivity,
) -> RepMinutes {
    let one_on_one = activity
        .sessions
        .iter()
        .filter(|s| &s.rep == rep && month.contains(s.held_on))
        .map(|s| s.minutes)
        .sum();
    let meetings = activity
        .meetings
        .iter()
        .filter(|m| month.contains(m.held_on))
        .filter(|m| {
            activity
                .memberships
                .iter()
                .any(|ms| &ms.rep == rep && ms.manager == m.manager && ms.covers(m.held_on))
        })
        .map(|m| m.minutes)
        .sum();
    RepMinutes {
        one_on_one,
        meetings,
    }
}

/// One rep's month against the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepProgress {
    pub rep: SlackUserId,
    pub minutes: RepMinutes,
    pub pace: Pace,
    /// The day they joined, when that was after the month began: their
    /// target is prorated from then, and the answer says so.
    pub joined_mid_month: Option<NaiveDate>,
}

/// A rep's month against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub minutes: u32,
    /// What they should have by today, rounded down.
    pub expected: u32,
    /// The whole month's target, prorated when they joined mid-month.
    pub month_target: u32,
    pub behind: bool,
}

impl Pace {
    /// Minutes short of today's pace; zero when on pace.
    pub fn gap(self) -> u32 {
        if self.behind {
            self.expected.saturating_sub(self.minutes).max(1)
        } else {
            0
        }
    }
}

/// `today` may be after the month (a past month's report: the whole month
/// has passed) or inside it.
pub fn pace(
    target: u32,
    month: YearMonth,
    today: NaiveDate,
    joined_on: NaiveDate,
    minutes: u32,
) -> Pace {
    let days_in_month = i64::from(month.days());
    let start = joined_on.max(month.first_day());
    let end = month.next().first_day();
    let days_past = (today.min(end) - start).num_days().max(0);
    let days_counted = (end - start).num_days().max(0);
    let target = i64::from(target);
    // Compared as whole numbers so that "behind" never depends on rounding.
    let behind = i64::from(minutes) * days_in_month < target * days_past;
    Pace {
        minutes,
        expected: (target * days_past / days_in_month) as u32,
        month_target: (target * days_counted / days_in_month) as u32,
        behind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{day, month, user};
    use crate::domain::records::{MeetingRecord, Membership, SessionRecord};
    use crate::domain::types::Activity;

    #[test]
    fn nothing_is_expected_on_the_first_of_the_month() {
        let p = pace(
            180,
            month(2026, 11),
            day("2026-11-01"),
            day("2026-01-01"),
            0,
        );
        assert_eq!(p.expected, 0);
        assert!(!p.behind);
    }

    #[test]
    fn expected_minutes_grow_with_whole_days_past_in_a_30_day_month() {
        // 15 whole days of 30 have passed on the 16th: half the target.
        let p = pace(
            180,
            month(2026, 11),
            day("2026-11-16"),
            day("2026-01-01"),
            89,
        );
        assert_eq!(p.expected, 90);
        assert!(p.behind);
        assert_eq!(p.gap(), 1);
        let p = pace(
            180,
            month(2026, 11),
            day("2026-11-16"),
            day("2026-01-01"),
            90,
        );
        assert!(!p.behind);
        assert_eq!(p.gap(), 0);
    }

    #[test]
    fn the_last_day_of_a_31_day_month_expects_thirty_of_thirty_one_days() {
        let p = pace(
            180,
            month(2026, 12),
            day("2026-12-31"),
            day("2026-01-01"),
            174,
        );
        assert_eq!(p.expected, 174); // 180 × 30 / 31 = 174.19
        assert!(p.behind, "174 × 31 < 180 × 30");
        let p = pace(
            180,
            month(2026, 12),
            day("2026-12-31"),
            day("2026-01-01"),
            175,
        );
        assert!(!p.behind);
    }

    #[test]
    fn february_has_28_days_and_29_in_a_leap_year() {
        let p = pace(180, month(2026, 2), day("2026-02-15"), day("2025-01-01"), 0);
        assert_eq!(p.expected, 90); // 14 of 28 days
        let p = pace(180, month(2028, 2), day("2028-02-29"), day("2025-01-01"), 0);
        assert_eq!(p.expected, 173); // 28 of 29 days: 173.79
    }

    #[test]
    fn a_finished_month_expects_the_whole_target() {
        let p = pace(
            180,
            month(2026, 10),
            day("2026-11-27"),
            day("2026-01-01"),
            179,
        );
        assert_eq!(p.expected, 180);
        assert!(p.behind);
        assert_eq!(p.month_target, 180);
    }

    #[test]
    fn a_rep_who_joined_mid_month_is_counted_from_the_join_day() {
        // Joined on the 21st of a 30-day month: on the 26th five days have passed.
        let p = pace(
            180,
            month(2026, 11),
            day("2026-11-26"),
            day("2026-11-21"),
            30,
        );
        assert_eq!(p.expected, 30);
        assert!(!p.behind);
        assert_eq!(p.month_target, 60); // 10 of 30 days
                                        // On the join day itself nothing is expected yet.
        let p = pace(
            180,
            month(2026, 11),
            day("2026-11-21"),
            day("2026-11-21"),
            0,
        );
        assert!(!p.behind);
    }

    #[test]
    fn a_meeting_counts_for_every_rep_on_the_team_that_day() {
        let (boss, ana, ben, cy) = (user("U0BOSS"), user("U0ANA"), user("U0BEN"), user("U0CY"));
        let activity = MonthActivity {
            memberships: vec![
                Membership {
                    manager: boss.clone(),
                    rep: ana.clone(),
                    joined_on: day("2026-10-01"),
                    left_on: None,
                },
                Membership {
                    manager: boss.clone(),
                    rep: ben.clone(),
                    joined_on: day("2026-11-10"),
                    left_on: None,
                },
                Membership {
                    manager: boss.clone(),
                    rep: cy.clone(),
                    joined_on: day("2026-10-01"),
                    left_on: Some(day("2026-11-05")),
                },
            ],
            sessions: vec![SessionRecord {
                rep: ana.clone(),
                minutes: 45,
                activity: Activity::Other,
                held_on: day("2026-11-12"),
            }],
            meetings: vec![
                MeetingRecord {
                    manager: boss.clone(),
                    minutes: 60,
                    held_on: day("2026-11-02"),
                },
                MeetingRecord {
                    manager: boss.clone(),
                    minutes: 30,
                    held_on: day("2026-11-16"),
                },
                MeetingRecord {
                    manager: user("U0OTHER"),
                    minutes: 90,
                    held_on: day("2026-11-16"),
                },
            ],
        };
        let m = month(2026, 11);
        assert_eq!(
            rep_month_minutes(&ana, m, &activity),
            RepMinutes {
                one_on_one: 45,
                meetings: 90
            }
        );
        assert_eq!(
            rep_month_minutes(&ben, m, &activity),
            RepMinutes {
                one_on_one: 0,
                meetings: 30
            }
        );
        assert_eq!(
            rep_month_minutes(&cy, m, &activity),
            RepMinutes {
                one_on_one: 0,
                meetings: 60
            }
        );
    }

    #[test]
    fn a_meeting_on_the_day_a_rep_left_no_longer_counts_for_them() {
        let (boss, cy) = (user("U0BOSS"), user("U0CY"));
        let activity = MonthActivity {
            memberships: vec![Membership {
                manager: boss.clone(),
                rep: cy.clone(),
                joined_on: day("2026-11-01"),
                left_on: Some(day("2026-11-05")),
            }],
            sessions: vec![],
            meetings: vec![MeetingRecord {
                manager: boss,
                minutes: 60,
                held_on: day("2026-11-05"),
            }],
        };
        assert_eq!(
            rep_month_minutes(&cy, month(2026, 11), &activity).total(),
            0
        );
    }

    #[test]
    fn minutes_outside_the_month_do_not_count() {
        let ana = user("U0ANA");
        let activity = MonthActivity {
            memberships: vec![],
            sessions: vec![
                SessionRecord {
                    rep: ana.clone(),
                    minutes: 45,
                    activity: Activity::Other,
                    held_on: day("2026-10-31"),
                },
                SessionRecord {
                    rep: ana.clone(),
                    minutes: 20,
                    activity: Activity::Other,
                    held_on: day("2026-11-30"),
                },
                SessionRecord {
                    rep: ana.clone(),
                    minutes: 50,
                    activity: Activity::Other,
                    held_on: day("2026-12-01"),
                },
            ],
            meetings: vec![],
        };
        assert_eq!(
            rep_month_minutes(&ana, month(2026, 11), &activity).total(),
            20
        );
    }
}
