//! What `kubectl logs` and `nodes/N/proxy/logs` return.
//!
//! A container's log is its `sim.kubeop.dev/logs` annotation (the previous,
//! crashed instance's is `previous-logs`), or plausible lines generated from
//! its image and its state, so that every running pod has something to show.
//! The refusals are the API server's own: a container that has not started,
//! a previous instance that does not exist, a container the pod does not have.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::behaviour::{NodeBehaviour, PodBehaviour, SimState};
use crate::clock::{klog_stamp, parse_rfc3339, rfc3339};
use crate::kubelet::{InitOutcome, main_container_name};

/// What a log request asks for (`GET .../pods/N/log?...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogRequest {
    /// `container=`; may be omitted when the pod has one container.
    pub container: Option<String>,
    /// `previous=true`: the previous, terminated instance.
    pub previous: bool,
    /// `tailLines=`: only the last N lines.
    pub tail_lines: Option<usize>,
    /// `follow=true`: keep the stream open while the container runs.
    pub follow: bool,
    /// `timestamps=true`: each line starts with its RFC 3339 time.
    pub timestamps: bool,
    /// `limitBytes=`: at most this many bytes.
    pub limit_bytes: Option<usize>,
    /// `sinceSeconds=` (`kubectl logs --since=1h`): only lines written in
    /// the last this many seconds.
    pub since_seconds: Option<u64>,
    /// `sinceTime=` (`kubectl logs --since-time=...`): only lines written
    /// from then on.
    pub since_time: Option<SystemTime>,
}

impl LogRequest {
    /// Reads the decoded query parameters of a log request.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> LogRequest {
        let mut request = LogRequest::default();
        for (key, value) in pairs {
            match key {
                "container" if !value.is_empty() => request.container = Some(value.to_string()),
                "previous" => request.previous = value == "true",
                "tailLines" => request.tail_lines = value.parse().ok(),
                "follow" => request.follow = value == "true",
                "timestamps" => request.timestamps = value == "true",
                "limitBytes" => request.limit_bytes = value.parse().ok(),
                "sinceSeconds" => request.since_seconds = value.parse().ok(),
                "sinceTime" => request.since_time = parse_rfc3339(value),
                _ => {}
            }
        }
        request
    }
}

/// A log request the API server refuses with 400 Bad Request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// Several containers and none named.
    #[error("a container name must be specified for pod {pod}, choose one of: [{choices}]")]
    ContainerRequired {
        /// The pod.
        pod: String,
        /// Its containers, space-separated.
        choices: String,
    },
    /// The named container is not in the pod.
    #[error("container {container} is not valid for pod {pod}")]
    NoSuchContainer {
        /// The container asked for.
        container: String,
        /// The pod.
        pod: String,
    },
    /// `previous=true` but the container never restarted.
    #[error("previous terminated container \"{container}\" in pod \"{pod}\" not found")]
    NoPreviousContainer {
        /// The container.
        container: String,
        /// The pod.
        pod: String,
    },
    /// The container has not started (pulling, creating, unscheduled).
    #[error("container \"{container}\" in pod \"{pod}\" is waiting to start: {reason}")]
    WaitingToStart {
        /// The container.
        container: String,
        /// The pod.
        pod: String,
        /// Why (`ContainerCreating`, `trying and failing to pull image`, ...).
        reason: String,
    },
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Keeps the last `tail` lines of a log (all of it when None).
pub fn tail(log: &str, tail_lines: Option<usize>) -> String {
    match tail_lines {
        None => log.to_string(),
        Some(count) => {
            let lines: Vec<&str> = log.lines().collect();
            let start = lines.len().saturating_sub(count);
            lines[start..]
                .iter()
                .map(|line| format!("{line}\n"))
                .collect()
        }
    }
}

