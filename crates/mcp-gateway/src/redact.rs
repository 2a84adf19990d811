//! Hiding secret values in what the server returns.
//!
//! Every result leaves the gateway through [`redact_text`] (text content) and
//! [`redact_json`] (`structuredContent`). Other crates that show cluster data
//! (the workflow's plans, the memory's log) reuse these two functions rather
//! than keep their own idea of what is secret.
//!
//! What is hidden:
//! - the values of a Secret's `data` and `stringData` (a Secret is an object
//!   with `kind: Secret`, an item of a `SecretList`, or an object whose `type`
//!   is a Secret type such as `Opaque` or `kubernetes.io/...`), and its
//!   `kubectl.kubernetes.io/last-applied-configuration` annotation, which
//!   repeats them;
//! - anywhere, the value of a key that only ever holds a credential
//!   ([`CREDENTIAL_KEYS`]: kubeconfig tokens, client keys and certificates,
//!   passwords, auth-provider tokens and client secrets).
//!
//! Keys are kept and each hidden value becomes `<redacted: N bytes>` (N is the
//! length of the hidden text), so a reader still sees what is there and how
//! big it is. Text is YAML as the server writes it (block style, which is what
//! Go's YAML encoder emits: `kubectl`-like objects, kubeconfigs, multi-document
//! echoes), JSON, or anything else; the YAML pass works line by line and keeps
//! every line it does not redact byte for byte, so tables and logs pass
//! through unchanged unless a line reads `password: ...` or similar.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use serde_json::Value;

/// Keys whose values are credentials wherever they appear.
pub const CREDENTIAL_KEYS: &[&str] = &[
    "token",
    "client-key-data",
    "client-certificate-data",
    "password",
    "access-token",
    "refresh-token",
    "id-token",
    "client-secret",
];

/// The annotation in which `kubectl apply` keeps a full copy of the object.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The Secret fields whose values are secret.
const SECRET_DATA_KEYS: [&str; 2] = ["data", "stringData"];

/// What a hidden value of `bytes` bytes is shown as.
pub fn placeholder(bytes: usize) -> String {
    format!("<redacted: {bytes} bytes>")
}

fn is_placeholder(text: &str) -> bool {
    text.starts_with("<redacted: ") && text.ends_with(" bytes>")
}

fn is_secret_type(secret_type: &str) -> bool {
    secret_type == "Opaque"
        || secret_type.starts_with("kubernetes.io/")
        || secret_type.starts_with("bootstrap.kubernetes.io/")
}

/// `text` with every secret value hidden, and how many values were hidden.
/// Borrows when there was nothing to hide.
pub fn redact_text(text: &str) -> (Cow<'_, str>, usize) {
    if !may_hold_secrets(text) {
        return (Cow::Borrowed(text), 0);
    }
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(mut value) = serde_json::from_str::<Value>(text)
    {
        let hidden = redact_json(&mut value);
        if hidden == 0 {
            return (Cow::Borrowed(text), 0);
        }
        let rewritten = if text.trim_end().contains('\n') {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        };
        return match rewritten {
            Ok(json) => (Cow::Owned(json), hidden),
            // A value that parsed always serializes; if not, show nothing
            // rather than the secret.
            Err(_) => (Cow::Owned(placeholder(text.len())), 1),
        };
    }
    redact_yaml_lines(text)
}

/// Escapes that can spell a word another way: JSON's `\u` and `\/`, YAML's
/// `\x`, `\u`, `\U` and `\/`, and YAML's escaped line break, which joins
/// two lines of a double-quoted scalar without a space.
const SPELLING_ESCAPES: [&str; 6] = ["\\u", "\\U", "\\x", "\\/", "\\\n", "\\\r"];

/// The key whose value may name a Secret type.
const TYPE_KEY: &str = "type";

/// [`TYPE_KEY`]'s pattern number in [`SECRET_WORDS`]: the first word.
const TYPE_WORD: usize = 0;

/// Every word the full pass keys on, searched for in one pass: `Secret`
/// (a Secret or a SecretList), the `type` key, the credential keys and the
/// spelling escapes. Leftmost-first matches (which the fast SIMD searcher
/// supports) miss none of them: a `type` match, the only one the search
/// continues past, ends in `e`, and no word starts with `e`, `pe` or `ype`.
static SECRET_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let words = [TYPE_KEY, "Secret"]
        .into_iter()
        .chain(CREDENTIAL_KEYS.iter().copied())
        .chain(SPELLING_ESCAPES);
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(words)
        .expect("a few fixed words always build a searcher")
});

