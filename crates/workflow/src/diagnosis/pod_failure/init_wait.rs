//! What an init container that never completes waits for: the hosts its
//! command checks (`until nslookup db`, `nc -z db 5432`, `pg_isready -h db`,
//! `wget http://api:8080/health`), read from its command line, and whether
//! each is a Service of the cluster with ready endpoints.
//!
//! Only what the command itself names is reported: a command that checks
//! nothing recognisable leaves the target unnamed rather than guessed.

use serde_json::{Value, json};

use super::Reads;
use crate::diagnosis::DiagnosisError;
use crate::diagnosis::reader::ClusterReader;

/// At most this many hosts of one command are looked up.
pub const MAX_WAITED_HOSTS: usize = 4;

/// At most this many Service names of the namespace are quoted next to a
/// missing one (the right name is often among them).
pub const MAX_LISTED_SERVICES: usize = 12;

/// A host (and port) an init container's command checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTarget {
    /// The program that checks it (`nslookup`, `nc`, ...).
    pub tool: String,
    /// The host as written in the command.
    pub host: String,
    /// The port, when the check names one.
    pub port: Option<u16>,
}

/// A waited-for host as the cluster answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitedService {
    /// What the command checks.
    pub target: WaitTarget,
    /// The Service the host names (its first DNS label).
    pub service: String,
    /// The namespace it is looked up in (the host's second label, else the pod's).
    pub namespace: String,
    /// Whether the Service exists.
    pub exists: bool,
    /// Ready addresses of its Endpoints, when the Service exists.
    pub ready_endpoints: Option<usize>,
    /// The ports the Service declares, when it exists.
    pub ports: Vec<u64>,
}

/// The words of a command line, split at shell separators.
fn words(command: &[String]) -> Vec<String> {
    command
        .join(" ")
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')' | '`'))
        .map(|word| word.trim_matches(|c| c == '"' || c == '\''))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// `http://api.shop:8080/health` → (`api.shop`, Some(8080)).
fn url_host(url: &str) -> Option<(String, Option<u16>)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit('@').next()?;
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok())),
        None => Some((authority.to_string(), None)),
    }
}

/// The hosts a command checks, in the order written, without repeats.
pub fn waited_hosts(command: &[String]) -> Vec<WaitTarget> {
    let words = words(command);
    let mut targets: Vec<WaitTarget> = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let tool = word.rsplit('/').next().unwrap_or(word);
        let rest = &words[index + 1..];
        let plain = |skip: &[&str]| -> Vec<&String> {
            let mut found = Vec::new();
            let mut iterator = rest.iter();
            while let Some(argument) = iterator.next() {
                if skip.contains(&argument.as_str()) {
                    iterator.next();
                } else if argument.starts_with('-') {
                } else {
                    found.push(argument);
                }
            }
            found
        };
        let flag_value = |flags: &[&str]| -> Option<String> {
            rest.iter().enumerate().find_map(|(at, argument)| {
                flags.iter().find_map(|flag| {
                    if argument == flag {
                        rest.get(at + 1).cloned()
                    } else {
                        argument
                            .strip_prefix(&format!("{flag}="))
                            .map(str::to_string)
                    }
                })
            })
        };
        let found = match tool {
            "nslookup" | "host" | "dig" => plain(&["-type", "-t"])
                .first()
                .map(|host| (host.to_string(), None)),
            "getent" if rest.first().map(String::as_str) == Some("hosts") => {
                rest.get(1).map(|host| (host.clone(), None))
            }
            "nc" | "netcat" | "ncat" | "telnet" => {
                let arguments = plain(&["-w", "-i", "-p", "-s"]);
                arguments.first().map(|host| {
                    (
                        host.to_string(),
                        arguments.get(1).and_then(|p| p.parse().ok()),
                    )
                })
            }
            "pg_isready" => flag_value(&["-h", "--host"]).map(|host| {
                let port = flag_value(&["-p", "--port"]).and_then(|port| port.parse().ok());
                (host, port.or(Some(5432)))
            }),
            "mysqladmin" | "redis-cli" => flag_value(&["-h", "--host"]).map(|host| {
                (
                    host,
                    flag_value(&["-P", "-p", "--port"]).and_then(|p| p.parse().ok()),
                )
            }),
            "wget" | "curl" => plain(&[
                "-T",
                "--timeout",
                "-O",
                "-o",
                "-H",
                "--header",
                "-m",
                "--max-time",
                "-U",
            ])
            .into_iter()
            .find(|argument| {
                argument.contains("://") || argument.contains('.') || argument.contains(':')
            })
            .and_then(|url| url_host(url)),
            _ => None,
        };
        if let Some((host, port)) = found
            && !host.is_empty()
            && host.parse::<std::net::IpAddr>().is_err()
            && !host.contains('$')
            && !targets.iter().any(|known| known.host == host)
        {
            targets.push(WaitTarget {
                tool: tool.to_string(),
                host,
                port,
            });
        }
    }
    targets.truncate(MAX_WAITED_HOSTS);
    targets
}

