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
    fn fires_on_runaway_recursion_and_keeps_the_host() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flake.nix"),
            "{\n  outputs = { self }: {\n    colmena.edge = { networking.hostName = let f = n: f (n + 1); in f 0; };\n  };\n}\n",
        )
        .unwrap();
        let analysis = crate::analyze_tree(
            &strata_core::RepoTree::scan(dir.path()).unwrap(),
            Vec::new(),
        );
        assert!(!findings(&analysis, Code::NixEvalLimit).is_empty());
        assert!(
            analysis.graph.contains(&strata_core::NodeId::host("edge")),
            "the rest is still read"
        );
    }

    #[test]
    fn silent_on_the_example_homelab() {
        assert!(findings(&analyze_fixture("../.."), Code::NixEvalLimit).is_empty());
    }
}
