//! When a manager is due a team meeting: the article asks for one a week,
//! and at minimum every other week.

use chrono::NaiveDate;

/// The configured thresholds, in days since the last meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingPolicy {
    pub due_after_days: u32,
    pub overdue_after_days: u32,
}

/// What the days without a meeting are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedFrom {
    LastMeeting,
    /// No meeting yet: the day the team got its first rep.
    TeamStart,
    /// No meeting yet, and the team is older than the manager's use of
    /// coachbot: their first day with it.
    FirstUse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingState {
    /// No reps yet, so no meeting to hold.
    NoTeam,
    OnTrack {
        days_since: u32,
        from: CountedFrom,
    },
    Due {
        days_since: u32,
        from: CountedFrom,
    },
    Overdue {
        days_since: u32,
        from: CountedFrom,
    },
}

impl MeetingState {
    pub fn needs_meeting(self) -> bool {
        matches!(
            self,
            MeetingState::Due { .. } | MeetingState::Overdue { .. }
        )
    }
}

/// `team_since` is the day the team got its first rep, `first_use` the
/// manager's first day with coachbot: a manager who never logged a meeting
/// is counted from the later of the two, so a team set up with earlier join
/// days is not overdue on its first day.
pub fn meeting_state(
    policy: MeetingPolicy,
    last_meeting: Option<NaiveDate>,
    team_since: Option<NaiveDate>,
    first_use: NaiveDate,
    today: NaiveDate,
) -> MeetingState {
    let Some(team_since) = team_since else {
        return MeetingState::NoTeam;
    };
    let (start, from) = match last_meeting {
        Some(last) => (last, CountedFrom::LastMeeting),
        None if first_use > team_since => (first_use, CountedFrom::FirstUse),
        None => (team_since, CountedFrom::TeamStart),
    };
    let days_since = (today - start).num_days().max(0) as u32;
    if days_since >= policy.overdue_after_days {
        MeetingState::Overdue { days_since, from }
    } else if days_since >= policy.due_after_days {
        MeetingState::Due { days_since, from }
    } else {
        MeetingState::OnTrack { days_since, from }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::day;

    const POLICY: MeetingPolicy = MeetingPolicy {
        due_after_days: 7,
        overdue_after_days: 14,
    };

    #[test]
    fn a_meeting_is_due_seven_days_after_the_last_one() {
        let today = day("2026-11-27");
        assert_eq!(
            meeting_state(
                POLICY,
                Some(day("2026-11-21")),
                Some(day("2026-01-01")),
                day("2026-01-01"),
                today
            ),
            MeetingState::OnTrack {
                days_since: 6,
                from: CountedFrom::LastMeeting
            }
        );
        assert_eq!(
            meeting_state(
                POLICY,
                Some(day("2026-11-20")),
                Some(day("2026-01-01")),
                day("2026-01-01"),
                today
            ),
            MeetingState::Due {
                days_since: 7,
                from: CountedFrom::LastMeeting
            }
        );
    }

    #[test]
    fn a_meeting_is_overdue_fourteen_days_after_the_last_one() {
        let today = day("2026-11-27");
        assert_eq!(
            meeting_state(
                POLICY,
                Some(day("2026-11-14")),
                Some(day("2026-01-01")),
                day("2026-01-01"),
                today
            ),
            MeetingState::Due {
                days_since: 13,
                from: CountedFrom::LastMeeting
            }
        );
        assert_eq!(
            meeting_state(
                POLICY,
                Some(day("2026-11-13")),
                Some(day("2026-01-01")),
                day("2026-01-01"),
                today
            ),
            MeetingState::Overdue {
                days_since: 14,
                from: CountedFrom::LastMeeting
            }
        );
    }

    #[test]
    fn a_manager_who_never_met_is_counted_from_their_first_rep() {
        assert_eq!(
            meeting_state(
                POLICY,
                None,
                Some(day("2026-11-18")),
                day("2026-01-01"),
                day("2026-11-27")
            ),
            MeetingState::Due {
                days_since: 9,
                from: CountedFrom::TeamStart
            }
        );
    }

    #[test]
    fn a_team_older_than_the_managers_first_use_is_counted_from_that_first_day() {
        assert_eq!(
            meeting_state(
                POLICY,
                None,
                Some(day("2026-11-01")),
                day("2026-11-27"),
                day("2026-11-27")
            ),
            MeetingState::OnTrack {
                days_since: 0,
                from: CountedFrom::FirstUse
            }
        );
        assert_eq!(
            meeting_state(
                POLICY,
                None,
                Some(day("2026-11-01")),
                day("2026-11-27"),
                day("2026-12-04")
            ),
            MeetingState::Due {
                days_since: 7,
                from: CountedFrom::FirstUse
            }
        );
    }

    #[test]
    fn a_manager_without_reps_owes_no_meeting() {
        assert_eq!(
            meeting_state(POLICY, None, None, day("2026-01-01"), day("2026-11-27")),
            MeetingState::NoTeam
        );
        assert!(!MeetingState::NoTeam.needs_meeting());
    }

    #[test]
    fn the_count_crosses_month_and_year_ends() {
        assert_eq!(
            meeting_state(
                POLICY,
                Some(day("2026-12-25")),
                Some(day("2026-01-01")),
                day("2026-01-01"),
                day("2027-01-08")
            ),
            MeetingState::Overdue {
                days_since: 14,
                from: CountedFrom::LastMeeting
            }
        );
    }
}
