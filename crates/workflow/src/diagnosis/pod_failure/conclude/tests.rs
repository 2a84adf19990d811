use serde_json::{Value, json};

use super::*;
use crate::diagnosis::pod_failure::{
    ClaimFacts, EarlierRevision, MissingReference, NodeFacts, NodeMemory, SameNamedObject,
};
use crate::diagnosis::quantity::{Cpu, Memory};

fn deployment(container: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "demo", "uid": "d-1"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}},
        "status": {"readyReplicas": 0},
    })
}

fn replica_set() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-7d4b9", "namespace": "demo",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true}]},
    })
}

fn pod(container: Value, status: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d4b9-x2x", "namespace": "demo",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9", "controller": true}]},
        "spec": {"nodeName": "node-a", "containers": [container]},
        "status": status,
    })
}

fn facts(container: Value, status: Value) -> PodFacts {
    PodFacts {
        pod: pod(container.clone(), status),
        owners: vec![replica_set(), deployment(container)],
        ..PodFacts::default()
    }
}

/// The container every test's workload runs, when its spec does not matter.
fn app() -> Value {
    json!({"name": "app", "image": "web:1.0"})
}

/// The status of a pod whose one container runs, ready or not, never restarted.
fn running(ready: bool) -> Value {
    json!({"phase": "Running", "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0, "state": {"running": {}}}]})
}

/// The app container declaring `container_port`, with an HTTP `probe`
/// (`livenessProbe`, `readinessProbe`) of `path` on `probe_port`.
fn probed(probe: &str, path: &str, probe_port: u16, container_port: u16) -> Value {
    let mut container = app();
    container["ports"] = json!([{"containerPort": container_port}]);
    container[probe] = json!({"httpGet": {"path": path, "port": probe_port}});
    container
}

/// A Warning event about the pod under diagnosis.
fn warning(reason: &str, message: &str) -> Event {
    Event {
        object_kind: "Pod".into(),
        object_name: "web-7d4b9-x2x".into(),
        namespace: "demo".into(),
        event_type: "Warning".into(),
        reason: reason.into(),
        message: message.into(),
        timestamp: "2026-11-25 08:00:00 +0000 UTC".into(),
    }
}

fn quotes(diagnosis: &Diagnosis) -> String {
    diagnosis
        .evidence
        .iter()
        .map(|evidence| format!("[{}] {}", evidence.source, evidence.quote))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Concludes over `facts`, checks the cause, and returns the diagnosis with
/// its evidence as [`quotes`].
fn concluded(facts: &PodFacts, cause: Cause) -> (Diagnosis, String) {
    let diagnosis = conclude(facts);
    let evidence = quotes(&diagnosis);
    assert_eq!(diagnosis.cause, cause, "{evidence}");
    (diagnosis, evidence)
}

/// Asserts that the evidence quotes every one of `expected`.
fn assert_quotes(evidence: &str, expected: &[&str]) {
    for expected in expected {
        assert!(
            evidence.contains(expected),
            "{expected:?} missing from:\n{evidence}"
        );
    }
}

fn crashed(exit_code: i64, reason: &str, restarts: u64) -> Value {
    json!({"phase": "Running", "containerStatuses": [{
        "name": "app", "ready": false, "restartCount": restarts,
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
        "lastState": {"terminated": {"exitCode": exit_code, "reason": reason}},
    }]})
}

#[test]
fn oomkilled_proposes_twenty_percent_over_the_larger_of_limit_and_use() {
    let container = json!({"name": "app", "image": "web:1.0",
        "resources": {"limits": {"memory": "256Mi"}, "requests": {"memory": "128Mi"}}});
    let mut facts = facts(container, crashed(137, "OOMKilled", 4));
    facts.memory_usage = Memory::parse("250Mi").ok();
    facts.node_memory = Some(NodeMemory {
        node: "node-a".into(),
        usage: Memory::parse("3Gi").expect("quantity"),
        percent: Some(40),
    });
    facts.previous_logs =
        Some("starting\nloading cache\njava.lang.OutOfMemoryError: Java heap space\n".into());
    let (diagnosis, evidence) = concluded(&facts, Cause::OomKilled);
    assert_quotes(
        &evidence,
        &[
            "reason OOMKilled, exit code 137",
            "resources.limits.memory: 256Mi",
            "uses 250Mi of memory now (97% of the 256Mi limit)",
            "node node-a uses 3Gi of memory (40% of allocatable)",
            "java.lang.OutOfMemoryError: Java heap space",
            "Pod web-7d4b9-x2x → ReplicaSet web-7d4b9 → Deployment web",
        ],
    );
    let proposal = diagnosis.proposal.expect("a limit raise");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("apps/v1", "Deployment", "web", "demo")
    );
    assert_eq!(proposal.current, "memory limit 256Mi");
    assert_eq!(proposal.desired, "memory limit 320Mi");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "320Mi"
    );
    assert!(proposal.warnings.is_empty());
    assert!(diagnosis.summary.contains("320Mi"));
}

#[test]
fn oomkilled_use_above_the_limit_sets_the_base_and_node_pressure_warns() {
    let container =
        json!({"name": "app", "image": "web:1.0", "resources": {"limits": {"memory": "512Mi"}}});
    let mut facts = facts(container, crashed(137, "OOMKilled", 2));
    facts.memory_usage = Memory::parse("600Mi").ok();
    facts.node_memory = Some(NodeMemory {
        node: "node-a".into(),
        usage: Memory::parse("7Gi").expect("quantity"),
        percent: Some(93),
    });
    let proposal = conclude(&facts).proposal.expect("a limit raise");
    // 600Mi × 1.2 = 720Mi, a multiple of the 64Mi step.
    assert_eq!(proposal.desired, "memory limit 768Mi");
    assert!(proposal.warnings[0].contains("93%"));
}

#[test]
fn oomkilled_without_a_limit_or_without_a_workload_proposes_nothing() {
    let no_limit = facts(app(), crashed(137, "OOMKilled", 1));
    let (diagnosis, _) = concluded(&no_limit, Cause::OomKilled);
    assert!(diagnosis.proposal.is_none());
    assert!(diagnosis.summary.contains("without a memory limit"));
    let mut bare = facts(
        json!({"name": "app", "image": "web:1.0", "resources": {"limits": {"memory": "128Mi"}}}),
        crashed(137, "OOMKilled", 1),
    );
    bare.owners.clear();
    let diagnosis = conclude(&bare);
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis
            .summary
            .contains("recreate it with a memory limit of 160Mi")
    );
}

