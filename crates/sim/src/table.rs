//! `meta.k8s.io/v1` Table output: the columns `kubectl get` prints per kind.
//!
//! Both real clients ask for Tables on lists (the MCP server shows an EMPTY
//! result for a plain List), and both need each row's `object` (a
//! PartialObjectMetadata) for the NAMESPACE and LABELS columns.

use serde_json::{Value, json};

use std::time::SystemTime;

use crate::clock::{parse_rfc3339, unix_seconds};
use crate::meta;
use crate::registry::{PrinterColumn, Resource};

/// What each row's `object` holds (`includeObject` query parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IncludeObject {
    /// Nothing.
    None,
    /// PartialObjectMetadata (the default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses `includeObject`; unknown values fall back to the default.
    pub fn parse(text: &str) -> Self {
        match text {
            "None" => Self::None,
            "Object" => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// One column: header, type, priority (0 = always shown, 1 = `-o wide`).
struct Column {
    name: &'static str,
    kind: &'static str,
    priority: u8,
    cell: fn(&Value, SystemTime) -> Value,
}

const fn column(name: &'static str, priority: u8, cell: fn(&Value, SystemTime) -> Value) -> Column {
    Column {
        name,
        kind: "string",
        priority,
        cell,
    }
}

const fn integer(
    name: &'static str,
    priority: u8,
    cell: fn(&Value, SystemTime) -> Value,
) -> Column {
    Column {
        name,
        kind: "integer",
        priority,
        cell,
    }
}

fn name_cell(object: &Value, _: SystemTime) -> Value {
    json!(meta::name(object))
}

fn age_cell(object: &Value, now: SystemTime) -> Value {
    json!(age(object["metadata"]["creationTimestamp"].as_str(), now))
}

/// A workload's container names, from its pod template.
fn template_containers_cell(workload: &Value, _: SystemTime) -> Value {
    json!(containers_of(&workload["spec"]["template"]["spec"]).0)
}

/// A workload's images, from its pod template.
fn template_images_cell(workload: &Value, _: SystemTime) -> Value {
    json!(containers_of(&workload["spec"]["template"]["spec"]).1)
}

/// A workload's label selector, as kubectl prints it.
fn selector_cell(workload: &Value, _: SystemTime) -> Value {
    json!(selector_text(&workload["spec"]["selector"]))
}

fn created_at_cell(object: &Value, _: SystemTime) -> Value {
    object["metadata"]["creationTimestamp"].clone()
}

/// How long ago `timestamp` was, in kubectl's `HumanDuration` format; `<unknown>` when absent.
pub fn age(timestamp: Option<&str>, now: SystemTime) -> String {
    let Some(then) = timestamp.and_then(parse_rfc3339) else {
        return "<unknown>".into();
    };
    human_duration(unix_seconds(now) - unix_seconds(then))
}

/// kubectl's `duration.HumanDuration` of a number of seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let seconds = seconds.max(0);
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let rest = seconds % 60;
        return if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let rest = minutes % 60;
        return if rest == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let rest = hours % 24;
        return if rest == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{rest}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let rest = days % 365;
        return if rest == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{rest}d")
        };
    }
    format!("{years}y")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn or_none(text: String) -> Value {
    json!(if text.is_empty() {
        "<none>".to_owned()
    } else {
        text
    })
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

fn containers_of(template_spec: &Value) -> (String, String) {
    let containers = template_spec["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = containers.iter().map(|c| text(&c["name"])).collect();
    let images: Vec<String> = containers.iter().map(|c| text(&c["image"])).collect();
    (names.join(","), images.join(","))
}

fn selector_text(selector: &Value) -> String {
    crate::selector::LabelSelector::from_object(selector)
        .map(|selector| selector.to_string())
        .unwrap_or_default()
}

// ---- pods -----------------------------------------------------------------

/// The STATUS column of a pod, computed the way kubectl's printer does.
pub fn pod_status(pod: &Value) -> String {
    let mut reason = text(&pod["status"]["phase"]);
    if let Some(status_reason) = pod["status"]["reason"].as_str() {
        reason = status_reason.to_owned();
    }
    let init_total = pod["spec"]["initContainers"].as_array().map_or(0, Vec::len);
    let mut initializing = false;
    for (index, status) in pod["status"]["initContainerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let state = &status["state"];
        let terminated = &state["terminated"];
        if !terminated.is_null() && int(&terminated["exitCode"]) == 0 {
            continue;
        }
        initializing = true;
        let waiting = state["waiting"]["reason"].as_str().unwrap_or_default();
        reason = if !terminated.is_null() {
            match terminated["reason"].as_str().filter(|r| !r.is_empty()) {
                Some(terminated) => format!("Init:{terminated}"),
                None => format!("Init:ExitCode:{}", int(&terminated["exitCode"])),
            }
        } else if !waiting.is_empty() && waiting != "PodInitializing" {
            format!("Init:{waiting}")
        } else {
            format!("Init:{index}/{init_total}")
        };
        break;
    }
    let initialized = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|condition| condition["type"] == "Initialized" && condition["status"] == "True");
    if initializing && !initialized {
        if !pod["metadata"]["deletionTimestamp"].is_null() {
            return "Terminating".into();
        }
        return reason;
    }
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut has_running = false;
    for status in statuses.iter().rev() {
        let state = &status["state"];
        if let Some(waiting) = state["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty())
        {
            reason = waiting.to_owned();
        } else if !state["terminated"].is_null() {
            reason = match state["terminated"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                Some(terminated) => terminated.to_owned(),
                None => format!("ExitCode:{}", int(&state["terminated"]["exitCode"])),
            };
        } else if !state["running"].is_null() && status["ready"] == true {
            has_running = true;
        }
    }
    if reason == "Completed" && has_running {
        reason = "Running".into();
    }
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        reason = "Terminating".into();
    }
    reason
}

fn pod_ready(pod: &Value, _: SystemTime) -> Value {
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = pod["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |statuses| {
            statuses
                .iter()
                .filter(|status| status["ready"] == true)
                .count()
        });
    json!(format!("{ready}/{total}"))
}

