//! `strata.toml` through the whole analysis: excluded paths are not
//! missing paths, and `[rules]` / `[[ignore]]` decide what is reported.

use std::path::PathBuf;

use strata_check::{Analysis, EvalMode, Options, SuppressionKind, analyze};
use strata_core::{Code, RepoTree, Severity};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(name)
}

fn analyze_static(name: &str) -> Analysis {
    let options = Options {
        eval: EvalMode::Static,
        ..Options::default()
    };
    analyze(&fixture(name), &options).expect("fixture analyses")
}

/// `file:line:column CODE severity` of every finding.
fn places(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .map(|d| {
            let location = d.location.as_ref().expect("a location");
            let at = analysis.sources.start_of(location).expect("a read file");
            format!(
                "{}:{}:{} {} {}",
                location.file,
                at.line,
                at.column,
                d.code,
                d.severity.as_str()
            )
        })
        .collect()
}

#[test]
fn excluded_paths_are_not_reported_missing_but_missing_ones_are() {
    let analysis = analyze_static("config-exclude");
    assert_eq!(
        places(&analysis),
        ["apps/kustomization.yaml:7:5 FLUX005 error"],
        "{:#?}",
        analysis.diagnostics
    );
    assert!(
        analysis
            .sources
            .iter()
            .all(|f| !f.path().starts_with("vendor/") && !f.path().ends_with(".wip.nix")),
        "excluded files are never read"
    );
}

#[test]
fn the_clean_twin_with_only_excluded_references_has_no_finding() {
    let analysis = analyze_static("config-exclude-clean");
    assert!(
        analysis.diagnostics.is_empty(),
        "{:#?}",
        analysis.diagnostics
    );
}

#[test]
fn rules_turn_codes_off_change_severities_and_ignore_paths() {
    let analysis = analyze_static("config-rules");
    assert_eq!(
        places(&analysis),
        ["apps/deployment.yaml:17:18 FLUX015 error"],
        "{:#?}",
        analysis.diagnostics
    );
    let suppressed: Vec<_> = analysis
        .suppressed
        .iter()
        .map(|s| {
            (
                s.diagnostic.location.as_ref().map(|l| l.file.as_str()),
                s.diagnostic.code,
                s.diagnostic.severity,
                s.kind,
                s.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        suppressed,
        [(
            Some("apps/legacy/deployment.yaml"),
            Code::ImageTagUnpinned,
            Severity::Error,
            SuppressionKind::Config,
            "frozen until the wiki moves"
        )]
    );
}

#[test]
fn without_the_configuration_every_rule_reports_at_its_default() {
    let tree = RepoTree::scan(&fixture("config-rules")).expect("fixture");
    let analysis = strata_check::analyze_tree(&tree, Vec::new());
    let found = places(&analysis);
    assert!(
        found.contains(&"apps/deployment.yaml:17:18 FLUX015 warning".to_string()),
        "{found:#?}"
    );
    assert!(
        found.contains(&"apps/legacy/deployment.yaml:17:18 FLUX015 warning".to_string()),
        "{found:#?}"
    );
    assert!(found.iter().any(|f| f.contains("FLUX016")), "{found:#?}");
}
