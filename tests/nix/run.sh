#!/usr/bin/env bash
# Offline tests of the example homelab's Nix layer (flake.nix, flake.lock,
# nix/default.nix, hosts/, modules/) with a real Nix. Nothing here needs
# nixpkgs or the network: only the parts of the flake that evaluate without
# fetching an input are forced.
#
# Usage: tests/nix/run.sh        (from any directory; needs nix >= 2.8)
#
# Findings with Nix 2.8 (Debian nix-bin, single-user as root, no daemon):
#   * `nix flake metadata --json path:DIR` and `nix eval path:DIR#attr` work
#     offline as long as flake.lock is complete: locked inputs are fetched
#     lazily, only when an output actually forces them. `--offline` (no
#     substituters, cached downloads count as fresh) plus
#     `--no-update-lock-file` turn any attempt to re-lock into a hard error
#     instead of a silent rewrite. They do not stop Nix 2.8 from trying the
#     network first: with an input missing from flake.lock it still asks
#     api.github.com for the branch head and fails with "unable to download",
#     so an incomplete lock shows up here as that error.
#   * `path:` flakes see untracked files, but are copied whole into the store
#     on every evaluation (a cargo `target/` would go along), so the flake is
#     staged first: the files git does not ignore (or everything except .git
#     and target/ outside a git checkout) are copied to a temp directory.
#   * Evaluation builds nothing, so no sandbox or build users are needed; the
#     store is the default one when it is writable (root, or a daemon), else a
#     throw-away local store under the temp directory (`--store DIR`).
#   * A function-typed `nix eval` result needs `--apply`; values that are
#     paths are compared through `toString`/`baseNameOf`, never printed as
#     JSON (that would copy them to the store).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v nix >/dev/null 2>&1 || ! command -v nix-instantiate >/dev/null 2>&1; then
  echo "error: tests/nix/run.sh needs Nix (nix and nix-instantiate) on PATH." >&2
  echo "       Debian/Ubuntu: apt-get install -y nix-bin" >&2
  echo "       elsewhere:     https://nixos.org/download (or the DeterminateSystems installer)" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-nix-tests.XXXXXX")
# Store paths are read-only: make them writable again before removing.
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# Keep Nix's caches and any user configuration out of the way.
mkdir -p "$WORK/home" "$WORK/cache" "$WORK/config" "$WORK/state" "$WORK/data"
export HOME="$WORK/home"
export XDG_CACHE_HOME="$WORK/cache" XDG_CONFIG_HOME="$WORK/config"
export XDG_STATE_HOME="$WORK/state" XDG_DATA_HOME="$WORK/data"
export NIX_CONFIG="experimental-features = nix-command flakes
sandbox = false
warn-dirty = false"

STORE_ARGS=()
if [ -z "${NIX_REMOTE:-}" ] && [ ! -w /nix/var/nix ] && [ ! -S /nix/var/nix/daemon-socket/socket ]; then
  STORE_ARGS=(--store "$WORK/store")
fi
NIX=(nix --extra-experimental-features 'nix-command flakes' ${STORE_ARGS[@]+"${STORE_ARGS[@]}"})
FLAKE_FLAGS=(--offline --no-update-lock-file)
INST=(nix-instantiate --eval --strict --json ${STORE_ARGS[@]+"${STORE_ARGS[@]}"})

echo "nix: $(nix --version)"
echo "root: $ROOT"

# --- stage the flake ---------------------------------------------------------
STAGE="$WORK/flake"
mkdir -p "$STAGE"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
    while IFS= read -r -d '' f; do if [ -e "$ROOT/$f" ]; then printf '%s\0' "$f"; fi; done |
    tar -C "$ROOT" --null -T - -cf - | tar -C "$STAGE" -xf -
else
  tar -C "$ROOT" --exclude=./.git --exclude=./target -cf - . | tar -C "$STAGE" -xf -
fi
FLAKE="path:$STAGE"

# --- assertions --------------------------------------------------------------
PASS=0
FAIL=0

# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" == "$3" ]; then
    PASS=$((PASS + 1))
    echo "ok   - $1"
  else
    FAIL=$((FAIL + 1))
    echo "FAIL - $1"
    echo "       expected: $2"
    echo "       actual:   $3"
  fi
}

# The first `error:` line of the last command's stderr (else its last line).
errline() {
  grep -m 1 '^error' "$WORK/stderr" || tail -n 1 "$WORK/stderr"
}

