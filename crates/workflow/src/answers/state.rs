//! One object's state in a few lines ("is node-2 ready", "status of web",
//! "when does db-backup run"): what `kubectl get` and the first lines of
//! `kubectl describe` tell, instead of the whole YAML.

use serde_json::Value;

use super::human_bytes;
use crate::diagnosis::parse::count;
use crate::diagnosis::quantity::Memory;
use crate::diagnosis::{ToolOutput, conditions};

/// The object's state in words, by kind; `None` for a kind this does not
/// summarise, so the object is shown as it came.
pub(super) fn summary(output: &ToolOutput) -> Option<String> {
    let (object, subject) = super::named_object(output)?;
    let kind = object["kind"].as_str()?;
    let lines = match kind {
        "Node" => node(&object),
        "Deployment" | "StatefulSet" | "ReplicaSet" => replicated(&object),
        "DaemonSet" => daemon_set(&object),
        "Pod" => pod(&object),
        "Job" => job(&object),
        "CronJob" => cron_job(&object),
        "PersistentVolumeClaim" => claim(&object),
        "Endpoints" => endpoints(&object),
        _ => return None,
    };
    let mut text = format!("{subject}: {}\n", lines.first()?);
    for line in lines.iter().skip(1) {
        text.push_str(&format!("  {line}\n"));
    }
    Some(text)
}

/// A field as text, `-` when absent.
fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("-")
}

/// Ready or not (with the kubelet's reason), schedulable or cordoned, the
/// pressure conditions that are on, taints, allocatable and the kubelet.
fn node(node: &Value) -> Vec<String> {
    let ready = conditions::find(node, "Ready").map_or_else(
        || "readiness unknown (no Ready condition)".to_owned(),
        |ready| {
            let state = match ready.status {
                "True" => "Ready",
                "False" => "NotReady",
                _ => "Ready status Unknown",
            };
            // The reason first: one word beside the state reads as a label.
            let why = [ready.reason, ready.message]
                .into_iter()
                .find(|said| !said.is_empty())
                .map(|said| format!(" ({said})"))
                .unwrap_or_default();
            format!("{state}{why}")
        },
    );
    let cordoned = node.pointer("/spec/unschedulable") == Some(&Value::Bool(true));
    let mut lines = vec![format!(
        "{ready}, {}",
        if cordoned {
            "cordoned (SchedulingDisabled)"
        } else {
            "schedulable"
        }
    )];
    let pressure: Vec<&str> = crate::diagnosis::node::troubles(node)
        .map(|trouble| trouble.kind)
        .collect();
    lines.push(if pressure.is_empty() {
        "no pressure conditions".to_owned()
    } else {
        format!("conditions on: {}", pressure.join(", "))
    });
    // "No taints" is said, not left out: "what taints does node-1 have"
    // is answered by this line.
    let taints = crate::diagnosis::node::taints(node);
    lines.push(if taints.is_empty() {
        "no taints".to_owned()
    } else {
        format!("taints: {}", taints.join(", "))
    });
    let memory = text(node, "/status/allocatable/memory");
    let memory = Memory::parse(memory).map_or_else(|_| memory.to_owned(), |m| human_bytes(m.0));
    lines.push(format!(
        "allocatable {} CPU, {memory} memory, {} pods; kubelet {}",
        text(node, "/status/allocatable/cpu"),
        text(node, "/status/allocatable/pods"),
        text(node, "/status/nodeInfo/kubeletVersion")
    ));
    lines
}

/// Ready of desired, up to date, available, and any condition that is not
/// true (a stalled rollout, unavailable replicas) with its reason.
fn replicated(workload: &Value) -> Vec<String> {
    let desired = count(workload, "/spec/replicas");
    let ready = count(workload, "/status/readyReplicas");
    let mut first = format!("{ready}/{desired} ready");
    if workload.pointer("/status/updatedReplicas").is_some() {
        first.push_str(&format!(
            ", {} up to date",
            count(workload, "/status/updatedReplicas")
        ));
    }
    if workload.pointer("/status/availableReplicas").is_some() || ready > 0 {
        first.push_str(&format!(
            ", {} available",
            count(workload, "/status/availableReplicas")
        ));
    }
    if workload.pointer("/spec/paused") == Some(&Value::Bool(true)) {
        first.push_str(" (rollout paused)");
    }
    let mut lines = vec![first];
    lines.extend(unmet(workload));
    lines
}

/// Conditions that are not true, with their reason and message.
fn unmet(object: &Value) -> Vec<String> {
    conditions::of(object)
        .filter(|condition| !condition.is_true())
        .map(|condition| {
            let why = condition.reason_and_message();
            format!(
                "{} is {}{}",
                condition.kind,
                condition.status,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({why})")
                }
            )
        })
        .collect()
}

