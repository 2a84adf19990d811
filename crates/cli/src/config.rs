//! kubeop's configuration: one typed struct, layered with figment, every value
//! traceable to where it came from.
//!
//! Layers, later ones winning: built-in defaults, `/etc/kubeop/config.toml`,
//! the user's `$XDG_CONFIG_HOME/kubeop/config.toml`, `./kubeop.toml`,
//! `KUBEOP_*` environment variables (nested keys joined with `__`, e.g.
//! `KUBEOP_DAEMON__SOCKET`), then command-line flags. Unknown keys and values
//! of the wrong type or out of range are refused with the file (or variable),
//! the key and the reason, so a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider, Source};
use hitl::policy::ApprovalPolicy;
use serde::{Deserialize, Serialize};

/// The system-wide configuration file.
pub const SYSTEM_CONFIG_FILE: &str = "/etc/kubeop/config.toml";

/// The configuration file in the working directory, for per-project settings.
pub const LOCAL_CONFIG_FILE: &str = "kubeop.toml";

/// Prefix of the environment variables that set configuration keys.
pub const ENV_PREFIX: &str = "KUBEOP_";

/// Separator of nested keys in environment variable names.
pub const ENV_NESTING: &str = "__";

/// Label of the built-in defaults in `kubeop config show`.
const DEFAULTS_LABEL: &str = "built-in default";

/// Label of command-line flags in `kubeop config show`.
const FLAGS_LABEL: &str = "command-line flag";

/// The whole configuration of kubeop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the daemon listens and keeps its state, and which cluster it talks to.
    pub daemon: DaemonConfig,
    /// How the MCP server is run and how many calls it is given at once.
    pub gateway: GatewayConfig,
    /// Approval expiry and policy: where changes are refused outright or need
    /// the approver to retype the name. The approvals crate owns the shape.
    pub approval: ApprovalPolicy,
    /// Logs and traces.
    pub telemetry: TelemetryConfig,
}

/// The daemon's socket, state and cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// The Unix socket the daemon listens on and clients connect to.
    pub socket: PathBuf,
    /// Where the operations journal and pending approvals live.
    pub state_dir: PathBuf,
    /// The kubeconfig the MCP server uses; unset means its own default lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    /// The kube context a new session starts in; unset means the kubeconfig's current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// How many clients may be connected at once; more are told "busy" and closed.
    pub max_connections: usize,
    /// The largest request line, in bytes, the daemon reads before refusing it.
    pub max_request_bytes: usize,
}

/// How the MCP server is run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The `kubernetes-mcp-server` binary; unset means the one `scripts/setup` installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_binary: Option<PathBuf>,
    /// `--cluster-provider` for the server (e.g. `in-cluster` inside a pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_provider: Option<String>,
    /// Start the server with `--read-only`: kubeop then answers but never changes.
    pub read_only: bool,
    /// How many tool calls may be in flight at the server at once.
    pub max_in_flight: usize,
    /// How many calls may wait for a slot before callers are told "busy".
    pub queue_depth: usize,
    /// The default deadline of one tool call, in seconds.
    pub call_timeout_seconds: u64,
    /// Sustained Kubernetes API requests per second of the server's own
    /// client. client-go's default (5) makes every read queue after a
    /// handful; kubectl's own is 50. Raise it for large clusters or heavy
    /// use, lower it to spare a busy API server.
    pub api_qps: u32,
    /// Requests the server's client may make at once above `api_qps`.
    pub api_burst: u32,
}

/// Logs and traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// `human` for people at a terminal, `json` for log collectors.
    pub log_format: LogFormat,
    /// A tracing `EnvFilter` directive, e.g. `info` or `kubeop=debug,info`;
    /// `RUST_LOG`, when set, wins.
    pub log_filter: String,
    /// The service name on exported traces unless `OTEL_SERVICE_NAME` is set.
    pub service_name: String,
}