/// The Service and namespace a host names: `db` → (db, the pod's),
/// `db.data` and `db.data.svc.cluster.local` → (db, data).
pub fn service_of(host: &str, pod_namespace: &str) -> (String, String) {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    match labels.as_slice() {
        [service] => (service.to_string(), pod_namespace.to_string()),
        [service, namespace, ..] => (service.to_string(), namespace.to_string()),
        [] => (host.to_string(), pod_namespace.to_string()),
    }
}

/// The init container's command line (`command` then `args`).
pub fn command_of(spec: &Value) -> Vec<String> {
    ["command", "args"]
        .iter()
        .filter_map(|field| spec.get(*field).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// Looks up each host the init container's command checks, and lists the
/// Services of the pod's namespace when one of them is missing.
pub(super) async fn gather<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    spec: Option<&Value>,
    pod_namespace: &str,
) -> Result<(Vec<WaitedService>, Vec<String>), DiagnosisError> {
    let command = spec.map(command_of).unwrap_or_default();
    let mut waited = Vec::new();
    for target in waited_hosts(&command) {
        let (service, namespace) = service_of(&target.host, pod_namespace);
        let object = reads
            .get("v1", "Service", Some(&namespace), &service)
            .await?;
        let ready_endpoints = match &object {
            Some(_) => Some(
                reads
                    .get("v1", "Endpoints", Some(&namespace), &service)
                    .await?
                    .map_or(0, |endpoints| ready_addresses(&endpoints)),
            ),
            None => None,
        };
        let ports = object
            .as_ref()
            .and_then(|service| service.pointer("/spec/ports"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|port| port["port"].as_u64())
            .collect();
        waited.push(WaitedService {
            exists: object.is_some(),
            target,
            service,
            namespace,
            ready_endpoints,
            ports,
        });
    }
    let mut services = Vec::new();
    if waited.iter().any(|service| !service.exists) {
        services = reads
            .list_names("v1", "Service", Some(pod_namespace), None, None)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .take(MAX_LISTED_SERVICES)
            .collect();
    }
    Ok((waited, services))
}

/// Ready addresses of an Endpoints object.
fn ready_addresses(endpoints: &Value) -> usize {
    endpoints
        .pointer("/subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|subset| subset["addresses"].as_array().map_or(0, Vec::len))
        .sum()
}

/// A JSON-ish rendering of a command for quoting: `sh -c "until ..."`.
pub fn quote_command(command: &[String]) -> String {
    json!(command).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn hosts_are_read_from_the_usual_wait_loops() {
        let hosts = |command: &[&str]| -> Vec<(String, Option<u16>)> {
            waited_hosts(&argv(command))
                .into_iter()
                .map(|target| (target.host, target.port))
                .collect()
        };
        assert_eq!(
            hosts(&[
                "sh",
                "-c",
                "until nslookup ledger-db; do echo waiting; sleep 2; done"
            ]),
            vec![("ledger-db".to_string(), None)]
        );
        assert_eq!(
            hosts(&[
                "sh",
                "-c",
                "while ! nc -z -w 1 rabbitmq.queues 5672; do sleep 1; done"
            ]),
            vec![("rabbitmq.queues".to_string(), Some(5672))]
        );
        assert_eq!(
            hosts(&[
                "sh",
                "-c",
                "until pg_isready -h orders-pg -U app; do sleep 2; done"
            ]),
            vec![("orders-pg".to_string(), Some(5432))]
        );
        assert_eq!(
            hosts(&[
                "sh",
                "-c",
                "until wget -q -T 2 -O- http://search.catalog.svc.cluster.local:9200/_cluster/health; do sleep 5; done"
            ]),
            vec![("search.catalog.svc.cluster.local".to_string(), Some(9200))]
        );
        assert!(hosts(&["/app/migrate", "--up"]).is_empty());
        assert!(hosts(&["sh", "-c", "until nslookup $DB_HOST; do sleep 1; done"]).is_empty());
    }

    #[test]
    fn a_host_names_its_service_and_namespace() {
        assert_eq!(
            service_of("ledger-db", "payments"),
            ("ledger-db".into(), "payments".into())
        );
        assert_eq!(
            service_of("rabbitmq.queues", "payments"),
            ("rabbitmq".into(), "queues".into())
        );
        assert_eq!(
            service_of("search.catalog.svc.cluster.local", "web"),
            ("search".into(), "catalog".into())
        );
    }
}
