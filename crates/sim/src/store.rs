//! The object store: every object of the simulated cluster, its versions, its
//! garbage collection, and the change notifications controllers react to.
//!
//! One mutex guards the whole state. Every operation is short and never awaits
//! while holding it, so a plain `std::sync::Mutex` is the simplest correct
//! choice; notifications are sent while the lock is held, so subscribers see
//! changes in `resourceVersion` order.
//!
//! Controllers use this Rust API directly (never HTTP): [`Store::get`],
//! [`Store::list`], [`Store::create`], [`Store::update`],
//! [`Store::update_status`], [`Store::patch`], [`Store::delete`], and
//! [`Store::subscribe`] for changes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::error::{ApiError, ObjectTarget};
use crate::patch::Patch;
use crate::registry::{self, Backing, Catalog, Resource};
use crate::selector::{FieldSelector, LabelSelector};
use crate::{admission, meta};

/// Go's zero `metav1.Time` as RFC 3339: a timestamp the client left unset.
const ZERO_TIME: &str = "1970-01-01T00:00:00Z";

/// Capacity of the change-notification channel. A subscriber that falls more
/// than this many changes behind gets `RecvError::Lagged` and must resync by
/// listing; the bound keeps a stalled subscriber from growing memory.
pub const CHANGE_CHANNEL_CAPACITY: usize = 4096;

/// How many recent changes the store keeps for watches that resume from a
/// `resourceVersion`; older versions get 410 Expired and the client re-lists.
pub const WATCH_HISTORY_CAPACITY: usize = 1024;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Created.
    Added,
    /// Updated (spec, status or metadata).
    Modified,
    /// Removed from the store.
    Deleted,
}

/// One change notification.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The resource of the object.
    pub resource: &'static Resource,
    /// The object after the change (for `Deleted`, its last state).
    pub object: Value,
}

/// Which objects a list returns.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Only this namespace; `None` lists all namespaces.
    pub namespace: Option<String>,
    /// Label selector (empty matches all).
    pub labels: LabelSelector,
    /// Field selector (empty matches all).
    pub fields: FieldSelector,
}

impl ListOptions {
    /// Whether an object of `resource` is one this list returns.
    pub fn matches(&self, resource: &Resource, object: &Value) -> bool {
        let in_namespace = !resource.namespaced
            || self
                .namespace
                .as_deref()
                .is_none_or(|wanted| wanted == meta::namespace(object));
        in_namespace && self.labels.matches_object(object) && self.fields.matches(object)
    }

    /// Every object in one namespace.
    pub fn in_namespace(namespace: &str) -> Self {
        Self {
            namespace: Some(namespace.to_owned()),
            ..Self::default()
        }
    }
}

/// How deletion treats the objects an object owns (`propagationPolicy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Delete the owner now, then its dependents (the API's default).
    #[default]
    Background,
    /// Delete the dependents first, then the owner.
    Foreground,
    /// Keep the dependents and drop their owner reference.
    Orphan,
}

impl Propagation {
    /// Parses `propagationPolicy`.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "Background" => Ok(Self::Background),
            "Foreground" => Ok(Self::Foreground),
            "Orphan" => Ok(Self::Orphan),
            other => Err(ApiError::BadRequest(format!(
                "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ))),
        }
    }
}

/// Options of a delete (`DeleteOptions`).
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `propagationPolicy`; `None` is the default (background).
    pub propagation: Option<Propagation>,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_resource_version: Option<String>,
    /// `gracePeriodSeconds`: how long a running pod gets to stop; `None`
    /// takes the pod's `terminationGracePeriodSeconds`, `Some(0)` removes it
    /// at once (`kubectl delete --grace-period=0 --force`).
    pub grace_period_seconds: Option<u64>,
}

/// A pod's grace period when neither the delete nor the pod names one.
pub const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: u64 = 30;

