//! The walk: from each sync root, every Flux Kustomization followed through
//! `spec.path`, each build transformed as the applying Kustomization does.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use rayon::prelude::*;

use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree, Span, join_relative};

use crate::artifacts::GeneratedArtifact;
use crate::files::YamlFiles;
use crate::flux_kinds::{GIT_REPOSITORY, api_group, is_flux_kustomization};
use crate::kustomize::{self, Builder, BuiltObject, FluxBuild};
use crate::model::*;
use crate::patch::{Patch, Selector};
use crate::references::*;
use crate::resource_sets::{self, ResourceSetInputs};
use crate::substitute::{self, Variables};
use crate::sync_roots::*;
use crate::variables::*;
use crate::yaml::{Yaml, YamlValue};

/// What reading needs across both passes.
pub(crate) struct Reader<'t> {
    pub(crate) tree: &'t RepoTree,
    pub(crate) files: YamlFiles<'t>,
    pub(crate) builder: Builder,
    /// The declared sync roots, in the order they are walked.
    pub(crate) roots: Vec<DeclaredRoot>,
    /// `clusters/<name>` directories, walked when no root reaches them.
    pub(crate) cluster_dirs: Vec<String>,
    /// The sources that are this repository: the roots' sources, and the
    /// sources whose URL is a root's URL.
    pub(crate) repository_sources: BTreeSet<NodeId>,
    /// The files and directories bootstrap tooling applies (see
    /// [`crate::bootstrap::bootstrap_reads`]).
    pub(crate) bootstrap_reads: BTreeSet<String>,
    /// The ExternalArtifacts ArtifactGenerators declare.
    pub(crate) artifacts: BTreeMap<NodeId, GeneratedArtifact>,
    /// Each root source's directory in the repository.
    pub(crate) source_roots: BTreeMap<NodeId, String>,
    /// The repository's ResourceSetInputProviders.
    pub(crate) providers: resource_sets::Providers,
    /// The first walk's builds, for the second.
    pub(crate) builds: BuildMemo,
}

/// The builds of the first walk, kept for the second when there is one
/// (`substituteFrom`): substitution changes what a build's objects become,
/// not what a Kustomization with the same directory, components and
/// target namespace builds. Only what substitution changed is built again.
pub(crate) struct BuildMemo {
    /// Whether builds are kept now.
    keeping: bool,
    kept: HashMap<BuildKey, FluxBuild>,
}

/// What a Flux Kustomization's build depends on, but for the repository.
#[derive(PartialEq, Eq, Hash)]
struct BuildKey {
    dir: String,
    components: Vec<(String, Location)>,
    target_namespace: Option<(String, Location)>,
}

impl BuildMemo {
    /// A memo that keeps the builds of the walk to come, or none.
    pub(crate) fn keeping(keeping: bool) -> Self {
        BuildMemo {
            keeping,
            kept: HashMap::new(),
        }
    }

    /// Stops keeping builds; the kept ones are now handed out.
    pub(crate) fn replay(&mut self) {
        self.keeping = false;
    }

    /// Forgets every kept build.
    pub(crate) fn clear(&mut self) {
        self.kept = HashMap::new();
    }

    /// Keeps the first build of `key`, while keeping (the key is made
    /// only then: most trees keep nothing).
    fn keep(&mut self, key: impl FnOnce() -> BuildKey, build: &FluxBuild) {
        if self.keeping {
            self.kept.entry(key()).or_insert_with(|| build.clone());
        }
    }

    /// The kept build of `key`, once replaying: each is handed out once,
    /// and a directory the first walk built several times with the same
    /// key is built again for the other times (only its first build is
    /// kept).
    fn take(&mut self, key: impl FnOnce() -> BuildKey) -> Option<FluxBuild> {
        if self.keeping || self.kept.is_empty() {
            return None;
        }
        self.kept.remove(&key())
    }
}

/// One Kustomization waiting to be followed.
struct Queued {
    kustomization: QueuedKustomization,
    /// The source root its `spec.path` resolves against.
    root: String,
    /// The cluster it belongs to.
    cluster: String,
}

enum QueuedKustomization {
    /// An object already among the results.
    Object(usize),
    /// A bootstrap Kustomization, which its own build will add.
    Root(Box<K8sObject>),
}

