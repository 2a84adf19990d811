//! Shared support for kubeop's end-to-end tests.
//!
//! The tests use the real `kubernetes-mcp-server` and the real `kubectl`. When
//! either is missing they fail loudly, naming the set-up step, rather than skip:
//! a green suite must mean the real components were exercised.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The repository root (the workspace this test crate belongs to).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the repository root")
}

/// The real `kubernetes-mcp-server` installed by `scripts/setup`; panics with
/// the fix when it is not there.
pub fn mcp_server_binary() -> PathBuf {
    mcp_gateway::server_binary::installed_under(repo_root()).unwrap_or_else(|| {
        panic!(
            "kubernetes-mcp-server {} is not installed under {}: run scripts/setup",
            mcp_gateway::server_binary::PINNED_VERSION,
            repo_root().display()
        )
    })
}

/// The real `kubectl` on PATH; panics with the fix when it is not there.
pub fn kubectl_binary() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("kubectl is not on PATH: the end-to-end tests need a 1.32 client")
        })
}
