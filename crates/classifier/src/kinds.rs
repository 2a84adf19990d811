//! Resource kinds: every plural, singular, short and API-group spelling a user
//! types, mapped to the `apiVersion`/`kind` pair the MCP server needs.

/// A Kubernetes resource kind kubeop knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the Kubernetes kind of the same name
pub enum ResourceKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Service,
    ConfigMap,
    Secret,
    Ingress,
    IngressClass,
    Namespace,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    ServiceAccount,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    CronJob,
    Job,
    Role,
    RoleBinding,
    ClusterRole,
    ClusterRoleBinding,
    Node,
    Endpoints,
    EndpointSlice,
    NetworkPolicy,
    ResourceQuota,
    LimitRange,
    Event,
    CustomResourceDefinition,
    PriorityClass,
    Lease,
}

impl ResourceKind {
    /// The kind one word spells (`pod`, `deploy`, `statefulsets`,
    /// `deployments.apps`), in any number; `None` for a word that is no
    /// kind. For callers that must tell a kind word from a name, as the
    /// workflow does for "that pod" in a follow-up.
    pub fn from_word(word: &str) -> Option<ResourceKind> {
        lookup_kind_word(&word.to_ascii_lowercase()).map(|(kind, _)| kind)
    }

    /// The `apiVersion` the MCP server's `resources_*` tools expect.
    pub fn api_version(self) -> &'static str {
        use ResourceKind::*;
        match self {
            Pod
            | ReplicationController
            | Service
            | ConfigMap
            | Secret
            | Namespace
            | PersistentVolumeClaim
            | PersistentVolume
            | ServiceAccount
            | Node
            | Endpoints
            | ResourceQuota
            | LimitRange
            | Event => "v1",
            Deployment | StatefulSet | DaemonSet | ReplicaSet => "apps/v1",
            Ingress | IngressClass | NetworkPolicy => "networking.k8s.io/v1",
            StorageClass => "storage.k8s.io/v1",
            HorizontalPodAutoscaler => "autoscaling/v2",
            PodDisruptionBudget => "policy/v1",
            CronJob | Job => "batch/v1",
            Role | RoleBinding | ClusterRole | ClusterRoleBinding => "rbac.authorization.k8s.io/v1",
            EndpointSlice => "discovery.k8s.io/v1",
            CustomResourceDefinition => "apiextensions.k8s.io/v1",
            PriorityClass => "scheduling.k8s.io/v1",
            Lease => "coordination.k8s.io/v1",
        }
    }

    /// The API group (the `apiVersion` without its version; "" for core).
    pub fn group(self) -> &'static str {
        let api_version = self.api_version();
        api_version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    /// The `kind` field.
    pub fn kind(self) -> &'static str {
        use ResourceKind::*;
        match self {
            Pod => "Pod",
            Deployment => "Deployment",
            StatefulSet => "StatefulSet",
            DaemonSet => "DaemonSet",
            ReplicaSet => "ReplicaSet",
            ReplicationController => "ReplicationController",
            Service => "Service",
            ConfigMap => "ConfigMap",
            Secret => "Secret",
            Ingress => "Ingress",
            IngressClass => "IngressClass",
            Namespace => "Namespace",
            PersistentVolumeClaim => "PersistentVolumeClaim",
            PersistentVolume => "PersistentVolume",
            StorageClass => "StorageClass",
            ServiceAccount => "ServiceAccount",
            HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
            PodDisruptionBudget => "PodDisruptionBudget",
            CronJob => "CronJob",
            Job => "Job",
            Role => "Role",
            RoleBinding => "RoleBinding",
            ClusterRole => "ClusterRole",
            ClusterRoleBinding => "ClusterRoleBinding",
            Node => "Node",
            Endpoints => "Endpoints",
            EndpointSlice => "EndpointSlice",
            NetworkPolicy => "NetworkPolicy",
            ResourceQuota => "ResourceQuota",
            LimitRange => "LimitRange",
            Event => "Event",
            CustomResourceDefinition => "CustomResourceDefinition",
            PriorityClass => "PriorityClass",
            Lease => "Lease",
        }
    }

    /// A lower-case noun for questions put to the human ("Which deployment ...?").
    pub fn noun(self) -> &'static str {
        use ResourceKind::*;
        match self {
            Pod => "pod",
            Deployment => "deployment",
            StatefulSet => "statefulset",
            DaemonSet => "daemonset",
            ReplicaSet => "replicaset",
            ReplicationController => "replication controller",
            Service => "service",
            ConfigMap => "configmap",
            Secret => "secret",
            Ingress => "ingress",
            IngressClass => "ingress class",
            Namespace => "namespace",
            PersistentVolumeClaim => "persistent volume claim",
            PersistentVolume => "persistent volume",
            StorageClass => "storage class",
            ServiceAccount => "service account",
            HorizontalPodAutoscaler => "horizontal pod autoscaler",
            PodDisruptionBudget => "pod disruption budget",
            CronJob => "cronjob",
            Job => "job",
            Role => "role",
            RoleBinding => "role binding",
            ClusterRole => "cluster role",
            ClusterRoleBinding => "cluster role binding",
            Node => "node",
            Endpoints => "endpoints",
            EndpointSlice => "endpoint slice",
            NetworkPolicy => "network policy",
            ResourceQuota => "resource quota",
            LimitRange => "limit range",
            Event => "event",
            CustomResourceDefinition => "custom resource definition",
            PriorityClass => "priority class",
            Lease => "lease",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        use ResourceKind::*;
        !matches!(
            self,
            Namespace
                | PersistentVolume
                | StorageClass
                | ClusterRole
                | ClusterRoleBinding
                | Node
                | CustomResourceDefinition
                | PriorityClass
                | IngressClass
        )
    }

    /// Whether objects of this kind run pods named after them (`NAME-...`),
    /// so that a request about their logs or usage names their pods.
    pub fn has_pods(self) -> bool {
        use ResourceKind::*;
        matches!(
            self,
            Deployment
                | StatefulSet
                | DaemonSet
                | ReplicaSet
                | ReplicationController
                | Job
                | CronJob
        )
    }

    /// Whether the kind has a scale subresource `resources_scale` can use.
    pub fn scalable(self) -> bool {
        use ResourceKind::*;
        matches!(
            self,
            Deployment | StatefulSet | ReplicaSet | ReplicationController
        )
    }
}

