//! "What uses the postgres-credentials secret", "which pods mount pvc
//! data-0", "is configmap app-config used anywhere": the workloads and
//! pods of a namespace that name one ConfigMap, Secret, claim or service
//! account, and where (`references::of_pod` of each pod template).
//!
//! No API call answers this: the namespace's workloads are listed kind by
//! kind and each is read (its pod template holds the references), then
//! the pods no workload read accounts for (bare pods, pods of kinds not
//! listed). The answer says how much it read, and stops reading at
//! [`MAX_CONSUMER_READS`] objects, saying so, so a namespace with
//! hundreds of workloads costs a bounded number of calls.

use serde_json::Value;

use crate::cluster::{Cluster, Fetched, cell};
use crate::error::WorkflowError;
use crate::references;

/// The kinds a request may ask the users of, as the API names them.
pub(crate) const CONSUMED_KINDS: [&str; 4] = [
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "ServiceAccount",
];

/// The most objects read one by one for one question: beyond it the
/// answer says which kinds were not read rather than make hundreds of
/// calls.
const MAX_CONSUMER_READS: usize = 60;

/// The workload kinds read for their pod templates, with where each keeps
/// the template.
const WORKLOADS: [(&str, &str, &str); 5] = [
    ("apps/v1", "Deployment", "/spec/template"),
    ("apps/v1", "StatefulSet", "/spec/template"),
    ("apps/v1", "DaemonSet", "/spec/template"),
    ("batch/v1", "CronJob", "/spec/jobTemplate/spec/template"),
    ("batch/v1", "Job", "/spec/template"),
];

/// Who in a namespace names one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Consumers {
    /// The object asked about, as `secret/postgres-credentials`.
    object: String,
    /// Its namespace.
    namespace: String,
    /// Each user (`deployment/checkout`, `pod/debug-1`) with the places
    /// it names the object.
    users: Vec<(String, Vec<String>)>,
    /// How many workloads and pods were read.
    read: usize,
    /// What was left unread at [`MAX_CONSUMER_READS`].
    unread: Vec<String>,
}