fn pod_restarts(pod: &Value, now: SystemTime) -> Value {
    // kubectl counts the init containers' restarts while the pod is still
    // initializing, the app containers' once it is not.
    let initializing = pod_status(pod).starts_with("Init:");
    let list = if initializing {
        "initContainerStatuses"
    } else {
        "containerStatuses"
    };
    let statuses = pod["status"][list].as_array().cloned().unwrap_or_default();
    let restarts: i64 = statuses
        .iter()
        .map(|status| int(&status["restartCount"]))
        .sum();
    let last_restart = statuses
        .iter()
        .filter_map(|status| status["lastState"]["terminated"]["finishedAt"].as_str())
        .filter_map(parse_rfc3339)
        .max();
    match (restarts, last_restart) {
        (0, _) | (_, None) => json!(restarts.to_string()),
        (count, Some(when)) => json!(format!(
            "{count} ({} ago)",
            human_duration(unix_seconds(now) - unix_seconds(when))
        )),
    }
}

const POD_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Ready", 0, pod_ready),
    column("Status", 0, |pod, _| json!(pod_status(pod))),
    column("Restarts", 0, pod_restarts),
    column("Age", 0, age_cell),
    column("IP", 1, |pod, _| or_none(text(&pod["status"]["podIP"]))),
    column("Node", 1, |pod, _| or_none(text(&pod["spec"]["nodeName"]))),
    column("Nominated Node", 1, |pod, _| {
        or_none(text(&pod["status"]["nominatedNodeName"]))
    }),
    column("Readiness Gates", 1, |_, _| json!("<none>")),
];

// ---- nodes, namespaces ------------------------------------------------------

fn node_status(node: &Value, _: SystemTime) -> Value {
    let ready = node["status"]["conditions"]
        .as_array()
        .and_then(|conditions| {
            conditions
                .iter()
                .find(|condition| condition["type"] == "Ready")
        })
        .map(|condition| condition["status"] == "True");
    let mut status = match ready {
        Some(true) => "Ready".to_owned(),
        Some(false) => "NotReady".to_owned(),
        None => "Unknown".to_owned(),
    };
    if node["spec"]["unschedulable"] == true {
        status.push_str(",SchedulingDisabled");
    }
    json!(status)
}

fn node_roles(node: &Value, _: SystemTime) -> Value {
    let roles: Vec<&str> = meta::labels(node)
        .into_iter()
        .filter_map(|(key, _)| key.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    or_none(roles.join(","))
}

fn node_address(node: &Value, kind: &str) -> Value {
    let address = node["status"]["addresses"]
        .as_array()
        .and_then(|addresses| addresses.iter().find(|address| address["type"] == kind))
        .map(|address| text(&address["address"]))
        .unwrap_or_default();
    or_none(address)
}

const NODE_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Status", 0, node_status),
    column("Roles", 0, node_roles),
    column("Age", 0, age_cell),
    column("Version", 0, |node, _| {
        json!(text(&node["status"]["nodeInfo"]["kubeletVersion"]))
    }),
    column("Internal-IP", 1, |node, _| node_address(node, "InternalIP")),
    column("External-IP", 1, |node, _| node_address(node, "ExternalIP")),
    column("OS-Image", 1, |node, _| {
        json!(text(&node["status"]["nodeInfo"]["osImage"]))
    }),
    column("Kernel-Version", 1, |node, _| {
        json!(text(&node["status"]["nodeInfo"]["kernelVersion"]))
    }),
    column("Container-Runtime", 1, |node, _| {
        json!(text(&node["status"]["nodeInfo"]["containerRuntimeVersion"]))
    }),
];

const NAMESPACE_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Status", 0, |ns, _| json!(text(&ns["status"]["phase"]))),
    column("Age", 0, age_cell),
];

// ---- workloads -------------------------------------------------------------

