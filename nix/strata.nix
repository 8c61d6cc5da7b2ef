# strata's flake integration: what a user's flake calls to get strata's
# `nix flake check` check and its `nix run .#plan|lint|diff|graph` apps.
#
#   inputs.strata.url = "github:strata-dev/strata";
#   outputs = { self, nixpkgs, strata, ... }:
#     let integration = strata.lib.mkStrata { inherit self; pkgs = nixpkgs.legacyPackages.x86_64-linux; };
#     in { checks.x86_64-linux = integration.checks; apps.x86_64-linux = integration.apps; };
#
# Builtins only: this file evaluates without nixpkgs, so it is testable offline.
{
  # Returns `{ apps, checks }` for one system.
  #   self:      the user's flake (its source is what the check lints)
  #   pkgs:      nixpkgs for the system (needs `writeShellScript`, `runCommand`)
  #   package:   the strata package (strata's own flake passes its build)
  #   eval:      the tier the apps use when the user names none (`auto`, strata's
  #              own default, by default; the check always runs `static`, since
  #              the build sandbox has no Nix evaluator)
  #   extraArgs: arguments appended to every app invocation
  mkStrata = { self, pkgs, package, eval ? "auto", extraArgs ? [ ] }:
    let
      strata = "${package}/bin/strata";
      quoted = builtins.concatStringsSep " " (builtins.map (a: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] a}'") extraArgs);
      # Apps run where the user runs `nix run`: the working tree, not the store
      # copy. The user's arguments pass through unchanged; the tier is only
      # added when they name none (`nix run .#lint -- --eval static` works).
      evalArgs = if eval == "auto" then "" else "--eval '${eval}'";
      app = command: {
        type = "app";
        program = toString (pkgs.writeShellScript "strata-${command}" ''
          for arg in "$@"; do
            case "$arg" in
              --eval | --eval=*) exec ${strata} ${command} ${quoted} "$@" ;;
            esac
          done
          exec ${strata} ${command} ${evalArgs} ${quoted} "$@"
        '');
      };
    in {
      apps = builtins.listToAttrs (builtins.map (command: { name = command; value = app command; }) [ "plan" "lint" "diff" "graph" ]);
      checks.strata-lint = pkgs.runCommand "strata-lint" { } ''
        ${strata} lint ${self} --eval static --format human
        touch $out
      '';
    };
}
