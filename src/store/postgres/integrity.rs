//! `coachbot check` on PostgreSQL: the same recounts and cross-checks as
//! on SQLite (`sqlite/integrity.rs`), each one query for the rows that
//! break a rule, all in one snapshot. Days and minutes are compared and
//! named as text in SQLite's forms (`2026-11-27`, `45`), so a finding
//! reads the same on both databases. Rep rows are ordered by `position`,
//! the order they were stored in, as SQLite orders them by rowid.

use super::{PgStore, StoreError};
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
    minutes: i64,
    activity: String,
    was_log_id: i64,
    candidates: i64,
}

/// How many rows `check` looked at.
#[derive(sqlx::FromRow)]
struct Counts {
    entries: i64,
    rep_rows: i64,
    memberships: i64,
}

/// A count or minutes as `Finding` holds them.
fn small(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value}")))
}

impl PgStore {
    /// Every disagreement in the records, oldest first within each check.
    #[tracing::instrument(skip(self))]
    pub(super) async fn check(&self) -> Result<(Checked, Vec<Finding>), StoreError> {
        let mut tx = self.snapshot().await?;
        let mut findings = Vec::new();
        let rows: Vec<RepRowAgainstEntry> = sqlx::query_as(
            "SELECT r.team_id, r.log_id AS entry, r.rep_id AS rep,
                    to_char(r.held_on, 'YYYY-MM-DD') AS row_day,
                    COALESCE(to_char(l.held_on, 'YYYY-MM-DD'), '') AS entry_day,
                    r.minutes::text AS row_minutes,
                    COALESCE(l.minutes::text, '') AS entry_minutes,
                    r.activity AS row_kind, COALESCE(l.activity, l.kind, '') AS entry_kind,
                    COALESCE(l.team_id, '') AS entry_workspace
             FROM log_reps r LEFT JOIN logs l ON l.id = r.log_id
             WHERE l.id IS NULL OR l.kind <> 'session' OR l.team_id <> r.team_id
                OR l.held_on <> r.held_on OR l.minutes <> r.minutes OR l.activity <> r.activity
             ORDER BY r.log_id, r.position",
        )
        .fetch_all(&mut *tx)
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
        .fetch_all(&mut *tx)
        .await?;
        findings.extend(rows.into_iter().map(|row| Finding::SessionWithoutReps {
            workspace: row.team_id,
            entry: row.entry,
        }));
        let rows: Vec<RepOffTeam> = sqlx::query_as(
            "SELECT l.team_id, l.id AS entry, l.manager_id, r.rep_id,
                    to_char(l.held_on, 'YYYY-MM-DD') AS held_on
             FROM logs l JOIN log_reps r ON r.log_id = l.id
             WHERE l.kind = 'session' AND NOT EXISTS (
                 SELECT 1 FROM memberships m
                 WHERE m.team_id = l.team_id AND m.manager_id = l.manager_id AND m.rep_id = r.rep_id
                   AND m.joined_on <= l.held_on AND (m.left_on IS NULL OR l.held_on < m.left_on))
             ORDER BY l.id, r.position",
        )
        .fetch_all(&mut *tx)
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
                    to_char(a.joined_on, 'YYYY-MM-DD') AS first_joined,
                    to_char(a.left_on, 'YYYY-MM-DD') AS first_left,
                    b.manager_id AS second_manager,
                    to_char(b.joined_on, 'YYYY-MM-DD') AS second_joined,
                    to_char(b.left_on, 'YYYY-MM-DD') AS second_left
             FROM memberships a JOIN memberships b
               ON b.team_id = a.team_id AND b.rep_id = a.rep_id AND b.id > a.id
             WHERE a.joined_on < COALESCE(b.left_on, 'infinity')
               AND b.joined_on < COALESCE(a.left_on, 'infinity')
               AND a.joined_on < COALESCE(a.left_on, 'infinity')
               AND b.joined_on < COALESCE(b.left_on, 'infinity')
             ORDER BY a.id, b.id",
        )
        .fetch_all(&mut *tx)
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
            "SELECT team_id, rep_id, to_char(held_on, 'YYYY-MM-DD') AS held_on, minutes,
                    activity, was_log_id, candidates
             FROM log_reps_undecided ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            findings.push(Finding::Undecided {
                workspace: row.team_id,
                rep: row.rep_id,
                day: row.held_on,
                minutes: small(row.minutes, "minutes")?,
                activity: row.activity,
                was_entry: row.was_log_id,
                candidates: small(row.candidates, "candidates")?,
            });
        }
        let rows: Vec<EntryAt> = sqlx::query_as(
            "SELECT team_id, id AS entry FROM logs l
             WHERE line_id IS NULL
                OR NOT EXISTS (SELECT 1 FROM log_lines ll WHERE ll.id = l.line_id)
             ORDER BY id",
        )
        .fetch_all(&mut *tx)
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
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let count = |n: i64| usize::try_from(n).unwrap_or(usize::MAX);
        let checked = Checked {
            entries: count(counts.entries),
            rep_rows: count(counts.rep_rows),
            memberships: count(counts.memberships),
        };
        Ok((checked, findings))
    }
}