const DEPLOYMENT_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Ready", 0, |d, _| {
        json!(format!(
            "{}/{}",
            int(&d["status"]["readyReplicas"]),
            int(&d["spec"]["replicas"])
        ))
    }),
    integer("Up-to-date", 0, |d, _| {
        json!(int(&d["status"]["updatedReplicas"]))
    }),
    integer("Available", 0, |d, _| {
        json!(int(&d["status"]["availableReplicas"]))
    }),
    column("Age", 0, age_cell),
    column("Containers", 1, template_containers_cell),
    column("Images", 1, template_images_cell),
    column("Selector", 1, selector_cell),
];

const REPLICA_SET_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    integer("Desired", 0, |r, _| json!(int(&r["spec"]["replicas"]))),
    integer("Current", 0, |r, _| json!(int(&r["status"]["replicas"]))),
    integer("Ready", 0, |r, _| json!(int(&r["status"]["readyReplicas"]))),
    column("Age", 0, age_cell),
    column("Containers", 1, template_containers_cell),
    column("Images", 1, template_images_cell),
    column("Selector", 1, selector_cell),
];

const STATEFUL_SET_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Ready", 0, |s, _| {
        json!(format!(
            "{}/{}",
            int(&s["status"]["readyReplicas"]),
            int(&s["spec"]["replicas"])
        ))
    }),
    column("Age", 0, age_cell),
    column("Containers", 1, template_containers_cell),
    column("Images", 1, template_images_cell),
];

const DAEMON_SET_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    integer("Desired", 0, |d, _| {
        json!(int(&d["status"]["desiredNumberScheduled"]))
    }),
    integer("Current", 0, |d, _| {
        json!(int(&d["status"]["currentNumberScheduled"]))
    }),
    integer("Ready", 0, |d, _| json!(int(&d["status"]["numberReady"]))),
    integer("Up-to-date", 0, |d, _| {
        json!(int(&d["status"]["updatedNumberScheduled"]))
    }),
    integer("Available", 0, |d, _| {
        json!(int(&d["status"]["numberAvailable"]))
    }),
    column("Node Selector", 0, |d, _| {
        let pairs: Vec<String> = meta::string_map(&d["spec"]["template"]["spec"]["nodeSelector"])
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        or_none(pairs.join(","))
    }),
    column("Age", 0, age_cell),
    column("Containers", 1, template_containers_cell),
    column("Images", 1, template_images_cell),
    column("Selector", 1, selector_cell),
];

fn job_status(job: &Value, _: SystemTime) -> Value {
    let has_condition = |kind: &str| {
        job["status"]["conditions"]
            .as_array()
            .is_some_and(|conditions| {
                conditions
                    .iter()
                    .any(|condition| condition["type"] == kind && condition["status"] == "True")
            })
    };
    let status = if has_condition("Complete") {
        "Complete"
    } else if has_condition("Failed") {
        "Failed"
    } else if job["spec"]["suspend"] == true {
        "Suspended"
    } else {
        "Running"
    };
    json!(status)
}

fn job_duration(job: &Value, now: SystemTime) -> Value {
    let start = job["status"]["startTime"].as_str().and_then(parse_rfc3339);
    let end = job["status"]["completionTime"]
        .as_str()
        .and_then(parse_rfc3339)
        .unwrap_or(now);
    json!(start.map_or_else(String::new, |start| human_duration(
        unix_seconds(end) - unix_seconds(start)
    )))
}

const JOB_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Status", 0, job_status),
    column("Completions", 0, |j, _| {
        json!(format!(
            "{}/{}",
            int(&j["status"]["succeeded"]),
            int(&j["spec"]["completions"])
        ))
    }),
    column("Duration", 0, job_duration),
    column("Age", 0, age_cell),
    column("Containers", 1, template_containers_cell),
    column("Images", 1, template_images_cell),
    column("Selector", 1, selector_cell),
];

const CRON_JOB_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Schedule", 0, |c, _| json!(text(&c["spec"]["schedule"]))),
    column("Timezone", 0, |c, _| or_none(text(&c["spec"]["timeZone"]))),
    column("Suspend", 0, |c, _| {
        json!(if c["spec"]["suspend"] == true {
            "True"
        } else {
            "False"
        })
    }),
    integer("Active", 0, |c, _| {
        json!(c["status"]["active"].as_array().map_or(0, Vec::len))
    }),
    column("Last Schedule", 0, |c, now| {
        json!(
            c["status"]["lastScheduleTime"]
                .as_str()
                .map_or_else(|| "<none>".into(), |t| age(Some(t), now))
        )
    }),
    column("Age", 0, age_cell),
    column("Containers", 1, |c, _| {
        json!(containers_of(&c["spec"]["jobTemplate"]["spec"]["template"]["spec"]).0)
    }),
    column("Images", 1, |c, _| {
        json!(containers_of(&c["spec"]["jobTemplate"]["spec"]["template"]["spec"]).1)
    }),
    column("Selector", 1, |c, _| {
        or_none(selector_text(&c["spec"]["jobTemplate"]["spec"]["selector"]))
    }),
];

