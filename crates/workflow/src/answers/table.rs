//! Column tables as the server prints them (`kubectl get`, `kubectl top`):
//! written back aligned after their rows were reordered.

use std::collections::BTreeMap;

use crate::diagnosis::parse::Table;

/// Spaces between columns, as kubectl's tables print them.
const COLUMN_GAP: usize = 3;

/// `columns` and `rows` aligned in columns, one line each, no trailing
/// spaces.
pub(super) fn aligned(columns: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = columns.iter().map(|name| name.chars().count()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            match widths.get_mut(index) {
                Some(width) => *width = (*width).max(cell.chars().count()),
                None => widths.push(cell.chars().count()),
            }
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if index + 1 < cells.len() {
                let pad = widths[index] - cell.chars().count() + COLUMN_GAP;
                text.push_str(&" ".repeat(pad));
            }
        }
        text
    };
    let mut out = line(columns);
    for row in rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out.push('\n');
    out
}

/// The columns a list answer leaves out when they tell nothing: the server
/// adds APIVERSION and KIND to every row (one value in a list of one kind),
/// and these are `kubectl get`'s wide columns that are `<none>` on most
/// clusters.
const COLUMNS_WHEN_THEY_VARY: [&str; 4] =
    ["APIVERSION", "KIND", "NOMINATED NODE", "READINESS GATES"];

/// A column-aligned table read by the columns' positions in its header, so
/// a cell holding spaces (`14 (107s ago)`, `NOMINATED NODE`) stays one
/// cell: a column starts where a header word follows two or more spaces.
fn by_position(text: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header: Vec<char> = lines.next()?.chars().collect();
    let mut starts = vec![0];
    for index in 2..header.len() {
        if header[index] != ' ' && header[index - 1] == ' ' && header[index - 2] == ' ' {
            starts.push(index);
        }
    }
    let cell = |line: &[char], index: usize| -> String {
        let begin = starts[index].min(line.len());
        let end = starts
            .get(index + 1)
            .map_or(line.len(), |end| (*end).min(line.len()));
        line[begin..end]
            .iter()
            .collect::<String>()
            .trim()
            .to_owned()
    };
    let columns: Vec<String> = (0..starts.len())
        .map(|index| cell(&header, index))
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|line| {
            let line: Vec<char> = line.chars().collect();
            (0..starts.len()).map(|index| cell(&line, index)).collect()
        })
        .collect();
    Some((columns, rows))
}

/// A list as `kubectl get` prints it: without the columns that say the
/// same on every row (APIVERSION, KIND, the `<none>` wide columns), the
/// NAMESPACE column when the request named one namespace, and the LABELS
/// column unless labels were asked for (`kubectl get --show-labels`);
/// realigned. `None` when nothing would be left out, or the text is no
/// such table.
pub(super) fn compact(text: &str, one_namespace: bool, labels: bool) -> Option<String> {
    let (columns, rows) = by_position(text)?;
    if rows.is_empty() || columns.len() < 2 {
        return None;
    }
    let same_everywhere =
        |index: usize| rows.iter().all(|row| row.get(index) == rows[0].get(index));
    let dropped: Vec<bool> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| match column.as_str() {
            "NAMESPACE" => one_namespace && same_everywhere(index),
            "LABELS" => !labels,
            "NOMINATED NODE" | "READINESS GATES" => rows
                .iter()
                .all(|row| row.get(index).is_none_or(|cell| cell == "<none>")),
            name if COLUMNS_WHEN_THEY_VARY.contains(&name) => same_everywhere(index),
            _ => false,
        })
        .collect();
    if !dropped.contains(&true) || dropped.iter().all(|drop| *drop) {
        return None;
    }
    let keep = |cells: &[String]| -> Vec<String> {
        cells
            .iter()
            .zip(&dropped)
            .filter(|(_, drop)| !**drop)
            .map(|(cell, _)| cell.clone())
            .collect()
    };
    let rows: Vec<Vec<String>> = rows.iter().map(|row| keep(row)).collect();
    Some(aligned(&keep(&columns), &rows))
}

/// How many rows of a list fall in each value of `column` (a pod list's
/// NODE, NAMESPACE or STATUS), most first, then by value; an empty cell
/// counts as `<none>`, as kubectl prints an unscheduled pod's node. `None`
/// when the table has no such column.
pub(super) fn tally(text: &str, column: &str) -> Option<Vec<(String, usize)>> {
    let (columns, rows) = by_position(text)?;
    let index = columns.iter().position(|name| name == column)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        let cell = row.get(index).map_or("", String::as_str);
        let value = if cell.is_empty() { "<none>" } else { cell };
        *counts.entry(value.to_owned()).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|(a_value, a_count), (b_value, b_count)| {
        b_count.cmp(a_count).then_with(|| a_value.cmp(b_value))
    });
    Some(counts)
}

