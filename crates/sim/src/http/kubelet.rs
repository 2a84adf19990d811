//! The endpoints a real API server proxies to a node's kubelet: pod `log`,
//! pod `exec` (WebSocket, `v5.channel.k8s.io`), node `proxy` (`stats/summary`
//! and `logs?query=`), and the `metrics.k8s.io` resources that metrics-server
//! builds from the kubelets' figures.
//!
//! Each handler reads the objects from the store and answers through the
//! pure modules ([`crate::logs`], [`crate::exec`], [`crate::metrics`]).

use std::time::{Duration, SystemTime};

use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracing::Instrument;

use super::resources::list_options;
use super::{ApiContext, ApiRequest, json_response, respond};
use crate::error::{ApiError, ObjectTarget};
use crate::exec::channel::{self, ClientFrame, ExecRequest, V5_CHANNEL_PROTOCOL};
use crate::exec::{ClusterObjects, environment_for, shell};
use crate::logs::{self, LogRequest};
use crate::metrics;
use crate::registry;
use crate::store::ListOptions;

/// The most standard input an exec accepts before running its command; the
/// built-in shell reads all of it at once, so the bound keeps a client that
/// streams without end from growing memory.
pub const MAX_EXEC_STDIN_BYTES: usize = 1024 * 1024;

/// How long a command takes to start before its first output, as a
/// container runtime's exec does (tens of milliseconds for `runc exec`).
/// client-go's WebSocket executor starts reading the connection before it
/// has registered its stdout and stderr streams, and drops a frame for a
/// stream it has not registered yet ("Unknown stream id 2"): output sent
/// the instant the upgrade completes was lost now and then under load.
const EXEC_START_LATENCY: Duration = Duration::from_millis(50);

fn text_response(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

fn pod_of(context: &ApiContext, request: &ApiRequest) -> Result<Value, ApiError> {
    let name = request.path.name.clone().unwrap_or_default();
    context
        .store
        .get(&registry::PODS, request.namespace(), &name)
}

/// Chunks of a followed log buffered before the writer waits for the client.
pub const FOLLOW_BUFFER: usize = 16;

/// `GET /api/v1/namespaces/NS/pods/N/log?container=&previous=&tailLines=&timestamps=&limitBytes=&follow=`.
pub fn log(context: &ApiContext, request: &ApiRequest) -> Response {
    let log_request = LogRequest::from_query(request.query.pairs());
    let result = pod_of(context, request).and_then(|pod| {
        let now = SystemTime::now();
        let init = if logs::asks_for_init_container(&pod, &log_request) {
            with_cluster_objects(context, |objects| {
                crate::kubelet::init::outcomes(&pod, objects, now)
            })
        } else {
            Vec::new()
        };
        logs::container_log(&pod, &log_request, &init, now)
            .map(|text| (pod, text))
            .map_err(|error| ApiError::BadRequest(error.to_string()))
    });
    let (pod, text) = match result {
        Ok(found) => found,
        Err(error) => return respond(Err(error)),
    };
    let text = logs::shape(&pod, &text, &log_request);
    if !log_request.follow || log_request.previous {
        return text_response(text);
    }
    // `kubectl logs -f`: what is there now, then the stream stays open until
    // the container stops, the pod goes, or the client leaves.
    let changes = context.store.subscribe();
    let (sender, chunks) = tokio::sync::mpsc::channel(FOLLOW_BUFFER);
    let span = tracing::debug_span!("follow_log", pod = %pod["metadata"]["name"]);
    tokio::spawn(follow(pod, text, changes, sender, log_request).instrument(span));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain")],
        axum::body::Body::new(super::watch::ChannelBody { events: chunks }),
    )
        .into_response()
}

