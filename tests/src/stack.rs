//! The whole kubeop pipeline in-process for a test: the real MCP server
//! behind the gateway, the approvals actor, the operations memory and the
//! coordinator, over a simulated cluster.
//!
//! [`Stack::restart`] stops every kubeop actor and starts them again on the
//! same state directory (a new process, as far as grants are concerned),
//! leaving the cluster running.

use std::time::Duration;

use hitl::grant::{GrantKey, GrantVerifier};
use hitl::policy::ApprovalPolicy;
use hitl::{Hitl, HitlConfig};
use mcp_gateway::{Gateway, GatewayConfig, ServerCommand};
use memory::{Memory, MemoryConfig, OperationId, Query, QueryAnswer};
use workflow::response::{Answer, Clarify};
use workflow::{
    ApproveRequest, Coordinator, Dependencies, ExecutionResult, Outcome, PlanCard, ProgressSink,
    Request, Response, SessionId, VerifyTimings, WorkflowConfig, WorkflowError,
};

use crate::SimEnv;

/// How long a test waits for the MCP server to be ready.
const SERVER_READY_WITHIN: Duration = Duration::from_secs(60);

/// kubeop's actors, started for one test.
#[derive(Debug)]
pub struct Stack {
    /// The cluster (and its kubeconfig).
    pub env: SimEnv,
    /// The gateway, for direct reads in assertions.
    pub gateway: Gateway,
    /// Approvals.
    pub hitl: Hitl,
    /// The operations log.
    pub memory: Memory,
    /// Ends when the memory actor has stopped and closed its journal (and
    /// with it the state directory's single-writer lock).
    memory_stopped: tokio::task::JoinHandle<()>,
    /// The coordinator under test.
    pub coordinator: Coordinator,
    /// The approval rules (kept for restarts).
    policy: ApprovalPolicy,
    /// State directory (approvals, journal); survives restarts.
    state: tempfile::TempDir,
}

impl Stack {
    /// A stack over the scenario `NAME` ([`crate::diagnosis::scenario`]),
    /// with the default approval policy.
    pub async fn start_scenario(name: &str) -> Self {
        Self::start(
            crate::diagnosis::scenario(name).objects,
            ApprovalPolicy::default(),
        )
        .await
    }

    /// A stack over a new cluster holding `objects`, with `policy`.
    pub async fn start(objects: Vec<serde_json::Value>, policy: ApprovalPolicy) -> Self {
        let env = SimEnv::start("sim", objects).await;
        let state = tempfile::tempdir().expect("a state directory");
        let (gateway, hitl, (memory, memory_stopped), coordinator) =
            launch(&env, &policy, state.path()).await;
        Self {
            env,
            gateway,
            hitl,
            memory,
            memory_stopped,
            coordinator,
            policy,
            state,
        }
    }

    /// Stops kubeop's actors and starts them again on the same state.
    pub async fn restart(&mut self) {
        self.coordinator.stop();
        self.hitl.stop();
        self.gateway
            .shutdown()
            .await
            .expect("the gateway shuts down");
        // A new process could open the state directory only after the old
        // one closed its journal: wait for that, as a real restart would.
        self.memory.actor().stop(None);
        (&mut self.memory_stopped)
            .await
            .expect("the memory actor stops cleanly");
        let (gateway, hitl, (memory, memory_stopped), coordinator) =
            launch(&self.env, &self.policy, self.state.path()).await;
        self.gateway = gateway;
        self.hitl = hitl;
        self.memory = memory;
        self.memory_stopped = memory_stopped;
        self.coordinator = coordinator;
    }

    /// Asks in the test's default session.
    pub async fn ask(&self, text: &str) -> Result<Response, WorkflowError> {
        self.ask_in("test", text).await
    }

    /// Asks in session `session`.
    pub async fn ask_in(&self, session: &str, text: &str) -> Result<Response, WorkflowError> {
        self.coordinator
            .ask(
                SessionId::new(session),
                "tester",
                Request::Text {
                    text: text.to_owned(),
                },
            )
            .await
    }