const HPA_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Reference", 0, |h, _| {
        json!(format!(
            "{}/{}",
            text(&h["spec"]["scaleTargetRef"]["kind"]),
            text(&h["spec"]["scaleTargetRef"]["name"])
        ))
    }),
    column("Targets", 0, |h, _| {
        // kubectl's `cpu: 45%/60%`: the current value from the status when
        // the controller could read it, `<unknown>` otherwise.
        let targets: Vec<String> = h["spec"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|metric| {
                let resource = &metric["resource"];
                let name = text(&resource["name"]);
                let current = h["status"]["currentMetrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|current| current["resource"]["name"] == resource["name"])
                    .map(|current| &current["resource"]["current"]);
                if let Some(target) = resource["target"]["averageUtilization"].as_i64() {
                    let now = current
                        .and_then(|current| current["averageUtilization"].as_i64())
                        .map_or_else(|| "<unknown>".to_string(), |now| format!("{now}%"));
                    return Some(format!("{name}: {now}/{target}%"));
                }
                let target = resource["target"]["averageValue"].as_str()?;
                let now = current
                    .and_then(|current| current["averageValue"].as_str())
                    .unwrap_or("<unknown>");
                Some(format!("{name}: {now}/{target}"))
            })
            .collect();
        or_none(targets.join(", "))
    }),
    integer("MinPods", 0, |h, _| {
        json!(h["spec"]["minReplicas"].as_i64().unwrap_or(1))
    }),
    integer("MaxPods", 0, |h, _| json!(int(&h["spec"]["maxReplicas"]))),
    integer("Replicas", 0, |h, _| {
        json!(int(&h["status"]["currentReplicas"]))
    }),
    column("Age", 0, age_cell),
];

// ---- services and configuration -------------------------------------------

fn service_ports(service: &Value, _: SystemTime) -> Value {
    let ports: Vec<String> = service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|port| {
            let protocol = port["protocol"].as_str().unwrap_or("TCP");
            match port["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", text(&port["port"])),
                None => format!("{}/{protocol}", text(&port["port"])),
            }
        })
        .collect();
    or_none(ports.join(","))
}

fn service_external_ip(service: &Value, _: SystemTime) -> Value {
    let ingress: Vec<String> = service["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            text(if entry["ip"].is_null() {
                &entry["hostname"]
            } else {
                &entry["ip"]
            })
        })
        .collect();
    if !ingress.is_empty() {
        return json!(ingress.join(","));
    }
    match service["spec"]["type"].as_str() {
        Some("LoadBalancer") => json!("<pending>"),
        Some("ExternalName") => json!(text(&service["spec"]["externalName"])),
        _ => json!("<none>"),
    }
}

const SERVICE_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Type", 0, |s, _| json!(text(&s["spec"]["type"]))),
    column("Cluster-IP", 0, |s, _| {
        or_none(text(&s["spec"]["clusterIP"]))
    }),
    column("External-IP", 0, service_external_ip),
    column("Port(s)", 0, service_ports),
    column("Age", 0, age_cell),
    column("Selector", 1, |s, _| {
        let pairs: Vec<String> = meta::string_map(&s["spec"]["selector"])
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        or_none(pairs.join(","))
    }),
];

fn endpoints_list(endpoints: &Value, _: SystemTime) -> Value {
    let mut entries = Vec::new();
    for subset in endpoints["subsets"].as_array().into_iter().flatten() {
        for address in subset["addresses"].as_array().into_iter().flatten() {
            for port in subset["ports"].as_array().into_iter().flatten() {
                entries.push(format!("{}:{}", text(&address["ip"]), text(&port["port"])));
            }
        }
    }
    or_none(entries.join(","))
}

const ENDPOINTS_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Endpoints", 0, endpoints_list),
    column("Age", 0, age_cell),
];

/// The ENDPOINTS column of an EndpointSlice: the first three addresses and
/// how many more, as kubectl prints it.
fn slice_endpoints(slice: &Value, _: SystemTime) -> Value {
    if slice["endpoints"].is_null() {
        return json!("<unset>");
    }
    let addresses: Vec<String> = slice["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|endpoint| endpoint["addresses"].as_array().into_iter().flatten())
        .map(text)
        .collect();
    let shown = addresses
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    match addresses.len() {
        0 => json!("<none>"),
        1..=3 => json!(shown),
        count => json!(format!("{shown} + {} more...", count - 3)),
    }
}

const ENDPOINT_SLICE_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("AddressType", 0, |s, _| json!(text(&s["addressType"]))),
    column("Ports", 0, |s, _| {
        if s["ports"].is_null() {
            return json!("<unset>");
        }
        let ports: Vec<String> = s["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|port| text(&port["port"]))
            .collect();
        or_none(ports.join(","))
    }),
    column("Endpoints", 0, slice_endpoints),
    column("Age", 0, age_cell),
];

const POD_DISRUPTION_BUDGET_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Min Available", 0, |p, _| or_na(&p["spec"]["minAvailable"])),
    column("Max Unavailable", 0, |p, _| {
        or_na(&p["spec"]["maxUnavailable"])
    }),
    integer("Allowed Disruptions", 0, |p, _| {
        json!(int(&p["status"]["disruptionsAllowed"]))
    }),
    column("Age", 0, age_cell),
];

