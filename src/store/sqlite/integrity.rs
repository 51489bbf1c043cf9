//! `coachbot check`: recounts and cross-checks the records. Each check is
//! one query for the rows that break a rule; a clean database has none.

use super::{SqliteStore, StoreError};
use crate::store::{Checked, Finding, Stint};

/// A rep row beside the entry it hangs on.
#[derive(sqlx::FromRow)]
struct RepRowAgainstEntry {
    team_id: String,
    entry: i64,
    rep: String,
    row_day: String,
    entry_day: String,
    row_minutes: String,
    entry_minutes: String,
    row_kind: String,
    entry_kind: String,
    entry_workspace: String,
}

/// An entry, by its workspace and ID.
#[derive(sqlx::FromRow)]
struct EntryAt {
    team_id: String,
    entry: i64,
}

/// A session's rep who was not on the manager's team that day.
#[derive(sqlx::FromRow)]
struct RepOffTeam {
    team_id: String,
    entry: i64,
    manager_id: String,
    rep_id: String,
    held_on: String,
}

/// Two of a rep's stints that share a day.
#[derive(sqlx::FromRow)]
struct Overlap {
    team_id: String,
    rep_id: String,
    first_manager: String,
    first_joined: String,
    first_left: Option<String>,
    second_manager: String,
    second_joined: String,
    second_left: Option<String>,
}

/// A rep row the repair could not place (`log_reps_undecided`).
#[derive(sqlx::FromRow)]
struct UndecidedRow {
    team_id: String,
    rep_id: String,
    held_on: String,
    minutes: u32,
    activity: String,
    was_log_id: i64,
    candidates: u32,
}

/// How many rows `check` looked at.
#[derive(sqlx::FromRow)]
struct Counts {
    entries: i64,
    rep_rows: i64,
    memberships: i64,
}

impl SqliteStore {
    /// Every disagreement in the records, oldest first within each check.
    #[tracing::instrument(skip(self))]
    pub async fn check(&self) -> Result<(Checked, Vec<Finding>), StoreError> {
        let mut findings = Vec::new();
        let rows: Vec<RepRowAgainstEntry> = sqlx::query_as(
            "SELECT r.team_id, r.log_id AS entry, r.rep_id AS rep,
                    r.held_on AS row_day, COALESCE(l.held_on, '') AS entry_day,
                    CAST(r.minutes AS TEXT) AS row_minutes,
                    COALESCE(CAST(l.minutes AS TEXT), '') AS entry_minutes,
                    r.activity AS row_kind, COALESCE(l.activity, l.kind, '') AS entry_kind,
                    COALESCE(l.team_id, '') AS entry_workspace
             FROM log_reps r LEFT JOIN logs l ON l.id = r.log_id
             WHERE l.id IS NULL OR l.kind <> 'session' OR l.team_id <> r.team_id
                OR l.held_on <> r.held_on OR l.minutes <> r.minutes OR l.activity <> r.activity
             ORDER BY r.log_id, r.rowid",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        for row in rows {
            let fields = [
                ("workspace", row.team_id.clone(), row.entry_workspace),
                ("day", row.row_day, row.entry_day),
                ("minutes", row.row_minutes, row.entry_minutes),
                ("kind", row.row_kind, row.entry_kind),
            ];
            for (field, row_has, entry_has) in fields {
                if row_has != entry_has {
                    findings.push(Finding::RepRowDisagrees {
                        workspace: row.team_id.clone(),
                        entry: row.entry,
                        rep: row.rep.clone(),
                        field,
                        row_has,
                        entry_has: if entry_has.is_empty() {
                            "nothing: the entry is gone".into()
                        } else {
                            entry_has
                        },
                    });
                }
            }
        }
        let rows: Vec<EntryAt> = sqlx::query_as(
            "SELECT team_id, id AS entry FROM logs l WHERE kind = 'session'
               AND NOT EXISTS (SELECT 1 FROM log_reps r WHERE r.log_id = l.id) ORDER BY id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::SessionWithoutReps {
            workspace: row.team_id,
            entry: row.entry,
        }));
        let rows: Vec<RepOffTeam> = sqlx::query_as(
            "SELECT l.team_id, l.id AS entry, l.manager_id, r.rep_id, l.held_on
             FROM logs l JOIN log_reps r ON r.log_id = l.id
             WHERE l.kind = 'session' AND NOT EXISTS (
                 SELECT 1 FROM memberships m
                 WHERE m.team_id = l.team_id AND m.manager_id = l.manager_id AND m.rep_id = r.rep_id
                   AND m.joined_on <= l.held_on AND (m.left_on IS NULL OR l.held_on < m.left_on))
             ORDER BY l.id, r.rowid",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::RepNotOnTeam {
            workspace: row.team_id,
            entry: row.entry,
            manager: row.manager_id,
            rep: row.rep_id,
            day: row.held_on,
        }));
        // Stints that share a day; an empty stint (left the day it joined)
        // holds no day.
        let rows: Vec<Overlap> = sqlx::query_as(
            "SELECT a.team_id, a.rep_id, a.manager_id AS first_manager,
                    a.joined_on AS first_joined, a.left_on AS first_left,
                    b.manager_id AS second_manager, b.joined_on AS second_joined,
                    b.left_on AS second_left
             FROM memberships a JOIN memberships b
               ON b.team_id = a.team_id AND b.rep_id = a.rep_id AND b.id > a.id
             WHERE a.joined_on < COALESCE(b.left_on, '9999-12-31')
               AND b.joined_on < COALESCE(a.left_on, '9999-12-31')
               AND a.joined_on < COALESCE(a.left_on, '9999-12-31')
               AND b.joined_on < COALESCE(b.left_on, '9999-12-31')
             ORDER BY a.id, b.id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::TwoTeamsAtOnce {
            workspace: row.team_id,
            rep: row.rep_id,
            first: Stint {
                manager: row.first_manager,
                joined_on: row.first_joined,
                left_on: row.first_left,
            },
            second: Stint {
                manager: row.second_manager,
                joined_on: row.second_joined,
                left_on: row.second_left,
            },
        }));
        let rows: Vec<UndecidedRow> = sqlx::query_as(
            "SELECT team_id, rep_id, held_on, minutes, activity, was_log_id, candidates
             FROM log_reps_undecided ORDER BY id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::Undecided {
            workspace: row.team_id,
            rep: row.rep_id,
            day: row.held_on,
            minutes: row.minutes,
            activity: row.activity,
            was_entry: row.was_log_id,
            candidates: row.candidates,
        }));
        let rows: Vec<EntryAt> = sqlx::query_as(
            "SELECT team_id, id AS entry FROM logs
             WHERE line_id IS NULL OR line_id NOT IN (SELECT id FROM log_lines) ORDER BY id",
        )
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::EntryWithoutLine {
            workspace: row.team_id,
            entry: row.entry,
        }));
        let counts: Counts = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM logs) AS entries,
                    (SELECT COUNT(*) FROM log_reps) AS rep_rows,
                    (SELECT COUNT(*) FROM memberships) AS memberships",
        )
        .fetch_one(&mut *self.readers.acquire().await?)
        .await?;
        let checked = Checked {
            entries: counts.entries as usize,
            rep_rows: counts.rep_rows as usize,
            memberships: counts.memberships as usize,
        };
        Ok((checked, findings))
    }
}
