//! One module per subcommand. Each has an `Args` struct (its clap definition)
//! and a `run` function returning the process's exit status. What the client
//! subcommands share (kubectl-style options, reaching a kubeop — the daemon or
//! the pipeline in-process —, the mapping of errors to exit statuses, how an
//! answer is shown) lives here.

pub mod approve;
pub mod ask;
pub mod classify;
pub mod completions;
pub mod config;
pub mod demo;
pub mod deny;
pub mod log;
pub mod man;
pub mod pending;
pub mod serve;
pub mod shell;
pub mod sim;
pub mod status;
pub mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;

use anyhow::Context;
use cli::backend::Kubeop;
use cli::client::{Client, ClientError};
use cli::config::{self as configuration, Config, FlagOverrides};
use cli::output::OutputFormat;
use cli::sandbox::Sandbox;
use serde_json::Value;

/// Options every client command takes, in kubectl's manner.
#[derive(Debug, Clone, Default, clap::Args)]
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
        self.config_with(&InProcessArgs::default())
    }

    /// The effective configuration with these options and `local`'s as flags.
    pub fn config_with(&self, local: &InProcessArgs) -> anyhow::Result<Config> {
        Ok(configuration::load(&self.flags_with(local))?.config)
    }

    /// These options and `local`'s as the configuration's flag layer.
    pub fn flags_with(&self, local: &InProcessArgs) -> FlagOverrides {
        FlagOverrides {
            socket: self.socket.clone(),
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            state_dir: local.state_dir.clone(),
            server_binary: local.mcp_server.clone(),
            ..FlagOverrides::default()
        }
    }
}

/// Options for a kubeop run in this process (when no daemon answers, or
/// asked for): the same settings `kubeop serve` takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InProcessArgs {
    /// The state directory of an in-process run (journal, pending
    /// approvals); share it with the daemon's to see the same plans and log
    /// (default: `daemon.state_dir` of the configuration).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The `kubernetes-mcp-server` binary an in-process run starts.
    #[arg(long, value_name = "PATH")]
    pub mcp_server: Option<PathBuf>,
}

/// Where a command's kubeop runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// The daemon when one answers on the socket, else in-process (one-shot).
    DaemonOrInProcess,
    /// In this process against the configured kubeconfig, daemon or not.
    InProcess,
    /// In this process against the built-in simulated demo cluster.
    Sandbox,
}

/// `--once` and `--sandbox`: where a conversational command (`ask`, `shell`)
/// runs its kubeop.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct PlaceArgs {
    /// Run in this process even when a daemon answers.
    #[arg(long, conflicts_with = "sandbox")]
    once: bool,
    /// Run in this process against the built-in simulated demo cluster.
    #[arg(long)]
    sandbox: bool,
}

impl PlaceArgs {
    /// The sandbox when asked for, else in-process when asked for, else the
    /// daemon when one answers.
    pub fn place(self) -> Where {
        if self.sandbox {
            Where::Sandbox
        } else if self.once {
            Where::InProcess
        } else {
            Where::DaemonOrInProcess
        }
    }
}

/// A reached kubeop, and the sandbox cluster it works on when there is one
/// (kept alive as long as the kubeop).
#[derive(Debug)]
pub struct Reached {
    /// Where requests go.
    pub kubeop: Kubeop,
    /// The simulated cluster of a sandbox run.
    pub sandbox: Option<Sandbox>,
}

impl Reached {
    /// Stops an in-process kubeop (flushing its state), then the sandbox.
    pub async fn close(self) {
        self.kubeop.close().await;
        drop(self.sandbox);
    }
}

/// Reaches a kubeop as `place` says, with `config`.
pub async fn reach(config: Config, place: Where) -> anyhow::Result<Reached> {
    let socket = config.daemon.socket.clone();
    match place {
        Where::DaemonOrInProcess => {
            let kubeop = Kubeop::reach(config).await?;
            if kubeop.is_in_process() && std::io::stderr().is_terminal() {
                eprintln!(
                    "kubeop: no daemon at {}; running in-process (one-shot)",
                    socket.display()
                );
            }
            Ok(Reached {
                kubeop,
                sandbox: None,
            })
        }
        Where::InProcess => Ok(Reached {
            kubeop: Kubeop::in_process(config).await?,
            sandbox: None,
        }),
        Where::Sandbox => {
            let sandbox = Sandbox::start()
                .await
                .context("starting the built-in demo cluster")?;
            let kubeop = Kubeop::in_process(sandbox.configure(&config)).await?;
            Ok(Reached {
                kubeop,
                sandbox: Some(sandbox),
            })
        }
    }
}

/// Calls one method of the daemon when one answers on the socket, else of
/// the pipeline started in this process for this one call (on the same state
/// directory, so the same pending plans); progress lines go to
/// `on_progress`; failures map to exit statuses as in [`call_daemon`].
pub fn call_daemon_or_in_process(
    args: &ClientArgs,
    local: &InProcessArgs,
    method: &str,
    params: Value,
    on_progress: impl FnMut(&str),
) -> Result<Value, ExitCode> {
    let outcome = (|| -> anyhow::Result<Result<Value, ExitCode>> {
        let config = args.config_with(local)?;
        runtime()?.block_on(async {
            let _telemetry = cli::telemetry::init(&config.telemetry)?;
            let reached = reach(config, Where::DaemonOrInProcess).await?;
            let answer = reached
                .kubeop
                .call_with_progress(method, params, on_progress)
                .await
                .map_err(|error| report(&error, args.output));
            reached.close().await;
            Ok(answer)
        })
    })();
    outcome.unwrap_or_else(|error| {
        eprintln!("kubeop: {error:#}");
        Err(ExitCode::from(cli::exit::FAILURE))
    })
}

/// Calls one method of `kubeop`, mapping failures to exit statuses as
/// [`call_daemon`] does.
pub async fn call(
    kubeop: &Kubeop,
    method: &str,
    params: Value,
    output: OutputFormat,
) -> Result<Value, ExitCode> {
    kubeop
        .call(method, params)
        .await
        .map_err(|error| report(&error, output))
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
pub fn report(error: &ClientError, output: OutputFormat) -> ExitCode {
    eprintln!("kubeop: {error}");
    if output == OutputFormat::Json
        && let ClientError::Rpc(rpc) = error
    {
        let object = serde_json::json!({"kind": "error", "code": rpc.code, "message": rpc.message, "data": rpc.data});
        if let Err(error) = cli::output::emit(&format!("{object}\n")) {
            eprintln!("kubeop: {error}");
        }
    }
    ExitCode::from(error.exit_status())
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

/// Status 0 for a verified change, 6 for one that ran and was not verified.
pub fn result_status(result: &Value) -> ExitCode {
    if result["outcome"] == "verified" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(cli::exit::NOT_VERIFIED)
    }
}

/// `kubeop` alone: the interactive session on a terminal, the help of `C`
/// (the whole command line) elsewhere.
pub fn no_subcommand<C: clap::CommandFactory>() -> ExitCode {
    let outcome = if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        shell::run(shell::Args::default())
    } else {
        C::command()
            .print_help()
            .map(|()| ExitCode::SUCCESS)
            .map_err(anyhow::Error::from)
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("kubeop: {error:#}");
        ExitCode::from(cli::exit::FAILURE)
    })
}
