//! `kubeop log`: the operations log, read straight from the journal files so
//! it works whether or not a daemon is running. All logic lives in the
//! `memory` crate; this module only parses flags and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cli::config::{self, FlagOverrides};
use cli::output::{self, OutputFormat};
use memory::actor::DEFAULT_MARKDOWN_OPERATIONS;
use memory::{OperationSummary, VerifyReport};
use serde_json::json;

/// How many operations the table and JSON listings show by default.
const DEFAULT_LIMIT: usize = 20;

/// How much of a result summary fits in a table cell.
const SUMMARY_WIDTH: usize = 60;

/// `kubeop log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The state directory holding the journal (overrides the configuration's
    /// `daemon.state_dir`, by default $XDG_STATE_HOME/kubeop).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Check the hash chain from its anchor to its last record; exits non-zero
    /// and names the first broken link when it does not hold.
    #[arg(long, conflicts_with = "markdown")]
    verify: bool,
    /// Print the Markdown view (the content of operations-log.md).
    #[arg(long)]
    markdown: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: OutputFormat,
    /// Show at most N operations [default: 20; with --markdown, 100].
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

/// Runs `kubeop log`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let flags = FlagOverrides {
        state_dir: args.state_dir,
        ..FlagOverrides::default()
    };
    let state_dir = config::load(&flags)?.config.daemon.state_dir;
    if !state_dir.is_dir() {
        bail!(
            "no operations log at {}: the state directory does not exist (pass --state-dir DIR)",
            state_dir.display()
        );
    }
    if args.verify {
        return verify(&state_dir, args.output);
    }
    let snapshot = memory::read_journal(&state_dir)
        .with_context(|| format!("reading the operations log in {}", state_dir.display()))?;
    if args.markdown {
        let text = memory::render_markdown(
            &snapshot.entries,
            args.limit.unwrap_or(DEFAULT_MARKDOWN_OPERATIONS),
        );
        match output::machine_text(&json!({"kind": "markdown", "text": text}), args.output)? {
            Some(document) => output::emit(&format!("{}\n", document.trim_end()))?,
            None => output::emit(&text)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let operations: Vec<OperationSummary> = memory::query::summarize(&snapshot.entries)
        .into_iter()
        .take(args.limit.unwrap_or(DEFAULT_LIMIT))
        .collect();
    let document = json!({
        "kind": "log",
        "state_dir": state_dir,
        "operations": operations,
        "torn_tail": snapshot.torn_tail,
        "chain_break": snapshot.chain_break,
    });
    match output::machine_text(&document, args.output)? {
        Some(text) => output::emit(&format!("{}\n", text.trim_end()))?,
        None => {
            output::emit(&table(&operations))?;
            if let Some(broken) = &snapshot.chain_break {
                eprintln!(
                    "warning: the hash chain is broken ({broken}); run `kubeop log --verify`"
                );
            }
            if let Some(torn) = &snapshot.torn_tail {
                eprintln!(
                    "note: {} has an incomplete last record ({} bytes, a write cut short); it is set aside when the daemon next opens the log",
                    torn.segment.display(),
                    torn.bytes
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the most recent operations in `state_dir` as the default table
/// (for the demo, which shows its own sandbox's log).
pub fn show_recent(state_dir: &Path) -> anyhow::Result<()> {
    let snapshot = memory::read_journal(state_dir)
        .with_context(|| format!("reading the operations log in {}", state_dir.display()))?;
    let operations: Vec<OperationSummary> = memory::query::summarize(&snapshot.entries)
        .into_iter()
        .take(DEFAULT_LIMIT)
        .collect();
    output::emit(&table(&operations))?;
    Ok(())
}

fn verify(state_dir: &Path, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let report: VerifyReport = memory::verify(state_dir)
        .with_context(|| format!("reading the operations log in {}", state_dir.display()))?;
    let mut document = serde_json::to_value(&report)?;
    document["kind"] = json!("verify");
    match output::machine_text(&document, format)? {
        Some(text) => output::emit(&format!("{}\n", text.trim_end()))?,
        None => output::emit(&verify_text(state_dir, &report))?,
    }
    match &report.first_break {
        Some(broken) => bail!("the operations log's hash chain is broken: {broken}"),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The verification for people; a break is reported on stderr by the caller.
fn verify_text(state_dir: &Path, report: &VerifyReport) -> String {
    let mut lines = Vec::new();
    if report.ok {
        lines.push(format!(
            "ok: {} records in {} segment(s), chain from seq {} ({})",
            report.entries,
            report.segments.len(),
            report.anchor.first_seq,
            state_dir.display()
        ));
    }
    if let Some(torn) = &report.torn_tail {
        lines.push(format!(
            "note: incomplete last record in {} at byte {} ({} bytes): a write cut short, not tampering",
            torn.segment.display(),
            torn.offset,
            torn.bytes
        ));
    }
    for side_file in &report.set_aside_files {
        lines.push(format!(
            "note: damaged tail set aside earlier: {}",
            side_file.display()
        ));
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The listing as aligned columns, newest first.
fn table(operations: &[OperationSummary]) -> String {
    if operations.is_empty() {
        return "No operations recorded yet.\n".to_owned();
    }
    let rows: Vec<Vec<String>> = operations
        .iter()
        .map(|operation| {
            vec![
                operation.updated.to_string(),
                operation.operation.to_string(),
                operation.target.to_string(),
                operation.status.to_string(),
                operation.approver.clone().unwrap_or_else(|| "-".to_owned()),
                operation.operation_id.to_string(),
                shorten(operation.summary.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    output::table(
        &[
            "UPDATED",
            "OPERATION",
            "TARGET",
            "STATUS",
            "APPROVER",
            "ID",
            "SUMMARY",
        ],
        &rows,
    )
}

/// One line of at most `SUMMARY_WIDTH` characters.
fn shorten(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    if flat.chars().count() <= SUMMARY_WIDTH {
        return flat;
    }
    let kept: String = flat.chars().take(SUMMARY_WIDTH - 1).collect();
    format!("{kept}…")
}
