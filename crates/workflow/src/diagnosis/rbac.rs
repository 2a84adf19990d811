//! The RBAC audit: who can do what, what a ServiceAccount may do, and which
//! grants are risky, resolved the way the API server's RBAC authorizer
//! resolves them (bindings → roles → rules, wildcards, groups).
//!
//! Gathering reads the bindings, then only the roles they reference.
//! Resolution is pure: [`who_can`], [`permissions_of`] and [`risky_grants`]
//! work on plain [`Role`]s and [`Binding`]s.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};
use tracing::Instrument;

use super::DiagnosisError;
use super::parse;
use super::reader::{ClusterReader, ReadCall, ReadTool, read_object};

const RBAC_API: &str = "rbac.authorization.k8s.io/v1";

/// At most this many bindings and roles are read for one audit: far more
/// than a namespace holds, bounded so one question cannot become thousands
/// of reads.
pub const MAX_RBAC_OBJECTS: usize = 300;

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Rule {
    /// API groups (`""` is the core group, `*` any).
    pub api_groups: Vec<String>,
    /// Resources, with subresources as `pods/log`; `*` any.
    pub resources: Vec<String>,
    /// Verbs; `*` any.
    pub verbs: Vec<String>,
    /// When set, the rule covers only these object names.
    pub resource_names: Vec<String>,
    /// Non-resource URLs (`/metrics`).
    pub non_resource_urls: Vec<String>,
}

impl Rule {
    fn read(rule: &Value) -> Rule {
        let list = |key: &str| -> Vec<String> {
            rule[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        };
        Rule {
            api_groups: list("apiGroups"),
            resources: list("resources"),
            verbs: list("verbs"),
            resource_names: list("resourceNames"),
            non_resource_urls: list("nonResourceURLs"),
        }
    }

    fn allows_verb(&self, verb: &str) -> bool {
        self.verbs
            .iter()
            .any(|allowed| allowed == "*" || allowed == verb)
    }

    fn covers_group(&self, group: &str) -> bool {
        self.api_groups
            .iter()
            .any(|allowed| allowed == "*" || allowed == group)
    }

    fn covers_resource(&self, resource: &str) -> bool {
        let (base, sub) = match resource.split_once('/') {
            Some((base, sub)) => (base, Some(sub)),
            None => (resource, None),
        };
        self.resources.iter().any(|allowed| {
            allowed == "*"
                || allowed == resource
                || sub.is_some_and(|sub| {
                    allowed == &format!("{base}/*") || allowed == &format!("*/{sub}")
                })
        })
    }

    /// Whether the rule grants `verb` on `resource` of `group`.
    pub fn grants(&self, verb: &str, group: &str, resource: &str) -> bool {
        self.allows_verb(verb) && self.covers_group(group) && self.covers_resource(resource)
    }

    /// The rule as `kubectl describe` would summarise it.
    pub fn describe(&self) -> String {
        if !self.non_resource_urls.is_empty() {
            return format!(
                "verbs [{}] on URLs [{}]",
                self.verbs.join(", "),
                self.non_resource_urls.join(", ")
            );
        }
        let groups: Vec<String> = self
            .api_groups
            .iter()
            .map(|group| {
                if group.is_empty() {
                    "core".to_string()
                } else {
                    group.clone()
                }
            })
            .collect();
        let names = if self.resource_names.is_empty() {
            String::new()
        } else {
            format!(" named [{}]", self.resource_names.join(", "))
        };
        format!(
            "verbs [{}] on [{}]{names} in groups [{}]",
            self.verbs.join(", "),
            self.resources.join(", "),
            groups.join(", ")
        )
    }
}

/// A Role (namespaced) or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The namespace of a Role.
    pub namespace: Option<String>,
    /// Its rules.
    pub rules: Vec<Rule>,
}

impl Role {
    /// Reads a Role or ClusterRole object.
    pub fn read(object: &Value) -> Role {
        Role {
            kind: object["kind"].as_str().unwrap_or("Role").to_string(),
            name: text(object, "/metadata/name"),
            namespace: object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_string),
            rules: object["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Rule::read)
                .collect(),
        }
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Who a binding grants to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// The name.
    pub name: String,
    /// A ServiceAccount's namespace.
    pub namespace: Option<String>,
}

impl Subject {
    /// A ServiceAccount subject.
    pub fn service_account(namespace: &str, name: &str) -> Subject {
        Subject {
            kind: "ServiceAccount".to_string(),
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
        }
    }

