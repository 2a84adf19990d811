//! The pure reading of one Pod object: each container's state, and the one
//! symptom that matters most. No I/O: the pod-failure playbook decides what to
//! read next from the symptom.

use serde_json::Value;

use super::conditions;

/// How a container instance ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// The process exit code.
    pub exit_code: i64,
    /// The kubelet's reason (`OOMKilled`, `Error`, `Completed`).
    pub reason: String,
    /// The kubelet's message, if any.
    pub message: String,
}

/// One container's status as the kubelet reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// The container name.
    pub name: String,
    /// The image the spec asks for.
    pub image: String,
    /// Whether it is an init container.
    pub init: bool,
    /// Ready as the readiness probe sees it.
    pub ready: bool,
    /// How often the kubelet restarted it.
    pub restart_count: u64,
    /// `state.waiting` as (reason, message).
    pub waiting: Option<(String, String)>,
    /// Whether `state.running` is set.
    pub running: bool,
    /// `state.running.startedAt`, empty when not running.
    pub running_since: String,
    /// `state.terminated`.
    pub terminated: Option<Termination>,
    /// `lastState.terminated`: how the previous instance ended.
    pub last_terminated: Option<Termination>,
}

/// What a Pod object says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodState {
    /// The pod name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// `status.phase`.
    pub phase: String,
    /// The node it was scheduled to, if any.
    pub node_name: Option<String>,
    /// The `PodScheduled=False` condition's message, when not scheduled.
    pub unschedulable: Option<String>,
    /// Init containers first, then app containers.
    pub containers: Vec<ContainerState>,
    /// `status.reason` (`Evicted`, `NodeLost`, ...), empty when none.
    pub reason: String,
    /// `status.message`, empty when none.
    pub message: String,
    /// `metadata.deletionTimestamp`: the pod is Terminating since then.
    pub deleting_since: Option<String>,
    /// The pod's Ready condition, when it has one. The node controller sets
    /// it False when the node stops reporting, while the containers keep the
    /// last state their kubelet sent.
    pub pod_ready: Option<bool>,
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn termination(value: Option<&Value>) -> Option<Termination> {
    let terminated = value?.as_object()?;
    Some(Termination {
        exit_code: terminated
            .get("exitCode")
            .and_then(Value::as_i64)
            .unwrap_or_default(),
        reason: terminated
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        message: terminated
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

fn spec_images(pod: &Value, list: &str) -> Vec<(String, String)> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| (text(container, "/name"), text(container, "/image")))
        .collect()
}

impl PodState {
    /// Reads a Pod object (as `resources_get` returns it).
    pub fn read(pod: &Value) -> PodState {
        let mut containers = Vec::new();
        for (list, status_list, init) in [
            ("initContainers", "initContainerStatuses", true),
            ("containers", "containerStatuses", false),
        ] {
            let statuses: Vec<&Value> = pod
                .pointer(&format!("/status/{status_list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            for (name, image) in spec_images(pod, list) {
                let status = statuses
                    .iter()
                    .find(|status| status["name"].as_str() == Some(name.as_str()));
                let state = status.and_then(|status| status.get("state"));
                containers.push(ContainerState {
                    waiting: state
                        .and_then(|state| state.get("waiting"))
                        .map(|waiting| (text(waiting, "/reason"), text(waiting, "/message"))),
                    running: state.and_then(|state| state.get("running")).is_some(),
                    running_since: state
                        .map(|state| text(state, "/running/startedAt"))
                        .unwrap_or_default(),
                    terminated: termination(state.and_then(|state| state.get("terminated"))),
                    last_terminated: termination(
                        status.and_then(|status| status.pointer("/lastState/terminated")),
                    ),
                    ready: status
                        .and_then(|status| status["ready"].as_bool())
                        .unwrap_or(false),
                    restart_count: status
                        .and_then(|status| status["restartCount"].as_u64())
                        .unwrap_or(0),
                    name,
                    image,
                    init,
                });
            }
        }
        let unschedulable = conditions::find(pod, "PodScheduled")
            .filter(|scheduled| scheduled.status == "False")
            .map(|scheduled| scheduled.message.to_string());
        PodState {
            name: text(pod, "/metadata/name"),
            namespace: text(pod, "/metadata/namespace"),
            phase: text(pod, "/status/phase"),
            node_name: pod
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .filter(|node| !node.is_empty())
                .map(str::to_string),
            unschedulable,
            containers,
            reason: text(pod, "/status/reason"),
            message: text(pod, "/status/message"),
            deleting_since: pod
                .pointer("/metadata/deletionTimestamp")
                .and_then(Value::as_str)
                .map(str::to_string),
            pod_ready: conditions::find(pod, "Ready").map(|ready| ready.is_true()),
        }
    }

    /// The container of this name.
    pub fn container(&self, name: &str) -> Option<&ContainerState> {
        self.containers
            .iter()
            .find(|container| container.name == name)
    }
}

/// The waiting reasons of an image that cannot be pulled.
const IMAGE_PULL_REASONS: [&str; 4] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
];

/// The waiting reasons of a container whose configuration cannot be built.
const CONFIG_ERROR_REASONS: [&str; 2] = ["CreateContainerConfigError", "CreateContainerError"];

/// The most important thing wrong with a pod, as its own status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symptom {
    /// Not scheduled; the scheduler's message when the condition carries one.
    Unschedulable {
        /// The `PodScheduled=False` message (may be empty: then events tell).
        message: String,
    },
    /// The container cannot be created from its configuration.
    ConfigError {
        /// The container.
        container: String,
        /// The kubelet's waiting message, e.g. `configmap "app-config" not found`.
        message: String,
    },
    /// The image cannot be pulled.
    ImagePull {
        /// The container.
        container: String,
        /// The image it asks for.
        image: String,
        /// `ImagePullBackOff`, `ErrImagePull`, ...
        reason: String,
        /// The kubelet's waiting message.
        message: String,
    },
    /// The last instance was killed for exceeding its memory limit.
    OomKilled {
        /// The container.
        container: String,
        /// Its restart count.
        restarts: u64,
    },
    /// The container exits with an error and is restarted.
    Crashing {
        /// The container.
        container: String,
        /// The last exit code.
        exit_code: i64,
        /// The last termination reason.
        reason: String,
        /// Its restart count.
        restarts: u64,
        /// The current waiting reason (`CrashLoopBackOff`), if waiting.
        waiting_reason: Option<String>,
    },
    /// The kubelet evicted the pod (node pressure): phase Failed, reason Evicted.
    Evicted {
        /// The eviction manager's message.
        message: String,
    },
    /// An init container runs and has not completed: the app containers
    /// wait (`Init:N/M`), typically for something the init container waits for.
    InitWaiting {
        /// The init container.
        container: String,
        /// How many init containers completed before it.
        completed: usize,
        /// How many init containers the pod has.
        total: usize,
        /// When it started (`state.running.startedAt`).
        since: String,
    },
    /// Running but not ready.
    NotReady {
        /// The container.
        container: String,
    },
    /// Nothing wrong.
    Healthy,
}

