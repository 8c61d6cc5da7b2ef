//! The hostile-input suite: malformed repositories, each generated at test
//! time into a temporary directory and run through the real
//! `strata lint --format json --eval static`. Every case names the findings
//! it must produce (code, file, line) and the exit code; a malformed input
//! that gives no finding, a panic or a wrong exit code fails the suite.
//!
//! Cases live in one table per layer (`flux`, `kustomize`, `yaml`, `nix`),
//! each a small change to a clean base repository ([`Base`]).

#[path = "../common/mod.rs"]
mod common;

mod flux;
mod kustomize;
mod nix;
mod yaml;

use common::{Finding, lint_json, write_files};

/// The clean repository a case starts from.
#[derive(Clone, Copy, Debug)]
pub enum Base {
    /// A `flux bootstrap` tree: `clusters/home` synced, an `apps`
    /// Kustomization applying `./apps` (a Namespace `podinfo` and a
    /// HelmRepository), all directories without `kustomization.yaml`.
    Flux,
    /// A flake with one NixOS host `web` (`hosts/web.nix`) and its lock.
    Nix,
}

/// One hostile input.
pub struct Case {
    /// What is malformed.
    pub name: &'static str,
    /// The repository it changes.
    pub base: Base,
    /// Files written over the base (path, content; dedented).
    pub files: &'static [(&'static str, &'static str)],
    /// Findings that must be present: (code, file, line).
    pub expect: &'static [(&'static str, &'static str, u64)],
    /// The exit code of `strata lint`.
    pub exit: i32,
}

const FLUX_BASE: &[(&str, &str)] = &[
    (
        "clusters/home/flux-system/gotk-sync.yaml",
        common::GOTK_SYNC,
    ),
    (
        "clusters/home/apps.yaml",
        "
        apiVersion: kustomize.toolkit.fluxcd.io/v1
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
        ",
    ),
    (
        "apps/namespace.yaml",
        "
        apiVersion: v1
        kind: Namespace
        metadata:
          name: podinfo
        ",
    ),
    (
        "apps/repository.yaml",
        "
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata:
          name: podinfo
          namespace: podinfo
        spec:
          interval: 1h
          url: https://stefanprodan.github.io/podinfo
        ",
    ),
];

const NIX_BASE: &[(&str, &str)] = &[
    (
        "flake.nix",
        r#"
        {
          inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
          outputs = { self, nixpkgs, ... }: {
            nixosConfigurations.web = nixpkgs.lib.nixosSystem {
              system = "x86_64-linux";
              modules = [ ./hosts/web.nix ];
            };
          };
        }
        "#,
    ),
    (
        "flake.lock",
        r#"
        {
          "nodes": {
            "nixpkgs": {
              "locked": {
                "lastModified": 1765762245,
                "narHash": "sha256-3iXM/zTqEskWtmZs3gqNiVtRTsEjYAedIaLL0mSBsrk=",
                "owner": "nixos",
                "repo": "nixpkgs",
                "rev": "c8cfcd6ccd422e41cc631a0b73ed4d5a925c393d",
                "type": "github"
              },
              "original": { "owner": "nixos", "repo": "nixpkgs", "type": "github" }
            },
            "root": { "inputs": { "nixpkgs": "nixpkgs" } }
          },
          "root": "root",
          "version": 7
        }
        "#,
    ),
    (
        "hosts/web.nix",
        r#"
        { config, pkgs, ... }:
        {
          networking.hostName = "web";
          system.stateVersion = "25.11";
        }
        "#,
    ),
];

fn all_cases() -> Vec<&'static Case> {
    [flux::CASES, kustomize::CASES, yaml::CASES, nix::CASES]
        .into_iter()
        .flatten()
        .collect()
}

/// Runs one case; `Err` says what differs, with everything strata found.
fn run(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let base = match case.base {
        Base::Flux => FLUX_BASE,
        Base::Nix => NIX_BASE,
    };
    write_files(dir.path(), base);
    write_files(dir.path(), case.files);
    let lint = lint_json(dir.path());
    let mut problems = Vec::new();
    for &(code, file, line) in case.expect {
        let found = lint
            .findings
            .iter()
            .any(|f| f.code == code && f.file.as_deref() == Some(file) && f.line == Some(line));
        if !found {
            problems.push(format!("missing {code} {file}:{line}"));
        }
    }
    if lint.exit != case.exit {
        problems.push(format!("exit {} (expected {})", lint.exit, case.exit));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let found: Vec<String> = lint.findings.iter().map(show).collect();
    Err(format!(
        "{}: {}\n    found:\n      {}\n    stderr: {}",
        case.name,
        problems.join("; "),
        found.join("\n      "),
        lint.stderr.trim()
    ))
}

fn show(f: &Finding) -> String {
    format!(
        "{} {}:{} {}",
        f.code,
        f.file.as_deref().unwrap_or("-"),
        f.line.unwrap_or(0),
        f.message
    )
}

#[test]
fn the_clean_bases_are_clean() {
    for base in [Base::Flux, Base::Nix] {
        let case = Case {
            name: "base",
            base,
            files: &[],
            expect: &[],
            exit: 0,
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        write_files(
            dir.path(),
            match case.base {
                Base::Flux => FLUX_BASE,
                Base::Nix => NIX_BASE,
            },
        );
        let lint = lint_json(dir.path());
        let found: Vec<String> = lint.findings.iter().map(show).collect();
        assert!(found.is_empty(), "{base:?}: {found:#?}");
        assert_eq!(lint.exit, 0, "{base:?}: {}", lint.stderr);
    }
}

#[test]
fn every_hostile_input_gets_its_finding_and_exit_code() {
    let cases = all_cases();
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        assert!(
            case.exit == 0 || !case.expect.is_empty(),
            "{}: a failing case names its finding",
            case.name
        );
    }
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err()).collect();
    eprintln!("{} hostile cases, {} failed", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}
