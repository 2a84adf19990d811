//! The `sim.kubeop.dev/*` annotations that tell the simulator how a pod or a
//! node behaves (design.md, "Simulated cluster scenario files").
//!
//! They sit on a Pod, on a pod template (and so on every pod made from it) or
//! on a Node. Scenario files are checked strictly ([`PodBehaviour::parse`]);
//! objects that arrive later through the API are read leniently
//! ([`PodBehaviour::lenient`]), because a bad annotation must not make a pod
//! disappear from a running cluster.
//!
//! Besides design.md's list, a pod may say what it serves,
//! `sim.kubeop.dev/serves: "8080/healthz 8080/ready=503 8080/slow@3s 9090"`
//! (`PORT[/PATH][=STATUS][@DELAY]`): its probes are decided against it
//! ([`crate::kubelet::probes`], which also says what a pod serves without it);
//! and which images no registry has, `sim.kubeop.dev/missing-images`: any
//! container running one, init containers included, fails to pull it.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::clock::parse_duration;
use crate::kubelet::probes::Served;
use crate::quantity::Quantity;

/// Every simulator annotation key starts with this.
pub const ANNOTATION_PREFIX: &str = "sim.kubeop.dev/";

/// How a pod's main container behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimState {
    /// Starts, becomes ready after the ready delay and stays so.
    #[default]
    Running,
    /// Exits with `exit-code` over and over: CrashLoopBackOff.
    CrashLoop,
    /// Killed by the kernel for exceeding its memory limit: exit 137, OOMKilled.
    OomKilled,
    /// Its image cannot be pulled: ErrImagePull then ImagePullBackOff.
    ImagePullBackOff,
    /// Never scheduled: PodScheduled False, reason Unschedulable.
    Pending,
    /// Runs but its readiness probe fails.
    NotReady,
    /// Runs to completion with exit 0 (Job pods).
    Completed,
}

impl SimState {
    /// The annotation values, in the order design.md lists them.
    pub const ALL: [(&'static str, SimState); 7] = [
        ("running", SimState::Running),
        ("crashloop", SimState::CrashLoop),
        ("oomkilled", SimState::OomKilled),
        ("imagepullbackoff", SimState::ImagePullBackOff),
        ("pending", SimState::Pending),
        ("not-ready", SimState::NotReady),
        ("completed", SimState::Completed),
    ];

    fn parse(text: &str) -> Option<SimState> {
        SimState::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, state)| *state)
    }

    /// Whether the container keeps restarting (and so has a previous instance).
    pub fn restarts_container(self) -> bool {
        matches!(self, SimState::CrashLoop | SimState::OomKilled)
    }
}

/// A refused annotation: which key, and what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("annotation `{key}`: {problem}")]
pub struct AnnotationError {
    /// The full annotation key, e.g. `sim.kubeop.dev/state`.
    pub key: String,
    /// What is wrong, naming what would be accepted.
    pub problem: String,
}

/// What the annotations of a pod (or pod template) ask for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodBehaviour {
    /// `state`.
    pub state: SimState,
    /// `exit-code`: the exit code of each crash (crashloop default 1).
    pub exit_code: Option<i64>,
    /// `restarts`: the restart count shown.
    pub restarts: Option<u32>,
    /// `logs`: the current container's log.
    pub logs: Option<String>,
    /// `previous-logs`: the log of the previous (crashed) container.
    pub previous_logs: Option<String>,
    /// `cpu-usage`: served by the metrics API.
    pub cpu_usage: Option<Quantity>,
    /// `memory-usage`: served by the metrics API.
    pub memory_usage: Option<Quantity>,
    /// `disk-usage`: the ephemeral storage the pod writes (logs, emptyDir,
    /// writable layer), weighed by the kubelet under DiskPressure.
    pub disk_usage: Option<Quantity>,
    /// `pid-usage`: how many processes (threads) the pod runs, weighed by
    /// the kubelet under PIDPressure and shown by the stats summary.
    pub pid_usage: Option<u32>,
    /// `pending-reason`: the FailedScheduling message of a pending pod.
    pub pending_reason: Option<String>,
    /// `ready-delay`: how long a new pod takes to become ready.
    pub ready_delay: Option<Duration>,
    /// `serves`: what the pod's containers answer on which port and path
    /// (`8080/healthz 8080/ready=503 8080/slow@5s`), which decides its
    /// probes ([`crate::kubelet::probes`]); without it, every declared
    /// container port answers 200 on every path.
    pub serves: Option<Served>,
    /// `missing-images`: images no registry has (split by commas or
    /// whitespace): any container of the pod, init containers included,
    /// running one of them fails to pull it.
    pub missing_images: Vec<String>,
}