/// Whether `text` (YAML or JSON, as the server writes it) holds any word the
/// redaction keys on: `Secret` (a Secret or a SecretList), a Secret `type`,
/// a credential key, or an escape that could spell one of them. Most answers
/// (workloads, pods, tables, logs) hold none and skip the full pass, which
/// cost the daemon's read path more than anything else it did to an answer.
/// Conservative by construction: every value either pass hides sits under
/// one of these words, so `false` means there is nothing to hide.
pub fn may_hold_secrets(text: &str) -> bool {
    SECRET_WORDS.find_iter(text).any(|found| {
        found.pattern().as_usize() != TYPE_WORD || names_secret_type(&text[found.end()..])
    })
}

/// [`may_hold_secrets`] for text still written as a JSON string literal
/// (escapes not decoded): the words read the same there, a quote may be
/// written `\"`, and any backslash of the text itself (written `\\`) could
/// start a spelling escape, so it counts too.
pub fn may_hold_secrets_in_json_string(json: &str) -> bool {
    json.contains("\\\\") || may_hold_secrets(json)
}

/// Whether `rest`, the text right after a `type` word, is that key (quoted or
/// not, YAML or JSON) with a Secret type as its value.
fn names_secret_type(rest: &str) -> bool {
    let Some(value) = without_blanks(without_quote(rest)).strip_prefix(':') else {
        return false;
    };
    let value = without_quote(without_blanks(value));
    ["Opaque", "kubernetes.io/", "bootstrap.kubernetes.io/"]
        .iter()
        .any(|secret_type| value.starts_with(secret_type))
}

/// `text` without the blanks it starts with: the whitespace JSON allows
/// around a colon (space, tab, line breaks), also as written inside a JSON
/// string literal (`\t`, `\n`, `\r`).
fn without_blanks(mut text: &str) -> &str {
    loop {
        text = text.trim_start_matches([' ', '\t', '\n', '\r']);
        match ["\\t", "\\n", "\\r"]
            .iter()
            .find_map(|escaped| text.strip_prefix(escaped))
        {
            Some(rest) => text = rest,
            None => return text,
        }
    }
}

/// `text` without the quote it starts with: `"`, `'`, or `\"` (a quote inside
/// a JSON string literal).
fn without_quote(text: &str) -> &str {
    text.strip_prefix("\\\"")
        .or_else(|| text.strip_prefix(['"', '\'']))
        .unwrap_or(text)
}

/// Hides every secret value inside `value`; returns how many were hidden.
pub fn redact_json(value: &mut Value) -> usize {
    redact_json_in(value, false)
}

fn redact_json_in(value: &mut Value, inherited_secret: bool) -> usize {
    match value {
        Value::Object(map) => {
            // An explicit kind decides; without one (items of a list), the
            // list's kind or a Secret `type` does.
            let secret = match map.get("kind").and_then(Value::as_str) {
                Some(kind) => kind == "Secret",
                None => {
                    inherited_secret
                        || map
                            .get("type")
                            .and_then(Value::as_str)
                            .is_some_and(is_secret_type)
                }
            };
            let secret_list = map.get("kind").and_then(Value::as_str) == Some("SecretList");
            let mut hidden = 0;
            for (key, child) in map.iter_mut() {
                if secret && SECRET_DATA_KEYS.contains(&key.as_str()) {
                    hidden += match child {
                        Value::Object(entries) => entries.values_mut().map(hide_json).sum(),
                        Value::Null => 0,
                        other => hide_json(other),
                    };
                } else if CREDENTIAL_KEYS.contains(&key.as_str()) && child.is_string() {
                    hidden += hide_json(child);
                } else {
                    if secret && key == "metadata" {
                        hidden += child
                            .get_mut("annotations")
                            .and_then(|annotations| annotations.get_mut(LAST_APPLIED_ANNOTATION))
                            .map_or(0, hide_json);
                    }
                    hidden += redact_json_in(child, secret_list && key == "items");
                }
            }
            hidden
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| redact_json_in(item, inherited_secret))
            .sum(),
        _ => 0,
    }
}

