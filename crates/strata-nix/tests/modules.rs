//! The module system "lite" and host discovery, on small repositories
//! written to temporary directories.

use strata_core::{Code, NodeId, RepoTree};
use strata_nix::{Fact, HostFacts, HostSource, NixRepo, TokenSource, load};

fn repo(files: &[(&str, &str)]) -> NixRepo {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    let tree = RepoTree::scan(dir.path()).expect("scan");
    load(&tree)
}

fn host<'a>(repo: &'a NixRepo, name: &str) -> &'a HostFacts {
    repo.hosts
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("host {name} in {:?}", repo.hosts))
}

fn known<T: Clone>(f: &Fact<T>) -> T {
    f.known().cloned().unwrap_or_else(|| panic!("not known"))
}

/// A flake with one nixosConfiguration `h` made of `modules`.
fn one_host(modules: &str) -> String {
    format!(
        r#"{{
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
  outputs = {{ nixpkgs, ... }}: {{
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {{
      system = "aarch64-linux";
      specialArgs = {{ site = "berlin"; }};
      modules = {modules};
    }};
  }};
}}"#
    )
}

#[test]
fn priorities_decide_between_definitions() {
    let r = repo(&[
        ("flake.nix", &one_host("[ ./a.nix ./b.nix ./c.nix ]")),
        (
            "a.nix",
            "{ lib, ... }: { networking.hostName = lib.mkDefault \"default\"; services.k3s.role = lib.mkForce \"agent\"; }",
        ),
        (
            "b.nix",
            "{ networking.hostName = \"plain\"; services.k3s.role = \"server\"; }",
        ),
        (
            "c.nix",
            "{ lib, ... }: { networking.hostName = lib.mkOverride 1500 \"weak\"; }",
        ),
    ]);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    let h = host(&r, "h");
    assert_eq!(known(&h.hostname), "plain");
    assert_eq!(known(&h.k3s.as_ref().unwrap().role), "agent");
    assert_eq!(known(&h.system), "aarch64-linux");
}

#[test]
fn mk_if_and_mk_merge_are_discharged() {
    let r = repo(&[
        ("flake.nix", &one_host("[ ./k3s.nix ./on.nix ]")),
        (
            "k3s.nix",
            r#"{ config, lib, site, ... }:
let cfg = config.services.k3s; in {
  config = lib.mkMerge [
    (lib.mkIf cfg.enable { services.k3s.extraFlags = [ "--disable traefik" ]; })
    (lib.mkIf (site == "paris") { services.k3s.extraFlags = [ "--never" ]; })
    { networking.hostName = "h-${site}"; }
  ];
}"#,
        ),
        (
            "on.nix",
            "{ services.k3s.enable = true; services.k3s.extraFlags = [ \"--disable servicelb\" ]; }",
        ),
    ]);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    let h = host(&r, "h");
    assert_eq!(known(&h.hostname), "h-berlin");
    let k3s = h.k3s.as_ref().unwrap();
    assert_eq!(
        k3s.extra_flags,
        ["--disable traefik", "--disable servicelb"]
    );
}

#[test]
fn mk_if_false_leaves_options_unset() {
    let r = repo(&[
        ("flake.nix", &one_host("[ ./m.nix ]")),
        (
            "m.nix",
            "{ lib, ... }: { services.k3s = lib.mkIf false { enable = true; token = \"abc\"; }; }",
        ),
    ]);
    let h = host(&r, "h");
    assert!(h.k3s.is_none(), "{:?}", h.k3s);
}

#[test]
fn unknown_option_values_are_explicit() {
    let r = repo(&[
        ("flake.nix", &one_host("[ ./m.nix ]")),
        (
            "m.nix",
            "{ pkgs, config, ... }: { networking.hostName = pkgs.hostname; services.k3s.serverAddr = \"https://${config.x.y}:6443\"; services.k3s.extraFlags = [ \"--a\" pkgs.flag ]; }",
        ),
    ]);
    let h = host(&r, "h");
    assert!(
        matches!(h.hostname, Fact::Unknown { .. }),
        "{:?}",
        h.hostname
    );
    let k3s = h.k3s.as_ref().unwrap();
    let Fact::Unknown { reason, .. } = &k3s.server_addr else {
        panic!("{:?}", k3s.server_addr)
    };
    assert!(reason.contains("`x`"), "{reason}");
    assert_eq!(k3s.extra_flags, ["--a"]);
    assert_eq!(k3s.extra_flags_unknown.len(), 1);
}

