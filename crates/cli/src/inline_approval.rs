//! Approving a plan where it is shown: `kubeop ask` on a terminal, the
//! interactive session, the demo. One question, one rule for every place:
//! `y` approves the exact plan shown (its id and hash), `n` denies it, and
//! anything else (Enter, end of input, Ctrl-C) leaves it pending, to be
//! approved or denied later with `kubeop approve` / `kubeop deny`.
//!
//! The prompt reads through a function the caller passes, so the same
//! decision serves a plain terminal (`read_stdin_line`) and a line editor.

use serde_json::{Value, json};

use crate::backend::Kubeop;
use crate::client::ClientError;
use crate::progress::{self, Spinner};
use crate::rpc::method;

/// The question asked for every plan.
pub const QUESTION: &str = "Approve this plan? [y approves, n denies, Enter leaves it pending] ";

/// Recorded as the reason of a plan denied at the prompt.
pub const DENIED_AT_PROMPT: &str = "denied at the prompt";

/// What the person decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run the plan shown.
    Approve {
        /// The target's name typed again, where policy asks for it.
        retyped_name: Option<String>,
    },
    /// Refuse it, for the record.
    Deny,
    /// Decide later; the plan stays pending until it expires.
    Leave,
}

/// The plan in an answer that a person can approve: a plan card, or a
/// diagnosis's proposed fix.
pub fn plan_in(response: &Value) -> Option<&Value> {
    match response["kind"].as_str() {
        Some("plan") => Some(response),
        Some("diagnosis") => response.get("proposal").filter(|plan| plan.is_object()),
        _ => None,
    }
}

/// Asks about `plan`, reading answers with `read_line(prompt)` (`None` at
/// end of input or on interruption).
pub fn decide(plan: &Value, read_line: &mut dyn FnMut(&str) -> Option<String>) -> Decision {
    let Some(answer) = read_line(QUESTION) else {
        return Decision::Leave;
    };
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => {
            let retyped_name = if plan["retype_required"] == true {
                let name = plan["target"]["name"].as_str().unwrap_or_default();
                match read_line(&format!(
                    "Policy asks you to type the name again ({name}): "
                )) {
                    Some(typed) => Some(typed.trim().to_owned()),
                    None => return Decision::Leave,
                }
            } else {
                None
            };
            Decision::Approve { retyped_name }
        }
        "n" | "no" => Decision::Deny,
        _ => Decision::Leave,
    }
}

/// The `approve` parameters for `plan` (its id and the hash shown).
pub fn approve_params(plan: &Value, retyped_name: Option<String>) -> Value {
    json!({
        "plan_id": plan["plan_id"],
        "plan_hash": plan["plan_hash"],
        "retyped_name": retyped_name,
        "approver": std::env::var("USER").ok(),
    })
}

/// Approves `plan` on `kubeop` as the person decided, the verification's
/// progress lines shown on a spinner while it runs (where a spinner is wanted).
pub async fn approve(
    kubeop: &Kubeop,
    plan: &Value,
    retyped_name: Option<String>,
) -> Result<Value, ClientError> {
    let spinner = progress::wanted().then(|| {
        Spinner::start(&format!(
            "running plan {}",
            plan["plan_id"].as_str().unwrap_or("-")
        ))
    });
    let mut params = approve_params(plan, retyped_name);
    params["progress"] = json!(spinner.is_some());
    let outcome = kubeop
        .call_with_progress(method::APPROVE, params, |line| {
            if let Some(spinner) = &spinner {
                spinner.update(line);
            }
        })
        .await;
    if let Some(spinner) = spinner {
        spinner.finish();
    }
    outcome
}

/// The `deny` parameters for `plan`.
pub fn deny_params(plan: &Value, reason: &str) -> Value {
    json!({
        "plan_id": plan["plan_id"],
        "reason": reason,
        "approver": std::env::var("USER").ok(),
    })
}

/// Prints `prompt` and reads one line from standard input; `None` at end of
/// input.
pub fn read_stdin_line(prompt: &str) -> Option<String> {
    use std::io::Write;
    let mut stdout = std::io::stdout();
    // A prompt that cannot be shown still gets its answer read.
    let _shown = stdout
        .write_all(prompt.as_bytes())
        .and_then(|()| stdout.flush());
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(lines: &[&str]) -> impl FnMut(&str) -> Option<String> {
        let mut lines: Vec<String> = lines.iter().rev().map(|line| (*line).to_owned()).collect();
        move |_prompt| lines.pop()
    }

    fn plan(retype: bool) -> Value {
        json!({"kind": "plan", "plan_id": "p1", "plan_hash": "h", "retype_required": retype,
               "target": {"kind": "Deployment", "name": "web", "namespace": "prod", "context": "c"}})
    }

    #[test]
    fn yes_approves_no_denies_anything_else_leaves_it_pending() {
        let plan = plan(false);
        assert_eq!(
            decide(&plan, &mut answers(&["y\n"])),
            Decision::Approve { retyped_name: None }
        );
        assert_eq!(
            decide(&plan, &mut answers(&[" YES "])),
            Decision::Approve { retyped_name: None }
        );
        assert_eq!(decide(&plan, &mut answers(&["n"])), Decision::Deny);
        assert_eq!(decide(&plan, &mut answers(&[""])), Decision::Leave);
        assert_eq!(decide(&plan, &mut answers(&["maybe"])), Decision::Leave);
        assert_eq!(decide(&plan, &mut answers(&[])), Decision::Leave);
    }

    #[test]
    fn a_policy_retype_is_asked_for_and_passed_on() {
        let plan = plan(true);
        assert_eq!(
            decide(&plan, &mut answers(&["y", "web\n"])),
            Decision::Approve {
                retyped_name: Some("web".into())
            }
        );
        assert_eq!(decide(&plan, &mut answers(&["y"])), Decision::Leave);
    }

    #[test]
    fn plans_are_found_in_plan_cards_and_diagnosis_proposals_only() {
        let card = plan(false);
        assert_eq!(plan_in(&card), Some(&card));
        let diagnosis =
            json!({"kind": "diagnosis", "cause": "oom", "evidence": [], "proposal": card});
        assert_eq!(plan_in(&diagnosis), Some(&card));
        let without =
            json!({"kind": "diagnosis", "cause": "oom", "evidence": [], "proposal": null});
        assert_eq!(plan_in(&without), None);
        assert_eq!(plan_in(&json!({"kind": "answer", "text": "x"})), None);
    }

    #[test]
    fn parameters_name_the_plan_shown() {
        let plan = plan(false);
        let approve = approve_params(&plan, Some("web".into()));
        assert_eq!(approve["plan_id"], "p1");
        assert_eq!(approve["plan_hash"], "h");
        assert_eq!(approve["retyped_name"], "web");
        let deny = deny_params(&plan, DENIED_AT_PROMPT);
        assert_eq!(deny["plan_id"], "p1");
        assert_eq!(deny["reason"], DENIED_AT_PROMPT);
    }
}
