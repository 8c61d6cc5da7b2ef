//! k3s clusters read from the typed host facts, and the rolling order a
//! change to their nodes must follow: servers one at a time so etcd keeps
//! quorum, agents after the servers in batches of `max_unavailable`.

use std::collections::{BTreeMap, BTreeSet};

use strata_check::Analysis;
use strata_core::{EdgeKind, NodeId};
use strata_nix::{Fact, HostFacts};

use crate::bootstrap::reaches;
use crate::{Constraint, assign_waves};

/// What a host is in its k3s cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum K3sRole {
    /// Runs the control plane and (embedded) etcd.
    Server,
    /// Runs workloads only.
    Agent,
}

/// One k3s node of the repository.
#[derive(Clone, Debug)]
pub(crate) struct K3sMember {
    /// Its role.
    pub role: K3sRole,
    /// The Kubernetes node name (`networking.hostName`, which k3s registers,
    /// else the host's name).
    pub node_name: String,
    /// Which cluster it belongs to (an index into [`K3sClusters::servers`]).
    pub cluster: usize,
}

/// Every k3s node of the repository, grouped into clusters.
#[derive(Clone, Debug, Default)]
pub(crate) struct K3sClusters {
    /// The k3s nodes by host id.
    pub members: BTreeMap<NodeId, K3sMember>,
    /// How many servers each cluster has (all of them, changed or not).
    pub servers: Vec<usize>,
    /// How many nodes (servers and agents) each cluster has.
    pub nodes: Vec<usize>,
}

impl K3sClusters {
    /// Reads the k3s nodes from the typed host facts and groups them along
    /// the graph's `joins` edges; nodes joining the same address that is no
    /// host of the repository (a virtual IP) share a cluster, and so does
    /// the one server that initialises a cluster without joining any.
    pub fn read(analysis: &Analysis) -> Self {
        let mut hosts: BTreeMap<NodeId, (&HostFacts, K3sRole)> = BTreeMap::new();
        for host in &analysis.nix.hosts {
            if let Some(role) = k3s_role(host) {
                hosts.insert(NodeId::host(&host.name), (host, role));
            }
        }
        let ids: Vec<&NodeId> = hosts.keys().collect();
        let index: BTreeMap<&NodeId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut parent: Vec<usize> = (0..ids.len()).collect();
        for edge in analysis.graph.edges() {
            if edge.kind == EdgeKind::Joins
                && let (Some(a), Some(b)) = (index.get(&edge.from), index.get(&edge.to))
            {
                union(&mut parent, *a, *b);
            }
        }
        // Joiners of an address no host owns: group them by that address.
        let joins_host: BTreeSet<&NodeId> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == EdgeKind::Joins)
            .filter_map(|e| index.get(&e.from).map(|i| ids[*i]))
            .collect();
        let mut by_address: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut initialisers = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let (host, role) = hosts[*id];
            let k3s = host.k3s.as_ref();
            let address = k3s
                .and_then(|k| k.server_addr.value())
                .filter(|a| !a.trim().is_empty());
            match address {
                Some(address) if !joins_host.contains(id) => {
                    by_address.entry(address.clone()).or_default().push(i);
                }
                None if role == K3sRole::Server
                    && k3s.and_then(|k| k.cluster_init.value()) == Some(&true) =>
                {
                    initialisers.push(i);
                }
                _ => {}
            }
        }
        for members in by_address.values() {
            for pair in members.windows(2) {
                union(&mut parent, pair[0], pair[1]);
            }
            if let ([init], Some(first)) = (initialisers.as_slice(), members.first()) {
                union(&mut parent, *init, *first);
            }
        }
        // Number the clusters by their first host id, for stable output.
        let mut cluster_of_root: BTreeMap<usize, usize> = BTreeMap::new();
        let mut members = BTreeMap::new();
        let mut servers = Vec::new();
        let mut nodes = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let root = find(&mut parent, i);
            let next = cluster_of_root.len();
            let cluster = *cluster_of_root.entry(root).or_insert(next);
            if cluster == servers.len() {
                servers.push(0);
                nodes.push(0);
            }
            nodes[cluster] += 1;
            let (host, role) = hosts[*id];
            if role == K3sRole::Server {
                servers[cluster] += 1;
            }
            members.insert(
                (*id).clone(),
                K3sMember {
                    role,
                    node_name: host
                        .hostname
                        .value()
                        .cloned()
                        .unwrap_or_else(|| host.name.clone()),
                    cluster,
                },
            );
        }
        K3sClusters {
            members,
            servers,
            nodes,
        }
    }

    /// The k3s node a host is, if any.
    pub fn member(&self, host: &NodeId) -> Option<&K3sMember> {
        self.members.get(host)
    }
}

