//! The persistent-volume controller: claims bind to volumes, as the real
//! binder and a dynamic provisioner make them.
//!
//! A claim that names its volume binds to it; otherwise to an Available
//! volume of its class that is large enough and offers its access modes;
//! otherwise its StorageClass (or the cluster's default class) provisions a
//! `pvc-<uid>` volume, at once or, for `WaitForFirstConsumer`, once a pod
//! using the claim is scheduled. A claim whose class does not exist stays
//! Pending with the `ProvisioningFailed` warning a real cluster shows, and a
//! claim without any class, volume or default class stays Pending with
//! `FailedBinding`. A class provisioned by hand (`kubernetes.io/no-provisioner`,
//! local volumes) provisions nothing: a claim no volume of it fits (size,
//! access modes) stays Pending with `ProvisioningFailed`. A claim a scenario declares Bound whose volume is not in
//! the cluster gets that volume, as if it had been provisioned earlier.

use serde_json::{Value, json};

use super::workloads::{name, namespace, not_deleting};
use super::{Action, EventCount, Kind, Snapshot, controller_event, controller_event_draft, text};
use crate::quantity::Quantity;

/// The annotation that marks a cluster's default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// The provisioner of a class whose volumes an administrator creates by
/// hand (local volumes): nothing is provisioned for a claim of it.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// The component that reports binding events.
const BINDER: &str = "persistentvolume-controller";

