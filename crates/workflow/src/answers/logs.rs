//! A container log shaped for what was asked of it: the lines that report a
//! failure ("any errors in the checkout logs"), and what the server's log
//! tool cannot do (select by time: "logs since 10m").

use classifier::ReadFocus;

/// Words (lower-case, matched inside a line's lower-cased text) that mark
/// a line as reporting a failure, in the spellings loggers use.
const FAILURE_MARKS: [&str; 8] = [
    "error",
    "fatal",
    "exception",
    "panic",
    "traceback",
    "failed",
    "failure",
    "critical",
];

/// `log` shaped for `focus`; `None` when nothing was asked of it beyond the
/// lines themselves.
pub(super) fn shaped(log: &str, focus: ReadFocus) -> Option<String> {
    if !focus.errors && !focus.since {
        return None;
    }
    let total = log.lines().count();
    let mut text = String::new();
    if focus.since {
        text.push_str(&format!(
            "The server's log tool reads a container's last lines and cannot select them by \
             time (kubectl logs --since has no counterpart there): these are the last {total} \
             line(s); each line's own timestamp says when it was written.\n\n"
        ));
    }
    if focus.errors {
        text.push_str(&failures(log, total));
    } else {
        text.push_str(log);
    }
    Some(text)
}

/// The lines of `log` that report a failure, each with the indented lines
/// that continue it (a stack trace's `at ...` frames), under a line that
/// counts them; a log without one says so and where else to look.
fn failures(log: &str, total: usize) -> String {
    let mut kept = Vec::new();
    let mut in_failure = false;
    for line in log.lines() {
        let continues = line.starts_with([' ', '\t']) || line.starts_with("Caused by");
        if in_failure && continues {
            kept.push(line);
            continue;
        }
        let lower = line.to_lowercase();
        in_failure = FAILURE_MARKS.iter().any(|mark| lower.contains(mark));
        if in_failure {
            kept.push(line);
        }
    }
    if total == 0 {
        return "The log is empty.\n".to_owned();
    }
    if kept.is_empty() {
        return format!(
            "None of the last {total} line(s) reports a failure (error, fatal, exception, panic, \
             failed). A container that restarted wrote its failure before the restart: ask for \
             its previous logs.\n"
        );
    }
    format!(
        "{} of the last {total} line(s) report a failure (error, fatal, exception, panic, \
         failed), with the lines that continue them:\n\n{}\n",
        kept.len(),
        kept.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
2026-11-25 08:41:02 INFO  Started PaymentApplication in 9.1 seconds
2026-11-25 08:47:45 WARN  reconciling 184203 settlements in one batch
2026-11-25 08:47:58 ERROR Unexpected error occurred in scheduled task
java.lang.OutOfMemoryError: Java heap space
\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)
\tat com.acme.payments.ReconcileJob.loadSettlements(ReconcileJob.java:88)
2026-11-25 08:48:01 INFO  shutting down";

    #[test]
    fn an_errors_question_keeps_the_failing_lines_and_their_stack_trace() {
        let focus = classifier::read_focus("any errors in the payment-service logs");
        let text = shaped(LOG, focus).expect("shaped");
        assert!(
            text.starts_with("4 of the last 7 line(s) report a failure"),
            "{text}"
        );
        assert!(text.contains("ERROR Unexpected error"), "{text}");
        assert!(
            text.contains("\tat com.acme.payments.ReconcileJob"),
            "{text}"
        );
        assert!(!text.contains("Started PaymentApplication"), "{text}");
        assert!(!text.contains("shutting down"), "{text}");
    }

    #[test]
    fn a_log_without_failures_says_so_and_points_at_the_previous_logs() {
        let focus = classifier::read_focus("grep errors in checkout logs");
        let text = shaped("INFO starting\nINFO connecting\n", focus).expect("shaped");
        assert!(
            text.starts_with("None of the last 2 line(s) reports a failure"),
            "{text}"
        );
        assert!(text.contains("previous logs"), "{text}");
    }

    #[test]
    fn a_time_window_is_said_to_be_out_of_the_tools_reach() {
        let focus = classifier::read_focus("logs of payment-service since 10m");
        let text = shaped(LOG, focus).expect("shaped");
        assert!(
            text.starts_with("The server's log tool reads a container's last lines and cannot"),
            "{text}"
        );
        assert!(text.ends_with("shutting down"), "{text}");
        assert_eq!(
            shaped(LOG, classifier::read_focus("logs of payment-service")),
            None
        );
    }
}
