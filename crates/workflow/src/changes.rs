//! Approved changes: execution through the gateway with the grant, then
//! verification against the cluster, every step written to the operations
//! log. Also denial and the list of pending plans.

use classifier::Operation;
use hitl::grant::ApprovalGrant;
use hitl::policy::PlanTarget;
use hitl::{Approval, DenyCommand, HitlError, PlannedCall};
use mcp_gateway::ToolOutput;
use memory::Event;
use serde_json::{Map, Value};

use crate::coordinator::{ApproveRequest, DenyRequest, Pipeline, approve_command, card_of};
use crate::diagnosis::debug_pod;
use crate::error::WorkflowError;
use crate::plan::Draft;
use crate::response::{Answer, ExecutionResult, Outcome, PlanCard, Response};
use crate::verify::{self, ProgressSink, Verdict};

/// The operation a mutating call performs. A debug pod is created as a
/// labelled Pod (`diagnosis::debug_pod::pod_manifest`), so that create is a
/// `run`; `pods_run` itself only arrives in a PLAN-LOCKED hand-off, whose
/// plan was made upstream.
pub(crate) fn operation_of(tool: &str, arguments: &Map<String, Value>) -> Option<Operation> {
    match tool {
        "resources_scale" => Some(Operation::Scale),
        "resources_delete" | "pods_delete" => Some(Operation::Delete),
        "resources_create_or_update" if debug_pod::creates_debug_pod(arguments) => {
            Some(Operation::Run)
        }
        "resources_create_or_update" => Some(Operation::CreateUpdate),
        "pods_exec" => Some(Operation::Exec),
        "pods_run" => Some(Operation::Run),
        _ => None,
    }
}

/// Approves a plan, then runs and verifies it.
pub(crate) async fn approve(
    pipeline: &Pipeline,
    request: ApproveRequest,
    progress: &ProgressSink,
) -> Result<ExecutionResult, WorkflowError> {
    // The approval's check (hash, expiry, single use) as its own span; the
    // person's wait before it lies between two requests.
    let approval = match tracing::Instrument::instrument(
        pipeline.hitl.approve(approve_command(request)),
        tracing::info_span!("approval"),
    )
    .await
    {
        Ok(approval) => approval,
        Err(error) => return Err(error.into()),
    };
    let operation = operation_of(&approval.tool, &approval.arguments).ok_or_else(|| {
        WorkflowError::Approval(HitlError::Unavailable(format!(
            "{} is not a change kubeop runs",
            approval.tool
        )))
    })?;
    pipeline
        .record(
            &approval.plan_id,
            operation,
            &approval.target,
            Event::Approved {
                plan_hash: approval.grant.plan_hash.to_string(),
                approver: approval.approver.clone(),
            },
        )
        .await?;
    execute(pipeline, approval, progress).await
}

/// Denies a plan and records the refusal.
pub(crate) async fn deny(
    pipeline: &Pipeline,
    request: DenyRequest,
) -> Result<Response, WorkflowError> {
    let denial = pipeline
        .hitl
        .deny(DenyCommand {
            plan_id: request.plan_id,
            approver: request.approver,
            reason: request.reason,
        })
        .await?;
    let plan = &denial.plan;
    if let Some(operation) = operation_of(&plan.tool, &plan.arguments) {
        pipeline
            .record(
                &plan.plan_id,
                operation,
                &plan.target,
                Event::Denied {
                    plan_hash: plan.plan_hash.to_string(),
                    approver: Some(denial.approver.clone()),
                    reason: denial.reason.clone(),
                },
            )
            .await?;
    }
    Ok(Response::Answer(Answer {
        path: "mutation".into(),
        tool: None,
        text: format!(
            "Plan {} denied by {}: {}. Nothing was changed.",
            plan.plan_id, denial.approver, denial.reason
        )
        .into(),
        structured: None,
        error: false,
        context: plan.target.context.clone(),
    }))
}

/// The plan cards of every plan waiting for approval.
pub(crate) async fn pending(pipeline: &Pipeline) -> Result<Vec<PlanCard>, WorkflowError> {
    pipeline
        .hitl
        .pending()
        .await?
        .iter()
        .map(|pending| {
            let draft: Draft = serde_json::from_value(pending.card.clone())?;
            Ok(card_of(&draft, pending))
        })
        .collect()
}