impl Symptom {
    /// Higher is worse: used to pick the pod to explain first.
    pub fn severity(&self) -> u8 {
        match self {
            Symptom::Healthy => 0,
            Symptom::NotReady { .. } => 1,
            Symptom::Unschedulable { .. } | Symptom::InitWaiting { .. } => 2,
            Symptom::ConfigError { .. } | Symptom::ImagePull { .. } | Symptom::Evicted { .. } => 3,
            Symptom::Crashing { .. } | Symptom::OomKilled { .. } => 4,
        }
    }

    /// A few words, as `kubectl get pods` would show the status.
    pub fn short(&self) -> String {
        match self {
            Symptom::Unschedulable { .. } => "Pending (unschedulable)".to_string(),
            Symptom::ConfigError { message, .. } => {
                format!("CreateContainerConfigError: {message}")
            }
            Symptom::ImagePull { reason, image, .. } => format!("{reason} ({image})"),
            Symptom::OomKilled { restarts, .. } => format!("OOMKilled, {restarts} restarts"),
            Symptom::Crashing {
                exit_code,
                restarts,
                waiting_reason,
                ..
            } => format!(
                "{} (exit code {exit_code}), {restarts} restarts",
                waiting_reason.as_deref().unwrap_or("Error")
            ),
            Symptom::Evicted { .. } => "Evicted".to_string(),
            Symptom::InitWaiting {
                container,
                completed,
                total,
                ..
            } => format!("Init:{completed}/{total} (init container {container} has not completed)"),
            Symptom::NotReady { container } => format!("running, container {container} not ready"),
            Symptom::Healthy => "healthy".to_string(),
        }
    }
}

