//! `FLUX026` substitution-invalid: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `${…}` expression in an object that a Kustomization with
    /// `postBuild` substitutes, which Flux's envsubst (`fluxcd/pkg/envsubst`)
    /// cannot parse: a bash operator it does not have (`${VAR-default}`,
    /// `${VAR+alt}`, `${ARR[@]}`), a missing closing brace, a bad
    /// substitution.
    ///
    /// ## Why
    /// Flux substitutes the whole build at once: one expression it cannot
    /// parse fails the Kustomization (`envsubst error: … missing closing
    /// brace`), and nothing of it is applied until the text is fixed.
    ///
    /// ## Example
    /// ```yaml
    /// storageClassName: ${STORAGE_CLASS-longhorn}   # bash's `-`, not Flux's
    /// ```
    /// Use an operator Flux knows (`${STORAGE_CLASS:-longhorn}`), or write
    /// `$${…}` when the text must stay literal.
    code: SubstitutionInvalid,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::BTreeSet::new();
    for object in &cx.flux.objects {
        for invalid in &object.invalid_substitutions {
            // The same file applied twice is one finding.
            if !seen.insert((invalid.location.clone(), invalid.message.clone())) {
                continue;
            }
            let by = object
                .substitution
                .as_ref()
                .map(|s| format!(", so Kustomization `{}` fails", s.kustomization.name()))
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::SubstitutionInvalid,
                    format!(
                        "Flux cannot substitute this expression: {}{by}",
                        invalid.message
                    ),
                )
                .at(invalid.location.clone())
                .on(object.id.clone())
                .help(
                    "use an operator Flux's envsubst knows (`${VAR:-default}`, `${VAR:=default}`), \
                     or write `$${...}` to keep the text literal",
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
    fn fires_at_the_expression_flux_cannot_parse() {
        let analysis = analyze_fixture("flux-substitution-invalid");
        assert_fires_at(
            &analysis,
            Code::SubstitutionInvalid,
            &["apps/podinfo/pvc.yaml:11:21"],
        );
    }

    #[test]
    fn silent_on_the_operators_flux_knows() {
        assert_clean(
            &analyze_fixture("flux-substitution-invalid-clean"),
            Code::SubstitutionInvalid,
        );
    }
}
