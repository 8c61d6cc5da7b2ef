//! Builds a directory the way kustomize (and Flux's kustomize-controller) would,
//! as far as object identities go: which documents end up in the build and
//! which namespace and name each gets.
//!
//! Two kinds of directory:
//! - with a `kustomization.yaml` (`.yml`, `Kustomization`): its `resources`,
//!   `bases` and `components` entries, recursively, then its `namespace:`
//!   override;
//! - without one: what Flux generates for it, namely every `.yaml`/`.yml` file
//!   below the directory, except that a subdirectory with a kustomization file
//!   is built as a unit. Documents that are not Kubernetes objects are skipped.
//!
//! A kustomization's own steps run in kustomize 5.5's order: `resources` (and
//! `bases`), its `configurations:` read, `configMapGenerator`/`secretGenerator`,
//! then `components` (each transforms what was accumulated so far), then the
//! transformers: `patchesStrategicMerge`, `patches`, `namespace`,
//! `namePrefix`/`nameSuffix`, `labels`/`commonLabels`, `commonAnnotations`,
//! `patchesJson6902`, `replicas`, `images`, `replacements`, and last the
//! built-in label and annotation transformers listed under `transformers:`.
//! Once the top-level build is done, generated names get their content hash
//! and every name reference (kustomize's built-in table plus the build's
//! `configurations:`) is rewritten to the final names
//! (`name_reference`).
//!
//! Judgment calls:
//! - a generator with `behavior: merge`/`replace` updates the existing
//!   object's keys and keeps its name; its hash is computed from the final
//!   data, as kustomize hashes once at the end.
//! - a generated Secret's values are never kept in its document, only its
//!   keys; they are held (redacted from `Debug`) until its hash is computed.
//! - `helmCharts` are recognised, not rendered: the build lists where they
//!   are declared ([`KustomizeBuild::helm_charts`]) so callers can treat the
//!   directory's objects as incomplete.
//!
//! Not modelled: chart rendering, `vars`, `openapi` schemas, transformers
//! and generators other than the built-in label and annotation ones.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use strata_core::{
    Code, Diagnostic, Location, RepoTree, Severity, SourceFile, Span, join_relative, parent_dir,
};

use crate::files::{YamlFiles, is_yaml_path};
use crate::flux_kinds::{KUSTOMIZATION_FILE_NAMES, ScopeTable};
use crate::patch::{Patch, PatchedValue, Selector};
use crate::yaml::{Yaml, YamlValue, edit_shared, parse_documents};

mod field_spec;
mod metadata_transformers;
mod name_reference;
mod replacements;
mod transformer_config;

use self::transformer_config::TransformerConfig;

/// One object of a kustomize build, before Flux's own namespace rules apply.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltObject {
    /// Repository-relative path of the file the object is written in (for a
    /// generated ConfigMap or Secret: the kustomization file).
    pub file: String,
    /// Index of the document within that file (for a generated object: the
    /// index of its generator entry).
    pub document: usize,
    /// `apiVersion` as written.
    pub api_version: String,
    /// `kind` as written.
    pub kind: String,
    /// The name the build gives it (a `v1` Namespace is renamed by a
    /// `namespace:` override, as kustomize does).
    pub name: String,
    /// The namespace the build gives it: the innermost-to-outermost
    /// `namespace:` overrides, else `metadata.namespace`; `None` when neither
    /// is set or the kind is cluster-scoped. kustomize's rendered output shows
    /// exactly this.
    pub namespace: Option<String>,
    /// Span of the `metadata.name` value in `file` (for a generated
    /// object: its generator's `name` value).
    pub name_span: Span,
    /// The document after this build's transforms (patches, `namespace`,
    /// prefix and suffix, `images`). Values a patch wrote keep their spans in
    /// the patch's file, listed in `patched`. Shared with the parsed file
    /// and other builds until a transform changes it (`Arc::make_mut`).
    pub doc: Arc<Yaml>,
    /// The values of `doc` written in another file than `file`, by path.
    pub patched: Vec<PatchedValue>,
    /// Whether a `configMapGenerator`/`secretGenerator` produced the object
    /// (`doc` is then synthesised: a Secret's values are null, never kept).
    pub generated: bool,
    /// `metadata.name` and `metadata.namespace` as written (or as the
    /// generator declares them): patch targets match these as well as the
    /// current ones, as kustomize matches a resource by any of its ids.
    pub written_id: (String, Option<String>),
    /// Whether kustomize appends a content hash to this generated object's
    /// name once the top-level build is done (after every prefix, suffix and
    /// merge); false when `disableNameSuffixHash` is set or it is appended.
    pub(crate) needs_hash: bool,
    /// A generated Secret's values, held only until its hash is computed.
    pub(crate) secret_values: Option<SecretValues>,
    /// The names and namespaces the object had before each rename or
    /// namespace change of the build, oldest first (kustomize's previous
    /// ids): references to any of these names are rewritten to the final one.
    pub(crate) previous_ids: Vec<(String, Option<String>)>,
    /// Whether the kind is cluster-scoped (from the scope table and the
    /// repository's CRDs), decided once when the object is read.
    pub(crate) cluster_scoped: bool,
    /// The `namePrefix`es and `nameSuffix`es applied, innermost first.
    pub(crate) prefixes: Vec<String>,
    pub(crate) suffixes: Vec<String>,
}

