//! What each reminder job has to say to whom, decided from records and a
//! day. Pure: the application gathers the records and the instant, these
//! functions decide, and the scheduler renders what they decide.

use chrono::NaiveDate;

use super::manager_time::ManagerTime;
use super::meetings::MeetingState;
use super::pace::{share_on_pace, RepProgress};
use super::records::{Manager, MonthActivity};
use super::types::{Activity, SlackUserId, YearMonth};

/// Why a job has nothing to send someone today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Snoozed { until: NaiveDate },
    NoReps,
    MeetingNotDue,
    EveryoneOnPace,
}

impl SkipReason {
    pub fn describe(self) -> String {
        match self {
            SkipReason::Snoozed { until } => format!("snoozed until {until}"),
            SkipReason::NoReps => "no reps".to_string(),
            SkipReason::MeetingNotDue => "meeting not due".to_string(),
            SkipReason::EveryoneOnPace => "no rep far enough behind pace".to_string(),
        }
    }
}

/// A rep behind pace, with the coaching they have had least of this month.
#[derive(Debug, Clone, PartialEq)]
pub struct BehindRep {
    pub progress: RepProgress,
    pub suggestion: Activity,
}

fn snoozed(manager: &Manager, today: NaiveDate) -> Option<SkipReason> {
    manager
        .snoozed_on(today)
        .map(|until| SkipReason::Snoozed { until })
}

/// `meeting-check`: a DM when a team meeting is due or overdue.
pub fn meeting_check(
    manager: &Manager,
    team_size: usize,
    state: MeetingState,
    today: NaiveDate,
) -> Result<MeetingState, SkipReason> {
    if let Some(reason) = snoozed(manager, today) {
        return Err(reason);
    }
    if team_size == 0 {
        return Err(SkipReason::NoReps);
    }
    if state.needs_meeting() {
        Ok(state)
    } else {
        Err(SkipReason::MeetingNotDue)
    }
}

/// `coaching-pace`: a DM listing every rep at least `threshold` minutes
/// behind today's pace; a rep who left is never behind.
pub fn coaching_pace(
    manager: &Manager,
    progress: &[RepProgress],
    activity: &MonthActivity,
    month: YearMonth,
    today: NaiveDate,
    threshold: u32,
) -> Result<Vec<BehindRep>, SkipReason> {
    if let Some(reason) = snoozed(manager, today) {
        return Err(reason);
    }
    if !progress.iter().any(RepProgress::on_team) {
        return Err(SkipReason::NoReps);
    }
    let behind: Vec<BehindRep> = progress
        .iter()
        .filter(|p| p.behind() && p.gap() >= threshold)
        .map(|p| BehindRep {
            progress: p.clone(),
            suggestion: least_coached(&p.rep, activity, month, today),
        })
        .collect();
    if behind.is_empty() {
        Err(SkipReason::EveryoneOnPace)
    } else {
        Ok(behind)
    }
}

/// Of the article's four kinds of coaching, the one the rep has had fewest
/// minutes of this month by `today`, as their pace counts them (ties go to
/// the earlier in this list).
pub fn least_coached(
    rep: &SlackUserId,
    activity: &MonthActivity,
    month: YearMonth,
    today: NaiveDate,
) -> Activity {
    const KINDS: [Activity; 4] = [
        Activity::Pipeline,
        Activity::Observation,
        Activity::Deal,
        Activity::Skill,
    ];
    let minutes_of = |kind: Activity| -> u32 {
        activity
            .sessions
            .iter()
            .filter(|s| &s.rep == rep && s.activity == kind)
            .filter(|s| month.contains(s.held_on) && s.held_on <= today)
            .map(|s| s.minutes)
            .sum()
    };
    KINDS
        .into_iter()
        .min_by_key(|kind| minutes_of(*kind))
        .unwrap_or(Activity::Pipeline)
}

/// One manager's line in the channel digest: numbers only, never notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerDigest {
    pub manager: SlackUserId,
    pub meetings_last_7_days: u32,
    pub reps_on_pace: usize,
    pub reps: usize,
    /// The manager's own time this month, each 1:1 and meeting once.
    pub coached_this_month: u32,
    /// The credit of the reps on the team today, which counts a meeting
    /// for every rep in it.
    pub credited_this_month: u32,
    pub snoozed_until: Option<NaiveDate>,
}

