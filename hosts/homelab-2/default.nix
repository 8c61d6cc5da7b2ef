# homelab-2: Lenovo ThinkCentre M710q Tiny, i5-7500T, 16 GB RAM, 512 GB NVMe.
# Third k3s server (joins homelab-0) so embedded etcd keeps quorum when one
# node is down. Installed with nixos-anywhere, disks managed by disko.
{ meta, ... }:

{
  imports = [
    ./hardware-configuration.nix
    ./disko.nix
  ];

  networking.hostName = meta.hostname;
  networking.useDHCP = false;
  networking.interfaces.eno1.ipv4.addresses = [
    {
      address = meta.ip;
      prefixLength = 24;
    }
  ];

  system.stateVersion = "25.11";
}