/// The container a request reads: the one named, else the only one, else
/// the pod's default container.
fn chosen_container(pod: &Value, request: &LogRequest) -> Option<String> {
    let names: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| text(container, "/name"))
        .collect();
    match &request.container {
        Some(container) => Some(container.clone()),
        None if names.len() == 1 => Some(names[0].to_owned()),
        None => pod
            .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Whether the container a log request reads is running now (a followed
/// log ends when it stops).
pub fn container_is_running(pod: &Value, request: &LogRequest) -> bool {
    let Some(container) = chosen_container(pod, request) else {
        return false;
    };
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|status| {
            text(status, "/name") == container && status.pointer("/state/running").is_some()
        })
}

/// When the container instance whose log is read started: the running
/// one, else the one that ended (or the previous one): the log's lines are
/// spread from then to now.
fn started_at(status: &Value) -> Option<SystemTime> {
    status
        .pointer("/state/running/startedAt")
        .or_else(|| status.pointer("/state/terminated/startedAt"))
        .or_else(|| status.pointer("/lastState/terminated/startedAt"))
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

/// A container's log as the request shapes it. Each line has a time: the
/// lines are spread over the container's run, the last one now (so times
/// are increasing and never in the future). `sinceSeconds`/`sinceTime` keep
/// the lines from then on, `timestamps` prefixes each with its time, and
/// `limitBytes` cuts the result.
pub fn shape(pod: &Value, log: &str, request: &LogRequest) -> String {
    let now = SystemTime::now();
    let cutoff = request.since_time.or_else(|| {
        request
            .since_seconds
            .map(|seconds| now - Duration::from_secs(seconds))
    });
    let mut shaped = if request.timestamps || cutoff.is_some() {
        let lines: Vec<&str> = log.lines().collect();
        let started = chosen_container(pod, request)
            .and_then(|container| {
                ["/status/containerStatuses", "/status/initContainerStatuses"]
                    .iter()
                    .filter_map(|list| pod.pointer(list).and_then(Value::as_array))
                    .flatten()
                    .find(|status| text(status, "/name") == container)
                    .and_then(started_at)
            })
            .unwrap_or(now);
        let span = now.duration_since(started).unwrap_or_default();
        let count = lines.len().max(1) as u32;
        lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| {
                let at = started + span / count * (index as u32 + 1);
                if cutoff.is_some_and(|cutoff| at < cutoff) {
                    return None;
                }
                Some(if request.timestamps {
                    format!("{} {line}\n", crate::clock::rfc3339_nanos(at))
                } else {
                    format!("{line}\n")
                })
            })
            .collect()
    } else {
        log.to_owned()
    };
    if let Some(limit) = request.limit_bytes
        && shaped.len() > limit
    {
        let mut cut = limit;
        while !shaped.is_char_boundary(cut) {
            cut -= 1;
        }
        shaped.truncate(cut);
    }
    shaped
}

/// The names of a pod's containers of one list (`containers`, `initContainers`).
fn container_names(pod: &Value, list: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .map(|list| list.iter().map(|c| text(c, "/name").to_string()).collect())
        .unwrap_or_default()
}

/// Whether a log request names one of the pod's init containers (whose log
/// is what its command printed: see [`container_log`]'s `init`).
pub fn asks_for_init_container(pod: &Value, request: &LogRequest) -> bool {
    request
        .container
        .as_ref()
        .is_some_and(|container| container_names(pod, "initContainers").contains(container))
}

/// The log of an init container: what its command printed
/// ([`InitOutcome::log`]), for the instance running now or the last one
/// that ended.
fn init_container_log(
    pod: &Value,
    container: &str,
    outcome: Option<&InitOutcome>,
    request: &LogRequest,
    now: SystemTime,
) -> Result<String, LogError> {
    let pod_name = text(pod, "/metadata/name").to_string();
    let status = pod
        .pointer("/status/initContainerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|status| text(status, "/name") == container);
    let has_previous =
        status.is_some_and(|status| status.pointer("/lastState/terminated").is_some());
    if request.previous && !has_previous {
        return Err(LogError::NoPreviousContainer {
            container: container.to_string(),
            pod: pod_name,
        });
    }
    let started = status.and_then(started_at);
    let Some(started) = started else {
        let reason = status
            .and_then(|status| status.pointer("/state/waiting/reason"))
            .and_then(Value::as_str)
            .unwrap_or("PodInitializing");
        return Err(LogError::WaitingToStart {
            container: container.to_string(),
            pod: pod_name,
            reason: reason.to_string(),
        });
    };
    let log = outcome.map_or_else(String::new, |outcome| outcome.log(started, now));
    Ok(tail(&log, request.tail_lines))
}

/// The log of one of a pod's containers. `pod` must carry its current
/// status (as the controllers keep it); `init` is what its init containers'
/// commands do now ([`crate::kubelet::init::outcomes`]), needed only when
/// the request names an init container ([`asks_for_init_container`]).
pub fn container_log(
    pod: &Value,
    request: &LogRequest,
    init: &[InitOutcome],
    now: SystemTime,
) -> Result<String, LogError> {
    let pod_name = text(pod, "/metadata/name").to_string();
    let names = container_names(pod, "containers");
    if let Some(container) = &request.container
        && let Some(index) = container_names(pod, "initContainers")
            .iter()
            .position(|name| name == container)
    {
        return init_container_log(pod, container, init.get(index), request, now);
    }
    let container = match &request.container {
        Some(container) if names.contains(container) => container.clone(),
        Some(container) => {
            return Err(LogError::NoSuchContainer {
                container: container.clone(),
                pod: pod_name,
            });
        }
        None if names.len() == 1 => names[0].clone(),
        None => match pod
            .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
            .and_then(Value::as_str)
        {
            Some(default) if names.iter().any(|name| name == default) => default.to_string(),
            _ => {
                return Err(LogError::ContainerRequired {
                    pod: pod_name,
                    choices: names.join(" "),
                });
            }
        },
    };
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|status| text(status, "/name") == container)
        });
    let behaviour = PodBehaviour::of_pod(pod);
    let is_main = main_container_name(pod).as_deref() == Some(container.as_str());
    let image = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().find(|c| text(c, "/name") == container))
        .map(|c| text(c, "/image").to_string())
        .unwrap_or_default();

    if request.previous {
        let has_previous =
            status.is_some_and(|status| status.pointer("/lastState/terminated").is_some());
        if !has_previous {
            return Err(LogError::NoPreviousContainer {
                container,
                pod: pod_name,
            });
        }
        let log = match (&behaviour.previous_logs, is_main) {
            (Some(log), true) => log.clone(),
            _ => generated_crash_log(
                &container,
                &image,
                status.and_then(|s| s.pointer("/lastState/terminated")),
            ),
        };
        return Ok(tail(&log, request.tail_lines));
    }

    let Some(status) = status else {
        return Err(LogError::WaitingToStart {
            container,
            pod: pod_name,
            reason: "ContainerCreating".to_string(),
        });
    };
    if let Some(waiting) = status.pointer("/state/waiting") {
        let reason = text(waiting, "/reason");
        let never_ran = status.pointer("/lastState/terminated").is_none();
        if never_ran {
            let reason = match reason {
                "ImagePullBackOff" | "ErrImagePull" => {
                    "trying and failing to pull image".to_string()
                }
                other => other.to_string(),
            };
            return Err(LogError::WaitingToStart {
                container,
                pod: pod_name,
                reason,
            });
        }
    }
    let started = status
        .pointer("/state/running/startedAt")
        .or_else(|| status.pointer("/state/terminated/startedAt"))
        .or_else(|| status.pointer("/lastState/terminated/startedAt"))
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let log = match (&behaviour.logs, is_main) {
        (Some(log), true) => log.clone(),
        _ if is_main && behaviour.state.restarts_container() => {
            generated_crash_log(&container, &image, status.pointer("/lastState/terminated"))
        }
        _ if is_main && behaviour.state == SimState::Completed => {
            format!("{} INFO {container}: job finished\n", rfc3339(started))
        }
        _ => generated_log(&container, &image, started),
    };
    Ok(tail(&log, request.tail_lines))
}

