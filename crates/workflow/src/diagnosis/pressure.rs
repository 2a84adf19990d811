//! Resource pressure: pods near or over their limits, pods without limits,
//! node allocatable against live use and against what is already requested
//! (the scheduler's view), Pending pods and why, and ResourceQuota usage.
//!
//! Gathering is one list of pods (the only rate-limited read), the pods
//! themselves, the nodes, live usage from the metrics API, and the quotas.
//! [`assess`] is pure.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use tracing::Instrument;

use super::parse::{self, Table, listed_names};
use super::quantity::{Cpu, Memory};
use super::rbac::Severity;
use super::reader::{ClusterReader, ReadCall, ReadTool, ToolOutput};
use super::{DiagnosisError, Evidence, conditions, node};

/// A container at or above this share of its limit is "near" it.
pub const NEAR_LIMIT_PERCENT: u64 = 90;

/// A node or quota at or above this share is under pressure.
pub const PRESSURE_PERCENT: u64 = 85;

/// At most this many pods are read one by one for their limits.
pub const MAX_PODS_READ: usize = 300;

/// Live use of one container (or of a whole pod when the table has no
/// per-container rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerUsage {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod.
    pub pod: String,
    /// The container, when the table is per container.
    pub container: Option<String>,
    /// CPU in use.
    pub cpu: Cpu,
    /// Memory in use.
    pub memory: Memory,
}

/// Reads a `pods_top` table (with or without NAMESPACE and POD columns).
pub fn pod_usage(table: &Table, default_namespace: &str) -> Vec<ContainerUsage> {
    let per_container = table.column("POD").is_some();
    table
        .rows
        .iter()
        .filter_map(|row| {
            let (pod, container) = if per_container {
                (
                    table.cell(row, "POD")?,
                    table.cell(row, "NAME").map(str::to_string),
                )
            } else {
                (table.cell(row, "NAME")?, None)
            };
            Some(ContainerUsage {
                namespace: table
                    .cell(row, "NAMESPACE")
                    .unwrap_or(default_namespace)
                    .to_string(),
                pod: pod.to_string(),
                container,
                cpu: Cpu::parse(table.cell(row, "CPU")?).ok()?,
                memory: Memory::parse(table.cell(row, "MEMORY")?).ok()?,
            })
        })
        .collect()
}

/// A node's capacity for pods and its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeLoad {
    /// The node.
    pub name: String,
    /// Allocatable CPU.
    pub allocatable_cpu: String,
    /// Allocatable memory.
    pub allocatable_memory: String,
    /// CPU in use, per `nodes_top`, when the metrics API has it.
    pub cpu_usage: Option<String>,
    /// Memory in use.
    pub memory_usage: Option<String>,
    /// Sum of the CPU requests of the pods bound to it.
    pub cpu_requested: String,
    /// Sum of the memory requests of the pods bound to it.
    pub memory_requested: String,
    /// The highest of the four shares (use and requests, CPU and memory), in percent.
    pub peak_percent: u64,
}

/// One thing under pressure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PressureFinding {
    /// How bad.
    pub severity: Severity,
    /// What kind of pressure.
    pub category: PressureCategory,
    /// The object, e.g. `pod production/payment-service-xyz` or `node node-1`.
    pub subject: String,
    /// What is wrong, with the numbers.
    pub message: String,
}

/// The kinds of pressure the report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PressureCategory {
    /// A container near or over its limit.
    NearLimit,
    /// A container without a memory or CPU limit.
    NoLimits,
    /// A node near its allocatable, by use or by requests.
    Node,
    /// A pod that cannot be scheduled.
    Pending,
    /// A ResourceQuota near or at its hard limit.
    Quota,
}

/// The resource-pressure report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PressureReport {
    /// The namespace looked at, or every namespace.
    pub namespace: Option<String>,
    /// One paragraph.
    pub summary: String,
    /// The nodes, busiest first.
    pub nodes: Vec<NodeLoad>,
    /// What is under pressure, worst first.
    pub findings: Vec<PressureFinding>,
    /// How many tool calls the playbook made.
    pub tool_calls: usize,
}

/// What the playbook read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PressureFacts {
    /// The namespace asked about, if any.
    pub namespace: Option<String>,
    /// Pod objects.
    pub pods: Vec<Value>,
    /// Live container use.
    pub usage: Vec<ContainerUsage>,
    /// Node objects.
    pub nodes: Vec<Value>,
    /// Node use from `nodes_top` as (node, cpu, memory).
    pub node_usage: Vec<(String, Cpu, Memory)>,
    /// ResourceQuota objects.
    pub quotas: Vec<Value>,
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn is_terminated(pod: &Value) -> bool {
    matches!(text(pod, "/status/phase"), "Succeeded" | "Failed")
}

fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn quantity<'a>(container: &'a Value, pointer: &str) -> Option<&'a str> {
    container.pointer(pointer).and_then(Value::as_str)
}

/// Sums of a pod's container requests and limits.
#[derive(Debug, Clone, Copy, Default)]
struct PodTotals {
    requests_cpu: Cpu,
    requests_memory: Memory,
    limits_cpu: Cpu,
    limits_memory: Memory,
}

fn totals(pod: &Value) -> PodTotals {
    let mut sum = PodTotals::default();
    for container in containers(pod) {
        // A limit without a request defaults the request to the limit, as the API server does.
        let cpu_limit =
            quantity(container, "/resources/limits/cpu").and_then(|q| Cpu::parse(q).ok());
        let memory_limit =
            quantity(container, "/resources/limits/memory").and_then(|q| Memory::parse(q).ok());
        let cpu_request = quantity(container, "/resources/requests/cpu")
            .and_then(|q| Cpu::parse(q).ok())
            .or(cpu_limit);
        let memory_request = quantity(container, "/resources/requests/memory")
            .and_then(|q| Memory::parse(q).ok())
            .or(memory_limit);
        sum.requests_cpu.0 += cpu_request.map_or(0, |q| q.0);
        sum.requests_memory.0 += memory_request.map_or(0, |q| q.0);
        sum.limits_cpu.0 += cpu_limit.map_or(0, |q| q.0);
        sum.limits_memory.0 += memory_limit.map_or(0, |q| q.0);
    }
    sum
}

/// What a pod asks the scheduler for: the sums of its containers' requests
/// (a limit without a request counts as the request).
pub fn pod_requests(pod: &Value) -> (Cpu, Memory) {
    let sums = totals(pod);
    (sums.requests_cpu, sums.requests_memory)
}

