//! The file boundary through the binary: a repository built at test time
//! with symlinks to `/proc/self/environ`, `/etc/passwd` and a directory
//! outside the root, a FIFO, a `.nix` link, a `readFile` of a link out of the
//! root and a kustomize `../../outside` entry. Every subcommand and format
//! names the refused entries and prints none of their contents.

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Set in the child's environment: if `/proc/self/environ` were read, it
/// would show up in the output.
const PLANTED_ENV: &str = "planted-environ-value-7f3a9c";
/// Inside files of the directory outside the root.
const PLANTED_OUTSIDE: &str = "planted-outside-value-51be0d";

/// A temporary directory holding `repo/` (the root) and `outside/`.
struct Hostile {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, text).expect("write");
}

fn hostile_repository() -> Hostile {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("repo");
    let outside = dir.path().join("outside");
    // What lies outside: a kustomize directory and files a link points at.
    write(
        &outside.join("kustomization.yaml"),
        "resources:\n  - cm.yaml\n",
    );
    write(
        &outside.join("cm.yaml"),
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\ndata:\n  k: {PLANTED_OUTSIDE}\n"
        ),
    );
    write(
        &outside.join("broken.yaml"),
        &format!("key: [{PLANTED_OUTSIDE}\n"),
    );
    write(&outside.join("hostname"), PLANTED_OUTSIDE);

    write(
        &root.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.edge = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./hosts/edge.nix ];
    };
    nixosConfigurations.gate = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./hosts/gate.nix ];
    };
  };
}
"#,
    );
    write(
        &root.join("hosts/edge.nix"),
        r#"{ ... }:
{
  imports = [ ./passwd.nix ];
  networking.hostName = builtins.readFile ./hn;
  environment.etc.listing.text = builtins.toJSON (builtins.readDir ./.);
  environment.etc.seen.text = if builtins.pathExists ./hn then "yes" else "no";
  system.stateVersion = "24.05";
}
"#,
    );
    write(
        &root.join("hosts/gate.nix"),
        "{ ... }:\n{\n  networking.hostName = builtins.readFile ./outside-name;\n  system.stateVersion = \"24.05\";\n}\n",
    );
    symlink("/proc/self/environ", root.join("hosts/hn")).expect("link");
    symlink("/etc/passwd", root.join("hosts/passwd.nix")).expect("link");
    symlink(outside.join("hostname"), root.join("hosts/outside-name")).expect("link");

    write(
        &root.join("clusters/home/flux-system/gotk-sync.yaml"),
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  url: ssh://git@github.com/example/homelab\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/home\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        &root.join("clusters/home/flux-system/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    );
    write(
        &root.join("clusters/home/apps.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  path: ./apps\n  prune: true\n",
    );
    write(
        &root.join("apps/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - environ.yaml\n  - passwd.yaml\n  - broken.yaml\n  - linked\n  - ../../outside\n  - alias.yaml\n",
    );
    write(
        &root.join("apps/real.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: real\ndata:\n  a: b\n",
    );
    // A symlink inside the root is an ordinary file.
    symlink("real.yaml", root.join("apps/alias.yaml")).expect("link");
    symlink("/proc/self/environ", root.join("apps/environ.yaml")).expect("link");
    symlink("/etc/passwd", root.join("apps/passwd.yaml")).expect("link");
    symlink(outside.join("broken.yaml"), root.join("apps/broken.yaml")).expect("link");
    symlink(&outside, root.join("apps/linked")).expect("link");
    let fifo = Command::new("mkfifo")
        .arg(root.join("apps/pipe.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(fifo.success());
    Hostile { _dir: dir, root }
}

fn strata(args: &[&str]) -> Output {
    common::strata_with_env(args, &[("STRATA_PLANTED", PLANTED_ENV)])
}

fn first_line_of_passwd() -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    passwd.lines().next().expect("a line").to_string()
}

/// Asserts that nothing from beyond the boundary reached the output.
#[track_caller]
fn assert_no_leak(what: &str, output: &[u8]) {
    let text = String::from_utf8_lossy(output);
    for planted in [PLANTED_ENV, PLANTED_OUTSIDE, &first_line_of_passwd()] {
        assert!(!text.contains(planted), "{what} leaks `{planted}`:\n{text}");
    }
}

/// The refused entries, as IO002 reports them.
const REFUSED: &[&str] = &[
    "apps/broken.yaml",
    "apps/environ.yaml",
    "apps/linked",
    "apps/passwd.yaml",
    "apps/pipe.yaml",
    "hosts/hn",
    "hosts/outside-name",
    "hosts/passwd.nix",
];

#[test]
fn lint_names_every_refused_entry_and_exits_1() {
    let repo = hostile_repository();
    let root = repo.root.to_str().expect("UTF-8 path");
    let out = strata(&["lint", root, "--eval", "static", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    let at = |code: &str| -> Vec<String> {
        diagnostics
            .iter()
            .filter(|d| d["code"] == code)
            .map(|d| {
                format!(
                    "{}:{}:{}",
                    d["file"].as_str().unwrap_or(""),
                    d["line"],
                    d["column"]
                )
            })
            .collect()
    };
    let expected: Vec<String> = REFUSED.iter().map(|p| format!("{p}:1:1")).collect();
    assert_eq!(at("IO002"), expected);
    // What depended on them is missing, where it was asked for.
    assert_eq!(
        at("FLUX005"),
        [
            "apps/kustomization.yaml:4:5",
            "apps/kustomization.yaml:5:5",
            "apps/kustomization.yaml:6:5",
            "apps/kustomization.yaml:7:5",
            "apps/kustomization.yaml:8:5",
        ]
    );
    assert_eq!(at("NIX002"), ["hosts/edge.nix:3:15"]);
    let message = |code: &str, file: &str| -> String {
        diagnostics
            .iter()
            .find(|d| d["code"] == code && d["file"] == file)
            .and_then(|d| d["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        message("IO002", "apps/environ.yaml"),
        "`apps/environ.yaml` is a symlink that resolves outside the repository; it was not read"
    );
    assert_eq!(
        message("IO002", "apps/pipe.yaml"),
        "`apps/pipe.yaml` is not a regular file (a device, FIFO, socket or /proc entry); it was not read"
    );
    assert_eq!(
        message("NIX002", "hosts/edge.nix"),
        "`./passwd.nix` imported from `hosts/edge.nix`: `hosts/passwd.nix` resolves outside the repository and was not read (IO002)"
    );
    // No snippet was ever built from a refused file.
    assert!(at("YAML001").is_empty() && at("NIX001").is_empty());
}

#[test]
fn read_file_of_a_link_out_of_the_root_is_unknown_in_the_graph() {
    let repo = hostile_repository();
    let root = repo.root.to_str().expect("UTF-8 path");
    let out = strata(&["graph", root, "--eval", "static", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let graph: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for host in ["host/edge", "host/gate"] {
        let node = graph["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["id"] == host)
            .unwrap_or_else(|| panic!("no {host}"));
        let hostname = &node["attrs"]["facts"]["hostname"];
        assert_eq!(hostname["state"], "unknown");
        let reason = hostname["reason"].as_str().expect("a reason");
        assert!(
            reason.ends_with("resolves outside the repository and was not read (IO002)"),
            "{reason}"
        );
    }
}

#[test]
fn no_subcommand_or_format_prints_what_lies_beyond() {
    let repo = hostile_repository();
    let root = repo.root.to_str().expect("UTF-8 path");
    let runs: &[(&str, &str, i32)] = &[
        ("lint", "human", 1),
        ("lint", "json", 1),
        ("lint", "sarif", 1),
        ("lint", "github", 1),
        ("graph", "json", 0),
        ("graph", "dot", 0),
        ("graph", "mermaid", 0),
        ("plan", "human", 0),
        ("plan", "json", 0),
    ];
    for eval in ["static", "auto"] {
        for (command, format, code) in runs {
            let what = format!("{command} --format {format} --eval {eval}");
            let out = strata(&[command, root, "--eval", eval, "--format", format]);
            assert_eq!(out.status.code(), Some(*code), "{what}");
            assert_no_leak(&what, &out.stdout);
            assert_no_leak(&what, &out.stderr);
            if *command == "lint" {
                let text = String::from_utf8_lossy(&out.stdout);
                for path in REFUSED {
                    assert!(text.contains(path), "{what} does not name {path}:\n{text}");
                }
            }
        }
    }
}

#[test]
fn the_real_nix_never_runs_on_a_tree_with_refused_entries() {
    let repo = hostile_repository();
    let root = repo.root.to_str().expect("UTF-8 path");
    let out = strata(&["lint", root, "--eval", "nix", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_leak("lint --eval nix", &out.stdout);
    assert_no_leak("lint --eval nix", &out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let fallback: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "EVAL001")
        .collect();
    assert_eq!(fallback.len(), 1);
    assert_eq!(fallback[0]["file"], "flake.nix");
    assert!(
        fallback[0]["message"]
            .as_str()
            .expect("message")
            .starts_with("`nix` was not run: `apps/broken.yaml` (and maybe more, see IO002)")
    );
}