/// A generated Secret's values: kept in memory only to compute the name
/// hash, and never printed.
#[derive(Clone, PartialEq)]
pub(crate) struct SecretValues(Arc<BTreeMap<String, String>>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl BuiltObject {
    /// The file holding the value at dotted `path` of `doc`: the patch that
    /// wrote it (or wrote a parent of it), else the object's own file.
    pub fn file_of(&self, path: &str) -> &str {
        file_of(&self.file, &self.patched, path)
    }
}

impl BuiltObject {
    /// Records the current id before a rename or namespace change.
    fn store_previous_id(&mut self) {
        self.previous_ids
            .push((self.name.clone(), self.namespace.clone()));
    }

    /// Renames the object (its document too), remembering the old id.
    fn rename(&mut self, name: String) {
        self.store_previous_id();
        set_string(Arc::make_mut(&mut self.doc), &["metadata", "name"], &name);
        self.name = name;
    }

    /// The content hash kustomize appends to a generated name, from the
    /// object's final data.
    fn content_hash(&self) -> String {
        let mut data = BTreeMap::new();
        match &self.secret_values {
            Some(values) => data.clone_from(values.0.as_ref()),
            None => {
                for (key, value) in self.doc.get("data").map(Yaml::entries).unwrap_or_default() {
                    if let Some(key) = key.scalar_text() {
                        let value = value.scalar_text().unwrap_or_default();
                        data.insert(key.into_owned(), value.into_owned());
                    }
                }
            }
        }
        let secret_type = self.doc.get("type").and_then(Yaml::as_str);
        crate::generator::name_hash(&self.kind, "", secret_type, &data)
    }
}

/// Finishes a top-level build as kustomize does: appends each generated
/// object's content hash to its name, then rewrites the name references.
fn finish_build(mut objects: Vec<BuiltObject>, config: &TransformerConfig) -> Vec<BuiltObject> {
    for object in &mut objects {
        if std::mem::take(&mut object.needs_hash) {
            let hash = object.content_hash();
            object.rename(format!("{}-{hash}", object.name));
        }
        object.secret_values = None;
    }
    name_reference::fix_name_references(&mut objects, config);
    objects
}

/// See [`BuiltObject::file_of`]; shared with the Flux-level object.
pub(crate) fn file_of<'a>(own: &'a str, patched: &'a [PatchedValue], path: &str) -> &'a str {
    patched
        .iter()
        .filter(|p| {
            path == p.path
                || (path.starts_with(p.path.as_str())
                    && path.as_bytes().get(p.path.len()) == Some(&b'.'))
                || p.path.is_empty()
        })
        .max_by_key(|p| p.path.len())
        .map_or(own, |p| p.file.as_str())
}

/// A Flux Kustomization's build.
#[derive(Clone)]
pub(crate) struct FluxBuild {
    pub(crate) objects: Vec<BuiltObject>,
    /// The first entry the build or anything it includes names that is not
    /// there: kustomize refuses the build, so what it applies is unknown.
    pub(crate) missing: Option<Location>,
}

/// The result of building one directory.
#[derive(Debug, Default)]
pub struct KustomizeBuild {
    /// The objects, sorted by file then document.
    pub objects: Vec<BuiltObject>,
    /// Findings: missing entries (FLUX005), documents that are not objects
    /// (YAML002), and the read and syntax findings of every file involved.
    pub diagnostics: Vec<Diagnostic>,
    /// Each `helmCharts` entry of a kustomization the build includes:
    /// kustomize would render those charts into more objects; strata does
    /// not, so `objects` is incomplete and anything the charts would create
    /// is unknown rather than missing.
    pub helm_charts: Vec<Location>,
}

/// Builds repository directory `dir` on its own (outside any Flux
/// Kustomization), reading the files it needs.
pub fn build_directory(tree: &RepoTree, dir: &str) -> KustomizeBuild {
    let mut files = YamlFiles::parse_all(tree);
    let mut builder = Builder::new();
    let objects = builder.build_dir(&files, dir);
    files.settle();
    let mut diagnostics = std::mem::take(&mut builder.diagnostics);
    // Only the findings of files that took part in this build.
    let involved: BTreeSet<&str> = objects.iter().map(|o| o.file.as_str()).collect();
    diagnostics.extend(
        files
            .diagnostics
            .iter()
            .filter(|d| {
                d.location
                    .as_ref()
                    .is_some_and(|l| involved.contains(l.file.as_str()))
            })
            .cloned(),
    );
    Diagnostic::sort(&mut diagnostics);
    KustomizeBuild {
        objects,
        diagnostics,
        helm_charts: builder.helm_charts,
    }
}

/// Whether a `resources:` entry names something kustomize fetches over the
/// network; those are not part of the repository and are skipped.
pub fn is_remote_entry(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.contains("?ref=")
}

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(tree: &RepoTree, dir: &str) -> Option<String> {
    KUSTOMIZATION_FILE_NAMES
        .iter()
        .map(|name| join_path(dir, name))
        .find(|path| tree.is_file(path))
}

fn join_path(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// How many kustomizations may be nested inside one another. kustomize has
/// no limit, but real trees are under 20 deep; a chain of thousands would
/// exhaust the stack of this recursive builder, so the include past this
/// depth is reported and not followed.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 200;

/// Builds directories with memoisation and a cycle guard.
pub(crate) struct Builder {
    /// Finished builds, so a directory shared by many parents (a `base`) is
    /// built once and a diamond of includes cannot blow up: those of
    /// earlier waves, shared with forks, and those made since.
    done: Arc<HashMap<String, Arc<Kept>>>,
    fresh: HashMap<String, Arc<Kept>>,
    /// The missing entries of kept builds reused, in the order reused (a
    /// reused build reports its findings no second time).
    reused_missing: Vec<Location>,
    /// Directories being built, innermost last: an include of one of these is a cycle.
    in_progress: Vec<String>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Files a build read without taking objects from them: kustomization
    /// files, patch files, generator inputs. None of them is a dead manifest.
    pub(crate) used_files: BTreeSet<String>,
    /// Where a kustomization declares `helmCharts`: kustomize would inflate
    /// those charts, strata does not, so the objects of such a build are
    /// incomplete.
    pub(crate) helm_charts: Vec<Location>,
    /// Which kinds are cluster-scoped: the static table, and the
    /// repository's own CustomResourceDefinitions.
    pub(crate) scopes: Arc<ScopeTable>,
    /// Files no source artifact holds (`.sourceignore`, `spec.ignore`,
    /// source-controller's defaults): a generated kustomization leaves them out.
    pub(crate) ignored: Arc<BTreeSet<String>>,
}

/// A directory's objects as included by another build (generated names
/// without their hash yet), with the transformer configuration its
/// kustomizations declared.
struct Built {
    objects: Vec<BuiltObject>,
    config: TransformerConfig,
}

/// A build kept for other includers, with the first entry it (or anything
/// it includes) names that is not there: kustomize refuses every build
/// that includes it, however many there are.
struct Kept {
    built: Built,
    missing: Option<Location>,
}

/// One entry of an `images:` list.
struct ImageOverride {
    name: String,
    new_name: Option<(String, Span)>,
    new_tag: Option<(String, Span)>,
    digest: Option<(String, Span)>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Builder::sharing(Arc::default(), Arc::new(ScopeTable::new()), Arc::default())
    }

    /// A builder with nothing built or found yet, sharing these.
    fn sharing(
        done: Arc<HashMap<String, Arc<Kept>>>,
        scopes: Arc<ScopeTable>,
        ignored: Arc<BTreeSet<String>>,
    ) -> Self {
        Builder {
            done,
            fresh: HashMap::new(),
            reused_missing: Vec::new(),
            in_progress: Vec::new(),
            diagnostics: Vec::new(),
            used_files: BTreeSet::new(),
            helm_charts: Vec::new(),
            scopes,
            ignored,
        }
    }

    /// A builder for one build on another thread: it sees every build
    /// finished so far and collects what it finds on its own, for
    /// [`Builder::adopt`].
    pub(crate) fn fork(&mut self) -> Builder {
        if !self.fresh.is_empty() {
            // Copies the map only while an older fork still holds it.
            Arc::make_mut(&mut self.done).extend(self.fresh.drain());
        }
        Builder::sharing(
            Arc::clone(&self.done),
            Arc::clone(&self.scopes),
            Arc::clone(&self.ignored),
        )
    }

    /// Takes what a fork's build found, when it is what building here
    /// would have found: unless a directory the fork built is finished here
    /// by now (another build of its wave got there first). Then building
    /// here would reuse it, and report its findings no second time, so the
    /// caller builds again here instead (false).
    pub(crate) fn adopt(&mut self, fork: Builder) -> bool {
        let built_here = |dir: &String| self.fresh.contains_key(dir) || self.done.contains_key(dir);
        if fork.fresh.keys().any(built_here) {
            return false;
        }
        self.fresh.extend(fork.fresh);
        self.diagnostics.extend(fork.diagnostics);
        self.used_files.extend(fork.used_files);
        self.helm_charts.extend(fork.helm_charts);
        true
    }

    /// The objects of directory `dir` as a top-level build (a Flux
    /// Kustomization's path or an entry), sorted by file then document.
    ///
    /// The builder does not keep a top-level build: its objects become the
    /// walk's, and building it again (another Kustomization with the same
    /// path) costs its own transforms only, its includes being kept.
    /// Keeping it would hold a second copy of every object of the tree;
    /// only for a second walk (`substituteFrom`) does the walk's
    /// `BuildMemo` keep the first walk's Flux builds.
    pub(crate) fn build_dir(&mut self, files: &YamlFiles<'_>, dir: &str) -> Vec<BuiltObject> {
        let Built { objects, config } = self.build_uncached(files, dir, &[]);
        finish_build(objects, &config)
    }

    /// Drops the finished builds. Their documents are shared with the
    /// objects, but each build's object list is not: once no directory
    /// will be built again, the memory goes to what follows.
    pub(crate) fn forget_builds(&mut self) {
        self.done = Arc::default();
        self.fresh = HashMap::new();
    }

    /// The objects of `dir` as included by another build: generated names
    /// do not carry their hash yet.
    fn build_nested(&mut self, files: &YamlFiles<'_>, dir: &str) -> Arc<Kept> {
        if let Some(done) = self.fresh.get(dir).or_else(|| self.done.get(dir)) {
            let done = Arc::clone(done);
            self.reused_missing.extend(done.missing.clone());
            return done;
        }
        let (built, missing) = self.build_tracked(files, dir, &[]);
        let kept = Arc::new(Kept { built, missing });
        self.fresh.insert(dir.to_string(), Arc::clone(&kept));
        kept
    }

    /// [`Builder::build_uncached`], and the first entry it names that is
    /// not there: among its findings, else in a kept build it reused.
    fn build_tracked(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        components: &[(String, Location)],
    ) -> (Built, Option<Location>) {
        let (findings, reused) = (self.diagnostics.len(), self.reused_missing.len());
        let built = self.build_uncached(files, dir, components);
        let missing = self.diagnostics[findings..]
            .iter()
            .find(|d| d.code == Code::KustomizeResourceMissing)
            .and_then(|d| d.location.clone())
            .or_else(|| self.reused_missing.get(reused).cloned());
        (built, missing)
    }

    /// Builds `dir` as Flux's kustomize-controller does for a Kustomization:
    /// Flux adds its `spec.components`, `spec.patches` and
    /// `spec.targetNamespace` (as `namespace:`) to the root kustomization,
    /// so they take effect before kustomize appends generator hashes and
    /// fixes name references. A HelmRelease and the ConfigMap generated for
    /// its `valuesFrom` end up in one namespace only through
    /// `targetNamespace`, and only then is the reference renamed.
    /// Callers must not apply `patches` again (pass `&[]` to keep applying
    /// them per object); applying `target_namespace` again is harmless.
    pub(crate) fn build_for_flux(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        components: &[(String, Location)],
        patches: &[(Patch, String, Option<Selector>)],
        target_namespace: Option<(&str, &Location)>,
    ) -> FluxBuild {
        // Not kept by the builder, as for `build_dir`.
        let (
            Built {
                mut objects,
                config,
            },
            missing,
        ) = self.build_tracked(files, dir, components);
        // Flux itself reports a Kustomization whose patches do not apply.
        let _ = apply_patches(&mut objects, patches);
        if let Some((namespace, origin)) = target_namespace {
            for object in &mut objects {
                set_namespace_from(object, namespace, Some(origin));
            }
        }
        FluxBuild {
            objects: finish_build(objects, &config),
            missing,
        }
    }

    fn build_uncached(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        components: &[(String, Location)],
    ) -> Built {
        if self.in_progress.iter().any(|d| d == dir) {
            // kustomize rejects include cycles; the directory's own build
            // (further up the stack) already holds its objects, so stopping
            // here loses nothing.
            return Built {
                objects: Vec::new(),
                config: TransformerConfig::default(),
            };
        }
        self.in_progress.push(dir.to_string());
        let mut built = match kustomization_file(files.tree, dir) {
            Some(kustomization) => {
                let input = Built {
                    objects: Vec::new(),
                    config: TransformerConfig::default(),
                };
                self.build_kustomization(files, dir, &kustomization, input, components)
            }
            None => {
                let mut built = self.build_generated(files, dir);
                for (component, location) in components {
                    built = self.include_component(files, dir, component, location, built);
                }
                built
            }
        };
        self.in_progress.pop();
        // kustomize refuses the same object twice in one build; keeping the
        // first occurrence bounds every build by the number of documents.
        let objects = &mut built.objects;
        objects.sort_by(|a, b| {
            (&a.file, a.document, a.generated).cmp(&(&b.file, b.document, b.generated))
        });
        objects.dedup_by(|a, b| {
            a.file == b.file
                && a.document == b.document
                && a.generated == b.generated
                && a.name == b.name
                && a.namespace == b.namespace
        });
        built
    }

    /// Builds one kustomization (or component, given the objects and
    /// configuration accumulated before it as `input`).
    fn build_kustomization(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        input: Built,
        extra_components: &[(String, Location)],
    ) -> Built {
        self.used_files.insert(kustomization.to_string());
        let Some(document) = files
            .get(kustomization)
            .and_then(|f| f.documents.first().cloned())
        else {
            return input;
        };
        self.check_shape(kustomization, &document);
        let Built {
            mut objects,
            mut config,
        } = input;
        for field in ["resources", "bases"] {
            for entry in document.get(field).map(Yaml::as_seq).unwrap_or_default() {
                let Some(text) = entry.as_str() else { continue };
                if is_remote_entry(text) {
                    continue;
                }
                let location = Location::new(kustomization, entry.span);
                let target = join_relative(dir, text);
                match target {
                    Some(path) if files.tree.is_file(&path) => {
                        objects.extend(self.file_objects(files, &path, true));
                    }
                    Some(path) if self.in_progress.contains(&path) => {
                        self.include_cycle(field, text, &path, location);
                    }
                    Some(path) if self.in_progress.len() >= MAX_INCLUDE_DEPTH => {
                        self.include_too_deep(field, text, &path, location);
                    }
                    Some(path) if files.tree.is_dir(&path) => {
                        if kustomization_file(files.tree, &path).is_some() {
                            let nested = self.build_nested(files, &path);
                            objects.extend(nested.built.objects.iter().cloned());
                            config.merge(&nested.built.config);
                        } else if !KUSTOMIZATION_FILE_NAMES
                            .iter()
                            .any(|name| files.tree.is_excluded(&join_path(&path, name)))
                        {
                            // (An excluded kustomization file is there, not read.)
                            self.not_a_kustomization(field, text, &path, location);
                        }
                    }
                    _ => self.missing_entry(files.tree, field, text, target.as_deref(), location),
                }
            }
        }
        config.merge(&self.configurations(files, dir, &document));
        self.note_helm_charts(dir, kustomization, &document);
        self.generate(files, dir, kustomization, &document, &mut objects);
        let mut built = Built { objects, config };
        for entry in document
            .get("components")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let Some(text) = entry.as_str() else { continue };
            if is_remote_entry(text) {
                continue;
            }
            let location = Location::new(kustomization, entry.span);
            built = self.include_component(files, dir, text, &location, built);
        }
        for (text, location) in extra_components {
            built = self.include_component(files, dir, text, location, built);
        }
        self.transform(files, dir, kustomization, &document, &mut built);
        built
    }

    /// The transformer configuration kustomization `document` declares in
    /// its `configurations:` files.
    fn configurations(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        document: &Yaml,
    ) -> TransformerConfig {
        let mut config = TransformerConfig::default();
        for entry in document
            .get("configurations")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let Some(path) = entry.as_str().and_then(|p| join_relative(dir, p)) else {
                continue;
            };
            self.used_files.insert(path.clone());
            for document in files
                .get(&path)
                .map(|f| f.documents.clone())
                .unwrap_or_default()
            {
                config.merge(&TransformerConfig::from_document(&document));
            }
        }
        config
    }

    /// Records a kustomization's `helmCharts` (not rendered) and marks the
    /// values files they read as used.
    fn note_helm_charts(&mut self, dir: &str, kustomization: &str, document: &Yaml) {
        let Some(charts) = document.get("helmCharts") else {
            return;
        };
        for chart in charts.as_seq() {
            self.helm_charts
                .push(Location::new(kustomization, chart.span));
            let values_files = chart.get("valuesFile").into_iter().chain(
                chart
                    .get("additionalValuesFiles")
                    .map(Yaml::as_seq)
                    .unwrap_or_default(),
            );
            for file in values_files {
                if let Some(path) = file.as_str().and_then(|p| join_relative(dir, p)) {
                    self.used_files.insert(path);
                }
            }
        }
    }

    /// Applies component `text` (relative to `dir`) to `built`: a
    /// component adds its resources and runs its transformers over
    /// everything accumulated so far.
    fn include_component(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        text: &str,
        location: &Location,
        built: Built,
    ) -> Built {
        let target = join_relative(dir, text);
        match target {
            Some(path) if files.tree.is_file(&path) => {
                // kustomize wants a directory here; a file's objects are
                // still what the author meant to include.
                let mut built = built;
                built.objects.extend(self.file_objects(files, &path, true));
                built
            }
            Some(path) if files.tree.is_dir(&path) => match kustomization_file(files.tree, &path) {
                Some(_) if self.in_progress.len() >= MAX_INCLUDE_DEPTH => {
                    self.include_too_deep("components", text, &path, location.clone());
                    built
                }
                Some(file) if !self.in_progress.contains(&path) => {
                    self.in_progress.push(path.clone());
                    let built = self.build_kustomization(files, &path, &file, built, &[]);
                    self.in_progress.pop();
                    built
                }
                Some(_) => {
                    self.include_cycle("components", text, &path, location.clone());
                    built
                }
                None => {
                    self.not_a_kustomization("components", text, &path, location.clone());
                    built
                }
            },
            _ => {
                self.missing_entry(
                    files.tree,
                    "components",
                    text,
                    target.as_deref(),
                    location.clone(),
                );
                built
            }
        }
    }

    fn include_too_deep(&mut self, field: &str, text: &str, path: &str, location: Location) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::KustomizeResourceMissing,
                format!("`{field}` entry `{text}` includes `{path}` more than {MAX_INCLUDE_DEPTH} kustomizations deep: strata does not follow it, so the objects below it are missing from this build"),
            )
            .severity(Severity::Warning)
            .at(location)
            .help("flatten the chain of kustomizations (real trees are a few levels deep); kustomize itself builds it"),
        );
    }

    fn include_cycle(&mut self, field: &str, text: &str, path: &str, location: Location) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::KustomizeResourceMissing,
                format!("`{field}` entry `{text}` includes `{path}`, which is already being built: the includes form a cycle"),
            )
            .at(location)
            .help("kustomize build fails on include cycles: remove this entry or the one that includes this directory back"),
        );
    }

    /// Findings for fields kustomize cannot read: a list field that is not
    /// a list, a path entry that is not a string, a map field that is not a
    /// mapping. kustomize refuses the whole kustomization file.
    fn check_shape(&mut self, kustomization: &str, document: &Yaml) {
        const PATH_LISTS: &[&str] = &[
            "resources",
            "bases",
            "components",
            "configurations",
            "crds",
            "generators",
            "transformers",
            "validators",
            "patchesStrategicMerge",
        ];
        const LISTS: &[&str] = &[
            "patches",
            "patchesJson6902",
            "configMapGenerator",
            "secretGenerator",
            "images",
            "replicas",
            "replacements",
            "labels",
            "helmCharts",
        ];
        const MAPS: &[&str] = &["commonLabels", "commonAnnotations", "generatorOptions"];
        let mut problem = |span: Span, message: String| {
            self.diagnostics.push(
                Diagnostic::new(Code::KustomizeResourceMissing, message)
                    .at(Location::new(kustomization, span))
                    .help("kustomize refuses this kustomization.yaml: write the field as kustomize's schema says (see kubectl kustomize's error)"),
            );
        };
        // kustomize reads the file as JSON into its schema: strings stay
        // strings (`namespace: 5` or a list is refused).
        const STRINGS: &[&str] = &["namespace", "namePrefix", "nameSuffix"];
        if !document.is_map() && !document.is_null() {
            problem(
                document.span,
                "a kustomization must be a mapping of fields".to_string(),
            );
            return;
        }
        for (key, value) in document.entries() {
            let Some(field) = key.as_str() else { continue };
            let is_list = PATH_LISTS.contains(&field) || LISTS.contains(&field);
            if value.is_null() {
                continue;
            }
            if STRINGS.contains(&field) && value.as_str().is_none() {
                problem(value.span, format!("`{field}` must be a string"));
            } else if is_list && !matches!(value.value, YamlValue::Seq(_)) {
                problem(value.span, format!("`{field}` must be a list"));
            } else if MAPS.contains(&field) && !value.is_map() {
                problem(value.span, format!("`{field}` must be a mapping"));
            } else if PATH_LISTS.contains(&field) {
                for entry in value.as_seq() {
                    if entry.as_str().is_none() {
                        problem(
                            entry.span,
                            format!("each `{field}` entry must be a path (a string)"),
                        );
                    }
                }
            }
        }
    }

    fn not_a_kustomization(&mut self, field: &str, text: &str, path: &str, location: Location) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::KustomizeResourceMissing,
                format!("`{field}` entry `{text}` is a directory without a kustomization.yaml"),
            )
            .at(location)
            .help(format!(
                "kustomize only includes directories that have a kustomization.yaml: add one to `{path}` listing its files, or list the files here"
            )),
        );
    }

    fn missing_entry(
        &mut self,
        tree: &RepoTree,
        field: &str,
        text: &str,
        target: Option<&str>,
        location: Location,
    ) {
        // Excluded on purpose in strata.toml: there, just not read.
        if target.is_some_and(|path| tree.is_excluded(path)) {
            return;
        }
        let message = match target {
            Some(path) if tree.refusal(path).is_some() => {
                format!("`{field}` entry `{text}`: `{path}` {}", tree.absence(path))
            }
            Some(path) => format!("`{field}` entry `{text}` does not exist ({path})"),
            None => format!("`{field}` entry `{text}` does not exist (outside the repository)"),
        };
        self.diagnostics.push(
            Diagnostic::new(Code::KustomizeResourceMissing, message)
            .at(location)
            .help("fix the path (it is relative to the kustomization.yaml), create the file, or remove the entry; kustomize build fails on it"),
        );
    }

    /// `configMapGenerator` and `secretGenerator`.
    fn generate(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        document: &Yaml,
        objects: &mut Vec<BuiltObject>,
    ) {
        let global_options = document.get("generatorOptions");
        for (field, kind, offset) in [
            ("configMapGenerator", "ConfigMap", 0),
            ("secretGenerator", "Secret", 1 << 20),
        ] {
            let entries = document.get(field).map(Yaml::as_seq).unwrap_or_default();
            for (index, entry) in entries.iter().enumerate() {
                let Some(name_node) = entry.get("name") else {
                    continue;
                };
                let Some(name) = name_node.scalar_text().filter(|n| !n.is_empty()) else {
                    continue;
                };
                let name = name.into_owned();
                let data = self.generator_data(files, dir, kustomization, entry);
                let behavior = entry
                    .get("behavior")
                    .and_then(Yaml::as_str)
                    .unwrap_or("create");
                let options = [global_options, entry.get("options")];
                let no_hash = options.iter().any(|o| {
                    o.and_then(|o| o.get("disableNameSuffixHash"))
                        .and_then(Yaml::as_bool)
                        == Some(true)
                });
                let namespace = entry
                    .get("namespace")
                    .and_then(Yaml::scalar_text)
                    .filter(|ns| !ns.is_empty())
                    .map(|ns| ns.into_owned());
                let span = name_node.span;
                if behavior == "merge" || behavior == "replace" {
                    // The object comes from a base: kustomize finds it by
                    // any id it had, keeps its name and merges metadata.
                    let wanted = (name.as_str(), namespace.as_deref());
                    let Some(existing) = objects
                        .iter_mut()
                        .find(|o| o.kind == kind && o.api_version == "v1" && had_id(o, wanted))
                    else {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::KustomizeResourceMissing,
                                format!(
                                    "`{field}` entry `{name}` has `behavior: {behavior}` but the build has no {kind} `{name}` to {behavior}"
                                ),
                            )
                            .at(Location::new(kustomization, span))
                            .help("kustomize build fails on this: include the base that generates it in `resources`, or use `behavior: create`"),
                        );
                        continue;
                    };
                    let replace = behavior == "replace";
                    if let Some(values) = &mut existing.secret_values {
                        let mut merged = if replace {
                            BTreeMap::new()
                        } else {
                            values.0.as_ref().clone()
                        };
                        merged.extend(data.clone());
                        *values = SecretValues(Arc::new(merged));
                    }
                    let doc = Arc::make_mut(&mut existing.doc);
                    set_data(doc, kind, &data, span, replace);
                    merge_generator_metadata(doc, &options, span);
                    if kind == "Secret" {
                        // The merged object is the new generator's, with the
                        // old one's name, metadata and (for merge) data.
                        let new_type = entry
                            .get("type")
                            .and_then(Yaml::as_str)
                            .filter(|t| !t.is_empty())
                            .unwrap_or("Opaque");
                        set_string(doc, &["type"], new_type);
                    }
                    existing.needs_hash = !no_hash;
                    continue;
                }
                let mut metadata = vec![(key("name", span), string(&name, span))];
                if let Some(ns) = &namespace {
                    metadata.push((key("namespace", span), string(ns, span)));
                }
                let secret_type = entry
                    .get("type")
                    .and_then(Yaml::as_str)
                    .filter(|t| !t.is_empty())
                    .or((kind == "Secret").then_some("Opaque"));
                let mut doc_entries = vec![
                    (key("apiVersion", span), string("v1", span)),
                    (key("kind", span), string(kind, span)),
                    (key("metadata", span), map(metadata, span)),
                ];
                if let Some(t) = secret_type {
                    doc_entries.push((key("type", span), string(t, span)));
                }
                let mut doc = map(doc_entries, span);
                // `generatorOptions` and the entry's own `options` label and
                // annotate the object (the entry wins on the same key); the
                // substitution opt-out is usually set this way.
                merge_generator_metadata(&mut doc, &options, span);
                set_data(&mut doc, kind, &data, span, true);
                objects.push(BuiltObject {
                    file: kustomization.to_string(),
                    document: offset + index,
                    api_version: "v1".to_string(),
                    kind: kind.to_string(),
                    name: name.clone(),
                    namespace: namespace.clone(),
                    name_span: span,
                    doc: Arc::new(doc),
                    patched: Vec::new(),
                    generated: true,
                    written_id: (name, namespace),
                    needs_hash: !no_hash,
                    secret_values: (kind == "Secret").then(|| SecretValues(Arc::new(data))),
                    previous_ids: Vec::new(),
                    cluster_scoped: false,
                    prefixes: Vec::new(),
                    suffixes: Vec::new(),
                });
            }
        }
    }

    /// The keys and values a generator entry produces, from `envs` (`env`),
    /// `literals` and `files`, in kustomize's order. Values are transient:
    /// the caller keeps a Secret's keys only. A missing input file is a
    /// finding: kustomize build fails on it.
    fn generator_data(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        entry: &Yaml,
    ) -> BTreeMap<String, String> {
        let mut data = BTreeMap::new();
        let mut env_files: Vec<&Yaml> = entry
            .get("envs")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .collect();
        env_files.extend(entry.get("env"));
        for env in env_files {
            let Some(text) = env.as_str() else { continue };
            let path = join_relative(dir, text);
            let Some(content) = path.as_deref().and_then(|p| read_text(files, p)) else {
                let location = Location::new(kustomization, env.span);
                self.missing_entry(files.tree, "envs", text, path.as_deref(), location);
                continue;
            };
            if let Some(path) = path {
                self.used_files.insert(path);
            }
            data.extend(crate::generator::env_file_pairs(&content));
        }
        for literal in entry.get("literals").map(Yaml::as_seq).unwrap_or_default() {
            if let Some((key, value)) = literal
                .scalar_text()
                .and_then(|t| crate::generator::literal_pair(&t))
            {
                data.insert(key, value);
            }
        }
        for file in entry.get("files").map(Yaml::as_seq).unwrap_or_default() {
            let Some(text) = file.as_str() else { continue };
            let (key, relative) = crate::generator::file_source(text);
            let path = join_relative(dir, relative);
            match path.as_deref().and_then(|p| read_text(files, p)) {
                Some(content) => {
                    if let Some(path) = path {
                        self.used_files.insert(path);
                    }
                    data.insert(key, content);
                }
                None => {
                    let location = Location::new(kustomization, file.span);
                    self.missing_entry(files.tree, "files", text, path.as_deref(), location);
                }
            }
        }
        data
    }

    /// The transformers of one kustomization, in kustomize's order.
    fn transform(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        document: &Yaml,
        built: &mut Built,
    ) {
        let objects = &mut built.objects;
        let mut strategic = Vec::new();
        for entry in document
            .get("patchesStrategicMerge")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let Some(text) = entry.as_str() else { continue };
            let patches = if text.contains('\n') || text.contains(": ") {
                inline_patches(files, kustomization, entry)
            } else {
                self.file_patches(files, dir, kustomization, entry)
            };
            self.report_patch_problems(&patches);
            strategic.extend(patches.into_iter().map(|(p, f)| (p, f, None)));
        }
        let refused = apply_patches(objects, &strategic);
        self.report_refused_patches(refused);
        let patches = self.patch_entries(files, dir, kustomization, document.get("patches"));
        let refused = apply_patches(objects, &patches);
        self.report_refused_patches(refused);
        if let Some(namespace) = document.get("namespace")
            && let Some(text) = namespace.as_str().filter(|ns| !ns.is_empty())
        {
            let origin = Location::new(kustomization, namespace.span);
            for object in objects.iter_mut() {
                set_namespace_from(object, text, Some(&origin));
            }
        }
        for (field, is_prefix) in [("namePrefix", true), ("nameSuffix", false)] {
            let Some(affix) = document
                .get(field)
                .and_then(Yaml::scalar_text)
                .filter(|a| !a.is_empty())
            else {
                continue;
            };
            for object in objects.iter_mut() {
                if matches!(
                    object.kind.as_str(),
                    "Namespace" | "CustomResourceDefinition" | "APIService"
                ) {
                    continue;
                }
                let renamed = if is_prefix {
                    object.prefixes.push(affix.to_string());
                    format!("{affix}{}", object.name)
                } else {
                    object.suffixes.push(affix.to_string());
                    format!("{}{affix}", object.name)
                };
                object.rename(renamed);
                // Further fields a `configurations:` file lists for the affix.
                let extra = if is_prefix {
                    &built.config.name_prefix
                } else {
                    &built.config.name_suffix
                };
                for spec in extra {
                    if spec.path == ["metadata", "name"]
                        || !spec.selects(&object.api_version, &object.kind)
                    {
                        continue;
                    }
                    field_spec::visit(
                        Arc::make_mut(&mut object.doc),
                        spec,
                        false,
                        object.name_span,
                        &mut |node, _| {
                            if let Some(text) = node.scalar_text().map(|t| t.into_owned()) {
                                node.value = YamlValue::String(if is_prefix {
                                    format!("{affix}{text}")
                                } else {
                                    format!("{text}{affix}")
                                });
                            }
                        },
                    );
                }
            }
        }
        metadata_transformers::apply_kustomization_metadata(
            objects,
            document,
            kustomization,
            &built.config,
        );
        let json6902 =
            self.patch_entries(files, dir, kustomization, document.get("patchesJson6902"));
        let refused = apply_patches(objects, &json6902);
        self.report_refused_patches(refused);
        apply_replicas(objects, document, kustomization);
        let images: Vec<ImageOverride> = document
            .get("images")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                let text = |key: &str| {
                    entry
                        .get(key)
                        .and_then(|v| v.scalar_text().map(|t| (t.into_owned(), v.span)))
                        .filter(|(t, _)| !t.is_empty())
                };
                Some(ImageOverride {
                    name: text("name")?.0,
                    new_name: text("newName"),
                    new_tag: text("newTag"),
                    digest: text("digest"),
                })
            })
            .collect();
        if !images.is_empty() {
            for object in objects.iter_mut() {
                let BuiltObject { doc, patched, .. } = object;
                // Most objects hold no image the list names: they stay shared.
                edit_shared(doc, |doc| {
                    apply_images(doc, &images, kustomization, &mut Vec::new(), patched, false);
                });
            }
        }
        self.replace(files, dir, kustomization, document, objects);
        self.external_transformers(files, dir, kustomization, document, objects);
    }

    /// The kustomization's `replacements`, inline or from files.
    fn replace(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        document: &Yaml,
        objects: &mut [BuiltObject],
    ) {
        let mut replacements: Vec<(replacements::Replacement, String)> = Vec::new();
        for entry in document
            .get("replacements")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            if let Some(path) = entry.get("path").and_then(Yaml::as_str) {
                let Some(target) = join_relative(dir, path).filter(|p| files.tree.is_file(p))
                else {
                    let location = Location::new(kustomization, entry.span);
                    let target = join_relative(dir, path);
                    self.missing_entry(
                        files.tree,
                        "replacements",
                        path,
                        target.as_deref(),
                        location,
                    );
                    continue;
                };
                self.used_files.insert(target.clone());
                for document in files
                    .get(&target)
                    .map(|f| f.documents.clone())
                    .unwrap_or_default()
                {
                    let items = if document.as_seq().is_empty() {
                        vec![(*document).clone()]
                    } else {
                        document.as_seq().to_vec()
                    };
                    replacements.extend(
                        items
                            .iter()
                            .filter_map(replacements::Replacement::from_yaml)
                            .map(|r| (r, target.clone())),
                    );
                }
            } else if let Some(replacement) = replacements::Replacement::from_yaml(entry) {
                replacements.push((replacement, kustomization.to_string()));
            }
        }
        for (replacement, file) in replacements {
            if let Err(problem) = replacement.apply(objects) {
                self.diagnostics.push(
                    Diagnostic::new(Code::KustomizeResourceMissing, problem)
                        .at(Location::new(file, replacement.span))
                        .help("kustomize build fails on this replacement: fix its source or target selector, or its field paths"),
                );
            }
        }
    }

    /// The built-in label and annotation transformers configured in the
    /// files of `transformers:`; other transformers are not run.
    fn external_transformers(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        document: &Yaml,
        objects: &mut [BuiltObject],
    ) {
        for entry in document
            .get("transformers")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let Some(text) = entry.as_str() else { continue };
            if text.contains('\n') || is_remote_entry(text) {
                continue;
            }
            let path = join_relative(dir, text);
            let Some(path) = path.filter(|p| files.tree.is_file(p) || files.tree.is_dir(p)) else {
                let location = Location::new(kustomization, entry.span);
                let target = join_relative(dir, text);
                self.missing_entry(
                    files.tree,
                    "transformers",
                    text,
                    target.as_deref(),
                    location,
                );
                continue;
            };
            if !files.tree.is_file(&path) {
                continue;
            }
            self.used_files.insert(path.clone());
            for config in files
                .get(&path)
                .map(|f| f.documents.clone())
                .unwrap_or_default()
            {
                metadata_transformers::apply_builtin_transformer(objects, &config, &path);
            }
        }
    }

    /// The entries of a `patches:` or `patchesJson6902:` list: each patch
    /// with the file its text is in and its target.
    fn patch_entries(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        list: Option<&Yaml>,
    ) -> Vec<(Patch, String, Option<Selector>)> {
        let mut out = Vec::new();
        for entry in list.map(Yaml::as_seq).unwrap_or_default() {
            let target = entry.get("target").map(Selector::from_yaml);
            let patches = if let Some(inline) = entry.get("patch") {
                inline_patches(files, kustomization, inline)
            } else if let Some(path) = entry.get("path") {
                self.file_patches(files, dir, kustomization, path)
            } else {
                Vec::new()
            };
            self.report_patch_problems(&patches);
            out.extend(patches.into_iter().map(|(p, f)| (p, f, target.clone())));
        }
        out
    }

    /// Findings for patches kustomize refuses on the objects they target.
    fn report_refused_patches(&mut self, refused: Vec<(String, Span, String)>) {
        for (file, span, message) in refused {
            self.diagnostics.push(
                Diagnostic::new(Code::KustomizeResourceMissing, message)
                    .at(Location::new(file, span))
                    .help("kustomize build fails on this patch: fix the path or name it uses, or remove the operation"),
            );
        }
    }

    /// Findings for the patches kustomize would reject.
    fn report_patch_problems(&mut self, patches: &[(Patch, String)]) {
        for (patch, file) in patches {
            for (span, problem) in patch.problems() {
                self.diagnostics.push(
                    Diagnostic::new(Code::KustomizeResourceMissing, problem)
                        .at(Location::new(file, span))
                        .help("kustomize build fails on this patch: fix the operation (RFC 6902 lists the fields each `op` needs)"),
                );
            }
        }
    }

    /// The patches written in the file `entry` names (relative to `dir`);
    /// a missing file is a finding, as kustomize build fails on it.
    fn file_patches(
        &mut self,
        files: &YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
        entry: &Yaml,
    ) -> Vec<(Patch, String)> {
        let Some(relative) = entry.as_str() else {
            return Vec::new();
        };
        let path = join_relative(dir, relative);
        let Some(path) = path.filter(|p| files.tree.is_file(p)) else {
            let location = Location::new(kustomization, entry.span);
            let target = join_relative(dir, relative);
            self.missing_entry(files.tree, "patch", relative, target.as_deref(), location);
            return Vec::new();
        };
        self.used_files.insert(path.clone());
        let Some(parsed) = files.get(&path) else {
            return Vec::new();
        };
        parsed
            .documents
            .iter()
            .filter_map(|document| Patch::from_document(document))
            .map(|p| (p, path.clone()))
            .collect()
    }

    fn build_generated(&mut self, files: &YamlFiles<'_>, dir: &str) -> Built {
        let tree = files.tree;
        let mut units: BTreeSet<String> = BTreeSet::new();
        let mut loose: Vec<String> = Vec::new();
        for file in tree.files_under(dir) {
            if self.ignored.contains(file) {
                continue;
            }
            match outermost_kustomize_unit(tree, dir, parent_dir(file)) {
                Some(unit) => {
                    units.insert(unit);
                }
                None if is_yaml_path(file) => loose.push(file.to_string()),
                None => {}
            }
        }
        let mut objects = Vec::new();
        let mut config = TransformerConfig::default();
        for file in loose {
            objects.extend(self.file_objects(files, &file, false));
        }
        for unit in units {
            let nested = self.build_nested(files, &unit);
            objects.extend(nested.built.objects.iter().cloned());
            config.merge(&nested.built.config);
        }
        Built { objects, config }
    }

    /// The objects written in one file. In a kustomize `resources` file
    /// (`strict`) every non-empty document must be an object; in a directory
    /// Flux generates a kustomization for, documents without `apiVersion` and
    /// `kind` (values files, `.sops.yaml`) are not manifests and are skipped.
    /// The objects of one manifest file as a bootstrap step applies it
    /// (`kubectl apply -f FILE`).
    pub(crate) fn manifest_file_objects(
        &mut self,
        files: &YamlFiles<'_>,
        path: &str,
    ) -> Vec<BuiltObject> {
        self.file_objects(files, path, false)
    }

    fn file_objects(
        &mut self,
        files: &YamlFiles<'_>,
        path: &str,
        strict: bool,
    ) -> Vec<BuiltObject> {
        let Some(parsed) = files.get(path) else {
            return Vec::new();
        };
        let mut objects = Vec::new();
        for (index, document) in parsed.documents.iter().enumerate() {
            if document.is_null() {
                continue;
            }
            let api_version = document
                .get("apiVersion")
                .and_then(Yaml::as_str)
                .filter(|s| !s.is_empty());
            let kind = document
                .get("kind")
                .and_then(Yaml::as_str)
                .filter(|s| !s.is_empty());
            let name = document
                .path("metadata.name")
                .filter(|n| n.scalar_text().is_some_and(|t| !t.is_empty()));
            match (api_version, kind, name) {
                (Some(api_version), Some(kind), Some(name)) => {
                    let is_cluster_scoped = self.scopes.is_cluster_scoped_object(api_version, kind);
                    let namespace = document
                        .path("metadata.namespace")
                        .and_then(Yaml::scalar_text)
                        .filter(|ns| !ns.is_empty() && !is_cluster_scoped)
                        .map(|ns| ns.into_owned());
                    let name_text = name
                        .scalar_text()
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    objects.push(BuiltObject {
                        file: path.to_string(),
                        document: index,
                        api_version: api_version.to_string(),
                        kind: kind.to_string(),
                        name: name_text.clone(),
                        namespace: namespace.clone(),
                        name_span: name.span,
                        doc: document.clone(),
                        patched: Vec::new(),
                        generated: false,
                        written_id: (name_text.clone(), namespace.clone()),
                        needs_hash: false,
                        secret_values: None,
                        previous_ids: Vec::new(),
                        cluster_scoped: is_cluster_scoped,
                        prefixes: Vec::new(),
                        suffixes: Vec::new(),
                    });
                }
                (api_version, kind, name) => {
                    // Written but of the wrong type (`kind: 5`) is an object
                    // the API server rejects, not a values file.
                    let written = |key: &str| document.get(key).is_some_and(|v| !v.is_null());
                    let looks_like_object = written("apiVersion") && written("kind");
                    if !strict && !looks_like_object {
                        continue;
                    }
                    let missing: Vec<&str> = [
                        (api_version.is_none() && !written("apiVersion")).then_some("`apiVersion`"),
                        (kind.is_none() && !written("kind")).then_some("`kind`"),
                        (name.is_none()
                            && document.get("metadata").is_none_or(|m| {
                                matches!(m.value, YamlValue::Map(_) | YamlValue::Null)
                            }))
                        .then_some("`metadata.name`"),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    let mut wrong: Vec<String> = Vec::new();
                    let mut wrong_span = None;
                    for (key, ok) in [
                        ("apiVersion", api_version.is_some()),
                        ("kind", kind.is_some()),
                    ] {
                        if let Some(value) = document.get(key).filter(|v| !ok && !v.is_null()) {
                            wrong_span = wrong_span.or(Some(value.span));
                            wrong.push(match value.value {
                                YamlValue::String(_) => format!("`{key}` is empty"),
                                _ => format!("`{key}` is {}, not a string", type_of(value)),
                            });
                        }
                    }
                    match document.get("metadata") {
                        Some(m) if !matches!(m.value, YamlValue::Map(_) | YamlValue::Null) => {
                            wrong_span = wrong_span.or(Some(m.span));
                            wrong.push(format!("`metadata` is {}, not a map", type_of(m)));
                        }
                        _ => {}
                    }
                    let mut problems = Vec::new();
                    if !missing.is_empty() {
                        problems.push(format!("it has no {}", missing.join(", ")));
                    }
                    problems.extend(wrong);
                    // Point at the value of the wrong type, else at the first
                    // key rather than the whole document, so the finding
                    // reads as "this document".
                    let span = wrong_span.unwrap_or_else(|| {
                        document
                            .entries()
                            .first()
                            .map_or(document.span, |(key, _)| key.span)
                    });
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::YamlNotAnObject,
                            format!(
                                "document {} of `{path}` is not a Kubernetes object: {}",
                                index + 1,
                                problems.join("; ")
                            ),
                        )
                        .at(Location::new(path, span))
                        .help("give the document `apiVersion`, `kind` and `metadata.name`, or move it out of the directory kustomize builds"),
                    );
                }
            }
        }
        objects
    }
}

