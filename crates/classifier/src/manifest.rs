//! Deterministic YAML manifests for `resources_create_or_update`, built from
//! the kind, name, namespace, image and counts a request gives.
//!
//! Two shapes:
//! - **Creations** ("create namespace foo", "create a deployment web with image
//!   nginx:1.27 and 3 replicas in staging") are complete objects.
//! - **In-place changes** (restart, set image, cordon, label, annotate, suspend)
//!   hold only the fields that change. The MCP tool applies with server-side
//!   apply and its description asks for the full desired state, so the
//!   workflow's planning step (read before write) fetches the live object with
//!   `resources_get` and merges these fields into it before execution.
//!
//! A restart is the pod template annotation `kubectl.kubernetes.io/restartedAt`
//! (what `kubectl rollout restart` sets). Its value here is
//! [`RESTARTED_AT_PLACEHOLDER`]: the classifier is pure and has no clock, so
//! the workflow fills in the timestamp when it builds the plan.

use std::fmt::Write;

use crate::kinds::ResourceKind;

/// The value of `kubectl.kubernetes.io/restartedAt` in a restart manifest; the
/// workflow replaces it with the current RFC 3339 time.
pub const RESTARTED_AT_PLACEHOLDER: &str = "${RESTARTED_AT}";

/// The container name in a set-image or resource change whose request names
/// no container; the workflow replaces it with the workload's only container
/// (read before write) or asks which one when there are several.
pub const CONTAINER_PLACEHOLDER: &str = "${CONTAINER}";

/// The pod template of a rollback to the revision before the running one
/// ("roll back checkout"): the workflow replaces it with that revision's
/// template, read from the workload's history (a Deployment's ReplicaSets,
/// a StatefulSet's or DaemonSet's ControllerRevisions), as `kubectl rollout
/// undo` does.
pub const PREVIOUS_REVISION_PLACEHOLDER: &str = "${PREVIOUS_REVISION}";

/// How the pod template of a rollback to a numbered revision starts: "roll
/// back checkout to revision 3" is `${REVISION:3}` (`kubectl rollout undo
/// --to-revision=3`).
pub const REVISION_PLACEHOLDER_PREFIX: &str = "${REVISION:";

/// How the `spec` of a Job run from a CronJob starts ("run the
/// nightly-export cronjob now", `kubectl create job x
/// --from=cronjob/nightly-export`): `${FROM_CRONJOB:nightly-export}`. The
/// workflow reads that CronJob and puts its job template there, as kubectl
/// does; the classifier never guesses what a CronJob runs.
pub const FROM_CRONJOB_PLACEHOLDER_PREFIX: &str = "${FROM_CRONJOB:";

/// How the selector of a Service exposing a workload starts ("expose
/// deployment nginx --port 80"): `${SELECTOR_OF:Deployment/nginx}`. The
/// workflow reads that workload and selects its pods as `kubectl expose`
/// does; the classifier never guesses labels.
pub const SELECTOR_OF_PLACEHOLDER_PREFIX: &str = "${SELECTOR_OF:";

/// How the image of a change that gives only a tag starts: "set the image
/// of checkout to 3.2.1" is `${TAG:3.2.1}`. The workflow puts the tag on
/// the repository the container runs now (read before write), as a
/// person bumping a version means; the classifier never guesses a
/// repository.
pub const IMAGE_TAG_PLACEHOLDER_PREFIX: &str = "${TAG:";

/// The image of a change that gives only `tag` (see
/// [`IMAGE_TAG_PLACEHOLDER_PREFIX`]).
pub(crate) fn image_tag(tag: &str) -> String {
    format!("{IMAGE_TAG_PLACEHOLDER_PREFIX}{tag}}}")
}

/// Whether a word is an image tag given alone: a version ("3.2.1",
/// "v2.0.0-rc1", "7") or `latest`. Longer than a tag may be (128
/// characters), or starting with anything else, it is not.
pub(crate) fn is_tag_shaped(word: &str) -> bool {
    let version = word.strip_prefix(['v', 'V']).unwrap_or(word);
    word.len() <= 128
        && (word.eq_ignore_ascii_case("latest")
            || version.starts_with(|c: char| c.is_ascii_digit())
                && word
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)))
}

/// Longest name of a Job (it becomes a label value: 63 characters).
const MAX_JOB_NAME: usize = 63;

/// The annotation a restart sets on the pod template.
pub const RESTARTED_AT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

/// A YAML double-quoted scalar: safe for any user-given text.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_quoted(&mut out, text);
    out
}

