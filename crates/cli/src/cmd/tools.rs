//! `kubeop tools`: the MCP server's tool catalog as the daemon's gateway sees it.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::{Value, json};

use super::ClientArgs;

/// `kubeop tools`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
}

/// Lists the tools, marking the ones that change the cluster.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = match super::call_daemon(&args.client, method::TOOLS, json!({})) {
        Ok(catalog) => catalog,
        Err(code) => return Ok(code),
    };
    if super::print_machine(&catalog, args.client.output)? {
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = catalog["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tool| {
            let access = match (tool["read_only"].as_bool(), tool["destructive"].as_bool()) {
                (Some(true), _) => "read-only",
                (_, Some(true)) => "destructive (needs approval)",
                _ => "changes (needs approval)",
            };
            let title = match &tool["title"] {
                Value::String(title) => title.clone(),
                _ => String::new(),
            };
            vec![
                tool["name"].as_str().unwrap_or("-").to_owned(),
                access.to_owned(),
                title,
            ]
        })
        .collect();
    cli::output::emit(&cli::output::table(&["TOOL", "ACCESS", "TITLE"], &rows))?;
    Ok(ExitCode::SUCCESS)
}