/// What a YAML value is, for a finding: `a number`, `a list`, `empty`.
fn type_of(value: &Yaml) -> &'static str {
    match value.value {
        YamlValue::Null => "empty",
        YamlValue::Bool(_) => "a boolean",
        YamlValue::Int(_) | YamlValue::Float(_) => "a number",
        YamlValue::String(_) => "a string",
        YamlValue::Seq(_) => "a list",
        YamlValue::Map(_) => "a map",
    }
}

/// kustomize's `namespace:` override: every namespaced object moves into
/// `namespace`, and a core `v1` Namespace object is renamed to it. The
/// document's `metadata.namespace` gets the span of `origin` (the
/// override's value), recorded as patched.
pub(crate) fn set_namespace_from(
    object: &mut BuiltObject,
    namespace: &str,
    origin: Option<&Location>,
) {
    object.store_previous_id();
    if object.kind == "Namespace" && object.api_version == "v1" {
        object.name = namespace.to_string();
        set_string(
            Arc::make_mut(&mut object.doc),
            &["metadata", "name"],
            namespace,
        );
    }
    if !object.cluster_scoped {
        object.namespace = Some(namespace.to_string());
        let span = origin.map_or(object.name_span, |o| o.span);
        let Some(metadata) = ensure_map(Arc::make_mut(&mut object.doc), "metadata", span) else {
            return;
        };
        let value = string(namespace, span);
        match metadata.value {
            YamlValue::Map(ref mut entries) => {
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.as_str() == Some("namespace"))
                {
                    Some((_, existing)) => *existing = value,
                    None => entries.push((key("namespace", span), value)),
                }
            }
            _ => return,
        }
        if let Some(origin) = origin {
            object.patched.retain(|p| p.path != "metadata.namespace");
            object.patched.push(PatchedValue {
                path: "metadata.namespace".to_string(),
                file: origin.file.clone(),
            });
        }
    }
}

