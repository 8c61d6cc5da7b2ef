//! `FLUX010` manifest-not-applied: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A YAML file below the Flux tree (the directory holding the
    /// `clusters/` directory, e.g. `flux/` or `kubernetes/`, or the repository
    /// root when the entries are `clusters/<name>` at the top) holds
    /// Kubernetes objects (`apiVersion` and `kind`) that no Kustomization
    /// build applies. Not reported: kustomization files, patch files and
    /// generator inputs a build reads, `.sops.yaml`, values files without
    /// `apiVersion`/`kind`, local Helm charts, and excluded paths.
    ///
    /// ## Why
    /// A manifest nothing applies is dead: a reviewer reads it as part of
    /// the cluster, a fix made there changes nothing, and the usual cause is
    /// a file forgotten in a kustomization.yaml `resources:` list — the
    /// app it belongs to silently lacks it.
    ///
    /// ## Example
    /// ```yaml
    /// # apps/media/jellyfin/kustomization.yaml
    /// resources:
    ///   - helmrelease.yaml
    ///   # pvc.yaml sits in this directory but is not listed
    /// ```
    /// List the file in `resources:`, point a Kustomization's `spec.path` at
    /// its directory, delete it, or exclude it in `strata.toml`.
    code: ManifestNotApplied,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for file in &cx.flux.unapplied {
        let objects = match file.objects {
            1 => "a Kubernetes object".to_string(),
            n => format!("{n} Kubernetes objects"),
        };
        out.push(
            Diagnostic::new(
                Code::ManifestNotApplied,
                format!(
                    "`{}` holds {objects} that no Flux Kustomization applies",
                    file.file
                ),
            )
            .at(file.location.clone())
            .help(
                "list the file in a kustomization.yaml `resources:`, point a Kustomization's \
                 `spec.path` at its directory, or delete it; Flux never applies it as it is",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_once_per_dead_file() {
        let analysis = analyze_fixture("flux-manifest-not-applied");
        assert_fires_at(
            &analysis,
            Code::ManifestNotApplied,
            &[
                "kubernetes/apps/media/jellyfin/app/pvc.yaml:2:7",
                "kubernetes/apps/old/ks.yaml:3:7",
            ],
        );
    }

    #[test]
    fn silent_when_every_manifest_is_applied_or_not_a_manifest() {
        assert_clean(
            &analyze_fixture("flux-manifest-not-applied-clean"),
            Code::ManifestNotApplied,
        );
    }
}
