//! `kubectl kustomize` as an oracle: for every directory with a
//! kustomization.yaml in the valid fixture repositories (`flux-basic`, the
//! clean twins, the real-world shapes, the kustomize feature fixtures), the
//! objects strata's kustomize build finds are exactly the ones kubectl
//! renders (generated names and their hashes included), and each object's
//! whole document is the same: every field strata reads (images, replicas,
//! chart versions, sources, dependencies, labels, name references rewritten
//! after prefixes and hashes, replaced values), a Secret's values aside.

mod common;

use std::collections::{BTreeMap, BTreeSet};
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

/// The values strata reads from an object, as (path, text) pairs: container
/// images by container name, replicas, chart version and sources,
/// dependencies, labels, annotations and data keys (never values).
fn fields(doc: &Yaml) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let text = |node: &Yaml| {
        node.scalar_text()
            .map(|t| t.into_owned())
            .unwrap_or_default()
    };
    for path in [
        "spec.replicas",
        "spec.chart.spec.version",
        "spec.chart.spec.sourceRef.name",
        "spec.chartRef.name",
        "spec.sourceRef.name",
        "spec.path",
        "spec.targetNamespace",
    ] {
        if let Some(node) = doc.path(path) {
            out.insert((path.to_string(), text(node)));
        }
    }
    for list in ["spec.dependsOn", "spec.valuesFrom"] {
        for entry in doc.path(list).map(Yaml::as_seq).unwrap_or_default() {
            out.insert((
                list.to_string(),
                entry.get("name").map(text).unwrap_or_default(),
            ));
        }
    }
    for map in ["metadata.labels", "metadata.annotations"] {
        for (key, value) in doc.path(map).map(Yaml::entries).unwrap_or_default() {
            out.insert((format!("{map}.{}", text(key)), text(value)));
        }
    }
    for map in ["data", "stringData"] {
        for (key, _) in doc.path(map).map(Yaml::entries).unwrap_or_default() {
            out.insert((map.to_string(), text(key)));
        }
    }
    for pod in ["spec.template.spec", "spec"] {
        for list in ["containers", "initContainers"] {
            for container in doc
                .path(&format!("{pod}.{list}"))
                .map(Yaml::as_seq)
                .unwrap_or_default()
            {
                let name = container.get("name").map(text).unwrap_or_default();
                let image = container.get("image").map(text).unwrap_or_default();
                out.insert((format!("{pod}.{list}.{name}.image"), image));
            }
        }
    }
    out
}

/// The document as JSON, the way both sides can be compared: a Secret's
/// values are dropped (strata never keeps them), a cluster-scoped object's
/// namespace too (see [`identity`]), and an empty generated `data` map is
/// the same as none.
fn document(kind: &str, doc: &Yaml) -> serde_json::Value {
    let mut json = doc.to_json();
    if let Some(object) = json.as_object_mut() {
        if kind == "Secret"
            && let Some(data) = object.get_mut("data").and_then(|d| d.as_object_mut())
        {
            data.values_mut().for_each(|v| *v = serde_json::Value::Null);
        }
        if object
            .get("data")
            .and_then(|d| d.as_object())
            .is_some_and(|d| d.is_empty())
        {
            object.remove("data");
        }
        if is_cluster_scoped(kind)
            && let Some(metadata) = object.get_mut("metadata").and_then(|m| m.as_object_mut())
        {
            metadata.remove("namespace");
        }
    }
    json
}

type Rendered = BTreeMap<Identity, (BTreeSet<(String, String)>, serde_json::Value)>;

fn kubectl_output(repo: &str, dir: &str) -> std::process::Output {
    let path = fixture_root(repo).join(dir);
    Command::new("kubectl")
        .arg("kustomize")
        // Flux's kustomize-controller builds without load restrictions, so a
        // resource file outside the kustomization's directory is fine.
        .arg("--load-restrictor=LoadRestrictionsNone")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs `kubectl` on PATH (it runs `kubectl kustomize`): {e}")
        })
}

fn kubectl_objects(repo: &str, dir: &str) -> Rendered {
    let output = kubectl_output(repo, dir);
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
            let kind = field("kind").expect("kind");
            (
                identity(
                    &kind,
                    field("metadata.namespace"),
                    &field("metadata.name").expect("name"),
                ),
                (fields(d), document(&kind, d)),
            )
        })
        .collect()
}

const VALID_FIXTURES: &[&str] = &[
    "flux-basic",
    "flux-path-missing-clean",
    "flux-resource-missing-clean",
    "yaml-syntax-error-clean",
    "flux-kustomize-transforms",
    "flux-shape-two-phase",
    "flux-shape-oci-chartref",
    "flux-shape-parent-patches",
    "flux-shape-substitution",
    "flux-sops",
    "flux-values-from-unresolved-clean",
    "flux-substitute-from-unresolved-clean",
    "flux-manifest-not-applied-clean",
    "flux-kustomize-name-references",
    "flux-kustomize-helm-charts",
    "flux-kustomize-rejected-clean",
];

/// Whether a kustomization file declares a Component, which only a
/// kustomization including it can build.
fn is_component(tree: &strata_core::RepoTree, dir: &str) -> bool {
    let Some(file) = kustomization_file(tree, dir) else {
        return false;
    };
    let (source, _) = tree.read(&file);
    let (documents, _) = parse_documents(&source);
    documents
        .first()
        .and_then(|d| d.get("kind"))
        .and_then(Yaml::as_str)
        == Some("Component")
}

#[test]
fn strata_builds_what_kubectl_kustomize_renders() {
    for repo in VALID_FIXTURES {
        let tree = fixture(repo);
        let dirs: Vec<String> = tree
            .files()
            .filter(|f| f.ends_with("/kustomization.yaml"))
            .map(|f| strata_core::parent_dir(f).to_string())
            .filter(|dir| !is_component(&tree, dir))
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
            if !build.helm_charts.is_empty() {
                // kubectl renders charts only with `--enable-helm` (Flux never
                // does); strata recognises them without error or render.
                let output = kubectl_output(repo, dir);
                assert!(!output.status.success(), "{repo}/{dir}");
                assert!(
                    String::from_utf8_lossy(&output.stderr).contains("--enable-helm"),
                    "{repo}/{dir}"
                );
                continue;
            }
            let strata: Rendered = build
                .objects
                .iter()
                .map(|o| {
                    (
                        identity(&o.kind, o.namespace.clone(), &o.name),
                        (fields(&o.doc), document(&o.kind, &o.doc)),
                    )
                })
                .collect();
            assert_eq!(
                strata.len(),
                build.objects.len(),
                "{repo}/{dir}: no duplicates"
            );
            assert!(!strata.is_empty(), "{repo}/{dir}: builds something");
            let kubectl = kubectl_objects(repo, dir);
            assert_eq!(
                strata.keys().collect::<Vec<_>>(),
                kubectl.keys().collect::<Vec<_>>(),
                "{repo}/{dir}: objects"
            );
            for (id, (strata_fields, strata_doc)) in &strata {
                let (kubectl_fields, kubectl_doc) = &kubectl[id];
                assert_eq!(
                    strata_fields, kubectl_fields,
                    "{repo}/{dir} {id:?}: fields strata reads"
                );
                assert_eq!(strata_doc, kubectl_doc, "{repo}/{dir} {id:?}: document");
            }
        }
    }
}
