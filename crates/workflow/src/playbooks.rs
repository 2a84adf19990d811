//! The diagnosis paths: the `diagnosis` playbooks run over the gateway in
//! the request's context, and a proposed fix becomes an ordinary plan card
//! awaiting approval (read before write, diff, impact notes, hitl).

use classifier::{Arguments, Playbook};
use serde_json::Value;

use crate::cluster::Fetched;
use crate::coordinator::Pipeline;
use crate::diagnosis::health::row_is_suspicious;
use crate::diagnosis::rbac::RbacQuestion;
use crate::diagnosis::reader::{ClusterReader, ReadCall, ReadTool};
use crate::diagnosis::{
    self, DiagnosisError, Evidence, GatewayReader, PodFailureTarget, ProposedChange, parse,
};
use crate::error::WorkflowError;
use crate::plan::{self, Planned};
use crate::response::{Answer, Clarify, Diagnosis, Health, PlanCard, Response};
use crate::suggest;

/// The playbooks' reader in `context` (named on each call only when the
/// server takes a context argument).
async fn reader<'a>(
    pipeline: &'a Pipeline,
    context: &'a str,
) -> Result<GatewayReader<'a>, WorkflowError> {
    let multi_cluster = pipeline.cluster.facts().await?.multi_cluster;
    Ok(GatewayReader::new(
        pipeline.cluster.gateway(),
        multi_cluster.then_some(context),
    ))
}

/// Runs the playbook the classifier chose on `request` (the words it
/// reads); a proposed fix is logged as `recorded` (the words with whose
/// hand-off they were, where they were one).
pub(crate) async fn diagnose(
    pipeline: &Pipeline,
    context: &str,
    requester: &str,
    request: &str,
    recorded: &str,
    playbook: Playbook,
    arguments: &Arguments,
) -> Result<Response, WorkflowError> {
    let reader = reader(pipeline, context).await?;
    let namespace = arguments.namespace.as_deref();
    match playbook {
        Playbook::PodFailure => {
            let mut chosen = None;
            let target = match (&arguments.name, &arguments.namespace) {
                (Some(name), namespace) => PodFailureTarget {
                    name: name.clone(),
                    namespace: namespace.clone(),
                },
                (None, namespace) => {
                    match the_failing_pod(pipeline, &reader, context, namespace.as_deref()).await? {
                        Ok((target, why)) => {
                            chosen = Some(why);
                            target
                        }
                        Err(answer) => return Ok(answer),
                    }
                }
            };
            let mut found = match diagnosis::diagnose_pod_failure(&reader, &target).await {
                Ok(found) => found,
                Err(DiagnosisError::TargetNotFound { .. }) => {
                    return Ok(Response::Clarify(
                        nothing_named(pipeline, context, &target).await?,
                    ));
                }
                Err(error) => return Err(playbook_failed(error)),
            };
            if let Some(why) = chosen {
                found.evidence.insert(0, Evidence::new("which pod", why));
            }
            let proposal = match &found.proposal {
                Some(change) => {
                    proposal_card(pipeline, context, requester, recorded, change).await?
                }
                None => None,
            };
            Ok(Response::Diagnosis(Diagnosis {
                cause: serde_json::to_value(found.cause)?,
                evidence: quotes(&found.evidence),
                report: Some(serde_json::to_value(&found)?),
                proposal,
                context: context.to_owned(),
            }))
        }
        Playbook::ResourcePressure => {
            let report = diagnosis::pressure::resource_pressure(&reader, namespace)
                .await
                .map_err(playbook_failed)?;
            Ok(Response::Diagnosis(Diagnosis {
                cause: Value::String("resource_pressure".into()),
                evidence: quotes(&diagnosis::pressure::as_evidence(&report)),
                report: Some(serde_json::to_value(&report)?),
                proposal: None,
                context: context.to_owned(),
            }))
        }
        Playbook::RbacAudit => {
            let question = RbacQuestion::from_words(request, namespace);
            let report = diagnosis::rbac::audit(&reader, &question)
                .await
                .map_err(playbook_failed)?;
            Ok(Response::Diagnosis(Diagnosis {
                cause: Value::String("rbac_audit".into()),
                evidence: Vec::new(),
                report: Some(serde_json::to_value(&report)?),
                proposal: None,
                context: context.to_owned(),
            }))
        }
    }
}

