//! `K3S007` k3s-firewall-port: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location, NodeId};
use strata_nix::{Fact, HostFacts};

use crate::assemble_nix::fact_location;
use crate::rules::{Context, declare_rule};
use strata_nix::k3s::clusters as k3s_clusters;

declare_rule! {
    /// ## What
    /// A k3s node's NixOS firewall (`networking.firewall`, on unless
    /// `enable = false`) does not let in a port k3s needs, counting both
    /// `allowed*Ports` and `allowed*PortRanges`:
    /// - 6443/tcp (API server) on every server;
    /// - 10250/tcp (kubelet) on every node;
    /// - 8472/udp (flannel VXLAN) on every node, when flannel runs with its
    ///   default VXLAN backend (not `--flannel-backend=none`, `wireguard-native`,
    ///   `host-gw`, … and not `--disable-network-policy`-only setups that
    ///   replace flannel);
    /// - 2379–2380/tcp (embedded etcd) on every server of a cluster with
    ///   more than one server.
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
fn flannel_backend(flags: &[String]) -> String {
    for f in flags {
        if let Some(rest) = f.strip_prefix("--flannel-backend") {
            return rest.trim_start_matches(['=', ' ']).trim().to_string();
        }
    }
    "vxlan".to_string()
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
        for node in &cluster {
            let host = node.host;
            let Some(k3s) = &host.k3s else { continue };
            if host.firewall.enabled() != Some(true) {
                continue;
            }
            let mut needed: Vec<(i64, bool, &str)> = Vec::new();
            if node.server {
                needed.push((6443, false, "the Kubernetes API server"));
            }
            needed.push((10250, false, "the kubelet (logs, exec, metrics)"));
            if k3s.extra_flags_unknown.is_empty() && flannel_backend(&k3s.extra_flags) == "vxlan" {
                needed.push((8472, true, "flannel VXLAN between nodes"));
            }
            if node.server && multi_server && !node.external_datastore {
                needed.push((2379, false, "embedded etcd clients"));
                needed.push((2380, false, "embedded etcd peers"));
            }
            for (port, udp, what) in needed {
                if host.firewall.allows(port, udp) != Some(false) {
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
    fn silent_when_ranges_cover_every_port() {
        assert_clean(
            &analyze_fixture("k3s-firewall-port-clean"),
            Code::K3sFirewallPort,
        );
    }
}
