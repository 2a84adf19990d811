//! What a kubelet would report for a pod: its status and the events it
//! (and the scheduler) would have emitted, at a given moment.
//!
//! It is a pure function of the pod object, where it was placed and how much
//! time has passed, so a pod's whole life (image pull, start, readiness after
//! the ready delay, crash loops with growing back-off) can be replayed at any
//! instant without timers per pod: the controllers call [`observe`] whenever
//! they look at a pod and write back what changed.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::behaviour::{PodBehaviour, SimState};
use crate::clock::{format_go_duration, rfc3339};
use crate::fingerprint::hex_digest;
use crate::quantity::Quantity;
use probes::{ProbeKind, ProbeOutcome, Verdict};

pub mod config;
pub mod init;
pub mod probes;

pub use config::{ConfigCheck, ConfigObjects};
pub use init::InitOutcome;

/// How long a new pod takes to become ready when its annotations say nothing.
pub const DEFAULT_READY_DELAY: Duration = Duration::from_secs(1);

/// How long each instance of a crash-looping container runs before it dies.
const CRASHING_CONTAINER_RUN_TIME: Duration = Duration::from_secs(3);

/// The kubelet's first restart back-off; it doubles after each crash.
const INITIAL_RESTART_BACKOFF: Duration = Duration::from_secs(10);

/// The kubelet's longest restart (and image pull) back-off.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How long an init container whose command ends by itself runs.
const INIT_CONTAINER_RUN_TIME: Duration = Duration::from_millis(500);

/// How long a completing container (a Job's) runs when no ready delay is given.
const DEFAULT_COMPLETION_TIME: Duration = Duration::from_secs(2);

/// The kubelet's default readiness probe period, which paces the Unhealthy
/// events of a pod that reports itself not ready without a readiness probe.
const DEFAULT_PROBE_PERIOD: Duration = Duration::from_secs(10);

/// How a container killed by its failing liveness (or startup) probe
/// exits when its annotations name no exit code: the kubelet's SIGKILL after
/// the grace period, as for a process that ignores SIGTERM (the Kubernetes
/// documentation's own liveness example).
const LIVENESS_KILL_EXIT_CODE: i64 = 137;

/// How soon the kubelet's pod worker retries a pod whose sync failed (a
/// container it could not configure): its `backOffPeriod`, without the jitter.
const POD_SYNC_RETRY_PERIOD: Duration = Duration::from_secs(10);

/// The volume manager's first retry after a failed mount; it doubles.
const INITIAL_MOUNT_RETRY: Duration = Duration::from_millis(500);

/// The volume manager's longest wait between mount attempts (2m2s).
const MAX_MOUNT_RETRY: Duration = Duration::from_secs(122);

/// Where the scheduler put a pod.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Not placed; `message` is the scheduler's FailedScheduling explanation.
    Unschedulable {
        /// e.g. `0/3 nodes are available: 3 Insufficient memory.`
        message: String,
        /// When the scheduler first tried.
        since: SystemTime,
    },
    /// Bound to a node.
    Bound {
        /// The node's name.
        node_name: String,
        /// The node's InternalIP.
        host_ip: String,
        /// The IP given to the pod (the node's for host-network pods).
        pod_ip: String,
        /// When the pod was bound: the start of its life on the node.
        bound_at: SystemTime,
    },
}

/// Normal or Warning, as in an Event's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something went wrong.
    Warning,
}

impl EventType {
    /// The Event's `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSubject {
    /// The observed pod (optionally one of its containers: `spec.containers{app}`).
    Pod {
        /// The `fieldPath` of the involved object, when about a container.
        field_path: Option<String>,
    },
    /// A node (the kernel's OOM kill is reported against the node).
    Node(String),
}

/// One event as a component would have recorded it, with its repeat count.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// What it is about.
    pub subject: EventSubject,
    /// `Normal` or `Warning`.
    pub event_type: EventType,
    /// `Scheduled`, `Pulling`, `BackOff`, ...
    pub reason: &'static str,
    /// The human message, exactly as the component words it.
    pub message: String,
    /// `kubelet`, `default-scheduler`, `kernel-monitor`.
    pub component: &'static str,
    /// The node that reported it, for node components.
    pub host: Option<String>,
    /// How many times it happened.
    pub count: u32,
    /// When it first happened.
    pub first: SystemTime,
    /// When it last happened.
    pub last: SystemTime,
}

/// How the kubelet of `node_name` records an event about one of its pod's
/// containers (`field_path`, e.g. `spec.containers{web}`): its type,
/// reason, message, count and first and last time.
fn kubelet_event_on(
    node_name: &str,
) -> impl Fn(&str, EventType, &'static str, String, u32, SystemTime, SystemTime) -> EventRecord + '_
{
    move |field_path, event_type, reason, message, count, first, last| EventRecord {
        subject: EventSubject::Pod {
            field_path: Some(field_path.to_string()),
        },
        event_type,
        reason,
        message,
        component: "kubelet",
        host: Some(node_name.to_string()),
        count,
        first,
        last,
    }
}

/// A pod's status at one moment, and the events of its life so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PodObservation {
    /// The whole `status` object.
    pub status: Value,
    /// Every event so far, oldest first.
    pub events: Vec<EventRecord>,
    /// Whether the pod is Ready.
    pub ready: bool,
    /// When it became Ready (for a Deployment's `availableReplicas`).
    pub ready_since: Option<SystemTime>,
}

/// `nginx:1.27` → `docker.io/library/nginx:1.27`, as containerd reports images.
pub fn full_image_reference(image: &str) -> String {
    let first = image.split('/').next().unwrap_or(image);
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let with_registry = if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    };
    let last_segment = with_registry.rsplit('/').next().unwrap_or(&with_registry);
    if last_segment.contains(':') || last_segment.contains('@') {
        with_registry
    } else {
        format!("{with_registry}:latest")
    }
}

/// Registries that serve images to anyone: a pull from any other registry
/// needs credentials (a pull secret), as company registries do.
const PUBLIC_REGISTRIES: [&str; 8] = [
    "docker.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "gcr.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "docker.elastic.co",
];

/// Why a simulated pull of `reference` (a full reference) fails: containerd's
/// own words, and the gRPC code the kubelet reports them with. A private
/// registry without credentials refuses (401); otherwise the tag is missing.
fn pull_failure(reference: &str, has_credentials: bool) -> (&'static str, String) {
    let (host, path) = reference
        .split_once('/')
        .unwrap_or(("docker.io", reference));
    if has_credentials || PUBLIC_REGISTRIES.contains(&host) {
        return (
            "NotFound",
            format!(
                "failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
            ),
        );
    }
    let (repository, tag) = path.rsplit_once(':').unwrap_or((path, "latest"));
    (
        "Unknown",
        format!(
            "failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": unexpected status from HEAD request to https://{host}/v2/{repository}/manifests/{tag}: 401 Unauthorized"
        ),
    )
}

/// Why an image reference cannot be parsed, in the words of the reference
/// parser the kubelet uses (`invalid reference format`, with the
/// repository named when it has capitals); `None` for a valid reference.
/// Such an image is never pulled: the container waits in InvalidImageName.
pub fn invalid_image_reference(image: &str) -> Option<String> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (path, tag) = match without_digest.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
        _ => (without_digest, None),
    };
    let (domain, remote) = match path.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest.to_string())
        }
        Some(_) => (None, path.to_string()),
        None => (None, format!("library/{path}")),
    };
    let component_ok = |component: &str| {
        !component.is_empty()
            && component.starts_with(|c: char| c.is_ascii_alphanumeric())
            && component.ends_with(|c: char| c.is_ascii_alphanumeric())
            && component
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    let tag_ok = tag.is_none_or(|tag| {
        !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    });
    let domain_ok = domain.is_none_or(|domain| {
        domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    });
    if !(remote.split('/').all(component_ok) && tag_ok && domain_ok) {
        return Some("invalid reference format".to_string());
    }
    (remote.to_ascii_lowercase() != remote)
        .then(|| format!("invalid reference format: repository name ({remote}) must be lowercase"))
}

