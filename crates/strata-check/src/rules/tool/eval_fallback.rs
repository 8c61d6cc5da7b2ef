//! `EVAL001` eval-fallback: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// `--eval auto` (the default) could not evaluate the flake with the real
    /// `nix`, so host facts come from strata's static reader. The message
    /// says why (no `nix` on PATH, or the flake did not evaluate).
    ///
    /// ## Why
    /// The static reader understands the Nix that host declarations are
    /// usually written in, but not everything nixpkgs can compute; knowing
    /// which tier produced the facts tells how far to trust them.
    ///
    /// ## Example
    /// ```text
    /// strata lint            # info EVAL001: `nix` is not on PATH …
    /// strata lint --eval static   # the same facts, no info
    /// ```
    code: EvalFallback,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::{EvalMode, Options, analyze};
    use strata_core::Code;

    #[test]
    fn auto_reports_the_fallback_once_and_static_does_not() {
        let root = crate::testing::fixture_path("eval-unfetchable");
        let auto = analyze(
            &root,
            &Options {
                eval: EvalMode::Auto,
                ..Options::default()
            },
        )
        .unwrap();
        crate::testing::assert_fires_at(&auto, Code::EvalFallback, &["flake.nix:1:1"]);
        let fixed = analyze(
            &root,
            &Options {
                eval: EvalMode::Static,
                ..Options::default()
            },
        )
        .unwrap();
        assert!(
            fixed
                .diagnostics
                .iter()
                .all(|d| d.code != Code::EvalFallback)
        );
        let no_flake = crate::testing::fixture_path("flux-depends-on-cycle-clean");
        let auto = analyze(
            &no_flake,
            &Options {
                eval: EvalMode::Auto,
                ..Options::default()
            },
        )
        .unwrap();
        assert!(
            auto.diagnostics
                .iter()
                .all(|d| d.code != Code::EvalFallback),
            "nothing to evaluate without a flake"
        );
    }
}
