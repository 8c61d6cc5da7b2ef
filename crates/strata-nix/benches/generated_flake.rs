//! Writes a synthetic homelab flake: `hosts` hosts over `modules` shared
//! modules, declared with `genAttrs` over a name list, every host a k3s node
//! importing a few shared modules (which import each other) and its own file.

use std::fmt::Write as _;
use std::path::Path;

/// Writes the flake under `root` (which must exist).
pub fn write(root: &Path, hosts: usize, modules: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(root.join("modules"))?;
    std::fs::create_dir_all(root.join("hosts"))?;
    let mut names = String::new();
    for h in 0..hosts {
        let _ = write!(names, " \"node-{h}\"");
    }
    let flake = format!(
        r#"{{
  description = "generated: {hosts} hosts over {modules} shared modules";
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
  outputs = {{ self, nixpkgs, ... }}:
    let
      lib = nixpkgs.lib;
      names = [{names} ];
    in
    {{
      nixosConfigurations = lib.genAttrs names (name:
        lib.nixosSystem {{
          system = "x86_64-linux";
          specialArgs = {{ inherit name; }};
          modules = [ ./modules (./hosts + "/${{name}}.nix") ];
        }});
    }};
}}
"#
    );
    std::fs::write(root.join("flake.nix"), flake)?;
    let mut default = String::from("{\n  imports = [\n");
    for m in 0..modules {
        let _ = writeln!(default, "    ./m{m}.nix");
        let next = (m + 1) % modules;
        let module = format!(
            r#"{{ config, lib, name, ... }}:
{{
  # Shared module {m}: options merged over every host.
  environment.etc."m{m}".text = "module {m} on ${{name}}";
  networking.firewall.allowedTCPPorts = [ {port} ];
  services.k3s.extraFlags = lib.mkIf config.services.k3s.enable [ "--node-label m{m}=${{name}}" ];
  users.users.svc{m} = {{ isSystemUser = true; group = "svc"; extraGroups = lib.optional ({m} == {next}) "wheel"; }};
}}
"#,
            port = 20000 + m
        );
        std::fs::write(root.join(format!("modules/m{m}.nix")), module)?;
    }
    default.push_str("  ];\n}\n");
    std::fs::write(root.join("modules/default.nix"), default)?;
    for h in 0..hosts {
        let host = format!(
            r#"{{ lib, name, ... }}:
{{
  networking.hostName = name;
  networking.interfaces.eno1.ipv4.addresses = [ {{ address = "10.{a}.{b}.{c}"; prefixLength = 16; }} ];
  services.k3s = {{
    enable = true;
    role = "{role}";
    clusterInit = {init};
    serverAddr = {server};
    tokenFile = "/run/secrets/k3s-token";
  }};
  networking.firewall.allowedTCPPorts = [ 6443 10250 ];
  system.stateVersion = "25.11";
}}
"#,
            a = h / 65536,
            b = (h / 256) % 256,
            c = h % 256,
            role = if h < 3 { "server" } else { "agent" },
            init = h == 0,
            server = if h == 0 {
                "\"\"".to_string()
            } else {
                "\"https://10.0.0.0:6443\"".to_string()
            },
        );
        std::fs::write(root.join(format!("hosts/node-{h}.nix")), host)?;
    }
    Ok(())
}
