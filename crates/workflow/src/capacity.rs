//! What the cluster's nodes can hold: each node's capacity and allocatable
//! CPU, memory and pods, and their totals. A node list is a table without
//! them (`kubectl get nodes`), so each node is read whole (`resources_get`,
//! which the server does not throttle). Read for the questions about the
//! cluster's size ("how many cpus does the cluster have") and for the
//! warning on a scale-up far larger than the workload is now.

use serde_json::Value;

use crate::answers::human_bytes;
use crate::cluster::{Cluster, Fetched, cell};
use crate::diagnosis::quantity::{Cpu, Memory};
use crate::error::WorkflowError;

/// Most nodes read one by one. A cluster larger than this is summed over
/// the nodes read, and the answer says how many were left out: a question
/// about size is answered in a few seconds rather than one call per node
/// of a cluster of thousands.
pub(crate) const MAX_NODES_READ: usize = 100;

/// CPU, memory and pods of one node, or of several summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Resources {
    /// CPU, in millicores.
    pub(crate) cpu: Cpu,
    /// Memory, in bytes.
    pub(crate) memory: Memory,
    /// How many pods.
    pub(crate) pods: u64,
}

impl Resources {
    /// `status.capacity` or `status.allocatable` (`field`) of a Node; a
    /// missing or unreadable amount counts as none.
    fn of(node: &Value, field: &str) -> Resources {
        let amount = |name: &str| {
            node.pointer(&format!("/status/{field}/{name}"))
                .and_then(Value::as_str)
        };
        Resources {
            cpu: amount("cpu")
                .and_then(|cpu| Cpu::parse(cpu).ok())
                .unwrap_or_default(),
            memory: amount("memory")
                .and_then(|memory| Memory::parse(memory).ok())
                .unwrap_or_default(),
            pods: amount("pods")
                .and_then(|pods| pods.parse().ok())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn add(&mut self, other: Resources) {
        self.cpu.0 += other.cpu.0;
        self.memory.0 += other.memory.0;
        self.pods += other.pods;
    }
}

/// CPU as a person counts cores: `4`, `7.5`, `0.25` (kubectl's `7500m`
/// is exact but reads as a large number).
pub(crate) fn cores(cpu: Cpu) -> String {
    format!("{}", cpu.0 as f64 / 1000.0)
}

/// One node's share of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeCapacity {
    /// The node's name.
    pub(crate) name: String,
    /// The list's STATUS cell ("Ready", "Ready,SchedulingDisabled").
    pub(crate) status: String,
    /// Whether new pods may land there: Ready and not cordoned.
    pub(crate) schedulable: bool,
    /// What the machine has.
    pub(crate) capacity: Resources,
    /// What the kubelet offers pods (capacity less what it reserves).
    pub(crate) allocatable: Resources,
}

/// The nodes read, and how many more the list had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Nodes {
    /// The nodes read, in the list's order.
    pub(crate) nodes: Vec<NodeCapacity>,
    /// Nodes the list had beyond [`MAX_NODES_READ`].
    pub(crate) unread: usize,
}

impl Nodes {
    /// Reads the nodes of a node list's `rows` (those of `context`),
    /// up to [`MAX_NODES_READ`].
    pub(crate) async fn read(
        cluster: &Cluster,
        context: &str,
        rows: &[serde_json::Map<String, Value>],
    ) -> Result<Nodes, WorkflowError> {
        let mut nodes = Nodes {
            nodes: Vec::new(),
            unread: rows.len().saturating_sub(MAX_NODES_READ),
        };
        for row in rows.iter().take(MAX_NODES_READ) {
            let Some(name) = cell(row, "name") else {
                continue;
            };
            let Fetched::Found(node) = cluster.get(context, "v1", "Node", name, None).await? else {
                // Gone since the list: it holds nothing now.
                continue;
            };
            let status = cell(row, "status").unwrap_or("Unknown").to_owned();
            nodes.nodes.push(NodeCapacity {
                name: name.to_owned(),
                schedulable: status == "Ready",
                status,
                capacity: Resources::of(&node, "capacity"),
                allocatable: Resources::of(&node, "allocatable"),
            });
        }
        Ok(nodes)
    }

    /// Every node of `context`, read as [`Nodes::read`] reads them.
    pub(crate) async fn of_cluster(
        cluster: &Cluster,
        context: &str,
    ) -> Result<Nodes, WorkflowError> {
        let rows = cluster.list(context, "v1", "Node", None, None).await?;
        Nodes::read(cluster, context, &rows).await
    }

