//! Reads a Flux v2 tree: YAML with spans, kustomize directories, Flux objects
//! and their references.
//!
//! [`load`] starts from every cluster entry directory (`…/clusters/<name>`),
//! builds it as Flux would, and follows each Flux Kustomization's `spec.path`
//! to the directories it applies. The result lists every object that ends up
//! in the cluster with the namespace Flux gives it, the Kustomization that
//! applies it, its document as Flux applies it (kustomize transforms, the
//! applying Kustomization's `spec.patches`, `targetNamespace` and `postBuild`
//! substitution), and the references (`dependsOn`, `sourceRef`, `chartRef`,
//! `valuesFrom`, `substituteFrom`) it makes. Whether a reference resolves is
//! for `strata-check` to decide.
//!
//! Judgment calls worth knowing:
//! - `spec.path` is read from the root of the Kustomization's source. That is
//!   the repository root, except when the bootstrap Kustomization inside an
//!   entry proves otherwise (`kubernetes/clusters/main` applied with
//!   `path: ./clusters/main` puts the root at `kubernetes/`), as for an OCI
//!   artifact pushed from a subdirectory or a fixture repository kept in tests.
//! - A Kustomization whose `sourceRef` is another repository or artifact is
//!   kept as an object but not followed: its path lives in a source strata
//!   cannot see.
//! - A parent's `spec.patches` apply to the objects of its build before its
//!   `targetNamespace` and substitution, as Flux adds them to the
//!   kustomization it builds; a child Kustomization is then followed with the
//!   patched spec (a `sourceRef`, `decryption` or `postBuild` it never wrote).
//! - Variables whose value strata cannot know (a Secret's, or all of them when
//!   a `substituteFrom` source is missing, optional or made by a controller)
//!   stay written as `${VAR}` and are never reported unset.
//!
//! ```
//! // A bootstrapped Flux tree, written to a temporary directory.
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("clusters/home/flux-system"))?;
//! std::fs::create_dir_all(dir.path().join("apps"))?;
//! // What `flux bootstrap` writes: the source and the Kustomization syncing
//! // `clusters/home`, which applies `apps`.
//! std::fs::write(dir.path().join("clusters/home/flux-system/gotk-sync.yaml"), "\
//! apiVersion: source.toolkit.fluxcd.io/v1
//! kind: GitRepository
//! metadata: { name: flux-system, namespace: flux-system }
//! spec: { interval: 1m, ref: { branch: main }, url: ssh://git@github.com/example/homelab }
//! ---
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: flux-system, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./clusters/home
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("clusters/home/apps.yaml"), "\
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: apps, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./apps
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("apps/kustomization.yaml"), "resources: [namespace.yaml]\n")?;
//! std::fs::write(
//!     dir.path().join("apps/namespace.yaml"),
//!     "apiVersion: v1\nkind: Namespace\nmetadata: { name: media }\n",
//! )?;
//! let tree = strata_core::RepoTree::scan(dir.path())?;
//! let flux = strata_flux::load(&tree);
//! let ids: Vec<&str> = flux.objects.iter().map(|o| o.id.as_str()).collect();
//! assert!(ids.contains(&"Kustomization/flux-system/apps"));
//! assert!(ids.contains(&"Namespace/media"));
//! // The namespace is applied by the `apps` Kustomization.
//! let namespace = flux.objects.iter().find(|o| o.id.as_str() == "Namespace/media").unwrap();
//! assert_eq!(namespace.applied_by.as_ref().map(|k| k.as_str()), Some("Kustomization/flux-system/apps"));
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod flux_kinds;
pub mod kustomize;
pub mod patch;
pub mod substitute;
pub mod yaml;

mod artifacts;
pub mod bootstrap;
mod files;
mod generator;
mod model;
mod provided;
mod references;
mod resource_sets;
mod source_ignore;
mod sync_roots;
mod unapplied;
mod variables;
mod walk;

pub use crate::bootstrap::BootstrapRelease;
pub use crate::model::{
    FluxTree, IncompleteBuild, K8sObject, ObjectOrigin, ProvidedObject, Reference, ReferenceKind,
    Substitution, UnappliedFile,
};
pub use crate::sync_roots::{RootOrigin, SyncRoot, cluster_name};

use std::collections::BTreeSet;

use rayon::slice::ParallelSliceMut;

use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree};

use crate::files::YamlFiles;
use crate::kustomize::Builder;
use crate::provided::provided_objects;
pub use crate::substitute::{UnsetVariable, Variables};
use crate::sync_roots::{find_cluster_directories, find_sync_roots};
use crate::unapplied::{tree_scopes, unapplied_files};
use crate::variables::{VarIndex, var_index};
use crate::walk::{BuildMemo, Reader, Walked, walk};
use crate::yaml::Yaml;

