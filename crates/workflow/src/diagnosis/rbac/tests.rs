use serde_json::json;

use super::*;

/// Roles and bindings like those of `tests/scenarios/rbac-audit.yaml`: a
/// namespaced Role, a ClusterRole bound in one namespace to a group, a
/// wildcard ClusterRole bound cluster-wide, a grant limited by name, and
/// grants elsewhere that must not count.
fn cluster() -> (Vec<Role>, Vec<Binding>) {
    let roles = [
        json!({"kind": "Role", "metadata": {"name": "deployer", "namespace": "production"}, "rules": [
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]}]}),
        json!({"kind": "Role", "metadata": {"name": "pod-killer", "namespace": "staging"}, "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}]}),
        json!({"kind": "Role", "metadata": {"name": "canary-janitor", "namespace": "production"}, "rules": [
            {"apiGroups": [""], "resources": ["pods"], "resourceNames": ["canary-0"], "verbs": ["delete"]}]}),
        json!({"kind": "ClusterRole", "metadata": {"name": "pod-janitor"}, "rules": [
            {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "delete"]}]}),
        json!({"kind": "ClusterRole", "metadata": {"name": "ops-everything"}, "rules": [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
        json!({"kind": "ClusterRole", "metadata": {"name": "view"}, "rules": [
            {"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list", "watch"]}]}),
        json!({"kind": "ClusterRole", "metadata": {"name": "cluster-admin"}, "rules": [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
    ]
    .iter()
    .map(Role::read)
    .collect();
    let bindings = [
        json!({"kind": "RoleBinding", "metadata": {"name": "deployers", "namespace": "production"},
               "roleRef": {"kind": "Role", "name": "deployer"},
               "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "ci-deployer"}]}),
        json!({"kind": "RoleBinding", "metadata": {"name": "oncall-janitors", "namespace": "production"},
               "roleRef": {"kind": "ClusterRole", "name": "pod-janitor"},
               "subjects": [{"kind": "Group", "name": "sre-oncall"}]}),
        json!({"kind": "RoleBinding", "metadata": {"name": "canary", "namespace": "production"},
               "roleRef": {"kind": "Role", "name": "canary-janitor"},
               "subjects": [{"kind": "User", "name": "carol"}]}),
        json!({"kind": "RoleBinding", "metadata": {"name": "staging-killers", "namespace": "staging"},
               "roleRef": {"kind": "Role", "name": "pod-killer"},
               "subjects": [{"kind": "User", "name": "bob"}]}),
        json!({"kind": "ClusterRoleBinding", "metadata": {"name": "ops"},
               "roleRef": {"kind": "ClusterRole", "name": "ops-everything"},
               "subjects": [{"kind": "Group", "name": "platform-ops"}]}),
        json!({"kind": "ClusterRoleBinding", "metadata": {"name": "developers-view"},
               "roleRef": {"kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "Group", "name": "developers"}]}),
        json!({"kind": "ClusterRoleBinding", "metadata": {"name": "cluster-admin"},
               "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "Group", "name": "system:masters"}]}),
    ]
    .iter()
    .map(Binding::read)
    .collect();
    (roles, bindings)
}

fn subjects(grants: &[Grant]) -> Vec<String> {
    let mut names: Vec<String> = grants
        .iter()
        .map(|grant| grant.subject.to_string())
        .collect();
    names.dedup();
    names
}

#[test]
fn who_can_delete_pods_in_production_resolves_roles_cluster_roles_groups_and_wildcards() {
    let (roles, bindings) = cluster();
    let grants = who_can("delete", "pods", Some("production"), &roles, &bindings);
    assert_eq!(
        subjects(&grants),
        vec![
            "Group platform-ops",
            "Group sre-oncall",
            "Group system:masters",
            "ServiceAccount production/ci-deployer",
            "User alice",
            "User carol",
        ]
    );
    let carol = grants
        .iter()
        .find(|grant| grant.subject.name == "carol")
        .expect("carol");
    assert_eq!(carol.only_names, vec!["canary-0"]);
    let oncall = grants
        .iter()
        .find(|grant| grant.subject.name == "sre-oncall")
        .expect("group");
    assert_eq!(oncall.role, "ClusterRole pod-janitor");
    assert_eq!(oncall.scope, "namespace production");
    let ops = grants
        .iter()
        .find(|grant| grant.subject.name == "platform-ops")
        .expect("wildcard");
    assert_eq!(ops.scope, "cluster-wide");
    assert!(ops.rule.contains("verbs [*]"));
}

#[test]
fn cluster_wide_questions_ignore_role_bindings_and_reads_do_not_grant_deletes() {
    let (roles, bindings) = cluster();
    let cluster_wide = who_can("delete", "pods", None, &roles, &bindings);
    assert_eq!(
        subjects(&cluster_wide),
        vec!["Group platform-ops", "Group system:masters"]
    );
    let readers = who_can("get", "secrets", Some("staging"), &roles, &bindings);
    assert_eq!(
        subjects(&readers),
        vec![
            "Group developers",
            "Group platform-ops",
            "Group system:masters"
        ]
    );
    let logs = who_can("get", "pods/log", Some("production"), &roles, &bindings);
    assert!(subjects(&logs).contains(&"Group sre-oncall".to_string()));
    assert!(
        !subjects(&logs).contains(&"User alice".to_string()),
        "pods does not cover pods/log"
    );
}

#[test]
fn a_service_account_gets_its_direct_bindings_and_its_implicit_groups() {
    let (roles, mut bindings) = cluster();
    bindings.push(Binding::read(
        &json!({"kind": "ClusterRoleBinding", "metadata": {"name": "all-sa-view"},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "Group", "name": "system:serviceaccounts:production"}]}),
    ));
    let grants = permissions_of(
        &Subject::service_account("production", "ci-deployer"),
        &roles,
        &bindings,
    );
    let through: BTreeSet<&str> = grants.iter().map(|grant| grant.binding.as_str()).collect();
    assert_eq!(
        through.into_iter().collect::<Vec<_>>(),
        vec![
            "ClusterRoleBinding all-sa-view",
            "RoleBinding production/deployers"
        ]
    );
    let elsewhere = permissions_of(
        &Subject::service_account("staging", "ci-deployer"),
        &roles,
        &bindings,
    );
    assert!(elsewhere.is_empty());
}

#[test]
fn risky_grants_flag_cluster_admin_wildcards_and_secret_readers() {
    let (roles, bindings) = cluster();
    let findings = risky_grants(&roles, &bindings);
    let critical: Vec<&str> = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Critical)
        .map(|finding| finding.message.as_str())
        .collect();
    assert_eq!(critical.len(), 1, "{findings:#?}");
    assert!(
        critical[0].starts_with("ClusterRoleBinding ops gives Group platform-ops a wildcard rule")
    );
    assert!(findings.iter().any(|finding| finding.severity == Severity::Info
        && finding.message.contains(
            "grants cluster-admin cluster-wide to Group system:masters (Kubernetes' own bootstrap binding)"
        )));
    assert!(findings.iter().any(|finding| {
        finding.severity == Severity::Warning
            && finding.message.starts_with(
                "ClusterRoleBinding developers-view lets Group developers read Secrets",
            )
    }));
    assert!(findings.iter().any(|finding| finding.severity == Severity::Warning
        && finding.message.starts_with(
            "RoleBinding production/deployers gives User alice, ServiceAccount production/ci-deployer a wildcard rule"
        )));
}

#[test]
fn a_cluster_admin_binding_to_a_person_is_critical() {
    let (roles, mut bindings) = cluster();
    bindings.push(Binding::read(
        &json!({"kind": "ClusterRoleBinding", "metadata": {"name": "dave-admin"},
        "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "User", "name": "dave"}]}),
    ));
    let findings = risky_grants(&roles, &bindings);
    assert_eq!(findings[0].severity, Severity::Critical);
    assert!(findings.iter().any(|finding| finding.message
        == "ClusterRoleBinding dave-admin grants cluster-admin cluster-wide to User dave"));
}

#[test]
fn questions_are_read_from_plain_words() {
    assert_eq!(
        RbacQuestion::from_words("who can delete pods in production?", None),
        RbacQuestion::WhoCan {
            verb: "delete".into(),
            resource: "pods".into(),
            namespace: Some("production".into())
        }
    );
    assert_eq!(
        RbacQuestion::from_words("Who can read secret", Some("staging")),
        RbacQuestion::WhoCan {
            verb: "get".into(),
            resource: "secrets".into(),
            namespace: Some("staging".into())
        }
    );
    assert_eq!(
        RbacQuestion::from_words("who can exec into pods in prod", None),
        RbacQuestion::WhoCan {
            verb: "create".into(),
            resource: "pods/exec".into(),
            namespace: Some("prod".into())
        }
    );
    assert_eq!(
        RbacQuestion::from_words("what can serviceaccount checkout in production do", None),
        RbacQuestion::PermissionsOf {
            subject: Subject::service_account("production", "checkout")
        }
    );
    assert_eq!(
        RbacQuestion::from_words("audit rbac", None),
        RbacQuestion::RiskyGrants
    );
}

#[test]
fn an_impersonated_identity_is_the_subject_asked_about() {
    for words in [
        "auth can-i list pods --as=system:serviceaccount:shop:checkout",
        "kubectl auth can-i list pods --as system:serviceaccount:shop:checkout -n prod",
    ] {
        assert_eq!(
            RbacQuestion::from_words(words, None),
            RbacQuestion::PermissionsOf {
                subject: Subject::service_account("shop", "checkout")
            },
            "{words}"
        );
    }
    assert_eq!(
        RbacQuestion::from_words(
            "kubectl auth can-i delete pods --as=Jane --as-group=dev",
            None
        ),
        RbacQuestion::PermissionsOf {
            subject: Subject {
                kind: "User".into(),
                name: "Jane".into(),
                namespace: None
            }
        }
    );
}

#[test]
fn a_service_account_is_read_however_it_is_named() {
    let checkout_in = |namespace: &str| RbacQuestion::PermissionsOf {
        subject: Subject::service_account(namespace, "checkout"),
    };
    let checkout = RbacQuestion::AccountNamed {
        name: "checkout".into(),
    };
    for (words, expected) in [
        ("what can the checkout service account do", checkout.clone()),
        (
            "what can the checkout service account do?",
            checkout.clone(),
        ),
        ("permissions of service account checkout", checkout.clone()),
        ("what may sa/checkout do", checkout.clone()),
        ("what can checkout sa do", checkout.clone()),
        ("what can the service account named checkout do", checkout),
        (
            "what can the checkout service account do in production",
            checkout_in("production"),
        ),
        (
            "what can serviceaccount checkout in namespace shop do",
            checkout_in("shop"),
        ),
        (
            "what can serviceaccount checkout -n shop do",
            checkout_in("shop"),
        ),
    ] {
        assert_eq!(RbacQuestion::from_words(words, None), expected, "{words}");
    }
}

#[test]
fn an_account_named_without_its_namespace_is_answered_for_itself_only() {
    let (roles, bindings) = cluster();
    let found = vec![Subject::service_account("production", "ci-deployer")];
    let report = account_answer("ci-deployer", &found, &roles, &bindings);
    let direct = answer(
        &RbacQuestion::PermissionsOf {
            subject: found[0].clone(),
        },
        &roles,
        &bindings,
    );
    assert_eq!(report, direct, "one account: its own permissions");
    let none = account_answer("ghost", &[], &roles, &bindings);
    assert_eq!(
        none.summary,
        "There is no ServiceAccount named ghost in any namespace."
    );
    assert!(none.grants.is_empty() && none.findings.is_empty());
}

#[test]
fn the_answer_names_every_subject_once_with_limits() {
    let (roles, bindings) = cluster();
    let question = RbacQuestion::WhoCan {
        verb: "delete".into(),
        resource: "pods".into(),
        namespace: Some("production".into()),
    };
    let report = answer(&question, &roles, &bindings);
    assert_eq!(
        report.question,
        "Who can delete pods in namespace production?"
    );
    assert!(
        report
            .summary
            .starts_with("6 subject(s) can delete pods in namespace production:"),
        "{}",
        report.summary
    );
    assert!(report.summary.contains("User carol (only canary-0)"));
    assert!(
        report
            .findings
            .iter()
            .all(|finding| !finding.message.contains("developers-view"))
    );
}
