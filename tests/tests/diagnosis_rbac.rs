//! The RBAC audit end to end: roles, cluster roles, group subjects and a
//! wildcard rule read from the simulated cluster through the real MCP server.

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::rbac::{RbacQuestion, Severity, Subject, audit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_can_delete_pods_in_production() {
    let env = DiagnosisEnv::start("rbac-audit").await;
    let question = RbacQuestion::from_words("who can delete pods in production?", None);
    let report = audit(&env.reader(), &question)
        .await
        .expect("the audit runs");
    let mut subjects: Vec<String> = report
        .grants
        .iter()
        .map(|grant| {
            let only = if grant.only_names.is_empty() {
                String::new()
            } else {
                format!(" (only {})", grant.only_names.join(", "))
            };
            format!(
                "{}{only} via {} / {}",
                grant.subject, grant.binding, grant.role
            )
        })
        .collect();
    subjects.dedup();
    assert_eq!(
        subjects,
        vec![
            "Group platform-ops via ClusterRoleBinding ops / ClusterRole ops-everything",
            "Group sre-oncall via RoleBinding production/oncall-janitors / ClusterRole pod-janitor",
            "Group system:masters via ClusterRoleBinding cluster-admin / ClusterRole cluster-admin",
            "ServiceAccount production/ci-deployer via RoleBinding production/deployers / Role deployer",
            "User alice via RoleBinding production/deployers / Role deployer",
            "User carol (only canary-0) via RoleBinding production/canary / Role canary-janitor",
        ]
    );
    assert!(
        report
            .summary
            .starts_with("6 subject(s) can delete pods in namespace production:")
    );
    assert!(report.findings.iter().any(|finding| {
        finding.severity == Severity::Critical
            && finding
                .message
                .starts_with("ClusterRoleBinding ops gives Group platform-ops a wildcard rule")
    }));
    assert!(report.tool_calls > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_impersonated_service_account_may_do_and_the_risky_grants() {
    let env = DiagnosisEnv::start("rbac-audit").await;
    // `auth can-i ... --as=`: the account impersonated, not the caller.
    let question = RbacQuestion::from_words(
        "kubectl auth can-i delete pods --as=system:serviceaccount:production:ci-deployer",
        None,
    );
    assert_eq!(
        question,
        RbacQuestion::PermissionsOf {
            subject: Subject::service_account("production", "ci-deployer"),
        }
    );
    let account = audit(&env.reader(), &question)
        .await
        .expect("the audit runs");
    let rules: Vec<&str> = account
        .grants
        .iter()
        .map(|grant| grant.rule.as_str())
        .collect();
    assert_eq!(
        rules,
        vec![
            "verbs [*] on [deployments] in groups [apps]",
            "verbs [get, list, delete] on [pods] in groups [core]",
        ]
    );
    let risky = audit(&env.reader(), &RbacQuestion::RiskyGrants)
        .await
        .expect("the audit runs");
    let messages: Vec<String> = risky
        .findings
        .iter()
        .map(|finding| format!("{:?}: {}", finding.severity, finding.message))
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with(
            "Critical: ClusterRoleBinding ops gives Group platform-ops a wildcard rule"
        )),
        "{messages:#?}"
    );
    assert!(messages.iter().any(|m| m.starts_with("Info: ClusterRoleBinding cluster-admin grants cluster-admin cluster-wide to Group system:masters")), "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.starts_with(
            "Warning: ClusterRoleBinding developers-view lets Group developers read Secrets"
        )),
        "{messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("bob")),
        "a delete-only grant is not risky: {messages:#?}"
    );
}
