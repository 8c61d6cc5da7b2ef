//! `SUP001` suppression-reason-missing: the rule, its documentation and its tests.
//!
//! Found while applying suppressions (`triage.rs`), so it has no check here.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// An inline suppression, `# strata: ignore[CODE]` or
    /// `# strata: ignore-file[CODE]`, with nothing written after the
    /// brackets. It still suppresses the finding.
    ///
    /// ## Why
    /// A suppression says "this finding is wrong here, or accepted". Without
    /// the why, the next reader cannot tell a considered exception from a
    /// silenced bug, and nobody knows when it may go.
    ///
    /// ## Example
    /// ```yaml
    /// # strata: ignore[FLUX015]
    /// image: docker.io/library/nginx
    /// ```
    /// Write the reason after the brackets:
    /// `# strata: ignore[FLUX015] the proxy follows upstream on purpose`.
    code: SuppressionReasonMissing,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_comment_without_a_reason() {
        let analysis = analyze_fixture("suppressions");
        assert_fires_at(
            &analysis,
            Code::SuppressionReasonMissing,
            &["apps/deployment.yaml:22:11"],
        );
    }

    #[test]
    fn silent_when_every_suppression_says_why() {
        let analysis = analyze_fixture("suppressions-clean");
        assert_clean(&analysis, Code::SuppressionReasonMissing);
    }
}
