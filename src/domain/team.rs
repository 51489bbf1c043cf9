//! Who was on whose team on which day. A rep is on one team at a time; a
//! manager may say when a rep really joined (`team add @rep since DAY`), and
//! a 1:1 dated before the join day moves it back when the rep was on no
//! other team then.

use chrono::NaiveDate;

use super::records::Membership;
use super::types::SlackUserId;

/// Whether a rep may have a 1:1 with `manager` on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionDay {
    /// They were on the manager's team that day.
    OnTeam,
    /// They are on the team now and were on no team that day: their join
    /// day moves back to the session's day.
    JoinDayMovesBack { from: NaiveDate, to: NaiveDate },
    /// They are not on the manager's team now.
    NotOnTeam,
    /// That day they were on another manager's team.
    OnAnotherTeam { manager: SlackUserId },
    /// They left this team and came back, and the day is before their
    /// earlier stint began on it.
    BeforeEarlierStint { joined: NaiveDate },
}

/// Decides [`SessionDay`] from every stint the rep has had.
pub fn session_day(
    stints: &[Membership],
    manager: &SlackUserId,
    rep: &SlackUserId,
    day: NaiveDate,
) -> SessionDay {
    let theirs = || stints.iter().filter(|s| &s.rep == rep);
    let Some(current) = theirs().find(|s| &s.manager == manager && s.left_on.is_none()) else {
        return SessionDay::NotOnTeam;
    };
    // The current stint is open, so it covers every day from its start:
    // past this, `day` is before the join day.
    if theirs().any(|s| &s.manager == manager && s.covers(day)) {
        return SessionDay::OnTeam;
    }
    match theirs().find(|s| *s != current && overlaps(s, day, current.joined_on)) {
        Some(other) if &other.manager != manager => SessionDay::OnAnotherTeam {
            manager: other.manager.clone(),
        },
        // The rep left this team and came back, and the day is before that
        // earlier stint: moving the join day over it would merge the two.
        Some(earlier) => SessionDay::BeforeEarlierStint {
            joined: earlier.joined_on,
        },
        None => SessionDay::JoinDayMovesBack {
            from: current.joined_on,
            to: day,
        },
    }
}

/// Whether a stint shares a day with `[from, until)`.
fn overlaps(stint: &Membership, from: NaiveDate, until: NaiveDate) -> bool {
    let empty = stint.left_on.is_some_and(|left| left <= stint.joined_on);
    !empty && stint.joined_on < until && stint.left_on.is_none_or(|left| left > from)
}

/// What `team remove` did for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    /// Off the team from this day: today, or the day after their last 1:1.
    Leaves(NaiveDate),
    NotOnTeam,
}

/// What `team add @rep [since DAY]` does for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinChange {
    /// A new stint from this day.
    Joins(NaiveDate),
    /// Already on the team; the join day moves.
    Moves { from: NaiveDate, to: NaiveDate },
    /// Already on the team from that day (or no day was given).
    Unchanged(NaiveDate),
    /// On another manager's team now.
    OnAnotherTeam(SlackUserId),
    /// The day would share days with a stint on another manager's team;
    /// the earliest day that would not.
    Overlaps {
        manager: SlackUserId,
        earliest: NaiveDate,
    },
    /// The day would share days with the rep's earlier stint on this team;
    /// the earliest day that would not.
    OverlapsEarlierStint { earliest: NaiveDate },
    /// Already on the team, with coaching logged before the new day: moving
    /// the join day past it would leave those sessions outside the team.
    CoachedBefore { first: NaiveDate },
}

/// Decides [`JoinChange`]. `since` is the day named, if any; `today` the
/// manager's. `first_session` is the rep's earliest 1:1 with this manager
/// in their current stint, if any.
pub fn join_change(
    stints: &[Membership],
    manager: &SlackUserId,
    rep: &SlackUserId,
    since: Option<NaiveDate>,
    today: NaiveDate,
    first_session: Option<NaiveDate>,
) -> JoinChange {
    let theirs: Vec<&Membership> = stints.iter().filter(|s| &s.rep == rep).collect();
    let current = theirs.iter().find(|s| s.left_on.is_none());
    let day = since.unwrap_or(today);
    match current {
        Some(current) if &current.manager != manager => {
            JoinChange::OnAnotherTeam(current.manager.clone())
        }
        Some(current) if since.is_none() || day == current.joined_on => {
            JoinChange::Unchanged(current.joined_on)
        }
        Some(current) => {
            if let Some(first) = first_session.filter(|first| *first < day) {
                return JoinChange::CoachedBefore { first };
            }
            if let Some(earliest) = earliest_free(&theirs, manager, Some(current), day) {
                return earliest;
            }
            JoinChange::Moves {
                from: current.joined_on,
                to: day,
            }
        }
        None => earliest_free(&theirs, manager, None, day).unwrap_or(JoinChange::Joins(day)),
    }
}

