# homelab-0: Lenovo ThinkCentre M720q Tiny, i7-8700T, 32 GB RAM, 1 TB NVMe.
# k3s server with --cluster-init: the first etcd member, every other node joins it.
# Installed with nixos-anywhere, disks managed by disko (./disko.nix).
{ meta, ... }:

{
  imports = [
    ./hardware-configuration.nix
    ./disko.nix
  ];

  networking.hostName = meta.hostname;
  networking.useDHCP = false;
  networking.interfaces.enp0s31f6.ipv4.addresses = [
    {
      address = meta.ip;
      prefixLength = 24;
    }
  ];

  # The biggest node hosts most of the Longhorn replicas; reserve memory for
  # the system so the kubelet evicts pods before the OOM killer hits etcd.
  services.k3s.extraFlags = [
    "--kubelet-arg=system-reserved=cpu=500m,memory=2Gi"
  ];

  system.stateVersion = "25.11";
}
