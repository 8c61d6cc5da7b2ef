//! `graph`: the unified graph as JSON (the contract), Graphviz dot, or Mermaid.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use strata_check::Analysis;
use strata_core::NodeId;

use super::{resolve, to_json_text};

/// `{ "version": 1, "nodes": [...], "edges": [...] }`, sorted by id.
pub fn json(analysis: &Analysis) -> String {
    let nodes: Vec<Value> = analysis
        .graph
        .nodes()
        .map(|n| {
            let mut object = Map::new();
            object.insert("id".into(), json!(n.id.as_str()));
            object.insert("kind".into(), json!(n.kind));
            object.insert("name".into(), json!(n.name));
            if let Some(location) = &n.location {
                let at = resolve(analysis, location);
                object.insert("file".into(), json!(at.file));
                object.insert("line".into(), json!(at.start.line));
            }
            // With several clusters, the node's cluster is a field of its
            // own (the contract), not an attribute.
            let mut attrs = n.attrs.clone();
            if let Some(cluster) = attrs.remove("cluster") {
                object.insert("cluster".into(), cluster);
            }
            // Applied in several clusters: all of them.
            if let Some(clusters) = attrs.remove("clusters")
                && clusters.as_array().is_some_and(|c| c.len() > 1)
            {
                object.insert("clusters".into(), clusters);
            }
            if !attrs.is_empty() {
                object.insert("attrs".into(), Value::Object(attrs.into_iter().collect()));
            }
            Value::Object(object)
        })
        .collect();
    let edges: Vec<Value> = analysis
        .graph
        .edges()
        .map(|e| {
            let mut edge =
                json!({ "from": e.from.as_str(), "to": e.to.as_str(), "kind": e.kind.as_str() });
            // Cross-layer edges say why (an extra field; the contract's stay).
            if let Some(reason) = &e.reason {
                edge["reason"] = json!(reason);
            }
            edge
        })
        .collect();
    to_json_text(&json!({ "version": 1, "nodes": nodes, "edges": edges }))
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
