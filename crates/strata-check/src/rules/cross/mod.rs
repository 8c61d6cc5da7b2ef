//! Rules that read both layers: what the Flux tree deploys onto a k3s
//! cluster against what its hosts' NixOS configurations provide.

pub mod host_network_port_closed;
pub mod k3s_server_vip_unprovided;
pub mod lb_pool_conflict;
pub mod node_placement_unsatisfiable;
pub mod storage_iscsi_missing;
pub mod storage_nfs_client_missing;
pub mod storage_replicas_exceed_nodes;
