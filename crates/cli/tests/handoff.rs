//! The in-process supervisor hand-off API, end to end: kubeop's actors
//! started in this process (no socket) over the simulated demo cluster and
//! the real `kubernetes-mcp-server`, driven through the cloneable
//! [`cli::handoff::HandoffHandle`] as a supervisor agent would.

use std::time::SystemTime;

use cli::config::Config;
use cli::daemon::Daemon;
use cli::handoff::HandoffError;
use workflow::{Response, SupervisorHandoff};

async fn kubeop_over_the_demo_cluster(env: &e2e::SimEnv, state: &tempfile::TempDir) -> Daemon {
    let mut config = Config::default();
    config.daemon.kubeconfig = Some(env.kubeconfig.clone());
    config.daemon.state_dir = state.path().join("state");
    config.gateway.server_binary = Some(e2e::mcp_server_binary());
    Daemon::start(config).await.expect("kubeop's actors start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_hands_work_in_and_gets_a_signal_back_for_what_is_out_of_scope() {
    let objects = sim::scenario::Scenario::demo().objects_at(SystemTime::now());
    let env = e2e::SimEnv::start("demo", objects).await;
    let state = tempfile::tempdir().expect("a state directory");
    let kubeop = kubeop_over_the_demo_cluster(&env, &state).await;
    let handle = kubeop.handoffs();

    // Several supervisor tasks share clones of one handle.
    let alert = SupervisorHandoff {
        source_domain: Some("observability".into()),
        request: Some("list pods in namespace production".into()),
        app: Some("web-frontend".into()),
        namespace: Some("production".into()),
        alert: Some("HighErrorRate on web-frontend".into()),
        expected_pods: Some(3),
        ..SupervisorHandoff::default()
    };
    let rollback = SupervisorHandoff {
        source_domain: Some("app".into()),
        request: Some("roll back the helm release payments".into()),
        release: Some("payments".into()),
        namespace: Some("production".into()),
        ..SupervisorHandoff::default()
    };
    let (first, second) = (handle.clone(), handle.clone());
    let (answered, signalled) = tokio::join!(first.handoff(alert), second.handoff(rollback));
    match answered.expect("the in-scope hand-off is answered") {
        Response::Answer(answer) => {
            assert_eq!(answer.tool.as_deref(), Some("pods_list_in_namespace"));
            assert!(answer.text.contains("web-frontend-"), "{}", answer.text);
            assert!(
                answer
                    .text
                    .ends_with("web-frontend in production: 3 of 3 expected pods running"),
                "the expected pods are checked and match: {}",
                answer.text
            );
        }
        other => panic!("expected an answer, got {other:?}"),
    }
    match signalled.expect("the out-of-scope hand-off is answered") {
        Response::Handoff(signal) => {
            assert_eq!(signal.domain, "helm");
            assert!(!signal.reason.is_empty());
            let found = signal
                .found
                .expect("what was found goes back with the signal");
            assert_eq!(found.name.as_deref(), Some("payments"));
            assert_eq!(found.namespace.as_deref(), Some("production"));
        }
        other => panic!("expected a hand-off signal, got {other:?}"),
    }

    // A change handed in waits for a human like any other.
    let scale = SupervisorHandoff {
        request: Some("scale deployment web-frontend to 4".into()),
        namespace: Some("production".into()),
        sync_status: Some("OutOfSync".into()),
        ..SupervisorHandoff::default()
    };
    match handle.handoff(scale).await.expect("answered") {
        Response::Plan(plan) => {
            assert_eq!(plan.operation, "scale");
            assert_eq!(plan.target.name, "web-frontend");
        }
        other => panic!("expected a plan, got {other:?}"),
    }

    kubeop.shutdown().await;
    assert_eq!(
        handle
            .handoff(SupervisorHandoff {
                request: Some("list pods".into()),
                ..SupervisorHandoff::default()
            })
            .await
            .expect_err("kubeop is stopped"),
        HandoffError::Stopped
    );
}
