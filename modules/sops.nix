# sops-nix: host secrets, decrypted at activation with the node's age key.
# The key is placed out of band (nixos-anywhere --extra-files) at
# /var/lib/sops-nix/key.txt; its public half is a recipient in /.sops.yaml.
# Kubernetes secrets use a separate age key (see flux/secrets/production).
{ ... }:

{
  sops.defaultSopsFile = ../secrets/secrets.yaml;
  sops.defaultSopsFormat = "yaml";
  sops.age.keyFile = "/var/lib/sops-nix/key.txt";
  # Do not derive age keys from the SSH host keys.
  sops.age.sshKeyPaths = [ ];
  sops.gnupg.sshKeyPaths = [ ];
}
