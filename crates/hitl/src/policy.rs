//! Approval policy from configuration: where changes are refused outright,
//! where the approver must retype the resource's name, and how long plans and
//! grants live.
//!
//! The policy is checked when a change is *planned* (a plan kubeop may not run
//! is never shown as something to approve) and again when it is approved or
//! redeemed as a PLAN-LOCKED hand-off, so a policy tightened in between wins.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The object a planned change acts on, as the approver sees it.
///
/// The coordinator resolves every field before planning: the context is the
/// one the call will carry (never "whatever is current"), and the namespace of
/// a namespaced object is explicit, so the policy can never be dodged by
/// leaving a field for the MCP server to default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTarget {
    /// The Kubernetes kind, e.g. `Deployment`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The namespace of a namespaced object; `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    /// The kube context the change will be made in.
    pub context: String,
}

impl PlanTarget {
    /// The namespace whose policy governs this change: the object's own
    /// namespace, or for a `Namespace` object the namespace itself (deleting a
    /// read-only namespace is a change to it).
    pub fn governing_namespace(&self) -> Option<&str> {
        if self.kind.eq_ignore_ascii_case("namespace") {
            Some(&self.name)
        } else {
            self.namespace.as_deref()
        }
    }
}

impl fmt::Display for PlanTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)?;
        if let Some(namespace) = &self.namespace {
            write!(f, " in namespace {namespace}")?;
        }
        write!(f, " (context {})", self.context)
    }
}

/// A configured name: exact, or a prefix when it ends in `*` (`prod-*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NamePattern(String);

impl NamePattern {
    /// A pattern from its configured text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Whether `name` is covered by this pattern.
    pub fn matches(&self, name: &str) -> bool {
        match self.0.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => self.0 == name,
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a plan waits for its approver by default: long enough to read a
/// plan card and ask a colleague, short enough that the cluster it was read
/// from has not drifted far.
pub const DEFAULT_APPROVAL_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a grant stays redeemable after approval by default. The grant is
/// redeemed by the very next call, so this only has to cover queueing in the
/// gateway.
pub const DEFAULT_GRANT_TTL: Duration = Duration::from_secs(2 * 60);

/// The approval rules of one kubeop installation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalPolicy {
    /// Contexts kubeop may only read: every change planned there is refused.
    pub read_only_contexts: Vec<NamePattern>,
    /// Namespaces kubeop may only read, in every context.
    pub read_only_namespaces: Vec<NamePattern>,
    /// Namespaces where the approver must retype the resource's name, so a
    /// change to them cannot be approved by reflex.
    pub retype_namespaces: Vec<NamePattern>,
    /// How long a pending plan may wait for approval, in seconds.
    pub approval_ttl_seconds: u64,
    /// How long an issued grant stays redeemable, in seconds.
    pub grant_ttl_seconds: u64,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            read_only_contexts: Vec::new(),
            read_only_namespaces: Vec::new(),
            retype_namespaces: Vec::new(),
            approval_ttl_seconds: DEFAULT_APPROVAL_TTL.as_secs(),
            grant_ttl_seconds: DEFAULT_GRANT_TTL.as_secs(),
        }
    }
}

/// A change the policy forbids, whoever approves it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    /// The context is configured read-only.
    #[error(
        "context {context} is read-only by policy (pattern {pattern}): no change is planned there"
    )]
    ReadOnlyContext {
        /// The context of the change.
        context: String,
        /// The configured pattern that matched.
        pattern: NamePattern,
    },
    /// The namespace is configured read-only.
    #[error(
        "namespace {namespace} is read-only by policy (pattern {pattern}): no change is planned there"
    )]
    ReadOnlyNamespace {
        /// The namespace of the change.
        namespace: String,
        /// The configured pattern that matched.
        pattern: NamePattern,
    },
}

impl ApprovalPolicy {
    /// Refuses a change to `target` if its context or namespace is read-only.
    pub fn check(&self, target: &PlanTarget) -> Result<(), PolicyRefusal> {
        if let Some(pattern) = first_match(&self.read_only_contexts, &target.context) {
            return Err(PolicyRefusal::ReadOnlyContext {
                context: target.context.clone(),
                pattern: pattern.clone(),
            });
        }
        if let Some(namespace) = target.governing_namespace()
            && let Some(pattern) = first_match(&self.read_only_namespaces, namespace)
        {
            return Err(PolicyRefusal::ReadOnlyNamespace {
                namespace: namespace.to_owned(),
                pattern: pattern.clone(),
            });
        }
        Ok(())
    }

    /// Whether approving a change to `target` needs the name retyped.
    pub fn requires_retype(&self, target: &PlanTarget) -> bool {
        target
            .governing_namespace()
            .is_some_and(|namespace| first_match(&self.retype_namespaces, namespace).is_some())
    }

    /// How long a pending plan may wait for approval.
    pub fn approval_ttl(&self) -> Duration {
        Duration::from_secs(self.approval_ttl_seconds)
    }

    /// How long an issued grant stays redeemable.
    pub fn grant_ttl(&self) -> Duration {
        Duration::from_secs(self.grant_ttl_seconds)
    }
}

fn first_match<'p>(patterns: &'p [NamePattern], name: &str) -> Option<&'p NamePattern> {
    patterns.iter().find(|pattern| pattern.matches(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: &str, name: &str, namespace: Option<&str>, context: &str) -> PlanTarget {
        PlanTarget {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.map(Into::into),
            context: context.into(),
        }
    }

    fn policy() -> ApprovalPolicy {
        ApprovalPolicy {
            read_only_contexts: vec![NamePattern::new("prod-eu")],
            read_only_namespaces: vec![NamePattern::new("kube-*")],
            retype_namespaces: vec![NamePattern::new("production")],
            ..ApprovalPolicy::default()
        }
    }

    #[test]
    fn read_only_contexts_and_namespaces_are_refused() {
        let policy = policy();
        assert!(matches!(
            policy.check(&target("Deployment", "api", Some("staging"), "prod-eu")),
            Err(PolicyRefusal::ReadOnlyContext { .. })
        ));
        assert!(matches!(
            policy.check(&target("Deployment", "dns", Some("kube-system"), "dev")),
            Err(PolicyRefusal::ReadOnlyNamespace { .. })
        ));
        assert_eq!(
            policy.check(&target("Deployment", "api", Some("staging"), "prod-eu-2")),
            Ok(())
        );
    }

    #[test]
    fn a_namespace_object_is_governed_by_its_own_name() {
        let policy = policy();
        assert!(matches!(
            policy.check(&target("Namespace", "kube-public", None, "dev")),
            Err(PolicyRefusal::ReadOnlyNamespace { namespace, .. }) if namespace == "kube-public"
        ));
        assert!(policy.requires_retype(&target("namespace", "production", None, "dev")));
        assert!(!policy.requires_retype(&target("Deployment", "api", Some("staging"), "dev")));
    }

    #[test]
    fn policy_reads_from_configuration_with_defaults() {
        let policy: ApprovalPolicy =
            serde_json::from_str(r#"{"read_only_contexts":["prod-*"]}"#).expect("valid policy");
        assert_eq!(policy.approval_ttl(), DEFAULT_APPROVAL_TTL);
        assert!(policy.read_only_contexts[0].matches("prod-us"));
        assert!(serde_json::from_str::<ApprovalPolicy>(r#"{"read_only":["x"]}"#).is_err());
    }
}
