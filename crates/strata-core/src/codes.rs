//! The table of every diagnostic code strata can emit.
//!
//! **Invariant:** a code string never changes meaning and is never reused;
//! `strata-check` documents every variant here (a test there enforces it).

use serde::{Serialize, Serializer};

use crate::Severity;

/// Which part of the repository a code is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Reading files at all (encoding, size, permissions).
    Io,
    /// The Nix flake, hosts and modules.
    Nix,
    /// YAML syntax.
    Yaml,
    /// The Flux and kustomize tree.
    Flux,
    /// Checks that need both layers.
    Cross,
    /// The tool's own operation (evaluation tier fallbacks).
    Tool,
}

macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = ($code:literal, $name:literal, $layer:ident, $severity:ident), )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$meta])* $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable code string, e.g. `FLUX001`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The kebab-case rule name, e.g. `depends-on-unresolved`.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The layer the code belongs to.
            pub fn layer(self) -> Layer {
                match self { $( Code::$variant => Layer::$layer, )* }
            }

            /// The severity findings of this code carry unless a rule says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// Looks a code up by its code string or rule name (case-insensitive).
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| {
                    c.as_str().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text)
                })
            }
        }
    };
}

codes! {
    /// A file could not be read as text: unreadable, not UTF-8, or too large.
    UnreadableFile = ("IO001", "unreadable-file", Io, Error),
    /// A repository entry that is not read: a symlink resolving outside the root, a device, FIFO or socket.
    FileOutsideRepository = ("IO002", "file-outside-repository", Io, Error),
    /// A `.nix` file does not parse.
    NixSyntax = ("NIX001", "nix-syntax-error", Nix, Error),
    /// `imports = [ ./x ]` or `import ./x` names a path that does not exist.
    NixImportMissing = ("NIX002", "nix-import-missing", Nix, Error),
    /// The static evaluator stopped on a construct it cannot follow (depth, step limit).
    NixEvalLimit = ("NIX003", "nix-eval-limit", Nix, Warning),
    /// A YAML file does not parse.
    YamlSyntax = ("YAML001", "yaml-syntax-error", Yaml, Error),
    /// A YAML document that should be a Kubernetes object has no `kind`, `apiVersion` or `metadata.name`.
    YamlNotAnObject = ("YAML002", "yaml-not-an-object", Yaml, Warning),
    /// A `dependsOn` entry names no Kustomization or HelmRelease that exists.
    DependsOnUnresolved = ("FLUX001", "depends-on-unresolved", Flux, Error),
    /// `dependsOn` entries form a cycle.
    DependsOnCycle = ("FLUX002", "depends-on-cycle", Flux, Error),
    /// A `sourceRef` or `chartRef` names no source object that exists.
    SourceUnresolved = ("FLUX003", "source-unresolved", Flux, Error),
    /// A Flux Kustomization's `spec.path` does not exist in the repository.
    KustomizationPathMissing = ("FLUX004", "kustomization-path-missing", Flux, Error),
    /// A kustomize `resources:` (or `components:`) entry does not exist.
    KustomizeResourceMissing = ("FLUX005", "kustomize-resource-missing", Flux, Error),
    /// A HelmRelease `valuesFrom` ConfigMap or Secret that nothing applied provides.
    ValuesFromUnresolved = ("FLUX006", "values-from-unresolved", Flux, Error),
    /// A Kustomization `postBuild.substituteFrom` ConfigMap or Secret that nothing applied provides.
    SubstituteFromUnresolved = ("FLUX007", "substitute-from-unresolved", Flux, Error),
    /// A `${VAR}` left without a value by `postBuild` substitution.
    SubstitutionVariableUnset = ("FLUX008", "substitution-variable-unset", Flux, Warning),
    /// A SOPS-encrypted file applied by a Kustomization without `decryption.provider: sops`.
    SopsWithoutDecryption = ("FLUX009", "sops-without-decryption", Flux, Error),
    /// A manifest below the Flux tree that no Kustomization applies.
    ManifestNotApplied = ("FLUX010", "manifest-not-applied", Flux, Warning),
    /// A Flux object uses an API version that Flux 2.7 no longer serves.
    ApiVersionRemoved = ("FLUX011", "api-version-removed", Flux, Error),
    /// A Flux object uses an API version deprecated in Flux 2.7 and removed in 2.8.
    ApiVersionDeprecated = ("FLUX012", "api-version-deprecated", Flux, Warning),
    /// A HelmRelease or HelmChart does not pin its chart to one exact version.
    ChartVersionUnpinned = ("FLUX013", "chart-version-unpinned", Flux, Warning),
    /// An OCIRepository follows a moving reference (`latest`, a branch-like tag, a range, none).
    OciTagMoving = ("FLUX014", "oci-tag-moving", Flux, Warning),
    /// A container image has the `latest` tag or no tag, and no digest.
    ImageTagUnpinned = ("FLUX015", "image-tag-unpinned", Flux, Warning),
    /// A workload container has no memory request or no memory limit.
    ContainerResourcesMissing = ("FLUX016", "container-resources-missing", Flux, Warning),
    /// A `Secret` with data is committed in plaintext (not SOPS-encrypted).
    SecretPlaintext = ("FLUX017", "secret-plaintext", Flux, Error),
    /// The same object (kind, namespace, name) is applied more than once.
    ObjectDuplicate = ("FLUX018", "object-duplicate", Flux, Error),
    /// Two Ingresses (or HTTPRoutes) claim the same host and path.
    IngressConflict = ("FLUX019", "ingress-conflict", Flux, Error),
    /// A namespaced object's namespace is created by no Namespace in the tree.
    NamespaceMissing = ("FLUX020", "namespace-missing", Flux, Warning),
    /// A custom resource is applied by a Kustomization that does not wait for its CRD.
    CrdOrdering = ("FLUX021", "crd-ordering", Flux, Error),
    /// A Flux sync (FluxInstance, flux-instance values) names a path that is not in the repository.
    SyncRootUnresolved = ("FLUX022", "sync-root-unresolved", Flux, Warning),
    /// The repository has Flux objects but no sync root strata recognises.
    SyncRootMissing = ("FLUX023", "sync-root-missing", Flux, Warning),
    /// A Kustomization's build holds the same object twice; kustomize refuses it.
    KustomizeDuplicateId = ("FLUX024", "kustomize-duplicate-id", Flux, Error),
    /// A Flux Kustomization, HelmRelease or source has a field of the wrong shape or misses a required one.
    FluxObjectMalformed = ("FLUX025", "flux-object-malformed", Flux, Error),
    /// A `${…}` expression Flux's postBuild substitution cannot parse.
    SubstitutionInvalid = ("FLUX026", "substitution-invalid", Flux, Error),
    /// An object's `metadata.name` or `metadata.namespace` is not a string, or not a name the API server accepts for its kind.
    ObjectNameInvalid = ("FLUX027", "object-name-invalid", Flux, Error),
    /// A k3s node's `serverAddr` names no known k3s server.
    K3sJoinUnresolved = ("K3S001", "k3s-join-unresolved", Nix, Error),
    /// A `.nix` module file under the flake that no host imports and no Nix code references.
    ModuleUnused = ("NIX004", "module-unused", Nix, Warning),
    /// A flake input has no entry in `flake.lock`.
    FlakeInputUnlocked = ("NIX005", "flake-input-unlocked", Nix, Error),
    /// A `flake.lock` entry that no input of `flake.nix` uses.
    FlakeLockOrphan = ("NIX006", "flake-lock-orphan", Nix, Warning),
    /// A flake input that no output uses.
    FlakeInputUnused = ("NIX007", "flake-input-unused", Nix, Warning),
    /// A Colmena or deploy-rs node without a matching nixosConfiguration, or the reverse.
    DeployNodeMismatch = ("NIX008", "deploy-node-mismatch", Nix, Warning),
    /// A deploy-rs profile activates a nixosConfiguration that does not exist.
    DeployProfileMissing = ("NIX009", "deploy-profile-missing", Nix, Error),
    /// Two hosts have the same static address or `networking.hostName`.
    HostDuplicateAddress = ("NIX010", "host-duplicate-address", Nix, Error),
    /// A NixOS host does not set `system.stateVersion`.
    StateVersionMissing = ("NIX011", "state-version-missing", Nix, Warning),
    /// A flake output that declares hosts cannot be read statically: its hosts are unknown or only partly known.
    HostsUnknown = ("NIX012", "hosts-unknown", Nix, Warning),
    /// A value strata reads from the flake (`flake.nix`, `outputs`, a host fact) has the wrong type, or evaluating it fails.
    NixValueMalformed = ("NIX013", "nix-value-malformed", Nix, Error),
    /// k3s nodes join a cluster no server initialises (or agents exist without any server).
    K3sNoClusterInit = ("K3S002", "k3s-no-cluster-init", Nix, Error),
    /// More than one k3s server sets `clusterInit`.
    K3sMultipleClusterInit = ("K3S003", "k3s-multiple-cluster-init", Nix, Error),
    /// An embedded-etcd k3s cluster with an even number of servers cannot survive one failure better than one fewer.
    K3sEtcdQuorum = ("K3S004", "k3s-etcd-quorum", Nix, Warning),
    /// `services.k3s.token` is a literal: the secret lands in the world-readable Nix store.
    K3sTokenLiteral = ("K3S005", "k3s-token-literal", Nix, Error),
    /// A joining k3s node has no token, tokenFile or environmentFile.
    K3sTokenMissing = ("K3S006", "k3s-token-missing", Nix, Error),
    /// A k3s node's firewall does not open a port k3s needs.
    K3sFirewallPort = ("K3S007", "k3s-firewall-port", Nix, Error),
    /// MetalLB, kube-vip or Cilium LB IPAM is deployed while a k3s server keeps servicelb.
    CrossServiceLbConflict = ("CROSS001", "cross-servicelb-conflict", Cross, Error),
    /// An ingress controller other than Traefik is deployed while a k3s server keeps its bundled Traefik.
    CrossTraefikConflict = ("CROSS002", "cross-traefik-conflict", Cross, Warning),
    /// An Ingress or cert-manager solver names an ingress class no deployed controller serves.
    CrossIngressClassUnserved = ("CROSS003", "cross-ingress-class-unserved", Cross, Error),
    /// Cilium or Calico is deployed while k3s keeps flannel or its network policy controller.
    CrossCniFlannel = ("CROSS004", "cross-cni-flannel", Cross, Error),
    /// Cilium replaces kube-proxy while a k3s server still runs it.
    CrossKubeProxyReplacement = ("CROSS005", "cross-kube-proxy-replacement", Cross, Warning),
    /// The CNI's pod network or the cluster DNS address disagrees with k3s's `--cluster-cidr` / `--service-cidr` / `--cluster-dns`.
    CrossNetworkMismatch = ("CROSS006", "cross-network-mismatch", Cross, Error),
    /// A storage system attaching volumes over iSCSI runs on a node without `services.openiscsi`.
    StorageIscsiMissing = ("CROSS007", "storage-iscsi-missing", Cross, Error),
    /// NFS storage the kubelet mounts runs on a node without an NFS client.
    StorageNfsClientMissing = ("CROSS008", "storage-nfs-client-missing", Cross, Error),
    /// Longhorn keeps more replicas than the nodes that can hold one.
    StorageReplicasExceedNodes = ("CROSS009", "storage-replicas-exceed-nodes", Cross, Warning),
    /// A load balancer pool holds a host's address, overlaps another pool, or lies outside every node subnet in L2 mode.
    LbPoolConflict = ("CROSS010", "lb-pool-conflict", Cross, Error),
    /// A host-network workload listens on a port the node's firewall closes.
    HostNetworkPortClosed = ("CROSS011", "host-network-port-closed", Cross, Error),
    /// A workload's node selector, required affinity or tolerations fit no node of its cluster.
    NodePlacementUnsatisfiable = ("CROSS012", "node-placement-unsatisfiable", Cross, Error),
    /// A k3s `serverAddr` is a virtual IP that no keepalived or kube-vip configuration provides.
    K3sServerVipUnprovided = ("CROSS013", "k3s-server-vip-unprovided", Cross, Error),
    /// `strata.toml` is not valid (syntax, unknown keys, wrong types).
    ConfigInvalid = ("CFG001", "config-invalid", Tool, Error),
    /// `--eval auto` could not use Nix and fell back to the static tier.
    EvalFallback = ("EVAL001", "eval-fallback", Tool, Info),
    /// The static reader and Nix disagree on a host fact; Nix's value is used.
    EvalFactMismatch = ("EVAL002", "eval-fact-mismatch", Tool, Info),
    /// A host does not evaluate with the real Nix (error, timeout).
    EvalHostFailed = ("EVAL003", "eval-host-failed", Nix, Error),
    /// An inline `# strata: ignore[…]` suppression gives no reason.
    SuppressionReasonMissing = ("SUP001", "suppression-reason-missing", Tool, Warning),
    /// An inline suppression suppresses nothing: no finding of its codes where it applies, or no such code.
    SuppressionUnused = ("SUP002", "suppression-unused", Tool, Warning),
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: BTreeSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(codes.len(), Code::ALL.len());
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn parse_accepts_code_or_name() {
        assert_eq!(Code::parse("flux001"), Some(Code::DependsOnUnresolved));
        assert_eq!(Code::parse("depends-on-cycle"), Some(Code::DependsOnCycle));
        assert_eq!(Code::parse("NOPE"), None);
    }
}