/// Feeds a followed log: the current text, the container's shutdown line
/// once its pod is being deleted, then the end of the container (its pod
/// deleted or finished, or the container no longer running) or of the
/// client ends the stream.
async fn follow(
    pod: Value,
    text: String,
    mut changes: tokio::sync::broadcast::Receiver<crate::store::Change>,
    sender: tokio::sync::mpsc::Sender<bytes::Bytes>,
    request: LogRequest,
) {
    if !text.is_empty() && sender.send(bytes::Bytes::from(text)).await.is_err() {
        return;
    }
    let uid = pod["metadata"]["uid"].clone();
    if !logs::container_is_running(&pod, &request) {
        return;
    }
    let mut stopping = pod["metadata"]["deletionTimestamp"].is_string();
    loop {
        let change = tokio::select! {
            change = changes.recv() => change,
            () = sender.closed() => return,
        };
        match change {
            Ok(change) => {
                if !std::ptr::eq(change.resource, &registry::PODS)
                    || change.object["metadata"]["uid"] != uid
                {
                    continue;
                }
                if !stopping && change.object["metadata"]["deletionTimestamp"].is_string() {
                    stopping = true;
                    let line = logs::shutdown_log(&change.object, &request, SystemTime::now());
                    if sender.send(bytes::Bytes::from(line)).await.is_err() {
                        return;
                    }
                }
                if change.kind == crate::store::ChangeKind::Deleted
                    || !logs::container_is_running(&change.object, &request)
                {
                    return;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The container an exec targets: the one asked for, else the pod's
/// default-container annotation, else its first.
fn exec_container(pod: &Value, asked: Option<&str>) -> Result<String, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let names: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|container| container["name"].as_str())
        .collect();
    let default = pod
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
        .and_then(Value::as_str)
        .filter(|name| names.contains(name));
    let chosen = asked
        .or(default)
        .or(names.first().copied())
        .unwrap_or_default();
    if !names.contains(&chosen) {
        return Err(ApiError::BadRequest(format!(
            "container {chosen} is not valid for pod {pod_name}"
        )));
    }
    let phase = pod["status"]["phase"].as_str().unwrap_or_default();
    if matches!(phase, "Succeeded" | "Failed") {
        return Err(ApiError::BadRequest(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        )));
    }
    let running = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|status| status["name"] == chosen && status.pointer("/state/running").is_some());
    if !running {
        return Err(ApiError::BadRequest(format!(
            "unable to upgrade connection: container not found (\"{chosen}\")"
        )));
    }
    Ok(chosen.to_string())
}

fn all(context: &ApiContext, resource: &'static registry::Resource) -> Vec<Value> {
    context
        .store
        .list(resource, &ListOptions::default())
        .map(|(items, _)| items)
        .unwrap_or_default()
}

/// Runs `run` over what a container's commands can see of the cluster now
/// (Services and their pods, ConfigMaps, Secrets): an exec session's
/// environment and an init container's outcome are computed from the same.
fn with_cluster_objects<T>(context: &ApiContext, run: impl FnOnce(&ClusterObjects<'_>) -> T) -> T {
    let services = all(context, &registry::SERVICES);
    let pods = all(context, &registry::PODS);
    let config_maps = all(context, &registry::CONFIGMAPS);
    let secrets = all(context, &registry::SECRETS);
    let network_policies = all(context, &registry::NETWORK_POLICIES);
    let namespaces = all(context, &registry::NAMESPACES);
    run(&ClusterObjects {
        services: &services,
        pods: &pods,
        config_maps: &config_maps,
        secrets: &secrets,
        network_policies: &network_policies,
        namespaces: &namespaces,
    })
}

/// `GET .../pods/N/exec?command=...` with a WebSocket upgrade. Refusals are a
/// plain (non-101) Status, which both clients print.
pub async fn exec(context: &ApiContext, request: ApiRequest) -> Response {
    let ApiRequest {
        mut parts,
        query,
        path,
        ..
    } = request;
    let exec_request = ExecRequest::from_query(query.pairs());
    let name = path.name.clone().unwrap_or_default();
    let namespace = path
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let prepared = context
        .store
        .get(&registry::PODS, &namespace, &name)
        .and_then(|pod| {
            let container = exec_container(&pod, exec_request.container.as_deref())?;
            if exec_request.command.is_empty() {
                return Err(ApiError::BadRequest(
                    "you must specify at least one command for the container".to_string(),
                ));
            }
            Ok((pod, container))
        });
    let (pod, container) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return respond(Err(error)),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(_) => {
            return respond(Err(ApiError::BadRequest(format!(
                "the simulated cluster serves exec over WebSocket ({V5_CHANNEL_PROTOCOL}) only"
            ))));
        }
    };
    let environment = with_cluster_objects(context, |objects| {
        environment_for(&pod, &container, objects, SystemTime::now())
    });
    let span = tracing::info_span!("exec", pod = %name, %namespace, %container, command = ?exec_request.command);
    upgrade
        .protocols([V5_CHANNEL_PROTOCOL])
        .on_upgrade(move |socket| run_session(socket, exec_request, environment).instrument(span))
}

/// One exec session: gather stdin (when asked for), run the command, send
/// its output and status, close with 1000.
async fn run_session(
    mut socket: WebSocket,
    request: ExecRequest,
    environment: shell::ExecEnvironment,
) {
    let mut stdin = Vec::new();
    if request.stdin {
        while let Some(Ok(message)) = socket.recv().await {
            match message {
                Message::Binary(payload) => match channel::parse_client_frame(&payload) {
                    Ok(ClientFrame::Stdin(data)) => {
                        if stdin.len() + data.len() > MAX_EXEC_STDIN_BYTES {
                            let refusal = channel::error_status_frame(
                                "standard input is larger than the simulated shell accepts",
                            );
                            let _ = socket.send(Message::Binary(refusal.into())).await;
                            let _ = close(&mut socket).await;
                            return;
                        }
                        stdin.extend(data);
                    }
                    Ok(ClientFrame::CloseStdin) => break,
                    Ok(ClientFrame::Resize | ClientFrame::Other(_)) | Err(_) => {}
                },
                Message::Close(_) => return,
                _ => {}
            }
        }
    }
    let outcome = shell::run(&request.command, &stdin, &environment);
    tokio::time::sleep(EXEC_START_LATENCY).await;
    let mut frames = Vec::new();
    if request.stdout && !outcome.stdout.is_empty() {
        frames.push(channel::frame(channel::channels::STDOUT, &outcome.stdout));
    }
    if request.stderr && !outcome.stderr.is_empty() {
        frames.push(channel::frame(channel::channels::STDERR, &outcome.stderr));
    }
    frames.push(channel::exit_status_frame(
        &request.command,
        outcome.exit_code,
    ));
    for frame in frames {
        if socket.send(Message::Binary(frame.into())).await.is_err() {
            return;
        }
    }
    if let Err(error) = close(&mut socket).await {
        tracing::debug!(%error, "exec client went away before the close frame");
    }
}

async fn close(socket: &mut WebSocket) -> Result<(), axum::Error> {
    socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::NORMAL,
            reason: "".into(),
        })))
        .await
}