/// What one pass produces.
pub(crate) struct Walked {
    pub(crate) objects: Vec<K8sObject>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The roots actually walked (a cluster directory another root reached
    /// is not one).
    pub(crate) roots: Vec<SyncRoot>,
    /// Every directory built.
    pub(crate) built_dirs: BTreeSet<String>,
    /// The files of builds kustomize refuses (reached, not applied).
    pub(crate) refused_files: BTreeSet<String>,
    /// Builds that name a file which is not there.
    pub(crate) incomplete: Vec<IncompleteBuild>,
}

/// The walk's working state.
struct Walk {
    objects: Vec<K8sObject>,
    diagnostics: Vec<Diagnostic>,
    queue: VecDeque<Queued>,
    /// (cluster, Kustomization, directory) already built.
    visited: HashSet<(String, NodeId, String)>,
    /// Every directory built, in any cluster.
    built_dirs: BTreeSet<String>,
    /// The files of builds kustomize refuses.
    refused_files: BTreeSet<String>,
    /// Builds that name a file which is not there.
    incomplete: Vec<IncompleteBuild>,
}

/// One pass over the tree: every sync root, then every Kustomization it
/// leads to, breadth first; then the `clusters/<name>` directories that no
/// root reached.
pub(crate) fn walk(reader: &mut Reader<'_>, index: &VarIndex) -> Walked {
    let mut state = Walk {
        // About one object per document: sized once rather than doubled,
        // since every doubling of a list this large leaves the old block
        // behind (a tree of 160k objects: about 100 MB).
        objects: Vec::with_capacity(reader.files.document_count()),
        diagnostics: Vec::new(),
        queue: VecDeque::new(),
        visited: HashSet::new(),
        built_dirs: BTreeSet::new(),
        refused_files: BTreeSet::new(),
        incomplete: Vec::new(),
    };
    let mut walked = Vec::new();
    let roots = std::mem::take(&mut reader.roots);
    for declared in &roots {
        let root = &declared.root;
        match (&declared.instance, root.origin) {
            (Some(instance), _) => synthesise_instance(reader, &mut state, root, instance),
            (None, RootOrigin::Bootstrap) => {
                if !queue_bootstrap(reader, &mut state, root) {
                    build_directory_root(reader, &mut state, root);
                }
            }
            (None, _) => build_directory_root(reader, &mut state, root),
        }
        drain(reader, &mut state, index);
        walked.push(root.clone());
    }
    reader.roots = roots;
    // A `clusters/<name>` directory whose bootstrap Kustomization lives only
    // in the cluster: built on its own unless a root already reached it.
    for dir in reader.cluster_dirs.clone() {
        let prefix = format!("{dir}/");
        let reached = state.built_dirs.contains(&dir)
            || state
                .objects
                .iter()
                .any(|o| o.location.file.starts_with(&prefix));
        if reached {
            continue;
        }
        let root = directory_root(reader.tree, &dir);
        build_directory_root(reader, &mut state, &root);
        drain(reader, &mut state, index);
        walked.push(root);
    }
    add_generated_artifacts(reader, &mut state);
    add_bootstrap_objects(
        reader,
        &mut state,
        walked.first().map(|r| r.cluster.as_str()),
    );
    reader.files.settle();
    Walked {
        objects: state.objects,
        diagnostics: state.diagnostics,
        roots: walked,
        built_dirs: state.built_dirs,
        refused_files: state.refused_files,
        incomplete: state.incomplete,
    }
}

/// The ExternalArtifacts of every applied ArtifactGenerator: objects of the
/// cluster with no file, located at their `spec.artifacts[].name`.
fn add_generated_artifacts(reader: &mut Reader<'_>, state: &mut Walk) {
    let generators: Vec<(String, String, Option<NodeId>)> = state
        .objects
        .iter()
        .filter(|o| o.kind == "ArtifactGenerator")
        .map(|o| {
            (
                o.location.file.clone(),
                o.cluster.clone().unwrap_or_default(),
                o.applied_by.clone(),
            )
        })
        .collect();
    let mut queue = VecDeque::new();
    for (id, artifact) in &reader.artifacts {
        let Some((_, cluster, applied_by)) = generators
            .iter()
            .find(|(file, _, _)| *file == artifact.location.file)
        else {
            continue;
        };
        let synth = Synthesiser {
            file: &artifact.location.file,
            span: artifact.location.span,
            name: id.name(),
            namespace: id.namespace().unwrap_or("flux-system"),
        };
        let follow = Follow {
            applied_by: applied_by.clone(),
            root: "",
            cluster,
            apply: &Apply::default(),
            origin: ObjectOrigin::Synthesised,
        };
        push_object(
            &mut reader.files,
            synth.source(EXTERNAL_ARTIFACT, None),
            &follow,
            &mut state.objects,
            &mut queue,
        );
    }
}

/// The objects a bootstrap step applies before Flux runs (`kubectl apply
/// -k bootstrap/…`, a helmfile hook's `--filename`): present in the
/// cluster, applied by no Kustomization. Paths the walk already built are
/// Flux's, not the bootstrap's.
fn add_bootstrap_objects(reader: &mut Reader<'_>, state: &mut Walk, cluster: Option<&str>) {
    let Some(cluster) = cluster else { return };
    let applied: BTreeSet<String> = state
        .objects
        .iter()
        .map(|o| o.location.file.clone())
        .collect();
    let within_built = |path: &str| {
        state
            .built_dirs
            .iter()
            .any(|dir| path == dir || strata_core::is_below(path, dir))
    };
    let reads: Vec<String> = reader.bootstrap_reads.iter().cloned().collect();
    let mut built = Vec::new();
    for path in reads {
        if within_built(&path) || applied.contains(&path) {
            continue;
        }

        if reader.tree.is_dir(&path) {
            if kustomize::kustomization_file(reader.tree, &path).is_some() {
                built.extend(reader.builder.build_dir(&reader.files, &path));
            }
        } else {
            built.extend(reader.builder.manifest_file_objects(&reader.files, &path));
        }
    }
    let follow = Follow {
        applied_by: None,
        root: "",
        cluster,
        apply: &Apply::default(),
        origin: ObjectOrigin::Bootstrap,
    };
    let mut queue = VecDeque::new();
    for object in built {
        if applied.contains(&object.file) {
            continue;
        }
        push_object(
            &mut reader.files,
            object,
            &follow,
            &mut state.objects,
            &mut queue,
        );
    }
}

/// The source and Kustomization the Flux Operator creates from a
/// FluxInstance's `spec.sync`: objects of the cluster with no file of their
/// own, located at the sync block. The instance's `kustomize.patches` apply
/// to them as they apply to everything the operator generates.
fn synthesise_instance(
    reader: &mut Reader<'_>,
    state: &mut Walk,
    root: &SyncRoot,
    instance: &InstanceSync,
) {
    let synth = Synthesiser {
        file: &instance.file,
        span: instance.span,
        name: &instance.name,
        namespace: &instance.namespace,
    };
    let source = synth.source(&instance.kind, root.url.as_deref());
    let kustomization = synth.object(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        vec![
            ("path", synth.string(&instance.path, instance.path_span)),
            (
                "sourceRef",
                synth.map(vec![
                    ("kind", synth.string(&instance.kind, instance.span)),
                    ("name", synth.string(&instance.name, instance.span)),
                ]),
            ),
            (
                "prune",
                Yaml {
                    value: YamlValue::Bool(true),
                    span: instance.span,
                },
            ),
        ],
    );
    let apply = Apply {
        patches: instance
            .patches
            .as_ref()
            .map(|list| inline_patch_list(&reader.files, list, |_| instance.file.clone()))
            .unwrap_or_default(),
        ..Apply::default()
    };
    let follow = Follow {
        applied_by: None,
        root: &root.source_root,
        cluster: &root.cluster,
        apply: &apply,
        origin: ObjectOrigin::Synthesised,
    };
    for mut object in [source, kustomization] {
        if let Some(metadata) = &instance.common_metadata {
            add_common_metadata(Arc::make_mut(&mut object.doc), metadata);
        }
        push_object(
            &mut reader.files,
            object,
            &follow,
            &mut state.objects,
            &mut state.queue,
        );
    }
}

/// Merges a FluxInstance's `commonMetadata` (labels, annotations) into a
/// generated object's metadata, the object's own keys first.
fn add_common_metadata(doc: &mut Yaml, common: &Yaml) {
    let YamlValue::Map(entries) = &mut doc.value else {
        return;
    };
    let Some((_, metadata)) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("metadata"))
    else {
        return;
    };
    let YamlValue::Map(metadata) = &mut metadata.value else {
        return;
    };
    for field in ["labels", "annotations"] {
        let Some(values) = common.get(field).filter(|v| v.is_map()) else {
            continue;
        };
        match metadata.iter_mut().find(|(k, _)| k.as_str() == Some(field)) {
            Some((_, existing)) => {
                if let YamlValue::Map(existing) = &mut existing.value {
                    for (key, value) in values.entries() {
                        if !existing.iter().any(|(k, _)| k.as_str() == key.as_str()) {
                            existing.push((key.clone(), value.clone()));
                        }
                    }
                }
            }
            None => metadata.push((
                Yaml {
                    value: YamlValue::String(field.to_string()),
                    span: values.span,
                },
                values.clone(),
            )),
        }
    }
}

