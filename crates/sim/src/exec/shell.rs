//! A small built-in shell: what `kubectl exec` and `pods_exec` reach inside a
//! simulated container.
//!
//! It covers what an SRE runs to check a pod from the inside: identity
//! (`hostname`, `env`, `cat /etc/...`), DNS (`nslookup`, `getent hosts`, which
//! resolve the cluster's Services the way CoreDNS would, search path
//! included), connectivity (`wget`/`curl` of a Service URL, which succeed only
//! when the Service has ready endpoints) and `sh -c` scripts joined with `;`,
//! `&&`, `||` and `|`, and `until`/`while` loops. Anything else fails as a
//! real shell does: `sh: X: not found`, exit 127.
//!
//! The same shell decides what a container's own command does
//! ([`run_container_command`]): an init container's `until nslookup db; do
//! sleep 2; done` waits as long as the Service `db` does not resolve. The
//! cluster does not change while a script runs, so a loop whose first pass
//! does not end it never ends: the shell reports it as an [`EndlessLoop`]
//! instead of running it.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::clock::date_command;

/// The cluster's DNS domain.
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// One ready endpoint of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The pod's IP.
    pub ip: String,
    /// The pod's hostname under a headless Service (StatefulSet pods: `postgres-0`).
    pub hostname: Option<String>,
    /// The pod's name, reported by the connectivity check.
    pub pod_name: String,
    /// The Service ports on which the pod's NetworkPolicies drop
    /// connections from the pod the shell runs in (they time out).
    pub dropped_service_ports: Vec<u16>,
    /// Whether its NetworkPolicies drop every connection from that pod,
    /// whatever the port (a connection to the pod's own IP then times out).
    pub dropped_entirely: bool,
}

/// A Service as DNS and connectivity checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// The Service's name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its ClusterIP; None for a headless Service (DNS returns the endpoints).
    pub cluster_ip: Option<String>,
    /// Its ports.
    pub ports: Vec<u16>,
    /// The ready pods behind it.
    pub endpoints: Vec<Endpoint>,
}

/// Everything the shell knows about the container it runs in.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecEnvironment {
    /// The pod's name.
    pub pod_name: String,
    /// The pod's namespace (first entry of the DNS search path).
    pub namespace: String,
    /// The pod's hostname (its name unless `spec.hostname` says otherwise).
    pub hostname: String,
    /// The pod's IP.
    pub pod_ip: String,
    /// The container's image (decides `/etc/os-release`).
    pub image: String,
    /// PID 1's command line, as `ps` shows it.
    pub main_process: String,
    /// The container's own environment, in spec order.
    pub container_env: Vec<(String, String)>,
    /// Every Service of the cluster.
    pub services: Vec<ServiceRecord>,
    /// The cluster DNS Service's IP (`kube-dns`).
    pub dns_server: String,
    /// Whether queries to it get through (an egress NetworkPolicy of the
    /// pod may drop them: every lookup of a cluster name then times out).
    pub dns_answers: bool,
    /// The wall clock, for `date`.
    pub now: SystemTime,
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecOutcome {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// The exit code.
    pub exit_code: i32,
}

impl ExecOutcome {
    fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        ExecOutcome {
            stdout: stdout.into(),
            ..ExecOutcome::default()
        }
    }

    fn fail(exit_code: i32, stderr: impl Into<Vec<u8>>) -> Self {
        ExecOutcome {
            stderr: stderr.into(),
            exit_code,
            ..ExecOutcome::default()
        }
    }
}

/// A loop that the cluster's current state never lets end (`until nslookup
/// db; do sleep 2; done` while `db` does not exist): what one pass prints and
/// how long one pass takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndlessLoop {
    /// Standard output and error of one pass, in the order written.
    pub pass_output: Vec<u8>,
    /// How long one pass takes: the `sleep`s in it, at least a second.
    pub period: Duration,
}

/// What a container's own command did: its output up to the point where it
/// ended or began to loop forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    /// Standard output and error before the loop (all of it when it ended).
    pub outcome: ExecOutcome,
    /// The loop it is stuck in, when it never ends.
    pub endless: Option<EndlessLoop>,
}

/// How deep `sh -c "sh -c ..."` may nest before it is refused (a loop guard).
const MAX_SHELL_DEPTH: usize = 8;

/// How the shell treats a program it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnknownProgram {
    /// `sh: X: not found`, exit 127: what an exec into an image finds.
    NotFound,
    /// The container's own program (`/app/migrate`, `python manage.py`):
    /// the simulator cannot know what it does, so it runs and exits 0.
    Succeeds,
}

/// Runs an exec's argv with the given standard input. A loop that would
/// never end shows one pass and is stopped as a Ctrl-C would (exit 130).
pub fn run(argv: &[String], stdin: &[u8], environment: &ExecEnvironment) -> ExecOutcome {
    let mut shell = Shell::new(environment, UnknownProgram::NotFound);
    let mut outcome = shell.run_argv(argv, stdin);
    if let Some(endless) = shell.endless {
        outcome.stdout.extend(endless.pass_output);
        outcome.stderr.extend(
            b"sh: the simulated shell stops a loop that cannot end in the cluster's current state\n",
        );
        outcome.exit_code = 130;
    }
    outcome
}

/// Runs a container's own command line (its `command` and `args`) as the
/// container's process would: programs the shell does not know are the
/// image's own and succeed; a loop that cannot end is reported as such.
pub fn run_container_command(argv: &[String], environment: &ExecEnvironment) -> CommandRun {
    let mut shell = Shell::new(environment, UnknownProgram::Succeeds);
    let outcome = shell.run_argv(argv, b"");
    CommandRun {
        outcome,
        endless: shell.endless,
    }
}

impl ExecEnvironment {
    /// The environment variables of the container, as the kubelet sets them:
    /// PATH and HOSTNAME, the container's own, the Service variables of the
    /// pod's namespace and the `kubernetes` Service's, and HOME.
    pub fn variables(&self) -> BTreeMap<String, String> {
        let mut variables = BTreeMap::new();
        variables.insert(
            "PATH".to_string(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        );
        variables.insert("HOSTNAME".to_string(), self.hostname.clone());
        variables.insert("HOME".to_string(), "/root".to_string());
        for service in &self.services {
            let visible = service.namespace == self.namespace
                || (service.name == "kubernetes" && service.namespace == "default");
            let (Some(ip), Some(port)) = (&service.cluster_ip, service.ports.first()) else {
                continue;
            };
            if !visible {
                continue;
            }
            let prefix = service.name.to_uppercase().replace('-', "_");
            variables.insert(format!("{prefix}_SERVICE_HOST"), ip.clone());
            variables.insert(format!("{prefix}_SERVICE_PORT"), port.to_string());
            variables.insert(format!("{prefix}_PORT"), format!("tcp://{ip}:{port}"));
            for port in &service.ports {
                let key = format!("{prefix}_PORT_{port}_TCP");
                variables.insert(key.clone(), format!("tcp://{ip}:{port}"));
                variables.insert(format!("{key}_PROTO"), "tcp".to_string());
                variables.insert(format!("{key}_PORT"), port.to_string());
                variables.insert(format!("{key}_ADDR"), ip.clone());
            }
        }
        for (key, value) in &self.container_env {
            variables.insert(key.clone(), value.clone());
        }
        variables
    }

    fn search_domains(&self) -> [String; 3] {
        [
            format!("{}.svc.{CLUSTER_DOMAIN}", self.namespace),
            format!("svc.{CLUSTER_DOMAIN}"),
            CLUSTER_DOMAIN.to_string(),
        ]
    }

    /// What the pod knows without asking DNS: an address, `localhost`,
    /// its own name (`/etc/hosts`).
    fn local_answer(&self, name: &str) -> Option<(String, Vec<String>)> {
        if name.parse::<std::net::IpAddr>().is_ok() {
            return Some((name.to_string(), vec![name.to_string()]));
        }
        if name == "localhost" {
            return Some(("localhost".to_string(), vec!["127.0.0.1".to_string()]));
        }
        (name == self.hostname || name == self.pod_name)
            .then(|| (name.to_string(), vec![self.pod_ip.clone()]))
    }

    /// Whether looking `name` up asks the cluster DNS.
    fn needs_dns(&self, name: &str) -> bool {
        self.local_answer(name.trim_end_matches('.')).is_none()
    }

    /// Resolves a name the way the pod's resolver would (search path, ndots:5):
    /// the fully qualified name and its addresses, or None (NXDOMAIN, or no
    /// answer when the pod's queries do not reach the DNS server).
    pub fn resolve(&self, name: &str) -> Option<(String, Vec<String>)> {
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            return None;
        }
        if let Some(answer) = self.local_answer(name) {
            return Some(answer);
        }
        if !self.dns_answers {
            return None;
        }
        let mut candidates: Vec<String> = self
            .search_domains()
            .iter()
            .map(|domain| format!("{name}.{domain}"))
            .collect();
        candidates.push(name.to_string());
        candidates.into_iter().find_map(|candidate| {
            self.lookup_fqdn(&candidate)
                .map(|addresses| (candidate, addresses))
        })
    }

