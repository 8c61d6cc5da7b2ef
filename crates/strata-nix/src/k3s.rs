//! k3s topology: how each k3s node's `serverAddr` resolves to a host of the
//! repository, and the clusters that joins form.
//!
//! Joins are resolved once per node ([`K3sNode::join`]); rules, the graph's
//! `joins` edges and the plan all read them from here.
//!
//! **Invariant:** a host whose k3s `enable`, `role` or `serverAddr` is not
//! known statically is in no cluster: nothing is guessed about it.

use strata_core::Location;

use crate::{Fact, HostFacts, NixRepo};

/// How a k3s node joins its cluster.
#[derive(Clone, Debug, PartialEq)]
pub enum Join<'a> {
    /// Not a joining k3s node (no k3s, or no `serverAddr`).
    NotJoining,
    /// `serverAddr` names this host.
    Server(&'a HostFacts),
    /// `serverAddr` is the node's own address: a member that rejoins the
    /// cluster it already belongs to (its datastore exists).
    Itself,
    /// `serverAddr` names no host, but the repository runs a virtual IP
    /// (keepalived, kube-vip, haproxy): the address is the cluster's
    /// load-balanced front, an external join target.
    External(String),
    /// `serverAddr` is an IP address no host declares, while a k3s server
    /// of the repository has no static address (DHCP): which host it is
    /// cannot be decided.
    Undecidable(String),
    /// `serverAddr` names no known host: (the address, where it is written).
    Unresolved(String, Option<Location>),
    /// `serverAddr` could not be read statically.
    Unknown,
}

/// Resolves a host's `services.k3s.serverAddr` (`https://HOST:6443`) to the
/// host whose address, deploy target, hostName or name is `HOST`.
pub fn join<'a>(nix: &'a NixRepo, host: &HostFacts) -> Join<'a> {
    let Some((addr, location)) = server_addr(host) else {
        return Join::NotJoining;
    };
    let Some(addr) = addr else {
        return Join::Unknown;
    };
    if addr.trim().is_empty() {
        return Join::NotJoining;
    }
    let wanted = server_host_part(&addr);
    if host_names(host).iter().any(|n| n == wanted) {
        return Join::Itself;
    }
    let found = nix
        .hosts
        .iter()
        .filter(|h| h.name != host.name)
        .find(|h| host_names(h).iter().any(|n| n == wanted));
    if let Some(server) = found {
        return Join::Server(server);
    }
    if is_virtual_ip(nix, wanted) {
        return Join::External(wanted.to_string());
    }
    if wanted.parse::<std::net::IpAddr>().is_ok() && has_dhcp_server(nix, host) {
        return Join::Undecidable(wanted.to_string());
    }
    Join::Unresolved(addr, location)
}

/// Whether `address` is a virtual IP of the repository: a host's keepalived
/// `virtualIps`, or written in a Nix file that sets up kube-vip or haproxy
/// (their addresses live in manifests and configuration text).
fn is_virtual_ip(nix: &NixRepo, address: &str) -> bool {
    if nix
        .hosts
        .iter()
        .any(|h| h.virtual_ips.iter().any(|ip| ip == address))
    {
        return true;
    }
    nix.sources.iter().any(|f| {
        f.path().ends_with(".nix")
            && ["kube-vip", "kubevip", "haproxy", "keepalived"]
                .iter()
                .any(|w| f.text().contains(w))
            && f.text().contains(address)
    })
}

/// Whether some other k3s server of the repository has no static address
/// (its address comes from DHCP), so an IP could be its.
fn has_dhcp_server(nix: &NixRepo, joiner: &HostFacts) -> bool {
    nix.hosts.iter().any(|h| {
        h.name != joiner.name
            && h.k3s.as_ref().is_some_and(|k| {
                k.enable.value() == Some(&true) && k.role.value().is_none_or(|r| r == "server")
            })
            && h.known_addresses().is_empty()
            && h.deploy_target()
                .is_none_or(|t| t.parse::<std::net::IpAddr>().is_err())
    })
}

/// `https://10.0.0.1:6443/` → `10.0.0.1`; `[fd00::1]:6443` → `fd00::1`.
pub fn server_host_part(addr: &str) -> &str {
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    rest.rsplit_once(':').map_or(rest, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            rest
        }
    })
}

/// Every name a host answers to: addresses, deploy target, hostName, attribute name.
fn host_names(host: &HostFacts) -> Vec<String> {
    let mut names = host.known_addresses();
    names.extend(host.deploy_target());
    names.extend(host.hostname.value().cloned());
    names.push(host.name.clone());
    names
}

