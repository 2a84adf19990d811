//! What a read asks to be told about its one tool call's output: how many
//! there are, which comes first, which field of the object matters (its
//! ports, its images, its state, its routes), or which form of the object
//! (described, or its manifest as YAML or JSON).
//!
//! The intent says which call to make; the focus says how to shape its
//! answer. "How many pods are in staging" and "list pods in staging" make
//! the same `pods_list_in_namespace` call, but the first is answered with a
//! count; "what uses the most memory in production" and "top pods in
//! production" make the same `pods_top` call, but the first is answered
//! sorted by memory. The focus never changes the call, so it is kept out of
//! [`crate::Intent`] (whose arguments are exactly the MCP server's).

use serde::Serialize;

use crate::classify::MAX_REQUEST_BYTES;

/// How a read's answer is to be shaped, from the request's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReadFocus {
    /// "How many", "count", "number of": answer a list with its count.
    pub count: bool,
    /// What a usage or list answer is ordered by, highest first.
    pub order: Option<Order>,
    /// "Per node", "on each node", "by namespace", "in each status": a
    /// list is answered with how many of its rows fall in each group (it
    /// implies [`ReadFocus::count`]).
    pub per: Option<Grouping>,
    /// "Which ports", "what port": answer an object with its ports.
    pub ports: bool,
    /// "What image", "which version": answer a workload with its images.
    pub images: bool,
    /// "Is node-2 ready", "status of web", "when does db-backup run":
    /// answer an object with its state in a few lines.
    pub status: bool,
    /// "Which hosts", "what URLs": answer an Ingress with its routes.
    pub hosts: bool,
    /// "Labels", `--show-labels`: a list keeps its LABELS column, which a
    /// plain list leaves out as `kubectl get` does.
    pub labels: bool,
    /// "Describe", "details of", "tell me about": answer an object as
    /// `kubectl describe` shows it (state, key fields, containers), without
    /// its manifest. Its events take another call, so the answer names the
    /// request that reads them instead.
    pub describe: bool,
    /// "YAML", "JSON", "manifest", `-o yaml`, "full spec": answer an object
    /// with its (cleaned) manifest only. Wins over the other object focuses:
    /// an output format is the most explicit thing a request can ask for.
    pub manifest: bool,
    /// "Capacity", "allocatable": answer a node list with what each node
    /// can hold (its capacity and allocatable CPU, memory and pods) and the
    /// cluster's totals. A node list asked about CPU or memory ("how many
    /// cpus does the cluster have") is answered the same way.
    pub capacity: bool,
    /// "JSON", `-o json`: the manifest is shown as JSON rather than YAML
    /// (implies [`ReadFocus::manifest`]).
    pub json: bool,
    /// "Errors in the logs", "any exceptions", "grep error": a log is
    /// answered with its lines that report a failure.
    pub errors: bool,
    /// "Since 10m", "in the last hour", "past 2 days": a time window the
    /// server's log tool cannot select by (it reads the last lines), which
    /// the answer must say rather than pass off its lines as the window.
    pub since: bool,
    /// "What uses the postgres-credentials secret", "which pods mount pvc
    /// data-0", "is configmap app-config referenced anywhere": a
    /// ConfigMap, Secret, claim or service account is answered with the
    /// workloads and pods that name it.
    pub consumers: bool,
    /// "Rollout history", "revisions", "what versions have we deployed":
    /// answer a Deployment, StatefulSet or DaemonSet with its revisions, as
    /// `kubectl rollout history` lists them (each one's images, creation
    /// time, replicas and change cause), the running one marked.
    pub history: bool,
    /// "Pods with more than 5 restarts", "at least 3 restarts": a pod list
    /// keeps the rows that restarted more times than this (ordered by
    /// restarts, most first).
    pub restarts_over: Option<u32>,
}

/// What a list is ordered by, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// CPU use ("cpu", "cores", "processor").
    Cpu,
    /// Memory use ("memory", "mem", "ram").
    Memory,
    /// Container restarts ("most restarts", "restart count").
    Restarts,
    /// Age, youngest first ("newest pods", "sorted by age", "latest").
    Newest,
    /// Age, oldest first ("oldest deployments").
    Oldest,
}

