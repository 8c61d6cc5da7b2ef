//! Shared helpers for the CLI tests: write a repository into a temporary
//! directory and run the real `strata` binary on it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `clusters/home/flux-system/gotk-sync.yaml` as `flux bootstrap` writes
/// it: the sync root of the generated Flux repositories.
pub const GOTK_SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/example/homelab
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/home
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

/// The workspace root (the example homelab).
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `tests/fixtures/NAME` of the workspace.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// Runs the real `strata` binary with `args`, colours off.
pub fn strata(args: &[&str]) -> Output {
    strata_with_env(args, &[])
}

/// [`strata`] with extra environment variables for the child.
pub fn strata_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("strata runs")
}

/// Copies the tree at `from` to `to` (regular files and directories).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a file");
        }
    }
}

/// A copy of `tests/fixtures/NAME` in a temporary directory outside any
/// git repository (paths in `github`/`sarif` output are then
/// repository-relative wherever the workspace itself lives).
pub fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_tree(&fixture(name), dir.path());
    dir
}

/// Runs the real `strata` binary with `args` in directory `dir`, colours off.
pub fn strata_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("strata runs")
}

/// The one line a tool failure prints on stderr (asserting it is one line).
#[track_caller]
pub fn one_stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    stderr.trim_end().to_string()
}

/// Writes `text` at repository-relative `path` below `root`, as is.
pub fn write_file(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a file has a parent"))
        .expect("create directories");
    std::fs::write(path, text).expect("write a file");
}

/// Removes the first line break and the indentation common to every
/// non-blank line, so files can be written indented inside test tables.
pub fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line.get(indent..).unwrap_or(line.trim_start_matches(' ')));
        out.push('\n');
    }
    out
}

/// Writes `files` (repository-relative path, dedented content) below `root`.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        write_file(root, path, &dedent(content));
    }
}

/// One finding of `--format json`, as (code, file, line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: String,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub message: String,
}

/// What `strata lint --format json --eval static` printed and its exit code.
pub struct LintRun {
    pub exit: i32,
    pub findings: Vec<Finding>,
    pub stderr: String,
}

/// Runs `strata lint ROOT --format json --eval static`.
pub fn lint_json(root: &Path) -> LintRun {
    let output = strata(&[
        "lint",
        root.to_str().expect("UTF-8 path"),
        "--format",
        "json",
        "--eval",
        "static",
    ]);
    let exit = output.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let findings = json["diagnostics"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|d| Finding {
            code: d["code"].as_str().unwrap_or_default().to_string(),
            file: d["file"].as_str().map(str::to_string),
            line: d["line"].as_u64(),
            message: d["message"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    LintRun {
        exit,
        findings,
        stderr,
    }
}

/// Copies the directory `from` into `to` (created), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a file");
        }
    }
}

/// Recording stand-ins for the deploy tools (`colmena`, deploy-rs's
/// `deploy`, `kubectl`, `flux`), written into `dir`: each appends its name
/// and arguments, one line per run, to the file `$STANDIN_LOG`, and exits 3
/// when that line contains `$STANDIN_FAIL` (if set). Put `dir` first on PATH.
pub fn write_stand_ins(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the stand-in directory");
    for tool in ["colmena", "deploy", "kubectl", "flux"] {
        let path = dir.join(tool);
        let script = format!(
            "#!/bin/sh\nline=\"{tool} $*\"\nprintf '%s\\n' \"$line\" >> \"$STANDIN_LOG\"\nif [ -n \"$STANDIN_FAIL\" ]; then\n  case \"$line\" in *\"$STANDIN_FAIL\"*) exit 3;; esac\nfi\nexit 0\n"
        );
        std::fs::write(&path, script).expect("write a stand-in");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make the stand-in executable");
    }
}

/// PATH with `dir` first.
pub fn path_with(dir: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", dir.display())
}

/// The lines a stand-in log holds (none when no stand-in ran).
pub fn log_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs git in `root` (tests only: strata itself reads git with gix).
pub fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Makes `root` a git repository on branch `main` with no commit.
pub fn git_init(root: &Path) {
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.email", "test@example.com"]);
    git(root, &["config", "user.name", "test"]);
}

/// Commits everything below `root`.
pub fn git_commit_all(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", message]);
}
