//! Safe debugging with an ephemeral pod: the steps of a DNS or connectivity
//! test from inside the cluster, as calls the coordinator plans, has
//! approved and runs (create the pod, run the test, remove the pod), then the
//! reading of the test's output and the check that the pod is gone.
//!
//! The pod is a plain Pod that sleeps (not `pods_run`, whose image would run
//! its default command and exit at once, leaving nothing to exec into), with
//! `activeDeadlineSeconds` so that a pod whose removal never ran still ends by
//! itself. [`pod_manifest`] is kubeop's one definition of a debug pod: the
//! `run` change (a debug pod asked for directly) creates the same pod. The test command always exits 0 and prints its own exit code, so
//! a failing lookup still returns its output (`pods_exec` keeps no output of a
//! failed command).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::DiagnosisError;

use super::reader::{ClusterReader, ReadCall, ReadTool, ToolOutput, read_object};

/// The debug pod ends by itself after this many seconds, whatever happens to
/// the plan's removal step.
pub const DEBUG_POD_DEADLINE_SECONDS: u64 = 600;

/// Each network test gives up after this many seconds.
pub const TEST_TIMEOUT_SECONDS: u64 = 5;

/// The label every kubeop debug pod carries, so they can be found and cleaned up.
pub const DEBUG_POD_LABEL: &str = "kubeop.dev/debug-pod";

/// The debug pod's one container, which its commands exec into.
pub const DEBUG_CONTAINER: &str = "debug";

/// The marker line the test command prints with its exit code.
const EXIT_MARKER: &str = "kubeop-test-exit-code:";

/// Which image the debug pod runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebugImage {
    /// `busybox`: nslookup and wget, tiny.
    Busybox,
    /// `nicolaka/netshoot`: dig, curl, nc and more.
    Netshoot,
}

impl DebugImage {
    /// The image reference, pinned so a plan means the same thing tomorrow.
    pub fn image(self) -> &'static str {
        match self {
            DebugImage::Busybox => "busybox:1.36.1",
            DebugImage::Netshoot => "nicolaka/netshoot:v0.13",
        }
    }

    fn short(self) -> &'static str {
        match self {
            DebugImage::Busybox => "busybox",
            DebugImage::Netshoot => "netshoot",
        }
    }
}

/// What to test from inside the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DebugTest {
    /// Resolve a name through the cluster DNS.
    Dns {
        /// e.g. `kubernetes.default` or `checkout.production.svc.cluster.local`.
        host: String,
    },
    /// Open an HTTP connection to a host and port.
    Connectivity {
        /// A Service name, FQDN or IP.
        host: String,
        /// The port.
        port: u16,
    },
}

impl DebugTest {
    fn short(&self) -> &'static str {
        match self {
            DebugTest::Dns { .. } => "dns",
            DebugTest::Connectivity { .. } => "conn",
        }
    }

    /// The shell line of the test, for `image`.
    fn script(&self, image: DebugImage) -> String {
        let test = match (self, image) {
            (DebugTest::Dns { host }, _) => format!("nslookup {host}"),
            (DebugTest::Connectivity { host, port }, DebugImage::Busybox) => {
                format!("wget -q -T {TEST_TIMEOUT_SECONDS} -O- http://{host}:{port}/")
            }
            (DebugTest::Connectivity { host, port }, DebugImage::Netshoot) => format!(
                "curl -sS -m {TEST_TIMEOUT_SECONDS} -o /dev/null -w %{{http_code}} http://{host}:{port}/"
            ),
        };
        format!("{test} 2>&1; echo \"{EXIT_MARKER} $?\"")
    }

    /// The test in words.
    pub fn describe(&self) -> String {
        match self {
            DebugTest::Dns { host } => format!("DNS lookup of {host}"),
            DebugTest::Connectivity { host, port } => format!("HTTP connection to {host}:{port}"),
        }
    }
}

