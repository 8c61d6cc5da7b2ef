# homelab-1: Lenovo ThinkCentre M720q Tiny, i5-8500T, 16 GB RAM, 512 GB NVMe.
# k3s server joining homelab-0. Installed by hand from the NixOS ISO before
# disko was adopted, so its file systems live in hardware-configuration.nix
# and Longhorn stores its replicas on the root file system.
{ meta, ... }:

{
  imports = [
    ./hardware-configuration.nix
  ];

  networking.hostName = meta.hostname;
  networking.useDHCP = false;
  networking.interfaces.enp0s31f6.ipv4.addresses = [
    {
      address = meta.ip;
      prefixLength = 24;
    }
  ];

  system.stateVersion = "25.11";
}