/// Concludes from what was read.
pub fn assess(facts: &PressureFacts) -> PressureReport {
    let mut findings = Vec::new();
    let mut unlimited = Vec::new();
    let live: Vec<&Value> = facts
        .pods
        .iter()
        .filter(|pod| !is_terminated(pod))
        .collect();

    for pod in &live {
        let namespace = text(pod, "/metadata/namespace");
        let name = text(pod, "/metadata/name");
        let subject = format!("pod {namespace}/{name}");
        let pod_containers: Vec<&Value> = containers(pod).collect();
        for container in &pod_containers {
            let container_name = text(container, "/name");
            let usage = facts.usage.iter().find(|usage| {
                usage.namespace == namespace
                    && usage.pod == name
                    && (usage.container.as_deref() == Some(container_name)
                        || (usage.container.is_none() && pod_containers.len() == 1))
            });
            let memory_limit = quantity(container, "/resources/limits/memory");
            let cpu_limit = quantity(container, "/resources/limits/cpu");
            if let (Some(usage), Some(limit)) =
                (usage, memory_limit.and_then(|q| Memory::parse(q).ok()))
                && limit.0 > 0
            {
                let percent = usage.memory.percent_of(limit);
                if percent >= NEAR_LIMIT_PERCENT {
                    findings.push(PressureFinding {
                        severity: if percent >= 100 { Severity::Critical } else { Severity::Warning },
                        category: PressureCategory::NearLimit,
                        subject: subject.clone(),
                        message: format!(
                            "container {container_name} uses {} of its {limit} memory limit ({percent}%): the next spike is an OOMKill",
                            usage.memory
                        ),
                    });
                }
            }
            if let (Some(usage), Some(limit)) = (usage, cpu_limit.and_then(|q| Cpu::parse(q).ok()))
                && limit.0 > 0
            {
                let percent = usage.cpu.percent_of(limit);
                if percent >= NEAR_LIMIT_PERCENT {
                    findings.push(PressureFinding {
                        severity: Severity::Warning,
                        category: PressureCategory::NearLimit,
                        subject: subject.clone(),
                        message: format!(
                            "container {container_name} uses {} of its {limit} CPU limit ({percent}%): it is being throttled",
                            usage.cpu
                        ),
                    });
                }
            }
            if memory_limit.is_none() || cpu_limit.is_none() {
                unlimited.push(Unlimited {
                    workload: workload_of(pod),
                    container: container_name.to_owned(),
                    memory: memory_limit.is_none(),
                });
            }
        }
        if text(pod, "/status/phase") == "Pending" && text(pod, "/spec/nodeName").is_empty() {
            let why = conditions::find(pod, "PodScheduled")
                .filter(|scheduled| scheduled.status == "False")
                .map(|scheduled| scheduled.message)
                .filter(|message| !message.is_empty())
                .unwrap_or("not scheduled yet");
            let requests = totals(pod);
            findings.push(PressureFinding {
                severity: Severity::Critical,
                category: PressureCategory::Pending,
                subject,
                message: format!(
                    "Pending: {why} (requests cpu {}, memory {})",
                    requests.requests_cpu, requests.requests_memory
                ),
            });
        }
    }

    let missing = MissingLimits {
        containers: unlimited.len(),
        memory: unlimited.iter().filter(|entry| entry.memory).count(),
    };
    findings.extend(unlimited_findings(unlimited));
    let pressured = node_conditions(&facts.nodes);
    findings.extend(pressured.iter().map(|(condition, nodes)| PressureFinding {
        severity: Severity::Critical,
        category: PressureCategory::Node,
        subject: format!("{condition} on {}", count_of(nodes.len(), "node", "nodes")),
        message: format!(
            "{}: the kubelet evicts pods from a node under pressure",
            nodes.join(", ")
        ),
    }));

    let mut nodes = Vec::new();
    for node in &facts.nodes {
        let name = text(node, "/metadata/name").to_string();
        let allocatable_cpu = Cpu::parse(text(node, "/status/allocatable/cpu")).unwrap_or_default();
        let allocatable_memory =
            Memory::parse(text(node, "/status/allocatable/memory")).unwrap_or_default();
        let mut requested = PodTotals::default();
        for pod in live
            .iter()
            .filter(|pod| text(pod, "/spec/nodeName") == name)
        {
            let pod_totals = totals(pod);
            requested.requests_cpu.0 += pod_totals.requests_cpu.0;
            requested.requests_memory.0 += pod_totals.requests_memory.0;
        }
        let usage = facts
            .node_usage
            .iter()
            .find(|(node_name, _, _)| *node_name == name);
        let shares = [
            (
                "CPU in use",
                usage.map_or(0, |(_, cpu, _)| cpu.percent_of(allocatable_cpu)),
            ),
            (
                "memory in use",
                usage.map_or(0, |(_, _, memory)| memory.percent_of(allocatable_memory)),
            ),
            (
                "CPU requested",
                requested.requests_cpu.percent_of(allocatable_cpu),
            ),
            (
                "memory requested",
                requested.requests_memory.percent_of(allocatable_memory),
            ),
        ];
        let peak_percent = shares
            .iter()
            .map(|(_, percent)| *percent)
            .max()
            .unwrap_or(0);
        for (what, percent) in shares
            .iter()
            .filter(|(_, percent)| *percent >= PRESSURE_PERCENT)
        {
            findings.push(PressureFinding {
                severity: if *percent >= 100 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                category: PressureCategory::Node,
                subject: format!("node {name}"),
                message: format!("{what} is {percent}% of allocatable"),
            });
        }
        nodes.push(NodeLoad {
            name,
            allocatable_cpu: allocatable_cpu.to_string(),
            allocatable_memory: allocatable_memory.readable(),
            cpu_usage: usage.map(|(_, cpu, _)| cpu.to_string()),
            memory_usage: usage.map(|(_, _, memory)| memory.readable()),
            cpu_requested: requested.requests_cpu.to_string(),
            memory_requested: requested.requests_memory.readable(),
            peak_percent,
        });
    }
    nodes.sort_by(|a, b| {
        b.peak_percent
            .cmp(&a.peak_percent)
            .then_with(|| a.name.cmp(&b.name))
    });

    for quota in &facts.quotas {
        findings.extend(quota_findings(quota, &live));
    }

    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let summary = summary(facts, &findings, &nodes, &pressured, missing);
    PressureReport {
        namespace: facts.namespace.clone(),
        summary,
        nodes,
        findings,
        tool_calls: 0,
    }
}

/// A container without a memory or CPU limit, by the workload it belongs to.
struct Unlimited {
    /// `namespace/workload` (the pod's controller, else the pod).
    workload: String,
    /// The container.
    container: String,
    /// Whether the memory limit is the one missing (else only CPU's).
    memory: bool,
}

