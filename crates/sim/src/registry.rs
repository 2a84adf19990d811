//! Every resource the simulated cluster serves, with the discovery facts real
//! clients rely on (kind, singular name, short names, verbs, scope).
//!
//! Clients map a kind to a URL only through discovery: a resource missing here
//! is never requested (the MCP server answers `no matches for kind ...` without
//! sending anything). So this table is the single source of truth for both the
//! discovery documents and the router.

/// How the objects of a resource are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Objects live in the [`Store`](crate::store::Store) under this resource.
    Stored,
    /// A view of another resource's objects, converted on the fly
    /// (`events.k8s.io/v1` events are the core `v1` events).
    ViewOf(&'static Resource),
    /// Computed per request and never stored (access reviews, metrics).
    Virtual,
}

/// One subresource listed in discovery (`deployments/scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subresource {
    /// The part after the slash, e.g. `scale`.
    pub name: &'static str,
    /// The kind it reads and writes, e.g. `Scale`.
    pub kind: &'static str,
    /// Group of that kind, when not the resource's own (`autoscaling` for Scale).
    pub group: &'static str,
    /// Version of that kind.
    pub version: &'static str,
    /// Verbs allowed on it.
    pub verbs: &'static [&'static str],
}

/// One served resource.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// The version served at this entry (a group may serve several, each its own entry).
    pub version: &'static str,
    /// Plural, lower case: the URL segment (`deployments`).
    pub plural: &'static str,
    /// Singular, lower case (`deployment`).
    pub singular: &'static str,
    /// The object kind (`Deployment`).
    pub kind: &'static str,
    /// kubectl short names (`deploy`).
    pub short_names: &'static [&'static str],
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Verbs advertised in discovery and allowed by the router.
    pub verbs: &'static [&'static str],
    /// Categories (`all` makes `kubectl get all` include it).
    pub categories: &'static [&'static str],
    /// Subresources listed in discovery.
    pub subresources: &'static [Subresource],
    /// How objects are kept.
    pub backing: Backing,
    /// The Table columns after `Name` declared by a CustomResourceDefinition
    /// (`additionalPrinterColumns`); empty for built-in kinds, whose columns
    /// are kubectl's own (see [`crate::table`]).
    pub printer_columns: &'static [PrinterColumn],
}

/// One `additionalPrinterColumns` entry of a CustomResourceDefinition: the
/// server computes these cells, so `kubectl get` of a custom resource shows
/// what its author chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    /// The column header.
    pub name: &'static str,
    /// `string`, `integer`, `number`, `boolean` or `date`.
    pub kind: &'static str,
    /// The JSONPath of the cell (`.spec.replicas`).
    pub json_path: &'static str,
    /// 0 shows by default; higher only with `-o wide`.
    pub priority: u8,
    /// The column's description.
    pub description: &'static str,
}

impl Resource {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `PodList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// `pods` or `deployments.apps`: the name used in messages and store keys.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Pod` or `Deployment.apps`: the kind as validation messages print it.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_owned()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// Whether the resource has a `status` subresource (so that writes to the
    /// main resource keep the stored status, as real servers do).
    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|sub| sub.name == "status")
    }

    /// Whether the router allows `verb` on the resource itself.
    pub fn allows(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }

    /// The resource whose stored objects back this one.
    pub fn storage(&'static self) -> &'static Resource {
        match self.backing {
            Backing::ViewOf(target) => target,
            Backing::Stored | Backing::Virtual => self,
        }
    }
}

/// Every verb of an ordinary stored resource.
pub(crate) const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NAMESPACE_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const READ_VERBS: &[&str] = &["get", "list"];
const CREATE_ONLY: &[&str] = &["create"];
const ALL_CATEGORY: &[&str] = &["all"];
const API_EXTENSIONS_CATEGORY: &[&str] = &["api-extensions"];

