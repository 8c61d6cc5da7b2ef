# Host prerequisites for Longhorn (flux/infrastructure/controllers/longhorn).
{ pkgs, meta, ... }:

{
  # Longhorn attaches volumes over iSCSI on every storage node.
  services.openiscsi = {
    enable = true;
    name = "iqn.2016-04.com.open-iscsi:${meta.hostname}";
  };

  # RWX volumes are served over NFSv4 by the share manager.
  boot.supportedFilesystems = [ "nfs" ];
  boot.kernelModules = [ "iscsi_tcp" "dm_crypt" ];

  environment.systemPackages = with pkgs; [
    nfs-utils
    openiscsi
  ];

  # longhorn-manager runs `nsenter --mount=/proc/1/ns/mnt -- iscsiadm ...` and
  # looks for the binaries in the FHS locations, which do not exist on NixOS:
  # point /usr/local/bin at the system profile.
  systemd.tmpfiles.rules = [
    "L+ /usr/local/bin - - - - /run/current-system/sw/bin/"
  ];
}
