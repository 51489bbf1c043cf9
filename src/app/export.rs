//! `coachbot export`: a month of records as CSV for a spreadsheet.

use std::io::{self, Write};

use crate::domain::Confirmation;
use crate::store::ExportRow;

/// The columns; new ones are added at the end, so a spreadsheet reading
/// by position keeps working.
const HEADER: [&str; 11] = [
    "workspace",
    "date",
    "kind",
    "manager",
    "rep",
    "minutes",
    "activity",
    "topics",
    "note",
    "logged_at",
    "confirmation",
];

/// Writes RFC 4180 CSV: fields with commas, quotes or line breaks are quoted.
pub fn write_csv(rows: &[ExportRow], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", HEADER.join(","))?;
    for row in rows {
        let held_on = row.held_on.format("%Y-%m-%d").to_string();
        let minutes = row.minutes.to_string();
        let fields = [
            row.workspace_id.as_str(),
            &held_on,
            row.kind.name(),
            row.manager_id.as_str(),
            &row.rep_id,
            &minutes,
            &row.activity,
            &row.topics,
            &row.note,
            &row.logged_at,
            confirmation_column(row.confirmation),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// A session rep's word as the `confirmation` column has it: empty when
/// nobody asked (and for a meeting).
pub fn confirmation_column(word: Confirmation) -> &'static str {
    match word {
        Confirmation::NotAsked => "",
        Confirmation::Asked => "asked",
        Confirmation::Helped => "helped",
        Confirmation::Disputed => "disputed",
        Confirmation::Kept => "kept",
    }
}

fn field(value: &str) -> String {
    // A leading = + - @ would run as a formula when opened in a spreadsheet.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryKind, SlackUserId, WorkspaceId};

    fn row(note: &str) -> ExportRow {
        ExportRow {
            workspace_id: WorkspaceId::parse("T0TEAM").expect("team"),
            held_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("day"),
            kind: EntryKind::Session,
            manager_id: SlackUserId::parse("U0BOSS").expect("manager"),
            rep_id: "U0ANA".into(),
            minutes: 45,
            activity: "pipeline".into(),
            topics: String::new(),
            note: note.into(),
            logged_at: "2026-11-27T10:00:00+00:00".into(),
            confirmation: Confirmation::NotAsked,
        }
    }

    fn csv(rows: &[ExportRow]) -> String {
        let mut out = Vec::new();
        write_csv(rows, &mut out).expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn rows_follow_the_header() {
        assert_eq!(
            csv(&[row("pipeline review")]),
            "workspace,date,kind,manager,rep,minutes,activity,topics,note,logged_at,confirmation\nT0TEAM,2026-11-27,session,U0BOSS,U0ANA,45,pipeline,,pipeline review,2026-11-27T10:00:00+00:00,\n"
        );
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        let out = csv(&[row("deals, \"big\" ones\nand more")]);
        assert!(
            out.contains(",\"deals, \"\"big\"\" ones\nand more\","),
            "{out}"
        );
    }

    #[test]
    fn formula_like_notes_are_defused() {
        let out = csv(&[row("=HYPERLINK(\"x\")")]);
        assert!(out.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{out}");
    }
}
