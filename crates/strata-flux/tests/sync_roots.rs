//! Where Flux starts, in the shapes real repositories use: a FluxInstance,
//! flux-instance chart values, an OCI artifact pushed from a subdirectory
//! with an ArtifactGenerator, two clusters, and a bootstrap that applies
//! charts and secrets before Flux.

mod common;

use common::{fixture, fixture_root, load_fixture, position};
use strata_core::{Code, NodeId, RepoTree, Severity};
use strata_flux::{FluxOptions, FluxTree, K8sObject, ObjectOrigin, RootOrigin};

fn objects<'a>(flux: &'a FluxTree, id: &str) -> Vec<&'a K8sObject> {
    flux.objects
        .iter()
        .filter(|o| o.id.to_string() == id)
        .collect()
}

fn object<'a>(flux: &'a FluxTree, id: &str) -> &'a K8sObject {
    objects(flux, id).first().copied().unwrap_or_else(|| {
        let ids: Vec<String> = flux.objects.iter().map(|o| o.id.to_string()).collect();
        panic!("no {id} among {ids:#?}")
    })
}

fn errors(flux: &FluxTree) -> Vec<String> {
    flux.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[test]
fn a_flux_instance_sync_is_the_root_and_its_patches_apply() {
    let flux = load_fixture("flux-shape-flux-instance");
    assert_eq!(errors(&flux), Vec::<String>::new());
    assert_eq!(flux.roots.len(), 1);
    let root = &flux.roots[0];
    assert_eq!(root.origin, RootOrigin::FluxInstance);
    assert_eq!(root.dir, "kubernetes/flux/cluster");
    assert_eq!(
        position(&flux, &root.location),
        "kubernetes/apps/flux-system/flux-instance.yaml:22:11"
    );
    // What the operator creates: the root Kustomization and its source,
    // named after the namespace, located at the sync block.
    let kustomization = object(&flux, "Kustomization/flux-system/flux-system");
    assert_eq!(kustomization.origin, ObjectOrigin::Synthesised);
    assert_eq!(
        object(&flux, "GitRepository/flux-system/flux-system").origin,
        ObjectOrigin::Synthesised
    );
    // The instance's `kustomize.patches` and `commonMetadata` reached the
    // root Kustomization.
    assert_eq!(flux.decryption_provider(&kustomization.id), Some("sops"));
    assert_eq!(
        kustomization
            .doc
            .path("metadata.labels")
            .and_then(|l| l.get("app.kubernetes.io/part-of"))
            .and_then(strata_flux::yaml::Yaml::as_str),
        Some("flux")
    );
    // The whole tree behind it is read.
    let release = object(&flux, "HelmRelease/podinfo/podinfo");
    assert_eq!(
        release.applied_by,
        Some(NodeId::object(
            "Kustomization",
            Some("flux-system"),
            "podinfo"
        ))
    );
    assert_eq!(
        object(&flux, "Kustomization/flux-system/cluster-apps").applied_by,
        Some(kustomization.id.clone())
    );
    // `.sourceignore` leaves drafts out of the artifact: not applied, not
    // reported as unapplied either.
    assert!(objects(&flux, "Kustomization/flux-system/next").is_empty());
    assert!(flux.unapplied.is_empty(), "{:?}", flux.unapplied);
}

#[test]
fn resource_sets_render_known_inputs_and_leave_cluster_inputs_alone() {
    let flux = load_fixture("flux-shape-flux-instance");
    let teams = NodeId::object("ResourceSet", Some("flux-system"), "teams");
    for team in ["Namespace/team-red", "Namespace/team-blue"] {
        let namespace = object(&flux, team);
        assert_eq!(namespace.applied_by.as_ref(), Some(&teams));
        assert_eq!(
            namespace.location.file,
            "kubernetes/apps/previews/resourceset.yaml"
        );
    }
    // Pull-request inputs come from the cluster: nothing is rendered, and
    // nothing is reported about what would be.
    assert!(!flux.objects.iter().any(|o| o.name.starts_with("preview-")));
    assert_eq!(errors(&flux), Vec::<String>::new());
}

#[test]
fn flux_instance_values_pulled_in_by_a_generator_are_a_root() {
    let flux = load_fixture("flux-shape-instance-values");
    assert_eq!(errors(&flux), Vec::<String>::new());
    assert_eq!(flux.roots.len(), 1);
    assert_eq!(flux.roots[0].origin, RootOrigin::InstanceValues);
    assert_eq!(
        flux.roots[0].location.file,
        "kubernetes/apps/flux-system/values.yaml"
    );
    object(&flux, "HelmRelease/flux-system/flux-instance");
    object(&flux, "HelmRelease/podinfo/podinfo");
}

#[test]
fn an_oci_artifact_pushed_from_a_subdirectory_roots_its_paths_there() {
    let flux = load_fixture("flux-shape-oci-artifact");
    assert_eq!(errors(&flux), Vec::<String>::new());
    let root = &flux.roots[0];
    assert_eq!(
        (root.source_root.as_str(), root.dir.as_str()),
        ("k8s", "k8s/clusters/home")
    );
    assert_eq!(
        object(&flux, "OCIRepository/flux-system/flux-system").origin,
        ObjectOrigin::Synthesised
    );
    // The ExternalArtifact exists, and the Kustomization reading it builds
    // what the generator copied from this repository.
    let artifact = object(&flux, "ExternalArtifact/flux-system/podinfo");
    assert_eq!(artifact.origin, ObjectOrigin::Synthesised);
    assert_eq!(
        position(&flux, &artifact.location),
        "k8s/apps/generator.yaml:13:13"
    );
    let release = object(&flux, "HelmRelease/podinfo/podinfo");
    assert_eq!(release.location.file, "k8s/workloads/podinfo/release.yaml");
    assert_eq!(
        release.applied_by,
        Some(NodeId::object(
            "Kustomization",
            Some("flux-system"),
            "podinfo"
        ))
    );
    // A Kustomization reading another repository is kept, not followed,
    // and its path is not looked for here.
    object(&flux, "Kustomization/flux-system/gateway-api-crds");
    assert!(
        !flux
            .diagnostics
            .iter()
            .any(|d| d.code == Code::KustomizationPathMissing)
    );
}

#[test]
fn two_clusters_are_two_scopes() {
    let flux = load_fixture("flux-shape-two-clusters");
    assert_eq!(errors(&flux), Vec::<String>::new());
    assert_eq!(flux.clusters, ["production", "staging"]);
    let clusters: Vec<Option<&str>> = objects(&flux, "HelmRelease/podinfo/podinfo")
        .iter()
        .map(|o| o.cluster.as_deref())
        .collect();
    assert_eq!(clusters, [Some("production"), Some("staging")]);
    // `--cluster` selects one.
    let staging = strata_flux::load_with(
        &fixture("flux-shape-two-clusters"),
        &FluxOptions {
            cluster: Some("staging".into()),
            ..FluxOptions::default()
        },
    );
    assert_eq!(staging.clusters, ["staging"]);
    assert!(
        staging
            .objects
            .iter()
            .all(|o| o.cluster.as_deref() == Some("staging"))
    );
    assert!(staging.unapplied.is_empty(), "{:?}", staging.unapplied);
}

#[test]
fn what_the_bootstrap_applies_exists_before_flux() {
    let flux = load_fixture("flux-shape-bootstrap");
    assert_eq!(errors(&flux), Vec::<String>::new());
    let secret = object(&flux, "Secret/flux-system/cluster-secrets");
    assert_eq!(secret.origin, ObjectOrigin::Bootstrap);
    assert_eq!(secret.applied_by, None);
    let releases: Vec<(&str, &str)> = flux
        .bootstrap_releases
        .iter()
        .map(|r| (r.name.as_str(), r.chart.as_str()))
        .collect();
    assert_eq!(releases, [("cert-manager", "cert-manager")]);
    // The helmfile hook's file is Flux's too: applied, not unapplied.
    assert!(flux.unapplied.is_empty(), "{:?}", flux.unapplied);
    // Without the justfile, nothing applies the secrets: the substituteFrom
    // source is then missing (strata-check reports it).
    let root = fixture_root("flux-shape-bootstrap");
    let listed = fixture("flux-shape-bootstrap");
    let without: Vec<String> = listed
        .files()
        .filter(|f| *f != "bootstrap/mod.just")
        .map(str::to_string)
        .collect();
    let flux = strata_flux::load(&RepoTree::from_files(&root, without));
    assert!(objects(&flux, "Secret/flux-system/cluster-secrets").is_empty());
}

#[test]
fn without_a_root_one_finding_says_what_was_looked_for() {
    let flux = load_fixture("flux-sync-root-missing");
    let found: Vec<String> = flux
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d.code,
                position(&flux, d.location.as_ref().unwrap())
            )
        })
        .collect();
    assert_eq!(found, ["FLUX023 deploy/apps/podinfo/release.yaml:3:7"]);
    assert!(flux.objects.is_empty());
    // `--entry` names it.
    let flux = strata_flux::load_with(
        &fixture("flux-sync-root-missing"),
        &FluxOptions {
            entries: vec!["./deploy/root".into()],
            ..FluxOptions::default()
        },
    );
    assert_eq!(flux.roots[0].origin, RootOrigin::Configured);
    object(&flux, "HelmRelease/podinfo/podinfo");
}
