//! `report`: one self-contained HTML file with the graph of both layers
//! (pan, zoom, click a node for its facts and findings), every finding with
//! its masked snippet, and the bootstrap plan.
//!
//! Self-contained means no fetch of any kind: the stylesheet and script are
//! ours (`report/report.css`, `report/report.js`), inlined, and a
//! Content-Security-Policy forbids every other source. Every text comes from
//! the analysis through [`Redaction::scrub`] and is then HTML-escaped; node
//! facts travel as JSON in a `<script type="application/json">` element that
//! the script reads and writes into the page with `textContent` only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use strata_check::Analysis;
use strata_core::{Diagnostic, NodeId};
use strata_plan::Plan;

use super::layout::{self, layer};
use super::plan::shell_words;
use super::redact::Redaction;
use super::svg::{drawing, escape};
use super::{resolve, resolve_diagnostic};

const STYLE: &str = include_str!("report/report.css");
const SCRIPT: &str = include_str!("report/report.js");

/// Lines shown before and after a finding's own lines.
const SNIPPET_CONTEXT: usize = 2;
/// At most this many lines of the finding itself.
const SNIPPET_MAX_LINES: usize = 8;

/// What the report shows as the plan: the plan, or the findings that
/// prevent one.
pub enum PlanOutcome<'a> {
    /// The bootstrap plan.
    Planned(&'a Plan),
    /// No plan can be computed; these findings say why.
    Blocked(&'a [Diagnostic]),
}

/// The whole report.
pub fn html(analysis: &Analysis, redaction: &Redaction, plan: PlanOutcome<'_>) -> String {
    let text = |s: &str| escape(&redaction.scrub(s));
    let name = analysis
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "repository".to_string());
    let (errors, warnings, infos) = analysis.counts();
    let layout = layout::compute(&analysis.graph);
    let (waves, steps) = match plan {
        PlanOutcome::Planned(plan) => (plan.waves.len(), plan.steps().count()),
        PlanOutcome::Blocked(_) => (0, 0),
    };

    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>strata report: {}</title>", text(&name));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");

    // Header and summary.
    let _ = writeln!(
        out,
        "<header>\n<h1>strata report <span class=\"repo\">{}</span></h1>",
        text(&name)
    );
    let _ = writeln!(
        out,
        "<p class=\"summary\"><span id=\"count-nodes\">{}</span> nodes · {} edges · \
         <span class=\"sev error\">{errors} errors</span> · \
         <span class=\"sev warning\">{warnings} warnings</span> · \
         <span class=\"sev info\">{infos} infos</span> · {waves} waves, {steps} plan steps</p>",
        analysis.graph.node_count(),
        analysis.graph.edge_count(),
    );
    let _ = writeln!(
        out,
        "<nav><a href=\"#graph\">Graph</a> <a href=\"#findings\">Findings ({})</a> \
         <a href=\"#plan\">Plan ({steps} steps)</a></nav>\n</header>\n<main>",
        analysis.diagnostics.len()
    );

    // The graph.
    out.push_str(
        "<section id=\"graph\">\n<h2>Graph</h2>\n<div class=\"toolbar\">\
<label>Find a node <input id=\"search\" type=\"search\" list=\"node-ids\" placeholder=\"host/…, HelmRelease/…\" autocomplete=\"off\"></label> \
<button type=\"button\" id=\"zoom-in\" title=\"Zoom in\">+</button>\
<button type=\"button\" id=\"zoom-out\" title=\"Zoom out\">−</button>\
<button type=\"button\" id=\"zoom-fit\" title=\"Show the whole graph\">Fit</button>\
<span class=\"legend\"><span class=\"key nix\">Nix layer</span><span class=\"key flux\">Flux layer</span>\
<span class=\"key cross\">cross-layer edge</span><span class=\"key with-findings\">has findings</span></span>\
<span class=\"hint\">Drag to pan, wheel to zoom, click a node for its facts.</span></div>\n",
    );
    out.push_str("<datalist id=\"node-ids\">");
    for node in &layout.nodes {
        let _ = write!(out, "<option value=\"{}\">", text(node.id.as_str()));
    }
    out.push_str("</datalist>\n<div class=\"graph-area\">\n");
    let _ = writeln!(
        out,
        "<div id=\"viewport\"><svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {w:.1} {h:.1}\" data-width=\"{w:.1}\" data-height=\"{h:.1}\" \
         font-family=\"monospace\" font-size=\"12\" role=\"img\" aria-label=\"dependency graph\">",
        w = layout.width,
        h = layout.height
    );
    out.push_str(&redaction.scrub(drawing(&layout)));
    out.push_str("</svg></div>\n<aside id=\"details\" aria-live=\"polite\">\n<p class=\"placeholder\">Click a node (or find one by id) to see its facts, its edges and its findings.</p>\n</aside>\n</div>\n</section>\n");

    // Findings.
    let _ = writeln!(
        out,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        analysis.diagnostics.len()
    );
    if analysis.diagnostics.is_empty() {
        out.push_str("<p class=\"empty\">No findings: the repository is lint-clean.</p>\n");
    } else {
        out.push_str("<ol class=\"findings\">\n");
        for (index, d) in analysis.diagnostics.iter().enumerate() {
            out.push_str(&finding(
                analysis,
                redaction,
                d,
                &format!("finding-{index}"),
            ));
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");

    // The plan.
    out.push_str("<section id=\"plan\">\n<h2>Bootstrap plan</h2>\n");
    match plan {
        PlanOutcome::Planned(plan) if plan.waves.is_empty() => {
            out.push_str("<p class=\"empty\">Nothing to deploy: the graph has no host or Flux object to plan.</p>\n");
        }
        PlanOutcome::Planned(plan) => {
            let _ = writeln!(
                out,
                "<p>{waves} waves, {steps} steps. Each wave waits for the one before; the steps of one wave may run in parallel.</p>\n<ol class=\"waves\">"
            );
            for wave in &plan.waves {
                let _ = writeln!(
                    out,
                    "<li class=\"wave\" data-wave=\"{i}\"><h3>Wave {i}</h3>\n<ol class=\"steps\">",
                    i = wave.index
                );
                for step in &wave.steps {
                    let action = serde_json::to_value(step.action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    let target = text(step.target.as_str());
                    let _ = write!(
                        out,
                        "<li class=\"step\" data-action=\"{action}\" data-target=\"{target}\">\
<span class=\"action {action}\">{action}</span> <a class=\"node-link\" href=\"#graph\" data-node=\"{target}\">{target}</a>\
<pre class=\"command\">$ {}</pre>",
                        text(&shell_words(&step.command))
                    );
                    if !step.reasons.is_empty() {
                        out.push_str("<ul class=\"reasons\">");
                        for reason in &step.reasons {
                            let _ = write!(out, "<li>{}</li>", text(reason));
                        }
                        out.push_str("</ul>");
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ol></li>\n");
            }
            out.push_str("</ol>\n");
        }
        PlanOutcome::Blocked(diagnostics) => {
            out.push_str("<p class=\"blocked\">No deploy plan: fix these findings first.</p>\n<ol class=\"findings blocking\">\n");
            for (index, d) in diagnostics.iter().enumerate() {
                out.push_str(&finding(
                    analysis,
                    redaction,
                    d,
                    &format!("blocking-{index}"),
                ));
            }
            out.push_str("</ol>\n");
        }
    }
    out.push_str("</section>\n</main>\n");

    // Node facts for the details panel. `<`, `>` and `&` are escaped inside
    // the JSON so that no text can close the script element.
    let data = redaction.scrub(node_data(analysis).to_string());
    let data = data
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"strata-data\">{data}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>"
    );
    out
}

/// One finding: severity, code, location, message, masked snippet, help.
fn finding(analysis: &Analysis, redaction: &Redaction, d: &Diagnostic, id: &str) -> String {
    let text = |s: &str| escape(&redaction.scrub(s));
    let severity = d.severity.as_str();
    let mut out = format!(
        "<li class=\"finding {severity}\" id=\"{id}\" data-code=\"{code}\"{node}>\n<div class=\"head\">\
<span class=\"severity\">{severity}</span> <code class=\"code\">{code}</code> ",
        code = d.code.as_str(),
        node = d
            .node
            .as_ref()
            .map(|n| format!(" data-node=\"{}\"", text(n.as_str())))
            .unwrap_or_default(),
    );
    if let Some(at) = resolve_diagnostic(analysis, d) {
        let _ = write!(
            out,
            "<span class=\"location\">{}:{}:{}</span> ",
            text(at.file),
            at.start.line,
            at.start.column
        );
    }
    if let Some(node) = &d.node {
        let node = text(node.as_str());
        let _ = write!(
            out,
            "<a class=\"node-link\" href=\"#graph\" data-node=\"{node}\">{node}</a>"
        );
    }
    let _ = write!(
        out,
        "</div>\n<p class=\"message\">{}</p>\n",
        text(&d.message)
    );
    if let Some(snippet) = snippet(analysis, redaction, d) {
        out.push_str(&snippet);
    }
    for related in &d.related {
        let at = resolve(analysis, &related.location);
        let _ = writeln!(
            out,
            "<p class=\"related\"><span class=\"location\">{}:{}:{}</span> {}</p>",
            text(at.file),
            at.start.line,
            at.start.column,
            text(&related.message)
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "<p class=\"help\">help: {}</p>", text(help));
    }
    out.push_str("</li>\n");
    out
}

/// The lines of a finding with a little context, from the masked source
/// (secret spans replaced by `*`), numbered, the finding's lines marked.
fn snippet(analysis: &Analysis, redaction: &Redaction, d: &Diagnostic) -> Option<String> {
    let location = d.location.as_ref()?;
    let file = redaction.source(analysis, &location.file)?;
    let first_hit = file.line_col(location.span.start).line;
    let last_hit = file
        .line_col(location.span.end.max(location.span.start))
        .line
        .min(first_hit + SNIPPET_MAX_LINES - 1);
    let first = first_hit.saturating_sub(SNIPPET_CONTEXT).max(1);
    let last = last_hit + SNIPPET_CONTEXT;
    let mut out = String::from("<pre class=\"snippet\">");
    for (index, line) in file.text().lines().enumerate().skip(first - 1) {
        let number = index + 1;
        if number > last {
            break;
        }
        let hit = (first_hit..=last_hit).contains(&number);
        // Block spans end the lines; a newline as well would double them.
        let _ = write!(
            out,
            "<span class=\"line{}\"><span class=\"ln\">{number:>4}</span> {}</span>",
            if hit { " hit" } else { "" },
            escape(&redaction.scrub(line))
        );
    }
    out.push_str("</pre>\n");
    Some(out)
}

/// `{ "nodes": { ID: { kind, name, layer, file, line, attrs, out, in,
/// findings } } }`: what the details panel shows for each node.
fn node_data(analysis: &Analysis) -> Value {
    // Node id → ([kind, what it depends on], [kind, its dependents]).
    let mut adjacent: BTreeMap<NodeId, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for edge in analysis.graph.edges() {
        let kind = edge.kind.as_str();
        adjacent
            .entry(edge.from.clone())
            .or_default()
            .0
            .push(json!([kind, edge.to.as_str()]));
        adjacent
            .entry(edge.to)
            .or_default()
            .1
            .push(json!([kind, edge.from.as_str()]));
    }
    let facts = super::host_facts(analysis);
    // Findings by node, once: scanning every finding per node was
    // quadratic on large repositories.
    let mut findings_of: BTreeMap<&NodeId, Vec<Value>> = BTreeMap::new();
    for (index, d) in analysis.diagnostics.iter().enumerate() {
        if let Some(node) = &d.node {
            findings_of
                .entry(node)
                .or_default()
                .push(finding_data(index, d));
        }
    }
    let mut nodes = Map::new();
    for node in analysis.graph.nodes() {
        let mut object = Map::new();
        object.insert("kind".into(), json!(node.kind()));
        object.insert("name".into(), json!(node.name()));
        object.insert("layer".into(), json!(layer(&node.id)));
        if let Some(location) = &node.location {
            let at = resolve(analysis, location);
            object.insert("file".into(), json!(at.file));
            object.insert("line".into(), json!(at.start.line));
        }
        let mut attrs = node.attrs.clone();
        if let Some(f) = super::facts_of(&facts, node)
            && let Ok(f) = serde_json::to_value(f)
        {
            attrs.insert("facts", f);
        }
        object.insert(
            "attrs".into(),
            Value::Object(
                attrs
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v))
                    .collect(),
            ),
        );
        let (out, into) = adjacent.remove(&node.id).unwrap_or_default();
        object.insert("out".into(), Value::Array(out));
        object.insert("in".into(), Value::Array(into));
        let findings = findings_of.remove(&node.id).unwrap_or_default();
        object.insert("findings".into(), Value::Array(findings));
        nodes.insert(node.id.as_str().to_string(), Value::Object(object));
    }
    json!({ "nodes": nodes })
}

/// What the details panel shows of one finding.
fn finding_data(index: usize, d: &Diagnostic) -> Value {
    json!({
        "anchor": format!("finding-{index}"),
        "severity": d.severity.as_str(),
        "code": d.code.as_str(),
        "message": d.message,
    })
}
