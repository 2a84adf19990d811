//! The line language of kubeop's conversations: `kubeop shell` (typed or
//! piped), `kubeop demo` (its built-in tour) and `kubeop demo --script FILE`
//! all read the same lines.
//!
//! ```text
//! # A comment: lines whose first non-blank character is '#' are skipped, as are blank lines.
//! show me all pods in production      any other line is a request, asked as `kubeop ask` would
//! scale nginx to 4 in staging         a change answers with a plan ...
//! approve                             ... which `approve` runs (exactly the plan shown, by id and hash)
//! deny not today                      or `deny [REASON]` refuses (the plan most recently shown)
//! auto-approve on                     from here on, every plan is approved as soon as it is shown
//! auto-approve off                    back to deciding each plan (the default)
//! help                                what the session understands
//! exit                                ends the session (also `quit`, or the end of input)
//! ```
//!
//! The directives are whole lines and exact words, so a request is never
//! mistaken for one: `approve` alone approves, while "approve the rollout of
//! web" is a request. Parsing is pure; [`crate::conversation`] carries lines
//! out.

/// The text `help` prints.
pub const HELP: &str = "\
Type a request in plain words (\"list pods in staging\", \"why is checkout crashing\",
\"scale web to 3 in prod\", \"use namespace staging\", \"switch to prod-eu\"), or:
  approve                 run the plan shown last (exactly that plan)
  deny [REASON]           refuse the plan shown last
  auto-approve on|off     approve every plan as soon as it is shown, or not (default off)
  help                    this text
  exit                    end the session (also quit, Ctrl-D)
Ctrl-C cancels the request in progress; the session goes on.
";

/// One line, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Blank or a comment.
    Skip,
    /// A request in plain words.
    Ask(String),
    /// Approve the plan shown last.
    Approve,
    /// Deny the plan shown last, with the reason given, if any.
    Deny(Option<String>),
    /// Approve every plan as soon as it is shown (`true`), or not.
    AutoApprove(bool),
    /// Print [`HELP`].
    Help,
    /// End the session.
    Exit,
}

/// A line that looks like a directive but is not a valid one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line:?}: {reason}")]
pub struct LineError {
    /// The line as given.
    pub line: String,
    /// What is wrong with it and what would be right.
    pub reason: String,
}

/// Understands one line.
pub fn parse(line: &str) -> Result<Line, LineError> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(Line::Skip);
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let error = |reason: &str| LineError {
        line: trimmed.to_owned(),
        reason: reason.to_owned(),
    };
    Ok(match words.as_slice() {
        ["approve"] => Line::Approve,
        ["deny"] => Line::Deny(None),
        ["deny", ..] => Line::Deny(Some(trimmed["deny".len()..].trim().to_owned())),
        ["auto-approve", "on"] => Line::AutoApprove(true),
        ["auto-approve", "off"] => Line::AutoApprove(false),
        ["auto-approve", ..] => return Err(error("write `auto-approve on` or `auto-approve off`")),
        ["help"] => Line::Help,
        ["exit"] | ["quit"] => Line::Exit,
        _ => Line::Ask(trimmed.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_whole_lines_and_everything_else_is_a_request() {
        assert_eq!(parse("   "), Ok(Line::Skip));
        assert_eq!(parse("  # the tour"), Ok(Line::Skip));
        assert_eq!(parse(" approve "), Ok(Line::Approve));
        assert_eq!(parse("deny"), Ok(Line::Deny(None)));
        assert_eq!(
            parse("deny  not during the freeze "),
            Ok(Line::Deny(Some("not during the freeze".into())))
        );
        assert_eq!(parse("auto-approve on"), Ok(Line::AutoApprove(true)));
        assert_eq!(parse("auto-approve off"), Ok(Line::AutoApprove(false)));
        assert_eq!(
            parse("use namespace staging"),
            Ok(Line::Ask("use namespace staging".into()))
        );
        assert_eq!(parse("help"), Ok(Line::Help));
        assert_eq!(parse("quit"), Ok(Line::Exit));
        assert_eq!(parse("exit"), Ok(Line::Exit));
        assert_eq!(
            parse("approve the rollout of web"),
            Ok(Line::Ask("approve the rollout of web".into()))
        );
        assert_eq!(
            parse("use context prod-eu"),
            Ok(Line::Ask("use context prod-eu".into()))
        );
        assert_eq!(
            parse(" scale nginx to 4 in staging\n"),
            Ok(Line::Ask("scale nginx to 4 in staging".into()))
        );
    }

    #[test]
    fn malformed_directives_say_what_would_be_right() {
        let error = parse("auto-approve yes").expect_err("not on/off");
        assert!(error.reason.contains("auto-approve on"), "{error}");
    }
}