/// kustomize's `replicas:` override: `spec.replicas` of the Deployments,
/// ReplicaSets, ReplicationControllers and StatefulSets with that name (any
/// name they had in the build).
fn apply_replicas(objects: &mut [BuiltObject], document: &Yaml, kustomization: &str) {
    for entry in document
        .get("replicas")
        .map(Yaml::as_seq)
        .unwrap_or_default()
    {
        let (Some(name), Some(count)) = (
            entry.get("name").and_then(Yaml::scalar_text),
            entry.get("count"),
        ) else {
            continue;
        };
        let Some(count_value) = count.as_i64() else {
            continue;
        };
        for object in objects.iter_mut() {
            if !matches!(
                object.kind.as_str(),
                "Deployment" | "ReplicaSet" | "ReplicationController" | "StatefulSet"
            ) || !(object.name == name
                || object.written_id.0 == name
                || object.previous_ids.iter().any(|(n, _)| *n == name))
            {
                continue;
            }
            let Some(spec) = ensure_map(Arc::make_mut(&mut object.doc), "spec", count.span) else {
                continue;
            };
            let YamlValue::Map(entries) = &mut spec.value else {
                continue;
            };
            let value = Yaml {
                value: YamlValue::Int(count_value),
                span: count.span,
            };
            match entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some("replicas"))
            {
                Some((_, existing)) => *existing = value,
                None => entries.push((key("replicas", count.span), value)),
            }
            object.patched.retain(|p| p.path != "spec.replicas");
            object.patched.push(PatchedValue {
                path: "spec.replicas".to_string(),
                file: kustomization.to_string(),
            });
        }
    }
}

