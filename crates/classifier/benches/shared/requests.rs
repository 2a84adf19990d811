//! The requests the classifier's benchmark and its instruction count run:
//! every labelled request of the corpus, then every change of the safety
//! list, so both measure exactly the same set.

const CORPUS: &str = include_str!("../../tests/corpus.jsonl");
const MUTATING: &str = include_str!("../../tests/mutating.txt");

/// The corpus's texts followed by the safety list's changes.
pub fn requests() -> Vec<String> {
    let labelled = CORPUS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).expect("a corpus line is JSON");
            value["text"]
                .as_str()
                .expect("a corpus line has a text")
                .to_owned()
        });
    let changes = MUTATING
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned);
    labelled.chain(changes).collect()
}