#[test]
fn a_crash_loop_names_the_exit_code_and_quotes_the_error_lines() {
    let mut facts = facts(app(), crashed(1, "Error", 6));
    facts.previous_logs = Some(
        "listening on :8080\nconnecting to db\nERROR: could not connect to database at db:5432: connection refused\n".into(),
    );
    facts.events = vec![warning(
        "BackOff",
        "Back-off restarting failed container app in pod web-7d4b9-x2x_demo",
    )];
    let (diagnosis, evidence) = concluded(&facts, Cause::CrashLoopBackOff);
    assert_quotes(
        &evidence,
        &[
            "waiting: CrashLoopBackOff, restarted 6 times",
            "exit code 1 (application error",
        ],
    );
    assert!(evidence.contains(
        "[previous logs of container app] ERROR: could not connect to database at db:5432: connection refused"
    ));
    assert!(evidence.contains("Warning BackOff: Back-off restarting failed container"));
    assert!(!evidence.contains("listening on"), "{evidence}");
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis
            .next_steps
            .iter()
            .any(|step| step.contains("previous logs"))
    );
}

#[test]
fn a_crash_loops_summary_quotes_the_log_line_that_names_the_cause() {
    let mut facts = facts(app(), crashed(1, "Error", 14));
    facts.previous_logs = Some(
        "08:47:02 INFO  checkout 3.2.0 starting\n\
         08:47:02 ERROR pq: password authentication failed for user \"checkout\"\n\
         08:47:02 FATAL could not connect to database (DB_PASSWORD from secret postgres-credentials)\n\
         08:47:02 INFO  shutting down\n"
            .into(),
    );
    facts.current_logs = Some("08:52:14 INFO  checkout 3.2.0 starting\n".into());
    let (diagnosis, _) = concluded(&facts, Cause::CrashLoopBackOff);
    assert!(
        diagnosis.summary.contains(
            "Its log names the cause: \"08:47:02 FATAL could not connect to database (DB_PASSWORD from secret postgres-credentials)\"."
        ),
        "{}",
        diagnosis.summary
    );
    assert!(
        !diagnosis
            .summary
            .contains("The cause is in the application"),
        "{}",
        diagnosis.summary
    );
    // A log without an error says so, instead of pointing at nothing.
    let mut quiet = facts.clone();
    quiet.previous_logs = Some("starting\nlistening on :8080\n".into());
    assert!(
        conclude(&quiet)
            .summary
            .contains("its log reports no error"),
        "{}",
        conclude(&quiet).summary
    );
    // An exit code with its own meaning keeps it, and adds the log's error.
    let mut segfault = PodFacts {
        previous_logs: Some("panic: runtime error: invalid memory address\n".into()),
        ..facts.clone()
    };
    segfault.pod = pod(app(), crashed(139, "Error", 2));
    let summary = conclude(&segfault).summary;
    assert!(summary.contains("segmentation fault"), "{summary}");
    assert!(
        summary
            .contains("Its last logged error: \"panic: runtime error: invalid memory address\"."),
        "{summary}"
    );
}

#[test]
fn the_cause_line_is_the_last_error_fatal_panic_or_exception() {
    assert_eq!(
        cause_line("ERROR first\nWARN retrying\nFATAL second\nbye\n").as_deref(),
        Some("FATAL second")
    );
    let java = "ERROR 1 --- [batch-1] Unexpected error occurred in scheduled task\n\
                java.lang.OutOfMemoryError: Java heap space\n\
                \tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\
                \tat com.acme.ReconcileJob.load(ReconcileJob.java:88)\n";
    assert_eq!(
        cause_line(java).as_deref(),
        Some("java.lang.OutOfMemoryError: Java heap space")
    );
    assert_eq!(
        cause_line("thread 'main' panicked at src/main.rs:4:5\n").as_deref(),
        Some("thread 'main' panicked at src/main.rs:4:5")
    );
    assert_eq!(cause_line("started\nlistening\n"), None);
    assert_eq!(cause_line(""), None);
}

#[test]
fn exit_127_quotes_the_command() {
    let facts = facts(
        json!({"name": "app", "image": "web:1.0", "command": ["/bin/strat"]}),
        crashed(127, "Error", 3),
    );
    let diagnosis = conclude(&facts);
    assert!(quotes(&diagnosis).contains("command: [\"/bin/strat\"]"));
    assert!(diagnosis.summary.contains("command not found"));
}

