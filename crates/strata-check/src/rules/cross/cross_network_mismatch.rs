//! `CROSS006` cross-network-mismatch: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic, Location, NodeId};

use super::place;
use crate::cluster::network::AddressRange;
use crate::cluster::{ClusterNode, CniKind};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The cluster's networks disagree between the layers:
    /// - the pod network a CNI hands out (Cilium's cluster-pool
    ///   `ipam.operator.clusterPoolIPv4PodCIDRList`, Calico's
    ///   `installation.calicoNetwork.ipPools[].cidr`) lies outside k3s's
    ///   `--cluster-cidr` (default `10.42.0.0/16`);
    /// - a CoreDNS release's `service.clusterIP` is not k3s's
    ///   `--cluster-dns` (default `10.43.0.10`), the address every kubelet
    ///   writes into pods' `resolv.conf`;
    /// - `--cluster-dns` lies outside `--service-cidr` (default
    ///   `10.43.0.0/16`).
    ///
    /// Cilium in `ipam.mode: kubernetes` takes each node's range from k3s
    /// and is not compared; values not written are not guessed.
    ///
    /// ## Why
    /// Pods addressed outside the cluster CIDR are masqueraded and filtered
    /// as if they came from outside (kube-proxy and the network policy
    /// controller use `--cluster-cidr`). A DNS Service on another address
    /// than `--cluster-dns` leaves every pod without name resolution.
    ///
    /// ## Example
    /// ```yaml
    /// ipam:
    ///   operator:
    ///     clusterPoolIPv4PodCIDRList: ["10.0.0.0/8"]   # k3s: --cluster-cidr 10.42.0.0/16
    /// ```
    code: CrossNetworkMismatch,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let servers: Vec<&ClusterNode<'_>> =
            view.servers().filter(|s| s.settings.complete).collect();
        let Some(first) = servers.first() else {
            continue;
        };
        let mut reported: BTreeSet<Location> = BTreeSet::new();
        for cni in &view.deployed.cnis {
            if cni.kind == CniKind::Cilium
                && cni
                    .ipam_mode
                    .as_deref()
                    .is_some_and(|m| m != "cluster-pool")
            {
                continue;
            }
            for cidr in &cni.pod_cidrs {
                let (Some(range), Some(location)) =
                    (AddressRange::parse(&cidr.value), cidr.location.clone())
                else {
                    continue;
                };
                for server in &servers {
                    let k3s: Vec<AddressRange> = server
                        .settings
                        .pod_cidrs()
                        .iter()
                        .filter_map(|c| AddressRange::parse(c))
                        .filter(|r| r.v6 == range.v6)
                        .collect();
                    if k3s.is_empty() || k3s.iter().any(|r| r.contains(&range)) {
                        continue;
                    }
                    if !reported.insert(location.clone()) {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            Code::CrossNetworkMismatch,
                            format!(
                                "{} hands out pod addresses from `{}`, outside k3s's cluster CIDR `{}` on `{}`{}",
                                cni.kind.as_str(),
                                cidr.value,
                                server.settings.pod_cidrs().join(","),
                                server.host().name,
                                written(cx, server.settings.cluster_cidr.as_ref().and_then(|s| s.location.as_ref())),
                            ),
                        )
                        .at(location.clone())
                        .on(cni.object.id.clone())
                        .help("make the CNI's pod CIDR lie inside `--cluster-cidr` (or set `--cluster-cidr` to it on every server)"),
                    );
                }
            }
        }
        let dns = first.settings.cluster_dns_addresses();
        for release in &view.deployed.dns {
            let Some(ip) = &release.cluster_ip else {
                continue;
            };
            let Some(location) = ip.location.clone() else {
                continue;
            };
            if ip.value.contains("${") || dns.iter().any(|d| d == &ip.value) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::CrossNetworkMismatch,
                    format!(
                        "CoreDNS listens on `{}`, but k3s tells every pod to resolve through `{}` (`--cluster-dns` on `{}`{})",
                        ip.value,
                        dns.join(","),
                        first.host().name,
                        written(cx, first.settings.cluster_dns.as_ref().and_then(|s| s.location.as_ref())),
                    ),
                )
                .at(location)
                .on(release.object.id.clone())
                .help("set the release's `service.clusterIP` to k3s's `--cluster-dns` address"),
            );
        }
        for server in &servers {
            let Some(dns) = &server.settings.cluster_dns else {
                continue;
            };
            let services: Vec<AddressRange> = server
                .settings
                .service_cidrs()
                .iter()
                .filter_map(|c| AddressRange::parse(c))
                .collect();
            for address in dns.value.split(',') {
                let Some(ip) = AddressRange::parse(address) else {
                    continue;
                };
                let same_family: Vec<_> = services.iter().filter(|r| r.v6 == ip.v6).collect();
                if same_family.is_empty() || same_family.iter().any(|r| r.contains(&ip)) {
                    continue;
                }
                let location = dns.location.clone().or_else(|| server.k3s_location());
                if location
                    .as_ref()
                    .is_some_and(|l| !reported.insert(l.clone()))
                {
                    continue;
                }
                let mut d = Diagnostic::new(
                    Code::CrossNetworkMismatch,
                    format!(
                        "`--cluster-dns {address}` of `{}` lies outside its service CIDR `{}`",
                        server.host().name,
                        server.settings.service_cidrs().join(",")
                    ),
                )
                .on(NodeId::host(&server.host().name))
                .help("choose a `--cluster-dns` address inside `--service-cidr` (k3s uses the tenth address, e.g. 10.43.0.10)");
                if let Some(l) = location {
                    d = d.at(l);
                }
                out.push(d);
            }
        }
    }
}

/// ` (written at file:line)`, or nothing for k3s's default.
fn written(cx: &Context<'_>, location: Option<&Location>) -> String {
    match location {
        Some(l) => format!(", written at {}", place(cx, l)),
        None => ", k3s's default".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_disagreeing_networks() {
        let analysis = analyze_fixture("cross-cilium");
        assert_fires_at(
            &analysis,
            Code::CrossNetworkMismatch,
            &[
                "flux/apps/cilium.yaml:35:13",
                "flux/apps/coredns.yaml:31:18",
            ],
        );
    }

    #[test]
    fn silent_when_the_networks_agree() {
        assert_clean(
            &analyze_fixture("cross-cilium-clean"),
            Code::CrossNetworkMismatch,
        );
    }
}
