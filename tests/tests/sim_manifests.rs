//! Real-world manifests against the simulated cluster: a chart as `helm
//! template` renders it (`tests/scenarios/helm-storefront.yaml`) loads, and
//! every object reads back whole through real `kubectl` (JSON and tables)
//! and the real `kubernetes-mcp-server`; a CustomResourceDefinition applied
//! with kubectl serves its kind at once, with its printer columns.

use std::time::SystemTime;

use e2e::SimEnv;
use e2e::diagnosis::scenario_path;
use e2e::direct_client::DirectClient;
use mcp_gateway::{GatewayConfig, ServerCommand};
use serde_json::{Value, json};
use sim::scenario::Scenario;

/// Where `manifest` is not contained in `served` (each field the manifest
/// sets must come back with the same value; the server may add more).
fn missing_fields(manifest: &Value, served: &Value, path: &str, found: &mut Vec<String>) {
    match (manifest, served) {
        (Value::Object(wanted), Value::Object(actual)) => {
            for (key, value) in wanted {
                match actual.get(key) {
                    Some(actual) => missing_fields(value, actual, &format!("{path}.{key}"), found),
                    None => found.push(format!("{path}.{key} is missing")),
                }
            }
        }
        (Value::Array(wanted), Value::Array(actual)) if wanted.len() == actual.len() => {
            for (index, (value, actual)) in wanted.iter().zip(actual).enumerate() {
                missing_fields(value, actual, &format!("{path}[{index}]"), found);
            }
        }
        (wanted, actual) if wanted == actual => {}
        (wanted, actual) => found.push(format!("{path}: sent {wanted}, served {actual}")),
    }
}

/// The manifest's fields a server legitimately does not echo: the
/// write-only `stringData` of a Secret (stored as `data`).
fn comparable(mut manifest: Value) -> Value {
    if let Some(map) = manifest.as_object_mut() {
        map.remove("stringData");
    }
    manifest
}

