//! The kubectl commands around a change: drain a node before work that
//! restarts k3s or reboots, wait for it (and for Flux Kustomizations) to be
//! Ready again, uncordon it.

use std::time::Duration;

use strata_core::NodeId;

/// `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data --timeout=…`:
/// DaemonSet pods cannot be evicted (they would come back at once) and
/// emptyDir data is lost with the pod anyway, so both flags are needed for a
/// drain to finish on a real node; the timeout turns a PodDisruptionBudget
/// that never allows eviction into a failing step instead of a hang.
pub(crate) fn drain_command(node: &str, timeout: Duration) -> Vec<String> {
    vec![
        "kubectl".into(),
        "drain".into(),
        node.into(),
        "--ignore-daemonsets".into(),
        "--delete-emptydir-data".into(),
        format!("--timeout={}", seconds(timeout)),
    ]
}

/// `kubectl uncordon NODE`: the node takes pods again.
pub(crate) fn uncordon_command(node: &str) -> Vec<String> {
    vec!["kubectl".into(), "uncordon".into(), node.into()]
}

/// `kubectl wait --for=condition=Ready node/NODE --timeout=…`: the kubelet
/// reports Ready again after the switch (or the reboot).
pub(crate) fn wait_node_command(node: &str, timeout: Duration) -> Vec<String> {
    vec![
        "kubectl".into(),
        "wait".into(),
        "--for=condition=Ready".into(),
        format!("node/{node}"),
        format!("--timeout={}", seconds(timeout)),
    ]
}

/// `kubectl wait kustomizations.kustomize.toolkit.fluxcd.io/NAME -n NS
/// --for=condition=Ready --timeout=…`: the Kustomization applied its objects
/// and its health checks pass. The resource is named with its API group so
/// no other `Kustomization` kind can be meant.
pub(crate) fn wait_kustomization_command(id: &NodeId, timeout: Duration) -> Vec<String> {
    vec![
        "kubectl".into(),
        "wait".into(),
        format!("kustomizations.kustomize.toolkit.fluxcd.io/{}", id.name()),
        "-n".into(),
        id.namespace().unwrap_or("flux-system").into(),
        "--for=condition=Ready".into(),
        format!("--timeout={}", seconds(timeout)),
    ]
}

/// A duration as kubectl reads it (`600s`).
fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_the_kubectl_argv() {
        let minutes = Duration::from_secs(600);
        assert_eq!(
            drain_command("node-a", minutes).join(" "),
            "kubectl drain node-a --ignore-daemonsets --delete-emptydir-data --timeout=600s"
        );
        assert_eq!(
            uncordon_command("node-a").join(" "),
            "kubectl uncordon node-a"
        );
        assert_eq!(
            wait_node_command("node-a", minutes).join(" "),
            "kubectl wait --for=condition=Ready node/node-a --timeout=600s"
        );
        let apps = NodeId::object("Kustomization", Some("flux-system"), "apps");
        assert_eq!(
            wait_kustomization_command(&apps, minutes).join(" "),
            "kubectl wait kustomizations.kustomize.toolkit.fluxcd.io/apps -n flux-system --for=condition=Ready --timeout=600s"
        );
    }
}