/// How long a graceful deletion of a pod should wait, or None when the pod
/// goes at once: an unscheduled or finished pod has no container to stop,
/// as the real API server decides.
fn graceful_period(resource: &Resource, pod: &Value, options: &DeleteOptions) -> Option<u64> {
    if !(resource.group.is_empty() && resource.kind == "Pod") {
        return None;
    }
    let scheduled = pod["spec"]["nodeName"]
        .as_str()
        .is_some_and(|node| !node.is_empty());
    let finished = matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    );
    if !scheduled || finished {
        return None;
    }
    let grace = options.grace_period_seconds.unwrap_or_else(|| {
        pod["spec"]["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap_or(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    });
    (grace > 0).then_some(grace)
}

/// Objects of one resource, by `(namespace, name)` (sorted, as lists are).
type Objects = BTreeMap<(String, String), Value>;

#[derive(Debug, Default)]
struct State {
    /// Objects by resource, keyed by `(group, plural)`.
    objects: HashMap<(&'static str, &'static str), Objects>,
    /// The one global `resourceVersion` counter.
    resource_version: u64,
    /// The next Service cluster IP to hand out (offset in 10.96.0.0/16).
    next_cluster_ip: u32,
    /// The latest changes (at most [`WATCH_HISTORY_CAPACITY`]), so a watch can
    /// resume from the `resourceVersion` of an earlier list without a gap.
    history: VecDeque<Change>,
    /// Whether changes have been dropped from the front of `history`.
    history_truncated: bool,
    /// The resources served: the built-in ones and those of the stored
    /// CustomResourceDefinitions (recomputed whenever a definition changes).
    catalog: Catalog,
}

impl State {
    fn objects(&self, resource: &'static Resource) -> Option<&Objects> {
        self.objects.get(&(resource.group, resource.plural))
    }

    fn objects_mut(&mut self, resource: &'static Resource) -> &mut Objects {
        self.objects
            .entry((resource.group, resource.plural))
            .or_default()
    }

    fn next_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changes: broadcast::Sender<Change>,
}

/// A handle on the store; clones share the same objects.
#[derive(Debug, Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn not_found(resource: &Resource, name: &str) -> ApiError {
    ApiError::NotFound(ObjectTarget::new(resource.group, resource.plural, name))
}

fn namespace_not_found(namespace: &str) -> ApiError {
    not_found(&registry::NAMESPACES, namespace)
}

fn stored(resource: &'static Resource) -> Result<&'static Resource, ApiError> {
    match resource.backing {
        Backing::Stored => Ok(resource),
        Backing::ViewOf(_) | Backing::Virtual => Err(ApiError::MethodNotAllowed),
    }
}

/// `(namespace, name)` key; cluster-scoped resources ignore the namespace.
fn key(resource: &Resource, namespace: &str, name: &str) -> (String, String) {
    let namespace = if resource.namespaced { namespace } else { "" };
    (namespace.to_owned(), name.to_owned())
}

/// Everything of an object except metadata and status: what bumps `generation`.
fn desired_state(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let (changes, _) = broadcast::channel(CHANGE_CHANNEL_CAPACITY);
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changes,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written object
        // (every write is a single insert), so a poisoned lock is still usable.
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn notify(
        &self,
        state: &mut State,
        kind: ChangeKind,
        resource: &'static Resource,
        object: &Value,
    ) {
        if std::ptr::eq(resource, &registry::CUSTOM_RESOURCE_DEFINITIONS) {
            let definitions = state
                .objects(&registry::CUSTOM_RESOURCE_DEFINITIONS)
                .into_iter()
                .flat_map(|objects| objects.values());
            state.catalog = Catalog::with_custom(crate::custom::served_by(definitions));
        }
        let change = Change {
            kind,
            resource,
            object: object.clone(),
        };
        if state.history.len() == WATCH_HISTORY_CAPACITY {
            state.history.pop_front();
            state.history_truncated = true;
        }
        state.history.push_back(change.clone());
        // No subscriber is not an error: changes are only interesting to whoever listens.
        let _ = self.shared.changes.send(change);
    }

    /// Starts a watch of `resource` atomically with its starting point: with
    /// `since`, the recorded changes after that `resourceVersion`; without,
    /// every current object matching `options` as `Added`. Later changes
    /// arrive on the receiver (all resources: the caller filters).
    pub fn watch(
        &self,
        resource: &'static Resource,
        options: &ListOptions,
        since: Option<u64>,
    ) -> Result<(Vec<Change>, broadcast::Receiver<Change>), ApiError> {
        let resource = stored(resource)?;
        let state = self.lock();
        let receiver = self.shared.changes.subscribe();
        let initial = match since {
            None => state
                .objects(resource)
                .into_iter()
                .flat_map(|objects| objects.values())
                .filter(|object| options.matches(resource, object))
                .map(|object| Change {
                    kind: ChangeKind::Added,
                    resource,
                    object: object.clone(),
                })
                .collect(),
            Some(version) => {
                let oldest = state
                    .history
                    .front()
                    .and_then(|change| meta::resource_version(&change.object).parse::<u64>().ok());
                if state.history_truncated && oldest.is_some_and(|oldest| version + 1 < oldest) {
                    return Err(ApiError::Expired(format!(
                        "too old resource version: {version} ({})",
                        oldest.unwrap_or_default().saturating_sub(1)
                    )));
                }
                state
                    .history
                    .iter()
                    .filter(|change| std::ptr::eq(change.resource, resource))
                    .filter(|change| {
                        meta::resource_version(&change.object)
                            .parse::<u64>()
                            .is_ok_and(|changed| changed > version)
                    })
                    .filter(|change| options.matches(resource, &change.object))
                    .cloned()
                    .collect()
            }
        };
        Ok((initial, receiver))
    }

    /// Subscribes to every change from now on (bounded by [`CHANGE_CHANNEL_CAPACITY`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.shared.changes.subscribe()
    }

    /// The resources this cluster serves now (built-in and custom).
    pub fn catalog(&self) -> Catalog {
        self.lock().catalog.clone()
    }

    /// The current global `resourceVersion`.
    pub fn resource_version(&self) -> u64 {
        self.lock().resource_version
    }

    /// One object; 404 when missing.
    pub fn get(
        &self,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        self.lock()
            .objects(resource)
            .and_then(|objects| objects.get(&key(resource, namespace, name)))
            .cloned()
            .ok_or_else(|| not_found(resource, name))
    }

    /// The matching objects, sorted by namespace then name, and the list's `resourceVersion`.
    pub fn list(
        &self,
        resource: &'static Resource,
        options: &ListOptions,
    ) -> Result<(Vec<Value>, u64), ApiError> {
        let resource = stored(resource)?;
        let state = self.lock();
        let items = state
            .objects(resource)
            .map(|objects| {
                objects
                    .iter()
                    .filter(|((namespace, _), _)| {
                        options
                            .namespace
                            .as_deref()
                            .is_none_or(|wanted| !resource.namespaced || wanted == namespace)
                    })
                    .map(|(_, object)| object)
                    .filter(|object| {
                        options.labels.matches_object(object) && options.fields.matches(object)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok((items, state.resource_version))
    }

    /// Creates an object of a manifest, finding its resource by `apiVersion` and `kind`.
    pub fn create_manifest(&self, object: Value) -> Result<Value, ApiError> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let resource = self.catalog().by_kind(api_version, kind).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "no matches for kind \"{kind}\" in version \"{api_version}\""
            ))
        })?;
        let namespace = if resource.namespaced {
            match meta::namespace(&object) {
                "" => "default",
                namespace => namespace,
            }
            .to_owned()
        } else {
            String::new()
        };
        let object = crate::convert::to_storage(resource, object);
        self.create(resource.storage(), &namespace, object)
    }

    /// Creates an object in `namespace` (ignored for cluster-scoped resources).
    /// Fills `uid`, `resourceVersion`, `generation` and `creationTimestamp`
    /// (a `creationTimestamp` already set is kept, so scenarios can describe old objects).
    pub fn create(
        &self,
        resource: &'static Resource,
        namespace: &str,
        mut object: Value,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        prepare_identity(resource, namespace, &mut object)?;
        {
            let metadata = meta::metadata_mut(&mut object);
            let has_name = metadata
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| !name.is_empty());
            if !has_name && let Some(prefix) = metadata.get("generateName").and_then(Value::as_str)
            {
                let generated = format!("{prefix}{}", meta::random_suffix(5));
                metadata.insert("name".into(), json!(generated));
            }
        }
        admission::apply_defaults(resource, &mut object);
        let mut state = self.lock();
        apply_schema_defaults(&state, resource, &mut object);
        if std::ptr::eq(resource, &registry::PODS) {
            let limit_ranges: Vec<&Value> = state
                .objects(&registry::LIMIT_RANGES)
                .into_iter()
                .flat_map(|objects| objects.values())
                .filter(|range| meta::namespace(range) == namespace)
                .collect();
            let priority_classes: Vec<&Value> = state
                .objects(&registry::PRIORITY_CLASSES)
                .into_iter()
                .flat_map(|objects| objects.values())
                .collect();
            let service_accounts: Vec<&Value> = state
                .objects(&registry::SERVICE_ACCOUNTS)
                .into_iter()
                .flat_map(|objects| objects.values())
                .filter(|account| meta::namespace(account) == namespace)
                .collect();
            admission::admit_service_account(&object, namespace, &service_accounts)?;
            admission::admit_pod(&mut object, &limit_ranges, &priority_classes)?;
        }
        admission::validate(resource, &object)?;
        if std::ptr::eq(resource, &registry::PODS) {
            // The quota plugin validates last, against the pods that hold
            // quota now (a finished pod frees its share).
            let in_namespace = |object: &&Value| meta::namespace(object) == namespace;
            let quotas: Vec<&Value> = state
                .objects(&registry::RESOURCE_QUOTAS)
                .into_iter()
                .flat_map(|objects| objects.values())
                .filter(in_namespace)
                .filter(|quota| quota["metadata"]["deletionTimestamp"].is_null())
                .collect();
            if !quotas.is_empty() {
                let holding: Vec<&Value> = state
                    .objects(&registry::PODS)
                    .into_iter()
                    .flat_map(|objects| objects.values())
                    .filter(in_namespace)
                    .filter(|pod| {
                        !matches!(
                            pod.pointer("/status/phase").and_then(Value::as_str),
                            Some("Succeeded" | "Failed")
                        )
                    })
                    .collect();
                admission::quota::admit(&object, &quotas, &holding)?;
            }
        }
        let name = meta::name(&object).to_owned();
        if resource.namespaced {
            let namespace_object = state
                .objects(&registry::NAMESPACES)
                .and_then(|namespaces| namespaces.get(&(String::new(), namespace.to_owned())));
            let Some(namespace_object) = namespace_object else {
                return Err(namespace_not_found(namespace));
            };
            if namespace_object["metadata"]["deletionTimestamp"].is_string() {
                return Err(ApiError::Forbidden {
                    message: format!(
                        "{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                        resource.qualified_name()
                    ),
                    target: ObjectTarget::new(resource.group, resource.plural, &name),
                });
            }
        }
        let object_key = key(resource, namespace, &name);
        if state
            .objects(resource)
            .is_some_and(|objects| objects.contains_key(&object_key))
        {
            return Err(ApiError::AlreadyExists(ObjectTarget::new(
                resource.group,
                resource.plural,
                &name,
            )));
        }
        if resource.kind == "Service" && resource.group.is_empty() {
            allocate_cluster_ip(&mut state, &mut object);
        }
        if std::ptr::eq(resource, &registry::NODES) {
            allocate_pod_cidr(&state, &mut object);
        }
        let version = state.next_version();
        let metadata = meta::metadata_mut(&mut object);
        metadata.insert("uid".into(), json!(meta::new_uid()));
        metadata.insert("resourceVersion".into(), json!(version));
        if resource.has_status() {
            metadata.insert("generation".into(), json!(1));
        }
        // A client's zero time (what a protobuf body's empty timestamp reads
        // as) is no creation time: the API server stamps the object now.
        if metadata
            .get("creationTimestamp")
            .and_then(Value::as_str)
            .is_none_or(|given| given == ZERO_TIME)
        {
            metadata.insert("creationTimestamp".into(), json!(meta::now_rfc3339()));
        }
        metadata.remove("deletionTimestamp");
        metadata.remove("managedFields");
        state
            .objects_mut(resource)
            .insert(object_key, object.clone());
        self.notify(&mut state, ChangeKind::Added, resource, &object);
        if owners_all_gone(&state, &object) {
            // The garbage collector deletes an object whose owners are all
            // absent. A controller acting on a snapshot taken before its
            // owner was deleted creates exactly such an object; without
            // this it would outlive the owner forever.
            self.delete_or_terminate(
                &mut state,
                resource,
                namespace,
                &name,
                &DeleteOptions::default(),
            );
        }
        Ok(object)
    }

    /// Replaces an object (PUT). A `resourceVersion` in the body must match
    /// the stored one (409 otherwise); the stored status is kept for resources
    /// with a status subresource; `generation` is bumped when anything outside
    /// metadata and status changed. An update that changes nothing is a no-op
    /// and keeps the `resourceVersion`.
    pub fn update(
        &self,
        resource: &'static Resource,
        namespace: &str,
        object: Value,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        let mut state = self.lock();
        self.update_locked(&mut state, resource, namespace, object, WritePart::Main)
    }

    /// Replaces only the status of an object (PUT `.../status`); everything else is kept.
    pub fn update_status(
        &self,
        resource: &'static Resource,
        namespace: &str,
        object: Value,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        let mut state = self.lock();
        self.update_locked(&mut state, resource, namespace, object, WritePart::Status)
    }

    /// Patches an object. An apply patch creates the object when missing
    /// (server-side apply's create-or-merge); the other patch types 404.
    pub fn patch(
        &self,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        patch: &Patch,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        self.patch_part(resource, namespace, name, patch, WritePart::Main)
    }

    /// Patches only the status of an object (PATCH `.../status`).
    pub fn patch_status(
        &self,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        patch: &Patch,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        self.patch_part(resource, namespace, name, patch, WritePart::Status)
    }

    fn patch_part(
        &self,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        patch: &Patch,
        part: WritePart,
    ) -> Result<Value, ApiError> {
        let mut state = self.lock();
        let existing = state
            .objects(resource)
            .and_then(|objects| objects.get(&key(resource, namespace, name)))
            .cloned();
        let Some(existing) = existing else {
            if let (Patch::Apply { object, .. }, WritePart::Main) = (patch, part) {
                drop(state);
                let mut object = object.clone();
                if let Some(map) = object.as_object_mut() {
                    map.remove("status");
                }
                check_name(&object, name)?;
                meta::metadata_mut(&mut object).insert("name".into(), json!(name));
                return self.create(resource, namespace, object);
            }
            return Err(not_found(resource, name));
        };
        let mut patched = match patch {
            Patch::Apply { object, .. } => {
                check_name(object, name)?;
                let mut applied = object.clone();
                if let (Some(map), WritePart::Main) = (applied.as_object_mut(), part) {
                    map.remove("status");
                }
                crate::patch::apply_merge(&existing, &applied)
            }
            other => other.apply_to(&existing)?,
        };
        let metadata = meta::metadata_mut(&mut patched);
        metadata.insert("name".into(), json!(name));
        self.update_locked(&mut state, resource, namespace, patched, part)
    }

    fn update_locked(
        &self,
        state: &mut State,
        resource: &'static Resource,
        namespace: &str,
        mut object: Value,
        part: WritePart,
    ) -> Result<Value, ApiError> {
        prepare_identity(resource, namespace, &mut object)?;
        let name = meta::name(&object).to_owned();
        if name.is_empty() {
            return Err(ApiError::BadRequest(
                "name is required for an update".into(),
            ));
        }
        let object_key = key(resource, namespace, &name);
        let existing = state
            .objects(resource)
            .and_then(|objects| objects.get(&object_key))
            .cloned()
            .ok_or_else(|| not_found(resource, &name))?;
        let sent_version = meta::resource_version(&object);
        if !sent_version.is_empty() && sent_version != meta::resource_version(&existing) {
            return Err(ApiError::Conflict {
                target: ObjectTarget::new(resource.group, resource.plural, &name),
                reason: "the object has been modified; please apply your changes to the latest version and try again".into(),
            });
        }
        let mut updated = match part {
            WritePart::Main => {
                let mut updated = object;
                if resource.has_status() {
                    match existing.get("status") {
                        Some(status) => updated["status"] = status.clone(),
                        None => {
                            if let Some(map) = updated.as_object_mut() {
                                map.remove("status");
                            }
                        }
                    }
                }
                admission::apply_defaults(resource, &mut updated);
                apply_schema_defaults(state, resource, &mut updated);
                admission::validate(resource, &updated)?;
                updated
            }
            WritePart::Status => {
                let mut updated = existing.clone();
                updated["status"] = object.get("status").cloned().unwrap_or_else(|| json!({}));
                updated
            }
        };
        {
            let existing_metadata = &existing["metadata"];
            let metadata = meta::metadata_mut(&mut updated);
            for preserved in [
                "uid",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ] {
                match existing_metadata.get(preserved) {
                    Some(value) => metadata.insert(preserved.into(), value.clone()),
                    None => metadata.remove(preserved),
                };
            }
            metadata.remove("managedFields");
            metadata.insert(
                "resourceVersion".into(),
                existing_metadata["resourceVersion"].clone(),
            );
        }
        if updated == existing {
            return Ok(existing);
        }
        if resource.has_status() && desired_state(&updated) != desired_state(&existing) {
            let generation = existing["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
            meta::metadata_mut(&mut updated).insert("generation".into(), json!(generation));
        }
        let version = state.next_version();
        meta::metadata_mut(&mut updated).insert("resourceVersion".into(), json!(version));
        state
            .objects_mut(resource)
            .insert(object_key, updated.clone());
        self.notify(state, ChangeKind::Modified, resource, &updated);
        Ok(updated)
    }

    /// Deletes an object and, by `options.propagation`, what it owns. Deleting
    /// a Namespace deletes everything in it. A running pod is only marked for
    /// deletion (see [`DeleteOptions::grace_period_seconds`]). Returns the
    /// object's last state.
    pub fn delete(
        &self,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let resource = stored(resource)?;
        let mut state = self.lock();
        let existing = state
            .objects(resource)
            .and_then(|objects| objects.get(&key(resource, namespace, name)))
            .cloned()
            .ok_or_else(|| not_found(resource, name))?;
        let target = || ObjectTarget::new(resource.group, resource.plural, name);
        if let Some(uid) = &options.precondition_uid
            && uid != meta::uid(&existing)
        {
            {
                return Err(ApiError::Conflict {
                    target: target(),
                    reason: format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        meta::uid(&existing)
                    ),
                });
            }
        }
        if let Some(version) = &options.precondition_resource_version
            && version != meta::resource_version(&existing)
        {
            {
                return Err(ApiError::Conflict {
                    target: target(),
                    reason: format!(
                        "Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {}",
                        meta::resource_version(&existing)
                    ),
                });
            }
        }
        if let Some(grace) = graceful_period(resource, &existing, options) {
            return Ok(self.delete_gracefully(&mut state, resource, namespace, existing, grace));
        }
        let propagation = options.propagation.unwrap_or_default();
        if std::ptr::eq(resource, &registry::NAMESPACES) {
            return Ok(self.terminate_namespace(&mut state, existing));
        }
        Ok(self
            .delete_locked(&mut state, resource, namespace, name, propagation)
            .unwrap_or(existing))
    }

    /// Deletes a namespace as the namespace controller does: the namespace
    /// turns `Terminating` (with a `deletionTimestamp`), everything in it is
    /// deleted (running pods gracefully, so they stay Terminating until
    /// their kubelet has stopped them), and the namespace itself goes once
    /// it is empty. Returns the namespace as it is after the call.
    fn terminate_namespace(&self, state: &mut State, existing: Value) -> Value {
        let name = meta::name(&existing).to_owned();
        let terminating = if existing["metadata"]["deletionTimestamp"].is_string() {
            existing
        } else {
            let mut terminating = existing;
            let version = state.next_version();
            let metadata = meta::metadata_mut(&mut terminating);
            metadata.insert("deletionTimestamp".into(), json!(meta::now_rfc3339()));
            metadata.insert("deletionGracePeriodSeconds".into(), json!(0));
            metadata.insert("resourceVersion".into(), json!(version));
            terminating["status"]["phase"] = json!("Terminating");
            state
                .objects_mut(&registry::NAMESPACES)
                .insert(key(&registry::NAMESPACES, "", &name), terminating.clone());
            self.notify(
                state,
                ChangeKind::Modified,
                &registry::NAMESPACES,
                &terminating,
            );
            terminating
        };
        self.empty_namespace(state, &name);
        self.finish_namespace(state, &name).unwrap_or(terminating)
    }

    /// Removes a terminating namespace once nothing is left in it; returns
    /// its last state when it was removed.
    fn finish_namespace(&self, state: &mut State, namespace: &str) -> Option<Value> {
        let terminating = state
            .objects(&registry::NAMESPACES)?
            .get(&key(&registry::NAMESPACES, "", namespace))?
            .pointer("/metadata/deletionTimestamp")
            .is_some();
        let empty = state.catalog.stored_resources().iter().all(|resource| {
            !resource.namespaced
                || state.objects(resource).is_none_or(|objects| {
                    !objects
                        .keys()
                        .any(|(object_namespace, _)| object_namespace == namespace)
                })
        });
        if !(terminating && empty) {
            return None;
        }
        self.delete_locked(
            state,
            &registry::NAMESPACES,
            "",
            namespace,
            Propagation::Background,
        )
    }

    /// Starts (or shortens) a pod's graceful deletion: `deletionTimestamp`
    /// is when the grace period ends, and the object stays (Terminating)
    /// until its kubelet has stopped it and deletes it with grace 0. A
    /// second delete may bring the end forward, never push it back.
    fn delete_gracefully(
        &self,
        state: &mut State,
        resource: &'static Resource,
        namespace: &str,
        existing: Value,
        grace: u64,
    ) -> Value {
        let now = std::time::SystemTime::now();
        let deadline = now + std::time::Duration::from_secs(grace);
        let current = existing["metadata"]["deletionTimestamp"]
            .as_str()
            .and_then(crate::clock::parse_rfc3339);
        if current.is_some_and(|current| current <= deadline) {
            return existing;
        }
        let mut deleting = existing;
        let version = state.next_version();
        let metadata = meta::metadata_mut(&mut deleting);
        metadata.insert(
            "deletionTimestamp".into(),
            json!(crate::clock::rfc3339(deadline)),
        );
        metadata.insert("deletionGracePeriodSeconds".into(), json!(grace));
        metadata.insert("resourceVersion".into(), json!(version));
        let object_key = key(resource, namespace, meta::name(&deleting));
        state
            .objects_mut(resource)
            .insert(object_key, deleting.clone());
        self.notify(state, ChangeKind::Modified, resource, &deleting);
        deleting
    }

    /// Deletes every object a list would return (`deletecollection`).
    pub fn delete_collection(
        &self,
        resource: &'static Resource,
        options: &ListOptions,
        delete: &DeleteOptions,
    ) -> Result<Vec<Value>, ApiError> {
        let (items, _) = self.list(resource, options)?;
        let mut state = self.lock();
        Ok(items
            .iter()
            .filter_map(|item| {
                self.delete_or_terminate(
                    &mut state,
                    resource,
                    meta::namespace(item),
                    meta::name(item),
                    delete,
                )
            })
            .collect())
    }

    /// Deletes one object as a delete request would: a running pod
    /// gracefully (it stays Terminating until its kubelet removes it), a pod
    /// already terminating is left to finish, anything else at once.
    /// Collection deletes, the garbage collector and namespace deletion all
    /// go through here, as they go through the same registry in a real
    /// server. `None` when the object was already gone.
    fn delete_or_terminate(
        &self,
        state: &mut State,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Option<Value> {
        let object = state
            .objects(resource)?
            .get(&key(resource, namespace, name))?
            .clone();
        match graceful_period(resource, &object, options) {
            Some(_) if object["metadata"]["deletionTimestamp"].is_string() => Some(object),
            Some(grace) => Some(self.delete_gracefully(state, resource, namespace, object, grace)),
            None => self.delete_locked(
                state,
                resource,
                namespace,
                name,
                options.propagation.unwrap_or_default(),
            ),
        }
    }

    fn empty_namespace(&self, state: &mut State, namespace: &str) {
        for resource in state.catalog.stored_resources() {
            if !resource.namespaced {
                continue;
            }
            let names: Vec<String> = state
                .objects(resource)
                .map(|objects| {
                    objects
                        .keys()
                        .filter(|(object_namespace, _)| object_namespace == namespace)
                        .map(|(_, name)| name.clone())
                        .collect()
                })
                .unwrap_or_default();
            for name in names {
                self.delete_or_terminate(
                    state,
                    resource,
                    namespace,
                    &name,
                    &DeleteOptions::default(),
                );
            }
        }
    }

    /// Removes one object and handles its dependents; `None` when it was already gone.
    fn delete_locked(
        &self,
        state: &mut State,
        resource: &'static Resource,
        namespace: &str,
        name: &str,
        propagation: Propagation,
    ) -> Option<Value> {
        let object_key = key(resource, namespace, name);
        let uid = meta::uid(state.objects(resource)?.get(&object_key)?).to_owned();
        if propagation == Propagation::Foreground {
            self.collect_dependents(state, &uid, propagation);
        }
        let mut removed = state.objects_mut(resource).remove(&object_key)?;
        let version = state.next_version();
        let metadata = meta::metadata_mut(&mut removed);
        metadata.insert("resourceVersion".into(), json!(version));
        metadata.insert("deletionTimestamp".into(), json!(meta::now_rfc3339()));
        self.notify(state, ChangeKind::Deleted, resource, &removed);
        if propagation != Propagation::Foreground {
            self.collect_dependents(state, &uid, propagation);
        }
        if resource.namespaced {
            self.finish_namespace(state, namespace);
        }
        if std::ptr::eq(resource, &registry::CUSTOM_RESOURCE_DEFINITIONS)
            && let Some(defined) = crate::custom::defined_resources(&removed)
        {
            // The objects of a definition go with it.
            let keys: Vec<(String, String)> = state
                .objects(defined.storage)
                .map(|objects| objects.keys().cloned().collect())
                .unwrap_or_default();
            for (namespace, name) in keys {
                self.delete_locked(state, defined.storage, &namespace, &name, propagation);
            }
        }
        Some(removed)
    }

    /// The garbage collector: drops the owner reference to `owner_uid` from
    /// every dependent, deleting those left with no owner (unless orphaning).
    fn collect_dependents(&self, state: &mut State, owner_uid: &str, propagation: Propagation) {
        let mut dependents = Vec::new();
        for resource in state.catalog.stored_resources() {
            for ((namespace, name), object) in state.objects(resource).into_iter().flatten() {
                if meta::owner_uids(object).contains(&owner_uid) {
                    dependents.push((resource, namespace.clone(), name.clone()));
                }
            }
        }
        for (resource, namespace, name) in dependents {
            let object_key = key(resource, &namespace, &name);
            let Some(object) = state
                .objects(resource)
                .and_then(|objects| objects.get(&object_key))
                .cloned()
            else {
                continue;
            };
            let remaining: Vec<Value> = object["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|owner| owner["uid"].as_str() != Some(owner_uid))
                .cloned()
                .collect();
            if remaining.is_empty() && propagation != Propagation::Orphan {
                let options = DeleteOptions {
                    propagation: Some(propagation),
                    ..DeleteOptions::default()
                };
                self.delete_or_terminate(state, resource, &namespace, &name, &options);
                continue;
            }
            let mut updated = object;
            let version = state.next_version();
            let metadata = meta::metadata_mut(&mut updated);
            if remaining.is_empty() {
                metadata.remove("ownerReferences");
            } else {
                metadata.insert("ownerReferences".into(), Value::Array(remaining));
            }
            metadata.insert("resourceVersion".into(), json!(version));
            state
                .objects_mut(resource)
                .insert(object_key, updated.clone());
            self.notify(state, ChangeKind::Modified, resource, &updated);
        }
    }
}

/// Whether `object` has owner references and none of them names a stored object.
fn owners_all_gone(state: &State, object: &Value) -> bool {
    let owners = meta::owner_uids(object);
    !owners.is_empty()
        && !state
            .catalog
            .stored_resources()
            .into_iter()
            .any(|resource| {
                state
                    .objects(resource)
                    .into_iter()
                    .flat_map(|objects| objects.values())
                    .any(|stored| owners.contains(&meta::uid(stored)))
            })
}

/// Fills the defaults the schema of a custom resource's definition declares.
fn apply_schema_defaults(state: &State, resource: &'static Resource, object: &mut Value) {
    if registry::is_builtin(resource) {
        return;
    }
    let definition = state
        .objects(&registry::CUSTOM_RESOURCE_DEFINITIONS)
        .and_then(|objects| {
            objects.get(&(String::new(), crate::custom::definition_name(resource)))
        });
    let version =
        crate::registry::split_api_version(object["apiVersion"].as_str().unwrap_or_default())
            .1
            .to_owned();
    if let Some(schema) = definition.and_then(|crd| crate::custom::schema_of(crd, &version)) {
        crate::custom::apply_schema_defaults(schema, object);
    }
}

/// Which part of an object a write replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WritePart {
    /// Everything but the status (for resources with a status subresource).
    Main,
    /// Only the status.
    Status,
}

