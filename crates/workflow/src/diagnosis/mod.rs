//! Deterministic diagnosis playbooks: what an on-call SRE reads, in the order
//! they read it, and the conclusion they would draw, without a language model.
//!
//! # Layout
//! - [`reader`]: the read-only cluster access the playbooks need
//!   ([`ClusterReader`]), implemented by the coordinator over the gateway.
//!   Its tool enum has no mutating member. [`GatewayReader`] is that reader
//!   over the real `mcp-gateway`, in the session's kube context.
//! - [`pod_failure`]: "why is my pod failing": container states and exit
//!   codes, previous logs, events, the owner chain, its node, live usage; names one
//!   [`Cause`], quotes the [`Evidence`], and proposes a fix as a
//!   [`ProposedChange`] that the coordinator turns into an ordinary plan.
//! - [`debug_pod`]: safe debugging: an ephemeral busybox/netshoot pod for a
//!   DNS or connectivity test, as create → test → remove calls for one
//!   approval, the reading of the result and the check that the pod is gone.
//! - [`health`]: the cluster health check: the server's `cluster-health-check`
//!   prompt and the lists it relies on, as one overview with severities.
//! - [`connectivity`]: "why can't A reach B": what the NetworkPolicies of
//!   both ends (the source's egress, the destination's ingress) decide
//!   about a connection a debug pod's test would not reproduce.
//! - [`pod_status`]: the pure reading of one Pod object into symptoms.
//! - [`pressure`]: pods near their limits or without limits, node
//!   allocatable against use and requests, Pending pods, quota usage.
//! - [`rbac`]: who can do what, what a ServiceAccount may do, risky grants.
//! - [`proposal`]: the manifests of proposed fixes (a whole owner object with
//!   one field changed, ready for `resources_create_or_update`).
//! - [`parse`]: the MCP server's answer shapes (objects, events, top tables).
//! - [`conditions`]: an object's `status.conditions`, read one way.
//! - [`node`]: what a Node says about itself (Ready, troubled conditions,
//!   taints), shared by every playbook and answer that shows a node.
//! - [`quantity`]: memory and CPU quantities and sensible rounding.
//!
//! Every playbook splits into *gathering* (a few reads through the reader,
//! preferring un-throttled single-object reads) and *concluding* (pure
//! functions over what was read), so the conclusions are unit-tested on
//! plain objects and the gathering end to end against the simulated cluster.

pub mod conditions;
pub mod connectivity;
pub mod debug_pod;
pub mod gateway_reader;
pub mod health;
pub mod node;
pub mod parse;
pub mod pod_failure;
pub mod pod_status;
pub mod pressure;
pub mod proposal;
pub mod quantity;
pub mod rbac;
pub mod reader;

use serde::{Deserialize, Serialize};

pub use gateway_reader::GatewayReader;
pub use pod_failure::{PodFailureTarget, diagnose_pod_failure};
pub use proposal::ProposedChange;
pub use reader::{ClusterReader, ReadCall, ReadError, ReadTool, ToolOutput};

/// A Kubernetes object a diagnosis is about or a fix applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    /// `v1`, `apps/v1`, ...
    pub api_version: String,
    /// `Pod`, `Deployment`, ...
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// Its namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
}

impl ObjectRef {
    /// The reference to a namespaced object.
    pub fn namespaced(api_version: &str, kind: &str, name: &str, namespace: &str) -> ObjectRef {
        ObjectRef {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(formatter, "{} {namespace}/{}", self.kind, self.name),
            None => write!(formatter, "{} {}", self.kind, self.name),
        }
    }
}

