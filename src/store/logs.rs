//! Logged coaching: 1:1 sessions and team meetings.

use chrono::{DateTime, NaiveDate, Utc};

use super::{date_text, instant_text, parse_date, parse_user, placeholders, Store, StoreError};
use crate::command::MeetingLog;
use crate::domain::{
    Activity, Manager, MeetingRecord, Membership, MonthActivity, SessionRecord, SlackTeamId,
    SlackUserId, Topic, YearMonth,
};

/// A stored log, as `undo` reports it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub kind: LoggedEntryKind,
    pub minutes: u32,
    pub held_on: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedEntryKind {
    Session {
        reps: Vec<SlackUserId>,
        activity: Activity,
    },
    Meeting {
        topics: Vec<Topic>,
    },
}

/// One row of [`Store::month_activity`]'s union: a kind, then its fields.
type ActivityRow = (
    String,
    String,
    Option<String>,
    Option<u32>,
    String,
    Option<String>,
);

/// The newest log, as `undo` reads it before deleting it.
#[derive(sqlx::FromRow)]
struct LatestLog {
    id: i64,
    kind: String,
    minutes: u32,
    activity: Option<String>,
    topics: Option<String>,
    note: String,
    held_on: String,
}

fn topics_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_topics(raw: &str) -> Result<Vec<Topic>, StoreError> {
    raw.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            Topic::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("topic {code:?}")))
        })
        .collect()
}

