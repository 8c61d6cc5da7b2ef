//! `lint --format sarif`: SARIF 2.1.0 for code-scanning dashboards.

use serde_json::{Value, json};
use strata_check::{Analysis, RULES};
use strata_core::Severity;

use super::{resolve_diagnostic, to_json_text};

/// The SARIF log with one run.
pub fn render(analysis: &Analysis) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code.as_str(),
                "name": rule.code.name(),
                "shortDescription": { "text": summary(rule.doc) },
                "fullDescription": { "text": rule.explain() },
                "defaultConfiguration": { "level": level(rule.code.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| {
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
            if let Some(r) = resolve_diagnostic(analysis, d) {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": r.file, "uriBaseId": "SRCROOT" },
                        "region": {
                            "startLine": r.start.line, "startColumn": r.start.column,
                            "endLine": r.end.line, "endColumn": r.end.column,
                        },
                    },
                }]);
            }
            if let Some(node) = &d.node {
                result["properties"] = json!({ "node": node.as_str() });
            }
            result
        })
        .collect();
    to_json_text(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/strata-dev/strata",
                "rules": rules,
            }},
            "results": results,
        }],
    }))
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
