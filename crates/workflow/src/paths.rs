//! Routing a request to its path: the read-only fast path, context switches,
//! the health check, hand-offs, questions, and changes (see `planning`).

use std::sync::Arc;

use classifier::{Arguments, Intent, Order, Playbook, ReadFocus, Tool};
use mcp_gateway::ToolText;
use ractor::ActorRef;
use serde_json::{Map, Value};

use crate::answers;
use crate::capacity;
use crate::cluster::{self, Fetched};
use crate::consumers;
use crate::coordinator::{
    CoordinatorMsg, Pipeline, Request, SupervisorHandoff, remember, switch_session,
};
use crate::discovery;
use crate::error::WorkflowError;
use crate::followup::{self, Recent, Resolution};
use crate::history;
use crate::planning;
use crate::playbooks;
use crate::response::{Answer, Clarify, Found, Handoff, Response};
use crate::session::{SessionId, SessionScope};
use crate::suggest;
use crate::verify::ProgressSink;

/// The tool that lists the kubeconfig's contexts.
const CONTEXTS_TOOL: &str = "configuration_contexts_list";

/// Answers one request in the context and namespace the session switched
/// to, else the starting context (and each request's own namespace). A
/// change a PLAN-LOCKED hand-off runs at once reports what its verification
/// waits on to `progress`.
pub(crate) async fn answer(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    switched: SessionScope,
    requester: &str,
    request: Request,
    progress: &ProgressSink,
) -> Result<Response, WorkflowError> {
    let scope = Scope {
        namespace: switched.namespace,
        context: String::new(),
        recent: switched.recent,
        handoff_from: None,
    };
    let session_context = match switched.context {
        Some(context) => context,
        None => match &pipeline.config.default_context {
            Some(context) => context.clone(),
            None => pipeline.cluster.facts().await?.current_context.clone(),
        },
    };
    match request {
        Request::Text { text } => {
            let scope = Scope {
                context: session_context,
                ..scope
            };
            answer_text(pipeline, coordinator, session, &scope, requester, &text).await
        }
        Request::Handoff(handoff) => {
            let handoff = *handoff;
            if let Some(locked) = handoff.locked_plan {
                return Box::pin(pipeline.run_locked(
                    locked,
                    requester,
                    handoff.source_domain.as_deref(),
                    progress,
                ))
                .await;
            }
            let scope = Scope {
                context: handoff.context.clone().unwrap_or(session_context),
                handoff_from: Some(handoff_origin(handoff.source_domain.as_deref())),
                ..scope
            };
            let text = handoff_text(&handoff);
            let response = Box::pin(answer_text(
                pipeline,
                coordinator,
                session,
                &scope,
                requester,
                &text,
            ))
            .await?;
            let pods = match (&handoff.app, &handoff.namespace, handoff.expected_pods) {
                (Some(app), Some(namespace), Some(expected)) => Some(
                    Box::pin(running_against_expected(
                        pipeline,
                        &scope.context,
                        app,
                        namespace,
                        expected,
                    ))
                    .await,
                ),
                _ => None,
            };
            Ok(with_handoff_findings(response, &handoff, pods))
        }
    }
}

/// Where one request works unless it says otherwise.
struct Scope {
    /// The kube context.
    context: String,
    /// The session's namespace, if it switched to one.
    namespace: Option<String>,
    /// What the session's last request was about, for a follow-up.
    recent: Option<Arc<Recent>>,
    /// Whose hand-off the request is (`hand-off from the app agent`), for
    /// the operations log; `None` for a person's own words.
    handoff_from: Option<String>,
}

impl Scope {
    /// The request as the operations log records it: a hand-off's words
    /// prefixed with whose hand-off it is, so an auditor sees where every
    /// change came from.
    fn recorded(&self, text: &str) -> String {
        match &self.handoff_from {
            Some(origin) => format!("{origin}: {text}"),
            None => text.to_owned(),
        }
    }
}

/// Who handed a request over, in the operations log's words.
pub(crate) fn handoff_origin(source_domain: Option<&str>) -> String {
    match source_domain {
        Some(source) => format!("hand-off from the {source} agent"),
        None => "hand-off from a supervisor that named no source domain".to_owned(),
    }
}

/// Why a hand-off signal carries no reads: kubeop stops at classification
/// for another agent's work.
fn nothing_read(domain: &str) -> String {
    format!(
        "kubeop read nothing from the cluster: a request for the {domain} agent is handed back as soon as it is classified, before any read or change"
    )
}

/// The session's namespace applied to a request that names none (and does
/// not ask about every namespace), as kubectl applies its context's
/// namespace: reads of namespaced objects, changes, and the pod playbooks.
fn in_session_namespace(intent: Intent, namespace: &str, text: &str) -> Intent {
    if classifier::spans_all_namespaces(text) {
        return intent;
    }
    let namespaced = |arguments: &Arguments| {
        arguments
            .kind
            .as_deref()
            .is_none_or(|kind| !discovery::is_cluster_scoped(kind))
    };
    match intent {
        Intent::ReadOnly {
            tool,
            mut arguments,
        } if arguments.namespace.is_none() => {
            let tool = match tool {
                Tool::PodsList => Tool::PodsListInNamespace,
                Tool::PodsListInNamespace
                | Tool::PodsGet
                | Tool::PodsLog
                | Tool::PodsTop
                | Tool::EventsList => tool,
                Tool::ResourcesList | Tool::ResourcesGet | Tool::ResourcesScale
                    if namespaced(&arguments) =>
                {
                    tool
                }
                _ => return Intent::ReadOnly { tool, arguments },
            };
            if tool == Tool::PodsTop {
                arguments.all_namespaces = Some(false);
            }
            arguments.namespace = Some(namespace.to_owned());
            Intent::ReadOnly { tool, arguments }
        }
        Intent::Mutation {
            operation,
            tool,
            mut arguments,
            kind_defaulted,
        } if arguments.namespace.is_none() && namespaced(&arguments) => {
            arguments.namespace = Some(namespace.to_owned());
            Intent::Mutation {
                operation,
                tool,
                arguments,
                kind_defaulted,
            }
        }
        Intent::Diagnose {
            playbook: playbook @ (Playbook::PodFailure | Playbook::ResourcePressure),
            mut arguments,
        } if arguments.namespace.is_none() => {
            arguments.namespace = Some(namespace.to_owned());
            Intent::Diagnose {
                playbook,
                arguments,
            }
        }
        other => other,
    }
}

/// A hand-off's fields as one request in words.
fn handoff_text(handoff: &SupervisorHandoff) -> String {
    let mut text = handoff
        .request
        .clone()
        .or_else(|| handoff.alert.clone())
        .unwrap_or_default();
    if let Some(app) = handoff
        .app
        .as_ref()
        .filter(|app| !text.contains(app.as_str()))
    {
        text.push_str(&format!(" {app}"));
    }
    if let Some(namespace) = handoff
        .namespace
        .as_ref()
        .filter(|namespace| !text.contains(namespace.as_str()))
    {
        text.push_str(&format!(" in namespace {namespace}"));
    }
    text.trim().to_owned()
}

/// What a supervisor's expectation of an app's pods came to: how many of
/// the app's pods (named `APP` or `APP-…`, as its controllers name them)
/// run in its namespace, against how many the supervisor expects.
async fn running_against_expected(
    pipeline: &Pipeline,
    context: &str,
    app: &str,
    namespace: &str,
    expected: u32,
) -> String {
    let rows = match pipeline
        .cluster
        .list(context, "v1", "Pod", Some(namespace), None)
        .await
    {
        Ok(rows) => rows,
        Err(error) => {
            return format!(
                "{app} in {namespace}: {expected} pods expected, but the pods could not be listed: {error}"
            );
        }
    };
    let prefix = format!("{app}-");
    let running = rows
        .iter()
        .filter(|row| {
            crate::cluster::cell(row, "name")
                .is_some_and(|name| name == app || name.starts_with(&prefix))
        })
        .filter(|row| crate::cluster::cell(row, "status") == Some("Running"))
        .count();
    pods_line(app, namespace, running, expected)
}

