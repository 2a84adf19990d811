//! Plain words to a safe, exact intent, deterministically and in microseconds.
//!
//! Every request kubeop receives is classified here before anything touches a
//! cluster. The classifier never calls a cluster, a model or the network: the
//! same words always give the same [`Intent`], offline, in a few microseconds.
//!
//! Start with [`classify`]: `classify("scale web to 3 in prod")` is a
//! `mutation` calling `resources_scale` with `{"apiVersion":"apps/v1",
//! "kind":"Deployment","name":"web","namespace":"prod","scale":3}`.
//!
//! # Layout
//! - [`intent`]: the answer ([`Intent`], [`Arguments`]...), serialised exactly
//!   as the `kubeop classify --json` contract; an IPC boundary.
//! - `lexer`: one hand-written pass from text to tokens (flags, quotes, chain
//!   operators, `kind/name`, multi-word kinds), one hash lookup per word.
//! - `vocab` and [`kinds`]: the static tables (every word with a role, every
//!   spelling of every kind with its `apiVersion`).
//! - `classify`: the rules, in a fixed order that encodes the safety rule.
//! - `manifest`: deterministic YAML for `resources_create_or_update`.
//! - `focus`: what a read's answer should lead with ([`read_focus`]: a
//!   count, an order, the ports), beside the intent that makes the call.
//! - [`actor`]: the ractor actor other parts of kubeop talk to.
//!
//! # Safety
//! Anything that could change the cluster is never `read_only`: a change verb
//! anywhere in the request (also after `&&`, `;`, `|` or "and then") makes it a
//! `mutation` with exact arguments, or a `clarify` naming what is missing.
//! Text the rules do not understand is `clarify`, never a guess that acts.
//!
//! # Testing
//! `tests/corpus.jsonl` (labelled requests, accuracy by path, tool and
//! arguments), `tests/safety.rs` (changes never read-only: the change list,
//! and every verb of `tests/inserted_verbs.txt` at every position of every
//! labelled read), property tests,
//! `benches/classify.rs` (criterion, figures in docs/benchmarks.md), and a
//! `cargo fuzz` target in `fuzz/` (excluded from the workspace, not run in CI):
//! `cd crates/classifier/fuzz && cargo +nightly fuzz run classify`.
#![forbid(unsafe_code)]

pub mod actor;
mod classify;
mod focus;
pub mod intent;
pub mod kinds;
mod lexer;
mod manifest;
mod vocab;

pub use actor::{
    ClassifierActor, ClassifierError, ClassifierHandle, ClassifierMsg, MAX_PENDING_REQUESTS,
};
pub use classify::{
    DEBUG_IMAGE, MAX_REQUEST_BYTES, NETWORK_DEBUG_IMAGE, classify, is_small_talk,
    spans_all_namespaces,
};
pub use focus::{Grouping, Order, ReadFocus, network_test_source, read_focus};
pub use intent::{Arguments, Domain, Intent, Operation, Param, Playbook, Tool};
pub use kinds::ResourceKind;
pub use manifest::{
    CONTAINER_PLACEHOLDER, FROM_CRONJOB_PLACEHOLDER_PREFIX, IMAGE_TAG_PLACEHOLDER_PREFIX,
    PREVIOUS_REVISION_PLACEHOLDER, RESTARTED_AT_ANNOTATION, RESTARTED_AT_PLACEHOLDER,
    REVISION_PLACEHOLDER_PREFIX, SELECTOR_OF_PLACEHOLDER_PREFIX,
};