/// What the annotations of a Node ask for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeBehaviour {
    /// `cpu-usage`: the node's CPU usage for the metrics API.
    pub cpu_usage: Option<Quantity>,
    /// `memory-usage`: the node's memory usage for the metrics API.
    pub memory_usage: Option<Quantity>,
    /// `disk-usage`: how much of the node's root filesystem is used.
    pub disk_usage: Option<Quantity>,
    /// `pid-usage`: how many process IDs are in use on the node (of
    /// [`crate::controllers::node_problems::NODE_PID_MAX`]).
    pub pid_usage: Option<u32>,
    /// `kubelet-logs`: what `nodes/N/proxy/logs?query=kubelet` returns.
    pub kubelet_logs: Option<String>,
}

/// The annotation keys a pod may carry (without the prefix).
const POD_KEYS: [&str; 13] = [
    "state",
    "exit-code",
    "restarts",
    "logs",
    "previous-logs",
    "cpu-usage",
    "memory-usage",
    "disk-usage",
    "pid-usage",
    "pending-reason",
    "ready-delay",
    "serves",
    "missing-images",
];

/// The annotation keys a node may carry (without the prefix).
const NODE_KEYS: [&str; 5] = [
    "cpu-usage",
    "memory-usage",
    "disk-usage",
    "pid-usage",
    "kubelet-logs",
];

/// The simulator annotations of an object's annotation map, as
/// (key without prefix, full key, value); a non-string value is an error.
fn sim_annotations(
    annotations: Option<&Map<String, Value>>,
) -> impl Iterator<Item = Result<(&str, &str, &str), AnnotationError>> {
    annotations
        .into_iter()
        .flat_map(|map| map.iter())
        .filter_map(|(key, value)| {
            let short = key.strip_prefix(ANNOTATION_PREFIX)?;
            Some(match value.as_str() {
                Some(text) => Ok((short, key.as_str(), text)),
                None => Err(AnnotationError {
                    key: key.clone(),
                    problem: format!("must be a string, found {value}"),
                }),
            })
        })
}

