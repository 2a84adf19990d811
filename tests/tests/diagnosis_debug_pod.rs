//! Safe debugging end to end: the debug pod's plan is created, its test runs
//! through the real server's exec, the pod is removed and its removal
//! verified; a second request finds the first pod instead of duplicating it.

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::ClusterReader;
use workflow::diagnosis::debug_pod::{
    DebugImage, DebugOutcome, DebugPodPlan, DebugTest, interpret, prepare, removal_verified,
};

/// The plan for `test` in namespace default, with busybox.
async fn prepared(env: &DiagnosisEnv, test: &DebugTest) -> DebugPodPlan {
    prepare(&env.reader(), test.clone(), "default", DebugImage::Busybox)
        .await
        .expect("the plan is prepared")
}

/// Creates the plan's pod as approved, and waits until it runs.
async fn create_running(env: &DiagnosisEnv, plan: &DebugPodPlan) {
    let created = env
        .approved_call(plan.create.tool, plan.create.arguments.clone())
        .await;
    assert!(!created.is_error, "{}", created.text);
    env.kubectl_until(&["get", "pod", &plan.pod_name, "-n", "default"], |out| {
        out.contains("Running")
    })
    .await;
}

/// Runs the plan's test in its pod as approved: what the test showed.
async fn run_test(env: &DiagnosisEnv, plan: &DebugPodPlan, test: &DebugTest) -> DebugOutcome {
    let exec = env
        .approved_call(plan.run_test.tool, plan.run_test.arguments.clone())
        .await;
    interpret(
        test,
        &workflow::diagnosis::ToolOutput {
            text: exec.text,
            structured: exec.structured,
            is_error: exec.is_error,
        },
    )
}

/// Removes the plan's pod as approved, and checks the removal is verified.
async fn remove_verified(env: &DiagnosisEnv, plan: &DebugPodPlan) {
    let removed = env
        .approved_call(plan.remove.tool, plan.remove.arguments.clone())
        .await;
    assert!(!removed.is_error, "{}", removed.text);
    let read = env
        .reader()
        .call(plan.verify_removed.clone())
        .await
        .expect("the read is made");
    assert!(
        removal_verified(&read),
        "the pod is still there: {}",
        read.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_test_runs_in_a_debug_pod_that_is_removed_afterwards() {
    let env = DiagnosisEnv::start("demo").await;
    let test = DebugTest::Dns {
        host: "checkout.production".into(),
    };
    let plan = prepared(&env, &test).await;
    assert!(plan.existing_pod.is_none());
    create_running(&env, &plan).await;

    let again = prepared(&env, &test).await;
    assert_eq!(again.pod_name, plan.pod_name);
    assert_eq!(again.existing_pod.as_deref(), Some("phase Running"));

    let outcome = run_test(&env, &plan, &test).await;
    assert!(outcome.passed, "{outcome:?}");
    assert_eq!(
        outcome.finding,
        "checkout.production resolves to 10.96.201.7"
    );
    remove_verified(&env, &plan).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_lookup_is_reported_with_its_answer() {
    let env = DiagnosisEnv::start("demo").await;
    let test = DebugTest::Dns {
        host: "no-such-service.production".into(),
    };
    let plan = prepared(&env, &test).await;
    create_running(&env, &plan).await;
    let outcome = run_test(&env, &plan, &test).await;
    assert!(!outcome.passed);
    assert_eq!(
        outcome.finding,
        "no-such-service.production does not resolve: NXDOMAIN (no such name)"
    );
    remove_verified(&env, &plan).await;
}