/// Appends `text` as a YAML double-quoted scalar. Names, namespaces and
/// images are plain printable ASCII, copied at once; anything else is
/// escaped character by character.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(text);
    } else {
        for ch in text.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// `apiVersion`, `kind` and `metadata` with the name and namespace. Built
/// with plain appends: every change manifest starts with it.
fn header(out: &mut String, kind: ResourceKind, name: &str, namespace: Option<&str>) {
    out.push_str("apiVersion: ");
    out.push_str(kind.api_version());
    out.push_str("\nkind: ");
    out.push_str(kind.kind());
    out.push_str("\nmetadata:\n  name: ");
    push_quoted(out, name);
    out.push('\n');
    if let Some(namespace) = namespace.filter(|_| kind.namespaced()) {
        out.push_str("  namespace: ");
        push_quoted(out, namespace);
        out.push('\n');
    }
}

/// A Namespace.
pub(crate) fn namespace(name: &str) -> String {
    let mut out = String::with_capacity(96);
    header(&mut out, ResourceKind::Namespace, name, None);
    out
}

/// A ServiceAccount.
pub(crate) fn service_account(name: &str, namespace: Option<&str>) -> String {
    let mut out = String::with_capacity(96);
    header(&mut out, ResourceKind::ServiceAccount, name, namespace);
    out
}

/// A ConfigMap with the given `key=value` data (possibly none).
pub(crate) fn config_map(name: &str, namespace: Option<&str>, data: &[(String, String)]) -> String {
    let mut out = String::with_capacity(160);
    header(&mut out, ResourceKind::ConfigMap, name, namespace);
    if !data.is_empty() {
        out.push_str("data:\n");
        for (key, value) in data {
            let _ = writeln!(out, "  {}: {}", quoted(key), quoted(value));
        }
    }
    out
}

/// An Opaque Secret from `key=value` pairs (as `stringData`).
pub(crate) fn secret(name: &str, namespace: Option<&str>, data: &[(String, String)]) -> String {
    let mut out = String::with_capacity(160);
    header(&mut out, ResourceKind::Secret, name, namespace);
    out.push_str("type: Opaque\nstringData:\n");
    for (key, value) in data {
        let _ = writeln!(out, "  {}: {}", quoted(key), quoted(value));
    }
    out
}

/// What a workload manifest is built from.
#[derive(Debug)]
pub(crate) struct Workload<'a> {
    pub kind: ResourceKind,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    pub image: &'a str,
    pub replicas: Option<u32>,
    pub port: Option<u16>,
    pub schedule: Option<&'a str>,
}

/// A Deployment, StatefulSet, DaemonSet, Job or CronJob running one container
/// named after the object, labelled `app: <name>` (as `kubectl create
/// deployment` does, so later selectors and services can find it).
pub(crate) fn workload(spec: &Workload<'_>) -> String {
    let mut out = String::with_capacity(512);
    header(&mut out, spec.kind, spec.name, spec.namespace);
    let app = quoted(spec.name);
    let _ = writeln!(out, "  labels:\n    app: {app}");
    out.push_str("spec:\n");
    // The pod template sits at a depth that depends on the kind.
    let indent = match spec.kind {
        ResourceKind::CronJob => {
            let _ = writeln!(
                out,
                "  schedule: {}",
                quoted(spec.schedule.unwrap_or_default())
            );
            out.push_str("  jobTemplate:\n    spec:\n");
            "      "
        }
        ResourceKind::Job => "  ",
        _ => {
            if let Some(replicas) = spec
                .replicas
                .filter(|_| spec.kind != ResourceKind::DaemonSet)
            {
                let _ = writeln!(out, "  replicas: {replicas}");
            }
            if spec.kind == ResourceKind::StatefulSet {
                let _ = writeln!(out, "  serviceName: {app}");
            }
            let _ = writeln!(out, "  selector:\n    matchLabels:\n      app: {app}");
            "  "
        }
    };
    let _ = writeln!(out, "{indent}template:");
    let _ = writeln!(
        out,
        "{indent}  metadata:\n{indent}    labels:\n{indent}      app: {app}"
    );
    let _ = writeln!(out, "{indent}  spec:");
    if matches!(spec.kind, ResourceKind::Job | ResourceKind::CronJob) {
        let _ = writeln!(out, "{indent}    restartPolicy: Never");
    }
    let _ = writeln!(out, "{indent}    containers:");
    let _ = writeln!(out, "{indent}    - name: {app}");
    let _ = writeln!(out, "{indent}      image: {}", quoted(spec.image));
    if let Some(port) = spec.port {
        let _ = writeln!(
            out,
            "{indent}      ports:\n{indent}      - containerPort: {port}"
        );
    }
    out
}

