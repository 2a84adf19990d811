//! Human in the loop: plans bound to their exact parameters, approvals that are
//! single-use and expiring, and the grants the gateway's backstop checks.
#![forbid(unsafe_code)]
