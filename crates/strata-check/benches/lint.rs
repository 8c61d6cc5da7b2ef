//! `strata_check::analyze` (read both layers, assemble, every rule) on
//! generated Flux trees: 1,000 HelmReleases (4,000+ objects), and a tree the
//! size of the largest training-corpus repository (about 1,000 YAML files),
//! each side by side with a parse-only pass over the same files (the
//! floor), to show what discovery, kustomize builds and rules cost on top of
//! reading the YAML. `STRATA_BENCH_LARGE=1` adds 40,000 HelmReleases
//! (160,000 objects; seconds a sample, too slow for every run). Peak memory
//! and CPU ÷ wall of the release binary: `scripts/perf`.
//!
//! `cargo bench -p strata-check --bench lint`

#![allow(missing_docs)]

#[path = "support/tree_gen.rs"]
mod tree_gen;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use strata_core::{RepoTree, SourceFile};

/// Apps in the default tree: one HelmRelease each.
const APPS: usize = 1_000;

/// Apps in the opt-in large tree (`STRATA_BENCH_LARGE`).
const LARGE_APPS: usize = 40_000;

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

/// HelmReleases (one per app) of the generated trees measured.
fn sizes() -> Vec<usize> {
    let mut sizes = vec![APPS];
    if std::env::var_os("STRATA_BENCH_LARGE").is_some() {
        sizes.push(LARGE_APPS);
    }
    sizes
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn analyze_helm_releases(bencher: divan::Bencher, apps: usize) {
    analyze(bencher, apps);
}

/// The floor of [`analyze_helm_releases`]: read and parse the same files.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn parse_only_helm_releases(bencher: divan::Bencher, apps: usize) {
    parse_only(bencher, apps);
}

/// Reads the corpus-sized tree, builds both layers, assembles, runs every rule.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_load_and_lint(bencher: divan::Bencher) {
    analyze(bencher, CORPUS_SIZE_APPS);
}

/// The floor: list the corpus-sized tree, read and parse every YAML file.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_parse_only(bencher: divan::Bencher) {
    parse_only(bencher, CORPUS_SIZE_APPS);
}

/// List the tree of `apps` apps, read and parse every YAML file.
fn parse_only(bencher: divan::Bencher, apps: usize) {
    let root = tree(apps);
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
