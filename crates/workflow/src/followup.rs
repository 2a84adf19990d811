//! Conversation follow-ups: a request that leans on the one before it in the
//! same session ("and in staging?", "what about payment-service?", "show me
//! its logs", "restart it", "describe the first one") is turned into the
//! complete request it stands for BEFORE it is classified and run. It then
//! takes exactly the path the complete request takes: a read is one call, a
//! change is planned and waits for approval with the resolved target on its
//! card, and the operations log records the complete request.
//!
//! The resolution is text to text, the request a person would have typed
//! ("restart it" → "restart deployment checkout in namespace production"),
//! and it is checked by classifying that text: it is taken only when the
//! classifier reads it as being about the object (or namespace) it was
//! resolved to. Nothing is ever run on a guess: a reference with no object
//! yet says so, one with several candidates asks which, naming them.
//!
//! What a session last talked about ([`Recent`]) comes from its last
//! answered request: the object a read named, a plan's target, the object a
//! diagnosis examined, the rows of a list (for "the first one"). The
//! coordinator keeps it per session (`session`), so sessions never see each
//! other's subjects.

use classifier::{Intent, Operation, Param, Playbook, ResourceKind, Tool};
use serde_json::Value;

use crate::cluster::Fetched;
use crate::coordinator::Pipeline;
use crate::diagnosis::parse::Table;
use crate::discovery::{self, PodMatch};
use crate::error::WorkflowError;
use crate::response::{Clarify, PlanCard, Response};
use crate::undo::Undo;

/// Most rows of a list answer a session remembers (for "the first one",
/// "that one"); a longer list is remembered by its first rows, which are
/// the ones a person refers to by position.
pub(crate) const MAX_REMEMBERED_ROWS: usize = 50;

/// Where a resolved object came from, when it is the one the session last
/// talked about.
const LAST_TALKED_ABOUT: &str = "what this session last talked about";

/// Most candidates a question names; past it the question says how many
/// more there are.
const MAX_NAMED_CANDIDATES: usize = 10;

/// One object the conversation talked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject {
    /// Its kind (`Pod`, `Deployment`), when the request or answer said it.
    pub(crate) kind: Option<String>,
    /// Its name.
    pub(crate) name: String,
    /// Its namespace, for a namespaced object whose namespace is known.
    pub(crate) namespace: Option<String>,
    /// The kube context it lives in.
    pub(crate) context: String,
}

impl Subject {
    /// How a request names it: "deployment checkout", or "checkout" when
    /// its kind is unknown.
    fn spelled(&self) -> String {
        match &self.kind {
            Some(kind) => format!("{} {}", kind.to_lowercase(), self.name),
            None => self.name.clone(),
        }
    }

    /// How an answer names it: "deployment checkout in namespace production".
    fn described(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} in namespace {namespace}", self.spelled()),
            None => self.spelled(),
        }
    }

    /// Whether it is of `kind`; an object whose kind is unknown may be.
    fn may_be(&self, kind: ResourceKind) -> bool {
        self.kind
            .as_deref()
            .is_none_or(|own| own.eq_ignore_ascii_case(kind.kind()))
    }
}

/// What a session's last answered request was about: what its follow-ups
/// lean on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    /// The complete request (a follow-up as it was resolved).
    request: String,
    /// How it was classified, the session's namespace applied.
    intent: Intent,
    /// The one object it was about, if one.
    subject: Option<Subject>,
    /// The objects its list answer showed, in the order shown (at most
    /// [`MAX_REMEMBERED_ROWS`]).
    listed: Vec<Subject>,
    /// The id of the last plan the session was offered (a plan card, or a
    /// diagnosis's proposed fix), which "do it" / "apply the fix" mean;
    /// kept across the reads that follow it ("show me its logs").
    proposal: Option<String>,
    /// Whether [`Recent::proposal`] was offered by this very answer (a plan
    /// card, or a diagnosis proposing a fix) rather than kept from earlier:
    /// "no" right after an offer answers that offer.
    offered_now: bool,
    /// How the change last planned in the session is undone when a
    /// rollback does not undo it ("undo it" after a scale); kept across
    /// the reads that follow, dropped by a diagnosis (whose object a
    /// rollback undoes).
    undo: Option<Undo>,
}

impl Recent {
    /// How the session's last planned change is undone, when a rollback
    /// does not undo it.
    pub(crate) fn undo(&self) -> Option<&Undo> {
        self.undo.as_ref()
    }

    /// What `request`, classified as `intent`, was about, judged by its
    /// `response`; `None` for a response that leaves the conversation where
    /// it was (a question back, a hand-off, a context switch, a result).
    /// The last list stays `previous`'s until another list is read, so "the
    /// second one" still picks from it after "logs of the first one".
    pub(crate) fn of(
        request: &str,
        intent: &Intent,
        response: &Response,
        previous: Option<&Recent>,
    ) -> Option<Recent> {
        let earlier_list = || {
            previous
                .map(|recent| recent.listed.clone())
                .unwrap_or_default()
        };
        let (subject, listed) = match response {
            Response::Answer(answer) if answer.path == "switch_context" => return None,
            Response::Answer(answer) => {
                let listed = match list_kind(intent) {
                    Some(_) if answer.error => Vec::new(),
                    Some(kind) => listed_in(intent, kind, &answer.text, &answer.context),
                    None => earlier_list(),
                };
                let subject = named_in(intent, &answer.context)
                    .map(|subject| as_answered(subject, &answer.text));
                (subject, listed)
            }
            Response::Plan(card) => (
                Some(Subject {
                    kind: Some(card.target.kind.clone()),
                    name: card.target.name.clone(),
                    namespace: card.target.namespace.clone(),
                    context: card.target.context.clone(),
                }),
                earlier_list(),
            ),
            Response::Diagnosis(diagnosis) => (
                examined(diagnosis.report.as_ref(), &diagnosis.context)
                    .or_else(|| named_in(intent, &diagnosis.context)),
                earlier_list(),
            ),
            Response::Health(_) => (None, earlier_list()),
            Response::Clarify(_) | Response::Handoff(_) | Response::Result(_) => return None,
        };
        let subject = subject.or_else(|| match listed.as_slice() {
            [only] if list_kind(intent).is_some() => Some(only.clone()),
            _ => None,
        });
        let proposal = match response {
            Response::Plan(card) => Some(card.plan_id.clone()),
            Response::Diagnosis(diagnosis) => {
                diagnosis.proposal.as_ref().map(|card| card.plan_id.clone())
            }
            _ => previous.and_then(|recent| recent.proposal.clone()),
        };
        let offered_now = match response {
            Response::Plan(_) => true,
            Response::Diagnosis(diagnosis) => diagnosis.proposal.is_some(),
            _ => false,
        };
        let undo = match response {
            Response::Plan(card) => Undo::of(card),
            Response::Diagnosis(_) => None,
            _ => previous.and_then(|recent| recent.undo.clone()),
        };
        Some(Recent {
            request: request.to_owned(),
            intent: intent.clone(),
            subject,
            listed,
            proposal,
            offered_now,
            undo,
        })
    }
}

/// "do it", "apply the fix", "go ahead" (the classifier's `clarify` with
/// only `plan` missing): the plan the session was offered last, shown again
/// while it still waits for approval, so the person approves that exact
/// plan (the shell asks at once). Assent is never an approval by itself:
/// approvals are bound to a plan's id and hash. "raise its memory limit"
/// (`resource` missing too) gets the plan only when it is that change: a
/// plan about the same resource, on the object the request names (a
/// follow-up's words are resolved to its name) or in a request too short
/// to name another. `None` when no offered plan fits (the classifier's
/// question stands).
pub(crate) async fn proposed_again(
    pipeline: &Pipeline,
    recent: Option<&Recent>,
    text: &str,
    only_assent: bool,
) -> Result<Option<Response>, WorkflowError> {
    let Some(plan_id) = recent.and_then(|recent| recent.proposal.as_deref()) else {
        return Ok(None);
    };
    let waiting = crate::changes::pending(pipeline).await?;
    let offered = waiting.into_iter().find(|card| card.plan_id == plan_id);
    if !only_assent {
        return Ok(offered
            .filter(|card| is_that_change(card, text))
            .map(Response::Plan));
    }
    Ok(Some(match offered {
        Some(card) => Response::Plan(card),
        None => Response::Clarify(Clarify {
            question: format!(
                "The plan I offered last ({plan_id}) is no longer waiting for approval: it was approved, denied or has expired. Tell me the change to make and I plan it again."
            ),
            missing: vec![Param::Plan.as_str().to_owned()],
            candidates: Vec::new(),
        }),
    }))
}

/// "no", "cancel", "never mind", "don't" (the classifier's `clarify` with
/// `decline` missing), answered from the plan the session was offered last.
///
/// Right after the offer (the session's last answer was that plan card, or
/// a diagnosis proposing it) the words can only answer it, so the plan is
/// denied in the requester's name and the denial is recorded like any
/// other: a plan nobody wants should not stay approvable by someone else
/// until it expires, a denial changes nothing in the cluster, and asking
/// for the change again plans it again. After other answers "no" may be
/// about anything, so the plan is left waiting and the answer says how to
/// deny it. Nothing here ever approves. `None` when the session was never
/// offered a plan (the classifier's answer stands).
pub(crate) async fn declined(
    pipeline: &Pipeline,
    recent: Option<&Recent>,
    requester: &str,
    text: &str,
) -> Result<Option<Response>, WorkflowError> {
    let Some(recent) = recent else {
        return Ok(None);
    };
    let Some(plan_id) = recent.proposal.as_deref() else {
        return Ok(None);
    };
    let waiting = crate::changes::pending(pipeline).await?;
    let Some(card) = waiting.into_iter().find(|card| card.plan_id == plan_id) else {
        return Ok(Some(nothing_done(
            format!(
                "Nothing done: the plan I offered last ({plan_id}) is no longer waiting for approval (it was approved, denied or has expired). To revert a change that ran, say \"undo it\"."
            ),
            None,
        )));
    };
    if !recent.offered_now {
        return Ok(Some(nothing_done(
            format!(
                "Nothing done. Plan {plan_id} ({} of {}) stays pending until it expires — deny it with `kubeop deny {plan_id}`.",
                card.operation,
                target_words(&card),
            ),
            Some(card.target.context),
        )));
    }
    let denial = crate::coordinator::DenyRequest {
        plan_id: plan_id.to_owned(),
        approver: requester.to_owned(),
        reason: format!("declined in the conversation (\"{}\")", text.trim()),
    };
    crate::changes::deny(pipeline, denial).await.map(Some)
}

