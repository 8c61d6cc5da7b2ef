//! The benchmark's tree generator writes valid input: a small tree analyses
//! with no finding at all, and its object counts are what the graph holds.

#[path = "../benches/support/tree_gen.rs"]
mod tree_gen;

#[test]
fn generated_tree_is_lint_clean_and_complete() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stats = tree_gen::write_tree(dir.path(), 30).expect("generated tree");
    assert_eq!(stats.helm_releases, 31, "30 apps and cert-manager");
    assert!(stats.files > 5 * 30, "{stats:?}");
    let analysis = strata_check::analyze(
        dir.path(),
        &strata_check::Options {
            eval: strata_check::EvalMode::Static,
            ..Default::default()
        },
    )
    .expect("analysis");
    let findings: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| format!("{} {:?} {}", d.code, d.location, d.message))
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(analysis.flux.objects.len(), stats.objects);
    // Every object is a node; every app's objects hang off its group's Kustomization.
    assert!(analysis.graph.node_count() >= stats.objects);
}
