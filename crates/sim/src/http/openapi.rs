//! A minimal OpenAPI v3 document per group-version.
//!
//! kubectl's `create` and `apply` refuse to send anything when OpenAPI is
//! missing (`failed to download openapi`). What they need from it is whether
//! each kind's PATCH accepts the `fieldValidation` query parameter: when it
//! does, kubectl leaves validation to the server and computes strategic merge
//! patches from its built-in types. So each document lists, per stored
//! resource, its object path with a PATCH operation tagged with the kind and
//! that parameter — no schemas, except those CustomResourceDefinitions
//! declare (`kubectl explain` of a custom kind reads them).

use serde_json::{Map, Value, json};

use crate::registry::{Backing, Catalog};

/// `/openapi/v3`: where each group-version's document is.
pub fn index(catalog: &Catalog) -> Value {
    let mut paths = Map::new();
    let mut group_versions = vec![(String::new(), "v1".to_owned())];
    for (group, versions) in catalog.groups() {
        group_versions.extend(
            versions
                .into_iter()
                .map(|version| (group.to_owned(), version.to_owned())),
        );
    }
    for (group, version) in group_versions {
        let key = path_key(&group, &version);
        paths.insert(
            key.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{key}")}),
        );
    }
    json!({"paths": paths})
}

fn path_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The schemas of the custom kinds `definitions` serve in `group`/`version`
/// (their `openAPIV3Schema`, tagged with the kind), named as the real
/// server names them (`com.example.stable.v1.Backup`): what `kubectl
/// explain` reads for a custom resource.
fn custom_schemas(group: &str, version: &str, definitions: &[Value]) -> Map<String, Value> {
    let mut schemas = Map::new();
    for definition in definitions
        .iter()
        .filter(|definition| definition["spec"]["group"] == group)
    {
        let Some(schema) = crate::custom::schema_of(definition, version) else {
            continue;
        };
        let kind = definition["spec"]["names"]["kind"]
            .as_str()
            .unwrap_or_default();
        let mut schema = schema.clone();
        schema["x-kubernetes-group-version-kind"] =
            json!([{"group": group, "version": version, "kind": kind}]);
        let reversed: Vec<&str> = group.split('.').rev().collect();
        schemas.insert(format!("{}.{version}.{kind}", reversed.join(".")), schema);
    }
    schemas
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/G/V`; `None` for a group-version
/// not served. Built-in kinds have paths only; custom kinds also their
/// schemas, from `definitions` (the cluster's CustomResourceDefinitions).
pub fn document(
    group: &str,
    version: &str,
    catalog: &Catalog,
    definitions: &[Value],
) -> Option<Value> {
    if !catalog.serves_group_version(group, version) {
        return None;
    }
    let prefix = format!("/{}", path_key(group, version));
    let mut paths = Map::new();
    for resource in catalog
        .resources()
        .filter(|res| res.group == group && res.version == version)
    {
        if resource.backing == Backing::Virtual {
            continue;
        }
        let object_path = if resource.namespaced {
            format!(
                "{prefix}/namespaces/{{namespace}}/{}/{{name}}",
                resource.plural
            )
        } else {
            format!("{prefix}/{}/{{name}}", resource.plural)
        };
        paths.insert(
            object_path,
            json!({
                "patch": {
                    "operationId": format!("patch{}", resource.kind),
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": resource.kind},
                    "parameters": [
                        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                        {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                        {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}},
                    ],
                    "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
                }
            }),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": super::SERVER_GIT_VERSION},
        "paths": paths,
        "components": {"schemas": custom_schemas(group, version, definitions)},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_points_at_every_group_version() {
        let index = index(&Catalog::builtin());
        assert_eq!(
            index["paths"]["api/v1"]["serverRelativeURL"],
            "/openapi/v3/api/v1"
        );
        assert_eq!(
            index["paths"]["apis/apps/v1"]["serverRelativeURL"],
            "/openapi/v3/apis/apps/v1"
        );
    }

    #[test]
    fn patch_operations_accept_field_validation() {
        let apps = document("apps", "v1", &Catalog::builtin(), &[]).expect("served");
        let patch =
            &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        let core = document("", "v1", &Catalog::builtin(), &[]).expect("served");
        assert!(core["paths"].get("/api/v1/nodes/{name}").is_some());
        assert!(document("example.com", "v1", &Catalog::builtin(), &[]).is_none());
    }
}
