//! Pathological inputs cost a bounded amount of work: each is generated at
//! test time, and the binary must answer with a finding at the offending
//! line (not a stack overflow, an abort or minutes of work) while still
//! analysing the rest of the repository.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Generous for debug builds; the budgets, not the clock, stop each case.
const TIME_BOUND: Duration = Duration::from_secs(20);

fn write(root: &Path, path: &str, text: &str) {
    common::write_file(root, path, text);
}

/// `strata ARGS`, its output and how long it took.
fn strata(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let output = common::strata(args);
    (output, start.elapsed())
}

/// `strata COMMAND ROOT --eval static --format json`: exit code and JSON.
fn json_run(command: &str, root: &Path) -> (i32, Value) {
    let path = root.to_str().expect("UTF-8 path");
    let (output, took) = strata(&[command, path, "--eval", "static", "--format", "json"]);
    assert!(took < TIME_BOUND, "`strata {command}` took {took:?}");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "`strata {command}` printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().expect("an exit code"), json)
}

/// `(code, file, line)` of every diagnostic.
fn findings(json: &Value) -> Vec<(String, String, u64)> {
    json["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn has(json: &Value, code: &str, file: &str, line: u64) -> bool {
    findings(json).contains(&(code.to_string(), file.to_string(), line))
}

/// A flake with hosts `a` (whose hostName is `expr`, on line 3 of `a.nix`)
/// and `b` (plain), so a test can check that `b` is still read.
fn two_hosts(expr: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "flake.nix",
        r#"{
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./a.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./b.nix ]; };
  };
}
"#,
    );
    write(
        root,
        "a.nix",
        &format!(
            "{{ ... }}:\n{{\n  networking.hostName = {expr};\n  system.stateVersion = \"25.11\";\n}}\n"
        ),
    );
    write(
        root,
        "b.nix",
        "{ ... }:\n{\n  networking.hostName = \"b\";\n  system.stateVersion = \"25.11\";\n}\n",
    );
    dir
}

fn graph_has_node(root: &Path, id: &str) -> bool {
    let (_, graph) = json_run("graph", root);
    graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["id"] == id)
}

#[test]
fn a_string_doubled_40_times_stops_at_the_memory_budget() {
    let dir = two_hosts(
        r#"builtins.substring 0 8 (builtins.foldl' (s: _: s + s) "ab" (builtins.genList (i: i) 40))"#,
    );
    let (code, json) = json_run("lint", dir.path());
    assert!(has(&json, "NIX003", "a.nix", 3), "{:?}", findings(&json));
    assert_eq!(code, 0, "NIX003 is a warning");
    assert!(graph_has_node(dir.path(), "host/b"));
}

#[test]
fn each_host_that_spends_its_memory_budget_gets_its_own_finding() {
    let doubling = r#"builtins.substring 0 8 (builtins.foldl' (s: _: s + s) "ab" (builtins.genList (i: i) 40))"#;
    let dir = two_hosts(doubling);
    write(
        dir.path(),
        "b.nix",
        &format!("{{ ... }}:\n{{\n  networking.hostName = {doubling};\n}}\n"),
    );
    let (_, json) = json_run("lint", dir.path());
    assert!(has(&json, "NIX003", "a.nix", 3), "{:?}", findings(&json));
    assert!(has(&json, "NIX003", "b.nix", 3), "{:?}", findings(&json));
}

#[test]
fn a_fold_of_20000_attribute_set_updates_stops_at_the_memory_budget() {
    let dir = two_hosts(
        r#"let s = builtins.foldl' (acc: i: acc // { "k${toString i}" = i; }) {} (builtins.genList (i: i) 20000); in "h${toString (builtins.length (builtins.attrNames s))}""#,
    );
    let (code, json) = json_run("lint", dir.path());
    assert!(has(&json, "NIX003", "a.nix", 3), "{:?}", findings(&json));
    assert_eq!(code, 0);
    assert!(graph_has_node(dir.path(), "host/b"));
}

#[test]
fn a_list_nested_100000_deep_is_reported_not_parsed() {
    let depth = 100_000;
    let dir = two_hosts(&format!(
        "let l = {}1{}; in \"a\"",
        "[".repeat(depth),
        "]".repeat(depth)
    ));
    let (code, json) = json_run("lint", dir.path());
    assert!(has(&json, "NIX001", "a.nix", 3), "{:?}", findings(&json));
    assert_eq!(code, 1, "NIX001 is an error");
    assert!(graph_has_node(dir.path(), "host/b"));
}

/// A Flux sync root whose Kustomization `chain` applies `k/d0`, where each
/// `k/dN` includes `k/dN+1`, `depth` levels deep.
fn kustomize_chain(depth: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "clusters/home/flux-system/gotk-sync.yaml",
        common::GOTK_SYNC,
    );
    write(
        root,
        "clusters/home/chain.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: chain
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./k/d0
  prune: true
",
    );
    for i in 0..depth {
        let next = if i + 1 < depth {
            format!("../d{}", i + 1)
        } else {
            "cm.yaml".to_string()
        };
        write(
            root,
            &format!("k/d{i}/kustomization.yaml"),
            &format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {next}\n"
            ),
        );
    }
    write(
        root,
        &format!("k/d{}/cm.yaml", depth - 1),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n  a: b\n",
    );
    dir
}

