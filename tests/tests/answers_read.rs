//! Read answers a platform engineer can use as they come: the fast path's
//! one tool call, shaped for the question (sorted by what was asked,
//! counted, read out in words), through the real MCP server and the
//! simulated cluster.

use e2e::objects::{deployment, namespace, node, pod};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::Response;

/// A pod with simulated usage.
fn busy_pod(namespace: &str, name: &str, cpu: &str, memory: &str) -> Value {
    let mut pod = pod(namespace, name);
    pod["metadata"]["annotations"] = json!({
        "sim.kubeop.dev/cpu-usage": cpu,
        "sim.kubeop.dev/memory-usage": memory,
    });
    pod
}

/// A second node, busier than [`node`] in CPU.
fn busy_node() -> Value {
    let mut second = node();
    second["metadata"] = json!({"name": "node-2",
        "labels": {"kubernetes.io/hostname": "node-2"},
        "annotations": {"sim.kubeop.dev/cpu-usage": "3100m", "sim.kubeop.dev/memory-usage": "2Gi"}});
    second["spec"]["podCIDR"] = json!("10.244.2.0/24");
    second["status"]["addresses"] = json!([{"type": "InternalIP", "address": "10.0.0.2"}]);
    second
}

fn cluster() -> Vec<Value> {
    let mut quiet_node = node();
    quiet_node["metadata"]["annotations"] = json!({
        "sim.kubeop.dev/cpu-usage": "400m", "sim.kubeop.dev/memory-usage": "9Gi"});
    vec![
        namespace("production"),
        namespace("staging"),
        quiet_node,
        busy_node(),
        // Listed in name order by the server: the hungriest is neither
        // first nor last.
        busy_pod("production", "api-1", "900m", "120Mi"),
        busy_pod("production", "batch-1", "1500m", "300Mi"),
        busy_pod("production", "cache-1", "20m", "2Gi"),
        busy_pod("production", "zeta-1", "50m", "60Mi"),
        pod("staging", "lint-1"),
        pod("staging", "lint-2"),
        pod("staging", "lint-3"),
        deployment("production", "web", 2),
        deployment("production", "checkout", 1),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "checkout", "namespace": "production"},
               "spec": {"selector": {"app": "checkout"}, "ports": [
                   {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                   {"name": "grpc", "port": 9000, "targetPort": 9000, "protocol": "TCP"}]}}),
    ]
}