/// A k3s node as the cluster rules see it.
#[derive(Clone, Debug)]
pub struct K3sNode<'a> {
    /// The host.
    pub host: &'a HostFacts,
    /// `role` is `server` (the NixOS default when unset).
    pub server: bool,
    /// `clusterInit = true`.
    pub cluster_init: bool,
    /// `serverAddr` is set to a non-empty address (other than its own).
    pub joins: bool,
    /// `serverAddr` is its own address: the cluster's datastore exists.
    pub joins_itself: bool,
    /// `serverAddr` is an address that is not (decidably) a host of the
    /// repository: a virtual IP, or an IP of a DHCP-addressed server.
    pub joins_outside: Option<String>,
    /// The datastore is external (`--datastore-endpoint`): no embedded etcd.
    pub external_datastore: bool,
    /// How it joins, resolved once.
    pub join: Join<'a>,
}

/// The k3s clusters of a repository: hosts with `services.k3s.enable =
/// true`, grouped by who joins whom (`serverAddr` resolved to a host), each
/// sorted by host name. Hosts whose k3s settings are not known statically
/// are left out, so no cluster rule guesses about them.
pub fn clusters(nix: &NixRepo) -> Vec<Vec<K3sNode<'_>>> {
    let mut nodes: Vec<K3sNode<'_>> = Vec::new();
    for host in &nix.hosts {
        let Some(k3s) = &host.k3s else { continue };
        if k3s.enable.value() != Some(&true) {
            continue;
        }
        let server = match &k3s.role {
            Fact::Known { value, .. } => value == "server",
            Fact::Unset => true,
            Fact::Unknown { .. } => continue,
        };
        let joins = match &k3s.server_addr {
            Fact::Known { value, .. } => !value.trim().is_empty(),
            Fact::Unset => false,
            Fact::Unknown { .. } => continue,
        };
        let join = join(nix, host);
        nodes.push(K3sNode {
            host,
            server,
            cluster_init: k3s.cluster_init.value() == Some(&true),
            joins: joins && !matches!(join, Join::Itself),
            joins_itself: matches!(join, Join::Itself),
            joins_outside: match &join {
                Join::External(a) | Join::Undecidable(a) => Some(a.clone()),
                _ => None,
            },
            external_datastore: k3s
                .extra_flags
                .iter()
                .any(|f| f.starts_with("--datastore-endpoint")),
            join,
        });
    }
    // Union-find over "joins": a node and the server it joins share a cluster.
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..nodes.len() {
        if let Join::Server(server) = &nodes[i].join
            && let Some(j) = nodes.iter().position(|n| n.host.name == server.name)
        {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            parent[a] = b;
        }
    }
    // Nodes joining the same address outside the repository's hosts (a
    // virtual IP, a DHCP address) share a cluster; when exactly one server
    // initialises a cluster without joining anything, that address is its.
    let initialisers: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].server && nodes[i].cluster_init && !nodes[i].joins)
        .collect();
    for i in 0..nodes.len() {
        let Some(target) = nodes[i].joins_outside.clone() else {
            continue;
        };
        let same: Vec<usize> = (0..nodes.len())
            .filter(|&j| nodes[j].joins_outside.as_deref() == Some(target.as_str()))
            .collect();
        for j in same {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            parent[a] = b;
        }
        if let [init] = initialisers.as_slice() {
            let (a, b) = (find(&mut parent, i), find(&mut parent, *init));
            parent[a] = b;
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<K3sNode<'_>>> = Default::default();
    let roots: Vec<usize> = (0..nodes.len()).map(|i| find(&mut parent, i)).collect();
    for (node, root) in nodes.into_iter().zip(roots) {
        groups.entry(root).or_default().push(node);
    }
    let mut clusters: Vec<Vec<K3sNode<'_>>> = groups.into_values().collect();
    for c in &mut clusters {
        c.sort_by(|a, b| a.host.name.cmp(&b.host.name));
    }
    clusters.sort_by(|a, b| a[0].host.name.cmp(&b[0].host.name));
    clusters
}

/// `serverAddr`: `None` when no module sets it, `Some((None, _))` when set
/// but not statically known.
pub fn server_addr(host: &HostFacts) -> Option<(Option<String>, Option<Location>)> {
    let k3s = host.k3s.as_ref()?;
    if k3s.server_addr.is_unset() {
        return None;
    }
    Some((
        k3s.server_addr.value().cloned(),
        k3s.server_addr.location().cloned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::server_host_part;

    #[test]
    fn host_part_of_server_addresses() {
        assert_eq!(
            server_host_part("https://192.168.50.104:6443"),
            "192.168.50.104"
        );
        assert_eq!(
            server_host_part("https://k3s.home.arpa:6443/"),
            "k3s.home.arpa"
        );
        assert_eq!(server_host_part("https://[fd00::1]:6443"), "fd00::1");
        assert_eq!(server_host_part("10.0.0.1"), "10.0.0.1");
    }
}
