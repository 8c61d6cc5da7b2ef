//! `FLUX022` sync-root-unresolved: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A Flux sync — a `FluxInstance`'s `spec.sync`, or the `instance.sync`
    /// values of the flux-instance chart — names a `path` that is no
    /// directory of this repository, read from its root or from the
    /// directory CI pushes as the OCI artifact. (Found while looking for
    /// sync roots.)
    ///
    /// ## Why
    /// The Flux Operator creates the cluster's root Kustomization from
    /// `spec.sync`: with a wrong path it fails with `kustomization path not
    /// found` and nothing of the tree is deployed. When the path is right
    /// but lives in another repository, strata cannot see the tree.
    ///
    /// ## Example
    /// ```yaml
    /// kind: FluxInstance
    /// spec:
    ///   sync:
    ///     kind: GitRepository
    ///     url: https://git.example.com/lab/home-ops.git
    ///     path: kubernetes/clusters/home    # the tree is in kubernetes/flux/cluster
    /// ```
    /// Fix the path, or name the tree's root with `--entry PATH`.
    code: SyncRootUnresolved,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_sync_path() {
        assert_fires_at(
            &analyze_fixture("flux-sync-root-unresolved"),
            Code::SyncRootUnresolved,
            &["kubernetes/flux-system/instance.yaml:15:11"],
        );
    }

    #[test]
    fn silent_when_the_sync_path_is_in_the_repository() {
        let analysis = analyze_fixture("flux-sync-root-unresolved-clean");
        assert_clean(&analysis, Code::SyncRootUnresolved);
        // The tree behind the root is read: the root, its child and the app.
        for id in [
            "Kustomization/flux-system/flux-system",
            "GitRepository/flux-system/flux-system",
            "Kustomization/flux-system/cluster-apps",
            "HelmRelease/podinfo/podinfo",
        ] {
            assert!(
                analysis.flux.objects.iter().any(|o| o.id.to_string() == id),
                "{id} missing"
            );
        }
    }
}
