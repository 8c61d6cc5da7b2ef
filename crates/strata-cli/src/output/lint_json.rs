//! `lint --format json`, exactly as CONTRACT.md shows it.

use serde_json::{Map, Value, json};
use strata_check::Analysis;
use strata_core::Diagnostic;

use super::{resolve, resolve_diagnostic, to_json_text};

/// The whole document; with `show_suppressed`, a `suppressed` list too:
/// each suppressed finding in the diagnostic shape plus a `suppression`
/// object (`kind`: `in-source` or `config`, `reason`, and for in-source the
/// comment's `file` and `line`).
pub fn render(analysis: &Analysis, show_suppressed: bool) -> String {
    let (errors, warnings, infos) = analysis.counts();
    let diagnostics: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| diagnostic(analysis, d))
        .collect();
    let mut document = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": { "errors": errors, "warnings": warnings, "infos": infos },
    });
    if show_suppressed {
        let suppressed: Vec<Value> = analysis
            .suppressed
            .iter()
            .map(|s| {
                let mut value = diagnostic(analysis, &s.diagnostic);
                let mut suppression = json!({ "kind": s.kind.as_str(), "reason": s.reason });
                if let Some(location) = &s.suppression {
                    let at = resolve(analysis, location);
                    suppression["file"] = json!(at.file);
                    suppression["line"] = json!(at.start.line);
                }
                value["suppression"] = suppression;
                value
            })
            .collect();
        document["suppressed"] = Value::Array(suppressed);
        document["summary"]["suppressed"] = json!(analysis.suppressed.len());
    }
    to_json_text(&document)
}

/// One finding; `node`, `help` and `related` only when the finding has them.
pub fn diagnostic(analysis: &Analysis, d: &Diagnostic) -> Value {
    let mut object = Map::new();
    object.insert("code".into(), json!(d.code.as_str()));
    object.insert("severity".into(), json!(d.severity.as_str()));
    object.insert("message".into(), json!(d.message));
    match resolve_diagnostic(analysis, d) {
        Some(r) => {
            object.insert("file".into(), json!(r.file));
            object.insert("line".into(), json!(r.start.line));
            object.insert("column".into(), json!(r.start.column));
            object.insert("end_line".into(), json!(r.end.line));
            object.insert("end_column".into(), json!(r.end.column));
        }
        None => {
            for key in ["file", "line", "column", "end_line", "end_column"] {
                object.insert(key.into(), Value::Null);
            }
        }
    }
    if let Some(node) = &d.node {
        object.insert("node".into(), json!(node.as_str()));
        // Several clusters: the finding belongs to its node's cluster.
        if let Some(cluster) = analysis
            .graph
            .node(node)
            .and_then(|n| n.attrs.get("cluster"))
        {
            object.insert("cluster".into(), cluster.clone());
        }
    }
    if let Some(help) = &d.help {
        object.insert("help".into(), json!(help));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .map(|r| {
                let at = resolve(analysis, &r.location);
                json!({ "file": at.file, "line": at.start.line, "column": at.start.column, "message": r.message })
            })
            .collect();
        object.insert("related".into(), Value::Array(related));
    }
    Value::Object(object)
}
