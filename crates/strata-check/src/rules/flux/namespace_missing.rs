//! `FLUX020` namespace-missing: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic};
use strata_flux::flux_kinds::HELM_GROUP;
use strata_flux::yaml::Yaml;

use super::objects::{at, is, is_substituted};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A namespaced object lands in a namespace that nothing in the tree
    /// creates: no `Namespace` object of that name is applied, no HelmRelease
    /// with `install.createNamespace: true` targets it (`targetNamespace` or
    /// `storageNamespace`), and it is not one of the namespaces every cluster
    /// has (`default`, `kube-system`, `kube-public`, `kube-node-lease`, and
    /// `flux-system`, which Flux's installation creates).
    ///
    /// ## Why
    /// The API server refuses an object whose namespace does not exist, so
    /// the Kustomization applying it fails its dry-run and applies nothing.
    /// It often works by accident on the cluster where the namespace was once
    /// created by hand, and fails when the cluster is rebuilt from Git.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: homepage-config
    ///   namespace: homepage   # no Namespace `homepage` anywhere
    /// ```
    /// Add a `Namespace` manifest to the same kustomization (Flux applies
    /// Namespaces before the objects in them), or fix the namespace.
    code: NamespaceMissing,
    check: Some(check),
}

/// Namespaces that exist in every Flux-managed cluster.
const WELL_KNOWN: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "flux-system",
];

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut created: BTreeSet<&str> = WELL_KNOWN.iter().copied().collect();
    for object in &cx.flux.objects {
        if object.kind == "Namespace" && object.api_version == "v1" {
            created.insert(object.name.as_str());
        }
        if is(object, HELM_GROUP, "HelmRelease")
            && object
                .doc
                .path("spec.install.createNamespace")
                .and_then(Yaml::as_bool)
                == Some(true)
        {
            for field in ["spec.targetNamespace", "spec.storageNamespace"] {
                if let Some(ns) = object.doc.path(field).and_then(Yaml::as_str) {
                    created.insert(ns);
                }
            }
        }
    }
    for object in cx.flux.written_objects() {
        let Some(namespace) = object.namespace.as_deref() else {
            continue;
        };
        // A `${VAR}` namespace is only known once Flux substitutes it.
        if created.contains(namespace) || is_substituted(namespace) {
            continue;
        }
        // Point at the namespace where it is written in this document.
        let written = object
            .doc
            .path("metadata.namespace")
            .filter(|n| n.as_str() == Some(namespace));
        let location = written.map_or_else(|| object.location.clone(), |n| at(object, n));
        out.push(
            Diagnostic::new(
                Code::NamespaceMissing,
                format!(
                    "{} `{}` is in namespace `{namespace}`, which no Namespace in the tree creates",
                    object.kind, object.name
                ),
            )
            .at(location)
            .on(object.id.clone())
            .help(format!(
                "add `apiVersion: v1, kind: Namespace, metadata: {{ name: {namespace} }}` to the \
                 kustomization that applies this object, or fix the namespace"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_where_the_namespace_is_written_or_at_the_name() {
        let analysis = analyze_fixture("flux-namespace-missing");
        assert_fires_at(
            &analysis,
            Code::NamespaceMissing,
            &[
                "apps/base/homepage/configmap.yaml:5:14",
                "apps/base/homepage/helmrelease.yaml:5:14",
                "apps/base/homepage/helmrepository.yaml:5:14",
                "apps/base/linkding/kustomization.yaml:3:12",
            ],
        );
    }

    #[test]
    fn silent_with_namespace_objects_and_create_namespace() {
        assert_clean(
            &analyze_fixture("flux-namespace-missing-clean"),
            Code::NamespaceMissing,
        );
    }
}
