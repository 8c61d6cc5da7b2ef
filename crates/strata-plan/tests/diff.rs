//! `diff_revisions` on real git repositories with several commits: what
//! changed between two revisions, and every node the change can alter.

mod common;

use common::{
    GitRepo, assert_drain_order, assert_well_formed, change_ids, five_hosts, flux_tree, impacted,
    most_at_once, static_options, wave_of,
};
use std::collections::BTreeSet;
use strata_check::{EvalMode, Options};
use strata_core::NodeId;
use strata_plan::diff_revisions;
use strata_plan::{Action, ChangePlanOptions, change_plan};

/// A module two of five hosts import changes: exactly those two hosts (and
/// the files between them and the module) are impacted.
#[test]
fn a_module_change_reaches_the_two_hosts_that_import_it() {
    let repo = GitRepo::new();
    repo.write_all(&five_hosts(&["--disable traefik"], 9100));
    let before = repo.commit("five hosts");
    repo.write_all(&five_hosts(&["--disable traefik"], 9200));
    let after = repo.commit("monitoring on 9200");
    let diff = diff_revisions(repo.root(), &before, Some(&after), &static_options()).unwrap();
    let json = diff.to_json();
    assert_eq!(json["from"], before.as_str());
    assert_eq!(json["to"], after.as_str());
    assert_eq!(
        change_ids(&json),
        [
            "modified file/modules/monitoring.nix",
            "modified host/node-0",
            "modified host/node-1",
        ]
    );
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes[0]["hosts"], serde_json::json!(["node-0", "node-1"]));
    assert_eq!(
        changes[1]["fields"],
        serde_json::json!([{ "path": "firewall.allowed_tcp_ports.0", "from": 9100, "to": 9200 }])
    );
    assert_eq!(
        impacted(&json),
        [
            "file/hosts/node-0.nix",
            "file/hosts/node-1.nix",
            "file/modules/monitoring.nix",
            "host/node-0",
            "host/node-1",
        ]
    );
}

/// A k3s flag changed in the module every server imports impacts the three
/// servers and no agent: `joins` orders deploys but carries no content.
#[test]
fn a_k3s_flag_change_impacts_every_server_and_no_agent() {
    let repo = GitRepo::new();
    repo.write_all(&five_hosts(&["--disable traefik"], 9100));
    repo.commit("five hosts");
    repo.git(&["tag", "v1"]);
    repo.write_all(&five_hosts(
        &["--disable traefik", "--disable servicelb"],
        9100,
    ));
    repo.commit("servicelb off");
    let diff = diff_revisions(repo.root(), "v1", Some("main"), &static_options()).unwrap();
    let json = diff.to_json();
    assert_eq!(
        change_ids(&json),
        [
            "modified file/modules/k3s-server.nix",
            "modified host/node-0",
            "modified host/node-1",
            "modified host/node-2",
        ]
    );
    assert_eq!(
        json["changes"][1]["fields"],
        serde_json::json!([{ "path": "k3s.extra_flags.1", "to": "--disable servicelb" }])
    );
    let impacted = impacted(&json);
    for server in ["host/node-0", "host/node-1", "host/node-2"] {
        assert!(impacted.contains(&server.to_string()), "{impacted:?}");
    }
    assert!(
        !impacted
            .iter()
            .any(|id| id == "host/node-3" || id == "host/node-4"),
        "agents are not impacted: {impacted:?}"
    );
}

