//! Startup, liveness and readiness probes, decided as a kubelet's prober
//! would find them against what the pod's containers serve.
//!
//! What a pod serves is its `sim.kubeop.dev/serves` annotation ([`Served`]):
//! a list of `PORT[/PATH][=STATUS][@DELAY]` entries. Without it, a container
//! that declares exactly one TCP port is taken to listen on that port (and on
//! the ports its pod's other containers declare), answering 200 on every path
//! at once: a probe on any other port is refused, the typo a wrong probe port
//! usually is. A container declaring no port or several is taken to serve
//! whatever its probes ask: infrastructure such as CoreDNS declares its
//! service ports and probes undeclared health ports (8080, 8181), and is
//! healthy. A probe then passes or fails with the kubelet's own words:
//! a port nobody listens on is `connect: connection refused`, a path the
//! port does not serve answers 404 (`HTTP probe failed with statuscode:
//! 404`), an answer slower than the probe's `timeoutSeconds` is `context
//! deadline exceeded`. The simulated application answers the same way every
//! time, so one verdict per probe holds for the whole life of a container.

use std::time::Duration;

use serde_json::Value;

use crate::clock::parse_duration;

/// The kubelet's defaults for a probe's timing (the API server's defaults).
const DEFAULT_PERIOD: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
const DEFAULT_FAILURE_THRESHOLD: u32 = 3;

/// One `sim.kubeop.dev/serves` entry: what a port answers on a path (or on
/// every path it does not list).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    port: u16,
    /// `None`: every path the port does not list separately.
    path: Option<String>,
    /// The HTTP status it answers with.
    status: u16,
    /// How long it takes to answer.
    delay: Duration,
}

/// What a pod's containers listen on and answer (they share the pod's
/// network namespace, so this is per pod).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Served {
    endpoints: Vec<Endpoint>,
}

impl Served {
    /// Parses `8080/healthz 8080/ready=503 8080/slow@5s 9000` (entries split
    /// by whitespace or commas): the error names the entry and what is wrong.
    pub fn parse(text: &str) -> Result<Served, String> {
        let mut endpoints = Vec::new();
        for entry in text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|entry| !entry.is_empty())
        {
            endpoints.push(parse_endpoint(entry)?);
        }
        if endpoints.is_empty() {
            return Err("names no port (expected e.g. `8080/healthz 8080/ready=503`)".to_string());
        }
        Ok(Served { endpoints })
    }

    /// What `container` of `pod` is taken to serve when the pod's
    /// annotations do not say: when it declares exactly one TCP port, the
    /// TCP ports the pod's containers declare, every path answering 200 at
    /// once; otherwise `None` (every probe's target is served).
    fn declared(pod: &Value, container: &Value) -> Option<Served> {
        if tcp_ports(container).count() != 1 {
            return None;
        }
        let endpoints = ["containers", "initContainers"]
            .iter()
            .filter_map(|list| pod.pointer(&format!("/spec/{list}"))?.as_array())
            .flatten()
            .flat_map(tcp_ports)
            .map(|port| Endpoint {
                port,
                path: None,
                status: 200,
                delay: Duration::ZERO,
            })
            .collect();
        Some(Served { endpoints })
    }

    fn listens_on(&self, port: u16) -> bool {
        self.endpoints.iter().any(|endpoint| endpoint.port == port)
    }

    /// What an HTTP GET of `path` on `port` gets: None when nothing listens.
    fn answer(&self, port: u16, path: &str) -> Option<(u16, Duration)> {
        let on_port = || {
            self.endpoints
                .iter()
                .filter(|endpoint| endpoint.port == port)
        };
        let path = path.split('?').next().unwrap_or(path);
        let path = if path.is_empty() { "/" } else { path };
        on_port()
            .find(|endpoint| endpoint.path.as_deref() == Some(path))
            .or_else(|| on_port().find(|endpoint| endpoint.path.is_none()))
            .map(|endpoint| (endpoint.status, endpoint.delay))
            .or_else(|| self.listens_on(port).then_some((404, Duration::ZERO)))
    }
}

/// The TCP ports a container declares.
fn tcp_ports(container: &Value) -> impl Iterator<Item = u16> + '_ {
    container
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|port| {
            port.get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                == "TCP"
        })
        .filter_map(|port| port.get("containerPort")?.as_u64())
        .filter_map(|port| u16::try_from(port).ok())
}

