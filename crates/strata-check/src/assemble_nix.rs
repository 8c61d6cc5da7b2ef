//! The Nix half of the graph: files and their imports, flake inputs, hosts
//! with their facts, and the k3s `joins` edges between hosts.

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use strata_core::{EdgeKind, Graph, Location, Node, NodeId, Span};
use strata_nix::k3s::{self, Join};
use strata_nix::{HostFacts, NixFile, NixRepo};

pub(crate) fn add_nix(graph: &mut Graph, nix: &NixRepo) {
    // Made on every thread and added at once, as one by one in this order.
    let file_nodes = nix.files.par_iter().map(|file| {
        Node::new(
            NodeId::file(&file.path),
            Some(Location::new(&file.path, Span::at(0))),
        )
    });
    let input_nodes = nix.inputs.par_iter().map(|input| {
        let mut node = Node::new(NodeId::input(&input.name), Some(input.location.clone()));
        if let Some(url) = &input.url {
            node = node.attr("url", url.clone());
        }
        if let Some(rev) = &input.locked_rev {
            node = node.attr("rev", rev.clone());
        }
        node
    });
    let host_nodes = nix.hosts.par_iter().map(host_node);
    graph.add_nodes(file_nodes.chain(input_nodes).chain(host_nodes).collect());

    let mut edges = Vec::new();
    for file in &nix.files {
        let from = NodeId::file(&file.path);
        for import in &file.imports {
            edges.push((
                from.clone(),
                NodeId::file(&import.target),
                EdgeKind::Imports,
                Some(import.location.clone()),
            ));
        }
    }
    if graph.contains(&NodeId::file("flake.nix")) {
        for input in &nix.inputs {
            edges.push((
                NodeId::file("flake.nix"),
                NodeId::input(&input.name),
                EdgeKind::Uses,
                Some(input.location.clone()),
            ));
        }
    }
    let files_by_path: HashMap<&str, &NixFile> =
        nix.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let host_edges: Vec<_> = nix
        .hosts
        .par_iter()
        .map(|host| {
            let id = NodeId::host(&host.name);
            let mut edges: Vec<_> = host_root_files(&files_by_path, host)
                .iter()
                .map(|file| (id.clone(), NodeId::file(file), EdgeKind::Imports, None))
                .collect();
            if let Join::Server(server) = k3s::join(nix, host) {
                let location = k3s::server_addr(host).and_then(|(_, l)| l);
                edges.push((id, NodeId::host(&server.name), EdgeKind::Joins, location));
            }
            edges
        })
        .collect();
    edges.extend(host_edges.into_iter().flatten());
    graph.add_edges(edges);
}

/// The host node: its declaration and a summary of its deployment. Its
/// facts stay typed in `NixRepo::hosts` (outputs render them from there):
/// as JSON in the graph they were the bulk of the analysis's memory on
/// thousands of hosts.
fn host_node(host: &HostFacts) -> Node {
    let mut node = Node::new(NodeId::host(&host.name), host.location.clone());
    node = node.attr("deploy_tool", deploy_tool(host));
    if let Some(target) = host.deploy_target() {
        node = node.attr("deploy_target", target);
    }
    if let Some(role) = k3s_role(host) {
        node = node.attr("k3s_role", role);
    }
    if let Some(init) = k3s_cluster_init(host) {
        node = node.attr("k3s_cluster_init", init);
    }
    if let Some(system) = host.system.value() {
        node = node.attr("system", system.clone());
    }
    node
}

/// The files a host's module list names directly (not those reached only
/// through another imported file, which carry their own `imports` edges).
fn host_root_files(files_by_path: &HashMap<&str, &NixFile>, host: &HostFacts) -> Vec<String> {
    let files: BTreeSet<&str> = host.imported_files.iter().map(String::as_str).collect();
    let reached: BTreeSet<&str> = files
        .iter()
        .filter_map(|path| files_by_path.get(path))
        .flat_map(|f| f.imports.iter().map(|i| i.target.as_str()))
        .collect();
    files
        .iter()
        .filter(|f| !reached.contains(*f))
        .map(|f| f.to_string())
        .collect()
}

/// The best place to point at for a fact about a host: the fact's own
/// location, else where the host is declared.
pub(crate) fn fact_location<T>(fact: &strata_nix::Fact<T>, host: &HostFacts) -> Option<Location> {
    fact.location().cloned().or_else(|| host.location.clone())
}

// --- Accessors: the only places that know the shape of `HostFacts`. ---

fn deploy_tool(host: &HostFacts) -> &'static str {
    host.deploy_tool()
}

fn k3s_role(host: &HostFacts) -> Option<String> {
    host.k3s.as_ref().and_then(|k| k.role.value().cloned())
}

fn k3s_cluster_init(host: &HostFacts) -> Option<bool> {
    host.k3s
        .as_ref()
        .and_then(|k| k.cluster_init.value().copied())
}
