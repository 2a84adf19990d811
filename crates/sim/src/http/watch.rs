//! Watches (`?watch=true`): a stream of `{"type": ..., "object": ...}` lines,
//! what `kubectl get -w` and `kubectl rollout status` read.
//!
//! A watch starts atomically with its starting point (see
//! [`Store::watch`](crate::store::Store::watch)), then forwards the store's
//! change notifications that match the request. Each watch runs in its own
//! task writing into a bounded channel; a client that stops reading makes
//! the channel fill and the task wait, and a client that goes away ends it.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

use super::resources::{list_options, wants_table};
use super::{ApiContext, ApiRequest, respond};
use crate::convert::present;
use crate::error::ApiError;
use crate::meta;
use crate::registry::Resource;
use crate::store::{Change, ChangeKind, ListOptions};
use crate::table::{self, IncludeObject};

/// Encoded events buffered per watch before the writer waits for the client.
pub const WATCH_EVENT_BUFFER: usize = 64;

/// How long a watch lasts when the client sets no `timeoutSeconds` (a real
/// API server ends watches after 30–60 minutes; clients re-establish them).
pub const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A response body fed by a channel of byte chunks (watch events, followed
/// log lines); it ends when the producing task drops its sender.
pub(crate) struct ChannelBody {
    /// Chunks from the producing task; closed when it ends.
    pub(crate) events: mpsc::Receiver<Bytes>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.events
            .poll_recv(context)
            .map(|event| event.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }
}

/// How each event's object is encoded.
#[derive(Debug, Clone, Copy)]
struct Encoding {
    /// The resource as served (for version conversion and Table columns).
    resource: &'static Resource,
    /// `Some` when the client asked for Tables.
    table: Option<IncludeObject>,
}

impl Encoding {
    fn event(self, change: &Change) -> Bytes {
        let kind = match change.kind {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        };
        let object = present(self.resource, change.object.clone());
        let object = match self.table {
            Some(include) => table::table(
                self.resource,
                std::slice::from_ref(&object),
                meta::resource_version(&object),
                include,
                std::time::SystemTime::now(),
            ),
            None => object,
        };
        let mut line = json!({"type": kind, "object": object}).to_string();
        line.push('\n');
        Bytes::from(line)
    }
}

/// Serves `GET ...?watch=true`.
pub fn serve(context: &ApiContext, request: &ApiRequest) -> Response {
    match start(context, request) {
        Ok(response) => response,
        Err(error) => respond(Err(error)),
    }
}

fn start(context: &ApiContext, request: &ApiRequest) -> Result<Response, ApiError> {
    let resource = request.path.resource;
    let mut options = list_options(request)?;
    if let Some(name) = &request.path.name {
        // `GET .../pods/NAME?watch=true` (the deprecated single-object form).
        options.fields =
            crate::selector::FieldSelector::parse(&format!("metadata.name={name}"), resource)?;
    }
    let since =
        match request.query.get("resourceVersion") {
            None | Some("" | "0") => None,
            Some(version) => Some(version.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!("invalid resourceVersion {version:?}"))
            })?),
        };
    let timeout = request
        .query
        .get("timeoutSeconds")
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .map_or(DEFAULT_WATCH_TIMEOUT, Duration::from_secs);
    let (initial, changes) = context.store.watch(resource.storage(), &options, since)?;
    let encoding = Encoding {
        resource,
        table: wants_table(request)
            .then(|| IncludeObject::parse(request.query.get("includeObject").unwrap_or_default())),
    };
    let (sender, events) = mpsc::channel(WATCH_EVENT_BUFFER);
    tokio::spawn(forward(
        initial, changes, sender, encoding, options, timeout,
    ));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::new(ChannelBody { events }),
    )
        .into_response())
}

async fn forward(
    initial: Vec<Change>,
    mut changes: broadcast::Receiver<Change>,
    sender: mpsc::Sender<Bytes>,
    encoding: Encoding,
    options: ListOptions,
    timeout: Duration,
) {
    let stored = encoding.resource.storage();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    for change in &initial {
        if sender.send(encoding.event(change)).await.is_err() {
            return;
        }
    }
    loop {
        let change = tokio::select! {
            change = changes.recv() => change,
            () = &mut deadline => return,
            () = sender.closed() => return,
        };
        match change {
            Ok(change) => {
                if !std::ptr::eq(change.resource, stored)
                    || !options.matches(stored, &change.object)
                {
                    continue;
                }
                if sender.send(encoding.event(&change)).await.is_err() {
                    return;
                }
            }
            // Fell too far behind: end the watch so the client re-lists.
            Err(broadcast::error::RecvError::Lagged(_))
            | Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
