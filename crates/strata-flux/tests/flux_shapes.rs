//! What strata-flux understands of repositories shaped like real homelabs:
//! parent patches, substitution, components, generators, chartRef.

mod common;

use common::{load_fixture, position};
use strata_core::NodeId;
use strata_flux::yaml::Yaml;
use strata_flux::{FluxTree, K8sObject, ReferenceKind};

fn object<'a>(flux: &'a FluxTree, id: &str) -> &'a K8sObject {
    flux.objects
        .iter()
        .find(|o| o.id.to_string() == id)
        .unwrap_or_else(|| {
            let ids: Vec<String> = flux.objects.iter().map(|o| o.id.to_string()).collect();
            panic!("no {id} among {ids:#?}")
        })
}

fn text(object: &K8sObject, path: &str) -> Option<String> {
    object
        .doc
        .path(path)
        .and_then(Yaml::scalar_text)
        .map(|t| t.into_owned())
}

#[test]
fn parent_patches_give_children_their_source_decryption_and_variables() {
    let flux = load_fixture("flux-shape-parent-patches");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let jellyfin = object(&flux, "Kustomization/media/jellyfin");
    let source = jellyfin
        .refs
        .iter()
        .find(|r| r.kind == ReferenceKind::SourceRef)
        .expect("the patched-in sourceRef");
    assert_eq!(
        source.target,
        NodeId::object("GitRepository", Some("flux-system"), "flux-system")
    );
    // The reference points at the patch value in the parent's file.
    assert_eq!(
        position(&flux, &source.location),
        "kubernetes/clusters/main/cluster-apps.yaml:42:19"
    );
    assert_eq!(
        flux.decryption_provider(&jellyfin.id),
        Some("sops"),
        "decryption patched in"
    );
    // The child's own `substitute` and the patched-in `substituteFrom` merge.
    assert_eq!(
        text(jellyfin, "spec.postBuild.substitute.APP").as_deref(),
        Some("jellyfin")
    );
    let substitute_from: Vec<String> = jellyfin
        .refs
        .iter()
        .filter(|r| r.kind == ReferenceKind::SubstituteFrom)
        .map(|r| r.target.to_string())
        .collect();
    assert_eq!(
        substitute_from,
        [
            "ConfigMap/media/cluster-settings",
            "Secret/media/cluster-secrets"
        ]
    );
    // The child applies its HelmRelease with the injected defaults and its
    // variables substituted; the Secret's value stays unknown.
    let release = object(&flux, "HelmRelease/media/jellyfin");
    assert_eq!(release.applied_by.as_ref(), Some(&jellyfin.id));
    assert_eq!(
        text(release, "spec.install.crds").as_deref(),
        Some("CreateReplace")
    );
    assert_eq!(
        text(
            release,
            "spec.values.controllers.jellyfin.containers.app.env.TZ"
        )
        .as_deref(),
        Some("Europe/Paris")
    );
    assert_eq!(
        text(release, "spec.values.ingress.app.hosts.0.host").as_deref(),
        Some("{{ .Release.Name }}.${SECRET_DOMAIN}")
    );
    assert!(release.unset_variables.is_empty());
    assert_eq!(
        release
            .substitution
            .as_ref()
            .map(|s| s.kustomization.clone()),
        Some(jellyfin.id.clone())
    );
    // The component's Namespace takes the kustomization's namespace.
    object(&flux, "Namespace/media");
    object(&flux, "Namespace/default");
    object(&flux, "Secret/media/cluster-secrets");
    // dependsOn defaults to the child's own namespace.
    let sonarr = object(&flux, "Kustomization/media/sonarr");
    assert!(
        sonarr
            .refs
            .iter()
            .any(|r| r.kind == ReferenceKind::DependsOn
                && r.target.to_string() == "Kustomization/media/jellyfin")
    );
    assert!(flux.unapplied.is_empty(), "{:?}", flux.unapplied);
}

