//! The classifier's answer: an [`Intent`], serialised exactly as the
//! `kubeop classify --json` contract of design.md prescribes.
//!
//! These types are an IPC boundary (the CLI prints them, the daemon sends them
//! over its socket, other crates read them), so they derive `Serialize` and
//! `Deserialize` and their field names are the MCP server's own argument names.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What kubeop should do with one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "path", rename_all = "snake_case")]
pub enum Intent {
    /// One read-only tool call on the fast path.
    ReadOnly {
        /// The MCP tool to call.
        tool: Tool,
        /// Its arguments, named as the MCP server names them.
        arguments: Arguments,
    },
    /// The cluster health overview (the server's `cluster-health-check` prompt).
    HealthCheck {
        /// `namespace` when the check is scoped, `context` when a cluster is named.
        arguments: Arguments,
    },
    /// A root-cause playbook.
    Diagnose {
        /// Which playbook.
        playbook: Playbook,
        /// `name` and `namespace` of the subject where the request gives them.
        arguments: Arguments,
    },
    /// A change: goes through planning, approval, execution and verification.
    Mutation {
        /// The kind of change, which decides the plan's content and verification.
        operation: Operation,
        /// The MCP tool that executes the change.
        tool: Tool,
        /// Its exact arguments.
        arguments: Arguments,
        /// The request named no kind ("restart postgres", "scale api to 3")
        /// and the classifier assumed a Deployment, the usual workload: the
        /// workflow may then look for a StatefulSet or DaemonSet of that
        /// name, which it must not do when the user said "deployment".
        /// Left out of the JSON when false (an addition to the contract).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        kind_defaulted: bool,
    },
    /// Change the kube context the session works in (`arguments.context`).
    SwitchContext {
        /// Holds `context`.
        arguments: Arguments,
    },
    /// Outside kubeop's scope: another agent owns this domain.
    Handoff {
        /// The domain to hand the request to.
        domain: Domain,
        /// Why, in words a human understands.
        reason: String,
        /// What the request names, for the receiving agent: `name` (the
        /// release, application, rollout or alert), `namespace`, `context`.
        /// Left out of the JSON when the request names none of them.
        #[serde(default, skip_serializing_if = "Arguments::is_empty")]
        arguments: Arguments,
    },
    /// A parameter is missing or the request is not understood: ask, never guess.
    Clarify {
        /// The names of the missing parameters.
        missing: Vec<Param>,
        /// The question to put to the human.
        question: String,
        /// What the request did name of the object it lacks a name for
        /// (`apiVersion`, `kind`, `namespace`: "delete the failed pods in
        /// staging"), so the workflow can offer the names there are. Left
        /// out of the JSON when empty (an addition to the contract).
        #[serde(default, skip_serializing_if = "Arguments::is_empty")]
        arguments: Arguments,
    },
}

impl Intent {
    /// The contract's name of this intent's path.
    pub fn path(&self) -> &'static str {
        match self {
            Intent::ReadOnly { .. } => "read_only",
            Intent::HealthCheck { .. } => "health_check",
            Intent::Diagnose { .. } => "diagnose",
            Intent::Mutation { .. } => "mutation",
            Intent::SwitchContext { .. } => "switch_context",
            Intent::Handoff { .. } => "handoff",
            Intent::Clarify { .. } => "clarify",
        }
    }

    /// The tool this intent calls, for the paths that name one.
    pub fn tool(&self) -> Option<Tool> {
        match self {
            Intent::ReadOnly { tool, .. } | Intent::Mutation { tool, .. } => Some(*tool),
            _ => None,
        }
    }

    /// The arguments this intent carries, if its path has any.
    pub fn arguments(&self) -> Option<&Arguments> {
        match self {
            Intent::ReadOnly { arguments, .. }
            | Intent::HealthCheck { arguments }
            | Intent::Diagnose { arguments, .. }
            | Intent::Mutation { arguments, .. }
            | Intent::SwitchContext { arguments }
            | Intent::Handoff { arguments, .. } => Some(arguments),
            Intent::Clarify { .. } => None,
        }
    }

    /// Builds a `clarify` intent.
    pub(crate) fn clarify(missing: Vec<Param>, question: impl Into<String>) -> Intent {
        Intent::Clarify {
            missing,
            question: question.into(),
            arguments: Arguments::default(),
        }
    }
}

