//! `strata_check::analyze` (read both layers, assemble, every rule) on a
//! generated Flux tree of 1,000 HelmReleases and 4,000+ objects.
//!
//! `cargo bench -p strata-check --bench lint`

#![allow(missing_docs)]

#[path = "support/tree_gen.rs"]
mod tree_gen;

use std::path::PathBuf;
use std::sync::OnceLock;

/// Apps in the generated tree: one HelmRelease each.
const APPS: usize = 1_000;

fn main() {
    divan::main();
}

/// The tree, generated once for every sample.
fn tree() -> &'static PathBuf {
    static TREE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &TREE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temporary directory");
            let stats = tree_gen::write_tree(dir.path(), APPS).expect("generated tree");
            eprintln!(
                "generated {} files, {} objects, {} HelmReleases",
                stats.files, stats.objects, stats.helm_releases
            );
            let path = dir.path().to_path_buf();
            (dir, path)
        })
        .1
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn analyze_1000_helm_releases(bencher: divan::Bencher) {
    let root = tree();
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    bencher.bench(|| {
        let analysis = strata_check::analyze(root, &options).expect("analysis");
        assert!(!analysis.has_errors());
        analysis
    });
}
