//! Init containers: what each one's own command does in the cluster as it is
//! now, decided by running that command in the built-in shell
//! ([`crate::exec::shell::run_container_command`]).
//!
//! `until nslookup db; do echo waiting for db; sleep 2; done` waits while the
//! Service `db` does not resolve and ends once it does; `nc -z`, `wget`,
//! `curl` and `pg_isready` wait for a Service with ready endpoints;
//! `exit 1` (or a failing check outside a loop) fails, and the kubelet
//! restarts it with back-off. A command the shell does not know (the image's
//! own migration tool, its entrypoint) succeeds: the simulator cannot know
//! what it does. The outcome is re-decided on every kubelet pass, so a waiting
//! init container completes once what it waits for appears.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::controllers::text;
use crate::exec::shell::{CommandRun, run_container_command};
use crate::exec::{ClusterObjects, environment_for};

/// At most this many passes of a waiting loop are kept in its log (the tail
/// is what a reader looks at; an init container looping for days would
/// otherwise log without bound).
pub const MAX_LOGGED_LOOP_PASSES: u64 = 500;

/// What an init container's command does, as far as the cluster decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitOutcome {
    /// The command ends with `exit_code`, having printed `output`.
    Exits {
        /// Its exit status (0: the init container completes).
        exit_code: i32,
        /// Its standard output and error.
        output: String,
    },
    /// The command loops until the cluster changes: it printed `before`
    /// once, then prints `pass` every `period`.
    Waits {
        /// What it printed before the loop.
        before: String,
        /// What each pass of the loop prints.
        pass: String,
        /// How long one pass takes.
        period: Duration,
    },
}

impl InitOutcome {
    /// The outcome of a container that runs its image's own program.
    pub fn succeeds() -> InitOutcome {
        InitOutcome::Exits {
            exit_code: 0,
            output: String::new(),
        }
    }

    /// The container's log when it has run from `started` until `now`: a
    /// waiting loop has printed one pass per period (the last ones kept).
    pub fn log(&self, started: SystemTime, now: SystemTime) -> String {
        match self {
            InitOutcome::Exits { output, .. } => output.clone(),
            InitOutcome::Waits {
                before,
                pass,
                period,
            } => {
                let elapsed = now.duration_since(started).unwrap_or_default();
                let passes = 1 + elapsed.as_secs() / period.as_secs().max(1);
                let shown = passes.min(MAX_LOGGED_LOOP_PASSES);
                let mut log = String::new();
                if passes == shown {
                    log.push_str(before);
                }
                for _ in 0..shown {
                    log.push_str(pass);
                }
                log
            }
        }
    }
}