const STORAGE_CLASS_COLUMNS: &[Column] = &[
    column("Name", 0, |c, _| {
        let default =
            c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true";
        json!(if default {
            format!("{} (default)", meta::name(c))
        } else {
            meta::name(c).to_owned()
        })
    }),
    column("Provisioner", 0, |c, _| json!(text(&c["provisioner"]))),
    column("ReclaimPolicy", 0, |c, _| {
        json!(c["reclaimPolicy"].as_str().unwrap_or("Delete"))
    }),
    column("VolumeBindingMode", 0, |c, _| {
        json!(c["volumeBindingMode"].as_str().unwrap_or("Immediate"))
    }),
    column("AllowVolumeExpansion", 0, |c, _| {
        json!(c["allowVolumeExpansion"] == true)
    }),
    column("Age", 0, age_cell),
];

const PRIORITY_CLASS_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    integer("Value", 0, |c, _| json!(int(&c["value"]))),
    column("Global-Default", 0, |c, _| {
        json!(c["globalDefault"] == true)
    }),
    column("Age", 0, age_cell),
    column("PreemptionPolicy", 0, |c, _| {
        json!(
            c["preemptionPolicy"]
                .as_str()
                .unwrap_or("PreemptLowerPriority")
        )
    }),
];

const INGRESS_CLASS_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Controller", 0, |c, _| {
        json!(text(&c["spec"]["controller"]))
    }),
    column("Parameters", 0, |c, _| {
        let parameters = &c["spec"]["parameters"];
        or_none(if parameters.is_null() {
            String::new()
        } else {
            format!(
                "{}/{}",
                text(&parameters["kind"]),
                text(&parameters["name"])
            )
        })
    }),
    column("Age", 0, age_cell),
];

/// An int-or-string field, or `N/A` when unset (PDB columns).
fn or_na(value: &Value) -> Value {
    json!(if value.is_null() {
        "N/A".to_owned()
    } else {
        text(value)
    })
}

fn data_count(object: &Value, _: SystemTime) -> Value {
    let count = |field: &str| object[field].as_object().map_or(0, serde_json::Map::len);
    json!(count("data") + count("binaryData") + count("stringData"))
}

const CONFIG_MAP_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    integer("Data", 0, data_count),
    column("Age", 0, age_cell),
];

const SECRET_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Type", 0, |s, _| json!(text(&s["type"]))),
    integer("Data", 0, data_count),
    column("Age", 0, age_cell),
];

const SERVICE_ACCOUNT_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    integer("Secrets", 0, |s, _| {
        json!(s["secrets"].as_array().map_or(0, Vec::len))
    }),
    column("Age", 0, age_cell),
];

fn access_modes(object: &Value) -> String {
    object["spec"]["accessModes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|mode| match mode {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

const PVC_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Status", 0, |p, _| json!(text(&p["status"]["phase"]))),
    column("Volume", 0, |p, _| json!(text(&p["spec"]["volumeName"]))),
    column("Capacity", 0, |p, _| {
        json!(text(&p["status"]["capacity"]["storage"]))
    }),
    column("Access Modes", 0, |p, _| {
        json!(if p["status"]["phase"] == "Bound" {
            access_modes(p)
        } else {
            String::new()
        })
    }),
    column("StorageClass", 0, |p, _| {
        or_none(text(&p["spec"]["storageClassName"]))
    }),
    column("VolumeAttributesClass", 0, |p, _| {
        or_none(text(&p["spec"]["volumeAttributesClassName"]))
    }),
    column("Age", 0, age_cell),
    column("VolumeMode", 1, |p, _| {
        json!(text(&p["spec"]["volumeMode"]))
    }),
];

const PV_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Capacity", 0, |p, _| {
        json!(text(&p["spec"]["capacity"]["storage"]))
    }),
    column("Access Modes", 0, |p, _| json!(access_modes(p))),
    column("Reclaim Policy", 0, |p, _| {
        json!(text(&p["spec"]["persistentVolumeReclaimPolicy"]))
    }),
    column("Status", 0, |p, _| json!(text(&p["status"]["phase"]))),
    column("Claim", 0, |p, _| {
        let claim = &p["spec"]["claimRef"];
        json!(if claim.is_null() {
            String::new()
        } else {
            format!("{}/{}", text(&claim["namespace"]), text(&claim["name"]))
        })
    }),
    column("StorageClass", 0, |p, _| {
        json!(text(&p["spec"]["storageClassName"]))
    }),
    column("VolumeAttributesClass", 0, |p, _| {
        or_none(text(&p["spec"]["volumeAttributesClassName"]))
    }),
    column("Reason", 0, |p, _| json!(text(&p["status"]["reason"]))),
    column("Age", 0, age_cell),
];