/// The first `count` names of a top table's rows (in `column`), in order,
/// after the lead line and the header. The deployments' pods use the
/// simulator's small default usage, so the annotated pods come first.
fn first_listed(text: &str, column: usize, count: usize) -> Vec<String> {
    text.lines()
        .skip_while(|line| !line.contains("CPU(cores)"))
        .skip(1)
        .take(count)
        .filter_map(|line| line.split_whitespace().nth(column).map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_answers_are_sorted_by_the_resource_asked_and_say_so() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    // The metrics API reports a pod once it runs: ask only then.
    stack
        .env
        .kubectl_until(&["top", "pods", "-n", "production"], |out| {
            ["cache-1", "batch-1", "api-1", "zeta-1"]
                .iter()
                .all(|pod| out.contains(pod))
        })
        .await;

    let memory = stack
        .answer("what uses the most memory in production")
        .await;
    assert_eq!(memory.tool.as_deref(), Some("pods_top"), "{memory:?}");
    assert!(
        memory
            .text
            .starts_with("Sorted by memory, highest first: production/cache-1 uses the most"),
        "{}",
        memory.text
    );
    let pods = first_listed(&memory.text, 1, 4);
    assert_eq!(
        pods,
        vec!["cache-1", "batch-1", "api-1", "zeta-1"],
        "{}",
        memory.text
    );

    let cpu = stack.answer("top pods by cpu in production").await;
    assert!(
        cpu.text.starts_with("Sorted by CPU, highest first: "),
        "{}",
        cpu.text
    );
    assert_eq!(
        first_listed(&cpu.text, 1, 4),
        vec!["batch-1", "api-1", "zeta-1", "cache-1"],
        "{}",
        cpu.text
    );

    // Summed per namespace: production's busy pods before staging's.
    let by_namespace = stack.answer("memory usage by namespace").await;
    let mut lead = by_namespace.text.lines();
    assert_eq!(
        lead.next(),
        Some("By namespace, highest memory first: production uses the most."),
        "{}",
        by_namespace.text
    );
    for namespace in ["production", "staging"] {
        assert!(
            lead.next().is_some_and(
                |line| line.trim_start().starts_with(&format!("{namespace} "))
                    && line.contains("m CPU, ")
            ),
            "{}",
            by_namespace.text
        );
    }

    let busiest = stack.answer("which node is busiest").await;
    assert_eq!(busiest.tool.as_deref(), Some("nodes_top"), "{busiest:?}");
    assert!(
        busiest.text.contains("node-2 is the busiest"),
        "{}",
        busiest.text
    );
    assert_eq!(first_listed(&busiest.text, 0, 2), vec!["node-2", "node-1"]);
    let by_memory = stack.answer("top nodes by memory").await;
    assert_eq!(
        first_listed(&by_memory.text, 0, 2),
        vec!["node-1", "node-2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_questions_are_answered_with_the_count_and_the_list() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let pods = stack.answer("how many pods are in staging").await;
    assert!(
        pods.text.starts_with("3 pods in namespace staging.\n"),
        "{}",
        pods.text
    );
    for name in ["lint-1", "lint-2", "lint-3"] {
        assert!(pods.text.contains(name), "the list follows: {}", pods.text);
    }
    let deployments = stack.answer("count deployments in production").await;
    assert!(
        deployments
            .text
            .starts_with("2 deployments in namespace production.\n"),
        "{}",
        deployments.text
    );
    let nodes = stack.answer("how many nodes are there").await;
    assert!(nodes.text.starts_with("2 nodes.\n"), "{}", nodes.text);
    // The deployments' pods may still be coming: production's count is
    // what the list holds, staging's is fixed.
    let per_namespace = stack.answer("how many pods per namespace").await;
    let (lead, breakdown) = per_namespace
        .text
        .split_once('\n')
        .expect("a breakdown under the count");
    assert!(
        lead.ends_with(" pods across all namespaces, by namespace:"),
        "{}",
        per_namespace.text
    );
    assert!(
        breakdown.starts_with("  production  ") && breakdown.contains("\n  staging     3\n\n"),
        "{}",
        per_namespace.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_stats_read_as_words_not_json() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let stats = stack.answer("show node stats for node-2").await;
    assert_eq!(
        stats.tool.as_deref(),
        Some("nodes_stats_summary"),
        "{stats:?}"
    );
    let text = &stats.text;
    assert!(
        text.starts_with("Node node-2 (kubelet stats summary)"),
        "{text}"
    );
    for line in [
        "CPU         3100m in use",
        "Memory      2.0Gi working set",
        "Filesystem  ",
        "Pods        ",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert!(
        serde_json::from_str::<Value>(text).is_err() && !text.contains("usageNanoCores"),
        "no raw JSON: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_replicas_read_as_one_line() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let replicas = stack
        .answer("what are the current replicas of web in production")
        .await;
    assert_eq!(
        replicas.tool.as_deref(),
        Some("resources_scale"),
        "{replicas:?}"
    );
    assert!(
        replicas
            .text
            .starts_with("web: 2 desired, 2 current (Deployment, namespace production)")
            || replicas
                .text
                .starts_with("web: 2 desired, 0 current (Deployment, namespace production)"),
        "{}",
        replicas.text
    );
    assert!(
        !replicas.text.contains("apiVersion"),
        "no Scale YAML: {}",
        replicas.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_services_ports_are_read_from_the_service() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let ports = stack
        .answer("what ports does the checkout service expose in production")
        .await;
    assert_eq!(ports.tool.as_deref(), Some("resources_get"), "{ports:?}");
    assert!(
        ports
            .text
            .starts_with("service checkout in namespace production (ClusterIP"),
        "{}",
        ports.text
    );
    assert!(
        ports.text.contains("80/TCP → 8080 (http)"),
        "{}",
        ports.text
    );
    assert!(
        ports.text.contains("9000/TCP → 9000 (grpc)"),
        "{}",
        ports.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upsert_warning_is_given_only_where_values_are_replaced() {
    let mut objects = cluster();
    objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "staging"},
        "data": {"LOG_LEVEL": "info"}}));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let upsert = |card: &workflow::PlanCard| {
        card.warnings
            .iter()
            .any(|warning| warning.contains("upsert") || warning.contains("already exists"))
    };
    for request in [
        "restart deployment web in production",
        "label node node-1 disk=ssd",
        "cordon node-1",
    ] {
        let card = stack.plan(request).await;
        assert!(!upsert(&card), "{request}: {:?}", card.warnings);
    }
    let card = stack
        .plan("create configmap settings --from-literal=LOG_LEVEL=debug -n staging")
        .await;
    assert!(
        upsert(&card),
        "a create that replaces a value of an existing object is warned about: {:?}",
        card.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_accounts_permissions_are_its_own_not_the_whole_audit() {
    let mut objects = cluster();
    objects.extend([
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "checkout", "namespace": "production"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "robot", "namespace": "staging"}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "config-reader", "namespace": "production"},
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "checkout-config", "namespace": "production"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "config-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "checkout", "namespace": "production"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "everything"},
               "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "robot-everything"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "everything"},
               "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": "staging"}]}),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let Ok(Response::Diagnosis(diagnosis)) =
        stack.ask("what can the checkout service account do").await
    else {
        panic!("an RBAC question gives the audit's answer");
    };
    let report = diagnosis.report.expect("the audit's report");
    assert_eq!(
        report["question"], "What may ServiceAccount production/checkout do?",
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("RoleBinding production/checkout-config"),
        "{text}"
    );
    assert!(
        !text.contains("robot"),
        "another subject's grants are not this account's: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_across_all_namespaces_are_the_warning_events_of_every_namespace() {
    let event = |namespace: &str, name: &str, kind: &str, reason: &str| {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": namespace},
               "involvedObject": {"kind": "Pod", "name": name, "namespace": namespace},
               "reason": reason, "message": format!("{reason} on {name}"), "type": kind,
               "lastTimestamp": "2026-11-25T08:00:00Z"})
    };
    let mut objects = cluster();
    objects.extend([
        event("production", "api-1", "Warning", "BackOff"),
        event("staging", "lint-1", "Warning", "FailedMount"),
        event("staging", "lint-2", "Normal", "Pulled"),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let warnings = stack.answer("warnings across all namespaces").await;
    assert_eq!(
        warnings.tool.as_deref(),
        Some("events_list"),
        "{warnings:?}"
    );
    for expected in ["BackOff", "FailedMount"] {
        assert!(warnings.text.contains(expected), "{}", warnings.text);
    }
    assert!(
        !warnings.text.contains("Pulled"),
        "a Normal event is no warning: {}",
        warnings.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_about_one_field_is_answered_with_that_field() {
    let mut objects = cluster();
    objects.push(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "shop", "namespace": "production"},
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example", "http": {"paths": [
            {"path": "/", "pathType": "Prefix",
             "backend": {"service": {"name": "checkout", "port": {"number": 80}}}}]}}]}}),
    );
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;

    let node = stack.answer("is node-2 ready").await;
    assert!(node.text.starts_with("node node-2: Ready"), "{}", node.text);
    assert!(!node.text.contains("apiVersion"), "{}", node.text);

    let rollout = stack
        .answer("what's the status of deployment web in production")
        .await;
    assert!(
        rollout
            .text
            .starts_with("deployment web in namespace production: ")
            && rollout.text.contains("/2 ready"),
        "{}",
        rollout.text
    );

    let image = stack
        .answer("what image is web running in production")
        .await;
    assert_eq!(
        image.text,
        "deployment web in namespace production runs nginx:1.27 (container app).\n"
    );

    let hosts = stack
        .answer("what hosts does the shop ingress serve in production")
        .await;
    assert!(
        hosts.text.contains("shop.example/ → service checkout:80"),
        "{}",
        hosts.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_is_no_deployment_is_read_as_the_workload_it_is() {
    let mut objects = cluster();
    objects.push(json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "production"},
        "spec": {"replicas": 1, "serviceName": "db",
                 "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "postgres", "image": "postgres:16.4"}]}}}}));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let replicas = stack
        .answer("what are the current replicas of db in production")
        .await;
    assert!(
        replicas
            .text
            .starts_with("db is a statefulset (no deployment has that name)\n\ndb: 1 desired"),
        "{}",
        replicas.text
    );
    let image = stack.answer("what image does db run in production").await;
    assert!(
        image.text.ends_with(
            "statefulset db in namespace production runs postgres:16.4 (container postgres).\n"
        ),
        "{}",
        image.text
    );
    // Naming no namespace: the session's has no db, production has the
    // StatefulSet; "web" (a Deployment) is found there too.
    let replicas = stack.answer("how many replicas does db have").await;
    assert!(
        replicas.text.starts_with(
            "statefulset/db is in namespace production (you named no namespace, and default has none)\n\ndb: 1 desired"
        ),
        "{}",
        replicas.text
    );
    let web = stack.answer("how many replicas does web have").await;
    assert!(
        web.text
            .starts_with("deployment/web is in namespace production (you named no namespace"),
        "{}",
        web.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_ranked_by_restarts_come_most_restarted_first() {
    let mut objects = cluster();
    let mut flaky = pod("production", "flaky-1");
    flaky["metadata"]["annotations"] =
        json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/restarts": "7"});
    objects.push(flaky);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(&["get", "pod", "flaky-1", "-n", "production"], |out| {
            out.contains("CrashLoopBackOff")
        })
        .await;
    let ranked = stack
        .answer("which pods restarted the most in production")
        .await;
    assert!(
        ranked
            .text
            .starts_with("Sorted by restarts, most first: flaky-1 restarted "),
        "{}",
        ranked.text
    );
    // A threshold keeps only the pods over it.
    let over = stack
        .answer("list pods that restarted more than 0 times")
        .await;
    assert!(
        over.text.starts_with("1 of the ")
            && over
                .text
                .contains(" pods restarted at least once, most first.")
            && over.text.contains("flaky-1")
            && !over.text.contains("api-1"),
        "{}",
        over.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workloads_events_are_its_own_and_its_replica_sets_and_pods_and_say_so() {
    let event = |name: &str, kind: &str, object: &str, reason: &str| {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": "production"},
               "involvedObject": {"kind": kind, "name": object, "namespace": "production"},
               "reason": reason, "message": format!("{reason} of {object}"), "type": "Warning",
               "lastTimestamp": "2026-11-25T08:00:00Z"})
    };
    let mut objects = cluster();
    objects.extend([
        event("e1", "Pod", "checkout-5d9c8b7f4-x2k4p", "BackOff"),
        event("e2", "ReplicaSet", "checkout-5d9c8b7f4", "FailedCreate"),
        event("e3", "Pod", "checkout-db-0", "FailedMount"),
        event("e4", "Pod", "api-1", "Unhealthy"),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let events = stack
        .answer("show me the events of deployment checkout in production")
        .await;
    assert_eq!(events.tool.as_deref(), Some("events_list"), "{events:?}");
    assert!(!events.error, "{events:?}");
    let lead = events.text.lines().next().unwrap_or_default();
    assert!(
        lead.contains(
            "events in namespace production are about checkout and the objects named after it"
        ) && lead.contains("pod/checkout-5d9c8b7f4-x2k4p")
            && lead.contains("replicaset/checkout-5d9c8b7f4"),
        "says what was kept of how many: {}",
        events.text
    );
    for kept in [
        "BackOff of checkout-5d9c8b7f4-x2k4p",
        "FailedCreate of checkout-5d9c8b7f4",
    ] {
        assert!(events.text.contains(kept), "{}", events.text);
    }
    for other in ["checkout-db-0", "api-1"] {
        assert!(
            !events.text.contains(other),
            "another workload's events are not checkout's: {}",
            events.text
        );
    }
    // Named alone, checkout reads as a namespace; there is none, but a
    // deployment has the name: its events, saying so.
    let named_alone = stack.answer("events for checkout").await;
    assert!(!named_alone.error, "{named_alone:?}");
    assert!(
        named_alone.text.starts_with(
            "(there is no namespace checkout in context sim; these are the events of deployment checkout in production)"
        ) && named_alone.text.contains("BackOff of checkout-5d9c8b7f4-x2k4p")
            && !named_alone.text.contains("api-1"),
        "{}",
        named_alone.text
    );
    let nothing = stack.answer("events for nosuchthing").await;
    assert!(
        nothing.error
            && nothing
                .text
                .starts_with("There is no namespace nosuchthing"),
        "{nothing:?}"
    );
    let none = stack
        .answer("show me the events of deployment payments in production")
        .await;
    assert!(!none.error, "{none:?}");
    assert!(
        none.text
            .starts_with("No event in namespace production is about payments"),
        "{}",
        none.text
    );
}

/// `-o yaml` / `-o json` on a list: its items in that format, from the one
/// list call (each row's columns, said so), not the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_asked_as_yaml_or_json_shows_its_items_in_that_format() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let yaml = stack.answer("kubectl get pods -n staging -o yaml").await;
    assert!(
        yaml.text.starts_with(
            "# 3 item(s) as the list returns them: each row's columns, not the whole object (\"get pod lint-1 -n staging -o yaml\" shows one whole).\napiVersion: v1\nkind: List\nitems:\n"
        ),
        "{}",
        yaml.text
    );
    let parsed: Value = serde_norway::from_str(&yaml.text).expect("the answer is YAML");
    let names: Vec<&str> = parsed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["lint-1", "lint-2", "lint-3"]);
    assert_eq!(parsed["items"][0]["kind"], "Pod");
    assert_eq!(parsed["items"][0]["metadata"]["namespace"], "staging");

    let json = stack.answer("list deployments in production -o json").await;
    let parsed: Value = serde_json::from_str(&json.text).expect("the answer is JSON");
    assert_eq!(parsed["kind"], "List");
    let deployments: Vec<(&str, &str)> = parsed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| Some((item["kind"].as_str()?, item["metadata"]["name"].as_str()?)))
        .collect();
    assert_eq!(
        deployments,
        [("Deployment", "checkout"), ("Deployment", "web")]
    );
    assert_eq!(parsed["items"][0]["apiVersion"], "apps/v1");
    assert!(
        parsed["items"][1]["columns"]["READY"].is_string(),
        "{}",
        json.text
    );
    // A count asked for is still a count.
    let count = stack.answer("how many pods are in staging -o json").await;
    assert!(count.text.starts_with("3 pods"), "{}", count.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_not_running_say_that_a_crash_looping_pod_is_in_phase_running() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    // Every pod here is Running, or on its way there: the list is empty,
    // and the answer still says what its selector cannot show.
    let answer = stack.answer("which pods are not running").await;
    assert!(
        answer.text.contains(
            "Selected by phase: a pod that crash-loops or is not ready is still in phase Running"
        ),
        "{}",
        answer.text
    );
    assert!(
        answer.text.contains("\"which pods are failing\""),
        "{}",
        answer.text
    );
    let listed = stack.answer("list pods in staging").await;
    assert!(
        !listed.text.contains("Selected by phase"),
        "{}",
        listed.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clusters_size_is_answered_from_each_nodes_capacity() {
    let stack = Stack::start_scenario("demo").await;
    for request in [
        "how many cpus does the cluster have",
        "how much memory do the nodes have",
        "node capacity",
    ] {
        let answer = stack.answer(request).await;
        assert!(
            answer.text.starts_with(
                "3 nodes: 11.76 CPU, 43.3Gi memory, 330 pods allocatable in all (capacity 12 CPU, "
            ),
            "{request}: {}",
            answer.text
        );
        assert!(
            answer.text.contains("\nnode-1   Ready    3.92   4 "),
            "{request}: {}",
            answer.text
        );
    }
    // A plain node list stays the list.
    let listed = stack.answer("list nodes").await;
    assert!(
        !listed.text.contains("allocatable in all") && !listed.text.contains("run Kubernetes"),
        "{}",
        listed.text
    );
    // Asked about versions: the kubelets' version first.
    let versions = stack.answer("what version are the nodes").await;
    assert!(
        versions
            .text
            .starts_with("All 3 nodes run Kubernetes v1.32.5 (their kubelets' version)."),
        "{}",
        versions.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logs_question_about_errors_or_a_time_window_is_answered_as_asked() {
    let mut talker = pod("production", "talker-1");
    talker["metadata"]["annotations"] = json!({"sim.kubeop.dev/logs":
        "INFO starting\nERROR upstream refused the connection\n\tat client.dial(client.go:42)\nINFO retrying\n"});
    let stack = Stack::start(
        vec![namespace("production"), node(), talker],
        ApprovalPolicy::default(),
    )
    .await;
    stack
        .env
        .kubectl_until(
            &[
                "get",
                "pod",
                "talker-1",
                "-n",
                "production",
                "-o",
                "jsonpath={.status.phase}",
            ],
            |phase| phase == "Running",
        )
        .await;
    let errors = stack
        .answer("any errors in the logs of pod talker-1 in production")
        .await;
    assert!(
        errors
            .text
            .contains("2 of the last 4 line(s) report a failure")
            && errors.text.contains("\tat client.dial(client.go:42)")
            && !errors.text.contains("INFO retrying"),
        "{}",
        errors.text
    );
    let window = stack
        .answer("logs of pod talker-1 in production since 10m")
        .await;
    assert!(
        window.text.contains("cannot select them by time") && window.text.contains("INFO retrying"),
        "{}",
        window.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_in_a_namespace_that_can_mean_only_one_is_read_there_and_says_so() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let prod = stack.answer("list pods in prod").await;
    assert!(
        prod.text.starts_with(
            "(there is no namespace prod in context sim; read in production, the one namespace that name can mean)"
        ) && prod.text.contains("api-1"),
        "{}",
        prod.text
    );
    // "checkout pods": no namespace checkout, but pods of app checkout.
    let app = stack.answer("checkout pods").await;
    assert!(
        !app.error
            && app.text.starts_with(
                "(there is no namespace checkout in context sim; these are the pods selected by app=checkout)"
            )
            && app.text.contains("checkout-")
            && !app.text.contains("api-1"),
        "{app:?}"
    );
    let unknown = stack.answer("list pods in foo").await;
    assert!(
        unknown.error && unknown.text.starts_with("There is no namespace foo"),
        "{unknown:?}"
    );
}

/// "What uses the db secret": the namespace's workloads and bare pods that
/// name it, and where (env, envFrom, volumes), read one by one and said
/// how many were read; pods a read workload made are not read again, and a
/// workload that names other secrets is not listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_of_a_secret_are_the_workloads_and_pods_that_name_it() {
    let mut checkout = deployment("shop", "checkout", 1);
    checkout["spec"]["template"]["spec"]["containers"][0]["env"] = json!([
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]);
    let mut reports = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "reports", "namespace": "shop"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "report", "image": "busybox:1.36",
                "envFrom": [{"secretRef": {"name": "db"}}]}]}}}}}});
    reports["spec"]["suspend"] = json!(true);
    let mut debug = pod("shop", "debug-shell");
    debug["spec"]["volumes"] = json!([{"name": "creds", "secret": {"secretName": "db"}}]);
    let mut other = deployment("shop", "web", 1);
    other["spec"]["template"]["spec"]["containers"][0]["env"] = json!([
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}]);
    let objects = vec![
        namespace("shop"),
        node(),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
               "type": "Opaque", "data": {"password": "c2VjcmV0"}}),
        checkout,
        reports,
        debug,
        other,
    ];
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let users = stack.answer("what uses the db secret in shop").await;
    assert!(!users.error, "{users:?}");
    let lead: Vec<&str> = users.text.lines().take(4).collect();
    assert_eq!(
        lead,
        [
            "secret/db in namespace shop is used by 3 of the 4 workloads and pods read:",
            "  deployment/checkout: env DB_PASSWORD of container app (key password)",
            "  cronjob/reports: envFrom of container report",
            "  pod/debug-shell: volume creds",
        ],
        "{}",
        users.text
    );
    assert!(
        !users.text.contains("c2VjcmV0") && !users.text.contains("deployment/web:"),
        "{}",
        users.text
    );
    let unused = stack.answer("what uses secret api in namespace shop").await;
    assert!(unused.error, "no secret api exists: {unused:?}");
}

