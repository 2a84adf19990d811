//! Failing readiness and liveness probes: what the kubelet's `Unhealthy`
//! events say went wrong, told apart as a spec error (nothing listens on
//! the probed port, the probed path answers 404, a named port the container
//! does not declare) or an application problem (it answers too slowly, or
//! reports itself unhealthy). A spec error gets a fix when the pod's own
//! spec shows the right value (the container's only declared port, another
//! probe's path on the same port that answers).

use serde_json::Value;

use super::{Context, container_spec, workload};
use crate::diagnosis::parse::Event;
use crate::diagnosis::proposal::{self, ProposedChange};
use crate::diagnosis::{Cause, Diagnosis, Evidence};

/// The probe kind ("liveness"/"readiness") events show failing, with the events.
pub(super) fn probe_failures<'a>(context: &Context<'a>, probe: &str) -> Vec<&'a Event> {
    let marker = format!("{probe} probe failed");
    let errored = format!("{probe} probe errored");
    let killed = format!("failed {probe} probe");
    context.events(|event| {
        let message = event.message.to_ascii_lowercase();
        message.contains(&marker) || message.contains(&errored) || message.contains(&killed)
    })
}

/// The container of a pod that looks healthy whose liveness probe already
/// fails (the kubelet has not killed it yet): the first with a liveness probe.
pub(super) fn failing_liveness(context: &Context<'_>) -> Option<String> {
    if probe_failures(context, "liveness").is_empty() {
        return None;
    }
    context
        .state
        .containers
        .iter()
        .filter(|state| !state.init)
        .map(|state| state.name.clone())
        .find(|name| {
            container_spec(context.facts, name)
                .is_some_and(|spec| spec.get("livenessProbe").is_some())
        })
}

/// What the kubelet's words for a failing probe mean.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ProbeProblem {
    /// Nothing listens on the probed port (`connection refused`).
    PortClosed,
    /// The port answers but not on the probed path (404).
    PathMissing,
    /// The application answers more slowly than the probe waits
    /// (`context deadline exceeded`, `i/o timeout`).
    TooSlow,
    /// The application answers with an error status of its own (5xx, 401).
    ErrorStatus(String),
    /// The kubelet cannot run the probe at all (`probe errored`).
    Errored,
    /// Nothing the words tell (an exec probe's own output).
    Unexplained,
}

/// The problem the latest of the probe's failure events names.
fn problem(failures: &[&Event]) -> ProbeProblem {
    let Some(latest) = failures.iter().rev().find(|event| {
        let message = event.message.to_ascii_lowercase();
        message.contains("probe failed") || message.contains("probe errored")
    }) else {
        return ProbeProblem::Unexplained;
    };
    let message = latest.message.to_ascii_lowercase();
    if message.contains("probe errored") {
        ProbeProblem::Errored
    } else if message.contains("connection refused") {
        ProbeProblem::PortClosed
    } else if message.contains("statuscode: 404") {
        ProbeProblem::PathMissing
    } else if message.contains("deadline exceeded")
        || message.contains("i/o timeout")
        || message.contains("timeout exceeded")
    {
        ProbeProblem::TooSlow
    } else if let Some((_, status)) = message.split_once("statuscode: ") {
        ProbeProblem::ErrorStatus(status.trim().to_string())
    } else {
        ProbeProblem::Unexplained
    }
}

/// The probe's handler (`httpGet`, `tcpSocket`, `grpc`) in the container spec.
fn handler<'a>(spec: &'a Value, probe_field: &str) -> Option<&'a Value> {
    ["httpGet", "tcpSocket", "grpc"]
        .into_iter()
        .find_map(|handler| spec.get(probe_field)?.get(handler))
}

/// `8080`, `"http"` → `8080`, `http`.
fn port_text(port: &Value) -> String {
    match port {
        Value::String(name) => name.clone(),
        other => other.to_string(),
    }
}

/// A probe's port when it differs from every port the container declares,
/// with the port to use instead (the container's only declared port).
fn mismatched_probe_port(spec: &Value, probe: &str) -> Option<(Value, u64)> {
    let probe_port = handler(spec, probe)?.get("port")?.clone();
    let declared: Vec<&Value> = spec["ports"].as_array().into_iter().flatten().collect();
    let matches_declared = declared.iter().any(|port| match &probe_port {
        Value::Number(number) => port["containerPort"] == Value::Number(number.clone()),
        Value::String(name) => port["name"].as_str() == Some(name.as_str()),
        _ => false,
    });
    match declared.as_slice() {
        [only] if !matches_declared => Some((probe_port, only["containerPort"].as_u64()?)),
        _ => None,
    }
}

