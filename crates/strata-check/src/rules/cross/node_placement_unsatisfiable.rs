//! `CODE` node-placement-unsatisfiable: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location, NodeId};

use crate::cluster::node_fit::{NodeLabels, NodeVerdict, Placement};
use crate::cluster::values_placement::values_placements;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A workload's `nodeSelector`, required node affinity
    /// (`requiredDuringSchedulingIgnoredDuringExecution`) or missing
    /// tolerations fit no node of the k3s cluster it is deployed on. Read in
    /// plain workloads' pod specs and in HelmRelease values (any mapping with
    /// a `nodeSelector` of plain entries, or a required node affinity).
    ///
    /// A node's labels are those k3s sets (`kubernetes.io/hostname` = its
    /// host name, `kubernetes.io/os`, `kubernetes.io/arch` from its system,
    /// `node-role.kubernetes.io/control-plane` and `master` on servers, `etcd`
    /// with embedded etcd) and those its configuration declares
    /// (`--node-label`, `services.k3s.nodeLabel`); its taints come from
    /// `--node-taint` and `services.k3s.nodeTaint`. A label key neither k3s nor
    /// any node of the cluster sets is not judged (it may be set at run time by
    /// `kubectl label` or node feature discovery), nor is a node whose flags are
    /// not all known. Taints are judged for plain workloads only: a chart may
    /// place tolerations anywhere in its values.
    ///
    /// ## Why
    /// The scheduler leaves such pods `Pending` forever, with only a
    /// `FailedScheduling` event to say why. It happens when a host is renamed
    /// or retired, a label is renamed on one side only, or a taint is added
    /// to a node without a toleration on the workloads meant for it.
    ///
    /// ## Example
    /// ```yaml
    /// nodeSelector:
    ///   gpu: amd            # the only GPU node is labelled gpu=nvidia
    /// ```
    code: NodePlacementUnsatisfiable,
    check: Some(check),
}

fn judge(
    p: &Placement,
    labels: &[NodeLabels],
    judged: &std::collections::BTreeSet<String>,
    taints_judged: bool,
) -> Option<(Location, String)> {
    if p.is_empty() && !taints_judged {
        return None;
    }
    let mut at: Option<Location> = None;
    let mut reasons = Vec::new();
    for n in labels {
        match p.verdict(n, judged) {
            // `verdict` answers a certain "no" as `Selected` / `Tainted`.
            NodeVerdict::Fits(_) => return None,
            NodeVerdict::Selected(l, has) => {
                at.get_or_insert(l);
                reasons.push(format!("`{}` has {has}", n.host));
            }
            NodeVerdict::Tainted(taint) => {
                if !taints_judged {
                    return None;
                }
                reasons.push(format!("`{}` is tainted `{taint}`", n.host));
            }
        }
    }
    let at = at.or_else(|| p.selector.first().map(|(_, _, l)| l.clone()))?;
    Some((at, reasons.join(", ")))
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx
        .nix
        .diagnostics
        .iter()
        .any(|d| d.code == Code::HostsUnknown)
    {
        return;
    }
    for view in cx.clusters {
        if view.nodes.is_empty() {
            continue;
        }
        let labels = &view.labels;
        let judged = view.judged_keys();
        let mut found: Vec<(NodeId, Location, String)> = Vec::new();
        for w in &view.deployed.workloads {
            if w.templated {
                continue;
            }
            // Without a selector only taints can keep a pod off every node.
            let p = Placement::of_workload(w);
            if let Some((at, why)) = judge(&p, labels, judged, true) {
                found.push((w.object.id.clone(), at, why));
            }
        }
        for object in &view.deployed.objects {
            for p in values_placements(object) {
                if let Some((at, why)) = judge(&p, labels, judged, false) {
                    found.push((object.id.clone(), at, why));
                }
            }
        }
        for (id, at, why) in found {
            out.push(
                Diagnostic::new(
                    Code::NodePlacementUnsatisfiable,
                    format!("`{id}` fits no node of its cluster: {why}"),
                )
                .on(id)
                .help("fix the selector (or add a toleration), or declare the label on the node meant to run it (`--node-label`, `services.k3s.nodeLabel`)")
                .at(at),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_selector_no_node_satisfies() {
        let analysis = analyze_fixture("cross-node-selector");
        assert_fires_at(
            &analysis,
            Code::NodePlacementUnsatisfiable,
            &[
                "apps/backup.yaml:21:26",
                "apps/dashboard.yaml:26:31",
                "apps/frigate.yaml:17:33",
                "apps/plex.yaml:17:20",
                "apps/transcoder.yaml:17:14",
            ],
        );
    }

    #[test]
    fn silent_for_k3s_labels_declared_labels_and_tolerated_taints() {
        assert_clean(
            &analyze_fixture("cross-node-selector-clean"),
            Code::NodePlacementUnsatisfiable,
        );
    }
}
