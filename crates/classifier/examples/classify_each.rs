//! Classifies every request of the labelled corpus and of the safety list
//! once, in order, after one warm-up request, and prints each request on its
//! own line. `scripts/classifier-instructions` runs it under callgrind to
//! count the instructions each classification takes: unlike wall-clock time,
//! a count the load of a shared machine does not change.

use std::hint::black_box;
use std::io::Write;

use classifier::classify;

#[path = "../benches/shared/requests.rs"]
mod shared_requests;
use shared_requests::requests;

/// The request classified first, whose count is left out of the figures:
/// it builds both vocabulary tables (words, and kinds for `kind/name`
/// forms), which happens once per process.
const WARM_UP: &str = "kubectl get deploy/web -n staging";

fn main() -> std::io::Result<()> {
    let requests = requests();
    black_box(classify(black_box(WARM_UP)));
    let mut out = std::io::stdout().lock();
    for request in &requests {
        black_box(classify(black_box(request)));
        writeln!(out, "{request}")?;
    }
    Ok(())
}
