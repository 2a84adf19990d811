//! The cluster health check on the built-in demo cluster: every planted
//! problem is listed, and nothing else; and through the whole pipeline, a
//! failed Job and a suspended CronJob as findings of the overview.

use std::time::SystemTime;

use e2e::diagnosis::{DiagnosisEnv, scenario};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::Value;
use workflow::Response;
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

/// "is the cluster healthy" on `tests/scenarios/batch-and-services.yaml`:
/// the last run of CronJob report-mailer failed (BackoffLimitExceeded after
/// its 2 attempts) and CronJob stale-cleanup is suspended. Both are named
/// in the one overview, and the requests it offers next diagnose them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_and_a_suspended_cron_job_are_findings_of_the_overview() {
    // Loaded as at now (objects aged by kind), so report-mailer's last run
    // is due at start, as in `kubeop demo --scenario`.
    let objects = scenario("batch-and-services").objects_at(SystemTime::now());
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let jobs = stack
        .env
        .kubectl_until(&["get", "jobs", "-n", "billing", "--no-headers"], |out| {
            out.lines()
                .any(|line| line.starts_with("report-mailer-") && line.contains("Failed"))
        })
        .await;
    let failed_job = jobs
        .lines()
        .find(|line| line.starts_with("report-mailer-") && line.contains("Failed"))
        .and_then(|line| line.split_whitespace().next())
        .expect("the failed run's name")
        .to_string();

    let response = stack
        .ask("is the cluster healthy")
        .await
        .expect("the health check runs");
    let Response::Health(health) = response else {
        panic!("a health overview, got {response:?}");
    };
    let report = &health.report;
    let items: Vec<String> = report["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            format!(
                "{} {} {}: {}",
                item["severity"].as_str().unwrap_or_default(),
                item["category"].as_str().unwrap_or_default(),
                item["subject"].as_str().unwrap_or_default(),
                item["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let expected = [
        format!(
            "warning workload Job billing/{failed_job}: failed (BackoffLimitExceeded, 2/2 attempts); a run of CronJob report-mailer"
        ),
        "info workload CronJob billing/stale-cleanup: suspended (spec.suspend: true): it starts no Jobs until resumed; it has not run since".to_string(),
    ];
    for line in &expected {
        assert!(
            items.contains(line),
            "{line:?} missing:\n{}",
            items.join("\n")
        );
    }
    let summary = report["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("1 suspended CronJob(s)."), "{summary}");
    let next_steps: Vec<&str> = report["next_steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let why_failed = format!("why did job {failed_job} fail in billing");
    let why_idle = "why isn't cronjob stale-cleanup running in billing";
    for step in [why_failed.as_str(), why_idle] {
        assert!(
            next_steps.contains(&step),
            "{step:?} not offered: {next_steps:?}"
        );
    }

    // Each offered request is understood: it diagnoses what it names.
    for (step, cause) in [(why_failed.as_str(), "job_failed"), (why_idle, "suspended")] {
        let response = stack
            .ask(step)
            .await
            .unwrap_or_else(|error| panic!("{step:?}: {error}"));
        let Response::Diagnosis(diagnosis) = response else {
            panic!("{step:?} should be diagnosed, got {response:?}");
        };
        assert_eq!(diagnosis.cause, cause, "{step:?}: {:?}", diagnosis.evidence);
    }
}