# Run a command; print its stdout, or a marker with the error it printed.
out() {
  local o
  if o=$("$@" 2>"$WORK/stderr"); then
    printf '%s' "$o"
  else
    printf '<exit %s: %s>' "$?" "$(errline)"
  fi
}

# nix-instantiate on an expression.
# EXPR is a function of { lib, root, work }: lib = import nix/default.nix,
# root = the work tree as a path, work = the temp directory as a string.
inst() {
  out "${INST[@]}" --argstr root "$ROOT" --argstr work "$WORK" \
    -E "{ root, work }: let rootPath = /. + root; in ($1) { lib = import (rootPath + \"/nix\") { }; root = rootPath; inherit work; }"
}

# nix eval on the staged flake.
feval() {
  local attr=$1
  shift
  out "${NIX[@]}" eval --json "${FLAKE_FLAGS[@]}" "$FLAKE#$attr" "$@"
}

# --- 1. flake metadata, offline ---------------------------------------------
echo "# flake metadata"
if "${NIX[@]}" flake metadata --json "${FLAKE_FLAGS[@]}" "$FLAKE" >"$WORK/metadata.json" 2>"$WORK/stderr"; then
  check "nix flake metadata runs offline" "ok" "ok"
else
  check "nix flake metadata runs offline" "ok" "$(errline)"
fi
check "flake.lock: locked revisions and NAR hashes" \
  '{"disko":{"narHash":"sha256-YD5QWlGnusNbZCqR3pxG8tRxx9yUXayLZfAJRWspq2s=","owner":"nix-community","rev":"7194cfe5b7a3660726b0fe7296070eaef601cae9","type":"github"},"nixpkgs":{"narHash":"sha256-3iXM/zTqEskWtmZs3gqNiVtRTsEjYAedIaLL0mSBsrk=","owner":"nixos","rev":"c8cfcd6ccd422e41cc631a0b73ed4d5a925c393d","type":"github"},"sops-nix":{"narHash":"sha256-hWRYfdH2ONI7HXbqZqW8Q1y9IRbnXWvtvt/ONZovSNY=","owner":"Mic92","rev":"443a7f2e7e118c4fc63b7fae05ab3080dd0e5c63","type":"github"}}' \
  "$(inst '{ work, ... }: let m = builtins.fromJSON (builtins.readFile (work + "/metadata.json")); in
      builtins.mapAttrs (n: v: { inherit (v.locked) narHash owner rev type; }) (removeAttrs m.locks.nodes [ "root" ])')"
check "flake.lock: root inputs, follows and lock version" \
  '{"follows":{"disko":{"nixpkgs":["nixpkgs"]},"nixpkgs":{},"sops-nix":{"nixpkgs":["nixpkgs"]}},"nixpkgsRef":"nixos-25.11","root":{"disko":"disko","nixpkgs":"nixpkgs","sops-nix":"sops-nix"},"version":7}' \
  "$(inst '{ work, ... }: let m = builtins.fromJSON (builtins.readFile (work + "/metadata.json")); in {
      root = m.locks.nodes.root.inputs;
      follows = builtins.mapAttrs (n: v: v.inputs or { }) (removeAttrs m.locks.nodes [ "root" ]);
      nixpkgsRef = m.locks.nodes.nixpkgs.original.ref;
      version = m.locks.version;
    }')"

# --- 2. the flake's lib output ----------------------------------------------
echo "# flake lib output"
check "lib.mkNodeSpecialArgs via nix eval --apply" \
  '{"a":{"meta":{"hostname":"a","ip":"10.0.0.1","isMaster":true}},"b":{"meta":{"hostname":"b","ip":"10.0.0.2","isMaster":false,"master":"10.0.0.1"}}}' \
  "$(feval lib.mkNodeSpecialArgs --apply 'f: f { a = { ip = "10.0.0.1"; isMaster = true; }; b = { ip = "10.0.0.2"; isMaster = false; master = "10.0.0.1"; }; }')"
check "lib.mkStrata: apps and a check for any flake (stub pkgs, explicit package)" \
  '{"apps":["diff","graph","lint","plan"],"check":"derivation"}' \
  "$(feval lib --apply 'lib: let r = lib.mkStrata { self = { outPath = "/src"; }; package = "/pkg"; pkgs = { system = "x86_64-linux"; writeShellScript = name: text: text; runCommand = name: env: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; }; }; }; in { apps = builtins.attrNames r.apps; check = r.checks.strata-lint.type; }')"
