//! The pure half of the pod-failure playbook: from what was read to a named
//! cause, quoted evidence and, when the evidence determines it, a fix.

use serde_json::{Value, json};

use super::{PodFacts, Symptom};
use crate::diagnosis::parse::Event;
use crate::diagnosis::pod_status::{ContainerState, PodState, exit_code_meaning, symptom};
use crate::diagnosis::proposal::{self, ProposedChange};
use crate::diagnosis::quantity::{Cpu, Memory};
use crate::diagnosis::{Cause, Diagnosis, Evidence, ObjectRef};

mod image_name;
mod init;
mod node;
mod owners;
mod probes;

/// An OOMKilled container's limit is raised by this much (design.md, item 7).
pub const OOM_LIMIT_RAISE_PERCENT: u64 = 20;

/// A node at or above this share of its memory is under pressure: a higher
/// limit there moves the problem rather than solving it.
pub const NODE_MEMORY_PRESSURE_PERCENT: u64 = 90;

/// At most this many log lines are quoted.
pub const MAX_QUOTED_LOG_LINES: usize = 5;

/// Words that mark a log line as an error worth quoting.
const ERROR_MARKERS: [&str; 14] = [
    "error",
    "exception",
    "fatal",
    "panic",
    "fail",
    "denied",
    "refused",
    "killed",
    "cannot",
    "unable",
    "not found",
    "traceback",
    "out of memory",
    "timeout",
];

/// The lines of a log that read as errors, last ones kept, and always the
/// log's last line: the end of a crashed container's log is where it died,
/// even when that line has no error word in it.
pub fn error_lines(log: &str) -> Vec<String> {
    // A stack trace's frames (`\tat com.acme.Job.run(Job.java:88)`) say
    // where, not what: the line that threw is the one to quote.
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with("at "))
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            ERROR_MARKERS.iter().any(|marker| lower.contains(marker))
        })
        .collect();
    let mut chosen = errors;
    if let Some(last) = lines.last().copied()
        && chosen.last() != Some(&last)
    {
        chosen.push(last);
    }
    let skip = chosen.len().saturating_sub(MAX_QUOTED_LOG_LINES);
    chosen.into_iter().skip(skip).map(str::to_string).collect()
}

/// `1 time`, `6 times`.
fn times(count: u64) -> String {
    if count == 1 {
        "1 time".to_string()
    } else {
        format!("{count} times")
    }
}

/// The workload whose pod template a fix should change: the Deployment (not
/// its ReplicaSet, which the Deployment would overwrite), StatefulSet or
/// DaemonSet. Jobs are left out: their template cannot be changed.
fn workload(facts: &PodFacts) -> Option<&Value> {
    let editable = ["Deployment", "StatefulSet", "DaemonSet"];
    facts
        .owners
        .iter()
        .rev()
        .find(|owner| editable.iter().any(|kind| owner["kind"] == *kind))
        .or_else(|| {
            facts.owners.iter().find(|owner| {
                owner["kind"] == "ReplicaSet" && super::controller_of(owner).is_none()
            })
        })
}

fn describe(object: &Value) -> String {
    format!(
        "{} {}",
        object["kind"].as_str().unwrap_or("object"),
        object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
    )
}

/// The facts shared by every conclusion.
struct Context<'a> {
    facts: &'a PodFacts,
    state: PodState,
    subject: ObjectRef,
    evidence: Vec<Evidence>,
    next_steps: Vec<String>,
}

impl<'a> Context<'a> {
    fn new(facts: &'a PodFacts) -> Context<'a> {
        let state = PodState::read(&facts.pod);
        let subject = ObjectRef::namespaced("v1", "Pod", &state.name, &state.namespace);
        let mut context = Context {
            facts,
            state,
            subject,
            evidence: Vec::new(),
            next_steps: Vec::new(),
        };
        if !facts.owners.is_empty() {
            let chain: Vec<String> = std::iter::once(format!("Pod {}", context.state.name))
                .chain(facts.owners.iter().map(describe))
                .collect();
            context
                .evidence
                .push(Evidence::new("owner chain", chain.join(" → ")));
        }
        context
    }

    fn pod_source(&self) -> String {
        format!("pod {}/{} status", self.state.namespace, self.state.name)
    }

    fn events(&self, matches: impl Fn(&Event) -> bool) -> Vec<&'a Event> {
        self.facts
            .events
            .iter()
            .filter(|event| matches(event))
            .collect()
    }

    fn quote_events(&mut self, matches: impl Fn(&Event) -> bool) -> usize {
        let events = self.events(matches);
        for event in &events {
            self.evidence.push(Evidence::new(
                format!("event on {} {}", event.object_kind, event.object_name),
                format!("{} {}: {}", event.event_type, event.reason, event.message),
            ));
        }
        events.len()
    }

    fn quote_logs(&mut self, container: &str) {
        let (which, log) = match (&self.facts.previous_logs, &self.facts.current_logs) {
            (Some(log), _) => ("previous", log),
            (None, Some(log)) => ("current", log),
            (None, None) => return,
        };
        let kind = if self.container(container).is_some_and(|state| state.init) {
            "init container"
        } else {
            "container"
        };
        for line in error_lines(log) {
            self.evidence.push(Evidence::new(
                format!("{which} logs of {kind} {container}"),
                line,
            ));
        }
    }

    fn container(&self, name: &str) -> Option<&ContainerState> {
        self.state.container(name)
    }

    fn finish(self, cause: Cause, summary: String, proposal: Option<ProposedChange>) -> Diagnosis {
        Diagnosis::new(
            self.subject,
            cause,
            summary,
            self.evidence,
            proposal,
            self.next_steps,
        )
    }
}

