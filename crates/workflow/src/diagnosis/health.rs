//! The cluster health check: the server's `cluster-health-check` prompt and
//! the read-only tools it relies on, presented as one overview of nodes,
//! unhealthy workloads (failed Jobs and suspended CronJobs among them),
//! failing pods, unbound volume claims and recent warning events, each with a
//! severity, and the requests to make next.
//!
//! Gathering spends the prompt and ten list calls: nodes, pods, three
//! workload kinds, claims and events, which the prompt itself reads, and
//! Jobs, CronJobs and NetworkPolicies, which it does not (a failed Job
//! leaves only warning events behind, a suspended CronJob and a policy
//! that drops every connection to a Service not even those). Only where
//! there are policies does it read them and list the Services, to name a
//! Service whose pods a policy closes to all ingress. It reads one by one
//! only the nodes, the pods whose row looks wrong, the Jobs whose row says
//! Failed and the Deployments whose row shows a rollout not finished (at most
//! [`MAX_PODS_EXAMINED`], [`MAX_JOBS_EXAMINED`] and
//! [`MAX_ROLLOUTS_EXAMINED`]), so a healthy pod, Job or Deployment costs
//! nothing beyond its row. [`assess`] is pure.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use tracing::Instrument;

use super::DiagnosisError;
use super::conditions::{self, Condition};
use super::parse::{self, Event, row_place, rows};
use super::pod_failure::service::closing_policies;
use super::pod_status::{PodState, Symptom, symptom};
use super::rbac::Severity;
use super::reader::{ClusterReader, ReadCall, ReadTool, ToolOutput, read_object};

/// The server's health-check prompt.
pub const HEALTH_CHECK_PROMPT: &str = "cluster-health-check";

/// At most this many suspicious pods are read one by one.
pub const MAX_PODS_EXAMINED: usize = 100;

/// At most this many failed Jobs are read one by one (for their reason and
/// attempts); the others are reported from their list row alone. A CronJob
/// keeps only its last failed Job (`failedJobsHistoryLimit`, 1 by default),
/// so a cluster rarely has more.
pub const MAX_JOBS_EXAMINED: usize = 20;

/// At most this many Deployments whose row shows an unfinished rollout
/// (fewer up-to-date replicas than wanted) are read one by one for their
/// Progressing condition: a rollout past its deadline still serves from
/// the old ReplicaSet, so its READY column alone can look fine.
pub const MAX_ROLLOUTS_EXAMINED: usize = 20;

/// At most this many NetworkPolicies are read whole: a namespace holds a
/// few, and the bound keeps a cluster-wide check from reading thousands.
pub const MAX_POLICIES_EXAMINED: usize = 50;

/// What the API server takes for a Job's `spec.backoffLimit` left out.
const DEFAULT_BACKOFF_LIMIT: u64 = 6;

/// What part of the cluster an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthCategory {
    /// A node.
    Node,
    /// A Deployment, StatefulSet or DaemonSet short of ready replicas, a
    /// Job that failed, a CronJob that is suspended.
    Workload,
    /// A pod that is not running as it should.
    Pod,
    /// A PersistentVolumeClaim that is not bound.
    Volume,
    /// A NetworkPolicy that closes a Service's pods to all ingress.
    Network,
    /// A recent Warning event.
    Event,
}

/// One line of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthItem {
    /// How bad.
    pub severity: Severity,
    /// What part of the cluster.
    pub category: HealthCategory,
    /// The object, e.g. `Deployment production/checkout`.
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

/// The overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// The namespace checked, or the whole cluster.
    pub namespace: Option<String>,
    /// One paragraph.
    pub summary: String,
    /// Everything found, worst first.
    pub items: Vec<HealthItem>,
    /// Requests a human could make next (plain words kubeop understands).
    pub next_steps: Vec<String>,
    /// The server's own report (the prompt's text), kept for the full view.
    pub server_report: String,
    /// How many tool and prompt calls the check made.
    pub tool_calls: usize,
}

