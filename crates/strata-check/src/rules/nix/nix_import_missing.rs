//! `NIX002` nix-import-missing: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// `imports = [ ./x.nix ]`, `import ./x.nix` or a path in a host's module
    /// list names a file or directory that does not exist (a directory must
    /// contain `default.nix`).
    ///
    /// ## Why
    /// Evaluation of every host that reaches the import fails with
    /// `path '/nix/store/…-source/x.nix' does not exist`. In a flake the file
    /// may also exist but be untracked by git, which the flake cannot see.
    ///
    /// ## Example
    /// ```nix
    /// { imports = [ ./hardware-configuration.nix ./k3s.nix ]; }   # k3s.nix moved to modules/k3s/
    /// ```
    /// Fix the path, or `git add` the file.
    code: NixImportMissing,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_path_literal() {
        let analysis = analyze_fixture("nix-import-missing");
        assert_fires_at(
            &analysis,
            Code::NixImportMissing,
            crate::testing::expected::NIX_IMPORT_MISSING,
        );
    }

    #[test]
    fn silent_when_every_import_exists() {
        assert_clean(
            &analyze_fixture("nix-import-missing-clean"),
            Code::NixImportMissing,
        );
    }
}