/// `namespace/name` of the workload a pod belongs to: its Deployment (its
/// ReplicaSet's name without the pod-template hash), StatefulSet,
/// DaemonSet or Job, else the pod itself.
fn workload_of(pod: &Value) -> String {
    let namespace = text(pod, "/metadata/namespace");
    let owner = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|owner| owner["controller"] == Value::Bool(true));
    let name = match owner {
        Some(owner) if owner["kind"] == "ReplicaSet" => {
            let set = text(owner, "/name");
            let hash = text(pod, "/metadata/labels/pod-template-hash");
            set.strip_suffix(hash)
                .and_then(|name| name.strip_suffix('-'))
                .filter(|_| !hash.is_empty())
                .unwrap_or(set)
                .to_string()
        }
        Some(owner) => text(owner, "/name").to_string(),
        None => text(pod, "/metadata/name").to_string(),
    };
    format!("{namespace}/{name}")
}

/// One finding per kind of missing limit instead of one per container:
/// memory (a warning: a leak takes the node's memory), CPU only (for
/// information: it only borrows idle CPU). Each lists the workloads, with
/// how many of their pods' containers lack the limit.
fn unlimited_findings(unlimited: Vec<Unlimited>) -> Vec<PressureFinding> {
    let mut findings = Vec::new();
    for (memory, severity, one, many) in [
        (
            true,
            Severity::Warning,
            "container without a memory limit",
            "containers without a memory limit",
        ),
        (
            false,
            Severity::Info,
            "container without a CPU limit (memory limited)",
            "containers without a CPU limit (memory limited)",
        ),
    ] {
        let mut groups: BTreeMap<(String, String), usize> = BTreeMap::new();
        for entry in unlimited.iter().filter(|entry| entry.memory == memory) {
            *groups
                .entry((entry.workload.clone(), entry.container.clone()))
                .or_default() += 1;
        }
        if groups.is_empty() {
            continue;
        }
        let total: usize = groups.values().sum();
        let listed: Vec<String> = groups
            .into_iter()
            .map(|((workload, container), count)| {
                let name = workload.rsplit('/').next().unwrap_or_default();
                let container = if container == name {
                    String::new()
                } else {
                    format!(" (container {container})")
                };
                let times = if count > 1 {
                    format!(" ×{count}")
                } else {
                    String::new()
                };
                format!("{workload}{container}{times}")
            })
            .collect();
        findings.push(PressureFinding {
            severity,
            category: PressureCategory::NoLimits,
            subject: count_of(total, one, many),
            message: listed.join(", "),
        });
    }
    findings
}

/// The pressure conditions nodes report (MemoryPressure, DiskPressure,
/// PIDPressure) that are on, each with its nodes (and the kubelet's
/// message), in condition order.
fn node_conditions(nodes: &[Value]) -> Vec<(String, Vec<String>)> {
    let mut by_condition: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in nodes {
        for condition in node::pressures(node) {
            let why = condition
                .explanation()
                .map(|why| format!(" ({why})"))
                .unwrap_or_default();
            by_condition
                .entry(condition.kind.to_string())
                .or_default()
                .push(format!("{}{why}", text(node, "/metadata/name")));
        }
    }
    by_condition.into_iter().collect()
}

/// How many containers lack a limit, and how many of them a memory limit.
#[derive(Debug, Clone, Copy)]
struct MissingLimits {
    containers: usize,
    memory: usize,
}

