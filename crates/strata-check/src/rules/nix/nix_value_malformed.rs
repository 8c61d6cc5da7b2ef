//! `NIX013` nix-value-malformed: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A value strata reads from the flake has a shape Nix refuses, or
    /// evaluating it fails: `flake.nix` that is not a set or has no
    /// `outputs`, an `outputs` that is not a function or returns no set, or
    /// a host option strata reads (`networking.hostName`,
    /// `system.stateVersion`, Colmena's `deployment.*`,
    /// `services.openiscsi.enable`) of the wrong type or whose value calls
    /// `throw` or `abort`, divides by zero or selects a missing attribute.
    /// (Found while reading the hosts.) The finding points at the failing
    /// expression (the `throw` call) when there is one, else at the
    /// definition.
    ///
    /// ## Why
    /// Real Nix stops at the same place: `nix flake check`, `nixos-rebuild`
    /// and every deploy tool fail for this host (or the whole flake).
    /// Without this finding the fact would silently be unknown, and rules
    /// that need it would say nothing.
    ///
    /// ## Example
    /// ```nix
    /// { ... }: {
    ///   networking.hostName = 42;        # types.str: must be a string
    ///   system.stateVersion = "25.11";
    /// }
    /// ```
    /// Write `networking.hostName = "web";`.
    code: NixValueMalformed,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_failing_expression_or_the_definition() {
        let analysis = analyze_fixture("nix-value-malformed");
        assert_fires_at(
            &analysis,
            Code::NixValueMalformed,
            &[
                "hosts/db.nix:3:25",
                "hosts/web.nix:3:14",
                "hosts/web.nix:4:10",
            ],
        );
        let all = findings(&analysis, Code::NixValueMalformed).join("\n");
        assert!(
            all.contains("`networking.hostName` of host `web`: it is an int, not a string"),
            "{all}"
        );
        assert!(
            all.contains("reading it fails: evaluation calls `throw`"),
            "{all}"
        );
    }

    #[test]
    fn silent_when_every_value_is_well_typed() {
        assert_clean(
            &analyze_fixture("nix-value-malformed-clean"),
            Code::NixValueMalformed,
        );
    }
}