    /// The groups Kubernetes puts every ServiceAccount token in.
    fn implicit_groups(&self) -> Vec<String> {
        match (self.kind.as_str(), &self.namespace) {
            ("ServiceAccount", Some(namespace)) => vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_string(),
            ],
            ("User", _) => vec!["system:authenticated".to_string()],
            _ => Vec::new(),
        }
    }

    /// Whether a binding's subject refers to this subject, directly or via
    /// one of its implicit groups.
    fn is_covered_by(&self, bound: &Subject) -> bool {
        if bound.kind == "Group" && self.implicit_groups().contains(&bound.name) {
            return true;
        }
        bound.kind == self.kind && bound.name == self.name && bound.namespace == self.namespace
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) if self.kind == "ServiceAccount" => {
                write!(formatter, "ServiceAccount {namespace}/{}", self.name)
            }
            _ => write!(formatter, "{} {}", self.kind, self.name),
        }
    }
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binding {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The namespace of a RoleBinding (where its grant applies).
    pub namespace: Option<String>,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    /// The role's name.
    pub role_name: String,
    /// Who it grants to.
    pub subjects: Vec<Subject>,
}

impl Binding {
    /// Reads a RoleBinding or ClusterRoleBinding object.
    pub fn read(object: &Value) -> Binding {
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        Binding {
            kind: object["kind"].as_str().unwrap_or("RoleBinding").to_string(),
            name: text(object, "/metadata/name"),
            role_kind: text(object, "/roleRef/kind"),
            role_name: text(object, "/roleRef/name"),
            subjects: object["subjects"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|subject| Subject {
                    kind: text(subject, "/kind"),
                    name: text(subject, "/name"),
                    // A ServiceAccount subject without a namespace means the binding's own.
                    namespace: subject["namespace"]
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| {
                            (subject["kind"] == "ServiceAccount")
                                .then(|| namespace.clone())
                                .flatten()
                        }),
                })
                .collect(),
            namespace,
        }
    }

    fn describe(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} {namespace}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The role this binding refers to, among those read.
    fn role<'a>(&self, roles: &'a [Role]) -> Option<&'a Role> {
        roles.iter().find(|role| {
            role.kind == self.role_kind
                && role.name == self.role_name
                && (role.kind == "ClusterRole" || role.namespace == self.namespace)
        })
    }
}

/// The API group of a well-known resource (`deployments` → `apps`); the core
/// group for anything not listed.
pub fn api_group_of(resource: &str) -> &'static str {
    let base = resource.split('/').next().unwrap_or(resource);
    match base {
        "deployments" | "replicasets" | "statefulsets" | "daemonsets" | "controllerrevisions" => {
            "apps"
        }
        "jobs" | "cronjobs" => "batch",
        "ingresses" | "networkpolicies" | "ingressclasses" => "networking.k8s.io",
        "roles" | "rolebindings" | "clusterroles" | "clusterrolebindings" => {
            "rbac.authorization.k8s.io"
        }
        "horizontalpodautoscalers" => "autoscaling",
        "poddisruptionbudgets" => "policy",
        "storageclasses" | "volumeattachments" | "csidrivers" | "csinodes" => "storage.k8s.io",
        "customresourcedefinitions" => "apiextensions.k8s.io",
        "leases" => "coordination.k8s.io",
        _ => "",
    }
}

/// The plural resource name for what a person may write (`pod`, `Pods`,
/// `deploy`, `svc`).
pub fn resource_name(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let short = match lower.as_str() {
        "po" | "pod" => "pods",
        "deploy" | "deployment" => "deployments",
        "svc" | "service" => "services",
        "cm" | "configmap" => "configmaps",
        "secret" => "secrets",
        "sa" | "serviceaccount" => "serviceaccounts",
        "ns" | "namespace" => "namespaces",
        "no" | "node" => "nodes",
        "rs" | "replicaset" => "replicasets",
        "sts" | "statefulset" => "statefulsets",
        "ds" | "daemonset" => "daemonsets",
        "job" => "jobs",
        "cronjob" | "cj" => "cronjobs",
        "pvc" | "persistentvolumeclaim" => "persistentvolumeclaims",
        "ing" | "ingress" => "ingresses",
        "role" => "roles",
        "rolebinding" => "rolebindings",
        "event" | "ev" => "events",
        other => other,
    };
    short.to_string()
}