#[test]
fn a_failing_liveness_probe_on_the_wrong_port_proposes_the_declared_port() {
    let container = probed("livenessProbe", "/healthz", 9090, 8080);
    let mut facts = facts(container, crashed(143, "Error", 5));
    facts.events = vec![
        warning(
            "Unhealthy",
            "Liveness probe failed: Get \"http://10.0.0.7:9090/healthz\": dial tcp 10.0.0.7:9090: connect: connection refused",
        ),
        Event {
            event_type: "Normal".into(),
            reason: "Killing".into(),
            message: "Container app failed liveness probe, will be restarted".into(),
            ..warning("", "")
        },
    ];
    let (diagnosis, evidence) = concluded(&facts, Cause::LivenessProbeFailure);
    assert_quotes(
        &evidence,
        &["Liveness probe failed: Get", "exit code 143 (SIGTERM"],
    );
    let proposal = diagnosis.proposal.expect("a probe port fix");
    assert_eq!(proposal.desired, "livenessProbe port 8080");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]
            ["port"],
        8080
    );
}

#[test]
fn of_two_unready_containers_the_one_whose_probe_fails_is_named() {
    // Before the app's first probe passes, both containers are unready;
    // the kubelet's event names the sidecar's probe port.
    let web = json!({"name": "web", "image": "web:1.0",
        "ports": [{"name": "http", "containerPort": 3000}],
        "readinessProbe": {"httpGet": {"path": "/", "port": "http"}}});
    let metrics = json!({"name": "metrics", "image": "statsd:1",
        "ports": [{"name": "metrics", "containerPort": 9090}],
        "readinessProbe": {"httpGet": {"path": "/metrics", "port": 9091}}});
    let unready = |name: &str| json!({"name": name, "ready": false, "restartCount": 0, "state": {"running": {}}});
    let mut facts = facts(
        web.clone(),
        json!({"phase": "Running", "containerStatuses": [unready("web"), unready("metrics")]}),
    );
    facts.pod["spec"]["containers"] = json!([web.clone(), metrics.clone()]);
    facts.owners[1]["spec"]["template"]["spec"]["containers"] = json!([web, metrics]);
    facts.events = vec![warning(
        "Unhealthy",
        "Readiness probe failed: Get \"http://10.244.1.8:9091/metrics\": dial tcp 10.244.1.8:9091: connect: connection refused",
    )];
    let (diagnosis, _) = concluded(&facts, Cause::ReadinessProbeFailure);
    assert!(
        diagnosis.summary.starts_with(
            "Container metrics of pod web-7d4b9-x2x runs but its readiness probe fails"
        ),
        "{}",
        diagnosis.summary
    );
    assert_eq!(
        diagnosis.proposal.expect("the declared port").desired,
        "readinessProbe port 9090"
    );
}

#[test]
fn a_failing_readiness_probe_is_named_with_its_events() {
    let container = probed("readinessProbe", "/ready", 8080, 80);
    let mut facts = facts(container, running(false));
    facts.events = vec![warning(
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
    )];
    let (diagnosis, evidence) = concluded(&facts, Cause::ReadinessProbeFailure);
    assert!(evidence.contains("Readiness probe failed: HTTP probe failed with statuscode: 503"));
    assert_eq!(
        diagnosis.proposal.expect("a port fix").desired,
        "readinessProbe port 80"
    );
    assert!(diagnosis.summary.contains("receives no traffic"));
}

fn pull_status(reason: &str, message: &str) -> Value {
    json!({"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
        "state": {"waiting": {"reason": reason, "message": message}}}]})
}

#[test]
fn a_bad_tag_proposes_the_previous_revisions_image() {
    let mut facts = facts(
        json!({"name": "app", "image": "nginx:1.277"}),
        pull_status("ImagePullBackOff", "Back-off pulling image \"nginx:1.277\""),
    );
    facts.events = vec![warning(
        "Failed",
        "Failed to pull image \"nginx:1.277\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.277\": not found",
    )];
    facts.earlier_revisions = vec![EarlierRevision {
        name: "web-5f6c7".into(),
        revision: 2,
        image: Some("nginx:1.27".into()),
        ready_replicas: 0,
        template: Value::Null,
    }];
    let (diagnosis, evidence) = concluded(&facts, Cause::ImagePullBackOff);
    assert_quotes(
        &evidence,
        &[
            "waiting: ImagePullBackOff: Back-off pulling image \"nginx:1.277\"",
            "not found",
        ],
    );
    assert!(
        diagnosis
            .summary
            .contains("repository nginx has no tag 1.277")
    );
    let proposal = diagnosis.proposal.expect("a rollback of the image");
    assert_eq!(proposal.current, "image nginx:1.277");
    assert_eq!(proposal.desired, "image nginx:1.27");
    assert_eq!(proposal.target.kind, "Deployment");
}

#[test]
fn a_bad_tag_without_history_names_the_tag_and_proposes_nothing() {
    let facts = facts(
        json!({"name": "app", "image": "registry.local:5000/shop/api:v9"}),
        pull_status("ErrImagePull", "manifest unknown"),
    );
    let (diagnosis, _) = concluded(&facts, Cause::ImagePullBackOff);
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis
            .summary
            .contains("repository registry.local:5000/shop/api has no tag v9")
    );
}