fn hide_json(value: &mut Value) -> usize {
    let bytes = match &*value {
        Value::String(text) if is_placeholder(text) || text.is_empty() => return 0,
        Value::String(text) => text.len(),
        other => other.to_string().len(),
    };
    *value = Value::String(placeholder(bytes));
    1
}

/// One `key: value` line of a YAML block mapping.
#[derive(Debug)]
struct Entry<'a> {
    /// Line index of the key.
    line: usize,
    /// The key, unquoted.
    key: Cow<'a, str>,
    /// Byte offset in the line where the value begins (after `key:`).
    value_offset: usize,
    /// The value on the key's line, trimmed (empty when the value is nested).
    inline_value: &'a str,
    /// One past the last line of the value (the key line itself for a
    /// nested value, whose lines are entries of their own).
    end: usize,
    /// The mapping this entry belongs to.
    mapping: usize,
}

/// A YAML block mapping (one object).
#[derive(Debug, Default)]
struct Mapping<'a> {
    /// The entry (in the parent mapping) whose value this mapping is.
    parent_entry: Option<usize>,
    /// This mapping's entries.
    entries: Vec<usize>,
    /// The value of its `kind` key.
    kind: Option<Cow<'a, str>>,
    /// The value of its `type` key.
    secret_type: bool,
    /// The last entry whose value is nested (where children attach).
    open_entry: Option<usize>,
}

