//! Every output format. Only this crate knows terminals and formats; the
//! library crates hand over plain data.

pub mod apply;
pub mod diff;
pub mod github;
pub mod graph;
pub mod human;
pub mod layout;
pub mod lint_json;
pub mod plan;
pub mod redact;
pub mod report;
pub mod sarif;
pub mod svg;

use std::collections::HashMap;

use strata_check::Analysis;
use strata_core::{Diagnostic, LineCol, Location};
use strata_nix::HostFacts;

/// A location resolved to lines and columns.
pub struct Resolved<'a> {
    /// Repository-relative path.
    pub file: &'a str,
    /// Start (1-based).
    pub start: LineCol,
    /// End (1-based, exclusive column as editors expect).
    pub end: LineCol,
}

/// Resolves a location against the files the analysis read; a file that was
/// not read (it could not be) resolves to 1:1.
pub fn resolve<'a>(analysis: &Analysis, location: &'a Location) -> Resolved<'a> {
    let first = LineCol { line: 1, column: 1 };
    Resolved {
        file: &location.file,
        start: analysis.sources.start_of(location).unwrap_or(first),
        end: analysis.sources.end_of(location).unwrap_or(first),
    }
}

/// The primary location of a finding, resolved.
pub fn resolve_diagnostic<'a>(
    analysis: &Analysis,
    diagnostic: &'a Diagnostic,
) -> Option<Resolved<'a>> {
    diagnostic.location.as_ref().map(|l| resolve(analysis, l))
}

/// Each host's typed facts by host name: what a host node shows as its
/// `facts` attribute (the last declaration of a name wins, as node
/// attributes do).
pub fn host_facts(analysis: &Analysis) -> HashMap<&str, &HostFacts> {
    analysis
        .nix
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h))
        .collect()
}

/// The facts of the host a node stands for, if it is a host node.
pub fn facts_of<'a>(
    facts: &HashMap<&str, &'a HostFacts>,
    node: &strata_core::Node,
) -> Option<&'a HostFacts> {
    (node.kind() == "host")
        .then(|| facts.get(node.name()).copied())
        .flatten()
}

/// Pretty JSON with a trailing newline.
pub fn to_json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