/// Pods ready on the nodes that should run one.
fn daemon_set(daemon_set: &Value) -> Vec<String> {
    vec![format!(
        "{}/{} ready, {} up to date, {} available",
        count(daemon_set, "/status/numberReady"),
        count(daemon_set, "/status/desiredNumberScheduled"),
        count(daemon_set, "/status/updatedNumberScheduled"),
        count(daemon_set, "/status/numberAvailable")
    )]
}

/// Phase, containers ready, restarts and node, then each container that
/// is not running and ready with what it waits on or why it ended.
fn pod(pod: &Value) -> Vec<String> {
    let statuses: Vec<&Value> = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let ready = statuses
        .iter()
        .filter(|status| status["ready"] == Value::Bool(true))
        .count();
    let restarts: u64 = statuses
        .iter()
        .map(|status| status["restartCount"].as_u64().unwrap_or(0))
        .sum();
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(statuses.len(), Vec::len);
    let mut lines = vec![format!(
        "{}, {ready}/{containers} containers ready, {restarts} restarts, on {}",
        text(pod, "/status/phase"),
        pod.pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .unwrap_or("no node yet")
    )];
    for status in statuses {
        if status["ready"] == Value::Bool(true) {
            continue;
        }
        let name = status["name"].as_str().unwrap_or("-");
        let state = &status["state"];
        let line = if let Some(waiting) = state.get("waiting") {
            format!(
                "container {name} waiting: {}{}",
                text(waiting, "/reason"),
                waiting["message"]
                    .as_str()
                    .map(|message| format!(" ({message})"))
                    .unwrap_or_default()
            )
        } else if let Some(ended) = state.get("terminated") {
            format!(
                "container {name} terminated: {} (exit code {})",
                text(ended, "/reason"),
                ended["exitCode"]
            )
        } else {
            format!("container {name} running but not ready")
        };
        lines.push(line);
        if let Some(last) = status.pointer("/lastState/terminated") {
            lines.push(format!(
                "container {name} last ended: {} (exit code {})",
                text(last, "/reason"),
                last["exitCode"]
            ));
        }
    }
    if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Pending") {
        lines.extend(unmet(pod));
    }
    lines
}

/// Succeeded, failed and active pods of a Job, and whether it completed.
fn job(job: &Value) -> Vec<String> {
    let completions = job
        .pointer("/spec/completions")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let succeeded = count(job, "/status/succeeded");
    let mut first = format!(
        "{succeeded}/{completions} completed, {} active, {} failed",
        count(job, "/status/active"),
        count(job, "/status/failed")
    );
    if let Some(done) = job
        .pointer("/status/completionTime")
        .and_then(Value::as_str)
    {
        first.push_str(&format!(", finished {done}"));
    }
    let mut lines = vec![first];
    lines.extend(
        conditions::true_one(job, "Failed")
            .map(|failed| format!("failed: {}", failed.reason_and_message())),
    );
    lines
}

/// The schedule (and time zone), suspended or not, the last run, the jobs
/// running now.
fn cron_job(cron_job: &Value) -> Vec<String> {
    let zone = cron_job
        .pointer("/spec/timeZone")
        .and_then(Value::as_str)
        .map(|zone| format!(" ({zone})"))
        .unwrap_or_default();
    let suspended = cron_job.pointer("/spec/suspend") == Some(&Value::Bool(true));
    let active = cron_job
        .pointer("/status/active")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    vec![
        format!(
            "runs on schedule \"{}\"{zone}{}",
            text(cron_job, "/spec/schedule"),
            if suspended { ", SUSPENDED" } else { "" }
        ),
        format!(
            "last scheduled {}, last succeeded {}, {active} job(s) running now",
            cron_job
                .pointer("/status/lastScheduleTime")
                .and_then(Value::as_str)
                .unwrap_or("never"),
            cron_job
                .pointer("/status/lastSuccessfulTime")
                .and_then(Value::as_str)
                .unwrap_or("never")
        ),
    ]
}

/// Phase, the size asked and given, the class and the volume.
fn claim(claim: &Value) -> Vec<String> {
    let capacity = claim
        .pointer("/status/capacity/storage")
        .and_then(Value::as_str)
        .unwrap_or("none yet");
    vec![format!(
        "{}, {} requested, {capacity} provisioned, class {}, volume {}",
        text(claim, "/status/phase"),
        text(claim, "/spec/resources/requests/storage"),
        text(claim, "/spec/storageClassName"),
        claim
            .pointer("/spec/volumeName")
            .and_then(Value::as_str)
            .filter(|volume| !volume.is_empty())
            .unwrap_or("none")
    )]
}

