//! The MCP gateway's overhead, throughput and overload behaviour, measured
//! against the real `kubernetes-mcp-server` and the simulated cluster.
//!
//! Prints figures (recorded in docs/benchmarks.md); asserts nothing about
//! speed. Run: `cargo bench -p e2e --bench gateway` (after `scripts/setup`).
//!
//! The baseline is a minimal direct client in the same run
//! (`e2e::direct_client`): one more server process on the same cluster,
//! started with the same arguments and environment, spoken to with raw
//! newline-delimited JSON-RPC (requests pipelined, replies matched by id,
//! nothing checked).
//!
//! Both servers get a Kubernetes client rate limit far above what is reached
//! ([`BENCH_API_RATE`]): left at client-go's default (5 requests/s, burst 10)
//! every call of every tool that reads the cluster waits for that token
//! bucket, and the benchmark would measure it instead of the gateway.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::direct_client::DirectClient;
use hitl::grant::{GrantKey, GrantVerifier};
use mcp_gateway::{ApiRate, Gateway, GatewayConfig, GatewayError, Limits, ServerCommand, ToolCall};
use serde_json::{Map, Value, json};

/// Sequential calls per latency sample block.
const LATENCY_CALLS: usize = 200;
/// Alternating blocks of gateway / direct calls for the latency comparison.
const LATENCY_BLOCKS: usize = 5;
/// How long each throughput run lasts.
const THROUGHPUT_WINDOW: Duration = Duration::from_secs(3);
/// The servers' own Kubernetes client rate: never the bottleneck here.
const BENCH_API_RATE: ApiRate = ApiRate {
    qps: 1_000_000,
    burst: 1_000_000,
};