#[test]
fn chart_refs_and_flux_components_with_substituted_names() {
    let flux = load_fixture("flux-shape-oci-chartref");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let release = object(&flux, "HelmRelease/observability/grafana");
    let chart: Vec<String> = release
        .refs
        .iter()
        .filter(|r| r.kind == ReferenceKind::ChartRef)
        .map(|r| r.target.to_string())
        .collect();
    assert_eq!(chart, ["OCIRepository/observability/grafana"]);
    object(&flux, "OCIRepository/observability/grafana");
    let helm_chart = object(&flux, "HelmRelease/kube-system/metrics-server");
    assert_eq!(
        helm_chart.refs[0].target.to_string(),
        "HelmChart/kube-system/metrics-server"
    );
    // `spec.components` of the Flux Kustomization adds a PVC whose name is
    // a variable; defaults and inline values fill the rest.
    let pvc = object(&flux, "PersistentVolumeClaim/observability/grafana");
    assert_eq!(
        text(pvc, "spec.resources.requests.storage").as_deref(),
        Some("10Gi")
    );
    assert_eq!(
        text(pvc, "spec.storageClassName").as_deref(),
        Some("longhorn")
    );
    assert!(pvc.unset_variables.is_empty());
    // Only grafana asks for the component.
    assert!(
        !flux
            .objects
            .iter()
            .any(|o| o.id.to_string() == "PersistentVolumeClaim/observability/gatus")
    );
    object(&flux, "Namespace/observability");
    assert!(flux.unapplied.is_empty(), "{:?}", flux.unapplied);
}

#[test]
fn substitution_reaches_the_fields_and_spares_what_flux_spares() {
    let flux = load_fixture("flux-shape-substitution");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let release = object(&flux, "HelmRelease/paperless/paperless-ngx");
    let value = |path: &str| text(release, &format!("spec.values.{path}"));
    // The ConfigMap's value beats the default written in the reference.
    assert_eq!(value("image.tag").as_deref(), Some("2.13.5"));
    assert_eq!(value("env.TZ").as_deref(), Some("Europe/Paris"));
    assert_eq!(value("env.PAPERLESS_OCR_LANGUAGE").as_deref(), Some("eng"));
    // A SOPS Secret's keys are known, its values never read.
    assert_eq!(
        value("env.PAPERLESS_URL").as_deref(),
        Some("https://paperless.${SECRET_DOMAIN}")
    );
    let substitution = release.substitution.as_ref().expect("substituted");
    assert!(substitution.complete);
    assert!(
        substitution
            .variables
            .contains(&"SECRET_DOMAIN".to_string())
    );
    let ingress = object(&flux, "Ingress/paperless/paperless");
    assert_eq!(
        text(
            ingress,
            "metadata.annotations.cert-manager.io/cluster-issuer"
        )
        .as_deref(),
        None,
        "dotted keys are not paths"
    );
    let annotations = ingress
        .doc
        .path("metadata.annotations")
        .expect("annotations");
    assert_eq!(
        annotations
            .get("cert-manager.io/cluster-issuer")
            .and_then(Yaml::as_str),
        Some("letsencrypt-home")
    );
    // `$${host}` is the escape for a literal `${host}`.
    assert_eq!(
        annotations
            .get("nginx.ingress.kubernetes.io/configuration-snippet")
            .and_then(Yaml::as_str),
        Some("more_set_headers \"X-Forwarded-Host: ${host}\";\n")
    );
    // Dashboards under a Kustomization without postBuild keep their text.
    let dashboard = object(&flux, "ConfigMap/monitoring/node-exporter-dashboard");
    assert!(dashboard.substitution.is_none());
    assert!(dashboard.generated);
    assert!(
        text(dashboard, "data.node-exporter\\.json").is_none(),
        "keys with dots are reached through `get`"
    );
    let json = dashboard
        .doc
        .path("data")
        .and_then(|d| d.get("node-exporter.json"))
        .and_then(Yaml::as_str)
        .expect("dashboard JSON");
    assert!(json.contains("${DS_PROMETHEUS}"));
    // Generator options opt the homepage configuration out.
    assert!(
        object(&flux, "ConfigMap/homepage/homepage-config")
            .substitution
            .is_none()
    );
    for object in &flux.objects {
        assert!(object.unset_variables.is_empty(), "{}", object.id);
    }
    assert!(flux.unapplied.is_empty(), "{:?}", flux.unapplied);
}