#[test]
fn literal_token_is_recorded_without_its_text() {
    let r = repo(&[
        ("flake.nix", &one_host("[ ./m.nix ]")),
        (
            "m.nix",
            "{ services.k3s = { enable = true; token = \"hunter2-cluster-secret\"; extraFlags = \"--agent-token hunter3\"; }; }",
        ),
    ]);
    let k3s = host(&r, "h").k3s.clone().unwrap();
    let TokenSource::Literal {
        location: Some(loc),
    } = &k3s.token
    else {
        panic!("{:?}", k3s.token)
    };
    let text = r.sources.get("m.nix").unwrap().text();
    assert_eq!(
        &text[loc.span.start..loc.span.end],
        "\"hunter2-cluster-secret\""
    );
    assert_eq!(k3s.extra_flags, ["--agent-token <redacted>"]);
    let out = format!(
        "{:?}{}{:?}",
        r.hosts,
        serde_json::to_string(&r.hosts).unwrap(),
        r.diagnostics
    );
    assert!(!out.contains("hunter2") && !out.contains("hunter3"));
}

#[test]
fn computed_module_paths_that_do_not_exist_are_nix002_on_the_host() {
    let r = repo(&[
        (
            "flake.nix",
            r#"{
  outputs = { nixpkgs, ... }:
    let nodes = { a = { }; b = { }; }; in {
      nixosConfigurations = builtins.mapAttrs (name: _: nixpkgs.lib.nixosSystem {
        modules = [ (./hosts + "/${name}") ];
      }) nodes;
    };
}"#,
        ),
        ("hosts/a/default.nix", "{ networking.hostName = \"a\"; }"),
    ]);
    assert_eq!(r.hosts.len(), 2);
    let d: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::NixImportMissing)
        .collect();
    assert_eq!(d.len(), 1, "{:#?}", r.diagnostics);
    assert_eq!(d[0].node, Some(NodeId::host("b")));
    assert!(d[0].message.contains("hosts/b"), "{}", d[0].message);
    assert_eq!(d[0].location.as_ref().unwrap().file, "flake.nix");
    // Host names built by mapAttrs point at the names in `nodes`.
    let text = r.sources.get("flake.nix").unwrap().text();
    let loc = host(&r, "b").location.clone().unwrap();
    assert_eq!(&text[loc.span.start..loc.span.end], "b");
    assert_eq!(known(&host(&r, "a").hostname), "a");
}

#[test]
fn colmena_hive_as_function_and_make_hive() {
    let r = repo(&[(
        "flake.nix",
        r#"{
  inputs.colmena.url = "github:zhaofengli/colmena";
  outputs = { self, nixpkgs, colmena, ... }: {
    colmenaHive = colmena.lib.makeHive self.colmena;
    nixosConfigurations = self.colmenaHive.nodes;
    colmena = { ... }: {
      meta.nodeSpecialArgs.n1 = { role = "agent"; };
      n1 = { role, ... }: { services.k3s.role = role; deployment.targetHost = null; };
    };
  };
}"#,
    )]);
    assert_eq!(r.hosts.len(), 1, "{:?}", r.hosts);
    let n1 = host(&r, "n1");
    // `self.colmenaHive.nodes` are the hive's evaluated nodes: the host is
    // in both outputs.
    assert_eq!(
        n1.sources,
        [HostSource::NixosConfigurations, HostSource::Colmena]
    );
    assert_eq!(known(&n1.k3s.as_ref().unwrap().role), "agent");
    assert_eq!(
        known(&n1.target_host),
        "n1",
        "null targetHost falls back to the node name"
    );
}