    /// Asks, expecting a plan card.
    pub async fn plan(&self, text: &str) -> PlanCard {
        match self.ask(text).await {
            Ok(Response::Plan(card)) => card,
            other => panic!("{text:?} should give a plan, got {other:?}"),
        }
    }

    /// Asks, expecting an answer.
    pub async fn answer(&self, text: &str) -> Answer {
        self.answer_in("test", text).await
    }

    /// Asks in session `session`, expecting an answer.
    pub async fn answer_in(&self, session: &str, text: &str) -> Answer {
        match self.ask_in(session, text).await {
            Ok(Response::Answer(answer)) => answer,
            other => panic!("{text:?} should be answered, got {other:?}"),
        }
    }

    /// Asks, expecting a question back.
    pub async fn clarify(&self, text: &str) -> Clarify {
        match self.ask(text).await {
            Ok(Response::Clarify(question)) => question,
            other => panic!("{text:?} should be a question back, got {other:?}"),
        }
    }

    /// The plans waiting for approval.
    pub async fn pending(&self) -> Vec<PlanCard> {
        self.coordinator
            .pending()
            .await
            .expect("the coordinator lists its pending plans")
    }

    /// Approves `card` as shown and checks that it ran to `outcome`; the
    /// result, for its evidence.
    pub async fn approve_to(&self, card: &PlanCard, outcome: Outcome) -> ExecutionResult {
        let result = self
            .approve(card)
            .await
            .unwrap_or_else(|error| panic!("plan {} was not run: {error}", card.plan_id));
        assert_eq!(result.outcome, outcome, "{result:?}");
        result
    }

    /// Approves `card` as shown.
    pub async fn approve(&self, card: &PlanCard) -> Result<ExecutionResult, WorkflowError> {
        self.coordinator
            .approve(
                ApproveRequest {
                    plan_id: card.plan_id.clone(),
                    plan_hash: card.plan_hash,
                    approver: "approver".into(),
                    retyped_name: None,
                },
                ProgressSink::default(),
            )
            .await
    }

    /// The kinds of the operations-log records of one plan, in order.
    pub async fn recorded(&self, plan_id: &str) -> Vec<String> {
        match self
            .memory
            .query(Query::History {
                operation_id: OperationId::new(plan_id),
            })
            .await
            .expect("the log answers")
        {
            QueryAnswer::History { entries } => entries
                .iter()
                .map(|entry| entry.record.event.kind().as_str().to_owned())
                .collect(),
            other => panic!("a history query gave {other:?}"),
        }
    }
}

async fn launch(
    env: &SimEnv,
    policy: &ApprovalPolicy,
    state: &std::path::Path,
) -> (
    Gateway,
    Hitl,
    (Memory, tokio::task::JoinHandle<()>),
    Coordinator,
) {
    let key = GrantKey::generate().expect("randomness for the grant key");
    let mut config = GatewayConfig::with_server(ServerCommand::binary(crate::mcp_server_binary()));
    config.kubeconfig = Some(env.kubeconfig.clone());
    let gateway = Gateway::start(config, GrantVerifier::new(key.clone()))
        .await
        .expect("the gateway starts");
    gateway
        .wait_ready(SERVER_READY_WITHIN)
        .await
        .expect("the MCP server gets ready");
    let (hitl, _) = Hitl::start(HitlConfig {
        state_dir: state.to_owned(),
        policy: policy.clone(),
        key,
    })
    .await
    .expect("the approvals actor starts");
    let (memory, memory_stopped) = Memory::spawn(MemoryConfig::new(state))
        .await
        .expect("the operations memory opens");
    let (coordinator, _) = Coordinator::start(
        Dependencies {
            gateway: gateway.clone(),
            hitl: hitl.clone(),
            memory: memory.clone(),
        },
        WorkflowConfig {
            timings: VerifyTimings {
                poll_interval: Duration::from_millis(200),
                // A test's long-running Job is reported still running
                // after this, not after the five minutes a person waits.
                job: Duration::from_secs(15),
                ..VerifyTimings::default()
            },
            ..WorkflowConfig::default()
        },
    )
    .await
    .expect("the coordinator starts");
    (gateway, hitl, (memory, memory_stopped), coordinator)
}