/// The format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            daemon: DaemonConfig {
                socket: default_socket_path(),
                state_dir: default_state_dir(),
                kubeconfig: None,
                context: None,
                max_connections: 64,
                max_request_bytes: 1024 * 1024,
            },
            gateway: GatewayConfig {
                server_binary: None,
                cluster_provider: None,
                read_only: false,
                max_in_flight: 16,
                queue_depth: 256,
                call_timeout_seconds: 30,
                api_qps: mcp_gateway::DEFAULT_API_QPS,
                api_burst: mcp_gateway::DEFAULT_API_BURST,
            },
            approval: ApprovalPolicy::default(),
            telemetry: TelemetryConfig {
                log_format: LogFormat::Human,
                log_filter: "warn".to_owned(),
                service_name: "kubeop".to_owned(),
            },
        }
    }
}

/// The user's id, for the per-user fallback directories and the socket's peer check.
pub fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// `$XDG_RUNTIME_DIR/kubeop/kubeop.sock`, or a per-user directory under `/tmp`
/// where there is no runtime directory (containers, cron).
pub fn default_socket_path() -> PathBuf {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kubeop-{}", current_uid())));
    runtime.join("kubeop").join("kubeop.sock")
}

/// `$XDG_STATE_HOME/kubeop`, else `~/.local/state/kubeop`.
pub fn default_state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").join("kubeop")
}

/// `$XDG_CONFIG_HOME/kubeop/config.toml`, else `~/.config/kubeop/config.toml`.
pub fn user_config_file() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config")
        .join("kubeop")
        .join("config.toml")
}

fn xdg_dir(variable: &str, home_relative: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/"))
                .join(home_relative)
        })
}

/// Values given on the command line; each one set overrides every other layer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagOverrides {
    /// `--socket`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket: Option<PathBuf>,
    /// `--state-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<PathBuf>,
    /// `--kubeconfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `--cluster-provider`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_provider: Option<String>,
    /// `--mcp-server`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_binary: Option<PathBuf>,
    /// `--log-format`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

impl Provider for FlagOverrides {
    fn metadata(&self) -> Metadata {
        Metadata::named(FLAGS_LABEL)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut daemon = serde_json::Map::new();
        let mut gateway = serde_json::Map::new();
        let mut telemetry = serde_json::Map::new();
        let put = |section: &mut serde_json::Map<_, _>, key: &str, value| {
            if let Some(value) = value {
                section.insert(key.to_owned(), value);
            }
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string().into());
        put(&mut daemon, "socket", path(&self.socket));
        put(&mut daemon, "state_dir", path(&self.state_dir));
        put(&mut daemon, "kubeconfig", path(&self.kubeconfig));
        put(&mut daemon, "context", self.context.clone().map(Into::into));
        put(
            &mut gateway,
            "cluster_provider",
            self.cluster_provider.clone().map(Into::into),
        );
        put(&mut gateway, "server_binary", path(&self.server_binary));
        put(
            &mut telemetry,
            "log_format",
            self.log_format
                .map(|format| serde_json::to_value(format).expect("an enum serializes")),
        );
        let mut root = serde_json::Map::new();
        for (name, section) in [
            ("daemon", daemon),
            ("gateway", gateway),
            ("telemetry", telemetry),
        ] {
            if !section.is_empty() {
                root.insert(name.to_owned(), section.into());
            }
        }
        Serialized::defaults(serde_json::Value::Object(root)).data()
    }
}

/// The built-in defaults, labelled as such for `kubeop config show`.
struct Defaults(Config);

