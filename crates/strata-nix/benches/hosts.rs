//! Static evaluation of a generated flake over 50 shared modules, to show
//! the time per host and that it grows linearly: 500 and 1,000 hosts by
//! default; 2,000, 5,000 and 10,000 too with `STRATA_BENCH_LARGE=1` (a
//! 10,000-host sample takes seconds, too slow for every run). (The
//! evaluator runs on threads of its own, which divan's allocation counter
//! does not see: peak memory is measured on the release binary by
//! `scripts/perf`, with `examples/gen_nix_hosts.rs` and `/usr/bin/time -v`.)
//!
//! `cargo bench -p strata-nix --bench hosts`

#![allow(missing_docs)]

mod generated_flake;

use strata_core::RepoTree;

fn main() {
    divan::main();
}

/// The host counts measured.
fn sizes() -> Vec<usize> {
    let mut sizes = vec![500, 1_000];
    if std::env::var_os("STRATA_BENCH_LARGE").is_some() {
        sizes.extend([2_000, 5_000, 10_000]);
    }
    sizes
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn load_hosts_50_modules(bencher: divan::Bencher, hosts: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    generated_flake::write(dir.path(), hosts, 50).expect("generate");
    let tree = RepoTree::scan(dir.path()).expect("scan");
    bencher.bench(|| {
        let repo = strata_nix::load(divan::black_box(&tree));
        assert_eq!(repo.hosts.len(), hosts);
        repo
    });
}
