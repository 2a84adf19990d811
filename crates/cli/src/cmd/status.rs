//! `kubeop status`: the daemon's actors, gateway, context and MCP server.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::json;

use super::ClientArgs;

/// `kubeop status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
}

/// Asks the daemon for its status and prints it.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let status = match super::call_daemon(&args.client, method::STATUS, json!({})) {
        Ok(status) => status,
        Err(code) => return Ok(code),
    };
    if super::print_machine(&status, args.client.output)? {
        return Ok(ExitCode::SUCCESS);
    }
    cli::output::emit(&cli::render::status(
        &status,
        &cli::render::Style::for_stdout(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
