//! Queries over the journal: what discovery asks ("the deployment I scaled in
//! shop a minute ago"), what `kubeop log` lists, and an operation's history.
//!
//! Every query is a pure function of a slice of entries in journal order, so
//! the actor (over the entries it holds) and a client reading the files
//! directly answer the same way.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::chain::Entry;
use crate::record::{Event, EventKind, Operation, OperationId, Target};
use crate::time::Timestamp;

/// One change, folded from its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationSummary {
    /// The change's id.
    pub operation_id: OperationId,
    /// The kind of change.
    pub operation: Operation,
    /// What it is about (as of its latest record).
    pub target: Target,
    /// The time of its first retained record.
    pub started: Timestamp,
    /// The time of its latest record.
    pub updated: Timestamp,
    /// The kind of its latest record: where the change stands.
    pub status: EventKind,
    /// The request's wording, if its `requested` record is retained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Who approved (or refused) it, if anyone did yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The latest result summary (executed, failed, unverified, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The seq of its latest record (orders operations by recency).
    pub last_seq: u64,
}

impl OperationSummary {
    fn start(entry: &Entry) -> Self {
        let record = &entry.record;
        Self {
            operation_id: record.operation_id.clone(),
            operation: record.operation,
            target: record.target.clone(),
            started: record.time,
            updated: record.time,
            status: record.event.kind(),
            request: None,
            approver: None,
            summary: None,
            last_seq: entry.seq,
        }
    }

    fn absorb(&mut self, entry: &Entry) {
        let record = &entry.record;
        self.operation = record.operation;
        self.target = record.target.clone();
        self.updated = record.time;
        self.status = record.event.kind();
        self.last_seq = entry.seq;
        match &record.event {
            Event::Requested { request } => self.request = Some(request.clone()),
            Event::Approved { approver, .. } => self.approver = Some(approver.clone()),
            Event::Denied {
                approver, reason, ..
            } => {
                self.approver = approver.clone().or(self.approver.take());
                self.summary = Some(reason.clone());
            }
            Event::Executed { summary, .. }
            | Event::Failed { summary, .. }
            | Event::Unverified { summary, .. }
            | Event::OutcomeUnknown { summary } => self.summary = Some(summary.clone()),
            Event::Verified { evidence } => {
                self.summary = Some(if evidence.is_empty() {
                    "verified".to_owned()
                } else {
                    evidence.join("; ")
                });
            }
            Event::Planned { .. } => {}
        }
    }
}

/// Folds entries into one summary per operation, most recently updated first.
pub fn summarize(entries: &[Entry]) -> Vec<OperationSummary> {
    let mut by_id: HashMap<&OperationId, OperationSummary> = HashMap::new();
    for entry in entries {
        by_id
            .entry(&entry.record.operation_id)
            .and_modify(|summary| summary.absorb(entry))
            .or_insert_with(|| {
                let mut summary = OperationSummary::start(entry);
                summary.absorb(entry);
                summary
            });
    }
    let mut summaries: Vec<OperationSummary> = by_id.into_values().collect();
    summaries.sort_by_key(|summary| std::cmp::Reverse(summary.last_seq));
    summaries
}

/// Operations whose latest record is `executed`: the change ran and nothing
/// says whether it worked. Found when the journal is opened, these are the
/// "outcome unknown" operations the workflow should re-verify.
pub fn awaiting_verification(entries: &[Entry]) -> Vec<OperationSummary> {
    summarize(entries)
        .into_iter()
        .filter(|summary| summary.status == EventKind::Executed)
        .collect()
}

/// A question for the operations log (serde: the daemon forwards it as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Query {
    /// The target of the most recent record in a namespace and/or context
    /// (both `None`: the most recent target at all).
    LatestTarget {
        /// Only records in this kube context.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
        /// Only records in this namespace.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
    },
    /// Recent operations on one resource, newest first.
    OperationsOn {
        /// The resource's kind.
        kind: String,
        /// The resource's name.
        name: String,
        /// Its namespace (`None`: any namespace).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// Its context (`None`: any context).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
        /// At most this many operations.
        limit: usize,
    },
    /// Operations with at least one record in `[from, to]`, newest first.
    InWindow {
        /// Start of the window (inclusive).
        from: Timestamp,
        /// End of the window (inclusive).
        to: Timestamp,
    },
    /// Every retained record of one operation, oldest first.
    History {
        /// The operation.
        operation_id: OperationId,
    },
    /// The most recently updated operations, newest first.
    Recent {
        /// At most this many operations.
        limit: usize,
    },
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum QueryAnswer {
    /// For [`Query::LatestTarget`].
    Target {
        /// The target, if any record matched.
        target: Option<Target>,
    },
    /// For [`Query::OperationsOn`], [`Query::InWindow`] and [`Query::Recent`].
    Operations {
        /// The matching operations, newest first.
        operations: Vec<OperationSummary>,
    },
    /// For [`Query::History`].
    History {
        /// The operation's entries, oldest first.
        entries: Vec<Entry>,
    },
}