#[cfg(test)]
mod tests {
    use super::super::both::Both;
    use crate::store::Finding;

    #[tokio::test]
    async fn records_the_bot_wrote_are_found_clean_and_counted_as_on_sqlite() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        both.stint(&lee, "U0ANN", "2026-11-02", None).await;
        both.session(&lee, &["U0ANN"], "2026-11-05", 30, "deal")
            .await;
        both.meeting(&lee, "2026-11-06", 45).await;
        let on_pg = both.pg.check().await.expect("checks");
        assert_eq!(on_pg, both.sqlite.check().await.expect("checks"));
        let (checked, findings) = on_pg;
        assert_eq!(
            (checked.entries, checked.rep_rows, checked.memberships),
            (2, 1, 1)
        );
        assert_eq!(findings, vec![]);
    }

    #[tokio::test]
    async fn every_kind_of_disagreement_is_found_as_on_sqlite() {
        let Some(both) = Both::new().await else {
            return;
        };
        let lee = both.manager("U0LEE").await;
        let kim = both.manager("U0KIM").await;
        both.stint(&lee, "U0ANN", "2026-10-01", None).await;
        both.stint(&kim, "U0ANN", "2026-10-05", Some("2026-10-20"))
            .await;
        both.stint(&kim, "U0BEN", "2026-10-05", Some("2026-10-05"))
            .await;
        both.stint(&lee, "U0BEN", "2026-10-01", None).await;
        let moved = both
            .session(&lee, &["U0ANN"], "2026-11-05", 30, "deal")
            .await;
        both.run(&format!(
            "UPDATE log_reps SET held_on = '2026-11-06', minutes = 25, activity = 'skill'
             WHERE log_id = {moved}"
        ))
        .await;
        let meeting = both.meeting(&lee, "2026-11-06", 45).await;
        both.run(&format!(
            "INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity)
             VALUES ({meeting}, 'U0BEN', 'T0OTHER', '2026-11-06', 45, 'other')"
        ))
        .await;
        both.session(
            &lee,
            &["U0ZED", "U0ANN", "U0YAN"],
            "2026-11-07",
            20,
            "skill",
        )
        .await;
        let without_reps = both.session(&lee, &[], "2026-11-08", 15, "other").await;
        both.run(&format!(
            "UPDATE logs SET line_id = NULL WHERE id = {without_reps};
             INSERT INTO log_reps_undecided (team_id, rep_id, held_on, minutes, activity,
                                             was_log_id, candidates)
             VALUES ('T0TEAM', 'U0CAL', '2026-09-30', 40, 'pipeline', 7, 2)"
        ))
        .await;
        let on_pg = both.pg.check().await.expect("checks");
        let on_sqlite = both.sqlite.check().await.expect("checks");
        assert_eq!(on_pg, on_sqlite);
        let off_team: Vec<&str> = on_pg
            .1
            .iter()
            .filter_map(|finding| match finding {
                Finding::RepNotOnTeam { rep, .. } => Some(rep.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            off_team,
            ["U0ZED", "U0YAN"],
            "in the order they were stored"
        );
        let kinds: Vec<String> = on_pg
            .1
            .iter()
            .map(|finding| format!("{finding:?}"))
            .map(|finding| finding.split([' ', '{']).next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "RepRowDisagrees",
                "RepRowDisagrees",
                "RepRowDisagrees",
                "RepRowDisagrees",
                "RepRowDisagrees",
                "SessionWithoutReps",
                "RepNotOnTeam",
                "RepNotOnTeam",
                "TwoTeamsAtOnce",
                "Undecided",
                "EntryWithoutLine",
            ],
            "{:#?}",
            on_pg.1
        );
    }
}