impl Order {
    /// The order's name in an answer ("sorted by memory").
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Cpu => "CPU",
            Order::Memory => "memory",
            Order::Restarts => "restarts",
            Order::Newest | Order::Oldest => "age",
        }
    }
}

/// What a counted list is broken down by: one of the list's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// The node a pod runs on (the NODE column).
    Node,
    /// The namespace (the NAMESPACE column of a list across namespaces).
    Namespace,
    /// The state `kubectl get` prints (the STATUS column: Running,
    /// CrashLoopBackOff, Pending).
    Status,
}

impl Grouping {
    /// The list column the rows are grouped by.
    pub fn column(self) -> &'static str {
        match self {
            Grouping::Node => "NODE",
            Grouping::Namespace => "NAMESPACE",
            Grouping::Status => "STATUS",
        }
    }

    /// The grouping in an answer ("by node").
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Node => "node",
            Grouping::Namespace => "namespace",
            Grouping::Status => "status",
        }
    }

    /// The grouping a word names ("nodes", "namespace", "status").
    fn named(word: &str) -> Option<Grouping> {
        match word {
            "node" | "nodes" => Some(Grouping::Node),
            "namespace" | "namespaces" | "ns" => Some(Grouping::Namespace),
            "status" | "statuses" | "state" | "states" | "phase" | "phases" => {
                Some(Grouping::Status)
            }
            _ => None,
        }
    }
}

