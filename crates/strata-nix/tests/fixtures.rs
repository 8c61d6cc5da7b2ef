//! The Nix reader on small fixture repositories, with exact positions.

use std::path::Path;

use strata_core::{Code, LineCol, Location, NodeId, RepoTree};
use strata_nix::{Fact, HostFacts, HostSource, NixRepo, TokenSource, load};

fn fixture(name: &str) -> NixRepo {
    let root = format!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/{}"),
        name
    );
    let tree = RepoTree::scan(Path::new(&root)).expect("fixture exists");
    load(&tree)
}

fn pos(repo: &NixRepo, loc: &Location) -> (String, usize, usize) {
    let LineCol { line, column } = repo.sources.start_of(loc).expect("location in a read file");
    (loc.file.clone(), line, column)
}

fn text_at(repo: &NixRepo, loc: &Location) -> String {
    let file = repo.sources.get(&loc.file).expect("file read");
    file.text()[loc.span.start..loc.span.end].to_string()
}

fn host<'a>(repo: &'a NixRepo, name: &str) -> &'a HostFacts {
    repo.hosts
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("host {name}"))
}

fn known<T: Clone>(f: &Fact<T>) -> T {
    f.known().cloned().unwrap_or_else(|| panic!("not known"))
}

#[test]
fn syntax_error_is_reported_at_the_failing_token_and_the_rest_is_read() {
    let repo = fixture("nix-syntax-error");
    assert_eq!(repo.diagnostics.len(), 1, "{:#?}", repo.diagnostics);
    let d = &repo.diagnostics[0];
    assert_eq!(d.code, Code::NixSyntax);
    // `networking.hostName = "nas"` lacks its `;`: the parser reads the next
    // line's attribute path as an argument and fails on its `=`, where `nix`
    // reports it too.
    let loc = d.location.as_ref().unwrap();
    assert_eq!(
        pos(&repo, loc),
        ("hosts/nas/default.nix".to_string(), 5, 21)
    );
    assert!(text_at(&repo, loc).starts_with('='));
    assert!(d.message.contains("expected `;`"), "{}", d.message);

    // Every file is still listed, the broken one with the imports of its
    // partial tree.
    let paths: Vec<_> = repo.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "flake.nix",
            "hosts/edge/default.nix",
            "hosts/edge/hardware-configuration.nix",
            "hosts/nas/default.nix",
            "hosts/nas/zfs.nix",
            "modules/common.nix"
        ]
    );
    let nas_file = repo
        .files
        .iter()
        .find(|f| f.path == "hosts/nas/default.nix")
        .unwrap();
    assert!(!nas_file.parses);
    assert_eq!(nas_file.imports[0].target, "hosts/nas/zfs.nix");

    // The healthy host is read in full; the broken one is declared, with its
    // unreadable module said out loud.
    let edge = host(&repo, "edge");
    assert_eq!(known(&edge.hostname), "edge");
    assert_eq!(known(&edge.addresses[0].address), "10.0.0.1");
    assert_eq!(edge.sources, [HostSource::NixosConfigurations]);
    let nas = host(&repo, "nas");
    // Its unreadable module may set the hostname: unknown, not unset.
    assert!(
        matches!(&nas.hostname, strata_nix::Fact::Unknown { reason, .. } if reason.contains("has syntax errors")),
        "{:?}",
        nas.hostname
    );
    assert!(nas.opaque_modules.iter().any(|m| {
        m.reason
            .contains("`hosts/nas/default.nix` has syntax errors")
    }));
    assert_eq!(known(&nas.system), "x86_64-linux");
}

#[test]
fn syntax_error_clean_twin_has_no_findings() {
    let repo = fixture("nix-syntax-error-clean");
    assert!(repo.diagnostics.is_empty(), "{:#?}", repo.diagnostics);
    let nas = host(&repo, "nas");
    assert_eq!(known(&nas.hostname), "nas");
    assert_eq!(
        nas.imported_files,
        [
            "hosts/nas/default.nix",
            "hosts/nas/zfs.nix",
            "modules/common.nix"
        ]
    );
}

#[test]
fn missing_import_is_reported_at_the_path_literal() {
    let repo = fixture("nix-import-missing");
    assert_eq!(repo.diagnostics.len(), 1, "{:#?}", repo.diagnostics);
    let d = &repo.diagnostics[0];
    assert_eq!(d.code, Code::NixImportMissing);
    let loc = d.location.as_ref().unwrap();
    assert_eq!(pos(&repo, loc), ("modules/default.nix".to_string(), 5, 5));
    assert_eq!(text_at(&repo, loc), "./user.nix");
    assert!(d.help.is_some());

    // The rest of the host is read: `extraFlags` given as one string is split
    // into flags with their values.
    let k3s0 = host(&repo, "k3s-0");
    let k3s = k3s0.k3s.as_ref().unwrap();
    assert_eq!(
        k3s.extra_flags,
        ["--disable servicelb", "--disable traefik"]
    );
    assert!(known(&k3s.cluster_init));
    assert_eq!(k3s.token, TokenSource::None);
    assert_eq!(known(&k3s0.target_host), "192.168.1.20");
    assert!(
        !k3s0
            .imported_files
            .contains(&"modules/user.nix".to_string())
    );
}

#[test]
fn missing_import_clean_twin_has_no_findings() {
    let repo = fixture("nix-import-missing-clean");
    assert!(repo.diagnostics.is_empty(), "{:#?}", repo.diagnostics);
    let k3s0 = host(&repo, "k3s-0");
    assert_eq!(
        k3s0.imported_files,
        [
            "hosts/k3s-0/default.nix",
            "hosts/k3s-0/hardware-configuration.nix",
            "modules/default.nix",
            "modules/k3s.nix",
            "modules/user.nix"
        ]
    );
    let flake = repo.files.iter().find(|f| f.path == "flake.nix").unwrap();
    let targets: Vec<_> = flake.imports.iter().map(|i| i.target.as_str()).collect();
    assert_eq!(targets, ["modules/default.nix", "hosts/k3s-0/default.nix"]);
}

