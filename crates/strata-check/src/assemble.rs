//! Builds the unified graph from both layers.
//!
//! Nodes: every Nix file, flake input and host; every object of an applied
//! Flux build. Edges point from the dependent to what it needs.

use std::collections::HashMap;

use rayon::prelude::*;
use strata_core::{Diagnostic, EdgeKind, Graph, Location, Node, NodeId};
use strata_flux::{FluxTree, K8sObject, ReferenceKind};
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
    let clusters = clusters_by_id(flux);
    // Nodes first, so edges in any direction find both ends. Both are made
    // on every thread and added at once, as one by one in this order.
    let nodes: Vec<Node> = flux
        .objects
        .par_iter()
        .map(|object| object_node(object, clusters.get(&object.id)))
        .chain(flux.provided.par_iter().map(|provided| {
            // Secrets an ExternalSecret or SealedSecret creates exist in the
            // cluster without a file.
            Node::new(provided.id.clone(), Some(provided.location.clone()))
                .attr("file", provided.location.file.clone())
                .attr("providedBy", provided.provider.to_string())
        }))
        .collect();
    graph.add_nodes(nodes);
    // A provided Secret has a `source` edge to its maker.
    let provided_edges = flux.provided.par_iter().map(|provided| {
        vec![(
            provided.id.clone(),
            provided.provider.clone(),
            EdgeKind::Source,
            Some(provided.location.clone()),
        )]
    });
    let edges: Vec<_> = provided_edges
        .chain(flux.objects.par_iter().map(object_edges))
        .flatten()
        .collect();
    graph.add_edges(edges);
}

/// Every cluster that applies each object, sorted, for ids applied in more
/// than one place when the tree has several clusters: an object applied in
/// two clusters is one node, of the first.
fn clusters_by_id(flux: &FluxTree) -> HashMap<&NodeId, Vec<String>> {
    let mut clusters: HashMap<&NodeId, Vec<String>> = HashMap::new();
    if flux.clusters.len() > 1 {
        for object in &flux.objects {
            if let Some(cluster) = &object.cluster {
                let of_id = clusters.entry(&object.id).or_default();
                if !of_id.contains(cluster) {
                    of_id.push(cluster.clone());
                    of_id.sort();
                }
            }
        }
    }
    clusters
}

/// The node of one applied object.
fn object_node(object: &K8sObject, clusters: Option<&Vec<String>>) -> Node {
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
    // The cluster is only said when there is a choice.
    if object.cluster.is_some()
        && let Some(clusters) = clusters
    {
        node = node
            .attr("cluster", clusters[0].clone())
            .attr("clusters", serde_json::json!(clusters));
    }
    node
}

/// The edges of one applied object: from its Kustomization, and to
/// everything it references.
fn object_edges(object: &K8sObject) -> Vec<(NodeId, NodeId, EdgeKind, Option<Location>)> {
    let mut edges = Vec::with_capacity(object.refs.len() + 1);
    if let Some(parent) = &object.applied_by {
        edges.push((
            parent.clone(),
            object.id.clone(),
            EdgeKind::Contains,
            Some(object.location.clone()),
        ));
    }
    for reference in &object.refs {
        // `valuesFrom` and `substituteFrom` are where the object takes its
        // input from, as a source is: `source` edges. `depends-on` stays
        // Flux's own readiness ordering and `requires` is kept for
        // cross-layer needs.
        let kind = match reference.kind {
            ReferenceKind::DependsOn => EdgeKind::DependsOn,
            ReferenceKind::SourceRef
            | ReferenceKind::ChartRef
            | ReferenceKind::ValuesFrom
            | ReferenceKind::SubstituteFrom => EdgeKind::Source,
        };
        edges.push((
            object.id.clone(),
            reference.target.clone(),
            kind,
            Some(reference.location.clone()),
        ));
    }
    edges
}
