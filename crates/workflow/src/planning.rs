//! Planning a change: discovery of what the request leaves out, the policy
//! check, the reads of the live state (read before write), and the plan.

use classifier::{Arguments, Operation};
use hitl::PlannedCall;
use hitl::policy::PlanTarget;
use memory::Event;
use serde_json::{Map, Value, json};

use crate::capacity;
use crate::cluster::{Fetched, args, cell};
use crate::consumers;
use crate::coordinator::Pipeline;
use crate::diagnosis::debug_pod::{self, DEFAULT_DEBUG_IMAGE};
use crate::diagnosis::pod_status;
use crate::diff;
use crate::discovery::{self, Found, Named};
use crate::error::WorkflowError;
use crate::plan::{self, Planned};
use crate::response::{Answer, Clarify, Response};
use crate::suggest;
use crate::verify::label_selector;
use connection::Scoped;

mod autoscaler;
mod connection;
mod env;
mod expose;
mod from_cronjob;
mod rollback;

/// At most this many PodDisruptionBudgets of a namespace are read for a
/// pod's deletion: namespaces hold a few.
const MAX_BUDGETS_READ: usize = 16;

/// Most dependents listed on a deletion's plan card; the count says the rest.
const MAX_LISTED_DEPENDENTS: usize = 50;

/// What a change is about, as discovery settles it.
#[derive(Clone)]
struct Subject {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    context: String,
    /// The request named no namespace and discovery looked for the name in
    /// every one before settling on `namespace` (the context's default
    /// when none had it): what is missing is missing everywhere, and is
    /// said so.
    searched_everywhere: bool,
}

impl Subject {
    fn target(&self) -> PlanTarget {
        PlanTarget {
            kind: self.kind.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            context: self.context.clone(),
        }
    }

    /// Where the object was looked for, after its name in a sentence about
    /// not finding it: " in any namespace" when discovery looked in all of
    /// them, else [`Subject::place`].
    fn looked_in(&self) -> String {
        if self.searched_everywhere {
            " in any namespace".to_owned()
        } else {
            self.place()
        }
    }

    /// " in namespace NS" after the object's name in a sentence; nothing for
    /// a cluster-scoped object.
    fn place(&self) -> String {
        self.namespace
            .as_deref()
            .map(|namespace| format!(" in namespace {namespace}"))
            .unwrap_or_default()
    }

    /// What exists instead of this object, which the cluster does not have:
    /// the sentence to add and the names to offer ([`suggest::instead_of`]).
    async fn instead(&self, pipeline: &Pipeline) -> Result<(String, Vec<String>), WorkflowError> {
        let listed_in = if self.searched_everywhere {
            None
        } else {
            self.namespace.as_deref()
        };
        suggest::instead_of(
            &pipeline.cluster,
            &self.context,
            &self.api_version,
            &self.kind,
            listed_in,
            &self.name,
        )
        .await
    }
}

/// Plans the change `operation` with `tool` and the classifier's
/// `arguments`: a plan card, a question, or "nothing to do".
/// `kind_defaulted` (the classifier assumed a Deployment because the
/// request named no kind) lets planning look for a StatefulSet or DaemonSet
/// of that name when no Deployment has it; a kind the user named is never
/// silently switched.
#[allow(clippy::too_many_arguments)] // the request, as classified
#[tracing::instrument(name = "plan", skip_all, fields(%tool))]
pub(crate) async fn plan(
    pipeline: &Pipeline,
    session_context: &str,
    requester: &str,
    request: &str,
    operation: Operation,
    tool: &str,
    arguments: Arguments,
    kind_defaulted: bool,
    mut inferred: Vec<String>,
) -> Result<Response, WorkflowError> {
    let context = arguments
        .context
        .clone()
        .unwrap_or_else(|| session_context.to_owned());
    let planned = match operation {
        Operation::CreateUpdate => {
            match create_update(
                pipeline,
                &context,
                &arguments,
                kind_defaulted,
                &mut inferred,
            )
            .await?
            {
                Ok(planned) => planned,
                Err(question) => return Ok(question),
            }
        }
        Operation::Run => {
            match connection::scope(pipeline, &context, request, &arguments, &mut inferred).await? {
                Scoped::Test { namespace, command } => {
                    let arguments = Arguments {
                        namespace,
                        command,
                        ..arguments.clone()
                    };
                    debug_pod(pipeline, &context, &arguments, &mut inferred).await?
                }
                Scoped::Diagnosed(found) => {
                    return Ok(Response::Diagnosis(crate::response::Diagnosis {
                        cause: serde_json::to_value(found.cause)?,
                        evidence: crate::playbooks::quotes(&found.evidence),
                        report: Some(serde_json::to_value(&*found)?),
                        proposal: None,
                        context,
                    }));
                }
                Scoped::Ask(question) => return Ok(Response::Clarify(question)),
            }
        }
        Operation::Scale | Operation::Delete | Operation::Exec => {
            // A replica count for a name no Deployment has may be a
            // StatefulSet's (or a DaemonSet's, which is said to have none),
            // when the request named no kind.
            let instead: &[&str] = if operation == Operation::Scale && kind_defaulted {
                &OTHER_WORKLOAD_KINDS
            } else {
                &[]
            };
            let found = subject(pipeline, &context, tool, &arguments, instead, &mut inferred);
            let mut subject = match found.await? {
                Found::Value(subject) => subject,
                Found::Ask(question) => return Ok(Response::Clarify(question)),
            };
            refuse_by_policy(pipeline, operation, &subject.target(), request).await?;
            let live = match read_live(
                pipeline,
                operation,
                &mut subject,
                kind_defaulted,
                &mut inferred,
            )
            .await?
            {
                Ok(live) => live,
                Err(answer) => return Ok(answer),
            };
            match operation {
                Operation::Scale => match scale(pipeline, &subject, &arguments, &live).await? {
                    Ok(planned) => planned,
                    Err(question) => return Ok(Response::Clarify(question)),
                },
                Operation::Delete => delete(pipeline, &subject, tool, &live).await?,
                _ => exec(pipeline, &subject, &arguments, &live).await?,
            }
        }
    };
    match planned {
        Planned::NothingToDo(text) => Ok(Response::Answer(Answer {
            path: "mutation".into(),
            tool: None,
            text: text.into(),
            structured: None,
            error: false,
            context,
        })),
        Planned::Change(mut draft) => {
            refuse_by_policy(pipeline, operation, &draft.target, request).await?;
            draft.inferred.extend(inferred);
            pipeline.submit(*draft, requester, request).await
        }
    }
}

/// Refuses a change policy forbids, before anything else is read, and logs
/// the refusal.
async fn refuse_by_policy(
    pipeline: &Pipeline,
    operation: Operation,
    target: &PlanTarget,
    request: &str,
) -> Result<(), WorkflowError> {
    let Err(refusal) = pipeline.hitl.policy().check(target) else {
        return Ok(());
    };
    let id = memory::OperationId::generate();
    pipeline
        .record(
            id.as_str(),
            operation,
            target,
            Event::Requested {
                request: request.to_owned(),
            },
        )
        .await?;
    pipeline
        .record(
            id.as_str(),
            operation,
            target,
            Event::Denied {
                plan_hash: String::new(),
                approver: None,
                reason: refusal.to_string(),
            },
        )
        .await?;
    Err(refusal.into())
}

