//! The exit statuses of `kubeop`, documented in the README. Scripts branch on
//! them, so each one means exactly one thing and never changes meaning.

/// The command did what was asked.
pub const SUCCESS: u8 = 0;

/// An error: bad configuration, I/O, a daemon or server error. The message on
/// stderr says which.
pub const FAILURE: u8 = 1;

// 2 is clap's own status for a command line it did not understand.
