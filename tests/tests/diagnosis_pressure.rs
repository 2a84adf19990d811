//! Resource pressure on the built-in demo cluster: live use from the metrics
//! API against limits, pods without limits, nodes, Pending pods, quotas.

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::pressure::{PressureCategory, resource_pressure};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_cluster_shows_payment_service_at_its_limit_and_the_pending_report_generator() {
    let env = DiagnosisEnv::start("demo").await;
    env.kubectl_until(&["get", "pods", "-A"], |out| {
        out.contains("payment-service") && out.contains("report-generator")
    })
    .await;
    // Live use comes from the metrics API, which reports a pod once it runs.
    env.kubectl_until(&["top", "pods", "-n", "production"], |out| {
        out.contains("payment-service")
    })
    .await;
    let report = resource_pressure(&env.reader(), None)
        .await
        .expect("the report runs");
    let lines: Vec<String> = report
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{:?} {:?} {}: {}",
                finding.severity, finding.category, finding.subject, finding.message
            )
        })
        .collect();
    let all = lines.join("\n");
    assert!(
        report.findings.iter().any(|finding| finding.category == PressureCategory::NearLimit
            && finding.subject.starts_with("pod production/payment-service-")
            && finding.message == "container payment-service uses 501Mi of its 512Mi memory limit (97%): the next spike is an OOMKill"),
        "{all}"
    );
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.category == PressureCategory::Pending
                && finding.subject.starts_with("pod staging/report-generator-")
                && finding.message.contains("Insufficient memory")
                && finding.message.contains("memory 24Gi")),
        "{all}"
    );
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.category == PressureCategory::NoLimits
                && finding
                    .subject
                    .ends_with("containers without a memory limit")
                && finding.message.contains("kube-system/metrics-server")
                && finding.message.contains("kube-system/kube-proxy ×3")),
        "{all}"
    );
    assert_eq!(report.nodes.len(), 3, "{:#?}", report.nodes);
    assert!(
        report.nodes.iter().all(|node| node.memory_usage.is_some()),
        "{:#?}",
        report.nodes
    );
}
