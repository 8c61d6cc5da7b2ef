//! Where Flux starts: the sync roots of a repository.
//!
//! A cluster's Flux tree begins at one Kustomization that nothing in the
//! repository applies: the one `flux bootstrap` writes (`gotk-sync.yaml`,
//! a Kustomization and the source it reads, in one file inside the directory
//! it applies), or the one the Flux Operator creates from a `FluxInstance`'s
//! `spec.sync`. The `spec.sync` block is found wherever it is written: in a
//! `FluxInstance`, as the `instance:` values of the flux-instance chart (a
//! HelmRelease's inline `values`, a values file a `configMapGenerator` reads,
//! a ResourceSet's templates, a bootstrap helmfile's values). Failing both,
//! every `clusters/<name>` directory is an entry applied by a bootstrap
//! Kustomization that lives only in the cluster, and `--entry` names one.

use std::collections::BTreeSet;
use std::sync::Arc;

use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree, Span, join_relative, parent_dir};

use crate::files::{self, YamlFiles};
use crate::flux_kinds::{api_group, is_flux_kustomization};
use crate::walk::flux_path;
use crate::yaml::{Yaml, YamlValue};

/// API group of the Flux Operator's kinds (`FluxInstance`, `ResourceSet`).
const FLUX_OPERATOR_GROUP: &str = "fluxcd.controlplane.io";

/// The source kinds a sync can read.
const SYNC_SOURCE_KINDS: [&str; 3] = ["GitRepository", "OCIRepository", "Bucket"];

/// How a sync root was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RootOrigin {
    /// A `FluxInstance`'s `spec.sync`.
    FluxInstance,
    /// The `instance.sync` values of the flux-instance chart (a HelmRelease,
    /// a values file, a ResourceSet template, a bootstrap helmfile).
    InstanceValues,
    /// A Kustomization `flux bootstrap` wrote into the directory it applies.
    Bootstrap,
    /// A `clusters/<name>` directory that nothing in the repository applies.
    ClusterDirectory,
    /// A directory named by `--entry` or `[flux] entry`.
    Configured,
}

impl RootOrigin {
    /// A short description for messages.
    pub fn describe(self) -> &'static str {
        match self {
            RootOrigin::FluxInstance => "FluxInstance spec.sync",
            RootOrigin::InstanceValues => "flux-instance `instance.sync` values",
            RootOrigin::Bootstrap => "flux bootstrap Kustomization",
            RootOrigin::ClusterDirectory => "clusters/<name> directory",
            RootOrigin::Configured => "configured entry",
        }
    }
}

/// Where a cluster's Flux tree starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRoot {
    /// The cluster's name: the directory after `clusters/` in the root's
    /// path, else the path's last directory.
    pub cluster: String,
    /// How the root was found.
    pub origin: RootOrigin,
    /// The root Kustomization (`Kustomization/flux-system/flux-system` for a
    /// FluxInstance); `None` for a directory entry applied from outside.
    pub kustomization: Option<NodeId>,
    /// The source the root reads (this repository).
    pub source: Option<NodeId>,
    /// `spec.sync.url` (or the bootstrap source's `spec.url`), when written.
    pub url: Option<String>,
    /// The repository directory the source's artifact starts at (`""`: the
    /// repository root; `kubernetes` for an OCI artifact pushed from there).
    pub source_root: String,
    /// The repository directory Flux builds for this root.
    pub dir: String,
    /// Where the root is declared: the sync `path` value, the bootstrap
    /// Kustomization's `spec.path`, or the entry directory's first file.
    pub location: Location,
}

/// A sync root as declared, before the walk synthesises its objects.
#[derive(Clone, Debug)]
pub(crate) struct DeclaredRoot {
    pub(crate) root: SyncRoot,
    /// For a FluxInstance root: what the operator creates.
    pub(crate) instance: Option<InstanceSync>,
}

