//! `SUP002` suppression-unused: the rule, its documentation and its tests.
//!
//! Found while applying suppressions (`triage.rs`), so it has no check here.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// An inline suppression that suppresses nothing: no finding of the
    /// code it names starts on its line (a trailing comment), on the line
    /// below it (a comment on a line of its own), or in its file
    /// (`ignore-file`); or it names no strata code; or a comment starting
    /// `# strata:` that is not a suppression at all. Codes that
    /// `strata.toml` turns off are not judged.
    ///
    /// ## Why
    /// A suppression outlives its finding: the image got pinned, the
    /// manifest moved a line down. Left behind, it would silence the next,
    /// unrelated finding of that code on that line, and a misspelt code
    /// never suppressed anything in the first place.
    ///
    /// ## Example
    /// ```yaml
    /// limits: { memory: 32Mi }  # strata: ignore[FLUX016] nothing is missing here
    /// ```
    /// Remove the suppression, or move it onto the finding's line or the
    /// line above it.
    code: SuppressionUnused,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_entry_that_suppresses_nothing() {
        let analysis = analyze_fixture("suppressions");
        assert_fires_at(
            &analysis,
            Code::SuppressionUnused,
            &[
                "apps/deployment.yaml:26:56",
                "apps/deployment.yaml:26:65",
                "hosts/node-a.nix:3:52",
                "modules/common.nix:4:36",
            ],
        );
        let messages = findings(&analysis, Code::SuppressionUnused);
        assert!(
            messages[0].contains("no `FLUX016` finding on line 26"),
            "{messages:#?}"
        );
        assert!(
            messages[1].contains("`FLUX999` is no strata code"),
            "{messages:#?}"
        );
        assert!(
            messages[3].contains("not a suppression strata reads"),
            "{messages:#?}"
        );
    }

    #[test]
    fn one_cluster_of_several_judges_only_what_it_can_know() {
        let options = crate::Options {
            eval: crate::EvalMode::Static,
            cluster: Some("home".into()),
            ..crate::Options::default()
        };
        let analysis = crate::analyze(&fixture_path("suppressions"), &options).unwrap();
        // Under --cluster, suppressions in files of other clusters match
        // nothing; only what is wrong whatever ran is reported.
        assert_fires_at(
            &analysis,
            Code::SuppressionUnused,
            &["apps/deployment.yaml:26:65", "modules/common.nix:4:36"],
        );
    }

    #[test]
    fn the_suppressed_findings_are_kept_aside_with_their_reasons() {
        let analysis = analyze_fixture("suppressions");
        let suppressed: Vec<(&str, &str)> = analysis
            .suppressed
            .iter()
            .map(|s| (s.diagnostic.code.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            suppressed,
            [
                ("FLUX015", "a debugging shell, any busybox will do"),
                ("FLUX015", ""),
                ("NIX004", "imported again when node-b joins next month"),
            ]
        );
        assert!(findings(&analysis, Code::ImageTagUnpinned).is_empty());
        assert!(findings(&analysis, Code::ModuleUnused).is_empty());
    }

    #[test]
    fn silent_when_every_suppression_suppresses_something() {
        let analysis = analyze_fixture("suppressions-clean");
        assert_clean(&analysis, Code::SuppressionUnused);
        assert_eq!(analysis.suppressed.len(), 3);
    }
}
