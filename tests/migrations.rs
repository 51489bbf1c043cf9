//! PostgreSQL migrations only add (expand); what a release no longer needs
//! is removed a release later (contract). During a deploy, replicas of the
//! old and the new version run side by side on one database, so the new
//! version's migrations must leave everything the old one reads and writes
//! in place: no table, column, index or constraint dropped or renamed, no
//! column changing its type or becoming NOT NULL, and no new NOT NULL
//! column the old version's inserts would leave empty.

use std::path::Path;

/// A statement a migration must not hold, and why.
#[derive(Debug, PartialEq, Eq)]
struct Breach {
    statement: String,
    why: &'static str,
}

/// The statements of `sql` that would break a replica of the previous
/// version running beside it.
fn breaches(sql: &str) -> Vec<Breach> {
    let mut found = Vec::new();
    for statement in statements(sql) {
        let words: Vec<&str> = statement
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let has = |sequence: &[&str]| words.windows(sequence.len()).any(|w| w == sequence);
        let mut why = Vec::new();
        if has(&["DROP"]) {
            why.push("it drops what the running version still uses");
        }
        if has(&["RENAME"]) {
            why.push("it renames what the running version still uses by its old name");
        }
        if words.starts_with(&["ALTER", "TABLE"]) {
            if has(&["TYPE"]) {
                why.push("it changes a column's type under the running version");
            }
            if has(&["SET", "NOT", "NULL"]) {
                why.push("it makes a column NOT NULL that the running version may leave empty");
            }
            if adds_a_required_column(&statement) {
                why.push("it adds a NOT NULL column without a DEFAULT, which the running version's inserts leave empty");
            }
        }
        found.extend(why.into_iter().map(|why| Breach {
            statement: statement.clone(),
            why,
        }));
    }
    found
}

/// Whether an `ALTER TABLE` adds a column that is NOT NULL with no DEFAULT
/// (nor identity) to fill it.
fn adds_a_required_column(statement: &str) -> bool {
    actions(statement).iter().any(|action| {
        let words: Vec<&str> = action.split_whitespace().collect();
        let has = |sequence: &[&str]| words.windows(sequence.len()).any(|w| w == sequence);
        words.contains(&"ADD")
            && !has(&["ADD", "CONSTRAINT"])
            && has(&["NOT", "NULL"])
            && !words.contains(&"DEFAULT")
            && !words.contains(&"GENERATED")
    })
}

/// The comma-separated actions of an `ALTER TABLE`, commas inside
/// parentheses left alone.
fn actions(statement: &str) -> Vec<String> {
    let mut actions = vec![String::new()];
    let mut depth = 0usize;
    for c in statement.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                actions.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(action) = actions.last_mut() {
            action.push(c);
        }
    }
    actions
}

/// The statements of `sql`, upper case, one space between words, without
/// comments or string literals (which may say anything).
fn statements(sql: &str) -> Vec<String> {
    let mut code = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('-', Some('-')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                code.push(' ');
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                code.push(' ');
            }
            ('\'', _) => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
                code.push_str("''");
            }
            _ => code.push(c),
        }
    }
    code.split(';')
        .map(|statement| {
            statement
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase()
        })
        .filter(|statement| !statement.is_empty())
        .collect()
}

#[test]
fn postgres_migrations_only_add_so_two_versions_can_run_side_by_side() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the PostgreSQL migrations folder")
        .map(|entry| entry.expect("a migration").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no migrations in {}", folder.display());
    let mut report = Vec::new();
    for file in &files {
        let sql = std::fs::read_to_string(file).expect("a readable migration");
        for breach in breaches(&sql) {
            report.push(format!(
                "{}: {}: {}",
                file.file_name().unwrap_or_default().to_string_lossy(),
                breach.why,
                breach.statement
            ));
        }
    }
    assert!(
        report.is_empty(),
        "PostgreSQL migrations only add (expand/contract): during a deploy the previous \
         version runs beside the new one on the same database. Add the new table or column \
         (nullable, or with a DEFAULT) in this release, move readers and writers to it, and \
         drop, rename or tighten the old one in a later release, once no running version \
         uses it.\n{}",
        report.join("\n")
    );
}

#[test]
fn each_kind_of_change_that_breaks_the_running_version_is_found() {
    for (sql, why) in [
        ("DROP TABLE join_moves;", "drops"),
        ("ALTER TABLE logs DROP COLUMN note;", "drops"),
        ("DROP INDEX logs_by_line;", "drops"),
        ("ALTER TABLE logs RENAME COLUMN note TO text;", "renames"),
        ("ALTER TABLE logs RENAME TO entries;", "renames"),
        (
            "ALTER TABLE logs ALTER COLUMN minutes TYPE INTEGER;",
            "type",
        ),
        (
            "alter table logs alter minutes set data type integer;",
            "type",
        ),
        (
            "ALTER TABLE logs ALTER COLUMN activity SET NOT NULL;",
            "NOT NULL",
        ),
        (
            "ALTER TABLE logs ADD COLUMN source TEXT NOT NULL;",
            "without a DEFAULT",
        ),
    ] {
        let found = breaches(sql);
        assert!(
            found.iter().any(|breach| breach.why.contains(why)),
            "{sql}: {found:?}"
        );
    }
}

#[test]
fn additions_comments_and_strings_are_not_taken_for_breaking_changes() {
    let sql = "-- We never DROP or RENAME here.
        /* ALTER COLUMN x TYPE y would break old replicas */
        CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL);
        ALTER TABLE logs ADD COLUMN source TEXT NOT NULL DEFAULT 'typed', ADD COLUMN origin TEXT;
        ALTER TABLE logs ADD COLUMN n BIGINT GENERATED BY DEFAULT AS IDENTITY;
        CREATE INDEX logs_by_source ON logs (source);
        INSERT INTO notes VALUES (1, 'drop table logs; rename');";
    assert_eq!(breaches(sql), []);
}
