//! The service account controller: every namespace has a `default`
//! ServiceAccount, as kube-controller-manager's serviceaccount controller
//! makes it (`kubectl get serviceaccounts -n X` lists it in a new namespace;
//! deleted, it comes back). A namespace being deleted gets none.

use serde_json::{Value, json};

use super::workloads::{is_deleting, name, namespace};
use super::{Action, Kind, Snapshot};
use crate::clock::rfc3339;

/// The account every namespace has.
pub const DEFAULT_ACCOUNT: &str = "default";

/// The `default` ServiceAccount of each namespace that lacks one.
pub fn default_accounts(snapshot: &Snapshot) -> Vec<Action> {
    snapshot
        .namespaces
        .iter()
        .filter(|space| !is_deleting(space))
        .filter(|space| {
            !snapshot.service_accounts.iter().any(|account| {
                namespace(account) == name(space) && name(account) == DEFAULT_ACCOUNT
            })
        })
        .map(|space| Action::Create(Kind::ServiceAccount, default_account(snapshot, space)))
        .collect()
}

fn default_account(snapshot: &Snapshot, space: &Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": DEFAULT_ACCOUNT,
            "namespace": name(space),
            "creationTimestamp": rfc3339(snapshot.creation_time_for(space)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "creationTimestamp": "2026-11-20T00:00:00Z"}})
    }

    #[test]
    fn each_namespace_without_one_gets_a_default_account_and_a_deleted_one_none() {
        let mut leaving = space("old");
        leaving["metadata"]["deletionTimestamp"] = json!("2026-11-26T00:00:00Z");
        let snapshot = Snapshot {
            namespaces: vec![space("shop"), space("batch"), leaving],
            service_accounts: vec![json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": "batch"}})],
            ..Snapshot::default()
        };
        let actions = default_accounts(&snapshot);
        assert_eq!(actions.len(), 1, "{actions:?}");
        let Action::Create(Kind::ServiceAccount, account) = &actions[0] else {
            panic!("{actions:?}");
        };
        assert_eq!(account["metadata"]["namespace"], "shop");
        assert_eq!(account["metadata"]["name"], "default");
    }
}