    /// Answers `svc.ns.svc.cluster.local` and `pod-hostname.svc.ns.svc.cluster.local`.
    fn lookup_fqdn(&self, fqdn: &str) -> Option<Vec<String>> {
        let prefix = fqdn.strip_suffix(&format!(".svc.{CLUSTER_DOMAIN}"))?;
        let labels: Vec<&str> = prefix.split('.').collect();
        match labels.as_slice() {
            [service, namespace] => {
                let record = self.service(service, namespace)?;
                match &record.cluster_ip {
                    Some(ip) => Some(vec![ip.clone()]),
                    None if record.endpoints.is_empty() => None,
                    None => Some(
                        record
                            .endpoints
                            .iter()
                            .map(|endpoint| endpoint.ip.clone())
                            .collect(),
                    ),
                }
            }
            [hostname, service, namespace] => {
                let record = self.service(service, namespace)?;
                record
                    .endpoints
                    .iter()
                    .find(|endpoint| endpoint.hostname.as_deref() == Some(hostname))
                    .map(|endpoint| vec![endpoint.ip.clone()])
            }
            _ => None,
        }
    }

    fn service(&self, name: &str, namespace: &str) -> Option<&ServiceRecord> {
        self.services
            .iter()
            .find(|service| service.name == name && service.namespace == namespace)
    }

    /// Who answers on `ip:port`: a Service (through its ClusterIP) or a pod.
    fn connect(&self, ip: &str, port: u16) -> Connection<'_> {
        for service in &self.services {
            if service.cluster_ip.as_deref() == Some(ip) {
                if !service.ports.contains(&port) {
                    return Connection::Refused;
                }
                if service.endpoints.is_empty() {
                    return Connection::Refused;
                }
                // kube-proxy picks an endpoint; one whose NetworkPolicies
                // drop this pod's packets leaves the client waiting.
                return match service
                    .endpoints
                    .iter()
                    .find(|endpoint| !endpoint.dropped_service_ports.contains(&port))
                {
                    Some(endpoint) => Connection::Answered { service, endpoint },
                    None => Connection::TimedOut,
                };
            }
            if let Some(endpoint) = service.endpoints.iter().find(|endpoint| endpoint.ip == ip) {
                if endpoint.dropped_entirely {
                    return Connection::TimedOut;
                }
                return Connection::Answered { service, endpoint };
            }
        }
        if ip == "127.0.0.1" || ip == self.pod_ip {
            return Connection::Refused;
        }
        Connection::TimedOut
    }

    fn os_release(&self) -> &'static str {
        let image = self.image.to_lowercase();
        if [
            "alpine",
            "busybox",
            "netshoot",
            "nginx:1.27-alpine",
            "redis:7.2.5-alpine",
        ]
        .iter()
        .any(|marker| image.contains(marker))
        {
            "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n"
        } else {
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n"
        }
    }

    /// The container's files: a few that matter for diagnosis.
    fn file(&self, path: &str) -> Option<String> {
        let path = normalise_path(path);
        Some(match path.as_str() {
            "/etc/hostname" => format!("{}\n", self.hostname),
            "/etc/resolv.conf" => format!(
                "search {}\nnameserver {}\noptions ndots:5\n",
                self.search_domains().join(" "),
                self.dns_server
            ),
            "/etc/hosts" => format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{}\t{}\n",
                self.pod_ip, self.hostname
            ),
            "/etc/os-release" => self.os_release().to_string(),
            "/etc/passwd" => "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".to_string(),
            "/etc/group" => "root:x:0:\nnogroup:x:65534:\n".to_string(),
            "/var/run/secrets/kubernetes.io/serviceaccount/namespace" => self.namespace.clone(),
            "/proc/1/cmdline" => format!("{}\0", self.main_process.replace(' ', "\0")),
            _ => return None,
        })
    }

    /// Directory listings of the container's file system.
    fn directory(&self, path: &str) -> Option<Vec<&'static str>> {
        Some(match normalise_path(path).as_str() {
            "/" => vec![
                "bin", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root", "run",
                "sbin", "srv", "sys", "tmp", "usr", "var",
            ],
            "/etc" => vec![
                "group",
                "hostname",
                "hosts",
                "os-release",
                "passwd",
                "resolv.conf",
            ],
            "/var" => vec!["cache", "lib", "log", "run", "tmp"],
            "/var/run" => vec!["secrets"],
            "/var/run/secrets" => vec!["kubernetes.io"],
            "/var/run/secrets/kubernetes.io" => vec!["serviceaccount"],
            "/var/run/secrets/kubernetes.io/serviceaccount" => vec!["ca.crt", "namespace", "token"],
            "/tmp" | "/root" | "/home" | "/mnt" | "/media" | "/opt" | "/srv" => vec![],
            _ => return None,
        })
    }
}

/// `/etc/../etc//hosts` → `/etc/hosts`; relative paths are taken from `/`.
fn normalise_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

enum Connection<'a> {
    Answered {
        service: &'a ServiceRecord,
        endpoint: &'a Endpoint,
    },
    Refused,
    TimedOut,
}

/// A parsed URL: host, port, path.
fn parse_url(url: &str) -> Option<(String, u16, String)> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme, rest),
        None => ("http", url),
    };
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], rest[at..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (authority, default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port, path))
}

/// What answers an HTTP GET on a Service's pod: a small JSON document saying
/// which pod answered, so a connectivity check shows where it landed.
fn http_body(service: &ServiceRecord, endpoint: &Endpoint, path: &str) -> String {
    format!(
        "{{\"status\":\"ok\",\"service\":\"{}.{}\",\"pod\":\"{}\",\"path\":\"{path}\"}}\n",
        service.name, service.namespace, endpoint.pod_name
    )
}

/// One interpreter instance: its variables and its nesting depth.
struct Shell<'a> {
    environment: &'a ExecEnvironment,
    variables: BTreeMap<String, String>,
    depth: usize,
    unknown_programs: UnknownProgram,
    /// Seconds the script has `sleep`-ed so far (a loop pass's period).
    slept: f64,
    /// Set by `exit`: nothing after it runs, in any enclosing script.
    exited: bool,
    /// Set when a loop cannot end: nothing after it runs.
    endless: Option<EndlessLoop>,
}

/// Delimits a variable reference inside a tokenized word; NUL cannot occur in
/// an argv, so it never collides with literal text.
const VARIABLE_MARK: char = '\0';

fn variable_reference(name: &str) -> String {
    format!("{VARIABLE_MARK}{name}{VARIABLE_MARK}")
}

/// A token of a `sh -c` script.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Sequence,
    And,
    Or,
    Pipe,
    /// `>/dev/null`, `2>/dev/null`, `2>&1`, `&>/dev/null`, ...: (fd, target).
    Redirect(u8, String),
}

