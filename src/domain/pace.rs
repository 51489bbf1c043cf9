//! A rep's month, one rule for every surface (`status`, `report`, the Home
//! tab, both digests, the jobs and the answers to a log): every session and
//! meeting credited to the rep that month, whichever team they were on,
//! against the target prorated from the first day that month they were on
//! any team. A job run for a day (`run-job --at`) counts only the entries
//! held on or before it.
//!
//! The target accrues evenly over the month: on a day, the expected minutes
//! are `target × whole days already past ÷ days in the month`, counted from
//! that first day. A rep who left a manager's team has no pace on it: their
//! month reads as minutes and the day they left, never as behind.

use chrono::{Duration, NaiveDate};

use super::records::{Membership, MonthActivity};
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

/// 1:1 minutes with the rep, with any manager, plus the minutes of every
/// meeting held by a manager while the rep was on that manager's team; of
/// the entries of the month held on or before `held_by` when given, so that
/// a job run for a past day sees only what had happened by then.
pub fn rep_month_minutes(
    rep: &SlackUserId,
    month: YearMonth,
    held_by: Option<NaiveDate>,
    activity: &MonthActivity,
) -> RepMinutes {
    let counts = |held_on: NaiveDate| counted_in(month, held_by, held_on);
    let one_on_one = activity
        .sessions
        .iter()
        .filter(|s| &s.rep == rep && counts(s.held_on))
        .map(|s| s.minutes)
        .sum();
    let meetings = activity
        .meetings
        .iter()
        .filter(|m| counts(m.held_on))
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

/// Whether an entry held on `held_on` counts in the month, counting only
/// those held on or before `held_by` when given.
pub(super) fn counted_in(month: YearMonth, held_by: Option<NaiveDate>, held_on: NaiveDate) -> bool {
    month.contains(held_on) && held_by.is_none_or(|last| held_on <= last)
}

/// One rep's month, as one manager's surfaces show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepProgress {
    pub rep: SlackUserId,
    pub minutes: RepMinutes,
    pub standing: Standing,
}

/// Where a rep stands on the manager's team in the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// On the team: their month against pace.
    OnTeam {
        pace: Pace,
        /// The first day of the month they were on any team, when that was
        /// after the month began: the target is prorated from then, and the
        /// answer says so.
        counted_from: Option<NaiveDate>,
    },
    /// Off the team since the day after `last_day`: no pace to keep.
    Left { last_day: NaiveDate },
}

impl RepProgress {
    /// Their month against pace, while they are on the team.
    pub fn pace(&self) -> Option<Pace> {
        match self.standing {
            Standing::OnTeam { pace, .. } => Some(pace),
            Standing::Left { .. } => None,
        }
    }

    /// On the manager's team today (what `/coach team` lists): the reps a
    /// share "on pace" is counted over.
    pub fn on_team(&self) -> bool {
        self.pace().is_some()
    }

    /// Behind today's pace; never for a rep who left.
    pub fn behind(&self) -> bool {
        self.pace().is_some_and(|pace| pace.behind)
    }

    /// Minutes short of today's pace; zero when on pace or gone.
    pub fn gap(&self) -> u32 {
        self.pace().map_or(0, Pace::gap)
    }
}

/// How many reps are on pace, of those on the team today: the share every
/// surface shows. Reps who left count in neither number.
pub fn share_on_pace(progress: &[RepProgress]) -> (usize, usize) {
    let on_team = progress.iter().filter(|p| p.on_team()).count();
    let behind = progress.iter().filter(|p| p.behind()).count();
    (on_team - behind, on_team)
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
/// has passed) or inside it; `counted_from` is the first day the rep was on
/// a team.
pub fn pace(
    target: u32,
    month: YearMonth,
    today: NaiveDate,
    counted_from: NaiveDate,
    minutes: u32,
) -> Pace {
    let days_in_month = i64::from(month.days());
    let start = counted_from.max(month.first_day());
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

/// A stint that spans at least one day of the month.
fn in_month(stint: &Membership, month: YearMonth) -> bool {
    let ends_after = |day: NaiveDate| stint.left_on.is_none_or(|left| left > day);
    ends_after(stint.joined_on)
        && stint.joined_on < month.next().first_day()
        && ends_after(month.first_day())
}

/// The first day of the month the rep was on any team.
fn first_day_on_a_team(
    rep: &SlackUserId,
    month: YearMonth,
    memberships: &[Membership],
) -> Option<NaiveDate> {
    memberships
        .iter()
        .filter(|m| &m.rep == rep && in_month(m, month))
        .map(|m| m.joined_on.max(month.first_day()))
        .min()
}

/// Whether a stint on a manager's team shows in the month: it spans a day
/// of it or, while the month runs, it is still open (a rep who joins
/// tomorrow is on the team list today).
fn shown_in(stint: &Membership, month: YearMonth, today: NaiveDate) -> bool {
    let open = stint.left_on.is_none();
    in_month(stint, month) || (open && month.contains(today))
}

/// The rep's stints on `manager`'s team that show in the month.
fn stints_shown<'a>(
    manager: &'a SlackUserId,
    month: YearMonth,
    today: NaiveDate,
    memberships: &'a [Membership],
) -> impl Iterator<Item = &'a Membership> {
    memberships
        .iter()
        .filter(move |m| &m.manager == manager && shown_in(m, month, today))
}