/// The restart of a Deployment, StatefulSet or DaemonSet: the pod template's
/// `kubectl.kubernetes.io/restartedAt` annotation (fields to merge, see the
/// module doc).
pub(crate) fn restart(kind: ResourceKind, name: &str, namespace: Option<&str>) -> String {
    let mut out = String::with_capacity(256);
    header(&mut out, kind, name, namespace);
    out.push_str("spec:\n  template:\n    metadata:\n      annotations:\n        ");
    out.push_str(RESTARTED_AT_ANNOTATION);
    out.push_str(": ");
    push_quoted(&mut out, RESTARTED_AT_PLACEHOLDER);
    out.push('\n');
    out
}

/// A rollback of a Deployment, StatefulSet or DaemonSet to `revision` (the
/// previous one when `None`): its pod template is the placeholder the
/// workflow replaces with the revision's template.
pub(crate) fn rollback(
    kind: ResourceKind,
    name: &str,
    namespace: Option<&str>,
    revision: Option<u32>,
) -> String {
    let mut out = String::with_capacity(160);
    header(&mut out, kind, name, namespace);
    out.push_str("spec:\n  template: ");
    match revision {
        Some(number) => push_quoted(
            &mut out,
            &format!("{REVISION_PLACEHOLDER_PREFIX}{number}}}"),
        ),
        None => push_quoted(&mut out, PREVIOUS_REVISION_PLACEHOLDER),
    }
    out.push('\n');
    out
}

/// A Job run from CronJob `cronjob`: its spec is the placeholder the
/// workflow replaces with the CronJob's job template.
pub(crate) fn job_from_cronjob(name: &str, namespace: Option<&str>, cronjob: &str) -> String {
    let mut out = String::with_capacity(160);
    header(&mut out, ResourceKind::Job, name, namespace);
    out.push_str("spec: ");
    push_quoted(
        &mut out,
        &format!("{FROM_CRONJOB_PLACEHOLDER_PREFIX}{cronjob}}}"),
    );
    out.push('\n');
    out
}

/// A Service exposing the pods of one workload, as a request gives it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exposed<'a> {
    /// The Service's name (the workload's unless `--name` says otherwise).
    pub(crate) service: &'a str,
    pub(crate) namespace: Option<&'a str>,
    /// The workload whose pods it selects.
    pub(crate) kind: ResourceKind,
    pub(crate) workload: &'a str,
    /// The port it serves on; `None`: the workflow takes the containers'.
    pub(crate) port: Option<u16>,
    /// The port on the pods; `None`: the workflow decides from the containers.
    pub(crate) target_port: Option<u16>,
    /// `NodePort` or `LoadBalancer`; `None` is the API's ClusterIP.
    pub(crate) service_type: Option<&'static str>,
}

/// A Service exposing a workload: its selector is the placeholder
/// [`SELECTOR_OF_PLACEHOLDER_PREFIX`] names.
pub(crate) fn exposed_service(exposed: &Exposed<'_>) -> String {
    let mut out = String::with_capacity(200);
    header(
        &mut out,
        ResourceKind::Service,
        exposed.service,
        exposed.namespace,
    );
    out.push_str("spec:\n  selector: ");
    push_quoted(
        &mut out,
        &format!(
            "{SELECTOR_OF_PLACEHOLDER_PREFIX}{}/{}}}",
            exposed.kind.kind(),
            exposed.workload
        ),
    );
    out.push('\n');
    if let Some(service_type) = exposed.service_type {
        out.push_str("  type: ");
        out.push_str(service_type);
        out.push('\n');
    }
    if let Some(port) = exposed.port {
        out.push_str(&format!("  ports:\n  - port: {port}\n"));
        if let Some(target) = exposed.target_port {
            out.push_str(&format!("    targetPort: {target}\n"));
        }
    }
    out
}

/// The name of a Job started by hand from CronJob `cronjob` when the request
/// names none: `<cronjob>-manual`, cut to a Job name's length.
pub(crate) fn manual_job_name(cronjob: &str) -> String {
    const SUFFIX: &str = "-manual";
    let mut base = cronjob.to_owned();
    base.truncate(MAX_JOB_NAME - SUFFIX.len());
    format!("{}{SUFFIX}", base.trim_end_matches('-'))
}

