//! A git revision's files, read in-process with gix and written to a
//! temporary directory, so that a revision is analysed by exactly the code
//! path `lint` uses on a checkout.
//!
//! The snapshot holds the files of the revision below the analysed root and
//! nothing else: `analyze` then reads it through `RepoTree`, whose boundary
//! (nothing outside the root is read) holds for the snapshot as for a
//! checkout. Symbolic links are written as links after every regular file, so
//! no file is ever written through one; a link out of the snapshot is refused
//! by `RepoTree` exactly as in a working tree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use rayon::prelude::*;

use crate::diff::DiffError;

/// Where snapshots go: `TMPDIR` when the user sets it, else the memory-backed
/// `/dev/shm` where it exists (a snapshot is a thousand small files written
/// and deleted at once; on a busy disk that costs seconds), else the system's
/// temporary directory.
fn snapshot_parent() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let writable = |dir: &Path| {
        std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly())
    };
    if std::env::var_os("TMPDIR").is_none() && writable(shm) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A revision's tree below the analysed root, on disk for as long as it lives.
pub struct Snapshot {
    dir: tempfile::TempDir,
    /// The full object id of the commit the revision names.
    pub commit: String,
    /// One written path per blob, so a later snapshot of the same
    /// repository links identical files instead of reading them again.
    written: HashMap<gix::ObjectId, PathBuf>,
}