fn matches(wanted: &Option<String>, actual: &Option<String>) -> bool {
    wanted.is_none() || wanted == actual
}

/// Answers `query` over `entries` (in journal order).
pub fn answer(entries: &[Entry], query: &Query) -> QueryAnswer {
    match query {
        Query::LatestTarget { context, namespace } => QueryAnswer::Target {
            target: entries
                .iter()
                .rev()
                .map(|entry| &entry.record.target)
                .find(|target| {
                    matches(context, &target.context) && matches(namespace, &target.namespace)
                })
                .cloned(),
        },
        Query::OperationsOn {
            kind,
            name,
            namespace,
            context,
            limit,
        } => QueryAnswer::Operations {
            operations: summarize(entries)
                .into_iter()
                .filter(|summary| {
                    let target = &summary.target;
                    target.kind.eq_ignore_ascii_case(kind)
                        && &target.name == name
                        && matches(namespace, &target.namespace)
                        && matches(context, &target.context)
                })
                .take(*limit)
                .collect(),
        },
        Query::InWindow { from, to } => {
            let inside: std::collections::HashSet<&OperationId> = entries
                .iter()
                .filter(|entry| (*from..=*to).contains(&entry.record.time))
                .map(|entry| &entry.record.operation_id)
                .collect();
            QueryAnswer::Operations {
                operations: summarize(entries)
                    .into_iter()
                    .filter(|summary| inside.contains(&summary.operation_id))
                    .collect(),
            }
        }
        Query::History { operation_id } => QueryAnswer::History {
            entries: entries
                .iter()
                .filter(|entry| &entry.record.operation_id == operation_id)
                .cloned()
                .collect(),
        },
        Query::Recent { limit } => QueryAnswer::Operations {
            operations: summarize(entries).into_iter().take(*limit).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::chain::{ChainHash, seal};
    use crate::record::Record;

    fn target(namespace: &str, kind: &str, name: &str) -> Target {
        Target {
            context: Some(
                if namespace == "prod" {
                    "ctx-b"
                } else {
                    "ctx-a"
                }
                .into(),
            ),
            namespace: Some(namespace.into()),
            kind: kind.into(),
            name: name.into(),
        }
    }

    /// Builds a chained journal from (seconds, operation, target, event).
    fn journal(steps: Vec<(u64, &str, Target, Event)>) -> Vec<Entry> {
        let mut prev = ChainHash::GENESIS;
        steps
            .into_iter()
            .enumerate()
            .map(|(index, (seconds, id, target, event))| {
                let record = Record {
                    time: Timestamp::from_unix_millis(seconds * 1_000),
                    operation_id: OperationId::new(id),
                    operation: Operation::Scale,
                    target,
                    event,
                };
                let (entry, _) = seal(index as u64 + 1, prev, record);
                prev = entry.hash;
                entry
            })
            .collect()
    }

    fn sample() -> Vec<Entry> {
        let web = target("shop", "Deployment", "web");
        let api = target("shop", "Deployment", "api");
        let db = target("prod", "StatefulSet", "db");
        journal(vec![
            (
                10,
                "op-1",
                web.clone(),
                Event::Requested {
                    request: "scale web to 3".into(),
                },
            ),
            (
                11,
                "op-1",
                web.clone(),
                Event::Approved {
                    plan_hash: "h1".into(),
                    approver: "ana".into(),
                },
            ),
            (
                12,
                "op-1",
                web.clone(),
                Event::Executed {
                    tool: "resources_scale".into(),
                    arguments: json!({"scale": 3}),
                    summary: "ok".into(),
                },
            ),
            (
                13,
                "op-1",
                web.clone(),
                Event::Verified {
                    evidence: vec!["readyReplicas 3/3".into()],
                },
            ),
            (
                20,
                "op-2",
                db.clone(),
                Event::Requested {
                    request: "scale db to 2".into(),
                },
            ),
            (
                30,
                "op-3",
                api.clone(),
                Event::Requested {
                    request: "scale api to 1".into(),
                },
            ),
            (
                31,
                "op-3",
                api.clone(),
                Event::Executed {
                    tool: "resources_scale".into(),
                    arguments: json!({"scale": 1}),
                    summary: "ok".into(),
                },
            ),
            (
                40,
                "op-2",
                db.clone(),
                Event::Denied {
                    plan_hash: "h2".into(),
                    approver: Some("bo".into()),
                    reason: "not now".into(),
                },
            ),
        ])
    }

    #[test]
    fn summaries_fold_each_operation_newest_first() {
        let summaries = summarize(&sample());
        let ids: Vec<&str> = summaries
            .iter()
            .map(|summary| summary.operation_id.as_str())
            .collect();
        assert_eq!(ids, ["op-2", "op-3", "op-1"]);
        let first = &summaries[2];
        assert_eq!(first.status, EventKind::Verified);
        assert_eq!(first.request.as_deref(), Some("scale web to 3"));
        assert_eq!(first.approver.as_deref(), Some("ana"));
        assert_eq!(first.summary.as_deref(), Some("readyReplicas 3/3"));
        assert_eq!(first.started, Timestamp::from_unix_millis(10_000));
        assert_eq!(first.updated, Timestamp::from_unix_millis(13_000));
        assert_eq!(summaries[0].summary.as_deref(), Some("not now"));
    }

    #[test]
    fn latest_target_follows_namespace_and_context() {
        let entries = sample();
        let latest = |context: Option<&str>, namespace: Option<&str>| match answer(
            &entries,
            &Query::LatestTarget {
                context: context.map(str::to_owned),
                namespace: namespace.map(str::to_owned),
            },
        ) {
            QueryAnswer::Target { target } => target.map(|target| target.name),
            other => panic!("unexpected answer {other:?}"),
        };
        assert_eq!(latest(None, Some("shop")).as_deref(), Some("api"));
        assert_eq!(latest(None, None).as_deref(), Some("db"));
        assert_eq!(latest(Some("ctx-a"), None).as_deref(), Some("api"));
        assert_eq!(latest(Some("ctx-b"), Some("shop")), None);
        assert_eq!(latest(None, Some("nowhere")), None);
    }

    fn operation_ids(answer: QueryAnswer) -> Vec<String> {
        match answer {
            QueryAnswer::Operations { operations } => operations
                .into_iter()
                .map(|summary| summary.operation_id.to_string())
                .collect(),
            other => panic!("unexpected answer {other:?}"),
        }
    }

    #[test]
    fn operations_on_a_resource_and_in_a_window() {
        let entries = sample();
        let on_web = answer(
            &entries,
            &Query::OperationsOn {
                kind: "deployment".into(),
                name: "web".into(),
                namespace: Some("shop".into()),
                context: None,
                limit: 10,
            },
        );
        assert_eq!(operation_ids(on_web), ["op-1"]);
        let window = answer(
            &entries,
            &Query::InWindow {
                from: Timestamp::from_unix_millis(20_000),
                to: Timestamp::from_unix_millis(30_000),
            },
        );
        assert_eq!(operation_ids(window), ["op-2", "op-3"]);
        assert_eq!(
            operation_ids(answer(&entries, &Query::Recent { limit: 1 })),
            ["op-2"]
        );
    }

    #[test]
    fn history_and_awaiting_verification() {
        let entries = sample();
        match answer(
            &entries,
            &Query::History {
                operation_id: OperationId::new("op-1"),
            },
        ) {
            QueryAnswer::History { entries } => {
                let kinds: Vec<EventKind> = entries
                    .iter()
                    .map(|entry| entry.record.event.kind())
                    .collect();
                assert_eq!(
                    kinds,
                    [
                        EventKind::Requested,
                        EventKind::Approved,
                        EventKind::Executed,
                        EventKind::Verified
                    ]
                );
            }
            other => panic!("unexpected answer {other:?}"),
        }
        let waiting: Vec<String> = awaiting_verification(&entries)
            .into_iter()
            .map(|summary| summary.operation_id.to_string())
            .collect();
        assert_eq!(waiting, ["op-3"]);
    }
}
