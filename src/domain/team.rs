//! Who was on whose team on which day. A rep is on one team at a time; a
//! manager may say when a rep really joined (`team add @rep since DAY`), and
//! a 1:1 dated before the join day moves it back when the rep was on no
//! other team then.

use chrono::{Duration, NaiveDate};

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
    /// They were not on the manager's team that day and are not on it now.
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
    // A day the rep was on the team counts, whether they are on it now or
    // left since.
    if theirs().any(|s| &s.manager == manager && s.covers(day)) {
        return SessionDay::OnTeam;
    }
    // The current stint is open, so it covers every day from its start:
    // past this, `day` is before the join day.
    let Some(current) = theirs().find(|s| &s.manager == manager && s.left_on.is_none()) else {
        return SessionDay::NotOnTeam;
    };
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
    /// Off the team from `left_on` (their last day is the one before).
    /// `coached_after`: 1:1s logged after the day named kept them on until
    /// the last of those.
    Leaves {
        left_on: NaiveDate,
        coached_after: bool,
    },
    /// They left the day they joined with nothing logged: no trace is kept.
    Erased,
    NotOnTeam,
}

/// Where a stint that began on `joined` ends when the rep leaves on `day`:
/// at the end of `day` when something of that day counts for them on the
/// team (`counts_on_day`: a 1:1 or a team meeting), at its start otherwise;
/// never before the end of their last 1:1 on the stint, nor before it began.
/// A stint left the day it began holds no day, so it is erased.
pub fn leave(
    joined: NaiveDate,
    day: NaiveDate,
    counts_on_day: bool,
    last_session: Option<NaiveDate>,
) -> RemoveOutcome {
    let named = if counts_on_day && day >= joined {
        day + Duration::days(1)
    } else {
        day
    };
    let after_sessions = last_session.map(|last| last + Duration::days(1));
    let left_on = named.max(joined).max(after_sessions.unwrap_or(joined));
    if left_on == joined {
        RemoveOutcome::Erased
    } else {
        RemoveOutcome::Leaves {
            left_on,
            coached_after: after_sessions.is_some_and(|after| after > named.max(joined)),
        }
    }
}

/// What taking back a `team add` or `team remove` did for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamTakenBack {
    /// The command put them on the team: they are off it again.
    OffTheTeam,
    /// The command moved their join day: it is this day again.
    JoinDay(NaiveDate),
    /// The command ended their stint (or erased it): it is back, from
    /// `joined_on`, open or up to `left_on`.
    Stint {
        joined_on: NaiveDate,
        left_on: Option<NaiveDate>,
    },
}

/// Why an undo of a team change changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamUndoRefused {
    /// The stint put back would share days with the rep's time on this
    /// manager's team.
    OnAnotherTeam {
        rep: SlackUserId,
        manager: SlackUserId,
    },
    /// Taking the stint away would leave this 1:1 outside any stint.
    CoachedInIt { rep: SlackUserId, day: NaiveDate },
}