/// A new image for one container (fields to merge; containers merge by name).
pub(crate) fn set_image(
    kind: ResourceKind,
    name: &str,
    namespace: Option<&str>,
    container: &str,
    image: &str,
) -> String {
    let mut out = String::with_capacity(256);
    header(&mut out, kind, name, namespace);
    out.push_str("spec:\n  template:\n    spec:\n      containers:\n      - name: ");
    push_quoted(&mut out, container);
    out.push_str("\n        image: ");
    push_quoted(&mut out, image);
    out.push('\n');
    out
}

/// Environment variables of one container (fields to merge; containers,
/// and their `env` entries, merge by name).
pub(crate) fn set_env(
    kind: ResourceKind,
    name: &str,
    namespace: Option<&str>,
    container: &str,
    variables: &[(String, String)],
) -> String {
    let mut out = String::with_capacity(256);
    header(&mut out, kind, name, namespace);
    out.push_str("spec:\n  template:\n    spec:\n      containers:\n      - name: ");
    push_quoted(&mut out, container);
    out.push_str("\n        env:\n");
    for (key, value) in variables {
        out.push_str("        - name: ");
        push_quoted(&mut out, key);
        out.push_str("\n          value: ");
        push_quoted(&mut out, value);
        out.push('\n');
    }
    out
}

/// Which side of a container's `resources` a change sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceBound {
    Limits,
    Requests,
}

/// One container's resource limits and requests (fields to merge):
/// `resources.limits.memory: 1Gi`, each `(bound, resource, quantity)` under
/// its bound, limits first, as `kubectl set resources --limits=cpu=1,memory=512Mi`
/// writes them.
pub(crate) fn container_resources(
    kind: ResourceKind,
    name: &str,
    namespace: Option<&str>,
    container: &str,
    settings: &[(ResourceBound, String, String)],
) -> String {
    let mut out = String::with_capacity(256);
    header(&mut out, kind, name, namespace);
    out.push_str("spec:\n  template:\n    spec:\n      containers:\n      - name: ");
    push_quoted(&mut out, container);
    out.push_str("\n        resources:\n");
    for (bound, word) in [
        (ResourceBound::Limits, "limits"),
        (ResourceBound::Requests, "requests"),
    ] {
        let mut under = settings.iter().filter(|(b, _, _)| *b == bound).peekable();
        if under.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "          {word}:");
        for (_, resource, quantity) in under {
            let _ = write!(out, "            {resource}: ");
            push_quoted(&mut out, quantity);
            out.push('\n');
        }
    }
    out
}

/// Cordon (`true`) or uncordon (`false`) a node (fields to merge).
pub(crate) fn node_unschedulable(name: &str, unschedulable: bool) -> String {
    let mut out = String::with_capacity(96);
    header(&mut out, ResourceKind::Node, name, None);
    let _ = writeln!(out, "spec:\n  unschedulable: {unschedulable}");
    out
}

/// Labels or annotations to add (fields to merge).
pub(crate) fn metadata(
    kind: ResourceKind,
    name: &str,
    namespace: Option<&str>,
    labels: bool,
    pairs: &[(String, String)],
) -> String {
    let mut out = String::with_capacity(192);
    header(&mut out, kind, name, namespace);
    out.push_str(if labels {
        "  labels:\n"
    } else {
        "  annotations:\n"
    });
    for (key, value) in pairs {
        let _ = writeln!(out, "    {}: {}", quoted(key), quoted(value));
    }
    out
}

/// Suspend (`true`) or resume (`false`) a CronJob (fields to merge).
pub(crate) fn cronjob_suspend(name: &str, namespace: Option<&str>, suspend: bool) -> String {
    let mut out = String::with_capacity(128);
    header(&mut out, ResourceKind::CronJob, name, namespace);
    let _ = writeln!(out, "spec:\n  suspend: {suspend}");
    out
}

/// Pause (`true`) or resume (`false`) a Deployment's rollout (`kubectl
/// rollout pause|resume`; fields to merge).
pub(crate) fn deployment_paused(name: &str, namespace: Option<&str>, paused: bool) -> String {
    let mut out = String::with_capacity(128);
    header(&mut out, ResourceKind::Deployment, name, namespace);
    let _ = writeln!(out, "spec:\n  paused: {paused}");
    out
}

/// A HorizontalPodAutoscaler's replica bound, `maxReplicas` (`maximum`)
/// or `minReplicas` (fields to merge: the autoscaler scales between them).
pub(crate) fn autoscaler_bound(
    name: &str,
    namespace: Option<&str>,
    maximum: bool,
    replicas: u32,
) -> String {
    let mut out = String::with_capacity(160);
    header(
        &mut out,
        ResourceKind::HorizontalPodAutoscaler,
        name,
        namespace,
    );
    let field = if maximum {
        "maxReplicas"
    } else {
        "minReplicas"
    };
    let _ = writeln!(out, "spec:\n  {field}: {replicas}");
    out
}