/// "deployment/checkout in namespace production": a plan's target in words.
fn target_words(card: &PlanCard) -> String {
    let target = &card.target;
    match &target.namespace {
        Some(namespace) => format!(
            "{}/{} in namespace {namespace}",
            target.kind.to_lowercase(),
            target.name
        ),
        None => format!("{}/{}", target.kind.to_lowercase(), target.name),
    }
}

/// An answer that says nothing was done (no tool was called).
fn nothing_done(text: String, context: Option<String>) -> Response {
    Response::Answer(crate::response::Answer {
        path: "clarify".into(),
        tool: None,
        text: text.into(),
        structured: None,
        error: false,
        context: context.unwrap_or_default(),
    })
}

/// A request that leans on the one before it, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FollowUp {
    /// "and in staging?", "what about payment-service?": the last request
    /// again, somewhere else or about something else.
    Repeat(Lean),
    /// "show me its logs", "restart it", "the first one": words standing
    /// for an object talked about before.
    Refer(Reference),
}

/// What a repeat changes in the last request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lean {
    /// Another namespace ("and in staging?").
    Namespace(String),
    /// Another context ("and on prod-eu?").
    Context(String),
    /// Another object of the same kind ("what about the payment deployment?").
    Name(String),
    /// A word that is a namespace or a name ("what about kube-system?"):
    /// the cluster decides.
    Word(String),
    /// Objects of another kind where the last request was ("and the
    /// services?" after the pods of production): the kind word as written.
    Kinds(String),
}

/// Words standing for an object named earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The first word (of the whitespace-split request) they span.
    start: usize,
    /// One past the last word.
    end: usize,
    /// Which object they point at.
    points: Points,
    /// The kind they name ("that pod"), if any.
    kind: Option<ResourceKind>,
    /// "its logs": the object owns the words that follow.
    possessive: bool,
    /// The words as written, to quote back ("it", "that pod").
    words: String,
}

impl Reference {
    /// The words to quote when there is nothing to refer to: "it" for
    /// "its", "they" for "their".
    fn pronoun(&self) -> String {
        match plain(&self.words).as_str() {
            "its" | "it's" => "it".to_owned(),
            "their" => "they".to_owned(),
            _ => self.words.clone(),
        }
    }
}

/// Which object a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Points {
    /// The object last talked about ("it", "that one").
    Last,
    /// A row of the last list, from 0 ("the first one").
    Row(usize),
    /// The last row of the last list ("the last one").
    LastRow,
    /// The row of the last list named like the reference's second word
    /// ("the notification-service one": `notification-service` or
    /// `notification-service-…`).
    Named,
    /// Every object just listed ("them", "those pods").
    Plural,
    /// "the pod", "the deployment": honoured only when the request asks
    /// for a name it would otherwise not have.
    Definite,
}

/// What a follow-up came to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolution {
    /// It does not lean on anything after all: the request stands alone.
    Standalone,
    /// The complete request it stands for.
    Resolved(Resolved),
    /// It cannot be resolved without a guess: the question to ask.
    Ask(Clarify),
    /// A reference with nothing to refer to: these are its words.
    Unknown(String),
}

/// A follow-up resolved to a complete request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The complete request, as a person would have typed it.
    pub(crate) request: String,
    /// What was resolved and how, for the answer and the plan card.
    pub(crate) note: String,
}

/// Words that may open any follow-up and carry nothing themselves.
const FILLERS: [&str; 9] = [
    "ok", "okay", "and", "now", "also", "so", "then", "but", "alright",
];

/// Openers of a repeat, longest first ("and what about kube-system?").
const OPENERS: [&[&str]; 10] = [
    &["do", "the", "same", "for"],
    &["do", "the", "same"],
    &["the", "same", "for"],
    &["same", "thing", "for"],
    &["same", "thing"],
    &["the", "same"],
    &["what", "about"],
    &["how", "about"],
    &["same", "for"],
    &["same"],
];

/// Words that may close a repeat ("and in staging too?").
const CLOSERS: [&str; 6] = ["too", "also", "please", "instead", "then", "now"];

/// Words that are never a name or a namespace of a repeat.
const NOT_NAMES: [&str; 14] = [
    "it",
    "its",
    "that",
    "this",
    "them",
    "those",
    "these",
    "there",
    "here",
    "one",
    "all",
    "everything",
    "the",
    "again",
];

/// Pronouns that stand for every object just listed.
const PLURALS: [&str; 4] = ["them", "those", "these", "they"];

/// Nouns "it's" owns when it is a misspelt "its" ("it's logs").
const POSSESSED: [&str; 14] = [
    "logs",
    "log",
    "events",
    "yaml",
    "status",
    "image",
    "images",
    "replicas",
    "pods",
    "labels",
    "ports",
    "manifest",
    "containers",
    "usage",
];

/// Ordinal words and the row they name (`None`: the last row).
const ORDINALS: [(&str, Option<usize>); 11] = [
    ("first", Some(0)),
    ("1st", Some(0)),
    ("second", Some(1)),
    ("2nd", Some(1)),
    ("third", Some(2)),
    ("3rd", Some(2)),
    ("fourth", Some(3)),
    ("4th", Some(3)),
    ("fifth", Some(4)),
    ("5th", Some(4)),
    ("last", None),
];

/// A request's word, lower case, without the punctuation around it.
fn plain(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .trim_matches('\'')
        .to_lowercase()
}

/// The follow-up `text` is, if it is one: a repeat when the whole request
/// is an opener and a place or a word, else a reference when one of its
/// words stands for an earlier object. Cheap on the fast path: a request
/// with neither shape costs one pass over its words.
pub(crate) fn detect(text: &str) -> Option<FollowUp> {
    let words: Vec<String> = text.split_whitespace().map(plain).collect();
    if let Some(lean) = repeat_of(&words) {
        return Some(FollowUp::Repeat(lean));
    }
    reference_in(text, &words).map(FollowUp::Refer)
}

/// "and in staging?", "what about payment-service?", "same for kube-system".
fn repeat_of(words: &[String]) -> Option<Lean> {
    let mut rest: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty())
        .collect();
    let mut marked = false;
    while let Some(first) = rest.first()
        && FILLERS.contains(first)
    {
        rest.remove(0);
        marked = true;
    }
    if let Some(opener) = OPENERS.iter().find(|opener| rest.starts_with(opener)) {
        rest.drain(..opener.len());
        marked = true;
    }
    while let Some(last) = rest.last()
        && CLOSERS.contains(last)
    {
        rest.pop();
    }
    if rest.ends_with(&["as", "well"]) {
        rest.truncate(rest.len() - 2);
    }
    let explicit_namespace = rest.first() == Some(&"in");
    if matches!(rest.first(), Some(&("in" | "on" | "for" | "with"))) {
        rest.remove(0);
    }
    if rest.first() == Some(&"the") {
        rest.remove(0);
    }
    let lean = match rest.as_slice() {
        ["namespace" | "ns" | "-n" | "--namespace", value] | [value, "namespace" | "ns"] => {
            Lean::Namespace((*value).to_owned())
        }
        ["context" | "cluster" | "--context", value] | [value, "context" | "cluster"] => {
            Lean::Context((*value).to_owned())
        }
        [kind, value] | [value, kind] if ResourceKind::from_word(kind).is_some() => {
            Lean::Name((*value).to_owned())
        }
        [word]
            if !explicit_namespace
                && ResourceKind::from_word(word).is_some_and(|kind| kind.noun() != *word) =>
        {
            Lean::Kinds((*word).to_owned())
        }
        [value] if explicit_namespace => Lean::Namespace((*value).to_owned()),
        [value] => Lean::Word((*value).to_owned()),
        _ => return None,
    };
    let value = match &lean {
        Lean::Namespace(value)
        | Lean::Context(value)
        | Lean::Name(value)
        | Lean::Word(value)
        | Lean::Kinds(value) => value,
    };
    let name_shaped = is_name_shaped(value);
    let a_word_of_its_own = NOT_NAMES.contains(&value.as_str())
        || (matches!(lean, Lean::Word(_)) && ResourceKind::from_word(value).is_some());
    ((marked || explicit_namespace) && name_shaped && !a_word_of_its_own).then_some(lean)
}

/// Whether `word` can be a Kubernetes name (or namespace).
fn is_name_shaped(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        && word.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// Most words of a request that changes a resource without naming its
/// object ("raise the memory limit"): a longer one may name another.
const UNNAMED_CHANGE_WORDS: usize = 4;

/// Whether the plan `card` is the resource change `text` asks for without
/// an amount: the same resource (memory or cpu, limit or request as said),
/// on its target.
fn is_that_change(card: &PlanCard, text: &str) -> bool {
    let text = text.to_lowercase();
    let desired = card.desired.to_string().to_lowercase();
    let same_resource = ["memory", "cpu"]
        .iter()
        .any(|resource| text.contains(resource) && desired.contains(resource))
        && ["limit", "request"]
            .iter()
            .all(|bound| !text.contains(bound) || desired.contains(bound));
    let on_target = text.contains(&card.target.name.to_lowercase())
        || text.split_whitespace().count() <= UNNAMED_CHANGE_WORDS;
    same_resource && on_target && amount_fits(&card.diff, &text)
}

/// An amount a request for a resource change states (`text` lowercased).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Amount {
    /// None: "raise its memory limit".
    Unstated,
    /// Grown by this percentage: "by 20%", "by 50 percent", "double it".
    Percent(u64),
    /// Any other amount ("by 256Mi", "halve it"), which an offered plan is
    /// never taken to be.
    Other,
}