#[test]
fn a_kustomize_include_chain_1500_deep_stops_at_the_depth_bound() {
    let dir = kustomize_chain(1500);
    let (code, json) = json_run("lint", dir.path());
    // `k/d0` is built as the 1st level, so `k/d199` holds the 201st include.
    assert!(
        has(&json, "FLUX005", "k/d199/kustomization.yaml", 4),
        "{:?}",
        findings(&json)
    );
    assert_eq!(code, 0, "the depth bound is a warning");
    assert!(graph_has_node(
        dir.path(),
        "Kustomization/flux-system/chain"
    ));
}

#[test]
fn a_kustomize_include_chain_within_the_bound_is_built_whole() {
    let dir = kustomize_chain(150);
    let (_, json) = json_run("lint", dir.path());
    assert!(findings(&json).iter().all(|(code, ..)| code != "FLUX005"));
    assert!(graph_has_node(dir.path(), "ConfigMap/default/c"));
}

#[test]
fn a_configmap_with_200000_keys_is_checked_for_duplicates_in_linear_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = 200_000;
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n",
    );
    for i in 0..keys {
        text.push_str(&format!("  k{i}: v{i}\n"));
    }
    // Line 6 is `data:`, key kN is on line 7 + N; the duplicate follows them.
    text.push_str("  k17: again\n");
    write(dir.path(), "cm/configmap.yaml", &text);
    write(
        dir.path(),
        "cm/kustomization.yaml",
        "resources:\n  - configmap.yaml\n",
    );
    let (code, json) = json_run("lint", dir.path());
    let duplicate_line = 7 + keys as u64;
    assert!(
        has(&json, "YAML001", "cm/configmap.yaml", duplicate_line),
        "{:?}",
        findings(&json)
    );
    assert_eq!(code, 1);
}

#[test]
fn an_unreadable_root_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("locked");
    std::fs::create_dir(&root).expect("mkdir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read_dir(&root).is_ok() {
        // Running as root: permissions do not stop reading, so this case
        // cannot be built here.
        eprintln!("skipped: the test runs with permission to read any directory");
        return;
    }
    let (output, _) = strata(&["lint", root.to_str().expect("UTF-8"), "--eval", "static"]);
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot read repository root"), "{stderr}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn plan_json_prints_the_contract_object_with_diagnostics_when_it_exits_1() {
    let fixture = common::repo_root().join("tests/fixtures/flux-depends-on-cycle");
    let (code, json) = json_run("plan", &fixture);
    assert_eq!(code, 1);
    assert_eq!(json["version"], 1);
    assert_eq!(json["waves"], Value::Array(Vec::new()));
    assert!(
        findings(&json).iter().any(|(code, ..)| code == "FLUX002"),
        "{json}"
    );
}

#[test]
fn a_kustomization_whose_path_includes_itself_is_no_cycle_for_lint_or_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &common::repo_root().join("tests/fixtures/flux-basic"),
        dir.path(),
    );
    // `apps` now applies its own directory: itself, its parent and siblings.
    let apps = dir.path().join("clusters/home/apps.yaml");
    let text = std::fs::read_to_string(&apps).expect("apps.yaml");
    assert!(text.contains("path: ./apps/home"));
    std::fs::write(
        &apps,
        text.replace("path: ./apps/home", "path: ./clusters/home"),
    )
    .expect("write");
    let (_, lint) = json_run("lint", dir.path());
    let (plan_code, plan) = json_run("plan", dir.path());
    let cycle = |json: &Value| findings(json).iter().any(|(code, ..)| code == "FLUX002");
    assert!(!cycle(&lint), "{:?}", findings(&lint));
    assert!(
        plan.get("diagnostics").is_none_or(|_| !cycle(&plan)),
        "{plan}"
    );
    assert_eq!(plan_code, 0, "{plan}");
    assert!(!plan["waves"].as_array().expect("waves").is_empty());
}

/// Hosts `a` (hostName `expr`, line 3 of `a.nix`) and `b` in a flake real
/// Nix evaluates offline: no inputs, a `nixosSystem` that returns the module.
fn two_offline_hosts(expr: &str) -> tempfile::TempDir {
    let dir = two_hosts(expr);
    write(
        dir.path(),
        "flake.nix",
        r#"{
  outputs = { self, ... }:
    let
      nixosSystem = { system, modules }:
        let config = import (builtins.head modules) { };
        in { config = config // { system.build.toplevel = derivation { name = "system"; inherit system; builder = "/bin/sh"; }; }; };
    in {
      nixosConfigurations.a = nixosSystem { system = "x86_64-linux"; modules = [ ./a.nix ]; };
      nixosConfigurations.b = nixosSystem { system = "x86_64-linux"; modules = [ ./b.nix ]; };
    };
}
"#,
    );
    dir
}

#[test]
fn real_nix_stops_at_its_memory_budget_on_a_string_doubled_40_times() {
    let dir = two_offline_hosts(
        r#"builtins.substring 0 8 (builtins.foldl' (s: _: s + s) "ab" (builtins.genList (i: i) 40))"#,
    );
    let path = dir.path().to_str().expect("UTF-8 path");
    let (output, took) = strata(&["lint", path, "--eval", "nix", "--format", "json"]);
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let json: Value = serde_json::from_slice(&output.stdout).expect("lint JSON");
    let failed = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "EVAL003" && d["node"] == "host/a")
        .unwrap_or_else(|| panic!("{:?}", findings(&json)));
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.contains("memory budget")),
        "{failed}"
    );
    assert!(has(&json, "NIX003", "a.nix", 3), "{:?}", findings(&json));
    assert_eq!(output.status.code(), Some(1), "EVAL003 is an error");
    assert!(
        !json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["code"] == "EVAL003" && d["node"] == "host/b"),
        "host b still evaluates"
    );
}
