//! Human rendering (`-o table`, the default) of every answer the daemon or
//! the in-process pipeline gives: answers, plan cards, diagnoses, the health
//! overview, hand-offs, questions back, results of approved changes, the
//! pending list and the daemon's status.
//!
//! Every function here is pure: the response's JSON (exactly what `-o json`
//! prints) and a [`Style`] in, a `String` out. Rendering from the JSON rather
//! than from the workflow's types keeps one source of truth for what a
//! client sees (the wire contract) and lets any client (the socket client,
//! the in-process backend, the shell, the demo) print the same cards. A
//! field the card expects but the JSON lacks is shown as `-`, never a panic.
//!
//! Colour marks what the eye should find first (severity, outcome, the two
//! sides of a diff) and is used only when [`Style::colour`] is set, which
//! [`Style::for_stdout`] does only on a terminal without `NO_COLOR`.

use std::fmt::Write as _;

use serde_json::Value;

/// How to render: with or without colour, and the instant expiry times are
/// shown relative to (passed in so rendering stays pure and testable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours and bold on.
    pub colour: bool,
    /// "Now", in milliseconds since the Unix epoch.
    pub now_unix_ms: u64,
}

impl Style {
    /// The style for stdout as it is now: colour only on a terminal without
    /// `NO_COLOR`, times relative to the current clock.
    pub fn for_stdout() -> Self {
        Self {
            colour: crate::output::colour_enabled(),
            now_unix_ms: now_unix_ms(),
        }
    }

    /// No colour, times relative to `now_unix_ms`.
    pub fn plain(now_unix_ms: u64) -> Self {
        Self {
            colour: false,
            now_unix_ms,
        }
    }

    /// Colour, times relative to `now_unix_ms`.
    pub fn coloured(now_unix_ms: u64) -> Self {
        Self {
            colour: true,
            now_unix_ms,
        }
    }

    fn paint(&self, paint: Paint, text: &str) -> String {
        if self.colour && !text.is_empty() {
            format!("\x1b[{}m{text}\x1b[0m", paint.code())
        } else {
            text.to_owned()
        }
    }
}

/// The current time in milliseconds since the Unix epoch (0 if the clock is
/// before it, which only makes expiry times read "expired").
pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The few text attributes the cards use.
#[derive(Debug, Clone, Copy)]
enum Paint {
    /// Headings and names.
    Bold,
    /// Secondary detail.
    Dim,
    /// Critical, failed, removed.
    Red,
    /// Warnings, unverified, changed.
    Yellow,
    /// Verified, added.
    Green,
    /// Commands to type.
    Cyan,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Bold => "1",
            Paint::Dim => "2",
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::Green => "32",
            Paint::Cyan => "36",
        }
    }
}

/// Any response by its `kind`; a kind this client does not know is shown as
/// indented JSON so nothing the daemon says is lost.
pub fn response(value: &Value, style: &Style) -> String {
    match value["kind"].as_str() {
        Some("answer") => answer(value, style),
        Some("plan") => plan(value, style),
        Some("diagnosis") => diagnosis(value, style),
        Some("health") => health(value, style),
        Some("handoff") => handoff(value, style),
        Some("clarify") => clarify(value, style),
        Some("result") => result(value, style),
        Some("pending") => pending(value, style),
        Some("status") => status(value, style),
        Some("denied") => denied(value, style),
        _ => format!(
            "{}\n",
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        ),
    }
}

/// A read's answer: the server's text as it is (a table, YAML, plain text),
/// with a trailing newline; a failure reported by the server is marked.
pub fn answer(value: &Value, style: &Style) -> String {
    let text = value["text"].as_str().unwrap_or_default();
    let mut out = String::new();
    if value["error"] == Value::Bool(true) {
        out.push_str(&style.paint(Paint::Red, "error: "));
    } else if value["tool"] == "events_list"
        && let Some(table) = events_table(text)
    {
        return table;
    }
    out.push_str(text.trim_end_matches('\n'));
    out.push('\n');
    out
}

/// The events tool's YAML list as kubectl's `get events` table (time, type,
/// reason, object, message), oldest first, a namespace column only when the
/// events span several: hundreds of YAML lines become one line per event.
/// Words kubeop put before the list (which events were kept, of how many)
/// stay above the table; the server's own `#` heading goes. `None` when the
/// text is not that list, so it is shown as it came.
fn events_table(text: &str) -> Option<String> {
    let start = if text.starts_with("- ") {
        0
    } else {
        text.find("\n- ")? + 1
    };
    let (before, body) = text.split_at(start);
    let lead: Vec<&str> = before
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .collect();
    let table = events_rows(body)?;
    if lead.is_empty() {
        Some(table)
    } else {
        Some(format!("{}\n\n{table}", lead.join("\n")))
    }
}

