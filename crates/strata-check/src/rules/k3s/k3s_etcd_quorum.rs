//! `K3S004` k3s-etcd-quorum: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::assemble_nix::fact_location;
use crate::rules::{Context, declare_rule};
use strata_nix::k3s::clusters as k3s_clusters;

declare_rule! {
    /// ## What
    /// A k3s cluster with embedded etcd (a server with `clusterInit`, no
    /// `--datastore-endpoint`) has an even number of servers: 2, 4, ….
    ///
    /// ## Why
    /// etcd needs a majority (⌊n/2⌋+1) of its members to work, so 2f+1
    /// servers survive f failures. 2 servers survive none — losing either
    /// one stops the API, worse than a single server, since there are two
    /// machines to fail; 4 servers survive one failure, like 3. An even
    /// count adds a failure point and no resilience.
    ///
    /// ## Example
    /// ```nix
    /// node-a: services.k3s = { role = "server"; clusterInit = true; };
    /// node-b: services.k3s = { role = "server"; serverAddr = "https://node-a:6443"; };
    /// ```
    /// Add a third server (or make `node-b` an agent).
    code: K3sEtcdQuorum,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for cluster in k3s_clusters(cx.nix) {
        let servers: Vec<_> = cluster.iter().filter(|n| n.server).collect();
        let Some(init) = servers.iter().find(|n| n.cluster_init) else {
            continue;
        };
        if servers.iter().any(|n| n.external_datastore) {
            continue;
        }
        let n = servers.len();
        if n < 2 || n % 2 != 0 {
            continue;
        }
        let survives = (n - 1) / 2;
        let reason = if n == 2 {
            "etcd needs a majority of 2, so losing either server stops the cluster".to_string()
        } else {
            format!(
                "etcd needs a majority of {}, so it survives {survives} failure(s), no more than {} servers would",
                n / 2 + 1,
                n - 1
            )
        };
        let k3s = init.host.k3s.as_ref();
        let mut d = Diagnostic::new(
            Code::K3sEtcdQuorum,
            format!(
                "k3s cluster of `{}` has {n} embedded-etcd servers: {reason}",
                init.host.name
            ),
        )
        .on(NodeId::host(&init.host.name))
        .help(format!(
            "run an odd number of servers ({} survives one failure), or make one of them an agent",
            if n == 2 { 3 } else { n + 1 }
        ));
        if let Some(l) = k3s.and_then(|k| fact_location(&k.cluster_init, init.host)) {
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
    fn fires_on_two_servers() {
        let analysis = analyze_fixture("k3s-etcd-quorum");
        assert_fires_at(&analysis, Code::K3sEtcdQuorum, &["flake.nix:16:11"]);
        let message = &findings(&analysis, Code::K3sEtcdQuorum)[0];
        assert!(message.contains("losing either server"), "{message}");
    }

    #[test]
    fn silent_with_three_servers() {
        assert_clean(
            &analyze_fixture("k3s-etcd-quorum-clean"),
            Code::K3sEtcdQuorum,
        );
    }
}
