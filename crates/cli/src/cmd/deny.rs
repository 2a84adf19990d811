//! `kubeop deny ID [--reason R]`: refuse a pending plan.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::json;

use super::{ClientArgs, InProcessArgs};

/// `kubeop deny`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan's id.
    plan_id: String,
    /// Why, for the requester and the operations log.
    #[arg(long)]
    reason: Option<String>,
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
    /// Options of an in-process run (when no daemon answers).
    #[command(flatten)]
    local: InProcessArgs,
}

/// Denies the plan.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let params = json!({
        "plan_id": args.plan_id,
        "reason": args.reason,
        "approver": std::env::var("USER").ok(),
    });
    let denied = match super::call_daemon_or_in_process(
        &args.client,
        &args.local,
        method::DENY,
        params,
        |_| {},
    ) {
        Ok(denied) => denied,
        Err(code) => return Ok(code),
    };
    if !super::print_machine(&denied, args.client.output)? {
        cli::output::emit(&cli::render::denied(
            &denied,
            &cli::render::Style::for_stdout(),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
