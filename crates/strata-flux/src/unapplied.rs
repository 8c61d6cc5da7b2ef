//! Manifests below a Flux tree that no build applies.

use std::collections::BTreeSet;

use strata_core::{Location, NodeId, parent_dir};

use crate::flux_kinds::{KUSTOMIZATION_FILE_NAMES, api_group};
use crate::model::*;
use crate::walk::*;
use crate::yaml::Yaml;

/// The directories that hold a Flux tree: the deepest directory holding
/// every directory the walk built, or, when that is the repository root,
/// each top-level directory that holds a built one (a repository whose
/// trees sit in `kubernetes/` and `flux/` keeps `docs/` out of scope).
pub(crate) fn tree_scopes(built_dirs: &BTreeSet<String>) -> Vec<String> {
    let mut common: Option<Vec<&str>> = None;
    for dir in built_dirs {
        let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
        common = Some(match common {
            None => segments,
            Some(prefix) => prefix
                .iter()
                .zip(&segments)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    match common {
        None => Vec::new(),
        Some(prefix) if !prefix.is_empty() => vec![prefix.join("/")],
        Some(_) => built_dirs
            .iter()
            .map(|d| d.split('/').next().unwrap_or_default().to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    }
}

/// The YAML files below a Flux tree's scope (see [`tree_scopes`]) that hold
/// objects no build applied, that no build read otherwise (patches,
/// generator inputs) and that no bootstrap step reads.
pub(crate) fn unapplied_files(
    reader: &Reader<'_>,
    scopes: &[String],
    bootstrap_reads: &BTreeSet<String>,
    refused_files: &BTreeSet<String>,
    objects: &[K8sObject],
) -> Vec<UnappliedFile> {
    let under_root = |file: &str| scopes.iter().any(|root| strata_core::is_below(file, root));
    let read_by_bootstrap = |file: &str| {
        bootstrap_reads
            .iter()
            .any(|read| file == read || file.starts_with(&format!("{read}/")))
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
            || read_by_bootstrap(path)
            || refused_files.contains(path)
            // Left out of the artifact on purpose (`.sourceignore`).
            || reader.builder.ignored.contains(path)
            || base.starts_with(".sops.")
            || KUSTOMIZATION_FILE_NAMES.contains(&base)
            || charts
                .iter()
                .any(|chart| strata_core::is_below(path, chart))
        {
            continue;
        }
        let manifests: Vec<&Yaml> = parsed
            .documents
            .iter()
            .map(|d| &**d)
            .filter(|d| {
                let text = |key: &str| d.get(key).and_then(Yaml::as_str).filter(|t| !t.is_empty());
                matches!((text("apiVersion"), text("kind")), (Some(api), Some(_)) if api_group(api) != "kustomize.config.k8s.io")
            })
            .collect();
        let Some(first) = manifests.first() else {
            continue;
        };
        let span = first.get("kind").map_or(first.span, |k| k.span);
        let ids = manifests
            .iter()
            .filter_map(|d| {
                let text = |key: &str| d.path(key).and_then(Yaml::as_str).filter(|t| !t.is_empty());
                let (api_version, kind, name) =
                    (text("apiVersion")?, text("kind")?, text("metadata.name")?);
                let namespace = (!reader
                    .builder
                    .scopes
                    .is_cluster_scoped_object(api_version, kind))
                .then(|| text("metadata.namespace").unwrap_or("default"));
                Some(NodeId::object(kind, namespace, name))
            })
            .collect();
        unapplied.push(UnappliedFile {
            file: path.to_string(),
            location: Location::new(path, span),
            objects: manifests.len(),
            ids,
        });
    }
    unapplied
}
