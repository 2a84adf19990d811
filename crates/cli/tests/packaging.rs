//! What a user installing kubeop relies on besides its requests, driving
//! the real binary: `kubeop config show` with the origin of every value,
//! invalid configuration refused with the file, key and reason by every
//! command, shell completions and the man page generated from the command
//! line's definition, and the documented exit statuses.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// The subcommands a user can complete and find in the man page.
const SUBCOMMANDS: [&str; 15] = [
    "classify",
    "serve",
    "ask",
    "shell",
    "demo",
    "approve",
    "status",
    "pending",
    "deny",
    "tools",
    "config",
    "completions",
    "man",
    "sim",
    "log",
];

/// `kubeop ARGS` in `home` (also the working directory) with an
/// environment of its own: no `KUBEOP_*` or XDG variable of the machine's
/// leaks in, `extra` is added.
fn kubeop_in(home: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut command = Command::new(KUBEOP);
    command
        .args(args)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_RUNTIME_DIR", home.join("run"));
    for (name, value) in extra {
        command.env(name, value);
    }
    command.output().expect("kubeop runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("the directory");
    std::fs::write(path, content).expect("the file is written");
}

#[test]
fn config_show_prints_every_value_with_where_it_came_from() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let user_file = home
        .path()
        .join("config")
        .join("kubeop")
        .join("config.toml");
    let local_file = home.path().join("kubeop.toml");
    write(
        &user_file,
        "[daemon]\nmax_connections = 9\n[gateway]\nmax_in_flight = 3\n",
    );
    // The working directory's file wins over the user's for the same key.
    write(&local_file, "[gateway]\nmax_in_flight = 4\n");
    let variables = [("KUBEOP_TELEMETRY__LOG_FORMAT", "json")];

    let shown = kubeop_in(home.path(), &["config", "show", "-o", "json"], &variables);
    assert!(shown.status.success(), "{shown:?}");
    let config: Value = serde_json::from_slice(&shown.stdout).expect("one JSON object");
    let value = |key: &str| &config["values"][key];
    assert_eq!(value("daemon.max_connections")["value"], 9);
    assert_eq!(
        value("daemon.max_connections")["source"],
        format!("file {}", user_file.display())
    );
    assert_eq!(value("gateway.max_in_flight")["value"], 4);
    assert_eq!(
        value("gateway.max_in_flight")["source"],
        format!("file {}", local_file.display())
    );
    assert_eq!(value("telemetry.log_format")["value"], "json");
    assert_eq!(
        value("telemetry.log_format")["source"],
        "environment KUBEOP_TELEMETRY__LOG_FORMAT"
    );
    assert_eq!(
        value("daemon.max_request_bytes")["source"],
        "built-in default"
    );
    assert_eq!(
        value("daemon.state_dir")["value"],
        home.path()
            .join("state")
            .join("kubeop")
            .display()
            .to_string()
    );
    assert_eq!(
        value("daemon.kubeconfig")["value"],
        Value::Null,
        "unset keys are listed"
    );
    let files = config["files"].as_array().expect("files");
    assert_eq!(files.len(), 3, "{config}");
    assert_eq!(files[0]["path"], "/etc/kubeop/config.toml");
    assert_eq!(files[1]["path"], user_file.display().to_string());
    assert_eq!(files[1]["exists"], true);
    assert_eq!(files[2]["path"], local_file.display().to_string());

    // People get the same as a table, and YAML carries the same object.
    let table = text(&kubeop_in(home.path(), &["config", "show"], &variables).stdout);
    assert!(table.starts_with("KEY"), "{table}");
    let row = table
        .lines()
        .find(|line| line.starts_with("gateway.max_in_flight "))
        .expect("a row per key");
    assert!(row.contains(" 4 "), "{row}");
    assert!(
        row.ends_with(&format!("file {}", local_file.display())),
        "{row}"
    );
    assert!(
        table.contains(&format!("  {} (read)", local_file.display())),
        "{table}"
    );
    let yaml = kubeop_in(home.path(), &["config", "show", "-o", "yaml"], &variables);
    let from_yaml: Value = serde_norway::from_slice(&yaml.stdout).expect("one YAML document");
    assert_eq!(from_yaml, config);

    // Flags are the last layer, as every other command takes them.
    let flagged = kubeop_in(
        home.path(),
        &[
            "config",
            "show",
            "-o",
            "json",
            "--state-dir",
            "/srv/kubeop",
            "--socket",
            "/run/k.sock",
            "--context",
            "prod",
        ],
        &variables,
    );
    assert!(flagged.status.success(), "{flagged:?}");
    let flagged: Value = serde_json::from_slice(&flagged.stdout).expect("one JSON object");
    for (key, expected) in [
        ("daemon.state_dir", "/srv/kubeop"),
        ("daemon.socket", "/run/k.sock"),
        ("daemon.context", "prod"),
    ] {
        assert_eq!(flagged["values"][key]["value"], expected, "{flagged}");
        assert_eq!(
            flagged["values"][key]["source"], "command-line flag",
            "{flagged}"
        );
    }
    let namespace = kubeop_in(home.path(), &["config", "show", "-n", "shop"], &[]);
    assert_eq!(namespace.status.code(), Some(1), "{namespace:?}");
    assert!(
        text(&namespace.stderr).contains("not configuration"),
        "{namespace:?}"
    );
}

