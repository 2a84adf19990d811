use serde_json::json;

use super::*;

fn pod(namespace: &str, name: &str, node: Option<&str>, resources: Value) -> Value {
    json!({
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:1", "resources": resources}]},
        "status": {"phase": if node.is_some() { "Running" } else { "Pending" }},
    })
}

fn node(name: &str, cpu: &str, memory: &str) -> Value {
    json!({"metadata": {"name": name}, "status": {"allocatable": {"cpu": cpu, "memory": memory}}})
}

fn usage(namespace: &str, pod: &str, cpu: &str, memory: &str) -> ContainerUsage {
    ContainerUsage {
        namespace: namespace.into(),
        pod: pod.into(),
        container: None,
        cpu: Cpu::parse(cpu).expect("cpu"),
        memory: Memory::parse(memory).expect("memory"),
    }
}

fn messages(report: &PressureReport, category: PressureCategory) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|finding| finding.category == category)
        .map(|finding| format!("{}: {}", finding.subject, finding.message))
        .collect()
}

#[test]
fn containers_near_their_limits_and_without_limits_are_named_with_numbers() {
    let mut pending = pod(
        "shop",
        "report",
        None,
        json!({"requests": {"cpu": "500m", "memory": "24Gi"}, "limits": {"memory": "24Gi"}}),
    );
    pending["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False",
        "message": "0/3 nodes are available: 3 Insufficient memory."}]);
    let facts = PressureFacts {
        namespace: Some("shop".into()),
        pods: vec![
            pod(
                "shop",
                "payments",
                Some("node-1"),
                json!({"requests": {"cpu": "250m", "memory": "384Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}),
            ),
            pod(
                "shop",
                "web",
                Some("node-1"),
                json!({"limits": {"cpu": "500m", "memory": "256Mi"}}),
            ),
            pod(
                "shop",
                "proxy",
                Some("node-1"),
                json!({"requests": {"cpu": "100m"}}),
            ),
            pending,
            json!({"metadata": {"name": "backup", "namespace": "shop"}, "spec": {"nodeName": "node-1",
                   "containers": [{"name": "b", "resources": {}}]}, "status": {"phase": "Succeeded"}}),
        ],
        usage: vec![
            usage("shop", "payments", "410m", "501Mi"),
            usage("shop", "web", "480m", "40Mi"),
            usage("shop", "proxy", "2m", "18Mi"),
        ],
        ..PressureFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        messages(&report, PressureCategory::NearLimit),
        vec![
            "pod shop/payments: container app uses 501Mi of its 512Mi memory limit (97%): the next spike is an OOMKill",
            "pod shop/web: container app uses 480m of its 500m CPU limit (96%): it is being throttled",
        ]
    );
    assert_eq!(
        messages(&report, PressureCategory::NoLimits),
        vec![
            "pod shop/proxy: container app has no memory or cpu limit",
            "pod shop/report: container app has no cpu limit",
        ]
    );
    assert_eq!(
        messages(&report, PressureCategory::Pending),
        vec![
            "pod shop/report: Pending: 0/3 nodes are available: 3 Insufficient memory. (requests cpu 500m, memory 24Gi)"
        ]
    );
    assert!(
        report
            .summary
            .contains("2 container(s) near or over a limit")
    );
    assert!(!report.summary.contains("backup"));
}

#[test]
fn nodes_compare_use_and_requests_with_allocatable() {
    let facts = PressureFacts {
        pods: vec![
            pod(
                "a",
                "big",
                Some("node-1"),
                json!({"requests": {"cpu": "3500m", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "2Gi"}}),
            ),
            pod(
                "a",
                "small",
                Some("node-2"),
                json!({"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}),
            ),
        ],
        nodes: vec![
            node("node-1", "3920m", "15150324Ki"),
            node("node-2", "3920m", "15150324Ki"),
        ],
        node_usage: vec![
            (
                "node-1".into(),
                Cpu(900),
                Memory::parse("2Gi").expect("memory"),
            ),
            (
                "node-2".into(),
                Cpu(300),
                Memory::parse("14Gi").expect("memory"),
            ),
        ],
        ..PressureFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        messages(&report, PressureCategory::Node),
        vec![
            "node node-1: CPU requested is 89% of allocatable",
            "node node-2: memory in use is 96% of allocatable",
        ]
    );
    assert_eq!(report.nodes[0].name, "node-2");
    assert_eq!(report.nodes[0].peak_percent, 96);
    assert_eq!(report.nodes[1].cpu_requested, "3500m");
}

#[test]
fn quotas_use_status_when_present_else_the_pods_requests() {
    let pods = vec![
        pod(
            "prod",
            "a",
            Some("node-1"),
            json!({"requests": {"cpu": "3", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "2Gi"}}),
        ),
        pod(
            "prod",
            "b",
            Some("node-1"),
            json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "2Gi"}}),
        ),
    ];
    let computed = PressureFacts {
        pods: pods.clone(),
        quotas: vec![json!({"metadata": {"name": "q", "namespace": "prod"},
            "spec": {"hard": {"requests.cpu": "4", "requests.memory": "16Gi", "pods": "40"}}})],
        ..PressureFacts::default()
    };
    assert_eq!(
        messages(&assess(&computed), PressureCategory::Quota),
        vec![
            "ResourceQuota prod/q: requests.cpu at 4 of 4 (100%): new pods will be refused past the hard limit"
        ]
    );
    let reported = PressureFacts {
        pods,
        quotas: vec![json!({"metadata": {"name": "q", "namespace": "prod"},
            "spec": {"hard": {"pods": "10", "limits.memory": "8Gi"}},
            "status": {"used": {"pods": "9", "limits.memory": "4Gi"}}})],
        ..PressureFacts::default()
    };
    assert_eq!(
        messages(&assess(&reported), PressureCategory::Quota),
        vec![
            "ResourceQuota prod/q: pods at 9 of 10 (90%): new pods will be refused past the hard limit"
        ]
    );
}

#[test]
fn pod_usage_reads_both_top_layouts() {
    let all = Table::parse(
        "NAMESPACE   NAME    CPU(cores)   MEMORY(bytes)\nprod        web-1   12m          38Mi\n",
    );
    assert_eq!(
        pod_usage(&all, "default"),
        vec![usage("prod", "web-1", "12m", "38Mi")]
    );
    let per_container = Table::parse(
        "POD     NAME   CPU(cores)   MEMORY(bytes)\nweb-1   app    12m          38Mi\n",
    );
    let read = pod_usage(&per_container, "prod");
    assert_eq!(read[0].container.as_deref(), Some("app"));
    assert_eq!(read[0].namespace, "prod");
}