/// A chart bump is a field change of the HelmRelease as Flux applies it and
/// impacts the Kustomization applying it; a Secret's value changing in the
/// same commit is named by key, its values never printed.
#[test]
fn a_chart_bump_and_a_secret_change() {
    let repo = GitRepo::new();
    repo.write_all(&flux_tree("1.2.3", "correct-horse-battery"));
    repo.commit("jellyfin");
    repo.write_all(&flux_tree("1.2.4", "staple-of-the-month"));
    repo.commit("jellyfin 1.2.4");
    let diff = diff_revisions(repo.root(), "HEAD~1", Some("HEAD"), &static_options()).unwrap();
    let json = diff.to_json();
    assert_eq!(
        json["changes"],
        serde_json::json!([
            {
                "id": "HelmRelease/media/jellyfin", "change": "modified",
                "file": "apps/helmrelease.yaml",
                "fields": [ { "path": "spec.chart.spec.version", "from": "1.2.3", "to": "1.2.4" } ]
            },
            {
                "id": "Secret/media/jellyfin-auth", "change": "modified",
                "file": "apps/secret.yaml",
                "fields": [ { "path": "stringData.password", "secret": true } ]
            }
        ])
    );
    assert_eq!(
        impacted(&json),
        [
            "HelmRelease/media/jellyfin",
            "Kustomization/flux-system/apps",
            "Secret/media/jellyfin-auth",
        ]
    );
    let text = json.to_string();
    assert!(
        !text.contains("correct-horse") && !text.contains("staple-of"),
        "{text}"
    );
}

/// Without `--to` the working tree is the newer side: an uncommitted edit
/// shows, a committed one that the working tree keeps does not.
#[test]
fn the_working_tree_is_the_default_newer_side() {
    let repo = GitRepo::new();
    repo.write_all(&flux_tree("1.2.3", "correct-horse-battery"));
    repo.commit("jellyfin");
    repo.write_all(&flux_tree("1.3.0", "correct-horse-battery"));
    let diff = diff_revisions(repo.root(), "main", None, &static_options()).unwrap();
    let json = diff.to_json();
    assert_eq!(json["to"], "worktree");
    assert_eq!(change_ids(&json), ["modified HelmRelease/media/jellyfin"]);
}

/// A repository analysed from a subdirectory: the snapshot holds that
/// subtree only, and the same paths come out.
#[test]
fn a_root_inside_the_repository_is_snapshotted_alone() {
    let repo = GitRepo::new();
    for (path, text) in flux_tree("1.2.3", "correct-horse-battery") {
        repo.write(&format!("homelab/{path}"), &text);
    }
    repo.write("README.md", "outside the analysed root\n");
    repo.commit("jellyfin");
    for (path, text) in flux_tree("1.2.4", "correct-horse-battery") {
        repo.write(&format!("homelab/{path}"), &text);
    }
    repo.commit("bump");
    let diff = diff_revisions(
        &repo.root().join("homelab"),
        "HEAD~1",
        Some("HEAD"),
        &static_options(),
    )
    .unwrap();
    let json = diff.to_json();
    assert_eq!(json["changes"][0]["file"], "apps/helmrelease.yaml");
}

/// A revision that names nothing is the tool's failure, with what to do.
#[test]
fn a_bad_revision_says_what_to_do() {
    let repo = GitRepo::new();
    repo.write_all(&flux_tree("1.2.3", "x"));
    repo.commit("one");
    let error = diff_revisions(repo.root(), "no-such-branch", None, &static_options())
        .err()
        .expect("an error");
    let message = error.to_string();
    assert!(message.contains("`no-such-branch`"), "{message}");
    assert!(message.contains("git log --oneline --all"), "{message}");
    let plain = tempfile::tempdir().unwrap();
    let error = diff_revisions(plain.path(), "main", None, &static_options())
        .err()
        .expect("not a repository");
    assert!(
        error.to_string().contains("not inside a git repository"),
        "{error}"
    );
}