/// Builds the documents of objects that have no file of their own, every
/// value located at the declaration that makes them exist.
struct Synthesiser<'a> {
    file: &'a str,
    span: Span,
    name: &'a str,
    namespace: &'a str,
}

impl Synthesiser<'_> {
    fn string(&self, text: &str, span: Span) -> Yaml {
        Yaml {
            value: YamlValue::String(text.to_string()),
            span,
        }
    }

    fn map(&self, entries: Vec<(&str, Yaml)>) -> Yaml {
        Yaml {
            value: YamlValue::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (self.string(k, self.span), v))
                    .collect(),
            ),
            span: self.span,
        }
    }

    /// A namespaced object named `name` with the given `spec` entries.
    fn object(&self, api_version: &str, kind: &str, spec: Vec<(&str, Yaml)>) -> BuiltObject {
        let doc = self.map(vec![
            ("apiVersion", self.string(api_version, self.span)),
            ("kind", self.string(kind, self.span)),
            (
                "metadata",
                self.map(vec![
                    ("name", self.string(self.name, self.span)),
                    ("namespace", self.string(self.namespace, self.span)),
                ]),
            ),
            ("spec", self.map(spec)),
        ]);
        BuiltObject {
            file: self.file.to_string(),
            document: 0,
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: self.name.to_string(),
            namespace: Some(self.namespace.to_string()),
            name_span: self.span,
            doc: Arc::new(doc),
            patched: Vec::new(),
            generated: false,
            written_id: (self.name.to_string(), Some(self.namespace.to_string())),
            needs_hash: false,
            secret_values: None,
            previous_ids: Vec::new(),
            cluster_scoped: false,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
        }
    }

    /// The source a sync reads (`GitRepository`, `OCIRepository`, `Bucket`).
    fn source(&self, kind: &str, url: Option<&str>) -> BuiltObject {
        let spec = url
            .map(|url| ("url", self.string(url, self.span)))
            .into_iter()
            .collect();
        self.object("source.toolkit.fluxcd.io/v1", kind, spec)
    }
}