// ---- events ----------------------------------------------------------------

fn event_last_seen(event: &Value, now: SystemTime) -> Value {
    let last = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|field| event[*field].as_str())
        .or_else(|| event["metadata"]["creationTimestamp"].as_str());
    json!(age(last, now))
}

const EVENT_COLUMNS: &[Column] = &[
    column("Last Seen", 0, event_last_seen),
    column("Type", 0, |e, _| json!(text(&e["type"]))),
    column("Reason", 0, |e, _| json!(text(&e["reason"]))),
    column("Object", 0, |e, _| {
        let involved = &e["involvedObject"];
        json!(format!(
            "{}/{}",
            text(&involved["kind"]).to_lowercase(),
            text(&involved["name"])
        ))
    }),
    column("Message", 0, |e, _| {
        json!(text(&e["message"]).trim().to_owned())
    }),
    column("Subobject", 1, |e, _| {
        json!(text(&e["involvedObject"]["fieldPath"]))
    }),
    column("Source", 1, |e, _| {
        let source = &e["source"];
        let component = text(&source["component"]);
        let host = text(&source["host"]);
        json!(if host.is_empty() {
            component
        } else {
            format!("{component}, {host}")
        })
    }),
    column("First Seen", 1, |e, now| {
        json!(age(e["firstTimestamp"].as_str(), now))
    }),
    integer("Count", 1, |e, _| json!(e["count"].as_i64().unwrap_or(1))),
    column("Name", 1, name_cell),
];

// ---- networking, RBAC, policy ---------------------------------------------

const INGRESS_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Class", 0, |i, _| {
        or_none(text(&i["spec"]["ingressClassName"]))
    }),
    column("Hosts", 0, |i, _| {
        let hosts: Vec<String> = i["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|rule| rule["host"].as_str().unwrap_or("*").to_owned())
            .collect();
        json!(if hosts.is_empty() {
            "*".to_owned()
        } else {
            hosts.join(",")
        })
    }),
    column("Address", 0, |i, _| {
        let addresses: Vec<String> = i["status"]["loadBalancer"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| {
                text(if entry["ip"].is_null() {
                    &entry["hostname"]
                } else {
                    &entry["ip"]
                })
            })
            .collect();
        json!(addresses.join(","))
    }),
    column("Ports", 0, |i, _| {
        json!(if i["spec"]["tls"]
            .as_array()
            .is_some_and(|tls| !tls.is_empty())
        {
            "80, 443"
        } else {
            "80"
        })
    }),
    column("Age", 0, age_cell),
];

const NETWORK_POLICY_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Pod-Selector", 0, |n, _| {
        json!(selector_text(&n["spec"]["podSelector"]))
    }),
    column("Age", 0, age_cell),
];

const ROLE_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Created At", 0, created_at_cell),
];

fn subjects(binding: &Value, kind: &str) -> Value {
    let names: Vec<String> = binding["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|subject| subject["kind"] == kind)
        .map(|subject| match subject["namespace"].as_str() {
            Some(namespace) if kind == "ServiceAccount" => {
                format!("{namespace}/{}", text(&subject["name"]))
            }
            _ => text(&subject["name"]),
        })
        .collect();
    json!(names.join(", "))
}

const BINDING_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Role", 0, |b, _| {
        json!(format!(
            "{}/{}",
            text(&b["roleRef"]["kind"]),
            text(&b["roleRef"]["name"])
        ))
    }),
    column("Age", 0, age_cell),
    column("Users", 1, |b, _| subjects(b, "User")),
    column("Groups", 1, |b, _| subjects(b, "Group")),
    column("ServiceAccounts", 1, |b, _| subjects(b, "ServiceAccount")),
];

const QUOTA_COLUMNS: &[Column] = &[
    column("Name", 0, name_cell),
    column("Age", 0, age_cell),
    column("Request", 0, |q, _| quota_usage(q, false)),
    column("Limit", 0, |q, _| quota_usage(q, true)),
];

fn quota_usage(quota: &Value, limits: bool) -> Value {
    let entries: Vec<String> = meta::string_map(&quota["status"]["hard"])
        .into_iter()
        .filter(|(key, _)| key.starts_with("limits.") == limits)
        .map(|(key, hard)| {
            let used = quota["status"]["used"][key].as_str().unwrap_or("0");
            format!("{key}: {used}/{hard}")
        })
        .collect();
    json!(entries.join(", "))
}

const DEFAULT_COLUMNS: &[Column] = &[column("Name", 0, name_cell), column("Age", 0, age_cell)];

