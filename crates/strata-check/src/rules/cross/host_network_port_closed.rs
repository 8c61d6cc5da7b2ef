//! `CODE` host-network-port-closed: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_nix::HostFacts;

use crate::cluster::host_firewall::lets_in;
use crate::cluster::host_support::unread_modules_unrelated;
use crate::cluster::node_fit::{Fit, NodeVerdict, Placement};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A workload on the host network (`hostNetwork: true`) listens on a
    /// port (`containerPort`, `hostPort`) that the NixOS firewall of a node it
    /// runs on closes: the firewall is enabled and no `allowedTCPPorts` /
    /// `allowedUDPPorts`, no `allowed*PortRanges`, no
    /// `interfaces.<name>.allowed*` entry and no `trustedInterfaces` entry
    /// lets it in. A port open on any interface counts as open: strata cannot
    /// tell which interface clients use.
    ///
    /// The nodes it runs on are those its `nodeSelector`, required node
    /// affinity and tolerations certainly fit (see
    /// `node-placement-unsatisfiable`). A host with modules strata cannot
    /// read (other than well-known inputs such as sops-nix or disko) is not
    /// judged: they may open the port.
    ///
    /// Ports of pods that are not on the host network (a `hostPort`, a
    /// `NodePort` or `LoadBalancer` Service) are not judged: kube-proxy and
    /// the CNI's port mapping rewrite their destination before the packet
    /// reaches the host's `INPUT` chain, where the NixOS firewall filters, so
    /// the firewall does not see them (nor does its `filterForward`, which
    /// accepts rewritten connections).
    ///
    /// ## Why
    /// A host-network pod is a process of the host, and its port is behind
    /// the host firewall like any other: DHCP, mDNS, discovery protocols and
    /// exporters run this way and silently receive nothing.
    ///
    /// ## Example
    /// ```yaml
    /// hostNetwork: true
    /// containers:
    ///   - ports:
    ///       - containerPort: 21027   # closed: allowedUDPPorts lacks 21027
    ///         protocol: UDP
    /// ```
    code: HostNetworkPortClosed,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let labels = &view.labels;
        let judged = view.judged_keys();
        for w in &view.deployed.workloads {
            if w.host_network.is_none() || w.templated {
                continue;
            }
            let placement = Placement::of_workload(w);
            let nodes: Vec<&HostFacts> = labels
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    matches!(placement.verdict(n, judged), NodeVerdict::Fits(Fit::Yes))
                })
                .map(|(i, _)| view.nodes[i].host())
                .collect();
            let mut ports = w.container_ports.clone();
            for hp in &w.host_ports {
                if !ports.iter().any(|p| p.port == hp.port && p.udp == hp.udp) {
                    ports.push(hp.clone());
                }
            }
            for p in ports {
                let closed: Vec<&str> = nodes
                    .iter()
                    .filter(|h| {
                        // A module strata did not read may open the port.
                        unread_modules_unrelated(h)
                            && lets_in(h, p.port, p.udp, None) == Some(false)
                    })
                    .map(|h| h.name.as_str())
                    .collect();
                if closed.is_empty() {
                    continue;
                }
                let proto = if p.udp { "udp" } else { "tcp" };
                out.push(
                    Diagnostic::new(
                        Code::HostNetworkPortClosed,
                        format!(
                            "`{}` listens on {}/{proto} on the host network, but the firewall of {} does not let it in",
                            w.object.id,
                            p.port,
                            closed.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .on(w.object.id.clone())
                    .help(format!(
                        "add {} to `networking.firewall.allowed{}Ports` of those hosts (or to `interfaces.<name>` of the interface clients use)",
                        p.port,
                        if p.udp { "UDP" } else { "TCP" }
                    ))
                    .at(p.location.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_closed_host_network_port() {
        let analysis = analyze_fixture("cross-host-network-port");
        assert_fires_at(
            &analysis,
            Code::HostNetworkPortClosed,
            &["apps/node-exporter.yaml:26:30", "apps/syncthing.yaml:29:30"],
        );
    }

    #[test]
    fn silent_for_open_ports_interfaces_and_mapped_ports() {
        assert_clean(
            &analyze_fixture("cross-host-network-port-clean"),
            Code::HostNetworkPortClosed,
        );
    }
}
