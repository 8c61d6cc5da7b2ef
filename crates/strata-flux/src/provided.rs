//! Objects the cluster gets from a controller rather than from a file: one
//! table, [`PROVISION_RULES`], of what each operator creates from the
//! objects it watches, with the upstream source of every name.
//!
//! Only objects with a name a repository can refer to are listed. Left out
//! on purpose: `PushSecret` (it writes to the external store, nothing in
//! the cluster), VolSync `ReplicationSource`/`ReplicationDestination`
//! (their snapshots and PVCs get generated names), and Secret copies made
//! by annotation-driven replicators (emberstack reflector, mittwald
//! replicator), which need the target namespaces' live state.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{Location, NodeId};

use crate::flux_kinds::api_group;
use crate::model::*;
use crate::yaml::Yaml;

/// What one kind of object makes a controller create.
pub(crate) struct ProvisionRule {
    /// API group of the creating object (`"*"`: any group).
    pub(crate) group: &'static str,
    /// Kind of the creating object (`"*"`: any kind).
    pub(crate) kind: &'static str,
    /// What is created and how it is named, with the upstream source.
    pub(crate) doc: &'static str,
    /// The objects created from one object.
    pub(crate) creates: fn(&Provider<'_>) -> Vec<Created>,
}

/// An object a rule creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Created {
    /// Its kind.
    pub(crate) kind: &'static str,
    /// Its namespace; `None` when it cannot be known.
    pub(crate) namespace: Option<String>,
    /// Its name.
    pub(crate) name: String,
    /// The dotted path of the creating object's value that names it, when
    /// one does (else the creating object's own name names it).
    pub(crate) named_at: Option<String>,
}

/// A creating object and what the rules may read beside it.
pub(crate) struct Provider<'a> {
    /// The creating object.
    pub(crate) object: &'a K8sObject,
    /// Every object of the tree, by id.
    pub(crate) objects: &'a BTreeMap<&'a NodeId, &'a K8sObject>,
}

impl Provider<'_> {
    fn text(&self, path: &str) -> Option<String> {
        text_at(&self.object.doc, path)
    }

    /// A created object in the creating object's namespace.
    fn here(&self, kind: &'static str, name: String, named_at: Option<&str>) -> Created {
        Created {
            kind,
            namespace: self.object.namespace.clone(),
            name,
            named_at: named_at.map(str::to_string),
        }
    }
}

fn text_at(doc: &Yaml, path: &str) -> Option<String> {
    doc.path(path)
        .and_then(Yaml::scalar_text)
        .map(|t| t.into_owned())
        .filter(|t| !t.is_empty())
}

