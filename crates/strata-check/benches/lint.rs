//! `strata_check::analyze` (read both layers, assemble, every rule) on
//! generated Flux trees: 1,000 HelmReleases (4,000+ objects), and a tree the
//! size of the largest training-corpus repository (about 1,000 YAML files),
//! each side by side with a parse-only pass over the same files (the
//! floor: the tree listed, every YAML and Nix file read and parsed, on one
//! thread and on every thread), to show what discovery, kustomize builds,
//! evaluation and rules cost on top of reading the files.
//! `STRATA_BENCH_LARGE=1` adds 40,000 HelmReleases (160,000 objects;
//! seconds a sample, too slow for every run); `STRATA_BENCH_REPOS=a:b`
//! measures real checkouts the same way (the corpus under /tmp/corpus).
//! Both sides use the binary's allocator (mimalloc). Peak memory and
//! CPU ÷ wall of the release binary: `scripts/perf`.
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

/// The `strata` binary's allocator (`strata-cli/src/allocator.rs`), for
/// the analysis and its floor alike, with mimalloc's default options (the
/// binary also keeps freed pages and turns transparent huge pages off,
/// which a loop of runs in one process does not need). With the system
/// allocator both
/// measured a program nobody runs: glibc's malloc and free were 30 % of the
/// analysis' CPU on niki (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// `strata lint --eval static`'s options: the bench never starts `nix`.
fn static_tier() -> strata_check::Options {
    strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    }
}

fn analyze(bencher: divan::Bencher, apps: usize) {
    let root = tree(apps);
    let options = static_tier();
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
    parse_only(bencher, apps, false);
}

/// Reads the corpus-sized tree, builds both layers, assembles, runs every rule.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_load_and_lint(bencher: divan::Bencher) {
    analyze(bencher, CORPUS_SIZE_APPS);
}

/// The floor: list the corpus-sized tree, read and parse every YAML and Nix file.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_parse_only(bencher: divan::Bencher) {
    parse_only(bencher, CORPUS_SIZE_APPS, false);
}

/// The floor of [`analyze_helm_releases`] on every thread.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn parse_only_parallel_helm_releases(bencher: divan::Bencher, apps: usize) {
    parse_only(bencher, apps, true);
}

/// The corpus-sized floor on every thread.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn corpus_size_parse_only_parallel(bencher: divan::Bencher) {
    parse_only(bencher, CORPUS_SIZE_APPS, true);
}

/// Real checkouts named in `STRATA_BENCH_REPOS` (paths separated by `:`,
/// e.g. the corpus under /tmp/corpus): none by default.
fn repos() -> Vec<&'static str> {
    std::env::var("STRATA_BENCH_REPOS")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
        .map(|p| &*Box::leak(p.to_string().into_boxed_str()))
        .collect()
}

/// `strata lint` on a real checkout (static tier).
#[divan::bench(args = repos(), sample_count = 10, sample_size = 1)]
fn real_repository_analyze(bencher: divan::Bencher, repo: &str) {
    let options = static_tier();
    bencher
        .bench(|| strata_check::analyze(std::path::Path::new(repo), &options).expect("analysis"));
}

/// The floor of [`real_repository_analyze`]: its YAML and Nix files read and parsed, one thread.
#[divan::bench(args = repos(), sample_count = 10, sample_size = 1)]
fn real_repository_parse_only(bencher: divan::Bencher, repo: &str) {
    bencher.bench(|| parse_floor(std::path::Path::new(repo), false));
}

/// The same floor on every thread.
#[divan::bench(args = repos(), sample_count = 10, sample_size = 1)]
fn real_repository_parse_only_parallel(bencher: divan::Bencher, repo: &str) {
    bencher.bench(|| parse_floor(std::path::Path::new(repo), true));
}

/// List the tree of `apps` apps, read and parse every YAML and Nix file
/// (on one thread, or on every thread).
fn parse_only(bencher: divan::Bencher, apps: usize, parallel: bool) {
    let root = tree(apps);
    bencher.bench(|| parse_floor(&root, parallel));
}

/// Lists the tree at `root`, reads and parses every YAML and Nix file (on
/// one thread, or on every thread); returns how many YAML documents and
/// Nix syntax errors there are.
fn parse_floor(root: &std::path::Path, parallel: bool) -> usize {
    use rayon::prelude::*;
    let tree = RepoTree::scan(root).expect("tree");
    let paths: Vec<&str> = tree
        .files()
        .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml") || f.ends_with(".nix"))
        .collect();
    let parse = |path: &&str| {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        if path.ends_with(".nix") {
            rnix::Root::parse(&text).errors().len()
        } else {
            strata_flux::yaml::parse_documents(&SourceFile::new(*path, text))
                .0
                .len()
        }
    };
    if parallel {
        paths.par_iter().map(parse).sum()
    } else {
        paths.iter().map(parse).sum()
    }
}
