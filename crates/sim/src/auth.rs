//! Who is asking, and what they may do.
//!
//! Each cluster has two users known by bearer token: `admin` (everything) and
//! `read-only` (get, list and watch). Tokens only travel over HTTPS (real
//! clients never send `Authorization` over plain HTTP), so a plain-HTTP
//! server treats every request as the admin. RBAC objects in the store are
//! data to inspect; they do not drive these decisions.

use serde_json::{Value, json};

use crate::error::{ApiError, ObjectTarget};
use crate::protobuf;

/// A user of the simulated cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    /// May do anything.
    Admin,
    /// May only read (get, list, watch), and ask what it may do.
    ReadOnly,
}

impl User {
    /// The user name, as it appears in Forbidden messages and kubeconfigs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ReadOnly => "read-only",
        }
    }

    /// Whether the user may `verb` `resource` (plural, with `/subresource` when any) in `group`.
    pub fn may(self, verb: &str, group: &str, resource: &str) -> bool {
        match self {
            Self::Admin => true,
            Self::ReadOnly => {
                matches!(verb, "get" | "list" | "watch")
                    || (verb == "create"
                        && group == "authorization.k8s.io"
                        && matches!(
                            resource,
                            "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
                        ))
                    || (verb == "create"
                        && group == "authentication.k8s.io"
                        && resource == "selfsubjectreviews")
            }
        }
    }
}

/// The bearer tokens of one cluster's two users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The admin's token.
    pub admin: String,
    /// The read-only user's token.
    pub read_only: String,
}