impl<'a> Shell<'a> {
    fn new(environment: &'a ExecEnvironment, unknown_programs: UnknownProgram) -> Shell<'a> {
        Shell {
            environment,
            variables: environment.variables(),
            depth: 0,
            unknown_programs,
            slept: 0.0,
            exited: false,
            endless: None,
        }
    }

    /// Whether the script must stop here (`exit`, or a loop that never ends).
    fn stopped(&self) -> bool {
        self.exited || self.endless.is_some()
    }

    fn run_argv(&mut self, argv: &[String], stdin: &[u8]) -> ExecOutcome {
        let Some((program, arguments)) = argv.split_first() else {
            return ExecOutcome::fail(127, "sh: : not found\n");
        };
        let base = program.rsplit('/').next().unwrap_or(program);
        let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
        match base {
            "sh" | "bash" | "ash" | "dash" => self.shell(&arguments, stdin),
            "echo" => echo(&arguments),
            "printf" => printf(&arguments),
            "env" | "printenv" => self.env(base, &arguments),
            "hostname" => {
                if arguments.contains(&"-i") {
                    ExecOutcome::ok(format!("{}\n", self.environment.pod_ip))
                } else {
                    ExecOutcome::ok(format!("{}\n", self.environment.hostname))
                }
            }
            "cat" => self.cat(&arguments, stdin),
            "ls" => self.ls(&arguments),
            "pwd" => ExecOutcome::ok("/\n"),
            "whoami" => ExecOutcome::ok("root\n"),
            "id" => ExecOutcome::ok("uid=0(root) gid=0(root) groups=0(root)\n"),
            "uname" => {
                if arguments.contains(&"-a") {
                    ExecOutcome::ok(format!(
                        "Linux {} 6.1.112-122.189.amzn2023.x86_64 #1 SMP x86_64 GNU/Linux\n",
                        self.environment.hostname
                    ))
                } else {
                    ExecOutcome::ok("Linux\n")
                }
            }
            "date" => ExecOutcome::ok(format!("{}\n", date_command(self.environment.now))),
            "true" | ":" => ExecOutcome::default(),
            "false" => ExecOutcome::fail(1, ""),
            "exit" => {
                let code = arguments
                    .first()
                    .and_then(|code| code.parse::<i32>().ok())
                    .unwrap_or(0);
                self.exited = true;
                ExecOutcome {
                    exit_code: code & 0xff,
                    ..ExecOutcome::default()
                }
            }
            "sleep" => match arguments.first().map(|seconds| seconds.parse::<f64>()) {
                Some(Ok(seconds)) => {
                    self.slept += seconds.max(0.0);
                    ExecOutcome::default()
                }
                _ => ExecOutcome::fail(1, "sleep: invalid number\n"),
            },
            "ps" => self.ps(),
            "nslookup" => self.nslookup(&arguments),
            "getent" => self.getent(&arguments),
            "wget" => self.wget(&arguments),
            "curl" => self.curl(&arguments),
            "grep" => grep(&arguments, stdin),
            "head" => head(&arguments, stdin),
            "wc" => wc(&arguments, stdin),
            "nc" | "netcat" => self.nc(&arguments),
            "pg_isready" => self.pg_isready(&arguments),
            _ if self.unknown_programs == UnknownProgram::Succeeds => ExecOutcome::default(),
            _ => ExecOutcome::fail(127, format!("sh: {program}: not found\n")),
        }
    }

    fn shell(&mut self, arguments: &[&str], stdin: &[u8]) -> ExecOutcome {
        match arguments {
            ["-c", script, ..] => {
                if self.depth >= MAX_SHELL_DEPTH {
                    return ExecOutcome::fail(2, "sh: too many nested shells\n");
                }
                self.depth += 1;
                let outcome = self.script(script);
                self.depth -= 1;
                outcome
            }
            [] => {
                // `kubectl exec -i pod -- sh` with a script on standard input.
                let script = String::from_utf8_lossy(stdin).into_owned();
                self.script(&script)
            }
            [flag, ..] => ExecOutcome::fail(
                2,
                format!("sh: {flag}: unsupported option (the simulator's sh takes -c SCRIPT)\n"),
            ),
        }
    }

    /// Runs a script: pipelines joined by `;`, `&&`, `||` and newlines.
    fn script(&mut self, script: &str) -> ExecOutcome {
        match self.tokenize(script) {
            Ok(tokens) => self.run_tokens(&tokens),
            Err(problem) => ExecOutcome::fail(2, format!("sh: syntax error: {problem}\n")),
        }
    }

    /// Runs tokenized commands: pipelines and `until`/`while` loops joined
    /// by `;`, `&&`, `||` and newlines.
    fn run_tokens(&mut self, tokens: &[Token]) -> ExecOutcome {
        let mut total = ExecOutcome::default();
        let mut last_status = 0;
        let mut pipeline: Vec<Vec<Token>> = vec![Vec::new()];
        let mut connector = Token::Sequence;
        let mut index = 0;
        // POSIX: `a && b || c` runs c when a or b failed; a skipped
        // command leaves the last status as it was.
        let runs = |connector: &Token, last_status: i32| match connector {
            Token::And => last_status == 0,
            Token::Or => last_status != 0,
            _ => true,
        };
        loop {
            let at_command_start = pipeline.len() == 1 && pipeline[0].is_empty();
            if at_command_start
                && let Some(Token::Word(keyword)) = tokens.get(index)
                && (keyword == "until" || keyword == "while")
            {
                let Some((do_at, done_at)) = loop_bounds(tokens, index) else {
                    return ExecOutcome::fail(
                        2,
                        format!("sh: syntax error: `{keyword}` without `do ... done`\n"),
                    );
                };
                if runs(&connector, last_status) {
                    let outcome = self.run_loop(
                        keyword == "until",
                        &tokens[index + 1..do_at],
                        &tokens[do_at + 1..done_at],
                    );
                    last_status = self.merge_status(&mut total, outcome);
                    if self.stopped() {
                        return total;
                    }
                }
                index = done_at + 1;
                match tokens.get(index) {
                    None => break,
                    Some(token @ (Token::Sequence | Token::And | Token::Or)) => {
                        connector = token.clone();
                        index += 1;
                        continue;
                    }
                    Some(_) => {
                        return ExecOutcome::fail(
                            2,
                            "sh: syntax error: unexpected word after `done`\n",
                        );
                    }
                }
            }
            let separator = tokens.get(index).cloned();
            index += 1;
            let separator = match separator {
                Some(Token::Pipe) => {
                    pipeline.push(Vec::new());
                    continue;
                }
                Some(token @ (Token::Word(_) | Token::Redirect(..))) => {
                    if let Some(command) = pipeline.last_mut() {
                        command.push(token);
                    }
                    continue;
                }
                other => other,
            };
            let commands = std::mem::replace(&mut pipeline, vec![Vec::new()]);
            if commands.iter().any(|command| !command.is_empty()) && runs(&connector, last_status) {
                let outcome = self.pipeline(&commands);
                last_status = self.merge_status(&mut total, outcome);
                if self.stopped() {
                    return total;
                }
            }
            match separator {
                Some(token) => connector = token,
                None => break,
            }
        }
        total.exit_code = last_status;
        total
    }

    /// Adds one command's (pipeline's or loop's) output to the script's and
    /// makes its status the script's: `total.exit_code` and `$?` both hold
    /// it, so a script stopped right after (`exit`, an endless loop) ends
    /// with it. Returns that status.
    fn merge_status(&mut self, total: &mut ExecOutcome, outcome: ExecOutcome) -> i32 {
        total.stdout.extend(outcome.stdout);
        total.stderr.extend(outcome.stderr);
        total.exit_code = outcome.exit_code;
        self.variables
            .insert("?".to_string(), outcome.exit_code.to_string());
        outcome.exit_code
    }

    /// `until CONDITION; do BODY; done` (or `while`). The cluster does not
    /// change while the script runs, so when the first test does not end the
    /// loop, no later one would: after one pass of the body the loop is
    /// recorded as endless and the script stops there.
    fn run_loop(&mut self, until: bool, condition: &[Token], body: &[Token]) -> ExecOutcome {
        let slept_before = self.slept;
        let test = self.run_tokens(condition);
        if self.stopped() {
            return test;
        }
        if (test.exit_code == 0) == until {
            // The loop ends before its body runs: its status is 0.
            return ExecOutcome {
                exit_code: 0,
                ..test
            };
        }
        let pass = self.run_tokens(body);
        if self.stopped() {
            let mut outcome = test;
            outcome.stdout.extend(pass.stdout);
            outcome.stderr.extend(pass.stderr);
            outcome.exit_code = pass.exit_code;
            return outcome;
        }
        let mut pass_output = test.stdout;
        pass_output.extend(test.stderr);
        pass_output.extend(pass.stdout);
        pass_output.extend(pass.stderr);
        let period = Duration::from_secs_f64((self.slept - slept_before).max(1.0));
        self.endless = Some(EndlessLoop {
            pass_output,
            period,
        });
        ExecOutcome::default()
    }

    /// Runs `a | b | c`, each command's stdout feeding the next one's stdin.
    fn pipeline(&mut self, commands: &[Vec<Token>]) -> ExecOutcome {
        let mut input: Vec<u8> = Vec::new();
        let mut stderr = Vec::new();
        let mut outcome = ExecOutcome::default();
        for (position, command) in commands.iter().enumerate() {
            let words: Vec<String> = command
                .iter()
                .filter_map(|token| match token {
                    Token::Word(word) => Some(self.expand(word)),
                    _ => None,
                })
                .collect();
            outcome = if words.is_empty() {
                ExecOutcome::fail(2, "sh: syntax error: empty command in a pipeline\n")
            } else {
                self.run_argv(&words, &input)
            };
            for token in command {
                if let Token::Redirect(fd, target) = token {
                    match (fd, target.as_str()) {
                        (1, "/dev/null") => outcome.stdout.clear(),
                        (2, "/dev/null") => outcome.stderr.clear(),
                        (2, "&1") => {
                            let moved = std::mem::take(&mut outcome.stderr);
                            outcome.stdout.extend(moved);
                        }
                        (1, "&2") => {
                            let moved = std::mem::take(&mut outcome.stdout);
                            outcome.stderr.extend(moved);
                        }
                        (0, "/dev/null") => {
                            outcome.stdout.clear();
                            outcome.stderr.clear();
                        }
                        (_, path) => {
                            return ExecOutcome::fail(
                                1,
                                format!("sh: can't create {path}: Read-only file system\n"),
                            );
                        }
                    }
                }
            }
            stderr.extend(std::mem::take(&mut outcome.stderr));
            if position + 1 < commands.len() {
                input = std::mem::take(&mut outcome.stdout);
            }
        }
        outcome.stderr = stderr;
        outcome
    }

    /// Replaces the variable references of a word by their current values.
    fn expand(&self, word: &str) -> String {
        let mut expanded = String::with_capacity(word.len());
        let mut parts = word.split(VARIABLE_MARK);
        if let Some(literal) = parts.next() {
            expanded.push_str(literal);
        }
        while let (Some(name), Some(literal)) = (parts.next(), parts.next()) {
            expanded.push_str(&self.expand_variable(name));
            expanded.push_str(literal);
        }
        expanded
    }

    fn expand_variable(&self, name: &str) -> String {
        match name {
            "$" => "1".to_string(),
            _ => self.variables.get(name).cloned().unwrap_or_default(),
        }
    }

    /// Splits a script into words and operators, with quoting and `$VAR`.
    fn tokenize(&self, script: &str) -> Result<Vec<Token>, String> {
        let mut tokens = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut chars = script.chars().peekable();
        let finish = |word: &mut String, in_word: &mut bool, tokens: &mut Vec<Token>| {
            if *in_word {
                tokens.push(Token::Word(std::mem::take(word)));
                *in_word = false;
            }
        };
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => finish(&mut word, &mut in_word, &mut tokens),
                '\n' | ';' => {
                    finish(&mut word, &mut in_word, &mut tokens);
                    tokens.push(Token::Sequence);
                }
                '#' if !in_word => {
                    for next in chars.by_ref() {
                        if next == '\n' {
                            tokens.push(Token::Sequence);
                            break;
                        }
                    }
                }
                '&' => {
                    finish(&mut word, &mut in_word, &mut tokens);
                    match chars.peek() {
                        Some('&') => {
                            chars.next();
                            tokens.push(Token::And);
                        }
                        Some('>') => {
                            chars.next();
                            let target = self.redirect_target(&mut chars)?;
                            tokens.push(Token::Redirect(0, target));
                        }
                        _ => return Err("background jobs (&) are not supported".to_string()),
                    }
                }
                '|' => {
                    finish(&mut word, &mut in_word, &mut tokens);
                    if chars.peek() == Some(&'|') {
                        chars.next();
                        tokens.push(Token::Or);
                    } else {
                        tokens.push(Token::Pipe);
                    }
                }
                '>' => {
                    let fd = if in_word && (word == "1" || word == "2") {
                        let fd = if word == "2" { 2 } else { 1 };
                        word.clear();
                        in_word = false;
                        fd
                    } else {
                        finish(&mut word, &mut in_word, &mut tokens);
                        1
                    };
                    if chars.peek() == Some(&'>') {
                        chars.next();
                    }
                    let target = self.redirect_target(&mut chars)?;
                    tokens.push(Token::Redirect(fd, target));
                }
                '\'' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(inner) => word.push(inner),
                            None => return Err("unterminated quoted string".to_string()),
                        }
                    }
                }
                '"' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                                Some(other) => {
                                    word.push('\\');
                                    word.push(other);
                                }
                                None => return Err("unterminated quoted string".to_string()),
                            },
                            Some('$') => word.push_str(&self.read_variable(&mut chars)),
                            Some(inner) => word.push(inner),
                            None => return Err("unterminated quoted string".to_string()),
                        }
                    }
                }
                '\\' => {
                    in_word = true;
                    if let Some(escaped) = chars.next()
                        && escaped != '\n'
                    {
                        word.push(escaped);
                    }
                }
                '$' => {
                    in_word = true;
                    word.push_str(&self.read_variable(&mut chars));
                }
                other => {
                    in_word = true;
                    word.push(other);
                }
            }
        }
        finish(&mut word, &mut in_word, &mut tokens);
        Ok(tokens)
    }

    fn redirect_target(
        &self,
        chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    ) -> Result<String, String> {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let mut target = String::new();
        while let Some(&next) = chars.peek() {
            if next.is_whitespace()
                || matches!(next, ';' | '|' | '&') && !(target.is_empty() && next == '&')
            {
                break;
            }
            target.push(next);
            chars.next();
        }
        if target.is_empty() {
            Err("a redirection needs a target".to_string())
        } else {
            Ok(target)
        }
    }

    /// Reads `$NAME`, `${NAME}`, `$?` after the `$`, as a reference that
    /// [`Shell::expand`] resolves when the command runs (so `false; echo $?`
    /// sees the status of `false`).
    fn read_variable(&self, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
        match chars.peek().copied() {
            Some('{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                variable_reference(&name)
            }
            Some(special @ ('?' | '$')) => {
                chars.next();
                variable_reference(&special.to_string())
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                variable_reference(&name)
            }
            _ => "$".to_string(),
        }
    }

    fn env(&self, program: &str, arguments: &[&str]) -> ExecOutcome {
        if program == "printenv"
            && let Some(name) = arguments.first()
        {
            return match self.variables.get(*name) {
                Some(value) => ExecOutcome::ok(format!("{value}\n")),
                None => ExecOutcome::fail(1, ""),
            };
        }
        let listing: String = self
            .variables
            .iter()
            .filter(|(key, _)| key.as_str() != "?")
            .map(|(key, value)| format!("{key}={value}\n"))
            .collect();
        ExecOutcome::ok(listing)
    }

    fn cat(&self, arguments: &[&str], stdin: &[u8]) -> ExecOutcome {
        let paths: Vec<&&str> = arguments
            .iter()
            .filter(|argument| !argument.starts_with('-') || **argument == "-")
            .collect();
        if paths.is_empty() {
            return ExecOutcome::ok(stdin.to_vec());
        }
        let mut outcome = ExecOutcome::default();
        for path in paths {
            if *path == "-" {
                outcome.stdout.extend_from_slice(stdin);
                continue;
            }
            match self.environment.file(path) {
                Some(content) => outcome.stdout.extend(content.into_bytes()),
                None if self.environment.directory(path).is_some() => {
                    outcome
                        .stderr
                        .extend(b"cat: read error: Is a directory\n".to_vec());
                    outcome.exit_code = 1;
                }
                None => {
                    outcome.stderr.extend(
                        format!("cat: can't open '{path}': No such file or directory\n")
                            .into_bytes(),
                    );
                    outcome.exit_code = 1;
                }
            }
        }
        outcome
    }

    fn ls(&self, arguments: &[&str]) -> ExecOutcome {
        let long = arguments
            .iter()
            .any(|argument| argument.starts_with('-') && argument.contains('l'));
        let paths: Vec<&str> = arguments
            .iter()
            .copied()
            .filter(|argument| !argument.starts_with('-'))
            .collect();
        let paths = if paths.is_empty() { vec!["/"] } else { paths };
        let mut outcome = ExecOutcome::default();
        let several = paths.len() > 1;
        for (position, path) in paths.iter().enumerate() {
            if let Some(entries) = self.environment.directory(path) {
                if several {
                    outcome.stdout.extend(
                        format!("{}{path}:\n", if position > 0 { "\n" } else { "" }).into_bytes(),
                    );
                }
                for entry in entries {
                    let line = if long {
                        let is_dir = self
                            .environment
                            .directory(&format!("{path}/{entry}"))
                            .is_some()
                            || self.environment.file(&format!("{path}/{entry}")).is_none();
                        let mode = if is_dir { "drwxr-xr-x" } else { "-rw-r--r--" };
                        format!("{mode}    1 root     root          4096 Nov 25 06:10 {entry}\n")
                    } else {
                        format!("{entry}\n")
                    };
                    outcome.stdout.extend(line.into_bytes());
                }
            } else if self.environment.file(path).is_some() {
                outcome.stdout.extend(format!("{path}\n").into_bytes());
            } else {
                outcome
                    .stderr
                    .extend(format!("ls: {path}: No such file or directory\n").into_bytes());
                outcome.exit_code = 1;
            }
        }
        outcome
    }

    fn ps(&self) -> ExecOutcome {
        ExecOutcome::ok(format!(
            "PID   USER     TIME  COMMAND\n    1 root      0:02 {}\n   47 root      0:00 ps\n",
            self.environment.main_process
        ))
    }

    fn nslookup(&self, arguments: &[&str]) -> ExecOutcome {
        let Some(name) = arguments.iter().find(|argument| !argument.starts_with('-')) else {
            return ExecOutcome::fail(
                1,
                "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n",
            );
        };
        let server = &self.environment.dns_server;
        if !self.environment.dns_answers && self.environment.needs_dns(name) {
            return ExecOutcome {
                stdout: b";; connection timed out; no servers could be reached\n\n".to_vec(),
                stderr: Vec::new(),
                exit_code: 1,
            };
        }
        let header = format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n");
        match self.environment.resolve(name) {
            Some((fqdn, addresses)) => {
                let answers: String = addresses
                    .iter()
                    .map(|address| format!("Name:\t{fqdn}\nAddress: {address}\n"))
                    .collect();
                ExecOutcome::ok(format!("{header}{answers}\n"))
            }
            None => {
                let fqdn = if name.contains('.') {
                    name.trim_end_matches('.').to_string()
                } else {
                    format!("{name}.{}", self.environment.search_domains()[0])
                };
                ExecOutcome {
                    stdout: format!("{header}** server can't find {fqdn}: NXDOMAIN\n\n")
                        .into_bytes(),
                    stderr: Vec::new(),
                    exit_code: 1,
                }
            }
        }
    }

    fn getent(&self, arguments: &[&str]) -> ExecOutcome {
        match arguments {
            ["hosts", names @ ..] if !names.is_empty() => {
                let mut outcome = ExecOutcome::default();
                for name in names {
                    match self.environment.resolve(name) {
                        Some((fqdn, addresses)) => {
                            for address in addresses {
                                outcome
                                    .stdout
                                    .extend(format!("{address:<15} {fqdn}\n").into_bytes());
                            }
                        }
                        // getent's "key not found" status.
                        None => outcome.exit_code = 2,
                    }
                }
                outcome
            }
            ["hosts"] => ExecOutcome::ok(self.environment.file("/etc/hosts").unwrap_or_default()),
            [database, ..] => ExecOutcome::fail(1, format!("Unknown database: {database}\n")),
            [] => ExecOutcome::fail(1, "Usage: getent DATABASE [KEY]...\n"),
        }
    }

    fn wget(&self, arguments: &[&str]) -> ExecOutcome {
        let mut to_stdout = false;
        let mut quiet = false;
        let mut spider = false;
        let mut url = None;
        let mut iterator = arguments.iter();
        while let Some(argument) = iterator.next() {
            match *argument {
                "-q" | "--quiet" => quiet = true,
                "-O-" | "-qO-" => {
                    to_stdout = true;
                    quiet |= *argument == "-qO-";
                }
                "-O" => to_stdout = iterator.next() == Some(&"-"),
                "--spider" => spider = true,
                "-T" | "--timeout" | "-U" | "--header" => {
                    iterator.next();
                }
                flag if flag.starts_with('-') => {}
                other => url = Some(other),
            }
        }
        let Some(url) = url else {
            return ExecOutcome::fail(
                1,
                "BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-T SEC] URL...\n",
            );
        };
        let Some((host, port, path)) = parse_url(url) else {
            return ExecOutcome::fail(1, format!("wget: not an http or ftp url: {url}\n"));
        };
        let Some((_, addresses)) = self.environment.resolve(&host) else {
            return ExecOutcome::fail(1, format!("wget: bad address '{host}'\n"));
        };
        let ip = &addresses[0];
        let connecting = if quiet {
            String::new()
        } else {
            format!("Connecting to {host}:{port} ({ip}:{port})\n")
        };
        match self.environment.connect(ip, port) {
            Connection::Answered { service, endpoint } => {
                let body = http_body(service, endpoint, &path);
                if spider {
                    return ExecOutcome {
                        stdout: Vec::new(),
                        stderr: format!(
                            "{connecting}{}",
                            if quiet { "" } else { "remote file exists\n" }
                        )
                        .into_bytes(),
                        exit_code: 0,
                    };
                }
                if to_stdout {
                    ExecOutcome {
                        stdout: body.into_bytes(),
                        stderr: if quiet {
                            Vec::new()
                        } else {
                            format!("{connecting}writing to stdout\n-                    100% |********************************|    {}  0:00:00 ETA\nwritten to stdout\n", body_len(&path, service, endpoint)).into_bytes()
                        },
                        exit_code: 0,
                    }
                } else {
                    ExecOutcome {
                        stdout: Vec::new(),
                        stderr: if quiet {
                            Vec::new()
                        } else {
                            format!("{connecting}saving to 'index.html'\nindex.html           100% |********************************|    {}  0:00:00 ETA\n'index.html' saved\n", body_len(&path, service, endpoint)).into_bytes()
                        },
                        exit_code: 0,
                    }
                }
            }
            Connection::Refused => ExecOutcome::fail(
                1,
                format!(
                    "{connecting}wget: can't connect to remote host ({ip}): Connection refused\n"
                ),
            ),
            Connection::TimedOut => {
                ExecOutcome::fail(1, format!("{connecting}wget: download timed out\n"))
            }
        }
    }

    /// `nc -z [-v] [-w SECONDS] HOST PORT`: whether something answers on the
    /// port, as BusyBox's netcat reports it.
    fn nc(&self, arguments: &[&str]) -> ExecOutcome {
        let mut verbose = false;
        let mut words = Vec::new();
        let mut iterator = arguments.iter();
        while let Some(argument) = iterator.next() {
            match *argument {
                "-w" | "-i" | "-p" | "-s" => {
                    iterator.next();
                }
                flag if flag.starts_with('-') => verbose |= flag.contains('v'),
                word => words.push(word),
            }
        }
        let [host, port] = words.as_slice() else {
            return ExecOutcome::fail(
                1,
                "BusyBox v1.36.1 multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT\n",
            );
        };
        let Ok(port) = port.parse::<u16>() else {
            return ExecOutcome::fail(1, format!("nc: bad port '{port}'\n"));
        };
        let Some((_, addresses)) = self.environment.resolve(host) else {
            return ExecOutcome::fail(1, format!("nc: bad address '{host}'\n"));
        };
        let ip = &addresses[0];
        match self.environment.connect(ip, port) {
            Connection::Answered { .. } => ExecOutcome {
                stderr: if verbose {
                    format!("{host} ({ip}:{port}) open\n").into_bytes()
                } else {
                    Vec::new()
                },
                ..ExecOutcome::default()
            },
            Connection::Refused => ExecOutcome::fail(
                1,
                if verbose {
                    format!("nc: {host} ({ip}:{port}): Connection refused\n")
                } else {
                    String::new()
                },
            ),
            Connection::TimedOut => ExecOutcome::fail(1, "nc: timed out\n"),
        }
    }

    /// `pg_isready [-h HOST] [-p PORT]`: PostgreSQL's readiness check
    /// (exit 0 accepting, 2 no response).
    fn pg_isready(&self, arguments: &[&str]) -> ExecOutcome {
        let mut host = "/var/run/postgresql".to_string();
        let mut port = 5432_u16;
        let mut iterator = arguments.iter();
        while let Some(argument) = iterator.next() {
            let (flag, inline) = match argument.split_once('=') {
                Some((flag, value)) => (flag, Some(value)),
                None => (*argument, None),
            };
            let mut value = || inline.or_else(|| iterator.next().copied());
            match flag {
                "-h" | "--host" => host = value().unwrap_or_default().to_string(),
                "-p" | "--port" => port = value().and_then(|p| p.parse().ok()).unwrap_or(port),
                "-U" | "--username" | "-d" | "--dbname" | "-t" | "--timeout" => {
                    value();
                }
                _ => {}
            }
        }
        let accepting = self
            .environment
            .resolve(&host)
            .is_some_and(|(_, addresses)| {
                matches!(
                    self.environment.connect(&addresses[0], port),
                    Connection::Answered { .. }
                )
            });
        if accepting {
            ExecOutcome::ok(format!("{host}:{port} - accepting connections\n"))
        } else {
            ExecOutcome {
                stdout: format!("{host}:{port} - no response\n").into_bytes(),
                stderr: Vec::new(),
                exit_code: 2,
            }
        }
    }

    fn curl(&self, arguments: &[&str]) -> ExecOutcome {
        let mut silent = false;
        let mut show_error = false;
        let mut head_only = false;
        let mut output_to_null = false;
        let mut write_out: Option<String> = None;
        // How long a connection nobody answers is waited for, in seconds:
        // the `-m`/`--connect-timeout` given, else the wait the message
        // has always shown.
        let mut timeout_seconds: Option<f64> = None;
        let mut url = None;
        let mut iterator = arguments.iter();
        while let Some(argument) = iterator.next() {
            match *argument {
                "-o" | "--output" => {
                    output_to_null = iterator.next().is_some_and(|target| *target == "/dev/null")
                }
                "-w" | "--write-out" => {
                    write_out = iterator.next().map(|format| format.to_string())
                }
                "-m" | "--max-time" | "--connect-timeout" => {
                    timeout_seconds = iterator
                        .next()
                        .and_then(|seconds| seconds.parse().ok())
                        .or(timeout_seconds);
                }
                "-H" | "--header" | "-X" | "--request" | "-A" => {
                    iterator.next();
                }
                "-I" | "--head" => head_only = true,
                flag if flag.starts_with("--") => match flag {
                    "--silent" => silent = true,
                    "--show-error" => show_error = true,
                    _ => {}
                },
                flag if flag.starts_with('-') => {
                    silent |= flag.contains('s');
                    show_error |= flag.contains('S');
                    head_only |= flag.contains('I');
                }
                other => url = Some(other),
            }
        }
        let error = |code: i32, message: String| {
            let stderr = if silent && !show_error {
                String::new()
            } else {
                format!("curl: ({code}) {message}\n")
            };
            ExecOutcome::fail(code, stderr)
        };
        let Some(url) = url else {
            return error(2, "no URL specified".to_string());
        };
        let Some((host, port, path)) = parse_url(url) else {
            return error(
                1,
                format!("Protocol not supported or disabled in libcurl: {url}"),
            );
        };
        let Some((_, addresses)) = self.environment.resolve(&host) else {
            return error(6, format!("Could not resolve host: {host}"));
        };
        let ip = &addresses[0];
        match self.environment.connect(ip, port) {
            Connection::Answered { service, endpoint } => {
                let body = http_body(service, endpoint, &path);
                let mut stdout = if head_only {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                } else {
                    body
                };
                if output_to_null {
                    stdout.clear();
                }
                if let Some(format) = write_out {
                    stdout.push_str(
                        &format
                            .replace("%{http_code}", "200")
                            .replace("%{remote_ip}", ip)
                            .replace("\\n", "\n"),
                    );
                }
                ExecOutcome::ok(stdout)
            }
            Connection::Refused => error(
                7,
                format!(
                    "Failed to connect to {host} port {port} after 2 ms: Couldn't connect to server"
                ),
            ),
            Connection::TimedOut => error(
                28,
                format!(
                    "Failed to connect to {host} port {port} after {} ms: Timeout was reached",
                    timeout_seconds.map_or(10_002, |seconds| (seconds * 1000.0) as u64 + 1)
                ),
            ),
        }
    }
}

