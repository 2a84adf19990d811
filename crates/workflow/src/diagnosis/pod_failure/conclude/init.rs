//! An init container that runs without completing: the pod stays
//! `Init:N/M` and its app containers never start. The conclusion names the
//! init container, quotes its command and the end of its log, and says what
//! the cluster answers about each host the command waits for.

use serde_json::Value;

use super::{Context, error_lines};
use crate::diagnosis::pod_failure::init_wait::{WaitedService, command_of, quote_command};
use crate::diagnosis::{Cause, Diagnosis, Evidence};

/// What the cluster says about one waited-for host, in words.
fn answer(waited: &WaitedService) -> String {
    let service = format!(
        "Service {} in namespace {}",
        waited.service, waited.namespace
    );
    match waited.ready_endpoints {
        None => format!("{service} does not exist"),
        Some(0) => {
            format!("{service} exists but has no ready endpoints: nothing answers behind it")
        }
        Some(count) => {
            let port_note = match waited.target.port {
                Some(port)
                    if !waited.ports.is_empty() && !waited.ports.contains(&u64::from(port)) =>
                {
                    format!(
                        ", but the command checks port {port} and the Service declares {}",
                        waited
                            .ports
                            .iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
                _ => String::new(),
            };
            format!("{service} has {count} ready endpoint(s){port_note}")
        }
    }
}

/// The init container `container` has been running since `since` and the
/// app containers wait for it.
pub(super) fn waiting(
    mut context: Context<'_>,
    container: &str,
    (completed, total): (usize, usize),
    since: &str,
) -> Diagnosis {
    let pod_name = context.state.name.clone();
    let namespace = context.state.namespace.clone();
    let shown = format!("Init:{completed}/{total}");
    let apps: Vec<String> = context
        .state
        .containers
        .iter()
        .filter(|state| !state.init)
        .map(|state| {
            let waiting = state
                .waiting
                .as_ref()
                .map_or("not started", |(reason, _)| reason.as_str());
            format!("{} ({waiting})", state.name)
        })
        .collect();
    let running = if since.is_empty() {
        "is running".to_string()
    } else {
        format!("has been running since {since}")
    };
    context.evidence.insert(
        0,
        Evidence::new(
            context.pod_source(),
            format!(
                "phase {}, {shown}: init container {container} {running} and has not completed; app containers: {}",
                context.state.phase,
                apps.join(", ")
            ),
        ),
    );
    let command = context
        .facts
        .pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .and_then(|specs| specs.iter().find(|spec| spec["name"] == container))
        .map(command_of)
        .unwrap_or_default();
    if !command.is_empty() {
        context.evidence.push(Evidence::new(
            format!("spec of init container {container}"),
            format!("command: {}", quote_command(&command)),
        ));
    }
    let last_lines = context
        .facts
        .current_logs
        .as_deref()
        .map(error_lines)
        .unwrap_or_default();
    for line in &last_lines {
        context.evidence.push(Evidence::new(
            format!("logs of init container {container}"),
            line.clone(),
        ));
    }
    for waited in &context.facts.waited_services {
        context.evidence.push(Evidence::new(
            format!("{} {}", waited.target.tool, waited.target.host),
            answer(waited),
        ));
    }
    let missing = context
        .facts
        .waited_services
        .iter()
        .any(|waited| !waited.exists);
    if missing && !context.facts.services_in_namespace.is_empty() {
        context.evidence.push(Evidence::new(
            format!("services in namespace {namespace}"),
            context.facts.services_in_namespace.join(", "),
        ));
    }
    let waits_for = if context.facts.waited_services.is_empty() {
        match last_lines.last() {
            Some(line) => format!(
                " Its command names no host kubeop can check; its log ends with \"{line}\"."
            ),
            None => {
                " Its command names no host kubeop can check and it has logged nothing.".to_string()
            }
        }
    } else {
        let answers: Vec<String> = context
            .facts
            .waited_services
            .iter()
            .map(|waited| {
                format!(
                    "it waits for {} ({}): {}",
                    waited.target.host,
                    waited.target.tool,
                    answer(waited)
                )
            })
            .collect();
        format!(" {}.", capitalise(&answers.join("; ")))
    };
    let advice = if missing {
        " Create the Service it waits for, or correct the name in the init container's command; kubeop does not guess which."
    } else if context
        .facts
        .waited_services
        .iter()
        .any(|waited| waited.ready_endpoints == Some(0))
    {
        " Fix the pods behind that Service (or its selector) so it gets ready endpoints; the init container then completes by itself."
    } else {
        ""
    };
    context
        .next_steps
        .push(format!("list services in {namespace}"));
    context
        .next_steps
        .push(format!("show events in {namespace}"));
    let summary = format!(
        "Pod {pod_name} is stuck initializing ({shown}): init container {container} {running} without completing, so its app containers never start (PodInitializing).{waits_for}{advice}"
    );
    context.finish(Cause::InitContainerWaiting, summary, None)
}

fn capitalise(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
