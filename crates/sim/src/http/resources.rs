//! The verbs on resources: authorization, then get/list (JSON or Table),
//! create, update, patch and delete against the store; access reviews for
//! the virtual `authorization.k8s.io` resources.

use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::{ApiContext, ApiRequest, is_protobuf, respond, subresources};
use crate::auth::{self, Attributes};
use crate::convert;
use crate::error::ApiError;
use crate::patch::Patch;
use crate::proto_objects::{self, ProtoObjectError};
use crate::registry::{self, Backing, Resource};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, ListOptions, Propagation};
use crate::table::{self, IncludeObject};
use crate::{meta, protobuf};

/// The authorizer's verb for a request.
fn verb(request: &ApiRequest) -> &'static str {
    let named = request.path.name.is_some();
    if let Some(sub) = request.path.subresource.as_deref()
        && matches!(sub, "exec" | "attach" | "portforward")
    {
        return "create";
    }
    match *request.method() {
        Method::GET | Method::HEAD if request.query.flag("watch") => "watch",
        Method::GET | Method::HEAD if named => "get",
        Method::GET | Method::HEAD => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}

/// Serves a request on a resource or one of its subresources.
pub async fn serve(context: &ApiContext, request: ApiRequest) -> Response {
    let verb = verb(&request);
    let attributes = Attributes {
        verb,
        group: request.path.resource.group,
        resource: request.path.resource.plural,
        subresource: request.path.subresource.as_deref(),
        namespace: request.path.namespace.as_deref(),
        name: request.path.name.as_deref(),
    };
    if let Err(error) = auth::authorize(request.user, &attributes) {
        return respond(Err(error));
    }
    if request.path.subresource.is_some() {
        return subresources::serve(context, request).await;
    }
    let resource = request.path.resource;
    if resource.backing == Backing::Virtual {
        return subresources::serve_virtual(context, request).await;
    }
    if !resource.allows(verb) {
        return respond(Err(ApiError::MethodNotAllowed));
    }
    match verb {
        "get" => get(context, &request),
        "list" => list(context, &request),
        "watch" => super::watch::serve(context, &request),
        "create" => respond(create(context, request).await),
        "update" => respond(update(context, request).await),
        "patch" => respond(patch(context, request).await),
        "delete" => respond(delete(context, request).await),
        "deletecollection" => respond(delete_collection(context, request).await),
        _ => respond(Err(ApiError::MethodNotAllowed)),
    }
}

/// Whether the client asked for a `meta.k8s.io` Table.
pub fn wants_table(request: &ApiRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| {
            accept
                .split(',')
                .next()
                .is_some_and(|first| first.contains("as=Table"))
        })
}

fn table_or_object(
    request: &ApiRequest,
    resource: &Resource,
    items: Vec<Value>,
    resource_version: String,
    single: bool,
) -> Response {
    if wants_table(request) {
        let include = IncludeObject::parse(request.query.get("includeObject").unwrap_or_default());
        let rows: Vec<Value> = items
            .iter()
            .map(|item| convert::present(resource, item.clone()))
            .collect();
        let table = table::table(
            resource,
            &rows,
            &resource_version,
            include,
            std::time::SystemTime::now(),
        );
        return respond(Ok((StatusCode::OK, table)));
    }
    let mut items: Vec<Value> = items
        .into_iter()
        .map(|item| convert::present(resource, item))
        .collect();
    if single {
        return respond(Ok((StatusCode::OK, items.pop().unwrap_or(Value::Null))));
    }
    respond(Ok((
        StatusCode::OK,
        json!({
            "kind": resource.list_kind(),
            "apiVersion": resource.api_version(),
            "metadata": {"resourceVersion": resource_version},
            "items": items,
        }),
    )))
}

fn get(context: &ApiContext, request: &ApiRequest) -> Response {
    let resource = request.path.resource;
    let name = request.path.name.as_deref().unwrap_or_default();
    match context
        .store
        .get(resource.storage(), request.namespace(), name)
    {
        Ok(object) => {
            let version = meta::resource_version(&object).to_owned();
            table_or_object(request, resource, vec![object], version, true)
        }
        Err(ApiError::NotFound(_)) => respond(Err(ApiError::NotFound(
            crate::error::ObjectTarget::new(resource.group, resource.plural, name),
        ))),
        Err(error) => respond(Err(error)),
    }
}

