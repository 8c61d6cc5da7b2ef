//! The cross-layer `requires` edges, each with its reason: a cluster object
//! to the host configuration it needs (MetalLB → every k3s server, which
//! must disable servicelb; Longhorn → every node, which needs open-iscsi; a
//! workload → the hosts whose labels its node selector picks), and a host
//! to a cluster object it needs (a k3s node joining through a virtual IP a
//! kube-vip manifest announces).
//!
//! **Invariant:** an edge here says what the dependent needs, not whether
//! the host provides it: rules judge that; the plan orders along the edges.

use std::collections::BTreeSet;

use strata_core::{EdgeKind, Graph, NodeId};
use strata_nix::k3s::Join;

use super::{ClusterNode, ClusterView, LoadBalancerKind};

/// Adds every `requires` edge the cluster views imply.
pub(crate) fn add_requires(graph: &mut Graph, views: &[ClusterView<'_>]) {
    for view in views {
        let servers: Vec<&ClusterNode<'_>> = view.servers().collect();
        let d = &view.deployed;
        let mut seen = BTreeSet::new();
        // A pool stands for its load balancer only when nothing else of the
        // tree deploys that load balancer (installed outside the tree).
        let deployed_elsewhere = |kind: LoadBalancerKind| {
            d.load_balancers
                .iter()
                .any(|l| l.kind == kind && !d.pools.iter().any(|p| p.object.id == l.object.id))
        };
        for lb in &d.load_balancers {
            let is_pool = d.pools.iter().any(|p| p.object.id == lb.object.id);
            if (is_pool && deployed_elsewhere(lb.kind)) || !seen.insert((&lb.object.id, lb.kind)) {
                continue;
            }
            let reason = match lb.kind {
                LoadBalancerKind::MetalLb | LoadBalancerKind::KubeVip => format!(
                    "{} answers LoadBalancer Services: k3s servicelb must be disabled on every server (`--disable servicelb`)",
                    lb.kind.as_str()
                ),
                LoadBalancerKind::CiliumLbIpam => "Cilium LB IPAM assigns LoadBalancer addresses: k3s servicelb must be disabled on every server (`--disable servicelb`)".to_string(),
            };
            for s in &servers {
                edge(graph, &lb.object.id, s, &reason, Some(lb.location.clone()));
            }
        }
        for ic in d.ingress_controllers.iter().filter(|c| c.name != "traefik") {
            let reason = format!(
                "{} serves Ingresses: k3s's bundled Traefik must be disabled on every server (`--disable traefik`)",
                ic.name
            );
            for s in &servers {
                edge(graph, &ic.object.id, s, &reason, Some(ic.location.clone()));
            }
        }
        for cni in &d.cnis {
            let reason = format!(
                "{} is the cluster's CNI: every server must run k3s without flannel (`--flannel-backend=none`) and its network policy controller (`--disable-network-policy`)",
                cni.kind.as_str()
            );
            for s in &servers {
                edge(
                    graph,
                    &cni.object.id,
                    s,
                    &reason,
                    Some(cni.location.clone()),
                );
            }
        }
        for storage in &d.storage {
            // What the storage system needs on every node it runs on.
            let needs = [
                storage.needs_iscsi.then(|| format!(
                    "{} attaches volumes over iSCSI: every node it runs on needs open-iscsi (`services.openiscsi.enable`)",
                    storage.name
                )),
                storage.needs_nfs.then(|| format!(
                    "{} mounts NFS shares: every node it runs on needs an NFS client (`boot.supportedFilesystems = [ \"nfs\" ]`)",
                    storage.name
                )),
            ];
            for node in &view.nodes {
                for reason in needs.iter().flatten() {
                    edge(
                        graph,
                        &storage.object.id,
                        node,
                        reason,
                        Some(storage.location.clone()),
                    );
                }
            }
        }
        // A workload whose placement narrows the nodes it may run on needs
        // the hosts whose labels let it.
        for w in &d.workloads {
            if w.templated || (w.node_selector.is_empty() && w.required_node_terms.is_empty()) {
                continue;
            }
            if !view.nodes.iter().all(|n| n.settings.complete) {
                continue;
            }
            let fitting: Vec<&ClusterNode<'_>> =
                view.nodes.iter().filter(|n| n.selected_by(w)).collect();
            if fitting.is_empty() || fitting.len() == view.nodes.len() {
                continue;
            }
            let location = w
                .node_selector
                .first()
                .map(|(_, _, l)| l.clone())
                .or_else(|| {
                    w.required_node_terms
                        .iter()
                        .flatten()
                        .next()
                        .map(|r| r.location.clone())
                });
            for node in fitting {
                let reason = format!(
                    "its node selector picks nodes by label, and `{}` registers the labels it selects",
                    node.node_name()
                );
                edge(graph, &w.object.id, node, &reason, location.clone());
            }
        }
        // A node that joins through a virtual IP needs what announces it.
        for node in &view.nodes {
            let Join::External(address) = &node.topology.join else {
                continue;
            };
            for vip in d.virtual_ips.iter().filter(|v| &v.address == address) {
                let reason = format!(
                    "joins the k3s cluster through {address}, the virtual IP this object announces"
                );
                graph.add_edge_with_reason(
                    &NodeId::host(&node.host().name),
                    &vip.object.id,
                    EdgeKind::Requires,
                    Some(vip.location.clone()),
                    &reason,
                );
            }
        }
    }
}

fn edge(
    graph: &mut Graph,
    object: &NodeId,
    node: &ClusterNode<'_>,
    reason: &str,
    location: Option<strata_core::Location>,
) {
    graph.add_edge_with_reason(
        object,
        &NodeId::host(&node.host().name),
        EdgeKind::Requires,
        location,
        reason,
    );
}

#[cfg(test)]
mod tests {
    use strata_core::{EdgeKind, NodeId};

    use crate::testing::*;

    /// The example homelab: MetalLB, ingress-nginx and Longhorn each require
    /// every k3s server, with the reason on the edge.
    #[test]
    fn example_requires_edges_cross_the_layers() {
        let analysis = analyze_example();
        let requires: Vec<_> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == EdgeKind::Requires)
            .collect();
        let metallb = NodeId::from_raw("HelmRelease/metallb-system/metallb");
        for host in ["homelab-0", "homelab-1", "homelab-2"] {
            let edge = requires
                .iter()
                .find(|e| e.from == metallb && e.to == NodeId::host(host))
                .unwrap_or_else(|| panic!("MetalLB requires {host}: {requires:#?}"));
            assert!(
                edge.reason
                    .as_deref()
                    .unwrap()
                    .contains("--disable servicelb")
            );
            for from in [
                "HelmRelease/longhorn-system/longhorn",
                "HelmRelease/ingress-nginx/ingress-nginx",
            ] {
                assert!(
                    requires
                        .iter()
                        .any(|e| e.from == NodeId::from_raw(from) && e.to == NodeId::host(host))
                );
            }
        }
        // The pool stands for nothing more: MetalLB's release is in the tree.
        assert!(
            !requires
                .iter()
                .any(|e| e.from.as_str().starts_with("IPAddressPool/"))
        );
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
    }
}
