//! File I/O and imports: the file table, reading and parsing repository
//! files on first use, directory listings, path resolution.

use super::*;

impl Evaluator<'_> {
    /// The file table entry for a repository file, reading and parsing it on
    /// first use; `None` if it does not exist.
    pub(crate) fn file_id(&mut self, path: &str) -> Option<FileId> {
        if let Some(id) = self.file_index.get(path) {
            return Some(*id);
        }
        let parsed = match self.parsed.get(path) {
            Some(p) => p.clone(),
            None => {
                let tree = self.tree?;
                if !tree.is_file(path) {
                    return None;
                }
                let (source, diag) = tree.read(path);
                self.diagnostics.extend(diag);
                let parsed = ParsedFile::parse(Arc::new(source));
                self.diagnostics.extend(parsed.syntax_diagnostics());
                self.read_sources.push(Arc::clone(parsed.source()));
                self.parsed.insert(path.to_string(), parsed.clone());
                parsed
            }
        };
        Some(self.add_file(path, &parsed))
    }

    pub(super) fn add_file(&mut self, path: &str, parsed: &ParsedFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.scopes.push(Scope {
            kind: ScopeKind::Root,
            parent: None,
            file: id,
        });
        let root_scope = ScopeId((self.scopes.len() - 1) as u32);
        self.files.push(EvalFile {
            path: path.to_string(),
            root: parsed.root().expr(),
            has_errors: parsed.has_errors(),
            root_scope,
            value: None,
            hidden: false,
        });
        self.file_index.insert(path.to_string(), id);
        id
    }

    /// The value of code of strata's own, evaluated as a file whose
    /// locations are hidden.
    pub(crate) fn virtual_file(&mut self, path: &str, parsed: &ParsedFile) -> ThunkId {
        let id = self.add_file(path, parsed);
        self.files[id.0 as usize].hidden = true;
        let t = self.alloc(Deferred::File(id));
        self.set_file_value(id, t);
        t
    }

    /// The value of a repository file (as `import` gives it).
    pub fn import_file(&mut self, path: &str, location: Option<Location>) -> Value {
        let id = self.import_thunk(path, location);
        self.force(id)
    }

    pub(crate) fn import_thunk(&mut self, path: &str, location: Option<Location>) -> ThunkId {
        match self.file_id(path) {
            Some(id) => {
                if let Some(t) = self.files[id.0 as usize].value {
                    return t;
                }
                let t = self.alloc(Deferred::File(id));
                self.set_file_value(id, t);
                t
            }
            None => {
                let v = Value::unknown(
                    UnknownKind::Error,
                    format!("`{path}` does not exist"),
                    location,
                );
                self.done(v)
            }
        }
    }

    /// The entries of a repository directory: (name, is a directory), sorted;
    /// `None` when `dir` is not a directory.
    pub(crate) fn list_dir(&self, dir: &str) -> Option<BTreeMap<String, bool>> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{}/", dir.trim_end_matches('/'))
        };
        let mut out = BTreeMap::new();
        let mut note = |path: &str| {
            if let Some(rest) = path.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((child, _)) => out.insert(child.to_string(), true),
                    None => out.insert(rest.to_string(), false),
                };
            }
        };
        match self.tree {
            Some(tree) => tree
                .files_under(dir.trim_end_matches('/'))
                .for_each(&mut note),
            None => self.parsed.keys().for_each(|k| note(k)),
        }
        if out.is_empty() {
            return None;
        }
        Some(out)
    }

    /// The text of a repository file (for `builtins.readFile`), recorded as
    /// read so locations in it resolve.
    pub(crate) fn read_repo_file(&mut self, path: &str) -> Option<String> {
        if let Some(p) = self.parsed.get(path) {
            return Some(p.source().text().to_string());
        }
        if let Some(s) = self.read_sources.iter().find(|s| s.path() == path) {
            return Some(s.text().to_string());
        }
        let tree = self.tree?;
        if !tree.is_file(path) {
            return None;
        }
        let (source, diag) = tree.read(path);
        self.diagnostics.extend(diag);
        let text = source.text().to_string();
        self.read_sources.push(Arc::new(source));
        Some(text)
    }

    /// Why a repository path could not be read, as the end of a sentence.
    pub(crate) fn absence(&self, path: &str) -> &'static str {
        self.tree.map_or("does not exist", |t| t.absence(path))
    }

    /// Whether `[paths] exclude` leaves a repository path out (there, not read).
    pub(crate) fn is_excluded(&self, path: &str) -> bool {
        self.tree.is_some_and(|t| t.is_excluded(path))
    }

    /// Whether a repository path exists (for `builtins.pathExists`).
    pub(crate) fn path_exists(&self, path: &str) -> Option<bool> {
        self.tree.map(|t| t.exists(path))
    }

    pub(crate) fn resolve_file(&self, path: &str) -> Result<String, String> {
        match self.tree {
            Some(tree) => resolve_repo_path(tree, path),
            None if self.parsed.contains_key(path) => Ok(path.to_string()),
            None => {
                let default = format!("{path}/default.nix");
                if self.parsed.contains_key(&default) {
                    Ok(default)
                } else {
                    Err(format!("`{path}` does not exist"))
                }
            }
        }
    }
}
