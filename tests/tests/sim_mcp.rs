//! The real `kubernetes-mcp-server` 0.0.67 over stdio against the simulated
//! cluster: every tool and the `cluster-health-check` prompt, asserting on
//! what each result says (names, states, numbers), with a kubeconfig of one
//! context and with one of two contexts (where the `context` argument must
//! route each call to the right cluster).
//!
//! The test speaks MCP with rmcp directly (the product's gateway is tested on
//! its own), pinned to protocol version 2025-06-18 as the server speaks it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, GetPromptRequestParams,
    Implementation, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};
use sim::kubeconfig::{self, ReadOnlyContexts};
use sim::registry;
use sim::scenario::Scenario;
use sim::store::ListOptions;
use sim::{ClusterOptions, SimCluster};

/// A safety net, not a measurement: a call that takes this long is hung.
const CALL_DEADLINE: Duration = Duration::from_secs(90);

/// How long a scale is given to converge before the test gives up.
const CONVERGENCE_DEADLINE: Duration = Duration::from_secs(90);

/// The second cluster of the two-context tests: small and unmistakable.
const EDGE_SCENARIO: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: edge-apps}
---
apiVersion: v1
kind: Node
metadata:
  name: edge-node-1
  annotations: {sim.kubeop.dev/cpu-usage: 300m, sim.kubeop.dev/memory-usage: 900Mi}