/// The log of a container instance that crashed, from its exit status. A
/// process killed by a signal (137: SIGKILL, by the OOM killer or after a
/// failed probe's stop outlived its grace period; 143: SIGTERM) did not
/// choose to exit: it writes no farewell of its own beyond a shutdown line
/// for the SIGTERM it may handle.
fn generated_crash_log(container: &str, image: &str, terminated: Option<&Value>) -> String {
    let started = terminated
        .map(|t| text(t, "/startedAt"))
        .unwrap_or_default();
    let finished = terminated
        .map(|t| text(t, "/finishedAt"))
        .unwrap_or_default();
    let exit_code = terminated
        .and_then(|t| t.get("exitCode"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let reason = terminated.map(|t| text(t, "/reason")).unwrap_or_default();
    let last = match exit_code {
        _ if reason == "OOMKilled" => {
            format!("{finished} WARN {container}: memory usage approaching the container limit\n")
        }
        137 => String::new(),
        143 => format!("{finished} INFO {container}: received SIGTERM, shutting down\n"),
        _ => format!(
            "{finished} FATAL {container}: unrecoverable error, exiting with status {exit_code}\n"
        ),
    };
    format!("{started} INFO starting {container} ({image})\n{last}")
}

/// What a container logs when its pod is deleted and it is asked to stop
/// (a followed log shows it before it ends), shaped by its image: nginx
/// gets its image's stop signal, anything else SIGTERM.
pub fn shutdown_log(pod: &Value, request: &LogRequest, at: SystemTime) -> String {
    let container = chosen_container(pod, request).unwrap_or_default();
    let image = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|candidate| text(candidate, "/name") == container)
        .map(|candidate| text(candidate, "/image"))
        .unwrap_or_default();
    let image_name = image.rsplit('/').next().unwrap_or(image);
    let line = if image_name.starts_with("nginx") {
        let stamp = rfc3339(at)
            .replace('-', "/")
            .replace('T', " ")
            .replace('Z', "");
        format!("{stamp} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down\n")
    } else {
        format!(
            "{} INFO {container}: received SIGTERM, shutting down\n",
            rfc3339(at)
        )
    };
    if request.timestamps {
        format!("{} {line}", crate::clock::rfc3339_nanos(at))
    } else {
        line
    }
}

/// Plausible lines for a healthy container, shaped by its image.
fn generated_log(container: &str, image: &str, started: SystemTime) -> String {
    let at = |seconds: u64| started + Duration::from_secs(seconds);
    let image_name = image.rsplit('/').next().unwrap_or(image);
    if image_name.starts_with("nginx") {
        let stamp = |seconds| {
            rfc3339(at(seconds))
                .replace('-', "/")
                .replace('T', " ")
                .replace('Z', "")
        };
        format!(
            "/docker-entrypoint.sh: Configuration complete; ready for start up\n\
             {} [notice] 1#1: using the \"epoll\" event method\n\
             {} [notice] 1#1: start worker processes\n\
             10.244.0.1 - - [{}] \"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.32\"\n",
            stamp(0),
            stamp(0),
            rfc3339(at(10))
        )
    } else {
        format!(
            "{} INFO starting {container} ({image})\n{} INFO {container} ready\n{} INFO health check ok\n",
            rfc3339(at(0)),
            rfc3339(at(1)),
            rfc3339(at(30))
        )
    }
}

/// A node log request the kubelet does not serve (404).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "log query \"{query}\" on node {node}: no such service or log file (try kubelet, kube-proxy, containerd or /var/log/kubelet.log)"
)]
pub struct NodeLogNotFound {
    /// The node.
    pub node: String,
    /// The query asked for.
    pub query: String,
}