/// The table. Rows are matched on the creating object's API group and kind;
/// every matching row applies.
pub(crate) const PROVISION_RULES: &[ProvisionRule] = &[
    ProvisionRule {
        group: "external-secrets.io",
        kind: "ExternalSecret",
        doc: "Secret `spec.target.name` (default: the ExternalSecret's name) in its namespace, \
              unless `spec.target.creationPolicy` is `Merge` or `None`, which create nothing. \
              https://external-secrets.io/latest/api/externalsecret/",
        creates: external_secret,
    },
    ProvisionRule {
        group: "external-secrets.io",
        kind: "ClusterExternalSecret",
        doc: "ExternalSecret `spec.externalSecretName` (default: its own name) in every namespace \
              of `spec.namespaces` or matched by `spec.namespaceSelectors`/`namespaceSelector` \
              among the tree's Namespaces, and the Secret each of those creates. \
              https://external-secrets.io/latest/api/clusterexternalsecret/",
        creates: cluster_external_secret,
    },
    ProvisionRule {
        group: "bitnami.com",
        kind: "SealedSecret",
        doc: "Secret with the SealedSecret's own name and namespace (`spec.template.metadata` \
              gives labels and annotations, never the name). \
              https://github.com/bitnami-labs/sealed-secrets#sealedsecrets-as-templates-for-secrets",
        creates: sealed_secret,
    },
    ProvisionRule {
        group: "cert-manager.io",
        kind: "Certificate",
        doc: "Secret `spec.secretName` in the Certificate's namespace. \
              https://cert-manager.io/docs/usage/certificate/",
        creates: certificate,
    },
    ProvisionRule {
        group: "cert-manager.io",
        kind: "Issuer",
        doc: "ACME account key Secret `spec.acme.privateKeySecretRef.name` in the Issuer's \
              namespace. https://cert-manager.io/docs/configuration/acme/",
        creates: acme_account_key,
    },
    ProvisionRule {
        group: "cert-manager.io",
        kind: "ClusterIssuer",
        doc: "ACME account key Secret `spec.acme.privateKeySecretRef.name` in the cluster \
              resource namespace, `cert-manager` unless `--cluster-resource-namespace` says \
              otherwise. https://cert-manager.io/docs/configuration/#cluster-resource-namespace",
        creates: acme_account_key,
    },
    ProvisionRule {
        group: "postgresql.cnpg.io",
        kind: "Cluster",
        doc: "Secrets `<name>-app` (unless `spec.bootstrap.*.secret.name` gives one), \
              `<name>-superuser` (only with `spec.enableSuperuserAccess: true` and no \
              `spec.superuserSecret`), `<name>-ca`, `<name>-server`, `<name>-replication` \
              (unless `spec.certificates` gives them); Services `<name>-rw`, `<name>-ro`, \
              `<name>-r` (less `spec.managed.services.disabledDefaultServices`). \
              https://cloudnative-pg.io/documentation/current/applications/ \
              https://cloudnative-pg.io/documentation/current/certificates/ \
              https://cloudnative-pg.io/documentation/current/service_management/",
        creates: cnpg_cluster,
    },
    ProvisionRule {
        group: "helm.toolkit.fluxcd.io",
        kind: "HelmRelease",
        doc: "CloudNativePG's `cluster` chart (https://github.com/cloudnative-pg/charts, from a \
              `cloudnative-pg` HelmRepository or OCI repository): the Cluster named by the \
              chart's `cluster.fullname` (release name, `-cluster` appended unless the release \
              name contains `cluster`; `fullnameOverride`, `nameOverride`, `namespaceOverride`) \
              and what that Cluster creates, from the inline values (chart default \
              `cluster.enableSuperuserAccess: true`). Release names over 53 characters, which \
              helm-controller shortens with a hash, give nothing.",
        creates: cnpg_cluster_chart,
    },
    ProvisionRule {
        group: "objectbucket.io",
        kind: "ObjectBucketClaim",
        doc: "Secret and ConfigMap with the claim's name in its namespace. \
              https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-claim/",
        creates: object_bucket_claim,
    },
    ProvisionRule {
        group: "ceph.rook.io",
        kind: "CephObjectStoreUser",
        doc: "Secret `rook-ceph-object-user-<spec.store>-<name>` in the user's namespace. \
              https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/object-storage/",
        creates: ceph_object_store_user,
    },
    ProvisionRule {
        group: "ceph.rook.io",
        kind: "CephCluster",
        doc: "Secret `rook-ceph-mon` (the admin key) and ConfigMap `rook-ceph-mon-endpoints` in \
              the CephCluster's namespace, which the Rook toolbox mounts. \
              https://rook.io/docs/rook/latest/Troubleshooting/ceph-toolbox/",
        creates: ceph_cluster,
    },
    ProvisionRule {
        group: "dragonflydb.io",
        kind: "Dragonfly",
        doc: "Service `spec.serviceSpec.name` (default: the Dragonfly's name) selecting the \
              master. https://www.dragonflydb.io/docs/managing-dragonfly/operator/installation",
        creates: dragonfly,
    },
    ProvisionRule {
        group: "grafana.integreatly.org",
        kind: "Grafana",
        doc: "Secret `<name>-admin-credentials` (unless `spec.disableDefaultAdminSecret`) and \
              Service `<name>-service` in its namespace; nothing for an external instance \
              (`spec.external`). https://grafana.github.io/grafana-operator/docs/grafana/ \
              (grafana-operator controllers/resources/resources.go)",
        creates: grafana,
    },
    ProvisionRule {
        group: "*",
        kind: "*",
        doc: "Crossplane: Secret `spec.writeConnectionSecretToRef.name` in \
              `spec.writeConnectionSecretToRef.namespace`, else the object's namespace (a \
              claim's, a namespaced resource's); nothing when neither is known. \
              https://docs.crossplane.io/latest/concepts/managed-resources/#writeconnectionsecrettoref",
        creates: connection_secret,
    },
];