# The apps' scripts, run with a stand-in strata that prints its arguments:
# the user's arguments pass through unchanged, the tier is added only when
# they name none.
mkdir -p "$WORK/pkg/bin"
printf '#!/bin/sh\necho "$@"\n' >"$WORK/pkg/bin/strata"
chmod +x "$WORK/pkg/bin/strata"
app_script() { # EVAL COMMAND -> the path of the app's script
  local script="$WORK/app-$1-$2.sh"
  "${NIX[@]}" eval --raw "${FLAKE_FLAGS[@]}" "$FLAKE#lib" --apply "lib: (lib.mkStrata { self = { outPath = \"/src\"; }; package = \"$WORK/pkg\"; eval = \"$1\"; pkgs = { system = \"x86_64-linux\"; writeShellScript = name: text: \"#!/bin/sh\\n\" + text; runCommand = name: env: script: { }; }; }).apps.$2.program" >"$script" 2>"$WORK/stderr" || errline
  chmod +x "$script"
  printf '%s' "$script"
}
check "app lint passes --eval through (nix run .#lint -- --eval static)" \
  "lint --eval static" "$(out "$(app_script auto lint)" --eval static)"
check "app diff passes --from through (nix run .#diff -- --from origin/main)" \
  "diff --from origin/main" "$(out "$(app_script auto diff)" --from origin/main)"
check "app with eval = nix adds the tier when none is given" \
  "plan --eval nix --from HEAD~1" "$(out "$(app_script nix plan)" --from HEAD~1)"
check "app with eval = nix keeps the user's --eval=static" \
  "graph --eval=static" "$(out "$(app_script nix graph)" --eval=static)"