/// The path of another HTTP probe of the container on the same port that
/// shows no failure: a path the application is seen to answer.
fn answering_path(
    context: &Context<'_>,
    spec: &Value,
    probe_field: &str,
) -> Option<(String, &'static str)> {
    let http = spec.get(probe_field)?.get("httpGet")?;
    let path = http.get("path").and_then(Value::as_str).unwrap_or("/");
    [
        ("livenessProbe", "liveness"),
        ("readinessProbe", "readiness"),
        ("startupProbe", "startup"),
    ]
    .into_iter()
    .filter(|(field, _)| *field != probe_field)
    .filter(|(_, word)| probe_failures(context, word).is_empty())
    .find_map(|(field, word)| {
        let other = spec.get(field)?.get("httpGet")?;
        let other_path = other.get("path").and_then(Value::as_str).unwrap_or("/");
        (other.get("port") == http.get("port") && other_path != path)
            .then(|| (other_path.to_string(), word))
    })
}

/// Why the probe fails, in words, and the fix when the spec shows it.
fn explain(
    context: &Context<'_>,
    container: &str,
    probe_field: &str,
    word: &str,
) -> (String, Option<ProposedChange>) {
    let failures = probe_failures(context, word);
    let spec = container_spec(context.facts, container);
    let owner = workload(context.facts);
    let probed = spec.and_then(|spec| handler(spec, probe_field));
    let port = probed
        .and_then(|handler| handler.get("port"))
        .map(port_text)
        .unwrap_or_default();
    let path = probed
        .and_then(|handler| handler.get("path"))
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_string();
    let port_fix = || {
        let (current, declared) = mismatched_probe_port(spec?, probe_field)?;
        let change = proposal::set_probe_port(owner?, container, probe_field, &current, declared)?;
        Some((declared, change))
    };
    match problem(&failures) {
        ProbeProblem::PortClosed | ProbeProblem::Errored => match port_fix() {
            Some((declared, change)) => (
                format!(
                    "Its {word} probe asks port {port}, where nothing listens, while the container declares port {declared}: a probe misconfiguration."
                ),
                Some(change),
            ),
            None => (
                format!(
                    "Its {word} probe asks port {port}, where nothing listens (connection refused): either the probe names the wrong port or the application does not listen on it."
                ),
                None,
            ),
        },
        ProbeProblem::PathMissing => {
            let found = spec.and_then(|spec| answering_path(context, spec, probe_field));
            let change = found.as_ref().and_then(|(other_path, other_word)| {
                proposal::set_probe_path(
                    owner?,
                    container,
                    probe_field,
                    &path,
                    other_path,
                    &format!("the path its {other_word} probe asks on the same port, which answers"),
                )
            });
            let hint = match &found {
                Some((other_path, other_word)) => format!(
                    " Its {other_word} probe's path {other_path} on the same port answers."
                ),
                None => " Set the probe's path to the health endpoint the application serves."
                    .to_string(),
            };
            (
                format!(
                    "Its {word} probe asks path {path} on port {port}, which answers 404 Not Found: the port is served but the path is not, a probe misconfiguration.{hint}"
                ),
                change,
            )
        }
        ProbeProblem::TooSlow => {
            let timeout = spec
                .and_then(|spec| spec.get(probe_field)?.get("timeoutSeconds")?.as_u64())
                .unwrap_or(1);
            (
                format!(
                    "Its {word} probe on {path} port {port} times out: the application answers, but slower than the probe's timeoutSeconds ({timeout}s). The probe's target is right; the application is slow (overloaded, or waiting on a dependency). Look at what it waits for before raising timeoutSeconds."
                ),
                None,
            )
        }
        // The answer does not tell the port is wrong, but a port the
        // container does not declare still is a spec error worth fixing.
        ProbeProblem::ErrorStatus(_) | ProbeProblem::Unexplained if let Some((declared, change)) = port_fix() => (
            format!(
                "Its {word} probe asks port {port}, which the container does not declare (it declares port {declared})."
            ),
            Some(change),
        ),
        ProbeProblem::ErrorStatus(status) => (
            format!(
                "The application answers its {word} probe on {path} with HTTP {status}: it reports itself unhealthy; its logs and dependencies say why."
            ),
            None,
        ),
        ProbeProblem::Unexplained => (
            "Check that the probe's path and port answer once the application is up, and that its initialDelaySeconds covers start-up.".to_string(),
            None,
        ),
    }
}

