//! The spinner shown while an approved change runs and is verified, with
//! what is being waited on ("waiting for 4/5 replicas of deployment/nginx in
//! staging to be ready"), fed by the daemon's progress notifications.
//!
//! Only on a terminal: when stderr is not one (a script, a pipe, CI) nothing
//! is drawn and the client should not even ask for progress
//! ([`wanted`]), so a script's output is exactly what it was.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the spinner turns; slow enough to cost nothing.
const TICK: Duration = Duration::from_millis(120);

/// Whether a spinner would be seen: stderr is a terminal.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
}

/// A spinner on stderr, cleared when finished so the result that follows
/// stands alone.
#[derive(Debug)]
pub struct Spinner {
    /// The drawing; hidden when stderr is not a terminal.
    bar: ProgressBar,
}

impl Spinner {
    /// Starts turning with `message` when stderr is a terminal; draws
    /// nothing otherwise.
    pub fn start(message: &str) -> Self {
        let target = if wanted() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                .expect("the template is valid"),
        );
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(TICK);
        Self { bar }
    }

    /// Shows what is being waited on now.
    pub fn update(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    /// Stops and erases the spinner.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
