//! The layers of `src/`, and a check that every module uses only those
//! below it. Reads the source; a new module, or a use of a module above,
//! fails here until the table says otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top: each module, and what it may use. Every name a module
/// may use comes before it.
const LAYERS: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("causes", &[]),
    ("telemetry", &[]),
    ("domain", &[]),
    ("sealing", &["domain"]),
    ("command", &["domain"]),
    ("config", &["causes", "domain", "sealing"]),
    ("store", &["domain", "sealing", "telemetry"]),
    ("slack", &["clock", "domain", "telemetry"]),
    (
        "app",
        &[
            "clock",
            "causes",
            "telemetry",
            "domain",
            "sealing",
            "command",
            "config",
            "store",
            "slack",
        ],
    ),
    ("messages", &["domain", "app"]),
    (
        "inbound",
        &[
            "clock",
            "causes",
            "telemetry",
            "domain",
            "config",
            "store",
            "slack",
            "app",
            "messages",
        ],
    ),
    (
        "scheduler",
        &[
            "causes",
            "telemetry",
            "domain",
            "config",
            "store",
            "app",
            "messages",
        ],
    ),
    (
        "startup",
        &[
            "clock",
            "telemetry",
            "config",
            "store",
            "slack",
            "app",
            "inbound",
            "scheduler",
        ],
    ),
    (
        "main",
        &[
            "clock",
            "causes",
            "domain",
            "config",
            "store",
            "app",
            "inbound",
            "scheduler",
            "startup",
        ],
    ),
];

/// A use of `used` by a file of module `user` that the table does not allow.
#[derive(Debug, PartialEq, Eq)]
struct BackArrow {
    file: String,
    user: String,
    used: String,
}

/// The module path of a file under `src/`: `app/jobs.rs` is `app::jobs`,
/// `app/mod.rs` is `app`, `main.rs` is `main`.
fn module_path(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.split('/').map(str::to_string).collect();
    if let Some(last) = parts.last_mut() {
        if last == "mod.rs" {
            parts.pop();
        } else if let Some(stem) = last.strip_suffix(".rs") {
            *last = stem.to_string();
        }
    }
    parts
}

/// The code of a file without comments, so that a doc comment naming a
/// module is not a use of it.
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where each inline `mod name { … }` of a file starts and ends: a path
/// inside one is a level deeper than the file.
fn inline_modules(code: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("mod ") {
        let start = from + at;
        from = start + 4;
        let after = &code[from..];
        let name_end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let opens = after[name_end..].trim_start().starts_with('{');
        let word_start =
            start == 0 || !code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if !(opens && word_start && name_end > 0) {
            continue;
        }
        let open = from + name_end + after[name_end..].find('{').unwrap_or(0);
        let mut depth = 0;
        for (offset, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        spans.push((open, open + offset));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    spans
}

/// The top-level modules a file's paths reach: `crate::x`, `super::…` that
/// climbs out of its own module, `{a, b}` groups after either, and in the
/// binary `coachbot::x`.
fn modules_used(file: &str, source: &str) -> BTreeSet<String> {
    let here = module_path(file);
    let code = code(source);
    let inline = inline_modules(&code);
    let mut used = BTreeSet::new();
    let root = if here == ["main"] {
        "coachbot::"
    } else {
        "crate::"
    };
    let mut rest = code.as_str();
    while let Some(at) = rest.find(root).or_else(|| rest.find("super::")) {
        let crate_at = rest.find(root);
        let super_at = rest.find("super::");
        let (start, absolute) = match (crate_at, super_at) {
            (Some(c), Some(s)) if s < c => (s, false),
            (Some(c), _) => (c, true),
            (None, Some(s)) => (s, false),
            (None, None) => (at, true),
        };
        let mut path = &rest[start..];
        let position = code.len() - rest.len() + start;
        let mut depth = here.len()
            + inline
                .iter()
                .filter(|(open, close)| *open < position && position < *close)
                .count();
        if absolute {
            path = &path[root.len()..];
            depth = 0;
        } else {
            // A file module's own `super` is its parent; each further one
            // climbs a level.
            let mut climbs = 0;
            while let Some(next) = path.strip_prefix("super::") {
                climbs += 1;
                path = next;
            }
            depth = depth.saturating_sub(climbs);
        }
        if depth == 0 {
            if let Some(group) = path.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    if let Some(name) = first_name(item.trim()) {
                        used.insert(name);
                    }
                }
            } else if let Some(name) = first_name(path) {
                used.insert(name);
            }
        }
        rest = &rest[start + 1..];
    }
    used.remove(&here[0]);
    used.remove("self");
    used
}

fn first_name(path: &str) -> Option<String> {
    let name: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Every use the table does not allow, in `files` (path under `src/`, source).
fn back_arrows(files: &BTreeMap<String, String>) -> Vec<BackArrow> {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut found = Vec::new();
    for (file, source) in files {
        let here = module_path(file);
        if here == ["lib"] {
            continue;
        }
        let user = &here[0];
        let may = allowed.get(user.as_str()).copied().unwrap_or(&[]);
        for used in modules_used(file, source) {
            if !may.contains(&used.as_str()) {
                found.push(BackArrow {
                    file: file.clone(),
                    user: user.clone(),
                    used,
                });
            }
        }
    }
    found
}

fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(&src)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(name, std::fs::read_to_string(&path).expect("readable"));
            }
        }
    }
    files
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    assert_eq!(back_arrows(&sources()), []);
}

#[test]
fn the_table_itself_points_only_down() {
    for (at, (module, uses)) in LAYERS.iter().enumerate() {
        let below: Vec<&str> = LAYERS[..at].iter().map(|(name, _)| *name).collect();
        for used in *uses {
            assert!(
                below.contains(used),
                "{module} may use {used}, which is not below it"
            );
        }
    }
}

#[test]
fn every_top_level_module_has_a_place_in_the_table() {
    let in_table: BTreeSet<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
    let in_src: BTreeSet<String> = sources()
        .keys()
        .map(|file| module_path(file)[0].clone())
        .filter(|module| module != "lib")
        .collect();
    let in_src: BTreeSet<&str> = in_src.iter().map(String::as_str).collect();
    assert_eq!(in_src, in_table);
}

#[test]
fn a_back_arrow_is_caught_whichever_way_it_is_written() {
    let files: BTreeMap<String, String> = [
        ("store/logs.rs", "use crate::app::AppContext;"),
        ("store/mod.rs", "use super::messages::reply;"),
        ("domain/pace.rs", "use super::super::config::Settings;"),
        (
            "slack/client.rs",
            "use crate::{domain::SlackUserId, command::Command};",
        ),
        (
            "command/mod.rs",
            "// use crate::store::Store; (a comment is no use)",
        ),
        (
            "command/entry.rs",
            "mod tests { use super::super::token::Token; use super::super::super::app::X; }",
        ),
        ("main.rs", "use coachbot::command::parse;"),
    ]
    .into_iter()
    .map(|(file, source)| (file.to_string(), source.to_string()))
    .collect();
    let arrows: Vec<(String, String)> = back_arrows(&files)
        .into_iter()
        .map(|arrow| (arrow.user, arrow.used))
        .collect();
    let expected: Vec<(String, String)> = [
        ("command", "app"),
        ("domain", "config"),
        ("main", "command"),
        ("slack", "command"),
        ("store", "app"),
        ("store", "messages"),
    ]
    .into_iter()
    .map(|(user, used)| (user.to_string(), used.to_string()))
    .collect();
    assert_eq!(arrows, expected);
}
