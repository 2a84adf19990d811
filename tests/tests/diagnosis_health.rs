//! The cluster health check on the built-in demo cluster: every planted
//! problem is listed, and nothing else.

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::health::{HealthCategory, health_check};
use workflow::diagnosis::rbac::Severity;

/// What demo.yaml plants: checkout crash-loops, payment-service is OOMKilled
/// (production); notification-service cannot pull its image, report-generator
/// cannot be scheduled and the report-archive claim is unbound (staging).
const PLANTED: [&str; 5] = [
    "checkout",
    "payment-service",
    "notification-service",
    "report-generator",
    "report-archive",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_cluster_shows_every_planted_problem_and_nothing_false() {
    let env = DiagnosisEnv::start("demo").await;
    env.kubectl_until(&["get", "pods", "-A"], |out| {
        out.contains("CrashLoopBackOff")
            && (out.contains("ImagePullBackOff") || out.contains("ErrImagePull"))
            && out.contains("Pending")
            && out.contains("postgres-1")
    })
    .await;
    let report = health_check(&env.reader(), None)
        .await
        .expect("the health check runs");
    let lines: Vec<String> = report
        .items
        .iter()
        .map(|item| {
            format!(
                "{:?} {:?} {}: {}",
                item.severity, item.category, item.subject, item.message
            )
        })
        .collect();
    let listed = |category: HealthCategory, subject: &str| {
        report
            .items
            .iter()
            .any(|item| item.category == category && item.subject.starts_with(subject))
    };
    for workload in [
        "Deployment production/checkout",
        "Deployment production/payment-service",
        "Deployment staging/notification-service",
        "Deployment staging/report-generator",
    ] {
        assert!(
            listed(HealthCategory::Workload, workload),
            "{workload} missing:\n{}",
            lines.join("\n")
        );
    }
    for pod in [
        "Pod production/checkout-",
        "Pod production/payment-service-",
        "Pod staging/notification-service-",
        "Pod staging/report-generator-",
    ] {
        assert!(
            listed(HealthCategory::Pod, pod),
            "{pod} missing:\n{}",
            lines.join("\n")
        );
    }
    assert!(
        listed(
            HealthCategory::Volume,
            "PersistentVolumeClaim staging/report-archive"
        ),
        "{}",
        lines.join("\n")
    );
    assert!(
        report
            .items
            .iter()
            .any(|item| item.category == HealthCategory::Event),
        "{}",
        lines.join("\n")
    );
    // Nothing false: every item names a planted problem (node events included:
    // the OOM killer's event on the node names the killed container).
    for item in &report.items {
        assert!(
            PLANTED
                .iter()
                .any(|planted| item.subject.contains(planted) || item.message.contains(planted)),
            "not a planted problem: {:?} {}: {}\nall:\n{}",
            item.category,
            item.subject,
            item.message,
            lines.join("\n")
        );
        assert!(item.severity >= Severity::Warning);
    }
    assert!(
        !report
            .items
            .iter()
            .any(|item| item.category == HealthCategory::Node),
        "{}",
        lines.join("\n")
    );
    assert!(
        report
            .server_report
            .contains("# Cluster Health Check Diagnostic Data")
    );
    assert!(
        report
            .next_steps
            .contains(&"why is deployment checkout failing in production".to_string())
    );
    assert!(report.summary.contains("3 node(s)"), "{}", report.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_scoped_check_sees_only_that_namespace() {
    let env = DiagnosisEnv::start("demo").await;
    // Running pods are not enough: the workloads' status fields follow on the
    // controllers' next pass, and the health check reads those.
    env.kubectl_until(
        &[
            "get",
            "deployments,daemonsets,statefulsets",
            "-n",
            "monitoring",
            "-o",
            "json",
        ],
        workloads_report_ready,
    )
    .await;
    let report = health_check(&env.reader(), Some("monitoring"))
        .await
        .expect("the health check runs");
    assert!(report.items.is_empty(), "{:#?}", report.items);
    assert!(
        report
            .summary
            .starts_with("namespace monitoring is healthy"),
        "{}",
        report.summary
    );
}

/// Whether every workload in a `kubectl get -o json` list reports all its
/// replicas ready.
fn workloads_report_ready(json: &str) -> bool {
    let Ok(list) = serde_json::from_str::<serde_json::Value>(json) else {
        return false;
    };
    list["items"].as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|item| {
                let status = &item["status"];
                if item["kind"] == "DaemonSet" {
                    status["desiredNumberScheduled"]
                        .as_i64()
                        .is_some_and(|desired| desired > 0)
                        && status["numberReady"] == status["desiredNumberScheduled"]
                } else {
                    status["readyReplicas"].as_i64().unwrap_or(0)
                        == item["spec"]["replicas"].as_i64().unwrap_or(1)
                }
            })
    })
}
