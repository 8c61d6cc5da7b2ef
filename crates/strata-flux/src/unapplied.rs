//! Manifests below a Flux tree that no build applies.

use std::collections::BTreeSet;

use strata_core::{Location, parent_dir};

use crate::flux_kinds::{KUSTOMIZATION_FILE_NAMES, api_group};
use crate::model::*;
use crate::walk::*;
use crate::yaml::Yaml;

/// The YAML files below each entry's Flux tree that hold objects no build
/// applied and that no build read otherwise (patches, generator inputs).
pub(crate) fn unapplied_files(
    reader: &Reader<'_>,
    entries: &[String],
    objects: &[K8sObject],
) -> Vec<UnappliedFile> {
    let roots: BTreeSet<String> = entries
        .iter()
        .map(|entry| parent_dir(parent_dir(entry)).to_string())
        .collect();
    let under_root = |file: &str| {
        roots
            .iter()
            .any(|root| root.is_empty() || file.starts_with(&format!("{root}/")))
    };
    let mut used: BTreeSet<&str> = objects.iter().map(|o| o.location.file.as_str()).collect();
    used.extend(
        objects
            .iter()
            .flat_map(|o| o.patched.iter().map(|p| p.file.as_str())),
    );
    used.extend(reader.builder.used_files.iter().map(String::as_str));
    let charts: Vec<String> = reader
        .tree
        .files()
        .filter(|f| f.rsplit('/').next() == Some("Chart.yaml"))
        .map(|f| parent_dir(f).to_string())
        .collect();
    let mut unapplied = Vec::new();
    for (path, parsed) in reader.files.iter() {
        let base = path.rsplit('/').next().unwrap_or(path);
        if !under_root(path)
            || used.contains(path)
            || base.starts_with(".sops.")
            || KUSTOMIZATION_FILE_NAMES.contains(&base)
            || charts
                .iter()
                .any(|chart| chart.is_empty() || path.starts_with(&format!("{chart}/")))
        {
            continue;
        }
        let manifests: Vec<&Yaml> = parsed
            .documents
            .iter()
            .filter(|d| {
                let text = |key: &str| d.get(key).and_then(Yaml::as_str).filter(|t| !t.is_empty());
                matches!((text("apiVersion"), text("kind")), (Some(api), Some(_)) if api_group(api) != "kustomize.config.k8s.io")
            })
            .collect();
        let Some(first) = manifests.first() else {
            continue;
        };
        let span = first.get("kind").map_or(first.span, |k| k.span);
        unapplied.push(UnappliedFile {
            file: path.to_string(),
            location: Location::new(path, span),
            objects: manifests.len(),
        });
    }
    unapplied
}