const STATUS: Subresource = Subresource {
    name: "status",
    kind: "",
    group: "",
    version: "",
    verbs: &["get", "patch", "update"],
};
const SCALE: Subresource = Subresource {
    name: "scale",
    kind: "Scale",
    group: "autoscaling",
    version: "v1",
    verbs: &["get", "patch", "update"],
};
const EVICTION: Subresource = Subresource {
    name: "eviction",
    kind: "Eviction",
    group: "policy",
    version: "v1",
    verbs: &["create"],
};
const TOKEN: Subresource = Subresource {
    name: "token",
    kind: "TokenRequest",
    group: "authentication.k8s.io",
    version: "v1",
    verbs: &["create"],
};
const WITH_STATUS: &[Subresource] = &[STATUS];
/// Pods: `status`, and `eviction` (which `kubectl drain` looks for in discovery).
const POD_SUBRESOURCES: &[Subresource] = &[EVICTION, STATUS];
const WITH_STATUS_AND_SCALE: &[Subresource] = &[SCALE, STATUS];
const WITH_SCALE: &[Subresource] = &[SCALE];

/// The subresources of a custom resource that declares `status` and/or `scale`.
pub(crate) fn custom_subresources(status: bool, scale: bool) -> &'static [Subresource] {
    match (status, scale) {
        (true, true) => WITH_STATUS_AND_SCALE,
        (true, false) => WITH_STATUS,
        (false, true) => WITH_SCALE,
        (false, false) => &[],
    }
}

/// Whether `resource` is one of the built-in resources (not added by a
/// CustomResourceDefinition).
pub fn is_builtin(resource: &Resource) -> bool {
    ALL.iter().any(|builtin| std::ptr::eq(*builtin, resource))
}

macro_rules! resource {
    ($name:ident, $group:expr, $version:expr, $plural:expr, $singular:expr, $kind:expr,
     short: $short:expr, namespaced: $namespaced:expr, verbs: $verbs:expr,
     categories: $categories:expr, subresources: $subresources:expr, backing: $backing:expr) => {
        #[doc = concat!("`", $plural, "` (", $kind, ").")]
        pub static $name: Resource = Resource {
            group: $group,
            version: $version,
            plural: $plural,
            singular: $singular,
            kind: $kind,
            short_names: $short,
            namespaced: $namespaced,
            verbs: $verbs,
            categories: $categories,
            subresources: $subresources,
            backing: $backing,
            printer_columns: &[],
        };
    };
}

