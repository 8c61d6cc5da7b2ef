//! Helpers shared by strata-plan's integration tests: reading fixture
//! repositories, checking a plan's ordering and quorum invariants, and real
//! git repositories with several commits (the `git` CLI runs here, in tests
//! only) holding small homelab trees.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{NodeId, RepoTree};
use strata_plan::{Action, Plan};

/// The analysis of `tests/fixtures/NAME` (static Nix reading).
pub fn fixture_analysis(name: &str) -> strata_check::Analysis {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let tree = RepoTree::scan(&root).expect("the fixture is readable");
    strata_check::analyze_tree(&tree, Vec::new())
}

/// The first and last wave of each target's steps.
pub fn windows(plan: &Plan) -> BTreeMap<NodeId, (usize, usize)> {
    let mut windows: BTreeMap<NodeId, (usize, usize)> = BTreeMap::new();
    for wave in &plan.waves {
        for step in &wave.steps {
            let w = windows
                .entry(step.target.clone())
                .or_insert((wave.index, wave.index));
            w.0 = w.0.min(wave.index);
            w.1 = w.1.max(wave.index);
        }
    }
    windows
}

/// The wave of a target's step with this action.
pub fn wave_of(plan: &Plan, target: &NodeId, action: Action) -> Option<usize> {
    plan.waves
        .iter()
        .find(|w| {
            w.steps
                .iter()
                .any(|s| &s.target == target && s.action == action)
        })
        .map(|w| w.index)
}

/// Waves are numbered 0.. without gaps, none is empty, and a target has at
/// most one step per wave.
pub fn assert_well_formed(plan: &Plan) {
    for (i, wave) in plan.waves.iter().enumerate() {
        assert_eq!(wave.index, i, "waves are numbered without gaps");
        assert!(!wave.steps.is_empty(), "wave {i} is empty");
        let targets: BTreeSet<&NodeId> = wave.steps.iter().map(|s| &s.target).collect();
        assert_eq!(
            targets.len(),
            wave.steps.len(),
            "wave {i} holds a target twice"
        );
        for step in &wave.steps {
            assert!(!step.reasons.is_empty(), "{} has no reason", step.target);
            assert!(!step.command.is_empty(), "{} has no command", step.target);
        }
    }
}

/// `dependency` is entirely done before `dependent` starts.
pub fn assert_before(plan: &Plan, dependency: &NodeId, dependent: &NodeId) {
    let windows = windows(plan);
    let (Some(a), Some(b)) = (windows.get(dependency), windows.get(dependent)) else {
        return;
    };
    assert!(
        a.1 < b.0,
        "{dependency} (waves {}..={}) must end before {dependent} (waves {}..={}) starts",
        a.0,
        a.1,
        b.0,
        b.1
    );
}

