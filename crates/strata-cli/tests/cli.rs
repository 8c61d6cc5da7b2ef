//! The `strata` binary against CONTRACT.md: exit codes, JSON shapes, and
//! snapshots of what users see, on the example homelab and on fixtures.

mod common;

use std::process::{Command, Output};

use common::{fixture, fixture_copy, repo_root, strata};
use serde_json::Value;

/// `strata COMMAND PATH --eval EVAL --format FORMAT`.
fn run(command: &str, path: &std::path::Path, eval: &str, format: &str) -> Output {
    strata(&[
        command,
        path.to_str().expect("UTF-8 path"),
        "--eval",
        eval,
        "--format",
        format,
    ])
}

/// `strata COMMAND PATH --eval static --format FORMAT`.
fn static_run(command: &str, path: &std::path::Path, format: &str) -> Output {
    run(command, path, "static", format)
}

/// Asserts a zero exit, showing stderr otherwise.
#[track_caller]
fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The node of `graph --format json` output with this id.
#[track_caller]
fn graph_node<'a>(graph: &'a Value, id: &str) -> &'a Value {
    graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

fn root_arg() -> String {
    repo_root().to_string_lossy().into_owned()
}

#[test]
fn example_homelab_lints_clean() {
    let out = static_run("lint", &repo_root(), "json");
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["errors"], 0, "{report:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn lint_json_matches_the_contract_shape() {
    let out = static_run("lint", &fixture("flux-depends-on-unresolved"), "json");
    assert_eq!(out.status.code(), Some(1), "an error finding exits 1");
    let report = json(&out);
    let first = &report["diagnostics"][0];
    for key in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "node",
        "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first:#}");
    }
    assert_eq!(report["summary"]["errors"], 2);
    insta::assert_snapshot!("lint_json_depends_on_unresolved", stdout(&out));
}

#[test]
fn lint_human_shows_snippets_and_a_summary() {
    let out = strata(&[
        "lint",
        fixture("flux-depends-on-cycle").to_str().unwrap(),
        "--eval",
        "static",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("lint_human_depends_on_cycle", stdout(&out));
}

#[test]
fn lint_sarif_and_github_formats() {
    let path = fixture("flux-source-unresolved");
    let sarif = json(&static_run("lint", &path, "sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "FLUX003");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        26
    );
    // Outside git, annotation paths are repository-relative.
    let copy = fixture_copy("flux-source-unresolved");
    let github = stdout(&static_run("lint", copy.path(), "github"));
    insta::assert_snapshot!("lint_github_source_unresolved", github);
}

#[test]
fn output_is_deterministic() {
    let args = ["graph", &root_arg(), "--format", "json", "--eval", "static"];
    assert_eq!(strata(&args).stdout, strata(&args).stdout);
    let args = ["lint", &root_arg(), "--format", "json", "--eval", "static"];
    assert_eq!(strata(&args).stdout, strata(&args).stdout);
}

#[test]
fn graph_json_of_the_example() {
    let out = static_run("graph", &repo_root(), "json");
    assert_eq!(out.status.code(), Some(0));
    let graph = json(&out);
    assert_eq!(graph["version"], 1);
    let nodes = graph["nodes"].as_array().unwrap();
    let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "nodes sorted by id");
    for id in [
        "host/homelab-0",
        "host/homelab-1",
        "host/homelab-2",
        "file/modules/k3s/default.nix",
        "input/nixpkgs",
        "Kustomization/flux-system/infrastructure-controllers",
        "HelmRelease/cert-manager/cert-manager",
        "Namespace/media",
    ] {
        assert!(ids.contains(&id), "missing node {id}");
    }
    let host = graph_node(&graph, "host/homelab-0");
    assert_eq!(
        (host["kind"].as_str(), host["name"].as_str()),
        (Some("host"), Some("homelab-0"))
    );
    assert!(host["file"].is_string() && host["line"].as_u64().unwrap() >= 1);
    let edges = graph["edges"].as_array().unwrap();
    let has = |from: &str, to: &str, kind: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
    };
    assert!(has("host/homelab-1", "host/homelab-0", "joins"));
    assert!(has("host/homelab-2", "host/homelab-0", "joins"));
    assert!(has(
        "Kustomization/flux-system/infrastructure-configs",
        "Kustomization/flux-system/infrastructure-controllers",
        "depends-on"
    ));
    assert!(has(
        "Kustomization/flux-system/flux-system",
        "Kustomization/flux-system/apps",
        "contains"
    ));
    assert!(
        has(
            "HelmRelease/cert-manager/cert-manager",
            "HelmRepository/cert-manager/jetstack",
            "source"
        ) || edges
            .iter()
            .any(|e| e["from"] == "HelmRelease/cert-manager/cert-manager" && e["kind"] == "source")
    );
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == "host/homelab-0" && e["kind"] == "imports")
    );
}

