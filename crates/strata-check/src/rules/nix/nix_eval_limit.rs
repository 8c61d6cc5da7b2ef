//! `NIX003` nix-eval-limit: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// strata's static evaluator gave up on an expression: it recursed too
    /// deep or took too many steps (for example infinite recursion such as
    /// `rec { a = a; }`). Facts that depend on it are unknown.
    ///
    /// ## Why
    /// The static tier is bounded so that a pathological file yields a
    /// finding, never a hang. Real `nix` would usually fail on the same
    /// expression with `infinite recursion encountered`.
    ///
    /// ## Example
    /// ```nix
    /// let hosts = hosts // { extra = { }; }; in hosts
    /// ```
    code: NixEvalLimit,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn silent_on_the_example_homelab() {
        assert!(findings(&analyze_fixture("../.."), Code::NixEvalLimit).is_empty());
    }
}
