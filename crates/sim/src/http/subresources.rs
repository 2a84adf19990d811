//! Subresources (`/status`, `/scale`, `/log`, `/exec`, `/proxy`) and the
//! virtual resources that are computed rather than stored (access reviews,
//! `metrics.k8s.io`).
//!
//! **Extension point.** [`serve`] matches on the subresource name and
//! [`serve_virtual`] on the virtual resource: the pod `log` and `exec`
//! handlers, the node `proxy` handler and the `metrics.k8s.io` handlers are
//! added as match arms there, each calling a function of its own module
//! (e.g. `crate::logs::serve(context, request)`). Authorization has already
//! happened when these run (`exec` is authorized as `create`, the others by
//! their HTTP method), and every handler gets the whole [`ApiRequest`]: the
//! request parts keep hyper's upgrade handle, so `exec` can build an
//! `axum::extract::ws::WebSocketUpgrade` from them.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::resources::{access_review, object_body, patch_body};
use super::{ApiContext, ApiRequest, kubelet, respond};
use crate::error::ApiError;
use crate::meta;
use crate::patch::Patch;
use crate::registry::{self, Resource};
use crate::selector::LabelSelector;

/// Serves a subresource request (already authorized).
pub async fn serve(context: &ApiContext, request: ApiRequest) -> Response {
    let resource = request.path.resource;
    let subresource = request.path.subresource.clone().unwrap_or_default();
    let listed = resource
        .subresources
        .iter()
        .any(|sub| sub.name == subresource);
    let is_pods = std::ptr::eq(resource, &registry::PODS);
    match subresource.as_str() {
        "status" if listed => respond(status(context, request).await),
        "scale" if listed => respond(scale(context, request).await),
        "log" if is_pods => kubelet::log(context, &request),
        "exec" if is_pods => kubelet::exec(context, request).await,
        "proxy" if std::ptr::eq(resource, &registry::NODES) => {
            kubelet::node_proxy(context, &request)
        }
        _ => respond(Err(ApiError::PathNotFound)),
    }
}

/// Serves a virtual (computed, never stored) resource.
pub async fn serve_virtual(context: &ApiContext, request: ApiRequest) -> Response {
    let resource = request.path.resource;
    if std::ptr::eq(resource, &registry::SELF_SUBJECT_ACCESS_REVIEWS)
        || std::ptr::eq(resource, &registry::SELF_SUBJECT_RULES_REVIEWS)
    {
        return respond(access_review(request).await);
    }
    if std::ptr::eq(resource, &registry::POD_METRICS)
        || std::ptr::eq(resource, &registry::NODE_METRICS)
    {
        return kubelet::metrics_api(context, &request);
    }
    respond(Err(ApiError::PathNotFound))
}

fn name_of(request: &ApiRequest) -> String {
    request.path.name.clone().unwrap_or_default()
}

/// `GET/PUT/PATCH .../status`: the whole object, with writes limited to `status`.
async fn status(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let name = name_of(&request);
    let namespace = request.namespace().to_owned();
    match *request.method() {
        Method::GET => Ok((
            StatusCode::OK,
            context.store.get(resource, &namespace, &name)?,
        )),
        Method::PUT => {
            let mut body = object_body(&mut request).await?;
            meta::metadata_mut(&mut body).insert("name".into(), json!(name));
            Ok((
                StatusCode::OK,
                context.store.update_status(resource, &namespace, body)?,
            ))
        }
        Method::PATCH => {
            let patch = patch_body(&mut request).await?;
            Ok((
                StatusCode::OK,
                context
                    .store
                    .patch_status(resource, &namespace, &name, &patch)?,
            ))
        }
        _ => Err(ApiError::MethodNotAllowed),
    }
}

/// The `autoscaling/v1` Scale of a workload.
pub fn scale_of(resource: &Resource, object: &Value) -> Value {
    let selector = LabelSelector::from_object(&object["spec"]["selector"])
        .map(|selector| selector.to_string())
        .unwrap_or_default();
    let metadata = &object["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"],
            "creationTimestamp": metadata["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(if resource.kind == "StatefulSet" { 1 } else { 0 })},
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector,
        },
    })
}

/// `GET/PUT/PATCH .../scale`: reads and writes `spec.replicas` of the workload.
async fn scale(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let name = name_of(&request);
    let namespace = request.namespace().to_owned();
    let current = context.store.get(resource, &namespace, &name)?;
    let current_scale = scale_of(resource, &current);
    let desired_scale = match *request.method() {
        Method::GET => return Ok((StatusCode::OK, current_scale)),
        Method::PUT => object_body(&mut request).await?,
        Method::PATCH => match patch_body(&mut request).await? {
            Patch::Apply { object, .. } => crate::patch::apply_merge(&current_scale, &object),
            other => other.apply_to(&current_scale)?,
        },
        _ => return Err(ApiError::MethodNotAllowed),
    };
    let replicas = desired_scale["spec"]["replicas"].as_i64().ok_or_else(|| {
        ApiError::invalid(
            "Scale.autoscaling",
            &name,
            "spec.replicas",
            "Required value",
        )
    })?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale.autoscaling",
            &name,
            "spec.replicas",
            &format!("Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    let sent_version = desired_scale["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    let mut patch = json!({"spec": {"replicas": replicas}});
    if !sent_version.is_empty() {
        patch["metadata"] = json!({"resourceVersion": sent_version});
    }
    let updated = context
        .store
        .patch(resource, &namespace, &name, &Patch::Merge(patch))?;
    Ok((StatusCode::OK, scale_of(resource, &updated)))
}