/// "Who am I": the current context's user, cluster and namespace in one
/// line before the kubeconfig, whose credentials stay redacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_am_i_is_answered_by_the_current_context_in_one_line() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let me = stack.answer("who am i").await;
    assert_eq!(me.tool.as_deref(), Some("configuration_view"), "{me:?}");
    let lead = me.text.lines().next().unwrap_or_default();
    assert!(
        lead.starts_with("You are ") && lead.contains(" in context sim (cluster "),
        "{}",
        me.text
    );
    assert!(me.text.contains("apiVersion: v1"), "{}", me.text);
}

/// "The ingress for web" where no Ingress is named web: the Ingress that
/// routes to Service web, read and said so; none routing to it → the
/// "not found" with the Ingresses there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingress_for_a_service_is_the_one_routing_to_it() {
    let ingress = |name: &str, service: &str| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": name, "namespace": "shop"},
               "spec": {"rules": [{"host": format!("{name}.example.com"), "http": {"paths": [
                   {"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}]}})
    };
    let objects = vec![
        namespace("shop"),
        node(),
        ingress("front", "web"),
        ingress("backoffice", "admin"),
    ];
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let routed = stack.answer("show the ingress for web in shop").await;
    assert!(
        !routed.error
            && routed.text.starts_with(
                "(no ingress is named web; ingress front in shop routes to service web)"
            )
            && routed.text.contains("front.example.com/ → service web:80")
            && !routed.text.contains("backoffice.example.com"),
        "{routed:?}"
    );
    let none = stack.answer("show the ingress for billing in shop").await;
    assert!(none.error && none.text.contains("backoffice"), "{none:?}");
}