/// One line comparing running and expected pods; a mismatch says so.
fn pods_line(app: &str, namespace: &str, running: usize, expected: u32) -> String {
    let line = format!("{app} in {namespace}: {running} of {expected} expected pods running");
    if u32::try_from(running).is_ok_and(|running| running == expected) {
        line
    } else {
        format!("{line} (MISMATCH)")
    }
}

/// A hand-off's answer with what the hand-off itself told kubeop: the pods
/// line goes where the answer's reader looks (the text of an answer, a
/// diagnosis's evidence, a plan's warnings), and a signal going back out
/// carries the target and the reads done as `found`.
fn with_handoff_findings(
    response: Response,
    handoff: &SupervisorHandoff,
    pods: Option<String>,
) -> Response {
    match (response, pods) {
        (Response::Handoff(mut signal), pods) => {
            let so_far = signal.found.take().unwrap_or_default();
            let reads: Vec<String> = pods.into_iter().collect();
            signal.found = Some(Found {
                kind: handoff
                    .release
                    .as_ref()
                    .map(|_| "HelmRelease".to_owned())
                    .or_else(|| handoff.app.as_ref().map(|_| "App".to_owned())),
                name: handoff.release.clone().or_else(|| handoff.app.clone()),
                namespace: handoff.namespace.clone().or(so_far.namespace),
                why_nothing_read: if reads.is_empty() {
                    so_far.why_nothing_read
                } else {
                    None
                },
                reads,
                ..so_far
            });
            Response::Handoff(signal)
        }
        (response, None) => response,
        (Response::Answer(mut answer), Some(pods)) => {
            answer.text = format!("{}\n{pods}", answer.text.trim_end()).into();
            Response::Answer(answer)
        }
        (Response::Diagnosis(mut diagnosis), Some(pods)) => {
            diagnosis.evidence.push(pods);
            Response::Diagnosis(diagnosis)
        }
        (Response::Plan(mut card), Some(pods)) => {
            card.warnings.push(pods);
            Response::Plan(card)
        }
        (response, Some(_)) => response,
    }
}

/// Answers one request in words.
///
/// Every branch but the read-only fast path awaits a boxed future: an async
/// fn's state is as large as its largest branch (planning, playbooks: about
/// 10 KB here), and the coordinator's task is moved in memory whole when it is
/// spawned and polled. Boxing the rare branches keeps the common read small
/// and its copies cheap (docs/benchmarks.md, "Daemon").
async fn answer_text(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    scope: &Scope,
    requester: &str,
    text: &str,
) -> Result<Response, WorkflowError> {
    // A follow-up ("and in staging?", "restart it") becomes the complete
    // request it stands for before anything else: from here on it is that
    // request, planned and gated like any other.
    // A hand-off runs in a session of its own per request, with nothing
    // before it to lean on: its words are taken as they are.
    let follow_up = match scope.handoff_from {
        None => followup::detect(text),
        Some(_) => None,
    };
    // "undo it" after a change a rollback does not undo (a scale, a
    // cordon): the request that does, resolved like a follow-up.
    let undo = match scope.handoff_from {
        None => crate::undo::of_last_change(
            scope.recent.as_deref().and_then(Recent::undo),
            text,
            || matches!(classifier::classify(text), Intent::Clarify { missing, .. } if missing.contains(&classifier::Param::Name)),
        ),
        Some(_) => None,
    };
    let resolution = match (undo, follow_up) {
        (Some(Ok(complete)), _) => Resolution::Resolved(complete),
        (Some(Err(question)), _) => return Ok(Response::Clarify(question)),
        (None, None) => Resolution::Standalone,
        (None, Some(follow_up)) => {
            Box::pin(followup::resolve(
                pipeline,
                text,
                follow_up,
                scope.recent.as_deref(),
                &scope.context,
            ))
            .await?
        }
    };
    let mut resolved = None;
    let mut unknown_reference = None;
    match resolution {
        Resolution::Standalone => {}
        Resolution::Resolved(complete) => resolved = Some(complete),
        Resolution::Ask(question) => return Ok(Response::Clarify(question)),
        Resolution::Unknown(words) => unknown_reference = Some(words),
    }
    let classified = |request: &str| {
        let intent = tracing::info_span!("classify").in_scope(|| {
            let intent = classifier::classify(request);
            tracing::info!(path = intent.path(), "classified");
            intent
        });
        match &scope.namespace {
            Some(namespace) => in_session_namespace(intent, namespace, request),
            None => intent,
        }
    };
    let mut intent = classified(
        resolved
            .as_ref()
            .map_or(text, |complete: &followup::Resolved| {
                complete.request.as_str()
            }),
    );
    // A request the classifier can only ask about ("show the logs",
    // "restart") may be about the object the session talked about last.
    if resolved.is_none()
        && unknown_reference.is_none()
        && scope.handoff_from.is_none()
        && matches!(intent, Intent::Clarify { .. })
        && let Some(complete) = Box::pin(followup::implicit(
            pipeline,
            text,
            &intent,
            scope.recent.as_deref(),
            &scope.context,
        ))
        .await?
    {
        intent = classified(&complete.request);
        resolved = Some(complete);
    }
    let request = resolved
        .as_ref()
        .map_or(text, |complete| complete.request.as_str());
    if let Some(words) = &unknown_reference
        && !matches!(intent, Intent::Clarify { .. })
    {
        return Ok(Response::Clarify(followup::unknown_reference(words)));
    }
    let asked = Asked {
        text: request,
        recorded: match &resolved {
            Some(_) => scope.recorded(&format!("{request} (follow-up: \"{text}\")")),
            None => scope.recorded(text),
        },
        inferred: resolved
            .iter()
            .map(|complete| complete.note.clone())
            .collect(),
        unknown_reference: unknown_reference.as_deref(),
    };
    // Nor is anything remembered for a hand-off.
    let remembered = scope.handoff_from.is_none().then(|| intent.clone());
    let response = run(
        pipeline,
        coordinator,
        session.clone(),
        scope,
        requester,
        &asked,
        intent,
    )
    .await?;
    if let Some(intent) = remembered
        && let Some(recent) = Recent::of(request, &intent, &response, scope.recent.as_deref())
    {
        remember(coordinator, session, recent);
    }
    Ok(match &resolved {
        Some(complete) => followup::annotated(response, &complete.note),
        None => response,
    })
}

/// One request as it runs: its words (a follow-up's as resolved), what the
/// operations log records, and what was inferred before planning.
struct Asked<'a> {
    /// The complete request.
    text: &'a str,
    /// The request as the operations log records it.
    recorded: String,
    /// What a follow-up's resolution filled in, for the plan card.
    inferred: Vec<String>,
    /// The words of a reference with nothing to refer to ("it"), when the
    /// request had one: its question replaces the classifier's.
    unknown_reference: Option<&'a str>,
}

