//! The real kubectl against the simulated cluster's controllers that users
//! ask about beyond Deployments: CronJobs (scheduled runs, `create job
//! --from`, suspend), Endpoints and EndpointSlices of Services (including a
//! Service whose selector matches nothing), graceful pod deletion
//! (Terminating, then gone; `--grace-period=0 --force` at once), and the
//! `default` ServiceAccount of every namespace.

use std::time::{Duration, SystemTime};

use e2e::SimEnv;
use serde_json::{Value, json};
use sim::clock::rfc3339;
use sim::scenario::Scenario;

/// kubectl 1.32 describes a Service from its EndpointSlices: with only the
/// placeholder slice of a selector that matches nothing, the line is empty.
fn assert_no_endpoints_described(described: &str) {
    let line = described
        .lines()
        .find(|line| line.starts_with("Endpoints:"))
        .unwrap_or_else(|| panic!("no Endpoints line: {described}"));
    assert_eq!(line.trim_end(), "Endpoints:", "{described}");
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// Namespace `ops` with CronJob `report` (every five minutes, created an
/// hour ago, so a run is already due when the cluster starts).
fn reporting_cluster() -> Vec<Value> {
    let hour_ago = rfc3339(SystemTime::now() - Duration::from_secs(3600));
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ops"}}),
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "report", "namespace": "ops", "creationTimestamp": hour_ago},
            "spec": {
                "schedule": "*/5 * * * *",
                "concurrencyPolicy": "Forbid",
                "jobTemplate": {"spec": {"template": {
                    "metadata": {"labels": {"app": "report"}},
                    "spec": {"restartPolicy": "OnFailure", "containers": [
                        {"name": "report", "image": "busybox:1.36", "command": ["sh", "-c", "echo done"]}]},
                }}},
            },
        }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_namespace_has_a_default_service_account_that_comes_back_when_deleted() {
    let env = SimEnv::start("accounts", reporting_cluster()).await;
    let listed = env
        .kubectl_ok(&["get", "serviceaccounts", "-n", "ops"])
        .await;
    assert!(
        listed.lines().any(|line| line.starts_with("default ")),
        "{listed}"
    );
    let everywhere = env
        .kubectl_ok(&["get", "sa", "-A", "--field-selector=metadata.name=default"])
        .await;
    for namespace in ["default", "kube-system", "ops"] {
        assert!(
            everywhere
                .lines()
                .any(|line| line.starts_with(&format!("{namespace} "))),
            "{namespace}: {everywhere}"
        );
    }

    env.kubectl_ok(&["create", "namespace", "fresh"]).await;
    env.kubectl_until(&["get", "sa", "-n", "fresh"], |out| {
        out.lines().any(|line| line.starts_with("default "))
    })
    .await;
    env.kubectl_ok(&["delete", "sa", "default", "-n", "fresh"])
        .await;
    env.kubectl_until(&["get", "sa", "-n", "fresh"], |out| {
        out.lines().any(|line| line.starts_with("default "))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_job_runs_on_schedule_and_a_job_can_be_made_from_it() {
    let env = SimEnv::start("cron", reporting_cluster()).await;

    let resources = env
        .kubectl_ok(&["api-resources", "--api-group=batch"])
        .await;
    assert!(
        resources
            .lines()
            .any(|line| line.starts_with("cronjobs") && line.contains("cj")),
        "{resources}"
    );

    // The run due last (at most five minutes ago) was started, and finishes.
    let jobs = env
        .kubectl_until(&["get", "jobs", "-n", "ops"], |out| {
            out.lines()
                .any(|line| line.starts_with("report-") && line.contains("Complete"))
        })
        .await;
    let scheduled_job = jobs
        .lines()
        .find(|line| line.starts_with("report-"))
        .and_then(|line| line.split_whitespace().next())
        .expect("a scheduled job")
        .to_string();
    let minutes: i64 = scheduled_job
        .trim_start_matches("report-")
        .parse()
        .expect("the job is named after its scheduled minute");
    assert_eq!(
        minutes % 5,
        0,
        "runs are on the five-minute marks: {scheduled_job}"
    );

    let table = env
        .kubectl_ok(&["get", "cronjob", "report", "-n", "ops", "-o", "wide"])
        .await;
    let header = table.lines().next().unwrap_or_default();
    for column in [
        "NAME",
        "SCHEDULE",
        "TIMEZONE",
        "SUSPEND",
        "ACTIVE",
        "LAST SCHEDULE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
    ] {
        assert!(header.contains(column), "{table}");
    }
    let row = table.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains("*/5 * * * *") && row.contains("False") && row.contains("busybox:1.36"),
        "{table}"
    );
    let last_schedule = header.find("LAST SCHEDULE").expect("the column");
    assert!(
        !row[last_schedule..].starts_with("<none>"),
        "a last schedule is shown: {table}"
    );

    let cron = json_of(
        &env.kubectl_ok(&["get", "cronjob", "report", "-n", "ops", "-o", "json"])
            .await,
    );
    assert!(cron["status"]["lastScheduleTime"].is_string(), "{cron}");
    let described = env
        .kubectl_until(&["describe", "cronjob", "report", "-n", "ops"], |out| {
            out.contains("SawCompletedJob")
        })
        .await;
    assert!(
        described.contains(&format!("Created job {scheduled_job}")),
        "{described}"
    );

    // kubectl create job --from=cronjob/...: a Job the CronJob owns.
    let created = env
        .kubectl_ok(&[
            "create",
            "job",
            "report-manual",
            "--from=cronjob/report",
            "-n",
            "ops",
        ])
        .await;
    assert!(
        created.contains("job.batch/report-manual created"),
        "{created}"
    );
    let manual = json_of(
        &env.kubectl_ok(&["get", "job", "report-manual", "-n", "ops", "-o", "json"])
            .await,
    );
    assert_eq!(manual["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(
        manual["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(
        manual["spec"]["template"]["spec"]["containers"][0]["command"],
        json!(["sh", "-c", "echo done"])
    );
    env.kubectl_until(&["get", "job", "report-manual", "-n", "ops"], |out| {
        out.contains("Complete")
    })
    .await;
    let pods = env
        .kubectl_ok(&["get", "pods", "-n", "ops", "-l", "job-name=report-manual"])
        .await;
    assert!(pods.contains("Completed"), "{pods}");

    // Suspending shows in the table.
    env.kubectl_ok(&[
        "patch",
        "cronjob",
        "report",
        "-n",
        "ops",
        "-p",
        r#"{"spec":{"suspend":true}}"#,
    ])
    .await;
    let suspended = env
        .kubectl_ok(&["get", "cronjob", "report", "-n", "ops"])
        .await;
    assert!(
        suspended
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains("True"),
        "{suspended}"
    );

    // A schedule the API server would refuse is refused with its reason.
    let refused = env
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            concat!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: broken, namespace: ops}\n",
                "spec:\n  schedule: every day\n  jobTemplate:\n    spec:\n      template:\n",
                "        spec:\n          restartPolicy: Never\n",
                "          containers: [{name: a, image: busybox:1.36}]\n",
            ),
        )
        .await;
    assert!(!refused.success, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("spec.schedule: Invalid value: \"every day\""),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_have_endpoints_of_their_ready_pods_and_none_when_nothing_matches() {
    let env = SimEnv::start("endpoints", Scenario::demo().objects_at(SystemTime::now())).await;

    let endpoints = env
        .kubectl_until(
            &["get", "endpoints", "web-frontend", "-n", "production"],
            |out| out.matches(":80").count() == 3,
        )
        .await;
    assert!(endpoints.contains("10.244."), "{endpoints}");
    let described = env
        .kubectl_ok(&["describe", "service", "web-frontend", "-n", "production"])
        .await;
    let endpoints_line = described
        .lines()
        .find(|line| line.starts_with("Endpoints:"))
        .unwrap_or_else(|| panic!("no Endpoints line: {described}"));
    assert!(endpoints_line.contains("10.244."), "{described}");

    let slices = env
        .kubectl_ok(&[
            "get",
            "endpointslices",
            "-n",
            "production",
            "-l",
            "kubernetes.io/service-name=web-frontend",
        ])
        .await;
    assert!(slices.contains("IPv4") && slices.contains("80"), "{slices}");

    // A Service whose selector matches no pod: an Endpoints object, empty.
    env.kubectl_with_stdin(
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: Service\nmetadata: {name: checkout-typo, namespace: production}\n\
         spec:\n  selector: {app: chekout}\n  ports: [{port: 80, targetPort: 8080}]\n",
    )
    .await
    .expect_success("apply the Service");
    let empty = env
        .kubectl_until(
            &["get", "endpoints", "checkout-typo", "-n", "production"],
            |out| out.contains("<none>"),
        )
        .await;
    assert!(empty.contains("checkout-typo"), "{empty}");
    let described = env
        .kubectl_ok(&["describe", "service", "checkout-typo", "-n", "production"])
        .await;
    assert_no_endpoints_described(&described);

    // Deleting the Service removes what the controllers made for it.
    env.kubectl_ok(&["delete", "service", "checkout-typo", "-n", "production"])
        .await;
    env.kubectl_until(&["get", "endpoints", "-n", "production"], |out| {
        !out.contains("checkout-typo")
    })
    .await;
}

fn node(name: &str, ready: bool, ip: &str) -> Value {
    let condition = if ready {
        json!({"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"})
    } else {
        json!({"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."})
    };
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
           "status": {"conditions": [condition], "addresses": [{"type": "InternalIP", "address": ip}]}})
}

fn started_before(mut pod: Value) -> Value {
    pod["metadata"]["creationTimestamp"] =
        json!(rfc3339(SystemTime::now() - Duration::from_secs(600)));
    pod
}

fn pod(name: &str, node: Option<&str>) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
    if let Some(node) = node {
        pod["spec"]["nodeName"] = json!(node);
    }
    pod
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_pods_terminate_gracefully_and_stay_terminating_on_a_lost_node_until_forced() {
    let env = SimEnv::start(
        "graceful",
        vec![
            node("node-1", true, "10.0.0.11"),
            node("node-lost", false, "10.0.0.12"),
            pod("ordinary", None),
            pod("waiter", None),
            // Started before its node was lost: its containers ran (a pod
            // bound to a node that is already unreachable never starts).
            started_before(pod("stranded", Some("node-lost"))),
        ],
    )
    .await;
    env.kubectl_until(&["get", "pods"], |out| out.matches("Running").count() == 3)
        .await;

    // On a Ready node: Terminating (deletionTimestamp, grace period), then gone.
    env.kubectl_ok(&["delete", "pod", "ordinary", "--wait=false"])
        .await;
    env.kubectl_until(&["get", "pods"], |out| !out.contains("ordinary"))
        .await;
    let events = env
        .kubectl_ok(&[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=ordinary",
        ])
        .await;
    assert!(events.contains("Stopping container app"), "{events}");

    // kubectl delete waits until the pod is gone.
    env.kubectl_ok(&["delete", "pod", "waiter"]).await;
    let gone = env.kubectl(&["get", "pod", "waiter"]).await;
    assert!(
        !gone.success && gone.stderr.contains("NotFound"),
        "{gone:?}"
    );

    // On a node whose kubelet is unreachable, the pod stays Terminating.
    env.kubectl_ok(&["delete", "pod", "stranded", "--wait=false"])
        .await;
    let stranded = json_of(
        &env.kubectl_ok(&["get", "pod", "stranded", "-o", "json"])
            .await,
    );
    assert!(
        stranded["metadata"]["deletionTimestamp"].is_string(),
        "{stranded}"
    );
    assert_eq!(stranded["metadata"]["deletionGracePeriodSeconds"], 30);
    let listed = env.kubectl_ok(&["get", "pod", "stranded"]).await;
    assert!(listed.contains("Terminating"), "{listed}");

    // A forced delete removes it at once.
    let forced = env
        .kubectl(&["delete", "pod", "stranded", "--grace-period=0", "--force"])
        .await;
    assert!(forced.success, "{forced:?}");
    assert!(
        forced.stderr.contains("Immediate deletion does not wait"),
        "{forced:?}"
    );
    let gone = env.kubectl(&["get", "pod", "stranded"]).await;
    assert!(
        !gone.success && gone.stderr.contains("NotFound"),
        "{gone:?}"
    );
}

fn scenario_file(name: &str) -> std::path::PathBuf {
    e2e::repo_root().join("tests").join("scenarios").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_file_starts_a_cluster() {
    let directory = e2e::repo_root().join("tests").join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&directory)
        .expect("the scenarios directory")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let scenario = Scenario::from_file(&file).unwrap_or_else(|error| panic!("{error}"));
        let cluster = sim::SimCluster::start(
            scenario.objects_at(SystemTime::now()),
            sim::ClusterOptions::new(&scenario.name),
        )
        .await;
        assert!(cluster.is_ok(), "{}: {:?}", file.display(), cluster.err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_and_services_scenario_shows_cron_jobs_and_a_service_without_endpoints() {
    let scenario =
        Scenario::from_file(&scenario_file("batch-and-services.yaml")).expect("a valid scenario");
    let env = SimEnv::start(&scenario.name, scenario.objects_at(SystemTime::now())).await;

    let cron_jobs = env.kubectl_ok(&["get", "cronjobs", "-n", "billing"]).await;
    let row = |name: &str| {
        cron_jobs
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no {name}: {cron_jobs}"))
            .to_string()
    };
    assert!(row("stale-cleanup").contains("True"), "{cron_jobs}");
    assert!(
        row("stale-cleanup").contains("<none>"),
        "never scheduled: {cron_jobs}"
    );
    assert!(row("invoice-run").contains("0 * * * *"), "{cron_jobs}");

    let jobs = env
        .kubectl_until(&["get", "jobs", "-n", "billing"], |out| {
            out.lines()
                .any(|line| line.starts_with("invoice-run-") && line.contains("Complete"))
                && out
                    .lines()
                    .any(|line| line.starts_with("report-mailer-") && line.contains("Failed"))
        })
        .await;
    assert!(!jobs.contains("stale-cleanup"), "{jobs}");

    let endpoints = env
        .kubectl_until(&["get", "endpoints", "-n", "billing"], |out| {
            out.lines()
                .any(|line| line.starts_with("invoices") && line.matches(":8080").count() == 2)
        })
        .await;
    for service in ["payments-api", "ledger"] {
        let line = endpoints
            .lines()
            .find(|line| line.starts_with(service))
            .unwrap_or_else(|| panic!("no endpoints {service}: {endpoints}"));
        assert!(line.contains("<none>"), "{endpoints}");
    }
    let ledger = json_of(
        &env.kubectl_ok(&["get", "endpoints", "ledger", "-n", "billing", "-o", "json"])
            .await,
    );
    assert!(
        ledger["subsets"][0]["notReadyAddresses"][0]["ip"].is_string(),
        "{ledger}"
    );
    let budget = json_of(
        &env.kubectl_until(
            &["get", "pdb", "payments-api", "-n", "billing", "-o", "json"],
            |out| out.contains("\"currentHealthy\": 2"),
        )
        .await,
    );
    assert_eq!(budget["status"]["disruptionsAllowed"], 0, "{budget}");
    assert_eq!(budget["status"]["desiredHealthy"], 2, "{budget}");
    // Draining the node evicts what it may and is held back by the budget.
    let drain = env
        .kubectl(&[
            "drain",
            "node-1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--pod-selector=app in (payments-api,invoices)",
            "--timeout=5s",
        ])
        .await;
    assert!(!drain.success, "{drain:?}");
    assert!(
        drain.stdout.contains("evicting pod billing/invoices-")
            && drain
                .stderr
                .contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{drain:?}"
    );
    let autoscaler = json_of(
        &env.kubectl_ok(&["get", "hpa", "invoices", "-n", "billing", "-o", "json"])
            .await,
    );
    assert_eq!(
        autoscaler["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 70,
        "{autoscaler}"
    );
    let described = env
        .kubectl_ok(&["describe", "service", "payments-api", "-n", "billing"])
        .await;
    assert!(described.contains("app=payment"), "{described}");
    assert_no_endpoints_described(&described);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_create_makes_each_kind_it_sends_as_protobuf() {
    let env = SimEnv::start("create", vec![]).await;
    let commands: &[&[&str]] = &[
        &["create", "namespace", "shop"],
        &[
            "create",
            "deployment",
            "web",
            "-n",
            "shop",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=80",
        ],
        &[
            "create",
            "configmap",
            "settings",
            "-n",
            "shop",
            "--from-literal=MODE=fast",
        ],
        &[
            "create",
            "secret",
            "generic",
            "db",
            "-n",
            "shop",
            "--from-literal=password=s3cret",
        ],
        &[
            "create",
            "service",
            "clusterip",
            "web",
            "-n",
            "shop",
            "--tcp=80:80",
        ],
        &["create", "serviceaccount", "deployer", "-n", "shop"],
        &[
            "create",
            "role",
            "reader",
            "-n",
            "shop",
            "--verb=get,list",
            "--resource=pods",
        ],
        &[
            "create",
            "rolebinding",
            "reader",
            "-n",
            "shop",
            "--role=reader",
            "--serviceaccount=shop:deployer",
        ],
        &[
            "create",
            "ingress",
            "web",
            "-n",
            "shop",
            "--rule=shop.example.com/*=web:80",
        ],
        &[
            "create",
            "poddisruptionbudget",
            "web",
            "-n",
            "shop",
            "--selector=app=web",
            "--min-available=1",
        ],
        &["create", "priorityclass", "critical", "--value=1000"],
        &[
            "create",
            "job",
            "once",
            "-n",
            "shop",
            "--image=busybox:1.36",
            "--",
            "echo",
            "hi",
        ],
        &[
            "create",
            "cronjob",
            "nightly",
            "-n",
            "shop",
            "--image=busybox:1.36",
            "--schedule=0 2 * * *",
        ],
    ];
    for command in commands {
        env.kubectl_ok(command).await;
    }
    env.kubectl_until(&["get", "deploy", "web", "-n", "shop"], |out| {
        out.contains("2/2")
    })
    .await;
    let web = json_of(
        &env.kubectl_ok(&["get", "deploy", "web", "-n", "shop", "-o", "json"])
            .await,
    );
    let container = &web["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27", "{web}");
    assert_eq!(container["ports"][0]["containerPort"], 80, "{web}");
    assert_eq!(
        web["spec"]["selector"]["matchLabels"]["app"], "web",
        "{web}"
    );
    let endpoints = env
        .kubectl_until(&["get", "endpoints", "web", "-n", "shop"], |out| {
            out.matches(":80").count() == 2
        })
        .await;
    assert!(endpoints.contains("10.244."), "{endpoints}");

    let secret = json_of(
        &env.kubectl_ok(&["get", "secret", "db", "-n", "shop", "-o", "json"])
            .await,
    );
    assert_eq!(secret["data"]["password"], "czNjcmV0", "{secret}");
    let config = env
        .kubectl_ok(&[
            "get",
            "configmap",
            "settings",
            "-n",
            "shop",
            "-o",
            "jsonpath={.data.MODE}",
        ])
        .await;
    assert_eq!(config, "fast");
    let binding = json_of(
        &env.kubectl_ok(&["get", "rolebinding", "reader", "-n", "shop", "-o", "json"])
            .await,
    );
    assert_eq!(binding["roleRef"]["name"], "reader", "{binding}");
    assert_eq!(binding["subjects"][0]["name"], "deployer", "{binding}");
    let ingress = json_of(
        &env.kubectl_ok(&["get", "ingress", "web", "-n", "shop", "-o", "json"])
            .await,
    );
    assert_eq!(
        ingress["spec"]["rules"][0]["host"], "shop.example.com",
        "{ingress}"
    );
    assert_eq!(
        ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"], 80,
        "{ingress}"
    );
    let budget = env.kubectl_ok(&["get", "pdb", "web", "-n", "shop"]).await;
    assert!(
        budget.contains("MIN AVAILABLE") && budget.contains("web"),
        "{budget}"
    );
    let classes = env.kubectl_ok(&["get", "priorityclass", "critical"]).await;
    assert!(classes.contains("1000"), "{classes}");
    env.kubectl_until(&["get", "job", "once", "-n", "shop"], |out| {
        out.contains("Complete")
    })
    .await;
    // The quota comes last: its requests.cpu makes the API server refuse
    // pods that state no CPU request, as `kubectl create job` makes them.
    env.kubectl_ok(&[
        "create",
        "quota",
        "small",
        "-n",
        "shop",
        "--hard=pods=10,requests.cpu=2",
    ])
    .await;
    let quota = json_of(
        &env.kubectl_ok(&["get", "quota", "small", "-n", "shop", "-o", "json"])
            .await,
    );
    assert_eq!(quota["spec"]["hard"]["requests.cpu"], "2", "{quota}");
    let nightly = env
        .kubectl_ok(&["get", "cronjob", "nightly", "-n", "shop"])
        .await;
    assert!(nightly.contains("0 2 * * *"), "{nightly}");
}

/// The API server keeps an event for `--event-ttl` after its last write:
/// the demo's twelve-day-old history shows no event of that age, only what
/// happens now (the crash loops' back-offs); with a short TTL an event
/// written now is gone once it has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_live_only_the_event_ttl_after_their_last_write() {
    use sim::controllers::event_ttl::{DEFAULT_EVENT_TTL, is_past, last_written};

    let env = SimEnv::start("demo", Scenario::demo().objects_at(SystemTime::now())).await;
    let events = env.kubectl_json(&["get", "events", "-A"]).await;
    let items = events["items"].as_array().cloned().unwrap_or_default();
    let now = SystemTime::now();
    for event in &items {
        let written = last_written(event).expect("an event has a time");
        assert!(
            !is_past(written, now, DEFAULT_EVENT_TTL),
            "an event past the TTL is served: {event}"
        );
    }
    assert!(
        items.iter().any(|event| event["reason"] == "BackOff"),
        "the crash loops' back-offs are recent: {events}"
    );

    let mut options = sim::ClusterOptions::new("short-ttl");
    options.event_ttl = Duration::from_secs(2);
    let cluster = sim::SimCluster::start(
        vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})],
        options,
    )
    .await
    .expect("the cluster starts");
    let written = rfc3339(SystemTime::now());
    cluster
        .store()
        .create_manifest(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.17a1", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
            "reason": "Pulled", "message": "pulled", "type": "Normal",
            "firstTimestamp": written, "lastTimestamp": written,
        }))
        .expect("the event is created");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while cluster
        .store()
        .get(&sim::registry::EVENTS, "shop", "web-1.17a1")
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the event outlived its TTL"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
