//! Paths and repository files: `import`, `readFile`, `readDir`,
//! `pathExists`, `baseNameOf`, `dirOf`.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, ThunkId, UnknownKind, Value};
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
            _ => not_in_family(prim, loc),
        })
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
            entries,
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
                    format!("readFile: `{}` does not exist", p.path),
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