#[test]
fn literal_colmena_hive_facts() {
    let repo = fixture("nix-colmena-literal");
    assert!(repo.diagnostics.is_empty(), "{:#?}", repo.diagnostics);
    let names: Vec<_> = repo.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["cp-0", "worker-0", "worker-1"]);

    let cp = host(&repo, "cp-0");
    assert_eq!(cp.sources, [HostSource::Colmena]);
    assert_eq!(text_at(&repo, cp.location.as_ref().unwrap()), "cp-0");
    // `networking.hostName = name;` in `defaults`: the node's own name.
    assert_eq!(known(&cp.hostname), "cp-0");
    assert_eq!(known(&cp.target_host), "10.0.0.10");
    assert_eq!(
        text_at(&repo, cp.target_host.location().unwrap()),
        "\"10.0.0.10\""
    );
    assert_eq!(known(&cp.target_user), "root", "Colmena's default");
    assert!(cp.target_user.location().is_none());
    assert_eq!(
        known(&cp.tags),
        ["k3s", "server"],
        "defaults and node lists concatenate"
    );
    assert_eq!(known(&cp.addresses[0].address), "10.0.0.10");
    assert_eq!(known(&cp.addresses[0].prefix_length), 24);
    assert_eq!(cp.imported_files, ["hosts/cp-0.nix"]);
    let k3s = cp.k3s.as_ref().unwrap();
    assert!(known(&k3s.enable));
    assert_eq!(known(&k3s.role), "server");
    assert!(known(&k3s.cluster_init));
    assert!(k3s.server_addr.is_unset());
    assert_eq!(
        k3s.extra_flags,
        [
            "--disable servicelb",
            "--flannel-backend=none",
            "--disable-network-policy"
        ]
    );
    match &k3s.token {
        TokenSource::File { path } => assert_eq!(known(path), "/run/secrets/k3s-token"),
        other => panic!("{other:?}"),
    }

    let w0 = host(&repo, "worker-0");
    assert_eq!(known(&w0.target_user), "deploy");
    let k3s = w0.k3s.as_ref().unwrap();
    assert_eq!(known(&k3s.role), "agent");
    assert_eq!(known(&k3s.server_addr), "https://10.0.0.10:6443");
    let (file, line, column) = pos(&repo, k3s.server_addr.location().unwrap());
    assert_eq!((file.as_str(), line, column), ("flake.nix", 42, 24));
    // The literal token overrides `tokenFile` in k3s and is recorded by
    // location only.
    let TokenSource::Literal {
        location: Some(token_loc),
    } = &k3s.token
    else {
        panic!("{:?}", k3s.token)
    };
    assert_eq!(pos(&repo, token_loc), ("flake.nix".to_string(), 43, 19));
    let dumped = format!(
        "{:?}{}",
        repo.hosts,
        serde_json::to_string(&repo.hosts).unwrap()
    );
    assert!(
        !dumped.contains("K10-not-a-real-token"),
        "the token text never leaves the reader"
    );

    // A node written as a list of modules, one a function using `lib`.
    let w1 = host(&repo, "worker-1");
    assert_eq!(known(&w1.target_host), "10.0.0.21");
    let k3s = w1.k3s.as_ref().unwrap();
    assert_eq!(known(&k3s.server_addr), "https://10.0.0.10:6443");
    assert_eq!(k3s.extra_flags, ["--node-label tier=batch"]);

    let inputs: Vec<_> = repo
        .inputs
        .iter()
        .map(|i| (i.name.as_str(), i.url.as_deref()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("colmena", Some("github:zhaofengli/colmena")),
            ("nixpkgs", Some("github:nixos/nixpkgs/nixos-25.11"))
        ]
    );
    assert_eq!(text_at(&repo, &repo.inputs[1].location), "nixpkgs");
    let _ = NodeId::host("cp-0");
}

#[test]
fn accessors_summarise_the_facts() {
    let repo = fixture("nix-colmena-literal");
    let cp = host(&repo, "cp-0");
    assert_eq!(cp.deploy_tool(), "colmena");
    assert_eq!(cp.known_addresses(), ["10.0.0.10"]);
    assert_eq!(cp.hostname.value(), Some(&"cp-0".to_string()));
    let repo = fixture("nix-syntax-error-clean");
    assert_eq!(host(&repo, "nas").deploy_tool(), "nixos-rebuild");
}

#[test]
fn a_flag_value_in_the_next_list_item_joins_its_flag_and_secrets_stay_redacted() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.gpu = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        {
          services.k3s.enable = true;
          services.k3s.role = "agent";
          services.k3s.serverAddr = "https://10.0.0.11:6443";
          services.k3s.extraFlags = [ "--node-taint" "gpu=true:NoSchedule" "--token" "K10-list-item-secret" "--disable-network-policy" ];
        }
      ];
    };
  };
}
"#,
    )
    .expect("write flake");
    let tree = RepoTree::scan(dir.path()).expect("scan");
    let repo = load(&tree);
    let k3s = host(&repo, "gpu").k3s.as_ref().expect("k3s");
    assert_eq!(
        k3s.extra_flags,
        [
            "--node-taint gpu=true:NoSchedule",
            "--token <redacted>",
            "--disable-network-policy"
        ]
    );
    assert!(matches!(k3s.token, TokenSource::Literal { .. }));
    let dumped = serde_json::to_string(&repo.hosts).expect("json");
    assert!(!dumped.contains("K10-list-item-secret"), "{dumped}");
}