/// What the check read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthFacts {
    /// The namespace checked, if any.
    pub namespace: Option<String>,
    /// Node objects.
    pub nodes: Vec<Value>,
    /// Pod objects of the pods whose list row looked wrong.
    pub suspicious_pods: Vec<Value>,
    /// Workload rows as (kind, row).
    pub workloads: Vec<(String, BTreeMap<String, String>)>,
    /// Job objects of the Jobs whose list row says Failed.
    pub failed_jobs: Vec<Value>,
    /// `(namespace, name)` of failed Jobs past [`MAX_JOBS_EXAMINED`], known
    /// from their row only.
    pub failed_jobs_unread: Vec<(String, String)>,
    /// Deployment objects whose row shows a rollout not finished.
    pub rollouts: Vec<Value>,
    /// CronJob rows (the suspended ones are reported).
    pub cron_jobs: Vec<BTreeMap<String, String>>,
    /// PersistentVolumeClaim rows.
    pub claims: Vec<BTreeMap<String, String>>,
    /// `(namespace, name, labels)` of every pod listed: which pods a
    /// NetworkPolicy selects.
    pub pod_labels: Vec<(String, String, BTreeMap<String, String>)>,
    /// NetworkPolicy objects (read only where there are any).
    pub network_policies: Vec<Value>,
    /// Service rows (listed only when a policy closes some pod to all
    /// ingress), with their SELECTOR column.
    pub services: Vec<BTreeMap<String, String>>,
    /// Events (Warning ones are reported).
    pub events: Vec<Event>,
    /// The prompt's text.
    pub server_report: String,
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `"2/3"` → (2, 3).
fn ready_fraction(cell: &str) -> Option<(u64, u64)> {
    let (ready, wanted) = cell.split_once('/')?;
    Some((ready.trim().parse().ok()?, wanted.trim().parse().ok()?))
}

/// Whether a pod list row looks like trouble: any status but Running,
/// Completed or Succeeded, a Running pod short of ready containers, or restarts.
pub fn row_is_suspicious(row: &BTreeMap<String, String>) -> bool {
    let status = row.get("STATUS").map(String::as_str).unwrap_or_default();
    if matches!(status, "Completed" | "Succeeded") {
        return false;
    }
    let not_ready = row
        .get("READY")
        .and_then(|cell| ready_fraction(cell))
        .is_some_and(|(ready, wanted)| ready < wanted);
    let restarted = row
        .get("RESTARTS")
        .and_then(|cell| cell.split_whitespace().next())
        .and_then(|count| count.parse::<u64>().ok())
        .is_some_and(|count| count > 0);
    status != "Running" || not_ready || restarted
}

/// `what: the condition's explanation`, or just `what` when it has none.
fn said(what: String, condition: &Condition<'_>) -> String {
    match condition.explanation() {
        Some(explanation) => format!("{what}: {explanation}"),
        None => what,
    }
}

fn node_items(node: &Value) -> Vec<HealthItem> {
    let name = text(node, "/metadata/name");
    let subject = format!("Node {name}");
    let mut items = Vec::new();
    if let Some(ready) = conditions::find(node, "Ready").filter(|ready| !ready.is_true()) {
        items.push(HealthItem {
            severity: Severity::Critical,
            category: HealthCategory::Node,
            subject: subject.clone(),
            message: said(format!("not Ready ({})", ready.status), &ready),
        });
    }
    for trouble in super::node::troubles(node) {
        items.push(HealthItem {
            severity: Severity::Warning,
            category: HealthCategory::Node,
            subject: subject.clone(),
            message: said(trouble.kind.to_string(), &trouble),
        });
    }
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        items.push(HealthItem {
            severity: Severity::Warning,
            category: HealthCategory::Node,
            subject,
            message: "cordoned (SchedulingDisabled): no new pods are placed on it".to_string(),
        });
    }
    items
}