/// The most important symptom of a pod, in the order an SRE checks: evicted,
/// not scheduled, cannot be created, cannot be pulled, killed, crashing, not
/// ready.
pub fn symptom(pod: &PodState) -> Symptom {
    if pod.phase == "Succeeded" {
        return Symptom::Healthy;
    }
    if pod.phase == "Failed" && pod.reason == "Evicted" {
        return Symptom::Evicted {
            message: pod.message.clone(),
        };
    }
    if let Some(message) = &pod.unschedulable {
        return Symptom::Unschedulable {
            message: message.clone(),
        };
    }
    if pod.phase == "Pending" && pod.node_name.is_none() {
        return Symptom::Unschedulable {
            message: String::new(),
        };
    }
    let waiting_with = |reasons: &[&str]| {
        pod.containers.iter().find_map(|container| {
            container
                .waiting
                .as_ref()
                .filter(|(reason, _)| reasons.contains(&reason.as_str()))
                .map(|(reason, message)| (container, reason.clone(), message.clone()))
        })
    };
    if let Some((container, _, message)) = waiting_with(&CONFIG_ERROR_REASONS) {
        return Symptom::ConfigError {
            container: container.name.clone(),
            message,
        };
    }
    if let Some((container, reason, message)) = waiting_with(&IMAGE_PULL_REASONS) {
        return Symptom::ImagePull {
            container: container.name.clone(),
            image: container.image.clone(),
            reason,
            message,
        };
    }
    let last_end = |container: &ContainerState| {
        container
            .terminated
            .clone()
            .or_else(|| container.last_terminated.clone())
    };
    if let Some(container) = pod
        .containers
        .iter()
        .find(|container| last_end(container).is_some_and(|end| end.reason == "OOMKilled"))
    {
        return Symptom::OomKilled {
            container: container.name.clone(),
            restarts: container.restart_count,
        };
    }
    if let Some((container, end)) = pod.containers.iter().find_map(|container| {
        last_end(container)
            .filter(|end| end.exit_code != 0 || container.restart_count > 0)
            .filter(|_| !container.ready || container.restart_count > 0)
            .map(|end| (container, end))
    }) {
        return Symptom::Crashing {
            container: container.name.clone(),
            exit_code: end.exit_code,
            reason: end.reason,
            restarts: container.restart_count,
            waiting_reason: container.waiting.as_ref().map(|(reason, _)| reason.clone()),
        };
    }
    let inits: Vec<&ContainerState> = pod.containers.iter().filter(|c| c.init).collect();
    if pod.phase == "Pending"
        && let Some(position) = inits.iter().position(|container| container.running)
    {
        return Symptom::InitWaiting {
            container: inits[position].name.clone(),
            completed: position,
            total: inits.len(),
            since: inits[position].running_since.clone(),
        };
    }
    if let Some(container) = pod
        .containers
        .iter()
        .find(|container| !container.init && container.running && !container.ready)
    {
        return Symptom::NotReady {
            container: container.name.clone(),
        };
    }
    // Ready containers in a pod that is not Ready: their state is stale
    // (a lost node) or a readiness gate holds the pod back.
    if pod.phase == "Running"
        && pod.pod_ready == Some(false)
        && let Some(container) = pod.containers.iter().find(|container| !container.init)
    {
        return Symptom::NotReady {
            container: container.name.clone(),
        };
    }
    Symptom::Healthy
}