/// Runs a classified request along its path.
async fn run(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    scope: &Scope,
    requester: &str,
    asked: &Asked<'_>,
    intent: Intent,
) -> Result<Response, WorkflowError> {
    let session_context = scope.context.as_str();
    let text = asked.text;
    let recorded = &asked.recorded;
    // "list pods --context prod" with no context prod: the kubeconfig's
    // contexts, never the server's "failed to create kubernetes rest
    // config". A switch asks the same in its own words; a hand-off reads
    // nothing.
    if !matches!(
        intent,
        Intent::SwitchContext { .. } | Intent::Handoff { .. }
    ) && let Some(named) = intent
        .arguments()
        .and_then(|arguments| arguments.context.as_deref())
        .filter(|named| *named != session_context)
    {
        let contexts = known_contexts(pipeline).await?;
        if !contexts.iter().any(|known| known == named) {
            return Ok(no_such_context(named, contexts));
        }
    }
    match intent {
        Intent::ReadOnly { tool, arguments } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            let focus = classifier::read_focus(text);
            fast_path(
                pipeline,
                tool.as_str(),
                to_map(&arguments)?,
                &context,
                focus,
            )
            .await
        }
        Intent::SwitchContext { arguments } => match (arguments.context, arguments.namespace) {
            (None, None) => Ok(Response::Clarify(Clarify {
                question: "Which context should I switch to?".into(),
                missing: vec!["context".into()],
                candidates: Vec::new(),
            })),
            (context, namespace) => {
                let wanted = Switch { context, namespace };
                Box::pin(switch(
                    pipeline,
                    coordinator,
                    session,
                    session_context,
                    wanted,
                ))
                .await
            }
        },
        Intent::Mutation {
            operation,
            tool,
            arguments,
            kind_defaulted,
        } => {
            Box::pin(planning::plan(
                pipeline,
                session_context,
                requester,
                recorded,
                operation,
                tool.as_str(),
                arguments,
                kind_defaulted,
                asked.inferred.clone(),
            ))
            .await
        }
        Intent::Clarify {
            missing,
            question,
            arguments: mut scope_asked,
        } => {
            if missing.contains(&classifier::Param::Decline)
                && let Some(answer) =
                    followup::declined(pipeline, scope.recent.as_deref(), requester, text).await?
            {
                return Ok(answer);
            }
            if missing.contains(&classifier::Param::Plan)
                && let Some(offered) = followup::proposed_again(
                    pipeline,
                    scope.recent.as_deref(),
                    text,
                    missing == [classifier::Param::Plan],
                )
                .await?
            {
                return Ok(offered);
            }
            if let Some((
                Intent::Mutation {
                    operation,
                    tool,
                    arguments,
                    kind_defaulted,
                },
                inferred,
            )) = Box::pin(discovery::from_last_operation(
                &pipeline.memory,
                text,
                session_context,
            ))
            .await?
            {
                let mut inferred_all = asked.inferred.clone();
                inferred_all.push(inferred);
                return Box::pin(planning::plan(
                    pipeline,
                    session_context,
                    requester,
                    recorded,
                    operation,
                    tool.as_str(),
                    arguments,
                    kind_defaulted,
                    inferred_all,
                ))
                .await;
            }
            if let Some(words) = asked.unknown_reference {
                return Ok(Response::Clarify(followup::unknown_reference(words)));
            }
            let question = Clarify {
                question,
                missing: missing
                    .iter()
                    .map(|param| param.as_str().to_owned())
                    .collect(),
                candidates: Vec::new(),
            };
            if missing != [classifier::Param::Name] {
                return Ok(Response::Clarify(question));
            }
            // "delete the failed pods in staging": which one, from what is there.
            if scope_asked.namespace.is_none() {
                scope_asked.namespace = scope.namespace.clone();
            }
            let context = scope_asked.context.as_deref().unwrap_or(session_context);
            let offered =
                discovery::offer_names(&pipeline.cluster, context, &scope_asked, text, question);
            Ok(Response::Clarify(Box::pin(offered).await?))
        }
        // Nothing is read for another agent's work; what kubeop knows is
        // what the request names (the release, app or alert, its namespace)
        // and where it would have run, and it says why that is all.
        Intent::Handoff {
            domain,
            reason,
            arguments,
        } => Ok(Response::Handoff(Handoff {
            domain: domain.as_str().to_owned(),
            reason,
            found: Some(Found {
                name: arguments.name,
                context: Some(
                    arguments
                        .context
                        .unwrap_or_else(|| session_context.to_owned()),
                ),
                namespace: arguments.namespace.or_else(|| scope.namespace.clone()),
                why_nothing_read: Some(nothing_read(domain.as_str())),
                ..Found::default()
            }),
        })),
        Intent::HealthCheck { arguments } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            Box::pin(playbooks::health(
                pipeline,
                &context,
                arguments.namespace.as_deref(),
            ))
            .await
        }
        Intent::Diagnose {
            playbook,
            arguments,
        } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            Box::pin(playbooks::diagnose(
                pipeline, &context, requester, text, recorded, playbook, &arguments,
            ))
            .await
        }
    }
}

/// The read-only fast path: exactly one tool call, its text as the server
/// formatted it, shaped for what the request asked (`answers`: sorted,
/// counted, read out). Nothing is planned and no file is read.
async fn fast_path(
    pipeline: &Pipeline,
    tool: &str,
    arguments: Map<String, Value>,
    context: &str,
    focus: ReadFocus,
) -> Result<Response, WorkflowError> {
    if tool == EVENTS_TOOL
        && let Some((object, rest)) = arguments
            .get("fieldSelector")
            .and_then(Value::as_str)
            .and_then(answers::events::named_object)
    {
        return object_events(pipeline, arguments, context, &object, rest).await;
    }
    let asked = arguments.clone();
    let output = pipeline.cluster.read_in(context, tool, arguments).await?;
    // A pod's metrics read without a namespace is no API path at all: the
    // API server answers "could not find the requested resource".
    let not_found = output.is_error
        && (output.text.contains("not found")
            || (tool == "pods_top"
                && output
                    .text
                    .contains("could not find the requested resource")));
    let nothing_listed = !output.is_error && listed_nothing(tool, &output.text);
    let answer = |text: String, error: bool| read_answer(tool, context, text, error);
    if (not_found || nothing_listed)
        && let Some(namespace) = asked.get("namespace").and_then(Value::as_str)
        && let Some((text, candidates)) = Box::pin(suggest::missing_namespace(
            &pipeline.cluster,
            context,
            namespace,
        ))
        .await?
    {
        // "pods in prod" where production is the one namespace it can
        // mean: read there and say so (a read changes nothing; a change
        // with such a namespace is asked about instead).
        let Some(meant) = suggest::unmistakable(namespace, &candidates) else {
            // "events for checkout": checkout is no namespace but may be
            // the object whose events are asked for.
            if tool == EVENTS_TOOL
                && !asked.contains_key("fieldSelector")
                && let Some(response) =
                    Box::pin(events_of_object_named(pipeline, &asked, namespace, context)).await?
            {
                return Ok(response);
            }
            // "redis pods": redis is no namespace but may be the app.
            if tool == PODS_IN_NAMESPACE_TOOL
                && !asked.contains_key("labelSelector")
                && let Some(response) = Box::pin(pods_of_app_named(
                    pipeline, &asked, namespace, context, focus,
                ))
                .await?
            {
                return Ok(response);
            }
            return Ok(answer(text, true));
        };
        let note = format!(
            "there is no namespace {namespace} in context {context}; read in {meant}, the one namespace that name can mean"
        );
        return read_as_meant(
            pipeline,
            tool,
            &asked,
            ("namespace", meant),
            context,
            focus,
            &note,
        )
        .await;
    }
    if not_found
        && POD_NAMED_READS.contains(&tool)
        && let Some(wanted) = asked.get("name").and_then(Value::as_str)
    {
        let wanted = wanted.to_owned();
        return Box::pin(resolve_pod_read(
            pipeline, tool, asked, &wanted, context, output, focus,
        ))
        .await;
    }
    if nothing_listed && let Some(app) = app_label(tool, &asked) {
        // "the pods for api" is read by the `app` label; many charts set
        // only the recommended `app.kubernetes.io/name`: read by that too,
        // and say which selector matched.
        let selector = format!("{RECOMMENDED_NAME_LABEL}={app}");
        let mut retry = asked.clone();
        retry.insert("labelSelector".into(), Value::String(selector.clone()));
        let again = Box::pin(pipeline.cluster.read_in(context, tool, retry.clone())).await?;
        if !again.is_error && !listed_nothing(tool, &again.text) {
            let again = answers::shaped(tool, &retry, focus, again);
            return Ok(answer(
                format!(
                    "Selected by {selector} (nothing carries app={app}):\n{}",
                    again.text
                ),
                false,
            ));
        }
    }
    if not_found
        && asked.get("kind").and_then(Value::as_str) == Some("Deployment")
        && let Some(kinds) = instead_of_deployment(tool)
        && let Some(response) = Box::pin(workload_of_other_kind(
            pipeline, tool, &asked, context, focus, kinds,
        ))
        .await?
    {
        return Ok(response);
    }
    if not_found
        && tool == GET_TOOL
        && asked.get("kind").and_then(Value::as_str) == Some("Ingress")
        && let Some(response) =
            Box::pin(ingresses_routing_to(pipeline, &asked, context, focus)).await?
    {
        return Ok(response);
    }
    if not_found && (tool == GET_TOOL || tool == SCALE_TOOL) {
        return Box::pin(resolve_object_read(
            pipeline, tool, asked, context, output, focus,
        ))
        .await;
    }
    if nothing_listed {
        return Ok(answer(nothing_found(tool, &asked), false));
    }
    if asks_node_capacity(tool, &asked, focus) && !output.is_error {
        let rows = cluster::rows(&output);
        let nodes = Box::pin(capacity::Nodes::read(&pipeline.cluster, context, &rows)).await?;
        return Ok(answer(nodes.answer(), false));
    }
    let output = Box::pin(shaped_read(pipeline, tool, &asked, context, focus, output)).await?;
    Ok(Response::Answer(Answer {
        path: "read_only".into(),
        tool: Some(tool.to_owned()),
        text: output.text,
        structured: output.structured,
        error: output.is_error,
        context: context.to_owned(),
    }))
}

