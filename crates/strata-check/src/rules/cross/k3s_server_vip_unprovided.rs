//! `CODE` k3s-server-vip-unprovided: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};
use strata_nix::HostFacts;
use strata_nix::k3s::{Join, join, server_host_part};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A k3s node's `serverAddr` is an IP address that no host of the
    /// repository has, while the repository does provide virtual IPs for
    /// the API (keepalived `virtualIps`, a kube-vip manifest or chart, or
    /// kube-vip / keepalived configuration written in Nix or YAML) and none
    /// of them is this address.
    ///
    /// When the repository has no virtual IP at all, an unknown `serverAddr`
    /// is `k3s-join-unresolved`'s; this rule takes over when a virtual IP
    /// mechanism exists, to say which addresses it provides.
    ///
    /// ## Why
    /// A joining node that points at a virtual IP nobody holds never
    /// registers: the first deploy after a reinstall, or every rejoin after
    /// the address was changed on one side only, hangs at `waiting for
    /// server`. keepalived and kube-vip only announce the addresses they are
    /// configured with.
    ///
    /// ## Example
    /// ```nix
    /// services.keepalived.vrrpInstances.k3s-api.virtualIps = [ { addr = "10.0.0.5/24"; } ];
    /// services.k3s.serverAddr = "https://10.0.0.50:6443";   # typo: 10.0.0.5
    /// ```
    code: K3sServerVipUnprovided,
    check: Some(check),
}

/// The address a node's `serverAddr` names when this rule judges it: an IP
/// of no host, in a repository that provides virtual IPs.
pub(crate) fn judged_address(
    cx: &Context<'_>,
    host: &HostFacts,
) -> Option<(String, Option<strata_core::Location>)> {
    let Join::Unresolved(addr, location) = join(cx.nix, host) else {
        return None;
    };
    let wanted = server_host_part(&addr).to_string();
    if wanted.parse::<std::net::IpAddr>().is_err() || cx.virtual_ips().is_empty() {
        return None;
    }
    Some((wanted, location))
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for host in &cx.nix.hosts {
        let Some((wanted, location)) = judged_address(cx, host) else {
            continue;
        };
        let provided = cx.virtual_ips();
        if provided.contains(&wanted) {
            continue;
        }
        let list = provided
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::new(
            Code::K3sServerVipUnprovided,
            format!(
                "`serverAddr` of {} is `{wanted}`, a virtual IP nothing provides (the repository's virtual IPs: {list})",
                host.name
            ),
        )
        .on(NodeId::host(&host.name))
        .help("point `serverAddr` at a virtual IP keepalived or kube-vip holds, or add this address to their configuration");
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
    fn fires_at_a_server_address_no_virtual_ip_provides() {
        let analysis = analyze_fixture("cross-server-vip");
        assert_fires_at(
            &analysis,
            Code::K3sServerVipUnprovided,
            &["hosts/node-b.nix:7:29", "hosts/node-c.nix:7:29"],
        );
        assert_fires_at(&analysis, Code::K3sJoinUnresolved, &[]);
    }

    #[test]
    fn silent_when_keepalived_or_kube_vip_holds_the_address() {
        assert_clean(
            &analyze_fixture("cross-server-vip-clean"),
            Code::K3sServerVipUnprovided,
        );
    }
}
