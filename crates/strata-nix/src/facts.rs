//! What strata knows about each host, in plain data (no evaluator values).
//!
//! **Invariant:** no type here holds a secret's text. A literal k3s `token` is
//! recorded as [`TokenSource::Literal`] with its location only, and the
//! values of secret-bearing k3s flags are redacted.

use serde::Serialize;
use strata_core::Location;

use crate::eval::OpaqueModule;

/// One fact about a host, and how sure strata is of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Fact<T> {
    /// Read from the configuration.
    Known {
        /// The value.
        value: T,
        /// Where the value was written: the string literal itself when the
        /// value is a string (e.g. the IP in the flake's `nodes` set, not the
        /// `targetHost = node.ip;` that copies it), otherwise the definition
        /// of the option. `None` for a tool's documented default.
        location: Option<Location>,
    },
    /// No module strata reads defines it: the option's default applies.
    Unset,
    /// Defined, but not computable statically.
    Unknown {
        /// Why (names attributes, never values).
        reason: String,
        /// Where the evaluator met the cause.
        location: Option<Location>,
    },
}

impl<T> Fact<T> {
    /// The value, when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value, when known (same as [`Fact::known`]).
    pub fn value(&self) -> Option<&T> {
        self.known()
    }

    /// Where the value (or the cause of not knowing it) was written.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Fact::Known { location, .. } | Fact::Unknown { location, .. } => location.as_ref(),
            Fact::Unset => None,
        }
    }

    /// Whether this fact is unset.
    pub fn is_unset(&self) -> bool {
        matches!(self, Fact::Unset)
    }

    /// The first known of two facts, else the first unknown, else unset.
    pub(crate) fn or(self, other: Fact<T>) -> Fact<T> {
        match (&self, &other) {
            (Fact::Known { .. }, _) => self,
            (_, Fact::Known { .. }) => other,
            (Fact::Unknown { .. }, _) => self,
            _ => other,
        }
    }
}

/// Where a host is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostSource {
    /// `outputs.nixosConfigurations.<name>`.
    NixosConfigurations,
    /// A node of the Colmena hive (`outputs.colmena` or `outputs.colmenaHive`).
    Colmena,
    /// `outputs.deploy.nodes.<name>` (deploy-rs).
    DeployRs,
    /// A per-host package set, `outputs.packages.<system>.<host>`, for hosts
    /// that are not NixOS (a package closure installed into a profile); the
    /// name must match an entry of a `hosts/` directory.
    Packages,
}

impl HostSource {
    /// Stable name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            HostSource::NixosConfigurations => "nixos-configurations",
            HostSource::Colmena => "colmena",
            HostSource::DeployRs => "deploy-rs",
            HostSource::Packages => "packages",
        }
    }
}

/// One statically configured IPv4 address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterfaceAddress {
    /// The interface (`networking.interfaces.<name>`).
    pub interface: String,
    /// `address`.
    pub address: Fact<String>,
    /// `prefixLength`.
    pub prefix_length: Fact<i64>,
}

/// How a k3s node gets its cluster token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenSource {
    /// `services.k3s.token` is set (or `--token` is passed in `extraFlags`):
    /// the token text lands in the world-readable Nix store. Only where it is
    /// written is recorded, never the text.
    Literal {
        /// The token's value (or the option, or the flags) in the source.
        location: Option<Location>,
    },
    /// `services.k3s.tokenFile`.
    File {
        /// The file's path on the host, when known statically.
        path: Fact<String>,
    },
    /// `services.k3s` itself could not be read.
    Unknown {
        /// Why.
        reason: String,
    },
    /// Neither is set (a server that starts a cluster generates its own).
    None,
}

/// The k3s settings of a host (`services.k3s`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct K3sFacts {
    /// `enable`.
    pub enable: Fact<bool>,
    /// `role`: `server` or `agent` (NixOS default: `server`).
    pub role: Fact<String>,
    /// `clusterInit`.
    pub cluster_init: Fact<bool>,
    /// `serverAddr`: the server this node joins (empty or unset: none).
    pub server_addr: Fact<String>,
    /// Where the token comes from.
    pub token: TokenSource,
    /// `environmentFile`: a file of `K3S_*` variables (often holding
    /// `K3S_TOKEN`) on the host.
    pub environment_file: Fact<String>,
    /// `extraFlags`, normalised to one entry per flag with its value
    /// (`"--disable servicelb"`, `"--flannel-backend=none"`), whether written
    /// as one string or a list; values of secret flags (`--token`) redacted.
    pub extra_flags: Vec<String>,
    /// Why parts of `extraFlags` are not known (empty when all are).
    pub extra_flags_unknown: Vec<String>,
    /// Where `extraFlags` is first defined.
    pub extra_flags_location: Option<Location>,
    /// Where each entry of `extra_flags` is written (the string literal that
    /// holds it), index for index; empty when the flags came from the
    /// evaluation tier. Read it through [`K3sFacts::flag_location`].
    pub extra_flag_locations: Vec<Option<Location>>,
    /// `nodeLabel` (newer NixOS), as `key=value` strings.
    pub node_labels: Fact<Vec<String>>,
    /// `nodeTaint` (newer NixOS), as `key=value:Effect` strings.
    pub node_taints: Fact<Vec<String>>,
    /// `configPath`: a k3s YAML configuration file, whose settings add to the
    /// flags (so what is disabled is not fully known from the flags alone).
    pub config_file: Fact<String>,
}

