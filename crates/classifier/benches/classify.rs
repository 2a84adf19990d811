//! Classification time over the labelled corpus and the safety corpus.
//!
//! `cargo bench -p classifier --bench classify` runs two criterion benchmarks
//! (one request: a short read; one pass over every request) and then prints
//! the per-request distribution the design's targets are stated in (median
//! under 5 µs, p99 under 20 µs on one core): each request is classified
//! `REPEATS_PER_REQUEST` times and its mean is one sample. Figures are recorded
//! in docs/benchmarks.md.

use std::hint::black_box;
use std::time::Instant;

use classifier::classify;
use criterion::{Criterion, Throughput};

#[path = "shared/requests.rs"]
mod shared_requests;
use shared_requests::requests;

/// Repeats per request for the distribution: enough to rise above the
/// timer's resolution, few enough to finish in seconds.
const REPEATS_PER_REQUEST: u32 = 2_000;

fn benchmarks(criterion: &mut Criterion, requests: &[String]) {
    criterion.bench_function("classify/one read", |b| {
        b.iter(|| classify(black_box("kubectl get pods -n staging")))
    });
    let mut group = criterion.benchmark_group("classify/corpus");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("every request once", |b| {
        b.iter(|| {
            for request in requests {
                black_box(classify(black_box(request)));
            }
        })
    });
    group.finish();
}

/// Mean time per request, one sample per request, sorted (nanoseconds).
fn per_request_nanos(requests: &[String]) -> Vec<f64> {
    let mut samples: Vec<f64> = requests
        .iter()
        .map(|request| {
            let start = Instant::now();
            for _ in 0..REPEATS_PER_REQUEST {
                black_box(classify(black_box(request)));
            }
            start.elapsed().as_nanos() as f64 / f64::from(REPEATS_PER_REQUEST)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let requests = requests();
    let mut criterion = Criterion::default().configure_from_args();
    benchmarks(&mut criterion, &requests);
    criterion.final_summary();
    // Under `cargo test --all-targets` the bench runs once as a smoke test;
    // the distribution is only measured by `cargo bench`.
    if std::env::args().any(|arg| arg == "--bench") {
        let sorted = per_request_nanos(&requests);
        println!(
            "per request over {} requests ({REPEATS_PER_REQUEST} runs each): median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
            sorted.len(),
            percentile(&sorted, 50.0) / 1000.0,
            percentile(&sorted, 90.0) / 1000.0,
            percentile(&sorted, 99.0) / 1000.0,
            percentile(&sorted, 100.0) / 1000.0,
        );
    }
}