#[test]
fn a_refused_pull_points_at_credentials() {
    let mut facts = facts(
        json!({"name": "app", "image": "private.example/app:1"}),
        pull_status(
            "ErrImagePull",
            "pull access denied, repository does not exist or may require authorization",
        ),
    );
    facts.missing_pull_secrets = vec!["regcred".into()];
    let (diagnosis, evidence) = concluded(&facts, Cause::ImagePullBackOff);
    assert!(diagnosis.summary.contains("refused access"));
    assert!(
        diagnosis
            .summary
            .contains("create the missing pull secret regcred")
    );
    assert!(evidence.contains("Secret demo/regcred named by the pod does not exist"));
}

fn config_error_facts(message: &str, missing: MissingReference) -> PodFacts {
    let mut facts = facts(app(), pull_status("CreateContainerConfigError", message));
    facts.missing_references = vec![missing];
    facts
}

fn missing(kind: &str, name: &str, keys: &[&str], referenced_by: &str) -> MissingReference {
    MissingReference {
        kind: kind.into(),
        name: name.into(),
        keys: keys.iter().map(|key| key.to_string()).collect(),
        referenced_by: vec![referenced_by.into()],
        live: None,
    }
}

#[test]
fn a_missing_config_map_without_a_source_of_values_gets_an_honest_instruction() {
    let facts = config_error_facts(
        "configmap \"app-config\" not found",
        missing(
            "ConfigMap",
            "app-config",
            &["LOG_LEVEL"],
            "env LOG_LEVEL of container app",
        ),
    );
    let (diagnosis, evidence) = concluded(&facts, Cause::CreateContainerConfigError);
    assert!(evidence.contains("CreateContainerConfigError: configmap \"app-config\" not found"));
    assert!(evidence.contains("ConfigMap app-config not found; referenced by env LOG_LEVEL of container app (keys LOG_LEVEL)"));
    assert!(diagnosis.proposal.is_none(), "no invented values");
    assert!(
        diagnosis.summary.contains("No automatic fix")
            && diagnosis.summary.contains(
                "`kubectl create configmap app-config -n demo --from-literal=LOG_LEVEL=<value>`"
            ),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn a_missing_config_map_is_copied_from_the_namespace_that_has_it() {
    let mut facts = config_error_facts(
        "configmap \"app-config\" not found",
        missing(
            "ConfigMap",
            "app-config",
            &["LOG_LEVEL"],
            "env LOG_LEVEL of container app",
        ),
    );
    facts.same_named_elsewhere = vec![SameNamedObject {
        kind: "ConfigMap".into(),
        name: "app-config".into(),
        namespace: "staging".into(),
        object: Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "staging"},
            "data": {"LOG_LEVEL": "debug", "MODE": "fast"}})),
    }];
    let diagnosis = conclude(&facts);
    assert!(
        quotes(&diagnosis)
            .contains("ConfigMap staging/app-config exists with keys [LOG_LEVEL, MODE]")
    );
    let proposal = diagnosis.proposal.expect("a copy to create");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("v1", "ConfigMap", "app-config", "demo")
    );
    assert_eq!(
        proposal.manifest["data"],
        json!({"LOG_LEVEL": "debug", "MODE": "fast"})
    );
    assert!(
        diagnosis
            .summary
            .contains("as a copy of staging/app-config")
    );
}

#[test]
fn a_missing_key_names_the_key_and_the_keys_present() {
    let mut reference = missing(
        "ConfigMap",
        "app-config",
        &["LOG_LEVEL"],
        "env LOG_LEVEL of container app",
    );
    reference.live = Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app-config", "namespace": "demo"}, "data": {"MODE": "fast"}}));
    let facts = config_error_facts(
        "couldn't find key LOG_LEVEL in ConfigMap demo/app-config",
        reference,
    );
    let diagnosis = conclude(&facts);
    assert!(quotes(&diagnosis).contains(
        "ConfigMap app-config exists with keys [MODE] but has no key LOG_LEVEL; referenced by env LOG_LEVEL of container app"
    ));
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis
            .summary
            .contains("ConfigMap demo/app-config has no key LOG_LEVEL"),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis
            .summary
            .contains("Add key LOG_LEVEL to ConfigMap app-config in namespace demo")
    );
}

#[test]
fn a_missing_secret_is_named_and_not_invented() {
    let mut facts = config_error_facts(
        "secret \"db-creds\" not found",
        missing(
            "Secret",
            "db-creds",
            &["password"],
            "env DB_PASSWORD of container app",
        ),
    );
    facts.same_named_elsewhere = vec![SameNamedObject {
        kind: "Secret".into(),
        name: "db-creds".into(),
        namespace: "staging".into(),
        object: None,
    }];
    let diagnosis = conclude(&facts);
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis
            .summary
            .contains("Secret demo/db-creds does not exist")
    );
    assert!(
        diagnosis.summary.contains(
            "`kubectl create secret generic db-creds -n demo --from-literal=password=<value>`"
        ) && diagnosis.summary.contains("exists in staging"),
        "{}",
        diagnosis.summary
    );
    assert_eq!(
        diagnosis.next_steps,
        vec!["list secrets in demo".to_string()]
    );
}