/// Queues a bootstrap Kustomization, found in the build of the directory it
/// applies; `false` when that build does not hold it.
fn queue_bootstrap(reader: &mut Reader<'_>, state: &mut Walk, root: &SyncRoot) -> bool {
    let Some(id) = &root.kustomization else {
        return false;
    };
    let built = reader.builder.build_dir(&reader.files, &root.dir);
    let Some(object) = built.into_iter().find(|o| {
        is_flux_kustomization(&o.api_version, &o.kind)
            && NodeId::object(&o.kind, resolve_namespace(o, None).as_deref(), &o.name) == *id
    }) else {
        return false;
    };
    let mut scratch = Vec::new();
    let follow = Follow {
        applied_by: None,
        root: &root.source_root,
        cluster: &root.cluster,
        apply: &Apply::default(),
        origin: ObjectOrigin::Flux,
    };
    push_object(
        &mut reader.files,
        object,
        &follow,
        &mut scratch,
        &mut VecDeque::new(),
    );
    let Some(object) = scratch.pop() else {
        return false;
    };
    state.queue.push_back(Queued {
        kustomization: QueuedKustomization::Root(Box::new(object)),
        root: root.source_root.clone(),
        cluster: root.cluster.clone(),
    });
    true
}

/// Builds a root directory that no Kustomization of the repository applies
/// (its bootstrap Kustomization lives only in the cluster).
fn build_directory_root(reader: &mut Reader<'_>, state: &mut Walk, root: &SyncRoot) {
    if !reader.tree.is_dir(&root.dir) {
        return;
    }
    state.built_dirs.insert(root.dir.clone());
    // `flux bootstrap` left its source in the cluster: `flux-system`, read
    // by the Kustomizations of this tree.
    let bootstrap_source = NodeId::object(GIT_REPOSITORY, Some("flux-system"), "flux-system");
    if !state.objects.iter().any(|o| o.id == bootstrap_source) {
        let synth = Synthesiser {
            file: &root.location.file,
            span: root.location.span,
            name: "flux-system",
            namespace: "flux-system",
        };
        let follow = Follow {
            applied_by: None,
            root: &root.source_root,
            cluster: &root.cluster,
            apply: &Apply::default(),
            origin: ObjectOrigin::Synthesised,
        };
        push_object(
            &mut reader.files,
            synth.source(GIT_REPOSITORY, None),
            &follow,
            &mut state.objects,
            &mut state.queue,
        );
    }
    let built = reader.builder.build_dir(&reader.files, &root.dir);
    let follow = Follow {
        applied_by: None,
        root: &root.source_root,
        cluster: &root.cluster,
        apply: &Apply::default(),
        origin: ObjectOrigin::Flux,
    };
    apply_build(reader, state, built, &follow);
}

/// One Kustomization's build, as decided before it runs.
struct BuildJob {
    queued: Queued,
    step: FollowStep,
    dir: String,
    apply: Apply,
}

impl BuildJob {
    /// kustomize-controller sets `targetNamespace` as the build's
    /// `namespace:` before kustomize runs, so name references (a generated
    /// ConfigMap named in `valuesFrom`) resolve in it.
    fn target_namespace(&self) -> Option<(&str, &Location)> {
        self.apply
            .target_namespace
            .as_ref()
            .map(|(namespace, origin)| (namespace.as_str(), origin))
    }

    fn key(&self) -> BuildKey {
        BuildKey {
            dir: self.dir.clone(),
            components: self.step.components.clone(),
            target_namespace: self.apply.target_namespace.clone(),
        }
    }

