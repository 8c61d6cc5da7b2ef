//! `load` over `tests/fixtures/flux-basic`: a small homelab with a bootstrap
//! entry, infrastructure controllers (HelmRepository and OCIRepository
//! charts), a directory without kustomization.yaml, a kustomize `namespace:`
//! override and a `targetNamespace`.

mod common;

use std::collections::BTreeSet;

use common::{load_fixture, position};
use strata_flux::{K8sObject, ReferenceKind};

fn object<'a>(flux: &'a strata_flux::FluxTree, id: &str) -> &'a K8sObject {
    let found: Vec<_> = flux
        .objects
        .iter()
        .filter(|o| o.id.as_str() == id)
        .collect();
    assert_eq!(found.len(), 1, "expected exactly one {id}");
    found[0]
}

#[test]
fn finds_every_object_with_its_namespace_and_applier() {
    let flux = load_fixture("flux-basic");
    assert_eq!(flux.entries, ["clusters/home"]);
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);

    let root = "Kustomization/flux-system/flux-system";
    let controllers = "Kustomization/flux-system/infra-controllers";
    let configs = "Kustomization/flux-system/infra-configs";
    let apps = "Kustomization/flux-system/apps";
    let podinfo = "Kustomization/media/podinfo";
    let expected: BTreeSet<(&str, &str)> = [
        // The entry, applied by the bootstrap Kustomization that lives in it.
        ("Namespace/flux-system", root),
        ("GitRepository/flux-system/flux-system", root),
        ("Kustomization/flux-system/flux-system", root),
        ("Kustomization/flux-system/infra-controllers", root),
        ("Kustomization/flux-system/infra-configs", root),
        ("GitRepository/flux-system/gateway-api", root),
        ("Kustomization/flux-system/gateway-api-crds", root),
        ("Kustomization/flux-system/apps", root),
        // infrastructure/controllers (kustomization.yaml).
        ("Namespace/cert-manager", controllers),
        ("HelmRepository/cert-manager/jetstack", controllers),
        ("HelmRelease/cert-manager/cert-manager", controllers),
        ("Namespace/monitoring", controllers),
        (
            "OCIRepository/monitoring/kube-prometheus-stack",
            controllers,
        ),
        ("HelmRelease/monitoring/kube-prometheus-stack", controllers),
        // infrastructure/configs: no kustomization.yaml, so every manifest
        // below it, with storage/ (which has one) built as a unit and the
        // values file skipped.
        ("ClusterIssuer/letsencrypt-production", configs),
        ("IPAddressPool/metallb-system/default-pool", configs),
        ("L2Advertisement/metallb-system/default", configs),
        ("StorageClass/longhorn-fast", configs),
        // apps/home: `namespace: media` moves everything, the nested Flux
        // Kustomization included.
        ("Namespace/media", apps),
        ("HelmRepository/media/jellyfin", apps),
        ("HelmRelease/media/jellyfin", apps),
        ("Secret/media/jellyfin-secrets", apps),
        ("Kustomization/media/podinfo", apps),
        // apps/base/podinfo via targetNamespace: podinfo, which overrides the
        // written `namespace: default`.
        ("Namespace/podinfo", podinfo),
        ("Deployment/podinfo/podinfo", podinfo),
        ("Service/podinfo/podinfo", podinfo),
    ]
    .into_iter()
    .collect();
    let actual: BTreeSet<(&str, &str)> = flux
        .objects
        .iter()
        .map(|o| {
            (
                o.id.as_str(),
                o.applied_by.as_ref().map_or("-", |a| a.as_str()),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(
        flux.objects.len(),
        expected.len(),
        "no object appears twice"
    );

    // Sorted by id.
    let ids: Vec<_> = flux.objects.iter().map(|o| o.id.clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn objects_carry_namespace_location_and_fields() {
    let flux = load_fixture("flux-basic");
    let jellyfin = object(&flux, "HelmRelease/media/jellyfin");
    assert_eq!(jellyfin.api_version, "helm.toolkit.fluxcd.io/v2");
    assert_eq!(
        (jellyfin.kind.as_str(), jellyfin.name.as_str()),
        ("HelmRelease", "jellyfin")
    );
    assert_eq!(jellyfin.namespace.as_deref(), Some("media"));
    // The line before holds multibyte characters; columns count characters.
    assert_eq!(
        position(&flux, &jellyfin.location),
        "apps/base/jellyfin/helmrelease.yaml:5:9"
    );
    let version = jellyfin.doc.path("spec.chart.spec.version").unwrap();
    assert_eq!(version.as_str(), Some("2.1.0"));
    let version_at = strata_core::Location::new(jellyfin.location.file.clone(), version.span);
    assert_eq!(
        position(&flux, &version_at),
        "apps/base/jellyfin/helmrelease.yaml:14:16"
    );

    let issuer = object(&flux, "ClusterIssuer/letsencrypt-production");
    assert_eq!(issuer.namespace, None);
    assert_eq!(
        position(&flux, &issuer.location),
        "infrastructure/configs/cluster-issuers.yaml:4:9"
    );

    let secret = object(&flux, "Secret/media/jellyfin-secrets");
    assert!(secret.sops_encrypted);
    assert!(!jellyfin.sops_encrypted);

    let deployment = object(&flux, "Deployment/podinfo/podinfo");
    assert_eq!(
        position(&flux, &deployment.location),
        "apps/base/podinfo/deployment.yaml:4:9"
    );
    let service = object(&flux, "Service/podinfo/podinfo");
    assert_eq!(
        position(&flux, &service.location),
        "apps/base/podinfo/deployment.yaml:25:9"
    );

    // Every file read is there to render findings.
    assert!(
        flux.sources
            .get("infrastructure/configs/issuer-defaults.yaml")
            .is_some()
    );
}

#[test]
fn references_default_to_the_referring_objects_namespace() {
    let flux = load_fixture("flux-basic");
    let refs = |id: &str| -> Vec<(ReferenceKind, String, String)> {
        object(&flux, id)
            .refs
            .iter()
            .map(|r| (r.kind, r.target.to_string(), position(&flux, &r.location)))
            .collect()
    };
    use ReferenceKind::*;
    let s = |a: &str| a.to_string();
    assert_eq!(
        refs("HelmRelease/cert-manager/cert-manager"),
        [(
            SourceRef,
            s("HelmRepository/cert-manager/jetstack"),
            s("infrastructure/controllers/cert-manager.yaml:28:15")
        )]
    );
    assert_eq!(
        refs("HelmRelease/monitoring/kube-prometheus-stack"),
        [
            (
                DependsOn,
                s("HelmRelease/cert-manager/cert-manager"),
                s("infrastructure/controllers/kube-prometheus-stack.yaml:28:13")
            ),
            (
                ChartRef,
                s("OCIRepository/monitoring/kube-prometheus-stack"),
                s("infrastructure/controllers/kube-prometheus-stack.yaml:26:11")
            ),
        ]
    );
    // The HelmRepository moved into `media` with the release, and so does the
    // sourceRef without a namespace.
    assert_eq!(
        refs("HelmRelease/media/jellyfin"),
        [
            (
                DependsOn,
                s("HelmRelease/monitoring/kube-prometheus-stack"),
                s("apps/base/jellyfin/helmrelease.yaml:9:13")
            ),
            (
                SourceRef,
                s("HelmRepository/media/jellyfin"),
                s("apps/base/jellyfin/helmrelease.yaml:17:15")
            ),
            (
                ValuesFrom,
                s("Secret/media/jellyfin-secrets"),
                s("apps/base/jellyfin/helmrelease.yaml:20:13")
            ),
        ]
    );
    assert_eq!(
        refs("Kustomization/flux-system/infra-configs"),
        [
            (
                DependsOn,
                s("Kustomization/flux-system/infra-controllers"),
                s("clusters/home/infrastructure.yaml:24:13")
            ),
            (
                SourceRef,
                s("GitRepository/flux-system/flux-system"),
                s("clusters/home/infrastructure.yaml:28:11")
            ),
        ]
    );
    assert_eq!(
        refs("Kustomization/media/podinfo"),
        [
            (
                DependsOn,
                s("Kustomization/flux-system/infra-configs"),
                s("apps/home/podinfo.yaml:10:13")
            ),
            (
                SourceRef,
                s("GitRepository/flux-system/flux-system"),
                s("apps/home/podinfo.yaml:14:11")
            ),
        ]
    );
    assert!(refs("Namespace/media").is_empty());
}

#[test]
fn kustomizations_reading_another_source_are_not_followed() {
    let flux = load_fixture("flux-basic");
    // gateway-api-crds reads ./config/crd/standard from its own GitRepository:
    // no FLUX004 for a path that is not in this repository, and nothing applied.
    let crds = object(&flux, "Kustomization/flux-system/gateway-api-crds");
    assert!(
        flux.objects
            .iter()
            .all(|o| o.applied_by.as_ref() != Some(&crds.id))
    );
    assert!(flux.diagnostics.is_empty());
}

#[test]
fn output_is_deterministic() {
    let a = load_fixture("flux-basic");
    let b = load_fixture("flux-basic");
    assert_eq!(a.objects, b.objects);
    assert_eq!(a.diagnostics, b.diagnostics);
}