resource!(PODS, "", "v1", "pods", "pod", "Pod", short: &["po"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: POD_SUBRESOURCES, backing: Backing::Stored);
resource!(NODES, "", "v1", "nodes", "node", "Node", short: &["no"], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(NAMESPACES, "", "v1", "namespaces", "namespace", "Namespace", short: &["ns"], namespaced: false, verbs: NAMESPACE_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(EVENTS, "", "v1", "events", "event", "Event", short: &["ev"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(SERVICES, "", "v1", "services", "service", "Service", short: &["svc"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(ENDPOINTS, "", "v1", "endpoints", "endpoints", "Endpoints", short: &["ep"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CONFIGMAPS, "", "v1", "configmaps", "configmap", "ConfigMap", short: &["cm"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(SECRETS, "", "v1", "secrets", "secret", "Secret", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(SERVICE_ACCOUNTS, "", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", short: &["sa"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[TOKEN], backing: Backing::Stored);
resource!(PERSISTENT_VOLUME_CLAIMS, "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", short: &["pvc"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(PERSISTENT_VOLUMES, "", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", short: &["pv"], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(RESOURCE_QUOTAS, "", "v1", "resourcequotas", "resourcequota", "ResourceQuota", short: &["quota"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(LIMIT_RANGES, "", "v1", "limitranges", "limitrange", "LimitRange", short: &["limits"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(DEPLOYMENTS, "apps", "v1", "deployments", "deployment", "Deployment", short: &["deploy"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS_AND_SCALE, backing: Backing::Stored);
resource!(REPLICA_SETS, "apps", "v1", "replicasets", "replicaset", "ReplicaSet", short: &["rs"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS_AND_SCALE, backing: Backing::Stored);
resource!(STATEFUL_SETS, "apps", "v1", "statefulsets", "statefulset", "StatefulSet", short: &["sts"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS_AND_SCALE, backing: Backing::Stored);
resource!(DAEMON_SETS, "apps", "v1", "daemonsets", "daemonset", "DaemonSet", short: &["ds"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(JOBS, "batch", "v1", "jobs", "job", "Job", short: &[], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(CRON_JOBS, "batch", "v1", "cronjobs", "cronjob", "CronJob", short: &["cj"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(INGRESSES, "networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", short: &["ing"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(ENDPOINT_SLICES, "discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(NETWORK_POLICIES, "networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", short: &["netpol"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(INGRESS_CLASSES, "networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(POD_DISRUPTION_BUDGETS, "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", short: &["pdb"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(STORAGE_CLASSES, "storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", short: &["sc"], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(PRIORITY_CLASSES, "scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", short: &["pc"], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(ROLES, "rbac.authorization.k8s.io", "v1", "roles", "role", "Role", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(ROLE_BINDINGS, "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CLUSTER_ROLES, "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CLUSTER_ROLE_BINDINGS, "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(HORIZONTAL_POD_AUTOSCALERS, "autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", short: &["hpa"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(HORIZONTAL_POD_AUTOSCALERS_V1, "autoscaling", "v1", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", short: &["hpa"], namespaced: true, verbs: ALL_VERBS, categories: ALL_CATEGORY, subresources: WITH_STATUS, backing: Backing::ViewOf(&HORIZONTAL_POD_AUTOSCALERS));
resource!(CONTROLLER_REVISIONS, "apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(POD_TEMPLATES, "", "v1", "podtemplates", "podtemplate", "PodTemplate", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(LEASES, "coordination.k8s.io", "v1", "leases", "lease", "Lease", short: &[], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CUSTOM_RESOURCE_DEFINITIONS, "apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", short: &["crd", "crds"], namespaced: false, verbs: ALL_VERBS, categories: API_EXTENSIONS_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(MUTATING_WEBHOOK_CONFIGURATIONS, "admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", short: &[], namespaced: false, verbs: ALL_VERBS, categories: API_EXTENSIONS_CATEGORY, subresources: &[], backing: Backing::Stored);
resource!(VALIDATING_WEBHOOK_CONFIGURATIONS, "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", short: &[], namespaced: false, verbs: ALL_VERBS, categories: API_EXTENSIONS_CATEGORY, subresources: &[], backing: Backing::Stored);
resource!(API_SERVICES, "apiregistration.k8s.io", "v1", "apiservices", "apiservice", "APIService", short: &[], namespaced: false, verbs: ALL_VERBS, categories: API_EXTENSIONS_CATEGORY, subresources: WITH_STATUS, backing: Backing::Stored);
resource!(RUNTIME_CLASSES, "node.k8s.io", "v1", "runtimeclasses", "runtimeclass", "RuntimeClass", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CSI_DRIVERS, "storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(CSI_NODES, "storage.k8s.io", "v1", "csinodes", "csinode", "CSINode", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::Stored);
resource!(VOLUME_ATTACHMENTS, "storage.k8s.io", "v1", "volumeattachments", "volumeattachment", "VolumeAttachment", short: &[], namespaced: false, verbs: ALL_VERBS, categories: &[], subresources: WITH_STATUS, backing: Backing::Stored);
resource!(SELF_SUBJECT_REVIEWS, "authentication.k8s.io", "v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", short: &[], namespaced: false, verbs: CREATE_ONLY, categories: &[], subresources: &[], backing: Backing::Virtual);
resource!(EVENTS_V1, "events.k8s.io", "v1", "events", "event", "Event", short: &["ev"], namespaced: true, verbs: ALL_VERBS, categories: &[], subresources: &[], backing: Backing::ViewOf(&EVENTS));
resource!(POD_METRICS, "metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", short: &[], namespaced: true, verbs: READ_VERBS, categories: &[], subresources: &[], backing: Backing::Virtual);
resource!(NODE_METRICS, "metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", short: &[], namespaced: false, verbs: READ_VERBS, categories: &[], subresources: &[], backing: Backing::Virtual);
resource!(SELF_SUBJECT_ACCESS_REVIEWS, "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", short: &[], namespaced: false, verbs: CREATE_ONLY, categories: &[], subresources: &[], backing: Backing::Virtual);
resource!(SELF_SUBJECT_RULES_REVIEWS, "authorization.k8s.io", "v1", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", short: &[], namespaced: false, verbs: CREATE_ONLY, categories: &[], subresources: &[], backing: Backing::Virtual);

/// Every served resource, grouped by group-version in discovery order.
pub static ALL: &[&Resource] = &[
    &PODS,
    &NODES,
    &NAMESPACES,
    &EVENTS,
    &SERVICES,
    &ENDPOINTS,
    &CONFIGMAPS,
    &SECRETS,
    &SERVICE_ACCOUNTS,
    &PERSISTENT_VOLUME_CLAIMS,
    &PERSISTENT_VOLUMES,
    &RESOURCE_QUOTAS,
    &LIMIT_RANGES,
    &POD_TEMPLATES,
    &DEPLOYMENTS,
    &REPLICA_SETS,
    &STATEFUL_SETS,
    &DAEMON_SETS,
    &CONTROLLER_REVISIONS,
    &EVENTS_V1,
    &SELF_SUBJECT_ACCESS_REVIEWS,
    &SELF_SUBJECT_RULES_REVIEWS,
    &SELF_SUBJECT_REVIEWS,
    &HORIZONTAL_POD_AUTOSCALERS,
    &HORIZONTAL_POD_AUTOSCALERS_V1,
    &JOBS,
    &CRON_JOBS,
    &INGRESSES,
    &NETWORK_POLICIES,
    &INGRESS_CLASSES,
    &ENDPOINT_SLICES,
    &POD_DISRUPTION_BUDGETS,
    &STORAGE_CLASSES,
    &CSI_DRIVERS,
    &CSI_NODES,
    &VOLUME_ATTACHMENTS,
    &PRIORITY_CLASSES,
    &ROLES,
    &ROLE_BINDINGS,
    &CLUSTER_ROLES,
    &CLUSTER_ROLE_BINDINGS,
    &LEASES,
    &CUSTOM_RESOURCE_DEFINITIONS,
    &MUTATING_WEBHOOK_CONFIGURATIONS,
    &VALIDATING_WEBHOOK_CONFIGURATIONS,
    &API_SERVICES,
    &RUNTIME_CLASSES,
    &POD_METRICS,
    &NODE_METRICS,
];

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// How Kubernetes orders the versions of a group, best first: GA before
/// beta before alpha before anything else, then the higher major, then the
/// higher minor (`v2`, `v1`, `v1beta2`, `v1beta1`, `v1alpha1`, `foo`). The
/// first is the group's preferred version.
pub fn version_order(version: &str) -> (u8, std::cmp::Reverse<u64>, std::cmp::Reverse<u64>) {
    use std::cmp::Reverse;
    let unranked = (4, Reverse(0), Reverse(0));
    let Some(rest) = version.strip_prefix('v') else {
        return unranked;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let Ok(major) = rest[..digits].parse::<u64>() else {
        return unranked;
    };
    let suffix = &rest[digits..];
    let (rank, minor) = if suffix.is_empty() {
        (0, "0")
    } else if let Some(minor) = suffix.strip_prefix("beta") {
        (1, minor)
    } else if let Some(minor) = suffix.strip_prefix("alpha") {
        (2, minor)
    } else {
        return unranked;
    };
    match minor.parse::<u64>() {
        Ok(minor) => (rank, Reverse(major), Reverse(minor)),
        Err(_) => unranked,
    }
}

/// The resources one cluster serves: the built-in ones, then those its
/// CustomResourceDefinitions add ([`crate::custom`]). Discovery, routing,
/// scenario validation and the garbage collector all read this one list, so
/// a custom resource is served everywhere as soon as its definition exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Served custom resources, one entry per served version.
    custom: std::sync::Arc<[&'static Resource]>,
}

impl Catalog {
    /// The built-in resources only.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// The built-in resources and `custom` ones (a custom resource that
    /// names a built-in group and plural is shadowed by the built-in).
    pub fn with_custom(custom: Vec<&'static Resource>) -> Self {
        Self {
            custom: custom.into(),
        }
    }

    /// Every served resource, built-in first.
    pub fn resources(&self) -> impl Iterator<Item = &'static Resource> + '_ {
        ALL.iter().copied().chain(self.custom.iter().copied())
    }

    /// Every resource whose objects the store keeps (one per group and
    /// plural: the storage version).
    pub fn stored_resources(&self) -> Vec<&'static Resource> {
        let mut stored: Vec<&'static Resource> = Vec::new();
        for resource in self
            .resources()
            .filter(|res| res.backing != Backing::Virtual)
        {
            let storage = resource.storage();
            if !stored.iter().any(|known| std::ptr::eq(*known, storage)) {
                stored.push(storage);
            }
        }
        stored
    }

    /// The resource served at `/api[s]/{group}/{version}/{plural}`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
        self.resources()
            .find(|res| res.group == group && res.version == version && res.plural == plural)
    }

    /// The resource of objects with this `apiVersion` and `kind` (how manifests name it).
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&'static Resource> {
        let (group, version) = split_api_version(api_version);
        self.resources()
            .find(|res| res.group == group && res.version == version && res.kind == kind)
    }

    /// Whether any resource is served under `group`/`version`.
    pub fn serves_group_version(&self, group: &str, version: &str) -> bool {
        self.resources()
            .any(|res| res.group == group && res.version == version)
    }

    /// The named groups in discovery order, each with its versions, the
    /// preferred one first ([`version_order`]).
    pub fn groups(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for res in self.resources().filter(|res| !res.group.is_empty()) {
            match groups.iter_mut().find(|(group, _)| *group == res.group) {
                Some((_, versions)) if !versions.contains(&res.version) => {
                    versions.push(res.version);
                }
                Some(_) => {}
                None => groups.push((res.group, vec![res.version])),
            }
        }
        for (_, versions) in &mut groups {
            versions.sort_by_key(|version| version_order(version));
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_is_unique_per_group_version() {
        for (index, res) in ALL.iter().enumerate() {
            let twin = ALL.iter().skip(index + 1).find(|other| {
                other.group == res.group
                    && other.version == res.version
                    && other.plural == res.plural
            });
            assert!(twin.is_none(), "{} is listed twice", res.qualified_name());
        }
    }

    #[test]
    fn kinds_resolve_to_their_resource() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.by_kind("apps/v1", "Deployment"), Some(&DEPLOYMENTS));
        assert_eq!(catalog.by_kind("v1", "Pod"), Some(&PODS));
        assert_eq!(
            catalog.by_kind("events.k8s.io/v1", "Event"),
            Some(&EVENTS_V1)
        );
        assert_eq!(catalog.by_kind("example.com/v1", "Widget"), None);
    }

    #[test]
    fn groups_come_once_each_with_the_preferred_version_first() {
        let groups = Catalog::builtin().groups();
        assert!(groups.contains(&("apps", vec!["v1"])));
        assert!(groups.contains(&("metrics.k8s.io", vec!["v1beta1"])));
        assert!(groups.contains(&("autoscaling", vec!["v2", "v1"])));
        assert_eq!(
            groups.iter().filter(|(group, _)| *group == "apps").count(),
            1
        );
    }

    #[test]
    fn versions_order_as_kubernetes_orders_them() {
        let mut versions = vec!["v1alpha1", "foo", "v1", "v1beta1", "v2", "v1beta2", "v10"];
        versions.sort_by_key(|version| version_order(version));
        assert_eq!(
            versions,
            ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
        );
    }
}
