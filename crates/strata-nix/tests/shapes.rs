//! Every host declaration shape strata reads, one fixture each
//! (`tests/fixtures/nix-shape-*`), with the exact place of each fact.

use std::path::Path;

use strata_core::{Location, RepoTree};
use strata_nix::{Fact, HostFacts, HostSource, NixRepo, TokenSource, load};

fn fixture(name: &str) -> NixRepo {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let tree = RepoTree::scan(&root).expect("fixture");
    load(&tree)
}

fn host<'a>(repo: &'a NixRepo, name: &str) -> &'a HostFacts {
    repo.hosts
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("host {name}"))
}

/// `file:line:col` of a location.
fn at(repo: &NixRepo, loc: Option<&Location>) -> String {
    let Some(loc) = loc else {
        return "<none>".to_string();
    };
    let lc = repo.sources.start_of(loc).expect("location in a read file");
    format!("{}:{}:{}", loc.file, lc.line, lc.column)
}

/// The value and place of a known fact.
fn known<T: Clone + std::fmt::Debug>(repo: &NixRepo, f: &Fact<T>) -> (T, String) {
    match f {
        Fact::Known { value, location } => (value.clone(), at(repo, location.as_ref())),
        other => panic!("not known: {other:?}"),
    }
}

fn names(repo: &NixRepo) -> Vec<&str> {
    repo.hosts.iter().map(|h| h.name.as_str()).collect()
}