impl Amount {
    fn of(text: &str) -> Amount {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|word| !word.is_empty())
            .collect();
        for (index, word) in words.iter().enumerate() {
            let percent = word
                .strip_suffix('%')
                .or_else(|| {
                    matches!(words.get(index + 1), Some(&("percent" | "pct"))).then_some(*word)
                })
                .and_then(|number| number.parse::<u64>().ok());
            if let Some(percent) = percent {
                return Amount::Percent(percent);
            }
            match *word {
                "double" | "twice" | "doubled" => return Amount::Percent(100),
                "triple" | "tripled" => return Amount::Percent(200),
                "half" | "halve" | "halved" => return Amount::Other,
                _ => {}
            }
        }
        if text.chars().any(|c| c.is_ascii_digit()) {
            Amount::Other
        } else {
            Amount::Unstated
        }
    }
}

/// Whether the resource change of `diff` is the amount `text` states: any
/// when it states none; grown by the percentage it states (rounded up to a
/// value a person writes, by at most an eighth more, as proposals round:
/// `quantity::Memory::raised_by_percent`); never another amount.
fn amount_fits(diff: &[crate::diff::FieldChange], text: &str) -> bool {
    let percent = match Amount::of(text) {
        Amount::Unstated => return true,
        Amount::Other => return false,
        Amount::Percent(percent) => u128::from(percent),
    };
    let amount = |value: &Option<Value>, memory: bool| {
        let text = value.as_ref().and_then(Value::as_str)?;
        let amount = if memory {
            crate::diagnosis::quantity::Memory::parse(text).ok()?.0
        } else {
            crate::diagnosis::quantity::Cpu::parse(text).ok()?.0
        };
        Some(u128::from(amount))
    };
    diff.iter()
        .filter(|change| change.path.contains(".resources."))
        .any(|change| {
            let memory = change.path.ends_with(".memory");
            let (Some(live), Some(desired)) = (
                amount(&change.live, memory),
                amount(&change.desired, memory),
            ) else {
                return false;
            };
            let raised = live * (100 + percent);
            desired * 100 >= raised && desired * 100 * 8 <= raised * 9
        })
}

/// The first words of `text` standing for an earlier object.
fn reference_in(text: &str, words: &[String]) -> Option<Reference> {
    let kind_at = |index: usize| {
        words
            .get(index)
            .and_then(|word| ResourceKind::from_word(word))
    };
    let singular_kind_at = |index: usize| {
        kind_at(index).filter(|kind| {
            words
                .get(index)
                .is_some_and(|word| kind.noun().eq_ignore_ascii_case(word) || !word.ends_with('s'))
        })
    };
    let written: Vec<&str> = text.split_whitespace().collect();
    let found = |start: usize, end: usize, points, kind, possessive| {
        Some(Reference {
            start,
            end,
            points,
            kind,
            possessive,
            words: written[start..end]
                .iter()
                .map(|word| word.trim_matches(['?', '!', '.', ',']))
                .collect::<Vec<_>>()
                .join(" "),
        })
    };
    for (index, word) in words.iter().enumerate() {
        let next = words.get(index + 1).map(String::as_str);
        match word.as_str() {
            "its" => return found(index, index + 1, Points::Last, None, true),
            "it's" if next.is_some_and(|next| POSSESSED.contains(&next)) => {
                return found(index, index + 1, Points::Last, None, true);
            }
            "it" => return found(index, index + 1, Points::Last, None, false),
            "their" => return found(index, index + 1, Points::Plural, None, true),
            plural if PLURALS.contains(&plural) => {
                let kind = kind_at(index + 1);
                let end = index + 1 + usize::from(kind.is_some());
                return found(index, end, Points::Plural, kind, false);
            }
            "that" | "this" => match next {
                Some("one") => return found(index, index + 2, Points::Last, None, false),
                Some(_) if singular_kind_at(index + 1).is_some() => {
                    return found(
                        index,
                        index + 2,
                        Points::Last,
                        singular_kind_at(index + 1),
                        false,
                    );
                }
                None => return found(index, index + 1, Points::Last, None, false),
                Some(_) => {}
            },
            _ => {}
        }
        let ordinal_at = if word == "the" { index + 1 } else { index };
        if let Some((_, row)) = words.get(ordinal_at).and_then(|ordinal| {
            ORDINALS
                .iter()
                .find(|(spelt, _)| *spelt == ordinal.as_str())
        }) {
            let points = row.map_or(Points::LastRow, Points::Row);
            let following = words.get(ordinal_at + 1).map(String::as_str);
            if following == Some("one") {
                return found(index, ordinal_at + 2, points, None, false);
            }
            if let Some(kind) = singular_kind_at(ordinal_at + 1) {
                return found(index, ordinal_at + 2, points, Some(kind), false);
            }
            if following.is_none() && word == "the" {
                return found(index, ordinal_at + 1, points, None, false);
            }
        }
        if word == "the"
            && let Some(kind) = singular_kind_at(index + 1)
        {
            return found(index, index + 2, Points::Definite, Some(kind), false);
        }
        if word == "the"
            && let Some(name) = words.get(index + 1)
            && is_name_shaped(name)
            && ResourceKind::from_word(name).is_none()
            && !NOT_NAMES.contains(&name.as_str())
        {
            if words.get(index + 2).map(String::as_str) == Some("one") {
                return found(index, index + 3, Points::Named, None, false);
            }
            if let Some(kind) = singular_kind_at(index + 2) {
                return found(index, index + 3, Points::Named, Some(kind), false);
            }
        }
    }
    None
}

/// Resolves a follow-up against what the session last talked about:
/// the complete request, a question, or "no object yet".
pub(crate) async fn resolve(
    pipeline: &Pipeline,
    text: &str,
    follow_up: FollowUp,
    recent: Option<&Recent>,
    session_context: &str,
) -> Result<Resolution, WorkflowError> {
    match follow_up {
        FollowUp::Repeat(lean) => match recent {
            Some(recent) => repeat(pipeline, text, recent, lean, session_context).await,
            // Words the classifier understands alone ("how about in
            // production?" lists its pods) are taken as they are.
            None if !matches!(classifier::classify(text), Intent::Clarify { .. }) => {
                Ok(Resolution::Standalone)
            }
            None => Ok(Resolution::Ask(nothing_to_repeat(&lean))),
        },
        FollowUp::Refer(reference) => {
            let own = classifier::classify(text);
            // "do it", "raise its memory limit": about the plan offered
            // (the run path offers it again if it fits), not an object.
            if matches!(&own, Intent::Clarify { missing, .. } if missing.contains(&Param::Plan))
                || names_its_own_object(&own, &reference)
            {
                return Ok(Resolution::Standalone);
            }
            // "the checkout one" with no list before names checkout itself.
            if reference.points == Points::Named
                && recent.is_none_or(|recent| recent.listed.is_empty())
            {
                return Ok(Resolution::Standalone);
            }
            let Some(recent) = recent else {
                return Ok(Resolution::Unknown(reference.pronoun()));
            };
            match referent(&reference, recent) {
                Referent::Nothing => Ok(Resolution::Unknown(reference.pronoun())),
                Referent::Standalone => Ok(Resolution::Standalone),
                Referent::Ask(question) => Ok(Resolution::Ask(question)),
                Referent::Object(subject) => {
                    let origin = match reference.points {
                        Points::Row(index) => format!("row {} of the last list", index + 1),
                        Points::LastRow => "the last row of the last list".to_owned(),
                        Points::Named => "the row of the last list named like that".to_owned(),
                        _ if recent.subject.as_ref() == Some(&subject) => {
                            LAST_TALKED_ABOUT.to_owned()
                        }
                        _ => "the only object just listed".to_owned(),
                    };
                    let resolution =
                        with_subject(text, &reference, &own, &subject, &origin, session_context);
                    let again = |owner: &Subject, origin: &str| {
                        with_subject(text, &reference, &own, owner, origin, session_context)
                    };
                    onto_owner(pipeline, resolution, &subject, again).await
                }
                Referent::PodsOf(workload) => {
                    let namespace = match &workload.namespace {
                        Some(namespace) => namespace.clone(),
                        None => pipeline
                            .cluster
                            .facts()
                            .await?
                            .namespace_of(&workload.context),
                    };
                    let pod = |name: String| Subject {
                        kind: Some("Pod".to_owned()),
                        name,
                        namespace: Some(namespace.clone()),
                        context: workload.context.clone(),
                    };
                    let found = discovery::resolve_pod(
                        &pipeline.cluster,
                        &workload.context,
                        &namespace,
                        &workload.name,
                    )
                    .await?;
                    let (subject, origin) = match found {
                        PodMatch::Exact => {
                            (pod(workload.name.clone()), LAST_TALKED_ABOUT.to_owned())
                        }
                        PodMatch::Candidates { pods, .. } if pods.len() == 1 => (
                            pod(pods.into_iter().next().unwrap_or_default()),
                            format!("the only pod of {}", workload.described()),
                        ),
                        PodMatch::Candidates { pods, .. } => {
                            return Ok(Resolution::Ask(choose(
                                format!(
                                    "'{}' could be any of the {} pods of {}",
                                    reference.words,
                                    pods.len(),
                                    workload.described()
                                ),
                                pods,
                            )));
                        }
                        PodMatch::Nothing { .. } => {
                            return Ok(Resolution::Ask(Clarify {
                                question: format!(
                                    "'{}': {} has no pods in namespace {namespace} now. Name the pod.",
                                    reference.words,
                                    workload.described()
                                ),
                                missing: vec![Param::Name.as_str().to_owned()],
                                candidates: Vec::new(),
                            }));
                        }
                    };
                    Ok(with_subject(
                        text,
                        &reference,
                        &own,
                        &subject,
                        &origin,
                        session_context,
                    ))
                }
            }
        }
    }
}

/// Most words of a request that names no object and is still taken as
/// being about the object the session last talked about ("show the logs",
/// "restart", "scale to 3"); a longer one says something of its own.
const MAX_IMPLICIT_WORDS: usize = 4;

