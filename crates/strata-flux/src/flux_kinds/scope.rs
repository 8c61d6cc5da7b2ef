//! Which kinds are cluster-scoped: a table of the Kubernetes API and of the
//! CRDs homelabs install, keyed on (API group, kind) because one kind name
//! can mean two APIs (`Silence` is cluster-scoped in
//! `monitoring.giantswarm.io`, namespaced in `observability.giantswarm.io`),
//! completed by the `CustomResourceDefinition` and Crossplane
//! `CompositeResourceDefinition` objects of the repository itself.
//!
//! Every row was read from the upstream definition: the CRD's `spec.scope`,
//! or the `+kubebuilder:resource:scope=` marker it is generated from. A kind
//! no row and no repository CRD names is namespaced, as kustomize assumes.

use std::collections::BTreeMap;

use crate::flux_kinds::api_group;
use crate::yaml::Yaml;

/// Whether the objects of a kind live in a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// No namespace (`Namespace`, `ClusterIssuer`, `CiliumBGPPeerConfig`).
    Cluster,
    /// In a namespace.
    Namespaced,
}

use Scope::{Cluster, Namespaced};

/// (API group, kind, scope) of the Kubernetes API and of common CRDs,
/// grouped by project (the source of each group in a comment). The core
/// group is `""`. Namespaced rows are listed
/// for every CRD seen in real homelab repositories, so the table says
/// which kinds were checked; a kind missing here is namespaced anyway.
pub const KNOWN_SCOPES: &[(&str, &str, Scope)] = &[
    // Kubernetes (https://kubernetes.io/docs/reference/kubernetes-api/).
    ("", "Namespace", Cluster),
    ("", "Node", Cluster),
    ("", "PersistentVolume", Cluster),
    ("", "ComponentStatus", Cluster),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        Cluster,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        Cluster,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        Cluster,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        Cluster,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicy",
        Cluster,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
        Cluster,
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition", Cluster),
    ("apiregistration.k8s.io", "APIService", Cluster),
    ("certificates.k8s.io", "CertificateSigningRequest", Cluster),
    ("certificates.k8s.io", "ClusterTrustBundle", Cluster),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema", Cluster),
    (
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        Cluster,
    ),
    ("networking.k8s.io", "IngressClass", Cluster),
    ("networking.k8s.io", "IPAddress", Cluster),
    ("networking.k8s.io", "ServiceCIDR", Cluster),
    ("node.k8s.io", "RuntimeClass", Cluster),
    ("rbac.authorization.k8s.io", "ClusterRole", Cluster),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding", Cluster),
    ("resource.k8s.io", "DeviceClass", Cluster),
    ("resource.k8s.io", "ResourceSlice", Cluster),
    ("resource.k8s.io", "DeviceTaintRule", Cluster),
    ("resource.k8s.io", "ResourceClaimTemplate", Namespaced),
    ("scheduling.k8s.io", "PriorityClass", Cluster),
    ("storage.k8s.io", "StorageClass", Cluster),
    ("storage.k8s.io", "CSIDriver", Cluster),
    ("storage.k8s.io", "CSINode", Cluster),
    ("storage.k8s.io", "VolumeAttachment", Cluster),
    ("storage.k8s.io", "VolumeAttributesClass", Cluster),
    (
        "storagemigration.k8s.io",
        "StorageVersionMigration",
        Cluster,
    ),
    // CSI snapshots (kubernetes-csi/external-snapshotter client/config/crd).
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass", Cluster),
    ("snapshot.storage.k8s.io", "VolumeSnapshotContent", Cluster),
    ("snapshot.storage.k8s.io", "VolumeSnapshot", Namespaced),
    (
        "groupsnapshot.storage.k8s.io",
        "VolumeGroupSnapshotClass",
        Cluster,
    ),
    (
        "groupsnapshot.storage.k8s.io",
        "VolumeGroupSnapshotContent",
        Cluster,
    ),
    (
        "groupsnapshot.storage.k8s.io",
        "VolumeGroupSnapshot",
        Namespaced,
    ),
    // Gateway API (kubernetes-sigs/gateway-api config/crd).
    ("gateway.networking.k8s.io", "GatewayClass", Cluster),
    ("gateway.networking.k8s.io", "Gateway", Namespaced),
    ("gateway.networking.k8s.io", "HTTPRoute", Namespaced),
    ("gateway.networking.k8s.io", "GRPCRoute", Namespaced),
    ("gateway.networking.k8s.io", "TCPRoute", Namespaced),
    ("gateway.networking.k8s.io", "TLSRoute", Namespaced),
    ("gateway.networking.k8s.io", "UDPRoute", Namespaced),
    ("gateway.networking.k8s.io", "ReferenceGrant", Namespaced),
    ("gateway.networking.k8s.io", "BackendTLSPolicy", Namespaced),
    // Flux and the Flux Operator (fluxcd/*, controlplaneio-fluxcd/flux-operator).
    ("source.toolkit.fluxcd.io", "GitRepository", Namespaced),
    ("source.toolkit.fluxcd.io", "OCIRepository", Namespaced),
    ("source.toolkit.fluxcd.io", "HelmRepository", Namespaced),
    ("source.toolkit.fluxcd.io", "HelmChart", Namespaced),
    ("source.toolkit.fluxcd.io", "Bucket", Namespaced),
    ("source.toolkit.fluxcd.io", "ExternalArtifact", Namespaced),
    (
        "source.extensions.fluxcd.io",
        "ArtifactGenerator",
        Namespaced,
    ),
    ("kustomize.toolkit.fluxcd.io", "Kustomization", Namespaced),
    ("helm.toolkit.fluxcd.io", "HelmRelease", Namespaced),
    ("notification.toolkit.fluxcd.io", "Alert", Namespaced),
    ("notification.toolkit.fluxcd.io", "Provider", Namespaced),
    ("notification.toolkit.fluxcd.io", "Receiver", Namespaced),
    ("fluxcd.controlplane.io", "FluxInstance", Namespaced),
    ("fluxcd.controlplane.io", "FluxReport", Namespaced),
    ("fluxcd.controlplane.io", "ResourceSet", Namespaced),
    (
        "fluxcd.controlplane.io",
        "ResourceSetInputProvider",
        Namespaced,
    ),
    ("infra.contrib.fluxcd.io", "Terraform", Namespaced),
    // cert-manager and trust-manager (cert-manager/cert-manager deploy/crds).
    ("cert-manager.io", "ClusterIssuer", Cluster),
    ("cert-manager.io", "Issuer", Namespaced),
    ("cert-manager.io", "Certificate", Namespaced),
    ("cert-manager.io", "CertificateRequest", Namespaced),
    ("trust.cert-manager.io", "Bundle", Cluster),
    ("trust.cert-manager.io", "ClusterBundle", Cluster),
    // External Secrets (external-secrets/external-secrets config/crds).
    ("external-secrets.io", "ClusterSecretStore", Cluster),
    ("external-secrets.io", "ClusterExternalSecret", Cluster),
    ("external-secrets.io", "ClusterPushSecret", Cluster),
    ("external-secrets.io", "SecretStore", Namespaced),
    ("external-secrets.io", "ExternalSecret", Namespaced),
    ("external-secrets.io", "PushSecret", Namespaced),
    (
        "generators.external-secrets.io",
        "ClusterGenerator",
        Cluster,
    ),
    // Cilium (cilium/cilium pkg/k8s/apis/cilium.io/client/crds).
    ("cilium.io", "CiliumBGPAdvertisement", Cluster),
    ("cilium.io", "CiliumBGPClusterConfig", Cluster),
    ("cilium.io", "CiliumBGPNodeConfig", Cluster),
    ("cilium.io", "CiliumBGPNodeConfigOverride", Cluster),
    ("cilium.io", "CiliumBGPPeerConfig", Cluster),
    ("cilium.io", "CiliumBGPPeeringPolicy", Cluster),
    ("cilium.io", "CiliumCIDRGroup", Cluster),
    ("cilium.io", "CiliumClusterwideEnvoyConfig", Cluster),
    ("cilium.io", "CiliumClusterwideNetworkPolicy", Cluster),
    ("cilium.io", "CiliumEgressGatewayPolicy", Cluster),
    ("cilium.io", "CiliumEndpointSlice", Cluster),
    ("cilium.io", "CiliumExternalWorkload", Cluster),
    ("cilium.io", "CiliumIdentity", Cluster),
    ("cilium.io", "CiliumL2AnnouncementPolicy", Cluster),
    ("cilium.io", "CiliumLoadBalancerIPPool", Cluster),
    ("cilium.io", "CiliumNode", Cluster),
    ("cilium.io", "CiliumPodIPPool", Cluster),
    ("cilium.io", "CiliumEndpoint", Namespaced),
    ("cilium.io", "CiliumEnvoyConfig", Namespaced),
    ("cilium.io", "CiliumGatewayClassConfig", Namespaced),
    ("cilium.io", "CiliumLocalRedirectPolicy", Namespaced),
    ("cilium.io", "CiliumNetworkPolicy", Namespaced),
    ("cilium.io", "CiliumNodeConfig", Namespaced),
    // Calico (projectcalico/calico libcalico-go/config/crd, tigera/operator).
    ("crd.projectcalico.org", "BGPConfiguration", Cluster),
    ("crd.projectcalico.org", "BGPFilter", Cluster),
    ("crd.projectcalico.org", "BGPPeer", Cluster),
    ("crd.projectcalico.org", "BlockAffinity", Cluster),
    ("crd.projectcalico.org", "CalicoNodeStatus", Cluster),
    ("crd.projectcalico.org", "ClusterInformation", Cluster),
    ("crd.projectcalico.org", "FelixConfiguration", Cluster),
    ("crd.projectcalico.org", "GlobalNetworkPolicy", Cluster),
    ("crd.projectcalico.org", "GlobalNetworkSet", Cluster),
    ("crd.projectcalico.org", "HostEndpoint", Cluster),
    ("crd.projectcalico.org", "IPAMBlock", Cluster),
    ("crd.projectcalico.org", "IPAMConfig", Cluster),
    ("crd.projectcalico.org", "IPAMHandle", Cluster),
    ("crd.projectcalico.org", "IPPool", Cluster),
    ("crd.projectcalico.org", "IPReservation", Cluster),
    (
        "crd.projectcalico.org",
        "KubeControllersConfiguration",
        Cluster,
    ),
    ("crd.projectcalico.org", "NetworkPolicy", Namespaced),
    ("crd.projectcalico.org", "NetworkSet", Namespaced),
    ("operator.tigera.io", "Installation", Cluster),
    ("operator.tigera.io", "APIServer", Cluster),
    ("operator.tigera.io", "ImageSet", Cluster),
    ("operator.tigera.io", "TigeraStatus", Cluster),
    // Kyverno and policy reports (kyverno/kyverno config/crds).
    ("kyverno.io", "ClusterPolicy", Cluster),
    ("kyverno.io", "ClusterCleanupPolicy", Cluster),
    ("kyverno.io", "GlobalContextEntry", Cluster),
    ("kyverno.io", "Policy", Namespaced),
    ("kyverno.io", "CleanupPolicy", Namespaced),
    ("kyverno.io", "PolicyException", Namespaced),
    ("policies.kyverno.io", "ValidatingPolicy", Cluster),
    ("policies.kyverno.io", "ImageValidatingPolicy", Cluster),
    ("policies.kyverno.io", "MutatingPolicy", Cluster),
    ("policies.kyverno.io", "GeneratingPolicy", Cluster),
    ("policies.kyverno.io", "DeletingPolicy", Cluster),
    ("wgpolicyk8s.io", "ClusterPolicyReport", Cluster),
    ("wgpolicyk8s.io", "PolicyReport", Namespaced),
    ("reports.kyverno.io", "ClusterEphemeralReport", Cluster),
    ("reports.kyverno.io", "EphemeralReport", Namespaced),
    // Gatekeeper (open-policy-agent/gatekeeper; every constraint kind of
    // `constraints.gatekeeper.sh` is cluster-scoped, see `GROUP_SCOPES`).
    ("templates.gatekeeper.sh", "ConstraintTemplate", Cluster),
    ("mutations.gatekeeper.sh", "Assign", Cluster),
    ("mutations.gatekeeper.sh", "AssignImage", Cluster),
    ("mutations.gatekeeper.sh", "AssignMetadata", Cluster),
    ("mutations.gatekeeper.sh", "ModifySet", Cluster),
    ("expansion.gatekeeper.sh", "ExpansionTemplate", Cluster),
    ("config.gatekeeper.sh", "Config", Namespaced),
    // Crossplane (crossplane/crossplane cluster/crds; providers' legacy
    // managed resources and ProviderConfigs, see [`known_scope`]).
    (
        "apiextensions.crossplane.io",
        "CompositeResourceDefinition",
        Cluster,
    ),
    ("apiextensions.crossplane.io", "Composition", Cluster),
    (
        "apiextensions.crossplane.io",
        "CompositionRevision",
        Cluster,
    ),
    ("apiextensions.crossplane.io", "EnvironmentConfig", Cluster),
    (
        "apiextensions.crossplane.io",
        "ManagedResourceDefinition",
        Cluster,
    ),
    (
        "apiextensions.crossplane.io",
        "ManagedResourceActivationPolicy",
        Cluster,
    ),
    ("pkg.crossplane.io", "Provider", Cluster),
    ("pkg.crossplane.io", "Configuration", Cluster),
    ("pkg.crossplane.io", "Function", Cluster),
    ("pkg.crossplane.io", "DeploymentRuntimeConfig", Cluster),
    ("pkg.crossplane.io", "ControllerConfig", Cluster),
    ("pkg.crossplane.io", "ImageConfig", Cluster),
    ("helm.crossplane.io", "ProviderConfig", Cluster),
    ("helm.crossplane.io", "Release", Cluster),
    ("kubernetes.crossplane.io", "ProviderConfig", Cluster),
    ("kubernetes.crossplane.io", "Object", Cluster),
    // KServe (kserve/kserve config/crd).
    ("serving.kserve.io", "ClusterServingRuntime", Cluster),
    ("serving.kserve.io", "ClusterStorageContainer", Cluster),
    ("serving.kserve.io", "ServingRuntime", Namespaced),
    ("serving.kserve.io", "InferenceService", Namespaced),
    // KEDA (kedacore/keda config/crd).
    ("keda.sh", "ClusterTriggerAuthentication", Cluster),
    ("keda.sh", "TriggerAuthentication", Namespaced),
    ("keda.sh", "ScaledObject", Namespaced),
    ("keda.sh", "ScaledJob", Namespaced),
    // Tailscale operator (tailscale/tailscale cmd/k8s-operator/deploy/crds).
    ("tailscale.com", "Connector", Cluster),
    ("tailscale.com", "DNSConfig", Cluster),
    ("tailscale.com", "ProxyClass", Cluster),
    ("tailscale.com", "ProxyGroup", Cluster),
    ("tailscale.com", "Recorder", Cluster),
    // Node Feature Discovery, Intel and NVIDIA device operators.
    ("nfd.k8s-sigs.io", "NodeFeatureRule", Cluster),
    ("nfd.k8s-sigs.io", "NodeFeature", Namespaced),
    ("deviceplugin.intel.com", "GpuDevicePlugin", Cluster),
    ("deviceplugin.intel.com", "QatDevicePlugin", Cluster),
    ("deviceplugin.intel.com", "SgxDevicePlugin", Cluster),
    ("nvidia.com", "ClusterPolicy", Cluster),
    ("nvidia.com", "NVIDIADriver", Cluster),
    // Capsule (projectcapsule/capsule charts/capsule/crds).
    ("capsule.clastix.io", "Tenant", Cluster),
    ("capsule.clastix.io", "CapsuleConfiguration", Cluster),
    ("capsule.clastix.io", "GlobalTenantResource", Cluster),
    ("capsule.clastix.io", "TenantResource", Namespaced),
    // Argo (argoproj/argo-workflows manifests/base/crds).
    ("argoproj.io", "ClusterWorkflowTemplate", Cluster),
    // Karpenter (kubernetes-sigs/karpenter, aws/karpenter-provider-aws).
    ("karpenter.sh", "NodePool", Cluster),
    ("karpenter.sh", "NodeClaim", Cluster),
    ("karpenter.k8s.aws", "EC2NodeClass", Cluster),
    // Sigstore policy controller.
    ("policy.sigstore.dev", "ClusterImagePolicy", Cluster),
    // Rook and object bucket claims (rook/rook deploy/examples/crds.yaml).
    ("objectbucket.io", "ObjectBucket", Cluster),
    ("objectbucket.io", "ObjectBucketClaim", Namespaced),
    ("ceph.rook.io", "CephBlockPool", Namespaced),
    ("ceph.rook.io", "CephCluster", Namespaced),
    ("ceph.rook.io", "CephFilesystem", Namespaced),
    ("ceph.rook.io", "CephFilesystemSubVolumeGroup", Namespaced),
    ("ceph.rook.io", "CephObjectStore", Namespaced),
    ("ceph.rook.io", "CephObjectStoreUser", Namespaced),
    // CloudNativePG (cloudnative-pg/cloudnative-pg config/crd).
    ("postgresql.cnpg.io", "ClusterImageCatalog", Cluster),
    ("postgresql.cnpg.io", "Cluster", Namespaced),
    ("postgresql.cnpg.io", "ImageCatalog", Namespaced),
    ("postgresql.cnpg.io", "Backup", Namespaced),
    ("postgresql.cnpg.io", "ScheduledBackup", Namespaced),
    ("postgresql.cnpg.io", "Pooler", Namespaced),
    ("postgresql.cnpg.io", "Database", Namespaced),
    // Giant Swarm silence operator: the same kind in two groups.
    ("monitoring.giantswarm.io", "Silence", Cluster),
    ("observability.giantswarm.io", "Silence", Namespaced),
    // home-operations operators.
    ("tuppr.home-operations.com", "KubernetesUpgrade", Cluster),
    ("tuppr.home-operations.com", "TalosUpgrade", Cluster),
    ("miroir.home-operations.com", "MiroirNode", Cluster),
    ("miroir.home-operations.com", "MiroirNodeGroup", Cluster),
    ("miroir.home-operations.com", "MiroirSnapshot", Cluster),
    ("miroir.home-operations.com", "MiroirSnapshotGroup", Cluster),
    ("miroir.home-operations.com", "MiroirVolume", Cluster),
    ("kopiur.home-operations.com", "ClusterRepository", Cluster),
    ("kopiur.home-operations.com", "Restore", Namespaced),
    ("kopiur.home-operations.com", "Snapshot", Namespaced),
    ("kopiur.home-operations.com", "SnapshotPolicy", Namespaced),
    ("kopiur.home-operations.com", "SnapshotSchedule", Namespaced),
    (
        "litellm.home-operations.com",
        "LiteLLMMCPServer",
        Namespaced,
    ),
    ("litellm.home-operations.com", "LiteLLMModel", Namespaced),
    ("litellm.home-operations.com", "LiteLLMProxy", Namespaced),
    // kguardian (kguardian-dev/kguardian).
    ("kguardian.dev", "AuditClusterNetworkPolicy", Cluster),
    ("kguardian.dev", "AuditNetworkPolicy", Namespaced),
    // Other namespaced CRDs of homelab repositories, checked upstream.
    ("apps.emqx.io", "EMQX", Namespaced),
    ("dragonflydb.io", "Dragonfly", Namespaced),
    ("externaldns.k8s.io", "DNSEndpoint", Namespaced),
    ("gateway.envoyproxy.io", "Backend", Namespaced),
    ("gateway.envoyproxy.io", "BackendTrafficPolicy", Namespaced),
    ("gateway.envoyproxy.io", "ClientTrafficPolicy", Namespaced),
    ("gateway.envoyproxy.io", "EnvoyExtensionPolicy", Namespaced),
    ("gateway.envoyproxy.io", "EnvoyPatchPolicy", Namespaced),
    ("gateway.envoyproxy.io", "EnvoyProxy", Namespaced),
    ("gateway.envoyproxy.io", "SecurityPolicy", Namespaced),
    ("grafana.integreatly.org", "Grafana", Namespaced),
    ("grafana.integreatly.org", "GrafanaDashboard", Namespaced),
    ("grafana.integreatly.org", "GrafanaDatasource", Namespaced),
    ("grafana.integreatly.org", "GrafanaFolder", Namespaced),
    ("inference.llmkube.dev", "InferenceService", Namespaced),
    ("inference.llmkube.dev", "Model", Namespaced),
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition", Namespaced),
    ("metallb.io", "IPAddressPool", Namespaced),
    ("metallb.io", "L2Advertisement", Namespaced),
    ("metallb.io", "BGPPeer", Namespaced),
    ("metallb.io", "BGPAdvertisement", Namespaced),
    ("monitoring.coreos.com", "AlertmanagerConfig", Namespaced),
    ("monitoring.coreos.com", "PodMonitor", Namespaced),
    ("monitoring.coreos.com", "Probe", Namespaced),
    ("monitoring.coreos.com", "PrometheusRule", Namespaced),
    ("monitoring.coreos.com", "ScrapeConfig", Namespaced),
    ("monitoring.coreos.com", "ServiceMonitor", Namespaced),
    ("networking.istio.io", "Gateway", Namespaced),
    ("security.istio.io", "AuthorizationPolicy", Namespaced),
    ("operator.victoriametrics.com", "VMPodScrape", Namespaced),
    ("renovate-operator.mogenius.com", "RenovateJob", Namespaced),
    ("talos.dev", "ServiceAccount", Namespaced),
    ("traefik.io", "IngressRoute", Namespaced),
    ("traefik.io", "Middleware", Namespaced),
    ("traefik.io", "ServersTransport", Namespaced),
    ("traefik.io", "TLSStore", Namespaced),
    ("velero.io", "BackupStorageLocation", Namespaced),
    ("velero.io", "Schedule", Namespaced),
    ("volsync.backube", "ReplicationSource", Namespaced),
    ("volsync.backube", "ReplicationDestination", Namespaced),
    ("bitnami.com", "SealedSecret", Namespaced),
];

