# Disk layout of homelab-0 (applied by nixos-anywhere / disko).
# The Longhorn data path gets its own partition so a full volume pool can
# never fill the root filesystem.
{
  disko.devices = {
    disk.main = {
      type = "disk";
      device = "/dev/nvme0n1";
      content = {
        type = "gpt";
        partitions = {
          ESP = {
            size = "1G";
            type = "EF00";
            content = {
              type = "filesystem";
              format = "vfat";
              mountpoint = "/boot";
              mountOptions = [ "umask=0077" ];
            };
          };
          root = {
            size = "200G";
            content = {
              type = "filesystem";
              format = "ext4";
              mountpoint = "/";
            };
          };
          longhorn = {
            size = "100%";
            content = {
              type = "filesystem";
              format = "ext4";
              mountpoint = "/var/lib/longhorn";
              mountOptions = [ "noatime" ];
            };
          };
        };
      };
    };
  };
}