#[test]
fn sops_files_are_known_and_decryption_can_come_from_a_parent_patch() {
    let flux = load_fixture("flux-sops");
    let secret = object(&flux, "Secret/media/jellyfin-secret");
    assert!(secret.sops_encrypted);
    let applier = secret.applied_by.clone().expect("applied");
    assert_eq!(applier.to_string(), "Kustomization/flux-system/jellyfin");
    assert_eq!(flux.decryption_provider(&applier), Some("sops"));
    let without = load_fixture("flux-sops-no-decryption");
    assert_eq!(without.decryption_provider(&applier), None);
}

#[test]
fn secret_providers_and_generated_names() {
    let flux = load_fixture("flux-values-from-unresolved-clean");
    let provided: Vec<String> = flux.provided.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(provided, ["Secret/media/jellyfin-credentials"]);
    assert_eq!(
        position(&flux, &flux.provided[0].location),
        "apps/media/jellyfin/externalsecret.yaml:10:11"
    );
    object(&flux, "ConfigMap/media/jellyfin-values");
    let hashed = load_fixture("flux-values-from-unresolved");
    assert!(
        hashed.objects.iter().any(|o| o.kind == "ConfigMap"
            && o.name.starts_with("jellyfin-values-")
            && o.generated)
    );
}

#[test]
fn substitution_operators_and_nested_defaults() {
    let flux = load_fixture("flux-shape-substitution-operators");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    // `${BACKUP_CLAIM:-${APP}}` names the claim after the app.
    let pvc = object(&flux, "PersistentVolumeClaim/media/radarr");
    assert!(pvc.unset_variables.is_empty(), "{:?}", pvc.unset_variables);
    assert_eq!(
        text(pvc, "metadata.labels.app.kubernetes.io/name"),
        None,
        "dotted keys are not paths"
    );
    let labels = pvc.doc.path("metadata.labels").expect("labels");
    assert_eq!(
        labels
            .get("backup/short")
            .and_then(Yaml::scalar_text)
            .as_deref(),
        Some("rad")
    );
    assert_eq!(
        text(pvc, "spec.storageClassName").as_deref(),
        Some("ceph-block")
    );
    assert_eq!(
        text(pvc, "spec.accessModes.0").as_deref(),
        Some("ReadWriteOnce")
    );
    assert_eq!(
        text(pvc, "spec.resources.requests.storage").as_deref(),
        Some("5Gi")
    );
    let ingress = object(&flux, "Ingress/media/radarr");
    assert_eq!(
        text(ingress, "spec.rules.0.host").as_deref(),
        Some("radarr.example.org"),
        "`${{DOMAIN%.org}}` and `${{DOMAIN##*.}}` cut the domain apart"
    );
    let path = "spec.rules.0.http.paths.0";
    assert_eq!(
        text(ingress, &format!("{path}.path")).as_deref(),
        Some("/${path}")
    );
    assert_eq!(
        text(ingress, &format!("{path}.backend.service.name")).as_deref(),
        Some("radarr-app")
    );
    // `substituteStrategy: Always` substitutes without any variable.
    let settings = object(&flux, "ConfigMap/tools/tool-settings");
    assert_eq!(text(settings, "data.replicas").as_deref(), Some("2"));
}

