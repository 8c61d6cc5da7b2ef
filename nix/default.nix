# Helper library for the homelab flake.
#
# Pure builtins only: nothing here imports nixpkgs, so every function can be
# evaluated (and unit-tested, see tests/nix/run.sh) without network access.
# nixpkgs is always passed in by the caller and only touched lazily.
{ }:

let
  # The directory holding one sub-directory per host (hosts/<name>/default.nix).
  hostsDir = ../hosts;

  # Path of the NixOS module of host `name`.
  hostModule = name: hostsDir + "/${name}";

  # Per-node special arguments: every module of node `name` receives `meta`,
  # the node's entry from `nodes` plus its own `hostname`.
  #
  #   mkNodeSpecialArgs { homelab-0 = { ip = "192.168.50.104"; }; }
  #   => { homelab-0 = { meta = { ip = "192.168.50.104"; hostname = "homelab-0"; }; }; }
  mkNodeSpecialArgs = nodes:
    builtins.mapAttrs (name: node: { meta = node // { hostname = name; }; }) nodes;

  # Colmena hive (Colmena 0.4 flake layout: `outputs.colmena`).
  #
  # `meta.nixpkgs` is a lazy thunk: evaluating `deployment.*` or
  # `meta.nodeSpecialArgs` never forces nixpkgs.
  mkHive = { nixpkgs, system, nodes, modules }:
    {
      meta = {
        nixpkgs = import nixpkgs { inherit system; };
        nodeSpecialArgs = mkNodeSpecialArgs nodes;
      };
      defaults = { imports = modules; };
    }
    // builtins.mapAttrs (name: node: {
      imports = [ (hostModule name) ];
      deployment = {
        targetHost = node.ip;
        targetUser = "root";
        tags = node.tags;
      };
    }) nodes;

  # `nixosConfigurations` for `nixos-rebuild --flake .#<name>` and
  # `nixos-anywhere --flake .#<name>`; same modules and special args as the hive.
  mkNixosConfigurations = { nixpkgs, system, nodes, modules }:
    builtins.mapAttrs (name: node:
      nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = (mkNodeSpecialArgs nodes).${name};
        modules = modules ++ [ (hostModule name) ];
      }) nodes;

  # Names of the nodes carrying `tag` (handy for `colmena apply --on @tag`).
  nodesWithTag = tag: nodes:
    builtins.filter (name: builtins.elem tag nodes.${name}.tags) (builtins.attrNames nodes);
in
{
  inherit
    mkNodeSpecialArgs
    mkHive
    mkNixosConfigurations
    nodesWithTag
    ;
  # strata's flake integration (checks and apps for any flake): see ./strata.nix.
  inherit (import ./strata.nix) mkStrata;
}
