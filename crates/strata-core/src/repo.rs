//! The files of a repository working tree, listed once and read on demand.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{Code, Diagnostic, Location, SourceFile, Span};

/// Files larger than this are not read; a diagnostic says so.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Directories never descended into: VCS data, build output, editor state.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "result"];

/// The listing of a repository: every regular file and directory below the
/// root, as repository-relative `/`-separated paths.
///
/// **Invariant:** hidden directories (`.git`, `.github`, …), build output and
/// symlinked directories are never listed, so a walk always terminates.
#[derive(Debug, Clone, Default)]
pub struct RepoTree {
    root: PathBuf,
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
}

impl RepoTree {
    /// Lists the tree below `root`. Unreadable directories are skipped silently
    /// (their files simply do not exist for the analysis).
    pub fn scan(root: &Path) -> std::io::Result<Self> {
        Self::scan_excluding(root, &[])
    }

    /// Lists the tree below `root`, leaving out every file and directory whose
    /// repository-relative path is one of `excluded` or lies below one (a
    /// trailing `/` is ignored): the `paths.exclude` of `strata.toml`.
    pub fn scan_excluding(root: &Path, excluded: &[String]) -> std::io::Result<Self> {
        let excluded: Vec<&str> = excluded
            .iter()
            .map(|e| e.trim_matches('/'))
            .filter(|e| !e.is_empty())
            .collect();
        let is_excluded = |rel: &str| {
            excluded.iter().any(|e| {
                rel == *e || (rel.starts_with(e) && rel.as_bytes().get(e.len()) == Some(&b'/'))
            })
        };
        let meta = std::fs::metadata(root)?;
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        let mut tree = RepoTree {
            root: root.to_path_buf(),
            ..Default::default()
        };
        tree.dirs.insert(String::new());
        let mut stack = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let child_rel = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                if is_excluded(&child_rel) {
                    continue;
                }
                if file_type.is_dir() {
                    if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str()) {
                        continue;
                    }
                    tree.dirs.insert(child_rel.clone());
                    stack.push((entry.path(), child_rel));
                } else if file_type.is_file() {
                    tree.files.insert(child_rel);
                } else if file_type.is_symlink() {
                    // A symlink to a file counts as that file; links to directories are not followed.
                    if entry.path().metadata().is_ok_and(|m| m.is_file()) {
                        tree.files.insert(child_rel);
                    }
                }
            }
        }
        Ok(tree)
    }

    /// A tree over an explicit file list (for tests and in-memory snapshots).
    pub fn from_files(root: &Path, files: impl IntoIterator<Item = String>) -> Self {
        let mut tree = RepoTree {
            root: root.to_path_buf(),
            ..Default::default()
        };
        tree.dirs.insert(String::new());
        for file in files {
            let mut dir = crate::parent_dir(&file);
            while !dir.is_empty() && tree.dirs.insert(dir.to_string()) {
                dir = crate::parent_dir(dir);
            }
            tree.files.insert(file);
        }
        tree
    }

    /// The root directory on disk.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` is a listed file.
    pub fn is_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Whether `path` is a listed directory (`""` is the root).
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    /// Whether `path` exists as a file or a directory.
    pub fn exists(&self, path: &str) -> bool {
        self.is_file(path) || self.is_dir(path)
    }

    /// Every listed file, sorted.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(String::as_str)
    }

    /// Files directly inside directory `dir`, sorted.
    pub fn files_in<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files_under(dir)
            .filter(move |f| crate::parent_dir(f) == dir)
    }

    /// Files anywhere below directory `dir`, sorted.
    pub fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.files
            .range(prefix.clone()..)
            .take_while(move |f| f.starts_with(&prefix))
            .map(String::as_str)
    }

    /// Reads a listed file as text. Never fails: an unreadable, oversized or
    /// non-UTF-8 file yields a diagnostic next to whatever text could be kept
    /// (an empty file, or the text with invalid bytes replaced).
    pub fn read(&self, path: &str) -> (SourceFile, Option<Diagnostic>) {
        let full = self.root.join(path);
        let unreadable = |message: String, help: &str| {
            Diagnostic::new(Code::UnreadableFile, message)
                .at(Location::new(path, Span::at(0)))
                .help(help.to_string())
        };
        match std::fs::metadata(&full) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                let diag = unreadable(
                    format!(
                        "`{path}` is {} bytes, over the {} byte limit; it was not analysed",
                        m.len(),
                        MAX_FILE_BYTES
                    ),
                    "split the file, or move generated bundles out of the analysed tree",
                );
                return (SourceFile::new(path, ""), Some(diag));
            }
            Ok(_) => {}
            Err(e) => {
                return (
                    SourceFile::new(path, ""),
                    Some(unreadable(
                        format!("cannot read `{path}`: {e}"),
                        "check the file's permissions",
                    )),
                );
            }
        }
        match std::fs::read(&full) {
            Ok(bytes) => decode(path, bytes),
            Err(e) => (
                SourceFile::new(path, ""),
                Some(unreadable(
                    format!("cannot read `{path}`: {e}"),
                    "check the file's permissions",
                )),
            ),
        }
    }
}

