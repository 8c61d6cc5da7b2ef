//! `FLUX004` kustomization-path-missing: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A Flux Kustomization's `spec.path` names a directory that does not
    /// exist in the repository. (Found while following the tree.)
    ///
    /// ## Why
    /// `spec.path` is relative to the root of the source artifact (for the
    /// usual `flux-system` GitRepository, the repository root), not to the
    /// file that declares the Kustomization. A wrong path fails the build with
    /// `kustomization path not found`, and nothing below it is deployed.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Kustomization
    /// metadata: { name: apps, namespace: flux-system }
    /// spec:
    ///   path: ./apps/production      # the tree lives in ./flux/apps/production
    ///   sourceRef: { kind: GitRepository, name: flux-system }
    /// ```
    /// Write the path from the repository root: `./flux/apps/production`.
    code: KustomizationPathMissing,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_path_value() {
        let analysis = analyze_fixture("flux-path-missing");
        assert!(!findings(&analysis, Code::KustomizationPathMissing).is_empty());
        assert_fires_at(
            &analysis,
            Code::KustomizationPathMissing,
            crate::testing::expected::FLUX_PATH_MISSING,
        );
    }

    #[test]
    fn silent_when_the_path_exists() {
        assert_clean(
            &analyze_fixture("flux-path-missing-clean"),
            Code::KustomizationPathMissing,
        );
    }
}
