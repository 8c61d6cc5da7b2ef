//! `FLUX024` kustomize-duplicate-id: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// The directory a Flux Kustomization builds holds the same object
    /// (group, kind, namespace, name) twice, from two files or documents.
    /// (Found while following the tree.)
    ///
    /// ## Why
    /// kustomize refuses such a build (`may not add resource with an
    /// already registered id`), so Flux applies nothing of that
    /// Kustomization. It often happens when a parent's `spec.patches`
    /// points a child at the repository root, whose generated
    /// kustomization then holds every manifest again.
    ///
    /// ## Example
    /// ```yaml
    /// # apps/podinfo/namespace.yaml and apps/podinfo/release.yaml both hold:
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: { name: podinfo }
    /// ```
    /// Keep one declaration, or narrow the Kustomization's `spec.path`.
    code: KustomizeDuplicateId,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_second_declaration() {
        let analysis = analyze_fixture("flux-kustomize-duplicate-id");
        assert_fires_at(
            &analysis,
            Code::KustomizeDuplicateId,
            &["apps/podinfo/release.yaml:5:9"],
        );
        // Nothing of the refused build is applied.
        assert!(
            !analysis
                .flux
                .objects
                .iter()
                .any(|o| o.id.to_string() == "HelmRelease/podinfo/podinfo")
        );
    }

    #[test]
    fn silent_when_each_object_is_declared_once() {
        assert_clean(
            &analyze_fixture("flux-kustomize-duplicate-id-clean"),
            Code::KustomizeDuplicateId,
        );
    }
}