#[test]
fn an_unschedulable_pod_explains_the_scheduler_message_with_nodes_and_requests() {
    let container = json!({"name": "app", "image": "web:1.0", "resources": {"requests": {"memory": "64Gi", "cpu": "500m"}}});
    let mut facts = facts(
        container,
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."}]}),
    );
    facts.pod["spec"]["nodeName"] = Value::Null;
    facts.nodes = vec![
        NodeFacts {
            name: "node-a".into(),
            allocatable_cpu: "4".into(),
            allocatable_memory: "8Gi".into(),
            taints: vec!["dedicated=gpu:NoSchedule".into()],
            labels: vec![],
            pressure: vec![],
            requested: Some((Cpu(1000), Memory::parse("6Gi").expect("a quantity"))),
        },
        NodeFacts {
            name: "node-b".into(),
            allocatable_cpu: "4".into(),
            allocatable_memory: "16Gi".into(),
            taints: vec![],
            labels: vec![],
            pressure: vec![],
            requested: Some((Cpu(500), Memory::parse("4Gi").expect("a quantity"))),
        },
    ];
    let (diagnosis, evidence) = concluded(&facts, Cause::Unschedulable);
    assert_quotes(
        &evidence,
        &[
            "PodScheduled=False: 0/2 nodes are available: 2 Insufficient memory.",
            "\"memory\":\"64Gi\"",
            "allocatable cpu 4, memory 8Gi, requested by its pods cpu 1, memory 6Gi, taints dedicated=gpu:NoSchedule",
        ],
    );
    assert!(
        diagnosis
            .summary
            .contains("no node has enough unrequested memory")
    );
    assert!(
        diagnosis.summary.contains(
            "the most memory left unrequested is 12Gi on node node-b, and the pod requests 64Gi"
        ),
        "{}",
        diagnosis.summary
    );
    assert!(diagnosis.proposal.is_none());
}

#[test]
fn a_pod_larger_than_any_node_is_explained_by_the_largest_node_without_its_pods() {
    let container = json!({"name": "app", "image": "web:1.0", "resources": {"requests": {"memory": "24Gi", "cpu": "500m"}}});
    let mut facts = facts(
        container,
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 Insufficient memory."}]}),
    );
    facts.pod["spec"]["nodeName"] = Value::Null;
    let node = |name: &str, memory: &str| NodeFacts {
        name: name.into(),
        allocatable_cpu: "4".into(),
        allocatable_memory: memory.into(),
        taints: vec![],
        labels: vec![],
        pressure: vec![],
        requested: None,
    };
    facts.nodes = vec![node("node-a", "15Gi"), node("node-b", "7Gi")];
    let (diagnosis, _) = concluded(&facts, Cause::Unschedulable);
    assert!(
        diagnosis.summary.contains(
            "the most memory left unrequested is at most 15Gi on node node-a (all of its allocatable memory), and the pod requests 24Gi: more than any node has even empty"
        ),
        "{}",
        diagnosis.summary
    );
    // A pod that would fit an empty node is not explained without its pods' requests.
    facts.nodes = vec![node("node-a", "32Gi")];
    let (diagnosis, _) = concluded(&facts, Cause::Unschedulable);
    assert!(
        !diagnosis.summary.contains("left unrequested"),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn an_unschedulable_pod_without_a_condition_message_uses_the_failed_scheduling_event() {
    let mut facts = facts(app(), json!({"phase": "Pending"}));
    facts.pod["spec"]["nodeName"] = Value::Null;
    facts.pod["spec"]["volumes"] =
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]);
    facts.claims = vec![ClaimFacts {
        name: "data".into(),
        phase: "Pending".into(),
        storage_class: Some("fast-ssd".into()),
        volume_affinity: None,
    }];
    facts.events = vec![warning(
        "FailedScheduling",
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
    )];
    let (diagnosis, evidence) = concluded(&facts, Cause::Unschedulable);
    assert!(
        evidence
            .contains("[PersistentVolumeClaim demo/data] phase Pending, storageClassName fast-ssd")
    );
    assert!(
        diagnosis
            .summary
            .contains("PersistentVolumeClaim the pod mounts is not bound")
    );
}

#[test]
fn a_healthy_pod_is_reported_as_not_failing() {
    let facts = facts(app(), running(true));
    let (_, evidence) = concluded(&facts, Cause::NoFailureFound);
    assert!(evidence.contains("phase Running, app ready=true restarts=0"));
}