impl Provider for Defaults {
    fn metadata(&self) -> Metadata {
        Metadata::named(DEFAULTS_LABEL)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Serialized::defaults(&self.0).data()
    }
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be parsed, or keys were unknown or of the wrong type.
    #[error("invalid configuration: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// A value parsed but is not usable.
    #[error("invalid configuration: key {key:?} in {source_name}: {reason}")]
    OutOfRange {
        /// The dotted key.
        key: String,
        /// The file or variable that set it.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The loaded configuration and the layers it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// The merged layers, kept to say where each value came from.
    figment: Figment,
    /// The prefix of the environment layer, to name variables in messages.
    env_prefix: String,
    /// The configuration files considered, in order, and whether each exists.
    pub files: Vec<(PathBuf, bool)>,
}

/// The configuration files read, in order (later ones win).
pub fn config_files() -> Vec<PathBuf> {
    vec![
        PathBuf::from(SYSTEM_CONFIG_FILE),
        user_config_file(),
        std::env::current_dir()
            .unwrap_or_default()
            .join(LOCAL_CONFIG_FILE),
    ]
}

/// Loads the configuration from every layer.
pub fn load(flags: &FlagOverrides) -> Result<Loaded, ConfigError> {
    load_layers(&config_files(), ENV_PREFIX, flags)
}

/// Loads the configuration with `files` as the file layers and variables
/// starting with `env_prefix` as the environment layer (tests use their own
/// files and prefixes so that they cannot see each other's).
pub fn load_layers(
    files: &[PathBuf],
    env_prefix: &str,
    flags: &FlagOverrides,
) -> Result<Loaded, ConfigError> {
    let mut figment = Figment::from(Defaults(Config::default()));
    // A missing file is an absent layer, not an error; an unreadable or
    // broken one is refused.
    for file in files.iter().filter(|file| file.exists()) {
        figment = figment.merge(Toml::file_exact(file));
    }
    let figment = figment.merge(environment(env_prefix)).merge(flags.clone());
    let config: Config = figment
        .extract()
        .map_err(|error| explain(error, env_prefix))?;
    let loaded = Loaded {
        config,
        figment,
        env_prefix: env_prefix.to_owned(),
        files: files
            .iter()
            .map(|file| (file.clone(), file.is_file()))
            .collect(),
    };
    loaded.validate()?;
    Ok(loaded)
}

/// Each problem figment found as "key K in SOURCE: reason", once.
fn explain(error: figment::Error, env_prefix: &str) -> ConfigError {
    let mut problems: Vec<String> = Vec::new();
    for problem in error {
        let key = problem.path.join(".");
        let source = problem
            .metadata
            .as_ref()
            .map(|metadata| describe(metadata, &key, env_prefix))
            .unwrap_or_else(|| "the configuration".to_owned());
        let text = if key.is_empty() {
            format!("{source}: {}", problem.kind)
        } else {
            format!("key {key:?} in {source}: {}", problem.kind)
        };
        if !problems.contains(&text) {
            problems.push(text);
        }
    }
    ConfigError::Invalid(problems)
}

/// `KUBEOP_SECTION__KEY` variables. Only variables naming one of the sections
/// are configuration; other `KUBEOP_*` variables (such as `KUBEOP_MCP_SERVER`,
/// read by the gateway's binary lookup) are left alone.
fn environment(prefix: &str) -> Env {
    const SECTIONS: [&str; 4] = ["daemon", "gateway", "approval", "telemetry"];
    Env::prefixed(prefix)
        .filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            SECTIONS
                .iter()
                .any(|section| key.starts_with(&format!("{section}{ENV_NESTING}")))
        })
        .split(ENV_NESTING)
}

