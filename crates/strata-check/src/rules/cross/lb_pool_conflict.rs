//! `CROSS_LB` lb-pool-conflict: the rule, its documentation and its tests.

use std::net::IpAddr;

use strata_core::{Code, Diagnostic};

use crate::cluster::AddressPool;
use crate::cluster::network::AddressRange;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An address of a load balancer pool (MetalLB `IPAddressPool`
    /// `spec.addresses`, Cilium `CiliumLoadBalancerIPPool` blocks) that
    /// - holds the address of a host of the repository (a static interface
    ///   address, a deploy target written as an IP, or a keepalived virtual
    ///   IP), or
    /// - overlaps an address of another pool (MetalLB's or Cilium's), or
    /// - is announced in layer 2 mode (a MetalLB `L2Advertisement` selecting
    ///   the pool, a `CiliumL2AnnouncementPolicy`) while it lies outside every
    ///   subnet of the cluster's nodes.
    ///
    /// CIDRs (`10.0.0.0/28`), ranges (`10.0.0.10-10.0.0.20`) and single
    /// addresses are compared as address ranges: a pool right next to a
    /// host's address or another pool is fine. The subnet check runs only
    /// when every node's address and prefix length are known; pools
    /// announced over BGP may lie anywhere.
    ///
    /// ## Why
    /// The load balancer hands pool addresses to Services and answers ARP
    /// for them. A host's own address in a pool makes two machines answer for
    /// one IP: connections to the host break at random. Two pools with one
    /// address give it to two Services (MetalLB refuses overlapping pools
    /// outright). An L2 announcement only reaches the node's own segment: an
    /// address outside every node subnet is handed out and never reachable.
    ///
    /// ## Example
    /// ```yaml
    /// kind: IPAddressPool
    /// spec:
    ///   addresses:
    ///     - 10.0.0.12/32        # node-b's address
    /// ```
    code: LbPoolConflict,
    check: Some(check),
}

/// One pool address, parsed.
struct Entry<'p> {
    pool: &'p AddressPool<'p>,
    text: String,
    range: AddressRange,
    location: Option<strata_core::Location>,
}

fn pool_name(pool: &AddressPool<'_>) -> String {
    format!("{} pool `{}`", pool.kind.as_str(), pool.object.name)
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Every address a host of the repository holds.
    let mut host_addresses: Vec<(IpAddr, String, &'static str)> = Vec::new();
    for host in &cx.nix.hosts {
        let mut addresses = host.known_addresses();
        // A deploy target written as an IP is the host's address too.
        addresses.extend(host.deploy_target());
        addresses.dedup();
        for a in addresses {
            if let Ok(ip) = a.parse()
                && !host_addresses
                    .iter()
                    .any(|(i, h, _)| *i == ip && *h == host.name)
            {
                host_addresses.push((ip, host.name.clone(), "the address"));
            }
        }
        for v in &host.virtual_ips {
            if let Ok(ip) = v.parse() {
                host_addresses.push((ip, host.name.clone(), "a keepalived virtual IP"));
            }
        }
    }
    for view in cx.clusters {
        let entries: Vec<Entry<'_>> = view
            .deployed
            .pools
            .iter()
            .flat_map(|pool| {
                pool.addresses.iter().filter_map(move |a| {
                    Some(Entry {
                        pool,
                        text: a.value.clone(),
                        range: AddressRange::parse(&a.value)?,
                        location: a.location.clone(),
                    })
                })
            })
            .collect();
        // The node subnets, when all are known.
        let subnets: Option<Vec<AddressRange>> = view
            .nodes
            .iter()
            .map(|n| {
                let addrs = &n.host().addresses;
                let known: Vec<AddressRange> = addrs
                    .iter()
                    .filter_map(|a| {
                        AddressRange::parse(&format!(
                            "{}/{}",
                            a.address.value()?,
                            a.prefix_length.value()?
                        ))
                    })
                    .collect();
                (!known.is_empty() && known.len() == addrs.len()).then_some(known)
            })
            .collect::<Option<Vec<Vec<AddressRange>>>>()
            .map(|v| v.into_iter().flatten().collect());
        for (i, e) in entries.iter().enumerate() {
            let mut found: Option<(String, String)> = None;
            if let Some((ip, host, what)) = host_addresses.iter().find(|(ip, ..)| {
                AddressRange::parse(&ip.to_string()).is_some_and(|a| e.range.contains(&a))
            }) {
                found = Some((
                    format!(
                        "`{}` of {} holds `{ip}`, {what} of host `{host}`",
                        e.text,
                        pool_name(e.pool)
                    ),
                    format!(
                        "take `{ip}` out of the pool (the host and a Service would both answer for it)"
                    ),
                ));
            } else if let Some(other) = entries[..i].iter().find(|o| o.range.overlaps(&e.range)) {
                found = Some((
                    format!(
                        "`{}` of {} overlaps `{}` of {}",
                        e.text,
                        pool_name(e.pool),
                        other.text,
                        pool_name(other.pool)
                    ),
                    "give each pool its own addresses: one address in two pools goes to two Services".into(),
                ));
            } else if e.pool.layer2
                && let Some(subnets) = &subnets
                && !subnets.iter().any(|s| s.contains(&e.range))
                && subnets.iter().any(|s| s.v6 == e.range.v6)
            {
                found = Some((
                    format!(
                        "`{}` of {} is announced in layer 2 mode but lies outside every subnet of the cluster's nodes",
                        e.text,
                        pool_name(e.pool)
                    ),
                    "use addresses of the nodes' own subnet for L2 announcements, or announce this pool over BGP".into(),
                ));
            }
            if let Some((message, help)) = found {
                let mut d = Diagnostic::new(Code::LbPoolConflict, message)
                    .on(e.pool.object.id.clone())
                    .help(help);
                if let Some(l) = &e.location {
                    d = d.at(l.clone());
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
    fn fires_at_each_conflicting_address() {
        let analysis = analyze_fixture("cross-lb-pool");
        assert_fires_at(
            &analysis,
            Code::LbPoolConflict,
            &[
                "configs/cilium-pool.yaml:7:14",
                "configs/pools.yaml:9:7",
                "configs/pools.yaml:18:7",
                "configs/pools.yaml:27:7",
            ],
        );
    }

    #[test]
    fn silent_for_neighbours_bgp_pools_and_ipv6() {
        assert_clean(
            &analyze_fixture("cross-lb-pool-clean"),
            Code::LbPoolConflict,
        );
    }
}