/// Names the cause of the pod's failure from the facts alone.
pub fn conclude(facts: &PodFacts) -> Diagnosis {
    let mut context = Context::new(facts);
    let found = symptom(&context.state);
    // On a node that is not Ready the pod's status is the last the kubelet
    // sent: the node is the cause (an eviction already says why it ended).
    if let Some(node) = facts
        .node
        .as_ref()
        .filter(|node| !crate::diagnosis::node::is_ready(node))
        && !matches!(found, Symptom::Evicted { .. })
    {
        return node::node_not_ready(context, node);
    }
    match found {
        Symptom::Evicted { message } => node::evicted(context, &message),
        Symptom::OomKilled {
            container,
            restarts,
        } => oom_killed(context, &container, restarts),
        Symptom::Crashing {
            container,
            exit_code,
            reason,
            restarts,
            waiting_reason,
        } => crashing(
            context,
            &container,
            exit_code,
            &reason,
            restarts,
            waiting_reason,
        ),
        Symptom::ImagePull {
            container,
            image,
            reason,
            message,
        } => image_pull(context, &container, &image, &reason, &message),
        Symptom::ConfigError { container, message } => config_error(context, &container, &message),
        Symptom::Unschedulable { message } => unschedulable(context, &message),
        Symptom::InitWaiting {
            container,
            completed,
            total,
            since,
        } => init::waiting(context, &container, (completed, total), &since),
        Symptom::NotReady { container } => {
            let container =
                super::readiness_failing_container(&facts.pod, &facts.events, &container);
            probes::not_ready(context, &container)
        }
        Symptom::Healthy => {
            if let Some(message) = failed_mount(&context) {
                return mount_failure(context, &message);
            }
            if let Some(container) = probes::failing_liveness(&context) {
                return probes::killed_by_probe(
                    context,
                    &container,
                    "liveness",
                    "not restarted yet",
                );
            }
            let quote = format!(
                "phase {}, {}",
                context.state.phase,
                context
                    .state
                    .containers
                    .iter()
                    .map(|container| format!(
                        "{} ready={} restarts={}",
                        container.name, container.ready, container.restart_count
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let source = context.pod_source();
            context.evidence.insert(0, Evidence::new(source, quote));
            let summary = format!("Pod {} is not failing.", context.state.name);
            context.finish(Cause::NoFailureFound, summary, None)
        }
    }
}

fn termination_quote(container: &ContainerState) -> Option<String> {
    let end = container
        .terminated
        .as_ref()
        .or(container.last_terminated.as_ref())?;
    let mut quote = format!(
        "container {} last terminated: reason {}, exit code {} ({})",
        container.name,
        if end.reason.is_empty() {
            "unknown"
        } else {
            &end.reason
        },
        end.exit_code,
        exit_code_meaning(end.exit_code)
    );
    if !end.message.is_empty() {
        quote.push_str(&format!(", message: {}", end.message));
    }
    Some(quote)
}

fn container_spec<'a>(facts: &'a PodFacts, container: &str) -> Option<&'a Value> {
    proposal::container(&facts.pod, container)
}

fn oom_killed(mut context: Context<'_>, container: &str, restarts: u64) -> Diagnosis {
    let source = context.pod_source();
    if let Some(quote) = context.container(container).and_then(termination_quote) {
        context
            .evidence
            .insert(0, Evidence::new(source.clone(), quote));
    }
    context.evidence.push(Evidence::new(
        source,
        format!("container {container} restarted {}", times(restarts)),
    ));
    let limit_text = container_spec(context.facts, container)
        .and_then(|spec| spec.pointer("/resources/limits/memory"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let limit = limit_text
        .as_deref()
        .and_then(|text| Memory::parse(text).ok());
    if let Some(text) = &limit_text {
        context.evidence.push(Evidence::new(
            format!("spec of container {container}"),
            format!("resources.limits.memory: {text}"),
        ));
    }
    if let Some(usage) = context.facts.memory_usage {
        let share = limit
            .map(|limit| format!(" ({}% of the {limit} limit)", usage.percent_of(limit)))
            .unwrap_or_default();
        context.evidence.push(Evidence::new(
            "pods_top",
            format!("container {container} uses {usage} of memory now{share}"),
        ));
    }
    let mut warnings = Vec::new();
    if let Some(node) = &context.facts.node_memory {
        let percent = node
            .percent
            .map(|percent| format!(" ({percent}% of allocatable)"))
            .unwrap_or_default();
        context.evidence.push(Evidence::new(
            "nodes_top",
            format!("node {} uses {} of memory{percent}", node.node, node.usage),
        ));
        if node
            .percent
            .is_some_and(|percent| percent >= NODE_MEMORY_PRESSURE_PERCENT)
        {
            warnings.push(format!(
                "Node {} is already at {}% memory: a higher limit may move the pressure to the node.",
                node.node,
                node.percent.unwrap_or_default()
            ));
        }
    }
    context.quote_events(|event| event.is_warning());
    context.quote_logs(container);
    context.next_steps.push(format!(
        "show the previous logs of pod {} in {}",
        context.state.name, context.state.namespace
    ));
    let Some(limit) = limit else {
        let summary = format!(
            "Container {container} of pod {} was OOMKilled (exit code 137) without a memory limit of its own: the node ran out of memory.",
            context.state.name
        );
        context.next_steps.push("show node usage".to_string());
        return context.finish(Cause::OomKilled, summary, None);
    };
    // The new limit grows from what the container actually needed: the
    // larger of its limit and its live use.
    let base = context
        .facts
        .memory_usage
        .map_or(limit, |usage| usage.max(limit));
    let new_limit = base.raised_by_percent(OOM_LIMIT_RAISE_PERCENT);
    let proposal = workload(context.facts).and_then(|owner| {
        proposal::set_memory_limit(
            owner,
            container,
            &limit.to_string(),
            &new_limit.to_string(),
            warnings.clone(),
        )
    });
    let fix = match &proposal {
        Some(change) => format!(" Proposed: raise it to {new_limit} on {}.", change.target),
        None => format!(
            " The pod has no workload to change: recreate it with a memory limit of {new_limit}."
        ),
    };
    let summary = format!(
        "Container {container} of pod {} was OOMKilled (exit code 137): it needs more than its {limit} memory limit.{fix}",
        context.state.name
    );
    context.finish(Cause::OomKilled, summary, proposal)
}

fn crashing(
    mut context: Context<'_>,
    container: &str,
    exit_code: i64,
    reason: &str,
    restarts: u64,
    waiting_reason: Option<String>,
) -> Diagnosis {
    let source = context.pod_source();
    let init = context.container(container).is_some_and(|state| state.init);
    let kind = if init { "init container" } else { "container" };
    let state_quote = match &waiting_reason {
        Some(waiting) => {
            format!(
                "{kind} {container} is waiting: {waiting}, restarted {}",
                times(restarts)
            )
        }
        None if restarts == 0 => format!(
            "{kind} {container} terminated, phase {}",
            context.state.phase
        ),
        None => format!("{kind} {container} restarted {}", times(restarts)),
    };
    context
        .evidence
        .insert(0, Evidence::new(source.clone(), state_quote));
    if let Some(quote) = context.container(container).and_then(termination_quote) {
        context.evidence.insert(1, Evidence::new(source, quote));
    }
    let pod_name = context.state.name.clone();
    let namespace = context.state.namespace.clone();
    // Liveness first: its failures mean the startup probe once passed.
    if !init
        && let Some(probe) = ["liveness", "startup"]
            .into_iter()
            .find(|probe| !probes::probe_failures(&context, probe).is_empty())
    {
        let killed = format!("exit code {exit_code}, {restarts} restarts");
        return probes::killed_by_probe(context, container, probe, &killed);
    }
    let message = context
        .container(container)
        .and_then(|state| state.terminated.as_ref().or(state.last_terminated.as_ref()))
        .map(|end| end.message.clone())
        .unwrap_or_default();
    let command_missing = matches!(exit_code, 126 | 127)
        || message.contains("executable file not found")
        || message.contains("no such file or directory");
    let command = container_spec(context.facts, container).map(|spec| {
        ["command", "args"]
            .into_iter()
            .filter_map(|field| spec.get(field).map(|value| format!("{field}: {value}")))
            .collect::<Vec<String>>()
    });
    if command_missing && let Some(command) = command.filter(|command| !command.is_empty()) {
        context.evidence.push(Evidence::new(
            format!("spec of {kind} {container}"),
            command.join(", "),
        ));
    }
    context.quote_logs(container);
    context.quote_events(|event| event.is_warning());
    let meaning = exit_code_meaning(exit_code);
    let reason_text = if reason.is_empty() {
        String::new()
    } else {
        format!(", reason {reason}")
    };
    let exits = format!("it exits with code {exit_code}{reason_text} ({meaning})");
    let image = context
        .container(container)
        .map(|state| state.image.clone())
        .unwrap_or_default();
    // What the crashed process printed last about an error is, far more
    // often than its exit code, what names the cause.
    let log = context
        .facts
        .previous_logs
        .as_deref()
        .or(context.facts.current_logs.as_deref())
        .filter(|log| !log.trim().is_empty());
    let logged = match log {
        _ if init => Logged::NotRead,
        None => Logged::NotRead,
        Some(log) => cause_line(log).map_or(Logged::NoError, Logged::Cause),
    };
    let explanation = crash_explanation(exit_code, reason, command_missing, &image, &logged);
    if let Some(job) = owners::job(context.facts) {
        return owners::job_failed(context, job, container, &exits, &explanation);
    }
    // The pod's default log is its app container's, which never ran while
    // an init container fails: name the init container.
    context.next_steps.push(if init {
        format!("show the previous logs of container {container} in {pod_name} in {namespace}")
    } else {
        format!("show the previous logs of pod {pod_name} in {namespace}")
    });
    if let Some(owner) = workload(context.facts) {
        context.next_steps.push(format!(
            "show {} in {namespace}",
            describe(owner).to_ascii_lowercase()
        ));
    }
    // What a failing init container printed last is usually the reason.
    let last_line = if init {
        context
            .facts
            .previous_logs
            .as_deref()
            .or(context.facts.current_logs.as_deref())
            .and_then(|log| log.lines().rev().find(|line| !line.trim().is_empty()))
            .map(|line| format!(" Its log ends with \"{}\".", line.trim_end()))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let status = if init {
        let shown = waiting_reason.as_deref().map_or_else(
            || "Init:Error".to_string(),
            |waiting| format!("Init:{waiting}"),
        );
        format!(
            "Init container {container} of pod {pod_name} fails ({shown}): {exits}, so the pod's app containers never start (PodInitializing)"
        )
    } else if restarts == 0 && waiting_reason.is_none() {
        format!("Container {container} of pod {pod_name} failed: {exits}")
    } else {
        format!(
            "Container {container} of pod {pod_name} is in CrashLoopBackOff: {exits} and has restarted {}",
            times(restarts)
        )
    };
    let (rollout_note, proposal) = owners::stuck_rollout(&mut context, container);
    let summary = format!("{status}.{last_line} {explanation}{rollout_note}");
    context.finish(Cause::CrashLoopBackOff, summary, proposal)
}

/// Words that mark a log line as the application reporting its own failure
/// (narrower than [`ERROR_MARKERS`]: "refused" or "timeout" may be a retry
/// the application survived; the line it died on says error, fatal, panic
/// or exception).
const CAUSE_MARKERS: [&str; 5] = ["error", "fatal", "panic", "exception", "traceback"];

/// Words of the line a process says goodbye with ("configuration file
/// contains errors, aborting"): it reports that it failed, not why, so an
/// earlier error line that says why is the one to quote.
const FAREWELL_MARKERS: [&str; 6] = [
    "aborting",
    "exiting",
    "shutting down",
    "giving up",
    "terminating",
    "stopping",
];

/// The log line that names why the process ended: the last one reporting an
/// error, a fatal condition, a panic or an exception (a stack trace's frames,
/// indented `at ...` lines, are skipped for the line that throws), passing
/// over a farewell after which nothing more specific follows. `None` when
/// the log reports none.
pub fn cause_line(log: &str) -> Option<String> {
    let errors: Vec<&str> = log
        .lines()
        .rev()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("at "))
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            CAUSE_MARKERS.iter().any(|marker| lower.contains(marker))
        })
        .collect();
    let farewell = |line: &str| {
        let lower = line.to_ascii_lowercase();
        FAREWELL_MARKERS.iter().any(|marker| lower.contains(marker))
    };
    errors
        .iter()
        .find(|line| !farewell(line))
        .or(errors.first())
        .map(|line| (*line).to_owned())
}

/// What a crashed container's log says about its end.
enum Logged {
    /// No log was read (or it was empty).
    NotRead,
    /// The log reports no error.
    NoError,
    /// The line that names the cause ([`cause_line`]).
    Cause(String),
}

/// What a crash's exit code, and the line its log names the cause in, say
/// about where to look; never a guessed fix.
fn crash_explanation(
    exit_code: i64,
    reason: &str,
    command_missing: bool,
    image: &str,
    logged: &Logged,
) -> String {
    if command_missing {
        return format!(
            "The command it runs does not exist or cannot be executed in image {image}: fix the command/args or the image; kubeop does not guess the right command."
        );
    }
    let by_code = match exit_code {
        0 => Some(
            "Its main process ends successfully, and a restartPolicy of Always starts it again: the process must stay in the foreground (or this belongs in a Job).",
        ),
        137 if reason != "OOMKilled" => Some(
            "It was killed with SIGKILL, but not by the OOM killer and not after a recorded liveness failure: something stopped it forcibly (a stop that outlived terminationGracePeriodSeconds, or a process inside the container).",
        ),
        139 => Some(
            "It crashed with a segmentation fault: a bug or an incompatible native library in the image.",
        ),
        143 => Some(
            "It was asked to stop (SIGTERM) without a recorded liveness failure: check what stops it.",
        ),
        _ => None,
    };
    match (by_code, logged) {
        (Some(by_code), Logged::Cause(line)) => {
            format!("{by_code} Its last logged error: \"{line}\".")
        }
        (Some(by_code), _) => by_code.to_string(),
        (None, Logged::Cause(line)) => format!("Its log names the cause: \"{line}\"."),
        (None, Logged::NoError) => "The cause is in the application or its configuration; its log reports no error, so its last lines (quoted below) show where it stopped.".to_string(),
        (None, Logged::NotRead) => "The cause is in the application or its configuration; no log of the crashed container could be read, so its exit code is all there is to go by.".to_string(),
    }
}

/// Words in a pull failure that mean the registry refused credentials.
const PULL_AUTH_MARKERS: [&str; 7] = [
    "unauthorized",
    "authentication required",
    "pull access denied",
    "denied",
    "forbidden",
    "401",
    "403",
];

/// Words in a pull failure that mean the registry has no such image.
const PULL_NOT_FOUND_MARKERS: [&str; 3] = ["not found", "manifest unknown", "code = notfound"];

/// The registry host of an image reference (`docker.io` when none is named).
pub fn registry_host(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

fn image_pull(
    mut context: Context<'_>,
    container: &str,
    image: &str,
    reason: &str,
    message: &str,
) -> Diagnosis {
    if reason == "InvalidImageName" {
        return image_name::invalid_reference(context, container, image, message);
    }
    let source = context.pod_source();
    // An init container that cannot be pulled holds every app container
    // back: the pod shows `Init:ImagePullBackOff` and the answer names it.
    let init = context.container(container).is_some_and(|state| state.init);
    let (who, kind, shown, held) = if init {
        (
            "Init container",
            "init container",
            format!("Init:{reason}"),
            ", so the pod's app containers never start (PodInitializing)",
        )
    } else {
        ("Container", "container", reason.to_string(), "")
    };
    let waiting = if message.is_empty() {
        format!("{kind} {container} is waiting: {reason}")
    } else {
        format!("{kind} {container} is waiting: {reason}: {message}")
    };
    context.evidence.insert(0, Evidence::new(source, waiting));
    context.evidence.push(Evidence::new(
        format!("spec of container {container}"),
        format!("image: {image}"),
    ));
    let pull_events = context.quote_events(|event| {
        event.is_warning()
            && (event.reason == "Failed"
                || event.reason == "FailedToRetrieveImagePullSecret"
                || event.message.contains("image"))
    });
    let all_text: String = std::iter::once(message.to_ascii_lowercase())
        .chain(
            context
                .events(|event| event.is_warning())
                .iter()
                .map(|event| event.message.to_ascii_lowercase()),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let not_found = PULL_NOT_FOUND_MARKERS
        .iter()
        .any(|marker| all_text.contains(marker));
    let refused = !not_found
        && PULL_AUTH_MARKERS
            .iter()
            .any(|marker| all_text.contains(marker));
    let namespace = context.state.namespace.clone();
    let named_secrets = super::pull_secret_names(&context.facts.pod);
    let missing = context.facts.missing_pull_secrets.clone();
    for secret in &missing {
        context.evidence.push(Evidence::new(
            "imagePullSecrets",
            format!("Secret {namespace}/{secret} named by the pod does not exist"),
        ));
    }
    if named_secrets.is_empty() {
        context.evidence.push(Evidence::new(
            "pod spec",
            "imagePullSecrets: none (the pod pulls anonymously)",
        ));
    }
    let pod_name = context.state.name.clone();
    let (repository, tag) = split_image(image);
    let registry = registry_host(image);
    if refused {
        let secrets = if !missing.is_empty() {
            format!(
                "create the missing pull secret {} in namespace {namespace} with the registry's credentials, e.g. `kubectl create secret docker-registry {} -n {namespace} --docker-server={registry} --docker-username=<user> --docker-password=<password>`",
                missing.join(", "),
                missing[0]
            )
        } else if named_secrets.is_empty() {
            format!(
                "the pod has no imagePullSecrets (nor had its ServiceAccount any to add), so it pulls anonymously: create a docker-registry Secret with credentials for {registry} and name it in the pod template's imagePullSecrets (or the ServiceAccount's)"
            )
        } else {
            format!(
                "its pull secret {} exists but the registry refused it: check that the credentials in it are valid for {registry} and repository {repository}",
                named_secrets.join(", ")
            )
        };
        let summary = format!(
            "{who} {container} of pod {pod_name} cannot pull image {image} ({shown}){held}: registry {registry} refused access to repository {repository}; {secrets}. kubeop never invents credentials, so there is no automatic fix."
        );
        context
            .next_steps
            .push(format!("list secrets in {namespace}"));
        return context.finish(Cause::ImagePullBackOff, summary, None);
    }
    let earlier = context.facts.earlier_revisions.iter().find_map(|earlier| {
        earlier
            .image
            .as_ref()
            .filter(|earlier_image| earlier_image.as_str() != image)
            .map(|earlier_image| (earlier.revision, earlier_image.clone()))
    });
    let proposal = earlier.as_ref().and_then(|(revision, earlier_image)| {
        workload(context.facts).and_then(|owner| {
            proposal::set_image(
                owner,
                container,
                image,
                earlier_image,
                &format!(
                    "the image of revision {revision}, the last one before the failing change"
                ),
            )
        })
    });
    if let Some((revision, earlier_image)) = &earlier {
        context.evidence.push(Evidence::new(
            "earlier ReplicaSet",
            format!("revision {revision} ran container {container} with image {earlier_image}"),
        ));
    }
    let tag_text = tag.map_or_else(|| "its default tag".to_string(), |tag| format!("tag {tag}"));
    let fix = match &proposal {
        Some(change) => format!(" Proposed: {}.", change.summary),
        None => format!(
            " No earlier revision of the workload ran another image, so kubeop proposes none (it never guesses a tag): set the image to a tag that exists in {registry}."
        ),
    };
    let found_in = if pull_events > 0 {
        " The pull events show the registry's answer."
    } else {
        ""
    };
    let why = if not_found {
        format!(
            "registry {registry} answered that repository {repository} has no {tag_text} (or the name is wrong)"
        )
    } else {
        format!("repository {repository} has no {tag_text} (or the name is wrong)")
    };
    let secret_note = if missing.is_empty() {
        String::new()
    } else {
        format!(
            " (Pull secret {} does not exist either, but the registry's answer is about the image, not access.)",
            missing.join(", ")
        )
    };
    let summary = format!(
        "{who} {container} of pod {pod_name} is in {shown}{held}: image {image} cannot be pulled; {why}.{found_in}{secret_note}{fix}"
    );
    context.finish(Cause::ImagePullBackOff, summary, proposal)
}

/// `repo/name:tag` → (`repo/name`, `Some(tag)`); a digest or no tag gives `None`.
pub fn split_image(image: &str) -> (&str, Option<&str>) {
    if let Some((repository, _digest)) = image.split_once('@') {
        return (repository, None);
    }
    match image.rsplit_once(':') {
        // A colon inside the registry host (`host:5000/app`) is not a tag.
        Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
        _ => (image, None),
    }
}

fn config_error(context: Context<'_>, container: &str, message: &str) -> Diagnosis {
    let quote = format!("container {container} is waiting: CreateContainerConfigError: {message}");
    let blocked = format!(
        "Container {container} of pod {} cannot start",
        context.state.name
    );
    missing_config(
        context,
        quote,
        &blocked,
        Cause::CreateContainerConfigError,
        message,
    )
}

/// The latest FailedMount message about a pod that is still Pending.
fn failed_mount(context: &Context<'_>) -> Option<String> {
    if context.state.phase != "Pending" {
        return None;
    }
    context
        .events(|event| event.reason == "FailedMount" && event.object_name == context.state.name)
        .last()
        .map(|event| event.message.clone())
}

fn mount_failure(context: Context<'_>, message: &str) -> Diagnosis {
    let waiting: Vec<String> = context
        .state
        .containers
        .iter()
        .filter(|container| !container.init)
        .map(|container| container.name.clone())
        .collect();
    let quote = format!(
        "phase Pending, containers {} not created (ContainerCreating)",
        waiting.join(", ")
    );
    let blocked = format!("No container of pod {} can start", context.state.name);
    missing_config(context, quote, &blocked, Cause::FailedMount, message)
}

/// A pod held up by missing ConfigMaps or Secrets (or their keys): what is
/// missing, what exists elsewhere, and a fix when the values are known.
fn missing_config(
    mut context: Context<'_>,
    status_quote: String,
    blocked: &str,
    cause: Cause,
    message: &str,
) -> Diagnosis {
    let source = context.pod_source();
    context
        .evidence
        .insert(0, Evidence::new(source, status_quote));
    let namespace = context.state.namespace.clone();
    let facts = context.facts;
    for missing in &facts.missing_references {
        let keys = missing.keys.join(", ");
        let (source, quote) = match &missing.live {
            None => (
                format!(
                    "resources_get {} {namespace}/{}",
                    missing.kind, missing.name
                ),
                format!(
                    "{} {} not found; referenced by {}{}",
                    missing.kind,
                    missing.name,
                    missing.referenced_by.join(", "),
                    if keys.is_empty() {
                        String::new()
                    } else {
                        format!(" (keys {keys})")
                    }
                ),
            ),
            Some(live) => (
                format!(
                    "resources_get {} {namespace}/{}",
                    missing.kind, missing.name
                ),
                format!(
                    "{} {} exists with keys [{}] but has no key {keys}; referenced by {}",
                    missing.kind,
                    missing.name,
                    super::data_keys(live).join(", "),
                    missing.referenced_by.join(", ")
                ),
            ),
        };
        context.evidence.push(Evidence::new(source, quote));
    }
    for other in &facts.same_named_elsewhere {
        let keys = other
            .object
            .as_ref()
            .map(|object| format!(" with keys [{}]", super::data_keys(object).join(", ")))
            .unwrap_or_default();
        context.evidence.push(Evidence::new(
            format!(
                "resources_list {} named {} in all namespaces",
                other.kind, other.name
            ),
            format!(
                "{} {}/{} exists{keys}",
                other.kind, other.namespace, other.name
            ),
        ));
    }
    context.quote_events(|event| event.is_warning());

    let reason = cause.title();
    let Some(first) = facts.missing_references.first() else {
        let summary = format!(
            "{blocked} ({reason}): {message}. Every ConfigMap and Secret it refers to exists now with the keys it reads: the kubelet retries on its own and should start it."
        );
        return context.finish(cause, summary, None);
    };
    let what = match &first.live {
        None => format!("{} {namespace}/{} does not exist", first.kind, first.name),
        Some(_) => format!(
            "{} {namespace}/{} has no key {}",
            first.kind,
            first.name,
            first.keys.join(", ")
        ),
    };
    let cannot_start = format!("{blocked}: {what} ({reason}).");
    let template = facts.same_named_elsewhere.iter().find(|other| {
        other.kind == first.kind
            && other.object.as_ref().is_some_and(|object| {
                let present = super::data_keys(object);
                first.keys.iter().all(|key| present.contains(key))
            })
    });
    // A key the object has under another spelling (`apiToken` for
    // `api-token`): the reference is the typo, and the value is not
    // invented, only pointed at.
    let respelled = first
        .live
        .as_ref()
        .filter(|_| first.keys.len() == 1)
        .and_then(|live| {
            let wanted = &first.keys[0];
            let mut near: Vec<String> = super::data_keys(live)
                .into_iter()
                .filter(|present| same_key_respelled(wanted, present))
                .collect();
            (near.len() == 1).then(|| near.remove(0))
        });
    let retargeted = respelled.as_ref().and_then(|present| {
        let owner = workload(facts)?;
        proposal::set_key_reference(owner, &first.kind, &first.name, &first.keys[0], present)
    });
    let proposal = match (first.kind.as_str(), &first.live, template) {
        _ if retargeted.is_some() => retargeted,
        ("ConfigMap", None, Some(template)) => template
            .object
            .as_ref()
            .map(|object| proposal::copy_config_map(object, &namespace, &template.namespace)),
        ("ConfigMap", Some(live), Some(template)) => template.object.as_ref().map(|object| {
            proposal::add_config_map_keys(live, object, &first.keys, &template.namespace)
        }),
        _ => None,
    };
    let elsewhere: Vec<String> = facts
        .same_named_elsewhere
        .iter()
        .filter(|other| other.kind == first.kind && other.name == first.name)
        .map(|other| other.namespace.clone())
        .collect();
    let respelled_note = respelled
        .as_ref()
        .map(|present| {
            format!(
                " It has key {present}, the same name spelled another way: the reference is most likely the typo."
            )
        })
        .unwrap_or_default();
    let summary = match &proposal {
        Some(change) => format!(
            "{cannot_start}{respelled_note} Proposed: {}.",
            change.summary
        ),
        None => {
            let instruction = manual_fix(first, &namespace);
            let hint = if elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    " A {} named {} exists in {}{}.",
                    first.kind,
                    first.name,
                    elsewhere.join(", "),
                    if first.kind == "Secret" {
                        ": copy it yourself if the same credentials apply here"
                    } else {
                        ", but without every key the pod reads"
                    }
                )
            };
            format!(
                "{cannot_start} No automatic fix: {instruction}{hint} The kubelet retries on its own and starts the container once it can."
            )
        }
    };
    context.next_steps.push(format!(
        "list {} in {namespace}",
        if first.kind == "Secret" {
            "secrets"
        } else {
            "configmaps"
        }
    ));
    context.finish(cause, summary, proposal)
}

/// Whether `present` is `wanted` spelled another way: the same letters and
/// digits ignoring case and separators (`api-token`, `apiToken`,
/// `API_TOKEN`), or, for names of five or more, one letter off
/// (`pasword`/`password`).
fn same_key_respelled(wanted: &str, present: &str) -> bool {
    let plain = |key: &str| -> Vec<char> {
        key.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|letter| letter.to_ascii_lowercase())
            .collect()
    };
    let (wanted, present) = (plain(wanted), plain(present));
    wanted == present || (wanted.len().min(present.len()) >= 5 && one_edit_apart(&wanted, &present))
}

