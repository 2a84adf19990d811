//! One object shown as `kubectl describe` shows it, in spirit: its state
//! first, then the fields an operator looks for (labels, what it selects,
//! its containers with images, ports, resources, environment and probes,
//! a Service's ports, a ConfigMap's keys). Its events are not read: the
//! fast path makes one call, so the description's last line names the
//! request that reads them ("events for deployment checkout in production").
//! The manifest is shown without what only the machinery reads
//! ([`shown_manifest`]), as YAML or, when asked, JSON.

use serde_json::{Map, Value};

use super::objects::scalar;
use super::state;
use crate::diagnosis::ToolOutput;

/// Annotations written by tools and controllers for their own use, never
/// for the person reading the object: kubectl's copy of the last applied
/// manifest, and the simulated cluster's behaviour controls.
const INTERNAL_ANNOTATION_PREFIXES: [&str; 2] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "sim.kubeop.dev/",
];

/// Whether an annotation is for the machinery rather than for a reader.
fn is_internal(annotation: &str) -> bool {
    INTERNAL_ANNOTATION_PREFIXES
        .iter()
        .any(|prefix| annotation.starts_with(prefix))
}

/// How a manifest is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// As `kubectl get -o yaml` (the default).
    Yaml,
    /// As `kubectl get -o json`: indented, ending with a newline.
    Json,
}

/// The object's manifest as shown to a person: without `managedFields`
/// and the internal annotations, anywhere in it (a workload's pod template
/// carries them too). `None` when the output holds no object.
pub(super) fn shown_manifest(output: &ToolOutput, format: Format) -> Option<String> {
    let mut object = crate::diagnosis::parse::object(output).ok()?.into_owned();
    strip_internal(&mut object);
    match format {
        Format::Yaml => serde_norway::to_string(&object).ok(),
        Format::Json => serde_json::to_string_pretty(&object)
            .ok()
            .map(|json| json + "\n"),
    }
}

/// Drops `managedFields` and internal annotations from every `metadata`.
fn strip_internal(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::Object(metadata)) = fields.get_mut("metadata") {
                metadata.remove("managedFields");
                if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
                    annotations.retain(|key, _| !is_internal(key));
                    if annotations.is_empty() {
                        metadata.remove("annotations");
                    }
                }
            }
            for child in fields.values_mut() {
                strip_internal(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_internal),
        _ => {}
    }
}

/// The object of `output` described; `None` when the output holds no
/// object.
pub(super) fn described(output: &ToolOutput) -> Option<String> {
    let (object, subject) = super::named_object(output)?;
    let kind = object["kind"].as_str().unwrap_or_default();
    let mut text = state::summary(output).unwrap_or_else(|| format!("{subject}\n"));
    section(
        &mut text,
        "Labels",
        pairs(object.pointer("/metadata/labels")),
    );
    let annotations: Vec<String> = pairs(object.pointer("/metadata/annotations"))
        .into_iter()
        .filter(|pair| !is_internal(pair))
        .collect();
    section(&mut text, "Annotations", annotations);
    match kind {
        "Pod" => {
            section(&mut text, "Pod", pod_fields(&object));
            section(&mut text, "Containers", containers(object.get("spec")));
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            section(&mut text, "Spec", workload_fields(&object));
            section(
                &mut text,
                "Containers",
                containers(object.pointer("/spec/template/spec")),
            );
        }
        "CronJob" => {
            section(
                &mut text,
                "Containers",
                containers(object.pointer("/spec/jobTemplate/spec/template/spec")),
            );
        }
        "Service" => section(&mut text, "Service", service_fields(&object)),
        "Ingress" => {
            if let Some(routes) = super::objects::routes(output) {
                text.push_str(&routes);
            }
        }
        "ConfigMap" | "Secret" => section(&mut text, "Data", data_keys(&object)),
        _ => {}
    }
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let place = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(|namespace| format!(" in {namespace}"))
        .unwrap_or_default();
    text.push_str(&format!(
        "Events: not read here; ask \"events for {} {name}{place}\"\n",
        kind.to_lowercase()
    ));
    Some(text)
}