fn workload_item(
    kind: &str,
    row: &BTreeMap<String, String>,
    default_namespace: Option<&str>,
) -> Option<HealthItem> {
    let (namespace, name) = row_place(row, default_namespace)?;
    let (ready, wanted) = match row.get("READY").and_then(|cell| ready_fraction(cell)) {
        Some(fraction) => fraction,
        // DaemonSets print DESIRED and READY as two numbers.
        None => (
            row.get("READY")?.parse().ok()?,
            row.get("DESIRED")?.parse().ok()?,
        ),
    };
    (ready < wanted).then(|| HealthItem {
        severity: if ready == 0 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        category: HealthCategory::Workload,
        subject: format!("{kind} {namespace}/{name}"),
        message: format!("{ready}/{wanted} replicas ready"),
    })
}

/// Whether a Deployment row shows a rollout not finished: fewer up-to-date
/// replicas than it wants.
fn rollout_unfinished(row: &BTreeMap<String, String>) -> bool {
    let wanted = row
        .get("READY")
        .and_then(|cell| ready_fraction(cell))
        .map(|(_, wanted)| wanted);
    let updated = row
        .get("UP-TO-DATE")
        .and_then(|cell| cell.trim().parse::<u64>().ok());
    matches!((updated, wanted), (Some(updated), Some(wanted)) if updated < wanted)
}

/// A Deployment whose rollout went past its progress deadline
/// (Progressing=False, ProgressDeadlineExceeded: the old ReplicaSet keeps
/// serving while the new one's pods fail) or is paused with a template not
/// rolled out. `None` for a rollout still within its deadline.
fn rollout_item(deployment: &Value) -> Option<HealthItem> {
    let namespace = text(deployment, "/metadata/namespace");
    let name = text(deployment, "/metadata/name");
    let wanted = deployment
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let updated = parse::count(deployment, "/status/updatedReplicas");
    let progressing = conditions::find(deployment, "Progressing")?;
    let (severity, what) = match (progressing.status, progressing.reason) {
        ("False", reason @ "ProgressDeadlineExceeded") => (
            Severity::Warning,
            format!(
                "rollout stuck ({reason}): {}",
                progressing.message.trim_end_matches('.')
            ),
        ),
        (_, "DeploymentPaused") => (
            Severity::Info,
            "rollout paused (spec.paused: true)".to_string(),
        ),
        _ => return None,
    };
    Some(HealthItem {
        severity,
        category: HealthCategory::Workload,
        subject: format!("Deployment {namespace}/{name}"),
        message: format!("{what}; {updated}/{wanted} replicas updated"),
    })
}

/// A Job that failed: its reason and how many of its attempts failed
/// (`spec.backoffLimit` retries after the first), and the CronJob that
/// made it, if one did.
fn failed_job_item(job: &Value) -> HealthItem {
    let namespace = text(job, "/metadata/namespace");
    let name = text(job, "/metadata/name");
    let failed = parse::count(job, "/status/failed");
    let attempts = job
        .pointer("/spec/backoffLimit")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_BACKOFF_LIMIT)
        + 1;
    let attempts = format!("{failed}/{attempts} attempts");
    let why = match conditions::true_one(job, "Failed").map(|failed| failed.reason) {
        Some(reason) if !reason.is_empty() => format!("{reason}, {attempts}"),
        _ => attempts,
    };
    let made_by = parse::owner_named(job, "CronJob")
        .map(|cron_job| format!("; a run of CronJob {cron_job}"))
        .unwrap_or_default();
    HealthItem {
        severity: Severity::Warning,
        category: HealthCategory::Workload,
        subject: format!("Job {namespace}/{name}"),
        message: format!("failed ({why}){made_by}"),
    }
}

/// A CronJob whose row says it is suspended: it starts no Job until it is
/// resumed. Worth knowing rather than a fault (suspending is how a run is
/// paused on purpose), so it does not make the cluster unhealthy.
fn suspended_cron_job_item(
    row: &BTreeMap<String, String>,
    default_namespace: Option<&str>,
) -> Option<HealthItem> {
    if row.get("SUSPEND").map(String::as_str) != Some("True") {
        return None;
    }
    let (namespace, name) = row_place(row, default_namespace)?;
    let last = row
        .get("LAST SCHEDULE")
        .filter(|cell| !cell.is_empty() && cell.as_str() != "<none>")
        .map_or_else(
            || "it has not run since".to_string(),
            |cell| format!("last scheduled {cell} ago"),
        );
    Some(HealthItem {
        severity: Severity::Info,
        category: HealthCategory::Workload,
        subject: format!("CronJob {namespace}/{name}"),
        message: format!("suspended (spec.suspend: true): it starts no Jobs until resumed; {last}"),
    })
}

