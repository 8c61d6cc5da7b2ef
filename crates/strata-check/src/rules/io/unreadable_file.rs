//! `IO001` unreadable-file: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// A file of the repository could not be read as text: it is not valid
    /// UTF-8, it is larger than 16 MiB, or it cannot be opened.
    ///
    /// ## Why
    /// Nix and kustomize both reject such files, so whatever they declare is
    /// not deployed. strata replaces invalid bytes and goes on, so the
    /// position of the first bad byte is reported and the rest of the
    /// repository is still analysed.
    ///
    /// ## Example
    /// A `values.yaml` saved as Latin-1 by an editor: `café` becomes the
    /// byte `0xE9`. Re-save the file as UTF-8.
    code: UnreadableFile,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::{Code, RepoTree};

    #[test]
    fn fires_on_non_utf8_and_keeps_analysing() {
        let dir = std::env::temp_dir().join(format!("strata-unreadable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("modules")).unwrap();
        std::fs::write(
            dir.join("modules/latin1.nix"),
            b"{ description = \"caf\xe9\"; }\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("modules/ok.nix"),
            "{ imports = [ ./latin1.nix ]; }\n",
        )
        .unwrap();
        let analysis = crate::analyze_tree(&RepoTree::scan(&dir).unwrap(), Vec::new());
        assert_fires_at(
            &analysis,
            Code::UnreadableFile,
            &["modules/latin1.nix:1:21"],
        );
        assert!(
            analysis
                .graph
                .contains(&strata_core::NodeId::file("modules/ok.nix"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn silent_on_utf8() {
        assert!(findings(&analyze_fixture("../.."), Code::UnreadableFile).is_empty());
    }
}