/// The mapping at `field` of mapping `doc`, created when missing.
fn ensure_map<'a>(doc: &'a mut Yaml, field: &str, span: Span) -> Option<&'a mut Yaml> {
    if !doc.is_map() {
        *doc = map(Vec::new(), doc.span);
    }
    let index = match doc
        .entries()
        .iter()
        .position(|(k, _)| k.as_str() == Some(field))
    {
        Some(index) => index,
        None => {
            if let YamlValue::Map(entries) = &mut doc.value {
                entries.push((key(field, span), map(Vec::new(), span)));
            }
            doc.entries().len().saturating_sub(1)
        }
    };
    match &mut doc.value {
        YamlValue::Map(entries) if index < entries.len() => {
            let value = &mut entries[index].1;
            if !value.is_map() {
                *value = map(Vec::new(), value.span);
            }
            Some(value)
        }
        // Not reachable: `doc` was made a mapping with the entry above.
        _ => None,
    }
}

/// Sets the string at `path` (mapping keys) if it exists, keeping its span.
fn set_string(doc: &mut Yaml, path: &[&str], text: &str) {
    let mut node = doc;
    for segment in path {
        let YamlValue::Map(entries) = &mut node.value else {
            return;
        };
        let Some((_, next)) = entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(segment))
        else {
            return;
        };
        node = next;
    }
    node.value = YamlValue::String(text.to_string());
}