#[test]
fn error_lines_keep_the_last_errors_or_the_last_line() {
    let log = (1..=8)
        .map(|n| format!("error {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        error_lines(&log),
        vec!["error 4", "error 5", "error 6", "error 7", "error 8"]
    );
    assert_eq!(error_lines("all good\nbye\n"), vec!["bye"]);
    assert_eq!(
        error_lines(
            "starting\njava.lang.OutOfMemoryError: Java heap space\n\tat a.B.c(B.java:1)\n\tat a.D.e(D.java:2)\n"
        ),
        vec!["java.lang.OutOfMemoryError: Java heap space"],
        "a stack trace's frames are not quoted"
    );
    assert!(error_lines("").is_empty());
}

#[test]
fn images_split_into_repository_and_tag() {
    assert_eq!(split_image("nginx:1.27"), ("nginx", Some("1.27")));
    assert_eq!(split_image("nginx"), ("nginx", None));
    assert_eq!(split_image("host:5000/app"), ("host:5000/app", None));
    assert_eq!(
        split_image("host:5000/app:v2"),
        ("host:5000/app", Some("v2"))
    );
    assert_eq!(split_image("app@sha256:abc"), ("app", None));
}

#[test]
fn liveness_events_on_a_running_unready_container_name_the_liveness_probe() {
    let container = probed("livenessProbe", "/healthz", 9090, 8080);
    let mut facts = facts(container, running(false));
    facts.events = vec![warning(
        "Unhealthy",
        "Liveness probe failed: Get \"http://10.0.0.7:9090/healthz\": connect: connection refused",
    )];
    let (diagnosis, _) = concluded(&facts, Cause::LivenessProbeFailure);
    assert!(
        diagnosis
            .summary
            .contains("running unready between kills, 0 restarts")
    );
    assert_eq!(
        diagnosis.proposal.expect("a probe port fix").desired,
        "livenessProbe port 8080"
    );
}

#[test]
fn a_config_map_volume_that_cannot_be_mounted_is_named_from_the_failed_mount_event() {
    let mut facts = facts(
        json!({"name": "app", "image": "web:1.0"}),
        pull_status("ContainerCreating", ""),
    );
    facts.events = vec![warning(
        "FailedMount",
        "MountVolume.SetUp failed for volume \"conf\" : configmap \"nginx-conf\" not found",
    )];
    facts.missing_references = vec![missing("ConfigMap", "nginx-conf", &[], "volume conf")];
    let diagnosis = conclude(&facts);
    assert_eq!(diagnosis.cause, Cause::FailedMount);
    let evidence = quotes(&diagnosis);
    assert!(evidence.contains("phase Pending, containers app not created (ContainerCreating)"));
    assert!(evidence.contains("Warning FailedMount: MountVolume.SetUp failed for volume \"conf\" : configmap \"nginx-conf\" not found"));
    assert!(evidence.contains("ConfigMap nginx-conf not found; referenced by volume conf"));
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis.summary.starts_with(
            "No container of pod web-7d4b9-x2x can start: ConfigMap demo/nginx-conf does not exist (FailedMount"
        ),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn a_missing_tag_is_not_blamed_on_a_missing_pull_secret() {
    let mut facts = facts(
        json!({"name": "app", "image": "ghcr.io/acme/web:9.9.9"}),
        pull_status(
            "ErrImagePull",
            "rpc error: code = NotFound desc = failed to pull and unpack image \"ghcr.io/acme/web:9.9.9\": failed to resolve reference \"ghcr.io/acme/web:9.9.9\": ghcr.io/acme/web:9.9.9: not found",
        ),
    );
    facts.missing_pull_secrets = vec!["regcred".into()];
    let (diagnosis, _) = concluded(&facts, Cause::ImagePullBackOff);
    assert!(
        diagnosis.summary.contains(
            "registry ghcr.io answered that repository ghcr.io/acme/web has no tag 9.9.9"
        ),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis
            .summary
            .contains("Pull secret regcred does not exist either")
    );
    assert!(diagnosis.summary.contains("it never guesses a tag"));
    assert!(diagnosis.proposal.is_none(), "no history, no invented tag");
}

#[test]
fn an_unauthorized_pull_without_pull_secrets_says_the_pod_pulls_anonymously() {
    let facts = facts(
        json!({"name": "app", "image": "registry.acme.internal/shop/web:1.0"}),
        pull_status(
            "ErrImagePull",
            "failed to pull and unpack image \"registry.acme.internal/shop/web:1.0\": failed to resolve reference \"registry.acme.internal/shop/web:1.0\": unexpected status from HEAD request to https://registry.acme.internal/v2/shop/web/manifests/1.0: 401 Unauthorized",
        ),
    );
    let (diagnosis, evidence) = concluded(&facts, Cause::ImagePullBackOff);
    assert!(evidence.contains("[pod spec] imagePullSecrets: none"));
    assert!(
        diagnosis
            .summary
            .contains("registry registry.acme.internal refused access to repository registry.acme.internal/shop/web"),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis
            .summary
            .contains("the pod has no imagePullSecrets")
    );
    assert!(diagnosis.proposal.is_none());
}

#[test]
fn registry_hosts_default_to_docker_hub() {
    assert_eq!(registry_host("nginx:1.27"), "docker.io");
    assert_eq!(registry_host("acme/web:1"), "docker.io");
    assert_eq!(registry_host("ghcr.io/acme/web:1"), "ghcr.io");
    assert_eq!(registry_host("localhost:5000/web"), "localhost:5000");
}

#[test]
fn crash_explanations_follow_the_exit_code() {
    let exited = conclude(&facts(app(), crashed(0, "Completed", 4)));
    assert!(
        exited.summary.contains("main process ends successfully"),
        "{}",
        exited.summary
    );
    let killed = conclude(&facts(app(), crashed(137, "Error", 4)));
    assert_eq!(killed.cause, Cause::CrashLoopBackOff);
    assert!(
        killed.summary.contains("not by the OOM killer"),
        "{}",
        killed.summary
    );
    let shell = conclude(&facts(
        json!({"name": "app", "image": "web:1.0", "command": ["sh", "-c", "gunicorn app:app"]}),
        crashed(127, "Error", 2),
    ));
    assert!(quotes(&shell).contains("command: [\"sh\",\"-c\",\"gunicorn app:app\"]"));
    assert!(
        shell
            .summary
            .contains("does not exist or cannot be executed in image web:1.0")
    );
}

#[test]
fn a_sidecars_farewell_line_is_passed_over_for_the_error_that_says_why() {
    let log = "[2026/11/26 08:40:01] [ info] [fluent bit] version=3.1.4\n\
               [2026/11/26 08:40:01] [error] [config] section 'output' has an unknown property 'Hostt'\n\
               [2026/11/26 08:40:01] [error] configuration file contains errors, aborting.\n";
    assert_eq!(
        cause_line(log).as_deref(),
        Some(
            "[2026/11/26 08:40:01] [error] [config] section 'output' has an unknown property 'Hostt'"
        )
    );
    // A farewell alone is still the line that says it failed.
    assert_eq!(
        cause_line("starting\nfatal error, exiting\n").as_deref(),
        Some("fatal error, exiting")
    );
}

#[test]
fn the_last_log_line_is_quoted_even_without_an_error_word() {
    assert_eq!(
        error_lines("starting\nERROR db down\nretrying\nexiting after 3 attempts\n"),
        vec!["ERROR db down", "exiting after 3 attempts"]
    );
}

#[test]
fn a_failing_init_container_is_named_as_such() {
    let mut container = app();
    container["name"] = json!("migrate");
    let mut facts = facts(
        app(),
        json!({"phase": "Pending",
        "initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}],
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "PodInitializing"}}}]}),
    );
    facts.pod["spec"]["initContainers"] = json!([container]);
    facts.previous_logs =
        Some("applying migration 42\nERROR relation \"orders\" already exists\n".into());
    let (diagnosis, evidence) = concluded(&facts, Cause::CrashLoopBackOff);
    assert!(
        evidence.contains("init container migrate is waiting: CrashLoopBackOff, restarted 3 times")
    );
    assert!(evidence.contains(
        "[previous logs of init container migrate] ERROR relation \"orders\" already exists"
    ));
    assert!(
        diagnosis
            .summary
            .contains("Init container migrate of pod web-7d4b9-x2x fails (Init:CrashLoopBackOff)"),
        "{}",
        diagnosis.summary
    );
    assert!(diagnosis.summary.contains("never start"));
}

