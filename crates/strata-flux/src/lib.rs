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

pub mod flux_kinds;
pub mod kustomize;
pub mod patch;
pub mod substitute;
pub mod yaml;

mod files;
mod generator;
mod model;
mod provided;
mod references;
mod sync_roots;
mod unapplied;
mod variables;
mod walk;

pub use crate::model::{
    FluxTree, K8sObject, ProvidedObject, Reference, ReferenceKind, Substitution, UnappliedFile,
};

use strata_core::{Diagnostic, RepoTree};

use crate::files::YamlFiles;
use crate::kustomize::{Builder, BuiltObject};
use crate::provided::provided_objects;
pub use crate::substitute::{UnsetVariable, Variables};
use crate::sync_roots::{find_entries, find_entry_appliers};
use crate::unapplied::unapplied_files;
use crate::variables::{VarIndex, var_index};
use crate::walk::{Reader, walk};

/// Everything strata knows about a repository's Flux tree.
/// Reads the Flux tree of a repository. Never fails: every problem is a
/// diagnostic.
///
/// `substituteFrom` sources may be anywhere in the tree, so the tree is
/// walked twice when a Kustomization uses one: first to find every
/// ConfigMap and Secret, then with their variables known.
pub fn load(tree: &RepoTree) -> FluxTree {
    let mut files = YamlFiles::parse_all(tree);
    let mut builder = Builder::new();
    let entries = find_entries(tree);

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
    let (entry_appliers, repository_sources) = find_entry_appliers(&entries, &entry_builds);
    let mut reader = Reader {
        tree,
        files,
        builder,
        entry_builds,
        entry_appliers,
        repository_sources,
    };
    let (mut objects, mut diagnostics) = walk(&mut reader, &VarIndex::new());
    let uses_substitute_from = objects.iter().any(|o| {
        o.refs
            .iter()
            .any(|r| r.kind == ReferenceKind::SubstituteFrom)
    });
    if uses_substitute_from {
        let index = var_index(&objects, &provided_objects(&objects));
        (objects, diagnostics) = walk(&mut reader, &index);
    }
    let provided = provided_objects(&objects);
    let unapplied = unapplied_files(&reader, &entries, &objects);

    diagnostics.append(&mut reader.builder.diagnostics);
    diagnostics.append(&mut reader.files.diagnostics);
    Diagnostic::sort(&mut diagnostics);
    // Uncached builds (a Kustomization's `spec.components`) and the second
    // pass can find the same problem again.
    diagnostics.dedup();
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
        sources: reader.files.into_source_db(),
        diagnostics,
        provided,
        unapplied,
    }
}
