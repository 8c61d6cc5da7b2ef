//! `IO002` file-outside-repository: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// An entry of the repository was not read because it is not repository
    /// content: a symlink whose target resolves outside the repository root,
    /// or a device, FIFO, socket or `/proc` entry.
    ///
    /// ## Why
    /// strata runs in CI on pull requests, often from forks, with secrets in
    /// the environment. A link to `/proc/self/environ` or `/etc/passwd` would
    /// otherwise be read as a YAML or Nix file and quoted in a finding, and a
    /// FIFO would block the run. Such entries are reported by their
    /// repository path and never opened; whatever they would have declared
    /// is missing from the analysis. Symlinks inside the repository are
    /// followed as usual. Links that Nix builds and devshells leave behind
    /// (`result`, a hidden `.pre-commit-config.yaml`, pointing into
    /// `/nix/store`) are left out without a finding.
    ///
    /// ## Example
    /// `apps/config.yaml -> /etc/app/config.yaml`: commit the file itself,
    /// or point the link at a file inside the repository.
    code: FileOutsideRepository,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use std::os::unix::fs::symlink;
    use strata_core::{Code, RepoTree};

    #[test]
    fn fires_on_links_out_of_the_root_and_reads_links_inside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("leak.nix"),
            "{ leaked = \"PLANTED\"; }\n",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("modules")).unwrap();
        std::fs::write(root.join("modules/real.nix"), "{ }\n").unwrap();
        symlink("real.nix", root.join("modules/inside.nix")).unwrap();
        symlink(
            outside.path().join("leak.nix"),
            root.join("modules/leak.nix"),
        )
        .unwrap();
        symlink("/etc/passwd", root.join("modules/passwd.nix")).unwrap();
        // A hidden file out of the tree is reported like any other.
        symlink("/etc/passwd", root.join(".sourceignore")).unwrap();
        let tree = RepoTree::scan(root).unwrap();
        assert!(tree.is_file("modules/inside.nix"));
        assert!(!tree.is_file("modules/leak.nix") && !tree.is_file(".sourceignore"));
        let analysis = crate::analyze_tree(&tree, Vec::new());
        assert_fires_at(
            &analysis,
            Code::FileOutsideRepository,
            &[
                ".sourceignore:1:1",
                "modules/leak.nix:1:1",
                "modules/passwd.nix:1:1",
            ],
        );
        let everything = format!("{:?}", analysis.diagnostics);
        assert!(!everything.contains("PLANTED") && !everything.contains("root:"));
    }

    #[test]
    fn silent_on_the_example() {
        assert!(findings(&analyze_fixture("../.."), Code::FileOutsideRepository).is_empty());
    }
}
