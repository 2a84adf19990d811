//! `pods_top` and `nodes_top` answers sorted by the resource asked about,
//! highest first, with a line naming what is sorted by and what comes first:
//! "what uses the most memory", "which node is busiest" are answered by the
//! first row, which the metrics server's own order never put there.

use classifier::{Grouping, Order};

use crate::diagnosis::parse::Table;
use crate::diagnosis::quantity::{Cpu, Memory};

/// The resource sorted by when the request names none ("which node is
/// busiest", "top pods"): CPU, as `kubectl top --sort-by` users reach for
/// first.
const DEFAULT_ORDER: Order = Order::Cpu;

/// The top table `text` with its rows highest first by `order` (CPU when
/// the request named neither CPU nor memory), led by one line naming the
/// order and the first row; `None` when `text` is not a top table. With one
/// row per container (a `POD` column), the pods are ordered by their
/// containers' total and each pod's rows stay together.
pub(super) fn sorted(text: &str, order: Option<Order>, per: Option<Grouping>) -> Option<String> {
    let named = order.filter(|order| matches!(order, Order::Cpu | Order::Memory));
    let order = named.unwrap_or(DEFAULT_ORDER);
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next()?;
    let table = Table::parse(header);
    let cpu_column = table.column("CPU(cores)")?;
    let memory_column = table.column("MEMORY(bytes)")?;
    let percent = match order {
        Order::Memory => table.column("MEMORY(%)"),
        _ => table.column("CPU(%)"),
    };
    let pod = table.column("POD");
    let name = table.column("NAME")?;
    let namespace = table.column("NAMESPACE");
    // A row starts at the first column; what follows the rows (the
    // server's indented `________` rule and totals line) is kept as it
    // came, after them. A row may end early (an empty `SWAP(%)`).
    let mut footer = Vec::new();
    let mut body = Vec::new();
    for line in lines {
        if footer.is_empty() && !line.starts_with(char::is_whitespace) {
            body.push(line);
        } else {
            footer.push(line);
        }
    }
    let rows: Vec<Row> = body
        .into_iter()
        .map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            let cell = |index: Option<usize>| {
                index
                    .and_then(|index| cells.get(index))
                    .map(|cell| (*cell).to_owned())
            };
            let object = cell(pod).or_else(|| cell(Some(name))).unwrap_or_default();
            Row {
                line: line.to_owned(),
                group: match cell(namespace) {
                    Some(namespace) => format!("{namespace}/{object}"),
                    None => object,
                },
                cpu: cell(Some(cpu_column)).and_then(|cell| amount(Order::Cpu, &cell)),
                memory: cell(Some(memory_column)).and_then(|cell| amount(Order::Memory, &cell)),
                order,
                percent: cell(percent),
            }
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut groups: Vec<Group> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|group| group.name == row.group) {
            Some(group) => group.rows.push(row),
            None => groups.push(Group {
                name: row.group.clone(),
                rows: vec![row],
            }),
        }
    }
    for group in &mut groups {
        group
            .rows
            .sort_by_key(|row| std::cmp::Reverse(row.amount()));
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.total(order)));
    let lead = match groups.as_slice() {
        [only] => alone(only),
        _ if per == Some(Grouping::Namespace) && namespace.is_some() => {
            by_namespace(order, &groups)
        }
        _ => lead(order, named.is_some(), pod.is_some(), &groups, &table),
    };
    // The server pads every cell, the last one too: its trailing spaces
    // are no part of the table and only wrap a narrow terminal.
    let mut out = format!("{lead}\n\n{}\n", header.trim_end());
    for row in groups.iter().flat_map(|group| &group.rows) {
        out.push_str(row.line.trim_end());
        out.push('\n');
    }
    for line in footer {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Some(out)
}