fn probe_evidence(context: &mut Context<'_>, container: &str, probe_field: &str) {
    if let Some(probe) =
        container_spec(context.facts, container).and_then(|spec| spec.get(probe_field))
    {
        context.evidence.push(Evidence::new(
            format!("spec of container {container}"),
            format!("{probe_field}: {probe}"),
        ));
    }
    if let Some(ports) = container_spec(context.facts, container).and_then(|spec| spec.get("ports"))
    {
        context.evidence.push(Evidence::new(
            format!("spec of container {container}"),
            format!("ports: {ports}"),
        ));
    }
}

/// A liveness or startup probe (`probe`: "liveness", "startup") kills the
/// container: its events, the probe and the declared ports, the logs, and
/// a fix when the spec shows one. A failing startup probe kills it before
/// it ever counts as started (liveness and readiness never run).
pub(super) fn killed_by_probe(
    mut context: Context<'_>,
    container: &str,
    probe: &str,
    killed: &str,
) -> Diagnosis {
    let pod_name = context.state.name.clone();
    let namespace = context.state.namespace.clone();
    let marker = format!("{probe} probe");
    context.quote_events(|event| event.message.to_ascii_lowercase().contains(&marker));
    let field = format!("{probe}Probe");
    probe_evidence(&mut context, container, &field);
    context.quote_logs(container);
    let (why, proposal) = explain(&context, container, &field, probe);
    let fix = match &proposal {
        Some(change) => format!(" Proposed: {}.", change.summary),
        None => String::new(),
    };
    let (cause, before) = if probe == "startup" {
        (
            Cause::StartupProbeFailure,
            " before it ever counts as started",
        )
    } else {
        (Cause::LivenessProbeFailure, "")
    };
    let summary = format!(
        "Container {container} of pod {pod_name} is killed by its failing {probe} probe{before} ({killed}). {why}{fix}"
    );
    context
        .next_steps
        .push(format!("show pod {pod_name} in {namespace}"));
    context.finish(cause, summary, proposal)
}

/// The container runs but is not ready: its readiness probe fails (or,
/// between two kills, its liveness probe).
pub(super) fn not_ready(mut context: Context<'_>, container: &str) -> Diagnosis {
    // Between two kills a container runs unready: its liveness events tell.
    if !probe_failures(&context, "liveness").is_empty() {
        let restarts = context
            .container(container)
            .map_or(0, |state| state.restart_count);
        return killed_by_probe(
            context,
            container,
            "liveness",
            &format!("running unready between kills, {restarts} restarts"),
        );
    }
    let source = context.pod_source();
    context.evidence.insert(
        0,
        Evidence::new(
            source,
            format!("container {container} is running but not ready"),
        ),
    );
    let failures = probe_failures(&context, "readiness").len();
    context.quote_events(|event| {
        event
            .message
            .to_ascii_lowercase()
            .contains("readiness probe")
    });
    probe_evidence(&mut context, container, "readinessProbe");
    context.quote_logs(container);
    let (why, probe_proposal) = explain(&context, container, "readinessProbe", "readiness");
    let (rollout_note, rollout_proposal) = super::owners::stuck_rollout(&mut context, container);
    let pod_name = context.state.name.clone();
    let (fix, proposal) = match (probe_proposal, rollout_proposal) {
        (Some(change), _) => (
            format!(" {why} Proposed: {}.{rollout_note}", change.summary),
            Some(change),
        ),
        (None, rollout) => (format!(" {why}{rollout_note}"), rollout),
    };
    let evidence_note = if failures > 0 {
        "its readiness probe fails"
    } else {
        "it never reports ready (its readiness probe does not pass)"
    };
    let summary = format!(
        "Container {container} of pod {pod_name} runs but {evidence_note}, so the pod receives no traffic.{fix}"
    );
    context.finish(Cause::ReadinessProbeFailure, summary, proposal)
}
