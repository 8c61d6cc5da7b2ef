//! `K3S002` k3s-no-cluster-init: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::assemble_nix::fact_location;
use crate::rules::{Context, declare_rule};
use strata_nix::k3s::{Join, clusters as k3s_clusters};

declare_rule! {
    /// ## What
    /// In a k3s cluster (hosts grouped by whom their `serverAddr` joins):
    /// - k3s servers join another server, but no server of the cluster sets
    ///   `clusterInit = true` (and none uses an external datastore); or
    /// - agents exist and no host of the repository is a k3s server (an
    ///   agent joining an address no host has is K3S001's finding instead).
    ///
    /// Agents joining a single server without `clusterInit` are fine (that
    /// server keeps its state in SQLite), so they alone do not fire.
    ///
    /// ## Why
    /// Only a server started with `--cluster-init` creates the embedded etcd
    /// that further servers join; a server without it runs SQLite, which
    /// cannot take members, so every joining server fails with `etcd
    /// disabled`. Agents without any server have nothing to join. strata
    /// cannot order the bootstrap either: the plan needs the first server.
    ///
    /// ## Example
    /// ```nix
    /// node-a: services.k3s = { role = "server"; };                       # no clusterInit
    /// node-b: services.k3s = { role = "server"; serverAddr = "https://node-a:6443"; };
    /// ```
    /// Set `clusterInit = true` on the first server (`node-a`).
    code: K3sNoClusterInit,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let clusters = k3s_clusters(cx.nix);
    // Agents whose `serverAddr` names no host of the repository are K3S001's
    // finding; "no server" means none in the whole repository.
    let any_server = clusters.iter().flatten().any(|n| n.server);
    let mut reported_agents = false;
    for cluster in clusters {
        let servers: Vec<_> = cluster.iter().filter(|n| n.server).collect();
        if servers.is_empty() {
            // Reported once, on the first agent (by name).
            if any_server || reported_agents {
                continue;
            }
            reported_agents = true;
            let Some(agent) = cluster.first() else {
                continue;
            };
            let k3s = agent.host.k3s.as_ref();
            let mut d = Diagnostic::new(
                Code::K3sNoClusterInit,
                format!(
                    "k3s agent `{}` has no k3s server to join: no host of its cluster has role `server`",
                    agent.host.name
                ),
            )
            .on(NodeId::host(&agent.host.name))
            .help("declare a k3s server (`role = \"server\"; clusterInit = true;`) for the agents to join");
            if let Some(l) = k3s.and_then(|k| fact_location(&k.role, agent.host)) {
                d = d.at(l);
            }
            out.push(d);
            continue;
        }
        let joining_servers = servers.iter().any(|n| n.joins);
        let initialised = servers
            .iter()
            .any(|n| n.cluster_init || n.external_datastore || n.joins_itself);
        // Servers joining an address that is no decidable host (a virtual
        // IP, a DHCP address): the server behind it may initialise.
        let target_undecided = cluster.iter().any(|n| n.joins_outside.is_some());
        if !joining_servers || initialised || target_undecided {
            continue;
        }
        // Point at the server the others join: that is where `clusterInit`
        // belongs.
        let joiner = servers.iter().find(|n| n.joins);
        let first = joiner
            .and_then(|j| match &j.join {
                Join::Server(s) => Some(*s),
                _ => None,
            })
            .unwrap_or(servers[0].host);
        let location = first.k3s.as_ref().and_then(|k| {
            if k.cluster_init.is_unset() {
                fact_location(&k.role, first)
            } else {
                fact_location(&k.cluster_init, first)
            }
        });
        let mut d = Diagnostic::new(
            Code::K3sNoClusterInit,
            format!(
                "k3s servers join `{}`, but no server of the cluster sets `clusterInit = true`",
                first.name
            ),
        )
        .on(NodeId::host(&first.name))
        .help(format!(
            "set `services.k3s.clusterInit = true` on `{}` so it starts the embedded etcd the other servers join",
            first.name
        ));
        if let Some(l) = location {
            d = d.at(l);
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_server_that_should_initialise() {
        let analysis = analyze_fixture("k3s-no-cluster-init");
        assert_fires_at(&analysis, Code::K3sNoClusterInit, &["flake.nix:15:18"]);
    }

    #[test]
    fn agents_joining_an_unknown_address_are_left_to_k3s001() {
        let analysis = analyze_fixture("k3s-join-unresolved");
        assert_fires_at(&analysis, Code::K3sNoClusterInit, &[]);
    }

    #[test]
    fn silent_when_the_joined_server_rejoins_its_own_address() {
        assert_clean(
            &analyze_fixture("nix-shape-submodule-hosts"),
            Code::K3sNoClusterInit,
        );
    }

    #[test]
    fn joiners_of_an_undecidable_address_share_the_initialising_server() {
        assert_clean(
            &analyze_fixture("nix-shape-option-defaults"),
            Code::K3sNoClusterInit,
        );
        assert_clean(
            &analyze_fixture("nix-shape-eval-modules"),
            Code::K3sNoClusterInit,
        );
    }

    #[test]
    fn silent_when_the_first_server_initialises() {
        assert_clean(
            &analyze_fixture("k3s-no-cluster-init-clean"),
            Code::K3sNoClusterInit,
        );
    }
}