#[test]
fn invalid_configuration_is_refused_by_every_command_naming_file_key_and_reason() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let local_file = home.path().join("kubeop.toml");
    let refused_with = |variables: &[(&str, &str)], expected: &[&str]| {
        for args in [
            &["config", "show"][..],
            &["status"],
            &["ask", "--once", "list pods"],
        ] {
            let refused = kubeop_in(home.path(), args, variables);
            let stderr = text(&refused.stderr);
            assert_eq!(refused.status.code(), Some(1), "{args:?}: {refused:?}");
            assert!(refused.stdout.is_empty(), "{args:?}: {refused:?}");
            assert!(
                stderr.starts_with("kubeop: invalid configuration: "),
                "{args:?}: {stderr}"
            );
            for part in expected {
                assert!(stderr.contains(part), "{args:?} lacks {part:?}: {stderr}");
            }
        }
    };

    let in_the_file = format!("file {}", local_file.display());
    for (content, key, reason) in [
        // A typo in a key.
        (
            "[daemon]\nmax_conections = 9\n",
            "max_conections",
            "unknown field",
        ),
        // A value of the wrong type.
        (
            "[gateway]\nmax_in_flight = \"many\"\n",
            "key \"gateway.max_in_flight\"",
            "invalid type",
        ),
        // A value out of range.
        (
            "[gateway]\nmax_in_flight = 0\n",
            "key \"gateway.max_in_flight\"",
            "must be greater than zero",
        ),
    ] {
        write(&local_file, content);
        refused_with(&[], &[key, &in_the_file, reason]);
    }
    // A variable of the wrong type names the variable.
    std::fs::remove_file(&local_file).expect("removed");
    refused_with(
        &[("KUBEOP_DAEMON__MAX_CONNECTIONS", "lots")],
        &[
            "key \"daemon.max_connections\"",
            "environment KUBEOP_DAEMON__MAX_CONNECTIONS",
        ],
    );
}

#[test]
fn completions_for_every_shell_know_every_subcommand_and_option() {
    let home = tempfile::tempdir().expect("a temporary directory");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let completions = kubeop_in(home.path(), &["completions", shell], &[]);
        assert!(completions.status.success(), "{shell}: {completions:?}");
        let script = text(&completions.stdout);
        for subcommand in SUBCOMMANDS {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
        for option in ["socket", "state-dir", "kubeconfig", "namespace", "output"] {
            assert!(script.contains(option), "{shell} lacks --{option}");
        }
    }
    let bash = text(&kubeop_in(home.path(), &["completions", "bash"], &[]).stdout);
    assert!(bash.contains("complete -F _kubeop"), "{bash}");
    let unknown = kubeop_in(home.path(), &["completions", "tcsh"], &[]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
}

#[test]
fn the_man_page_has_every_subcommand_option_and_exit_status() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let man = kubeop_in(home.path(), &["man"], &[]);
    assert!(man.status.success(), "{man:?}");
    let page = text(&man.stdout);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff: {page}");
    assert!(page.contains(".TH kubeop 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for subcommand in SUBCOMMANDS {
        assert!(
            page.contains(&format!("kubeop\\-{subcommand}(1)")),
            "the page lists {subcommand}: {page}"
        );
    }
    let statuses = page
        .split(".SH \"EXIT STATUS\"\n")
        .nth(1)
        .expect("an EXIT STATUS section");
    for (status, meaning) in cli::exit::DOCUMENTED {
        let first_words: String = meaning
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            statuses.contains(&format!(".TP\n\\fB{status}\\fR\n")),
            "status {status}: {statuses}"
        );
        assert!(
            statuses.contains(&first_words.replace('-', "\\-")),
            "status {status} means {meaning}: {statuses}"
        );
    }
    assert!(!page.contains(".SH EXTRA"), "{page}");

    // `--help` ends with the same list; `-h` stays short.
    let help = text(&kubeop_in(home.path(), &["--help"], &[]).stdout);
    assert!(help.contains(&cli::exit::help_text()), "{help}");
    let short = text(&kubeop_in(home.path(), &["-h"], &[]).stdout);
    assert!(!short.contains("Exit statuses"), "{short}");
}

