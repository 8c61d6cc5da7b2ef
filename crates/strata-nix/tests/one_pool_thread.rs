//! Loading on a rayon pool of one thread finishes. The evaluator runs on a
//! big-stack thread its caller waits for without working; a pool job
//! started from that thread would wait for the pool's only thread forever.
//! Its own test binary: the global pool is set once per process.

#[path = "../benches/generated_flake.rs"]
mod generated_flake;

use std::sync::mpsc;
use std::time::Duration;

use strata_core::RepoTree;

#[test]
fn loading_on_a_one_thread_pool_finishes() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is set only here");
    let dir = tempfile::tempdir().expect("tempdir");
    generated_flake::write(dir.path(), 70, 3).expect("generate");
    let tree = RepoTree::scan(dir.path()).expect("scan");
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        // On the pool's thread, as `strata_check::analyze` loads the layers.
        let (repo, ()) = rayon::join(|| strata_nix::load(&tree), || ());
        let _ = done.send(repo.hosts.len());
    });
    let hosts = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("loading finished on a one-thread pool");
    assert_eq!(hosts, 70);
}