/// A short human-readable rendering, one line, for `kubeop classify` without `--json`.
impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intent::ReadOnly { tool, arguments } => {
                write!(f, "read_only: {}{}", tool.as_str(), arguments)
            }
            Intent::HealthCheck { arguments } => write!(f, "health_check{arguments}"),
            Intent::Diagnose {
                playbook,
                arguments,
            } => {
                write!(f, "diagnose: {}{}", playbook.as_str(), arguments)
            }
            Intent::Mutation {
                operation,
                tool,
                arguments,
                kind_defaulted,
            } => {
                let assumed = if *kind_defaulted {
                    ", kind assumed"
                } else {
                    ""
                };
                write!(
                    f,
                    "mutation ({}{assumed}): {}{}",
                    operation.as_str(),
                    tool.as_str(),
                    arguments
                )
            }
            Intent::SwitchContext { arguments } => write!(f, "switch_context{arguments}"),
            Intent::Handoff {
                domain,
                reason,
                arguments,
            } => {
                write!(f, "handoff to {}: {}{}", domain.as_str(), reason, arguments)
            }
            Intent::Clarify {
                missing, question, ..
            } => {
                write!(f, "clarify: {question}")?;
                if !missing.is_empty() {
                    let names: Vec<&str> = missing.iter().map(|p| p.as_str()).collect();
                    write!(f, " (missing: {})", names.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// The tools of `kubernetes-mcp-server` 0.0.67 that kubeop calls, named as the
/// server names them (see docs/mcp-server-0.0.67-catalog.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // each variant is the MCP tool of the same name
pub enum Tool {
    PodsList,
    PodsListInNamespace,
    PodsGet,
    PodsLog,
    PodsTop,
    PodsDelete,
    PodsExec,
    PodsRun,
    ResourcesList,
    ResourcesGet,
    ResourcesCreateOrUpdate,
    ResourcesDelete,
    ResourcesScale,
    NamespacesList,
    EventsList,
    NodesTop,
    NodesStatsSummary,
    NodesLog,
    ConfigurationContextsList,
    ConfigurationView,
}

impl Tool {
    /// The tool's name on the MCP server.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::PodsList => "pods_list",
            Tool::PodsListInNamespace => "pods_list_in_namespace",
            Tool::PodsGet => "pods_get",
            Tool::PodsLog => "pods_log",
            Tool::PodsTop => "pods_top",
            Tool::PodsDelete => "pods_delete",
            Tool::PodsExec => "pods_exec",
            Tool::PodsRun => "pods_run",
            Tool::ResourcesList => "resources_list",
            Tool::ResourcesGet => "resources_get",
            Tool::ResourcesCreateOrUpdate => "resources_create_or_update",
            Tool::ResourcesDelete => "resources_delete",
            Tool::ResourcesScale => "resources_scale",
            Tool::NamespacesList => "namespaces_list",
            Tool::EventsList => "events_list",
            Tool::NodesTop => "nodes_top",
            Tool::NodesStatsSummary => "nodes_stats_summary",
            Tool::NodesLog => "nodes_log",
            Tool::ConfigurationContextsList => "configuration_contexts_list",
            Tool::ConfigurationView => "configuration_view",
        }
    }

    /// Whether the MCP server accepts a `context` argument for this tool (the
    /// two kubeconfig tools read the kubeconfig itself and take none).
    pub fn takes_context(self) -> bool {
        !matches!(
            self,
            Tool::ConfigurationContextsList | Tool::ConfigurationView
        )
    }
}

/// The kind of change a `mutation` makes. Also the `operation` of every
/// record in `memory`'s journal, so its serialized names are a stored format
/// and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Replica count change (`resources_scale` with `scale`).
    Scale,
    /// Removal (`pods_delete` or `resources_delete`).
    Delete,
    /// Server-side apply of a manifest (`resources_create_or_update`).
    CreateUpdate,
    /// A command in a running container (`pods_exec`): shell access.
    Exec,
    /// A new pod from an image (`pods_run`), e.g. a debug pod.
    Run,
}

impl Operation {
    /// The contract's name of the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Scale => "scale",
            Operation::Delete => "delete",
            Operation::CreateUpdate => "create_update",
            Operation::Exec => "exec",
            Operation::Run => "run",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The root-cause playbooks of the `diagnose` path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Playbook {
    /// Crashes, OOM kills, image pulls, pending pods, failing probes.
    PodFailure,
    /// Limits against live usage, scheduling bottlenecks, quotas.
    ResourcePressure,
    /// Who can do what: roles, bindings, service accounts.
    RbacAudit,
}

impl Playbook {
    /// The contract's name of the playbook.
    pub fn as_str(self) -> &'static str {
        match self {
            Playbook::PodFailure => "pod_failure",
            Playbook::ResourcePressure => "resource_pressure",
            Playbook::RbacAudit => "rbac_audit",
        }
    }
}

/// The domains kubeop hands requests off to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Helm charts and releases.
    Helm,
    /// ArgoCD applications and Argo Rollouts.
    App,
    /// Prometheus and Alertmanager: alerts, silences, PromQL.
    Observability,
}

impl Domain {
    /// The contract's name of the domain.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Helm => "helm",
            Domain::App => "app",
            Domain::Observability => "observability",
        }
    }
}

