//! `FLUX003` source-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::ReferenceKind;

use super::same_name_elsewhere;
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
    for object in &cx.flux.objects {
        for reference in object
            .refs
            .iter()
            .filter(|r| matches!(r.kind, ReferenceKind::SourceRef | ReferenceKind::ChartRef))
        {
            if cx.graph.contains(&reference.target) {
                continue;
            }
            let field = if reference.kind == ReferenceKind::ChartRef {
                "chartRef"
            } else {
                "sourceRef"
            };
            let elsewhere = same_name_elsewhere(cx.flux, &reference.target);
            let help = if elsewhere.is_empty() {
                format!(
                    "no {} named `{}` is applied in namespace `{}`; declare it in a tree Flux applies, or fix the name",
                    reference.target.kind(),
                    reference.target.name(),
                    reference.target.namespace().unwrap_or("default")
                )
            } else {
                format!(
                    "a {} of that name exists in namespace {}: add `namespace: {}` to the {field}",
                    reference.target.kind(),
                    elsewhere.join(", "),
                    elsewhere[0]
                )
            };
            out.push(
                Diagnostic::new(
                    Code::SourceUnresolved,
                    format!(
                        "`{field}` names `{}`, which does not exist",
                        reference.target
                    ),
                )
                .at(reference.location.clone())
                .on(object.id.clone())
                .help(help),
            );
        }
    }
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
