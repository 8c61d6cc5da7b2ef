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
//! Not modelled: `namePrefix`/`nameSuffix`, patches, and generators
//! (`configMapGenerator`, `secretGenerator`, `helmCharts`).

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use strata_core::{Code, Diagnostic, Location, RepoTree, Span, join_relative, parent_dir};

use crate::files::{YamlFiles, is_yaml_path};
use crate::flux_kinds::{KUSTOMIZATION_FILE_NAMES, is_cluster_scoped};
use crate::yaml::Yaml;

/// One object of a kustomize build, before Flux's own namespace rules apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltObject {
    /// Repository-relative path of the file the object is written in.
    pub file: String,
    /// Index of the document within that file.
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
    /// Span of the `metadata.name` value in `file`.
    pub name_span: Span,
}

/// The result of building one directory.
#[derive(Debug, Default)]
pub struct KustomizeBuild {
    /// The objects, sorted by file then document.
    pub objects: Vec<BuiltObject>,
    /// Findings: missing entries (FLUX005), documents that are not objects
    /// (YAML002), and the read and syntax findings of every file involved.
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds repository directory `dir` on its own (outside any Flux
/// Kustomization), reading the files it needs.
pub fn build_directory(tree: &RepoTree, dir: &str) -> KustomizeBuild {
    let mut files = YamlFiles::parse_all(tree);
    let mut builder = Builder::new();
    let objects = builder.build_dir(&mut files, dir);
    let mut diagnostics = builder.diagnostics;
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
        objects: objects.as_ref().clone(),
        diagnostics,
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

/// Builds directories with memoisation and a cycle guard.
pub(crate) struct Builder {
    /// Finished builds, so a directory shared by many parents (a `base`) is
    /// built once and a diamond of includes cannot blow up.
    done: HashMap<String, Rc<Vec<BuiltObject>>>,
    /// Directories being built, innermost last: an include of one of these is a cycle.
    in_progress: Vec<String>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Builder {
            done: HashMap::new(),
            in_progress: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The objects of directory `dir`, sorted by file then document.
    pub(crate) fn build_dir(
        &mut self,
        files: &mut YamlFiles<'_>,
        dir: &str,
    ) -> Rc<Vec<BuiltObject>> {
        if let Some(done) = self.done.get(dir) {
            return Rc::clone(done);
        }
        if self.in_progress.iter().any(|d| d == dir) {
            // kustomize rejects include cycles; the directory's own build
            // (further up the stack) already holds its objects, so stopping
            // here loses nothing.
            return Rc::new(Vec::new());
        }
        self.in_progress.push(dir.to_string());
        let mut objects = match kustomization_file(files.tree, dir) {
            Some(kustomization) => self.build_kustomization(files, dir, &kustomization),
            None => self.build_generated(files, dir),
        };
        self.in_progress.pop();
        // kustomize refuses the same object twice in one build; keeping the
        // first occurrence bounds every build by the number of documents.
        objects.sort_by(|a, b| (&a.file, a.document).cmp(&(&b.file, b.document)));
        objects.dedup_by(|a, b| a.file == b.file && a.document == b.document);
        let objects = Rc::new(objects);
        self.done.insert(dir.to_string(), Rc::clone(&objects));
        objects
    }

    fn build_kustomization(
        &mut self,
        files: &mut YamlFiles<'_>,
        dir: &str,
        kustomization: &str,
    ) -> Vec<BuiltObject> {
        let Some(document) = files
            .get(kustomization)
            .and_then(|f| f.documents.first().cloned())
        else {
            return Vec::new();
        };
        let mut objects = Vec::new();
        for field in ["resources", "bases", "components"] {
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
                    Some(path) if files.tree.is_dir(&path) => {
                        if kustomization_file(files.tree, &path).is_some() {
                            objects.extend(self.build_dir(files, &path).iter().cloned());
                        } else {
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
                    }
                    _ => {
                        let shown = target.as_deref().unwrap_or("outside the repository");
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::KustomizeResourceMissing,
                                format!("`{field}` entry `{text}` does not exist ({shown})"),
                            )
                            .at(location)
                            .help("fix the path (it is relative to the kustomization.yaml), create the file, or remove the entry; kustomize build fails on it"),
                        );
                    }
                }
            }
        }
        if let Some(namespace) = document
            .get("namespace")
            .and_then(Yaml::as_str)
            .filter(|ns| !ns.is_empty())
        {
            for object in &mut objects {
                set_namespace(object, namespace);
            }
        }
        objects
    }

    fn build_generated(&mut self, files: &mut YamlFiles<'_>, dir: &str) -> Vec<BuiltObject> {
        let tree = files.tree;
        let mut units: BTreeSet<String> = BTreeSet::new();
        let mut loose: Vec<String> = Vec::new();
        for file in tree.files_under(dir) {
            match outermost_kustomize_unit(tree, dir, parent_dir(file)) {
                Some(unit) => {
                    units.insert(unit);
                }
                None if is_yaml_path(file) => loose.push(file.to_string()),
                None => {}
            }
        }
        let mut objects = Vec::new();
        for file in loose {
            objects.extend(self.file_objects(files, &file, false));
        }
        for unit in units {
            objects.extend(self.build_dir(files, &unit).iter().cloned());
        }
        objects
    }

    /// The objects written in one file. In a kustomize `resources` file
    /// (`strict`) every non-empty document must be an object; in a directory
    /// Flux generates a kustomization for, documents without `apiVersion` and
    /// `kind` (values files, `.sops.yaml`) are not manifests and are skipped.
    fn file_objects(
        &mut self,
        files: &mut YamlFiles<'_>,
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
                    let is_cluster_scoped = is_cluster_scoped(kind);
                    let namespace = document
                        .path("metadata.namespace")
                        .and_then(Yaml::scalar_text)
                        .filter(|ns| !ns.is_empty() && !is_cluster_scoped)
                        .map(|ns| ns.into_owned());
                    objects.push(BuiltObject {
                        file: path.to_string(),
                        document: index,
                        api_version: api_version.to_string(),
                        kind: kind.to_string(),
                        name: name
                            .scalar_text()
                            .map(|t| t.into_owned())
                            .unwrap_or_default(),
                        namespace,
                        name_span: name.span,
                    });
                }
                (api_version, kind, name) => {
                    let looks_like_object = api_version.is_some() && kind.is_some();
                    if !strict && !looks_like_object {
                        continue;
                    }
                    let missing: Vec<&str> = [
                        api_version.is_none().then_some("`apiVersion`"),
                        kind.is_none().then_some("`kind`"),
                        name.is_none().then_some("`metadata.name`"),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    // Point at the first key rather than the whole document,
                    // so the finding reads as "this document".
                    let span = document
                        .entries()
                        .first()
                        .map_or(document.span, |(key, _)| key.span);
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::YamlNotAnObject,
                            format!(
                                "document {} of `{path}` is not a Kubernetes object: it has no {}",
                                index + 1,
                                missing.join(", ")
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

/// kustomize's `namespace:` override: every namespaced object moves into
/// `namespace`, and a core `v1` Namespace object is renamed to it.
pub(crate) fn set_namespace(object: &mut BuiltObject, namespace: &str) {
    if object.kind == "Namespace" && object.api_version == "v1" {
        object.name = namespace.to_string();
    }
    if !is_cluster_scoped(&object.kind) {
        object.namespace = Some(namespace.to_string());
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
        };
        set_namespace(&mut ns, "media");
        assert_eq!((ns.name.as_str(), ns.namespace.as_deref()), ("media", None));
        let mut role = BuiltObject {
            kind: "ClusterRole".into(),
            api_version: "rbac.authorization.k8s.io/v1".into(),
            name: "r".into(),
            ..ns.clone()
        };
        set_namespace(&mut role, "media");
        assert_eq!((role.name.as_str(), role.namespace.as_deref()), ("r", None));
        let mut cm = BuiltObject {
            kind: "ConfigMap".into(),
            name: "c".into(),
            namespace: Some("x".into()),
            ..ns
        };
        set_namespace(&mut cm, "media");
        assert_eq!(cm.namespace.as_deref(), Some("media"));
    }
}
