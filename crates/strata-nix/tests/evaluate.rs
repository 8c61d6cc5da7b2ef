//! The evaluation tier against the real `nix` (Debian's nix-bin 2.8 in CI),
//! offline, on fixture flakes whose hosts are shaped like evaluated NixOS
//! systems. A missing `nix` fails these tests with the install hint.

// Helpers outside `#[test]` functions panic on a broken fixture, as tests do.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use strata_nix::evaluate::{
    EvaluatedHost, FlakeRef, HostAttr, HostOutput, NixCli, NixEvaluator, evaluate_hosts,
    unaffected_hosts,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(name)
}

fn nix() -> NixCli {
    NixCli::detect().unwrap_or_else(|why| panic!("these tests need a real nix: {why}"))
}

fn nixos(names: &[&str]) -> Vec<HostAttr> {
    names
        .iter()
        .map(|n| HostAttr {
            name: n.to_string(),
            output: HostOutput::NixosConfigurations,
        })
        .collect()
}

#[test]
fn detects_the_nix_version() {
    let version = nix().version();
    assert!(version.major == 2 && version.minor >= 4, "{version}");
}

#[test]
fn every_host_is_evaluated_whatever_the_others_do() {
    let mut nix = nix();
    nix.timeout = Duration::from_secs(3);
    let flake = FlakeRef::for_dir(&fixture("eval-failures"));
    assert!(
        flake.reference.starts_with("path:"),
        "a fixture inside the repository is a path: flake"
    );
    let names = nix
        .list_hosts(&flake, HostOutput::NixosConfigurations)
        .unwrap();
    assert_eq!(names, ["a", "b", "broken", "slow", "undefined"]);
    assert!(
        nix.list_hosts(&flake, HostOutput::DeployRs)
            .unwrap()
            .is_empty(),
        "an absent output has no hosts"
    );
    assert!(
        nix.list_hosts(&flake, HostOutput::ColmenaHive)
            .unwrap()
            .is_empty()
    );

    let results = evaluate_hosts(
        &nix,
        &flake,
        &nixos(&["a", "b", "broken", "slow", "undefined"]),
        2,
        &|_, _| {},
    );
    let a = results[0].as_ref().unwrap();
    assert!(a.facts.toplevel().unwrap().ends_with("-nixos-system-a.drv"));
    assert_eq!(a.facts.host_name, Some(serde_json::json!("a")));
    let k3s = a.facts.k3s.as_ref().unwrap();
    assert_eq!(
        k3s["token"],
        serde_json::json!({ "__secret": true }),
        "the token is stripped inside Nix"
    );
    assert_eq!(k3s["clusterInit"], true);
    let b = results[1].as_ref().unwrap();
    assert_eq!(
        b.facts.k3s.as_ref().unwrap()["serverAddr"],
        "https://10.0.0.1:6443"
    );
    let printed = serde_json::to_string(
        &results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        !printed.contains("do-not-print-me"),
        "no secret in any output"
    );

    // One option throws: that fact is unknown, the host is still read.
    let broken = results[2].as_ref().unwrap();
    assert_eq!(
        broken.facts.host_name.as_ref().unwrap()["__unknown"],
        "evaluation failed"
    );
    assert!(broken.facts.toplevel().is_none());
    let toplevel = broken
        .toplevel_failure
        .as_ref()
        .expect("the toplevel's own error");
    assert_eq!(toplevel.message, "no toplevel without a hostName");
    // Nix 2.8 prints no position for a `throw` reached directly: nothing to map.
    assert_eq!(toplevel.location, None);
    // A timeout ends one host, not the run.
    let slow = results[3].as_ref().unwrap_err();
    assert!(slow.timed_out, "{slow:?}");
    // An evaluation error maps back to the repository file, line and column.
    let undefined = results[4].as_ref().unwrap_err();
    assert!(
        undefined
            .message
            .contains("undefined variable 'missingVariable'"),
        "{undefined:?}"
    );
    assert_eq!(
        undefined.location,
        Some(("hosts/undefined.nix".to_string(), 3, 27))
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn evaluate_all(nix: &NixCli, dir: &Path) -> Vec<EvaluatedHost> {
    let flake = FlakeRef::for_dir(dir);
    let hosts = nixos(&["homelab-0", "homelab-1", "homelab-2"]);
    evaluate_hosts(nix, &flake, &hosts, 3, &|_, _| {})
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn the_toplevel_changes_exactly_when_a_hosts_inputs_change() {
    let nix = nix();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("eval-homelab"), dir.path());
    let before = evaluate_all(&nix, dir.path());
    let all = ["homelab-0", "homelab-1", "homelab-2"];

    // Files no host reads, and comments, change nothing that is deployed.
    std::fs::write(dir.path().join("README.md"), "rack notes").unwrap();
    let flake = std::fs::read_to_string(dir.path().join("flake.nix")).unwrap();
    std::fs::write(dir.path().join("flake.nix"), format!("# reviewed\n{flake}")).unwrap();
    let same = evaluate_all(&nix, dir.path());
    assert_eq!(
        unaffected_hosts(&before, &same)
            .into_iter()
            .collect::<Vec<_>>(),
        all
    );

    // homelab-2's address reaches its k3s flags: only homelab-2 changes.
    std::fs::write(
        dir.path().join("flake.nix"),
        flake.replace("192.168.50.105", "192.168.50.115"),
    )
    .unwrap();
    let moved = evaluate_all(&nix, dir.path());
    assert_eq!(
        unaffected_hosts(&before, &moved)
            .into_iter()
            .collect::<Vec<_>>(),
        ["homelab-0", "homelab-1"]
    );

    // A shared module reaches every host.
    let k3s = std::fs::read_to_string(dir.path().join("modules/k3s.nix")).unwrap();
    std::fs::write(
        dir.path().join("modules/k3s.nix"),
        k3s.replace(
            "\"--disable traefik\"",
            "\"--disable traefik\" \"--disable local-storage\"",
        ),
    )
    .unwrap();
    let shared = evaluate_all(&nix, dir.path());
    assert!(unaffected_hosts(&moved, &shared).is_empty());
}

#[test]
fn mk_strata_returns_apps_and_a_check() {
    let nix_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../nix"));
    // The stub `writeShellScript` returns the script text itself, so the test
    // reads exactly what each app runs; `runCommand` makes a real (unbuilt) derivation.
    let expression = format!(
        r#"
        let
          integration = import {dir}/strata.nix;
          pkgs = {{
            writeShellScript = name: text: text;
            runCommand = name: env: script: derivation {{ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; }};
          }};
          package = "/nix/store/00000000000000000000000000000000-strata-0.1.0";
          result = integration.mkStrata {{ self = {dir}; inherit pkgs package; extraArgs = [ "--format" "json" ]; }};
        in {{
          apps = builtins.mapAttrs (name: app: {{ inherit (app) type program; }}) result.apps;
          check = {{ inherit (result.checks.strata-lint) type name; instantiates = builtins.isString result.checks.strata-lint.drvPath; }};
        }}"#,
        dir = nix_dir.display()
    );
    let output = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expression])
        .output()
        .expect("nix-instantiate runs (apt-get install nix-bin)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let strata = "/nix/store/00000000000000000000000000000000-strata-0.1.0/bin/strata";
    for command in ["diff", "graph", "lint", "plan"] {
        assert_eq!(value["apps"][command]["type"], "app");
        // The user's arguments pass through unchanged; `--eval` is strata's
        // default (auto) unless the user names one.
        let program = value["apps"][command]["program"].as_str().unwrap().trim();
        assert!(
            program.contains("--eval | --eval=*)"),
            "the app looks for the user's --eval: {program}"
        );
        assert_eq!(
            program.lines().last().unwrap(),
            format!("exec {strata} {command}  '--format' 'json' \"$@\"")
        );
    }
    assert_eq!(
        value["check"],
        serde_json::json!({ "type": "derivation", "name": "strata-lint", "instantiates": true })
    );
}

#[test]
fn a_classic_repository_is_evaluated_with_nix_instantiate() {
    let nix = nix();
    let target = FlakeRef::detect(&fixture("eval-classic")).expect("default.nix");
    assert!(!target.is_flake);
    assert_eq!(
        nix.list_hosts(&target, HostOutput::NixosConfigurations)
            .unwrap(),
        ["nas", "router"]
    );
    assert!(
        nix.list_hosts(&target, HostOutput::DeployRs)
            .unwrap()
            .is_empty()
    );
    let results = evaluate_hosts(&nix, &target, &nixos(&["nas", "router"]), 2, &|_, _| {});
    let nas = results[0].as_ref().unwrap();
    assert_eq!(nas.facts.host_name, Some(serde_json::json!("nas")));
    assert!(
        nas.facts
            .toplevel()
            .unwrap()
            .ends_with("-nixos-system-nas.drv")
    );
    assert!(
        FlakeRef::detect(&fixture("flux-basic")).is_none(),
        "no Nix entry point: nothing to evaluate"
    );
}
