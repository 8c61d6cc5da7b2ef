//! kustomize's transformer configuration: which fields the built-in
//! transformers touch. kustomize starts from built-in tables and adds the
//! `configurations:` files of every kustomization of a build (a
//! configuration read in an included directory applies to the whole build,
//! as kustomize merges it upwards).
//!
//! The built-in tables here are kustomize 5.5's, written as rules rather
//! than as its YAML: the pod-spec reference fields repeat for every
//! workload kind, so they are listed once and expanded.

use std::sync::OnceLock;

use crate::yaml::Yaml;

use super::field_spec::FieldSpec;

/// Objects of one kind whose name other objects hold, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NameReference {
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) kind: String,
    /// The fields (of the referring objects) holding the name.
    pub(crate) referrers: Vec<FieldSpec>,
}

/// The field specs of the built-in transformers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TransformerConfig {
    pub(crate) name_reference: Vec<NameReference>,
    /// `commonLabels` and `labels` with `includeSelectors`.
    pub(crate) common_labels: Vec<FieldSpec>,
    /// `labels` with `includeTemplates`.
    pub(crate) template_labels: Vec<FieldSpec>,
    /// A configuration's own `labels:` list, added to every `labels` entry.
    pub(crate) labels: Vec<FieldSpec>,
    pub(crate) common_annotations: Vec<FieldSpec>,
    /// Fields besides `metadata/name` that `namePrefix` / `nameSuffix`
    /// prefix and suffix (kustomize's own table has only `metadata/name`).
    pub(crate) name_prefix: Vec<FieldSpec>,
    pub(crate) name_suffix: Vec<FieldSpec>,
}

impl TransformerConfig {
    /// kustomize's built-in configuration.
    pub(crate) fn builtin() -> &'static TransformerConfig {
        static BUILTIN: OnceLock<TransformerConfig> = OnceLock::new();
        BUILTIN.get_or_init(|| TransformerConfig {
            name_reference: builtin_name_references(),
            common_labels: builtin_common_labels(),
            template_labels: builtin_metadata_labels(),
            labels: Vec::new(),
            common_annotations: builtin_common_annotations(),
            name_prefix: Vec::new(),
            name_suffix: Vec::new(),
        })
    }

    /// Reads one `configurations:` file's document.
    pub(crate) fn from_document(document: &Yaml) -> TransformerConfig {
        let specs = |key: &str| -> Vec<FieldSpec> {
            document
                .get(key)
                .map(Yaml::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(FieldSpec::from_yaml)
                .collect()
        };
        let name_reference = document
            .get("nameReference")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                let text = |key: &str| {
                    entry
                        .get(key)
                        .and_then(Yaml::scalar_text)
                        .map(|t| t.into_owned())
                        .filter(|t| !t.is_empty())
                };
                Some(NameReference {
                    group: text("group"),
                    version: text("version"),
                    kind: text("kind")?,
                    referrers: entry
                        .get("fieldSpecs")
                        .map(Yaml::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(FieldSpec::from_yaml)
                        .collect(),
                })
            })
            .collect();
        TransformerConfig {
            name_reference,
            common_labels: specs("commonLabels"),
            template_labels: specs("templateLabels"),
            labels: specs("labels"),
            common_annotations: specs("commonAnnotations"),
            name_prefix: specs("namePrefix"),
            name_suffix: specs("nameSuffix"),
        }
    }

    /// Adds `other`'s entries that this configuration does not have yet.
    pub(crate) fn merge(&mut self, other: &TransformerConfig) {
        fn add(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
            for spec in from {
                if !into.contains(spec) {
                    into.push(spec.clone());
                }
            }
        }
        add(&mut self.common_labels, &other.common_labels);
        add(&mut self.template_labels, &other.template_labels);
        add(&mut self.labels, &other.labels);
        add(&mut self.common_annotations, &other.common_annotations);
        add(&mut self.name_prefix, &other.name_prefix);
        add(&mut self.name_suffix, &other.name_suffix);
        for reference in &other.name_reference {
            match self.name_reference.iter_mut().find(|r| {
                r.kind == reference.kind
                    && r.group == reference.group
                    && r.version == reference.version
            }) {
                Some(existing) => add(&mut existing.referrers, &reference.referrers),
                None => self.name_reference.push(reference.clone()),
            }
        }
    }

    /// This configuration on top of the built-in one.
    pub(crate) fn with_builtin(&self) -> TransformerConfig {
        let mut all = TransformerConfig::builtin().clone();
        all.merge(self);
        all
    }
}