/// How a month is counted: which month, the day its pace is read on, the
/// last day whose entries count (all that are stored when `None`), and the
/// whole month's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    pub month: YearMonth,
    pub today: NaiveDate,
    pub held_by: Option<NaiveDate>,
    pub target: u32,
}

/// One rep's month by the one rule, as `manager`'s team sees it; `None`
/// when the rep was not on that team in the month.
fn rep_month(
    manager: &SlackUserId,
    rep: &SlackUserId,
    counting: Counting,
    activity: &MonthActivity,
) -> Option<RepProgress> {
    let Counting {
        month,
        today,
        held_by,
        target,
    } = counting;
    let stint = stints_shown(manager, month, today, &activity.memberships)
        .filter(|m| &m.rep == rep)
        .max_by_key(|m| m.joined_on)?;
    let minutes = rep_month_minutes(rep, month, held_by, activity);
    let standing = match stint.left_on {
        Some(left) if left <= month.next().first_day() => Standing::Left {
            last_day: left - Duration::days(1),
        },
        _ => {
            let from = first_day_on_a_team(rep, month, &activity.memberships)
                .unwrap_or_else(|| stint.joined_on.max(month.first_day()));
            Standing::OnTeam {
                pace: pace(target, month, today, from, minutes.total()),
                counted_from: Some(from).filter(|from| *from > month.first_day()),
            }
        }
    };
    Some(RepProgress {
        rep: rep.clone(),
        minutes,
        standing,
    })
}

/// Everyone on `manager`'s team on some day of the month (and, while it
/// runs, whoever is on the team now), each with their month, in the order
/// they joined the team. `activity` holds every stint these reps have had,
/// on any team.
pub fn team_month(
    manager: &SlackUserId,
    counting: Counting,
    activity: &MonthActivity,
) -> Vec<RepProgress> {
    let mut stints: Vec<&Membership> = stints_shown(
        manager,
        counting.month,
        counting.today,
        &activity.memberships,
    )
    .collect();
    // Stable, so that reps who joined on the same day keep the store's order.
    stints.sort_by_key(|m| m.joined_on);
    let mut reps: Vec<SlackUserId> = Vec::new();
    for stint in stints {
        if !reps.contains(&stint.rep) {
            reps.push(stint.rep.clone());
        }
    }
    reps_month(manager, &reps, counting, activity)
}

