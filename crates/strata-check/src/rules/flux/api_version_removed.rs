//! `FLUX011` api-version-removed: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::flux_api::{self, Status};
use super::objects::at;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A Flux object uses an API version that Flux 2.7 no longer serves:
    /// `source.toolkit.fluxcd.io/v1beta1`, `kustomize.toolkit.fluxcd.io/v1beta1`,
    /// `helm.toolkit.fluxcd.io/v2beta1`, `image.toolkit.fluxcd.io/v1beta1` or
    /// `notification.toolkit.fluxcd.io/v1beta1`.
    ///
    /// ## Why
    /// The CRDs of Flux 2.7 do not serve these versions any more, so the API
    /// server rejects the object: the Kustomization applying it fails its
    /// dry-run and nothing else it applies is updated either. Upgrading Flux
    /// with such manifests in Git breaks the cluster's reconciliation.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: helm.toolkit.fluxcd.io/v2beta1   # removed in Flux 2.7
    /// kind: HelmRelease
    /// metadata: { name: podinfo, namespace: podinfo }
    /// ```
    /// Write `apiVersion: helm.toolkit.fluxcd.io/v2`, or run `flux migrate -f .`
    /// on the repository to rewrite every manifest at once.
    code: ApiVersionRemoved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report(cx, Status::Removed, out);
}

/// Reports every object whose `apiVersion` has `status` in the table; shared
/// with FLUX012, which reports the deprecated ones.
pub(crate) fn report(cx: &Context<'_>, status: Status, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        let Some(entry) = flux_api::retired(&object.api_version).filter(|e| e.status == status)
        else {
            continue;
        };
        let Some(value) = object.doc.get("apiVersion") else {
            continue;
        };
        let replacement = (entry.replacement)(&object.kind);
        let (code, message, why) = match status {
            Status::Removed => (
                Code::ApiVersionRemoved,
                format!(
                    "{} `{}` uses `{}`, which Flux 2.7 no longer serves",
                    object.kind, object.name, object.api_version
                ),
                "the API server rejects it",
            ),
            Status::Deprecated => (
                Code::ApiVersionDeprecated,
                format!(
                    "{} `{}` uses `{}`, deprecated in Flux 2.7 and removed in 2.8",
                    object.kind, object.name, object.api_version
                ),
                "Flux 2.8 will reject it",
            ),
        };
        out.push(
            Diagnostic::new(code, message)
                .at(at(object, value))
                .on(object.id.clone())
                .help(format!(
                    "write `apiVersion: {replacement}` ({why} otherwise), or run `flux migrate -f .` \
                     to rewrite every manifest of the repository"
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_every_removed_version_at_the_api_version_value() {
        let analysis = analyze_fixture("flux-api-version");
        assert_fires_at(
            &analysis,
            Code::ApiVersionRemoved,
            &[
                "apps/podinfo.yaml:1:13",
                "apps/podinfo.yaml:21:13",
                "clusters/home/apps.yaml:1:13",
                "clusters/home/notifications.yaml:1:13",
            ],
        );
        let all = findings(&analysis, Code::ApiVersionRemoved).join("\n");
        assert!(all.contains("HelmRelease `podinfo` uses `helm.toolkit.fluxcd.io/v2beta1`"));
    }

    #[test]
    fn help_names_the_replacement_per_kind() {
        let analysis = analyze_fixture("flux-api-version");
        let helps: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::ApiVersionRemoved)
            .filter_map(|d| d.help.clone())
            .collect();
        assert!(
            helps
                .iter()
                .any(|h| h.contains("`apiVersion: notification.toolkit.fluxcd.io/v1beta3`"))
        );
        assert!(helps.iter().all(|h| h.contains("flux migrate")));
    }

    #[test]
    fn silent_on_current_versions() {
        assert_clean(
            &analyze_fixture("flux-api-version-clean"),
            Code::ApiVersionRemoved,
        );
    }
}