    /// How the job's Kustomization applies its objects.
    fn follow(&self) -> Follow<'_> {
        Follow {
            applied_by: Some(self.step.id.clone()),
            root: &self.queued.root,
            cluster: &self.queued.cluster,
            apply: &self.apply,
            origin: ObjectOrigin::Flux,
        }
    }

    /// Builds the job's directory with `builder`.
    fn build(&self, builder: &mut Builder, files: &YamlFiles<'_>) -> FluxBuild {
        builder.build_for_flux(
            files,
            &self.dir,
            &self.step.components,
            &[],
            self.target_namespace(),
        )
    }
}

/// Follows every queued Kustomization, and those their builds add, wave by
/// wave: the Kustomizations queued now are built on every thread (each on
/// a fork of the builder; a build the first walk kept is taken instead),
/// their objects are made on every thread (`make_build`: patches,
/// targetNamespace, substitution), then they are added one by one in
/// queue order, which is the order one thread would follow; what they
/// queue is the next wave.
fn drain(reader: &mut Reader<'_>, state: &mut Walk, index: &VarIndex) {
    while !state.queue.is_empty() {
        let wave: Vec<Queued> = state.queue.drain(..).collect();
        let jobs: Vec<BuildJob> = wave
            .into_iter()
            .filter_map(|queued| prepare_build(reader, state, index, queued))
            .collect();
        let replayed: Vec<Option<FluxBuild>> = jobs
            .iter()
            .map(|job| reader.builds.take(|| job.key()))
            .collect();
        let forks: Vec<Option<Builder>> = replayed
            .iter()
            .map(|r| r.is_none().then(|| reader.builder.fork()))
            .collect();
        let files = &reader.files;
        let prebuilt: Vec<Option<(Builder, FluxBuild)>> = jobs
            .par_iter()
            .zip(forks)
            .map(|(job, fork)| {
                let mut fork = fork?;
                let built = job.build(&mut fork, files);
                Some((fork, built))
            })
            .collect();
        let mut ready = Vec::with_capacity(jobs.len());
        for ((job, replayed), prebuilt) in jobs.into_iter().zip(replayed).zip(prebuilt) {
            let adopted =
                prebuilt.and_then(|(fork, built)| reader.builder.adopt(fork).then_some(built));
            let built = match replayed.or(adopted) {
                Some(built) => built,
                None => job.build(&mut reader.builder, &reader.files),
            };
            reader.builds.keep(|| job.key(), &built);
            ready.push((job, built));
        }
        // Patches, targetNamespace and substitution, object by object, on
        // every thread; substitution reads the files the builds read.
        reader.files.settle();
        let files = &reader.files;
        let made: Vec<(BuildJob, MadeBuild)> = ready
            .into_par_iter()
            .map(|(job, built)| {
                let made = make_build(files, &job, built);
                (job, made)
            })
            .collect();
        for (job, made) in made {
            apply_job(reader, state, &job, made);
        }
    }
}

/// What a queued Kustomization builds, or `None` when it builds nothing
/// here (another source, a missing or excluded path, already built).
fn prepare_build(
    reader: &Reader<'_>,
    state: &mut Walk,
    index: &VarIndex,
    queued: Queued,
) -> Option<BuildJob> {
    let kustomization = match &queued.kustomization {
        QueuedKustomization::Object(i) => &state.objects[*i],
        QueuedKustomization::Root(object) => object.as_ref(),
    };
    let step = FollowStep::of(kustomization)?;
    // A Kustomization reading another repository or an OCI artifact has
    // a path inside that source, not inside this repository; one reading
    // an ExternalArtifact reads what its generator copied from here.
    let mut source_root = queued.root.clone();
    let mut path = step.path.clone();
    if let Some(source) = &step.source {
        if source.kind() == EXTERNAL_ARTIFACT {
            let located = reader
                .artifacts
                .get(source)
                .and_then(|a| a.locate(&step.path));
            match located {
                Some((origin, dir))
                    if reads_this_repository(origin, &reader.repository_sources) =>
                {
                    if let Some(root) = reader.source_roots.get(origin) {
                        source_root = root.clone();
                    }
                    path = dir;
                }
                _ => return None,
            }
        } else if !reads_this_repository(source, &reader.repository_sources) {
            return None;
        }
    }
    let dir = match join_relative(&source_root, &path) {
        Some(dir) if reader.tree.is_dir(&dir) => dir,
        // Excluded on purpose in strata.toml: there, just not read.
        Some(dir) if reader.tree.is_excluded(&dir) => return None,
        other => {
            state
                .diagnostics
                .push(path_missing(reader.tree, &step, other.as_deref()));
            return None;
        }
    };
    if !state
        .visited
        .insert((queued.cluster.clone(), step.id.clone(), dir.clone()))
    {
        return None;
    }
    state.built_dirs.insert(dir.clone());
    let apply = Apply::of(kustomization, &reader.files, index);
    Some(BuildJob {
        queued,
        step,
        dir,
        apply,
    })
}

