//! Builds the unified graph from both layers.
//!
//! Nodes: every Nix file, flake input and host; every object of an applied
//! Flux build. Edges point from the dependent to what it needs.

use strata_core::{Diagnostic, EdgeKind, Graph, Node};
use strata_flux::{FluxTree, ReferenceKind};
use strata_nix::NixRepo;

/// The graph, and findings that only assembly can see (none yet: rules
/// report unresolved references by comparing the layers with the graph).
pub(crate) fn assemble(nix: &NixRepo, flux: &FluxTree) -> (Graph, Vec<Diagnostic>) {
    let mut graph = Graph::new();
    let diagnostics = Vec::new();
    crate::assemble_nix::add_nix(&mut graph, nix);
    add_flux(&mut graph, flux);
    crate::assemble_rendered::add_rendered(&mut graph, nix, flux);
    (graph, diagnostics)
}

fn add_flux(graph: &mut Graph, flux: &FluxTree) {
    // Nodes first, so edges in any direction find both ends.
    for object in &flux.objects {
        let mut node = Node::new(object.id.clone(), Some(object.location.clone()))
            .attr("apiVersion", object.api_version.clone())
            .attr("file", object.location.file.clone());
        if let Some(ns) = &object.namespace {
            node = node.attr("namespace", ns.clone());
        }
        for (key, path) in [
            ("chart", "spec.chart.spec.chart"),
            ("version", "spec.chart.spec.version"),
            ("path", "spec.path"),
        ] {
            if let Some(value) = object.doc.path(path).and_then(|v| v.as_str()) {
                node = node.attr(key, value.to_string());
            }
        }
        if object.sops_encrypted {
            node = node.attr("sops", true);
        }
        // The cluster is only said when there is a choice; an object
        // applied in two clusters is one node, of the first.
        if flux.clusters.len() > 1
            && let Some(cluster) = &object.cluster
        {
            let mut clusters: Vec<String> = graph
                .node(&object.id)
                .and_then(|n| n.attrs.get("clusters"))
                .and_then(|c| serde_json::from_value(c.clone()).ok())
                .unwrap_or_default();
            if !clusters.contains(cluster) {
                clusters.push(cluster.clone());
                clusters.sort();
            }
            node = node
                .attr("cluster", clusters[0].clone())
                .attr("clusters", serde_json::json!(clusters));
        }
        graph.add_node(node);
    }
    // Secrets an ExternalSecret or SealedSecret creates exist in the cluster
    // without a file: they are nodes, with a `source` edge to their maker.
    for provided in &flux.provided {
        let node = Node::new(provided.id.clone(), Some(provided.location.clone()))
            .attr("file", provided.location.file.clone())
            .attr("providedBy", provided.provider.to_string());
        graph.add_node(node);
        graph.add_edge(
            &provided.id,
            &provided.provider,
            EdgeKind::Source,
            Some(provided.location.clone()),
        );
    }
    for object in &flux.objects {
        if let Some(parent) = &object.applied_by {
            graph.add_edge(
                parent,
                &object.id,
                EdgeKind::Contains,
                Some(object.location.clone()),
            );
        }
        for reference in &object.refs {
            // `valuesFrom` and `substituteFrom` are where the object takes
            // its input from, as a source is: `source` edges. `depends-on`
            // stays Flux's own readiness ordering and `requires` is kept for
            // cross-layer needs.
            let kind = match reference.kind {
                ReferenceKind::DependsOn => EdgeKind::DependsOn,
                ReferenceKind::SourceRef
                | ReferenceKind::ChartRef
                | ReferenceKind::ValuesFrom
                | ReferenceKind::SubstituteFrom => EdgeKind::Source,
            };
            graph.add_edge(
                &object.id,
                &reference.target,
                kind,
                Some(reference.location.clone()),
            );
        }
    }
}
