//! Loads a repository's Nix layer and prints its hosts' facts as JSON.
//!
//! `cargo run -p strata-nix --example load -- PATH [--quiet]`, and
//! `… -- --generate DIR HOSTS MODULES` to write the benchmark's generated
//! flake (used to measure peak memory, see `benches/hosts.rs`).

#[path = "../benches/generated_flake.rs"]
mod generated_flake;

fn main() {
    // `load --generate DIR HOSTS MODULES` writes the benchmark's flake.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--generate") {
        let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "gen".into()));
        let hosts = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(500);
        let modules = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(50);
        if let Err(e) = generated_flake::write(&dir, hosts, modules) {
            eprintln!("cannot write {}: {e}", dir.display());
            std::process::exit(2);
        }
        return;
    }
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let quiet = std::env::args().any(|a| a == "--quiet");
    let tree = match strata_core::RepoTree::scan(std::path::Path::new(&root)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {root}: {e}");
            std::process::exit(2);
        }
    };
    let repo = strata_nix::load(&tree);
    if quiet {
        println!(
            "{} hosts, {} files, {} diagnostics",
            repo.hosts.len(),
            repo.files.len(),
            repo.diagnostics.len()
        );
        return;
    }
    match serde_json::to_string_pretty(&repo.hosts) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("{e}"),
    }
}
