//! When a job is due for someone: the firing of its cron schedule, read in
//! that person's time zone, that has passed on their local day. Pure: the
//! instant is a parameter.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

/// The jobs: the three of PRODUCT.md and each team's own digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    MeetingCheck,
    CoachingPace,
    /// The leaders' roll-up of every team, to `digest.channel`.
    Digest,
    /// Each team's digest, to the channel its manager set.
    TeamDigest,
}

impl Job {
    pub const ALL: [Job; 4] = [
        Job::MeetingCheck,
        Job::CoachingPace,
        Job::Digest,
        Job::TeamDigest,
    ];

    /// The name used on the command line and in the database.
    pub fn name(self) -> &'static str {
        match self {
            Job::MeetingCheck => "meeting-check",
            Job::CoachingPace => "coaching-pace",
            Job::Digest => "digest",
            Job::TeamDigest => "team-digest",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no job called {0:?}; the jobs are meeting-check, coaching-pace, digest and team-digest")]
pub struct UnknownJob(pub String);

impl FromStr for Job {
    type Err = UnknownJob;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Job::ALL
            .into_iter()
            .find(|job| job.name() == s.trim())
            .ok_or_else(|| UnknownJob(s.to_string()))
    }
}

/// The first instant of a local day. Where midnight falls in a DST gap the
/// day starts at the first local time that exists.
pub fn start_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..=3)
        .find_map(|hours| {
            tz.from_local_datetime(&(midnight + Duration::hours(hours)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        // No zone skips more than a few hours; this is the UTC reading.
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// When `schedule` fires on local `day` in `tz`: its first firing that day,
/// or, on a day it does not fire, its time of day on that day.
pub fn scheduled_on(schedule: &cron::Schedule, tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let start = start_of_day(tz, day).with_timezone(&tz) - Duration::seconds(1);
    match schedule.after(&start).next() {
        Some(next) if next.date_naive() == day => next.with_timezone(&Utc),
        Some(next) => tz
            .from_local_datetime(&day.and_time(next.time()))
            .earliest()
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|| start_of_day(tz, day)),
        None => start_of_day(tz, day),
    }
}

/// The latest firing of `schedule` at or before `now` on the local day that
/// `now` falls on in `tz`, or `None` if it has not fired yet that day. A
/// firing missed earlier the same day is still returned, which is what
/// catches up runs missed while the service was down.
pub fn todays_firing(
    schedule: &cron::Schedule,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    // Cron has whole seconds; the latest firing before the next whole
    // second is the latest at or before `now`.
    let next_second = now.trunc_subsecs(0) + Duration::seconds(1);
    schedule
        .after(&next_second.with_timezone(&tz))
        .next_back()
        .filter(|t| t.date_naive() == today)
        .map(|t| t.with_timezone(&Utc))
}

/// The first firing of `schedule` after `now`, read in `tz`, on a local
/// day no earlier than `from_day` (the day a snooze ends); `None` if none
/// comes within the firings looked at.
pub fn next_firing(
    schedule: &cron::Schedule,
    tz: Tz,
    now: DateTime<Utc>,
    from_day: Option<NaiveDate>,
) -> Option<DateTime<Utc>> {
    // A year of hourly firings: enough for any snooze coachbot allows.
    const LOOKED_AT: usize = 10_000;
    schedule
        .after(&now.with_timezone(&tz))
        .take(LOOKED_AT)
        .find(|t| from_day.is_none_or(|day| t.date_naive() >= day))
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe};

    #[test]
    fn the_next_firing_is_in_the_managers_zone_and_waits_for_a_snooze_to_end() {
        let monday_nine = cron("0 0 9 * * Mon");
        // Friday 27 Nov 2026, 10:00 UTC.
        let now = at("2026-11-27T10:00:00Z");
        assert_eq!(
            next_firing(&monday_nine, Europe::Berlin, now, None),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(
            next_firing(&monday_nine, America::New_York, now, None),
            Some(at("2026-11-30T14:00:00Z"))
        );
        let snoozed_until = NaiveDate::from_ymd_opt(2026, 12, 2);
        assert_eq!(
            next_firing(&monday_nine, Europe::Berlin, now, snoozed_until),
            Some(at("2026-12-07T08:00:00Z"))
        );
    }

    fn cron(s: &str) -> cron::Schedule {
        cron::Schedule::from_str(s).expect("test schedule")
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    #[test]
    fn job_names_are_unique_and_round_trip() {
        for job in Job::ALL {
            assert_eq!(job.name().parse::<Job>(), Ok(job));
        }
        let mut names: Vec<&str> = Job::ALL.iter().map(|j| j.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Job::ALL.len());
        assert!("weekly".parse::<Job>().is_err());
    }

    #[test]
    fn one_utc_instant_is_a_different_local_hour_in_tokyo_berlin_and_new_york() {
        let monday_nine = cron("0 0 9 * * Mon");
        // Monday 30 Nov 2026, 00:00 UTC: 09:00 in Tokyo, 01:00 in Berlin,
        // and still Sunday 19:00 in New York.
        let now = at("2026-11-30T00:00:00Z");
        assert_eq!(todays_firing(&monday_nine, Asia::Tokyo, now), Some(now));
        assert_eq!(todays_firing(&monday_nine, Europe::Berlin, now), None);
        assert_eq!(todays_firing(&monday_nine, America::New_York, now), None);
        // 08:00 UTC: Berlin's 09:00 has passed; New York is still asleep.
        let now = at("2026-11-30T08:00:00Z");
        assert_eq!(
            todays_firing(&monday_nine, Europe::Berlin, now),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(todays_firing(&monday_nine, America::New_York, now), None);
        // 14:00 UTC is 09:00 in New York (EST, UTC−5).
        let now = at("2026-11-30T14:00:00Z");
        assert_eq!(
            todays_firing(&monday_nine, America::New_York, now),
            Some(now)
        );
    }

    #[test]
    fn a_firing_one_second_early_has_not_happened() {
        let monday_nine = cron("0 0 9 * * Mon");
        assert_eq!(
            todays_firing(&monday_nine, Asia::Tokyo, at("2026-11-29T23:59:59Z")),
            None
        );
    }

    #[test]
    fn a_firing_missed_earlier_today_is_still_due_but_not_tomorrow() {
        let monday_nine = cron("0 0 9 * * Mon");
        // Tokyo, Monday 23:59 local.
        assert_eq!(
            todays_firing(&monday_nine, Asia::Tokyo, at("2026-11-30T14:59:00Z")),
            Some(at("2026-11-30T00:00:00Z"))
        );
        // Tuesday 00:00 local: that firing belonged to yesterday.
        assert_eq!(
            todays_firing(&monday_nine, Asia::Tokyo, at("2026-11-30T15:00:00Z")),
            None
        );
    }

    #[test]
    fn nine_am_fires_at_nine_local_on_the_days_new_york_changes_clocks() {
        let daily_nine = cron("0 0 9 * * *");
        // 8 March 2026: clocks spring forward; 09:00 EDT is 13:00 UTC.
        assert_eq!(
            todays_firing(&daily_nine, America::New_York, at("2026-03-08T13:59:00Z")),
            Some(at("2026-03-08T13:00:00Z"))
        );
        assert_eq!(
            todays_firing(&daily_nine, America::New_York, at("2026-03-08T12:59:00Z")),
            None
        );
        // 1 November 2026: clocks fall back; 09:00 EST is 14:00 UTC.
        assert_eq!(
            todays_firing(&daily_nine, America::New_York, at("2026-11-01T13:59:00Z")),
            None
        );
        assert_eq!(
            todays_firing(&daily_nine, America::New_York, at("2026-11-01T14:00:00Z")),
            Some(at("2026-11-01T14:00:00Z"))
        );
    }

    #[test]
    fn nine_am_fires_at_nine_local_on_the_days_berlin_changes_clocks() {
        let daily_nine = cron("0 0 9 * * *");
        // 29 March 2026: CET → CEST; 09:00 is 07:00 UTC.
        assert_eq!(
            todays_firing(&daily_nine, Europe::Berlin, at("2026-03-29T07:00:00Z")),
            Some(at("2026-03-29T07:00:00Z"))
        );
        assert_eq!(
            todays_firing(&daily_nine, Europe::Berlin, at("2026-03-29T06:59:59Z")),
            None
        );
        // 25 October 2026: CEST → CET; 09:00 is 08:00 UTC.
        assert_eq!(
            todays_firing(&daily_nine, Europe::Berlin, at("2026-10-25T07:30:00Z")),
            None
        );
        assert_eq!(
            todays_firing(&daily_nine, Europe::Berlin, at("2026-10-25T08:00:00Z")),
            Some(at("2026-10-25T08:00:00Z"))
        );
    }

    #[test]
    fn a_job_firing_twice_a_day_reports_the_latest_passed_firing() {
        let twice = cron("0 0 9,15 * * *");
        assert_eq!(
            todays_firing(&twice, Tz::UTC, at("2026-11-30T16:00:00Z")),
            Some(at("2026-11-30T15:00:00Z"))
        );
    }

    #[test]
    fn a_firing_counts_from_its_own_second_not_before() {
        let every_second = cron("* * * * * *");
        assert_eq!(
            todays_firing(&every_second, Tz::UTC, at("2026-11-30T23:59:59.700Z")),
            Some(at("2026-11-30T23:59:59Z"))
        );
        let nine = cron("0 0 9 * * *");
        assert_eq!(
            todays_firing(&nine, Tz::UTC, at("2026-11-30T09:00:00.500Z")),
            Some(at("2026-11-30T09:00:00Z"))
        );
        assert_eq!(
            todays_firing(&nine, Tz::UTC, at("2026-11-30T08:59:59.999Z")),
            None
        );
    }

    #[test]
    fn a_day_is_reached_at_the_jobs_time_in_each_zone() {
        let monday_nine = cron("0 0 9 * * Mon");
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        assert_eq!(
            scheduled_on(&monday_nine, Asia::Tokyo, monday),
            at("2026-11-30T00:00:00Z")
        );
        assert_eq!(
            scheduled_on(&monday_nine, America::New_York, monday),
            at("2026-11-30T14:00:00Z")
        );
        // A Wednesday: not a firing day, so the job's time of day on it.
        let wednesday = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        assert_eq!(
            scheduled_on(&monday_nine, Europe::Berlin, wednesday),
            at("2026-12-02T08:00:00Z")
        );
    }

    #[test]
    fn days_start_at_local_midnight() {
        assert_eq!(
            start_of_day(
                Asia::Tokyo,
                NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
            ),
            at("2026-11-29T15:00:00Z")
        );
        // Santiago's clocks jump from 00:00 to 01:00 on 6 Sep 2026.
        assert_eq!(
            start_of_day(
                chrono_tz::America::Santiago,
                NaiveDate::from_ymd_opt(2026, 9, 6).expect("date")
            ),
            at("2026-09-06T04:00:00Z")
        );
    }
}
