//! `kubeop serve`: the daemon, in the foreground until SIGTERM or SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;

use cli::config::{self, FlagOverrides, LogFormat};
use cli::daemon::Daemon;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// `kubeop serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The kubeconfig the MCP server uses.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// The Unix socket to listen on (created owner-only).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Where the operations journal and pending approvals are kept.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The kube context sessions start in.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// Passed to the MCP server as `--cluster-provider` (`in-cluster` in a pod).
    #[arg(long, value_name = "PROVIDER")]
    cluster_provider: Option<String>,
    /// The `kubernetes-mcp-server` binary to run.
    #[arg(long, value_name = "PATH")]
    mcp_server: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, value_enum)]
    log_format: Option<LogFormatArg>,
}

/// `--log-format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Runs the daemon until a shutdown signal.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let flags = FlagOverrides {
        socket: args.socket,
        state_dir: args.state_dir,
        kubeconfig: args.kubeconfig,
        context: args.context,
        cluster_provider: args.cluster_provider,
        server_binary: args.mcp_server,
        log_format: args.log_format.map(|format| match format {
            LogFormatArg::Human => LogFormat::Human,
            LogFormatArg::Json => LogFormat::Json,
        }),
    };
    let config = config::load(&flags)?.config;
    super::runtime()?.block_on(async move {
        let _telemetry = cli::telemetry::init(&config.telemetry)?;
        let shutdown = CancellationToken::new();
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let signalled = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
                _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
            }
            signalled.cancel();
        });
        let socket = config.daemon.socket.clone();
        let daemon = Daemon::start(config).await?;
        eprintln!("kubeop: daemon listening on {}", socket.display());
        daemon.serve_until(shutdown).await?;
        eprintln!("kubeop: daemon stopped");
        Ok(ExitCode::SUCCESS)
    })
}