impl Tokens {
    /// Two fresh random tokens.
    pub fn generate() -> Self {
        Self {
            admin: format!("admin-{}", uuid::Uuid::new_v4().simple()),
            read_only: format!("read-only-{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

/// How a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP: no tokens are ever sent, every request is the admin's.
    PlainHttp,
    /// HTTPS: a known bearer token is required.
    Tls,
}

/// Identifies the user of a request from its `Authorization` header.
pub fn authenticate(
    transport: Transport,
    authorization: Option<&str>,
    tokens: &Tokens,
) -> Result<User, ApiError> {
    if transport == Transport::PlainHttp {
        return Ok(User::Admin);
    }
    let token = authorization
        .and_then(|header| header.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    if token == tokens.admin {
        Ok(User::Admin)
    } else if token == tokens.read_only {
        Ok(User::ReadOnly)
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// What a request asks to do, in the authorizer's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes<'a> {
    /// `get`, `list`, `create`, ...
    pub verb: &'a str,
    /// API group.
    pub group: &'a str,
    /// Plural resource.
    pub resource: &'a str,
    /// Subresource, if any.
    pub subresource: Option<&'a str>,
    /// Namespace, `None` for cluster scope or all namespaces.
    pub namespace: Option<&'a str>,
    /// Object name, if the request names one.
    pub name: Option<&'a str>,
}

/// Refuses a request the user may not make, with the real Forbidden message:
/// `pods "x" is forbidden: User "read-only" cannot delete resource "pods" in API group "" in the namespace "y"`.
pub fn authorize(user: User, request: &Attributes<'_>) -> Result<(), ApiError> {
    let resource = match request.subresource {
        Some(sub) => format!("{}/{sub}", request.resource),
        None => request.resource.to_owned(),
    };
    if user.may(request.verb, request.group, &resource) {
        return Ok(());
    }
    let target = ObjectTarget::new(
        request.group,
        request.resource,
        request.name.unwrap_or_default(),
    );
    let subject = match request.name {
        Some(name) => format!("{} \"{name}\"", target.qualified_resource()),
        None => target.qualified_resource(),
    };
    let scope = match request.namespace {
        Some(namespace) => format!("in the namespace \"{namespace}\""),
        None => "at the cluster scope".to_owned(),
    };
    Err(ApiError::Forbidden {
        message: format!(
            "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
            user.name(),
            request.verb,
            request.group
        ),
        target,
    })
}

/// Reads an access-review body: JSON, or `k8s\0` protobuf.
fn review_body(
    body: &[u8],
    protobuf_body: bool,
    read_protobuf: fn(&protobuf::Message<'_>) -> Result<Value, protobuf::DecodeError>,
) -> Result<Value, ApiError> {
    if protobuf_body {
        let envelope =
            protobuf::envelope(body).map_err(|error| ApiError::BadRequest(error.to_string()))?;
        return read_protobuf(&envelope.object)
            .map_err(|error| ApiError::BadRequest(error.to_string()));
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::BadRequest(format!("the access review is not valid JSON: {error}"))
    })
}

fn ssar_spec_from_protobuf(review: &protobuf::Message<'_>) -> Result<Value, protobuf::DecodeError> {
    let spec = review.message(2)?;
    let mut spec_json = json!({});
    if spec.bytes(1).is_some() {
        let attributes = spec.message(1)?;
        let names = [
            "namespace",
            "verb",
            "group",
            "version",
            "resource",
            "subresource",
            "name",
        ];
        let mut resource_attributes = json!({});
        for (number, field) in (1u32..).zip(names) {
            let value = attributes.string(number);
            if !value.is_empty() {
                resource_attributes[field] = json!(value);
            }
        }
        spec_json["resourceAttributes"] = resource_attributes;
    }
    if spec.bytes(2).is_some() {
        let attributes = spec.message(2)?;
        spec_json["nonResourceAttributes"] =
            json!({"path": attributes.string(1), "verb": attributes.string(2)});
    }
    Ok(json!({"spec": spec_json}))
}

fn ssrr_spec_from_protobuf(review: &protobuf::Message<'_>) -> Result<Value, protobuf::DecodeError> {
    Ok(json!({"spec": {"namespace": review.message(2)?.string(1)}}))
}

/// Answers a SelfSubjectAccessReview (JSON or protobuf body) for `user`:
/// the review echoed back with `status.allowed`.
pub fn self_subject_access_review(
    user: User,
    body: &[u8],
    protobuf_body: bool,
) -> Result<Value, ApiError> {
    let review = review_body(body, protobuf_body, ssar_spec_from_protobuf)?;
    let spec = &review["spec"];
    let allowed = if let Some(attributes) = spec.get("resourceAttributes") {
        let text = |field: &str| attributes[field].as_str().unwrap_or_default();
        let resource = match text("subresource") {
            "" => text("resource").to_owned(),
            sub => format!("{}/{sub}", text("resource")),
        };
        user.may(text("verb"), text("group"), &resource)
    } else if let Some(attributes) = spec.get("nonResourceAttributes") {
        user == User::Admin || attributes["verb"] == "get"
    } else {
        return Err(ApiError::invalid(
            "SelfSubjectAccessReview.authorization.k8s.io",
            "",
            "spec.resourceAttributes",
            "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
        ));
    };
    let mut status = json!({"allowed": allowed});
    if allowed {
        status["reason"] = json!(format!(
            "allowed by the simulated cluster's role for user \"{}\"",
            user.name()
        ));
    }
    Ok(json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": status,
    }))
}

/// The groups a user belongs to, as an authenticator reports them.
fn groups_of(user: User) -> Vec<&'static str> {
    match user {
        User::Admin => vec!["system:masters", "system:authenticated"],
        User::ReadOnly => vec!["system:authenticated"],
    }
}

/// Answers a SelfSubjectReview (`kubectl auth whoami`): who the request's
/// token says the caller is. The body (often protobuf) carries nothing else.
pub fn self_subject_review(user: User) -> Value {
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": {"username": user.name(), "groups": groups_of(user)}},
    })
}