fn arguments(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

/// The un-throttled calls the benchmark sends, round-robin.
fn workload(index: usize) -> (&'static str, Map<String, Value>) {
    match index % 4 {
        0 => (
            "pods_get",
            arguments(json!({"name": "tool", "namespace": "shop"})),
        ),
        1 => (
            "resources_get",
            arguments(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "namespace": "shop"}),
            ),
        ),
        2 => ("namespaces_list", Map::new()),
        _ => ("configuration_view", Map::new()),
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn server_config(kubeconfig: &std::path::Path) -> GatewayConfig {
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(kubeconfig.to_path_buf());
    config.api_rate = Some(BENCH_API_RATE);
    config
}

async fn gateway_for(config: GatewayConfig, limits: Limits) -> Gateway {
    let mut config = config;
    config.limits = limits;
    let gateway = Gateway::start(
        config,
        GrantVerifier::new(GrantKey::generate().expect("key")),
    )
    .await
    .expect("gateway");
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("ready");
    gateway
}

async fn latency(gateway: &Gateway, direct: &DirectClient, tool: &str, args: Map<String, Value>) {
    let mut through_gateway = Vec::new();
    let mut direct_times = Vec::new();
    for _ in 0..LATENCY_BLOCKS {
        for _ in 0..LATENCY_CALLS {
            let started = Instant::now();
            let output = gateway
                .call(ToolCall::new(tool, args.clone()))
                .await
                .expect("call");
            through_gateway.push(started.elapsed());
            assert!(!output.is_error, "{}", output.text);
        }
        for _ in 0..LATENCY_CALLS {
            let started = Instant::now();
            let result = direct.call(tool, args.clone()).await;
            direct_times.push(started.elapsed());
            assert!(result["isError"] != json!(true), "{result}");
        }
    }
    through_gateway.sort();
    direct_times.sort();
    let (g50, d50) = (
        percentile(&through_gateway, 0.5),
        percentile(&direct_times, 0.5),
    );
    let (g99, d99) = (
        percentile(&through_gateway, 0.99),
        percentile(&direct_times, 0.99),
    );
    println!(
        "latency {tool:<20} gateway p50 {:>7.0} µs p99 {:>7.0} µs | direct p50 {:>7.0} µs p99 {:>7.0} µs | overhead p50 {:>+5.1}% ({:+.0} µs)",
        micros(g50),
        micros(g99),
        micros(d50),
        micros(d99),
        (micros(g50) / micros(d50) - 1.0) * 100.0,
        micros(g50) - micros(d50),
    );
}

async fn throughput_gateway(gateway: &Gateway, callers: usize) -> f64 {
    let deadline = Instant::now() + THROUGHPUT_WINDOW;
    let mut tasks = Vec::new();
    for caller in 0..callers {
        let gateway = gateway.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut index = caller;
            while Instant::now() < deadline {
                let (tool, args) = workload(index);
                let output = gateway.call(ToolCall::new(tool, args)).await.expect("call");
                assert!(!output.is_error, "{}", output.text);
                done += 1;
                index += 1;
            }
            done
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("caller");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn throughput_direct(direct: &Arc<DirectClient>, callers: usize) -> f64 {
    let deadline = Instant::now() + THROUGHPUT_WINDOW;
    let mut tasks = Vec::new();
    for caller in 0..callers {
        let direct = direct.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut index = caller;
            while Instant::now() < deadline {
                let (tool, args) = workload(index);
                direct.call(tool, args).await;
                done += 1;
                index += 1;
            }
            done
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("caller");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn overload(gateway: &Gateway, factor: usize) {
    let capacity = gateway.capacity();
    let callers = capacity * factor;
    let before = rss_kib();
    let mut tasks = Vec::with_capacity(callers);
    for index in 0..callers {
        let gateway = gateway.clone();
        tasks.push(tokio::spawn(async move {
            let (tool, args) = workload(index);
            let started = Instant::now();
            let outcome = gateway.call(ToolCall::new(tool, args)).await;
            (started.elapsed(), outcome)
        }));
    }
    let mut busy = Vec::new();
    let mut answered = 0usize;
    let mut peak = before;
    for task in tasks {
        let (elapsed, outcome) = task.await.expect("caller");
        peak = peak.max(rss_kib());
        match outcome {
            Ok(_) => answered += 1,
            Err(GatewayError::Busy { .. }) => busy.push(elapsed),
            Err(other) => panic!("unexpected error under overload: {other}"),
        }
    }
    busy.sort();
    let (p50, p99, max) = if busy.is_empty() {
        (Duration::ZERO, Duration::ZERO, Duration::ZERO)
    } else {
        (
            percentile(&busy, 0.5),
            percentile(&busy, 0.99),
            busy[busy.len() - 1],
        )
    };
    println!(
        "overload {factor:>3}x: {callers} callers at once, capacity {capacity}: {answered} answered, {} busy; busy after p50 {:.0} µs p99 {:.0} µs max {:.0} µs; RSS {} KiB before, {} KiB peak (+{} KiB)",
        busy.len(),
        micros(p50),
        micros(p99),
        micros(max),
        before,
        peak,
        peak.saturating_sub(before),
    );
}

fn main() {
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tool", "namespace": "shop"},
                   "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
                   "data": {"mode": "fast"}}),
    ];
    // The simulated cluster gets a runtime of its own, so that its work and
    // the clients' work do not queue behind each other on the same workers.
    let cluster_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cluster runtime");
    let cluster = cluster_runtime.block_on(e2e::SimEnv::start("bench", objects));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = server_config(&cluster.kubeconfig);
        let direct = Arc::new(DirectClient::start(&config).await);
        let gateway = gateway_for(config, Limits::default()).await;
        println!("# kubeop MCP gateway benchmark (real kubernetes-mcp-server 0.0.67, simulated cluster)");
        for index in 0..4 {
            let (tool, args) = workload(index);
            latency(&gateway, &direct, tool, args).await;
        }
        for callers in [1, 8, 64] {
            let via_gateway = throughput_gateway(&gateway, callers).await;
            let raw = throughput_direct(&direct, callers).await;
            println!(
                "throughput {callers:>2} callers: gateway {via_gateway:>7.0} calls/s | raw pipelined {raw:>7.0} calls/s | ratio {:.1}%",
                via_gateway / raw * 100.0
            );
        }
        overload(&gateway, 10).await;
        overload(&gateway, 100).await;
        let status = gateway.status().await.expect("status");
        println!(
            "gateway status: {} calls, {} completed, errors {:?}, restarts {}",
            status.metrics.calls, status.metrics.completed, status.metrics.errors, status.metrics.restarts
        );
        gateway.shutdown().await.expect("shutdown");
    });
}