/// The root cause a pod-failure diagnosis names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The container was killed for exceeding its memory limit.
    OomKilled,
    /// The container keeps exiting with an error and is restarted with back-off.
    CrashLoopBackOff,
    /// The image cannot be pulled (wrong name or tag, or missing credentials).
    ImagePullBackOff,
    /// The image reference cannot be parsed (capitals in the repository, a
    /// stray colon): nothing is pulled at all.
    InvalidImageName,
    /// No node can take the pod (resources, taints, selectors, volumes).
    Unschedulable,
    /// The liveness probe kills the container.
    LivenessProbeFailure,
    /// The startup probe kills the container before it counts as started.
    StartupProbeFailure,
    /// The readiness probe fails: the pod runs but gets no traffic.
    ReadinessProbeFailure,
    /// A ConfigMap or Secret the container needs is missing.
    CreateContainerConfigError,
    /// A volume cannot be mounted (a ConfigMap or Secret volume whose
    /// object or key is missing): no container of the pod is created.
    FailedMount,
    /// An init container runs without completing (`Init:N/M`): the app
    /// containers never start, usually because it waits for something
    /// (a Service) that does not exist or does not answer.
    InitContainerWaiting,
    /// A Job's pods fail: it gave up (BackoffLimitExceeded), ran past its
    /// deadline (DeadlineExceeded), or is retrying.
    JobFailed,
    /// A CronJob (or Job) is suspended: nothing runs until it is resumed.
    Suspended,
    /// A CronJob with `concurrencyPolicy: Forbid` starts no new Job while
    /// one of its Jobs still runs (`JobAlreadyActive`): its runs are skipped.
    CronJobBlocked,
    /// A CronJob's controller counted more than 100 missed start times
    /// (`TooManyMissedTimes`): runs were lost while nothing started them.
    MissedSchedules,
    /// A Deployment or StatefulSet has no pods because it asks for none
    /// (`spec.replicas: 0`): nothing fails.
    ScaledToZero,
    /// A Deployment is paused: a changed pod template does not roll out.
    RolloutPaused,
    /// A HorizontalPodAutoscaler cannot scale its target: no metric it can
    /// compute (a missing request), no target, or held at its maximum.
    AutoscalerNotScaling,
    /// A workload has no pods because the API server refuses to create
    /// them (its controller's `FailedCreate`: a missing PriorityClass, an
    /// exceeded quota).
    PodCreationRefused,
    /// The pod's node is not Ready: no kubelet runs or reports its
    /// containers (and a deleted pod stays Terminating).
    NodeNotReady,
    /// A node reports MemoryPressure, DiskPressure or PIDPressure: its
    /// kubelet evicts pods and new pods are kept off it.
    NodePressure,
    /// A node is cordoned (`spec.unschedulable`): nothing new is placed on it.
    NodeCordoned,
    /// A cordoned node cannot be drained: a PodDisruptionBudget allows no
    /// eviction of a pod still on it.
    DrainBlocked,
    /// The kubelet evicted the pod: its node ran short of a resource
    /// (memory, disk, PIDs), or the pod wrote more ephemeral storage than
    /// its containers' limits allow.
    Evicted,
    /// A Service reaches no ready pod: its selector matches none, or the
    /// pods it selects are not ready.
    ServiceWithoutEndpoints,
    /// A Service sends traffic to a port its pods do not declare.
    ServicePortMismatch,
    /// A NetworkPolicy isolates a Service's pods for ingress and no policy
    /// admits traffic to the port the Service sends to: connections are
    /// dropped (clients time out).
    NetworkPolicyBlocksIngress,
    /// A NetworkPolicy isolates the source's pods for egress and no rule
    /// admits the destination (or the cluster DNS): its connections are
    /// dropped, or it resolves no name.
    NetworkPolicyBlocksEgress,
    /// A PersistentVolumeClaim is not bound (Pending: no class or volume
    /// can give it one; or Lost: its volume is gone): pods that mount it
    /// cannot start.
    VolumeClaimNotBound,
    /// An Ingress sends traffic to a backend Service that does not exist,
    /// does not expose the port it names, or reaches no ready pod.
    IngressBackendUnavailable,
    /// A DaemonSet places no pod: its node selection matches no node, or
    /// every node it selects has a taint it does not tolerate.
    NoEligibleNode,
    /// Nothing is wrong with the pod(s) examined.
    NoFailureFound,
}