/// A list ordered by its AGE column, youngest first (`newest_first`) or
/// oldest first, with a line saying so; the server's lines are kept as
/// they are, only their order changes. `None` when the table has no AGE
/// column. A cell kubectl could not compute (`<unknown>`) goes last.
pub(super) fn sorted_by_age(text: &str, newest_first: bool) -> Option<String> {
    let (header, rows) = header_and_rows(text)?;
    let (columns, cells) = by_position(text)?;
    let age = columns.iter().position(|name| name == "AGE")?;
    let name = columns.iter().position(|name| name == "NAME");
    let mut ordered: Vec<(Option<u64>, &str, &[String])> = rows
        .iter()
        .zip(&cells)
        .map(|(line, row)| {
            (
                row.get(age).and_then(|cell| seconds(cell)),
                *line,
                row.as_slice(),
            )
        })
        .collect();
    ordered.sort_by(|(a, ..), (b, ..)| match (a, b) {
        (Some(a), Some(b)) if newest_first => a.cmp(b),
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let (_, _, first) = ordered.first()?;
    let lead = format!(
        "Sorted by age, {} first: {} ({} old).",
        if newest_first { "newest" } else { "oldest" },
        name.and_then(|index| first.get(index))
            .map_or("-", String::as_str),
        first.get(age).map_or("-", String::as_str),
    );
    Some(reordered(
        &lead,
        header,
        ordered.into_iter().map(|(_, line, _)| line),
    ))
}

/// A table's header line and its rows, blank lines left out; `None` for
/// an empty text.
fn header_and_rows(text: &str) -> Option<(&str, Vec<&str>)> {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next()?;
    Some((header, lines.collect()))
}

/// A list whose rows were put in another order: the line saying which,
/// then the header and the server's own lines in the new order.
fn reordered<'a>(lead: &str, header: &str, rows: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = format!("{lead}\n\n{header}\n");
    for row in rows {
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// A kubectl age (`45s`, `3m2s`, `5h`, `12d`, `2y45d`) in seconds; `None`
/// for anything else (`<unknown>`, `<invalid>`).
fn seconds(age: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in age.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(unit)?)?;
        number.clear();
    }
    number.is_empty().then_some(total)
}

/// A pod list with the most restarted pods first ("which pods restart the
/// most"), and a line saying so; `None` when the table has no RESTARTS
/// column. The server's lines are kept as they are (kubectl prints
/// `5 (2m ago)`, which no re-alignment of whitespace-split cells would
/// keep together), only their order changes.
pub(super) fn sorted_by_restarts(text: &str, over: Option<u32>) -> Option<String> {
    let (header, mut rows) = header_and_rows(text)?;
    let table = Table::parse(header);
    let column = table.column("RESTARTS")?;
    let name = table.column("NAME");
    // Every cell before RESTARTS is one word, so the count is the word in
    // the RESTARTS position.
    let word = |line: &str, index: usize| line.split_whitespace().nth(index).map(str::to_owned);
    let restarts = |line: &str| -> u64 {
        word(line, column)
            .and_then(|cell| cell.parse().ok())
            .unwrap_or(0)
    };
    rows.sort_by_key(|line| std::cmp::Reverse(restarts(line)));
    if let Some(over) = over {
        let listed = rows.len();
        rows.retain(|line| restarts(line) > u64::from(over));
        let over = match over {
            0 => "at least once".to_owned(),
            1 => "more than once".to_owned(),
            over => format!("more than {over} times"),
        };
        let lead = match rows.len() {
            0 => format!("None of the {listed} pods restarted {over}."),
            kept => {
                format!("{kept} of the {listed} pods restarted {over}, most first.")
            }
        };
        return Some(if rows.is_empty() {
            format!("{lead}\n")
        } else {
            reordered(&lead, header, rows)
        });
    }
    let lead = match rows.first() {
        Some(first) if restarts(first) > 0 => format!(
            "Sorted by restarts, most first: {} restarted {}.",
            name.and_then(|index| word(first, index))
                .unwrap_or_else(|| "-".to_owned()),
            match restarts(first) {
                1 => "once".to_owned(),
                times => format!("{times} times"),
            }
        ),
        Some(_) => "Sorted by restarts: no pod has restarted.".to_owned(),
        None => return None,
    };
    Some(reordered(&lead, header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_sorts_by_age_either_way() {
        let pods = "\
NAME    READY   STATUS    RESTARTS        AGE
old-1   1/1     Running   14 (107s ago)   12d
new-1   1/1     Running   0               45s
mid-1   1/1     Running   0               3h5m
odd-1   1/1     Running   0               <unknown>
";
        let newest = sorted_by_age(pods, true).expect("an AGE column");
        let order: Vec<&str> = newest
            .lines()
            .skip(3)
            .map(|line| line.split_whitespace().next().unwrap_or_default())
            .collect();
        assert_eq!(order, ["new-1", "mid-1", "old-1", "odd-1"], "{newest}");
        assert!(
            newest.starts_with("Sorted by age, newest first: new-1 (45s old).\n\nNAME "),
            "{newest}"
        );
        assert!(
            newest.contains("old-1   1/1     Running   14 (107s ago)   12d"),
            "lines kept as they came: {newest}"
        );
        let oldest = sorted_by_age(pods, false).expect("an AGE column");
        assert!(
            oldest.starts_with("Sorted by age, oldest first: old-1 (12d old)."),
            "{oldest}"
        );
        assert_eq!(seconds("2y45d"), Some(2 * 365 * 86_400 + 45 * 86_400));
        assert_eq!(seconds("<invalid>"), None);
        assert_eq!(sorted_by_age("NAME   READY\nweb    1/1\n", true), None);
    }

    #[test]
    fn a_tally_counts_each_value_of_a_column() {
        let pods = "\
NAME     READY   STATUS             RESTARTS        AGE   NODE
web-1    1/1     Running            0               12d   node-1
web-2    0/1     CrashLoopBackOff   14 (107s ago)   12d   node-2
web-3    1/1     Running            0               12d   node-1
job-1    0/1     Pending            0               1m    <none>
";
        assert_eq!(
            tally(pods, "NODE"),
            Some(vec![
                ("node-1".to_owned(), 2),
                ("<none>".to_owned(), 1),
                ("node-2".to_owned(), 1),
            ])
        );
        assert_eq!(
            tally(pods, "STATUS"),
            Some(vec![
                ("Running".to_owned(), 2),
                ("CrashLoopBackOff".to_owned(), 1),
                ("Pending".to_owned(), 1),
            ])
        );
        assert_eq!(tally(pods, "NAMESPACE"), None);
    }

    #[test]
    fn columns_align_to_the_widest_cell() {
        let columns = vec!["NAME".to_owned(), "CPU(cores)".to_owned()];
        let rows = vec![
            vec!["checkout-7d4b9".to_owned(), "5m".to_owned()],
            vec!["web".to_owned(), "120m".to_owned()],
        ];
        assert_eq!(
            aligned(&columns, &rows),
            "NAME             CPU(cores)\ncheckout-7d4b9   5m\nweb              120m\n"
        );
    }

    const PODS: &str = "\
NAMESPACE    APIVERSION   KIND   NAME                        READY   STATUS             RESTARTS        AGE   IP           NODE     NOMINATED NODE   READINESS GATES   LABELS
production   v1           Pod    checkout-n64dnbm6wv-ctp47   0/1     CrashLoopBackOff   14 (107s ago)   12d   10.244.2.6   node-2   <none>           <none>            app=checkout,pod-template-hash=n64dnbm6wv
production   v1           Pod    postgres-0                  1/1     Running            0               12d   10.244.1.2   node-1   <none>           <none>            app=postgres
";

    #[test]
    fn a_list_reads_like_kubectl_get() {
        let compacted = compact(PODS, true, false).expect("columns to leave out");
        assert_eq!(
            compacted,
            "NAME                        READY   STATUS             RESTARTS        AGE   IP           NODE\n\
             checkout-n64dnbm6wv-ctp47   0/1     CrashLoopBackOff   14 (107s ago)   12d   10.244.2.6   node-2\n\
             postgres-0                  1/1     Running            0               12d   10.244.1.2   node-1\n"
        );
        let across = compact(PODS, false, true).expect("columns to leave out");
        assert!(across.starts_with("NAMESPACE    NAME "), "{across}");
        assert!(
            across.contains("app=postgres"),
            "labels asked for: {across}"
        );
        // Nothing to leave out: the server's text stands.
        assert_eq!(compact("NAME   STATUS\nweb    Ready\n", true, false), None);
    }

    #[test]
    fn the_most_restarted_pods_come_first() {
        let text = "NAMESPACE   NAME    READY   STATUS             RESTARTS      AGE\n\
                    demo        web-1   1/1     Running            0             2d\n\
                    demo        api-1   0/1     CrashLoopBackOff   7 (2m ago)    2d\n\
                    demo        db-0    1/1     Running            2 (1h ago)    2d\n";
        let sorted = sorted_by_restarts(text, None).expect("sorted");
        let names: Vec<&str> = sorted
            .lines()
            .skip(3)
            .filter_map(|line| line.split_whitespace().nth(1))
            .collect();
        assert_eq!(names, vec!["api-1", "db-0", "web-1"], "{sorted}");
        assert!(sorted.starts_with("Sorted by restarts, most first: api-1 restarted 7 times."));
        assert!(
            sorted.contains("7 (2m ago)    2d"),
            "lines are kept: {sorted}"
        );
        assert_eq!(
            sorted_by_restarts("NAME   STATUS\nweb    Ready\n", None),
            None
        );
        let pods = "NAME    READY   STATUS             RESTARTS        AGE\n\
                    calm    1/1     Running            0               1d\n\
                    flaky   0/1     CrashLoopBackOff   7 (2m ago)      1d\n\
                    wobbly  1/1     Running            2 (1h ago)      1d\n";
        let over = sorted_by_restarts(pods, Some(1)).expect("a RESTARTS column");
        assert!(
            over.starts_with("2 of the 3 pods restarted more than once, most first.\n\n"),
            "{over}"
        );
        assert!(
            !over.contains("calm") && over.find("flaky") < over.find("wobbly"),
            "{over}"
        );
        assert_eq!(
            sorted_by_restarts(pods, Some(10)).as_deref(),
            Some("None of the 3 pods restarted more than 10 times.\n")
        );
    }
}
