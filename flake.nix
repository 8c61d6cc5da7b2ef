{
  description = "Homelab: NixOS k3s nodes deployed with Colmena, workloads reconciled by FluxCD";

  inputs = {
    nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
    sops-nix = {
      url = "github:Mic92/sops-nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    disko = {
      url = "github:nix-community/disko";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, sops-nix, disko, ... }@inputs:
    let
      system = "x86_64-linux";

      # Helper library (builtins only, evaluates without nixpkgs).
      homelab = import ./nix { };

      # The k3s nodes. All three are k3s servers: homelab-0 bootstraps the
      # embedded etcd (`--cluster-init`), homelab-1 and homelab-2 join it,
      # giving a three-member etcd that survives the loss of one node.
      nodes = {
        # ThinkCentre M720q, i7-8700T, 32 GB
        homelab-0 = {
          ip = "192.168.50.104";
          isMaster = true;
          tags = [ "k3s" "server" "master" ];
        };
        # ThinkCentre M720q, i5-8500T, 16 GB
        homelab-1 = {
          ip = "192.168.50.103";
          isMaster = false;
          master = "192.168.50.104";
          tags = [ "k3s" "server" ];
        };
        # ThinkCentre M710q, i5-7500T, 16 GB
        homelab-2 = {
          ip = "192.168.50.105";
          isMaster = false;
          master = "192.168.50.104";
          tags = [ "k3s" "server" ];
        };
      };

      sharedModules = [
        sops-nix.nixosModules.sops
        disko.nixosModules.disko
        ./modules
      ];

      pkgs = nixpkgs.legacyPackages.${system};

      supportedSystems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];

      # strata built with any nixpkgs package set (its system is the set's).
      mkPackage = pkgs: pkgs.rustPlatform.buildRustPackage {
        pname = "strata";
        version = "0.1.0";
        src = ./.;
        cargoLock.lockFile = ./Cargo.lock;
        cargoBuildFlags = [ "-p" "strata-cli" ];
        doCheck = false;
      };
    in
    {
      # The helpers above, plus `mkStrata` defaulting to this flake's build of
      # strata: what other flakes call (README, "In your own flake").
      lib = homelab // {
        # The package is built with the caller's `pkgs`, so any system works,
        # not only those listed in `packages`.
        mkStrata = args: homelab.mkStrata ({ package = mkPackage args.pkgs; } // args);
      };

      nixosConfigurations = homelab.mkNixosConfigurations {
        inherit nixpkgs system nodes;
        modules = sharedModules;
      };

      colmena = homelab.mkHive {
        inherit nixpkgs system nodes;
        modules = sharedModules;
      };

      # strata itself, for every system nixpkgs builds Rust for.
      packages = builtins.listToAttrs (builtins.map
        (sys: { name = sys; value.default = mkPackage nixpkgs.legacyPackages.${sys}; })
        supportedSystems);

      # nix run .#plan / .#lint / .#diff / .#graph, and `nix flake check`
      # linting this repository: the same integration users get.
      apps.${system} = (self.lib.mkStrata { inherit self pkgs; }).apps;
      checks.${system} = (self.lib.mkStrata { inherit self pkgs; }).checks;
    };
}
