//! `kubeop approve ID --hash H`: approve a plan, run it and verify it.

use std::process::ExitCode;

use cli::output::OutputFormat;
use cli::progress::Spinner;
use cli::rpc::method;
use serde_json::json;

use super::{ClientArgs, InProcessArgs};

/// `kubeop approve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan's id.
    plan_id: String,
    /// The plan hash you were shown; a plan changed since is refused.
    #[arg(long)]
    hash: String,
    /// The resource name typed again, where policy asks for it.
    #[arg(long)]
    retype: Option<String>,
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
    /// Options of an in-process run (when no daemon answers).
    #[command(flatten)]
    local: InProcessArgs,
}

/// Approves; exits 5 when refused, 6 when the change was not verified.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // A spinner with what verification waits on, only for a person watching.
    let spinner = (args.client.output == OutputFormat::Table && cli::progress::wanted())
        .then(|| Spinner::start(&format!("running plan {}", args.plan_id)));
    let params = json!({
        "plan_id": args.plan_id,
        "plan_hash": args.hash,
        "retyped_name": args.retype,
        "approver": std::env::var("USER").ok(),
        "progress": spinner.is_some(),
    });
    let outcome = super::call_daemon_or_in_process(
        &args.client,
        &args.local,
        method::APPROVE,
        params,
        |line| {
            if let Some(spinner) = &spinner {
                spinner.update(line);
            }
        },
    );
    if let Some(spinner) = spinner {
        spinner.finish();
    }
    let result = match outcome {
        Ok(result) => result,
        Err(code) => return Ok(code),
    };
    if !super::print_machine(&result, args.client.output)? {
        cli::output::emit(&cli::render::result(
            &result,
            &cli::render::Style::for_stdout(),
        ))?;
    }
    Ok(if result["outcome"] == "verified" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(cli::exit::NOT_VERIFIED)
    })
}
