//! Rules about the k3s cluster the hosts form.

pub mod k3s_etcd_quorum;
pub mod k3s_firewall_port;
pub mod k3s_join_unresolved;
pub mod k3s_multiple_cluster_init;
pub mod k3s_no_cluster_init;
pub mod k3s_token_literal;
pub mod k3s_token_missing;
