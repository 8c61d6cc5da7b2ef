//! The files of a repository working tree, listed once and read on demand.
//!
//! This is the one boundary through which strata reads repository content:
//! the Nix reader and evaluator (`import`, `readFile`, `readDir`,
//! `pathExists`), the Flux and kustomize builder (`../` paths included) and
//! the rules all ask a [`RepoTree`], never the file system.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Code, Diagnostic, Location, PathPatterns, SourceFile, Span};

use rayon::prelude::*;

/// Files larger than this are not read; a diagnostic says so.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Directories never descended into: VCS data, build output, editor state.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "result"];

/// Host directories whose entries are never repository content, wherever
/// the root is.
const PSEUDO_FILESYSTEMS: &[&str] = &["/proc", "/sys", "/dev"];

/// Why an entry of the tree is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A symlink whose target resolves outside the repository root.
    OutsideRoot,
    /// A device, FIFO, socket or pseudo-file (`/proc`, `/sys`): reading it
    /// could block, never end, or return host state rather than content.
    NotARegularFile,
}

/// What one directory holds: its subdirectories (full path, relative
/// path), files and refused entries.
#[derive(Default)]
struct DirListing {
    dirs: Vec<(PathBuf, String)>,
    files: Vec<String>,
    refused: Vec<(String, Refusal)>,
}

/// The listing of a repository: every regular file and directory below the
/// root, as repository-relative `/`-separated paths.
///
/// **Invariant:** hidden directories (`.git`, `.github`, …), build output and
/// symlinked directories are never listed, so a walk always terminates.
///
/// **Invariant:** nothing outside the root is ever read. A symlink resolving
/// outside it, a device, FIFO, socket or `/proc` entry is not listed; it is
/// kept by name in [`RepoTree::refused`] and reported, never opened (links
/// named like build output into the Nix store are left out without a report).
#[derive(Debug, Clone, Default)]
pub struct RepoTree {
    root: PathBuf,
    /// The root with every symlink resolved: what a file must lie below.
    canonical_root: Option<PathBuf>,
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
    refused: BTreeMap<String, Refusal>,
    /// `[paths] exclude` of strata.toml: left out on purpose, which is
    /// not the same as missing.
    excluded: PathPatterns,
    /// Directories resolved while reading (see [`RepoTree::resolve`]).
    resolved_dirs: ResolvedDirs,
}

/// Each directory read from, with every symlink of its path resolved: the
/// first read in a directory resolves it, the others reuse that.
#[derive(Debug, Default)]
struct ResolvedDirs(std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>);

impl ResolvedDirs {
    fn resolve(&self, dir: &Path) -> Option<PathBuf> {
        let cached = self.0.lock().ok().and_then(|m| m.get(dir).cloned());
        if let Some(resolved) = cached {
            return resolved;
        }
        let resolved = std::fs::canonicalize(dir).ok();
        if let Ok(mut m) = self.0.lock() {
            m.insert(dir.to_path_buf(), resolved.clone());
        }
        resolved
    }
}

/// A copy of a tree resolves its directories again.
impl Clone for ResolvedDirs {
    fn clone(&self) -> Self {
        ResolvedDirs::default()
    }
}

impl RepoTree {
    /// Lists the tree below `root`. Unreadable directories are skipped silently
    /// (their files simply do not exist for the analysis).
    pub fn scan(root: &Path) -> std::io::Result<Self> {
        Self::scan_excluding(root, &[])
    }

