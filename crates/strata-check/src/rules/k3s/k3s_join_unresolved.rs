//! `K3S001` k3s-join-unresolved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::rules::{Context, declare_rule};
use strata_nix::k3s::{Join, join as k3s_join, server_host_part};

declare_rule! {
    /// ## What
    /// A k3s node's `services.k3s.serverAddr` (`https://HOST:6443`) names a
    /// host that is none of the repository's hosts: no host has that address,
    /// deploy target, `networking.hostName` or name.
    ///
    /// ## Why
    /// A joining node can only register with a server that exists. A stale
    /// address (the server was renumbered, or retired) leaves the node
    /// retrying forever, and strata cannot order the deploy: the server it
    /// joins must be deployed first.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s = {
    ///   role = "agent";
    ///   serverAddr = "https://10.0.10.99:6443";   # the server is 10.0.10.11
    /// };
    /// ```
    /// Point `serverAddr` at a server host of this repository (or at a
    /// load-balanced address listed as that host's deploy target). An IP
    /// address in a repository that provides virtual IPs (keepalived,
    /// kube-vip) is judged by `k3s-server-vip-unprovided` instead.
    code: K3sJoinUnresolved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for host in &cx.nix.hosts {
        // An IP in a repository that provides virtual IPs is
        // `k3s-server-vip-unprovided`'s to judge.
        if crate::rules::cross::k3s_server_vip_unprovided::judged_address(cx, host).is_some() {
            continue;
        }
        if let Join::Unresolved(addr, location) = k3s_join(cx.nix, host) {
            let wanted = server_host_part(&addr);
            let mut diagnostic = Diagnostic::new(
                Code::K3sJoinUnresolved,
                format!("`serverAddr` of {} points at `{wanted}`, which is none of this repository's hosts", host.name),
            )
            .on(NodeId::host(&host.name))
            .help("point `serverAddr` at the address of a k3s server host declared in this flake");
            if let Some(location) = location {
                diagnostic = diagnostic.at(location);
            }
            out.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_stale_server_address() {
        let analysis = analyze_fixture("k3s-join-unresolved");
        assert_fires_at(&analysis, Code::K3sJoinUnresolved, &["flake.nix:38:24"]);
    }

    #[test]
    fn silent_when_a_server_joins_its_own_address() {
        let analysis = analyze_fixture("nix-shape-submodule-hosts");
        assert_clean(&analysis, Code::K3sJoinUnresolved);
        let joins: Vec<_> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == strata_core::EdgeKind::Joins)
            .map(|e| (e.from.to_string(), e.to.to_string()))
            .collect();
        assert_eq!(
            joins,
            [
                ("host/ash".to_string(), "host/elm".to_string()),
                ("host/elm".to_string(), "host/oak".to_string())
            ],
            "no edge from oak to itself"
        );
    }

    #[test]
    fn silent_when_the_target_may_be_a_dhcp_addressed_server() {
        // kube-1 initialises and has no static address: 192.168.7.10 may be it.
        assert_clean(
            &analyze_fixture("nix-shape-option-defaults"),
            Code::K3sJoinUnresolved,
        );
    }

    #[test]
    fn silent_when_the_target_is_a_virtual_ip() {
        assert_clean(
            &analyze_fixture("nix-shape-eval-modules"),
            Code::K3sJoinUnresolved,
        );
    }

    #[test]
    fn silent_when_every_node_joins_a_known_server() {
        let analysis = analyze_fixture("k3s-join-unresolved-clean");
        assert_clean(&analysis, Code::K3sJoinUnresolved);
        let joins: Vec<_> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == strata_core::EdgeKind::Joins)
            .collect();
        assert_eq!(joins.len(), 2, "rack-b and rack-c join rack-a");
    }
}