/// The tool that lists events.
const EVENTS_TOOL: &str = "events_list";

/// A read's output shaped for its focus ([`answers::shaped`]); a workload
/// whose rollout history is asked ("rollout history of checkout", "what
/// versions of web have we deployed") is answered with its revisions, read
/// from the ReplicaSets or ControllerRevisions it controls, since the
/// workload itself keeps only the running one; a ConfigMap, Secret, claim
/// or service account asked what uses it ("what uses the db secret") is
/// led by the workloads and pods that name it ([`consumers::Consumers`]).
async fn shaped_read(
    pipeline: &Pipeline,
    tool: &str,
    asked: &Map<String, Value>,
    context: &str,
    focus: ReadFocus,
    output: mcp_gateway::ToolOutput,
) -> Result<crate::diagnosis::ToolOutput, WorkflowError> {
    if focus.consumers
        && tool == GET_TOOL
        && !output.is_error
        && let Some(kind) = asked.get("kind").and_then(Value::as_str)
        && consumers::CONSUMED_KINDS.contains(&kind)
        && let Some(name) = asked.get("name").and_then(Value::as_str)
    {
        let namespace = match asked.get("namespace").and_then(Value::as_str) {
            Some(namespace) => namespace.to_owned(),
            None => pipeline.cluster.facts().await?.namespace_of(context),
        };
        let consumers =
            consumers::Consumers::read(&pipeline.cluster, context, kind, name, &namespace).await?;
        let object = answers::shaped(tool, asked, focus, output);
        return Ok(crate::diagnosis::ToolOutput {
            text: format!("{}\n\n{}", consumers.answer(), object.text.trim_start()).into(),
            ..object
        });
    }
    let history_of = asked
        .get("kind")
        .and_then(Value::as_str)
        .filter(|kind| history::KINDS_WITH_HISTORY.contains(kind));
    let Some(kind) = history_of.filter(|_| focus.history && tool == GET_TOOL && !output.is_error)
    else {
        return Ok(answers::shaped(tool, asked, focus, output));
    };
    let read = crate::diagnosis::ToolOutput {
        text: output.text,
        structured: output.structured,
        is_error: false,
    };
    // An object the server sent in a shape no parser reads: its text as it came.
    let Ok(live) = crate::diagnosis::parse::object(&read).map(std::borrow::Cow::into_owned) else {
        return Ok(read);
    };
    let namespace = live.pointer("/metadata/namespace").and_then(Value::as_str);
    let revisions = history::revisions(&pipeline.cluster, context, kind, namespace, &live).await?;
    Ok(crate::diagnosis::ToolOutput {
        text: history::answer(kind, &live, &revisions).into(),
        structured: None,
        is_error: false,
    })
}

/// Whether a read is a node list asked about what the nodes hold ("how
/// many cpus does the cluster have", "node capacity"): the list's table
/// has no capacity, so each node is read ([`capacity::Nodes::read`]).
fn asks_node_capacity(tool: &str, asked: &Map<String, Value>, focus: ReadFocus) -> bool {
    tool == "resources_list"
        && asked.get("kind").and_then(Value::as_str) == Some("Node")
        && (focus.capacity || matches!(focus.order, Some(Order::Cpu | Order::Memory)))
}

/// The events of one object named without its kind ("events for checkout"):
/// still one call, the namespace's events with the selector's other terms,
/// of which the answer keeps the object's and those of the objects named
/// after it (its ReplicaSets, pods, Jobs; `answers::events`) and says how
/// many of how many.
async fn object_events(
    pipeline: &Pipeline,
    mut asked: Map<String, Value>,
    context: &str,
    object: &str,
    rest: Option<String>,
) -> Result<Response, WorkflowError> {
    match rest {
        Some(rest) => asked.insert("fieldSelector".into(), Value::String(rest)),
        None => asked.remove("fieldSelector"),
    };
    let output = pipeline
        .cluster
        .read_in(context, EVENTS_TOOL, asked.clone())
        .await?;
    let namespace = asked.get("namespace").and_then(Value::as_str);
    let answer = |text: String, error: bool| read_answer(EVENTS_TOOL, context, text, error);
    if output.is_error || listed_nothing(EVENTS_TOOL, &output.text) {
        if let Some(namespace) = namespace
            && let Some((text, _)) =
                suggest::missing_namespace(&pipeline.cluster, context, namespace).await?
        {
            return Ok(answer(text, true));
        }
        if output.is_error {
            return Ok(answer(output.text.into_string(), true));
        }
        return Ok(answer(
            format!(
                "{}, so none about {object}.",
                nothing_found(EVENTS_TOOL, &asked).trim_end_matches('.')
            ),
            false,
        ));
    }
    let place = match namespace {
        Some(namespace) => format!("in namespace {namespace}"),
        None => "across all namespaces".to_owned(),
    };
    let diagnosis_output = crate::diagnosis::ToolOutput {
        text: output.text,
        structured: output.structured,
        is_error: false,
    };
    let text = answers::events::of_object(object, &place, &diagnosis_output).unwrap_or_else(|| {
        format!(
            "Every event {place} (their list could not be read to keep {object}'s alone):\n{}",
            diagnosis_output.text
        )
    });
    Ok(answer(text, false))
}

/// The kinds whose objects a request may ask the events of by name alone
/// ("events for checkout"), in the order they are looked for: workloads
/// first, as a name most often stands for one.
const KINDS_WITH_EVENTS: [(&str, &str); 6] = [
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("v1", "Pod"),
];

/// An events read of a namespace that does not exist ("events for
/// checkout", "checkout events"), when an object has that name: that
/// object's events in the namespace holding it, saying so; several
/// namespaces → asked. `None` when no object has the name either (the
/// caller answers that there is no such namespace). Each kind is listed
/// across namespaces until one has the name.
async fn events_of_object_named(
    pipeline: &Pipeline,
    asked: &Map<String, Value>,
    name: &str,
    context: &str,
) -> Result<Option<Response>, WorkflowError> {
    for (api_version, kind) in KINDS_WITH_EVENTS {
        let rows = pipeline
            .cluster
            .list(context, api_version, kind, None, None)
            .await?;
        let namespaces = namespaces_holding(&rows, name);
        let object = format!("{} {name}", kind.to_lowercase());
        match namespaces.as_slice() {
            [] => continue,
            [only] => {
                let mut there = asked.clone();
                there.insert("namespace".into(), Value::String(only.clone()));
                let response = object_events(pipeline, there, context, name, None).await?;
                let note = format!(
                    "there is no namespace {name} in context {context}; these are the events of {object} in {only}"
                );
                return Ok(Some(followup::annotated(response, &note)));
            }
            several => {
                return Ok(Some(followup::annotated(
                    in_which_namespace(&format!("a {object}"), several),
                    &format!("there is no namespace {name} in context {context}"),
                )));
            }
        }
    }
    Ok(None)
}

