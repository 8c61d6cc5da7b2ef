//! `EVAL002` eval-fact-mismatch: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// With the evaluation tier on (`--eval nix`, or `auto` with a working
    /// `nix`), the static reader and Nix disagree on a host fact (an address,
    /// a k3s option, a firewall port…). strata uses Nix's value; the finding
    /// points at where the static reader found its own.
    ///
    /// ## Why
    /// The static tier reads Nix without running it, which is fast and works
    /// anywhere, but cannot compute everything nixpkgs can. Each disagreement
    /// shows where `--eval static` (and `nix flake check`'s sandboxed lint)
    /// would see something else than what is deployed.
    ///
    /// ## Example
    /// ```nix
    /// networking.hostName = lib.mkOverride 900 "old-name";   # priorities the
    /// networking.hostName = "homelab-0";                     # reader misjudged
    /// ```
    code: EvalFactMismatch,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::fixture_path;
    use crate::{EvalMode, Options, analyze};
    use strata_core::Code;

    /// On the example's twin both tiers read every fact alike: full agreement.
    #[test]
    fn silent_and_in_full_agreement_on_the_example_twin() {
        let options = Options {
            eval: EvalMode::Nix,
            ..Options::default()
        };
        let analysis = analyze(&fixture_path("eval-homelab"), &options).unwrap();
        assert!(
            analysis
                .diagnostics
                .iter()
                .all(|d| d.code != Code::EvalFactMismatch),
            "{:#?}",
            analysis.diagnostics
        );
        let evaluation = analysis.evaluation.expect("the tier ran");
        assert_eq!(evaluation.hosts.len(), 3);
        for comparison in &evaluation.comparisons {
            assert_eq!(comparison.agreement(), 1.0, "{comparison:#?}");
            assert!(comparison.agreed >= 10, "{comparison:#?}");
        }
    }
}
