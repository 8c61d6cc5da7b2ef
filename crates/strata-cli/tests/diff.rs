//! `strata diff` on git repositories written by the tests: the contract's
//! JSON, exit codes, secrets and the markdown comment's size limit.

mod common;

use common::{GOTK_SYNC, git_commit_all, git_init, strata, write_file};
use serde_json::Value;

const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

/// A Flux tree whose `apps` directory holds `objects` (one YAML stream).
fn write_tree(root: &std::path::Path, objects: &str) {
    write_file(root, "clusters/home/flux-system/gotk-sync.yaml", GOTK_SYNC);
    write_file(
        root,
        "clusters/home/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    );
    write_file(root, "clusters/home/apps.yaml", APPS);
    write_file(
        root,
        "apps/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - objects.yaml\n",
    );
    write_file(root, "apps/objects.yaml", objects);
}

fn release(version: &str, password: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: jellyfin\n  namespace: media\nspec:\n  interval: 24h\n  url: https://jellyfin.github.io/jellyfin-helm\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: jellyfin\n  namespace: media\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: jellyfin\n      version: \"{version}\"\n      sourceRef:\n        kind: HelmRepository\n        name: jellyfin\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: jellyfin-auth\n  namespace: media\nstringData:\n  password: \"{password}\"\n"
    )
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn diff_json_follows_the_contract_and_never_prints_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write_tree(root, &release("1.2.3", "Tr0ub4dor&3-horse"));
    git_commit_all(root, "one");
    write_tree(root, &release("1.2.4", "c0rrect-h0rse-battery"));
    let path = root.to_str().unwrap();
    let out = strata(&[
        "diff", path, "--from", "main", "--eval", "static", "--format", "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["from"], "main");
    assert_eq!(json["to"], "worktree");
    assert_eq!(
        json["changes"][0],
        serde_json::json!({
            "id": "HelmRelease/media/jellyfin", "change": "modified", "file": "apps/objects.yaml",
            "fields": [ { "path": "spec.chart.spec.version", "from": "1.2.3", "to": "1.2.4" } ]
        })
    );
    assert_eq!(json["changes"][1]["fields"][0]["secret"], true);
    assert_eq!(
        json["impacted"],
        serde_json::json!([
            "HelmRelease/media/jellyfin",
            "Kustomization/flux-system/apps",
            "Secret/media/jellyfin-auth"
        ])
    );
    for format in ["human", "json", "markdown"] {
        let out = strata(&[
            "diff", path, "--from", "main", "--eval", "static", "--format", format,
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            !text.contains("Tr0ub4dor") && !text.contains("c0rrect-h0rse"),
            "{format}: {text}"
        );
        assert!(text.contains("1.2.4"), "{format}: {text}");
    }
}

#[test]
fn a_bad_revision_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write_tree(root, &release("1.2.3", "x"));
    git_commit_all(root, "one");
    let out = strata(&[
        "diff",
        root.to_str().unwrap(),
        "--from",
        "origin/main",
        "--eval",
        "static",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("`origin/main`") && stderr.contains("git fetch"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// 400 ConfigMaps each changing a long value: far more than a pull-request
/// comment holds. The markdown stays within GitHub's 65,536 characters and
/// says how many changes it left out.
#[test]
fn markdown_stays_within_the_comment_limit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    let config_maps = |value: &str| {
        (0..400)
            .map(|i| {
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{i:03}\n  namespace: default\ndata:\n  description: \"{value} {i}\"\n"
                )
            })
            .collect::<Vec<_>>()
            .join("---\n")
    };
    write_tree(root, &config_maps(&"old words ".repeat(10)));
    git_commit_all(root, "one");
    write_tree(root, &config_maps(&"new words ".repeat(10)));
    git_commit_all(root, "two");
    let out = strata(&[
        "diff",
        root.to_str().unwrap(),
        "--from",
        "HEAD~1",
        "--to",
        "HEAD",
        "--eval",
        "static",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.chars().count() <= 65_536,
        "{} characters",
        text.chars().count()
    );
    assert!(text.starts_with("## strata diff"), "{text}");
    assert!(text.contains("| 0 | 0 | 400 |"), "{}", &text[..400]);
    assert!(
        text.contains("more changes not shown"),
        "{}",
        &text[text.len() - 400..]
    );
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
}

/// `plan --from` plans only what changed: the chart bump reconciles the
/// Kustomization applying it, nothing else; `apply --from` prints the same
/// commands; `--to` without `--from` is an argument error.
#[test]
fn plan_and_apply_from_a_revision_plan_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write_tree(root, &release("1.2.3", "x"));
    git_commit_all(root, "one");
    write_tree(root, &release("1.2.4", "x"));
    let path = root.to_str().unwrap();
    let out = strata(&[
        "plan", path, "--from", "main", "--eval", "static", "--format", "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let steps: Vec<(String, String)> = json["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["steps"].as_array().unwrap().clone())
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_string(),
                s["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        steps.contains(&(
            "reconcile".to_string(),
            "Kustomization/flux-system/apps".to_string()
        )),
        "{steps:?}"
    );
    assert!(
        !steps
            .iter()
            .any(|(_, t)| t == "Kustomization/flux-system/flux-system"),
        "the unchanged root is not reconciled: {steps:?}"
    );
    let out = strata(&["apply", path, "--from", "main", "--eval", "static"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("flux reconcile kustomization apps"),
        "{}",
        stdout(&out)
    );
    let out = strata(&["plan", path, "--to", "main", "--eval", "static"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}
