//! Init containers end to end: the simulated kubelet runs them in order from
//! their commands, real kubectl shows `Init:N/M` and `Init:CrashLoopBackOff`
//! and reads their logs with `-c`, and the pod-failure playbook (through the
//! real `kubernetes-mcp-server`) names the init container and what it waits
//! for instead of blaming the app container.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

/// The name of the first pod whose name starts with `prefix`, from `kubectl get pods`.
fn pod_named(listing: &str, prefix: &str) -> String {
    listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .find(|name| name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no pod {prefix}* in\n{listing}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_init_container_waiting_for_a_missing_service_is_named_with_what_it_waits_for() {
    let env = DiagnosisEnv::start("diagnosis-init").await;
    let listing = env
        .kubectl_until(&["get", "pods", "-n", "billing"], |out| {
            out.lines()
                .any(|line| line.starts_with("invoicer-") && line.contains("Init:0/1"))
        })
        .await;
    let pod = pod_named(&listing, "invoicer-");
    let log = env
        .kubectl_until(
            &["logs", &pod, "-n", "billing", "-c", "wait-for-ledger"],
            |out| out.contains("waiting for ledger-db"),
        )
        .await;
    assert!(
        log.contains("** server can't find ledger-db.billing.svc.cluster.local: NXDOMAIN"),
        "{log}"
    );
    // `--since` keeps the lines of the last hour: all of them, this young.
    let recent = env
        .sim
        .kubectl_ok(&[
            "logs",
            &pod,
            "-n",
            "billing",
            "-c",
            "wait-for-ledger",
            "--since=1h",
        ])
        .await;
    assert!(recent.contains("waiting for ledger-db"), "{recent}");
    let app_log = env
        .sim
        .kubectl(&["logs", &pod, "-n", "billing", "-c", "invoicer"])
        .await;
    assert!(
        app_log
            .stderr
            .contains("is waiting to start: PodInitializing"),
        "{app_log:?}"
    );

    let diagnosis = env
        .diagnosed("invoicer", "billing", Cause::InitContainerWaiting)
        .await;
    assert_eq!(diagnosis.subject.name, pod);
    assert_says(&diagnosis, "init container wait-for-ledger");
    assert_says(&diagnosis, "Init:0/1");
    assert_says(
        &diagnosis,
        "waits for ledger-db (nslookup): Service ledger-db in namespace billing does not exist",
    );
    assert_quoted(
        &diagnosis,
        "[logs of init container wait-for-ledger] waiting for ledger-db",
    );
    assert_quoted(
        &diagnosis,
        "[services in namespace billing] ledger-postgres",
    );
    assert_quoted(&diagnosis, "until nslookup ledger-db");
    assert!(diagnosis.proposal.is_none(), "no Service is invented");

    // Once the Service exists the wait ends and the app container starts.
    env.sim
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: Service\nmetadata: {name: ledger-db, namespace: billing}\nspec:\n  selector: {app: ledger-postgres}\n  ports:\n  - {port: 5432}\n",
        )
        .await
        .expect_success("apply the ledger-db Service");
    env.kubectl_until(&["get", "pod", &pod, "-n", "billing"], |out| {
        out.contains("Running") && out.contains("1/1")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_init_container_is_blamed_with_its_exit_code_and_last_log_line() {
    let env = DiagnosisEnv::start("diagnosis-init").await;
    let listing = env
        .kubectl_until(&["get", "pods", "-n", "billing"], |out| {
            out.lines()
                .any(|line| line.starts_with("reporter-") && line.contains("Init:CrashLoopBackOff"))
        })
        .await;
    let pod = pod_named(&listing, "reporter-");
    let log = env
        .sim
        .kubectl_ok(&["logs", &pod, "-n", "billing", "-c", "migrate", "--previous"])
        .await;
    assert_eq!(
        log,
        "applying migration 0042_add_invoice_index\nERROR: permission denied for schema public\n"
    );
    let diagnosis = env
        .diagnosed("reporter", "billing", Cause::CrashLoopBackOff)
        .await;
    assert_says(&diagnosis, "Init container migrate of pod reporter-");
    assert_says(&diagnosis, "Init:CrashLoopBackOff");
    assert_says(&diagnosis, "exits with code 3");
    assert_says(
        &diagnosis,
        "Its log ends with \"ERROR: permission denied for schema public\"",
    );
    assert_quoted(
        &diagnosis,
        "[previous logs of init container migrate] ERROR: permission denied for schema public",
    );
    assert!(
        diagnosis.next_steps.iter().any(
            |step| step.starts_with("show the previous logs of container migrate in reporter-")
        ),
        "{:?}",
        diagnosis.next_steps
    );
    assert!(
        !diagnosis.summary.contains("Container reporter "),
        "the app container is not blamed: {}",
        diagnosis.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_init_container_whose_image_cannot_be_pulled_is_named() {
    let env = DiagnosisEnv::start("diagnosis-init").await;
    env.kubectl_until(&["get", "pods", "-n", "billing"], |out| {
        out.lines().any(|line| {
            line.starts_with("auditor-")
                && (line.contains("Init:ImagePullBackOff") || line.contains("Init:ErrImagePull"))
        })
    })
    .await;
    let diagnosis = env
        .diagnosed("auditor", "billing", Cause::ImagePullBackOff)
        .await;
    assert_quoted(
        &diagnosis,
        "Failed to pull image \"ghcr.io/acme/audit-schema:3.0.0-rc9\"",
    );
    assert_says(&diagnosis, "Init container schema of pod auditor-");
    // Like the kubelet, the sim shows ErrImagePull for a moment after each
    // pull attempt and ImagePullBackOff between them: either may be read.
    assert_quoted(&diagnosis, "init container schema is waiting: ");
    assert!(
        ["Init:ImagePullBackOff", "Init:ErrImagePull"]
            .iter()
            .any(|status| diagnosis.summary.contains(status)),
        "the pod's init status is named: {}",
        diagnosis.summary
    );
    assert!(
        !diagnosis.summary.contains("container auditor "),
        "the app container is not blamed: {}",
        diagnosis.summary
    );
}