/// One line of the table, with what it is sorted by.
struct Row {
    /// The line as the server printed it.
    line: String,
    /// The pod (or node) it belongs to, namespaced where the table is.
    group: String,
    /// Millicores; `None` for `<unknown>`, which sorts last.
    cpu: Option<u64>,
    /// Bytes; `None` for `<unknown>`, which sorts last.
    memory: Option<u64>,
    /// What the rows are sorted by.
    order: Order,
    /// The node's share of its capacity (`60%`) in the sorted resource,
    /// when the table has one.
    percent: Option<String>,
}

impl Row {
    /// The amount of the resource sorted by.
    fn amount(&self) -> Option<u64> {
        match self.order {
            Order::Memory => self.memory,
            _ => self.cpu,
        }
    }
}

/// The rows of one pod (its containers) or one node.
struct Group {
    name: String,
    rows: Vec<Row>,
}

impl Group {
    /// The pod's (or node's) whole use of `order`'s resource; `None` when
    /// none of it is known.
    fn total(&self, order: Order) -> Option<u64> {
        self.rows
            .iter()
            .filter_map(|row| match order {
                Order::Memory => row.memory,
                _ => row.cpu,
            })
            .reduce(u64::saturating_add)
    }
}

/// The one pod or node asked about ("how much memory is payment-service
/// using"): its CPU and memory, summed over its containers.
fn alone(group: &Group) -> String {
    let cpu = group
        .total(Order::Cpu)
        .map_or_else(|| "unknown".to_owned(), |cpu| format!("{cpu}m"));
    let memory = group
        .total(Order::Memory)
        .map_or_else(|| "unknown".to_owned(), super::human_bytes);
    let containers = if group.rows.len() > 1 {
        format!(" over {} containers", group.rows.len())
    } else {
        String::new()
    };
    format!(
        "{} uses {cpu} CPU and {memory} memory{containers}.",
        group.name
    )
}

/// "Which namespace uses the most memory", "cpu per namespace": each
/// namespace's pods summed, highest first by `order`, one line each, before
/// the pods' table.
fn by_namespace(order: Order, pods: &[Group]) -> String {
    // (namespace, CPU, memory, pods), in first-seen order, then sorted.
    let mut namespaces: Vec<(&str, u64, u64, usize)> = Vec::new();
    for pod in pods {
        let namespace = pod
            .name
            .split_once('/')
            .map_or("", |(namespace, _)| namespace);
        let (cpu, memory) = (
            pod.total(Order::Cpu).unwrap_or(0),
            pod.total(Order::Memory).unwrap_or(0),
        );
        match namespaces.iter_mut().find(|(name, ..)| *name == namespace) {
            Some(entry) => {
                entry.1 = entry.1.saturating_add(cpu);
                entry.2 = entry.2.saturating_add(memory);
                entry.3 += 1;
            }
            None => namespaces.push((namespace, cpu, memory, 1)),
        }
    }
    namespaces.sort_by_key(|&(name, cpu, memory, _)| {
        let amount = match order {
            Order::Memory => memory,
            _ => cpu,
        };
        (std::cmp::Reverse(amount), name)
    });
    let width = namespaces
        .iter()
        .map(|(name, ..)| name.len())
        .max()
        .unwrap_or(0);
    let mut text = match namespaces.first() {
        Some((first, ..)) => format!(
            "By namespace, highest {} first: {first} uses the most.",
            order.as_str()
        ),
        None => String::new(),
    };
    for (name, cpu, memory, count) in &namespaces {
        let pods = if *count == 1 { "pod" } else { "pods" };
        text.push_str(&format!(
            "\n  {name:<width$}  {cpu}m CPU, {} memory ({count} {pods})",
            super::human_bytes(*memory)
        ));
    }
    text
}

/// A top cell as millicores (CPU) or bytes (memory).
fn amount(order: Order, cell: &str) -> Option<u64> {
    match order {
        Order::Memory => Memory::parse(cell).ok().map(|memory| memory.0),
        _ => Cpu::parse(cell).ok().map(|cpu| cpu.0),
    }
}

