//! The durable, tamper-evident operations log and its Markdown rendering.
#![forbid(unsafe_code)]