/// What the caller knows that the repository does not say.
#[derive(Clone, Debug, Default)]
pub struct FluxOptions {
    /// Sync root directories named by the user (`--entry`, `[flux] entry`),
    /// repository-relative; they are walked before any root strata finds.
    pub entries: Vec<String>,
    /// Only the roots of this cluster are walked (`--cluster`).
    pub cluster: Option<String>,
}

/// Reads the Flux tree of a repository. Never fails: every problem is a
/// diagnostic.
pub fn load(tree: &RepoTree) -> FluxTree {
    load_with(tree, &FluxOptions::default())
}

/// [`load`] with options.
///
/// `substituteFrom` sources may be anywhere in the tree, so the tree is
/// walked twice when a Kustomization uses one: first to find every
/// ConfigMap and Secret, then with their variables known.
pub fn load_with(tree: &RepoTree, options: &FluxOptions) -> FluxTree {
    let files = YamlFiles::parse_all(tree);
    // Independent reads of the parsed files, side by side.
    let roots_and_clusters = || {
        rayon::join(
            || find_sync_roots(&files, tree, &options.entries),
            || find_cluster_directories(tree),
        )
    };
    // A kind's scope: the table, and every CRD the repository declares.
    let scope_table = || {
        let documents = files.iter().flat_map(|(_, f)| f.documents.iter());
        flux_kinds::ScopeTable::from_documents(documents.map(|d| &**d))
    };
    let artifacts_and_scopes =
        || rayon::join(|| artifacts::generated_artifacts(&files), scope_table);
    let (((found_roots, mut cluster_dirs), bootstrap_reads), ((artifacts, scopes), providers)) =
        rayon::join(
            || rayon::join(roots_and_clusters, || bootstrap::bootstrap_reads(tree)),
            || {
                rayon::join(artifacts_and_scopes, || {
                    resource_sets::input_providers(&files)
                })
            },
        );
    let (mut roots, mut root_diagnostics) = found_roots;
    if let Some(cluster) = &options.cluster {
        roots.retain(|r| r.root.cluster == *cluster);
        cluster_dirs.retain(|dir| cluster_name(dir) == *cluster);
    }
    let mut repository_sources: BTreeSet<NodeId> =
        roots.iter().filter_map(|r| r.root.source.clone()).collect();
    let urls: BTreeSet<&str> = roots.iter().filter_map(|r| r.root.url.as_deref()).collect();
    repository_sources.extend(sources_with_url(&files, &urls));
    let source_roots = roots
        .iter()
        .filter_map(|r| Some((r.root.source.clone()?, r.root.source_root.clone())))
        .collect();
    let mut builder = Builder::new();
    builder.scopes = std::sync::Arc::new(scopes);
    builder.ignored = std::sync::Arc::new(source_ignore::ignored_files(
        tree,
        &spec_ignores(&files, &roots),
    ));
    // The first walk's builds serve the second, when there may be one.
    let uses_substitute_from_anywhere = files
        .iter()
        .any(|(_, file)| file.source.text().contains("substituteFrom"));
    let mut reader = Reader {
        tree,
        files,
        builder,
        roots,
        cluster_dirs,
        repository_sources,
        bootstrap_reads,
        artifacts,
        source_roots,
        providers,
        builds: BuildMemo::keeping(uses_substitute_from_anywhere),
    };
    let mut walked = walk(&mut reader, &VarIndex::new());
    let uses_substitute_from = walked.objects.iter().any(|o| {
        o.refs
            .iter()
            .any(|r| r.kind == ReferenceKind::SubstituteFrom)
    });
    if uses_substitute_from {
        let index = var_index(&walked.objects, &provided_objects(&walked.objects));
        reader.builds.replay();
        walked = walk(&mut reader, &index);
    }
    reader.builds.clear();
    reader.builder.forget_builds();
    let Walked {
        mut objects,
        mut diagnostics,
        roots,
        built_dirs,
        refused_files,
        incomplete,
    } = walked;
    let entries: Vec<String> = roots
        .iter()
        .map(|r| r.dir.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let scopes = tree_scopes(&built_dirs);
    // Which files no tree applies is a question about the whole repository:
    // with one cluster selected, the others' trees look unapplied.
    let unapplied = || {
        if options.cluster.is_some() {
            Vec::new()
        } else {
            unapplied_files(
                &reader,
                &scopes,
                &reader.bootstrap_reads,
                &refused_files,
                &objects,
            )
        }
    };
    let ((provided, unapplied), bootstrap_releases) = rayon::join(
        || rayon::join(|| provided_objects(&objects), unapplied),
        || bootstrap::bootstrap_releases(&reader.files, tree),
    );
    if roots.is_empty() && root_diagnostics.is_empty() {
        diagnostics.extend(no_root_found(&reader, options));
    }

    diagnostics.append(&mut root_diagnostics);
    diagnostics.append(&mut reader.builder.diagnostics);
    reader.files.settle();
    diagnostics.append(&mut reader.files.diagnostics);
    Diagnostic::sort(&mut diagnostics);
    // Uncached builds (a Kustomization's `spec.components`) and the second
    // pass can find the same problem again.
    diagnostics.dedup();
    // The applier breaks the tie when two Kustomizations apply the same file.
    objects.par_sort_by(|a, b| {
        (
            &a.id,
            &a.cluster,
            &a.location.file,
            a.location.span,
            &a.applied_by,
        )
            .cmp(&(
                &b.id,
                &b.cluster,
                &b.location.file,
                b.location.span,
                &b.applied_by,
            ))
    });
    let clusters: Vec<String> = roots
        .iter()
        .map(|r| r.cluster.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    FluxTree {
        written: Default::default(),
        incomplete_builds: incomplete,
        bootstrap_releases,
        objects,
        entries,
        roots,
        clusters,
        sources: reader.files.into_source_db(),
        diagnostics,
        provided,
        unapplied,
    }
}

/// The `spec.ignore` of each root's source written in the repository, with
/// the directory its artifact starts at.
fn spec_ignores(
    files: &YamlFiles<'_>,
    roots: &[sync_roots::DeclaredRoot],
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for root in roots {
        let Some(source) = &root.root.source else {
            continue;
        };
        for (_, parsed) in files.iter() {
            for document in &parsed.documents {
                let text = |path: &str| document.path(path).and_then(Yaml::as_str);
                if text("kind") == Some(source.kind())
                    && text("metadata.name") == Some(source.name())
                    && let Some(ignore) = text("spec.ignore")
                {
                    found.push((root.root.source_root.clone(), ignore.to_string()));
                }
            }
        }
    }
    found
}

/// The sources whose `spec.url` is the URL a sync root reads: this
/// repository under another name.
fn sources_with_url(files: &YamlFiles<'_>, urls: &BTreeSet<&str>) -> Vec<NodeId> {
    if urls.is_empty() {
        return Vec::new();
    }
    fn normal(url: &str) -> &str {
        url.trim_end_matches('/').trim_end_matches(".git")
    }
    let urls: BTreeSet<&str> = urls.iter().map(|u| normal(u)).collect();
    let mut found = Vec::new();
    for (_, parsed) in files.iter() {
        for document in &parsed.documents {
            let text = |path: &str| document.path(path).and_then(Yaml::as_str);
            // The kind first: most documents are not sources.
            let Some(kind) = text("kind")
                .filter(|kind| ["GitRepository", "OCIRepository", "Bucket"].contains(kind))
            else {
                continue;
            };
            let (Some(name), Some(url)) = (text("metadata.name"), text("spec.url")) else {
                continue;
            };
            if urls.contains(normal(url)) {
                let namespace = text("metadata.namespace").unwrap_or("flux-system");
                found.push(NodeId::object(kind, Some(namespace), name));
            }
        }
    }
    found
}

/// The one finding for a repository with Flux objects but no sync root:
/// what was looked for, and how to name the root.
fn no_root_found(reader: &Reader<'_>, options: &FluxOptions) -> Option<Diagnostic> {
    let first_flux = reader.files.iter().find_map(|(path, parsed)| {
        parsed.documents.iter().find_map(|d| {
            let api = d.get("apiVersion").and_then(Yaml::as_str)?;
            (api.contains(".toolkit.fluxcd.io/") || api.starts_with("fluxcd.controlplane.io/"))
                .then(|| Location::new(path, d.get("kind").map_or(d.span, |k| k.span)))
        })
    })?;
    let looked_for = "a FluxInstance `spec.sync` or flux-instance `instance.sync` values, a \
                      `flux bootstrap` Kustomization (gotk-sync.yaml) inside the directory it \
                      applies, or a `clusters/<name>` directory";
    let message = match &options.cluster {
        Some(cluster) => {
            format!("no Flux sync root of cluster `{cluster}` found: looked for {looked_for}")
        }
        None => format!(
            "Flux objects found but no sync root: looked for {looked_for}; nothing is analysed as applied"
        ),
    };
    Some(
        Diagnostic::new(Code::SyncRootMissing, message)
            .at(first_flux)
            .help("name the directory Flux syncs with `--entry PATH` or `[flux] entry = \"PATH\"` in strata.toml"),
    )
}
