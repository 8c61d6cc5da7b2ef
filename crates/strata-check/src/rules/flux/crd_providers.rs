//! The one table of which API groups come from CRDs, and which Helm charts
//! usually install those CRDs (FLUX021 reads it).
//!
//! Sources: each chart's own templates (`crds.enabled` / `installCRDs` and
//! friends) and the DOMAIN sheet of this project. A group missing here is
//! still checked when the tree holds a `CustomResourceDefinition` for it;
//! a group with neither is silently trusted (its CRDs may come from k3s'
//! own manifests, a NixOS `services.k3s.manifests` entry, or a remote
//! Kustomization strata cannot read).

/// API groups served by Kubernetes itself (and by k3s out of the box), whose
/// kinds need no CRD.
pub(crate) const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
    // k3s ships these controllers and their CRDs in every cluster.
    "helm.cattle.io",
    "k3s.cattle.io",
];

/// Whether objects of `group` are installed by Flux itself (`flux install`,
/// bootstrap, or the Flux Operator's `fluxcd.controlplane.io`) rather than by
/// anything in the tree.
pub(crate) fn is_flux_group(group: &str) -> bool {
    group.ends_with(".fluxcd.io") || group == "fluxcd.controlplane.io"
}

/// CRD API groups and the charts (by chart name) whose release installs them.
pub(crate) const CHART_PROVIDERS: &[(&str, &[&str])] = &[
    ("cert-manager.io", &["cert-manager"]),
    ("acme.cert-manager.io", &["cert-manager"]),
    ("trust.cert-manager.io", &["trust-manager"]),
    ("postgresql.cnpg.io", &["cloudnative-pg"]),
    (
        "monitoring.coreos.com",
        &[
            "kube-prometheus-stack",
            "prometheus-operator-crds",
            "prometheus-operator",
        ],
    ),
    ("metallb.io", &["metallb"]),
    ("longhorn.io", &["longhorn"]),
    ("external-secrets.io", &["external-secrets"]),
    ("generators.external-secrets.io", &["external-secrets"]),
    ("traefik.io", &["traefik", "traefik-crds"]),
    ("traefik.containo.us", &["traefik", "traefik-crds"]),
    ("cilium.io", &["cilium"]),
    (
        "gateway.networking.k8s.io",
        &["gateway-api-crds", "gateway-helm"],
    ),
    ("bitnami.com", &["sealed-secrets"]),
    ("ceph.rook.io", &["rook-ceph"]),
    ("objectbucket.io", &["rook-ceph"]),
    ("snapshot.storage.k8s.io", &["snapshot-controller"]),
    ("upgrade.cattle.io", &["system-upgrade-controller"]),
    ("grafana.integreatly.org", &["grafana-operator"]),
    ("k8s.cni.cncf.io", &["multus"]),
    ("kyverno.io", &["kyverno"]),
    ("volsync.backube", &["volsync"]),
    ("externaldns.k8s.io", &["external-dns"]),
];

/// The CRD API groups a release of `chart` installs (none for most charts).
pub(crate) fn groups_of_chart(chart: &str) -> impl Iterator<Item = &'static str> + '_ {
    CHART_PROVIDERS
        .iter()
        .filter(move |(_, charts)| charts.contains(&chart))
        .map(|(group, _)| *group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_listed_once_and_never_built_in() {
        let mut seen = std::collections::BTreeSet::new();
        for (group, charts) in CHART_PROVIDERS {
            assert!(seen.insert(*group), "{group} twice");
            assert!(!BUILT_IN_GROUPS.contains(group), "{group}");
            assert!(!charts.is_empty());
        }
        assert_eq!(
            groups_of_chart("cert-manager").collect::<Vec<_>>(),
            ["cert-manager.io", "acme.cert-manager.io"]
        );
        assert_eq!(groups_of_chart("podinfo").count(), 0);
        assert!(
            is_flux_group("source.toolkit.fluxcd.io") && is_flux_group("fluxcd.controlplane.io")
        );
        assert!(!is_flux_group("notfluxcd.io"));
    }
}