/// A request the classifier could only ask about (no name, or no idea what
/// to do with so few words), short enough to be about the object the
/// session last talked about: the complete request it stands for, when the
/// classifier reads one about that object; `None` leaves the question.
/// A noun phrase ("show the logs") gets the object after it ("of pod x"),
/// a verb ("restart", "scale to 3") right after the verb.
pub(crate) async fn implicit(
    pipeline: &Pipeline,
    text: &str,
    intent: &Intent,
    recent: Option<&Recent>,
    session_context: &str,
) -> Result<Option<Resolved>, WorkflowError> {
    let Some(subject) = recent.and_then(|recent| recent.subject.as_ref()) else {
        return Ok(None);
    };
    let Some(complete) =
        implicit_reading(text, intent, subject, LAST_TALKED_ABOUT, session_context)
    else {
        return Ok(None);
    };
    let again = |owner: &Subject, origin: &str| {
        implicit_reading(text, intent, owner, origin, session_context)
            .map_or(Resolution::Standalone, Resolution::Resolved)
    };
    Ok(
        match onto_owner(pipeline, Resolution::Resolved(complete), subject, again).await? {
            Resolution::Resolved(complete) => Some(complete),
            _ => None,
        },
    )
}

/// [`implicit`]'s reading of `text` about `subject` (which comes from
/// `origin`), checked by the classifier.
fn implicit_reading(
    text: &str,
    intent: &Intent,
    subject: &Subject,
    origin: &str,
    session_context: &str,
) -> Option<Resolved> {
    let Intent::Clarify { missing, .. } = intent else {
        return None;
    };
    if classifier::is_small_talk(intent) {
        return None;
    }
    let only_the_object_is_missing = missing
        .iter()
        .all(|param| matches!(param, Param::Name | Param::Kind | Param::Intent));
    let words: Vec<String> = text.split_whitespace().map(plain).collect();
    let about_many = words
        .iter()
        .any(|word| discovery::BULK_WORDS.contains(&word.as_str()));
    if !only_the_object_is_missing
        || words.is_empty()
        || words.len() > MAX_IMPLICIT_WORDS
        || about_many
    {
        return None;
    }
    let bare = text.trim().trim_end_matches(['?', '!', '.', ',']);
    let (verb, rest) = bare.split_once(char::is_whitespace).unwrap_or((bare, ""));
    let noun_phrase = words.iter().any(|word| POSSESSED.contains(&word.as_str()));
    let context = (subject.context != session_context).then_some(subject.context.as_str());
    // "show me postgres" after a read of deployment postgres: the request
    // names the object and lacks only its kind, so the kind goes where the
    // name stands ("show me deployment postgres").
    let names_it = words.contains(&subject.name.to_lowercase());
    for object in spellings(subject) {
        let after_verb = format!("{verb} {object} {rest}").trim_end().to_owned();
        let after_phrase = format!("{bare} of {object}");
        let in_place = names_it.then(|| {
            bare.split_whitespace()
                .map(|word| {
                    if plain(word) == subject.name.to_lowercase() {
                        object.as_str()
                    } else {
                        word
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        });
        let forms = if noun_phrase {
            [after_phrase, after_verb]
        } else {
            [after_verb, after_phrase]
        };
        for form in in_place.into_iter().chain(forms) {
            let request = placed(form, subject.namespace.as_deref(), context);
            if reads_as_about(&classifier::classify(&request), subject) {
                return Some(Resolved {
                    note: format!(
                        "'{bare}' is about {} ({origin}); read as \"{request}\"",
                        subject.described()
                    ),
                    request,
                });
            }
        }
    }
    None
}

/// A workload's change (scale, set image) resolved onto a pod is about the
/// workload that owns it ("scale it to 3" after a diagnosis of one of
/// checkout's pods; deleting or exec-ing into "it" stays the pod's): the same words
/// resolved by `again` onto the owner read from the cluster; the pod's own
/// reading when it has no owner or the words do not fit the owner.
async fn onto_owner(
    pipeline: &Pipeline,
    resolution: Resolution,
    subject: &Subject,
    again: impl Fn(&Subject, &str) -> Resolution,
) -> Result<Resolution, WorkflowError> {
    let Resolution::Resolved(complete) = &resolution else {
        return Ok(resolution);
    };
    let a_pod = subject
        .kind
        .as_deref()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("Pod"));
    let intent = classifier::classify(&complete.request);
    let changes_a_workload = matches!(intent, Intent::Mutation { .. })
        && kind_of(&intent)
            .as_deref()
            .and_then(ResourceKind::from_word)
            .is_some_and(|kind| kind != ResourceKind::Pod && kind.has_pods());
    if !a_pod || !changes_a_workload {
        return Ok(resolution);
    }
    let Some(owner) = owner_of(pipeline, subject).await? else {
        return Ok(resolution);
    };
    Ok(
        match again(&owner, &format!("the owner of pod {}", subject.name)) {
            owned @ Resolution::Resolved(_) => owned,
            _ => resolution,
        },
    )
}

/// The workload that owns `pod`, from its controller owner reference (a
/// ReplicaSet's own owner, the Deployment, when it has one).
async fn owner_of(pipeline: &Pipeline, pod: &Subject) -> Result<Option<Subject>, WorkflowError> {
    let namespace = pod.namespace.as_deref();
    let controller = |object: &Value| {
        let owners = object.pointer("/metadata/ownerReferences")?.as_array()?;
        let owner = owners
            .iter()
            .find(|owner| owner.get("controller").and_then(Value::as_bool) == Some(true))
            .or_else(|| owners.first())?;
        Some((
            owner.get("apiVersion")?.as_str()?.to_owned(),
            owner.get("kind")?.as_str()?.to_owned(),
            owner.get("name")?.as_str()?.to_owned(),
        ))
    };
    let Fetched::Found(object) = pipeline
        .cluster
        .get(&pod.context, "v1", "Pod", &pod.name, namespace)
        .await?
    else {
        return Ok(None);
    };
    let Some((api_version, mut kind, mut name)) = controller(&object) else {
        return Ok(None);
    };
    if kind == "ReplicaSet"
        && let Fetched::Found(replica_set) = pipeline
            .cluster
            .get(&pod.context, &api_version, &kind, &name, namespace)
            .await?
        && let Some((_, owner_kind, owner_name)) = controller(&replica_set)
    {
        kind = owner_kind;
        name = owner_name;
    }
    Ok(Some(Subject {
        kind: Some(kind),
        name,
        namespace: pod.namespace.clone(),
        context: pod.context.clone(),
    }))
}

/// How a request may name `subject`: by kind and name, then by name alone
/// (a pod's logs are read by its workload's name, not "deployment x").
fn spellings(subject: &Subject) -> Vec<String> {
    let mut spellings = vec![subject.spelled()];
    if subject.kind.is_some() {
        spellings.push(subject.name.clone());
    }
    spellings
}

/// `request` with the namespace and the context appended.
fn placed(mut request: String, namespace: Option<&str>, context: Option<&str>) -> String {
    if let Some(namespace) = namespace {
        request.push_str(&format!(" in namespace {namespace}"));
    }
    if let Some(context) = context {
        request.push_str(&format!(" --context {context}"));
    }
    request
}

/// The question for a reference with no object to refer to.
pub(crate) fn unknown_reference(words: &str) -> Clarify {
    Clarify {
        question: format!(
            "I don't know what '{words}' refers to yet — this session has not talked about any object. Name the object (for example \"logs of pod web-1 in staging\" or \"restart deployment checkout in production\")."
        ),
        missing: vec![Param::Name.as_str().to_owned()],
        candidates: Vec::new(),
    }
}

/// The question for a repeat with no earlier request.
fn nothing_to_repeat(lean: &Lean) -> Clarify {
    let (place, example) = match lean {
        Lean::Namespace(namespace) => (
            format!("namespace {namespace}"),
            format!("list pods in {namespace}"),
        ),
        Lean::Context(context) => (
            format!("context {context}"),
            format!("list pods --context {context}"),
        ),
        Lean::Name(name) | Lean::Word(name) => (name.clone(), format!("describe {name}")),
        Lean::Kinds(kinds) => (kinds.clone(), format!("list {kinds} in production")),
    };
    Clarify {
        question: format!(
            "There is no earlier request in this session to repeat for {place} — say the whole request (for example \"{example}\")."
        ),
        missing: vec![Param::Intent.as_str().to_owned()],
        candidates: Vec::new(),
    }
}

/// Whether a request with a reference names an object of its own anyway
/// ("restart checkout, it is stuck"), or is "the pod" without asking for a
/// name: then it is not a follow-up.
fn names_its_own_object(own: &Intent, reference: &Reference) -> bool {
    if reference.points == Points::Definite {
        let asks_for_a_name =
            matches!(own, Intent::Clarify { missing, .. } if missing.contains(&Param::Name));
        return !asks_for_a_name;
    }
    let reference_words: Vec<String> = reference.words.split_whitespace().map(plain).collect();
    name_of(own, false).is_some_and(|name| !reference_words.contains(&name.to_lowercase()))
}

/// What a reference points at in `recent`.
#[derive(Debug, Clone, PartialEq)]
enum Referent {
    /// That object.
    Object(Subject),
    /// One of the pods of this workload ("that pod" after a deployment).
    PodsOf(Subject),
    /// Several or none fit: the question.
    Ask(Clarify),
    /// Nothing was talked about.
    Nothing,
    /// The words name an object of their own after all.
    Standalone,
}

fn referent(reference: &Reference, recent: &Recent) -> Referent {
    let words = &reference.words;
    let of_kind: Vec<&Subject> = recent
        .listed
        .iter()
        .filter(|listed| reference.kind.is_none_or(|kind| listed.may_be(kind)))
        .collect();
    let row = |index: Option<usize>| {
        if recent.listed.is_empty() {
            return Referent::Ask(Clarify {
                question: format!(
                    "There was no list to pick '{words}' from. Name the object, or list them first."
                ),
                missing: vec![Param::Name.as_str().to_owned()],
                candidates: Vec::new(),
            });
        }
        let chosen = match index {
            Some(index) => of_kind.get(index),
            None => of_kind.last(),
        };
        match chosen {
            Some(subject) => Referent::Object((*subject).clone()),
            None => Referent::Ask(choose(
                format!(
                    "The last list had {} {}; there is no '{words}'",
                    of_kind.len(),
                    if of_kind.len() == 1 { "row" } else { "rows" }
                ),
                of_kind.iter().map(|subject| subject.name.clone()).collect(),
            )),
        }
    };
    match reference.points {
        Points::Row(index) => row(Some(index)),
        Points::LastRow => row(None),
        Points::Named => {
            let prefix = reference
                .words
                .split_whitespace()
                .nth(1)
                .map(plain)
                .unwrap_or_default();
            let named: Vec<&Subject> = of_kind
                .iter()
                .copied()
                .filter(|listed| {
                    listed.name == prefix || listed.name.starts_with(&format!("{prefix}-"))
                })
                .collect();
            match named.as_slice() {
                [only] => Referent::Object((*only).clone()),
                // "restart the checkout deployment" after a list of pods
                // names an object of its own.
                [] => Referent::Standalone,
                several => Referent::Ask(choose(
                    format!("'{words}' could be any of {} rows", several.len()),
                    several.iter().map(|subject| subject.name.clone()).collect(),
                )),
            }
        }
        Points::Plural => match (of_kind.as_slice(), &recent.subject) {
            ([only], _) => Referent::Object((*only).clone()),
            ([], Some(subject)) => Referent::Object(subject.clone()),
            ([], None) => Referent::Nothing,
            (several, _) => Referent::Ask(choose(
                format!(
                    "'{words}' is {} objects; kubeop acts on one object per request",
                    several.len()
                ),
                several.iter().map(|subject| subject.name.clone()).collect(),
            )),
        },
        Points::Last | Points::Definite => match (&recent.subject, reference.kind) {
            (Some(subject), None) => Referent::Object(subject.clone()),
            (Some(subject), Some(kind)) if subject.kind.is_some() && subject.may_be(kind) => {
                Referent::Object(subject.clone())
            }
            (Some(subject), Some(ResourceKind::Pod))
                if subject
                    .kind
                    .as_deref()
                    .and_then(ResourceKind::from_word)
                    .is_none_or(ResourceKind::has_pods) =>
            {
                Referent::PodsOf(subject.clone())
            }
            (Some(subject), Some(kind)) if subject.kind.is_none() => Referent::Object(Subject {
                kind: Some(kind.kind().to_owned()),
                ..subject.clone()
            }),
            (Some(subject), Some(kind)) => Referent::Ask(Clarify {
                question: format!(
                    "'{words}': the last object here was {}, not a {}. Which {} do you mean?",
                    subject.described(),
                    kind.noun(),
                    kind.noun()
                ),
                missing: vec![Param::Name.as_str().to_owned()],
                candidates: Vec::new(),
            }),
            (None, _) => match of_kind.as_slice() {
                [] => Referent::Nothing,
                [only] => Referent::Object((*only).clone()),
                several => Referent::Ask(choose(
                    format!(
                        "'{words}' could be any of the {} objects just listed",
                        several.len()
                    ),
                    several.iter().map(|subject| subject.name.clone()).collect(),
                )),
            },
        },
    }
}

/// A question naming the candidates to choose from.
fn choose(why: String, candidates: Vec<String>) -> Clarify {
    let shown: Vec<&str> = candidates
        .iter()
        .take(MAX_NAMED_CANDIDATES)
        .map(String::as_str)
        .collect();
    let more = candidates.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Clarify {
        question: format!("{why}: {}{more}. Which one do you mean?", shown.join(", ")),
        missing: vec![Param::Name.as_str().to_owned()],
        candidates,
    }
}

/// The request with its reference replaced by `subject`, checked by
/// classifying it: the kind-and-name spelling first, then the bare name
/// (a pod's logs are read by a workload's name, not "deployment x").
fn with_subject(
    text: &str,
    reference: &Reference,
    own: &Intent,
    subject: &Subject,
    origin: &str,
    session_context: &str,
) -> Resolution {
    // A request the classifier only asked about names its namespace to
    // nobody: read it with the object put in.
    let probe = classifier::classify(&rewritten(text, reference, &subject.spelled(), None, None));
    let own_namespace = namespace_of(own).or_else(|| namespace_of(&probe));
    if let (Some(named), Some(its)) = (&own_namespace, &subject.namespace)
        && named != its
    {
        let kind = subject.kind.as_deref().unwrap_or("object").to_lowercase();
        return Resolution::Ask(Clarify {
            question: format!(
                "'{}' is {}, but this request names namespace {named}. Which {kind} in {named} do you mean?",
                reference.words,
                subject.described()
            ),
            missing: vec![Param::Name.as_str().to_owned()],
            candidates: Vec::new(),
        });
    }
    let namespace = own_namespace
        .is_none()
        .then_some(subject.namespace.as_deref())
        .flatten();
    let own_context = [own, &probe].into_iter().find_map(context_of);
    let context = (own_context.is_none() && subject.context != session_context)
        .then_some(subject.context.as_str());
    for object in spellings(subject) {
        let request = rewritten(text, reference, &object, namespace, context);
        let intent = classifier::classify(&request);
        if reads_as_about(&intent, subject) {
            return Resolution::Resolved(Resolved {
                note: format!(
                    "'{}' is {} ({origin}); read as \"{request}\"",
                    reference.words,
                    subject.described()
                ),
                request,
            });
        }
    }
    Resolution::Ask(Clarify {
        question: format!(
            "'{}' is {}, but I could not read \"{text}\" about it. Say the whole request (for example \"describe {}\").",
            reference.words,
            subject.described(),
            subject.spelled()
        ),
        missing: vec![Param::Intent.as_str().to_owned()],
        candidates: Vec::new(),
    })
}

/// `text` with the reference's words replaced by `object` ("its logs" →
/// "the logs of pod web-1"), and the namespace and context appended.
fn rewritten(
    text: &str,
    reference: &Reference,
    object: &str,
    namespace: Option<&str>,
    context: Option<&str>,
) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = words[..reference.start]
        .iter()
        .map(|word| (*word).to_owned())
        .collect();
    if reference.possessive {
        out.push("the".to_owned());
    } else {
        out.push(object.to_owned());
    }
    out.extend(words[reference.end..].iter().map(|word| (*word).to_owned()));
    if let Some(last) = out.last_mut() {
        *last = last.trim_end_matches(['?', '!', '.', ',']).to_owned();
    }
    if reference.possessive {
        out.push("of".to_owned());
        out.push(object.to_owned());
    }
    placed(out.join(" "), namespace, context)
}

/// Whether `intent` is a request about `subject`: not a question, naming it
/// (by name, event selector or manifest), in its namespace if it names one.
fn reads_as_about(intent: &Intent, subject: &Subject) -> bool {
    !matches!(intent, Intent::Clarify { .. })
        && name_of(intent, true).as_deref() == Some(subject.name.as_str())
        && match (namespace_of(intent), &subject.namespace) {
            (Some(named), Some(its)) => &named == its,
            _ => true,
        }
}

/// What a repeated request must read as to be taken (the new namespace,
/// name or context, nothing else moved).
type Holds = Box<dyn Fn(&Intent) -> bool>;

/// The last request again with `lean` applied, checked by classifying it:
/// the same path and tool, with the new namespace, name or context.
async fn repeat(
    pipeline: &Pipeline,
    text: &str,
    recent: &Recent,
    lean: Lean,
    session_context: &str,
) -> Result<Resolution, WorkflowError> {
    let swap = match lean {
        Lean::Kinds(kinds) => return Ok(kinds_where_last(text, recent, &kinds)),
        Lean::Word(word) => match decide(pipeline, recent, word, session_context).await? {
            Ok(swap) => swap,
            Err(question) => return Ok(Resolution::Ask(question)),
        },
        Lean::Namespace(namespace) => Swap::Namespace(namespace),
        Lean::Context(context) => Swap::Context(context),
        Lean::Name(name) => Swap::Name(name),
    };
    let last = &recent.request;
    let (request, holds): (Option<String>, Holds) = match &swap {
        Swap::Namespace(namespace) => {
            let request = namespace_of(&recent.intent)
                .and_then(|old| replace_word(last, &old, namespace))
                .unwrap_or_else(|| format!("{last} in namespace {namespace}"));
            let name = name_of(&recent.intent, true);
            let namespace = namespace.clone();
            (
                Some(request),
                Box::new(move |intent: &Intent| {
                    namespace_of(intent).as_deref() == Some(namespace.as_str())
                        && name_of(intent, true) == name
                }),
            )
        }
        Swap::Context(context) => {
            let request = context_of(&recent.intent)
                .and_then(|old| replace_word(last, &old, context))
                .unwrap_or_else(|| format!("{last} --context {context}"));
            let context = context.clone();
            (
                Some(request),
                Box::new(move |intent: &Intent| {
                    context_of(intent).as_deref() == Some(context.as_str())
                }),
            )
        }
        Swap::Name(name) => {
            let request =
                name_of(&recent.intent, true).and_then(|old| replace_word(last, &old, name));
            let name = name.clone();
            (
                request,
                Box::new(move |intent: &Intent| {
                    name_of(intent, true).as_deref() == Some(name.as_str())
                }),
            )
        }
    };
    let what = match &swap {
        Swap::Namespace(namespace) => format!("namespace {namespace}"),
        Swap::Context(context) => format!("context {context}"),
        Swap::Name(name) => name.clone(),
    };
    let Some(request) = request else {
        return Ok(Resolution::Ask(Clarify {
            question: format!(
                "Your last request (\"{last}\") named no object I could swap for {what}. Say the whole request (for example \"describe {what}\")."
            ),
            missing: vec![Param::Intent.as_str().to_owned()],
            candidates: Vec::new(),
        }));
    };
    let intent = classifier::classify(&request);
    if same_shape(&intent, &recent.intent) && holds(&intent) {
        return Ok(Resolution::Resolved(Resolved {
            note: format!("'{text}' repeats your last request for {what}: read as \"{request}\""),
            request,
        }));
    }
    Ok(Resolution::Ask(Clarify {
        question: format!(
            "I could not carry your last request (\"{last}\") over to {what}. Say the whole request."
        ),
        missing: vec![Param::Intent.as_str().to_owned()],
        candidates: Vec::new(),
    }))
}

/// What a repeat swaps into the last request once its word is settled
/// ([`decide`]): a namespace, a context or the object's name. A kind
/// ([`Lean::Kinds`]) is answered before, by [`kinds_where_last`].
enum Swap {
    /// Another namespace.
    Namespace(String),
    /// Another context.
    Context(String),
    /// Another object of the same kind.
    Name(String),
}

/// The context the request names (`--context X`, "on context X"), if any.
fn context_of(intent: &Intent) -> Option<String> {
    intent
        .arguments()
        .and_then(|arguments| arguments.context.clone())
}

/// "and the services?": the objects of that kind where the last request
/// was, when it named a namespace and the list reads as one there;
/// otherwise the words are a request of their own.
fn kinds_where_last(text: &str, recent: &Recent, kinds: &str) -> Resolution {
    // Without a namespace before, the list is the classifier's own.
    let Some(namespace) = namespace_of(&recent.intent) else {
        return Resolution::Standalone;
    };
    let request = placed(
        format!("list {kinds}"),
        Some(&namespace),
        context_of(&recent.intent).as_deref(),
    );
    let intent = classifier::classify(&request);
    let lists_there = list_kind(&intent).is_some()
        && namespace_of(&intent).as_deref() == Some(namespace.as_str());
    if lists_there {
        Resolution::Resolved(Resolved {
            note: format!(
                "'{text}' is about namespace {namespace}, where your last request was: read as \"{request}\""
            ),
            request,
        })
    } else {
        Resolution::Standalone
    }
}

/// Whether "what about WORD?" means another namespace or another object:
/// a request that named no object, or a word that is its namespace, moves
/// namespace; otherwise the cluster decides (a namespace of that name
/// exists, or not), and asks when an object of the subject's kind has that
/// name too.
async fn decide(
    pipeline: &Pipeline,
    recent: &Recent,
    word: String,
    session_context: &str,
) -> Result<Result<Swap, Clarify>, WorkflowError> {
    if name_of(&recent.intent, true).is_none()
        || namespace_of(&recent.intent).as_deref() == Some(word.as_str())
    {
        return Ok(Ok(Swap::Namespace(word)));
    }
    let context = context_of(&recent.intent).unwrap_or_else(|| session_context.to_owned());
    let cluster = &pipeline.cluster;
    if let Fetched::Missing(_) = cluster
        .get(&context, "v1", "Namespace", &word, None)
        .await?
    {
        return Ok(Ok(Swap::Name(word)));
    }
    let object_kind = recent
        .subject
        .as_ref()
        .and_then(|subject| subject.kind.as_deref())
        .and_then(ResourceKind::from_word);
    if let Some(kind) = object_kind
        && let Some(subject) = &recent.subject
        && let Fetched::Found(_) = cluster
            .get(
                &context,
                kind.api_version(),
                kind.kind(),
                &word,
                subject.namespace.as_deref(),
            )
            .await?
    {
        return Ok(Err(Clarify {
            question: format!(
                "'{word}' is both a namespace and a {} in namespace {}: do you mean namespace {word} or {} {word}?",
                kind.noun(),
                subject.namespace.as_deref().unwrap_or("-"),
                kind.noun()
            ),
            missing: vec![Param::Namespace.as_str().to_owned()],
            candidates: vec![
                format!("namespace {word}"),
                format!("{} {word}", kind.noun()),
            ],
        }));
    }
    Ok(Ok(Swap::Namespace(word)))
}

/// Whether two intents take the same path with the same tool, operation
/// and playbook (a repeat must be the same request elsewhere).
fn same_shape(new: &Intent, last: &Intent) -> bool {
    fn shape(
        intent: &Intent,
    ) -> (
        &'static str,
        Option<Tool>,
        Option<Operation>,
        Option<Playbook>,
    ) {
        let operation = match intent {
            Intent::Mutation { operation, .. } => Some(*operation),
            _ => None,
        };
        let playbook = match intent {
            Intent::Diagnose { playbook, .. } => Some(*playbook),
            _ => None,
        };
        (intent.path(), intent.tool(), operation, playbook)
    }
    shape(new) == shape(last)
}

/// `text` with every whole-word `old` replaced by `new`; `None` when `old`
/// is not one of its words. A word ends at anything but a letter, digit,
/// `-` or `_` (a `.` inside a name continues it).
fn replace_word(text: &str, old: &str, new: &str) -> Option<String> {
    if old.is_empty() {
        return None;
    }
    let is_name = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len() + new.len());
    let mut rest = text;
    let mut replaced = false;
    let mut previous: Option<char> = None;
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().next_back().or(previous);
        let after: Vec<char> = rest[at + old.len()..].chars().take(2).collect();
        let ends = match after.as_slice() {
            [] | ['.'] => true,
            ['.', next, ..] => !is_name(*next),
            [next, ..] => !is_name(*next) && *next != '.',
        };
        let starts = before.is_none_or(|c| !is_name(c) && c != '.');
        out.push_str(&rest[..at]);
        if starts && ends {
            out.push_str(new);
            replaced = true;
        } else {
            out.push_str(old);
        }
        previous = old.chars().next_back();
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    replaced.then_some(out)
}

