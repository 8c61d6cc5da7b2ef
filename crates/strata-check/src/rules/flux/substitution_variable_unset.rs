//! `FLUX008` substitution-variable-unset: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `${VAR}` in an object that a Kustomization with `postBuild`
    /// substitutes, where no `substitute` entry or `substituteFrom`
    /// ConfigMap/Secret defines `VAR` and the reference gives no default.
    /// Not reported: `$${VAR}` (Flux's escape for a literal `${VAR}`),
    /// `${VAR:=default}` and `${VAR:-default}`, objects annotated
    /// `kustomize.toolkit.fluxcd.io/substitute: disabled`, anything applied by
    /// a Kustomization without `postBuild` (Flux does not substitute there:
    /// Grafana dashboards keep their `${DS_PROMETHEUS}`), and every variable
    /// when a `substituteFrom` source cannot be read. A name Flux's envsubst
    /// parses but no variable can have (`${9bad}`) is reported: strict
    /// substitution fails on it, and without strict mode it becomes empty.
    ///
    /// ## Why
    /// Without strict substitution Flux silently replaces an undefined
    /// variable with an empty string: `host: app.${SECRET_DOMAIN}` becomes
    /// `host: app.` and the Ingress is wrong without any error. With strict
    /// substitution (`--feature-gates=StrictPostBuildSubstitutions=true`,
    /// reported to become the default in Flux 2.9) the build fails and
    /// nothing in the Kustomization is applied. Either way, a typo in a
    /// variable name is a bug.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   rules:
    ///     - host: "grafana.${SECRET_DOMIAN}"   # the variable is SECRET_DOMAIN
    /// ```
    /// Fix the name, define the variable (`postBuild.substitute` or the
    /// cluster-settings ConfigMap), give it a default (`${VAR:=value}`), or
    /// write `$${VAR}` when the text must stay literal.
    code: SubstitutionVariableUnset,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // A file applied by two Kustomizations has the same `${VAR}` twice.
    let mut seen = BTreeSet::new();
    for object in &cx.flux.objects {
        let Some(substitution) = &object.substitution else {
            continue;
        };
        for unset in &object.unset_variables {
            if !seen.insert((unset.location.clone(), unset.name.clone())) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::SubstitutionVariableUnset,
                    format!(
                        "`${{{}}}` has no value: Kustomization `{}` substitutes this object but defines no variable `{}`",
                        unset.name,
                        substitution.kustomization.name(),
                        unset.name
                    ),
                )
                .at(unset.location.clone())
                .on(object.id.clone())
                .help(
                    "define it in `spec.postBuild.substitute` or a `substituteFrom` ConfigMap/Secret, \
                     give it a default (`${VAR:=default}`), or write `$${VAR}` to keep it literal; \
                     Flux replaces it with an empty string, and strict substitution (reported \
                     default from Flux 2.9) fails the build",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_unset_variable() {
        let analysis = analyze_fixture("flux-substitution-unset");
        assert_fires_at(
            &analysis,
            Code::SubstitutionVariableUnset,
            &[
                "apps/grafana/helmrelease.yaml:22:14",
                "apps/grafana/ingress.yaml:10:22",
                "apps/grafana/ingress.yaml:21:19",
            ],
        );
    }

    #[test]
    fn silent_on_escapes_defaults_disabled_objects_and_unsubstituted_trees() {
        assert_clean(
            &analyze_fixture("flux-substitution-unset-clean"),
            Code::SubstitutionVariableUnset,
        );
    }
}
