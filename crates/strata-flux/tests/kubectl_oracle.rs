//! `kubectl kustomize` as an oracle: for every directory with a
//! kustomization.yaml in the valid fixture repositories (`flux-basic` and the
//! clean twins), the objects strata's kustomize build finds are exactly the
//! ones kubectl renders.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{fixture, fixture_root};
use strata_core::SourceFile;
use strata_flux::flux_kinds::is_cluster_scoped;
use strata_flux::kustomize::{build_directory, kustomization_file};
use strata_flux::yaml::{Yaml, parse_documents};

type Identity = (String, Option<String>, String);

/// kubectl knows the built-in cluster-scoped kinds only and gives CRD kinds
/// such as ClusterIssuer a namespace; the API server drops it. Compare ids
/// the way they land in the cluster.
fn identity(kind: &str, namespace: Option<String>, name: &str) -> Identity {
    let namespace = if is_cluster_scoped(kind) {
        None
    } else {
        namespace
    };
    (kind.to_string(), namespace, name.to_string())
}

fn kubectl_objects(repo: &str, dir: &str) -> BTreeSet<Identity> {
    let path = fixture_root(repo).join(dir);
    let output = Command::new("kubectl")
        .arg("kustomize")
        // Flux's kustomize-controller builds without load restrictions, so a
        // resource file outside the kustomization's directory is fine.
        .arg("--load-restrictor=LoadRestrictionsNone")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs `kubectl` on PATH (it runs `kubectl kustomize`): {e}")
        });
    assert!(
        output.status.success(),
        "kubectl kustomize {repo}/{dir} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("kubectl prints UTF-8");
    let (documents, diagnostics) = parse_documents(&SourceFile::new("kubectl-output.yaml", text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    documents
        .iter()
        .filter(|d| !d.is_null())
        .map(|d| {
            let field = |path: &str| d.path(path).and_then(Yaml::as_str).map(str::to_string);
            identity(
                &field("kind").expect("kind"),
                field("metadata.namespace"),
                &field("metadata.name").expect("name"),
            )
        })
        .collect()
}

const VALID_FIXTURES: &[&str] = &[
    "flux-basic",
    "flux-path-missing-clean",
    "flux-resource-missing-clean",
    "yaml-syntax-error-clean",
];

#[test]
fn strata_builds_what_kubectl_kustomize_renders() {
    for repo in VALID_FIXTURES {
        let tree = fixture(repo);
        let dirs: Vec<String> = tree
            .files()
            .filter(|f| f.ends_with("/kustomization.yaml"))
            .map(|f| strata_core::parent_dir(f).to_string())
            .collect();
        assert!(dirs.len() >= 3, "{repo}: {dirs:?}");
        for dir in &dirs {
            assert!(kustomization_file(&tree, dir).is_some());
            let build = build_directory(&tree, dir);
            assert!(
                build.diagnostics.is_empty(),
                "{repo}/{dir}: {:?}",
                build.diagnostics
            );
            let strata: BTreeSet<Identity> = build
                .objects
                .iter()
                .map(|o| identity(&o.kind, o.namespace.clone(), &o.name))
                .collect();
            assert_eq!(
                strata.len(),
                build.objects.len(),
                "{repo}/{dir}: no duplicates"
            );
            assert!(!strata.is_empty(), "{repo}/{dir}: builds something");
            assert_eq!(strata, kubectl_objects(repo, dir), "{repo}/{dir}");
        }
    }
}
