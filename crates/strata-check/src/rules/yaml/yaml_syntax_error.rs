//! `YAML001` yaml-syntax-error: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A YAML file of the repository does not parse. (Found by the parser,
    /// which reports the exact position and keeps the documents before it.)
    ///
    /// ## Why
    /// Flux's kustomize build fails on the first unparsable file, so the
    /// Kustomization applying it stops reconciling; strata cannot see the
    /// objects after the error either. Other files are still analysed.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   values:
    ///     ingress:
    ///      enabled: true     # one space less than its sibling: bad indentation
    ///     hosts: [jellyfin.home.arpa
    /// ```
    /// Fix the indentation or the unclosed bracket at the reported position.
    code: YamlSyntax,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_error_and_keeps_analysing() {
        let analysis = analyze_fixture("yaml-syntax-error");
        assert_fires_at(
            &analysis,
            Code::YamlSyntax,
            crate::testing::expected::YAML_SYNTAX,
        );
        assert!(
            analysis.graph.node_count() > 1,
            "the rest of the repository is still in the graph"
        );
    }

    #[test]
    fn silent_on_valid_yaml() {
        assert_clean(
            &analyze_fixture("yaml-syntax-error-clean"),
            Code::YamlSyntax,
        );
    }
}
