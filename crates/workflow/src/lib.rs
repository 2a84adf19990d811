//! The coordinator: the read-only fast path, the phased change workflow
//! (discovery, planning, approval, execution, verification), diagnosis
//! playbooks and hand-offs.
#![forbid(unsafe_code)]

pub mod diagnosis;