/// One Kustomization's build as it applies it, made on any thread.
struct MadeBuild {
    /// The build names a file that is not there.
    incomplete: Option<IncompleteBuild>,
    /// kustomize refuses the build: the finding, and the files it read.
    refused: Option<(Diagnostic, Vec<String>)>,
    /// Its objects as the Kustomization applies them.
    objects: Vec<K8sObject>,
}

/// What `job`'s Kustomization makes of its build.
fn make_build(files: &YamlFiles<'_>, job: &BuildJob, build: FluxBuild) -> MadeBuild {
    let FluxBuild {
        objects: built,
        missing,
    } = build;
    // kustomize refuses a build naming a file that is not there; what that
    // file holds is unknown, so references into the namespaces the build
    // fills cannot be judged.
    let incomplete = missing.map(|missing| {
        let mut namespaces: BTreeSet<String> =
            built.iter().filter_map(|o| o.namespace.clone()).collect();
        namespaces.insert("default".to_string());
        if let Some((namespace, _)) = &job.apply.target_namespace {
            namespaces.insert(namespace.clone());
        }
        IncompleteBuild {
            kustomization: job.step.id.clone(),
            namespaces,
            missing,
        }
    });
    // kustomize refuses a build that holds one object twice ("may not add
    // resource with an already registered id"): Flux applies none of it.
    if let Some(diagnostic) = duplicate_id(&built, &job.step) {
        // Reached, though refused: not "applied by nothing".
        let files = built.into_iter().map(|o| o.file).collect();
        return MadeBuild {
            incomplete,
            refused: Some((diagnostic, files)),
            objects: Vec::new(),
        };
    }
    let follow = job.follow();
    MadeBuild {
        incomplete,
        refused: None,
        objects: built
            .into_iter()
            .filter_map(|object| make_object(files, object, &follow))
            .collect(),
    }
}

/// Applies one Kustomization's build, as [`make_build`] made it.
fn apply_job(reader: &mut Reader<'_>, state: &mut Walk, job: &BuildJob, made: MadeBuild) {
    let MadeBuild {
        incomplete,
        refused,
        objects,
    } = made;
    state.incomplete.extend(incomplete);
    if let Some((diagnostic, files)) = refused {
        state.diagnostics.push(diagnostic);
        state.refused_files.extend(files);
        return;
    }
    add_made_objects(reader, state, objects, &job.follow());
}

/// Applies one build: every object as `follow` says, then what the
/// build's ResourceSets render.
fn apply_build(
    reader: &mut Reader<'_>,
    state: &mut Walk,
    built: Vec<BuiltObject>,
    follow: &Follow<'_>,
) {
    // The objects' own files may have been read by the build just now.
    reader.files.settle();
    let objects = built
        .into_iter()
        .filter_map(|object| make_object(&reader.files, object, follow))
        .collect();
    add_made_objects(reader, state, objects, follow);
}

/// Adds objects made as `follow` says, then what their ResourceSets render.
fn add_made_objects(
    reader: &mut Reader<'_>,
    state: &mut Walk,
    objects: Vec<K8sObject>,
    follow: &Follow<'_>,
) {
    let start = state.objects.len();
    for object in objects {
        push_made_object(object, follow, &mut state.objects, &mut state.queue);
    }
    expand_resource_sets(reader, state, start, follow.root, follow.cluster);
}

