//! A conversation with kubeop: the lines of [`crate::script`] carried out
//! against a [`Kubeop`] (the daemon or the in-process pipeline), each answer
//! rendered for people. `kubeop shell` and `kubeop demo` (its tour and
//! `--script FILE`) are this loop with different sources of lines.
//!
//! A conversation is one workflow session, so a context switch holds for its
//! later requests; it keeps the plan shown last until it is approved, denied
//! or replaced, and the first failure's exit status for a script to end with.

use classifier::Intent;
use serde_json::{Value, json};

use crate::backend::Kubeop;
use crate::client::ClientError;
use crate::inline_approval::{self, Decision};
use crate::render::{self, Style};
use crate::rpc::method;
use crate::script::{self, Line};

/// Reads a person's answer to a prompt (`None`: end of input or interrupted).
pub type ReadLine<'a> = &'a mut dyn FnMut(&str) -> Option<String>;

/// Whether the conversation goes on after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// `exit`: stop reading.
    Exit,
}

/// One conversation.
#[derive(Debug)]
pub struct Conversation<'k> {
    /// Where requests go.
    kubeop: &'k Kubeop,
    /// The workflow session (context switches hold within it).
    session: String,
    /// The namespace the session switched to, for the prompt.
    namespace: Option<String>,
    /// The kube context of the latest answer, for the prompt.
    context: Option<String>,
    /// The plan shown last and not yet decided.
    undecided: Option<Value>,
    /// Approve every plan as soon as it is shown.
    auto_approve: bool,
    /// Print each request before its answer (scripts, piped input).
    echo: bool,
    /// The exit status of the first line that failed.
    first_failure: Option<u8>,
}

impl<'k> Conversation<'k> {
    /// A conversation in `session` on `kubeop`.
    pub fn new(kubeop: &'k Kubeop, session: String) -> Self {
        Self {
            kubeop,
            session,
            namespace: None,
            context: None,
            undecided: None,
            auto_approve: false,
            echo: false,
            first_failure: None,
        }
    }

    /// Prints each request (as `kubeop> REQUEST`) before its answer, for
    /// output read without the input next to it.
    pub fn echo_requests(&mut self, echo: bool) {
        self.echo = echo;
    }

    /// The prompt: the context and namespace requests go to.
    pub fn prompt(&self) -> String {
        match (&self.context, &self.namespace) {
            (Some(context), Some(namespace)) => format!("kubeop ({context}/{namespace})> "),
            (Some(context), None) => format!("kubeop ({context})> "),
            (None, Some(namespace)) => format!("kubeop (-/{namespace})> "),
            (None, None) => "kubeop> ".to_owned(),
        }
    }

    /// The exit status for the whole conversation: that of the first line
    /// that failed (1 error, 5 refused, 6 a change not verified), else 0.
    pub fn exit_status(&self) -> u8 {
        self.first_failure.unwrap_or(crate::exit::SUCCESS)
    }

    /// Starts the session: switches it to `namespace` when one is given
    /// (the session keeps it, like kubectl's current namespace), and learns
    /// its context for the prompt with one cheap read of the kubeconfig.
    pub async fn start(&mut self, namespace: Option<&str>) {
        if let Some(namespace) = namespace {
            let text = format!("use namespace {namespace}");
            match self.kubeop.call(method::ASK, self.ask_params(&text)).await {
                Ok(answer) if answer["error"] != true => {
                    self.namespace = Some(namespace.to_owned());
                }
                Ok(answer) => self.fail(crate::exit::FAILURE, &answer["text"].to_string()),
                Err(error) => self.fail_call(&error),
            }
        }
        let params = self.ask_params("list kubeconfig contexts");
        match self.kubeop.call(method::ASK, params).await {
            Ok(answer) => self.note_context(&answer),
            Err(error) => tracing::debug!(%error, "the context is not known yet"),
        }
    }

    fn ask_params(&self, text: &str) -> Value {
        json!({
            "text": text,
            "session": self.session,
            "requester": std::env::var("USER").ok(),
        })
    }

    /// Carries out one line. `decide` asks a person about a plan (inline
    /// approval); without it a plan waits for an `approve` or `deny` line.
    pub async fn run(&mut self, line: &str, decide: Option<ReadLine<'_>>) -> Flow {
        let parsed = match script::parse(line) {
            Ok(parsed) => parsed,
            Err(error) => {
                if self.echo {
                    self.say(&format!("{}{}\n", self.prompt(), line.trim()));
                }
                self.fail(crate::exit::FAILURE, &error.to_string());
                return Flow::Continue;
            }
        };
        if self.echo {
            self.echo_line(line, &parsed);
        }
        match parsed {
            Line::Skip => {}
            Line::Ask(text) => self.ask(&text, decide).await,
            Line::Approve => match self.undecided.take() {
                Some(plan) => self.approve(&plan, None).await,
                None => self.fail(crate::exit::FAILURE, "no plan waits for approval here"),
            },
            Line::Deny(reason) => match self.undecided.take() {
                Some(plan) => {
                    let reason = reason.unwrap_or_else(|| "denied in the session".to_owned());
                    self.deny(&plan, &reason).await;
                }
                None => self.fail(crate::exit::FAILURE, "no plan waits for a decision here"),
            },
            Line::AutoApprove(on) => {
                self.auto_approve = on;
                self.say(if on {
                    "Every plan is approved as soon as it is shown.\n"
                } else {
                    "Each plan waits for your decision.\n"
                });
            }
            Line::Help => self.say(script::HELP),
            Line::Exit => return Flow::Exit,
        }
        Flow::Continue
    }

