//! `EVAL003` eval-host-failed: the rule, its documentation and its tests.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What
    /// With the evaluation tier on, a host of the flake does not evaluate with
    /// the real Nix: an evaluation error (mapped from Nix's trace back to the
    /// repository file, line and column: `/nix/store/…-source/hosts/x.nix:12:5`
    /// becomes `hosts/x.nix:12:5`), a system that does not evaluate, or an
    /// evaluation that did not finish within the per-host timeout. The other
    /// hosts are still evaluated.
    ///
    /// ## Why
    /// `colmena apply` / `deploy` fail on that host before building anything,
    /// and every plan step for it would fail.
    ///
    /// ## Example
    /// ```nix
    /// { config.networking.hostName = hostname; }   # undefined variable 'hostname'
    /// ```
    code: EvalHostFailed,
    check: None,
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use crate::{EvalMode, Options, analyze};
    use strata_core::Code;

    #[test]
    fn fires_per_failing_host_and_keeps_the_others() {
        let options = Options {
            eval: EvalMode::Nix,
            eval_timeout: Some(std::time::Duration::from_secs(3)),
            ..Options::default()
        };
        let analysis = analyze(&fixture_path("eval-failures"), &options).unwrap();
        let found = findings(&analysis, Code::EvalHostFailed);
        // broken: its system throws (no position from Nix: the host's declaration);
        // slow: the timeout; undefined: mapped from the trace.
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().any(|f| f.starts_with("hosts/undefined.nix:3:27 host undefined does not evaluate: undefined variable 'missingVariable'")), "{found:#?}");
        assert!(
            found
                .iter()
                .any(|f| f.contains("host slow did not finish evaluating")),
            "{found:#?}"
        );
        assert!(
            found.iter().any(|f| f.contains(
                "host broken does not evaluate its system: no toplevel without a hostName"
            )),
            "{found:#?}"
        );
        // The help names the host's own attribute, not a placeholder.
        let undefined = analysis
            .diagnostics
            .iter()
            .find(|d| d.code == Code::EvalHostFailed && d.message.contains("host undefined"))
            .and_then(|d| d.help.clone())
            .unwrap_or_default();
        assert!(
            undefined.contains("nix eval --show-trace '.#nixosConfigurations.\"undefined\".config"),
            "{undefined}"
        );
        let evaluation = analysis.evaluation.unwrap();
        let names: Vec<_> = evaluation
            .hosts
            .iter()
            .map(|h| h.host.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "broken"]);
    }

    #[test]
    fn an_untracked_file_in_a_git_checkout_gets_the_git_add_hint() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("hosts")).unwrap();
        std::fs::write(root.join("flake.nix"), "{\n  outputs = { self }: {\n    nixosConfigurations.edge = import ./hosts/edge.nix;\n  };\n}\n").unwrap();
        std::fs::write(
            root.join("hosts/edge.nix"),
            "{ config = { networking.hostName = \"edge\"; system.stateVersion = \"25.11\"; }; }\n",
        )
        .unwrap();
        let git = |args: &[&str]| {
            let status = std::process::Command::new("git")
                .args(["-c", "user.email=ci@example.org", "-c", "user.name=ci"])
                .args(args)
                .current_dir(root)
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "flake.nix"]);
        git(&["commit", "-q", "-m", "flake only"]);
        let analysis = analyze(
            root,
            &Options {
                eval: EvalMode::Nix,
                ..Options::default()
            },
        )
        .unwrap();
        let failed: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::EvalHostFailed)
            .collect();
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert_fires_at(&analysis, Code::EvalHostFailed, &["flake.nix:3:32"]);
        assert!(
            failed[0].help.as_deref().unwrap().contains("`git add` it"),
            "{failed:#?}"
        );
    }

    #[test]
    fn silent_when_every_host_evaluates() {
        let options = Options {
            eval: EvalMode::Nix,
            ..Options::default()
        };
        assert_clean(
            &analyze(&fixture_path("eval-homelab"), &options).unwrap(),
            Code::EvalHostFailed,
        );
    }

    #[test]
    fn auto_falls_back_when_an_input_cannot_be_fetched() {
        // `site-config` is a path that exists on no machine.
        let analysis = analyze(&fixture_path("eval-unfetchable"), &Options::default()).unwrap();
        assert!(findings(&analysis, Code::EvalHostFailed).is_empty());
        let fallback = findings(&analysis, Code::EvalFallback);
        assert_eq!(fallback.len(), 1, "{fallback:#?}");
        assert!(fallback[0].starts_with("flake.nix:1:1 "), "{fallback:#?}");
        assert!(
            fallback[0].contains("/nonexistent/strata-site-config"),
            "{fallback:#?}"
        );
        // Under `--eval nix` the same flake is an error, not a fallback.
        let strict = analyze(
            &fixture_path("eval-unfetchable"),
            &Options {
                eval: EvalMode::Nix,
                ..Options::default()
            },
        )
        .unwrap();
        let strict_findings = findings(&strict, Code::EvalHostFailed);
        assert_eq!(strict_findings.len(), 1, "{strict_findings:#?}");
        assert!(
            strict_findings[0].contains("a flake input could not be fetched"),
            "{strict_findings:#?}"
        );
        let help = strict
            .diagnostics
            .iter()
            .find(|d| d.code == Code::EvalHostFailed)
            .and_then(|d| d.help.clone())
            .unwrap_or_default();
        assert!(help.contains("`--eval static`"), "{help}");
        assert!(analysis.evaluation.is_none());
    }
}
