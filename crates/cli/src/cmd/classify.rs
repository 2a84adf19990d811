//! `kubeop classify [--json] [--batch] [TEXT]`: the classifier's decision,
//! without touching a cluster.
//!
//! `--json TEXT` prints one JSON object; `--json --batch` reads one request per
//! line on stdin and prints one JSON object per line, in order (an empty line
//! gets an answer too, so output line N always answers input line N). Without
//! `--json`, a short human-readable line per request. `-o json` is `--json`;
//! `-o yaml` prints each answer as a YAML document (`---` before each).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use classifier::{Intent, classify};
use cli::output::OutputFormat;

/// `kubeop classify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the intent as JSON (one object per request).
    #[arg(long, conflicts_with = "output")]
    json: bool,
    /// Output format, as the other commands take it (`json` is `--json`).
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<OutputFormat>,
    /// Read one request per line on stdin and answer each, in order.
    #[arg(long, conflicts_with = "text")]
    batch: bool,
    /// The request, in plain words or kubectl syntax. Everything after the
    /// first word of the request belongs to it, flags included, so
    /// `kubeop classify --json kubectl get pods -n x` needs no quotes.
    #[arg(
        required_unless_present = "batch",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    text: Vec<String>,
}

/// Classifies the request(s) and prints the decision(s).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let format = if args.json {
        OutputFormat::Json
    } else {
        args.output.unwrap_or_default()
    };
    let written = if args.batch {
        batch(format, std::io::stdin().lock(), &mut out)
    } else {
        let intent = classify(&args.text.join(" "));
        write_intent(&mut out, &intent, format).and_then(|()| out.flush())
    };
    match written {
        // A reader that went away (`| head`) did not want more answers.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other
            .context("cannot write the classification to stdout")
            .map(|()| ExitCode::SUCCESS),
    }
}

/// One answer per input line, flushed as it is written so a co-process can
/// send a line and wait for its answer.
fn batch(format: OutputFormat, input: impl BufRead, out: &mut impl Write) -> std::io::Result<()> {
    let mut input = input;
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        // Invalid UTF-8 is answered (lossily), never dropped: the order must hold.
        let text = String::from_utf8_lossy(&line);
        let intent = classify(text.trim_end_matches(['\n', '\r']));
        write_intent(out, &intent, format)?;
        out.flush()?;
    }
}

fn write_intent(
    out: &mut impl Write,
    intent: &Intent,
    format: OutputFormat,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer(&mut *out, intent)?;
            out.write_all(b"\n")
        }
        OutputFormat::Yaml => {
            let document = serde_norway::to_string(intent).map_err(std::io::Error::other)?;
            write!(out, "---\n{document}")
        }
        OutputFormat::Table => writeln!(out, "{intent}"),
    }
}
