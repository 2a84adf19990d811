//! Impact notes: what an approver must have read before saying yes.
//!
//! These are deliberately blunt sentences attached to a plan card; they never
//! block a plan (policy does that), they make its consequences visible.

use hitl::policy::PlanTarget;

/// Namespace name fragments that mark a namespace as production-like.
const PRODUCTION_MARKERS: [&str; 3] = ["prod", "prd", "live"];

/// The namespace where the cluster's own components run.
const SYSTEM_NAMESPACE: &str = "kube-system";

/// What a plan is about to do, for the notes that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Impact {
    /// Scaling to this many replicas.
    Scale(u64),
    /// Deleting the target.
    Delete,
    /// Creating or updating the target; `overwrites` when it already
    /// exists and the apply replaces values the request did not name as
    /// an in-place change (see `plan::create_update`).
    Apply { overwrites: bool },
    /// Running a command in the target pod.
    Exec,
    /// Starting a debug pod.
    Run,
}

/// The notes for `impact` on `target`, most serious first.
pub(crate) fn notes(target: &PlanTarget, impact: Impact) -> Vec<String> {
    let mut notes = Vec::new();
    let namespace = target.governing_namespace();
    if namespace == Some(SYSTEM_NAMESPACE) {
        notes.push(format!(
            "{SYSTEM_NAMESPACE} runs the cluster's own components (DNS, proxies, controllers): \
             a mistake here can break the whole cluster"
        ));
    } else if let Some(namespace) = namespace.filter(|namespace| is_production_like(namespace)) {
        notes.push(format!(
            "namespace {namespace} looks like production: this change affects live traffic"
        ));
    }
    match impact {
        Impact::Delete if target.kind.eq_ignore_ascii_case("namespace") => notes.push(format!(
            "deleting namespace {} deletes every object in it (deployments, pods, services, \
             secrets, volumes claims); this cannot be undone",
            target.name
        )),
        Impact::Scale(0) => notes.push(format!(
            "scaling {}/{} to 0 stops every pod: it serves nothing until it is scaled up again",
            target.kind.to_lowercase(),
            target.name
        )),
        Impact::Apply { overwrites: true } => notes.push(format!(
            "{}/{} already exists: applying overwrites the fields shown in the diff (upsert)",
            target.kind.to_lowercase(),
            target.name
        )),
        Impact::Exec => notes.push(format!(
            "exec grants shell access to pod {}: the command runs with the container's \
             privileges and can read everything the container can (secrets, tokens, data)",
            target.name
        )),
        Impact::Run => notes.push(
            "the debug pod runs inside the cluster network with the namespace's default \
             service account until it is removed"
                .to_owned(),
        ),
        Impact::Scale(_) | Impact::Delete | Impact::Apply { overwrites: false } => {}
    }
    notes
}

fn is_production_like(namespace: &str) -> bool {
    let namespace = namespace.to_ascii_lowercase();
    namespace
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            PRODUCTION_MARKERS
                .iter()
                .any(|marker| word == *marker || word.starts_with("prod"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: &str, name: &str, namespace: Option<&str>) -> PlanTarget {
        PlanTarget {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.map(Into::into),
            context: "dev".into(),
        }
    }

    #[test]
    fn production_system_zero_and_namespace_deletion_are_called_out() {
        let prod = notes(
            &target("Deployment", "api", Some("payments-prod")),
            Impact::Scale(0),
        );
        assert_eq!(prod.len(), 2);
        assert!(prod[0].contains("looks like production"));
        assert!(prod[1].contains("scaling deployment/api to 0"));
        let system = notes(
            &target("Deployment", "coredns", Some("kube-system")),
            Impact::Scale(3),
        );
        assert!(system[0].contains("kube-system runs the cluster's own components"));
        let namespace = notes(&target("Namespace", "staging", None), Impact::Delete);
        assert!(namespace[0].contains("deletes every object in it"));
        assert!(
            notes(
                &target("Deployment", "api", Some("staging")),
                Impact::Scale(5)
            )
            .is_empty()
        );
        assert!(
            notes(
                &target("Deployment", "api", Some("improved")),
                Impact::Scale(5)
            )
            .is_empty()
        );
    }

    #[test]
    fn exec_warns_about_shell_access() {
        let exec = notes(&target("Pod", "web-1", Some("demo")), Impact::Exec);
        assert!(exec[0].contains("grants shell access"));
    }
}