/// The Services whose pods a NetworkPolicy closes to all ingress: one line
/// per policy (or set of policies, when several close the same pods) with
/// the Services it cuts off, so a deny-all policy over a whole namespace is
/// named once. Pods no Service selects (workers) are closed on purpose and
/// not reported.
fn blocked_traffic_items(facts: &HealthFacts, next_steps: &mut Vec<String>) -> Vec<HealthItem> {
    if facts.network_policies.is_empty() {
        return Vec::new();
    }
    let mut cut_off: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    for row in &facts.services {
        let Some((namespace, name)) = row_place(row, facts.namespace.as_deref()) else {
            continue;
        };
        let selector = parse::labels(row.get("SELECTOR").map_or("", String::as_str));
        if selector.is_empty() {
            continue;
        }
        let selected: Vec<&BTreeMap<String, String>> = facts
            .pod_labels
            .iter()
            .filter(|(pod_namespace, _, labels)| {
                pod_namespace == namespace
                    && selector
                        .iter()
                        .all(|(key, value)| labels.get(key) == Some(value))
            })
            .map(|(_, _, labels)| labels)
            .collect();
        let closed: Vec<Vec<&Value>> = selected
            .iter()
            .map(|labels| closing_policies(&facts.network_policies, namespace, labels))
            .filter(|policies| !policies.is_empty())
            .collect();
        if closed.is_empty() {
            continue;
        }
        let mut policies: Vec<String> = closed
            .iter()
            .flatten()
            .map(|policy| text(policy, "/metadata/name").to_string())
            .collect();
        policies.sort();
        policies.dedup();
        let how_many = if closed.len() == selected.len() {
            format!("{name} (all {} of its pods)", selected.len())
        } else {
            format!("{name} ({} of its {} pods)", closed.len(), selected.len())
        };
        cut_off
            .entry((namespace.to_string(), policies))
            .or_default()
            .push(how_many);
        next_steps.push(format!("why is service {name} failing in {namespace}"));
    }
    cut_off
        .into_iter()
        .map(|((namespace, policies), services)| HealthItem {
            severity: Severity::Critical,
            category: HealthCategory::Network,
            subject: format!("NetworkPolicy {namespace}/{}", policies.join(", ")),
            message: format!(
                "isolates the pods of Service {} for ingress and admits no traffic to them: connections to those pods are dropped and clients time out",
                services.join(", Service ")
            ),
        })
        .collect()
}

