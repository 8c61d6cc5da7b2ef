//! Reads a Flux v2 tree: YAML with spans, kustomize directories, Flux objects
//! and their references.
//!
//! [`load`] starts from every cluster entry directory (`…/clusters/<name>`),
//! builds it as Flux would, and follows each Flux Kustomization's `spec.path`
//! to the directories it applies. The result lists every object that ends up
//! in the cluster with the namespace Flux gives it, the Kustomization that
//! applies it, and the references (`dependsOn`, `sourceRef`, `chartRef`) it
//! makes. Whether a reference resolves is for `strata-check` to decide.
//!
//! Two judgment calls worth knowing:
//! - `spec.path` is read from the root of the Kustomization's source. That is
//!   the repository root, except when the bootstrap Kustomization inside an
//!   entry proves otherwise (`kubernetes/clusters/main` applied with
//!   `path: ./clusters/main` puts the root at `kubernetes/`), as for an OCI
//!   artifact pushed from a subdirectory or a fixture repository kept in tests.
//! - A Kustomization whose `sourceRef` is another repository or artifact is
//!   kept as an object but not followed: its path lives in a source strata
//!   cannot see.

pub mod flux_kinds;
pub mod kustomize;
pub mod yaml;

mod files;

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::ops::Range;

use serde::Serialize;
use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree, SourceDb, join_relative};

use crate::files::YamlFiles;
use crate::flux_kinds::{
    GIT_REPOSITORY, is_cluster_scoped, is_flux_kustomization, is_helm_release,
};
use crate::kustomize::{Builder, BuiltObject};
use crate::yaml::Yaml;

/// Everything strata knows about a repository's Flux tree.
#[derive(Debug, Default)]
pub struct FluxTree {
    /// Every object of every applied build, sorted by id, then file, then span.
    /// The same object appears once per Kustomization that applies it.
    pub objects: Vec<K8sObject>,
    /// The cluster entry directories found (`flux/clusters/production`), sorted.
    pub entries: Vec<String>,
    /// Every YAML file read, so diagnostics and nodes can be rendered.
    pub sources: SourceDb,
    /// Findings, in the contract's order (file, position, code).
    pub diagnostics: Vec<Diagnostic>,
}

/// One Kubernetes or Flux object as it lands in the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct K8sObject {
    /// `KIND/NAMESPACE/NAME`, or `KIND/NAME` for a cluster-scoped kind, with
    /// the namespace Flux gives the object.
    pub id: NodeId,
    /// `apiVersion` as written.
    pub api_version: String,
    /// `kind` as written.
    pub kind: String,
    /// The name the object gets (a `v1` Namespace takes the name of a
    /// kustomize `namespace:` or `targetNamespace` override).
    pub name: String,
    /// The resolved namespace: `targetNamespace` of the applying
    /// Kustomization, else the outermost kustomize `namespace:` override, else
    /// `metadata.namespace`, else `default`; `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    /// The `metadata.name` value in its file.
    pub location: Location,
    /// The Flux Kustomization whose build contains this object; `None` for the
    /// objects of a cluster entry that no Kustomization in the repository applies.
    pub applied_by: Option<NodeId>,
    /// The references this object makes, in file order.
    pub refs: Vec<Reference>,
    /// The document as written.
    pub doc: Yaml,
    /// Whether the file is SOPS-encrypted (a top-level `sops:` map with `mac`).
    pub sops_encrypted: bool,
}

/// What a reference means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceKind {
    /// A `spec.dependsOn[]` entry (Kustomization → Kustomization, HelmRelease → HelmRelease).
    DependsOn,
    /// A Kustomization's `spec.sourceRef` or a HelmRelease's `spec.chart.spec.sourceRef`.
    SourceRef,
    /// A HelmRelease's `spec.chartRef` (an OCIRepository or HelmChart).
    ChartRef,
}

/// A reference from one object to another, by id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// What the reference means.
    pub kind: ReferenceKind,
    /// The referenced object's id; an omitted namespace is the referring
    /// object's own namespace, as Flux resolves it.
    pub target: NodeId,
    /// The referenced `name` value.
    pub location: Location,
}