/// Whether a kind word was written in the singular (`pod`) or plural (`pods`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Number {
    /// One object: a name usually follows or precedes.
    Singular,
    /// A collection: a list.
    Plural,
    /// A short form (`po`, `deploy`, `svc`): kubectl takes both meanings.
    Short,
}

/// Every single-word spelling of a kind (lower case), with its number. API
/// group suffixes (`deployments.apps`, `deploy.apps/v1`) are stripped before
/// the lookup; multi-word spellings are in [`MULTI_WORD_KINDS`].
pub(crate) const KIND_WORDS: &[(&str, ResourceKind, Number)] = {
    use Number::*;
    use ResourceKind::*;
    &[
        ("pod", Pod, Singular),
        ("pods", Pod, Plural),
        ("po", Pod, Short),
        ("deployment", Deployment, Singular),
        ("deployments", Deployment, Plural),
        ("deploy", Deployment, Short),
        ("deploys", Deployment, Plural),
        ("dep", Deployment, Short),
        ("deps", Deployment, Plural),
        ("statefulset", StatefulSet, Singular),
        ("statefulsets", StatefulSet, Plural),
        ("sts", StatefulSet, Short),
        ("daemonset", DaemonSet, Singular),
        ("daemonsets", DaemonSet, Plural),
        ("ds", DaemonSet, Short),
        ("replicaset", ReplicaSet, Singular),
        ("replicasets", ReplicaSet, Plural),
        ("rs", ReplicaSet, Short),
        ("replicationcontroller", ReplicationController, Singular),
        ("replicationcontrollers", ReplicationController, Plural),
        ("rc", ReplicationController, Short),
        ("service", Service, Singular),
        ("services", Service, Plural),
        ("svc", Service, Short),
        ("svcs", Service, Plural),
        ("configmap", ConfigMap, Singular),
        ("configmaps", ConfigMap, Plural),
        ("cm", ConfigMap, Short),
        ("cms", ConfigMap, Plural),
        ("secret", Secret, Singular),
        ("secrets", Secret, Plural),
        ("ingress", Ingress, Singular),
        ("ingresses", Ingress, Plural),
        ("ingresss", Ingress, Plural),
        ("ing", Ingress, Short),
        ("ingressclass", IngressClass, Singular),
        ("ingressclasses", IngressClass, Plural),
        ("namespace", Namespace, Singular),
        ("namespaces", Namespace, Plural),
        ("ns", Namespace, Short),
        ("persistentvolumeclaim", PersistentVolumeClaim, Singular),
        ("persistentvolumeclaims", PersistentVolumeClaim, Plural),
        ("pvc", PersistentVolumeClaim, Short),
        ("pvcs", PersistentVolumeClaim, Plural),
        // "the data-ledger-0 volume", "list volumes": what a namespace's
        // user calls a volume is their claim on it ("persistent volume"
        // is the cluster's PersistentVolume).
        ("volume", PersistentVolumeClaim, Singular),
        ("volumes", PersistentVolumeClaim, Plural),
        ("persistentvolume", PersistentVolume, Singular),
        ("persistentvolumes", PersistentVolume, Plural),
        ("pv", PersistentVolume, Short),
        ("pvs", PersistentVolume, Plural),
        ("storageclass", StorageClass, Singular),
        ("storageclasses", StorageClass, Plural),
        ("sc", StorageClass, Short),
        ("serviceaccount", ServiceAccount, Singular),
        ("serviceaccounts", ServiceAccount, Plural),
        ("sa", ServiceAccount, Short),
        ("horizontalpodautoscaler", HorizontalPodAutoscaler, Singular),
        ("horizontalpodautoscalers", HorizontalPodAutoscaler, Plural),
        ("hpa", HorizontalPodAutoscaler, Short),
        ("hpas", HorizontalPodAutoscaler, Plural),
        ("autoscaler", HorizontalPodAutoscaler, Singular),
        ("autoscalers", HorizontalPodAutoscaler, Plural),
        ("poddisruptionbudget", PodDisruptionBudget, Singular),
        ("poddisruptionbudgets", PodDisruptionBudget, Plural),
        ("pdb", PodDisruptionBudget, Short),
        ("pdbs", PodDisruptionBudget, Plural),
        ("cronjob", CronJob, Singular),
        ("cronjobs", CronJob, Plural),
        ("cj", CronJob, Short),
        ("job", Job, Singular),
        ("jobs", Job, Plural),
        ("role", Role, Singular),
        ("roles", Role, Plural),
        ("rolebinding", RoleBinding, Singular),
        ("rolebindings", RoleBinding, Plural),
        ("clusterrole", ClusterRole, Singular),
        ("clusterroles", ClusterRole, Plural),
        ("clusterrolebinding", ClusterRoleBinding, Singular),
        ("clusterrolebindings", ClusterRoleBinding, Plural),
        ("node", Node, Singular),
        ("nodes", Node, Plural),
        ("endpoints", Endpoints, Short),
        ("endpoint", Endpoints, Singular),
        ("ep", Endpoints, Short),
        ("endpointslice", EndpointSlice, Singular),
        ("endpointslices", EndpointSlice, Plural),
        ("networkpolicy", NetworkPolicy, Singular),
        ("networkpolicies", NetworkPolicy, Plural),
        ("netpol", NetworkPolicy, Short),
        ("netpols", NetworkPolicy, Plural),
        ("resourcequota", ResourceQuota, Singular),
        ("resourcequotas", ResourceQuota, Plural),
        ("quota", ResourceQuota, Singular),
        ("quotas", ResourceQuota, Plural),
        ("limitrange", LimitRange, Singular),
        ("limitranges", LimitRange, Plural),
        ("event", Event, Singular),
        ("events", Event, Plural),
        ("ev", Event, Short),
        (
            "customresourcedefinition",
            CustomResourceDefinition,
            Singular,
        ),
        (
            "customresourcedefinitions",
            CustomResourceDefinition,
            Plural,
        ),
        ("crd", CustomResourceDefinition, Short),
        ("crds", CustomResourceDefinition, Plural),
        ("priorityclass", PriorityClass, Singular),
        ("priorityclasses", PriorityClass, Plural),
        ("pc", PriorityClass, Short),
        ("lease", Lease, Singular),
        ("leases", Lease, Plural),
    ]
};

