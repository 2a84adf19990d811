//! Routing a request to its path: the read-only fast path, context switches,
//! the health check, hand-offs, questions, and changes (see `planning`).

use classifier::Intent;
use ractor::ActorRef;
use serde_json::{Map, Value};

use crate::coordinator::{CoordinatorMsg, Pipeline, Request, SupervisorHandoff, switch_session};
use crate::discovery;
use crate::error::WorkflowError;
use crate::planning;
use crate::playbooks;
use crate::response::{Answer, Clarify, Handoff, Response};
use crate::session::SessionId;

/// The tool that lists the kubeconfig's contexts.
const CONTEXTS_TOOL: &str = "configuration_contexts_list";

/// Answers one request in the context `switched` (the session's, if it
/// switched) or the starting context.
pub(crate) async fn answer(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    switched: Option<String>,
    requester: &str,
    request: Request,
) -> Result<Response, WorkflowError> {
    let session_context = match switched {
        Some(context) => context,
        None => match &pipeline.config.default_context {
            Some(context) => context.clone(),
            None => pipeline.cluster.facts().await?.current_context.clone(),
        },
    };
    match request {
        Request::Text { text } => {
            answer_text(
                pipeline,
                coordinator,
                session,
                &session_context,
                requester,
                &text,
            )
            .await
        }
        Request::Handoff(handoff) => {
            if let Some(locked) = handoff.locked_plan {
                return pipeline.run_locked(locked, requester).await;
            }
            let context = handoff.context.clone().unwrap_or(session_context);
            let text = handoff_text(&handoff);
            answer_text(pipeline, coordinator, session, &context, requester, &text).await
        }
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

async fn answer_text(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    session_context: &str,
    requester: &str,
    text: &str,
) -> Result<Response, WorkflowError> {
    let intent = classifier::classify(text);
    tracing::info!(path = intent.path(), "classified");
    match intent {
        Intent::ReadOnly { tool, arguments } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            fast_path(pipeline, tool.as_str(), to_map(&arguments)?, &context).await
        }
        Intent::SwitchContext { arguments } => match arguments.context {
            Some(wanted) => {
                switch_context(pipeline, coordinator, session, session_context, &wanted).await
            }
            None => Ok(Response::Clarify(Clarify {
                question: "Which context should I switch to?".into(),
                missing: vec!["context".into()],
                candidates: Vec::new(),
            })),
        },
        Intent::Mutation {
            operation,
            tool,
            arguments,
        } => {
            planning::plan(
                pipeline,
                session_context,
                requester,
                text,
                operation,
                tool.as_str(),
                arguments,
                Vec::new(),
            )
            .await
        }
        Intent::Clarify { missing, question } => {
            if let Some((
                Intent::Mutation {
                    operation,
                    tool,
                    arguments,
                },
                inferred,
            )) = discovery::from_last_operation(&pipeline.memory, text, session_context).await?
            {
                return planning::plan(
                    pipeline,
                    session_context,
                    requester,
                    text,
                    operation,
                    tool.as_str(),
                    arguments,
                    vec![inferred],
                )
                .await;
            }
            Ok(Response::Clarify(Clarify {
                question,
                missing: missing
                    .iter()
                    .map(|param| param.as_str().to_owned())
                    .collect(),
                candidates: Vec::new(),
            }))
        }
        Intent::Handoff { domain, reason } => Ok(Response::Handoff(Handoff {
            domain: domain.as_str().to_owned(),
            reason,
        })),
        Intent::HealthCheck { arguments } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            playbooks::health(pipeline, &context, arguments.namespace.as_deref()).await
        }
        Intent::Diagnose {
            playbook,
            arguments,
        } => {
            let context = arguments
                .context
                .clone()
                .unwrap_or_else(|| session_context.to_owned());
            playbooks::diagnose(pipeline, &context, requester, text, playbook, &arguments).await
        }
    }
}

/// The read-only fast path: exactly one tool call, its text as the server
/// formatted it. Nothing is planned and no file is read.
async fn fast_path(
    pipeline: &Pipeline,
    tool: &str,
    arguments: Map<String, Value>,
    context: &str,
) -> Result<Response, WorkflowError> {
    let arguments = pipeline
        .cluster
        .in_context(tool, arguments, context)
        .await?;
    let output = pipeline.cluster.read(tool, arguments).await?;
    Ok(Response::Answer(Answer {
        path: "read_only".into(),
        tool: Some(tool.to_owned()),
        text: output.text,
        structured: output.structured,
        error: output.is_error,
        context: context.to_owned(),
    }))
}

/// Switches the session's context after checking the kubeconfig has it.
async fn switch_context(
    pipeline: &Pipeline,
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    current: &str,
    wanted: &str,
) -> Result<Response, WorkflowError> {
    let contexts = known_contexts(pipeline).await?;
    if !contexts.iter().any(|context| context == wanted) {
        return Ok(Response::Clarify(Clarify {
            question: format!(
                "There is no context {wanted} in the kubeconfig. Available: {}.",
                contexts.join(", ")
            ),
            missing: vec!["context".into()],
            candidates: contexts,
        }));
    }
    switch_session(coordinator, session, wanted.to_owned()).await?;
    Ok(Response::Answer(Answer {
        path: "switch_context".into(),
        tool: Some(CONTEXTS_TOOL.into()),
        text: if current == wanted {
            format!("Already working in context {wanted}.")
        } else {
            format!("Switched to context {wanted} (was {current}).")
        },
        structured: None,
        error: false,
        context: wanted.to_owned(),
    }))
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
        return Err(WorkflowError::Cluster(output.text));
    }
    Ok(parse_contexts(&output.text))
}

fn parse_contexts(text: &str) -> Vec<String> {
    text.lines()
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
    fn context_names_come_from_the_listing() {
        let text = "Available Kubernetes contexts (2 total, default: ctx-a):\n*ctx-a -> http://127.0.0.1:18080\n ctx-b -> http://127.0.0.1:18081\n";
        assert_eq!(parse_contexts(text), vec!["ctx-a", "ctx-b"]);
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
}
