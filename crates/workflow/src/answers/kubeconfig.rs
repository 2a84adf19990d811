//! `configuration_view` answers ("who am i", "which context am i in",
//! "show my kubeconfig"): one line naming the current context's user,
//! cluster, server and namespace, and the other contexts, before the
//! kubeconfig itself (whose credentials the gateway redacts). The
//! question is nearly always that line; the YAML is for the rest.

use serde_json::Value;

/// The lead line and the kubeconfig `text`; `None` when `text` is no
/// kubeconfig with a current context.
pub(super) fn summary(text: &str) -> Option<String> {
    let config: Value = serde_norway::from_str(text).ok()?;
    let current = config["current-context"].as_str()?;
    let named = |list: &str, name: &str| -> Option<Value> {
        config[list]
            .as_array()?
            .iter()
            .find(|entry| entry["name"].as_str() == Some(name))
            .cloned()
    };
    let context = named("contexts", current)?;
    let field = |key: &str| context["context"][key].as_str().map(str::to_owned);
    let user = field("user").unwrap_or_else(|| "no user".to_owned());
    let namespace = field("namespace").unwrap_or_else(|| "default".to_owned());
    let cluster = field("cluster").unwrap_or_else(|| "no cluster".to_owned());
    let server = named("clusters", &cluster)
        .and_then(|entry| entry["cluster"]["server"].as_str().map(str::to_owned))
        .map(|server| format!(" at {server}"))
        .unwrap_or_default();
    let others: Vec<&str> = config["contexts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["name"].as_str())
        .filter(|name| *name != current)
        .collect();
    // A minified view holds the current context alone: no others named
    // does not mean there are none.
    let others = match others.as_slice() {
        [] => String::new(),
        names => format!("; other contexts: {}", names.join(", ")),
    };
    Some(format!(
        "You are {user} in context {current} (cluster {cluster}{server}, namespace {namespace}){others}.\n\n{text}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    namespace: shop\n    user: alice\n  name: prod-admin\n- context:\n    cluster: prod\n    user: bob\n  name: prod-view\ncurrent-context: prod-admin\nkind: Config\nusers:\n- name: alice\n  user:\n    token: \"<redacted: 38 bytes>\"\n";

    #[test]
    fn the_current_context_leads_the_kubeconfig() {
        let text = summary(CONFIG).expect("a kubeconfig");
        assert!(
            text.starts_with("You are alice in context prod-admin (cluster prod at https://10.0.0.1:6443, namespace shop); other contexts: prod-view.\n\napiVersion: v1"),
            "{text}"
        );
        let alone = CONFIG.replace(
            "- context:\n    cluster: prod\n    user: bob\n  name: prod-view\n",
            "",
        );
        assert!(
            summary(&alone).is_some_and(|text| text.starts_with("You are alice in context prod-admin (cluster prod at https://10.0.0.1:6443, namespace shop).\n")),
            "{alone}"
        );
        assert_eq!(summary("not: [a kubeconfig"), None);
        assert_eq!(summary("apiVersion: v1\nkind: Config\n"), None);
    }
}
