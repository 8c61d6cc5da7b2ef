//! Findings about how strata itself ran.

pub mod config_invalid;
pub mod eval_fallback;
