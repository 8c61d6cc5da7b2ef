//! Prints the hosts the static tier finds in a repository, with their facts,
//! as JSON: the raw material for measuring what is known on real
//! repositories (`cargo run --release --example host_facts -- PATH`).

use std::path::Path;

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: host_facts PATH");
        std::process::exit(2);
    };
    let tree = match strata_core::RepoTree::scan(Path::new(&root)) {
        Ok(tree) => tree,
        Err(e) => {
            eprintln!("cannot read {root}: {e}");
            std::process::exit(2);
        }
    };
    let repo = strata_nix::load(&tree);
    let out = serde_json::json!({
        "hosts": repo.hosts,
        "diagnostics": repo.diagnostics.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
