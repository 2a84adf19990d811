//! A run of a CronJob now ("run the nightly-export cronjob now", `kubectl
//! create job manual-export --from=cronjob/nightly-export`): a new Job
//! whose spec is the CronJob's job template, read from the cluster, never
//! guessed. The Job is built as kubectl builds it: the template's labels
//! and annotations, `cronjob.kubernetes.io/instantiate: manual`, and the
//! CronJob as its controlling owner (so the CronJob's history lists it and
//! its deletion takes the run along). The plan card says what will run.

use classifier::FROM_CRONJOB_PLACEHOLDER_PREFIX;
use serde_json::{Map, Value, json};

use super::{Subject, creation, fetch, missing};
use crate::cluster::Fetched;
use crate::coordinator::Pipeline;
use crate::error::WorkflowError;
use crate::plan::Planned;
use crate::response::{Clarify, Response};

/// The annotation kubectl puts on a Job it creates from a CronJob.
const INSTANTIATE_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";

/// The CronJob a Job manifest is to be run from: its `spec` is the
/// classifier's placeholder naming it.
pub(super) fn requested(manifest: &Value) -> Option<String> {
    manifest
        .get("spec")?
        .as_str()?
        .strip_prefix(FROM_CRONJOB_PLACEHOLDER_PREFIX)?
        .strip_suffix('}')
        .map(str::to_owned)
}

/// Plans Job `job` (its name and place settled) from CronJob `cronjob` in
/// the same namespace: the question when the CronJob is not there or the
/// Job's name is taken, else the plan whose card shows the containers
/// that will run.
pub(super) async fn plan(
    pipeline: &Pipeline,
    job: &Subject,
    cronjob: &str,
) -> Result<Result<Planned, Response>, WorkflowError> {
    let source = Subject {
        api_version: "batch/v1".to_owned(),
        kind: "CronJob".to_owned(),
        name: cronjob.to_owned(),
        ..job.clone()
    };
    let Fetched::Found(live_cronjob) = fetch(pipeline, &source).await? else {
        return Ok(Err(missing(pipeline, &source).await?));
    };
    if let Fetched::Found(existing) = fetch(pipeline, job).await? {
        return Ok(Err(Response::Clarify(name_taken(job, cronjob, &existing))));
    }
    let Some(manifest) = job_manifest(job, &live_cronjob) else {
        return Err(WorkflowError::InvalidManifest(format!(
            "cronjob/{cronjob}{} has no spec.jobTemplate.spec to run",
            job.place()
        )));
    };
    let planned = creation(pipeline, job, &manifest).await?;
    let Planned::Change(mut draft) = planned else {
        return Ok(Ok(planned));
    };
    let containers = containers(&manifest);
    draft.current = json!({"cronjob": cronjob, "schedule": live_cronjob.pointer("/spec/schedule")});
    draft.desired = json!({"job": job.name, "containers": containers});
    draft.warnings.insert(
        0,
        format!(
            "Runs cronjob/{cronjob}'s job template now as job/{}{}, outside its schedule: {}. Verified once the job completes; still running after {}s, it is reported unverified.",
            job.name,
            job.place(),
            what_runs(&containers),
            pipeline.config.timings.job.as_secs()
        ),
    );
    if live_cronjob.pointer("/spec/suspend") == Some(&Value::Bool(true)) {
        draft.warnings.push(format!(
            "cronjob/{cronjob} is suspended: this run starts anyway, its schedule stays suspended."
        ));
    }
    draft.inferred.push(format!(
        "the job's spec: cronjob/{cronjob}'s spec.jobTemplate, read now"
    ));
    Ok(Ok(Planned::Change(draft)))
}

