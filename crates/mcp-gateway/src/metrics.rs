//! Counters the gateway keeps about itself, readable through
//! [`crate::Gateway::status`] and logged through tracing.
//!
//! Plain atomics: recording a call is a handful of relaxed increments, so the
//! hot path pays nothing measurable for being observable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::error::ErrorKind;

/// Upper bounds (inclusive) of the latency histogram's buckets, in
/// microseconds; one more bucket counts everything slower.
pub const LATENCY_BUCKETS_MICROS: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 10_000_000, 30_000_000,
];

/// The gateway's running totals.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Calls (tools and prompts) that were asked for.
    calls: AtomicU64,
    /// Calls answered with a result (including tool-level `isError` results).
    completed: AtomicU64,
    /// Results whose `isError` was set by the server.
    tool_errors: AtomicU64,
    /// Errors by [`ErrorKind::index`].
    errors: [AtomicU64; ErrorKind::ALL.len()],
    /// Latency of completed calls by bucket of [`LATENCY_BUCKETS_MICROS`].
    latency: [AtomicU64; LATENCY_BUCKETS_MICROS.len() + 1],
    /// Times a server process was started after the first.
    restarts: AtomicU64,
    /// Servers given up on because they stopped answering (a failed
    /// liveness ping), each then restarted.
    hung: AtomicU64,
    /// Lines from the server that were not JSON-RPC and were dropped.
    garbage_lines: AtomicU64,
    /// Secret values hidden from results.
    redactions: AtomicU64,
}

impl Metrics {
    pub(crate) fn call_started(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn call_completed(&self, elapsed: Duration, tool_error: bool) {
        self.completed.fetch_add(1, Ordering::Relaxed);
        if tool_error {
            self.tool_errors.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BUCKETS_MICROS
            .iter()
            .position(|bound| micros <= *bound)
            .unwrap_or(LATENCY_BUCKETS_MICROS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn call_failed(&self, kind: ErrorKind) {
        self.errors[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn hung(&self) {
        self.hung.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn garbage_line(&self) {
        self.garbage_lines.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn redacted(&self, values: usize) {
        self.redactions
            .fetch_add(u64::try_from(values).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        MetricsSnapshot {
            calls: load(&self.calls),
            completed: load(&self.completed),
            tool_errors: load(&self.tool_errors),
            errors: ErrorKind::ALL
                .iter()
                .map(|kind| (kind.as_str(), load(&self.errors[kind.index()])))
                .filter(|(_, count)| *count > 0)
                .collect(),
            latency_micros: LATENCY_BUCKETS_MICROS
                .iter()
                .map(|bound| Some(*bound))
                .chain([None])
                .zip(self.latency.iter().map(load))
                .map(|(le_micros, count)| LatencyBucket { le_micros, count })
                .collect(),
            restarts: load(&self.restarts),
            hung: load(&self.hung),
            garbage_lines: load(&self.garbage_lines),
            redactions: load(&self.redactions),
        }
    }
}

/// One latency bucket: completed calls that took at most `le_micros`
/// (and more than the previous bucket's bound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatencyBucket {
    /// Upper bound in microseconds; `None` for the overflow bucket.
    pub le_micros: Option<u64>,
    /// Calls in this bucket.
    pub count: u64,
}

/// The gateway's counters at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsSnapshot {
    /// Calls asked for.
    pub calls: u64,
    /// Calls answered with a result.
    pub completed: u64,
    /// Results the server marked `isError`.
    pub tool_errors: u64,
    /// Gateway errors by kind (kinds never seen are left out).
    pub errors: Vec<(&'static str, u64)>,
    /// Latency histogram of completed calls.
    pub latency_micros: Vec<LatencyBucket>,
    /// Server restarts.
    pub restarts: u64,
    /// Servers restarted because they stopped answering.
    pub hung: u64,
    /// Dropped non-JSON-RPC lines from the server.
    pub garbage_lines: u64,
    /// Secret values redacted from results.
    pub redactions: u64,
}

impl MetricsSnapshot {
    /// Errors of one kind.
    pub fn errors_of(&self, kind: ErrorKind) -> u64 {
        self.errors
            .iter()
            .find(|(name, _)| *name == kind.as_str())
            .map_or(0, |(_, count)| *count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_lands_in_the_first_bucket_that_holds_it() {
        let metrics = Metrics::default();
        metrics.call_completed(Duration::from_micros(100), false);
        metrics.call_completed(Duration::from_micros(101), true);
        metrics.call_completed(Duration::from_secs(60), false);
        metrics.call_failed(ErrorKind::Busy);
        let snapshot = metrics.snapshot();
        assert_eq!(snapshot.latency_micros[0].count, 1);
        assert_eq!(snapshot.latency_micros[1].count, 1);
        assert_eq!(
            snapshot
                .latency_micros
                .last()
                .map(|b| (b.le_micros, b.count)),
            Some((None, 1))
        );
        assert_eq!(snapshot.completed, 3);
        assert_eq!(snapshot.tool_errors, 1);
        assert_eq!(snapshot.errors_of(ErrorKind::Busy), 1);
        assert_eq!(snapshot.errors_of(ErrorKind::Timeout), 0);
    }
}