/// The scope of (group, kind) by [`KNOWN_SCOPES`], else by rules that hold
/// for a whole API group: Gatekeeper makes one cluster-scoped kind per
/// ConstraintTemplate in `constraints.gatekeeper.sh`; Upbound's providers
/// make cluster-scoped managed resources and ProviderConfigs in
/// `<service>.<provider>.upbound.io`, and their Crossplane v2 namespaced
/// twins in `*.m.upbound.io` (where only `ClusterProviderConfig` is
/// cluster-scoped).
pub fn known_scope(group: &str, kind: &str) -> Option<Scope> {
    if let Some((_, _, scope)) = KNOWN_SCOPES
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
    {
        return Some(*scope);
    }
    if group == "constraints.gatekeeper.sh" {
        return Some(Cluster);
    }
    if group.ends_with(".upbound.io") {
        let namespaced_twin = group.ends_with(".m.upbound.io") && kind != "ClusterProviderConfig";
        return Some(if namespaced_twin { Namespaced } else { Cluster });
    }
    None
}

/// The scopes strata uses for one repository: the repository's own
/// `CustomResourceDefinition`s and Crossplane `CompositeResourceDefinition`s
/// first, then [`known_scope`], else namespaced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeTable {
    /// (group, kind) → scope, from the repository's definitions.
    defined: BTreeMap<(String, String), Scope>,
}