fn job_facts(failed_condition: bool) -> PodFacts {
    let status = json!({"phase": "Failed", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
        "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}]});
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "report-29012345", "namespace": "demo",
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "report", "controller": true}]},
        "spec": {"backoffLimit": 2},
        "status": {"failed": 3}});
    if failed_condition {
        job["status"]["conditions"] = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]);
    }
    let cron_job = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "demo"},
        "spec": {"schedule": "0 * * * *"},
        "status": {"lastScheduleTime": "2026-11-25T08:00:00Z"}});
    let mut facts = facts(app(), status);
    facts.pod["spec"]["restartPolicy"] = json!("Never");
    facts.owners = vec![job, cron_job];
    facts.previous_logs = None;
    facts.current_logs = Some("reading input\nusage: report --month=YYYY-MM\n".into());
    facts
}

#[test]
fn a_job_that_hit_its_backoff_limit_is_named_with_its_cron_job() {
    let (diagnosis, evidence) = concluded(&job_facts(true), Cause::JobFailed);
    assert_quotes(
        &evidence,
        &[
            "[Job demo/report-29012345 status] Failed=True, BackoffLimitExceeded: Job has reached the specified backoff limit",
            "failed pods 3, succeeded 0, active 0; spec.backoffLimit 2",
            "[CronJob demo/report] schedule \"0 * * * *\", last scheduled 2026-11-25T08:00:00Z, last successful run never",
            "container app terminated, phase Failed",
            "[current logs of container app] usage: report --month=YYYY-MM",
        ],
    );
    assert!(
        diagnosis.summary.starts_with(
            "Job report-29012345 (run by CronJob report) failed (BackoffLimitExceeded) after 3 failed pods (backoffLimit 2)"
        ),
        "{}",
        diagnosis.summary
    );
    assert!(diagnosis.summary.contains("exits with code 2"));
    assert!(diagnosis.proposal.is_none());
    let (retrying, _) = concluded(&job_facts(false), Cause::JobFailed);
    assert!(
        retrying
            .summary
            .contains("is failing: 3 pods failed so far")
    );
}