/// The failing workload a request that names none ("debug my failing pod",
/// "my job failed") is about: the pods of the namespace (every namespace when
/// none is known) whose list row looks wrong, as the health check judges
/// them, grouped by the Job or Deployment they belong to. One → that
/// workload (or lone pod), with the reason it was chosen; several → a
/// question listing them; none → an answer saying so. Never a guess among
/// several.
async fn the_failing_pod(
    pipeline: &Pipeline,
    reader: &GatewayReader<'_>,
    context: &str,
    namespace: Option<&str>,
) -> Result<Result<(PodFailureTarget, String), Response>, WorkflowError> {
    let call = ReadCall::new(
        ReadTool::ResourcesList,
        [
            ("apiVersion", Some(Value::from("v1"))),
            ("kind", Some(Value::from("Pod"))),
            ("namespace", namespace.map(Value::from)),
        ],
    );
    let listed = reader
        .call(call)
        .await
        .map_err(|error| WorkflowError::Cluster(error.to_string()))?;
    if listed.is_error {
        return Err(WorkflowError::Cluster(listed.text.into_string()));
    }
    let rows = parse::rows(&listed);
    // Failing pods grouped by the workload they belong to (a Job's retries,
    // a Deployment's replicas): one failing workload is one answer.
    let mut failing: Vec<FailingGroup> = Vec::new();
    for row in rows.iter().filter(|row| row_is_suspicious(row)) {
        let Some(pod_namespace) = row
            .get("NAMESPACE")
            .cloned()
            .or_else(|| namespace.map(str::to_owned))
        else {
            continue;
        };
        let Some(pod) = row.get("NAME").cloned() else {
            continue;
        };
        let status = row.get("STATUS").cloned().unwrap_or_default();
        let name = parse::workload_of_row(row).unwrap_or_else(|| pod.clone());
        match failing
            .iter_mut()
            .find(|group| group.namespace == pod_namespace && group.name == name)
        {
            Some(group) => group.pods.push(format!("{pod} ({status})")),
            None => failing.push(FailingGroup {
                namespace: pod_namespace,
                name,
                pods: vec![format!("{pod} ({status})")],
            }),
        }
    }
    let place = namespace.map_or_else(
        || "in any namespace".to_owned(),
        |namespace| format!("in namespace {namespace}"),
    );
    let answer = |text: String, error: bool| {
        Ok(Err(Response::Answer(Answer {
            path: "diagnose".into(),
            tool: Some(ReadTool::ResourcesList.name().to_owned()),
            text: text.into(),
            structured: None,
            error,
            context: context.to_owned(),
        })))
    };
    match failing.as_slice() {
        [] if rows.is_empty() => {
            if let Some(namespace) = namespace
                && let Some((text, _)) =
                    suggest::missing_namespace(&pipeline.cluster, context, namespace).await?
            {
                return answer(text, true);
            }
            answer(
                format!("There are no pods {place}, so none is failing."),
                false,
            )
        }
        [] => answer(
            format!(
                "No pod is failing {place}: all {} run (or completed) without restarts. Name a pod or workload to look at one anyway.",
                rows.len()
            ),
            false,
        ),
        [only] => Ok(Ok((
            PodFailureTarget {
                name: only.name.clone(),
                namespace: Some(only.namespace.clone()),
            },
            match only.pods.as_slice() {
                [pod] if pod.starts_with(&format!("{} (", only.name)) => {
                    format!("{}/{pod} is the only failing pod {place}", only.namespace)
                }
                pods => format!(
                    "{}/{} is the only failing workload {place}: {}",
                    only.namespace,
                    only.name,
                    pods.join(", ")
                ),
            },
        ))),
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|group| {
                    format!(
                        "{}/{} ({})",
                        group.namespace,
                        group.name,
                        group.pods.join(", ")
                    )
                })
                .collect();
            Ok(Err(Response::Clarify(Clarify {
                question: format!(
                    "{} workloads have failing pods {place}: {}. Which one should I diagnose?",
                    several.len(),
                    listed.join("; ")
                ),
                missing: vec!["name".into()],
                candidates: several
                    .iter()
                    .map(|group| match namespace {
                        Some(_) => group.name.clone(),
                        None => format!("{}/{}", group.namespace, group.name),
                    })
                    .collect(),
            })))
        }
    }
}

/// The failing pods of one workload (or one pod no workload owns).
struct FailingGroup {
    namespace: String,
    /// The Job or Deployment name, else the pod's own.
    name: String,
    /// Its failing pods as `name (STATUS)`.
    pods: Vec<String>,
}

/// The health overview.
pub(crate) async fn health(
    pipeline: &Pipeline,
    context: &str,
    namespace: Option<&str>,
) -> Result<Response, WorkflowError> {
    let reader = reader(pipeline, context).await?;
    let report = diagnosis::health::health_check(&reader, namespace)
        .await
        .map_err(playbook_failed)?;
    Ok(Response::Health(Health {
        report: serde_json::to_value(&report)?,
        context: context.to_owned(),
    }))
}

