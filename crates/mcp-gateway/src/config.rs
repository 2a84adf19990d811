//! How the gateway runs the server and how much work it lets in.
//!
//! Every limit and deadline has a named default here, so that what the
//! gateway promises callers ("busy at once past the queue", "no call outlives
//! its deadline") can be read in one place.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::server_binary;

/// Calls sent to the server at the same time by default. The server serves
/// requests in parallel over one stdio connection; 64 is where its un-throttled
/// tools reach their full rate (deps.md), so more would only add latency.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// Callers allowed to wait for an in-flight slot by default; past this the
/// gateway answers `Busy` at once instead of queueing without limit.
pub const DEFAULT_MAX_QUEUED: usize = 256;

/// Deadline of a call that names none: long enough for the server's throttled
/// tools under a burst (about 5 calls/s after 10), short enough that a hung
/// server is noticed.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(30);

/// How long spawn + initialize + catalog may take. The server's initialize
/// waits for API discovery, which hangs ~20 s against an unresponsive API
/// server; the gateway gives up earlier and retries with backoff.
pub const DEFAULT_STARTUP_DEADLINE: Duration = Duration::from_secs(15);

/// After stdin is closed, how long the server gets to exit on its own (it
/// normally exits within 22 ms) before SIGTERM, and again before SIGKILL.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// First wait before restarting a server that died or failed to start.
pub const DEFAULT_RESTART_BACKOFF: Duration = Duration::from_millis(100);

/// Longest wait between restarts: backoff doubles up to this.
pub const DEFAULT_MAX_RESTART_BACKOFF: Duration = Duration::from_secs(10);

/// How long a liveness ping may take once a call timed out on the server.
/// The server answers `ping` itself without touching the cluster (well
/// under a millisecond), so a server that cannot answer in this long is hung,
/// not busy: it is restarted.
pub const DEFAULT_LIVENESS_PING: Duration = Duration::from_secs(5);

/// The server's Kubernetes client: requests per second by default. Left at
/// client-go's own default (5/s, burst 10), every cluster read of every tool
/// queues behind that token bucket (a sequence of `pods_get` runs at 5 calls/s
/// whatever the gateway does). The gateway already bounds concurrent calls,
/// and an API server protects itself (priority and fairness), so the server
/// gets the rate of an interactive client instead.
pub const DEFAULT_API_QPS: u32 = 50;

/// The server's Kubernetes client: burst above [`DEFAULT_API_QPS`] by default
/// (a health check or a diagnosis reads a few dozen objects at once).
pub const DEFAULT_API_BURST: u32 = 100;

/// Environment variables `kubernetes-mcp-server` 0.0.67 reads for its
/// Kubernetes client's rate limit (it has no flag for it).
pub const API_QPS_ENV: &str = "KUBE_CLIENT_QPS";
/// See [`API_QPS_ENV`].
pub const API_BURST_ENV: &str = "KUBE_CLIENT_BURST";

/// The npm package run when no installed binary is found.
pub const NPX_PACKAGE: &str = "kubernetes-mcp-server@0.0.67";

/// Output format of the server's list tools (`--list-output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOutput {
    /// Columns like `kubectl get` (the server's default).
    Table,
    /// Full objects as YAML.
    Yaml,
}

impl ListOutput {
    fn as_flag_value(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Yaml => "yaml",
        }
    }
}

/// The program that is the MCP server, and the arguments that come before
/// the ones the gateway derives from [`GatewayConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCommand {
    /// Executable to spawn.
    pub program: PathBuf,
    /// Leading arguments (e.g. `-y kubernetes-mcp-server@0.0.67` for npx).
    pub args: Vec<OsString>,
}

impl ServerCommand {
    /// The pinned server `scripts/setup` installed ([`server_binary::locate`]),
    /// or `npx -y kubernetes-mcp-server@0.0.67` when there is none.
    pub fn pinned() -> Self {
        match server_binary::locate() {
            Some(program) => Self::binary(program),
            None => Self {
                program: PathBuf::from("npx"),
                args: vec!["-y".into(), NPX_PACKAGE.into()],
            },
        }
    }

