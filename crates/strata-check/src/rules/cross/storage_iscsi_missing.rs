//! `CODE` storage-iscsi-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use crate::cluster::host_support::{self, Support};
use crate::cluster::node_fit::Fit;
use crate::cluster::storage_nodes::{HostNeed, storage_on_nodes};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A storage system that attaches volumes over iSCSI (Longhorn,
    /// democratic-csi's `*-iscsi` drivers, csi-driver-iscsi, OpenEBS Jiva)
    /// runs on a k3s node whose NixOS configuration does not enable the
    /// iSCSI initiator (`services.openiscsi.enable`).
    ///
    /// The nodes it runs on are the cluster's nodes that its node components
    /// may be scheduled on: Longhorn's `longhornManager.nodeSelector`,
    /// `tolerations`, `defaultSettings.systemManagedComponentsNodeSelector`
    /// and `taintToleration` are read; a node tainted `NoSchedule` or
    /// `NoExecute` that it does not tolerate is left out. A host with modules
    /// strata cannot read (a flake input's modules, other than well-known
    /// ones such as sops-nix or disko) is not judged.
    ///
    /// ## Why
    /// The kubelet attaches each volume on the node of the pod using it
    /// through the host's `iscsiadm` and `iscsid`. Without them Longhorn's
    /// manager refuses the node and every pod with a Longhorn volume there
    /// hangs in `ContainerCreating`. Nothing in the Flux tree shows the
    /// problem: only the host configuration can fix it.
    ///
    /// ## Example
    /// ```nix
    /// # every node Longhorn runs on
    /// services.openiscsi = {
    ///   enable = true;
    ///   name = "iqn.2025-01.arpa.home:${config.networking.hostName}";
    /// };
    /// ```
    code: StorageIscsiMissing,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        for s in storage_on_nodes(view, &cx.flux.objects) {
            if !s.needs.contains(&HostNeed::Iscsi) {
                continue;
            }
            for (i, fit) in &s.nodes {
                if *fit == Fit::No {
                    continue;
                }
                let host = view.nodes[*i].host();
                let Support::Missing(off) = host_support::iscsi(host) else {
                    continue;
                };
                let d = Diagnostic::new(
                    Code::StorageIscsiMissing,
                    format!(
                        "{} attaches volumes over iSCSI on `{}`, whose configuration does not enable the iSCSI initiator (`services.openiscsi`)",
                        s.name, host.name
                    ),
                )
                .on(s.object.id.clone())
                .help(format!(
                    "set `services.openiscsi = {{ enable = true; name = \"iqn.…:{}\"; }}` on `{}`, or keep {} off that node with a node selector",
                    host.name, host.name, s.name
                ))
                .at(off.unwrap_or_else(|| s.location.clone()));
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
    fn fires_for_each_node_without_the_initiator() {
        let analysis = analyze_fixture("cross-storage-iscsi");
        assert_fires_at(
            &analysis,
            Code::StorageIscsiMissing,
            &["hosts/node-d.nix:8:22", "infra/longhorn.yaml:19:14"],
        );
    }

    #[test]
    fn silent_for_nodes_longhorn_does_not_run_on() {
        assert_clean(
            &analyze_fixture("cross-storage-iscsi-clean"),
            Code::StorageIscsiMissing,
        );
    }
}