fn columns_for(resource: &Resource) -> &'static [Column] {
    match (resource.group, resource.plural) {
        ("", "pods") => POD_COLUMNS,
        ("", "nodes") => NODE_COLUMNS,
        ("", "namespaces") => NAMESPACE_COLUMNS,
        ("", "events") | ("events.k8s.io", "events") => EVENT_COLUMNS,
        ("", "services") => SERVICE_COLUMNS,
        ("", "endpoints") => ENDPOINTS_COLUMNS,
        ("discovery.k8s.io", "endpointslices") => ENDPOINT_SLICE_COLUMNS,
        ("policy", "poddisruptionbudgets") => POD_DISRUPTION_BUDGET_COLUMNS,
        ("storage.k8s.io", "storageclasses") => STORAGE_CLASS_COLUMNS,
        ("scheduling.k8s.io", "priorityclasses") => PRIORITY_CLASS_COLUMNS,
        ("networking.k8s.io", "ingressclasses") => INGRESS_CLASS_COLUMNS,
        ("", "configmaps") => CONFIG_MAP_COLUMNS,
        ("", "secrets") => SECRET_COLUMNS,
        ("", "serviceaccounts") => SERVICE_ACCOUNT_COLUMNS,
        ("", "persistentvolumeclaims") => PVC_COLUMNS,
        ("", "persistentvolumes") => PV_COLUMNS,
        ("", "resourcequotas") => QUOTA_COLUMNS,
        ("", "limitranges") => ROLE_COLUMNS,
        ("apiextensions.k8s.io", "customresourcedefinitions") => ROLE_COLUMNS,
        ("apps", "deployments") => DEPLOYMENT_COLUMNS,
        ("apps", "replicasets") => REPLICA_SET_COLUMNS,
        ("apps", "statefulsets") => STATEFUL_SET_COLUMNS,
        ("apps", "daemonsets") => DAEMON_SET_COLUMNS,
        ("batch", "jobs") => JOB_COLUMNS,
        ("batch", "cronjobs") => CRON_JOB_COLUMNS,
        ("autoscaling", "horizontalpodautoscalers") => HPA_COLUMNS,
        ("networking.k8s.io", "ingresses") => INGRESS_COLUMNS,
        ("networking.k8s.io", "networkpolicies") => NETWORK_POLICY_COLUMNS,
        ("rbac.authorization.k8s.io", "roles" | "clusterroles") => ROLE_COLUMNS,
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => BINDING_COLUMNS,
        _ => DEFAULT_COLUMNS,
    }
}

fn column_description(name: &str) -> String {
    match name {
        "Name" => "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.".into(),
        "Age" => "CreationTimestamp is a timestamp representing the server time when this object was created.".into(),
        other => format!("{other} of the object."),
    }
}

/// The row `object` for one item.
fn row_object(object: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => object.clone(),
        IncludeObject::Metadata => {
            let mut metadata = object["metadata"].clone();
            if let Some(map) = metadata.as_object_mut() {
                map.remove("managedFields");
            }
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata})
        }
    }
}

/// A printer column's cell: the first value its JSONPath selects, typed as
/// the column says (a `date` shows as an age, as the API server renders it).
fn printer_cell(object: &Value, column: &PrinterColumn, now: SystemTime) -> Value {
    let Some(value) = crate::custom::select(object, column.json_path)
        .into_iter()
        .next()
    else {
        return Value::Null;
    };
    match (column.kind, value) {
        ("date", Value::String(timestamp)) => json!(age(Some(timestamp), now)),
        ("string", Value::String(_))
        | ("integer" | "number", Value::Number(_))
        | ("boolean", Value::Bool(_)) => value.clone(),
        (_, Value::String(text)) => json!(text),
        (_, other) => json!(other.to_string()),
    }
}

/// The column definitions and row cells of `items`: kubectl's columns for
/// built-in kinds, `Name` and the declared printer columns for custom ones.
fn columns_and_cells(
    resource: &Resource,
    items: &[Value],
    now: SystemTime,
) -> (Vec<Value>, Vec<Vec<Value>>) {
    let definition = |name: &str, kind: &str, priority: u8, description: String| {
        json!({
            "name": name,
            "type": kind,
            "format": if name == "Name" { "name" } else { "" },
            "description": description,
            "priority": priority,
        })
    };
    if resource.printer_columns.is_empty() {
        let columns = columns_for(resource);
        let definitions = columns
            .iter()
            .map(|column| {
                definition(
                    column.name,
                    column.kind,
                    column.priority,
                    column_description(column.name),
                )
            })
            .collect();
        let cells = items
            .iter()
            .map(|item| {
                columns
                    .iter()
                    .map(|column| (column.cell)(item, now))
                    .collect()
            })
            .collect();
        return (definitions, cells);
    }
    let mut definitions = vec![definition("Name", "string", 0, column_description("Name"))];
    definitions.extend(resource.printer_columns.iter().map(|column| {
        definition(
            column.name,
            column.kind,
            column.priority,
            column.description.to_owned(),
        )
    }));
    let cells = items
        .iter()
        .map(|item| {
            std::iter::once(name_cell(item, now))
                .chain(
                    resource
                        .printer_columns
                        .iter()
                        .map(|column| printer_cell(item, column, now)),
                )
                .collect()
        })
        .collect();
    (definitions, cells)
}