/// Real Nix (2.8, offline, `path:` flakes without remote inputs): a pure
/// refactor — a module moved into a directory and its flag list built
/// differently — leaves every host's toplevel drvPath as it was, so no host
/// is impacted; a real flag change changes all three servers' drvPaths.
#[test]
fn a_pure_refactor_changes_no_host_under_nix() {
    if std::process::Command::new("nix")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no nix on PATH");
        return;
    }
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/eval-homelab");
    let repo = GitRepo::new();
    for file in [
        "flake.nix",
        "hosts/system.nix",
        "modules/k3s.nix",
        "modules/firewall.nix",
    ] {
        repo.write(file, &std::fs::read_to_string(fixture.join(file)).unwrap());
    }
    let before = repo.commit("homelab");
    // The refactor: k3s.nix moves to modules/k3s/default.nix, its flags
    // are built from a list of disabled components.
    let k3s = std::fs::read_to_string(fixture.join("modules/k3s.nix")).unwrap();
    let k3s = k3s.replace(
        "  extraFlags = [\n    \"--disable servicelb\"\n    \"--disable traefik\"\n",
        "  extraFlags = map (c: \"--disable ${c}\") [ \"servicelb\" \"traefik\" ] ++ [\n",
    );
    assert!(k3s.contains("map (c:"), "the fixture changed: {k3s}");
    repo.remove("modules/k3s.nix");
    repo.write("modules/k3s/default.nix", &k3s);
    let system = std::fs::read_to_string(fixture.join("hosts/system.nix"))
        .unwrap()
        .replace("../modules/k3s.nix", "../modules/k3s");
    repo.write("hosts/system.nix", &system);
    let refactor = repo.commit("refactor");
    let nix = Options {
        eval: EvalMode::Nix,
        ..Options::default()
    };
    let diff = diff_revisions(repo.root(), &before, Some(&refactor), &nix).unwrap();
    let json = diff.to_json();
    assert_eq!(
        json["unchanged_hosts"],
        serde_json::json!(["homelab-0", "homelab-1", "homelab-2"]),
        "{json:#}"
    );
    assert!(
        !impacted(&json).iter().any(|id| id.starts_with("host/")),
        "{json:#}"
    );
    assert!(
        !change_ids(&json).iter().any(|id| id.contains("host/")),
        "{json:#}"
    );
    // A real change: every server's system differs.
    repo.write(
        "modules/k3s/default.nix",
        &k3s.replace(
            "\"servicelb\" \"traefik\"",
            "\"servicelb\" \"traefik\" \"metrics-server\"",
        ),
    );
    let change = repo.commit("metrics-server off");
    let diff = diff_revisions(repo.root(), &refactor, Some(&change), &nix).unwrap();
    let json = diff.to_json();
    assert_eq!(json["unchanged_hosts"], serde_json::json!([]), "{json:#}");
    let impacted = impacted(&json);
    for host in ["host/homelab-0", "host/homelab-1", "host/homelab-2"] {
        assert!(impacted.contains(&host.to_string()), "{json:#}");
    }
    let host = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "host/homelab-0")
        .expect("host/homelab-0 changed");
    assert!(
        host["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "toplevel_drv"),
        "{host:#}"
    );
}

/// A committed symbolic link out of the repository is written into the
/// snapshot as a link and refused by the file boundary, as in a checkout:
/// what it points to is never read.
#[test]
fn a_link_out_of_the_repository_is_not_followed_in_a_snapshot() {
    let repo = GitRepo::new();
    repo.write_all(&flux_tree("1.2.3", "x"));
    repo.commit("one");
    std::os::unix::fs::symlink("/etc/hostname", repo.root().join("apps/outside.yaml")).unwrap();
    repo.write(
        "apps/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - helmrepository.yaml\n  - helmrelease.yaml\n  - secret.yaml\n  - outside.yaml\n",
    );
    repo.commit("a link out");
    let diff = diff_revisions(repo.root(), "HEAD~1", Some("HEAD"), &static_options()).unwrap();
    let refused: Vec<&str> = diff
        .to_analysis
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "IO002")
        .filter_map(|d| d.location.as_ref().map(|l| l.file.as_str()))
        .collect();
    assert_eq!(refused, ["apps/outside.yaml"]);
    assert!(
        diff.changes
            .iter()
            .all(|c| c.change != strata_plan::ChangeKind::Added)
    );
}

