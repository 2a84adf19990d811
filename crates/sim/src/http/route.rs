//! Turns a request path into what it addresses: a discovery document or a
//! resource (with namespace, name, subresource and the rest of the path).

use crate::error::ApiError;
use crate::registry::{Catalog, Resource};

/// The discovery documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: every named group.
    Groups,
    /// `/apis/{group}`: one group.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`: the resources of one group-version.
    Resources(String, String),
}

/// A request on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    /// The resource.
    pub resource: &'static Resource,
    /// The namespace from the path (`None` for cluster scope or all namespaces).
    pub namespace: Option<String>,
    /// The object name, when the path names one.
    pub name: Option<String>,
    /// The subresource (`status`, `scale`, `log`, `exec`, `proxy`, ...).
    pub subresource: Option<String>,
    /// Whatever follows the subresource (`stats/summary` for `nodes/N/proxy/stats/summary`).
    pub rest: String,
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A discovery document.
    Discovery(Discovery),
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Health,
    /// `/openapi/v3`: the index of OpenAPI documents.
    OpenApiIndex,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/G/V`.
    OpenApi(String, String),
    /// A resource.
    Resource(ResourcePath),
}

/// Parses a request path against the resources the cluster serves.
pub fn parse(path: &str, catalog: &Catalog) -> Result<Route, ApiError> {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["api"] => Ok(Route::Discovery(Discovery::CoreVersions)),
        ["apis"] => Ok(Route::Discovery(Discovery::Groups)),
        ["version"] => Ok(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => Ok(Route::Health),
        ["openapi", "v3"] => Ok(Route::OpenApiIndex),
        ["openapi", "v3", "api", version] => {
            Ok(Route::OpenApi(String::new(), (*version).to_owned()))
        }
        ["openapi", "v3", "apis", group, version] => {
            Ok(Route::OpenApi((*group).to_owned(), (*version).to_owned()))
        }
        ["api", "v1"] => Ok(Route::Discovery(Discovery::Resources(
            String::new(),
            "v1".into(),
        ))),
        ["apis", group] if catalog.groups().iter().any(|(g, _)| g == group) => {
            Ok(Route::Discovery(Discovery::Group((*group).to_owned())))
        }
        ["apis", group, version] if catalog.serves_group_version(group, version) => {
            Ok(Route::Discovery(Discovery::Resources(
                (*group).to_owned(),
                (*version).to_owned(),
            )))
        }
        ["api", "v1", rest @ ..] => resource_path(catalog, "", "v1", rest),
        ["apis", group, version, rest @ ..] => resource_path(catalog, group, version, rest),
        _ => Err(ApiError::PathNotFound),
    }
}

fn resource_path(
    catalog: &Catalog,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Route, ApiError> {
    if let ["namespaces", namespace, plural, tail @ ..] = rest
        && let Some(resource) = catalog
            .by_plural(group, version, plural)
            .filter(|res| res.namespaced)
    {
        return Ok(Route::Resource(object_path(
            resource,
            Some(namespace),
            tail,
        )));
    }
    let [plural, tail @ ..] = rest else {
        return Err(ApiError::PathNotFound);
    };
    let resource = catalog
        .by_plural(group, version, plural)
        .ok_or(ApiError::PathNotFound)?;
    if resource.namespaced && !tail.is_empty() {
        // A namespaced object can only be named inside its namespace.
        return Err(ApiError::PathNotFound);
    }
    Ok(Route::Resource(object_path(resource, None, tail)))
}

fn object_path(
    resource: &'static Resource,
    namespace: Option<&str>,
    tail: &[&str],
) -> ResourcePath {
    ResourcePath {
        resource,
        namespace: namespace.map(str::to_owned),
        name: tail.first().map(|name| (*name).to_owned()),
        subresource: tail.get(1).map(|sub| (*sub).to_owned()),
        rest: tail.get(2..).map(|rest| rest.join("/")).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{DEPLOYMENTS, NAMESPACES, NODES, PODS};

    fn parse(path: &str) -> Result<Route, ApiError> {
        super::parse(path, &Catalog::builtin())
    }

    fn resource(path: &str) -> ResourcePath {
        match parse(path) {
            Ok(Route::Resource(resource)) => resource,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(parse("/api"), Ok(Route::Discovery(Discovery::CoreVersions)));
        assert_eq!(parse("/apis/"), Ok(Route::Discovery(Discovery::Groups)));
        assert_eq!(
            parse("/apis/apps/v1"),
            Ok(Route::Discovery(Discovery::Resources(
                "apps".into(),
                "v1".into()
            )))
        );
        assert_eq!(parse("/apis/apps/v2"), Err(ApiError::PathNotFound));
        assert_eq!(
            parse("/apis/example.com/v1/widgets"),
            Err(ApiError::PathNotFound)
        );
    }

    #[test]
    fn namespaced_and_cluster_paths() {
        let list_all = resource("/api/v1/pods");
        assert_eq!(
            (list_all.resource, list_all.namespace, list_all.name),
            (&PODS, None, None)
        );
        let pod_log = resource("/api/v1/namespaces/prod/pods/web-1/log");
        assert_eq!(pod_log.namespace.as_deref(), Some("prod"));
        assert_eq!(pod_log.name.as_deref(), Some("web-1"));
        assert_eq!(pod_log.subresource.as_deref(), Some("log"));
        let scale = resource("/apis/apps/v1/namespaces/prod/deployments/web/scale");
        assert_eq!(
            (scale.resource, scale.subresource.as_deref()),
            (&DEPLOYMENTS, Some("scale"))
        );
        let namespace = resource("/api/v1/namespaces/prod");
        assert_eq!(
            (namespace.resource, namespace.name.as_deref()),
            (&NAMESPACES, Some("prod"))
        );
        let namespace_status = resource("/api/v1/namespaces/prod/status");
        assert_eq!(namespace_status.subresource.as_deref(), Some("status"));
        let proxy = resource("/api/v1/nodes/node-a/proxy/stats/summary");
        assert_eq!(
            (proxy.resource, proxy.rest.as_str()),
            (&NODES, "stats/summary")
        );
        assert_eq!(parse("/api/v1/pods/web-1"), Err(ApiError::PathNotFound));
    }
}
