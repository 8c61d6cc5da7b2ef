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

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::ops::Range;

use serde::Serialize;
use strata_core::{
    Code, Diagnostic, Location, NodeId, RepoTree, SourceDb, join_relative, parent_dir,
};

use crate::files::YamlFiles;
use crate::flux_kinds::{
    GIT_REPOSITORY, KUSTOMIZATION_FILE_NAMES, api_group, is_cluster_scoped, is_flux_kustomization,
    is_helm_release,
};
use crate::kustomize::{Builder, BuiltObject};
use crate::patch::{Patch, PatchedValue, Selector};
pub use crate::substitute::{UnsetVariable, Variables};
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
    /// Objects the cluster gets from an applied object's controller rather
    /// than from a file: the Secret an ExternalSecret (`spec.target.name`,
    /// default its own name) or a SealedSecret creates in its namespace.
    /// Sorted by id; an id already among `objects` is not repeated.
    pub provided: Vec<ProvidedObject>,
    /// YAML files below the Flux tree (the directory holding the entries'
    /// `clusters/` directory) that hold Kubernetes objects no build applies,
    /// sorted by file.
    pub unapplied: Vec<UnappliedFile>,
}

impl FluxTree {
    /// The first object with this id (objects applied twice appear twice).
    pub fn object(&self, id: &NodeId) -> Option<&K8sObject> {
        let start = self.objects.partition_point(|o| &o.id < id);
        self.objects.get(start).filter(|o| &o.id == id)
    }

    /// `spec.decryption.provider` of a Flux Kustomization as it is applied
    /// (a parent's `spec.patches` included); `None` when it has none or is
    /// not in the tree.
    pub fn decryption_provider(&self, kustomization: &NodeId) -> Option<&str> {
        self.object(kustomization)?
            .doc
            .path("spec.decryption.provider")
            .and_then(Yaml::as_str)
    }
}

/// An object that a controller creates from an applied object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProvidedObject {
    /// The created object (`Secret/NAMESPACE/NAME`).
    pub id: NodeId,
    /// The object that makes it exist (an ExternalSecret or SealedSecret).
    pub provider: NodeId,
    /// Where the name is written (`spec.target.name`, else `metadata.name`).
    pub location: Location,
}

/// A file below the Flux tree whose objects no Kustomization applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnappliedFile {
    /// Repository-relative path.
    pub file: String,
    /// The `kind` value of the file's first object.
    pub location: Location,
    /// How many Kubernetes objects the file holds.
    pub objects: usize,
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
    /// The name the object gets: kustomize's `namePrefix`/`nameSuffix` and
    /// generator hash included, variables substituted (a `v1` Namespace
    /// takes the name of a kustomize `namespace:` or `targetNamespace`
    /// override).
    pub name: String,
    /// The resolved namespace: `targetNamespace` of the applying
    /// Kustomization, else the outermost kustomize `namespace:` override, else
    /// `metadata.namespace` (after substitution), else `default`; `None` for
    /// cluster-scoped kinds.
    pub namespace: Option<String>,
    /// The `metadata.name` value in its file (a generated object: its
    /// generator's `name` in the kustomization file).
    pub location: Location,
    /// The Flux Kustomization whose build contains this object; `None` for the
    /// objects of a cluster entry that no Kustomization in the repository applies.
    pub applied_by: Option<NodeId>,
    /// The references this object makes, in file order.
    pub refs: Vec<Reference>,
    /// The document as Flux applies it: kustomize's transforms (patches,
    /// `namespace`, prefix and suffix, `images`), the applying
    /// Kustomization's `spec.patches` and `targetNamespace`, and `postBuild`
    /// substitution of the variables whose values are known. Every value
    /// keeps the span of the text that produced it; values written in
    /// another file (a patch) are listed in `patched` — use
    /// [`K8sObject::location_of`] to turn a value into a location.
    pub doc: Yaml,
    /// The values of `doc` written in another file than `location.file`.
    pub patched: Vec<PatchedValue>,
    /// Whether the file is SOPS-encrypted (a top-level `sops:` map with `mac`).
    pub sops_encrypted: bool,
    /// Whether a kustomize `configMapGenerator`/`secretGenerator` produced
    /// the object (its `doc` is synthesised; a Secret's values are null).
    pub generated: bool,
    /// The `postBuild` substitution applied to this object; `None` when the
    /// applying Kustomization has no `postBuild`, defines no variable, or
    /// the object disables substitution.
    pub substitution: Option<Substitution>,
    /// `${VAR}`s left without a value by the substitution, in document order.
    pub unset_variables: Vec<UnsetVariable>,
}

impl K8sObject {
    /// The file holding the value at dotted path `path` of `doc`.
    pub fn file_of(&self, path: &str) -> &str {
        kustomize::file_of(&self.location.file, &self.patched, path)
    }

    /// Where the value at dotted path `path` of `doc` is written, if it exists.
    pub fn location_of(&self, path: &str) -> Option<Location> {
        let node = self.doc.path(path)?;
        Some(Location::new(self.file_of(path), node.span))
    }

