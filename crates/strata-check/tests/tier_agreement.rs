//! How far the static tier can be trusted: on every fixture repository with a
//! flake (or a classic default.nix), both tiers run and every fact both know
//! is compared. Fixtures whose inputs cannot be fetched offline (nixpkgs)
//! fall back to the static tier and are counted as such.

use std::path::PathBuf;
use std::time::Duration;

use strata_check::{EvalMode, Options, analyze};

#[test]
fn static_and_evaluated_facts_agree_on_every_fixture_both_can_read() {
    let fixtures = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("flake.nix").is_file() || p.join("default.nix").is_file())
        .collect();
    dirs.sort();
    let options = Options {
        eval: EvalMode::Auto,
        eval_timeout: Some(Duration::from_secs(5)),
        ..Options::default()
    };
    let (mut evaluated_repos, mut fallback_repos, mut agreed, mut differing) = (0, 0, 0, 0);
    let mut table = String::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let analysis = analyze(dir, &options).unwrap();
        let Some(evaluation) = &analysis.evaluation else {
            fallback_repos += 1;
            let why = analysis
                .diagnostics
                .iter()
                .find(|d| d.code == strata_core::Code::EvalFallback)
                .map_or("no hosts".to_string(), |d| {
                    d.message.chars().take(70).collect()
                });
            table.push_str(&format!("{name:<40} static only: {why}\n"));
            continue;
        };
        evaluated_repos += 1;
        for comparison in &evaluation.comparisons {
            agreed += comparison.agreed;
            differing += comparison.differences.len();
            assert!(
                comparison.differences.is_empty(),
                "{name}: the tiers disagree: {:#?}",
                comparison.differences
            );
        }
        let facts: usize = evaluation.comparisons.iter().map(|c| c.agreed).sum();
        let only_nix: usize = evaluation
            .comparisons
            .iter()
            .map(|c| c.static_unknown)
            .sum();
        table.push_str(&format!(
            "{name:<40} {} hosts, {facts} facts agree, {only_nix} known only to nix\n",
            evaluation.hosts.len()
        ));
    }
    eprintln!(
        "{table}{evaluated_repos} evaluated, {fallback_repos} static only; {agreed} facts agree, {differing} differ"
    );
    assert!(
        evaluated_repos >= 3,
        "eval-homelab, eval-classic and eval-failures evaluate offline"
    );
    assert!(agreed >= 30);
}
