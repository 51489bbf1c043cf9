//! An error and its causes on one line, each said once: "could not open the
//! database …: database error: (code: 8) attempt to write a readonly
//! database". Some libraries repeat a cause's text in its parent's message.

use std::error::Error;

pub fn one_line(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = next.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not open the database")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("error returned from database: {0}")]
    struct Middle(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("(code: 8) attempt to write a readonly database")]
    struct Inner;

    #[test]
    fn each_cause_is_said_once() {
        assert_eq!(
            one_line(&Outer(Middle(Inner))),
            "could not open the database: error returned from database: (code: 8) attempt to write a readonly database"
        );
    }
}