/// The pod's containers as (name, image), in spec order.
fn containers(pod: &Value, list: &str) -> Vec<(String, String)> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|container| {
                    let field = |key: &str| {
                        container
                            .get(key)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    (field("name"), field("image"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The container the behaviour annotations describe: the one named by
/// `kubectl.kubernetes.io/default-container`, else the first.
pub fn main_container_name(pod: &Value) -> Option<String> {
    let names = containers(pod, "containers");
    let preferred = pod
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
        .and_then(Value::as_str);
    preferred
        .filter(|name| names.iter().any(|(known, _)| known == name))
        .map(str::to_string)
        .or_else(|| names.first().map(|(name, _)| name.clone()))
}

/// The pod's QoS class, from its containers' requests and limits.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut any_set = false;
    let mut guaranteed = true;
    for container in &containers {
        for resource in ["cpu", "memory"] {
            let limit = container
                .pointer(&format!("/resources/limits/{resource}"))
                .and_then(Value::as_str);
            let request = container
                .pointer(&format!("/resources/requests/{resource}"))
                .and_then(Value::as_str);
            any_set |= limit.is_some() || request.is_some();
            let parse = |text: Option<&str>| text.and_then(|text| Quantity::parse(text).ok());
            match (parse(request), parse(limit)) {
                (_, None) => guaranteed = false,
                (Some(request), Some(limit)) if request != limit => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any_set {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn text<'a>(pod: &'a Value, pointer: &str) -> &'a str {
    pod.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn condition(
    kind: &str,
    ready: bool,
    since: SystemTime,
    reason: Option<&str>,
    message: Option<&str>,
) -> Value {
    let mut value = json!({
        "type": kind,
        "status": if ready { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": rfc3339(since),
    });
    if let Some(reason) = reason {
        value["reason"] = json!(reason);
    }
    if let Some(message) = message {
        value["message"] = json!(message);
    }
    value
}

/// When the instances of a crash-looping container died.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Crashes {
    /// How many instances have died.
    count: u32,
    /// The first death and the last, when there was one.
    first_and_last: Option<(SystemTime, SystemTime)>,
}

/// The crash history of a crash-looping container started at `started`: each
/// instance runs `run_time` (a moment for a crashing program, until its
/// probe has failed often enough for one its kubelet kills) and dies, and the kubelet waits a doubling back-off
/// before the next. The history runs up to `now` whatever restart count a
/// scenario pins, so the last crash is always within the current back-off
/// window, as on a live cluster.
fn crash_history(started: SystemTime, now: SystemTime, run_time: Duration) -> Crashes {
    let mut count = 0_u32;
    let mut first_and_last: Option<(SystemTime, SystemTime)> = None;
    let mut clock = started;
    let mut backoff = INITIAL_RESTART_BACKOFF;
    loop {
        clock += run_time;
        if clock > now {
            break;
        }
        count = count.saturating_add(1);
        let first = first_and_last.map_or(clock, |(first, _)| first);
        first_and_last = Some((first, clock));
        if backoff == MAX_BACKOFF {
            // From here on the cycle is fixed: count the remaining crashes at once.
            let cycle = MAX_BACKOFF + run_time;
            let more = now.duration_since(clock).unwrap_or_default().as_secs() / cycle.as_secs();
            let more = u32::try_from(more).unwrap_or(u32::MAX);
            count = count.saturating_add(more);
            first_and_last = Some((first, clock + cycle * more));
            break;
        }
        clock += backoff;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    Crashes {
        count,
        first_and_last,
    }
}

/// Attempts made from `first` until `now` when each retry waits twice as
/// long as the one before (from `initial`, at most `max`): how many, and when
/// the last one was.
pub(crate) fn attempts_with_backoff(
    first: SystemTime,
    now: SystemTime,
    initial: Duration,
    max: Duration,
) -> (u32, SystemTime) {
    let mut attempts = 1_u32;
    let mut last_attempt = first;
    let mut backoff = initial;
    while last_attempt + backoff <= now {
        attempts += 1;
        last_attempt += backoff;
        backoff = (backoff * 2).min(max);
    }
    (attempts, last_attempt)
}

/// The status of a container that has never been created.
fn waiting_status(container: &str, image: &str, reason: &str, message: Option<&str>) -> Value {
    let mut waiting = json!({"reason": reason});
    if let Some(message) = message {
        waiting["message"] = json!(message);
    }
    json!({
        "name": container,
        "image": image,
        "imageID": "",
        "ready": false,
        "started": false,
        "restartCount": 0,
        "state": {"waiting": waiting},
        "lastState": {},
    })
}

/// A restart back-off as the kubelet words it for the `n`th restart.
fn backoff_after(restarts: u32) -> Duration {
    let doubled = INITIAL_RESTART_BACKOFF.saturating_mul(
        1_u32
            .checked_shl(restarts.saturating_sub(1))
            .unwrap_or(u32::MAX),
    );
    doubled.min(MAX_BACKOFF)
}

/// One app container of a pod on its node, as the kubelet names it in the
/// events and statuses it writes about it.
struct ContainerOnNode<'a> {
    node_name: &'a str,
    field_path: &'a str,
    container: &'a str,
    image: &'a str,
    image_id: &'a str,
    /// `NAME_NAMESPACE(UID)`, as the kubelet names the pod in its messages.
    pod: &'a str,
}

/// A container waiting out its restart back-off after it crashed or was
/// killed: what [`backing_off`] needs to word the kubelet's `BackOff` event
/// and the container's `CrashLoopBackOff` status.
struct BackingOff<'a> {
    /// The container.
    on_node: &'a ContainerOnNode<'a>,
    /// The instance that terminated last.
    container_id: String,
    restarts: u32,
    /// Which restart the back-off waited out now is for.
    backoff_for: u32,
    /// How many times the kubelet recorded the `BackOff` event.
    event_count: u32,
    first: SystemTime,
    now: SystemTime,
    /// The last instance's `lastState.terminated`.
    last_terminated: Value,
}

/// The `BackOff` event and the `CrashLoopBackOff` container status of a
/// container waiting to be restarted, in the kubelet's words, whether it
/// crashed by itself or a probe killed it: both wait out the same back-off.
fn backing_off(waiting: BackingOff<'_>) -> (EventRecord, Value) {
    let BackingOff {
        on_node:
            ContainerOnNode {
                node_name,
                field_path,
                container,
                image,
                image_id,
                pod,
            },
        container_id,
        restarts,
        backoff_for,
        event_count,
        first,
        now,
        last_terminated,
    } = waiting;
    let event = kubelet_event_on(node_name)(
        field_path,
        EventType::Warning,
        "BackOff",
        format!("Back-off restarting failed container {container} in pod {pod}"),
        event_count,
        first,
        now,
    );
    let status = json!({
        "name": container, "image": image, "imageID": image_id,
        "containerID": container_id,
        "ready": false, "started": false, "restartCount": restarts,
        "state": {"waiting": {
            "reason": "CrashLoopBackOff",
            "message": format!(
                "back-off {} restarting failed container={container} pod={pod}",
                format_go_duration(backoff_after(backoff_for))
            ),
        }},
        "lastState": {"terminated": last_terminated},
    });
    (event, status)
}

/// What the init containers of a pod run with.
struct InitRun<'a> {
    node_name: &'a str,
    restart_policy: &'a str,
    /// What each init container's command does now, in spec order.
    outcomes: &'a [InitOutcome],
    config: &'a ConfigCheck,
    /// Images no registry has (`sim.kubeop.dev/missing-images`).
    missing_images: &'a [String],
    /// When the pod's life on the node began (its volumes could be set up).
    start: SystemTime,
    now: SystemTime,
}

/// Where a pod's initialization stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum InitProgress {
    /// Every init container completed; the last one at `at`.
    Done { at: SystemTime },
    /// An init container is running, restarting or cannot start: the app
    /// containers wait. `failed`: it failed under restartPolicy Never, so
    /// the pod has failed for good.
    Blocked { failed: bool },
}

/// The init containers' statuses and events, and how far they got.
#[derive(Debug, Clone)]
struct Initialization {
    statuses: Vec<Value>,
    events: Vec<EventRecord>,
    /// The init containers that have not completed, in spec order.
    incomplete: Vec<String>,
    progress: InitProgress,
}

/// When an init container of this name last completed, as the pod's current
/// status records it: a kubelet never runs a completed init container again
/// while the pod lives, and the status is where the simulator remembers it.
fn completed_before(pod: &Value, container: &str) -> Option<(SystemTime, SystemTime)> {
    let status = pod
        .pointer("/status/initContainerStatuses")?
        .as_array()?
        .iter()
        .find(|status| status["name"] == container)?;
    let terminated = status.pointer("/state/terminated")?;
    if terminated["exitCode"] != 0 {
        return None;
    }
    let at = |key: &str| {
        terminated
            .get(key)
            .and_then(Value::as_str)
            .and_then(crate::clock::parse_rfc3339)
    };
    Some((at("startedAt")?, at("finishedAt")?))
}

/// Whether the pod's current status shows this init container running:
/// one that waited (for a Service, say) completes when its wait ends.
fn was_running(pod: &Value, container: &str) -> bool {
    pod.pointer("/status/initContainerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|status| status["name"] == container && status.pointer("/state/running").is_some())
}

/// Runs the init containers in order, as the kubelet does: each must
/// complete before the next starts; a failing one is restarted with the
/// same back-off as an app container (or fails the pod under
/// restartPolicy Never); one whose command waits keeps the pod in
/// `Init:N/M` until what it waits for appears.
fn initialize(pod: &Value, run: &InitRun<'_>) -> Initialization {
    let name = text(pod, "/metadata/name");
    let namespace = text(pod, "/metadata/namespace");
    let uid = text(pod, "/metadata/uid");
    let now = run.now;
    let mut clock = run.start;
    let mut statuses = Vec::new();
    let mut events = Vec::new();
    let mut incomplete = Vec::new();
    let mut progress = None;
    let volumes_mounted = run.config.unmountable_volumes.is_empty();
    for (index, (container, image)) in containers(pod, "initContainers").into_iter().enumerate() {
        if progress.is_some() || !volumes_mounted || now < clock {
            // Not started: an earlier one holds it back (or the volumes).
            statuses.push(waiting_status(&container, &image, "PodInitializing", None));
            incomplete.push(container);
            continue;
        }
        let field_path = format!("spec.initContainers{{{container}}}");
        let event = |event_type, reason, message: String, count, first, last| EventRecord {
            subject: EventSubject::Pod {
                field_path: Some(field_path.clone()),
            },
            event_type,
            reason,
            message,
            component: "kubelet",
            host: Some(run.node_name.to_string()),
            count,
            first,
            last,
        };
        let reference = full_image_reference(&image);
        let image_id = format!(
            "{}@sha256:{}",
            reference
                .rsplit_once(':')
                .map_or(reference.as_str(), |(repo, _)| repo),
            hex_digest(&[&image], 64)
        );
        let container_id = |instance: u32| {
            format!(
                "containerd://{}",
                hex_digest(&[uid, &container, "init", &instance.to_string()], 64)
            )
        };
        let started = clock;
        if run.missing_images.contains(&image) {
            let (status, pull_events) = failed_pull(
                &container,
                &image,
                &field_path,
                run.config,
                (run.node_name, started, now),
            );
            statuses.push(status);
            events.extend(pull_events);
            incomplete.push(container);
            progress = Some(InitProgress::Blocked { failed: false });
            continue;
        }
        events.push(event(
            EventType::Normal,
            "Pulled",
            format!("Container image \"{image}\" already present on machine"),
            1,
            started,
            started,
        ));
        if let Some(error) = run.config.container_error(&container) {
            let retries = now.duration_since(started).unwrap_or_default().as_secs()
                / POD_SYNC_RETRY_PERIOD.as_secs();
            let attempts = 1 + u32::try_from(retries).unwrap_or(u32::MAX / 2);
            events.push(event(
                EventType::Warning,
                "Failed",
                format!("Error: {error}"),
                attempts,
                started,
                started + POD_SYNC_RETRY_PERIOD * (attempts - 1),
            ));
            statuses.push(waiting_status(
                &container,
                &image,
                "CreateContainerConfigError",
                Some(error),
            ));
            incomplete.push(container);
            progress = Some(InitProgress::Blocked { failed: false });
            continue;
        }
        let outcome = run
            .outcomes
            .get(index)
            .cloned()
            .unwrap_or_else(InitOutcome::succeeds);
        let finished = match (completed_before(pod, &container), &outcome) {
            (Some((_, at)), _) => Some(at),
            (None, InitOutcome::Exits { exit_code: 0, .. }) if was_running(pod, &container) => {
                Some(now.max(started + INIT_CONTAINER_RUN_TIME))
            }
            (None, InitOutcome::Exits { exit_code: 0, .. }) => {
                Some(started + INIT_CONTAINER_RUN_TIME)
            }
            _ => None,
        };
        let started_events = |count, last| {
            [
                event(
                    EventType::Normal,
                    "Created",
                    format!("Created container: {container}"),
                    count,
                    started,
                    last,
                ),
                event(
                    EventType::Normal,
                    "Started",
                    format!("Started container {container}"),
                    count,
                    started,
                    last,
                ),
            ]
        };
        let running_status = |restart_count: u32, since: SystemTime, last: Value| {
            json!({
                "name": container, "image": image, "imageID": image_id,
                "containerID": container_id(restart_count), "ready": false, "started": true,
                "restartCount": restart_count,
                "state": {"running": {"startedAt": rfc3339(since)}}, "lastState": last,
            })
        };
        match (finished, &outcome) {
            (Some(at), _) if at <= now => {
                events.extend(started_events(1, started));
                statuses.push(json!({
                    "name": container, "image": image, "imageID": image_id,
                    "containerID": container_id(0), "ready": true, "started": false,
                    "restartCount": 0,
                    "state": {"terminated": {
                        "exitCode": 0, "reason": "Completed",
                        "startedAt": rfc3339(started), "finishedAt": rfc3339(at),
                        "containerID": container_id(0),
                    }},
                    "lastState": {},
                }));
                clock = at;
            }
            (Some(_), _) | (None, InitOutcome::Waits { .. }) => {
                events.extend(started_events(1, started));
                statuses.push(running_status(0, started, json!({})));
                incomplete.push(container);
                progress = Some(InitProgress::Blocked { failed: false });
            }
            (None, InitOutcome::Exits { exit_code, .. }) => {
                let crashes = crash_history(started, now, CRASHING_CONTAINER_RUN_TIME);
                let Some((first_crash, last_crash)) = crashes.first_and_last else {
                    events.extend(started_events(1, started));
                    statuses.push(running_status(0, started, json!({})));
                    incomplete.push(container);
                    progress = Some(InitProgress::Blocked { failed: false });
                    continue;
                };
                let terminated = json!({
                    "exitCode": exit_code, "reason": "Error",
                    "startedAt": rfc3339(last_crash - CRASHING_CONTAINER_RUN_TIME),
                    "finishedAt": rfc3339(last_crash),
                    "containerID": container_id(crashes.count.saturating_sub(1)),
                });
                if run.restart_policy == "Never" {
                    events.extend(started_events(1, started));
                    statuses.push(json!({
                        "name": container, "image": image, "imageID": image_id,
                        "containerID": container_id(0), "ready": false, "started": false,
                        "restartCount": 0,
                        "state": {"terminated": terminated}, "lastState": {},
                    }));
                    incomplete.push(container);
                    progress = Some(InitProgress::Blocked { failed: true });
                    continue;
                }
                let restarts = crashes.count;
                let next_start = last_crash + backoff_after(restarts);
                events.extend(started_events(
                    restarts + 1,
                    now.min(next_start).max(started),
                ));
                events.push(event(
                    EventType::Warning,
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {container} in pod {name}_{namespace}({uid})"
                    ),
                    restarts.max(1) * 3,
                    first_crash,
                    now,
                ));
                statuses.push(json!({
                    "name": container, "image": image, "imageID": image_id,
                    "containerID": container_id(restarts), "ready": false, "started": false,
                    "restartCount": restarts,
                    "state": {"waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": format!(
                            "back-off {} restarting failed container={container} pod={name}_{namespace}({uid})",
                            format_go_duration(backoff_after(restarts))
                        ),
                    }},
                    "lastState": {"terminated": terminated},
                }));
                incomplete.push(container);
                progress = Some(InitProgress::Blocked { failed: false });
            }
        }
    }
    Initialization {
        statuses,
        events,
        incomplete,
        progress: progress.unwrap_or(InitProgress::Done { at: clock }),
    }
}

/// A container whose image cannot be pulled (an app container whose state
/// says so, or an init container whose image is listed under
/// `sim.kubeop.dev/missing-images`): ErrImagePull, then ImagePullBackOff,
/// with the kubelet's pull events, attempts doubling from `life_start`.
fn failed_pull(
    container: &str,
    image: &str,
    field_path: &str,
    config: &ConfigCheck,
    (node_name, life_start, now): (&str, SystemTime, SystemTime),
) -> (Value, Vec<EventRecord>) {
    let mut events = Vec::new();
    let kubelet_event = kubelet_event_on(node_name);
    // Pull attempts at 0, then after a doubling back-off.
    let (attempts, last_attempt) =
        attempts_with_backoff(life_start, now, INITIAL_RESTART_BACKOFF, MAX_BACKOFF);
    let in_backoff = now.duration_since(last_attempt).unwrap_or_default() >= Duration::from_secs(1);
    let (code, pull_error) =
        pull_failure(&full_image_reference(image), config.has_pull_credentials);
    let (reason, message) = if in_backoff {
        (
            "ImagePullBackOff",
            format!("Back-off pulling image \"{image}\": ErrImagePull: {pull_error}"),
        )
    } else {
        (
            "ErrImagePull",
            format!("rpc error: code = {code} desc = {pull_error}"),
        )
    };
    if !config.missing_pull_secrets.is_empty() {
        events.push(EventRecord {
                    subject: EventSubject::Pod { field_path: None },
                    event_type: EventType::Warning,
                    reason: "FailedToRetrieveImagePullSecret",
                    message: format!(
                        "Unable to retrieve some image pull secrets ({}); attempting to pull the image may not succeed.",
                        config.missing_pull_secrets.join(", ")
                    ),
                    component: "kubelet",
                    host: Some(node_name.to_string()),
                    count: attempts,
                    first: life_start,
                    last: last_attempt,
                });
    }
    let status = waiting_status(container, image, reason, Some(&message));
    // Each pull attempt records the same three events, counted together.
    let attempted = [
        (
            EventType::Normal,
            "Pulling",
            format!("Pulling image \"{image}\""),
        ),
        (
            EventType::Warning,
            "Failed",
            format!(
                "Failed to pull image \"{image}\": rpc error: code = {code} desc = {pull_error}"
            ),
        ),
        (
            EventType::Warning,
            "Failed",
            "Error: ErrImagePull".to_string(),
        ),
    ];
    for (event_type, reason, message) in attempted {
        events.push(kubelet_event(
            field_path,
            event_type,
            reason,
            message,
            attempts,
            life_start,
            last_attempt,
        ));
    }
    if now.duration_since(life_start).unwrap_or_default() >= Duration::from_secs(1) {
        // Between attempts the kubelet waits out a back-off, recorded twice
        // per attempt, in two events counted together.
        let waited = [
            (
                EventType::Normal,
                "BackOff",
                format!("Back-off pulling image \"{image}\""),
            ),
            (
                EventType::Warning,
                "Failed",
                "Error: ImagePullBackOff".to_string(),
            ),
        ];
        for (event_type, reason, message) in waited {
            events.push(kubelet_event(
                field_path,
                event_type,
                reason,
                message,
                attempts * 2,
                life_start + Duration::from_secs(1),
                now,
            ));
        }
    }
    (status, events)
}

/// Observes `pod` at `now`, given its placement.
/// `config` is what [`config::check`] found about the ConfigMaps and Secrets
/// the pod refers to; `init` what each init container's command does now
/// ([`init::outcomes`]; a missing entry runs its image and succeeds).
pub fn observe(
    pod: &Value,
    placement: &Placement,
    config: &ConfigCheck,
    init: &[InitOutcome],
    now: SystemTime,
) -> PodObservation {
    let behaviour = PodBehaviour::of_pod(pod);
    let name = text(pod, "/metadata/name");
    let namespace = text(pod, "/metadata/namespace");
    let uid = text(pod, "/metadata/uid");
    let qos = qos_class(pod);
    let (node_name, host_ip, pod_ip, bound_at) = match placement {
        Placement::Unschedulable { message, since } => {
            let retries =
                now.duration_since(*since).unwrap_or_default().as_secs() / MAX_BACKOFF.as_secs();
            return PodObservation {
                status: json!({
                    "phase": "Pending",
                    "conditions": [condition("PodScheduled", false, *since, Some("Unschedulable"), Some(message))],
                    "qosClass": qos,
                }),
                events: vec![EventRecord {
                    subject: EventSubject::Pod { field_path: None },
                    event_type: EventType::Warning,
                    reason: "FailedScheduling",
                    message: message.clone(),
                    component: "default-scheduler",
                    host: None,
                    count: 1 + u32::try_from(retries).unwrap_or(u32::MAX),
                    first: *since,
                    last: if retries == 0 { *since } else { now },
                }],
                ready: false,
                ready_since: None,
            };
        }
        Placement::Bound {
            node_name,
            host_ip,
            pod_ip,
            bound_at,
        } => (
            node_name.as_str(),
            host_ip.as_str(),
            pod_ip.as_str(),
            *bound_at,
        ),
    };
    let ready_delay = behaviour.ready_delay.unwrap_or(DEFAULT_READY_DELAY);
    // A pod that waited for a ConfigMap or Secret starts its life on the node
    // when the last of them appeared (the kubelet retried until then).
    let pod_start = config
        .available_since
        .filter(|since| *since > bound_at)
        .unwrap_or(bound_at);
    let restart_policy = pod
        .pointer("/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Always");
    let scheduled = EventRecord {
        subject: EventSubject::Pod { field_path: None },
        event_type: EventType::Normal,
        reason: "Scheduled",
        message: format!("Successfully assigned {namespace}/{name} to {node_name}"),
        component: "default-scheduler",
        host: None,
        count: 1,
        first: bound_at,
        last: bound_at,
    };
    let initialization = initialize(
        pod,
        &InitRun {
            node_name,
            restart_policy,
            outcomes: init,
            config,
            missing_images: &behaviour.missing_images,
            start: pod_start,
            now,
        },
    );
    // The app containers start once the last init container has completed.
    let life_start = match initialization.progress {
        InitProgress::Done { at } => at,
        InitProgress::Blocked { failed } => {
            let mut events = vec![scheduled];
            events.extend(initialization.events);
            events.sort_by_key(|event| event.first);
            let phase = if failed { "Failed" } else { "Pending" };
            let app_names: Vec<String> = containers(pod, "containers")
                .into_iter()
                .map(|(container, _)| container)
                .collect();
            let app_statuses: Vec<Value> = containers(pod, "containers")
                .iter()
                .map(|(container, image)| waiting_status(container, image, "PodInitializing", None))
                .collect();
            let not_ready = format!("containers with unready status: [{}]", app_names.join(" "));
            let incomplete = format!(
                "containers with incomplete status: [{}]",
                initialization.incomplete.join(" ")
            );
            let since = pod_start.min(now);
            let reason = Some(if failed {
                "PodFailed"
            } else {
                "ContainersNotReady"
            });
            let status = json!({
                "phase": phase,
                "conditions": [
                    condition("PodReadyToStartContainers", !failed, since, None, None),
                    condition("Initialized", false, since, Some("ContainersNotInitialized"), Some(&incomplete)),
                    condition("Ready", false, since, reason, (!failed).then_some(not_ready.as_str())),
                    condition("ContainersReady", false, since, reason, (!failed).then_some(not_ready.as_str())),
                    condition("PodScheduled", true, bound_at, None, None),
                ],
                "hostIP": host_ip,
                "hostIPs": [{"ip": host_ip}],
                "podIP": pod_ip,
                "podIPs": [{"ip": pod_ip}],
                "startTime": rfc3339(bound_at),
                "initContainerStatuses": initialization.statuses,
                "containerStatuses": app_statuses,
                "qosClass": qos,
            });
            return PodObservation {
                status,
                events,
                ready: false,
                ready_since: None,
            };
        }
    };
    // The first half of the ready delay is spent pulling and creating, the
    // second half running before the readiness probe first passes.
    let started_at = life_start + ready_delay / 2;
    // Without a readiness probe the kubelet reports a running container
    // ready at once (no unready moment for a playbook to blame on a probe
    // that does not exist); a `ready-delay` the pod asks for still models
    // a slow start.
    let declares_readiness_probe = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .is_some_and(|containers| {
            containers
                .iter()
                .any(|container| container.get("readinessProbe").is_some())
        });
    let ready_at = if behaviour.ready_delay.is_none() && !declares_readiness_probe {
        started_at
    } else {
        life_start + ready_delay
    };
    let main = main_container_name(pod).unwrap_or_default();

    let mut events = vec![scheduled];
    let kubelet_event = kubelet_event_on(node_name);
    let pod_named = format!("{name}_{namespace}({uid})");
    // Each start of a container instance: `count` of them, the last at `last`.
    let created_and_started = |field_path: &str, container: &str, count, first, last| {
        [
            kubelet_event(
                field_path,
                EventType::Normal,
                "Created",
                format!("Created container: {container}"),
                count,
                first,
                last,
            ),
            kubelet_event(
                field_path,
                EventType::Normal,
                "Started",
                format!("Started container {container}"),
                count,
                first,
                last,
            ),
        ]
    };

    events.extend(initialization.events);
    let init_statuses = initialization.statuses;

    let mut statuses = Vec::new();
    let mut all_ready = true;
    let mut any_waiting_or_running = false;
    let mut all_succeeded = true;
    let mut any_failed = false;
    let mut pod_ready_since = ready_at;
    let mut image_unpulled = false;
    // Never-created containers keep the pod Pending.
    let mut config_blocked = false;
    let volumes_mounted = config.unmountable_volumes.is_empty();
    for (_, message) in &config.unmountable_volumes {
        let (attempts, last_attempt) =
            attempts_with_backoff(bound_at, now, INITIAL_MOUNT_RETRY, MAX_MOUNT_RETRY);
        events.push(EventRecord {
            subject: EventSubject::Pod { field_path: None },
            event_type: EventType::Warning,
            reason: "FailedMount",
            message: message.clone(),
            component: "kubelet",
            host: Some(node_name.to_string()),
            count: attempts,
            first: bound_at,
            last: last_attempt,
        });
    }

    for (container, image) in containers(pod, "containers") {
        let field_path = format!("spec.containers{{{container}}}");
        let state_here = if container == main {
            behaviour.state
        } else {
            SimState::Running
        };
        let reference = full_image_reference(&image);
        let repository = reference
            .rsplit_once(':')
            .map_or(reference.as_str(), |(repo, _)| repo)
            .to_string();
        let image_id = format!("{repository}@sha256:{}", hex_digest(&[&image], 64));
        let on_node = ContainerOnNode {
            node_name,
            field_path: &field_path,
            container: &container,
            image: &image,
            image_id: &image_id,
            pod: &pod_named,
        };
        let container_id = |instance: usize| {
            format!(
                "containerd://{}",
                hex_digest(&[uid, &container, &instance.to_string()], 64)
            )
        };
        let pull_took = (ready_delay / 2).max(Duration::from_millis(800));
        // The first instance, running since `started_at`.
        let running = |ready: bool| {
            json!({
                "name": container, "image": image, "imageID": image_id,
                "containerID": container_id(0), "ready": ready, "started": true, "restartCount": 0,
                "state": {"running": {"startedAt": rfc3339(started_at)}}, "lastState": {},
            })
        };

        if !volumes_mounted {
            // Nothing is pulled or created before the pod's volumes are set up.
            all_ready = false;
            all_succeeded = false;
            any_waiting_or_running = true;
            config_blocked = true;
            statuses.push(waiting_status(
                &container,
                &image,
                "ContainerCreating",
                None,
            ));
            continue;
        }

        if let Some(problem) = invalid_image_reference(&image) {
            // The kubelet cannot even name the image: every pod sync fails
            // the same way, and nothing is pulled.
            image_unpulled = true;
            all_ready = false;
            all_succeeded = false;
            any_waiting_or_running = true;
            let message = format!(
                "Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": {problem}"
            );
            let syncs = 1 + now.duration_since(life_start).unwrap_or_default().as_secs()
                / POD_SYNC_RETRY_PERIOD.as_secs();
            let syncs = u32::try_from(syncs).unwrap_or(u32::MAX);
            let last_sync = life_start + POD_SYNC_RETRY_PERIOD * (syncs - 1);
            statuses.push(waiting_status(
                &container,
                &image,
                "InvalidImageName",
                Some(&message),
            ));
            events.push(kubelet_event(
                &field_path,
                EventType::Warning,
                "InspectFailed",
                message,
                syncs,
                life_start,
                last_sync,
            ));
            events.push(kubelet_event(
                &field_path,
                EventType::Warning,
                "Failed",
                "Error: InvalidImageName".to_string(),
                syncs,
                life_start,
                last_sync,
            ));
            continue;
        }

        if state_here == SimState::ImagePullBackOff || behaviour.missing_images.contains(&image) {
            image_unpulled = true;
            all_ready = false;
            all_succeeded = false;
            any_waiting_or_running = true;
            let (status, pull_events) = failed_pull(
                &container,
                &image,
                &format!("spec.containers{{{container}}}"),
                config,
                (node_name, life_start, now),
            );
            statuses.push(status);
            events.extend(pull_events);
            continue;
        }

        if now < started_at {
            // Still pulling the image and creating the container.
            all_ready = false;
            all_succeeded = false;
            any_waiting_or_running = true;
            statuses.push(waiting_status(
                &container,
                &image,
                "ContainerCreating",
                None,
            ));
            events.push(kubelet_event(
                &field_path,
                EventType::Normal,
                "Pulling",
                format!("Pulling image \"{image}\""),
                1,
                life_start,
                life_start,
            ));
            continue;
        }

        events.push(kubelet_event(
            &field_path,
            EventType::Normal,
            "Pulling",
            format!("Pulling image \"{image}\""),
            1,
            life_start,
            life_start,
        ));
        events.push(kubelet_event(
            &field_path,
            EventType::Normal,
            "Pulled",
            format!(
                "Successfully pulled image \"{image}\" in {:.3}s ({:.3}s including waiting). Image size: {} bytes.",
                pull_took.as_secs_f64(),
                pull_took.as_secs_f64(),
                40_000_000 + (u64::from_str_radix(&hex_digest(&[&image], 6), 16).unwrap_or(0) * 7) % 200_000_000
            ),
            1,
            started_at,
            started_at,
        ));

        if let Some(error) = config.container_error(&container) {
            // The image is there, but the container's configuration cannot be
            // built: every pod sync fails the same way until the object (or
            // key) exists.
            all_ready = false;
            all_succeeded = false;
            any_waiting_or_running = true;
            config_blocked = true;
            let retries = now.duration_since(started_at).unwrap_or_default().as_secs()
                / POD_SYNC_RETRY_PERIOD.as_secs();
            let attempts = 1 + u32::try_from(retries).unwrap_or(u32::MAX / 2);
            let last_attempt = started_at + POD_SYNC_RETRY_PERIOD * (attempts - 1);
            statuses.push(waiting_status(
                &container,
                &image,
                "CreateContainerConfigError",
                Some(error),
            ));
            events.push(kubelet_event(
                &field_path,
                EventType::Warning,
                "Failed",
                format!("Error: {error}"),
                attempts,
                started_at,
                last_attempt,
            ));
            if attempts > 1 {
                events.push(kubelet_event(
                    &field_path,
                    EventType::Normal,
                    "Pulled",
                    format!("Container image \"{image}\" already present on machine"),
                    attempts - 1,
                    started_at + POD_SYNC_RETRY_PERIOD,
                    last_attempt,
                ));
            }
            continue;
        }

        match state_here {
            SimState::CrashLoop | SimState::OomKilled => {
                let crashes = crash_history(started_at, now, CRASHING_CONTAINER_RUN_TIME);
                let exit_code = behaviour.crash_exit_code();
                let terminated_reason = if state_here == SimState::OomKilled {
                    "OOMKilled"
                } else if exit_code == 0 {
                    "Completed"
                } else {
                    "Error"
                };
                let instances = crashes.count;
                let restarts = behaviour
                    .restarts
                    .map_or(instances, |limit| instances.min(limit));
                let last_start = now
                    .min(
                        crashes.first_and_last.map_or(started_at, |(_, last)| last)
                            + backoff_after(restarts),
                    )
                    .max(started_at);
                events.extend(created_and_started(
                    &field_path,
                    &container,
                    restarts + 1,
                    started_at,
                    last_start,
                ));
                all_ready = false;
                all_succeeded = false;
                let Some((first_crash, last_crash)) = crashes.first_and_last else {
                    // Still in its first run.
                    any_waiting_or_running = true;
                    statuses.push(running(false));
                    continue;
                };
                let last_terminated = json!({
                    "exitCode": exit_code,
                    "reason": terminated_reason,
                    "startedAt": rfc3339(last_crash - CRASHING_CONTAINER_RUN_TIME),
                    "finishedAt": rfc3339(last_crash),
                    "containerID": container_id(instances as usize),
                });
                if state_here == SimState::OomKilled {
                    events.push(EventRecord {
                        subject: EventSubject::Node(node_name.to_string()),
                        event_type: EventType::Warning,
                        reason: "OOMKilling",
                        message: format!(
                            "Memory cgroup out of memory: Killed process {} ({container}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1204kB oom_score_adj:{}",
                            10_000 + (u64::from_str_radix(&hex_digest(&[uid], 4), 16).unwrap_or(0) % 50_000),
                            memory_limit_kib(pod, &container).map_or(2_934_112, |limit| limit * 5),
                            memory_limit_kib(pod, &container).unwrap_or(524_288),
                            if qos == "Guaranteed" { -997 } else { 936 }
                        ),
                        component: "kernel-monitor",
                        host: Some(node_name.to_string()),
                        count: restarts.max(1),
                        first: first_crash,
                        last: last_crash,
                    });
                }
                if restart_policy == "Never" {
                    any_failed = exit_code != 0;
                    statuses.push(json!({
                        "name": container, "image": image, "imageID": image_id,
                        "containerID": container_id(0), "ready": false, "started": false, "restartCount": 0,
                        "state": {"terminated": last_terminated}, "lastState": {},
                    }));
                    continue;
                }
                any_waiting_or_running = true;
                let (event, status) = backing_off(BackingOff {
                    on_node: &on_node,
                    container_id: container_id(instances as usize),
                    restarts,
                    backoff_for: restarts,
                    event_count: restarts.max(1) * 3,
                    first: first_crash,
                    now,
                    last_terminated,
                });
                events.push(event);
                statuses.push(status);
            }
            SimState::Completed => {
                events.extend(created_and_started(
                    &field_path,
                    &container,
                    1,
                    started_at,
                    started_at,
                ));
                let finished_at =
                    started_at + behaviour.ready_delay.unwrap_or(DEFAULT_COMPLETION_TIME);
                if now < finished_at {
                    // Running to completion: ready like any running
                    // container (a ready container in an unready pod is
                    // what a diagnosis reads as a failing probe).
                    all_succeeded = false;
                    any_waiting_or_running = true;
                    statuses.push(running(true));
                } else {
                    all_ready = false;
                    statuses.push(json!({
                        "name": container, "image": image, "imageID": image_id,
                        "containerID": container_id(0), "ready": false, "started": false, "restartCount": 0,
                        "state": {"terminated": {
                            "exitCode": 0, "reason": "Completed",
                            "startedAt": rfc3339(started_at), "finishedAt": rfc3339(finished_at),
                            "containerID": container_id(0),
                        }},
                        "lastState": {},
                    }));
                }
            }
            SimState::Running | SimState::NotReady | SimState::Pending => {
                any_waiting_or_running = true;
                all_succeeded = false;
                let app_unready = state_here == SimState::NotReady;
                let probe = |kind| {
                    container_spec(pod, &container).and_then(|spec| {
                        probes::outcome(
                            pod,
                            spec,
                            kind,
                            behaviour.serves.as_ref(),
                            pod_ip,
                            app_unready,
                        )
                    })
                };
                let startup = probe(ProbeKind::Startup);
                let liveness = probe(ProbeKind::Liveness);
                let readiness = probe(ProbeKind::Readiness);
                let fails = |outcome: &&ProbeOutcome| matches!(outcome.verdict, Verdict::Fails(_));
                // Until the startup probe passes, the other two do not run.
                let startup_passes = startup
                    .as_ref()
                    .is_none_or(|outcome| outcome.verdict == Verdict::Passes);
                let killer = startup.as_ref().filter(fails).or_else(|| {
                    liveness
                        .as_ref()
                        .filter(|outcome| startup_passes && fails(outcome))
                });
                // The instance running now, since when, and how many were killed.
                let killed = killer.and_then(|killer| {
                    let run_time = killer.timing.time_to_fail().max(Duration::from_secs(1));
                    let kills = crash_history(started_at, now, run_time);
                    Some((killer, kills.count, run_time, kills.first_and_last?))
                });
                let (instance_start, kills) = match killed {
                    Some((killer, count, run_time, (first_kill, last_kill))) => {
                        let restarts = behaviour.restarts.map_or(count, |limit| count.min(limit));
                        let next_start = last_kill + backoff_after(count);
                        let exit_code = behaviour.exit_code.unwrap_or(LIVENESS_KILL_EXIT_CODE);
                        let last_terminated = json!({
                            "exitCode": exit_code,
                            "reason": if exit_code == 0 { "Completed" } else { "Error" },
                            "startedAt": rfc3339(last_kill - run_time),
                            "finishedAt": rfc3339(last_kill),
                            "containerID": container_id(count as usize - 1),
                        });
                        events.push(kubelet_event(
                            &field_path,
                            EventType::Normal,
                            "Killing",
                            format!(
                                "Container {container} failed {} probe, will be restarted",
                                killer.kind.lower()
                            ),
                            count,
                            first_kill,
                            last_kill,
                        ));
                        if now < next_start {
                            events.extend(created_and_started(
                                &field_path,
                                &container,
                                count,
                                started_at,
                                last_kill - run_time,
                            ));
                            let (event, status) = backing_off(BackingOff {
                                on_node: &on_node,
                                container_id: container_id(count as usize),
                                restarts,
                                backoff_for: count,
                                event_count: count,
                                first: first_kill,
                                now,
                                last_terminated,
                            });
                            events.push(event);
                            statuses.push(status);
                            (None, Some((count, killer)))
                        } else {
                            events.extend(created_and_started(
                                &field_path,
                                &container,
                                count + 1,
                                started_at,
                                next_start,
                            ));
                            statuses.push(json!({
                                "name": container, "image": image, "imageID": image_id,
                                "containerID": container_id(count as usize),
                                "ready": false, "started": true, "restartCount": restarts,
                                "state": {"running": {"startedAt": rfc3339(next_start)}},
                                "lastState": {"terminated": last_terminated},
                            }));
                            (Some(next_start), Some((count, killer)))
                        }
                    }
                    None => {
                        events.extend(created_and_started(
                            &field_path,
                            &container,
                            1,
                            started_at,
                            started_at,
                        ));
                        statuses.push(running(false));
                        (Some(started_at), None)
                    }
                };
                // Each probe that does not pass, as often as it has run in
                // every instance so far (a killed instance failed its
                // killer `failureThreshold` times).
                let in_current = instance_start.map_or(Duration::ZERO, |since| {
                    now.duration_since(since).unwrap_or_default()
                });
                let runnable = [
                    startup.as_ref(),
                    liveness.as_ref().filter(|_| startup_passes),
                    readiness.as_ref().filter(|_| startup_passes),
                ];
                for outcome in runnable.into_iter().flatten() {
                    let message = match &outcome.verdict {
                        Verdict::Passes => continue,
                        Verdict::Fails(message) | Verdict::Errored(message) => message,
                    };
                    let earlier = match kills {
                        Some((count, killer)) if killer.kind == outcome.kind => {
                            count.saturating_mul(outcome.timing.failure_threshold)
                        }
                        Some((count, killer)) => count.saturating_mul(
                            outcome.timing.runs_within(killer.timing.time_to_fail()),
                        ),
                        None => 0,
                    };
                    let current = if instance_start.is_some() {
                        outcome.timing.runs_within(in_current)
                    } else {
                        0
                    };
                    let count = earlier.saturating_add(current);
                    if count == 0 {
                        continue;
                    }
                    events.push(kubelet_event(
                        &field_path,
                        EventType::Warning,
                        "Unhealthy",
                        message.clone(),
                        count,
                        started_at + outcome.timing.initial_delay,
                        now,
                    ));
                }
                if app_unready && readiness.is_none() {
                    let failures = 1 + now.duration_since(started_at).unwrap_or_default().as_secs()
                        / DEFAULT_PROBE_PERIOD.as_secs();
                    events.push(kubelet_event(
                        &field_path,
                        EventType::Warning,
                        "Unhealthy",
                        "Readiness probe failed: container reported not ready".to_string(),
                        u32::try_from(failures).unwrap_or(u32::MAX),
                        started_at,
                        now,
                    ));
                }
                let ready = instance_start.is_some()
                    && now >= ready_at
                    && startup_passes
                    && !app_unready
                    && readiness
                        .as_ref()
                        .is_none_or(|outcome| outcome.verdict == Verdict::Passes);
                all_ready &= ready;
                if !ready {
                    pod_ready_since = now;
                } else if let Some(since) = instance_start.filter(|since| *since > ready_at) {
                    pod_ready_since = pod_ready_since.max(since);
                }
                if let Some(status) = statuses.last_mut() {
                    status["ready"] = json!(ready);
                }
            }
            SimState::ImagePullBackOff => {}
        }
    }

    let container_names: Vec<String> = statuses
        .iter()
        .filter(|status| status["ready"] != json!(true))
        .filter_map(|status| status["name"].as_str().map(str::to_string))
        .collect();
    let unready_message = format!(
        "containers with unready status: [{}]",
        container_names.join(" ")
    );
    let phase = if !any_waiting_or_running && all_succeeded {
        "Succeeded"
    } else if !any_waiting_or_running && any_failed {
        "Failed"
    } else if image_unpulled || config_blocked || now < started_at {
        "Pending"
    } else {
        "Running"
    };
    let finished = matches!(phase, "Succeeded" | "Failed");
    let ready = all_ready && !finished && !statuses.is_empty();
    let (ready_reason, ready_message) = if finished {
        (Some("PodCompleted"), None)
    } else if ready {
        (None, None)
    } else {
        (Some("ContainersNotReady"), Some(unready_message.as_str()))
    };
    let ready_transition = if ready {
        pod_ready_since
    } else {
        started_at.min(now)
    };
    let mut conditions = vec![
        condition(
            "PodReadyToStartContainers",
            !finished && volumes_mounted,
            started_at.min(now),
            None,
            None,
        ),
        condition(
            "Initialized",
            true,
            life_start.min(now),
            finished.then_some("PodCompleted"),
            None,
        ),
        condition(
            "Ready",
            ready,
            ready_transition,
            ready_reason,
            ready_message,
        ),
        condition(
            "ContainersReady",
            ready,
            ready_transition,
            ready_reason,
            ready_message,
        ),
        condition("PodScheduled", true, bound_at, None, None),
    ];
    if finished {
        conditions[0]["status"] = json!("False");
    }
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(bound_at),
        "containerStatuses": statuses,
        "qosClass": qos,
    });
    if !init_statuses.is_empty() {
        status["initContainerStatuses"] = Value::Array(init_statuses);
    }
    events.sort_by_key(|event| event.first);
    PodObservation {
        status,
        events,
        ready,
        ready_since: ready.then_some(pod_ready_since),
    }
}

/// The spec of the pod's container of this name.
fn container_spec<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    pod.pointer("/spec/containers")?
        .as_array()?
        .iter()
        .find(|spec| spec.get("name").and_then(Value::as_str) == Some(container))
}