/// `kubectl autoscale`'s flags, as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AutoscaleFlags {
    /// `--min`: the fewest replicas.
    pub(crate) min: Option<u32>,
    /// `--max`: the most replicas (an autoscaler needs it).
    pub(crate) max: Option<u32>,
    /// `--cpu-percent`: the average CPU utilization aimed at.
    pub(crate) cpu_percent: Option<u32>,
}

/// The fields `kubectl autoscale` sets on autoscaler `name`, without its
/// target (the workflow finds or creates the autoscaler of the workload of
/// that name): its bounds and, when given, its CPU target.
pub(crate) fn autoscaler(name: &str, namespace: Option<&str>, flags: AutoscaleFlags) -> String {
    let mut out = String::with_capacity(240);
    header(
        &mut out,
        ResourceKind::HorizontalPodAutoscaler,
        name,
        namespace,
    );
    out.push_str("spec:\n");
    if let Some(max) = flags.max {
        let _ = writeln!(out, "  maxReplicas: {max}");
    }
    if let Some(min) = flags.min {
        let _ = writeln!(out, "  minReplicas: {min}");
    }
    if let Some(percent) = flags.cpu_percent {
        let _ = writeln!(
            out,
            "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization\n        averageUtilization: {percent}"
        );
    }
    out
}

/// The object name `kubectl create deployment --image` would suggest: the
/// image's last path segment without tag or digest (`nginx:1.27` → `nginx`).
pub(crate) fn name_from_image(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let base = last.split([':', '@']).next().unwrap_or(last);
    base.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_alone_is_a_version_or_latest() {
        for tag in ["3.2.1", "v2.0.0-rc1", "7", "1.27.2-alpine", "latest", "V3"] {
            assert!(is_tag_shaped(tag), "{tag}");
        }
        for word in [
            "web",
            "nginx:1.28",
            "v",
            "stable",
            "3.2/1",
            "",
            &"1".repeat(129),
        ] {
            assert!(!is_tag_shaped(word), "{word}");
        }
        assert_eq!(image_tag("3.2.1"), "${TAG:3.2.1}");
    }

    #[test]
    fn deployment_manifest_is_complete_and_deterministic() {
        let spec = Workload {
            kind: ResourceKind::Deployment,
            name: "web",
            namespace: Some("staging"),
            image: "nginx:1.27",
            replicas: Some(3),
            port: None,
            schedule: None,
        };
        let expected = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"web\"\n  namespace: \"staging\"\n  labels:\n    app: \"web\"\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: \"web\"\n  template:\n    metadata:\n      labels:\n        app: \"web\"\n    spec:\n      containers:\n      - name: \"web\"\n        image: \"nginx:1.27\"\n";
        assert_eq!(workload(&spec), expected);
    }

    #[test]
    fn restart_sets_the_placeholder_annotation() {
        let yaml = restart(ResourceKind::Deployment, "web", None);
        assert!(
            yaml.contains("kubectl.kubernetes.io/restartedAt: \"${RESTARTED_AT}\""),
            "{yaml}"
        );
        assert!(!yaml.contains("namespace"), "{yaml}");
    }

    #[test]
    fn a_rollback_names_its_revision_by_placeholder() {
        assert_eq!(
            rollback(
                ResourceKind::StatefulSet,
                "postgres",
                Some("production"),
                None
            ),
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: \"postgres\"\n  namespace: \"production\"\nspec:\n  template: \"${PREVIOUS_REVISION}\"\n"
        );
        assert!(
            rollback(ResourceKind::Deployment, "web", None, Some(3))
                .ends_with("spec:\n  template: \"${REVISION:3}\"\n")
        );
    }

    #[test]
    fn a_job_from_a_cronjob_names_the_cronjob_by_placeholder() {
        assert_eq!(
            job_from_cronjob("manual-export", Some("data"), "nightly-export"),
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: \"manual-export\"\n  namespace: \"data\"\nspec: \"${FROM_CRONJOB:nightly-export}\"\n"
        );
        assert_eq!(manual_job_name("nightly-export"), "nightly-export-manual");
        assert_eq!(manual_job_name(&"x".repeat(80)).len(), MAX_JOB_NAME);
    }

    #[test]
    fn user_text_is_quoted() {
        assert_eq!(quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(
            name_from_image("registry.io/team/api:2.0@sha256:abc"),
            "api"
        );
    }
}