/// `1 pod`, `3 pods`.
fn count_of(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The report in a few sentences: what is wrong first (pods that cannot be
/// scheduled, containers at their limits, quotas nearly used up), then the
/// nodes (their pressure conditions, the busiest one's headroom), then the
/// missing limits.
fn summary(
    facts: &PressureFacts,
    findings: &[PressureFinding],
    nodes: &[NodeLoad],
    pressured: &[(String, Vec<String>)],
    missing: MissingLimits,
) -> String {
    let scope = facts.namespace.as_ref().map_or_else(
        || "the cluster".to_string(),
        |namespace| format!("namespace {namespace}"),
    );
    let count = |category: PressureCategory| {
        findings
            .iter()
            .filter(|finding| finding.category == category)
            .count()
    };
    let mut problems = Vec::new();
    let pending = count(PressureCategory::Pending);
    if pending > 0 {
        problems.push(format!(
            "{} cannot be scheduled",
            count_of(pending, "pod", "pods")
        ));
    }
    let near = count(PressureCategory::NearLimit);
    if near > 0 {
        problems.push(format!(
            "{} at or near a limit",
            count_of(near, "container is", "containers are")
        ));
    }
    let quotas = count(PressureCategory::Quota);
    if quotas > 0 {
        problems.push(format!(
            "{} near a ResourceQuota's hard limit",
            count_of(quotas, "resource is", "resources are")
        ));
    }
    let mut text = format!("Resource pressure in {scope}: ");
    if problems.is_empty() {
        text.push_str("nothing is at its limit.");
    } else {
        text.push_str(&problems.join("; "));
        text.push('.');
    }
    if !facts.nodes.is_empty() {
        if pressured.is_empty() {
            text.push_str(" No node reports memory, disk or PID pressure");
        } else {
            let conditions: Vec<String> = pressured
                .iter()
                .map(|(condition, nodes)| format!("{condition} on {}", nodes.join(", ")))
                .collect();
            text.push_str(&format!(" {}", conditions.join("; ")));
        }
        match nodes.first() {
            Some(busiest) => text.push_str(&format!(
                "; the busiest node, {}, is at {}% of its allocatable.",
                busiest.name, busiest.peak_percent
            )),
            None => text.push('.'),
        }
    }
    if missing.containers > 0 {
        text.push_str(&format!(
            " {} no limits ({} without a memory limit).",
            count_of(missing.containers, "container has", "containers have"),
            missing.memory
        ));
    }
    text
}

/// A quota's use of each hard limit: `status.used` when the cluster fills it,
/// else summed from the namespace's live pods.
fn quota_findings(quota: &Value, live: &[&Value]) -> Vec<PressureFinding> {
    let namespace = text(quota, "/metadata/namespace");
    let name = text(quota, "/metadata/name");
    let Some(hard) = quota.pointer("/spec/hard").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut computed: BTreeMap<&str, u64> = BTreeMap::new();
    let pods: Vec<&&Value> = live
        .iter()
        .filter(|pod| text(pod, "/metadata/namespace") == namespace)
        .collect();
    for pod in &pods {
        let pod_totals = totals(pod);
        *computed.entry("requests.cpu").or_default() += pod_totals.requests_cpu.0;
        *computed.entry("cpu").or_default() += pod_totals.requests_cpu.0;
        *computed.entry("requests.memory").or_default() += pod_totals.requests_memory.0;
        *computed.entry("memory").or_default() += pod_totals.requests_memory.0;
        *computed.entry("limits.cpu").or_default() += pod_totals.limits_cpu.0;
        *computed.entry("limits.memory").or_default() += pod_totals.limits_memory.0;
    }
    computed.insert("pods", pods.len() as u64);
    let mut findings = Vec::new();
    for (resource, hard_value) in hard {
        let Some(hard_text) = hard_value
            .as_str()
            .map(str::to_string)
            .or_else(|| hard_value.as_u64().map(|n| n.to_string()))
        else {
            continue;
        };
        let used_text = quota
            .pointer(&format!(
                "/status/used/{}",
                resource.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(|used| {
                used.as_str()
                    .map(str::to_string)
                    .or_else(|| used.as_u64().map(|n| n.to_string()))
            });
        let is_cpu = resource.ends_with("cpu");
        let is_memory = resource.ends_with("memory");
        let parse = |text: &str| -> Option<u64> {
            if is_cpu {
                Cpu::parse(text).ok().map(|q| q.0)
            } else if is_memory {
                Memory::parse(text).ok().map(|q| q.0)
            } else {
                text.parse().ok()
            }
        };
        let Some(hard_amount) = parse(&hard_text).filter(|amount| *amount > 0) else {
            continue;
        };
        let used_amount = match &used_text {
            Some(used) => parse(used),
            None => computed.get(resource.as_str()).copied(),
        };
        let Some(used_amount) = used_amount else {
            continue;
        };
        let percent = (u128::from(used_amount) * 100 / u128::from(hard_amount)) as u64;
        if percent >= PRESSURE_PERCENT {
            let show = |amount: u64| {
                if is_cpu {
                    Cpu(amount).to_string()
                } else if is_memory {
                    Memory(amount).to_string()
                } else {
                    amount.to_string()
                }
            };
            findings.push(PressureFinding {
                severity: if percent >= 100 { Severity::Critical } else { Severity::Warning },
                category: PressureCategory::Quota,
                subject: format!("ResourceQuota {namespace}/{name}"),
                message: format!(
                    "{resource} at {} of {hard_text} ({percent}%): new pods will be refused past the hard limit",
                    show(used_amount)
                ),
            });
        }
    }
    findings
}

/// The findings as evidence lines, for a caller that shows one list.
pub fn as_evidence(report: &PressureReport) -> Vec<Evidence> {
    report
        .findings
        .iter()
        .map(|finding| Evidence::new(finding.subject.clone(), finding.message.clone()))
        .collect()
}

/// Reads what the report needs (in `namespace`, or everywhere) and assesses it.
pub async fn resource_pressure<R: ClusterReader>(
    reader: &R,
    namespace: Option<&str>,
) -> Result<PressureReport, DiagnosisError> {
    let span = tracing::info_span!("resource_pressure", namespace = namespace.unwrap_or("*"));
    async move {
        let mut calls = 0usize;
        let mut call = async |tool: ReadTool,
                              arguments: Vec<(&str, Option<Value>)>|
               -> Result<ToolOutput, DiagnosisError> {
            calls += 1;
            Ok(reader.call(ReadCall::new(tool, arguments)).await?)
        };
        let namespace_argument = namespace.map(|namespace| json!(namespace));
        let mut facts = PressureFacts {
            namespace: namespace.map(str::to_string),
            ..PressureFacts::default()
        };
        let pod_list = call(
            ReadTool::ResourcesList,
            vec![
                ("apiVersion", Some(json!("v1"))),
                ("kind", Some(json!("Pod"))),
                ("namespace", namespace_argument.clone()),
            ],
        )
        .await?
        .succeeded(ReadTool::ResourcesList)?;
        for (pod_namespace, name) in listed_names(&pod_list, namespace)
            .into_iter()
            .take(MAX_PODS_READ)
        {
            let pod = call(
                ReadTool::ResourcesGet,
                vec![
                    ("apiVersion", Some(json!("v1"))),
                    ("kind", Some(json!("Pod"))),
                    ("name", Some(json!(name))),
                    ("namespace", Some(json!(pod_namespace))),
                ],
            )
            .await?;
            // A pod deleted since the list is simply gone.
            if !pod.is_error {
                facts.pods.push(parse::into_object(pod)?);
            }
        }
        let top = call(
            ReadTool::PodsTop,
            vec![
                ("namespace", namespace_argument.clone()),
                ("all_namespaces", Some(json!(namespace.is_none()))),
            ],
        )
        .await?;
        // Without the metrics API there is no live use; limits, requests and quotas still tell.
        if !top.is_error {
            facts.usage = pod_usage(&Table::parse(&top.text), namespace.unwrap_or("default"));
        }
        let node_list = call(
            ReadTool::ResourcesList,
            vec![
                ("apiVersion", Some(json!("v1"))),
                ("kind", Some(json!("Node"))),
            ],
        )
        .await?
        .succeeded(ReadTool::ResourcesList)?;
        for (_, name) in listed_names(&node_list, None) {
            let node = call(
                ReadTool::ResourcesGet,
                vec![
                    ("apiVersion", Some(json!("v1"))),
                    ("kind", Some(json!("Node"))),
                    ("name", Some(json!(name))),
                ],
            )
            .await?;
            if !node.is_error {
                facts.nodes.push(parse::into_object(node)?);
            }
        }
        let node_top = call(ReadTool::NodesTop, Vec::new()).await?;
        if !node_top.is_error {
            let table = Table::parse(&node_top.text);
            facts.node_usage = table
                .rows
                .iter()
                .filter_map(|row| {
                    Some((
                        table.cell(row, "NAME")?.to_string(),
                        Cpu::parse(table.cell(row, "CPU(C")?).ok()?,
                        Memory::parse(table.cell(row, "MEMORY(B")?).ok()?,
                    ))
                })
                .collect();
        }
        let quota_list = call(
            ReadTool::ResourcesList,
            vec![
                ("apiVersion", Some(json!("v1"))),
                ("kind", Some(json!("ResourceQuota"))),
                ("namespace", namespace_argument),
            ],
        )
        .await?
        .succeeded(ReadTool::ResourcesList)?;
        for (quota_namespace, name) in listed_names(&quota_list, namespace) {
            let quota = call(
                ReadTool::ResourcesGet,
                vec![
                    ("apiVersion", Some(json!("v1"))),
                    ("kind", Some(json!("ResourceQuota"))),
                    ("name", Some(json!(name))),
                    ("namespace", Some(json!(quota_namespace))),
                ],
            )
            .await?;
            if !quota.is_error {
                facts.quotas.push(parse::into_object(quota)?);
            }
        }
        let mut report = assess(&facts);
        report.tool_calls = calls;
        Ok(report)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