/// A proposed fix as a plan awaiting approval: the live object is read
/// again, so the plan's diff is against the cluster as it is now.
async fn proposal_card(
    pipeline: &Pipeline,
    context: &str,
    requester: &str,
    request: &str,
    change: &ProposedChange,
) -> Result<Option<PlanCard>, WorkflowError> {
    let target = &change.target;
    let live = match pipeline
        .cluster
        .get(
            context,
            &target.api_version,
            &target.kind,
            &target.name,
            target.namespace.as_deref(),
        )
        .await?
    {
        Fetched::Found(live) => Some(live),
        Fetched::Missing(_) => None,
    };
    let (preview, call) = crate::planning::apply_call(pipeline, context, &change.manifest).await?;
    let plan_target = hitl::policy::PlanTarget {
        kind: target.kind.clone(),
        name: target.name.clone(),
        namespace: target.namespace.clone(),
        context: context.to_owned(),
    };
    if pipeline.hitl.policy().check(&plan_target).is_err() {
        // A fix policy forbids is not offered as something to approve.
        return Ok(None);
    }
    // The fix is the live owner with one field changed, and the card says
    // which: a change in place, not an upsert to warn about.
    let in_place = true;
    match plan::create_update(
        plan_target,
        call,
        &change.manifest,
        &change.manifest,
        preview,
        live.as_ref(),
        in_place,
    ) {
        Planned::NothingToDo(_) => Ok(None),
        Planned::Change(mut draft) => {
            draft.current = Value::String(change.current.clone());
            draft.desired = Value::String(change.desired.clone());
            draft.warnings.extend(change.warnings.iter().cloned());
            draft
                .inferred
                .push(format!("proposed by the diagnosis: {}", change.summary));
            match pipeline.submit(*draft, requester, request).await? {
                Response::Plan(card) => Ok(Some(card)),
                _ => Ok(None),
            }
        }
    }
}

/// Workload kinds a diagnosis looks for by name in other namespaces when
/// the request's namespace has nothing of that name.
const WORKLOAD_KINDS: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// The question for a diagnosis whose subject is not there: nothing of
/// that name in the namespace, and where a workload of that exact name
/// does run (the request likely meant that namespace), else the names
/// close to it there.
async fn nothing_named(
    pipeline: &Pipeline,
    context: &str,
    target: &PodFailureTarget,
) -> Result<Clarify, WorkflowError> {
    let name = &target.name;
    let place = target
        .namespace
        .as_deref()
        .map(|namespace| format!(" in namespace {namespace}"))
        .unwrap_or_default();
    let mut elsewhere = Vec::new();
    for kind in WORKLOAD_KINDS {
        for row in pipeline
            .cluster
            .list(context, "apps/v1", kind, None, None)
            .await?
        {
            if crate::cluster::cell(&row, "name") == Some(name.as_str())
                && let Some(namespace) = crate::cluster::cell(&row, "namespace")
                && Some(namespace) != target.namespace.as_deref()
            {
                elsewhere.push((kind.to_lowercase(), namespace.to_owned()));
            }
        }
    }
    let nothing = format!(
        "Nothing named {name} runs{place} (no pod, workload, Service, claim, Ingress or pod name prefix)."
    );
    if !elsewhere.is_empty() {
        let listed: Vec<String> = elsewhere
            .iter()
            .map(|(kind, namespace)| format!("{kind} {name} in namespace {namespace}"))
            .collect();
        return Ok(Clarify {
            question: format!(
                "{nothing} There is {}: say the namespace, e.g. \"why is {name} failing in {}\".",
                listed.join(" and "),
                elsewhere[0].1
            ),
            missing: vec!["namespace".into()],
            candidates: elsewhere
                .into_iter()
                .map(|(_, namespace)| namespace)
                .collect(),
        });
    }
    let (instead, candidates) = suggest::instead_of(
        &pipeline.cluster,
        context,
        "apps/v1",
        "Deployment",
        target.namespace.as_deref(),
        name,
    )
    .await?;
    Ok(Clarify {
        question: format!("{nothing} {instead} Which one do you mean?"),
        missing: vec!["name".into()],
        candidates,
    })
}

/// Evidence as the `-o json` diagnosis quotes it: `source: quote`.
pub(crate) fn quotes(evidence: &[Evidence]) -> Vec<String> {
    evidence
        .iter()
        .map(|evidence| format!("{}: {}", evidence.source, evidence.quote))
        .collect()
}

fn playbook_failed(error: DiagnosisError) -> WorkflowError {
    WorkflowError::Cluster(error.to_string())
}
