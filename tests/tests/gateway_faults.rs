//! The gateway against a purpose-built misbehaving MCP server
//! (`tests/src/bin/fake_mcp_server.rs`): dying mid-call, hanging, answering
//! out of order, writing garbage, never answering initialize, lingering after
//! stdin closes. In every case no caller waits past its deadline, errors are
//! typed, and the gateway recovers so that the next call succeeds.
//!
//! Waiting for a state (a queue filled, a file written) polls without any
//! time limit of its own: the test harness's timeout is the only clock, so a
//! slow shared machine can make these tests slower but not flaky.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, SystemTime};

use hitl::grant::{ApprovalGrant, GrantKey, GrantVerifier, PlanHash};
use mcp_gateway::{
    Gateway, GatewayConfig, GatewayError, GatewayStatus, Limits, ServerCommand, ServerPhase,
    ToolCall,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const FAKE_SERVER: &str = env!("CARGO_BIN_EXE_fake_mcp_server");

fn args(value: Value) -> Map<String, Value> {
    value
        .as_object()
        .cloned()
        .expect("test arguments are an object")
}

/// `pods_get` of a pod whose name tells the fake server how to behave.
fn pods_get(behaviour: &str) -> ToolCall {
    ToolCall::new(
        "pods_get",
        args(json!({"name": behaviour, "namespace": "test"})),
    )
}

fn fake_config(state_dir: &Path, flags: &[&str]) -> GatewayConfig {
    let mut server = ServerCommand::binary(FAKE_SERVER);
    server.args = ["--state-dir", &state_dir.display().to_string()]
        .iter()
        .chain(flags)
        .map(Into::into)
        .collect();
    let mut config = GatewayConfig::with_server(server);
    config.restart.initial_backoff = Duration::from_millis(20);
    config.restart.max_backoff = Duration::from_millis(200);
    config.deadlines.shutdown_grace = Duration::from_millis(300);
    config
}

async fn start(config: GatewayConfig) -> Gateway {
    Gateway::start(
        config,
        GrantVerifier::new(GrantKey::generate().expect("key")),
    )
    .await
    .expect("the gateway starts")
}

async fn started(config: GatewayConfig) -> Gateway {
    let gateway = start(config).await;
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the fake server starts");
    gateway
}

async fn status_when(gateway: &Gateway, done: impl Fn(&GatewayStatus) -> bool) -> GatewayStatus {
    loop {
        let status = gateway.status().await.expect("status");
        if done(&status) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn lines_when(path: &Path, count: usize) -> Vec<String> {
    loop {
        let lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The call as the fake server echoed it back.
fn echoed(output: &mcp_gateway::ToolOutput) -> Value {
    serde_json::from_str(&output.text).expect("the fake server echoes the call as JSON")
}

async fn next_call_succeeds(gateway: &Gateway) {
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the gateway recovers");
    let output = gateway
        .call(pods_get("after-recovery"))
        .await
        .expect("the next call succeeds");
    assert_eq!(echoed(&output)["arguments"]["name"], "after-recovery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_death_mid_call_answers_every_in_flight_and_queued_caller_then_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &[]);
    config.limits = Limits {
        max_in_flight: 3,
        max_queued: 8,
    };
    let gateway = started(config).await;

    let mut callers = Vec::new();
    for behaviour in ["hang", "hang", "die-when-released"] {
        let gateway = gateway.clone();
        callers.push(tokio::spawn(async move {
            gateway.call(pods_get(behaviour)).await
        }));
    }
    status_when(&gateway, |status| status.in_flight == 3).await;
    for _ in 0..4 {
        let gateway = gateway.clone();
        callers.push(tokio::spawn(async move {
            gateway.call(pods_get("queued")).await
        }));
    }
    status_when(&gateway, |status| status.queued == 4).await;
    std::fs::write(dir.path().join("release"), "").expect("release the dying call");

    for caller in callers {
        let outcome = caller.await.expect("the caller task ends");
        assert!(
            matches!(outcome, Err(GatewayError::ConnectionLost { .. })),
            "{outcome:?}"
        );
    }
    next_call_succeeds(&gateway).await;
    let status = gateway.status().await.expect("status");
    assert_eq!(status.generation, 2);
    assert_eq!(status.metrics.restarts, 1);
    assert_eq!(
        status
            .metrics
            .errors_of(mcp_gateway::ErrorKind::ConnectionLost),
        7
    );
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_call_times_out_is_cancelled_on_the_server_and_dropping_cancels_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = started(fake_config(dir.path(), &[])).await;

    let mut hung = Vec::new();
    for _ in 0..8 {
        let gateway = gateway.clone();
        hung.push(tokio::spawn(async move {
            gateway
                .call(pods_get("hang").with_deadline(Duration::from_millis(200)))
                .await
        }));
    }
    for caller in hung {
        assert_eq!(
            caller.await.expect("the caller task ends"),
            Err(GatewayError::Timeout {
                operation: "pods_get".into(),
                after: Duration::from_millis(200)
            })
        );
    }
    let cancelled = dir.path().join("cancelled.log");
    lines_when(&cancelled, 8).await;

    let dropped = {
        let gateway = gateway.clone();
        tokio::spawn(async move { gateway.call(pods_get("hang")).await })
    };
    status_when(&gateway, |status| status.in_flight == 1).await;
    dropped.abort();
    lines_when(&cancelled, 9).await;
    status_when(&gateway, |status| status.in_flight == 0).await;

    next_call_succeeds(&gateway).await;
    let status = gateway.status().await.expect("status");
    assert_eq!(status.metrics.errors_of(mcp_gateway::ErrorKind::Timeout), 8);
    assert_eq!(
        status.metrics.errors_of(mcp_gateway::ErrorKind::Abandoned),
        1
    );
    assert_eq!(status.generation, 1, "a hang is not a death");
    assert_eq!(status.metrics.hung, 0, "the server answered its pings");
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_answering_is_found_by_ping_restarted_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &[]);
    config.deadlines.liveness_ping = Duration::from_millis(300);
    let gateway = started(config).await;

    // Callers in flight when the server hangs: their own deadlines are far
    // away, yet they are answered as soon as the hang is found.
    let mut in_flight = Vec::new();
    for _ in 0..2 {
        let gateway = gateway.clone();
        in_flight.push(tokio::spawn(async move {
            gateway
                .call(pods_get("hang").with_deadline(Duration::from_secs(3600)))
                .await
        }));
    }
    status_when(&gateway, |status| status.in_flight == 2).await;
    assert_eq!(
        gateway
            .call(pods_get("freeze").with_deadline(Duration::from_millis(200)))
            .await,
        Err(GatewayError::Timeout {
            operation: "pods_get".into(),
            after: Duration::from_millis(200)
        })
    );
    for caller in in_flight {
        match caller.await.expect("the caller task ends") {
            Err(GatewayError::ConnectionLost { reason, .. }) => assert!(
                reason.contains("stopped answering") && reason.contains("ping"),
                "{reason}"
            ),
            other => panic!("expected ConnectionLost, got {other:?}"),
        }
    }

    next_call_succeeds(&gateway).await;
    let status = gateway.status().await.expect("status");
    assert_eq!(status.generation, 2);
    assert_eq!(status.metrics.hung, 1);
    assert_eq!(status.metrics.restarts, 1);
    assert!(status.tools > 0, "the catalog was reloaded");
    assert_eq!((status.in_flight, status.queued), (0, 0));
    gateway.shutdown().await.expect("shutdown");
}

/// What one caller of the soak test does.
fn soak_call(index: usize) -> ToolCall {
    match index % 5 {
        // Answered at once.
        0 | 1 => pods_get(&format!("soak-{index}")),
        // Times out on the server (cancelled there) or while queued.
        2 => pods_get("slow-30").with_deadline(Duration::from_millis(2)),
        // Never answered by a live server: times out, and the liveness ping
        // that follows is answered.
        3 => pods_get("hang").with_deadline(Duration::from_millis(20)),
        // Abandoned by its caller (see below).
        _ => pods_get("slow-20"),
    }
}

/// Thousands of calls, answered, timed out in the queue and on the server,
/// abandoned, and turned away busy: afterwards nothing is left in flight or
/// queued, every call is accounted for once, and the server still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_answered_timed_out_and_abandoned_calls_leave_no_slot_behind() {
    const CALLERS: usize = 32;
    const CALLS_PER_CALLER: usize = 80;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &[]);
    config.limits = Limits {
        max_in_flight: 8,
        max_queued: 16,
    };
    let gateway = started(config).await;
    let mut callers = Vec::new();
    for caller in 0..CALLERS {
        let gateway = gateway.clone();
        callers.push(tokio::spawn(async move {
            let mut answered = 0u64;
            for round in 0..CALLS_PER_CALLER {
                let index = caller * CALLS_PER_CALLER + round;
                let call = soak_call(index);
                if index % 5 == 4 {
                    let gateway = gateway.clone();
                    let abandoned = tokio::spawn(async move { gateway.call(call).await });
                    tokio::task::yield_now().await;
                    abandoned.abort();
                    abandoned.await.ok();
                    continue;
                }
                match gateway.call(call).await {
                    Ok(output) => {
                        assert_eq!(
                            echoed(&output)["arguments"]["name"],
                            format!("soak-{index}").as_str()
                        );
                        answered += 1;
                    }
                    Err(GatewayError::Timeout { .. } | GatewayError::Busy { .. }) => {}
                    Err(other) => panic!("call {index}: unexpected {other:?}"),
                }
            }
            answered
        }));
    }
    let mut answered = 0;
    for caller in callers {
        answered += caller.await.expect("the caller task ends");
    }
    assert!(answered > 0);

    let status = status_when(&gateway, |status| {
        status.in_flight == 0 && status.queued == 0
    })
    .await;
    let metrics = &status.metrics;
    let errors: u64 = metrics.errors.iter().map(|(_, count)| count).sum();
    // An abandoned call aborted before its task first ran never reached the
    // gateway (a loaded machine may not run it within one yield): every
    // other call is counted, once.
    let total = (CALLERS * CALLS_PER_CALLER) as u64;
    let abandoned = total / 5;
    assert!(
        (total - abandoned..=total).contains(&metrics.calls),
        "{metrics:?}"
    );
    assert_eq!(metrics.calls, metrics.completed + errors, "{metrics:?}");
    assert!(metrics.completed >= answered, "{metrics:?}");
    assert!(
        metrics.errors_of(mcp_gateway::ErrorKind::Timeout) > 0,
        "{metrics:?}"
    );
    assert_eq!(
        status.generation, 1,
        "a live server is never restarted: {metrics:?}"
    );
    assert_eq!(metrics.hung, 0);
    next_call_succeeds(&gateway).await;
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_out_of_order_reach_their_own_callers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = started(fake_config(dir.path(), &[])).await;
    let mut callers = Vec::new();
    for index in 0..24u64 {
        let gateway = gateway.clone();
        // Later calls answer sooner: replies arrive in reverse order.
        let behaviour = format!("slow-{}", (24 - index) * 15);
        callers.push(tokio::spawn(async move {
            let output = gateway.call(pods_get(&behaviour)).await;
            (behaviour, output)
        }));
    }
    for caller in callers {
        let (behaviour, output) = caller.await.expect("the caller task ends");
        let output = output.expect("answered");
        assert_eq!(echoed(&output)["arguments"]["name"], behaviour.as_str());
    }
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_lines_are_dropped_and_counted_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = started(fake_config(dir.path(), &[])).await;
    let output = gateway
        .call(pods_get("garbage"))
        .await
        .expect("the answer after the garbage arrives");
    assert_eq!(echoed(&output)["arguments"]["name"], "garbage");
    next_call_succeeds(&gateway).await;
    let status = gateway.status().await.expect("status");
    assert_eq!(status.metrics.garbage_lines, 3);
    assert_eq!(status.generation, 1);
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_initialize_fails_calls_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &["--hang-initialize-starts", "1000"]);
    config.deadlines.startup = Duration::from_millis(200);
    config.restart.initial_backoff = Duration::from_secs(30);
    let gateway = start(config).await;
    let outcome = gateway
        .call(pods_get("early").with_deadline(Duration::from_secs(60)))
        .await;
    match outcome {
        Err(GatewayError::Unavailable { reason }) => assert!(
            reason.contains("did not finish start-up within 200ms")
                && reason.contains("fake MCP server start 0"),
            "{reason}"
        ),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    let status = gateway.status().await.expect("status");
    assert_eq!(status.phase, ServerPhase::Down);
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_in_initialize_is_restarted_until_it_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &["--hang-initialize-starts", "2"]);
    config.deadlines.startup = Duration::from_millis(200);
    let gateway = start(config).await;
    next_call_succeeds(&gateway).await;
    let status = gateway.status().await.expect("status");
    assert_eq!(status.generation, 3);
    assert_eq!(status.metrics.restarts, 2);
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_beyond_the_queue_are_told_busy_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = fake_config(dir.path(), &[]);
    config.limits = Limits {
        max_in_flight: 2,
        max_queued: 3,
    };
    let gateway = started(config).await;
    let mut waiting = Vec::new();
    for _ in 0..5 {
        let gateway = gateway.clone();
        waiting.push(tokio::spawn(
            async move { gateway.call(pods_get("hang")).await },
        ));
    }
    status_when(&gateway, |status| {
        status.in_flight == 2 && status.queued == 3
    })
    .await;
    assert_eq!(
        gateway.call(pods_get("one-too-many")).await,
        Err(GatewayError::Busy {
            in_flight: 2,
            queued: 3
        })
    );
    gateway.shutdown().await.expect("shutdown");
    for caller in waiting {
        let outcome = caller.await.expect("the caller task ends");
        assert!(
            matches!(outcome, Err(GatewayError::ConnectionLost { .. })),
            "{outcome:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_changed_reloads_the_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = started(fake_config(dir.path(), &[])).await;
    assert_eq!(
        gateway
            .call(ToolCall::new("fake_extra_tool", Map::new()))
            .await,
        Err(GatewayError::UnknownTool {
            tool: "fake_extra_tool".into()
        })
    );
    gateway
        .call(pods_get("change-catalog"))
        .await
        .expect("answered");
    loop {
        let catalog = gateway.catalog().await.expect("catalog");
        if catalog.tool("fake_extra_tool").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    gateway
        .call(ToolCall::new("fake_extra_tool", Map::new()))
        .await
        .expect("the new tool is callable");
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_escalates_to_sigterm_when_the_server_lingers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = started(fake_config(dir.path(), &["--linger-after-stdin-close"])).await;
    let pid = gateway
        .status()
        .await
        .expect("status")
        .pid
        .expect("a running server has a pid");
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    gateway.shutdown().await.expect("shutdown");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the server process {pid} is gone (reaped) after shutdown"
    );
    assert_eq!(
        gateway.call(pods_get("late")).await,
        Err(GatewayError::ShutDown)
    );
}

/// The tools the backstop property test calls, with valid arguments.
fn property_call(tool_index: usize, variant: u8) -> (String, Map<String, Value>) {
    let name = format!("p-{variant}");
    match tool_index {
        0 => (
            "pods_get".into(),
            args(json!({"name": name, "namespace": "ns"})),
        ),
        1 => (
            "pods_delete".into(),
            args(json!({"name": name, "namespace": "ns"})),
        ),
        2 => (
            "resources_scale".into(),
            args(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "namespace": "ns"}),
            ),
        ),
        3 => (
            "resources_scale".into(),
            args(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "namespace": "ns", "scale": variant}),
            ),
        ),
        4 => (
            "pods_exec".into(),
            args(json!({"name": name, "command": ["ls", "-l"]})),
        ),
        5 => (
            "pods_run".into(),
            args(json!({"image": "busybox", "name": name})),
        ),
        _ => (
            "resources_create_or_update".into(),
            args(
                json!({"resource": format!("{{\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\"}}}}")}),
            ),
        ),
    }
}