/// The object a scale, delete or exec acts on, with its namespace settled
/// (where the kind or, else, one of the kinds `instead` has the name).
async fn subject(
    pipeline: &Pipeline,
    context: &str,
    tool: &str,
    arguments: &Arguments,
    instead: &[&str],
    inferred: &mut Vec<String>,
) -> Result<Found<Subject>, WorkflowError> {
    let pod_tool = tool.starts_with("pods_");
    let (api_version, kind) = if pod_tool {
        ("v1".to_owned(), "Pod".to_owned())
    } else {
        (
            arguments
                .api_version
                .as_deref()
                .unwrap_or("apps/v1")
                .to_owned(),
            arguments.kind.as_deref().unwrap_or("Deployment").to_owned(),
        )
    };
    let Some(name) = arguments.name.clone() else {
        return Ok(Found::Ask(Clarify {
            question: format!("Which {} do you mean? I need a name.", kind.to_lowercase()),
            missing: vec!["name".into()],
            candidates: Vec::new(),
        }));
    };
    let named = Named {
        context,
        api_version: &api_version,
        kind: &kind,
        name: &name,
        instead,
    };
    let searched_everywhere = arguments.namespace.is_none() && !discovery::is_cluster_scoped(&kind);
    let namespace =
        match discovery::namespace(pipeline, named, arguments.namespace.clone(), inferred).await? {
            Found::Value(namespace) => namespace,
            Found::Ask(question) => return Ok(Found::Ask(question)),
        };
    Ok(Found::Value(Subject {
        api_version,
        kind,
        name,
        namespace,
        context: context.to_owned(),
        searched_everywhere,
    }))
}

/// The object is not there: there is nothing to delete, or the question
/// naming what was looked for.
fn not_found(operation: Operation, subject: Subject, message: &str) -> Response {
    let kind = subject.kind.to_lowercase();
    if operation == Operation::Delete {
        return Response::Answer(Answer {
            path: "mutation".into(),
            tool: None,
            text: format!(
                "{kind}/{} does not exist: nothing to delete ({message})",
                subject.name
            )
            .into(),
            structured: None,
            error: false,
            context: subject.context,
        });
    }
    Response::Clarify(Clarify {
        question: format!(
            "I found no {kind} named like {}{}: which one do you mean?",
            subject.name,
            subject.place()
        ),
        missing: vec!["name".into()],
        candidates: Vec::new(),
    })
}

/// Reads the subject; a name the cluster does not know as such is resolved
/// (the one object it prefixes or is part of) and read under its full name.
/// A replica count for a name no Deployment has is for the StatefulSet of
/// that name only when the request named no kind (`kind_defaulted`).
async fn read_live(
    pipeline: &Pipeline,
    operation: Operation,
    subject: &mut Subject,
    kind_defaulted: bool,
    inferred: &mut Vec<String>,
) -> Result<Result<Value, Response>, WorkflowError> {
    let message = match fetch(pipeline, subject).await? {
        Fetched::Found(live) => return Ok(Ok(live)),
        Fetched::Missing(message) => message,
    };
    if subject.kind == "Pod"
        && let Some(namespace) = subject.namespace.clone()
    {
        return resolve_pod(pipeline, operation, subject, &namespace, inferred, &message).await;
    }
    if operation == Operation::Scale && kind_defaulted && subject.kind == "Deployment" {
        let daemon_set = Subject {
            kind: "DaemonSet".to_owned(),
            ..subject.clone()
        };
        if let Fetched::Found(_) = fetch(pipeline, &daemon_set).await? {
            return Ok(Err(Response::Answer(Answer {
                path: "mutation".into(),
                tool: None,
                text: format!(
                    "{name}{place} is a DaemonSet: it runs one pod on each node it fits and has no \
                     replica count to scale. To run it on fewer nodes, change its nodeSelector or \
                     tolerations; nothing was planned.",
                    name = subject.name,
                    place = subject.place()
                )
                .into(),
                structured: None,
                error: true,
                context: subject.context.clone(),
            })));
        }
    }
    if operation != Operation::Delete {
        // A replica count may be for a StatefulSet named without its kind.
        let other_kinds: &[&str] = if operation == Operation::Scale && kind_defaulted {
            &SCALABLE_OTHER_KINDS
        } else {
            &[]
        };
        return find_changed_object(pipeline, subject, other_kinds, inferred).await;
    }
    match resolve_and_fetch(pipeline, subject, inferred).await? {
        Some(Found::Ask(question)) => Ok(Err(Response::Clarify(question))),
        Some(Found::Value(Fetched::Found(live))) => Ok(Ok(live)),
        Some(Found::Value(Fetched::Missing(message))) => {
            Ok(Err(not_found(operation, subject.clone(), &message)))
        }
        None => {
            let (mut instead, _) = subject.instead(pipeline).await?;
            if let Some(other) = same_name_other_kind(pipeline, subject).await? {
                instead = format!(
                    "There is a {} {} there, which I delete only when you name its kind. {instead}",
                    other.to_lowercase(),
                    subject.name
                );
            }
            Ok(Err(Response::Answer(Answer {
                path: "mutation".into(),
                tool: None,
                text: format!(
                    "{}/{} does not exist{}: nothing to delete. {instead}\n({})",
                    subject.kind.to_lowercase(),
                    subject.name,
                    subject.looked_in(),
                    message.trim()
                )
                .into(),
                structured: None,
                error: false,
                context: subject.context.clone(),
            })))
        }
    }
}

/// A change to a pod the cluster does not know by that name: never a
/// guess. Exactly one pod it stands for → the plan targets that pod by its
/// full name (the card shows it); several → a question listing them;
/// none → not found, with pods that do exist there.
async fn resolve_pod(
    pipeline: &Pipeline,
    operation: Operation,
    subject: &mut Subject,
    namespace: &str,
    inferred: &mut Vec<String>,
    message: &str,
) -> Result<Result<Value, Response>, WorkflowError> {
    let wanted = subject.name.clone();
    match discovery::resolve_pod(&pipeline.cluster, &subject.context, namespace, &wanted).await? {
        discovery::PodMatch::Candidates { pods, owned } => match pods.as_slice() {
            [only] => {
                inferred.push(format!(
                    "pod {wanted} → {only}: the only one of the {}",
                    discovery::PodMatch::how(owned, &wanted)
                ));
                subject.name = only.clone();
                match fetch(pipeline, subject).await? {
                    Fetched::Found(live) => Ok(Ok(live)),
                    Fetched::Missing(message) => {
                        Ok(Err(not_found(operation, subject.clone(), &message)))
                    }
                }
            }
            several => Ok(Err(Response::Clarify(Clarify {
                question: format!(
                    "{wanted} stands for {} {} in namespace {namespace}: which pod do you mean?",
                    several.len(),
                    discovery::PodMatch::how(owned, &wanted)
                ),
                missing: vec!["name".into()],
                candidates: several.to_vec(),
            }))),
        },
        discovery::PodMatch::Exact => Ok(Err(not_found(operation, subject.clone(), message))),
        discovery::PodMatch::Nothing { existing } => {
            let suggestions = if existing.is_empty() {
                format!("there are no pods in namespace {namespace}")
            } else {
                format!("pods in namespace {namespace}: {}", existing.join(", "))
            };
            if operation != Operation::Delete {
                return Ok(Err(Response::Clarify(Clarify {
                    question: format!(
                        "There is no pod {wanted} in namespace {namespace}, nor one named {wanted}-...; {suggestions}: which one do you mean?"
                    ),
                    missing: vec!["name".into()],
                    candidates: existing,
                })));
            }
            Ok(Err(not_found(
                operation,
                subject.clone(),
                &format!("{}; {suggestions}", message.trim()),
            )))
        }
    }
}

