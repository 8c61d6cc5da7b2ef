//! `K3S007` k3s-firewall-port: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location, NodeId};
use strata_nix::{Fact, HostFacts};

use crate::assemble_nix::fact_location;
use crate::cluster::components::{helm_values, value_bool, value_text};
use crate::cluster::host_firewall::{address_interfaces, lets_in};
use crate::cluster::{Cni, CniKind};
use crate::rules::{Context, declare_rule};
use strata_nix::k3s::clusters as k3s_clusters;

declare_rule! {
    /// ## What
    /// A k3s node's NixOS firewall (`networking.firewall`, on unless
    /// `enable = false`) does not let in a port k3s needs, counting
    /// `allowed*Ports`, `allowed*PortRanges`, and, for traffic between
    /// nodes, `interfaces.<name>.allowed*` and `trustedInterfaces` of the
    /// interface holding the node's address:
    /// - 6443/tcp (API server) on every server;
    /// - 10250/tcp (kubelet) on every node;
    /// - in a cluster of more than one node, what carries pod traffic
    ///   between nodes, by the servers' `--flannel-backend`: 8472/udp for
    ///   flannel's default VXLAN, 51820/udp for `wireguard-native`, nothing for
    ///   `host-gw`; with `--flannel-backend=none` and Cilium deployed by the
    ///   Flux tree, Cilium's tunnel (8472/udp VXLAN, 6081/udp with
    ///   `tunnelProtocol: geneve`, nothing with `routingMode: native`), its
    ///   health checks (4240/tcp unless `healthChecking: false`) and its
    ///   WireGuard encryption (51871/udp); Calico is not judged;
    /// - 5001/tcp (the embedded registry, Spegel) on every node of a
    ///   multi-node cluster whose servers run `--embedded-registry`;
    /// - 2379–2380/tcp (embedded etcd) on every server of a cluster with
    ///   more than one server, unless `--datastore-endpoint` names an
    ///   external datastore.
    ///
    /// Severity: **error** — each missing port breaks the cluster in a way
    /// that only shows at runtime (nodes cannot join, pods on different
    /// nodes cannot talk, `kubectl logs`/`exec` time out, etcd members cannot
    /// reach each other). Ports opened some other way (`trustedInterfaces`
    /// of the node's own interface, `extraCommands`) are not seen: silence
    /// the finding by listing the port.
    ///
    /// ## Why
    /// NixOS enables its firewall by default and k3s does not open anything
    /// itself. The failures are confusing: a second server hangs at
    /// `waiting for etcd`, pod-to-pod traffic across nodes silently drops.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s = { enable = true; role = "server"; };
    /// networking.firewall.allowedTCPPorts = [ 22 ];   # 6443, 10250 missing; 8472/udp missing
    /// ```
    code: K3sFirewallPort,
    check: Some(check),
}

/// The flannel backend, from `--flannel-backend=X` / `--flannel-backend X`.
fn flannel_backend(flags: &[String]) -> Option<String> {
    flags.iter().find_map(|f| {
        let rest = f.strip_prefix("--flannel-backend")?;
        Some(rest.trim_start_matches(['=', ' ']).trim().to_string())
    })
}

/// Ports Cilium needs between nodes, from its values (chart defaults where
/// a value is not written); empty when its values are not all known.
fn cilium_ports(cni: &Cni<'_>) -> Vec<(i64, bool, &'static str)> {
    if !cni.values_complete {
        return Vec::new();
    }
    let (values, _) = helm_values(cni.object);
    let text = |path: &str| value_text(values, path).map(|(t, _)| t);
    let mut out = Vec::new();
    let native = text("routingMode").as_deref() == Some("native")
        || text("tunnel").as_deref() == Some("disabled");
    if !native {
        let geneve = text("tunnelProtocol").as_deref() == Some("geneve")
            || text("tunnel").as_deref() == Some("geneve");
        if geneve {
            out.push((6081, true, "Cilium's Geneve tunnel between nodes"));
        } else {
            out.push((8472, true, "Cilium's VXLAN tunnel between nodes"));
        }
    }
    if value_bool(values, "healthChecking").is_none_or(|(b, _)| b) {
        out.push((4240, false, "Cilium's health checks between nodes"));
    }
    if value_bool(values, "encryption.enabled").is_some_and(|(b, _)| b)
        && text("encryption.type").as_deref() == Some("wireguard")
    {
        out.push((51871, true, "Cilium's WireGuard encryption between nodes"));
    }
    out
}

