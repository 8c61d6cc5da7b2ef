//! `FLUX023` sync-root-missing: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// The repository holds Flux objects, but strata found no place where
    /// Flux starts: no `FluxInstance` `spec.sync` (or flux-instance
    /// `instance.sync` values), no `flux bootstrap` Kustomization inside the
    /// directory it applies, no `clusters/<name>` directory. (Found while
    /// looking for sync roots; one finding, at the first Flux object.)
    ///
    /// ## Why
    /// Without a root, strata cannot tell what Flux applies: every rule
    /// that follows the tree would see nothing, and a clean result would
    /// mean nothing. Saying so beats a silent "ok".
    ///
    /// ## Example
    /// ```text
    /// deploy/root/apps.yaml         # a Kustomization applying ./deploy/apps
    /// deploy/apps/podinfo/…         # the bootstrap Kustomization syncing
    ///                               # deploy/root lives only in the cluster
    /// ```
    /// Name the root: `strata lint --entry deploy/root`, or in `strata.toml`:
    /// `[flux]` `entry = "deploy/root"`.
    code: SyncRootMissing,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use crate::{EvalMode, Options};
    use strata_core::Code;

    #[test]
    fn fires_once_at_the_first_flux_object() {
        assert_fires_at(
            &analyze_fixture("flux-sync-root-missing"),
            Code::SyncRootMissing,
            &["deploy/apps/podinfo/release.yaml:3:7"],
        );
    }

    #[test]
    fn silent_when_the_entry_is_configured() {
        let options = Options {
            eval: EvalMode::Static,
            ..Options::default()
        };
        let analysis = crate::analyze(&fixture_path("flux-sync-root-missing-clean"), &options)
            .expect("fixture analyses");
        assert_clean(&analysis, Code::SyncRootMissing);
        assert!(
            analysis
                .flux
                .objects
                .iter()
                .any(|o| o.id.to_string() == "HelmRelease/podinfo/podinfo"),
            "the configured entry's tree is read"
        );
        // `--entry` does the same as `[flux] entry`.
        let options = Options {
            eval: EvalMode::Static,
            entry: Some("deploy/root".into()),
            ..Options::default()
        };
        let analysis = crate::analyze(&fixture_path("flux-sync-root-missing"), &options)
            .expect("fixture analyses");
        assert_clean(&analysis, Code::SyncRootMissing);
    }
}
