//! `strata_check::analyze` (read both layers, assemble, every rule) on
//! generated Flux trees: 1,000 HelmReleases (4,000+ objects), and a tree the
//! size of the largest training-corpus repository (about 1,000 YAML files)
//! side by side with a parse-only pass over the same files, to show what
//! discovery, kustomize builds and rules cost on top of reading the YAML.
//!
//! `cargo bench -p strata-check --bench lint`

#![allow(missing_docs)]

#[path = "support/tree_gen.rs"]
mod tree_gen;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use strata_core::{RepoTree, SourceFile};

/// Apps in the large tree: one HelmRelease each.
const APPS: usize = 1_000;

/// 200 apps write about 1,000 files, as many YAML files as the largest
/// corpus repository holds.
const CORPUS_SIZE_APPS: usize = 200;

fn main() {
    divan::main();
}

/// The tree of `apps` apps, generated once for every sample.
fn tree(apps: usize) -> PathBuf {
    static TREES: OnceLock<Mutex<BTreeMap<usize, (tempfile::TempDir, PathBuf)>>> = OnceLock::new();
    let mut trees = TREES.get_or_init(Default::default).lock().expect("trees");
    trees
        .entry(apps)
        .or_insert_with(|| {
            let dir = tempfile::tempdir().expect("temporary directory");
            let stats = tree_gen::write_tree(dir.path(), apps).expect("generated tree");
            eprintln!(
                "generated {} files, {} objects, {} HelmReleases",
                stats.files, stats.objects, stats.helm_releases
            );
            let path = dir.path().to_path_buf();
            (dir, path)
        })
        .1
        .clone()
}

fn analyze(bencher: divan::Bencher, apps: usize) {
    let root = tree(apps);
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    bencher.bench(|| {
        let analysis = strata_check::analyze(&root, &options).expect("analysis");
        assert!(!analysis.has_errors());
        analysis
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn analyze_1000_helm_releases(bencher: divan::Bencher) {
    analyze(bencher, APPS);
}

/// Reads the corpus-sized tree, builds both layers, assembles, runs every rule.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_load_and_lint(bencher: divan::Bencher) {
    analyze(bencher, CORPUS_SIZE_APPS);
}

/// The floor: list the corpus-sized tree, read and parse every YAML file.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_parse_only(bencher: divan::Bencher) {
    let root = tree(CORPUS_SIZE_APPS);
    bencher.bench(|| {
        let tree = RepoTree::scan(&root).expect("tree");
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
