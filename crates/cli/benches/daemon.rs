//! The daemon's cost: the read-only fast path through `kubeop serve` against
//! the same `tools/call` sent straight to the MCP server, and the daemon's
//! resident memory at idle (figures recorded in docs/benchmarks.md, "Daemon").
//!
//! `cargo bench -p cli --bench daemon` (after `scripts/setup`). Real
//! processes only: `kubeop sim` (the built-in demo cluster), `kubeop serve`
//! with the real `kubernetes-mcp-server` over it, and a second server of the
//! same binary with the same arguments for the direct path, driven by the
//! minimal newline-delimited JSON-RPC client of `e2e::direct_client` (no
//! rmcp, no gateway).
//!
//! The daemon path is everything a client waits for: the socket, the request
//! parsed, the classifier, the workflow coordinator, the gateway, the server,
//! the API server's answer, and the answer back over the socket. Both paths
//! ask for the same object with `resources_get`, which the server does not
//! rate-limit, and are timed alternately so the machine's load falls on both.
//!
//! `cargo test` builds this file and runs it without `--bench`; it then
//! only says how to run it (the benchmark needs a release build and minutes).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cli::client::Client;
use e2e::direct_client::DirectClient;
use e2e::serve::{Serve, wait_until};
use mcp_gateway::{ApiRate, GatewayConfig, ServerCommand};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// Timed requests per path.
const RUNS: usize = 400;

/// Untimed requests per path first (connections, caches, the allocator).
const WARM_UP: usize = 30;

/// How long the daemon is left alone before its memory is read.
const IDLE: Duration = Duration::from_secs(3);

/// Both servers' own Kubernetes client rate: far above what the benchmark
/// reaches. At the default (50/s, burst 100) a few hundred back-to-back
/// requests drain the burst and both paths then measure that token bucket,
/// not kubeop.
const BENCH_API_RATE: ApiRate = ApiRate {
    qps: 1_000_000,
    burst: 1_000_000,
};

/// The request through the daemon, and the same call made directly.
const REQUEST: &str = "get deployment web-frontend in namespace production";

/// What the classifier makes of [`REQUEST`] (checked at start).
fn direct_call() -> (&'static str, Value) {
    (
        "resources_get",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web-frontend", "namespace": "production"}),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("the daemon benchmark runs with `cargo bench -p cli --bench daemon`");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = Stack::start(dir.path()).await;

    let mut daemon = Client::connect(&stack.socket).await.expect("connects");
    let tools = daemon
        .call("tools", json!({}))
        .await
        .expect("the server is up");
    assert!(
        tools["tools"]
            .as_array()
            .is_some_and(|tools| !tools.is_empty())
    );
    tokio::time::sleep(IDLE).await;
    let started_idle = memory(stack.daemon.id().expect("running"));

    let direct = DirectClient::start(&direct_server(&stack.kubeconfig)).await;
    let (tool, arguments) = direct_call();
    let classified = std::process::Command::new(KUBEOP)
        .args(["classify", "--json", REQUEST])
        .output()
        .expect("kubeop classify runs");
    let classified: Value = serde_json::from_slice(&classified.stdout).expect("one object");
    assert_eq!(classified["tool"], tool, "{classified}");
    assert_eq!(classified["arguments"], arguments, "{classified}");

    let ask = json!({"text": REQUEST, "session": "bench"});
    let calls_before = gateway_calls(&mut daemon).await;
    let mut through_daemon = Vec::with_capacity(RUNS);
    let mut straight = Vec::with_capacity(RUNS);
    for run in 0..WARM_UP + RUNS {
        let started = Instant::now();
        let answer = daemon.call("ask", ask.clone()).await.expect("answers");
        let daemon_took = started.elapsed();
        assert_eq!(answer["kind"], "answer", "{answer}");
        assert_eq!(answer["error"], false, "{answer}");

        let started = Instant::now();
        let result = direct.call(tool, &arguments).await;
        let direct_took = started.elapsed();
        assert_ne!(result["isError"], true, "{result}");

        if run >= WARM_UP {
            through_daemon.push(daemon_took);
            straight.push(direct_took);
        }
    }
    let calls_per_request =
        (gateway_calls(&mut daemon).await - calls_before) as f64 / (WARM_UP + RUNS) as f64;
    drop(daemon);
    tokio::time::sleep(IDLE).await;
    let after_load_idle = memory(stack.daemon.id().expect("running"));
    let server = memory(stack.server_pid().await);

    through_daemon.sort();
    straight.sort();
    println!("read-only fast path, {RUNS} requests per path after {WARM_UP} warm-up, alternating");
    println!("request: {REQUEST:?} → {tool} (gateway calls per request: {calls_per_request:.2})");
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "path", "min", "median", "mean", "p90", "p99"
    );
    for (name, times) in [
        ("daemon (socket → server)", &through_daemon),
        ("direct tools/call", &straight),
    ] {
        println!(
            "{name:<26} {:>7.3}ms {:>7.3}ms {:>7.3}ms {:>7.3}ms {:>7.3}ms",
            millis(times[0]),
            millis(percentile(times, 0.5)),
            millis(mean(times)),
            millis(percentile(times, 0.9)),
            millis(percentile(times, 0.99)),
        );
    }
    let overhead = |daemon: Duration, direct: Duration| {
        (daemon.as_secs_f64() / direct.as_secs_f64() - 1.0) * 100.0
    };
    println!(
        "daemon vs direct: median {:+.1}%, mean {:+.1}% (target: at most +10%)",
        overhead(percentile(&through_daemon, 0.5), percentile(&straight, 0.5)),
        overhead(mean(&through_daemon), mean(&straight)),
    );
    println!();
    println!("resident memory of `kubeop serve` (release), idle:");
    println!("  after start-up:      {started_idle}");
    println!("  after the requests:  {after_load_idle}");
    println!("  (its kubernetes-mcp-server child, for reference: {server})");
    println!("target: idle VmRSS < 25 MiB");
}

