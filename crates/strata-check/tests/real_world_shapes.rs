//! Repositories shaped like real homelabs build their graph without a single
//! false error: each fixture below copies a layout seen in the wild.

use std::path::PathBuf;

use strata_check::{Analysis, analyze_tree};
use strata_core::{RepoTree, Severity};

fn analyze(name: &str) -> Analysis {
    let root =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(name);
    let tree = RepoTree::scan(&root).unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    analyze_tree(&tree, Vec::new())
}

/// `SEVERITY CODE file:line:column message` of every finding.
fn rendered(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .map(|d| {
            let place = d.location.as_ref().map_or(String::new(), |l| {
                let lc = analysis
                    .sources
                    .start_of(l)
                    .expect("location in a read file");
                format!("{}:{}:{}", l.file, lc.line, lc.column)
            });
            format!("{} {} {place} {}", d.severity.as_str(), d.code, d.message)
        })
        .collect()
}

#[track_caller]
fn assert_no_errors(name: &str) -> Analysis {
    let analysis = analyze(name);
    let errors: Vec<String> = rendered(&analysis)
        .into_iter()
        .filter(|d| d.starts_with(Severity::Error.as_str()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
    analysis
}

#[test]
fn oci_repositories_with_chart_ref_everywhere_and_components() {
    let analysis = assert_no_errors("flux-shape-oci-chartref");
    assert!(analysis.graph.contains(&strata_core::NodeId::object(
        "PersistentVolumeClaim",
        Some("observability"),
        "grafana"
    )));
}

#[test]
fn children_without_a_source_of_their_own_take_the_parents_patch() {
    let analysis = assert_no_errors("flux-shape-parent-patches");
    let child = strata_core::NodeId::object("Kustomization", Some("media"), "jellyfin");
    let source = strata_core::NodeId::object("GitRepository", Some("flux-system"), "flux-system");
    assert!(
        analysis
            .graph
            .outgoing(&child)
            .any(|(to, kind)| to == &source && kind == strata_core::EdgeKind::Source),
        "the patched-in sourceRef is an edge"
    );
}

#[test]
fn heavy_substitution_with_dashboards_flux_does_not_substitute() {
    let analysis = assert_no_errors("flux-shape-substitution");
    // Not even a warning: every variable is defined, escaped, defaulted or
    // in a tree Flux does not substitute.
    assert!(
        !rendered(&analysis).iter().any(|d| d.contains("FLUX008")),
        "{:#?}",
        rendered(&analysis)
    );
}

#[test]
fn two_phase_controllers_then_configs() {
    assert_no_errors("flux-shape-two-phase");
}

#[test]
fn sops_secrets_with_decryption() {
    assert_no_errors("flux-sops");
}

#[test]
fn kustomize_transforms() {
    assert_no_errors("flux-kustomize-transforms");
}

/// Three Kustomizations include one base that names a missing file: every
/// one of their builds is refused by kustomize, so a reference into any of
/// their namespaces is a warning pointing at the missing file, never a
/// false error (it was, for all but the first build, while the base's
/// build was reused).
#[test]
fn a_shared_base_with_a_missing_file_leaves_every_build_incomplete() {
    let analysis = analyze("flux-shape-shared-base");
    let findings = rendered(&analysis);
    assert!(
        findings.iter().any(|f| f.starts_with(
            "warning FLUX006 apps/b/helmrelease.yaml:17:13 `valuesFrom` names `ConfigMap/team-b/podinfo-values`, which nothing applied declares; the build of Kustomization `apps-b`"
        )),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("error FLUX005 apps/base/kustomization.yaml:5:5 ")),
        "{findings:#?}"
    );
    let errors = findings.iter().filter(|f| f.starts_with("error ")).count();
    assert_eq!(errors, 1, "only the missing file: {findings:#?}");
}