fn parse_endpoint(entry: &str) -> Result<Endpoint, String> {
    let problem = |what: &str| format!("`{entry}`: {what} (expected PORT[/PATH][=STATUS][@DELAY])");
    let (rest, delay) = match entry.split_once('@') {
        Some((rest, delay)) => (
            rest,
            parse_duration(delay).map_err(|error| problem(&error.to_string()))?,
        ),
        None => (entry, Duration::ZERO),
    };
    let (rest, status) = match rest.split_once('=') {
        Some((rest, status)) => match status.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => (rest, code),
            _ => return Err(problem(&format!("`{status}` is not an HTTP status code"))),
        },
        None => (rest, 200),
    };
    let (port, path) = match rest.find('/') {
        Some(at) => (&rest[..at], Some(rest[at..].to_string())),
        None => (rest, None),
    };
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|port| *port > 0)
        .ok_or_else(|| problem(&format!("`{port}` is not a port number")))?;
    Ok(Endpoint {
        port,
        path,
        status,
        delay,
    })
}

/// The three probes a container may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// Runs first; until it passes, the other two do not run.
    Startup,
    /// A failing one restarts the container.
    Liveness,
    /// A failing one keeps the container (and the pod) not ready.
    Readiness,
}

impl ProbeKind {
    /// The container's field holding the probe.
    pub fn field(self) -> &'static str {
        match self {
            ProbeKind::Startup => "startupProbe",
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Readiness => "readinessProbe",
        }
    }

    /// The word starting the kubelet's events (`Liveness probe failed: ...`).
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }

    /// As the kubelet's Killing event words it (`failed liveness probe`).
    pub fn lower(self) -> &'static str {
        match self {
            ProbeKind::Startup => "startup",
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
        }
    }
}

/// When a probe runs and how many failures in a row it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `initialDelaySeconds`: from the container's start to the first probe.
    pub initial_delay: Duration,
    /// `periodSeconds`: between two probes.
    pub period: Duration,
    /// `failureThreshold`: failures in a row before it counts as failed.
    pub failure_threshold: u32,
}

impl Timing {
    /// How long an instance runs before a failing probe has failed
    /// `failureThreshold` times in a row (the last failure's moment).
    pub fn time_to_fail(self) -> Duration {
        self.initial_delay + self.period * self.failure_threshold.saturating_sub(1)
    }

    /// How many times the probe has run `elapsed` after the container started.
    pub fn runs_within(self, elapsed: Duration) -> u32 {
        match elapsed.checked_sub(self.initial_delay) {
            Some(after) => {
                let runs = 1 + after.as_secs() / self.period.as_secs().max(1);
                u32::try_from(runs).unwrap_or(u32::MAX)
            }
            None => 0,
        }
    }
}

/// What a probe finds each time it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The target answers in time with a success.
    Passes,
    /// It fails: the kubelet's event message (`Readiness probe failed: ...`).
    Fails(String),
    /// The kubelet cannot even run it (a named port the container does not
    /// declare): the result stays unknown, the container is neither killed
    /// nor made ready by it.
    Errored(String),
}

/// A container's probe, its timing and what it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    /// Which probe.
    pub kind: ProbeKind,
    /// When it runs.
    pub timing: Timing,
    /// What it finds.
    pub verdict: Verdict,
}

