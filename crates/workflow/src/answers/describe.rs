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
    if format == Format::Yaml && is_yaml_mapping(&output.text) {
        return Some(without_internal_lines(&output.text));
    }
    let mut object = crate::diagnosis::parse::object(output).ok()?.into_owned();
    strip_internal(&mut object);
    match format {
        Format::Yaml => serde_norway::to_string(&object).ok(),
        Format::Json => serde_json::to_string_pretty(&object)
            .ok()
            .map(|json| json + "\n"),
    }
}

/// Whether `text` is an object printed as YAML (the server's answer to a
/// get: a top-level key on its first line), which [`without_internal_lines`]
/// can clean as it is.
fn is_yaml_mapping(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default();
    !first.starts_with([' ', '-', '#', '{', '['])
        && mapping_key(first).is_some_and(|(key, _)| !key.is_empty())
}

/// `key` and whether a value follows on the same line, for a `key: value`
/// or `key:` line (`None` for a sequence's scalar item or a continuation).
fn mapping_key(line: &str) -> Option<(&str, bool)> {
    let line = line.trim_end();
    if let Some(key) = line.strip_suffix(':') {
        return (!key.contains(": ")).then_some((key, false));
    }
    let (key, _) = line.split_once(": ")?;
    (!key.starts_with(['"', '\'', '{', '['])).then_some((key, true))
}

/// The server's YAML of an object without `managedFields` and internal
/// annotations (an annotations map left empty goes too), as
/// [`strip_internal`] leaves the parsed object, but cut line by line from
/// the text the server printed rather than parsed and printed again:
/// printing YAML was a fifth of the daemon's work per read
/// (docs/benchmarks.md, "Daemon", session 7), and the server's own layout
/// is the `kubectl get -o yaml` a reader knows.
///
/// The server prints the object as Kubernetes' YAML does: two spaces per
/// level, a sequence's items at their key's indentation, multi-line values
/// as block scalars indented under their key. A line deeper than a key
/// that has its value on its own line is that value's continuation and is
/// never read as a key (a ConfigMap holding a manifest stays as it is).
fn without_internal_lines(yaml: &str) -> String {
    /// A key whose value is the block below it.
    struct Open<'a> {
        indent: usize,
        key: &'a str,
    }
    /// A metadata `annotations:` line, removed again if none of its
    /// entries is kept.
    struct Annotations {
        indent: usize,
        at: usize,
        kept: bool,
    }
    let mut out = String::with_capacity(yaml.len());
    let mut path: Vec<Open> = Vec::new();
    let mut annotations: Option<Annotations> = None;
    // Dropping a key's value: lines deeper than this indentation, and a
    // sequence's items at it when the value is a block.
    let mut dropping: Option<(usize, bool)> = None;
    // Inside a value written on its key's line and continued below it.
    let mut continued_deeper_than: Option<usize> = None;
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let blank = body.trim().is_empty();
        if let Some((limit, block)) = dropping {
            if blank || indent > limit || (block && indent == limit && body.starts_with('-')) {
                continue;
            }
            dropping = None;
        }
        if let Some(limit) = continued_deeper_than {
            if blank || indent > limit {
                out.push_str(line);
                continue;
            }
            continued_deeper_than = None;
        }
        if blank {
            out.push_str(line);
            continue;
        }
        let mut at = indent;
        let mut item = body;
        while let Some(rest) = item.strip_prefix("- ") {
            at += 2;
            item = rest.trim_start_matches(' ');
            at += rest.len() - item.len();
        }
        if let Some(open) = &annotations
            && open.indent >= at
        {
            if !open.kept {
                out.truncate(open.at);
            }
            annotations = None;
        }
        let Some((key, inline_value)) = mapping_key(item) else {
            out.push_str(line);
            continue;
        };
        while path.last().is_some_and(|open| open.indent >= at) {
            path.pop();
        }
        let parent = path.last().map(|open| open.key);
        let grandparent = path.len().checked_sub(2).map(|i| path[i].key);
        let internal = (parent == Some("metadata") && key == "managedFields")
            || (parent == Some("annotations")
                && grandparent == Some("metadata")
                && is_internal(key));
        if internal && at == indent {
            dropping = Some((indent, !inline_value));
            continue;
        }
        if let Some(open) = &mut annotations
            && parent == Some("annotations")
        {
            open.kept = true;
        }
        if !inline_value && parent == Some("metadata") && key == "annotations" {
            annotations = Some(Annotations {
                indent: at,
                at: out.len(),
                kept: false,
            });
        }
        out.push_str(line);
        if inline_value {
            continued_deeper_than = Some(at);
        } else {
            path.push(Open { indent: at, key });
        }
    }
    if let Some(open) = annotations
        && !open.kept
    {
        out.truncate(open.at);
    }
    out
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
            pod_spec_sections(&mut text, object.get("spec"));
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            section(&mut text, "Spec", workload_fields(&object));
            pod_spec_sections(&mut text, object.pointer("/spec/template/spec"));
        }
        "CronJob" => {
            pod_spec_sections(
                &mut text,
                object.pointer("/spec/jobTemplate/spec/template/spec"),
            );
        }
        "Service" => section(&mut text, "Service", service_fields(&object)),
        "Ingress" => {
            if let Some(routes) = super::objects::routes(output) {
                text.push_str(&routes);
            }
        }
        "ConfigMap" | "Secret" => section(&mut text, "Data", data_keys(&object)),
        "Endpoints" => section(&mut text, "Addresses", endpoints_addresses(&object)),
        "EndpointSlice" => section(&mut text, "Addresses", slice_addresses(&object)),
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
    for template in workload
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let size = template
            .pointer("/spec/resources/requests/storage")
            .and_then(Value::as_str)
            .map(|size| format!(" of {size}"))
            .unwrap_or_default();
        let class = template
            .pointer("/spec/storageClassName")
            .and_then(Value::as_str)
            .map(|class| format!(", class {class}"))
            .unwrap_or_default();
        lines.push(format!(
            "claim template {}{size}{class} (one claim per pod)",
            template
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("-")
        ));
    }
    lines
}