async fn fetch(pipeline: &Pipeline, subject: &Subject) -> Result<Fetched, WorkflowError> {
    pipeline
        .cluster
        .get(
            &subject.context,
            &subject.api_version,
            &subject.kind,
            &subject.name,
            subject.namespace.as_deref(),
        )
        .await
}

/// The most replicas kubeop plans for one workload. Kubernetes itself only
/// bounds the field at 2^31-1, but a count this far past what workloads run
/// (the largest supported clusters hold 150,000 pods on 5,000 nodes) is far
/// more often a slip (an extra zero, a pasted number) than intent, and a
/// slip floods the cluster with Pending pods and its autoscaler with nodes.
/// Above it a scale-up is asked about again, never planned; scaling down
/// from above it is planned as usual.
pub(crate) const MAX_REPLICAS: u64 = 1_000;

/// A scale-up to more than this many times the current replicas is a large
/// jump ("3 → 300"): its card warns first, with the capacity it needs.
const LARGE_SCALE_FACTOR: u64 = 10;

/// A scale-up that adds fewer pods than this is never a large jump (1 → 12
/// is twelvefold but small).
const LARGE_SCALE_MIN_ADDED: u64 = 20;

/// Plans a scale: a question instead when the count is above
/// [`MAX_REPLICAS`] and adds replicas, the caveats of a failing template
/// and of a large jump on the card otherwise.
async fn scale(
    pipeline: &Pipeline,
    subject: &Subject,
    arguments: &Arguments,
    live: &Value,
) -> Result<Result<Planned, Clarify>, WorkflowError> {
    let current = plan::Replicas::of(live).map_or(0, |replicas| replicas.desired);
    let workload = format!("{}/{}", subject.kind.to_lowercase(), subject.name);
    let Some(wanted) = arguments.scale else {
        return Ok(Ok(Planned::NothingToDo(format!(
            "{workload} has {current} replicas; say how many it should have to scale it",
        ))));
    };
    let wanted = u64::from(wanted);
    if wanted > MAX_REPLICAS && wanted > current {
        return Ok(Err(Clarify {
            question: format!(
                "{wanted} replicas is more than kubeop plans for one workload (at most \
                 {MAX_REPLICAS}); {workload}{} has {current}. How many replicas should it have?",
                subject.place()
            ),
            missing: vec!["scale".into()],
            candidates: Vec::new(),
        }));
    }
    let mut call = args(json!({
        "apiVersion": subject.api_version,
        "kind": subject.kind,
        "name": subject.name,
        "scale": wanted,
    }));
    if let Some(namespace) = &subject.namespace {
        call.insert("namespace".into(), Value::String(namespace.clone()));
    }
    let call = pipeline
        .cluster
        .in_context("resources_scale", call, &subject.context)
        .await?;
    let mut planned = plan::scale(subject.target(), call, live, wanted);
    if let Planned::Change(draft) = &mut planned
        && wanted > current
    {
        if let Some(caveat) = scaling_caveat(pipeline, subject, live).await? {
            draft.warnings.insert(0, caveat);
        }
        if wanted > current.saturating_mul(LARGE_SCALE_FACTOR)
            && wanted - current >= LARGE_SCALE_MIN_ADDED
        {
            let nodes = capacity::Nodes::of_cluster(&pipeline.cluster, &subject.context).await?;
            draft.warnings.insert(
                0,
                large_scale_warning(&workload, live, current, wanted, &nodes),
            );
        }
    }
    if let Planned::Change(draft) = &mut planned
        && let Some(autoscaled) = autoscaler_of(pipeline, subject).await?
    {
        draft.warnings.insert(0, autoscaled);
    }
    Ok(Ok(planned))
}

/// The warning when a HorizontalPodAutoscaler scales the workload: it sets
/// the replicas back within its sync period, so a manual count does not
/// last; its bounds are what to change. One list of the namespace's
/// autoscalers, matched by their REFERENCE column (`Deployment/web`).
async fn autoscaler_of(
    pipeline: &Pipeline,
    subject: &Subject,
) -> Result<Option<String>, WorkflowError> {
    let rows = pipeline
        .cluster
        .list(
            &subject.context,
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            subject.namespace.as_deref(),
            None,
        )
        .await?;
    let reference = format!("{}/{}", subject.kind, subject.name);
    Ok(rows
        .iter()
        .find(|row| crate::cluster::cell(row, "reference") == Some(reference.as_str()))
        .and_then(|row| {
            let name = crate::cluster::cell(row, "name")?;
            // The bounds are integer columns, not text cells.
            let bound = |column: &str| {
                row.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(column))
                    .map_or_else(
                        || "?".to_owned(),
                        |(_, value)| {
                            value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned)
                        },
                    )
            };
            Some(format!(
                "AUTOSCALED: horizontalpodautoscaler/{name} scales {}/{} between {} and {} \
                 replicas and sets them back within its sync period (15s), so this count does \
                 not last. To change the count, change its bounds (\"set the {name} hpa max \
                 replicas to N\").",
                subject.kind.to_lowercase(),
                subject.name,
                bound("minpods"),
                bound("maxpods"),
            ))
        }))
}

/// The warning on a scale-up of [`LARGE_SCALE_FACTOR`] or more: how many
/// pods it adds, what they request in all (the template's requests times
/// the new pods), and what the schedulable nodes offer pods in all.
fn large_scale_warning(
    workload: &str,
    live: &Value,
    current: u64,
    wanted: u64,
    nodes: &capacity::Nodes,
) -> String {
    let added = wanted - current;
    let (cpu, memory) = live
        .pointer("/spec/template")
        .map(crate::diagnosis::pressure::pod_requests)
        .unwrap_or_default();
    let requested = if cpu.0 == 0 && memory.0 == 0 {
        "they request no CPU or memory, so nothing bounds them but the nodes' pod slots".to_owned()
    } else {
        format!(
            "they request {} CPU and {} memory in all",
            capacity::cores(crate::diagnosis::quantity::Cpu(cpu.0.saturating_mul(added))),
            crate::answers::human_bytes(memory.0.saturating_mul(added))
        )
    };
    let usable = nodes.allocatable(|node| node.schedulable);
    let schedulable = nodes.nodes.iter().filter(|node| node.schedulable).count();
    format!(
        "LARGE SCALE-UP: {workload} goes from {current} to {wanted} replicas, {added} new pods; \
         {requested}. The cluster's {schedulable} schedulable {} offer pods {} CPU, {} memory and \
         {} pod slots in all (before what already runs there). Check the number before approving.",
        if schedulable == 1 { "node" } else { "nodes" },
        capacity::cores(usable.cpu),
        crate::answers::human_bytes(usable.memory.0),
        usable.pods
    )
}

