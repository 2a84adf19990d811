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
            "1 container without a memory limit: shop/proxy (container app)",
            "1 container without a CPU limit (memory limited): shop/report (container app)",
        ]
    );
    assert_eq!(
        messages(&report, PressureCategory::Pending),
        vec![
            "pod shop/report: Pending: 0/3 nodes are available: 3 Insufficient memory. (requests cpu 500m, memory 24Gi)"
        ]
    );
    assert_eq!(
        report.summary,
        "Resource pressure in namespace shop: 1 pod cannot be scheduled; 2 containers are at or near a limit. 2 containers have no limits (1 without a memory limit)."
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

#[test]
fn missing_limits_are_one_line_per_kind_grouped_by_workload() {
    let replica = |name: &str, node: &str| {
        let mut pod = pod(
            "kube-system",
            name,
            Some(node),
            json!({"requests": {"cpu": "10m"}}),
        );
        pod["metadata"]["labels"] = json!({"pod-template-hash": "5d9c8"});
        pod["metadata"]["ownerReferences"] =
            json!([{"kind": "ReplicaSet", "name": "coredns-5d9c8", "controller": true}]);
        pod["spec"]["containers"][0]["name"] = json!("coredns");
        pod["spec"]["containers"][0]["resources"]["limits"] = json!({"memory": "170Mi"});
        pod
    };
    let daemon = |name: &str, node: &str| {
        let mut pod = pod("kube-system", name, Some(node), json!({}));
        pod["metadata"]["ownerReferences"] =
            json!([{"kind": "DaemonSet", "name": "kube-proxy", "controller": true}]);
        pod["spec"]["containers"][0]["name"] = json!("kube-proxy");
        pod
    };
    let facts = PressureFacts {
        pods: vec![
            replica("coredns-5d9c8-x2x9k", "node-1"),
            replica("coredns-5d9c8-7fq2z", "node-2"),
            daemon("kube-proxy-abcde", "node-1"),
            daemon("kube-proxy-fghij", "node-2"),
            daemon("kube-proxy-klmno", "node-3"),
        ],
        ..PressureFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        messages(&report, PressureCategory::NoLimits),
        vec![
            "3 containers without a memory limit: kube-system/kube-proxy ×3",
            "2 containers without a CPU limit (memory limited): kube-system/coredns ×2",
        ]
    );
}

#[test]
fn nodes_under_pressure_are_grouped_by_condition() {
    let pressured = |name: &str, conditions: Value| {
        let mut node = node(name, "4", "16Gi");
        node["status"]["conditions"] = conditions;
        node
    };
    let facts = PressureFacts {
        nodes: vec![
            pressured(
                "node-1",
                json!([{"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory"},
                       {"type": "Ready", "status": "True"}]),
            ),
            pressured(
                "node-2",
                json!([{"type": "MemoryPressure", "status": "True", "message": "kubelet has insufficient memory available"},
                       {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure"}]),
            ),
            pressured(
                "node-3",
                json!([{"type": "MemoryPressure", "status": "False"}]),
            ),
        ],
        ..PressureFacts::default()
    };
    let report = assess(&facts);
    assert_eq!(
        messages(&report, PressureCategory::Node),
        vec![
            "DiskPressure on 1 node: node-2 (KubeletHasDiskPressure): the kubelet evicts pods from a node under pressure",
            "MemoryPressure on 2 nodes: node-1 (KubeletHasInsufficientMemory), node-2 (kubelet has insufficient memory available): the kubelet evicts pods from a node under pressure",
        ]
    );
    assert!(
        report.summary.contains(
            "DiskPressure on node-2 (KubeletHasDiskPressure); MemoryPressure on node-1 (KubeletHasInsufficientMemory), node-2 (kubelet has insufficient memory available); the busiest node"
        ),
        "{}",
        report.summary
    );
}