async fn storefront() -> (SimEnv, Scenario) {
    let scenario = Scenario::from_file(&scenario_path("helm-storefront"))
        .unwrap_or_else(|error| panic!("{error}"));
    let env = SimEnv::start(&scenario.name, scenario.objects_at(SystemTime::now())).await;
    (env, scenario)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_object_of_a_rendered_chart_reads_back_whole() {
    let (env, scenario) = storefront().await;
    for manifest in &scenario.objects {
        let kind = manifest["kind"].as_str().expect("a kind");
        let group = manifest["apiVersion"]
            .as_str()
            .expect("an apiVersion")
            .split_once('/')
            .map(|(group, _)| group)
            .unwrap_or_default();
        let name = manifest["metadata"]["name"].as_str().expect("a name");
        let qualified = if group.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}.{group}")
        };
        let mut arguments = vec!["get", &qualified, name];
        let namespace = manifest["metadata"]["namespace"].as_str();
        if let Some(namespace) = namespace {
            arguments.extend(["-n", namespace]);
        }
        let served = env.kubectl_json(&arguments).await;
        let mut problems = Vec::new();
        missing_fields(&comparable(manifest.clone()), &served, "", &mut problems);
        problems.retain(|problem| !problem.starts_with(".metadata.creationTimestamp"));
        assert!(
            problems.is_empty(),
            "{qualified} {name} lost fields:\n{}",
            problems.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_defaults_and_derived_fields_are_filled() {
    let (env, _) = storefront().await;
    let secret = env
        .kubectl_json(&["get", "secret", "shop-storefront", "-n", "shop"])
        .await;
    assert!(secret.get("stringData").is_none(), "{secret}");
    assert_eq!(
        secret["data"]["database-url"],
        "cG9zdGdyZXM6Ly9zaG9wOnMzY3JldEBzaG9wLXBvc3RncmVzcWw6NTQzMi9zaG9wP3NzbG1vZGU9ZGlzYWJsZQ=="
    );
    let backup = env
        .kubectl_json(&["get", "backup", "shop-postgresql-nightly", "-n", "shop"])
        .await;
    assert_eq!(backup["apiVersion"], "stable.example.com/v1");
    assert_eq!(backup["spec"]["retentionDays"], 14);
    let crd = env
        .kubectl_json(&["get", "crd", "backups.stable.example.com"])
        .await;
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Backup");
    assert_eq!(crd["spec"]["names"]["listKind"], "BackupList");
    let hpa = env
        .kubectl_json(&["get", "hpa", "shop-storefront", "-n", "shop"])
        .await;
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    let hpa_v1 = env
        .kubectl_json(&[
            "get",
            "horizontalpodautoscalers.v1.autoscaling",
            "shop-storefront",
            "-n",
            "shop",
        ])
        .await;
    assert_eq!(hpa_v1["apiVersion"], "autoscaling/v1");
    assert_eq!(hpa_v1["spec"]["targetCPUUtilizationPercentage"], 70);
    let deployment = env
        .kubectl_json(&["get", "deployment", "shop-storefront", "-n", "shop"])
        .await;
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["scheme"], "HTTP");
    assert_eq!(container["readinessProbe"]["timeoutSeconds"], 1);
    assert_eq!(
        container["env"][0]["valueFrom"]["fieldRef"]["apiVersion"],
        "v1"
    );
    assert_eq!(
        deployment["spec"]["template"]["spec"]["volumes"][1]["secret"]["defaultMode"],
        420
    );
    let service = env
        .kubectl_json(&["get", "service", "shop-storefront", "-n", "shop"])
        .await;
    assert_eq!(service["spec"]["ipFamilies"], json!(["IPv4"]));
    // Claims bind: to the volume they name, or to one their class provisions
    // once a pod that mounts them is scheduled (WaitForFirstConsumer).
    let claims = env
        .kubectl_until(&["get", "pvc", "-n", "shop"], |table| {
            table.lines().skip(1).count() == 2
                && table.lines().skip(1).all(|line| line.contains(" Bound "))
        })
        .await;
    assert!(claims.contains("shop-media"), "{claims}");
    let data = env
        .kubectl_json(&["get", "pvc", "data-shop-postgresql-0", "-n", "shop"])
        .await;
    let volume = data["spec"]["volumeName"]
        .as_str()
        .expect("bound to a volume");
    let provisioned = env.kubectl_json(&["get", "pv", volume]).await;
    assert_eq!(provisioned["spec"]["storageClassName"], "fast-ssd");
    assert_eq!(
        provisioned["spec"]["persistentVolumeReclaimPolicy"],
        "Retain"
    );
    assert_eq!(provisioned["status"]["phase"], "Bound");
    // Admission: the namespace's LimitRange fills the missing CPU limit of
    // the nginx sidecar, and the PriorityClass gives the pod its priority.
    let pods = env
        .kubectl_json(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app.kubernetes.io/name=storefront",
        ])
        .await;
    let pod = &pods["items"][0];
    assert_eq!(pod["spec"]["priority"], 100_000);
    assert_eq!(
        pod["spec"]["containers"][1]["resources"]["limits"]["cpu"],
        "500m"
    );
    assert!(
        pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
            .as_str()
            .is_some_and(|note| note.contains("cpu limit for container nginx")),
        "{pod}"
    );
    // The quota controller reports what the namespace uses.
    let quota = env
        .kubectl_until(
            &[
                "get",
                "quota",
                "shop-quota",
                "-n",
                "shop",
                "-o",
                "jsonpath={.status.used.pods}",
            ],
            |used| used.parse::<u32>().is_ok_and(|pods| pods >= 5),
        )
        .await;
    assert!(!quota.is_empty());
    let described = env
        .kubectl_ok(&["describe", "quota", "shop-quota", "-n", "shop"])
        .await;
    assert!(described.contains("requests.memory"), "{described}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_show_every_kind_of_the_chart() {
    let (env, _) = storefront().await;
    let namespaced = env
        .kubectl_ok(&[
            "get",
            "deploy,sts,ds,cronjob,hpa,ing,netpol,pdb,sa,role,rolebinding,limitrange,quota,cm,secret,pvc,svc",
            "-n",
            "shop",
        ])
        .await;
    for expected in [
        "deployment.apps/shop-storefront",
        "statefulset.apps/shop-postgresql",
        "daemonset.apps/shop-node-agent",
        "cronjob.batch/shop-nightly-report",
        "horizontalpodautoscaler.autoscaling/shop-storefront",
        "ingress.networking.k8s.io/shop-storefront",
        "networkpolicy.networking.k8s.io/shop-storefront",
        "poddisruptionbudget.policy/shop-postgresql",
        "serviceaccount/shop-node-agent",
        "role.rbac.authorization.k8s.io/shop-storefront",
        "rolebinding.rbac.authorization.k8s.io/shop-storefront",
        "limitrange/shop-defaults",
        "resourcequota/shop-quota",
        "configmap/shop-storefront",
        "secret/shop-tls",
        "persistentvolumeclaim/shop-media",
        "service/shop-postgresql-hl",
    ] {
        assert!(namespaced.contains(expected), "{expected}:\n{namespaced}");
    }
    let cluster = env
        .kubectl_ok(&[
            "get",
            "priorityclass/shop-critical",
            "storageclass/fast-ssd",
            "pv/shop-media",
            "ingressclass/nginx",
            "clusterrole/shop-node-agent",
            "clusterrolebinding/shop-node-agent",
            "crd/backups.stable.example.com",
        ])
        .await;
    for expected in [
        "priorityclass.scheduling.k8s.io/shop-critical",
        "storageclass.storage.k8s.io/fast-ssd",
        "persistentvolume/shop-media",
        "ingressclass.networking.k8s.io/nginx",
        "clusterrole.rbac.authorization.k8s.io/shop-node-agent",
        "clusterrolebinding.rbac.authorization.k8s.io/shop-node-agent",
        "customresourcedefinition.apiextensions.k8s.io/backups.stable.example.com",
    ] {
        assert!(cluster.contains(expected), "{expected}:\n{cluster}");
    }
    let backups = env.kubectl_ok(&["get", "bk", "-n", "shop"]).await;
    let header: Vec<&str> = backups
        .lines()
        .next()
        .expect("a header")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "SCHEDULE", "TARGET", "RETENTION", "AGE"]);
    assert!(
        backups.contains("shop-postgresql-nightly   0 3 * * *   shop-postgresql   14"),
        "{backups}"
    );
    let wide = env
        .kubectl_ok(&["get", "pods", "-n", "shop", "-o", "wide"])
        .await;
    assert!(wide.contains("shop-postgresql-0"), "{wide}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_mcp_server_reads_built_in_and_custom_objects() {
    let (env, _) = storefront().await;
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(env.kubeconfig.clone());
    let mcp = DirectClient::start(&config).await;
    let text_of = |result: &Value| {
        assert_ne!(result["isError"], true, "{result}");
        result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let deployment = text_of(
        &mcp.call(
            "resources_get",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "shop-storefront"}),
        )
        .await,
    );
    for expected in [
        "topologySpreadConstraints",
        "podAntiAffinity",
        "seccompProfile",
        "readOnlyRootFilesystem: true",
        "claimName: shop-media",
        "audience: vault",
        "sizeLimit: 64Mi",
    ] {
        assert!(deployment.contains(expected), "{expected}:\n{deployment}");
    }
    let backup = text_of(
        &mcp.call(
            "resources_get",
            json!({"apiVersion": "stable.example.com/v1", "kind": "Backup", "namespace": "shop", "name": "shop-postgresql-nightly"}),
        )
        .await,
    );
    assert!(backup.contains("retentionDays: 14"), "{backup}");
    let backups = text_of(
        &mcp.call(
            "resources_list",
            json!({"apiVersion": "stable.example.com/v1", "kind": "Backup", "namespace": "shop"}),
        )
        .await,
    );
    assert!(
        backups.contains("shop-postgresql-nightly") && backups.contains("SCHEDULE"),
        "{backups}"
    );
    let policies = text_of(
        &mcp.call(
            "resources_list",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "namespace": "shop"}),
        )
        .await,
    );
    assert!(policies.contains("shop-storefront"), "{policies}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_made_from_a_cron_job_keeps_its_whole_template() {
    let (env, _) = storefront().await;
    // kubectl sends this Job as protobuf.
    env.kubectl_ok(&[
        "create",
        "job",
        "report-now",
        "--from=cronjob/shop-nightly-report",
        "-n",
        "shop",
    ])
    .await;
    let cron_job = env
        .kubectl_json(&["get", "cronjob", "shop-nightly-report", "-n", "shop"])
        .await;
    let job = env
        .kubectl_json(&["get", "job", "report-now", "-n", "shop"])
        .await;
    let mut problems = Vec::new();
    missing_fields(
        &cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        &job["spec"]["template"]["spec"],
        "spec.template.spec",
        &mut problems,
    );
    assert!(
        problems.is_empty(),
        "the Job lost:\n{}",
        problems.join("\n")
    );
    // The time zone is the real one's: checked against the zone database.
    assert_eq!(cron_job["spec"]["timeZone"], "Europe/Berlin");
    let typo = env
        .kubectl(&[
            "patch",
            "cronjob",
            "shop-nightly-report",
            "-n",
            "shop",
            "--type=merge",
            "-p",
            r#"{"spec":{"timeZone":"Europe/Berlinn"}}"#,
        ])
        .await;
    if std::path::Path::new(sim::zone::ZONEINFO_DIR).is_dir() {
        assert!(
            !typo.success && typo.stderr.contains("unknown time zone Europe/Berlinn"),
            "{typo:?}"
        );
    } else {
        assert!(
            typo.success,
            "without a zone database any zone is taken: {typo:?}"
        );
    }
}