/// Concludes from what was read.
pub fn assess(facts: &HealthFacts) -> HealthReport {
    let mut items: Vec<HealthItem> = facts.nodes.iter().flat_map(node_items).collect();
    let namespace = facts.namespace.as_deref();
    let mut next_steps = Vec::new();
    for (kind, row) in &facts.workloads {
        if let Some(item) = workload_item(kind, row, namespace) {
            if let Some((workload_namespace, name)) = item
                .subject
                .split_once(' ')
                .and_then(|(_, rest)| rest.split_once('/'))
            {
                next_steps.push(format!(
                    "why is {} {name} failing in {workload_namespace}",
                    kind.to_ascii_lowercase()
                ));
            }
            items.push(item);
        }
    }
    for deployment in &facts.rollouts {
        let Some(item) = rollout_item(deployment) else {
            continue;
        };
        if item.severity > Severity::Info {
            next_steps.push(format!(
                "why is the {} rollout stuck in {}",
                text(deployment, "/metadata/name"),
                text(deployment, "/metadata/namespace")
            ));
        }
        // One line per Deployment: a rollout short of ready replicas says both.
        match items.iter_mut().find(|known| known.subject == item.subject) {
            Some(known) => {
                known.message = format!("{}; {}", known.message, item.message);
                known.severity = known.severity.max(item.severity);
            }
            None => items.push(item),
        }
    }
    for job in &facts.failed_jobs {
        let item = failed_job_item(job);
        next_steps.push(format!(
            "why did job {} fail in {}",
            text(job, "/metadata/name"),
            text(job, "/metadata/namespace")
        ));
        items.push(item);
    }
    for (job_namespace, name) in &facts.failed_jobs_unread {
        items.push(HealthItem {
            severity: Severity::Warning,
            category: HealthCategory::Workload,
            subject: format!("Job {job_namespace}/{name}"),
            message: format!(
                "failed (its list row says so; the check reads at most {MAX_JOBS_EXAMINED} failed Jobs one by one)"
            ),
        });
    }
    for row in &facts.cron_jobs {
        if let Some(item) = suspended_cron_job_item(row, namespace) {
            if let Some((cron_namespace, name)) = item
                .subject
                .split_once(' ')
                .and_then(|(_, rest)| rest.split_once('/'))
            {
                next_steps.push(format!(
                    "why isn't cronjob {name} running in {cron_namespace}"
                ));
            }
            items.push(item);
        }
    }
    for pod in &facts.suspicious_pods {
        let state = PodState::read(pod);
        let found = symptom(&state);
        if found == Symptom::Healthy {
            continue;
        }
        items.push(HealthItem {
            severity: if matches!(found, Symptom::NotReady { .. }) {
                Severity::Warning
            } else {
                Severity::Critical
            },
            category: HealthCategory::Pod,
            subject: format!("Pod {}/{}", state.namespace, state.name),
            message: found.short(),
        });
        // A pod no workload owns gets its own diagnosis; the others are covered by their workload's.
        if pod.pointer("/metadata/ownerReferences").is_none() {
            next_steps.push(format!(
                "why is pod {} failing in {}",
                state.name, state.namespace
            ));
        }
    }
    for row in &facts.claims {
        let status = row.get("STATUS").map(String::as_str).unwrap_or_default();
        if status == "Bound" {
            continue;
        }
        let Some((claim_namespace, name)) = row_place(row, namespace) else {
            continue;
        };
        let class = row
            .get("STORAGECLASS")
            .filter(|class| !class.is_empty() && class.as_str() != "<unset>")
            .map(|class| format!(" (storage class {class})"))
            .unwrap_or_default();
        items.push(HealthItem {
            severity: Severity::Warning,
            category: HealthCategory::Volume,
            subject: format!("PersistentVolumeClaim {claim_namespace}/{name}"),
            message: format!(
                "{}, not Bound{class}",
                if status.is_empty() {
                    "unknown phase"
                } else {
                    status
                }
            ),
        });
    }
    items.extend(blocked_traffic_items(facts, &mut next_steps));
    let mut warnings: BTreeMap<(String, String, String, String), &Event> = BTreeMap::new();
    for event in facts.events.iter().filter(|event| event.is_warning()) {
        // One line per object and reason: the latest message stands for the repeats.
        warnings.insert(
            (
                event.namespace.clone(),
                event.object_kind.clone(),
                event.object_name.clone(),
                event.reason.clone(),
            ),
            event,
        );
    }
    for ((event_namespace, kind, name, reason), event) in warnings {
        // kubectl files a Node's events under `default`: a cluster-scoped
        // object is named without the namespace its event happens to carry.
        let place = if event_namespace.is_empty() || crate::discovery::is_cluster_scoped(&kind) {
            String::new()
        } else {
            format!("{event_namespace}/")
        };
        items.push(HealthItem {
            severity: Severity::Warning,
            category: HealthCategory::Event,
            subject: format!("{kind} {place}{name}"),
            message: format!("{reason}: {}", event.message),
        });
    }
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    next_steps.sort();
    next_steps.dedup();
    if items
        .iter()
        .any(|item| item.category == HealthCategory::Volume)
    {
        next_steps.push(format!(
            "list persistentvolumeclaims{}",
            namespace
                .map(|namespace| format!(" in {namespace}"))
                .unwrap_or_default()
        ));
    }
    if items.iter().any(|item| item.severity > Severity::Info) {
        next_steps.push(format!(
            "show resource pressure{}",
            namespace
                .map(|namespace| format!(" in {namespace}"))
                .unwrap_or_default()
        ));
    }
    let count = |category: HealthCategory| {
        items
            .iter()
            .filter(|item| item.category == category && item.severity > Severity::Info)
            .count()
    };
    let critical = items
        .iter()
        .filter(|item| item.severity == Severity::Critical)
        .count();
    let scope = namespace.map_or_else(
        || "the cluster".to_string(),
        |namespace| format!("namespace {namespace}"),
    );
    let suspended = items
        .iter()
        .filter(|item| item.subject.starts_with("CronJob ") && item.severity == Severity::Info)
        .count();
    let suspended = if suspended == 0 {
        String::new()
    } else {
        format!(" {suspended} suspended CronJob(s).")
    };
    let summary = if items.iter().all(|item| item.severity == Severity::Info) {
        format!(
            "{scope} is healthy: {} node(s) ready, no failing workloads, pods, claims or warning events.{suspended}",
            facts.nodes.len()
        )
    } else {
        format!(
            "{scope}: {critical} critical item(s); {} node issue(s) of {} node(s), {} unhealthy workload(s), {} failing pod(s), {} unbound claim(s), {}{} warning event(s).",
            count(HealthCategory::Node),
            facts.nodes.len(),
            count(HealthCategory::Workload),
            count(HealthCategory::Pod),
            count(HealthCategory::Volume),
            match count(HealthCategory::Network) {
                0 => String::new(),
                policies => format!("{policies} NetworkPolicy cut-off(s) of Services, "),
            },
            count(HealthCategory::Event),
        ) + &suspended
    };
    HealthReport {
        namespace: facts.namespace.clone(),
        summary,
        items,
        next_steps,
        server_report: facts.server_report.clone(),
        tool_calls: 0,
    }
}

