//! Hosts read in batches on worker threads (a flake of 64 hosts or more):
//! the same facts and findings at one thread and at several, and the facts
//! each host's own modules give.

#[path = "../benches/generated_flake.rs"]
mod generated_flake;

use strata_core::RepoTree;
use strata_nix::eval::Limits;

#[test]
fn batches_give_the_same_result_at_any_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    generated_flake::write(dir.path(), 150, 5).expect("generate");
    let tree = RepoTree::scan(dir.path()).expect("scan");
    let one = strata_nix::load_on_threads(&tree, Limits::default(), 1);
    let three = strata_nix::load_on_threads(&tree, Limits::default(), 3);
    assert_eq!(one.hosts.len(), 150);
    assert_eq!(one.hosts, three.hosts);
    assert_eq!(one.diagnostics, three.diagnostics);
    assert_eq!(one.evaluated_files, three.evaluated_files);
    let paths = |r: &strata_nix::NixRepo| -> Vec<String> {
        r.sources.iter().map(|s| s.path().to_string()).collect()
    };
    assert_eq!(paths(&one), paths(&three));

    // Hosts are sorted by name; the last batch's hosts are read like the first's.
    let host = |name: &str| {
        one.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("host {name}"))
    };
    for (name, role) in [
        ("node-0", "server"),
        ("node-149", "agent"),
        ("node-99", "agent"),
    ] {
        let h = host(name);
        assert_eq!(h.hostname.known().map(String::as_str), Some(name));
        let k3s = h.k3s.as_ref().expect("k3s");
        assert_eq!(k3s.role.known().map(String::as_str), Some(role), "{name}");
        assert!(h.imported_files.contains(&format!("hosts/{name}.nix")));
        assert!(h.imported_files.contains(&"modules/m4.nix".to_string()));
    }
    // Every module and host file was evaluated by some batch.
    assert!(
        one.evaluated_files
            .contains(&"hosts/node-149.nix".to_string())
    );
    assert!(one.evaluated_files.contains(&"modules/m0.nix".to_string()));
}
