//! Sessions: the kube context a conversation works in.
//!
//! A `switch_context` changes its session's context for every later request
//! of that session; a context named inside one request applies to that
//! request only. A session that never switched works in the starting context
//! (from configuration, else the kubeconfig's current context).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

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

/// The contexts sessions switched to.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    /// Session → (switched-to context, last use tick).
    switched: HashMap<SessionId, (String, u64)>,
    /// Increases on every use; orders sessions by recency.
    tick: u64,
}

impl Sessions {
    /// The context `session` switched to, if it did.
    pub(crate) fn context(&mut self, session: &SessionId) -> Option<String> {
        self.tick += 1;
        let tick = self.tick;
        self.switched.get_mut(session).map(|(context, used)| {
            *used = tick;
            context.clone()
        })
    }

    /// Records that `session` now works in `context`.
    pub(crate) fn switch(&mut self, session: SessionId, context: String) {
        self.tick += 1;
        if self.switched.len() >= MAX_SESSIONS
            && !self.switched.contains_key(&session)
            && let Some(oldest) = self
                .switched
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone())
        {
            self.switched.remove(&oldest);
        }
        self.switched.insert(session, (context, self.tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_holds_for_its_session_only() {
        let mut sessions = Sessions::default();
        let alice = SessionId::new("alice");
        sessions.switch(alice.clone(), "prod-eu".into());
        assert_eq!(sessions.context(&alice).as_deref(), Some("prod-eu"));
        assert_eq!(sessions.context(&SessionId::new("bob")), None);
    }

    #[test]
    fn the_least_recently_used_session_is_forgotten_past_the_bound() {
        let mut sessions = Sessions::default();
        for index in 0..MAX_SESSIONS {
            sessions.switch(SessionId::new(format!("s{index}")), "a".into());
        }
        sessions.context(&SessionId::new("s0"));
        sessions.switch(SessionId::new("new"), "b".into());
        assert_eq!(sessions.switched.len(), MAX_SESSIONS);
        assert!(sessions.context(&SessionId::new("s0")).is_some());
        assert!(sessions.context(&SessionId::new("s1")).is_none());
    }
}
