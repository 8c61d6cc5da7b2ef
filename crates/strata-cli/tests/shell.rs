//! What the shell around strata sees: completions, the man page, colours,
//! `--quiet`, unwrapped piped output, one-line argument errors, the root
//! found from a subdirectory, and GitHub/SARIF paths relative to the git
//! top-level.

mod common;

use std::path::Path;
use std::process::Output;

use common::{copy_tree, fixture, fixture_copy, one_stderr_line, strata, strata_in};
use serde_json::Value;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn lint(path: &Path, format: &str) -> Output {
    strata(&[
        "lint",
        path.to_str().expect("UTF-8 path"),
        "--format",
        format,
        "--eval",
        "static",
    ])
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _strata"),
        ("zsh", "#compdef strata"),
        ("fish", "complete -c strata"),
    ] {
        let out = strata(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("show-suppressed"),
            "{shell} knows lint's options"
        );
    }
    let out = strata(&["completions", "powershell"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_stderr_line(&out).starts_with("strata: invalid value 'powershell'"));
}

#[test]
fn man_page_in_roff() {
    let out = strata(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH strata 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
}

#[test]
fn argument_errors_are_one_line_and_exit_2() {
    for args in [
        &["lint", "--jobs", "0"][..],
        &["lint", "--eval-timeout", "0"],
        &["lint", "--bogus"],
        &["frobnicate"],
        &[],
        &["lint", "--color", "sometimes"],
    ] {
        let out = strata(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = one_stderr_line(&out);
        assert!(
            line.starts_with("strata: ") && line.ends_with("see `strata --help`"),
            "{args:?}: {line}"
        );
    }
    let jobs = strata(&["lint", "--jobs", "0"]);
    assert_eq!(
        one_stderr_line(&jobs),
        "strata: invalid value '0' for '--jobs <N>': must be at least 1; see `strata --help`"
    );
}

#[test]
fn color_always_never_and_piped_auto() {
    let path = fixture("flux-depends-on-cycle");
    let path = path.to_str().unwrap();
    let args = |color| ["lint", path, "--eval", "static", "--color", color];
    let always = common::strata_with_env(&args("always"), &[("NO_COLOR", "1")]);
    assert!(
        stdout(&always).contains("\x1b["),
        "--color always colours a pipe"
    );
    for color in ["never", "auto"] {
        let out = common::strata_with_env(&args(color), &[("NO_COLOR", "")]);
        assert!(
            !stdout(&out).contains('\x1b'),
            "--color {color} into a pipe"
        );
    }
}

#[test]
fn piped_human_output_keeps_each_message_on_one_line() {
    let out = lint(&fixture("flux-depends-on-cycle"), "human");
    let text = stdout(&out);
    let cycle = text
        .lines()
        .find(|l| l.contains("`dependsOn` cycle"))
        .expect("the cycle finding");
    assert!(cycle.ends_with("Kustomization/flux-system/apps"), "{cycle}");
    assert!(cycle.chars().count() > 100, "{cycle}");
}

#[test]
fn quiet_prints_findings_and_nothing_else() {
    let path = fixture("flux-depends-on-cycle");
    let out = strata(&[
        "lint",
        path.to_str().unwrap(),
        "--eval",
        "static",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FLUX002"));
    assert!(!text.contains("failed:"), "{text}");
    let clean = fixture("flux-depends-on-cycle-clean");
    let out = strata(&["lint", clean.to_str().unwrap(), "--eval", "static", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn run_from_a_subdirectory_finds_the_git_top_level() {
    let dir = fixture_copy("flux-source-unresolved");
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let sub = dir.path().join("infrastructure/controllers");
    let from_sub = strata_in(&sub, &["lint", "--format", "json", "--eval", "static"]);
    let from_top = lint(dir.path(), "json");
    assert_eq!(from_sub.status.code(), Some(1));
    assert_eq!(stdout(&from_sub), stdout(&from_top));
    let json: Value = serde_json::from_slice(&from_sub.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["file"], "apps/podinfo.yaml");
}

#[test]
fn without_git_the_nearest_directory_with_a_flux_tree_is_the_root() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("flux-source-unresolved"), &dir.path().join("lab"));
    let sub = dir.path().join("lab/apps");
    let out = strata_in(&sub, &["lint", "--format", "json", "--eval", "static"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["diagnostics"][0]["file"], "apps/podinfo.yaml",
        "{json}"
    );
}

#[test]
fn github_and_sarif_paths_are_relative_to_the_git_top_level() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let homelab = dir.path().join("home lab");
    copy_tree(&fixture("flux-source-unresolved"), &homelab);
    let github = stdout(&lint(&homelab, "github"));
    assert!(
        github.starts_with("::error file=home lab/apps/podinfo.yaml,line=26,col=11,"),
        "{github}"
    );
    let sarif: Value = serde_json::from_slice(&lint(&homelab, "sarif").stdout).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "home%20lab/apps/podinfo.yaml"
    );
    assert_eq!(location["region"]["startLine"], 26);
    let json: Value = serde_json::from_slice(&lint(&homelab, "json").stdout).unwrap();
    assert_eq!(
        json["diagnostics"][0]["file"], "apps/podinfo.yaml",
        "JSON stays repository-relative (contract)"
    );
}

#[test]
fn sarif_rules_carry_help_and_results_stable_fingerprints() {
    let dir = fixture_copy("flux-source-unresolved");
    let sarif =
        |dir: &Path| -> Value { serde_json::from_slice(&lint(dir, "sarif").stdout).unwrap() };
    let first = sarif(dir.path());
    let rules = first["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let flux003 = rules.iter().find(|r| r["id"] == "FLUX003").unwrap();
    assert!(flux003["help"]["text"].as_str().unwrap().contains("## Why"));
    assert_eq!(
        flux003["helpUri"],
        "https://github.com/strata-dev/strata/blob/main/crates/strata-check/src/rules/flux/source_unresolved.rs"
    );
    let prints = |log: &Value| -> Vec<Value> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["strataFindingHash/v1"].clone())
            .collect()
    };
    let before = prints(&first);
    assert_eq!(before.len(), 2);
    assert_ne!(before[0], before[1]);
    assert_eq!(before, prints(&sarif(dir.path())), "stable across runs");
    // Lines move: the findings keep their identity.
    let file = dir.path().join("apps/podinfo.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# moved down\n# by two lines\n{text}")).unwrap();
    let moved = sarif(dir.path());
    assert_eq!(
        moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        28
    );
    assert_eq!(before, prints(&moved));
}

/// Runs `strata ARGS` on a pseudo-terminal through util-linux `script`;
/// `None` where `script` is not installed.
fn on_a_terminal(args: &str, no_color: &str) -> Option<String> {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_strata"));
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", no_color)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn on_a_terminal_only_a_non_empty_no_color_turns_colour_off() {
    let args = format!(
        "lint {} --eval static",
        fixture("flux-depends-on-cycle").display()
    );
    let Some(empty) = on_a_terminal(&args, "") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert!(empty.contains("\x1b["), "NO_COLOR=\"\" colours: {empty}");
    let set = on_a_terminal(&args, "1").unwrap_or_default();
    assert!(set.contains("FLUX002") && !set.contains('\x1b'), "{set}");
    // A terminal wraps long messages at the report width.
    assert!(
        set.lines()
            .any(|l| l.ends_with("infrastructure-\r") || l.ends_with("infrastructure-")),
        "{set}"
    );
}