/// The table of [`events_table`] for the YAML list alone.
fn events_rows(body: &str) -> Option<String> {
    let Value::Array(events) = serde_norway::from_str::<Value>(body).ok()? else {
        return None;
    };
    let field = |event: &Value, key: &str| event[key].as_str().unwrap_or("").to_owned();
    let mut rows: Vec<(String, Vec<String>)> = events
        .iter()
        .map(|event| {
            let object = format!(
                "{}/{}",
                event["InvolvedObject"]["Kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase(),
                event["InvolvedObject"]["Name"].as_str().unwrap_or("")
            );
            let time = field(event, "Timestamp");
            let shown_time = time.trim_end_matches(" +0000 UTC").to_owned();
            (
                time,
                vec![
                    field(event, "Namespace"),
                    shown_time,
                    field(event, "Type"),
                    field(event, "Reason"),
                    object,
                    field(event, "Message").replace('\n', " "),
                ],
            )
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|left, right| left.0.cmp(&right.0));
    let several_namespaces = rows.iter().any(|(_, row)| row[0] != rows[0].1[0]);
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(_, row)| {
            if several_namespaces {
                row
            } else {
                row[1..].to_vec()
            }
        })
        .collect();
    let header: &[&str] = if several_namespaces {
        &["NAMESPACE", "TIME", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    } else {
        &["TIME", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    };
    Some(crate::output::table(header, &rows))
}

/// A plan card: what will change where, current → desired, warnings, impact,
/// and how to approve or deny it.
pub fn plan(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    plan_body(&mut out, value, style);
    out.push_str(&plan_commands(value, style));
    out
}

/// The commands that approve or deny a plan later (shown under a plan card,
/// and after an inline prompt that left the plan pending).
pub fn plan_commands(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    let plan_id = text(&value["plan_id"]);
    let mut approve = format!(
        "kubeop approve {plan_id} --hash {}",
        text(&value["plan_hash"])
    );
    if value["retype_required"] == Value::Bool(true) {
        approve.push_str(&format!(" --retype {}", text(&value["target"]["name"])));
    }
    // "Approve with: <command>" is also what scripts (scripts/demo) look for.
    let _ = writeln!(out, "Approve with: {}", style.paint(Paint::Cyan, &approve));
    let _ = writeln!(
        out,
        "Deny with:    {}",
        style.paint(Paint::Cyan, &format!("kubeop deny {plan_id}"))
    );
    out
}

/// Everything of a plan card but the approve/deny commands (the inline
/// prompt asks instead).
pub fn plan_summary(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    plan_body(&mut out, value, style);
    out
}

fn plan_body(out: &mut String, value: &Value, style: &Style) {
    let target = &value["target"];
    let _ = writeln!(
        out,
        "{} {} {}",
        style.paint(Paint::Bold, "Plan"),
        text(&value["plan_id"]),
        style.paint(Paint::Dim, &format!("(hash {})", text(&value["plan_hash"]))),
    );
    let _ = writeln!(
        out,
        "  {:<10}{}",
        "operation",
        style.paint(Paint::Bold, &text(&value["operation"]))
    );
    let _ = writeln!(out, "  {:<10}{}", "target", describe_target(target));
    let _ = writeln!(out, "  {:<10}{}", "context", text(&target["context"]));
    if let Some(tool) = value["tool"].as_str() {
        let _ = writeln!(out, "  {:<10}{}", "tool", tool);
    }
    out.push_str("Change (current → desired):\n");
    for line in change_lines(value, style) {
        let _ = writeln!(out, "  {line}");
    }
    let warnings = strings(&value["warnings"]);
    if !warnings.is_empty() {
        out.push_str("Warnings:\n");
        for warning in warnings {
            let _ = writeln!(out, "  {} {warning}", style.paint(Paint::Yellow, "!"));
        }
    }
    let removes = strings(&value["removes"]);
    let cleanup = value["cleanup"].as_str();
    if !removes.is_empty() || cleanup.is_some() {
        out.push_str("Impact:\n");
        for removed in removes {
            let _ = writeln!(out, "  {} removes {removed}", style.paint(Paint::Red, "-"));
        }
        if let Some(cleanup) = cleanup {
            let _ = writeln!(out, "  then {cleanup}");
        }
    }
    let inferred = strings(&value["inferred"]);
    if !inferred.is_empty() {
        out.push_str("Inferred:\n");
        for line in inferred {
            let _ = writeln!(out, "  {}", style.paint(Paint::Dim, &line));
        }
    }
    if let Some(expires) = value["expires_at_unix_ms"].as_u64() {
        let _ = writeln!(out, "Expires:  {}", until(expires, style.now_unix_ms));
    }
    if value["retype_required"] == Value::Bool(true) {
        let _ = writeln!(
            out,
            "Policy:   approving asks you to retype the name {}",
            style.paint(Paint::Bold, &text(&target["name"]))
        );
    }
}

/// `Deployment staging/nginx`, or `Node n1` for cluster-scoped objects.
fn describe_target(target: &Value) -> String {
    match target["namespace"].as_str() {
        Some(namespace) => format!(
            "{} {namespace}/{}",
            text(&target["kind"]),
            text(&target["name"])
        ),
        None => format!("{} {}", text(&target["kind"]), text(&target["name"])),
    }
}

/// The change as lines: the field diff when there is one, otherwise the
/// current and desired states side by side, key by key.
fn change_lines(value: &Value, style: &Style) -> Vec<String> {
    let added = |line: String| style.paint(Paint::Green, &line);
    let removed = |line: String| style.paint(Paint::Red, &line);
    if let Some(diff) = value["diff"].as_array().filter(|diff| !diff.is_empty()) {
        return diff
            .iter()
            .map(|change| {
                let path = text(&change["path"]);
                match change["change"].as_str() {
                    Some("added") => added(format!("+ {path}: {}", scalar(&change["desired"]))),
                    Some("removed") => removed(format!("- {path}: {}", scalar(&change["live"]))),
                    _ => format!(
                        "~ {path}: {} → {}",
                        removed(scalar(&change["live"])),
                        added(scalar(&change["desired"]))
                    ),
                }
            })
            .collect();
    }
    let (current, desired) = (&value["current"], &value["desired"]);
    if desired.is_null() && value["operation"] == "delete" {
        return vec![removed(format!(
            "- {} is deleted",
            describe_target(&value["target"])
        ))];
    }
    if current.is_null()
        && let Some(preview) = value["preview"].as_str()
    {
        let mut lines = vec![added(format!(
            "+ {} is created:",
            describe_target(&value["target"])
        ))];
        lines.extend(preview.lines().map(|line| added(format!("    {line}"))));
        return lines;
    }
    match (current, desired) {
        (Value::Object(_) | Value::Null, Value::Object(wanted)) => {
            let empty = serde_json::Map::new();
            let before = current.as_object().unwrap_or(&empty);
            let mut lines: Vec<String> = wanted
                .iter()
                .map(|(key, wanted)| match before.get(key) {
                    Some(was) if was == wanted => format!("  {key}: {}", scalar(wanted)),
                    Some(was) => format!(
                        "~ {key}: {} → {}",
                        removed(scalar(was)),
                        added(scalar(wanted))
                    ),
                    None => added(format!("+ {key}: {}", scalar(wanted))),
                })
                .collect();
            lines.extend(
                before
                    .iter()
                    .filter(|(key, _)| !wanted.contains_key(*key))
                    .map(|(key, was)| {
                        style.paint(Paint::Dim, &format!("  {key}: {} (now)", scalar(was)))
                    }),
            );
            lines
        }
        _ => vec![format!(
            "{} → {}",
            removed(scalar(current)),
            added(scalar(desired))
        )],
    }
}

/// A diagnosis card: the cause and its summary, the quoted evidence, the
/// playbook's findings, then the proposed fix as a plan card or the next steps.
pub fn diagnosis(value: &Value, style: &Style) -> String {
    let report = &value["report"];
    let mut out = String::new();
    // The playbook's own name for a pod-failure cause ("OOMKilled"); other
    // playbooks name themselves (`resource_pressure`).
    let cause = serde_json::from_value::<workflow::diagnosis::Cause>(value["cause"].clone())
        .map_or_else(
            |_| humanise(&text(&value["cause"])),
            |cause| cause.title().to_owned(),
        );
    let _ = writeln!(
        out,
        "{} {}",
        style.paint(Paint::Bold, "Diagnosis:"),
        style.paint(Paint::Bold, &cause)
    );
    if let Some(subject) = report["subject"].as_object() {
        let subject = Value::Object(subject.clone());
        let _ = writeln!(
            out,
            "  {:<9}{} {}",
            "subject",
            describe_target(&subject),
            style.paint(
                Paint::Dim,
                &format!("(context {})", text(&value["context"]))
            )
        );
    } else {
        let _ = writeln!(out, "  {:<9}{}", "context", text(&value["context"]));
    }
    if let Some(summary) = report["summary"].as_str() {
        let _ = writeln!(out, "{summary}");
    }
    // A playbook whose findings are its evidence (resource pressure) lists
    // each line once, under Findings with its severity.
    let found: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            format!(
                "{}: {}",
                text(&finding["subject"]),
                text(&finding["message"])
            )
        })
        .collect();
    let evidence: Vec<String> = strings(&value["evidence"])
        .into_iter()
        .filter(|quote| !found.contains(quote))
        .collect();
    if !evidence.is_empty() {
        out.push_str("Evidence:\n");
        for quote in evidence {
            let _ = writeln!(out, "  {}", quoted(&quote));
        }
    }
    findings(&mut out, &report["findings"], style);
    grants(&mut out, &report["grants"]);
    node_loads(&mut out, &report["nodes"]);
    let others = strings(&report["other_failing_pods"]);
    if !others.is_empty() {
        out.push_str("Also failing:\n");
        for other in others {
            let _ = writeln!(out, "  {other}");
        }
    }
    if value["proposal"].is_object() {
        out.push_str(&style.paint(Paint::Bold, "Proposed fix:"));
        out.push('\n');
        for line in plan(&value["proposal"], style).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    next_steps(&mut out, &report["next_steps"], style);
    out
}

/// `source: quote` evidence lines with the quote in quotation marks.
fn quoted(evidence: &str) -> String {
    match evidence.split_once(": ") {
        Some((source, quote)) => format!("{source}: “{quote}”"),
        None => format!("“{evidence}”"),
    }
}

/// A playbook's findings, each with its severity.
fn findings(out: &mut String, findings: &Value, style: &Style) {
    let Some(findings) = findings.as_array().filter(|list| !list.is_empty()) else {
        return;
    };
    out.push_str("Findings:\n");
    for finding in findings {
        let subject = finding["subject"]
            .as_str()
            .map(|subject| format!("{subject}: "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {subject}{}",
            severity(&finding["severity"], style),
            text(&finding["message"])
        );
    }
}

/// An RBAC audit's grants as a table.
fn grants(out: &mut String, grants: &Value) {
    let Some(grants) = grants.as_array().filter(|list| !list.is_empty()) else {
        return;
    };
    let rows: Vec<Vec<String>> = grants
        .iter()
        .map(|grant| {
            let subject = &grant["subject"];
            vec![
                format!("{} {}", text(&subject["kind"]), text(&subject["name"])),
                text(&grant["binding"]),
                text(&grant["role"]),
                text(&grant["rule"]),
                text(&grant["scope"]),
            ]
        })
        .collect();
    out.push_str("Grants:\n");
    out.push_str(&indent(&crate::output::table(
        &["SUBJECT", "BINDING", "ROLE", "RULE", "SCOPE"],
        &rows,
    )));
}

/// A resource-pressure report's nodes as a table.
fn node_loads(out: &mut String, nodes: &Value) {
    let Some(nodes) = nodes.as_array().filter(|list| !list.is_empty()) else {
        return;
    };
    let rows: Vec<Vec<String>> = nodes
        .iter()
        .map(|node| {
            vec![
                text(&node["name"]),
                format!("{}%", text(&node["peak_percent"])),
                format!(
                    "{} used, {} requested of {}",
                    text(&node["cpu_usage"]),
                    text(&node["cpu_requested"]),
                    text(&node["allocatable_cpu"])
                ),
                format!(
                    "{} used, {} requested of {}",
                    text(&node["memory_usage"]),
                    text(&node["memory_requested"]),
                    text(&node["allocatable_memory"])
                ),
            ]
        })
        .collect();
    out.push_str("Nodes:\n");
    out.push_str(&indent(&crate::output::table(
        &["NODE", "PEAK", "CPU", "MEMORY"],
        &rows,
    )));
}

/// Follow-up requests, as words to ask kubeop.
fn next_steps(out: &mut String, steps: &Value, style: &Style) {
    let steps = strings(steps);
    if steps.is_empty() {
        return;
    }
    out.push_str("Next, you could ask:\n");
    for step in steps {
        let _ = writeln!(out, "  {}", style.paint(Paint::Cyan, &step));
    }
}

/// The categories of the health overview, in the order they are shown.
const HEALTH_SECTIONS: [(&str, &str); 6] = [
    ("node", "Node issues"),
    ("workload", "Unhealthy workloads"),
    ("pod", "Failing pods"),
    ("volume", "Unbound volume claims"),
    ("network", "Services cut off by NetworkPolicy"),
    ("event", "Warning events"),
];

/// The health overview: the summary, then each category's items with their
/// severity (categories without a problem are named as fine), then the
/// requests to make next.
pub fn health(value: &Value, style: &Style) -> String {
    let report = &value["report"];
    let mut out = String::new();
    let scope = match report["namespace"].as_str() {
        Some(namespace) => format!("namespace {namespace}"),
        None => "the cluster".to_owned(),
    };
    let _ = writeln!(
        out,
        "{} {}",
        style.paint(Paint::Bold, &format!("Health of {scope}")),
        style.paint(
            Paint::Dim,
            &format!("(context {})", text(&value["context"]))
        )
    );
    if let Some(summary) = report["summary"].as_str() {
        let _ = writeln!(out, "{summary}");
    }
    let items: Vec<&Value> = report["items"].as_array().into_iter().flatten().collect();
    for (category, title) in HEALTH_SECTIONS {
        let in_section: Vec<&&Value> = items
            .iter()
            .filter(|item| item["category"] == category)
            .collect();
        if in_section.is_empty() {
            let _ = writeln!(out, "{title}: {}", style.paint(Paint::Green, "none"));
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for item in in_section {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                severity(&item["severity"], style),
                text(&item["subject"]),
                text(&item["message"])
            );
        }
    }
    next_steps(&mut out, &report["next_steps"], style);
    out
}

/// A severity, padded to one width so the subjects after it line up, in its
/// colour.
fn severity(value: &Value, style: &Style) -> String {
    let name = text(value);
    let padded = format!("{:<8}", name.to_uppercase());
    match name.as_str() {
        "critical" => style.paint(Paint::Red, &padded),
        "warning" => style.paint(Paint::Yellow, &padded),
        _ => style.paint(Paint::Dim, &padded),
    }
}

/// A hand-off: the request belongs to another agent.
pub fn handoff(value: &Value, style: &Style) -> String {
    let mut out = format!(
        "{} the {} agent: {}\n",
        style.paint(Paint::Bold, "Hand-off to"),
        text(&value["domain"]),
        text(&value["reason"])
    );
    let found = &value["found"];
    if found.is_object() {
        let target: Vec<String> = ["kind", "name", "namespace", "context"]
            .iter()
            .filter(|field| found[**field].is_string())
            .map(|field| format!("{field} {}", text(&found[*field])))
            .collect();
        if !target.is_empty() {
            let _ = writeln!(out, "  found: {}", target.join(", "));
        }
        for read in strings(&found["reads"]) {
            let _ = writeln!(out, "  read: {read}");
        }
        if found["why_nothing_read"].is_string() {
            let _ = writeln!(out, "  {}", text(&found["why_nothing_read"]));
        }
    }
    out
}

/// A question back: what is missing, and the candidates discovery found.
pub fn clarify(value: &Value, style: &Style) -> String {
    let mut out = format!("{}\n", style.paint(Paint::Bold, &text(&value["question"])));
    let missing = strings(&value["missing"]);
    if !missing.is_empty() {
        let _ = writeln!(out, "  missing: {}", missing.join(", "));
    }
    let candidates = strings(&value["candidates"]);
    if !candidates.is_empty() {
        out.push_str("  one of:\n");
        for candidate in candidates {
            let _ = writeln!(out, "    {candidate}");
        }
    }
    out
}

/// The outcome of an approved change and the evidence for it.
pub fn result(value: &Value, style: &Style) -> String {
    let outcome = text(&value["outcome"]);
    let (mark, paint) = match outcome.as_str() {
        "verified" => ("✓", Paint::Green),
        "failed" => ("✗", Paint::Red),
        _ => ("?", Paint::Yellow),
    };
    let mut out = format!(
        "{} {} {}\n",
        style.paint(paint, &format!("{mark} {}", outcome.to_uppercase())),
        describe_target(&value["target"]),
        style.paint(
            Paint::Dim,
            &format!(
                "(plan {}, context {})",
                text(&value["plan_id"]),
                text(&value["target"]["context"])
            )
        ),
    );
    let evidence = strings(&value["evidence"]);
    if !evidence.is_empty() {
        out.push_str("Evidence:\n");
        for line in evidence {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(output) = value["output"].as_str() {
        out.push_str("Output:\n");
        for line in output.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// The plans waiting for approval, one row each.
pub fn pending(value: &Value, style: &Style) -> String {
    let plans: Vec<&Value> = value["plans"].as_array().into_iter().flatten().collect();
    if plans.is_empty() {
        return "No plans are waiting for approval.\n".to_owned();
    }
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|plan| {
            vec![
                text(&plan["plan_id"]),
                text(&plan["plan_hash"]),
                text(&plan["tool"]),
                format!(
                    "{} ({})",
                    describe_target(&plan["target"]),
                    text(&plan["target"]["context"])
                ),
                text(&plan["requester"]),
                plan["expires_at_unix_ms"]
                    .as_u64()
                    .map_or_else(|| "-".to_owned(), |at| until(at, style.now_unix_ms)),
            ]
        })
        .collect();
    crate::output::table(
        &["PLAN", "HASH", "TOOL", "TARGET", "REQUESTER", "EXPIRES"],
        &rows,
    )
}

/// A denial.
pub fn denied(value: &Value, style: &Style) -> String {
    format!(
        "{} plan {} ({}): {}\n",
        style.paint(Paint::Yellow, "Denied"),
        text(&value["plan_id"]),
        text(&value["approver"]),
        text(&value["reason"])
    )
}

/// The daemon's status: itself, the MCP server, the actors, the gateway.
pub fn status(value: &Value, style: &Style) -> String {
    let mut out = format!(
        "{} {} {}\n",
        style.paint(Paint::Bold, "kubeop"),
        text(&value["version"]),
        style.paint(Paint::Dim, &format!("(pid {})", text(&value["pid"])))
    );
    let _ = writeln!(out, "  {:<11}{}", "socket", text(&value["socket"]));
    let _ = writeln!(out, "  {:<11}{}", "state dir", text(&value["state_dir"]));
    let _ = writeln!(out, "  {:<11}{}", "context", text(&value["context"]));
    let server = &value["mcp_server"];
    if server.is_object() {
        let name = server["name"].as_str().unwrap_or("MCP server");
        let _ = writeln!(
            out,
            "  {:<11}{name} {} {}",
            "MCP server",
            text(&server["version"]),
            style.paint(
                Paint::Dim,
                &format!(
                    "(pinned {}, pid {}, {})",
                    text(&server["pinned_version"]),
                    text(&server["pid"]),
                    text(&server["phase"])
                )
            )
        );
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = value["actors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|actor| {
            vec![
                text(&actor["name"]),
                text(&actor["state"]),
                text(&actor["restarts"]),
                text(&actor["last_failure"]),
            ]
        })
        .collect();
    out.push_str(&crate::output::table(
        &["ACTOR", "STATE", "RESTARTS", "LAST FAILURE"],
        &rows,
    ));
    let gateway = &value["gateway"];
    if let Some(error) = gateway["error"].as_str() {
        let _ = writeln!(out, "\ngateway: {}", style.paint(Paint::Red, error));
    } else if gateway.is_object() {
        let metrics = &gateway["metrics"];
        let errors: u64 = metrics["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| pair[1].as_u64())
            .sum();
        let _ = writeln!(
            out,
            "\ngateway: {} (server #{}), {} tools, {} prompts",
            text(&gateway["phase"]),
            text(&gateway["generation"]),
            text(&gateway["tools"]),
            text(&gateway["prompts"])
        );
        let _ = writeln!(
            out,
            "  in flight {}/{}, queued {}/{}",
            text(&gateway["in_flight"]),
            text(&gateway["max_in_flight"]),
            text(&gateway["queued"]),
            text(&gateway["max_queued"])
        );
        let _ = writeln!(
            out,
            "  calls {}, completed {}, tool errors {}, gateway errors {errors}, restarts {}",
            text(&metrics["calls"]),
            text(&metrics["completed"]),
            text(&metrics["tool_errors"]),
            text(&metrics["restarts"])
        );
    }
    out
}

/// A JSON value as a person reads it: strings bare, `null` as `-`.
fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A value inside a diff: strings quoted only when they would otherwise be
/// ambiguous (empty), everything else as compact JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        Value::String(text) if text.is_empty() => "\"\"".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The strings of a JSON array (anything else in it as JSON).
fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().map(text).collect()
}

/// `oom_killed` → `oom killed`.
fn humanise(name: &str) -> String {
    name.replace('_', " ")
}

/// Every line indented by two spaces.
fn indent(text: &str) -> String {
    text.lines().fold(String::new(), |mut out, line| {
        let _ = writeln!(out, "  {line}");
        out
    })
}

/// How long until `at`, coarsely: "in 14m", "in 1h 5m", "expired".
fn until(at_unix_ms: u64, now_unix_ms: u64) -> String {
    let Some(left) = at_unix_ms.checked_sub(now_unix_ms).filter(|left| *left > 0) else {
        return "expired".to_owned();
    };
    let seconds = left / 1000;
    match seconds {
        0..60 => format!("in {seconds}s"),
        60..3600 => format!("in {}m", seconds / 60),
        _ => format!("in {}h {}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_events_yaml_reads_as_a_table_oldest_first() {
        let text = "# The following events (YAML format) were found:\n- InvolvedObject:\n    Kind: Pod\n    Name: web-1\n    apiVersion: v1\n  Message: Back-off restarting failed container\n  Namespace: shop\n  Reason: BackOff\n  Timestamp: 2026-11-13 12:10:40 +0000 UTC\n  Type: Warning\n- InvolvedObject:\n    Kind: Pod\n    Name: web-1\n    apiVersion: v1\n  Message: Started container web\n  Namespace: shop\n  Reason: Started\n  Timestamp: 2026-11-13 12:10:36 +0000 UTC\n  Type: Normal\n";
        let value = serde_json::json!({"kind": "answer", "tool": "events_list", "text": text});
        let shown = super::answer(&value, &super::Style::plain(0));
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3, "{shown}");
        assert!(
            lines[0].starts_with("TIME") && lines[0].contains("MESSAGE"),
            "{shown}"
        );
        assert!(
            lines[1].contains("Started") && lines[1].contains("pod/web-1"),
            "{shown}"
        );
        assert!(
            lines[2].contains("Warning") && lines[2].contains("BackOff"),
            "{shown}"
        );
        assert!(
            !shown.contains("NAMESPACE"),
            "one namespace needs no column: {shown}"
        );
        let led = serde_json::json!({"kind": "answer", "tool": "events_list",
            "text": format!("1 of the 4 events in namespace shop is about web.\n\n{text}")});
        let shown = super::answer(&led, &super::Style::plain(0));
        assert!(
            shown.starts_with("1 of the 4 events in namespace shop is about web.\n\nTIME "),
            "the lead stays above the table: {shown}"
        );
        assert!(!shown.contains("# The following"), "{shown}");
        let none = serde_json::json!({"kind": "answer", "tool": "events_list", "text": "# No events found"});
        assert_eq!(
            super::answer(&none, &super::Style::plain(0)),
            "# No events found\n"
        );
    }

    use super::*;
    use serde_json::json;

    /// A fixed "now" so expiry times render the same in every run.
    const NOW: u64 = 1_700_000_000_000;

    const ESCAPE: char = '\x1b';

    fn plain() -> Style {
        Style::plain(NOW)
    }

    fn coloured() -> Style {
        Style::coloured(NOW)
    }

    /// The rendering with colour equals the plain one once the escapes are removed.
    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == ESCAPE {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Renders `value` both ways: no escape without colour, escapes with
    /// it, the same text otherwise. Returns the plain rendering.
    fn both_ways(value: &Value) -> String {
        let without = response(value, &plain());
        let with = response(value, &coloured());
        assert!(!without.contains(ESCAPE), "plain has escapes:\n{without}");
        assert!(with.contains(ESCAPE), "coloured has no escapes:\n{with}");
        assert_eq!(strip(&with), without);
        without
    }

    fn scale_plan() -> Value {
        json!({
            "kind": "plan",
            "plan_id": "plan-7",
            "plan_hash": "abc123",
            "operation": "scale",
            "target": {"kind": "Deployment", "name": "nginx", "namespace": "staging", "context": "kind-staging"},
            "current": {"replicas": 3, "readyReplicas": 3},
            "desired": {"replicas": 5},
            "warnings": ["staging is shared with the QA team"],
            "tool": "resources_scale",
            "arguments": {},
            "inferred": ["namespace staging: the only deployment named nginx"],
            "retype_required": false,
            "expires_at_unix_ms": NOW + 15 * 60 * 1000,
        })
    }

    #[test]
    fn an_answer_is_the_servers_text_as_it_is() {
        let value = json!({"kind": "answer", "path": "read_only", "tool": "pods_list", "text": "NAME  READY\nweb   1/1", "context": "dev"});
        assert_eq!(response(&value, &plain()), "NAME  READY\nweb   1/1\n");
        assert_eq!(response(&value, &coloured()), "NAME  READY\nweb   1/1\n");
        let failed = json!({"kind": "answer", "text": "pods \"x\" not found", "error": true});
        assert_eq!(both_ways(&failed), "error: pods \"x\" not found\n");
    }

    #[test]
    fn a_plan_card_shows_target_change_warnings_and_how_to_approve() {
        let card = both_ways(&scale_plan());
        for expected in [
            "Plan plan-7 (hash abc123)",
            "operation scale",
            "target    Deployment staging/nginx",
            "context   kind-staging",
            "~ replicas: 3 → 5",
            "readyReplicas: 3 (now)",
            "! staging is shared with the QA team",
            "namespace staging: the only deployment named nginx",
            "Expires:  in 15m",
            "Approve with: kubeop approve plan-7 --hash abc123\n",
            "Deny with:    kubeop deny plan-7",
        ] {
            assert!(
                card.contains(expected),
                "{expected:?} missing from:\n{card}"
            );
        }
        let summary = plan_summary(&scale_plan(), &plain());
        assert!(!summary.contains("kubeop approve"), "{summary}");
        assert!(card.starts_with(&summary));
    }

    #[test]
    fn a_plan_asking_for_the_name_says_so_in_the_command() {
        let mut plan = scale_plan();
        plan["retype_required"] = json!(true);
        plan["expires_at_unix_ms"] = json!(NOW - 1);
        let card = both_ways(&plan);
        assert!(card.contains("--hash abc123 --retype nginx"), "{card}");
        assert!(card.contains("Expires:  expired"), "{card}");
    }

    #[test]
    fn an_update_shows_its_field_diff_and_a_create_its_manifest() {
        let mut update = scale_plan();
        update["operation"] = json!("create_update");
        update["diff"] = json!([
            {"path": "spec.template.spec.containers[app].image", "change": "changed", "live": "nginx:1.25", "desired": "nginx:1.27"},
            {"path": "metadata.labels.tier", "change": "added", "desired": "web"},
            {"path": "metadata.labels.old", "change": "removed", "live": "x"},
        ]);
        let card = both_ways(&update);
        assert!(
            card.contains("~ spec.template.spec.containers[app].image: nginx:1.25 → nginx:1.27"),
            "{card}"
        );
        assert!(card.contains("+ metadata.labels.tier: web"), "{card}");
        assert!(card.contains("- metadata.labels.old: x"), "{card}");
        assert!(
            !card.contains("replicas"),
            "the diff replaces the key view: {card}"
        );

        let mut create = scale_plan();
        create["operation"] = json!("create_update");
        create["current"] = Value::Null;
        create["desired"] = json!({"kind": "ConfigMap"});
        create["preview"] = json!("apiVersion: v1\nkind: ConfigMap\n");
        let card = both_ways(&create);
        assert!(card.contains("+ Deployment staging/nginx is created:\n      apiVersion: v1\n      kind: ConfigMap\n"), "{card}");
    }

    #[test]
    fn a_deletion_names_what_goes_with_it() {
        let mut delete = scale_plan();
        delete["operation"] = json!("delete");
        delete["desired"] = Value::Null;
        delete["removes"] = json!(["pod/nginx-1", "pod/nginx-2"]);
        let card = both_ways(&delete);
        assert!(
            card.contains("- Deployment staging/nginx is deleted"),
            "{card}"
        );
        assert!(
            card.contains("Impact:\n  - removes pod/nginx-1\n  - removes pod/nginx-2\n"),
            "{card}"
        );
    }

    #[test]
    fn a_diagnosis_quotes_its_evidence_and_carries_the_fix_as_a_plan_card() {
        let value = json!({
            "kind": "diagnosis",
            "cause": "oom_killed",
            "evidence": ["pod demo/web-1 status: lastState.terminated.reason: OOMKilled"],
            "report": {
                "subject": {"api_version": "v1", "kind": "Pod", "name": "web-1", "namespace": "demo"},
                "summary": "web-1 was killed for exceeding its 64Mi memory limit.",
                "next_steps": ["show logs of pod web-1 in demo"],
                "other_failing_pods": ["demo/web-2: OOMKilled"],
            },
            "proposal": scale_plan(),
            "context": "dev",
        });
        let card = both_ways(&value);
        for expected in [
            "Diagnosis: OOMKilled",
            "subject  Pod demo/web-1 (context dev)",
            "web-1 was killed for exceeding its 64Mi memory limit.",
            "pod demo/web-1 status: “lastState.terminated.reason: OOMKilled”",
            "Also failing:\n  demo/web-2: OOMKilled",
            "Proposed fix:\n  Plan plan-7",
            "  Approve with: kubeop approve plan-7 --hash abc123",
            "Next, you could ask:\n  show logs of pod web-1 in demo",
        ] {
            assert!(
                card.contains(expected),
                "{expected:?} missing from:\n{card}"
            );
        }
    }

    #[test]
    fn playbook_reports_show_findings_grants_and_node_loads() {
        let value = json!({
            "kind": "diagnosis",
            "cause": "resource_pressure",
            "evidence": [],
            "report": {
                "summary": "One node is near its memory.",
                "findings": [{"severity": "critical", "category": "node", "subject": "node n1", "message": "memory at 96%"}],
                "nodes": [{"name": "n1", "peak_percent": 96, "cpu_usage": "200m", "cpu_requested": "1", "allocatable_cpu": "2", "memory_usage": "3Gi", "memory_requested": "2Gi", "allocatable_memory": "4Gi"}],
                "grants": [{"subject": {"kind": "ServiceAccount", "name": "ci"}, "binding": "ci-admin", "role": "cluster-admin", "rule": "* on *", "scope": "cluster"}],
            },
            "proposal": null,
            "context": "dev",
        });
        let card = both_ways(&value);
        for expected in [
            "Diagnosis: resource pressure",
            "CRITICAL node n1: memory at 96%",
            "n1    96%   200m used, 1 requested of 2",
            "ServiceAccount ci  ci-admin",
        ] {
            assert!(
                card.contains(expected),
                "{expected:?} missing from:\n{card}"
            );
        }
        assert!(!card.contains("Proposed fix"));
    }

    #[test]
    fn evidence_that_is_a_finding_is_shown_once_with_its_severity() {
        let value = json!({
            "kind": "diagnosis",
            "cause": "resource_pressure",
            "evidence": ["pod shop/web-1: container web has no cpu limit", "nodes_top: node n1 at 96%"],
            "report": {
                "findings": [{"severity": "info", "category": "limits", "subject": "pod shop/web-1", "message": "container web has no cpu limit"}],
            },
            "proposal": null,
            "context": "dev",
        });
        let card = both_ways(&value);
        assert_eq!(
            card.matches("container web has no cpu limit").count(),
            1,
            "{card}"
        );
        assert!(
            card.contains("INFO     pod shop/web-1: container web has no cpu limit"),
            "{card}"
        );
        assert!(
            card.contains("nodes_top: “node n1 at 96%”"),
            "other evidence stays: {card}"
        );
    }

    #[test]
    fn the_health_overview_lists_every_category_with_severities_and_next_requests() {
        let value = json!({
            "kind": "health",
            "context": "dev",
            "report": {
                "namespace": null,
                "summary": "2 problems.",
                "items": [
                    {"severity": "critical", "category": "pod", "subject": "Pod demo/web-1", "message": "CrashLoopBackOff"},
                    {"severity": "warning", "category": "volume", "subject": "PersistentVolumeClaim demo/data", "message": "Pending"},
                ],
                "next_steps": ["why is pod web-1 in demo failing"],
                "server_report": "long",
                "tool_calls": 7,
            },
        });
        let card = both_ways(&value);
        for expected in [
            "Health of the cluster (context dev)\n2 problems.\n",
            "Node issues: none\n",
            "Unhealthy workloads: none\n",
            "Failing pods:\n  CRITICAL Pod demo/web-1: CrashLoopBackOff\n",
            "Unbound volume claims:\n  WARNING  PersistentVolumeClaim demo/data: Pending\n",
            "Warning events: none\n",
            "Next, you could ask:\n  why is pod web-1 in demo failing\n",
        ] {
            assert!(
                card.contains(expected),
                "{expected:?} missing from:\n{card}"
            );
        }
    }

    #[test]
    fn a_handoff_names_the_agent_and_the_reason() {
        let value = json!({"kind": "handoff", "domain": "helm", "reason": "helm releases are the helm agent's"});
        assert_eq!(
            both_ways(&value),
            "Hand-off to the helm agent: helm releases are the helm agent's\n"
        );
        let found = json!({"kind": "handoff", "domain": "helm", "reason": "helm releases are the helm agent's",
            "found": {"kind": "HelmRelease", "name": "payments", "namespace": "production",
                "reads": ["payments in production: 1 of 2 expected pods running (MISMATCH)"]}});
        assert_eq!(
            both_ways(&found),
            "Hand-off to the helm agent: helm releases are the helm agent's\n  found: kind HelmRelease, name payments, namespace production\n  read: payments in production: 1 of 2 expected pods running (MISMATCH)\n"
        );
        let nothing = json!({"kind": "handoff", "domain": "helm", "reason": "helm releases are the helm agent's",
            "found": {"context": "prod", "why_nothing_read": "kubeop read nothing from the cluster: it is not its work"}});
        assert_eq!(
            both_ways(&nothing),
            "Hand-off to the helm agent: helm releases are the helm agent's\n  found: context prod\n  kubeop read nothing from the cluster: it is not its work\n"
        );
    }

    #[test]
    fn a_question_back_lists_what_is_missing_and_the_candidates() {
        let value = json!({"kind": "clarify", "question": "Which deployment?", "missing": ["name"], "candidates": ["web", "api"]});
        assert_eq!(
            both_ways(&value),
            "Which deployment?\n  missing: name\n  one of:\n    web\n    api\n"
        );
    }

    #[test]
    fn results_show_their_outcome_and_evidence() {
        let target = json!({"kind": "Deployment", "name": "nginx", "namespace": "staging", "context": "kind-staging"});
        for (outcome, mark) in [
            ("verified", "✓ VERIFIED"),
            ("failed", "✗ FAILED"),
            ("unverified", "? UNVERIFIED"),
        ] {
            let value = json!({"kind": "result", "plan_id": "plan-7", "outcome": outcome, "evidence": ["readyReplicas 5 = 5"], "target": target});
            let card = both_ways(&value);
            assert!(
                card.starts_with(&format!(
                    "{mark} Deployment staging/nginx (plan plan-7, context kind-staging)\n"
                )),
                "{card}"
            );
            assert!(
                card.contains("Evidence:\n  readyReplicas 5 = 5\n"),
                "{card}"
            );
        }
        let exec = json!({"kind": "result", "plan_id": "p", "outcome": "verified", "evidence": [], "target": target, "output": "hello\n"});
        assert!(both_ways(&exec).contains("Output:\n  hello\n"));
    }

    #[test]
    fn the_pending_list_is_a_table_with_expiry() {
        let value = json!({"kind": "pending", "plans": [{
            "plan_id": "plan-7", "plan_hash": "abc", "tool": "resources_scale",
            "target": {"kind": "Deployment", "name": "nginx", "namespace": "staging", "context": "dev"},
            "requester": "ana", "expires_at_unix_ms": NOW + 90_000,
        }]});
        let table = response(&value, &plain());
        assert_eq!(
            table,
            "PLAN    HASH  TOOL             TARGET                          REQUESTER  EXPIRES\n\
             plan-7  abc   resources_scale  Deployment staging/nginx (dev)  ana        in 1m\n"
        );
        assert_eq!(
            response(&json!({"kind": "pending", "plans": []}), &coloured()),
            "No plans are waiting for approval.\n"
        );
    }

    #[test]
    fn the_status_names_the_mcp_server_version_and_the_gateway() {
        let value = json!({
            "kind": "status", "pid": 42, "version": "0.1.0", "socket": "/run/k.sock", "state_dir": "/s", "context": "dev",
            "actors": [{"name": "gateway", "state": "running", "restarts": 0, "last_failure": null}],
            "gateway": {"phase": "ready", "generation": 1, "tools": 20, "prompts": 1, "in_flight": 0, "queued": 0,
                        "max_in_flight": 16, "max_queued": 64,
                        "metrics": {"calls": 3, "completed": 3, "tool_errors": 1, "errors": [["busy", 2]], "restarts": 0}},
            "mcp_server": {"name": "kubernetes-mcp-server", "version": "0.0.67", "pinned_version": "0.0.67", "pid": 7, "phase": "ready"},
        });
        let card = both_ways(&value);
        for expected in [
            "kubeop 0.1.0 (pid 42)",
            "MCP server kubernetes-mcp-server 0.0.67 (pinned 0.0.67, pid 7, ready)",
            "gateway  running  0",
            "gateway: ready (server #1), 20 tools, 1 prompts",
            "calls 3, completed 3, tool errors 1, gateway errors 2, restarts 0",
        ] {
            assert!(
                card.contains(expected),
                "{expected:?} missing from:\n{card}"
            );
        }
    }

    #[test]
    fn a_denial_and_an_unknown_kind_are_shown_in_full() {
        let denial = json!({"kind": "denied", "plan_id": "plan-7", "approver": "ana (uid 1000)", "reason": "not now"});
        assert_eq!(
            both_ways(&denial),
            "Denied plan plan-7 (ana (uid 1000)): not now\n"
        );
        let unknown = json!({"kind": "future", "x": 1});
        assert_eq!(
            response(&unknown, &coloured()),
            "{\n  \"kind\": \"future\",\n  \"x\": 1\n}\n"
        );
    }

    #[test]
    fn missing_fields_render_as_dashes() {
        for kind in [
            "plan",
            "diagnosis",
            "health",
            "handoff",
            "clarify",
            "result",
            "status",
            "denied",
        ] {
            let text = response(&json!({"kind": kind}), &plain());
            assert!(!text.is_empty(), "{kind}");
        }
        assert!(plan(&json!({"kind": "plan"}), &plain()).contains("Plan - (hash -)"));
    }
}
