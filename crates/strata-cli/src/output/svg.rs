//! `graph --format svg`: the graph as a picture, laid out in Rust
//! (`layout.rs`), so no Graphviz is needed. The same drawing is the graph
//! of the HTML report, which adds pan, zoom and a details panel.

use strata_core::Graph;

use super::layout::{self, Layout, layer};

/// Escapes text for XML/HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// A standalone SVG document (colours inline, no script).
pub fn document(graph: &Graph) -> String {
    let layout = layout::compute(graph);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\" \
         font-family=\"monospace\" font-size=\"12\">\n<title>strata graph</title>\n",
        w = layout.width,
        h = layout.height
    );
    out.push_str(STANDALONE_STYLE);
    out.push_str("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    out.push_str(&drawing(&layout));
    out.push_str("</svg>\n");
    out
}

/// Styles of the standalone SVG (the report has its own stylesheet).
const STANDALONE_STYLE: &str = "<style>
.edge{fill:none;stroke:#8a94a6;stroke-width:1.2}
.edge.cross{stroke:#d9480f;stroke-width:2.6}
.node rect{stroke-width:1.2}
.node.nix rect{fill:#e7f0ff;stroke:#3b5bdb}
.node.flux rect{fill:#e6fcf5;stroke:#0c8599}
.node.host rect{fill:#d0e1ff;stroke-width:2}
.node text{fill:#1c2331}
</style>
";

/// Arrow markers, edges, then nodes, as SVG elements. Every element carries
/// its id in a `data-` attribute and a `<title>`, so the report's script and
/// a reader hovering the standalone picture both find out what it is.
pub fn drawing(layout: &Layout) -> String {
    let mut out = String::from(
        "<defs>\
<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8a94a6\"/></marker>\
<marker id=\"arrow-cross\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d9480f\"/></marker>\
</defs>\n<g class=\"edges\">\n",
    );
    // Cross-layer edges last, so they are drawn over the others.
    let mut edges: Vec<_> = layout.edges.iter().collect();
    edges.sort_by_key(|e| e.crosses_layers());
    for edge in edges {
        if edge.path.is_empty() {
            continue;
        }
        let cross = edge.crosses_layers();
        let marker = if cross { "arrow-cross" } else { "arrow" };
        let end = if edge.head_at_start {
            "marker-start"
        } else {
            "marker-end"
        };
        out.push_str(&format!(
            "<path class=\"edge {kind}{cross}\" data-from=\"{from}\" data-to=\"{to}\" d=\"{d}\" {end}=\"url(#{marker})\"><title>{from} {kind} {to}</title></path>\n",
            kind = edge.kind.as_str(),
            cross = if cross { " cross" } else { "" },
            from = escape(edge.from.as_str()),
            to = escape(edge.to.as_str()),
            d = edge.path,
        ));
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for node in &layout.nodes {
        let id = escape(node.id.as_str());
        out.push_str(&format!(
            "<g class=\"node {layer} {kind}\" data-id=\"{id}\"><title>{id}</title>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"4\"/>\
<text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" dominant-baseline=\"central\">{id}</text></g>\n",
            layer = layer(&node.id),
            kind = escape(&css_class(node.id.kind())),
            x = node.x,
            y = node.y,
            w = node.width,
            h = node.height,
            tx = node.x + node.width / 2.0,
            ty = node.y + node.height / 2.0,
        ));
    }
    out.push_str("</g>\n");
    out
}

/// A node kind as a CSS class: lower case, letters and digits only.
fn css_class(kind: &str) -> String {
    kind.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use strata_core::{EdgeKind, Graph, Node, NodeId};

    use super::document;

    fn graph(edges: &[(&str, &str, EdgeKind)]) -> Graph {
        let mut graph = Graph::new();
        for (from, to, _) in edges {
            for id in [from, to] {
                graph.add_node(Node::new(NodeId::from_raw(*id), None));
            }
        }
        for (from, to, kind) in edges {
            graph.add_edge(
                &NodeId::from_raw(*from),
                &NodeId::from_raw(*to),
                *kind,
                None,
            );
        }
        graph
    }

    /// The `class` of the edge drawn from `from` to `to`.
    fn edge_class(svg: &str, from: &str, to: &str) -> String {
        let needle = format!("data-from=\"{from}\" data-to=\"{to}\"");
        let at = svg
            .find(&needle)
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"));
        let start = svg[..at].rfind("class=\"").expect("class") + 7;
        svg[start..]
            .split('"')
            .next()
            .expect("class value")
            .to_string()
    }

    #[test]
    fn edges_between_the_layers_stand_out() {
        let svg = document(&graph(&[
            (
                "HelmRelease/storage/longhorn",
                "host/nas",
                EdgeKind::Requires,
            ),
            ("host/nas", "file/hosts/nas.nix", EdgeKind::Imports),
            (
                "Kustomization/flux-system/apps",
                "HelmRelease/storage/longhorn",
                EdgeKind::Contains,
            ),
            ("host/nas", "ConfigMap/kube-system/k3s", EdgeKind::Source),
        ]));
        assert_eq!(
            edge_class(&svg, "HelmRelease/storage/longhorn", "host/nas"),
            "edge requires cross"
        );
        assert_eq!(
            edge_class(&svg, "host/nas", "ConfigMap/kube-system/k3s"),
            "edge source cross"
        );
        assert_eq!(
            edge_class(&svg, "host/nas", "file/hosts/nas.nix"),
            "edge imports"
        );
        assert_eq!(
            edge_class(
                &svg,
                "Kustomization/flux-system/apps",
                "HelmRelease/storage/longhorn"
            ),
            "edge contains"
        );
        // Drawn last, over the other edges, with their own arrow head.
        let last_plain = svg.rfind("class=\"edge contains").expect("plain edge");
        let first_cross = svg.find("class=\"edge requires cross").expect("cross edge");
        assert!(first_cross > last_plain);
        assert!(svg.contains("marker-end=\"url(#arrow-cross)\""));
    }

    #[test]
    fn nodes_are_drawn_by_layer_and_text_is_escaped() {
        let svg = document(&graph(&[(
            "ConfigMap/default/a<b>&\"c\"",
            "input/nixpkgs",
            EdgeKind::Uses,
        )]));
        assert!(svg.contains("<g class=\"node flux configmap\" data-id=\"ConfigMap/default/a&lt;b&gt;&amp;&quot;c&quot;\">"));
        assert!(svg.contains("<g class=\"node nix input\" data-id=\"input/nixpkgs\">"));
        assert!(!svg.contains("a<b>"));
    }

    #[test]
    fn cycles_and_self_loops_are_drawn() {
        let svg = document(&graph(&[
            (
                "Kustomization/flux-system/a",
                "Kustomization/flux-system/b",
                EdgeKind::DependsOn,
            ),
            (
                "Kustomization/flux-system/b",
                "Kustomization/flux-system/a",
                EdgeKind::DependsOn,
            ),
            (
                "Kustomization/flux-system/c",
                "Kustomization/flux-system/c",
                EdgeKind::DependsOn,
            ),
        ]));
        assert_eq!(svg.matches("<path class=\"edge depends-on\"").count(), 3);
        assert_eq!(svg.matches(" d=\"M ").count(), 3, "{svg}");
    }

    #[test]
    fn an_empty_graph_is_an_empty_picture() {
        let svg = document(&Graph::new());
        assert!(svg.contains("<svg "));
        assert!(!svg.contains("class=\"node "));
    }
}