impl Loaded {
    fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("daemon.max_connections", self.config.daemon.max_connections),
            (
                "daemon.max_request_bytes",
                self.config.daemon.max_request_bytes,
            ),
            ("gateway.max_in_flight", self.config.gateway.max_in_flight),
            ("gateway.api_qps", self.config.gateway.api_qps as usize),
            ("gateway.api_burst", self.config.gateway.api_burst as usize),
            (
                "gateway.call_timeout_seconds",
                usize::try_from(self.config.gateway.call_timeout_seconds).unwrap_or(usize::MAX),
            ),
            (
                "approval.approval_ttl_seconds",
                usize::try_from(self.config.approval.approval_ttl_seconds).unwrap_or(usize::MAX),
            ),
            (
                "approval.grant_ttl_seconds",
                usize::try_from(self.config.approval.grant_ttl_seconds).unwrap_or(usize::MAX),
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(self.out_of_range(key, "must be greater than zero"));
            }
        }
        if self.config.daemon.max_request_bytes < 1024 {
            return Err(self.out_of_range(
                "daemon.max_request_bytes",
                "must be at least 1024 bytes so that ordinary requests fit",
            ));
        }
        if let Some(provider) = &self.config.gateway.cluster_provider
            && !["kubeconfig", "in-cluster", "disabled"].contains(&provider.as_str())
        {
            return Err(self.out_of_range(
                "gateway.cluster_provider",
                "must be one of kubeconfig, in-cluster, disabled",
            ));
        }
        for (key, path) in [
            ("daemon.socket", &self.config.daemon.socket),
            ("daemon.state_dir", &self.config.daemon.state_dir),
        ] {
            if path.as_os_str().is_empty() {
                return Err(self.out_of_range(key, "must not be empty"));
            }
        }
        Ok(())
    }

    fn out_of_range(&self, key: &str, reason: &str) -> ConfigError {
        ConfigError::OutOfRange {
            key: key.to_owned(),
            source_name: self.origin(key),
            reason: reason.to_owned(),
        }
    }

    /// Where the value of the dotted `key` came from, for people: a file path,
    /// an environment variable, a flag or the built-in default.
    pub fn origin(&self, key: &str) -> String {
        match self.figment.find_metadata(key) {
            None => DEFAULTS_LABEL.to_owned(),
            Some(metadata) => describe(metadata, key, &self.env_prefix),
        }
    }

    /// Every leaf key of the effective configuration with its value and origin,
    /// in key order.
    pub fn provenance(&self) -> BTreeMap<String, (serde_json::Value, String)> {
        let value = serde_json::to_value(&self.config).expect("the configuration serializes");
        let mut leaves = BTreeMap::new();
        flatten("", &value, &mut leaves);
        for key in unset_optional_keys() {
            leaves
                .entry(key.to_owned())
                .or_insert(serde_json::Value::Null);
        }
        leaves
            .into_iter()
            .map(|(key, value)| {
                let origin = if value.is_null() {
                    DEFAULTS_LABEL.to_owned()
                } else {
                    self.origin(&key)
                };
                (key, (value, origin))
            })
            .collect()
    }
}

/// Optional keys, listed so that `config show` shows them even when unset.
fn unset_optional_keys() -> [&'static str; 4] {
    [
        "daemon.kubeconfig",
        "daemon.context",
        "gateway.server_binary",
        "gateway.cluster_provider",
    ]
}