/// Decodes bytes as UTF-8, replacing invalid sequences and reporting the first.
pub(crate) fn decode(path: &str, bytes: Vec<u8>) -> (SourceFile, Option<Diagnostic>) {
    match String::from_utf8(bytes) {
        Ok(text) => (SourceFile::new(path, text), None),
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let diag = Diagnostic::new(Code::UnreadableFile, format!("`{path}` is not valid UTF-8 (first bad byte at offset {valid_up_to}); invalid bytes were replaced"))
                .at(Location::new(path, Span::new(valid_up_to, valid_up_to + 1)))
                .help("save the file as UTF-8");
            (SourceFile::new(path, text), Some(diag))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_and_skips_hidden_and_build_dirs() {
        let dir = std::env::temp_dir().join(format!("strata-core-repo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for p in ["a/b", ".git/objects", "target/debug"] {
            std::fs::create_dir_all(dir.join(p)).unwrap();
        }
        std::fs::write(dir.join("a/b/c.yaml"), "x: 1").unwrap();
        std::fs::write(dir.join(".git/objects/o"), "").unwrap();
        std::fs::write(dir.join("target/debug/t"), "").unwrap();
        std::fs::write(dir.join("bad.nix"), [b'a', 0xff, b'b']).unwrap();
        let tree = RepoTree::scan(&dir).unwrap();
        assert_eq!(tree.files().collect::<Vec<_>>(), ["a/b/c.yaml", "bad.nix"]);
        assert!(tree.is_dir("a") && tree.is_dir("a/b") && !tree.is_dir(".git"));
        assert_eq!(tree.files_under("a").collect::<Vec<_>>(), ["a/b/c.yaml"]);
        assert_eq!(tree.files_in("a").count(), 0);
        let (file, diag) = tree.read("bad.nix");
        assert_eq!(file.text(), "a\u{fffd}b");
        let diag = diag.unwrap();
        assert_eq!(diag.code, Code::UnreadableFile);
        assert_eq!(diag.location.unwrap().span, Span::new(1, 2));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn excluded_paths_are_not_listed() {
        let dir = std::env::temp_dir().join(format!("strata-core-exclude-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tests/fixtures/a")).unwrap();
        std::fs::create_dir_all(dir.join("tests/fixturesx")).unwrap();
        std::fs::write(dir.join("tests/fixtures/a/f.yaml"), "").unwrap();
        std::fs::write(dir.join("tests/fixturesx/g.yaml"), "").unwrap();
        let tree = RepoTree::scan_excluding(&dir, &["tests/fixtures/".to_string()]).unwrap();
        assert_eq!(tree.files().collect::<Vec<_>>(), ["tests/fixturesx/g.yaml"]);
        assert!(!tree.is_dir("tests/fixtures"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_files_derives_directories() {
        let tree = RepoTree::from_files(Path::new("/r"), ["x/y/z.nix".to_string()]);
        assert!(tree.is_dir("x") && tree.is_dir("x/y") && tree.is_file("x/y/z.nix"));
    }
}
