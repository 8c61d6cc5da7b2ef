//! Static evaluation of a generated flake: 500 and 1,000 hosts over 50
//! shared modules: the time per host, and that it grows linearly. (The
//! evaluator runs on a thread of its own, which divan's allocation counter
//! does not see: peak memory is measured on the release binary, with
//! `examples/gen_nix_hosts.rs` and `/usr/bin/time -v`.)
//!
//! `cargo bench -p strata-nix --bench hosts`

#![allow(missing_docs)]

mod generated_flake;

use strata_core::RepoTree;

fn main() {
    divan::main();
}

#[divan::bench(args = [500, 1000], sample_count = 10)]
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
