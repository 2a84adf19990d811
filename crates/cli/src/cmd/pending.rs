//! `kubeop pending`: the plans waiting for a human.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::json;

use super::ClientArgs;

/// `kubeop pending`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
}

/// Lists the pending plans.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pending = match super::call_daemon(&args.client, method::PENDING, json!({})) {
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