/// What an exit code usually means, as an SRE would explain it.
pub fn exit_code_meaning(code: i64) -> String {
    match code {
        0 => "exited successfully".to_string(),
        1 => "application error (the process exited with a general failure)".to_string(),
        2 => "misuse of a shell builtin or invalid arguments".to_string(),
        126 => "command found but not executable (permission problem or not a binary)".to_string(),
        127 => {
            "command not found (wrong command or entrypoint, or missing from the image)".to_string()
        }
        137 => "SIGKILL (128+9): killed by the kernel OOM killer or forcibly stopped".to_string(),
        139 => "SIGSEGV (128+11): segmentation fault".to_string(),
        143 => "SIGTERM (128+15): asked to stop, often by a failing liveness probe".to_string(),
        129..=192 => format!("killed by signal {}", code - 128),
        _ => "application-specific exit code".to_string(),
    }
}

/// The failure a pod list row's STATUS shows that every new replica of the
/// same template meets too, named as kubectl shows it: a crash loop's
/// STATUS alternates between Error, OOMKilled and CrashLoopBackOff, a bad
/// image's between ErrImagePull and ImagePullBackOff, and each reads as one.
/// `None` for a status that more replicas could escape (Running,
/// Evicted, ContainerCreating, ...).
pub fn template_failure(status: &str) -> Option<&'static str> {
    match status {
        "CrashLoopBackOff"
        | "Error"
        | "OOMKilled"
        | "RunContainerError"
        | "ContainerCannotRun"
        | "Init:CrashLoopBackOff"
        | "Init:Error" => Some("CrashLoopBackOff"),
        "ImagePullBackOff"
        | "ErrImagePull"
        | "InvalidImageName"
        | "ErrImageNeverPull"
        | "Init:ImagePullBackOff"
        | "Init:ErrImagePull" => Some("ImagePullBackOff"),
        "CreateContainerConfigError" | "CreateContainerError" => Some("CreateContainerConfigError"),
        "Pending" => Some("Pending"),
        init if init.starts_with("Init:") => Some("Init"),
        _ => None,
    }
}

/// [`template_failure`] of a whole pod, from its [`Symptom`]: confirms what
/// its list row suggested (a Pending pod is one the scheduler cannot place,
/// not one just created).
fn symptom_failure(found: &Symptom) -> Option<&'static str> {
    match found {
        Symptom::Crashing { .. } | Symptom::OomKilled { .. } => Some("CrashLoopBackOff"),
        Symptom::ImagePull { .. } => Some("ImagePullBackOff"),
        Symptom::ConfigError { .. } => Some("CreateContainerConfigError"),
        Symptom::Unschedulable { .. } => Some("Pending"),
        Symptom::InitWaiting { .. } => Some("Init"),
        Symptom::Evicted { .. } | Symptom::NotReady { .. } | Symptom::Healthy => None,
    }
}

