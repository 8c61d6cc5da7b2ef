//! Helpers shared by the integration tests: fixture repositories and positions.

#![allow(dead_code)]

use std::path::PathBuf;

use strata_core::{Diagnostic, Location, RepoTree};
use strata_flux::FluxTree;

/// The root of fixture repository `name` under the workspace's `tests/fixtures`.
pub fn fixture_root(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(name)
}

/// The listing of fixture repository `name`.
pub fn fixture(name: &str) -> RepoTree {
    let root = fixture_root(name);
    RepoTree::scan(&root).unwrap_or_else(|e| panic!("fixture {} is missing: {e}", root.display()))
}

/// Loads fixture repository `name`.
pub fn load_fixture(name: &str) -> FluxTree {
    strata_flux::load(&fixture(name))
}

/// `file:line:column` of a location, as a user would read it.
pub fn position(flux: &FluxTree, location: &Location) -> String {
    let at = flux
        .sources
        .start_of(location)
        .expect("location in a file that was read");
    format!("{}:{}:{}", location.file, at.line, at.column)
}

/// `CODE file:line:column` of every diagnostic.
pub fn diagnostic_positions(flux: &FluxTree) -> Vec<String> {
    flux.diagnostics.iter().map(|d| describe(flux, d)).collect()
}

fn describe(flux: &FluxTree, diagnostic: &Diagnostic) -> String {
    match &diagnostic.location {
        Some(location) => format!("{} {}", diagnostic.code, position(flux, location)),
        None => diagnostic.code.to_string(),
    }
}

/// `file:line:column` of a location in fixture repository `repo` (for
/// findings of a kustomize build, which has no source database).
pub fn fixture_position(repo: &str, location: &Location) -> String {
    let (file, _) = fixture(repo).read(&location.file);
    let at = file.line_col(location.span.start);
    format!("{}:{}:{}", location.file, at.line, at.column)
}