impl Consumers {
    /// Reads the workloads and pods of `namespace` for references to
    /// `kind`/`name`.
    pub(crate) async fn read(
        cluster: &Cluster,
        context: &str,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<Self, WorkflowError> {
        let mut found = Consumers {
            object: format!("{}/{name}", kind.to_lowercase()),
            namespace: namespace.to_owned(),
            users: Vec::new(),
            read: 0,
            unread: Vec::new(),
        };
        let mut read_workloads: Vec<(&str, String)> = Vec::new();
        for (api_version, workload, template) in WORKLOADS {
            let rows = cluster
                .list(context, api_version, workload, Some(namespace), None)
                .await?;
            for held in rows.iter().filter_map(|row| cell(row, "name")) {
                // A CronJob's Jobs run its template, read with it.
                if workload == "Job"
                    && read_workloads
                        .iter()
                        .any(|(kind, owner)| *kind == "CronJob" && job_of_cronjob(held, owner))
                {
                    continue;
                }
                if found.read == MAX_CONSUMER_READS {
                    found
                        .unread
                        .push(format!("{}/{held}", workload.to_lowercase()));
                    continue;
                }
                let Fetched::Found(object) = cluster
                    .get(context, api_version, workload, held, Some(namespace))
                    .await?
                else {
                    continue;
                };
                found.read += 1;
                read_workloads.push((workload, held.to_owned()));
                let mut places = object
                    .pointer(template)
                    .map(|template| places(template, kind, name))
                    .unwrap_or_default();
                if kind == "PersistentVolumeClaim" {
                    places.extend(claim_templates(&object, held, name));
                }
                found.note(&format!("{}/{held}", workload.to_lowercase()), places);
            }
        }
        // Pods no workload read above made (bare pods, pods of other kinds).
        let pods = cluster
            .list(context, "v1", "Pod", Some(namespace), None)
            .await?;
        for pod in pods.iter().filter_map(|row| cell(row, "name")) {
            if read_workloads
                .iter()
                .any(|(kind, owner)| made_by(pod, kind, owner))
            {
                continue;
            }
            if found.read == MAX_CONSUMER_READS {
                found.unread.push(format!("pod/{pod}"));
                continue;
            }
            if let Fetched::Found(object) = cluster
                .get(context, "v1", "Pod", pod, Some(namespace))
                .await?
            {
                found.read += 1;
                found.note(&format!("pod/{pod}"), places(&object, kind, name));
            }
        }
        Ok(found)
    }

    fn note(&mut self, user: &str, places: Vec<String>) {
        if !places.is_empty() {
            self.users.push((user.to_owned(), places));
        }
    }

    /// What a plan deleting the object must say first when something
    /// names it: who, and what happens to them (by the object's kind).
    /// `None` when nothing read names it.
    pub(crate) fn in_use_warning(&self, kind: &str) -> Option<String> {
        if self.users.is_empty() {
            return None;
        }
        let who: Vec<String> = self
            .users
            .iter()
            .map(|(user, places)| format!("{user} ({})", places.join("; ")))
            .collect();
        let consequence = match kind {
            "PersistentVolumeClaim" => {
                "the claim stays Terminating (kubernetes.io/pvc-protection) until no pod mounts it; then their new pods cannot start (a StatefulSet makes a new, empty claim instead)"
            }
            "ServiceAccount" => {
                "new pods of these are refused (the service account is not found) until it exists again"
            }
            _ => {
                "their running pods keep what they read, but any pod started after the delete fails (CreateContainerConfigError, or a volume that cannot mount)"
            }
        };
        Some(format!(
            "IN USE: {} is named by {}: {consequence}",
            self.object,
            who.join(", ")
        ))
    }

    /// The answer's lead: who uses the object and where, or that nothing
    /// read does, and how much was read.
    pub(crate) fn answer(&self) -> String {
        let Consumers {
            object,
            namespace,
            users,
            read,
            unread,
        } = self;
        let mut text = match users.len() {
            0 => format!(
                "Nothing in namespace {namespace} uses {object}: none of the {read} workloads and pods read names it."
            ),
            count => {
                let mut text = format!(
                    "{object} in namespace {namespace} is used by {count} of the {read} workloads and pods read:"
                );
                for (user, places) in users {
                    text.push_str(&format!("\n  {user}: {}", places.join("; ")));
                }
                text
            }
        };
        if !unread.is_empty() {
            text.push_str(&format!(
                "\nNot read (at most {MAX_CONSUMER_READS} objects are read for one question): {}.",
                unread.join(", ")
            ));
        }
        text
    }
}

/// Where a pod template (or pod) names `kind`/`name`, as `env DB_PASSWORD
/// of container app (key password)`.
fn places(pod: &Value, kind: &str, name: &str) -> Vec<String> {
    references::of_pod(pod)
        .into_iter()
        .filter(|reference| reference.kind == kind && reference.name == name)
        // A volume's items repeat the volume: its place with the key says it.
        .filter(|reference| reference.key.is_none() || !reference.place.starts_with("item "))
        .map(|reference| {
            let mut place = reference.place;
            if let Some(key) = reference.key {
                place.push_str(&format!(" (key {key})"));
            }
            if reference.optional {
                place.push_str(" (optional)");
            }
            place
        })
        .collect()
}

/// Whether `pod` is named as `kind`/`owner` names its pods: a
/// Deployment's `OWNER-HASH-SUFFIX`, a StatefulSet's `OWNER-ORDINAL`, a
/// DaemonSet's or Job's `OWNER-SUFFIX`, a CronJob's (through its Job)
/// `OWNER-TIME-SUFFIX`. A bare pod called `web-debug` is not web's.
fn made_by(pod: &str, kind: &str, owner: &str) -> bool {
    let Some(rest) = pod
        .strip_prefix(owner)
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    let alphanumeric = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match (kind, parts.as_slice()) {
        ("Deployment", [hash, suffix]) => alphanumeric(hash) && alphanumeric(suffix),
        ("StatefulSet", [ordinal]) => digits(ordinal),
        ("DaemonSet" | "Job", [suffix]) => alphanumeric(suffix),
        ("CronJob", [time, suffix]) => digits(time) && alphanumeric(suffix),
        _ => false,
    }
}

/// Whether `job` is one a CronJob called `owner` created (`OWNER-TIME`).
fn job_of_cronjob(job: &str, owner: &str) -> bool {
    job.strip_prefix(owner)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|time| !time.is_empty() && time.bytes().all(|b| b.is_ascii_digit()))
}

