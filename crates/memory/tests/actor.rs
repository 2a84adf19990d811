//! The memory actor: acknowledged appends, group commit under concurrency,
//! outcome-unknown reporting across a restart, queries and the Markdown view.

mod common;

use std::collections::HashMap;
use std::path::Path;

use memory::{
    Event, EventKind, MARKDOWN_FILE, Memory, MemoryConfig, Operation, OperationId, Query,
    QueryAnswer, Record, read_journal, verify,
};
use serde_json::json;

async fn start(state_dir: &Path) -> (Memory, tokio::task::JoinHandle<()>) {
    Memory::spawn(MemoryConfig::new(state_dir))
        .await
        .expect("the memory actor starts")
}

async fn stop(memory: Memory, handle: tokio::task::JoinHandle<()>) {
    memory.actor().stop(None);
    handle.await.expect("the actor stops cleanly");
}

fn step(id: &str, event: Event) -> Record {
    Record::now(
        OperationId::new(id),
        Operation::Scale,
        common::target("shop", "web"),
        event,
    )
}

#[tokio::test]
async fn appends_are_acknowledged_in_order_and_read_back() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (memory, handle) = start(dir.path()).await;
    let mut acks = Vec::new();
    for number in 1..=3 {
        acks.push(
            memory
                .append(common::executed(number))
                .await
                .expect("acknowledged"),
        );
    }
    assert_eq!(
        acks.iter().map(|ack| ack.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let QueryAnswer::History { entries } = memory
        .query(Query::History {
            operation_id: OperationId::new("op-2"),
        })
        .await
        .expect("answers")
    else {
        panic!("a history query answers with a history");
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].hash, acks[1].hash);
    stop(memory, handle).await;

    let on_disk = read_journal(dir.path()).expect("reads");
    assert_eq!(
        on_disk
            .entries
            .iter()
            .map(|entry| (entry.seq, entry.hash))
            .collect::<Vec<_>>(),
        acks.iter()
            .map(|ack| (ack.seq, ack.hash))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_their_order_and_lose_nothing() {
    const WRITERS: u64 = 32;
    const PER_WRITER: u64 = 40;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (memory, handle) = start(dir.path()).await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let memory = memory.clone();
            tokio::spawn(async move {
                let mut acks = Vec::new();
                for index in 0..PER_WRITER {
                    let id = format!("writer-{writer}-{index}");
                    let ack = memory
                        .append(step(
                            &id,
                            Event::Requested {
                                request: id.clone(),
                            },
                        ))
                        .await
                        .expect("acknowledged");
                    acks.push((id, ack));
                }
                acks
            })
        })
        .collect();
    let mut acked_ids_by_seq = HashMap::new();
    for writer in writers {
        let acks = writer.await.expect("the writer task finishes");
        let seqs: Vec<u64> = acks.iter().map(|(_, ack)| ack.seq).collect();
        assert!(
            seqs.windows(2).all(|pair| pair[0] < pair[1]),
            "a writer's records keep its order: {seqs:?}"
        );
        for (id, ack) in acks {
            assert!(
                acked_ids_by_seq.insert(ack.seq, (id, ack.hash)).is_none(),
                "seq {} acknowledged twice",
                ack.seq
            );
        }
    }
    stop(memory, handle).await;

    let entries = read_journal(dir.path()).expect("reads").entries;
    assert_eq!(entries.len() as u64, WRITERS * PER_WRITER, "nothing lost");
    for (position, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, position as u64 + 1, "no gaps");
        let (id, hash) = &acked_ids_by_seq[&entry.seq];
        assert_eq!(entry.record.operation_id.as_str(), id);
        assert_eq!(&entry.hash, hash);
    }
    assert!(verify(dir.path()).expect("verifies").ok);
}

#[tokio::test]
async fn executed_operations_without_an_outcome_are_reported_after_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (memory, handle) = start(dir.path()).await;
    let ran = |summary: &str| Event::Executed {
        tool: "resources_scale".into(),
        arguments: json!({"scale": 2}),
        summary: summary.into(),
    };
    for record in [
        step(
            "op-finished",
            Event::Requested {
                request: "scale web to 2".into(),
            },
        ),
        step("op-finished", ran("scaled")),
        step(
            "op-finished",
            Event::Verified {
                evidence: vec!["readyReplicas 2/2".into()],
            },
        ),
        step(
            "op-cut-short",
            Event::Requested {
                request: "scale web to 3".into(),
            },
        ),
        step("op-cut-short", ran("scaled")),
    ] {
        memory.append(record).await.expect("acknowledged");
    }
    stop(memory, handle).await;

    let (memory, handle) = start(dir.path()).await;
    let report = memory.open_report().await.expect("answers");
    assert_eq!(report.entries, 5);
    let unknown: Vec<&str> = report
        .outcome_unknown
        .iter()
        .map(|summary| summary.operation_id.as_str())
        .collect();
    assert_eq!(unknown, ["op-cut-short"]);
    assert_eq!(memory.outcome_unknown().await.expect("answers").len(), 1);
    // The workflow re-verifies and records the result: no longer unknown.
    memory
        .append(step(
            "op-cut-short",
            Event::Verified {
                evidence: vec!["readyReplicas 3/3".into()],
            },
        ))
        .await
        .expect("acknowledged");
    assert!(memory.outcome_unknown().await.expect("answers").is_empty());
    stop(memory, handle).await;
}

