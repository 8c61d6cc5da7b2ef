//! Rules over Nix files, the flake and hosts.

pub mod deploy_node_mismatch;
pub mod deploy_profile_missing;
pub mod flake_input_unlocked;
pub mod flake_input_unused;
pub mod flake_lock_orphan;
pub mod host_duplicate_address;
pub mod hosts_unknown;
pub mod module_unused;
pub mod nix_eval_limit;
pub mod nix_import_missing;
pub mod nix_syntax_error;
pub mod nix_value_malformed;
pub mod state_version_missing;
