//! The exit statuses of `kubeop`, documented in the README. Scripts branch on
//! them, so each one means exactly one thing and never changes meaning.

/// The command did what was asked.
pub const SUCCESS: u8 = 0;

/// An error: bad configuration, I/O, a daemon or server error. The message on
/// stderr says which.
pub const FAILURE: u8 = 1;

// 2 is clap's own status for a command line it did not understand.

/// No daemon answers on the socket (`status`, `tools`: the commands that
/// are about the daemon; `ask`, `approve`, `deny` and `pending` run
/// in-process instead).
pub const UNREACHABLE: u8 = 3;

/// `ask` produced a plan that waits for approval; its id and hash are printed.
pub const PLAN_PENDING: u8 = 4;

/// The daemon understood the request and refused it: a denied or expired
/// plan, an approval naming the wrong hash, a policy. The reason is on stderr
/// (and in `error.data.reason` with `-o json`).
pub const REFUSED: u8 = 5;

/// An approved change ran but was not verified (outcome `failed` or
/// `unverified`); the evidence is printed.
pub const NOT_VERIFIED: u8 = 6;
