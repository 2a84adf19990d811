//! Built-in objects sent as protobuf, read into the JSON the store keeps.
//!
//! `kubectl create deployment|configmap|secret|service|job|cronjob|namespace|
//! role|...` and `kubectl create job --from=cronjob/x` send their object
//! protobuf-encoded (`k8s\0` + `runtime.Unknown`), and answering 415 makes
//! kubectl fail rather than retry in JSON. So the fields of the kinds those
//! commands create are listed here by their protobuf field numbers (those of
//! `k8s.io/api`'s `generated.proto`, stable across releases) and decoded into
//! the JSON names: metadata, and the pod spec in full as charts write it
//! (affinity, topology spread, security contexts, probes and lifecycle
//! hooks, every common volume type), since `kubectl create job
//! --from=cronjob/x` sends a CronJob's whole template. A field not listed
//! (in-tree cloud volumes, alpha fields) is dropped, as a client that does
//! not know it would drop it.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::clock::{from_unix_seconds, rfc3339};
use crate::protobuf::{self, DecodeError, Message, WireValue};

/// How a map's values are encoded.
#[derive(Debug, Clone, Copy)]
enum MapValue {
    /// `map<string, string>`.
    Text,
    /// `map<string, bytes>` (base64 in JSON).
    Bytes,
    /// `map<string, Quantity>`.
    Quantity,
}