/// What `team add @rep [since DAY]` does for one rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinChange {
    /// A new stint from this day.
    Joins(NaiveDate),
    /// Their time on another manager's team ends today (something of today
    /// counts for them there), so their stint here begins tomorrow.
    JoinsAfter {
        manager: SlackUserId,
        day: NaiveDate,
    },
    /// They left this team today: their stint goes on as if they had not,
    /// from the day it began.
    Back(NaiveDate),
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
        None if since.is_none() => {
            // Back as if they had not left, unless another stint began
            // since (another manager's from tomorrow).
            let left_today = theirs
                .iter()
                .find(|s| &s.manager == manager && s.left_on.is_some_and(|left| left >= today));
            if let Some(stint) = left_today {
                let left = stint.left_on.unwrap_or(today);
                if !theirs
                    .iter()
                    .any(|s| s != stint && overlaps(s, left, NaiveDate::MAX))
                {
                    return JoinChange::Back(stint.joined_on);
                }
            }
            let tomorrow = today + Duration::days(1);
            match earliest_free(&theirs, manager, None, day) {
                Some(JoinChange::Overlaps { manager, earliest }) if earliest == tomorrow => {
                    JoinChange::JoinsAfter {
                        manager,
                        day: tomorrow,
                    }
                }
                Some(refused) => refused,
                None => JoinChange::Joins(day),
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

    /// `team add @ana` by U0BOSS, no day named.
    fn boss_adds_ana(stints: &[Membership], today: NaiveDate) -> JoinChange {
        join_change(stints, &user("U0BOSS"), &user("U0ANA"), None, today, None)
    }

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
    fn a_rep_who_left_is_on_the_team_for_the_days_they_were_on_it() {
        let stints = [stint("U0BOSS", "U0ANA", "2026-10-01", Some("2026-11-01"))];
        let on = |d: &str| session_day(&stints, &user("U0BOSS"), &user("U0ANA"), day(d));
        assert_eq!(on("2026-10-10"), SessionDay::OnTeam);
        assert_eq!(on("2026-10-31"), SessionDay::OnTeam);
        assert_eq!(on("2026-11-01"), SessionDay::NotOnTeam);
        assert_eq!(on("2026-09-30"), SessionDay::NotOnTeam);
    }

    #[test]
    fn leaving_ends_at_the_end_of_a_day_that_counts_and_at_its_start_otherwise() {
        let joined = day("2026-11-02");
        assert_eq!(
            leave(joined, day("2026-11-27"), true, Some(day("2026-11-27"))),
            RemoveOutcome::Leaves {
                left_on: day("2026-11-28"),
                coached_after: false
            }
        );
        assert_eq!(
            leave(joined, day("2026-11-27"), false, Some(day("2026-11-20"))),
            RemoveOutcome::Leaves {
                left_on: day("2026-11-27"),
                coached_after: false
            }
        );
        // Named an earlier day, with coaching logged after it.
        assert_eq!(
            leave(joined, day("2026-11-10"), false, Some(day("2026-11-20"))),
            RemoveOutcome::Leaves {
                left_on: day("2026-11-21"),
                coached_after: true
            }
        );
    }

    #[test]
    fn leaving_the_day_of_joining_with_nothing_that_counts_erases_the_stint() {
        let joined = day("2026-11-27");
        assert_eq!(
            leave(joined, day("2026-11-27"), false, None),
            RemoveOutcome::Erased
        );
        assert_eq!(
            leave(joined, day("2026-11-20"), false, None),
            RemoveOutcome::Erased
        );
        assert_eq!(
            leave(joined, day("2026-11-27"), true, None),
            RemoveOutcome::Leaves {
                left_on: day("2026-11-28"),
                coached_after: false
            }
        );
    }

    #[test]
    fn adding_a_rep_whose_time_on_another_team_ends_today_joins_them_tomorrow() {
        let stints = [stint("U0OTHER", "U0ANA", "2026-10-01", Some("2026-11-28"))];
        assert_eq!(
            boss_adds_ana(&stints, day("2026-11-27")),
            JoinChange::JoinsAfter {
                manager: user("U0OTHER"),
                day: day("2026-11-28")
            }
        );
    }

    #[test]
    fn adding_back_a_rep_who_left_this_team_today_keeps_their_stint() {
        let today = day("2026-11-27");
        for left in ["2026-11-27", "2026-11-28"] {
            let stints = [stint("U0BOSS", "U0ANA", "2026-10-01", Some(left))];
            assert_eq!(
                boss_adds_ana(&stints, today),
                JoinChange::Back(day("2026-10-01")),
                "{left}"
            );
        }
        // Left yesterday: a new stint.
        let stints = [stint("U0BOSS", "U0ANA", "2026-10-01", Some("2026-11-26"))];
        assert_eq!(boss_adds_ana(&stints, today), JoinChange::Joins(today));
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
            boss_adds_ana(&stints, day("2026-11-27")),
            JoinChange::OnAnotherTeam(user("U0OTHER"))
        );
    }
}
