//! One test per row of the table, on objects written as a repository would.

use strata_core::{Location, SourceFile, Span};

use super::*;
use crate::flux_kinds::ScopeTable;
use crate::yaml::parse_documents;

/// The objects of `text` as applied (namespace from `metadata.namespace`,
/// else `default`, none for cluster-scoped kinds).
fn objects(text: &str) -> Vec<K8sObject> {
    let file = SourceFile::new("objects.yaml", text);
    let (documents, diagnostics) = parse_documents(&file);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let scopes = ScopeTable::new();
    documents
        .into_iter()
        .map(|doc| {
            let field = |path: &str| text_at(&doc, path).unwrap_or_default();
            let (api_version, kind, name) =
                (field("apiVersion"), field("kind"), field("metadata.name"));
            let namespace = (!scopes.is_cluster_scoped_object(&api_version, &kind)).then(|| {
                text_at(&doc, "metadata.namespace").unwrap_or_else(|| "default".to_string())
            });
            let span = doc
                .path("metadata.name")
                .map_or(Span::new(0, 0), |n| n.span);
            K8sObject {
                id: NodeId::object(&kind, namespace.as_deref(), &name),
                api_version,
                kind,
                name,
                namespace,
                location: Location::new("objects.yaml", span),
                applied_by: None,
                refs: Vec::new(),
                doc: doc.into(),
                patched: Vec::new(),
                sops_encrypted: false,
                generated: false,
                substitution: None,
                unset_variables: Vec::new(),
                invalid_substitutions: Vec::new(),
                cluster: None,
                origin: crate::ObjectOrigin::Flux,
            }
        })
        .collect()
}

/// `id <- provider @ line:column` of every provided object.
fn provided(text: &str) -> Vec<String> {
    let file = SourceFile::new("objects.yaml", text);
    provided_objects(&objects(text))
        .into_iter()
        .map(|p| {
            let at = file.line_col(p.location.span.start);
            format!("{} <- {} @ {}:{}", p.id, p.provider, at.line, at.column)
        })
        .collect()
}

#[test]
fn every_rule_cites_its_source() {
    for rule in PROVISION_RULES {
        assert!(
            rule.doc.contains("https://"),
            "{} {}",
            rule.group,
            rule.kind
        );
    }
}

#[test]
fn external_secrets() {
    let text = "apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: radarr
  namespace: media
spec:
  target:
    name: radarr-secret
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: sonarr-secret
  namespace: media
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: merged
  namespace: media
spec:
  target:
    name: existing
    creationPolicy: Merge
---
apiVersion: v1
kind: Secret
metadata:
  name: written
  namespace: media
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: written
  namespace: media
";
    assert_eq!(
        provided(text),
        [
            "Secret/media/radarr-secret <- ExternalSecret/media/radarr @ 8:11",
            "Secret/media/sonarr-secret <- ExternalSecret/media/sonarr-secret @ 13:9",
        ]
    );
}

#[test]
fn cluster_external_secrets_reach_listed_and_selected_namespaces() {
    let text = "apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata:
  name: registry
spec:
  externalSecretName: registry-credentials
  namespaces: [tools]
  namespaceSelectors:
    - matchLabels:
        registry: enabled
    - matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: In
          values: [media]
  externalSecretSpec:
    target:
      name: registry-auth
---
apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels:
    registry: enabled
---
apiVersion: v1
kind: Namespace
metadata:
  name: media
---
apiVersion: v1
kind: Namespace
metadata:
  name: other
  labels:
    registry: disabled
";
    assert_eq!(
        provided(text),
        [
            "ExternalSecret/apps/registry-credentials <- ClusterExternalSecret/registry @ 6:23",
            "ExternalSecret/media/registry-credentials <- ClusterExternalSecret/registry @ 6:23",
            "ExternalSecret/tools/registry-credentials <- ClusterExternalSecret/registry @ 6:23",
            "Secret/apps/registry-auth <- ClusterExternalSecret/registry @ 17:13",
            "Secret/media/registry-auth <- ClusterExternalSecret/registry @ 17:13",
            "Secret/tools/registry-auth <- ClusterExternalSecret/registry @ 17:13",
        ]
    );
}

