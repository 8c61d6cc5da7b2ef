//! `EVAL002` eval-fact-mismatch: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// With the evaluation tier on (`--eval nix`, or `auto` with a working
    /// `nix`), the static reader and Nix disagree on a host fact (an address,
    /// a k3s option, a firewall port…). strata uses Nix's value; the finding
    /// points at where the static reader found its own.
    ///
    /// ## Why
    /// The static tier reads Nix without running it, which is fast and works
    /// anywhere, but cannot compute everything nixpkgs can. Each disagreement
    /// shows where `--eval static` (and `nix flake check`'s sandboxed lint)
    /// would see something else than what is deployed.
    ///
    /// ## Example
    /// ```nix
    /// networking.hostName = lib.mkOverride 900 "old-name";   # priorities the
    /// networking.hostName = "homelab-0";                     # reader misjudged
    /// ```
    code: EvalFactMismatch,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::fixture_path;
    use crate::{EvalMode, Options, analyze};
    use strata_core::Code;

    /// Where the static reader misread a fact, Nix's value wins and the
    /// finding points at what the static reader read.
    #[test]
    fn fires_where_the_tiers_disagree() {
        let file = "hosts/nas.nix";
        let source = "{ networking.hostName = lib.mkOverride 900 \"old-name\"; }\n";
        let mut host =
            strata_nix::HostFacts::new("nas", vec![strata_nix::HostSource::NixosConfigurations]);
        let start = source.find("\"old-name\"").unwrap();
        let location = strata_core::Location::new(file, strata_core::Span::new(start, start + 10));
        host.hostname = strata_nix::Fact::Known {
            value: "old-name".into(),
            location: Some(location.clone()),
        };
        let evaluated: strata_nix::evaluate::EvaluatedFacts = serde_json::from_value(
            serde_json::json!({ "kind": "nixos", "hostName": "nas", "stateVersion": "25.11" }),
        )
        .unwrap();
        let comparison = evaluated.merge_into(&mut host);
        assert_eq!(comparison.differences.len(), 1);
        assert_eq!(
            comparison.static_unknown, 1,
            "stateVersion was unknown to the static reader"
        );
        assert_eq!(
            host.hostname.value().map(String::as_str),
            Some("nas"),
            "Nix's value is used"
        );
        let finding = crate::evaluation::mismatch(&comparison.differences[0]);
        assert_eq!(finding.code, Code::EvalFactMismatch);
        assert_eq!(finding.location, Some(location));
        assert_eq!(
            finding.message,
            "`hostname` of nas: the static reader found \"old-name\", Nix evaluates \"nas\"; strata uses Nix's value"
        );
    }

    /// On the example's twin both tiers read every fact alike: full agreement.
    #[test]
    fn silent_and_in_full_agreement_on_the_example_twin() {
        let options = Options {
            eval: EvalMode::Nix,
            ..Options::default()
        };
        let analysis = analyze(&fixture_path("eval-homelab"), &options).unwrap();
        assert!(
            analysis
                .diagnostics
                .iter()
                .all(|d| d.code != Code::EvalFactMismatch),
            "{:#?}",
            analysis.diagnostics
        );
        let evaluation = analysis.evaluation.expect("the tier ran");
        assert_eq!(evaluation.hosts.len(), 3);
        for comparison in &evaluation.comparisons {
            assert_eq!(comparison.agreement(), 1.0, "{comparison:#?}");
            assert!(comparison.agreed >= 10, "{comparison:#?}");
        }
    }
}