/// A host's k3s role: `None` when k3s is not enabled. A role or an `enable`
/// strata cannot read counts as a server, the cautious reading (a server is
/// changed alone).
fn k3s_role(host: &HostFacts) -> Option<K3sRole> {
    let k3s = host.k3s.as_ref()?;
    match &k3s.enable {
        Fact::Known { value: false, .. } | Fact::Unset => return None,
        Fact::Known { value: true, .. } | Fact::Unknown { .. } => {}
    }
    match k3s.role.value().map(String::as_str) {
        Some("agent") => Some(K3sRole::Agent),
        _ => Some(K3sRole::Server),
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(parent, a), find(parent, b));
    if a != b {
        parent[a.max(b)] = a.min(b);
    }
}

/// How many servers of `n` may be down while etcd keeps quorum: ⌊(n−1)/2⌋.
pub fn tolerated_down(servers: usize) -> usize {
    servers.saturating_sub(1) / 2
}

/// Why k3s servers change one at a time, with the quorum arithmetic.
pub(crate) fn quorum_reason(servers: usize) -> String {
    let tolerated = tolerated_down(servers);
    if tolerated == 0 {
        format!(
            "one k3s server at a time: with {servers} server{} etcd tolerates none down (⌊({servers}−1)/2⌋ = 0), so the control plane is unavailable while this one restarts",
            if servers == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "one k3s server at a time: {servers} servers keep etcd quorum with at most ⌊({servers}−1)/2⌋ = {tolerated} down"
        )
    }
}

/// The constraints that roll a change through each k3s cluster, added to
/// `constraints` (which already orders the targets by their dependencies):
///
/// - the cluster's changed servers one after another, in the order the
///   dependencies give (then by id), so at most one is down at a time;
/// - its changed agents after its changed servers (k3s's version skew
///   policy: an agent never runs a newer k3s than the servers), unless a
///   dependency orders an agent first;
/// - its agents in batches of `max_unavailable`, each batch after the
///   previous one.
///
/// Each added constraint follows one topological order of what is already
/// there, so no cycle is ever created.
pub(crate) fn rolling_constraints(
    clusters: &K3sClusters,
    targets: &BTreeSet<NodeId>,
    constraints: &mut Vec<Constraint>,
    max_unavailable: usize,
) -> Result<(), Vec<NodeId>> {
    let max_unavailable = max_unavailable.max(1);
    let members_of = |role: K3sRole, cluster: usize| -> Vec<&NodeId> {
        targets
            .iter()
            .filter(|t| {
                clusters
                    .member(t)
                    .is_some_and(|m| m.role == role && m.cluster == cluster)
            })
            .collect()
    };
    for cluster in 0..clusters.servers.len() {
        let waves = assign_waves(targets, constraints)?;
        let mut changed_servers = members_of(K3sRole::Server, cluster);
        changed_servers.sort_by_key(|t| (waves[*t], *t));
        for pair in changed_servers.windows(2) {
            constraints.push(Constraint {
                before: pair[0].clone(),
                after: pair[1].clone(),
                reason: format!(
                    "k3s servers change one at a time (etcd quorum): after {}",
                    pair[0].name()
                ),
            });
        }
        let agents = members_of(K3sRole::Agent, cluster);
        for agent in &agents {
            for server in &changed_servers {
                if !reaches(constraints, agent, server) {
                    constraints.push(Constraint {
                        before: (*server).clone(),
                        after: (*agent).clone(),
                        reason: "k3s changes servers before agents: an agent must never run a newer k3s than its servers".to_string(),
                    });
                }
            }
        }
        let waves = assign_waves(targets, constraints)?;
        let mut agents = agents;
        agents.sort_by_key(|t| (waves[*t], *t));
        let batches: Vec<&[&NodeId]> = agents.chunks(max_unavailable).collect();
        for pair in batches.windows(2) {
            let names: Vec<&str> = pair[0].iter().map(|t| t.name()).collect();
            for after in pair[1] {
                for before in pair[0] {
                    constraints.push(Constraint {
                        before: (*before).clone(),
                        after: (*after).clone(),
                        reason: format!(
                            "at most {max_unavailable} k3s agent{} unavailable at once (--max-unavailable): after {}",
                            if max_unavailable == 1 { "" } else { "s" },
                            names.join(", ")
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tolerated_down;

    #[test]
    fn quorum_tolerates_a_minority() {
        let table: Vec<usize> = (1..=7).map(tolerated_down).collect();
        assert_eq!(table, [0, 0, 1, 1, 2, 2, 3]);
        assert_eq!(tolerated_down(0), 0);
    }
}
