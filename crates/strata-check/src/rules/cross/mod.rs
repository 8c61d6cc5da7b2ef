//! Rules that need both layers: what the Flux tree deploys onto a k3s
//! cluster judged against the NixOS configuration of its hosts. They read
//! the typed [`crate::cluster::ClusterView`]s, never graph attributes.

pub mod cross_cni_flannel;
pub mod cross_ingress_class_unserved;
pub mod cross_kube_proxy_replacement;
pub mod cross_network_mismatch;
pub mod cross_servicelb_conflict;
pub mod cross_traefik_conflict;
pub mod host_network_port_closed;
pub mod k3s_server_vip_unprovided;
pub mod lb_pool_conflict;
pub mod node_placement_unsatisfiable;
pub mod storage_iscsi_missing;
pub mod storage_nfs_client_missing;
pub mod storage_replicas_exceed_nodes;

use std::collections::BTreeMap;

use strata_core::{Code, Diagnostic, Location, NodeId};

use crate::cluster::{ClusterNode, ClusterView};
use crate::rules::Context;

/// `file:line` of a location, for messages that name the other layer.
pub(crate) fn place(cx: &Context<'_>, location: &Location) -> String {
    let sources = [&cx.flux.sources, &cx.nix.sources];
    match sources.iter().find_map(|s| s.start_of(location)) {
        Some(lc) => format!("{}:{}", location.file, lc.line),
        None => location.file.clone(),
    }
}

/// The servers of a view whose flags are all known and for which
/// `offends` gives `Some(place)` (the flag to point at, or `None` for
/// where `extraFlags` belongs), grouped by that place: servers sharing one
/// module get one finding.
pub(crate) fn offending_servers<'v, 'a>(
    view: &'v ClusterView<'a>,
    offends: impl Fn(&ClusterNode<'a>) -> Option<Option<Location>>,
) -> Vec<(Option<Location>, Vec<&'v ClusterNode<'a>>)> {
    let mut groups: BTreeMap<Option<Location>, Vec<&'v ClusterNode<'a>>> = BTreeMap::new();
    for server in view.servers().filter(|s| s.settings.complete) {
        if let Some(at) = offends(server) {
            groups
                .entry(at.or_else(|| server.k3s_location()))
                .or_default()
                .push(server);
        }
    }
    groups.into_iter().collect()
}

/// One finding on a group of servers; `message` gets "server `a`" or
/// "servers `a`, `b`".
pub(crate) fn server_finding(
    code: Code,
    location: Option<Location>,
    servers: &[&ClusterNode<'_>],
    message: impl FnOnce(&str) -> String,
    help: String,
) -> Diagnostic {
    let names: Vec<String> = servers
        .iter()
        .map(|s| format!("`{}`", s.host().name))
        .collect();
    let names = match names.len() {
        1 => format!("server {}", names[0]),
        _ => format!("servers {}", names.join(", ")),
    };
    let mut d = Diagnostic::new(code, message(&names))
        .on(NodeId::host(&servers[0].host().name))
        .help(help);
    if let Some(l) = location {
        d = d.at(l);
    }
    d
}