/// The most Ingresses read one by one to find those routing to a Service.
const MAX_INGRESSES_READ: usize = 20;

/// "The ingress for web-frontend" where no Ingress has that name: the
/// Ingresses whose rules (or default backend) send traffic to a Service of
/// that name, in the namespace asked or every namespace. One → read as
/// asked, saying so; several → named. `None` when none does (the caller
/// answers the "not found").
async fn ingresses_routing_to(
    pipeline: &Pipeline,
    asked: &Map<String, Value>,
    context: &str,
    focus: ReadFocus,
) -> Result<Option<Response>, WorkflowError> {
    let Some(service) = asked.get("name").and_then(Value::as_str) else {
        return Ok(None);
    };
    let namespace = asked.get("namespace").and_then(Value::as_str);
    let rows = pipeline
        .cluster
        .list(context, "networking.k8s.io/v1", "Ingress", namespace, None)
        .await?;
    let mut routing = Vec::new();
    for row in rows.iter().take(MAX_INGRESSES_READ) {
        let (Some(name), Some(held_in)) = (
            cluster::cell(row, "name"),
            cluster::cell(row, "namespace").or(namespace),
        ) else {
            continue;
        };
        let Fetched::Found(ingress) = pipeline
            .cluster
            .get(
                context,
                "networking.k8s.io/v1",
                "Ingress",
                name,
                Some(held_in),
            )
            .await?
        else {
            continue;
        };
        let backends = ingress
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|rule| {
                rule.pointer("/http/paths")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(|path| path.pointer("/backend/service/name"))
            .chain(ingress.pointer("/spec/defaultBackend/service/name"));
        if backends
            .filter_map(Value::as_str)
            .any(|backend| backend == service)
        {
            routing.push((name.to_owned(), held_in.to_owned()));
        }
    }
    let note =
        |routes: &str| format!("no ingress is named {service}; {routes} to service {service}");
    match routing.as_slice() {
        [] => Ok(None),
        [(name, held_in)] => {
            let mut read = asked.clone();
            read.insert("name".into(), Value::String(name.clone()));
            read.insert("namespace".into(), Value::String(held_in.clone()));
            let response = Box::pin(fast_path(pipeline, GET_TOOL, read, context, focus)).await?;
            Ok(Some(followup::annotated(
                response,
                &note(&format!("ingress {name} in {held_in} routes")),
            )))
        }
        several => {
            let named: Vec<String> = several
                .iter()
                .map(|(name, held_in)| format!("{name} (in {held_in})"))
                .collect();
            Ok(Some(read_answer(
                GET_TOOL,
                context,
                format!(
                    "{}.",
                    note(&format!("ingresses {} route", named.join(", ")))
                ),
                false,
            )))
        }
    }
}

/// The tool that lists the pods of one namespace.
const PODS_IN_NAMESPACE_TOOL: &str = "pods_list_in_namespace";

/// A pod list of a namespace that does not exist ("redis pods", "checkout
/// pods"), when pods carry that name as their app: those pods, across
/// namespaces, saying so. `None` when no pod does (the caller answers that
/// there is no such namespace).
async fn pods_of_app_named(
    pipeline: &Pipeline,
    asked: &Map<String, Value>,
    app: &str,
    context: &str,
    focus: ReadFocus,
) -> Result<Option<Response>, WorkflowError> {
    const TOOL: &str = "pods_list";
    for label in ["app", RECOMMENDED_NAME_LABEL] {
        let mut selected = asked.clone();
        selected.remove("namespace");
        let selector = format!("{label}={app}");
        selected.insert("labelSelector".into(), Value::String(selector.clone()));
        let output = pipeline
            .cluster
            .read_in(context, TOOL, selected.clone())
            .await?;
        if output.is_error || listed_nothing(TOOL, &output.text) {
            continue;
        }
        let output = answers::shaped(TOOL, &selected, focus, output);
        return Ok(Some(read_answer(
            TOOL,
            context,
            format!(
                "(there is no namespace {app} in context {context}; these are the pods selected by {selector})\n\n{}",
                output.text
            ),
            false,
        )));
    }
    Ok(None)
}

/// The label the Kubernetes docs recommend for an application's name
/// (`app.kubernetes.io/name`), set by most charts instead of `app`.
const RECOMMENDED_NAME_LABEL: &str = "app.kubernetes.io/name";

/// The application of a list selected by `app=X` alone (the classifier's
/// reading of "the pods for X"), for the list tools that take a selector.
fn app_label(tool: &str, asked: &Map<String, Value>) -> Option<String> {
    if !matches!(
        tool,
        "pods_list" | "pods_list_in_namespace" | "resources_list"
    ) {
        return None;
    }
    let selector = asked.get("labelSelector").and_then(Value::as_str)?;
    let app = selector.strip_prefix("app=")?;
    (!app.is_empty() && !app.contains([',', '=', '!', ' '])).then(|| app.to_owned())
}

/// The tool that reads one object of any kind.
const GET_TOOL: &str = "resources_get";

/// The tool that reads (without `scale`) a workload's replicas.
const SCALE_TOOL: &str = "resources_scale";

/// The workload kinds a read of a Deployment (the classifier's default
/// kind for a bare name) may mean when there is no Deployment of that name,
/// per tool: "what image does postgres run" is most often a StatefulSet's,
/// "the replicas of postgres" a StatefulSet's or a ReplicaSet's (a
/// DaemonSet has no scale).
fn instead_of_deployment(tool: &str) -> Option<&'static [&'static str]> {
    match tool {
        GET_TOOL => Some(&["StatefulSet", "DaemonSet"]),
        SCALE_TOOL => Some(&["StatefulSet", "ReplicaSet"]),
        _ => None,
    }
}

/// A read the server answered "not found" for a Deployment: the same name
/// read as each of `kinds` (all `apps/v1`) in turn, and the answer says
/// which kind it is. `None` when none has that name either (the caller
/// answers the "not found").
async fn workload_of_other_kind(
    pipeline: &Pipeline,
    tool: &str,
    asked: &Map<String, Value>,
    context: &str,
    focus: ReadFocus,
    kinds: &[&str],
) -> Result<Option<Response>, WorkflowError> {
    for kind in kinds {
        let mut other = asked.clone();
        other.insert("apiVersion".into(), Value::String("apps/v1".to_owned()));
        other.insert("kind".into(), Value::String((*kind).to_owned()));
        let output = pipeline
            .cluster
            .read_in(context, tool, other.clone())
            .await?;
        if output.is_error {
            continue;
        }
        let output = Box::pin(shaped_read(pipeline, tool, &other, context, focus, output)).await?;
        let text = output.text;
        let name = asked.get("name").and_then(Value::as_str).unwrap_or("-");
        return Ok(Some(Response::Answer(Answer {
            path: "read_only".into(),
            tool: Some(tool.to_owned()),
            text: format!(
                "{name} is a {} (no deployment has that name)\n\n{text}",
                kind.to_lowercase()
            )
            .into(),
            structured: output.structured,
            error: false,
            context: context.to_owned(),
        })));
    }
    Ok(None)
}

/// The list tools, whose empty answer is an empty text (or the events
/// tool's own heading for none).
const LIST_TOOLS: [&str; 6] = [
    "pods_list",
    "pods_list_in_namespace",
    "resources_list",
    "pods_top",
    "nodes_top",
    "events_list",
];

/// The events tool's whole answer when a namespace has none.
const NO_EVENTS: &str = "# No events found";

/// Whether a list tool answered with nothing at all.
fn listed_nothing(tool: &str, text: &ToolText) -> bool {
    // The tool first: reading the text decodes it, which a read that is
    // passed on as it came never needs (see `ToolText`).
    LIST_TOOLS.contains(&tool) && {
        let text = text.trim();
        text.is_empty() || text == NO_EVENTS
    }
}