/// Why adding replicas to the workload will not help, when its pods fail
/// in a way every replica of the same template shares (a crash loop, an
/// image that cannot be pulled, a missing ConfigMap, a pod no node fits):
/// its pods' list, and the first failing one read whole to confirm and
/// name the failure (`diagnosis::pod_status::scaling_caveat`).
async fn scaling_caveat(
    pipeline: &Pipeline,
    subject: &Subject,
    live: &Value,
) -> Result<Option<String>, WorkflowError> {
    let Some(selector) = label_selector(live) else {
        return Ok(None);
    };
    let rows = pipeline
        .cluster
        .list(
            &subject.context,
            "v1",
            "Pod",
            subject.namespace.as_deref(),
            Some(&selector),
        )
        .await?;
    let statuses: Vec<&str> = rows
        .iter()
        .filter_map(|row| crate::cluster::cell(row, "status"))
        .collect();
    let Some(failing) = rows.iter().find_map(|row| {
        crate::cluster::cell(row, "status")
            .and_then(pod_status::template_failure)
            .and(crate::cluster::cell(row, "name"))
    }) else {
        return Ok(None);
    };
    let Fetched::Found(pod) = pipeline
        .cluster
        .get(
            &subject.context,
            "v1",
            "Pod",
            failing,
            subject.namespace.as_deref(),
        )
        .await?
    else {
        return Ok(None);
    };
    let workload = format!("{}/{}", subject.kind.to_lowercase(), subject.name);
    Ok(pod_status::scaling_caveat(&workload, &statuses, &pod))
}

async fn delete(
    pipeline: &Pipeline,
    subject: &Subject,
    tool: &str,
    live: &Value,
) -> Result<Planned, WorkflowError> {
    let mut call = if tool == "pods_delete" {
        args(json!({"name": subject.name}))
    } else {
        args(json!({"apiVersion": subject.api_version, "kind": subject.kind, "name": subject.name}))
    };
    if let Some(namespace) = &subject.namespace {
        call.insert("namespace".into(), Value::String(namespace.clone()));
    }
    let call = pipeline
        .cluster
        .in_context(tool, call, &subject.context)
        .await?;
    let dependents = dependents(pipeline, subject, live).await?;
    let mut planned = plan::delete(tool, subject.target(), call, live, dependents);
    if let Planned::Change(draft) = &mut planned {
        let mut warnings = in_use_warnings(pipeline, subject, live).await?;
        warnings.extend(budget_warnings(pipeline, subject, live).await?);
        for warning in warnings.into_iter().rev() {
            draft.warnings.insert(0, warning);
        }
    }
    Ok(planned)
}

/// The PodDisruptionBudgets that cover a pod about to be deleted and allow
/// no disruption now: a delete is not an eviction, so the budget does not
/// hold it back (a drain's evictions would wait), and the pods it protects
/// drop below what it guarantees until the replacement is ready.
async fn budget_warnings(
    pipeline: &Pipeline,
    subject: &Subject,
    live: &Value,
) -> Result<Vec<String>, WorkflowError> {
    let (Some(namespace), "Pod") = (subject.namespace.as_deref(), subject.kind.as_str()) else {
        return Ok(Vec::new());
    };
    let labels: std::collections::BTreeMap<String, String> = live
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect();
    let rows = pipeline
        .cluster
        .list(
            &subject.context,
            "policy/v1",
            "PodDisruptionBudget",
            Some(namespace),
            None,
        )
        .await?;
    let mut warnings = Vec::new();
    for name in rows
        .iter()
        .filter_map(|row| cell(row, "name"))
        .take(MAX_BUDGETS_READ)
    {
        let Fetched::Found(budget) = pipeline
            .cluster
            .get(
                &subject.context,
                "policy/v1",
                "PodDisruptionBudget",
                name,
                Some(namespace),
            )
            .await?
        else {
            continue;
        };
        let allowed = budget
            .pointer("/status/disruptionsAllowed")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if allowed > 0
            || !crate::diagnosis::pod_failure::node_target::selects(
                budget.pointer("/spec/selector"),
                &labels,
            )
        {
            continue;
        }
        let guarantee = ["minAvailable", "maxUnavailable"]
            .iter()
            .find_map(|field| {
                let value = budget.pointer(&format!("/spec/{field}"))?;
                Some(format!(
                    "{field} {}",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned)
                ))
            })
            .unwrap_or_default();
        let healthy = budget
            .pointer("/status/currentHealthy")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        warnings.push(format!(
            "PodDisruptionBudget {namespace}/{name} covers this pod and allows no disruption now ({guarantee}, {healthy} healthy): a delete is not an eviction, so the budget does not stop it, and the pods it protects drop below what it guarantees until the replacement is ready"
        ));
    }
    Ok(warnings)
}

/// What deleting a ConfigMap, Secret, claim or service account breaks:
/// the workloads and pods that name it ([`consumers::Consumers`]), and for
/// a bound claim, the data its volume's reclaim policy deletes with it.
async fn in_use_warnings(
    pipeline: &Pipeline,
    subject: &Subject,
    live: &Value,
) -> Result<Vec<String>, WorkflowError> {
    let mut warnings = Vec::new();
    let (Some(namespace), true) = (
        subject.namespace.as_deref(),
        consumers::CONSUMED_KINDS.contains(&subject.kind.as_str()),
    ) else {
        return Ok(warnings);
    };
    if subject.kind == "PersistentVolumeClaim"
        && let Some(volume) = live.pointer("/spec/volumeName").and_then(Value::as_str)
        && let Fetched::Found(volume_object) = pipeline
            .cluster
            .get(&subject.context, "v1", "PersistentVolume", volume, None)
            .await?
        && volume_object
            .pointer("/spec/persistentVolumeReclaimPolicy")
            .and_then(Value::as_str)
            == Some("Delete")
    {
        warnings.push(format!(
            "DATA LOSS: volume {volume} has reclaim policy Delete: deleting the claim deletes the volume and everything on it"
        ));
    }
    let consumers = consumers::Consumers::read(
        &pipeline.cluster,
        &subject.context,
        &subject.kind,
        &subject.name,
        namespace,
    )
    .await?;
    warnings.extend(consumers.in_use_warning(&subject.kind));
    Ok(warnings)
}

/// What the cluster deletes along with the object: a workload's pods, or
/// everything in a namespace (its workloads and pods).
async fn dependents(
    pipeline: &Pipeline,
    subject: &Subject,
    live: &Value,
) -> Result<Vec<String>, WorkflowError> {
    let context = &subject.context;
    let mut dependents = Vec::new();
    if subject.kind.eq_ignore_ascii_case("namespace") {
        for (api_version, kind) in [("apps/v1", "Deployment"), ("v1", "Pod"), ("v1", "Service")] {
            let rows = pipeline
                .cluster
                .list(context, api_version, kind, Some(&subject.name), None)
                .await?;
            dependents.extend(names(&rows, kind));
        }
    } else if let Some(selector) = label_selector(live) {
        let rows = pipeline
            .cluster
            .list(
                context,
                "v1",
                "Pod",
                subject.namespace.as_deref(),
                Some(&selector),
            )
            .await?;
        dependents.extend(names(&rows, "Pod"));
    }
    if dependents.len() > MAX_LISTED_DEPENDENTS {
        let more = dependents.len() - MAX_LISTED_DEPENDENTS;
        dependents.truncate(MAX_LISTED_DEPENDENTS);
        dependents.push(format!("… and {more} more"));
    }
    Ok(dependents)
}

fn names(rows: &[Map<String, Value>], kind: &str) -> Vec<String> {
    rows.iter()
        .filter_map(|row| crate::cluster::cell(row, "name"))
        .map(|name| format!("{}/{name}", kind.to_lowercase()))
        .collect()
}