/// The workload kinds with a pod template, the group kustomize's tables
/// name for each (`None`: any), and the path of the pod spec within.
const POD_SPECS: &[(&str, Option<&str>, &str)] = &[
    ("Pod", None, "spec"),
    ("PodTemplate", None, "template/spec"),
    ("Deployment", None, "spec/template/spec"),
    ("ReplicaSet", None, "spec/template/spec"),
    ("DaemonSet", None, "spec/template/spec"),
    ("StatefulSet", None, "spec/template/spec"),
    ("Job", None, "spec/template/spec"),
    ("CronJob", None, "spec/jobTemplate/spec/template/spec"),
];

/// Pod spec fields holding a ConfigMap name.
const CONFIG_MAP_FIELDS: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

/// Pod spec fields holding a Secret name.
const SECRET_FIELDS: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

/// Workloads whose pod spec may name a ServiceAccount, PVC or
/// PriorityClass (kustomize's list: no ReplicaSet or PodTemplate, plus
/// ReplicationController).
const POD_SPEC_OWNERS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
];

fn reference(
    group: Option<&str>,
    version: Option<&str>,
    kind: &str,
    referrers: Vec<FieldSpec>,
) -> NameReference {
    NameReference {
        group: group.map(str::to_string),
        version: version.map(str::to_string),
        kind: kind.to_string(),
        referrers,
    }
}

fn of(kind: &str, path: &str) -> FieldSpec {
    FieldSpec::of(None, None, Some(kind), path, false)
}

fn of_group(group: &str, kind: &str, path: &str) -> FieldSpec {
    FieldSpec::of(Some(group), None, Some(kind), path, false)
}

fn pod_spec_references(fields: &[&str]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (kind, _, pod) in POD_SPECS {
        // kustomize pins the bare Pod to `v1`.
        let version = (*kind == "Pod").then_some("v1");
        for field in fields {
            out.push(FieldSpec::of(
                None,
                version,
                Some(kind),
                &format!("{pod}/{field}"),
                false,
            ));
        }
    }
    out
}

