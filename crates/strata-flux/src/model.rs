//! The public model of a Flux tree: the objects as Flux applies them, their
//! references, what controllers provide and what nothing applies.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use strata_core::{Diagnostic, Location, NodeId, SourceDb, Span};

use crate::kustomize::{self};
use crate::patch::PatchedValue;
use crate::substitute::{InvalidExpression, UnsetVariable};
use crate::sync_roots::SyncRoot;
use crate::yaml::{self, Yaml};

/// Everything strata knows about a repository's Flux tree.
#[derive(Debug, Default)]
pub struct FluxTree {
    /// Every object of every applied build, sorted by id, then file, then span.
    /// The same object appears once per Kustomization that applies it.
    pub objects: Vec<K8sObject>,
    /// The directories the sync roots build (`flux/clusters/production`), sorted.
    pub entries: Vec<String>,
    /// The sync roots walked, in walk order: where each cluster's tree starts.
    pub roots: Vec<SyncRoot>,
    /// Builds that name a file which is not in the repository (FLUX005):
    /// what they would apply is not fully known.
    pub incomplete_builds: Vec<IncompleteBuild>,
    /// The Helm releases bootstrap helmfiles install before Flux runs.
    pub bootstrap_releases: Vec<crate::bootstrap::BootstrapRelease>,
    /// The clusters' names, sorted; more than one when the repository holds
    /// several clusters (`clusters/production`, `clusters/staging`).
    pub clusters: Vec<String>,
    /// Every YAML file read, so diagnostics and nodes can be rendered.
    pub sources: SourceDb,
    /// Findings, in the contract's order (file, position, code).
    pub diagnostics: Vec<Diagnostic>,
    /// Objects the cluster gets from an applied object's controller rather
    /// than from a file, by the table of `provided.rs`: the Secret of an
    /// ExternalSecret, SealedSecret or cert-manager Certificate, the Secrets
    /// and Services of a CloudNativePG Cluster (or of its `cluster` chart),
    /// Rook's bucket claims, Crossplane connection Secrets, and the like.
    /// Sorted by id; an id already among `objects` is not repeated.
    pub provided: Vec<ProvidedObject>,
    /// YAML files below the Flux tree (the directory holding the entries'
    /// `clusters/` directory) that hold Kubernetes objects no build applies,
    /// sorted by file.
    pub unapplied: Vec<UnappliedFile>,
    /// The index in `objects` of the first object of each written document,
    /// ascending, made the first time [`FluxTree::written_objects`] is asked.
    pub(crate) written: OnceLock<Vec<usize>>,
}

impl FluxTree {
    /// Every object once per written document, in `objects`' order.
    ///
    /// `objects` holds an object once per Kustomization that applies it; a
    /// finding about what a document says belongs to the document, so rules
    /// reading documents as written look at each one once.
    pub fn written_objects(&self) -> impl Iterator<Item = &K8sObject> {
        let written = self.written.get_or_init(|| {
            let objects = &self.objects;
            let mut seen: HashSet<(&str, Span)> = HashSet::with_capacity(objects.len());
            (0..objects.len())
                .filter(|&i| {
                    seen.insert((objects[i].location.file.as_str(), objects[i].location.span))
                })
                .collect()
        });
        written.iter().filter_map(|&i| self.objects.get(i))
    }

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
    /// The object that makes it exist (an ExternalSecret, a CloudNativePG
    /// Cluster, the HelmRelease of a chart that makes one, …).
    pub provider: NodeId,
    /// Where the name is written (`spec.target.name`, `spec.secretName`, …),
    /// else the provider's `metadata.name`.
    pub location: Location,
    /// The rule of the table that makes the provider create it: what is
    /// created, how it is named, and the upstream documentation.
    pub rule: &'static str,
}

/// A Kustomization's build that names a file the repository does not hold:
/// the objects that file would declare are unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncompleteBuild {
    /// The Flux Kustomization whose build it is.
    pub kustomization: NodeId,
    /// The namespaces its objects land in (the missing file's objects
    /// would too), `default` included.
    pub namespaces: BTreeSet<String>,
    /// Where the missing file is named.
    pub missing: Location,
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
    /// Their ids as written (`metadata.namespace`, else `default`).
    pub ids: Vec<NodeId>,
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
    /// Shared with the parsed file and the builds that hold it unchanged.
    pub doc: Arc<Yaml>,
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
    /// `${…}` expressions Flux's envsubst cannot parse: Flux refuses to
    /// apply the whole Kustomization.
    pub invalid_substitutions: Vec<InvalidExpression>,
    /// The cluster whose sync root leads to the object (see
    /// [`SyncRoot::cluster`]); the same file applied in two clusters is two
    /// objects.
    pub cluster: Option<String>,
    /// What makes the object exist in the cluster.
    pub origin: ObjectOrigin,
}

/// What makes an object exist in the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectOrigin {
    /// Flux applies it: a file of a build a sync root leads to.
    #[default]
    Flux,
    /// A bootstrap step applies it before Flux runs (`kubectl apply -k
    /// bootstrap/…`, a helmfile hook); Flux may take it over later.
    Bootstrap,
    /// It has no file of its own: the source and Kustomization the Flux
    /// Operator (or `flux bootstrap`) creates for a sync root, located at
    /// the declaration that makes them exist.
    Synthesised,
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
pub(crate) fn find_node(node: &Yaml, wanted: &Yaml, path: &mut Vec<String>) -> bool {
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
