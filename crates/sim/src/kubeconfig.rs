//! Kubeconfig files that point real clients at simulated clusters.
//!
//! Per cluster: one cluster entry (with the CA as `certificate-authority-data`
//! over HTTPS), two users (`NAME-admin` and `NAME-read-only`, by bearer token),
//! a context `NAME` using the admin user and, optionally, a context
//! `NAME-readonly` using the read-only user. Every context's namespace is
//! `default`. The first cluster's admin context is the current context.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use crate::auth::Tokens;

/// What the kubeconfig needs to know about one cluster.
#[derive(Debug, Clone)]
pub struct ClusterEntry {
    /// Context and cluster name.
    pub name: String,
    /// `https://127.0.0.1:PORT` or `http://...`.
    pub server: String,
    /// The CA certificate (PEM) for HTTPS servers.
    pub ca_pem: Option<String>,
    /// The users' tokens.
    pub tokens: Tokens,
}

/// Whether to add a `NAME-readonly` context per cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnlyContexts {
    /// One context per cluster (the admin's); the read-only user is still
    /// defined and reachable with `kubectl --user NAME-read-only`.
    Omit,
    /// Also a `NAME-readonly` context per cluster.
    Include,
}

/// The name of a cluster's read-only context.
pub fn read_only_context(cluster: &str) -> String {
    format!("{cluster}-readonly")
}

/// The name of a cluster's read-only user.
pub fn read_only_user(cluster: &str) -> String {
    format!("{cluster}-read-only")
}

/// The name of a cluster's admin user.
pub fn admin_user(cluster: &str) -> String {
    format!("{cluster}-admin")
}

/// The kubeconfig for `clusters`, as YAML.
pub fn render(clusters: &[ClusterEntry], read_only: ReadOnlyContexts) -> String {
    let mut cluster_entries = Vec::new();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for cluster in clusters {
        let mut server = json!({"server": cluster.server});
        if let Some(ca) = &cluster.ca_pem {
            server["certificate-authority-data"] =
                json!(base64::engine::general_purpose::STANDARD.encode(ca));
        }
        cluster_entries.push(json!({"name": cluster.name, "cluster": server}));
        users.push(
            json!({"name": admin_user(&cluster.name), "user": {"token": cluster.tokens.admin}}),
        );
        users.push(json!({"name": read_only_user(&cluster.name), "user": {"token": cluster.tokens.read_only}}));
        contexts.push(json!({"name": cluster.name, "context": {"cluster": cluster.name, "user": admin_user(&cluster.name), "namespace": "default"}}));
        if read_only == ReadOnlyContexts::Include {
            contexts.push(json!({"name": read_only_context(&cluster.name), "context": {"cluster": cluster.name, "user": read_only_user(&cluster.name), "namespace": "default"}}));
        }
    }
    let config: Value = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": cluster_entries,
        "users": users,
        "contexts": contexts,
        "current-context": clusters.first().map(|cluster| cluster.name.clone()).unwrap_or_default(),
    });
    serde_norway::to_string(&config).unwrap_or_else(|_| config.to_string())
}

/// Writes a kubeconfig readable by its owner only (it holds tokens),
/// creating parent directories.
pub fn write(path: &Path, content: &str) -> std::io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> ClusterEntry {
        ClusterEntry {
            name: name.into(),
            server: "https://127.0.0.1:6443".into(),
            ca_pem: Some("-----BEGIN CERTIFICATE-----\n".into()),
            tokens: Tokens {
                admin: "a".into(),
                read_only: "r".into(),
            },
        }
    }

    #[test]
    fn contexts_users_and_ca() {
        let yaml = render(
            &[entry("prod"), entry("staging")],
            ReadOnlyContexts::Include,
        );
        let config: Value = serde_norway::from_str(&yaml).expect("valid YAML");
        assert_eq!(config["current-context"], "prod");
        let contexts: Vec<&str> = config["contexts"]
            .as_array()
            .expect("contexts")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            contexts,
            ["prod", "prod-readonly", "staging", "staging-readonly"]
        );
        assert_eq!(config["contexts"][1]["context"]["user"], "prod-read-only");
        assert_eq!(config["contexts"][0]["context"]["namespace"], "default");
        assert_eq!(config["users"][0]["user"]["token"], "a");
        assert!(config["clusters"][0]["cluster"]["certificate-authority-data"].is_string());
    }

    #[test]
    fn one_context_per_cluster_when_asked() {
        let yaml = render(&[entry("solo")], ReadOnlyContexts::Omit);
        let config: Value = serde_norway::from_str(&yaml).expect("valid YAML");
        assert_eq!(config["contexts"].as_array().map(Vec::len), Some(1));
        assert_eq!(config["users"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn written_files_are_private() {
        let directory =
            std::env::temp_dir().join(format!("kubeop-sim-kubeconfig-{}", uuid::Uuid::new_v4()));
        let path = directory.join("nested").join("config");
        write(&path, "x").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&directory).expect("cleaned up");
    }
}