/// How a property-test call is (or is not) approved.
#[derive(Debug, Clone, Copy)]
enum GrantChoice {
    None,
    ForThisCall,
    ForOtherArguments,
    Expired,
    Forged,
    ReuseEarlier,
}

fn grant_choice() -> impl Strategy<Value = GrantChoice> {
    prop_oneof![
        Just(GrantChoice::None),
        Just(GrantChoice::ForThisCall),
        Just(GrantChoice::ForOtherArguments),
        Just(GrantChoice::Expired),
        Just(GrantChoice::Forged),
        Just(GrantChoice::ReuseEarlier),
    ]
}

fn needs_grant(tool: &str, arguments: &Map<String, Value>) -> bool {
    match tool {
        "pods_get" => false,
        "resources_scale" => arguments.contains_key("scale"),
        _ => true,
    }
}

async fn backstop_case(steps: Vec<(usize, u8, GrantChoice)>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = GrantKey::generate().expect("key");
    let forger = GrantKey::generate().expect("key");
    let gateway = Gateway::start(
        fake_config(dir.path(), &[]),
        GrantVerifier::new(key.clone()),
    )
    .await
    .expect("the gateway starts");
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the fake server starts");
    let now = SystemTime::now();
    let ttl = Duration::from_secs(300);
    // The model: the last authentic, unexpired grant issued, and the plans
    // whose grant has been redeemed.
    let mut last_issued: Option<ApprovalGrant> = None;
    let mut spent: HashSet<String> = HashSet::new();
    let mut expected: Vec<Value> = Vec::new();
    for (index, (tool_index, variant, choice)) in steps.into_iter().enumerate() {
        let (tool, arguments) = property_call(tool_index, variant);
        let plan_id = format!("plan-{index}");
        let this_call = PlanHash::of_call(&tool, &arguments);
        let (grant, authentic) = match choice {
            GrantChoice::None => (None, false),
            GrantChoice::ForThisCall => {
                let grant = key.issue(&plan_id, this_call, "a", now, ttl);
                last_issued = Some(grant.clone());
                (Some(grant), true)
            }
            GrantChoice::ForOtherArguments => {
                let (_, other) = property_call(tool_index, variant.wrapping_add(1));
                let grant = key.issue(&plan_id, PlanHash::of_call(&tool, &other), "a", now, ttl);
                last_issued = Some(grant.clone());
                (Some(grant), true)
            }
            GrantChoice::Expired => (
                Some(key.issue(&plan_id, this_call, "a", now - ttl * 2, ttl)),
                false,
            ),
            GrantChoice::Forged => (
                Some(forger.issue(&plan_id, this_call, "a", now, ttl)),
                false,
            ),
            GrantChoice::ReuseEarlier => (last_issued.clone(), last_issued.is_some()),
        };
        let valid = authentic
            && grant.as_ref().is_some_and(|grant| {
                grant.plan_hash == this_call && !spent.contains(&grant.plan_id)
            });
        let needs = needs_grant(&tool, &arguments);
        if needs
            && valid
            && let Some(grant) = &grant
        {
            spent.insert(grant.plan_id.clone());
        }
        let reaches_server = !needs || valid;
        let mut call = ToolCall::new(tool.clone(), arguments.clone());
        if let Some(grant) = grant {
            call = call.with_grant(grant);
        }
        let outcome = gateway.call(call).await;
        if reaches_server {
            prop_assert!(outcome.is_ok(), "{} {:?}: {:?}", tool, choice, outcome);
            expected.push(json!({"tool": tool, "arguments": arguments}));
        } else {
            prop_assert!(
                matches!(outcome, Err(GatewayError::NotApproved { .. })),
                "{} {:?}: {:?}",
                tool,
                choice,
                outcome
            );
        }
    }
    gateway.shutdown().await.expect("shutdown");
    let received: Vec<Value> = std::fs::read_to_string(dir.path().join("calls.log"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("the call log is JSON lines"))
        .collect();
    prop_assert_eq!(received, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the sequence of calls and grants, exactly the read-only calls
    /// and the calls carrying an unused, unexpired, authentic grant for their
    /// exact arguments reach the server, in order.
    #[test]
    fn no_change_reaches_the_server_without_a_grant_for_its_exact_arguments(
        steps in proptest::collection::vec((0usize..7, 0u8..3, grant_choice()), 1..14)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(backstop_case(steps))?;
    }
}