/// A question the audit answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RbacQuestion {
    /// Who can `verb` `resource` in `namespace` (cluster-wide when `None`)?
    WhoCan {
        /// e.g. `delete`.
        verb: String,
        /// Plural resource, e.g. `pods` or `pods/log`.
        resource: String,
        /// Where.
        namespace: Option<String>,
    },
    /// What may this subject do?
    PermissionsOf {
        /// Usually a ServiceAccount.
        subject: Subject,
    },
    /// What may the ServiceAccount of this name do, in whichever namespace
    /// it is ("what can the checkout service account do" names none): the
    /// audit finds the namespace(s) it exists in.
    AccountNamed {
        /// The ServiceAccount's name.
        name: String,
    },
    /// Which grants are risky?
    RiskyGrants,
}

const VERBS: [&str; 11] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "exec",
    "impersonate",
    "escalate",
];

impl RbacQuestion {
    /// Reads a question in plain words: "who can delete pods in production",
    /// "what can serviceaccount checkout in production do", anything else
    /// about RBAC is the risky-grants review. `namespace` is the one the
    /// classifier found, used when the words name none.
    pub fn from_words(words: &str, namespace: Option<&str>) -> RbacQuestion {
        if let Some(subject) = impersonated(words) {
            return RbacQuestion::PermissionsOf { subject };
        }
        let tokens: Vec<String> = words
            .split(|c: char| c.is_whitespace() || c == '?' || c == ',')
            .filter(|token| !token.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let after = |word: &str| {
            tokens
                .iter()
                .position(|token| token == word)
                .and_then(|index| tokens.get(index + 1))
                .cloned()
        };
        // "in namespace production": the word after "namespace", not "namespace".
        let named_namespace = after("namespace")
            .or_else(|| after("-n"))
            .or_else(|| after("in").filter(|word| word != "namespace"))
            .or_else(|| namespace.map(str::to_string));
        if let Some(can) = tokens.iter().position(|token| token == "can")
            && tokens[..can].iter().any(|token| token == "who")
            && let Some(verb) = tokens.get(can + 1)
            && let Some(resource) = tokens.get(can + 2)
        {
            let verb = if verb == "read" { "get" } else { verb.as_str() };
            if VERBS.contains(&verb) || verb == "*" {
                // "exec into pods" is the pods/exec subresource with verb create.
                let (verb, resource) = match verb {
                    "exec" => ("create".to_string(), "pods/exec".to_string()),
                    _ => (verb.to_string(), resource_name(resource)),
                };
                return RbacQuestion::WhoCan {
                    verb,
                    resource,
                    namespace: named_namespace,
                };
            }
        }
        match (account_name(&tokens), named_namespace) {
            (Some(name), Some(namespace)) => RbacQuestion::PermissionsOf {
                subject: Subject::service_account(&namespace, &name),
            },
            (Some(name), None) => RbacQuestion::AccountNamed { name },
            (None, _) => RbacQuestion::RiskyGrants,
        }
    }
}

/// The identity `kubectl auth can-i ... --as=X` asks about
/// (`system:serviceaccount:NS:NAME` is that ServiceAccount, anything else a
/// user): its permissions answer the question, which is never about the
/// caller's own.
fn impersonated(words: &str) -> Option<Subject> {
    let mut parts = words.split_whitespace();
    while let Some(part) = parts.next() {
        let identity = match part.strip_prefix("--as") {
            Some("") => parts.next()?,
            Some(rest) => match rest.strip_prefix('=') {
                Some(identity) => identity,
                // `--as-group`, `--as-uid`: not the identity itself.
                None => continue,
            },
            None => continue,
        };
        let identity = identity.trim_matches(|c| matches!(c, '"' | '\''));
        return Some(
            match identity
                .strip_prefix("system:serviceaccount:")
                .and_then(|account| account.split_once(':'))
            {
                Some((namespace, name)) => Subject::service_account(namespace, name),
                None => Subject {
                    kind: "User".to_string(),
                    name: identity.to_string(),
                    namespace: None,
                },
            },
        );
    }
    None
}

/// Words that name a ServiceAccount in a question about one.
const ACCOUNT_WORDS: [&str; 4] = ["serviceaccount", "sa", "service-account", "serviceaccounts"];

/// Words around an account's name that are not its name.
const NOT_A_NAME: [&str; 14] = [
    "the", "a", "an", "do", "does", "can", "could", "may", "in", "named", "called", "of", "what",
    "is",
];

/// The ServiceAccount a question is about: `serviceaccount/checkout`, "sa
/// checkout", "service account named checkout", or the name before the
/// words ("the checkout service account", "checkout sa").
fn account_name(tokens: &[String]) -> Option<String> {
    let is_name = |word: &&String| !NOT_A_NAME.contains(&word.as_str());
    for (index, token) in tokens.iter().enumerate() {
        if let Some((kind, name)) = token.split_once('/')
            && ACCOUNT_WORDS.contains(&kind)
            && !name.is_empty()
        {
            return Some(name.to_string());
        }
        let next = tokens.get(index + 1).map(String::as_str);
        let last = if ACCOUNT_WORDS.contains(&token.as_str()) {
            index
        } else if token == "service" && matches!(next, Some("account" | "accounts")) {
            index + 1
        } else {
            continue;
        };
        let mut after = tokens[last + 1..]
            .iter()
            .skip_while(|word| matches!(word.as_str(), "named" | "called"));
        let before = index.checked_sub(1).and_then(|before| tokens.get(before));
        return after
            .next()
            .filter(is_name)
            .or(before.filter(is_name))
            .cloned();
    }
    None
}

/// One way a subject gets a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Who.
    pub subject: Subject,
    /// Through which binding (`RoleBinding production/ops`).
    pub binding: String,
    /// Which role (`ClusterRole admin`).
    pub role: String,
    /// The rule that matches, described.
    pub rule: String,
    /// Where it applies: `namespace production` or `cluster-wide`.
    pub scope: String,
    /// The rule only covers these object names (empty: all objects).
    pub only_names: Vec<String>,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth reviewing.
    Warning,
    /// Needs attention.
    Critical,
}

