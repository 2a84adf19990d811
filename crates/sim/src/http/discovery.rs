//! The legacy discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/G/V`),
//! generated from the registry. Clients send nothing for a resource that is
//! not listed here, so every served resource must appear.

use serde_json::{Value, json};

use super::route::Discovery;
use crate::registry::{Catalog, Resource};

/// The document for `doc`; `address` is the server's `host:port` as clients reach it.
pub fn document(doc: &Discovery, address: &str, catalog: &Catalog) -> Value {
    match doc {
        Discovery::CoreVersions => json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
        }),
        Discovery::Groups => json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": catalog.groups().into_iter().map(|(group, versions)| group_document(group, &versions)).collect::<Vec<_>>(),
        }),
        Discovery::Group(group) => {
            let versions = catalog
                .groups()
                .into_iter()
                .find(|(name, _)| name == group)
                .map(|(_, versions)| versions)
                .unwrap_or_default();
            let mut document = group_document(group, &versions);
            document["kind"] = json!("APIGroup");
            document["apiVersion"] = json!("v1");
            document
        }
        Discovery::Resources(group, version) => resource_list(group, version, catalog),
    }
}

/// A group with its versions, the first preferred.
fn group_document(group: &str, versions: &[&str]) -> Value {
    let entries: Vec<Value> = versions
        .iter()
        .map(|version| json!({"groupVersion": format!("{group}/{version}"), "version": version}))
        .collect();
    let preferred = entries.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": entries, "preferredVersion": preferred})
}

fn resource_entry(resource: &Resource) -> Value {
    let mut entry = json!({
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": resource.verbs,
    });
    if !resource.short_names.is_empty() {
        entry["shortNames"] = json!(resource.short_names);
    }
    if !resource.categories.is_empty() {
        entry["categories"] = json!(resource.categories);
    }
    entry
}

fn resource_list(group: &str, version: &str, catalog: &Catalog) -> Value {
    let mut resources = Vec::new();
    for resource in catalog
        .resources()
        .filter(|res| res.group == group && res.version == version)
    {
        resources.push(resource_entry(resource));
        for sub in resource.subresources {
            let mut entry = json!({
                "name": format!("{}/{}", resource.plural, sub.name),
                "singularName": "",
                "namespaced": resource.namespaced,
                "kind": if sub.kind.is_empty() { resource.kind } else { sub.kind },
                "verbs": sub.verbs,
            });
            if !sub.group.is_empty() {
                entry["group"] = json!(sub.group);
                entry["version"] = json!(sub.version);
            }
            resources.push(entry);
        }
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_resources_have_kind_scope_verbs_and_short_names() {
        let list = document(
            &Discovery::Resources(String::new(), "v1".into()),
            "127.0.0.1:1",
            &Catalog::builtin(),
        );
        assert_eq!(list["groupVersion"], "v1");
        let pods = list["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|entry| entry["name"] == "pods")
            .expect("pods listed");
        assert_eq!(pods["kind"], "Pod");
        assert_eq!(pods["singularName"], "pod");
        assert_eq!(pods["namespaced"], true);
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert!(
            pods["verbs"]
                .as_array()
                .expect("verbs")
                .contains(&json!("delete"))
        );
    }

    #[test]
    fn groups_list_every_group_used_by_the_clients() {
        let groups = document(&Discovery::Groups, "127.0.0.1:1", &Catalog::builtin());
        let names: Vec<&str> = groups["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .filter_map(|g| g["name"].as_str())
            .collect();
        for expected in [
            "apps",
            "batch",
            "networking.k8s.io",
            "events.k8s.io",
            "metrics.k8s.io",
            "authorization.k8s.io",
            "rbac.authorization.k8s.io",
            "autoscaling",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
    }

    #[test]
    fn scale_subresource_names_autoscaling_v1() {
        let apps = document(
            &Discovery::Resources("apps".into(), "v1".into()),
            "127.0.0.1:1",
            &Catalog::builtin(),
        );
        let scale = apps["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|entry| entry["name"] == "deployments/scale")
            .expect("listed");
        assert_eq!(scale["group"], "autoscaling");
        assert_eq!(scale["kind"], "Scale");
    }
}