/// The `spec.sync` of a FluxInstance (or `instance.sync` chart values).
#[derive(Clone, Debug)]
pub(crate) struct InstanceSync {
    /// The namespace the operator creates the source and Kustomization in.
    pub(crate) namespace: String,
    /// `sync.name`, else the namespace.
    pub(crate) name: String,
    /// `sync.kind`: GitRepository, OCIRepository or Bucket.
    pub(crate) kind: String,
    /// The file the sync is written in.
    pub(crate) file: String,
    /// The span of the whole `sync` map (names and kinds point here).
    pub(crate) span: Span,
    /// The span of `sync.path` (the root Kustomization's `spec.path`).
    pub(crate) path_span: Span,
    /// `sync.path` as written.
    pub(crate) path: String,
    /// The `kustomize.patches` list beside `sync` (they patch the generated
    /// objects, the sync Kustomization included), when written.
    pub(crate) patches: Option<Yaml>,
    /// `commonMetadata` beside `sync`: labels and annotations the operator
    /// puts on everything it generates.
    pub(crate) common_metadata: Option<Yaml>,
}

/// Every sync root of the repository, and findings about roots that cannot
/// be resolved.
pub(crate) fn find_sync_roots(
    files: &YamlFiles<'_>,
    tree: &RepoTree,
    configured: &[String],
) -> (Vec<DeclaredRoot>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut roots: Vec<DeclaredRoot> = Vec::new();
    let push_artifact_dirs = push_artifact_dirs(tree);

    for entry in configured {
        let dir = join_relative("", entry.trim_start_matches("./")).unwrap_or_default();
        let dir = dir.trim_end_matches('/').to_string();
        let location = first_file_location(tree, &dir);
        roots.push(DeclaredRoot {
            root: SyncRoot {
                cluster: cluster_name(&dir),
                origin: RootOrigin::Configured,
                kustomization: None,
                source: None,
                url: None,
                source_root: String::new(),
                dir,
                location,
            },
            instance: None,
        });
    }

    for (path, parsed) in files.iter() {
        // Chart values holding an `instance:` block: only in a file that
        // says `instance` (every document is walked otherwise).
        let may_hold_values = parsed.source.text().contains("instance");
        for document in &parsed.documents {
            for (sync, origin, namespace, spec) in instance_syncs(document, may_hold_values) {
                match instance_root(
                    tree,
                    path,
                    sync,
                    origin,
                    namespace,
                    spec,
                    &push_artifact_dirs,
                ) {
                    Ok(root) => roots.push(root),
                    Err(Some(diagnostic)) => diagnostics.push(*diagnostic),
                    Err(None) => {}
                }
            }
            if let Some(root) = bootstrap_root(path, document, &parsed.documents) {
                roots.push(root);
            }
        }
    }

    // One root per built directory and cluster Kustomization: the same
    // instance written as a HelmRelease and as its helmfile values, or a
    // FluxInstance beside the gotk-sync it replaces, is one root. A real
    // bootstrap Kustomization beats a synthesised one, a FluxInstance beats
    // chart values, then file order decides.
    roots.sort_by(|a, b| {
        (
            &a.root.dir,
            &a.root.source_root,
            a.root.origin,
            &a.root.location,
        )
            .cmp(&(
                &b.root.dir,
                &b.root.source_root,
                b.root.origin,
                &b.root.location,
            ))
    });
    roots.dedup_by(|later, first| {
        first.root.dir == later.root.dir && first.root.source_root == later.root.source_root
    });
    roots.sort_by(|a, b| (a.root.origin, &a.root.location).cmp(&(b.root.origin, &b.root.location)));
    (roots, diagnostics)
}

