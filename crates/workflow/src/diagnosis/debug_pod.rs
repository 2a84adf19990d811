//! Safe debugging with an ephemeral pod: kubeop's one definition of a debug
//! pod, how its creation is recognised among changes, and what a failed
//! test command's exit code says.
//!
//! The pod is a plain Pod that sleeps (not `pods_run`, whose image would run
//! its default command and exit at once, leaving nothing to exec into), with
//! `activeDeadlineSeconds` so that a pod whose removal never ran still ends by
//! itself. [`pod_manifest`] is the definition the `run` change (a debug pod
//! asked for, or a DNS or connectivity test) creates.

use serde_json::{Map, Value, json};

/// The debug pod ends by itself after this many seconds, whatever happens to
/// the plan's removal step.
pub const DEBUG_POD_DEADLINE_SECONDS: u64 = 600;

/// The label every kubeop debug pod carries, so they can be found and cleaned up.
pub const DEBUG_POD_LABEL: &str = "kubeop.dev/debug-pod";

/// The debug pod's one container, which its commands exec into.
pub const DEBUG_CONTAINER: &str = "debug";

/// The image of a debug pod asked for without one (busybox: nslookup and
/// wget, tiny), pinned so a plan means the same thing tomorrow.
pub const DEFAULT_DEBUG_IMAGE: &str = "busybox:1.36.1";

/// A debug pod: sleeps until its commands run (so there is something to exec
/// into whatever the image's default command), labelled so it can be found,
/// small, never restarted, and ending by itself after the deadline if its
/// removal never runs. `port` is declared on the container when given.
pub fn pod_manifest(name: &str, namespace: &str, image: &str, port: Option<u16>) -> Value {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {DEBUG_POD_LABEL: "true", "app.kubernetes.io/managed-by": "kubeop"},
        },
        "spec": {
            "restartPolicy": "Never",
            "activeDeadlineSeconds": DEBUG_POD_DEADLINE_SECONDS,
            "terminationGracePeriodSeconds": 0,
            "containers": [{
                "name": DEBUG_CONTAINER,
                "image": image,
                "command": ["sleep", DEBUG_POD_DEADLINE_SECONDS.to_string()],
                "resources": {
                    "requests": {"cpu": "10m", "memory": "16Mi"},
                    "limits": {"cpu": "100m", "memory": "64Mi"},
                },
            }],
        },
    });
    if let Some(port) = port {
        pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": port}]);
    }
    pod
}

/// Whether `resources_create_or_update` arguments create a debug pod (a Pod
/// carrying [`DEBUG_POD_LABEL`]): such a change is run and verified as a
/// debug session, not as an ordinary apply.
pub fn creates_debug_pod(arguments: &Map<String, Value>) -> bool {
    arguments
        .get("resource")
        .and_then(Value::as_str)
        .and_then(|text| serde_norway::from_str::<Value>(text).ok())
        .is_some_and(|resource| {
            resource["kind"] == "Pod" && resource["metadata"]["labels"][DEBUG_POD_LABEL] == "true"
        })
}

/// What curl's exit code says about a connection that failed, for the
/// codes that name a cause (`man curl`, EXIT CODES).
pub fn curl_exit_meaning(code: i64) -> Option<&'static str> {
    Some(match code {
        6 => "the host name does not resolve (DNS)",
        7 => {
            "the connection was refused: nothing listens on that port, or the Service has no ready endpoints"
        }
        28 => {
            "the connection timed out: nothing answered, as when a NetworkPolicy or a firewall drops the packets (or the server is overloaded)"
        }
        35 => "the TLS handshake failed",
        52 => "the server closed the connection without answering",
        56 => "the connection was reset while reading the answer",
        _ => return None,
    })
}

/// What a failed debug test command says, when it is curl (alone or in
/// `sh -c`) and its exit code (`command terminated with exit code N` in
/// the exec's answer) names a cause: `curl exit 28: the connection timed
/// out: ...`.
pub fn failed_test_meaning(command: &Value, answer: &str) -> Option<String> {
    let words: Vec<&str> = command
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .flat_map(str::split_whitespace)
        .collect();
    words.contains(&"curl").then_some(())?;
    let code: i64 = answer
        .rsplit_once("exit code ")?
        .1
        .split(|letter: char| !letter.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some(format!("curl exit {code}: {}", curl_exit_meaning(code)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_curl_says_what_its_exit_code_means() {
        let curl = json!([
            "curl",
            "-sS",
            "-m",
            "5",
            "-o",
            "/dev/null",
            "http://payments"
        ]);
        assert_eq!(
            failed_test_meaning(
                &curl,
                "failed to exec in pod kubeop-debug-netshoot in namespace shop: command terminated with exit code 28"
            )
            .as_deref(),
            Some(
                "curl exit 28: the connection timed out: nothing answered, as when a NetworkPolicy or a firewall drops the packets (or the server is overloaded)"
            )
        );
        let script = json!(["sh", "-c", "curl -s http://api || true"]);
        assert!(
            failed_test_meaning(&script, "command terminated with exit code 7").is_some_and(
                |meaning| meaning.starts_with("curl exit 7: the connection was refused")
            )
        );
        // Another program, or a code without a meaning of its own: nothing.
        assert_eq!(
            failed_test_meaning(&json!(["nslookup", "api"]), "exit code 1"),
            None
        );
        assert_eq!(failed_test_meaning(&curl, "exit code 3"), None);
    }
}