    /// A server binary run with no leading arguments.
    pub fn binary(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
        }
    }
}

/// Bounds on concurrent work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls sent to the server and not yet answered.
    pub max_in_flight: usize,
    /// Callers admitted and waiting for an in-flight slot.
    pub max_queued: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_queued: DEFAULT_MAX_QUEUED,
        }
    }
}

/// Deadlines the gateway enforces itself, because rmcp sets none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// A call's deadline (queueing included) when it names none.
    pub default_call: Duration,
    /// Spawn, initialize and first catalog load of one server process.
    pub startup: Duration,
    /// Each step of a graceful shutdown (stdin closed, then SIGTERM).
    pub shutdown_grace: Duration,
    /// The liveness ping sent when a call times out on the server: no
    /// answer within this long and the server is restarted.
    pub liveness_ping: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            default_call: DEFAULT_CALL_DEADLINE,
            startup: DEFAULT_STARTUP_DEADLINE,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            liveness_ping: DEFAULT_LIVENESS_PING,
        }
    }
}

/// Capped exponential backoff between restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Wait before the first restart after a healthy run.
    pub initial_backoff: Duration,
    /// Upper bound of the doubling wait.
    pub max_backoff: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            initial_backoff: DEFAULT_RESTART_BACKOFF,
            max_backoff: DEFAULT_MAX_RESTART_BACKOFF,
        }
    }
}

impl RestartPolicy {
    /// The wait before restart number `failures` (1-based) in a row.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(20);
        self.initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }
}

/// The rate limit of the server's own Kubernetes client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRate {
    /// Sustained requests per second.
    pub qps: u32,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
}

impl Default for ApiRate {
    fn default() -> Self {
        Self {
            qps: DEFAULT_API_QPS,
            burst: DEFAULT_API_BURST,
        }
    }
}

/// Everything the gateway needs to run and bound the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// The server program.
    pub server: ServerCommand,
    /// `--kubeconfig`: the kubeconfig the server uses (its default otherwise).
    pub kubeconfig: Option<PathBuf>,
    /// `--read-only`: the server exposes only read-only tools.
    pub read_only: bool,
    /// `--disable-destructive`: the server hides destructive tools.
    pub disable_destructive: bool,
    /// `--toolsets`: the server's toolsets (its default `core,config` if empty).
    pub toolsets: Vec<String>,
    /// `--disable-multi-cluster`: no `context` argument, default context only.
    pub disable_multi_cluster: bool,
    /// `--list-output`: table or YAML for list tools.
    pub list_output: Option<ListOutput>,
    /// `--log-level`: verbosity of the server's own log (captured into tracing).
    pub server_log_level: Option<u8>,
    /// Extra arguments appended verbatim, for flags this struct does not model.
    pub extra_args: Vec<OsString>,
    /// The server's Kubernetes client rate limit; `None` leaves client-go's
    /// default (5/s, burst 10).
    pub api_rate: Option<ApiRate>,
    /// In-flight and queue bounds.
    pub limits: Limits,
    /// Call, start-up and shutdown deadlines.
    pub deadlines: Deadlines,
    /// Restart backoff.
    pub restart: RestartPolicy,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self::with_server(ServerCommand::pinned())
    }
}

impl GatewayConfig {
    /// Defaults for everything but the server program.
    pub fn with_server(server: ServerCommand) -> Self {
        Self {
            server,
            kubeconfig: None,
            read_only: false,
            disable_destructive: false,
            toolsets: Vec::new(),
            disable_multi_cluster: false,
            list_output: None,
            server_log_level: None,
            extra_args: Vec::new(),
            api_rate: Some(ApiRate::default()),
            limits: Limits::default(),
            deadlines: Deadlines::default(),
            restart: RestartPolicy::default(),
        }
    }