/// The sections of a pod spec (a pod's, or a workload's template), as
/// `kubectl describe` shows them: its containers, where it may be placed,
/// and its volumes.
fn pod_spec_sections(text: &mut String, spec: Option<&Value>) {
    section(text, "Containers", containers(spec));
    let Some(spec) = spec else {
        return;
    };
    section(text, "Scheduling", scheduling(spec));
    section(text, "Volumes", volumes(spec));
}

/// The tolerations every pod gets from the admission controller (5
/// minutes on a not-ready or unreachable node): not worth a line.
const DEFAULT_TOLERATIONS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// Node selector, required node affinity, tolerations, priority class
/// and (for a template) the service account: what decides where, and as
/// whom, its pods run.
fn scheduling(spec: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(selector) = selector(spec.get("nodeSelector")) {
        lines.push(format!("node selector {selector}"));
    }
    for term in spec
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let expressions: Vec<String> = term["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|expression| {
                let values: Vec<&str> = expression["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                format!(
                    "{} {} [{}]",
                    expression["key"].as_str().unwrap_or("-"),
                    expression["operator"].as_str().unwrap_or("-"),
                    values.join(", ")
                )
            })
            .collect();
        if !expressions.is_empty() {
            lines.push(format!("requires nodes with {}", expressions.join(" and ")));
        }
    }
    let tolerations: Vec<String> = spec["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|toleration| {
            !toleration["key"]
                .as_str()
                .is_some_and(|key| DEFAULT_TOLERATIONS.contains(&key))
        })
        .map(|toleration| {
            let key = toleration["key"].as_str().unwrap_or("(every taint)");
            let value = toleration["value"]
                .as_str()
                .map(|value| format!("={value}"))
                .unwrap_or_default();
            let effect = toleration["effect"]
                .as_str()
                .map(|effect| format!(":{effect}"))
                .unwrap_or_default();
            format!("{key}{value}{effect}")
        })
        .collect();
    if !tolerations.is_empty() {
        lines.push(format!("tolerates {}", tolerations.join(", ")));
    }
    if let Some(class) = spec["priorityClassName"].as_str() {
        lines.push(format!("priority class {class}"));
    }
    lines
}

