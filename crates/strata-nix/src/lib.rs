//! Reads a Nix flake: files, imports, hosts and their facts, statically or through real nix evaluation
