//! `kubeop man`: the man page (roff) generated from the clap definition,
//! with an EXIT STATUS section from `cli::exit`, the one list of statuses.

use std::process::ExitCode;

use clap::CommandFactory;

/// `kubeop man`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Prints the man page on stdout (`kubeop man > kubeop.1`).
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    // The `--help` epilogue (the statuses) would become an untitled EXTRA
    // section; the page gets them as a man page lists them instead.
    let command = crate::Cli::command().after_long_help(None::<&str>);
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let statuses = exit_status_section();
    let page = match page.find(VERSION_SECTION) {
        Some(at) => format!("{}{statuses}{}", &page[..at], &page[at..]),
        None => format!("{page}{statuses}"),
    };
    cli::output::emit(&page)?;
    Ok(ExitCode::SUCCESS)
}

/// Where clap_mangen starts the VERSION section, the page's last: the
/// statuses go before it, where man pages usually have them.
const VERSION_SECTION: &str = ".SH VERSION\n";

/// The EXIT STATUS section in roff: one tagged paragraph per status.
fn exit_status_section() -> String {
    let mut section = String::from(".SH \"EXIT STATUS\"\n");
    for (status, meaning) in cli::exit::DOCUMENTED {
        section.push_str(&format!(".TP\n\\fB{status}\\fR\n{}\n", roff_text(meaning)));
    }
    section
}

/// `text` safe as a roff text line: backslashes and hyphens escaped, and no
/// leading `.` or `'` that roff would read as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