/// What an empty list means, in kubectl's words: "No pods found in
/// namespace staging." rather than an empty answer that reads as a failure.
fn nothing_found(tool: &str, asked: &Map<String, Value>) -> String {
    let kinds = match tool {
        "resources_list" => asked
            .get("kind")
            .and_then(Value::as_str)
            .map_or_else(|| "resources".to_owned(), suggest::plural),
        "events_list" => "events".to_owned(),
        "nodes_top" => "node metrics".to_owned(),
        "pods_top" => "pod metrics".to_owned(),
        _ => "pods".to_owned(),
    };
    let selector = ["labelSelector", "fieldSelector"]
        .iter()
        .filter_map(|key| asked.get(*key).and_then(Value::as_str))
        .map(|selector| format!(" matching {selector}"))
        .collect::<String>();
    let found = match asked.get("namespace").and_then(Value::as_str) {
        Some(namespace) => format!("No {kinds}{selector} found in namespace {namespace}."),
        None => format!("No {kinds}{selector} found."),
    };
    match answers::phase_note(tool, asked) {
        Some(note) => format!("{found}\n{note}"),
        None => found,
    }
}

/// A `resources_get` the server answered "not found". A request that named
/// no namespace looked in the context's default one: the object is looked
/// for in every namespace, and read where it is when that is one place
/// (the answer says so), or asked about when it is several. Otherwise the
/// server's error with the closest names that do exist.
/// "top pod web-frontend" where web-frontend is a workload: the usage of
/// each of its `pods`, from one reading of the namespace's (kubectl takes
/// only a pod's own name).
async fn top_of_pods(
    pipeline: &Pipeline,
    context: &str,
    namespace: &str,
    pods: &[String],
    note: String,
    found_elsewhere: Option<String>,
    focus: ReadFocus,
) -> Result<Response, WorkflowError> {
    let mut asked = Map::new();
    asked.insert("namespace".into(), Value::String(namespace.to_owned()));
    let output = pipeline
        .cluster
        .read_in(context, TOP_TOOL, asked.clone())
        .await?;
    if output.is_error {
        return Ok(read_answer(
            TOP_TOOL,
            context,
            output.text.into_string(),
            true,
        ));
    }
    let kept: Vec<&str> = output
        .text
        .lines()
        .enumerate()
        .filter(|(index, line)| {
            *index == 0
                || line
                    .split_whitespace()
                    .any(|word| pods.iter().any(|pod| pod == word))
        })
        .map(|(_, line)| line)
        .collect();
    let output = mcp_gateway::ToolOutput {
        text: kept.join("\n").into(),
        ..output
    };
    let output = answers::shaped(TOP_TOOL, &asked, focus, output);
    let note = match found_elsewhere {
        Some(elsewhere) => format!("{elsewhere}; {note}"),
        None => note,
    };
    Ok(read_answer(
        TOP_TOOL,
        context,
        format!("{note}\n\n{}", output.text),
        false,
    ))
}

/// The tool that reads pods' usage.
const TOP_TOOL: &str = "pods_top";

/// The question when a read named no namespace and `what` it asks for is in
/// several: which one.
fn in_which_namespace(what: &str, namespaces: &[String]) -> Response {
    Response::Clarify(Clarify {
        question: format!(
            "There is {what} in {} namespaces ({}): which one do you mean?",
            namespaces.len(),
            namespaces.join(", ")
        ),
        missing: vec!["namespace".into()],
        candidates: namespaces.to_vec(),
    })
}

/// A read of one object (`resources_get`, or `resources_scale` reading its
/// replicas) the server answered "not found": when the request named no
/// namespace, the namespace the cluster has it in (one → read there and say
/// so; several → asked); otherwise what exists instead.
async fn resolve_object_read(
    pipeline: &Pipeline,
    tool: &str,
    mut asked: Map<String, Value>,
    context: &str,
    not_found: mcp_gateway::ToolOutput,
    focus: ReadFocus,
) -> Result<Response, WorkflowError> {
    let text = |key: &str| asked.get(key).and_then(Value::as_str).map(str::to_owned);
    let (Some(api_version), Some(kind), Some(name)) =
        (text("apiVersion"), text("kind"), text("name"))
    else {
        return Ok(error_answer(tool, not_found.text.into_string(), context));
    };
    let namespace = text("namespace");
    let mut listed = None;
    if namespace.is_none() && !discovery::is_cluster_scoped(&kind) {
        // The kind asked first; for a bare name read as a Deployment (the
        // classifier's default), the workload kinds it may mean ("replicas
        // of postgres": a StatefulSet), each across every namespace.
        let mut kinds = vec![(api_version.clone(), kind.clone())];
        if kind == "Deployment" {
            kinds.extend(
                instead_of_deployment(tool)
                    .unwrap_or_default()
                    .iter()
                    .map(|other| ("apps/v1".to_owned(), (*other).to_owned())),
            );
        }
        let default = pipeline.cluster.facts().await?.namespace_of(context);
        for (index, (api_version, kind)) in kinds.into_iter().enumerate() {
            let rows = pipeline
                .cluster
                .list(context, &api_version, &kind, None, None)
                .await?;
            match namespaces_holding(&rows, &name).as_slice() {
                [] => {}
                [only] => {
                    asked.insert("namespace".into(), Value::String(only.clone()));
                    asked.insert("apiVersion".into(), Value::String(api_version));
                    asked.insert("kind".into(), Value::String(kind.clone()));
                    // The read there is the fast path's, shaped as asked
                    // (its users, its capacity), led by where it was found.
                    let response =
                        Box::pin(fast_path(pipeline, tool, asked, context, focus)).await?;
                    return Ok(match response {
                        Response::Answer(mut answer) => {
                            answer.text = format!(
                                "{}/{name} is in namespace {only} (you named no namespace, and {default} has none)\n\n{}",
                                kind.to_lowercase(),
                                answer.text
                            )
                            .into();
                            Response::Answer(answer)
                        }
                        other => other,
                    });
                }
                several => {
                    let what = format!("a {} named {name}", kind.to_lowercase());
                    return Ok(in_which_namespace(&what, several));
                }
            }
            if index == 0 {
                listed = Some(rows);
            }
        }
    }
    // The kind asked, listed in every namespace just above: what is there
    // instead, and where the one name it can mean is, come from that list.
    let (instead, candidates) = match &listed {
        Some(rows) => suggest::instead_among(rows, &kind, None, &name),
        None => {
            suggest::instead_of(
                &pipeline.cluster,
                context,
                &api_version,
                &kind,
                namespace.as_deref(),
                &name,
            )
            .await?
        }
    };
    let place = match (&namespace, discovery::is_cluster_scoped(&kind)) {
        (_, true) => String::new(),
        (Some(namespace), false) => format!(" in namespace {namespace}"),
        (None, false) => " in any namespace".to_owned(),
    };
    // "the pvc of postgres-0" where data-postgres-0 is the one name it can
    // mean: read that one and say so (a read changes nothing). The read
    // goes through the fast path again, in the namespace the listing above
    // has it in (without one, the fast path finds it).
    if let Some(meant) = suggest::unmistakable(&name, &candidates).filter(|meant| *meant != name) {
        let mut there = String::new();
        if let Some(rows) = &listed
            && let [only] = namespaces_holding(rows, meant).as_slice()
        {
            asked.insert("namespace".into(), Value::String(only.clone()));
            there = format!(" in namespace {only}");
        }
        let note = format!(
            "there is no {} named {name}{place}; read {meant}{there}, the one name it can mean",
            kind.to_lowercase()
        );
        return read_as_meant(
            pipeline,
            tool,
            &asked,
            ("name", meant),
            context,
            focus,
            &note,
        )
        .await;
    }
    Ok(error_answer(
        tool,
        format!(
            "There is no {} named {name}{place}. {instead}\n({})",
            kind.to_lowercase(),
            not_found.text.trim()
        ),
        context,
    ))
}

