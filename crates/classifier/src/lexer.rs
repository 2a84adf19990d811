//! One hand-written pass from text to tokens: whitespace-separated words,
//! quoted strings, kubectl flags, shell chain operators, `kind/name` and
//! `key=value` forms, multi-word kind names. Each word is looked up once.

use crate::kinds::{MULTI_WORD_KINDS, Number, ResourceKind, lookup_kind_word};
use crate::vocab::{Lex, W, lookup};

/// Longest word that can be in the vocabulary; longer words skip the lookup.
const MAX_VOCABULARY_WORD_BYTES: usize = 40;

/// The shape of a token, independent of its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A plain word.
    Word,
    /// Text inside quotes or backticks.
    Quoted,
    /// `-n`, `--namespace`, `--replicas=3` (the value, if attached, in `value`).
    Flag,
    /// `key=value` outside a flag (`value` holds the value).
    Assign,
    /// `;`, `&&`, `||`, `&`: a second command follows.
    Chain,
    /// `|`: the output goes to another command.
    Pipe,
    /// `--`: the rest is a command line.
    DoubleDash,
}

/// One token: its original text, its lower-case text and its meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    /// The text as typed (quotes and trailing punctuation removed).
    pub raw: &'a str,
    /// The same text in lower case.
    pub low: &'a str,
    /// What the word means.
    pub lex: Lex,
    /// How it was written.
    pub shape: Shape,
    /// The attached value of `--flag=value`, `kind/name` and `key=value`, as typed.
    pub value: Option<&'a str>,
    /// The whole word as typed (`app=web`, `--replicas=3`), for values that
    /// are themselves `key=value` (selectors, literals).
    pub full: &'a str,
}

impl<'a> Token<'a> {
    /// The word's role, if it has one.
    pub fn w(&self) -> Option<W> {
        match self.lex {
            Lex::W(w) => Some(w),
            _ => None,
        }
    }

    /// The kind the token names, if it names one.
    pub fn kind(&self) -> Option<(ResourceKind, Number)> {
        match self.lex {
            Lex::Kind(kind, number) => Some((kind, number)),
            _ => None,
        }
    }
}

/// Splits `text` (and its ASCII-lower-cased copy `lower`, same byte offsets)
/// into tokens, appending to `out`.
pub(crate) fn lex<'a>(text: &'a str, lower: &'a str, out: &mut Vec<Token<'a>>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            b'"' | b'\'' | b'`' => {
                let close = bytes[i + 1..]
                    .iter()
                    .position(|&b| b == c)
                    .map(|p| i + 1 + p);
                let end = close.unwrap_or(bytes.len());
                push_quoted(text, lower, i + 1, end, out);
                i = close.map_or(bytes.len(), |p| p + 1);
            }
            // `with {"spec":{"replicas":4}}`: a JSON object typed inline
            // (a merge patch) is one value, quotes, spaces and all.
            b'{' if let Some(close) = closing_brace(bytes, i) => {
                push_quoted(text, lower, i, close + 1, out);
                i = close + 1;
            }
            b';' => {
                out.push(operator(text, lower, start, start + 1, Shape::Chain));
                i += 1;
            }
            b'&' | b'|' => {
                let doubled = bytes.get(i + 1) == Some(&c);
                let len = if doubled { 2 } else { 1 };
                let shape = if c == b'|' && !doubled {
                    Shape::Pipe
                } else {
                    Shape::Chain
                };
                out.push(operator(text, lower, start, start + len, shape));
                i += len;
            }
            _ => {
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b';' | b'|' | b'&' | b'`' | b'"')
                {
                    i += 1;
                }
                push_word(text, lower, start, i, out);
            }
        }
    }
    merge_multi_word_kinds(out);
    read_node_short_form(out);
}

/// The index of the `}` that closes the JSON object opened at `open`
/// (`{` then a double-quoted key), braces inside double-quoted strings not
/// counted; None when it is no JSON object (`{.items}`) or never closed.
fn closing_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let key = bytes[open + 1..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())?;
    if *key != b'"' {
        return None;
    }
    let (mut depth, mut quoted) = (0usize, false);
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'"' => quoted = !quoted,
            b'{' if !quoted => depth += 1,
            b'}' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `no` is kubectl's short form of `nodes` only right after `get`,
/// `describe` or `top` (`k get no`); elsewhere it is the English word.
fn read_node_short_form(tokens: &mut [Token<'_>]) {
    for i in 1..tokens.len() {
        if tokens[i].low == "no"
            && matches!(tokens[i - 1].w(), Some(W::Read | W::Describe | W::Top))
        {
            tokens[i].lex = Lex::Kind(ResourceKind::Node, Number::Short);
        }
    }
}

fn operator<'a>(
    text: &'a str,
    lower: &'a str,
    start: usize,
    end: usize,
    shape: Shape,
) -> Token<'a> {
    Token {
        raw: &text[start..end],
        low: &lower[start..end],
        lex: Lex::Unknown,
        shape,
        value: None,
        full: &text[start..end],
    }
}