/// `GET /api/v1/nodes/N/proxy/{stats/summary | logs?query=&tailLines=}`.
pub fn node_proxy(context: &ApiContext, request: &ApiRequest) -> Response {
    let name = request.path.name.clone().unwrap_or_default();
    let node = match context.store.get(&registry::NODES, "", &name) {
        Ok(node) => node,
        Err(error) => return respond(Err(error)),
    };
    let now = SystemTime::now();
    match request.path.rest.trim_matches('/') {
        "stats/summary" => {
            let pods = pods_on_node(context, &name);
            json_response(StatusCode::OK, &metrics::stats_summary(&node, &pods, now))
        }
        "logs" => {
            let query = request.query.get("query").unwrap_or("kubelet");
            let tail = request
                .query
                .get("tailLines")
                .and_then(|lines| lines.parse().ok());
            match logs::node_log(&node, query, tail, now) {
                Ok(text) => text_response(text),
                Err(error) => respond(Err(ApiError::BadRequest(error.to_string()))),
            }
        }
        _ => respond(Err(ApiError::PathNotFound)),
    }
}

fn pods_on_node(context: &ApiContext, node: &str) -> Vec<Value> {
    all(context, &registry::PODS)
        .into_iter()
        .filter(|pod| pod["spec"]["nodeName"] == node)
        .collect()
}

/// `GET /apis/metrics.k8s.io/v1beta1/[namespaces/NS/]pods[/N]` and `.../nodes[/N]`.
pub fn metrics_api(context: &ApiContext, request: &ApiRequest) -> Response {
    respond(metrics_result(context, request))
}

fn metrics_result(
    context: &ApiContext,
    request: &ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let now = SystemTime::now();
    let mut options = list_options(request)?;
    let pod_metrics = std::ptr::eq(resource, &registry::POD_METRICS);
    let stored = if pod_metrics {
        &registry::PODS
    } else {
        &registry::NODES
    };
    options.fields = Default::default();
    let (objects, _) = context.store.list(stored, &options)?;
    let items: Vec<Value> = if pod_metrics {
        objects
            .iter()
            .filter_map(|pod| metrics::pod_metrics(pod, now))
            .collect()
    } else {
        let pods = all(context, &registry::PODS);
        objects
            .iter()
            .map(|node| {
                let node_name = node["metadata"]["name"].as_str().unwrap_or_default();
                let on_node: Vec<Value> = pods
                    .iter()
                    .filter(|pod| pod["spec"]["nodeName"] == node_name)
                    .cloned()
                    .collect();
                metrics::node_metrics(node, &on_node, now)
            })
            .collect()
    };
    if let Some(name) = &request.path.name {
        return items
            .into_iter()
            .find(|item| item["metadata"]["name"] == name.as_str())
            .map(|item| (StatusCode::OK, item))
            .ok_or_else(|| {
                ApiError::NotFound(ObjectTarget::new(
                    "metrics.k8s.io",
                    if pod_metrics {
                        "podmetrics"
                    } else {
                        "nodemetrics"
                    },
                    name,
                ))
            });
    }
    Ok((
        StatusCode::OK,
        json!({
            "kind": format!("{}List", resource.kind),
            "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {},
            "items": items,
        }),
    ))
}
