//! Logs and traces: tracing to stderr (human or JSON lines), and OpenTelemetry
//! OTLP export when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set.
//!
//! The exporter reads the other standard `OTEL_*` variables itself (headers,
//! timeout, protocol details, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`);
//! kubeop only decides whether to export at all, so that a machine without a
//! collector pays nothing.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogFormat, TelemetryConfig};

/// The variables whose presence switches OTLP trace export on.
const OTLP_ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

/// Name of the tracer kubeop's spans are exported under.
const TRACER_NAME: &str = "kubeop";

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `log_filter` (or `RUST_LOG`) is not a valid filter directive.
    #[error("invalid log filter {filter:?}: {reason}")]
    Filter {
        /// The directive given.
        filter: String,
        /// What the parser said.
        reason: String,
    },
    /// The OTLP exporter could not be built from the `OTEL_*` variables.
    #[error("OTLP trace exporter: {0}")]
    Exporter(String),
    /// A global subscriber was already installed.
    #[error("tracing already initialised: {0}")]
    AlreadySet(String),
}

/// Keeps the trace pipeline alive; dropping it flushes and shuts down export.
#[derive(Debug)]
pub struct TelemetryGuard {
    /// The provider whose batch exporter must be flushed before exit.
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("kubeop: flushing traces failed: {error}");
        }
    }
}

/// True when the environment asks for OTLP export.
pub fn otlp_requested() -> bool {
    OTLP_ENDPOINT_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// Installs the global subscriber: the stderr log layer and, when requested,
/// the OTLP layer. Must run inside the tokio runtime, since the gRPC exporter
/// binds its connection to it.
pub fn init(config: &TelemetryConfig) -> Result<TelemetryGuard, TelemetryError> {
    let provider = if otlp_requested() {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(|error| TelemetryError::Exporter(error.to_string()))?;
        Some(tracer_provider(
            exporter,
            &config.service_name,
            ExportMode::Batch,
        ))
    } else {
        None
    };
    let otel_layer = provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer(TRACER_NAME)));
    tracing_subscriber::registry()
        .with(log_layer(config.log_format, &filter_directive(config))?)
        .with(otel_layer)
        .try_init()
        .map_err(|error| TelemetryError::AlreadySet(error.to_string()))?;
    Ok(TelemetryGuard { provider })
}

/// How finished spans reach the exporter.
#[derive(Debug, Clone, Copy)]
pub enum ExportMode {
    /// In batches off the request path (production).
    Batch,
    /// One at a time as each span ends (tests, which read spans right after).
    Simple,
}

/// A tracer provider exporting to `exporter`, with the service name from
/// `OTEL_SERVICE_NAME` when set, else `service_name`.
pub fn tracer_provider<E: SpanExporter + 'static>(
    exporter: E,
    service_name: &str,
    mode: ExportMode,
) -> SdkTracerProvider {
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(service_name.to_owned());
    }
    let builder = SdkTracerProvider::builder().with_resource(resource.build());
    match mode {
        ExportMode::Batch => builder.with_batch_exporter(exporter),
        ExportMode::Simple => builder.with_simple_exporter(exporter),
    }
    .build()
}

/// `RUST_LOG` when set (the habit of every Rust program), else the configured directive.
fn filter_directive(config: &TelemetryConfig) -> String {
    std::env::var("RUST_LOG").unwrap_or_else(|_| config.log_filter.clone())
}

/// The stderr layer in `format`, filtered by `directive`.
fn log_layer(
    format: LogFormat,
    directive: &str,
) -> Result<Box<dyn Layer<Registry> + Send + Sync>, TelemetryError> {
    let filter = EnvFilter::try_new(directive).map_err(|error| TelemetryError::Filter {
        filter: directive.to_owned(),
        reason: error.to_string(),
    })?;
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    Ok(match format {
        LogFormat::Human => layer.with_filter(filter).boxed(),
        LogFormat::Json => layer
            .json()
            .with_current_span(true)
            .with_filter(filter)
            .boxed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::Value;
    use opentelemetry_sdk::trace::InMemorySpanExporter;

    #[test]
    fn request_spans_are_exported_with_their_request_id() {
        let exporter = InMemorySpanExporter::default();
        let provider = tracer_provider(exporter.clone(), "kubeop-test", ExportMode::Simple);
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer(TRACER_NAME)));
        tracing::subscriber::with_default(subscriber, || {
            let request = tracing::info_span!("request", request_id = "r-42", method = "ask");
            let _entered = request.enter();
            tracing::info_span!("classify").in_scope(|| {});
        });
        provider.force_flush().expect("flush");
        let spans = exporter.get_finished_spans().expect("spans");
        let request = spans
            .iter()
            .find(|span| span.name == "request")
            .expect("the request span was exported");
        let request_id = request
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "request_id")
            .map(|kv| kv.value.clone());
        assert_eq!(request_id, Some(Value::from("r-42")));
        let classify = spans
            .iter()
            .find(|span| span.name == "classify")
            .expect("the child span was exported");
        assert_eq!(
            classify.parent_span_id,
            request.span_context.span_id(),
            "classify is a child of its request"
        );
    }

    #[test]
    fn an_invalid_filter_is_refused_with_the_directive() {
        let Err(error) = log_layer(LogFormat::Json, "kubeop=loud") else {
            panic!("`loud` is not a level");
        };
        assert!(error.to_string().contains("kubeop=loud"));
        assert!(log_layer(LogFormat::Human, "kubeop=debug,info").is_ok());
    }
}