/// Answers a SelfSubjectRulesReview (JSON or protobuf body) for `user`.
pub fn self_subject_rules_review(
    user: User,
    body: &[u8],
    protobuf_body: bool,
) -> Result<Value, ApiError> {
    let review = review_body(body, protobuf_body, ssrr_spec_from_protobuf)?;
    let review_rule = json!({
        "verbs": ["create"],
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    });
    let (resource_rules, non_resource_rules) = match user {
        User::Admin => (
            json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]),
            json!([{"verbs": ["*"], "nonResourceURLs": ["*"]}]),
        ),
        User::ReadOnly => (
            json!([review_rule, {"verbs": ["get", "list", "watch"], "apiGroups": ["*"], "resources": ["*"]}]),
            json!([{"verbs": ["get"], "nonResourceURLs": ["*"]}]),
        ),
    };
    Ok(json!({
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": review["spec"],
        "status": {
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": false,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::encode;

    fn tokens() -> Tokens {
        Tokens {
            admin: "a".into(),
            read_only: "r".into(),
        }
    }

    #[test]
    fn plain_http_is_always_admin() {
        assert_eq!(
            authenticate(Transport::PlainHttp, None, &tokens()),
            Ok(User::Admin)
        );
    }

    #[test]
    fn tls_needs_a_known_token() {
        assert_eq!(
            authenticate(Transport::Tls, Some("Bearer a"), &tokens()),
            Ok(User::Admin)
        );
        assert_eq!(
            authenticate(Transport::Tls, Some("Bearer r"), &tokens()),
            Ok(User::ReadOnly)
        );
        assert_eq!(
            authenticate(Transport::Tls, Some("Bearer x"), &tokens()),
            Err(ApiError::Unauthorized)
        );
        assert_eq!(
            authenticate(Transport::Tls, None, &tokens()),
            Err(ApiError::Unauthorized)
        );
    }

    #[test]
    fn read_only_writes_get_the_real_forbidden_message() {
        let request = Attributes {
            verb: "delete",
            group: "",
            resource: "pods",
            subresource: None,
            namespace: Some("y"),
            name: Some("x"),
        };
        let error = authorize(User::ReadOnly, &request).expect_err("forbidden");
        assert_eq!(error.code(), 403);
        assert_eq!(
            error.to_string(),
            "pods \"x\" is forbidden: User \"read-only\" cannot delete resource \"pods\" in API group \"\" in the namespace \"y\""
        );
        assert!(authorize(User::Admin, &request).is_ok());
        let list = Attributes {
            verb: "list",
            name: None,
            namespace: None,
            ..request.clone()
        };
        assert!(authorize(User::ReadOnly, &list).is_ok());
        let scale = Attributes {
            verb: "patch",
            group: "apps",
            resource: "deployments",
            subresource: Some("scale"),
            namespace: Some("d"),
            name: Some("web"),
        };
        assert_eq!(
            authorize(User::ReadOnly, &scale)
                .expect_err("forbidden")
                .to_string(),
            "deployments.apps \"web\" is forbidden: User \"read-only\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"d\""
        );
    }

    fn ssar_protobuf(verb: &str, resource: &str, namespace: &str) -> Vec<u8> {
        let attributes = [
            encode::bytes(1, namespace.as_bytes()),
            encode::bytes(2, verb.as_bytes()),
            encode::bytes(5, resource.as_bytes()),
        ]
        .concat();
        let spec = encode::bytes(1, &attributes);
        let review = [encode::bytes(1, b""), encode::bytes(2, &spec)].concat();
        encode::envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            &review,
        )
    }

    #[test]
    fn protobuf_access_reviews_follow_the_role() {
        let body = ssar_protobuf("delete", "pods", "prod");
        let admin = self_subject_access_review(User::Admin, &body, true).expect("answered");
        assert_eq!(admin["status"]["allowed"], true);
        assert_eq!(
            admin["spec"]["resourceAttributes"],
            json!({"namespace": "prod", "verb": "delete", "resource": "pods"})
        );
        let read_only = self_subject_access_review(User::ReadOnly, &body, true).expect("answered");
        assert_eq!(read_only["status"]["allowed"], false);
        let list =
            self_subject_access_review(User::ReadOnly, &ssar_protobuf("list", "pods", ""), true)
                .expect("answered");
        assert_eq!(list["status"]["allowed"], true);
    }

    #[test]
    fn json_access_reviews_and_rules_reviews() {
        let body = br#"{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"create","group":"apps","resource":"deployments"}}}"#;
        assert_eq!(
            self_subject_access_review(User::ReadOnly, body, false).expect("answered")["status"]["allowed"],
            false
        );
        let rules_body = encode::envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectRulesReview",
            &encode::bytes(2, &encode::bytes(1, b"prod")),
        );
        let rules = self_subject_rules_review(User::ReadOnly, &rules_body, true).expect("answered");
        assert_eq!(rules["spec"]["namespace"], "prod");
        assert_eq!(rules["status"]["incomplete"], false);
        assert_eq!(
            rules["status"]["resourceRules"][1]["verbs"],
            json!(["get", "list", "watch"])
        );
    }

    #[test]
    fn a_review_without_attributes_is_invalid() {
        let error =
            self_subject_access_review(User::Admin, br#"{"spec":{}}"#, false).expect_err("invalid");
        assert_eq!(error.code(), 422);
    }
}