fn memory_limit_kib(pod: &Value, container: &str) -> Option<i128> {
    container_spec(pod, container)?
        .pointer("/resources/limits/memory")
        .and_then(Value::as_str)
        .and_then(|text| Quantity::parse(text).ok())
        .map(|limit| limit.units() / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;

    fn pod(annotations: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-7d9f8b6c5-x2x4q", "namespace": "shop", "uid": "u-1", "annotations": annotations},
            "spec": {"containers": [
                {"name": "app", "image": "nginx:1.27", "resources": {"limits": {"memory": "512Mi"}},
                 "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}},
                {"name": "sidecar", "image": "ghcr.io/acme/proxy:1.0"}
            ]}
        })
    }

    fn bound(at: SystemTime) -> Placement {
        Placement::Bound {
            node_name: "node-1".to_string(),
            host_ip: "10.0.1.21".to_string(),
            pod_ip: "10.244.1.7".to_string(),
            bound_at: at,
        }
    }

    fn start() -> SystemTime {
        from_unix_seconds(1_795_596_253)
    }

    /// `pod` bound at the start, with every reference present, `seconds` later.
    fn observed_at(pod: &Value, seconds: u64) -> PodObservation {
        observed_with(pod, &ConfigCheck::default(), seconds)
    }

    /// `pod` bound at the start, with its references as `check` found them.
    fn observed_with(pod: &Value, check: &ConfigCheck, seconds: u64) -> PodObservation {
        observe(
            pod,
            &bound(start()),
            check,
            &[],
            start() + Duration::from_secs(seconds),
        )
    }

    fn only_the_main_container(pod: &mut Value) {
        pod["spec"]["containers"]
            .as_array_mut()
            .expect("containers")
            .truncate(1);
    }

    fn reasons(observation: &PodObservation) -> Vec<(&'static str, u32)> {
        observation
            .events
            .iter()
            .map(|event| (event.reason, event.count))
            .collect()
    }

    #[test]
    fn a_running_pod_becomes_ready_after_its_ready_delay() {
        let pod = pod(json!({"sim.kubeop.dev/ready-delay": "4s"}));
        let creating = observed_at(&pod, 1);
        assert_eq!(creating.status["phase"], "Pending");
        assert_eq!(
            creating.status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ContainerCreating"
        );
        assert!(!creating.ready);

        let starting = observed_at(&pod, 3);
        assert_eq!(starting.status["phase"], "Running");
        assert_eq!(starting.status["containerStatuses"][0]["ready"], false);
        assert_eq!(
            starting.status["conditions"][2]["reason"],
            "ContainersNotReady"
        );

        let ready = observed_at(&pod, 5);
        assert!(ready.ready);
        assert_eq!(ready.status["podIP"], "10.244.1.7");
        assert_eq!(ready.status["hostIP"], "10.0.1.21");
        assert_eq!(ready.status["startTime"], "2026-11-25T08:44:13Z");
        assert_eq!(ready.status["qosClass"], "Burstable");
        assert_eq!(
            ready.status["containerStatuses"][0]["imageID"]
                .as_str()
                .map(|id| id.starts_with("docker.io/library/nginx@sha256:")),
            Some(true)
        );
        let expected = vec![
            ("Scheduled", 1),
            ("Pulling", 1),
            ("Pulling", 1),
            ("Pulled", 1),
            ("Created", 1),
            ("Started", 1),
            ("Pulled", 1),
            ("Created", 1),
            ("Started", 1),
        ];
        let mut got = reasons(&ready);
        got.sort();
        let mut expected_sorted = expected;
        expected_sorted.sort();
        assert_eq!(got, expected_sorted);
    }

    fn with_init_containers(pod: &mut Value) {
        pod["spec"]["initContainers"] = json!([
            {"name": "fetch", "image": "busybox:1.36"},
            {"name": "migrate", "image": "ghcr.io/acme/migrate:4"}
        ]);
    }

    #[test]
    fn init_containers_run_in_order_before_the_app_containers() {
        let mut pod = pod(json!({}));
        with_init_containers(&mut pod);
        let done = [InitOutcome::succeeds(), InitOutcome::succeeds()];
        let early = observe(
            &pod,
            &bound(start()),
            &ConfigCheck::default(),
            &done,
            start(),
        );
        assert_eq!(early.status["phase"], "Pending");
        assert!(early.status["initContainerStatuses"][0]["state"]["running"].is_object());
        assert_eq!(
            early.status["initContainerStatuses"][1]["state"]["waiting"]["reason"],
            "PodInitializing"
        );
        assert_eq!(
            early.status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "PodInitializing"
        );
        assert_eq!(early.status["conditions"][1]["type"], "Initialized");
        assert_eq!(early.status["conditions"][1]["status"], "False");
        let later = observe(
            &pod,
            &bound(start()),
            &ConfigCheck::default(),
            &done,
            start() + Duration::from_secs(10),
        );
        assert_eq!(later.status["phase"], "Running");
        assert!(later.ready);
        let finished = |index: usize| {
            later.status["initContainerStatuses"][index]["state"]["terminated"]["finishedAt"]
                .clone()
        };
        assert!(finished(0).as_str() < finished(1).as_str(), "in order");
        assert_eq!(
            later.status["initContainerStatuses"][1]["state"]["terminated"]["reason"],
            "Completed"
        );
    }

    #[test]
    fn a_failing_init_container_backs_off_or_fails_the_pod_under_never() {
        let mut pod = pod(json!({}));
        with_init_containers(&mut pod);
        let failing = [
            InitOutcome::succeeds(),
            InitOutcome::Exits {
                exit_code: 2,
                output: "boom\n".to_string(),
            },
        ];
        let looping = observed_with_init(&pod, &failing, 120);
        assert_eq!(looping.status["phase"], "Pending");
        let migrate = &looping.status["initContainerStatuses"][1];
        assert_eq!(migrate["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(migrate["lastState"]["terminated"]["exitCode"], 2);
        assert!(
            migrate["restartCount"]
                .as_u64()
                .is_some_and(|count| count >= 2)
        );
        assert_eq!(
            crate::table::pod_status(&with_status(&pod, &looping)),
            "Init:CrashLoopBackOff"
        );
        assert!(looping.events.iter().any(|event| event.reason == "BackOff"
            && event.subject
                == EventSubject::Pod {
                    field_path: Some("spec.initContainers{migrate}".to_string())
                }));

        pod["spec"]["restartPolicy"] = json!("Never");
        let failed = observed_with_init(&pod, &failing, 120);
        assert_eq!(failed.status["phase"], "Failed");
        assert_eq!(
            crate::table::pod_status(&with_status(&pod, &failed)),
            "Init:Error"
        );
    }

    #[test]
    fn a_waiting_init_container_holds_the_pod_at_init_n_of_m() {
        let mut pod = pod(json!({}));
        with_init_containers(&mut pod);
        let waiting = [
            InitOutcome::succeeds(),
            InitOutcome::Waits {
                before: String::new(),
                pass: "waiting\n".to_string(),
                period: Duration::from_secs(2),
            },
        ];
        let stuck = observed_with_init(&pod, &waiting, 3600);
        assert_eq!(stuck.status["phase"], "Pending");
        assert!(stuck.status["initContainerStatuses"][1]["state"]["running"].is_object());
        assert_eq!(
            crate::table::pod_status(&with_status(&pod, &stuck)),
            "Init:1/2"
        );
        assert_eq!(
            stuck.status["conditions"][1]["message"],
            "containers with incomplete status: [migrate]"
        );
    }

    fn observed_with_init(pod: &Value, init: &[InitOutcome], seconds: u64) -> PodObservation {
        observe(
            pod,
            &bound(start()),
            &ConfigCheck::default(),
            init,
            start() + Duration::from_secs(seconds),
        )
    }

    fn with_status(pod: &Value, observation: &PodObservation) -> Value {
        let mut observed = pod.clone();
        observed["status"] = observation.status.clone();
        observed
    }

    #[test]
    fn a_crashlooping_pod_shows_restarts_last_state_and_backoff() {
        let pod = pod(
            json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/exit-code": "2", "sim.kubeop.dev/restarts": "14"}),
        );
        let later = observed_at(&pod, 6 * 3600);
        let app = &later.status["containerStatuses"][0];
        assert_eq!(later.status["phase"], "Running");
        assert_eq!(app["restartCount"], 14);
        assert_eq!(app["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert!(app["state"]["waiting"]["message"].as_str().is_some_and(|m| m.starts_with("back-off 5m0s restarting failed container=app pod=web-7d9f8b6c5-x2x4q_shop(u-1)")));
        assert_eq!(app["lastState"]["terminated"]["exitCode"], 2);
        assert_eq!(app["lastState"]["terminated"]["reason"], "Error");
        assert_eq!(
            later.status["containerStatuses"][1]["ready"], true,
            "the sidecar is healthy"
        );
        assert!(!later.ready);
        let backoff = later
            .events
            .iter()
            .find(|event| event.reason == "BackOff")
            .expect("a BackOff event");
        assert_eq!(backoff.event_type, EventType::Warning);
        assert_eq!(
            backoff.message,
            "Back-off restarting failed container app in pod web-7d9f8b6c5-x2x4q_shop(u-1)"
        );
        assert!(backoff.count >= 14);
        let started = later
            .events
            .iter()
            .find(|event| event.reason == "Started" && event.message.ends_with("app"))
            .expect("Started");
        assert_eq!(started.count, 15);
    }

    #[test]
    fn crash_restarts_grow_with_backoff_when_not_pinned() {
        let pod = pod(json!({"sim.kubeop.dev/state": "crashloop"}));
        let restarts_at = |seconds| {
            observed_at(&pod, seconds).status["containerStatuses"][0]["restartCount"].clone()
        };
        assert_eq!(restarts_at(1), json!(0));
        // crash at 3.5s, restart at 13.5s, crash at 16.5s, restart at 36.5s, crash at 39.5s
        assert_eq!(restarts_at(5), json!(1));
        assert_eq!(restarts_at(20), json!(2));
        assert_eq!(restarts_at(45), json!(3));
    }

    #[test]
    fn a_pinned_restart_count_still_has_a_recent_last_crash() {
        let pod =
            pod(json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/restarts": "14"}));
        let now = start() + Duration::from_secs(12 * 24 * 3600);
        let observed = observe(&pod, &bound(start()), &ConfigCheck::default(), &[], now);
        let app = &observed.status["containerStatuses"][0];
        assert_eq!(app["restartCount"], 14);
        let finished = app["lastState"]["terminated"]["finishedAt"]
            .as_str()
            .and_then(crate::clock::parse_rfc3339)
            .expect("finishedAt");
        let ago = now.duration_since(finished).expect("in the past");
        assert!(
            ago <= MAX_BACKOFF + CRASHING_CONTAINER_RUN_TIME,
            "last crash {ago:?} ago"
        );
    }

    fn config_error_pod() -> Value {
        let mut pod = pod(json!({}));
        pod["spec"]["containers"][0]["env"] = json!([
            {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "LOG_LEVEL"}}}
        ]);
        pod
    }

    fn app_config(created: SystemTime) -> Value {
        json!({"metadata": {"name": "app-config", "namespace": "shop", "creationTimestamp": rfc3339(created)},
               "data": {"LOG_LEVEL": "info"}})
    }

    fn checked(pod: &Value, config_maps: &[Value]) -> ConfigCheck {
        config::check(
            pod,
            &ConfigObjects {
                config_maps,
                secrets: &[],
            },
        )
    }

    #[test]
    fn a_missing_config_map_keeps_the_container_in_create_container_config_error() {
        let pod = config_error_pod();
        let check = checked(&pod, &[]);
        let observed = observed_with(&pod, &check, 65);
        assert_eq!(observed.status["phase"], "Pending");
        assert!(!observed.ready);
        let app = &observed.status["containerStatuses"][0];
        assert_eq!(
            app["state"]["waiting"],
            json!({"reason": "CreateContainerConfigError", "message": "configmap \"app-config\" not found"})
        );
        assert_eq!(app["ready"], false);
        assert!(app.get("containerID").is_none(), "never created");
        assert!(
            observed.status["containerStatuses"][1]["state"]["running"].is_object(),
            "the sidecar still starts"
        );
        let failed = observed
            .events
            .iter()
            .find(|event| event.reason == "Failed")
            .expect("a Failed event");
        assert_eq!(failed.event_type, EventType::Warning);
        assert_eq!(failed.message, "Error: configmap \"app-config\" not found");
        assert_eq!(failed.component, "kubelet");
        assert_eq!(failed.count, 7, "retried every pod sync");
        assert!(observed.events.iter().any(|event| event.reason == "Pulled"
            && event.message == "Container image \"nginx:1.27\" already present on machine"));
    }

    #[test]
    fn the_container_starts_once_the_config_map_appears() {
        let pod = config_error_pod();
        let created = start() + Duration::from_secs(120);
        let present = [app_config(created)];
        let check = checked(&pod, &present);
        assert_eq!(check.container_error("app"), None);
        let starting = observe(&pod, &bound(start()), &check, &[], created);
        assert_eq!(starting.status["phase"], "Pending");
        assert_eq!(
            starting.status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ContainerCreating"
        );
        let later = observe(
            &pod,
            &bound(start()),
            &check,
            &[],
            created + Duration::from_secs(5),
        );
        assert_eq!(later.status["phase"], "Running");
        assert!(later.ready);
        assert_eq!(
            later.status["containerStatuses"][0]["state"]["running"]["startedAt"],
            rfc3339(created + DEFAULT_READY_DELAY / 2)
        );
    }

    #[test]
    fn a_missing_config_map_volume_fails_the_mount_and_creates_nothing() {
        let mut pod = pod(json!({}));
        pod["spec"]["volumes"] = json!([{"name": "conf", "configMap": {"name": "nginx-conf"}}]);
        let check = checked(&pod, &[]);
        let observed = observed_with(&pod, &check, 600);
        assert_eq!(observed.status["phase"], "Pending");
        for container in observed.status["containerStatuses"]
            .as_array()
            .expect("statuses")
        {
            assert_eq!(container["state"]["waiting"]["reason"], "ContainerCreating");
        }
        assert_eq!(
            observed.status["conditions"][0]["type"],
            "PodReadyToStartContainers"
        );
        assert_eq!(observed.status["conditions"][0]["status"], "False");
        let mount = observed
            .events
            .iter()
            .find(|event| event.reason == "FailedMount")
            .expect("FailedMount");
        assert_eq!(
            mount.message,
            "MountVolume.SetUp failed for volume \"conf\" : configmap \"nginx-conf\" not found"
        );
        assert!(mount.count >= 8, "retried with back-off: {}", mount.count);
        assert!(
            observed
                .events
                .iter()
                .all(|event| event.reason != "Pulling")
        );
    }

    #[test]
    fn an_oomkilled_pod_reports_exit_137_and_a_node_oom_event() {
        let pod = pod(json!({"sim.kubeop.dev/state": "oomkilled", "sim.kubeop.dev/restarts": "6"}));
        let later = observed_at(&pod, 3600);
        let last = &later.status["containerStatuses"][0]["lastState"]["terminated"];
        assert_eq!(last["exitCode"], 137);
        assert_eq!(last["reason"], "OOMKilled");
        assert_eq!(later.status["containerStatuses"][0]["restartCount"], 6);
        let oom = later
            .events
            .iter()
            .find(|event| event.reason == "OOMKilling")
            .expect("OOMKilling");
        assert_eq!(oom.subject, EventSubject::Node("node-1".to_string()));
        assert!(oom.message.contains("anon-rss:524288kB"), "{}", oom.message);
    }

    #[test]
    fn an_image_pull_failure_goes_from_err_image_pull_to_back_off() {
        let pod = pod(json!({"sim.kubeop.dev/state": "imagepullbackoff"}));
        let early = observed_at(&pod, 0);
        assert_eq!(
            early.status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ErrImagePull"
        );
        let later = observed_at(&pod, 120);
        assert_eq!(later.status["phase"], "Pending");
        let waiting = &later.status["containerStatuses"][0]["state"]["waiting"];
        assert_eq!(waiting["reason"], "ImagePullBackOff");
        assert!(
            waiting["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Back-off pulling image \"nginx:1.27\""))
        );
        let messages: Vec<&str> = later
            .events
            .iter()
            .map(|event| event.message.as_str())
            .collect();
        assert!(messages.contains(&"Error: ErrImagePull"));
        assert!(messages.contains(&"Error: ImagePullBackOff"));
        assert!(messages.iter().any(|m| {
            m.starts_with("Failed to pull image \"nginx:1.27\": rpc error: code = NotFound")
        }));
        let pulling = later
            .events
            .iter()
            .find(|event| event.reason == "Pulling" && event.message.contains("nginx"))
            .expect("Pulling");
        assert!(
            pulling.count >= 3,
            "pull retried with back-off: {}",
            pulling.count
        );
    }

    #[test]
    fn a_private_registry_refuses_a_pull_without_credentials() {
        let mut pod = pod(json!({"sim.kubeop.dev/state": "imagepullbackoff"}));
        pod["spec"]["containers"][0]["image"] = json!("registry.acme.internal/shop/web:1.0");
        pod["spec"]["imagePullSecrets"] = json!([{"name": "regcred"}]);
        let check = ConfigCheck {
            missing_pull_secrets: vec!["regcred".into()],
            ..ConfigCheck::default()
        };
        let refused = observed_with(&pod, &check, 0);
        let message = refused.status["containerStatuses"][0]["state"]["waiting"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(message.starts_with("rpc error: code = Unknown desc = failed to pull and unpack image \"registry.acme.internal/shop/web:1.0\""), "{message}");
        assert!(message.ends_with("unexpected status from HEAD request to https://registry.acme.internal/v2/shop/web/manifests/1.0: 401 Unauthorized"), "{message}");
        assert!(refused.events.iter().any(|event| event.reason == "FailedToRetrieveImagePullSecret"
            && event.message == "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed."));
        // With credentials the registry answers about the tag.
        let credentials = ConfigCheck {
            has_pull_credentials: true,
            ..ConfigCheck::default()
        };
        let missing_tag = observed_with(&pod, &credentials, 0);
        assert!(
            missing_tag.status["containerStatuses"][0]["state"]["waiting"]["message"]
                .as_str()
                .is_some_and(|message| message.starts_with("rpc error: code = NotFound"))
        );
    }

    #[test]
    fn image_references_are_parsed_like_the_kubelet_does() {
        for valid in [
            "nginx",
            "nginx:1.27",
            "ghcr.io/acme/web:2.0.1-rc.1",
            "localhost:5000/tools/debug",
            "registry.acme.internal:8443/team/app@sha256:abc",
        ] {
            assert_eq!(invalid_image_reference(valid), None, "{valid}");
        }
        assert_eq!(
            invalid_image_reference("ghcr.io/Acme/web:1.0").as_deref(),
            Some("invalid reference format: repository name (Acme/web) must be lowercase")
        );
        assert_eq!(
            invalid_image_reference("Nginx:1.27").as_deref(),
            Some("invalid reference format: repository name (library/Nginx) must be lowercase")
        );
        assert_eq!(
            invalid_image_reference("nginx::1.27").as_deref(),
            Some("invalid reference format")
        );
        assert_eq!(
            invalid_image_reference("acme/web:-1").as_deref(),
            Some("invalid reference format")
        );
    }

    #[test]
    fn an_unschedulable_pod_is_pending_with_the_schedulers_reason() {
        let pod = pod(json!({}));
        let placement = Placement::Unschedulable {
            message: "0/3 nodes are available: 3 Insufficient memory.".to_string(),
            since: start(),
        };
        let observation = observe(
            &pod,
            &placement,
            &ConfigCheck::default(),
            &[],
            start() + Duration::from_secs(10),
        );
        assert_eq!(observation.status["phase"], "Pending");
        assert_eq!(observation.status["conditions"][0]["type"], "PodScheduled");
        assert_eq!(observation.status["conditions"][0]["status"], "False");
        assert_eq!(
            observation.status["conditions"][0]["reason"],
            "Unschedulable"
        );
        assert!(observation.status.get("podIP").is_none());
        assert_eq!(observation.events[0].reason, "FailedScheduling");
        assert_eq!(observation.events[0].component, "default-scheduler");
        assert_eq!(
            observation.events[0].message,
            "0/3 nodes are available: 3 Insufficient memory."
        );
    }

    #[test]
    fn a_not_ready_pod_runs_with_failing_readiness() {
        let pod = pod(json!({"sim.kubeop.dev/state": "not-ready"}));
        let observation = observed_at(&pod, 60);
        assert_eq!(observation.status["phase"], "Running");
        assert!(observation.status["containerStatuses"][0]["state"]["running"].is_object());
        assert_eq!(observation.status["containerStatuses"][0]["ready"], false);
        assert!(!observation.ready);
        let unhealthy = observation
            .events
            .iter()
            .find(|event| event.reason == "Unhealthy")
            .expect("Unhealthy");
        assert_eq!(
            unhealthy.message,
            "Readiness probe failed: HTTP probe failed with statuscode: 503"
        );
        assert!(unhealthy.count >= 11);
    }

    /// A one-container pod serving `serves`, its liveness probe asking
    /// `path` on port 8080 every second, killed after two failures.
    fn liveness_probed(serves: &str, path: &str) -> Value {
        let mut pod = pod(json!({"sim.kubeop.dev/serves": serves}));
        only_the_main_container(&mut pod);
        let app = &mut pod["spec"]["containers"][0];
        app["ports"] = json!([{"containerPort": 8080}]);
        app["livenessProbe"] = json!({"httpGet": {"path": path, "port": 8080},
            "initialDelaySeconds": 1, "periodSeconds": 1, "failureThreshold": 2});
        app["readinessProbe"] =
            json!({"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5});
        pod
    }

    fn event<'a>(observation: &'a PodObservation, reason: &str) -> Option<&'a EventRecord> {
        observation
            .events
            .iter()
            .find(|event| event.reason == reason)
    }

    #[test]
    fn a_failing_liveness_probe_gets_the_container_killed_and_restarted() {
        let pod = liveness_probed("8080/ready 8080/live", "/healthz");
        // Started at 0.5s; failures at 1.5s and 2.5s: killed, back-off 10s.
        let first = observed_at(&pod, 2);
        assert_eq!(first.status["containerStatuses"][0]["restartCount"], 0);
        assert!(event(&first, "Killing").is_none());
        let killed = observed_at(&pod, 5);
        let status = &killed.status["containerStatuses"][0];
        assert_eq!(status["restartCount"], 1);
        assert_eq!(status["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(status["lastState"]["terminated"]["exitCode"], 137);
        let killing = event(&killed, "Killing").expect("Killing");
        assert_eq!(
            killing.message,
            "Container app failed liveness probe, will be restarted"
        );
        let unhealthy = event(&killed, "Unhealthy").expect("Unhealthy");
        assert_eq!(
            unhealthy.message,
            "Liveness probe failed: HTTP probe failed with statuscode: 404"
        );
        assert_eq!(unhealthy.count, 2);
        // Restarted at 12.5s: running (and ready) again until the next kill.
        let again = observed_at(&pod, 13);
        let status = &again.status["containerStatuses"][0];
        assert!(status["state"]["running"].is_object(), "{status}");
        assert_eq!(status["ready"], true);
        assert_eq!(status["restartCount"], 1);
        let later = observed_at(&pod, 600);
        assert!(later.status["containerStatuses"][0]["restartCount"].as_u64() > Some(4));
    }

    #[test]
    fn probes_against_what_the_pod_serves_pass() {
        let pod = liveness_probed("8080/healthz 8080/ready", "/healthz");
        let observation = observed_at(&pod, 120);
        assert!(observation.ready);
        assert!(event(&observation, "Unhealthy").is_none());
        let refused = liveness_probed("9090", "/healthz");
        let observation = observed_at(&refused, 3);
        let unhealthy: Vec<&str> = observation
            .events
            .iter()
            .filter(|event| event.reason == "Unhealthy")
            .map(|event| event.message.as_str())
            .collect();
        assert!(unhealthy.contains(&"Readiness probe failed: Get \"http://10.244.1.7:8080/ready\": dial tcp 10.244.1.7:8080: connect: connection refused"), "{unhealthy:?}");
        assert!(!observation.ready);
    }

    #[test]
    fn an_init_container_whose_image_is_missing_backs_off_pulling_it() {
        let mut pod = pod(json!({"sim.kubeop.dev/missing-images": "ghcr.io/acme/migrate:9.9"}));
        with_init_containers(&mut pod);
        pod["spec"]["initContainers"][0]["image"] = json!("ghcr.io/acme/migrate:9.9");
        let init_name = pod["spec"]["initContainers"][0]["name"].clone();
        let observation = observed_at(&pod, 25);
        assert_eq!(observation.status["phase"], "Pending");
        let status = &observation.status["initContainerStatuses"][0];
        assert_eq!(status["name"], init_name);
        assert_eq!(status["state"]["waiting"]["reason"], "ImagePullBackOff");
        assert!(observation.events.iter().any(|event| {
            event
                .message
                .starts_with("Failed to pull image \"ghcr.io/acme/migrate:9.9\"")
        }));
        assert_eq!(
            crate::table::pod_status(&with_status(&pod, &observation)),
            "Init:ImagePullBackOff"
        );
    }

    #[test]
    fn a_pod_running_to_completion_is_ready_until_it_ends() {
        let mut pod = pod(json!({"sim.kubeop.dev/state": "completed"}));
        only_the_main_container(&mut pod);
        pod["spec"]["restartPolicy"] = json!("OnFailure");
        let observation = observed_at(&pod, 2);
        assert_eq!(observation.status["phase"], "Running");
        assert_eq!(observation.status["containerStatuses"][0]["ready"], true);
        let ready = observation.status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|condition| condition["type"] == "Ready")
            .cloned();
        assert_eq!(
            ready.map(|condition| condition["status"].clone()),
            Some(json!("True")),
            "{}",
            observation.status
        );
    }

    #[test]
    fn a_completed_pod_succeeds() {
        let mut pod = pod(json!({"sim.kubeop.dev/state": "completed"}));
        only_the_main_container(&mut pod);
        pod["spec"]["restartPolicy"] = json!("OnFailure");
        let observation = observed_at(&pod, 60);
        assert_eq!(observation.status["phase"], "Succeeded");
        assert_eq!(
            observation.status["containerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );
        assert_eq!(
            observation.status["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            0
        );
        assert_eq!(
            observation.status["conditions"][2]["reason"],
            "PodCompleted"
        );
    }

    #[test]
    fn a_failing_pod_that_never_restarts_is_failed() {
        let mut pod =
            pod(json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/exit-code": "3"}));
        only_the_main_container(&mut pod);
        pod["spec"]["restartPolicy"] = json!("Never");
        let observation = observed_at(&pod, 60);
        assert_eq!(observation.status["phase"], "Failed");
        assert_eq!(
            observation.status["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            3
        );
    }

    #[test]
    fn image_references_are_qualified_like_containerd_does() {
        assert_eq!(
            full_image_reference("nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            full_image_reference("nginx:1.27"),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(
            full_image_reference("grafana/grafana:11.2.0"),
            "docker.io/grafana/grafana:11.2.0"
        );
        assert_eq!(
            full_image_reference("ghcr.io/acme/api:2"),
            "ghcr.io/acme/api:2"
        );
        assert_eq!(
            full_image_reference("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
    }

    #[test]
    fn qos_classes_follow_requests_and_limits() {
        let with = |resources: Value| json!({"spec": {"containers": [{"name": "a", "resources": resources}]}});
        assert_eq!(qos_class(&with(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&with(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&with(json!({"requests": {"cpu": "1"}}))),
            "Burstable"
        );
    }
}
