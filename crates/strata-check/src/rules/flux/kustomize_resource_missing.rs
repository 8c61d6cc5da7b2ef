//! `FLUX005` kustomize-resource-missing: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// An entry of a kustomize `resources:` (or `components:`) list names a
    /// file or directory that does not exist, or a directory that has no
    /// `kustomization.yaml`. (Found while building the tree.)
    ///
    /// ## Why
    /// kustomize stops at the first missing entry, so the whole Flux
    /// Kustomization that builds this directory fails, not just the one
    /// resource: every object in it stays at its last applied state.
    ///
    /// ## Example
    /// ```yaml
    /// # flux/apps/production/kustomization.yaml
    /// resources:
    ///   - ../base/jellyfin
    ///   - ../base/minifux        # typo: the directory is ../base/miniflux
    /// ```
    /// Fix the entry, or remove it if the resource was deleted.
    code: KustomizeResourceMissing,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_missing_entry() {
        let analysis = analyze_fixture("flux-resource-missing");
        assert_fires_at(
            &analysis,
            Code::KustomizeResourceMissing,
            crate::testing::expected::FLUX_RESOURCE_MISSING,
        );
    }

    #[test]
    fn silent_when_entries_exist() {
        assert_clean(
            &analyze_fixture("flux-resource-missing-clean"),
            Code::KustomizeResourceMissing,
        );
    }
}