    /// Where `node` (a node borrowed from this object's `doc`, a key or a
    /// value) is written: its span in the file that holds it, which is not
    /// the object's own file when a patch, a kustomize `namespace:` or an
    /// `images:` override wrote it. A node from elsewhere gets the object's
    /// own file.
    pub fn location_at(&self, node: &Yaml) -> Location {
        let mut path = Vec::new();
        let file = if find_node(&self.doc, node, &mut path) {
            self.file_of(&path.join("."))
        } else {
            &self.location.file
        };
        Location::new(file, node.span)
    }
}

/// Finds `wanted` by address below `node`, leaving its dotted path in `path`.
fn find_node(node: &Yaml, wanted: &Yaml, path: &mut Vec<String>) -> bool {
    if std::ptr::eq(node, wanted) {
        return true;
    }
    match &node.value {
        yaml::YamlValue::Map(entries) => entries.iter().any(|(key, value)| {
            path.push(
                key.scalar_text()
                    .map(|k| k.into_owned())
                    .unwrap_or_default(),
            );
            // A key is written where its value is.
            if std::ptr::eq(key, wanted) || find_node(value, wanted, path) {
                return true;
            }
            path.pop();
            false
        }),
        yaml::YamlValue::Seq(items) => items.iter().enumerate().any(|(i, item)| {
            path.push(i.to_string());
            if find_node(item, wanted, path) {
                return true;
            }
            path.pop();
            false
        }),
        _ => false,
    }
}

/// The `postBuild` substitution an object went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitution {
    /// The Kustomization whose `postBuild` ran.
    pub kustomization: NodeId,
    /// The names of the variables defined (values are never kept here).
    pub variables: Vec<String>,
    /// Whether every `substituteFrom` source was found and readable; when
    /// not, undefined variables are not reported.
    pub complete: bool,
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
    /// A HelmRelease's `spec.valuesFrom[]` entry (a ConfigMap or Secret in
    /// the HelmRelease's own namespace).
    ValuesFrom,
    /// A Kustomization's `spec.postBuild.substituteFrom[]` entry (a
    /// ConfigMap or Secret in the Kustomization's own namespace).
    SubstituteFrom,
}

/// A reference from one object to another, by id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// What the reference means.
    pub kind: ReferenceKind,
    /// The referenced object's id; an omitted namespace is the referring
    /// object's own namespace, as Flux resolves it.
    pub target: NodeId,
    /// The referenced `name` value (in the patch's file when a parent
    /// Kustomization's `spec.patches` wrote it).
    pub location: Location,
    /// `optional: true` (`valuesFrom`, `substituteFrom`): Flux tolerates a
    /// missing target.
    pub optional: bool,
}

/// Variables each ConfigMap and Secret of the tree defines, by
/// (kind, namespace, name).
type VarIndex = BTreeMap<(String, String, String), VarSource>;

/// What a `substituteFrom` source defines.
#[derive(Clone, Debug)]
enum VarSource {
    /// Its keys, with the value when it is known (never a Secret's).
    Keys(BTreeMap<String, Option<String>>),
    /// Keys not knowable (a Secret made by an ExternalSecret).
    Opaque,
}

/// What reading needs across both passes.
struct Reader<'t> {
    tree: &'t RepoTree,
    files: YamlFiles<'t>,
    builder: Builder,
    entry_builds: Vec<(String, Vec<BuiltObject>)>,
    entry_appliers: BTreeMap<String, (NodeId, String)>,
    repository_sources: BTreeSet<NodeId>,
}

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

