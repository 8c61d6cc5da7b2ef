//! Rules about the k3s cluster the hosts form.

pub mod k3s_join_unresolved;