/// Renders the ResourceSets among `state.objects[start..]` whose inputs are
/// known, as the Flux Operator applies them: each rendered resource is
/// applied by its ResourceSet (in its namespace unless it names one), and a
/// rendered Kustomization is followed.
fn expand_resource_sets(
    reader: &mut Reader<'_>,
    state: &mut Walk,
    start: usize,
    root: &str,
    cluster: &str,
) {
    let sets: Vec<(NodeId, String, String, Arc<Yaml>)> = state.objects[start..]
        .iter()
        .filter(|o| {
            o.kind == "ResourceSet" && api_group(&o.api_version) == "fluxcd.controlplane.io"
        })
        .map(|o| {
            (
                o.id.clone(),
                o.namespace.clone().unwrap_or_else(|| "default".into()),
                o.location.file.clone(),
                o.doc.clone(),
            )
        })
        .collect();
    for (id, namespace, file, doc) in sets {
        let ResourceSetInputs::Known(all_inputs) =
            resource_sets::inputs(&doc, &namespace, &reader.providers)
        else {
            continue;
        };
        let templates = doc
            .path("spec.resources")
            .map(Yaml::as_seq)
            .unwrap_or_default();
        let mut rendered = Vec::new();
        for inputs in &all_inputs {
            for (index, template) in templates.iter().enumerate() {
                let Some(resource) = resource_sets::render(template, inputs) else {
                    continue;
                };
                let text = |key: &str| {
                    resource
                        .path(key)
                        .and_then(Yaml::scalar_text)
                        .map(|t| t.into_owned())
                        .filter(|t| !t.is_empty())
                };
                let (Some(api_version), Some(kind), Some(name)) =
                    (text("apiVersion"), text("kind"), text("metadata.name"))
                else {
                    continue;
                };
                let cluster_scoped = reader
                    .builder
                    .scopes
                    .is_cluster_scoped_object(&api_version, &kind);
                let object_namespace = (!cluster_scoped)
                    .then(|| text("metadata.namespace").unwrap_or_else(|| namespace.clone()));
                rendered.push(BuiltObject {
                    file: file.clone(),
                    document: index,
                    api_version,
                    kind,
                    name: name.clone(),
                    namespace: object_namespace.clone(),
                    name_span: resource_sets::location(&file, template).span,
                    doc: Arc::new(resource),
                    patched: Vec::new(),
                    generated: false,
                    written_id: (name, object_namespace),
                    needs_hash: false,
                    secret_values: None,
                    previous_ids: Vec::new(),
                    cluster_scoped,
                    prefixes: Vec::new(),
                    suffixes: Vec::new(),
                });
            }
        }
        let follow = Follow {
            applied_by: Some(id),
            root,
            cluster,
            apply: &Apply::default(),
            origin: ObjectOrigin::Flux,
        };
        for object in rendered {
            push_object(
                &mut reader.files,
                object,
                &follow,
                &mut state.objects,
                &mut state.queue,
            );
        }
    }
}

/// The finding for a build that holds the same object (group, kind,
/// namespace, name) from two places, as kustomize rejects it.
fn duplicate_id(built: &[BuiltObject], step: &FollowStep) -> Option<Diagnostic> {
    let mut seen: HashMap<(&str, &str, Option<&str>, &str), &BuiltObject> = HashMap::new();
    for object in built {
        let key = (
            api_group(&object.api_version),
            object.kind.as_str(),
            object.namespace.as_deref(),
            object.name.as_str(),
        );
        match seen.get(&key) {
            Some(first)
                if (first.file.as_str(), first.document)
                    != (object.file.as_str(), object.document) =>
            {
                return Some(
                    Diagnostic::new(
                        Code::KustomizeDuplicateId,
                        format!(
                            "the build of Kustomization `{}` holds {} `{}` twice: kustomize refuses it (`may not add resource with an already registered id`), so Flux applies nothing of this Kustomization",
                            step.id.name(),
                            object.kind,
                            object.name
                        ),
                    )
                    .at(Location::new(object.file.clone(), object.name_span))
                    .on(step.id.clone())
                    .related(
                        Location::new(first.file.clone(), first.name_span),
                        "first declared here",
                    )
                    .related(step.path_location.clone(), "the path Flux builds"),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(key, object);
            }
        }
    }
    None
}

/// The kind an ArtifactGenerator produces.
const EXTERNAL_ARTIFACT: &str = "ExternalArtifact";

/// Whether a Kustomization's `sourceRef` is this repository: one of the
/// sources the sync roots read or, when no root names its source (the
/// bootstrap Kustomization lives only in the cluster), any GitRepository or
/// the conventional `flux-system` source. A Kustomization reading another
/// repository or artifact has a path inside that source, which strata cannot
/// see.
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
    fn of(kustomization: &K8sObject, files: &YamlFiles<'_>, index: &VarIndex) -> Apply {
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
        let patches = doc
            .path("spec.patches")
            .map(|list| {
                inline_patch_list(files, list, |i| {
                    kustomization
                        .file_of(&format!("spec.patches.{i}.patch"))
                        .to_string()
                })
            })
            .unwrap_or_default();
        Apply {
            id: Some(kustomization.id.clone()),
            target_namespace,
            patches,
            variables: post_build_variables(kustomization, index),
        }
    }
}

