//! What a source's artifact leaves out: source-controller's default
//! exclusions, every `.sourceignore` file (gitignore syntax, for its own
//! directory and below), and the root source's `spec.ignore`. Files left out
//! are not in the artifact, so a directory Flux generates a kustomization
//! for does not include them.

use std::collections::BTreeSet;
use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;
use strata_core::{RepoTree, parent_dir};

/// source-controller's default exclusions for Git sources
/// (`sourceignore.ExcludeVCS` and `ExcludeExt`/`ExcludeCI`/`ExcludeExtra`).
const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// The repository files no source artifact holds. `spec_ignore` is the root
/// source's `spec.ignore` text with the directory it is rooted at.
pub(crate) fn ignored_files(tree: &RepoTree, spec_ignore: &[(String, String)]) -> BTreeSet<String> {
    // Matchers from the root down: a deeper file's rules win, as in git.
    let root = tree.root();
    let mut matchers: Vec<(String, Gitignore)> = Vec::new();
    let mut defaults = GitignoreBuilder::new(root);
    for line in DEFAULT_EXCLUDES {
        let _ = defaults.add_line(None, line);
    }
    if let Ok(matcher) = defaults.build() {
        matchers.push((String::new(), matcher));
    }
    for (dir, text) in spec_ignore {
        let mut builder = GitignoreBuilder::new(root.join(dir));
        for line in text.lines() {
            let _ = builder.add_line(None, line);
        }
        if let Ok(matcher) = builder.build() {
            matchers.push((dir.clone(), matcher));
        }
    }
    let mut files: Vec<&str> = tree
        .files()
        .filter(|f| f.rsplit('/').next() == Some(".sourceignore"))
        .collect();
    files.sort_by_key(|f| f.matches('/').count());
    for file in files {
        let dir = parent_dir(file).to_string();
        let (source, _) = tree.read(file);
        let mut builder = GitignoreBuilder::new(root.join(&dir));
        for line in source.text().lines() {
            let _ = builder.add_line(None, line);
        }
        if let Ok(matcher) = builder.build() {
            matchers.push((dir, matcher));
        }
    }
    let files: Vec<&str> = tree.files().collect();
    files
        .par_iter()
        .filter(|file| is_ignored(root, &matchers, file))
        .map(|file| file.to_string())
        .collect()
}

fn is_ignored(root: &Path, matchers: &[(String, Gitignore)], file: &str) -> bool {
    let mut verdict = false;
    for (dir, matcher) in matchers {
        if !strata_core::is_below(file, dir) {
            continue;
        }
        let matched = matcher.matched_path_or_any_parents(root.join(file), false);
        if matched.is_ignore() {
            verdict = true;
        } else if matched.is_whitelist() {
            verdict = false;
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourceignore_excludes_all_but_what_it_lets_back_in() {
        let dir = tempfile_dir();
        let write = |path: &str, text: &str| {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        };
        write(
            ".sourceignore",
            "/*\n!/k8s\n/k8s/**/secrets/\n!/k8s/**/secrets/config.yaml\n",
        );
        write("k8s/clusters/a/secrets/config.yaml", "");
        write("k8s/clusters/a/secrets/key.yaml", "");
        write("k8s/clusters/a/ks.yaml", "");
        write("docs/x.yaml", "");
        write("k8s/.sops.yaml", "");
        let tree = RepoTree::scan(&dir).unwrap();
        let ignored = ignored_files(&tree, &[]);
        let ignored: Vec<&str> = ignored.iter().map(String::as_str).collect();
        // `!/k8s` comes after the default `**/.sops.yaml` and matches its
        // parent: as with source-controller's matcher, the later pattern
        // wins, so `k8s/.sops.yaml` is in the artifact.
        assert_eq!(
            ignored,
            [
                ".sourceignore",
                "docs/x.yaml",
                "k8s/clusters/a/secrets/key.yaml"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "strata-sourceignore-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
