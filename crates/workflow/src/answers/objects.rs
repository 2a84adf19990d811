//! One object read for one of its fields: the replicas of a Scale ("what are
//! the current replicas of web"), the ports of a Service or a workload
//! ("what ports does checkout expose"), the images a workload runs ("what
//! image is checkout running"). The answer is the field in words, not the
//! object's YAML.

use serde_json::{Map, Value};

use crate::diagnosis::ToolOutput;
use crate::diagnosis::parse;

/// A `resources_scale` read (no `scale` given): "web: 3 desired, 3 current
/// (Deployment, namespace production)." The Scale subresource carries the
/// desired count (`spec.replicas`) and the pods the controller counts
/// (`status.replicas`); readiness is not part of it.
pub(super) fn replicas(output: &ToolOutput, asked: &Map<String, Value>) -> Option<String> {
    let scale = parse::object(output).ok()?;
    let desired = scale.pointer("/spec/replicas").and_then(Value::as_u64)?;
    let current = scale
        .pointer("/status/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let asked_text = |key: &str| asked.get(key).and_then(Value::as_str);
    let name = scale
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .or_else(|| asked_text("name"))?;
    let namespace = scale
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .or_else(|| asked_text("namespace"));
    let kind = asked_text("kind").unwrap_or("workload");
    let place = namespace
        .map(|namespace| format!(", namespace {namespace}"))
        .unwrap_or_default();
    let state = if current == desired {
        String::new()
    } else if current < desired {
        format!(" — {} still to come", desired - current)
    } else {
        format!(" — {} still to go", current - desired)
    };
    let selector = scale
        .pointer("/status/selector")
        .and_then(Value::as_str)
        .filter(|selector| !selector.is_empty())
        .map(|selector| format!("; pods selected by {selector}"))
        .unwrap_or_default();
    Some(format!(
        "{name}: {desired} desired, {current} current ({kind}{place}){state}{selector}.\n"
    ))
}

/// The ports an object exposes, one line each: a Service's ports with their
/// targets (and node ports), a Pod's or a workload's container ports.
/// `None` for a kind without ports, so the object is shown as it came.
pub(super) fn ports(output: &ToolOutput) -> Option<String> {
    let (object, subject) = super::named_object(output)?;
    let kind = object["kind"].as_str()?;
    let lines = match kind {
        "Service" => service_ports(&object),
        "Pod" => container_ports(object.pointer("/spec/containers")),
        _ => container_ports(object.pointer("/spec/template/spec/containers")),
    };
    let lines = lines?;
    if lines.is_empty() {
        return Some(format!("{subject} declares no ports.\n"));
    }
    let mut text = match kind {
        "Service" => {
            let kind_of_service = object
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            let address = match object.pointer("/spec/clusterIP").and_then(Value::as_str) {
                Some("None") => ", headless".to_owned(),
                Some(ip) => format!(" at {ip}"),
                None => String::new(),
            };
            format!(
                "{subject} ({kind_of_service}{address}) exposes {}:\n",
                count(lines.len(), "port")
            )
        }
        _ => format!(
            "{subject} declares {}:\n",
            count(lines.len(), "container port")
        ),
    };
    for line in lines {
        text.push_str(&format!("  {line}\n"));
    }
    Some(text)
}

/// The images an object runs, one line per container (init containers
/// marked): "what image is checkout running". `None` for a kind without
/// containers, so the object is shown as it came.
pub(super) fn images(output: &ToolOutput) -> Option<String> {
    let (object, subject) = super::named_object(output)?;
    let kind = object["kind"].as_str()?;
    let spec = match kind {
        "Pod" => object.get("spec")?,
        "CronJob" => object.pointer("/spec/jobTemplate/spec/template/spec")?,
        _ => object.pointer("/spec/template/spec")?,
    };
    let listed = |key: &str, marker: &str| -> Vec<String> {
        spec[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|container| {
                format!(
                    "{} ({marker}{})",
                    container["image"].as_str().unwrap_or("-"),
                    container["name"].as_str().unwrap_or("-")
                )
            })
            .collect()
    };
    let mut lines = listed("containers", "container ");
    lines.extend(listed("initContainers", "init container "));
    Some(match lines.as_slice() {
        [] => format!("{subject} declares no containers.\n"),
        [only] => format!("{subject} runs {only}.\n"),
        several => {
            let mut text = format!("{subject} runs {} images:\n", several.len());
            for line in several {
                text.push_str(&format!("  {line}\n"));
            }
            text
        }
    })
}

/// An Ingress's routes, one line per host and path, with the backend each
/// goes to, and the hosts served over TLS: "what hosts does the shop
/// ingress serve". `None` for any other kind.
pub(super) fn routes(output: &ToolOutput) -> Option<String> {
    let (object, subject) = super::named_object(output)?;
    if object["kind"].as_str()? != "Ingress" {
        return None;
    }
    let class = object
        .pointer("/spec/ingressClassName")
        .and_then(Value::as_str)
        .map(|class| format!(" (class {class})"))
        .unwrap_or_default();
    let backend = |backend: &Value| -> String {
        let service = backend.pointer("/service/name").and_then(Value::as_str);
        let port = backend
            .pointer("/service/port/number")
            .or_else(|| backend.pointer("/service/port/name"))
            .map(scalar);
        match (service, port) {
            (Some(service), Some(port)) => format!("service {service}:{port}"),
            (Some(service), None) => format!("service {service}"),
            _ => "-".to_owned(),
        }
    };
    let mut lines = Vec::new();
    for rule in object
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let host = rule["host"].as_str().unwrap_or("*");
        for path in rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            lines.push(format!(
                "{host}{} → {}",
                path["path"].as_str().unwrap_or("/"),
                backend(&path["backend"])
            ));
        }
    }
    if let Some(default) = object.pointer("/spec/defaultBackend") {
        lines.push(format!("anything else → {}", backend(default)));
    }
    let tls: Vec<&str> = object
        .pointer("/spec/tls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|entry| entry["hosts"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let mut text = format!("{subject}{class} routes {}:\n", count(lines.len(), "path"));
    for line in lines {
        text.push_str(&format!("  {line}\n"));
    }
    if !tls.is_empty() {
        text.push_str(&format!("TLS for {}\n", tls.join(", ")));
    }
    Some(text)
}

