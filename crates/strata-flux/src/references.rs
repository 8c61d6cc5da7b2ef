//! The references Flux objects make (`dependsOn`, `sourceRef`, `chartRef`,
//! `valuesFrom`, `substituteFrom`), by id, as Flux defaults their namespaces.

use strata_core::{Location, NodeId};

use crate::flux_kinds::{is_flux_kustomization, is_helm_release};
use crate::kustomize::BuiltObject;
use crate::model::*;
use crate::yaml::Yaml;

pub(crate) fn source_ref_target(document: &Yaml, own_namespace: Option<&str>) -> Option<NodeId> {
    let source = document.path("spec.sourceRef")?;
    reference(ReferenceKind::SourceRef, source, None, own_namespace, "").map(|r| r.target)
}

/// The references of a Flux Kustomization or HelmRelease.
pub(crate) fn references(object: &BuiltObject, own_namespace: Option<&str>) -> Vec<Reference> {
    let document = &object.doc;
    let mut refs = Vec::new();
    let depends_on_kind = if is_flux_kustomization(&object.api_version, &object.kind) {
        "Kustomization"
    } else if is_helm_release(&object.api_version, &object.kind) {
        "HelmRelease"
    } else {
        return refs;
    };
    let at = |path: &str| object.file_of(&format!("{path}.name")).to_string();
    let list = |path: &str| {
        document
            .path(path)
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, entry)| (format!("{path}.{i}"), entry))
            .collect::<Vec<_>>()
    };
    for (path, entry) in list("spec.dependsOn") {
        refs.extend(reference(
            ReferenceKind::DependsOn,
            entry,
            Some(depends_on_kind),
            own_namespace,
            &at(&path),
        ));
    }
    let single = |kind: ReferenceKind, path: &str| {
        document
            .path(path)
            .and_then(|entry| reference(kind, entry, None, own_namespace, &at(path)))
    };
    if depends_on_kind == "Kustomization" {
        refs.extend(single(ReferenceKind::SourceRef, "spec.sourceRef"));
        for (path, entry) in list("spec.postBuild.substituteFrom") {
            refs.extend(local_reference(
                ReferenceKind::SubstituteFrom,
                entry,
                own_namespace,
                &at(&path),
            ));
        }
    } else {
        refs.extend(single(
            ReferenceKind::SourceRef,
            "spec.chart.spec.sourceRef",
        ));
        refs.extend(single(ReferenceKind::ChartRef, "spec.chartRef"));
        for (path, entry) in list("spec.valuesFrom") {
            refs.extend(local_reference(
                ReferenceKind::ValuesFrom,
                entry,
                own_namespace,
                &at(&path),
            ));
        }
    }
    refs
}

/// A `{kind, name, optional?}` reference to a ConfigMap or Secret that Flux
/// always looks up in the referring object's own namespace.
pub(crate) fn local_reference(
    kind: ReferenceKind,
    entry: &Yaml,
    own_namespace: Option<&str>,
    file: &str,
) -> Option<Reference> {
    let name = entry.get("name")?;
    let name_text = name.scalar_text().filter(|n| !n.is_empty())?;
    let target_kind = entry
        .get("kind")
        .and_then(Yaml::as_str)
        .filter(|k| !k.is_empty())?;
    let namespace = own_namespace.unwrap_or("default");
    Some(Reference {
        kind,
        target: NodeId::object(target_kind, Some(namespace), &name_text),
        location: Location::new(file, name.span),
        optional: entry.get("optional").and_then(Yaml::as_bool) == Some(true),
    })
}

/// One `{kind?, name, namespace?}` reference; `kind` comes from the entry
/// unless the field implies it (`dependsOn`). `None` when the entry has no
/// usable name or kind.
pub(crate) fn reference(
    kind: ReferenceKind,
    entry: &Yaml,
    implied_kind: Option<&str>,
    own_namespace: Option<&str>,
    file: &str,
) -> Option<Reference> {
    let name = entry.get("name")?;
    let name_text = name.scalar_text().filter(|n| !n.is_empty())?;
    let target_kind = match implied_kind {
        Some(kind) => kind.to_string(),
        None => entry
            .get("kind")
            .and_then(Yaml::as_str)
            .filter(|k| !k.is_empty())?
            .to_string(),
    };
    let namespace = entry
        .get("namespace")
        .and_then(Yaml::scalar_text)
        .filter(|ns| !ns.is_empty())
        .map(|ns| ns.into_owned())
        .or_else(|| own_namespace.map(str::to_string))
        .unwrap_or_else(|| "default".to_string());
    Some(Reference {
        kind,
        target: NodeId::object(&target_kind, Some(&namespace), &name_text),
        location: Location::new(file, name.span),
        optional: false,
    })
}