/// Kinds users spell in two or three words ("replica set", "config maps",
/// "persistent volume claim"). Matched longest first.
pub(crate) const MULTI_WORD_KINDS: &[(&[&str], ResourceKind, Number)] = {
    use Number::*;
    use ResourceKind::*;
    &[
        (
            &["persistent", "volume", "claim"],
            PersistentVolumeClaim,
            Singular,
        ),
        (
            &["persistent", "volume", "claims"],
            PersistentVolumeClaim,
            Plural,
        ),
        (
            &["cluster", "role", "binding"],
            ClusterRoleBinding,
            Singular,
        ),
        (&["cluster", "role", "bindings"], ClusterRoleBinding, Plural),
        (
            &["horizontal", "pod", "autoscaler"],
            HorizontalPodAutoscaler,
            Singular,
        ),
        (
            &["horizontal", "pod", "autoscalers"],
            HorizontalPodAutoscaler,
            Plural,
        ),
        (
            &["pod", "disruption", "budget"],
            PodDisruptionBudget,
            Singular,
        ),
        (
            &["pod", "disruption", "budgets"],
            PodDisruptionBudget,
            Plural,
        ),
        (
            &["custom", "resource", "definition"],
            CustomResourceDefinition,
            Singular,
        ),
        (
            &["custom", "resource", "definitions"],
            CustomResourceDefinition,
            Plural,
        ),
        (&["replica", "set"], ReplicaSet, Singular),
        (&["replica", "sets"], ReplicaSet, Plural),
        (&["stateful", "set"], StatefulSet, Singular),
        (&["stateful", "sets"], StatefulSet, Plural),
        (&["daemon", "set"], DaemonSet, Singular),
        (&["daemon", "sets"], DaemonSet, Plural),
        (&["config", "map"], ConfigMap, Singular),
        (&["config", "maps"], ConfigMap, Plural),
        (&["service", "account"], ServiceAccount, Singular),
        (&["service", "accounts"], ServiceAccount, Plural),
        (&["cron", "job"], CronJob, Singular),
        (&["cron", "jobs"], CronJob, Plural),
        (&["network", "policy"], NetworkPolicy, Singular),
        (&["network", "policies"], NetworkPolicy, Plural),
        (&["persistent", "volume"], PersistentVolume, Singular),
        (&["persistent", "volumes"], PersistentVolume, Plural),
        (&["resource", "quota"], ResourceQuota, Singular),
        (&["resource", "quotas"], ResourceQuota, Plural),
        (&["limit", "range"], LimitRange, Singular),
        (&["limit", "ranges"], LimitRange, Plural),
        (&["role", "binding"], RoleBinding, Singular),
        (&["role", "bindings"], RoleBinding, Plural),
        (&["cluster", "role"], ClusterRole, Singular),
        (&["cluster", "roles"], ClusterRole, Plural),
        (&["storage", "class"], StorageClass, Singular),
        (&["storage", "classes"], StorageClass, Plural),
        (&["ingress", "class"], IngressClass, Singular),
        (&["ingress", "classes"], IngressClass, Plural),
        (&["priority", "class"], PriorityClass, Singular),
        (&["priority", "classes"], PriorityClass, Plural),
        (&["endpoint", "slice"], EndpointSlice, Singular),
        (&["endpoint", "slices"], EndpointSlice, Plural),
        (
            &["replication", "controller"],
            ReplicationController,
            Singular,
        ),
        (
            &["replication", "controllers"],
            ReplicationController,
            Plural,
        ),
    ]
};

