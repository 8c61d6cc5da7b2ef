//! `YAML002` yaml-not-an-object: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A document listed in a kustomize `resources:` file is not a Kubernetes
    /// object: it lacks `apiVersion`, `kind` or `metadata.name`.
    ///
    /// ## Why
    /// kustomize rejects such a document (`missing metadata.name`), failing
    /// the whole build. Helm values files and SOPS configuration are often
    /// listed by mistake.
    ///
    /// ## Example
    /// ```yaml
    /// # kustomization.yaml
    /// resources:
    ///   - helmrelease.yaml
    ///   - values.yaml          # plain Helm values: use a configMapGenerator instead
    /// ```
    code: YamlNotAnObject,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn silent_on_the_example_homelab() {
        assert!(findings(&analyze_fixture("../.."), Code::YamlNotAnObject).is_empty());
    }
}
