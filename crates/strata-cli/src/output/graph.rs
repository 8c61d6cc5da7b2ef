//! `graph`: the unified graph as JSON (the contract), Graphviz dot, or Mermaid.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use strata_check::Analysis;
use strata_core::{Node, NodeId};
use strata_nix::HostFacts;

use super::{facts_of, host_facts, resolve};

/// `{ "version": 1, "nodes": [...], "edges": [...] }`, sorted by id, in
/// pieces: one per node and edge, each made on any thread, so the caller
/// scrubs and prints them without joining them into one text (206 MB on
/// 10,000 hosts).
///
/// Serialized straight from the graph, borrowing its nodes and the hosts'
/// facts (copying each host's facts into a JSON tree first cost more than
/// the analysis on thousands of hosts): the pieces join into exactly what
/// `serde_json::to_string_pretty` gives for the whole document.
pub fn json_pieces(analysis: &Analysis) -> Vec<String> {
    let facts = host_facts(analysis);
    let nodes: Vec<&Node> = analysis.graph.nodes().collect();
    let edges: Vec<_> = analysis.graph.edges().collect();
    let mut pieces = Vec::with_capacity(nodes.len() + edges.len() + 6);
    pieces.push("{\n  \"version\": 1,\n".to_string());
    push_array(&mut pieces, "nodes", nodes.len(), true, |i| {
        let n = nodes[i];
        pretty(&node_json(analysis, n, facts_of(&facts, n)))
    });
    push_array(&mut pieces, "edges", edges.len(), false, |i| {
        let e = &edges[i];
        pretty(&EdgeJson {
            from: &e.from,
            to: &e.to,
            kind: e.kind.as_str(),
            reason: e.reason.as_deref(),
        })
    });
    pieces.push("}\n".to_string());
    pieces
}

/// One value as pretty JSON at the top level.
fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string())
}

/// `  "key": [ items… ]` as the pretty printer writes a top-level entry,
/// for `count` items that `item` prints at the top level: each is
/// indented two levels (JSON text holds no raw newline inside a string, so
/// indenting line by line is exact), on any thread; `[]` when empty.
fn push_array(
    pieces: &mut Vec<String>,
    key: &str,
    count: usize,
    more: bool,
    item: impl Fn(usize) -> String + Sync,
) {
    let close = if more { "  ],\n" } else { "  ]\n" };
    if count == 0 {
        pieces.push(format!("  \"{key}\": []{}", &close[3..]));
        return;
    }
    pieces.push(format!("  \"{key}\": [\n"));
    pieces.par_extend((0..count).into_par_iter().map(|i| {
        let text = item(i);
        let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
        for (j, line) in text.split('\n').enumerate() {
            if j > 0 {
                out.push('\n');
            }
            out.push_str("    ");
            out.push_str(line);
        }
        out.push_str(if i + 1 < count { ",\n" } else { "\n" });
        out
    }));
    pieces.push(close.to_string());
}

#[derive(Serialize)]
struct NodeJson<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// With several clusters, the node's cluster is a field of its own (the
    /// contract), not an attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a Value>,
    /// Applied in several clusters: all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    clusters: Option<&'a Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attrs: BTreeMap<&'a str, Attr<'a>>,
}

/// A node attribute: the graph's JSON, or a host's typed facts.
#[derive(Serialize)]
#[serde(untagged)]
enum Attr<'a> {
    Json(&'a Value),
    Facts(&'a HostFacts),
}

#[derive(Serialize)]
struct EdgeJson<'a> {
    from: &'a NodeId,
    to: &'a NodeId,
    kind: &'static str,
    /// Cross-layer edges say why (an extra field; the contract's stay).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn node_json<'a>(analysis: &Analysis, n: &'a Node, facts: Option<&'a HostFacts>) -> NodeJson<'a> {
    let at = n.location.as_ref().map(|l| resolve(analysis, l));
    let clusters = n
        .attrs
        .get("clusters")
        .filter(|c| c.as_array().is_some_and(|c| c.len() > 1));
    NodeJson {
        id: n.id.as_str(),
        kind: n.kind(),
        name: n.name(),
        file: at.as_ref().map(|at| at.file),
        line: at.map(|at| at.start.line),
        cluster: n.attrs.get("cluster"),
        clusters,
        attrs: n
            .attrs
            .iter()
            .filter(|(k, _)| *k != "cluster" && *k != "clusters")
            .map(|(k, v)| (k, Attr::Json(v)))
            .chain(facts.map(|f| ("facts", Attr::Facts(f))))
            .collect(),
    }
}