fn describe(metadata: &Metadata, key: &str, env_prefix: &str) -> String {
    match &metadata.source {
        Some(Source::File(path)) => format!("file {}", path.display()),
        _ if metadata.name.contains("environment") => format!(
            "environment {env_prefix}{}",
            key.replace('.', ENV_NESTING).to_ascii_uppercase()
        ),
        _ => metadata.name.to_string(),
    }
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A prefix no test environment sets, so that file tests see no variables.
    const NO_ENV: &str = "KUBEOP_UNIT_TEST_UNSET_";

    fn file_with(content: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(content.as_bytes()).expect("write");
        file
    }

    #[test]
    fn defaults_load_and_say_so() {
        let loaded =
            load_layers(&[], NO_ENV, &FlagOverrides::default()).expect("defaults are valid");
        assert_eq!(loaded.config.approval.approval_ttl_seconds, 900);
        assert_eq!(
            loaded.origin("approval.approval_ttl_seconds"),
            "built-in default"
        );
        let provenance = loaded.provenance();
        assert_eq!(
            provenance["daemon.kubeconfig"],
            (serde_json::Value::Null, "built-in default".to_owned())
        );
    }

    #[test]
    fn later_files_and_flags_win_and_are_named() {
        let system =
            file_with("[approval]\napproval_ttl_seconds = 60\n[daemon]\ncontext = \"a\"\n");
        let local = file_with("[daemon]\ncontext = \"b\"\n");
        let flags = FlagOverrides {
            socket: Some(PathBuf::from("/tmp/x.sock")),
            ..FlagOverrides::default()
        };
        let files = [system.path().to_path_buf(), local.path().to_path_buf()];
        let loaded = load_layers(&files, NO_ENV, &flags).expect("valid");
        assert_eq!(loaded.config.approval.approval_ttl_seconds, 60);
        assert_eq!(loaded.config.daemon.context.as_deref(), Some("b"));
        assert_eq!(loaded.config.daemon.socket, PathBuf::from("/tmp/x.sock"));
        assert_eq!(
            loaded.origin("approval.approval_ttl_seconds"),
            format!("file {}", system.path().display())
        );
        assert_eq!(
            loaded.origin("daemon.context"),
            format!("file {}", local.path().display())
        );
        assert_eq!(loaded.origin("daemon.socket"), "command-line flag");
    }

    #[test]
    fn unknown_keys_are_refused_with_key_and_file() {
        let file = file_with("[daemon]\nsokcet = \"/tmp/s\"\n");
        let error = load_layers(
            &[file.path().to_path_buf()],
            NO_ENV,
            &FlagOverrides::default(),
        )
        .expect_err("a typo is refused");
        let message = error.to_string();
        assert!(message.contains("sokcet"), "{message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn wrong_types_are_refused_with_key_and_file() {
        let file = file_with("[gateway]\nmax_in_flight = \"many\"\n");
        let message = load_layers(
            &[file.path().to_path_buf()],
            NO_ENV,
            &FlagOverrides::default(),
        )
        .expect_err("a string is not a count")
        .to_string();
        assert!(message.contains("gateway.max_in_flight"), "{message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn out_of_range_values_are_refused_with_key_file_and_reason() {
        let file = file_with("[daemon]\nmax_connections = 0\n");
        let message = load_layers(
            &[file.path().to_path_buf()],
            NO_ENV,
            &FlagOverrides::default(),
        )
        .expect_err("zero connections is unusable")
        .to_string();
        assert!(message.contains("daemon.max_connections"), "{message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
        assert!(message.contains("greater than zero"), "{message}");
    }

    #[test]
    fn a_broken_file_is_refused_with_its_path() {
        let file = file_with("[daemon\n");
        let message = load_layers(
            &[file.path().to_path_buf()],
            NO_ENV,
            &FlagOverrides::default(),
        )
        .expect_err("not TOML")
        .to_string();
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    // Jail's closure must return figment's own (large) error type.
    #[allow(clippy::result_large_err)]
    #[test]
    fn environment_variables_nest_with_double_underscores() {
        const PREFIX: &str = "KUBEOP_UNIT_TEST_ENV_";
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "KUBEOP_UNIT_TEST_ENV_TELEMETRY__SERVICE_NAME",
                "kubeop-east",
            );
            jail.set_env("KUBEOP_UNIT_TEST_ENV_MCP_SERVER", "/not/configuration");
            let loaded = load_layers(&[], PREFIX, &FlagOverrides::default()).expect("valid");
            assert_eq!(loaded.config.telemetry.service_name, "kubeop-east");
            assert_eq!(
                loaded.origin("telemetry.service_name"),
                "environment KUBEOP_UNIT_TEST_ENV_TELEMETRY__SERVICE_NAME"
            );
            jail.set_env("KUBEOP_UNIT_TEST_ENV_TELEMETRY__SERVICE_NAM", "typo");
            let message = load_layers(&[], PREFIX, &FlagOverrides::default())
                .expect_err("a misspelt variable is refused")
                .to_string();
            assert!(message.contains("service_nam"), "{message}");
            Ok(())
        });
    }

    #[test]
    fn missing_files_are_skipped() {
        let loaded = load_layers(
            &[PathBuf::from("/nonexistent/kubeop.toml")],
            NO_ENV,
            &FlagOverrides::default(),
        )
        .expect("a missing file is no error");
        assert_eq!(
            loaded.files,
            vec![(PathBuf::from("/nonexistent/kubeop.toml"), false)]
        );
    }
}