/// The repository's `deploy/` directory.
fn deploy_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn the_in_cluster_example_grants_least_privilege_and_runs_what_the_binary_accepts() {
    let manifests: Vec<Value> =
        serde_norway::Deserializer::from_str(&deploy_file("in-cluster.yaml"))
            .map(|document| serde::Deserialize::deserialize(document).expect("a YAML document"))
            .collect();
    let of_kind = |kind: &str| -> Vec<&Value> {
        manifests
            .iter()
            .filter(|manifest| manifest["kind"] == kind)
            .collect()
    };
    let account = of_kind("ServiceAccount");
    assert_eq!(account.len(), 1, "{manifests:?}");
    let account = &account[0]["metadata"];

    // Reads never reach Secrets, writes are the workflow's and named.
    let role = of_kind("ClusterRole");
    assert_eq!(role.len(), 1);
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .expect("a list")
            .iter()
            .map(|item| item.as_str().expect("a string").to_owned())
            .collect()
    };
    for rule in role[0]["rules"].as_array().expect("rules") {
        let groups = strings(&rule["apiGroups"]);
        let resources = strings(&rule["resources"]);
        let verbs = strings(&rule["verbs"]);
        assert!(!groups.contains(&"*".to_owned()), "{rule}");
        assert!(!verbs.contains(&"*".to_owned()), "{rule}");
        assert!(!resources.contains(&"secrets".to_owned()), "{rule}");
        if groups.contains(&String::new()) {
            assert!(
                !resources.contains(&"*".to_owned()),
                "the core group has Secrets: {rule}"
            );
        }
        let writes = verbs
            .iter()
            .any(|verb| !["get", "list", "watch"].contains(&verb.as_str()));
        if writes {
            assert!(
                !resources.contains(&"*".to_owned()),
                "writes are named: {rule}"
            );
            assert!(
                !resources
                    .iter()
                    .any(|resource| resource.starts_with("clusterrole")
                        || resource.starts_with("role")
                        || resource == "serviceaccounts"),
                "kubeop cannot grant itself more: {rule}"
            );
        }
    }
    let binding = of_kind("ClusterRoleBinding");
    assert_eq!(binding.len(), 1);
    assert_eq!(binding[0]["roleRef"]["name"], role[0]["metadata"]["name"]);
    assert_eq!(binding[0]["subjects"][0]["name"], account["name"]);
    assert_eq!(binding[0]["subjects"][0]["namespace"], account["namespace"]);

    // The daemon runs as that account, in-cluster, unprivileged.
    let deployment = of_kind("Deployment");
    assert_eq!(deployment.len(), 1);
    let pod = &deployment[0]["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], account["name"]);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    let args = strings(&container["args"]);
    assert_eq!(args[0], "serve");
    let provider = args.iter().position(|arg| arg == "--cluster-provider");
    assert_eq!(
        provider.and_then(|at| args.get(at + 1)).map(String::as_str),
        Some("in-cluster")
    );
    // The binary accepts exactly these arguments (clap refuses an unknown
    // one before it reaches --help).
    let home = tempfile::tempdir().expect("a temporary directory");
    let mut checked: Vec<&str> = args.iter().map(String::as_str).collect();
    checked.push("--help");
    let parsed = kubeop_in(home.path(), &checked, &[]);
    assert!(parsed.status.success(), "{args:?}: {parsed:?}");
}

#[test]
fn the_systemd_unit_runs_the_daemon_and_stops_it_with_sigterm() {
    let unit = deploy_file("kubeop.service");
    let value = |key: &str| {
        unit.lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("the unit sets {key}: {unit}"))
    };
    assert!(value("ExecStart").ends_with("/kubeop serve"), "{unit}");
    assert_eq!(value("KillSignal"), "SIGTERM");
    assert_eq!(value("Restart"), "on-failure");
    assert_eq!(value("WantedBy"), "default.target", "a user unit");
    // Its environment is configuration kubeop accepts.
    let home = tempfile::tempdir().expect("a temporary directory");
    let (name, setting) = value("Environment").split_once('=').expect("NAME=VALUE");
    let shown = kubeop_in(
        home.path(),
        &["config", "show", "-o", "json"],
        &[(name, setting)],
    );
    assert!(shown.status.success(), "{shown:?}");
}