/// Runs an approved change with its grant and verifies it on the cluster.
pub(crate) async fn execute(
    pipeline: &Pipeline,
    approval: Approval,
    progress: &ProgressSink,
) -> Result<ExecutionResult, WorkflowError> {
    let operation = operation_of(&approval.tool, &approval.arguments).ok_or_else(|| {
        WorkflowError::Approval(HitlError::Unavailable(format!(
            "{} is not a change kubeop runs",
            approval.tool
        )))
    })?;
    let target = approval.target.clone();
    let plan_id = approval.plan_id.clone();
    progress.report(format!(
        "running {} on {}",
        approval.tool,
        describe(&target)
    ));
    // Read before the change: whether it replaces the workload's pods, and
    // which pods were there (and maybe failing) before it.
    let rollout = match operation {
        Operation::CreateUpdate => {
            verify::rollout_baseline(&pipeline.cluster, &target, &manifest_of(&approval)).await?
        }
        _ => None,
    };
    let (verdict, output) = match run_call(
        pipeline,
        &plan_id,
        operation,
        &target,
        &approval.tool,
        approval.arguments.clone(),
        approval.grant.clone(),
    )
    .await?
    {
        Err(verdict) => (verdict, None),
        Ok(result) => {
            verify_change(
                pipeline,
                operation,
                &approval,
                rollout.as_ref(),
                result,
                progress,
            )
            .await?
        }
    };
    let mut evidence = verdict.evidence;
    let event = match verdict.outcome {
        Outcome::Verified => Event::Verified {
            evidence: evidence.clone(),
        },
        Outcome::Failed => Event::Failed {
            summary: evidence.first().cloned().unwrap_or_default(),
            evidence: evidence.clone(),
        },
        Outcome::Unverified => Event::Unverified {
            summary: evidence.first().cloned().unwrap_or_default(),
            evidence: evidence.clone(),
        },
    };
    if let Err(error) = pipeline.record(&plan_id, operation, &target, event).await {
        evidence.push(format!(
            "WARNING: this outcome is not in the operations log: {error}"
        ));
    }
    Ok(ExecutionResult {
        plan_id,
        outcome: verdict.outcome,
        evidence,
        target,
        output,
    })
}

/// One granted call: `Ok(output)` when the server did it, `Err(verdict)`
/// when it refused (a 403 of a read-only user, say) or gave no result. Each
/// is recorded.
#[tracing::instrument(name = "execute", skip_all, fields(%plan_id, %tool))]
async fn run_call(
    pipeline: &Pipeline,
    plan_id: &str,
    operation: Operation,
    target: &PlanTarget,
    tool: &str,
    arguments: Map<String, Value>,
    grant: ApprovalGrant,
) -> Result<Result<ToolOutput, Verdict>, WorkflowError> {
    let mut shown = Value::Object(arguments.clone());
    mcp_gateway::redact::redact_json(&mut shown);
    let output = match pipeline
        .cluster
        .change(tool, arguments, grant, pipeline.config.change_deadline)
        .await
    {
        Ok(output) => output,
        Err(error) => {
            return Ok(Err(Verdict::new(
                Outcome::Failed,
                vec![format!("{tool} was not carried out: {error}")],
            )));
        }
    };
    // An exec's failure is its exit status, which verification reports.
    if output.is_error && tool != "pods_exec" {
        return Ok(Err(Verdict::new(
            Outcome::Failed,
            vec![
                format!("the cluster refused {tool}"),
                output.text.trim().to_owned(),
            ],
        )));
    }
    pipeline
        .record(
            plan_id,
            operation,
            target,
            Event::Executed {
                tool: tool.to_owned(),
                arguments: shown,
                summary: first_line(&output.text),
            },
        )
        .await?;
    Ok(Ok(output))
}

/// The manifest a create/update applies (`null` if it is not readable).
fn manifest_of(approval: &Approval) -> Value {
    approval
        .arguments
        .get("resource")
        .and_then(Value::as_str)
        .and_then(|text| serde_norway::from_str::<Value>(text).ok())
        .unwrap_or(Value::Null)
}

/// Verifies a change the server carried out, by operation.
#[tracing::instrument(name = "verify", skip_all)]
async fn verify_change(
    pipeline: &Pipeline,
    operation: Operation,
    approval: &Approval,
    rollout: Option<&verify::RolloutBaseline>,
    output: ToolOutput,
    progress: &ProgressSink,
) -> Result<(Verdict, Option<String>), WorkflowError> {
    let cluster = &pipeline.cluster;
    let timings = pipeline.config.timings;
    let target = &approval.target;
    let api_version = approval
        .arguments
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1");
    let verdict = match operation {
        Operation::Scale => {
            let wanted = approval
                .arguments
                .get("scale")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            verify::scaled(cluster, target, api_version, wanted, timings, progress).await?
        }
        Operation::Delete => {
            verify::deleted(cluster, target, api_version, timings, progress).await?
        }
        Operation::CreateUpdate => {
            let manifest = manifest_of(approval);
            let api_version = manifest
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("v1");
            let applied = verify::applied(cluster, target, api_version, &manifest).await?;
            match rollout {
                Some(baseline) if applied.outcome == Outcome::Verified => {
                    let rolled = verify::rolled_out(
                        cluster,
                        target,
                        api_version,
                        baseline,
                        timings,
                        progress,
                    )
                    .await?;
                    let mut evidence = applied.evidence;
                    evidence.extend(rolled.evidence);
                    Verdict::new(rolled.outcome, evidence)
                }
                // A new Job ("run the nightly-export cronjob now", a Job
                // with its pod template; a label change has none): its
                // work is done, not only its object made or its pod started.
                None if target.kind == "Job"
                    && manifest.pointer("/spec/template").is_some()
                    && applied.outcome == Outcome::Verified =>
                {
                    let finished = verify::job_finished(cluster, target, timings, progress).await?;
                    let mut evidence = applied.evidence;
                    evidence.extend(finished.evidence);
                    Verdict::new(finished.outcome, evidence)
                }
                // A Service that selects pods ("expose deployment nginx
                // --port 80"): traffic reaches it only once it has a ready
                // endpoint.
                None if target.kind == "Service"
                    && manifest
                        .pointer("/spec/selector")
                        .and_then(Value::as_object)
                        .is_some_and(|selector| !selector.is_empty())
                    && applied.outcome == Outcome::Verified =>
                {
                    let served =
                        verify::service_endpoints(cluster, target, timings, progress).await?;
                    let mut evidence = applied.evidence;
                    evidence.extend(served.evidence);
                    Verdict::new(served.outcome, evidence)
                }
                _ => applied,
            }
        }
        Operation::Exec => {
            return Ok((
                verify::exec_result(output.is_error, &output.text),
                Some(output.text.into_string()),
            ));
        }
        Operation::Run => return debug_pod_lifecycle(pipeline, approval, progress).await,
    };
    Ok((verdict, None))
}