impl Cause {
    /// The name an SRE would say, as Kubernetes shows it.
    pub fn title(self) -> &'static str {
        match self {
            Cause::OomKilled => "OOMKilled",
            Cause::CrashLoopBackOff => "CrashLoopBackOff",
            Cause::ImagePullBackOff => "ImagePullBackOff",
            Cause::InvalidImageName => "InvalidImageName (the image reference is not valid)",
            Cause::Unschedulable => "Pending (unschedulable)",
            Cause::LivenessProbeFailure => "failing liveness probe",
            Cause::StartupProbeFailure => "failing startup probe",
            Cause::ReadinessProbeFailure => "failing readiness probe",
            Cause::CreateContainerConfigError => "CreateContainerConfigError",
            Cause::FailedMount => "FailedMount (a volume cannot be mounted)",
            Cause::InitContainerWaiting => "init container not completing (Init)",
            Cause::JobFailed => "Job failed",
            Cause::Suspended => "suspended (nothing runs until resumed)",
            Cause::CronJobBlocked => "CronJob runs skipped (concurrencyPolicy Forbid)",
            Cause::MissedSchedules => "CronJob missed start times (TooManyMissedTimes)",
            Cause::ScaledToZero => "scaled to zero replicas",
            Cause::RolloutPaused => "rollout paused",
            Cause::AutoscalerNotScaling => "HorizontalPodAutoscaler not scaling",
            Cause::PodCreationRefused => "pods refused by the API server (FailedCreate)",
            Cause::NodeNotReady => "node not ready",
            Cause::NodePressure => "node under pressure",
            Cause::NodeCordoned => "node cordoned",
            Cause::DrainBlocked => "drain blocked by a PodDisruptionBudget",
            Cause::Evicted => "Evicted by the kubelet",
            Cause::ServiceWithoutEndpoints => "Service without ready endpoints",
            Cause::ServicePortMismatch => "Service targetPort matches no container port",
            Cause::NetworkPolicyBlocksIngress => "NetworkPolicy admits no ingress",
            Cause::NetworkPolicyBlocksEgress => "NetworkPolicy admits no egress to the destination",
            Cause::VolumeClaimNotBound => "PersistentVolumeClaim not bound",
            Cause::IngressBackendUnavailable => "Ingress backend unavailable",
            Cause::NoEligibleNode => "DaemonSet places no pod (no eligible node)",
            Cause::NoFailureFound => "no failure found",
        }
    }
}

/// One quoted fact that supports the conclusion, with where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Where it was read, e.g. `pod demo/web-1 status`, `events`, `previous logs of app`.
    pub source: String,
    /// The fact, quoted from what the cluster returned.
    pub quote: String,
}

impl Evidence {
    /// Evidence from `source` quoting `quote`.
    pub fn new(source: impl Into<String>, quote: impl Into<String>) -> Evidence {
        Evidence {
            source: source.into(),
            quote: quote.into(),
        }
    }
}

/// The outcome of a playbook: the cause, why we believe it, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The pod (or other object) diagnosed.
    pub subject: ObjectRef,
    /// The root cause.
    pub cause: Cause,
    /// One or two sentences naming the cause in context.
    pub summary: String,
    /// The quoted facts, most telling first.
    pub evidence: Vec<Evidence>,
    /// A fix ready to become a plan, when the evidence determines one.
    pub proposal: Option<ProposedChange>,
    /// Follow-up requests a human could make (plain words kubeop understands).
    pub next_steps: Vec<String>,
    /// Other failing pods seen while resolving the target, with their cause.
    pub other_failing_pods: Vec<String>,
    /// How many tool calls the playbook made.
    pub tool_calls: usize,
}

impl Diagnosis {
    /// A playbook's conclusion about `subject`. The other failing pods and
    /// the number of calls are left empty: only `diagnose_pod_failure`,
    /// which resolved the target and counted the reads, knows them.
    pub fn new(
        subject: ObjectRef,
        cause: Cause,
        summary: String,
        evidence: Vec<Evidence>,
        proposal: Option<ProposedChange>,
        next_steps: Vec<String>,
    ) -> Diagnosis {
        Diagnosis {
            subject,
            cause,
            summary,
            evidence,
            proposal,
            next_steps,
            other_failing_pods: Vec::new(),
            tool_calls: 0,
        }
    }
}

/// Why a playbook could not conclude.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagnosisError {
    /// A read could not be made.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A read returned something the playbook could not understand.
    #[error(transparent)]
    Parse(#[from] parse::ParseError),
    /// Nothing matches the target.
    #[error(
        "no pod, workload, Service, PersistentVolumeClaim, Ingress or pod name prefix matches `{target}`{scope}"
    )]
    TargetNotFound {
        /// The name asked about.
        target: String,
        /// ` in namespace X`, or empty.
        scope: String,
    },
    /// A tool failed in a way that is not evidence (e.g. forbidden).
    #[error("{tool} failed: {message}")]
    ToolFailed {
        /// The tool.
        tool: &'static str,
        /// Its message.
        message: String,
    },
}
