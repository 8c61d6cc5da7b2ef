//! The repository's YAML files, each read and parsed once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use strata_core::{Diagnostic, RepoTree, SourceDb, SourceFile, Span, parent_dir};

use crate::yaml::{Yaml, parse_documents};

/// One parsed file.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) source: Arc<SourceFile>,
    /// Shared with every build and object that takes a document unchanged:
    /// a transform copies a document only when it changes it.
    pub(crate) documents: Vec<Arc<Yaml>>,
}

/// Every YAML file read so far, by repository-relative path.
///
/// Builds run on several threads and may read a file no listing found (a
/// `.json` resource, a generator's input): such a file is read once,
/// whoever asks first, and kept aside until [`YamlFiles::settle`] adds it
/// to the files [`YamlFiles::peek`] and [`YamlFiles::iter`] see.
pub(crate) struct YamlFiles<'t> {
    pub(crate) tree: &'t RepoTree,
    files: BTreeMap<String, ParsedFile>,
    /// Files read since the last settle, with their findings.
    read_since: Mutex<ReadSince>,
    /// Read and parse findings, in file order.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The documents of string values that hold YAML (inline patches), by
    /// file, span and value: one patch is often copied into many
    /// Kustomizations (a parent's patch adding it to each child), and the
    /// walk runs twice.
    embedded: Mutex<EmbeddedDocuments>,
}

/// See [`YamlFiles::embedded_documents`].
type EmbeddedDocuments = HashMap<(String, Span, String), Arc<Vec<Yaml>>>;

#[derive(Default)]
struct ReadSince {
    files: BTreeMap<String, Arc<ParsedFile>>,
    diagnostics: Vec<Diagnostic>,
}

/// A parsed file, as [`YamlFiles::get`] hands it out.
pub(crate) enum FileRef<'a> {
    /// One of the settled files.
    Settled(&'a ParsedFile),
    /// One read since the last settle.
    ReadSince(Arc<ParsedFile>),
}

impl std::ops::Deref for FileRef<'_> {
    type Target = ParsedFile;
    fn deref(&self) -> &ParsedFile {
        match self {
            FileRef::Settled(file) => file,
            FileRef::ReadSince(file) => file,
        }
    }
}

