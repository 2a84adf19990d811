//! The exit statuses of `kubeop`, documented in the README. Scripts branch on
//! them, so each one means exactly one thing and never changes meaning.

/// The command did what was asked.
pub const SUCCESS: u8 = 0;

/// An error: bad configuration, I/O, a daemon or server error. The message on
/// stderr says which.
pub const FAILURE: u8 = 1;

/// clap's own status for a command line it did not understand.
pub const USAGE: u8 = 2;

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

/// The exit statuses with their meaning for people, in order: the one
/// source of the man page's EXIT STATUS section and of `kubeop --help`
/// (the README's table is checked against it).
pub const DOCUMENTED: [(u8, &str); 7] = [
    (SUCCESS, "done"),
    (
        FAILURE,
        "an error (configuration, I/O, daemon or server failure); the message says which",
    ),
    (USAGE, "the command line was not understood"),
    (
        UNREACHABLE,
        "no daemon answers on the socket (`status`, `tools`; `ask`, `approve`, `deny` and `pending` run in-process instead)",
    ),
    (
        PLAN_PENDING,
        "`ask` made a plan that waits for approval (its id and hash are printed)",
    ),
    (
        REFUSED,
        "refused: a denied, expired or unknown plan, an approval naming the wrong hash, a policy",
    ),
    (
        NOT_VERIFIED,
        "an approved change ran but was not verified (`failed` or `unverified`)",
    ),
];

/// [`DOCUMENTED`] as the text under `kubeop --help` (and so in the man page).
pub fn help_text() -> String {
    let mut text = String::from("Exit statuses:\n");
    for (status, meaning) in DOCUMENTED {
        text.push_str(&format!("  {status}  {meaning}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_documents_every_status_as_this_module_does() {
        let readme = include_str!("../../../README.md");
        for (status, meaning) in DOCUMENTED {
            let row = format!("| {status} | {meaning} |");
            assert!(readme.contains(&row), "README lacks {row}");
        }
    }
}
