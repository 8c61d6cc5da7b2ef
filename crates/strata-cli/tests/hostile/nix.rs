//! Nix that does not parse, imports nothing, or has a shape Nix refuses:
//! NIX001, NIX002, NIX005 and NIX013.

use crate::{Base, Case};

const WEB: &str = "hosts/web.nix";
const FLAKE: &str = "flake.nix";

/// `hosts/web.nix` with `networking.hostName = VALUE;` on line 3 and a
/// valid `system.stateVersion` on line 4.
macro_rules! host_name {
    ($value:literal) => {
        concat!(
            "{ config, lib, ... }:\n{\n  networking.hostName = ",
            $value,
            ";\n  system.stateVersion = \"25.11\";\n}\n"
        )
    };
}

/// `hosts/web.nix` with a valid hostName on line 3 and `OPTION = VALUE;` on line 4.
macro_rules! option {
    ($option:literal, $value:literal) => {
        concat!(
            "{ config, lib, ... }:\n{\n  networking.hostName = \"web\";\n  ",
            $option,
            " = ",
            $value,
            ";\n  system.stateVersion = \"25.11\";\n}\n"
        )
    };
}

macro_rules! case {
    ($name:literal, $file:expr, $content:expr, $code:literal, $line:literal) => {
        Case {
            name: $name,
            base: Base::Nix,
            files: &[($file, $content)],
            expect: &[($code, $file, $line)],
            exit: 1,
        }
    };
}

pub const CASES: &[Case] = &[
    // The flake itself.
    case!("flake is a list", FLAKE, "[ 1 2 ]\n", "NIX013", 1),
    case!("flake is a string", FLAKE, "\"flake\"\n", "NIX013", 1),
    case!(
        "flake throws",
        FLAKE,
        "# a comment\n\nthrow \"no flake\"\n",
        "NIX013",
        3
    ),
    case!(
        "flake without outputs",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n}\n",
        "NIX013",
        1
    ),
    case!(
        "outputs is a number",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = 5;\n}\n",
        "NIX013",
        3
    ),
    case!(
        "outputs is a set",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { };\n}\n",
        "NIX013",
        3
    ),
    case!(
        "outputs returns a number",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs }: 5;\n}\n",
        "NIX013",
        3
    ),
    case!(
        "outputs returns a list",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs }: [ nixpkgs ];\n}\n",
        "NIX013",
        3
    ),
    case!(
        "outputs throws",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs }:\n    throw \"not yet\";\n}\n",
        "NIX013",
        4
    ),
    case!(
        "flake syntax error",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs }: {\n}\n",
        "NIX001",
        4
    ),
    case!(
        "flake input without lock entry",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  inputs.disko.url = \"github:nix-community/disko\";\n  outputs = { self, nixpkgs, disko }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      system = \"x86_64-linux\";\n      modules = [ disko.nixosModules.disko ./hosts/web.nix ];\n    };\n  };\n}\n",
        "NIX005",
        3
    ),
    case!(
        "flake.lock is not JSON",
        "flake.lock",
        "{\n  \"nodes\": {\n}\n",
        "NIX001",
        4
    ),
    case!(
        "host module missing",
        FLAKE,
        "{\n  inputs.nixpkgs.url = \"github:nixos/nixpkgs/nixos-25.11\";\n  outputs = { self, nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      system = \"x86_64-linux\";\n      modules = [ ./hosts/web.nix ./hosts/missing.nix ];\n    };\n  };\n}\n",
        "NIX002",
        6
    ),
    // A host's facts.
    case!("hostName is an int", WEB, host_name!("42"), "NIX013", 3),
    case!("hostName is a bool", WEB, host_name!("true"), "NIX013", 3),
    case!(
        "hostName is a list",
        WEB,
        host_name!("[ \"web\" ]"),
        "NIX013",
        3
    ),
    case!(
        "hostName is a set",
        WEB,
        host_name!("{ name = \"web\"; }"),
        "NIX013",
        3
    ),
    case!(
        "hostName is a function",
        WEB,
        host_name!("x: \"web\""),
        "NIX013",
        3
    ),
    case!("hostName is a float", WEB, host_name!("4.2"), "NIX013", 3),
    case!(
        "hostName throws",
        WEB,
        host_name!("throw \"set me\""),
        "NIX013",
        3
    ),
    case!(
        "hostName aborts",
        WEB,
        host_name!("abort \"set me\""),
        "NIX013",
        3
    ),
    case!(
        "hostName divides by zero",
        WEB,
        host_name!("\"web-${toString (1 / 0)}\""),
        "NIX013",
        3
    ),
    case!(
        "hostName selects a missing attribute",
        WEB,
        host_name!("({ }).name"),
        "NIX013",
        3
    ),
    case!(
        "hostName is the head of an empty list",
        WEB,
        host_name!("builtins.head [ ]"),
        "NIX013",
        3
    ),
    case!(
        "hostName interpolates a set",
        WEB,
        host_name!("\"web-${{ }}\""),
        "NIX013",
        3
    ),
    case!(
        "hostName throws through a let",
        WEB,
        "{ config, lib, ... }:\nlet\n  name = throw \"set me\";\nin\n{\n  networking.hostName = name;\n  system.stateVersion = \"25.11\";\n}\n",
        "NIX013",
        3
    ),
    case!(
        "hostName throws through lib.mkDefault",
        WEB,
        host_name!("lib.mkDefault (throw \"set me\")"),
        "NIX013",
        3
    ),
    case!(
        "hostName adds a string to an int",
        WEB,
        host_name!("\"web\" + 1"),
        "NIX013",
        3
    ),
    case!(
        "stateVersion is an int",
        WEB,
        "{ config, lib, ... }:\n{\n  networking.hostName = \"web\";\n  system.stateVersion = 25;\n}\n",
        "NIX013",
        4
    ),
    case!(
        "stateVersion throws",
        WEB,
        "{ config, lib, ... }:\n{\n  networking.hostName = \"web\";\n  system.stateVersion = throw \"pick one\";\n}\n",
        "NIX013",
        4
    ),
    case!(
        "openiscsi enable is a string",
        WEB,
        option!("services.openiscsi.enable", "\"yes\""),
        "NIX013",
        4
    ),
    case!(
        "openiscsi enable throws",
        WEB,
        option!("services.openiscsi.enable", "throw \"no\""),
        "NIX013",
        4
    ),
    case!(
        "host module syntax error",
        WEB,
        "{ config, lib, ... }:\n{\n  networking.hostName = \"web\"\n  system.stateVersion = \"25.11\";\n}\n",
        "NIX001",
        4
    ),
    case!(
        "host imports a missing file",
        WEB,
        "{ config, lib, ... }:\n{\n  imports = [ ./missing.nix ];\n  networking.hostName = \"web\";\n  system.stateVersion = \"25.11\";\n}\n",
        "NIX002",
        3
    ),
];