/// An inclusive port range (`{ from = 2379; to = 2380; }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct PortRange {
    /// First port.
    pub from: i64,
    /// Last port.
    pub to: i64,
}

/// `networking.firewall`: what the host lets in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirewallFacts {
    /// `enable` (NixOS default: `true`, reported as unset).
    pub enable: Fact<bool>,
    /// `allowedTCPPorts`, merged over every module.
    pub allowed_tcp_ports: Fact<Vec<i64>>,
    /// `allowedUDPPorts`.
    pub allowed_udp_ports: Fact<Vec<i64>>,
    /// `allowedTCPPortRanges`.
    pub allowed_tcp_port_ranges: Fact<Vec<PortRange>>,
    /// `allowedUDPPortRanges`.
    pub allowed_udp_port_ranges: Fact<Vec<PortRange>>,
    /// `trustedInterfaces`: interfaces whose traffic is let in whole
    /// (`cni0`, `flannel.1`, `cilium_host`…).
    pub trusted_interfaces: Fact<Vec<String>>,
    /// `interfaces.<name>.allowed*`: ports open on one interface only,
    /// sorted by interface name.
    pub interfaces: Vec<InterfaceFirewall>,
}

/// `networking.firewall.interfaces.<name>`: what one interface lets in, on
/// top of the host-wide lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterfaceFirewall {
    /// The interface.
    pub name: String,
    /// `allowedTCPPorts`.
    pub allowed_tcp_ports: Fact<Vec<i64>>,
    /// `allowedUDPPorts`.
    pub allowed_udp_ports: Fact<Vec<i64>>,
    /// `allowedTCPPortRanges`.
    pub allowed_tcp_port_ranges: Fact<Vec<PortRange>>,
    /// `allowedUDPPortRanges`.
    pub allowed_udp_port_ranges: Fact<Vec<PortRange>>,
}

impl FirewallFacts {
    /// Nothing set.
    pub(crate) fn default_unset() -> Self {
        Self::unset()
    }

    /// Nothing known: no module strata read sets the firewall.
    pub fn unset() -> Self {
        FirewallFacts {
            enable: Fact::Unset,
            allowed_tcp_ports: Fact::Unset,
            allowed_udp_ports: Fact::Unset,
            allowed_tcp_port_ranges: Fact::Unset,
            allowed_udp_port_ranges: Fact::Unset,
            trusted_interfaces: Fact::Unset,
            interfaces: Vec::new(),
        }
    }

    /// Whether the firewall is on (NixOS enables it unless told otherwise);
    /// `None` when `enable` is not known statically.
    pub fn enabled(&self) -> Option<bool> {
        match &self.enable {
            Fact::Known { value, .. } => Some(*value),
            Fact::Unset => Some(true),
            Fact::Unknown { .. } => None,
        }
    }

    /// Whether `port` is open for `udp` (else TCP): `Some(true)` when a port
    /// or a range lets it in, `Some(false)` when every list is known and none
    /// does, `None` when some list is not known statically.
    pub fn allows(&self, port: i64, udp: bool) -> Option<bool> {
        let (ports, ranges) = if udp {
            (&self.allowed_udp_ports, &self.allowed_udp_port_ranges)
        } else {
            (&self.allowed_tcp_ports, &self.allowed_tcp_port_ranges)
        };
        port_open_in(ports, ranges, port)
    }
}

/// Whether a list of ports and a list of port ranges let `port` in:
/// `Some(true)` when one does, `Some(false)` when both are known and none
/// does, `None` when a list is not known statically.
pub fn port_open_in(
    ports: &Fact<Vec<i64>>,
    ranges: &Fact<Vec<PortRange>>,
    port: i64,
) -> Option<bool> {
    let mut unknown = false;
    match ports {
        Fact::Known { value, .. } if value.contains(&port) => return Some(true),
        Fact::Unknown { .. } => unknown = true,
        _ => {}
    }
    match ranges {
        Fact::Known { value, .. } if value.iter().any(|r| r.from <= port && port <= r.to) => {
            return Some(true);
        }
        Fact::Unknown { .. } => unknown = true,
        _ => {}
    }
    if unknown { None } else { Some(false) }
}