#[test]
fn deploy_rs_nodes_are_hosts() {
    let r = repo(&[(
        "flake.nix",
        r#"{
  outputs = { self, nixpkgs, deploy-rs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ { networking.hostName = "box"; } ]; };
    deploy.sshUser = "ops";
    deploy.nodes.box = {
      hostname = "box.lan";
      profiles.system.path = deploy-rs.lib.x86_64-linux.activate.nixos self.nixosConfigurations.box;
    };
  };
}"#,
    )]);
    let b = host(&r, "box");
    assert_eq!(
        b.sources,
        [HostSource::NixosConfigurations, HostSource::DeployRs]
    );
    assert_eq!(known(&b.target_host), "box.lan");
    assert_eq!(known(&b.target_user), "ops");
    assert_eq!(known(&b.hostname), "box");
}

#[test]
fn a_repo_without_a_flake_still_gets_its_files_read() {
    let r = repo(&[
        (
            "configuration.nix",
            "{ imports = [ ./hw.nix ./missing.nix ]; }",
        ),
        ("hw.nix", "{ }"),
    ]);
    assert!(r.hosts.is_empty() && r.inputs.is_empty());
    assert_eq!(r.files.len(), 2);
    assert_eq!(r.files[0].imports[0].target, "hw.nix");
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, Code::NixImportMissing);
}

#[test]
fn a_broken_lock_file_is_reported() {
    let r = repo(&[
        (
            "flake.nix",
            "{ inputs.nixpkgs.url = \"x\"; outputs = _: { }; }",
        ),
        ("flake.lock", "{ \"nodes\": "),
    ]);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.location.as_ref().is_some_and(|l| l.file == "flake.lock"))
    );
    assert_eq!(r.inputs[0].locked_rev, None);
}

#[test]
fn runaway_evaluation_stops_with_nix003() {
    let r = repo(&[(
        "flake.nix",
        r#"{ outputs = { nixpkgs, ... }: rec {
  nixosConfigurations = nixosConfigurations;
  colmena = { x = { networking.hostName = let f = n: f (n + 1); in f 0; }; };
}; }"#,
    )]);
    assert!(r.diagnostics.iter().any(|d| d.code == Code::NixEvalLimit));
    assert!(matches!(host(&r, "x").hostname, Fact::Unknown { .. }));
}

#[test]
fn an_unreadable_repository_module_makes_undefined_facts_unknown() {
    let r = repo(&[(
        "flake.nix",
        r#"{
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { imports = [ (throw "generated elsewhere") ]; networking.hostName = "box"; } ];
    };
    nixosConfigurations.plain = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { networking.hostName = "plain"; } ];
    };
  };
}"#,
    )]);
    let box_ = host(&r, "box");
    assert_eq!(known(&box_.hostname), "box");
    assert!(
        matches!(&box_.state_version, Fact::Unknown { reason, .. } if reason.contains("could not be read")),
        "{:?}",
        box_.state_version
    );
    // Without such a module, what no module defines stays unset.
    assert!(host(&r, "plain").state_version.is_unset());
}

#[test]
fn an_unknown_conditional_definition_does_not_recurse_into_its_condition() {
    // `config = mkIf cfg.enable (mkMerge [ <unknown> { … } ])`: the unknown
    // piece's condition reads the configuration being merged.
    let r = repo(&[(
        "flake.nix",
        r#"{
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        ({ config, lib, pkgs, ... }: {
          options.site.enable = lib.mkEnableOption "site";
          config = lib.mkIf config.site.enable (lib.mkMerge [
            pkgs.siteDefaults
            { networking.hostName = "box"; }
          ]);
        })
        { site.enable = true; system.stateVersion = "24.05"; }
      ];
    };
  };
}"#,
    )]);
    assert!(
        !r.diagnostics.iter().any(|d| d.code == Code::NixEvalLimit),
        "{:#?}",
        r.diagnostics
    );
    let box_ = host(&r, "box");
    assert_eq!(known(&box_.hostname), "box");
    assert_eq!(known(&box_.state_version), "24.05");
    // Names no known definition gives may come from the unknown one.
    assert!(
        matches!(box_.openiscsi, Fact::Unknown { .. }),
        "{:?}",
        box_.openiscsi
    );
}
