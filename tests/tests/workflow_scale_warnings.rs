//! A scale plan on a workload whose pods fail in a way every new replica
//! shares warns on its card that scaling will not help and names the
//! failure, end to end through the whole pipeline over the real MCP server
//! (the demo cluster: checkout crash-loops, notification-service cannot pull
//! its image; `tests/scenarios/diagnosis-pending.yaml`: cruncher fits no node).

use e2e::stack::Stack;

/// The warning that names why scaling `workload` will not help, if any.
fn caveat<'a>(warnings: &'a [String], workload: &str) -> Option<&'a String> {
    let pods_of = format!("pods of {workload} ");
    warnings.iter().find(|warning| warning.contains(&pods_of))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_up_crash_looping_or_unpullable_pods_warns_that_it_adds_more_of_them() {
    let stack = Stack::start_scenario("demo").await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines()
                .filter(|line| line.starts_with("checkout-"))
                .filter(|line| line.contains("CrashLoopBackOff") || line.contains("Error"))
                .count()
                == 2
        })
        .await;
    let card = stack.plan("scale checkout to 4 in production").await;
    let warning = caveat(&card.warnings, "deployment/checkout")
        .unwrap_or_else(|| panic!("no scaling caveat in {:?}", card.warnings));
    assert!(
        warning
            .starts_with("2 of 2 pods of deployment/checkout are in CrashLoopBackOff (checkout-"),
        "{warning}"
    );
    assert!(
        warning.contains("scaling adds more of them, failing the same way"),
        "{warning}"
    );
    assert!(
        warning.contains("why is checkout failing in production"),
        "{warning}"
    );
    assert_eq!(
        card.warnings.first(),
        Some(warning),
        "the caveat comes first: {:?}",
        card.warnings
    );

    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "staging"], |out| {
            out.lines().any(|line| {
                line.starts_with("notification-service-")
                    && (line.contains("ImagePullBackOff") || line.contains("ErrImagePull"))
            })
        })
        .await;
    let pull = stack
        .plan("scale notification-service to 3 in staging")
        .await;
    let warning = caveat(&pull.warnings, "deployment/notification-service")
        .unwrap_or_else(|| panic!("no scaling caveat in {:?}", pull.warnings));
    assert!(
        warning
            .starts_with("1 of 1 pods of deployment/notification-service is in ImagePullBackOff"),
        "{warning}"
    );

    // Scaling down, or scaling pods that run, warns of nothing of the kind.
    let down = stack.plan("scale checkout to 1 in production").await;
    assert_eq!(caveat(&down.warnings, "deployment/checkout"), None);
    let healthy = stack.plan("scale nginx to 3 in staging").await;
    assert_eq!(
        caveat(&healthy.warnings, "deployment/nginx"),
        None,
        "{:?}",
        healthy.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_up_pods_no_node_fits_warns_that_more_will_not_fit() {
    let stack = Stack::start_scenario("diagnosis-pending").await;
    stack
        .env
        .events_until("analytics", "FailedScheduling", |out| {
            out.contains("cruncher")
        })
        .await;
    let card = stack.plan("scale cruncher to 3 in analytics").await;
    let warning = caveat(&card.warnings, "deployment/cruncher")
        .unwrap_or_else(|| panic!("no scaling caveat in {:?}", card.warnings));
    assert!(
        warning.starts_with("1 of 1 pods of deployment/cruncher is Pending (cruncher-"),
        "{warning}"
    );
    assert!(warning.contains("Insufficient memory"), "{warning}");
    assert!(
        warning.contains("more replicas will not fit either"),
        "{warning}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_past_the_bound_is_asked_again_and_a_large_jump_warns_first() {
    let stack = Stack::start_scenario("demo").await;

    // An extra zero or a pasted number is asked about, never planned.
    let question = stack.clarify("scale nginx to 1000000 in staging").await;
    assert_eq!(question.missing, ["scale"]);
    assert!(
        question
            .question
            .starts_with("1000000 replicas is more than kubeop plans for one workload (at most 1000); deployment/nginx in namespace staging has 2."),
        "{}",
        question.question
    );
    assert!(stack.pending().await.is_empty());

    // 2 → 300: planned, the warning first, naming what the new pods
    // request (50m and 64Mi each) against what the nodes offer.
    let card = stack.plan("scale nginx to 300 in staging").await;
    let first = card.warnings.first().expect("a warning");
    assert!(
        first.starts_with(
            "LARGE SCALE-UP: deployment/nginx goes from 2 to 300 replicas, 298 new pods; \
             they request 14.9 CPU and 18.6Gi memory in all. The cluster's 3 schedulable nodes \
             offer pods 11.76 CPU, "
        ),
        "{first}"
    );
    assert!(first.contains(" and 330 pod slots in all"), "{first}");

    // A modest scale-up warns of nothing of the kind.
    let modest = stack.plan("scale nginx to 6 in staging").await;
    assert!(
        !modest
            .warnings
            .iter()
            .any(|warning| warning.starts_with("LARGE")),
        "{:?}",
        modest.warnings
    );
}
