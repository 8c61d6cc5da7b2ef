//! Runs `strata_check::analyze` (static tier) on one checkout many times, to
//! profile a small repository with `perf record`.
//!
//! `cargo run --release -p strata-check --example analyze_loop -- REPO [RUNS]`

/// The `strata` binary's allocator (with mimalloc's default options), so
/// the profile's allocation costs are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(repo) = args.next() else {
        eprintln!("usage: analyze_loop REPO [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    let start = std::time::Instant::now();
    for _ in 0..runs {
        let analysis = strata_check::analyze(std::path::Path::new(&repo), &options)
            .unwrap_or_else(|e| panic!("analysis of {repo}: {e}"));
        std::hint::black_box(analysis);
    }
    eprintln!(
        "{:.2} ms a run",
        start.elapsed().as_secs_f64() * 1e3 / runs as f64
    );
}
