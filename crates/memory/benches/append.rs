//! Append throughput of the operations log, every acknowledgement after an
//! fsync. `cargo bench -p memory --bench append` prints records/s for:
//! - the library layer, one record per fsync and 64 records per fsync;
//! - the actor with 1, 16 and 64 concurrent writers (group commit turns
//!   concurrency into larger batches per fsync; the Markdown view is
//!   re-rendered after every commit, as in production).
//!
//! The journal lives under Cargo's target tmp directory, not `/tmp`, so the
//! fsyncs hit a real disk even where `/tmp` is a tmpfs.

use std::time::{Duration, Instant};

use memory::journal::{Journal, JournalConfig};
use memory::{Event, Memory, MemoryConfig, Operation, OperationId, Record, Target};
use serde_json::json;

/// Records per library-layer scenario.
const LIBRARY_RECORDS: usize = 2_000;
/// Records per actor scenario (split over the writers).
const ACTOR_RECORDS: usize = 4_096;

fn record(number: usize) -> Record {
    Record::now(
        OperationId::new(format!("op-bench-{number}")),
        Operation::Scale,
        Target {
            context: Some("ctx-a".into()),
            namespace: Some("shop".into()),
            kind: "Deployment".into(),
            name: "web".into(),
        },
        Event::Executed {
            tool: "resources_scale".into(),
            arguments: json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop", "scale": number % 10}),
            summary: format!("scaled deployment web to {} replicas", number % 10),
        },
    )
}

fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a scratch directory on disk")
}

fn report(scenario: &str, records: usize, elapsed: Duration) {
    println!(
        "{scenario:<40} {records:>6} records  {:>8.3} s  {:>9.0} records/s",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64()
    );
}

fn library(batch: usize) {
    let dir = scratch_dir();
    let (mut journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
    let records: Vec<Record> = (0..LIBRARY_RECORDS).map(record).collect();
    let started = Instant::now();
    for chunk in records.chunks(batch) {
        journal.append(chunk.to_vec()).expect("appends");
    }
    report(
        &format!("library, {batch} record(s) per fsync"),
        LIBRARY_RECORDS,
        started.elapsed(),
    );
}

async fn actor(writers: usize) {
    let dir = scratch_dir();
    let (memory, handle) = Memory::spawn(MemoryConfig::new(dir.path()))
        .await
        .expect("starts");
    let per_writer = ACTOR_RECORDS / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let memory = memory.clone();
            tokio::spawn(async move {
                for index in 0..per_writer {
                    memory
                        .append(record(writer * per_writer + index))
                        .await
                        .expect("acknowledged");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the writer finishes");
    }
    report(
        &format!("actor, {writers} concurrent writer(s)"),
        per_writer * writers,
        started.elapsed(),
    );
    memory.actor().stop(None);
    handle.await.expect("stops");
}

fn main() {
    println!("append throughput, fsync before every acknowledgement");
    library(1);
    library(64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    for writers in [1, 16, 64] {
        runtime.block_on(actor(writers));
    }
}