/// The argv a container runs: its `command` then its `args`; empty when it
/// names neither (the image's entrypoint runs).
pub fn command_line(container: &Value) -> Vec<String> {
    ["command", "args"]
        .iter()
        .filter_map(|field| container.get(*field).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// What the init container `spec` of `pod` does now.
pub fn outcome(
    pod: &Value,
    spec: &Value,
    objects: &ClusterObjects<'_>,
    now: SystemTime,
) -> InitOutcome {
    let has_command = spec.get("command").is_some();
    let argv = command_line(spec);
    if !has_command || argv.is_empty() {
        // The image's entrypoint (with or without args): its own program.
        return InitOutcome::succeeds();
    }
    let environment = environment_for(pod, text(spec, "/name"), objects, now);
    let CommandRun { outcome, endless } = run_container_command(&argv, &environment);
    let mut printed = outcome.stdout;
    printed.extend(outcome.stderr);
    let printed = String::from_utf8_lossy(&printed).into_owned();
    match endless {
        Some(endless) => InitOutcome::Waits {
            before: printed,
            pass: String::from_utf8_lossy(&endless.pass_output).into_owned(),
            period: endless.period,
        },
        None => InitOutcome::Exits {
            exit_code: outcome.exit_code,
            output: printed,
        },
    }
}

/// Whether the pod's status shows every init container completed: the
/// kubelet never runs them again while the pod lives, so there is nothing
/// left to decide.
pub fn all_completed(pod: &Value) -> bool {
    let names: Vec<&str> = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|spec| text(spec, "/name"))
        .collect();
    let statuses = pod
        .pointer("/status/initContainerStatuses")
        .and_then(Value::as_array);
    names.iter().all(|name| {
        statuses.into_iter().flatten().any(|status| {
            status["name"] == *name
                && status.pointer("/state/terminated/exitCode") == Some(&Value::from(0))
        })
    })
}

/// What every init container of `pod` does now, in spec order.
pub fn outcomes(pod: &Value, objects: &ClusterObjects<'_>, now: SystemTime) -> Vec<InitOutcome> {
    pod.pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|spec| outcome(pod, spec, objects, now))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(command: Value) -> Value {
        json!({
            "metadata": {"name": "api-5f6d-abcde", "namespace": "payments"},
            "spec": {
                "initContainers": [{"name": "wait", "image": "busybox:1.36", "command": command}],
                "containers": [{"name": "api", "image": "acme/api:2"}]
            },
            "status": {"podIP": "10.244.1.9"}
        })
    }

    fn service(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "payments"},
               "spec": {"clusterIP": "10.96.4.4", "ports": [{"port": 5432}], "selector": {"app": name}}})
    }

    fn decide(pod: &Value, services: &[Value]) -> InitOutcome {
        let objects = ClusterObjects {
            services,
            pods: &[],
            config_maps: &[],
            secrets: &[],
            network_policies: &[],
            namespaces: &[],
        };
        outcomes(pod, &objects, SystemTime::UNIX_EPOCH)
            .pop()
            .expect("one init container")
    }

    #[test]
    fn a_wait_loop_waits_until_the_service_resolves() {
        let waiting = pod(json!([
            "sh",
            "-c",
            "until nslookup ledger-db; do echo waiting for ledger-db; sleep 3; done; echo found"
        ]));
        let InitOutcome::Waits { pass, period, .. } = decide(&waiting, &[]) else {
            panic!("waits while ledger-db does not exist");
        };
        assert!(
            pass.contains("** server can't find ledger-db.payments.svc.cluster.local: NXDOMAIN"),
            "{pass}"
        );
        assert!(pass.ends_with("waiting for ledger-db\n"), "{pass}");
        assert_eq!(period, Duration::from_secs(3));
        assert_eq!(
            decide(&waiting, &[service("ledger-db")]),
            InitOutcome::Exits {
                exit_code: 0,
                output: "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tledger-db.payments.svc.cluster.local\nAddress: 10.96.4.4\n\nfound\n".to_string()
            }
        );
    }

    #[test]
    fn a_port_check_waits_for_ready_endpoints() {
        let waiting = pod(json!([
            "sh",
            "-c",
            "while ! nc -z ledger-db 5432; do sleep 1; done"
        ]));
        // The Service exists but selects no ready pod: the port refuses.
        assert!(matches!(
            decide(&waiting, &[service("ledger-db")]),
            InitOutcome::Waits { .. }
        ));
    }

    #[test]
    fn failures_exit_and_unknown_programs_succeed() {
        let failing = pod(json!([
            "sh",
            "-c",
            "echo migrating; echo 'ERROR: relation \"users\" already exists' >&2; exit 3"
        ]));
        assert_eq!(
            decide(&failing, &[]),
            InitOutcome::Exits {
                exit_code: 3,
                output: "migrating\nERROR: relation \"users\" already exists\n".to_string()
            }
        );
        let own_program = pod(json!(["/app/migrate", "--up"]));
        assert_eq!(decide(&own_program, &[]), InitOutcome::succeeds());
    }

    #[test]
    fn a_waiting_log_repeats_its_pass_and_keeps_the_tail() {
        let waiting = InitOutcome::Waits {
            before: "start\n".to_string(),
            pass: "waiting\n".to_string(),
            period: Duration::from_secs(2),
        };
        let start = SystemTime::UNIX_EPOCH;
        assert_eq!(
            waiting.log(start, start + Duration::from_secs(5)),
            "start\nwaiting\nwaiting\nwaiting\n"
        );
        let long = waiting.log(start, start + Duration::from_secs(86_400));
        assert_eq!(long.lines().count() as u64, MAX_LOGGED_LOOP_PASSES);
    }
}
