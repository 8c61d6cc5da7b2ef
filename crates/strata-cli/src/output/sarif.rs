//! `lint --format sarif`: SARIF 2.1.0 for code-scanning dashboards.
//!
//! Paths are relative to the git top-level (where GitHub code scanning
//! resolves them) and percent-encoded as URI references. Each rule carries
//! its `strata explain` text as `help` and its documented source as
//! `helpUri`. `partialFingerprints` hash what identifies a finding (code,
//! file, node or normalised message, and its rank among equal ones), not
//! its line, so a finding keeps its identity when lines move.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use strata_check::{Analysis, RULES, SuppressedFinding, SuppressionKind};
use strata_core::{Diagnostic, Severity};

use super::{resolve_diagnostic, to_json_text};
use crate::root::OutputPaths;

/// The name of strata's fingerprint in `partialFingerprints`.
const FINGERPRINT: &str = "strataFindingHash/v1";

/// The SARIF log with one run; with `show_suppressed`, suppressed findings
/// are results too, each with its `suppressions` entry.
pub fn render(analysis: &Analysis, paths: &OutputPaths, show_suppressed: bool) -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let explained = rule.explain();
            json!({
                "id": rule.code.as_str(),
                "name": rule.code.name(),
                "shortDescription": { "text": summary(rule.doc) },
                "fullDescription": { "text": explained },
                "help": { "text": explained, "markdown": explained },
                "helpUri": format!("{repository}/blob/main/{}", rule.source_file()),
                "defaultConfiguration": { "level": level(rule.code.default_severity()) },
            })
        })
        .collect();
    let mut fingerprints = Fingerprints::default();
    let mut results: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| result(analysis, paths, d, &mut fingerprints))
        .collect();
    if show_suppressed {
        for s in &analysis.suppressed {
            let mut value = result(analysis, paths, &s.diagnostic, &mut fingerprints);
            value["suppressions"] = json!([suppression(analysis, paths, s)]);
            results.push(value);
        }
    }
    to_json_text(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": repository,
                "rules": rules,
            }},
            "results": results,
        }],
    }))
}

fn result(
    analysis: &Analysis,
    paths: &OutputPaths,
    d: &Diagnostic,
    fingerprints: &mut Fingerprints,
) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(" (");
        text.push_str(help);
        text.push(')');
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": RULES.iter().position(|r| r.code == d.code).unwrap_or(0),
        "level": level(d.severity),
        "message": { "text": text },
    });
    let mut file = None;
    if let Some(r) = resolve_diagnostic(analysis, d) {
        file = Some(r.file.to_string());
        result["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": {
                    "uri": percent_encode(&paths.below_git_top(r.file)),
                    "uriBaseId": "SRCROOT",
                },
                "region": {
                    "startLine": r.start.line, "startColumn": r.start.column,
                    "endLine": r.end.line, "endColumn": r.end.column,
                },
            },
        }]);
    }
    result["partialFingerprints"] = json!({
        FINGERPRINT: fingerprints.next(d, &paths.below_git_top(file.as_deref().unwrap_or(""))),
    });
    if let Some(node) = &d.node {
        result["properties"] = json!({ "node": node.as_str() });
    }
    result
}

fn suppression(analysis: &Analysis, paths: &OutputPaths, s: &SuppressedFinding) -> Value {
    let mut value = json!({
        "kind": match s.kind {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::Config => "external",
        },
        "justification": s.reason,
    });
    if let Some(location) = &s.suppression {
        let at = super::resolve(analysis, location);
        value["location"] = json!({
            "physicalLocation": {
                "artifactLocation": {
                    "uri": percent_encode(&paths.below_git_top(at.file)),
                    "uriBaseId": "SRCROOT",
                },
                "region": { "startLine": at.start.line },
            },
        });
    }
    value
}

/// Fingerprints that do not depend on line numbers: equal keys (same code,
/// file and node or message) are told apart by their rank in the sorted
/// output, which only changes when such a finding is added or removed.
#[derive(Default)]
struct Fingerprints {
    seen: BTreeMap<String, usize>,
}

impl Fingerprints {
    fn next(&mut self, d: &Diagnostic, file: &str) -> String {
        let subject = match &d.node {
            Some(node) => node.as_str().to_string(),
            None => normalise(&d.message),
        };
        let key = format!("{}\0{file}\0{subject}", d.code.as_str());
        let rank = self.seen.entry(key.clone()).or_insert(0);
        *rank += 1;
        let digest = Sha256::digest(format!("{key}\0{rank}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}:{rank}")
    }
}

/// A message without the numbers in it (line numbers, counts), whitespace
/// collapsed: what a finding says, not where.
fn normalise(message: &str) -> String {
    let mut out = String::new();
    let mut last_digit = false;
    for word in message.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if c.is_ascii_digit() {
                if !last_digit {
                    out.push('#');
                }
                last_digit = true;
            } else {
                out.push(c);
                last_digit = false;
            }
        }
        last_digit = false;
    }
    out
}

/// A `/`-separated relative path as a URI reference (RFC 3986): every byte
/// but the unreserved characters and `/` percent-encoded.
fn percent_encode(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first sentence of a rule's `## What` section.
fn summary(doc: &str) -> String {
    let what: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "## What")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let text = what.join(" ");
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            percent_encode("apps/my app/ü#1.yaml"),
            "apps/my%20app/%C3%BC%231.yaml"
        );
    }

    #[test]
    fn fingerprints_ignore_numbers_in_messages_and_rank_equal_findings() {
        let a = strata_core::Diagnostic::new(strata_core::Code::DependsOnCycle, "cycle at line 12");
        let b = strata_core::Diagnostic::new(strata_core::Code::DependsOnCycle, "cycle at line 40");
        let mut first = Fingerprints::default();
        let mut second = Fingerprints::default();
        let fa = first.next(&a, "x.yaml");
        assert_eq!(
            fa,
            second.next(&b, "x.yaml"),
            "moved lines keep the identity"
        );
        assert_ne!(
            fa,
            first.next(&b, "x.yaml"),
            "a second equal finding differs"
        );
    }
}