impl Store {
    #[tracing::instrument(skip(self, manager, log), fields(team = %manager.team, user = %manager.id))]
    pub async fn insert_meeting(
        &self,
        manager: &Manager,
        log: &MeetingLog,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let id = sqlx::query(
            "INSERT INTO logs (team_id, manager_id, kind, minutes, topics, note, held_on, logged_at)
             VALUES (?, ?, 'meeting', ?, ?, ?, ?, ?)",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(log.minutes.get())
        .bind(topics_text(&log.topics))
        .bind(&log.note)
        .bind(date_text(log.held_on))
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes the manager's most recently logged entry and returns it.
    #[tracing::instrument(skip(self, manager), fields(team = %manager.team, user = %manager.id))]
    pub async fn undo_latest(&self, manager: &Manager) -> Result<Option<LoggedEntry>, StoreError> {
        let mut tx = self.write().await?;
        let row: Option<LatestLog> = sqlx::query_as(
            "SELECT id, kind, minutes, activity, topics, note, held_on FROM logs
             WHERE team_id = ? AND manager_id = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(LatestLog {
            id,
            kind,
            minutes,
            activity,
            topics,
            note,
            held_on,
        }) = row
        else {
            return Ok(None);
        };
        let reps: Vec<String> =
            sqlx::query_scalar("SELECT rep_id FROM log_reps WHERE log_id = ? ORDER BY rowid")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM logs WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let kind = if kind == "session" {
            let activity = activity
                .as_deref()
                .and_then(Activity::from_code)
                .unwrap_or(Activity::Other);
            LoggedEntryKind::Session {
                reps: reps.into_iter().map(parse_user).collect::<Result<_, _>>()?,
                activity,
            }
        } else {
            LoggedEntryKind::Meeting {
                topics: parse_topics(topics.as_deref().unwrap_or(""))?,
            }
        };
        Ok(Some(LoggedEntry {
            kind,
            minutes,
            held_on: parse_date(&held_on)?,
            note,
        }))
    }

    /// The records needed to total these reps' month, in one read: every
    /// membership they have had, their 1:1 minutes in the month (summed per
    /// day and kind), and the meetings of every manager they were with.
    pub async fn month_activity(
        &self,
        team: &SlackTeamId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        if reps.is_empty() {
            return Ok(MonthActivity::default());
        }
        let from = date_text(month.first_day());
        let until = date_text(month.next().first_day());
        let reps_list = placeholders(reps.len());
        let sql = format!(
            "SELECT 'membership', manager_id, rep_id, NULL, joined_on, left_on FROM memberships
             WHERE team_id = ? AND rep_id IN ({reps_list})
             UNION ALL
             SELECT 'session', rep_id, activity, SUM(minutes), held_on, NULL FROM log_reps
             WHERE team_id = ? AND rep_id IN ({reps_list}) AND held_on >= ? AND held_on < ?
             GROUP BY rep_id, held_on, activity
             UNION ALL
             SELECT 'meeting', manager_id, NULL, SUM(minutes), held_on, NULL FROM logs
             WHERE team_id = ? AND kind = 'meeting' AND held_on >= ? AND held_on < ?
               AND manager_id IN (SELECT manager_id FROM memberships
                                  WHERE team_id = ? AND rep_id IN ({reps_list}))
             GROUP BY manager_id, held_on"
        );
        let mut query = sqlx::query_as::<_, ActivityRow>(&sql).bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        query = query.bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        query = query
            .bind(&from)
            .bind(&until)
            .bind(team.as_str())
            .bind(&from)
            .bind(&until)
            .bind(team.as_str());
        for rep in reps {
            query = query.bind(rep.as_str());
        }
        let mut activity = MonthActivity::default();
        for (kind, who, what, minutes, day, until) in query.fetch_all(&self.readers).await? {
            match kind.as_str() {
                "membership" => activity.memberships.push(Membership {
                    manager: parse_user(who)?,
                    rep: parse_user(what.unwrap_or_default())?,
                    joined_on: parse_date(&day)?,
                    left_on: until.as_deref().map(parse_date).transpose()?,
                }),
                "session" => activity.sessions.push(SessionRecord {
                    rep: parse_user(who)?,
                    minutes: minutes.unwrap_or(0),
                    activity: what
                        .as_deref()
                        .and_then(Activity::from_code)
                        .unwrap_or(Activity::Other),
                    held_on: parse_date(&day)?,
                }),
                _ => activity.meetings.push(MeetingRecord {
                    manager: parse_user(who)?,
                    minutes: minutes.unwrap_or(0),
                    held_on: parse_date(&day)?,
                }),
            }
        }
        Ok(activity)
    }

    /// The day of the manager's latest team meeting.
    pub async fn last_meeting(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError> {
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(held_on) FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'meeting'",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .fetch_one(&self.readers)
        .await?;
        last.as_deref().map(parse_date).transpose()
    }

    /// How many team meetings the manager held on days in `[from, until)`.
    pub async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError> {
        let count: u32 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM logs WHERE team_id = ? AND manager_id = ? AND kind = 'meeting'
               AND held_on >= ? AND held_on < ?",
        )
        .bind(manager.team.as_str())
        .bind(manager.id.as_str())
        .bind(date_text(from))
        .bind(date_text(until))
        .fetch_one(&self.readers)
        .await?;
        Ok(count)
    }
}

/// One row of `coachbot export`: a session with one rep, or a meeting.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRow {
    pub team_id: String,
    pub held_on: String,
    pub kind: String,
    pub manager_id: String,
    /// Empty for a meeting, which counts for the whole team.
    pub rep_id: String,
    pub minutes: u32,
    pub activity: String,
    /// Topic codes separated by `;`.
    pub topics: String,
    pub note: String,
    pub logged_at: String,
}

impl Store {
    /// Every session (one row per rep) and meeting held in the month, in
    /// every workspace, oldest first.
    pub async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT l.team_id, l.held_on, l.kind, l.manager_id,
                    COALESCE(r.rep_id, '') AS rep_id, l.minutes,
                    COALESCE(l.activity, '') AS activity,
                    REPLACE(COALESCE(l.topics, ''), ',', ';') AS topics,
                    l.note, l.logged_at
             FROM logs l LEFT JOIN log_reps r ON r.log_id = l.id
             WHERE l.held_on >= ? AND l.held_on < ?
             ORDER BY l.held_on, l.id, r.rowid",
        )
        .bind(date_text(month.first_day()))
        .bind(date_text(month.next().first_day()))
        .fetch_all(&self.readers)
        .await?)
    }
}
