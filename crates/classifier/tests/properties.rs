//! Property tests: classification never panics on any input, and a change verb
//! inserted anywhere into a read request never leaves it `read_only`.

use classifier::{Intent, classify};
use proptest::prelude::*;

const CORPUS: &str = include_str!("corpus.jsonl");

/// Read requests of the labelled corpus.
fn read_requests() -> Vec<String> {
    CORPUS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            (value["expect"]["path"] == "read_only")
                .then(|| value["text"].as_str().map(str::to_owned))?
        })
        .collect()
}

/// Change verbs and phrases (`inserted_verbs.txt`), as users write them
/// before or after their target.
const INSERTED_VERBS: &str = include_str!("inserted_verbs.txt");

fn change_verbs() -> Vec<&'static str> {
    INSERTED_VERBS
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .collect()
}

/// Words a request is made of, for token soup that reaches deep into the rules.
const SOUP: &[&str] = &[
    "get",
    "pods",
    "pod",
    "-n",
    "staging",
    "--context",
    "prod-eu",
    "logs",
    "deploy/web",
    "web-1",
    "in",
    "on",
    "the",
    "cluster",
    "namespace",
    "why",
    "is",
    "crashing",
    "who",
    "can",
    "delete",
    "scale",
    "to",
    "3",
    "replicas",
    "--replicas=2",
    "helm",
    "argocd",
    "alerts",
    "after",
    "switch",
    "use-context",
    "&&",
    ";",
    "|",
    "--",
    "sh",
    "\"ls -l\"",
    "top",
    "nodes",
    "node",
    "kubelet",
    "events",
    "for",
    "health",
    "quota",
    "limits",
    "near",
    "memory",
    "run",
    "debug",
    "image",
    "nginx:1.27",
    "create",
    "ns",
    "svc",
    "all",
    "-A",
    "k",
    "kubectl",
    "what's",
    "previous",
    "container",
    "app",
    "tail",
    "50",
    "lines",
    "=",
    "a=b",
    "'",
    "`",
    "…",
    "ö",
    "\u{0}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = classify(&text);
    }

    #[test]
    fn never_panics_on_request_shaped_token_soup(words in prop::collection::vec(prop::sample::select(SOUP), 0..24)) {
        let _ = classify(&words.join(" "));
    }

    #[test]
    fn an_inserted_change_verb_never_yields_read_only(
        request in prop::sample::select(read_requests()),
        verb in prop::sample::select(change_verbs()),
        position in any::<prop::sample::Index>(),
    ) {
        let words: Vec<&str> = request.split_whitespace().collect();
        let at = position.index(words.len() + 1);
        let mut changed: Vec<&str> = words[..at].to_vec();
        changed.push(verb);
        changed.extend_from_slice(&words[at..]);
        let changed = changed.join(" ");
        let intent = classify(&changed);
        prop_assert!(!matches!(intent, Intent::ReadOnly { .. }), "{:?} -> {}", changed, intent);
    }
}