/// The one object a request's intent names, if it names one: its `name`,
/// the object of an event selector, a manifest's name; with `selectors`,
/// also the application of an `app=X` list ("the pods of checkout").
fn name_of(intent: &Intent, selectors: bool) -> Option<String> {
    let arguments = intent.arguments()?;
    if let Some(name) = &arguments.name {
        return Some(name.clone());
    }
    if let Some(resource) = &arguments.resource
        && let Some(name) = manifest_field(resource, "name")
    {
        return Some(name);
    }
    if let Some(name) = arguments
        .field_selector
        .as_deref()
        .and_then(|selector| selector_value(selector, "involvedObject.name"))
    {
        return Some(name);
    }
    if selectors {
        return arguments
            .label_selector
            .as_deref()
            .and_then(|selector| selector_value(selector, "app"));
    }
    None
}

/// The namespace a request's intent names (or its manifest's).
fn namespace_of(intent: &Intent) -> Option<String> {
    let arguments = intent.arguments()?;
    arguments.namespace.clone().or_else(|| {
        arguments
            .resource
            .as_deref()
            .and_then(|resource| manifest_field(resource, "namespace"))
    })
}

/// The kind a request's intent names: a pod tool's pods, a selector's
/// `involvedObject.kind`, the `kind` argument or the manifest's.
fn kind_of(intent: &Intent) -> Option<String> {
    let arguments = intent.arguments()?;
    let pod_tool = matches!(
        intent.tool(),
        Some(
            Tool::PodsGet
                | Tool::PodsLog
                | Tool::PodsTop
                | Tool::PodsDelete
                | Tool::PodsExec
                | Tool::PodsRun
        )
    );
    if pod_tool {
        return Some("Pod".to_owned());
    }
    if let Some(kind) = arguments
        .field_selector
        .as_deref()
        .and_then(|selector| selector_value(selector, "involvedObject.kind"))
    {
        return Some(kind);
    }
    if matches!(
        intent,
        Intent::Diagnose { .. }
            | Intent::ReadOnly {
                tool: Tool::EventsList,
                ..
            }
    ) {
        return None;
    }
    arguments.kind.as_deref().map(str::to_owned).or_else(|| {
        arguments
            .resource
            .as_deref()
            .and_then(|resource| manifest_field(resource, "kind"))
    })
}

