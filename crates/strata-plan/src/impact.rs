//! Which nodes a change can alter: the changed nodes, and everything that
//! takes content from them.
//!
//! The walk goes from each changed node to its dependents (edges point from
//! the dependent) along the edges that carry content into the dependent's
//! deployed result: `imports` (a host builds the files it imports), `uses`
//! (the flake builds with its inputs), `contains` (a Kustomization applies
//! what its build holds), `source`, `depends-on` and `requires`. `joins` only
//! orders deploys: a flag changed on a k3s server does not change an agent's
//! configuration.
//!
//! A host also takes content from the file that declares it (`flake.nix`),
//! so a changed input or flake reaches every host declared there.
//!
//! Two stops keep the set exact: a Flux Kustomization that is impacted
//! because of what it applies does not impact the Kustomization applying it
//! (that one applies the child's manifest, which did not change), and a host
//! whose toplevel derivation Nix evaluated identical before and after is not
//! impacted through its files.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use strata_check::Analysis;
use strata_core::{EdgeKind, Graph, NodeId};

use crate::diff::Change;

/// The edges along which a change reaches a dependent's deployed result.
pub const CONTENT_EDGES: &[EdgeKind] = &[
    EdgeKind::Imports,
    EdgeKind::Uses,
    EdgeKind::Contains,
    EdgeKind::Source,
    EdgeKind::DependsOn,
    EdgeKind::Requires,
];

/// Every node whose deployed result `changes` can alter, present in the
/// newer revision (or removed by the change itself).
pub(crate) fn impacted(
    changes: &[Change],
    from: &Analysis,
    to: &Analysis,
    unchanged_hosts: &BTreeSet<String>,
) -> BTreeSet<NodeId> {
    let start: BTreeSet<NodeId> = changes.iter().map(|c| c.id.clone()).collect();
    let mut impacted = start.clone();
    impacted.extend(walk(&to.graph, &start, unchanged_hosts));
    // What a removal impacts is found in the revision that still had it.
    let mut reached_before = walk(&from.graph, &start, unchanged_hosts);
    reached_before.retain(|id| to.graph.contains(id));
    impacted.extend(reached_before);
    // Files the evaluator read (JSON host lists, `readFile`) are no graph
    // nodes; the change names the hosts that read them.
    for change in changes {
        for host in &change.hosts {
            if !unchanged_hosts.contains(host) && to.graph.contains(&NodeId::host(host)) {
                impacted.insert(NodeId::host(host));
            }
        }
    }
    impacted
}

/// The dependents reachable from `start` in `graph` along content edges.
fn walk(
    graph: &Graph,
    start: &BTreeSet<NodeId>,
    unchanged_hosts: &BTreeSet<String>,
) -> BTreeSet<NodeId> {
    let mut dependents: BTreeMap<&NodeId, Vec<(&NodeId, EdgeKind)>> = BTreeMap::new();
    // A host is built from the expression that declares it (`flake.nix`'s
    // `nixosSystem { … }`, with the flake's inputs): that file carries
    // content into the host as an import does.
    let declaring_files: Vec<(NodeId, &NodeId)> = graph
        .nodes()
        .filter(|n| n.id.kind() == "host")
        .filter_map(|n| Some((NodeId::file(&n.location.as_ref()?.file), &n.id)))
        .collect();
    for (file, host) in &declaring_files {
        if let Some(file) = graph.node(file) {
            dependents
                .entry(&file.id)
                .or_default()
                .push((host, EdgeKind::Imports));
        }
    }
    for node in graph.nodes() {
        for (dependency, kind) in graph.outgoing(&node.id) {
            if CONTENT_EDGES.contains(&kind) {
                dependents
                    .entry(dependency)
                    .or_default()
                    .push((&node.id, kind));
            }
        }
    }
    let mut seen: BTreeSet<NodeId> = BTreeSet::new();
    let mut queue: VecDeque<&NodeId> = start
        .iter()
        .filter_map(|id| graph.node(id).map(|n| &n.id))
        .collect();
    while let Some(node) = queue.pop_front() {
        for &(dependent, kind) in dependents.get(node).into_iter().flatten() {
            if kind == EdgeKind::Contains && node.kind() == "Kustomization" && !start.contains(node)
            {
                continue;
            }
            if dependent.kind() == "host" && unchanged_hosts.contains(dependent.name()) {
                continue;
            }
            if !start.contains(dependent) && seen.insert(dependent.clone()) {
                queue.push_back(dependent);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::Node;

    fn graph(edges: &[(&str, &str, EdgeKind)]) -> Graph {
        let mut graph = Graph::new();
        for (from, to, _) in edges {
            for id in [from, to] {
                if !graph.contains(&NodeId::from_raw(*id)) {
                    graph.add_node(Node::new(NodeId::from_raw(*id), None));
                }
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

    fn ids(names: &[&str]) -> BTreeSet<NodeId> {
        names.iter().map(|n| NodeId::from_raw(*n)).collect()
    }

    #[test]
    fn joins_carries_no_content() {
        let g = graph(&[
            ("host/agent", "host/server", EdgeKind::Joins),
            ("host/server", "file/k3s.nix", EdgeKind::Imports),
        ]);
        let reached = walk(&g, &ids(&["file/k3s.nix"]), &BTreeSet::new());
        assert_eq!(reached, ids(&["host/server"]));
    }

    #[test]
    fn a_kustomization_impacted_by_its_content_does_not_impact_its_parent() {
        let g = graph(&[
            (
                "Kustomization/flux-system/flux-system",
                "Kustomization/flux-system/apps",
                EdgeKind::Contains,
            ),
            (
                "Kustomization/flux-system/apps",
                "HelmRelease/media/jellyfin",
                EdgeKind::Contains,
            ),
            (
                "HelmRelease/media/jellyfin",
                "HelmRepository/flux-system/charts",
                EdgeKind::Source,
            ),
            (
                "Kustomization/flux-system/late",
                "Kustomization/flux-system/apps",
                EdgeKind::DependsOn,
            ),
        ]);
        let reached = walk(
            &g,
            &ids(&["HelmRepository/flux-system/charts"]),
            &BTreeSet::new(),
        );
        assert_eq!(
            reached,
            ids(&[
                "HelmRelease/media/jellyfin",
                "Kustomization/flux-system/apps",
                "Kustomization/flux-system/late",
            ])
        );
    }

    #[test]
    fn a_host_nix_finds_unchanged_is_not_impacted() {
        let g = graph(&[
            ("host/a", "file/common.nix", EdgeKind::Imports),
            ("host/b", "file/common.nix", EdgeKind::Imports),
        ]);
        let unchanged = BTreeSet::from(["b".to_string()]);
        assert_eq!(
            walk(&g, &ids(&["file/common.nix"]), &unchanged),
            ids(&["host/a"])
        );
    }
}
