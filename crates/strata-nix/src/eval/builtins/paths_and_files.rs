//! Paths and repository files: `import`, `readFile`, `readDir`,
//! `pathExists`, `baseNameOf`, `dirOf`.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, NixPath, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_paths_and_files(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::Import => self.prim_import(arg(0), loc),
            Prim::ReadDir => self.prim_read_dir(arg(0), loc),
            Prim::ReadFile => self.prim_read_file(arg(0), loc),
            Prim::PathExists => match self.force(arg(0)) {
                Value::Path(p) if p.in_repo => match self.path_exists(&p.path) {
                    Some(b) => Value::Bool(b),
                    None => {
                        Value::unknown(UnknownKind::Opaque, "no repository to look in", loc.clone())
                    }
                },
                Value::Unknown(u) => Value::Unknown(u),
                _ => Value::unknown(
                    UnknownKind::Opaque,
                    "pathExists outside the repository is not known statically",
                    loc.clone(),
                ),
            },
            Prim::BaseNameOf => match self.force(arg(0)) {
                Value::String(s) => Value::string(base_name(&s.text), s.location.clone()),
                Value::Path(p) => Value::string(base_name(&p.path), p.location.clone()),
                other => return Err(self.type_error(name, "string or path", &other, loc.clone())),
            },
            Prim::DirOf => match self.force(arg(0)) {
                Value::String(s) => Value::string(dir_of(&s.text), s.location.clone()),
                Value::Path(p) => {
                    let mut p = (*p).clone();
                    p.path = if p.in_repo {
                        strata_core::parent_dir(&p.path).to_string()
                    } else {
                        dir_of(&p.path)
                    };
                    Value::Path(Rc::new(p))
                }
                other => return Err(self.type_error(name, "string or path", &other, loc.clone())),
            },
            Prim::ReadFileType | Prim::PathIsDirectory | Prim::PathIsRegularFile => {
                let kind = match self.force(arg(0)) {
                    Value::Path(p) if p.in_repo => {
                        if self.list_dir(&p.path).is_some() {
                            Some("directory")
                        } else if self.path_exists(&p.path) == Some(true) {
                            Some("regular")
                        } else {
                            None
                        }
                    }
                    Value::Unknown(u) => return Ok(Value::Unknown(u)),
                    Value::Path(_) | Value::String(_) => {
                        return Ok(Value::unknown(
                            UnknownKind::Opaque,
                            format!("{name} outside the repository is not known statically"),
                            loc.clone(),
                        ));
                    }
                    other => return Err(self.type_error(name, "path", &other, loc.clone())),
                };
                match (prim, kind) {
                    (Prim::ReadFileType, Some(k)) => Value::string(k, loc.clone()),
                    (Prim::ReadFileType, None) => Value::unknown(
                        UnknownKind::Error,
                        "readFileType: the path does not exist",
                        loc.clone(),
                    ),
                    (Prim::PathIsDirectory, k) => Value::Bool(k == Some("directory")),
                    (_, k) => Value::Bool(k == Some("regular")),
                }
            }
            Prim::FileContents => {
                let text = self.prim_read_file(arg(0), loc);
                match text {
                    Value::String(s) => Value::string(
                        s.text.strip_suffix('\n').unwrap_or(&s.text),
                        s.location.clone(),
                    ),
                    other => other,
                }
            }
            Prim::ListFilesRecursive => {
                let dir = match self.force(arg(0)) {
                    Value::Path(p) if p.in_repo => p,
                    Value::Unknown(u) => return Ok(Value::Unknown(u)),
                    Value::Path(_) | Value::String(_) => {
                        return Ok(Value::unknown(
                            UnknownKind::Opaque,
                            "listFilesRecursive outside the repository is not done statically",
                            loc.clone(),
                        ));
                    }
                    other => return Err(self.type_error(name, "path", &other, loc.clone())),
                };
                let mut files = Vec::new();
                self.list_files_recursive(&dir.path, &dir.location, &mut files, 0, loc)?;
                Value::List(Rc::new(files))
            }
            _ => not_in_family(prim, loc),
        })
    }

    /// nixpkgs' `listFilesRecursive`: the files under `dir`, depth first,
    /// names in byte order (as `readDir` sorts them).
    fn list_files_recursive(
        &mut self,
        dir: &str,
        location: &Option<Location>,
        out: &mut Vec<ThunkId>,
        depth: u32,
        loc: &Option<Location>,
    ) -> Result<(), Value> {
        if depth > 64 || !self.tick() {
            return Err(self.limit("listFilesRecursive depth", loc.clone()));
        }
        let Some(listing) = self.list_dir(dir) else {
            return Err(Value::unknown(
                UnknownKind::Error,
                format!("listFilesRecursive: `{dir}` is not a directory"),
                location.clone(),
            ));
        };
        for (name, is_dir) in listing {
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if is_dir {
                self.list_files_recursive(&path, location, out, depth + 1, loc)?;
            } else {
                let value = Value::Path(Rc::new(NixPath {
                    path,
                    in_repo: true,
                    location: location.clone(),
                }));
                out.push(self.done(value));
            }
        }
        Ok(())
    }

    /// `builtins.readDir`: the entries of a repository directory, `regular`
    /// or `directory` (the listing has no symlinks: it follows them).
    fn prim_read_dir(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        let path = match self.force(arg) {
            Value::Path(p) if p.in_repo => p,
            Value::Unknown(u) => return Value::Unknown(u),
            Value::Path(_) | Value::String(_) => {
                return Value::unknown(
                    UnknownKind::Opaque,
                    "readDir outside the repository is not done statically",
                    loc.clone(),
                );
            }
            other => return self.type_error("readDir", "path", &other, loc.clone()),
        };
        let Some(listing) = self.list_dir(&path.path) else {
            return Value::unknown(
                UnknownKind::Error,
                format!("readDir: `{}` is not a directory", path.path),
                path.location.clone(),
            );
        };
        let mut entries = BTreeMap::new();
        for (name, is_dir) in listing {
            let kind = if is_dir { "directory" } else { "regular" };
            // The name keeps the location of the `readDir` argument, so a
            // host discovered this way points at where its directory is named.
            let value = self.done(Value::string(kind, None));
            entries.insert(
                name,
                AttrEntry {
                    value,
                    location: path.location.clone(),
                },
            );
        }
        Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: None,
        }))
    }

    /// `builtins.readFile` of a repository file.
    fn prim_read_file(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        match self.force(arg) {
            Value::Path(p) if p.in_repo => match self.read_repo_file(&p.path) {
                Some(text) => Value::string(
                    text,
                    Some(Location::new(p.path.clone(), strata_core::Span::at(0))),
                ),
                None => Value::unknown(
                    UnknownKind::Error,
                    format!("readFile: `{}` {}", p.path, self.absence(&p.path)),
                    p.location.clone(),
                ),
            },
            Value::Unknown(u) => Value::Unknown(u),
            Value::Path(_) | Value::String(_) => Value::unknown(
                UnknownKind::Opaque,
                "readFile outside the repository is not done statically",
                loc.clone(),
            ),
            other => self.type_error("readFile", "path", &other, loc.clone()),
        }
    }

    fn prim_import(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        match self.force(arg) {
            Value::Path(p) if p.in_repo => match self.resolve_file(&p.path) {
                Ok(file) => self.import_file(&file, p.location.clone()),
                Err(why) => Value::unknown(
                    UnknownKind::Error,
                    format!("import: {why}"),
                    p.location.clone(),
                ),
            },
            Value::Path(_) => Value::unknown(
                UnknownKind::Opaque,
                "importing a file outside the repository is not done statically",
                loc.clone(),
            ),
            Value::Input(i) => Value::unknown(
                UnknownKind::Opaque,
                format!(
                    "importing flake input `{}` is not evaluated statically",
                    i.display()
                ),
                loc.clone(),
            ),
            Value::Unknown(u) => Value::Unknown(u),
            other => self.type_error("import", "path", &other, loc.clone()),
        }
    }
}

fn base_name(s: &str) -> String {
    let trimmed = s.strip_suffix('/').unwrap_or(s);
    trimmed.rsplit('/').next().unwrap_or("").to_string()
}

fn dir_of(s: &str) -> String {
    match s.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => s[..i].to_string(),
        None => ".".to_string(),
    }
}