fn external_secret(p: &Provider<'_>) -> Vec<Created> {
    if matches!(
        p.text("spec.target.creationPolicy").as_deref(),
        Some("Merge" | "None")
    ) {
        return Vec::new();
    }
    vec![match p.text("spec.target.name") {
        Some(name) => p.here("Secret", name, Some("spec.target.name")),
        None => p.here("Secret", p.object.name.clone(), None),
    }]
}

fn cluster_external_secret(p: &Provider<'_>) -> Vec<Created> {
    let (name, named_at) = match p.text("spec.externalSecretName") {
        Some(name) => (name, Some("spec.externalSecretName".to_string())),
        None => (p.object.name.clone(), None),
    };
    let creates_secret = !matches!(
        p.text("spec.externalSecretSpec.target.creationPolicy")
            .as_deref(),
        Some("Merge" | "None")
    );
    let (secret, secret_named_at) = match p.text("spec.externalSecretSpec.target.name") {
        Some(secret) => (
            secret,
            Some("spec.externalSecretSpec.target.name".to_string()),
        ),
        None => (name.clone(), named_at.clone()),
    };
    let mut namespaces: BTreeSet<String> = p
        .object
        .doc
        .path("spec.namespaces")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.scalar_text().map(|t| t.into_owned()))
        .collect();
    let selectors: Vec<&Yaml> = p
        .object
        .doc
        .path("spec.namespaceSelectors")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .chain(p.object.doc.path("spec.namespaceSelector"))
        .collect();
    for namespace in p
        .objects
        .values()
        .filter(|o| o.api_version == "v1" && o.kind == "Namespace")
    {
        if selectors
            .iter()
            .any(|selector| label_selector_matches(selector, &namespace_labels(namespace)))
        {
            namespaces.insert(namespace.name.clone());
        }
    }
    let mut created = Vec::new();
    for namespace in namespaces {
        created.push(Created {
            kind: "ExternalSecret",
            namespace: Some(namespace.clone()),
            name: name.clone(),
            named_at: named_at.clone(),
        });
        if creates_secret {
            created.push(Created {
                kind: "Secret",
                namespace: Some(namespace),
                name: secret.clone(),
                named_at: secret_named_at.clone(),
            });
        }
    }
    created
}

/// A Namespace's labels, with the `kubernetes.io/metadata.name` label the
/// API server gives every namespace.
fn namespace_labels(namespace: &K8sObject) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = namespace
        .doc
        .path("metadata.labels")
        .map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar_text()?.into_owned(), v.scalar_text()?.into_owned())))
        .collect();
    labels.insert(
        "kubernetes.io/metadata.name".to_string(),
        namespace.name.clone(),
    );
    labels
}