/// "Sorted by memory, highest first: production/checkout-7d4b9 uses the
/// most (250Mi)." — and, when the request named no resource, how to ask for
/// the other one.
fn lead(order: Order, named: bool, per_container: bool, groups: &[Group], table: &Table) -> String {
    let nodes = table.column("CPU(%)").is_some() || table.column("MEMORY(%)").is_some();
    let what = order.as_str();
    let hint = if named {
        String::new()
    } else {
        let other = match order {
            Order::Memory => "CPU",
            _ => "memory",
        };
        format!(" (ask about {other} to sort by {other})")
    };
    let Some(first) = groups.first() else {
        return format!("Sorted by {what}, highest first{hint}.");
    };
    let Some(total) = first.total(order) else {
        return format!("Sorted by {what}, highest first{hint}: no usage is known yet.");
    };
    let shown = match order {
        Order::Memory => format!("{} memory", super::human_bytes(total)),
        _ => format!("{total}m CPU"),
    };
    let share = first
        .rows
        .first()
        .and_then(|row| row.percent.as_deref())
        .filter(|_| first.rows.len() == 1)
        .map(|percent| format!(", {percent} of its capacity"))
        .unwrap_or_default();
    let containers = if per_container && first.rows.len() > 1 {
        format!(" over {} containers", first.rows.len())
    } else {
        String::new()
    };
    let verb = if nodes {
        "is the busiest"
    } else {
        "uses the most"
    };
    format!(
        "Sorted by {what}, highest first{hint}: {} {verb} ({shown}{containers}{share}).",
        first.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, column: usize) -> Vec<String> {
        text.lines()
            .skip(3)
            .filter_map(|line| line.split_whitespace().nth(column).map(str::to_owned))
            .collect()
    }

    #[test]
    fn pods_are_sorted_by_the_resource_asked_highest_first() {
        let text = "NAMESPACE    NAME          CPU(cores)   MEMORY(bytes)\n\
                    production   web-1         250m         38Mi\n\
                    production   checkout-1    5m           1Gi\n\
                    production   redis-0       12m          512Mi\n";
        let by_memory = sorted(text, Some(Order::Memory), None).expect("a top table");
        assert!(
            by_memory.starts_with(
                "Sorted by memory, highest first: production/checkout-1 uses the most (1.0Gi memory)."
            ),
            "{by_memory}"
        );
        assert_eq!(names(&by_memory, 1), vec!["checkout-1", "redis-0", "web-1"]);
        let by_cpu = sorted(text, None, None).expect("a top table");
        assert!(
            by_cpu.starts_with(
                "Sorted by CPU, highest first (ask about memory to sort by memory): production/web-1 uses the most (250m CPU)."
            ),
            "{by_cpu}"
        );
        assert_eq!(names(&by_cpu, 1), vec!["web-1", "redis-0", "checkout-1"]);
    }

    #[test]
    fn nodes_name_the_busiest_with_its_share() {
        let text = "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)\n\
                    node-1   250m         12%      3010Mi          78%\n\
                    node-2   1200m        60%      1000Mi          25%\n\
                    node-3   <unknown>    <unknown>   <unknown>    <unknown>\n";
        let busiest = sorted(text, None, None).expect("a top table");
        assert!(
            busiest.contains("node-2 is the busiest (1200m CPU, 60% of its capacity)."),
            "{busiest}"
        );
        assert_eq!(names(&busiest, 0), vec!["node-2", "node-1", "node-3"]);
        // The server's own layout (0.0.67): SWAP columns, the last one empty.
        let text = "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   SWAP(bytes)   SWAP(%)   \n\
                    node-1   400m         10%      9216Mi          56%         0Mi           \n\
                    node-2   3100m        77%      2048Mi          12%         0Mi           \n";
        let busiest = sorted(text, None, None).expect("a top table");
        assert_eq!(names(&busiest, 0), vec!["node-2", "node-1"], "{busiest}");
        let by_memory = sorted(text, Some(Order::Memory), None).expect("a top table");
        assert!(
            by_memory.contains("node-1 is the busiest (9.0Gi memory, 56% of its capacity)."),
            "{by_memory}"
        );
    }

    #[test]
    fn containers_of_a_pod_stay_together_ordered_by_the_pods_total() {
        let text = "NAMESPACE   POD     NAME      CPU(cores)   MEMORY(bytes)\n\
                    demo        web-1   app       5m           100Mi\n\
                    demo        api-1   app       1m           150Mi\n\
                    demo        web-1   sidecar   1m           80Mi\n";
        let sorted = sorted(text, Some(Order::Memory), None).expect("a top table");
        assert_eq!(names(&sorted, 1), vec!["web-1", "web-1", "api-1"]);
        assert_eq!(names(&sorted, 2), vec!["app", "sidecar", "app"]);
        assert!(
            sorted.contains("demo/web-1 uses the most (180Mi memory over 2 containers)."),
            "{sorted}"
        );
    }

    #[test]
    fn the_totals_stay_below_the_sorted_rows() {
        // The server's own layout (0.0.67): a SWAP column and a totals footer.
        let text = "NAMESPACE    POD       NAME   CPU(cores)   MEMORY(bytes)   SWAP(bytes)   \n\
                    production   small-1   app    3m           17Mi            0Mi           \n\
                    production   big-1     app    20m          2048Mi          0Mi           \n\
                    \x20                                      ________        ________      \n\
                    \x20                                      23m             2065Mi          0Mi   \n";
        let sorted = sorted(text, Some(Order::Memory), None).expect("a top table");
        let lines: Vec<&str> = sorted.lines().collect();
        assert!(lines[3].contains("big-1"), "{sorted}");
        assert!(lines[4].contains("small-1"), "{sorted}");
        assert!(lines[5].contains("________"), "{sorted}");
        assert!(lines[6].contains("2065Mi"), "{sorted}");
        assert!(
            sorted.lines().all(|line| line == line.trim_end()),
            "no line keeps the server's trailing spaces: {sorted:?}"
        );
        assert!(
            sorted.starts_with(
                "Sorted by memory, highest first: production/big-1 uses the most (2.0Gi memory)."
            ),
            "{sorted}"
        );
    }

    #[test]
    fn one_pod_asked_about_reads_as_its_use() {
        let text = "POD          NAME      CPU(cores)   MEMORY(bytes)\n\
                    payment-1    app       410m         501Mi\n\
                    payment-1    envoy     10m          20Mi\n";
        let one = sorted(text, Some(Order::Memory), None).expect("a top table");
        assert!(
            one.starts_with("payment-1 uses 420m CPU and 521Mi memory over 2 containers.\n"),
            "{one}"
        );
    }

    #[test]
    fn text_that_is_no_top_table_is_left_alone() {
        assert_eq!(sorted("", None, None), None);
        assert_eq!(sorted("NAME   STATUS\nweb    Running\n", None, None), None);
        assert_eq!(
            sorted(
                "NAME   CPU(cores)   MEMORY(bytes)\n",
                Some(Order::Cpu),
                None
            ),
            None
        );
    }

    #[test]
    fn usage_by_namespace_sums_each_namespaces_pods() {
        let text = "NAMESPACE    POD      NAME   CPU(cores)   MEMORY(bytes)\n\
                    shop         web-1    web    100m         100Mi\n\
                    monitoring   prom-0   prom   50m          1Gi\n\
                    shop         api-1    api    300m         200Mi\n";
        let by_memory =
            sorted(text, Some(Order::Memory), Some(Grouping::Namespace)).expect("a top table");
        let lead: Vec<&str> = by_memory.lines().take(3).collect();
        assert_eq!(
            lead,
            [
                "By namespace, highest memory first: monitoring uses the most.",
                "  monitoring  50m CPU, 1.0Gi memory (1 pod)",
                "  shop        400m CPU, 300Mi memory (2 pods)",
            ],
            "{by_memory}"
        );
        let by_cpu =
            sorted(text, Some(Order::Cpu), Some(Grouping::Namespace)).expect("a top table");
        assert!(
            by_cpu.starts_with("By namespace, highest CPU first: shop uses the most."),
            "{by_cpu}"
        );
    }
}