    /// Lists the tree below `root`, leaving out every file and directory that
    /// one of the `excluded` globs matches, or that lies below one it matches
    /// (the `paths.exclude` of `strata.toml`, see [`PathPatterns`]; a pattern
    /// that is not a glob is left out, the configuration reports it).
    pub fn scan_excluding(root: &Path, excluded: &[String]) -> std::io::Result<Self> {
        let excluded = PathPatterns::lenient(excluded);
        let meta = std::fs::metadata(root)?;
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        let canonical_root = std::fs::canonicalize(root)?;
        if ["/proc", "/sys"]
            .iter()
            .any(|p| canonical_root.starts_with(p))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a kernel pseudo-filesystem, not a repository",
            ));
        }
        let mut tree = RepoTree {
            root: root.to_path_buf(),
            canonical_root: Some(canonical_root),
            excluded,
            ..Default::default()
        };
        tree.dirs.insert(String::new());
        // Level by level, each level's directories listed on every thread:
        // no recursion, so a deep tree cannot exhaust a stack, and the sets
        // make the result independent of the order directories finish in.
        let mut level = vec![(root.to_path_buf(), String::new())];
        while !level.is_empty() {
            let listings: Vec<DirListing> = level
                .into_par_iter()
                .map(|(dir, rel)| tree.list_dir(&dir, &rel))
                .collect();
            level = Vec::new();
            for listing in listings {
                for (path, rel) in listing.dirs {
                    tree.dirs.insert(rel.clone());
                    level.push((path, rel));
                }
                tree.files.extend(listing.files);
                tree.refused.extend(listing.refused);
            }
        }
        Ok(tree)
    }

    /// One directory's entries, as [`RepoTree::scan_excluding`] keeps them.
    fn list_dir(&self, dir: &Path, rel: &str) -> DirListing {
        let mut listing = DirListing::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return listing;
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
            if self.is_excluded(&child_rel) {
                continue;
            }
            let skipped_name = name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str());
            if file_type.is_dir() {
                if !skipped_name {
                    listing.dirs.push((entry.path(), child_rel));
                }
            } else if file_type.is_file() {
                listing.files.push(child_rel);
            } else if file_type.is_symlink() {
                // A symlink to a file inside the root counts as that file;
                // links to directories are not followed; dangling links do not exist.
                match self.admit(&entry.path()) {
                    Ok(Some(_)) => listing.files.push(child_rel),
                    Ok(None) => {}
                    // Nix build output and devshell links (`result`,
                    // a generated `.pre-commit-config.yaml`) point into
                    // the store: refused without a report.
                    Err(_) if is_build_link(&name, &entry.path()) => {}
                    Err(refusal) => listing.refused.push((child_rel, refusal)),
                }
            } else {
                // A FIFO, socket or device inside the tree.
                listing.refused.push((child_rel, Refusal::NotARegularFile));
            }
        }
        listing
    }

    /// A tree over an explicit file list (for tests and in-memory snapshots).
    pub fn from_files(root: &Path, files: impl IntoIterator<Item = String>) -> Self {
        let mut tree = RepoTree {
            root: root.to_path_buf(),
            canonical_root: std::fs::canonicalize(root).ok(),
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

    /// Whether `path` lies in a part of the tree `[paths] exclude` leaves
    /// out: a reference to it names something that is there but not read,
    /// so it is no "does not exist" finding.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.excluded.matches(path)
    }

    /// Why `path` was left out of the listing, when it was refused.
    pub fn refusal(&self, path: &str) -> Option<Refusal> {
        self.refused.get(path).copied()
    }

    /// Why `path` is neither a listed file nor a directory, as the end of a
    /// sentence about it: "does not exist", or why the boundary refused it.
    pub fn absence(&self, path: &str) -> &'static str {
        match self.refusal(path) {
            None if self.is_excluded(path) => "is excluded by `[paths] exclude` in strata.toml",
            None => "does not exist",
            Some(Refusal::OutsideRoot) => {
                "resolves outside the repository and was not read (IO002)"
            }
            Some(Refusal::NotARegularFile) => "is not a regular file and was not read (IO002)",
        }
    }

    /// Every refused entry with its reason, sorted by path.
    pub fn refused(&self) -> impl Iterator<Item = (&str, Refusal)> {
        self.refused.iter().map(|(p, r)| (p.as_str(), *r))
    }

    /// One `IO002` diagnostic per refused entry, naming it and nothing of
    /// what it points to.
    pub fn refusal_diagnostics(&self) -> Vec<Diagnostic> {
        self.refused()
            .map(|(path, refusal)| refusal_diagnostic(path, refusal))
            .collect()
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

    /// Where `full` really is, when it may be read: `Ok(Some(path))` for a
    /// regular file below the root, `Ok(None)` for a directory below the root
    /// or a path that does not resolve, `Err` for anything else.
    fn admit(&self, full: &Path) -> Result<Option<PathBuf>, Refusal> {
        let Some((resolved, metadata)) = self.resolve(full) else {
            return Ok(None);
        };
        let Some(root) = &self.canonical_root else {
            return Err(Refusal::OutsideRoot);
        };
        if !resolved.starts_with(root) {
            return Err(Refusal::OutsideRoot);
        }
        if PSEUDO_FILESYSTEMS
            .iter()
            .any(|p| resolved.starts_with(p) && !root.starts_with(p))
        {
            return Err(Refusal::NotARegularFile);
        }
        match metadata {
            Ok(m) if m.is_file() => Ok(Some(resolved)),
            Ok(m) if m.is_dir() => Ok(None),
            Ok(_) => Err(Refusal::NotARegularFile),
            Err(_) => Ok(None),
        }
    }

    /// `full` with every symlink resolved, and what it is. The directory
    /// part is resolved once per directory (a tree of 50,000 files otherwise
    /// asks the kernel to read every component's link 350,000 times); the
    /// last component is looked at every time, and resolved in full when it
    /// is a link.
    fn resolve(&self, full: &Path) -> Option<(PathBuf, std::io::Result<std::fs::Metadata>)> {
        let whole = || {
            let resolved = std::fs::canonicalize(full).ok()?;
            let metadata = std::fs::metadata(&resolved);
            Some((resolved, metadata))
        };
        let (Some(dir), Some(name)) = (full.parent(), full.file_name()) else {
            return whole();
        };
        let own = std::fs::symlink_metadata(full).ok()?;
        if own.file_type().is_symlink() {
            return whole();
        }
        let dir = self.resolved_dirs.resolve(dir)?;
        Some((dir.join(name), Ok(own)))
    }

    /// Reads a listed file as text. Never fails: an unreadable, oversized or
    /// non-UTF-8 file yields a diagnostic next to whatever text could be kept
    /// (an empty file, or the text with invalid bytes replaced). The path is
    /// checked again at read time, so nothing outside the root is opened even
    /// for a tree built with [`RepoTree::from_files`] or changed since the scan.
    pub fn read(&self, path: &str) -> (SourceFile, Option<Diagnostic>) {
        let empty = || SourceFile::new(path, "");
        let unreadable = |message: String, help: &str| {
            Diagnostic::new(Code::UnreadableFile, message)
                .at(Location::new(path, Span::at(0)))
                .help(help.to_string())
        };
        let cannot_read = |e: std::io::Error| {
            (
                empty(),
                Some(unreadable(
                    format!("cannot read `{path}`: {e}"),
                    "check the file's permissions",
                )),
            )
        };
        let too_large = |len: u64| {
            unreadable(
                format!(
                    "`{path}` is {len} bytes or more, over the {MAX_FILE_BYTES} byte limit; it was not analysed"
                ),
                "split the file, or move generated bundles out of the analysed tree",
            )
        };
        let resolved = match self.admit(&self.root.join(path)) {
            Ok(Some(resolved)) => resolved,
            Ok(None) => {
                return cannot_read(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a file",
                ));
            }
            Err(refusal) => return (empty(), Some(refusal_diagnostic(path, refusal))),
        };
        let file = match std::fs::File::open(&resolved) {
            Ok(file) => file,
            Err(e) => return cannot_read(e),
        };
        let size = match file.metadata() {
            Ok(m) if !m.is_file() => {
                return (
                    empty(),
                    Some(refusal_diagnostic(path, Refusal::NotARegularFile)),
                );
            }
            Ok(m) if m.len() > MAX_FILE_BYTES => return (empty(), Some(too_large(m.len()))),
            Ok(m) => m.len(),
            Err(e) => return cannot_read(e),
        };
        // Bounded even when the size on disk lies (a file growing while read);
        // sized from the metadata, so a file is read in one call plus the
        // one that finds its end.
        let mut bytes = Vec::with_capacity(size as usize + 1);
        if let Err(e) = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
            return cannot_read(e);
        }
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return (empty(), Some(too_large(bytes.len() as u64)));
        }
        decode(path, bytes)
    }
}

