//! `coachbot try`: `/coach` lines typed in a terminal, carried out as one
//! manager against a local database and answered as text, so coachbot can
//! be seen at work before a Slack app exists. `@name` makes up a rep.

use std::collections::HashMap;
use std::io::Write;

use chrono_tz::Tz;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::app::{AppContext, Invocation, Surface};
use crate::domain::{SlackUserId, WorkspaceId};
use crate::messages;
use crate::store::StoreError;

/// The file `try` keeps its records in, in the current folder; never
/// `DATABASE_URL`, so trying coachbot cannot touch a real database.
pub const TRY_DATABASE: &str = "coachbot-try.db";
const WORKSPACE: &str = "T0TRY";
const YOU: &str = "U0YOU";

#[derive(Debug, thiserror::Error)]
pub enum TryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not read the input or write the answer")]
    Io(#[from] std::io::Error),
}

/// Made-up reps: the ID each typed name stands for, and back.
#[derive(Default)]
struct Names {
    shown: HashMap<String, String>,
}

impl Names {
    /// `@dana` → `<@UDANA|dana>`, as Slack sends a mention; other words as typed.
    fn mentions(&mut self, line: &str) -> String {
        line.split(' ')
            .map(|word| {
                let Some(name) = word.strip_prefix('@') else {
                    return word.to_string();
                };
                let end = name
                    .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_' || c == '-'))
                    .unwrap_or(name.len());
                let (name, rest) = name.split_at(end);
                let id: String = name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(20)
                    .collect::<String>()
                    .to_ascii_uppercase();
                if id.is_empty() {
                    return word.to_string();
                }
                let id = format!("U{id}");
                self.shown.insert(id.clone(), name.to_string());
                format!("<@{id}|{name}>{rest}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn name(&self, id: &str) -> String {
        match self.shown.get(id) {
            Some(name) => name.clone(),
            None if id == YOU => "you".to_string(),
            None => id.trim_start_matches('U').to_lowercase(),
        }
    }
}

/// Reads lines until the input ends or `exit`, answering each. `tz` sets
/// the manager's time zone (otherwise the one stored, or UTC).
pub async fn run(
    ctx: &AppContext,
    tz: Option<Tz>,
    input: impl AsyncBufRead + Unpin,
    output: &mut impl Write,
    prompt: bool,
) -> Result<(), TryError> {
    let workspace =
        WorkspaceId::parse(WORKSPACE).map_err(|_| StoreError::Corrupt(WORKSPACE.into()))?;
    let you = SlackUserId::parse(YOU).map_err(|_| StoreError::Corrupt(YOU.into()))?;
    let now = ctx.clock.now();
    let manager = match ctx.store.manager(&workspace, &you).await? {
        Some(manager) => manager,
        None => {
            ctx.store
                .add_manager(&workspace, &you, tz.unwrap_or(Tz::UTC), now)
                .await?
        }
    };
    if let Some(tz) = tz.filter(|tz| *tz != manager.tz()) {
        ctx.store.set_time_zone_override(&manager, Some(tz)).await?;
    }
    writeln!(
        output,
        "coachbot try: you are a sales manager in {}. Type what you would type after /coach; \
         @name makes up a rep. Records are kept in ./{TRY_DATABASE}. `help` lists what works here; \
         `exit` or Ctrl-D ends.\nStart with: team add @dana @lee since {}",
        tz.unwrap_or(manager.tz()).name(),
        crate::domain::YearMonth::of(manager.today(now))
            .first_day()
            .format("%Y-%m-%d")
    )?;
    let mut names = Names::default();
    let mut lines = input.lines();
    loop {
        if prompt {
            write!(output, "/coach ")?;
            output.flush()?;
        }
        let Some(line) = lines.next_line().await? else {
            break;
        };
        let line = line.trim();
        let line = line.strip_prefix("/coach").unwrap_or(line).trim();
        if matches!(line, "exit" | "quit") {
            break;
        }
        let answer = ctx
            .handle(Invocation {
                workspace: workspace.clone(),
                user: you.clone(),
                text: names.mentions(line),
                surface: Surface::Terminal,
            })
            .await;
        let text = messages::as_text(&messages::reply(&answer), |id| names.name(id));
        writeln!(output, "{text}\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_become_mentions_and_read_back_as_typed() {
        let mut names = Names::default();
        assert_eq!(
            names.mentions("45m @dana, @Lee.Ray pipeline"),
            "45m <@UDANA|dana>, <@ULEERAY|Lee.Ray> pipeline"
        );
        assert_eq!(names.name("ULEERAY"), "Lee.Ray");
        assert_eq!(names.name(YOU), "you");
        assert_eq!(names.mentions("email a@b @ alone"), "email a@b @ alone");
    }
}