#[test]
fn a_stuck_rollout_names_the_serving_revision_and_proposes_its_image() {
    let mut facts = facts(
        json!({"name": "app", "image": "web:2.0"}),
        crashed(1, "Error", 5),
    );
    facts.owners[1]["spec"]["replicas"] = json!(3);
    facts.owners[1]["status"] = json!({"updatedReplicas": 1, "conditions": [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-7d4b9\" has timed out progressing."}]});
    facts.owners[1]["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "2"});
    facts.earlier_revisions = vec![EarlierRevision {
        name: "web-5f6c7".into(),
        revision: 1,
        image: Some("web:1.0".into()),
        ready_replicas: 3,
        template: json!({"metadata": {"labels": {"app": "web", "pod-template-hash": "5f6c7"}},
                         "spec": {"containers": [{"name": "app", "image": "web:1.0"}]}}),
    }];
    let (diagnosis, evidence) = concluded(&facts, Cause::CrashLoopBackOff);
    assert_quotes(
        &evidence,
        &[
            "[Deployment demo/web status] Progressing=False, ProgressDeadlineExceeded: ReplicaSet \"web-7d4b9\" has timed out progressing.",
            "[ReplicaSet demo/web-5f6c7] revision 1 still serves 3 ready pods with image web:1.0",
        ],
    );
    assert!(
        diagnosis.summary.contains("The rollout of Deployment web is stuck (ProgressDeadlineExceeded): ReplicaSet web-7d4b9 fails while ReplicaSet web-5f6c7 (revision 1) still serves 3 ready pods"),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis
            .summary
            .contains("The new revision runs image web:2.0.")
    );
    assert!(evidence.contains("[ReplicaSet demo/web-5f6c7 template] differs from Deployment web's template in spec.containers[app].image"));
    let proposal = diagnosis.proposal.expect("the serving revision's image");
    assert_eq!(proposal.current, "image web:2.0");
    assert_eq!(proposal.desired, "image web:1.0");

    // More than the image changed: the whole template of revision 1.
    let mut changed_more = facts.clone();
    changed_more.earlier_revisions[0].template["spec"]["containers"][0]["args"] =
        json!(["--port=80"]);
    let diagnosis = conclude(&changed_more);
    let proposal = diagnosis.proposal.expect("the serving revision's template");
    assert_eq!(proposal.current, "pod template of revision 2");
    assert_eq!(proposal.desired, "pod template of revision 1");
    assert_eq!(
        proposal.manifest["spec"]["template"],
        json!({"metadata": {"labels": {"app": "web"}},
               "spec": {"containers": [{"name": "app", "image": "web:1.0", "args": ["--port=80"]}]}})
    );

    // The new revision added a field an apply cannot remove: no proposal.
    let mut added = facts;
    added.owners[1]["spec"]["template"]["spec"]["containers"][0]["command"] = json!(["/bin/web"]);
    let diagnosis = conclude(&added);
    assert!(diagnosis.proposal.is_none());
    assert!(
        diagnosis.summary.contains(
            "an apply cannot remove what the new revision added (spec.containers[app].command)"
        ),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn a_required_node_affinity_no_node_satisfies_is_named() {
    let mut facts = facts(
        app(),
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."}]}),
    );
    facts.pod["spec"]["nodeName"] = Value::Null;
    facts.pod["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1c"]}]}]}}});
    let node = |zone: &str| NodeFacts {
        name: format!("node-{zone}"),
        allocatable_cpu: "4".into(),
        allocatable_memory: "8Gi".into(),
        taints: vec![],
        labels: vec![format!("topology.kubernetes.io/zone={zone}")],
        pressure: vec![],
        requested: None,
    };
    facts.nodes = vec![node("eu-west-1a"), node("eu-west-1b")];
    let (diagnosis, evidence) = concluded(&facts, Cause::Unschedulable);
    assert!(
        evidence.contains("[pod spec] required node affinity: {\"nodeSelectorTerms\""),
        "{evidence}"
    );
    assert!(
        diagnosis
            .summary
            .contains("no node satisfies the pod's required node affinity"),
        "{}",
        diagnosis.summary
    );
    facts.nodes.push(node("eu-west-1c"));
    assert!(!conclude(&facts).summary.contains("no node satisfies"));
}

#[test]
fn a_readiness_path_answering_404_is_a_misconfiguration_fixed_from_the_liveness_path() {
    let mut container = probed("readinessProbe", "/readyz", 8080, 8080);
    container["livenessProbe"] = json!({"httpGet": {"path": "/healthz", "port": 8080}});
    let mut facts = facts(container, running(false));
    facts.events = vec![warning(
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 404",
    )];
    let (diagnosis, evidence) = concluded(&facts, Cause::ReadinessProbeFailure);
    assert!(evidence.contains("statuscode: 404"));
    assert!(
        diagnosis
            .summary
            .contains("path /readyz on port 8080, which answers 404 Not Found"),
        "{}",
        diagnosis.summary
    );
    let proposal = diagnosis.proposal.expect("a path fix");
    assert_eq!(proposal.current, "readinessProbe path /readyz");
    assert_eq!(proposal.desired, "readinessProbe path /healthz");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
            ["path"],
        "/healthz"
    );
}

#[test]
fn a_probe_timing_out_is_a_slow_application_not_a_spec_error() {
    let mut container = probed("readinessProbe", "/ready", 8080, 8080);
    container["readinessProbe"]["timeoutSeconds"] = json!(2);
    let mut facts = facts(container, running(false));
    facts.events = vec![warning(
        "Unhealthy",
        "Readiness probe failed: Get \"http://10.244.1.5:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
    )];
    let (diagnosis, _) = concluded(&facts, Cause::ReadinessProbeFailure);
    assert!(
        diagnosis
            .summary
            .contains("slower than the probe's timeoutSeconds (2s)")
    );
    assert!(diagnosis.summary.contains("the application is slow"));
    assert!(diagnosis.proposal.is_none());
}

#[test]
fn a_liveness_probe_failing_before_any_restart_is_named() {
    let container = probed("livenessProbe", "/healthz", 9090, 8080);
    let mut facts = facts(container, running(true));
    facts.events = vec![warning(
        "Unhealthy",
        "Liveness probe failed: Get \"http://10.0.0.7:9090/healthz\": dial tcp 10.0.0.7:9090: connect: connection refused",
    )];
    let (diagnosis, _) = concluded(&facts, Cause::LivenessProbeFailure);
    assert!(diagnosis.summary.contains("not restarted yet"));
    assert!(diagnosis.summary.contains("where nothing listens"));
    assert_eq!(
        diagnosis.proposal.expect("a port fix").desired,
        "livenessProbe port 8080"
    );
}

#[test]
fn a_key_spelled_another_way_is_recognised_and_a_different_one_is_not() {
    assert!(same_key_respelled("api-token", "apiToken"));
    assert!(same_key_respelled("DB_PASSWORD", "db-password"));
    assert!(same_key_respelled("pasword", "password"));
    assert!(same_key_respelled("passwords", "password"));
    assert!(!same_key_respelled("token", "tokens2"));
    assert!(
        !same_key_respelled("user", "users"),
        "short names need the same letters"
    );
    assert!(!same_key_respelled("password", "username"));
    assert!(!same_key_respelled("password", "password-old"));
}