/// Each volume and what it mounts: `data: claim data-postgres-0`.
fn volumes(spec: &Value) -> Vec<String> {
    spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|volume| {
            let name = volume["name"].as_str().unwrap_or("-");
            let named = |pointer: &str| volume.pointer(pointer).and_then(Value::as_str);
            let source = if let Some(claim) = named("/persistentVolumeClaim/claimName") {
                format!("claim {claim}")
            } else if let Some(map) = named("/configMap/name") {
                format!("configmap {map}")
            } else if let Some(secret) = named("/secret/secretName") {
                format!("secret {secret}")
            } else if let Some(path) = named("/hostPath/path") {
                format!("host path {path}")
            } else {
                volume
                    .as_object()
                    .and_then(|fields| fields.keys().find(|key| *key != "name"))
                    .map_or_else(|| "-".to_owned(), |kind| kind.clone())
            };
            format!("{name}: {source}")
        })
        .collect()
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
            let sources: Vec<String> = container["envFrom"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|source| {
                    let (kind, reference) =
                        [("configmap", "configMapRef"), ("secret", "secretRef")]
                            .into_iter()
                            .find_map(|(kind, key)| Some((kind, source.get(key)?)))?;
                    Some(format!("{kind} {}", reference["name"].as_str()?))
                })
                .collect();
            if !sources.is_empty() {
                lines.push(format!("  env from {}", sources.join(", ")));
            }
            for key in ["command", "args"] {
                let words: Vec<&str> = container[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if !words.is_empty() {
                    lines.push(format!("  {key} {}", words.join(" ")));
                }
            }
            let mounts: Vec<String> = container["volumeMounts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|mount| {
                    let read_only = if mount["readOnly"].as_bool() == Some(true) {
                        " (read-only)"
                    } else {
                        ""
                    };
                    format!(
                        "{} at {}{read_only}",
                        mount["name"].as_str().unwrap_or("-"),
                        mount["mountPath"].as_str().unwrap_or("-")
                    )
                })
                .collect();
            if !mounts.is_empty() {
                lines.push(format!("  mounts {}", mounts.join(", ")));
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

/// An Endpoints object's addresses, ready ones first, each with the pod
/// and node behind it, then the ports they serve: what "show me the
/// endpoints of web" asks. No address at all is said, with what it means.
fn endpoints_addresses(endpoints: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for subset in endpoints
        .get("subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (field, state) in [("addresses", "ready"), ("notReadyAddresses", "not ready")] {
            for address in subset
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lines.push(address_line(
                    address["ip"].as_str().unwrap_or("?"),
                    state,
                    address.pointer("/targetRef/name").and_then(Value::as_str),
                    address["nodeName"].as_str(),
                ));
            }
        }
        let ports = ports_line(subset.get("ports"));
        if !ports.is_empty() {
            lines.push(ports);
        }
    }
    if lines.is_empty() {
        lines.push(NO_ADDRESSES.to_owned());
    }
    lines
}

