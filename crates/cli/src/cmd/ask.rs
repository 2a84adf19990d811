//! `kubeop ask TEXT`: one request through the daemon.

use std::process::ExitCode;

use cli::render::{self, Style};
use cli::rpc::method;
use serde_json::json;

use super::ClientArgs;

/// `kubeop ask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request in plain words.
    text: String,
    /// The conversation (context switches hold within it); one per user by default.
    #[arg(long)]
    session: Option<String>,
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
}

/// Asks the daemon; a plan waiting for approval exits with status 4 after
/// printing its id and hash.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let params = json!({
        "text": args.text,
        "namespace": args.client.namespace,
        "context": args.client.context,
        "session": args.session,
        "requester": std::env::var("USER").ok(),
    });
    let response = match super::call_daemon(&args.client, method::ASK, params) {
        Ok(response) => response,
        Err(code) => return Ok(code),
    };
    let is_plan = response["kind"] == "plan";
    if !super::print_machine(&response, args.client.output)? {
        cli::output::emit(&render::response(&response, &Style::for_stdout()))?;
    }
    Ok(if is_plan {
        ExitCode::from(cli::exit::PLAN_PENDING)
    } else {
        ExitCode::SUCCESS
    })
}