/// `key`'s value in a `k=v,k2=v2` selector.
fn selector_value(selector: &str, key: &str) -> Option<String> {
    selector.split(',').find_map(|term| {
        let (term_key, value) = term.split_once('=')?;
        (term_key.trim() == key && !value.is_empty() && !term_key.ends_with('!'))
            .then(|| value.trim().to_owned())
    })
}

/// A manifest's `kind` (top level) or `metadata.name` / `metadata.namespace`
/// (the classifier's manifests put them two spaces in under `metadata:`).
fn manifest_field(resource: &str, key: &str) -> Option<String> {
    let unquoted = |value: &str| value.trim().trim_matches('"').trim_matches('\'').to_owned();
    if key == "kind" {
        return resource
            .lines()
            .find_map(|line| line.strip_prefix("kind:"))
            .map(unquoted);
    }
    let mut in_metadata = false;
    for line in resource.lines() {
        if !line.starts_with(' ') {
            in_metadata = line.trim_end() == "metadata:";
            continue;
        }
        if in_metadata
            && let Some(value) = line
                .strip_prefix("  ")
                .filter(|rest| !rest.starts_with(' '))
                .and_then(|rest| rest.strip_prefix(key))
                .and_then(|rest| rest.strip_prefix(':'))
        {
            return Some(unquoted(value)).filter(|value| !value.is_empty());
        }
    }
    None
}

/// The object a request's intent names, as a subject in `context`.
fn named_in(intent: &Intent, context: &str) -> Option<Subject> {
    Some(Subject {
        kind: kind_of(intent),
        name: name_of(intent, false)?,
        namespace: namespace_of(intent),
        context: context_of(intent).unwrap_or_else(|| context.to_owned()),
    })
}

/// The subject as the answer resolved it: the pod a workload's name stood
/// for ("checkout → checkout-7d9f-x2x9q (the only one ...)"), the kind a
/// name turned out to be ("postgres is a statefulset (no deployment ...")
/// or the namespace it was found in ("deployment/x is in namespace y").
fn as_answered(mut subject: Subject, text: &str) -> Subject {
    let first_line = text.lines().next().unwrap_or_default();
    if let Some(pod) = first_line
        .strip_prefix(&format!("{} → ", subject.name))
        .and_then(|rest| rest.split([' ', ':', ',']).next())
        .filter(|pod| !pod.is_empty())
    {
        subject.name = pod.to_owned();
        subject.kind = Some("Pod".to_owned());
    } else if let Some(kind) = first_line
        .strip_prefix(&format!("{} is a ", subject.name))
        .and_then(|rest| rest.strip_suffix(" (no deployment has that name)"))
        .and_then(ResourceKind::from_word)
    {
        subject.kind = Some(kind.kind().to_owned());
    } else if let Some(kind) = &subject.kind
        && let Some(namespace) = first_line
            .strip_prefix(&format!(
                "{}/{} is in namespace ",
                kind.to_lowercase(),
                subject.name
            ))
            .and_then(|rest| rest.split(' ').next())
    {
        subject.namespace = Some(namespace.to_owned());
    }
    subject
}

