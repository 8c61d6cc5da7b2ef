//! What strata knows about each host, in plain data (no evaluator values).
//!
//! **Invariant:** no type here holds a secret's text. A literal k3s `token` is
//! recorded as [`TokenSource::Literal`] with its location only, and the
//! values of secret-bearing k3s flags are redacted.

use serde::Serialize;
use strata_core::Location;

use crate::modules::OpaqueModule;

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
    /// A per-host package set (reserved; not read yet).
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
    /// `extraFlags`, normalised to one entry per flag with its value
    /// (`"--disable servicelb"`, `"--flannel-backend=none"`), whether written
    /// as one string or a list; values of secret flags (`--token`) redacted.
    pub extra_flags: Vec<String>,
    /// Why parts of `extraFlags` are not known (empty when all are).
    pub extra_flags_unknown: Vec<String>,
    /// Where `extraFlags` is first defined.
    pub extra_flags_location: Option<Location>,
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
    /// Colmena's `deployment.tags`.
    pub tags: Fact<Vec<String>>,
    /// `networking.interfaces.*.ipv4.addresses`, by interface name.
    pub addresses: Vec<InterfaceAddress>,
    /// `services.k3s`, when any module defines it.
    pub k3s: Option<K3sFacts>,
    /// Repository files read as this host's modules (transitively), sorted.
    pub imported_files: Vec<String>,
    /// Modules that could not be read (flake inputs' modules, nixpkgs paths):
    /// facts they would set are missing from the above.
    pub opaque_modules: Vec<OpaqueModule>,
}

impl HostFacts {
    /// The tool that deploys this host, as its command is named: `colmena`
    /// when the hive declares it, else `deploy-rs`, else `nixos-rebuild`.
    pub fn deploy_tool(&self) -> &'static str {
        if self.sources.contains(&HostSource::Colmena) {
            "colmena"
        } else if self.sources.contains(&HostSource::DeployRs) {
            "deploy-rs"
        } else {
            "nixos-rebuild"
        }
    }

    /// The statically known IPv4 addresses of all interfaces, in interface order.
    pub fn known_addresses(&self) -> Vec<String> {
        self.addresses
            .iter()
            .filter_map(|a| a.address.known().cloned())
            .collect()
    }

    /// A host with nothing known yet.
    pub(crate) fn empty(name: &str) -> Self {
        HostFacts {
            name: name.to_string(),
            sources: Vec::new(),
            location: None,
            system: Fact::Unset,
            hostname: Fact::Unset,
            target_host: Fact::Unset,
            target_user: Fact::Unset,
            tags: Fact::Unset,
            addresses: Vec::new(),
            k3s: None,
            imported_files: Vec::new(),
            opaque_modules: Vec::new(),
        }
    }
}
