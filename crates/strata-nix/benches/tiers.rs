//! The static tier against `--eval nix` on the same generated 50-host flake
//! (hosts shaped like evaluated NixOS systems over shared modules, so real
//! Nix evaluates it offline). Run: `cargo bench -p strata-nix --bench tiers`.

use std::path::Path;

use strata_core::RepoTree;
use strata_nix::evaluate::{
    FlakeRef, HostAttr, HostOutput, NixCli, NixEvaluator, default_jobs, evaluate_hosts,
};

const HOSTS: usize = 50;

fn main() {
    divan::main();
}

/// Writes the flake: an inventory of `HOSTS` nodes, one `system.nix` that
/// shapes each into an evaluated system, and two shared modules.
fn generate(dir: &Path) {
    std::fs::create_dir_all(dir.join("modules")).expect("temp dir");
    let nodes: String = (0..HOSTS)
        .map(|i| {
            let master = if i == 0 {
                "isMaster = true;".to_string()
            } else {
                "isMaster = false; master = \"10.20.0.10\";".to_string()
            };
            format!(
                "        node-{i:02} = {{ ip = \"10.20.{}.{}\"; {master} }};\n",
                i / 200,
                10 + i % 200
            )
        })
        .collect();
    let flake = format!(
        "{{\n  outputs = {{ self, ... }}:\n    let\n      nodes = {{\n{nodes}      }};\n    in\n    {{\n      nixosConfigurations = builtins.mapAttrs (name: node: import ./system.nix {{ inherit name node; }}) nodes;\n    }};\n}}\n"
    );
    let system = r#"{ name, node }:
let
  k3s = import ./modules/k3s.nix { inherit node; };
  config = {
    networking.hostName = name;
    networking.interfaces.eno1.ipv4.addresses = [ { address = node.ip; prefixLength = 16; } ];
    networking.firewall = import ./modules/firewall.nix;
    services.k3s = k3s;
    system.stateVersion = "25.11";
  };
in
{
  config = config // {
    system = config.system // {
      build.toplevel = derivation { name = "nixos-system-${name}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo ${node.ip} > $out" ]; };
    };
  };
}
"#;
    let k3s = r#"{ node }:
{
  enable = true;
  role = if node.isMaster then "server" else "agent";
  clusterInit = node.isMaster;
  serverAddr = if node.isMaster then "" else "https://${node.master}:6443";
  tokenFile = "/run/secrets/k3s-token";
  extraFlags = [ "--node-ip ${node.ip}" ];
}
"#;
    let firewall =
        "{ enable = true; allowedTCPPorts = [ 22 6443 10250 ]; allowedUDPPorts = [ 8472 ]; }\n";
    for (path, text) in [
        ("flake.nix", flake.as_str()),
        ("system.nix", system),
        ("modules/k3s.nix", k3s),
        ("modules/firewall.nix", firewall),
    ] {
        std::fs::write(dir.join(path), text).expect("write");
    }
}

#[divan::bench(sample_count = 10)]
fn static_tier(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path());
    bencher.bench(|| {
        let tree = RepoTree::scan(dir.path()).expect("scan");
        strata_nix::load(&tree).hosts.len()
    });
}

#[divan::bench(sample_count = 3)]
fn nix_tier(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path());
    let nix = NixCli::detect().expect("nix on PATH");
    let flake = FlakeRef::for_dir(dir.path());
    bencher.bench(|| {
        let names = nix
            .list_hosts(&flake, HostOutput::NixosConfigurations)
            .expect("lists");
        let hosts: Vec<HostAttr> = names
            .into_iter()
            .map(|name| HostAttr {
                name,
                output: HostOutput::NixosConfigurations,
            })
            .collect();
        let results = evaluate_hosts(&nix, &flake, &hosts, default_jobs(), &|_, _| {});
        assert!(results.iter().all(Result::is_ok));
        results.len()
    });
}
