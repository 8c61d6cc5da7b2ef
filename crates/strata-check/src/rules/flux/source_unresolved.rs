//! `FLUX003` source-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::ReferenceKind;

use super::report_unresolved;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `sourceRef` (of a Kustomization or `spec.chart.spec`) or a `chartRef`
    /// of a HelmRelease names a source object (GitRepository, HelmRepository,
    /// OCIRepository, Bucket, HelmChart…) that no Kustomization applies.
    ///
    /// ## Why
    /// Without its source Flux cannot fetch the manifests or the chart: the
    /// object fails with `source 'HelmRepository/x' not found` and everything
    /// that depends on it waits. `sourceRef.namespace` defaults to the
    /// referring object's own namespace, so a repository declared in
    /// `flux-system` is not found from a HelmRelease in `media` unless the
    /// reference says `namespace: flux-system`.
    ///
    /// ## Example
    /// ```yaml
    /// kind: HelmRelease
    /// metadata: { name: jellyfin, namespace: media }
    /// spec:
    ///   chart:
    ///     spec:
    ///       chart: jellyfin
    ///       sourceRef: { kind: HelmRepository, name: jellyfin }   # declared in flux-system
    /// ```
    /// Add `namespace: flux-system` to the `sourceRef`, or declare the source next to the release.
    code: SourceUnresolved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_unresolved(
        cx,
        &[ReferenceKind::SourceRef, ReferenceKind::ChartRef],
        Code::SourceUnresolved,
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_missing_helm_repository_and_oci_chart_ref() {
        let analysis = analyze_fixture("flux-source-unresolved");
        assert_fires_at(
            &analysis,
            Code::SourceUnresolved,
            &[
                "apps/podinfo.yaml:26:11",
                "infrastructure/controllers/cert-manager.yaml:19:15",
            ],
        );
    }

    #[test]
    fn silent_when_sources_resolve_across_namespaces() {
        assert_clean(
            &analyze_fixture("flux-source-unresolved-clean"),
            Code::SourceUnresolved,
        );
    }
}