/// A risky grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// What and why, naming the binding, role and subjects.
    pub message: String,
}

/// Every grant of `verb` on `resource` in `namespace` (cluster-wide when
/// `None`: then only ClusterRoleBindings count).
pub fn who_can(
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    roles: &[Role],
    bindings: &[Binding],
) -> Vec<Grant> {
    let group = api_group_of(resource);
    let mut grants = Vec::new();
    for binding in bindings {
        let applies = match (&binding.namespace, namespace) {
            (None, _) => true,
            (Some(bound), Some(asked)) => bound == asked,
            (Some(_), None) => false,
        };
        if !applies {
            continue;
        }
        let Some(role) = binding.role(roles) else {
            continue;
        };
        for rule in role
            .rules
            .iter()
            .filter(|rule| rule.grants(verb, group, resource))
        {
            for subject in &binding.subjects {
                grants.push(Grant {
                    subject: subject.clone(),
                    binding: binding.describe(),
                    role: format!("{} {}", role.kind, role.name),
                    rule: rule.describe(),
                    scope: binding.namespace.as_ref().map_or_else(
                        || "cluster-wide".to_string(),
                        |ns| format!("namespace {ns}"),
                    ),
                    only_names: rule.resource_names.clone(),
                });
            }
        }
    }
    grants.sort_by(|a, b| {
        a.subject
            .cmp(&b.subject)
            .then_with(|| a.binding.cmp(&b.binding))
    });
    grants
}

/// Every rule a subject gets, directly or through its implicit groups.
pub fn permissions_of(subject: &Subject, roles: &[Role], bindings: &[Binding]) -> Vec<Grant> {
    let mut grants = Vec::new();
    for binding in bindings {
        let Some(bound) = binding
            .subjects
            .iter()
            .find(|bound| subject.is_covered_by(bound))
        else {
            continue;
        };
        let Some(role) = binding.role(roles) else {
            continue;
        };
        for rule in &role.rules {
            grants.push(Grant {
                subject: bound.clone(),
                binding: binding.describe(),
                role: format!("{} {}", role.kind, role.name),
                rule: rule.describe(),
                scope: binding.namespace.as_ref().map_or_else(
                    || "cluster-wide".to_string(),
                    |ns| format!("namespace {ns}"),
                ),
                only_names: rule.resource_names.clone(),
            });
        }
    }
    grants
}