/// The namespaces (sorted, once each) of the rows of a listing across
/// namespaces whose object is named `name`.
fn namespaces_holding(rows: &[Map<String, Value>], name: &str) -> Vec<String> {
    let mut namespaces: Vec<String> = rows
        .iter()
        .filter(|row| cluster::cell(row, "name") == Some(name))
        .filter_map(|row| cluster::cell(row, "namespace").map(str::to_owned))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    namespaces
}

/// The read again with `key` set to the one value the request can only have
/// meant (`suggest::unmistakable`), its answer led by `note` saying so.
async fn read_as_meant(
    pipeline: &Pipeline,
    tool: &str,
    asked: &Map<String, Value>,
    (key, meant): (&str, &str),
    context: &str,
    focus: ReadFocus,
    note: &str,
) -> Result<Response, WorkflowError> {
    let mut again = asked.clone();
    again.insert(key.into(), Value::String(meant.to_owned()));
    let response = Box::pin(fast_path(pipeline, tool, again, context, focus)).await?;
    Ok(crate::followup::annotated(response, note))
}

/// A read that failed, with the words to show.
fn error_answer(tool: &str, text: String, context: &str) -> Response {
    Response::Answer(Answer {
        path: "read_only".into(),
        tool: Some(tool.to_owned()),
        text: text.into(),
        structured: None,
        error: true,
        context: context.to_owned(),
    })
}

/// A fast-path answer kubeop wrote itself (a resolved name, a hint on an
/// empty or failed read) rather than the server's output as it came.
fn read_answer(tool: &str, context: &str, text: String, error: bool) -> Response {
    Response::Answer(Answer {
        path: "read_only".into(),
        tool: Some(tool.to_owned()),
        text: text.into(),
        structured: None,
        error,
        context: context.to_owned(),
    })
}

/// The reads that name one pod, whose name a request may give as its
/// workload's ("the checkout pod"); see [`discovery::resolve_pod`].
const POD_NAMED_READS: [&str; 3] = ["pods_log", "pods_get", "pods_top"];

/// A pod read the server answered "not found": the name is resolved in the
/// namespace as a kubectl user expects, the read repeated on the pod it
/// stands for (logs: a running one before a stopped one, then the newest,
/// when there are several), and the
/// answer says which pod it is; several pods for a get or top → the list;
/// none → the server's error with pods that do exist there.
async fn resolve_pod_read(
    pipeline: &Pipeline,
    tool: &str,
    mut asked: Map<String, Value>,
    wanted: &str,
    context: &str,
    not_found: mcp_gateway::ToolOutput,
    focus: ReadFocus,
) -> Result<Response, WorkflowError> {
    let named_namespace = asked
        .get("namespace")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut namespace = match &named_namespace {
        Some(namespace) => namespace.clone(),
        None => pipeline.cluster.facts().await?.namespace_of(context),
    };
    let answer = |text: String, error: bool| read_answer(tool, context, text, error);
    let mut matched =
        discovery::resolve_pod(&pipeline.cluster, context, &namespace, wanted).await?;
    // "logs of postgres-0" said in a session working in `default`: the pod
    // runs elsewhere. Where exactly one namespace has it, read it there and
    // say so; where several do, ask (as a get of any other kind does).
    let mut found_elsewhere = None;
    if named_namespace.is_none() && matches!(matched, discovery::PodMatch::Nothing { .. }) {
        match discovery::namespaces_with_pod(&pipeline.cluster, context, wanted)
            .await?
            .as_slice()
        {
            [] => {}
            [only] => {
                found_elsewhere = Some(format!(
                    "{wanted} is in namespace {only} (you named no namespace, and {namespace} has none)"
                ));
                namespace = only.clone();
                matched =
                    discovery::resolve_pod(&pipeline.cluster, context, &namespace, wanted).await?;
            }
            several => {
                let what = format!("a pod {wanted} (or pods named {wanted}-...)");
                return Ok(in_which_namespace(&what, several));
            }
        }
    }
    let (chosen, note) = match matched {
        discovery::PodMatch::Exact => match found_elsewhere.take() {
            Some(note) => (wanted.to_owned(), note),
            None => return Ok(answer(not_found.text.into_string(), true)),
        },
        discovery::PodMatch::Nothing { existing } => {
            let suggestions = if existing.is_empty() {
                format!("There are no pods in namespace {namespace}.")
            } else {
                format!("Pods in namespace {namespace}: {}.", existing.join(", "))
            };
            // Without a namespace named, every namespace was looked at.
            let place = match named_namespace {
                Some(_) => format!("in namespace {namespace}"),
                None => "in any namespace".to_owned(),
            };
            return Ok(answer(
                format!(
                    "There is no pod {wanted} {place}, nor one named {wanted}-... {suggestions}\n({})",
                    not_found.text.trim()
                ),
                true,
            ));
        }
        discovery::PodMatch::Candidates { pods, owned } => {
            let how = discovery::PodMatch::how(owned, wanted);
            match pods.as_slice() {
                [only] => (
                    only.clone(),
                    format!("{wanted} → {only} (the only one of the {how})"),
                ),
                [first, others @ ..] if tool == "pods_log" => (
                    first.clone(),
                    format!(
                        "{wanted} → {first}: of the {} {how}, the one `kubectl logs` picks (running before stopped, then the newest); the others: {}",
                        pods.len(),
                        others.join(", ")
                    ),
                ),
                several if tool == "pods_top" => {
                    return Box::pin(top_of_pods(
                        pipeline,
                        context,
                        &namespace,
                        several,
                        format!("{wanted} → the {} {how}", several.len()),
                        found_elsewhere,
                        focus,
                    ))
                    .await;
                }
                several => {
                    return Ok(answer(
                        format!(
                            "{wanted} stands for {} {how} in namespace {namespace}: {}. Name one.",
                            several.len(),
                            several.join(", ")
                        ),
                        false,
                    ));
                }
            }
        }
    };
    let note = match found_elsewhere {
        Some(elsewhere) => format!("{elsewhere}; {note}"),
        None => note,
    };
    asked.insert("name".into(), Value::String(chosen));
    asked.insert("namespace".into(), Value::String(namespace));
    let output = pipeline
        .cluster
        .read_in(context, tool, asked.clone())
        .await?;
    let output = Box::pin(shaped_read(pipeline, tool, &asked, context, focus, output)).await?;
    Ok(Response::Answer(Answer {
        path: "read_only".into(),
        tool: Some(tool.to_owned()),
        text: format!("{note}\n\n{}", output.text).into(),
        structured: output.structured,
        error: output.is_error,
        context: context.to_owned(),
    }))
}

/// What a switch asks for: a context, a namespace, or both.
struct Switch {
    context: Option<String>,
    namespace: Option<String>,
}

/// Switches the session's context and/or namespace after checking the
/// kubeconfig has the context and the cluster has the namespace. A bare
/// "use shop" or "switch to shop" names a context, as `kubectl config
/// use-context` does; when the kubeconfig has no such context but the
/// current cluster has that namespace, the namespace is meant (as kubens
/// users type it) and the answer says so.
async fn switch(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    current: &str,
    mut wanted: Switch,
) -> Result<Response, WorkflowError> {
    if let Some(context) = wanted.context.clone() {
        let contexts = known_contexts(pipeline).await?;
        if !contexts.contains(&context) {
            if wanted.namespace.is_none()
                && let Fetched::Found(_) = pipeline
                    .cluster
                    .get(current, "v1", "Namespace", &context, None)
                    .await?
            {
                wanted = Switch {
                    context: None,
                    namespace: Some(context),
                };
            } else {
                return Ok(no_such_context(&context, contexts));
            }
        }
    }
    let context = wanted.context.clone().unwrap_or_else(|| current.to_owned());
    if let Some(namespace) = &wanted.namespace
        && let Fetched::Missing(_) = pipeline
            .cluster
            .get(&context, "v1", "Namespace", namespace, None)
            .await?
    {
        let rows = pipeline
            .cluster
            .list(&context, "v1", "Namespace", None, None)
            .await?;
        let namespaces: Vec<String> = rows
            .iter()
            .filter_map(|row| crate::cluster::cell(row, "name"))
            .map(str::to_owned)
            .collect();
        return Ok(Response::Clarify(Clarify {
            question: format!(
                "There is no namespace {namespace} in context {context}. Available: {}.",
                namespaces.join(", ")
            ),
            missing: vec!["namespace".into()],
            candidates: namespaces,
        }));
    }
    switch_session(
        coordinator,
        session,
        wanted.context.clone(),
        wanted.namespace.clone(),
    )
    .await?;
    let text = match (&wanted.context, &wanted.namespace) {
        (Some(wanted), None) if wanted == current => {
            format!("Already working in context {wanted}.")
        }
        (Some(wanted), None) => format!("Switched to context {wanted} (was {current})."),
        (_, Some(namespace)) => format!(
            "Working in namespace {namespace} of context {context} from now on; requests that name another namespace still go there."
        ),
        (None, None) => format!("Still working in context {current}."),
    };
    Ok(Response::Answer(Answer {
        path: "switch_context".into(),
        tool: Some(CONTEXTS_TOOL.into()),
        text: text.into(),
        structured: None,
        error: false,
        context,
    }))
}

