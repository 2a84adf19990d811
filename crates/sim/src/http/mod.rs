//! The HTTP(S) API server: connection handling, authentication, routing and
//! content negotiation. Objects live in the [`Store`]; this module only
//! translates between HTTP and the store.
//!
//! Layout:
//! - [`route`]: path → discovery document or resource path.
//! - [`discovery`]: the discovery documents.
//! - [`openapi`]: the minimal OpenAPI v3 documents kubectl's validation needs.
//! - [`resources`]: the verbs on resources (get, list, create, update, patch, delete).
//! - [`watch`]: `?watch=true` streams of change events.
//! - [`subresources`]: `status`, `scale`, and **the place where handlers for
//!   `log`, `exec`, `proxy` and the `metrics.k8s.io` group are added**.

pub mod discovery;
pub mod kubelet;
pub mod openapi;
pub mod resources;
pub mod route;
pub mod subresources;
pub mod watch;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tracing::Instrument;

use crate::auth::{self, Tokens, Transport, User};
use crate::error::ApiError;
use crate::store::Store;
use route::{ResourcePath, Route};

/// Largest request body accepted: a real API server's limit for one object
/// (3 MiB) — larger bodies could never be stored anyway.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Connections served at once; further clients wait in the kernel's accept
/// backlog, so a flood of connections cannot exhaust memory or tasks.
pub const MAX_CONNECTIONS: usize = 512;

/// The server version reported at `/version` (what `kubectl version` prints).
pub const SERVER_GIT_VERSION: &str = "v1.32.5-sim";

/// Shared by every request of one cluster.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// The cluster's objects.
    pub store: Store,
    /// The users' bearer tokens.
    pub tokens: Arc<Tokens>,
    /// The address clients reach the server at (for `/api`'s `serverAddressByClientCIDRs`).
    pub address: SocketAddr,
}

/// A parsed query string; keys may repeat (`command=echo&command=hi`).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self {
            pairs: raw
                .map(|raw| {
                    form_urlencoded::parse(raw.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every `(key, value)` pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// Whether `key` is `true` or `1`.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

/// One request on a resource, as handlers receive it.
#[derive(Debug)]
pub struct ApiRequest {
    /// Method, URI, headers and extensions (including the WebSocket upgrade handle).
    pub parts: axum::http::request::Parts,
    /// The unread body.
    pub body: Body,
    /// The parsed query string.
    pub query: Query,
    /// The authenticated user.
    pub user: User,
    /// What the path addresses.
    pub path: ResourcePath,
}

impl ApiRequest {
    /// The method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The `Content-Type` without parameters, lower case.
    pub fn content_type(&self) -> String {
        content_type(&self.parts.headers)
    }

    /// Reads the whole body (at most [`MAX_BODY_BYTES`]).
    pub async fn read_body(&mut self) -> Result<Bytes, ApiError> {
        let body = std::mem::take(&mut self.body);
        axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|error| {
                ApiError::BadRequest(format!("unable to read the request body: {error}"))
            })
    }

    /// The namespace of the path, or `""`.
    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or_default()
    }
}

/// The media type of a `Content-Type` header, lower case, without parameters.
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a body is a Kubernetes protobuf body.
pub fn is_protobuf(headers: &HeaderMap) -> bool {
    content_type(headers) == "application/vnd.kubernetes.protobuf"
}

/// A JSON response with `Content-Type: application/json` and a length.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The `Status` response of an error.
pub fn error_response(error: &ApiError) -> Response {
    let status = StatusCode::from_u16(error.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &error.to_status())
}

/// Turns a handler result into a response.
pub fn respond(result: Result<(StatusCode, Value), ApiError>) -> Response {
    match result {
        Ok((status, body)) => json_response(status, &body),
        Err(error) => error_response(&error),
    }
}

/// The router of one cluster: every path goes through [`handle`].
pub fn router(context: ApiContext) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(context)
}

async fn handle(State(context): State<ApiContext>, request: Request) -> Response {
    let span = tracing::info_span!(
        "api_request",
        method = %request.method(),
        path = %request.uri().path(),
    );
    async move {
        let response = dispatch(&context, request).await;
        tracing::debug!(status = response.status().as_u16(), "answered");
        response
    }
    .instrument(span)
    .await
}

async fn dispatch(context: &ApiContext, request: Request) -> Response {
    let transport = request
        .extensions()
        .get::<Transport>()
        .copied()
        .unwrap_or(Transport::PlainHttp);
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let user = match auth::authenticate(transport, authorization, &context.tokens) {
        Ok(user) => user,
        Err(error) => return error_response(&error),
    };
    let catalog = context.store.catalog();
    let route = match route::parse(request.uri().path(), &catalog) {
        Ok(route) => route,
        Err(error) => return error_response(&error),
    };
    match route {
        Route::Discovery(document) => {
            if request.method() != Method::GET {
                return error_response(&ApiError::MethodNotAllowed);
            }
            json_response(
                StatusCode::OK,
                &discovery::document(&document, &context.address.to_string(), &catalog),
            )
        }
        Route::Version => json_response(
            StatusCode::OK,
            &json!({
                "major": "1",
                "minor": "32",
                "gitVersion": SERVER_GIT_VERSION,
                "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": "go1.23.0",
                "compiler": "gc",
                "platform": "linux/amd64",
            }),
        ),
        Route::OpenApiIndex => json_response(StatusCode::OK, &openapi::index(&catalog)),
        Route::OpenApi(group, version) => match openapi::document(
            &group,
            &version,
            &catalog,
            &context
                .store
                .list(
                    &crate::registry::CUSTOM_RESOURCE_DEFINITIONS,
                    &crate::store::ListOptions::default(),
                )
                .map(|(definitions, _)| definitions)
                .unwrap_or_default(),
        ) {
            Some(document) => json_response(StatusCode::OK, &document),
            None => error_response(&ApiError::PathNotFound),
        },
        Route::Health => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response()
        }
        Route::Resource(path) => {
            let query = Query::parse(request.uri().query());
            let (parts, body) = request.into_parts();
            let api_request = ApiRequest {
                parts,
                body,
                query,
                user,
                path,
            };
            resources::serve(context, api_request).await
        }
    }
}

/// Serves the router on `listener` until `shutdown` fires (or its sender is
/// dropped). With `tls`, every connection is HTTPS and requests carry
/// [`Transport::Tls`]; otherwise plain HTTP.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: tokio::sync::watch::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            _ = shutdown.changed() => return,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                continue;
            }
        };
        let router = router.clone();
        let tls = tls.clone();
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(
            async move {
                let _permit = permit;
                let transport = if tls.is_some() { Transport::Tls } else { Transport::PlainHttp };
                let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(transport);
                    let router = router.clone();
                    async move { Ok::<_, Infallible>(router.oneshot(request).await.into_response()) }
                });
                let served = async {
                    match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(stream) => serve_connection(TokioIo::new(stream), service).await,
                            Err(error) => tracing::debug!(%error, "TLS handshake failed"),
                        },
                        None => serve_connection(TokioIo::new(stream), service).await,
                    }
                };
                tokio::select! {
                    () = served => {}
                    _ = connection_shutdown.changed() => {}
                }
            }
            .instrument(tracing::debug_span!("connection", %peer)),
        );
    }
}

async fn serve_connection<I, S>(io: TokioIo<I>, service: S)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = Response,
            Error = Infallible,
        >,
    S::Future: Send + 'static,
{
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .with_upgrades();
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}