/// Where the `do` and the matching `done` of the loop starting at `start`
/// are (nested loops skipped), counting only words in command position.
fn loop_bounds(tokens: &[Token], start: usize) -> Option<(usize, usize)> {
    let mut depth = 0_usize;
    let mut do_at = None;
    // The condition's first word is a command.
    let mut at_command_start = true;
    for (index, token) in tokens.iter().enumerate().skip(start + 1) {
        match token {
            Token::Word(word) if at_command_start => {
                match word.as_str() {
                    "until" | "while" => depth += 1,
                    "do" if depth == 0 && do_at.is_none() => {
                        do_at = Some(index);
                        // `do` starts a command list: its first word is a command.
                        continue;
                    }
                    "done" if depth == 0 => return do_at.map(|do_at| (do_at, index)),
                    "done" => depth -= 1,
                    _ => {}
                }
                at_command_start = false;
            }
            Token::Word(_) | Token::Redirect(..) => at_command_start = false,
            Token::Sequence | Token::And | Token::Or | Token::Pipe => at_command_start = true,
        }
    }
    None
}

fn body_len(path: &str, service: &ServiceRecord, endpoint: &Endpoint) -> usize {
    http_body(service, endpoint, path).len()
}

fn echo(arguments: &[&str]) -> ExecOutcome {
    let (newline, words) = match arguments.first() {
        Some(&"-n") => (false, &arguments[1..]),
        _ => (true, arguments),
    };
    let mut line = words.join(" ");
    if newline {
        line.push('\n');
    }
    ExecOutcome::ok(line)
}

