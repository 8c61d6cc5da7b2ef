use std::collections::BTreeSet;

use strata_core::SourceFile;

use super::*;
use crate::flux_kinds::CLUSTER_SCOPED_KINDS;
use crate::yaml::parse_documents;

fn table_of(text: &str) -> ScopeTable {
    let (documents, diagnostics) = parse_documents(&SourceFile::new("crds.yaml", text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    ScopeTable::from_documents(&documents)
}

/// Every (group, kind) of a CRD that the training repositories apply or
/// template, each checked against its upstream definition.
const CORPUS_CRD_KINDS: &[(&str, &str)] = &[
    ("apiextensions.crossplane.io", "CompositeResourceDefinition"),
    ("apiextensions.crossplane.io", "Composition"),
    ("apps.emqx.io", "EMQX"),
    ("ceph.rook.io", "CephBlockPool"),
    ("ceph.rook.io", "CephCluster"),
    ("ceph.rook.io", "CephFilesystem"),
    ("ceph.rook.io", "CephFilesystemSubVolumeGroup"),
    ("ceph.rook.io", "CephObjectStore"),
    ("ceph.rook.io", "CephObjectStoreUser"),
    ("cert-manager.io", "Certificate"),
    ("cert-manager.io", "ClusterIssuer"),
    ("cert-manager.io", "Issuer"),
    ("cilium.io", "CiliumBGPAdvertisement"),
    ("cilium.io", "CiliumBGPClusterConfig"),
    ("cilium.io", "CiliumBGPPeerConfig"),
    ("cilium.io", "CiliumCIDRGroup"),
    ("cilium.io", "CiliumClusterwideNetworkPolicy"),
    ("cilium.io", "CiliumL2AnnouncementPolicy"),
    ("cilium.io", "CiliumLoadBalancerIPPool"),
    ("cilium.io", "CiliumNetworkPolicy"),
    ("container.gcp.upbound.io", "Cluster"),
    ("dragonflydb.io", "Dragonfly"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ExternalSecret"),
    ("external-secrets.io", "PushSecret"),
    ("externaldns.k8s.io", "DNSEndpoint"),
    ("fluxcd.controlplane.io", "FluxInstance"),
    ("fluxcd.controlplane.io", "ResourceSet"),
    ("fluxcd.controlplane.io", "ResourceSetInputProvider"),
    ("gateway.envoyproxy.io", "Backend"),
    ("gateway.envoyproxy.io", "BackendTrafficPolicy"),
    ("gateway.envoyproxy.io", "ClientTrafficPolicy"),
    ("gateway.envoyproxy.io", "EnvoyExtensionPolicy"),
    ("gateway.envoyproxy.io", "EnvoyProxy"),
    ("gateway.envoyproxy.io", "SecurityPolicy"),
    ("gateway.networking.k8s.io", "BackendTLSPolicy"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
    ("gateway.networking.k8s.io", "ReferenceGrant"),
    ("gateway.networking.k8s.io", "TCPRoute"),
    ("gateway.networking.k8s.io", "UDPRoute"),
    ("gcp.upbound.io", "ProviderConfig"),
    ("grafana.integreatly.org", "Grafana"),
    ("grafana.integreatly.org", "GrafanaDashboard"),
    ("grafana.integreatly.org", "GrafanaDatasource"),
    ("grafana.integreatly.org", "GrafanaFolder"),
    ("groupsnapshot.storage.k8s.io", "VolumeGroupSnapshotClass"),
    ("helm.crossplane.io", "ProviderConfig"),
    ("helm.crossplane.io", "Release"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    ("inference.llmkube.dev", "InferenceService"),
    ("inference.llmkube.dev", "Model"),
    ("infra.contrib.fluxcd.io", "Terraform"),
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition"),
    ("kguardian.dev", "AuditClusterNetworkPolicy"),
    ("kopiur.home-operations.com", "ClusterRepository"),
    ("kopiur.home-operations.com", "Restore"),
    ("kopiur.home-operations.com", "Snapshot"),
    ("kopiur.home-operations.com", "SnapshotPolicy"),
    ("kopiur.home-operations.com", "SnapshotSchedule"),
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("litellm.home-operations.com", "LiteLLMMCPServer"),
    ("litellm.home-operations.com", "LiteLLMModel"),
    ("litellm.home-operations.com", "LiteLLMProxy"),
    ("metallb.io", "IPAddressPool"),
    ("metallb.io", "L2Advertisement"),
    ("miroir.home-operations.com", "MiroirNode"),
    ("miroir.home-operations.com", "MiroirNodeGroup"),
    ("monitoring.coreos.com", "AlertmanagerConfig"),
    ("monitoring.coreos.com", "PodMonitor"),
    ("monitoring.coreos.com", "Probe"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("monitoring.coreos.com", "ScrapeConfig"),
    ("monitoring.coreos.com", "ServiceMonitor"),
    ("networking.istio.io", "Gateway"),
    ("notification.toolkit.fluxcd.io", "Alert"),
    ("notification.toolkit.fluxcd.io", "Provider"),
    ("notification.toolkit.fluxcd.io", "Receiver"),
    ("objectbucket.io", "ObjectBucketClaim"),
    ("observability.giantswarm.io", "Silence"),
    ("operator.victoriametrics.com", "VMPodScrape"),
    ("pkg.crossplane.io", "Provider"),
    ("postgresql.cnpg.io", "Cluster"),
    ("postgresql.cnpg.io", "ImageCatalog"),
    ("postgresql.cnpg.io", "ScheduledBackup"),
    ("renovate-operator.mogenius.com", "RenovateJob"),
    ("resource.k8s.io", "ResourceClaimTemplate"),
    ("security.istio.io", "AuthorizationPolicy"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    ("source.extensions.fluxcd.io", "ArtifactGenerator"),
    ("source.toolkit.fluxcd.io", "GitRepository"),
    ("source.toolkit.fluxcd.io", "HelmRepository"),
    ("source.toolkit.fluxcd.io", "OCIRepository"),
    ("talos.dev", "ServiceAccount"),
    ("traefik.io", "IngressRoute"),
    ("traefik.io", "Middleware"),
    ("traefik.io", "ServersTransport"),
    ("traefik.io", "TLSStore"),
    ("tuppr.home-operations.com", "KubernetesUpgrade"),
    ("tuppr.home-operations.com", "TalosUpgrade"),
    ("velero.io", "BackupStorageLocation"),
    ("velero.io", "Schedule"),
    ("volsync.backube", "ReplicationDestination"),
    ("volsync.backube", "ReplicationSource"),
    // Not listed, so namespaced by default: `paperclip.inc` `Instance` and
    // `volsync.backube` `KopiaMaintenance` (no public definition found;
    // their objects are written with a namespace), and `xunholy.io`, whose
    // kinds the repository's own CompositeResourceDefinition defines.
];

#[test]
fn every_crd_kind_of_the_corpus_has_a_scope() {
    let missing: Vec<_> = CORPUS_CRD_KINDS
        .iter()
        .filter(|(group, kind)| known_scope(group, kind).is_none())
        .collect();
    assert!(missing.is_empty(), "no scope for {missing:?}");
}

#[test]
fn cluster_scoped_kinds_by_group() {
    let table = ScopeTable::new();
    for (group, kind) in [
        ("cilium.io", "CiliumBGPClusterConfig"),
        ("cilium.io", "CiliumBGPPeerConfig"),
        ("cilium.io", "CiliumBGPAdvertisement"),
        ("cilium.io", "CiliumLoadBalancerIPPool"),
        ("cilium.io", "CiliumL2AnnouncementPolicy"),
        ("cert-manager.io", "ClusterIssuer"),
        ("external-secrets.io", "ClusterSecretStore"),
        ("kyverno.io", "ClusterPolicy"),
        ("storage.k8s.io", "StorageClass"),
        ("networking.k8s.io", "IngressClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("", "Namespace"),
        ("monitoring.giantswarm.io", "Silence"),
    ] {
        assert!(table.is_cluster_scoped(group, kind), "{group} {kind}");
    }
    for (group, kind) in [
        ("cilium.io", "CiliumNetworkPolicy"),
        ("cilium.io", "CiliumNodeConfig"),
        ("cert-manager.io", "Issuer"),
        ("observability.giantswarm.io", "Silence"),
        ("postgresql.cnpg.io", "Cluster"),
        ("notification.toolkit.fluxcd.io", "Provider"),
        ("", "ConfigMap"),
        ("example.com", "Unknown"),
    ] {
        assert!(!table.is_cluster_scoped(group, kind), "{group} {kind}");
    }
    assert!(table.is_cluster_scoped_object("cilium.io/v2", "CiliumBGPPeerConfig"));
    assert!(!table.is_cluster_scoped_object("v1", "Service"));
}

#[test]
fn group_wide_rules() {
    assert_eq!(
        known_scope("s3.aws.upbound.io", "Bucket"),
        Some(Scope::Cluster)
    );
    assert_eq!(
        known_scope("container.gcp.upbound.io", "Cluster"),
        Some(Scope::Cluster)
    );
    assert_eq!(
        known_scope("s3.aws.m.upbound.io", "Bucket"),
        Some(Scope::Namespaced)
    );
    assert_eq!(
        known_scope("aws.m.upbound.io", "ProviderConfig"),
        Some(Scope::Namespaced)
    );
    assert_eq!(
        known_scope("aws.m.upbound.io", "ClusterProviderConfig"),
        Some(Scope::Cluster)
    );
    assert_eq!(
        known_scope("constraints.gatekeeper.sh", "K8sRequiredLabels"),
        Some(Scope::Cluster)
    );
    assert_eq!(known_scope("upbound.io.example.com", "Thing"), None);
}

#[test]
fn repository_definitions_complete_and_override_the_table() {
    let table = table_of(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Cluster
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names:
    kind: Gadget
  scope: Namespaced
---
# A fork that made a namespaced kind cluster-scoped.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: cert-manager.io
  names:
    kind: Issuer
  scope: Cluster
---
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xgitopsclusters.example.org
spec:
  group: example.org
  names:
    kind: XGitOpsCluster
  claimNames:
    kind: GitOpsCluster
---
apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
spec:
  group: apps.example.org
  names:
    kind: App
---
apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
spec:
  group: infra.example.org
  scope: Cluster
  names:
    kind: Network
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-definition
data:
  scope: Cluster
",
    );
    assert!(table.is_cluster_scoped("example.com", "Widget"));
    assert!(!table.is_cluster_scoped("example.com", "Gadget"));
    assert!(table.is_cluster_scoped("cert-manager.io", "Issuer"));
    assert!(table.is_cluster_scoped("example.org", "XGitOpsCluster"));
    assert!(!table.is_cluster_scoped("example.org", "GitOpsCluster"));
    assert!(!table.is_cluster_scoped("apps.example.org", "App"));
    assert!(table.is_cluster_scoped("infra.example.org", "Network"));
    // The static table still answers for what the repository does not define.
    assert!(table.is_cluster_scoped("cilium.io", "CiliumBGPPeerConfig"));
    // A definition without a usable scope teaches nothing.
    let partial = table_of(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names:
    kind: Widget
  scope: ${SCOPE}
",
    );
    assert_eq!(partial, ScopeTable::new());
}

#[test]
fn rows_are_unique() {
    let mut seen = BTreeSet::new();
    for (group, kind, _) in KNOWN_SCOPES {
        assert!(seen.insert((group, kind)), "{group} {kind} twice");
    }
}

#[test]
fn the_kind_only_list_agrees_with_the_table() {
    for kind in CLUSTER_SCOPED_KINDS {
        let rows: Vec<_> = KNOWN_SCOPES.iter().filter(|(_, k, _)| k == kind).collect();
        assert!(!rows.is_empty(), "{kind} has no row");
        assert!(
            rows.iter().all(|(_, _, scope)| *scope == Scope::Cluster),
            "{kind} is namespaced in some group"
        );
    }
}
