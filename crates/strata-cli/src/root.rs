//! Where strata stands: the repository root when no PATH is given, and the
//! git top-level that GitHub annotations and SARIF paths are relative to.
//!
//! Both are found by walking up the directory tree, without running git:
//! a `.git` directory (or the `.git` file of a worktree or submodule) marks
//! a git top-level.

use std::path::{Path, PathBuf};

/// The repository root for a run from the current directory: the current
/// directory itself when it looks like a root (it holds `.git`,
/// `strata.toml`, `flake.nix` or a Flux `clusters/` directory), as the
/// contract's default PATH says; else the nearest directory above, up to
/// the git top-level, with `strata.toml`; else the git top-level; else the
/// nearest with `flake.nix` or `clusters/`; else the current directory.
pub fn discover() -> Result<PathBuf, String> {
    let here = std::env::current_dir().map_err(|e| {
        format!("cannot read the current directory: {e}; pass the repository root as PATH")
    })?;
    Ok(discover_from(&here))
}

/// [`discover`] from `start`.
pub fn discover_from(start: &Path) -> PathBuf {
    // A homelab kept in a subdirectory of a larger repository (or a
    // fixture inside one) is analysed where the user stands.
    let marks_a_root = |dir: &Path| {
        dir.join(".git").exists()
            || dir.join(strata_check::CONFIG_FILE).is_file()
            || dir.join("flake.nix").is_file()
            || dir.join("clusters").is_dir()
    };
    if marks_a_root(start) {
        return PathBuf::from(".");
    }
    let git_top = git_top_level(start);
    let within = |dir: &Path| git_top.as_deref().is_none_or(|top| dir.starts_with(top));
    let ancestors = || start.ancestors().take_while(|dir| within(dir));
    if let Some(dir) = ancestors().find(|dir| dir.join(strata_check::CONFIG_FILE).is_file()) {
        return relative_to(start, dir);
    }
    if let Some(top) = &git_top {
        return relative_to(start, top);
    }
    let marked =
        ancestors().find(|dir| dir.join("flake.nix").is_file() || dir.join("clusters").is_dir());
    relative_to(start, marked.unwrap_or(start))
}

/// `dir` as the user would write it from `start`: `.`, `..`, `../..`, so
/// messages about the root stay short.
fn relative_to(start: &Path, dir: &Path) -> PathBuf {
    match start.strip_prefix(dir) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.components().map(|_| "..").collect(),
        Err(_) => dir.to_path_buf(),
    }
}

/// The nearest directory at or above `dir` holding `.git`.
pub fn git_top_level(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// How output paths are written: repository-relative (the contract's
/// `file`), and, for GitHub annotations and SARIF, relative to the git
/// top-level, which differs when the repository root is a subdirectory.
#[derive(Clone, Debug, Default)]
pub struct OutputPaths {
    /// The root's path below the git top-level, `/`-separated, with a
    /// trailing `/` (empty when the root is the top-level or not in git).
    prefix: String,
}

impl OutputPaths {
    /// The paths for an analysis of `root`.
    pub fn for_root(root: &Path) -> OutputPaths {
        let prefix = std::fs::canonicalize(root)
            .ok()
            .and_then(|root| {
                let top = git_top_level(&root)?;
                let below = root.strip_prefix(&top).ok()?;
                let parts: Vec<String> = below
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                Some(parts.iter().map(|p| format!("{p}/")).collect())
            })
            .unwrap_or_default();
        OutputPaths { prefix }
    }

    /// A repository-relative path made relative to the git top-level.
    pub fn below_git_top(&self, file: &str) -> String {
        format!("{}{file}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_git_top_level_from_a_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("flux/apps/base")).unwrap();
        std::fs::write(top.join("flux/apps/flake.nix"), "{}").unwrap();
        assert_eq!(
            discover_from(&top.join("flux/apps/base")),
            PathBuf::from("../../..")
        );
    }

    #[test]
    fn a_current_directory_that_looks_like_a_root_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("tests/fixtures/lab/clusters")).unwrap();
        std::fs::create_dir_all(top.join("tests/fixtures/flake-lab")).unwrap();
        std::fs::write(top.join("tests/fixtures/flake-lab/flake.nix"), "{}").unwrap();
        assert_eq!(
            discover_from(&top.join("tests/fixtures/lab")),
            PathBuf::from(".")
        );
        assert_eq!(
            discover_from(&top.join("tests/fixtures/flake-lab")),
            PathBuf::from(".")
        );
        assert_eq!(discover_from(&top.join("tests")), PathBuf::from(".."));
    }

    #[test]
    fn strata_toml_below_the_top_level_marks_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("homelab/flux")).unwrap();
        std::fs::write(top.join("homelab/strata.toml"), "").unwrap();
        assert_eq!(
            discover_from(&top.join("homelab/flux")),
            PathBuf::from("..")
        );
        let paths = OutputPaths::for_root(&top.join("homelab"));
        assert_eq!(paths.below_git_top("flux/a.yaml"), "homelab/flux/a.yaml");
        assert_eq!(OutputPaths::for_root(top).below_git_top("a.yaml"), "a.yaml");
    }

    #[test]
    fn without_git_the_nearest_flake_or_flux_tree_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("lab/clusters/home")).unwrap();
        std::fs::create_dir_all(top.join("lab/hosts/a")).unwrap();
        assert_eq!(
            discover_from(&top.join("lab/hosts/a")),
            PathBuf::from("../..")
        );
        assert_eq!(
            OutputPaths::for_root(&top.join("lab")).below_git_top("x"),
            "x",
            "no git: paths stay repository-relative"
        );
    }
}