fn builtin_name_references() -> Vec<NameReference> {
    let hpa = || vec![of("HorizontalPodAutoscaler", "spec/scaleTargetRef/name")];
    let mut config_map = pod_spec_references(CONFIG_MAP_FIELDS);
    config_map.extend([
        of("Node", "spec/configSource/configMap"),
        of("Role", "rules/resourceNames"),
        of("ClusterRole", "rules/resourceNames"),
        of(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
        ),
    ]);
    let mut secret = pod_spec_references(SECRET_FIELDS);
    secret.extend([
        of("Ingress", "spec/tls/secretName"),
        of(
            "Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        ),
        of(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        ),
        of(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ),
        of("ServiceAccount", "imagePullSecrets/name"),
        of("StorageClass", "parameters/secretName"),
        of("StorageClass", "parameters/adminSecretName"),
        of("StorageClass", "parameters/userSecretName"),
        of("StorageClass", "parameters/secretRef"),
        of("Role", "rules/resourceNames"),
        of("ClusterRole", "rules/resourceNames"),
        FieldSpec::of(
            Some("serving.knative.dev"),
            Some("v1"),
            Some("Service"),
            "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            false,
        ),
        of("PersistentVolume", "spec/azureFile/secretName"),
    ]);
    let rbac = "rbac.authorization.k8s.io";
    let owners = |field: &str| -> Vec<FieldSpec> {
        POD_SPEC_OWNERS
            .iter()
            .map(|(kind, pod)| of(kind, &format!("{pod}/{field}")))
            .collect()
    };
    let mut service_account = vec![
        of_group(rbac, "RoleBinding", "subjects"),
        of_group(rbac, "ClusterRoleBinding", "subjects"),
    ];
    service_account.extend(owners("serviceAccountName"));
    let persistent_volume_claim = owners("volumes/persistentVolumeClaim/claimName");
    let priority_class = owners("priorityClassName");
    vec![
        reference(None, None, "Deployment", hpa()),
        reference(None, None, "ReplicationController", hpa()),
        reference(None, None, "ReplicaSet", hpa()),
        reference(None, None, "StatefulSet", hpa()),
        reference(None, Some("v1"), "ConfigMap", config_map),
        reference(None, Some("v1"), "Secret", secret),
        reference(
            None,
            Some("v1"),
            "Service",
            vec![
                of_group("apps", "StatefulSet", "spec/serviceName"),
                of("Ingress", "spec/rules/http/paths/backend/serviceName"),
                of("Ingress", "spec/backend/serviceName"),
                of("Ingress", "spec/rules/http/paths/backend/service/name"),
                of("Ingress", "spec/defaultBackend/service/name"),
                of_group("apiregistration.k8s.io", "APIService", "spec/service/name"),
                of_group(
                    "admissionregistration.k8s.io",
                    "ValidatingWebhookConfiguration",
                    "webhooks/clientConfig/service",
                ),
                of_group(
                    "admissionregistration.k8s.io",
                    "MutatingWebhookConfiguration",
                    "webhooks/clientConfig/service",
                ),
                of("HTTPRoute", "spec/rules/backendRefs/name"),
            ],
        ),
        reference(
            Some(rbac),
            None,
            "Role",
            vec![of_group(rbac, "RoleBinding", "roleRef/name")],
        ),
        reference(
            Some(rbac),
            None,
            "ClusterRole",
            vec![
                of_group(rbac, "RoleBinding", "roleRef/name"),
                of_group(rbac, "ClusterRoleBinding", "roleRef/name"),
            ],
        ),
        reference(None, Some("v1"), "ServiceAccount", service_account),
        reference(
            None,
            Some("v1"),
            "PersistentVolumeClaim",
            persistent_volume_claim,
        ),
        reference(
            None,
            Some("v1"),
            "PersistentVolume",
            vec![
                of("PersistentVolumeClaim", "spec/volumeName"),
                of("ClusterRole", "rules/resourceNames"),
            ],
        ),
        reference(
            Some("storage.k8s.io"),
            Some("v1"),
            "StorageClass",
            vec![
                of("PersistentVolume", "spec/storageClassName"),
                of("PersistentVolumeClaim", "spec/storageClassName"),
                of(
                    "StatefulSet",
                    "spec/volumeClaimTemplates/spec/storageClassName",
                ),
            ],
        ),
        reference(
            Some("scheduling.k8s.io"),
            Some("v1"),
            "PriorityClass",
            priority_class,
        ),
        // kustomize's IngressClass entry names the group
        // `networking.k8s.io/v1`, which matches no object: its references
        // are never renamed, so the entry is left out.
    ]
}

/// Where `labels` (without selectors) and template labels go: metadata,
/// and the pod templates of workloads.
fn builtin_metadata_labels() -> Vec<FieldSpec> {
    let create = |group: Option<&str>, version: Option<&str>, kind: &str, path: &str| {
        FieldSpec::of(group, version, Some(kind), path, true)
    };
    vec![
        FieldSpec::any("metadata/labels", true),
        create(
            None,
            Some("v1"),
            "ReplicationController",
            "spec/template/metadata/labels",
        ),
        create(None, None, "Deployment", "spec/template/metadata/labels"),
        create(None, None, "ReplicaSet", "spec/template/metadata/labels"),
        create(None, None, "DaemonSet", "spec/template/metadata/labels"),
        create(
            Some("apps"),
            None,
            "StatefulSet",
            "spec/template/metadata/labels",
        ),
        create(
            Some("apps"),
            None,
            "StatefulSet",
            "spec/volumeClaimTemplates[]/metadata/labels",
        ),
        create(Some("batch"), None, "Job", "spec/template/metadata/labels"),
        create(
            Some("batch"),
            None,
            "CronJob",
            "spec/jobTemplate/metadata/labels",
        ),
        create(
            Some("batch"),
            None,
            "CronJob",
            "spec/jobTemplate/spec/template/metadata/labels",
        ),
    ]
}

/// `commonLabels`: metadata and templates, plus the selectors.
fn builtin_common_labels() -> Vec<FieldSpec> {
    let spec = |group: Option<&str>, version: Option<&str>, kind: &str, path: &str, create| {
        FieldSpec::of(group, version, Some(kind), path, create)
    };
    let affinity = [
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
    ];
    let mut out = vec![
        spec(None, Some("v1"), "Service", "spec/selector", true),
        spec(
            None,
            Some("v1"),
            "ReplicationController",
            "spec/selector",
            true,
        ),
        spec(None, None, "Deployment", "spec/selector/matchLabels", true),
    ];
    out.extend(
        affinity
            .iter()
            .map(|p| spec(Some("apps"), None, "Deployment", p, false)),
    );
    out.push(spec(
        None,
        None,
        "ReplicaSet",
        "spec/selector/matchLabels",
        true,
    ));
    out.push(spec(
        None,
        None,
        "DaemonSet",
        "spec/selector/matchLabels",
        true,
    ));
    out.push(spec(
        Some("apps"),
        None,
        "StatefulSet",
        "spec/selector/matchLabels",
        true,
    ));
    out.push(spec(
        Some("apps"),
        None,
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ));
    out.extend(
        affinity
            .iter()
            .map(|p| spec(Some("apps"), None, "StatefulSet", p, false)),
    );
    out.extend([
        spec(
            Some("batch"),
            None,
            "Job",
            "spec/selector/matchLabels",
            false,
        ),
        spec(
            Some("batch"),
            None,
            "CronJob",
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
        ),
        spec(
            Some("policy"),
            None,
            "PodDisruptionBudget",
            "spec/selector/matchLabels",
            false,
        ),
        spec(
            Some("networking.k8s.io"),
            None,
            "NetworkPolicy",
            "spec/podSelector/matchLabels",
            false,
        ),
        spec(
            Some("networking.k8s.io"),
            None,
            "NetworkPolicy",
            "spec/ingress/from/podSelector/matchLabels",
            false,
        ),
        spec(
            Some("networking.k8s.io"),
            None,
            "NetworkPolicy",
            "spec/egress/to/podSelector/matchLabels",
            false,
        ),
    ]);
    out.extend(builtin_metadata_labels());
    out
}

fn builtin_common_annotations() -> Vec<FieldSpec> {
    let create = |group: Option<&str>, version: Option<&str>, kind: &str, path: &str| {
        FieldSpec::of(group, version, Some(kind), path, true)
    };
    vec![
        FieldSpec::any("metadata/annotations", true),
        create(
            None,
            Some("v1"),
            "ReplicationController",
            "spec/template/metadata/annotations",
        ),
        create(
            None,
            None,
            "Deployment",
            "spec/template/metadata/annotations",
        ),
        create(
            None,
            None,
            "ReplicaSet",
            "spec/template/metadata/annotations",
        ),
        create(
            None,
            None,
            "DaemonSet",
            "spec/template/metadata/annotations",
        ),
        create(
            None,
            None,
            "StatefulSet",
            "spec/template/metadata/annotations",
        ),
        create(
            Some("batch"),
            None,
            "Job",
            "spec/template/metadata/annotations",
        ),
        create(
            Some("batch"),
            None,
            "CronJob",
            "spec/jobTemplate/metadata/annotations",
        ),
        create(
            Some("batch"),
            None,
            "CronJob",
            "spec/jobTemplate/spec/template/metadata/annotations",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_cover_pod_spec_references() {
        let builtin = TransformerConfig::builtin();
        let config_map = builtin
            .name_reference
            .iter()
            .find(|r| r.kind == "ConfigMap")
            .expect("ConfigMap references");
        assert!(config_map.referrers.iter().any(|s| {
            s.kind.as_deref() == Some("CronJob")
                && s.path_text()
                    == "spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name"
        }));
        // 8 workload kinds × 6 fields, plus Node, Role, ClusterRole, Ingress.
        assert_eq!(config_map.referrers.len(), 8 * 6 + 4);
    }
}