#[test]
fn objects_operators_create_resolve_references() {
    let flux = load_fixture("flux-shape-provided-objects");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let provided: Vec<String> = flux
        .provided
        .iter()
        .map(|p| {
            format!(
                "{} <- {} @ {}",
                p.id,
                p.provider,
                position(&flux, &p.location)
            )
        })
        .collect();
    let chart = "HelmRelease/wiki/wiki-cnpg-cluster @ apps/wiki/database.yaml:5:9";
    assert_eq!(
        provided,
        [
            format!("Cluster/wiki/wiki-cnpg-cluster <- {chart}"),
            "Secret/cert-manager/letsencrypt-account-key <- ClusterIssuer/letsencrypt @ infrastructure/issuer.yaml:9:13".to_string(),
            format!("Secret/wiki/wiki-cnpg-cluster-app <- {chart}"),
            format!("Secret/wiki/wiki-cnpg-cluster-ca <- {chart}"),
            format!("Secret/wiki/wiki-cnpg-cluster-replication <- {chart}"),
            format!("Secret/wiki/wiki-cnpg-cluster-server <- {chart}"),
            "Secret/wiki/wiki-tls <- Certificate/wiki/wiki @ apps/wiki/certificate.yaml:6:15".to_string(),
            format!("Service/wiki/wiki-cnpg-cluster-r <- {chart}"),
            format!("Service/wiki/wiki-cnpg-cluster-ro <- {chart}"),
            format!("Service/wiki/wiki-cnpg-cluster-rw <- {chart}"),
        ]
    );
    // Every `valuesFrom` of the application names a provided Secret.
    let release = object(&flux, "HelmRelease/wiki/wiki");
    for reference in release
        .refs
        .iter()
        .filter(|r| r.kind == ReferenceKind::ValuesFrom)
    {
        assert!(
            flux.provided.iter().any(|p| p.id == reference.target),
            "{} is provided",
            reference.target
        );
    }
}

#[test]
fn a_path_and_namespace_known_only_from_substitute_from_are_built_in_the_second_walk() {
    // `site` builds `./deploy/${ENV}` into `${APP_NAMESPACE}`: only the
    // second walk, with cluster-settings read, knows the directory. `apps`
    // builds the same directory in both walks and still gets the
    // variables.
    let flux = load_fixture("flux-shape-substitute-from-path");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let app = object(&flux, "ConfigMap/media/app");
    assert_eq!(text(app, "data.env").as_deref(), Some("prod"));
    assert_eq!(
        app.applied_by,
        Some(NodeId::object("Kustomization", Some("flux-system"), "site"))
    );
    let greeting = object(&flux, "ConfigMap/media/greeting");
    assert_eq!(text(greeting, "data.text").as_deref(), Some("hello prod"));
    let site = object(&flux, "Kustomization/flux-system/site");
    assert_eq!(text(site, "spec.path").as_deref(), Some("./deploy/prod"));
}

/// An inline patch its parent substitutes through substituteFrom is the
/// patch as substituted, quoted or written as a block: the first walk's
/// patch (the variable not yet known) is not the second's, and a block's
/// own lines are not what its text became.
#[test]
fn an_inline_patch_is_the_one_its_parent_substituted() {
    let flux = load_fixture("flux-shape-substituted-inline-patch");
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
    let app = object(&flux, "ConfigMap/media/app");
    assert_eq!(
        text(app, "metadata.labels.cluster").as_deref(),
        Some("home")
    );
    let web = object(&flux, "ConfigMap/media/web");
    assert_eq!(
        text(web, "metadata.labels.cluster").as_deref(),
        Some("home")
    );
    // A block patch the substitution left as written keeps the spans of
    // its own lines.
    let port = web.location_at(web.doc.path("data.port").expect("patched port"));
    let at = flux
        .sources
        .get(&port.file)
        .expect("patch file")
        .line_col(port.span.start);
    assert_eq!(
        (port.file.as_str(), at.line, at.column),
        ("apps/site.yaml", 35, 18)
    );
}