#[test]
fn label_selectors() {
    let labels: BTreeMap<String, String> = [("a", "1"), ("b", "2")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let selects = |selector: &str| {
        let (docs, _) = parse_documents(&SourceFile::new("s.yaml", selector));
        label_selector_matches(&docs[0], &labels)
    };
    assert!(selects("{}"));
    assert!(selects("matchLabels: {a: '1'}"));
    assert!(!selects("matchLabels: {a: '2'}"));
    assert!(selects(
        "matchExpressions: [{key: c, operator: DoesNotExist}]"
    ));
    assert!(selects(
        "matchExpressions: [{key: b, operator: NotIn, values: ['3']}]"
    ));
    assert!(!selects(
        "matchExpressions: [{key: b, operator: Exists}, {key: a, operator: In, values: ['2']}]"
    ));
    assert!(!selects(
        "matchExpressions: [{key: b, operator: Gt, values: ['1']}]"
    ));
}

#[test]
fn sealed_secrets_keep_their_own_name() {
    let text = "apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: cloudflare
  namespace: network
spec:
  template:
    metadata:
      name: ignored-by-the-controller
      labels: {app: dns}
";
    assert_eq!(
        provided(text),
        ["Secret/network/cloudflare <- SealedSecret/network/cloudflare @ 4:9"]
    );
}

#[test]
fn certificates_and_acme_account_keys() {
    let text = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: wildcard
  namespace: network
spec:
  secretName: wildcard-tls
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt
spec:
  acme:
    privateKeySecretRef:
      name: letsencrypt-account
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: staging
  namespace: network
spec:
  acme:
    privateKeySecretRef:
      name: staging-account
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: internal-ca
  namespace: network
spec:
  ca:
    secretName: root-ca
";
    assert_eq!(
        provided(text),
        [
            "Secret/cert-manager/letsencrypt-account <- ClusterIssuer/letsencrypt @ 16:13",
            "Secret/network/staging-account <- Issuer/network/staging @ 26:13",
            "Secret/network/wildcard-tls <- Certificate/network/wildcard @ 7:15",
        ]
    );
}

#[test]
fn cloudnative_pg_clusters() {
    let text = "apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: postgres
  namespace: database
spec:
  instances: 3
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: immich
  namespace: media
spec:
  enableSuperuserAccess: true
  bootstrap:
    initdb:
      secret:
        name: immich-owner
  certificates:
    serverTLSSecret: immich-tls
    serverCASecret: immich-tls
    clientCASecret: immich-client-ca
  managed:
    services:
      disabledDefaultServices: [ro, r]
";
    assert_eq!(
        provided(text),
        [
            "Secret/database/postgres-app <- Cluster/database/postgres @ 4:9",
            "Secret/database/postgres-ca <- Cluster/database/postgres @ 4:9",
            "Secret/database/postgres-replication <- Cluster/database/postgres @ 4:9",
            "Secret/database/postgres-server <- Cluster/database/postgres @ 4:9",
            "Secret/media/immich-replication <- Cluster/media/immich @ 12:9",
            "Secret/media/immich-superuser <- Cluster/media/immich @ 12:9",
            "Service/database/postgres-r <- Cluster/database/postgres @ 4:9",
            "Service/database/postgres-ro <- Cluster/database/postgres @ 4:9",
            "Service/database/postgres-rw <- Cluster/database/postgres @ 4:9",
            "Service/media/immich-rw <- Cluster/media/immich @ 12:9",
        ]
    );
}

#[test]
fn cloudnative_pg_cluster_chart() {
    let text = "apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: cnpg
  namespace: cnpg-system
spec:
  url: https://cloudnative-pg.github.io/charts
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: mlflow-cnpg-cluster
  namespace: mlflow
spec:
  chart:
    spec:
      chart: cluster
      sourceRef:
        kind: HelmRepository
        name: cnpg
        namespace: cnpg-system
  values:
    cluster:
      enableSuperuserAccess: false
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: cnpg-cluster-chart
  namespace: db
spec:
  url: oci://ghcr.io/cloudnative-pg/charts/cluster
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: pg
  namespace: db
spec:
  targetNamespace: apps
  chartRef:
    kind: OCIRepository
    name: cnpg-cluster-chart
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: other-cluster
  namespace: db
spec:
  chart:
    spec:
      chart: cluster
      sourceRef:
        kind: HelmRepository
        name: somebody-else
";
    assert_eq!(
        provided(text),
        [
            "Cluster/apps/apps-pg-cluster <- HelmRelease/db/pg @ 37:9",
            "Cluster/mlflow/mlflow-cnpg-cluster <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Secret/apps/apps-pg-cluster-app <- HelmRelease/db/pg @ 37:9",
            "Secret/apps/apps-pg-cluster-ca <- HelmRelease/db/pg @ 37:9",
            "Secret/apps/apps-pg-cluster-replication <- HelmRelease/db/pg @ 37:9",
            "Secret/apps/apps-pg-cluster-server <- HelmRelease/db/pg @ 37:9",
            "Secret/apps/apps-pg-cluster-superuser <- HelmRelease/db/pg @ 37:9",
            "Secret/mlflow/mlflow-cnpg-cluster-app <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Secret/mlflow/mlflow-cnpg-cluster-ca <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Secret/mlflow/mlflow-cnpg-cluster-replication <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Secret/mlflow/mlflow-cnpg-cluster-server <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Service/apps/apps-pg-cluster-r <- HelmRelease/db/pg @ 37:9",
            "Service/apps/apps-pg-cluster-ro <- HelmRelease/db/pg @ 37:9",
            "Service/apps/apps-pg-cluster-rw <- HelmRelease/db/pg @ 37:9",
            "Service/mlflow/mlflow-cnpg-cluster-r <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Service/mlflow/mlflow-cnpg-cluster-ro <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
            "Service/mlflow/mlflow-cnpg-cluster-rw <- HelmRelease/mlflow/mlflow-cnpg-cluster @ 12:9",
        ]
    );
}

#[test]
fn chart_full_names_follow_the_helper() {
    assert_eq!(helm_name(&"x".repeat(70)), "x".repeat(63));
    assert_eq!(helm_name(&format!("{}-y", "x".repeat(62))), "x".repeat(62));
    let too_long = format!(
        "apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: cnpg, namespace: db}}
spec: {{url: https://cloudnative-pg.io/charts/}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {}, namespace: db}}
spec:
  chart:
    spec: {{chart: cluster, sourceRef: {{kind: HelmRepository, name: cnpg}}}}
",
        "x".repeat(54)
    );
    assert!(
        provided(&too_long).is_empty(),
        "helm-controller shortens the name"
    );
    let overridden = "apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: cnpg
  namespace: db
spec:
  url: https://cloudnative-pg.io/charts/
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: db
  namespace: db
spec:
  releaseName: main
  chart:
    spec:
      chart: cluster
      sourceRef: {kind: HelmRepository, name: cnpg}
  values:
    nameOverride: pg
    namespaceOverride: data
    cluster:
      services:
        disabledDefaultServices: [r]
";
    let ids: Vec<String> = provided(overridden)
        .into_iter()
        .map(|p| p.split(" <- ").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "Cluster/data/main-pg",
            "Secret/data/main-pg-app",
            "Secret/data/main-pg-ca",
            "Secret/data/main-pg-replication",
            "Secret/data/main-pg-server",
            "Secret/data/main-pg-superuser",
            "Service/data/main-pg-ro",
            "Service/data/main-pg-rw",
        ]
    );
}

#[test]
fn rook_objects() {
    let text = "apiVersion: objectbucket.io/v1alpha1
kind: ObjectBucketClaim
metadata:
  name: poise-s3
  namespace: apps
---
apiVersion: ceph.rook.io/v1
kind: CephObjectStoreUser
metadata:
  name: loki
  namespace: rook-ceph
spec:
  store: ceph-objectstore
---
apiVersion: ceph.rook.io/v1
kind: CephCluster
metadata:
  name: rook-ceph
  namespace: rook-ceph
";
    assert_eq!(
        provided(text),
        [
            "ConfigMap/apps/poise-s3 <- ObjectBucketClaim/apps/poise-s3 @ 4:9",
            "ConfigMap/rook-ceph/rook-ceph-mon-endpoints <- CephCluster/rook-ceph/rook-ceph @ 18:9",
            "Secret/apps/poise-s3 <- ObjectBucketClaim/apps/poise-s3 @ 4:9",
            "Secret/rook-ceph/rook-ceph-mon <- CephCluster/rook-ceph/rook-ceph @ 18:9",
            "Secret/rook-ceph/rook-ceph-object-user-ceph-objectstore-loki <- CephObjectStoreUser/rook-ceph/loki @ 10:9",
        ]
    );
}

#[test]
fn dragonfly_services() {
    let text = "apiVersion: dragonflydb.io/v1alpha1
kind: Dragonfly
metadata:
  name: dragonfly
  namespace: database
---
apiVersion: dragonflydb.io/v1alpha1
kind: Dragonfly
metadata:
  name: cache
  namespace: database
spec:
  serviceSpec:
    name: cache-master
";
    assert_eq!(
        provided(text),
        [
            "Service/database/cache-master <- Dragonfly/database/cache @ 14:11",
            "Service/database/dragonfly <- Dragonfly/database/dragonfly @ 4:9",
        ]
    );
}

#[test]
fn crossplane_connection_secrets() {
    let text = "apiVersion: example.org/v1alpha1
kind: GitOpsCluster
metadata:
  name: gitops
  namespace: crossplane-system
spec:
  writeConnectionSecretToRef:
    name: gitops-connection
---
apiVersion: container.gcp.upbound.io/v1beta1
kind: Cluster
metadata:
  name: gke
spec:
  writeConnectionSecretToRef:
    name: gke-kubeconfig
    namespace: infra
---
apiVersion: container.gcp.upbound.io/v1beta1
kind: Cluster
metadata:
  name: nowhere
spec:
  writeConnectionSecretToRef:
    name: lost
";
    assert_eq!(
        provided(text),
        [
            "Secret/crossplane-system/gitops-connection <- GitOpsCluster/crossplane-system/gitops @ 8:11",
            "Secret/infra/gke-kubeconfig <- Cluster/gke @ 16:11",
        ]
    );
}

#[test]
fn grafana_instances() {
    let text = "apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: grafana
  namespace: observability
---
apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: own-admin
  namespace: observability
spec:
  disableDefaultAdminSecret: true
---
apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: cloud
  namespace: observability
spec:
  external:
    url: https://example.grafana.net
";
    assert_eq!(
        provided(text),
        [
            "Secret/observability/grafana-admin-credentials <- Grafana/observability/grafana @ 4:9",
            "Service/observability/grafana-service <- Grafana/observability/grafana @ 4:9",
            "Service/observability/own-admin-service <- Grafana/observability/own-admin @ 10:9",
        ]
    );
}
