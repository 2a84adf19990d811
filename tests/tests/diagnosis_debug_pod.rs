//! Safe debugging end to end: the debug pod's plan is created, its test runs
//! through the real server's exec, the pod is removed and its removal
//! verified; a second request finds the first pod instead of duplicating it.

use e2e::diagnosis::DiagnosisEnv;
use workflow::diagnosis::ClusterReader;
use workflow::diagnosis::debug_pod::{DebugImage, DebugTest, interpret, prepare, removal_verified};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_test_runs_in_a_debug_pod_that_is_removed_afterwards() {
    let env = DiagnosisEnv::start("demo").await;
    let test = DebugTest::Dns {
        host: "checkout.production".into(),
    };
    let plan = prepare(&env.reader(), test.clone(), "default", DebugImage::Busybox)
        .await
        .expect("the plan is prepared");
    assert!(plan.existing_pod.is_none());
    let created = env
        .approved_call(plan.create.tool, plan.create.arguments.clone())
        .await;
    assert!(!created.is_error, "{}", created.text);
    env.kubectl_until(&["get", "pod", &plan.pod_name, "-n", "default"], |out| {
        out.contains("Running")
    })
    .await;

    let again = prepare(&env.reader(), test.clone(), "default", DebugImage::Busybox)
        .await
        .expect("the plan is prepared");
    assert_eq!(again.pod_name, plan.pod_name);
    assert_eq!(again.existing_pod.as_deref(), Some("phase Running"));

    let exec = env
        .approved_call(plan.run_test.tool, plan.run_test.arguments.clone())
        .await;
    let outcome = interpret(
        &test,
        &workflow::diagnosis::ToolOutput {
            text: exec.text,
            structured: exec.structured,
            is_error: exec.is_error,
        },
    );
    assert!(outcome.passed, "{outcome:?}");
    assert_eq!(
        outcome.finding,
        "checkout.production resolves to 10.96.201.7"
    );

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
async fn a_failed_lookup_is_reported_with_its_answer() {
    let env = DiagnosisEnv::start("demo").await;
    let test = DebugTest::Dns {
        host: "no-such-service.production".into(),
    };
    let plan = prepare(&env.reader(), test.clone(), "default", DebugImage::Busybox)
        .await
        .expect("the plan is prepared");
    let created = env
        .approved_call(plan.create.tool, plan.create.arguments.clone())
        .await;
    assert!(!created.is_error, "{}", created.text);
    env.kubectl_until(&["get", "pod", &plan.pod_name, "-n", "default"], |out| {
        out.contains("Running")
    })
    .await;
    let exec = env
        .approved_call(plan.run_test.tool, plan.run_test.arguments.clone())
        .await;
    let outcome = interpret(
        &test,
        &workflow::diagnosis::ToolOutput {
            text: exec.text,
            structured: exec.structured,
            is_error: exec.is_error,
        },
    );
    assert!(!outcome.passed);
    assert_eq!(
        outcome.finding,
        "no-such-service.production does not resolve: NXDOMAIN (no such name)"
    );
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