/// A StatefulSet's claim templates make claims named
/// `TEMPLATE-STATEFULSET-ORDINAL`: the template that made `claim`, if one
/// did.
fn claim_templates(statefulset: &Value, held: &str, claim: &str) -> Vec<String> {
    statefulset
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|template| template.pointer("/metadata/name").and_then(Value::as_str))
        .filter(|template| {
            claim
                .strip_prefix(&format!("{template}-{held}-"))
                .is_some_and(|ordinal| {
                    !ordinal.is_empty() && ordinal.bytes().all(|b| b.is_ascii_digit())
                })
        })
        .map(|template| format!("volumeClaimTemplates {template}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_places_are_those_naming_the_object_with_their_keys() {
        let template = json!({"spec": {
            "containers": [{"name": "app", "env": [
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "API", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}],
                "envFrom": [{"secretRef": {"name": "db", "optional": true}}]}],
            "volumes": [{"name": "creds", "secret": {"secretName": "db",
                "items": [{"key": "ca.crt", "path": "ca"}]}}],
        }});
        assert_eq!(
            places(&template, "Secret", "db"),
            [
                "env DB_PASSWORD of container app (key password)",
                "envFrom of container app (optional)",
                "volume creds",
            ]
        );
        assert!(places(&template, "ConfigMap", "db").is_empty());
    }

    #[test]
    fn a_pod_is_its_workloads_only_when_named_as_the_workload_names_pods() {
        assert!(made_by("web-7d9f8c6b5-x2k4p", "Deployment", "web"));
        assert!(!made_by("web-api-7d9f8c6b5-x2k4p", "Deployment", "web"));
        assert!(!made_by("web-debug", "Deployment", "web"));
        assert!(made_by("postgres-1", "StatefulSet", "postgres"));
        assert!(!made_by("postgres-x", "StatefulSet", "postgres"));
        assert!(made_by("exporter-8z5ww", "DaemonSet", "exporter"));
        assert!(made_by("db-backup-29012345-abcde", "CronJob", "db-backup"));
        assert!(job_of_cronjob("db-backup-29012345", "db-backup"));
        assert!(!job_of_cronjob("db-backup-manual", "db-backup"));
    }

    #[test]
    fn a_statefulsets_claims_are_those_its_templates_make() {
        let statefulset =
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}});
        assert_eq!(
            claim_templates(&statefulset, "postgres", "data-postgres-1"),
            ["volumeClaimTemplates data"]
        );
        for other in [
            "data-postgres",
            "data-postgres-x",
            "data-postgresql-0",
            "logs-postgres-0",
        ] {
            assert!(
                claim_templates(&statefulset, "postgres", other).is_empty(),
                "{other}"
            );
        }
    }

    #[test]
    fn the_answer_says_who_where_and_how_much_was_read() {
        let mut found = Consumers {
            object: "secret/db".into(),
            namespace: "shop".into(),
            users: Vec::new(),
            read: 3,
            unread: Vec::new(),
        };
        assert_eq!(
            found.answer(),
            "Nothing in namespace shop uses secret/db: none of the 3 workloads and pods read names it."
        );
        assert_eq!(found.in_use_warning("Secret"), None);
        found.note("deployment/checkout", vec!["volume creds".into()]);
        assert_eq!(
            found.in_use_warning("Secret").as_deref(),
            Some(
                "IN USE: secret/db is named by deployment/checkout (volume creds): their running pods keep what they read, but any pod started after the delete fails (CreateContainerConfigError, or a volume that cannot mount)"
            )
        );
        found.note("pod/debug", Vec::new());
        found.unread.push("pod/extra".into());
        assert_eq!(
            found.answer(),
            "secret/db in namespace shop is used by 1 of the 3 workloads and pods read:\n  deployment/checkout: volume creds\nNot read (at most 60 objects are read for one question): pod/extra."
        );
    }
}
