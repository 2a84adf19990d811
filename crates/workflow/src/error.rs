//! Why the coordinator could not answer a request or run an approved plan.

use hitl::HitlError;
use hitl::policy::PolicyRefusal;
use mcp_gateway::GatewayError;
use memory::MemoryError;

/// A request or approval that could not be carried out, with a reason a
/// human can act on. A change that ran but did not verify is not an error:
/// it is an [`crate::ExecutionResult`] with outcome `failed` or `unverified`.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// Too many requests are in progress.
    #[error("kubeop is busy ({limit} requests in progress): try again")]
    Busy {
        /// [`crate::MAX_CONCURRENT_REQUESTS`].
        limit: usize,
    },
    /// The coordinator is not running or did not answer.
    #[error("the coordinator is unavailable: {0}")]
    Unavailable(String),
    /// Policy forbids the change, whoever would approve it.
    #[error("refused by policy: {0}")]
    Policy(#[from] PolicyRefusal),
    /// The approvals service refused (wrong hash, expired, reused, denied...).
    #[error(transparent)]
    Approval(#[from] HitlError),
    /// The gateway gave no result (busy, timed out, server down, no grant).
    #[error("the MCP gateway gave no result: {0}")]
    Gateway(#[from] GatewayError),
    /// A read needed for planning failed on the cluster's side.
    #[error("reading the cluster failed: {0}")]
    Cluster(String),
    /// The operations log could not record a step, so the step was not taken.
    #[error("the operations log could not record this step, so it was not taken: {0}")]
    Memory(#[from] MemoryError),
    /// A manifest in the request could not be used.
    #[error("the manifest cannot be applied: {0}")]
    InvalidManifest(String),
    /// A plan on file could not be encoded or decoded.
    #[error("a plan card could not be encoded: {0}")]
    PlanCard(#[from] serde_json::Error),
    /// This path is answered by another part of kubeop that is not wired in.
    #[error("kubeop cannot answer {path} requests yet")]
    Unsupported {
        /// The classifier's path.
        path: &'static str,
    },
}