/// How one field becomes JSON.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A string.
    Text,
    /// Any integer.
    Int,
    /// A boolean.
    Bool,
    /// An embedded message of this schema.
    Object(&'static [Field]),
    /// An embedded Go struct: its fields appear in the parent's JSON.
    Inline(&'static [Field]),
    /// A map with string keys.
    Map(MapValue),
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    /// `resource.Quantity`: its string.
    Quantity,
    /// `metav1.Time`: RFC 3339.
    Time,
}

/// One field of a message.
#[derive(Debug, Clone, Copy)]
struct Field {
    number: u32,
    name: &'static str,
    shape: Shape,
    repeated: bool,
}

const fn one(number: u32, name: &'static str, shape: Shape) -> Field {
    Field {
        number,
        name,
        shape,
        repeated: false,
    }
}

const fn many(number: u32, name: &'static str, shape: Shape) -> Field {
    Field {
        number,
        name,
        shape,
        repeated: true,
    }
}

use Shape::{Bool, Int, IntOrString, Quantity, Text, Time};

// ---- meta/v1 ----------------------------------------------------------------

static OWNER_REFERENCE: &[Field] = &[
    one(1, "kind", Text),
    one(3, "name", Text),
    one(4, "uid", Text),
    one(5, "apiVersion", Text),
    one(6, "controller", Bool),
    one(7, "blockOwnerDeletion", Bool),
];

static OBJECT_META: &[Field] = &[
    one(1, "name", Text),
    one(2, "generateName", Text),
    one(3, "namespace", Text),
    one(5, "uid", Text),
    one(6, "resourceVersion", Text),
    one(7, "generation", Int),
    one(8, "creationTimestamp", Time),
    one(11, "labels", Shape::Map(MapValue::Text)),
    one(12, "annotations", Shape::Map(MapValue::Text)),
    many(13, "ownerReferences", Shape::Object(OWNER_REFERENCE)),
    many(14, "finalizers", Text),
];

static LABEL_SELECTOR_REQUIREMENT: &[Field] = &[
    one(1, "key", Text),
    one(2, "operator", Text),
    many(3, "values", Text),
];

static LABEL_SELECTOR: &[Field] = &[
    one(1, "matchLabels", Shape::Map(MapValue::Text)),
    many(
        2,
        "matchExpressions",
        Shape::Object(LABEL_SELECTOR_REQUIREMENT),
    ),
];

const METADATA: Field = one(1, "metadata", Shape::Object(OBJECT_META));

// ---- core/v1: pods ----------------------------------------------------------

static LOCAL_OBJECT_REFERENCE: &[Field] = &[one(1, "name", Text)];

static KEY_SELECTOR: &[Field] = &[
    one(1, "", Shape::Inline(LOCAL_OBJECT_REFERENCE)),
    one(2, "key", Text),
    one(3, "optional", Bool),
];

static OBJECT_FIELD_SELECTOR: &[Field] = &[one(1, "apiVersion", Text), one(2, "fieldPath", Text)];

static RESOURCE_FIELD_SELECTOR: &[Field] = &[
    one(1, "containerName", Text),
    one(2, "resource", Text),
    one(3, "divisor", Quantity),
];

static ENV_VAR_SOURCE: &[Field] = &[
    one(1, "fieldRef", Shape::Object(OBJECT_FIELD_SELECTOR)),
    one(
        2,
        "resourceFieldRef",
        Shape::Object(RESOURCE_FIELD_SELECTOR),
    ),
    one(3, "configMapKeyRef", Shape::Object(KEY_SELECTOR)),
    one(4, "secretKeyRef", Shape::Object(KEY_SELECTOR)),
];

static ENV_VAR: &[Field] = &[
    one(1, "name", Text),
    one(2, "value", Text),
    one(3, "valueFrom", Shape::Object(ENV_VAR_SOURCE)),
];

static ENV_SOURCE: &[Field] = &[
    one(1, "", Shape::Inline(LOCAL_OBJECT_REFERENCE)),
    one(2, "optional", Bool),
];

static ENV_FROM_SOURCE: &[Field] = &[
    one(1, "prefix", Text),
    one(2, "configMapRef", Shape::Object(ENV_SOURCE)),
    one(3, "secretRef", Shape::Object(ENV_SOURCE)),
];

static CONTAINER_PORT: &[Field] = &[
    one(1, "name", Text),
    one(2, "hostPort", Int),
    one(3, "containerPort", Int),
    one(4, "protocol", Text),
    one(5, "hostIP", Text),
];

static RESOURCE_REQUIREMENTS: &[Field] = &[
    one(1, "limits", Shape::Map(MapValue::Quantity)),
    one(2, "requests", Shape::Map(MapValue::Quantity)),
];

static VOLUME_MOUNT: &[Field] = &[
    one(1, "name", Text),
    one(2, "readOnly", Bool),
    one(3, "mountPath", Text),
    one(4, "subPath", Text),
    one(5, "mountPropagation", Text),
    one(6, "subPathExpr", Text),
];

static EXEC_ACTION: &[Field] = &[many(1, "command", Text)];

static HTTP_HEADER: &[Field] = &[one(1, "name", Text), one(2, "value", Text)];

static HTTP_GET_ACTION: &[Field] = &[
    one(1, "path", Text),
    one(2, "port", IntOrString),
    one(3, "host", Text),
    one(4, "scheme", Text),
    many(5, "httpHeaders", Shape::Object(HTTP_HEADER)),
];

static TCP_SOCKET_ACTION: &[Field] = &[one(1, "port", IntOrString), one(2, "host", Text)];

static GRPC_ACTION: &[Field] = &[one(1, "port", Int), one(2, "service", Text)];

static PROBE_HANDLER: &[Field] = &[
    one(1, "exec", Shape::Object(EXEC_ACTION)),
    one(2, "httpGet", Shape::Object(HTTP_GET_ACTION)),
    one(3, "tcpSocket", Shape::Object(TCP_SOCKET_ACTION)),
    one(4, "grpc", Shape::Object(GRPC_ACTION)),
];

static SLEEP_ACTION: &[Field] = &[one(1, "seconds", Int)];

static LIFECYCLE_HANDLER: &[Field] = &[
    one(1, "exec", Shape::Object(EXEC_ACTION)),
    one(2, "httpGet", Shape::Object(HTTP_GET_ACTION)),
    one(3, "tcpSocket", Shape::Object(TCP_SOCKET_ACTION)),
    one(4, "sleep", Shape::Object(SLEEP_ACTION)),
];

static LIFECYCLE: &[Field] = &[
    one(1, "postStart", Shape::Object(LIFECYCLE_HANDLER)),
    one(2, "preStop", Shape::Object(LIFECYCLE_HANDLER)),
];

static CAPABILITIES: &[Field] = &[many(1, "add", Text), many(2, "drop", Text)];

static SE_LINUX_OPTIONS: &[Field] = &[
    one(1, "user", Text),
    one(2, "role", Text),
    one(3, "type", Text),
    one(4, "level", Text),
];

static SECCOMP_PROFILE: &[Field] = &[one(1, "type", Text), one(2, "localhostProfile", Text)];

static SECURITY_CONTEXT: &[Field] = &[
    one(1, "capabilities", Shape::Object(CAPABILITIES)),
    one(2, "privileged", Bool),
    one(3, "seLinuxOptions", Shape::Object(SE_LINUX_OPTIONS)),
    one(4, "runAsUser", Int),
    one(5, "runAsNonRoot", Bool),
    one(6, "readOnlyRootFilesystem", Bool),
    one(7, "allowPrivilegeEscalation", Bool),
    one(8, "runAsGroup", Int),
    one(9, "procMount", Text),
    one(11, "seccompProfile", Shape::Object(SECCOMP_PROFILE)),
];

static SYSCTL: &[Field] = &[one(1, "name", Text), one(2, "value", Text)];

static POD_SECURITY_CONTEXT: &[Field] = &[
    one(1, "seLinuxOptions", Shape::Object(SE_LINUX_OPTIONS)),
    one(2, "runAsUser", Int),
    one(3, "runAsNonRoot", Bool),
    many(4, "supplementalGroups", Int),
    one(5, "fsGroup", Int),
    one(6, "runAsGroup", Int),
    many(7, "sysctls", Shape::Object(SYSCTL)),
    one(9, "fsGroupChangePolicy", Text),
    one(10, "seccompProfile", Shape::Object(SECCOMP_PROFILE)),
];

static NODE_SELECTOR_REQUIREMENT: &[Field] = &[
    one(1, "key", Text),
    one(2, "operator", Text),
    many(3, "values", Text),
];

static NODE_SELECTOR_TERM: &[Field] = &[
    many(
        1,
        "matchExpressions",
        Shape::Object(NODE_SELECTOR_REQUIREMENT),
    ),
    many(2, "matchFields", Shape::Object(NODE_SELECTOR_REQUIREMENT)),
];

static NODE_SELECTOR: &[Field] = &[many(
    1,
    "nodeSelectorTerms",
    Shape::Object(NODE_SELECTOR_TERM),
)];

static PREFERRED_SCHEDULING_TERM: &[Field] = &[
    one(1, "weight", Int),
    one(2, "preference", Shape::Object(NODE_SELECTOR_TERM)),
];

static NODE_AFFINITY: &[Field] = &[
    one(
        1,
        "requiredDuringSchedulingIgnoredDuringExecution",
        Shape::Object(NODE_SELECTOR),
    ),
    many(
        2,
        "preferredDuringSchedulingIgnoredDuringExecution",
        Shape::Object(PREFERRED_SCHEDULING_TERM),
    ),
];

static POD_AFFINITY_TERM: &[Field] = &[
    one(1, "labelSelector", Shape::Object(LABEL_SELECTOR)),
    many(2, "namespaces", Text),
    one(3, "topologyKey", Text),
    one(4, "namespaceSelector", Shape::Object(LABEL_SELECTOR)),
    many(5, "matchLabelKeys", Text),
    many(6, "mismatchLabelKeys", Text),
];

static WEIGHTED_POD_AFFINITY_TERM: &[Field] = &[
    one(1, "weight", Int),
    one(2, "podAffinityTerm", Shape::Object(POD_AFFINITY_TERM)),
];

static POD_AFFINITY: &[Field] = &[
    many(
        1,
        "requiredDuringSchedulingIgnoredDuringExecution",
        Shape::Object(POD_AFFINITY_TERM),
    ),
    many(
        2,
        "preferredDuringSchedulingIgnoredDuringExecution",
        Shape::Object(WEIGHTED_POD_AFFINITY_TERM),
    ),
];

static AFFINITY: &[Field] = &[
    one(1, "nodeAffinity", Shape::Object(NODE_AFFINITY)),
    one(2, "podAffinity", Shape::Object(POD_AFFINITY)),
    one(3, "podAntiAffinity", Shape::Object(POD_AFFINITY)),
];

static TOPOLOGY_SPREAD_CONSTRAINT: &[Field] = &[
    one(1, "maxSkew", Int),
    one(2, "topologyKey", Text),
    one(3, "whenUnsatisfiable", Text),
    one(4, "labelSelector", Shape::Object(LABEL_SELECTOR)),
    one(5, "minDomains", Int),
    one(6, "nodeAffinityPolicy", Text),
    one(7, "nodeTaintsPolicy", Text),
    many(8, "matchLabelKeys", Text),
];

static HOST_ALIAS: &[Field] = &[one(1, "ip", Text), many(2, "hostnames", Text)];

static POD_DNS_CONFIG_OPTION: &[Field] = &[one(1, "name", Text), one(2, "value", Text)];

static POD_DNS_CONFIG: &[Field] = &[
    many(1, "nameservers", Text),
    many(2, "searches", Text),
    many(3, "options", Shape::Object(POD_DNS_CONFIG_OPTION)),
];

static PROBE: &[Field] = &[
    one(1, "", Shape::Inline(PROBE_HANDLER)),
    one(2, "initialDelaySeconds", Int),
    one(3, "timeoutSeconds", Int),
    one(4, "periodSeconds", Int),
    one(5, "successThreshold", Int),
    one(6, "failureThreshold", Int),
    one(7, "terminationGracePeriodSeconds", Int),
];

static CONTAINER: &[Field] = &[
    one(1, "name", Text),
    one(2, "image", Text),
    many(3, "command", Text),
    many(4, "args", Text),
    one(5, "workingDir", Text),
    many(6, "ports", Shape::Object(CONTAINER_PORT)),
    many(7, "env", Shape::Object(ENV_VAR)),
    one(8, "resources", Shape::Object(RESOURCE_REQUIREMENTS)),
    many(9, "volumeMounts", Shape::Object(VOLUME_MOUNT)),
    one(10, "livenessProbe", Shape::Object(PROBE)),
    one(11, "readinessProbe", Shape::Object(PROBE)),
    one(12, "lifecycle", Shape::Object(LIFECYCLE)),
    one(13, "terminationMessagePath", Text),
    one(14, "imagePullPolicy", Text),
    one(15, "securityContext", Shape::Object(SECURITY_CONTEXT)),
    one(16, "stdin", Bool),
    one(17, "stdinOnce", Bool),
    one(18, "tty", Bool),
    many(19, "envFrom", Shape::Object(ENV_FROM_SOURCE)),
    one(20, "terminationMessagePolicy", Text),
    one(22, "startupProbe", Shape::Object(PROBE)),
];

static KEY_TO_PATH: &[Field] = &[
    one(1, "key", Text),
    one(2, "path", Text),
    one(3, "mode", Int),
];

static HOST_PATH_SOURCE: &[Field] = &[one(1, "path", Text), one(2, "type", Text)];

static EMPTY_DIR_SOURCE: &[Field] = &[one(1, "medium", Text), one(2, "sizeLimit", Quantity)];

static SECRET_VOLUME_SOURCE: &[Field] = &[
    one(1, "secretName", Text),
    many(2, "items", Shape::Object(KEY_TO_PATH)),
    one(3, "defaultMode", Int),
    one(4, "optional", Bool),
];

static CONFIG_MAP_VOLUME_SOURCE: &[Field] = &[
    one(1, "", Shape::Inline(LOCAL_OBJECT_REFERENCE)),
    many(2, "items", Shape::Object(KEY_TO_PATH)),
    one(3, "defaultMode", Int),
    one(4, "optional", Bool),
];

static CLAIM_SOURCE: &[Field] = &[one(1, "claimName", Text), one(2, "readOnly", Bool)];

static NFS_SOURCE: &[Field] = &[
    one(1, "server", Text),
    one(2, "path", Text),
    one(3, "readOnly", Bool),
];

static DOWNWARD_API_FILE: &[Field] = &[
    one(1, "path", Text),
    one(2, "fieldRef", Shape::Object(OBJECT_FIELD_SELECTOR)),
    one(
        3,
        "resourceFieldRef",
        Shape::Object(RESOURCE_FIELD_SELECTOR),
    ),
    one(4, "mode", Int),
];

static DOWNWARD_API_SOURCE: &[Field] = &[
    many(1, "items", Shape::Object(DOWNWARD_API_FILE)),
    one(2, "defaultMode", Int),
];

static KEY_PROJECTION: &[Field] = &[
    one(1, "", Shape::Inline(LOCAL_OBJECT_REFERENCE)),
    many(2, "items", Shape::Object(KEY_TO_PATH)),
    one(4, "optional", Bool),
];

static SERVICE_ACCOUNT_TOKEN_PROJECTION: &[Field] = &[
    one(1, "audience", Text),
    one(2, "expirationSeconds", Int),
    one(3, "path", Text),
];

static VOLUME_PROJECTION: &[Field] = &[
    one(1, "secret", Shape::Object(KEY_PROJECTION)),
    one(2, "downwardAPI", Shape::Object(DOWNWARD_API_SOURCE)),
    one(3, "configMap", Shape::Object(KEY_PROJECTION)),
    one(
        4,
        "serviceAccountToken",
        Shape::Object(SERVICE_ACCOUNT_TOKEN_PROJECTION),
    ),
];

static PROJECTED_SOURCE: &[Field] = &[
    many(1, "sources", Shape::Object(VOLUME_PROJECTION)),
    one(2, "defaultMode", Int),
];

static CSI_SOURCE: &[Field] = &[
    one(1, "driver", Text),
    one(2, "readOnly", Bool),
    one(3, "fsType", Text),
    one(4, "volumeAttributes", Shape::Map(MapValue::Text)),
    one(
        5,
        "nodePublishSecretRef",
        Shape::Object(LOCAL_OBJECT_REFERENCE),
    ),
];

static VOLUME_RESOURCE_REQUIREMENTS: &[Field] = &[
    one(1, "limits", Shape::Map(MapValue::Quantity)),
    one(2, "requests", Shape::Map(MapValue::Quantity)),
];

static CLAIM_SPEC: &[Field] = &[
    many(1, "accessModes", Text),
    one(2, "resources", Shape::Object(VOLUME_RESOURCE_REQUIREMENTS)),
    one(3, "volumeName", Text),
    one(4, "selector", Shape::Object(LABEL_SELECTOR)),
    one(5, "storageClassName", Text),
    one(6, "volumeMode", Text),
];

static CLAIM_TEMPLATE: &[Field] = &[METADATA, one(2, "spec", Shape::Object(CLAIM_SPEC))];

static EPHEMERAL_SOURCE: &[Field] = &[one(1, "volumeClaimTemplate", Shape::Object(CLAIM_TEMPLATE))];

static VOLUME_SOURCE: &[Field] = &[
    one(1, "hostPath", Shape::Object(HOST_PATH_SOURCE)),
    one(2, "emptyDir", Shape::Object(EMPTY_DIR_SOURCE)),
    one(6, "secret", Shape::Object(SECRET_VOLUME_SOURCE)),
    one(7, "nfs", Shape::Object(NFS_SOURCE)),
    one(10, "persistentVolumeClaim", Shape::Object(CLAIM_SOURCE)),
    one(16, "downwardAPI", Shape::Object(DOWNWARD_API_SOURCE)),
    one(19, "configMap", Shape::Object(CONFIG_MAP_VOLUME_SOURCE)),
    one(26, "projected", Shape::Object(PROJECTED_SOURCE)),
    one(28, "csi", Shape::Object(CSI_SOURCE)),
    one(29, "ephemeral", Shape::Object(EPHEMERAL_SOURCE)),
];

static VOLUME: &[Field] = &[
    one(1, "name", Text),
    one(2, "", Shape::Inline(VOLUME_SOURCE)),
];

static TOLERATION: &[Field] = &[
    one(1, "key", Text),
    one(2, "operator", Text),
    one(3, "value", Text),
    one(4, "effect", Text),
    one(5, "tolerationSeconds", Int),
];

static POD_SPEC: &[Field] = &[
    many(1, "volumes", Shape::Object(VOLUME)),
    many(2, "containers", Shape::Object(CONTAINER)),
    one(3, "restartPolicy", Text),
    one(4, "terminationGracePeriodSeconds", Int),
    one(5, "activeDeadlineSeconds", Int),
    one(6, "dnsPolicy", Text),
    one(7, "nodeSelector", Shape::Map(MapValue::Text)),
    one(8, "serviceAccountName", Text),
    one(9, "serviceAccount", Text),
    one(10, "nodeName", Text),
    one(11, "hostNetwork", Bool),
    one(12, "hostPID", Bool),
    one(13, "hostIPC", Bool),
    one(14, "securityContext", Shape::Object(POD_SECURITY_CONTEXT)),
    many(
        15,
        "imagePullSecrets",
        Shape::Object(LOCAL_OBJECT_REFERENCE),
    ),
    one(16, "hostname", Text),
    one(17, "subdomain", Text),
    one(18, "affinity", Shape::Object(AFFINITY)),
    one(19, "schedulerName", Text),
    many(20, "initContainers", Shape::Object(CONTAINER)),
    one(21, "automountServiceAccountToken", Bool),
    many(22, "tolerations", Shape::Object(TOLERATION)),
    many(23, "hostAliases", Shape::Object(HOST_ALIAS)),
    one(24, "priorityClassName", Text),
    one(25, "priority", Int),
    one(26, "dnsConfig", Shape::Object(POD_DNS_CONFIG)),
    one(27, "shareProcessNamespace", Bool),
    one(29, "runtimeClassName", Text),
    one(30, "enableServiceLinks", Bool),
    one(31, "preemptionPolicy", Text),
    many(
        33,
        "topologySpreadConstraints",
        Shape::Object(TOPOLOGY_SPREAD_CONSTRAINT),
    ),
    one(35, "setHostnameAsFQDN", Bool),
];

static POD_TEMPLATE_SPEC: &[Field] = &[METADATA, one(2, "spec", Shape::Object(POD_SPEC))];

static POD: &[Field] = &[METADATA, one(2, "spec", Shape::Object(POD_SPEC))];

// ---- core/v1: the rest ------------------------------------------------------

static NAMESPACE_SPEC: &[Field] = &[many(1, "finalizers", Text)];

static NAMESPACE: &[Field] = &[METADATA, one(2, "spec", Shape::Object(NAMESPACE_SPEC))];

static CONFIG_MAP: &[Field] = &[
    METADATA,
    one(2, "data", Shape::Map(MapValue::Text)),
    one(3, "binaryData", Shape::Map(MapValue::Bytes)),
    one(4, "immutable", Bool),
];

static SECRET: &[Field] = &[
    METADATA,
    one(2, "data", Shape::Map(MapValue::Bytes)),
    one(3, "type", Text),
    one(4, "stringData", Shape::Map(MapValue::Text)),
    one(5, "immutable", Bool),
];

static SERVICE_PORT: &[Field] = &[
    one(1, "name", Text),
    one(2, "protocol", Text),
    one(3, "port", Int),
    one(4, "targetPort", IntOrString),
    one(5, "nodePort", Int),
    one(6, "appProtocol", Text),
];

static SERVICE_SPEC: &[Field] = &[
    many(1, "ports", Shape::Object(SERVICE_PORT)),
    one(2, "selector", Shape::Map(MapValue::Text)),
    one(3, "clusterIP", Text),
    one(4, "type", Text),
    many(5, "externalIPs", Text),
    one(7, "sessionAffinity", Text),
    one(8, "loadBalancerIP", Text),
    many(9, "loadBalancerSourceRanges", Text),
    one(10, "externalName", Text),
    one(11, "externalTrafficPolicy", Text),
    one(13, "publishNotReadyAddresses", Bool),
    one(17, "ipFamilyPolicy", Text),
    many(18, "clusterIPs", Text),
    many(19, "ipFamilies", Text),
    one(21, "loadBalancerClass", Text),
    one(22, "internalTrafficPolicy", Text),
];

static SERVICE: &[Field] = &[METADATA, one(2, "spec", Shape::Object(SERVICE_SPEC))];

static SERVICE_ACCOUNT: &[Field] = &[
    METADATA,
    many(3, "imagePullSecrets", Shape::Object(LOCAL_OBJECT_REFERENCE)),
    one(4, "automountServiceAccountToken", Bool),
];

static SCOPED_RESOURCE_SELECTOR_REQUIREMENT: &[Field] = &[
    one(1, "scopeName", Text),
    one(2, "operator", Text),
    many(3, "values", Text),
];

static SCOPE_SELECTOR: &[Field] = &[many(
    1,
    "matchExpressions",
    Shape::Object(SCOPED_RESOURCE_SELECTOR_REQUIREMENT),
)];

static RESOURCE_QUOTA_SPEC: &[Field] = &[
    one(1, "hard", Shape::Map(MapValue::Quantity)),
    many(2, "scopes", Text),
    one(3, "scopeSelector", Shape::Object(SCOPE_SELECTOR)),
];

static RESOURCE_QUOTA: &[Field] = &[METADATA, one(2, "spec", Shape::Object(RESOURCE_QUOTA_SPEC))];

// ---- apps/v1, batch/v1 ------------------------------------------------------

static ROLLING_UPDATE: &[Field] = &[
    one(1, "maxUnavailable", IntOrString),
    one(2, "maxSurge", IntOrString),
];

static DEPLOYMENT_STRATEGY: &[Field] = &[
    one(1, "type", Text),
    one(2, "rollingUpdate", Shape::Object(ROLLING_UPDATE)),
];

static DEPLOYMENT_SPEC: &[Field] = &[
    one(1, "replicas", Int),
    one(2, "selector", Shape::Object(LABEL_SELECTOR)),
    one(3, "template", Shape::Object(POD_TEMPLATE_SPEC)),
    one(4, "strategy", Shape::Object(DEPLOYMENT_STRATEGY)),
    one(5, "minReadySeconds", Int),
    one(6, "revisionHistoryLimit", Int),
    one(7, "paused", Bool),
    one(9, "progressDeadlineSeconds", Int),
];

static DEPLOYMENT: &[Field] = &[METADATA, one(2, "spec", Shape::Object(DEPLOYMENT_SPEC))];

static JOB_SPEC: &[Field] = &[
    one(1, "parallelism", Int),
    one(2, "completions", Int),
    one(3, "activeDeadlineSeconds", Int),
    one(4, "selector", Shape::Object(LABEL_SELECTOR)),
    one(5, "manualSelector", Bool),
    one(6, "template", Shape::Object(POD_TEMPLATE_SPEC)),
    one(7, "backoffLimit", Int),
    one(8, "ttlSecondsAfterFinished", Int),
    one(9, "completionMode", Text),
    one(10, "suspend", Bool),
];

static JOB: &[Field] = &[METADATA, one(2, "spec", Shape::Object(JOB_SPEC))];

static JOB_TEMPLATE_SPEC: &[Field] = &[METADATA, one(2, "spec", Shape::Object(JOB_SPEC))];

static CRON_JOB_SPEC: &[Field] = &[
    one(1, "schedule", Text),
    one(2, "startingDeadlineSeconds", Int),
    one(3, "concurrencyPolicy", Text),
    one(4, "suspend", Bool),
    one(5, "jobTemplate", Shape::Object(JOB_TEMPLATE_SPEC)),
    one(6, "successfulJobsHistoryLimit", Int),
    one(7, "failedJobsHistoryLimit", Int),
    one(8, "timeZone", Text),
];

static CRON_JOB: &[Field] = &[METADATA, one(2, "spec", Shape::Object(CRON_JOB_SPEC))];

// ---- rbac, networking, policy, scheduling -----------------------------------

static POLICY_RULE: &[Field] = &[
    many(1, "verbs", Text),
    many(2, "apiGroups", Text),
    many(3, "resources", Text),
    many(4, "resourceNames", Text),
    many(5, "nonResourceURLs", Text),
];

static ROLE: &[Field] = &[METADATA, many(2, "rules", Shape::Object(POLICY_RULE))];

static SUBJECT: &[Field] = &[
    one(1, "kind", Text),
    one(2, "apiGroup", Text),
    one(3, "name", Text),
    one(4, "namespace", Text),
];

static ROLE_REF: &[Field] = &[
    one(1, "apiGroup", Text),
    one(2, "kind", Text),
    one(3, "name", Text),
];

static ROLE_BINDING: &[Field] = &[
    METADATA,
    many(2, "subjects", Shape::Object(SUBJECT)),
    one(3, "roleRef", Shape::Object(ROLE_REF)),
];

static SERVICE_BACKEND_PORT: &[Field] = &[one(1, "name", Text), one(2, "number", Int)];

static SERVICE_BACKEND: &[Field] = &[
    one(1, "name", Text),
    one(2, "port", Shape::Object(SERVICE_BACKEND_PORT)),
];

static INGRESS_BACKEND: &[Field] = &[one(4, "service", Shape::Object(SERVICE_BACKEND))];

static INGRESS_PATH: &[Field] = &[
    one(1, "path", Text),
    one(2, "backend", Shape::Object(INGRESS_BACKEND)),
    one(3, "pathType", Text),
];

static HTTP_RULE_VALUE: &[Field] = &[many(1, "paths", Shape::Object(INGRESS_PATH))];

static INGRESS_RULE_VALUE: &[Field] = &[one(1, "http", Shape::Object(HTTP_RULE_VALUE))];

static INGRESS_RULE: &[Field] = &[
    one(1, "host", Text),
    one(2, "", Shape::Inline(INGRESS_RULE_VALUE)),
];

static INGRESS_TLS: &[Field] = &[many(1, "hosts", Text), one(2, "secretName", Text)];

static INGRESS_SPEC: &[Field] = &[
    one(1, "defaultBackend", Shape::Object(INGRESS_BACKEND)),
    many(2, "tls", Shape::Object(INGRESS_TLS)),
    many(3, "rules", Shape::Object(INGRESS_RULE)),
    one(4, "ingressClassName", Text),
];

static INGRESS: &[Field] = &[METADATA, one(2, "spec", Shape::Object(INGRESS_SPEC))];

static POD_DISRUPTION_BUDGET_SPEC: &[Field] = &[
    one(1, "minAvailable", IntOrString),
    one(2, "selector", Shape::Object(LABEL_SELECTOR)),
    one(3, "maxUnavailable", IntOrString),
    one(4, "unhealthyPodEvictionPolicy", Text),
];

static POD_DISRUPTION_BUDGET: &[Field] = &[
    METADATA,
    one(2, "spec", Shape::Object(POD_DISRUPTION_BUDGET_SPEC)),
];

static PRIORITY_CLASS: &[Field] = &[
    METADATA,
    one(2, "value", Int),
    one(3, "globalDefault", Bool),
    one(4, "description", Text),
    one(5, "preemptionPolicy", Text),
];

// ---- autoscaling/v1 (kubectl autoscale) --------------------------------------

static CROSS_VERSION_OBJECT_REFERENCE: &[Field] = &[
    one(1, "kind", Text),
    one(2, "name", Text),
    one(3, "apiVersion", Text),
];

static HORIZONTAL_POD_AUTOSCALER_SPEC_V1: &[Field] = &[
    one(
        1,
        "scaleTargetRef",
        Shape::Object(CROSS_VERSION_OBJECT_REFERENCE),
    ),
    one(2, "minReplicas", Int),
    one(3, "maxReplicas", Int),
    one(4, "targetCPUUtilizationPercentage", Int),
];

static HORIZONTAL_POD_AUTOSCALER_V1: &[Field] = &[
    METADATA,
    one(2, "spec", Shape::Object(HORIZONTAL_POD_AUTOSCALER_SPEC_V1)),
];

/// The schema of each kind a protobuf body may carry, by `apiVersion` and `kind`.
static KINDS: &[(&str, &str, &[Field])] = &[
    ("v1", "Pod", POD),
    ("v1", "Namespace", NAMESPACE),
    ("v1", "ConfigMap", CONFIG_MAP),
    ("v1", "Secret", SECRET),
    ("v1", "Service", SERVICE),
    ("v1", "ServiceAccount", SERVICE_ACCOUNT),
    ("v1", "ResourceQuota", RESOURCE_QUOTA),
    ("apps/v1", "Deployment", DEPLOYMENT),
    ("batch/v1", "Job", JOB),
    ("batch/v1", "CronJob", CRON_JOB),
    ("rbac.authorization.k8s.io/v1", "Role", ROLE),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", ROLE),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", ROLE_BINDING),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        ROLE_BINDING,
    ),
    ("networking.k8s.io/v1", "Ingress", INGRESS),
    ("policy/v1", "PodDisruptionBudget", POD_DISRUPTION_BUDGET),
    ("scheduling.k8s.io/v1", "PriorityClass", PRIORITY_CLASS),
    (
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        HORIZONTAL_POD_AUTOSCALER_V1,
    ),
];