/// Subjects Kubernetes itself binds to powerful roles: expected, reported as info.
const BOOTSTRAP_GROUPS: [&str; 1] = ["system:masters"];

/// The risky grants among the bindings: cluster-admin bindings, wildcard
/// verbs or resources, and read access to Secrets.
pub fn risky_grants(roles: &[Role], bindings: &[Binding]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for binding in bindings {
        let Some(role) = binding.role(roles) else {
            continue;
        };
        let subjects: Vec<String> = binding.subjects.iter().map(Subject::to_string).collect();
        let who = if subjects.is_empty() {
            "no subjects".to_string()
        } else {
            subjects.join(", ")
        };
        let scope = binding.namespace.as_ref().map_or_else(
            || "cluster-wide".to_string(),
            |ns| format!("in namespace {ns}"),
        );
        let only_bootstrap = binding.subjects.iter().all(|subject| {
            subject.kind == "Group" && BOOTSTRAP_GROUPS.contains(&subject.name.as_str())
        });
        if role.name == "cluster-admin" && role.kind == "ClusterRole" {
            findings.push(Finding {
                severity: if only_bootstrap {
                    Severity::Info
                } else {
                    Severity::Critical
                },
                message: format!(
                    "{} grants cluster-admin {scope} to {who}{}",
                    binding.describe(),
                    if only_bootstrap {
                        " (Kubernetes' own bootstrap binding)"
                    } else {
                        ""
                    }
                ),
            });
            continue;
        }
        for rule in &role.rules {
            let wild_verbs = rule.verbs.iter().any(|verb| verb == "*");
            let wild_resources = rule.resources.iter().any(|resource| resource == "*");
            if wild_verbs || wild_resources {
                findings.push(Finding {
                    severity: if wild_verbs && wild_resources {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    message: format!(
                        "{} gives {who} a wildcard rule of {} {} {scope}: {}",
                        binding.describe(),
                        role.kind,
                        role.name,
                        rule.describe()
                    ),
                });
            }
            let reads_secrets = ["get", "list", "watch"]
                .iter()
                .any(|verb| rule.grants(verb, "", "secrets"));
            if reads_secrets && !(wild_verbs || wild_resources) {
                let limited = !rule.resource_names.is_empty();
                findings.push(Finding {
                    severity: if limited {
                        Severity::Info
                    } else {
                        Severity::Warning
                    },
                    message: format!(
                        "{} lets {who} read Secrets {scope} via {} {}: {}",
                        binding.describe(),
                        role.kind,
                        role.name,
                        rule.describe()
                    ),
                });
            }
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.message.cmp(&b.message))
    });
    findings
}

/// The audit's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RbacReport {
    /// The question, in words.
    pub question: String,
    /// The answer in one paragraph.
    pub summary: String,
    /// The grants that answer a who-can or permissions question.
    pub grants: Vec<Grant>,
    /// Risky grants (for the review, and those among the grants above).
    pub findings: Vec<Finding>,
    /// How many tool calls the audit made.
    pub tool_calls: usize,
}