/// Reads the Flux tree of a repository. Never fails: every problem is a
/// diagnostic.
pub fn load(tree: &RepoTree) -> FluxTree {
    let mut files = YamlFiles::parse_all(tree);
    let mut builder = Builder::new();
    let entries = find_entries(tree);
    let mut diagnostics = Vec::new();

    // Build the entries first, then find who applies them: the bootstrap
    // Kustomization (`flux-system`) usually sits inside the entry it applies.
    let entry_builds: Vec<(String, Vec<BuiltObject>)> = entries
        .iter()
        .map(|entry| {
            (
                entry.clone(),
                builder.build_dir(&mut files, entry).as_ref().clone(),
            )
        })
        .collect();
    let (entry_appliers, repository_sources) = find_entry_appliers(&files, &entries, &entry_builds);

    let mut objects: Vec<K8sObject> = Vec::new();
    let mut queue: VecDeque<(usize, String)> = VecDeque::new();
    // Entry objects are pushed first, so each entry's objects are one range.
    let mut entry_ranges: BTreeMap<String, Range<usize>> = BTreeMap::new();
    for (entry, built) in &entry_builds {
        let (applied_by, root) = match entry_appliers.get(entry) {
            Some((id, root)) => (Some(id.clone()), root.clone()),
            None => (None, String::new()),
        };
        let start = objects.len();
        for object in built {
            let follow = Follow {
                target_namespace: None,
                applied_by: applied_by.clone(),
                root: &root,
            };
            push_object(&files, object, &follow, &mut objects, &mut queue);
        }
        entry_ranges.insert(entry.clone(), start..objects.len());
    }

    let mut visited: HashSet<(NodeId, String)> = HashSet::new();
    while let Some((index, root)) = queue.pop_front() {
        let Some(step) = FollowStep::of(&objects[index]) else {
            continue;
        };
        // A Kustomization reading another repository or an OCI artifact has
        // a path inside that source, not inside this repository.
        if step
            .source
            .as_ref()
            .is_some_and(|source| !reads_this_repository(source, &repository_sources))
        {
            continue;
        }
        let dir = match join_relative(&root, &step.path) {
            Some(dir) if tree.is_dir(&dir) => dir,
            other => {
                diagnostics.push(path_missing(tree, &step, other.as_deref()));
                continue;
            }
        };
        if let Some(range) = entry_ranges.get(&dir) {
            // The entry was built on its own; record who applies it if the
            // first pass did not find out.
            for object in &mut objects[range.clone()] {
                object.applied_by.get_or_insert_with(|| step.id.clone());
            }
            continue;
        }
        if !visited.insert((step.id.clone(), dir.clone())) {
            continue;
        }
        let built = builder.build_dir(&mut files, &dir);
        for object in built.iter() {
            let follow = Follow {
                target_namespace: step.target_namespace.as_deref(),
                applied_by: Some(step.id.clone()),
                root: &root,
            };
            push_object(&files, object, &follow, &mut objects, &mut queue);
        }
    }

    diagnostics.append(&mut builder.diagnostics);
    diagnostics.append(&mut files.diagnostics);
    Diagnostic::sort(&mut diagnostics);
    // The applier breaks the tie when two Kustomizations apply the same file.
    objects.sort_by(|a, b| {
        (&a.id, &a.location.file, a.location.span, &a.applied_by).cmp(&(
            &b.id,
            &b.location.file,
            b.location.span,
            &b.applied_by,
        ))
    });
    FluxTree {
        objects,
        entries,
        sources: files.into_source_db(),
        diagnostics,
    }
}

