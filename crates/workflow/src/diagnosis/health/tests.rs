use serde_json::json;

use super::*;

fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(column, cell)| (column.to_string(), cell.to_string()))
        .collect()
}

fn node(name: &str, conditions: Value) -> Value {
    json!({"metadata": {"name": name}, "status": {"conditions": conditions}})
}

fn ready() -> Value {
    json!([{"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}])
}

fn lines(report: &HealthReport) -> Vec<String> {
    report
        .items
        .iter()
        .map(|item| {
            format!(
                "{:?} {:?} {}: {}",
                item.severity, item.category, item.subject, item.message
            )
        })
        .collect()
}

#[test]
fn suspicious_rows_are_those_not_running_ready_and_unrestarted() {
    assert!(!row_is_suspicious(&row(&[
        ("STATUS", "Running"),
        ("READY", "1/1"),
        ("RESTARTS", "0")
    ])));
    assert!(!row_is_suspicious(&row(&[
        ("STATUS", "Completed"),
        ("READY", "0/1")
    ])));
    assert!(row_is_suspicious(&row(&[
        ("STATUS", "Running"),
        ("READY", "0/1"),
        ("RESTARTS", "0")
    ])));
    assert!(row_is_suspicious(&row(&[
        ("STATUS", "Running"),
        ("READY", "1/1"),
        ("RESTARTS", "3 (2m ago)")
    ])));
    assert!(row_is_suspicious(&row(&[
        ("STATUS", "CrashLoopBackOff"),
        ("READY", "0/1")
    ])));
    assert!(row_is_suspicious(&row(&[
        ("STATUS", "Pending"),
        ("READY", "0/1")
    ])));
}

#[test]
fn the_overview_lists_each_problem_once_with_a_severity_and_nothing_healthy() {
    let crashing = json!({
        "metadata": {"name": "checkout-7d-x", "namespace": "production",
                     "ownerReferences": [{"kind": "ReplicaSet", "name": "checkout-7d"}]},
        "spec": {"nodeName": "node-1", "containers": [{"name": "checkout", "image": "checkout:3"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "checkout", "ready": false, "restartCount": 14,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]},
    });
    let bare_pending = json!({
        "metadata": {"name": "warehouse-0", "namespace": "analytics"},
        "spec": {"containers": [{"name": "w", "image": "w:1"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "message": "0/2 nodes are available"}]},
    });
    let recovered = json!({
        "metadata": {"name": "web-1", "namespace": "production"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "web:1"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "state": {"running": {}}}]},
    });
    let facts = HealthFacts {
        namespace: None,
        nodes: vec![
            node("node-1", ready()),
            node(
                "node-2",
                json!([{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "True", "message": "disk usage above 85%"}]),
            ),
        ],
        suspicious_pods: vec![crashing, bare_pending, recovered],
        workloads: vec![
            (
                "Deployment".into(),
                row(&[
                    ("NAMESPACE", "production"),
                    ("NAME", "checkout"),
                    ("READY", "0/2"),
                ]),
            ),
            (
                "Deployment".into(),
                row(&[
                    ("NAMESPACE", "production"),
                    ("NAME", "web"),
                    ("READY", "3/3"),
                ]),
            ),
            (
                "StatefulSet".into(),
                row(&[
                    ("NAMESPACE", "production"),
                    ("NAME", "postgres"),
                    ("READY", "1/2"),
                ]),
            ),
            (
                "DaemonSet".into(),
                row(&[
                    ("NAMESPACE", "kube-system"),
                    ("NAME", "kube-proxy"),
                    ("DESIRED", "3"),
                    ("READY", "3"),
                ]),
            ),
        ],
        claims: vec![
            row(&[
                ("NAMESPACE", "staging"),
                ("NAME", "report-archive"),
                ("STATUS", "Pending"),
                ("STORAGECLASS", "fast-ssd"),
            ]),
            row(&[
                ("NAMESPACE", "production"),
                ("NAME", "data-postgres-0"),
                ("STATUS", "Bound"),
            ]),
        ],
        events: vec![
            Event {
                object_kind: "Pod".into(),
                object_name: "checkout-7d-x".into(),
                namespace: "production".into(),
                event_type: "Warning".into(),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container (old)".into(),
                timestamp: "1".into(),
            },
            Event {
                object_kind: "Pod".into(),
                object_name: "checkout-7d-x".into(),
                namespace: "production".into(),
                event_type: "Warning".into(),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                timestamp: "2".into(),
            },
            Event {
                object_kind: "Pod".into(),
                object_name: "web-1".into(),
                namespace: "production".into(),
                event_type: "Normal".into(),
                reason: "Started".into(),
                message: "Started container web".into(),
                timestamp: "2".into(),
            },
        ],
        server_report: "# Cluster Health Check Diagnostic Data".into(),
        ..HealthFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        lines(&report),
        vec![
            "Critical Workload Deployment production/checkout: 0/2 replicas ready",
            "Critical Pod Pod analytics/warehouse-0: Pending (unschedulable)",
            "Critical Pod Pod production/checkout-7d-x: CrashLoopBackOff (exit code 1), 14 restarts",
            "Warning Node Node node-2: DiskPressure: disk usage above 85%",
            "Warning Workload StatefulSet production/postgres: 1/2 replicas ready",
            "Warning Volume PersistentVolumeClaim staging/report-archive: Pending, not Bound (storage class fast-ssd)",
            "Warning Event Pod production/checkout-7d-x: BackOff: Back-off restarting failed container",
        ]
    );
    assert_eq!(
        report.next_steps,
        vec![
            "why is deployment checkout failing in production",
            "why is pod warehouse-0 failing in analytics",
            "why is statefulset postgres failing in production",
            "list persistentvolumeclaims",
            "show resource pressure",
        ]
    );
    assert!(report.summary.starts_with("the cluster: 3 critical item(s); 1 node issue(s) of 2 node(s), 2 unhealthy workload(s), 2 failing pod(s), 1 unbound claim(s), 1 warning event(s)."), "{}", report.summary);
}

#[test]
fn a_healthy_namespace_says_so() {
    let facts = HealthFacts {
        namespace: Some("monitoring".into()),
        nodes: vec![node("node-1", ready())],
        workloads: vec![(
            "Deployment".into(),
            row(&[("NAME", "grafana"), ("READY", "1/1")]),
        )],
        ..HealthFacts::default()
    };
    let report = assess(&facts);
    assert!(report.items.is_empty());
    assert!(report.next_steps.is_empty());
    assert_eq!(
        report.summary,
        "namespace monitoring is healthy: 1 node(s) ready, no failing workloads, pods, claims or warning events."
    );
}

#[test]
fn a_failed_job_is_named_with_its_reason_and_attempts_and_a_suspended_cron_job_is_noted() {
    let migrate = json!({"kind": "Job",
        "metadata": {"name": "db-migrate", "namespace": "ops"},
        "spec": {"backoffLimit": 2},
        "status": {"failed": 3, "conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit"}]}});
    let mailer_run = json!({"kind": "Job",
        "metadata": {"name": "report-mailer-29012345", "namespace": "billing",
                     "ownerReferences": [{"kind": "CronJob", "name": "report-mailer"}]},
        "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}});
    let facts = HealthFacts {
        nodes: vec![node("node-1", ready())],
        failed_jobs: vec![migrate, mailer_run],
        failed_jobs_unread: vec![("ops".into(), "backfill".into())],
        cron_jobs: vec![
            row(&[
                ("NAMESPACE", "data"),
                ("NAME", "nightly-export"),
                ("SUSPEND", "True"),
                ("LAST SCHEDULE", "<none>"),
            ]),
            row(&[
                ("NAMESPACE", "billing"),
                ("NAME", "invoice-run"),
                ("SUSPEND", "False"),
            ]),
        ],
        ..HealthFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        lines(&report),
        vec![
            "Warning Workload Job billing/report-mailer-29012345: failed (1/7 attempts); a run of CronJob report-mailer",
            "Warning Workload Job ops/backfill: failed (its list row says so; the check reads at most 20 failed Jobs one by one)",
            "Warning Workload Job ops/db-migrate: failed (BackoffLimitExceeded, 3/3 attempts)",
            "Info Workload CronJob data/nightly-export: suspended (spec.suspend: true): it starts no Jobs until resumed; it has not run since",
        ]
    );
    assert_eq!(
        report.next_steps,
        vec![
            "why did job db-migrate fail in ops",
            "why did job report-mailer-29012345 fail in billing",
            "why isn't cronjob nightly-export running in data",
            "show resource pressure",
        ]
    );
    assert_eq!(
        report.summary,
        "the cluster: 0 critical item(s); 0 node issue(s) of 1 node(s), 3 unhealthy workload(s), 0 failing pod(s), 0 unbound claim(s), 0 warning event(s). 1 suspended CronJob(s)."
    );

    // Suspended on purpose is no fault: the cluster stays healthy, noted.
    let paused = HealthFacts {
        nodes: vec![node("node-1", ready())],
        cron_jobs: facts.cron_jobs.clone(),
        ..HealthFacts::default()
    };
    let report = assess(&paused);
    assert_eq!(
        report.summary,
        "the cluster is healthy: 1 node(s) ready, no failing workloads, pods, claims or warning events. 1 suspended CronJob(s)."
    );
    assert_eq!(
        report.next_steps,
        vec!["why isn't cronjob nightly-export running in data"]
    );
}

#[test]
fn a_cluster_scoped_objects_event_is_named_without_the_namespace_it_was_filed_under() {
    let facts = HealthFacts {
        nodes: vec![node("node-2", ready())],
        events: vec![Event {
            object_kind: "Node".into(),
            object_name: "node-2".into(),
            // kubectl and the kubelet file a Node's events under `default`.
            namespace: "default".into(),
            event_type: "Warning".into(),
            reason: "OOMKilling".into(),
            message: "Memory cgroup out of memory".into(),
            timestamp: "1".into(),
        }],
        ..HealthFacts::default()
    };
    assert_eq!(
        lines(&assess(&facts)),
        vec!["Warning Event Node node-2: OOMKilling: Memory cgroup out of memory"]
    );
}

#[test]
fn a_rollout_past_its_deadline_is_named_even_while_the_old_pods_serve() {
    let rolling = row(&[("NAME", "inventory"), ("READY", "3/4"), ("UP-TO-DATE", "2")]);
    let finished = row(&[("NAME", "pricing"), ("READY", "2/2"), ("UP-TO-DATE", "2")]);
    assert!(rollout_unfinished(&rolling));
    assert!(!rollout_unfinished(&finished));
    let stuck = json!({"kind": "Deployment",
        "metadata": {"name": "inventory", "namespace": "orders"},
        "spec": {"replicas": 4},
        "status": {"updatedReplicas": 2, "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"inventory-7ppf6lnp7l\" has timed out progressing."}]}});
    let paused = json!({"kind": "Deployment",
        "metadata": {"name": "search", "namespace": "orders"},
        "spec": {"replicas": 2, "paused": true},
        "status": {"updatedReplicas": 0, "conditions": [
            {"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused"}]}});
    let facts = HealthFacts {
        namespace: Some("orders".into()),
        nodes: vec![node("node-1", ready())],
        workloads: vec![
            ("Deployment".into(), rolling),
            ("Deployment".into(), finished),
        ],
        rollouts: vec![stuck, paused],
        ..HealthFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        lines(&report),
        [
            "Warning Workload Deployment orders/inventory: 3/4 replicas ready; rollout stuck (ProgressDeadlineExceeded): ReplicaSet \"inventory-7ppf6lnp7l\" has timed out progressing; 2/4 replicas updated",
            "Info Workload Deployment orders/search: rollout paused (spec.paused: true); 0/2 replicas updated",
        ]
    );
    assert!(
        report
            .next_steps
            .contains(&"why is the inventory rollout stuck in orders".to_string()),
        "{:?}",
        report.next_steps
    );
}

