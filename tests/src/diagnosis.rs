//! A simulated cluster from a scenario file, the real `kubernetes-mcp-server`
//! behind the real gateway, and the playbooks' reader over it: what the
//! diagnosis end-to-end tests and the pod-failure benchmark run against.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use hitl::grant::{GrantKey, GrantVerifier, PlanHash};
use mcp_gateway::{Gateway, GatewayConfig, ServerCommand, ToolCall, ToolOutput};
use serde_json::{Map, Value};
use workflow::diagnosis::health::health_check;
use workflow::diagnosis::{
    Cause, ClusterReader, Diagnosis, GatewayReader, PodFailureTarget, ProposedChange, ReadCall,
    ReadError, diagnose_pod_failure,
};

use crate::{SimEnv, mcp_server_binary, repo_root};

/// How long the real server may take to start against the simulated cluster.
const SERVER_START_LIMIT: Duration = Duration::from_secs(60);

/// A scenario file of `tests/scenarios/`.
pub fn scenario_path(name: &str) -> PathBuf {
    repo_root()
        .join("tests/scenarios")
        .join(format!("{name}.yaml"))
}

/// The scenario `tests/scenarios/NAME.yaml`, or the built-in demo for `demo`.
pub fn scenario(name: &str) -> sim::scenario::Scenario {
    if name == sim::scenario::DEMO_SCENARIO_NAME {
        return sim::scenario::Scenario::demo();
    }
    sim::scenario::Scenario::from_file(&scenario_path(name))
        .unwrap_or_else(|error| panic!("scenario {name}: {error}"))
}

/// A running cluster with the gateway in front of the real MCP server.
#[derive(Debug)]
pub struct DiagnosisEnv {
    /// The cluster and its kubeconfig (for kubectl).
    pub sim: SimEnv,
    /// The gateway to the real server.
    pub gateway: Gateway,
    /// Issues grants for the mutating calls a test approves.
    grants: GrantKey,
    /// Numbers the approved calls: a grant is single-use per plan.
    approvals: AtomicUsize,
}

impl DiagnosisEnv {
    /// Starts `tests/scenarios/NAME.yaml` (or the built-in demo for `demo`)
    /// and the gateway, and waits until the server is ready.
    pub async fn start(scenario: &str) -> Self {
        let loaded = self::scenario(scenario);
        let sim = SimEnv::start(&loaded.name, loaded.objects).await;
        let grants = GrantKey::generate().expect("randomness for a grant key");
        let mut config = GatewayConfig::with_server(ServerCommand::binary(mcp_server_binary()));
        config.kubeconfig = Some(sim.kubeconfig.clone());
        let gateway = Gateway::start(config, GrantVerifier::new(grants.clone()))
            .await
            .expect("the gateway starts");
        gateway
            .wait_ready(SERVER_START_LIMIT)
            .await
            .expect("the real MCP server initializes against the simulated cluster");
        Self {
            sim,
            gateway,
            grants,
            approvals: AtomicUsize::new(0),
        }
    }