/// Counts calls and turns tool failures into errors.
struct Calls<'r, R> {
    reader: &'r R,
    count: usize,
}

impl<R: ClusterReader> Calls<'_, R> {
    async fn call(
        &mut self,
        tool: ReadTool,
        arguments: Vec<(&str, Option<Value>)>,
    ) -> Result<ToolOutput, DiagnosisError> {
        self.count += 1;
        let output = self.reader.call(ReadCall::new(tool, arguments)).await?;
        if output.is_error && !output.is_not_found() {
            return Err(DiagnosisError::ToolFailed {
                tool: tool.name(),
                message: output.text.into_string(),
            });
        }
        Ok(output)
    }

    async fn list(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<BTreeMap<String, String>>, DiagnosisError> {
        let output = self
            .call(
                ReadTool::ResourcesList,
                vec![
                    ("apiVersion", Some(json!(api_version))),
                    ("kind", Some(json!(kind))),
                    ("namespace", namespace.map(|namespace| json!(namespace))),
                ],
            )
            .await?;
        Ok(rows(&output))
    }

    async fn get(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, DiagnosisError> {
        self.count += 1;
        read_object(self.reader, api_version, kind, namespace, name).await
    }
}

/// `(namespace, name)` of a list row, owned (see [`row_place`]).
fn located(row: &BTreeMap<String, String>, namespace: Option<&str>) -> Option<(String, String)> {
    row_place(row, namespace).map(|(namespace, name)| (namespace.to_string(), name.to_string()))
}

/// Runs the health check, cluster-wide or in one namespace.
pub async fn health_check<R: ClusterReader>(
    reader: &R,
    namespace: Option<&str>,
) -> Result<HealthReport, DiagnosisError> {
    let span = tracing::info_span!("health_check", namespace = namespace.unwrap_or("*"));
    async move {
        let mut calls = Calls { reader, count: 0 };
        let mut prompt_arguments = Map::new();
        if let Some(namespace) = namespace {
            prompt_arguments.insert("namespace".to_string(), json!(namespace));
        }
        prompt_arguments.insert("check_events".to_string(), json!("true"));
        calls.count += 1;
        let server_report = reader.prompt(HEALTH_CHECK_PROMPT, prompt_arguments).await?;
        let mut facts = HealthFacts {
            namespace: namespace.map(str::to_string),
            server_report,
            ..HealthFacts::default()
        };
        for row in calls.list("v1", "Node", None).await? {
            if let Some(name) = row.get("NAME")
                && let Some(node) = calls.get("v1", "Node", None, name).await?
            {
                facts.nodes.push(node);
            }
        }
        let pod_rows = calls.list("v1", "Pod", namespace).await?;
        facts.pod_labels = pod_rows
            .iter()
            .filter_map(|row| {
                let (pod_namespace, name) = located(row, namespace)?;
                let labels = parse::labels(row.get("LABELS").map_or("", String::as_str));
                Some((pod_namespace, name, labels))
            })
            .collect();
        let suspicious: Vec<(String, String)> = pod_rows
            .into_iter()
            .filter(row_is_suspicious)
            .filter_map(|row| located(&row, namespace))
            .collect();
        for (pod_namespace, name) in suspicious.into_iter().take(MAX_PODS_EXAMINED) {
            if let Some(pod) = calls.get("v1", "Pod", Some(&pod_namespace), &name).await? {
                facts.suspicious_pods.push(pod);
            }
        }
        let mut rolling: Vec<(String, String)> = Vec::new();
        for kind in ["Deployment", "StatefulSet", "DaemonSet"] {
            for row in calls.list("apps/v1", kind, namespace).await? {
                if kind == "Deployment"
                    && rollout_unfinished(&row)
                    && let Some(place) = located(&row, namespace)
                {
                    rolling.push(place);
                }
                facts.workloads.push((kind.to_string(), row));
            }
        }
        for (deployment_namespace, name) in rolling.iter().take(MAX_ROLLOUTS_EXAMINED) {
            if let Some(deployment) = calls
                .get("apps/v1", "Deployment", Some(deployment_namespace), name)
                .await?
            {
                facts.rollouts.push(deployment);
            }
        }
        // Jobs and CronJobs: two lists the server's prompt does not make.
        let failed_jobs: Vec<(String, String)> = calls
            .list("batch/v1", "Job", namespace)
            .await?
            .into_iter()
            .filter(|row| row.get("STATUS").map(String::as_str) == Some("Failed"))
            .filter_map(|row| located(&row, namespace))
            .collect();
        for (job_namespace, name) in failed_jobs.iter().take(MAX_JOBS_EXAMINED) {
            if let Some(job) = calls
                .get("batch/v1", "Job", Some(job_namespace), name)
                .await?
            {
                facts.failed_jobs.push(job);
            }
        }
        facts.failed_jobs_unread = failed_jobs.into_iter().skip(MAX_JOBS_EXAMINED).collect();
        facts.cron_jobs = calls.list("batch/v1", "CronJob", namespace).await?;
        facts.claims = calls.list("v1", "PersistentVolumeClaim", namespace).await?;
        let policy_rows = calls
            .list("networking.k8s.io/v1", "NetworkPolicy", namespace)
            .await?;
        for (policy_namespace, name) in policy_rows
            .iter()
            .filter_map(|row| located(row, namespace))
            .take(MAX_POLICIES_EXAMINED)
        {
            if let Some(policy) = calls
                .get(
                    "networking.k8s.io/v1",
                    "NetworkPolicy",
                    Some(&policy_namespace),
                    &name,
                )
                .await?
            {
                facts.network_policies.push(policy);
            }
        }
        if facts.pod_labels.iter().any(|(pod_namespace, _, labels)| {
            !closing_policies(&facts.network_policies, pod_namespace, labels).is_empty()
        }) {
            facts.services = calls.list("v1", "Service", namespace).await?;
        }
        let events = calls
            .call(
                ReadTool::EventsList,
                vec![("namespace", namespace.map(|namespace| json!(namespace)))],
            )
            .await?;
        facts.events = parse::events(&events)?;
        let mut report = assess(&facts);
        report.tool_calls = calls.count;
        Ok(report)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
