//! Helpers for rule tests: analyse a fixture repository and assert findings.

use std::path::PathBuf;

use strata_core::{Code, Diagnostic, RepoTree};

use crate::Analysis;

/// The path of `tests/fixtures/NAME` (or the repository root for `""`).
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(name)
}

/// Analyses a fixture with the static tier.
pub fn analyze_fixture(name: &str) -> Analysis {
    let path = fixture_path(name);
    let tree = RepoTree::scan(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    crate::analyze_tree(&tree, Vec::new())
}

/// Analyses the example homelab at the repository root (static tier, with
/// its `strata.toml`, which leaves the fixtures out).
pub fn analyze_example() -> Analysis {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let options = crate::Options {
        eval: crate::EvalMode::Static,
        ..Default::default()
    };
    crate::analyze(&root, &options).expect("the example homelab is readable")
}

/// The findings of one code, as `file:line:column message`.
pub fn findings(analysis: &Analysis, code: Code) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| render(analysis, d))
        .collect()
}

fn render(analysis: &Analysis, d: &Diagnostic) -> String {
    match &d.location {
        Some(loc) => {
            let lc = analysis
                .sources
                .start_of(loc)
                .expect("location in a read file");
            format!("{}:{}:{} {}", loc.file, lc.line, lc.column, d.message)
        }
        None => d.message.clone(),
    }
}

/// Asserts that `code` fires exactly at the given `file:line:column` places.
#[track_caller]
pub fn assert_fires_at(analysis: &Analysis, code: Code, places: &[&str]) {
    let found: Vec<String> = findings(analysis, code)
        .into_iter()
        .map(|f| f.split(' ').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        found,
        places,
        "{code} findings: {:#?}",
        findings(analysis, code)
    );
}

/// Asserts that the fixture has no finding of `code` and no error at all.
#[track_caller]
pub fn assert_clean(analysis: &Analysis, code: Code) {
    assert!(
        findings(analysis, code).is_empty(),
        "{code} fired: {:#?}",
        findings(analysis, code)
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == strata_core::Severity::Error)
        .map(|d| render(analysis, d))
        .collect();
    assert!(errors.is_empty(), "clean twin has errors: {errors:#?}");
}

/// Exact places of findings the parsers report, in the fixtures written for
/// them (asserted here too, through the whole pipeline).
pub mod expected {
    /// FLUX004 in `flux-path-missing`.
    pub const FLUX_PATH_MISSING: &[&str] = &["clusters/production/apps.yaml:12:9"];
    /// FLUX005 in `flux-resource-missing`: a file, a directory, a directory without kustomization.yaml.
    pub const FLUX_RESOURCE_MISSING: &[&str] = &[
        "apps/lab/kustomization.yaml:7:5",
        "apps/lab/kustomization.yaml:9:5",
        "apps/lab/kustomization.yaml:11:5",
    ];
    /// YAML001 in `yaml-syntax-error`.
    pub const YAML_SYNTAX: &[&str] = &["apps/base/paperless/helmrelease.yaml:18:6"];
    /// NIX001 in `nix-syntax-error`.
    pub const NIX_SYNTAX: &[&str] = &["hosts/nas/default.nix:5:21"];
    /// NIX002 in `nix-import-missing`.
    pub const NIX_IMPORT_MISSING: &[&str] = &["modules/default.nix:5:5"];
}
