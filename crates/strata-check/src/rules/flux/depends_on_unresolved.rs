//! `FLUX001` depends-on-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::ReferenceKind;

use super::report_unresolved;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `dependsOn` entry of a Flux Kustomization or HelmRelease names an
    /// object that no Kustomization in the repository applies.
    ///
    /// ## Why
    /// Flux waits for every dependency to be Ready before it reconciles the
    /// dependent. A dependency that does not exist is never Ready, so the
    /// dependent is stuck forever with `dependency 'flux-system/x' not found`.
    /// `dependsOn[].namespace` defaults to the dependent's own namespace, which
    /// is the usual cause: the target lives in another namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.toolkit.fluxcd.io/v1
    /// kind: Kustomization
    /// metadata: { name: apps, namespace: flux-system }
    /// spec:
    ///   dependsOn:
    ///     - name: infra-configs   # the Kustomization is called infrastructure-configs
    /// ```
    /// Name the dependency exactly, and add `namespace:` when it lives elsewhere.
    code: DependsOnUnresolved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_unresolved(
        cx,
        &[ReferenceKind::DependsOn],
        Code::DependsOnUnresolved,
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_a_missing_and_a_wrongly_namespaced_dependency() {
        let analysis = analyze_fixture("flux-depends-on-unresolved");
        assert_fires_at(
            &analysis,
            Code::DependsOnUnresolved,
            &[
                "clusters/home/apps.yaml:10:13",
                "infrastructure/controllers/monitoring.yaml:9:13",
            ],
        );
    }

    #[test]
    fn silent_when_every_dependency_resolves() {
        assert_clean(
            &analyze_fixture("flux-depends-on-unresolved-clean"),
            Code::DependsOnUnresolved,
        );
    }
}