    /// Notes that the line in progress was cancelled (Ctrl-C); the request
    /// itself may still finish where it runs.
    pub fn cancelled(&mut self) {
        eprintln!(
            "kubeop: cancelled. A change already approved still runs to its verification and is recorded (kubeop log)."
        );
    }

    async fn ask(&mut self, text: &str, decide: Option<ReadLine<'_>>) {
        let style = Style::for_stdout();
        let response = match self.kubeop.call(method::ASK, self.ask_params(text)).await {
            Ok(response) => response,
            Err(error) => return self.fail_call(&error),
        };
        self.note_context(&response);
        if response["error"] == true {
            // The server's failure is in the card; a script still fails on it.
            self.first_failure.get_or_insert(crate::exit::FAILURE);
        } else {
            self.note_switch(text);
        }
        let plan = inline_approval::plan_in(&response).cloned();
        let deciding_now = plan.is_some() && (self.auto_approve || decide.is_some());
        let card = if deciding_now && response["kind"] == "plan" {
            render::plan_summary(&response, &style)
        } else {
            render::response(&response, &style)
        };
        self.say(&card);
        let Some(plan) = plan else {
            return;
        };
        if self.auto_approve {
            return self.approve(&plan, None).await;
        }
        let Some(read_line) = decide else {
            self.undecided = Some(plan);
            return;
        };
        match inline_approval::decide(&plan, read_line) {
            Decision::Approve { retyped_name } => self.approve(&plan, retyped_name).await,
            Decision::Deny => self.deny(&plan, inline_approval::DENIED_AT_PROMPT).await,
            Decision::Leave => {
                self.say(&render::plan_commands(&plan, &style));
                self.undecided = Some(plan);
            }
        }
    }

    async fn approve(&mut self, plan: &Value, retyped_name: Option<String>) {
        match inline_approval::approve(self.kubeop, plan, retyped_name).await {
            Ok(result) => {
                self.say(&render::result(&result, &Style::for_stdout()));
                if result["outcome"] != "verified" {
                    self.first_failure.get_or_insert(crate::exit::NOT_VERIFIED);
                }
            }
            Err(error) => self.fail_call(&error),
        }
    }

    async fn deny(&mut self, plan: &Value, reason: &str) {
        let params = inline_approval::deny_params(plan, reason);
        match self.kubeop.call(method::DENY, params).await {
            Ok(denial) => self.say(&render::denied(&denial, &Style::for_stdout())),
            Err(error) => self.fail_call(&error),
        }
    }

    /// Shows a line read from a script or a pipe as if it had been typed:
    /// comments as narration, anything else after the prompt.
    fn echo_line(&self, line: &str, parsed: &Line) {
        let line = line.trim();
        match parsed {
            Line::Skip if line.is_empty() => {}
            Line::Skip => self.say(&format!("\n{line}\n")),
            _ => self.say(&format!("{}{line}\n", self.prompt())),
        }
    }

    /// Follows a namespace or context switch the session made, for the prompt.
    fn note_switch(&mut self, text: &str) {
        if let Some(namespace) = switched_namespace(text) {
            self.namespace = namespace;
        }
    }

    /// Keeps the context an answer came from, for the prompt.
    fn note_context(&mut self, response: &Value) {
        let context = [
            &response["context"],
            &response["target"]["context"],
            &response["proposal"]["target"]["context"],
        ]
        .into_iter()
        .find_map(Value::as_str);
        if let Some(context) = context {
            self.context = Some(context.to_owned());
        }
    }

    fn fail_call(&mut self, error: &ClientError) {
        self.fail(error.exit_status(), &error.to_string());
    }

    fn fail(&mut self, status: u8, message: &str) {
        eprintln!("kubeop: {message}");
        self.first_failure.get_or_insert(status);
    }

    fn say(&self, text: &str) {
        if let Err(error) = crate::output::emit(text) {
            tracing::warn!(%error, "cannot write to stdout");
        }
    }
}

/// The namespace a switch the session just made leaves it in: `Some(Some)`
/// after a namespace switch, `Some(None)` after a context switch (another
/// context's default namespace applies, as in the workflow's sessions),
/// `None` when `text` is no switch. The classifier's reading, as the
/// workflow's own.
fn switched_namespace(text: &str) -> Option<Option<String>> {
    match classifier::classify(text) {
        Intent::SwitchContext { arguments } => match (arguments.namespace, arguments.context) {
            (Some(namespace), _) => Some(Some(namespace)),
            (None, Some(_)) => Some(None),
            (None, None) => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_follows_namespace_and_context_switches() {
        assert_eq!(
            switched_namespace("use namespace staging"),
            Some(Some("staging".into()))
        );
        assert_eq!(switched_namespace("use context prod-eu"), Some(None));
        assert_eq!(switched_namespace("list pods in production"), None);
    }
}