/// A titled block of indented lines; nothing when there are none.
fn section(text: &mut String, title: &str, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    text.push_str(title);
    text.push_str(":\n");
    for line in lines {
        text.push_str("  ");
        text.push_str(&line);
        text.push('\n');
    }
}

/// `key=value` lines of a string map, in key order.
fn pairs(map: Option<&Value>) -> Vec<String> {
    map.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect()
}

/// `app=web, tier=front` of a selector's `matchLabels` (or a Service's map).
fn selector(map: Option<&Value>) -> Option<String> {
    let pairs = pairs(map);
    (!pairs.is_empty()).then(|| pairs.join(", "))
}

/// A pod's node, IP, service account, QoS class and owner.
fn pod_fields(pod: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let field = |pointer: &str| pod.pointer(pointer).and_then(Value::as_str);
    if let Some(ip) = field("/status/podIP") {
        lines.push(format!("IP {ip}"));
    }
    if let Some(account) = field("/spec/serviceAccountName") {
        lines.push(format!("service account {account}"));
    }
    if let Some(class) = field("/status/qosClass") {
        lines.push(format!("QoS class {class}"));
    }
    if let Some(owner) = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .and_then(|owners| owners.first())
    {
        lines.push(format!(
            "controlled by {}/{}",
            owner["kind"].as_str().unwrap_or("-").to_lowercase(),
            owner["name"].as_str().unwrap_or("-")
        ));
    }
    lines
}

/// A workload's selector and rollout strategy (or a Job's completions).
fn workload_fields(workload: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(selector) = selector(workload.pointer("/spec/selector/matchLabels")) {
        lines.push(format!("selects pods with {selector}"));
    }
    let strategy = workload
        .pointer("/spec/strategy/type")
        .or_else(|| workload.pointer("/spec/updateStrategy/type"))
        .and_then(Value::as_str);
    if let Some(strategy) = strategy {
        lines.push(format!("update strategy {strategy}"));
    }
    if let Some(limit) = workload.pointer("/spec/backoffLimit") {
        lines.push(format!("backoffLimit {limit}"));
    }
    lines
}

/// Each container of a pod spec: image, ports, resources, environment
/// (values, or where they come from: a Secret's value is never shown), and
/// probes; init containers marked.
fn containers(spec: Option<&Value>) -> Vec<String> {
    let Some(spec) = spec else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for (key, marker) in [("initContainers", "init container "), ("containers", "")] {
        for container in spec[key].as_array().into_iter().flatten() {
            lines.push(format!(
                "{marker}{}: {}",
                container["name"].as_str().unwrap_or("-"),
                container["image"].as_str().unwrap_or("-")
            ));
            let ports: Vec<String> = container["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|port| {
                    format!(
                        "{}/{}",
                        scalar(&port["containerPort"]),
                        port["protocol"].as_str().unwrap_or("TCP")
                    )
                })
                .collect();
            if !ports.is_empty() {
                lines.push(format!("  ports {}", ports.join(", ")));
            }
            for bound in ["requests", "limits"] {
                if let Some(amounts) = container
                    .pointer(&format!("/resources/{bound}"))
                    .and_then(Value::as_object)
                    .filter(|amounts| !amounts.is_empty())
                {
                    lines.push(format!("  {bound} {}", amounts_text(amounts)));
                }
            }
            let environment: Vec<String> = container["env"]
                .as_array()
                .into_iter()
                .flatten()
                .map(environment_entry)
                .collect();
            if !environment.is_empty() {
                lines.push(format!("  env {}", environment.join(", ")));
            }
            for (probe, name) in [
                ("readinessProbe", "readiness"),
                ("livenessProbe", "liveness"),
                ("startupProbe", "startup"),
            ] {
                if let Some(probe) = container.get(probe) {
                    lines.push(format!("  {name} {}", probe_text(probe)));
                }
            }
        }
    }
    lines
}

