//! `nodes_stats_summary` (the kubelet's Summary API, `kubectl get --raw
//! /api/v1/nodes/N/proxy/stats/summary`) read out: the node's CPU, memory,
//! filesystems, network and processes in words, then its pods by memory.
//! The server hands back the raw JSON, hundreds of lines per node.

use serde_json::Value;

use super::human_bytes;
use super::table::aligned;

/// The summary `text` (the kubelet's JSON) in words; `None` when it is not
/// a Summary API answer.
pub(super) fn summary(text: &str) -> Option<String> {
    let summary: Value = serde_json::from_str(text.trim()).ok()?;
    let node = summary.get("node")?;
    let name = node["nodeName"].as_str()?;
    let mut out = format!("Node {name} (kubelet stats summary)\n");
    let mut line = |label: &str, value: Option<String>| {
        if let Some(value) = value {
            out.push_str(&format!("  {label:<12}{value}\n"));
        }
    };
    line("CPU", cpu(&node["cpu"]).map(|cpu| format!("{cpu} in use")));
    line("Memory", memory(&node["memory"]));
    line("Filesystem", filesystem(&node["fs"]));
    line("Image fs", filesystem(&node["runtime"]["imageFs"]));
    line("Network", network(&node["network"]));
    line("Processes", processes(&node["rlimit"]));
    let pods = summary["pods"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    line("Pods", Some(format!("{} with stats", pods.len())));
    if !pods.is_empty() {
        out.push_str(&format!("\nPods on {name}, by memory (working set):\n"));
        out.push_str(&pods_table(pods));
    }
    Some(out)
}

/// Nanocores as millicores: `1230m`.
fn cpu(stats: &Value) -> Option<String> {
    let nanocores = stats["usageNanoCores"].as_u64()?;
    Some(format!("{}m", nanocores.div_ceil(1_000_000)))
}

/// The working set (what the kubelet evicts on) and what is still available.
fn memory(stats: &Value) -> Option<String> {
    let working_set = stats["workingSetBytes"].as_u64()?;
    let mut text = format!("{} working set", human_bytes(working_set));
    if let Some(available) = stats["availableBytes"].as_u64() {
        let whole = working_set.saturating_add(available);
        text.push_str(&format!(
            ", {} available ({}% used)",
            human_bytes(available),
            percent(working_set, whole)
        ));
    }
    Some(text)
}

/// Used of capacity, the share, what is left, and the inodes' share.
fn filesystem(stats: &Value) -> Option<String> {
    let used = stats["usedBytes"].as_u64()?;
    let capacity = stats["capacityBytes"].as_u64()?;
    let mut text = format!(
        "{} used of {} ({}%)",
        human_bytes(used),
        human_bytes(capacity),
        percent(used, capacity)
    );
    if let Some(available) = stats["availableBytes"].as_u64() {
        text.push_str(&format!(", {} available", human_bytes(available)));
    }
    if let (Some(inodes_used), Some(inodes)) =
        (stats["inodesUsed"].as_u64(), stats["inodes"].as_u64())
    {
        text.push_str(&format!("; inodes {}% used", percent(inodes_used, inodes)));
    }
    Some(text)
}

/// Bytes received and sent since boot, and errors when there are any.
fn network(stats: &Value) -> Option<String> {
    let received = stats["rxBytes"].as_u64()?;
    let sent = stats["txBytes"].as_u64()?;
    let interface = stats["name"].as_str().unwrap_or("network");
    let errors = stats["rxErrors"].as_u64().unwrap_or(0) + stats["txErrors"].as_u64().unwrap_or(0);
    let errors = if errors == 0 {
        "no errors".to_owned()
    } else {
        format!("{errors} errors")
    };
    Some(format!(
        "{interface}: {} received, {} sent since boot, {errors}",
        human_bytes(received),
        human_bytes(sent)
    ))
}

/// Running processes against the node's process limit.
fn processes(stats: &Value) -> Option<String> {
    let running = stats["curproc"].as_u64()?;
    Some(match stats["maxpid"].as_u64() {
        Some(limit) => format!("{running} running (limit {limit})"),
        None => format!("{running} running"),
    })
}

/// The node's pods, most memory first: namespace, name, CPU, memory.
fn pods_table(pods: &[Value]) -> String {
    let mut rows: Vec<(u64, Vec<String>)> = pods
        .iter()
        .map(|pod| {
            let working_set = pod["memory"]["workingSetBytes"].as_u64().unwrap_or(0);
            let cell = |pointer: &str| pod.pointer(pointer).and_then(Value::as_str).unwrap_or("-");
            (
                working_set,
                vec![
                    cell("/podRef/namespace").to_owned(),
                    cell("/podRef/name").to_owned(),
                    cpu(&pod["cpu"]).unwrap_or_else(|| "-".to_owned()),
                    human_bytes(working_set),
                ],
            )
        })
        .collect();
    rows.sort_by(|left, right| right.0.cmp(&left.0).then_with(|| left.1.cmp(&right.1)));
    let columns: Vec<String> = ["NAMESPACE", "POD", "CPU", "MEMORY"]
        .iter()
        .map(|column| (*column).to_owned())
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, row)| row).collect();
    aligned(&columns, &rows)
}

/// `part` as a whole percentage of `whole` (0 when `whole` is 0).
fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (u128::from(part) * 100 / u128::from(whole)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_reads_as_words_and_its_pods_by_memory() {
        let text = json!({
            "node": {
                "nodeName": "node-1",
                "cpu": {"usageNanoCores": 1_230_000_000_u64},
                "memory": {"workingSetBytes": 3_u64 << 30, "availableBytes": 1_u64 << 30},
                "fs": {"usedBytes": 31_u64 << 30, "capacityBytes": 100_u64 << 30,
                       "availableBytes": 69_u64 << 30, "inodesUsed": 50, "inodes": 1000},
                "network": {"name": "eth0", "rxBytes": 2_u64 << 30, "txBytes": 1_u64 << 20,
                            "rxErrors": 0, "txErrors": 0},
                "rlimit": {"maxpid": 4_194_304, "curproc": 412}
            },
            "pods": [
                {"podRef": {"name": "web-1", "namespace": "demo"},
                 "cpu": {"usageNanoCores": 5_000_000}, "memory": {"workingSetBytes": 40_u64 << 20}},
                {"podRef": {"name": "db-0", "namespace": "demo"},
                 "cpu": {"usageNanoCores": 12_000_000}, "memory": {"workingSetBytes": 300_u64 << 20}}
            ]
        })
        .to_string();
        let words = summary(&text).expect("a summary");
        for expected in [
            "Node node-1 (kubelet stats summary)",
            "CPU         1230m in use",
            "Memory      3.0Gi working set, 1.0Gi available (75% used)",
            "Filesystem  31.0Gi used of 100.0Gi (31%), 69.0Gi available; inodes 5% used",
            "Network     eth0: 2.0Gi received, 1Mi sent since boot, no errors",
            "Processes   412 running (limit 4194304)",
            "Pods        2 with stats",
        ] {
            assert!(words.contains(expected), "{expected:?} in:\n{words}");
        }
        let db = words.find("db-0").expect("db-0 listed");
        let web = words.find("web-1").expect("web-1 listed");
        assert!(db < web, "most memory first:\n{words}");
        assert!(!words.contains('{'), "no JSON left:\n{words}");
    }

    #[test]
    fn anything_else_is_left_as_it_came() {
        assert_eq!(summary("not json"), None);
        assert_eq!(summary("{\"pods\": []}"), None);
    }
}
