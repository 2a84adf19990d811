//! Defaulting and validation on writes, the way a real API server's
//! registry strategies do them for the fields clients look at.
//!
//! Defaults matter because clients read them back: `kubectl describe` prints a
//! Deployment's strategy, `kubectl apply` diffs against defaulted fields, and
//! the MCP server's YAML output shows them. Validation gives the 422 `Invalid`
//! answers real clients expect instead of storing nonsense.

pub mod quota;

use serde_json::{Value, json};

use crate::error::{ApiError, FieldCause, ObjectTarget};
use crate::registry::Resource;

/// What a Node that states no capacity can hold: a common 4-core, 16 GiB
/// worker.
fn default_node_capacity() -> Value {
    json!({"cpu": "4", "memory": "16Gi", "pods": "110"})
}

/// The kubelet version a Node reports when its manifest does not say.
pub const DEFAULT_KUBELET_VERSION: &str = "v1.32.5";

/// Fills defaults the API server would set on create or update.
pub fn apply_defaults(resource: &Resource, object: &mut Value) {
    match (resource.group, resource.kind) {
        ("", "Namespace") => {
            let name = crate::meta::name(object).to_owned();
            let metadata = crate::meta::metadata_mut(object);
            let labels = metadata.entry("labels").or_insert_with(|| json!({}));
            if labels.is_object() {
                labels["kubernetes.io/metadata.name"] = json!(name);
            }
            default(object, "/spec/finalizers", json!(["kubernetes"]));
            default(object, "/status/phase", json!("Active"));
        }
        ("", "Pod") => {
            default_pod_spec(object, "/spec");
            default(object, "/status/phase", json!("Pending"));
        }
        ("", "Service") => {
            default(object, "/spec/type", json!("ClusterIP"));
            default(object, "/spec/sessionAffinity", json!("None"));
            if object.pointer("/spec/type") != Some(&json!("ExternalName")) {
                default(object, "/spec/ipFamilies", json!(["IPv4"]));
                default(object, "/spec/ipFamilyPolicy", json!("SingleStack"));
                default(object, "/spec/internalTrafficPolicy", json!("Cluster"));
            }
            if matches!(
                object.pointer("/spec/type").and_then(Value::as_str),
                Some("NodePort" | "LoadBalancer")
            ) {
                default(object, "/spec/externalTrafficPolicy", json!("Cluster"));
            }
            if object.pointer("/spec/type") == Some(&json!("LoadBalancer")) {
                default(object, "/spec/allocateLoadBalancerNodePorts", json!(true));
                default(object, "/status/loadBalancer", json!({}));
            }
            if let Some(ports) = object
                .pointer_mut("/spec/ports")
                .and_then(Value::as_array_mut)
            {
                for port in ports {
                    default(port, "/protocol", json!("TCP"));
                    if port.get("targetPort").is_none() {
                        port["targetPort"] = port["port"].clone();
                    }
                }
            }
        }
        ("apps", "Deployment") => {
            default(object, "/spec/replicas", json!(1));
            default(object, "/spec/revisionHistoryLimit", json!(10));
            default(object, "/spec/progressDeadlineSeconds", json!(600));
            default(object, "/spec/strategy/type", json!("RollingUpdate"));
            if object.pointer("/spec/strategy/type") == Some(&json!("RollingUpdate")) {
                default(
                    object,
                    "/spec/strategy/rollingUpdate/maxSurge",
                    json!("25%"),
                );
                default(
                    object,
                    "/spec/strategy/rollingUpdate/maxUnavailable",
                    json!("25%"),
                );
            }
            default_pod_spec(object, "/spec/template/spec");
        }
        ("apps", "ReplicaSet") => {
            default(object, "/spec/replicas", json!(1));
            default_pod_spec(object, "/spec/template/spec");
        }
        ("apps", "StatefulSet") => {
            default(object, "/spec/replicas", json!(1));
            default(object, "/spec/podManagementPolicy", json!("OrderedReady"));
            default(object, "/spec/revisionHistoryLimit", json!(10));
            default(object, "/spec/updateStrategy/type", json!("RollingUpdate"));
            if object.pointer("/spec/updateStrategy/type") == Some(&json!("RollingUpdate")) {
                default(
                    object,
                    "/spec/updateStrategy/rollingUpdate/partition",
                    json!(0),
                );
            }
            default(
                object,
                "/spec/persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
            if let Some(templates) = object
                .pointer_mut("/spec/volumeClaimTemplates")
                .and_then(Value::as_array_mut)
            {
                for template in templates {
                    default(template, "/apiVersion", json!("v1"));
                    default(template, "/kind", json!("PersistentVolumeClaim"));
                    default(template, "/spec/volumeMode", json!("Filesystem"));
                    default(template, "/status/phase", json!("Pending"));
                }
            }
            default_pod_spec(object, "/spec/template/spec");
        }
        ("apps", "DaemonSet") => {
            default(object, "/spec/revisionHistoryLimit", json!(10));
            default(object, "/spec/updateStrategy/type", json!("RollingUpdate"));
            if object.pointer("/spec/updateStrategy/type") == Some(&json!("RollingUpdate")) {
                default(
                    object,
                    "/spec/updateStrategy/rollingUpdate/maxUnavailable",
                    json!(1),
                );
                default(
                    object,
                    "/spec/updateStrategy/rollingUpdate/maxSurge",
                    json!(0),
                );
            }
            default_pod_spec(object, "/spec/template/spec");
        }
        ("batch", "Job") => {
            default_job_spec(object, "/spec");
        }
        ("batch", "CronJob") => {
            default(object, "/spec/suspend", json!(false));
            default(object, "/spec/concurrencyPolicy", json!("Allow"));
            default(object, "/spec/successfulJobsHistoryLimit", json!(3));
            default(object, "/spec/failedJobsHistoryLimit", json!(1));
            // A job template keeps its counts unset: the Job made from it gets them.
            default_pod_spec(object, "/spec/jobTemplate/spec/template/spec");
        }
        ("", "PersistentVolumeClaim") => {
            default(object, "/spec/volumeMode", json!("Filesystem"));
            default(object, "/status/phase", json!("Pending"));
        }
        ("", "PersistentVolume") => {
            default(
                object,
                "/spec/persistentVolumeReclaimPolicy",
                json!("Retain"),
            );
            default(object, "/spec/volumeMode", json!("Filesystem"));
            default(object, "/status/phase", json!("Available"));
        }
        ("storage.k8s.io", "StorageClass") => {
            default(object, "/reclaimPolicy", json!("Delete"));
            default(object, "/volumeBindingMode", json!("Immediate"));
        }
        ("scheduling.k8s.io", "PriorityClass") => {
            default(object, "/preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            let mut types = vec![json!("Ingress")];
            if object.pointer("/spec/egress").is_some() {
                types.push(json!("Egress"));
            }
            default(object, "/spec/policyTypes", Value::Array(types));
            for direction in ["ingress", "egress"] {
                for rule in object
                    .pointer_mut(&format!("/spec/{direction}"))
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    for port in rule
                        .get_mut("ports")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        default(port, "/protocol", json!("TCP"));
                    }
                }
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            for subject in object
                .get_mut("subjects")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let group = if subject["kind"] == "ServiceAccount" {
                    ""
                } else {
                    "rbac.authorization.k8s.io"
                };
                default(subject, "/apiGroup", json!(group));
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            crate::custom::default_definition(object);
        }
        ("", "Secret") => {
            default(object, "/type", json!("Opaque"));
            merge_string_data(object);
        }
        ("", "Node") => {
            // A hand-written scenario Node is often just a name. The node
            // controller and kubelet of a real cluster would report these;
            // without them the node would have no room and no version.
            if object.pointer("/status/allocatable").is_none() {
                let capacity = object
                    .pointer("/status/capacity")
                    .cloned()
                    .unwrap_or_else(default_node_capacity);
                default(object, "/status/capacity", capacity.clone());
                default(object, "/status/allocatable", capacity);
            }
            default(
                object,
                "/status/nodeInfo/kubeletVersion",
                json!(DEFAULT_KUBELET_VERSION),
            );
            default(
                object,
                "/status/conditions",
                json!([
                    {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
                    {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
                    {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
                    {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
                ]),
            );
            default(object, "/status/nodeInfo/operatingSystem", json!("linux"));
            default(object, "/status/nodeInfo/architecture", json!("amd64"));
        }
        _ => {}
    }
}

/// The ServiceAccount a pod runs as when it names none. Every namespace has
/// it (`controllers::service_accounts` creates it, as the serviceaccount
/// controller does), so it is never looked up: a pod created in the moment
/// between a new namespace and its account is admitted.
const DEFAULT_SERVICE_ACCOUNT: &str = "default";

/// The `ServiceAccount` admission plugin's check: a pod naming a
/// ServiceAccount that does not exist in its namespace (`accounts` are that
/// namespace's) is refused with 403, in the plugin's words.
pub fn admit_service_account(
    pod: &Value,
    namespace: &str,
    accounts: &[&Value],
) -> Result<(), ApiError> {
    let account = pod
        .pointer("/spec/serviceAccountName")
        .and_then(Value::as_str)
        .filter(|account| !account.is_empty())
        .unwrap_or(DEFAULT_SERVICE_ACCOUNT);
    if account == DEFAULT_SERVICE_ACCOUNT
        || accounts
            .iter()
            .any(|existing| crate::meta::name(existing) == account)
    {
        return Ok(());
    }
    Err(pod_forbidden(
        pod,
        &format!(
            "error looking up service account {namespace}/{account}: serviceaccount \"{account}\" not found"
        ),
    ))
}

/// The PriorityClasses every cluster has, with their values.
const SYSTEM_PRIORITY_CLASSES: &[(&str, i64)] = &[
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

/// What the admission plugins that read other objects do to a new Pod:
/// `Priority` (the value and preemption policy of its PriorityClass; a class
/// that does not exist refuses the pod with 403, as the real plugin does),
/// `LimitRanger` (the namespace's container defaults, noted in the
/// `kubernetes.io/limit-ranger` annotation), and the API's own defaulting of
/// a missing request to the container's limit.
pub fn admit_pod(
    pod: &mut Value,
    limit_ranges: &[&Value],
    priority_classes: &[&Value],
) -> Result<(), ApiError> {
    let class_name = pod
        .pointer("/spec/priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let class = priority_classes
        .iter()
        .find(|class| crate::meta::name(class) == class_name)
        .map(|class| {
            (
                class["value"].as_i64().unwrap_or(0),
                class["preemptionPolicy"]
                    .as_str()
                    .unwrap_or("PreemptLowerPriority")
                    .to_owned(),
            )
        })
        .or_else(|| {
            SYSTEM_PRIORITY_CLASSES
                .iter()
                .find(|(name, _)| *name == class_name)
                .map(|(_, value)| (*value, "PreemptLowerPriority".to_owned()))
        });
    match class {
        Some((value, policy)) => {
            default(pod, "/spec/priority", json!(value));
            default(pod, "/spec/preemptionPolicy", json!(policy));
        }
        None if class_name.is_empty() => default(pod, "/spec/priority", json!(0)),
        None => {
            return Err(pod_forbidden(
                pod,
                &format!("no PriorityClass with name {class_name} was found"),
            ));
        }
    }
    let mut noted: Vec<String> = Vec::new();
    for range in limit_ranges {
        for item in range
            .pointer("/spec/limits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|item| item["type"] == "Container")
        {
            for list in ["containers", "initContainers"] {
                for container in pod
                    .pointer_mut(&format!("/spec/{list}"))
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    let name = container["name"].as_str().unwrap_or_default().to_owned();
                    for (section, source) in [("limits", "default"), ("requests", "defaultRequest")]
                    {
                        let Some(defaults) = item[source].as_object() else {
                            continue;
                        };
                        let mut set = Vec::new();
                        for (resource, amount) in defaults {
                            let pointer =
                                format!("/resources/{section}/{}", pointer_segment(resource));
                            if container.pointer(&pointer).is_none() {
                                default(container, &pointer, amount.clone());
                                set.push(resource.clone());
                            }
                        }
                        if !set.is_empty() {
                            let what = if section == "limits" {
                                "limit"
                            } else {
                                "request"
                            };
                            noted.push(format!(
                                "{} {what} for {} {name}",
                                set.join(", "),
                                if list == "containers" {
                                    "container"
                                } else {
                                    "init container"
                                }
                            ));
                        }
                    }
                }
            }
        }
    }
    for list in ["containers", "initContainers"] {
        for container in pod
            .pointer_mut(&format!("/spec/{list}"))
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let limits = container
                .pointer("/resources/limits")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (resource, amount) in limits {
                default(
                    container,
                    &format!("/resources/requests/{}", pointer_segment(&resource)),
                    amount,
                );
            }
        }
    }
    if !noted.is_empty() {
        let annotations = &mut crate::meta::metadata_mut(pod)
            .entry("annotations")
            .or_insert_with(|| json!({}));
        if annotations.is_object() {
            annotations["kubernetes.io/limit-ranger"] =
                json!(format!("LimitRanger plugin set: {}", noted.join("; ")));
        }
    }
    let violations = limit_range_violations(pod, limit_ranges);
    if violations.is_empty() {
        return Ok(());
    }
    // One violation is said as it is; several as Go's error aggregate.
    let said = match violations.as_slice() {
        [one] => one.clone(),
        several => format!("[{}]", several.join(", ")),
    };
    Err(pod_forbidden(pod, &said))
}

/// An admission plugin's 403 for a pod: `pods "NAME" is forbidden: WHY`. A
/// controller's pods are named by their prefix, as the API server sees a
/// generateName.
fn pod_forbidden(pod: &Value, why: &str) -> ApiError {
    let name = pod
        .pointer("/metadata/generateName")
        .or_else(|| pod.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    ApiError::Forbidden {
        message: format!("pods \"{name}\" is forbidden: {why}"),
        target: ObjectTarget::new("", "pods", name),
    }
}

/// A LimitRange item's bounds as the LimitRanger plugin checks them: the
/// field, its word in the message, the section a container must state and
/// the other one checked, and when a stated amount crosses the bound.
type LimitRangeBound = (
    &'static str,
    &'static str,
    [&'static str; 2],
    fn(crate::quantity::Quantity, crate::quantity::Quantity) -> bool,
);

/// `max` bounds limits (then requests) from above, `min` requests (then
/// limits) from below.
const LIMIT_RANGE_BOUNDS: [LimitRangeBound; 2] = [
    ("max", "maximum", ["limits", "requests"], |amount, bound| {
        amount > bound
    }),
    ("min", "minimum", ["requests", "limits"], |amount, bound| {
        amount < bound
    }),
];

/// What the LimitRanger plugin's validation finds wrong with a pod's
/// containers (init containers too) against the `Container` items of the
/// namespace's LimitRanges, after their defaults were applied: a limit or
/// request above `max`, a request or limit below `min`, a limit more than
/// `maxLimitRequestRatio` times the request (or either missing), in its
/// words. (`Pod`-type items are not enforced.)
fn limit_range_violations(pod: &Value, limit_ranges: &[&Value]) -> Vec<String> {
    use crate::quantity::Quantity;
    let amount = |value: &Value| value.as_str().and_then(|text| Quantity::parse(text).ok());
    let mut violations = Vec::new();
    let items = limit_ranges
        .iter()
        .filter_map(|range| range.pointer("/spec/limits").and_then(Value::as_array))
        .flatten()
        .filter(|item| item["type"] == "Container");
    for item in items {
        for container in ["containers", "initContainers"]
            .iter()
            .filter_map(|list| {
                pod.pointer(&format!("/spec/{list}"))
                    .and_then(Value::as_array)
            })
            .flatten()
        {
            let stated = |section: &str, resource: &str| {
                container
                    .pointer(&format!(
                        "/resources/{section}/{}",
                        pointer_segment(resource)
                    ))
                    .and_then(|value| Some((value.as_str()?.to_owned(), amount(value)?)))
            };
            for (field, word, sections, crosses) in LIMIT_RANGE_BOUNDS {
                for (resource, bound) in item[field].as_object().into_iter().flatten() {
                    let (Some(bound_text), Some(bound)) = (bound.as_str(), amount(bound)) else {
                        continue;
                    };
                    let said = format!("{word} {resource} usage per Container is {bound_text}");
                    // The first section must be stated; then the first one
                    // of the two found across the bound is named.
                    let [first, second] =
                        sections.map(|section| (section, stated(section, resource)));
                    if first.1.is_none() {
                        violations.push(format!(
                            "{said}.  No {} is specified",
                            first.0.trim_end_matches('s')
                        ));
                        continue;
                    }
                    let crossed = [first, second].into_iter().find_map(|(section, value)| {
                        let (text, quantity) = value?;
                        crosses(quantity, bound).then_some((section, text))
                    });
                    if let Some((section, text)) = crossed {
                        violations.push(format!(
                            "{said}, but {} is {text}",
                            section.trim_end_matches('s')
                        ));
                    }
                }
            }
            for (resource, ratio) in item["maxLimitRequestRatio"]
                .as_object()
                .into_iter()
                .flatten()
            {
                let (Some(ratio_text), Some(ratio)) = (ratio.as_str(), amount(ratio)) else {
                    continue;
                };
                let nonzero = |section: &str| {
                    stated(section, resource)
                        .map(|(_, quantity)| quantity)
                        .filter(|quantity| *quantity != Quantity::ZERO)
                };
                if let Some(broken) = ratio_violation(nonzero("requests"), nonzero("limits"), ratio)
                {
                    violations.push(format!(
                        "{resource} max limit to request ratio per Container is {ratio_text}, but {broken}"
                    ));
                }
            }
        }
    }
    violations
}

/// What breaks a `maxLimitRequestRatio` of `ratio` for a container stating
/// `request` and `limit` (`None`: missing or zero), in the LimitRanger
/// plugin's words after its "but"; `None` when the ratio holds. The limit
/// may be at most `ratio` times the request, compared exactly.
fn ratio_violation(
    request: Option<crate::quantity::Quantity>,
    limit: Option<crate::quantity::Quantity>,
    ratio: crate::quantity::Quantity,
) -> Option<String> {
    let Some(request) = request else {
        return Some("no request is specified or request is 0".to_owned());
    };
    let Some(limit) = limit else {
        return Some("no limit is specified or limit is 0".to_owned());
    };
    // limit / request > ratio, in nano-units: limit × 1e9 > ratio × request.
    const NANOS_PER_UNIT: i128 = 1_000_000_000;
    if limit.nanos() * NANOS_PER_UNIT <= ratio.nanos() * request.nanos() {
        return None;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "the observed ratio is printed with six decimals, as the plugin's %f does"
    )]
    let observed = limit.nanos() as f64 / request.nanos() as f64;
    Some(format!("provided ratio is {observed:.6}"))
}

/// Moves a Secret's write-only `stringData` into `data` (base64), as the API
/// server does: a stored Secret never shows `stringData`, and its values win
/// over `data` entries of the same key.
fn merge_string_data(secret: &mut Value) {
    use base64::Engine;
    let Some(Value::Object(plain)) = secret
        .as_object_mut()
        .and_then(|map| map.remove("stringData"))
    else {
        return;
    };
    if !secret["data"].is_object() {
        secret["data"] = json!({});
    }
    for (key, value) in plain {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        secret["data"][key] = json!(base64::engine::general_purpose::STANDARD.encode(text));
    }
}

/// Job spec defaults, at `path` (a Job's `/spec` or a CronJob's job template).
fn default_job_spec(object: &mut Value, path: &str) {
    let Some(spec) = object.pointer_mut(path) else {
        return;
    };
    default(spec, "/completions", json!(1));
    default(spec, "/parallelism", json!(1));
    default(spec, "/backoffLimit", json!(6));
    default(spec, "/completionMode", json!("NonIndexed"));
    default(spec, "/suspend", json!(false));
    default(spec, "/podReplacementPolicy", json!("TerminatingOrFailed"));
    default_pod_spec(spec, "/template/spec");
}

/// A probe's defaults (and its HTTP scheme).
fn default_probe(probe: &mut Value) {
    if !probe.is_object() {
        return;
    }
    default(probe, "/timeoutSeconds", json!(1));
    default(probe, "/periodSeconds", json!(10));
    default(probe, "/successThreshold", json!(1));
    default(probe, "/failureThreshold", json!(3));
    if probe.get("httpGet").is_some() {
        default(probe, "/httpGet/scheme", json!("HTTP"));
        default(probe, "/httpGet/path", json!("/"));
    }
}

/// The defaults of an environment variable's `valueFrom`.
fn default_env(container: &mut Value) {
    for variable in container
        .get_mut("env")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if variable.pointer("/valueFrom/fieldRef").is_some() {
            default(variable, "/valueFrom/fieldRef/apiVersion", json!("v1"));
        }
        if variable.pointer("/valueFrom/resourceFieldRef").is_some() {
            default(variable, "/valueFrom/resourceFieldRef/divisor", json!("0"));
        }
    }
}

/// Volume defaults: the file mode of projected files (0644, shown as 420),
/// host path types, downward API field versions.
fn default_volumes(spec: &mut Value) {
    const FILE_MODE: u32 = 0o644;
    for volume in spec
        .get_mut("volumes")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        for source in ["configMap", "secret", "downwardAPI", "projected"] {
            if volume.get(source).is_some_and(Value::is_object) {
                default(volume, &format!("/{source}/defaultMode"), json!(FILE_MODE));
            }
        }
        if volume.get("hostPath").is_some_and(Value::is_object) {
            default(volume, "/hostPath/type", json!(""));
        }
        let downward_items = volume
            .pointer_mut("/downwardAPI/items")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten();
        for item in downward_items {
            if item.get("fieldRef").is_some() {
                default(item, "/fieldRef/apiVersion", json!("v1"));
            }
        }
        for projection in volume
            .pointer_mut("/projected/sources")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if projection.get("serviceAccountToken").is_some() {
                default(
                    projection,
                    "/serviceAccountToken/expirationSeconds",
                    json!(3600),
                );
            }
            for item in projection
                .pointer_mut("/downwardAPI/items")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if item.get("fieldRef").is_some() {
                    default(item, "/fieldRef/apiVersion", json!("v1"));
                }
            }
        }
    }
}

/// Pod spec defaults, at `path` (a Pod's `/spec` or a template's).
fn default_pod_spec(object: &mut Value, path: &str) {
    let Some(spec) = object.pointer_mut(path) else {
        return;
    };
    default(spec, "/restartPolicy", json!("Always"));
    default(spec, "/dnsPolicy", json!("ClusterFirst"));
    default(spec, "/schedulerName", json!("default-scheduler"));
    default(spec, "/terminationGracePeriodSeconds", json!(30));
    default(spec, "/securityContext", json!({}));
    default(spec, "/serviceAccountName", json!("default"));
    default(spec, "/enableServiceLinks", json!(true));
    default_volumes(spec);
    for list in ["containers", "initContainers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            let image = container["image"].as_str().unwrap_or_default();
            let pinned = image
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':') || last.contains('@'));
            let policy = if pinned && !image.ends_with(":latest") {
                "IfNotPresent"
            } else {
                "Always"
            };
            default(container, "/imagePullPolicy", json!(policy));
            default(
                container,
                "/terminationMessagePath",
                json!("/dev/termination-log"),
            );
            default(container, "/terminationMessagePolicy", json!("File"));
            default(container, "/resources", json!({}));
            if let Some(ports) = container.get_mut("ports").and_then(Value::as_array_mut) {
                for port in ports {
                    default(port, "/protocol", json!("TCP"));
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if let Some(probe) = container.get_mut(probe) {
                    default_probe(probe);
                }
            }
            default_env(container);
        }
    }
}

/// A map key as one JSON-pointer segment (RFC 6901): a resource name such
/// as `nvidia.com/gpu` holds a `/` that would otherwise split it in two.
fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Sets the value at a JSON pointer when absent, creating intermediate objects.
fn default(object: &mut Value, pointer: &str, value: Value) {
    if object.pointer(pointer).is_some() {
        return;
    }
    let mut current = object;
    let segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        if !current.is_object() {
            if current.is_null() {
                *current = json!({});
            } else {
                return;
            }
        }
        let last = index + 1 == segments.len();
        let map = current
            .as_object_mut()
            .expect("checked to be an object above");
        let key = segment.replace("~1", "/").replace("~0", "~");
        if last {
            map.insert(key, value);
            return;
        }
        current = map.entry(key).or_insert_with(|| json!({}));
    }
}

