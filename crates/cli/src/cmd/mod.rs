//! One module per subcommand. Each has an `Args` struct (its clap definition)
//! and a `run` function returning the process's exit status. What the client
//! subcommands share (kubectl-style options, the call to the daemon, the
//! mapping of errors to exit statuses) lives here.

pub mod approve;
pub mod ask;
pub mod classify;
pub mod completions;
pub mod config;
pub mod deny;
pub mod log;
pub mod man;
pub mod pending;
pub mod serve;
pub mod sim;
pub mod status;
pub mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use cli::client::{Client, ClientError};
use cli::config::{self as configuration, Config, FlagOverrides};
use cli::output::OutputFormat;
use cli::rpc::code;
use serde_json::Value;

/// Options every client command takes, in kubectl's manner.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The daemon's socket (default: `daemon.socket` of the configuration).
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// The kubeconfig (for commands that run without a daemon).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kube context for this request.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The namespace for this request.
    #[arg(short = 'n', long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Output format: a table for people, yaml or one JSON object for programs.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
}

impl ClientArgs {
    /// The effective configuration with these options as flags.
    pub fn config(&self) -> anyhow::Result<Config> {
        let flags = FlagOverrides {
            socket: self.socket.clone(),
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            ..FlagOverrides::default()
        };
        Ok(configuration::load(&flags)?.config)
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Calls one method of the daemon, mapping failures to exit statuses:
/// unreachable → 3, refused → 5 (with the reason on stderr), others → 1.
pub fn call_daemon(args: &ClientArgs, method: &str, params: Value) -> Result<Value, ExitCode> {
    call_daemon_with_progress(args, method, params, |_| {})
}

/// [`call_daemon`], passing each progress notification to `on_progress`.
pub fn call_daemon_with_progress(
    args: &ClientArgs,
    method: &str,
    params: Value,
    on_progress: impl FnMut(&str),
) -> Result<Value, ExitCode> {
    let outcome = (|| -> anyhow::Result<Result<Value, ClientError>> {
        let config = args.config()?;
        Ok(runtime()?.block_on(async {
            let mut client = Client::connect(&config.daemon.socket).await?;
            client.call_with_progress(method, params, on_progress).await
        }))
    })();
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(report(&error, args.output)),
        Err(error) => {
            eprintln!("kubeop: {error:#}");
            Err(ExitCode::from(cli::exit::FAILURE))
        }
    }
}

/// Prints why a call failed and returns the exit status for it. With
/// `-o json` the error is also the command's one JSON object on stdout.
fn report(error: &ClientError, output: OutputFormat) -> ExitCode {
    eprintln!("kubeop: {error}");
    if output == OutputFormat::Json
        && let ClientError::Rpc(rpc) = error
    {
        let object = serde_json::json!({"kind": "error", "code": rpc.code, "message": rpc.message, "data": rpc.data});
        if let Err(error) = cli::output::emit(&format!("{object}\n")) {
            eprintln!("kubeop: {error}");
        }
    }
    ExitCode::from(match error {
        ClientError::Unreachable { .. } => cli::exit::UNREACHABLE,
        ClientError::Rpc(rpc) if rpc.code == code::REFUSED => cli::exit::REFUSED,
        _ => cli::exit::FAILURE,
    })
}

/// Prints `value` in a machine format when one was asked for; returns false
/// when the caller should print its table instead.
pub fn print_machine(value: &Value, output: OutputFormat) -> anyhow::Result<bool> {
    match cli::output::machine_text(value, output)? {
        Some(text) => {
            cli::output::emit(&format!("{}\n", text.trim_end()))?;
            Ok(true)
        }
        None => Ok(false),
    }
}