spec: {podCIDR: 10.245.1.0/24}
status:
  capacity: {cpu: \"2\", memory: 4Gi, pods: \"110\"}
  allocatable: {cpu: 1900m, memory: 3Gi, pods: \"110\"}
  addresses: [{type: InternalIP, address: 10.1.0.5}]
  conditions: [{type: Ready, status: \"True\", reason: KubeletReady, message: kubelet is posting ready status}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: edge-cache, namespace: edge-apps}
spec:
  replicas: 1
  selector: {matchLabels: {app: edge-cache}}
  template:
    metadata: {labels: {app: edge-cache}}
    spec:
      containers:
      - {name: varnish, image: varnish:7.6, resources: {requests: {cpu: 100m, memory: 128Mi}}}
";

struct Mcp {
    service: RunningService<RoleClient, ClientConfig>,
}

/// One tool result: its text and whether it is an error.
#[derive(Debug)]
struct Reply {
    text: String,
    is_error: bool,
}

impl Mcp {
    async fn start(kubeconfig: &Path) -> Mcp {
        let mut command = tokio::process::Command::new(e2e::mcp_server_binary());
        command.arg("--kubeconfig").arg(kubeconfig);
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(Stdio::null())
            .spawn()
            .expect("the MCP server starts");
        let config = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("kubeop-e2e", "0.1.0"),
        )
        .with_protocol_version(ProtocolVersion::V_2025_06_18);
        let service = tokio::time::timeout(CALL_DEADLINE, config.serve(transport))
            .await
            .expect("initialize answered")
            .expect("initialize succeeded");
        Mcp { service }
    }

    async fn tool_names(&self) -> Vec<String> {
        let tools = self
            .service
            .peer()
            .list_all_tools()
            .await
            .expect("tools/list");
        let mut names: Vec<String> = tools.iter().map(|tool| tool.name.to_string()).collect();
        names.sort();
        names
    }

    async fn call(&self, tool: &str, arguments: Value, context: Option<&str>) -> Reply {
        let mut arguments: Map<String, Value> = arguments.as_object().cloned().unwrap_or_default();
        if let Some(context) = context {
            arguments.insert("context".to_string(), json!(context));
        }
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let result = tokio::time::timeout(CALL_DEADLINE, self.service.peer().call_tool(params))
            .await
            .unwrap_or_else(|_| panic!("{tool} did not answer"))
            .unwrap_or_else(|error| panic!("{tool} failed at the protocol level: {error}"));
        let value = serde_json::to_value(&result).expect("a result serializes");
        let text = value["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|block| block["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n");
        Reply {
            text,
            is_error: value["isError"].as_bool().unwrap_or(false),
        }
    }

    /// A call that must succeed; returns its text.
    async fn ok(&self, tool: &str, arguments: Value, context: Option<&str>) -> String {
        let reply = self.call(tool, arguments.clone(), context).await;
        assert!(!reply.is_error, "{tool} {arguments} failed: {}", reply.text);
        reply.text
    }

    async fn prompt(&self, name: &str, arguments: Value, context: Option<&str>) -> String {
        let mut arguments: Map<String, Value> = arguments.as_object().cloned().unwrap_or_default();
        if let Some(context) = context {
            arguments.insert("context".to_string(), json!(context));
        }
        let params = GetPromptRequestParams::new(name).with_arguments(arguments);
        let result = tokio::time::timeout(CALL_DEADLINE, self.service.peer().get_prompt(params))
            .await
            .expect("the prompt answered")
            .expect("prompts/get succeeded");
        let value = serde_json::to_value(&result).expect("a result serializes");
        value["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|message| message["content"]["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn assert_contains(text: &str, expected: &[&str], what: &str) {
    for needle in expected {
        assert!(
            text.contains(needle),
            "{what}: `{needle}` missing from:\n{text}"
        );
    }
}

/// The names of the pods in `namespace` whose name starts with `prefix`.
fn pods_named(cluster: &SimCluster, namespace: &str, prefix: &str) -> Vec<Value> {
    let (pods, _) = cluster
        .store()
        .list(&registry::PODS, &ListOptions::in_namespace(namespace))
        .expect("pods list");
    pods.into_iter()
        .filter(|pod| {
            pod["metadata"]["name"]
                .as_str()
                .is_some_and(|name| name.starts_with(prefix))
        })
        .collect()
}

fn name_of(pod: &Value) -> String {
    pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn start_cluster(scenario: &Scenario) -> SimCluster {
    SimCluster::start(
        scenario.objects_at(SystemTime::now()),
        ClusterOptions::new(&scenario.name),
    )
    .await
    .expect("the simulated cluster starts")
}

/// Every tool of the server (and the health-check prompt) against the demo
/// cluster, with `context` passed on every call when given.
async fn exercise_every_tool(mcp: &Mcp, demo: &SimCluster, context: Option<&str>) {
    let checkout = name_of(&pods_named(demo, "production", "checkout-")[0]);
    let payment = name_of(&pods_named(demo, "production", "payment-service-")[0]);
    let staging_nginx = name_of(&pods_named(demo, "staging", "nginx-")[0]);

    // configuration_view: the kubeconfig the server reads.
    let view = mcp
        .ok("configuration_view", json!({"minified": false}), None)
        .await;
    assert_contains(
        &view,
        &["demo", demo.url().as_str(), "current-context"],
        "configuration_view",
    );

    // namespaces_list: the demo's namespaces.
    let namespaces = mcp.ok("namespaces_list", json!({}), context).await;
    assert_contains(
        &namespaces,
        &[
            "production",
            "staging",
            "monitoring",
            "kube-system",
            "default",
        ],
        "namespaces_list",
    );

    // pods_list: every namespace, with the failing pods' states.
    let pods = mcp.ok("pods_list", json!({}), context).await;
    assert_contains(
        &pods,
        &[
            &checkout,
            &payment,
            "coredns-",
            "node-exporter-",
            "CrashLoopBackOff",
            "ImagePullBackOff",
        ],
        "pods_list",
    );
    let selected = mcp
        .ok(
            "pods_list",
            json!({"labelSelector": "app=payment-service"}),
            context,
        )
        .await;
    assert_contains(&selected, &[&payment], "pods_list with a label selector");
    assert!(
        !selected.contains(&checkout),
        "the label selector is applied: {selected}"
    );

    // pods_list_in_namespace: only staging.
    let staging = mcp
        .ok(
            "pods_list_in_namespace",
            json!({"namespace": "staging"}),
            context,
        )
        .await;
    assert_contains(
        &staging,
        &[
            &staging_nginx,
            "notification-service-",
            "report-generator-",
            "Pending",
        ],
        "pods_list_in_namespace",
    );
    assert!(!staging.contains(&checkout), "only staging pods: {staging}");

    // pods_get: the crash-looping pod's exit code, restarts and reason.
    let pod = mcp
        .ok(
            "pods_get",
            json!({"namespace": "production", "name": checkout}),
            context,
        )
        .await;
    assert_contains(
        &pod,
        &[
            "CrashLoopBackOff",
            "restartCount: 14",
            "exitCode: 1",
            "reason: Error",
            "ghcr.io/acme/checkout:3.2.0",
        ],
        "pods_get",
    );

    // pods_log: current and previous logs; a pod without a previous instance.
    let log = mcp
        .ok(
            "pods_log",
            json!({"namespace": "production", "name": checkout}),
            context,
        )
        .await;
    assert_contains(&log, &["connecting to postgres"], "pods_log");
    let previous = mcp
        .ok(
            "pods_log",
            json!({"namespace": "production", "name": checkout, "previous": true, "tail": 2}),
            context,
        )
        .await;
    assert_contains(
        &previous,
        &["password authentication failed for user \"checkout\""],
        "pods_log --previous",
    );
    assert_eq!(previous.lines().count(), 2, "tail 2: {previous}");
    let no_previous = mcp
        .call(
            "pods_log",
            json!({"namespace": "staging", "name": staging_nginx, "previous": true}),
            context,
        )
        .await;
    assert!(
        no_previous.is_error,
        "no previous container: {no_previous:?}"
    );
    assert_contains(
        &no_previous.text,
        &["previous terminated container \"nginx\"", "not found"],
        "pods_log --previous without one",
    );

    // pods_top: the OOMKilled pod near its 512Mi limit.
    let top = mcp.ok("pods_top", json!({}), context).await;
    assert_contains(&top, &[&payment, "410m", "501Mi"], "pods_top");
    let top_one = mcp
        .ok(
            "pods_top",
            json!({"all_namespaces": false, "namespace": "staging", "name": staging_nginx}),
            context,
        )
        .await;
    assert_contains(
        &top_one,
        &[&staging_nginx, "3m", "12Mi"],
        "pods_top of one pod",
    );

    // pods_exec: DNS through the cluster's Services, and a non-zero exit.
    let resolved = mcp
        .ok("pods_exec", json!({"namespace": "staging", "name": staging_nginx, "command": ["getent", "hosts", "nginx"]}), context)
        .await;
    assert_contains(
        &resolved,
        &["10.96.120.33", "nginx.staging.svc.cluster.local"],
        "pods_exec getent",
    );
    let echoed = mcp
        .ok("pods_exec", json!({"namespace": "staging", "name": staging_nginx, "command": ["echo", "hello from the sim"]}), context)
        .await;
    assert_eq!(echoed.trim(), "hello from the sim");
    let failed = mcp
        .call("pods_exec", json!({"namespace": "staging", "name": staging_nginx, "command": ["sh", "-c", "exit 3"]}), context)
        .await;
    assert!(failed.is_error, "a non-zero exit is an error: {failed:?}");
    assert_contains(&failed.text, &["exit code 3"], "pods_exec non-zero exit");

    // pods_run, then pods_delete of the same pod.
    let run = mcp
        .ok(
            "pods_run",
            json!({"namespace": "default", "name": "e2e-debug", "image": "busybox:1.36"}),
            context,
        )
        .await;
    assert_contains(
        &run,
        &[
            "have been created or updated successfully",
            "e2e-debug",
            "busybox:1.36",
        ],
        "pods_run",
    );
    assert_eq!(
        pods_named(demo, "default", "e2e-debug").len(),
        1,
        "the debug pod exists"
    );
    let deleted = mcp
        .ok(
            "pods_delete",
            json!({"namespace": "default", "name": "e2e-debug"}),
            context,
        )
        .await;
    assert_contains(&deleted, &["Pod deleted successfully"], "pods_delete");
    // A running pod terminates gracefully: it is gone once its kubelet stopped it.
    let started = Instant::now();
    let gone = loop {
        let reply = mcp
            .call(
                "pods_get",
                json!({"namespace": "default", "name": "e2e-debug"}),
                context,
            )
            .await;
        if reply.is_error {
            break reply;
        }
        assert!(
            reply.text.contains("deletionTimestamp"),
            "a deleted pod that still exists is terminating: {}",
            reply.text
        );
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "the deleted pod never went away"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_contains(
        &gone.text,
        &["pods \"e2e-debug\" not found"],
        "pods_get after delete",
    );

    // resources_list and resources_get.
    let deployments = mcp
        .ok(
            "resources_list",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "production"}),
            context,
        )
        .await;
    assert_contains(
        &deployments,
        &[
            "web-frontend",
            "api-gateway",
            "checkout",
            "payment-service",
            "redis",
        ],
        "resources_list",
    );
    let nodes = mcp
        .ok(
            "resources_list",
            json!({"apiVersion": "v1", "kind": "Node"}),
            context,
        )
        .await;
    assert_contains(
        &nodes,
        &["node-1", "node-2", "node-3", "Ready"],
        "resources_list nodes",
    );
    let cron_jobs = mcp
        .ok(
            "resources_list",
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "namespace": "production"}),
            context,
        )
        .await;
    assert_contains(
        &cron_jobs,
        &["db-backup", "30 2 * * *"],
        "resources_list cronjobs",
    );
    let endpoints = mcp
        .ok(
            "resources_list",
            json!({"apiVersion": "v1", "kind": "Endpoints", "namespace": "production"}),
            context,
        )
        .await;
    assert_contains(
        &endpoints,
        &["web-frontend", "10.244."],
        "resources_list endpoints",
    );
    let slices = mcp
        .ok(
            "resources_list",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "namespace": "production"}),
            context,
        )
        .await;
    assert_contains(
        &slices,
        &["web-frontend-", "IPv4"],
        "resources_list endpointslices",
    );
    let config_map = mcp
        .ok("resources_get", json!({"apiVersion": "v1", "kind": "ConfigMap", "namespace": "production", "name": "api-gateway-config"}), context)
        .await;
    assert_contains(
        &config_map,
        &["REDIS_ADDR: redis.production.svc.cluster.local:6379"],
        "resources_get",
    );

    // resources_create_or_update, then resources_delete of it.
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2e-settings\n  namespace: staging\ndata:\n  mode: canary\n";
    let created = mcp
        .ok(
            "resources_create_or_update",
            json!({"resource": manifest}),
            context,
        )
        .await;
    assert_contains(
        &created,
        &["e2e-settings", "mode: canary"],
        "resources_create_or_update",
    );
    let read_back = mcp
        .ok("resources_get", json!({"apiVersion": "v1", "kind": "ConfigMap", "namespace": "staging", "name": "e2e-settings"}), context)
        .await;
    assert_contains(&read_back, &["mode: canary"], "resources_get after create");
    let removed = mcp
        .ok("resources_delete", json!({"apiVersion": "v1", "kind": "ConfigMap", "namespace": "staging", "name": "e2e-settings"}), context)
        .await;
    assert_contains(&removed, &["deleted successfully"], "resources_delete");
    let missing = mcp
        .call("resources_get", json!({"apiVersion": "v1", "kind": "ConfigMap", "namespace": "staging", "name": "e2e-settings"}), context)
        .await;
    assert!(
        missing.is_error && missing.text.contains("not found"),
        "deleted: {missing:?}"
    );

    // resources_scale: read, scale staging/nginx to 4, and see it converge.
    let scale = mcp
        .ok("resources_scale", json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "staging", "name": "nginx"}), context)
        .await;
    assert_contains(&scale, &["replicas: 2"], "resources_scale read");
    let scaled = mcp
        .ok("resources_scale", json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "staging", "name": "nginx", "scale": 4}), context)
        .await;
    assert_contains(&scaled, &["replicas: 4"], "resources_scale write");
    let started = Instant::now();
    loop {
        let deployment = mcp
            .ok("resources_get", json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "staging", "name": "nginx"}), context)
            .await;
        if deployment.contains("readyReplicas: 4") {
            assert_contains(
                &deployment,
                &["availableReplicas: 4", "updatedReplicas: 4"],
                "converged deployment",
            );
            break;
        }
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "staging/nginx never reached 4 ready replicas:\n{deployment}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    mcp.ok("resources_scale", json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "staging", "name": "nginx", "scale": 2}), context)
        .await;

    // events_list: the crash loop's back-off and restarts (the demo's
    // twelve-day-old events are past the API server's event TTL) and the
    // scheduler's refusal.
    let events = mcp
        .ok("events_list", json!({"namespace": "production"}), context)
        .await;
    assert_contains(
        &events,
        &[
            "BackOff",
            "Back-off restarting failed container checkout",
            "Started",
        ],
        "events_list",
    );
    let staging_events = mcp
        .ok("events_list", json!({"namespace": "staging"}), context)
        .await;
    assert_contains(
        &staging_events,
        &[
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient memory.",
            "ImagePullBackOff",
            "Back-off pulling image",
        ],
        "events_list staging",
    );

    // nodes_top, nodes_stats_summary, nodes_log.
    let nodes_top = mcp.ok("nodes_top", json!({}), context).await;
    assert_contains(
        &nodes_top,
        &["node-1", "node-2", "node-3", "1840m", "9876Mi"],
        "nodes_top",
    );
    let summary = mcp
        .ok("nodes_stats_summary", json!({"name": "node-2"}), context)
        .await;
    let summary: Value = serde_json::from_str(&summary).expect("the summary is JSON");
    assert_eq!(summary["node"]["nodeName"], "node-2");
    assert_eq!(summary["node"]["cpu"]["usageNanoCores"], 1_215_000_000_i64);
    assert!(
        summary["pods"]
            .as_array()
            .is_some_and(|pods| !pods.is_empty()),
        "pods on node-2"
    );
    let kubelet = mcp
        .ok(
            "nodes_log",
            json!({"name": "node-1", "query": "kubelet", "tailLines": 5}),
            context,
        )
        .await;
    assert_contains(
        &kubelet,
        &["Memory cgroup out of memory: Killed process 48213 (java)"],
        "nodes_log",
    );
    assert_eq!(kubelet.lines().count(), 5, "tailLines 5: {kubelet}");

    // projects_list: an OpenShift tool on a plain Kubernetes cluster fails clearly.
    let projects = mcp.call("projects_list", json!({}), context).await;
    assert!(
        projects.is_error,
        "no OpenShift projects here: {projects:?}"
    );
    assert!(!projects.text.is_empty(), "the failure says why");

    // The health-check prompt: nodes, failing pods, the unbound claim.
    let report = mcp.prompt("cluster-health-check", json!({}), context).await;
    assert_contains(
        &report,
        &[
            "**Total:** 3 | **Healthy:** 3",
            &checkout,
            "CrashLoopBackOff",
            "production/checkout** (Ready: 0/2)",
            "staging/report-archive** (Status: Pending)",
            "PVC not bound",
        ],
        "cluster-health-check",
    );
    let scoped = mcp
        .prompt(
            "cluster-health-check",
            json!({"namespace": "staging"}),
            context,
        )
        .await;
    assert_contains(
        &scoped,
        &["notification-service-", "report-generator-"],
        "cluster-health-check in staging",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_against_one_context() {
    let demo = start_cluster(&Scenario::demo()).await;
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("kubeconfig");
    kubeconfig::write(
        &path,
        &kubeconfig::render(&[demo.kubeconfig_entry()], ReadOnlyContexts::Omit),
    )
    .expect("kubeconfig written");
    let mcp = Mcp::start(&path).await;
    let tools = mcp.tool_names().await;
    assert_eq!(tools.len(), 20, "one context: 20 tools, got {tools:?}");
    exercise_every_tool(&mcp, &demo, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_against_two_contexts_routes_by_context() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let edge_file = directory.path().join("edge.yaml");
    std::fs::write(&edge_file, EDGE_SCENARIO).expect("scenario written");
    let edge =
        start_cluster(&Scenario::from_file(&edge_file).expect("the edge scenario is valid")).await;
    let demo = start_cluster(&Scenario::demo()).await;
    let path = directory.path().join("kubeconfig");
    // The edge cluster is the current context: a call that ignored `context`
    // would land there and miss every demo object.
    let entries = [edge.kubeconfig_entry(), demo.kubeconfig_entry()];
    kubeconfig::write(&path, &kubeconfig::render(&entries, ReadOnlyContexts::Omit))
        .expect("kubeconfig written");
    let mcp = Mcp::start(&path).await;

    let tools = mcp.tool_names().await;
    assert_eq!(tools.len(), 21, "two contexts: 21 tools, got {tools:?}");
    let contexts = mcp.ok("configuration_contexts_list", json!({}), None).await;
    assert_contains(
        &contexts,
        &[
            "Available Kubernetes contexts (2 total, default: edge)",
            "*edge -> ",
            "demo -> ",
            demo.url().as_str(),
            edge.url().as_str(),
        ],
        "configuration_contexts_list",
    );

    // Without a context: the current (edge) cluster.
    let namespaces = mcp.ok("namespaces_list", json!({}), None).await;
    assert!(
        namespaces.contains("edge-apps") && !namespaces.contains("production"),
        "{namespaces}"
    );
    let edge_pods = mcp
        .ok(
            "pods_list_in_namespace",
            json!({"namespace": "edge-apps"}),
            Some("edge"),
        )
        .await;
    assert_contains(&edge_pods, &["edge-cache-"], "pods on the edge cluster");
    let edge_top = mcp.ok("nodes_top", json!({}), Some("edge")).await;
    assert_contains(
        &edge_top,
        &["edge-node-1", "300m", "900Mi"],
        "nodes_top on the edge cluster",
    );
    let elsewhere = mcp
        .call(
            "pods_list_in_namespace",
            json!({"namespace": "edge-apps"}),
            Some("demo"),
        )
        .await;
    assert!(
        !elsewhere.text.contains("edge-cache-"),
        "the demo cluster has no edge pods: {elsewhere:?}"
    );
    let bogus = mcp.call("namespaces_list", json!({}), Some("bogus")).await;
    assert!(
        bogus.is_error && bogus.text.contains("bogus"),
        "an unknown context is refused: {bogus:?}"
    );

    // Every tool on the demo cluster, routed there by `context`.
    exercise_every_tool(&mcp, &demo, Some("demo")).await;
}