    /// The playbooks' reader, in the server's current context.
    pub fn reader(&self) -> GatewayReader<'_> {
        GatewayReader::new(&self.gateway, None)
    }

    /// Calls a mutating tool as if a human had approved exactly this call.
    pub async fn approved_call(&self, tool: &str, arguments: Map<String, Value>) -> ToolOutput {
        let plan_id = format!(
            "e2e-plan-{}",
            self.approvals.fetch_add(1, Ordering::Relaxed)
        );
        let grant = self.grants.issue(
            &plan_id,
            PlanHash::of_call(tool, &arguments),
            "e2e-approver",
            SystemTime::now(),
            Duration::from_secs(60),
        );
        self.gateway
            .call(ToolCall::new(tool, arguments).with_grant(grant))
            .await
            .unwrap_or_else(|error| panic!("{tool} did not reach the server: {error}"))
    }

    /// Runs `kubectl ARGS` until its output satisfies `ready` (see
    /// [`SimEnv::kubectl_until`]).
    pub async fn kubectl_until(&self, args: &[&str], ready: impl Fn(&str) -> bool) -> String {
        self.sim.kubectl_until(args, ready).await
    }

    /// [`SimEnv::field_until`] on this cluster.
    pub async fn field_until(
        &self,
        object: &str,
        namespace: Option<&str>,
        jsonpath: &str,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        self.sim
            .field_until(object, namespace, jsonpath, ready)
            .await
    }

    /// [`SimEnv::events_until`] on this cluster.
    pub async fn events_until(
        &self,
        namespace: &str,
        reason: &str,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        self.sim.events_until(namespace, reason, ready).await
    }

    /// Waits until `kubectl get pods -n NAMESPACE [EXTRA]` shows what `ready` wants.
    pub async fn pods_until(&self, namespace: &str, extra: &[&str], ready: impl Fn(&str) -> bool) {
        let mut args = vec!["get", "pods", "-n", namespace];
        args.extend(extra);
        self.kubectl_until(&args, ready).await;
    }

    /// Asserts that the health check of `namespace` reports nothing about
    /// `name`: a healthy decoy is never listed beside the failures.
    pub async fn assert_health_omits(&self, namespace: &str, name: &str) {
        let report = health_check(&self.reader(), Some(namespace))
            .await
            .expect("the health check");
        assert!(
            report.items.iter().all(|item| !item.subject.contains(name)),
            "{name} is healthy and not reported: {:#?}",
            report.items
        );
    }

    /// Diagnoses `name` (a pod, Deployment or name prefix) in `namespace`,
    /// expecting `cause`.
    pub async fn diagnosed(&self, name: &str, namespace: &str, cause: Cause) -> Diagnosis {
        let diagnosis = diagnose_pod_failure(&self.reader(), &target(name, namespace))
            .await
            .unwrap_or_else(|error| panic!("diagnosing {namespace}/{name}: {error}"));
        assert_eq!(
            diagnosis.cause,
            cause,
            "{}\n{}",
            diagnosis.summary,
            evidence(&diagnosis)
        );
        diagnosis
    }

    /// Waits until the scheduler's `FailedScheduling` in `namespace` says
    /// `scheduler_says`, then diagnoses `name` there: Unschedulable, its
    /// PodScheduled condition quoting the scheduler, and no plan.
    pub async fn unschedulable(
        &self,
        name: &str,
        namespace: &str,
        scheduler_says: &str,
    ) -> Diagnosis {
        let events = self
            .events_until(namespace, "FailedScheduling", |out| {
                out.contains(scheduler_says)
            })
            .await;
        assert!(events.contains(scheduler_says), "{events}");
        let diagnosis = self.diagnosed(name, namespace, Cause::Unschedulable).await;
        assert_quoted(&diagnosis, &format!("PodScheduled=False: {scheduler_says}"));
        assert!(diagnosis.proposal.is_none(), "{:?}", diagnosis.proposal);
        diagnosis
    }

    /// Applies a proposed fix as if a human had approved it.
    pub async fn apply(&self, proposal: &ProposedChange) {
        let applied = self
            .approved_call(
                workflow::diagnosis::proposal::APPLY_TOOL,
                proposal.tool_arguments(),
            )
            .await;
        assert!(!applied.is_error, "{}", applied.text);
    }
}

/// The playbooks' reader over the real server, noting every call it makes:
/// what a playbook costs when it answers with an error rather than a
/// diagnosis (which counts its own calls).
#[derive(Debug)]
pub struct CountingReader<'g> {
    /// The reader the calls go through.
    inner: GatewayReader<'g>,
    /// Each call made, as `tool {arguments}`.
    calls: Mutex<Vec<String>>,
}

impl<'g> CountingReader<'g> {
    /// Counts the calls of `env`'s reader.
    pub fn new(env: &'g DiagnosisEnv) -> Self {
        Self {
            inner: env.reader(),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The calls made so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("no panic while counting").clone()
    }
}

impl ClusterReader for CountingReader<'_> {
    async fn call(&self, call: ReadCall) -> Result<workflow::diagnosis::ToolOutput, ReadError> {
        self.calls
            .lock()
            .expect("no panic while counting")
            .push(format!(
                "{} {}",
                call.tool.name(),
                Value::Object(call.arguments.clone())
            ));
        self.inner.call(call).await
    }

    async fn prompt(&self, name: &str, arguments: Map<String, Value>) -> Result<String, ReadError> {
        self.calls
            .lock()
            .expect("no panic while counting")
            .push(format!("prompt {name}"));
        self.inner.prompt(name, arguments).await
    }
}

/// The pod-failure target `name` in `namespace`.
pub fn target(name: &str, namespace: &str) -> PodFailureTarget {
    PodFailureTarget {
        name: name.to_string(),
        namespace: Some(namespace.to_string()),
    }
}

/// Every evidence line as `[source] quote`, for assertions and failure output.
pub fn evidence(diagnosis: &Diagnosis) -> String {
    diagnosis
        .evidence
        .iter()
        .map(|evidence| format!("[{}] {}", evidence.source, evidence.quote))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that the diagnosis quotes `expected` among its evidence.
pub fn assert_quoted(diagnosis: &Diagnosis, expected: &str) {
    let all = evidence(diagnosis);
    assert!(
        all.contains(expected),
        "evidence lacks {expected:?}:\n{all}\nsummary: {}",
        diagnosis.summary
    );
}

/// Asserts that the diagnosis's summary says `expected`.
pub fn assert_says(diagnosis: &Diagnosis, expected: &str) {
    assert!(
        diagnosis.summary.contains(expected),
        "summary lacks {expected:?}:\n{}\nevidence:\n{}",
        diagnosis.summary,
        evidence(diagnosis)
    );
}