/// Whether a Kubernetes label selector (`matchLabels`, `matchExpressions`)
/// selects `labels`. An empty selector selects everything; a malformed
/// expression selects nothing.
fn label_selector_matches(selector: &Yaml, labels: &BTreeMap<String, String>) -> bool {
    let match_labels = selector
        .get("matchLabels")
        .map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .all(|(k, v)| match (k.scalar_text(), v.scalar_text()) {
            (Some(k), Some(v)) => labels.get(k.as_ref()) == Some(&v.into_owned()),
            _ => false,
        });
    let expressions = selector
        .get("matchExpressions")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .all(|expression| {
            let Some(key) = text_at(expression, "key") else {
                return false;
            };
            let values: Vec<String> = expression
                .get("values")
                .map(Yaml::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
                .collect();
            let value = labels.get(&key);
            match text_at(expression, "operator").as_deref() {
                Some("In") => value.is_some_and(|v| values.contains(v)),
                Some("NotIn") => value.is_none_or(|v| !values.contains(v)),
                Some("Exists") => value.is_some(),
                Some("DoesNotExist") => value.is_none(),
                _ => false,
            }
        });
    match_labels && expressions
}

fn sealed_secret(p: &Provider<'_>) -> Vec<Created> {
    vec![p.here("Secret", p.object.name.clone(), None)]
}

fn certificate(p: &Provider<'_>) -> Vec<Created> {
    p.text("spec.secretName")
        .map(|name| p.here("Secret", name, Some("spec.secretName")))
        .into_iter()
        .collect()
}

/// The namespace cert-manager keeps a ClusterIssuer's Secrets in by default.
const CLUSTER_RESOURCE_NAMESPACE: &str = "cert-manager";

fn acme_account_key(p: &Provider<'_>) -> Vec<Created> {
    let path = "spec.acme.privateKeySecretRef.name";
    let Some(name) = p.text(path) else {
        return Vec::new();
    };
    let mut created = p.here("Secret", name, Some(path));
    if p.object.kind == "ClusterIssuer" {
        created.namespace = Some(CLUSTER_RESOURCE_NAMESPACE.to_string());
    }
    vec![created]
}

/// What decides the names a CloudNativePG Cluster's objects get.
struct CnpgNaming {
    /// The Cluster's name.
    name: String,
    /// `spec.enableSuperuserAccess` and no `spec.superuserSecret`.
    creates_superuser: bool,
    /// No bootstrap secret given for the application user.
    creates_app: bool,
    /// `spec.certificates.serverCASecret` and `clientCASecret` not both given.
    creates_ca: bool,
    /// No `spec.certificates.serverTLSSecret`.
    creates_server: bool,
    /// No `spec.certificates.replicationTLSSecret`.
    creates_replication: bool,
    /// `spec.managed.services.disabledDefaultServices` (`ro`, `r`).
    disabled_services: Vec<String>,
}

impl CnpgNaming {
    /// Reads the settings from `spec` (a Cluster's `spec`, or the chart
    /// values mapped onto the same shape by `path`).
    fn read(
        name: String,
        get: impl Fn(&str) -> Option<String>,
        list: impl Fn(&str) -> Vec<String>,
    ) -> Self {
        let given = |path: &str| get(path).is_some();
        let superuser_access = get("enableSuperuserAccess").as_deref() == Some("true");
        Self {
            name,
            creates_superuser: superuser_access && !given("superuserSecret"),
            creates_app: !given("appSecret"),
            creates_ca: !(given("certificates.serverCASecret")
                && given("certificates.clientCASecret")),
            creates_server: !given("certificates.serverTLSSecret"),
            creates_replication: !given("certificates.replicationTLSSecret"),
            disabled_services: list("disabledDefaultServices"),
        }
    }

    fn objects(&self, namespace: Option<String>) -> Vec<Created> {
        let mut created = Vec::new();
        let mut add = |kind, suffix: &str| {
            created.push(Created {
                kind,
                namespace: namespace.clone(),
                name: format!("{}-{suffix}", self.name),
                named_at: None,
            })
        };
        for (suffix, made) in [
            ("app", self.creates_app),
            ("superuser", self.creates_superuser),
            ("ca", self.creates_ca),
            ("server", self.creates_server),
            ("replication", self.creates_replication),
        ] {
            if made {
                add("Secret", suffix);
            }
        }
        add("Service", "rw");
        for service in ["ro", "r"] {
            if !self.disabled_services.iter().any(|d| d == service) {
                add("Service", service);
            }
        }
        created
    }
}

fn strings_at(doc: &Yaml, path: &str) -> Vec<String> {
    doc.path(path)
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
        .collect()
}

fn cnpg_cluster(p: &Provider<'_>) -> Vec<Created> {
    let doc = &p.object.doc;
    let naming = CnpgNaming::read(
        p.object.name.clone(),
        |key| match key {
            "superuserSecret" => text_at(doc, "spec.superuserSecret.name"),
            "appSecret" => ["initdb", "recovery", "pg_basebackup"]
                .iter()
                .find_map(|method| text_at(doc, &format!("spec.bootstrap.{method}.secret.name"))),
            _ => text_at(doc, &format!("spec.{key}")),
        },
        |key| strings_at(doc, &format!("spec.managed.services.{key}")),
    );
    naming.objects(p.object.namespace.clone())
}

/// The chart name of CloudNativePG's cluster chart.
const CNPG_CLUSTER_CHART: &str = "cluster";

/// Whether a HelmRelease installs CloudNativePG's `cluster` chart: the
/// chart `cluster` from a HelmRepository, or an OCIRepository, whose URL is
/// CloudNativePG's.
fn installs_cnpg_cluster_chart(p: &Provider<'_>) -> bool {
    let doc = &p.object.doc;
    let own_namespace = p.object.namespace.clone().unwrap_or_default();
    let source_url = |kind: &str, name: Option<String>, namespace: Option<String>| {
        let id = NodeId::object(
            kind,
            Some(&namespace.unwrap_or(own_namespace.clone())),
            &name?,
        );
        p.objects
            .get(&id)
            .and_then(|source| text_at(&source.doc, "spec.url"))
    };
    let is_cnpg = |url: &str| url.contains("cloudnative-pg");
    if text_at(doc, "spec.chart.spec.chart").as_deref() == Some(CNPG_CLUSTER_CHART) {
        let url = source_url(
            &text_at(doc, "spec.chart.spec.sourceRef.kind").unwrap_or_default(),
            text_at(doc, "spec.chart.spec.sourceRef.name"),
            text_at(doc, "spec.chart.spec.sourceRef.namespace"),
        );
        return url.is_some_and(|u| is_cnpg(&u));
    }
    if text_at(doc, "spec.chartRef.kind").as_deref() == Some("OCIRepository") {
        let url = source_url(
            "OCIRepository",
            text_at(doc, "spec.chartRef.name"),
            text_at(doc, "spec.chartRef.namespace"),
        );
        return url.is_some_and(|u| is_cnpg(&u) && u.trim_end_matches('/').ends_with("/cluster"));
    }
    false
}

/// Helm's `trunc 63 | trimSuffix "-"`.
fn helm_name(name: &str) -> String {
    let truncated: String = name.chars().take(63).collect();
    truncated
        .strip_suffix('-')
        .unwrap_or(&truncated)
        .to_string()
}

fn cnpg_cluster_chart(p: &Provider<'_>) -> Vec<Created> {
    if !installs_cnpg_cluster_chart(p) {
        return Vec::new();
    }
    let doc = &p.object.doc;
    let value = |path: &str| text_at(doc, &format!("spec.values.{path}"));
    // Flux's release name and namespace (helm-controller `GetReleaseName`).
    let target_namespace = text_at(doc, "spec.targetNamespace");
    let release = text_at(doc, "spec.releaseName").unwrap_or_else(|| match &target_namespace {
        Some(namespace) => format!("{namespace}-{}", p.object.name),
        None => p.object.name.clone(),
    });
    // helm-controller shortens a longer name with a hash strata does not
    // reproduce; better no object than a wrong one.
    if release.len() > 53 {
        return Vec::new();
    }
    let namespace = value("namespaceOverride")
        .or(target_namespace)
        .or_else(|| p.object.namespace.clone());
    // The chart's `cluster.fullname` helper.
    let name = match value("fullnameOverride") {
        Some(full) => helm_name(&full),
        None => {
            let chart = value("nameOverride").unwrap_or_else(|| CNPG_CLUSTER_CHART.to_string());
            if release.contains(&chart) {
                helm_name(&release)
            } else {
                helm_name(&format!("{release}-{chart}"))
            }
        }
    };
    let recovery = value("mode").as_deref() == Some("recovery");
    let naming = CnpgNaming::read(
        name.clone(),
        |key| match key {
            // The chart's default is `true`.
            "enableSuperuserAccess" => {
                Some(value("cluster.enableSuperuserAccess").unwrap_or_else(|| "true".into()))
            }
            "superuserSecret" => value("cluster.superuserSecret"),
            "appSecret" if recovery => value("recovery.pgBaseBackup.secretName"),
            "appSecret" => value("cluster.initdb.secret.name"),
            _ => value(&format!("cluster.{key}")),
        },
        |key| strings_at(doc, &format!("spec.values.cluster.services.{key}")),
    );
    let mut created = vec![Created {
        kind: "Cluster",
        namespace: namespace.clone(),
        name,
        named_at: None,
    }];
    created.extend(naming.objects(namespace));
    created
}

fn object_bucket_claim(p: &Provider<'_>) -> Vec<Created> {
    vec![
        p.here("Secret", p.object.name.clone(), None),
        p.here("ConfigMap", p.object.name.clone(), None),
    ]
}

fn ceph_object_store_user(p: &Provider<'_>) -> Vec<Created> {
    p.text("spec.store")
        .map(|store| {
            p.here(
                "Secret",
                format!("rook-ceph-object-user-{store}-{}", p.object.name),
                None,
            )
        })
        .into_iter()
        .collect()
}

fn ceph_cluster(p: &Provider<'_>) -> Vec<Created> {
    vec![
        p.here("Secret", "rook-ceph-mon".to_string(), None),
        p.here("ConfigMap", "rook-ceph-mon-endpoints".to_string(), None),
    ]
}

fn dragonfly(p: &Provider<'_>) -> Vec<Created> {
    vec![match p.text("spec.serviceSpec.name") {
        Some(name) => p.here("Service", name, Some("spec.serviceSpec.name")),
        None => p.here("Service", p.object.name.clone(), None),
    }]
}

fn grafana(p: &Provider<'_>) -> Vec<Created> {
    if p.object.doc.path("spec.external").is_some() {
        return Vec::new();
    }
    let name = &p.object.name;
    let mut created = Vec::new();
    if p.text("spec.disableDefaultAdminSecret").as_deref() != Some("true") {
        created.push(p.here("Secret", format!("{name}-admin-credentials"), None));
    }
    created.push(p.here("Service", format!("{name}-service"), None));
    created
}

fn connection_secret(p: &Provider<'_>) -> Vec<Created> {
    let path = "spec.writeConnectionSecretToRef.name";
    let Some(name) = p.text(path) else {
        return Vec::new();
    };
    let namespace = p
        .text("spec.writeConnectionSecretToRef.namespace")
        .or_else(|| p.object.namespace.clone());
    if namespace.is_none() {
        return Vec::new();
    }
    vec![Created {
        kind: "Secret",
        namespace,
        name,
        named_at: Some(path.to_string()),
    }]
}

/// The objects controllers create from `objects`, by [`PROVISION_RULES`];
/// an id already among `objects` is left out (the file wins).
pub(crate) fn provided_objects(objects: &[K8sObject]) -> Vec<ProvidedObject> {
    let by_id: BTreeMap<&NodeId, &K8sObject> = objects.iter().rev().map(|o| (&o.id, o)).collect();
    let mut provided = BTreeMap::new();
    for object in objects {
        let group = api_group(&object.api_version);
        let provider = Provider {
            object,
            objects: &by_id,
        };
        for rule in PROVISION_RULES.iter().filter(|r| {
            (r.group == "*" || r.group == group) && (r.kind == "*" || r.kind == object.kind)
        }) {
            for created in (rule.creates)(&provider) {
                let id = NodeId::object(created.kind, created.namespace.as_deref(), &created.name);
                if by_id.contains_key(&id) {
                    continue;
                }
                let location: Location = created
                    .named_at
                    .as_deref()
                    .and_then(|path| object.location_of(path))
                    .unwrap_or_else(|| object.location.clone());
                provided.entry(id.clone()).or_insert(ProvidedObject {
                    id,
                    provider: object.id.clone(),
                    location,
                    rule: rule.doc,
                });
            }
        }
    }
    provided.into_values().collect()
}

#[cfg(test)]
mod tests;
