//! A manager's own coaching time in a month: each 1:1 and each team meeting
//! once, however many reps it counted for. A rep's credit (`pace`) counts a
//! meeting for every rep on the team that day and a 1:1 with two reps for
//! each of them, so the reps' credit adds up to more than the time the
//! manager spent; answers and digests show the two apart.

use chrono::NaiveDate;

use super::pace::counted_in;
use super::types::YearMonth;

/// Time a manager spent coaching: 1:1 sessions and team meetings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManagerTime {
    pub one_on_one: u32,
    pub meetings: u32,
}

impl ManagerTime {
    pub fn total(self) -> u32 {
        self.one_on_one + self.meetings
    }
}

/// The manager's own coaching on one day, each entry counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayOfCoaching {
    pub held_on: NaiveDate,
    pub time: ManagerTime,
}

/// The manager's time in the month, of the days on or before `held_by`
/// when given, as a rep's month counts them (a job run for a past day sees
/// only what had happened by then).
pub fn manager_month_time(
    days: &[DayOfCoaching],
    month: YearMonth,
    held_by: Option<NaiveDate>,
) -> ManagerTime {
    days.iter()
        .filter(|d| counted_in(month, held_by, d.held_on))
        .fold(ManagerTime::default(), |sum, d| ManagerTime {
            one_on_one: sum.one_on_one + d.time.one_on_one,
            meetings: sum.meetings + d.time.meetings,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{day, month};

    fn on(held_on: &str, one_on_one: u32, meetings: u32) -> DayOfCoaching {
        DayOfCoaching {
            held_on: day(held_on),
            time: ManagerTime {
                one_on_one,
                meetings,
            },
        }
    }

    #[test]
    fn the_month_adds_each_days_sessions_and_meetings_apart() {
        let days = [on("2026-11-02", 45, 60), on("2026-11-20", 30, 0)];
        let time = manager_month_time(&days, month(2026, 11), None);
        assert_eq!(
            time,
            ManagerTime {
                one_on_one: 75,
                meetings: 60
            }
        );
        assert_eq!(time.total(), 135);
    }

    #[test]
    fn days_of_other_months_and_after_the_day_counted_up_to_are_left_out() {
        let days = [
            on("2026-10-31", 90, 0),
            on("2026-11-02", 45, 0),
            on("2026-11-20", 0, 60),
            on("2026-12-01", 30, 0),
        ];
        let time = manager_month_time(&days, month(2026, 11), Some(day("2026-11-19")));
        assert_eq!(
            time,
            ManagerTime {
                one_on_one: 45,
                meetings: 0
            }
        );
    }
}