/// Whether `object` has (or had) name and namespace `wanted`, namespaces
/// compared as kustomize does (unset is `default`).
fn had_id(object: &BuiltObject, wanted: (&str, Option<&str>)) -> bool {
    std::iter::once((object.name.as_str(), object.namespace.as_deref()))
        .chain(
            object
                .previous_ids
                .iter()
                .map(|(n, ns)| (n.as_str(), ns.as_deref())),
        )
        .chain(std::iter::once((
            object.written_id.0.as_str(),
            object.written_id.1.as_deref(),
        )))
        .any(|(name, ns)| {
            name == wanted.0 && effective_namespace(ns) == effective_namespace(wanted.1)
        })
}

/// The namespace kustomize compares ids by: unset is `default`.
pub(crate) fn effective_namespace(namespace: Option<&str>) -> &str {
    namespace.filter(|n| !n.is_empty()).unwrap_or("default")
}

/// Adds the `labels` and `annotations` of generator options (in order, the
/// later winning) to a generated object's metadata.
fn merge_generator_metadata(doc: &mut Yaml, options: &[Option<&Yaml>], span: Span) {
    for field in ["labels", "annotations"] {
        let pairs: Vec<(Yaml, Yaml)> = options
            .iter()
            .flat_map(|o| {
                o.and_then(|o| o.get(field))
                    .map(Yaml::entries)
                    .unwrap_or_default()
                    .iter()
                    .cloned()
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let Some(metadata) = ensure_map(doc, "metadata", span) else {
            return;
        };
        let Some(target) = ensure_map(metadata, field, span) else {
            return;
        };
        let YamlValue::Map(entries) = &mut target.value else {
            return;
        };
        for (k, v) in pairs {
            match entries
                .iter_mut()
                .find(|(existing, _)| existing.value == k.value)
            {
                Some((_, existing)) => *existing = v,
                None => entries.push((k, v)),
            }
        }
    }
}

/// Writes a generated object's `data`: ConfigMap values as they are, Secret
/// values as null (never kept). `replace` drops the existing keys first.
fn set_data(
    doc: &mut Yaml,
    kind: &str,
    data: &BTreeMap<String, String>,
    span: Span,
    replace: bool,
) {
    let Some(field) = ensure_map(doc, "data", span) else {
        return;
    };
    let YamlValue::Map(entries) = &mut field.value else {
        return;
    };
    if replace {
        entries.clear();
    }
    for (name, value) in data {
        let value = if kind == "Secret" {
            Yaml::null(span)
        } else {
            string(value, span)
        };
        match entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name.as_str()))
        {
            Some((_, existing)) => *existing = value,
            None => entries.push((key(name, span), value)),
        }
    }
}

fn key(text: &str, span: Span) -> Yaml {
    string(text, span)
}

fn string(text: &str, span: Span) -> Yaml {
    Yaml {
        value: YamlValue::String(text.to_string()),
        span,
    }
}

fn map(entries: Vec<(Yaml, Yaml)>, span: Span) -> Yaml {
    Yaml {
        value: YamlValue::Map(entries),
        span,
    }
}

/// The text of any repository file (a generator input need not be YAML).
fn read_text(files: &YamlFiles<'_>, path: &str) -> Option<String> {
    if !files.tree.is_file(path) {
        return None;
    }
    let (file, problem) = files.tree.read(path);
    problem.is_none().then(|| file.text().to_string())
}

/// Applies patches (each with its file and target) to the objects they
/// select; a strategic merge patch without a target selects by its own
/// kind and name. An object a patch deletes leaves the build. Returns what
/// kustomize would refuse, with the file and span to point at: a strategic
/// merge patch without a target that matches no object, and JSON 6902
/// operations that do not apply to an object they target.
pub(crate) fn apply_patches(
    objects: &mut Vec<BuiltObject>,
    patches: &[(Patch, String, Option<Selector>)],
) -> Vec<(String, Span, String)> {
    let mut problems: Vec<(String, Span, String)> = Vec::new();
    for (patch, file, target) in patches {
        let implied = target.is_none();
        let Some(selector) = target.clone().or_else(|| patch.implied_selector()) else {
            continue;
        };
        let mut matched = false;
        let mut refused = Vec::new();
        objects.retain_mut(|object| {
            let (written_name, written_namespace) = &object.written_id;
            let selected = selector.matches(
                &object.api_version,
                &object.kind,
                &object.name,
                object.namespace.as_deref(),
                &object.doc,
            ) || selector.matches(
                &object.api_version,
                &object.kind,
                written_name,
                written_namespace.as_deref(),
                &object.doc,
            );
            if !selected {
                return true;
            }
            matched = true;
            patch.apply_reporting(
                Arc::make_mut(&mut object.doc),
                file,
                &mut object.patched,
                &mut refused,
            )
        });
        for (span, message) in refused {
            if !problems.iter().any(|(f, s, _)| f == file && *s == span) {
                problems.push((file.clone(), span, message));
            }
        }
        if implied
            && !matched
            && let Patch::StrategicMerge(doc) = patch
        {
            let kind = doc.get("kind").and_then(Yaml::as_str).unwrap_or("object");
            let name = doc
                .path("metadata.name")
                .and_then(Yaml::scalar_text)
                .unwrap_or_default();
            // Only report when no object of that kind ever had the name, in
            // any namespace: kustomize's namespace matching has defaults
            // this check need not second-guess.
            let named = objects.iter().any(|o| {
                o.kind == kind
                    && (o.name == name
                        || o.written_id.0 == name
                        || o.previous_ids.iter().any(|(n, _)| *n == name))
            });
            if named {
                continue;
            }
            let span = doc.path("metadata.name").map_or(doc.span, |n| n.span);
            problems.push((
                file.clone(),
                span,
                format!("this strategic merge patch names {kind} `{name}`, which the build does not have"),
            ));
        }
    }
    problems
}

