//! `FLUX012` api-version-deprecated: the rule, its documentation and its tests.

use strata_core::Diagnostic;

use super::api_version_removed::report;
use super::flux_api::Status;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A Flux object uses an API version that Flux 2.7 deprecates and Flux 2.8
    /// removes: `source.toolkit.fluxcd.io/v1beta2` (OCIRepository included),
    /// `kustomize.toolkit.fluxcd.io/v1beta2` or `helm.toolkit.fluxcd.io/v2beta2`.
    ///
    /// ## Why
    /// Flux 2.7 still serves these versions, with a warning on every apply.
    /// The upgrade to 2.8 stops serving them, and every Kustomization that
    /// applies such an object then fails until the manifests are rewritten.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: source.toolkit.fluxcd.io/v1beta2   # removed in Flux 2.8
    /// kind: OCIRepository
    /// metadata: { name: podinfo, namespace: flux-system }
    /// ```
    /// Write `apiVersion: source.toolkit.fluxcd.io/v1`, or run `flux migrate -f .`.
    code: ApiVersionDeprecated,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report(cx, Status::Deprecated, out);
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_every_deprecated_version_at_the_api_version_value() {
        let analysis = analyze_fixture("flux-api-version");
        assert_fires_at(
            &analysis,
            Code::ApiVersionDeprecated,
            &[
                "apps/podinfo.yaml:10:13",
                "clusters/home/infrastructure.yaml:1:13",
                "infrastructure/cert-manager.yaml:6:13",
            ],
        );
        let all = findings(&analysis, Code::ApiVersionDeprecated).join("\n");
        assert!(all.contains("OCIRepository `podinfo` uses `source.toolkit.fluxcd.io/v1beta2`"));
    }

    #[test]
    fn silent_on_current_versions() {
        assert_clean(
            &analyze_fixture("flux-api-version-clean"),
            Code::ApiVersionDeprecated,
        );
    }
}