/// Why a protobuf body could not be read as an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoObjectError {
    /// The bytes are not a Kubernetes protobuf message.
    #[error("the protobuf body cannot be read: {0}")]
    Decode(#[from] DecodeError),
    /// A kind this server does not read from protobuf.
    #[error("{kind} of {api_version} is not accepted as protobuf here; send it as JSON or YAML")]
    UnknownKind {
        /// `typeMeta.apiVersion`.
        api_version: String,
        /// `typeMeta.kind`.
        kind: String,
    },
}

/// The JSON object of a `k8s\0` protobuf body of a built-in kind.
pub fn decode(body: &[u8]) -> Result<Value, ProtoObjectError> {
    let envelope = protobuf::envelope(body)?;
    let schema = KINDS
        .iter()
        .find(|(api_version, kind, _)| {
            *api_version == envelope.api_version && *kind == envelope.kind
        })
        .map(|(_, _, schema)| *schema)
        .ok_or_else(|| ProtoObjectError::UnknownKind {
            api_version: envelope.api_version.clone(),
            kind: envelope.kind.clone(),
        })?;
    let mut object = message(&envelope.object, schema)?;
    object.insert("apiVersion".into(), json!(envelope.api_version));
    object.insert("kind".into(), json!(envelope.kind));
    Ok(Value::Object(object))
}