impl Snapshot {
    /// Where the snapshot's files are: the root to analyse.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The git repository containing `root`, and `root`'s path inside its work
/// tree (`""` when `root` is the top).
pub struct Repository {
    repo: gix::Repository,
    prefix: String,
}

impl Repository {
    /// Opens the repository that contains `root`.
    pub fn discover(root: &Path) -> Result<Repository, DiffError> {
        let not_a_repo = |reason: String| DiffError::NotARepository {
            root: root.to_path_buf(),
            reason,
        };
        let canonical = std::fs::canonicalize(root).map_err(|e| not_a_repo(e.to_string()))?;
        let repo = gix::discover(&canonical).map_err(|e| not_a_repo(e.to_string()))?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| not_a_repo("a bare repository has no working tree".into()))?;
        let workdir = std::fs::canonicalize(workdir).map_err(|e| not_a_repo(e.to_string()))?;
        let prefix = canonical
            .strip_prefix(&workdir)
            .map_err(|_| not_a_repo("the path lies outside the repository's work tree".into()))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Repository { repo, prefix })
    }

    /// Resolves `rev` (a commit, tag, branch, `origin/main`, `HEAD~2`…) to
    /// its commit id.
    pub fn resolve(&self, rev: &str) -> Result<gix::ObjectId, DiffError> {
        let bad = |reason: String| DiffError::BadRevision {
            rev: rev.to_string(),
            reason,
        };
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|e| bad(e.to_string()))?;
        let commit = id
            .object()
            .map_err(|e| bad(e.to_string()))?
            .peel_to_commit()
            .map_err(|e| bad(e.to_string()))?;
        Ok(commit.id)
    }

    /// Writes the files of `rev` below the analysed root into a new temporary
    /// directory.
    pub fn snapshot(&self, rev: &str) -> Result<Snapshot, DiffError> {
        self.snapshot_reusing(rev, None)
    }

    /// [`Repository::snapshot`], hard-linking each file whose blob `earlier`
    /// already wrote (between two revisions most files are the same blob)
    /// instead of reading and writing it again.
    pub fn snapshot_reusing(
        &self,
        rev: &str,
        earlier: Option<&Snapshot>,
    ) -> Result<Snapshot, DiffError> {
        let commit = self.resolve(rev)?;
        let bad = |reason: String| DiffError::BadRevision {
            rev: rev.to_string(),
            reason,
        };
        let tree = self
            .repo
            .find_object(commit)
            .map_err(|e| bad(e.to_string()))?
            .peel_to_tree()
            .map_err(|e| bad(e.to_string()))?;
        let dir = tempfile::Builder::new()
            .prefix("strata-snapshot-")
            .tempdir_in(snapshot_parent())
            .map_err(|e| {
                DiffError::Snapshot(format!("cannot create a temporary directory: {e}"))
            })?;
        // The analysed root may be a directory inside the repository: only
        // its subtree is written (an absent one is an empty snapshot).
        let subtree = if self.prefix.is_empty() {
            Some(tree.id)
        } else {
            tree.lookup_entry_by_path(&self.prefix)
                .map_err(|e| bad(e.to_string()))?
                .filter(|entry| entry.mode().is_tree())
                .map(|entry| entry.object_id())
        };
        let mut files = Vec::new();
        let mut links = Vec::new();
        if let Some(subtree) = subtree {
            self.list_tree(subtree, dir.path(), &mut files, &mut links)?;
        }
        let written = self.write_blobs(&files, earlier)?;
        for (id, path) in links {
            // A link that cannot be made is a file the revision does not
            // have here; RepoTree judges the ones that are made.
            if let Ok(blob) = self.repo.find_blob(id)
                && let Ok(target) = blob.data.to_str()
            {
                let _ = std::os::unix::fs::symlink(target, path);
            }
        }
        Ok(Snapshot {
            dir,
            commit: commit.to_string(),
            written,
        })
    }

    /// Creates `tree`'s directories below `dir` and lists its regular files
    /// and symbolic links (blob id and path), without reading any blob.
    fn list_tree(
        &self,
        tree: gix::ObjectId,
        dir: &Path,
        files: &mut Vec<(gix::ObjectId, PathBuf)>,
        links: &mut Vec<(gix::ObjectId, PathBuf)>,
    ) -> Result<(), DiffError> {
        let failed = |e: &dyn std::fmt::Display| DiffError::Snapshot(e.to_string());
        let tree = self.repo.find_tree(tree).map_err(|e| failed(&e))?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| failed(&e))?;
            let name = entry.filename();
            // A name git accepts but a path cannot hold safely is not written.
            if name.is_empty() || name == "." || name == ".." || name.contains(&b'/') {
                continue;
            }
            let Ok(name) = name.to_str() else {
                continue;
            };
            let path = dir.join(name);
            match entry.kind() {
                EntryKind::Tree => {
                    std::fs::create_dir(&path).map_err(|e| failed(&e))?;
                    self.list_tree(entry.object_id(), &path, files, links)?;
                }
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    files.push((entry.object_id().to_owned(), path));
                }
                EntryKind::Link => links.push((entry.object_id().to_owned(), path)),
                // A submodule's files are another repository's.
                EntryKind::Commit => {}
            }
        }
        Ok(())
    }

    /// Writes every listed file: a hard link to the file `earlier` wrote for
    /// the same blob where there is one, else the blob read on one of the
    /// worker threads (each with its own handle on the repository).
    fn write_blobs(
        &self,
        files: &[(gix::ObjectId, PathBuf)],
        earlier: Option<&Snapshot>,
    ) -> Result<HashMap<gix::ObjectId, PathBuf>, DiffError> {
        let failed = |e: &dyn std::fmt::Display| DiffError::Snapshot(e.to_string());
        // A gix handle stays on its thread: each worker opens its own.
        let git_dir = self.repo.git_dir().to_path_buf();
        files.par_iter().try_for_each_init(
            || gix::open(&git_dir).map_err(|e| failed(&e)),
            |repo, (id, path)| {
                let repo = repo.as_ref().map_err(|e| failed(e))?;
                let linked = earlier
                    .and_then(|e| e.written.get(id))
                    .is_some_and(|from| std::fs::hard_link(from, path).is_ok());
                if !linked {
                    let blob = repo.find_blob(*id).map_err(|e| failed(&e))?;
                    std::fs::write(path, &blob.data).map_err(|e| failed(&e))?;
                }
                Ok::<(), DiffError>(())
            },
        )?;
        let mut written = HashMap::new();
        for (id, path) in files {
            written.entry(*id).or_insert_with(|| path.clone());
        }
        Ok(written)
    }
}
