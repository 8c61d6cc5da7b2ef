//! Writes the `hosts` benchmark's generated flake (`gen_nix_hosts DIR N
//! [MODULES]`): N hosts declared with `genAttrs`, each a k3s node importing
//! MODULES (default 50) shared modules and a file of its own. For measuring
//! time and peak memory per host of the static tier on the release binary
//! (`/usr/bin/time -v strata graph --eval static DIR`; `scripts/perf` does
//! it for 1,000 to 10,000 hosts).

#[path = "../benches/generated_flake.rs"]
mod generated_flake;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: gen_nix_hosts DIR N [MODULES (default 50)]");
        std::process::exit(2);
    };
    let number = |text: String| {
        text.parse::<usize>().unwrap_or_else(|e| {
            eprintln!("gen_nix_hosts: `{text}` is not a count: {e}");
            std::process::exit(2);
        })
    };
    let hosts = number(n);
    let modules = args.next().map_or(50, number);
    let dir = std::path::PathBuf::from(dir);
    let written =
        std::fs::create_dir_all(&dir).and_then(|()| generated_flake::write(&dir, hosts, modules));
    if let Err(e) = written {
        eprintln!("gen_nix_hosts: writing {}: {e}", dir.display());
        std::process::exit(1);
    }
    println!(
        "{}: {hosts} hosts over {modules} shared modules",
        dir.display()
    );
}