/// Job `job` as `kubectl create job --from=cronjob/...` builds it from
/// `cronjob`: `None` when the CronJob has no job template spec.
fn job_manifest(job: &Subject, cronjob: &Value) -> Option<Value> {
    let spec = cronjob.pointer("/spec/jobTemplate/spec")?.clone();
    let template_metadata = cronjob.pointer("/spec/jobTemplate/metadata");
    let copied = |field: &str| {
        template_metadata
            .and_then(|metadata| metadata.get(field))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let mut annotations = copied("annotations");
    annotations.insert(INSTANTIATE_ANNOTATION.into(), "manual".into());
    let mut metadata = Map::new();
    metadata.insert("name".into(), job.name.clone().into());
    if let Some(namespace) = &job.namespace {
        metadata.insert("namespace".into(), namespace.clone().into());
    }
    let labels = copied("labels");
    if !labels.is_empty() {
        metadata.insert("labels".into(), Value::Object(labels));
    }
    metadata.insert("annotations".into(), Value::Object(annotations));
    if let (Some(name), Some(uid)) = (
        cronjob.pointer("/metadata/name"),
        cronjob.pointer("/metadata/uid"),
    ) {
        metadata.insert(
            "ownerReferences".into(),
            json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": uid,
                    "controller": true, "blockOwnerDeletion": true}]),
        );
    }
    Some(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": spec,
    }))
}

/// The containers a Job's pods run: name, image and command line.
fn containers(job: &Value) -> Vec<Value> {
    job.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| {
            let words: Vec<String> = ["command", "args"]
                .iter()
                .filter_map(|field| container.get(*field).and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            json!({
                "name": container.get("name"),
                "image": container.get("image"),
                "command": (!words.is_empty()).then(|| words.join(" ")),
            })
        })
        .collect()
}

/// "container export runs busybox:1.36 (sh -c 'pg_dump ...')" per container.
fn what_runs(containers: &[Value]) -> String {
    let said: Vec<String> = containers
        .iter()
        .map(|container| {
            let name = container["name"].as_str().unwrap_or("?");
            let image = container["image"].as_str().unwrap_or("no image");
            match container["command"].as_str() {
                Some(command) => format!("container {name} runs {image} ({command})"),
                None => format!("container {name} runs {image} (its image's own command)"),
            }
        })
        .collect();
    if said.is_empty() {
        "no containers".to_owned()
    } else {
        said.join("; ")
    }
}

/// The question for a Job name already in use: a Job's template cannot be
/// changed, so a run needs a name of its own.
fn name_taken(job: &Subject, cronjob: &str, existing: &Value) -> Clarify {
    let created = existing
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .map(|at| format!(" (created {at})"))
        .unwrap_or_default();
    let free = format!("{}-2", job.name);
    Clarify {
        question: format!(
            "job/{}{} already exists{created}. A run of cronjob/{cronjob} needs a Job of its own: name it, e.g. \"kubectl create job {free} --from=cronjob/{cronjob}{}\".",
            job.name,
            job.place(),
            job.namespace
                .as_deref()
                .map(|namespace| format!(" -n {namespace}"))
                .unwrap_or_default()
        ),
        missing: vec!["name".into()],
        candidates: vec![free],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Subject {
        Subject {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: "manual-export".into(),
            namespace: Some("data".into()),
            context: "sim".into(),
            searched_everywhere: false,
        }
    }

    #[test]
    fn the_job_is_the_cronjobs_template_owned_by_it_as_kubectl_builds_it() {
        let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly-export", "namespace": "data", "uid": "u-1"},
            "spec": {"schedule": "0 2 * * *", "jobTemplate": {
                "metadata": {"labels": {"team": "data"}},
                "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "export", "image": "busybox:1.36",
                                    "command": ["sh", "-c"], "args": ["echo done"]}]}}}}}});
        let manifest = job_manifest(&job(), &cronjob).expect("a template");
        assert_eq!(manifest["spec"]["backoffLimit"], 2);
        assert_eq!(manifest["metadata"]["labels"]["team"], "data");
        assert_eq!(
            manifest["metadata"]["annotations"][INSTANTIATE_ANNOTATION],
            "manual"
        );
        assert_eq!(manifest["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(
            what_runs(&containers(&manifest)),
            "container export runs busybox:1.36 (sh -c echo done)"
        );
        assert_eq!(job_manifest(&job(), &json!({"spec": {}})), None);
    }

    #[test]
    fn only_the_placeholder_names_a_cronjob() {
        assert_eq!(
            requested(&json!({"spec": "${FROM_CRONJOB:nightly-export}"})).as_deref(),
            Some("nightly-export")
        );
        assert_eq!(requested(&json!({"spec": {"template": {}}})), None);
    }
}
