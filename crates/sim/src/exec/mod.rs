//! `kubectl exec` inside the simulated cluster: the built-in shell that runs
//! the command ([`shell`]) and the WebSocket channel protocol that carries its
//! input, output and exit status ([`channel`]).

pub mod channel;
pub mod shell;