/// The list options of a request's query.
pub fn list_options(request: &ApiRequest) -> Result<ListOptions, ApiError> {
    let resource = request.path.resource;
    let labels = LabelSelector::parse(request.query.get("labelSelector").unwrap_or_default())?;
    let raw_fields = request.query.get("fieldSelector").unwrap_or_default();
    let fields = match resource.backing {
        Backing::ViewOf(stored) => {
            FieldSelector::parse(&convert::events_v1_field_selector(raw_fields), stored)?
        }
        _ => FieldSelector::parse(raw_fields, resource)?,
    };
    Ok(ListOptions {
        namespace: request.path.namespace.clone(),
        labels,
        fields,
    })
}

fn list(context: &ApiContext, request: &ApiRequest) -> Response {
    let resource = request.path.resource;
    let result =
        list_options(request).and_then(|options| context.store.list(resource.storage(), &options));
    match result {
        Ok((items, version)) => {
            table_or_object(request, resource, items, version.to_string(), false)
        }
        Err(error) => respond(Err(error)),
    }
}

/// Reads a JSON (or YAML) object body.
pub async fn object_body(request: &mut ApiRequest) -> Result<Value, ApiError> {
    let content_type = request.content_type();
    let body = request.read_body().await?;
    match content_type.as_str() {
        "" | "application/json" | "*/*" => serde_json::from_slice(&body).map_err(|error| {
            ApiError::BadRequest(format!(
                "the body of the request is not valid JSON: {error}"
            ))
        }),
        "application/yaml" | "application/x-yaml" | "text/yaml" => serde_norway::from_slice(&body)
            .map_err(|error| {
                ApiError::BadRequest(format!(
                    "the body of the request is not valid YAML: {error}"
                ))
            }),
        // `kubectl create <kind>` sends built-in objects as protobuf.
        "application/vnd.kubernetes.protobuf" => {
            proto_objects::decode(&body).map_err(|error| match error {
                ProtoObjectError::UnknownKind { .. } => ApiError::UnsupportedMediaType {
                    accepted: "application/json, application/yaml".into(),
                },
                ProtoObjectError::Decode(_) => ApiError::BadRequest(error.to_string()),
            })
        }
        _ => Err(ApiError::UnsupportedMediaType {
            accepted: "application/json, application/yaml".into(),
        }),
    }
}

fn created(object: Value, resource: &Resource) -> (StatusCode, Value) {
    (StatusCode::CREATED, convert::present(resource, object))
}

async fn create(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    if request.path.name.is_some() {
        return Err(ApiError::MethodNotAllowed);
    }
    let body = convert::to_storage(resource, object_body(&mut request).await?);
    if resource.namespaced && request.path.namespace.is_none() {
        return Err(ApiError::PathNotFound);
    }
    let object = context
        .store
        .create(resource.storage(), request.namespace(), body)?;
    Ok(created(object, resource))
}

async fn update(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let name = request.path.name.clone().unwrap_or_default();
    let mut body = convert::to_storage(resource, object_body(&mut request).await?);
    match meta::name(&body) {
        "" => {
            meta::metadata_mut(&mut body).insert("name".into(), json!(name));
        }
        body_name if body_name != name => {
            return Err(ApiError::BadRequest(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        _ => {}
    }
    let object = context
        .store
        .update(resource.storage(), request.namespace(), body)?;
    Ok((StatusCode::OK, convert::present(resource, object)))
}

/// Reads a PATCH body by its content type.
pub async fn patch_body(request: &mut ApiRequest) -> Result<Patch, ApiError> {
    let content_type = request.content_type();
    let body = request.read_body().await?;
    let json = |body: &[u8]| {
        serde_json::from_slice::<Value>(body)
            .map_err(|error| ApiError::BadRequest(format!("the patch is not valid JSON: {error}")))
    };
    match content_type.as_str() {
        "application/merge-patch+json" => Ok(Patch::Merge(json(&body)?)),
        "application/strategic-merge-patch+json" => Ok(Patch::Strategic(json(&body)?)),
        "application/json-patch+json" => Ok(Patch::Json(json(&body)?)),
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
            let object: Value = serde_norway::from_slice(&body).map_err(|error| {
                ApiError::BadRequest(format!(
                    "the applied configuration is not valid YAML or JSON: {error}"
                ))
            })?;
            let field_manager = request
                .query
                .get("fieldManager")
                .unwrap_or_default()
                .to_owned();
            if field_manager.is_empty() {
                return Err(ApiError::BadRequest(
                    "PATCH, application/apply-patch+yaml requests must set the fieldManager query parameter".into(),
                ));
            }
            Ok(Patch::Apply {
                object,
                field_manager,
                force: request.query.flag("force"),
            })
        }
        _ => Err(ApiError::UnsupportedMediaType {
            accepted: Patch::ACCEPTED_MEDIA_TYPES.into(),
        }),
    }
}

async fn patch(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let name = request.path.name.clone().unwrap_or_default();
    let patch = patch_body(&mut request).await?;
    let patch = match patch {
        Patch::Apply {
            object,
            field_manager,
            force,
        } => Patch::Apply {
            object: convert::to_storage(resource, object),
            field_manager,
            force,
        },
        other => other,
    };
    let existed = context
        .store
        .get(resource.storage(), request.namespace(), &name)
        .is_ok();
    let object = context
        .store
        .patch(resource.storage(), request.namespace(), &name, &patch)?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, convert::present(resource, object)))
}