/// A `nixpkgs` bump in `flake.lock` changes what every host builds: the
/// input is modified (its locked revision, read from the typed input) and
/// every host using it is impacted.
#[test]
fn an_input_bump_is_a_modified_input_that_impacts_the_hosts() {
    let lock = |rev: &str| {
        format!(
            r#"{{
  "nodes": {{
    "nixpkgs": {{
      "locked": {{ "lastModified": 1700000000, "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "owner": "nixos", "repo": "nixpkgs", "rev": "{rev}", "type": "github" }},
      "original": {{ "owner": "nixos", "ref": "nixos-25.11", "repo": "nixpkgs", "type": "github" }}
    }},
    "root": {{ "inputs": {{ "nixpkgs": "nixpkgs" }} }}
  }},
  "root": "root",
  "version": 7
}}
"#
        )
    };
    let repo = GitRepo::new();
    repo.write_all(&five_hosts(&["--disable traefik"], 9100));
    repo.write("flake.lock", &lock(&"a".repeat(40)));
    let before = repo.commit("five hosts");
    repo.write("flake.lock", &lock(&"b".repeat(40)));
    let after = repo.commit("bump nixpkgs");
    let diff = diff_revisions(repo.root(), &before, Some(&after), &static_options()).unwrap();
    let json = diff.to_json();
    let input = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "input/nixpkgs")
        .unwrap_or_else(|| panic!("input/nixpkgs changed: {json:#}"));
    assert_eq!(input["change"], "modified");
    assert_eq!(
        input["fields"],
        serde_json::json!([{ "path": "locked_rev", "from": "a".repeat(40), "to": "b".repeat(40) }])
    );
    let impacted = impacted(&json);
    for host in ["host/node-0", "host/node-4"] {
        assert!(impacted.contains(&host.to_string()), "{impacted:?}");
    }
}

/// The change plan for a k3s flag changed on every server, from the revision
/// diff end to end: only the three servers, one per wave (etcd keeps
/// quorum), each drained before and uncordoned after its deploy; no agent.
#[test]
fn a_k3s_flag_change_plans_one_server_at_a_time_with_drain_and_uncordon() {
    let repo = GitRepo::new();
    repo.write_all(&five_hosts(&["--disable traefik"], 9100));
    let before = repo.commit("five hosts");
    repo.write_all(&five_hosts(
        &["--disable traefik", "--disable servicelb"],
        9100,
    ));
    let after = repo.commit("servicelb off");
    let diff = diff_revisions(repo.root(), &before, Some(&after), &static_options()).unwrap();
    let plan = change_plan(
        &diff.to_analysis,
        &diff.impacted,
        &ChangePlanOptions::default(),
    )
    .unwrap();
    assert_well_formed(&plan);
    let servers: BTreeSet<NodeId> = ["node-0", "node-1", "node-2"]
        .iter()
        .map(|h| NodeId::host(h))
        .collect();
    let deployed: BTreeSet<NodeId> = plan
        .steps()
        .filter(|s| s.action == Action::DeployHost)
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(deployed, servers, "only the impacted servers are deployed");
    assert_eq!(most_at_once(&plan, &servers), 1, "one server at a time");
    let mut deploy_waves: Vec<usize> = servers
        .iter()
        .map(|s| wave_of(&plan, s, Action::DeployHost).unwrap())
        .collect();
    deploy_waves.sort();
    deploy_waves.dedup();
    assert_eq!(deploy_waves.len(), 3, "each server in its own wave");
    for server in &servers {
        assert_drain_order(&plan, server);
        let step = plan
            .steps()
            .find(|s| &s.target == server && s.action == Action::DeployHost)
            .unwrap();
        assert!(
            step.reasons.iter().any(|r| r.contains("etcd quorum")),
            "{:?}",
            step.reasons
        );
    }
}