/// A parameter a `clarify` answer asks for, named as the tool argument it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    /// What the user wants done at all.
    Intent,
    /// The resource's name.
    Name,
    /// The resource's kind.
    Kind,
    /// The namespace.
    Namespace,
    /// The target replica count (`resources_scale`'s `scale`).
    Scale,
    /// The container image.
    Image,
    /// The command to execute.
    Command,
    /// The kube context.
    Context,
    /// The full desired manifest, for changes kubeop cannot derive exactly.
    Resource,
    /// The plan to carry out: "do it", "apply the fix", "go ahead" assent
    /// to a change without naming one. The workflow answers with the plan
    /// it proposed last in the session (which still needs its approval),
    /// or asks which change is meant.
    Plan,
    /// The plan to drop: "no", "cancel", "never mind", "don't" say no to a
    /// change without naming one. The workflow denies the plan it offered
    /// in its last answer (never approves anything), or says which plan is
    /// still waiting and how to deny it. An addition to the contract.
    Decline,
}

impl Param {
    /// The parameter's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Param::Intent => "intent",
            Param::Name => "name",
            Param::Kind => "kind",
            Param::Namespace => "namespace",
            Param::Scale => "scale",
            Param::Image => "image",
            Param::Command => "command",
            Param::Context => "context",
            Param::Resource => "resource",
            Param::Plan => "plan",
            Param::Decline => "decline",
        }
    }
}

/// A tool's arguments, with the MCP server's exact names. Unset fields are
/// left out of the JSON: a namespace the request does not name is never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arguments {
    /// `apiVersion` of the resource (`resources_*`).
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<Cow<'static, str>>,
    /// `kind` of the resource (`resources_*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Cow<'static, str>>,
    /// The resource, pod, node or subject name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The namespace, only when the request names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The kube context, when the request names a context or cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `pods_top`: all namespaces (`true`) or one (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_namespaces: Option<bool>,
    /// `pods_top` / `nodes_top` label selector (snake case on the server).
    #[serde(
        rename = "label_selector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub top_label_selector: Option<String>,
    /// Label selector of the list tools (`labelSelector` on the server).
    #[serde(
        rename = "labelSelector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub label_selector: Option<String>,
    /// Field selector of the list tools and `events_list`.
    #[serde(
        rename = "fieldSelector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub field_selector: Option<String>,
    /// `pods_log`: the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `pods_log`: previous terminated container's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<bool>,
    /// `pods_log`: lines from the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<u32>,
    /// `nodes_log`: the service or file (`kubelet`, `/var/log/kube-proxy.log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `nodes_log`: lines from the end.
    #[serde(rename = "tailLines", default, skip_serializing_if = "Option::is_none")]
    pub tail_lines: Option<u32>,
    /// `pods_exec`: the command and its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// `pods_run`: the container image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `pods_run`: the port to expose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `resources_scale`: the target replica count (absent: read the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// `resources_delete`: grace period.
    #[serde(
        rename = "gracePeriodSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub grace_period_seconds: Option<u32>,
    /// `resources_create_or_update`: the YAML manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `configuration_view`: only the current context's pieces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minified: Option<bool>,
}

impl Arguments {
    /// Whether no field is set (a hand-off that names nothing).
    pub fn is_empty(&self) -> bool {
        *self == Arguments::default()
    }
}

/// ` key=value` pairs of the set fields, for the human rendering.
impl fmt::Display for Arguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn pair(f: &mut fmt::Formatter<'_>, key: &str, value: &dyn fmt::Display) -> fmt::Result {
            write!(f, " {key}={value}")
        }
        if let Some(v) = &self.api_version {
            pair(f, "apiVersion", v)?;
        }
        if let Some(v) = &self.kind {
            pair(f, "kind", v)?;
        }
        if let Some(v) = &self.name {
            pair(f, "name", v)?;
        }
        if let Some(v) = &self.namespace {
            pair(f, "namespace", v)?;
        }
        if let Some(v) = &self.context {
            pair(f, "context", v)?;
        }
        if let Some(v) = &self.all_namespaces {
            pair(f, "all_namespaces", v)?;
        }
        if let Some(v) = &self.top_label_selector {
            pair(f, "label_selector", v)?;
        }
        if let Some(v) = &self.label_selector {
            pair(f, "labelSelector", v)?;
        }
        if let Some(v) = &self.field_selector {
            pair(f, "fieldSelector", v)?;
        }
        if let Some(v) = &self.container {
            pair(f, "container", v)?;
        }
        if let Some(v) = &self.previous {
            pair(f, "previous", v)?;
        }
        if let Some(v) = &self.tail {
            pair(f, "tail", v)?;
        }
        if let Some(v) = &self.query {
            pair(f, "query", v)?;
        }
        if let Some(v) = &self.tail_lines {
            pair(f, "tailLines", v)?;
        }
        if let Some(v) = &self.command {
            pair(f, "command", &format!("{v:?}"))?;
        }
        if let Some(v) = &self.image {
            pair(f, "image", v)?;
        }
        if let Some(v) = &self.port {
            pair(f, "port", v)?;
        }
        if let Some(v) = &self.scale {
            pair(f, "scale", v)?;
        }
        if let Some(v) = &self.grace_period_seconds {
            pair(f, "gracePeriodSeconds", v)?;
        }
        if let Some(v) = &self.minified {
            pair(f, "minified", v)?;
        }
        if let Some(v) = &self.resource {
            write!(f, "\n{}", v.trim_end())?;
        }
        Ok(())
    }
}