/// The overlap refusal when a stint from `day` on would share days with an
/// earlier one (other than `current`); `manager` is the one asking.
fn earliest_free(
    theirs: &[&Membership],
    manager: &SlackUserId,
    current: Option<&&Membership>,
    day: NaiveDate,
) -> Option<JoinChange> {
    theirs
        .iter()
        .filter(|s| current.is_none_or(|c| c != *s))
        .filter(|s| overlaps(s, day, NaiveDate::MAX))
        .filter_map(|s| s.left_on.map(|left| (left, &s.manager)))
        .max()
        .map(|(left, theirs)| {
            if theirs == manager {
                JoinChange::OverlapsEarlierStint { earliest: left }
            } else {
                JoinChange::Overlaps {
                    manager: theirs.clone(),
                    earliest: left,
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{day, stint, user};

    #[test]
    fn a_session_on_or_after_the_join_day_is_on_the_team() {
        let stints = [stint("U0BOSS", "U0ANA", "2026-11-10", None)];
        for on in ["2026-11-10", "2026-11-27"] {
            assert_eq!(
                session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day(on)),
                SessionDay::OnTeam
            );
        }
    }

    #[test]
    fn a_session_before_the_join_day_moves_it_back_when_the_rep_was_on_no_team() {
        let stints = [stint("U0BOSS", "U0ANA", "2026-11-27", None)];
        assert_eq!(
            session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day("2026-11-02")),
            SessionDay::JoinDayMovesBack {
                from: day("2026-11-27"),
                to: day("2026-11-02")
            }
        );
    }

    #[test]
    fn a_session_on_a_day_the_rep_was_on_another_team_names_that_manager() {
        let stints = [
            stint("U0OTHER", "U0ANA", "2026-10-01", Some("2026-11-20")),
            stint("U0BOSS", "U0ANA", "2026-11-20", None),
        ];
        assert_eq!(
            session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day("2026-11-19")),
            SessionDay::OnAnotherTeam {
                manager: user("U0OTHER")
            }
        );
        // After the other stint ended but before joining: moves back to it.
        let stints = [
            stint("U0OTHER", "U0ANA", "2026-10-01", Some("2026-11-05")),
            stint("U0BOSS", "U0ANA", "2026-11-20", None),
        ];
        assert_eq!(
            session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day("2026-11-05")),
            SessionDay::JoinDayMovesBack {
                from: day("2026-11-20"),
                to: day("2026-11-05")
            }
        );
    }

    #[test]
    fn a_session_in_an_earlier_stint_on_the_same_team_is_on_the_team() {
        let stints = [
            stint("U0BOSS", "U0ANA", "2026-10-01", Some("2026-10-20")),
            stint("U0BOSS", "U0ANA", "2026-11-20", None),
        ];
        assert_eq!(
            session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day("2026-10-10")),
            SessionDay::OnTeam
        );
    }

    #[test]
    fn a_rep_not_on_the_team_now_is_not_on_it() {
        let stints = [stint("U0BOSS", "U0ANA", "2026-10-01", Some("2026-11-01"))];
        assert_eq!(
            session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day("2026-10-10")),
            SessionDay::NotOnTeam
        );
    }

    #[test]
    fn team_add_since_sets_the_join_day_of_a_new_rep() {
        assert_eq!(
            join_change(
                &[],
                &user("U0BOSS"),
                &user("U0ANA"),
                Some(day("2026-11-01")),
                day("2026-11-27"),
                None
            ),
            JoinChange::Joins(day("2026-11-01"))
        );
        assert_eq!(
            join_change(
                &[],
                &user("U0BOSS"),
                &user("U0ANA"),
                None,
                day("2026-11-27"),
                None
            ),
            JoinChange::Joins(day("2026-11-27"))
        );
    }

    #[test]
    fn team_add_since_moves_the_join_day_of_a_rep_on_the_team_either_way() {
        let stints = [stint("U0BOSS", "U0ANA", "2026-11-27", None)];
        let change = |since: &str, first: Option<&str>| {
            join_change(
                &stints,
                &user("U0BOSS"),
                &user("U0ANA"),
                Some(day(since)),
                day("2026-11-28"),
                first.map(day),
            )
        };
        assert_eq!(
            change("2026-11-01", None),
            JoinChange::Moves {
                from: day("2026-11-27"),
                to: day("2026-11-01")
            }
        );
        assert_eq!(
            change("2026-11-28", None),
            JoinChange::Moves {
                from: day("2026-11-27"),
                to: day("2026-11-28")
            }
        );
        assert_eq!(
            change("2026-11-28", Some("2026-11-27")),
            JoinChange::CoachedBefore {
                first: day("2026-11-27")
            }
        );
        assert_eq!(
            change("2026-11-27", None),
            JoinChange::Unchanged(day("2026-11-27"))
        );
    }

    #[test]
    fn team_add_since_never_overlaps_time_on_another_team() {
        let stints = [stint("U0OTHER", "U0ANA", "2026-10-01", Some("2026-11-10"))];
        assert_eq!(
            join_change(
                &stints,
                &user("U0BOSS"),
                &user("U0ANA"),
                Some(day("2026-11-01")),
                day("2026-11-27"),
                None
            ),
            JoinChange::Overlaps {
                manager: user("U0OTHER"),
                earliest: day("2026-11-10")
            }
        );
        assert_eq!(
            join_change(
                &stints,
                &user("U0BOSS"),
                &user("U0ANA"),
                Some(day("2026-11-10")),
                day("2026-11-27"),
                None
            ),
            JoinChange::Joins(day("2026-11-10"))
        );
    }

    #[test]
    fn team_add_since_never_overlaps_an_earlier_stint_on_the_same_team() {
        let stints = [stint("U0BOSS", "U0ANA", "2025-06-02", Some("2026-11-10"))];
        assert_eq!(
            join_change(
                &stints,
                &user("U0BOSS"),
                &user("U0ANA"),
                Some(day("2025-01-01")),
                day("2026-11-27"),
                None
            ),
            JoinChange::OverlapsEarlierStint {
                earliest: day("2026-11-10")
            }
        );
    }

    #[test]
    fn a_rep_on_another_team_now_is_refused_with_that_manager() {
        let stints = [stint("U0OTHER", "U0ANA", "2026-10-01", None)];
        assert_eq!(
            join_change(
                &stints,
                &user("U0BOSS"),
                &user("U0ANA"),
                None,
                day("2026-11-27"),
                None
            ),
            JoinChange::OnAnotherTeam(user("U0OTHER"))
        );
    }
}