/// The probe `kind` of `container` (its spec) in `pod` whose IP is `pod_ip`:
/// None when the container has no such probe. `app_unready`: the
/// application answers its readiness endpoint with 503 (`sim.kubeop.dev/state:
/// not-ready`) even when it is served.
pub fn outcome(
    pod: &Value,
    container: &Value,
    kind: ProbeKind,
    annotated: Option<&Served>,
    pod_ip: &str,
    app_unready: bool,
) -> Option<ProbeOutcome> {
    let probe = container.get(kind.field())?;
    let seconds = |field: &str, default: Duration| {
        probe
            .get(field)
            .and_then(Value::as_u64)
            .map_or(default, Duration::from_secs)
    };
    let timing = Timing {
        initial_delay: seconds("initialDelaySeconds", Duration::ZERO),
        period: seconds("periodSeconds", DEFAULT_PERIOD).max(Duration::from_secs(1)),
        failure_threshold: probe
            .get("failureThreshold")
            .and_then(Value::as_u64)
            .and_then(|value| u32::try_from(value).ok())
            .unwrap_or(DEFAULT_FAILURE_THRESHOLD)
            .max(1),
    };
    let timeout = seconds("timeoutSeconds", DEFAULT_TIMEOUT).max(Duration::from_secs(1));
    let declared = Served::declared(pod, container);
    let served = annotated.or(declared.as_ref());
    let readiness_unready = app_unready && kind == ProbeKind::Readiness;
    let failed =
        |detail: String| Verdict::Fails(format!("{} probe failed: {detail}", kind.title()));
    let verdict = if let Some(http) = probe.get("httpGet") {
        match resolve_port(container, http.get("port")) {
            Err(error) => errored(kind, &error),
            Ok(port) => {
                let scheme = http
                    .get("scheme")
                    .and_then(Value::as_str)
                    .unwrap_or("HTTP")
                    .to_ascii_lowercase();
                let path = http.get("path").and_then(Value::as_str).unwrap_or("");
                let url = format!("{scheme}://{pod_ip}:{port}{path}");
                match served.map(|served| served.answer(port, path)) {
                    Some(None) => failed(format!(
                        "Get \"{url}\": dial tcp {pod_ip}:{port}: connect: connection refused"
                    )),
                    Some(Some((_, delay))) if delay >= timeout => failed(format!(
                        "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                    )),
                    Some(Some((status, _))) if !(200..400).contains(&status) => {
                        failed(format!("HTTP probe failed with statuscode: {status}"))
                    }
                    _ if readiness_unready => {
                        failed("HTTP probe failed with statuscode: 503".to_string())
                    }
                    _ => Verdict::Passes,
                }
            }
        }
    } else if let Some(tcp) = probe.get("tcpSocket") {
        match resolve_port(container, tcp.get("port")) {
            Err(error) => errored(kind, &error),
            Ok(port)
                if served.is_some_and(|served| !served.listens_on(port)) || readiness_unready =>
            {
                failed(format!(
                    "dial tcp {pod_ip}:{port}: connect: connection refused"
                ))
            }
            Ok(_) => Verdict::Passes,
        }
    } else if let Some(grpc) = probe.get("grpc") {
        match grpc
            .get("port")
            .and_then(Value::as_u64)
            .and_then(|port| u16::try_from(port).ok())
        {
            Some(port)
                if served.is_some_and(|served| !served.listens_on(port)) || readiness_unready =>
            {
                failed(format!(
                    "timeout: failed to connect service \"{pod_ip}:{port}\" within {}s: context deadline exceeded",
                    timeout.as_secs()
                ))
            }
            _ => Verdict::Passes,
        }
    } else if readiness_unready {
        failed("command exited with status 1".to_string())
    } else {
        Verdict::Passes
    };
    Some(ProbeOutcome {
        kind,
        timing,
        verdict,
    })
}

fn errored(kind: ProbeKind, error: &str) -> Verdict {
    Verdict::Errored(format!(
        "{} probe errored and resulted in unknown state: {error}",
        kind.title()
    ))
}

/// A probe's port: a number, or the name of one of the container's ports
/// (the kubelet's `findPortByName`, then its last-ditch number parse).
fn resolve_port(container: &Value, port: Option<&Value>) -> Result<u16, String> {
    let number = match port {
        Some(Value::Number(number)) => number.as_u64().unwrap_or(0),
        Some(Value::String(name)) => {
            let declared = container
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|port| port.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|port| port.get("containerPort")?.as_u64());
            match declared {
                Some(number) => number,
                None => name
                    .parse::<u64>()
                    .map_err(|_| format!("strconv.Atoi: parsing \"{name}\": invalid syntax"))?,
            }
        }
        _ => 0,
    };
    u16::try_from(number)
        .ok()
        .filter(|port| *port > 0)
        .ok_or_else(|| format!("invalid port number: {number}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_with(container: Value) -> Value {
        json!({"spec": {"containers": [container]}})
    }

    fn verdict(pod: &Value, kind: ProbeKind, served: Option<&Served>) -> Verdict {
        outcome(
            pod,
            &pod["spec"]["containers"][0],
            kind,
            served,
            "10.244.1.9",
            false,
        )
        .expect("the probe")
        .verdict
    }

    #[test]
    fn parses_ports_paths_statuses_and_delays() {
        let served =
            Served::parse("8080/healthz, 8080/ready=503 8080/slow@3s 9000").expect("valid");
        assert_eq!(served.answer(8080, "/healthz"), Some((200, Duration::ZERO)));
        assert_eq!(
            served.answer(8080, "/ready?full=1"),
            Some((503, Duration::ZERO))
        );
        assert_eq!(
            served.answer(8080, "/slow"),
            Some((200, Duration::from_secs(3)))
        );
        assert_eq!(served.answer(8080, "/other"), Some((404, Duration::ZERO)));
        assert_eq!(
            served.answer(9000, "/anything"),
            Some((200, Duration::ZERO))
        );
        assert_eq!(served.answer(9090, "/"), None);
        for bad in ["", "http", "8080=700", "0/x", "8080@soon"] {
            assert!(Served::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_probes_fail_in_the_kubelets_words() {
        let pod = pod_with(json!({
            "name": "app", "ports": [{"containerPort": 8080, "name": "http"}],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 9090}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "timeoutSeconds": 2},
            "startupProbe": {"httpGet": {"path": "/", "port": "htp"}},
        }));
        assert_eq!(
            verdict(&pod, ProbeKind::Liveness, None),
            Verdict::Fails("Liveness probe failed: Get \"http://10.244.1.9:9090/healthz\": dial tcp 10.244.1.9:9090: connect: connection refused".into())
        );
        assert_eq!(verdict(&pod, ProbeKind::Readiness, None), Verdict::Passes);
        let served = Served::parse("8080/healthz 8080/live").expect("valid");
        assert_eq!(
            verdict(&pod, ProbeKind::Readiness, Some(&served)),
            Verdict::Fails("Readiness probe failed: HTTP probe failed with statuscode: 404".into())
        );
        let slow = Served::parse("8080/ready@2s").expect("valid");
        assert_eq!(
            verdict(&pod, ProbeKind::Readiness, Some(&slow)),
            Verdict::Fails("Readiness probe failed: Get \"http://10.244.1.9:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into())
        );
        assert_eq!(
            verdict(&pod, ProbeKind::Startup, None),
            Verdict::Errored("Startup probe errored and resulted in unknown state: strconv.Atoi: parsing \"htp\": invalid syntax".into())
        );
    }

    #[test]
    fn a_pod_declaring_no_port_serves_what_its_probes_ask() {
        let pod = pod_with(json!({
            "name": "app",
            "livenessProbe": {"tcpSocket": {"port": 5432}, "initialDelaySeconds": 15, "periodSeconds": 5},
        }));
        let probe = outcome(
            &pod,
            &pod["spec"]["containers"][0],
            ProbeKind::Liveness,
            None,
            "10.244.1.9",
            false,
        )
        .expect("the probe");
        assert_eq!(probe.verdict, Verdict::Passes);
        assert_eq!(probe.timing.time_to_fail(), Duration::from_secs(25));
        assert_eq!(probe.timing.runs_within(Duration::from_secs(14)), 0);
        assert_eq!(probe.timing.runs_within(Duration::from_secs(21)), 2);
        let elsewhere = Served::parse("5433").expect("valid");
        assert_eq!(
            verdict(&pod, ProbeKind::Liveness, Some(&elsewhere)),
            Verdict::Fails(
                "Liveness probe failed: dial tcp 10.244.1.9:5432: connect: connection refused"
                    .into()
            )
        );
    }

    #[test]
    fn a_container_declaring_several_ports_serves_its_undeclared_health_ports() {
        let pod = pod_with(json!({
            "name": "coredns",
            "ports": [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53}, {"containerPort": 9153}],
            "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
        }));
        assert_eq!(verdict(&pod, ProbeKind::Liveness, None), Verdict::Passes);
    }

    #[test]
    fn an_unready_application_answers_its_readiness_probe_with_503() {
        let pod = pod_with(json!({
            "name": "app",
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        }));
        let probe = outcome(
            &pod,
            &pod["spec"]["containers"][0],
            ProbeKind::Readiness,
            None,
            "10.244.1.9",
            true,
        )
        .expect("the probe");
        assert_eq!(
            probe.verdict,
            Verdict::Fails("Readiness probe failed: HTTP probe failed with statuscode: 503".into())
        );
    }
}