    /// The full argument list passed to the server program. The server logs
    /// nowhere in stdio mode unless told, so `--log-file stderr` sends its log
    /// to the pipe the gateway turns into tracing events (never into results).
    pub fn server_args(&self) -> Vec<OsString> {
        let mut args = self.server.args.clone();
        args.extend(["--log-file".into(), "stderr".into()]);
        if let Some(level) = self.server_log_level {
            args.extend(["--log-level".into(), level.to_string().into()]);
        }
        if let Some(kubeconfig) = &self.kubeconfig {
            args.extend(["--kubeconfig".into(), kubeconfig.clone().into_os_string()]);
        }
        if self.read_only {
            args.push("--read-only".into());
        }
        if self.disable_destructive {
            args.push("--disable-destructive".into());
        }
        if !self.toolsets.is_empty() {
            args.extend(["--toolsets".into(), self.toolsets.join(",").into()]);
        }
        if self.disable_multi_cluster {
            args.push("--disable-multi-cluster".into());
        }
        if let Some(list_output) = self.list_output {
            args.extend(["--list-output".into(), list_output.as_flag_value().into()]);
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }

    /// Environment variables set for the server program (on top of the
    /// gateway's own environment).
    pub fn server_env(&self) -> Vec<(&'static str, String)> {
        match self.api_rate {
            Some(rate) => vec![
                (API_QPS_ENV, rate.qps.to_string()),
                (API_BURST_ENV, rate.burst.to_string()),
            ],
            None => Vec::new(),
        }
    }

    /// The server program with [`Self::server_args`] and
    /// [`Self::server_env`]: the process the gateway runs, for whoever must
    /// run the very same one (the benchmarks' direct baseline). The caller
    /// sets up its stdio.
    pub fn server_command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.server.program);
        command.args(self.server_args()).envs(self.server_env());
        command
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn the_server_command_is_the_program_with_its_arguments_and_environment() {
        let mut config = GatewayConfig::with_server(ServerCommand::binary("/srv"));
        config.api_rate = Some(ApiRate { qps: 7, burst: 9 });
        let command = config.server_command();
        let command = command.as_std();
        assert_eq!(command.get_program(), "/srv");
        assert_eq!(command.get_args().collect::<Vec<_>>(), config.server_args());
        // `get_envs` lists the variables by name.
        assert_eq!(
            command.get_envs().collect::<Vec<_>>(),
            [
                (OsStr::new(API_BURST_ENV), Some(OsStr::new("9"))),
                (OsStr::new(API_QPS_ENV), Some(OsStr::new("7")))
            ]
        );
    }

    #[test]
    fn flags_are_passed_through() {
        let mut config = GatewayConfig::with_server(ServerCommand::binary("/srv"));
        config.kubeconfig = Some("/kc".into());
        config.read_only = true;
        config.disable_destructive = true;
        config.toolsets = vec!["core".into(), "config".into()];
        config.disable_multi_cluster = true;
        config.list_output = Some(ListOutput::Yaml);
        let args: Vec<String> = config
            .server_args()
            .into_iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "--log-file",
                "stderr",
                "--kubeconfig",
                "/kc",
                "--read-only",
                "--disable-destructive",
                "--toolsets",
                "core,config",
                "--disable-multi-cluster",
                "--list-output",
                "yaml"
            ]
        );
    }

    #[test]
    fn the_api_rate_reaches_the_server_through_its_environment() {
        let mut config = GatewayConfig::with_server(ServerCommand::binary("/srv"));
        assert_eq!(
            config.server_env(),
            [
                ("KUBE_CLIENT_QPS", "50".to_owned()),
                ("KUBE_CLIENT_BURST", "100".to_owned())
            ]
        );
        config.api_rate = None;
        assert!(config.server_env().is_empty());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RestartPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(4), Duration::from_millis(800));
        assert_eq!(policy.backoff(5), Duration::from_secs(1));
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(1));
    }
}
