//! Writes a flake with N generated hosts (`gen_nix_hosts DIR N`): every host
//! a `nixosSystem` of a shared module that declares options with defaults,
//! a k3s role and a static address. For measuring time and peak memory per
//! host of the static tier (`/usr/bin/time -v strata graph --eval static
//! DIR`).

use std::fmt::Write as _;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: gen_nix_hosts DIR N");
        std::process::exit(2);
    };
    let n: usize = n.parse().unwrap_or(1000);
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir.join("hosts"))?;
    std::fs::write(
        dir.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { self, nixpkgs, ... }:
    let
      names = builtins.attrNames (import ./hosts/inventory.nix);
      mk = name: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit name; machine = (import ./hosts/inventory.nix).${name}; };
        modules = [ ./hosts/common.nix ];
      };
    in { nixosConfigurations = nixpkgs.lib.genAttrs names mk; };
}
"#,
    )?;
    std::fs::write(
        dir.join("hosts/common.nix"),
        r#"{ config, lib, name, machine, ... }:
let cfg = config.lab; in {
  options.lab = {
    server = lib.mkEnableOption "a k3s server";
    first = lib.mkOption { type = lib.types.bool; default = false; };
    join = lib.mkOption { type = lib.types.str; default = "10.0.0.1"; };
  };
  config = {
    lab.server = machine.server;
    lab.first = name == "host-0";
    networking.hostName = name;
    networking.interfaces.eth0.ipv4.addresses = [{ address = machine.ip; prefixLength = 16; }];
    services.k3s = lib.mkMerge [
      { enable = true; role = if cfg.server then "server" else "agent"; tokenFile = "/run/k3s"; }
      (lib.mkIf cfg.first { clusterInit = true; })
      (lib.mkIf (!cfg.first) { serverAddr = "https://${cfg.join}:6443"; })
    ];
    networking.firewall.allowedTCPPorts = [ 6443 2379 2380 10250 ];
    networking.firewall.allowedUDPPorts = [ 8472 ];
    system.stateVersion = "24.05";
  };
}
"#,
    )?;
    let mut inventory = String::from("{\n");
    for i in 0..n {
        let _ = writeln!(
            inventory,
            "  \"host-{i}\" = {{ ip = \"10.0.{}.{}\"; server = {}; }};",
            i / 250,
            i % 250 + 1,
            i < 3
        );
    }
    inventory.push_str("}\n");
    std::fs::write(dir.join("hosts/inventory.nix"), inventory)?;
    Ok(())
}
