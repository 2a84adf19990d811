//! Kubernetes API errors and their `Status` bodies.
//!
//! Real clients show a `Status`'s `message` verbatim (kubectl prints
//! `Error from server (NotFound): pods "nope" not found`, the MCP server
//! returns it as the tool text), so every error here reproduces the message
//! shape, `reason` and `details` a real kube-apiserver sends.

use serde_json::{Value, json};

/// The object an error is about, printed the way the API server prints it:
/// `pods "web"` for the core group, `deployments.apps "web"` otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectTarget {
    /// API group (`""` for the core group).
    pub group: String,
    /// Plural resource name, e.g. `pods`.
    pub resource: String,
    /// Object name.
    pub name: String,
}

impl ObjectTarget {
    /// The target `resource[.group] "name"`.
    pub fn new(group: &str, resource: &str, name: &str) -> Self {
        Self {
            group: group.to_owned(),
            resource: resource.to_owned(),
            name: name.to_owned(),
        }
    }

    /// `pods` or `deployments.apps`: how the API server names a resource in messages.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    fn details(&self) -> Value {
        let mut details = json!({ "name": self.name, "kind": self.resource });
        if !self.group.is_empty() {
            details["group"] = json!(self.group);
        }
        details
    }
}

impl std::fmt::Display for ObjectTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} \"{}\"", self.qualified_resource(), self.name)
    }
}

/// One field-level cause of an `Invalid` (422) error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCause {
    /// The JSON path of the field, e.g. `metadata.name`.
    pub field: String,
    /// What is wrong, e.g. `Required value`.
    pub message: String,
}

/// An error the API answers with a Kubernetes `Status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 404 for an object that does not exist.
    #[error("{0} not found")]
    NotFound(ObjectTarget),
    /// 404 for a URL that names no resource the server serves.
    #[error("the server could not find the requested resource")]
    PathNotFound,
    /// 409 on a create whose name is taken.
    #[error("{0} already exists")]
    AlreadyExists(ObjectTarget),
    /// 409 on a stale `resourceVersion` or a failed precondition.
    #[error("Operation cannot be fulfilled on {target}: {reason}")]
    Conflict {
        /// The object whose write was refused.
        target: ObjectTarget,
        /// Why, e.g. the stale-version sentence real servers use.
        reason: String,
    },
    /// 422 for an object that fails validation.
    #[error("{kind} \"{name}\" is invalid: {}", render_causes(.causes))]
    Invalid {
        /// Kind, qualified by group when not core (`Deployment.apps`).
        kind: String,
        /// The object's name (may be empty when the name itself is missing).
        name: String,
        /// Each invalid field.
        causes: Vec<FieldCause>,
    },
    /// 400 for a malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no or unknown bearer token over HTTPS.
    #[error("Unauthorized")]
    Unauthorized,
    /// 403 with the authorizer's sentence.
    #[error("{message}")]
    Forbidden {
        /// The full message, e.g. `pods "x" is forbidden: User "read-only" cannot delete ...`.
        message: String,
        /// The object or collection the request named.
        target: ObjectTarget,
    },
    /// 410 for a watch from a `resourceVersion` older than the kept history.
    #[error("{0}")]
    Expired(String),
    /// 405 for a verb the resource does not support.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// 429 for an eviction a PodDisruptionBudget does not allow now.
    #[error("Cannot evict pod as it would violate the pod's disruption budget.")]
    DisruptionBudget {
        /// Why, naming the budget: `The disruption budget web needs 2 healthy pods and has 2 currently`.
        cause: String,
    },
    /// 500 for a request the server cannot carry out (the message is the
    /// real server's, e.g. an eviction of a pod under two budgets).
    #[error("{0}")]
    Internal(String),
    /// 415 for a body in a format the endpoint cannot read.
    #[error(
        "the body of the request was in an unknown format - accepted media types include: {accepted}"
    )]
    UnsupportedMediaType {
        /// The media types the endpoint accepts, comma-separated.
        accepted: String,
    },
}

fn render_causes(causes: &[FieldCause]) -> String {
    let rendered: Vec<String> = causes
        .iter()
        .map(|cause| format!("{}: {}", cause.field, cause.message))
        .collect();
    match rendered.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

impl ApiError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::NotFound(_) | Self::PathNotFound => 404,
            Self::AlreadyExists(_) | Self::Conflict { .. } => 409,
            Self::Invalid { .. } => 422,
            Self::BadRequest(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden { .. } => 403,
            Self::MethodNotAllowed => 405,
            Self::Expired(_) => 410,
            Self::UnsupportedMediaType { .. } => 415,
            Self::DisruptionBudget { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    /// The `reason` field of the Status (a `metav1.StatusReason`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound(_) | Self::PathNotFound => "NotFound",
            Self::AlreadyExists(_) => "AlreadyExists",
            Self::Conflict { .. } => "Conflict",
            Self::Invalid { .. } => "Invalid",
            Self::BadRequest(_) => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden { .. } => "Forbidden",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::Expired(_) => "Expired",
            Self::UnsupportedMediaType { .. } => "UnsupportedMediaType",
            Self::DisruptionBudget { .. } => "TooManyRequests",
            Self::Internal(_) => "InternalError",
        }
    }

    /// A 422 with one cause.
    pub fn invalid(kind: &str, name: &str, field: &str, message: &str) -> Self {
        Self::Invalid {
            kind: kind.to_owned(),
            name: name.to_owned(),
            causes: vec![FieldCause {
                field: field.to_owned(),
                message: message.to_owned(),
            }],
        }
    }

    /// The `Status` object a real API server sends for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            Self::NotFound(target) | Self::AlreadyExists(target) => Some(target.details()),
            Self::Conflict { target, .. } | Self::Forbidden { target, .. } => {
                Some(target.details())
            }
            Self::Invalid { kind, name, causes } => Some(json!({
                "name": name,
                "kind": kind.split('.').next().unwrap_or(kind),
                "causes": causes.iter().map(|cause| json!({
                    "reason": "FieldValueInvalid",
                    "message": cause.message,
                    "field": cause.field,
                })).collect::<Vec<_>>(),
            })),
            Self::DisruptionBudget { cause } => Some(json!({
                "causes": [{"reason": "DisruptionBudget", "message": cause}],
            })),
            _ => None,
        };
        if let Some(details) = details {
            status["details"] = details;
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_has_the_real_message_and_details() {
        let error = ApiError::NotFound(ObjectTarget::new("", "pods", "nope"));
        let status = error.to_status();
        assert_eq!(status["message"], "pods \"nope\" not found");
        assert_eq!(status["reason"], "NotFound");
        assert_eq!(status["code"], 404);
        assert_eq!(status["details"], json!({"name": "nope", "kind": "pods"}));
    }

    #[test]
    fn group_qualifies_the_resource() {
        let error = ApiError::NotFound(ObjectTarget::new("apps", "deployments", "web"));
        assert_eq!(error.to_string(), "deployments.apps \"web\" not found");
        assert_eq!(error.to_status()["details"]["group"], "apps");
    }

    #[test]
    fn invalid_lists_several_causes_in_brackets() {
        let error = ApiError::Invalid {
            kind: "Deployment.apps".into(),
            name: "web".into(),
            causes: vec![
                FieldCause {
                    field: "spec.selector".into(),
                    message: "Required value".into(),
                },
                FieldCause {
                    field: "spec.template.metadata.labels".into(),
                    message: "Invalid value".into(),
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "Deployment.apps \"web\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value]"
        );
        assert_eq!(error.code(), 422);
        assert_eq!(error.to_status()["details"]["kind"], "Deployment");
    }
}