fn location_of(list: &Fact<Vec<i64>>, host: &HostFacts) -> Option<Location> {
    match list {
        Fact::Known { location, .. } => location.clone(),
        _ => None,
    }
    .or_else(|| {
        host.k3s
            .as_ref()
            .and_then(|k| fact_location(&k.role, host).or_else(|| fact_location(&k.enable, host)))
    })
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for cluster in k3s_clusters(cx.nix) {
        let multi_server = cluster.iter().filter(|n| n.server).count() > 1;
        let multi_node = cluster.len() > 1;
        let servers: Vec<_> = cluster.iter().filter(|n| n.server).collect();
        // Cluster-wide settings live on the servers: only judged when every
        // server's flags are known.
        let servers_known = !servers.is_empty()
            && servers
                .iter()
                .all(|n| n.host.k3s.as_ref().is_some_and(|k| k.flags_complete()));
        let server_flags: Vec<&String> = servers
            .iter()
            .filter_map(|n| n.host.k3s.as_ref())
            .flat_map(|k| k.extra_flags.iter())
            .collect();
        let backend = servers_known.then(|| {
            servers
                .iter()
                .filter_map(|n| n.host.k3s.as_ref())
                .find_map(|k| flannel_backend(&k.extra_flags))
                .unwrap_or_else(|| "vxlan".to_string())
        });
        let registry = servers_known
            && server_flags
                .iter()
                .any(|f| *f == "--embedded-registry" || *f == "--embedded-registry=true");
        let view = cx.clusters.iter().find(|v| {
            v.nodes
                .iter()
                .any(|n| cluster.iter().any(|c| c.host.name == n.host().name))
        });
        let cilium = view.and_then(|v| v.deployed.cnis.iter().find(|c| c.kind == CniKind::Cilium));
        let mut between_nodes: Vec<(i64, bool, &str)> = Vec::new();
        if multi_node {
            match backend.as_deref() {
                Some("vxlan") => between_nodes.push((8472, true, "flannel VXLAN between nodes")),
                Some("wireguard-native") => {
                    between_nodes.push((51820, true, "flannel WireGuard between nodes"));
                }
                Some("none") => {
                    if let Some(cni) = cilium {
                        between_nodes.extend(cilium_ports(cni));
                    }
                }
                _ => {}
            }
            if registry {
                between_nodes.push((5001, false, "the embedded registry's peers"));
            }
        }
        for node in &cluster {
            let host = node.host;
            if host.k3s.is_none() || host.firewall.enabled() != Some(true) {
                continue;
            }
            let mut needed: Vec<(i64, bool, &str)> = Vec::new();
            if node.server {
                needed.push((6443, false, "the Kubernetes API server"));
            }
            needed.push((10250, false, "the kubelet (logs, exec, metrics)"));
            needed.extend(between_nodes.iter().copied());
            if node.server && multi_server && !node.external_datastore {
                needed.push((2379, false, "embedded etcd clients"));
                needed.push((2380, false, "embedded etcd peers"));
            }
            let via = address_interfaces(host);
            for (port, udp, what) in needed {
                if lets_in(host, port, udp, via.as_deref()) != Some(false) {
                    continue;
                }
                let proto = if udp { "udp" } else { "tcp" };
                let list = if udp {
                    &host.firewall.allowed_udp_ports
                } else {
                    &host.firewall.allowed_tcp_ports
                };
                let mut d = Diagnostic::new(
                    Code::K3sFirewallPort,
                    format!(
                        "firewall of `{}` does not open {port}/{proto}, needed by {what}",
                        host.name
                    ),
                )
                .on(NodeId::host(&host.name))
                .help(format!(
                    "add {port} to `networking.firewall.allowed{}Ports` (or a range covering it)",
                    if udp { "UDP" } else { "TCP" }
                ));
                if let Some(l) = location_of(list, host) {
                    d = d.at(l);
                }
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_for_each_missing_port() {
        let analysis = analyze_fixture("k3s-firewall-port");
        assert_fires_at(
            &analysis,
            Code::K3sFirewallPort,
            &[
                "modules/k3s.nix:11:23",
                "modules/k3s.nix:11:23",
                "modules/k3s.nix:11:23",
                "modules/k3s.nix:13:23",
                "modules/k3s.nix:13:23",
                "modules/k3s.nix:13:23",
            ],
        );
        let all = findings(&analysis, Code::K3sFirewallPort).join("\n");
        assert!(all.contains("2380/tcp"), "{all}");
        assert!(all.contains("8472/udp"), "{all}");
    }

    #[test]
    fn cilium_and_the_embedded_registry_need_their_ports() {
        let analysis = analyze_fixture("k3s-firewall-port-cni");
        assert_fires_at(
            &analysis,
            Code::K3sFirewallPort,
            &[
                "modules/k3s.nix:10:23",
                "modules/k3s.nix:10:23",
                "modules/k3s.nix:10:23",
                "modules/k3s.nix:10:23",
            ],
        );
    }

    #[test]
    fn silent_when_cilium_and_registry_ports_are_open() {
        assert_clean(
            &analyze_fixture("k3s-firewall-port-cni-clean"),
            Code::K3sFirewallPort,
        );
    }

    #[test]
    fn silent_when_ranges_cover_every_port() {
        assert_clean(
            &analyze_fixture("k3s-firewall-port-clean"),
            Code::K3sFirewallPort,
        );
    }
}
