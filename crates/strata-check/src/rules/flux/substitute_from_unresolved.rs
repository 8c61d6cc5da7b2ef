//! `FLUX007` substitute-from-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::ReferenceKind;

use super::report_unresolved;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A Flux Kustomization's `spec.postBuild.substituteFrom` names a
    /// ConfigMap or Secret that no Kustomization applies in the
    /// Kustomization's own namespace (usually `flux-system`), and the entry is
    /// not `optional: true`. Objects of kustomize generators count (with the
    /// name kustomize gives them), and so do SOPS-encrypted Secrets, whose
    /// keys are plaintext, and Secrets made by an ExternalSecret or
    /// SealedSecret.
    ///
    /// ## Why
    /// kustomize-controller reads every `substituteFrom` source before it
    /// substitutes; a missing one fails the whole Kustomization with
    /// `substitute from 'ConfigMap/cluster-settings' error: configmaps
    /// "cluster-settings" not found`, so nothing below it is applied. A
    /// parent that patches `substituteFrom` into every child spreads the
    /// failure to all of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.toolkit.fluxcd.io/v1
    /// kind: Kustomization
    /// metadata: { name: apps, namespace: flux-system }
    /// spec:
    ///   postBuild:
    ///     substituteFrom:
    ///       - kind: ConfigMap
    ///         name: cluster-setings   # typo: cluster-settings
    /// ```
    /// Fix the name, apply the object in the Kustomization's namespace
    /// (before this Kustomization, with `dependsOn`), or mark it `optional: true`.
    code: SubstituteFromUnresolved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_unresolved(
        cx,
        &[ReferenceKind::SubstituteFrom],
        Code::SubstituteFromUnresolved,
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_a_missing_and_a_hash_suffixed_source() {
        let analysis = analyze_fixture("flux-substitute-from-unresolved");
        assert_fires_at(
            &analysis,
            Code::SubstituteFromUnresolved,
            &[
                "clusters/home/apps.yaml:20:15",
                "clusters/home/apps.yaml:22:15",
            ],
        );
    }

    #[test]
    fn silent_when_sources_exist_generated_encrypted_or_optional() {
        assert_clean(
            &analyze_fixture("flux-substitute-from-unresolved-clean"),
            Code::SubstituteFromUnresolved,
        );
    }

    #[test]
    fn a_source_a_missing_file_may_declare_is_a_warning() {
        let analysis = analyze_fixture("flux-substitute-from-missing-file");
        let found: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::SubstituteFromUnresolved)
            .map(|d| d.severity.as_str().to_string())
            .collect();
        assert_eq!(found, ["warning"]);
        assert_fires_at(
            &analysis,
            Code::SubstituteFromUnresolved,
            &["clusters/lab/ks.yaml:34:15"],
        );
        // The cause is reported where it is.
        assert_fires_at(
            &analysis,
            Code::KustomizeResourceMissing,
            &["config/kustomization.yaml:8:5"],
        );
    }
}
