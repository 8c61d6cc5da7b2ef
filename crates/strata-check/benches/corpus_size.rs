//! Load + lint against a parse-only pass over the same files, on a generated
//! Flux tree the size of the largest training-corpus repository (about
//! 1,000 YAML files): what strata's discovery, kustomize builds and rules
//! cost on top of reading the YAML at all.
//!
//! `cargo bench -p strata-check --bench corpus_size`

#![allow(missing_docs)]

#[path = "support/tree_gen.rs"]
mod tree_gen;

use std::path::PathBuf;
use std::sync::OnceLock;

use strata_core::{RepoTree, SourceFile};

/// 200 apps write about 1,000 files, as many YAML files as the largest
/// corpus repository holds.
const APPS: usize = 200;

fn main() {
    divan::main();
}

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

/// Reads the tree, builds both layers, assembles the graph, runs every rule.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn load_and_lint(bencher: divan::Bencher) {
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

/// The floor: list the tree, read and parse every YAML file, nothing more.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn parse_only(bencher: divan::Bencher) {
    let root = tree();
    bencher.bench(|| {
        let tree = RepoTree::scan(root).expect("tree");
        let mut documents = 0;
        for path in tree
            .files()
            .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
        {
            let text = std::fs::read_to_string(root.join(path)).expect("file");
            let (parsed, _) = strata_flux::yaml::parse_documents(&SourceFile::new(path, text));
            documents += parsed.len();
        }
        documents
    });
}
