//! Human in the loop: plans bound to their exact parameters, approvals that are
//! single-use and expiring, and the grants the gateway's backstop checks.
//!
//! # Layout
//! - [`grant`]: the plan hash (what an approval is bound to) and the approval
//!   grant that travels with a mutating tool call. The `hitl` side issues
//!   grants with a [`grant::GrantKey`]; the gateway redeems them with a
//!   [`grant::GrantVerifier`] made from the same key, once each.
#![forbid(unsafe_code)]

pub mod grant;