/// `1 port`, `3 ports`.
fn count(number: usize, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

/// `80/TCP → 8080 (http)`, with `node port 30080` where there is one.
fn service_ports(service: &Value) -> Option<Vec<String>> {
    let ports = service.pointer("/spec/ports")?.as_array()?;
    Some(
        ports
            .iter()
            .map(|port| {
                let number = scalar(&port["port"]);
                let protocol = port["protocol"].as_str().unwrap_or("TCP");
                let target = match &port["targetPort"] {
                    Value::Null => number.clone(),
                    target => scalar(target),
                };
                let mut line = format!("{number}/{protocol} → {target}");
                if let Some(name) = port["name"].as_str() {
                    line.push_str(&format!(" ({name})"));
                }
                if !port["nodePort"].is_null() {
                    line.push_str(&format!(", node port {}", scalar(&port["nodePort"])));
                }
                line
            })
            .collect(),
    )
}

/// `8080/TCP (http) on container app` for every container port.
fn container_ports(containers: Option<&Value>) -> Option<Vec<String>> {
    let containers = containers?.as_array()?;
    Some(
        containers
            .iter()
            .flat_map(|container| {
                let container_name = container["name"].as_str().unwrap_or("-").to_owned();
                container["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |port| {
                        let protocol = port["protocol"].as_str().unwrap_or("TCP");
                        let name = port["name"]
                            .as_str()
                            .map(|name| format!(" ({name})"))
                            .unwrap_or_default();
                        format!(
                            "{}/{protocol}{name} on container {container_name}",
                            scalar(&port["containerPort"])
                        )
                    })
            })
            .collect(),
    )
}