/// One sops-nix secret (`sops.secrets.<name>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SopsSecret {
    /// The secret's name.
    pub name: String,
    /// Where the name is written.
    pub location: Option<Location>,
    /// `sopsFile` (repository-relative when it is a repository path), else
    /// the host's `sops.defaultSopsFile`.
    pub sops_file: Fact<String>,
}

/// sops-nix: the secrets a host declares (values are never read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SopsFacts {
    /// `sops.defaultSopsFile`.
    pub default_sops_file: Fact<String>,
    /// `sops.secrets`, sorted by name.
    pub secrets: Vec<SopsSecret>,
    /// Why the set of secrets is not fully known (empty when it is).
    pub secrets_unknown: Vec<String>,
}

/// One deploy-rs profile (`deploy.nodes.<host>.profiles.<name>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployProfile {
    /// The profile's name (`system`, …).
    pub name: String,
    /// Where the name is written.
    pub location: Option<Location>,
    /// The `nixosConfigurations` entry its `path` activates
    /// (`activate.nixos self.nixosConfigurations.<name>`), or why not known.
    pub configuration: Fact<String>,
    /// `user` (the profile's owner), when set at profile level.
    pub user: Fact<String>,
}

/// A deploy-rs node (`deploy.nodes.<host>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployRsFacts {
    /// `profiles`, sorted by name.
    pub profiles: Vec<DeployProfile>,
    /// `profilesOrder`.
    pub profiles_order: Fact<Vec<String>>,
}

/// Everything strata knows about one host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostFacts {
    /// The host's name (the attribute name in the flake outputs).
    pub name: String,
    /// Every output that declares it, sorted.
    pub sources: Vec<HostSource>,
    /// Where the host's name is written: the attribute name of its entry in
    /// `colmena`, else `nixosConfigurations`, else `deploy.nodes`. Entries
    /// built with `mapAttrs`/`genAttrs`/`listToAttrs` keep the location of
    /// the name they were built from, so for a flake that generates both
    /// from `nodes = { homelab-0 = …; }` this is `homelab-0` in that set.
    pub location: Option<Location>,
    /// The `system` given to `nixosSystem`, else `nixpkgs.hostPlatform`.
    pub system: Fact<String>,
    /// `networking.hostName`.
    pub hostname: Fact<String>,
    /// Where deploy tools connect: Colmena's `deployment.targetHost` (default:
    /// the node name, reported with no location), deploy-rs's `hostname`.
    pub target_host: Fact<String>,
    /// Colmena's `deployment.targetUser` (default `root`), deploy-rs's `sshUser`.
    pub target_user: Fact<String>,
    /// Colmena's `deployment.targetPort`, deploy-rs's `-p`/`Port=` in `sshOpts`
    /// (SSH's default 22 is reported as unset).
    pub target_port: Fact<i64>,
    /// Colmena's `deployment.tags`.
    pub tags: Fact<Vec<String>>,
    /// `networking.interfaces.*.ipv4.addresses`, by interface name.
    pub addresses: Vec<InterfaceAddress>,
    /// Virtual addresses this host may hold (keepalived's
    /// `vrrpInstances.*.virtualIps`), without prefix length: a load-balanced
    /// front a k3s node may join.
    pub virtual_ips: Vec<String>,
    /// `networking.firewall`.
    pub firewall: FirewallFacts,
    /// `services.k3s`, when any module defines it.
    pub k3s: Option<K3sFacts>,
    /// `services.openiscsi.enable` (Longhorn needs it on storage nodes).
    pub openiscsi: Fact<bool>,
    /// `boot.kernelModules`.
    pub kernel_modules: Fact<Vec<String>>,
    /// `boot.supportedFilesystems` (a list, or the names set to `true` in
    /// the attribute-set form), e.g. `nfs` for an NFS client.
    pub supported_filesystems: Fact<Vec<String>>,
    /// NFS mounts and rpcbind: NFS client support besides `supported_filesystems`.
    pub nfs_mounts: crate::nfs_mounts::NfsMountFacts,
    /// sops-nix, when any module sets `sops.*`.
    pub sops: Option<SopsFacts>,
    /// `system.stateVersion`.
    pub state_version: Fact<String>,
    /// deploy-rs's node, when `deploy.nodes` declares this host.
    pub deploy_rs: Option<DeployRsFacts>,
    /// Repository files read as this host's modules (transitively), sorted.
    pub imported_files: Vec<String>,
    /// Modules that could not be read (flake inputs' modules, nixpkgs paths):
    /// facts they would set are missing from the above.
    pub opaque_modules: Vec<OpaqueModule>,
}