fn unquote(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if text.len() >= 2 && bytes[0] == b'"' && bytes[text.len() - 1] == b'"' {
        serde_json::from_str::<String>(text)
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(&text[1..text.len() - 1]))
    } else if text.len() >= 2 && bytes[0] == b'\'' && bytes[text.len() - 1] == b'\'' {
        Cow::Owned(text[1..text.len() - 1].replace("''", "'"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Splits `key: value` (or `key:`) at the start of `rest`; `None` when the
/// line is not a mapping entry. Returns the key, and the offset in `rest`
/// just after the colon.
fn split_key(rest: &str) -> Option<(Cow<'_, str>, usize)> {
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let mut escaped = false;
        let close = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| {
                let found = *c == first && !escaped;
                escaped = first == '"' && *c == '\\' && !escaped;
                found
            })?
            .0;
        let after = &rest[close + 1..];
        if after == ":" || after.starts_with(": ") {
            return Some((unquote(&rest[..=close]), close + 2));
        }
        return None;
    }
    if matches!(
        first,
        '#' | '{' | '[' | '|' | '>' | '&' | '*' | '!' | '%' | '@'
    ) {
        return None;
    }
    let colon = if let Some(position) = rest.find(": ") {
        position
    } else if rest.ends_with(':') {
        rest.len() - 1
    } else {
        return None;
    };
    Some((Cow::Borrowed(&rest[..colon]), colon + 1))
}

fn redact_yaml_lines(text: &str) -> (Cow<'_, str>, usize) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let mut mappings: Vec<Mapping<'_>> = Vec::new();
    // Open mappings, innermost last: (key column, mapping index).
    let mut stack: Vec<(usize, usize)> = Vec::new();
    // The entry whose scalar value may continue on more-indented lines.
    let mut continuing: Option<(usize, usize)> = None;

    for (index, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let mut rest = &line[indent..];
        if let Some((entry, column)) = continuing {
            if rest.is_empty() {
                continue;
            }
            if indent > column {
                entries[entry].end = index + 1;
                continue;
            }
            continuing = None;
        }
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if rest == "---" || rest.starts_with("--- ") || rest == "..." {
            stack.clear();
            continue;
        }
        let mut column = indent;
        let mut sequence_item = false;
        while rest == "-" || rest.starts_with("- ") {
            sequence_item = true;
            column += 2;
            rest = rest.get(2..).unwrap_or("");
        }
        let Some((key, after_colon)) = split_key(rest) else {
            if sequence_item {
                // A scalar item, or a nested item starting on the next line.
                while stack.last().is_some_and(|(open, _)| *open >= column) {
                    stack.pop();
                }
            }
            continue;
        };
        let value_offset = line.len() - rest.len() + after_colon;
        let inline_value = line[value_offset..].trim();

        let pops_siblings = |open: usize| {
            if sequence_item {
                open >= column
            } else {
                open > column
            }
        };
        while stack.last().is_some_and(|(open, _)| pops_siblings(*open)) {
            stack.pop();
        }
        let mapping = match stack.last() {
            Some((open, mapping)) if *open == column && !sequence_item => *mapping,
            parent => {
                let parent_entry = parent.and_then(|(_, mapping)| mappings[*mapping].open_entry);
                mappings.push(Mapping {
                    parent_entry,
                    ..Mapping::default()
                });
                stack.push((column, mappings.len() - 1));
                mappings.len() - 1
            }
        };
        let entry = entries.len();
        match key.as_ref() {
            "kind" => mappings[mapping].kind = Some(unquote(inline_value)),
            "type" => mappings[mapping].secret_type = is_secret_type(&unquote(inline_value)),
            _ => {}
        }
        mappings[mapping].entries.push(entry);
        if inline_value.is_empty() {
            mappings[mapping].open_entry = Some(entry);
        } else {
            continuing = Some((entry, column));
        }
        entries.push(Entry {
            line: index,
            key,
            value_offset,
            inline_value,
            end: index + 1,
            mapping,
        });
    }

    let parent_mapping = |mapping: usize| {
        mappings[mapping]
            .parent_entry
            .map(|entry| (entries[entry].mapping, entries[entry].key.as_ref()))
    };
    let is_secret = |mapping: usize| {
        let own = &mappings[mapping];
        match own.kind.as_deref() {
            Some(kind) => kind == "Secret",
            None => {
                own.secret_type
                    || parent_mapping(mapping).is_some_and(|(list, key)| {
                        key == "items" && mappings[list].kind.as_deref() == Some("SecretList")
                    })
            }
        }
    };

    let mut hidden_entries: Vec<usize> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let key = entry.key.as_ref();
        let credential = CREDENTIAL_KEYS.contains(&key) && !entry.inline_value.is_empty();
        let secret_field = match parent_mapping(entry.mapping) {
            // An entry of `data:` / `stringData:` of a Secret.
            Some((object, field)) if SECRET_DATA_KEYS.contains(&field) => is_secret(object),
            // The last-applied annotation of a Secret.
            Some((metadata, "annotations")) if key == LAST_APPLIED_ANNOTATION => {
                parent_mapping(metadata)
                    .is_some_and(|(object, field)| field == "metadata" && is_secret(object))
            }
            _ => false,
        };
        // `data: {...}` written inline on a Secret.
        let inline_data = SECRET_DATA_KEYS.contains(&key)
            && !matches!(entry.inline_value, "" | "{}" | "null")
            && is_secret(entry.mapping);
        let already = is_placeholder(unquote(entry.inline_value).as_ref());
        if (credential || secret_field || inline_data) && !already {
            hidden_entries.push(index);
        }
    }
    if hidden_entries.is_empty() {
        return (Cow::Borrowed(text), 0);
    }

    let mut out = String::with_capacity(text.len());
    let mut next_line = 0;
    for &index in &hidden_entries {
        let entry = &entries[index];
        if entry.line < next_line {
            continue;
        }
        for line in &lines[next_line..entry.line] {
            out.push_str(line);
        }
        let key_line = lines[entry.line].trim_end_matches(['\n', '\r']);
        let bytes = hidden_length(entry.inline_value, &lines[entry.line + 1..entry.end]);
        out.push_str(&key_line[..entry.value_offset]);
        out.push_str(" \"");
        out.push_str(&placeholder(bytes));
        out.push('"');
        let last = lines[entry.end - 1];
        if last.ends_with('\n') {
            out.push('\n');
        }
        next_line = entry.end;
    }
    for line in &lines[next_line..] {
        out.push_str(line);
    }
    (Cow::Owned(out), hidden_entries.len())
}

