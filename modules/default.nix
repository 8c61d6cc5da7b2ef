# Modules shared by every node (wired in as `defaults` of the Colmena hive and
# as extra modules of every nixosConfiguration).
{
  imports = [
    ./common.nix
    ./sops.nix
    ./user.nix
    ./k3s
    ./longhorn.nix
  ];
}