/// `cpu 100m, memory 128Mi`.
fn amounts_text(amounts: &Map<String, Value>) -> String {
    amounts
        .iter()
        .map(|(resource, amount)| format!("{resource} {}", scalar(amount)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `DB_HOST=db`, `DB_PASSWORD from secret db/password`.
fn environment_entry(entry: &Value) -> String {
    let name = entry["name"].as_str().unwrap_or("-");
    if let Some(value) = entry["value"].as_str() {
        return format!("{name}={value}");
    }
    let source = &entry["valueFrom"];
    for (key, what) in [("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")] {
        if let Some(reference) = source.get(key) {
            return format!(
                "{name} from {what} {}/{}",
                reference["name"].as_str().unwrap_or("-"),
                reference["key"].as_str().unwrap_or("-")
            );
        }
    }
    if let Some(path) = source
        .pointer("/fieldRef/fieldPath")
        .and_then(Value::as_str)
    {
        return format!("{name} from field {path}");
    }
    name.to_owned()
}

/// `http-get :8080/health`, `tcp-socket :5432`, `exec [pg_isready]`.
fn probe_text(probe: &Value) -> String {
    if let Some(get) = probe.get("httpGet") {
        return format!(
            "http-get :{}{}",
            scalar(&get["port"]),
            get["path"].as_str().unwrap_or("/")
        );
    }
    if let Some(socket) = probe.get("tcpSocket") {
        return format!("tcp-socket :{}", scalar(&socket["port"]));
    }
    if let Some(command) = probe.pointer("/exec/command").and_then(Value::as_array) {
        let words: Vec<&str> = command.iter().filter_map(Value::as_str).collect();
        return format!("exec [{}]", words.join(" "));
    }
    if let Some(grpc) = probe.get("grpc") {
        return format!("grpc :{}", scalar(&grpc["port"]));
    }
    "(no handler)".to_owned()
}

/// A Service's type, address, ports and selector.
fn service_fields(service: &Value) -> Vec<String> {
    let mut lines = vec![format!(
        "type {}{}",
        service
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP"),
        match service.pointer("/spec/clusterIP").and_then(Value::as_str) {
            Some("None") => ", headless".to_owned(),
            Some(ip) => format!(", IP {ip}"),
            None => String::new(),
        }
    )];
    for port in service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let number = scalar(&port["port"]);
        let target = match &port["targetPort"] {
            Value::Null => number.clone(),
            target => scalar(target),
        };
        lines.push(format!(
            "port {number}/{} → {target}{}",
            port["protocol"].as_str().unwrap_or("TCP"),
            port["name"]
                .as_str()
                .map(|name| format!(" ({name})"))
                .unwrap_or_default()
        ));
    }
    lines.push(match selector(service.pointer("/spec/selector")) {
        Some(selector) => format!("selects pods with {selector}"),
        None => "no selector (endpoints are managed by hand)".to_owned(),
    });
    lines
}

/// Longest ConfigMap value shown inline; a longer or multi-line one is
/// described by its size.
const MAX_INLINE_VALUE: usize = 80;

/// A ConfigMap's keys with their values (short ones) or sizes, a Secret's
/// keys alone: a Secret's values are never shown.
fn data_keys(object: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let secret = object["kind"] == "Secret";
    if let Some(kind) = object.get("type").and_then(Value::as_str) {
        lines.push(format!("type {kind}"));
    }
    for field in ["data", "binaryData", "stringData"] {
        for (key, value) in object
            .get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let value = value.as_str().unwrap_or_default();
            lines.push(if secret {
                // Redacted before it got here: even its size is not the value's.
                format!("{key}: (value hidden)")
            } else if field == "binaryData"
                || value.len() > MAX_INLINE_VALUE
                || value.contains('\n')
            {
                format!("{key}: {} bytes", value.len())
            } else {
                format!("{key}={value}")
            });
        }
    }
    if lines.is_empty() {
        lines.push("no keys".to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn checkout() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "checkout", "namespace": "production",
                "labels": {"app": "checkout"},
                "annotations": {"deployment.kubernetes.io/revision": "4",
                                "kubectl.kubernetes.io/last-applied-configuration": "{...}",
                                "team": "payments"},
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "checkout"}},
                "strategy": {"type": "RollingUpdate"},
                "template": {"metadata": {"labels": {"app": "checkout"},
                                          "annotations": {"sim.kubeop.dev/state": "crashloop"}},
                    "spec": {"containers": [{"name": "checkout", "image": "ghcr.io/acme/checkout:3.2.0",
                        "ports": [{"containerPort": 8080}],
                        "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "256Mi"}},
                        "env": [{"name": "DB_HOST", "value": "postgres"},
                                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}}],
                        "readinessProbe": {"httpGet": {"path": "/health/ready", "port": 8080}}}]}}},
            "status": {"replicas": 2, "updatedReplicas": 2,
                "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]}})
    }

    #[test]
    fn an_object_is_described_state_first_then_its_fields() {
        let text = described(&ToolOutput::from_structured(checkout())).expect("an object");
        assert_eq!(
            text,
            "deployment checkout in namespace production: 0/2 ready, 2 up to date\n\
             \x20 Available is False (MinimumReplicasUnavailable)\n\
             Labels:\n  app=checkout\n\
             Annotations:\n  deployment.kubernetes.io/revision=4\n  team=payments\n\
             Spec:\n  selects pods with app=checkout\n  update strategy RollingUpdate\n\
             Containers:\n  checkout: ghcr.io/acme/checkout:3.2.0\n    ports 8080/TCP\n    requests cpu 100m\n    limits memory 256Mi\n\
             \x20   env DB_HOST=postgres, DB_PASSWORD from secret postgres-credentials/password\n\
             \x20   readiness http-get :8080/health/ready\n\
             Events: not read here; ask \"events for deployment checkout in production\"\n"
        );
    }

    #[test]
    fn a_service_and_a_secret_show_their_ports_and_keys_never_values() {
        let service = ToolOutput::from_structured(json!({"kind": "Service",
            "metadata": {"name": "checkout", "namespace": "production"},
            "spec": {"clusterIP": "10.96.0.7", "selector": {"app": "checkout"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}));
        let text = described(&service).expect("an object");
        assert_eq!(
            text,
            "service checkout in namespace production\nService:\n  type ClusterIP, IP 10.96.0.7\n  port 80/TCP → 8080 (http)\n  selects pods with app=checkout\nEvents: not read here; ask \"events for service checkout in production\"\n"
        );
        let secret = ToolOutput::from_structured(json!({"kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "production"},
            "data": {"password": "aHVudGVyMg=="}}));
        let text = described(&secret).expect("an object");
        assert!(
            text.contains("Data:\n  type Opaque\n  password: (value hidden)\n"),
            "{text}"
        );
        assert!(!text.contains("aHVudGVyMg"), "{text}");
    }

    #[test]
    fn the_shown_manifest_leaves_out_managed_fields_and_internal_annotations() {
        let manifest = shown_manifest(&ToolOutput::from_structured(checkout()), Format::Yaml)
            .expect("an object");
        assert!(!manifest.contains("managedFields"), "{manifest}");
        assert!(
            !manifest.contains("last-applied-configuration"),
            "{manifest}"
        );
        assert!(!manifest.contains("sim.kubeop.dev"), "{manifest}");
        assert!(manifest.contains("team: payments"), "{manifest}");
        assert!(
            manifest.contains("deployment.kubernetes.io/revision"),
            "{manifest}"
        );
        assert!(
            !manifest.contains("annotations:\n      labels")
                && manifest.contains("image: ghcr.io/acme/checkout:3.2.0"),
            "an emptied annotations map goes: {manifest}"
        );
        let json = shown_manifest(&ToolOutput::from_structured(checkout()), Format::Json)
            .expect("an object");
        let parsed: Value = serde_json::from_str(&json).expect("the JSON manifest parses");
        assert_eq!(parsed["metadata"]["annotations"]["team"], "payments");
        assert!(parsed["metadata"].get("managedFields").is_none(), "{json}");
        assert!(!json.contains("sim.kubeop.dev"), "{json}");
    }
}
