//! Whether a host provides what a storage data path needs (an iSCSI
//! initiator, an NFS client), as a three-way answer.
//!
//! "Missing" is only answered when strata read every module that could
//! enable it: a module of a flake input strata does not read could, unless
//! the input is one whose modules are known to configure none of what the
//! cross-layer rules read (storage clients, k3s, the firewall): secrets,
//! disks, home directories, hardware quirks, nixpkgs' own profiles.

use strata_core::Location;
use strata_nix::{Fact, HostFacts};

/// Flake inputs whose NixOS modules enable no iSCSI initiator, no NFS
/// client, set no k3s flags and open no firewall port.
const UNRELATED_INPUTS: &[&str] = &[
    "sops-nix",
    "agenix",
    "ragenix",
    "disko",
    "home-manager",
    "impermanence",
    "nixos-hardware",
    "lanzaboote",
    "nix-index-database",
    "stylix",
    "catppuccin",
    "nixos-wsl",
    "vscode-server",
];

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Support {
    /// Configured.
    Present,
    /// Not configured: where it is switched off, if it is.
    Missing(Option<Location>),
    /// Cannot tell.
    Unknown,
}

/// The flake input an opaque module comes from, read from its reason
/// (`… is a module of flake input `NAME`; …`); `nixpkgs` for `modulesPath`.
fn opaque_input(reason: &str) -> Option<&str> {
    if reason.starts_with("`modulesPath`") {
        return Some("nixpkgs");
    }
    let rest = reason.split("of flake input `").nth(1)?;
    rest.split('`').next()
}

/// Whether every module of the host that strata did not read comes from an
/// input known not to configure storage clients, k3s or the firewall.
pub fn unread_modules_unrelated(host: &HostFacts) -> bool {
    host.opaque_modules.iter().all(|m| {
        opaque_input(&m.reason).is_some_and(|i| i == "nixpkgs" || UNRELATED_INPUTS.contains(&i))
    })
}

/// `services.openiscsi.enable`.
pub fn iscsi(host: &HostFacts) -> Support {
    match &host.openiscsi {
        Fact::Known { value: true, .. } => Support::Present,
        Fact::Known {
            value: false,
            location,
        } => Support::Missing(location.clone()),
        Fact::Unset if unread_modules_unrelated(host) => Support::Missing(None),
        _ => Support::Unknown,
    }
}

/// An NFS client: `boot.supportedFilesystems` naming `nfs` / `nfs4`, or an
/// NFS entry of `fileSystems` (which NixOS adds to it), or rpcbind (the NFS
/// client's companion, taken as intent).
pub fn nfs(host: &HostFacts) -> Support {
    match host.nfs_client() {
        Some(true) => return Support::Present,
        None => return Support::Unknown,
        Some(false) => {}
    }
    match host.nfs_mounts.present() {
        Some(true) => Support::Present,
        None => Support::Unknown,
        Some(false) if unread_modules_unrelated(host) => Support::Missing(None),
        Some(false) => Support::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::opaque_input;

    #[test]
    fn reads_the_input_of_an_opaque_module() {
        assert_eq!(
            opaque_input(
                "`disko.nixosModules.disko` is a module of flake input `disko`; strata does not read inputs"
            ),
            Some("disko")
        );
        assert_eq!(
            opaque_input("`modulesPath` points into nixpkgs, which is not read statically"),
            Some("nixpkgs")
        );
        assert_eq!(
            opaque_input("the `options` module argument is not read statically"),
            None
        );
    }
}