impl ScopeTable {
    /// A table of the known scopes only.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table completed by every definition among `documents` (any YAML
    /// documents: the ones that define nothing are skipped).
    pub fn from_documents<'a>(documents: impl IntoIterator<Item = &'a Yaml>) -> Self {
        let mut table = Self::new();
        for document in documents {
            table.learn(document);
        }
        table
    }

    /// Adds what `document` defines, if it is a `CustomResourceDefinition`
    /// (`spec.group`, `spec.names.kind`, `spec.scope`) or a Crossplane
    /// `CompositeResourceDefinition` (v1: the composite kind cluster-scoped
    /// and the claim kind namespaced; v2: `spec.scope`, default
    /// `Namespaced`, `LegacyCluster` being cluster-scoped).
    pub fn learn(&mut self, document: &Yaml) {
        let text = |path: &str| document.path(path).and_then(Yaml::as_str);
        let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) else {
            return;
        };
        let Some(group) = text("spec.group") else {
            return;
        };
        match (api_group(api_version), kind) {
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                let scope = match text("spec.scope") {
                    Some("Cluster") => Cluster,
                    Some("Namespaced") => Namespaced,
                    _ => return,
                };
                if let Some(defined) = text("spec.names.kind") {
                    self.define(group, defined, scope);
                }
            }
            ("apiextensions.crossplane.io", "CompositeResourceDefinition") => {
                let v1 = crate::flux_kinds::api_version_of(api_version) == "v1";
                let composite = match text("spec.scope") {
                    Some("Cluster" | "LegacyCluster") => Cluster,
                    Some(_) => Namespaced,
                    None if v1 => Cluster,
                    None => Namespaced,
                };
                if let Some(defined) = text("spec.names.kind") {
                    self.define(group, defined, composite);
                }
                if let Some(claim) = text("spec.claimNames.kind") {
                    self.define(group, claim, Namespaced);
                }
            }
            _ => {}
        }
    }

    fn define(&mut self, group: &str, kind: &str, scope: Scope) {
        self.defined
            .insert((group.to_string(), kind.to_string()), scope);
    }

    /// The scope of objects of `kind` in API `group` (`""` for the core
    /// group; [`api_group`] gives it from an `apiVersion`).
    pub fn scope(&self, group: &str, kind: &str) -> Scope {
        self.defined
            .get(&(group.to_string(), kind.to_string()))
            .copied()
            .or_else(|| known_scope(group, kind))
            .unwrap_or(Namespaced)
    }

    /// Whether objects of `kind` in API `group` have no namespace.
    pub fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        self.scope(group, kind) == Cluster
    }

    /// [`ScopeTable::is_cluster_scoped`] for an object's `apiVersion`.
    pub fn is_cluster_scoped_object(&self, api_version: &str, kind: &str) -> bool {
        self.is_cluster_scoped(api_group(api_version), kind)
    }
}

#[cfg(test)]
mod tests;