/// The Table for `items` of `resource`, computed at `now`.
pub fn table(
    resource: &Resource,
    items: &[Value],
    resource_version: &str,
    include: IncludeObject,
    now: SystemTime,
) -> Value {
    let (definitions, cells) = columns_and_cells(resource, items, now);
    let rows: Vec<Value> = items
        .iter()
        .zip(cells)
        .map(|(item, cells)| json!({"cells": cells, "object": row_object(item, include)}))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn now() -> SystemTime {
        parse_rfc3339("2026-11-25T12:00:00Z").expect("valid")
    }

    #[test]
    fn human_durations_match_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3h5m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(40 * 86400), "40d");
        assert_eq!(human_duration(-5), "<invalid>");
    }

    #[test]
    fn pod_rows_show_ready_status_restarts_and_age() {
        let pod = json!({
            "metadata": {"name": "web-1", "namespace": "prod", "creationTimestamp": "2026-11-25T11:00:00Z", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-a", "containers": [{"name": "app"}, {"name": "sidecar"}]},
            "status": {"phase": "Running", "podIP": "10.244.0.5", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 4,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:58:00Z"}}},
                {"name": "sidecar", "ready": true, "restartCount": 0, "state": {"running": {}}}
            ]}
        });
        let table = table(&registry::PODS, &[pod], "7", IncludeObject::Metadata, now());
        let names: Vec<&str> = table["columnDefinitions"]
            .as_array()
            .expect("columns")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(&names[..5], ["Name", "Ready", "Status", "Restarts", "Age"]);
        assert_eq!(table["columnDefinitions"][5]["priority"], 1);
        let cells = &table["rows"][0]["cells"];
        assert_eq!(cells[0], "web-1");
        assert_eq!(cells[1], "1/2");
        assert_eq!(cells[2], "CrashLoopBackOff");
        assert_eq!(cells[3], "4 (2m ago)");
        assert_eq!(cells[4], "60m");
        assert_eq!(cells[5], "10.244.0.5");
        assert_eq!(cells[6], "node-a");
        let object = &table["rows"][0]["object"];
        assert_eq!(object["kind"], "PartialObjectMetadata");
        assert_eq!(object["metadata"]["namespace"], "prod");
        assert_eq!(object["metadata"]["labels"]["app"], "web");
    }

    #[test]
    fn terminated_reasons_and_terminating_pods() {
        let oom = json!({"metadata": {}, "status": {"phase": "Running", "containerStatuses": [
            {"state": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}});
        assert_eq!(pod_status(&oom), "OOMKilled");
        let deleting = json!({"metadata": {"deletionTimestamp": "2026-11-25T11:00:00Z"}, "status": {"phase": "Running"}});
        assert_eq!(pod_status(&deleting), "Terminating");
    }

    #[test]
    fn initializing_pods_show_their_init_containers_progress() {
        let pod = |init_statuses: Value| {
            json!({"metadata": {}, "spec": {"initContainers": [{"name": "migrate"}, {"name": "wait-db"}]},
                   "status": {"phase": "Pending",
                              "conditions": [{"type": "Initialized", "status": "False"}],
                              "initContainerStatuses": init_statuses,
                              "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}]}})
        };
        let done = json!({"name": "migrate", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let waiting = json!({"name": "wait-db", "state": {"running": {}}});
        assert_eq!(pod_status(&pod(json!([done, waiting]))), "Init:1/2");
        let backing_off = json!({"name": "migrate", "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-25T11:59:00Z"}}});
        let blocked =
            json!({"name": "wait-db", "state": {"waiting": {"reason": "PodInitializing"}}});
        let crashing = pod(json!([backing_off, blocked]));
        assert_eq!(pod_status(&crashing), "Init:CrashLoopBackOff");
        assert_eq!(pod_restarts(&crashing, now()), json!("3 (60s ago)"));
        let failed =
            json!({"name": "migrate", "state": {"terminated": {"exitCode": 2, "reason": "Error"}}});
        assert_eq!(pod_status(&pod(json!([failed, blocked]))), "Init:Error");
    }

    #[test]
    fn deployment_rows() {
        let deployment = json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-11-23T12:00:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        let table = table(
            &registry::DEPLOYMENTS,
            &[deployment],
            "1",
            IncludeObject::Metadata,
            now(),
        );
        assert_eq!(
            table["rows"][0]["cells"],
            json!(["web", "2/3", 3, 2, "2d", "app", "nginx:1.27", "app=web"])
        );
    }

    #[test]
    fn full_object_on_request() {
        let cm = json!({"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}});
        let table = table(
            &registry::CONFIGMAPS,
            std::slice::from_ref(&cm),
            "1",
            IncludeObject::Object,
            now(),
        );
        assert_eq!(table["rows"][0]["object"], cm);
        assert_eq!(table["rows"][0]["cells"][1], 2);
    }
}