#[test]
fn a_policy_closing_a_services_pods_to_all_ingress_is_named_once() {
    let policy = |name: &str, spec: Value| json!({"metadata": {"name": name, "namespace": "shop"}, "spec": spec});
    let labelled = |name: &str, app: &str| {
        (
            "shop".to_string(),
            name.to_string(),
            BTreeMap::from([("app".to_string(), app.to_string())]),
        )
    };
    let facts = HealthFacts {
        namespace: Some("shop".into()),
        pod_labels: vec![
            labelled("payments-1", "payments"),
            labelled("payments-2", "payments"),
            labelled("ledger-1", "ledger"),
            labelled("worker-1", "payments-worker"),
            labelled("catalog-1", "catalog"),
        ],
        network_policies: vec![
            // Deny-all ingress for payments, ledger and the worker.
            policy(
                "lockdown",
                json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In",
                       "values": ["payments", "ledger", "payments-worker"]}]},
                       "policyTypes": ["Ingress"]}),
            ),
            // catalog is isolated too, but a rule admits the frontend.
            policy(
                "catalog-from-frontend",
                json!({"podSelector": {"matchLabels": {"app": "catalog"}},
                       "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}]}]}),
            ),
            // Egress only: isolates nothing for ingress.
            policy(
                "no-egress",
                json!({"podSelector": {}, "policyTypes": ["Egress"]}),
            ),
        ],
        services: vec![
            row(&[("NAME", "payments"), ("SELECTOR", "app=payments")]),
            row(&[("NAME", "ledger"), ("SELECTOR", "app=ledger")]),
            row(&[("NAME", "catalog"), ("SELECTOR", "app=catalog")]),
            row(&[("NAME", "external-db"), ("SELECTOR", "<none>")]),
        ],
        ..HealthFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        lines(&report),
        vec![
            "Critical Network NetworkPolicy shop/lockdown: isolates the pods of Service payments (all 2 of its pods), Service ledger (all 1 of its pods) for ingress and admits no traffic to them: connections to those pods are dropped and clients time out"
        ]
    );
    assert!(
        report
            .next_steps
            .contains(&"why is service payments failing in shop".to_string()),
        "{:?}",
        report.next_steps
    );
    assert!(
        report
            .summary
            .contains("1 NetworkPolicy cut-off(s) of Services"),
        "{}",
        report.summary
    );
}