/// Who applies each entry (with the source root of that Flux tree), and the
/// sources those bootstrap Kustomizations read, which are this repository.
///
/// A Kustomization applies an entry when its `spec.path` is the entry; one
/// inside the entry whose path is a suffix of the entry applies it too, from a
/// source rooted at the rest (see [`source_root`]). A root-relative match
/// beats a suffix match, then the smallest id wins.
#[allow(clippy::type_complexity)]
fn find_entry_appliers(
    files: &YamlFiles<'_>,
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
            let Some(document) = document_of(files, object) else {
                continue;
            };
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
fn reads_this_repository(source: &NodeId, repository_sources: &BTreeSet<NodeId>) -> bool {
    if repository_sources.is_empty() {
        source.kind() == GIT_REPOSITORY || source.name() == "flux-system"
    } else {
        repository_sources.contains(source)
    }
}

/// The FLUX004 for a Kustomization whose path resolved to `resolved`
/// (`None`: above the repository root) which is not a directory.
fn path_missing(tree: &RepoTree, step: &FollowStep, resolved: Option<&str>) -> Diagnostic {
    let why = match resolved {
        Some(dir) if tree.is_file(dir) => format!("`{dir}` is a file, not a directory"),
        Some(dir) => format!("`{dir}` does not exist in the repository"),
        None => "it leaves the repository root".to_string(),
    };
    Diagnostic::new(
        Code::KustomizationPathMissing,
        format!(
            "spec.path `{}` of Kustomization `{}`: {why}",
            step.written,
            step.id.name()
        ),
    )
    .at(step.path_location.clone())
    .on(step.id.clone())
    .help(
        "spec.path is relative to the root of the Kustomization's source (the repository root, \
         e.g. `./flux/apps/production`): fix it or create the directory; Flux cannot build this \
         Kustomization until then",
    )
}

/// Every directory named `clusters/<name>` (at any depth) with YAML below it.
fn find_entries(tree: &RepoTree) -> Vec<String> {
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

/// What following one Flux Kustomization needs, copied out of it so the
/// object list can grow meanwhile.
struct FollowStep {
    id: NodeId,
    /// `spec.sourceRef` target, if it has a usable one.
    source: Option<NodeId>,
    /// `spec.path` as written.
    written: String,
    /// `spec.path` without its leading `./`.
    path: String,
    /// Where a FLUX004 points: the path value, or the name when there is no path.
    path_location: Location,
    target_namespace: Option<String>,
}

impl FollowStep {
    fn of(kustomization: &K8sObject) -> Option<Self> {
        let document = &kustomization.doc;
        let path_node = document.path("spec.path");
        let written = path_node
            .and_then(Yaml::scalar_text)
            .map(|p| p.into_owned())
            .unwrap_or_default();
        Some(FollowStep {
            id: kustomization.id.clone(),
            source: source_ref_target(document, kustomization.namespace.as_deref()),
            path: flux_path(document)?,
            written,
            path_location: path_node.map_or_else(
                || kustomization.location.clone(),
                |p| Location::new(kustomization.location.file.clone(), p.span),
            ),
            target_namespace: document
                .path("spec.targetNamespace")
                .and_then(Yaml::as_str)
                .filter(|ns| !ns.is_empty())
                .map(str::to_string),
        })
    }
}

fn document_of<'a>(files: &'a YamlFiles<'_>, object: &BuiltObject) -> Option<&'a Yaml> {
    files
        .peek(&object.file)
        .and_then(|f| f.documents.get(object.document))
}

/// A Kustomization's `spec.path` with the leading `./` Flux allows removed;
/// an absent or empty path is the repository root.
fn flux_path(document: &Yaml) -> Option<String> {
    let path = match document.path("spec.path") {
        None => String::new(),
        Some(value) if value.is_null() => String::new(),
        Some(value) => value.scalar_text()?.into_owned(),
    };
    Some(path.trim_start_matches("./").to_string())
}

/// The namespace Flux gives a built object (see [`K8sObject::namespace`]).
fn resolve_namespace(object: &BuiltObject, target_namespace: Option<&str>) -> Option<String> {
    if is_cluster_scoped(&object.kind) {
        return None;
    }
    Some(
        target_namespace
            .map(str::to_string)
            .or_else(|| object.namespace.clone())
            .unwrap_or_else(|| "default".to_string()),
    )
}

fn source_ref_target(document: &Yaml, own_namespace: Option<&str>) -> Option<NodeId> {
    let source = document.path("spec.sourceRef")?;
    reference(ReferenceKind::SourceRef, source, None, own_namespace, "").map(|r| r.target)
}

/// How the objects of one build are applied.
struct Follow<'a> {
    /// `spec.targetNamespace` of the applying Kustomization.
    target_namespace: Option<&'a str>,
    /// The applying Kustomization.
    applied_by: Option<NodeId>,
    /// The source root the build's own Kustomizations resolve `spec.path` against.
    root: &'a str,
}

/// Where the source root of a Flux tree is, given that a Kustomization
/// inside cluster entry `entry` applies it with `spec.path` `path` (which is
/// not `entry` itself, read from the repository root): the prefix of `entry`
/// that `path` is a suffix of, or `entry` itself for an empty path. A Flux tree kept in a subdirectory (an OCI artifact pushed from
/// `./kubernetes`, a fixture repository inside a test directory) resolves
/// its paths from there.
fn source_root(entry: &str, path: &str) -> Option<String> {
    if path.is_empty() {
        return Some(entry.to_string());
    }
    let root = entry.strip_suffix(path)?.strip_suffix('/')?;
    Some(root.to_string())
}

/// Turns one built object into a [`K8sObject`] and queues it if it is a
/// Flux Kustomization to follow.
fn push_object(
    files: &YamlFiles<'_>,
    built: &BuiltObject,
    follow: &Follow<'_>,
    objects: &mut Vec<K8sObject>,
    queue: &mut VecDeque<(usize, String)>,
) {
    let (target_namespace, applied_by) = (follow.target_namespace, follow.applied_by.clone());
    let Some(parsed) = files.peek(&built.file) else {
        return;
    };
    let Some(document) = parsed.documents.get(built.document) else {
        return;
    };
    let mut built = built.clone();
    if let Some(namespace) = target_namespace {
        // Flux implements targetNamespace as the kustomization's `namespace:`.
        kustomize::set_namespace(&mut built, namespace);
    }
    let namespace = resolve_namespace(&built, target_namespace);
    let id = NodeId::object(&built.kind, namespace.as_deref(), &built.name);
    let refs = references(document, &built, namespace.as_deref());
    let sops_encrypted = document
        .get("sops")
        .is_some_and(|sops| sops.get("mac").is_some());
    let is_kustomization = is_flux_kustomization(&built.api_version, &built.kind);
    objects.push(K8sObject {
        id,
        api_version: built.api_version,
        kind: built.kind,
        name: built.name,
        namespace,
        location: Location::new(built.file.clone(), built.name_span),
        applied_by,
        refs,
        doc: document.clone(),
        sops_encrypted,
    });
    if is_kustomization {
        queue.push_back((objects.len() - 1, follow.root.to_string()));
    }
}

/// The references of a Flux Kustomization or HelmRelease.
fn references(
    document: &Yaml,
    object: &BuiltObject,
    own_namespace: Option<&str>,
) -> Vec<Reference> {
    let file = object.file.as_str();
    let mut refs = Vec::new();
    let depends_on_kind = if is_flux_kustomization(&object.api_version, &object.kind) {
        "Kustomization"
    } else if is_helm_release(&object.api_version, &object.kind) {
        "HelmRelease"
    } else {
        return refs;
    };
    if let Some(depends_on) = document.path("spec.dependsOn") {
        for entry in depends_on.as_seq() {
            refs.extend(reference(
                ReferenceKind::DependsOn,
                entry,
                Some(depends_on_kind),
                own_namespace,
                file,
            ));
        }
    }
    if depends_on_kind == "Kustomization" {
        if let Some(source) = document.path("spec.sourceRef") {
            refs.extend(reference(
                ReferenceKind::SourceRef,
                source,
                None,
                own_namespace,
                file,
            ));
        }
    } else {
        if let Some(source) = document.path("spec.chart.spec.sourceRef") {
            refs.extend(reference(
                ReferenceKind::SourceRef,
                source,
                None,
                own_namespace,
                file,
            ));
        }
        if let Some(chart) = document.path("spec.chartRef") {
            refs.extend(reference(
                ReferenceKind::ChartRef,
                chart,
                None,
                own_namespace,
                file,
            ));
        }
    }
    refs
}

/// One `{kind?, name, namespace?}` reference; `kind` comes from the entry
/// unless the field implies it (`dependsOn`). `None` when the entry has no
/// usable name or kind.
fn reference(
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