fn push_quoted<'a>(
    text: &'a str,
    lower: &'a str,
    start: usize,
    end: usize,
    out: &mut Vec<Token<'a>>,
) {
    let end = end.max(start);
    if start >= text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return;
    }
    out.push(Token {
        raw: &text[start..end],
        low: &lower[start..end],
        lex: Lex::Unknown,
        shape: Shape::Quoted,
        value: None,
        full: &text[start..end],
    });
}

/// Characters that end a sentence or a clause but are never part of a name.
fn is_trailing_punctuation(b: u8) -> bool {
    matches!(
        b,
        b',' | b'.' | b'?' | b'!' | b':' | b')' | b']' | b'}' | b'\''
    )
}

fn push_word<'a>(
    text: &'a str,
    lower: &'a str,
    mut start: usize,
    mut end: usize,
    out: &mut Vec<Token<'a>>,
) {
    let bytes = text.as_bytes();
    while start < end && matches!(bytes[start], b'(' | b'[' | b'{' | b'\'') {
        start += 1;
    }
    while end > start && is_trailing_punctuation(bytes[end - 1]) {
        end -= 1;
    }
    // Possessive and contracted `'s` ("what's", "pod's"), ASCII or typographic.
    let lower_word = &lower[start..end];
    if lower_word.ends_with("'s") {
        end -= 2;
    } else if lower_word.ends_with("\u{2019}s") {
        end -= "\u{2019}s".len();
    }
    if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return;
    }
    let raw = &text[start..end];
    let low = &lower[start..end];
    if low == "--" {
        out.push(Token {
            raw,
            low,
            lex: Lex::Unknown,
            shape: Shape::DoubleDash,
            value: None,
            full: raw,
        });
        return;
    }
    // `-n`, `--tail=5`; not `-5` (a number) nor `->` (an arrow: "scale web -> 3").
    if low.len() > 1 && low.starts_with('-') && !low.as_bytes()[1].is_ascii_digit() && low != "->" {
        let (name_end, value) = match low.find('=') {
            Some(eq) => (eq, Some(&raw[eq + 1..])),
            None => (low.len(), None),
        };
        out.push(Token {
            raw: &raw[..name_end],
            low: &low[..name_end],
            lex: Lex::Unknown,
            shape: Shape::Flag,
            value,
            full: raw,
        });
        return;
    }
    if let Some(eq) = low.find('=')
        && eq > 0
    {
        out.push(Token {
            raw: &raw[..eq],
            low: &low[..eq],
            lex: Lex::Unknown,
            shape: Shape::Assign,
            value: Some(&raw[eq + 1..]),
            full: raw,
        });
        return;
    }
    let lex = word_meaning(low);
    if lex == Lex::Unknown
        && let Some(slash) = low.find('/')
        && let Some((kind, _)) = lookup_kind_word(&low[..slash])
        && slash + 1 < low.len()
    {
        // `deploy/web`, `deployment.apps/web`: a kind and its object's name.
        out.push(Token {
            raw: &raw[..slash],
            low: &low[..slash],
            lex: Lex::Kind(kind, Number::Singular),
            shape: Shape::Word,
            value: Some(&raw[slash + 1..]),
            full: raw,
        });
        return;
    }
    out.push(Token {
        raw,
        low,
        lex,
        shape: Shape::Word,
        value: None,
        full: raw,
    });
}

/// The meaning of one lower-case word: one hash lookup, plus the API-group
/// forms of kinds for words with a dot or a slash.
fn word_meaning(low: &str) -> Lex {
    if low.len() > MAX_VOCABULARY_WORD_BYTES {
        return Lex::Unknown;
    }
    let mut buffer = [0u8; MAX_VOCABULARY_WORD_BYTES];
    // A byte scan: `'`, or 0xE2, the first byte of `’` (U+2019) in UTF-8
    // (and of other characters, which the exact filter below leaves alone).
    let key = if low.bytes().any(|b| b == b'\'' || b == 0xE2) {
        // "don't", "isn't", "i'm": the vocabulary spells them without apostrophes.
        let mut len = 0;
        for ch in low.chars().filter(|ch| *ch != '\'' && *ch != '\u{2019}') {
            let mut utf8 = [0u8; 4];
            let encoded = ch.encode_utf8(&mut utf8).as_bytes();
            if len + encoded.len() > buffer.len() {
                return Lex::Unknown;
            }
            buffer[len..len + encoded.len()].copy_from_slice(encoded);
            len += encoded.len();
        }
        match std::str::from_utf8(&buffer[..len]) {
            Ok(key) => key,
            Err(_) => return Lex::Unknown,
        }
    } else {
        low
    };
    match lookup(key) {
        Lex::Unknown if key.contains(['.', '/']) => {
            lookup_kind_word(key).map_or(Lex::Unknown, |(kind, number)| Lex::Kind(kind, number))
        }
        lex => lex,
    }
}