/// Reads what the question needs and answers it.
pub async fn audit<R: ClusterReader>(
    reader: &R,
    question: &RbacQuestion,
) -> Result<RbacReport, DiagnosisError> {
    let span = tracing::info_span!("rbac_audit", question = ?question);
    async move {
        let mut calls = 0usize;
        // Which RoleBindings matter: those of the namespace asked about, else all.
        let binding_namespace = match question {
            RbacQuestion::WhoCan { namespace, .. } => namespace.clone(),
            RbacQuestion::PermissionsOf { .. }
            | RbacQuestion::AccountNamed { .. }
            | RbacQuestion::RiskyGrants => None,
        };
        // A ServiceAccount named without its namespace: where it exists.
        let accounts = match question {
            RbacQuestion::AccountNamed { name } => Some(
                list_in(reader, &mut calls, "v1", "ServiceAccount", None)
                    .await?
                    .into_iter()
                    .filter(|(_, _, listed)| listed == name)
                    .filter_map(|(_, namespace, _)| namespace)
                    .map(|namespace| Subject::service_account(&namespace, name))
                    .collect::<Vec<Subject>>(),
            ),
            _ => None,
        };
        let mut objects = Vec::new();
        let mut names = list(reader, &mut calls, "ClusterRoleBinding", None).await?;
        if !(matches!(
            question,
            RbacQuestion::WhoCan {
                namespace: None,
                ..
            }
        )) {
            names.extend(
                list(
                    reader,
                    &mut calls,
                    "RoleBinding",
                    binding_namespace.as_deref(),
                )
                .await?,
            );
        }
        for (kind, namespace, name) in names.into_iter().take(MAX_RBAC_OBJECTS) {
            if let Some(object) =
                get(reader, &mut calls, &kind, namespace.as_deref(), &name).await?
            {
                objects.push(object);
            }
        }
        let bindings: Vec<Binding> = objects.iter().map(Binding::read).collect();
        let wanted: BTreeSet<(String, Option<String>, String)> = bindings
            .iter()
            .map(|binding| {
                let namespace = (binding.role_kind == "Role")
                    .then(|| binding.namespace.clone())
                    .flatten();
                (
                    binding.role_kind.clone(),
                    namespace,
                    binding.role_name.clone(),
                )
            })
            .collect();
        let mut roles = Vec::new();
        for (kind, namespace, name) in wanted.into_iter().take(MAX_RBAC_OBJECTS) {
            if let Some(object) =
                get(reader, &mut calls, &kind, namespace.as_deref(), &name).await?
            {
                roles.push(Role::read(&object));
            }
        }
        let mut report = match (question, accounts) {
            (RbacQuestion::AccountNamed { name }, Some(accounts)) => {
                account_answer(name, &accounts, &roles, &bindings)
            }
            _ => answer(question, &roles, &bindings),
        };
        report.tool_calls = calls;
        Ok(report)
    }
    .instrument(span)
    .await
}

/// What the ServiceAccount(s) named `name` may do: the permissions of the
/// one found, each one's when several namespaces have one, and a plain "no
/// such account" when none does (never the whole cluster's audit).
pub fn account_answer(
    name: &str,
    accounts: &[Subject],
    roles: &[Role],
    bindings: &[Binding],
) -> RbacReport {
    match accounts {
        [] => RbacReport {
            question: format!("What may ServiceAccount {name} do?"),
            summary: format!("There is no ServiceAccount named {name} in any namespace."),
            grants: Vec::new(),
            findings: Vec::new(),
            tool_calls: 0,
        },
        [only] => answer(
            &RbacQuestion::PermissionsOf {
                subject: only.clone(),
            },
            roles,
            bindings,
        ),
        several => {
            let reports: Vec<RbacReport> = several
                .iter()
                .map(|subject| {
                    answer(
                        &RbacQuestion::PermissionsOf {
                            subject: subject.clone(),
                        },
                        roles,
                        bindings,
                    )
                })
                .collect();
            let places: Vec<String> = several
                .iter()
                .filter_map(|subject| subject.namespace.clone())
                .collect();
            let summaries: Vec<String> = reports
                .iter()
                .map(|report| report.summary.clone())
                .collect();
            let mut findings = Vec::new();
            let mut grants = Vec::new();
            for report in reports {
                grants.extend(report.grants);
                for finding in report.findings {
                    if !findings.contains(&finding) {
                        findings.push(finding);
                    }
                }
            }
            RbacReport {
                question: format!("What may ServiceAccount {name} do?"),
                summary: format!(
                    "{} namespaces have a ServiceAccount named {name} ({}): {}",
                    several.len(),
                    places.join(", "),
                    summaries.join(" ")
                ),
                grants,
                findings,
                tool_calls: 0,
            }
        }
    }
}