async fn exec(
    pipeline: &Pipeline,
    subject: &Subject,
    arguments: &Arguments,
    pod: &Value,
) -> Result<Planned, WorkflowError> {
    let Some(command) = arguments
        .command
        .clone()
        .filter(|command| !command.is_empty())
    else {
        return Ok(Planned::NothingToDo(format!(
            "pod {} is there; say which command to run in it",
            subject.name
        )));
    };
    let container = arguments
        .container
        .clone()
        .or_else(|| default_container(pod))
        .unwrap_or_default();
    let mut call = args(json!({"name": subject.name, "command": command}));
    if let Some(namespace) = &subject.namespace {
        call.insert("namespace".into(), Value::String(namespace.clone()));
    }
    if !container.is_empty() {
        call.insert("container".into(), Value::String(container.clone()));
    }
    let call = pipeline
        .cluster
        .in_context("pods_exec", call, &subject.context)
        .await?;
    Ok(plan::exec(
        subject.target(),
        call,
        pod,
        &container,
        &command,
    ))
}

/// The container an exec without one goes to, as the server picks it: the
/// only one, else the `kubectl.kubernetes.io/default-container`, else the first.
fn default_container(pod: &Value) -> Option<String> {
    let annotated = pod
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
        .and_then(Value::as_str);
    let first = pod
        .pointer("/spec/containers/0/name")
        .and_then(Value::as_str);
    annotated.or(first).map(str::to_owned)
}

/// Plans a create/update: the manifest merged into the live object, or the
/// question to ask when the request leaves the container open and the
/// workload has several (or does not exist).
async fn create_update(
    pipeline: &Pipeline,
    context: &str,
    arguments: &Arguments,
    kind_defaulted: bool,
    inferred: &mut Vec<String>,
) -> Result<Result<Planned, Response>, WorkflowError> {
    let Some(text) = &arguments.resource else {
        return Err(WorkflowError::InvalidManifest(
            "the request carries no manifest".into(),
        ));
    };
    // A rollback's placeholder template changes a workload that must exist,
    // like a restart's annotation or a set image's container.
    let in_place_markers = text.contains(classifier::RESTARTED_AT_PLACEHOLDER)
        || text.contains(classifier::CONTAINER_PLACEHOLDER)
        || text.contains(classifier::PREVIOUS_REVISION_PLACEHOLDER)
        || text.contains(classifier::REVISION_PLACEHOLDER_PREFIX)
        || text.contains(classifier::IMAGE_TAG_PLACEHOLDER_PREFIX);
    let text = text.replace(
        classifier::RESTARTED_AT_PLACEHOLDER,
        &memory::Timestamp::now().to_string(),
    );
    let mut manifest: Value = serde_norway::from_str(&text).map_err(|error| {
        WorkflowError::InvalidManifest(format!("not one YAML or JSON object: {error}"))
    })?;
    let field = |manifest: &Value, pointer: &str| {
        manifest
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| WorkflowError::InvalidManifest(format!("{pointer} is missing")))
    };
    let api_version = field(&manifest, "/apiVersion")?;
    let kind = field(&manifest, "/kind")?;
    let name = field(&manifest, "/metadata/name")?;
    let in_place = in_place_markers || in_place_change(&manifest);
    let exposed = expose::requested(&manifest);
    // Where the object (or, for a Service exposing one, its workload) is
    // looked for when the request names no namespace, and the other kinds
    // it may be.
    let defaulted_kinds: &[&str] = if kind_defaulted {
        &OTHER_WORKLOAD_KINDS
    } else {
        &[]
    };
    let located: Option<(String, String, String, &[&str])> = if in_place {
        Some((
            api_version.clone(),
            kind.clone(),
            name.clone(),
            if kind == "HorizontalPodAutoscaler" {
                // "the nginx hpa": where the workload it scales (or
                // would) is.
                &autoscaler::AUTOSCALED_KINDS
            } else {
                defaulted_kinds
            },
        ))
    } else if let Some((kind, name)) = &exposed {
        Some((
            expose::api_version(kind).to_owned(),
            kind.clone(),
            name.clone(),
            defaulted_kinds,
        ))
    } else {
        // "run the db-backup cronjob now": the Job runs where the CronJob is.
        from_cronjob::requested(&manifest).map(|cronjob| {
            (
                "batch/v1".to_owned(),
                "CronJob".to_owned(),
                cronjob,
                &[][..],
            )
        })
    };
    let mut searched_everywhere = false;
    let namespace = if discovery::is_cluster_scoped(&kind) {
        None
    } else {
        match manifest
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
        {
            Some(namespace) => Some(namespace.to_owned()),
            None => {
                let default = match &arguments.namespace {
                    // The session's namespace ("use namespace staging").
                    Some(namespace) => {
                        inferred.push(format!(
                            "namespace {namespace}: the manifest names none; the session works in it"
                        ));
                        namespace.clone()
                    }
                    // "restart redis" in a session that named no namespace:
                    // where the cluster has it (your last operation on it,
                    // the only namespace holding it), else the context's
                    // default; several → asked. The card says which. A
                    // Service exposing a workload goes where the workload is.
                    None if let Some((api_version, kind, name, instead)) = &located => {
                        searched_everywhere = true;
                        match discovery::namespace(
                            pipeline,
                            Named {
                                context,
                                api_version,
                                kind,
                                name,
                                instead,
                            },
                            None,
                            inferred,
                        )
                        .await?
                        {
                            Found::Value(Some(namespace)) => namespace,
                            Found::Value(None) => {
                                pipeline.cluster.facts().await?.namespace_of(context)
                            }
                            Found::Ask(question) => return Ok(Err(Response::Clarify(question))),
                        }
                    }
                    // A new object goes to the context's default namespace,
                    // never onto a namesake found elsewhere.
                    None => {
                        let default = pipeline.cluster.facts().await?.namespace_of(context);
                        inferred.push(format!(
                            "namespace {default}: the manifest names none; the default of context {context}"
                        ));
                        default
                    }
                };
                if let Some(metadata) = manifest
                    .pointer_mut("/metadata")
                    .and_then(Value::as_object_mut)
                {
                    metadata.insert("namespace".into(), Value::String(default.clone()));
                }
                Some(default)
            }
        }
    };
    let mut subject = Subject {
        api_version,
        kind,
        name,
        namespace,
        context: context.to_owned(),
        searched_everywhere,
    };
    // "run the nightly-export cronjob now": a new Job from the CronJob's
    // job template, read now.
    if let Some(cronjob) = from_cronjob::requested(&manifest) {
        return from_cronjob::plan(pipeline, &subject, &cronjob).await;
    }
    // "expose deployment nginx --port 80": a Service selecting its pods,
    // built from the live workload.
    if let Some(exposed) = &exposed {
        return expose::plan(
            pipeline,
            &subject,
            &manifest,
            exposed,
            defaulted_kinds,
            inferred,
        )
        .await;
    }
    let mut live = match fetch(pipeline, &subject).await? {
        Fetched::Found(live) => Some(live),
        Fetched::Missing(_) => None,
    };
    // "set max replicas of the nginx hpa to 10" where no autoscaler is
    // named nginx: the one scaling nginx, else a new one for it.
    if live.is_none() && in_place && subject.kind == "HorizontalPodAutoscaler" {
        match autoscaler::missing(pipeline, &mut subject, &manifest, inferred).await? {
            autoscaler::Missing::Existing(found) => {
                rename(&mut manifest, &subject);
                live = Some(found);
            }
            autoscaler::Missing::Planned(planned) => return Ok(*planned),
            autoscaler::Missing::NoWorkload => {}
        }
    }
    if live.is_none() && in_place {
        // A restart, set image, label or cordon changes an object that must
        // exist: it is found (another workload kind when none was named, a
        // longer name) or the request is asked about, never applied as a
        // new, partial object.
        let other_kinds: &[&str] = if kind_defaulted {
            &OTHER_WORKLOAD_KINDS
        } else {
            &[]
        };
        match find_changed_object(pipeline, &mut subject, other_kinds, inferred).await? {
            Ok(found) => {
                rename(&mut manifest, &subject);
                live = Some(found);
            }
            Err(question) => return Ok(Err(question)),
        }
    }
    // "roll back checkout": the template of a revision from the workload's
    // own history, never a guessed image.
    if let Some(to) = rollback::requested(&manifest) {
        return match &live {
            Some(live) if WORKLOAD_KINDS.contains(&subject.kind.as_str()) => {
                rollback::plan(pipeline, &subject, live, to).await
            }
            _ => Ok(Ok(Planned::NothingToDo(format!(
                "{}/{}{} keeps no revisions to roll back to: only Deployments, StatefulSets and DaemonSets do.",
                subject.kind.to_lowercase(),
                subject.name,
                subject.place()
            )))),
        };
    }
    if let Err(question) = fill_container(&mut manifest, &subject, live.as_ref(), inferred) {
        return Ok(Err(Response::Clarify(question)));
    }
    if in_place
        && let Some(live) = &live
        && let Err(question) = containers_exist(&manifest, &subject, live)
    {
        return Ok(Err(Response::Clarify(question)));
    }
    if let Err(question) = fill_image_tags(&mut manifest, &subject, live.as_ref(), inferred) {
        return Ok(Err(Response::Clarify(question)));
    }
    // A partial manifest (set image, restart, label) changes the live
    // object: the plan shows, and applies, the whole desired state.
    let asked = manifest.clone();
    if let Some(live) = &live {
        manifest = diff::overlay(&diff::user_fields(live), &manifest);
        env::replace_whole(&mut manifest, &asked);
        without_controller_taints(&mut manifest);
    }
    let (preview, call) = apply_call(pipeline, context, &manifest).await?;
    let mut planned = plan::create_update(
        subject.target(),
        call,
        &manifest,
        &asked,
        preview,
        live.as_ref(),
        in_place,
    );
    // "set env LOG_LEVEL=debug on cart": each variable old → new.
    if let Planned::Change(draft) = &mut planned
        && let Some(note) = env::change_note(live.as_ref(), &asked)
    {
        draft.warnings.insert(0, note);
    }
    Ok(Ok(planned))
}