/// The DeleteOptions of a request: query parameters, then a JSON body, then a
/// protobuf body. A body that cannot be read is ignored (never 415): clients
/// send typed protobuf DeleteOptions and do not retry on errors.
pub async fn delete_options(request: &mut ApiRequest) -> Result<DeleteOptions, ApiError> {
    let mut options = DeleteOptions::default();
    if let Some(policy) = request.query.get("propagationPolicy") {
        options.propagation = Some(Propagation::parse(policy)?);
    }
    if request.query.flag("orphanDependents") {
        options.propagation = Some(Propagation::Orphan);
    }
    if let Some(grace) = request.query.get("gracePeriodSeconds") {
        options.grace_period_seconds = Some(grace.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "gracePeriodSeconds: Invalid value: \"{grace}\": must be a non-negative integer"
            ))
        })?);
    }
    let protobuf_body = is_protobuf(request.headers());
    let body = request.read_body().await.unwrap_or_default();
    if body.is_empty() {
        return Ok(options);
    }
    if protobuf_body {
        if let Ok(envelope) = protobuf::envelope(&body) {
            let policy = envelope.object.string(4);
            if !policy.is_empty() {
                options.propagation = Some(Propagation::parse(&policy)?);
            }
            if let Some(grace) = envelope.object.varint(1) {
                options.grace_period_seconds = Some(grace);
            }
            if envelope.object.varint(3) == Some(1) {
                options.propagation = Some(Propagation::Orphan);
            }
            if let Ok(preconditions) = envelope.object.message(2) {
                options.precondition_uid =
                    Some(preconditions.string(1)).filter(|uid| !uid.is_empty());
                options.precondition_resource_version =
                    Some(preconditions.string(2)).filter(|rv| !rv.is_empty());
            }
        }
        return Ok(options);
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return Ok(options);
    };
    if let Some(policy) = json["propagationPolicy"].as_str() {
        options.propagation = Some(Propagation::parse(policy)?);
    }
    if json["orphanDependents"] == true {
        options.propagation = Some(Propagation::Orphan);
    }
    if let Some(grace) = json["gracePeriodSeconds"].as_u64() {
        options.grace_period_seconds = Some(grace);
    }
    options.precondition_uid = json["preconditions"]["uid"].as_str().map(str::to_owned);
    options.precondition_resource_version = json["preconditions"]["resourceVersion"]
        .as_str()
        .map(str::to_owned);
    Ok(options)
}

async fn delete(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let name = request.path.name.clone().unwrap_or_default();
    let options = delete_options(&mut request).await?;
    let object = context
        .store
        .delete(resource.storage(), request.namespace(), &name, &options)?;
    Ok((StatusCode::OK, convert::present(resource, object)))
}

async fn delete_collection(
    context: &ApiContext,
    mut request: ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let resource = request.path.resource;
    let list = list_options(&request)?;
    let options = delete_options(&mut request).await?;
    let deleted = context
        .store
        .delete_collection(resource.storage(), &list, &options)?;
    let version = context.store.resource_version().to_string();
    Ok((
        StatusCode::OK,
        json!({
            "kind": resource.list_kind(),
            "apiVersion": resource.api_version(),
            "metadata": {"resourceVersion": version},
            "items": deleted.into_iter().map(|item| convert::present(resource, item)).collect::<Vec<_>>(),
        }),
    ))
}

/// Answers the access reviews (`POST .../selfsubjectaccessreviews` and `.../selfsubjectrulesreviews`).
pub async fn access_review(mut request: ApiRequest) -> Result<(StatusCode, Value), ApiError> {
    if *request.method() != Method::POST {
        return Err(ApiError::MethodNotAllowed);
    }
    let protobuf_body = is_protobuf(request.headers());
    let body = request.read_body().await?;
    let resource = request.path.resource;
    let review = if std::ptr::eq(resource, &registry::SELF_SUBJECT_ACCESS_REVIEWS) {
        auth::self_subject_access_review(request.user, &body, protobuf_body)?
    } else {
        auth::self_subject_rules_review(request.user, &body, protobuf_body)?
    };
    Ok((StatusCode::CREATED, review))
}
