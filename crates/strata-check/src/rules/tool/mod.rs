//! Findings about how strata itself ran.

pub mod config_invalid;
pub mod eval_fact_mismatch;
pub mod eval_fallback;
pub mod eval_host_failed;
pub mod suppression_reason_missing;
pub mod suppression_unused;