/// One message as a JSON object, its fields in schema order.
fn message(encoded: &Message<'_>, schema: &[Field]) -> Result<Map<String, Value>, DecodeError> {
    let mut object = Map::new();
    for field in schema {
        let values: Vec<WireValue<'_>> = encoded.all(field.number).collect();
        if values.is_empty() {
            continue;
        }
        if let Shape::Inline(inner) = field.shape {
            for value in &values {
                if let WireValue::Bytes(bytes) = value {
                    object.extend(message(&Message::parse(bytes)?, inner)?);
                }
            }
            continue;
        }
        let mut decoded = Vec::with_capacity(values.len());
        for value in values {
            decoded.push(scalar(value, field.shape)?);
        }
        let value = if field.repeated {
            Value::Array(decoded)
        } else if let Shape::Map(_) = field.shape {
            // Each map entry arrives as its own field occurrence.
            Value::Object(
                decoded
                    .into_iter()
                    .filter_map(|entry| match entry {
                        Value::Object(map) => Some(map),
                        _ => None,
                    })
                    .flatten()
                    .collect(),
            )
        } else {
            decoded.pop().unwrap_or(Value::Null)
        };
        object.insert(field.name.to_owned(), value);
    }
    Ok(object)
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One field occurrence as JSON (a map entry as a one-key object).
fn scalar(value: WireValue<'_>, shape: Shape) -> Result<Value, DecodeError> {
    let bytes = match value {
        WireValue::Varint(number) => {
            return Ok(match shape {
                Shape::Bool => json!(number != 0),
                // Negative int32/int64 values are sent as 64-bit two's complement.
                _ => json!(number as i64),
            });
        }
        WireValue::Bytes(bytes) => bytes,
        WireValue::Fixed => return Ok(Value::Null),
    };
    Ok(match shape {
        Shape::Text => json!(text_of(bytes)),
        Shape::Object(schema) | Shape::Inline(schema) => {
            Value::Object(message(&Message::parse(bytes)?, schema)?)
        }
        Shape::Map(kind) => {
            let entry = Message::parse(bytes)?;
            let value = match kind {
                MapValue::Text => json!(entry.string(2)),
                MapValue::Bytes => json!(
                    base64::engine::general_purpose::STANDARD
                        .encode(entry.bytes(2).unwrap_or_default())
                ),
                MapValue::Quantity => json!(entry.message(2)?.string(1)),
            };
            json!({ entry.string(1): value })
        }
        Shape::IntOrString => {
            let parsed = Message::parse(bytes)?;
            if parsed.varint(1) == Some(1) {
                json!(parsed.string(3))
            } else {
                json!(parsed.varint(2).unwrap_or(0) as i64)
            }
        }
        Shape::Quantity => json!(Message::parse(bytes)?.string(1)),
        Shape::Time => {
            let seconds = Message::parse(bytes)?.varint(1).unwrap_or(0) as i64;
            json!(rfc3339(from_unix_seconds(seconds)))
        }
        Shape::Int | Shape::Bool => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::encode::{bytes, envelope, number};

    fn map_entry(number_of_field: u32, key: &str, value: &[u8]) -> Vec<u8> {
        bytes(
            number_of_field,
            &[bytes(1, key.as_bytes()), bytes(2, value)].concat(),
        )
    }

    #[test]
    fn a_deployment_from_kubectl_create_reads_as_json() {
        let metadata = [
            bytes(1, b"web"),
            bytes(3, b"shop"),
            map_entry(11, "app", b"web"),
        ]
        .concat();
        let container = [
            bytes(1, b"nginx"),
            bytes(2, b"nginx:1.27"),
            bytes(6, &[number(3, 8080), bytes(4, b"TCP")].concat()),
            bytes(8, &map_entry(2, "cpu", &bytes(1, b"100m"))),
            bytes(
                11,
                &[
                    bytes(
                        1,
                        &bytes(
                            2,
                            &[
                                bytes(1, b"/healthz"),
                                bytes(2, &[number(1, 1), bytes(3, b"http")].concat()),
                            ]
                            .concat(),
                        ),
                    ),
                    number(4, 5),
                ]
                .concat(),
            ),
        ]
        .concat();
        let template = [
            bytes(1, &map_entry(11, "app", b"web")),
            bytes(2, &[bytes(2, &container), bytes(3, b"Always")].concat()),
        ]
        .concat();
        let spec = [
            number(1, 3),
            bytes(2, &map_entry(1, "app", b"web")),
            bytes(3, &template),
        ]
        .concat();
        let body = envelope(
            "apps/v1",
            "Deployment",
            &[bytes(1, &metadata), bytes(2, &spec)].concat(),
        );
        let object = decode(&body).expect("a Deployment");
        assert_eq!(
            object,
            json!({
                "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{
                            "name": "nginx", "image": "nginx:1.27",
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "100m"}},
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
                        }], "restartPolicy": "Always"},
                    },
                },
                "apiVersion": "apps/v1",
                "kind": "Deployment",
            })
        );
    }

    #[test]
    fn inline_references_secrets_and_int_or_string_ports() {
        let env_from = bytes(19, &bytes(2, &bytes(1, &bytes(1, b"settings"))));
        let pod_spec = bytes(
            2,
            &[bytes(1, b"app"), bytes(2, b"busybox"), env_from].concat(),
        );
        let body = envelope(
            "v1",
            "Pod",
            &[bytes(1, &bytes(1, b"p")), bytes(2, &pod_spec)].concat(),
        );
        let pod = decode(&body).expect("a Pod");
        assert_eq!(
            pod["spec"]["containers"][0]["envFrom"],
            json!([{"configMapRef": {"name": "settings"}}])
        );

        let secret = envelope(
            "v1",
            "Secret",
            &[
                bytes(1, &bytes(1, b"db")),
                map_entry(2, "password", b"s3cret"),
                bytes(3, b"Opaque"),
            ]
            .concat(),
        );
        let secret = decode(&secret).expect("a Secret");
        assert_eq!(secret["data"], json!({"password": "czNjcmV0"}));
        assert_eq!(secret["type"], "Opaque");

        let port = [
            bytes(1, b"http"),
            number(3, 80),
            bytes(4, &[number(1, 0), number(2, 8080)].concat()),
        ]
        .concat();
        let service = envelope(
            "v1",
            "Service",
            &[
                bytes(1, &bytes(1, b"web")),
                bytes(2, &[bytes(1, &port), bytes(4, b"ClusterIP")].concat()),
            ]
            .concat(),
        );
        let service = decode(&service).expect("a Service");
        assert_eq!(
            service["spec"],
            json!({"ports": [{"name": "http", "port": 80, "targetPort": 8080}], "type": "ClusterIP"})
        );
    }

    #[test]
    fn an_unknown_kind_and_garbage_are_errors() {
        let body = envelope("example.com/v1", "Widget", &bytes(1, &bytes(1, b"w")));
        assert_eq!(
            decode(&body).expect_err("unknown kind").to_string(),
            "Widget of example.com/v1 is not accepted as protobuf here; send it as JSON or YAML"
        );
        assert!(decode(b"{\"kind\": \"Pod\"}").is_err());
    }
}
