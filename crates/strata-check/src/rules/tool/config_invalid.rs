//! `CFG001` config-invalid: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// `strata.toml` at the repository root is not valid TOML, has a key
    /// strata does not know, or a value of the wrong type.
    ///
    /// ## Why
    /// A misspelt setting would otherwise be ignored silently, and strata
    /// would analyse paths you meant to exclude (test fixtures, vendored
    /// charts). strata goes on with the default configuration.
    ///
    /// ## Example
    /// ```toml
    /// [paths]
    /// exclud = ["tests/fixtures"]   # the key is `exclude`
    /// ```
    code: ConfigInvalid,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use crate::{Options, analyze};
    use strata_core::Code;

    #[test]
    fn fires_at_the_unknown_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("strata.toml"),
            "[paths]\nexclude = []\nfollow = true\n",
        )
        .unwrap();
        let analysis = analyze(dir.path(), &Options::default()).unwrap();
        assert_fires_at(&analysis, Code::ConfigInvalid, &["strata.toml:3:1"]);
    }

    #[test]
    fn silent_on_the_example_homelab_config() {
        let analysis = analyze(&fixture_path("../.."), &Options::default()).unwrap();
        assert!(findings(&analysis, Code::ConfigInvalid).is_empty());
        assert!(
            analysis
                .sources
                .iter()
                .all(|f| !f.path().starts_with("tests/fixtures/")),
            "fixtures are excluded"
        );
    }
}