/// One MCP call of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    /// The tool.
    pub tool: &'static str,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
}

/// The whole debug session, for one approval: create, test, remove.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DebugPodPlan {
    /// The pod's name (stable for a test, so a second request finds the first pod).
    pub pod_name: String,
    /// Where it runs.
    pub namespace: String,
    /// The image.
    pub image: &'static str,
    /// The test.
    pub test: DebugTest,
    /// Creates the pod (skipped when `existing_pod` is set).
    pub create: ToolCall,
    /// Runs the test (an exec: it gets its own approval each time).
    pub run_test: ToolCall,
    /// Removes the pod.
    pub remove: ToolCall,
    /// The read that must answer "not found" once the pod is removed.
    pub verify_removed: ReadCall,
    /// A pod of that name already exists: it is reported and reused, never duplicated.
    pub existing_pod: Option<String>,
    /// What the approver should know.
    pub warnings: Vec<String>,
}

/// A stable, valid pod name for a test: `kubeop-debug-dns-<hash>`.
fn pod_name(test: &DebugTest, image: DebugImage) -> String {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in format!("{test:?}").bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("kubeop-debug-{}-{}-{hash:08x}", image.short(), test.short())
}

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

fn arguments(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.clone()))
        .collect()
}

/// The plan of a debug session (pure). `existing_pod` names a pod of the same
/// name already there, which is then reused instead of created again.
pub fn plan(
    test: DebugTest,
    namespace: &str,
    image: DebugImage,
    existing_pod: Option<String>,
) -> DebugPodPlan {
    let name = pod_name(&test, image);
    let create = ToolCall {
        tool: "resources_create_or_update",
        arguments: arguments(&[(
            "resource",
            Value::String(pod_manifest(&name, namespace, image.image(), None).to_string()),
        )]),
    };
    let run_test = ToolCall {
        tool: "pods_exec",
        arguments: arguments(&[
            ("name", json!(name)),
            ("namespace", json!(namespace)),
            ("container", json!(DEBUG_CONTAINER)),
            ("command", json!(["sh", "-c", test.script(image)])),
        ]),
    };
    let remove = ToolCall {
        tool: "pods_delete",
        arguments: arguments(&[("name", json!(name)), ("namespace", json!(namespace))]),
    };
    let verify_removed = ReadCall::new(
        ReadTool::ResourcesGet,
        [
            ("apiVersion", Some(json!("v1"))),
            ("kind", Some(json!("Pod"))),
            ("name", Some(json!(name))),
            ("namespace", Some(json!(namespace))),
        ],
    );
    let mut warnings = vec![
        format!(
            "Runs a {} pod in namespace {namespace} and executes a command in it; the pod is removed afterwards and ends by itself after {DEBUG_POD_DEADLINE_SECONDS} s.",
            image.image()
        ),
        "The exec runs a shell inside the cluster network: approve only a test you expect."
            .to_string(),
    ];
    if let Some(existing) = &existing_pod {
        warnings.push(format!(
            "Pod {namespace}/{name} already exists ({existing}): it is reused, no second pod is created."
        ));
    }
    DebugPodPlan {
        pod_name: name,
        namespace: namespace.to_string(),
        image: image.image(),
        test,
        create,
        run_test,
        remove,
        verify_removed,
        existing_pod,
        warnings,
    }
}

/// Plans a debug session after checking whether its pod already exists
/// (idempotency: an existing pod is reported and reused).
pub async fn prepare<R: ClusterReader>(
    reader: &R,
    test: DebugTest,
    namespace: &str,
    image: DebugImage,
) -> Result<DebugPodPlan, DiagnosisError> {
    let draft = plan(test, namespace, image, None);
    let Some(pod) = read_object(reader, "v1", "Pod", Some(namespace), &draft.pod_name).await?
    else {
        return Ok(draft);
    };
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Unknown");
    Ok(plan(
        draft.test,
        namespace,
        image,
        Some(format!("phase {phase}")),
    ))
}