/// The object a diagnosis examined (its report's `subject`).
fn examined(report: Option<&Value>, context: &str) -> Option<Subject> {
    let subject = report?.get("subject")?;
    let text = |key: &str| subject.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(Subject {
        kind: text("kind"),
        name: text("name")?,
        namespace: text("namespace"),
        context: context.to_owned(),
    })
}

/// The kind of the objects a list read shows (`None`: no list read).
fn list_kind(intent: &Intent) -> Option<String> {
    match intent.tool() {
        Some(Tool::PodsList | Tool::PodsListInNamespace | Tool::PodsTop) => Some("Pod".to_owned()),
        Some(Tool::ResourcesList) => intent
            .arguments()
            .and_then(|arguments| arguments.kind.as_deref())
            .map(str::to_owned),
        _ => None,
    }
}

/// The objects of `kind` a list answer shows, in its order: the rows under
/// the table's header (a lead line above it is skipped), named by the POD
/// column of a `top` (one row per container) or else NAME, their namespace
/// from the NAMESPACE column or the request.
fn listed_in(intent: &Intent, kind: String, text: &str, context: &str) -> Vec<Subject> {
    let mut lines = text.lines();
    let header = lines.by_ref().find(|line| {
        let mut columns = line.split_whitespace();
        matches!(columns.next(), Some("NAME" | "NAMESPACE"))
            && line.split_whitespace().any(|column| column == "NAME")
    });
    let Some(header) = header else {
        return Vec::new();
    };
    let table: String = std::iter::once(header)
        .chain(lines.take(MAX_REMEMBERED_ROWS))
        .collect::<Vec<_>>()
        .join("\n");
    let table = Table::parse(&table);
    let exact = |name: &str| table.columns.iter().position(|column| column == name);
    let Some(name_at) = exact("POD").or_else(|| exact("NAME")) else {
        return Vec::new();
    };
    let namespace_at = exact("NAMESPACE");
    let namespace = namespace_of(intent);
    let mut listed: Vec<Subject> = Vec::new();
    for row in &table.rows {
        let Some(name) = row.get(name_at) else {
            continue;
        };
        let namespace = namespace_at
            .and_then(|index| row.get(index).cloned())
            .or_else(|| namespace.clone());
        if listed
            .last()
            .is_some_and(|last| &last.name == name && last.namespace == namespace)
        {
            continue;
        }
        listed.push(Subject {
            kind: Some(kind.clone()),
            name: name.clone(),
            namespace,
            context: context.to_owned(),
        });
    }
    listed
}

