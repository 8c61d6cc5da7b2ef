//! `NIX001` nix-syntax-error: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A `.nix` file does not parse. (Found by the parser, which reports the
    /// exact range and still reads the other files.)
    ///
    /// ## Why
    /// Every host that imports the file fails to evaluate, so `colmena apply`
    /// or `deploy` stops before building anything, and strata cannot read the
    /// facts the file declares.
    ///
    /// ## Example
    /// ```nix
    /// { services.k3s = {
    ///     enable = true
    ///     role = "server";    # missing `;` on the line above
    ///   };
    /// }
    /// ```
    code: NixSyntax,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_error_and_keeps_analysing() {
        let analysis = analyze_fixture("nix-syntax-error");
        assert_fires_at(
            &analysis,
            Code::NixSyntax,
            crate::testing::expected::NIX_SYNTAX,
        );
    }

    #[test]
    fn silent_on_valid_nix() {
        assert_clean(&analyze_fixture("nix-syntax-error-clean"), Code::NixSyntax);
    }
}