/// These reps' months as `manager`'s team sees them, leaving out any who
/// were not on it in the month.
pub fn reps_month(
    manager: &SlackUserId,
    reps: &[SlackUserId],
    counting: Counting,
    activity: &MonthActivity,
) -> Vec<RepProgress> {
    reps.iter()
        .filter_map(|rep| rep_month(manager, rep, counting, activity))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{day, month, stint, user};
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
            rep_month_minutes(&ana, m, None, &activity),
            RepMinutes {
                one_on_one: 45,
                meetings: 90
            }
        );
        assert_eq!(
            rep_month_minutes(&ben, m, None, &activity),
            RepMinutes {
                one_on_one: 0,
                meetings: 30
            }
        );
        assert_eq!(
            rep_month_minutes(&cy, m, None, &activity),
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
            rep_month_minutes(&cy, month(2026, 11), None, &activity).total(),
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
            rep_month_minutes(&ana, month(2026, 11), None, &activity).total(),
            20
        );
    }

    fn session(rep: &str, minutes: u32, held_on: &str) -> SessionRecord {
        SessionRecord {
            rep: user(rep),
            minutes,
            activity: Activity::Other,
            held_on: day(held_on),
        }
    }

    fn november(today: &str) -> Counting {
        Counting {
            month: month(2026, 11),
            today: day(today),
            held_by: None,
            target: 180,
        }
    }

    #[test]
    fn a_rep_removed_and_added_again_the_same_day_is_counted_from_the_first_day() {
        let activity = MonthActivity {
            memberships: vec![
                stint("U0BOSS", "U0BEN", "2026-11-01", Some("2026-11-27")),
                stint("U0BOSS", "U0BEN", "2026-11-27", None),
            ],
            ..MonthActivity::default()
        };
        let team = team_month(&user("U0BOSS"), november("2026-11-27"), &activity);
        assert_eq!(team.len(), 1);
        let pace = team[0].pace().expect("on the team");
        assert_eq!((pace.expected, pace.month_target), (156, 180));
        assert!(team[0].behind());
    }

    #[test]
    fn a_rep_who_moved_teams_keeps_every_credit_and_the_first_day_on_any_team() {
        let activity = MonthActivity {
            memberships: vec![
                stint("U0OTHER", "U0DAN", "2026-11-03", Some("2026-11-10")),
                stint("U0BOSS", "U0DAN", "2026-11-10", None),
            ],
            sessions: vec![session("U0DAN", 60, "2026-11-06")],
            meetings: vec![MeetingRecord {
                manager: user("U0OTHER"),
                minutes: 30,
                held_on: day("2026-11-06"),
            }],
        };
        let counting = november("2026-11-27");
        let now = team_month(&user("U0BOSS"), counting, &activity);
        assert_eq!(now[0].minutes.total(), 90);
        assert_eq!(
            now[0].standing,
            Standing::OnTeam {
                pace: pace(180, counting.month, counting.today, day("2026-11-03"), 90),
                counted_from: Some(day("2026-11-03")),
            }
        );
        let before = team_month(&user("U0OTHER"), counting, &activity);
        assert_eq!(before[0].minutes.total(), 90);
        assert_eq!(
            before[0].standing,
            Standing::Left {
                last_day: day("2026-11-09")
            }
        );
        assert!(!before[0].behind());
    }

    #[test]
    fn a_rep_who_left_after_a_month_was_on_the_team_for_all_of_it() {
        let activity = MonthActivity {
            memberships: vec![stint("U0BOSS", "U0CAL", "2026-10-01", Some("2026-11-12"))],
            ..MonthActivity::default()
        };
        let october = Counting {
            month: month(2026, 10),
            ..november("2026-11-27")
        };
        let team = team_month(&user("U0BOSS"), october, &activity);
        assert_eq!(team[0].pace().map(|p| p.month_target), Some(180));
        // A rep who left before a month began is not in it.
        let december = Counting {
            month: month(2026, 12),
            today: day("2026-12-02"),
            ..october
        };
        assert!(team_month(&user("U0BOSS"), december, &activity).is_empty());
    }

    #[test]
    fn a_rep_who_joins_tomorrow_is_on_the_team_today_and_a_stint_of_no_days_is_not() {
        let activity = MonthActivity {
            memberships: vec![
                stint("U0OTHER", "U0CAL", "2026-11-01", Some("2026-12-01")),
                stint("U0BOSS", "U0CAL", "2026-12-01", None),
                stint("U0BOSS", "U0EVE", "2026-11-30", Some("2026-11-30")),
            ],
            ..MonthActivity::default()
        };
        let team = team_month(&user("U0BOSS"), november("2026-11-30"), &activity);
        assert_eq!(team.len(), 1);
        assert_eq!(team[0].rep, user("U0CAL"));
        assert_eq!(team[0].pace().map(|p| p.month_target), Some(180));
    }

    #[test]
    fn a_day_counted_in_the_past_leaves_out_what_was_held_after_it() {
        let activity = MonthActivity {
            memberships: vec![stint("U0BOSS", "U0ANA", "2026-11-01", None)],
            sessions: vec![
                session("U0ANA", 30, "2026-11-20"),
                session("U0ANA", 180, "2026-11-27"),
            ],
            ..MonthActivity::default()
        };
        let counting = Counting {
            held_by: Some(day("2026-11-22")),
            ..november("2026-11-22")
        };
        let team = team_month(&user("U0BOSS"), counting, &activity);
        assert_eq!(team[0].minutes.total(), 30);
        assert!(team[0].behind());
    }

    #[test]
    fn the_share_on_pace_counts_only_the_reps_on_the_team() {
        let activity = MonthActivity {
            memberships: vec![
                stint("U0BOSS", "U0ANA", "2026-11-01", None),
                stint("U0BOSS", "U0BEN", "2026-11-01", None),
                stint("U0BOSS", "U0CAL", "2026-11-01", Some("2026-11-05")),
            ],
            sessions: vec![session("U0ANA", 180, "2026-11-02")],
            ..MonthActivity::default()
        };
        let team = team_month(&user("U0BOSS"), november("2026-11-27"), &activity);
        assert_eq!(team.len(), 3);
        assert_eq!(share_on_pace(&team), (1, 2));
    }
}
