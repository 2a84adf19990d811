//! How results are printed: `-o table` for people, `-o yaml` and `-o json` for
//! programs (one JSON object per command), and colour only where it helps.

use std::io::IsTerminal;

use serde::Serialize;

/// The `-o` choices, in kubectl's manner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns and cards for people.
    #[default]
    Table,
    /// YAML.
    Yaml,
    /// Exactly one JSON object.
    Json,
}

/// Why a value could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Serialising to JSON failed.
    #[error("cannot print as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Serialising to YAML failed.
    #[error("cannot print as YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
}

/// `value` as one line of JSON or as a YAML document, for the machine formats.
pub fn machine_text<T: Serialize>(
    value: &T,
    format: OutputFormat,
) -> Result<Option<String>, OutputError> {
    Ok(match format {
        OutputFormat::Json => Some(serde_json::to_string(value)?),
        OutputFormat::Yaml => Some(serde_norway::to_string(value)?),
        OutputFormat::Table => None,
    })
}

/// Writes `text` to stdout. A reader that went away (`kubeop ... | head`) is
/// not an error: the output was simply not wanted any more.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// True when stdout is a terminal and `NO_COLOR` is unset (https://no-color.org).
pub fn colour_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::io::stdout().is_terminal()
}

/// Left-aligned columns separated by two spaces, like kubectl's tables.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.zip(&widths).enumerate() {
            if index + 1 == widths.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["KEY", "VALUE"],
            &[
                vec!["a".into(), "1".into()],
                vec!["longer".into(), "2".into()],
            ],
        );
        assert_eq!(text, "KEY     VALUE\na       1\nlonger  2\n");
    }

    #[test]
    fn machine_formats_print_one_document() {
        let value = serde_json::json!({"kind": "x", "n": 1});
        let json = machine_text(&value, OutputFormat::Json)
            .expect("prints")
            .expect("json is a machine format");
        assert_eq!(json.lines().count(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).expect("valid"),
            value
        );
        let yaml = machine_text(&value, OutputFormat::Yaml)
            .expect("prints")
            .expect("yaml is a machine format");
        assert!(yaml.contains("kind: x"));
        assert_eq!(
            machine_text(&value, OutputFormat::Table).expect("prints"),
            None
        );
    }
}
