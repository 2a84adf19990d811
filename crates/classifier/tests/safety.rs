//! The safety rule: anything that could change the cluster is never
//! `read_only`. Checked over a corpus of change requests (`mutating.txt`:
//! every change verb, compound requests, `&&` / `;` / `|` chains, polite and
//! shouted forms) and over every read the labelled corpus yields. The other
//! way round, a question about a change ("what's the status of the rollout of
//! api", `questions.txt`) is never a mutation: a read misread as a change is
//! the worst mistake, since it would put a change up for approval.

use classifier::{Intent, Tool, classify};

const MUTATING: &str = include_str!("mutating.txt");
const QUESTIONS: &str = include_str!("questions.txt");
const CORPUS: &str = include_str!("corpus.jsonl");
const INSERTED_VERBS: &str = include_str!("inserted_verbs.txt");

/// The tools that only read: the only ones a `read_only` intent may call.
const READ_ONLY_TOOLS: &[Tool] = &[
    Tool::PodsList,
    Tool::PodsListInNamespace,
    Tool::PodsGet,
    Tool::PodsLog,
    Tool::PodsTop,
    Tool::ResourcesList,
    Tool::ResourcesGet,
    Tool::ResourcesScale,
    Tool::NamespacesList,
    Tool::EventsList,
    Tool::NodesTop,
    Tool::NodesStatsSummary,
    Tool::NodesLog,
    Tool::ConfigurationContextsList,
    Tool::ConfigurationView,
];

fn mutating_requests() -> impl Iterator<Item = &'static str> {
    MUTATING
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Whether a `read_only` intent is really read-only: a read tool, and
/// `resources_scale` without `scale` (with it, the tool writes).
fn read_is_harmless(intent: &Intent) -> bool {
    match intent {
        Intent::ReadOnly { tool, arguments } => {
            READ_ONLY_TOOLS.contains(tool)
                && !(*tool == Tool::ResourcesScale && arguments.scale.is_some())
        }
        _ => true,
    }
}

#[test]
fn no_change_request_is_classified_read_only() {
    let mut failures = Vec::new();
    let mut count = 0;
    for request in mutating_requests() {
        count += 1;
        let intent = classify(request);
        if matches!(intent, Intent::ReadOnly { .. }) {
            failures.push(format!("  {request:?} -> {intent}"));
        }
    }
    assert!(
        count >= 150,
        "the safety corpus holds only {count} requests"
    );
    assert!(
        failures.is_empty(),
        "change requests classified read_only:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_change_request_gets_an_exact_mutation_or_a_question() {
    for request in mutating_requests() {
        match classify(request) {
            Intent::Mutation {
                arguments, tool, ..
            } => {
                // A mutation names its target exactly: a name, a manifest or an image.
                let exact = arguments.name.is_some()
                    || arguments.resource.is_some()
                    || arguments.image.is_some();
                assert!(exact, "{request:?}: mutation {tool:?} without a target");
            }
            Intent::Clarify {
                question, missing, ..
            } => {
                assert!(
                    !question.is_empty() && !missing.is_empty(),
                    "{request:?}: a clarify must ask and name what is missing"
                );
            }
            Intent::Diagnose { .. } | Intent::Handoff { .. } => {}
            other => panic!(
                "{request:?} is a change but was classified {}",
                other.path()
            ),
        }
    }
}

#[test]
fn every_read_of_the_labelled_corpus_uses_a_read_only_tool() {
    for line in CORPUS.lines().filter(|line| !line.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).expect("a corpus line is JSON");
        let text = value["text"].as_str().expect("a corpus line has a text");
        let intent = classify(text);
        assert!(read_is_harmless(&intent), "{text:?} -> {intent}");
    }
}

#[test]
fn no_question_about_a_change_is_classified_as_a_change() {
    let mut failures = Vec::new();
    for request in QUESTIONS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
    {
        let intent = classify(request);
        if matches!(intent, Intent::Mutation { .. }) {
            failures.push(format!("  {request:?} -> {intent}"));
        }
    }
    assert!(
        failures.is_empty(),
        "questions classified as changes:\n{}",
        failures.join("\n")
    );
}

/// Every change verb of `inserted_verbs.txt` inserted at every position of
/// every read of the labelled corpus: never `read_only`. The property test
/// samples the same space at random; this walks all of it (about 115,000
/// requests), so a hole cannot hide behind the sampling.
#[test]
fn a_change_verb_at_any_position_of_any_read_is_never_read_only() {
    let verbs: Vec<&str> = INSERTED_VERBS
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in CORPUS.lines().filter(|line| !line.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).expect("a corpus line is JSON");
        if value["expect"]["path"] != "read_only" {
            continue;
        }
        let text = value["text"].as_str().expect("a corpus line has a text");
        let words: Vec<&str> = text.split_whitespace().collect();
        for verb in &verbs {
            for at in 0..=words.len() {
                let changed = [&words[..at], &[*verb], &words[at..]].concat().join(" ");
                checked += 1;
                let intent = classify(&changed);
                if matches!(intent, Intent::ReadOnly { .. }) {
                    failures.push(format!("  {changed:?} -> {intent}"));
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} requests checked");
    assert!(
        failures.is_empty(),
        "change requests classified read_only:\n{}",
        failures.join("\n")
    );
}
