//! Assembles the unified graph of a repository and runs every rule over it
