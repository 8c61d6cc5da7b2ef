# Admin account. Colmena deploys as root over SSH with the same key.
{ config, ... }:

let
  sshKeys = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDoIMaxKDdvZIHEMogSx9E4hhIStX1MSj9RswNg4EDKs admin@workstation"
  ];
in
{
  # Hashed password, from the default sops file (secrets/secrets.yaml).
  sops.secrets.admin-password.neededForUsers = true;

  users.mutableUsers = false;
  users.users.admin = {
    isNormalUser = true;
    description = "Homelab admin";
    extraGroups = [ "wheel" ];
    hashedPasswordFile = config.sops.secrets.admin-password.path;
    openssh.authorizedKeys.keys = sshKeys;
  };
  users.users.root.openssh.authorizedKeys.keys = sshKeys;

  security.sudo.wheelNeedsPassword = false;
}