# mkStrata builds strata with the caller's pkgs: it works for any system,
# not only those the flake's `packages` lists (a stub rustPlatform records
# what it was asked to build).
STUB_PKGS='sys: { system = sys; writeShellScript = name: text: text; runCommand = name: env: script: derivation { inherit name; system = sys; builder = "/bin/sh"; args = [ "-c" script ]; }; rustPlatform.buildRustPackage = a: "/stub-${sys}-${a.pname}-${builtins.concatStringsSep "," a.cargoBuildFlags}"; }'
for sys in x86_64-linux aarch64-linux aarch64-darwin riscv64-linux; do
  bin="/stub-$sys-strata--p,strata-cli/bin/strata"
  check "lib.mkStrata without a package builds strata for $sys" \
    "{\"check\":\"$sys\",\"plan\":\"for arg in \\\"\$@\\\"; do\\n  case \\\"\$arg\\\" in\\n    --eval | --eval=*) exec $bin plan  \\\"\$@\\\" ;;\\n  esac\\ndone\\nexec $bin plan   \\\"\$@\\\"\\n\"}" \
    "$(feval lib --apply "lib: let stub = $STUB_PKGS; r = lib.mkStrata { self = { outPath = \"/src\"; }; pkgs = stub \"$sys\"; }; in { plan = r.apps.plan.program; check = r.checks.strata-lint.system; }")"
done
check "packages: strata for every supported system (unforced)" \
  '["aarch64-darwin","aarch64-linux","x86_64-darwin","x86_64-linux"]' \
  "$(feval packages --apply builtins.attrNames)"

# --- 3. nix/default.nix, function by function ---------------------------------
echo "# nix/default.nix"
# Small inventory shared by the unit tests; `nixpkgs` is a throw so any
# forcing of it fails the test.
NODES='{ a = { ip = "10.0.0.1"; isMaster = true; tags = [ "k3s" "master" ]; }; b = { ip = "10.0.0.2"; isMaster = false; master = "10.0.0.1"; tags = [ "k3s" ]; }; }'
HIVE="lib.mkHive { nixpkgs = throw \"nixpkgs must stay unforced\"; system = \"x86_64-linux\"; nodes = $NODES; modules = [ \"m1\" \"m2\" ]; }"

check "mkNodeSpecialArgs adds hostname and keeps every field" \
  '{"a":{"meta":{"hostname":"a","ip":"10.0.0.1","isMaster":true,"tags":["k3s","master"]}},"b":{"meta":{"hostname":"b","ip":"10.0.0.2","isMaster":false,"master":"10.0.0.1","tags":["k3s"]}}}' \
  "$(inst "{ lib, ... }: lib.mkNodeSpecialArgs $NODES")"
check "mkNodeSpecialArgs of an empty inventory" '{}' "$(inst '{ lib, ... }: lib.mkNodeSpecialArgs { }')"
check "mkHive: one attribute per node plus meta and defaults" \
  '["a","b","defaults","meta"]' "$(inst "{ lib, ... }: builtins.attrNames ($HIVE)")"
check "mkHive: deployment of every node" \
  '{"a":{"tags":["k3s","master"],"targetHost":"10.0.0.1","targetUser":"root"},"b":{"tags":["k3s"],"targetHost":"10.0.0.2","targetUser":"root"}}' \
  "$(inst "{ lib, ... }: let h = $HIVE; in { a = h.a.deployment; b = h.b.deployment; }")"
check "mkHive: each node imports hosts/<name>" \
  "[\"$ROOT/hosts/a\",\"$ROOT/hosts/b\"]" \
  "$(inst "{ lib, ... }: let h = $HIVE; in map toString (h.a.imports ++ h.b.imports)")"
check "mkHive: defaults imports the shared modules" '["m1","m2"]' \
  "$(inst "{ lib, ... }: ($HIVE).defaults.imports")"
check "mkHive: meta.nodeSpecialArgs without forcing nixpkgs" \
  '{"names":["nixpkgs","nodeSpecialArgs"],"nodeSpecialArgs":{"a":{"meta":{"hostname":"a","ip":"10.0.0.1","isMaster":true,"tags":["k3s","master"]}},"b":{"meta":{"hostname":"b","ip":"10.0.0.2","isMaster":false,"master":"10.0.0.1","tags":["k3s"]}}}}' \
  "$(inst "{ lib, ... }: let h = $HIVE; in { names = builtins.attrNames h.meta; inherit (h.meta) nodeSpecialArgs; }")"
mkdir -p "$WORK/fake-nixpkgs"
echo '{ system, ... }: { fakeNixpkgs = true; inherit system; }' >"$WORK/fake-nixpkgs/default.nix"
check "mkHive: meta.nixpkgs imports nixpkgs for the system" '{"fakeNixpkgs":true,"system":"aarch64-linux"}' \
  "$(inst "{ lib, work, ... }: (lib.mkHive { nixpkgs = work + \"/fake-nixpkgs\"; system = \"aarch64-linux\"; nodes = $NODES; modules = [ ]; }).meta.nixpkgs")"

CONFIGS="lib.mkNixosConfigurations { nixpkgs = { lib.nixosSystem = args: args; }; system = \"x86_64-linux\"; nodes = $NODES; modules = [ \"m1\" ]; }"
check "mkNixosConfigurations: one nixosSystem per node with system and specialArgs.meta" \
  '{"a":{"specialArgs":{"meta":{"hostname":"a","ip":"10.0.0.1","isMaster":true,"tags":["k3s","master"]}},"system":"x86_64-linux"},"b":{"specialArgs":{"meta":{"hostname":"b","ip":"10.0.0.2","isMaster":false,"master":"10.0.0.1","tags":["k3s"]}},"system":"x86_64-linux"}}' \
  "$(inst "{ lib, ... }: builtins.mapAttrs (n: c: { inherit (c) system specialArgs; }) ($CONFIGS)")"
check "mkNixosConfigurations: shared modules then hosts/<name>" \
  "{\"a\":[\"m1\",\"$ROOT/hosts/a\"],\"b\":[\"m1\",\"$ROOT/hosts/b\"]}" \
  "$(inst "{ lib, ... }: builtins.mapAttrs (n: c: map toString c.modules) ($CONFIGS)")"

check "nodesWithTag" '{"k3s":["a","b"],"master":["a"],"none":[]}' \
  "$(inst "{ lib, ... }: { k3s = lib.nodesWithTag \"k3s\" $NODES; master = lib.nodesWithTag \"master\" $NODES; none = lib.nodesWithTag \"gpu\" $NODES; }")"

# --- 4. the real flake's outputs that need no nixpkgs --------------------------
echo "# flake outputs"
check "colmena.homelab-1.deployment" \
  '{"tags":["k3s","server"],"targetHost":"192.168.50.103","targetUser":"root"}' \
  "$(feval colmena.homelab-1.deployment)"
check "colmena.meta.nodeSpecialArgs" \
  '{"homelab-0":{"meta":{"hostname":"homelab-0","ip":"192.168.50.104","isMaster":true,"tags":["k3s","server","master"]}},"homelab-1":{"meta":{"hostname":"homelab-1","ip":"192.168.50.103","isMaster":false,"master":"192.168.50.104","tags":["k3s","server"]}},"homelab-2":{"meta":{"hostname":"homelab-2","ip":"192.168.50.105","isMaster":false,"master":"192.168.50.104","tags":["k3s","server"]}}}' \
  "$(feval colmena.meta.nodeSpecialArgs)"
check "colmena: nodes, meta and defaults" '["defaults","homelab-0","homelab-1","homelab-2","meta"]' \
  "$(feval colmena --apply builtins.attrNames)"
check "colmena: deployment of every node" \
  '{"homelab-0":{"tags":["k3s","server","master"],"targetHost":"192.168.50.104","targetUser":"root"},"homelab-1":{"tags":["k3s","server"],"targetHost":"192.168.50.103","targetUser":"root"},"homelab-2":{"tags":["k3s","server"],"targetHost":"192.168.50.105","targetUser":"root"}}' \
  "$(feval colmena --apply 'h: builtins.mapAttrs (n: v: v.deployment) (removeAttrs h [ "meta" "defaults" ])')"
check "colmena: every node imports an existing hosts/<name>/default.nix" \
  '{"homelab-0":[["homelab-0",true]],"homelab-1":[["homelab-1",true]],"homelab-2":[["homelab-2",true]]}' \
  "$(feval colmena --apply 'h: builtins.mapAttrs (n: v: map (p: [ (baseNameOf (toString p)) (builtins.pathExists (p + "/default.nix")) ]) v.imports) (removeAttrs h [ "meta" "defaults" ])')"
check "colmena.defaults imports sops-nix, disko and ./modules (unforced)" '3' \
  "$(feval colmena.defaults.imports --apply builtins.length)"
check "nixosConfigurations: one per node" '["homelab-0","homelab-1","homelab-2"]' \
  "$(feval nixosConfigurations --apply builtins.attrNames)"
check "apps.x86_64-linux: plan/lint/diff/graph (unforced programs)" \
  '{"diff":"app","graph":"app","lint":"app","plan":"app"}' \
  "$(feval apps.x86_64-linux --apply 'a: builtins.mapAttrs (n: v: v.type) a')"

# --- 5. hosts/ and modules/ with stub module arguments --------------------------
echo "# hosts and modules"
"${NIX[@]}" eval --json "${FLAKE_FLAGS[@]}" "$FLAKE#colmena.meta.nodeSpecialArgs" >"$WORK/specialArgs.json" 2>"$WORK/stderr" ||
  echo '{}' >"$WORK/specialArgs.json"
# Module arguments other than `meta` are stubs: pkgs maps a package name to
# the name itself, config only provides what the modules read.
ARGS='meta: { inherit meta; lib = { }; config = { sops.secrets.k3s-token.path = "/run/secrets/k3s-token"; sops.secrets.admin-password.path = "/run/secrets-for-users/admin-password"; }; pkgs = builtins.listToAttrs (map (n: { name = n; value = n; }) [ "k3s" "kubernetes-helm" "fluxcd" "nfs-utils" "openiscsi" "curl" "git" "htop" "jq" "vim" ]); }'
META="let sa = builtins.fromJSON (builtins.readFile (work + \"/specialArgs.json\")); args = $ARGS; in"

nixfiles=$(cd "$ROOT" && find flake.nix nix hosts modules -name '*.nix' | sort)
bad=""
for f in $nixfiles; do
  nix-instantiate ${STORE_ARGS[@]+"${STORE_ARGS[@]}"} --parse "$ROOT/$f" >/dev/null 2>&1 || bad="$bad $f"
done
check "every Nix file parses ($(echo "$nixfiles" | wc -l | tr -d ' ') files)" "" "$bad"

check "modules/k3s: homelab-0 starts the cluster" \
  '{"clusterInit":true,"enable":true,"role":"server","serverAddr":"","tokenFile":"/run/secrets/k3s-token"}' \
  "$(inst "{ root, work, ... }: $META removeAttrs (import (root + \"/modules/k3s\") (args sa.homelab-0.meta)).services.k3s [ \"extraFlags\" ]")"
check "modules/k3s: homelab-1 joins homelab-0" \
  '{"clusterInit":false,"enable":true,"role":"server","serverAddr":"https://192.168.50.104:6443","tokenFile":"/run/secrets/k3s-token"}' \
  "$(inst "{ root, work, ... }: $META removeAttrs (import (root + \"/modules/k3s\") (args sa.homelab-1.meta)).services.k3s [ \"extraFlags\" ]")"
check "modules/k3s: extraFlags is a list of strings" \
  '["--disable servicelb","--disable traefik","--write-kubeconfig-mode 0644","--node-ip 192.168.50.105","--tls-san 192.168.50.105","--tls-san k3s.lab.example.com","--cluster-cidr 10.42.0.0/16","--service-cidr 10.43.0.0/16","--cluster-dns 10.43.0.10","--etcd-expose-metrics","--kube-controller-manager-arg bind-address=0.0.0.0","--kube-scheduler-arg bind-address=0.0.0.0","--kube-proxy-arg metrics-bind-address=0.0.0.0"]' \
  "$(inst "{ root, work, ... }: $META (import (root + \"/modules/k3s\") (args sa.homelab-2.meta)).services.k3s.extraFlags")"
check "modules/k3s: firewall ports" \
  '{"allowedTCPPortRanges":[{"from":2379,"to":2381},{"from":10249,"to":10250}],"allowedTCPPorts":[6443,9100,10257,10259,5001],"allowedUDPPortRanges":[{"from":51820,"to":51821}],"allowedUDPPorts":[8472],"trustedInterfaces":["cni0","flannel.1"]}' \
  "$(inst "{ root, work, ... }: $META (import (root + \"/modules/k3s\") (args sa.homelab-0.meta)).networking.firewall")"
check "sops files referenced by modules exist" \
  "[[true,\"$ROOT/secrets/k3s.yaml\"],[true,\"$ROOT/secrets/secrets.yaml\"]]" \
  "$(inst "{ root, work, ... }: $META map (p: [ (builtins.pathExists p) (toString p) ]) [ (import (root + \"/modules/k3s\") (args sa.homelab-0.meta)).sops.secrets.k3s-token.sopsFile (import (root + \"/modules/sops.nix\") (args sa.homelab-0.meta)).sops.defaultSopsFile ]")"
check "modules/longhorn: open-iscsi initiator name per host" \
  '["iqn.2016-04.com.open-iscsi:homelab-0","iqn.2016-04.com.open-iscsi:homelab-1","iqn.2016-04.com.open-iscsi:homelab-2"]' \
  "$(inst "{ root, work, ... }: $META map (n: (import (root + \"/modules/longhorn.nix\") (args sa.\${n}.meta)).services.openiscsi.name) [ \"homelab-0\" \"homelab-1\" \"homelab-2\" ]")"
check "modules/default.nix imports existing files" \
  '[["common.nix",true],["sops.nix",true],["user.nix",true],["k3s",true],["longhorn.nix",true]]' \
  "$(inst "{ root, ... }: map (p: [ (baseNameOf (toString p)) (builtins.pathExists p) ]) (import (root + \"/modules\")).imports")"
check "hosts: hostname, static address and imports of every host" \
  '{"homelab-0":{"addresses":{"enp0s31f6":[{"address":"192.168.50.104","prefixLength":24}]},"hostName":"homelab-0","imports":[["hardware-configuration.nix",true],["disko.nix",true]],"stateVersion":"25.11"},"homelab-1":{"addresses":{"enp0s31f6":[{"address":"192.168.50.103","prefixLength":24}]},"hostName":"homelab-1","imports":[["hardware-configuration.nix",true]],"stateVersion":"25.11"},"homelab-2":{"addresses":{"eno1":[{"address":"192.168.50.105","prefixLength":24}]},"hostName":"homelab-2","imports":[["hardware-configuration.nix",true],["disko.nix",true]],"stateVersion":"25.11"}}' \
  "$(inst "{ root, work, ... }: $META builtins.mapAttrs (n: s: let h = import (root + \"/hosts/\${n}\") (args s.meta); in {
      hostName = h.networking.hostName;
      addresses = builtins.mapAttrs (i: v: v.ipv4.addresses) h.networking.interfaces;
      imports = map (p: [ (baseNameOf (toString p)) (builtins.pathExists p) ]) h.imports;
      stateVersion = h.system.stateVersion;
    }) sa")"

echo
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