/// The documents of an inline patch: the string value `node` written in
/// `file`. A block scalar is parsed in place, so every value keeps its span
/// in `file`; a quoted or plain scalar (escapes make positions uncertain),
/// or a block whose text a substitution changed (its lines no longer say
/// what Flux parses), is parsed on its own and every value points at the
/// whole scalar.
pub(crate) fn inline_patches(
    files: &YamlFiles<'_>,
    file: &str,
    node: &Yaml,
) -> Vec<(Patch, String)> {
    let Some(text) = node.as_str() else {
        return Vec::new();
    };
    let Some(documents) = files.embedded_documents(file, node.span, text, |source| {
        inline_documents(file, source, node.span, text)
    }) else {
        return Vec::new();
    };
    documents
        .iter()
        .filter_map(Patch::from_document)
        .map(|p| (p, file.to_string()))
        .collect()
}

/// See [`inline_patches`]: the documents of string `text`, written at
/// `span` of `source` (the text of `file`).
pub(crate) fn inline_documents(file: &str, source: &str, span: Span, text: &str) -> Vec<Yaml> {
    let written = source.get(span.start..span.end).unwrap_or("");
    let is_block = !written.starts_with(['"', '\'']) && written.contains('\n');
    let block = if is_block {
        block_documents(file, source, span)
    } else {
        None
    };
    // Only a substitution (of a `$` written there) makes `text` other than
    // what the block's lines say.
    if let Some(block) = block.as_ref().filter(|_| !written.contains('$')) {
        return block.clone();
    }
    let (mut documents, _) = parse_documents(&SourceFile::new(file, text));
    // A quoted scalar has escapes: every value points at the whole scalar.
    for document in &mut documents {
        map_spans(document, &|_| span);
    }
    match block {
        // The lines still say what the text says: their spans are exact.
        Some(block) if same_values(&block, &documents, span) => block,
        _ => documents,
    }
}

/// Whether `block` holds the values of `whole` (documents whose every span
/// is `span`).
fn same_values(block: &[Yaml], whole: &[Yaml], span: Span) -> bool {
    block.len() == whole.len()
        && block.iter().zip(whole).all(|(b, w)| {
            let mut b = b.clone();
            map_spans(&mut b, &|_| span);
            b == *w
        })
}

/// The documents of the block scalar written at `span` of `source`: the
/// values of its text on its own, as Flux parses it, at the spans parsing
/// `source` with everything but the scalar blanked out (byte for byte)
/// gives, so they are offsets into `source` itself. Only the scalar's
/// lines are parsed (a file holding many patches would be parsed whole for
/// each), and the end of the text stands for the end of `source`: a
/// collection that ends the patch spans to it. `None` when the scalar's
/// lines do not parse on their own.
fn block_documents(file: &str, source: &str, span: Span) -> Option<Vec<Yaml>> {
    let line_start = source.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    // Lines of spaces after the scalar belong to its value (its span
    // ends before them).
    let rest = source.get(span.end..)?;
    let blank_lines = rest.len() - rest.trim_start_matches([' ', '\n']).len();
    let end = span.end + rest[..blank_lines].rfind('\n').map_or(0, |i| i + 1);
    let mut window = String::with_capacity(end - line_start + 1);
    // What precedes the scalar on its first line, blanked.
    window.extend(std::iter::repeat_n(' ', span.start - line_start));
    window.push_str(&source[span.start..end]);
    // The rest of the file is blank: one line break is as good as many.
    window.push('\n');
    let end_of_text = window.len();
    let (mut documents, diagnostics) = parse_documents(&SourceFile::new(file, window));
    if !diagnostics.is_empty() {
        return None;
    }
    let place = |offset: usize| {
        if offset >= end_of_text {
            source.len()
        } else {
            offset + line_start
        }
    };
    for document in &mut documents {
        map_spans(document, &|span| {
            Span::new(place(span.start), place(span.end))
        });
    }
    Some(documents)
}

/// Every span of `node` and its children, as `place` maps it.
fn map_spans(node: &mut Yaml, place: &impl Fn(Span) -> Span) {
    node.span = place(node.span);
    match &mut node.value {
        YamlValue::Seq(items) => items.iter_mut().for_each(|i| map_spans(i, place)),
        YamlValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            map_spans(k, place);
            map_spans(v, place);
        }),
        _ => {}
    }
}

/// The image reference parts: name, then the `:tag`/`@digest` suffix as written.
pub fn split_image(image: &str) -> (&str, &str) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let end = without_digest[last_slash..]
        .find(':')
        .map_or(without_digest.len(), |i| last_slash + i);
    let end = if end == without_digest.len() {
        image.find('@').unwrap_or(image.len())
    } else {
        end
    };
    (&image[..end], &image[end..])
}

/// kustomize's image transformer: every `image` of a `containers` or
/// `initContainers` list anywhere in the document.
fn apply_images(
    node: &mut Yaml,
    images: &[ImageOverride],
    file: &str,
    path: &mut Vec<String>,
    patched: &mut Vec<PatchedValue>,
    in_containers: bool,
) {
    match &mut node.value {
        YamlValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                let Some(key_text) = key.scalar_text().map(|k| k.into_owned()) else {
                    continue;
                };
                path.push(key_text.clone());
                if in_containers && key_text == "image" {
                    rewrite_image(value, images, file, path, patched);
                } else {
                    let containers = matches!(key_text.as_str(), "containers" | "initContainers");
                    apply_images(value, images, file, path, patched, containers);
                }
                path.pop();
            }
        }
        YamlValue::Seq(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                path.push(index.to_string());
                // Only the items of a containers list are containers.
                if in_containers && item.is_map() {
                    let YamlValue::Map(entries) = &mut item.value else {
                        path.pop();
                        continue;
                    };
                    for (key, value) in entries.iter_mut() {
                        let Some(key_text) = key.scalar_text().map(|k| k.into_owned()) else {
                            continue;
                        };
                        path.push(key_text.clone());
                        if key_text == "image" {
                            rewrite_image(value, images, file, path, patched);
                        } else {
                            apply_images(value, images, file, path, patched, false);
                        }
                        path.pop();
                    }
                } else {
                    apply_images(item, images, file, path, patched, false);
                }
                path.pop();
            }
        }
        _ => {}
    }
}

fn rewrite_image(
    value: &mut Yaml,
    images: &[ImageOverride],
    file: &str,
    path: &[String],
    patched: &mut Vec<PatchedValue>,
) {
    let Some(current) = value.as_str().map(str::to_string) else {
        return;
    };
    let (name, suffix) = split_image(&current);
    let Some(rule) = images.iter().find(|i| i.name == name) else {
        return;
    };
    let new_name = rule.new_name.as_ref().map_or(name, |(n, _)| n.as_str());
    let (new_suffix, span) = match (&rule.digest, &rule.new_tag) {
        (Some((digest, span)), _) => (format!("@{digest}"), Some(*span)),
        (None, Some((tag, span))) => (format!(":{tag}"), Some(*span)),
        (None, None) => (suffix.to_string(), None),
    };
    let span = span.or(rule.new_name.as_ref().map(|(_, s)| *s));
    value.value = YamlValue::String(format!("{new_name}{new_suffix}"));
    if let Some(span) = span {
        value.span = span;
        let path = path.join(".");
        patched.retain(|p| p.path != path);
        patched.push(PatchedValue {
            path,
            file: file.to_string(),
        });
    }
}

