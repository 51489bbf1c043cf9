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
    entry_team: String,
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
                    COALESCE(l.team_id, '') AS entry_team
             FROM log_reps r LEFT JOIN logs l ON l.id = r.log_id
             WHERE l.id IS NULL OR l.kind <> 'session' OR l.team_id <> r.team_id
                OR l.held_on <> r.held_on OR l.minutes <> r.minutes OR l.activity <> r.activity
             ORDER BY r.log_id, r.rowid",
        )
        .fetch_all(&self.readers)
        .await?;
        for row in rows {
            let fields = [
                ("workspace", row.team_id.clone(), row.entry_team),
                ("day", row.row_day, row.entry_day),
                ("minutes", row.row_minutes, row.entry_minutes),
                ("kind", row.row_kind, row.entry_kind),
            ];
            for (field, row_has, entry_has) in fields {
                if row_has != entry_has {
                    findings.push(Finding::RepRowDisagrees {
                        team: row.team_id.clone(),
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
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT team_id, id FROM logs l WHERE kind = 'session'
               AND NOT EXISTS (SELECT 1 FROM log_reps r WHERE r.log_id = l.id) ORDER BY id",
        )
        .fetch_all(&self.readers)
        .await?;
        findings.extend(
            rows.into_iter()
                .map(|(team, entry)| Finding::SessionWithoutReps { team, entry }),
        );
        let rows: Vec<(String, i64, String, String, String)> = sqlx::query_as(
            "SELECT l.team_id, l.id, l.manager_id, r.rep_id, l.held_on
             FROM logs l JOIN log_reps r ON r.log_id = l.id
             WHERE l.kind = 'session' AND NOT EXISTS (
                 SELECT 1 FROM memberships m
                 WHERE m.team_id = l.team_id AND m.manager_id = l.manager_id AND m.rep_id = r.rep_id
                   AND m.joined_on <= l.held_on AND (m.left_on IS NULL OR l.held_on < m.left_on))
             ORDER BY l.id, r.rowid",
        )
        .fetch_all(&self.readers)
        .await?;
        findings.extend(rows.into_iter().map(|(team, entry, manager, rep, day)| {
            Finding::RepNotOnTeam {
                team,
                entry,
                manager,
                rep,
                day,
            }
        }));
        // Stints that share a day; an empty stint (left the day it joined)
        // holds no day.
        type Overlap = (
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Overlap> = sqlx::query_as(
            "SELECT a.team_id, a.rep_id, a.manager_id, a.joined_on, a.left_on,
                    b.manager_id, b.joined_on, b.left_on
             FROM memberships a JOIN memberships b
               ON b.team_id = a.team_id AND b.rep_id = a.rep_id AND b.id > a.id
             WHERE a.joined_on < COALESCE(b.left_on, '9999-12-31')
               AND b.joined_on < COALESCE(a.left_on, '9999-12-31')
               AND a.joined_on < COALESCE(a.left_on, '9999-12-31')
               AND b.joined_on < COALESCE(b.left_on, '9999-12-31')
             ORDER BY a.id, b.id",
        )
        .fetch_all(&self.readers)
        .await?;
        findings.extend(rows.into_iter().map(
            |(
                team,
                rep,
                first_manager,
                first_joined,
                first_left,
                second_manager,
                second_joined,
                second_left,
            )| {
                Finding::TwoTeamsAtOnce {
                    team,
                    rep,
                    first: Stint {
                        manager: first_manager,
                        joined_on: first_joined,
                        left_on: first_left,
                    },
                    second: Stint {
                        manager: second_manager,
                        joined_on: second_joined,
                        left_on: second_left,
                    },
                }
            },
        ));
        type UndecidedRow = (String, String, String, u32, String, i64, u32);
        let rows: Vec<UndecidedRow> = sqlx::query_as(
            "SELECT team_id, rep_id, held_on, minutes, activity, was_log_id, candidates
             FROM log_reps_undecided ORDER BY id",
        )
        .fetch_all(&self.readers)
        .await?;
        findings.extend(rows.into_iter().map(
            |(team, rep, day, minutes, activity, was_entry, candidates)| Finding::Undecided {
                team,
                rep,
                day,
                minutes,
                activity,
                was_entry,
                candidates,
            },
        ));
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT team_id, id FROM logs
             WHERE line_id IS NULL OR line_id NOT IN (SELECT id FROM log_lines) ORDER BY id",
        )
        .fetch_all(&self.readers)
        .await?;
        findings.extend(
            rows.into_iter()
                .map(|(team, entry)| Finding::EntryWithoutLine { team, entry }),
        );
        let (entries, rep_rows, memberships): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM logs), (SELECT COUNT(*) FROM log_reps),
                    (SELECT COUNT(*) FROM memberships)",
        )
        .fetch_one(&self.readers)
        .await?;
        let checked = Checked {
            entries: entries as usize,
            rep_rows: rep_rows as usize,
            memberships: memberships as usize,
        };
        Ok((checked, findings))
    }
}
