//! `FLUX009` sops-without-decryption: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic, Location};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A SOPS-encrypted file (a top-level `sops:` map with `mac`) is applied
    /// by a Flux Kustomization that has no `spec.decryption.provider: sops`,
    /// neither written on it nor patched in by its parent Kustomization's
    /// `spec.patches`.
    ///
    /// ## Why
    /// Flux decrypts only for Kustomizations that ask for it. Without
    /// decryption kustomize-controller sends the encrypted document as it is:
    /// the apply is rejected (`sops` is no field of a Secret) or, for a
    /// ConfigMap, the `ENC[AES256_GCM,…]` ciphertext lands in the cluster and
    /// the application reads garbage.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.toolkit.fluxcd.io/v1
    /// kind: Kustomization
    /// metadata: { name: apps, namespace: flux-system }
    /// spec:
    ///   path: ./apps/home        # holds secret.sops.yaml
    ///   decryption:              # missing: add these three lines
    ///     provider: sops
    ///     secretRef: { name: sops-age }
    /// ```
    code: SopsWithoutDecryption,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for object in cx.flux.objects.iter().filter(|o| o.sops_encrypted) {
        let Some(kustomization) = &object.applied_by else {
            continue;
        };
        if cx.flux.decryption_provider(kustomization) == Some("sops") {
            continue;
        }
        // One finding per file and applier, at the `sops:` key that makes
        // the file encrypted.
        let span = object
            .doc
            .entries()
            .iter()
            .find(|(key, _)| key.as_str() == Some("sops"))
            .map_or(object.location.span, |(key, _)| key.span);
        let location = Location::new(object.location.file.clone(), span);
        if !seen.insert((location.clone(), kustomization.clone())) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::SopsWithoutDecryption,
                format!(
                    "`{}` is SOPS-encrypted, but Kustomization `{}` applies it without `spec.decryption.provider: sops`",
                    object.location.file,
                    kustomization.name()
                ),
            )
            .at(location)
            .on(object.id.clone())
            .help(format!(
                "add `decryption: {{provider: sops, secretRef: {{name: sops-age}}}}` to Kustomization `{kustomization}` \
                 (or patch it into every child from its parent); Flux does not decrypt otherwise"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_sops_key_of_each_encrypted_file() {
        let analysis = analyze_fixture("flux-sops-no-decryption");
        assert_fires_at(
            &analysis,
            Code::SopsWithoutDecryption,
            &[
                "apps/media/app/secret.sops.yaml:8:1",
                "flux/vars/cluster-secrets.sops.yaml:8:1",
            ],
        );
    }

    #[test]
    fn silent_with_decryption_set_or_patched_in() {
        assert_clean(&analyze_fixture("flux-sops"), Code::SopsWithoutDecryption);
    }
}