/// For a file in directory `file_dir` below the generated directory `root`,
/// the outermost directory strictly below `root` (up to `file_dir` itself)
/// that has a kustomization file: Flux's generator includes that directory
/// as a unit and does not descend into it.
fn outermost_kustomize_unit(tree: &RepoTree, root: &str, file_dir: &str) -> Option<String> {
    if file_dir == root {
        return None;
    }
    let relative = if root.is_empty() {
        file_dir
    } else {
        file_dir.strip_prefix(root)?.strip_prefix('/')?
    };
    let mut current = root.to_string();
    for segment in relative.split('/') {
        current = join_path(&current, segment);
        if kustomization_file(tree, &current).is_some() {
            return Some(current);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_entries_are_recognised() {
        assert!(is_remote_entry(
            "https://github.com/fluxcd/flux2/manifests/install?ref=v2.4.0"
        ));
        assert!(is_remote_entry(
            "github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.2.0"
        ));
        assert!(is_remote_entry("git@github.com:org/repo.git//deploy"));
        assert!(!is_remote_entry("../base/jellyfin"));
        assert!(!is_remote_entry("helmrelease.yaml"));
    }

    #[test]
    fn namespace_override_renames_v1_namespaces_only() {
        let mut ns = BuiltObject {
            file: "a.yaml".into(),
            document: 0,
            api_version: "v1".into(),
            kind: "Namespace".into(),
            name: "foo".into(),
            namespace: None,
            name_span: Span::default(),
            doc: Yaml::null(Span::default()).into(),
            patched: Vec::new(),
            generated: false,
            written_id: ("foo".into(), None),
            needs_hash: false,
            secret_values: None,
            previous_ids: Vec::new(),
            cluster_scoped: true,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
        };
        set_namespace_from(&mut ns, "media", None);
        assert_eq!((ns.name.as_str(), ns.namespace.as_deref()), ("media", None));
        let mut role = BuiltObject {
            kind: "ClusterRole".into(),
            api_version: "rbac.authorization.k8s.io/v1".into(),
            name: "r".into(),
            ..ns.clone()
        };
        set_namespace_from(&mut role, "media", None);
        assert_eq!((role.name.as_str(), role.namespace.as_deref()), ("r", None));
        let mut cm = BuiltObject {
            kind: "ConfigMap".into(),
            name: "c".into(),
            namespace: Some("x".into()),
            cluster_scoped: false,
            ..ns
        };
        set_namespace_from(&mut cm, "media", None);
        assert_eq!(cm.namespace.as_deref(), Some("media"));
    }

    #[test]
    fn flux_target_namespace_joins_a_release_and_its_generated_values() {
        // A generator entry with its own namespace and a HelmRelease without
        // one: only Flux's `targetNamespace` puts them in one namespace, and
        // kustomize then renames the reference (checked with kubectl by
        // adding `namespace: media` to the kustomization).
        let dir = tempfile::tempdir().expect("temp dir");
        let app = dir.path().join("app");
        std::fs::create_dir_all(&app).expect("app dir");
        let write = |name: &str, text: &str| std::fs::write(app.join(name), text).expect("write");
        write(
            "kustomization.yaml",
            "resources:\n  - helmrelease.yaml\nconfigMapGenerator:\n  - name: web-values\n    namespace: media\n    literals:\n      - replicas=2\nconfigurations:\n  - kustomizeconfig.yaml\n",
        );
        write(
            "kustomizeconfig.yaml",
            "nameReference:\n  - kind: ConfigMap\n    version: v1\n    fieldSpecs:\n      - path: spec/valuesFrom/name\n        kind: HelmRelease\n",
        );
        write(
            "helmrelease.yaml",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  valuesFrom:\n    - kind: ConfigMap\n      name: web-values\n",
        );
        let tree = RepoTree::scan(dir.path()).expect("scan");
        let values_name = |objects: &[BuiltObject]| {
            objects
                .iter()
                .find(|o| o.kind == "HelmRelease")
                .and_then(|o| o.doc.path("spec.valuesFrom.0.name"))
                .and_then(Yaml::as_str)
                .map(str::to_string)
        };
        let files = YamlFiles::parse_all(&tree);
        let plain = Builder::new().build_dir(&files, "app");
        assert_eq!(values_name(&plain).as_deref(), Some("web-values"));
        let origin = Location::new("ks.yaml", Span::default());
        let files = YamlFiles::parse_all(&tree);
        let flux = Builder::new()
            .build_for_flux(&files, "app", &[], &[], Some(("media", &origin)))
            .objects;
        assert_eq!(values_name(&flux).as_deref(), Some("web-values-dt79f5gthg"));
        assert!(flux.iter().all(|o| o.namespace.as_deref() == Some("media")));
    }

    #[test]
    fn a_fork_is_adopted_unless_its_wave_built_its_includes_first() {
        // Two directories including one base with a missing entry: built
        // on two forks, the first is adopted (its findings with it); the
        // second built the base too, which one thread would have reused
        // without reporting it again, so it is refused and built again.
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "base/kustomization.yaml",
            "resources:\n  - cm.yaml\n  - missing.yaml\n",
        );
        write(
            "base/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        );
        write(
            "a/kustomization.yaml",
            "namespace: a\nresources:\n  - ../base\n",
        );
        write(
            "b/kustomization.yaml",
            "namespace: b\nresources:\n  - ../base\n",
        );
        let tree = RepoTree::scan(dir.path()).expect("scan");
        let files = YamlFiles::parse_all(&tree);
        let mut builder = Builder::new();
        let (mut first, mut second) = (builder.fork(), builder.fork());
        let from_first = first.build_dir(&files, "a");
        let from_second = second.build_dir(&files, "b");
        let missing = |b: &Builder| {
            b.diagnostics
                .iter()
                .filter(|d| d.code == Code::KustomizeResourceMissing)
                .count()
        };
        assert_eq!((missing(&first), missing(&second)), (1, 1));
        assert!(builder.adopt(first));
        assert!(!builder.adopt(second));
        let again = builder.build_dir(&files, "b");
        assert_eq!(missing(&builder), 1, "the base's finding, once");
        let names = |objects: &[BuiltObject]| {
            objects
                .iter()
                .map(|o| (o.name.clone(), o.namespace.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&again), names(&from_second));
        assert_eq!(
            names(&from_first),
            [("c".to_string(), Some("a".to_string()))]
        );
    }

    /// The definition [`block_documents`] keeps to: the whole file parsed
    /// with everything but the scalar blanked, byte for byte.
    fn masked_documents(source: &str, span: Span) -> Option<Vec<Yaml>> {
        let masked: String = source
            .char_indices()
            .map(|(i, c)| {
                if (span.start..span.end).contains(&i) || c == '\n' {
                    c.to_string()
                } else {
                    " ".repeat(c.len_utf8())
                }
            })
            .collect();
        let (documents, diagnostics) = parse_documents(&SourceFile::new("k.yaml", masked));
        diagnostics.is_empty().then_some(documents)
    }

    /// Every span of `node`, in document order.
    fn spans_of(node: &Yaml, out: &mut Vec<Span>) {
        out.push(node.span);
        match &node.value {
            YamlValue::Seq(items) => items.iter().for_each(|i| spans_of(i, out)),
            YamlValue::Map(entries) => entries.iter().for_each(|(k, v)| {
                spans_of(k, out);
                spans_of(v, out);
            }),
            _ => {}
        }
    }

    /// Every block scalar under a `patch:` key of `source`, parsed by
    /// [`block_documents`]: the values of its text parsed on its own (as
    /// Flux parses it), at the spans of [`masked_documents`]. Returns how
    /// many block patches there are.
    pub(crate) fn assert_block_patches_parse_as_if_masked(source: &str) -> usize {
        fn patches<'a>(node: &'a Yaml, out: &mut Vec<&'a Yaml>) {
            match &node.value {
                YamlValue::Seq(items) => items.iter().for_each(|i| patches(i, out)),
                YamlValue::Map(entries) => {
                    for (key, value) in entries {
                        if key.as_str() == Some("patch") && value.as_str().is_some() {
                            out.push(value);
                        }
                        patches(value, out);
                    }
                }
                _ => {}
            }
        }
        let spans = |documents: &[Yaml]| {
            let mut out = Vec::new();
            documents.iter().for_each(|d| spans_of(d, &mut out));
            out
        };
        let (documents, _) = parse_documents(&SourceFile::new("k.yaml", source));
        let mut found = Vec::new();
        documents.iter().for_each(|d| patches(d, &mut found));
        let mut blocks = 0;
        for patch in &found {
            let written = &source[patch.span.start..patch.span.end];
            if written.starts_with(['"', '\'']) || !written.contains('\n') {
                continue;
            }
            blocks += 1;
            let windowed = block_documents("k.yaml", source, patch.span);
            let masked = masked_documents(source, patch.span);
            assert_eq!(windowed.is_some(), masked.is_some(), "{source}");
            let (Some(windowed), Some(masked)) = (windowed, masked) else {
                continue;
            };
            assert_eq!(
                spans(&windowed),
                spans(&masked),
                "spans of {:?} in:\n{source}",
                patch.span
            );
            let text = patch.as_str().unwrap_or_default();
            let (on_its_own, _) = parse_documents(&SourceFile::new("k.yaml", text));
            let values = |documents: &[Yaml]| {
                let mut documents = documents.to_vec();
                documents
                    .iter_mut()
                    .for_each(|d| map_spans(d, &|_| Span::at(0)));
                documents
            };
            assert_eq!(
                values(&windowed),
                values(&on_its_own),
                "values of {:?} in:\n{source}",
                patch.span
            );
        }
        blocks
    }

    #[test]
    fn a_block_patch_parses_as_if_the_rest_of_its_file_were_blank() {
        let cases = [
            // A mapping that ends the patch, then another entry.
            "spec:\n  patches:\n    - patch: |-\n        spec:\n          values:\n            a: 1\n      target:\n        kind: HelmRelease\n    - patch: |\n        - op: add\n          path: /x\n          value: é\n",
            // The patch ends the file, with no line break.
            "spec:\n  patches:\n    - patch: |\n        - op: replace\n          path: /spec/x\n          value: [1, 2]",
            // Multi-byte text before and after; two documents in one patch.
            "# ünïcödé\nspec:\n  patches:\n    - patch: |\n        a: ä\n        ---\n        b:\n          - c\n    - target: {kind: Ö}\n# ende ß\n",
            // Blank lines inside and after the patch, a nested block scalar.
            "patches:\n  - patch: |-\n      kind: ConfigMap\n\n      data:\n        k: |\n          line\n\n\n  - path: x.yaml\n",
            // A line of spaces ends the patch, more than a nested block's
            // indentation: the value keeps it, as in the text on its own.
            "patches:\n  - patch: |\n      - op: add\n        value:\n          patch: |-\n            kind: X\n                 \n  - target:\n      kind: Kustomization\n",
            // A second document of the file after the patch.
            "patches:\n- patch: |\n    a:\n      b: c\n---\nkind: X\n",
        ];
        for case in cases {
            assert!(assert_block_patches_parse_as_if_masked(case) > 0, "{case}");
        }
    }

    #[test]
    fn inline_patches_keep_spans_in_the_file_that_holds_them() {
        let source = "spec:\n  patches:\n    - patch: |-\n        spec:\n          sourceRef:\n            name: flux-system\n    - patch: \"spec:\\n  wait: true\"\n";
        let (documents, _) = parse_documents(&SourceFile::new("k.yaml", source));
        let block = documents[0]
            .path("spec.patches.0.patch")
            .expect("block patch");
        let parsed = inline_documents("k.yaml", source, block.span, block.as_str().unwrap_or(""));
        let name = parsed[0].path("spec.sourceRef.name").expect("name");
        assert_eq!(&source[name.span.start..name.span.end], "flux-system");
        // A quoted patch has escapes: every value points at the whole scalar.
        let quoted = documents[0]
            .path("spec.patches.1.patch")
            .expect("quoted patch");
        let parsed = inline_documents("k.yaml", source, quoted.span, quoted.as_str().unwrap_or(""));
        let wait = parsed[0].path("spec.wait").expect("wait");
        assert_eq!(wait.as_bool(), Some(true));
        assert_eq!(wait.span, quoted.span);
    }

    #[test]
    fn images_split_at_the_tag_not_the_registry_port() {
        assert_eq!(split_image("nginx:1.27"), ("nginx", ":1.27"));
        assert_eq!(
            split_image("registry.local:5000/app/x@sha256:00"),
            ("registry.local:5000/app/x", "@sha256:00")
        );
        assert_eq!(
            split_image("registry.local:5000/app"),
            ("registry.local:5000/app", "")
        );
        assert_eq!(split_image("a:1@sha256:00"), ("a", ":1@sha256:00"));
    }
}