/// Looks up a single lower-case word, accepting API-group forms
/// (`deployments.apps`, `deploy.apps/v1`, `deployments.v1.apps`,
/// `apps/v1/deployments`) when the group matches the kind.
pub(crate) fn lookup_kind_word(word: &str) -> Option<(ResourceKind, Number)> {
    if let Some(found) = lookup_plain(word) {
        return Some(found);
    }
    if let Some((base, qualifier)) = word.split_once('.') {
        let (kind, number) = lookup_plain(base)?;
        let mut parts = qualifier.splitn(2, '/');
        let group = parts.next().unwrap_or("");
        if let Some(version) = parts.next()
            && !is_version(version)
        {
            // `deployment.apps/web`: a kind and a name, not a kind alone.
            return None;
        }
        let group = group
            .strip_prefix("v1.")
            .or_else(|| group.strip_prefix("v2."))
            .unwrap_or(group);
        return (group == kind.group() || (group.is_empty() && kind.group().is_empty()))
            .then_some((kind, number));
    }
    // `apps/v1/deployments` or `v1/pods`.
    let (prefix, last) = word.rsplit_once('/')?;
    let (kind, number) = lookup_plain(last)?;
    (prefix == kind.api_version()).then_some((kind, number))
}

/// `v1`, `v2`, `v1beta1`: an API version.
fn is_version(text: &str) -> bool {
    text.len() >= 2 && text.starts_with('v') && text.as_bytes()[1].is_ascii_digit()
}

fn lookup_plain(word: &str) -> Option<(ResourceKind, Number)> {
    crate::vocab::kind_table().get(word).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_word_in_any_form_is_its_kind_and_a_name_is_none() {
        assert_eq!(ResourceKind::from_word("pod"), Some(ResourceKind::Pod));
        assert_eq!(
            ResourceKind::from_word("Deploy"),
            Some(ResourceKind::Deployment)
        );
        assert_eq!(
            ResourceKind::from_word("statefulsets.apps"),
            Some(ResourceKind::StatefulSet)
        );
        assert_eq!(ResourceKind::from_word("checkout"), None);
    }
}
