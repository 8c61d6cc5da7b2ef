//! `CODE` storage-replicas-exceed-nodes: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location, NodeId};

use crate::cluster::components::{helm_values, value_bool, value_text};
use crate::cluster::node_fit::Fit;
use crate::cluster::storage_nodes::storage_on_nodes;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// Longhorn keeps more replicas of a volume than the cluster has nodes
    /// that can hold one: `persistence.defaultClassReplicaCount` (the
    /// chart's default StorageClass, 3 unless set),
    /// `defaultSettings.defaultReplicaCount` when set, or the
    /// `numberOfReplicas` parameter of a StorageClass with provisioner
    /// `driver.longhorn.io`.
    ///
    /// Nodes that can hold a replica are the k3s nodes Longhorn runs on (its
    /// node selector and tolerations, as for the iSCSI rule), and with
    /// `createDefaultDiskLabeledNodes` only those labelled
    /// `node.longhorn.io/create-default-disk`. Nodes whose labels or taints
    /// are not fully known count as eligible. With
    /// `replicaSoftAntiAffinity: true` replicas may share a node and nothing
    /// is reported. Not judged when the repository's hosts are not all known.
    ///
    /// ## Why
    /// Longhorn places each replica of a volume on a different node. With
    /// fewer eligible nodes than replicas, every volume stays `Degraded`
    /// forever, rebuilds never finish, and the redundancy the count promises
    /// does not exist.
    ///
    /// ## Example
    /// ```yaml
    /// # two nodes can hold replicas
    /// values:
    ///   persistence:
    ///     defaultClassReplicaCount: 3
    /// ```
    code: StorageReplicasExceedNodes,
    check: Some(check),
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
        for s in storage_on_nodes(view, &cx.flux.objects) {
            if s.name != "longhorn" {
                continue;
            }
            let (values, complete) = helm_values(s.object);
            if value_bool(values, "defaultSettings.replicaSoftAntiAffinity").is_some_and(|(b, _)| b)
                || value_text(values, "defaultSettings.replicaSoftAntiAffinity")
                    .is_some_and(|(t, _)| t.contains("${"))
            {
                continue;
            }
            let labelled_disks =
                value_bool(values, "defaultSettings.createDefaultDiskLabeledNodes")
                    .is_some_and(|(b, _)| b);
            let eligible: Vec<&str> = s
                .nodes
                .iter()
                .filter(|(_, f)| *f != Fit::No)
                .filter(|(i, _)| {
                    !labelled_disks
                        || match labels[*i]
                            .labels
                            .get("node.longhorn.io/create-default-disk")
                        {
                            Some(Some(v)) => v == "true" || v == "config",
                            _ => !labels[*i].complete,
                        }
                })
                .map(|(i, _)| view.nodes[*i].host().name.as_str())
                .collect();
            let mut counts: Vec<(i64, String, Location, NodeId)> = Vec::new();
            match value_text(values, "persistence.defaultClassReplicaCount") {
                Some((text, node)) => {
                    if let Ok(n) = text.parse() {
                        counts.push((
                            n,
                            "`persistence.defaultClassReplicaCount`".into(),
                            s.object.location_at(node),
                            s.object.id.clone(),
                        ));
                    }
                }
                None if complete
                    && values.is_none_or(|v| {
                        v.path("persistence.defaultClassReplicaCount").is_none()
                    }) =>
                {
                    counts.push((3, "the chart's default StorageClass (3 replicas unless `persistence.defaultClassReplicaCount` says otherwise)".into(), s.location.clone(), s.object.id.clone()));
                }
                None => {}
            }
            if let Some((text, node)) = value_text(values, "defaultSettings.defaultReplicaCount")
                && let Ok(n) = text.parse()
            {
                counts.push((
                    n,
                    "`defaultSettings.defaultReplicaCount`".into(),
                    s.object.location_at(node),
                    s.object.id.clone(),
                ));
            }
            for sc in &view.deployed.objects {
                if sc.kind != "StorageClass"
                    || sc.doc.path("provisioner").and_then(|p| p.as_str())
                        != Some("driver.longhorn.io")
                {
                    continue;
                }
                if let Some(node) = sc.doc.path("parameters.numberOfReplicas")
                    && let Some(text) = node.scalar_text()
                    && let Ok(n) = text.parse()
                {
                    counts.push((
                        n,
                        format!("StorageClass `{}`", sc.name),
                        sc.location_at(node),
                        sc.id.clone(),
                    ));
                }
            }
            for (n, what, at, on) in counts {
                if n as usize <= eligible.len() {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Code::StorageReplicasExceedNodes,
                        format!(
                            "{what} keeps {n} Longhorn replicas, but only {} node{} can hold one ({})",
                            eligible.len(),
                            if eligible.len() == 1 { "" } else { "s" },
                            if eligible.is_empty() { "none".to_string() } else { eligible.join(", ") }
                        ),
                    )
                    .on(on)
                    .help(format!("keep at most {} replicas, or let Longhorn store data on more nodes", eligible.len()))
                    .at(at),
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
    fn fires_where_the_replica_count_is_written() {
        let analysis = analyze_fixture("cross-storage-replicas");
        assert_fires_at(
            &analysis,
            Code::StorageReplicasExceedNodes,
            &[
                "infra/longhorn.yaml:26:33",
                "infra/storage-classes.yaml:8:21",
            ],
        );
    }

    #[test]
    fn silent_when_enough_nodes_hold_replicas() {
        assert_clean(
            &analyze_fixture("cross-storage-replicas-clean"),
            Code::StorageReplicasExceedNodes,
        );
    }
}
