//! Writes the benchmark's generated Flux tree to a directory, to lint it with
//! the release binary (and measure its peak memory):
//!
//! ```sh
//! cargo run --release -p strata-check --example gen_flux_tree -- /tmp/flux-1000 1000
//! /usr/bin/time -v target/release/strata lint --eval static /tmp/flux-1000
//! ```

#[path = "../benches/support/tree_gen.rs"]
mod tree_gen;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), apps) = (args.next(), args.next()) else {
        eprintln!("usage: gen_flux_tree DIR [APPS (default 1000)]");
        std::process::exit(2);
    };
    let apps = match apps.map(|a| a.parse::<usize>()) {
        None => 1_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("APPS must be a number: {e}");
            std::process::exit(2);
        }
    };
    let dir = std::path::PathBuf::from(dir);
    let written = std::fs::create_dir_all(&dir).and_then(|()| tree_gen::write_tree(&dir, apps));
    match written {
        Ok(stats) => println!(
            "{}: {} files, {} objects, {} HelmReleases",
            dir.display(),
            stats.files,
            stats.objects,
            stats.helm_releases
        ),
        Err(e) => {
            eprintln!("cannot write {}: {e}", dir.display());
            std::process::exit(2);
        }
    }
}
