//! The walk: from each sync root, every Flux Kustomization followed through
//! `spec.path`, each build transformed as the applying Kustomization does.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::ops::Range;

use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree, join_relative};

use crate::files::YamlFiles;
use crate::flux_kinds::{is_cluster_scoped, is_flux_kustomization};
use crate::kustomize::{self, Builder, BuiltObject};
use crate::model::*;
use crate::patch::{Patch, Selector};
use crate::references::*;
use crate::substitute::{self, Variables};
use crate::sync_roots::*;
use crate::variables::*;
use crate::yaml::Yaml;

/// What reading needs across both passes.
pub(crate) struct Reader<'t> {
    pub(crate) tree: &'t RepoTree,
    pub(crate) files: YamlFiles<'t>,
    pub(crate) builder: Builder,
    pub(crate) entry_builds: Vec<(String, Vec<BuiltObject>)>,
    pub(crate) entry_appliers: BTreeMap<String, (NodeId, String)>,
    pub(crate) repository_sources: BTreeSet<NodeId>,
}

/// One pass over the tree: the entries, then every Kustomization they lead
/// to, breadth first.
pub(crate) fn walk(reader: &mut Reader<'_>, index: &VarIndex) -> (Vec<K8sObject>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut objects: Vec<K8sObject> = Vec::new();
    let mut queue: VecDeque<(usize, String)> = VecDeque::new();
    // Entry objects are pushed first, so each entry's objects are one range.
    let mut entry_ranges: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let entry_builds = std::mem::take(&mut reader.entry_builds);
    for (entry, built) in &entry_builds {
        let (applied_by, root) = match reader.entry_appliers.get(entry) {
            Some((id, root)) => (Some(id.clone()), root.clone()),
            None => (None, String::new()),
        };
        // The applier's own patches and postBuild apply to the entry too.
        let apply = match &applied_by {
            Some(id) => entry_applier(reader, &entry_builds, id, index),
            None => Apply::default(),
        };
        let start = objects.len();
        for object in built {
            let follow = Follow {
                applied_by: applied_by.clone(),
                root: &root,
                apply: &apply,
            };
            push_object(&reader.files, object, &follow, &mut objects, &mut queue);
        }
        entry_ranges.insert(entry.clone(), start..objects.len());
    }
    reader.entry_builds = entry_builds;

    let mut visited: HashSet<(NodeId, String)> = HashSet::new();
    while let Some((index_of, root)) = queue.pop_front() {
        let Some(step) = FollowStep::of(&objects[index_of]) else {
            continue;
        };
        // A Kustomization reading another repository or an OCI artifact has
        // a path inside that source, not inside this repository.
        if step
            .source
            .as_ref()
            .is_some_and(|source| !reads_this_repository(source, &reader.repository_sources))
        {
            continue;
        }
        let dir = match join_relative(&root, &step.path) {
            Some(dir) if reader.tree.is_dir(&dir) => dir,
            other => {
                diagnostics.push(path_missing(reader.tree, &step, other.as_deref()));
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
        let apply = Apply::of(&objects[index_of], &mut reader.files, index);
        let built =
            reader
                .builder
                .build_dir_with_components(&mut reader.files, &dir, &step.components);
        for object in built.iter() {
            let follow = Follow {
                applied_by: Some(step.id.clone()),
                root: &root,
                apply: &apply,
            };
            push_object(&reader.files, object, &follow, &mut objects, &mut queue);
        }
    }
    (objects, diagnostics)
}

/// What an entry's applier (a Kustomization found in an entry build) does
/// to the objects of the entry it applies.
pub(crate) fn entry_applier(
    reader: &mut Reader<'_>,
    entry_builds: &[(String, Vec<BuiltObject>)],
    id: &NodeId,
    index: &VarIndex,
) -> Apply {
    let applier = entry_builds
        .iter()
        .flat_map(|(_, built)| built)
        .filter(|o| is_flux_kustomization(&o.api_version, &o.kind))
        .find(|o| NodeId::object(&o.kind, resolve_namespace(o, None).as_deref(), &o.name) == *id);
    let Some(applier) = applier else {
        return Apply::default();
    };
    let mut scratch = Vec::new();
    let follow = Follow {
        applied_by: None,
        root: "",
        apply: &Apply::default(),
    };
    push_object(
        &reader.files,
        applier,
        &follow,
        &mut scratch,
        &mut VecDeque::new(),
    );
    match scratch.first() {
        Some(object) => Apply::of(object, &mut reader.files, index),
        None => Apply::default(),
    }
}

/// What the applying Kustomization does to the objects of its build, read
/// from its document as applied.
#[derive(Default)]
pub(crate) struct Apply {
    id: Option<NodeId>,
    /// `spec.targetNamespace`, with where it is written.
    target_namespace: Option<(String, Location)>,
    /// `spec.patches`, each with the file its text is in and its target.
    patches: Vec<(Patch, String, Option<Selector>)>,
    /// `spec.postBuild` variables, when it substitutes at all.
    variables: Option<Variables>,
}

impl Apply {
    fn of(kustomization: &K8sObject, files: &mut YamlFiles<'_>, index: &VarIndex) -> Apply {
        let doc = &kustomization.doc;
        let target_namespace = doc
            .path("spec.targetNamespace")
            .and_then(|n| {
                n.as_str()
                    .filter(|ns| !ns.is_empty())
                    .map(|ns| (ns, n.span))
            })
            .map(|(ns, span)| {
                (
                    ns.to_string(),
                    Location::new(kustomization.file_of("spec.targetNamespace"), span),
                )
            });
        let mut patches = Vec::new();
        for (i, entry) in doc
            .path("spec.patches")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(patch) = entry.get("patch") else {
                continue;
            };
            let target = entry.get("target").map(Selector::from_yaml);
            let file = kustomization.file_of(&format!("spec.patches.{i}.patch"));
            for (parsed, file) in kustomize::inline_patches(files, file, patch) {
                patches.push((parsed, file, target.clone()));
            }
        }
        Apply {
            id: Some(kustomization.id.clone()),
            target_namespace,
            patches,
            variables: post_build_variables(kustomization, index),
        }
    }
}

/// The FLUX004 for a Kustomization whose path resolved to `resolved`
/// (`None`: above the repository root) which is not a directory.
pub(crate) fn path_missing(
    tree: &RepoTree,
    step: &FollowStep,
    resolved: Option<&str>,
) -> Diagnostic {
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

/// What following one Flux Kustomization needs, copied out of it so the
/// object list can grow meanwhile.
pub(crate) struct FollowStep {
    id: NodeId,
    /// `spec.sourceRef` target, if it has a usable one.
    source: Option<NodeId>,
    /// `spec.path` as written.
    written: String,
    /// `spec.path` without its leading `./`.
    path: String,
    /// Where a FLUX004 points: the path value, or the name when there is no path.
    path_location: Location,
    /// `spec.components`, relative to the path, with where each is written.
    components: Vec<(String, Location)>,
}

impl FollowStep {
    fn of(kustomization: &K8sObject) -> Option<Self> {
        let document = &kustomization.doc;
        let path_node = document.path("spec.path");
        let written = path_node
            .and_then(Yaml::scalar_text)
            .map(|p| p.into_owned())
            .unwrap_or_default();
        let components = document
            .path("spec.components")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let text = c.as_str()?.to_string();
                let file = kustomization.file_of(&format!("spec.components.{i}"));
                Some((text, Location::new(file, c.span)))
            })
            .collect();
        Some(FollowStep {
            id: kustomization.id.clone(),
            source: source_ref_target(document, kustomization.namespace.as_deref()),
            path: flux_path(document)?,
            written,
            path_location: kustomization
                .location_of("spec.path")
                .unwrap_or_else(|| kustomization.location.clone()),
            components,
        })
    }
}

