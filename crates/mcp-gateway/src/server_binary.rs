//! Where the pinned `kubernetes-mcp-server` lives.
//!
//! `scripts/setup` installs the npm package into the repository's ignored
//! `.tools/` folder and links its native binary at a fixed place, so that the
//! gateway (and the tests) run the real server without Node in between.

use std::path::{Path, PathBuf};

/// The `kubernetes-mcp-server` release kubeop is built and tested against.
pub const PINNED_VERSION: &str = "0.0.67";

/// Environment variable that names the server binary explicitly.
pub const SERVER_BINARY_ENV: &str = "KUBEOP_MCP_SERVER";

/// Where `scripts/setup` links the native binary, relative to the repository root.
pub const INSTALLED_RELATIVE_PATH: &str = ".tools/bin/kubernetes-mcp-server";

/// The server binary installed by `scripts/setup` below `repo_root`, if any.
pub fn installed_under(repo_root: &Path) -> Option<PathBuf> {
    let path = repo_root.join(INSTALLED_RELATIVE_PATH);
    path.is_file().then_some(path)
}

/// The server binary to run: `KUBEOP_MCP_SERVER` if set, else the one
/// `scripts/setup` installed in the repository this program was built from or
/// runs inside (found by walking up from the executable), else `None`.
pub fn locate() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os(SERVER_BINARY_ENV) {
        return Some(PathBuf::from(explicit));
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors().find_map(installed_under)
}
