//! `kubeop shell` (and `kubeop` alone on a terminal): a conversation with
//! kubeop, through the daemon when one answers, else in this process
//! (`--once` forces that, `--sandbox` uses the built-in demo cluster).
//!
//! On a terminal: line editing and history (rustyline; the history file is
//! `shell-history` in the state directory), the context and namespace in the
//! prompt, plan cards with the approval question inline, Ctrl-C cancelling
//! the request in progress (not the session), Ctrl-D or `exit` ending it.
//! Piped: one line at a time from stdin, each request echoed before its
//! answer, plans waiting for an `approve` or `deny` line (see
//! [`cli::script`]); the exit status is that of the first line that failed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use cli::conversation::{Conversation, Flow};
use rustyline::error::ReadlineError;
use tokio::runtime::Runtime;

use super::{ClientArgs, InProcessArgs, PlaceArgs};

/// The history file's name in the state directory.
pub const HISTORY_FILE: &str = "shell-history";

/// Lines read ahead from piped input while a request runs. A small buffer
/// suffices: lines are carried out one at a time, and the reader thread
/// simply waits when it is full.
const PIPED_LINES_BUFFER: usize = 16;

/// Mode of the state directory when the shell creates it for its history.
const STATE_DIR_MODE: u32 = 0o700;

/// `kubeop shell`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Where it runs.
    #[command(flatten)]
    place: PlaceArgs,
    /// The conversation (context switches hold within it); one per shell by default.
    #[arg(long)]
    session: Option<String>,
    /// Client options (`-n` starts the session in that namespace).
    #[command(flatten)]
    client: ClientArgs,
    /// Options of an in-process run.
    #[command(flatten)]
    local: InProcessArgs,
}

/// Runs the session until `exit`, Ctrl-D or the end of piped input.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.client.config_with(&args.local)?;
    let history = config.daemon.state_dir.join(HISTORY_FILE);
    let place = args.place.place();
    let runtime = super::runtime()?;
    let _telemetry = {
        let _entered = runtime.enter();
        cli::telemetry::init(&config.telemetry)?
    };
    let reached = runtime.block_on(super::reach(config, place))?;
    let session = args
        .session
        .unwrap_or_else(|| format!("shell-{}", std::process::id()));
    let mut conversation = Conversation::new(&reached.kubeop, session);
    runtime.block_on(conversation.start(args.client.namespace.as_deref()));
    let status = converse(&runtime, &mut conversation, &history);
    runtime.block_on(reached.close());
    Ok(ExitCode::from(status?))
}

/// Reads lines from stdin until the end: the line editor on a terminal
/// (exit status 0), plain lines otherwise (the first failure's status).
pub fn converse(
    runtime: &Runtime,
    conversation: &mut Conversation<'_>,
    history: &Path,
) -> anyhow::Result<u8> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        interactive(runtime, conversation, history)?;
        Ok(cli::exit::SUCCESS)
    } else {
        conversation.echo_requests(true);
        piped(runtime, conversation);
        Ok(conversation.exit_status())
    }
}

/// The line editor loop on a terminal.
pub fn interactive(
    runtime: &Runtime,
    conversation: &mut Conversation<'_>,
    history: &Path,
) -> anyhow::Result<()> {
    let mut editor = rustyline::DefaultEditor::new().context("starting the line editor")?;
    let history_kept = prepare_history(history);
    if history_kept && let Err(error) = editor.load_history(history) {
        tracing::debug!(%error, "no shell history yet");
    }
    println!("Type a request in plain words; `help` lists the rest. Ctrl-D ends the session.");
    loop {
        let line = match editor.readline(&conversation.prompt()) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(error) => return Err(error).context("reading a line"),
        };
        if !line.trim().is_empty() {
            // History is a convenience: a full disk must not end the session.
            let _added = editor.add_history_entry(line.as_str());
            if history_kept && let Err(error) = editor.save_history(history) {
                tracing::debug!(%error, "the shell history was not saved");
            }
        }
        // The approval question is read with the same editor (raw mode:
        // Ctrl-C there answers "leave it pending", it sends no signal).
        let mut read_answer = |prompt: &str| editor.readline(prompt).ok();
        match one_line(runtime, conversation, &line, Some(&mut read_answer)) {
            Some(Flow::Exit) => break,
            Some(Flow::Continue) => {}
            None => conversation.cancelled(),
        }
    }
    Ok(())
}

/// Carries out one line until it is done (`Some`) or Ctrl-C cancels it
/// (`None`: the wait is dropped, the session goes on).
fn one_line(
    runtime: &Runtime,
    conversation: &mut Conversation<'_>,
    line: &str,
    decide: Option<cli::conversation::ReadLine<'_>>,
) -> Option<Flow> {
    runtime.block_on(async {
        tokio::select! {
            flow = conversation.run(line, decide) => Some(flow),
            _ = tokio::signal::ctrl_c() => None,
        }
    })
}

/// Plain lines from stdin, read on a thread of their own so Ctrl-C (which
/// ends a piped session) never waits for a blocked read.
fn piped(runtime: &Runtime, conversation: &mut Conversation<'_>) {
    let (lines_in, mut lines) = tokio::sync::mpsc::channel::<String>(PIPED_LINES_BUFFER);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if lines_in.blocking_send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let next = runtime.block_on(async {
            tokio::select! {
                line = lines.recv() => line,
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        let Some(line) = next else { break };
        match one_line(runtime, conversation, &line, None) {
            Some(Flow::Exit) => break,
            Some(Flow::Continue) => {}
            None => {
                conversation.cancelled();
                break;
            }
        }
    }
}

/// Creates the state directory for the history file; false (no history kept)
/// when that is not possible.
fn prepare_history(history: &Path) -> bool {
    use std::os::unix::fs::DirBuilderExt;
    let Some(directory) = history.parent() else {
        return false;
    };
    directory.is_dir()
        || std::fs::DirBuilder::new()
            .recursive(true)
            .mode(STATE_DIR_MODE)
            .create(directory)
            .is_ok()
}