fn printf(arguments: &[&str]) -> ExecOutcome {
    let Some((format, values)) = arguments.split_first() else {
        return ExecOutcome::fail(1, "printf: usage: printf FORMAT [ARGUMENT...]\n");
    };
    let mut values = values.iter();
    let mut output = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => output.push('\n'),
                Some('t') => output.push('\t'),
                Some(other) => output.push(other),
                None => output.push('\\'),
            },
            '%' => match chars.next() {
                Some('s' | 'd') => output.push_str(values.next().copied().unwrap_or_default()),
                Some('%') => output.push('%'),
                Some(other) => {
                    output.push('%');
                    output.push(other);
                }
                None => output.push('%'),
            },
            other => output.push(other),
        }
    }
    ExecOutcome::ok(output)
}

fn grep(arguments: &[&str], stdin: &[u8]) -> ExecOutcome {
    let ignore_case = arguments
        .iter()
        .any(|a| a.starts_with('-') && a.contains('i'));
    let invert = arguments
        .iter()
        .any(|a| a.starts_with('-') && a.contains('v'));
    let quiet = arguments
        .iter()
        .any(|a| a.starts_with('-') && a.contains('q'));
    let Some(pattern) = arguments.iter().find(|a| !a.starts_with('-')) else {
        return ExecOutcome::fail(2, "Usage: grep [-ivq] PATTERN\n");
    };
    let pattern = if ignore_case {
        pattern.to_lowercase()
    } else {
        pattern.to_string()
    };
    let text = String::from_utf8_lossy(stdin);
    let matches: String = text
        .lines()
        .filter(|line| {
            let haystack = if ignore_case {
                line.to_lowercase()
            } else {
                line.to_string()
            };
            haystack.contains(&pattern) != invert
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let exit_code = if matches.is_empty() { 1 } else { 0 };
    ExecOutcome {
        stdout: if quiet {
            Vec::new()
        } else {
            matches.into_bytes()
        },
        stderr: Vec::new(),
        exit_code,
    }
}

fn head(arguments: &[&str], stdin: &[u8]) -> ExecOutcome {
    let count = match arguments {
        ["-n", count, ..] => count.parse().unwrap_or(10),
        [flag, ..] if flag.starts_with('-') => {
            flag[1..].trim_start_matches('n').parse().unwrap_or(10)
        }
        _ => 10,
    };
    let text = String::from_utf8_lossy(stdin);
    ExecOutcome::ok(
        text.lines()
            .take(count)
            .map(|line| format!("{line}\n"))
            .collect::<String>(),
    )
}

fn wc(arguments: &[&str], stdin: &[u8]) -> ExecOutcome {
    let text = String::from_utf8_lossy(stdin);
    let lines = text.matches('\n').count();
    if arguments.contains(&"-l") {
        ExecOutcome::ok(format!("{lines}\n"))
    } else {
        ExecOutcome::ok(format!(
            "{lines:>7} {:>7} {:>7}\n",
            text.split_whitespace().count(),
            stdin.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;

    fn environment() -> ExecEnvironment {
        ExecEnvironment {
            pod_name: "web-7d9f8b6c5-x2x4q".to_string(),
            namespace: "production".to_string(),
            hostname: "web-7d9f8b6c5-x2x4q".to_string(),
            pod_ip: "10.244.1.7".to_string(),
            image: "nginx:1.27.2".to_string(),
            main_process: "nginx: master process nginx -g daemon off;".to_string(),
            container_env: vec![("LOG_LEVEL".to_string(), "info".to_string())],
            services: vec![
                ServiceRecord {
                    name: "kubernetes".to_string(),
                    namespace: "default".to_string(),
                    cluster_ip: Some("10.96.0.1".to_string()),
                    ports: vec![443],
                    endpoints: vec![Endpoint {
                        ip: "10.0.1.21".to_string(),
                        hostname: None,
                        pod_name: "kube-apiserver".to_string(),
                        dropped_service_ports: Vec::new(),
                        dropped_entirely: false,
                    }],
                },
                ServiceRecord {
                    name: "api-gateway".to_string(),
                    namespace: "production".to_string(),
                    cluster_ip: Some("10.96.77.12".to_string()),
                    ports: vec![8080],
                    endpoints: vec![Endpoint {
                        ip: "10.244.2.4".to_string(),
                        hostname: None,
                        pod_name: "api-gateway-6f7c9d8b5-abcde".to_string(),
                        dropped_service_ports: Vec::new(),
                        dropped_entirely: false,
                    }],
                },
                ServiceRecord {
                    name: "checkout".to_string(),
                    namespace: "production".to_string(),
                    cluster_ip: Some("10.96.201.7".to_string()),
                    ports: vec![8080],
                    endpoints: vec![],
                },
                ServiceRecord {
                    name: "postgres".to_string(),
                    namespace: "production".to_string(),
                    cluster_ip: None,
                    ports: vec![5432],
                    endpoints: vec![Endpoint {
                        ip: "10.244.3.9".to_string(),
                        hostname: Some("postgres-0".to_string()),
                        pod_name: "postgres-0".to_string(),
                        dropped_service_ports: Vec::new(),
                        dropped_entirely: false,
                    }],
                },
                ServiceRecord {
                    name: "payments".to_string(),
                    namespace: "production".to_string(),
                    cluster_ip: Some("10.96.55.5".to_string()),
                    ports: vec![80, 9090],
                    endpoints: vec![Endpoint {
                        ip: "10.244.2.30".to_string(),
                        hostname: None,
                        pod_name: "payments-5c6d7-a1b2c".to_string(),
                        dropped_service_ports: vec![80],
                        dropped_entirely: false,
                    }],
                },
                ServiceRecord {
                    name: "nginx".to_string(),
                    namespace: "staging".to_string(),
                    cluster_ip: Some("10.96.120.33".to_string()),
                    ports: vec![80],
                    endpoints: vec![Endpoint {
                        ip: "10.244.2.8".to_string(),
                        hostname: None,
                        pod_name: "nginx-5d8f-qwert".to_string(),
                        dropped_service_ports: Vec::new(),
                        dropped_entirely: false,
                    }],
                },
            ],
            dns_server: "10.96.0.10".to_string(),
            dns_answers: true,
            now: from_unix_seconds(1_795_596_253),
        }
    }

    fn exec(argv: &[&str]) -> (String, String, i32) {
        let argv: Vec<String> = argv.iter().map(|word| word.to_string()).collect();
        let outcome = run(&argv, b"", &environment());
        (
            String::from_utf8(outcome.stdout).expect("utf-8"),
            String::from_utf8(outcome.stderr).expect("utf-8"),
            outcome.exit_code,
        )
    }

    fn sh(script: &str) -> (String, String, i32) {
        exec(&["sh", "-c", script])
    }

    #[test]
    fn echo_hostname_and_unknown_commands() {
        assert_eq!(
            exec(&["echo", "hi"]),
            ("hi\n".to_string(), String::new(), 0)
        );
        assert_eq!(exec(&["hostname"]).0, "web-7d9f8b6c5-x2x4q\n");
        assert_eq!(exec(&["hostname", "-i"]).0, "10.244.1.7\n");
        assert_eq!(
            exec(&["frobnicate", "x"]),
            (
                String::new(),
                "sh: frobnicate: not found\n".to_string(),
                127
            )
        );
        assert_eq!(exec(&["/bin/false"]).2, 1);
        assert_eq!(exec(&["true"]).2, 0);
    }

    #[test]
    fn env_has_container_and_service_variables() {
        let (stdout, _, code) = exec(&["env"]);
        assert_eq!(code, 0);
        for expected in [
            "HOSTNAME=web-7d9f8b6c5-x2x4q\n",
            "LOG_LEVEL=info\n",
            "KUBERNETES_SERVICE_HOST=10.96.0.1\n",
            "KUBERNETES_SERVICE_PORT=443\n",
            "API_GATEWAY_SERVICE_HOST=10.96.77.12\n",
            "API_GATEWAY_PORT_8080_TCP=tcp://10.96.77.12:8080\n",
        ] {
            assert!(
                stdout.contains(expected),
                "{expected} missing from {stdout}"
            );
        }
        assert!(
            !stdout.contains("NGINX_SERVICE_HOST"),
            "other namespaces' services are not injected"
        );
        assert_eq!(exec(&["printenv", "LOG_LEVEL"]).0, "info\n");
    }

    #[test]
    fn cat_and_ls_show_the_container_files() {
        let (resolv, _, _) = exec(&["cat", "/etc/resolv.conf"]);
        assert_eq!(
            resolv,
            "search production.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        assert_eq!(exec(&["cat", "/etc/hostname"]).0, "web-7d9f8b6c5-x2x4q\n");
        assert!(
            exec(&["cat", "/etc/hosts"])
                .0
                .contains("10.244.1.7\tweb-7d9f8b6c5-x2x4q\n")
        );
        assert!(
            exec(&["cat", "/etc/os-release"])
                .0
                .contains("Debian GNU/Linux 12")
        );
        assert_eq!(
            exec(&[
                "cat",
                "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
            ])
            .0,
            "production"
        );
        assert_eq!(
            exec(&["cat", "/etc/shadow"]),
            (
                String::new(),
                "cat: can't open '/etc/shadow': No such file or directory\n".to_string(),
                1
            )
        );
        assert!(exec(&["ls", "/etc"]).0.contains("resolv.conf\n"));
        assert!(exec(&["ls"]).0.starts_with("bin\ndev\netc\n"));
        assert_eq!(exec(&["ls", "/nope"]).2, 1);
    }

    #[test]
    fn dns_resolves_services_with_the_search_path() {
        let (stdout, _, code) = exec(&["nslookup", "api-gateway"]);
        assert_eq!(code, 0);
        assert_eq!(
            stdout,
            "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tapi-gateway.production.svc.cluster.local\nAddress: 10.96.77.12\n\n"
        );
        assert_eq!(
            exec(&["getent", "hosts", "nginx.staging"]).0,
            "10.96.120.33    nginx.staging.svc.cluster.local\n"
        );
        assert_eq!(
            exec(&["getent", "hosts", "kubernetes.default.svc.cluster.local"]).0,
            "10.96.0.1       kubernetes.default.svc.cluster.local\n"
        );
        assert_eq!(
            exec(&["getent", "hosts", "postgres"]).0,
            "10.244.3.9      postgres.production.svc.cluster.local\n"
        );
        assert_eq!(
            exec(&["getent", "hosts", "postgres-0.postgres"]).0,
            "10.244.3.9      postgres-0.postgres.production.svc.cluster.local\n"
        );
        // nginx lives in staging, not in the pod's namespace.
        assert_eq!(
            exec(&["getent", "hosts", "nginx"]),
            (String::new(), String::new(), 2)
        );
        let (stdout, _, code) = exec(&["nslookup", "nope"]);
        assert_eq!(code, 1);
        assert!(
            stdout.contains("** server can't find nope.production.svc.cluster.local: NXDOMAIN"),
            "{stdout}"
        );
    }

    #[test]
    fn connectivity_checks_need_ready_endpoints() {
        let (stdout, _, code) = exec(&["wget", "-qO-", "http://api-gateway:8080/healthz"]);
        assert_eq!(code, 0);
        assert!(
            stdout.contains("\"service\":\"api-gateway.production\""),
            "{stdout}"
        );
        assert!(stdout.contains("\"pod\":\"api-gateway-6f7c9d8b5-abcde\""));
        let (_, stderr, code) = exec(&["wget", "-qO-", "http://checkout:8080/"]);
        assert_eq!(
            (stderr.as_str(), code),
            (
                "wget: can't connect to remote host (10.96.201.7): Connection refused\n",
                1
            )
        );
        assert_eq!(
            exec(&["wget", "-qO-", "http://nope/"]).1,
            "wget: bad address 'nope'\n"
        );
        assert_eq!(
            exec(&[
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://nginx.staging"
            ]),
            ("200".to_string(), String::new(), 0)
        );
        assert_eq!(exec(&["curl", "-sS", "http://checkout:8080"]).2, 7);
        assert_eq!(
            exec(&["curl", "http://nope.invalid"]),
            (
                String::new(),
                "curl: (6) Could not resolve host: nope.invalid\n".to_string(),
                6
            )
        );
        assert_eq!(exec(&["curl", "-s", "http://10.1.2.3:80/"]).2, 28);
    }

    #[test]
    fn a_connection_a_network_policy_drops_times_out() {
        // Port 80 is dropped for this pod, 9090 admitted.
        assert_eq!(
            exec(&["curl", "-sS", "-m", "5", "http://payments"]).2,
            28,
            "curl's timeout"
        );
        assert_eq!(
            exec(&["curl", "-sS", "--connect-timeout", "2", "http://payments"]).1,
            "curl: (28) Failed to connect to payments port 80 after 2001 ms: Timeout was reached\n"
        );
        assert_eq!(exec(&["curl", "-s", "http://payments:9090/"]).2, 0);
        assert_eq!(exec(&["nc", "-z", "payments", "80"]).1, "nc: timed out\n");
        // A pod that drops everything from this one times out on its own IP.
        let mut isolated = environment();
        isolated.services[4].endpoints[0].dropped_entirely = true;
        let argv: Vec<String> = ["nc", "-z", "10.244.2.30", "8080"]
            .iter()
            .map(|word| word.to_string())
            .collect();
        assert_eq!(run(&argv, b"", &isolated).exit_code, 1);
    }

    #[test]
    fn lookups_time_out_when_the_pods_dns_queries_are_dropped() {
        let mut cut_off = environment();
        cut_off.dns_answers = false;
        let run_in = |argv: &[&str]| {
            let argv: Vec<String> = argv.iter().map(|word| word.to_string()).collect();
            let outcome = run(&argv, b"", &cut_off);
            (
                String::from_utf8(outcome.stdout).expect("utf-8"),
                String::from_utf8(outcome.stderr).expect("utf-8"),
                outcome.exit_code,
            )
        };
        assert_eq!(
            run_in(&["nslookup", "api-gateway"]),
            (
                ";; connection timed out; no servers could be reached\n\n".to_string(),
                String::new(),
                1
            )
        );
        assert_eq!(
            run_in(&["curl", "-sS", "http://api-gateway:8080"]).1,
            "curl: (6) Could not resolve host: api-gateway\n"
        );
        // Addresses and the pod's own name need no DNS.
        assert_eq!(run_in(&["curl", "-s", "http://10.96.77.12:8080/"]).2, 0);
        assert_eq!(run_in(&["nslookup", "localhost"]).2, 0);
    }

    #[test]
    fn sh_runs_sequences_conditionals_pipes_and_redirects() {
        assert_eq!(sh("echo a; echo b").0, "a\nb\n");
        assert_eq!(sh("false && echo no || echo yes").0, "yes\n");
        assert_eq!(sh("true && echo yes").0, "yes\n");
        assert_eq!(sh("echo $HOSTNAME").0, "web-7d9f8b6c5-x2x4q\n");
        assert_eq!(
            sh("echo \"ns=${LOG_LEVEL}\" 'lit $HOME'").0,
            "ns=info lit $HOME\n"
        );
        assert_eq!(sh("false; echo $?").0, "1\n");
        assert_eq!(
            sh("exit 3; echo unreachable"),
            (String::new(), String::new(), 3)
        );
        assert_eq!(
            sh("cat /etc/hosts | grep localhost | head -n 1").0,
            "127.0.0.1\tlocalhost\n"
        );
        assert_eq!(
            sh("env | grep -c nothing-here >/dev/null || echo none").0,
            "none\n"
        );
        assert_eq!(sh("nope 2>/dev/null"), (String::new(), String::new(), 127));
        assert_eq!(sh("nope 2>&1").0, "sh: nope: not found\n");
        assert_eq!(
            sh("wget -qO- http://api-gateway:8080 >/dev/null && echo reachable").0,
            "reachable\n"
        );
        assert_eq!(
            sh("echo hi > /tmp/x").1,
            "sh: can't create /tmp/x: Read-only file system\n"
        );
        assert_eq!(sh("echo 'unterminated").2, 2);
        assert_eq!(
            sh("sh -c 'echo nested; exit 4'"),
            ("nested\n".to_string(), String::new(), 4)
        );
    }

    #[test]
    fn loops_end_when_their_test_says_so_and_an_endless_one_is_stopped() {
        assert_eq!(
            sh("until nslookup api-gateway >/dev/null; do echo waiting; done; echo up").0,
            "up\n"
        );
        assert_eq!(
            sh("while false; do echo never; done; echo after").0,
            "after\n"
        );
        assert_eq!(
            sh("until nc -z api-gateway 8080; do sleep 1; done && echo open").0,
            "open\n"
        );
        let (stdout, stderr, code) = sh(
            "echo start; until nc -z checkout 8080; do echo 'checkout not up'; sleep 2; done; echo unreachable",
        );
        assert_eq!(stdout, "start\ncheckout not up\n");
        assert_eq!(code, 130);
        assert!(stderr.contains("cannot end"), "{stderr}");
        assert_eq!(
            sh("until true; do echo x").2,
            2,
            "a loop without done is a syntax error"
        );
        assert_eq!(
            sh("pg_isready -h postgres -p 5432").0,
            "postgres:5432 - accepting connections\n"
        );
    }

    #[test]
    fn ps_date_and_standard_input() {
        assert!(
            exec(&["ps"])
                .0
                .contains("    1 root      0:02 nginx: master process nginx -g daemon off;\n")
        );
        assert_eq!(exec(&["date"]).0, "Wed Nov 25 08:44:13 UTC 2026\n");
        let argv = vec!["cat".to_string()];
        assert_eq!(run(&argv, b"piped", &environment()).stdout, b"piped");
        let argv = vec!["sh".to_string()];
        assert_eq!(
            run(&argv, b"echo from stdin\n", &environment()).stdout,
            b"from stdin\n"
        );
    }
}