/// How many addresses an Endpoints object routes to, and how many it
/// holds back as not ready: "does checkout have endpoints" answered first.
fn endpoints(endpoints: &Value) -> Vec<String> {
    let count = |field: &str| -> usize {
        endpoints
            .get("subsets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|subset| subset.get(field).and_then(Value::as_array))
            .map(Vec::len)
            .sum()
    };
    let (ready, not_ready) = (count("addresses"), count("notReadyAddresses"));
    vec![match (ready, not_ready) {
        (0, 0) => "no address: the Service routes nowhere".to_owned(),
        (0, _) => format!("no ready address ({not_ready} not ready): the Service routes nowhere"),
        (_, 0) => format!("{ready} ready address(es)"),
        _ => format!("{ready} ready address(es), {not_ready} not ready"),
    }]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_node_reads_as_ready_schedulable_and_its_pressure() {
        let node = ToolOutput::from_structured(
            json!({"kind": "Node", "metadata": {"name": "node-2"},
            "spec": {"unschedulable": true, "taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]},
            "status": {"conditions": [
                {"type": "MemoryPressure", "status": "True"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                "allocatable": {"cpu": "4", "memory": "15150324Ki", "pods": "110"},
                "nodeInfo": {"kubeletVersion": "v1.32.5"}}}),
        );
        assert_eq!(
            summary(&node).as_deref(),
            Some(
                "node node-2: Ready (KubeletReady), cordoned (SchedulingDisabled)\n  conditions on: MemoryPressure\n  taints: dedicated=db:NoSchedule\n  allocatable 4 CPU, 14.4Gi memory, 110 pods; kubelet v1.32.5\n"
            )
        );
        let untainted = ToolOutput::from_structured(json!({"kind": "Node",
            "metadata": {"name": "node-1"}, "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}));
        assert!(
            summary(&untainted)
                .is_some_and(|text| text.contains("\n  no pressure conditions\n  no taints\n")),
            "{:?}",
            summary(&untainted)
        );
    }

    #[test]
    fn a_deployment_reads_as_its_ready_count_and_unmet_conditions() {
        let deployment = ToolOutput::from_structured(json!({"kind": "Deployment",
            "metadata": {"name": "checkout", "namespace": "production"},
            "spec": {"replicas": 2},
            "status": {"replicas": 2, "updatedReplicas": 2, "unavailableReplicas": 2,
                "conditions": [
                    {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."},
                    {"type": "Progressing", "status": "True"}]}}));
        assert_eq!(
            summary(&deployment).as_deref(),
            Some(
                "deployment checkout in namespace production: 0/2 ready, 2 up to date\n  Available is False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)\n"
            )
        );
    }

    #[test]
    fn a_crashing_pod_names_its_waiting_container_and_last_exit() {
        let pod = ToolOutput::from_structured(
            json!({"kind": "Pod", "metadata": {"name": "checkout-1", "namespace": "shop"},
            "spec": {"nodeName": "node-2", "containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 14,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}}),
        );
        assert_eq!(
            summary(&pod).as_deref(),
            Some(
                "pod checkout-1 in namespace shop: Running, 0/1 containers ready, 14 restarts, on node-2\n  container app waiting: CrashLoopBackOff (back-off 5m0s)\n  container app last ended: Error (exit code 1)\n"
            )
        );
    }

    #[test]
    fn a_cron_job_reads_as_its_schedule_and_last_run() {
        let cron_job = ToolOutput::from_structured(
            json!({"kind": "CronJob", "metadata": {"name": "db-backup", "namespace": "production"},
            "spec": {"schedule": "30 2 * * *"},
            "status": {"lastScheduleTime": "2026-11-25T02:30:00Z", "lastSuccessfulTime": "2026-11-25T02:30:05Z"}}),
        );
        assert_eq!(
            summary(&cron_job).as_deref(),
            Some(
                "cronjob db-backup in namespace production: runs on schedule \"30 2 * * *\"\n  last scheduled 2026-11-25T02:30:00Z, last succeeded 2026-11-25T02:30:05Z, 0 job(s) running now\n"
            )
        );
    }

    #[test]
    fn a_claim_and_a_job_read_as_their_state_and_other_kinds_are_left_alone() {
        let claim = ToolOutput::from_structured(
            json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "db"},
            "spec": {"storageClassName": "fast-ssd", "resources": {"requests": {"storage": "20Gi"}}},
            "status": {"phase": "Pending"}}),
        );
        assert_eq!(
            summary(&claim).as_deref(),
            Some(
                "persistentvolumeclaim data in namespace db: Pending, 20Gi requested, none yet provisioned, class fast-ssd, volume none\n"
            )
        );
        let job = ToolOutput::from_structured(
            json!({"kind": "Job", "metadata": {"name": "migrate"},
            "spec": {"completions": 1}, "status": {"succeeded": 1, "completionTime": "2026-11-25T02:30:05Z"}}),
        );
        assert_eq!(
            summary(&job).as_deref(),
            Some("job migrate: 1/1 completed, 0 active, 0 failed, finished 2026-11-25T02:30:05Z\n")
        );
        let config =
            ToolOutput::from_structured(json!({"kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(summary(&config), None);
    }
}
