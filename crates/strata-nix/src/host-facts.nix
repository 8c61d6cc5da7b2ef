# Turns one evaluated host into strata's HostFacts as JSON, for
# `nix eval --json <flake>#<host attr> --apply (import this)`.
#
# The argument is a NixOS system (`nixosConfigurations.<n>`, `colmenaHive.nodes.<n>`:
# anything with `.config`), a deploy-rs node (`deploy.nodes.<n>`), or a derivation
# (`packages.<system>.<n>` for non-NixOS hosts).
#
# Every fact is evaluated under `tryEval` + `deepSeq`, so one failing option yields
# `{ __unknown = "…"; }` for that fact and the rest still arrive. Secrets never
# leave this expression: a literal k3s token becomes `{ __secret = true; }`, and
# colmena `deployment.keys.*.text` is dropped.
host:
let
  unknown = reason: { __unknown = reason; };
  # `tryEval` catches `throw`/`assert`; `or` catches missing attributes.
  try = value:
    let result = builtins.tryEval (builtins.deepSeq value value);
    in if result.success then result.value else unknown "evaluation failed";
  isSystem = builtins.isAttrs host && host ? config;
  isDerivation = builtins.isAttrs host && (host.type or null) == "derivation";
  config = if isSystem then host.config else { };
  opt = path: default:
    let
      step = acc: name: if acc.found && builtins.isAttrs acc.value && acc.value ? ${name}
        then { found = true; value = acc.value.${name}; }
        else { found = false; value = null; };
      walked = builtins.foldl' step { found = true; value = config; } path;
    in if walked.found then try walked.value else default;
  secret = value: if value == null || value == "" then null else { __secret = true; };
  # k3s flags whose value is a secret: `--token X`, `--token=X`, or the value
  # as the next list element. The value is replaced before printing.
  # As strata's static reader decides (`hosts/k3s_flags.rs`): the token
  # flags, and any flag naming a token, secret, key, password or auth, but
  # not one naming where a secret is (`--token-file`).
  tokenFlags = [ "--token" "-t" "--agent-token" "--datastore-endpoint" ];
  lower = builtins.replaceStrings
    [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ]
    [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
  secretFlag = name: builtins.isString name && (builtins.elem (lower name) tokenFlags
    || (builtins.match "--.*(token|secret|key|password|passwd|auth).*" (lower name) != null
      && builtins.match ".*-(file|path|dir|name)" (lower name) == null));
  redactFlag = flag:
    let m = builtins.match "(-t|--[^ =]*)([ =]).*" flag;
    in if m != null && secretFlag (builtins.head m) then "${builtins.head m}${builtins.elemAt m 1}<redacted>" else flag;
  redactList = flags: (builtins.foldl' (acc: flag: {
      out = acc.out ++ [ (if acc.previousSecret && builtins.isString flag && builtins.substring 0 1 flag != "-" then "<redacted>" else if builtins.isString flag then redactFlag flag else flag) ];
      # A bare secret flag (no `=value`): its value is the next item.
      previousSecret = secretFlag flag && builtins.match "[^ =]*" flag != null
        && !(acc.previousSecret && builtins.substring 0 1 flag != "-");
    }) { out = [ ]; previousSecret = false; } flags).out;
  words = text: builtins.filter (w: builtins.isString w && w != "") (builtins.split "[[:space:]]+" text);
  redactFlags = flags:
    if builtins.isString flags then builtins.concatStringsSep " " (redactList (words flags))
    else if builtins.isList flags then builtins.map (f: if builtins.isString f then builtins.concatStringsSep " " (redactList (words f)) else f) (redactList flags)
    else flags;
  k3s = if opt [ "services" "k3s" "enable" ] false == true then {
    enable = true;
    role = opt [ "services" "k3s" "role" ] null;
    clusterInit = opt [ "services" "k3s" "clusterInit" ] null;
    serverAddr = opt [ "services" "k3s" "serverAddr" ] null;
    token = let t = builtins.tryEval (config.services.k3s.token or null);
      in if t.success then secret t.value else unknown "evaluation failed";
    tokenFile = let f = opt [ "services" "k3s" "tokenFile" ] null;
      in if builtins.isPath f then toString f else f;
    environmentFile = let f = opt [ "services" "k3s" "environmentFile" ] null;
      in if builtins.isPath f then toString f else f;
    extraFlags = redactFlags (opt [ "services" "k3s" "extraFlags" ] [ ]);
    # Newer NixOS: lists of `key=value` (taints `key=value:Effect`), or sets.
    nodeLabel = keyValues (opt [ "services" "k3s" "nodeLabel" ] null);
    nodeTaint = keyValues (opt [ "services" "k3s" "nodeTaint" ] null);
    configPath = let f = opt [ "services" "k3s" "configPath" ] null;
      in if builtins.isPath f then toString f else f;
  } else null;
  keyValues = v: if builtins.isAttrs v && !(v ? __unknown)
    then builtins.map (k: "${k}=${toString v.${k}}") (builtins.attrNames v) else v;
  # `boot.supportedFilesystems`: a list, or (newer NixOS) a set of names to booleans.
  supportedFilesystems = let f = opt [ "boot" "supportedFilesystems" ] null;
    in if builtins.isAttrs f && !(f ? __unknown)
      then builtins.filter (n: f.${n} == true) (builtins.attrNames f) else f;
  interfaces = opt [ "networking" "interfaces" ] { };
  addresses = if builtins.isAttrs interfaces && !(interfaces ? __unknown) then
    builtins.concatLists (builtins.map (name:
      builtins.map (a: { interface = name; address = a.address or null; prefixLength = a.prefixLength or null; })
        (interfaces.${name}.ipv4.addresses or [ ] ++ interfaces.${name}.ipv6.addresses or [ ]))
      (builtins.attrNames interfaces))
  else [ ];
  firewall = {
    enable = opt [ "networking" "firewall" "enable" ] null;
    allowedTCPPorts = opt [ "networking" "firewall" "allowedTCPPorts" ] [ ];
    allowedUDPPorts = opt [ "networking" "firewall" "allowedUDPPorts" ] [ ];
    allowedTCPPortRanges = opt [ "networking" "firewall" "allowedTCPPortRanges" ] [ ];
    allowedUDPPortRanges = opt [ "networking" "firewall" "allowedUDPPortRanges" ] [ ];
    trustedInterfaces = opt [ "networking" "firewall" "trustedInterfaces" ] [ ];
  };
  deployment = let d = opt [ "deployment" ] null; in
    if builtins.isAttrs d && !(d ? __unknown) then {
      targetHost = d.targetHost or null;
      targetPort = d.targetPort or null;
      targetUser = d.targetUser or null;
      tags = d.tags or [ ];
      keys = builtins.attrNames (d.keys or { });
    } else null;
  toplevel =
    let t = builtins.tryEval (config.system.build.toplevel.drvPath or null);
    in if t.success then t.value else unknown "system.build.toplevel does not evaluate";
