//! Where Flux starts: the sync roots of a repository.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{NodeId, RepoTree, join_relative};

use crate::files::{self};
use crate::flux_kinds::{GIT_REPOSITORY, is_flux_kustomization};
use crate::kustomize::BuiltObject;
use crate::references::*;
use crate::walk::*;

/// Who applies each entry (with the source root of that Flux tree), and the
/// sources those bootstrap Kustomizations read, which are this repository.
///
/// A Kustomization applies an entry when its `spec.path` is the entry; one
/// inside the entry whose path is a suffix of the entry applies it too, from a
/// source rooted at the rest (see [`source_root`]). A root-relative match
/// beats a suffix match, then the smallest id wins.
#[allow(clippy::type_complexity)]
pub(crate) fn find_entry_appliers(
    entries: &[String],
    entry_builds: &[(String, Vec<BuiltObject>)],
) -> (BTreeMap<String, (NodeId, String)>, BTreeSet<NodeId>) {
    let mut appliers: BTreeMap<String, (NodeId, String)> = BTreeMap::new();
    let mut repository_sources = BTreeSet::new();
    for (own_entry, built) in entry_builds {
        for object in built
            .iter()
            .filter(|o| is_flux_kustomization(&o.api_version, &o.kind))
        {
            let document = &object.doc;
            let namespace = resolve_namespace(object, None);
            let Some(path) = flux_path(document).and_then(|p| join_relative("", &p)) else {
                continue;
            };
            for entry in entries {
                let root = if path == *entry {
                    String::new()
                } else if entry == own_entry {
                    let Some(root) = source_root(entry, &path) else {
                        continue;
                    };
                    root
                } else {
                    continue;
                };
                let id = NodeId::object(&object.kind, namespace.as_deref(), &object.name);
                let rank =
                    |id: &NodeId, root: &str| (root.is_empty(), std::cmp::Reverse(id.clone()));
                let better = appliers.get(entry).is_none_or(|(current, current_root)| {
                    rank(&id, &root) > rank(current, current_root)
                });
                if better {
                    appliers.insert(entry.clone(), (id, root));
                }
                if let Some(source) = source_ref_target(document, namespace.as_deref()) {
                    repository_sources.insert(source);
                }
            }
        }
    }
    (appliers, repository_sources)
}

/// Whether a Kustomization's `sourceRef` is this repository: one of the
/// sources the bootstrap Kustomizations read or, when the repository holds no
/// bootstrap Kustomization, any GitRepository or the conventional
/// `flux-system` source (an OCIRepository when a FluxInstance syncs the tree).
/// A Kustomization reading another repository or artifact has a path inside
/// that source, which strata cannot see.
pub(crate) fn reads_this_repository(
    source: &NodeId,
    repository_sources: &BTreeSet<NodeId>,
) -> bool {
    if repository_sources.is_empty() {
        source.kind() == GIT_REPOSITORY || source.name() == "flux-system"
    } else {
        repository_sources.contains(source)
    }
}

/// Every directory named `clusters/<name>` (at any depth) with YAML below it.
pub(crate) fn find_entries(tree: &RepoTree) -> Vec<String> {
    let mut entries = BTreeSet::new();
    for file in tree.files().filter(|f| files::is_yaml_path(f)) {
        let segments: Vec<&str> = file.split('/').collect();
        // The last segment is the file itself; an entry is a directory.
        for i in 0..segments.len().saturating_sub(2) {
            if segments[i] == "clusters" {
                entries.insert(segments[..=i + 1].join("/"));
            }
        }
    }
    entries.into_iter().collect()
}

/// Where the source root of a Flux tree is, given that a Kustomization
/// inside cluster entry `entry` applies it with `spec.path` `path` (which is
/// not `entry` itself, read from the repository root): the prefix of `entry`
/// that `path` is a suffix of, or `entry` itself for an empty path. A Flux
/// tree kept in a subdirectory (an OCI artifact pushed from `./kubernetes`,
/// a fixture repository inside a test directory) resolves its paths from there.
pub(crate) fn source_root(entry: &str, path: &str) -> Option<String> {
    if path.is_empty() {
        return Some(entry.to_string());
    }
    let root = entry.strip_suffix(path)?.strip_suffix('/')?;
    Some(root.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::flux_path;
    use crate::yaml;
    use std::collections::BTreeSet;
    use strata_core::NodeId;

    #[test]
    fn source_root_is_the_prefix_a_path_leaves_over() {
        assert_eq!(
            source_root("kubernetes/clusters/main", "clusters/main").as_deref(),
            Some("kubernetes")
        );
        assert_eq!(
            source_root("clusters/main", "").as_deref(),
            Some("clusters/main")
        );
        assert_eq!(source_root("a/xclusters/main", "clusters/main"), None);
        assert_eq!(source_root("clusters/main", "clusters/other"), None);
    }

    #[test]
    fn entries_are_clusters_subdirectories_at_any_depth() {
        let tree = RepoTree::from_files(
            std::path::Path::new("/nowhere"),
            [
                "clusters/prod/flux-system/gotk-sync.yaml",
                "flux/clusters/production/apps.yaml",
                "kubernetes/clusters/main/deep/x.yml",
                "clusters/README.md",
                "clusters/empty/notes.txt",
                "clusters/top.yaml",
            ]
            .map(String::from),
        );
        assert_eq!(
            find_entries(&tree),
            [
                "clusters/prod",
                "flux/clusters/production",
                "kubernetes/clusters/main"
            ]
        );
    }

    #[test]
    fn spec_path_loses_its_leading_dot_slash() {
        let file = strata_core::SourceFile::new("k.yaml", "spec:\n  path: ./flux/apps\n");
        let (docs, _) = yaml::parse_documents(&file);
        assert_eq!(flux_path(&docs[0]).as_deref(), Some("flux/apps"));
        let file = strata_core::SourceFile::new("k.yaml", "spec:\n  interval: 1m\n");
        let (docs, _) = yaml::parse_documents(&file);
        assert_eq!(flux_path(&docs[0]).as_deref(), Some(""));
    }

    #[test]
    fn repository_sources_decide_what_is_followed() {
        let own = NodeId::object("GitRepository", Some("flux-system"), "flux-system");
        let other = NodeId::object("GitRepository", Some("flux-system"), "gateway-api");
        let oci = NodeId::object("OCIRepository", Some("flux-system"), "flux-system");
        let known: BTreeSet<NodeId> = [own.clone()].into_iter().collect();
        assert!(reads_this_repository(&own, &known));
        assert!(!reads_this_repository(&other, &known));
        assert!(reads_this_repository(&other, &BTreeSet::new()));
        assert!(reads_this_repository(&oci, &BTreeSet::new()));
        let app_template = NodeId::object("OCIRepository", Some("media"), "app-template");
        assert!(!reads_this_repository(&app_template, &BTreeSet::new()));
    }
}
