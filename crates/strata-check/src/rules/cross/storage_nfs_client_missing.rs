//! `CODE` storage-nfs-client-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location, NodeId};
use strata_flux::yaml::Yaml;

use crate::cluster::ClusterView;
use crate::cluster::host_support::{self, Support};
use crate::cluster::node_fit::{Fit, NodeVerdict, Placement};
use crate::cluster::storage_nodes::{HostNeed, storage_on_nodes};
use crate::rules::flux::workloads::pod_spec;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// NFS storage that the kubelet mounts on the node, on a k3s node whose
    /// NixOS configuration has no NFS client: no `boot.supportedFilesystems`
    /// entry `nfs` / `nfs4`, no NFS `fileSystems` entry, no rpcbind.
    /// Mounted by the kubelet are: volumes of nfs-subdir-external-provisioner
    /// (and its own provisioner pod), democratic-csi's NFS drivers, in-tree
    /// `nfs:` volumes of a pod, and `PersistentVolume`s with `spec.nfs`.
    ///
    /// csi-driver-nfs is not judged: its node plugin image carries its own
    /// NFS client and mounts from inside its container.
    ///
    /// A pod's volumes are judged on the nodes its placement allows; the
    /// others on every node without a repelling taint. A host with modules
    /// strata cannot read (other than well-known inputs such as sops-nix) is
    /// not judged.
    ///
    /// ## Why
    /// NixOS has no `mount.nfs` unless NFS is a supported file system. The
    /// kubelet's mount fails (`bad option; … need a /sbin/mount.<type>
    /// helper`) and the pod stays in `ContainerCreating` on that node only,
    /// which makes the failure look random.
    ///
    /// ## Example
    /// ```nix
    /// # every node that mounts NFS volumes
    /// boot.supportedFilesystems = [ "nfs" ];
    /// services.rpcbind.enable = true;
    /// ```
    code: StorageNfsClientMissing,
    check: Some(check),
}

/// Hosts lacking an NFS client among the nodes with the given fits.
fn lacking<'v>(view: &'v ClusterView<'_>, nodes: &[(usize, Fit)]) -> Vec<&'v str> {
    nodes
        .iter()
        .filter(|(_, f)| *f != Fit::No)
        .filter_map(|(i, _)| {
            let host = view.nodes[*i].host();
            matches!(host_support::nfs(host), Support::Missing(_)).then_some(host.name.as_str())
        })
        .collect()
}

fn report(out: &mut Vec<Diagnostic>, what: String, hosts: &[&str], on: NodeId, at: Location) {
    for host in hosts {
        out.push(
            Diagnostic::new(
                Code::StorageNfsClientMissing,
                format!("{what} is mounted by the kubelet on `{host}`, which has no NFS client"),
            )
            .on(on.clone())
            .help(format!(
                "add `boot.supportedFilesystems = [ \"nfs\" ];` to `{host}`, or keep these pods off it"
            ))
            .at(at.clone()),
        );
    }
}

/// In-tree `nfs` volumes of a pod spec.
fn nfs_volumes(spec: &Yaml) -> impl Iterator<Item = &Yaml> {
    spec.get("volumes")
        .map(Yaml::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.get("nfs"))
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        if view.nodes.is_empty() {
            continue;
        }
        for s in storage_on_nodes(view, &cx.flux.objects) {
            if s.needs.contains(&HostNeed::Nfs) {
                let hosts = lacking(view, &s.nodes);
                report(
                    out,
                    format!("{}'s NFS storage", s.name),
                    &hosts,
                    s.object.id.clone(),
                    s.location.clone(),
                );
            }
        }
        let labels = &view.labels;
        let judged = view.judged_keys();
        let fits = |p: &Placement| -> Vec<(usize, Fit)> {
            labels
                .iter()
                .enumerate()
                .map(|(i, n)| match p.verdict(n, judged) {
                    NodeVerdict::Fits(f) => (i, f),
                    _ => (i, Fit::No),
                })
                .collect()
        };
        let anywhere = fits(&Placement::default());
        for object in &view.deployed.objects {
            if object.kind == "PersistentVolume"
                && let Some(nfs) = object.doc.path("spec.nfs")
            {
                let hosts = lacking(view, &anywhere);
                report(
                    out,
                    format!("the NFS volume of `{}`", object.id),
                    &hosts,
                    object.id.clone(),
                    object.location_at(nfs),
                );
            }
        }
        for w in &view.deployed.workloads {
            if w.templated {
                continue;
            }
            let Some(spec) = pod_spec(w.object) else {
                continue;
            };
            let Some(volume) = nfs_volumes(spec).next() else {
                continue;
            };
            let hosts = lacking(view, &fits(&Placement::of_workload(w)));
            report(
                out,
                format!("the `nfs` volume of `{}`", w.object.id),
                &hosts,
                w.object.id.clone(),
                w.object.location_at(volume),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_for_kubelet_mounted_nfs_on_a_node_without_a_client() {
        let analysis = analyze_fixture("cross-storage-nfs");
        assert_fires_at(
            &analysis,
            Code::StorageNfsClientMissing,
            &[
                "infra/media-volume.yaml:11:5",
                "infra/nfs-subdir.yaml:19:14",
            ],
        );
    }

    #[test]
    fn silent_when_every_node_mounts_nfs() {
        assert_clean(
            &analyze_fixture("cross-storage-nfs-clean"),
            Code::StorageNfsClientMissing,
        );
    }
}
