//! `kubeop ask TEXT`: one request through the daemon.

use std::process::ExitCode;

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
        let text = match response["kind"].as_str() {
            Some("answer") => format!("{}\n", response["text"].as_str().unwrap_or_default()),
            Some("plan") => format!(
                "Plan {} ({}) waiting for approval:\n{}\nApprove with: kubeop approve {} --hash {}\n",
                response["plan_id"].as_str().unwrap_or("-"),
                response["operation"].as_str().unwrap_or("-"),
                serde_json::to_string_pretty(&response)?,
                response["plan_id"].as_str().unwrap_or("-"),
                response["plan_hash"].as_str().unwrap_or("-"),
            ),
            _ => format!("{}\n", serde_json::to_string_pretty(&response)?),
        };
        cli::output::emit(&text)?;
    }
    Ok(if is_plan {
        ExitCode::from(cli::exit::PLAN_PENDING)
    } else {
        ExitCode::SUCCESS
    })
}
