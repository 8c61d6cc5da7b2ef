//! `YAML002` yaml-not-an-object: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A document listed in a kustomize `resources:` file is not a Kubernetes
    /// object: it lacks `apiVersion`, `kind` or `metadata.name`.
    ///
    /// ## Why
    /// kustomize rejects such a document (`missing metadata.name`), failing
    /// the whole build. Helm values files and SOPS configuration are often
    /// listed by mistake.
    ///
    /// ## Example
    /// ```yaml
    /// # kustomization.yaml
    /// resources:
    ///   - helmrelease.yaml
    ///   - values.yaml          # plain Helm values: use a configMapGenerator instead
    /// ```
    code: YamlNotAnObject,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_a_values_file_listed_as_a_resource() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("clusters/home/apps");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(
            app.join("kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - values.yaml\n",
        )
        .unwrap();
        std::fs::write(
            app.join("namespace.yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n",
        )
        .unwrap();
        std::fs::write(
            app.join("values.yaml"),
            "image:\n  repository: jellyfin/jellyfin\n  tag: 10.10.7\n",
        )
        .unwrap();
        let analysis = crate::analyze_tree(
            &strata_core::RepoTree::scan(dir.path()).unwrap(),
            Vec::new(),
        );
        let found = findings(&analysis, Code::YamlNotAnObject);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("clusters/home/apps/values.yaml:"),
            "{found:#?}"
        );
    }

    #[test]
    fn silent_on_the_example_homelab() {
        assert!(findings(&analyze_fixture("../.."), Code::YamlNotAnObject).is_empty());
    }
}