#[tokio::test]
async fn the_markdown_view_is_written_on_start_and_brought_up_to_date() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (memory, handle) = start(dir.path()).await;
    let markdown =
        || std::fs::read_to_string(dir.path().join(MARKDOWN_FILE)).expect("the view exists");
    assert!(
        markdown().contains("No operations recorded yet."),
        "written on start"
    );
    memory
        .append(step(
            "op-1",
            Event::Requested {
                request: "scale web to 4".into(),
            },
        ))
        .await
        .expect("acknowledged");
    memory
        .append(step(
            "op-1",
            Event::Approved {
                plan_hash: "abc".into(),
                approver: "ana".into(),
            },
        ))
        .await
        .expect("acknowledged");
    // Background writes follow commits; stopping writes the final view, so
    // after it the file must show every acknowledged record.
    stop(memory, handle).await;
    let view = markdown();
    assert!(
        view.contains("scale Deployment/web -n shop (ctx-a) · approved"),
        "{view}"
    );
    assert!(
        view.contains("**Request**") && view.contains("scale web to 4"),
        "{view}"
    );
    assert!(view.contains("by ana for plan `abc`"), "{view}");
}

#[tokio::test]
async fn discovery_queries_answer_from_the_actor_and_from_the_files_alike() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = MemoryConfig {
        window_entries: 2,
        ..MemoryConfig::new(dir.path())
    };
    let (memory, handle) = Memory::spawn(config).await.expect("starts");
    for (id, namespace, name) in [
        ("op-a", "shop", "web"),
        ("op-b", "prod", "db"),
        ("op-c", "shop", "api"),
    ] {
        let record = Record::now(
            OperationId::new(id),
            Operation::Delete,
            common::target(namespace, name),
            Event::Requested {
                request: format!("delete {name}"),
            },
        );
        memory.append(record).await.expect("acknowledged");
    }
    // Three entries exceed the two-entry window: this query reads the files.
    let recent = memory
        .query(Query::Recent { limit: 10 })
        .await
        .expect("answers");
    let QueryAnswer::Operations { operations } = recent else {
        panic!("a recent query answers with operations");
    };
    assert_eq!(operations.len(), 3);
    assert_eq!(operations[0].status, EventKind::Requested);
    let latest = memory
        .query(Query::LatestTarget {
            context: None,
            namespace: Some("prod".into()),
        })
        .await
        .expect("answers");
    assert_eq!(
        latest,
        QueryAnswer::Target {
            target: Some(common::target("prod", "db"))
        }
    );
    stop(memory, handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_under_load_never_acknowledges_a_record_it_did_not_write() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (memory, handle) = start(dir.path()).await;
    let appends: Vec<_> = (1..=200)
        .map(|number| {
            let memory = memory.clone();
            tokio::spawn(async move { memory.append(common::executed(number)).await })
        })
        .collect();
    memory.actor().stop(None);
    handle.await.expect("the actor stops cleanly");
    let mut acknowledged = Vec::new();
    for append in appends {
        match append.await.expect("the append task finishes") {
            Ok(ack) => acknowledged.push(ack),
            Err(memory::MemoryError::Unavailable { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    let on_disk: HashMap<u64, memory::ChainHash> = read_journal(dir.path())
        .expect("reads")
        .entries
        .into_iter()
        .map(|entry| (entry.seq, entry.hash))
        .collect();
    for ack in &acknowledged {
        assert_eq!(
            on_disk.get(&ack.seq),
            Some(&ack.hash),
            "acknowledged seq {} is on disk",
            ack.seq
        );
    }
    assert!(verify(dir.path()).expect("verifies").ok);
    let view = std::fs::read_to_string(dir.path().join(MARKDOWN_FILE)).expect("the view exists");
    if let Some(newest) = on_disk.keys().max() {
        assert!(
            view.contains(&format!("seq {newest}–{newest}")),
            "the final view shows the newest record {newest}"
        );
    }
}
