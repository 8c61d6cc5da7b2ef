//! Rules over Nix files, the flake and hosts.

pub mod nix_eval_limit;
pub mod nix_import_missing;
pub mod nix_syntax_error;