#[test]
fn graph_dot_and_mermaid() {
    let dot = stdout(&static_run("graph", &repo_root(), "dot"));
    assert!(
        dot.starts_with("digraph strata {")
            && dot.contains("\"host/homelab-1\" -> \"host/homelab-0\" [label=\"joins\"]")
    );
    let mermaid = stdout(&static_run("graph", &repo_root(), "mermaid"));
    assert!(mermaid.starts_with("flowchart LR\n") && mermaid.contains("-->|joins|"));
}

#[test]
fn plan_of_the_example_orders_hosts_then_flux() {
    let out = static_run("plan", &repo_root(), "json");
    assert_success(&out);
    let plan = json(&out);
    assert_eq!(plan["version"], 1);
    let waves = plan["waves"].as_array().unwrap();
    let wave_of = |target: &str| {
        waves
            .iter()
            .find(|w| {
                w["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["target"] == target)
            })
            .map(|w| w["index"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("{target} not in plan"))
    };
    let wave0: Vec<&str> = waves[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        wave0,
        ["host/homelab-0"],
        "the cluster-init server is alone in wave 0"
    );
    assert!(wave_of("host/homelab-1") > 0 && wave_of("host/homelab-2") > 0);
    let controllers = wave_of("Kustomization/flux-system/infrastructure-controllers");
    let configs = wave_of("Kustomization/flux-system/infrastructure-configs");
    let apps = wave_of("Kustomization/flux-system/apps");
    assert!(wave_of("host/homelab-2") < controllers && controllers < configs && configs < apps);
    let step0 = &waves[0]["steps"][0];
    assert_eq!(step0["action"], "deploy-host");
    assert_eq!(
        step0["command"],
        serde_json::json!(["colmena", "apply", "--on", "homelab-0", "switch"])
    );
    assert_eq!(
        step0["reasons"][0],
        "k3s cluster-init server: every other node joins it"
    );
    insta::assert_snapshot!("plan_json_example", stdout(&out));
    let human = stdout(&strata(&["plan", &root_arg(), "--eval", "static"]));
    insta::assert_snapshot!("plan_human_example", human);
}

#[test]
fn plan_with_a_cycle_exits_1() {
    let out = strata(&[
        "plan",
        fixture("flux-depends-on-cycle").to_str().unwrap(),
        "--eval",
        "static",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FLUX002"));
}

#[test]
fn explain_prints_rule_docs_and_rejects_unknown_codes() {
    let out = strata(&["explain", "FLUX001"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("FLUX001 (depends-on-unresolved)"));
    for section in ["## What", "## Why", "## Example"] {
        assert!(text.contains(section));
    }
    let all = stdout(&strata(&["explain", "all"]));
    assert!(all.lines().count() >= 10);
    let unknown = strata(&["explain", "NOPE999"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
}

#[test]
fn tool_failures_exit_2_with_one_line() {
    let missing = strata(&["lint", "/nonexistent/strata-root"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&missing.stderr).lines().count(), 1);
    let bad_format = strata(&["lint", "--format", "yaml"]);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn eval_nix_without_nix_exits_2_with_an_install_hint() {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["lint", &root_arg(), "--eval", "nix"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apt-get install nix-bin"), "{stderr}");
}

#[test]
fn eval_auto_falls_back_with_one_info() {
    // Its input is a path that exists on no machine: the fallback is certain.
    let out = strata(&[
        "lint",
        fixture("eval-unfetchable").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json(&out);
    let infos: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "EVAL001")
        .collect();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["severity"], "info");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn eval_nix_on_the_example_twin() {
    let out = run("graph", &fixture("eval-homelab"), "nix", "json");
    assert_success(&out);
    let graph = json(&out);
    let host = graph_node(&graph, "host/homelab-1");
    assert!(
        host["attrs"]["toplevel_drv"]
            .as_str()
            .unwrap()
            .ends_with("-nixos-system-homelab-1-25.11.drv")
    );
    let lint = strata(&[
        "lint",
        fixture("eval-homelab").to_str().unwrap(),
        "--eval",
        "nix",
        "--format",
        "json",
        "--jobs",
        "2",
    ]);
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
}

#[test]
fn eval_nix_reports_failing_hosts_and_exits_1() {
    let out = strata(&[
        "lint",
        fixture("eval-failures").to_str().unwrap(),
        "--eval",
        "nix",
        "--format",
        "json",
        "--eval-timeout",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let failed: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "EVAL003")
        .collect();
    assert_eq!(failed.len(), 3);
    let undefined = failed
        .iter()
        .find(|d| d["node"] == "host/undefined")
        .unwrap();
    assert_eq!(
        (
            undefined["file"].as_str(),
            undefined["line"].as_u64(),
            undefined["column"].as_u64()
        ),
        (Some("hosts/undefined.nix"), Some(3), Some(27))
    );
    assert!(
        !stdout(&out).contains("do-not-print-me"),
        "the literal token never reaches output"
    );
}

#[test]
fn no_output_format_shows_a_literal_token() {
    let path = fixture("k3s-token-literal");
    for format in ["human", "json", "sarif", "github"] {
        let out = static_run("lint", &path, format);
        assert_eq!(out.status.code(), Some(1));
        let text = stdout(&out);
        assert!(text.contains("K3S005"), "{format}: {text}");
        assert!(
            !text.contains("fixture-secret"),
            "{format} shows the token: {text}"
        );
    }
    let graph = stdout(&strata(&[
        "graph",
        path.to_str().unwrap(),
        "--eval",
        "static",
    ]));
    assert!(!graph.contains("fixture-secret"));
}

#[test]
fn package_set_hosts_are_copied_not_rebuilt() {
    let out = static_run("plan", &fixture("nix-shape-packages"), "json");
    assert_success(&out);
    let plan = json(&out);
    let steps: Vec<&Value> = plan["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["steps"].as_array().unwrap())
        .collect();
    assert!(!steps.is_empty());
    for step in steps.iter().filter(|s| s["action"] == "deploy-host") {
        assert_eq!(step["command"][0], "nix", "{step:#}");
        assert_eq!(step["command"][1], "copy");
        assert!(
            step["command"][4]
                .as_str()
                .unwrap()
                .starts_with(".#packages.")
        );
    }
}

#[test]
fn eval_nix_evaluates_package_set_hosts() {
    let out = run("graph", &fixture("eval-packages"), "nix", "json");
    assert_success(&out);
    let graph = json(&out);
    let drv = |id: &str| {
        graph_node(&graph, id)["attrs"]["toplevel_drv"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(drv("host/vps-a").ends_with("-vps-a-env.drv"));
    assert!(drv("host/vps-b").ends_with("-vps-b-env.drv"));
    assert!(
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["id"] != "host/default"),
        "`default` is not a host"
    );
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let run = |threads: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .env("RAYON_NUM_THREADS", threads)
            .env("NO_COLOR", "1")
            .output()
            .expect("strata runs")
            .stdout
    };
    let root = root_arg();
    // Every fixture at once, as one tree: the largest input at hand.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    for args in [
        [
            "lint",
            root.as_str(),
            "--format",
            "json",
            "--eval",
            "static",
        ],
        [
            "graph",
            root.as_str(),
            "--format",
            "json",
            "--eval",
            "static",
        ],
        [
            "plan",
            root.as_str(),
            "--format",
            "json",
            "--eval",
            "static",
        ],
        ["lint", fixtures, "--format", "json", "--eval", "static"],
        ["graph", fixtures, "--format", "json", "--eval", "static"],
    ] {
        let one = run("1", &args);
        assert!(one.len() > 100, "{args:?} printed almost nothing");
        assert_eq!(one, run("4", &args), "{args:?}");
    }
}

#[test]
fn snippets_mask_nix_strings_bound_to_secret_options() {
    let dir = tempfile::tempdir().unwrap();
    // A syntax error on the line after a password: the snippet shows its neighbour.
    std::fs::write(
        dir.path().join("default.nix"),
        "{\n  users.users.root.password = \"correct-horse-battery\"\n  networking.hostName = \"nas\";\n}\n",
    )
    .unwrap();
    let out = strata(&["lint", dir.path().to_str().unwrap(), "--eval", "static"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("NIX001") && text.contains("password = ******"),
        "{text}"
    );
    assert!(!text.contains("correct-horse"), "{text}");
}

#[test]
fn several_clusters_put_a_cluster_on_nodes_and_findings() {
    let path = fixture("flux-shape-two-clusters");
    let graph = json(&static_run("graph", &path, "json"));
    let release = graph_node(&graph, "HelmRelease/podinfo/podinfo");
    assert_eq!(release["cluster"], "production");
    assert_eq!(
        release["clusters"],
        serde_json::json!(["production", "staging"])
    );
    // `--cluster` keeps one: no field is needed then.
    let staging = strata(&[
        "graph",
        path.to_str().unwrap(),
        "--eval",
        "static",
        "--cluster",
        "staging",
    ]);
    assert_success(&staging);
    let staging = json(&staging);
    assert!(
        graph_node(&staging, "HelmRelease/podinfo/podinfo")
            .get("cluster")
            .is_none()
    );
    // One cluster: no field at all.
    let one = json(&static_run(
        "graph",
        &fixture("flux-shape-flux-instance"),
        "json",
    ));
    assert!(
        graph_node(&one, "HelmRelease/podinfo/podinfo")
            .get("cluster")
            .is_none()
    );
}

#[test]
fn entry_names_the_sync_root() {
    let path = fixture("flux-sync-root-missing");
    let lint = json(&static_run("lint", &path, "json"));
    assert_eq!(lint["diagnostics"][0]["code"], "FLUX023");
    let out = strata(&[
        "lint",
        path.to_str().unwrap(),
        "--eval",
        "static",
        "--format",
        "json",
        "--entry",
        "deploy/root",
    ]);
    let lint = json(&out);
    assert!(
        lint["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] != "FLUX023"),
        "{lint}"
    );
}