/// The question for a context the kubeconfig does not have, with the ones
/// it has as candidates.
fn no_such_context(named: &str, contexts: Vec<String>) -> Response {
    Response::Clarify(Clarify {
        question: format!(
            "There is no context {named} in the kubeconfig. Available: {}.",
            contexts.join(", ")
        ),
        missing: vec!["context".into()],
        candidates: contexts,
    })
}

/// The kubeconfig's context names: from `configuration_contexts_list`
/// (`*name -> server` lines), which the server offers only when there are
/// several; with one context, that one.
async fn known_contexts(pipeline: &Pipeline) -> Result<Vec<String>, WorkflowError> {
    let output = match pipeline.cluster.read(CONTEXTS_TOOL, Map::new()).await {
        Ok(output) => output,
        Err(WorkflowError::Gateway(mcp_gateway::GatewayError::UnknownTool { .. })) => {
            let facts = pipeline.cluster.facts().await?;
            return Ok(vec![facts.current_context.clone()]);
        }
        Err(error) => return Err(error),
    };
    if output.is_error {
        return Err(WorkflowError::Cluster(output.text.into_string()));
    }
    Ok(parse_contexts(&output.text))
}

/// The context names of `configuration_contexts_list`'s `[*]NAME -> URL`
/// lines; its legend line (`Format: [*] CONTEXT_NAME -> SERVER_URL`) is no
/// context.
fn parse_contexts(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("Format:"))
        .filter_map(|line| line.split_once(" -> "))
        .map(|(name, _)| name.trim().trim_start_matches('*').trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The classifier's arguments as the MCP server's argument map.
pub(crate) fn to_map(
    arguments: &classifier::Arguments,
) -> Result<Map<String, Value>, WorkflowError> {
    match serde_json::to_value(arguments)? {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_placed_by_the_rows_that_carry_it() {
        let rows: Vec<Map<String, Value>> = [
            ("web", "staging"),
            ("web", "production"),
            ("web", "staging"),
            ("api", "shop"),
        ]
        .iter()
        .filter_map(|(name, namespace)| {
            serde_json::json!({"name": name, "namespace": namespace})
                .as_object()
                .cloned()
        })
        .collect();
        assert_eq!(namespaces_holding(&rows, "web"), ["production", "staging"]);
        assert_eq!(namespaces_holding(&rows, "api"), ["shop"]);
        assert!(namespaces_holding(&rows, "we").is_empty());
    }

    #[test]
    fn context_names_come_from_the_listing() {
        let text = "Available Kubernetes contexts (2 total, default: ctx-a):\n*ctx-a -> http://127.0.0.1:18080\n ctx-b -> http://127.0.0.1:18081\n";
        assert_eq!(parse_contexts(text), vec!["ctx-a", "ctx-b"]);
        // The server's own listing, legend line included (0.0.67).
        let text = "Available Kubernetes contexts (2 total, default: demo):\n\nFormat: [*] CONTEXT_NAME -> SERVER_URL\n  (* indicates the default context used in tools if context is not set)\n\nContexts:\n---------\n* demo -> https://127.0.0.1:1\n  demo-readonly -> https://127.0.0.1:1\n";
        assert_eq!(parse_contexts(text), vec!["demo", "demo-readonly"]);
    }

    #[test]
    fn a_handoff_reads_as_one_request() {
        let handoff = SupervisorHandoff {
            request: Some("restart checkout".into()),
            namespace: Some("shop".into()),
            ..SupervisorHandoff::default()
        };
        assert_eq!(handoff_text(&handoff), "restart checkout in namespace shop");
    }

    #[test]
    fn a_pods_mismatch_is_flagged_and_a_match_is_not() {
        assert_eq!(
            pods_line("checkout", "shop", 3, 3),
            "checkout in shop: 3 of 3 expected pods running"
        );
        assert_eq!(
            pods_line("checkout", "shop", 1, 3),
            "checkout in shop: 1 of 3 expected pods running (MISMATCH)"
        );
    }

    #[test]
    fn a_signal_going_out_carries_what_the_hand_off_found() {
        let handoff = SupervisorHandoff {
            source_domain: Some("app".into()),
            release: Some("payments".into()),
            namespace: Some("production".into()),
            ..SupervisorHandoff::default()
        };
        let signal = || {
            Response::Handoff(Handoff {
                domain: "helm".into(),
                reason: "Helm releases are the Helm agent's.".into(),
                found: Some(Found {
                    context: Some("prod".into()),
                    why_nothing_read: Some(nothing_read("helm")),
                    ..Found::default()
                }),
            })
        };
        let pods = Some("payments in production: 0 of 2 expected pods running (MISMATCH)".into());
        let json = serde_json::to_value(with_handoff_findings(signal(), &handoff, pods))
            .expect("serializes");
        assert_eq!(json["kind"], "handoff");
        assert_eq!(json["domain"], "helm");
        assert_eq!(
            json["found"],
            serde_json::json!({"kind": "HelmRelease", "name": "payments",
                "namespace": "production", "context": "prod",
                "reads": ["payments in production: 0 of 2 expected pods running (MISMATCH)"]}),
            "the reads replace the reason there were none"
        );
        // Without expected pods nothing was read, and the signal says why.
        let json = serde_json::to_value(with_handoff_findings(signal(), &handoff, None))
            .expect("serializes");
        assert_eq!(json["found"]["name"], "payments");
        assert_eq!(json["found"]["context"], "prod");
        assert_eq!(json["found"]["why_nothing_read"], nothing_read("helm"));
    }

    #[test]
    fn a_hand_off_is_logged_with_whose_it_is() {
        let scope = |handoff_from: Option<String>| Scope {
            context: "prod".into(),
            namespace: None,
            recent: None,
            handoff_from,
        };
        assert_eq!(scope(None).recorded("scale web to 3"), "scale web to 3");
        assert_eq!(
            scope(Some(handoff_origin(Some("app")))).recorded("scale web to 3"),
            "hand-off from the app agent: scale web to 3"
        );
        assert_eq!(
            scope(Some(handoff_origin(None))).recorded("scale web to 3"),
            "hand-off from a supervisor that named no source domain: scale web to 3"
        );
    }

    #[test]
    fn a_hand_off_without_the_new_fields_still_reads() {
        let handoff: SupervisorHandoff =
            serde_json::from_str(r#"{"request":"list pods","namespace":"shop"}"#)
                .expect("older JSON reads");
        assert_eq!(handoff.source_domain, None);
        assert_eq!(handoff.expected_pods, None);
        let handoff: SupervisorHandoff =
            serde_json::from_str(r#"{"source_domain":"helm","expected_pods":2}"#).expect("reads");
        assert_eq!(handoff.source_domain.as_deref(), Some("helm"));
        assert_eq!(handoff.expected_pods, Some(2));
    }
}