/// A number or a named port as written.
pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_scale_reads_as_desired_and_current_replicas() {
        let asked = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"});
        let asked = asked.as_object().cloned().unwrap_or_default();
        let scale = ToolOutput::from_text(
            "apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: web\n  namespace: production\nspec:\n  replicas: 3\nstatus:\n  replicas: 2\n  selector: app=web\n",
        );
        assert_eq!(
            replicas(&scale, &asked).as_deref(),
            Some(
                "web: 3 desired, 2 current (Deployment, namespace production) — 1 still to come; pods selected by app=web.\n"
            )
        );
        let settled =
            ToolOutput::from_structured(json!({"kind": "Scale", "metadata": {"name": "web"},
            "spec": {"replicas": 0}, "status": {"replicas": 0}}));
        assert_eq!(
            replicas(&settled, &asked).as_deref(),
            Some("web: 0 desired, 0 current (Deployment).\n")
        );
        assert_eq!(replicas(&ToolOutput::default(), &asked), None);
    }

    #[test]
    fn a_service_answers_with_its_ports_and_targets() {
        let service = ToolOutput::from_structured(json!({"kind": "Service",
            "metadata": {"name": "checkout", "namespace": "production"},
            "spec": {"type": "NodePort", "clusterIP": "10.96.0.12", "ports": [
                {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP", "nodePort": 30080},
                {"name": "metrics", "port": 9090, "targetPort": "metrics"}]}}));
        assert_eq!(
            ports(&service).as_deref(),
            Some(
                "service checkout in namespace production (NodePort at 10.96.0.12) exposes 2 ports:\n  80/TCP → 8080 (http), node port 30080\n  9090/TCP → metrics (metrics)\n"
            )
        );
    }

    #[test]
    fn an_ingress_answers_with_its_routes() {
        let ingress = ToolOutput::from_structured(json!({"kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "production"},
            "spec": {"ingressClassName": "nginx",
                "tls": [{"hosts": ["shop.example"], "secretName": "shop-tls"}],
                "rules": [{"host": "shop.example", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
                    {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"name": "http"}}}}]}}]}}));
        assert_eq!(
            routes(&ingress).as_deref(),
            Some(
                "ingress shop in namespace production (class nginx) routes 2 paths:\n  shop.example/ → service web:80\n  shop.example/api → service api:http\nTLS for shop.example\n"
            )
        );
        let service =
            ToolOutput::from_structured(json!({"kind": "Service", "metadata": {"name": "web"}}));
        assert_eq!(routes(&service), None);
    }

    #[test]
    fn a_headless_service_says_so() {
        let service = ToolOutput::from_structured(json!({"kind": "Service",
            "metadata": {"name": "postgres", "namespace": "db"},
            "spec": {"clusterIP": "None", "ports": [{"port": 5432, "name": "postgres"}]}}));
        assert_eq!(
            ports(&service).as_deref(),
            Some(
                "service postgres in namespace db (ClusterIP, headless) exposes 1 port:\n  5432/TCP → 5432 (postgres)\n"
            )
        );
    }

    #[test]
    fn a_workload_answers_with_its_container_ports() {
        let deployment = ToolOutput::from_structured(json!({"kind": "Deployment",
            "metadata": {"name": "web", "namespace": "demo"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "app", "ports": [{"containerPort": 8080, "name": "http"}]},
                {"name": "sidecar"}]}}}}));
        assert_eq!(
            ports(&deployment).as_deref(),
            Some(
                "deployment web in namespace demo declares 1 container port:\n  8080/TCP (http) on container app\n"
            )
        );
        let bare = ToolOutput::from_structured(json!({"kind": "Pod", "metadata": {"name": "tool"},
            "spec": {"containers": [{"name": "app"}]}}));
        assert_eq!(
            ports(&bare).as_deref(),
            Some("pod tool declares no ports.\n")
        );
        let config =
            ToolOutput::from_structured(json!({"kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(ports(&config), None);
    }

    #[test]
    fn a_workload_answers_with_its_images() {
        let deployment = ToolOutput::from_structured(json!({"kind": "Deployment",
            "metadata": {"name": "checkout", "namespace": "production"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "shop/checkout:2.1"}]}}}}));
        assert_eq!(
            images(&deployment).as_deref(),
            Some(
                "deployment checkout in namespace production runs shop/checkout:2.1 (container app).\n"
            )
        );
        let pod = ToolOutput::from_structured(json!({"kind": "Pod", "metadata": {"name": "web-1"},
            "spec": {"initContainers": [{"name": "migrate", "image": "shop/migrate:1"}],
                     "containers": [{"name": "app", "image": "nginx:1.27"}]}}));
        assert_eq!(
            images(&pod).as_deref(),
            Some(
                "pod web-1 runs 2 images:\n  nginx:1.27 (container app)\n  shop/migrate:1 (init container migrate)\n"
            )
        );
        let config =
            ToolOutput::from_structured(json!({"kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(images(&config), None);
    }
}