/// Graphviz: one cluster per layer, edges labelled with their kind.
pub fn dot(analysis: &Analysis) -> String {
    let mut out = String::from(
        "digraph strata {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for (layer, ids) in by_layer(analysis) {
        out.push_str(&format!(
            "  subgraph \"cluster_{layer}\" {{\n    label=\"{layer}\";\n"
        ));
        for id in ids {
            let shape = match id.kind() {
                "host" => "box3d",
                "file" => "note",
                "input" => "cylinder",
                _ => "box",
            };
            out.push_str(&format!("    {} [shape={shape}];\n", quote(id.as_str())));
        }
        out.push_str("  }\n");
    }
    for e in analysis.graph.edges() {
        out.push_str(&format!(
            "  {} -> {} [label={}];\n",
            quote(e.from.as_str()),
            quote(e.to.as_str()),
            quote(e.kind.as_str())
        ));
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart; node ids are `n0…` with the real id as label.
pub fn mermaid(analysis: &Analysis) -> String {
    let index: BTreeMap<&NodeId, usize> = analysis
        .graph
        .nodes()
        .enumerate()
        .map(|(i, n)| (&n.id, i))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (layer, ids) in by_layer(analysis) {
        out.push_str(&format!("  subgraph {layer}\n"));
        for id in ids {
            out.push_str(&format!(
                "    n{}[\"{}\"]\n",
                index[id],
                id.as_str().replace('"', "#quot;")
            ));
        }
        out.push_str("  end\n");
    }
    for e in analysis.graph.edges() {
        out.push_str(&format!(
            "  n{} -->|{}| n{}\n",
            index[&e.from],
            e.kind.as_str(),
            index[&e.to]
        ));
    }
    out
}

/// Nodes grouped as `nix` (hosts, files, inputs) and `flux` (objects).
fn by_layer(analysis: &Analysis) -> Vec<(&'static str, Vec<&NodeId>)> {
    let (nix, flux): (Vec<&NodeId>, Vec<&NodeId>) = analysis
        .graph
        .nodes()
        .map(|n| &n.id)
        .partition(|id| matches!(id.kind(), "host" | "file" | "input"));
    [("nix", nix), ("flux", flux)]
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .collect()
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{pretty, push_array};

    /// The document assembled from separately printed items is the text the
    /// pretty printer gives for the whole, nested values and escaped
    /// newlines included.
    #[test]
    fn assembled_text_is_the_pretty_printers() {
        let nodes = vec![
            json!({ "id": "host/a", "attrs": { "facts": { "list": [1, [2, {}], []], "s": "x\ny" } } }),
            json!({ "id": "file/b.nix", "kind": "file" }),
        ];
        for edges in [vec![], vec![json!({ "from": "a", "to": "b" })]] {
            let whole = json!({ "version": 1, "nodes": nodes, "edges": edges });
            let mut pieces = vec![String::from("{\n  \"version\": 1,\n")];
            push_array(&mut pieces, "nodes", nodes.len(), true, |i| {
                pretty(&nodes[i])
            });
            push_array(&mut pieces, "edges", edges.len(), false, |i| {
                pretty(&edges[i])
            });
            pieces.push("}\n".to_string());
            assert_eq!(
                pieces.concat(),
                serde_json::to_string_pretty(&whole).unwrap() + "\n"
            );
        }
    }
}