/// A debug pod: running, then its test command, then its removal, verified.
async fn debug_pod_lifecycle(
    pipeline: &Pipeline,
    approval: &Approval,
    progress: &ProgressSink,
) -> Result<(Verdict, Option<String>), WorkflowError> {
    let target = &approval.target;
    let running =
        verify::pod_running(&pipeline.cluster, target, pipeline.config.timings, progress).await?;
    let mut outcome = running.outcome;
    let mut evidence = running.evidence;
    let mut output = None;
    for (call, grant) in &approval.follow_ups {
        let PlannedCall { tool, arguments } = call;
        if tool == "pods_exec" && running.outcome != Outcome::Verified {
            evidence.push("test command not run: the pod never ran".into());
            continue;
        }
        progress.report(format!("running {tool} on {}", describe(target)));
        let result = run_call(
            pipeline,
            &approval.plan_id,
            Operation::Run,
            target,
            tool,
            arguments.clone(),
            grant.clone(),
        )
        .await?;
        let verdict = match (tool.as_str(), result) {
            (_, Err(verdict)) => verdict,
            ("pods_exec", Ok(exec)) => {
                let verdict = verify::exec_result(exec.is_error, &exec.text);
                // "exit status 28" alone leaves the reader to know curl.
                let meaning = exec
                    .is_error
                    .then(|| debug_pod::failed_test_meaning(&arguments["command"], &exec.text))
                    .flatten();
                output = Some(exec.text.into_string());
                Verdict::new(
                    verdict.outcome,
                    verdict
                        .evidence
                        .into_iter()
                        .chain(meaning)
                        .map(|line| format!("test command: {line}"))
                        .collect(),
                )
            }
            (_, Ok(_)) => {
                verify::deleted(
                    &pipeline.cluster,
                    target,
                    "v1",
                    pipeline.config.timings,
                    progress,
                )
                .await?
            }
        };
        outcome = worse(outcome, verdict.outcome);
        evidence.extend(verdict.evidence);
    }
    Ok((Verdict::new(outcome, evidence), output))
}

/// The less favourable of two outcomes.
fn worse(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Failed, _) | (_, Outcome::Failed) => Outcome::Failed,
        (Outcome::Unverified, _) | (_, Outcome::Unverified) => Outcome::Unverified,
        _ => Outcome::Verified,
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

fn describe(target: &PlanTarget) -> String {
    format!(
        "{}/{}{} (context {})",
        target.kind.to_lowercase(),
        target.name,
        target
            .namespace
            .as_deref()
            .map(|ns| format!(" in {ns}"))
            .unwrap_or_default(),
        target.context
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutating_tool_has_its_operation() {
        let none = Map::new();
        assert_eq!(
            operation_of("resources_scale", &none),
            Some(Operation::Scale)
        );
        assert_eq!(operation_of("pods_delete", &none), Some(Operation::Delete));
        assert_eq!(operation_of("pods_run", &none), Some(Operation::Run));
        assert_eq!(operation_of("pods_get", &none), None);
    }

    #[test]
    fn creating_a_labelled_debug_pod_is_a_run_any_other_apply_a_create_update() {
        let resource = |manifest: Value| {
            let mut arguments = Map::new();
            arguments.insert("resource".into(), Value::String(manifest.to_string()));
            arguments
        };
        let debug_pod = debug_pod::pod_manifest("kubeop-debug-busybox", "demo", "busybox", None);
        assert_eq!(
            operation_of("resources_create_or_update", &resource(debug_pod)),
            Some(Operation::Run)
        );
        let plain_pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}}});
        assert_eq!(
            operation_of("resources_create_or_update", &resource(plain_pod)),
            Some(Operation::CreateUpdate)
        );
    }

    #[test]
    fn the_worse_outcome_wins() {
        assert_eq!(
            worse(Outcome::Verified, Outcome::Unverified),
            Outcome::Unverified
        );
        assert_eq!(worse(Outcome::Failed, Outcome::Unverified), Outcome::Failed);
        assert_eq!(
            worse(Outcome::Verified, Outcome::Verified),
            Outcome::Verified
        );
    }
}
