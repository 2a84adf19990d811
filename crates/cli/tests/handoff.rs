//! The in-process supervisor hand-off API, end to end: kubeop's actors
//! started in this process (no socket) over the simulated demo cluster and
//! the real `kubernetes-mcp-server`, driven through the cloneable
//! [`cli::handoff::HandoffHandle`] as a supervisor agent would.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cli::config::Config;
use cli::daemon::Daemon;
use cli::handoff::HandoffError;
use hitl::grant::PlanHash;
use hitl::policy::PlanTarget;
use serde_json::json;
use workflow::{LockedPlanHandoff, Outcome, Response, SupervisorHandoff};

/// The demo cluster and kubeop's actors over it, in this process; the
/// cluster and the state directory live as long as this.
struct OverTheDemo {
    /// kubeop.
    kubeop: Daemon,
    /// Its state directory (the journal a test reads).
    state_dir: PathBuf,
    /// The cluster kubeop works on.
    _env: e2e::SimEnv,
    /// Holds the state directory.
    _state: tempfile::TempDir,
}

impl OverTheDemo {
    async fn start() -> Self {
        let objects = sim::scenario::Scenario::demo().objects_at(SystemTime::now());
        let env = e2e::SimEnv::start("demo", objects).await;
        let state = tempfile::tempdir().expect("a state directory");
        let mut config = Config::default();
        config.daemon.kubeconfig = Some(env.kubeconfig.clone());
        config.daemon.state_dir = state.path().join("state");
        config.gateway.server_binary = Some(e2e::mcp_server_binary());
        Self {
            state_dir: config.daemon.state_dir.clone(),
            kubeop: Daemon::start(config).await.expect("kubeop's actors start"),
            _env: env,
            _state: state,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_hands_work_in_and_gets_a_signal_back_for_what_is_out_of_scope() {
    let demo = OverTheDemo::start().await;
    let kubeop = &demo.kubeop;
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

    demo.kubeop.shutdown().await;
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

/// Asserts that the newest operation in `state_dir`'s journal is
/// `operation_id`, logged with `request` (the journal is read as `kubeop
/// log` reads it, no lock).
fn assert_newest_logged(state_dir: &Path, operation_id: &str, request: &str) {
    let snapshot = memory::read_journal(state_dir).expect("the journal reads");
    let logged: Vec<(String, String)> = memory::query::summarize(&snapshot.entries)
        .into_iter()
        .map(|operation| {
            (
                operation.operation_id.as_str().to_owned(),
                operation.request.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        logged.first(),
        Some(&(operation_id.to_owned(), request.to_owned())),
        "{logged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hand_off_is_logged_as_its_sources_and_a_plan_locked_one_reports_progress() {
    let demo = OverTheDemo::start().await;
    let (kubeop, state_dir) = (&demo.kubeop, &demo.state_dir);
    let handle = kubeop.handoffs();

    // A change handed in (not PLAN-LOCKED) waits for a person, logged as
    // the app agent's hand-off.
    let plan = match handle
        .handoff(SupervisorHandoff {
            source_domain: Some("app".into()),
            request: Some("scale deployment web-frontend to 4".into()),
            namespace: Some("production".into()),
            ..SupervisorHandoff::default()
        })
        .await
        .expect("answered")
    {
        Response::Plan(plan) => plan,
        other => panic!("expected a plan, got {other:?}"),
    };
    assert_newest_logged(
        state_dir,
        &plan.plan_id,
        "hand-off from the app agent: scale deployment web-frontend to 4 in namespace production",
    );

    // A PLAN-LOCKED change runs at once; its verification reports what it
    // waits on, as a person's approval does (nginx's new pods take a while).
    let arguments = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx",
                           "namespace": "staging", "scale": 4, "context": "demo"});
    let arguments = arguments.as_object().expect("an object").clone();
    let locked = SupervisorHandoff {
        source_domain: Some("observability".into()),
        locked_plan: Some(LockedPlanHandoff {
            upstream_approval_id: "upstream-7".into(),
            plan_hash: PlanHash::of_call("resources_scale", &arguments),
            approved_by: "carol@supervisor".into(),
            tool: "resources_scale".into(),
            arguments,
            target: PlanTarget {
                kind: "Deployment".into(),
                name: "nginx".into(),
                namespace: Some("staging".into()),
                context: "demo".into(),
            },
            retyped_name: None,
        }),
        ..SupervisorHandoff::default()
    };
    let (progress, mut lines) = tokio::sync::mpsc::channel(64);
    let pending = handle
        .submit_with_progress(locked, progress)
        .expect("queued");
    let result = match pending.answer().await.expect("answered") {
        Response::Result(result) => result,
        other => panic!("expected a result, got {other:?}"),
    };
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    let mut progress = Vec::new();
    while let Ok(line) = lines.try_recv() {
        progress.push(line);
    }
    assert!(
        progress
            .iter()
            .any(|line| line.contains("replicas of deployment/nginx in staging to be ready")),
        "what verification waited on was reported: {progress:?}"
    );
    assert_newest_logged(
        state_dir,
        &result.plan_id,
        "PLAN-LOCKED hand-off from the observability agent: upstream approval upstream-7",
    );

    // Out of scope in words: what was found is the release named, where it
    // would have run, and why nothing was read.
    let signal = kubeop
        .call(
            "ask",
            json!({"text": "roll back the helm release payments to revision 3"}),
        )
        .await
        .expect("answered");
    assert_eq!(signal["kind"], "handoff", "{signal}");
    assert_eq!(signal["domain"], "helm", "{signal}");
    assert_eq!(signal["found"]["context"], "demo", "{signal}");
    assert_eq!(signal["found"]["name"], "payments", "{signal}");
    assert!(
        signal["found"]["why_nothing_read"]
            .as_str()
            .is_some_and(|why| why.starts_with("kubeop read nothing from the cluster")),
        "{signal}"
    );
    demo.kubeop.shutdown().await;
}
