//! Which API groups and kinds strata recognises: the Flux toolkit kinds it
//! follows and the Kubernetes kinds that are cluster-scoped.
//!
//! Every recognition decision lives here, so supporting a new Flux API version
//! or flagging a deprecated one is a change to this file alone; which kinds
//! are cluster-scoped is the table of the `scope` module ([`ScopeTable`]).

mod scope;

pub use scope::{KNOWN_SCOPES, Scope, ScopeTable, known_scope};

/// API group of Flux Kustomizations.
pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// API group of HelmReleases.
pub const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
/// API group of Flux sources (GitRepository, HelmRepository, HelmChart, OCIRepository, Bucket, ExternalArtifact).
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

/// The group part of an `apiVersion` (`""` for the core group's `v1`).
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The version part of an `apiVersion` (`v1` of `kustomize.toolkit.fluxcd.io/v1`).
pub fn api_version_of(api_version: &str) -> &str {
    api_version
        .rsplit_once('/')
        .map_or(api_version, |(_, version)| version)
}

/// Whether an object is a Flux Kustomization (any version of
/// `kustomize.toolkit.fluxcd.io`), as opposed to a kustomize
/// `kustomize.config.k8s.io` Kustomization file.
pub fn is_flux_kustomization(api_version: &str, kind: &str) -> bool {
    kind == "Kustomization" && api_group(api_version) == KUSTOMIZE_GROUP
}

/// Whether an object is a Flux HelmRelease (any version of `helm.toolkit.fluxcd.io`).
pub fn is_helm_release(api_version: &str, kind: &str) -> bool {
    kind == "HelmRelease" && api_group(api_version) == HELM_GROUP
}

/// Whether an object is a Flux source (any kind of `source.toolkit.fluxcd.io`).
pub fn is_flux_source(api_version: &str) -> bool {
    api_group(api_version) == SOURCE_GROUP
}

/// The `sourceRef.kind` a Flux Kustomization reads its files from when that
/// source is the repository strata is analysing.
pub const GIT_REPOSITORY: &str = "GitRepository";

/// Kinds whose objects have no namespace whatever their API group, for
/// callers that know only the kind. Only names no namespaced kind shares:
/// generic names (`Configuration`, `Tenant`, `Silence`, `Cluster`) need the
/// group, which [`ScopeTable::is_cluster_scoped`] takes. Each entry is
/// cluster-scoped in [`KNOWN_SCOPES`] for every group that has it.
pub const CLUSTER_SCOPED_KINDS: &[&str] = &[
    // Kubernetes core and built-in API groups.
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "VolumeAttributesClass",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "CertificateSigningRequest",
    "ClusterTrustBundle",
    "VolumeSnapshotClass",
    "VolumeSnapshotContent",
    "VolumeGroupSnapshotClass",
    "VolumeGroupSnapshotContent",
    "DeviceClass",
    // Gateway API.
    "GatewayClass",
    // cert-manager.
    "ClusterIssuer",
    // external-secrets.
    "ClusterSecretStore",
    "ClusterExternalSecret",
    "ClusterPushSecret",
    "ClusterGenerator",
    // Kyverno, policy reports, Gatekeeper, NVIDIA GPU operator.
    "ClusterPolicy",
    "ClusterPolicyReport",
    "ClusterCleanupPolicy",
    "ClusterEphemeralReport",
    "ConstraintTemplate",
    // KServe.
    "ClusterServingRuntime",
    "ClusterStorageContainer",
    // KEDA.
    "ClusterTriggerAuthentication",
    // CloudNativePG.
    "ClusterImageCatalog",
    // Cilium.
    "CiliumBGPAdvertisement",
    "CiliumBGPClusterConfig",
    "CiliumBGPNodeConfig",
    "CiliumBGPNodeConfigOverride",
    "CiliumBGPPeerConfig",
    "CiliumBGPPeeringPolicy",
    "CiliumCIDRGroup",
    "CiliumClusterwideEnvoyConfig",
    "CiliumClusterwideNetworkPolicy",
    "CiliumEgressGatewayPolicy",
    "CiliumExternalWorkload",
    "CiliumIdentity",
    "CiliumL2AnnouncementPolicy",
    "CiliumLoadBalancerIPPool",
    "CiliumNode",
    "CiliumPodIPPool",
    // Calico.
    "GlobalNetworkPolicy",
    "GlobalNetworkSet",
    "FelixConfiguration",
    "BGPConfiguration",
    // Crossplane.
    "CompositeResourceDefinition",
    "DeploymentRuntimeConfig",
    // home-operations operators.
    "TalosUpgrade",
    "KubernetesUpgrade",
    "ClusterRepository",
];

/// Whether objects of `kind` are cluster-scoped whatever their group (see
/// [`CLUSTER_SCOPED_KINDS`]); prefer [`ScopeTable::is_cluster_scoped`].
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.contains(&kind)
}

/// File names kustomize recognises as a directory's kustomization, in the
/// order it looks for them.
pub const KUSTOMIZATION_FILE_NAMES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_flux_kinds_by_group_whatever_the_version() {
        assert!(is_flux_kustomization(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization"
        ));
        assert!(is_flux_kustomization(
            "kustomize.toolkit.fluxcd.io/v1beta2",
            "Kustomization"
        ));
        assert!(!is_flux_kustomization(
            "kustomize.config.k8s.io/v1beta1",
            "Kustomization"
        ));
        assert!(is_helm_release(
            "helm.toolkit.fluxcd.io/v2beta2",
            "HelmRelease"
        ));
        assert!(is_flux_source("source.toolkit.fluxcd.io/v1"));
        assert_eq!(api_group("v1"), "");
        assert_eq!(api_version_of("helm.toolkit.fluxcd.io/v2"), "v2");
    }

    #[test]
    fn cluster_scoped_kinds() {
        assert!(is_cluster_scoped("Namespace") && is_cluster_scoped("ClusterIssuer"));
        assert!(!is_cluster_scoped("HelmRelease") && !is_cluster_scoped("Issuer"));
    }
}