fn is_default_class(class: &Value) -> bool {
    class
        .pointer("/metadata/annotations")
        .and_then(|annotations| annotations.get(DEFAULT_CLASS_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true")
}

fn bytes_of(quantity: Option<&Value>) -> Option<i128> {
    let text = quantity?.as_str()?;
    Quantity::parse(text).ok().map(Quantity::units)
}

/// Whether `volume` can satisfy `claim`: free, of its class, large enough,
/// with every access mode the claim asks for.
fn fits(volume: &Value, claim: &Value, class: &str) -> bool {
    let free = volume.pointer("/spec/claimRef").is_none()
        && matches!(text(volume, "/status/phase"), "" | "Available" | "Pending");
    let same_class = text(volume, "/spec/storageClassName") == class;
    let wanted = bytes_of(claim.pointer("/spec/resources/requests/storage")).unwrap_or(0);
    let offered = bytes_of(volume.pointer("/spec/capacity/storage")).unwrap_or(0);
    let modes = |object: &Value| -> Vec<String> {
        object
            .pointer("/spec/accessModes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let offered_modes = modes(volume);
    let modes_fit = modes(claim).iter().all(|mode| offered_modes.contains(mode));
    free && same_class && offered >= wanted && modes_fit
}

fn claim_reference(claim: &Value) -> Value {
    json!({
        "kind": "PersistentVolumeClaim",
        "apiVersion": "v1",
        "namespace": namespace(claim),
        "name": name(claim),
        "uid": text(claim, "/metadata/uid"),
    })
}

/// A volume as bound to `claim`.
fn bound_volume(volume: &Value, claim: &Value) -> Value {
    let mut bound = volume.clone();
    bound["spec"]["claimRef"] = claim_reference(claim);
    bound["status"] = json!({"phase": "Bound"});
    bound
}

/// The claim's writes once bound to `volume`: its spec (volume name and
/// binder annotations), then its status.
fn bind_claim(claim: &Value, volume: &Value, provisioner: Option<&str>) -> Vec<Action> {
    let mut spec = claim.clone();
    spec["spec"]["volumeName"] = json!(name(volume));
    let annotations = &mut spec["metadata"]["annotations"];
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations["pv.kubernetes.io/bind-completed"] = json!("yes");
    annotations["pv.kubernetes.io/bound-by-controller"] = json!("yes");
    if let Some(provisioner) = provisioner {
        annotations["volume.kubernetes.io/storage-provisioner"] = json!(provisioner);
        annotations["volume.beta.kubernetes.io/storage-provisioner"] = json!(provisioner);
    }
    let mut status = spec.clone();
    status["status"] = json!({
        "phase": "Bound",
        "accessModes": volume.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
        "capacity": volume.pointer("/spec/capacity").cloned().unwrap_or_else(|| json!({})),
    });
    let mut actions = Vec::new();
    if spec != *claim {
        actions.push(Action::Replace(Kind::PersistentVolumeClaim, spec));
    }
    actions.push(Action::ReplaceStatus(Kind::PersistentVolumeClaim, status));
    actions
}

/// The volume a class provisions for `claim`.
fn provisioned_volume(claim: &Value, class: &Value, volume_name: &str) -> Value {
    let provisioner = text(class, "/provisioner");
    let reclaim = match text(class, "/reclaimPolicy") {
        "" => "Delete",
        policy => policy,
    };
    let mut volume = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": volume_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
            "finalizers": ["kubernetes.io/pv-protection"],
        },
        "spec": {
            "accessModes": claim.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
            "capacity": {"storage": claim.pointer("/spec/resources/requests/storage").cloned().unwrap_or_else(|| json!("1Gi"))},
            "claimRef": claim_reference(claim),
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": name(class),
            "volumeMode": claim.pointer("/spec/volumeMode").cloned().unwrap_or_else(|| json!("Filesystem")),
            "csi": {"driver": provisioner, "volumeHandle": volume_name, "fsType": "ext4"},
        },
        "status": {"phase": "Bound"},
    });
    if let Some(options) = class.get("mountOptions") {
        volume["spec"]["mountOptions"] = options.clone();
    }
    volume
}

/// A binder event that is recorded once, however many passes see the
/// claim in the same state.
fn waiting_event(
    claim: &Value,
    event_type: &'static str,
    reason: &'static str,
    message: String,
    at: std::time::SystemTime,
) -> Action {
    Action::Record(super::EventDraft {
        count: EventCount::Total(1),
        ..controller_event_draft(claim, BINDER, event_type, reason, message, at)
    })
}

/// Whether a scheduled pod in the claim's namespace mounts it.
fn has_scheduled_consumer(snapshot: &Snapshot, claim: &Value) -> bool {
    snapshot.pods.iter().any(|pod| {
        namespace(pod) == namespace(claim)
            && !text(pod, "/spec/nodeName").is_empty()
            && pod
                .pointer("/spec/volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|volume| text(volume, "/persistentVolumeClaim/claimName") == name(claim))
    })
}

/// Binds, provisions or explains every claim that is not bound yet.
pub fn bind_claims(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for claim in not_deleting(&snapshot.claims) {
        let volume_name = text(claim, "/spec/volumeName");
        if text(claim, "/status/phase") == "Bound" {
            // Bound before the scenario's snapshot: its volume exists too.
            let class = text(claim, "/spec/storageClassName");
            let known = snapshot
                .persistent_volumes
                .iter()
                .any(|volume| name(volume) == volume_name);
            if !volume_name.is_empty() && !known {
                let class = snapshot
                    .storage_classes
                    .iter()
                    .find(|candidate| name(candidate) == class)
                    .cloned()
                    .unwrap_or_else(|| json!({"metadata": {"name": class}, "provisioner": NO_PROVISIONER, "reclaimPolicy": "Retain"}));
                actions.push(Action::Create(
                    Kind::PersistentVolume,
                    provisioned_volume(claim, &class, volume_name),
                ));
            }
            continue;
        }
        if !volume_name.is_empty() {
            if let Some(volume) = snapshot
                .persistent_volumes
                .iter()
                .find(|volume| name(volume) == volume_name)
            {
                actions.push(Action::ReplaceStatus(
                    Kind::PersistentVolume,
                    bound_volume(volume, claim),
                ));
                actions.extend(bind_claim(claim, volume, None));
            }
            continue;
        }
        let default_class = snapshot
            .storage_classes
            .iter()
            .find(|class| is_default_class(class));
        let class_name = match claim.pointer("/spec/storageClassName") {
            Some(Value::String(class)) => class.clone(),
            _ => default_class
                .map(|class| name(class).to_owned())
                .unwrap_or_default(),
        };
        if let Some(volume) = snapshot.persistent_volumes.iter().find(|volume| {
            fits(volume, claim, &class_name) && !taken.contains(&name(volume).to_owned())
        }) {
            taken.push(name(volume).to_owned());
            actions.push(Action::ReplaceStatus(
                Kind::PersistentVolume,
                bound_volume(volume, claim),
            ));
            actions.extend(bind_claim(claim, volume, None));
            continue;
        }
        if class_name.is_empty() {
            actions.push(waiting_event(
                claim,
                "Normal",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set".into(),
                now,
            ));
            continue;
        }
        let Some(class) = snapshot
            .storage_classes
            .iter()
            .find(|class| name(class) == class_name)
        else {
            actions.push(waiting_event(
                claim,
                "Warning",
                "ProvisioningFailed",
                format!("storageclass.storage.k8s.io \"{class_name}\" not found"),
                now,
            ));
            continue;
        };
        if text(class, "/volumeBindingMode") == "WaitForFirstConsumer"
            && !has_scheduled_consumer(snapshot, claim)
        {
            actions.push(waiting_event(
                claim,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".into(),
                now,
            ));
            continue;
        }
        let provisioner = text(class, "/provisioner");
        // Statically provisioned classes (local volumes) provision nothing:
        // the binder finds no plugin of that name and says so.
        if provisioner == NO_PROVISIONER {
            actions.push(waiting_event(
                claim,
                "Warning",
                "ProvisioningFailed",
                format!("no volume plugin matched name: {NO_PROVISIONER}"),
                now,
            ));
            continue;
        }
        let volume_name = format!("pvc-{}", text(claim, "/metadata/uid"));
        let volume = provisioned_volume(claim, class, &volume_name);
        actions.push(Action::Create(Kind::PersistentVolume, volume.clone()));
        actions.push(controller_event(
            claim,
            BINDER,
            "Normal",
            "ProvisioningSucceeded",
            format!("Successfully provisioned volume {volume_name}"),
            now,
        ));
        actions.extend(bind_claim(claim, &volume, Some(provisioner)));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")},
            "spec": spec})
    }

    fn class(name: &str, mode: &str, default: bool) -> Value {
        let mut class = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name}, "provisioner": "rancher.io/local-path",
            "volumeBindingMode": mode});
        if default {
            class["metadata"]["annotations"] = json!({DEFAULT_CLASS_ANNOTATION: "true"});
        }
        class
    }

    fn statuses(actions: &[Action]) -> Vec<(String, String)> {
        actions
            .iter()
            .filter_map(|action| match action {
                Action::ReplaceStatus(Kind::PersistentVolumeClaim, claim) => Some((
                    name(claim).to_owned(),
                    text(claim, "/spec/volumeName").to_owned(),
                )),
                _ => None,
            })
            .collect()
    }

    fn reasons(actions: &[Action]) -> Vec<&'static str> {
        actions
            .iter()
            .filter_map(|action| match action {
                Action::Record(draft) => Some(draft.reason),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_default_class_provisions_a_volume_for_a_claim_without_a_class() {
        let snapshot = Snapshot {
            claims: vec![claim(
                "data",
                json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}),
            )],
            storage_classes: vec![class("standard", "Immediate", true)],
            ..Snapshot::default()
        };
        let actions = bind_claims(&snapshot);
        assert_eq!(
            statuses(&actions),
            [("data".to_owned(), "pvc-uid-data".to_owned())]
        );
        assert!(actions.iter().any(|action| matches!(action,
            Action::Create(Kind::PersistentVolume, volume) if volume["spec"]["capacity"]["storage"] == "5Gi")));
    }

    #[test]
    fn a_claim_binds_to_a_fitting_volume_and_waits_for_its_consumer() {
        let volume = json!({"metadata": {"name": "media"}, "spec": {"capacity": {"storage": "20Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"], "storageClassName": "slow"}});
        let snapshot = Snapshot {
            claims: vec![
                claim(
                    "media",
                    json!({"storageClassName": "slow", "accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}}),
                ),
                claim(
                    "later",
                    json!({"storageClassName": "local", "resources": {"requests": {"storage": "1Gi"}}}),
                ),
                claim("typo", json!({"storageClassName": "fast-ssd"})),
            ],
            persistent_volumes: vec![volume],
            storage_classes: vec![class("local", "WaitForFirstConsumer", false)],
            ..Snapshot::default()
        };
        let actions = bind_claims(&snapshot);
        assert_eq!(
            statuses(&actions),
            [("media".to_owned(), "media".to_owned())]
        );
        assert_eq!(
            reasons(&actions),
            ["WaitForFirstConsumer", "ProvisioningFailed"]
        );
    }

    #[test]
    fn a_class_of_hand_made_volumes_provisions_nothing_for_a_claim_none_fits() {
        let volume = json!({"metadata": {"name": "local-pv-1"}, "spec": {"capacity": {"storage": "50Gi"},
            "accessModes": ["ReadWriteOnce"], "storageClassName": "local"}});
        let snapshot = Snapshot {
            claims: vec![
                claim(
                    "shared",
                    json!({"storageClassName": "local", "accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}}}),
                ),
                claim(
                    "own",
                    json!({"storageClassName": "local", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}),
                ),
            ],
            persistent_volumes: vec![volume],
            storage_classes: vec![json!({"metadata": {"name": "local"},
                "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate"})],
            ..Snapshot::default()
        };
        let actions = bind_claims(&snapshot);
        assert_eq!(
            statuses(&actions),
            [("own".to_owned(), "local-pv-1".to_owned())]
        );
        assert_eq!(reasons(&actions), ["ProvisioningFailed"]);
        assert!(
            !actions
                .iter()
                .any(|action| matches!(action, Action::Create(Kind::PersistentVolume, _))),
            "nothing is provisioned"
        );
    }

    #[test]
    fn without_a_class_or_volume_a_claim_stays_pending() {
        let snapshot = Snapshot {
            claims: vec![claim(
                "orphan",
                json!({"resources": {"requests": {"storage": "1Gi"}}}),
            )],
            ..Snapshot::default()
        };
        let actions = bind_claims(&snapshot);
        assert!(statuses(&actions).is_empty());
        assert_eq!(reasons(&actions), ["FailedBinding"]);
    }
}
