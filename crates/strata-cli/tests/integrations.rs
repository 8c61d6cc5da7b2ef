//! The ways strata is wired into other tools, as the README and the
//! repository ship them: the pre-commit hooks and the GitHub Actions
//! workflow. Each is parsed as the tool would, and every `strata` command in
//! it runs (or parses) with the real binary.

mod common;

use saphyr::{LoadableYamlNode, Yaml};

fn yaml(text: &str) -> Yaml<'_> {
    Yaml::load_from_str(text)
        .expect("valid YAML")
        .into_iter()
        .next()
        .expect("one document")
}

fn string<'a>(node: &'a Yaml<'a>, key: &str) -> Option<&'a str> {
    node.as_mapping_get(key).and_then(Yaml::as_str)
}

#[test]
fn pre_commit_hooks_run_strata_cleanly_on_the_example() {
    let text = std::fs::read_to_string(common::repo_root().join(".pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml");
    let hooks = yaml(&text);
    let hooks = hooks.as_vec().expect("a list of hooks");
    assert!(!hooks.is_empty());
    let mut ids = Vec::new();
    for hook in hooks {
        let id = string(hook, "id").expect("id");
        ids.push(id.to_string());
        for key in ["name", "entry", "language"] {
            assert!(string(hook, key).is_some(), "{id}: `{key}` is required");
        }
        assert_eq!(string(hook, "language"), Some("system"), "{id}");
        // strata reads the whole repository: no file names appended.
        assert_eq!(
            hook.as_mapping_get("pass_filenames")
                .and_then(Yaml::as_bool),
            Some(false),
            "{id}"
        );
        let entry: Vec<&str> = string(hook, "entry").expect("entry").split(' ').collect();
        assert_eq!(entry[0], "strata", "{id}");
        let mut args: Vec<String> = entry[1..].iter().map(|s| s.to_string()).collect();
        for arg in hook
            .as_mapping_get("args")
            .and_then(Yaml::as_vec)
            .into_iter()
            .flatten()
        {
            args.push(arg.as_str().expect("string argument").to_string());
        }
        // As pre-commit runs it: from the repository root.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(&args)
            .current_dir(common::repo_root())
            .env("NO_COLOR", "1")
            .output()
            .expect("strata runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}: strata {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(ids, ["strata-lint", "strata-plan"]);
}

/// The README's workflow: the YAML block of its GitHub Actions section.
fn readme_workflow() -> String {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).expect("README");
    let section = &readme[readme
        .find("## In CI: GitHub Actions")
        .expect("the section")..];
    let block = &section[section.find("```yaml\n").expect("a yaml block") + 8..];
    block[..block.find("```").expect("block end")].to_string()
}

#[test]
fn readme_workflow_uploads_sarif_and_comments_the_diff() {
    let text = readme_workflow();
    let workflow = yaml(&text);
    let steps = workflow
        .as_mapping_get("jobs")
        .and_then(|jobs| jobs.as_mapping_get("strata"))
        .and_then(|job| job.as_mapping_get("steps"))
        .and_then(Yaml::as_vec)
        .expect("jobs.strata.steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| string(s, "run")).collect();
    let uses: Vec<&str> = steps.iter().filter_map(|s| string(s, "uses")).collect();
    assert!(uses.contains(&"actions/checkout@v4"));
    assert!(uses.contains(&"github/codeql-action/upload-sarif@v3"));

    // The SARIF the lint step writes is the file uploaded.
    let lint = runs
        .iter()
        .find(|r| r.starts_with("strata lint"))
        .expect("a lint step");
    let sarif_file = lint.rsplit("> ").next().expect("redirect").trim();
    let upload = steps
        .iter()
        .find(|s| string(s, "uses") == Some("github/codeql-action/upload-sarif@v3"))
        .expect("upload step");
    assert_eq!(
        upload
            .as_mapping_get("with")
            .and_then(|w| string(w, "sarif_file")),
        Some(sarif_file)
    );
    // The diff against the pull request's base, as markdown, is the comment.
    let diff = runs
        .iter()
        .find(|r| r.starts_with("strata diff"))
        .expect("a diff step");
    assert!(
        diff.contains("--from origin/${{ github.base_ref }}"),
        "{diff}"
    );
    assert!(diff.contains("--format markdown"), "{diff}");
    let diff_file = diff.rsplit("> ").next().expect("redirect").trim();
    let comment = runs
        .iter()
        .find(|r| r.starts_with("gh pr comment"))
        .expect("a comment step");
    assert!(
        comment.contains(&format!("--body-file {diff_file}")),
        "{comment}"
    );
    // `strata diff` needs the base revision in the clone.
    let checkout = steps
        .iter()
        .find(|s| string(s, "uses") == Some("actions/checkout@v4"))
        .expect("checkout");
    assert_eq!(
        checkout
            .as_mapping_get("with")
            .and_then(|w| w.as_mapping_get("fetch-depth"))
            .and_then(Yaml::as_integer),
        Some(0)
    );
    // Every strata command line parses with the real binary (`--help` after
    // the arguments: clap rejects a bad one before printing the help).
    for run in runs.iter().filter(|r| r.starts_with("strata ")) {
        let line = run
            .split(" > ")
            .next()
            .expect("command")
            .replace("${{ github.base_ref }}", "main");
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let out = common::strata(&[args.as_slice(), &["--help"]].concat());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