/// What the test showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugOutcome {
    /// Whether the lookup or connection worked.
    pub passed: bool,
    /// One sentence.
    pub finding: String,
    /// The command's output, as printed (the exit-code marker removed).
    pub output: String,
}

/// Reads the test command's answer (`pods_exec`).
pub fn interpret(test: &DebugTest, exec: &ToolOutput) -> DebugOutcome {
    if exec.is_error {
        return DebugOutcome {
            passed: false,
            finding: format!(
                "The {} could not run: {}",
                test.describe(),
                exec.text.trim()
            ),
            output: exec.text.to_string(),
        };
    }
    let mut exit_code = None;
    let mut lines = Vec::new();
    for line in exec.text.lines() {
        match line.trim().strip_prefix(EXIT_MARKER) {
            Some(code) => exit_code = code.trim().parse::<i64>().ok(),
            None => lines.push(line),
        }
    }
    let output = lines.join("\n").trim().to_string();
    let passed = exit_code == Some(0);
    let finding = match (test, passed) {
        (DebugTest::Dns { host }, true) => {
            let addresses: Vec<&str> = lines
                .iter()
                .skip_while(|line| !line.starts_with("Name:"))
                .filter_map(|line| line.strip_prefix("Address:"))
                .map(str::trim)
                .collect();
            format!(
                "{host} resolves to {}",
                if addresses.is_empty() {
                    "an address".to_string()
                } else {
                    addresses.join(", ")
                }
            )
        }
        (DebugTest::Dns { host }, false) => {
            let reason = if output.contains("NXDOMAIN") {
                "NXDOMAIN (no such name)"
            } else {
                "no answer"
            };
            format!("{host} does not resolve: {reason}")
        }
        (DebugTest::Connectivity { host, port }, true) => {
            format!("{host}:{port} answers over HTTP")
        }
        (DebugTest::Connectivity { host, port }, false) => {
            let last = lines.last().map(|line| line.trim()).unwrap_or("no output");
            // Only curl's codes have these meanings (busybox wget exits 1).
            match exit_code
                .filter(|_| output.contains("curl: ("))
                .and_then(curl_exit_meaning)
            {
                Some(meaning) => format!("{host}:{port} is not reachable: {meaning} ({last})"),
                None => format!("{host}:{port} is not reachable: {last}"),
            }
        }
    };
    DebugOutcome {
        passed,
        finding,
        output,
    }
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

/// Whether the removal is verified: the pod read answers "not found".
pub fn removal_verified(read: &ToolOutput) -> bool {
    read.is_not_found()
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
        // The debug-pod playbook's own test reads the same.
        let test = DebugTest::Connectivity {
            host: "payments".into(),
            port: 80,
        };
        let timed_out = interpret(
            &test,
            &ToolOutput::from_text(&format!(
                "curl: (28) Failed to connect to payments port 80 after 5001 ms: Timeout was reached\n{EXIT_MARKER} 28\n"
            )),
        );
        assert!(
            timed_out
                .finding
                .starts_with("payments:80 is not reachable: the connection timed out"),
            "{}",
            timed_out.finding
        );
    }

    #[test]
    fn the_plan_creates_tests_and_removes_one_named_pod() {
        let test = DebugTest::Dns {
            host: "checkout.production".into(),
        };
        let plan = plan(test.clone(), "production", DebugImage::Busybox, None);
        assert!(plan.pod_name.starts_with("kubeop-debug-busybox-dns-"));
        assert_eq!(
            plan.pod_name,
            super::plan(test, "production", DebugImage::Busybox, None).pod_name
        );
        let manifest: Value =
            serde_json::from_str(plan.create.arguments["resource"].as_str().expect("text"))
                .expect("json");
        assert_eq!(manifest["metadata"]["name"], plan.pod_name.as_str());
        assert_eq!(
            manifest["spec"]["activeDeadlineSeconds"],
            DEBUG_POD_DEADLINE_SECONDS
        );
        assert_eq!(manifest["spec"]["containers"][0]["image"], "busybox:1.36.1");
        assert_eq!(manifest["spec"]["containers"][0]["command"][0], "sleep");
        assert_eq!(plan.run_test.tool, "pods_exec");
        assert_eq!(
            plan.run_test.arguments["command"],
            json!([
                "sh",
                "-c",
                "nslookup checkout.production 2>&1; echo \"kubeop-test-exit-code: $?\""
            ])
        );
        assert_eq!(plan.remove.tool, "pods_delete");
        assert_eq!(plan.remove.arguments["name"], plan.pod_name.as_str());
        assert_eq!(plan.verify_removed.tool, ReadTool::ResourcesGet);
        assert_eq!(
            plan.verify_removed.arguments["name"],
            plan.pod_name.as_str()
        );
        assert!(plan.existing_pod.is_none());
    }

    #[test]
    fn connectivity_uses_each_images_http_client() {
        let test = DebugTest::Connectivity {
            host: "checkout".into(),
            port: 8080,
        };
        let busybox = plan(test.clone(), "default", DebugImage::Busybox, None);
        assert!(
            busybox.run_test.arguments["command"][2]
                .as_str()
                .is_some_and(|script| script.starts_with("wget -q -T 5 -O- http://checkout:8080/"))
        );
        let netshoot = plan(
            test,
            "default",
            DebugImage::Netshoot,
            Some("phase Running".into()),
        );
        assert!(
            netshoot.run_test.arguments["command"][2]
                .as_str()
                .is_some_and(|script| script.starts_with("curl -sS -m 5"))
        );
        assert!(netshoot.pod_name.contains("netshoot-conn"));
        assert!(
            netshoot
                .warnings
                .iter()
                .any(|warning| warning.contains("already exists (phase Running)"))
        );
    }

    #[test]
    fn test_output_is_read_with_its_exit_code() {
        let dns = DebugTest::Dns {
            host: "kubernetes.default".into(),
        };
        let resolved = interpret(
            &dns,
            &ToolOutput::from_text(
                "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\nkubeop-test-exit-code: 0\n",
            ),
        );
        assert!(resolved.passed);
        assert_eq!(resolved.finding, "kubernetes.default resolves to 10.96.0.1");
        assert!(!resolved.output.contains("kubeop-test-exit-code"));
        let missing = interpret(
            &DebugTest::Dns {
                host: "nope".into(),
            },
            &ToolOutput::from_text(
                "Server:\t\t10.96.0.10\n** server can't find nope.default.svc.cluster.local: NXDOMAIN\nkubeop-test-exit-code: 1\n",
            ),
        );
        assert!(!missing.passed);
        assert_eq!(
            missing.finding,
            "nope does not resolve: NXDOMAIN (no such name)"
        );
        let refused = interpret(
            &DebugTest::Connectivity {
                host: "checkout".into(),
                port: 8080,
            },
            &ToolOutput::from_text(
                "wget: can't connect to remote host (10.96.201.7): Connection refused\nkubeop-test-exit-code: 1\n",
            ),
        );
        assert!(!refused.passed);
        assert_eq!(
            refused.finding,
            "checkout:8080 is not reachable: wget: can't connect to remote host (10.96.201.7): Connection refused"
        );
        let failed = ToolOutput::from_failure("failed to exec in pod x: pods \"x\" not found");
        assert!(!interpret(&dns, &failed).passed);
    }

    #[test]
    fn removal_is_verified_only_by_not_found() {
        let gone =
            ToolOutput::from_failure("failed to get resource: pods \"kubeop-debug\" not found");
        assert!(removal_verified(&gone));
        assert!(!removal_verified(&ToolOutput::from_text("kind: Pod")));
    }
}
