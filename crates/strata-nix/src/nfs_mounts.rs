//! NFS client support beyond `boot.supportedFilesystems`: an NFS entry of
//! `fileSystems` (NixOS adds its type to the supported file systems, which
//! installs `mount.nfs`) and rpcbind (the NFS client's companion service,
//! taken as the intent to mount NFS).

use serde::Serialize;

use crate::facts::Fact;

/// What a host's configuration says about mounting NFS, besides
/// `boot.supportedFilesystems`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NfsMountFacts {
    /// Some `fileSystems.<path>.fsType` is `nfs` or `nfs4`.
    pub nfs_file_system: Fact<bool>,
    /// `services.rpcbind.enable`.
    pub rpcbind: Fact<bool>,
}

impl NfsMountFacts {
    /// Nothing known.
    pub fn unset() -> Self {
        NfsMountFacts {
            nfs_file_system: Fact::Unset,
            rpcbind: Fact::Unset,
        }
    }

    /// `Some(true)` when either says NFS is mounted, `Some(false)` when both
    /// are known (or unset) and neither does, `None` when one is not known.
    pub fn present(&self) -> Option<bool> {
        let mut unknown = false;
        for f in [&self.nfs_file_system, &self.rpcbind] {
            match f {
                Fact::Known { value: true, .. } => return Some(true),
                Fact::Unknown { .. } => unknown = true,
                _ => {}
            }
        }
        if unknown { None } else { Some(false) }
    }
}