/// Length of a scalar written as `inline` plus continuation lines.
fn hidden_length(inline: &str, continuation: &[&str]) -> usize {
    let block = inline.starts_with('|') || inline.starts_with('>');
    let mut parts: Vec<String> = Vec::new();
    if !block {
        parts.push(unquote(inline).into_owned());
    }
    parts.extend(continuation.iter().map(|line| line.trim().to_owned()));
    let separators = parts.len().saturating_sub(1);
    parts.iter().map(String::len).sum::<usize>() + separators
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redacted(text: &str) -> (String, usize) {
        let (out, hidden) = redact_text(text);
        (out.into_owned(), hidden)
    }

    #[test]
    fn secret_yaml_values_are_hidden_and_keys_kept() {
        let secret = "apiVersion: v1\ndata:\n  password: aHVudGVyMg==\n  user: YWRtaW4=\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ntype: Opaque\n";
        let (out, hidden) = redacted(secret);
        assert_eq!(hidden, 2);
        assert_eq!(
            out,
            "apiVersion: v1\ndata:\n  password: \"<redacted: 12 bytes>\"\n  user: \"<redacted: 8 bytes>\"\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ntype: Opaque\n"
        );
        let (again, hidden_again) = redacted(&out);
        assert_eq!((again, hidden_again), (out, 0), "redaction is idempotent");
    }

    #[test]
    fn configmaps_are_left_alone() {
        let config_map =
            "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: c\n";
        assert_eq!(redact_text(config_map), (Cow::Borrowed(config_map), 0));
    }

    #[test]
    fn secret_lists_in_yaml_hide_every_item_and_the_last_applied_copy() {
        let list = concat!(
            "apiVersion: v1\nitems:\n",
            "- apiVersion: v1\n  data:\n    token: c2VjcmV0\n  kind: Secret\n  metadata:\n",
            "    annotations:\n      kubectl.kubernetes.io/last-applied-configuration: |\n",
            "        {\"apiVersion\":\"v1\",\"data\":{\"token\":\"c2VjcmV0\"},\"kind\":\"Secret\"}\n",
            "    name: a\n",
            "- data:\n    ca.crt: Y2E=\n  metadata:\n    name: b\n",
            "- apiVersion: v1\n  data:\n    note: aGk=\n  kind: ConfigMap\n",
            "kind: SecretList\nmetadata:\n  resourceVersion: \"1\"\n"
        );
        let (out, hidden) = redacted(list);
        assert!(!out.contains("c2VjcmV0"), "{out}");
        assert!(!out.contains("Y2E="), "{out}");
        assert!(
            out.contains("note: aGk="),
            "a ConfigMap item keeps its data: {out}"
        );
        assert!(
            out.contains("    token: \"<redacted: 8 bytes>\"\n"),
            "{out}"
        );
        assert!(
            out.contains("      kubectl.kubernetes.io/last-applied-configuration: \"<redacted: 63 bytes>\"\n    name: a\n"),
            "{out}"
        );
        assert_eq!(hidden, 3);
    }

    #[test]
    fn multi_document_echoes_and_string_data_are_hidden() {
        let echo = "# The following resources (YAML) have been created or updated successfully\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: \"p: w\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
        let (out, hidden) = redacted(echo);
        assert_eq!(hidden, 1);
        assert!(
            out.contains("stringData:\n  password: \"<redacted: 4 bytes>\"\n---\n"),
            "{out}"
        );
        assert!(out.ends_with("kind: Service\nmetadata:\n  name: web\n"));
    }

    #[test]
    fn kubeconfig_credentials_are_hidden_but_not_the_ca() {
        let kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: https://127.0.0.1:6443\n  name: c\nusers:\n- name: u\n  user:\n    token: abc123\n- name: v\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n    password: hunter2\n    username: admin\n";
        let (out, hidden) = redacted(kubeconfig);
        assert_eq!(hidden, 4);
        for secret in ["abc123", "Q0VSVA==", "S0VZ", "hunter2"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert!(
            out.contains("certificate-authority-data: Q0E=") && out.contains("username: admin")
        );
    }

    #[test]
    fn json_text_and_structured_content_are_hidden() {
        let mut list = json!({"kind": "SecretList", "items": [
            {"metadata": {"name": "a", "annotations": {LAST_APPLIED_ANNOTATION: "{\"data\":{}}"}},
             "data": {"k": "dmFsdWU="}},
            {"kind": "ConfigMap", "data": {"k": "plain"}}]});
        assert_eq!(redact_json(&mut list), 2);
        assert_eq!(list["items"][0]["data"]["k"], "<redacted: 8 bytes>");
        assert_eq!(
            list["items"][0]["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
            "<redacted: 11 bytes>"
        );
        assert_eq!(list["items"][1]["data"]["k"], "plain");

        let text = r#"{"kind":"Config","users":[{"name":"u","user":{"token":"abc"}}]}"#;
        let (out, hidden) = redacted(text);
        assert_eq!(hidden, 1);
        assert_eq!(
            out,
            r#"{"kind":"Config","users":[{"name":"u","user":{"token":"<redacted: 3 bytes>"}}]}"#
        );
    }

    #[test]
    fn tables_and_logs_pass_through_untouched() {
        let table =
            "NAMESPACE   NAME   TYPE     DATA   AGE\nprod        db     Opaque   2      5m\n";
        assert_eq!(redact_text(table), (Cow::Borrowed(table), 0));
        let log = "2026-11-25T10:00:00Z starting server: listening on :8080\n";
        assert_eq!(redact_text(log), (Cow::Borrowed(log), 0));
    }

    /// A workload as the server writes it: `type` keys, `kubernetes.io/`
    /// annotations, env names in capitals — and nothing secret.
    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    deployment.kubernetes.io/revision: \"3\"\n  name: web\nspec:\n  strategy:\n    type: RollingUpdate\n  template:\n    spec:\n      automountServiceAccountToken: false\n      containers:\n      - env:\n        - name: DB_PASSWORD_FILE\n          value: /run/secrets/db\n        image: nginx:1.27\n        name: web\nstatus:\n  conditions:\n  - reason: MinimumReplicasAvailable\n    type: Available\n";

    #[test]
    fn answers_without_a_secret_word_skip_the_full_pass() {
        assert!(!may_hold_secrets(DEPLOYMENT));
        let json = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"annotations": {"deployment.kubernetes.io/revision": "3"}, "name": "web"},
            "spec": {"strategy": {"type": "RollingUpdate"}, "template": {"spec": {
                "automountServiceAccountToken": false,
                "containers": [{"env": [{"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"}],
                    "image": "nginx:1.27", "name": "web"}]}}},
            "status": {"conditions": [{"reason": "MinimumReplicasAvailable", "type": "Available"}]}})
        .to_string();
        assert!(!may_hold_secrets(&json), "{json}");
    }

    #[test]
    fn every_word_the_full_pass_keys_on_is_seen() {
        for text in [
            "kind: Secret\n",
            "kind: SecretList\n",
            "type: Opaque\ndata:\n  k: v\n",
            "  \"type\" :  'kubernetes.io/tls'\n",
            r#"{"type":"bootstrap.kubernetes.io/token"}"#,
            "users:\n- user:\n    client-key-data: abc\n",
            r#"{"password":"x"}"#,
        ] {
            assert!(may_hold_secrets(text), "{text:?}");
        }
    }

    #[test]
    fn escaped_spellings_still_get_the_full_pass() {
        let text = r#"{"kind":"Secr\u0065t","data":{"k":"dmFsdWU="}}"#;
        assert!(may_hold_secrets(text));
        assert_eq!(redacted(text).1, 1);
        let text =
            "{\"kind\":\"ConfigMap\",\"type\":\"kubernetes.io\\/tls\",\"data\":{\"k\":\"v\"}}";
        assert!(may_hold_secrets(text));
        let text = "kind: \"Secr\\\n  et\"\ndata:\n  k: dmFsdWU=\n";
        assert!(may_hold_secrets(text));
    }

    #[test]
    fn text_still_in_its_json_string_is_looked_into_whenever_the_text_would_be() {
        let secret_texts = [
            "apiVersion: v1\nkind: Secret\ndata:\n  password: aHVudGVyMg==\n",
            "items:\n- data:\n    k: dg==\n  \"type\": \"Opaque\"\nkind: List\n",
            "users:\n- name: u\n  user:\n    token: abc\n",
            r#"{"type":"kubernetes.io/tls","data":{"tls.key":"a2V5"}}"#,
            "kind: \"Secr\\\n  et\"\ndata:\n  k: dmFsdWU=\n",
            "kind: \"Secr\\x65t\"\ndata:\n  k: dmFsdWU=\n",
        ];
        for text in secret_texts {
            let json = serde_json::to_string(text).expect("a string serializes");
            assert!(may_hold_secrets_in_json_string(&json), "{json}");
        }
        let plain = serde_json::to_string(DEPLOYMENT).expect("a string serializes");
        assert!(!may_hold_secrets_in_json_string(&plain), "{plain}");
    }

    #[test]
    fn a_secret_type_after_a_line_break_is_seen_in_either_form() {
        let text = "{\"data\": {\"k\": \"dmFsdWU=\"},\n \"type\":\n\t\"Opaque\"}";
        assert_eq!(redacted(text).1, 1);
        assert!(may_hold_secrets(text));
        let json = serde_json::to_string(text).expect("a string serializes");
        assert!(may_hold_secrets_in_json_string(&json), "{json}");
    }
}
