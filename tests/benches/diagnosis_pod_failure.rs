//! The pod-failure playbook end to end against the built-in demo cluster: the
//! real `kubernetes-mcp-server` behind the gateway, the simulated cluster
//! over HTTPS. Prints the median and p90 time of one diagnosis and how many
//! tool calls it makes, per cause (figures recorded in docs/benchmarks.md).
//!
//! `cargo bench -p e2e --bench diagnosis_pod_failure`

use std::time::{Duration, Instant};

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::{PodFailureTarget, diagnose_pod_failure};

/// Diagnoses per target after the warm-up.
const RUNS: usize = 40;

/// Untimed runs first (server caches, connection set-up).
const WARM_UP: usize = 3;

/// The pause between runs. A diagnosis of a Deployment makes two reads the
/// server rate-limits (the pod list and the events, 5 calls/s after a burst
/// of 10); pacing keeps a run within that budget, so the figure is the
/// playbook's latency, not the server's queue.
const PACING: Duration = Duration::from_millis(600);

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let env = DiagnosisEnv::start("demo").await;
    env.kubectl_until(&["get", "pods", "-A"], |out| {
        out.contains("CrashLoopBackOff")
            && (out.contains("ImagePullBackOff") || out.contains("ErrImagePull"))
            && out.contains("Pending")
    })
    .await;
    println!("pod-failure playbook, demo cluster, {RUNS} runs each (after {WARM_UP} warm-up runs)");
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>11}",
        "target (cause)", "median", "p90", "min", "tool calls"
    );
    for (namespace, name) in [
        ("production", "payment-service"),
        ("production", "checkout"),
        ("staging", "notification-service"),
        ("staging", "report-generator"),
    ] {
        let target = PodFailureTarget {
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
        };
        let reader = env.reader();
        let mut times = Vec::with_capacity(RUNS);
        let mut calls = 0;
        let mut cause = None;
        for run in 0..WARM_UP + RUNS {
            tokio::time::sleep(PACING).await;
            let started = Instant::now();
            let diagnosis = diagnose_pod_failure(&reader, &target)
                .await
                .unwrap_or_else(|error| panic!("{namespace}/{name}: {error}"));
            let took = started.elapsed();
            if run >= WARM_UP {
                times.push(took);
            }
            calls = diagnosis.tool_calls;
            cause = Some(diagnosis.cause);
        }
        times.sort();
        println!(
            "{:<44} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>11}",
            format!(
                "{namespace}/{name} ({})",
                cause.map(|cause| cause.title()).unwrap_or("?")
            ),
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.9).as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            calls
        );
    }
}