/// Whether two words differ by exactly one inserted, removed or replaced
/// letter.
fn one_edit_apart(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 || a == b {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1..] == long[prefix + 1..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// What a human has to do when kubeop cannot know the values, with the
/// kubectl command that does it.
fn manual_fix(missing: &super::MissingReference, namespace: &str) -> String {
    let name = &missing.name;
    let literals: String = missing
        .keys
        .iter()
        .map(|key| format!(" --from-literal={key}=<value>"))
        .collect();
    let literals = if literals.is_empty() {
        " --from-literal=<key>=<value>".to_string()
    } else {
        literals
    };
    let keys = missing.keys.join(", ");
    match (missing.kind.as_str(), missing.live.is_some()) {
        ("Secret", false) => format!(
            "kubeop never invents or copies secret values. Create Secret {name} in namespace {namespace}{}, e.g. `kubectl create secret generic {name} -n {namespace}{literals}`.",
            if keys.is_empty() {
                String::new()
            } else {
                format!(" with keys {keys}")
            }
        ),
        ("Secret", true) => format!(
            "kubeop never invents secret values. Add key {keys} to Secret {name} in namespace {namespace}, e.g. `kubectl edit secret {name} -n {namespace}`."
        ),
        (_, false) => format!(
            "kubeop cannot know the values the application needs. Create ConfigMap {name} in namespace {namespace}{}, e.g. `kubectl create configmap {name} -n {namespace}{literals}`.",
            if keys.is_empty() {
                String::new()
            } else {
                format!(" with keys {keys}")
            }
        ),
        (_, true) => format!(
            "kubeop cannot know the value the application needs. Add key {keys} to ConfigMap {name} in namespace {namespace}, e.g. `kubectl edit configmap {name} -n {namespace}`."
        ),
    }
}

/// What a FailedScheduling message says, as (marker, explanation).
const SCHEDULING_REASONS: [(&str, &str); 9] = [
    (
        "insufficient cpu",
        "no node has enough unrequested CPU for the pod's requests",
    ),
    (
        "insufficient memory",
        "no node has enough unrequested memory for the pod's requests",
    ),
    (
        "untolerated taint",
        "the nodes carry taints the pod does not tolerate",
    ),
    (
        "didn't match pod's node affinity/selector",
        "no node has the labels the pod's nodeSelector or affinity asks for",
    ),
    (
        "unbound immediate persistentvolumeclaims",
        "a PersistentVolumeClaim the pod mounts is not bound",
    ),
    (
        "persistentvolumeclaim",
        "a PersistentVolumeClaim the pod mounts is missing or not bound",
    ),
    ("too many pods", "the nodes are at their pod limit"),
    (
        "volume node affinity conflict",
        "a PersistentVolume the pod mounts can only be used on nodes none of which can take the pod (a zonal disk whose zone has no fitting node)",
    ),
    (
        "didn't have free ports",
        "every node that could take it already runs a pod holding the host port it asks for",
    ),
];

/// The host ports a pod's containers ask for, as `8443/TCP of container
/// edge` (only one pod per node can hold each).
fn host_ports(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|container| {
            let name = container["name"].as_str().unwrap_or_default();
            container["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |port| {
                    let host_port = port["hostPort"].as_i64().filter(|port| *port > 0)?;
                    let protocol = port["protocol"].as_str().unwrap_or("TCP");
                    Some(format!("{host_port}/{protocol} of container {name}"))
                })
        })
        .collect()
}