/// The warning for a plan that adds replicas to `workload`
/// (`deployment/web`) whose pods fail in a way new replicas share:
/// `statuses` are the STATUS cells of its pods' list rows, `examined` one
/// of the failing pods read whole (the first whose row
/// [`template_failure`] names). `None` when the examined pod does not
/// confirm a failure more replicas would share.
pub fn scaling_caveat(workload: &str, statuses: &[&str], examined: &Value) -> Option<String> {
    let state = PodState::read(examined);
    let found = symptom(&state);
    let family = symptom_failure(&found)?;
    let failing = statuses
        .iter()
        .filter(|status| template_failure(status) == Some(family))
        .count()
        .max(1);
    let total = statuses.len().max(failing);
    let every = failing == total;
    let (what, consequence) = match &found {
        Symptom::Unschedulable { message } => (
            if message.is_empty() {
                "Pending: the scheduler places none of them".to_owned()
            } else {
                format!("Pending ({}: {message})", state.name)
            },
            if every {
                "more replicas will not fit either"
            } else {
                "new replicas may not fit either"
            },
        ),
        _ => (
            format!("in {family} ({}: {})", state.name, found.short()),
            if every {
                "scaling adds more of them, failing the same way"
            } else {
                "new replicas may fail the same way"
            },
        ),
    };
    let are = if failing == 1 { "is" } else { "are" };
    let advice = if every {
        let name = workload.rsplit('/').next().unwrap_or(workload);
        format!(
            " Fix the cause first (\"why is {name} failing in {}\").",
            state.namespace
        )
    } else {
        String::new()
    };
    Some(format!(
        "{failing} of {total} pods of {workload} {are} {what}: {consequence}.{advice}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scaling_a_crash_looping_workload_warns_that_new_replicas_crash_too() {
        let crashing = pod(app_status(json!({
            "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}})));
        let caveat = scaling_caveat(
            "deployment/web",
            &["CrashLoopBackOff", "Error", "CrashLoopBackOff"],
            &crashing,
        )
        .expect("a caveat");
        assert!(
            caveat.starts_with("3 of 3 pods of deployment/web are in CrashLoopBackOff (web-1: CrashLoopBackOff (exit code 1), 4 restarts): scaling adds more of them"),
            "{caveat}"
        );
        assert!(
            caveat.ends_with("(\"why is web failing in demo\")."),
            "{caveat}"
        );
        let some = scaling_caveat(
            "deployment/web",
            &["Running", "CrashLoopBackOff"],
            &crashing,
        )
        .expect("a caveat");
        assert!(
            some.starts_with("1 of 2 pods of deployment/web is in CrashLoopBackOff")
                && some.contains("new replicas may fail the same way."),
            "{some}"
        );
    }

    #[test]
    fn scaling_warns_of_unschedulable_pods_but_not_of_pods_just_starting() {
        let mut pending = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
            "status": "False", "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient cpu."}]}),
        );
        pending["spec"]["nodeName"] = Value::Null;
        let caveat =
            scaling_caveat("deployment/web", &["Pending", "Pending"], &pending).expect("a caveat");
        assert!(
            caveat.starts_with("2 of 2 pods of deployment/web are Pending (web-1: 0/3 nodes are available: 3 Insufficient cpu.): more replicas will not fit either."),
            "{caveat}"
        );
        let mut starting = pod(app_status(json!({
            "state": {"waiting": {"reason": "ContainerCreating"}}})));
        starting["status"]["phase"] = json!("Pending");
        assert_eq!(
            scaling_caveat("deployment/web", &["Pending"], &starting),
            None
        );
        assert_eq!(
            template_failure("Init:ErrImagePull"),
            Some("ImagePullBackOff")
        );
        assert_eq!(template_failure("Evicted"), None);
    }

    fn pod(status: Value) -> Value {
        json!({
            "metadata": {"name": "web-1", "namespace": "demo"},
            "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "nginx:1.27"}]},
            "status": status,
        })
    }

    fn app_status(status: Value) -> Value {
        let mut full = json!({"name": "app", "ready": false, "restartCount": 0});
        if let (Some(full), Some(extra)) = (full.as_object_mut(), status.as_object()) {
            full.extend(extra.clone());
        }
        json!({"phase": "Running", "containerStatuses": [full]})
    }

    #[test]
    fn an_oomkilled_last_state_is_oomkilled_even_while_back_off_waits() {
        let pod = pod(app_status(json!({
            "restartCount": 5,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
        })));
        assert_eq!(
            symptom(&PodState::read(&pod)),
            Symptom::OomKilled {
                container: "app".into(),
                restarts: 5
            }
        );
    }

    #[test]
    fn a_crash_loop_keeps_its_exit_code_and_waiting_reason() {
        let pod = pod(app_status(json!({
            "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
        })));
        let found = symptom(&PodState::read(&pod));
        assert_eq!(
            found,
            Symptom::Crashing {
                container: "app".into(),
                exit_code: 1,
                reason: "Error".into(),
                restarts: 7,
                waiting_reason: Some("CrashLoopBackOff".into()),
            }
        );
        assert_eq!(found.short(), "CrashLoopBackOff (exit code 1), 7 restarts");
    }

    #[test]
    fn image_pull_and_config_errors_are_read_from_the_waiting_state() {
        let pulling = pod(app_status(json!({
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"nginx:9.9\""}},
        })));
        assert!(matches!(
            symptom(&PodState::read(&pulling)),
            Symptom::ImagePull { reason, image, .. } if reason == "ImagePullBackOff" && image == "nginx:1.27"
        ));
        let config = pod(app_status(json!({
            "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"app-config\" not found"}},
        })));
        assert_eq!(
            symptom(&PodState::read(&config)),
            Symptom::ConfigError {
                container: "app".into(),
                message: "configmap \"app-config\" not found".into()
            }
        );
    }

    #[test]
    fn an_unscheduled_pod_is_unschedulable_with_the_schedulers_message() {
        let mut pending = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "message": "0/2 nodes are available: 2 Insufficient memory."}],
        }));
        pending["spec"]["nodeName"] = Value::Null;
        assert_eq!(
            symptom(&PodState::read(&pending)),
            Symptom::Unschedulable {
                message: "0/2 nodes are available: 2 Insufficient memory.".into()
            }
        );
    }

    #[test]
    fn running_unready_is_not_ready_and_running_ready_is_healthy() {
        let unready = pod(app_status(json!({"state": {"running": {}}})));
        assert_eq!(
            symptom(&PodState::read(&unready)),
            Symptom::NotReady {
                container: "app".into()
            }
        );
        let ready = pod(app_status(json!({"ready": true, "state": {"running": {}}})));
        assert_eq!(symptom(&PodState::read(&ready)), Symptom::Healthy);
        let done = pod(json!({"phase": "Succeeded"}));
        assert_eq!(symptom(&PodState::read(&done)), Symptom::Healthy);
    }

    #[test]
    fn a_running_init_container_holds_the_pod_in_init() {
        let pod = json!({
            "metadata": {"name": "api-1", "namespace": "payments"},
            "spec": {"nodeName": "node-a",
                     "initContainers": [{"name": "migrate", "image": "busybox"}, {"name": "wait-ledger", "image": "busybox"}],
                     "containers": [{"name": "api", "image": "acme/api:2"}]},
            "status": {"phase": "Pending",
                "initContainerStatuses": [
                    {"name": "migrate", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "wait-ledger", "ready": false, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T10:00:00Z"}}}],
                "containerStatuses": [{"name": "api", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}
        });
        let found = symptom(&PodState::read(&pod));
        assert_eq!(
            found,
            Symptom::InitWaiting {
                container: "wait-ledger".to_string(),
                completed: 1,
                total: 2,
                since: "2026-11-25T10:00:00Z".to_string()
            }
        );
        assert_eq!(
            found.short(),
            "Init:1/2 (init container wait-ledger has not completed)"
        );
    }

    #[test]
    fn exit_codes_are_explained() {
        assert!(exit_code_meaning(1).contains("application error"));
        assert!(exit_code_meaning(126).contains("not executable"));
        assert!(exit_code_meaning(127).contains("command not found"));
        assert!(exit_code_meaning(137).contains("OOM"));
        assert!(exit_code_meaning(139).contains("segmentation fault"));
        assert!(exit_code_meaning(143).contains("liveness probe"));
        assert_eq!(exit_code_meaning(134), "killed by signal 6");
    }
}