/// The taint the node controller keeps on a cordoned Node.
const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// An uncordon's manifest without the `unschedulable` taint the live
/// cordoned Node carries: the node controller owns it and removes it once
/// the node is schedulable again; applying it back would claim it for
/// kubeop and the verification would see it go. Other taints stay.
fn without_controller_taints(manifest: &mut Value) {
    if manifest.get("kind").and_then(Value::as_str) != Some("Node")
        || manifest.pointer("/spec/unschedulable") == Some(&Value::Bool(true))
    {
        return;
    }
    let Some(spec) = manifest.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(taints) = spec.get_mut("taints").and_then(Value::as_array_mut) else {
        return;
    };
    taints.retain(|taint| taint.get("key").and_then(Value::as_str) != Some(UNSCHEDULABLE_TAINT));
    if taints.is_empty() {
        spec.remove("taints");
    }
}

/// Workload kinds with a pod template that a request naming no kind may
/// mean when there is no Deployment of that name (the classifier's default).
const OTHER_WORKLOAD_KINDS: [&str; 2] = ["StatefulSet", "DaemonSet"];

/// The other workload kind a replica count may be for (a DaemonSet has no
/// replicas to scale).
const SCALABLE_OTHER_KINDS: [&str; 1] = ["StatefulSet"];