/// A response to a resolved follow-up, saying what it was resolved to: the
/// answer's first line, a diagnosis's first evidence, the question's
/// opening (a plan card carries it among what was inferred).
pub(crate) fn annotated(response: Response, note: &str) -> Response {
    match response {
        Response::Answer(mut answer) => {
            answer.text = format!("({note})\n\n{}", answer.text).into();
            Response::Answer(answer)
        }
        Response::Diagnosis(mut diagnosis) => {
            diagnosis.evidence.insert(0, format!("follow-up: {note}"));
            Response::Diagnosis(diagnosis)
        }
        Response::Clarify(mut question) => {
            question.question = format!("({note}) {}", question.question);
            Response::Clarify(question)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> Reference {
        match detect(text) {
            Some(FollowUp::Refer(reference)) => reference,
            other => panic!("{text:?} should refer to an earlier object, got {other:?}"),
        }
    }

    fn repeat_lean(text: &str) -> Lean {
        match detect(text) {
            Some(FollowUp::Repeat(lean)) => lean,
            other => panic!("{text:?} should repeat the last request, got {other:?}"),
        }
    }

    fn subject(kind: &str, name: &str, namespace: &str) -> Subject {
        Subject {
            kind: Some(kind.to_owned()),
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
            context: "sim".to_owned(),
        }
    }

    fn recent(request: &str, subject: Option<Subject>, listed: Vec<Subject>) -> Recent {
        Recent {
            request: request.to_owned(),
            intent: classifier::classify(request),
            subject,
            listed,
            proposal: None,
            offered_now: false,
            undo: None,
        }
    }

    #[test]
    fn an_offered_resource_change_fits_only_the_amount_asked() {
        use crate::diff::{ChangeKind, FieldChange};
        let limit = |live: &str, desired: &str| {
            vec![FieldChange {
                path: "spec.template.spec.containers[app].resources.limits.memory".into(),
                change: ChangeKind::Changed,
                live: Some(Value::from(live)),
                desired: Some(Value::from(desired)),
            }]
        };
        let proposal = limit("512Mi", "640Mi");
        assert!(amount_fits(&proposal, "raise its memory limit"));
        assert!(amount_fits(&proposal, "raise the memory limit by 20%"));
        assert!(amount_fits(
            &proposal,
            "raise the memory limit by 20 percent"
        ));
        assert!(!amount_fits(&proposal, "raise the memory limit by 50%"));
        assert!(!amount_fits(&proposal, "double the memory limit"));
        assert!(!amount_fits(&proposal, "raise the memory limit by 256mi"));
        // A plan for 1Gi is no 20% raise of 512Mi.
        assert!(!amount_fits(
            &limit("512Mi", "1Gi"),
            "raise the memory limit by 20%"
        ));
        assert!(amount_fits(
            &limit("512Mi", "1Gi"),
            "double the memory limit"
        ));
    }

    #[test]
    fn a_place_or_a_word_after_an_opener_repeats_the_last_request() {
        for (text, lean) in [
            ("and in staging?", Lean::Namespace("staging".into())),
            ("what about kube-system?", Lean::Word("kube-system".into())),
            ("same for staging", Lean::Word("staging".into())),
            (
                "and in the billing namespace",
                Lean::Namespace("billing".into()),
            ),
            (
                "how about namespace dev too?",
                Lean::Namespace("dev".into()),
            ),
            ("and checkout?", Lean::Word("checkout".into())),
            (
                "what about the payment-service deployment?",
                Lean::Name("payment-service".into()),
            ),
            ("and on context prod-eu?", Lean::Context("prod-eu".into())),
            ("in staging", Lean::Namespace("staging".into())),
            ("and the services?", Lean::Kinds("services".into())),
            ("what about deployments", Lean::Kinds("deployments".into())),
        ] {
            assert_eq!(repeat_lean(text), lean, "{text}");
        }
    }

    #[test]
    fn a_complete_request_or_a_kind_is_no_repeat() {
        for text in [
            "list pods in staging",
            "staging",
            "and the deployment?",
            "what about it?",
            "restart checkout",
            "why is checkout failing",
        ] {
            assert!(
                !matches!(detect(text), Some(FollowUp::Repeat(_))),
                "{text:?} is no repeat: {:?}",
                detect(text)
            );
        }
    }

    #[test]
    fn pronouns_demonstratives_and_ordinals_are_references() {
        let its = reference("show me its logs");
        assert_eq!((its.points, its.possessive), (Points::Last, true));
        assert_eq!(its.words, "its");
        let it = reference("restart it");
        assert_eq!((it.points, it.possessive), (Points::Last, false));
        let pod = reference("delete that pod");
        assert_eq!(pod.kind, Some(ResourceKind::Pod));
        assert_eq!(pod.words, "that pod");
        let first = reference("describe the first one");
        assert_eq!(first.points, Points::Row(0));
        assert_eq!(first.words, "the first one");
        assert_eq!(reference("logs of the last pod").points, Points::LastRow);
        assert_eq!(reference("delete them").points, Points::Plural);
        assert_eq!(reference("describe that").points, Points::Last);
        assert_eq!(reference("restart the deployment").points, Points::Definite);
        let named = reference("show logs for the notification-service one");
        assert_eq!(named.points, Points::Named);
        assert_eq!(named.words, "the notification-service one");
        assert!(detect("list pods in staging").is_none());
        assert!(detect("check that the pods in staging run").is_none());
    }

    #[test]
    fn a_reference_is_replaced_by_the_object_and_its_namespace() {
        let web = subject("Pod", "web-1", "production");
        let rewrite = |text: &str| {
            let reference = reference(text);
            rewritten(
                text,
                &reference,
                &web.spelled(),
                web.namespace.as_deref(),
                None,
            )
        };
        assert_eq!(
            rewrite("show me its logs?"),
            "show me the logs of pod web-1 in namespace production"
        );
        assert_eq!(
            rewrite("delete that pod"),
            "delete pod web-1 in namespace production"
        );
        assert_eq!(
            rewrite("why is it failing?"),
            "why is pod web-1 failing in namespace production"
        );
    }

    #[test]
    fn a_resolved_reference_is_checked_by_the_classifier() {
        let checkout = subject("Deployment", "checkout", "production");
        let resolve = |text: &str| {
            let own = classifier::classify(text);
            with_subject(
                text,
                &reference(text),
                &own,
                &checkout,
                LAST_TALKED_ABOUT,
                "sim",
            )
        };
        let Resolution::Resolved(restart) = resolve("restart it") else {
            panic!("restart it resolves");
        };
        assert_eq!(
            restart.request,
            "restart deployment checkout in namespace production"
        );
        assert!(
            restart
                .note
                .contains("deployment checkout in namespace production")
        );
        let Resolution::Resolved(scale) = resolve("scale it to 3") else {
            panic!("scale it resolves");
        };
        let intent = classifier::classify(&scale.request);
        assert_eq!(name_of(&intent, false).as_deref(), Some("checkout"));
        assert_eq!(intent.arguments().and_then(|a| a.scale), Some(3));
        // A deployment's logs are read by its name (the fast path picks its pod).
        let Resolution::Resolved(logs) = resolve("show me its logs") else {
            panic!("its logs resolve");
        };
        assert_eq!(
            classifier::classify(&logs.request).tool(),
            Some(Tool::PodsLog)
        );
        // Another namespace than the object's: a question, never a guess.
        let Resolution::Ask(question) = resolve("scale it to 4 in staging") else {
            panic!("another namespace is asked about");
        };
        assert_eq!(question.missing, vec!["name"]);
        // Another context than the session's is carried over.
        let Resolution::Resolved(elsewhere) = with_subject(
            "restart it",
            &reference("restart it"),
            &classifier::classify("restart it"),
            &checkout,
            LAST_TALKED_ABOUT,
            "other",
        ) else {
            panic!("resolves");
        };
        assert!(
            elsewhere.request.ends_with("--context sim"),
            "{elsewhere:?}"
        );
    }

    #[test]
    fn an_ambiguous_or_missing_referent_is_a_question_naming_the_candidates() {
        let pods: Vec<Subject> = ["web-1", "web-2", "api-1"]
            .iter()
            .map(|name| subject("Pod", name, "production"))
            .collect();
        let listed = recent("list pods in production", None, pods.clone());
        let Referent::Ask(question) = referent(&reference("restart it"), &listed) else {
            panic!("several candidates are asked about");
        };
        assert_eq!(question.candidates, vec!["web-1", "web-2", "api-1"]);
        assert!(
            question.question.contains("web-1, web-2, api-1"),
            "{question:?}"
        );
        assert_eq!(
            referent(&reference("describe the second one"), &listed),
            Referent::Object(pods[1].clone())
        );
        assert_eq!(
            referent(&reference("logs of the last pod"), &listed),
            Referent::Object(pods[2].clone())
        );
        assert_eq!(
            referent(&reference("logs of the api one"), &listed),
            Referent::Object(pods[2].clone())
        );
        let Referent::Ask(web) = referent(&reference("describe the web pod"), &listed) else {
            panic!("two web pods are asked about");
        };
        assert_eq!(web.candidates, vec!["web-1", "web-2"]);
        assert_eq!(
            referent(&reference("restart the checkout deployment"), &listed),
            Referent::Standalone,
            "no row is named like it: the request names its own object"
        );
        let Referent::Ask(none) = referent(&reference("the fifth one"), &listed) else {
            panic!("no fifth row");
        };
        assert!(none.question.contains("3 rows"), "{none:?}");
        let nothing = recent("list pods in production", None, Vec::new());
        assert_eq!(
            referent(&reference("restart it"), &nothing),
            Referent::Nothing
        );
        // "that pod" after a deployment: one of its pods.
        let deployment = subject("Deployment", "checkout", "production");
        let talked = recent(
            "describe deployment checkout in production",
            Some(deployment.clone()),
            Vec::new(),
        );
        assert_eq!(
            referent(&reference("delete that pod"), &talked),
            Referent::PodsOf(deployment)
        );
        let Referent::Ask(wrong) = referent(&reference("describe that service"), &talked) else {
            panic!("another kind is asked about");
        };
        assert!(wrong.question.contains("not a service"), "{wrong:?}");
        assert!(
            unknown_reference("it")
                .question
                .starts_with("I don't know what 'it' refers to yet")
        );
    }

    #[test]
    fn a_short_request_that_only_lacks_its_object_is_about_the_last_one() {
        let checkout = subject("Deployment", "checkout", "production");
        let talked = recent(
            "describe deployment checkout in production",
            Some(checkout),
            Vec::new(),
        );
        let resolve = |text: &str| {
            let subject = talked.subject.as_ref().expect("checkout");
            implicit_reading(
                text,
                &classifier::classify(text),
                subject,
                LAST_TALKED_ABOUT,
                "sim",
            )
            .map(|complete| complete.request)
        };
        assert_eq!(
            resolve("restart").as_deref(),
            Some("restart deployment checkout in namespace production")
        );
        let scale = resolve("scale to 3").expect("a scale of checkout");
        assert_eq!(
            classifier::classify(&scale)
                .arguments()
                .and_then(|a| a.scale),
            Some(3)
        );
        let logs = resolve("show the logs").expect("checkout's logs");
        assert_eq!(classifier::classify(&logs).tool(), Some(Tool::PodsLog));
        assert_eq!(resolve("delete everything"), None, "about many objects");
        assert_eq!(resolve("list pods in staging"), None, "not a question");
        assert_eq!(
            resolve("please restart the thing that broke last night"),
            None,
            "too long to be only about the last object"
        );
    }

    #[test]
    fn a_request_naming_its_own_object_is_no_follow_up() {
        let own = classifier::classify("restart checkout, it is stuck");
        assert!(names_its_own_object(
            &own,
            &reference("restart checkout, it is stuck")
        ));
        let first = "logs of the first one";
        assert!(!names_its_own_object(
            &classifier::classify(first),
            &reference(first)
        ));
        let definite = "show me the deployment checkout in production";
        assert!(names_its_own_object(
            &classifier::classify(definite),
            &reference(definite)
        ));
    }

    #[test]
    fn a_word_is_replaced_only_where_it_is_a_whole_name() {
        assert_eq!(
            replace_word(
                "logs of checkout-abc in production",
                "production",
                "staging"
            )
            .as_deref(),
            Some("logs of checkout-abc in staging")
        );
        assert_eq!(
            replace_word(
                "restart deployment/checkout -n prod.",
                "checkout",
                "payments"
            )
            .as_deref(),
            Some("restart deployment/payments -n prod.")
        );
        assert_eq!(replace_word("logs of checkout-abc", "checkout", "x"), None);
        assert_eq!(replace_word("describe web.v2", "web", "x"), None);
    }

    #[test]
    fn a_repeat_keeps_the_requests_shape() {
        let last = classifier::classify("logs of web-1 in production");
        let moved = classifier::classify("logs of web-1 in staging");
        assert!(same_shape(&moved, &last));
        assert!(!same_shape(
            &classifier::classify("restart web in staging"),
            &last
        ));
        let restart = classifier::classify("restart deployment checkout in production");
        assert_eq!(namespace_of(&restart).as_deref(), Some("production"));
        assert_eq!(name_of(&restart, false).as_deref(), Some("checkout"));
        assert_eq!(kind_of(&restart).as_deref(), Some("Deployment"));
        let events = classifier::classify("events of pod web-1 in production");
        assert_eq!(name_of(&events, false).as_deref(), Some("web-1"));
    }

    #[test]
    fn what_a_session_talked_about_comes_from_its_answers() {
        let intent = classifier::classify("list pods in production");
        let answer_after = |text: &str, intent: &Intent, previous: Option<&Recent>| {
            Recent::of(
                "list pods in production",
                intent,
                &Response::Answer(crate::response::Answer {
                    path: "read_only".into(),
                    tool: Some("pods_list_in_namespace".into()),
                    text: text.into(),
                    structured: None,
                    error: false,
                    context: "sim".into(),
                }),
                previous,
            )
            .expect("an answer is remembered")
        };
        let answer = |text: &str, intent: &Intent| answer_after(text, intent, None);
        let listed = answer(
            "3 pods in namespace production:\nNAME    READY   STATUS\nweb-1   1/1     Running\nweb-2   1/1     Running\napi-1   0/1     CrashLoopBackOff\n",
            &intent,
        );
        let names: Vec<&str> = listed.listed.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["web-1", "web-2", "api-1"]);
        assert_eq!(listed.listed[0].namespace.as_deref(), Some("production"));
        assert_eq!(listed.subject, None, "several rows: no one subject");
        // A read that is no list keeps the last list for "the second one".
        let logs_of_first = answer_after(
            "started",
            &classifier::classify("logs of pod web-1 in production"),
            Some(&listed),
        );
        assert_eq!(logs_of_first.listed, listed.listed);
        assert_eq!(
            logs_of_first.subject.map(|s| s.name),
            Some("web-1".to_owned())
        );
        // A top names its pods in the POD column, one row per container.
        let top = answer(
            "NAMESPACE    POD     NAME    CPU(cores)\nproduction   web-1   app     1m\nproduction   web-1   proxy   1m\nproduction   api-1   app     2m\n",
            &classifier::classify("top pods in production"),
        );
        let names: Vec<&str> = top.listed.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["web-1", "api-1"]);
        let one = answer("NAME    READY\nweb-1   1/1\n", &intent);
        assert_eq!(one.subject.map(|s| s.name), Some("web-1".to_owned()));
        let logs = classifier::classify("logs of checkout in production");
        let resolved = answer(
            "checkout → checkout-7d9f-x2x9q (the only one of the pods of the workload checkout)\n\nstarted",
            &logs,
        );
        let subject = resolved.subject.expect("the pod");
        assert_eq!(
            (subject.kind.as_deref(), subject.name.as_str()),
            (Some("Pod"), "checkout-7d9f-x2x9q")
        );
        let switched = Response::Answer(crate::response::Answer {
            path: "switch_context".into(),
            tool: None,
            text: "Switched".into(),
            structured: None,
            error: false,
            context: "sim".into(),
        });
        assert_eq!(Recent::of("use prod", &intent, &switched, None), None);
        let diagnosis = Response::Diagnosis(crate::response::Diagnosis {
            cause: Value::from("crash_loop_back_off"),
            evidence: Vec::new(),
            report: Some(
                serde_json::json!({"subject": {"api_version": "v1", "kind": "Pod",
                "name": "api-1", "namespace": "production"}}),
            ),
            proposal: None,
            context: "sim".into(),
        });
        let diagnosed = Recent::of("why is api failing", &intent, &diagnosis, None).expect("kept");
        assert_eq!(
            diagnosed.subject,
            Some(subject_in("Pod", "api-1", "production"))
        );
    }

    fn subject_in(kind: &str, name: &str, namespace: &str) -> Subject {
        subject(kind, name, namespace)
    }

    #[test]
    fn a_manifests_kind_name_and_namespace_are_read() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"checkout\"\n  namespace: \"production\"\nspec:\n  template:\n    metadata:\n      name: x\n";
        assert_eq!(manifest_field(yaml, "kind").as_deref(), Some("Deployment"));
        assert_eq!(manifest_field(yaml, "name").as_deref(), Some("checkout"));
        assert_eq!(
            manifest_field(yaml, "namespace").as_deref(),
            Some("production")
        );
    }
}