/// Answers a question from roles and bindings already read.
pub fn answer(question: &RbacQuestion, roles: &[Role], bindings: &[Binding]) -> RbacReport {
    let findings = risky_grants(roles, bindings);
    match question {
        RbacQuestion::WhoCan {
            verb,
            resource,
            namespace,
        } => {
            let grants = who_can(verb, resource, namespace.as_deref(), roles, bindings);
            let place = namespace.as_ref().map_or_else(
                || "cluster-wide".to_string(),
                |ns| format!("in namespace {ns}"),
            );
            let question_text = format!("Who can {verb} {resource} {place}?");
            let mut subjects: Vec<String> = Vec::new();
            for grant in &grants {
                let limited = if grant.only_names.is_empty() {
                    String::new()
                } else {
                    format!(" (only {})", grant.only_names.join(", "))
                };
                let entry = format!("{}{limited}", grant.subject);
                if !subjects.contains(&entry) {
                    subjects.push(entry);
                }
            }
            let summary = if subjects.is_empty() {
                format!("No subject is granted {verb} on {resource} {place} by the bindings read.")
            } else {
                format!(
                    "{} subject(s) can {verb} {resource} {place}: {}.",
                    subjects.len(),
                    subjects.join("; ")
                )
            };
            let relevant: Vec<String> = grants.iter().map(|grant| grant.binding.clone()).collect();
            RbacReport {
                question: question_text,
                summary,
                findings: findings
                    .into_iter()
                    .filter(|finding| {
                        relevant
                            .iter()
                            .any(|binding| finding.message.starts_with(binding.as_str()))
                    })
                    .collect(),
                grants,
                tool_calls: 0,
            }
        }
        RbacQuestion::PermissionsOf { subject } => {
            let grants = permissions_of(subject, roles, bindings);
            let summary = if grants.is_empty() {
                format!("{subject} has no permissions from any binding read.")
            } else {
                let bindings_used: BTreeSet<&str> =
                    grants.iter().map(|grant| grant.binding.as_str()).collect();
                format!(
                    "{subject} has {} rule(s) through {}.",
                    grants.len(),
                    bindings_used.into_iter().collect::<Vec<_>>().join(", ")
                )
            };
            let relevant: BTreeSet<String> =
                grants.iter().map(|grant| grant.binding.clone()).collect();
            RbacReport {
                question: format!("What may {subject} do?"),
                summary,
                findings: findings
                    .into_iter()
                    .filter(|finding| {
                        relevant
                            .iter()
                            .any(|binding| finding.message.starts_with(binding.as_str()))
                    })
                    .collect(),
                grants,
                tool_calls: 0,
            }
        }
        RbacQuestion::AccountNamed { name } => {
            // Without the accounts listed, every namespace's account of
            // that name is a candidate: those the bindings name.
            let accounts: BTreeSet<Subject> = bindings
                .iter()
                .flat_map(|binding| &binding.subjects)
                .filter(|subject| subject.kind == "ServiceAccount" && &subject.name == name)
                .cloned()
                .collect();
            let accounts: Vec<Subject> = accounts.into_iter().collect();
            account_answer(name, &accounts, roles, bindings)
        }
        RbacQuestion::RiskyGrants => {
            let serious = findings
                .iter()
                .filter(|finding| finding.severity > Severity::Info)
                .count();
            RbacReport {
                question: "Which RBAC grants are risky?".to_string(),
                summary: format!(
                    "{} finding(s), {serious} needing review (cluster-admin bindings, wildcard rules, Secret read access).",
                    findings.len()
                ),
                grants: Vec::new(),
                findings,
                tool_calls: 0,
            }
        }
    }
}

async fn list<R: ClusterReader>(
    reader: &R,
    calls: &mut usize,
    kind: &str,
    namespace: Option<&str>,
) -> Result<Vec<(String, Option<String>, String)>, DiagnosisError> {
    list_in(reader, calls, RBAC_API, kind, namespace).await
}

/// `(kind, namespace, name)` of the objects of `kind` listed in
/// `namespace` (every namespace when `None`).
async fn list_in<R: ClusterReader>(
    reader: &R,
    calls: &mut usize,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Result<Vec<(String, Option<String>, String)>, DiagnosisError> {
    *calls += 1;
    let output = reader
        .call(ReadCall::new(
            ReadTool::ResourcesList,
            [
                ("apiVersion", Some(json!(api_version))),
                ("kind", Some(json!(kind))),
                ("namespace", namespace.map(|namespace| json!(namespace))),
            ],
        ))
        .await?
        .succeeded(ReadTool::ResourcesList)?;
    let cluster_scoped = kind.starts_with("Cluster");
    Ok(parse::listed_names(&output, namespace)
        .into_iter()
        .map(|(listed_namespace, name)| {
            let namespace =
                (!cluster_scoped && !listed_namespace.is_empty()).then_some(listed_namespace);
            (kind.to_string(), namespace, name)
        })
        .collect())
}

async fn get<R: ClusterReader>(
    reader: &R,
    calls: &mut usize,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, DiagnosisError> {
    *calls += 1;
    read_object(reader, RBAC_API, kind, namespace, name).await
}

#[cfg(test)]
mod tests;