/// Whether a path names a YAML file by its extension.
pub(crate) fn is_yaml_path(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

impl<'t> YamlFiles<'t> {
    /// Reads and parses every `.yaml`/`.yml` file of the tree, in parallel.
    ///
    /// Files under the `templates/` directory of a local Helm chart (a
    /// directory holding `Chart.yaml`) are skipped: they are Go templates that
    /// only become YAML once Helm renders them, so parsing them would report
    /// syntax errors that are not there.
    pub(crate) fn parse_all(tree: &'t RepoTree) -> Self {
        let chart_templates: BTreeSet<String> = tree
            .files()
            .filter(|f| f.rsplit('/').next() == Some("Chart.yaml"))
            .map(|f| {
                let chart = parent_dir(f);
                if chart.is_empty() {
                    "templates/".to_string()
                } else {
                    format!("{chart}/templates/")
                }
            })
            .collect();
        let paths: Vec<&str> = tree
            .files()
            .filter(|f| is_yaml_path(f))
            .filter(|f| !chart_templates.iter().any(|t| f.starts_with(t.as_str())))
            .collect();
        // `collect` on an indexed parallel iterator keeps the input order, so
        // the result does not depend on the thread count.
        let parsed: Vec<(ParsedFile, Vec<Diagnostic>)> = paths
            .par_iter()
            .map(|path| read_and_parse(tree, path))
            .collect();
        let mut files = YamlFiles {
            tree,
            files: BTreeMap::new(),
            read_since: Mutex::default(),
            diagnostics: Vec::new(),
            embedded: Mutex::default(),
        };
        for (file, diagnostics) in parsed {
            files.diagnostics.extend(diagnostics);
            files.files.insert(file.source.path().to_string(), file);
        }
        files
    }

    /// The parsed file at `path`, reading it now if it was not read yet (a
    /// kustomize `resources:` entry may name a `.json` or extension-less file).
    /// `None` if the tree has no such file.
    pub(crate) fn get(&self, path: &str) -> Option<FileRef<'_>> {
        if let Some(file) = self.files.get(path) {
            return Some(FileRef::Settled(file));
        }
        if !self.tree.is_file(path) {
            return None;
        }
        // Read under the lock: a file is read once however many builds
        // want it, and its findings are reported once.
        let mut read_since = self.read_since.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = read_since.files.get(path) {
            return Some(FileRef::ReadSince(Arc::clone(file)));
        }
        let (file, diagnostics) = read_and_parse(self.tree, path);
        let file = Arc::new(file);
        read_since.diagnostics.extend(diagnostics);
        read_since.files.insert(path.to_string(), Arc::clone(&file));
        Some(FileRef::ReadSince(file))
    }

    /// The documents of the string value `text` at `span` of file `path`,
    /// as `parse` makes them from the file's text; parsed once per value.
    /// The value is part of the key: a substitution changes it and keeps
    /// its span (a parent substituting its child Kustomization's patch, in
    /// the second walk only, or in one cluster and not another).
    /// `None` if there is no such file.
    pub(crate) fn embedded_documents(
        &self,
        path: &str,
        span: Span,
        text: &str,
        parse: impl FnOnce(&str) -> Vec<Yaml>,
    ) -> Option<Arc<Vec<Yaml>>> {
        let key = (path.to_string(), span, text.to_string());
        let lock = || self.embedded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(documents) = lock().get(&key) {
            return Some(Arc::clone(documents));
        }
        let documents = Arc::new(parse(self.get(path)?.source.text()));
        lock().insert(key, Arc::clone(&documents));
        Some(documents)
    }

    /// Adds the files read since the last settle to the settled ones.
    pub(crate) fn settle(&mut self) {
        let read_since =
            std::mem::take(self.read_since.get_mut().unwrap_or_else(|e| e.into_inner()));
        self.diagnostics.extend(read_since.diagnostics);
        for (path, file) in read_since.files {
            // Every holder of a file read lazily is gone once its build is.
            let file = Arc::try_unwrap(file).unwrap_or_else(|shared| ParsedFile {
                source: Arc::clone(&shared.source),
                documents: shared.documents.clone(),
            });
            self.files.insert(path, file);
        }
    }

    /// The settled parsed file at `path`, if it was read.
    pub(crate) fn peek(&self, path: &str) -> Option<&ParsedFile> {
        self.files.get(path)
    }

    /// How many documents the files read so far hold.
    pub(crate) fn document_count(&self) -> usize {
        self.files.values().map(|f| f.documents.len()).sum()
    }

    /// Every file read so far, by path.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &ParsedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    /// Every file read, for rendering; consumes the store.
    pub(crate) fn into_source_db(mut self) -> SourceDb {
        self.settle();
        let mut documents = Vec::with_capacity(self.files.len());
        let db = SourceDb::from_files(self.files.into_values().map(|file| {
            documents.push(file.documents);
            file.source
        }));
        // The documents no object shares (every one a transform copied)
        // are freed on the pool beside the caller's next work, not before
        // the result is returned, as strata-nix frees its syntax trees.
        rayon::spawn(move || drop(documents));
        db
    }
}

fn read_and_parse(tree: &RepoTree, path: &str) -> (ParsedFile, Vec<Diagnostic>) {
    let (source, read_diagnostic) = tree.read(path);
    let (documents, mut diagnostics) = parse_documents(&source);
    diagnostics.extend(read_diagnostic);
    let documents = documents.into_iter().map(Arc::new).collect();
    let source = Arc::new(source);
    (ParsedFile { source, documents }, diagnostics)
}