/// Joins "replica set", "config maps", "persistent volume claim"... into one
/// kind token, longest spelling first.
fn merge_multi_word_kinds(tokens: &mut Vec<Token<'_>>) {
    let mut i = 0;
    while i < tokens.len() {
        // Most words start no multi-word kind: skip the table for them.
        let starts_one = matches!(
            tokens[i].low,
            "persistent"
                | "cluster"
                | "horizontal"
                | "pod"
                | "custom"
                | "replica"
                | "stateful"
                | "daemon"
                | "config"
                | "service"
                | "cron"
                | "network"
                | "resource"
                | "limit"
                | "role"
                | "storage"
                | "ingress"
                | "priority"
                | "endpoint"
                | "replication"
        );
        if starts_one && tokens[i].shape == Shape::Word {
            let matched = MULTI_WORD_KINDS.iter().find(|(words, _, _)| {
                words.len() <= tokens.len() - i
                    && words
                        .iter()
                        .zip(&tokens[i..])
                        .all(|(word, token)| token.shape == Shape::Word && token.low == *word)
            });
            // "stateful set image ...": "set image" is kubectl's verb, and
            // the word before it no kind ("set" is never taken from a verb).
            let verb_follows = |words: &[&str]| {
                words.last() == Some(&"set")
                    && tokens.get(i + words.len()).is_some_and(|next| {
                        matches!(
                            next.low,
                            "image"
                                | "env"
                                | "resources"
                                | "selector"
                                | "subject"
                                | "serviceaccount"
                        )
                    })
            };
            if let Some((words, kind, number)) =
                matched.filter(|(words, _, _)| !verb_follows(words))
            {
                tokens[i].lex = Lex::Kind(*kind, *number);
                tokens.drain(i + 1..i + words.len());
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, Shape, Option<String>)> {
        let lower = text.to_ascii_lowercase();
        let mut out = Vec::new();
        lex(text, &lower, &mut out);
        out.iter()
            .map(|t| (t.low.to_owned(), t.shape, t.value.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn splits_flags_chains_quotes_and_slash_names() {
        let got = tokens("k get deploy/web -n=prod --replicas 3; echo 'a b'|grep x && rm -- ls -l");
        let words: Vec<&str> = got.iter().map(|(low, _, _)| low.as_str()).collect();
        assert_eq!(
            words,
            [
                "k",
                "get",
                "deploy",
                "-n",
                "--replicas",
                "3",
                ";",
                "echo",
                "a b",
                "|",
                "grep",
                "x",
                "&&",
                "rm",
                "--",
                "ls",
                "-l"
            ]
        );
        assert_eq!(got[2].2.as_deref(), Some("web"));
        assert_eq!(got[3].2.as_deref(), Some("prod"));
        assert_eq!(got[6].1, Shape::Chain);
        assert_eq!(got[8].1, Shape::Quoted);
        assert_eq!(got[9].1, Shape::Pipe);
        assert_eq!(got[14].1, Shape::DoubleDash);
    }

    #[test]
    fn merges_multi_word_kinds_and_strips_punctuation() {
        let text = "What's in the Replica Sets, and the persistent volume claims?";
        let lower = text.to_ascii_lowercase();
        let mut out = Vec::new();
        lex(text, &lower, &mut out);
        let kinds: Vec<_> = out.iter().filter_map(|t| t.kind()).collect();
        assert_eq!(
            kinds,
            [
                (ResourceKind::ReplicaSet, Number::Plural),
                (ResourceKind::PersistentVolumeClaim, Number::Plural)
            ]
        );
        assert_eq!(out[0].low, "what");
    }

    #[test]
    fn every_multi_word_kind_starts_with_a_listed_word() {
        for (words, kind, _) in MULTI_WORD_KINDS {
            let text = words.join(" ");
            let lower = text.to_ascii_lowercase();
            let mut out = Vec::new();
            lex(&text, &lower, &mut out);
            assert_eq!(out.len(), 1, "{text} is not merged");
            assert_eq!(out[0].kind().map(|(k, _)| k), Some(*kind), "{text}");
        }
    }

    #[test]
    fn reads_api_group_forms_of_kinds() {
        for form in [
            "deployments.apps",
            "deploy.apps/v1",
            "deployments.v1.apps",
            "apps/v1/deployments",
        ] {
            assert!(
                matches!(word_meaning(form), Lex::Kind(ResourceKind::Deployment, _)),
                "{form}"
            );
        }
        assert_eq!(word_meaning("deployments.batch"), Lex::Unknown);
    }
}
