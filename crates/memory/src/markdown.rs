//! `operations-log.md`: the journal rendered for humans, newest operation
//! first, one section per operation (request, plan, approver, what ran,
//! outcome and evidence).
//!
//! The file is derived, never read back: it is replaced atomically (temporary
//! file + rename) after every change so a reader never sees half of it, but
//! not fsynced — after a crash it is regenerated from the journal on open.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::chain::Entry;
use crate::error::MemoryError;
use crate::journal::write_atomically;
use crate::query::summarize;
use crate::record::{Event, OperationId};

/// The Markdown view's file name in the state directory.
pub const MARKDOWN_FILE: &str = "operations-log.md";

/// Keeps a code span intact whatever the text holds (backticks, newlines).
fn code(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    let fence = if flat.contains('`') { "`` " } else { "`" };
    let closing = if flat.contains('`') { " ``" } else { "`" };
    format!("{fence}{flat}{closing}")
}

/// One line of prose (a request or summary) inside a list item.
fn prose(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Renders the newest `max_operations` operations found in `entries`.
///
/// Cost is proportional to the records of the operations shown plus one
/// backward pass over `entries`, not to a fold of the whole journal: the
/// actor re-renders after every commit.
pub fn render(entries: &[Entry], max_operations: usize) -> String {
    let mut shown: HashSet<&OperationId> = HashSet::new();
    let mut more_exist = false;
    for entry in entries.iter().rev() {
        let id = &entry.record.operation_id;
        if shown.len() == max_operations && !shown.contains(id) {
            more_exist = true;
            break;
        }
        shown.insert(id);
    }
    let selected: Vec<Entry> = entries
        .iter()
        .filter(|entry| shown.contains(&entry.record.operation_id))
        .cloned()
        .collect();
    let summaries = summarize(&selected);
    let mut by_operation: HashMap<&OperationId, Vec<&Entry>> = HashMap::new();
    for entry in &selected {
        by_operation
            .entry(&entry.record.operation_id)
            .or_default()
            .push(entry);
    }
    let mut output = String::from("# kubeop operations log\n\n");
    output.push_str(
        "Rendered from the journal (`journal/`), newest operation first. The journal is the \
         record of truth; `kubeop log --verify` checks its hash chain.\n",
    );
    if summaries.is_empty() {
        output.push_str("\nNo operations recorded yet.\n");
    }
    for summary in &summaries {
        let history = by_operation
            .get(&summary.operation_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let _ = write!(
            output,
            "\n## {} · {} {} · {}\n\n- **Operation:** {}\n",
            summary.updated,
            summary.operation,
            summary.target,
            summary.status,
            code(summary.operation_id.as_str())
        );
        for entry in history {
            render_event(&mut output, entry);
        }
        let first_seq = history.first().map_or(summary.last_seq, |entry| entry.seq);
        let _ = writeln!(
            output,
            "- **Records:** seq {first_seq}–{} ({} to {})",
            summary.last_seq, summary.started, summary.updated
        );
    }
    if more_exist {
        output.push_str(
            "\n_Older operations are in the journal (`kubeop log -o json --limit N`)._\n",
        );
    }
    output
}

fn render_event(output: &mut String, entry: &Entry) {
    let time = entry.record.time;
    let _ = match &entry.record.event {
        Event::Requested { request } => {
            writeln!(output, "- **Request** ({time}): {}", prose(request))
        }
        Event::Planned { plan_hash, summary } => writeln!(
            output,
            "- **Plan** ({time}): {} — hash {}",
            prose(summary),
            code(plan_hash)
        ),
        Event::Approved {
            plan_hash,
            approver,
        } => writeln!(
            output,
            "- **Approved** ({time}) by {} for plan {}",
            prose(approver),
            code(plan_hash)
        ),
        Event::Denied {
            plan_hash,
            approver,
            reason,
        } => writeln!(
            output,
            "- **Denied** ({time}){} for plan {}: {}",
            approver
                .as_deref()
                .map(|approver| format!(" by {}", prose(approver)))
                .unwrap_or_default(),
            code(plan_hash),
            prose(reason)
        ),
        Event::Executed {
            tool,
            arguments,
            summary,
        } => writeln!(
            output,
            "- **Ran** ({time}): {} {} → {}",
            code(tool),
            code(&arguments.to_string()),
            prose(summary)
        ),
        Event::Verified { evidence } => {
            let _ = writeln!(output, "- **Outcome** ({time}): verified");
            write_evidence(output, evidence)
        }
        Event::Failed { summary, evidence } => {
            let _ = writeln!(
                output,
                "- **Outcome** ({time}): failed — {}",
                prose(summary)
            );
            write_evidence(output, evidence)
        }
        Event::Unverified { summary, evidence } => {
            let _ = writeln!(
                output,
                "- **Outcome** ({time}): unverified — {}",
                prose(summary)
            );
            write_evidence(output, evidence)
        }
        Event::OutcomeUnknown { summary } => writeln!(
            output,
            "- **Outcome** ({time}): unknown — {}",
            prose(summary)
        ),
    };
}

fn write_evidence(output: &mut String, evidence: &[String]) -> std::fmt::Result {
    if !evidence.is_empty() {
        writeln!(output, "- **Evidence:**")?;
        for item in evidence {
            writeln!(output, "  - {}", prose(item))?;
        }
    }
    Ok(())
}

/// Writes `STATE_DIR/operations-log.md`. Renderings are numbered by the
/// caller; when writes overlap (the actor writes off its own task), an older
/// rendering never replaces a newer one.
#[derive(Debug, Clone)]
pub struct MarkdownWriter {
    /// The view's path.
    path: PathBuf,
    /// The generation on disk; the lock also serializes the writes.
    written: Arc<Mutex<u64>>,
}

impl MarkdownWriter {
    /// A writer for the view in `state_dir`; nothing is on disk yet.
    pub fn new(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(MARKDOWN_FILE),
            written: Arc::new(Mutex::new(0)),
        }
    }

    /// Replaces the view with `text`, rendering number `generation`, unless
    /// a newer one was written already.
    pub fn write(&self, generation: u64, text: &str) -> Result<(), MemoryError> {
        // A panic while holding the lock leaves a plain number behind: usable.
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if generation <= *written {
            return Ok(());
        }
        write_atomically(&self.path, text.as_bytes(), false)?;
        *written = generation;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::chain::{ChainHash, seal};
    use crate::record::{Operation, Record, Target};
    use crate::time::Timestamp;

    fn chained(events: Vec<(&str, Event)>) -> Vec<Entry> {
        let mut prev = ChainHash::GENESIS;
        events
            .into_iter()
            .enumerate()
            .map(|(index, (id, event))| {
                let record = Record {
                    time: Timestamp::from_unix_millis(1_000 * index as u64),
                    operation_id: OperationId::new(id),
                    operation: Operation::Scale,
                    target: Target {
                        context: Some("ctx-a".into()),
                        namespace: Some("shop".into()),
                        kind: "Deployment".into(),
                        name: "web".into(),
                    },
                    event,
                };
                let (entry, _) = seal(index as u64 + 1, prev, record);
                prev = entry.hash;
                entry
            })
            .collect()
    }

    #[test]
    fn renders_one_section_per_operation_newest_first() {
        let entries = chained(vec![
            (
                "op-old",
                Event::Requested {
                    request: "scale web to 2".into(),
                },
            ),
            (
                "op-new",
                Event::Requested {
                    request: "scale web\nto 5".into(),
                },
            ),
            (
                "op-new",
                Event::Planned {
                    plan_hash: "abc".into(),
                    summary: "replicas 2 → 5".into(),
                },
            ),
            (
                "op-new",
                Event::Approved {
                    plan_hash: "abc".into(),
                    approver: "ana".into(),
                },
            ),
            (
                "op-new",
                Event::Executed {
                    tool: "resources_scale".into(),
                    arguments: json!({"name": "web", "scale": 5}),
                    summary: "scaled".into(),
                },
            ),
            (
                "op-new",
                Event::Verified {
                    evidence: vec!["readyReplicas 5/5".into()],
                },
            ),
        ]);
        let markdown = render(&entries, 10);
        let expected = "\
# kubeop operations log

Rendered from the journal (`journal/`), newest operation first. The journal is the record of truth; `kubeop log --verify` checks its hash chain.

## 1970-01-01T00:00:05.000Z · scale Deployment/web -n shop (ctx-a) · verified

- **Operation:** `op-new`
- **Request** (1970-01-01T00:00:01.000Z): scale web to 5
- **Plan** (1970-01-01T00:00:02.000Z): replicas 2 → 5 — hash `abc`
- **Approved** (1970-01-01T00:00:03.000Z) by ana for plan `abc`
- **Ran** (1970-01-01T00:00:04.000Z): `resources_scale` `{\"name\":\"web\",\"scale\":5}` → scaled
- **Outcome** (1970-01-01T00:00:05.000Z): verified
- **Evidence:**
  - readyReplicas 5/5
- **Records:** seq 2–6 (1970-01-01T00:00:01.000Z to 1970-01-01T00:00:05.000Z)

## 1970-01-01T00:00:00.000Z · scale Deployment/web -n shop (ctx-a) · requested

- **Operation:** `op-old`
- **Request** (1970-01-01T00:00:00.000Z): scale web to 2
- **Records:** seq 1–1 (1970-01-01T00:00:00.000Z to 1970-01-01T00:00:00.000Z)
";
        assert_eq!(markdown, expected);
        let limited = render(&entries, 1);
        assert!(!limited.contains("op-old"));
        assert!(limited.contains("Older operations are in the journal"));
    }

    #[test]
    fn an_empty_journal_says_so() {
        assert!(render(&[], 10).contains("No operations recorded yet."));
        assert!(!render(&[], 10).contains("Older operations"));
    }
}

#[cfg(test)]
mod writer_tests {
    use super::*;

    #[test]
    fn an_older_rendering_never_replaces_a_newer_one() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let writer = MarkdownWriter::new(dir.path());
        let read = || std::fs::read_to_string(dir.path().join(MARKDOWN_FILE)).expect("written");
        writer.write(2, "second").expect("writes");
        writer.write(1, "first").expect("skips");
        assert_eq!(read(), "second");
        writer.write(3, "third").expect("writes");
        assert_eq!(read(), "third");
    }
}
