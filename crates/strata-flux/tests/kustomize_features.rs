//! kustomize features beyond resources and patches, on fixtures shaped like
//! real homelab repositories: generated names reaching the fields that
//! reference them (`configurations:` and kustomize's built-in table),
//! `helmCharts` recognised without rendering, and every input kustomize
//! refuses reported at the entry it refuses. `kubectl_oracle.rs` checks the
//! rendered documents of the same fixtures against `kubectl kustomize`.

mod common;

use common::{fixture, fixture_position, load_fixture};
use strata_flux::kustomize::build_directory;
use strata_flux::yaml::Yaml;

fn finding_positions(repo: &str, dir: &str) -> Vec<String> {
    let build = build_directory(&fixture(repo), dir);
    build
        .diagnostics
        .iter()
        .map(|d| {
            let location = d.location.as_ref().expect("a located finding");
            format!("{} {}", d.code, fixture_position(repo, location))
        })
        .collect()
}

#[test]
fn generated_names_reach_the_fields_that_reference_them() {
    let flux = load_fixture("flux-kustomize-name-references");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let object = |id: &str| {
        flux.objects
            .iter()
            .find(|o| o.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} is built"))
    };
    let text = |doc: &Yaml, path: &str| {
        doc.path(path)
            .and_then(Yaml::as_str)
            .unwrap_or_default()
            .to_string()
    };
    // `configurations:` names HelmRelease fields (the corpus shape).
    let release = object("HelmRelease/media/jellyfin");
    assert_eq!(
        text(&release.doc, "spec.valuesFrom.0.name"),
        "jellyfin-values-b77md6hbfh"
    );
    assert!(text(&release.doc, "spec.valuesFrom.1.name").starts_with("jellyfin-env-"));
    assert!(
        text(&release.doc, "spec.values.persistence.config.name").starts_with("jellyfin-config-")
    );
    // And a ResourceSet's templated HelmRelease.
    let set = object("ResourceSet/flux-system/flux-instance");
    assert_eq!(
        text(&set.doc, "spec.resources.0.spec.valuesFrom.0.name"),
        "flux-instance-values-t58994m64c"
    );
    // kustomize's built-in table, after namePrefix, nameSuffix and hashes.
    let deployment = object("Deployment/tools/lab-whoami-v2");
    let pod = |path: &str| text(&deployment.doc, &format!("spec.template.spec.{path}"));
    assert_eq!(pod("serviceAccountName"), "lab-whoami-v2");
    assert_eq!(
        pod("containers.0.envFrom.0.configMapRef.name"),
        "lab-whoami-env-v2-54f66g7cd6"
    );
    assert_eq!(
        pod("containers.0.env.0.valueFrom.secretKeyRef.name"),
        "lab-whoami-auth-v2-42gffgm6t2"
    );
    // Not in the build: left as written.
    assert_eq!(
        pod("containers.0.env.1.valueFrom.configMapKeyRef.name"),
        "cluster-settings"
    );
    assert_eq!(
        pod("volumes.1.persistentVolumeClaim.claimName"),
        "lab-whoami-data-v2"
    );
    let binding = object("RoleBinding/tools/lab-whoami-v2");
    assert_eq!(text(&binding.doc, "roleRef.name"), "lab-whoami-v2");
    assert_eq!(text(&binding.doc, "subjects.0.name"), "lab-whoami-v2");
    assert_eq!(text(&binding.doc, "subjects.0.namespace"), "tools");
    // A replacement wrote part of the Ingress host (index 1 of its
    // dot-separated parts) from a ConfigMap, as kubectl does.
    let ingress = object("Ingress/tools/lab-whoami-v2");
    assert_eq!(
        text(&ingress.doc, "spec.rules.0.host"),
        "whoami.lab.example.org.com"
    );
    assert_eq!(
        ingress.file_of("spec.rules.0.host"),
        "apps/tools/kustomization.yaml"
    );
}

#[test]
fn helm_charts_are_recognised_not_rendered() {
    let build = build_directory(&fixture("flux-kustomize-helm-charts"), "bootstrap/cilium");
    assert!(build.objects.is_empty());
    assert!(build.diagnostics.is_empty(), "{:?}", build.diagnostics);
    let charts: Vec<String> = build
        .helm_charts
        .iter()
        .map(|l| fixture_position("flux-kustomize-helm-charts", l))
        .collect();
    assert_eq!(charts, ["bootstrap/cilium/kustomization.yaml:7:5"]);
    // A directory without charts says so.
    let plain = build_directory(&fixture("flux-kustomize-helm-charts"), "apps/observability");
    assert!(plain.helm_charts.is_empty());
    assert!(!plain.objects.is_empty());
}

#[test]
fn inputs_kustomize_refuses_are_findings_at_the_refused_entry() {
    let repo = "flux-kustomize-rejected";
    assert_eq!(
        finding_positions(repo, "apps/cycle-a"),
        ["FLUX005 apps/cycle-b/kustomization.yaml:5:5"]
    );
    assert_eq!(
        finding_positions(repo, "apps/shape"),
        ["FLUX005 apps/shape/kustomization.yaml:4:12"]
    );
    assert_eq!(
        finding_positions(repo, "apps/patch"),
        [
            // A patch file that does not exist.
            "FLUX005 apps/patch/kustomization.yaml:7:11",
            // `op: upsert`.
            "FLUX005 apps/patch/kustomization.yaml:14:13",
            // `remove` of a path the ConfigMap does not have.
            "FLUX005 apps/patch/kustomization.yaml:21:15",
            // A strategic merge patch naming no object of the build.
            "FLUX005 apps/patch/kustomization.yaml:27:13"
        ]
    );
    assert_eq!(
        finding_positions(repo, "apps/generated"),
        [
            "FLUX005 apps/generated/kustomization.yaml:7:9",
            "FLUX005 apps/generated/kustomization.yaml:8:11",
            "FLUX005 apps/generated/kustomization.yaml:13:5"
        ]
    );
    let build = build_directory(&fixture(repo), "apps/patch");
    let messages: Vec<&str> = build
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages[0].contains("patches/log-level.yaml"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("`upsert` is not a JSON 6902 operation"),
        "{messages:?}"
    );
}

#[test]
fn refused_inputs_clean_twin_has_no_findings() {
    let repo = "flux-kustomize-rejected-clean";
    for dir in ["apps/cycle-a", "apps/shape", "apps/patch", "apps/generated"] {
        assert!(finding_positions(repo, dir).is_empty(), "{dir}");
    }
    let flux = load_fixture(repo);
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
}