/// The request's focus: what its answer should lead with. Words are read
/// case-insensitively, split on anything that is not a letter, digit or
/// hyphen; a request longer than [`MAX_REQUEST_BYTES`] has no focus.
pub fn read_focus(text: &str) -> ReadFocus {
    let mut focus = ReadFocus::default();
    if text.len() > MAX_REQUEST_BYTES {
        return focus;
    }
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| !word.is_empty())
        .collect();
    let mut grouped_by_count_word = false;
    let mut which_namespace = false;
    for (index, word) in words.iter().enumerate() {
        let next = words.get(index + 1).copied();
        let previous = index.checked_sub(1).map(|before| words[before]);
        match *word {
            "how" if next == Some("many") => focus.count = true,
            // "more than 5 restarts", "over 3 restarts", "at least 2 restarts".
            // "restarted more than 3 times" too.
            count
                if (matches!(next, Some("restarts" | "restart"))
                    || matches!(next, Some("times" | "time"))
                        && words[..index]
                            .iter()
                            .any(|word| word.starts_with("restart")))
                    && let Ok(count) = count.parse::<u32>() =>
            {
                let over = match previous {
                    Some("than" | "over" | "above" | "exceeding") => Some(count),
                    Some("least") => Some(count.saturating_sub(1)),
                    _ => None,
                };
                if over.is_some() {
                    focus.restarts_over = over;
                    focus.order = Some(Order::Restarts);
                }
            }
            "which" | "what" if matches!(next, Some("namespace" | "namespaces" | "ns")) => {
                which_namespace = true;
            }
            "number" if next == Some("of") => focus.count = true,
            // "pods per node", "count pods by namespace": a count per
            // group. "Each" and "every" group only a count asked for in
            // other words ("how many pods on each node"): "describe each
            // node" is no count.
            "per" | "by" | "each" | "every" => {
                if let Some(grouping) = next.and_then(Grouping::named) {
                    focus.per = Some(grouping);
                    grouped_by_count_word = matches!(*word, "per" | "by");
                }
            }
            // "count pods", "pod count", "count of deployments" — but a
            // restart count is an order, not a count of objects.
            "count" | "counts" if previous != Some("restart") => focus.count = true,
            "cpu" | "cpus" | "cores" | "processor" => {
                focus.order.get_or_insert(Order::Cpu);
            }
            "memory" | "mem" | "ram" => {
                focus.order.get_or_insert(Order::Memory);
            }
            "restarts" | "restarted" | "restart" | "restarting"
                if words.iter().any(|word| ORDER_WORDS.contains(word)) =>
            {
                focus.order.get_or_insert(Order::Restarts);
            }
            // "newest pods", "sorted by age", "most recent deployments";
            // "oldest" the other way round.
            "newest" | "youngest" | "latest" => {
                focus.order.get_or_insert(Order::Newest);
            }
            // "most recent pods", "most recently created deployments",
            // "newly created pods".
            "recent" | "recently" if previous == Some("most") => {
                focus.order.get_or_insert(Order::Newest);
            }
            "newly" | "recently"
                if matches!(
                    next,
                    Some("created" | "added" | "deployed" | "launched" | "started" | "scheduled")
                ) =>
            {
                focus.order.get_or_insert(Order::Newest);
            }
            "age" if matches!(previous, Some("by")) => {
                focus.order.get_or_insert(Order::Newest);
            }
            "oldest" => {
                focus.order.get_or_insert(Order::Oldest);
            }
            "history" | "revision" | "revisions" | "rollouts" => focus.history = true,
            // "which versions were deployed", "releases we shipped".
            "versions" | "releases"
                if words.iter().any(|word| {
                    matches!(
                        *word,
                        "deployed" | "released" | "shipped" | "rolled" | "deploys" | "past"
                    )
                }) =>
            {
                focus.history = true;
            }
            "port" | "ports" => focus.ports = true,
            "capacity" | "capacities" | "allocatable" => focus.capacity = true,
            "image" | "images" | "version" | "versions" | "tag" => focus.images = true,
            "ready" | "status" | "state" | "healthy" | "conditions" | "schedule" | "scheduled"
            | "bound" | "cordoned" | "schedulable" => {
                focus.status = true;
            }
            "host" | "hosts" | "hostname" | "hostnames" | "domain" | "domains" | "url" | "urls"
            | "route" | "routes" => {
                focus.hosts = true;
            }
            "label" | "labels" | "labeled" | "labelled" | "--show-labels" => focus.labels = true,
            "describe" | "describes" | "describing" | "details" | "detail" | "detailed"
            | "info" | "information" => focus.describe = true,
            // "tell me about checkout", "everything about pod web-1".
            "about" if matches!(previous, Some("me" | "everything" | "all" | "more")) => {
                focus.describe = true;
            }
            "yaml" | "yml" | "-oyaml" | "-oyml" | "manifest" | "manifests" | "raw"
            | "definition" => focus.manifest = true,
            "error" | "errors" | "exception" | "exceptions" | "fatal" | "panic" | "panics"
            | "traceback" | "tracebacks" | "stacktrace" | "stacktraces" => focus.errors = true,
            "since" | "--since" => focus.since = true,
            "use" | "uses" | "using" | "used" | "mount" | "mounts" | "mounting" | "mounted"
            | "reference" | "references" | "referencing" | "referenced" | "depends" | "depend"
            | "consume" | "consumes" | "consuming" => focus.consumers = true,
            // "in the last hour", "past 10 minutes", "last 2h"; not "the
            // last 20 lines".
            "last" | "past" | "previous"
                if next.is_some_and(is_time_unit)
                    || next.is_some_and(|count| count.chars().all(|c| c.is_ascii_digit()))
                        && words.get(index + 2).copied().is_some_and(is_time_unit) =>
            {
                focus.since = true;
            }
            "json" | "-ojson" => {
                focus.manifest = true;
                focus.json = true;
            }
            // "the full spec of checkout", "its whole spec".
            "spec" | "specification"
                if matches!(previous, Some("full" | "whole" | "entire" | "complete")) =>
            {
                focus.manifest = true;
            }
            _ => {}
        }
    }
    if matches!(focus.order, Some(Order::Cpu | Order::Memory)) {
        // "memory by namespace", "which namespace uses the most cpu": the
        // use summed per group, which is no count.
        if which_namespace {
            focus.per = Some(Grouping::Namespace);
        }
    } else if grouped_by_count_word {
        focus.count = true;
    } else if !focus.count {
        focus.per = None;
    }
    focus
}

/// A unit of time as requests write it ("minutes", "hr", "10m", "2h").
fn is_time_unit(word: &str) -> bool {
    let unit = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let counted = unit.len() < word.len();
    matches!(
        unit,
        "second"
            | "seconds"
            | "sec"
            | "secs"
            | "minute"
            | "minutes"
            | "min"
            | "mins"
            | "hour"
            | "hours"
            | "hr"
            | "hrs"
            | "day"
            | "days"
            | "week"
            | "weeks"
    ) || (counted && matches!(unit, "s" | "m" | "h" | "d"))
}