/// `GET /api/v1/nodes/N/proxy/logs?query=Q&tailLines=T`: a service's journal
/// or a file under /var/log. The kubelet's own log comes from the node's
/// `sim.kubeop.dev/kubelet-logs` annotation when it has one.
pub fn node_log(
    node: &Value,
    query: &str,
    tail_lines: Option<usize>,
    now: SystemTime,
) -> Result<String, NodeLogNotFound> {
    let node_name = text(node, "/metadata/name");
    let service = query
        .trim_start_matches("/var/log/")
        .trim_end_matches(".log");
    let stamp = |seconds_ago: u64| klog_stamp(now - Duration::from_secs(seconds_ago));
    let log = match service {
        "kubelet" => NodeBehaviour::of_node(node).kubelet_logs.unwrap_or_else(|| {
            format!(
                "I{} 1187 kubelet.go:2468] \"SyncLoop (housekeeping)\"\nI{} 1187 kubelet_node_status.go:488] \"Node is ready\" node=\"{node_name}\"\n",
                stamp(120),
                stamp(60)
            )
        }),
        "kube-proxy" => format!(
            "I{} 1 server_linux.go:169] \"Using iptables Proxier\"\nI{} 1 proxier.go:799] \"SyncProxyRules complete\" elapsed=\"12.2ms\"\n",
            stamp(3600),
            stamp(30)
        ),
        "containerd" => format!(
            "time=\"{}\" level=info msg=\"ImageCreate event name:\\\"registry.k8s.io/pause:3.10\\\"\"\ntime=\"{}\" level=info msg=\"StartContainer returns successfully\"\n",
            rfc3339(now - Duration::from_secs(3600)),
            rfc3339(now - Duration::from_secs(60))
        ),
        _ => {
            return Err(NodeLogNotFound {
                node: node_name.to_string(),
                query: query.to_string(),
            });
        }
    };
    Ok(tail(&log, tail_lines.filter(|count| *count > 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;
    use crate::kubelet::{ConfigCheck, Placement, observe};
    use serde_json::json;

    fn pod_with_status(annotations: Value, seconds: u64) -> Value {
        let mut pod = json!({
            "metadata": {"name": "checkout-5c9d-abcde", "namespace": "production", "uid": "u-9", "annotations": annotations},
            "spec": {"containers": [{"name": "checkout", "image": "ghcr.io/acme/checkout:3.2.0"}]},
        });
        let start = from_unix_seconds(1_795_596_253);
        let placement = Placement::Bound {
            node_name: "node-2".to_string(),
            host_ip: "10.0.2.37".to_string(),
            pod_ip: "10.244.2.11".to_string(),
            bound_at: start,
        };
        pod["status"] = observe(
            &pod,
            &placement,
            &ConfigCheck::default(),
            &[],
            start + Duration::from_secs(seconds),
        )
        .status;
        pod
    }

    #[test]
    fn serves_current_and_previous_logs_of_a_crashing_container() {
        let pod = pod_with_status(
            json!({
                "sim.kubeop.dev/state": "crashloop",
                "sim.kubeop.dev/restarts": "3",
                "sim.kubeop.dev/logs": "starting\nconnecting\n",
                "sim.kubeop.dev/previous-logs": "starting\nconnecting\nFATAL password authentication failed\n",
            }),
            600,
        );
        assert_eq!(
            container_log(&pod, &LogRequest::default(), &[], SystemTime::now()),
            Ok("starting\nconnecting\n".to_string())
        );
        let previous = LogRequest {
            previous: true,
            tail_lines: Some(1),
            ..LogRequest::default()
        };
        assert_eq!(
            container_log(&pod, &previous, &[], SystemTime::now()),
            Ok("FATAL password authentication failed\n".to_string())
        );
    }

    #[test]
    fn refuses_previous_logs_when_nothing_restarted() {
        let pod = pod_with_status(json!({"sim.kubeop.dev/logs": "hello\n"}), 60);
        let previous = LogRequest {
            previous: true,
            ..LogRequest::default()
        };
        let error = container_log(&pod, &previous, &[], SystemTime::now())
            .expect_err("no previous instance");
        assert_eq!(
            error.to_string(),
            "previous terminated container \"checkout\" in pod \"checkout-5c9d-abcde\" not found"
        );
    }

    #[test]
    fn generates_crash_logs_with_the_exit_code() {
        let pod = pod_with_status(
            json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/exit-code": "3"}),
            600,
        );
        let previous = LogRequest {
            previous: true,
            ..LogRequest::default()
        };
        let log =
            container_log(&pod, &previous, &[], SystemTime::now()).expect("a previous instance");
        assert!(log.contains("exiting with status 3"), "{log}");
        // Killed by a signal, it says no last word of its own.
        let killed = pod_with_status(
            json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/exit-code": "137"}),
            600,
        );
        let log =
            container_log(&killed, &previous, &[], SystemTime::now()).expect("a previous instance");
        assert!(!log.contains("exiting"), "{log}");
        assert!(log.contains("INFO starting checkout"), "{log}");
    }

    #[test]
    fn refuses_a_container_that_never_started_or_does_not_exist() {
        let pod = pod_with_status(json!({"sim.kubeop.dev/state": "imagepullbackoff"}), 60);
        assert_eq!(
            container_log(&pod, &LogRequest::default(), &[], SystemTime::now()).map_err(|e| e.to_string()),
            Err("container \"checkout\" in pod \"checkout-5c9d-abcde\" is waiting to start: trying and failing to pull image".to_string())
        );
        let wrong = LogRequest {
            container: Some("sidecar".to_string()),
            ..LogRequest::default()
        };
        assert_eq!(
            container_log(&pod, &wrong, &[], SystemTime::now()).map_err(|e| e.to_string()),
            Err("container sidecar is not valid for pod checkout-5c9d-abcde".to_string())
        );
    }

    #[test]
    fn generates_lines_for_a_healthy_container_and_tails_them() {
        let pod = pod_with_status(json!({}), 60);
        let log =
            container_log(&pod, &LogRequest::default(), &[], SystemTime::now()).expect("running");
        assert!(
            log.contains("INFO starting checkout (ghcr.io/acme/checkout:3.2.0)"),
            "{log}"
        );
        let last = LogRequest {
            tail_lines: Some(1),
            ..LogRequest::default()
        };
        assert_eq!(
            container_log(&pod, &last, &[], SystemTime::now())
                .expect("running")
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn reads_the_log_query() {
        let request = LogRequest::from_query([
            ("container", "app"),
            ("previous", "true"),
            ("tailLines", "3"),
            ("follow", "true"),
            ("timestamps", "true"),
            ("limitBytes", "100"),
            ("sinceSeconds", "3600"),
        ]);
        assert_eq!(
            request,
            LogRequest {
                container: Some("app".to_string()),
                previous: true,
                tail_lines: Some(3),
                follow: true,
                timestamps: true,
                limit_bytes: Some(100),
                since_seconds: Some(3600),
                since_time: None,
            }
        );
    }

    #[test]
    fn since_keeps_only_the_recent_lines() {
        // Four lines over the last 40 minutes: one every 10 minutes.
        let started = SystemTime::now() - Duration::from_secs(40 * 60);
        let pod = json!({"spec": {"containers": [{"name": "app", "image": "x"}]},
            "status": {"containerStatuses": [{"name": "app", "state": {"running": {"startedAt": rfc3339(started)}}}]}});
        let recent = shape(
            &pod,
            "a\nb\nc\nd\n",
            &LogRequest {
                since_seconds: Some(15 * 60),
                ..LogRequest::default()
            },
        );
        assert_eq!(recent, "c\nd\n");
        let all = shape(&pod, "a\nb\n", &LogRequest::default());
        assert_eq!(all, "a\nb\n");
    }

    #[test]
    fn timestamps_increase_to_now_and_limit_bytes_cuts() {
        let pod = json!({"spec": {"containers": [{"name": "app", "image": "x"}]},
            "status": {"containerStatuses": [{"name": "app", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}});
        let stamped = shape(
            &pod,
            "one\ntwo\n",
            &LogRequest {
                timestamps: true,
                ..LogRequest::default()
            },
        );
        let stamps: Vec<&str> = stamped
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        assert_eq!(stamps.len(), 2, "{stamped}");
        assert!(
            stamps[0] < stamps[1] && stamps[0].starts_with("2026-"),
            "{stamped}"
        );
        assert!(
            stamped
                .lines()
                .all(|line| line.ends_with("one") || line.ends_with("two"))
        );
        let cut = shape(
            &pod,
            "one\ntwo\n",
            &LogRequest {
                limit_bytes: Some(5),
                ..LogRequest::default()
            },
        );
        assert_eq!(cut, "one\nt");
        assert!(container_is_running(&pod, &LogRequest::default()));
    }

    #[test]
    fn node_logs_come_from_the_kubelet_annotation() {
        let node = json!({"metadata": {"name": "node-1", "annotations": {"sim.kubeop.dev/kubelet-logs": "line one\nline two\nline three\n"}}});
        let now = from_unix_seconds(1_795_596_253);
        assert_eq!(
            node_log(&node, "kubelet", Some(2), now),
            Ok("line two\nline three\n".to_string())
        );
        assert_eq!(
            node_log(&node, "/var/log/kubelet.log", Some(0), now),
            Ok("line one\nline two\nline three\n".to_string())
        );
        assert!(
            node_log(&node, "kube-proxy", None, now)
                .expect("served")
                .contains("SyncProxyRules")
        );
        assert!(node_log(&node, "sshd", None, now).is_err());
    }
}