/// `kubeop sim` and `kubeop serve` over it; both killed on drop.
struct Stack {
    /// The simulated cluster.
    _sim: Child,
    /// The daemon.
    daemon: Child,
    /// Its socket.
    socket: PathBuf,
    /// The simulated cluster's kubeconfig.
    kubeconfig: PathBuf,
}

impl Stack {
    async fn start(dir: &Path) -> Self {
        let kubeconfig = dir.join("kubeconfig");
        let socket = dir.join("kubeop.sock");
        let sim = Command::new(KUBEOP)
            .args(["sim", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("kubeop sim starts");
        wait_until(|| kubeconfig.is_file(), "the simulated cluster").await;
        let (qps, burst) = (
            BENCH_API_RATE.qps.to_string(),
            BENCH_API_RATE.burst.to_string(),
        );
        let daemon = Serve {
            kubeop: Path::new(KUBEOP),
            kubeconfig: &kubeconfig,
            socket: &socket,
            state_dir: &dir.join("state"),
        }
        .start(&[
            ("KUBEOP_GATEWAY__API_QPS", &qps),
            ("KUBEOP_GATEWAY__API_BURST", &burst),
        ])
        .await;
        Self {
            _sim: sim,
            daemon,
            socket,
            kubeconfig,
        }
    }

    /// The daemon's MCP server process.
    async fn server_pid(&self) -> u32 {
        let mut client = Client::connect(&self.socket).await.expect("connects");
        let status = client.call("status", json!({})).await.expect("status");
        status["gateway"]["pid"]
            .as_u64()
            .and_then(|pid| u32::try_from(pid).ok())
            .expect("a running server")
    }
}

/// The gateway's call counter, to check one request is one tool call.
async fn gateway_calls(client: &mut Client) -> u64 {
    let status = client.call("status", json!({})).await.expect("status");
    status["gateway"]["metrics"]["calls"]
        .as_u64()
        .expect("a counter")
}

/// The direct path's server: started exactly as the daemon's gateway starts
/// its own (arguments and environment).
fn direct_server(kubeconfig: &Path) -> GatewayConfig {
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(kubeconfig.to_owned());
    config.api_rate = Some(BENCH_API_RATE);
    config
}

/// `VmRSS` and `VmHWM` of a process, from `/proc`.
fn memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| "-".to_owned())
    };
    format!(
        "VmRSS {} (peak VmHWM {}, threads {})",
        field("VmRSS:"),
        field("VmHWM:"),
        field("Threads:")
    )
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn mean(times: &[Duration]) -> Duration {
    times.iter().sum::<Duration>() / u32::try_from(times.len()).expect("few runs")
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
