//! `kubeop pending`: the plans waiting for a human.

use std::process::ExitCode;

use cli::rpc::method;
use serde_json::{Value, json};

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
    let plans = pending["plans"].as_array().cloned().unwrap_or_default();
    if plans.is_empty() {
        cli::output::emit("No plans are waiting for approval.\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = |value: &Value| value.as_str().unwrap_or("-").to_owned();
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|plan| {
            let target = &plan["target"];
            vec![
                text(&plan["plan_id"]),
                text(&plan["plan_hash"]),
                text(&plan["tool"]),
                format!(
                    "{}/{} in {} ({})",
                    text(&target["kind"]),
                    text(&target["name"]),
                    text(&target["namespace"]),
                    text(&target["context"])
                ),
                text(&plan["requester"]),
            ]
        })
        .collect();
    cli::output::emit(&cli::output::table(
        &["PLAN", "HASH", "TOOL", "TARGET", "REQUESTER"],
        &rows,
    ))?;
    Ok(ExitCode::SUCCESS)
}
