//! Each broken fixture fires its diagnostic at the exact offending value, and
//! its clean twin (the same repository with the mistake fixed) does not.

mod common;

use common::{diagnostic_positions, load_fixture, position};
use strata_core::{Code, Severity};

#[test]
fn flux004_points_at_the_missing_spec_path() {
    let flux = load_fixture("flux-path-missing");
    assert_eq!(
        diagnostic_positions(&flux),
        ["FLUX004 clusters/production/apps.yaml:12:9"]
    );
    let finding = &flux.diagnostics[0];
    assert_eq!(finding.code, Code::KustomizationPathMissing);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.node.as_ref().map(|n| n.as_str()),
        Some("Kustomization/flux-system/apps")
    );
    assert!(
        finding.message.contains("apps/prodution"),
        "{}",
        finding.message
    );
    assert!(
        finding
            .help
            .as_deref()
            .is_some_and(|h| h.contains("relative to the root of the Kustomization's source"))
    );
    let end = flux
        .sources
        .end_of(finding.location.as_ref().unwrap())
        .unwrap();
    assert_eq!(
        (end.line, end.column),
        (12, 25),
        "the span covers `./apps/prodution`"
    );
    // Nothing is applied from a path that does not exist.
    assert!(
        !flux
            .objects
            .iter()
            .any(|o| o.id.as_str() == "HelmRelease/homepage/homepage")
    );
}

#[test]
fn flux004_clean_twin_is_silent_and_builds_the_path() {
    let flux = load_fixture("flux-path-missing-clean");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let release = flux
        .objects
        .iter()
        .find(|o| o.id.as_str() == "HelmRelease/homepage/homepage")
        .unwrap();
    assert_eq!(
        release.applied_by.as_ref().unwrap().as_str(),
        "Kustomization/flux-system/apps"
    );
    assert_eq!(
        position(&flux, &release.location),
        "apps/base/homepage/helmrelease.yaml:12:9"
    );
}

#[test]
fn flux005_points_at_each_missing_resource_entry() {
    let flux = load_fixture("flux-resource-missing");
    assert_eq!(
        diagnostic_positions(&flux),
        [
            // A file that does not exist (helmrelease.yml for .yaml).
            "FLUX005 apps/lab/kustomization.yaml:7:5",
            // A directory that does not exist.
            "FLUX005 apps/lab/kustomization.yaml:9:5",
            // A directory without a kustomization.yaml.
            "FLUX005 apps/lab/kustomization.yaml:11:5",
        ]
    );
    assert!(
        flux.diagnostics
            .iter()
            .all(|d| d.code == Code::KustomizeResourceMissing)
    );
    assert!(
        flux.diagnostics[2]
            .message
            .contains("without a kustomization.yaml")
    );
    // The rest of the build still counts.
    assert!(
        flux.objects
            .iter()
            .any(|o| o.id.as_str() == "Namespace/observability")
    );
}

#[test]
fn flux005_clean_twin_is_silent_and_builds_every_entry() {
    let flux = load_fixture("flux-resource-missing-clean");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    for id in [
        "HelmRelease/observability/grafana",
        "HelmRelease/observability/loki",
        "HelmRelease/observability/uptime-kuma",
        "Namespace/observability",
    ] {
        assert!(
            flux.objects.iter().any(|o| o.id.as_str() == id),
            "missing {id}"
        );
    }
}

#[test]
fn yaml001_points_at_the_error_and_the_rest_is_still_analysed() {
    let flux = load_fixture("yaml-syntax-error");
    assert_eq!(
        diagnostic_positions(&flux),
        ["YAML001 apps/base/paperless/helmrelease.yaml:18:6"]
    );
    assert_eq!(flux.diagnostics[0].severity, Severity::Error);
    let ids: Vec<&str> = flux.objects.iter().map(|o| o.id.as_str()).collect();
    // The document before the error in the same file, the other files of the
    // same directory, and the other applications are all still there.
    for id in [
        "HelmRepository/documents/gabe565",
        "Namespace/documents",
        "HelmRelease/security/vaultwarden",
        "Namespace/security",
        "Kustomization/flux-system/apps",
    ] {
        assert!(ids.contains(&id), "missing {id} in {ids:?}");
    }
    assert!(!ids.contains(&"HelmRelease/documents/paperless-ngx"));
}

#[test]
fn yaml001_clean_twin_is_silent() {
    let flux = load_fixture("yaml-syntax-error-clean");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    assert!(
        flux.objects
            .iter()
            .any(|o| o.id.as_str() == "HelmRelease/documents/paperless-ngx")
    );
}