impl K3sFacts {
    /// Nothing known yet (filled in by the evaluation tier).
    pub fn unset() -> Self {
        K3sFacts {
            enable: Fact::Unset,
            role: Fact::Unset,
            cluster_init: Fact::Unset,
            server_addr: Fact::Unset,
            token: TokenSource::None,
            environment_file: Fact::Unset,
            extra_flags: Vec::new(),
            extra_flags_unknown: Vec::new(),
            extra_flags_location: None,
            extra_flag_locations: Vec::new(),
            node_labels: Fact::Unset,
            node_taints: Fact::Unset,
            config_file: Fact::Unset,
        }
    }

    /// Where the `index`th entry of `extra_flags` is written, else where
    /// `extraFlags` is defined.
    pub fn flag_location(&self, index: usize) -> Option<&Location> {
        self.extra_flag_locations
            .get(index)
            .and_then(Option::as_ref)
            .or(self.extra_flags_location.as_ref())
    }

    /// Whether every flag k3s starts with is known: `extraFlags` read whole
    /// and no configuration file (`configPath`) adds settings.
    pub fn flags_complete(&self) -> bool {
        self.extra_flags_unknown.is_empty() && self.config_file.is_unset()
    }
}

impl HostFacts {
    /// A host declared by `sources` about which nothing else is known yet
    /// (one only the evaluation tier found, say).
    pub fn new(name: &str, sources: Vec<HostSource>) -> Self {
        HostFacts {
            name: name.to_string(),
            sources,
            location: None,
            system: Fact::Unset,
            hostname: Fact::Unset,
            target_host: Fact::Unset,
            target_user: Fact::Unset,
            target_port: Fact::Unset,
            tags: Fact::Unset,
            addresses: Vec::new(),
            virtual_ips: Vec::new(),
            firewall: FirewallFacts::unset(),
            k3s: None,
            openiscsi: Fact::Unset,
            kernel_modules: Fact::Unset,
            supported_filesystems: Fact::Unset,
            nfs_mounts: crate::nfs_mounts::NfsMountFacts::unset(),
            sops: None,
            state_version: Fact::Unset,
            deploy_rs: None,
            imported_files: Vec::new(),
            opaque_modules: Vec::new(),
        }
    }

    /// The tool that deploys this host, as its command is named: `colmena`
    /// when the hive declares it, else `deploy-rs`, else `nixos-rebuild` for
    /// a NixOS configuration, else `packages` (a package set copied with
    /// `nix copy` and activated by hand).
    pub fn deploy_tool(&self) -> &'static str {
        if self.sources.contains(&HostSource::Colmena) {
            "colmena"
        } else if self.sources.contains(&HostSource::DeployRs) {
            "deploy-rs"
        } else if self.sources.contains(&HostSource::NixosConfigurations) {
            "nixos-rebuild"
        } else {
            "packages"
        }
    }

    /// Whether the host is a NixOS system (declared by `nixosConfigurations`
    /// or the Colmena hive), not only a package set or a deploy-rs node.
    pub fn is_nixos(&self) -> bool {
        self.sources.contains(&HostSource::NixosConfigurations)
            || self.sources.contains(&HostSource::Colmena)
    }

    /// Where the deploy tool connects: the declared target (Colmena's
    /// `targetHost`, deploy-rs's `hostname`); for `nixos-rebuild` hosts, which
    /// declare none, the first static address, else `networking.hostName`.
    pub fn deploy_target(&self) -> Option<String> {
        if let Some(t) = self.target_host.value() {
            return Some(t.clone());
        }
        if self.deploy_tool() == "nixos-rebuild" {
            return self
                .known_addresses()
                .into_iter()
                .next()
                .or_else(|| self.hostname.value().cloned());
        }
        None
    }

    /// Whether the host can mount NFS (`boot.supportedFilesystems` names
    /// `nfs` or `nfs4`); `None` when that list is not known statically.
    pub fn nfs_client(&self) -> Option<bool> {
        match &self.supported_filesystems {
            Fact::Known { value, .. } => Some(value.iter().any(|f| f == "nfs" || f == "nfs4")),
            Fact::Unset => Some(false),
            Fact::Unknown { .. } => None,
        }
    }

    /// The statically known IPv4 addresses of all interfaces, in interface order.
    pub fn known_addresses(&self) -> Vec<String> {
        self.addresses
            .iter()
            .filter_map(|a| a.address.known().cloned())
            .collect()
    }
}
