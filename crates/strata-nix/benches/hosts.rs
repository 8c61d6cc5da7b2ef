//! Static evaluation of a generated flake: 500 hosts over 50 shared modules.
//!
//! `cargo bench -p strata-nix --bench hosts`

#![allow(missing_docs)]

mod generated_flake;

use strata_core::RepoTree;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn load_500_hosts_50_modules(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("tempdir");
    generated_flake::write(dir.path(), 500, 50).expect("generate");
    let tree = RepoTree::scan(dir.path()).expect("scan");
    bencher.bench(|| {
        let repo = strata_nix::load(divan::black_box(&tree));
        assert_eq!(repo.hosts.len(), 500);
        repo
    });
}
