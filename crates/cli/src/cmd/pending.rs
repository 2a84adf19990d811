//! `kubeop pending`: the plans waiting for a human.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::json;

use super::{ClientArgs, InProcessArgs};

/// `kubeop pending`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
    /// Options of an in-process run (when no daemon answers).
    #[command(flatten)]
    local: InProcessArgs,
}

/// Lists the pending plans.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pending = match super::call_daemon_or_in_process(
        &args.client,
        &args.local,
        method::PENDING,
        json!({}),
        |_| {},
    ) {
        Ok(pending) => pending,
        Err(code) => return Ok(code),
    };
    if super::print_machine(&pending, args.client.output)? {
        return Ok(ExitCode::SUCCESS);
    }
    cli::output::emit(&cli::render::pending(
        &pending,
        &cli::render::Style::for_stdout(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