/// The manager's line from their team's month and their own time in it:
/// the share on pace and the reps' credit count only the reps on the team
/// today.
pub fn manager_digest(
    manager: &Manager,
    progress: &[RepProgress],
    coached: ManagerTime,
    meetings_last_7_days: u32,
    today: NaiveDate,
) -> ManagerDigest {
    let (reps_on_pace, reps) = share_on_pace(progress);
    ManagerDigest {
        manager: manager.id.clone(),
        meetings_last_7_days,
        reps_on_pace,
        reps,
        coached_this_month: coached.total(),
        credited_this_month: progress
            .iter()
            .filter(|p| p.on_team())
            .map(|p| p.minutes.total())
            .sum(),
        snoozed_until: manager.snoozed_on(today),
    }
}

/// A team's own digest, for its channel: the manager's meetings and each
/// rep's month against pace. Numbers only, never notes.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamDigest {
    pub manager: SlackUserId,
    pub meetings_last_7_days: u32,
    pub reps: Vec<RepProgress>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{day, user};
    use crate::domain::{
        pace, CountedFrom, Pace, RepMinutes, SessionRecord, Standing, WorkspaceId,
    };
    use chrono_tz::Tz;

    fn manager(snoozed_until: Option<&str>) -> Manager {
        Manager {
            workspace: WorkspaceId::parse("T0TEAM").expect("team"),
            id: user("U0BOSS"),
            slack_tz: Tz::UTC,
            tz_override: None,
            snoozed_until: snoozed_until.map(day),
            first_used: "2026-01-01T00:00:00Z".parse().expect("instant"),
            digest_channel: None,
        }
    }

    fn progress(rep: &str, p: Pace) -> RepProgress {
        RepProgress {
            rep: user(rep),
            minutes: RepMinutes {
                one_on_one: p.minutes,
                meetings: 0,
            },
            standing: Standing::OnTeam {
                pace: p,
                counted_from: None,
            },
        }
    }

    const OVERDUE: MeetingState = MeetingState::Overdue {
        days_since: 15,
        from: CountedFrom::LastMeeting,
    };

    #[test]
    fn a_due_or_overdue_meeting_is_sent() {
        assert_eq!(
            meeting_check(&manager(None), 3, OVERDUE, day("2026-11-30")),
            Ok(OVERDUE)
        );
        let due = MeetingState::Due {
            days_since: 7,
            from: CountedFrom::LastMeeting,
        };
        assert_eq!(
            meeting_check(&manager(None), 3, due, day("2026-11-30")),
            Ok(due)
        );
        let fine = MeetingState::OnTrack {
            days_since: 2,
            from: CountedFrom::LastMeeting,
        };
        assert_eq!(
            meeting_check(&manager(None), 3, fine, day("2026-11-30")),
            Err(SkipReason::MeetingNotDue)
        );
    }

    #[test]
    fn a_manager_without_reps_gets_nothing() {
        assert_eq!(
            meeting_check(&manager(None), 0, OVERDUE, day("2026-11-30")),
            Err(SkipReason::NoReps)
        );
        assert_eq!(
            coaching_pace(
                &manager(None),
                &[],
                &MonthActivity::default(),
                YearMonth::new(2026, 11).expect("m"),
                day("2026-11-30"),
                30
            ),
            Err(SkipReason::NoReps)
        );
    }

    #[test]
    fn snooze_holds_until_the_day_it_ends_and_not_on_it() {
        let snoozed = manager(Some("2026-11-30"));
        assert_eq!(
            meeting_check(&snoozed, 3, OVERDUE, day("2026-11-29")),
            Err(SkipReason::Snoozed {
                until: day("2026-11-30")
            })
        );
        assert_eq!(
            meeting_check(&snoozed, 3, OVERDUE, day("2026-11-30")),
            Ok(OVERDUE)
        );
    }

    #[test]
    fn only_reps_behind_pace_are_listed_with_a_suggestion() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-16");
        let ana = progress("U0ANA", pace(180, month, today, day("2026-10-01"), 30));
        let ben = progress("U0BEN", pace(180, month, today, day("2026-10-01"), 120));
        let activity = MonthActivity {
            sessions: vec![
                SessionRecord {
                    rep: user("U0ANA"),
                    minutes: 30,
                    activity: Activity::Pipeline,
                    held_on: day("2026-11-03"),
                },
                // Held after the day the job is run for: not hers yet.
                SessionRecord {
                    rep: user("U0ANA"),
                    minutes: 60,
                    activity: Activity::Observation,
                    held_on: day("2026-11-20"),
                },
            ],
            ..MonthActivity::default()
        };
        let behind = coaching_pace(
            &manager(None),
            &[ana.clone(), ben.clone()],
            &activity,
            month,
            today,
            30,
        )
        .expect("someone behind");
        assert_eq!(behind.len(), 1);
        assert_eq!(behind[0].progress.rep, user("U0ANA"));
        assert_eq!(behind[0].progress.gap(), 60);
        // She has had pipeline reviews but no observation yet.
        assert_eq!(behind[0].suggestion, Activity::Observation);
        assert_eq!(
            coaching_pace(&manager(None), &[ben], &activity, month, today, 30),
            Err(SkipReason::EveryoneOnPace)
        );
    }

    #[test]
    fn a_rep_who_joined_mid_month_is_not_behind_for_days_before_joining() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-26");
        let new_rep = progress("U0NEW", pace(180, month, today, day("2026-11-24"), 12));
        // Two days on the team: 12 minutes expected, 12 logged.
        assert_eq!(
            coaching_pace(
                &manager(None),
                &[new_rep],
                &MonthActivity::default(),
                month,
                today,
                30
            ),
            Err(SkipReason::EveryoneOnPace)
        );
    }

    #[test]
    fn a_rep_less_than_the_threshold_behind_is_not_worth_a_dm() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-16");
        // 90 minutes expected on the 16th.
        let close = progress("U0ANA", pace(180, month, today, day("2026-10-01"), 61));
        let far = progress("U0BEN", pace(180, month, today, day("2026-10-01"), 60));
        assert_eq!(close.gap(), 29);
        let activity = MonthActivity::default();
        assert_eq!(
            coaching_pace(
                &manager(None),
                std::slice::from_ref(&close),
                &activity,
                month,
                today,
                30
            ),
            Err(SkipReason::EveryoneOnPace)
        );
        let behind = coaching_pace(&manager(None), &[close, far], &activity, month, today, 30)
            .expect("one far enough behind");
        assert_eq!(behind.len(), 1);
        assert_eq!(behind[0].progress.rep, user("U0BEN"));
    }

    fn left(rep: &str, minutes: u32, last_day: &str) -> RepProgress {
        RepProgress {
            rep: user(rep),
            minutes: RepMinutes {
                one_on_one: minutes,
                meetings: 0,
            },
            standing: Standing::Left {
                last_day: day(last_day),
            },
        }
    }

    #[test]
    fn a_rep_who_left_is_never_nudged() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-16");
        let gone = left("U0CAL", 0, "2026-11-09");
        assert_eq!(
            coaching_pace(
                &manager(None),
                std::slice::from_ref(&gone),
                &MonthActivity::default(),
                month,
                today,
                30
            ),
            Err(SkipReason::NoReps)
        );
        let ana = progress("U0ANA", pace(180, month, today, day("2026-10-01"), 120));
        assert_eq!(
            coaching_pace(
                &manager(None),
                &[ana, gone],
                &MonthActivity::default(),
                month,
                today,
                30
            ),
            Err(SkipReason::EveryoneOnPace)
        );
    }

    #[test]
    fn the_digests_share_on_pace_counts_only_the_reps_on_the_team_today() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-16");
        let reps = [
            progress("U0ANA", pace(180, month, today, day("2026-10-01"), 120)),
            left("U0CAL", 45, "2026-11-09"),
        ];
        let digest = manager_digest(&manager(None), &reps, ManagerTime::default(), 0, today);
        assert_eq!((digest.reps_on_pace, digest.reps), (1, 1));
    }

    #[test]
    fn the_digest_counts_numbers_only() {
        let month = YearMonth::new(2026, 11).expect("m");
        let today = day("2026-11-16");
        let reps = [
            progress("U0ANA", pace(180, month, today, day("2026-10-01"), 30)),
            progress("U0BEN", pace(180, month, today, day("2026-10-01"), 120)),
        ];
        // A 1h meeting with both and a 30m 1:1 with Ben: 1h 30m of the
        // manager's time, 2h 30m of the reps' credit.
        let coached = ManagerTime {
            one_on_one: 30,
            meetings: 60,
        };
        let digest = manager_digest(&manager(None), &reps, coached, 2, today);
        assert_eq!(digest.reps_on_pace, 1);
        assert_eq!(digest.reps, 2);
        assert_eq!(digest.coached_this_month, 90);
        assert_eq!(digest.credited_this_month, 150);
        assert_eq!(digest.meetings_last_7_days, 2);
    }
}
