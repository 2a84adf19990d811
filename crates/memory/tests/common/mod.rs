//! Record builders shared by the memory crate's integration tests.

use memory::{Event, Operation, OperationId, Record, Target};
use serde_json::json;

/// The target every sample record is about, in namespace `namespace`.
pub fn target(namespace: &str, name: &str) -> Target {
    Target {
        context: Some("ctx-a".into()),
        namespace: Some(namespace.into()),
        kind: "Deployment".into(),
        name: name.into(),
    }
}

/// A distinct `executed` record: `number` shows in its id, arguments and summary.
pub fn executed(number: u64) -> Record {
    Record::now(
        OperationId::new(format!("op-{number}")),
        Operation::Scale,
        target("shop", "web"),
        Event::Executed {
            tool: "resources_scale".into(),
            arguments: json!({"kind": "Deployment", "name": "web", "namespace": "shop", "scale": number}),
            summary: format!("scaled web to {number}"),
        },
    )
}
