//! Traces of real requests: kubeop's actors in this process over the
//! simulated demo cluster and the real `kubernetes-mcp-server`, its spans
//! exported through the OpenTelemetry SDK's in-memory exporter (the same
//! tracer provider and layer as OTLP export, another exporter). A change's
//! two requests each form one trace under their request id: `ask` →
//! classify → plan, `approve` → approval → execute (→ the MCP call) →
//! verify.
//!
//! One test per binary: it installs the process's global subscriber, as
//! `kubeop` does.

use std::time::SystemTime;

use cli::config::Config;
use cli::daemon::Daemon;
use cli::telemetry::{ExportMode, tracer_provider};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

/// The span named `name` whose parent is `parent`.
fn child<'a>(spans: &'a [SpanData], parent: &SpanData, name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|span| span.name == name && span.parent_span_id == parent.span_context.span_id())
        .unwrap_or_else(|| {
            let names: Vec<(&str, _)> = spans
                .iter()
                .map(|span| (span.name.as_ref(), span.parent_span_id))
                .collect();
            panic!("no {name} under {}: {names:?}", parent.name)
        })
}

/// The value of attribute `key` of `span`, as text.
fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|pair| pair.key.as_str() == key)
        .map(|pair| pair.value.to_string())
}

/// The `request` span of the call with `method`.
fn request<'a>(spans: &'a [SpanData], method: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|span| span.name == "request" && attribute(span, "method").as_deref() == Some(method))
        .unwrap_or_else(|| panic!("no request span for {method}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_traced_from_its_request_to_its_verification() {
    let exporter = InMemorySpanExporter::default();
    let provider = tracer_provider(exporter.clone(), "kubeop-test", ExportMode::Simple);
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("kubeop")));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let objects = sim::scenario::Scenario::demo().objects_at(SystemTime::now());
    let env = e2e::SimEnv::start("demo", objects).await;
    let state = tempfile::tempdir().expect("a state directory");
    let mut config = Config::default();
    config.daemon.kubeconfig = Some(env.kubeconfig.clone());
    config.daemon.state_dir = state.path().join("state");
    config.gateway.server_binary = Some(e2e::mcp_server_binary());
    let kubeop = Daemon::start(config).await.expect("kubeop's actors start");

    let plan = kubeop
        .call(
            "ask",
            json!({"text": "scale deployment web-frontend to 4 in production"}),
        )
        .await
        .expect("a plan");
    assert_eq!(plan["kind"], "plan", "{plan}");
    let result = kubeop
        .call(
            "approve",
            json!({"plan_id": plan["plan_id"], "plan_hash": plan["plan_hash"]}),
        )
        .await
        .expect("a result");
    assert_eq!(result["outcome"], "verified", "{result}");
    kubeop.shutdown().await;
    provider.force_flush().expect("spans flushed");
    let spans = exporter.get_finished_spans().expect("spans");

    let asked = request(&spans, "ask");
    assert!(
        attribute(asked, "request_id").is_some_and(|id| id.starts_with("local-")),
        "{asked:?}"
    );
    let workflow = child(&spans, asked, "workflow.ask");
    child(&spans, workflow, "classify");
    let planned = child(&spans, workflow, "plan");
    assert_eq!(
        attribute(planned, "tool").as_deref(),
        Some("resources_scale")
    );

    let approved = request(&spans, "approve");
    assert_ne!(
        approved.span_context.trace_id(),
        asked.span_context.trace_id(),
        "each request is its own trace"
    );
    let workflow = child(&spans, approved, "workflow.approve");
    assert_eq!(
        attribute(workflow, "plan_id"),
        plan["plan_id"].as_str().map(str::to_owned)
    );
    child(&spans, workflow, "approval");
    let executed = child(&spans, workflow, "execute");
    child(&spans, executed, "mcp_call");
    child(&spans, workflow, "verify");
    for span in [workflow, executed] {
        assert_eq!(
            span.span_context.trace_id(),
            approved.span_context.trace_id(),
            "{} is in its request's trace",
            span.name
        );
    }
}
