//! `K3S003` k3s-multiple-cluster-init: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::assemble_nix::fact_location;
use crate::rules::{Context, declare_rule};
use strata_nix::k3s::clusters as k3s_clusters;

declare_rule! {
    /// ## What
    /// More than one server of a k3s cluster sets `clusterInit = true`.
    /// Reported on every such server after the first (by name).
    ///
    /// ## Why
    /// `--cluster-init` creates a new etcd cluster. A second server with it
    /// (and a `serverAddr`) is ignored at best; without `serverAddr`, it
    /// starts a second, separate cluster, and nodes joining "the" cluster
    /// split between the two. Typically a copy-paste of the first server's
    /// module.
    ///
    /// ## Example
    /// ```nix
    /// node-b: services.k3s = { role = "server"; clusterInit = true; serverAddr = "https://node-a:6443"; };
    /// ```
    /// Keep `clusterInit` on the first server only.
    code: K3sMultipleClusterInit,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for cluster in k3s_clusters(cx.nix) {
        let inits: Vec<_> = cluster
            .iter()
            .filter(|n| n.server && n.cluster_init)
            .collect();
        let Some(first) = inits.first() else { continue };
        for extra in &inits[1..] {
            let k3s = extra.host.k3s.as_ref();
            let mut d = Diagnostic::new(
                Code::K3sMultipleClusterInit,
                format!(
                    "`{}` sets `clusterInit = true`, but `{}` already initialises the cluster",
                    extra.host.name, first.host.name
                ),
            )
            .on(NodeId::host(&extra.host.name))
            .help("keep `clusterInit` on one server; the others join it with `serverAddr`");
            if let Some(l) = k3s.and_then(|k| fact_location(&k.cluster_init, extra.host)) {
                d = d.at(l);
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_second_cluster_init() {
        let analysis = analyze_fixture("k3s-multiple-cluster-init");
        assert_fires_at(
            &analysis,
            Code::K3sMultipleClusterInit,
            &["flake.nix:25:11"],
        );
    }

    #[test]
    fn silent_with_one_cluster_init() {
        assert_clean(
            &analyze_fixture("k3s-multiple-cluster-init-clean"),
            Code::K3sMultipleClusterInit,
        );
    }
}
