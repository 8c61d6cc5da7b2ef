//! The one table of Flux API versions that are gone or going (FLUX011 and
//! FLUX012 both read it).
//!
//! Source: the Flux 2.7 release notes and roadmap. Flux 2.7 stopped serving
//! the first beta of every toolkit group; 2.8 removes the second
//! (`source/v1beta2`, `kustomize/v1beta2`, `helm/v2beta2`), which 2.7
//! still serves with a deprecation warning. `flux migrate` rewrites
//! manifests in Git from any of them to the current version.

use strata_flux::flux_kinds::{api_group, api_version_of};

/// Where a Flux API version stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// No longer served: the object cannot be applied at all.
    Removed,
    /// Served with a warning; removed in the next minor release.
    Deprecated,
}

/// One retired version of a Flux API group.
pub(crate) struct Retired {
    /// The API group (`source.toolkit.fluxcd.io`).
    pub group: &'static str,
    /// The version (`v1beta1`).
    pub version: &'static str,
    /// Removed in Flux 2.7, or deprecated in 2.7 and removed in 2.8.
    pub status: Status,
    /// The replacement `apiVersion` of a kind.
    pub replacement: fn(&str) -> &'static str,
}

const SOURCE_V1: &str = "source.toolkit.fluxcd.io/v1";
const KUSTOMIZE_V1: &str = "kustomize.toolkit.fluxcd.io/v1";
const HELM_V2: &str = "helm.toolkit.fluxcd.io/v2";

/// Every retired Flux API version; every kind of the group is affected.
pub(crate) const RETIRED: &[Retired] = &[
    Retired {
        group: "source.toolkit.fluxcd.io",
        version: "v1beta1",
        status: Status::Removed,
        replacement: |_| SOURCE_V1,
    },
    Retired {
        group: "kustomize.toolkit.fluxcd.io",
        version: "v1beta1",
        status: Status::Removed,
        replacement: |_| KUSTOMIZE_V1,
    },
    Retired {
        group: "helm.toolkit.fluxcd.io",
        version: "v2beta1",
        status: Status::Removed,
        replacement: |_| HELM_V2,
    },
    Retired {
        group: "image.toolkit.fluxcd.io",
        version: "v1beta1",
        status: Status::Removed,
        replacement: |_| "image.toolkit.fluxcd.io/v1",
    },
    Retired {
        group: "notification.toolkit.fluxcd.io",
        version: "v1beta1",
        status: Status::Removed,
        // Receiver is GA; Alert and Provider are still beta, at v1beta3.
        replacement: |kind| match kind {
            "Receiver" => "notification.toolkit.fluxcd.io/v1",
            _ => "notification.toolkit.fluxcd.io/v1beta3",
        },
    },
    // Every source kind, OCIRepository included (v1 since Flux 2.6).
    Retired {
        group: "source.toolkit.fluxcd.io",
        version: "v1beta2",
        status: Status::Deprecated,
        replacement: |_| SOURCE_V1,
    },
    Retired {
        group: "kustomize.toolkit.fluxcd.io",
        version: "v1beta2",
        status: Status::Deprecated,
        replacement: |_| KUSTOMIZE_V1,
    },
    Retired {
        group: "helm.toolkit.fluxcd.io",
        version: "v2beta2",
        status: Status::Deprecated,
        replacement: |_| HELM_V2,
    },
];

/// The table entry for an `apiVersion`, if it is retired.
pub(crate) fn retired(api_version: &str) -> Option<&'static Retired> {
    let (group, version) = (api_group(api_version), api_version_of(api_version));
    RETIRED
        .iter()
        .find(|r| r.group == group && r.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_versions_are_not_retired() {
        for current in [
            SOURCE_V1,
            KUSTOMIZE_V1,
            HELM_V2,
            "image.toolkit.fluxcd.io/v1",
            "notification.toolkit.fluxcd.io/v1beta3",
            "kustomize.config.k8s.io/v1beta1",
            "v1",
        ] {
            assert!(retired(current).is_none(), "{current}");
        }
    }

    #[test]
    fn notification_replacement_depends_on_the_kind() {
        let entry = retired("notification.toolkit.fluxcd.io/v1beta1").expect("retired");
        assert_eq!(
            (entry.replacement)("Receiver"),
            "notification.toolkit.fluxcd.io/v1"
        );
        assert_eq!(
            (entry.replacement)("Alert"),
            "notification.toolkit.fluxcd.io/v1beta3"
        );
        assert_eq!(
            retired("helm.toolkit.fluxcd.io/v2beta2").map(|r| r.status),
            Some(Status::Deprecated)
        );
    }
}
