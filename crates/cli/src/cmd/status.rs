//! `kubeop status`: the daemon's actors, gateway, context and MCP server.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::{Value, json};

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
    let text = |value: &Value| match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut out = format!(
        "kubeop {} (pid {})\nsocket:    {}\nstate dir: {}\ncontext:   {}\n",
        text(&status["version"]),
        text(&status["pid"]),
        text(&status["socket"]),
        text(&status["state_dir"]),
        text(&status["context"]),
    );
    if let Some(server) = status.get("mcp_server").filter(|server| !server.is_null()) {
        out.push_str(&format!("MCP server: {}\n", text(&server["version"])));
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = status["actors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|actor| {
            vec![
                text(&actor["name"]),
                text(&actor["state"]),
                text(&actor["restarts"]),
                text(&actor["last_failure"]),
            ]
        })
        .collect();
    out.push_str(&cli::output::table(
        &["ACTOR", "STATE", "RESTARTS", "LAST FAILURE"],
        &rows,
    ));
    if let Some(gateway) = status.get("gateway").filter(|gateway| !gateway.is_null()) {
        out.push_str(&format!("\ngateway: {}\n", gateway));
    }
    cli::output::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
