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
        "eviction" if is_pods => respond(evict(context, request).await),
        "token" if listed => respond(token(context, request).await),
        "log" if is_pods => kubelet::log(context, &request),
        "exec" if is_pods => kubelet::exec(context, request).await,
        "proxy" if std::ptr::eq(resource, &registry::NODES) => {
            kubelet::node_proxy(context, &request)
        }
        _ => respond(Err(ApiError::PathNotFound)),
    }
}

/// The namespace and name a `POST` to a create-only subresource
/// (`eviction`, `token`) is about. Their bodies are read and set aside:
/// they only repeat the name or ask for what the simulator does anyway.
async fn posted_to(request: &mut ApiRequest) -> Result<(String, String), ApiError> {
    if *request.method() != Method::POST {
        return Err(ApiError::MethodNotAllowed);
    }
    request.read_body().await?;
    Ok((request.namespace().to_owned(), name_of(request)))
}

/// `POST pods/NAME/eviction`: a graceful delete, unless a
/// PodDisruptionBudget selecting the pod allows no disruption now (429, and
/// `kubectl drain` retries). An allowed eviction uses one of the budget's
/// disruptions at once, so two quick evictions cannot both pass.
async fn evict(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    // The body (an Eviction, often protobuf) only repeats the pod's name.
    let (namespace, name) = posted_to(&mut request).await?;
    let store = &context.store;
    let pod = store.get(&registry::PODS, &namespace, &name)?;
    let finished = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    let (budgets, _) = store.list(
        &registry::POD_DISRUPTION_BUDGETS,
        &crate::store::ListOptions::in_namespace(&namespace),
    )?;
    let covering: Vec<&Value> = budgets
        .iter()
        .filter(|budget| {
            budget
                .pointer("/spec/selector")
                .filter(|selector| selector.is_object())
                .and_then(|selector| LabelSelector::from_object(selector).ok())
                .is_some_and(|selector| selector.matches_object(&pod))
        })
        .collect();
    if let [budget] = covering.as_slice()
        && !finished
    {
        let allowed = budget
            .pointer("/status/disruptionsAllowed")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if allowed == 0 {
            return Err(ApiError::DisruptionBudget {
                cause: format!(
                    "The disruption budget {} needs {} healthy pods and has {} currently",
                    meta::name(budget),
                    budget
                        .pointer("/status/desiredHealthy")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    budget
                        .pointer("/status/currentHealthy")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                ),
            });
        }
        let mut used = (*budget).clone();
        used["status"]["disruptionsAllowed"] = json!(allowed - 1);
        store.update_status(&registry::POD_DISRUPTION_BUDGETS, &namespace, used)?;
    } else if covering.len() > 1 && !finished {
        // The real eviction subresource refuses such a pod outright (500),
        // whatever the budgets allow, and `kubectl drain` reports it.
        return Err(ApiError::Internal(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into(),
        ));
    }
    store.delete(
        &registry::PODS,
        &namespace,
        &name,
        &crate::store::DeleteOptions::default(),
    )?;
    Ok((
        StatusCode::CREATED,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// How long a requested service account token lives when the request does
/// not say (the API server's default for `kubectl create token`).
const DEFAULT_TOKEN_SECONDS: u64 = 3600;

/// `POST serviceaccounts/NAME/token` (`kubectl create token`): a
/// TokenRequest answered with a bound token for the service account. The
/// token is JWT-shaped and names the account; nothing verifies it, since the
/// simulated cluster knows its users by their kubeconfig tokens alone.
async fn token(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    use base64::Engine;
    // The body (protobuf from kubectl) asks for audiences and a lifetime;
    // the defaults are what kubectl asks for unless told otherwise.
    let (namespace, name) = posted_to(&mut request).await?;
    let account = context
        .store
        .get(&registry::SERVICE_ACCOUNTS, &namespace, &name)?;
    let now = std::time::SystemTime::now();
    let expires = now + std::time::Duration::from_secs(DEFAULT_TOKEN_SECONDS);
    let encode =
        |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let subject = format!("system:serviceaccount:{namespace}:{name}");
    let claims = json!({
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": crate::clock::unix_seconds(expires),
        "iat": crate::clock::unix_seconds(now),
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": account["metadata"]["uid"]}},
        "sub": subject,
    });
    let signature = crate::fingerprint::hex_digest(&[&subject, &claims.to_string()], 43);
    let token = format!(
        "{}.{}.{signature}",
        encode(&json!({"alg": "RS256", "kid": "sim"})),
        encode(&claims)
    );
    Ok((
        StatusCode::CREATED,
        json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": crate::clock::rfc3339(now)},
            "spec": {"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": DEFAULT_TOKEN_SECONDS, "boundObjectRef": null},
            "status": {"token": token, "expirationTimestamp": crate::clock::rfc3339(expires)},
        }),
    ))
}

/// Serves a virtual (computed, never stored) resource.
pub async fn serve_virtual(context: &ApiContext, request: ApiRequest) -> Response {
    let resource = request.path.resource;
    if std::ptr::eq(resource, &registry::SELF_SUBJECT_ACCESS_REVIEWS)
        || std::ptr::eq(resource, &registry::SELF_SUBJECT_RULES_REVIEWS)
    {
        return respond(access_review(request).await);
    }
    if std::ptr::eq(resource, &registry::SELF_SUBJECT_REVIEWS) {
        if *request.method() != Method::POST {
            return respond(Err(ApiError::MethodNotAllowed));
        }
        return respond(Ok((
            StatusCode::CREATED,
            crate::auth::self_subject_review(request.user),
        )));
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
