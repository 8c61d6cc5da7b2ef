# k3s: every node is a server with embedded etcd.
#   - the master (meta.isMaster) starts the cluster with --cluster-init;
#   - the others join it through https://<meta.master>:6443.
# servicelb and traefik are disabled: MetalLB and ingress-nginx replace them
# (flux/infrastructure/controllers).
{ config, lib, pkgs, meta, ... }:

{
  sops.secrets.k3s-token = {
    sopsFile = ../../secrets/k3s.yaml;
    restartUnits = [ "k3s.service" ];
  };

  services.k3s = {
    enable = true;
    role = "server";
    clusterInit = meta.isMaster;
    serverAddr = if meta.isMaster then "" else "https://${meta.master}:6443";
    tokenFile = config.sops.secrets.k3s-token.path;
    extraFlags = [
      "--disable servicelb"
      "--disable traefik"
      "--write-kubeconfig-mode 0644"
      "--node-ip ${meta.ip}"
      "--tls-san ${meta.ip}"
      "--tls-san k3s.lab.example.com"
      "--cluster-cidr 10.42.0.0/16"
      "--service-cidr 10.43.0.0/16"
      "--cluster-dns 10.43.0.10"
      # Let kube-prometheus-stack scrape etcd, the scheduler and the
      # controller manager from outside the node.
      "--etcd-expose-metrics"
      "--kube-controller-manager-arg bind-address=0.0.0.0"
      "--kube-scheduler-arg bind-address=0.0.0.0"
      "--kube-proxy-arg metrics-bind-address=0.0.0.0"
    ];
  };

  networking.firewall = {
    allowedTCPPorts = [
      6443 # Kubernetes API server
      9100 # node-exporter (kube-prometheus-stack, hostNetwork)
      10257 # kube-controller-manager metrics
      10259 # kube-scheduler metrics
      5001 # k3s embedded registry (spegel)
    ];
    allowedTCPPortRanges = [
      { from = 2379; to = 2381; } # etcd client, peer and metrics
      { from = 10249; to = 10250; } # kube-proxy metrics, kubelet
    ];
    allowedUDPPorts = [
      8472 # flannel VXLAN
    ];
    allowedUDPPortRanges = [
      { from = 51820; to = 51821; } # flannel WireGuard (IPv4/IPv6), if enabled
    ];
    # Pod and service traffic must not be filtered by the host firewall.
    trustedInterfaces = [ "cni0" "flannel.1" ];
  };

  environment.systemPackages = with pkgs; [
    k3s
    kubernetes-helm
    fluxcd
  ];
}