/// An EndpointSlice's endpoints as [`endpoints_addresses`] shows an
/// Endpoints object's.
fn slice_addresses(slice: &Value) -> Vec<String> {
    let mut lines: Vec<String> = slice
        .get("endpoints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|endpoint| {
            let ready = endpoint.pointer("/conditions/ready") != Some(&Value::Bool(false));
            let ips = endpoint["addresses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            address_line(
                &ips,
                if ready { "ready" } else { "not ready" },
                endpoint.pointer("/targetRef/name").and_then(Value::as_str),
                endpoint["nodeName"].as_str(),
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(NO_ADDRESSES.to_owned());
    }
    let ports = ports_line(slice.get("ports"));
    if !ports.is_empty() {
        lines.push(ports);
    }
    lines
}

/// What an Endpoints object or slice without an address means.
const NO_ADDRESSES: &str =
    "none: no ready pod matches the Service's selector, so the Service routes nowhere";

/// `10.244.1.4 ready (pod web-7d4b9-x2k4q on node-1)`.
fn address_line(ip: &str, state: &str, pod: Option<&str>, node: Option<&str>) -> String {
    let behind = match (pod, node) {
        (Some(pod), Some(node)) => format!(" (pod {pod} on {node})"),
        (Some(pod), None) => format!(" (pod {pod})"),
        (None, Some(node)) => format!(" (on {node})"),
        (None, None) => String::new(),
    };
    format!("{ip} {state}{behind}")
}

/// `ports 80/TCP (http), 9000/TCP (grpc)`; empty when there are none.
fn ports_line(ports: Option<&Value>) -> String {
    let ports: Vec<String> = ports
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|port| {
            format!(
                "{}/{}{}",
                scalar(&port["port"]),
                port["protocol"].as_str().unwrap_or("TCP"),
                port["name"]
                    .as_str()
                    .map(|name| format!(" ({name})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if ports.is_empty() {
        String::new()
    } else {
        format!("ports {}", ports.join(", "))
    }
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
    fn a_pod_spec_shows_its_placement_volumes_mounts_and_command() {
        let statefulset = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "db"}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"storageClassName": "gp3", "resources": {"requests": {"storage": "20Gi"}}}}],
                "template": {"spec": {
                    "nodeSelector": {"disk": "ssd"},
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [
                            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}]}]}}},
                    "tolerations": [
                        {"key": "dedicated", "value": "db", "effect": "NoSchedule"},
                        {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "tolerationSeconds": 300}],
                    "containers": [{"name": "db", "image": "postgres:16",
                        "command": ["docker-entrypoint.sh"], "args": ["-c", "max_connections=200"],
                        "envFrom": [{"secretRef": {"name": "db-env"}}],
                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"},
                                         {"name": "conf", "mountPath": "/etc/db", "readOnly": true}]}],
                    "volumes": [{"name": "conf", "configMap": {"name": "db-conf"}},
                                {"name": "scratch", "emptyDir": {}}]}}}});
        let text = described(&ToolOutput::from_structured(statefulset)).expect("an object");
        for line in [
            "  claim template data of 20Gi, class gp3 (one claim per pod)\n",
            "    env from secret db-env\n",
            "    command docker-entrypoint.sh\n",
            "    args -c max_connections=200\n",
            "    mounts data at /var/lib/postgresql, conf at /etc/db (read-only)\n",
            "Scheduling:\n  node selector disk=ssd\n  requires nodes with topology.kubernetes.io/zone In [a, b]\n  tolerates dedicated=db:NoSchedule\n",
            "Volumes:\n  conf: configmap db-conf\n  scratch: emptyDir\n",
        ] {
            assert!(text.contains(line), "{line:?} in:\n{text}");
        }
        assert!(!text.contains("not-ready"), "{text}");
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

    /// What the server prints for a get: the object as Kubernetes' YAML,
    /// with a multi-line internal annotation, a wrapped message, and a
    /// ConfigMap-like value that holds a manifest of its own.
    const SERVER_YAML: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: \"4\"
    kubectl.kubernetes.io/last-applied-configuration: |
      {\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"}
    team: payments
  managedFields:
  - apiVersion: apps/v1
    fieldsV1:
      f:spec: {}
    manager: kubectl
  name: checkout
spec:
  template:
    metadata:
      annotations:
        sim.kubeop.dev/logs: |
          starting
          metadata:
            annotations:
              team: kept-inside-a-log-line
        sim.kubeop.dev/state: crashloop
      labels:
        app: checkout
    spec:
      containers:
      - args:
        - --config
        - 'metadata: not a key'
        env:
        - name: MANIFEST
          value: |
            metadata:
              managedFields: []
        image: ghcr.io/acme/checkout:3.2.0
        name: checkout
status:
  conditions:
  - message: 'ReplicaSet \"checkout-7d\" has timed out progressing: a message the
      server wrapped onto a second line'
    type: Progressing
";

    #[test]
    fn endpoints_are_described_by_their_addresses_and_ports() {
        let endpoints = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "shop"},
            "subsets": [{
                "addresses": [{"ip": "10.244.1.4", "nodeName": "node-1",
                    "targetRef": {"kind": "Pod", "name": "web-7d4b9-x2k4q"}}],
                "notReadyAddresses": [{"ip": "10.244.2.9", "nodeName": "node-2",
                    "targetRef": {"kind": "Pod", "name": "web-7d4b9-p9z7m"}}],
                "ports": [{"port": 8080, "protocol": "TCP", "name": "http"}]}]});
        let text = described(&ToolOutput::from_structured(endpoints)).expect("an object");
        assert!(
            text.starts_with("endpoints web in namespace shop: 1 ready address(es), 1 not ready\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "Addresses:\n  10.244.1.4 ready (pod web-7d4b9-x2k4q on node-1)\n  \
                 10.244.2.9 not ready (pod web-7d4b9-p9z7m on node-2)\n  ports 8080/TCP (http)\n"
            ),
            "{text}"
        );
        let empty = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "shop"}});
        let text = described(&ToolOutput::from_structured(empty)).expect("an object");
        assert!(
            text.starts_with(
                "endpoints web in namespace shop: no address: the Service routes nowhere\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Addresses:\n  none: no ready pod matches the Service's selector"),
            "{text}"
        );
        let slice = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-abcde", "namespace": "shop"},
            "endpoints": [{"addresses": ["10.244.1.4"], "conditions": {"ready": false},
                "nodeName": "node-1", "targetRef": {"kind": "Pod", "name": "web-1"}}],
            "ports": [{"port": 8080, "protocol": "TCP"}]});
        let text = described(&ToolOutput::from_structured(slice)).expect("an object");
        assert!(
            text.contains(
                "Addresses:\n  10.244.1.4 not ready (pod web-1 on node-1)\n  ports 8080/TCP\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_servers_yaml_is_cleaned_line_by_line_and_keeps_its_layout() {
        let shown =
            shown_manifest(&ToolOutput::from_text(SERVER_YAML), Format::Yaml).expect("an object");
        assert_eq!(
            shown,
            "apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: \"4\"
    team: payments
  name: checkout
spec:
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
      - args:
        - --config
        - 'metadata: not a key'
        env:
        - name: MANIFEST
          value: |
            metadata:
              managedFields: []
        image: ghcr.io/acme/checkout:3.2.0
        name: checkout
status:
  conditions:
  - message: 'ReplicaSet \"checkout-7d\" has timed out progressing: a message the
      server wrapped onto a second line'
    type: Progressing
"
        );
    }

    #[test]
    fn cleaning_the_text_leaves_what_cleaning_the_parsed_object_leaves() {
        let only_internal = json!({"kind": "Pod", "metadata": {"name": "web-1",
            "annotations": {"sim.kubeop.dev/state": "running"},
            "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]}});
        let listed = json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "annotations": {"sim.kubeop.dev/logs": "one\ntwo\n"}}},
            {"metadata": {"name": "b", "annotations": {"note": "kept"}}}]});
        for object in [checkout(), only_internal, listed] {
            let printed = serde_norway::to_string(&object).expect("prints");
            let shown = without_internal_lines(&printed);
            let mut expected = object.clone();
            strip_internal(&mut expected);
            let parsed: Value = serde_norway::from_str(&shown).expect("still YAML");
            assert_eq!(parsed, expected, "{printed}\n->\n{shown}");
        }
        let parsed: Value = serde_norway::from_str(SERVER_YAML).expect("YAML");
        let mut expected = parsed.clone();
        strip_internal(&mut expected);
        let shown: Value =
            serde_norway::from_str(&without_internal_lines(SERVER_YAML)).expect("still YAML");
        assert_eq!(shown, expected);
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