fn no_errors(repo: &NixRepo) {
    let errors: Vec<_> = repo
        .diagnostics
        .iter()
        .filter(|d| d.severity == strata_core::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn nixos_system_with_special_args() {
    let repo = fixture("nix-shape-nixos-system");
    no_errors(&repo);
    assert_eq!(names(&repo), ["nas", "pi"]);
    let nas = host(&repo, "nas");
    assert_eq!(nas.sources, [HostSource::NixosConfigurations]);
    assert_eq!(at(&repo, nas.location.as_ref()), "flake.nix:7:25");
    assert_eq!(
        known(&repo, &nas.system),
        ("x86_64-linux".into(), "flake.nix:8:16".into())
    );
    // specialArgs reach the module: the address is located at its literal.
    assert_eq!(
        known(&repo, &nas.addresses[0].address),
        ("10.1.0.5".into(), "flake.nix:9:33".into())
    );
    let k3s = nas.k3s.as_ref().expect("k3s");
    assert_eq!(
        known(&repo, &k3s.role),
        ("agent".into(), "flake.nix:9:52".into())
    );
    assert_eq!(k3s.extra_flags, ["--node-ip 10.1.0.5"]);
    assert_eq!(nas.deploy_tool(), "nixos-rebuild");
    // An inline module's mkForce beats the shared module's mkDefault.
    let pi = host(&repo, "pi");
    assert_eq!(known(&repo, &pi.system).0, "aarch64-linux");
    assert_eq!(
        pi.k3s.as_ref().expect("k3s").extra_flags,
        ["--node-label arch=arm64"]
    );
}

#[test]
fn gen_attrs_over_names_with_mk_merge_and_mk_if() {
    let repo = fixture("nix-shape-genattrs");
    no_errors(&repo);
    assert_eq!(names(&repo), ["cp-0", "cp-1", "cp-2"]);
    let places: Vec<_> = repo
        .hosts
        .iter()
        .map(|h| at(&repo, h.location.as_ref()))
        .collect();
    assert_eq!(
        places,
        ["flake.nix:9:19", "flake.nix:9:26", "flake.nix:9:33"]
    );
    let cp0 = host(&repo, "cp-0");
    let k3s = cp0.k3s.as_ref().expect("k3s");
    assert_eq!(
        known(&repo, &k3s.cluster_init),
        (true, "modules/node.nix:7:23".into())
    );
    assert!(k3s.server_addr.is_unset());
    let cp2 = host(&repo, "cp-2");
    assert_eq!(known(&repo, &cp2.addresses[0].address).0, "10.2.0.12");
    assert_eq!(
        known(&repo, &cp2.k3s.as_ref().expect("k3s").server_addr),
        (
            "https://10.2.0.10:6443".into(),
            "modules/node.nix:8:39".into()
        )
    );
    assert_eq!(
        known(&repo, &cp2.state_version),
        ("25.05".into(), "modules/node.nix:13:39".into())
    );
}

#[test]
fn list_to_attrs_over_a_json_inventory() {
    let repo = fixture("nix-shape-listtoattrs");
    no_errors(&repo);
    assert_eq!(names(&repo), ["worker-1", "worker-2"]);
    let w2 = host(&repo, "worker-2");
    // Values read with readFile + fromJSON point at the JSON file.
    assert_eq!(at(&repo, w2.location.as_ref()), "inventory.json:1:1");
    assert_eq!(known(&repo, &w2.hostname).0, "worker-2");
    assert_eq!(known(&repo, &w2.addresses[0].address).0, "10.3.0.22");
    let k3s = w2.k3s.as_ref().expect("k3s");
    assert_eq!(k3s.extra_flags, ["--node-label nvidia.com/gpu=true"]);
    assert_eq!(
        at(&repo, k3s.extra_flags_location.as_ref()),
        "modules/node.nix:10:5"
    );
    assert!(
        host(&repo, "worker-1")
            .k3s
            .as_ref()
            .expect("k3s")
            .extra_flags
            .is_empty()
    );
}

#[test]
fn read_dir_over_hosts() {
    let repo = fixture("nix-shape-readdir");
    no_errors(&repo);
    // `_template` is filtered out with hasPrefix; README.md is no directory.
    assert_eq!(names(&repo), ["alpha", "beta"]);
    let alpha = host(&repo, "alpha");
    // Hosts found by readDir point at the directory's path literal.
    assert_eq!(at(&repo, alpha.location.as_ref()), "flake.nix:9:132");
    assert_eq!(
        known(&repo, &alpha.hostname),
        ("alpha".into(), "hosts/alpha/default.nix:3:25".into())
    );
    assert_eq!(
        known(&repo, &alpha.openiscsi),
        (true, "hosts/alpha/default.nix:5:22".into())
    );
    assert!(
        alpha
            .imported_files
            .contains(&"hosts/alpha/default.nix".to_string())
    );
    assert!(
        repo.evaluated_files
            .contains(&"hosts/beta/default.nix".to_string())
    );
    assert!(
        !repo
            .evaluated_files
            .contains(&"hosts/_template/default.nix".to_string())
    );
}

#[test]
fn colmena_make_hive_with_helpers_in_a_separate_file() {
    let repo = fixture("nix-shape-colmena-hive");
    no_errors(&repo);
    assert_eq!(names(&repo), ["homelab-0", "homelab-1"]);
    let h0 = host(&repo, "homelab-0");
    // `nixosConfigurations = self.colmenaHive.nodes`: in both outputs.
    assert_eq!(
        h0.sources,
        [HostSource::NixosConfigurations, HostSource::Colmena]
    );
    assert_eq!(h0.deploy_tool(), "colmena");
    // `${name} = …` in lib/defaults.nix points at `"homelab-0"` in the call.
    assert_eq!(at(&repo, h0.location.as_ref()), "flake.nix:27:29");
    assert_eq!(
        known(&repo, &h0.target_host),
        ("192.168.50.104".into(), "flake.nix:27:50".into())
    );
    assert_eq!(
        known(&repo, &h0.target_port),
        (22, "lib/defaults.nix:9:16".into())
    );
    assert_eq!(known(&repo, &h0.tags).0, ["k3s", "master"]);
    assert_eq!(known(&repo, &h0.hostname).0, "homelab-0");
    // meta.nodeSpecialArgs reach the modules.
    let k0 = h0.k3s.as_ref().expect("k3s");
    assert_eq!(
        known(&repo, &k0.cluster_init),
        (true, "modules/k3s.nix:8:5".into())
    );
    let k1 = host(&repo, "homelab-1").k3s.as_ref().expect("k3s");
    assert!(!known(&repo, &k1.cluster_init).0);
    assert_eq!(
        known(&repo, &k1.server_addr),
        (
            "https://192.168.50.104:6443".into(),
            "modules/k3s.nix:9:49".into()
        )
    );
    assert_eq!(
        k1.extra_flags,
        [
            "--disable servicelb",
            "--disable traefik",
            "--flannel-backend=wireguard-native"
        ]
    );
    assert!(matches!(k1.token, TokenSource::File { .. }));
    let sops = h0.sops.as_ref().expect("sops");
    assert_eq!(sops.secrets.len(), 1);
    assert_eq!(sops.secrets[0].name, "k3s-token");
    assert_eq!(
        known(&repo, &sops.secrets[0].sops_file),
        ("secrets/k3s.yaml".into(), "modules/k3s.nix:4:41".into())
    );
    assert_eq!(
        known(&repo, &sops.default_sops_file).0,
        "secrets/secrets.yaml"
    );
    // The sops-nix module itself is a flake input's: opaque, and said so.
    assert!(h0.opaque_modules[0].reason.contains("sops-nix"));
}

#[test]
fn deploy_rs_nodes_built_with_list_to_attrs() {
    let repo = fixture("nix-shape-deploy-rs");
    no_errors(&repo);
    assert_eq!(names(&repo), ["edge-0", "edge-1"]);
    let e1 = host(&repo, "edge-1");
    assert_eq!(
        e1.sources,
        [HostSource::NixosConfigurations, HostSource::DeployRs]
    );
    assert_eq!(e1.deploy_tool(), "deploy-rs");
    assert_eq!(at(&repo, e1.location.as_ref()), "flake.nix:16:18");
    assert_eq!(
        known(&repo, &e1.target_host),
        ("10.5.0.11".into(), "flake.nix:16:33".into())
    );
    assert_eq!(known(&repo, &e1.target_user).0, "deploy");
    assert_eq!(
        known(&repo, &e1.target_port),
        (2222, "flake.nix:31:14".into())
    );
    let deploy = e1.deploy_rs.as_ref().expect("deploy-rs");
    assert_eq!(known(&repo, &deploy.profiles_order).0, ["system"]);
    assert_eq!(deploy.profiles.len(), 1);
    assert_eq!(deploy.profiles[0].name, "system");
    assert_eq!(known(&repo, &deploy.profiles[0].user).0, "root");
    assert_eq!(
        known(&repo, &deploy.profiles[0].configuration),
        ("edge-1".into(), "flake.nix:39:20".into())
    );
    // Inputs: the lock pins both, deploy-rs follows nixpkgs.
    let deploy_rs = repo
        .inputs
        .iter()
        .find(|i| i.name == "deploy-rs")
        .expect("input");
    assert_eq!(deploy_rs.input_follows["nixpkgs"], "nixpkgs");
    assert_eq!(
        deploy_rs.locked_rev.as_deref(),
        Some("443a7f2e7e118c4fc63b7fae05ab3080dd0e5c63")
    );
    assert!(deploy_rs.used);
    assert!(repo.lock.as_ref().expect("lock").orphans.is_empty());
}

#[test]
fn package_sets_of_non_nixos_hosts() {
    let repo = fixture("nix-shape-packages");
    no_errors(&repo);
    // `packages.default` is no host: only names of `hosts/` entries are.
    assert_eq!(names(&repo), ["k8s-cluster-main", "k8s-cluster-node-1"]);
    let main = host(&repo, "k8s-cluster-main");
    assert_eq!(main.sources, [HostSource::Packages]);
    assert_eq!(main.deploy_tool(), "packages");
    assert!(!main.is_nixos());
    assert_eq!(at(&repo, main.location.as_ref()), "flake.nix:16:18");
    assert_eq!(
        known(&repo, &main.system),
        ("x86_64-linux".into(), "flake.nix:10:34".into())
    );
    assert!(main.k3s.is_none());
}

#[test]
fn hosts_built_with_lib_helpers() {
    // `lib.concatMapAttrs` turns an inventory into hosts, `lib.mergeAttrs`
    // adds one more, and every `.nix` file of
    // `lib.filesystem.listFilesRecursive ./modules` is a module.
    let repo = fixture("nix-shape-lib-helpers");
    no_errors(&repo);
    assert_eq!(names(&repo), ["alpha", "beta", "rescue"]);
    let alpha = host(&repo, "alpha");
    // `builtins.currentSystem` is absent under pure evaluation: `or` applies.
    assert_eq!(
        known(&repo, &alpha.system),
        ("x86_64-linux".into(), "flake.nix:10:42".into())
    );
    assert_eq!(
        known(&repo, &alpha.addresses[0].address),
        ("10.2.0.11".into(), "inventory.nix:2:23".into())
    );
    assert!(host(&repo, "rescue").addresses.is_empty());
}

/// Option declarations decide facts: `mkEnableOption`, `mkOption` defaults,
/// `mkIf` on an option inside `mkMerge`, and deploy-rs's profile-level
/// `sshUser`.
#[test]
fn option_defaults_decide_k3s_facts() {
    let repo = fixture("nix-shape-option-defaults");
    no_errors(&repo);
    assert_eq!(names(&repo), ["kube-1", "kube-2", "kube-3"]);
    let k1 = host(&repo, "kube-1");
    let k3s = k1.k3s.as_ref().expect("k3s");
    assert_eq!(
        known(&repo, &k3s.enable),
        (true, "machines/cluster.nix:21:11".into())
    );
    assert_eq!(
        known(&repo, &k3s.cluster_init),
        (true, "machines/cluster.nix:22:27".into())
    );
    assert!(k3s.server_addr.is_unset(), "{:?}", k3s.server_addr);
    let k2 = host(&repo, "kube-2");
    let k3s = k2.k3s.as_ref().expect("k3s");
    // `first` is not set on kube-2: its default (false) applies, so the
    // `mkIf (!cfg.first)` branch joins.
    assert!(k3s.cluster_init.is_unset(), "{:?}", k3s.cluster_init);
    assert_eq!(
        known(&repo, &k3s.server_addr).0,
        "https://192.168.7.10:6443"
    );
    assert_eq!(known(&repo, &k2.target_user).0, "ops");
}

/// Addresses from an `attrsOf (submodule …)` option, read through another
/// option whose default reads `config`, under an interface whose name is
/// computed the same way.
#[test]
fn submodule_option_defaults_give_addresses() {
    let repo = fixture("nix-shape-submodule-hosts");
    no_errors(&repo);
    assert_eq!(names(&repo), ["ash", "elm", "oak"]);
    let elm = host(&repo, "elm");
    assert_eq!(elm.addresses.len(), 1, "{:?}", elm.addresses);
    assert_eq!(elm.addresses[0].interface, "enp3s0");
    assert_eq!(
        known(&repo, &elm.addresses[0].address),
        ("10.20.0.12".into(), "site/default.nix:25:21".into())
    );
    let k3s = elm.k3s.as_ref().expect("k3s");
    assert_eq!(k3s.extra_flags, ["--node-ip 10.20.0.12"]);
    assert_eq!(
        at(&repo, k3s.extra_flags_location.as_ref()),
        "roles/server.nix:9:5"
    );
    // The file no output reaches keeps its syntax error, as a warning.
    let broken: Vec<_> = repo
        .diagnostics
        .iter()
        .filter(|d| d.code == strata_core::Code::NixSyntax)
        .collect();
    assert_eq!(broken.len(), 1, "{broken:#?}");
    assert_eq!(broken[0].severity, strata_core::Severity::Warning);
    assert_eq!(
        at(&repo, broken[0].location.as_ref()),
        "overlays/default.nix:1:2"
    );
}

/// An inventory evaluated with `lib.evalModules`, hosts generated from its
/// `config` and merged with one more (`lib.mergeAttrs`), role modules
/// imported through `"${root}/…"` strings, and `--cluster-init` in flags.
#[test]
fn eval_modules_inventory_and_repository_path_strings() {
    let repo = fixture("nix-shape-eval-modules");
    no_errors(&repo);
    assert_eq!(names(&repo), ["cp-a", "cp-b", "rescue", "wk-a"]);
    let cp_a = host(&repo, "cp-a");
    assert!(
        cp_a.imported_files
            .contains(&"modules/roles/control-plane.nix".to_string()),
        "{:?}",
        cp_a.imported_files
    );
    assert!(
        cp_a.imported_files
            .contains(&"modules/services/keepalived.nix".to_string())
    );
    let k3s = cp_a.k3s.as_ref().expect("k3s");
    assert_eq!(
        known(&repo, &k3s.cluster_init),
        (true, "modules/roles/control-plane.nix:11:5".into())
    );
    assert_eq!(
        known(&repo, &cp_a.addresses[0].address),
        ("10.30.0.11".into(), "inventory/default.nix:13:26".into())
    );
    // keepalived's virtual address: the front the other nodes join.
    assert_eq!(cp_a.virtual_ips, ["10.30.0.100"]);
    let wk = host(&repo, "wk-a").k3s.as_ref().expect("k3s");
    assert_eq!(known(&repo, &wk.role).0, "agent");
    assert_eq!(known(&repo, &wk.server_addr).0, "https://10.30.0.100:6443");
    assert!(host(&repo, "rescue").k3s.is_none());
}

/// A flake in `nixos/` (none at the root) built with flake-parts: hosts
/// under `flake.nixosConfigurations` of an imported part, deploy-rs nodes
/// that read `self.nixosConfigurations.X.config`, and systemd-networkd
/// addresses.
#[test]
fn flake_parts_in_a_subdirectory() {
    let repo = fixture("nix-shape-flake-parts");
    no_errors(&repo);
    assert_eq!(names(&repo), ["alpha"]);
    let alpha = host(&repo, "alpha");
    assert_eq!(
        alpha.sources,
        [HostSource::NixosConfigurations, HostSource::DeployRs]
    );
    assert_eq!(
        known(&repo, &alpha.target_host),
        ("alpha.lan".into(), "nixos/parts/deploy.nix:3:16".into())
    );
    assert_eq!(known(&repo, &alpha.target_user).0, "deploy");
    assert_eq!(alpha.addresses.len(), 1);
    assert_eq!(alpha.addresses[0].interface, "enp1s0");
    assert_eq!(
        known(&repo, &alpha.addresses[0].address),
        (
            "10.40.0.5".into(),
            "nixos/machines/alpha/default.nix:5:17".into()
        )
    );
    assert_eq!(known(&repo, &alpha.addresses[0].prefix_length).0, 24);
    assert!(
        repo.inputs.iter().any(|i| i.name == "flake-parts"),
        "the subdirectory flake's inputs are read"
    );
}

/// A hive generated from `hosts/<group>/<host>.nix` (`readDir`,
/// `concatMapAttrs`, `mapAttrs'`), whose nodes read their own evaluated
/// configuration through `self.colmenaHive.nodes.<host>.config`, with
/// `meta.nodeSpecialArgs`; `nixosConfigurations` are the hive's nodes.
#[test]
fn hive_nodes_read_their_own_configuration() {
    let repo = fixture("nix-shape-hive-nodes");
    no_errors(&repo);
    assert_eq!(names(&repo), ["big", "desk", "tiny"]);
    for name in ["big", "tiny"] {
        let h = host(&repo, name);
        assert_eq!(
            h.sources,
            [HostSource::NixosConfigurations, HostSource::Colmena]
        );
        // `tiny` is managed through its node-specific argument.
        assert_eq!(
            known(&repo, &h.target_user),
            ("deployer".into(), "flake.nix:19:78".into()),
            "{name}"
        );
    }
    // `mkIf false`: Colmena's default user.
    assert_eq!(known(&repo, &host(&repo, "desk").target_user).0, "root");
    assert_eq!(
        known(&repo, &host(&repo, "desk").target_host).0,
        "desk.example.org"
    );
    assert_eq!(known(&repo, &host(&repo, "desk").tags).0, ["desktops"]);
}

/// Modules found by walking a directory tree with `readDir` (every `.nix`
/// file at any depth); an option one declares decides a fact another sets.
#[test]
fn recursive_auto_import_of_a_module_tree() {
    let repo = fixture("nix-shape-auto-import");
    no_errors(&repo);
    let vault = host(&repo, "vault");
    assert_eq!(
        vault.imported_files,
        [
            "hosts/vault.nix",
            "modules/base/default.nix",
            "modules/services/storage/iscsi.nix"
        ]
    );
    assert_eq!(
        known(&repo, &vault.openiscsi),
        (true, "modules/services/storage/iscsi.nix:4:24".into())
    );
    assert_eq!(known(&repo, &vault.state_version).0, "24.05");
}