fn unknown_key(full_key: &str, allowed: &[&str], target: &str) -> AnnotationError {
    AnnotationError {
        key: full_key.to_string(),
        problem: format!(
            "unknown simulator annotation on a {target} (known: {})",
            allowed
                .iter()
                .map(|key| format!("{ANNOTATION_PREFIX}{key}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn parse_quantity(full_key: &str, text: &str) -> Result<Quantity, AnnotationError> {
    Quantity::parse(text).map_err(|error| AnnotationError {
        key: full_key.to_string(),
        problem: error.to_string(),
    })
}

/// A count of processes (`12000`).
fn parse_count(full_key: &str, text: &str) -> Result<u32, AnnotationError> {
    text.trim().parse().map_err(|_| AnnotationError {
        key: full_key.to_string(),
        problem: format!("`{text}` is not a whole number of processes"),
    })
}

impl PodBehaviour {
    /// Reads a pod's (or pod template's) annotations strictly: an unknown
    /// `sim.kubeop.dev/*` key or a bad value is an error naming the key.
    pub fn parse(
        annotations: Option<&Map<String, Value>>,
    ) -> Result<PodBehaviour, AnnotationError> {
        let mut behaviour = PodBehaviour::default();
        for entry in sim_annotations(annotations) {
            let (short, full_key, text) = entry?;
            behaviour.apply(short, full_key, text)?;
        }
        Ok(behaviour)
    }

    /// Reads a pod's annotations, keeping what is valid and ignoring the rest
    /// (each ignored annotation is logged).
    pub fn lenient(annotations: Option<&Map<String, Value>>) -> PodBehaviour {
        let mut behaviour = PodBehaviour::default();
        for entry in sim_annotations(annotations) {
            let applied =
                entry.and_then(|(short, full_key, text)| behaviour.apply(short, full_key, text));
            if let Err(error) = applied {
                tracing::warn!(%error, "ignoring a simulator annotation");
            }
        }
        behaviour
    }

    /// The behaviour of a pod object (its `metadata.annotations`), leniently.
    /// A Job's pod that names no state runs to completion, as the batch
    /// work Jobs are made for does (a Job pod running forever would pile up
    /// active Jobs under every CronJob).
    pub fn of_pod(pod: &Value) -> PodBehaviour {
        let annotations = pod
            .pointer("/metadata/annotations")
            .and_then(Value::as_object);
        let mut behaviour = PodBehaviour::lenient(annotations);
        let names_its_state =
            annotations.is_some_and(|map| map.contains_key(&format!("{ANNOTATION_PREFIX}state")));
        let owned_by_job = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(|owners| {
                owners
                    .iter()
                    .any(|owner| owner["kind"] == "Job" && owner["controller"] == true)
            });
        if owned_by_job && !names_its_state {
            behaviour.state = SimState::Completed;
        }
        behaviour
    }

    fn apply(&mut self, short: &str, full_key: &str, text: &str) -> Result<(), AnnotationError> {
        let integer = |what: &str| -> Result<i64, AnnotationError> {
            text.trim().parse::<i64>().map_err(|_| AnnotationError {
                key: full_key.to_string(),
                problem: format!("`{text}` is not {what}"),
            })
        };
        match short {
            "state" => {
                self.state = SimState::parse(text.trim()).ok_or_else(|| AnnotationError {
                    key: full_key.to_string(),
                    problem: format!(
                        "`{text}` is not a simulated state (one of: {})",
                        SimState::ALL.map(|(name, _)| name).join(", ")
                    ),
                })?;
            }
            "exit-code" => {
                let code = integer("an integer exit code (0-255)")?;
                if !(0..=255).contains(&code) {
                    return Err(AnnotationError {
                        key: full_key.to_string(),
                        problem: format!("exit code {code} is outside 0-255"),
                    });
                }
                self.exit_code = Some(code);
            }
            "restarts" => {
                let restarts = integer("a non-negative integer restart count")?;
                self.restarts = Some(u32::try_from(restarts).map_err(|_| AnnotationError {
                    key: full_key.to_string(),
                    problem: format!("`{text}` is not a non-negative integer restart count"),
                })?);
            }
            "logs" => self.logs = Some(text.to_string()),
            "previous-logs" => self.previous_logs = Some(text.to_string()),
            "cpu-usage" => self.cpu_usage = Some(parse_quantity(full_key, text)?),
            "memory-usage" => self.memory_usage = Some(parse_quantity(full_key, text)?),
            "disk-usage" => self.disk_usage = Some(parse_quantity(full_key, text)?),
            "pid-usage" => self.pid_usage = Some(parse_count(full_key, text)?),
            "pending-reason" => self.pending_reason = Some(text.to_string()),
            "ready-delay" => {
                self.ready_delay = Some(parse_duration(text).map_err(|error| AnnotationError {
                    key: full_key.to_string(),
                    problem: error.to_string(),
                })?);
            }
            "serves" => {
                self.serves = Some(Served::parse(text).map_err(|problem| AnnotationError {
                    key: full_key.to_string(),
                    problem,
                })?);
            }
            "missing-images" => {
                self.missing_images = text
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|image| !image.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            _ => return Err(unknown_key(full_key, &POD_KEYS, "pod")),
        }
        Ok(())
    }

    /// The exit code of each crash: `exit-code`, else 137 for OOMKilled and 1
    /// for a crash loop.
    pub fn crash_exit_code(&self) -> i64 {
        match (self.exit_code, self.state) {
            (Some(code), _) => code,
            (None, SimState::OomKilled) => 137,
            (None, _) => 1,
        }
    }
}

impl NodeBehaviour {
    /// Reads a node's annotations strictly.
    pub fn parse(
        annotations: Option<&Map<String, Value>>,
    ) -> Result<NodeBehaviour, AnnotationError> {
        let mut behaviour = NodeBehaviour::default();
        for entry in sim_annotations(annotations) {
            let (short, full_key, text) = entry?;
            match short {
                "cpu-usage" => behaviour.cpu_usage = Some(parse_quantity(full_key, text)?),
                "memory-usage" => behaviour.memory_usage = Some(parse_quantity(full_key, text)?),
                "disk-usage" => behaviour.disk_usage = Some(parse_quantity(full_key, text)?),
                "pid-usage" => behaviour.pid_usage = Some(parse_count(full_key, text)?),
                "kubelet-logs" => behaviour.kubelet_logs = Some(text.to_string()),
                _ => return Err(unknown_key(full_key, &NODE_KEYS, "node")),
            }
        }
        Ok(behaviour)
    }

    /// The behaviour of a node object, ignoring (and logging) bad annotations.
    pub fn of_node(node: &Value) -> NodeBehaviour {
        let annotations = node
            .pointer("/metadata/annotations")
            .and_then(Value::as_object);
        NodeBehaviour::parse(annotations).unwrap_or_else(|error| {
            tracing::warn!(%error, "ignoring a node's simulator annotations");
            NodeBehaviour::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotations(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn reads_every_pod_annotation() {
        let map = annotations(json!({
            "sim.kubeop.dev/state": "crashloop",
            "sim.kubeop.dev/exit-code": "2",
            "sim.kubeop.dev/restarts": "7",
            "sim.kubeop.dev/logs": "starting",
            "sim.kubeop.dev/previous-logs": "panic: boom",
            "sim.kubeop.dev/cpu-usage": "120m",
            "sim.kubeop.dev/memory-usage": "200Mi",
            "sim.kubeop.dev/pending-reason": "0/3 nodes are available",
            "sim.kubeop.dev/ready-delay": "2s",
            "app.kubernetes.io/version": "not ours"
        }));
        let behaviour = PodBehaviour::parse(Some(&map)).expect("valid");
        assert_eq!(behaviour.state, SimState::CrashLoop);
        assert_eq!(behaviour.crash_exit_code(), 2);
        assert_eq!(behaviour.restarts, Some(7));
        assert_eq!(behaviour.previous_logs.as_deref(), Some("panic: boom"));
        assert_eq!(behaviour.cpu_usage.map(Quantity::millis), Some(120));
        assert_eq!(behaviour.ready_delay, Some(Duration::from_secs(2)));
    }

    #[test]
    fn refuses_bad_values_naming_the_key() {
        let cases = [
            ("state", "exploding", "not a simulated state"),
            ("exit-code", "two", "not an integer exit code"),
            ("exit-code", "300", "outside 0-255"),
            ("restarts", "-1", "non-negative"),
            ("restarts", "1.5", "non-negative"),
            ("memory-usage", "lots", "not a Kubernetes quantity"),
            ("ready-delay", "soon", "not a duration"),
            ("serves", "8080/ready=999", "not an HTTP status code"),
            ("colour", "red", "unknown simulator annotation"),
            ("kubelet-logs", "x", "unknown simulator annotation on a pod"),
        ];
        for (key, value, expected) in cases {
            let full_key = format!("{ANNOTATION_PREFIX}{key}");
            let map = annotations(json!({ full_key.clone(): value }));
            let error = PodBehaviour::parse(Some(&map)).expect_err(key);
            assert_eq!(error.key, full_key);
            assert!(
                error.problem.contains(expected),
                "{key}={value}: {}",
                error.problem
            );
        }
    }

    #[test]
    fn lenient_reading_keeps_the_valid_annotations() {
        let map = annotations(json!({
            "sim.kubeop.dev/state": "oomkilled",
            "sim.kubeop.dev/restarts": "many",
        }));
        let behaviour = PodBehaviour::lenient(Some(&map));
        assert_eq!(behaviour.state, SimState::OomKilled);
        assert_eq!(behaviour.restarts, None);
        assert_eq!(behaviour.crash_exit_code(), 137);
    }

    #[test]
    fn nodes_accept_only_node_annotations() {
        let map = annotations(json!({
            "sim.kubeop.dev/cpu-usage": "1200m",
            "sim.kubeop.dev/kubelet-logs": "I1125 kubelet started",
        }));
        let behaviour = NodeBehaviour::parse(Some(&map)).expect("valid");
        assert_eq!(behaviour.cpu_usage.map(Quantity::millis), Some(1200));
        let map = annotations(json!({"sim.kubeop.dev/state": "running"}));
        let error = NodeBehaviour::parse(Some(&map)).expect_err("state is a pod annotation");
        assert!(
            error
                .problem
                .contains("unknown simulator annotation on a node")
        );
    }

    #[test]
    fn a_job_pod_completes_unless_it_names_its_state() {
        let job_pod = json!({"metadata": {"ownerReferences": [{"kind": "Job", "name": "backup", "controller": true}]}});
        assert_eq!(PodBehaviour::of_pod(&job_pod).state, SimState::Completed);
        let mut crashing = job_pod.clone();
        crashing["metadata"]["annotations"] = json!({"sim.kubeop.dev/state": "crashloop"});
        assert_eq!(PodBehaviour::of_pod(&crashing).state, SimState::CrashLoop);
        let plain = json!({"metadata": {"name": "web"}});
        assert_eq!(PodBehaviour::of_pod(&plain).state, SimState::Running);
    }
}
