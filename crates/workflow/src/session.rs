//! Sessions: the kube context and namespace a conversation works in.
//!
//! A `switch_context` changes its session's context (and with it the
//! namespace, back to the context's default) for every later request of that
//! session; a namespace switch ("use namespace staging") sets the namespace
//! every later request of the session works in when it names none, as
//! kubectl's `set-context --current --namespace` does. A context or
//! namespace named inside one request applies to that request only. A
//! session that never switched works in the starting context (from
//! configuration, else the kubeconfig's current context) and leaves the
//! namespace to each request.
//!
//! A session also remembers what its last request was about (see
//! `followup`), for the follow-ups of that session only: two sessions never
//! see each other's subjects.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::followup::Recent;

/// Most sessions remembered at once; the least recently used is forgotten
/// past it (it falls back to the starting context), so a client inventing
/// session ids cannot grow the coordinator's memory without bound.
pub const MAX_SESSIONS: usize = 1024;

/// Identifies one conversation (a CLI user's default session, `--session`,
/// or one supervisor hand-off conversation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// A session id from its text.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a session works (what it switched to, if anything) and what it
/// last talked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionScope {
    /// The context it switched to.
    pub(crate) context: Option<String>,
    /// The namespace it switched to, within that context.
    pub(crate) namespace: Option<String>,
    /// What its last answered request was about, for its follow-ups.
    pub(crate) recent: Option<Arc<Recent>>,
}

/// The contexts and namespaces sessions switched to, and what each last
/// talked about.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    /// Session → what it switched to, what it last talked about, and its
    /// last use tick.
    known: HashMap<SessionId, Known>,
    /// Increases on every use; orders sessions by recency.
    tick: u64,
}

/// One session's state.
#[derive(Debug, Default)]
struct Known {
    /// What it switched to and last talked about.
    scope: SessionScope,
    /// Its last use tick.
    used: u64,
}

impl Sessions {
    /// What `session` switched to (nothing, for a session that never did)
    /// and last talked about.
    pub(crate) fn scope(&mut self, session: &SessionId) -> SessionScope {
        self.tick += 1;
        let tick = self.tick;
        self.known
            .get_mut(session)
            .map(|known| {
                known.used = tick;
                known.scope.clone()
            })
            .unwrap_or_default()
    }

    /// Records that `session` now works in `context` (its namespace then
    /// starts over, as another context's default applies) and/or `namespace`.
    pub(crate) fn switch(
        &mut self,
        session: SessionId,
        context: Option<String>,
        namespace: Option<String>,
    ) {
        let scope = &mut self.entry(session).scope;
        if let Some(context) = context {
            if scope.context.as_deref() != Some(context.as_str()) {
                scope.namespace = None;
            }
            scope.context = Some(context);
        }
        if namespace.is_some() {
            scope.namespace = namespace;
        }
    }

    /// Records what `session`'s last answered request was about.
    pub(crate) fn remember(&mut self, session: SessionId, recent: Arc<Recent>) {
        self.entry(session).scope.recent = Some(recent);
    }

    /// `session`'s state, used now; a new session past [`MAX_SESSIONS`]
    /// makes the least recently used one forgotten.
    fn entry(&mut self, session: SessionId) -> &mut Known {
        self.tick += 1;
        if self.known.len() >= MAX_SESSIONS
            && !self.known.contains_key(&session)
            && let Some(oldest) = self
                .known
                .iter()
                .min_by_key(|(_, known)| known.used)
                .map(|(id, _)| id.clone())
        {
            self.known.remove(&oldest);
        }
        let tick = self.tick;
        let known = self.known.entry(session).or_default();
        known.used = tick;
        known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_holds_for_its_session_only() {
        let mut sessions = Sessions::default();
        let alice = SessionId::new("alice");
        sessions.switch(alice.clone(), Some("prod-eu".into()), None);
        assert_eq!(sessions.scope(&alice).context.as_deref(), Some("prod-eu"));
        assert_eq!(
            sessions.scope(&SessionId::new("bob")),
            SessionScope::default()
        );
    }

    #[test]
    fn a_namespace_switch_keeps_the_context_and_a_context_switch_resets_the_namespace() {
        let mut sessions = Sessions::default();
        let alice = SessionId::new("alice");
        sessions.switch(alice.clone(), Some("prod-eu".into()), None);
        sessions.switch(alice.clone(), None, Some("shop".into()));
        let scope = sessions.scope(&alice);
        assert_eq!(scope.context.as_deref(), Some("prod-eu"));
        assert_eq!(scope.namespace.as_deref(), Some("shop"));
        sessions.switch(alice.clone(), Some("prod-eu".into()), None);
        assert_eq!(sessions.scope(&alice).namespace.as_deref(), Some("shop"));
        sessions.switch(alice.clone(), Some("staging".into()), None);
        assert_eq!(sessions.scope(&alice).namespace, None);
    }

    #[test]
    fn what_a_session_talked_about_is_its_own() {
        let request = "describe deployment checkout in production";
        let answered = crate::response::Response::Answer(crate::response::Answer {
            path: "read_only".into(),
            tool: Some("resources_get".into()),
            text: "kind: Deployment".into(),
            structured: None,
            error: false,
            context: "sim".into(),
        });
        let recent = Recent::of(request, &classifier::classify(request), &answered, None)
            .expect("a read is remembered");
        let mut sessions = Sessions::default();
        let alice = SessionId::new("alice");
        sessions.switch(alice.clone(), None, Some("shop".into()));
        sessions.remember(alice.clone(), Arc::new(recent.clone()));
        let scope = sessions.scope(&alice);
        assert_eq!(scope.recent.as_deref(), Some(&recent));
        assert_eq!(
            scope.namespace.as_deref(),
            Some("shop"),
            "remembering keeps the switch"
        );
        assert_eq!(sessions.scope(&SessionId::new("bob")).recent, None);
    }

    #[test]
    fn the_least_recently_used_session_is_forgotten_past_the_bound() {
        let mut sessions = Sessions::default();
        for index in 0..MAX_SESSIONS {
            sessions.switch(SessionId::new(format!("s{index}")), Some("a".into()), None);
        }
        sessions.scope(&SessionId::new("s0"));
        sessions.switch(SessionId::new("new"), Some("b".into()), None);
        assert_eq!(sessions.known.len(), MAX_SESSIONS);
        assert!(sessions.scope(&SessionId::new("s0")).context.is_some());
        assert!(sessions.scope(&SessionId::new("s1")).context.is_none());
    }
}