/// Whether a link out of the root is Nix build or devshell output: a hidden
/// name or `result*` pointing into the Nix store.
fn is_build_link(name: &str, link: &Path) -> bool {
    (name.starts_with('.') || name.starts_with("result"))
        && std::fs::canonicalize(link).is_ok_and(|target| target.starts_with("/nix/store"))
}

/// The `IO002` finding for a refused entry: its repository-relative path and
/// why, never its target or contents.
fn refusal_diagnostic(path: &str, refusal: Refusal) -> Diagnostic {
    let (message, help) = match refusal {
        Refusal::OutsideRoot => (
            format!("`{path}` is a symlink that resolves outside the repository; it was not read"),
            "commit the file itself, or point the link at a file inside the repository",
        ),
        Refusal::NotARegularFile => (
            format!(
                "`{path}` is not a regular file (a device, FIFO, socket or /proc entry); it was not read"
            ),
            "remove it from the repository, or list it under `paths.exclude` in strata.toml",
        ),
    };
    Diagnostic::new(Code::FileOutsideRepository, message)
        .at(Location::new(path, Span::at(0)))
        .help(help)
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
        assert!(tree.is_excluded("tests/fixtures/a/missing.yaml"));
        assert!(!tree.is_excluded("tests/fixturesx/g.yaml"));
        let globbed = RepoTree::scan_excluding(&dir, &["tests/*/a".to_string()]).unwrap();
        assert_eq!(
            globbed.files().collect::<Vec<_>>(),
            ["tests/fixturesx/g.yaml"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_links_out_of_the_root_and_special_files() {
        let dir = std::env::temp_dir().join(format!("strata-core-boundary-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/real.yaml"), "x: 1").unwrap();
        std::os::unix::fs::symlink("real.yaml", dir.join("a/alias.yaml")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", dir.join("a/env.yaml")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("a/etc")).unwrap();
        std::os::unix::fs::symlink("../../", dir.join("a/up")).unwrap();
        std::os::unix::fs::symlink("missing", dir.join("a/dangling.yaml")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("a/pipe.yaml"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let tree = RepoTree::scan(&dir).unwrap();
        assert_eq!(
            tree.files().collect::<Vec<_>>(),
            ["a/alias.yaml", "a/real.yaml"]
        );
        assert_eq!(
            tree.refused().collect::<Vec<_>>(),
            [
                ("a/env.yaml", Refusal::OutsideRoot),
                ("a/etc", Refusal::OutsideRoot),
                ("a/pipe.yaml", Refusal::NotARegularFile),
                ("a/up", Refusal::OutsideRoot),
            ]
        );
        assert_eq!(tree.read("a/alias.yaml").0.text(), "x: 1");
        assert_eq!(
            tree.absence("a/env.yaml"),
            "resolves outside the repository and was not read (IO002)"
        );
        assert_eq!(tree.absence("a/nothing.yaml"), "does not exist");
        // A read re-checks, whatever the listing says: never opened, never blocks.
        let listed = RepoTree::from_files(
            &dir,
            [
                "a/env.yaml".to_string(),
                "a/pipe.yaml".to_string(),
                "../../etc/passwd".to_string(),
            ],
        );
        for path in ["a/env.yaml", "a/pipe.yaml", "../../etc/passwd"] {
            let (file, diag) = listed.read(path);
            assert_eq!(file.text(), "");
            assert_eq!(diag.unwrap().code, Code::FileOutsideRepository, "{path}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn build_links_into_the_nix_store_are_left_out_without_a_report() {
        let Some(store_path) = std::fs::read_dir("/nix/store")
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(|entry| entry.ok())
            .map(|entry| entry.path())
        else {
            return; // no Nix store on this machine
        };
        let dir = std::env::temp_dir().join(format!("strata-core-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&store_path, dir.join("result")).unwrap();
        std::os::unix::fs::symlink(&store_path, dir.join(".pre-commit-config.yaml")).unwrap();
        std::os::unix::fs::symlink(&store_path, dir.join("hosts.nix")).unwrap();
        let tree = RepoTree::scan(&dir).unwrap();
        assert_eq!(tree.files().count(), 0);
        assert_eq!(
            tree.refused().collect::<Vec<_>>(),
            [("hosts.nix", Refusal::OutsideRoot)]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_root_in_proc_is_not_a_repository() {
        assert!(RepoTree::scan(Path::new("/proc/self")).is_err());
        assert!(RepoTree::scan(Path::new("/proc/self/cwd")).is_ok());
    }

    #[test]
    fn an_oversized_file_is_reported_not_read() {
        let dir = std::env::temp_dir().join(format!("strata-core-big-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Sparse: over the limit on paper, nothing on disk.
        let file = std::fs::File::create(dir.join("big.yaml")).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let tree = RepoTree::scan(&dir).unwrap();
        let (source, diag) = tree.read("big.yaml");
        assert_eq!(source.text(), "");
        let diag = diag.unwrap();
        assert_eq!(diag.code, Code::UnreadableFile);
        assert!(
            diag.message.contains("over the 16777216 byte limit"),
            "{}",
            diag.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_files_derives_directories() {
        let tree = RepoTree::from_files(Path::new("/r"), ["x/y/z.nix".to_string()]);
        assert!(tree.is_dir("x") && tree.is_dir("x/y") && tree.is_file("x/y/z.nix"));
    }
}
