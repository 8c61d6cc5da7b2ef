//! `FLUX006` values-from-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::ReferenceKind;

use super::report_unresolved;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A HelmRelease's `spec.valuesFrom` names a ConfigMap or Secret that no
    /// Kustomization applies in the HelmRelease's own namespace, and the
    /// entry is not `optional: true`. Secrets an ExternalSecret
    /// (`spec.target.name`) or a SealedSecret creates count as applied, as do
    /// the objects of kustomize's `configMapGenerator`/`secretGenerator`
    /// (with their hash suffix unless `disableNameSuffixHash` is set).
    ///
    /// ## Why
    /// helm-controller reads `valuesFrom` before it renders the chart; a
    /// missing source stops the release with `could not find Secret
    /// 'media/jellyfin-values'` and nothing is installed or upgraded.
    /// `valuesFrom` has no `namespace` field: the source must live next to
    /// the HelmRelease.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: helm.toolkit.fluxcd.io/v2
    /// kind: HelmRelease
    /// metadata: { name: jellyfin, namespace: media }
    /// spec:
    ///   valuesFrom:
    ///     - kind: ConfigMap
    ///       name: jellyfin-values   # the ConfigMap is called jellyfin-helm-values
    /// ```
    /// Name the object exactly, create it in the HelmRelease's namespace, or
    /// mark the entry `optional: true` if the release works without it.
    code: ValuesFromUnresolved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_unresolved(
        cx,
        &[ReferenceKind::ValuesFrom],
        Code::ValuesFromUnresolved,
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_missing_and_hash_suffixed_sources() {
        let analysis = analyze_fixture("flux-values-from-unresolved");
        assert_fires_at(
            &analysis,
            Code::ValuesFromUnresolved,
            &[
                "apps/media/jellyfin/helmrelease.yaml:18:13",
                "apps/media/jellyfin/helmrelease.yaml:20:13",
            ],
        );
        // The generated ConfigMap exists under its hashed name: say so.
        let hashed = analysis
            .diagnostics
            .iter()
            .find(|d| d.code == Code::ValuesFromUnresolved)
            .and_then(|d| d.help.as_deref())
            .unwrap_or_default();
        assert!(
            hashed.contains("jellyfin-values-") && hashed.contains("disableNameSuffixHash"),
            "{hashed}"
        );
    }

    #[test]
    fn silent_when_every_source_exists_or_is_optional() {
        assert_clean(
            &analyze_fixture("flux-values-from-unresolved-clean"),
            Code::ValuesFromUnresolved,
        );
    }
}