/// A Kustomization's `spec.path` with the leading `./` Flux allows removed;
/// an absent or empty path is the repository root.
pub(crate) fn flux_path(document: &Yaml) -> Option<String> {
    let path = match document.path("spec.path") {
        None => String::new(),
        Some(value) if value.is_null() => String::new(),
        Some(value) => value.scalar_text()?.into_owned(),
    };
    Some(path.trim_start_matches("./").to_string())
}

/// The namespace Flux gives a built object (see [`K8sObject::namespace`]).
pub(crate) fn resolve_namespace(
    object: &BuiltObject,
    target_namespace: Option<&str>,
) -> Option<String> {
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

/// How the objects of one build are applied.
pub(crate) struct Follow<'a> {
    /// The applying Kustomization.
    applied_by: Option<NodeId>,
    /// The source root the build's own Kustomizations resolve `spec.path` against.
    root: &'a str,
    /// What the applying Kustomization does to them.
    apply: &'a Apply,
}

/// Turns one built object into a [`K8sObject`] as the applying
/// Kustomization applies it (its patches, `targetNamespace`, then
/// substitution), and queues it if it is a Flux Kustomization to follow.
pub(crate) fn push_object(
    files: &YamlFiles<'_>,
    built: &BuiltObject,
    follow: &Follow<'_>,
    objects: &mut Vec<K8sObject>,
    queue: &mut VecDeque<(usize, String)>,
) {
    let apply = follow.apply;
    let mut built = built.clone();
    if !apply.patches.is_empty() {
        let mut one = vec![built];
        kustomize::apply_patches(&mut one, &apply.patches);
        // A `$patch: delete` removes the object from the build.
        let Some(patched) = one.pop() else { return };
        built = patched;
    }
    if let Some((namespace, origin)) = &apply.target_namespace {
        // Flux implements targetNamespace as the kustomization's `namespace:`.
        kustomize::set_namespace_from(&mut built, namespace, Some(origin));
    }
    let mut unset_variables = Vec::new();
    let mut substitution = None;
    if let (Some(variables), Some(kustomization)) = (&apply.variables, &apply.id)
        && !substitute::is_disabled(&built.doc)
    {
        let (own, patched) = (built.file.clone(), built.patched.clone());
        unset_variables = substitute::substitute_document(
            &mut built.doc,
            variables,
            &|path| kustomize::file_of(&own, &patched, path).to_string(),
            &|file| files.peek(file).map(|f| f.source.text()),
        );
        substitution = Some(Substitution {
            kustomization: kustomization.clone(),
            variables: variables.values.keys().cloned().collect(),
            complete: variables.complete,
        });
    }
    // Substitution may have given the name and namespace their values.
    if let Some(name) = built
        .doc
        .path("metadata.name")
        .and_then(Yaml::scalar_text)
        .filter(|n| !n.is_empty())
    {
        built.name = name.into_owned();
    }
    if !is_cluster_scoped(&built.kind)
        && let Some(namespace) = built
            .doc
            .path("metadata.namespace")
            .and_then(Yaml::scalar_text)
            .filter(|ns| !ns.is_empty())
    {
        built.namespace = Some(namespace.into_owned());
    }
    let namespace = resolve_namespace(&built, None);
    let id = NodeId::object(&built.kind, namespace.as_deref(), &built.name);
    let refs = references(&built, namespace.as_deref());
    let sops_encrypted = built
        .doc
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
        applied_by: follow.applied_by.clone(),
        refs,
        doc: built.doc,
        patched: built.patched,
        sops_encrypted,
        generated: built.generated,
        substitution,
        unset_variables,
    });
    if is_kustomization {
        queue.push_back((objects.len() - 1, follow.root.to_string()));
    }
}