/// The most targets of `group` that are between their first and last step
/// in any one wave.
pub fn most_at_once(plan: &Plan, group: &BTreeSet<NodeId>) -> usize {
    let windows = windows(plan);
    (0..plan.waves.len())
        .map(|w| {
            group
                .iter()
                .filter(|t| windows.get(*t).is_some_and(|(a, b)| *a <= w && w <= *b))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Around every drained host: drain, then deploy, then wait, then uncordon,
/// each in a later wave.
pub fn assert_drain_order(plan: &Plan, host: &NodeId) {
    let drain = wave_of(plan, host, Action::Drain).expect("a drain step");
    let deploy = wave_of(plan, host, Action::DeployHost).expect("a deploy step");
    let wait = wave_of(plan, host, Action::Wait).expect("a wait step");
    let uncordon = wave_of(plan, host, Action::Uncordon).expect("an uncordon step");
    assert!(
        drain < deploy && deploy < wait && wait < uncordon,
        "{host}: drain {drain}, deploy {deploy}, wait {wait}, uncordon {uncordon}"
    );
}

/// Recording stand-ins for `colmena`, `deploy`, `kubectl` and `flux` in
/// `dir`: each appends its name and arguments to `dir/log`, and exits 3
/// when that line contains the text of `dir/fail` (if the file exists).
pub fn write_stand_ins(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for tool in ["colmena", "deploy", "kubectl", "flux"] {
        let path = dir.join(tool);
        let script = format!(
            "#!/bin/sh\nhere=$(dirname \"$0\")\nline=\"{tool} $*\"\nprintf '%s\\n' \"$line\" >> \"$here/log\"\nif [ -f \"$here/fail\" ]; then\n  case \"$line\" in *\"$(cat \"$here/fail\")\"*) exit 3;; esac\nfi\nexit 0\n"
        );
        std::fs::write(&path, script).expect("write a stand-in");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make the stand-in executable");
    }
}

/// The plan with each command's program replaced by the stand-in of that
/// name in `dir` (the test process's PATH is not changed).
pub fn with_stand_ins(plan: &Plan, dir: &std::path::Path) -> Plan {
    let mut plan = plan.clone();
    for wave in &mut plan.waves {
        for step in &mut wave.steps {
            step.command[0] = dir.join(&step.command[0]).display().to_string();
        }
    }
    plan
}

/// The stand-ins' log lines.
pub fn stand_in_log(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

// --- git repositories for `diff_revisions` ---------------------------------

use std::path::Path;
use std::process::Command;

use strata_check::{EvalMode, Options};

/// A git repository in a temporary directory.
pub struct GitRepo {
    dir: tempfile::TempDir,
}

impl GitRepo {
    /// An empty repository on branch `main`.
    pub fn new() -> GitRepo {
        let repo = GitRepo {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "user.name", "test"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The work tree.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git with `args` in the work tree; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.root())
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

    /// Writes a file, creating its directories.
    pub fn write(&self, path: &str, text: &str) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }

    /// Writes every `(path, text)`.
    pub fn write_all(&self, files: &[(String, String)]) {
        for (path, text) in files {
            self.write(path, text);
        }
    }

    /// Removes a file.
    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).expect("remove");
    }

    /// Commits everything; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// Options that never start a process.
pub fn static_options() -> Options {
    Options {
        eval: EvalMode::Static,
        ..Options::default()
    }
}

/// The `impacted` list of a diff's JSON, as strings.
pub fn impacted(json: &serde_json::Value) -> Vec<String> {
    json["impacted"]
        .as_array()
        .expect("impacted")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect()
}

/// The ids of a diff's changes with their kind (`modified host/a`).
pub fn change_ids(json: &serde_json::Value) -> Vec<String> {
    json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["change"].as_str().unwrap_or(""),
                c["id"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A Flux tree: the bootstrap sync of `clusters/home`, a Kustomization
/// `apps` applying `./apps`, and in it jellyfin's namespace, chart source,
/// HelmRelease at `chart_version` and a Secret holding `password`.
pub fn flux_tree(chart_version: &str, password: &str) -> Vec<(String, String)> {
    let files = [
        (
            "clusters/home/flux-system/gotk-sync.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  url: ssh://git@github.com/example/homelab\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/home\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n".to_string(),
        ),
        (
            "clusters/home/flux-system/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n".to_string(),
        ),
        (
            "clusters/home/apps.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n".to_string(),
        ),
        (
            "apps/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - helmrepository.yaml\n  - helmrelease.yaml\n  - secret.yaml\n".to_string(),
        ),
        (
            "apps/namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n".to_string(),
        ),
        (
            "apps/helmrepository.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: jellyfin\n  namespace: media\nspec:\n  interval: 24h\n  url: https://jellyfin.github.io/jellyfin-helm\n".to_string(),
        ),
        (
            "apps/helmrelease.yaml",
            format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: jellyfin\n  namespace: media\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: jellyfin\n      version: \"{chart_version}\"\n      sourceRef:\n        kind: HelmRepository\n        name: jellyfin\n"),
        ),
        (
            "apps/secret.yaml",
            format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: jellyfin-auth\n  namespace: media\nstringData:\n  password: \"{password}\"\n"),
        ),
    ];
    files.into_iter().map(|(p, t)| (p.to_string(), t)).collect()
}

/// A NixOS flake of five k3s hosts, as the static reader reads them:
/// `node-0` initialises the cluster, `node-1` and `node-2` join it as
/// servers, `node-3` and `node-4` as agents. `node-0` and `node-1` also
/// import `modules/monitoring.nix`. Every server imports
/// `modules/k3s-server.nix`, whose extra flags are `server_flags`.
pub fn five_hosts(server_flags: &[&str], monitoring_port: u16) -> Vec<(String, String)> {
    let hosts = ["node-0", "node-1", "node-2", "node-3", "node-4"];
    let mut flake = String::from(
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs, ... }: {\n    nixosConfigurations = {\n",
    );
    for host in hosts {
        flake.push_str(&format!(
            "      {host} = nixpkgs.lib.nixosSystem {{ system = \"x86_64-linux\"; modules = [ ./hosts/{host}.nix ]; }};\n"
        ));
    }
    flake.push_str("    };\n  };\n}\n");
    let mut files = vec![("flake.nix".to_string(), flake)];
    for (i, host) in hosts.iter().enumerate() {
        let role_module = if i < 3 { "k3s-server" } else { "k3s-agent" };
        let mut imports = vec![format!("../modules/{role_module}.nix")];
        if i < 2 {
            imports.push("../modules/monitoring.nix".to_string());
        }
        let join = if i == 0 {
            "  services.k3s.clusterInit = true;\n".to_string()
        } else {
            "  services.k3s.serverAddr = \"https://10.0.0.10:6443\";\n".to_string()
        };
        files.push((
            format!("hosts/{host}.nix"),
            format!(
                "{{ ... }}:\n{{\n  imports = [ {} ];\n  networking.hostName = \"{host}\";\n  networking.interfaces.eno1.ipv4.addresses = [ {{ address = \"10.0.0.1{i}\"; prefixLength = 24; }} ];\n{join}  system.stateVersion = \"25.11\";\n}}\n",
                imports.join(" ")
            ),
        ));
    }
    let flags: Vec<String> = server_flags.iter().map(|f| format!("\"{f}\"")).collect();
    files.push((
        "modules/k3s-server.nix".to_string(),
        format!(
            "{{ ... }}:\n{{\n  services.k3s = {{\n    enable = true;\n    role = \"server\";\n    tokenFile = \"/run/secrets/k3s-token\";\n    extraFlags = [ {} ];\n  }};\n}}\n",
            flags.join(" ")
        ),
    ));
    files.push((
        "modules/k3s-agent.nix".to_string(),
        "{ ... }:\n{\n  services.k3s = {\n    enable = true;\n    role = \"agent\";\n    tokenFile = \"/run/secrets/k3s-token\";\n  };\n}\n".to_string(),
    ));
    files.push((
        "modules/monitoring.nix".to_string(),
        format!(
            "{{ ... }}:\n{{\n  networking.firewall.allowedTCPPorts = [ {monitoring_port} ];\n}}\n"
        ),
    ));
    files
}
