//! `kubeop demo`: kubeop on its built-in simulated cluster, with the real
//! `kubernetes-mcp-server` (the one `scripts/setup` installs), all in this
//! process. It walks through [`TOUR`] — reads, a health check, a diagnosis,
//! a change approved and verified — shows the operations log, and then, on
//! a terminal, opens the interactive session with a few suggested requests.
//!
//! `kubeop demo --script FILE` runs FILE's lines instead (the language of
//! [`cli::script`]: requests, `approve`, `deny [REASON]`, `auto-approve
//! on|off`, `exit`, comments), non-interactively, printing
//! each request and its answer; it exits with the status of the first line
//! that failed (1 an error, 5 a refusal, 6 a change not verified), else 0.
//! `--script -` reads the lines from stdin.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cli::conversation::{Conversation, Flow};

use super::{ClientArgs, InProcessArgs, Where};

/// The tour `kubeop demo` gives, in the script language (a `--script` file
/// looks just like it).
pub const TOUR: &str = "\
# Reads: one tool call each.
show me all pods in production
list deployments in staging
# The health check, then a diagnosis of one of the problems it finds.
is the cluster healthy?
why is the checkout pod crashing in production?
# A change: a plan read from the live cluster, approved, run, and verified.
scale nginx to 4 in staging
approve
";

/// Requests suggested before the interactive session opens.
const SUGGESTIONS: [&str; 5] = [
    "list events in production",
    "why is payment-service failing in production?",
    "who can delete pods in production",
    "scale notification-service to 3 in staging",
    "what's using the most memory in production",
];

/// Exit status when Ctrl-C stops a script (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

/// `kubeop demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run the lines of FILE (`-` for stdin) instead of the tour and the
    /// interactive session.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// The `kubernetes-mcp-server` binary to run (default: the one
    /// `scripts/setup` installed).
    #[arg(long, value_name = "PATH")]
    mcp_server: Option<PathBuf>,
}

/// Runs the demo.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let script = match &args.script {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the script from stdin")?;
            Some(text)
        }
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the script {}", path.display()))?,
        ),
        None => None,
    };
    let local = InProcessArgs {
        state_dir: None,
        mcp_server: args.mcp_server,
    };
    let config = ClientArgs::default().config_with(&local)?;
    let history = config.daemon.state_dir.join(super::shell::HISTORY_FILE);
    let runtime = super::runtime()?;
    let _telemetry = {
        let _entered = runtime.enter();
        cli::telemetry::init(&config.telemetry)?
    };
    let reached = runtime.block_on(super::reach(config, Where::Sandbox))?;
    if let Some(sandbox) = &reached.sandbox {
        println!(
            "kubeop demo: the built-in simulated cluster serves at {} (context demo).\n\
             In another terminal: kubectl --kubeconfig {} get pods -A",
            sandbox.url(),
            sandbox.kubeconfig().display()
        );
    }
    let mut conversation = Conversation::new(&reached.kubeop, "demo".to_owned());
    conversation.echo_requests(true);
    runtime.block_on(conversation.start(None));
    let status = match &script {
        Some(lines) => run_lines(&runtime, &mut conversation, lines),
        None => tour(&runtime, &mut conversation, &reached, &history),
    };
    runtime.block_on(reached.close());
    Ok(ExitCode::from(status?))
}

/// The tour, the log, then the interactive session on a terminal.
fn tour(
    runtime: &tokio::runtime::Runtime,
    conversation: &mut Conversation<'_>,
    reached: &super::Reached,
    history: &std::path::Path,
) -> anyhow::Result<u8> {
    let status = run_lines(runtime, conversation, TOUR)?;
    if status == INTERRUPTED {
        return Ok(status);
    }
    if let Some(sandbox) = &reached.sandbox {
        println!("\n$ kubeop log   # the operations log: every step of every change");
        super::log::show_recent(sandbox.state_dir())?;
    }
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Ok(status);
    }
    println!("\nYour turn. Some requests to try:");
    for suggestion in SUGGESTIONS {
        println!("  {suggestion}");
    }
    conversation.echo_requests(false);
    super::shell::interactive(runtime, conversation, history)?;
    Ok(status)
}

/// Carries out `lines` in order; Ctrl-C stops them (status 130).
fn run_lines(
    runtime: &tokio::runtime::Runtime,
    conversation: &mut Conversation<'_>,
    lines: &str,
) -> anyhow::Result<u8> {
    for line in lines.lines() {
        let flow = runtime.block_on(async {
            tokio::select! {
                flow = conversation.run(line, None) => Some(flow),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        match flow {
            Some(Flow::Continue) => {}
            Some(Flow::Exit) => break,
            None => {
                conversation.cancelled();
                return Ok(INTERRUPTED);
            }
        }
    }
    Ok(conversation.exit_status())
}