/// One pass over the tree: the entries, then every Kustomization they lead
/// to, breadth first.
fn walk(reader: &mut Reader<'_>, index: &VarIndex) -> (Vec<K8sObject>, Vec<Diagnostic>) {
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
fn entry_applier(
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
struct Apply {
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

/// The variables a Kustomization's `postBuild` defines; `None` when it has
/// no `postBuild` or defines nothing, in which case Flux substitutes nothing.
fn post_build_variables(kustomization: &K8sObject, index: &VarIndex) -> Option<Variables> {
    let post_build = kustomization.doc.path("spec.postBuild")?;
    let namespace = kustomization.namespace.clone().unwrap_or_default();
    let mut variables = Variables {
        values: BTreeMap::new(),
        complete: true,
    };
    for entry in post_build
        .get("substituteFrom")
        .map(Yaml::as_seq)
        .unwrap_or_default()
    {
        let field = |key: &str| {
            entry
                .get(key)
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
        };
        let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
            continue;
        };
        match index.get(&(kind, namespace.clone(), name)) {
            Some(VarSource::Keys(keys)) => {
                variables
                    .values
                    .extend(keys.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            // Missing (an error of its own unless optional, and maybe made
            // outside the repository) or unreadable: its variables are
            // unknown, so none may be called unset.
            Some(VarSource::Opaque) | None => variables.complete = false,
        }
    }
    for (key, value) in post_build
        .get("substitute")
        .map(Yaml::entries)
        .unwrap_or_default()
    {
        if let Some(key) = key.scalar_text() {
            let value = value
                .scalar_text()
                .map(|v| v.into_owned())
                .unwrap_or_default();
            variables.values.insert(key.into_owned(), Some(value));
        }
    }
    if variables.values.is_empty() && variables.complete {
        return None;
    }
    Some(variables)
}

/// The variables of every ConfigMap and Secret among `objects` (and of the
/// Secrets controllers provide, which are opaque).
fn var_index(objects: &[K8sObject], provided: &[ProvidedObject]) -> VarIndex {
    let mut index = VarIndex::new();
    for object in objects {
        let is_secret = match (object.api_version.as_str(), object.kind.as_str()) {
            ("v1", "ConfigMap") => false,
            ("v1", "Secret") => true,
            _ => continue,
        };
        let mut keys = BTreeMap::new();
        for field in ["data", "stringData", "binaryData"] {
            for (key, value) in object.doc.get(field).map(Yaml::entries).unwrap_or_default() {
                let Some(key) = key.scalar_text() else {
                    continue;
                };
                // Never a Secret's value; a ConfigMap's binaryData is base64,
                // and an encrypted ConfigMap's values are ciphertext here.
                let value = (!is_secret && !object.sops_encrypted && field == "data")
                    .then(|| value.scalar_text().map(|v| v.into_owned()))
                    .flatten();
                keys.insert(key.into_owned(), value);
            }
        }
        index.insert(
            (
                object.kind.clone(),
                object.namespace.clone().unwrap_or_default(),
                object.name.clone(),
            ),
            VarSource::Keys(keys),
        );
    }
    for object in provided {
        index
            .entry((
                object.id.kind().to_string(),
                object.id.namespace().unwrap_or_default().to_string(),
                object.id.name().to_string(),
            ))
            .or_insert(VarSource::Opaque);
    }
    index
}

/// The Secrets ExternalSecrets and SealedSecrets create.
fn provided_objects(objects: &[K8sObject]) -> Vec<ProvidedObject> {
    let existing: BTreeSet<&NodeId> = objects.iter().map(|o| &o.id).collect();
    let mut provided = BTreeMap::new();
    for object in objects {
        let group = api_group(&object.api_version);
        let name_path = match (group, object.kind.as_str()) {
            ("external-secrets.io", "ExternalSecret") => "spec.target.name",
            ("bitnami.com", "SealedSecret") => "spec.template.metadata.name",
            _ => continue,
        };
        let (name, location) = match object.doc.path(name_path).and_then(Yaml::scalar_text) {
            Some(name) if !name.is_empty() => (
                name.into_owned(),
                object
                    .location_of(name_path)
                    .unwrap_or_else(|| object.location.clone()),
            ),
            _ => (object.name.clone(), object.location.clone()),
        };
        let id = NodeId::object("Secret", object.namespace.as_deref(), &name);
        if existing.contains(&id) {
            continue;
        }
        provided.entry(id.clone()).or_insert(ProvidedObject {
            id,
            provider: object.id.clone(),
            location,
        });
    }
    provided.into_values().collect()
}

/// The YAML files below each entry's Flux tree that hold objects no build
/// applied and that no build read otherwise (patches, generator inputs).
fn unapplied_files(
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

/// Who applies each entry (with the source root of that Flux tree), and the
/// sources those bootstrap Kustomizations read, which are this repository.
///
/// A Kustomization applies an entry when its `spec.path` is the entry; one
/// inside the entry whose path is a suffix of the entry applies it too, from a
/// source rooted at the rest (see [`source_root`]). A root-relative match
/// beats a suffix match, then the smallest id wins.
#[allow(clippy::type_complexity)]
fn find_entry_appliers(
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
    /// The applying Kustomization.
    applied_by: Option<NodeId>,
    /// The source root the build's own Kustomizations resolve `spec.path` against.
    root: &'a str,
    /// What the applying Kustomization does to them.
    apply: &'a Apply,
}

/// Where the source root of a Flux tree is, given that a Kustomization
/// inside cluster entry `entry` applies it with `spec.path` `path` (which is
/// not `entry` itself, read from the repository root): the prefix of `entry`
/// that `path` is a suffix of, or `entry` itself for an empty path. A Flux
/// tree kept in a subdirectory (an OCI artifact pushed from `./kubernetes`,
/// a fixture repository inside a test directory) resolves its paths from there.
fn source_root(entry: &str, path: &str) -> Option<String> {
    if path.is_empty() {
        return Some(entry.to_string());
    }
    let root = entry.strip_suffix(path)?.strip_suffix('/')?;
    Some(root.to_string())
}

/// Turns one built object into a [`K8sObject`] as the applying
/// Kustomization applies it (its patches, `targetNamespace`, then
/// substitution), and queues it if it is a Flux Kustomization to follow.
fn push_object(
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

/// The references of a Flux Kustomization or HelmRelease.
fn references(object: &BuiltObject, own_namespace: Option<&str>) -> Vec<Reference> {
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
fn local_reference(
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
        optional: false,
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