fn unschedulable(mut context: Context<'_>, condition_message: &str) -> Diagnosis {
    let scheduling_events = context.events(|event| event.reason == "FailedScheduling");
    let message = if condition_message.is_empty() {
        scheduling_events
            .last()
            .map(|event| event.message.clone())
            .unwrap_or_default()
    } else {
        condition_message.to_string()
    };
    let source = context.pod_source();
    context.evidence.insert(
        0,
        Evidence::new(
            source,
            if message.is_empty() {
                format!("phase {}, not scheduled to any node", context.state.phase)
            } else {
                format!("PodScheduled=False: {message}")
            },
        ),
    );
    context.quote_events(|event| event.reason == "FailedScheduling" && event.message != message);
    let lower = message.to_ascii_lowercase();
    // A marker inside one already matched says the same thing again
    // ("persistentvolumeclaim" in "unbound immediate persistentvolumeclaims").
    let mut reasons: Vec<(&str, &str)> = Vec::new();
    for (marker, explanation) in SCHEDULING_REASONS {
        if lower.contains(marker) && !reasons.iter().any(|(seen, _)| seen.contains(marker)) {
            reasons.push((marker, explanation));
        }
    }
    let pod = &context.facts.pod;
    let mut pod_facts = Vec::new();
    for container in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(requests) = container.pointer("/resources/requests") {
            pod_facts.push(Evidence::new(
                format!(
                    "spec of container {}",
                    container["name"].as_str().unwrap_or_default()
                ),
                format!("resources.requests: {requests}"),
            ));
        }
    }
    if let Some(selector) = pod.pointer("/spec/nodeSelector") {
        pod_facts.push(Evidence::new(
            "pod spec",
            format!("nodeSelector: {selector}"),
        ));
    }
    if let Some(required) =
        pod.pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution")
    {
        pod_facts.push(Evidence::new(
            "pod spec",
            format!("required node affinity: {required}"),
        ));
    }
    if let Some(tolerations) = pod.pointer("/spec/tolerations") {
        pod_facts.push(Evidence::new(
            "pod spec",
            format!("tolerations: {tolerations}"),
        ));
    }
    let held_ports = host_ports(pod);
    if !held_ports.is_empty() {
        pod_facts.push(Evidence::new(
            "pod spec",
            format!("hostPort {}", held_ports.join(", ")),
        ));
    }
    context.evidence.extend(pod_facts);
    let namespace = context.state.namespace.clone();
    let mut specifics = Vec::new();
    for claim in &context.facts.claims {
        let quote = match (claim.phase.as_str(), &claim.storage_class) {
            ("NotFound", _) => "does not exist".to_string(),
            (phase, Some(class)) => format!("phase {phase}, storageClassName {class}"),
            (phase, None) => format!("phase {phase}, no storageClassName"),
        };
        context.evidence.push(Evidence::new(
            format!("PersistentVolumeClaim {namespace}/{}", claim.name),
            quote,
        ));
        if let Some((volume, affinity)) = &claim.volume_affinity {
            context.evidence.push(Evidence::new(
                format!("PersistentVolume {volume}"),
                format!("nodeAffinity required: {affinity}"),
            ));
            let zones: Vec<String> = context
                .facts
                .nodes
                .iter()
                .map(|node| {
                    let zone = node
                        .labels
                        .iter()
                        .find_map(|label| label.strip_prefix("topology.kubernetes.io/zone="))
                        .unwrap_or("no zone label");
                    format!("{} ({zone})", node.name)
                })
                .collect();
            specifics.push(format!(
                "PersistentVolume {volume} behind claim {} can only be attached on nodes with {affinity}, and the nodes are {}: bring back a node that matches (e.g. scale up that zone's node group), or restore the data into a new volume where the nodes are; deleting the claim loses its data",
                claim.name,
                if zones.is_empty() { "not known".to_string() } else { zones.join(", ") }
            ));
        }
        match claim.phase.as_str() {
            "NotFound" => specifics.push(format!(
                "PersistentVolumeClaim {} does not exist: create it (its size and StorageClass are a human's choice)",
                claim.name
            )),
            "Bound" => {}
            phase => {
                let binder = context
                    .events(|event| {
                        event.object_kind == "PersistentVolumeClaim"
                            && event.object_name == claim.name
                    })
                    .last()
                    .map(|event| format!(": {} {}", event.reason, event.message))
                    .unwrap_or_default();
                specifics.push(format!(
                    "PersistentVolumeClaim {} is {phase}{binder}",
                    claim.name
                ));
                context.next_steps.push(format!(
                    "why is the {} claim pending in {namespace}",
                    claim.name
                ));
                if let Some(class) = claim
                    .storage_class
                    .as_ref()
                    .filter(|class| binder.contains(&format!("storageclass.storage.k8s.io \"{class}\" not found")))
                {
                    let templated = context
                        .facts
                        .owners
                        .iter()
                        .any(|owner| owner["kind"] == "StatefulSet");
                    specifics.push(format!(
                        "StorageClass {class} does not exist: create it, or re-create the claim with a class the cluster has (`kubectl get storageclass`){}",
                        if templated {
                            "; a StatefulSet's volumeClaimTemplates cannot be changed in place, so that means re-creating the StatefulSet (`kubectl delete statefulset --cascade=orphan`, then apply it with the new class) and deleting the pending claim"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    context.quote_events(|event| event.object_kind == "PersistentVolumeClaim");
    let (need_cpu, need_memory) = crate::diagnosis::pressure::pod_requests(pod);
    for node in &context.facts.nodes {
        let taints = if node.taints.is_empty() {
            String::new()
        } else {
            format!(", taints {}", node.taints.join(", "))
        };
        let committed = node
            .requested
            .map(|(cpu, memory)| {
                format!(
                    ", requested by its pods cpu {cpu}, memory {}",
                    memory.readable()
                )
            })
            .unwrap_or_default();
        // The allocatable memory as written, and readable when it is not
        // (`15150324Ki (14.4Gi)`).
        let readable = Memory::parse(&node.allocatable_memory)
            .ok()
            .map(Memory::readable)
            .filter(|readable| *readable != node.allocatable_memory)
            .map(|readable| format!(" ({readable})"))
            .unwrap_or_default();
        context.evidence.push(Evidence::new(
            format!("node {}", node.name),
            format!(
                "allocatable cpu {}, memory {}{readable}{committed}{taints}",
                node.allocatable_cpu, node.allocatable_memory
            ),
        ));
        for pressure in &node.pressure {
            context.evidence.push(Evidence::new(
                format!("node {}", node.name),
                pressure.clone(),
            ));
        }
    }
    // A `node.kubernetes.io/*-pressure` taint is the node lifecycle
    // controller's: the node itself is short of a resource.
    let pressured: Vec<String> = context
        .facts
        .nodes
        .iter()
        .filter(|node| {
            node.taints.iter().any(|taint| {
                taint.starts_with("node.kubernetes.io/") && taint.contains("-pressure")
            })
        })
        .map(|node| {
            let conditions: Vec<&str> = node
                .pressure
                .iter()
                .filter_map(|pressure| pressure.split(':').next())
                .collect();
            format!("node {} is under {}", node.name, conditions.join(" and "))
        })
        .collect();
    if lower.contains("didn't have free ports") && !held_ports.is_empty() {
        let nodes = match context.facts.nodes.len() {
            0 => String::new(),
            count => format!(" (the cluster has {count} node(s))"),
        };
        specifics.push(format!(
            "the pod asks for hostPort {}: a node can run only one pod holding a host port, so a workload with a hostPort runs at most one replica per node{nodes}; reach the pods through a Service instead of a hostPort, or run no more replicas than nodes (a DaemonSet runs exactly one per node)",
            held_ports.join(", ")
        ));
    }
    if lower.contains("-pressure") && !pressured.is_empty() {
        specifics.push(format!(
            "{}, so the node lifecycle controller taints it NoSchedule until the pressure ends; relieve the node (free disk or memory, stop the runaway pods) rather than tolerating the taint",
            pressured.join(", ")
        ));
    }
    let free = |node: &super::NodeFacts| {
        let (cpu, memory) = node.requested?;
        let allocatable_cpu = Cpu::parse(&node.allocatable_cpu).ok()?;
        let allocatable_memory = Memory::parse(&node.allocatable_memory).ok()?;
        Some((
            Cpu(allocatable_cpu.0.saturating_sub(cpu.0)),
            Memory(allocatable_memory.0.saturating_sub(memory.0)),
        ))
    };
    if lower.contains("insufficient cpu")
        && let Some((node, (cpu, _))) = context
            .facts
            .nodes
            .iter()
            .filter_map(|node| Some((node, free(node)?)))
            .max_by_key(|(_, (cpu, _))| *cpu)
    {
        specifics.push(format!(
            "the most CPU left unrequested is {cpu} on node {}, and the pod requests {need_cpu}",
            node.name
        ));
    }
    if lower.contains("insufficient memory")
        && let Some((node, (_, memory))) = context
            .facts
            .nodes
            .iter()
            .filter_map(|node| Some((node, free(node)?)))
            .max_by_key(|(_, (_, memory))| *memory)
    {
        specifics.push(format!(
            "the most memory left unrequested is {} on node {}, and the pod requests {}",
            memory.readable(),
            node.name,
            need_memory.readable()
        ));
    }
    // Nothing read of what the nodes' pods request: the pod asks for more
    // than any node's whole allocatable amount (the playbook then skips
    // those reads), and the largest node is the closest.
    let counted = context
        .facts
        .nodes
        .iter()
        .any(|node| node.requested.is_some());
    if !counted
        && lower.contains("insufficient cpu")
        && let Some((node, most)) = context
            .facts
            .nodes
            .iter()
            .filter_map(|node| Some((node, Cpu::parse(&node.allocatable_cpu).ok()?)))
            .max_by_key(|(_, most)| *most)
        && need_cpu > most
    {
        specifics.push(format!(
            "the most CPU left unrequested is at most {most} on node {} (all of its allocatable CPU), and the pod requests {need_cpu}: more than any node has even empty",
            node.name
        ));
    }
    if !counted
        && lower.contains("insufficient memory")
        && let Some((node, most)) = context
            .facts
            .nodes
            .iter()
            .filter_map(|node| Some((node, Memory::parse(&node.allocatable_memory).ok()?)))
            .max_by_key(|(_, most)| *most)
        && need_memory > most
    {
        specifics.push(format!(
            "the most memory left unrequested is at most {} on node {} (all of its allocatable memory), and the pod requests {}: more than any node has even empty",
            most.readable(),
            node.name,
            need_memory.readable()
        ));
    }
    if let Some(selector) = pod.pointer("/spec/nodeSelector").and_then(Value::as_object) {
        let missing: Vec<String> = selector
            .iter()
            .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
            .filter(|pair| {
                !context
                    .facts
                    .nodes
                    .iter()
                    .any(|node| node.labels.contains(pair))
            })
            .collect();
        if !missing.is_empty() && !context.facts.nodes.is_empty() {
            specifics.push(format!("no node has the label {}", missing.join(", ")));
        }
    }
    if let Some(terms) = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
        && !context.facts.nodes.is_empty()
        && !context
            .facts
            .nodes
            .iter()
            .any(|node| terms.iter().any(|term| term_matches(term, &node.labels)))
    {
        let mut have: Vec<String> = Vec::new();
        for key in terms
            .iter()
            .filter_map(|term| term["matchExpressions"].as_array())
            .flatten()
            .filter_map(|expression| expression["key"].as_str())
        {
            let values: std::collections::BTreeSet<&str> = context
                .facts
                .nodes
                .iter()
                .flat_map(|node| &node.labels)
                .filter_map(|label| label.strip_prefix(&format!("{key}=")))
                .collect();
            let values = if values.is_empty() {
                "no node has the label".to_string()
            } else {
                format!("the nodes have {}", values.into_iter().collect::<Vec<_>>().join(", "))
            };
            let said = format!("{key}: {values}");
            if !have.contains(&said) {
                have.push(said);
            }
        }
        specifics.push(format!(
            "no node satisfies the pod's required node affinity ({}){}",
            terms
                .iter()
                .map(describe_term)
                .collect::<Vec<_>>()
                .join(" or "),
            if have.is_empty() {
                String::new()
            } else {
                format!("; {}", have.join("; "))
            }
        ));
    }
    let pod_name = context.state.name.clone();
    // Requests above every node's whole allocatable amount cannot fit
    // anywhere, whatever else a node objects to: that is the cause, and
    // the taints or selectors of other nodes are beside the point.
    let facts = context.facts;
    let nodes = &facts.nodes;
    let beyond_every_node = nodes
        .iter()
        .filter_map(|node| Cpu::parse(&node.allocatable_cpu).ok())
        .max()
        .is_some_and(|most| need_cpu > most)
        || nodes
            .iter()
            .filter_map(|node| Memory::parse(&node.allocatable_memory).ok())
            .max()
            .is_some_and(|most| need_memory > most);
    if beyond_every_node {
        reasons.retain(|(marker, _)| marker.starts_with("insufficient"));
    }
    // A pod whose selection matches no node cannot go anywhere, whatever
    // the taints of the nodes it does not want say.
    const SELECTION_MARKER: &str = "didn't match pod's node affinity/selector";
    if !nodes.is_empty()
        && selected_nodes(pod, nodes).is_some_and(|selected| selected.is_empty())
        && reasons
            .iter()
            .any(|(marker, _)| *marker == SELECTION_MARKER)
    {
        reasons.retain(|(marker, _)| *marker == SELECTION_MARKER);
    }
    let tainted = if beyond_every_node || !lower.contains("untolerated taint") {
        None
    } else {
        tainted_selection(pod, &context.facts.nodes, need_cpu, need_memory)
    };
    // Extended resources (`nvidia.com/gpu`) the scheduler found short, in
    // its own words: `Insufficient nvidia.com/gpu`.
    let extended: Vec<&str> = message
        .split("Insufficient ")
        .skip(1)
        .filter_map(|rest| {
            rest.split([',', ' '])
                .next()
                .map(|name| name.trim_end_matches('.'))
                .filter(|name| name.contains('/'))
        })
        .collect();
    let short_of = (!extended.is_empty()).then(|| {
        format!(
            "no node has a free {} left (an extended resource only the nodes that advertise it have, each unit held by one pod)",
            extended.join(" or ")
        )
    });
    let why = if let Some(blocked) = &tainted {
        format!(
            "the only node(s) its nodeSelector or required affinity selects ({}) carry {}, which the pod does not tolerate, and the other nodes do not match its selection",
            blocked.nodes.join(", "),
            blocked.taints.join(", ")
        )
    } else if reasons.is_empty() && short_of.is_none() {
        "the scheduler found no node for it".to_string()
    } else {
        reasons
            .iter()
            .map(|(_, explanation)| *explanation)
            .chain(short_of.as_deref())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let specifics = if specifics.is_empty() {
        String::new()
    } else {
        format!(" In detail: {}.", specifics.join("; "))
    };
    let proposal = tainted.as_ref().and_then(|blocked| {
        let owner = workload(context.facts)?;
        proposal::add_tolerations(owner, &blocked.tolerations, &blocked.taints.join(", "))
    });
    let decision = match &proposal {
        Some(change) => format!(
            " The pod asks for those nodes by its selection, so it is meant to run there. Proposed: {}.",
            change.summary
        ),
        None => " Fixing it changes either the pod's requirements (requests, nodeSelector, tolerations, claims) or the cluster (capacity, node labels, storage), which needs a human decision.".to_string(),
    };
    let summary =
        format!("Pod {pod_name} is Pending and cannot be scheduled: {why}.{specifics}{decision}");
    // A pod that waits only for its claims: node usage is beside the point.
    let waits_for_claims = !reasons.is_empty()
        && reasons
            .iter()
            .all(|(marker, _)| marker.contains("persistentvolumeclaim"));
    if !waits_for_claims {
        context.next_steps.push("show node usage".to_string());
        context.next_steps.push(format!(
            "show resource pressure in {}",
            context.state.namespace
        ));
    }
    context.finish(Cause::Unschedulable, summary, proposal)
}

/// Nodes a pod selects that only their taints keep it from.
#[derive(Debug, Clone, PartialEq)]
struct TaintedSelection {
    /// The selected nodes' names.
    nodes: Vec<String>,
    /// Their taints the pod does not tolerate, as `key=value:Effect`.
    taints: Vec<String>,
    /// The tolerations that would let the pod onto them.
    tolerations: Vec<Value>,
}

/// When a pod names where it wants to run (a nodeSelector or a required
/// node affinity) and every node it selects is kept from it only by taints
/// it does not tolerate (each could hold its requests), those nodes and
/// taints: a dedicated pool (GPU nodes, say) whose workload lacks the
/// toleration. `None` when the pod selects nothing in particular (then
/// tolerating a taint is a policy choice, not a fix), selects no node, or
/// a selected node is too small anyway.
fn tainted_selection(
    pod: &Value,
    nodes: &[super::NodeFacts],
    need_cpu: Cpu,
    need_memory: Memory,
) -> Option<TaintedSelection> {
    let selected = selected_nodes(pod, nodes).filter(|selected| !selected.is_empty())?;
    let tolerations: Vec<Value> = pod
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut blocking: Vec<String> = Vec::new();
    for node in &selected {
        let fits = Cpu::parse(&node.allocatable_cpu).is_ok_and(|cpu| need_cpu <= cpu)
            && Memory::parse(&node.allocatable_memory).is_ok_and(|memory| need_memory <= memory);
        let untolerated: Vec<&String> = node
            .taints
            .iter()
            .filter(|taint| !taint.ends_with(":PreferNoSchedule"))
            .filter(|taint| !tolerated(&tolerations, taint))
            .collect();
        if !fits || untolerated.is_empty() {
            return None;
        }
        for taint in untolerated {
            if !blocking.contains(taint) {
                blocking.push(taint.clone());
            }
        }
    }
    let tolerations = blocking
        .iter()
        .map(|taint| {
            let (key_value, effect) = taint.rsplit_once(':').unwrap_or((taint.as_str(), ""));
            match key_value.split_once('=') {
                Some((key, value)) => {
                    json!({"key": key, "operator": "Equal", "value": value, "effect": effect})
                }
                None => json!({"key": key_value, "operator": "Exists", "effect": effect}),
            }
        })
        .collect();
    Some(TaintedSelection {
        nodes: selected.iter().map(|node| node.name.clone()).collect(),
        taints: blocking,
        tolerations,
    })
}

/// The nodes a pod's nodeSelector and required node affinity select;
/// `None` when it has neither (it selects every node).
pub(super) fn selected_nodes<'n>(
    pod: &Value,
    nodes: &'n [super::NodeFacts],
) -> Option<Vec<&'n super::NodeFacts>> {
    let selector = pod
        .pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .filter(|selector| !selector.is_empty());
    let terms = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array);
    if selector.is_none() && terms.is_none() {
        return None;
    }
    Some(
        nodes
            .iter()
            .filter(|node| {
                selector.is_none_or(|selector| {
                    selector.iter().all(|(key, value)| {
                        node.labels
                            .contains(&format!("{key}={}", value.as_str().unwrap_or_default()))
                    })
                }) && terms
                    .is_none_or(|terms| terms.iter().any(|term| term_matches(term, &node.labels)))
            })
            .collect(),
    )
}

/// Whether `tolerations` tolerate a taint written `key=value:Effect` (or
/// `key:Effect`), by the scheduler's rule: `Exists` matches the key (every
/// key when it names none), `Equal` the key and value, an empty effect
/// every effect.
pub(super) fn tolerated(tolerations: &[Value], taint: &str) -> bool {
    let (key_value, effect) = taint.rsplit_once(':').unwrap_or((taint, ""));
    let (key, value) = key_value.split_once('=').unwrap_or((key_value, ""));
    tolerations.iter().any(|toleration| {
        let field = |name: &str| toleration[name].as_str().unwrap_or_default();
        let key_matches = match field("operator") {
            "Exists" => field("key").is_empty() || field("key") == key,
            _ => field("key") == key && field("value") == value,
        };
        key_matches && (field("effect").is_empty() || field("effect") == effect)
    })
}

/// A nodeSelectorTerm as a reader writes it: `node-pool in (highmem),
/// zone notin (a)`.
fn describe_term(term: &Value) -> String {
    term["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|expression| {
            let key = expression["key"].as_str().unwrap_or_default();
            let values = super::expression_values(expression).join(",");
            match expression["operator"].as_str().unwrap_or_default() {
                "Exists" => key.to_string(),
                "DoesNotExist" => format!("!{key}"),
                operator => format!("{key} {} ({values})", operator.to_ascii_lowercase()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a node with `labels` (`key=value`) satisfies one required
/// nodeSelectorTerm: every matchExpression holds (In, NotIn, Exists,
/// DoesNotExist; Gt and Lt are taken as holding, since they are not read).
fn term_matches(term: &Value, labels: &[String]) -> bool {
    let value_of = |key: &str| {
        labels
            .iter()
            .find_map(|label| label.strip_prefix(&format!("{key}=")))
    };
    super::expressions_hold(term.get("matchExpressions"), value_of, true)
}

#[cfg(test)]
mod tests;