/// The patches of a Flux `patches:` list (a Kustomization's `spec.patches`,
/// a FluxInstance's `kustomize.patches`), each with the file its text is in
/// (`file_of(i)` for entry `i`) and its target.
fn inline_patch_list(
    files: &YamlFiles<'_>,
    list: &Yaml,
    file_of: impl Fn(usize) -> String,
) -> Vec<(Patch, String, Option<Selector>)> {
    let mut patches = Vec::new();
    for (i, entry) in list.as_seq().iter().enumerate() {
        let Some(patch) = entry.get("patch") else {
            continue;
        };
        let target = entry.get("target").map(Selector::from_yaml);
        let file = file_of(i);
        for (parsed, file) in kustomize::inline_patches(files, &file, patch) {
            patches.push((parsed, file, target.clone()));
        }
    }
    patches
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
        Some(dir) if tree.refusal(dir).is_some() => format!("`{dir}` {}", tree.absence(dir)),
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
    if object.cluster_scoped {
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
    /// The cluster the build belongs to.
    cluster: &'a str,
    /// What the applying Kustomization does to them.
    apply: &'a Apply,
    /// What makes the objects exist.
    origin: ObjectOrigin,
}

/// Turns one built object into a [`K8sObject`] as the applying
/// Kustomization applies it (its patches, `targetNamespace`, then
/// substitution), and queues it if it is a Flux Kustomization to follow.
fn push_object(
    files: &mut YamlFiles<'_>,
    built: BuiltObject,
    follow: &Follow<'_>,
    objects: &mut Vec<K8sObject>,
    queue: &mut VecDeque<Queued>,
) {
    // The object's own file may have been read by its build just now.
    files.settle();
    if let Some(object) = make_object(files, built, follow) {
        push_made_object(object, follow, objects, queue);
    }
}

/// One built object as the applying Kustomization applies it (its
/// patches, `targetNamespace`, then substitution); `None` when a patch
/// deletes it. Substitution reads `files` as settled.
fn make_object(
    files: &YamlFiles<'_>,
    mut built: BuiltObject,
    follow: &Follow<'_>,
) -> Option<K8sObject> {
    let apply = follow.apply;
    if !apply.patches.is_empty() {
        let mut one = vec![built];
        kustomize::apply_patches(&mut one, &apply.patches);
        // A `$patch: delete` removes the object from the build.
        built = one.pop()?;
    }
    if let Some((namespace, origin)) = &apply.target_namespace {
        // Flux implements targetNamespace as the kustomization's `namespace:`.
        kustomize::set_namespace_from(&mut built, namespace, Some(origin));
    }
    let mut unset_variables = Vec::new();
    let mut invalid_substitutions = Vec::new();
    let mut substitution = None;
    if let (Some(variables), Some(kustomization)) = (&apply.variables, &apply.id)
        && !substitute::is_disabled(&built.doc)
    {
        // A document with no `${…}` or `$$` stays as it is (and shared).
        if substitute::has_expressions(&built.doc) {
            let (own, patched) = (built.file.clone(), built.patched.clone());
            let findings = substitute::substitute_document_with_findings(
                Arc::make_mut(&mut built.doc),
                variables,
                &|path| kustomize::file_of(&own, &patched, path).to_string(),
                &|file| files.peek(file).map(|f| f.source.text()),
            );
            unset_variables = findings.unset;
            invalid_substitutions = findings.invalid;
        }
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
    if !built.cluster_scoped
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
    Some(K8sObject {
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
        invalid_substitutions,
        cluster: Some(follow.cluster.to_string()),
        origin: follow.origin,
    })
}

/// Adds `object` to the walk's objects, and queues it if it is a Flux
/// Kustomization to follow.
fn push_made_object(
    object: K8sObject,
    follow: &Follow<'_>,
    objects: &mut Vec<K8sObject>,
    queue: &mut VecDeque<Queued>,
) {
    let is_kustomization = is_flux_kustomization(&object.api_version, &object.kind);
    objects.push(object);
    if is_kustomization {
        queue.push_back(Queued {
            kustomization: QueuedKustomization::Object(objects.len() - 1),
            root: follow.root.to_string(),
            cluster: follow.cluster.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::Span;

    fn key(dir: &str, namespace: Option<&str>) -> BuildKey {
        BuildKey {
            dir: dir.into(),
            components: Vec::new(),
            target_namespace: namespace
                .map(|n| (n.to_string(), Location::new("ks.yaml", Span::at(0)))),
        }
    }

    fn build(missing: &str) -> FluxBuild {
        FluxBuild {
            objects: Vec::new(),
            missing: Some(Location::new(missing, Span::at(0))),
        }
    }

    #[test]
    fn the_first_walks_builds_are_handed_to_the_second_once_each() {
        let mut memo = BuildMemo::keeping(true);
        memo.keep(|| key("apps", None), &build("first"));
        memo.keep(|| key("apps", None), &build("second"));
        memo.keep(|| key("apps", Some("media")), &build("namespaced"));
        // Nothing is handed out while the first walk keeps.
        assert!(memo.take(|| key("apps", None)).is_none());
        memo.replay();
        let missing = |b: Option<FluxBuild>| b.and_then(|b| b.missing).map(|m| m.file);
        assert_eq!(
            missing(memo.take(|| key("apps", None))).as_deref(),
            Some("first")
        );
        assert!(memo.take(|| key("apps", None)).is_none(), "handed out once");
        // Another target namespace is another build.
        assert!(memo.take(|| key("apps", Some("other"))).is_none());
        assert_eq!(
            missing(memo.take(|| key("apps", Some("media")))).as_deref(),
            Some("namespaced")
        );
        // Kept after replaying began: not kept.
        memo.keep(|| key("late", None), &build("late"));
        assert!(memo.take(|| key("late", None)).is_none());
    }
}
