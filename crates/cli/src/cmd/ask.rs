//! `kubeop ask TEXT`: one request, through the daemon when one answers on
//! the socket, else in this process (one-shot) against the configured
//! kubeconfig; `--once` forces the in-process run, `--sandbox` runs against
//! the built-in simulated demo cluster. A plan shown on a terminal is
//! approved (or denied) inline; otherwise the command exits with status 4
//! and the plan's id and hash, to approve later with `kubeop approve`.

use std::io::IsTerminal;
use std::process::ExitCode;

use cli::backend::Kubeop;
use cli::inline_approval::{self, Decision};
use cli::output::OutputFormat;
use cli::render::{self, Style};
use cli::rpc::method;
use serde_json::{Value, json};

use super::{ClientArgs, InProcessArgs, PlaceArgs};

/// `kubeop ask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request in plain words.
    text: String,
    /// The conversation: context switches and follow-ups ("and in staging?",
    /// "show me its logs") hold within it. By default one per terminal:
    /// every `kubeop ask` run from one terminal (its POSIX session: the shell
    /// and what it starts) shares one, and another terminal has its own.
    #[arg(long)]
    session: Option<String>,
    /// Where it runs.
    #[command(flatten)]
    place: PlaceArgs,
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
    /// Options of an in-process run.
    #[command(flatten)]
    local: InProcessArgs,
}

/// Asks; a plan waiting for approval exits with status 4 after printing its
/// id and hash, unless it was decided inline on a terminal.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.client.config_with(&args.local)?;
    let place = args.place.place();
    let params = json!({
        "text": args.text,
        "namespace": args.client.namespace,
        "context": args.client.context,
        "session": args.session.or_else(terminal_session),
        "requester": std::env::var("USER").ok(),
    });
    let output = args.client.output;
    super::runtime()?.block_on(async move {
        let _telemetry = cli::telemetry::init(&config.telemetry)?;
        let reached = super::reach(config, place).await?;
        let status = ask(&reached.kubeop, params, output).await;
        reached.close().await;
        status
    })
}

/// The conversation of the terminal this runs from: its POSIX session,
/// which the terminal's shell leads and everything started from it joins
/// (a script, each `kubeop ask`), so two terminals of one user never mix
/// their follow-ups. `None` when the session cannot be read or has no
/// leader in this PID namespace (a container's processes report session 0);
/// the daemon then keeps one conversation for the user.
///
/// Read from `/proc/self/stat` rather than `getsid`: rustix's `getsid`
/// asserts a non-zero id and panics on the session 0 a container gives.
fn terminal_session() -> Option<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let leader = session_of_stat(&stat)?;
    Some(format!(
        "uid-{}-session-{leader}",
        cli::config::current_uid()
    ))
}

/// The session id (the sixth field) of a `/proc/PID/stat` line, `None` for
/// session 0 or a line that does not parse. The command name (second field)
/// is in parentheses and may itself hold spaces and parentheses, so the
/// fields are counted after its last `)`.
fn session_of_stat(stat: &str) -> Option<std::num::NonZeroU32> {
    let (_, after_command) = stat.rsplit_once(')')?;
    // state, ppid, pgrp, session
    after_command.split_whitespace().nth(3)?.parse().ok()
}

/// One request and, for a plan on a terminal, its inline decision.
async fn ask(kubeop: &Kubeop, params: Value, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let response = match super::call(kubeop, method::ASK, params, output).await {
        Ok(response) => response,
        Err(code) => return Ok(code),
    };
    let inline = output == OutputFormat::Table
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal();
    if super::print_machine(&response, output)? {
        return Ok(plan_status(&response));
    }
    let style = Style::for_stdout();
    let plan = inline_approval::plan_in(&response).filter(|_| inline);
    let card = match plan {
        // The prompt replaces the commands printed under a plan card.
        Some(_) if response["kind"] == "plan" => render::plan_summary(&response, &style),
        _ => render::response(&response, &style),
    };
    cli::output::emit(&card)?;
    match plan {
        Some(plan) => decide(kubeop, plan, &mut inline_approval::read_stdin_line).await,
        None => Ok(plan_status(&response)),
    }
}

/// Asks the person about `plan` and carries out the decision.
pub async fn decide(
    kubeop: &Kubeop,
    plan: &Value,
    read_line: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<ExitCode> {
    match inline_approval::decide(plan, read_line) {
        Decision::Approve { retyped_name } => {
            match inline_approval::approve(kubeop, plan, retyped_name)
                .await
                .map_err(|error| super::report(&error, OutputFormat::Table))
            {
                Ok(result) => {
                    cli::output::emit(&render::result(&result, &Style::for_stdout()))?;
                    Ok(super::result_status(&result))
                }
                Err(code) => Ok(code),
            }
        }
        Decision::Deny => {
            let params = inline_approval::deny_params(plan, inline_approval::DENIED_AT_PROMPT);
            match super::call(kubeop, method::DENY, params, OutputFormat::Table).await {
                Ok(denial) => {
                    cli::output::emit(&render::denied(&denial, &Style::for_stdout()))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(code) => Ok(code),
            }
        }
        Decision::Leave => {
            cli::output::emit(&render::plan_commands(plan, &Style::for_stdout()))?;
            Ok(ExitCode::from(cli::exit::PLAN_PENDING))
        }
    }
}

/// Status 4 for a plan left waiting, 1 for a read the server answered with
/// an error ("not found", as kubectl exits 1 for it; a script must not take
/// it for a result), 0 for every other answer.
fn plan_status(response: &Value) -> ExitCode {
    if response["kind"] == "plan" {
        ExitCode::from(cli::exit::PLAN_PENDING)
    } else if response["error"] == Value::Bool(true) {
        ExitCode::from(cli::exit::FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::session_of_stat;

    #[test]
    fn the_session_is_the_sixth_field_counted_after_the_command() {
        let stat = "29978 (my (odd) cmd) R 29974 29974 29240 0 -1 4194304 102";
        assert_eq!(session_of_stat(stat).map(|id| id.get()), Some(29240));
    }

    #[test]
    fn a_session_without_a_leader_in_this_namespace_is_none() {
        assert_eq!(session_of_stat("1 (cat) R 0 0 0 0 -1 4194560"), None);
        assert_eq!(session_of_stat("garbage"), None);
    }
}
