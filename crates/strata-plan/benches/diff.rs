//! `diff_revisions` between two commits of a generated Flux tree of about
//! 1,000 objects (strata-check's bench generator), ten HelmReleases bumped:
//! both snapshots read with gix, both analysed, compared, impact walked.
//!
//! `cargo bench -p strata-plan --bench diff`

#![allow(missing_docs)]

#[path = "../../strata-check/benches/support/tree_gen.rs"]
mod tree_gen;

use std::path::Path;
use std::process::Command;

/// Apps in the generated tree: about four objects each.
const APPS: usize = 250;

fn main() {
    divan::main();
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository with two commits: the generated tree, then ten HelmReleases
/// on another chart version.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path();
    let stats = tree_gen::write_tree(root, APPS).expect("generated tree");
    eprintln!("generated {} files, {} objects", stats.files, stats.objects);
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    let commit = [
        "-c",
        "user.email=b@example.com",
        "-c",
        "user.name=bench",
        "commit",
        "-q",
        "-m",
    ];
    git(root, &[&commit[..], &["generated"]].concat());
    let mut bumped = 0;
    let mut stack = vec![root.join("apps")];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if bumped < 10 {
                let text = std::fs::read_to_string(&path).expect("read");
                if text.contains("kind: HelmRelease") && text.contains("version: ") {
                    std::fs::write(&path, text.replacen("version: ", "version: 9", 1))
                        .expect("write");
                    bumped += 1;
                }
            }
        }
    }
    assert_eq!(bumped, 10, "ten HelmReleases bumped");
    git(root, &["add", "-A"]);
    git(root, &[&commit[..], &["bump"]].concat());
    dir
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn diff_two_revisions_of_1000_objects(bencher: divan::Bencher) {
    let repo = repository();
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    let runs = std::sync::atomic::AtomicU64::new(0);
    let cpu_before = process_cpu_ms();
    bencher.bench(|| {
        let diff = strata_plan::diff_revisions(repo.path(), "HEAD~1", Some("HEAD"), &options)
            .expect("diff");
        assert_eq!(diff.changes.len(), 10);
        runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        diff.impacted.len()
    });
    // Wall time on a shared machine measures the neighbours too; CPU time
    // (all threads, user + system) is what one diff costs.
    let runs = runs.into_inner().max(1);
    if let (Some(before), Some(after)) = (cpu_before, process_cpu_ms()) {
        eprintln!(
            "CPU time per diff: {} ms (user + system, all threads)",
            (after - before) / runs
        );
    }
}

/// The process's CPU time so far in milliseconds (`/proc/self/stat`).
fn process_cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel reports clock ticks of 1/100 s on Linux.
    Some(ticks * 10)
}

/// The floor under the diff: one analysis of the same tree (the work tree,
/// no snapshot), as `lint` makes it.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn analyze_one_revision_of_1000_objects(bencher: divan::Bencher) {
    let repo = repository();
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    let runs = std::sync::atomic::AtomicU64::new(0);
    let cpu_before = process_cpu_ms();
    bencher.bench(|| {
        runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        strata_check::analyze(repo.path(), &options).expect("analysis")
    });
    let runs = runs.into_inner().max(1);
    if let (Some(before), Some(after)) = (cpu_before, process_cpu_ms()) {
        eprintln!(
            "CPU time per analysis: {} ms (user + system, all threads)",
            (after - before) / runs
        );
    }
}