in
if isSystem then {
  kind = "nixos";
  hostName = opt [ "networking" "hostName" ] null;
  system = let s = builtins.tryEval (host.pkgs.stdenv.hostPlatform.system or config.nixpkgs.hostPlatform.system or null);
    in if s.success then s.value else null;
  inherit addresses firewall k3s deployment;
  openiscsi = opt [ "services" "openiscsi" "enable" ] null;
  kernelModules = opt [ "boot" "kernelModules" ] null;
  inherit supportedFilesystems;
  rpcbind = opt [ "services" "rpcbind" "enable" ] null;
  sopsSecrets = let s = opt [ "sops" "secrets" ] { };
    in if builtins.isAttrs s && !(s ? __unknown) then builtins.attrNames s else [ ];
  stateVersion = opt [ "system" "stateVersion" ] null;
  toplevelDrv = toplevel;
} else if isDerivation then {
  kind = "packages";
  toplevelDrv = let t = builtins.tryEval host.drvPath; in if t.success then t.value else unknown "the package set does not evaluate";
} else if builtins.isAttrs host && host ? hostname then {
  kind = "deploy-rs";
  hostName = try host.hostname;
  deployment = { targetHost = try host.hostname; targetUser = try (host.sshUser or null); tags = [ ]; keys = [ ]; targetPort = null; };
  profiles = builtins.attrNames (host.profiles or { });
  toplevelDrv = let t = builtins.tryEval (host.profiles.system.path.drvPath or null); in if t.success then t.value else null;
} else {
  kind = "unknown";
}
