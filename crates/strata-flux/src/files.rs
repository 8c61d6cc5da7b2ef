//! The repository's YAML files, each read and parsed once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;
use strata_core::{Diagnostic, RepoTree, SourceDb, SourceFile, parent_dir};

use crate::yaml::{Yaml, parse_documents};

/// One parsed file.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) source: SourceFile,
    /// Shared with every build and object that takes a document unchanged:
    /// a transform copies a document only when it changes it.
    pub(crate) documents: Vec<Arc<Yaml>>,
}

/// Every YAML file read so far, by repository-relative path.
pub(crate) struct YamlFiles<'t> {
    pub(crate) tree: &'t RepoTree,
    files: BTreeMap<String, ParsedFile>,
    /// Read and parse findings, in file order.
    pub(crate) diagnostics: Vec<Diagnostic>,
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
            diagnostics: Vec::new(),
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
    pub(crate) fn get(&mut self, path: &str) -> Option<&ParsedFile> {
        if !self.files.contains_key(path) {
            if !self.tree.is_file(path) {
                return None;
            }
            let (file, diagnostics) = read_and_parse(self.tree, path);
            self.diagnostics.extend(diagnostics);
            self.files.insert(path.to_string(), file);
        }
        self.files.get(path)
    }

    /// The parsed file at `path`, if it was read.
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
    pub(crate) fn into_source_db(self) -> SourceDb {
        let mut db = SourceDb::new();
        for file in self.files.into_values() {
            db.insert(file.source);
        }
        db
    }
}

fn read_and_parse(tree: &RepoTree, path: &str) -> (ParsedFile, Vec<Diagnostic>) {
    let (source, read_diagnostic) = tree.read(path);
    let (documents, mut diagnostics) = parse_documents(&source);
    diagnostics.extend(read_diagnostic);
    let documents = documents.into_iter().map(Arc::new).collect();
    (ParsedFile { source, documents }, diagnostics)
}