/// Sets `apiVersion` and `kind`, and checks and sets the namespace.
fn prepare_identity(
    resource: &Resource,
    namespace: &str,
    object: &mut Value,
) -> Result<(), ApiError> {
    if !object.is_object() {
        return Err(ApiError::BadRequest(
            "the object must be a JSON object".into(),
        ));
    }
    object["apiVersion"] = json!(resource.api_version());
    object["kind"] = json!(resource.kind);
    let body_namespace = meta::namespace(object).to_owned();
    let metadata = meta::metadata_mut(object);
    if resource.namespaced {
        if namespace.is_empty() {
            return Err(ApiError::BadRequest(
                "the namespace of the object is required".into(),
            ));
        }
        if !body_namespace.is_empty() && body_namespace != namespace {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        metadata.insert("namespace".into(), json!(namespace));
    } else {
        metadata.remove("namespace");
    }
    Ok(())
}

fn check_name(object: &Value, name: &str) -> Result<(), ApiError> {
    match meta::name(object) {
        "" => Ok(()),
        body if body == name => Ok(()),
        body => Err(ApiError::BadRequest(format!(
            "the name of the object ({body}) does not match the name on the URL ({name})"
        ))),
    }
}

/// Gives a Node without one the first `10.244.N.0/24` pod range no other
/// Node has, as the node IPAM controller does, so pod IPs never collide
/// between nodes.
fn allocate_pod_cidr(state: &State, node: &mut Value) {
    if node["spec"]["podCIDR"]
        .as_str()
        .is_some_and(|cidr| !cidr.is_empty())
    {
        return;
    }
    let taken: Vec<&str> = state
        .objects(&registry::NODES)
        .into_iter()
        .flat_map(|nodes| nodes.values())
        .filter_map(|other| other["spec"]["podCIDR"].as_str())
        .collect();
    let Some(cidr) = (1..=255)
        .map(|index| format!("10.244.{index}.0/24"))
        .find(|cidr| !taken.contains(&cidr.as_str()))
    else {
        return;
    };
    node["spec"]["podCIDR"] = json!(cidr);
    node["spec"]["podCIDRs"] = json!([cidr]);
}

/// Gives a Service a cluster IP from 10.96.0.0/16 unless it is headless or
/// already has one (as the real service IP allocator does).
fn allocate_cluster_ip(state: &mut State, service: &mut Value) {
    if service["spec"]["type"] == "ExternalName" {
        return;
    }
    let current = service["spec"]["clusterIP"].as_str().unwrap_or_default();
    if !current.is_empty() {
        if service["spec"].get("clusterIPs").is_none() {
            service["spec"]["clusterIPs"] = json!([current]);
        }
        return;
    }
    state.next_cluster_ip += 1;
    let offset = state.next_cluster_ip;
    let ip = format!("10.96.{}.{}", (offset / 250) % 256, offset % 250 + 1);
    service["spec"]["clusterIP"] = json!(ip);
    service["spec"]["clusterIPs"] = json!([ip]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{CONFIGMAPS, DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS};

    fn store_with_namespace(namespace: &str) -> Store {
        let store = Store::new();
        store
            .create(&NAMESPACES, "", json!({"metadata": {"name": namespace}}))
            .expect("namespace created");
        store
    }

    fn pod(name: &str, labels: Value) -> Value {
        json!({"metadata": {"name": name, "labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
    }

    fn owned_by(mut object: Value, owner: &Value) -> Value {
        object["metadata"]["ownerReferences"] = json!([meta::controller_reference(owner)]);
        object
    }

    fn deployment(name: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
    }

    #[test]
    fn create_fills_identity_and_versions_increase() {
        let store = store_with_namespace("prod");
        let first = store
            .create(&PODS, "prod", pod("a", json!({})))
            .expect("created");
        let second = store
            .create(&PODS, "prod", pod("b", json!({})))
            .expect("created");
        assert_eq!(first["apiVersion"], "v1");
        assert_eq!(first["kind"], "Pod");
        assert_eq!(first["metadata"]["namespace"], "prod");
        assert!(!meta::uid(&first).is_empty());
        assert!(first["metadata"]["creationTimestamp"].is_string());
        let version = |object: &Value| {
            meta::resource_version(object)
                .parse::<u64>()
                .expect("numeric")
        };
        assert!(version(&second) > version(&first));
        assert_eq!(store.resource_version(), version(&second));
    }

    #[test]
    fn namespaced_create_needs_the_namespace() {
        let store = Store::new();
        let error = store
            .create(&PODS, "ghost", pod("a", json!({})))
            .expect_err("no namespace");
        assert_eq!(error.to_string(), "namespaces \"ghost\" not found");
    }

    #[test]
    fn duplicate_create_is_already_exists() {
        let store = store_with_namespace("prod");
        store
            .create(&PODS, "prod", pod("a", json!({})))
            .expect("created");
        let error = store
            .create(&PODS, "prod", pod("a", json!({})))
            .expect_err("duplicate");
        assert_eq!(error.code(), 409);
        assert_eq!(error.to_string(), "pods \"a\" already exists");
    }

    #[test]
    fn generate_name_makes_a_name() {
        let store = store_with_namespace("prod");
        let created = store
            .create(
                &CONFIGMAPS,
                "prod",
                json!({"metadata": {"generateName": "cfg-"}}),
            )
            .expect("created");
        assert!(meta::name(&created).starts_with("cfg-"));
        assert_eq!(meta::name(&created).len(), "cfg-".len() + 5);
    }

    #[test]
    fn list_filters_by_namespace_and_labels() {
        let store = store_with_namespace("a");
        store
            .create(&NAMESPACES, "", json!({"metadata": {"name": "b"}}))
            .expect("namespace");
        store
            .create(&PODS, "a", pod("web", json!({"app": "web"})))
            .expect("created");
        store
            .create(&PODS, "a", pod("db", json!({"app": "db"})))
            .expect("created");
        store
            .create(&PODS, "b", pod("web", json!({"app": "web"})))
            .expect("created");
        let (all, _) = store.list(&PODS, &ListOptions::default()).expect("listed");
        assert_eq!(all.len(), 3);
        let (in_a, _) = store
            .list(&PODS, &ListOptions::in_namespace("a"))
            .expect("listed");
        assert_eq!(
            in_a.iter().map(meta::name).collect::<Vec<_>>(),
            ["db", "web"]
        );
        let options = ListOptions {
            labels: LabelSelector::parse("app=web").expect("valid"),
            ..ListOptions::default()
        };
        let (webs, _) = store.list(&PODS, &options).expect("listed");
        assert_eq!(
            webs.iter().map(meta::namespace).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn stale_update_conflicts_and_spec_change_bumps_generation() {
        let store = store_with_namespace("prod");
        let created = store
            .create(&DEPLOYMENTS, "prod", deployment("web"))
            .expect("created");
        assert_eq!(created["metadata"]["generation"], 1);
        let mut scaled = created.clone();
        scaled["spec"]["replicas"] = json!(3);
        let updated = store
            .update(&DEPLOYMENTS, "prod", scaled.clone())
            .expect("updated");
        assert_eq!(updated["metadata"]["generation"], 2);
        let error = store
            .update(&DEPLOYMENTS, "prod", scaled)
            .expect_err("stale");
        assert_eq!(error.code(), 409);
        assert!(
            error
                .to_string()
                .starts_with("Operation cannot be fulfilled on deployments.apps \"web\"")
        );
    }

    #[test]
    fn status_writes_keep_spec_and_main_writes_keep_status() {
        let store = store_with_namespace("prod");
        let created = store
            .create(&DEPLOYMENTS, "prod", deployment("web"))
            .expect("created");
        let mut with_status = created.clone();
        with_status["status"] = json!({"readyReplicas": 1});
        with_status["spec"]["replicas"] = json!(9);
        let after_status = store
            .update_status(&DEPLOYMENTS, "prod", with_status)
            .expect("status");
        assert_eq!(after_status["status"]["readyReplicas"], 1);
        assert_eq!(
            after_status["spec"]["replicas"], 1,
            "status writes ignore spec"
        );
        assert_eq!(
            after_status["metadata"]["generation"], 1,
            "status writes keep generation"
        );
        let mut main = after_status.clone();
        main["status"] = json!({});
        main["metadata"]["labels"] = json!({"x": "y"});
        let after_main = store.update(&DEPLOYMENTS, "prod", main).expect("update");
        assert_eq!(
            after_main["status"]["readyReplicas"], 1,
            "main writes keep status"
        );
        assert_eq!(
            after_main["metadata"]["generation"], 1,
            "labels are not spec"
        );
    }

    #[test]
    fn no_op_update_keeps_the_version() {
        let store = store_with_namespace("prod");
        let created = store
            .create(
                &CONFIGMAPS,
                "prod",
                json!({"metadata": {"name": "c"}, "data": {"a": "1"}}),
            )
            .expect("created");
        let again = store
            .update(&CONFIGMAPS, "prod", created.clone())
            .expect("updated");
        assert_eq!(
            meta::resource_version(&again),
            meta::resource_version(&created)
        );
    }

    #[test]
    fn apply_patch_creates_then_merges() {
        let store = store_with_namespace("prod");
        let apply = |data: Value| Patch::Apply {
            object: json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}),
            field_manager: "test".into(),
            force: true,
        };
        let created = store
            .patch(&CONFIGMAPS, "prod", "c", &apply(json!({"a": "1"})))
            .expect("created");
        assert_eq!(created["data"], json!({"a": "1"}));
        let merged = store
            .patch(&CONFIGMAPS, "prod", "c", &apply(json!({"b": "2"})))
            .expect("merged");
        assert_eq!(merged["data"], json!({"a": "1", "b": "2"}));
        assert_eq!(meta::uid(&merged), meta::uid(&created));
        let missing = store.patch(
            &CONFIGMAPS,
            "prod",
            "nope",
            &Patch::Merge(json!({"data": {}})),
        );
        assert_eq!(missing.expect_err("missing").code(), 404);
    }

    #[test]
    fn background_delete_cascades_through_owners() {
        let store = store_with_namespace("prod");
        let deployment = store
            .create(&DEPLOYMENTS, "prod", deployment("web"))
            .expect("created");
        let mut replica_set = deployment.clone();
        replica_set["metadata"] = json!({"name": "web-5d8f9c7b6d"});
        let replica_set = store
            .create(&REPLICA_SETS, "prod", owned_by(replica_set, &deployment))
            .expect("created");
        store
            .create(
                &PODS,
                "prod",
                owned_by(
                    pod("web-5d8f9c7b6d-abcde", json!({"app": "web"})),
                    &replica_set,
                ),
            )
            .expect("created");
        store
            .create(&PODS, "prod", pod("standalone", json!({"app": "web"})))
            .expect("created");
        let mut changes = store.subscribe();
        store
            .delete(&DEPLOYMENTS, "prod", "web", &DeleteOptions::default())
            .expect("deleted");
        assert_eq!(
            store
                .get(&REPLICA_SETS, "prod", "web-5d8f9c7b6d")
                .expect_err("gone")
                .code(),
            404
        );
        let (pods, _) = store
            .list(&PODS, &ListOptions::in_namespace("prod"))
            .expect("listed");
        assert_eq!(
            pods.iter().map(meta::name).collect::<Vec<_>>(),
            ["standalone"]
        );
        let mut deleted = Vec::new();
        while let Ok(change) = changes.try_recv() {
            assert_eq!(change.kind, ChangeKind::Deleted);
            deleted.push(change.resource.kind);
        }
        assert_eq!(deleted, ["Deployment", "ReplicaSet", "Pod"]);
    }

    #[test]
    fn foreground_deletes_dependents_first_and_orphan_keeps_them() {
        let store = store_with_namespace("prod");
        let owner = store
            .create(&DEPLOYMENTS, "prod", deployment("web"))
            .expect("created");
        store
            .create(&PODS, "prod", owned_by(pod("p1", json!({})), &owner))
            .expect("created");
        let mut changes = store.subscribe();
        let foreground = DeleteOptions {
            propagation: Some(Propagation::Foreground),
            ..DeleteOptions::default()
        };
        store
            .delete(&DEPLOYMENTS, "prod", "web", &foreground)
            .expect("deleted");
        let order: Vec<&str> = std::iter::from_fn(|| changes.try_recv().ok())
            .map(|change| change.resource.kind)
            .collect();
        assert_eq!(order, ["Pod", "Deployment"]);

        let owner = store
            .create(&DEPLOYMENTS, "prod", deployment("api"))
            .expect("created");
        store
            .create(&PODS, "prod", owned_by(pod("p2", json!({})), &owner))
            .expect("created");
        let orphan = DeleteOptions {
            propagation: Some(Propagation::Orphan),
            ..DeleteOptions::default()
        };
        store
            .delete(&DEPLOYMENTS, "prod", "api", &orphan)
            .expect("deleted");
        let kept = store.get(&PODS, "prod", "p2").expect("orphaned pod kept");
        assert!(kept["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn an_object_created_for_a_deleted_owner_is_collected() {
        let store = store_with_namespace("prod");
        let owner = store
            .create(&DEPLOYMENTS, "prod", deployment("web"))
            .expect("created");
        store
            .delete(&DEPLOYMENTS, "prod", "web", &DeleteOptions::default())
            .expect("deleted");
        // A controller still acting on its view from before the delete.
        store
            .create(
                &DEPLOYMENTS,
                "prod",
                owned_by(deployment("web-late"), &owner),
            )
            .expect("created");
        assert!(store.get(&DEPLOYMENTS, "prod", "web-late").is_err());

        let living = store
            .create(&DEPLOYMENTS, "prod", deployment("api"))
            .expect("created");
        store
            .create(
                &DEPLOYMENTS,
                "prod",
                owned_by(deployment("api-child"), &living),
            )
            .expect("created");
        store
            .get(&DEPLOYMENTS, "prod", "api-child")
            .expect("an object whose owner lives is kept");
    }

    #[test]
    fn deleting_a_namespace_removes_its_contents() {
        let store = store_with_namespace("gone");
        store
            .create(&PODS, "gone", pod("a", json!({})))
            .expect("created");
        store
            .create(&CONFIGMAPS, "gone", json!({"metadata": {"name": "c"}}))
            .expect("created");
        store
            .delete(&NAMESPACES, "", "gone", &DeleteOptions::default())
            .expect("deleted");
        assert_eq!(
            store
                .list(&PODS, &ListOptions::default())
                .expect("listed")
                .0
                .len(),
            0
        );
        assert_eq!(
            store
                .get(&NAMESPACES, "", "gone")
                .expect_err("gone")
                .to_string(),
            "namespaces \"gone\" not found"
        );
        assert_eq!(
            store
                .create(&PODS, "gone", pod("b", json!({})))
                .expect_err("no ns")
                .code(),
            404
        );
    }

    #[test]
    fn a_namespace_with_running_pods_terminates_until_they_are_gone() {
        let store = store_with_namespace("shop");
        let mut running = pod("web", json!({}));
        running["spec"]["nodeName"] = json!("node-1");
        running["status"] = json!({"phase": "Running"});
        store.create(&PODS, "shop", running).expect("created");
        store
            .create(&CONFIGMAPS, "shop", json!({"metadata": {"name": "c"}}))
            .expect("created");
        let terminating = store
            .delete(&NAMESPACES, "", "shop", &DeleteOptions::default())
            .expect("deleted");
        assert_eq!(terminating["status"]["phase"], "Terminating");
        assert!(
            store.get(&CONFIGMAPS, "shop", "c").is_err(),
            "deleted at once"
        );
        let pod = store.get(&PODS, "shop", "web").expect("still terminating");
        assert!(pod["metadata"]["deletionTimestamp"].is_string());
        let refused = store
            .create(&CONFIGMAPS, "shop", json!({"metadata": {"name": "late"}}))
            .expect_err("no new content");
        assert_eq!(refused.code(), 403);
        assert!(
            refused
                .to_string()
                .contains("because it is being terminated")
        );
        let at_once = DeleteOptions {
            grace_period_seconds: Some(0),
            ..DeleteOptions::default()
        };
        store
            .delete(&PODS, "shop", "web", &at_once)
            .expect("the kubelet's final delete");
        assert_eq!(
            store.get(&NAMESPACES, "", "shop").expect_err("gone").code(),
            404
        );
    }

    #[test]
    fn delete_preconditions_conflict() {
        let store = store_with_namespace("prod");
        store
            .create(&CONFIGMAPS, "prod", json!({"metadata": {"name": "c"}}))
            .expect("created");
        let options = DeleteOptions {
            precondition_uid: Some("other".into()),
            ..DeleteOptions::default()
        };
        assert_eq!(
            store
                .delete(&CONFIGMAPS, "prod", "c", &options)
                .expect_err("conflict")
                .code(),
            409
        );
    }

    #[test]
    fn services_get_cluster_ips_unless_headless() {
        let store = store_with_namespace("prod");
        let service = store
            .create(
                &registry::SERVICES,
                "prod",
                json!({"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}),
            )
            .expect("created");
        assert!(
            service["spec"]["clusterIP"]
                .as_str()
                .is_some_and(|ip| ip.starts_with("10.96."))
        );
        assert_eq!(service["spec"]["ports"][0]["targetPort"], 80);
        let headless = store
            .create(
                &registry::SERVICES,
                "prod",
                json!({"metadata": {"name": "db"}, "spec": {"clusterIP": "None"}}),
            )
            .expect("created");
        assert_eq!(headless["spec"]["clusterIP"], "None");
    }

    #[test]
    fn create_manifest_resolves_the_kind() {
        let store = store_with_namespace("default");
        let created = store
            .create_manifest(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
            )
            .expect("created");
        assert_eq!(meta::namespace(&created), "default");
        let error = store
            .create_manifest(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}))
            .expect_err("unknown kind");
        assert!(error.to_string().contains("no matches for kind \"Widget\""));
    }

    #[test]
    fn watches_start_from_now_or_resume_from_a_version() {
        let store = store_with_namespace("prod");
        store
            .create(&CONFIGMAPS, "prod", json!({"metadata": {"name": "a"}}))
            .expect("created");
        let (_, listed_at) = store
            .list(&CONFIGMAPS, &ListOptions::default())
            .expect("listed");
        store
            .create(&CONFIGMAPS, "prod", json!({"metadata": {"name": "b"}}))
            .expect("created");
        store
            .delete(&CONFIGMAPS, "prod", "a", &DeleteOptions::default())
            .expect("deleted");

        let (current, _) = store
            .watch(&CONFIGMAPS, &ListOptions::default(), None)
            .expect("watch");
        assert_eq!(
            current
                .iter()
                .map(|change| (change.kind, meta::name(&change.object)))
                .collect::<Vec<_>>(),
            [(ChangeKind::Added, "b")]
        );

        let (missed, mut later) = store
            .watch(&CONFIGMAPS, &ListOptions::default(), Some(listed_at))
            .expect("watch");
        let missed: Vec<_> = missed
            .iter()
            .map(|change| (change.kind, meta::name(&change.object)))
            .collect();
        assert_eq!(
            missed,
            [(ChangeKind::Added, "b"), (ChangeKind::Deleted, "a")]
        );
        store
            .create(&CONFIGMAPS, "prod", json!({"metadata": {"name": "c"}}))
            .expect("created");
        let next = later.try_recv().expect("the new change arrives");
        assert_eq!(
            (next.kind, meta::name(&next.object)),
            (ChangeKind::Added, "c")
        );
    }

    #[test]
    fn watches_from_forgotten_versions_expire() {
        let store = store_with_namespace("prod");
        for index in 0..=WATCH_HISTORY_CAPACITY {
            store
                .create(
                    &CONFIGMAPS,
                    "prod",
                    json!({"metadata": {"name": format!("c{index}")}}),
                )
                .expect("created");
        }
        let error = store
            .watch(&CONFIGMAPS, &ListOptions::default(), Some(1))
            .expect_err("expired");
        assert_eq!(error.code(), 410);
    }
}