const WIDGET_DEFINITION: &str = "
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.toys.example.org
spec:
  group: toys.example.org
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type==\"Ready\")].status'}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              color: {type: string}
              size: {type: integer, default: 3}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

const WIDGET: &str = "
apiVersion: toys.example.org/v1
kind: Widget
metadata: {name: blue-one, namespace: default}
spec: {color: blue}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_definition_applied_with_kubectl_serves_its_kind() {
    let env = SimEnv::start("crd", vec![]).await;
    env.kubectl_with_stdin(&["apply", "-f", "-"], WIDGET_DEFINITION)
        .await
        .expect_success("apply the definition");
    env.kubectl_with_stdin(&["apply", "-f", "-"], WIDGET)
        .await
        .expect_success("apply a widget");
    let widget = env.kubectl_json(&["get", "widget", "blue-one"]).await;
    assert_eq!(widget["spec"]["size"], 3, "schema default: {widget}");
    assert_eq!(widget["metadata"]["namespace"], "default");
    env.kubectl_ok(&[
        "patch",
        "widget",
        "blue-one",
        "--type=merge",
        "-p",
        r#"{"spec":{"color":"red"}}"#,
    ])
    .await;
    let table = env.kubectl_ok(&["get", "wdg"]).await;
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("COLOR") && table.contains("READY"),
        "{table}"
    );
    assert!(table.contains("blue-one   red"), "{table}");
    let beta = env
        .kubectl_json(&["get", "widgets.v1beta1.toys.example.org", "blue-one"])
        .await;
    assert_eq!(beta["apiVersion"], "toys.example.org/v1beta1");
    assert_eq!(beta["spec"]["color"], "red");
    let explained = env.kubectl_ok(&["explain", "widgets.spec"]).await;
    assert!(
        explained.contains("size") && explained.contains("<integer>"),
        "{explained}"
    );
    let described = env.kubectl_ok(&["describe", "widget", "blue-one"]).await;
    assert!(described.contains("Color:  red"), "{described}");
    // A changed manifest applied again (a client-side apply's merge patch).
    env.kubectl_with_stdin(
        &["apply", "-f", "-"],
        &WIDGET.replace("color: blue", "color: green"),
    )
    .await
    .expect_success("apply the changed widget");
    let applied = env.kubectl_json(&["get", "widget", "blue-one"]).await;
    assert_eq!(applied["spec"]["color"], "green", "{applied}");
    env.kubectl_ok(&["delete", "crd", "widgets.toys.example.org"])
        .await;
    let gone = env.kubectl(&["get", "widgets.toys.example.org"]).await;
    assert!(!gone.success, "{gone:?}");
    assert!(
        env.cluster
            .store()
            .catalog()
            .by_kind("toys.example.org/v1", "Widget")
            .is_none()
    );
}