/// Words that make "restarts" an order ("the most restarts", "sorted by
/// restart count") rather than a change ("restart web").
const ORDER_WORDS: [&str; 7] = [
    "most", "highest", "sorted", "sort", "order", "ordered", "count",
];

/// Verbs of a connection a network test checks ("reach", "connect to").
const CONNECTION_VERBS: [&str; 7] = [
    "reach", "connect", "talk", "access", "hit", "ping", "resolve",
];

/// Words between a network test's source and its verb ("orders pods
/// cannot reach", "checkout is unable to connect"), skipped.
const BEFORE_CONNECTION_VERB: [&str; 31] = [
    "t", "s", "can", "cannot", "could", "couldn", "not", "does", "doesn", "do", "don", "did",
    "didn", "will", "won", "is", "isn", "are", "aren", "be", "able", "unable", "to", "still",
    "suddenly", "no", "longer", "the", "pod", "pods", "app",
];

/// Words that stand where a source would and name none.
const NO_SOURCE: [&str; 22] = [
    "why", "what", "how", "who", "which", "where", "when", "i", "we", "you", "it", "they", "my",
    "our", "this", "that", "anything", "nothing", "dns", "cluster", "and", "or",
];

/// The workload a network test is asked from, when the request names one
/// ("why can't orders connect to postgres", "can checkout reach payments",
/// "orders pods cannot talk to redis", "test connectivity from orders to
/// db"): a name for the workflow to look up, never trusted before the
/// cluster has it. `None` when nothing names a source ("can you reach
/// postgres", "can pods in staging reach the api").
pub fn network_test_source(text: &str) -> Option<String> {
    if text.len() > MAX_REQUEST_BYTES {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| !word.is_empty())
        .collect();
    let verb = words
        .iter()
        .position(|word| CONNECTION_VERBS.contains(word));
    let tests_network = verb.is_some()
        || words
            .iter()
            .any(|word| matches!(*word, "connectivity" | "connection" | "network"));
    if !tests_network {
        return None;
    }
    let named_at = |at: usize| {
        let word = words[at];
        let names_a_namespace = at
            .checked_sub(1)
            .is_some_and(|before| matches!(words[before], "in" | "namespace" | "n"));
        (!NO_SOURCE.contains(&word)
            && !BEFORE_CONNECTION_VERB.contains(&word)
            && !CONNECTION_VERBS.contains(&word)
            && word.starts_with(|c: char| c.is_ascii_lowercase())
            && !names_a_namespace)
            .then(|| word.to_owned())
    };
    // "from orders to postgres", "reach postgres from orders".
    if let Some(from) = words.iter().position(|word| *word == "from") {
        let after = (from + 1..words.len())
            .find(|&at| !matches!(words[at], "the" | "pod" | "pods" | "app"));
        if let Some(source) = after.and_then(named_at) {
            return Some(source);
        }
    }
    let verb = verb?;
    let before = (0..verb)
        .rev()
        .find(|&at| !BEFORE_CONNECTION_VERB.contains(&words[at]))?;
    named_at(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_words_ask_for_a_count() {
        for text in [
            "how many pods are in staging",
            "count deployments",
            "number of nodes",
            "pod count in production",
            "How Many services?",
        ] {
            assert!(read_focus(text).count, "{text}");
        }
        for text in [
            "list pods in staging",
            "pods with the highest restart count",
            "get deployments",
        ] {
            assert!(!read_focus(text).count, "{text}");
        }
    }

    #[test]
    fn a_restart_threshold_keeps_the_pods_over_it() {
        for (text, over) in [
            ("pods with more than 5 restarts", Some(5)),
            ("which pods restarted over 3 restarts in prod", Some(3)),
            ("pods with at least 2 restarts", Some(1)),
            ("list pods that restarted more than 3 times", Some(3)),
            ("scale web to more than 3 times its size", None),
            ("pods with 5 restarts", None),
            ("top pods by restarts", None),
        ] {
            assert_eq!(read_focus(text).restarts_over, over, "{text}");
        }
        assert_eq!(
            read_focus("pods with more than 5 restarts").order,
            Some(Order::Restarts)
        );
    }

    #[test]
    fn a_use_verb_asks_for_the_users_of_an_object() {
        for text in [
            "what uses the postgres-credentials secret",
            "which pods mount pvc data-0",
            "is configmap app-config referenced anywhere",
            "who depends on secret db",
        ] {
            assert!(read_focus(text).consumers, "{text}");
        }
        assert!(!read_focus("show secret db in shop").consumers);
    }

    #[test]
    fn revisions_and_deployed_versions_ask_for_the_rollout_history() {
        for text in [
            "rollout history of checkout",
            "show revisions of web",
            "what versions of payments have we deployed",
            "kubectl rollout history deployment/web -n shop",
            "what revision is checkout on",
        ] {
            assert!(read_focus(text).history, "{text}");
        }
        for text in [
            "what version of nginx is checkout running",
            "show deployment web",
            "images of web",
        ] {
            assert!(!read_focus(text).history, "{text}");
        }
    }

    #[test]
    fn a_grouping_asks_for_a_count_per_group() {
        for (text, grouping) in [
            ("how many pods are on each node", Grouping::Node),
            ("pods per node", Grouping::Node),
            ("count pods by namespace", Grouping::Namespace),
            ("number of pods in every namespace", Grouping::Namespace),
            ("how many pods per status in production", Grouping::Status),
            ("pods by phase", Grouping::Status),
        ] {
            let focus = read_focus(text);
            assert_eq!(focus.per, Some(grouping), "{text}");
            assert!(focus.count, "{text}");
        }
        for (text, order) in [
            ("which namespace uses the most memory", Order::Memory),
            ("memory usage by namespace", Order::Memory),
            ("cpu per namespace", Order::Cpu),
        ] {
            let focus = read_focus(text);
            assert_eq!(
                (focus.per, focus.order, focus.count),
                (Some(Grouping::Namespace), Some(order), false),
                "{text}"
            );
        }
        for text in [
            "top pods by cpu",
            "list pods on node-1",
            "pods sorted by restarts",
            "what's the status of each pod",
            "describe each node",
        ] {
            assert_eq!(read_focus(text).per, None, "{text}");
        }
    }

    #[test]
    fn log_questions_ask_for_errors_or_a_time_window() {
        for text in [
            "grep errors in checkout logs",
            "any exceptions in the payment-service logs",
            "show fatal lines of pod web-1",
        ] {
            assert!(read_focus(text).errors, "{text}");
        }
        assert!(!read_focus("logs of checkout").errors);
        for text in [
            "logs of postgres-0 since 10m",
            "checkout logs in the last hour",
            "logs from the past 2 days for web",
            "kubectl logs web-1 --since=1h",
            "logs of web for the last 30 minutes",
            "last 2h of logs of web",
        ] {
            assert!(read_focus(text).since, "{text}");
        }
        for text in [
            "last 20 lines of the checkout logs",
            "previous logs of payment-service",
            "logs of the last pod",
        ] {
            assert!(!read_focus(text).since, "{text}");
        }
    }

    #[test]
    fn the_first_resource_named_orders_usage() {
        assert_eq!(
            read_focus("what uses the most memory in production").order,
            Some(Order::Memory)
        );
        assert_eq!(read_focus("top pods by cpu").order, Some(Order::Cpu));
        assert_eq!(
            read_focus("top pods by cpu and memory").order,
            Some(Order::Cpu)
        );
        assert_eq!(read_focus("which node is busiest").order, None);
        assert_eq!(
            read_focus("which pods have the most restarts").order,
            Some(Order::Restarts)
        );
        assert_eq!(
            read_focus("pods sorted by restart count").order,
            Some(Order::Restarts)
        );
        assert_eq!(read_focus("restart web in production").order, None);
        assert_eq!(
            read_focus("list pods in production sorted by age").order,
            Some(Order::Newest)
        );
        assert_eq!(
            read_focus("newest pods in staging").order,
            Some(Order::Newest)
        );
        assert_eq!(
            read_focus("most recent pods in production").order,
            Some(Order::Newest)
        );
        assert_eq!(
            read_focus("most recently created deployments").order,
            Some(Order::Newest)
        );
        assert_eq!(
            read_focus("newly created pods in staging").order,
            Some(Order::Newest)
        );
        assert_eq!(
            read_focus("which deployment is the oldest").order,
            Some(Order::Oldest)
        );
    }

    #[test]
    fn capacity_words_ask_for_capacity() {
        assert!(read_focus("node capacity").capacity);
        assert!(read_focus("how much allocatable memory is there").capacity);
        assert!(!read_focus("list nodes").capacity);
    }

    #[test]
    fn port_questions_ask_for_ports() {
        assert!(read_focus("what ports does the checkout service expose").ports);
        assert!(read_focus("which port is web on?").ports);
        assert!(!read_focus("get service checkout").ports);
    }

    #[test]
    fn image_questions_ask_for_images() {
        assert!(read_focus("what image is checkout running in production").images);
        assert!(read_focus("which version of web is deployed").images);
        assert!(!read_focus("describe deployment web").images);
    }

    #[test]
    fn state_and_route_questions_ask_for_them() {
        assert!(read_focus("is node-2 ready").status);
        assert!(read_focus("what's the status of deployment web").status);
        assert!(read_focus("what is the schedule of db-backup").status);
        assert!(!read_focus("get node node-2").status);
        assert!(read_focus("what hosts does the shop ingress serve").hosts);
        assert!(read_focus("which URLs does shop route").hosts);
        assert!(!read_focus("describe ingress shop").hosts);
    }

    #[test]
    fn label_words_keep_the_labels() {
        assert!(read_focus("show pods with their labels").labels);
        assert!(read_focus("kubectl get pods --show-labels").labels);
        assert!(!read_focus("list pods in staging").labels);
    }

    #[test]
    fn describe_words_ask_for_a_description() {
        for text in [
            "describe deployment checkout in production",
            "kubectl describe pod web-1",
            "details of service checkout",
            "tell me about the checkout deployment",
            "show me everything about pod web-1",
            "give me detailed info on node-2",
        ] {
            let focus = read_focus(text);
            assert!(focus.describe && !focus.manifest, "{text}");
        }
        for text in ["get deployment checkout", "what about staging"] {
            assert!(!read_focus(text).describe, "{text}");
        }
    }

    #[test]
    fn output_formats_ask_for_the_manifest() {
        for text in [
            "get pod web-1 -o yaml",
            "kubectl get deploy checkout -oyaml -n shop",
            "show me the checkout deployment as yaml",
            "dump the manifest of configmap settings",
            "what's the full spec of statefulset postgres",
            "get deployment web --output=yaml",
        ] {
            let focus = read_focus(text);
            assert!(focus.manifest && !focus.json, "{text}");
        }
        for text in [
            "get pod web-1 -o json",
            "kubectl get svc checkout -ojson",
            "print deployment checkout in json",
        ] {
            let focus = read_focus(text);
            assert!(focus.manifest && focus.json, "{text}");
        }
        for text in [
            "get pod web-1",
            "get pod web-1 -o jsonpath={.status.phase}",
            "get pods -o wide",
            "what's in the spec",
        ] {
            assert!(!read_focus(text).manifest, "{text}");
        }
    }

    #[test]
    fn an_oversized_request_has_no_focus() {
        let text = "how many ".repeat(MAX_REQUEST_BYTES);
        assert_eq!(read_focus(&text), ReadFocus::default());
    }

    #[test]
    fn a_network_tests_source_is_the_name_before_its_verb_or_after_from() {
        for (text, source) in [
            ("why can't orders connect to postgres", Some("orders")),
            ("can checkout reach payments in shop", Some("checkout")),
            ("checkout pods cannot reach payments", Some("checkout")),
            ("orders is unable to connect to the db", Some("orders")),
            (
                "test connectivity from orders to postgres:5432",
                Some("orders"),
            ),
            ("why can't I reach postgres from orders", Some("orders")),
            ("can you reach postgres", None),
            ("can pods in staging reach the api service", None),
            ("is dns working in staging", None),
            ("why can't I connect to postgres", None),
        ] {
            assert_eq!(network_test_source(text).as_deref(), source, "{text}");
        }
    }
}