/// The `clusters/<name>` directories (at any depth) with YAML below them.
pub(crate) fn find_cluster_directories(tree: &RepoTree) -> Vec<String> {
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

/// A root for a `clusters/<name>` directory no other root reaches.
pub(crate) fn directory_root(tree: &RepoTree, dir: &str) -> SyncRoot {
    SyncRoot {
        cluster: cluster_name(dir),
        origin: RootOrigin::ClusterDirectory,
        kustomization: None,
        source: None,
        url: None,
        source_root: String::new(),
        dir: dir.to_string(),
        location: first_file_location(tree, dir),
    }
}

/// The cluster a root directory belongs to: the segment after the last
/// `clusters/`, else the directory's own name (`kubernetes/flux/cluster` →
/// `cluster`), else `default` for the repository root.
pub fn cluster_name(dir: &str) -> String {
    let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(i) = segments.iter().rposition(|s| *s == "clusters")
        && let Some(name) = segments.get(i + 1)
    {
        return name.to_string();
    }
    segments
        .last()
        .map_or_else(|| "default".to_string(), |s| s.to_string())
}

fn first_file_location(tree: &RepoTree, dir: &str) -> Location {
    let file = tree
        .files_under(dir)
        .find(|f| files::is_yaml_path(f))
        .or_else(|| tree.files_under(dir).next())
        .unwrap_or(dir);
    Location::new(file, Span::at(0))
}

/// The `sync` blocks `document` declares: a FluxInstance's `spec.sync`
/// (with its namespace and `spec`, which holds `kustomize.patches` and
/// `commonMetadata`), and, when `may_hold_values` (the file says
/// `instance`), any `instance: { sync: … }` map inside it (chart values
/// wherever written).
fn instance_syncs(
    document: &Yaml,
    may_hold_values: bool,
) -> Vec<(&Yaml, RootOrigin, String, Option<&Yaml>)> {
    let mut found = Vec::new();
    let text = |node: &Yaml, key: &str| node.get(key).and_then(Yaml::as_str).map(str::to_string);
    let namespace_of = |doc: &Yaml| {
        doc.path("metadata.namespace")
            .and_then(Yaml::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("flux-system")
            .to_string()
    };
    let is_instance = text(document, "kind").as_deref() == Some("FluxInstance")
        && text(document, "apiVersion").is_some_and(|v| api_group(&v) == FLUX_OPERATOR_GROUP);
    if is_instance {
        if let Some(sync) = document.path("spec.sync").filter(|s| s.is_map()) {
            found.push((
                sync,
                RootOrigin::FluxInstance,
                namespace_of(document),
                document.get("spec"),
            ));
        }
        return found;
    }
    if !may_hold_values {
        return found;
    }
    // The chart renders the FluxInstance in the release's namespace.
    let namespace = if text(document, "kind").as_deref() == Some("HelmRelease") {
        document
            .path("spec.targetNamespace")
            .and_then(Yaml::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| namespace_of(document))
    } else {
        "flux-system".to_string()
    };
    let mut stack = vec![(document, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        // Chart values nest a few levels deep at most; the bound keeps a
        // pathological document cheap.
        if depth > 12 {
            continue;
        }
        match &node.value {
            YamlValue::Map(entries) => {
                for (key, value) in entries {
                    if key.as_str() == Some("instance")
                        && let Some(sync) = value.get("sync").filter(|s| s.is_map())
                        && sync.get("path").is_some()
                    {
                        found.push((
                            sync,
                            RootOrigin::InstanceValues,
                            namespace.clone(),
                            Some(value),
                        ));
                    } else {
                        stack.push((value, depth + 1));
                    }
                }
            }
            YamlValue::Seq(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    found
}

/// The root a `sync` block declares. `Err(None)`: nothing to report (a
/// template whose path is filled in later); `Err(Some)`: a finding.
fn instance_root(
    tree: &RepoTree,
    file: &str,
    sync: &Yaml,
    origin: RootOrigin,
    namespace: String,
    spec: Option<&Yaml>,
    push_artifact_dirs: &[String],
) -> Result<DeclaredRoot, Option<Box<Diagnostic>>> {
    let field = |key: &str| {
        sync.get(key)
            .and_then(Yaml::scalar_text)
            .map(|t| t.into_owned())
    };
    let path_node = sync.get("path");
    let written = field("path").unwrap_or_default();
    // A template (`<< inputs.path >>`, `{{ .Values.path }}`, `${PATH}`) has
    // no path yet: whatever fills it in is not in the repository.
    if ["<<", "{{", "${"].iter().any(|t| written.contains(t)) {
        return Err(None);
    }
    let kind = field("kind").unwrap_or_else(|| "GitRepository".to_string());
    if !SYNC_SOURCE_KINDS.contains(&kind.as_str()) {
        return Err(None);
    }
    let path = written
        .trim_start_matches("./")
        .trim_end_matches('/')
        .to_string();
    let path_span = path_node.map_or(sync.span, |p| p.span);
    let location = Location::new(file, path_span);
    let Some(source_root) = resolve_source_root(tree, &path, &kind, push_artifact_dirs) else {
        return Err(Some(Box::new(
            Diagnostic::new(
                Code::SyncRootUnresolved,
                format!(
                    "{} syncs path `{written}`, which is not a directory of this repository",
                    origin.describe()
                ),
            )
            .at(location)
            .help(
                "strata follows a sync whose path exists in this repository (from its root, or \
                 from the directory CI pushes as the OCI artifact); if this tree lives elsewhere, \
                 name its root with `--entry PATH` or `[flux] entry` in strata.toml",
            ),
        )));
    };
    let name = field("name").unwrap_or_else(|| namespace.clone());
    let dir = join_dir(&source_root, &path);
    Ok(DeclaredRoot {
        root: SyncRoot {
            cluster: cluster_name(&dir),
            origin,
            kustomization: Some(NodeId::object("Kustomization", Some(&namespace), &name)),
            source: Some(NodeId::object(&kind, Some(&namespace), &name)),
            url: field("url"),
            source_root,
            dir,
            location,
        },
        instance: Some(InstanceSync {
            namespace,
            name,
            kind,
            file: file.to_string(),
            span: sync.span,
            path_span,
            path: written,
            patches: spec.and_then(|s| s.path("kustomize.patches")).cloned(),
            common_metadata: spec.and_then(|s| s.get("commonMetadata")).cloned(),
        }),
    })
}

/// The Kustomization `flux bootstrap` writes: a Flux Kustomization whose
/// source is defined in the same file (or which is named `flux-system`), and
/// whose `spec.path` is a directory holding the file itself.
fn bootstrap_root(file: &str, document: &Yaml, siblings: &[Arc<Yaml>]) -> Option<DeclaredRoot> {
    let (api_version, kind) = (
        document.get("apiVersion").and_then(Yaml::as_str)?,
        document.get("kind").and_then(Yaml::as_str)?,
    );
    if !is_flux_kustomization(api_version, kind) {
        return None;
    }
    let text = |node: &Yaml, key: &str| node.path(key).and_then(Yaml::as_str).map(str::to_string);
    let name = text(document, "metadata.name")?;
    let namespace = text(document, "metadata.namespace").unwrap_or_else(|| "flux-system".into());
    let source_kind = text(document, "spec.sourceRef.kind")?;
    let source_name = text(document, "spec.sourceRef.name")?;
    let source_namespace =
        text(document, "spec.sourceRef.namespace").unwrap_or_else(|| namespace.clone());
    let source_doc = siblings.iter().find(|s| {
        text(s, "kind").as_deref() == Some(source_kind.as_str())
            && text(s, "metadata.name").as_deref() == Some(source_name.as_str())
    });
    if source_doc.is_none() && name != "flux-system" {
        return None;
    }
    let path = flux_path(document)?;
    let path = path.trim_end_matches('/');
    // The file must lie inside the directory it applies, read from some
    // source root: `R/path/…/file`.
    let mut dir = parent_dir(file);
    let source_root = loop {
        if dir == path {
            break String::new();
        }
        if path.is_empty() {
            // An empty path applies the whole source: only `flux bootstrap
            // --path=.` does that to this repository; any other
            // Kustomization with an empty path reads its own source (a
            // chart repository's CRDs), not this tree.
            if name != "flux-system" {
                return None;
            }
            break String::new();
        }
        if let Some(root) = dir.strip_suffix(path).and_then(|r| r.strip_suffix('/')) {
            break root.to_string();
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent_dir(dir);
    };
    let dir = join_dir(&source_root, path);
    let location = Location::new(
        file,
        document.path("spec.path").map_or(document.span, |p| p.span),
    );
    Some(DeclaredRoot {
        root: SyncRoot {
            cluster: cluster_name(&dir),
            origin: RootOrigin::Bootstrap,
            kustomization: Some(NodeId::object(kind, Some(&namespace), &name)),
            source: Some(NodeId::object(
                &source_kind,
                Some(&source_namespace),
                &source_name,
            )),
            url: source_doc.and_then(|s| text(s, "spec.url")),
            source_root,
            dir,
            location,
        },
        instance: None,
    })
}

/// Where the artifact a sync reads starts in this repository: the root
/// for a Git source whose path exists from there; for any source, a
/// directory CI pushes as an OCI artifact (`flux push artifact --path=DIR`)
/// holding the path; else the one directory whose subtree has the path.
fn resolve_source_root(
    tree: &RepoTree,
    path: &str,
    kind: &str,
    push_artifact_dirs: &[String],
) -> Option<String> {
    let exists = |root: &str| tree.is_dir(&join_dir(root, path)) || (path.is_empty());
    if kind == "GitRepository" && exists("") {
        return Some(String::new());
    }
    if let Some(root) = push_artifact_dirs.iter().find(|d| exists(d)) {
        return Some(root.clone());
    }
    if exists("") {
        return Some(String::new());
    }
    // `R/path` for exactly one directory R.
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    for file in tree.files() {
        let mut dir = parent_dir(file);
        while !dir.is_empty() {
            if let Some(root) = dir
                .strip_suffix(path)
                .and_then(|r| r.strip_suffix('/'))
                .filter(|_| !path.is_empty())
            {
                candidates.insert(root.to_string());
            }
            dir = parent_dir(dir);
        }
        if candidates.len() > 1 {
            return None;
        }
    }
    candidates.into_iter().next()
}

/// The directories CI pushes as OCI artifacts: `flux push artifact … --path=DIR`
/// (or `--path DIR`) in workflows, Taskfiles, justfiles, Makefiles and scripts.
fn push_artifact_dirs(tree: &RepoTree) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    let candidates = tree.files().filter(|f| {
        let base = f.rsplit('/').next().unwrap_or(f);
        let lower = base.to_ascii_lowercase();
        f.starts_with(".github/")
            || f.starts_with(".gitea/")
            || f.starts_with(".forgejo/")
            || f.starts_with(".gitlab")
            || f.starts_with(".taskfiles/")
            || lower.starts_with("taskfile")
            || lower.ends_with("justfile")
            || lower.ends_with(".just")
            || lower == "makefile"
            || lower.ends_with(".sh")
    });
    for file in candidates {
        let (source, _) = tree.read(file);
        let text = source.text();
        if !text.contains("push artifact") {
            continue;
        }
        // Continuation lines belong to the command.
        let joined = text.replace("\\\n", " ");
        for line in joined.lines().filter(|l| l.contains("push artifact")) {
            let mut words = line.split_whitespace();
            while let Some(word) = words.next() {
                let value = if let Some(v) = word.strip_prefix("--path=") {
                    Some(v.to_string())
                } else if word == "--path" {
                    words.next().map(str::to_string)
                } else {
                    None
                };
                if let Some(value) = value {
                    let value = value.trim_matches(|c| c == '"' || c == '\'');
                    if value.contains('$') || value.contains('{') {
                        continue;
                    }
                    if let Some(dir) = join_relative("", value.trim_start_matches("./")) {
                        dirs.insert(dir.trim_end_matches('/').to_string());
                    }
                }
            }
        }
    }
    dirs.into_iter().collect()
}

/// `root/path`, either of which may be empty.
pub(crate) fn join_dir(root: &str, path: &str) -> String {
    match (root.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => root.to_string(),
        (false, false) => format!("{root}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn tree(files: &[&str]) -> RepoTree {
        RepoTree::from_files(
            std::path::Path::new("/nowhere"),
            files.iter().map(|f| f.to_string()),
        )
    }

    #[test]
    fn cluster_directories_are_clusters_subdirectories_at_any_depth() {
        let tree = tree(&[
            "clusters/prod/flux-system/gotk-sync.yaml",
            "flux/clusters/production/apps.yaml",
            "kubernetes/clusters/main/deep/x.yml",
            "clusters/README.md",
            "clusters/empty/notes.txt",
            "clusters/top.yaml",
        ]);
        assert_eq!(
            find_cluster_directories(&tree),
            [
                "clusters/prod",
                "flux/clusters/production",
                "kubernetes/clusters/main"
            ]
        );
    }

    #[test]
    fn cluster_names_come_from_the_clusters_segment_or_the_last_directory() {
        assert_eq!(cluster_name("flux/clusters/production"), "production");
        assert_eq!(
            cluster_name("kubernetes/clusters/cluster-00/sub"),
            "cluster-00"
        );
        assert_eq!(cluster_name("kubernetes/flux/cluster"), "cluster");
        assert_eq!(cluster_name(""), "default");
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
    fn instance_values_are_found_wherever_they_nest() {
        let text = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n  namespace: flux-system\nspec:\n  values:\n    instance:\n      sync:\n        kind: GitRepository\n        path: kubernetes/flux/cluster\n";
        let file = strata_core::SourceFile::new("hr.yaml", text);
        let (docs, _) = yaml::parse_documents(&file);
        let syncs = instance_syncs(&docs[0], true);
        assert_eq!(syncs.len(), 1);
        assert_eq!(syncs[0].1, RootOrigin::InstanceValues);
        assert_eq!(syncs[0].2, "flux-system");
    }

    #[test]
    fn a_flux_instance_is_found_in_a_file_that_never_says_instance() {
        // The `instance` text test only spares the walk through values: a
        // FluxInstance (`kind: FluxInstance`) is read by its kind.
        let text = "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\nspec:\n  sync:\n    kind: GitRepository\n    path: clusters/home\n";
        assert!(!text.contains("instance"));
        let file = strata_core::SourceFile::new("fi.yaml", text);
        let (docs, _) = yaml::parse_documents(&file);
        let syncs = instance_syncs(&docs[0], false);
        assert_eq!(syncs.len(), 1);
        assert_eq!(syncs[0].1, RootOrigin::FluxInstance);
    }

    #[test]
    fn oci_roots_come_from_the_pushed_directory() {
        let tree = tree(&[
            ".github/workflows/oci.yaml",
            "kubernetes/clusters/one/ks.yaml",
            "kubernetes/clusters/one/flux-system/x.yaml",
        ]);
        assert_eq!(
            resolve_source_root(
                &tree,
                "clusters/one",
                "OCIRepository",
                &["kubernetes".into()]
            )
            .as_deref(),
            Some("kubernetes")
        );
        // Without the push path, the one directory holding the path.
        assert_eq!(
            resolve_source_root(&tree, "clusters/one", "OCIRepository", &[]).as_deref(),
            Some("kubernetes")
        );
        assert_eq!(
            resolve_source_root(&tree, "clusters/two", "OCIRepository", &[]),
            None
        );
    }

    #[test]
    fn a_bootstrap_kustomization_lies_inside_what_it_applies() {
        let text = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: ssh://git@example.com/me/lab\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  path: ./clusters/main\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
        let file = strata_core::SourceFile::new(
            "kubernetes/clusters/main/flux-system/gotk-sync.yaml",
            text,
        );
        let docs: Vec<Arc<Yaml>> = yaml::parse_documents(&file)
            .0
            .into_iter()
            .map(Arc::new)
            .collect();
        let root = bootstrap_root(file.path(), &docs[1], &docs).expect("a root");
        assert_eq!(root.root.source_root, "kubernetes");
        assert_eq!(root.root.dir, "kubernetes/clusters/main");
        assert_eq!(root.root.cluster, "main");
        assert_eq!(
            root.root.url.as_deref(),
            Some("ssh://git@example.com/me/lab")
        );
        // An ordinary child Kustomization is no root.
        assert!(bootstrap_root("apps/ks.yaml", &docs[1], &docs[1..]).is_none());
    }
}