    /// The sum of what the nodes `which` picks offer pods.
    pub(crate) fn allocatable(&self, which: impl Fn(&NodeCapacity) -> bool) -> Resources {
        let mut total = Resources::default();
        for node in self.nodes.iter().filter(|node| which(node)) {
            total.add(node.allocatable);
        }
        total
    }

    /// The answer to "how many CPUs / how much memory does the cluster
    /// have": the totals first, then one row per node.
    pub(crate) fn answer(&self) -> String {
        let mut capacity = Resources::default();
        for node in &self.nodes {
            capacity.add(node.capacity);
        }
        let allocatable = self.allocatable(|_| true);
        let schedulable = self.nodes.iter().filter(|node| node.schedulable).count();
        let mut text = format!(
            "{} {}: {} CPU, {} memory, {} pods allocatable in all (capacity {} CPU, {} memory).",
            self.nodes.len(),
            if self.nodes.len() == 1 {
                "node"
            } else {
                "nodes"
            },
            cores(allocatable.cpu),
            human_bytes(allocatable.memory.0),
            allocatable.pods,
            cores(capacity.cpu),
            human_bytes(capacity.memory.0),
        );
        if schedulable < self.nodes.len() {
            let usable = self.allocatable(|node| node.schedulable);
            text.push_str(&format!(
                " {schedulable} of them are Ready and not cordoned, taking new pods: {} CPU, {} memory, {} pods.",
                cores(usable.cpu),
                human_bytes(usable.memory.0),
                usable.pods
            ));
        }
        if self.unread > 0 {
            text.push_str(&format!(
                " {} more nodes were not read (at most {MAX_NODES_READ} are) and are not counted.",
                self.unread
            ));
        }
        text.push_str("\n\n");
        let header = [
            "NAME",
            "STATUS",
            "CPU",
            "CPU CAPACITY",
            "MEMORY",
            "MEMORY CAPACITY",
            "PODS",
        ];
        let mut rows: Vec<[String; 7]> = vec![header.map(str::to_owned)];
        for node in &self.nodes {
            rows.push([
                node.name.clone(),
                node.status.clone(),
                cores(node.allocatable.cpu),
                cores(node.capacity.cpu),
                human_bytes(node.allocatable.memory.0),
                human_bytes(node.capacity.memory.0),
                node.allocatable.pods.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            text.push_str(line.join("   ").trim_end());
            text.push('\n');
        }
        text.push_str("(CPU, MEMORY and PODS are allocatable: what the kubelet offers pods.)\n");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, status: &str, cpu: &str, memory: &str) -> NodeCapacity {
        let object = json!({"status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
        }});
        NodeCapacity {
            name: name.into(),
            status: status.into(),
            schedulable: status == "Ready",
            capacity: Resources::of(&object, "capacity"),
            allocatable: Resources::of(&object, "allocatable"),
        }
    }

    #[test]
    fn the_answer_leads_with_the_totals_and_lists_each_node() {
        let nodes = Nodes {
            nodes: vec![
                node("node-1", "Ready", "4", "16Gi"),
                node("node-2", "Ready,SchedulingDisabled", "3500m", "8Gi"),
            ],
            unread: 0,
        };
        let answer = nodes.answer();
        assert!(
            answer.starts_with(
                "2 nodes: 7.5 CPU, 24.0Gi memory, 220 pods allocatable in all \
                 (capacity 7.5 CPU, 24.0Gi memory). 1 of them are Ready and not \
                 cordoned, taking new pods: 4 CPU, 16.0Gi memory, 110 pods.\n\n"
            ),
            "{answer}"
        );
        assert!(
            answer.contains("\nnode-2   Ready,SchedulingDisabled   3.5"),
            "{answer}"
        );
        assert_eq!(nodes.allocatable(|node| node.schedulable).cpu, Cpu(4000));
    }

    #[test]
    fn nodes_past_the_bound_are_said_to_be_left_out() {
        let nodes = Nodes {
            nodes: vec![node("node-1", "Ready", "2", "4Gi")],
            unread: 3,
        };
        assert!(
            nodes
                .answer()
                .contains(" 3 more nodes were not read (at most 100 are) and are not counted."),
            "{}",
            nodes.answer()
        );
    }
}