/// Validates an object before it is stored; a 422 names each invalid field.
pub fn validate(resource: &Resource, object: &Value) -> Result<(), ApiError> {
    let name = crate::meta::name(object);
    let mut causes = Vec::new();
    let mut cause = |field: &str, message: String| {
        causes.push(FieldCause {
            field: field.to_owned(),
            message,
        });
    };
    if name.is_empty() {
        cause(
            "metadata.name",
            "Required value: name or generateName is required".into(),
        );
    } else if !is_dns_subdomain(name) {
        cause(
            "metadata.name",
            format!(
                "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ),
        );
    }
    let pod_spec_path = match (resource.group, resource.kind) {
        ("", "Pod") => Some("spec"),
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => {
            Some("spec.template.spec")
        }
        ("batch", "CronJob") => Some("spec.jobTemplate.spec.template.spec"),
        _ => None,
    };
    if let Some(path) = pod_spec_path {
        let pointer = format!("/{}", path.replace('.', "/"));
        let containers = object
            .pointer(&format!("{pointer}/containers"))
            .and_then(Value::as_array);
        match containers {
            None => cause(&format!("{path}.containers"), "Required value".into()),
            Some(containers) if containers.is_empty() => {
                cause(&format!("{path}.containers"), "Required value".into());
            }
            Some(containers) => {
                for (index, container) in containers.iter().enumerate() {
                    for field in ["name", "image"] {
                        if container[field].as_str().unwrap_or_default().is_empty() {
                            cause(
                                &format!("{path}.containers[{index}].{field}"),
                                "Required value".into(),
                            );
                        }
                    }
                }
            }
        }
    }
    if (resource.group, resource.kind) == ("batch", "CronJob") {
        match object["spec"]["schedule"].as_str() {
            None | Some("") => cause("spec.schedule", "Required value".into()),
            Some(schedule) => {
                if let Err(error) = crate::cron::Schedule::parse(schedule) {
                    cause(
                        "spec.schedule",
                        format!("Invalid value: \"{schedule}\": {error}"),
                    );
                }
            }
        }
        if let Some(zone) = object["spec"]["timeZone"].as_str()
            && let Err(error) = crate::zone::Zone::load(zone)
        {
            cause(
                "spec.timeZone",
                format!("Invalid value: \"{zone}\": {error}"),
            );
        }
    }
    if resource.group == "apps" && resource.kind != "ControllerRevision" {
        let selector = &object["spec"]["selector"];
        if selector.is_null() {
            cause("spec.selector", "Required value".into());
        } else if let Ok(selector) = crate::selector::LabelSelector::from_object(selector) {
            let template_labels =
                crate::meta::string_map(&object["spec"]["template"]["metadata"]["labels"]);
            if selector.is_empty() || !selector.matches(&template_labels) {
                cause(
                    "spec.template.metadata.labels",
                    "Invalid value: `selector` does not match template `labels`".into(),
                );
            }
        }
    }
    if (resource.group, resource.kind) == ("apiextensions.k8s.io", "CustomResourceDefinition") {
        for (field, message) in crate::custom::validate(object) {
            cause(&field, message);
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid {
            kind: resource.qualified_kind(),
            name: name.to_owned(),
            causes,
        })
    }
}

/// RFC 1123 subdomain: what most object names must be.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    #[test]
    fn deployments_get_the_real_defaults() {
        let mut deployment = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}});
        apply_defaults(&registry::DEPLOYMENTS, &mut deployment);
        assert_eq!(deployment["spec"]["replicas"], 1);
        assert_eq!(
            deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
            "25%"
        );
        assert_eq!(
            deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
        assert_eq!(
            deployment["spec"]["template"]["spec"]["restartPolicy"],
            "Always"
        );
    }

    #[test]
    fn latest_images_are_always_pulled() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "registry:5000/x:latest"}]}});
        apply_defaults(&registry::PODS, &mut pod);
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(pod["spec"]["containers"][1]["imagePullPolicy"], "Always");
        assert_eq!(pod["status"]["phase"], "Pending");
    }

    #[test]
    fn missing_name_and_containers_are_invalid() {
        let error =
            validate(&registry::PODS, &json!({"metadata": {}, "spec": {}})).expect_err("invalid");
        let message = error.to_string();
        assert!(
            message.contains("metadata.name: Required value"),
            "{message}"
        );
        assert!(
            message.contains("spec.containers: Required value"),
            "{message}"
        );
    }

    #[test]
    fn selector_must_match_template() {
        let deployment = json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}}}});
        let error = validate(&registry::DEPLOYMENTS, &deployment).expect_err("invalid");
        assert_eq!(error.code(), 422);
        assert!(
            error
                .to_string()
                .starts_with("Deployment.apps \"web\" is invalid")
        );
    }

    #[test]
    fn cron_jobs_need_a_valid_schedule() {
        let cron_job = |schedule: &str| {
            json!({"metadata": {"name": "backup"}, "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure", "containers": [{"name": "backup", "image": "postgres:16"}]}}}}}})
        };
        assert!(validate(&registry::CRON_JOBS, &cron_job("*/5 * * * *")).is_ok());
        let message = validate(&registry::CRON_JOBS, &cron_job("every day"))
            .expect_err("invalid")
            .to_string();
        assert!(
            message.contains(
                "spec.schedule: Invalid value: \"every day\": expected exactly 5 fields, found 2: [every day]"
            ),
            "{message}"
        );
        let mut no_containers = cron_job("@daily");
        no_containers["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = json!([]);
        let message = validate(&registry::CRON_JOBS, &no_containers)
            .expect_err("invalid")
            .to_string();
        assert!(
            message.contains("spec.jobTemplate.spec.template.spec.containers: Required value"),
            "{message}"
        );
    }

    #[test]
    fn secret_string_data_is_stored_as_data() {
        let mut secret = json!({"metadata": {"name": "db"}, "data": {"user": "YWRtaW4="},
            "stringData": {"password": "s3cret"}});
        apply_defaults(&registry::SECRETS, &mut secret);
        assert!(secret.get("stringData").is_none());
        assert_eq!(
            secret["data"],
            json!({"user": "YWRtaW4=", "password": "czNjcmV0"})
        );
        assert_eq!(secret["type"], "Opaque");
    }

    #[test]
    fn a_pod_naming_a_missing_service_account_is_refused() {
        let pod = json!({"metadata": {"name": "ledger-5c6f-x", "generateName": "ledger-5c6f-", "namespace": "pay"},
                         "spec": {"serviceAccountName": "ledger-writer", "containers": [{"name": "a"}]}});
        let error = admit_service_account(&pod, "pay", &[]).expect_err("no such account");
        assert_eq!(error.code(), 403);
        assert_eq!(
            error.to_string(),
            "pods \"ledger-5c6f-\" is forbidden: error looking up service account pay/ledger-writer: serviceaccount \"ledger-writer\" not found"
        );
        let account = json!({"metadata": {"name": "ledger-writer", "namespace": "pay"}});
        admit_service_account(&pod, "pay", &[&account]).expect("the account exists");
        let plain =
            json!({"metadata": {"name": "p", "namespace": "pay"}, "spec": {"containers": []}});
        admit_service_account(&plain, "pay", &[]).expect("default is always there");
    }

    #[test]
    fn a_container_above_its_limit_range_maximum_is_refused() {
        let range = json!({"spec": {"limits": [{"type": "Container",
            "max": {"memory": "1Gi"}, "min": {"cpu": "50m"},
            "default": {"memory": "512Mi"}, "defaultRequest": {"cpu": "100m"}}]}});
        let mut big = json!({"metadata": {"name": "etl-1", "generateName": "etl-"}, "spec": {"containers": [
            {"name": "etl", "resources": {"limits": {"memory": "2Gi"}}}]}});
        let error = admit_pod(&mut big, &[&range], &[]).expect_err("above max");
        assert_eq!(error.code(), 403);
        assert_eq!(
            error.to_string(),
            "pods \"etl-\" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi"
        );
        let mut two = json!({"metadata": {"name": "etl-2"}, "spec": {"containers": [
            {"name": "etl", "resources": {"limits": {"memory": "3Gi"}, "requests": {"cpu": "10m"}}}]}});
        assert_eq!(
            admit_pod(&mut two, &[&range], &[])
                .expect_err("two violations")
                .to_string(),
            "pods \"etl-2\" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 3Gi, minimum cpu usage per Container is 50m, but request is 10m]"
        );
        let mut defaulted =
            json!({"metadata": {"name": "etl-3"}, "spec": {"containers": [{"name": "etl"}]}});
        admit_pod(&mut defaulted, &[&range], &[]).expect("the defaults are within the range");
    }

    #[test]
    fn a_limit_more_than_the_ratio_times_the_request_is_refused() {
        let range = json!({"spec": {"limits": [{"type": "Container",
            "maxLimitRequestRatio": {"cpu": "2", "memory": "1500m"}}]}});
        let mut greedy = json!({"metadata": {"name": "web-1", "generateName": "web-"}, "spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"},
                                          "limits": {"cpu": "1", "memory": "1536Mi"}}}]}});
        assert_eq!(
            admit_pod(&mut greedy, &[&range], &[])
                .expect_err("cpu 4 times its request")
                .to_string(),
            "pods \"web-\" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"
        );
        let mut unstated = json!({"metadata": {"name": "web-2"}, "spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}}]}});
        assert_eq!(
            admit_pod(&mut unstated, &[&range], &[])
                .expect_err("no limits: the requests stand alone")
                .to_string(),
            "pods \"web-2\" is forbidden: [cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0, memory max limit to request ratio per Container is 1500m, but no limit is specified or limit is 0]"
        );
        // A limit alone sets the request to it (ratio 1); exactly the ratio passes.
        let mut within = json!({"metadata": {"name": "web-3"}, "spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "500m"},
                                          "limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        admit_pod(&mut within, &[&range], &[]).expect("at most the ratio");
    }

    #[test]
    fn a_pod_naming_a_missing_priority_class_is_refused() {
        let mut pod = json!({"metadata": {"name": "batch-7", "generateName": "batch-"},
                             "spec": {"priorityClassName": "overnight-batch", "containers": [{"name": "a"}]}});
        let error = admit_pod(&mut pod, &[], &[]).expect_err("no such class");
        assert_eq!(error.code(), 403);
        assert_eq!(
            error.to_string(),
            "pods \"batch-\" is forbidden: no PriorityClass with name overnight-batch was found"
        );
        let class = json!({"metadata": {"name": "overnight-batch"}, "value": 1000});
        admit_pod(&mut pod, &[], &[&class]).expect("the class exists");
        assert_eq!(pod["spec"]["priority"], 1000);
    }

    #[test]
    fn pods_get_priority_limit_range_defaults_and_requests_from_limits() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {
            "priorityClassName": "system-node-critical",
            "containers": [
                {"name": "app", "image": "x", "resources": {"limits": {"memory": "1Gi"}}},
                {"name": "side", "image": "y"}]}});
        let range = json!({"spec": {"limits": [{"type": "Container",
            "default": {"cpu": "500m", "memory": "512Mi"}, "defaultRequest": {"cpu": "100m"}}]}});
        admit_pod(&mut pod, &[&range], &[]).expect("admitted");
        assert_eq!(pod["spec"]["priority"], 2_000_001_000);
        let app = &pod["spec"]["containers"][0]["resources"];
        assert_eq!(app["limits"], json!({"memory": "1Gi", "cpu": "500m"}));
        assert_eq!(app["requests"], json!({"cpu": "100m", "memory": "1Gi"}));
        let side = &pod["spec"]["containers"][1]["resources"];
        assert_eq!(
            side["requests"]["memory"], "512Mi",
            "a request defaults to its limit"
        );
        let note = pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
            .as_str()
            .expect("noted");
        assert!(
            note.starts_with("LimitRanger plugin set: cpu limit for container app"),
            "{note}"
        );
        let mut gpu = json!({"metadata": {"name": "g"}, "spec": {"containers": [
            {"name": "train", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}});
        admit_pod(&mut gpu, &[], &[]).expect("admitted");
        assert_eq!(
            gpu["spec"]["containers"][0]["resources"]["requests"],
            json!({"nvidia.com/gpu": "1"}),
            "a resource name holding a '/' is one key"
        );
        let mut plain = json!({"metadata": {"name": "q"}, "spec": {"containers": [{"name": "a", "image": "x"}]}});
        admit_pod(&mut plain, &[], &[]).expect("admitted");
        assert_eq!(plain["spec"]["priority"], 0);
        assert!(plain["metadata"].get("annotations").is_none());
    }

    #[test]
    fn uppercase_names_are_invalid() {
        let error = validate(&registry::CONFIGMAPS, &json!({"metadata": {"name": "Web"}}))
            .expect_err("invalid");
        assert!(error.to_string().contains("RFC 1123"));
    }
}