/// The workload kinds one name may stand for; a request that names one of
/// them and finds nothing is told about the others of that exact name.
const WORKLOAD_KINDS: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// The other workload kind (of [`WORKLOAD_KINDS`]) that has an object of
/// `subject`'s exact name in its namespace, when `subject` is a workload
/// the cluster does not have: "restart deployment postgres" where postgres
/// is a StatefulSet.
async fn same_name_other_kind(
    pipeline: &Pipeline,
    subject: &Subject,
) -> Result<Option<&'static str>, WorkflowError> {
    if !WORKLOAD_KINDS.contains(&subject.kind.as_str()) {
        return Ok(None);
    }
    for kind in WORKLOAD_KINDS {
        if kind == subject.kind {
            continue;
        }
        let other = Subject {
            api_version: "apps/v1".to_owned(),
            kind: kind.to_owned(),
            ..subject.clone()
        };
        if let Fetched::Found(_) = fetch(pipeline, &other).await? {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

/// Workload kinds whose manifest, when kubeop creates it, always carries a
/// selector: one without is fields to merge into a live object.
const SELECTOR_KINDS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Whether `manifest` only holds fields to change on a live object (see
/// `classifier::manifest`): a cordon (kubeop never creates a Node), a
/// workload without its selector (set image, resource limits, pause), a
/// CronJob without its schedule (suspend), an autoscaler without its
/// target (a new replica bound), or labels or annotations alone.
/// Such a manifest applied to nothing would create a broken object.
fn in_place_change(manifest: &Value) -> bool {
    let kind = manifest.get("kind").and_then(Value::as_str).unwrap_or("");
    let has = |pointer: &str| manifest.pointer(pointer).is_some();
    let metadata_only = manifest.as_object().is_some_and(|fields| {
        fields
            .keys()
            .all(|key| matches!(key.as_str(), "apiVersion" | "kind" | "metadata"))
    });
    kind == "Node"
        || (SELECTOR_KINDS.contains(&kind) && !has("/spec/selector"))
        || (kind == "CronJob" && !has("/spec/schedule"))
        || (kind == "HorizontalPodAutoscaler" && !has("/spec/scaleTargetRef"))
        || (metadata_only && (has("/metadata/labels") || has("/metadata/annotations")))
}

/// The live object a change is about, when the request's name and kind
/// found none: the workload of one of `other_kinds` with that exact name
/// (when the kind was the classifier's default, Deployment), else the one
/// object the name stands for. `subject` is updated to it and the inference
/// stated; otherwise the question naming what does exist.
async fn find_changed_object(
    pipeline: &Pipeline,
    subject: &mut Subject,
    other_kinds: &[&str],
    inferred: &mut Vec<String>,
) -> Result<Result<Value, Response>, WorkflowError> {
    if other_kinds.is_empty()
        && let Some(other) = same_name_other_kind(pipeline, subject).await?
    {
        // The user named the kind: never switch it silently, even to the
        // one object of that name.
        let (kind, other) = (subject.kind.to_lowercase(), other.to_lowercase());
        return Ok(Err(Response::Clarify(Clarify {
            question: format!(
                "There is no {kind} named {name}{place}, but there is a {other} {name}. I change only the kind you name: if you mean the {other}, say \"{other} {name}\".",
                name = subject.name,
                place = subject.place(),
            ),
            missing: vec!["kind".into()],
            candidates: vec![format!("{other}/{}", subject.name)],
        })));
    }
    if subject.kind == "Deployment"
        && let Some((other, live)) =
            other_workload_kind(pipeline, subject, other_kinds, inferred).await?
    {
        *subject = other;
        return Ok(Ok(live));
    }
    match resolve_and_fetch(pipeline, subject, inferred).await? {
        Some(Found::Ask(question)) => Ok(Err(Response::Clarify(question))),
        Some(Found::Value(Fetched::Found(live))) => Ok(Ok(live)),
        Some(Found::Value(Fetched::Missing(_))) | None => {
            Ok(Err(missing(pipeline, subject).await?))
        }
    }
}

/// The one object discovery resolves `subject`'s name to (the object it
/// prefixes or is part of), read under that full name with `subject` renamed
/// to it; a question when several fit; `None` when none does.
async fn resolve_and_fetch(
    pipeline: &Pipeline,
    subject: &mut Subject,
    inferred: &mut Vec<String>,
) -> Result<Option<Found<Fetched>>, WorkflowError> {
    let resolved = discovery::resolve_name(
        &pipeline.cluster,
        &subject.context,
        &subject.api_version,
        &subject.kind,
        subject.namespace.as_deref(),
        &subject.name,
        inferred,
    )
    .await?;
    Ok(match resolved {
        Some(Found::Value(name)) => {
            subject.name = name;
            Some(Found::Value(fetch(pipeline, subject).await?))
        }
        Some(Found::Ask(question)) => Some(Found::Ask(question)),
        None => None,
    })
}

/// The manifest renamed to `subject`'s kind and name (after discovery found
/// the object under another).
fn rename(manifest: &mut Value, subject: &Subject) {
    if let Some(fields) = manifest.as_object_mut() {
        fields.insert("kind".into(), Value::String(subject.kind.clone()));
    }
    if let Some(metadata) = manifest
        .pointer_mut("/metadata")
        .and_then(Value::as_object_mut)
    {
        metadata.insert("name".into(), Value::String(subject.name.clone()));
    }
}

/// The question for a change whose object is not there: what was looked
/// for, whether the namespace itself exists, and the closest names that do.
async fn missing(pipeline: &Pipeline, subject: &Subject) -> Result<Response, WorkflowError> {
    let kind = subject.kind.to_lowercase();
    if let Some(namespace) = &subject.namespace
        && let Some((text, candidates)) =
            suggest::missing_namespace(&pipeline.cluster, &subject.context, namespace).await?
    {
        return Ok(Response::Clarify(Clarify {
            question: text,
            missing: vec!["namespace".into()],
            candidates,
        }));
    }
    let (instead, candidates) = subject.instead(pipeline).await?;
    Ok(Response::Clarify(Clarify {
        question: format!(
            "I found no {kind} named like {}{}. {instead} Which one do you mean?",
            subject.name,
            subject.looked_in()
        ),
        missing: vec!["name".into()],
        candidates,
    }))
}

/// The first of `kinds` that has an object of `deployment`'s name and
/// namespace, read, when no Deployment does ("restart postgres" meaning
/// the StatefulSet), said under Inferred; `None` when none has it.
async fn other_workload_kind(
    pipeline: &Pipeline,
    deployment: &Subject,
    kinds: &[&str],
    inferred: &mut Vec<String>,
) -> Result<Option<(Subject, Value)>, WorkflowError> {
    for &kind in kinds {
        let other = Subject {
            kind: kind.to_owned(),
            ..deployment.clone()
        };
        if let Fetched::Found(live) = fetch(pipeline, &other).await? {
            inferred.push(format!(
                "{}/{}: there is no deployment of that name{}, so the {} is meant",
                kind.to_lowercase(),
                other.name,
                other.place(),
                kind.to_lowercase()
            ));
            return Ok(Some((other, live)));
        }
    }
    Ok(None)
}

/// Where a workload's pod template keeps its containers.
const TEMPLATE_CONTAINERS: &str = "/spec/template/spec/containers";

/// The names of the containers of a workload's pod template.
fn container_names(workload: &Value) -> Vec<String> {
    workload
        .pointer(TEMPLATE_CONTAINERS)
        .and_then(Value::as_array)
        .map(|containers| {
            containers
                .iter()
                .filter_map(|container| container.get("name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// An in-place change (set image, env or resources) names containers the
/// live workload has: merged into it, a name it lacks would add a new
/// container to every pod ("set image nginx=nginx:1.28" said of
/// payment-service), which no such request means. A question naming its
/// containers instead.
fn containers_exist(manifest: &Value, subject: &Subject, live: &Value) -> Result<(), Clarify> {
    let asked = container_names(manifest);
    let names = container_names(live);
    let Some(unknown) = asked.iter().find(|name| !names.contains(name)) else {
        return Ok(());
    };
    Err(Clarify {
        question: format!(
            "{}/{}{} has no container {unknown}: its containers are {}. Which one should change, or which workload did you mean?",
            subject.kind.to_lowercase(),
            subject.name,
            subject.place(),
            names.join(", ")
        ),
        missing: vec!["container".into()],
        candidates: names,
    })
}

/// Replaces the classifier's [`classifier::CONTAINER_PLACEHOLDER`] (a set
/// image or resource change that names no container) with the live
/// workload's only container; with several, or no workload, asks.
fn fill_container(
    manifest: &mut Value,
    subject: &Subject,
    live: Option<&Value>,
    inferred: &mut Vec<String>,
) -> Result<(), Clarify> {
    let placeholder = Value::String(classifier::CONTAINER_PLACEHOLDER.to_owned());
    let Some(entries) = manifest
        .pointer_mut(TEMPLATE_CONTAINERS)
        .and_then(Value::as_array_mut)
        .filter(|entries| {
            entries
                .iter()
                .any(|entry| entry.get("name") == Some(&placeholder))
        })
    else {
        return Ok(());
    };
    let what = format!("{}/{}", subject.kind.to_lowercase(), subject.name);
    let Some(live) = live else {
        return Err(Clarify {
            question: format!(
                "I found no {what}{}: which workload do you mean?",
                subject.place()
            ),
            missing: vec!["name".into()],
            candidates: Vec::new(),
        });
    };
    let names = container_names(live);
    let [only] = names.as_slice() else {
        return Err(Clarify {
            question: format!(
                "{what} runs {} containers ({}): which one should change? Name it, e.g. \"container {}\".",
                names.len(),
                names.join(", "),
                names.first().map_or("app", String::as_str)
            ),
            missing: vec!["container".into()],
            candidates: names,
        });
    };
    for entry in entries.iter_mut() {
        if entry.get("name") == Some(&placeholder)
            && let Some(fields) = entry.as_object_mut()
        {
            fields.insert("name".into(), Value::String(only.clone()));
        }
    }
    inferred.push(format!("container {only}: the only container of {what}"));
    Ok(())
}

/// Replaces each image given as a tag alone (the classifier's
/// `${TAG:3.2.1}`, see [`classifier::IMAGE_TAG_PLACEHOLDER_PREFIX`]) with
/// that tag on the repository its container runs now: "set the image of
/// checkout to 3.2.1" on `ghcr.io/acme/checkout:3.2.0` is
/// `ghcr.io/acme/checkout:3.2.1` (a digest the image was pinned by is
/// dropped, as the tag replaces it). Without the live container, asks.
fn fill_image_tags(
    manifest: &mut Value,
    subject: &Subject,
    live: Option<&Value>,
    inferred: &mut Vec<String>,
) -> Result<(), Clarify> {
    let Some(entries) = manifest
        .pointer_mut(TEMPLATE_CONTAINERS)
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for entry in entries.iter_mut() {
        let Some(tag) = entry
            .get("image")
            .and_then(Value::as_str)
            .and_then(|image| image.strip_prefix(classifier::IMAGE_TAG_PLACEHOLDER_PREFIX))
            .and_then(|rest| rest.strip_suffix('}'))
            .map(str::to_owned)
        else {
            continue;
        };
        let container = entry.get("name").and_then(Value::as_str).unwrap_or("-");
        let running = live
            .and_then(|live| live.pointer(TEMPLATE_CONTAINERS))
            .and_then(Value::as_array)
            .and_then(|containers| {
                containers
                    .iter()
                    .find(|live| live.get("name").and_then(Value::as_str) == Some(container))
            })
            .and_then(|live| live.get("image"))
            .and_then(Value::as_str);
        let Some(running) = running else {
            return Err(Clarify {
                question: format!(
                    "I found no container {container} in {}/{}{} to put the tag {tag} on: which image should it run? Give the whole image, e.g. \"registry/app:{tag}\".",
                    subject.kind.to_lowercase(),
                    subject.name,
                    subject.place()
                ),
                missing: vec!["image".into()],
                candidates: Vec::new(),
            });
        };
        let image = format!("{}:{tag}", repository(running));
        inferred.push(format!(
            "image {image}: the tag {tag} on the image container {container} runs now ({running})"
        ));
        entry["image"] = Value::String(image);
    }
    Ok(())
}

/// An image reference without its tag and digest: `ghcr.io/acme/app` for
/// `ghcr.io/acme/app:1.2@sha256:…`; a registry's port (`registry:5000/app`)
/// is not a tag.
fn repository(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    match image.rfind(':') {
        Some(colon) if !image[colon..].contains('/') => &image[..colon],
        _ => image,
    }
}

/// The plan creating `manifest`, an object kubeop built whole (a Job from
/// a CronJob, an autoscaler, a Service exposing a workload): its apply
/// call and card, with nothing live to merge into.
async fn creation(
    pipeline: &Pipeline,
    subject: &Subject,
    manifest: &Value,
) -> Result<Planned, WorkflowError> {
    let (preview, call) = apply_call(pipeline, &subject.context, manifest).await?;
    Ok(plan::create_update(
        subject.target(),
        call,
        manifest,
        manifest,
        preview,
        None,
        false,
    ))
}

/// The `resources_create_or_update` arguments that apply `manifest` in
/// `context`, and the manifest's YAML, which the approver reads. The
/// server is sent the same object as JSON: its YAML reader is YAML 1.1,
/// where a plain `on`, `off`, `yes` or `no` (which YAML 1.2 writers such as
/// `serde_norway` leave unquoted) is a boolean, so `data: {beta: on}` would
/// reach the API server as `true` (a ConfigMap refused, a flag flipped).
pub(crate) async fn apply_call(
    pipeline: &Pipeline,
    context: &str,
    manifest: &Value,
) -> Result<(String, Map<String, Value>), WorkflowError> {
    let preview = serde_norway::to_string(manifest)
        .map_err(|error| WorkflowError::InvalidManifest(error.to_string()))?;
    let sent = serde_json::to_string_pretty(manifest)?;
    let call = pipeline
        .cluster
        .in_context(
            "resources_create_or_update",
            args(json!({"resource": sent})),
            context,
        )
        .await?;
    Ok((preview, call))
}

async fn debug_pod(
    pipeline: &Pipeline,
    context: &str,
    arguments: &Arguments,
    inferred: &mut Vec<String>,
) -> Result<Planned, WorkflowError> {
    let image = arguments
        .image
        .clone()
        .unwrap_or_else(|| DEFAULT_DEBUG_IMAGE.to_owned());
    let name = match &arguments.name {
        Some(name) => name.clone(),
        None => {
            let name = debug_pod_name(&image);
            inferred.push(format!(
                "pod name {name}: kubeop's name for a {image} debug pod"
            ));
            name
        }
    };
    let namespace = match &arguments.namespace {
        Some(namespace) => namespace.clone(),
        None => {
            let default = pipeline.cluster.facts().await?.namespace_of(context);
            inferred.push(format!(
                "namespace {default}: the default of context {context}"
            ));
            default
        }
    };
    let existing = match pipeline
        .cluster
        .get(context, "v1", "Pod", &name, Some(&namespace))
        .await?
    {
        Fetched::Found(pod) => Some(pod),
        Fetched::Missing(_) => None,
    };
    let manifest = debug_pod::pod_manifest(&name, &namespace, &image, arguments.port);
    let (preview, create) = apply_call(pipeline, context, &manifest).await?;
    let test = match arguments
        .command
        .clone()
        .filter(|command| !command.is_empty())
    {
        Some(command) => Some(PlannedCall {
            tool: "pods_exec".into(),
            arguments: pipeline
                .cluster
                .in_context(
                    "pods_exec",
                    args(json!({"name": name, "namespace": namespace,
                                 "container": debug_pod::DEBUG_CONTAINER, "command": command})),
                    context,
                )
                .await?,
        }),
        None => None,
    };
    let removal = PlannedCall {
        tool: "pods_delete".into(),
        arguments: pipeline
            .cluster
            .in_context(
                "pods_delete",
                args(json!({"name": name, "namespace": namespace})),
                context,
            )
            .await?,
    };
    let target = PlanTarget {
        kind: "Pod".into(),
        name,
        namespace: Some(namespace),
        context: context.to_owned(),
    };
    Ok(plan::debug_pod(
        target,
        create,
        preview,
        &image,
        test,
        removal,
        existing.as_ref(),
    ))
}

/// `kubeop-debug-<image>`: stable, so a second request finds the first pod
/// instead of starting a duplicate.
fn debug_pod_name(image: &str) -> String {
    let base = image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .split([':', '@'])
        .next()
        .unwrap_or(image);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("kubeop-debug-{}", cleaned.trim_matches('-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_repository_is_the_image_without_its_tag_or_digest() {
        for (image, repository) in [
            ("ghcr.io/acme/checkout:3.2.0", "ghcr.io/acme/checkout"),
            ("nginx", "nginx"),
            ("nginx:1.27", "nginx"),
            ("registry:5000/team/app", "registry:5000/team/app"),
            ("registry:5000/team/app:v2", "registry:5000/team/app"),
            ("app@sha256:0123abcd", "app"),
            ("ghcr.io/acme/app:1.2@sha256:0123abcd", "ghcr.io/acme/app"),
        ] {
            assert_eq!(super::repository(image), repository, "{image}");
        }
    }

    use super::*;

    #[test]
    fn a_partial_manifest_changes_a_live_object_and_a_whole_one_may_create() {
        let bound = json!({"apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"maxReplicas": 10}});
        assert!(in_place_change(&bound));
        let whole = json!({"apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"maxReplicas": 10, "scaleTargetRef":
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}});
        assert!(!in_place_change(&whole));
    }

    #[test]
    fn debug_pods_are_named_after_their_image() {
        assert_eq!(debug_pod_name("busybox"), "kubeop-debug-busybox");
        assert_eq!(
            debug_pod_name("docker.io/nicolaka/netshoot:v0.13"),
            "kubeop-debug-netshoot"
        );
    }

    #[test]
    fn the_default_container_follows_the_servers_rule() {
        let pod = json!({"metadata": {"annotations": {"kubectl.kubernetes.io/default-container": "app"}},
                         "spec": {"containers": [{"name": "sidecar"}, {"name": "app"}]}});
        assert_eq!(default_container(&pod).as_deref(), Some("app"));
        let plain = json!({"spec": {"containers": [{"name": "web"}]}});
        assert_eq!(default_container(&plain).as_deref(), Some("web"));
    }
}
